//! The layout half of `terraform fmt`: hclwrite's `formatIndent` and `formatCells`, as a
//! linear pass over text.
//!
//! `terraform fmt` runs three passes over the tokens of a file: `formatIndent` (leading
//! spaces from bracket nesting), `formatSpaces` (spacing between tokens of a line) and
//! `formatCells` (vertical alignment of `=` and of trailing comments). This module
//! reproduces the first and the last on text whose intra-line spacing is already what
//! `formatSpaces` produces (the HCL printer guarantees that for what it writes).
//!
//! How hclwrite sees the text, and so how this pass does:
//! - A *line* ends at a newline token. A heredoc's body and closing delimiter, and the inside
//!   of a multi-line `/* */` comment, belong to the line that opened them.
//! - Indentation: a line whose tokens open more brackets than they close (`{ [ ( ${ %{`
//!   against `} ] )`), counting only up to a heredoc opener, is indented at the current level
//!   and pushes one level, remembering how many brackets it opened; a line that closes more
//!   pops levels until the closed count is used up, and is indented at the level it reaches.
//!   Blank lines lose their whitespace.
//! - Alignment: a line is an *assignment* when it has a `=` token after its first token and
//!   the tokens from that `=` on are bracket-balanced (again counting only up to a heredoc
//!   opener). Consecutive assignment lines form a chain; each `=` is placed one space after
//!   the widest left-hand side of the chain (indentation included). Any other line — blank,
//!   comment-only, block header, `}`, the first line of a multi-line value — ends the chain.
//! - Trailing `#`/`//` comments on consecutive lines are aligned one space after the widest
//!   code of those lines, the same way.
//! - Widths are counted in extended grapheme clusters per token (`"é"` written as `e` plus a
//!   combining accent is 3 columns), as hclwrite does through go-textseg.

use icu_segmenter::GraphemeClusterSegmenter;

/// Aligns `=` (and trailing comments) exactly like `terraform fmt` does, leaving indentation
/// and everything else untouched.
///
/// The input is expected to be spaced the way `terraform fmt` spaces tokens; only the spaces
/// before an assignment's `=` and before a trailing comment are rewritten.
pub fn align_like_terraform_fmt(text: &str) -> String {
    layout(text, false)
}

/// Re-indents lines from their bracket nesting and aligns `=` (and trailing comments), like
/// `terraform fmt`'s `formatIndent` and `formatCells` passes.
pub fn indent_and_align_like_terraform_fmt(text: &str) -> String {
    layout(text, true)
}

/// One logical line, as hclwrite's `linesForFormat` splits them.
#[derive(Debug)]
struct Line {
    /// First byte of the line.
    start: usize,
    /// First byte of the first token (`end` when the line has none).
    first: usize,
    /// The terminating `\n` (or the end of the text).
    end: usize,
    blank: bool,
    /// Net bracket change as `formatIndent` counts it.
    net: i32,
    /// `(end of the left-hand side, offset of '=')` for an assignment line.
    assign: Option<(usize, usize)>,
    /// `(end of the code before the comment, offset of the comment)` for a trailing comment.
    comment: Option<(usize, usize)>,
    /// Indentation level (re-indent mode), then spaces before `=` and before the comment.
    level: u32,
    /// Columns of the left-hand side of an assignment, indentation included.
    lead_width: u32,
    pad_assign: u32,
    pad_comment: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    Equal,
    HeredocOpen,
    LineComment,
    Other,
}

impl Tok {
    fn delta(self) -> i32 {
        match self {
            Tok::Open => 1,
            Tok::Close => -1,
            _ => 0,
        }
    }
}

/// Accumulates the tokens of the line being scanned.
struct LineScan {
    start: usize,
    first: usize,
    ntok: u32,
    prev_end: usize,
    net_all: i32,
    opener_seen: bool,
    eq: Option<usize>,
    lead_end: usize,
    net_at_eq: i32,
    eq_counting: bool,
    net_eq: i32,
    comment: Option<(usize, usize)>,
}

impl LineScan {
    fn new(start: usize) -> Self {
        LineScan {
            start,
            first: start,
            ntok: 0,
            prev_end: start,
            net_all: 0,
            opener_seen: false,
            eq: None,
            lead_end: start,
            net_at_eq: 0,
            eq_counting: false,
            net_eq: 0,
            comment: None,
        }
    }

