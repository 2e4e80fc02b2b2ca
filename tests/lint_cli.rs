//! `tfstack lint`, `rules`, `explain` and `schema` as a user runs them: every input kind,
//! every output format, exit codes, suppressions, configuration and baselines.
//!
//! The binary runs in `tests/fixtures/lint/` with relative paths, so the paths in its
//! output (and in the snapshots) are the same on every machine. That directory holds an
//! empty `tfstack.toml`, so no configuration further up ever applies.
//!
//! Assertions name LOG001 and the suppression rules (TFS001/TFS002) where they count
//! findings, and the fixtures hold nothing else other rules flag, so rules added later
//! leave these tests alone.

mod common;

use common::{copy_dir, tfstack_in, workspace_root, Run};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    workspace_root().join("tests/fixtures/lint")
}

/// Runs `tfstack ARGS` in the fixture directory.
fn tfstack(args: &[&str]) -> Run {
    tfstack_in(&fixtures(), args)
}

/// `tfstack lint ARGS --format json` in the fixture directory.
fn lint_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    let run = tfstack(&all);
    let doc = run.json();
    check_json_shape(&doc);
    (run.code, doc)
}

fn findings<'a>(doc: &'a Value, rule: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["rule"] == rule).collect())
        .unwrap_or_default()
}

fn suppressed<'a>(doc: &'a Value, rule: &str) -> Vec<&'a Value> {
    doc["suppressed"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["rule"] == rule).collect())
        .unwrap_or_default()
}

/// The resource addresses of a list of findings, sorted.
fn resources(list: &[&Value]) -> Vec<String> {
    let mut v: Vec<String> = list
        .iter()
        .map(|f| f["resource"].as_str().unwrap_or("<none>").to_string())
        .collect();
    v.sort();
    v
}

/// Whether a rule is registered and runs (for checks that become meaningful as rules
/// land).
fn has_rule(id: &str) -> bool {
    let run = tfstack(&["rules", "--format", "json"]);
    run.json().as_array().is_some_and(|rules| {
        rules
            .iter()
            .any(|r| r["id"] == id && r["status"] == "active")
    })
}

fn is_positive_int(v: &Value) -> bool {
    v.as_u64().is_some_and(|n| n >= 1)
}

/// The documented `--format json` shape: more fields are allowed, these are required.
fn check_json_shape(doc: &Value) {
    assert_eq!(doc["version"], 1, "{doc:#}");
    let finding_shape = |f: &Value, suppressed: bool| {
        let id = f["rule"].as_str().expect("rule");
        assert!(
            id.len() >= 4 && id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{f}"
        );
        assert!(f["name"].is_string(), "{f}");
        assert!(
            ["error", "warning", "note"].contains(&f["severity"].as_str().unwrap_or("")),
            "{f}"
        );
        assert!(f["message"].is_string(), "{f}");
        assert!(f["path"].is_string(), "{f}");
        for key in ["line", "column", "end_line", "end_column"] {
            assert!(is_positive_int(&f[key]), "{key} in {f}");
        }
        assert!(f["end_line"].as_u64() >= f["line"].as_u64(), "{f}");
        assert!(f["resource"].is_string() || f["resource"].is_null(), "{f}");
        assert!(
            f["attribute"].is_string() || f["attribute"].is_null(),
            "{f}"
        );
        assert_eq!(f["reason"].is_string(), suppressed, "reason in {f}");
    };
    for f in doc["findings"].as_array().expect("findings") {
        finding_shape(f, false);
    }
    for f in doc["suppressed"].as_array().expect("suppressed") {
        finding_shape(f, true);
    }
    for e in doc["errors"].as_array().expect("errors") {
        assert!(e["path"].is_string(), "{e}");
        assert!(e["line"].is_u64() && e["column"].is_u64(), "{e}");
        assert!(e["message"].is_string(), "{e}");
    }
    let summary = &doc["summary"];
    let count = |sev: &str| {
        doc["findings"]
            .as_array()
            .map(|a| a.iter().filter(|f| f["severity"] == sev).count() as u64)
            .unwrap_or(0)
    };
    assert_eq!(summary["errors"].as_u64(), Some(count("error")), "{doc:#}");
    assert_eq!(
        summary["warnings"].as_u64(),
        Some(count("warning")),
        "{doc:#}"
    );
    assert_eq!(summary["notes"].as_u64(), Some(count("note")), "{doc:#}");
    assert!(summary["files"].is_u64(), "{doc:#}");
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

const LOG_GROUP_WITHOUT_RETENTION: &str = r#"resource "aws_cloudwatch_log_group" "new" {
  name = "/orders/new"
}
"#;

// ---------------------------------------------------------------- input kinds

#[test]
fn hcl_module_finding_points_at_the_block() {
    let (code, doc) = lint_json(&["hcl"]);
    assert_eq!(code, 1, "{doc:#}");
    let log = findings(&doc, "LOG001");
    assert_eq!(log.len(), 1, "{doc:#}");
    let f = log[0];
    assert_eq!(f["path"], "tests/fixtures/lint/hcl/main.tf");
    assert_eq!(f["line"], 15);
    assert_eq!(f["column"], 1);
    assert_eq!(f["resource"], "aws_cloudwatch_log_group.audit");
    assert_eq!(f["name"], "log-group-without-retention");
    assert_eq!(f["severity"], "error");
    assert_eq!(doc["summary"]["files"], 1);
    assert_eq!(doc["summary"]["files_checked"], 1);
}

#[test]
fn tf_json_module() {
    let (code, doc) = lint_json(&["tfjson"]);
    assert_eq!(code, 1, "{doc:#}");
    let log = findings(&doc, "LOG001");
    assert_eq!(
        resources(&log),
        ["aws_cloudwatch_log_group.worker"],
        "{doc:#}"
    );
    let f = log[0];
    assert_eq!(f["path"], "tests/fixtures/lint/tfjson/main.tf.json");
    assert_eq!(f["attribute"], "retention_in_days");
    // The span is the `0` of `"retention_in_days": 0`.
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(10), Some(30))
    );
}

