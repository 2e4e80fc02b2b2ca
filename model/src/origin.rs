//! Where a piece of the IR came from: a byte span in a file, the Rust line that built it,
//! or nothing (created by tfstack itself).

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

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
    /// This location's index among the interned ones, which an [`Origin`] holds: each
    /// distinct location is stored once for the life of the process; there are as many as
    /// there are places in Rust code that build constructs.
    fn index(self) -> u64 {
        Interned::index_of(rust_locations(), &self, || &*Box::leak(Box::new(self)))
    }
}

impl fmt::Display for RustLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A source file known to the loader: its path as the user gave it and its text.
///
/// A large file's text can be released once it is parsed ([`SourceFile::release_text`]):
/// its line table and the lines and spans the rules read stay, the file stays open, and
/// what is shown of the rest (a snippet) is read back from the open file. A file changed
/// on disk since it was read (its length or modification time differ) is not shown.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// The text; `None` while released.
    text: Mutex<Option<Arc<str>>>,
    /// The text's length in bytes (set once the text is read: see [`SourceFile::pending`]).
    len: OnceLock<usize>,
    /// Set by [`SourceFile::release_text`].
    released: OnceLock<Released>,
    line_starts: OnceLock<Vec<u32>>,
    /// For a held text: the characters before each multiple of [`CHARACTER_CHECKPOINT`]
    /// bytes, made when a column is first counted over a longer stretch (columns on a
    /// long line then cost a checkpoint's bytes each, not the line's).
    character_checkpoints: OnceLock<Vec<u32>>,
}

/// How many bytes apart [`SourceFile`]'s character checkpoints are.
const CHARACTER_CHECKPOINT: usize = 4096;

/// Whether `byte` begins a character in UTF-8 (it is not a continuation byte).
fn begins_character(byte: &u8) -> bool {
    (*byte & 0xC0) != 0x80
}

/// A released text: where to read it back and what was kept.
#[derive(Debug)]
struct Released {
    /// The file, open since the text was checked against it.
    file: Mutex<std::fs::File>,
    /// Its length and modification time then.
    stamp: Stamp,
    /// Bytes before the text in the file (a UTF-8 byte order mark the reader dropped).
    skip: u64,
    /// Every byte ASCII: columns are byte offsets, no text needed to count characters.
    ascii: bool,
    /// The lines kept in memory (1-based number, text without newline), ascending.
    kept: Vec<(u32, Box<str>)>,
    /// The spans kept in memory, with their text.
    kept_spans: Vec<(Span, Box<str>)>,
}

/// Files held open for released texts, in the whole process, and the most there may be: a
/// repository of thousands of large files must not take the descriptors the rest of the
/// run needs (past the limit, texts stay in memory).
static OPEN_RELEASED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
const MAX_OPEN_RELEASED: usize = 128;

impl Drop for Released {
    fn drop(&mut self) {
        OPEN_RELEASED.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Released {
    /// `range` of the text read back from the file, if the file is unchanged.
    fn read(&self, range: std::ops::Range<usize>) -> Option<String> {
        String::from_utf8(self.read_bytes(range)?).ok()
    }

    /// `range` of the text's bytes read back from the file (a character may be cut at
    /// either end), if the file is unchanged.
    fn read_bytes(&self, range: std::ops::Range<usize>) -> Option<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        if stamp_of(&file) != Some(self.stamp) {
            return None;
        }
        file.seek(SeekFrom::Start(self.skip + range.start as u64))
            .ok()?;
        let mut bytes = vec![0; range.len()];
        file.read_exact(&mut bytes).ok()?;
        Some(bytes)
    }
}

/// A file's length and modification time: what tells that it changed.
type Stamp = (u64, Option<std::time::SystemTime>);

/// `file` if it holds `text` (read whole once more and compared, a block at a time: the
/// check never holds a second copy of the text): the handle, its stamp and the bytes
/// before the text.
fn holding(mut file: std::fs::File, text: &str) -> Option<(std::fs::File, Stamp, u64)> {
    use std::io::Read;
    let stamp = stamp_of(&file)?;
    // The size decides nothing but whether to read: a file now of another size than the
    // text (and its byte order mark) is not it, and is not read. The comparison stops at
    // the first block that differs or runs past the text: at most one block more than the
    // text is read, whatever the file has become.
    let skip = stamp.0.checked_sub(text.len() as u64)?;
    let skip_bytes: &[u8] = match skip {
        0 => b"",
        3 => UTF8_BOM,
        _ => return None,
    };
    let mut head = [0u8; 3];
    let head = &mut head[..skip_bytes.len()];
    file.read_exact(head).ok()?;
    if head != skip_bytes {
        return None;
    }
    let mut rest = text.as_bytes();
    let mut block = vec![0u8; 64 * 1024];
    loop {
        let n = match file.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        // A byte past the text, or a byte that differs, and the file is not the text.
        rest = rest.strip_prefix(&block[..n])?;
    }
    rest.is_empty().then_some((file, stamp, skip))
}

/// Kept spans sorted and without spans inside others, for a binary search.
fn sorted_spans(mut spans: Vec<(Span, Box<str>)>) -> Vec<(Span, Box<str>)> {
    spans.sort_by_key(|(at, _)| (at.start, std::cmp::Reverse(at.end)));
    spans.dedup_by(|inner, outer| inner.0.end <= outer.0.end);
    spans.shrink_to_fit();
    spans
}

/// What a file read a piece at a time keeps of its text (what
/// [`SourceFile::release_text`] keeps), gathered piece by piece for [`SourceFile::stream`].
#[derive(Debug)]
pub struct StreamedText {
    len: usize,
    line_starts: Vec<u32>,
    ascii: bool,
    kept: Vec<(u32, Box<str>)>,
    kept_spans: Vec<(Span, Box<str>)>,
}

impl Default for StreamedText {
    fn default() -> Self {
        StreamedText {
            len: 0,
            line_starts: vec![0],
            ascii: true,
            kept: Vec::new(),
            kept_spans: Vec::new(),
        }
    }
}

impl StreamedText {
    /// Takes in the next piece of the text, `text` at `base` in it (pieces come in order,
    /// each where the last ended): its lines that `keep` chooses, the text of its spans
    /// `keep_spans` (spans in the whole text, inside this piece). `false` when the piece
    /// is not where the last ended or the text outgrows 32-bit offsets.
    pub fn piece(
        &mut self,
        text: &str,
        base: usize,
        keep: impl Fn(&str) -> bool,
        keep_spans: &[Span],
    ) -> bool {
        let Ok(end) = u32::try_from(base + text.len()) else {
            return false;
        };
        if base != self.len {
            return false;
        }
        self.ascii &= text.is_ascii();
        // The lines that ended before this piece.
        let before = self.line_starts.len() as u32 - 1;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let line = line.strip_suffix('\n').unwrap_or(line);
            if keep(line) {
                self.kept
                    .push((before + i as u32 + 1, line.trim_end_matches('\r').into()));
            }
        }
        push_line_starts(text, base, &mut self.line_starts);
        for span in keep_spans {
            let range = span.range();
            if let Some(kept) = range
                .start
                .checked_sub(base)
                .and_then(|s| text.get(s..range.end.checked_sub(base)?))
            {
                self.kept_spans.push((*span, kept.into()));
            }
        }
        self.len = end as usize;
        true
    }

