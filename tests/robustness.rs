//! `tfstack lint` on hostile input: no panic, no hang, and exit 2 with an error that
//! names the file (and the line and column where there is one), while every other file
//! is still linted. Large inputs are generated here, never committed.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// What one run gave, and how long it took.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
    /// The `errors` of a `--format json` run, as `path:line:column: message`.
    fn errors(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        format!(
                            "{}:{}:{}: {}",
                            e["path"].as_str().unwrap_or("?"),
                            e["line"],
                            e["column"],
                            e["message"].as_str().unwrap_or("?")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `tfstack lint --format json ARGS` in `dir`, killed after a minute.
fn lint(dir: &Path, args: &[&str]) -> Run {
    let start = Instant::now();
    let output = Command::cargo_bin("tfstack")
        .expect("the tfstack binary is built for integration tests")
        .current_dir(dir)
        .arg("lint")
        .arg("--format")
        .arg("json")
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("tfstack runs");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: start.elapsed(),
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("overflow"),
        "tfstack crashed:\n{}",
        run.stderr
    );
    assert!(
        (0..=2).contains(&run.code),
        "killed or crashed (exit {}): {}",
        run.code,
        run.stderr
    );
    run
}

/// A temporary directory holding an empty `tfstack.toml` (no configuration from above)
/// and `files`.
fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("tfstack.toml"), "").expect("write");
    for (name, bytes) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, bytes).expect("write");
    }
    dir
}

/// A module that lints to exactly one LOG001 finding: proof that other files still are.
const GOOD: &[u8] = br#"resource "aws_cloudwatch_log_group" "good" {
  name = "/orders/good"
}
"#;

/// Exit 2, an error on `path` whose text contains `message`, and the good module's
/// finding still reported.
fn assert_unreadable(run: &Run, path: &str, message: &str) {
    let errors = run.errors();
    assert_eq!(run.code, 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("{path}:")) && e.contains(message)),
        "no error on {path} saying `{message}`: {errors:?}"
    );
    let doc = run.json();
    let good = doc["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter(|f| f["resource"] == "aws_cloudwatch_log_group.good")
                .count()
        })
        .unwrap_or(0);
    assert_eq!(good, 1, "the other module was not linted: {doc:#}");
}

/// The line and column of `path`'s error.
fn error_position(run: &Run, path: &str) -> (u64, u64) {
    let doc = run.json();
    let e = doc["errors"]
        .as_array()
        .and_then(|errors| errors.iter().find(|e| e["path"] == path))
        .unwrap_or_else(|| panic!("no error on {path}: {doc:#}"));
    (
        e["line"].as_u64().unwrap_or(0),
        e["column"].as_u64().unwrap_or(0),
    )
}

/// Deterministic bytes (a linear congruential generator: no dependency, same every run).
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}

const MODULE: &str = r#"variable "retention_days" {
  type    = number
  default = 30
}

locals {
  name = "orders-${var.retention_days}"
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/${local.name}/api"
  retention_in_days = var.retention_days
  tags = {
    Team = "payments"
  }
}

resource "aws_iam_role_policy" "api" {
  role = "api"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:PutLogEvents"]
      Resource = ["arn:aws:logs:eu-west-1:123456789012:log-group:/orders/api:*"]
    }]
  })
}
"#;

#[test]
fn truncated_tf_files() {
    // Every cut inside a block or a string is an error with a position; a cut between
    // blocks may well be valid HCL. One module per cut, all in one run.
    let cuts: Vec<usize> = (1..MODULE.len()).step_by(7).collect();
    let mut files: Vec<(String, Vec<u8>)> = cuts
        .iter()
        .map(|&cut| {
            (
                format!("cut_{cut:04}/main.tf"),
                MODULE.as_bytes()[..cut].to_vec(),
            )
        })
        .collect();
    files.push(("good/main.tf".into(), GOOD.to_vec()));
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = tree(&borrowed);
    let run = lint(dir.path(), &["."]);
    assert_eq!(run.code, 2);
    let errors = run.errors();
    for &cut in &cuts {
        let prefix = &MODULE[..cut];
        let depth = prefix.matches('{').count() as i64 - prefix.matches('}').count() as i64;
        let open_string = prefix.matches('"').count() % 2 == 1;
        let path = format!("cut_{cut:04}/main.tf");
        let error = errors.iter().find(|e| e.starts_with(&format!("{path}:")));
        if depth > 0 || open_string {
            let e = error.unwrap_or_else(|| panic!("no error for a cut at {cut}: {errors:?}"));
            assert!(!e.contains(":0:0:"), "no position: {e}");
        }
    }
    let inside_a_block = cuts
        .iter()
        .find(|&&cut| MODULE[..cut].contains('{'))
        .expect("a cut inside a block");
    assert_unreadable(&run, &format!("cut_{inside_a_block:04}/main.tf"), "");
}

