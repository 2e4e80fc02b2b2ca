//! What a lint run produces: findings located in files (or Rust lines), with their
//! effective severity and suppression; inputs that could not be read; the report of a run.

use crate::{RuleMeta, Severity};
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
    pub label: String,
    pub help: String,
    pub resource: Option<String>,
    pub attribute: Option<String>,
    pub location: Location,
    /// Why it is accepted, when suppressed.
    pub suppressed_reason: Option<String>,
}

/// A file that could not be read or parsed: the model's one located error.
pub type InputError = tfstack_model::SourceError;

/// Everything one lint run found.
#[derive(Debug, Default)]
pub struct LintReport {
    pub findings: Vec<Located>,
    pub suppressed: Vec<Located>,
    pub errors: Vec<InputError>,
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
    /// Sorts findings by path, position and rule (stable output).
    pub fn sort(&mut self) {
        // Borrowed keys: no string is copied per comparison.
        fn key(f: &Located) -> (&str, u32, u32, &str, &str) {
            (
                &f.location.path,
                f.location.line,
                f.location.column,
                f.rule.id,
                &f.message,
            )
        }
        self.findings.sort_by(|a, b| key(a).cmp(&key(b)));
        self.suppressed.sort_by(|a, b| key(a).cmp(&key(b)));
        self.errors
            .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    }
    pub fn merge(&mut self, other: LintReport) {
        self.findings.extend(other.findings);
        self.suppressed.extend(other.suppressed);
        self.errors.extend(other.errors);
        self.files += other.files;
    }
}
