//! `align_like_terraform_fmt` on hand-written input, with the output `terraform fmt` gives.

use std::process::Command;
use tfstack_generators::{align_like_terraform_fmt, indent_and_align_like_terraform_fmt};

/// When terraform is on PATH, confirms that `text` is what `terraform fmt` gives.
fn assert_terraform_keeps(text: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let rc = dir.path().join("cli.tfrc");
    std::fs::write(&rc, "").expect("write");
    std::fs::write(dir.path().join("main.tf"), text).expect("write");
    let Ok(out) = Command::new("terraform")
        .args(["fmt", "-check", "-diff", "-no-color"])
        .arg(dir.path())
        .env("TF_CLI_CONFIG_FILE", &rc)
        .env("CHECKPOINT_DISABLE", "1")
        .output()
    else {
        eprintln!("skipped: terraform not found, fmt conformance not checked");
        return;
    };
    assert!(
        out.status.success(),
        "terraform fmt disagrees:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check(input: &str, expected: &str) {
    check_text(input, expected);
    assert_terraform_keeps(expected);
}

/// For input that is not valid HCL (terraform fmt would reject it).
fn check_text(input: &str, expected: &str) {
    assert_eq!(align_like_terraform_fmt(input), expected, "input:\n{input}");
    // Idempotent.
    assert_eq!(align_like_terraform_fmt(expected), expected);
}

#[test]
fn aligns_a_chain_to_the_widest_key() {
    check(
        "a = 1\nbbb = 2\ncc = \"x\"\n",
        "a   = 1\nbbb = 2\ncc  = \"x\"\n",
    );
}

#[test]
fn realigns_already_padded_lines() {
    check("a        = 1\nbb   = 2\n", "a  = 1\nbb = 2\n");
}

#[test]
fn blank_lines_blocks_and_multiline_values_end_chains() {
    check(
        "resource \"x\" \"y\" {\n  a = 1\n  bbbb = 2\n\n  cc = 3\n  d = {\n    k = 1\n    kkk = 2\n  }\n  eeeeee = 4\n  f = 5\n\n  nested {\n    g = 1\n    hh = 2\n  }\n  i = [\n    1,\n  ]\n  j = [1, 2]\n  kk = f(a, b)\n}\n",
        "resource \"x\" \"y\" {\n  a    = 1\n  bbbb = 2\n\n  cc = 3\n  d = {\n    k   = 1\n    kkk = 2\n  }\n  eeeeee = 4\n  f      = 5\n\n  nested {\n    g  = 1\n    hh = 2\n  }\n  i = [\n    1,\n  ]\n  j  = [1, 2]\n  kk = f(a, b)\n}\n",
    );
}

#[test]
fn unicode_keys_count_graphemes_not_bytes() {
    check(
        "m = {\n  a = 1\n  \"é\" = 2\n  \"e\u{301}\" = 3\n  \"日本\" = 4\n  \"👩‍👩‍👧\" = 5\n  ab = 6\n}\n",
        "m = {\n  a    = 1\n  \"é\"  = 2\n  \"e\u{301}\"  = 3\n  \"日本\" = 4\n  \"👩‍👩‍👧\"  = 5\n  ab   = 6\n}\n",
    );
}

#[test]
fn heredoc_bodies_belong_to_their_opener() {
    check(
        "a = <<EOT\nx = 1\nnot = a key\nEOT\nbbb = 2\ncc = <<-EOT\n    body\n  EOT\nd = 3\n",
        "a   = <<EOT\nx = 1\nnot = a key\nEOT\nbbb = 2\ncc  = <<-EOT\n    body\n  EOT\nd   = 3\n",
    );
}

#[test]
fn heredoc_inside_a_call_breaks_the_chain() {
    check(
        "a = 1\nbb = trimspace(<<EOT\nx\nEOT\n)\nccc = 3\nd = 4\n",
        "a = 1\nbb = trimspace(<<EOT\nx\nEOT\n)\nccc = 3\nd   = 4\n",
    );
}

#[test]
fn only_the_first_equals_counts_and_operators_are_not_assignments() {
    check(
        "a = b == c\nbb = { x = 1 }\nccc = x >= 1 ? \"=\" : \"a = b\"\nd = { for k, v in m : k => v }\n",
        "a   = b == c\nbb  = { x = 1 }\nccc = x >= 1 ? \"=\" : \"a = b\"\nd   = { for k, v in m : k => v }\n",
    );
}

#[test]
fn strings_with_brackets_and_interpolations() {
    check(
        "a = \"{[(\"\nbb = \"x${f(\"}\")}\"\nccc = \"$${x\"\n",
        "a   = \"{[(\"\nbb  = \"x${f(\"}\")}\"\nccc = \"$${x\"\n",
    );
}

#[test]
fn trailing_comments_align_too() {
    check(
        "a = 1 # one\nbbb = 22 # two\n# alone\nc = 3\n",
        "a   = 1  # one\nbbb = 22 # two\n# alone\nc = 3\n",
    );
}

#[test]
fn an_equals_first_or_unbalanced_line_is_not_an_assignment() {
    check_text(
        "a = 1\n= 2\nbb = [1,\n2]\nc = 1\n",
        "a = 1\n= 2\nbb = [1,\n2]\nc = 1\n",
    );
}

#[test]
fn reindents_by_bracket_nesting() {
    let input =
        "x {\na = [\n1,\n  {\nk = 1\n    kk = 2\n},\n]\n    bb = merge(a, {\nz = 1\n})\n\n  \n}\n";
    let expected = "x {\n  a = [\n    1,\n    {\n      k  = 1\n      kk = 2\n    },\n  ]\n  bb = merge(a, {\n    z = 1\n  })\n\n\n}\n";
    assert_eq!(indent_and_align_like_terraform_fmt(input), expected);
    assert_eq!(indent_and_align_like_terraform_fmt(expected), expected);
    assert_terraform_keeps(expected);
}

#[test]
fn reindent_leaves_heredoc_bodies_alone() {
    let input = "x {\n      a = <<-EOT\n   keep\n        this\n   EOT\nb = 1\n}\n";
    let expected = "x {\n  a = <<-EOT\n   keep\n        this\n   EOT\n  b = 1\n}\n";
    assert_eq!(indent_and_align_like_terraform_fmt(input), expected);
    assert_terraform_keeps(expected);
}