#[test]
fn truncated_json_inputs() {
    let tf_json = br#"{"resource": {"aws_cloudwatch_log_group": {"a": {"name": "/x", "retention_in_days": 7}}}}"#;
    let policy =
        br#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"#;
    let plan = br#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": "aws_s"#;
    let dir = tree(&[
        ("tfjson/main.tf.json", &tf_json[..40]),
        ("policy.json", policy),
        ("plan.json", plan),
        ("good/main.tf", GOOD),
    ]);
    let run = lint(dir.path(), &["."]);
    assert_unreadable(&run, "tfjson/main.tf.json", "");
    assert_unreadable(&run, "policy.json", "");
    assert_unreadable(&run, "plan.json", "");
    assert_eq!(error_position(&run, "tfjson/main.tf.json"), (1, 41));
}

#[test]
fn binary_garbage_named_tf() {
    let random = garbage(64 * 1024, 7);
    // Valid UTF-8 but no HCL: NULs, control characters, stray punctuation.
    let ascii: Vec<u8> = garbage(64 * 1024, 11).iter().map(|b| b % 128).collect();
    let dir = tree(&[
        ("random/main.tf", &random),
        ("ascii/main.tf", &ascii),
        ("zeros/main.tf", &[0u8; 4096]),
        ("good/main.tf", GOOD),
    ]);
    let run = lint(dir.path(), &["."]);
    assert_unreadable(&run, "random/main.tf", "not valid UTF-8");
    assert_unreadable(&run, "ascii/main.tf", "");
    assert_unreadable(&run, "zeros/main.tf", "");
    assert!(run.elapsed < Duration::from_secs(20), "{:?}", run.elapsed);
}

#[test]
fn invalid_utf8_in_a_tf_names_line_and_column() {
    let text = b"resource \"aws_cloudwatch_log_group\" \"a\" {\n  name = \"/orders/\xff\xfe\"\n}\n";
    let dir = tree(&[("bad/main.tf", text), ("good/main.tf", GOOD)]);
    let run = lint(dir.path(), &["."]);
    assert_unreadable(&run, "bad/main.tf", "not valid UTF-8");
    assert_eq!(error_position(&run, "bad/main.tf"), (2, 19));
}

#[test]
fn a_hundred_thousand_nested_brackets() {
    let n = 100_000;
    let nested = |open: &str, close: &str| {
        format!(
            "resource \"aws_cloudwatch_log_group\" \"a\" {{\n  retention_in_days = {}1{}\n}}\n",
            open.repeat(n),
            close.repeat(n)
        )
        .into_bytes()
    };
    let unclosed = format!("locals {{\n  x = {}\n}}\n", "[".repeat(n)).into_bytes();
    let blocks = format!("{}{}", "a {\n".repeat(n), "}\n".repeat(n)).into_bytes();
    let dir = tree(&[
        ("tuples/main.tf", &nested("[", "]")),
        ("objects/main.tf", &nested("{a = ", "}")),
        ("parens/main.tf", &nested("(", ")")),
        ("calls/main.tf", &nested("max(", ")")),
        ("unclosed/main.tf", &unclosed),
        ("blocks/main.tf", &blocks),
        ("good/main.tf", GOOD),
    ]);
    let run = lint(dir.path(), &["."]);
    for dir in ["tuples", "objects", "parens", "calls", "unclosed", "blocks"] {
        assert_unreadable(&run, &format!("{dir}/main.tf"), "nest");
    }
    // The error is where the nesting gets too deep, not at the end of the file.
    assert_eq!(error_position(&run, "blocks/main.tf").0, 65);
}

