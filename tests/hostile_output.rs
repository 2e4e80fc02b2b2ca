//! What a hostile repository can make tfstack print: no panic on an error far into a long
//! line and never an unbounded line echoed; no control character of the input reaching a
//! terminal or a CI log raw (a line that starts with `::error …` is a GitHub Actions
//! workflow command); no Markdown or HTML of the input reaching a pull-request comment or
//! a review; no link but `http(s)` from a committed configuration; well-formed XML.

mod common;

use common::{repository, tfstack_in, Run};

/// `locals` with an error (a dangling `+`) 70,000 bytes into its second line: past the
/// widths Rust's formatter takes.
fn long_line_error() -> String {
    format!("locals {{\n  a = \"{}\" +\n}}\n", "a".repeat(70_000))
}

/// Asserts that a run ended with exit 2 and an error located at `place`, without a
/// panic and without echoing the long line.
fn assert_located(run: &Run, place: &str) {
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(all.contains(place), "no `{place}` in:\n{all}");
    assert!(all.len() < 20_000, "{} bytes printed", all.len());
}

#[test]
fn an_error_far_into_a_long_line_is_located_and_shown_clipped() {
    let repo = repository(&[("m/main.tf", &long_line_error()), ("base/main.tf", "")]);
    let dir = repo.path();
    let human = tfstack_in(dir, &["lint", "m"]);
    assert_located(&human, "m/main.tf:2:70011");
    assert!(human.stdout.contains(" 2 │ …aaaa"), "{}", human.stdout);
    let json = tfstack_in(dir, &["lint", "m", "--format", "json"]);
    assert_located(&json, "\"line\": 2,\n      \"column\": 70011,");
    let diff = tfstack_in(dir, &["diff", "base", "m", "--format", "json"]);
    assert_located(&diff, "m/main.tf:2:70011");
    let review = tfstack_in(dir, &["review", "m"]);
    assert_located(&review, "m/main.tf:2:70011");
}

#[test]
fn a_json_syntax_error_far_into_a_long_line_is_located_and_shown_clipped() {
    let long = "a".repeat(70_000);
    let policy =
        format!("{{\"Version\": \"2012-10-17\", \"Statement\": [{{\"Sid\": \"{long}\"}} x]}}\n");
    let tf_json = format!("{{\"locals\": {{\"a\": \"{long}\" x}}}}\n");
    let baseline = format!("{{\"version\": 1, \"findings\": [\"{long}\" x]}}\n");
    let repo = repository(&[
        ("policy/policy.json", &policy),
        ("json/main.tf.json", &tf_json),
        ("ok/main.tf", ""),
        ("baseline.json", &baseline),
    ]);
    let dir = repo.path();
    assert_located(
        &tfstack_in(dir, &["lint", "policy"]),
        "policy/policy.json:1:70053",
    );
    assert_located(
        &tfstack_in(dir, &["lint", "json"]),
        "json/main.tf.json:1:70021",
    );
    let run = tfstack_in(dir, &["lint", "ok", "--baseline", "baseline.json"]);
    assert_located(&run, "baseline.json:1:");
}

#[test]
fn an_error_in_a_configuration_of_one_long_line_is_not_echoed_whole() {
    let config = format!("x = \"{}\" y\n", "a".repeat(3_000_000));
    let repo = repository(&[("m/main.tf", ""), ("big.toml", &config)]);
    let run = tfstack_in(repo.path(), &["lint", "m", "--config", "big.toml"]);
    assert_located(&run, "big.toml:1:3000008");
}

