//! Where a piece of the IR came from: a byte span in a file, the Rust line that built it,
//! or nothing (created by tfstack itself).

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// A half-open byte range in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start.min(u32::MAX as usize) as u32,
            end: end.min(u32::MAX as usize) as u32,
        }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
    /// This span moved `by` bytes to the right (for text embedded in another file).
    pub fn offset(self, by: usize) -> Self {
        Span::new(self.start as usize + by, self.end as usize + by)
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

/// A Rust source location, recorded with `#[track_caller]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RustLocation {
    pub file: &'static str,
    pub line: u32,
    pub column: u32,
}

impl RustLocation {
    /// The location of the caller of the `#[track_caller]` function that calls this.
    #[track_caller]
    pub fn caller() -> Self {
        let l = std::panic::Location::caller();
        RustLocation {
            file: l.file(),
            line: l.line(),
            column: l.column(),
        }
    }
}

impl RustLocation {
    /// This location as a `'static` reference shared by every origin that names it: an
    /// [`Origin`] holds the reference (8 bytes), not the location (24). Each distinct
    /// location is stored once for the life of the process; there are as many as there
    /// are places in Rust code that build constructs.
    pub fn interned(self) -> &'static RustLocation {
        static TABLE: OnceLock<Mutex<HashSet<&'static RustLocation>>> = OnceLock::new();
        let mut table = TABLE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = table.get(&self) {
            return found;
        }
        let stored: &'static RustLocation = Box::leak(Box::new(self));
        table.insert(stored);
        stored
    }
}

impl fmt::Display for RustLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A source file known to the loader: its path as the user gave it and its text.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
    line_starts: std::sync::OnceLock<Vec<u32>>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut v = vec![0u32];
            for (i, b) in self.text.bytes().enumerate() {
                if b == b'\n' {
                    v.push((i + 1) as u32);
                }
            }
            // No spare capacity: a large file's table stays for the whole lint of its module.
            v.shrink_to_fit();
            v
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let starts = self.line_starts();
        let offset = offset.min(self.text.len() as u32);
        let line = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = starts[line] as usize;
        let mut end = offset as usize;
        while end > start && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[start..end].chars().count() as u32 + 1;
        (line as u32 + 1, col)
    }

    /// The text of 1-based line `line`, without its newline.
    pub fn line_text(&self, line: u32) -> &str {
        let starts = self.line_starts();
        let i = (line as usize).saturating_sub(1);
        if i >= starts.len() {
            return "";
        }
        let s = starts[i] as usize;
        let e = starts
            .get(i + 1)
            .map(|e| *e as usize)
            .unwrap_or(self.text.len());
        self.text[s..e].trim_end_matches(['\n', '\r'])
    }

    /// Byte offset where 1-based line `line` starts.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts()
            .get((line as usize).checked_sub(1)?)
            .copied()
    }
}

impl SourceFile {
    /// The whole lines around `span` (`context` lines before and after), for showing a
    /// finding or an error without keeping the whole file.
    pub fn snippet(&self, span: Span, context: u32) -> Snippet {
        let (first, _) = self.line_col(span.start);
        let (last, _) = self.line_col(span.end.max(span.start));
        let first = first.saturating_sub(context).max(1);
        let last = last.saturating_add(context);
        let start = self.line_start(first).unwrap_or(0) as usize;
        let end = self
            .line_start(last.saturating_add(1))
            .map_or(self.text.len(), |e| e as usize);
        let text: Arc<str> = self.text.get(start..end).unwrap_or_default().into();
        let relative = |offset: u32| (offset as usize).saturating_sub(start).min(text.len());
        Snippet {
            span: Span::new(relative(span.start), relative(span.end.max(span.start))),
            text,
            first_line: first,
        }
    }
}

/// The whole lines of a file around a span: what a person is shown of a finding or an
/// error. As a [`miette::SourceCode`] it reports the file's own line numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// The lines, each with its newline (the file's last line may lack one).
    pub text: Arc<str>,
    /// The 1-based number, in the file, of the first line.
    pub first_line: u32,
    /// The span, as an offset into `text`.
    pub span: Span,
}

impl Snippet {
    /// The text of the snippet's lines, with their line numbers in the file.
    pub fn lines(&self) -> impl Iterator<Item = (u32, &str)> {
        self.text
            .split_inclusive('\n')
            .enumerate()
            .map(|(i, l)| (self.first_line + i as u32, l.trim_end_matches(['\n', '\r'])))
    }
}

impl miette::SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner =
            self.text
                .as_ref()
                .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new(
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line.saturating_sub(1) as usize,
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// Index of a file in a [`SourceFiles`] set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// The files one load (one module, one stack) reads; ids index into it.
#[derive(Debug, Default, Clone)]
pub struct SourceFiles {
    files: Vec<Arc<SourceFile>>,
}

impl SourceFiles {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(Arc::new(file));
        FileId((self.files.len() - 1) as u32)
    }
    pub fn get(&self, id: FileId) -> &Arc<SourceFile> {
        &self.files[id.0 as usize]
    }
    pub fn find(&self, path: &std::path::Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &Arc<SourceFile>)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Where a block, attribute, expression or value came from.
///
/// Origins never take part in IR equality: two configurations are equal when they say the
/// same thing, wherever they were written (this is what the generate → load round trip
/// checks).
#[derive(Clone, Copy, Debug, Default)]
pub enum Origin {
    /// A byte span in a loaded file.
    File { file: FileId, span: Span },
    /// The Rust line of a typed construct ([`Origin::rust`] makes one).
    Rust(&'static RustLocation),
    /// Made by tfstack, with no place of its own (callers fall back to the enclosing origin).
    #[default]
    Generated,
}

impl PartialEq for Origin {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Consistent with equality: every origin hashes alike.
impl std::hash::Hash for Origin {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl Origin {
    #[track_caller]
    pub fn caller() -> Self {
        Origin::rust(RustLocation::caller())
    }
    /// The origin of a Rust line.
    pub fn rust(location: RustLocation) -> Self {
        Origin::Rust(location.interned())
    }
    pub fn file(file: FileId, span: impl Into<Span>) -> Self {
        Origin::File {
            file,
            span: span.into(),
        }
    }
    pub fn is_generated(&self) -> bool {
        matches!(self, Origin::Generated)
    }
    /// `self`, or `fallback` when `self` says nothing.
    pub fn or(self, fallback: Origin) -> Origin {
        if self.is_generated() {
            fallback
        } else {
            self
        }
    }
}