    fn token(&mut self, start: usize, end: usize, kind: Tok) {
        if self.ntok == 0 {
            self.first = start;
        }
        if kind == Tok::Equal && self.ntok > 0 && self.eq.is_none() {
            self.eq = Some(start);
            self.lead_end = self.prev_end;
            self.net_at_eq = self.net_all;
            self.eq_counting = true;
        }
        let d = kind.delta();
        if !self.opener_seen {
            self.net_all += d;
        }
        if self.eq_counting {
            self.net_eq += d;
        }
        if kind == Tok::HeredocOpen {
            self.opener_seen = true;
            self.eq_counting = false;
        }
        if kind == Tok::LineComment && self.ntok > 0 {
            self.comment = Some((self.prev_end, start));
        }
        self.prev_end = end;
        self.ntok += 1;
    }

    fn finish(self, end: usize) -> Line {
        let blank = self.ntok == 0;
        let assign = match self.eq {
            Some(eq) if self.net_eq == 0 => Some((self.lead_end, eq)),
            _ => None,
        };
        // formatIndent counts the lead cell and the assign cell separately, each up to a
        // heredoc opener; for an assignment the assign cell is balanced.
        let net = if assign.is_some() {
            self.net_at_eq
        } else {
            self.net_all
        };
        Line {
            start: self.start,
            first: if blank { end } else { self.first },
            end,
            blank,
            net,
            assign,
            comment: self.comment,
            level: 0,
            lead_width: 0,
            pad_assign: 0,
            pad_comment: 0,
        }
    }
}

enum Mode {
    /// `{` in code.
    Brace,
    /// `${` or `%{` inside a template.
    Interp,
    /// Inside `"…"`.
    Quoted,
    /// Inside a heredoc body; the delimiter is `text[delim.0..delim.1]`.
    Heredoc {
        delim: (usize, usize),
        at_line_start: bool,
    },
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c >= 0x80
}

/// `<<EOT\n` / `<<-EOT\n` at `i`: returns (delimiter range, offset after the newline).
fn heredoc_opener(b: &[u8], i: usize) -> Option<((usize, usize), usize)> {
    let mut j = i + 2;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    let ds = j;
    match b.get(j) {
        Some(&c) if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {}
        _ => return None,
    }
    while j < b.len() && is_word(b[j]) {
        j += 1;
    }
    let de = j;
    if b.get(j) == Some(&b'\r') {
        j += 1;
    }
    if b.get(j) == Some(&b'\n') {
        Some(((ds, de), j + 1))
    } else {
        None
    }
}

