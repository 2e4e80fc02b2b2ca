//! Human output: miette diagnostics with the rule ID and name (and the rule's page after
//! them), a labelled span and help, then `N errors, N warnings in N files`.

use super::{DocsUrl, Reporter, Summary};
use crate::located::{CallSite, InputError, Located, Notice};
use crate::Severity;
use miette::{Diagnostic, LabeledSpan, NamedSource};
use rayon::prelude::*;
use std::fmt;
use std::io::{self, Write};
use tfstack_model::error::{render, try_render};
use tfstack_model::Snippet;

struct FindingDiagnostic<'a> {
    f: &'a Located,
    source: Option<NamedSource<Snippet>>,
    /// The rule's page, shown after the rule's ID and name.
    docs: Option<String>,
}

/// Lines longer than this are not shown as a snippet: the finding is printed as
/// `path:line:column` with its message and help instead (a finding next to a 20 MB line
/// would print all of it, and take seconds to render).
const MAX_SNIPPET_LINE: usize = 500;

/// Whether the lines miette would show around the span (one on each side) include one
/// too long to print.
fn snippet_too_wide(snippet: &Snippet) -> bool {
    let start = snippet.span.start as usize;
    let end = snippet.span.end as usize;
    let text = &snippet.text;
    let first = snippet.first_line + text.get(..start).unwrap_or("").matches('\n').count() as u32;
    let last = snippet.first_line + text.get(..end).unwrap_or("").matches('\n').count() as u32;
    snippet
        .lines()
        .filter(|(n, _)| (first.saturating_sub(1).max(1)..=last + 1).contains(n))
        .any(|(_, line)| line.len() > MAX_SNIPPET_LINE)
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
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.docs
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut help = self.f.help.to_string();
        if let Some(r) = &self.f.resource {
            help = format!("{help}\n(in `{r}`{})", CallSite::called_at(&self.f.calls));
        }
        Some(Box::new(help))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.f.location.source.as_ref()?.span;
        let len = span.len().max(1);
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.f.label.to_string()),
            span.start as usize,
            len,
        ))))
    }
}

/// Renders one finding without its rule's page (rule snapshots).
pub fn render_finding(f: &Located, color: bool) -> String {
    render_linked(f, color, None)
}

/// Renders one finding, with its rule's page when `docs` is given.
fn render_linked(f: &Located, color: bool, docs: Option<&DocsUrl>) -> String {
    let source = f.location.source.as_ref().map(|snippet| {
        NamedSource::new(f.location.path.clone(), snippet.clone()).with_language("hcl")
    });
    let too_wide = f.location.source.as_ref().is_some_and(snippet_too_wide);
    let docs = docs.map(|d| d.page(f.rule));
    if too_wide || f.location.source.is_none() {
        return plain(f, docs.as_deref());
    }
    let diag = FindingDiagnostic {
        f,
        source,
        docs: docs.clone(),
    };
    try_render(&diag, color).unwrap_or_else(|| plain(f, docs.as_deref()))
}

/// A finding on a few lines, without its source.
fn plain(f: &Located, docs: Option<&str>) -> String {
    let mut text = format!(
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
    if let (Some(r), false) = (&f.resource, f.calls.is_empty()) {
        text.push_str(&format!("  (in `{r}`{})\n", CallSite::called_at(&f.calls)));
    }
    if let Some(url) = docs {
        text.push_str(&format!("  docs: {url}\n"));
    }
    text
}

/// A notice on a few lines: what, where, what to do.
fn render_notice(n: &Notice) -> String {
    let place = if n.line > 0 {
        format!("{}:{}:{}", n.path, n.line, n.column)
    } else {
        n.path.clone()
    };
    format!("notice: {}\n  --> {place}\n  help: {}\n", n.message, n.help)
}

/// `--format human`: each finding as miette renders it (a batch rendered in parallel),
/// each unreadable input with its lines where known, then `N errors, N warnings, …`.
pub struct HumanReporter {
    pub color: bool,
    /// Where the rules' pages are.
    pub docs: DocsUrl,
}

impl Reporter for HumanReporter {
    fn needs_snippets(&self) -> bool {
        true
    }

    fn findings(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        let (color, docs) = (self.color, &self.docs);
        let rendered: Vec<String> = findings
            .par_iter()
            .map(|f| render_linked(f, color, Some(docs)))
            .collect();
        for text in rendered {
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn errors(&mut self, out: &mut dyn Write, errors: &[InputError]) -> io::Result<()> {
        for e in errors {
            out.write_all(render(e, self.color).as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn notices(&mut self, out: &mut dyn Write, notices: &[Notice]) -> io::Result<()> {
        for n in notices {
            out.write_all(render_notice(n).as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        // "1 error", not "1 errors".
        let count = |n: usize, noun: &str| format!("{n} {noun}{}", if n == 1 { "" } else { "s" });
        writeln!(
            out,
            "{}, {}, {} in {} ({} checked{}{})",
            count(summary.errors, "error"),
            count(summary.warnings, "warning"),
            count(summary.notes, "note"),
            count(summary.files_with_findings, "file"),
            count(summary.files_checked, "file"),
            match summary.suppressed {
                0 => String::new(),
                n => format!(", {n} suppressed"),
            },
            // Files, not errors: one wrongly typed plan may have many errors.
            match summary.unreadable_files {
                0 => String::new(),
                n => format!(", {n} unreadable"),
            },
        )?;
        if summary.baseline_stale > 0 {
            writeln!(
                out,
                "{} baseline entr{} matched nothing: write the baseline again to drop them",
                summary.baseline_stale,
                if summary.baseline_stale == 1 {
                    "y"
                } else {
                    "ies"
                }
            )?;
        }
        Ok(())
    }
}
