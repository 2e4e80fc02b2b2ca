//! A strict JSON parser (RFC 8259) that records where every value and key was written.
//!
//! The linter points its findings at the exact element of an IAM policy document, a
//! heredoc in a `.tf` file, a `.tf.json` file or a `terraform show -json` plan, so every
//! [`Value`] this parser returns has `OriginKind::File { file, span }`, the span being the
//! value's bytes (strings include their quotes, arrays and objects their brackets). Object
//! members also carry `key_origin`: the span of the key, quotes included.
//!
//! What it accepts is RFC 8259 and nothing more: no comments, no trailing commas, no
//! single quotes, no `NaN`; whitespace is space, tab, CR and LF only. Two choices the RFC
//! leaves open:
//! - duplicate keys: the last value wins (like `serde_json`); the member keeps the place of
//!   the first in the key order, and the spans (value and key) of the last;
//! - a byte order mark at the very start of the text is skipped (spans still count it).
//!
//! Numbers become `f64` (integers beyond 2^53 lose precision); a number too large for an
//! `f64` (`1e400`) is an error, as in `serde_json`. `\u` escapes must pair surrogates
//! correctly; a lone surrogate is an error.
//!
//! Arrays and objects may nest at most [`MAX_DEPTH`] deep. The parser itself is iterative
//! (its stack use does not depend on the input), but values are walked and dropped
//! recursively, so hostile input (`[[[[…`) must not make one arbitrarily deep. The parser
//! never panics, and takes time linear in the input.

use crate::origin::{FileId, Origin, Span};
use crate::value::{Value, ValueKind};
use indexmap::IndexMap;
use std::fmt;

/// The deepest nesting of arrays and objects [`parse`] accepts: `[[1]]` is 2 deep. Deeper
/// input is an error at the bracket that goes one level too far. Real policies and plans
/// stay far below this, and code that recurses over a value this deep (dropping it,
/// `to_json`, rules walking it) needs little stack (dropping one takes under 128 KB even
/// unoptimised).
pub const MAX_DEPTH: usize = 256;

/// Why a text is not JSON, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset of the problem in the file: the offset in the parsed text plus the
    /// `base_offset` given to [`parse`].
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for JsonError {}

/// Parses `text` as one JSON value.
///
/// Every value's origin is `OriginKind::File { file, span }`, with spans shifted right by
/// `base_offset` (for JSON embedded in a larger file, e.g. a heredoc: pass the offset of
/// the JSON's first byte in that file). Object members also get `key_origin`, the span of
/// the key including its quotes.
///
/// # Errors
///
/// A [`JsonError`] at the first byte that is not strict JSON (its offset shifted by
/// `base_offset` too), including nesting deeper than [`MAX_DEPTH`].
pub fn parse(text: &str, file: FileId, base_offset: usize) -> Result<Value, JsonError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        file,
        base: base_offset,
        members: Vec::new(),
    };
    if p.bytes.starts_with("\u{feff}".as_bytes()) {
        p.pos = 3;
    }
    let value = p.document()?;
    if p.pos < p.bytes.len() {
        return Err(p.error_at(p.pos, "trailing characters after the JSON value"));
    }
    Ok(value)
}

/// Bytes that end the fast scan of a string's contents: `"`, `\` and control characters.
// Constant indices below 256 into a 256-entry table, computed at compile time.
#[allow(clippy::indexing_slicing)]
static STRING_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = true;
        i += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// The first position from `pos` that holds `"`, `\` or a control character (or the end).
/// Looks at eight bytes at a time while none of them is one.
fn skip_plain_string_bytes(bytes: &[u8], mut pos: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    /// High bit set in (at least) the lowest byte of `w` that is zero, if there is one.
    fn zero_byte(w: u64) -> u64 {
        w.wrapping_sub(ONES) & !w & HIGHS
    }
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(chunk);
        let quote = zero_byte(w ^ (ONES * u64::from(b'"')));
        let backslash = zero_byte(w ^ (ONES * u64::from(b'\\')));
        let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
        if quote | backslash | control != 0 {
            break;
        }
        pos += 8;
    }
    while let Some(&b) = bytes.get(pos) {
        if STRING_STOP.get(usize::from(b)).copied().unwrap_or(true) {
            break;
        }
        pos += 1;
    }
    pos
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Always at a char boundary of `text` between tokens.
    pos: usize,
    file: FileId,
    base: usize,
    /// Members of the objects being parsed, innermost last: each object takes its own off
    /// the top when it closes, into a map of exactly the right size (growing maps member
    /// by member costs more than parsing). Arrays grow their own `Vec`: most are short, and
    /// a long one grows in place, where a second copy would cost more.
    members: Vec<(String, Value)>,
}

/// An array or object that is open: its elements so far are parsed, the next is not.
enum Open {
    Array {
        start: usize,
        items: Vec<Value>,
    },
    Object {
        start: usize,
        /// Where this object's members start in `Parser::members`.
        mark: usize,
        /// The key of the member whose value comes next.
        key: String,
        key_origin: Origin,
    },
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn origin(&self, start: usize, end: usize) -> Origin {
        Origin::file(
            self.file,
            Span::new(
                self.base.saturating_add(start),
                self.base.saturating_add(end),
            ),
        )
    }