/// Splits `text` into hclwrite's logical lines.
fn scan(text: &str) -> Vec<Line> {
    let b = text.as_bytes();
    let n = b.len();
    let mut lines = Vec::with_capacity(n / 24 + 1);
    let mut stack: Vec<Mode> = Vec::new();
    let mut line = LineScan::new(0);
    let mut i = 0;
    while i < n {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match stack.last_mut() {
            Some(Mode::Quoted) => match c {
                b'\\' => i += 2,
                b'"' => {
                    line.token(i, i + 1, Tok::Other);
                    stack.pop();
                    i += 1;
                }
                // An unterminated string: let code mode end the line.
                b'\n' => {
                    stack.pop();
                }
                b'$' | b'%' if next == Some(c) && b.get(i + 2) == Some(&b'{') => i += 3,
                b'$' | b'%' if next == Some(b'{') => {
                    line.token(i, i + 2, Tok::Open);
                    stack.push(Mode::Interp);
                    i += 2;
                }
                _ => {
                    // A run of plain literal text is one token.
                    let s = i;
                    i += 1;
                    while i < n && !matches!(b[i], b'\\' | b'"' | b'\n' | b'$' | b'%') {
                        i += 1;
                    }
                    line.token(s, i, Tok::Other);
                }
            },
            Some(Mode::Heredoc {
                delim,
                at_line_start,
            }) => {
                if *at_line_start {
                    *at_line_start = false;
                    let mut j = i;
                    while j < n && (b[j] == b' ' || b[j] == b'\t') {
                        j += 1;
                    }
                    let d = &b[delim.0..delim.1];
                    let k = j + d.len();
                    if b[j..].starts_with(d)
                        && (k == n
                            || b[k] == b'\n'
                            || (b[k] == b'\r' && b.get(k + 1) == Some(&b'\n')))
                    {
                        line.token(j, k, Tok::Other);
                        stack.pop();
                        i = k;
                        continue;
                    }
                }
                match c {
                    b'\n' => {
                        if let Some(Mode::Heredoc { at_line_start, .. }) = stack.last_mut() {
                            *at_line_start = true;
                        }
                        i += 1;
                    }
                    b'$' | b'%' if next == Some(c) && b.get(i + 2) == Some(&b'{') => i += 3,
                    b'$' | b'%' if next == Some(b'{') => {
                        line.token(i, i + 2, Tok::Open);
                        stack.push(Mode::Interp);
                        i += 2;
                    }
                    _ => i += 1,
                }
            }
            _ => match c {
                b'\n' => {
                    lines.push(std::mem::replace(&mut line, LineScan::new(i + 1)).finish(i));
                    i += 1;
                }
                b' ' | b'\t' | b'\r' => i += 1,
                b'#' => i = line_comment(b, i, &mut line),
                b'/' if next == Some(b'/') => i = line_comment(b, i, &mut line),
                b'/' if next == Some(b'*') => {
                    let e = text[i + 2..].find("*/").map_or(n, |p| i + 2 + p + 2);
                    line.token(i, e, Tok::Other);
                    i = e;
                }
                b'"' => {
                    line.token(i, i + 1, Tok::Other);
                    stack.push(Mode::Quoted);
                    i += 1;
                }
                b'<' if next == Some(b'<') => {
                    if let Some((delim, after)) = heredoc_opener(b, i) {
                        line.token(i, delim.1, Tok::HeredocOpen);
                        stack.push(Mode::Heredoc {
                            delim,
                            at_line_start: true,
                        });
                        i = after;
                    } else {
                        line.token(i, i + 2, Tok::Other);
                        i += 2;
                    }
                }
                b'{' => {
                    line.token(i, i + 1, Tok::Open);
                    stack.push(Mode::Brace);
                    i += 1;
                }
                b'[' | b'(' => {
                    line.token(i, i + 1, Tok::Open);
                    i += 1;
                }
                b']' | b')' => {
                    line.token(i, i + 1, Tok::Close);
                    i += 1;
                }
                b'}' => {
                    line.token(i, i + 1, Tok::Close);
                    if matches!(stack.last(), Some(Mode::Brace | Mode::Interp)) {
                        stack.pop();
                    }
                    i += 1;
                }
                b'=' => {
                    if next == Some(b'=') || next == Some(b'>') {
                        line.token(i, i + 2, Tok::Other);
                        i += 2;
                    } else {
                        line.token(i, i + 1, Tok::Equal);
                        i += 1;
                    }
                }
                b'!' | b'<' | b'>' if next == Some(b'=') => {
                    line.token(i, i + 2, Tok::Other);
                    i += 2;
                }
                c if is_word(c) => {
                    let s = i;
                    while i < n && is_word(b[i]) {
                        i += 1;
                    }
                    line.token(s, i, Tok::Other);
                }
                _ => {
                    line.token(i, i + 1, Tok::Other);
                    i += 1;
                }
            },
        }
    }
    lines.push(line.finish(n));
    lines
}

fn line_comment(b: &[u8], i: usize, line: &mut LineScan) -> usize {
    let e = b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p);
    line.token(i, e, Tok::LineComment);
    e
}

/// Display width as hclwrite counts it: grapheme clusters, token by token.
fn columns(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    // Token boundaries matter only where a cluster could straddle one (a combining mark
    // right after a boundary): at the quotes of a quoted key, around `$` / `%` and the
    // escapes `$${` / `%%{` inside it (HCL's scanner makes them tokens of their own), and at
    // whitespace between tokens.
    let seg = GraphemeClusterSegmenter::new();
    let count = |r: &str| seg.segment_str(r).count().saturating_sub(1);
    let b = s.as_bytes();
    let mut total = 0;
    let mut run = 0;
    let mut in_quote = false;
    let mut i = 0;
    while i < b.len() {
        let tok = match b[i] {
            b'"' => {
                in_quote = !in_quote;
                1
            }
            b'\\' if in_quote => {
                // An escape stays inside the literal token.
                i += 1 + s[i + 1..].chars().next().map_or(0, char::len_utf8);
                continue;
            }
            c @ (b'$' | b'%') if in_quote => {
                if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') {
                    3
                } else {
                    1
                }
            }
            b' ' | b'\t' if !in_quote => 1,
            _ => {
                i += 1;
                continue;
            }
        };
        total += count(&s[run..i]) + tok;
        i += tok;
        run = i;
    }
    total + count(&s[run..])
}

