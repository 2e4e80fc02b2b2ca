//! `--format checkstyle`: Checkstyle XML (read by Jenkins, reviewdog, SonarQube, …): the
//! findings grouped by file, each an `<error>` with its line, column, severity and rule,
//! its message ending with the rule's page.

use super::xml_text;
use super::{DocsUrl, Reporter, Summary};
use crate::located::{InputError, Located, Notice};
use crate::Severity;
use std::io::{self, Write};

/// Writes file by file: findings arrive sorted by path, so a file's findings are
/// consecutive.
pub struct CheckstyleReporter {
    docs: DocsUrl,
    open_file: Option<String>,
}

impl CheckstyleReporter {
    /// A reporter linking each finding to its rule's page at `docs`.
    pub fn new(docs: DocsUrl) -> Self {
        CheckstyleReporter {
            docs,
            open_file: None,
        }
    }

    /// Closes the open `<file>` unless it is `path`, and opens `path`'s.
    fn file(&mut self, out: &mut dyn Write, path: &str) -> io::Result<()> {
        if self.open_file.as_deref() == Some(path) {
            return Ok(());
        }
        self.close(out)?;
        writeln!(out, "  <file name=\"{}\">", xml_text(path))?;
        self.open_file = Some(path.to_string());
        Ok(())
    }

    fn close(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.open_file.take().is_some() {
            writeln!(out, "  </file>")?;
        }
        Ok(())
    }
}

impl Reporter for CheckstyleReporter {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(out, "<checkstyle version=\"4.3\">")
    }

    fn findings(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        for f in findings {
            self.file(out, &f.location.path)?;
            let severity = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "info",
            };
            writeln!(
                out,
                "    <error line=\"{}\" column=\"{}\" severity=\"{severity}\" message=\"{}\" source=\"tfstack.{}\"/>",
                f.location.line,
                f.location.column,
                xml_text(format!("{} — {} ({})", f.message, f.help, self.docs.page(f.rule)).as_str()),
                f.rule.id,
            )?;
        }
        Ok(())
    }

    fn errors(&mut self, out: &mut dyn Write, errors: &[InputError]) -> io::Result<()> {
        self.close(out)?;
        for e in errors {
            writeln!(out, "  <file name=\"{}\">", xml_text(e.path.as_str()))?;
            writeln!(
                out,
                "    <error line=\"{}\" column=\"{}\" severity=\"error\" message=\"{}\" source=\"tfstack.input\"/>",
                e.line.max(1),
                e.column.max(1),
                xml_text(e.message.as_str()),
            )?;
            writeln!(out, "  </file>")?;
        }
        Ok(())
    }

    fn notices(&mut self, out: &mut dyn Write, notices: &[Notice]) -> io::Result<()> {
        self.close(out)?;
        for n in notices {
            writeln!(out, "  <file name=\"{}\">", xml_text(n.path.as_str()))?;
            writeln!(
                out,
                "    <error line=\"{}\" column=\"{}\" severity=\"info\" message=\"{}\" source=\"tfstack.notice\"/>",
                n.line.max(1),
                n.column.max(1),
                xml_text(format!("{} — {}", n.message, n.help).as_str()),
            )?;
            writeln!(out, "  </file>")?;
        }
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write, _: &Summary) -> io::Result<()> {
        self.close(out)?;
        writeln!(out, "</checkstyle>")
    }
}
