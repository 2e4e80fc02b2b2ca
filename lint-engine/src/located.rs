//! What a lint run produces: findings located in files (or Rust lines), with their
//! effective severity and suppression; inputs that could not be read; the report of a run.

pub use crate::context::CallSite;
use crate::{RuleMeta, Severity};
use std::borrow::Cow;
pub use tfstack_model::error::{display_path, SNIPPET_CONTEXT};
use tfstack_model::Snippet;

/// Where a finding is: a file position (1-based) and, for showing it, the lines around it.
#[derive(Clone, Debug)]
pub struct Location {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The lines around the finding, when it is in a loaded file or a Rust source file
    /// that could be read (and the run keeps them: only human output shows them).
    pub source: Option<Snippet>,
}

/// A finding, located and with its effective severity.
#[derive(Clone, Debug)]
pub struct Located {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    /// The rule's label and help, as it gave them (most are fixed texts, not copied).
    pub label: Cow<'static, str>,
    pub help: Cow<'static, str>,
    pub resource: Option<String>,
    pub attribute: Option<String>,
    pub location: Location,
    /// Why it is accepted, when suppressed.
    pub suppressed_reason: Option<String>,
    /// For a finding in a called module: the module calls that made the instance, from
    /// the root module inward (empty for a module linted on its own).
    pub calls: Vec<CallSite>,
}

impl Located {
    /// The resource address inside its module (`aws_sqs_queue.q` for
    /// `module.a["x"].aws_sqs_queue.q`): what baselines and configured suppressions of a
    /// module file match, for every instance of it.
    pub fn local_resource(&self) -> Option<&str> {
        let resource = self.resource.as_deref()?;
        match self.calls.last() {
            Some(call) => Some(
                resource
                    .strip_prefix(call.instance.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                    .unwrap_or(resource),
            ),
            None => Some(resource),
        }
    }

    /// The address of the block inside its module, without an instance key
    /// (`aws_sqs_queue.q` for `module.a["x"].aws_sqs_queue.q[0]`): what configured
    /// suppressions of a block match, for every instance of it. (Block types and names
    /// hold no `[`.)
    pub fn block_address(&self) -> Option<&str> {
        let local = self.local_resource()?;
        Some(local.split_once('[').map_or(local, |(block, _)| block))
    }
}

/// Something a person should know about a run that is not a finding: an input that was
/// not read (outside the read root, not a regular file), an evaluation budget spent, an
/// environment that could not be told. Every output format shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    pub message: String,
    pub help: String,
    pub path: String,
    /// 1-based; 0 when the file as a whole is meant.
    pub line: u32,
    pub column: u32,
}

/// A file that could not be read or parsed: the model's one located error.
pub type InputError = tfstack_model::SourceError;

/// Everything one lint run found.
#[derive(Debug, Default)]
pub struct LintReport {
    pub findings: Vec<Located>,
    pub suppressed: Vec<Located>,
    pub errors: Vec<InputError>,
    /// What a person should know that is not a finding, each once.
    pub notices: Vec<Notice>,
    pub files: usize,
    /// Entries of the baseline applied to the report that matched no finding.
    pub baseline_stale: usize,
}

impl LintReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
    /// Sorts findings by path, position, rule and resource (stable output: instances of
    /// one module file are told apart by their addresses); notices by place, once each.
    pub fn sort(&mut self) {
        // Borrowed keys: no string is copied per comparison.
        fn key(f: &Located) -> (&str, u32, u32, &str, &str, Option<&str>) {
            (
                &f.location.path,
                f.location.line,
                f.location.column,
                f.rule.id,
                &f.message,
                f.resource.as_deref(),
            )
        }
        self.findings.sort_by(|a, b| key(a).cmp(&key(b)));
        self.suppressed.sort_by(|a, b| key(a).cmp(&key(b)));
        self.errors
            .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
        self.notices.sort_by(|a, b| {
            (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message))
        });
        self.notices.dedup();
    }
    pub fn merge(&mut self, other: LintReport) {
        self.findings.extend(other.findings);
        self.suppressed.extend(other.suppressed);
        self.errors.extend(other.errors);
        self.notices.extend(other.notices);
        self.files += other.files;
    }
}