#[test]
fn terraform_tfvars_is_auto_loaded() {
    // terraform.tfvars sets retention_days = 0: without it the variable is unknown and
    // nothing would be reported.
    let (code, doc) = lint_json(&["tfvars/base"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        resources(&findings(&doc, "LOG001")),
        ["aws_cloudwatch_log_group.api"]
    );
    // --var overrides it.
    let (code, doc) = lint_json(&["tfvars/base", "--var", "retention_days=30"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(findings(&doc, "LOG001").is_empty());
}

#[test]
fn var_values_are_read_by_the_variables_type() {
    // `map(number)` reads an expression: `api` keeps its logs 0 days. The untyped
    // variable takes the text as a string, which has no `worker` key: no finding.
    let (code, doc) = lint_json(&[
        "tfvars/typed",
        "--var",
        "retention_by_name={api=0}",
        "--var",
        "retention_untyped={worker=0}",
        "--var",
        "keep_forever=false",
        "--var",
        "days=7",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        resources(&findings(&doc, "LOG001")),
        ["aws_cloudwatch_log_group.api"]
    );
    // `bool` converts `true`: the audit log group keeps its logs forever.
    let (code, doc) = lint_json(&[
        "tfvars/typed",
        "--var",
        "retention_by_name={api=7}",
        "--var",
        "keep_forever=true",
        "--var",
        "days=7",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        resources(&findings(&doc, "LOG001")),
        ["aws_cloudwatch_log_group.audit"]
    );
}

#[test]
fn a_var_value_not_of_the_variables_type_is_an_input_error() {
    for (var, message) in [
        (
            "retention_by_name={",
            "--var retention_by_name: expected a `map(number)` expression: ",
        ),
        ("days=abc", "--var days: expected a number: got `abc`"),
        (
            "keep_forever=yes",
            "--var keep_forever: expected a bool (`true` or `false`): got `yes`",
        ),
    ] {
        let (code, doc) = lint_json(&["tfvars/typed", "--var", var]);
        assert_eq!(code, 2, "{var}: {doc:#}");
        let errors = common::shown(&doc, "errors", &["path", "message"], ": ");
        assert_eq!(errors.len(), 1, "{var}: {errors:?}");
        assert!(
            errors[0].contains(&format!("tfvars/typed/main.tf: {message}")),
            "{var}: {errors:?}"
        );
    }
    let run = tfstack(&["lint", "tfvars/typed", "--var", "retention_by_name={"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    insta::assert_snapshot!("var_not_of_the_type", run.stdout);
}

#[test]
fn auto_tfvars_win_over_terraform_tfvars_and_var_files_over_both() {
    // terraform.tfvars says 14, prod.auto.tfvars (loaded later) says 0.
    let (code, doc) = lint_json(&["tfvars/auto"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(findings(&doc, "LOG001").len(), 1);
    // --var-file comes after the auto-loaded files.
    let (code, doc) = lint_json(&["tfvars/auto", "--var-file", "tfvars/overrides/keep.tfvars"]);
    assert_eq!(code, 0, "{doc:#}");
    // --var comes last of all.
    let (code, doc) = lint_json(&[
        "tfvars/auto",
        "--var-file",
        "tfvars/overrides/keep.tfvars",
        "--var",
        "retention_days=0",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(findings(&doc, "LOG001").len(), 1);
    // A var file can also be what makes the finding.
    let (code, doc) = lint_json(&["clean", "--var-file", "tfvars/overrides/forever.tfvars"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(findings(&doc, "LOG001").len(), 1);
}

#[test]
fn missing_var_file_is_unreadable_input() {
    let run = tfstack(&[
        "lint",
        "clean",
        "--var-file",
        "tfvars/overrides/nope.tfvars",
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("nope.tfvars"), "{}", run.stdout);
}

#[test]
fn standalone_iam_policy_json_is_checked() {
    // orders-read.json has a top-level Statement; settings.json is not a policy.
    let (code, doc) = lint_json(&["policy"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["summary"]["files_checked"], 1, "{doc:#}");
    assert!(doc["errors"].as_array().is_some_and(Vec::is_empty));
    let (_, doc) = lint_json(&["policy/orders-read.json"]);
    assert_eq!(doc["summary"]["files_checked"], 1, "{doc:#}");
    let (_, doc) = lint_json(&["policy/settings.json"]);
    assert_eq!(doc["summary"]["files_checked"], 0, "{doc:#}");
}

#[test]
fn standalone_policy_findings_have_no_resource() {
    if !has_rule("IAM001") {
        println!("skipped: IAM001 is not registered yet");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        &dir.path().join("admin.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    );
    let run = tfstack_in(dir.path(), &["lint", "--format", "json", "."]);
    let doc = run.json();
    let iam = findings(&doc, "IAM001");
    assert_eq!(iam.len(), 1, "{doc:#}");
    assert_eq!(iam[0]["path"], "admin.json");
    assert!(iam[0]["resource"].is_null(), "{doc:#}");
}

#[test]
fn terraform_plan_json_from_real_terraform() {
    // tests/fixtures/plan-source/regenerate.sh wrote it with terraform plan + show -json.
    let (code, doc) = lint_json(&["plan"]);
    assert_eq!(code, 1, "{doc:#}");
    let log = findings(&doc, "LOG001");
    // The provider reads an unset retention as 0; the other two groups keep 30 and 365
    // days (the one in module.audit included).
    assert_eq!(
        resources(&log),
        ["aws_cloudwatch_log_group.legacy"],
        "{doc:#}"
    );
    let f = log[0];
    assert_eq!(f["path"], "tests/fixtures/lint/plan/plan.json");
    assert_eq!(f["attribute"], "retention_in_days");
    let plan = std::fs::read_to_string(fixtures().join("plan/plan.json")).expect("plan");
    let line = plan
        .lines()
        .nth(f["line"].as_u64().expect("line") as usize - 1)
        .unwrap_or("");
    assert!(line.contains("\"retention_in_days\": 0"), "{line}");
    assert_eq!(doc["summary"]["files_checked"], 1);
}

/// A finding in a child module of a plan names the resource with its module address.
#[test]
fn plan_findings_in_child_modules_carry_the_module_address() {
    let text = std::fs::read_to_string(fixtures().join("plan/plan.json")).expect("plan");
    let mut plan: Value = serde_json::from_str(&text).expect("plan JSON");
    let child = &mut plan["planned_values"]["root_module"]["child_modules"][0];
    assert_eq!(child["address"], "module.audit");
    child["resources"][0]["values"]["retention_in_days"] = Value::from(0);
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        &dir.path().join("plan.json"),
        &serde_json::to_string_pretty(&plan).expect("JSON"),
    );
    let run = tfstack_in(dir.path(), &["lint", "plan.json", "--format", "json"]);
    let doc = run.json();
    assert_eq!(
        resources(&findings(&doc, "LOG001")),
        [
            "aws_cloudwatch_log_group.legacy",
            "module.audit.aws_cloudwatch_log_group.audit"
        ],
        "{doc:#}"
    );
}

/// `tfstack lint main.tf` (what pre-commit runs for a changed file): the file is linted in
/// its module — the log group in `logs.tf` counts — and only its findings are reported.
#[test]
fn a_named_file_is_linted_in_its_module_and_reported_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        &dir.path().join("main.tf"),
        r#"resource "aws_lambda_function" "orders" {
  function_name = "orders"
  role          = "arn:aws:iam::123456789012:role/orders"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "orders.zip"
  timeout       = 10
}
"#,
    );
    write(
        &dir.path().join("logs.tf"),
        r#"resource "aws_cloudwatch_log_group" "orders" {
  name = "/aws/lambda/${aws_lambda_function.orders.function_name}"
}
"#,
    );
    // Alone, main.tf has no finding: its log group is in logs.tf (no LOG002), and the
    // group's missing retention (LOG001) is logs.tf's.
    let run = tfstack_in(dir.path(), &["lint", "main.tf", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let doc = run.json();
    assert_eq!(doc["findings"].as_array().map(Vec::len), Some(0), "{doc:#}");
    assert_eq!(doc["summary"]["files_checked"].as_u64(), Some(1), "{doc:#}");
    // Named, logs.tf reports its own finding, once, also when named twice.
    let run = tfstack_in(
        dir.path(),
        &["lint", "logs.tf", "./logs.tf", "--format", "json"],
    );
    let doc = run.json();
    assert_eq!(
        resources(&findings(&doc, "LOG001")),
        ["aws_cloudwatch_log_group.orders"],
        "{doc:#}"
    );
    assert!(findings(&doc, "LOG002").is_empty(), "{doc:#}");
    // Files of one directory named in different forms: still one module.
    let absolute = dir.path().join("logs.tf");
    let absolute = absolute.to_string_lossy();
    let run = tfstack_in(
        dir.path(),
        &["lint", "main.tf", &absolute, "--format", "json"],
    );
    let doc = run.json();
    assert_eq!(findings(&doc, "LOG001").len(), 1, "{doc:#}");
    assert!(findings(&doc, "LOG002").is_empty(), "{doc:#}");
    assert_eq!(doc["summary"]["files_checked"].as_u64(), Some(2), "{doc:#}");
    // The directory named as well: linted whole, each finding once.
    let run = tfstack_in(dir.path(), &["lint", "main.tf", ".", "--format", "json"]);
    let doc = run.json();
    assert_eq!(findings(&doc, "LOG001").len(), 1, "{doc:#}");
    assert_eq!(doc["summary"]["files_checked"].as_u64(), Some(2), "{doc:#}");
}

#[test]
fn local_module_calls_are_linted_once() {
    // Given one file, its directory's `./logs` and `../shared` calls are linted too.
    let (code, doc) = lint_json(&["modules/app/main.tf"]);
    assert_eq!(code, 1, "{doc:#}");
    let mut paths: Vec<&str> = findings(&doc, "LOG001")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "tests/fixtures/lint/modules/app/logs/main.tf",
            "tests/fixtures/lint/modules/shared/main.tf"
        ]
    );
    // Walked and called: still once each.
    for args in [["modules"], ["modules/app"]] {
        let (_, doc) = lint_json(&args);
        let mut paths: Vec<&str> = findings(&doc, "LOG001")
            .iter()
            .filter_map(|f| f["path"].as_str())
            .collect();
        paths.sort();
        assert_eq!(
            paths,
            [
                "tests/fixtures/lint/modules/app/logs/main.tf",
                "tests/fixtures/lint/modules/shared/main.tf"
            ],
            "{args:?}"
        );
    }
}

#[test]
fn discovery_skips_dot_terraform_hidden_and_gitignored_dirs_but_not_ignored_tf_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(&root.join("visible/main.tf"), LOG_GROUP_WITHOUT_RETENTION);
    write(
        &root.join(".terraform/modules/vpc/main.tf"),
        LOG_GROUP_WITHOUT_RETENTION,
    );
    write(&root.join(".hidden/main.tf"), LOG_GROUP_WITHOUT_RETENTION);
    write(&root.join("generated/main.tf"), LOG_GROUP_WITHOUT_RETENTION);
    write(&root.join("scratch.local.tf"), LOG_GROUP_WITHOUT_RETENTION);
    write(&root.join(".gitignore"), "generated/\n*.local.tf\n");
    write(&root.join("tfstack.toml"), "");
    let run = tfstack_in(root, &["lint", "--format", "json"]);
    let doc = run.json();
    let paths: Vec<&str> = findings(&doc, "LOG001")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    // An ignored directory is not entered; an ignored `.tf` file of a module directory
    // is linted: Terraform loads it.
    assert_eq!(paths, ["scratch.local.tf", "visible/main.tf"], "{doc:#}");
    assert_eq!(doc["summary"]["files_checked"], 2, "{doc:#}");
}

#[test]
fn override_files_are_merged_into_the_blocks_they_override() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(
        &root.join("main.tf"),
        r#"locals {
  retention = 0
}
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
resource "aws_sqs_queue" "jobs_failed" {
  name                      = "jobs-failed"
  message_retention_seconds = 1209600
}
resource "aws_cloudwatch_log_group" "app" {
  name              = "/app"
  retention_in_days = local.retention
}
resource "aws_cloudwatch_log_group" "audit" {
  name              = "/audit"
  retention_in_days = 30
}
"#,
    );
    // Terraform merges these into the blocks above (after the other files, by name):
    // the queue gets its dead-letter queue, the retention local becomes 14, and the audit
    // log group's retention 0 — reported where the override writes it.
    write(
        &root.join("override.tf"),
        r#"resource "aws_sqs_queue" "jobs" {
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.jobs_failed.arn, maxReceiveCount = 5 })
}
locals {
  retention = 14
}
"#,
    );
    write(
        &root.join("prod_override.tf"),
        "resource \"aws_cloudwatch_log_group\" \"audit\" {\n  retention_in_days = 0\n}\n",
    );
    let run = tfstack_in(root, &["lint", "--format", "json", "."]);
    let doc = run.json();
    let found: Vec<(String, String)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                format!(
                    "{} {}",
                    f["rule"].as_str().unwrap_or(""),
                    f["resource"].as_str().unwrap_or("")
                ),
                format!("{}:{}", f["path"].as_str().unwrap_or(""), f["line"]),
            )
        })
        .filter(|(r, _)| r.starts_with("DLQ001") || r.starts_with("LOG001"))
        .collect();
    assert_eq!(
        found,
        [(
            "LOG001 aws_cloudwatch_log_group.audit".to_string(),
            "prod_override.tf:2".to_string()
        )],
        "{doc:#}"
    );
}

#[test]
fn an_override_of_nothing_declared_is_an_input_error_at_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(
        &root.join("main.tf"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
    );
    write(
        &root.join("override.tf"),
        "resource \"aws_sqs_queue\" \"q\" {}\n\nresource \"aws_sqs_queue\" \"typo\" {}\n",
    );
    let run = tfstack_in(root, &["lint", "--format", "json", "."]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let doc = run.json();
    assert_eq!(
        common::shown(&doc, "errors", &["path", "line", "message"], ":"),
        ["override.tf:3:override of resource `aws_sqs_queue.typo`, which no primary file declares"],
        "{doc:#}"
    );
}

#[test]
fn a_name_declared_twice_is_an_input_error_naming_both_places() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(
        &root.join("a.tf"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"a\"\n}\n",
    );
    write(
        &root.join("b.tf"),
        "\nresource \"aws_sqs_queue\" \"q\" {\n  name = \"b\"\n}\n",
    );
    let run = tfstack_in(root, &["lint", "--format", "json", "."]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let doc = run.json();
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{doc:#}");
    assert_eq!(errors[0]["path"], "b.tf", "{doc:#}");
    assert_eq!(errors[0]["line"], 2, "{doc:#}");
    assert_eq!(
        errors[0]["message"], "resource `aws_sqs_queue.q` is declared twice: first at a.tf:1:1",
        "{doc:#}"
    );
}

// ---------------------------------------------------------------- output formats

#[test]
fn human_output_snapshot() {
    let run = tfstack(&["lint", "hcl"]);
    assert_eq!(run.code, 1);
    assert!(
        !run.stdout.contains('\u{1b}'),
        "colour escapes in non-TTY output"
    );
    insta::assert_snapshot!("human_hcl", run.stdout);
}

#[test]
fn json_output_snapshot() {
    let run = tfstack(&["lint", "--format", "json", "suppress"]);
    check_json_shape(&run.json());
    insta::assert_snapshot!("json_suppress", run.stdout);
}

/// The OASIS SARIF 2.1.0 schema (a copy vendored in the repository).
fn sarif_validator() -> Option<jsonschema::Validator> {
    let path = workspace_root().join("tests/fixtures/schemas/sarif-2.1.0.json");
    let text = std::fs::read_to_string(&path).expect("the vendored SARIF schema");
    let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
    Some(jsonschema::validator_for(&schema).expect("the SARIF schema compiles"))
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let Some(validator) = sarif_validator() else {
        return;
    };
    // Findings, suppressed findings, and an unreadable file.
    for args in [
        vec!["hcl"],
        vec!["suppress"],
        vec!["broken"],
        vec!["clean"],
        vec!["plan"],
    ] {
        let mut all = vec!["lint", "--format", "sarif"];
        all.extend(args.iter().copied());
        let run = tfstack(&all);
        let sarif = run.json();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {}", errors.join("\n"));
        assert_eq!(sarif["version"], "2.1.0");
    }
    let run = tfstack(&["lint", "--format", "sarif", "suppress"]);
    let sarif = run.json();
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(rules
        .iter()
        .all(|r| r["helpUri"].is_string() && r["help"]["text"].is_string()));
    // Three suppressed by comments with reasons, one by a comment without (which TFS001
    // reports).
    let with_suppressions = results
        .iter()
        .filter(|r| r["ruleId"] == "LOG001" && r["suppressions"].is_array())
        .count();
    assert_eq!(with_suppressions, 4, "{sarif:#}");
    let region = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        region["artifactLocation"]["uri"],
        "tests/fixtures/lint/suppress/main.tf"
    );
    assert_eq!(region["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert!(is_positive_int(&region["region"]["startLine"]));
}

#[test]
fn github_output_is_workflow_commands() {
    let run = tfstack(&["lint", "--format", "github", "hcl"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert!(
        lines[0].starts_with(
            "::error file=tests/fixtures/lint/hcl/main.tf,line=15,col=1,endLine=15,endColumn=44,title=LOG001 log-group-without-retention::log group `aws_cloudwatch_log_group.audit` has no retention"
        ),
        "{}",
        lines[0]
    );
    // Warnings and unreadable files.
    let run = tfstack(&["lint", "--format", "github", "suppress", "broken"]);
    assert!(
        run.stdout.lines().any(|l| l
            .starts_with("::warning file=tests/fixtures/lint/suppress/main.tf,line=22,")
            && l.contains("title=TFS002 unused-suppression::")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l
                .starts_with("::error file=tests/fixtures/lint/broken/bad/main.tf,line=4,col=1,")),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------- exit codes

#[test]
fn exit_0_when_clean() {
    let run = tfstack(&["lint", "clean"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("0 errors, 0 warnings"),
        "{}",
        run.stdout
    );
    let (code, _) = lint_json(&[
        "clean",
        "policy",
        "tfvars/base",
        "--var",
        "retention_days=7",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn exit_1_at_or_above_fail_on() {
    assert_eq!(tfstack(&["lint", "hcl"]).code, 1);
    // LOG001 as a warning: passes by default, fails at --fail-on warning.
    let warn = ["lint", "--config", "config/warnings.toml", "hcl"];
    assert_eq!(tfstack(&warn).code, 0);
    assert_eq!(
        tfstack(&[&warn[..], &["--fail-on", "warning"]].concat()).code,
        1
    );
    assert_eq!(
        tfstack(&[&warn[..], &["--fail-on", "error"]].concat()).code,
        0
    );
    // As a note: only --fail-on note fails.
    let note = ["lint", "--config", "config/notes.toml", "hcl"];
    let (_, doc) = lint_json(&["--config", "config/notes.toml", "hcl"]);
    assert_eq!(findings(&doc, "LOG001")[0]["severity"], "note");
    assert_eq!(
        tfstack(&[&note[..], &["--fail-on", "warning"]].concat()).code,
        0
    );
    assert_eq!(
        tfstack(&[&note[..], &["--fail-on", "note"]].concat()).code,
        1
    );
}

#[test]
fn exit_2_on_bad_usage() {
    for args in [
        vec!["lint", "--format", "xml", "hcl"],
        vec!["lint", "--fail-on", "fatal", "hcl"],
        vec!["lint", "--var", "retention_days", "hcl"],
        vec!["lint", "--stack", "no_such_stack"],
        vec!["lint", "--stack", "lab_http_api", "hcl"],
        vec!["lint", "--no-such-flag"],
        vec!["explain"],
        vec!["schema", "nothing"],
    ] {
        let run = tfstack(&args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(!run.stderr.is_empty(), "{args:?}: no message");
    }
}

#[test]
fn exit_2_on_missing_input() {
    let run = tfstack(&["lint", "no/such/dir"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("no/such/dir"), "{}", run.stdout);
}

/// `tfstack lint … | head`: the reader goes away after the first line. The rest of the
/// report is dropped quietly (this used to panic with "failed printing to stdout").
#[test]
fn a_reader_that_closes_the_pipe_early_is_not_a_crash() {
    use std::io::Read;
    use std::process::{Command as Process, Stdio};
    let dir = tempfile::tempdir().expect("temp dir");
    // ~600 findings: far more JSON than a pipe buffer holds.
    let groups: String = (0..600)
        .map(|i| {
            format!("resource \"aws_cloudwatch_log_group\" \"g{i}\" {{\n  name = \"/g/{i}\"\n}}\n")
        })
        .collect();
    write(&dir.path().join("main.tf"), &groups);
    let mut child = Process::new(assert_cmd::cargo::cargo_bin("tfstack"))
        .current_dir(dir.path())
        .args(["lint", ".", "--format", "json"])
        .env_remove("CI")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tfstack runs");
    let mut first = [0u8; 1];
    child
        .stdout
        .take()
        .expect("stdout is piped")
        .read_exact(&mut first)
        .expect("the report starts");
    // The read end is closed here (dropped above).
    let output = child.wait_with_output().expect("tfstack exits");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(first, *b"{");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101), "{stderr}");
}

#[test]
fn exit_2_on_parse_error_and_the_rest_is_still_linted() {
    let run = tfstack(&["lint", "broken"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    // The good module's finding is reported...
    assert!(
        run.stdout.contains("aws_cloudwatch_log_group.api"),
        "{}",
        run.stdout
    );
    // ...and the parse error is shown at its file, line and column, with its lines.
    assert!(run.stdout.contains("× expected `]`"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("╭─[tests/fixtures/lint/broken/bad/main.tf:4:1]\n 3 │   retention_in_days = [30\n 4 │ }"),
        "{}",
        run.stdout
    );
    let (code, doc) = lint_json(&["broken"]);
    assert_eq!(code, 2);
    assert_eq!(findings(&doc, "LOG001").len(), 1, "{doc:#}");
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{doc:#}");
    assert_eq!(errors[0]["path"], "tests/fixtures/lint/broken/bad/main.tf");
    // The list opened on line 3 meets the block's `}` on line 4.
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["column"].as_u64()),
        (Some(4), Some(1))
    );
    // Unreadable input wins over findings, whatever --fail-on says.
    assert_eq!(tfstack(&["lint", "--fail-on", "note", "broken"]).code, 2);
}

// ---------------------------------------------------------------- suppressions

#[test]
fn inline_suppressions() {
    let (code, doc) = lint_json(&["suppress"]);
    // TFS001 (a suppression without reason) is an error.
    assert_eq!(code, 1, "{doc:#}");
    assert!(findings(&doc, "LOG001").is_empty(), "{doc:#}");
    let accepted = suppressed(&doc, "LOG001");
    assert_eq!(
        resources(&accepted),
        [
            "aws_cloudwatch_log_group.audit",
            "aws_cloudwatch_log_group.debug",
            "aws_cloudwatch_log_group.import",
            "aws_cloudwatch_log_group.migration",
        ],
        "{doc:#}"
    );
    let reason = |address: &str| {
        accepted
            .iter()
            .find(|f| f["resource"] == address)
            .and_then(|f| f["reason"].as_str())
            .unwrap_or("<none>")
            .to_string()
    };
    assert_eq!(
        reason("aws_cloudwatch_log_group.audit"),
        "archived daily by the audit export job, deleted by hand"
    );
    // `//` and the rule's name work as well as `#` and its ID.
    assert_eq!(
        reason("aws_cloudwatch_log_group.migration"),
        "removed with the migration stack next sprint"
    );
    // On the attribute, not only the block.
    assert_eq!(
        reason("aws_cloudwatch_log_group.import"),
        "the import job deletes its own streams"
    );
    let no_reason = findings(&doc, "TFS001");
    assert_eq!(no_reason.len(), 1, "{doc:#}");
    assert_eq!(no_reason[0]["line"], 17);
    assert_eq!(no_reason[0]["severity"], "error");
    let unused = findings(&doc, "TFS002");
    assert_eq!(unused.len(), 1, "{doc:#}");
    assert_eq!(unused[0]["line"], 22);
    assert_eq!(unused[0]["severity"], "warning");
}

// ---------------------------------------------------------------- configuration

#[test]
fn config_found_upwards_suppresses_by_resource_and_path_glob_until_a_date() {
    let (code, doc) = lint_json(&["config/infra"]);
    assert_eq!(code, 1, "{doc:#}");
    // `until` in the past: the finding is back; the others are accepted.
    assert_eq!(
        resources(&findings(&doc, "LOG001")),
        [
            "aws_cloudwatch_log_group.current",
            "aws_cloudwatch_log_group.expired"
        ],
        "{doc:#}"
    );
    let accepted = suppressed(&doc, "LOG001");
    assert_eq!(
        resources(&accepted),
        [
            "aws_cloudwatch_log_group.legacy_api",
            "aws_cloudwatch_log_group.legacy_jobs",
            "aws_cloudwatch_log_group.scratch",
            "aws_cloudwatch_log_group.temporary",
        ],
        "{doc:#}"
    );
    let scratch = accepted
        .iter()
        .find(|f| f["resource"] == "aws_cloudwatch_log_group.scratch")
        .expect("scratch");
    assert_eq!(scratch["reason"], "sandbox accounts are wiped every week");
}

#[test]
fn config_path_globs_hold_wherever_the_linter_runs() {
    // `**/sandbox/**` matches from the configuration's directory too, not only from
    // where the command happens to run.
    let run = tfstack_in(
        &fixtures().join("config/infra/sandbox"),
        &["lint", "--format", "json", "."],
    );
    let doc = run.json();
    assert!(findings(&doc, "LOG001").is_empty(), "{doc:#}");
    assert_eq!(suppressed(&doc, "LOG001").len(), 1, "{doc:#}");
}

#[test]
fn config_via_flag_turns_rules_off_and_overrides_severity() {
    let (code, doc) = lint_json(&["--config", "config/off.toml", "hcl"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(findings(&doc, "LOG001").is_empty());
    let (_, doc) = lint_json(&["--config", "config/warnings.toml", "hcl"]);
    assert_eq!(findings(&doc, "LOG001")[0]["severity"], "warning");
    // --config wins over the tfstack.toml found upwards.
    let (_, doc) = lint_json(&["--config", "config/warnings.toml", "config/infra"]);
    assert_eq!(findings(&doc, "LOG001").len(), 6, "{doc:#}");
}

#[test]
fn an_expired_config_suppression_brings_the_finding_back_and_is_reported() {
    let (code, doc) = lint_json(&["--config", "config/expired.toml", "hcl"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(findings(&doc, "LOG001").len(), 1, "{doc:#}");
    let expired = findings(&doc, "TFS003");
    assert_eq!(expired.len(), 1, "{doc:#}");
    assert_eq!(
        expired[0]["path"],
        "tests/fixtures/lint/config/expired.toml"
    );
    assert_eq!(expired[0]["line"], 6);
    assert!(
        expired[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("expired after 2020-01-31")),
        "{doc:#}"
    );
    // Human output shows the entry in the file.
    let run = tfstack(&["lint", "--config", "config/expired.toml", "hcl"]);
    assert!(
        run.stdout.contains("until = \"2020-01-31\""),
        "{}",
        run.stdout
    );
}

#[test]
fn config_production_names_decide_production() {
    if !has_rule("APIGW001") {
        println!("skipped: APIGW001 is not registered yet");
        return;
    }
    // A stage called `customer-facing` is production only by configuration.
    let (_, doc) = lint_json(&["apigw"]);
    assert!(findings(&doc, "APIGW001").is_empty(), "{doc:#}");
    let (_, doc) = lint_json(&["--config", "config/tfstack.toml", "apigw"]);
    assert_eq!(findings(&doc, "APIGW001").len(), 1, "{doc:#}");
    // --env names the environment of hand-written code.
    let (_, doc) = lint_json(&["--env", "live", "apigw"]);
    assert_eq!(findings(&doc, "APIGW001").len(), 1, "{doc:#}");
    let (_, doc) = lint_json(&["--env", "dev", "apigw"]);
    assert!(findings(&doc, "APIGW001").is_empty(), "{doc:#}");
}

#[test]
fn invalid_config_is_exit_2_with_file_and_line() {
    let run = tfstack(&["lint", "config-invalid"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("config-invalid/tfstack.toml:4:"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("LOG001"), "{}", run.stderr);
    let run = tfstack(&["lint", "--config", "config/unknown-key.toml", "hcl"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("[config/unknown-key.toml:4:2]"),
        "{}",
        run.stderr
    );
    let run = tfstack(&["lint", "--config", "config/none.toml", "hcl"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("none.toml"), "{}", run.stderr);
}

#[test]
fn schema_config_prints_a_json_schema() {
    let run = tfstack(&["schema", "config"]);
    assert_eq!(run.code, 0);
    let schema = run.json();
    assert!(
        schema["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("json-schema.org")),
        "{schema:#}"
    );
    for key in ["rules", "suppress", "production_names", "profile"] {
        assert!(schema["properties"][key].is_object(), "{key}: {schema:#}");
    }
    assert_eq!(schema["additionalProperties"], false);
    // What the fixture configuration says, as JSON, is valid against it; a misspelt
    // severity is not.
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let valid = serde_json::json!({
        "production_names": ["customer-facing"],
        "rules": {"LOG001": "warning", "LOG": "off"},
        "suppress": [{
            "rule": "LOG001",
            "resource": "aws_cloudwatch_log_group.legacy_*",
            "reason": "exported nightly",
            "until": "2999-12-31"
        }]
    });
    assert!(validator.is_valid(&valid));
    assert!(!validator.is_valid(&serde_json::json!({"rules": {"LOG001": "loud"}})));
    assert!(!validator.is_valid(&serde_json::json!({"suppress": [{"rule": "LOG001"}]})));
}

// ---------------------------------------------------------------- baseline

#[test]
fn baseline_accepts_known_findings_and_fails_on_new_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let module = dir.path().join("hcl");
    copy_dir(&fixtures().join("hcl"), &module);
    write(&dir.path().join("tfstack.toml"), "");
    let run = tfstack_in(
        dir.path(),
        &["lint", "hcl", "--write-baseline", "baseline.json"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("baseline.json")).expect("baseline written"),
    )
    .expect("baseline is JSON");
    let text = baseline.to_string();
    assert!(text.contains("aws_cloudwatch_log_group.audit"), "{text}");
    assert!(
        !text.contains("\"line\""),
        "keyed without line numbers: {text}"
    );

    let run = tfstack_in(dir.path(), &["lint", "hcl", "--baseline", "baseline.json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // Lines move: still known. A new finding: fails, and is the only one reported.
    let main = module.join("main.tf");
    let original = std::fs::read_to_string(&main).expect("main.tf");
    write(
        &main,
        &format!("# moved down by a comment\n\n{original}\n{LOG_GROUP_WITHOUT_RETENTION}"),
    );
    let run = tfstack_in(
        dir.path(),
        &[
            "lint",
            "--format",
            "json",
            "hcl",
            "--baseline",
            "baseline.json",
        ],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let doc = run.json();
    assert_eq!(
        resources(&findings(&doc, "LOG001")),
        ["aws_cloudwatch_log_group.new"]
    );
    let known = suppressed(&doc, "LOG001");
    assert_eq!(resources(&known), ["aws_cloudwatch_log_group.audit"]);
    assert_eq!(known[0]["reason"], "in baseline");

    let run = tfstack_in(dir.path(), &["lint", "hcl", "--baseline", "missing.json"]);
    assert_eq!(run.code, 2);
}

/// A baseline of one module's findings; the module copied into another directory: the
/// copy's findings are new (the module is part of an entry), the original's stay known.
/// Entries that no longer match are counted, and writing the baseline again drops them.
#[test]
fn a_copy_of_baselined_code_in_another_module_is_new_and_stale_entries_are_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&fixtures().join("hcl"), &dir.path().join("hcl"));
    write(&dir.path().join("tfstack.toml"), "");
    let run = tfstack_in(
        dir.path(),
        &["lint", ".", "--write-baseline", "baseline.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("baseline.json")).expect("written"),
    )
    .expect("JSON");
    assert_eq!(written["version"], 2);
    let entry = &written["findings"][0];
    assert_eq!(entry["module"], "hcl");
    assert!(
        entry["fingerprint"].as_str().is_some_and(|f| f.len() == 16),
        "{entry}"
    );
    copy_dir(&fixtures().join("hcl"), &dir.path().join("copy"));
    let lint = |args: &[&str]| {
        let mut all = vec!["lint", "--format", "json", "."];
        all.extend_from_slice(args);
        tfstack_in(dir.path(), &all)
    };
    let run = lint(&["--baseline", "baseline.json"]);
    assert_eq!(run.code, 1, "the copy fails: {}", run.stdout);
    let doc = run.json();
    let new: Vec<&str> = findings(&doc, "LOG001")
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(new, ["copy/main.tf"]);
    assert_eq!(suppressed(&doc, "LOG001").len(), 1);
    // The original fixed: its entry is stale, counted in the summary and dropped when the
    // baseline is written again.
    std::fs::remove_dir_all(dir.path().join("hcl")).expect("remove");
    let doc = lint(&["--baseline", "baseline.json"]).json();
    assert_eq!(doc["summary"]["baseline_stale"], 1, "{doc:#}");
    let human = tfstack_in(dir.path(), &["lint", ".", "--baseline", "baseline.json"]);
    assert!(
        human.stdout.contains("1 baseline entry matched nothing"),
        "{}",
        human.stdout
    );
    let run = lint(&["--write-baseline", "baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = lint(&["--baseline", "baseline.json"]).json();
    assert!(doc["summary"].get("baseline_stale").is_none(), "{doc:#}");
    assert_eq!(findings(&doc, "LOG001").len(), 0);
}

/// Baselines written before entries named their module and fingerprint still work.
#[test]
fn a_version_1_baseline_is_still_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&fixtures().join("hcl"), &dir.path().join("hcl"));
    write(&dir.path().join("tfstack.toml"), "");
    write(
        &dir.path().join("old.json"),
        r#"{"version": 1, "findings": [{"rule": "LOG001", "key": "aws_cloudwatch_log_group.audit", "attribute": null}]}"#,
    );
    let run = tfstack_in(dir.path(), &["lint", "hcl", "--baseline", "old.json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    write(
        &dir.path().join("future.json"),
        r#"{"version": 9, "findings": []}"#,
    );
    let run = tfstack_in(dir.path(), &["lint", "hcl", "--baseline", "future.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("baseline version 9"), "{}", run.stderr);
}

#[test]
fn write_baseline_with_unreadable_input_is_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let baseline = dir.path().join("baseline.json");
    let baseline_arg = baseline.to_string_lossy().to_string();
    let run = tfstack(&["lint", "broken", "--write-baseline", &baseline_arg]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("broken/bad/main.tf:4:1"),
        "{}",
        run.stderr
    );
    // What could be read is still recorded.
    let text = std::fs::read_to_string(&baseline).expect("baseline written");
    assert!(text.contains("aws_cloudwatch_log_group.api"), "{text}");
}

// ---------------------------------------------------------------- rules, explain

#[test]
fn rules_lists_every_rule_in_three_formats() {
    let run = tfstack(&["rules"]);
    assert_eq!(run.code, 0);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("LOG001 "))
        .expect("LOG001 listed");
    assert!(line.contains("error") && line.contains("log-group-without-retention"));
    for id in ["TFS001", "TFS002"] {
        assert!(
            run.stdout.lines().any(|l| l.starts_with(id)),
            "{}",
            run.stdout
        );
    }

    let run = tfstack(&["rules", "--format", "json"]);
    assert_eq!(run.code, 0);
    let rules = run.json();
    let log = rules
        .as_array()
        .and_then(|a| a.iter().find(|r| r["id"] == "LOG001"))
        .expect("LOG001 in JSON");
    assert_eq!(log["name"], "log-group-without-retention");
    assert_eq!(log["family"], "LOG");
    assert_eq!(log["severity"], "error");
    assert!(log["docs"]
        .as_str()
        .is_some_and(|d| d.contains("## Use instead")));

    let run = tfstack(&["rules", "--format", "markdown"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("| ID | name | severity |"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("| [LOG001](docs/rules/LOG001.md) | `log-group-without-retention` | error |"));
    assert_eq!(tfstack(&["rules", "--format", "yaml"]).code, 2);
}

#[test]
fn explain_prints_the_rule_docs_by_id_or_name() {
    let by_id = tfstack(&["explain", "LOG001"]);
    assert_eq!(by_id.code, 0);
    for section in [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
    ] {
        assert!(by_id.stdout.contains(section), "{}", by_id.stdout);
    }
    assert!(by_id.stdout.contains("log-group-without-retention"));
    let by_name = tfstack(&["explain", "log-group-without-retention"]);
    assert_eq!(by_name.code, 0);
    assert_eq!(by_name.stdout, by_id.stdout);
    let lower = tfstack(&["explain", "log001"]);
    assert_eq!(lower.stdout, by_id.stdout);

    let unknown = tfstack(&["explain", "NOPE001"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("NOPE001"), "{}", unknown.stderr);
}

#[test]
fn a_retired_rule_is_explained_listed_and_tolerated_in_configuration() {
    let explain = tfstack(&["explain", "LAMBDA002"]);
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    assert!(
        explain.stdout.starts_with(
            "LAMBDA002 (lambda-handler-module-with-dash) — family LAMBDA, retired; replaced by LAMBDA007"
        ),
        "{}",
        explain.stdout
    );
    assert!(
        explain.stdout.contains("importlib.import_module"),
        "{}",
        explain.stdout
    );
    assert_eq!(
        tfstack(&["explain", "lambda-handler-module-with-dash"]).stdout,
        explain.stdout
    );

    let rules = tfstack(&["rules"]);
    let line = rules
        .stdout
        .lines()
        .find(|l| l.starts_with("LAMBDA002 "))
        .expect("LAMBDA002 listed");
    assert!(
        line.contains(" retired ") && line.contains("Replaced by LAMBDA007."),
        "{line}"
    );
    let json = tfstack(&["rules", "--format", "json"]).json();
    let retired = json
        .as_array()
        .and_then(|a| a.iter().find(|r| r["id"] == "LAMBDA002"))
        .expect("LAMBDA002 in JSON");
    assert_eq!(retired["status"], "retired");
    assert_eq!(retired["replaced_by"], "LAMBDA007");
    assert!(retired["severity"].is_null());

    // A configuration that names it still lints, and says the rule is retired.
    let run = tfstack(&["lint", "--config", "config/retired.toml", "hcl"]);
    assert_ne!(run.code, 2, "{}{}", run.stdout, run.stderr);
    for place in [
        "[rules] names `LAMBDA002`",
        "[[suppress]] names `lambda-handler-module-with-dash`",
    ] {
        assert!(
            run.stderr.contains(&format!(
                "note: config/retired.toml: {place}, which is retired"
            )),
            "{place}: {}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("LAMBDA007 replaces it"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------- typed stacks

#[test]
fn seed_stacks_lint_clean() {
    let root = workspace_root();
    let run = tfstack_in(&root, &["lint", "--stack", "lab_http_api", "--env", "prod"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = tfstack_in(&root, &["lint", "--all-stacks", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let doc = run.json();
    check_json_shape(&doc);
    assert_eq!(doc["summary"]["errors"], 0, "{doc:#}");
}

#[test]
fn synth_check_passes_on_the_committed_out() {
    let run = tfstack_in(&workspace_root(), &["synth", "--check"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("up to date"), "{}", run.stdout);
}
