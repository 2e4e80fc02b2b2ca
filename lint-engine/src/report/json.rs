//! `--format json`: `{"version": 1, "findings": [...], "suppressed": [...], "errors": [...],
//! "notices": [...], "summary": {...}}` (`notices` only when there are some).
//!
//! Serialized element by element from borrowed views of the report into the writer (no
//! `serde_json::Value` tree, no whole-document `String`); the keys keep the order below.

use super::{close_json_array, write_json_elements, write_json_value, Reporter, Summary};
use crate::located::{CallSite, InputError, Located, Notice};
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
    /// For a finding in a called module: the calls that made the instance.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    calls: &'a [CallSite],
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
            calls: &f.calls,
        }
    }
}

#[derive(Serialize)]
struct SummaryView {
    errors: usize,
    warnings: usize,
    notes: usize,
    files: usize,
    files_checked: usize,
    #[serde(skip_serializing_if = "is_zero")]
    baseline_stale: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Where the JSON reporter is in its document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Findings,
    Suppressed,
    Errors,
    Notices,
    Done,
}

/// `--format json`, written element by element with the layout of `serde_json`'s pretty
/// printer.
pub struct JsonReporter {
    part: Part,
    count: usize,
}

impl Default for JsonReporter {
    fn default() -> Self {
        JsonReporter {
            part: Part::Findings,
            count: 0,
        }
    }
}

impl JsonReporter {
    /// Closes the current array and opens `next`'s (`Done`: closes the last one).
    fn advance(&mut self, out: &mut dyn Write, next: Part) -> io::Result<()> {
        while self.part != next {
            close_json_array(out, self.count, 4)?;
            let (part, key) = match self.part {
                Part::Findings => (Part::Suppressed, "suppressed"),
                Part::Suppressed => (Part::Errors, "errors"),
                Part::Errors if next == Part::Notices => (Part::Notices, "notices"),
                Part::Errors | Part::Notices => {
                    self.part = Part::Done;
                    return Ok(());
                }
                Part::Done => return Ok(()),
            };
            write!(out, ",\n  \"{key}\": [")?;
            self.part = part;
            self.count = 0;
        }
        Ok(())
    }
}

impl Reporter for JsonReporter {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"{\n  \"version\": 1,\n  \"findings\": [")
    }

    fn findings(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        write_json_elements(out, findings.iter().map(Finding::from), &mut self.count, 4)
    }

    fn suppressed(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        self.advance(out, Part::Suppressed)?;
        write_json_elements(out, findings.iter().map(Finding::from), &mut self.count, 4)
    }

    fn errors(&mut self, out: &mut dyn Write, errors: &[InputError]) -> io::Result<()> {
        self.advance(out, Part::Errors)?;
        write_json_elements(out, errors, &mut self.count, 4)
    }

    fn notices(&mut self, out: &mut dyn Write, notices: &[Notice]) -> io::Result<()> {
        if notices.is_empty() {
            return Ok(());
        }
        self.advance(out, Part::Notices)?;
        write_json_elements(out, notices, &mut self.count, 4)
    }

    fn end(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        self.advance(out, Part::Done)?;
        let summary = SummaryView {
            errors: summary.errors,
            warnings: summary.warnings,
            notes: summary.notes,
            files: summary.files_with_findings,
            files_checked: summary.files_checked,
            baseline_stale: summary.baseline_stale,
        };
        out.write_all(b",\n  \"summary\": ")?;
        write_json_value(out, &summary, 2)?;
        out.write_all(b"\n}\n")
    }
}
