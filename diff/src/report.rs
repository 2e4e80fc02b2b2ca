//! What a comparison found: per module, the changes to permissions, exposure and
//! reliability, and the findings introduced and fixed. Every list is sorted: the same two
//! versions give the same report, byte for byte.

use crate::snapshot::Source;
use serde::Serialize;
use tfstack_lint_engine::located::CallSite;
use tfstack_model::SourceError;

/// The lens a change is seen through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Someone outside can now reach something: a route without authorization, a public
    /// principal, a function URL without auth, ingress from the internet.
    Exposure,
    /// IAM statements and permissions, per role, policy and resource policy.
    Iam,
    /// Failure handling and data kept: dead-letter queues, retention, encryption, …
    Reliability,
}

impl Category {
    /// The category as a heading.
    pub fn title(self) -> &'static str {
        match self {
            Category::Exposure => "exposure",
            Category::Iam => "IAM",
            Category::Reliability => "reliability",
        }
    }
}

/// What a change does, as `--fail-on` selects it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Grants more: new actions, wider resources, new principals, conditions removed, a
    /// deny weakened, a policy attached.
    Broadening,
    /// Grants less.
    Narrowing,
    /// Opens something to callers outside.
    Exposure,
    /// Loses failure handling, data or protection.
    Reliability,
}

/// How much a reviewer should look at a change first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Danger {
    High,
    Medium,
    Low,
}

impl Danger {
    pub fn as_str(self) -> &'static str {
        match self {
            Danger::High => "high",
            Danger::Medium => "medium",
            Danger::Low => "low",
        }
    }
}

/// One change between the two versions of a module.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub category: Category,
    pub effect: Effect,
    pub danger: Danger,
    /// What the change is (`statement_changed`, `entry_opened`, `dead_letter_removed`, …).
    pub kind: &'static str,
    /// The resource (or policy) it is about.
    pub resource: String,
    /// One line that says what changed.
    pub title: String,
    /// Further lines: actions, resources, principals, conditions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// Where it is written (head's place for what head has, base's for what it lost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The change's facts for programs (new actions, resources, principals, …).
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

impl Change {
    /// Order within a module: by category, the most dangerous first, then by resource.
    pub(crate) fn sort_key(&self) -> (Category, Danger, &str, &str) {
        (self.category, self.danger, &self.resource, &self.title)
    }
}

/// A finding introduced or fixed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingChange {
    /// `IAM002`.
    pub rule: String,
    /// `iam-wildcard-resource`.
    pub name: String,
    pub severity: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// `path:line` in the version that has it.
    pub location: String,
    /// For a finding in a called module: the module calls that made its instance, from
    /// the root module inward, as `tfstack lint --format json` shows them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<CallSite>,
    /// The root module of the instance it is found in (its key, `.`, `envs/prod`), for a
    /// directory or revision: what tells apart the same instance address in two root
    /// modules.
    #[serde(skip)]
    pub root_module: Option<String>,
    /// For a finding a suppression accepts (an inline `tfstack:ignore`, a typed stack's
    /// suppression, a `[[suppress]]` entry): its reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression_reason: Option<String>,
}

/// Findings in head that base does not have, and the other way round; and the findings
/// head suppresses that base did not: a finding a change suppresses is not fixed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FindingsDiff {
    pub introduced: Vec<FindingChange>,
    pub fixed: Vec<FindingChange>,
    /// Findings head suppresses and base reported or did not have, with the reason.
    pub suppressed: Vec<FindingChange>,
}

impl FindingsDiff {
    pub fn is_empty(&self) -> bool {
        self.introduced.is_empty() && self.fixed.is_empty() && self.suppressed.is_empty()
    }
}

/// Whether a module is in both versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleStatus {
    Added,
    Removed,
    Changed,
}

/// What changed in one module instance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModuleDiff {
    /// The module instance's address (`module.orders`, as Terraform and a plan address
    /// it), or for a root module its directory relative to the compared one (`.`,
    /// `envs/prod`).
    pub module: String,
    /// For an instance of a called module: the root module it is made in, when that is
    /// not the compared directory itself (`envs/prod`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_module: Option<String>,
    /// A directory without Terraform files whose JSON documents (a policy, a plan) were
    /// linted on their own: not a module.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub documents_only: bool,
    pub status: ModuleStatus,
    pub changes: Vec<Change>,
    pub findings: FindingsDiff,
}

impl ModuleDiff {
    /// The most dangerous change, if any.
    pub fn worst(&self) -> Option<Danger> {
        self.changes.iter().map(|c| c.danger).min()
    }
}

/// A change to the linter's configuration between two revisions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigChange {
    /// `rule_turned_off`, `rule_lowered`, `suppression_added`, `exclusion_added` (these
    /// weaken the gate), `rule_turned_on`, `rule_raised`, `suppression_removed`,
    /// `exclusion_removed`.
    pub kind: &'static str,
    /// Whether it lets findings through that base reported.
    pub weakens: bool,
    /// One line that says what changed.
    pub title: String,
    /// The configuration file, as shown (`tfstack.toml`).
    pub file: String,
}

/// How many changes of each effect, and findings, a report holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub exposure: usize,
    pub broadening: usize,
    pub reliability: usize,
    pub narrowing: usize,
    pub findings_introduced: usize,
    pub findings_fixed: usize,
    pub findings_suppressed: usize,
    /// Configuration changes that weaken the gate.
    pub configuration_weakened: usize,
}

/// A kind of change `--fail-on` can make fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Broadening,
    Exposure,
    Reliability,
    NewFindings,
    Configuration,
}

/// The comparison of two versions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiffReport {
    pub base: Source,
    pub head: Source,
    /// Modules with a change or a finding introduced or fixed; the most dangerous first.
    pub modules: Vec<ModuleDiff>,
    /// Modules compared that did not change.
    pub unchanged_modules: usize,
    /// Changes to the linter's configuration (two revisions only).
    pub configuration: Vec<ConfigChange>,
    /// Inputs the lint of either version could not read (a module call that cannot be
    /// followed, a JSON document that does not parse): its findings are incomplete, and
    /// the comparison with them.
    #[serde(skip)]
    pub errors: Vec<SourceError>,
}

impl DiffReport {
    /// The counts of every change and finding.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            configuration_weakened: self.configuration.iter().filter(|c| c.weakens).count(),
            ..Summary::default()
        };
        for m in &self.modules {
            for c in &m.changes {
                match c.effect {
                    Effect::Exposure => s.exposure += 1,
                    Effect::Broadening => s.broadening += 1,
                    Effect::Reliability => s.reliability += 1,
                    Effect::Narrowing => s.narrowing += 1,
                }
            }
            s.findings_introduced += m.findings.introduced.len();
            s.findings_fixed += m.findings.fixed.len();
            s.findings_suppressed += m.findings.suppressed.len();
        }
        s
    }

    /// Whether a change of one of the kinds in `fail_on` exists.
    pub fn fails(&self, fail_on: &[FailOn]) -> bool {
        let s = self.summary();
        fail_on.iter().any(|f| match f {
            FailOn::Broadening => s.broadening > 0,
            FailOn::Exposure => s.exposure > 0,
            FailOn::Reliability => s.reliability > 0,
            FailOn::NewFindings => s.findings_introduced > 0,
            FailOn::Configuration => s.configuration_weakened > 0,
        })
    }

    /// Whether the two versions are the same as far as the comparison sees.
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty() && self.configuration.is_empty()
    }
}