    /// The line table, and what stays of the text while `file` (its stamp `stamp`, `skip`
    /// bytes before the text) is held open to read the rest back.
    fn into_released(self, file: std::fs::File, stamp: Stamp, skip: u64) -> (Vec<u32>, Released) {
        let StreamedText {
            mut line_starts,
            ascii,
            mut kept,
            kept_spans,
            ..
        } = self;
        line_starts.shrink_to_fit();
        kept.shrink_to_fit();
        let released = Released {
            file: Mutex::new(file),
            stamp,
            skip,
            ascii,
            kept,
            kept_spans: sorted_spans(kept_spans),
        };
        (line_starts, released)
    }
}

/// Takes one of the descriptors for released texts, if fewer than the most are open (a
/// [`Released`] gives it back when dropped).
fn hold_open() -> bool {
    use std::sync::atomic::Ordering;
    OPEN_RELEASED
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
            (n < MAX_OPEN_RELEASED).then_some(n + 1)
        })
        .is_ok()
}

/// The UTF-8 byte order mark, which Terraform drops from the start of a file (and the
/// reader with it: a file's text starts after it).
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn stamp_of(file: &std::fs::File) -> Option<Stamp> {
    let meta = file.metadata().ok()?;
    Some((meta.len(), meta.modified().ok()))
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        SourceFile {
            path: path.into(),
            len: OnceLock::from(text.len()),
            text: Mutex::new(Some(text)),
            released: OnceLock::new(),
            line_starts: OnceLock::new(),
            character_checkpoints: OnceLock::new(),
        }
    }

    /// A file whose text is read later, while it is parsed: by [`SourceFile::stream`]
    /// (its text never held whole) or, when that cannot be, [`SourceFile::set_text`].
    /// Until then its text is empty.
    pub fn pending(path: impl Into<PathBuf>) -> Self {
        SourceFile {
            path: path.into(),
            len: OnceLock::new(),
            text: Mutex::new(None),
            released: OnceLock::new(),
            line_starts: OnceLock::new(),
            character_checkpoints: OnceLock::new(),
        }
    }

    /// Whether one more released or streamed text could keep its file open now (a
    /// hint: [`SourceFile::stream`] decides).
    pub fn may_hold_open() -> bool {
        OPEN_RELEASED.load(std::sync::atomic::Ordering::Relaxed) < MAX_OPEN_RELEASED
    }

    /// Gives a [`SourceFile::pending`] file its text.
    pub fn set_text(&self, text: String) {
        let text: Arc<str> = text.into();
        let _ = self.len.set(text.len());
        *self.text.lock().unwrap_or_else(PoisonError::into_inner) = Some(text);
    }

    /// Gives a [`SourceFile::pending`] file what [`SourceFile::release_text`] keeps of a
    /// text, gathered while `file` (open, `skip` bytes read before the text) was read a
    /// piece at a time: the file stays open to read back what is shown. `false` when the
    /// file no longer has the length read, when too many files are held open already, or
    /// when the file already has its text: the caller reads it whole instead.
    pub fn stream(&self, file: std::fs::File, skip: u64, streamed: StreamedText) -> bool {
        let Some(stamp) = stamp_of(&file) else {
            return false;
        };
        if stamp.0 != streamed.len as u64 + skip || self.len.get().is_some() || !hold_open() {
            return false;
        }
        let len = streamed.len;
        let (line_starts, released) = streamed.into_released(file, stamp, skip);
        let _ = self.len.set(len);
        let _ = self.line_starts.set(line_starts);
        let _ = self.released.set(released);
        true
    }

    /// The text (read back whole if it was released; empty if the file changed since).
    pub fn text(&self) -> Arc<str> {
        let mut slot = self.text.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(text) = &*slot {
            return Arc::clone(text);
        }
        let again: Arc<str> = self
            .released
            .get()
            .and_then(|r| r.read(0..self.len()))
            .map_or_else(|| Arc::from(""), Arc::from);
        *slot = Some(Arc::clone(&again));
        again
    }

    /// The text if it is in memory (`None` while released).
    pub fn held_text(&self) -> Option<Arc<str>> {
        self.text
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// `range` of the text: from memory when the text is held or the range lies in a span
    /// it kept, otherwise read back from the file. `None` outside the text or when the file
    /// changed.
    fn slice(&self, range: std::ops::Range<usize>) -> Option<String> {
        if let Some(text) = self.held_text() {
            return text.get(range).map(str::to_string);
        }
        let released = self.released.get()?;
        // The kept span that starts last at or before the range (they are sorted).
        let kept = &released.kept_spans;
        let i = kept.partition_point(|(at, _)| at.start as usize <= range.start);
        if let Some((at, text)) = i.checked_sub(1).and_then(|i| kept.get(i)) {
            if range.end <= at.end as usize {
                let from = range.start - at.start as usize;
                return text.get(from..from + range.len()).map(str::to_string);
            }
        }
        if range.start > range.end || range.end > self.len() {
            return None;
        }
        released.read(range)
    }

    /// The whole characters inside `range` of the text (a character cut by either end is
    /// left out), and where they start: for a window of a line that may cut one. Only
    /// `range` is read or copied, whatever the line's length.
    fn slice_within(&self, range: std::ops::Range<usize>) -> Option<(usize, String)> {
        if range.start > range.end || range.end > self.len() {
            return None;
        }
        if let Some(text) = self.held_text() {
            let (mut start, mut end) = (range.start, range.end);
            while start < end && !text.is_char_boundary(start) {
                start += 1;
            }
            while end > start && !text.is_char_boundary(end) {
                end -= 1;
            }
            return Some((start, text.get(start..end)?.to_string()));
        }
        let bytes = self.released.get()?.read_bytes(range.clone())?;
        let cut = bytes.iter().take_while(|b| !begins_character(b)).count();
        let whole = match std::str::from_utf8(&bytes[cut..]) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(&bytes[cut..cut + e.valid_up_to()]).ok()?,
        };
        Some((range.start + cut, whole.to_string()))
    }

    /// How many characters the bytes `start..end` of the text hold, reading (never
    /// copying) only them; `None` when a released text can no longer be read.
    fn chars_between(&self, start: usize, end: usize) -> Option<usize> {
        if let Some(text) = self.held_text() {
            let bytes = text.as_bytes();
            bytes.get(start..end)?;
            if end - start <= CHARACTER_CHECKPOINT {
                return Some(
                    bytes[start..end]
                        .iter()
                        .filter(|b| begins_character(b))
                        .count(),
                );
            }
            let checkpoints = self.character_checkpoints.get_or_init(|| {
                let mut before = 0u32;
                let mut out = Vec::with_capacity(bytes.len() / CHARACTER_CHECKPOINT + 1);
                for chunk in bytes.chunks(CHARACTER_CHECKPOINT) {
                    out.push(before);
                    before += chunk.iter().filter(|b| begins_character(b)).count() as u32;
                }
                out.push(before);
                out
            });
            let before = |offset: usize| {
                let at = offset / CHARACTER_CHECKPOINT;
                let from = at * CHARACTER_CHECKPOINT;
                checkpoints.get(at).copied().unwrap_or(0) as usize
                    + bytes[from..offset]
                        .iter()
                        .filter(|b| begins_character(b))
                        .count()
            };
            return Some(before(end) - before(start));
        }
        let bytes = self.released.get()?.read_bytes(start..end)?;
        Some(bytes.iter().filter(|b| begins_character(b)).count())
    }

    /// The text of `span` (see [`SourceFile::slice`]).
    pub fn text_at(&self, span: Span) -> Option<String> {
        self.slice(span.range())
    }

    /// For a released text: the lines kept in memory (1-based number and text without its
    /// newline, ascending). `None` for a text never released.
    pub fn kept_lines(&self) -> Option<&[(u32, Box<str>)]> {
        self.released.get().map(|r| r.kept.as_slice())
    }

    /// The text's length in bytes (without reading a released text again).
    pub fn len(&self) -> usize {
        self.len.get().copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the text from memory, keeping the lines `keep` chooses
    /// ([`SourceFile::kept_lines`]) and the text of `keep_spans` ([`SourceFile::text_at`]);
    /// what else is asked of it later is read back from `file`: the file opened again (by
    /// the reader that read it), checked here to hold this very text. Its line table is made
    /// now. For a large file that is parsed and whose text the rules read no more. Nothing
    /// is released when `file` does not hold the text.
    pub fn release_text(
        &self,
        file: std::fs::File,
        keep: impl Fn(&str) -> bool,
        keep_spans: &[Span],
    ) {
        let mut slot = self.text.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(text) = slot.as_ref() else {
            return;
        };
        if !hold_open() {
            return;
        }
        // What is kept is what a text read in pieces keeps: here, one piece.
        let mut kept = StreamedText::default();
        let Some((file, stamp, skip)) =
            holding(file, text).filter(|_| kept.piece(text, 0, keep, keep_spans))
        else {
            OPEN_RELEASED.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            return;
        };
        let (line_starts, released) = kept.into_released(file, stamp, skip);
        let _ = self.line_starts.set(line_starts);
        if self.released.set(released).is_ok() {
            *slot = None;
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| line_starts(&self.text()))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let starts = self.line_starts();
        let offset = offset.min(self.len() as u32);
        let line = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = starts[line] as usize;
        let bytes = offset as usize - start;
        let col = if self.released.get().is_some_and(|r| r.ascii) {
            bytes as u32 + 1
        } else {
            // Characters before the offset on its line, counted where they lie (a long line
            // is not copied for each finding on it); a text that can no longer be read
            // counts bytes.
            self.chars_between(start, offset as usize).unwrap_or(bytes) as u32 + 1
        };
        (line as u32 + 1, col)
    }

    /// The text of 1-based line `line`, without its newline.
    pub fn line_text(&self, line: u32) -> String {
        let starts = self.line_starts();
        let i = (line as usize).saturating_sub(1);
        if i >= starts.len() {
            return String::new();
        }
        if let Some(kept) = self.kept_lines() {
            if let Ok(k) = kept.binary_search_by_key(&line, |(n, _)| *n) {
                return kept[k].1.to_string();
            }
        }
        let s = starts[i] as usize;
        let e = starts.get(i + 1).map(|e| *e as usize).unwrap_or(self.len());
        self.slice(s..e)
            .unwrap_or_default()
            .trim_end_matches(['\n', '\r'])
            .to_string()
    }

    /// Byte offset where 1-based line `line` starts.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts()
            .get((line as usize).checked_sub(1)?)
            .copied()
    }
}

