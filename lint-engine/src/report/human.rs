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
use tfstack_model::shown::escaped;
use tfstack_model::Snippet;

struct FindingDiagnostic<'a> {
    f: &'a Located,
    source: Option<NamedSource<Snippet>>,
    /// The rule's page, shown after the rule's ID and name.
    docs: Option<String>,
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
        // The help's own line and the call's are escaped apart: the renderer keeps the
        // line break between them.
        let mut help = escaped(&self.f.help).into_owned();
        if let Some(r) = &self.f.resource {
            let called_at = CallSite::called_at(&self.f.calls);
            help = format!("{help}\n(in `{}`{})", escaped(r), escaped(&called_at));
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
    let docs = docs.map(|d| d.page(f.rule));
    if f.location.source.is_none() {
        return plain(f, docs.as_deref());
    }
    let diag = FindingDiagnostic {
        f,
        source,
        docs: docs.clone(),
    };
    try_render(&diag, color).unwrap_or_else(|| plain(f, docs.as_deref()))
}

/// A finding on a few lines, without its source (what it holds of input escaped).
fn plain(f: &Located, docs: Option<&str>) -> String {
    let mut text = format!(
        "{}: {} [{}({})]\n  --> {}:{}:{}\n  help: {}\n",
        f.severity.as_str(),
        escaped(&f.message),
        f.rule.id,
        f.rule.name,
        escaped(&f.location.path),
        f.location.line,
        f.location.column,
        escaped(&f.help)
    );
    if let (Some(r), false) = (&f.resource, f.calls.is_empty()) {
        let called_at = CallSite::called_at(&f.calls);
        text.push_str(&format!("  (in `{}`{})\n", escaped(r), escaped(&called_at)));
    }
    if let Some(url) = docs {
        text.push_str(&format!("  docs: {}\n", escaped(url)));
    }
    text
}

/// A notice on a few lines: what, where, what to do (what it holds of input escaped).
fn render_notice(n: &Notice) -> String {
    let place = if n.line > 0 {
        format!("{}:{}:{}", n.path, n.line, n.column)
    } else {
        n.path.clone()
    };
    format!(
        "notice: {}\n  --> {}\n  help: {}\n",
        escaped(&n.message),
        escaped(&place),
        escaped(&n.help)
    )
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
