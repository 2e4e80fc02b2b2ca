//! Rendering the tool's own errors (stack definition errors, stale output) as miette
//! diagnostics, pointing at the Rust line when its source file is readable.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use std::fmt;
use std::path::{Path, PathBuf};
use tfstack_model::constructs::SynthError;

/// A stack definition error as a miette diagnostic.
#[derive(Debug)]
pub struct StackDiagnostic {
    pub stack: String,
    pub env: String,
    pub error: SynthError,
    source: Option<NamedSource<String>>,
    span: Option<miette::SourceSpan>,
}

impl fmt::Display for StackDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error.message)
    }
}

impl std::error::Error for StackDiagnostic {}

impl Diagnostic for StackDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "tfstack::synth({}/{})",
            self.stack, self.env
        )))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error
            .help
            .as_ref()
            .map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some("defined here".to_string()),
            span,
        ))))
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        None
    }
}

impl StackDiagnostic {
    /// Reads the Rust source (relative to `root`) to show the offending line.
    pub fn new(stack: &str, env: &str, error: SynthError, root: &Path) -> Self {
        let mut source = None;
        let mut span = None;
        if let Some(loc) = &error.location {
            let path = resolve(root, loc.file);
            if let Ok(text) = std::fs::read_to_string(&path) {
                if let Some(offset) = line_offset(&text, loc.line) {
                    let line_len = text[offset..].find('\n').unwrap_or(text.len() - offset);
                    let col = (loc.column as usize).saturating_sub(1).min(line_len);
                    span = Some(miette::SourceSpan::new(
                        (offset + col).into(),
                        line_len - col,
                    ));
                    source = Some(NamedSource::new(loc.file, text));
                }
            }
        }
        StackDiagnostic {
            stack: stack.to_string(),
            env: env.to_string(),
            error,
            source,
            span,
        }
    }
}

fn resolve(root: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

fn line_offset(text: &str, line: u32) -> Option<usize> {
    if line == 0 {
        return None;
    }
    if line == 1 {
        return Some(0);
    }
    text.match_indices('\n')
        .nth(line as usize - 2)
        .map(|(i, _)| i + 1)
}

/// Renders a diagnostic without colour at a fixed width (stable for tests and CI logs),
/// or with colour when `color` is set.
pub fn render(diag: &dyn Diagnostic, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    if handler.render_report(&mut out, diag).is_err() {
        out = diag.to_string();
    }
    out
}