#[test]
fn long_operator_chains_and_traversals() {
    let n = 100_000;
    let sum = format!(
        "resource \"aws_cloudwatch_log_group\" \"a\" {{\n  retention_in_days = {}\n}}\n",
        vec!["1"; n].join(" + ")
    );
    let traversal = format!(
        "resource \"aws_cloudwatch_log_group\" \"a\" {{\n  retention_in_days = local.x{}\n}}\n",
        "[0]".repeat(n)
    );
    let dir = tree(&[
        ("sum/main.tf", sum.as_bytes()),
        ("traversal/main.tf", traversal.as_bytes()),
        ("good/main.tf", GOOD),
    ]);
    let run = lint(dir.path(), &["."]);
    assert_unreadable(&run, "sum/main.tf", "binary operators");
    // A long but shallow traversal is fine HCL; its value is unknown, so no finding.
    assert!(!run.errors().iter().any(|e| e.starts_with("traversal/")));
}

#[test]
fn a_20_megabyte_line_is_refused_quickly() {
    let huge = format!(
        "resource \"aws_cloudwatch_log_group\" \"a\" {{\n  name = \"{}\"\n}}\n",
        "a".repeat(20 * 1024 * 1024)
    );
    let dir = tree(&[("huge/main.tf", huge.as_bytes()), ("good/main.tf", GOOD)]);
    let run = lint(dir.path(), &["."]);
    assert_unreadable(&run, "huge/main.tf", "line is 20971531 bytes long");
    assert_eq!(error_position(&run, "huge/main.tf"), (2, 1));
    assert!(
        run.elapsed < Duration::from_secs(10),
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn a_20_megabyte_tf_json_line_is_linted_without_printing_it() {
    // JSON has no such limit (minified .tf.json is normal); the human report must not
    // print the line.
    let huge = format!(
        r#"{{"resource": {{"aws_cloudwatch_log_group": {{"a": {{"name": "{}"}}}}}}}}"#,
        "a".repeat(20 * 1024 * 1024)
    );
    let dir = tree(&[("huge/main.tf.json", huge.as_bytes())]);
    let start = Instant::now();
    let output = Command::cargo_bin("tfstack")
        .expect("binary")
        .current_dir(dir.path())
        .args(["lint", "."])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.len() < 2_000, "printed {} bytes", stdout.len());
    assert!(
        stdout.contains("huge/main.tf.json:1:") && stdout.contains("LOG001"),
        "{stdout}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn iam_json_with_a_hundred_thousand_nested_arrays() {
    let n = 100_000;
    let deep = format!(
        r#"{{"Version": "2012-10-17", "Statement": {}{}}}"#,
        "[".repeat(n),
        "]".repeat(n)
    );
    let dir = tree(&[("policy.json", deep.as_bytes()), ("good/main.tf", GOOD)]);
    let run = lint(dir.path(), &["."]);
    assert_unreadable(&run, "policy.json", "nesting too deep");
}

#[test]
fn wrongly_typed_plan_json() {
    let plan = |planned_values: &str| {
        format!(r#"{{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {planned_values}}}"#)
            .into_bytes()
    };
    let resource_values = r#"{"root_module": {"resources": [
        {"address": "aws_cloudwatch_log_group.a", "mode": "managed", "type": "aws_cloudwatch_log_group", "name": "a", "values": [1, 2]},
        {"address": "aws_cloudwatch_log_group.b", "mode": 5, "type": [], "name": {}, "values": {}}
    ]}}"#;
    let dir = tree(&[
        (
            "string-resources/plan.json",
            &plan(r#"{"root_module": {"resources": "aws_s3_bucket.a"}}"#),
        ),
        (
            "number-resources/plan.json",
            &plan(r#"{"root_module": {"resources": [1, 2, null]}}"#),
        ),
        ("array-values/plan.json", &plan(resource_values)),
        ("string-planned-values/plan.json", &plan(r#""everything""#)),
        (
            "bad-children/plan.json",
            &plan(r#"{"root_module": {"child_modules": [3, {"resources": {}}]}}"#),
        ),
        ("good/main.tf", GOOD),
    ]);
    let run = lint(dir.path(), &["."]);
    assert_unreadable(
        &run,
        "string-resources/plan.json",
        "`planned_values.root_module.resources` should be an array, found a string",
    );
    assert_unreadable(
        &run,
        "number-resources/plan.json",
        "`planned_values.root_module.resources[0]` should be an object, found a number",
    );
    assert_unreadable(
        &run,
        "array-values/plan.json",
        "`planned_values.root_module.resources[0].values` should be an object, found an array",
    );
    assert_unreadable(
        &run,
        "array-values/plan.json",
        "`planned_values.root_module.resources[1].mode` should be a string, found a number",
    );
    assert_unreadable(&run, "string-planned-values/plan.json", "`planned_values`");
    assert_unreadable(&run, "bad-children/plan.json", "child_modules[0]");
    // The values line of resource a, not 1:1.
    assert_eq!(error_position(&run, "array-values/plan.json").0, 2);
    // A half-read resource is not linted: no LOG001 for the log group whose values
    // could not be read.
    let doc = run.json();
    assert!(
        !doc["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["path"] == "array-values/plan.json")),
        "{doc:#}"
    );
}

#[test]
fn tf_json_that_is_an_array_or_deep() {
    let deep = format!(
        r#"{{"locals": {{"x": {}{}}}}}"#,
        "[".repeat(1000),
        "]".repeat(1000)
    );
    let dir = tree(&[
        ("array/main.tf.json", b"[1, 2, 3]"),
        ("deep/main.tf.json", deep.as_bytes()),
        ("vars/main.tf", b"variable \"x\" {}\n"),
        ("vars/terraform.tfvars.json", deep.as_bytes()),
        ("good/main.tf", GOOD),
    ]);
    let run = lint(dir.path(), &["."]);
    assert_unreadable(&run, "array/main.tf.json", "must hold a JSON object");
    assert_eq!(error_position(&run, "array/main.tf.json"), (1, 1));
    assert_unreadable(&run, "deep/main.tf.json", "nesting too deep");
    assert_unreadable(&run, "vars/terraform.tfvars.json", "nesting too deep");
}

#[test]
fn an_empty_directory_is_an_error_naming_it() {
    // A CI job pointed at the wrong directory must not pass.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("empty")).expect("mkdir");
    std::fs::write(dir.path().join("tfstack.toml"), "").expect("write");
    let run = lint(dir.path(), &["empty"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(run.errors(), ["empty:0:0: no Terraform files under empty"]);
    let doc = run.json();
    assert_eq!(doc["summary"]["files_checked"], 0);
    assert!(doc["findings"].as_array().is_some_and(Vec::is_empty));
    // Empty files and files of comments are modules with nothing in them.
    let dir = tree(&[
        ("a/main.tf", b""),
        (
            "a/comments.tf",
            b"# nothing here\n// nor here\n/* nor here */\n",
        ),
        ("a/terraform.tfvars", b""),
    ]);
    let run = lint(dir.path(), &["."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn byte_order_mark_is_ignored() {
    // Terraform accepts a UTF-8 BOM (Windows editors write one).
    let mut text = b"\xEF\xBB\xBF".to_vec();
    text.extend_from_slice(GOOD);
    let dir = tree(&[("bom/main.tf", &text)]);
    let run = lint(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{:?}", run.errors());
    assert_eq!(run.json()["findings"][0]["line"], 1);
}

#[test]
fn hostile_command_line_values() {
    let dir = tree(&[("good/main.tf", GOOD)]);
    let deep = format!("x={}", "[".repeat(100_000));
    for var in [deep.as_str(), "x=\u{1}\u{7f}", "x=${", "x=<<EOT", "x="] {
        let run = lint(dir.path(), &["good", "--var", var]);
        assert_eq!(run.code, 1, "{var:.20}: {}", run.stderr);
    }
}

#[cfg(unix)]
#[test]
fn special_files_and_symlink_loops() {
    let dir = tree(&[("good/main.tf", GOOD)]);
    std::os::unix::fs::symlink("..", dir.path().join("good/up")).expect("symlink");
    // A FIFO is refused on its open handle (reading it would block forever).
    let fifo = dir.path().join("good/pipe.tf");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let run = lint(dir.path(), &["."]);
    if !made {
        assert_eq!(run.code, 1, "{:?}", run.errors());
        return;
    }
    // A FIFO named like a module file is refused by name; the module's other files and
    // the walk go on.
    assert_unreadable(&run, "good/pipe.tf", "not a regular file (a FIFO)");
    let run = lint(dir.path(), &["good/pipe.tf"]);
    assert_eq!(run.code, 2);
    assert!(
        run.errors()
            .iter()
            .any(|e| e.contains("not a regular file (a FIFO)")),
        "{:?}",
        run.errors()
    );
}
