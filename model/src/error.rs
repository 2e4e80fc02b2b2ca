//! The one error type for what tfstack reads and finds wrong at a place — a file that
//! cannot be read or parsed, a bad configuration, baseline or usage file, a variable
//! file — and the one renderer every error and finding a person reads goes through.

use crate::origin::{SourceFile, Span};
use crate::shown::{clipped, escaped, prefix, shown};
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
        Ok(crate::origin::in_file(
            &*inner,
            Some(self.path.clone()),
            0,
            None,
        ))
    }
}

/// The longest message or help the renderer prints of a diagnostic, in bytes (a message
/// that quotes a 30 MB line is cut here).
pub const MAX_SHOWN_TEXT: usize = 1024;

/// Lines of source longer than this, in bytes, are shown as a window around the span.
pub const MAX_SHOWN_LINE: usize = 500;

/// How many bytes of a long line the window shows before and after the span's start.
const WINDOW: usize = 40;

/// The one renderer: a diagnostic as a person reads it, colourless unless `color`, at a
/// fixed width so that logs and tests are stable. What it prints of the diagnostic's text
/// and source is escaped and clipped ([`Shown`]).
pub fn render(diagnostic: &dyn Diagnostic, color: bool) -> String {
    try_render(diagnostic, color).unwrap_or_else(|| {
        format!(
            "error: {}\n",
            crate::shown::shown(&diagnostic.to_string(), MAX_SHOWN_TEXT)
        )
    })
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
    let shown = Shown::of(diagnostic);
    let mut out = String::new();
    handler.render_report(&mut out, &shown).ok()?;
    Some(out)
}

/// A diagnostic as the renderer shows it: its message, code, link, label texts and the
/// name of its source escaped ([`crate::shown::escaped`]) and its message and help cut
/// to [`MAX_SHOWN_TEXT`]; its help escaped line by line (a help may span lines on
/// purpose; a diagnostic that puts input in its help escapes it there). Its source is
/// the lines around its labels, escaped, each line longer than [`MAX_SHOWN_LINE`] cut to
/// a window around the first label. Causes and related diagnostics are not shown (no
/// diagnostic of tfstack has any).
struct Shown<'a> {
    diagnostic: &'a dyn Diagnostic,
    message: String,
    code: Option<String>,
    help: Option<String>,
    url: Option<String>,
    source: Option<ShownSource>,
    labels: Vec<LabeledSpan>,
}

