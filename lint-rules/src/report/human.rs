//! Human output: miette diagnostics with the rule ID and name, a labelled span and help,
//! then `N errors, N warnings in N files`.

use crate::engine::{LintReport, Located};
use crate::Severity;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use std::fmt;

struct FindingDiagnostic<'a> {
    f: &'a Located,
    source: Option<NamedSource<String>>,
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
    let source = f.location.source.as_ref().map(|(file, _)| {
        NamedSource::new(f.location.path.clone(), file.text.to_string()).with_language("hcl")
    });
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
    if handler.render_report(&mut out, &diag).is_err() || f.location.source.is_none() {
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

/// The whole report for a terminal or a log.
pub fn render(report: &LintReport, color: bool) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&render_finding(f, color, 100));
        out.push('\n');
    }
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
    out.push_str(&format!(
        "{} errors, {} warnings, {} notes in {} files ({} files checked{}{})\n",
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Note),
        files.len(),
        report.files,
        if report.suppressed.is_empty() {
            String::new()
        } else {
            format!(", {} suppressed", report.suppressed.len())
        },
        if report.errors.is_empty() {
            String::new()
        } else {
            format!(", {} unreadable", report.errors.len())
        },
    ));
    out
}
