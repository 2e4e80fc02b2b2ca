//! `--format github`: GitHub Actions workflow commands, one per finding.

use super::{Reporter, Summary};
use crate::located::{InputError, Located};
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

/// `--format github`: one workflow command per finding and per unreadable input.
pub struct GithubReporter;

impl Reporter for GithubReporter {
    fn findings(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        for f in findings {
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
        Ok(())
    }

    fn errors(&mut self, out: &mut dyn Write, errors: &[InputError]) -> io::Result<()> {
        for e in errors {
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

    fn end(&mut self, _: &mut dyn Write, _: &Summary) -> io::Result<()> {
        Ok(())
    }
}
