//! `--format json`: `{"version": 1, "findings": [...], "suppressed": [...], "errors": [...],
//! "summary": {...}}`.
//!
//! Perf: serialized straight from borrowed views of the report into the writer (no
//! `serde_json::Value` tree, no whole-document `String`); the keys keep the order below.

use crate::located::{InputError, LintReport, Located};
use crate::Severity;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    resource: Option<&'a str>,
    attribute: Option<&'a str>,
    help: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl<'a> From<&'a Located> for Finding<'a> {
    fn from(f: &'a Located) -> Self {
        Finding {
            rule: f.rule.id,
            name: f.rule.name,
            severity: f.severity.as_str(),
            message: &f.message,
            path: &f.location.path,
            line: f.location.line,
            column: f.location.column,
            end_line: f.location.end_line,
            end_column: f.location.end_column,
            resource: f.resource.as_deref(),
            attribute: f.attribute.as_deref(),
            help: &f.help,
            reason: f.suppressed_reason.as_deref(),
        }
    }
}

/// Serializes a slice of findings lazily, one at a time.
struct Findings<'a>(&'a [Located]);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Finding::from))
    }
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
    files: usize,
    files_checked: usize,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Findings<'a>,
    suppressed: Findings<'a>,
    errors: &'a [InputError],
    summary: Summary,
}

/// Writes the report as pretty-printed JSON followed by a newline.
pub fn write(report: &LintReport, out: &mut dyn Write) -> io::Result<()> {
    let files: std::collections::BTreeSet<&str> = report
        .findings
        .iter()
        .map(|f| f.location.path.as_str())
        .collect();
    let doc = Document {
        version: 1,
        findings: Findings(&report.findings),
        suppressed: Findings(&report.suppressed),
        errors: &report.errors,
        summary: Summary {
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            notes: report.count(Severity::Note),
            files: files.len(),
            files_checked: report.files,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// The report as a string (tests and callers that want the whole document).
pub fn render(report: &LintReport) -> String {
    super::to_string(|out| write(report, out))
}