fn layout(text: &str, reindent: bool) -> String {
    let mut lines = scan(text);

    // formatIndent
    let indent_width = |l: &Line| -> usize {
        if reindent {
            2 * l.level as usize
        } else {
            columns(&text[l.start..l.first])
        }
    };
    if reindent {
        let mut indents: Vec<i32> = Vec::with_capacity(16);
        for l in lines.iter_mut() {
            if l.blank {
                continue;
            }
            if l.net > 0 {
                l.level = indents.len() as u32;
                indents.push(l.net);
            } else {
                let mut closed = -l.net;
                while closed > 0 {
                    let Some(top) = indents.last_mut() else { break };
                    if closed > *top {
                        closed -= *top;
                        indents.pop();
                    } else if closed < *top {
                        *top -= closed;
                        closed = 0;
                    } else {
                        indents.pop();
                        closed = 0;
                    }
                }
                l.level = indents.len() as u32;
            }
        }
    }

    // formatCells: the `=` chain.
    let mut chain_start = None;
    let mut max = 0u32;
    for i in 0..=lines.len() {
        let lead = match lines.get_mut(i) {
            Some(l) => match l.assign {
                Some((lead_end, _)) => {
                    let w = indent_width(l) + columns(&text[l.first..lead_end]);
                    l.lead_width = u32::try_from(w).unwrap_or(u32::MAX - 1);
                    Some(l.lead_width)
                }
                None => None,
            },
            None => None,
        };
        match lead {
            Some(w) => {
                chain_start.get_or_insert(i);
                max = max.max(w);
            }
            None => {
                if let Some(s) = chain_start.take() {
                    for l in &mut lines[s..i] {
                        l.pad_assign = max - l.lead_width + 1;
                    }
                    max = 0;
                }
            }
        }
    }

    // formatCells: trailing comments.
    let code_width = |l: &Line| -> usize {
        let (code_end, _) = l.comment.unwrap_or((l.end, l.end));
        match l.assign {
            Some((_, eq)) => {
                l.lead_width as usize + l.pad_assign as usize + columns(&text[eq..code_end])
            }
            None => indent_width(l) + columns(&text[l.first..code_end]),
        }
    };
    let mut chain_start = None;
    let mut max = 0usize;
    for i in 0..=lines.len() {
        match lines.get(i).filter(|l| l.comment.is_some()) {
            Some(l) => {
                chain_start.get_or_insert(i);
                max = max.max(code_width(l));
            }
            None => {
                if let Some(s) = chain_start.take() {
                    for l in &mut lines[s..i] {
                        let w = code_width(l);
                        l.pad_comment = (max - w + 1) as u32;
                    }
                    max = 0;
                }
            }
        }
    }

    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for l in &lines {
        if l.blank {
            if !reindent {
                out.push_str(&text[l.start..l.end]);
            }
        } else {
            if reindent {
                push_spaces(&mut out, 2 * l.level as usize);
            } else {
                out.push_str(&text[l.start..l.first]);
            }
            let mut pos = l.first;
            if let Some((lead_end, eq)) = l.assign {
                out.push_str(&text[pos..lead_end]);
                push_spaces(&mut out, l.pad_assign as usize);
                pos = eq;
            }
            if let Some((code_end, comment)) = l.comment {
                out.push_str(&text[pos..code_end]);
                push_spaces(&mut out, l.pad_comment as usize);
                pos = comment;
            }
            out.push_str(&text[pos..l.end]);
        }
        if l.end < text.len() {
            out.push('\n');
        }
    }
    out
}

fn push_spaces(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grapheme_columns() {
        assert_eq!(columns("abc"), 3);
        assert_eq!(columns("\"é\""), 3);
        assert_eq!(columns("\"e\u{301}\""), 3);
        assert_eq!(columns("\"日本\""), 4);
        assert_eq!(columns("\"👩‍👩‍👧\""), 3);
        // Measured with terraform fmt: a literal token ends after `$` / `%`, not after `\`.
        assert_eq!(columns("\"$\u{301}\""), 4);
        assert_eq!(columns("\"%\u{301}\""), 4);
        assert_eq!(columns("\"$$\u{301}\""), 5);
        assert_eq!(columns("\"\\\\\u{301}\""), 4);
        assert_eq!(columns("\"\\n\u{301}\""), 4);
        assert_eq!(columns("\"{\u{301}\""), 3);
        assert_eq!(columns("\"\u{301}\""), 3);
        assert_eq!(columns("\"c%%{\u{200d}\""), 7);
    }

    #[test]
    fn lines_and_cells() {
        let ls = scan("a = 1\nbb = <<EOT\nx = 1\nEOT\nc = {\n}\n");
        assert_eq!(ls.len(), 5);
        assert!(ls[0].assign.is_some());
        assert!(ls[1].assign.is_some());
        assert!(ls[2].assign.is_none());
        assert_eq!(ls[2].net, 1);
        assert_eq!(ls[3].net, -1);
    }
}