/// Where each line of `text` starts.
fn line_starts(text: &str) -> Vec<u32> {
    let mut v = vec![0u32];
    push_line_starts(text, 0, &mut v);
    // No spare capacity: a large file's table stays for the whole lint of its module.
    v.shrink_to_fit();
    v
}

/// The start of every line after the first of `text`, which is at `base` in its file.
fn push_line_starts(text: &str, base: usize, out: &mut Vec<u32>) {
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            out.push((base + i + 1) as u32);
        }
    }
}

impl SourceFile {
    /// The whole lines around `span` (`context` lines before and after), for showing a
    /// finding or an error without keeping the whole file; `None` when a released text
    /// can no longer be read as it was.
    pub fn snippet(&self, span: Span, context: u32) -> Option<Snippet> {
        let (first, _) = self.line_col(span.start);
        let (last, _) = self.line_col(span.end.max(span.start));
        let first = first.saturating_sub(context).max(1);
        let last = last.saturating_add(context);
        let start = self.line_start(first).unwrap_or(0) as usize;
        let end = self
            .line_start(last.saturating_add(1))
            .map_or(self.len(), |e| e as usize);
        let text: Arc<str> = self.slice(start..end)?.into();
        let relative = |offset: u32| (offset as usize).saturating_sub(start).min(text.len());
        Some(Snippet {
            span: Span::new(relative(span.start), relative(span.end.max(span.start))),
            text,
            first_line: first,
            span_column: None,
        })
    }
}

