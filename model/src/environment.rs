//! Deployment environments (dev, prod, …) and what differs between them.

/// The names that mean production unless configured otherwise (case-insensitive).
pub const DEFAULT_PRODUCTION_NAMES: &[&str] = &["prod", "production", "prd", "live"];

/// The production names in effect: the configured ones, or [`DEFAULT_PRODUCTION_NAMES`]
/// when none are configured.
pub fn production_names_in_effect(configured: &[String]) -> impl Iterator<Item = &str> {
    let defaults = if configured.is_empty() {
        DEFAULT_PRODUCTION_NAMES
    } else {
        &[]
    };
    defaults
        .iter()
        .copied()
        .chain(configured.iter().map(String::as_str))
}

/// Whether `name` is a production environment name (case-insensitive).
pub fn is_production_name(name: &str, production_names: &[String]) -> bool {
    production_names_in_effect(production_names).any(|p| p.eq_ignore_ascii_case(name))
}

/// One environment of a stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    pub production: bool,
    /// Default AWS region (the `region` variable's default).
    pub region: String,
    /// Retention of every log group the constructs create (seed 001: dev 7, prod 30).
    pub log_retention_days: i64,
}

impl Environment {
    /// An environment named `name`; production when the name is one of
    /// [`DEFAULT_PRODUCTION_NAMES`].
    pub fn named(name: &str) -> Self {
        let production = is_production_name(name, &[]);
        Environment {
            name: name.to_string(),
            production,
            region: "us-east-1".to_string(),
            log_retention_days: if production { 30 } else { 7 },
        }
    }
    pub fn dev() -> Self {
        Environment::named("dev")
    }
    pub fn prod() -> Self {
        Environment::named("prod")
    }
    pub fn is_production(&self) -> bool {
        self.production
    }
    pub fn with_region(mut self, region: &str) -> Self {
        self.region = region.to_string();
        self
    }
    pub fn with_log_retention_days(mut self, days: i64) -> Self {
        self.log_retention_days = days;
        self
    }
}