/// Asserts that no line of `text` is a workflow command or holds a control character
/// (`\n` ends lines; a terminal's escape, a carriage return, a bidi override never
/// appear).
fn assert_inert(text: &str) {
    for line in text.lines() {
        assert!(
            !line.trim_start().starts_with("::"),
            "a workflow command in:\n{text}"
        );
        assert!(
            !line.contains(|c: char| {
                (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{202e}')
            }),
            "a control character in {line:?}"
        );
    }
}

#[test]
fn control_characters_of_the_input_are_printed_escaped() {
    let repo = repository(&[
        (
            "m/main.tf",
            "module \"m\" {\n  source = \"../../x\\n::error title=INJ::pwned\"\n}\n\
             resource \"aws_sqs_queue\" \"l\\n::stop-commands::x\\u001b[2J\\u202e\" {}\n",
        ),
        (
            "m/a\n::error::file\u{1b}[2J.tf",
            "resource \"aws_cloudwatch_log_group\" \"g\" {}\n",
        ),
        ("bad/x\n::error::bad\u{1b}.tf", "locals {\n  a = \n}\n"),
    ]);
    for args in [&["lint", "m"][..], &["lint", "bad"]] {
        let run = tfstack_in(repo.path(), args);
        assert!((1..=2).contains(&run.code), "{}", run.stderr);
        assert_inert(&run.stdout);
        assert_inert(&run.stderr);
        assert!(run.stdout.contains("\\n::"), "{}", run.stdout);
    }
    let run = tfstack_in(repo.path(), &["lint", "m"]);
    assert!(
        run.stdout.contains("a\\n::error::file\\u{1b}[2J.tf"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("l\\n::stop-commands::x\\u{1b}[2J\\u{202e}"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_committed_docs_url_must_be_a_web_page() {
    let repo = repository(&[(
        "m/main.tf",
        "resource \"aws_cloudwatch_log_group\" \"g\" {}\n",
    )]);
    std::fs::write(
        repo.path().join("tfstack.toml"),
        "\ndocs_url = \"javascript:alert(document.domain)//{id}\"\n",
    )
    .expect("write");
    for args in [
        &["lint", "m"][..],
        &["lint", "m", "--format", "sarif"],
        &["review", "m", "--format", "html"],
        &["review", "m", "--format", "markdown"],
    ] {
        let run = tfstack_in(repo.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert!(!run.stdout.contains("javascript:"), "{}", run.stdout);
        assert!(run.stderr.contains("tfstack.toml:2:12]"), "{}", run.stderr);
        assert!(
            run.stderr.contains("is not an `http://` or `https://` URL"),
            "{}",
            run.stderr
        );
    }
    let run = tfstack_in(
        repo.path(),
        &["lint", "m", "--docs-url", "javascript:x/{id}"],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
}

/// Whether `c` is a character an XML 1.0 document may hold (its `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Asserts that `xml` is a well-formed XML 1.0 document: every event parses, every text
/// and attribute value unescapes, and every character is one XML 1.0 allows (quick-xml
/// reads characters it forbids without a complaint).
fn assert_well_formed(xml: &str) {
    if let Some(c) = xml.chars().find(|c| !is_xml_char(*c)) {
        panic!("{c:?} is not an XML 1.0 character:\n{xml}");
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) | Ok(quick_xml::events::Event::Empty(e)) => {
                for attribute in e.attributes() {
                    let attribute = attribute.expect("a well-formed attribute");
                    attribute
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("an attribute value that unescapes");
                }
            }
            Ok(quick_xml::events::Event::GeneralRef(reference)) => {
                let named = ["amp", "lt", "gt", "quot", "apos"]
                    .iter()
                    .any(|n| &*reference == *n);
                let character = reference.resolve_char_ref().ok().flatten();
                assert!(
                    named || character.is_some_and(is_xml_char),
                    "a reference XML 1.0 forbids: {reference:?}"
                );
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed XML: {e}\n{xml}"),
        }
    }
}

#[test]
fn junit_and_checkstyle_stay_well_formed_with_control_characters_in_names() {
    let repo = repository(&[
        (
            "m/main.tf",
            "resource \"aws_cloudwatch_log_group\" \"a\\u0001b\\u001b\" {}\n",
        ),
        (
            "m/x\u{1}y.tf",
            "resource \"aws_cloudwatch_log_group\" \"c\" {}\n",
        ),
        ("bad/p\u{2}q.tf", "locals {\n  a = \n}\n"),
    ]);
    for format in ["junit", "checkstyle"] {
        let run = tfstack_in(repo.path(), &["lint", "m", "bad", "--format", format]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert_well_formed(&run.stdout);
        assert!(run.stdout.contains("a\\u{1}b\\u{1b}"), "{}", run.stdout);
        assert!(run.stdout.contains("x\\u{1}y.tf"), "{}", run.stdout);
        assert!(run.stdout.contains("p\\u{2}q.tf"), "{}", run.stdout);
    }
}

/// A role policy whose statement ID and label hold Markdown, HTML and line breaks, and a
/// queue whose label does.
const HOSTILE_MARKDOWN: &str = r#"resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}
resource "aws_iam_role_policy" "p\n| forged | row |" {
  role   = aws_iam_role.r.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "s`</details><h1>HI</h1>\n| forged |", Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}
resource "aws_sqs_queue" "a`<img src=x>`|b\n| injected | row |" {}
resource "aws_lambda_function" "f" {
  function_name = "x` ![t](http://evil.example/p.png) [l](http://evil.example) `y"
  role          = "arn:aws:iam::123456789012:role/r"
  handler       = "index.handler"
  runtime       = "nodejs22.x"
  filename      = "f.zip"
  timeout       = 10
}
"#;

/// Asserts that Markdown holds no HTML tag but `<details>`, `<summary>` and `<br>`, and no
/// table row (or line) the input began.
fn assert_markdown_inert(markdown: &str) {
    for tag in ["<h1", "</h1", "<img", "</details><"] {
        assert!(!markdown.contains(tag), "{tag} in:\n{markdown}");
    }
    for line in markdown.lines() {
        let line = line.trim_start();
        assert!(
            !line.starts_with("| injected") && !line.starts_with("| forged"),
            "a forged row in:\n{markdown}"
        );
        assert!(!line.contains(|c: char| c.is_control()), "{line:?}");
    }
    // A value quoted in a message (the function name in LOG002's) closes the message's
    // code span with its backtick: what follows is text, not an image or a link.
    assert!(!markdown.contains("![t]"), "an image in:\n{markdown}");
    assert_eq!(
        markdown.matches("[l](http://evil.example)").count(),
        markdown.matches("\\[l](http://evil.example)").count(),
        "a link in:\n{markdown}"
    );
}

#[test]
fn diff_markdown_writes_input_as_text_and_closed_code_spans() {
    let head = HOSTILE_MARKDOWN;
    let base = head.lines().take(4).collect::<Vec<_>>().join("\n") + "\n";
    let repo = repository(&[("base/main.tf", &base), ("head/main.tf", head)]);
    let run = tfstack_in(
        repo.path(),
        &["diff", "base", "head", "--format", "markdown"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_markdown_inert(&run.stdout);
    assert!(
        run.stdout.contains("&lt;/details&gt;&lt;h1&gt;"),
        "{}",
        run.stdout
    );
}

#[test]
fn review_markdown_escapes_every_cell() {
    // A file name holding a backtick is shown in a code span it cannot close.
    let file_name = "m/x` [f](http:⁄⁄e) `y.tf";
    let repo = repository(&[
        ("m/main.tf", HOSTILE_MARKDOWN),
        (file_name, "resource \"aws_sqs_queue\" \"b\" {}\n"),
    ]);
    let run = tfstack_in(repo.path(), &["review", "m", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The flow diagram is a Mermaid block, read by Mermaid rather than as Markdown.
    let tables = run.stdout.split("```").step_by(2).collect::<String>();
    // The label in a code span its backticks cannot close: `<img>` is text there.
    let resource = "``aws_sqs_queue.a`<img src=x>`\\|b\\n\\| injected \\| row \\|``";
    assert!(tables.contains(resource), "{}", run.stdout);
    assert!(
        tables.contains(&format!("``{file_name}:1``")),
        "{}",
        run.stdout
    );
    // The queue's name as a component: its backticks make a code span, where `<img>` is
    // text too.
    let component = r"a`<img src=x>`\|b\\n\| injected \| row \|";
    assert!(tables.contains(component), "{}", run.stdout);
    assert_markdown_inert(&tables.replace(resource, "").replace(component, ""));
}

#[test]
fn diff_human_output_prints_input_escaped() {
    let head = "resource \"aws_iam_role_policy\" \"p\\n::error title=INJ::pwned\" {\n  role   = \"r\"\n  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Sid = \"s\\n::warning::x\\u001b[2J\", Effect = \"Allow\", Action = \"s3:*\", Resource = \"*\" }] })\n}\n";
    let repo = repository(&[("base/main.tf", "locals {}\n"), ("head/main.tf", head)]);
    let run = tfstack_in(repo.path(), &["diff", "base", "head"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_inert(&run.stdout);
    assert!(
        run.stdout.contains("p\\n::error title=INJ::pwned"),
        "{}",
        run.stdout
    );
}

#[test]
fn review_markdown_diagram_labels_cannot_close_the_fence() {
    let repo = repository(&[(
        "m/main.tf",
        "resource \"aws_sqs_queue\" \"q\\n```\\n<h1>x</h1>\" {}\n",
    )]);
    let run = tfstack_in(repo.path(), &["review", "m", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Fences open and close at the start of a line only; the diagram's is closed where
    // it should be.
    let fences = run.stdout.lines().filter(|l| l.starts_with("```")).count();
    assert_eq!(fences % 2, 0, "{}", run.stdout);
    let diagram = run.stdout.split("```mermaid").nth(1).unwrap_or_default();
    let diagram = diagram.split("\n```").next().unwrap_or_default();
    assert!(
        !diagram.contains('`') && !diagram.contains("<h1"),
        "{diagram}"
    );
}

#[test]
fn a_finding_far_into_a_long_line_is_shown_at_its_true_column() {
    // A `.tf.json` written on one line, as generators write it: the snippet shows a window
    // of the line, and the header the column on the whole line (as JSON reports it).
    let json = format!(
        "{{\"resource\":{{\"aws_cloudwatch_log_group\":{{\"g\":{{\"name\":\"{}\",\"retention_in_days\":0}}}}}}}}\n",
        "x".repeat(3000)
    );
    let repo = repository(&[("m/main.tf.json", &json)]);
    let column = json.find("0}").expect("the value") + 1;
    let run = tfstack_in(repo.path(), &["lint", "m"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(&format!("╭─[m/main.tf.json:1:{column}]")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(" 1 │ …xxx"), "{}", run.stdout);
    assert!(run.stdout.len() < 2_000, "{}", run.stdout);
    let json = tfstack_in(repo.path(), &["lint", "m", "--format", "json"]);
    assert!(
        json.stdout.contains(&format!("\"column\": {column},")),
        "{}",
        json.stdout
    );
}
