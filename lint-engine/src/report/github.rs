//! `--format github`: GitHub Actions workflow commands, one per finding.

use crate::located::LintReport;
use crate::Severity;
use std::io::{self, Write};

/// Escapes data and property values as the workflow command syntax requires.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Writes one workflow command per finding and per unreadable input.
pub fn write(report: &LintReport, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&f.location.path),
            f.location.line,
            f.location.column,
            f.location.end_line,
            f.location.end_column,
            escape_property(&format!("{} {}", f.rule.id, f.rule.name)),
            escape_data(&format!("{} — {}", f.message, f.help)),
        )?;
    }
    for e in &report.errors {
        writeln!(
            out,
            "::error file={},line={},col={},title=unreadable input::{}",
            escape_property(&e.path),
            e.line.max(1),
            e.column.max(1),
            escape_data(&e.message)
        )?;
    }
    Ok(())
}

/// The commands as a string.
pub fn render(report: &LintReport) -> String {
    super::to_string(|out| write(report, out))
}
