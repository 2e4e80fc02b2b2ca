//! `--format github`: GitHub Actions workflow commands, one per finding, ending with the
//! rule's page.

use super::{DocsUrl, Reporter, Summary};
use crate::located::{CallSite, InputError, Located, Notice};
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
pub struct GithubReporter {
    /// Where the rules' pages are.
    pub docs: DocsUrl,
}

/// A workflow command at a point of a file (line and column at least 1).
fn point_command(
    out: &mut dyn Write,
    level: &str,
    (path, line, column): (&str, u32, u32),
    title: &str,
    text: &str,
) -> io::Result<()> {
    writeln!(
        out,
        "::{level} file={},line={},col={},title={title}::{}",
        escape_property(path),
        line.max(1),
        column.max(1),
        escape_data(text)
    )
}

impl Reporter for GithubReporter {
    fn findings(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        for f in findings {
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "notice",
            };
            let mut text = format!("{} — {}", f.message, f.help);
            if let (Some(r), false) = (&f.resource, f.calls.is_empty()) {
                text.push_str(&format!(" (in `{r}`{})", CallSite::called_at(&f.calls)));
            }
            text.push_str(&format!("\ndocs: {}", self.docs.page(f.rule)));
            writeln!(
                out,
                "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                escape_property(&f.location.path),
                f.location.line,
                f.location.column,
                f.location.end_line,
                f.location.end_column,
                escape_property(&format!("{} {}", f.rule.id, f.rule.name)),
                escape_data(&text),
            )?;
        }
        Ok(())
    }

    fn errors(&mut self, out: &mut dyn Write, errors: &[InputError]) -> io::Result<()> {
        for e in errors {
            let at = (e.path.as_str(), e.line, e.column);
            point_command(out, "error", at, "unreadable input", &e.message)?;
        }
        Ok(())
    }

    fn notices(&mut self, out: &mut dyn Write, notices: &[Notice]) -> io::Result<()> {
        for n in notices {
            let at = (n.path.as_str(), n.line, n.column);
            let text = format!("{} — {}", n.message, n.help);
            point_command(out, "notice", at, "tfstack notice", &text)?;
        }
        Ok(())
    }

    fn end(&mut self, _: &mut dyn Write, _: &Summary) -> io::Result<()> {
        Ok(())
    }
}