impl<'a> Shown<'a> {
    fn of(diagnostic: &'a dyn Diagnostic) -> Self {
        let text = |t: &dyn fmt::Display| shown(&t.to_string(), MAX_SHOWN_TEXT).into_owned();
        let help = diagnostic.help().map(|h| {
            let help = clipped(h.to_string(), MAX_SHOWN_TEXT);
            help.split('\n')
                .map(|line| escaped(line.trim_end_matches('\r')).into_owned())
                .collect::<Vec<_>>()
                .join("\n")
        });
        let labels: Vec<LabeledSpan> = diagnostic
            .labels()
            .map(Iterator::collect)
            .unwrap_or_default();
        let source = diagnostic
            .source_code()
            .and_then(|source| ShownSource::of(source, &labels));
        let labels = match &source {
            Some(source) => source.labels.clone(),
            None => Vec::new(),
        };
        Shown {
            diagnostic,
            message: text(diagnostic),
            code: diagnostic.code().map(|c| text(&c)),
            help,
            url: diagnostic.url().map(|u| text(&u)),
            source,
            labels,
        }
    }
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.diagnostic.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.url
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// The lines around a diagnostic's labels as they are shown (see [`Shown`]), with the
/// labels moved to where their text is in them.
struct ShownSource {
    name: Option<String>,
    text: String,
    /// The 0-based line, in the source, of the first line of `text`.
    first_line: usize,
    labels: Vec<LabeledSpan>,
    /// For each label's span in `text`, the column miette shows for it: the bytes before
    /// it on its line in the source (the line may be cut or escaped in `text`).
    columns: Vec<(miette::SourceSpan, usize)>,
}

impl ShownSource {
    /// The lines of `source` around `labels` (one line of context on each side, as the
    /// renderer shows them); `None` when there is no label or they cannot be read.
    fn of(source: &dyn miette::SourceCode, labels: &[LabeledSpan]) -> Option<ShownSource> {
        let start = labels.iter().map(|l| l.offset()).min()?;
        let end = labels.iter().map(|l| l.offset() + l.len()).max()?;
        let covering = miette::SourceSpan::from((start, end - start));
        let contents = source.read_span(&covering, 1, 1).ok()?;
        let data = std::str::from_utf8(contents.data()).ok()?;
        let base = contents.span().offset();
        // The lines of `data`: where each starts and where its text ends (before `\n`
        // or `\r\n`).
        let mut lines: Vec<(usize, usize, usize)> = Vec::new();
        let mut at = 0;
        for piece in data.split_inclusive('\n') {
            let body = piece.strip_suffix('\n').unwrap_or(piece);
            let body = body.strip_suffix('\r').unwrap_or(body);
            lines.push((at, at + body.len(), at + piece.len()));
            at += piece.len();
        }
        let line_of = |offset: usize| {
            lines
                .iter()
                .position(|&(_, _, next)| offset < next)
                .unwrap_or(lines.len().saturating_sub(1))
        };
        // A long line is cut to a window around the first label's column, the same
        // window on every line so that they stay aligned.
        let first = start.saturating_sub(base);
        let anchor = lines.get(line_of(first)).map_or(0, |&(s, _, _)| first - s);
        let mut text = String::with_capacity(data.len().min(4 * MAX_SHOWN_LINE));
        // Per line: where it starts in `text` and how its window was taken.
        let mut shown_lines = Vec::with_capacity(lines.len());
        for &(line_start, body_end, next) in &lines {
            let body = &data[line_start..body_end];
            let window = if body.len() > MAX_SHOWN_LINE {
                let from = floor_boundary(body, anchor.saturating_sub(WINDOW).min(body.len()));
                let to = floor_boundary(body, (anchor + WINDOW).min(body.len()).max(from));
                (from, to)
            } else {
                (0, body.len())
            };
            let shown_start = text.len();
            if window.0 > 0 {
                text.push('…');
            }
            text.push_str(&escaped(&body[window.0..window.1]));
            if window.1 < body.len() {
                text.push('…');
            }
            let shown_body_end = text.len();
            text.push_str(&data[body_end..next]);
            shown_lines.push((shown_start, window, shown_body_end));
        }
        // Where an offset of `data` is in `text`.
        let map = |offset: usize| {
            let i = line_of(offset);
            let (Some(&(line_start, body_end, _)), Some(&(shown_start, (from, to), shown_end))) =
                (lines.get(i), shown_lines.get(i))
            else {
                return text.len();
            };
            let in_line = offset.saturating_sub(line_start);
            let body = &data[line_start..body_end];
            if in_line > body.len() {
                return shown_end + (in_line - body.len());
            }
            if in_line <= from && from > 0 {
                return shown_start;
            }
            if in_line > to {
                return shown_end;
            }
            let lead = if from > 0 { '…'.len_utf8() } else { 0 };
            let upto = floor_boundary(body, in_line);
            shown_start + lead + escaped(&body[from..upto]).len()
        };
        let mut shown_labels = Vec::with_capacity(labels.len());
        let mut columns = Vec::with_capacity(labels.len());
        for label in labels {
            let offset = label.offset().saturating_sub(base);
            let shown_offset = map(offset).min(text.len());
            let shown_end = map(offset + label.len()).clamp(shown_offset, text.len());
            let span = miette::SourceSpan::from((shown_offset, shown_end - shown_offset));
            // The column the source gives the label (a snippet of a cut line knows the
            // column on the whole line), else the bytes before it on its line here.
            let column = source
                .read_span(&label.inner().clone(), 0, 0)
                .map(|c| c.column())
                .unwrap_or_else(|_| {
                    offset.saturating_sub(lines.get(line_of(offset)).map_or(0, |&(s, _, _)| s))
                });
            columns.push((span, column));
            let text = label.label().map(|l| shown(l, MAX_SHOWN_TEXT).into_owned());
            shown_labels.push(if label.primary() {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            });
        }
        Some(ShownSource {
            name: contents.name().map(|n| escaped(n).into_owned()),
            text,
            first_line: contents.line(),
            labels: shown_labels,
            columns,
        })
    }
}

/// The largest character boundary of `text` at or before `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    prefix(text, at).len()
}

