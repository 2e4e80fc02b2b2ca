//! What a person is shown of text read from input — a label, a quoted value, a file name,
//! a line of source: control characters written as escapes, so that nothing read can
//! start a line of a terminal or a CI log (where `::error …` at the start of a line is a
//! workflow command), move the cursor or reorder the text around it; and long text cut
//! to a bounded length.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` is shown as an escape: the C0 controls but tab, DEL, the C1 controls, the
/// line and paragraph separators (U+2028, U+2029) and the bidirectional embeddings,
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069).
pub fn is_escaped(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{8}'
            | '\u{a}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// Writes `c` as it is shown: `\n`, `\r`, or `\u{1b}` for the other escaped characters,
/// `c` itself otherwise.
pub fn push_shown(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if is_escaped(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// `text` with every character of [`is_escaped`] written as an escape (`\n`, `\r`,
/// `\u{1b}`); borrowed when there is none. Backslashes are kept as they are, so escaping
/// twice gives what escaping once gives.
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_shown(c, &mut out);
    }
    Cow::Owned(out)
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
pub fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` cut to `max` bytes (on a character boundary, followed by `…` when it was cut).
pub fn clipped(mut text: String, max: usize) -> String {
    if text.len() > max {
        let end = prefix(&text, max).len();
        text.truncate(end);
        text.push('…');
    }
    text
}

/// `text` cut to `max` bytes as [`clipped`] cuts it, then [`escaped`]: what a renderer
/// prints of text that holds input.
pub fn shown(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return escaped(text);
    }
    let mut out = escaped(prefix(text, max)).into_owned();
    out.push('…');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_separators_and_bidi_overrides_are_escaped_and_tabs_kept() {
        assert_eq!(
            escaped("plain `text`\tand ünïcode"),
            "plain `text`\tand ünïcode"
        );
        assert!(matches!(escaped("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escaped("a\n::error title=x::y\r\u{1b}[2J\u{7f}\u{85}"),
            "a\\n::error title=x::y\\r\\u{1b}[2J\\u{7f}\\u{85}"
        );
        assert_eq!(
            escaped("\u{2028}\u{2029}\u{202a}\u{202e}\u{2066}\u{2069}"),
            "\\u{2028}\\u{2029}\\u{202a}\\u{202e}\\u{2066}\\u{2069}"
        );
        let once = escaped("x\u{1}\\n").into_owned();
        assert_eq!(escaped(&once), once);
    }

    #[test]
    fn text_is_clipped_on_a_character_boundary() {
        assert_eq!(clipped("short".into(), 10), "short");
        assert_eq!(clipped("ää".into(), 3), "ä…");
        assert_eq!(prefix("ää", 3), "ä");
        assert_eq!(shown(&format!("{}\n", "x".repeat(20)), 4), "xxxx…");
        assert_eq!(shown("a\nb", 10), "a\\nb");
    }
}
