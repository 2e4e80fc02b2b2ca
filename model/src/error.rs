//! The one error type for what tfstack reads and finds wrong at a place — a file that
//! cannot be read or parsed, a bad configuration, baseline or usage file, a variable
//! file — and the one renderer every error and finding a person reads goes through.

use crate::origin::{SourceFile, Span};
use crate::Snippet;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use std::fmt;
use std::path::Path;

/// The width human output is rendered at.
pub const RENDER_WIDTH: usize = 100;

/// The code of an error about a file read as input.
const INPUT: &str = "tfstack::input";

/// How many lines around a span a snippet keeps (human output shows one).
pub const SNIPPET_CONTEXT: u32 = 2;

/// An error located in a file: where (line and column 0 when the file as a whole is the
/// problem), what is wrong, what to do, and the lines around it when they were read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SourceError {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The lines around the error, when its place is known and the text was read.
    #[serde(skip)]
    pub snippet: Option<Box<Snippet>>,
    /// What kind of input it is about, shown as the diagnostic's code (`tfstack::input`,
    /// `tfstack::config`, `tfstack::baseline`, …).
    #[serde(skip)]
    pub code: &'static str,
}

impl SourceError {
    /// An error about a file as a whole (missing, unreadable, too large, …).
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        SourceError {
            path: display_path(path),
            line: 0,
            column: 0,
            message: message.into(),
            help: None,
            snippet: None,
            code: INPUT,
        }
    }

    /// An error at a 1-based line and column, shown without the file's lines (they are
    /// not at hand, or too long to show).
    pub fn at_position(path: &Path, line: u32, column: u32, message: impl Into<String>) -> Self {
        SourceError {
            line,
            column,
            ..SourceError::file(path, message)
        }
    }

    /// An error at a 1-based line and column of a file whose text is at hand.
    pub fn at(file: &SourceFile, line: u32, column: u32, message: impl Into<String>) -> Self {
        let snippet = (line > 0)
            .then(|| file.line_start(line))
            .flatten()
            .and_then(|start| {
                let text = file.line_text(line);
                let column_offset = text
                    .char_indices()
                    .nth(column.saturating_sub(1) as usize)
                    .map_or(text.len(), |(i, _)| i);
                let at = start as usize + column_offset;
                file.snippet(Span::new(at, at), SNIPPET_CONTEXT)
                    .map(Box::new)
            });
        SourceError {
            path: display_path(&file.path),
            line,
            column,
            message: message.into(),
            help: None,
            snippet,
            code: INPUT,
        }
    }

    /// An error at a byte offset of a file whose text is at hand.
    pub fn at_offset(file: &SourceFile, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = file.line_col(offset.min(u32::MAX as usize) as u32);
        SourceError::at(file, line, column, message)
    }

    /// The same error, about another kind of input.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// The same error with advice.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `path:line:column` (or `path` for the file as a whole).
    pub fn position(&self) -> String {
        if self.line > 0 {
            format!("{}:{}:{}", self.path, self.line, self.column)
        } else {
            self.path.clone()
        }
    }
}

/// The message, preceded by the position when no snippet shows it.
impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.snippet {
            Some(_) => f.write_str(&self.message),
            None => write!(f, "{}: {}", self.position(), self.message),
        }
    }
}

impl std::error::Error for SourceError {}

impl Diagnostic for SourceError {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.code))
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.snippet
            .as_ref()
            .map(|_| self as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let snippet = self.snippet.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some("here".to_string()),
            snippet.span.start as usize,
            snippet.span.len(),
        ))))
    }
}

/// The snippet, named after the file.
impl miette::SourceCode for SourceError {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let snippet = self
            .snippet
            .as_ref()
            .ok_or(miette::MietteError::OutOfBounds)?;
        let inner = snippet.read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.path.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// The one renderer: a diagnostic as a person reads it, colourless unless `color`, at a
/// fixed width so that logs and tests are stable.
pub fn render(diagnostic: &dyn Diagnostic, color: bool) -> String {
    try_render(diagnostic, color).unwrap_or_else(|| format!("error: {diagnostic}\n"))
}

/// [`render`], or `None` when miette cannot render it (a span outside its source).
pub fn try_render(diagnostic: &dyn Diagnostic, color: bool) -> Option<String> {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(RENDER_WIDTH)
        .with_links(false);
    let mut out = String::new();
    handler.render_report(&mut out, diagnostic).ok()?;
    Some(out)
}

/// Paths as shown: relative, with `/`, without a leading `./`.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_located_error_shows_its_lines_with_the_files_line_numbers() {
        let text = "a = 1\nb = 2\nc = {\nd = 4\ne = 5\nf = 6\n";
        let file = SourceFile::new("dir/main.tf", text);
        let error = SourceError::at(&file, 4, 1, "expected `}`").with_help("close the object");
        let shown = render(&error, false);
        assert!(shown.contains("╭─[dir/main.tf:4:1]"), "{shown}");
        assert!(shown.contains(" 4 │ d = 4"), "{shown}");
        assert!(shown.contains(" 3 │ c = {"), "{shown}");
        assert!(shown.contains("× expected `}`"), "{shown}");
        assert!(shown.contains("help: close the object"), "{shown}");
        assert_eq!(error.to_string(), "expected `}`");
        assert_eq!(error.position(), "dir/main.tf:4:1");
    }

    #[test]
    fn an_error_about_a_whole_file_names_it() {
        let error = SourceError::file(Path::new("./x/plan.json"), "not valid UTF-8");
        let shown = render(&error, false);
        assert!(shown.contains("× x/plan.json: not valid UTF-8"), "{shown}");
        assert_eq!(
            serde_json::to_string(&error).expect("json"),
            r#"{"path":"x/plan.json","line":0,"column":0,"message":"not valid UTF-8"}"#
        );
    }
}