/// The most bytes of one line a finding's snippet holds ([`SourceFile::finding_snippet`]):
/// a window around the span, so that what a finding holds does not grow with the length of
/// its line (a plan that `terraform show -json` writes is one line). Longer than the
/// widest line the human reporter shows in a snippet, which prints a finding on a clipped
/// line without one, as it prints a finding on any long line.
pub const SNIPPET_LINE_WINDOW: usize = 512;

impl SourceFile {
    /// The lines around `span` (`context` lines before and after) for a finding, each line
    /// longer than [`SNIPPET_LINE_WINDOW`] clipped to a window of that many bytes around
    /// the span (or its start, for a line the span is not on), marked `…` where it is cut.
    /// Only the windows are read or copied. `None` when a released text can no longer be
    /// read as it was.
    pub fn finding_snippet(&self, span: Span, context: u32) -> Option<Snippet> {
        let (first_of_span, _) = self.line_col(span.start);
        let (last_of_span, _) = self.line_col(span.end.max(span.start));
        let first = first_of_span.saturating_sub(context).max(1);
        let last = last_of_span.saturating_add(context);
        let (span_start, span_end) = (span.start as usize, span.end.max(span.start) as usize);
        let mut text = String::new();
        let (mut start_in_text, mut end_in_text) = (None, None);
        let mut span_column = None;
        for line in first..=last {
            let Some(line_start) = self.line_start(line).map(|s| s as usize) else {
                break;
            };
            let next = self
                .line_start(line.saturating_add(1))
                .map_or(self.len(), |e| e as usize);
            if next - line_start <= SNIPPET_LINE_WINDOW {
                let whole = self.slice(line_start..next)?;
                for (offset, slot) in [
                    (span_start, &mut start_in_text),
                    (span_end, &mut end_in_text),
                ] {
                    if slot.is_none() && offset <= next && offset >= line_start {
                        *slot = Some(text.len() + (offset - line_start).min(whole.len()));
                    }
                }
                text.push_str(&whole);
                continue;
            }
            let anchor = if (line_start..next).contains(&span_start) {
                span_start
            } else if (line_start..next).contains(&span_end) {
                span_end
            } else {
                line_start
            };
            let from = anchor
                .saturating_sub(SNIPPET_LINE_WINDOW / 2)
                .max(line_start);
            let to = from.saturating_add(SNIPPET_LINE_WINDOW).min(next);
            let from = to.saturating_sub(SNIPPET_LINE_WINDOW).max(line_start);
            let (from, window) = self.slice_within(from..to)?;
            let to = from + window.len();
            if (line_start..next).contains(&span_start) {
                span_column = Some((span_start - line_start) as u32);
            }
            if from > line_start {
                text.push('…');
            }
            for (offset, slot) in [
                (span_start, &mut start_in_text),
                (span_end, &mut end_in_text),
            ] {
                if slot.is_none() && offset <= next && offset >= line_start {
                    *slot = Some(text.len() + offset.clamp(from, to) - from);
                }
            }
            let newline = window.ends_with('\n');
            text.push_str(window.trim_end_matches(['\n', '\r']));
            if to < next && !newline {
                text.push('…');
                text.push('\n');
            } else if newline {
                text.push('\n');
            }
        }
        let start_in_text = start_in_text.unwrap_or(0);
        let end_in_text = end_in_text.unwrap_or(start_in_text).max(start_in_text);
        Some(Snippet {
            span: Span::new(start_in_text, end_in_text),
            text: text.into(),
            first_line: first,
            span_column,
        })
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
    /// When the span's line is shown cut (a window of a long line, marked `…`): the bytes
    /// before the span on the whole line, the column a renderer shows for it (counted on
    /// `text`, it would be the column in the window). `None` when the line is whole.
    pub span_column: Option<u32>,
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
        // The span's own column, when its line is cut: where it is on the whole line.
        let column = self
            .span_column
            .filter(|_| context_lines_before == 0 && span.offset() == self.span.start as usize)
            .map(|c| c as usize);
        Ok(in_file(
            &*inner,
            None,
            self.first_line.saturating_sub(1) as usize,
            column,
        ))
    }
}

