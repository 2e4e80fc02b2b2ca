//! Reporters: one seam every output format implements. A run's report is handed to the
//! chosen reporter in order — `begin`, the findings in batches, the suppressed findings,
//! the unreadable inputs, the notices, `end` with the summary — and the reporter writes
//! as it goes, so a large report is never held twice in memory.

pub mod checkstyle;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod links;
pub mod sarif;

use crate::located::{InputError, LintReport, Located, Notice};
use crate::Severity;
pub use links::DocsUrl;
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};

/// How many findings a reporter is handed at once (the human reporter renders a batch in
/// parallel).
const BATCH: usize = 1024;

/// The counts a report ends with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Files with at least one reported finding.
    pub files_with_findings: usize,
    /// Files linted.
    pub files_checked: usize,
    pub suppressed: usize,
    /// Files that could not be read or parsed.
    pub unreadable_files: usize,
    /// Baseline entries that matched no finding (the baseline can be written again).
    pub baseline_stale: usize,
}

impl Summary {
    /// The counts of a report.
    pub fn of(report: &LintReport) -> Summary {
        let files: BTreeSet<&str> = report
            .findings
            .iter()
            .map(|f| f.location.path.as_str())
            .collect();
        let unreadable: BTreeSet<&str> = report.errors.iter().map(|e| e.path.as_str()).collect();
        Summary {
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            notes: report.count(Severity::Note),
            files_with_findings: files.len(),
            files_checked: report.files,
            suppressed: report.suppressed.len(),
            unreadable_files: unreadable.len(),
            baseline_stale: report.baseline_stale,
        }
    }
}

/// An output format.
pub trait Reporter {
    /// Whether findings should keep the lines around them (only formats that show source
    /// need them; the run drops them otherwise, to save memory).
    fn needs_snippets(&self) -> bool {
        false
    }
    /// Before anything else.
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let _ = out;
        Ok(())
    }
    /// Reported findings, in report order (called once per batch).
    fn findings(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()>;
    /// Suppressed findings, in report order.
    fn suppressed(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        let _ = (out, findings);
        Ok(())
    }
    /// Inputs that could not be read or parsed.
    fn errors(&mut self, out: &mut dyn Write, errors: &[InputError]) -> io::Result<()>;
    /// What a person should know that is not a finding (inputs not read, an evaluation
    /// budget spent, an environment that cannot be told).
    fn notices(&mut self, out: &mut dyn Write, notices: &[Notice]) -> io::Result<()>;
    /// After everything, with the counts.
    fn end(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()>;
}

/// The fingerprints of a report's findings ([`crate::baseline::finding_fingerprint`]), each
/// once in a report: CI systems keep one issue per fingerprint, so a second finding with
/// the same identity (in report order) gets `-2`, a third `-3`.
#[derive(Default)]
pub(crate) struct Fingerprints {
    seen: HashMap<String, usize>,
}

impl Fingerprints {
    pub(crate) fn of(&mut self, f: &Located) -> String {
        let fingerprint = crate::baseline::finding_fingerprint(f);
        let count = self.seen.entry(fingerprint.clone()).or_default();
        *count += 1;
        match *count {
            1 => fingerprint,
            n => format!("{fingerprint}-{n}"),
        }
    }
}

/// Hands a report to a reporter, in order.
pub fn write(
    report: &LintReport,
    reporter: &mut dyn Reporter,
    out: &mut dyn Write,
) -> io::Result<()> {
    reporter.begin(out)?;
    for batch in report.findings.chunks(BATCH) {
        reporter.findings(out, batch)?;
    }
    reporter.suppressed(out, &report.suppressed)?;
    reporter.errors(out, &report.errors)?;
    reporter.notices(out, &report.notices)?;
    reporter.end(out, &Summary::of(report))
}

/// A report as a string (tests, and callers that want the whole document).
pub fn render(report: &LintReport, reporter: &mut dyn Reporter) -> String {
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail, and the reporters write UTF-8 only.
    match write(report, reporter, &mut buf) {
        Ok(()) => String::from_utf8(buf).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Text for XML (an attribute value or character data): `&`, `<`, `>`, `"` and `'`
/// escaped, and each character XML 1.0 forbids even as a reference (the C0 controls but
/// tab, newline and carriage return; U+FFFE and U+FFFF) written as `\u{1}`, so that a
/// label or file name holding one still gives a well-formed document.
pub(crate) fn xml_text(text: &str) -> std::borrow::Cow<'_, str> {
    let forbidden = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if !text.contains(forbidden) {
        return quick_xml::escape::escape(text);
    }
    let mut visible = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if forbidden(c) {
            visible.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            visible.push(c);
        }
    }
    std::borrow::Cow::Owned(quick_xml::escape::escape(visible.as_str()).into_owned())
}

/// Writes `items` as the elements of a pretty-printed JSON array nested at `indent`
/// spaces, after `count` elements already written, the way `serde_json`'s pretty printer
/// lays out a whole document: so a document can be written element by element.
pub(crate) fn write_json_elements<T: serde::Serialize>(
    out: &mut dyn Write,
    items: impl IntoIterator<Item = T>,
    count: &mut usize,
    indent: usize,
) -> io::Result<()> {
    let pad = " ".repeat(indent);
    for item in items {
        out.write_all(if *count == 0 { b"\n" } else { b",\n" })?;
        let text = serde_json::to_string_pretty(&item).map_err(io::Error::from)?;
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(pad.as_bytes())?;
            out.write_all(line.as_bytes())?;
        }
        *count += 1;
    }
    Ok(())
}

/// Writes a value pretty-printed as the member of an object nested at `indent` spaces
/// (its first line follows the key).
pub(crate) fn write_json_value<T: serde::Serialize>(
    out: &mut dyn Write,
    value: &T,
    indent: usize,
) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::from)?;
    let pad = " ".repeat(indent);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(pad.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Closes a JSON array opened with `[` and filled by [`write_json_elements`].
pub(crate) fn close_json_array(out: &mut dyn Write, count: usize, indent: usize) -> io::Result<()> {
    if count == 0 {
        out.write_all(b"]")
    } else {
        out.write_all(b"\n")?;
        out.write_all(" ".repeat(indent.saturating_sub(2)).as_bytes())?;
        out.write_all(b"]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::located::Location;
    use crate::RuleMeta;

    static DLQ001: RuleMeta = RuleMeta {
        id: "DLQ001",
        name: "sqs-queue-without-dlq",
        default_severity: Severity::Error,
        docs: "",
        source: "",
    };

    fn finding(path: &str, line: u32) -> Located {
        Located {
            rule: &DLQ001,
            severity: Severity::Error,
            message: "queue `aws_sqs_queue.q` has no dead-letter queue".into(),
            label: "".into(),
            help: "".into(),
            resource: Some("aws_sqs_queue.q".into()),
            attribute: None,
            location: Location {
                path: path.into(),
                line,
                column: 1,
                end_line: line,
                end_column: 1,
                source: None,
            },
            suppressed_reason: None,
            calls: Vec::new(),
        }
    }

    #[test]
    fn fingerprints_are_unique_in_a_report_and_ignore_lines() {
        let mut fingerprints = Fingerprints::default();
        let first = fingerprints.of(&finding("app/main.tf", 3));
        let again = fingerprints.of(&finding("app/main.tf", 9));
        assert_eq!(again, format!("{first}-2"));
        let other_module = fingerprints.of(&finding("copy/main.tf", 3));
        assert_ne!(other_module, first);
        assert_eq!(
            Fingerprints::default().of(&finding("app/main.tf", 40)),
            first
        );
    }
}
