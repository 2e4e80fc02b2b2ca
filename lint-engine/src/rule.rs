//! What a rule is to the engine: its declaration (ID, name, severity, docs), the check it
//! runs over one module, and the findings it builds.

use crate::context::Context;
use std::borrow::Cow;
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
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    /// The lowercase name (`error`, `warning`, `note`).
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
    /// Stable ID, e.g. `LOG001`: the family, then three digits.
    pub id: &'static str,
    /// kebab-case name, e.g. `log-group-without-retention`.
    pub name: &'static str,
    pub default_severity: Severity,
    /// Markdown: What it does / Why is this bad? / Example / Use instead.
    pub docs: &'static str,
    /// The source file that declares the rule.
    pub source: &'static str,
}

impl RuleMeta {
    /// The family, e.g. `LOG` (`S3` for `S3001`): the ID without its three-digit number.
    pub fn family(&self) -> &'static str {
        let id = self.id;
        let number = id
            .char_indices()
            .rev()
            .take(3)
            .take_while(|(_, c)| c.is_ascii_digit())
            .last()
            .map_or(id.len(), |(i, _)| i);
        id.get(..number).unwrap_or(id)
    }

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

    /// The docs as Markdown: doc comments keep the space after `///`; drop it, and the
    /// trailing blank lines.
    pub fn docs_markdown(&self) -> String {
        let mut out: String = self
            .docs
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        out.truncate(out.trim_end().len());
        out
    }

    /// Whether `id_or_name` names this rule (ID or name, any case).
    pub fn is_named(&self, id_or_name: &str) -> bool {
        self.id.eq_ignore_ascii_case(id_or_name) || self.name.eq_ignore_ascii_case(id_or_name)
    }
}

/// What `declare_rule!` implements: the rule's declaration.
pub trait Declared {
    fn meta(&self) -> &'static RuleMeta;
}

/// A rule: looks at one module and reports findings.
pub trait Rule: Declared + Send + Sync {
    /// Reports the findings of one module.
    fn check(&self, cx: &Context, out: &mut Vec<Finding>);

    /// Reports a finding about a suppression itself (one without a reason, one that
    /// matched nothing), for the rules that judge suppressions.
    fn check_suppression(&self, suppression: &SuppressionUse) -> Option<Finding> {
        let _ = suppression;
        None
    }
}

/// One suppression (a `tfstack:ignore[...]` comment, a typed construct's `.suppress(...)`
/// or a `[[suppress]]` entry of `tfstack.toml`) as the engine saw it in a run, for
/// [`Rule::check_suppression`].
pub struct SuppressionUse<'a> {
    /// The rule IDs or names it names, as written.
    pub rules: &'a [String],
    /// Why the findings are accepted (empty when it gives no reason).
    pub reason: &'a str,
    /// Where it is written.
    pub origin: Origin,
    /// The address a typed construct's suppression applies to.
    pub address: Option<&'a str>,
    /// Whether it suppressed a finding.
    pub used: bool,
    /// Whether every rule it names ran (else "unused" cannot be judged).
    pub all_named_rules_ran: bool,
    /// Until when it applies, if it says.
    pub until: Option<&'a crate::until::Until>,
    /// Whether that `until` has passed (or is no date): it suppressed nothing.
    pub expired: bool,
}

/// One finding, located in model terms (resource address, attribute) and at an origin.
/// Built with [`Finding::new`] and its builder methods.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub message: String,
    /// Short noun phrase shown at the span. Most are fixed texts, held without a copy:
    /// a module's findings are all held until its last rule has run.
    pub label: Cow<'static, str>,
    /// Imperative advice (most are fixed texts too).
    pub help: Cow<'static, str>,
    pub origin: Origin,
    /// Terraform address of the block the finding belongs to (`None` for a standalone
    /// JSON policy file).
    pub resource: Option<String>,
    /// The attribute path inside that block (`policy`, `Statement[0].Action`).
    pub attribute: Option<String>,
}

impl Finding {
    /// A finding of `rule` with its message; where it is and what to do are added with
    /// [`at`](Self::at), [`label`](Self::label), [`help`](Self::help),
    /// [`resource`](Self::resource) and [`attribute`](Self::attribute).
    pub fn new(rule: &'static RuleMeta, message: impl Into<String>) -> Self {
        Finding {
            rule,
            message: message.into(),
            label: Cow::Borrowed(""),
            help: Cow::Borrowed(""),
            origin: Origin::GENERATED,
            resource: None,
            attribute: None,
        }
    }
    /// Where the finding is.
    pub fn at(mut self, origin: Origin) -> Self {
        self.origin = origin;
        self
    }
    /// The short noun phrase shown at the span.
    pub fn label(mut self, label: impl Into<Cow<'static, str>>) -> Self {
        self.label = label.into();
        self
    }
    /// The imperative advice.
    pub fn help(mut self, help: impl Into<Cow<'static, str>>) -> Self {
        self.help = help.into();
        self
    }
    /// The Terraform address of the block the finding belongs to.
    pub fn resource(mut self, address: impl Into<MaybeText>) -> Self {
        self.resource = address.into().0;
        self
    }
    /// The attribute path inside that block.
    pub fn attribute(mut self, path: impl Into<MaybeText>) -> Self {
        self.attribute = path.into().0;
        self
    }
}

/// Text that may be absent, for [`Finding::resource`] and [`Finding::attribute`]: a
/// `&str`, a `String` or an `Option` of either.
pub struct MaybeText(Option<String>);

impl From<&str> for MaybeText {
    fn from(text: &str) -> Self {
        MaybeText(Some(text.to_string()))
    }
}

impl From<String> for MaybeText {
    fn from(text: String) -> Self {
        MaybeText(Some(text))
    }
}

impl From<Option<String>> for MaybeText {
    fn from(text: Option<String>) -> Self {
        MaybeText(text)
    }
}

impl From<Option<&str>> for MaybeText {
    fn from(text: Option<&str>) -> Self {
        MaybeText(text.map(str::to_string))
    }
}

/// Declares a rule type with its documentation (the doc comment), in the clippy style:
/// docs are data at run time, no proc-macro needed. The family is the ID's prefix.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $ty:ident {
            id: $id:literal,
            name: $name:literal,
            severity: $sev:ident,
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $ty;

        impl $ty {
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                id: $id,
                name: $name,
                default_severity: $crate::Severity::$sev,
                docs: concat!($($doc, "\n"),*),
                source: file!(),
            };
        }

        impl $crate::Declared for $ty {
            fn meta(&self) -> &'static $crate::RuleMeta {
                &Self::META
            }
        }
    };
}