/// What a source read from part of a file (a snippet, the lines shown of it) gives the
/// renderer: `inner`, read from that part, placed in the file — `lines_before` lines
/// after the file's start, `column` instead of its own when the column on the whole line
/// is known — and named after the file when `name` is given.
pub(crate) fn in_file<'a>(
    inner: &dyn miette::SpanContents<'a>,
    name: Option<String>,
    lines_before: usize,
    column: Option<usize>,
) -> Box<dyn miette::SpanContents<'a> + 'a> {
    let (data, span, line, count) = (
        inner.data(),
        *inner.span(),
        inner.line() + lines_before,
        inner.line_count(),
    );
    let column = column.unwrap_or(inner.column());
    Box::new(match name {
        Some(name) => miette::MietteSpanContents::new_named(name, data, span, line, column, count),
        None => miette::MietteSpanContents::new(data, span, line, column, count),
    })
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
    /// The file an origin is written in, if it is one of these, and the origin's span.
    pub fn file_of(&self, origin: Origin) -> Option<(&Arc<SourceFile>, Span)> {
        let (id, span) = origin.file_span()?;
        Some((self.files.get(id.0 as usize)?, span))
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

/// Where a block, attribute, expression or value came from, in 8 bytes: every node of the
/// IR and every evaluated value holds one, and a module's IR is held whole while it is
/// linted. [`Origin::kind`] says what it is.
///
/// A file origin is packed whole (file, start, length) when the file id, the offset and
/// the length fit (fewer than 65,536 files in one load, offsets under 256 MiB, spans
/// under 256 KiB: nearly every origin); otherwise it is kept in a table for the life of
/// the process and the origin holds its index (each distinct one stored once). A Rust
/// origin holds the index of its interned location.
///
/// Origins never take part in IR equality: two configurations are equal when they say the
/// same thing, wherever they were written (this is what the generate → load round trip
/// checks).
#[derive(Clone, Copy, Default)]
pub struct Origin(u64);

/// What an [`Origin`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OriginKind {
    /// A byte span in a loaded file.
    File { file: FileId, span: Span },
    /// The Rust line of a typed construct ([`Origin::rust`] makes one).
    Rust(&'static RustLocation),
    /// Made by tfstack, with no place of its own (callers fall back to the enclosing origin).
    Generated,
}

/// The packing: two bits of tag, then for a packed file origin 16 bits of file id, 28 of
/// offset and 18 of length; for the others an index.
const TAG_SHIFT: u32 = 62;
const GENERATED: u64 = 0;
const RUST: u64 = 1;
const FILE: u64 = 2;
const WIDE_FILE: u64 = 3;
const FILE_BITS: u32 = 16;
const START_BITS: u32 = 28;
const LENGTH_BITS: u32 = 18;
const INDEX_MASK: u64 = (1 << TAG_SHIFT) - 1;

/// Values stored once for the life of the process, each known by its index: what an
/// origin that does not pack holds.
struct Interned<T> {
    all: Vec<T>,
    index: HashMap<T, u64>,
}

impl<T> Default for Interned<T> {
    fn default() -> Self {
        Interned {
            all: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T: Copy + Eq + std::hash::Hash> Interned<T> {
    /// The index of the value `key` names; `store` makes the value, once, when it is new.
    fn index_of<Q>(table: &RwLock<Self>, key: &Q, store: impl FnOnce() -> T) -> u64
    where
        T: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        let known = table
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .index
            .get(key)
            .copied();
        known.unwrap_or_else(|| {
            let mut table = table.write().unwrap_or_else(PoisonError::into_inner);
            if let Some(&i) = table.index.get(key) {
                return i;
            }
            let i = table.all.len() as u64;
            let value = store();
            table.all.push(value);
            table.index.insert(value, i);
            i
        })
    }

    /// The value at `index`.
    fn get(table: &RwLock<Self>, index: u64) -> Option<T> {
        table
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .all
            .get(usize::try_from(index).ok()?)
            .copied()
    }
}

/// File origins too wide to pack.
fn wide_origins() -> &'static RwLock<Interned<(FileId, Span)>> {
    static TABLE: OnceLock<RwLock<Interned<(FileId, Span)>>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

/// The Rust locations origins name.
fn rust_locations() -> &'static RwLock<Interned<&'static RustLocation>> {
    static TABLE: OnceLock<RwLock<Interned<&'static RustLocation>>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
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

impl fmt::Debug for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.kind(), f)
    }
}

impl Origin {
    /// Made by tfstack, with no place of its own.
    pub const GENERATED: Origin = Origin(GENERATED << TAG_SHIFT);

    #[track_caller]
    pub fn caller() -> Self {
        Origin::rust(RustLocation::caller())
    }
    /// The origin of a Rust line.
    pub fn rust(location: RustLocation) -> Self {
        Origin((RUST << TAG_SHIFT) | location.index())
    }
    /// A byte span in a loaded file.
    pub fn file(file: FileId, span: impl Into<Span>) -> Self {
        let span: Span = span.into();
        let (id, start) = (u64::from(file.0), u64::from(span.start));
        let length = u64::from(span.end.wrapping_sub(span.start));
        if span.end >= span.start
            && id < 1 << FILE_BITS
            && start < 1 << START_BITS
            && length < 1 << LENGTH_BITS
        {
            return Origin(
                (FILE << TAG_SHIFT)
                    | (id << (START_BITS + LENGTH_BITS))
                    | (start << LENGTH_BITS)
                    | length,
            );
        }
        let index = Interned::index_of(wide_origins(), &(file, span), || (file, span));
        Origin((WIDE_FILE << TAG_SHIFT) | (index & INDEX_MASK))
    }
    /// What this origin is.
    pub fn kind(self) -> OriginKind {
        let index = self.0 & INDEX_MASK;
        match self.0 >> TAG_SHIFT {
            FILE => OriginKind::File {
                file: FileId((index >> (START_BITS + LENGTH_BITS)) as u32),
                span: {
                    let start = ((index >> LENGTH_BITS) & ((1 << START_BITS) - 1)) as u32;
                    let length = (index & ((1 << LENGTH_BITS) - 1)) as u32;
                    Span {
                        start,
                        end: start + length,
                    }
                },
            },
            WIDE_FILE => Interned::get(wide_origins(), index).map_or(
                OriginKind::Generated,
                |(file, span)| OriginKind::File { file, span },
            ),
            RUST => Interned::get(rust_locations(), index)
                .map_or(OriginKind::Generated, OriginKind::Rust),
            _ => OriginKind::Generated,
        }
    }
    /// The file and span, for an origin in a loaded file.
    pub fn file_span(self) -> Option<(FileId, Span)> {
        match self.kind() {
            OriginKind::File { file, span } => Some((file, span)),
            _ => None,
        }
    }
    /// The Rust location, for the origin of a typed construct.
    pub fn rust_location(self) -> Option<&'static RustLocation> {
        match self.kind() {
            OriginKind::Rust(location) => Some(location),
            _ => None,
        }
    }
    pub fn is_generated(&self) -> bool {
        self.0 >> TAG_SHIFT == GENERATED
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

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# tfstack:ignore[X] kept\nresource \"a\" \"b\" {\n  policy = <<EOF\n{\"k\": \"v\"}\nEOF\n  name = \"ä\"\n}\n";

    /// A file on disk with `bytes`, and its source file read as the loader reads it.
    fn loaded(bytes: &[u8]) -> (tempfile::TempDir, SourceFile) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("main.tf");
        std::fs::write(&path, bytes).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        (dir, SourceFile::new(path, text))
    }

    #[test]
    fn origins_pack_and_unpack() {
        let cases = [
            (FileId(0), Span::new(0, 0)),
            (FileId(3), Span::new(17, 42)),
            // The largest packed: file, offset and length at their limits.
            (
                FileId(65_535),
                Span::new((1 << 28) - 1, (1 << 28) - 1 + (1 << 18) - 1),
            ),
            // Too wide to pack: a file id, an offset, a length past them; a reversed span.
            (FileId(65_536), Span::new(5, 6)),
            (FileId(1), Span::new(1 << 28, (1 << 28) + 1)),
            (FileId(1), Span::new(10, 10 + (1 << 18))),
            (FileId(2), Span::new(9, 3)),
            (
                FileId(u32::MAX),
                Span::new(u32::MAX as usize, u32::MAX as usize),
            ),
        ];
        for (file, span) in cases {
            let origin = Origin::file(file, span);
            assert_eq!(origin.kind(), OriginKind::File { file, span });
            assert_eq!(origin.file_span(), Some((file, span)));
            assert!(!origin.is_generated());
            // A wide origin is stored once.
            assert_eq!(Origin::file(file, span).0, origin.0);
        }
        let here = RustLocation::caller();
        let rust = Origin::rust(here);
        assert!(matches!(rust.kind(), OriginKind::Rust(l) if *l == here));
        assert_eq!(rust.rust_location(), Some(&here));
        assert_eq!(Origin::rust(here).0, rust.0);
        assert_eq!(Origin::GENERATED.kind(), OriginKind::Generated);
        assert_eq!(Origin::default().kind(), OriginKind::Generated);
        assert!(Origin::default().is_generated());
        assert_eq!(Origin::GENERATED.or(rust).kind(), rust.kind());
        assert_eq!(
            format!("{:?}", Origin::file(FileId(1), Span::new(2, 3))),
            "File { file: FileId(1), span: Span { start: 2, end: 3 } }"
        );
    }

    fn opened(f: &SourceFile) -> std::fs::File {
        std::fs::File::open(&f.path).expect("open")
    }

    fn everything(f: &SourceFile) -> Vec<String> {
        let mut out = Vec::new();
        for offset in 0..=TEXT.len() as u32 + 2 {
            let (line, column) = f.line_col(offset);
            let snippet = f.snippet(Span::new(offset as usize, offset as usize + 1), 1);
            out.push(format!(
                "{offset}: {line}:{column} {:?} {:?}",
                f.line_text(line),
                snippet
            ));
        }
        out
    }

    /// [`TEXT`] in a file, after a byte order mark or not, read as the loader reads it.
    fn on_disk(bom: bool) -> (tempfile::TempDir, SourceFile) {
        let mark: &[u8] = if bom { UTF8_BOM } else { b"" };
        loaded(&[mark, TEXT.as_bytes()].concat())
    }

    /// Where [`TEXT`]'s heredoc is.
    fn heredoc() -> Span {
        Span::new(TEXT.find("<<EOF").unwrap(), TEXT.find("\n}").unwrap())
    }

    /// `f`, whose text is not held, answers as the held text did (`before`): the kept
    /// comment line, the heredoc, and every line, column and snippet read back from the
    /// open file (characters counted on a line with a multi-byte one); still not held.
    fn answers_as_held(f: &SourceFile, before: &[String], bom: bool) {
        assert_eq!(
            f.kept_lines(),
            Some(&[(1, "# tfstack:ignore[X] kept".into())][..])
        );
        let heredoc = heredoc();
        assert_eq!(f.text_at(heredoc).as_deref(), TEXT.get(heredoc.range()));
        assert_eq!(everything(f), before, "bom {bom}");
        assert!(f.held_text().is_none());
        assert_eq!(&*f.text(), TEXT);
    }

    #[test]
    fn a_finding_snippet_of_a_released_long_line_is_the_held_ones_window() {
        // A long line of two-byte characters: windows cut inside characters at both ends.
        let line = format!("{}\"target\"{}", "é".repeat(10_001), "ü".repeat(10_001));
        let text = format!("first\n{line}\nlast\n");
        let (_dir, f) = loaded(text.as_bytes());
        let start = text.find("\"target\"").expect("in the text");
        let span = Span::new(start, start + 8);
        let held = f.finding_snippet(span, 2).expect("held");
        // Columns count characters, through the checkpoints of a held text.
        let end = (text.len() - "\nlast\n".len()) as u32;
        assert_eq!(f.line_col(span.start as u32), (2, 10_002));
        assert_eq!(f.line_col(end), (2, 10_001 + 8 + 10_001 + 1));
        f.release_text(opened(&f), |_| false, &[]);
        assert!(f.held_text().is_none(), "released");
        let released = f.finding_snippet(span, 2).expect("read back");
        assert_eq!(
            (&*released.text, released.span, released.first_line),
            (&*held.text, held.span, held.first_line)
        );
        assert_eq!(held.text.get(held.span.range()), Some("\"target\""));
        assert!(held.text.len() < 3 * SNIPPET_LINE_WINDOW);
        assert_eq!(f.line_col(span.start as u32), (2, 10_002));
        assert_eq!(f.line_col(end), (2, 10_001 + 8 + 10_001 + 1));
    }

    #[test]
    fn a_released_text_answers_as_the_held_one() {
        for bom in [false, true] {
            let (_dir, f) = on_disk(bom);
            let before = everything(&f);
            f.release_text(opened(&f), |l| l.contains("tfstack:ignore"), &[heredoc()]);
            assert!(f.held_text().is_none(), "released");
            answers_as_held(&f, &before, bom);
        }
    }

    /// A text read a piece at a time and never held answers as the held one: pieces cut
    /// at every line, the heredoc's text kept, with and without a byte order mark.
    #[test]
    fn a_streamed_text_answers_as_the_held_one() {
        for bom in [false, true] {
            let skip = if bom { UTF8_BOM.len() as u64 } else { 0 };
            let (_dir, held) = on_disk(bom);
            let before = everything(&held);
            let heredoc = heredoc();
            let mut streamed = StreamedText::default();
            let mut base = 0;
            for piece in TEXT.split_inclusive('\n') {
                let inside =
                    heredoc.start as usize >= base && heredoc.end as usize <= base + piece.len();
                let spans = if inside { vec![heredoc] } else { Vec::new() };
                assert!(streamed.piece(piece, base, |l| l.contains("tfstack:ignore"), &spans));
                base += piece.len();
            }
            // The heredoc spans lines: kept from one piece holding it all.
            let mut whole = StreamedText::default();
            assert!(whole.piece(TEXT, 0, |l| l.contains("tfstack:ignore"), &[heredoc]));
            assert!(
                !whole.piece("x", 3, |_| false, &[]),
                "a piece not where the last ended"
            );
            let f = SourceFile::pending(held.path.clone());
            assert_eq!(f.len(), 0);
            assert!(f.stream(opened(&f), skip, whole));
            answers_as_held(&f, &before, bom);
            // Line by line, the same lines kept and the same table.
            let g = SourceFile::pending(held.path.clone());
            assert!(g.stream(opened(&g), skip, streamed));
            assert_eq!(g.kept_lines(), f.kept_lines());
            assert_eq!(g.line_starts(), held.line_starts());
            // A file that is not the length read is not streamed: its text is read whole.
            let short = SourceFile::pending(held.path.clone());
            let mut one = StreamedText::default();
            assert!(one.piece("x\n", 0, |_| false, &[]));
            assert!(!short.stream(opened(&short), 0, one));
            short.set_text(TEXT.to_string());
            assert_eq!(everything(&short), before);
        }
    }

    #[test]
    fn kept_spans_are_found_among_many() {
        let (dir, f) = loaded(TEXT.as_bytes());
        let spans: Vec<Span> = [(40, 50), (0, 10), (12, 20), (14, 18), (60, 90)]
            .into_iter()
            .map(|(a, b)| Span::new(a, b))
            .collect();
        f.release_text(opened(&f), |_| false, &spans);
        // Changed on disk: only what was kept can be answered.
        std::fs::write(dir.path().join("main.tf"), "").expect("rewrite");
        for span in spans.iter().chain(&[Span::new(15, 17), Span::new(61, 89)]) {
            assert_eq!(
                f.text_at(*span).as_deref(),
                TEXT.get(span.range()),
                "{span:?}"
            );
        }
        assert_eq!(
            f.text_at(Span::new(18, 22)),
            None,
            "across the end of a kept span"
        );
    }

    #[test]
    fn at_most_so_many_files_are_held_open() {
        let files: Vec<(tempfile::TempDir, SourceFile)> = (0..MAX_OPEN_RELEASED + 12)
            .map(|_| loaded(TEXT.as_bytes()))
            .collect();
        for (_, f) in &files {
            f.release_text(opened(f), |_| false, &[]);
        }
        let released = files
            .iter()
            .filter(|(_, f)| f.held_text().is_none())
            .count();
        // Other tests of this process may hold a few at the same moment.
        assert!(released <= MAX_OPEN_RELEASED, "{released}");
        assert!(released + 8 >= MAX_OPEN_RELEASED, "{released}");
        // Every text answers, released or not.
        for (_, f) in &files {
            assert_eq!(f.line_text(2), "resource \"a\" \"b\" {");
        }
        drop(files);
        let (_dir, f) = loaded(TEXT.as_bytes());
        f.release_text(opened(&f), |_| false, &[]);
        assert!(f.held_text().is_none(), "descriptors are given back");
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_not_shown() {
        let (dir, f) = loaded(TEXT.as_bytes());
        f.release_text(opened(&f), |_| false, &[]);
        assert!(f.snippet(Span::new(30, 31), 0).is_some());
        std::fs::write(
            dir.path().join("main.tf"),
            TEXT.replace("resource", "RESOURCE"),
        )
        .expect("rewrite");
        // Same length, another modification time (set explicitly: a fast rewrite can keep
        // the old one on coarse clocks).
        let file = std::fs::File::options()
            .write(true)
            .open(dir.path().join("main.tf"))
            .expect("open");
        file.set_modified(std::time::SystemTime::UNIX_EPOCH)
            .expect("set mtime");
        assert_eq!(f.snippet(Span::new(30, 31), 0), None);
        assert_eq!(f.text_at(Span::new(30, 38)), None);
        assert_eq!(&*f.text(), "");
        // Lines stay known: they were counted when the text was released.
        assert_eq!(f.line_col(30).0, 2);
    }

    #[test]
    fn a_file_of_many_blocks_is_compared_to_its_last_byte() {
        let text = TEXT.repeat(4_000); // about 300 KB: several blocks of the comparison
        let (dir, f) = loaded(text.as_bytes());
        // The same size, one byte changed at the very end: not the text, not released.
        let mut changed = text.clone().into_bytes();
        *changed.last_mut().expect("not empty") = b' ';
        std::fs::write(dir.path().join("main.tf"), &changed).expect("rewrite");
        f.release_text(opened(&f), |_| false, &[]);
        assert_eq!(f.held_text().as_deref(), Some(text.as_str()));
        // Restored (with a byte order mark before it, which the loader strips): released,
        // and read back whole.
        let mut marked = UTF8_BOM.to_vec();
        marked.extend_from_slice(text.as_bytes());
        std::fs::write(dir.path().join("main.tf"), &marked).expect("restore");
        f.release_text(opened(&f), |_| false, &[]);
        assert_eq!(f.held_text(), None);
        assert_eq!(&*f.text(), text.as_str());
    }

    #[test]
    fn a_file_that_no_longer_holds_its_text_is_not_released() {
        let (dir, f) = loaded(TEXT.as_bytes());
        std::fs::write(dir.path().join("main.tf"), "other").expect("rewrite");
        f.release_text(opened(&f), |_| false, &[]);
        assert_eq!(f.held_text().as_deref(), Some(TEXT));
        // Grown (a sparse file of a gigabyte costs nothing to make): not read, not released.
        let grown = std::fs::File::options()
            .write(true)
            .open(dir.path().join("main.tf"))
            .expect("open");
        grown.set_len(1 << 30).expect("grow");
        f.release_text(opened(&f), |_| false, &[]);
        assert_eq!(f.held_text().as_deref(), Some(TEXT));
    }
}
