//! Markdown that text read from input cannot break out of: code spans their content
//! cannot close, text in which `<` opens no HTML tag and a backtick opens no code span,
//! and, in a table cell, no `|` or line break that ends the cell or the row. Control
//! characters are written as escapes (`\n`, `\u{1b}`).

use tfstack_model::shown::escaped;

/// `text` as one code span: fenced with one more backtick than the longest run of
/// backticks it holds (so nothing in it closes the span), padded with a space when it
/// starts or ends with a backtick; `|` escaped in a table cell (GitHub reads `\|` inside
/// a code span of a cell as `|`).
pub fn code_span(text: &str, in_table: bool) -> String {
    let content = escaped(text);
    let content = if in_table {
        content.replace('|', "\\|")
    } else {
        content.into_owned()
    };
    let longest_run = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let pad = if content.starts_with('`') || content.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{content}{pad}{fence}")
}

/// `text` outside code: control characters escaped, `\`, `` ` `` and `[` escaped with a
/// backslash, `<` and `>` as entities; `|` escaped in a table cell.
pub fn plain_text(text: &str, in_table: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escaped(text).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '`' => out.push_str("\\`"),
            '[' => out.push_str("\\["),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' if in_table => out.push_str("\\|"),
            c => out.push(c),
        }
    }
    out
}

/// Text written with backtick code spans (a change's title, a finding's message) as
/// Markdown: split where CommonMark sees code spans — a run of backticks opens one that
/// the next run of the same length closes — each span written again with
/// [`code_span`] and the text between with [`plain_text`], so that the result's spans
/// are exactly those and nothing else of it is read as HTML or Markdown structure.
pub fn with_code_spans(text: &str, in_table: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let run = rest[open..].len() - rest[open..].trim_start_matches('`').len();
        let after = &rest[open + run..];
        let Some(close) = closing_run(after, run) else {
            // No run of the same length closes it: the backticks are text.
            out.push_str(&plain_text(&rest[..open + run], in_table));
            rest = after;
            continue;
        };
        out.push_str(&plain_text(&rest[..open], in_table));
        // The content as it is (a span's content never starts or ends with a backtick:
        // runs are whole), so that the span is written again byte for byte.
        out.push_str(&code_span(&after[..close], in_table));
        rest = &after[close + run..];
    }
    out.push_str(&plain_text(rest, in_table));
    out
}

/// Where in `text` a run of exactly `run` backticks starts.
fn closing_run(text: &str, run: usize) -> Option<usize> {
    let mut at = 0;
    while let Some(found) = text[at..].find('`') {
        let start = at + found;
        let length = text[start..].len() - text[start..].trim_start_matches('`').len();
        if length == run {
            return Some(start);
        }
        at = start + length;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_span_cannot_be_closed_by_its_content() {
        assert_eq!(
            code_span("aws_sqs_queue.jobs", false),
            "`aws_sqs_queue.jobs`"
        );
        assert_eq!(code_span("s`</details>", false), "``s`</details>``");
        assert_eq!(code_span("`a``", true), "``` `a`` ```");
        assert_eq!(code_span("a|b\nc", true), "`a\\|b\\nc`");
    }

    #[test]
    fn text_with_code_spans_keeps_its_spans_and_nothing_else() {
        let title =
            "statement `ReadReports` of `aws_iam_role_policy.worker` broadened (JWT → none)";
        assert_eq!(with_code_spans(title, true), title);
        assert_eq!(
            with_code_spans("statement `s`</details><h1>HI</h1>` broadened", false),
            "statement `s`&lt;/details&gt;&lt;h1&gt;HI&lt;/h1&gt;\\` broadened"
        );
        assert_eq!(
            with_code_spans("label `a\n| forged | row |` [x](y)", true),
            "label `a\\n\\| forged \\| row \\|` \\[x](y)"
        );
        assert_eq!(with_code_spans("``a`b`` c", false), "``a`b`` c");
    }
}
