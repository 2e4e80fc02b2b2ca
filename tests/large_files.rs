//! A large file's text is released once it is parsed and read back from the open file for
//! what is shown of it (`SourceFile::release_text`): its findings, their lines, columns and
//! snippets, its suppressions and its heredoc policies are those of the same text held in
//! memory.

mod common;

use common::{repository, tfstack_in, LINT_FORMATS};

/// Findings of several rules, one suppressed by a comment, one in a heredoc policy and
/// one after multi-byte characters on its line (columns count characters).
const MODULE: &str = r#"# tfstack:ignore[DLQ001] a queue kept on purpose
resource "aws_sqs_queue" "kept" {
  name = "kept"
}

resource "aws_sqs_queue" "open" {
  name = "open"
}

resource "aws_iam_role_policy" "p" {
  name = "p"
  role = "r"
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "ä", "Effect": "Allow", "Action": "*", "Resource": "*" }
  ]
}
EOF
}

resource "aws_cloudwatch_log_group" "g" {
  name = "ünïcödé-gröüp" # «»
  tags = { a = "ä" }
}
"#;

#[test]
fn a_released_text_gives_the_report_of_the_held_one() {
    // The same module twice: as it is, and followed by comment lines (one piece) or
    // blocks (many pieces) past the size over which a file is parsed as it is read and its
    // text never held (1 MiB). Lines and columns of the module are the same in both; only
    // the text of the second is read back from the file.
    let comments: String = (0..24_000)
        .map(|i| format!("# filler line {i:>6} ........................................\n"))
        .collect();
    let blocks: String = (0..24_000)
        .map(|i| format!("\nlocals {{\n  filler_{i} = \"..........................\"\n}}\n"))
        .collect();
    for filler in [comments, blocks] {
        assert!(filler.len() > 1_100_000);
        same_report_as_held(&filler);
    }
}

fn same_report_as_held(filler: &str) {
    let small = repository(&[("m/main.tf", MODULE)]);
    let large_text = format!("{MODULE}{filler}");
    let large = repository(&[("m/main.tf", &large_text)]);
    for format in LINT_FORMATS {
        let held = tfstack_in(small.path(), &["lint", "m", "--format", format]);
        let released = tfstack_in(large.path(), &["lint", "m", "--format", format]);
        assert_eq!(held.code, 1, "{format}: {}", held.stderr);
        // The same but for where each repository is (SARIF names its root).
        let rooted = |text: &str, dir: &tempfile::TempDir| {
            text.replace(&dir.path().display().to_string(), "ROOT")
        };
        assert_eq!(
            rooted(&released.stdout, &large),
            rooted(&held.stdout, &small),
            "{format}"
        );
        assert_eq!(released.stderr, held.stderr, "{format}");
    }
    let report = tfstack_in(large.path(), &["lint", "m", "--format", "json"]).json();
    let findings = report["findings"].as_array().expect("findings");
    let rule_at = |rule: &str| {
        findings
            .iter()
            .find(|f| f["rule"] == rule)
            .map(|f| (f["line"].as_u64(), f["resource"].as_str()))
    };
    // The heredoc's action, at its place in the heredoc.
    assert_eq!(
        rule_at("IAM001"),
        Some((Some(17), Some("aws_iam_role_policy.p")))
    );
    // The queue under the suppression comment is not reported; the other one is.
    let queues: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "DLQ001")
        .filter_map(|f| f["resource"].as_str())
        .collect();
    assert_eq!(queues, ["aws_sqs_queue.open"], "{report}");
    // The human report shows the lines around each finding.
    let human = tfstack_in(large.path(), &["lint", "m"]).stdout;
    assert!(human.contains(r#""Action": "*""#), "{human}");
    // A large file that does not parse is read whole for its error, at its place.
    let broken = repository(&[("m/main.tf", &format!("{large_text}resource \"a\" {{\n"))]);
    let out = tfstack_in(broken.path(), &["lint", "m", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let lines = large_text.lines().count() + 1;
    assert!(
        out.stdout.contains(&format!("\"line\": {lines}")),
        "{lines}: {}",
        out.stdout
    );
}
