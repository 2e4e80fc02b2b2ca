//! `--format junit`: JUnit XML, which CI systems show as test results. One test case per
//! finding (failed) and per unreadable input (errored); a clean run is one passing case.

use super::xml_text;
use super::{DocsUrl, Reporter, Summary};
use crate::located::{InputError, Located, Notice};
use std::io::{self, Write};

/// Collects the cases (the suite's counts come first in the XML) and writes at the end.
pub struct JunitReporter {
    docs: DocsUrl,
    cases: Vec<String>,
    /// Notices, written as the suite's `<system-out>`.
    notes: Vec<String>,
    failures: usize,
    errors: usize,
}

impl JunitReporter {
    /// A reporter whose failures end with the rule's page at `docs`.
    pub fn new(docs: DocsUrl) -> Self {
        JunitReporter {
            docs,
            cases: Vec::new(),
            notes: Vec::new(),
            failures: 0,
            errors: 0,
        }
    }
}

impl Reporter for JunitReporter {
    fn findings(&mut self, _: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        for f in findings {
            let place = format!(
                "{}:{}:{}",
                f.location.path, f.location.line, f.location.column
            );
            let name = match &f.resource {
                Some(resource) => format!("{} {resource} ({place})", f.rule.id),
                None => format!("{} {place}", f.rule.id),
            };
            self.cases.push(format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                xml_text(f.location.path.as_str()),
                xml_text(name.as_str()),
                f.severity.as_str(),
                xml_text(f.message.as_str()),
                xml_text(format!(
                    "{} ({}) at {place}\n{}\nhelp: {}\ndocs: {}",
                    f.rule.id,
                    f.rule.name,
                    f.message,
                    f.help,
                    self.docs.page(f.rule)
                ).as_str()),
            ));
            self.failures += 1;
        }
        Ok(())
    }

    fn errors(&mut self, _: &mut dyn Write, errors: &[InputError]) -> io::Result<()> {
        for e in errors {
            self.cases.push(format!(
                "    <testcase classname=\"{}\" name=\"unreadable input ({})\">\n      <error type=\"input\" message=\"{}\">{}</error>\n    </testcase>\n",
                xml_text(e.path.as_str()),
                xml_text(e.position().as_str()),
                xml_text(e.message.as_str()),
                xml_text(e.to_string().as_str()),
            ));
            self.errors += 1;
        }
        Ok(())
    }

    fn notices(&mut self, _: &mut dyn Write, notices: &[Notice]) -> io::Result<()> {
        for n in notices {
            let place = if n.line > 0 {
                format!("{}:{}:{}", n.path, n.line, n.column)
            } else {
                n.path.clone()
            };
            self.notes
                .push(format!("notice: {place}: {} — {}", n.message, n.help));
        }
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        if self.cases.is_empty() {
            self.cases.push(format!(
                "    <testcase classname=\"tfstack\" name=\"lint ({} files checked)\"/>\n",
                summary.files_checked
            ));
        }
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            out,
            "<testsuites name=\"tfstack\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
            self.cases.len(),
            self.failures,
            self.errors
        )?;
        writeln!(
            out,
            "  <testsuite name=\"tfstack lint\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            self.cases.len(),
            self.failures,
            self.errors,
            summary.suppressed
        )?;
        for case in &self.cases {
            out.write_all(case.as_bytes())?;
        }
        if !self.notes.is_empty() {
            writeln!(
                out,
                "    <system-out>{}</system-out>",
                xml_text(self.notes.join("\n").as_str())
            )?;
        }
        writeln!(out, "  </testsuite>\n</testsuites>")
    }
}
