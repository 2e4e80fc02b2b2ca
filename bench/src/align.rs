//! `terraform fmt`'s alignment of `=` in runs of single-line assignments, so the corpus is
//! what people commit (fmt-clean) and `terraform fmt -check` has nothing to rewrite.
//!
//! A line is an assignment when its first token (a name or a quoted key) is followed by
//! `=` and the rest of the line is bracket-balanced (counting stops at a heredoc opener).
//! Consecutive assignments form a run whose `=` are padded to the widest key plus one
//! space; a heredoc's body and closing line belong to its opener and do not end the run;
//! any other line does.

/// One assignment line: its indentation, key and value text.
struct Assignment<'a> {
    indent: &'a str,
    key: &'a str,
    value: &'a str,
    heredoc: Option<&'a str>,
}

/// Aligns every run of assignments in `text` (lines are kept otherwise).
pub fn align(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut run: Vec<Result<Assignment, &str>> = Vec::new();
    let mut heredoc: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if let Some(delimiter) = heredoc {
            if bare.trim() == delimiter {
                heredoc = None;
            }
            run.push(Err(line));
            continue;
        }
        match assignment(bare) {
            Some(a) => {
                heredoc = a.heredoc;
                run.push(Ok(a));
            }
            None => {
                flush(&mut run, &mut out);
                out.push_str(line);
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

fn flush(run: &mut Vec<Result<Assignment, &str>>, out: &mut String) {
    let width = run
        .iter()
        .filter_map(|a| a.as_ref().ok())
        .map(|a| a.key.chars().count())
        .max()
        .unwrap_or(0);
    for item in run.drain(..) {
        match item {
            Ok(a) => {
                out.push_str(a.indent);
                out.push_str(a.key);
                for _ in a.key.chars().count()..=width {
                    out.push(' ');
                }
                out.push('=');
                if !a.value.is_empty() {
                    out.push(' ');
                    out.push_str(a.value);
                }
                out.push('\n');
            }
            Err(line) => out.push_str(line),
        }
    }
}

fn assignment(line: &str) -> Option<Assignment<'_>> {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    let key_len = if trimmed.starts_with('"') {
        closing_quote(trimmed)? + 1
    } else {
        trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(trimmed.len())
    };
    if key_len == 0 {
        return None;
    }
    let key = &trimmed[..key_len];
    let after = trimmed[key_len..].trim_start();
    let rest = after.strip_prefix('=')?;
    if rest.starts_with('=') || rest.starts_with('>') {
        return None;
    }
    let value = rest.trim();
    let (balanced, heredoc) = balance(value);
    balanced.then_some(Assignment {
        indent,
        key,
        value,
        heredoc,
    })
}

/// Byte index of the quote closing the string that starts `s`.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether brackets balance outside strings, and the heredoc delimiter the value opens.
fn balance(value: &str) -> (bool, Option<&str>) {
    let mut depth = 0i64;
    let mut in_string = false;
    let mut escaped = false;
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match c {
                b'"' => in_string = true,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b'<' if bytes.get(i + 1) == Some(&b'<') => {
                    let rest = value[i + 2..].trim_start_matches('-');
                    let end = rest
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                    return (depth == 0, (end > 0).then(|| &rest[..end]));
                }
                _ => {}
            }
        }
        i += 1;
    }
    (depth == 0 && !in_string, None)
}

#[cfg(test)]
mod tests {
    use super::align;

    #[test]
    fn aligns_runs_and_keeps_blocks() {
        let text = "resource \"a\" \"b\" {\n  name = \"x\"\n  retention_in_days = 7\n\n  tags = {\n    A = \"1\"\n    Long = \"2\"\n  }\n}\n";
        let want = "resource \"a\" \"b\" {\n  name              = \"x\"\n  retention_in_days = 7\n\n  tags = {\n    A    = \"1\"\n    Long = \"2\"\n  }\n}\n";
        assert_eq!(align(text), want);
    }

    #[test]
    fn heredoc_body_does_not_break_the_run() {
        let text = "  name = \"x\"\n  policy = <<EOF\n{\"a\": 1}\nEOF\n  role = y\n";
        let want = "  name   = \"x\"\n  policy = <<EOF\n{\"a\": 1}\nEOF\n  role   = y\n";
        assert_eq!(align(text), want);
    }

    #[test]
    fn multi_line_value_ends_the_run() {
        let text =
            "  a = 1\n  policy = jsonencode({\n    Version = \"2012-10-17\"\n  })\n  bb = 2\n";
        assert_eq!(align(text), text);
    }

    #[test]
    fn quoted_keys_and_comparisons() {
        let text = "    \"aws:SecureTransport\" = \"false\"\n    x = a == b ? 1 : 2\n";
        let want =
            "    \"aws:SecureTransport\" = \"false\"\n    x                     = a == b ? 1 : 2\n";
        assert_eq!(align(text), want);
    }
}