impl miette::SourceCode for ShownSource {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // The renderer reads a label's own span for the line and column it shows.
        let column = match (context_lines_before, context_lines_after) {
            (0, 0) => self
                .columns
                .iter()
                .find(|(s, _)| s == span)
                .map(|(_, c)| *c),
            _ => None,
        };
        Ok(crate::origin::in_file(
            &*inner,
            self.name.clone(),
            self.first_line,
            column,
        ))
    }
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

    #[test]
    fn an_error_far_into_a_long_line_shows_a_window_around_it_at_its_true_column() {
        let line = format!("  a = \"{}\" +", "a".repeat(70_000));
        let text = format!("locals {{\n{line}\n}}\n");
        let file = SourceFile::new("main.tf", text.as_str());
        let column = line.len() as u32;
        let error = SourceError::at(&file, 2, column, "invalid expression");
        let shown = render(&error, false);
        assert!(
            shown.contains(&format!("╭─[main.tf:2:{column}]")),
            "{shown}"
        );
        assert!(shown.contains(" 2 │ …aaaa"), "{shown}");
        assert!(shown.contains("╰── here"), "{shown}");
        assert!(shown.len() < 1_000, "{shown}");
        // A span near the start of the long line: cut after it.
        let error = SourceError::at(&file, 2, 3, "here");
        let shown = render(&error, false);
        assert!(shown.contains("╭─[main.tf:2:3]"), "{shown}");
        assert!(shown.contains(" 2 │   a = \"aaa"), "{shown}");
        assert!(shown.len() < 1_000, "{shown}");
    }

    #[test]
    fn a_long_message_is_clipped() {
        let error = SourceError::file(Path::new("big.toml"), "x".repeat(30_000_000));
        let shown = render(&error, false);
        assert!(shown.len() < 2 * MAX_SHOWN_TEXT, "{}", shown.len());
        assert!(shown.contains("x…"), "{shown}");
    }

    #[test]
    fn control_characters_of_the_input_are_shown_escaped() {
        let text = "a = \"x\n::error::pwned\u{1b}[2J\"\nb = \"\u{202e}\u{1}\"\r\nc = 3\n";
        let file = SourceFile::new("dir/ma\nin\u{1b}.tf", text);
        let error = SourceError::at(&file, 3, 6, "bad `\n::error title=x::y` value")
            .with_help("remove `\r::warning::z`");
        let shown = render(&error, false);
        for line in shown.lines() {
            assert!(!line.trim_start().starts_with("::"), "{shown}");
        }
        assert!(
            !shown.contains(['\u{1b}', '\u{1}', '\u{202e}', '\r']),
            "{shown:?}"
        );
        assert!(shown.contains("╭─[dir/ma\\nin\\u{1b}.tf:3:6]"), "{shown}");
        assert!(
            shown.contains("× bad `\\n::error title=x::y` value"),
            "{shown}"
        );
        assert!(shown.contains("help: remove `\\r::warning::z`"), "{shown}");
        assert!(shown.contains(" 3 │ b = \"\\u{202e}\\u{1}\""), "{shown}");
        assert!(shown.contains(" 2 │ ::error::pwned\\u{1b}[2J\""), "{shown}");
        // Without a snippet, the position is part of the message.
        let error = SourceError::at_position(Path::new("x\n::error::y.tf"), 1, 1, "bad");
        let shown = render(&error, false);
        assert!(shown.contains("× x\\n::error::y.tf:1:1: bad"), "{shown}");
    }
}
