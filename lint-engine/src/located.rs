//! What a lint run produces: findings located in files (or Rust lines), with their
//! effective severity and suppression; inputs that could not be read; the report of a run.

use crate::{RuleMeta, Severity};
use std::sync::Arc;
use tfstack_model::{SourceFile, Span};

/// Where a finding is: a file position (1-based) and, for rendering, the file and span.
#[derive(Clone, Debug)]
pub struct Location {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The source text and byte span, when the finding is in a loaded file or a Rust
    /// source file that could be read.
    pub source: Option<(Arc<SourceFile>, Span)>,
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
    /// The finding as human output shows it, when rendered where it was found (in the
    /// worker, in parallel) so that the source text need not be kept until the end.
    pub rendered: Option<String>,
}

/// A file that could not be read or parsed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InputError {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Everything one lint run found.
#[derive(Debug, Default)]
pub struct LintReport {
    pub findings: Vec<Located>,
    pub suppressed: Vec<Located>,
    pub errors: Vec<InputError>,
    pub files: usize,
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
        // Perf: compares borrowed keys (the key used to clone two strings per comparison).
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

/// Paths as shown: relative, with `/`, without a leading `./`.
pub fn display_path(p: &std::path::Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}