    fn error_at(&self, offset: usize, message: &str) -> JsonError {
        JsonError {
            offset: self.base.saturating_add(offset),
            message: message.to_owned(),
        }
    }

    fn eof(&self) -> JsonError {
        self.error_at(self.bytes.len(), "unexpected end of input")
    }

    /// `text[start..end]`, or an error instead of a panic should the range ever not fall
    /// on char boundaries (it always does: the parser only stops at ASCII bytes).
    fn slice(&self, start: usize, end: usize) -> Result<&'a str, JsonError> {
        self.text
            .get(start..end)
            .ok_or_else(|| self.error_at(start, "internal error: span off a char boundary"))
    }

    /// One value and the whitespace after it.
    ///
    /// Iterative rather than recursive, so that the parser's own stack use does not grow
    /// with nesting: `open` holds the arrays and objects around the current position.
    /// (The depth limit still matters for whoever walks or drops the value recursively.)
    fn document(&mut self) -> Result<Value, JsonError> {
        let mut open: Vec<Open> = Vec::new();
        'value: loop {
            // The start of a value: a whole scalar, or the opening of an array or object.
            self.skip_ws();
            let start = self.pos;
            let kind = match self.peek() {
                None => return Err(self.eof()),
                Some(b'[') => {
                    self.enter(open.len())?;
                    if self.peek() != Some(b']') {
                        let items = Vec::new();
                        open.push(Open::Array { start, items });
                        continue 'value;
                    }
                    self.pos += 1;
                    ValueKind::List(thin_vec::ThinVec::new())
                }
                Some(b'{') => {
                    self.enter(open.len())?;
                    if self.peek() != Some(b'}') {
                        let (key, key_origin) = self.key()?;
                        let mark = self.members.len();
                        open.push(Open::Object {
                            start,
                            mark,
                            key,
                            key_origin,
                        });
                        continue 'value;
                    }
                    self.pos += 1;
                    ValueKind::object(IndexMap::new())
                }
                Some(b'"') => ValueKind::String(self.string()?.into()),
                Some(b't') => {
                    self.literal(b"true", "invalid literal (expected `true`)")?;
                    ValueKind::Bool(true)
                }
                Some(b'f') => {
                    self.literal(b"false", "invalid literal (expected `false`)")?;
                    ValueKind::Bool(false)
                }
                Some(b'n') => {
                    self.literal(b"null", "invalid literal (expected `null`)")?;
                    ValueKind::Null
                }
                Some(b'-' | b'0'..=b'9') => ValueKind::Number(self.number()?),
                Some(_) => return Err(self.error_at(start, "expected a JSON value")),
            };
            let mut value = Value::new(kind, self.origin(start, self.pos));
            // A value is complete: add it to the innermost open array or object, and close
            // those that end after it, until one goes on (or the document ends).
            loop {
                self.skip_ws();
                match open.last_mut() {
                    None => return Ok(value),
                    Some(Open::Array { start, items }) => {
                        items.push(value);
                        match self.peek() {
                            Some(b',') => {
                                self.comma(b']', "trailing comma in array")?;
                                continue 'value;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                let kind = ValueKind::List(std::mem::take(items).into());
                                value = Value::new(kind, self.origin(*start, self.pos));
                                open.pop();
                            }
                            None => return Err(self.eof()),
                            Some(_) => {
                                let message = "expected ',' or ']' after array element";
                                return Err(self.error_at(self.pos, message));
                            }
                        }
                    }
                    Some(Open::Object {
                        start,
                        mark,
                        key,
                        key_origin,
                    }) => {
                        value.key_origin = *key_origin;
                        self.members.push((std::mem::take(key), value));
                        match self.peek() {
                            Some(b',') => {
                                self.comma(b'}', "trailing comma in object")?;
                                (*key, *key_origin) = self.key()?;
                                continue 'value;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                let members = self.members.drain(*mark..);
                                let mut map = IndexMap::with_capacity(members.len());
                                for (key, value) in members {
                                    // A duplicate replaces the value (and so both spans) in
                                    // the first one's place.
                                    map.insert(key, value);
                                }
                                let kind = ValueKind::object(map);
                                value = Value::new(kind, self.origin(*start, self.pos));
                                open.pop();
                            }
                            None => return Err(self.eof()),
                            Some(_) => {
                                let message = "expected ',' or '}' after object member";
                                return Err(self.error_at(self.pos, message));
                            }
                        }
                    }
                }
            }
        }
    }

    fn literal(&mut self, word: &[u8], message: &str) -> Result<(), JsonError> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        if rest.starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else if word.starts_with(rest) {
            Err(self.eof())
        } else {
            Err(self.error_at(self.pos, message))
        }
    }

    /// Steps into the array or object opening at `self.pos`, inside `depth` others, and
    /// over the whitespace after its bracket.
    fn enter(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth >= MAX_DEPTH {
            return Err(JsonError {
                offset: self.base.saturating_add(self.pos),
                message: format!("nesting too deep (more than {MAX_DEPTH} levels)"),
            });
        }
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    /// Steps over the comma at `self.pos` and the whitespace after it; the value that
    /// follows must not be missing (`close` is the bracket that would end the container).
    fn comma(&mut self, close: u8, message: &str) -> Result<(), JsonError> {
        let comma = self.pos;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            return Err(self.error_at(comma, message));
        }
        Ok(())
    }

    /// An object key at `self.pos` (whitespace skipped) and the `:` after it.
    fn key(&mut self) -> Result<(String, Origin), JsonError> {
        match self.peek() {
            Some(b'"') => {}
            None => return Err(self.eof()),
            Some(_) => return Err(self.error_at(self.pos, "expected a string key")),
        }
        let start = self.pos;
        let key = self.string()?;
        let origin = self.origin(start, self.pos);
        self.skip_ws();
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                Ok((key, origin))
            }
            None => Err(self.eof()),
            Some(_) => Err(self.error_at(self.pos, "expected ':' after object key")),
        }
    }

    /// A string at `self.pos` (its opening quote); leaves `self.pos` after the closing one.
    fn string(&mut self) -> Result<String, JsonError> {
        let open = self.pos;
        self.pos += 1;
        // Text without escapes is copied in one piece; `out` is only used once an escape
        // has been seen.
        let mut out = String::new();
        let mut chunk_start = self.pos;
        loop {
            self.pos = skip_plain_string_bytes(self.bytes, self.pos);
            match self.peek() {
                Some(b'"') => {
                    let chunk = self.slice(chunk_start, self.pos)?;
                    self.pos += 1;
                    if out.is_empty() {
                        return Ok(chunk.to_owned());
                    }
                    out.push_str(chunk);
                    return Ok(out);
                }
                Some(b'\\') => {
                    let chunk = self.slice(chunk_start, self.pos)?;
                    if out.capacity() == 0 {
                        out.reserve(chunk.len() + 16);
                    }
                    out.push_str(chunk);
                    self.escape(open, &mut out)?;
                    chunk_start = self.pos;
                }
                Some(_) => {
                    return Err(self.error_at(self.pos, "unescaped control character in string"))
                }
                None => return Err(self.error_at(open, "unterminated string")),
            }
        }
    }

    /// The escape at `self.pos` (its backslash), appended to `out`.
    fn escape(&mut self, open: usize, out: &mut String) -> Result<(), JsonError> {
        let backslash = self.pos;
        let c = match self.bytes.get(backslash + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(open, out),
            Some(_) => return Err(self.error_at(backslash, "invalid escape")),
            None => return Err(self.error_at(open, "unterminated string")),
        };
        out.push(c);
        self.pos += 2;
        Ok(())
    }

    /// A `\uXXXX` escape at `self.pos`, or two of them for a surrogate pair.
    fn unicode_escape(&mut self, open: usize, out: &mut String) -> Result<(), JsonError> {
        let backslash = self.pos;
        let high = self.hex4(open, backslash + 2)?;
        self.pos = backslash + 6;
        let code = match high {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(self.error_at(backslash, "unpaired surrogate in \\u escape"));
                }
                let low = self.hex4(open, self.pos + 2)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.error_at(backslash, "unpaired surrogate in \\u escape"));
                }
                self.pos += 6;
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(self.error_at(backslash, "unpaired surrogate in \\u escape"))
            }
            _ => high,
        };
        match char::from_u32(code) {
            Some(c) => {
                out.push(c);
                Ok(())
            }
            None => Err(self.error_at(backslash, "invalid \\u escape")),
        }
    }

    /// The four hex digits at `at` (just after a `\u`).
    fn hex4(&self, open: usize, at: usize) -> Result<u32, JsonError> {
        let mut code = 0;
        for i in at..at + 4 {
            let digit = match self.bytes.get(i) {
                Some(&b) => (b as char).to_digit(16),
                None => return Err(self.error_at(open, "unterminated string")),
            };
            match digit {
                Some(d) => code = code * 16 + d,
                None => {
                    return Err(self.error_at(at - 2, "invalid \\u escape (expected 4 hex digits)"))
                }
            }
        }
        Ok(code)
    }

    /// Digits from `self.pos`; returns how many, and their value while it fits.
    fn digits(&mut self) -> (usize, u64) {
        let start = self.pos;
        let mut n: u64 = 0;
        while let Some(&b) = self.bytes.get(self.pos) {
            if !b.is_ascii_digit() {
                break;
            }
            n = n.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            self.pos += 1;
        }
        (self.pos - start, n)
    }

    /// A number at `self.pos` (a `-` or a digit).
    fn number(&mut self) -> Result<f64, JsonError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        let (int_digits, int_value) = self.digits();
        match int_digits {
            0 if self.pos >= self.bytes.len() => return Err(self.eof()),
            0 => return Err(self.error_at(self.pos, "invalid number (expected a digit)")),
            1 => {}
            _ if self.bytes.get(int_start) == Some(&b'0') => {
                return Err(self.error_at(int_start, "invalid number (leading zero)"))
            }
            _ => {}
        }
        let mut simple = true;
        if self.peek() == Some(b'.') {
            simple = false;
            self.pos += 1;
            self.required_digits("invalid number (expected a digit after '.')")?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            simple = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.required_digits("invalid number (expected a digit in the exponent)")?;
        }
        // Up to 15 digits are exact in an f64 (and in the u64 accumulator).
        if simple && int_digits <= 15 {
            let n = int_value as f64;
            return Ok(if negative { -n } else { n });
        }
        let n: f64 = self
            .slice(start, self.pos)?
            .parse()
            .map_err(|_| self.error_at(start, "invalid number"))?;
        if n.is_finite() {
            Ok(n)
        } else {
            Err(self.error_at(start, "number out of range"))
        }
    }

    fn required_digits(&mut self, message: &str) -> Result<(), JsonError> {
        if self.digits().0 > 0 {
            Ok(())
        } else if self.pos >= self.bytes.len() {
            Err(self.eof())
        } else {
            Err(self.error_at(self.pos, message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FILE: FileId = FileId(7);

    fn ok(text: &str) -> Value {
        match parse(text, FILE, 0) {
            Ok(v) => v,
            Err(e) => panic!("{text:?} should parse: {e}"),
        }
    }

    fn err(text: &str) -> JsonError {
        match parse(text, FILE, 0) {
            Ok(v) => panic!("{text:?} should not parse, got {:?}", v.to_json()),
            Err(e) => e,
        }
    }

    fn span(origin: Origin) -> Span {
        match origin.kind() {
            crate::origin::OriginKind::File { file, span } => {
                assert_eq!(file, FILE);
                span
            }
            other => panic!("not a file origin: {other:?}"),
        }
    }

    /// The text an origin points at.
    fn at(text: &str, origin: Origin) -> &str {
        &text[span(origin).range()]
    }

    fn member<'v>(v: &'v Value, key: &str) -> &'v Value {
        v.get(key).unwrap_or_else(|| panic!("no member {key:?}"))
    }

    fn keys(v: &Value) -> Vec<&str> {
        let members = v.as_object().unwrap_or_else(|| panic!("not an object"));
        members.keys().map(String::as_str).collect()
    }

    fn item(v: &Value, i: usize) -> &Value {
        &v.as_list().unwrap_or_else(|| panic!("not a list"))[i]
    }

    const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Write",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": "arn:aws:s3:::bucket/*",
      "Condition": {"Bool": {"aws:SecureTransport": false}, "NumericLessThan": {"s3:max-keys": 10.5}},
      "Principal": null
    }
  ]
}"#;

    #[test]
    fn spans_of_nested_values_and_keys() {
        let v = ok(POLICY);
        assert_eq!(at(POLICY, v.origin), POLICY);
        assert!(v.key_origin.is_generated());
        let statement = member(&v, "Statement");
        assert!(at(POLICY, statement.origin).starts_with('['));
        assert!(at(POLICY, statement.origin).ends_with(']'));
        assert_eq!(at(POLICY, statement.key_origin), "\"Statement\"");
        let s0 = item(statement, 0);
        assert!(s0.key_origin.is_generated());
        let action = member(s0, "Action");
        assert_eq!(
            at(POLICY, action.origin),
            r#"["s3:GetObject", "s3:PutObject"]"#
        );
        assert_eq!(at(POLICY, action.key_origin), r#""Action""#);
        let put = item(action, 1);
        assert_eq!(put.as_str(), Some("s3:PutObject"));
        assert_eq!(at(POLICY, put.origin), r#""s3:PutObject""#);
        let start = POLICY.find(r#""s3:PutObject""#).unwrap_or_default();
        assert_eq!(span(put.origin), Span::new(start, start + 14));
        assert!(put.key_origin.is_generated());

        let condition = member(s0, "Condition");
        let secure = member(member(condition, "Bool"), "aws:SecureTransport");
        assert_eq!(secure.as_bool(), Some(false));
        assert_eq!(at(POLICY, secure.origin), "false");
        assert_eq!(at(POLICY, secure.key_origin), r#""aws:SecureTransport""#);
        let max = member(member(condition, "NumericLessThan"), "s3:max-keys");
        assert_eq!(max.as_f64(), Some(10.5));
        assert_eq!(at(POLICY, max.origin), "10.5");
        let principal = member(s0, "Principal");
        assert!(principal.is_null());
        assert_eq!(at(POLICY, principal.origin), "null");
        assert_eq!(at(POLICY, principal.key_origin), r#""Principal""#);
        assert_eq!(
            v.to_json(),
            serde_json::from_str::<serde_json::Value>(POLICY).unwrap_or_default()
        );
    }

    #[test]
    fn keys_keep_their_written_order() {
        let v = ok(r#"{"b": 1, "a": 2, "c": {"z": 0, "y": 1}}"#);
        assert_eq!(keys(&v), ["b", "a", "c"]);
        assert_eq!(keys(member(&v, "c")), ["z", "y"]);
    }

    #[test]
    fn base_offset_shifts_spans_and_errors() {
        let file =
            format!("resource \"aws_iam_policy\" \"p\" {{\n  policy = <<EOF\n{POLICY}\nEOF\n}}\n");
        let base = file.find("{\n  \"Version\"").unwrap_or_default();
        let json = &file[base..base + POLICY.len()];
        let v = parse(json, FILE, base).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(at(&file, v.origin), POLICY);
        let action = member(item(member(&v, "Statement"), 0), "Action");
        assert_eq!(at(&file, item(action, 1).origin), r#""s3:PutObject""#);
        assert_eq!(at(&file, action.key_origin), r#""Action""#);

        let e = parse("[1, 2 3]", FILE, 1000).err();
        assert_eq!(
            e,
            Some(JsonError {
                offset: 1006,
                message: "expected ',' or ']' after array element".into()
            })
        );
    }

    #[test]
    fn scalars_and_their_spans() {
        for (text, json) in [
            ("0", serde_json::json!(0)),
            ("-0", serde_json::json!(0)),
            ("  42 ", serde_json::json!(42)),
            ("-17", serde_json::json!(-17)),
            ("1.5e3", serde_json::json!(1500)),
            ("1E-2", serde_json::json!(0.01)),
            ("2.5E+1", serde_json::json!(25)),
            ("-0.125", serde_json::json!(-0.125)),
            ("123456789012345", serde_json::json!(123456789012345_i64)),
            ("1234567890123456", serde_json::json!(1234567890123456_i64)),
            ("1e-400", serde_json::json!(0)),
            ("true", serde_json::json!(true)),
            ("false", serde_json::json!(false)),
            ("null", serde_json::json!(null)),
            ("\"\"", serde_json::json!("")),
            ("[]", serde_json::json!([])),
            ("{}", serde_json::json!({})),
            (" [ ] ", serde_json::json!([])),
            ("\t{\r\n}\n", serde_json::json!({})),
        ] {
            let v = ok(text);
            assert_eq!(v.to_json(), json, "{text:?}");
            assert_eq!(at(text, v.origin), text.trim(), "{text:?}");
        }
        // Integers beyond 2^53 are kept approximately.
        let big = ok("12345678901234567890").as_f64().unwrap_or_default();
        assert_eq!(big, 12345678901234567890.0);
        let big = ok("-98765432109876543210987654321")
            .as_f64()
            .unwrap_or_default();
        assert_eq!(big, -98765432109876543210987654321.0);
    }

    #[test]
    fn escapes() {
        let v = ok(r#""a\"b\\c\/d\be\ff\ng\rh\ti\u0041\u00e9\u65e5\ud83d\ude00\u0000""#);
        assert_eq!(
            v.as_str(),
            Some("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti\u{41}é日😀\u{0}")
        );
        assert_eq!(ok(r#""\uD83D\uDE00""#).as_str(), Some("😀"));
        assert_eq!(ok(r#""\uffff""#).as_str(), Some("\u{ffff}"));
        assert_eq!(ok(r#""x\n""#).as_str(), Some("x\n"));
        assert_eq!(ok(r#""\n""#).as_str(), Some("\n"));
    }

    #[test]
    fn string_scan_stops_at_every_position() {
        for len in 0..40 {
            let prefix: String = "a\u{e9}\u{1F600}bcdefgh"
                .chars()
                .cycle()
                .take(len)
                .collect();
            let text = format!("\"{prefix}\"");
            assert_eq!(ok(&text).as_str(), Some(prefix.as_str()));
            assert_eq!(span(ok(&text).origin).len(), text.len());
            let text = format!("\"{prefix}\\n{prefix}\\\"\"");
            let expected = format!("{prefix}\n{prefix}\"");
            assert_eq!(ok(&text).as_str(), Some(expected.as_str()));
            for c in ['\0', '\n', '\u{1f}'] {
                let e = err(&format!("\"{prefix}{c}{prefix}\""));
                let expected = ("unescaped control character in string", 1 + prefix.len());
                assert_eq!((e.message.as_str(), e.offset), expected);
            }
            // The bytes next to the ones that stop the scan do not.
            let plain = format!("{prefix} !#[]\u{7f}\u{80}\u{a2}\u{dc}{prefix}");
            assert_eq!(ok(&format!("\"{plain}\"")).as_str(), Some(plain.as_str()));
            assert_eq!(err(&format!("\"{prefix}")).message, "unterminated string");
        }
    }

    #[test]
    fn unicode_spans_are_byte_offsets() {
        let text = r#"{"clé": "日本語", "k": ["😀", "\u00e9"], "z": 1}"#;
        let v = ok(text);
        let cle = member(&v, "clé");
        assert_eq!(cle.as_str(), Some("日本語"));
        assert_eq!(span(cle.key_origin), Span::new(1, 7));
        assert_eq!(span(cle.origin), Span::new(9, 20));
        let k = member(&v, "k");
        assert_eq!(at(text, item(k, 0).origin), "\"😀\"");
        assert_eq!(span(item(k, 0).origin).len(), 6);
        assert_eq!(at(text, item(k, 1).origin), r#""\u00e9""#);
        assert_eq!(item(k, 1).as_str(), Some("é"));
        assert_eq!(at(text, member(&v, "z").origin), "1");
        // A byte order mark is skipped, and counted.
        let v = ok("\u{feff}[\"é\"]");
        assert_eq!(span(v.origin), Span::new(3, 9));
        assert_eq!(span(item(&v, 0).origin), Span::new(4, 8));
    }

    #[test]
    fn duplicate_keys_last_wins_with_its_spans() {
        let text = r#"{"a": 1, "b": 2, "a": [3]}"#;
        let v = ok(text);
        assert_eq!(v.to_json(), serde_json::json!({"a": [3], "b": 2}));
        assert_eq!(keys(&v), ["a", "b"]);
        let a = member(&v, "a");
        assert_eq!(span(a.origin), Span::new(22, 25));
        assert_eq!(span(a.key_origin), Span::new(17, 20));
    }

    #[test]
    fn every_error_kind() {
        let eoi = "unexpected end of input";
        for (text, message, offset) in [
            ("", eoi, 0),
            ("   \n", eoi, 4),
            ("[", eoi, 1),
            ("[1,", eoi, 3),
            ("[1", eoi, 2),
            ("{", eoi, 1),
            ("{\"a\"", eoi, 4),
            ("{\"a\":", eoi, 5),
            ("{\"a\":1", eoi, 6),
            ("{\"a\":1,", eoi, 7),
            ("tr", eoi, 2),
            ("nul", eoi, 3),
            ("-", eoi, 1),
            ("1.", eoi, 2),
            ("1e", eoi, 2),
            ("1e+", eoi, 3),
            ("\"abc", "unterminated string", 0),
            ("[\"a\", \"bc]", "unterminated string", 6),
            ("\"ab\\", "unterminated string", 0),
            ("\"\\u12", "unterminated string", 0),
            ("\"a\nb\"", "unescaped control character in string", 2),
            ("\"a\tb\"", "unescaped control character in string", 2),
            ("\"\u{1f}\"", "unescaped control character in string", 1),
            ("\"a\\xb\"", "invalid escape", 2),
            ("\"\\'\"", "invalid escape", 1),
            ("\"\\é\"", "invalid escape", 1),
            (
                "\"\\u12G4\"",
                "invalid \\u escape (expected 4 hex digits)",
                1,
            ),
            (
                "\"a\\u+123\"",
                "invalid \\u escape (expected 4 hex digits)",
                2,
            ),
            ("\"\\ud83d\"", "unpaired surrogate in \\u escape", 1),
            ("\"\\ud83dx\"", "unpaired surrogate in \\u escape", 1),
            ("\"\\ud83d\\n\"", "unpaired surrogate in \\u escape", 1),
            ("\"\\ud83d\\u0041\"", "unpaired surrogate in \\u escape", 1),
            ("\"\\ud83d\\ud83d\"", "unpaired surrogate in \\u escape", 1),
            ("\"x\\ude00\"", "unpaired surrogate in \\u escape", 2),
            (
                "\"\\ud83d\\u12\"",
                "invalid \\u escape (expected 4 hex digits)",
                7,
            ),
            ("[1 2]", "expected ',' or ']' after array element", 3),
            ("[1:2]", "expected ',' or ']' after array element", 2),
            ("[1,]", "trailing comma in array", 2),
            ("[1, ]", "trailing comma in array", 2),
            ("[,1]", "expected a JSON value", 1),
            (
                "{\"a\":1 \"b\":2}",
                "expected ',' or '}' after object member",
                7,
            ),
            ("{\"a\":1]", "expected ',' or '}' after object member", 6),
            ("{\"a\":1,}", "trailing comma in object", 6),
            ("{\"a\" 1}", "expected ':' after object key", 5),
            ("{a:1}", "expected a string key", 1),
            ("{'a':1}", "expected a string key", 1),
            ("{1:1}", "expected a string key", 1),
            ("{,}", "expected a string key", 1),
            ("{\"a\":}", "expected a JSON value", 5),
            ("[1]]", "trailing characters after the JSON value", 3),
            ("{} {}", "trailing characters after the JSON value", 3),
            ("1 2", "trailing characters after the JSON value", 2),
            ("truex", "trailing characters after the JSON value", 4),
            ("\"a\"\"b\"", "trailing characters after the JSON value", 3),
            (
                "[1] // comment",
                "trailing characters after the JSON value",
                4,
            ),
            ("// comment\n1", "expected a JSON value", 0),
            ("/* c */ 1", "expected a JSON value", 0),
            ("[1, /* c */ 2]", "expected a JSON value", 4),
            ("'a'", "expected a JSON value", 0),
            ("+1", "expected a JSON value", 0),
            (".5", "expected a JSON value", 0),
            ("NaN", "expected a JSON value", 0),
            ("Infinity", "expected a JSON value", 0),
            ("\u{a0}1", "expected a JSON value", 0),
            ("\u{c}1", "expected a JSON value", 0),
            ("trUe", "invalid literal (expected `true`)", 0),
            ("[fals]", "invalid literal (expected `false`)", 1),
            ("nil", "invalid literal (expected `null`)", 0),
            ("-a", "invalid number (expected a digit)", 1),
            ("- 1", "invalid number (expected a digit)", 1),
            ("01", "invalid number (leading zero)", 0),
            ("-007", "invalid number (leading zero)", 1),
            ("1.e5", "invalid number (expected a digit after '.')", 2),
            ("[1.]", "invalid number (expected a digit after '.')", 3),
            (
                "1ex",
                "invalid number (expected a digit in the exponent)",
                2,
            ),
            (
                "1e+-1",
                "invalid number (expected a digit in the exponent)",
                3,
            ),
            ("1e400", "number out of range", 0),
            ("[-1e999]", "number out of range", 1),
        ] {
            let e = err(text);
            assert_eq!(
                (e.message.as_str(), e.offset),
                (message, offset),
                "for {text:?}"
            );
            // Everything we reject, serde_json rejects too.
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_err(),
                "{text:?}"
            );
        }
        let e = err("[1,]");
        assert_eq!(e.to_string(), "trailing comma in array at byte 2");
        let _: &dyn std::error::Error = &e;
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let too_deep = format!("nesting too deep (more than {MAX_DEPTH} levels)");
        for open in ["[", "{\"a\":", "[{\"k\":"] {
            let text = open.repeat(100_000);
            let e = err(&text);
            assert_eq!(e.message, too_deep);
            // The error points at the first bracket past the limit.
            let first_too_deep = text
                .match_indices(['[', '{'])
                .nth(MAX_DEPTH)
                .map(|(i, _)| i)
                .unwrap_or_default();
            assert_eq!(e.offset, first_too_deep, "{open}");
        }
        let balanced = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(err(&balanced).offset, MAX_DEPTH);
        // Exactly MAX_DEPTH levels parse, and the value drops without trouble.
        let deepest = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        let mut v = &ok(&deepest);
        let mut levels = 0;
        while let Some(items) = v.as_list() {
            levels += 1;
            v = &items[0];
        }
        assert_eq!(levels, MAX_DEPTH);
        assert_eq!(span(v.origin), Span::new(MAX_DEPTH, MAX_DEPTH + 1));
        let one_more = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(err(&one_more).offset, MAX_DEPTH);
        // Depth is about nesting, not about how many containers there are.
        let wide = format!("[{}]", vec!["[[]]"; 10_000].join(","));
        assert_eq!(ok(&wide).as_list().map(<[_]>::len), Some(10_000));
    }

    #[test]
    fn large_single_line_input() {
        let statement = r#"{"Sid":"S","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","kms:Decrypt"],"Resource":"arn:aws:s3:::my-bucket/prefix/\u00e9*","Condition":{"NumericLessThan":{"s3:max-keys":1000}}}"#;
        let n = 20_000_000 / (statement.len() + 1);
        let mut text = String::with_capacity(20_000_100);
        text.push('[');
        for i in 0..n {
            if i > 0 {
                text.push(',');
            }
            text.push_str(statement);
        }
        text.push(']');
        assert!(text.len() >= 19_000_000);
        let v = ok(&text);
        let items = v.as_list().unwrap_or_default();
        assert_eq!(items.len(), n);
        let last = &items[n - 1];
        let action = item(member(last, "Action"), 2);
        assert_eq!(at(&text, action.origin), r#""kms:Decrypt""#);
        assert_eq!(
            member(last, "Resource").as_str(),
            Some("arn:aws:s3:::my-bucket/prefix/é*")
        );

        // One 20 MB string, and one 20 MB run of whitespace.
        let long = format!("[\"{}\"]", "ab\u{e9}".repeat(5_000_000));
        assert_eq!(item(&ok(&long), 0).as_str().map(str::len), Some(20_000_000));
        let spaces = format!("{}true{}", " ".repeat(10_000_000), "\n".repeat(10_000_000));
        assert_eq!(ok(&spaces).as_bool(), Some(true));
    }

    /// Random JSON, limited to what survives the f64 round trip through `to_json`:
    /// integers below 9e15 and floats that are not integers below it.
    fn any_json() -> impl Strategy<Value = serde_json::Value> {
        let number = prop_oneof![
            (-8_999_999_999_999_999_i64..9_000_000_000_000_000).prop_map(serde_json::Value::from),
            (-1000_i64..1000).prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("round-trips", |f| {
                    f.is_finite() && (f.fract() != 0.0 || f.abs() >= 9.0e15)
                })
                .prop_map(serde_json::Value::from),
        ];
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            number,
            any::<String>().prop_map(serde_json::Value::String),
            "[a-z:*/\"\\\\ \u{e9}\u{1F600}\n\t]{0,12}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(5, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..8)
                    .prop_map(|members| serde_json::Value::Object(members.into_iter().collect())),
            ]
        })
    }

    /// The same JSON with every non-ASCII character written as `\u` escapes (valid because
    /// serde_json only writes non-ASCII characters inside strings).
    fn ascii_only(json: &str) -> String {
        let mut out = String::with_capacity(json.len());
        for c in json.chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
        out
    }

    /// Checks that every string value and key's span re-parses to that string, and that
    /// every span lies inside `text` and inside its parent's span.
    fn check_spans(text: &str, base: usize, v: &Value, parent: Span) {
        let s = span(v.origin);
        assert!(parent.start <= s.start && s.end <= parent.end);
        let slice = &text[s.start as usize - base..s.end as usize - base];
        if let Some(string) = v.as_str() {
            let again = parse(slice, FILE, 0).unwrap_or_else(|e| panic!("{slice:?}: {e}"));
            assert_eq!(again.as_str(), Some(string));
        }
        match &v.kind {
            ValueKind::List(items) => {
                for i in items {
                    assert!(i.key_origin.is_generated());
                    check_spans(text, base, i, s);
                }
            }
            ValueKind::Object(members) => {
                for (k, m) in members.iter() {
                    let ks = span(m.key_origin);
                    assert!(s.start < ks.start && ks.end <= span(m.origin).start);
                    let key = &text[ks.start as usize - base..ks.end as usize - base];
                    let again = parse(key, FILE, 0).unwrap_or_else(|e| panic!("{key:?}: {e}"));
                    assert_eq!(again.as_str(), Some(k.as_str()));
                    check_spans(text, base, m, s);
                }
            }
            _ => {}
        }
    }

    /// Equal, but for numbers a little apart: serde_json's default float parsing may be
    /// one ulp off (`3e25`), where Rust's (ours) rounds correctly.
    fn nearly_equal(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value as J;
        match (a, b) {
            (J::Number(x), J::Number(y)) => {
                let (x, y) = (
                    x.as_f64().unwrap_or(f64::NAN),
                    y.as_f64().unwrap_or(f64::NAN),
                );
                (x - y).abs() <= 1e-15 * x.abs().max(y.abs())
            }
            (J::Array(x), J::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(x, y)| nearly_equal(x, y))
            }
            (J::Object(x), J::Object(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|((kx, x), (ky, y))| kx == ky && nearly_equal(x, y))
            }
            _ => a == b,
        }
    }

    #[test]
    fn numbers_round_correctly() {
        // serde_json (without `float_roundtrip`) reads this as 3.0000000000000005e25.
        assert_eq!(ok("3e25").as_f64(), Some(3e25));
        assert_eq!(ok("0.1").as_f64(), Some(0.1));
        assert_eq!(
            ok("2.2250738585072014e-308").as_f64(),
            Some(f64::MIN_POSITIVE)
        );
        assert_eq!(ok("1.7976931348623157e308").as_f64(), Some(f64::MAX));
        assert_eq!(ok("9007199254740993").as_f64(), Some(9007199254740992.0));
        assert_eq!(ok("999999999999999").as_f64(), Some(999999999999999.0));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn round_trips_serde_json(v in any_json(), base in 0usize..100_000) {
            for text in [
                serde_json::to_string(&v).unwrap_or_default(),
                serde_json::to_string_pretty(&v).unwrap_or_default(),
            ] {
                for text in [ascii_only(&text), text] {
                    let parsed = parse(&text, FILE, base).unwrap_or_else(|e| panic!("{text:?}: {e}"));
                    prop_assert_eq!(&parsed.to_json(), &v);
                    let whole = span(parsed.origin);
                    prop_assert_eq!(whole, Span::new(base, base + text.len()));
                    check_spans(&text, base, &parsed, whole);
                }
            }
        }

        #[test]
        fn agrees_with_serde_json_on_json_like_noise(
            text in "[\\[\\]{}\",: \t\n0-9eE.+\\-trufalsn\\\\/\u{e9}\u{1}]{0,40}"
        ) {
            let ours = parse(&text, FILE, 0);
            let theirs = serde_json::from_str::<serde_json::Value>(&text);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", text);
            match (ours, theirs) {
                (Ok(ours), Ok(theirs)) => {
                    prop_assert!(nearly_equal(&ours.to_json(), &theirs), "{:?}", text);
                }
                (Err(e), _) => prop_assert!(e.offset <= text.len()),
                _ => {}
            }
        }

        #[test]
        fn never_panics_on_mangled_json(v in any_json(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let text = serde_json::to_string(&v).unwrap_or_default();
            // Truncated at any char boundary, with one byte replaced by an ASCII byte.
            let mut end = cut.index(text.len() + 1);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let truncated = &text[..end];
            let ours = parse(truncated, FILE, 0);
            let theirs = serde_json::from_str::<serde_json::Value>(truncated);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", truncated);
            if let Err(e) = ours {
                prop_assert!(e.offset <= truncated.len());
            }
            let mut bytes = text.clone().into_bytes();
            let i = cut.index(bytes.len().max(1));
            if i < bytes.len() && bytes[i].is_ascii() {
                bytes[i] = byte & 0x7f;
                if let Ok(changed) = String::from_utf8(bytes) {
                    let ours = parse(&changed, FILE, 0);
                    if let Err(e) = &ours {
                        prop_assert!(e.offset <= changed.len());
                    }
                    // serde_json only nests 128 deep and also accepts what we accept.
                    let theirs = serde_json::from_str::<serde_json::Value>(&changed);
                    prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", changed);
                }
            }
        }
    }
}
