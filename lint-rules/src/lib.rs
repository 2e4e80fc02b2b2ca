//! The tfstack policy linter: rules over the IR, wherever it came from (typed stacks,
//! `.tf`, `.tf.json`, plan JSON, IAM JSON files).

pub mod context;
pub mod docs;
pub mod policy;
pub mod registry;
pub mod rules;

use tfstack_model::Origin;

/// How serious a finding is.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Ok(Severity::Error),
            "warning" => Ok(Severity::Warning),
            "note" => Ok(Severity::Note),
            _ => Err(format!(
                "unknown severity `{s}` (expected error, warning or note)"
            )),
        }
    }
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable ID, e.g. `LOG001`.
    pub id: &'static str,
    /// kebab-case name, e.g. `log-group-without-retention`.
    pub name: &'static str,
    /// Family, e.g. `LOG`.
    pub family: &'static str,
    pub default_severity: Severity,
    /// Markdown: What it does / Why is this bad? / Example / Use instead.
    pub docs: &'static str,
    /// The source file that declares the rule.
    pub source: &'static str,
}

impl RuleMeta {
    /// The first paragraph of "What it does", for short descriptions.
    pub fn summary(&self) -> String {
        let mut lines = self
            .docs
            .lines()
            .map(str::trim)
            .skip_while(|l| l.is_empty() || l.starts_with('#'));
        let mut out = String::new();
        for l in lines.by_ref() {
            if l.is_empty() {
                break;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(l);
        }
        out
    }
    /// The page of this rule in the project's docs.
    pub fn help_uri(&self) -> String {
        format!(
            "https://github.com/tfstack/tfstack/blob/main/docs/rules/{}.md",
            self.id
        )
    }
}

/// A rule: looks at one module and reports findings.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &context::Context, out: &mut Vec<Finding>);
}

/// One finding, located in model terms (resource address, attribute) and at an origin.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub message: String,
    /// Short noun phrase shown at the span.
    pub label: String,
    /// Imperative advice.
    pub help: String,
    pub origin: Origin,
    /// Terraform address of the block the finding belongs to (`None` for a standalone
    /// JSON policy file).
    pub resource: Option<String>,
    /// The attribute path inside that block (`policy`, `Statement[0].Action`).
    pub attribute: Option<String>,
}

/// Declares a rule type with its documentation (the doc comment), in the clippy style:
/// docs are data at run time, no proc-macro needed.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $ty:ident {
            id: $id:literal,
            name: $name:literal,
            family: $family:literal,
            severity: $sev:ident,
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $ty;

        impl $ty {
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                id: $id,
                name: $name,
                family: $family,
                default_severity: $crate::Severity::$sev,
                docs: concat!($($doc, "\n"),*),
                source: file!(),
            };
        }
    };
}
pub mod baseline;
pub mod config;
pub mod engine;
pub mod input;
pub mod plan;
pub mod report;
pub mod run;
pub mod stack;
pub mod suppress;
#[doc(hidden)]
pub mod testing;
pub mod tfjson;
