//! Human output: miette diagnostics with the rule ID and name, a labelled span and help,
//! then `N errors, N warnings in N files`.

use crate::located::{LintReport, Located};
use crate::Severity;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use std::fmt;
use std::sync::Arc;
use tfstack_model::{SourceFile, Span};

struct FindingDiagnostic<'a> {
    f: &'a Located,
    source: Option<NamedSource<Arc<str>>>,
}

/// Lines longer than this are not shown as a snippet: the finding is printed as
/// `path:line:column` with its message and help instead (fix: a finding next to a
/// 20 MB line printed all of it, and took seconds to render).
const MAX_SNIPPET_LINE: usize = 500;

/// Whether the lines miette would show around `span` include one too long to print.
fn snippet_too_wide(file: &SourceFile, span: Span) -> bool {
    let (first, _) = file.line_col(span.start);
    let (last, _) = file.line_col(span.end);
    (first.saturating_sub(1).max(1)..=last + 1).any(|l| file.line_text(l).len() > MAX_SNIPPET_LINE)
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.f.message)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.f.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}({})",
            self.f.rule.id, self.f.rule.name
        )))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut help = self.f.help.clone();
        if let Some(r) = &self.f.resource {
            help = format!("{help}\n(in `{r}`)");
        }
        Some(Box::new(help))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (_, span) = self.f.location.source.as_ref()?;
        let len = span.len().max(1);
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.f.label.clone()),
            span.start as usize,
            len,
        ))))
    }
}

/// Renders one finding (also used for rule snapshots).
pub fn render_finding(f: &Located, color: bool, width: usize) -> String {
    // The text is shared, not copied: one copy per finding was quadratic in big files.
    let source = f.location.source.as_ref().map(|(file, _)| {
        NamedSource::new(f.location.path.clone(), file.text.clone()).with_language("hcl")
    });
    let too_wide = f
        .location
        .source
        .as_ref()
        .is_some_and(|(file, span)| snippet_too_wide(file, *span));
    let diag = FindingDiagnostic { f, source };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    if too_wide || f.location.source.is_none() || handler.render_report(&mut out, &diag).is_err() {
        out = format!(
            "{}: {} [{}({})]\n  --> {}:{}:{}\n  help: {}\n",
            f.severity.as_str(),
            f.message,
            f.rule.id,
            f.rule.name,
            f.location.path,
            f.location.line,
            f.location.column,
            f.help
        );
    }
    out
}

/// The whole report for a terminal or a log, written finding by finding.
pub fn write(report: &LintReport, color: bool, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    for f in &report.findings {
        match &f.rendered {
            Some(text) => w.write_all(text.as_bytes())?,
            None => w.write_all(render_finding(f, color, 100).as_bytes())?,
        }
        w.write_all(b"\n")?;
    }
    let mut out = String::new();
    for e in &report.errors {
        if e.line > 0 {
            out.push_str(&format!(
                "error: {}:{}:{}: {}\n",
                e.path, e.line, e.column, e.message
            ));
        } else {
            out.push_str(&format!("error: {}: {}\n", e.path, e.message));
        }
    }
    let files: std::collections::BTreeSet<&str> = report
        .findings
        .iter()
        .map(|f| f.location.path.as_str())
        .collect();
    // "1 error", not "1 errors".
    let count = |n: usize, noun: &str| format!("{n} {noun}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "{}, {}, {} in {} ({} checked{}{})\n",
        count(report.count(Severity::Error), "error"),
        count(report.count(Severity::Warning), "warning"),
        count(report.count(Severity::Note), "note"),
        count(files.len(), "file"),
        count(report.files, "file"),
        if report.suppressed.is_empty() {
            String::new()
        } else {
            format!(", {} suppressed", report.suppressed.len())
        },
        // Files, not errors: one wrongly typed plan may have many errors.
        match report
            .errors
            .iter()
            .map(|e| e.path.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
        {
            0 => String::new(),
            n => format!(", {n} unreadable"),
        },
    ));
    w.write_all(out.as_bytes())
}

/// The whole report as a string.
pub fn render(report: &LintReport, color: bool) -> String {
    super::to_string(|out| write(report, color, out))
}
