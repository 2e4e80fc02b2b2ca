//! Terraform as Terraform evaluates it, from the command line: each call of a local module
//! is an instance linted with the caller's arguments (its own `count`/`for_each` making
//! one instance per key, addressed as Terraform addresses them), findings carry the
//! instance and its call sites in every format, suppressions and baselines of a module
//! file cover every instance, cycles are errors; paths resolve against the root module
//! whatever the working directory; the files Terraform loads; environments.

mod common;

use common::{repository as tree, shown, tfstack_in, workspace_root};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The fixture root calling one local module twice.
fn instances_fixture() -> PathBuf {
    workspace_root().join("tests/fixtures/instances")
}

/// `tfstack lint --format json --profile strict ARGS` in `dir`: exit code and report.
fn lint_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["lint", "--format", "json", "--profile", "strict"];
    all.extend_from_slice(args);
    let run = tfstack_in(dir, &all);
    (run.code, run.json())
}

/// `RULE address` of each finding, in report order.
fn findings(doc: &Value) -> Vec<String> {
    listed(doc, "findings")
}

/// `RULE address` of each member of `key` (`findings`, `suppressed`).
fn listed(doc: &Value, key: &str) -> Vec<String> {
    shown(doc, key, &["rule", "resource"], " ")
}

// ------------------------------------------------------------------- module instances

#[test]
fn a_module_called_twice_gets_findings_per_instance_with_its_call_site() {
    let (code, doc) = lint_json(&instances_fixture(), &["."]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        findings(&doc),
        [
            "SQS003 module.billing.aws_sqs_queue.this",
            "DLQ001 module.orders.aws_sqs_queue.this",
            "LOG001 module.orders.aws_cloudwatch_log_group.this",
        ]
    );
    let first = &doc["findings"][0];
    assert_eq!(
        first["path"],
        "tests/fixtures/instances/modules/queue/main.tf"
    );
    assert_eq!(
        first["calls"],
        serde_json::json!([{
            "instance": "module.billing",
            "name": "billing",
            "path": "tests/fixtures/instances/main.tf",
            "line": 11,
            "column": 1
        }])
    );
    // The module directory alone has no caller: linted on its own with its defaults.
    let (code, doc) = lint_json(&instances_fixture(), &["modules/queue"]);
    assert_eq!((code, findings(&doc)), (0, Vec::<String>::new()), "{doc:#}");
}

#[test]
fn per_instance_findings_in_every_format() {
    for (format, name) in [
        ("human", "instances_human"),
        ("json", "instances_json"),
        ("sarif", "instances_sarif"),
        ("github", "instances_github"),
    ] {
        let run = tfstack_in(
            &instances_fixture(),
            &["lint", ".", "--profile", "strict", "--format", format],
        );
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        let stdout = if format == "sarif" {
            // The tool's version changes with every release.
            run.stdout.replace(env!("CARGO_PKG_VERSION"), "<version>")
        } else {
            run.stdout
        };
        if format == "sarif" {
            let sarif: Value = serde_json::from_str(&stdout).expect("sarif");
            let related = &sarif["runs"][0]["results"][0]["relatedLocations"];
            assert_eq!(
                related[0]["physicalLocation"]["artifactLocation"]["uri"],
                "tests/fixtures/instances/main.tf"
            );
            // Rule descriptors and indexes are the catalogue's: not part of this snapshot.
            let mut results = sarif["runs"][0]["results"].clone();
            for r in results.as_array_mut().into_iter().flatten() {
                r.as_object_mut().map(|r| r.remove("ruleIndex"));
            }
            let results = &results;
            insta::assert_snapshot!(name, serde_json::to_string_pretty(results).expect("json"));
        } else {
            insta::assert_snapshot!(name, stdout);
        }
    }
}

#[test]
fn nested_instances_are_addressed_as_terraform_addresses_them() {
    let dir = tree(&[
        (
            "main.tf",
            r#"
module "regions" {
  source   = "./modules/region"
  for_each = toset(["eu", "us"])
  region   = each.key
}

module "none" {
  source = "./modules/region"
  count  = 0
  region = "never"
}
"#,
        ),
        (
            "modules/region/main.tf",
            r#"
variable "region" {}

module "logs" {
  source = "../logs"
  count  = 2
  name   = "${var.region}-${count.index}"
}
"#,
        ),
        (
            "modules/logs/main.tf",
            r#"
variable "name" {}

resource "aws_cloudwatch_log_group" "g" {
  name = "/app/${var.name}"
}
"#,
        ),
    ]);
    let (code, doc) = lint_json(dir.path(), &["."]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        findings(&doc),
        [
            r#"LOG001 module.regions["eu"].module.logs[0].aws_cloudwatch_log_group.g"#,
            r#"LOG001 module.regions["eu"].module.logs[1].aws_cloudwatch_log_group.g"#,
            r#"LOG001 module.regions["us"].module.logs[0].aws_cloudwatch_log_group.g"#,
            r#"LOG001 module.regions["us"].module.logs[1].aws_cloudwatch_log_group.g"#,
        ]
    );
    let calls: Vec<&str> = doc["findings"][3]["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .map(|c| c["instance"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        calls,
        [
            r#"module.regions["us"]"#,
            r#"module.regions["us"].module.logs[1]"#
        ]
    );
    // Files are counted once, however many instances they have.
    assert_eq!(doc["summary"]["files_checked"], 3);
}

#[test]
fn the_callers_arguments_decide_what_the_module_holds() {
    let dir = tree(&[
        (
            "main.tf",
            r#"
resource "aws_kinesis_stream" "clicks" {
  name        = "clicks"
  shard_count = 1
}

module "consumer" {
  source     = "./modules/consumer"
  stream_arn = aws_kinesis_stream.clicks.arn
  targets = {
    audit = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:audit" }
  }
}
"#,
        ),
        (
            "modules/consumer/main.tf",
            r#"
variable "stream_arn" {
  type = string
}

variable "targets" {
  type    = map(object({ arn = string, dead_letter_arn = optional(string) }))
  default = {}
}

resource "aws_lambda_event_source_mapping" "stream" {
  event_source_arn  = var.stream_arn
  function_name     = "consumer"
  starting_position = "LATEST"
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = var.targets
  rule     = "orders"
  arn      = each.value.arn

  dynamic "dead_letter_config" {
    for_each = each.value.dead_letter_arn == null ? [] : [each.value.dead_letter_arn]
    content {
      arn = dead_letter_config.value
    }
  }
}
"#,
        ),
    ]);
    let (_, doc) = lint_json(dir.path(), &["."]);
    let found = findings(&doc);
    // A stream from the caller, read by a mapping without a failure destination; a
    // target the caller gives without `dead_letter_arn`.
    for expected in [
        "DLQ004 module.consumer.aws_lambda_event_source_mapping.stream",
        "DLQ003 module.consumer.aws_cloudwatch_event_target.this",
    ] {
        assert!(found.contains(&expected.to_string()), "{found:?}");
    }
    // Alone, the module's stream is unknown and its targets empty: neither is flagged.
    let (_, doc) = lint_json(dir.path(), &["modules/consumer", "--call-modules", "none"]);
    assert!(
        findings(&doc)
            .iter()
            .all(|f| !f.starts_with("DLQ004") && !f.starts_with("DLQ003")),
        "{doc:#}"
    );
}

#[test]
fn module_cycles_are_errors_at_the_call() {
    let dir = tree(&[
        ("a/main.tf", "module \"b\" {\n  source = \"../b\"\n}\n"),
        ("b/main.tf", "module \"a\" {\n  source = \"../a\"\n}\n"),
    ]);
    for path in [".", "a"] {
        let run = tfstack_in(dir.path(), &["lint", "--format", "json", path]);
        assert_eq!(run.code, 2, "{path}: {}", run.stdout);
        let doc = run.json();
        let errors: Vec<String> = doc["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["message"].as_str().unwrap_or("?").to_string())
            .collect();
        assert_eq!(errors.len(), 1, "{path}: {errors:?}");
        assert!(
            errors[0].contains("module calls form a cycle"),
            "{errors:?}"
        );
    }
}

#[test]
fn calls_nested_too_deep_are_an_error_at_the_call() {
    // m0 calls m1 … calls m40: the call past 32 levels is refused, nothing hangs.
    let files: Vec<(String, String)> = (0..=40)
        .map(|i| {
            let text = if i < 40 {
                format!("module \"next\" {{\n  source = \"../m{}\"\n}}\n", i + 1)
            } else {
                String::new()
            };
            (format!("m{i}/main.tf"), text)
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = tree(&files);
    let run = tfstack_in(dir.path(), &["lint", "--format", "json", "m0"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let doc = run.json();
    let errors = shown(&doc, "errors", &["path", "message"], ": ");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("m32/main.tf: module `next` is nested more than 32 calls deep"),
        "{errors:?}"
    );
}

/// A root calling `a`, which calls `b`, which calls `c`, each `count` times; `c` holds a
/// log group without retention (one LOG001 finding per instance of `c`).
fn nested_counts(count: usize) -> tempfile::TempDir {
    let call = |name: &str, source: &str| {
        format!("module \"{name}\" {{\n  source = \"{source}\"\n  count  = {count}\n}}\n")
    };
    tree(&[
        ("main.tf", &call("a", "./a")),
        ("a/main.tf", &call("b", "../b")),
        ("b/main.tf", &call("c", "../c")),
        (
            "c/main.tf",
            "resource \"aws_cloudwatch_log_group\" \"l\" {}\n",
        ),
    ])
}

#[test]
fn module_instances_across_nesting_stay_within_the_tree_budget() {
    // 20 × 20 × 20 = 8,000 instances of `c`: past the 4,096 of one tree.
    let dir = nested_counts(20);
    let (code, doc) = lint_json(dir.path(), &["."]);
    assert_eq!(code, 1, "{doc:#}");
    let linted = findings(&doc).len();
    assert!(
        linted > 0 && linted + 20 * 20 + 20 <= 4096,
        "{linted} instances of c"
    );
    // Every instance of `b` cuts its call of `c` the same way: one notice.
    assert_eq!(
        shown(&doc, "notices", &["path", "line", "message"], ":"),
        [
            "b/main.tf:1:module `c` has 20 instances, past what the module calls under one \
             root module may make (4096 instances at every depth together): those past it \
             are not linted"
        ]
    );
    // The same instances in every run.
    let (_, again) = lint_json(dir.path(), &["."]);
    assert_eq!(findings(&again), findings(&doc));
    // Three levels of 1,000 (a billion instances unbounded): the first 256 of `a`, and
    // the rest of the budget shared below them; the report stays a few MB.
    let dir = nested_counts(1000);
    let run = tfstack_in(dir.path(), &["lint", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.len() < 8 << 20, "{} bytes", run.stdout.len());
    let doc = run.json();
    let notices = shown(&doc, "notices", &["path", "message"], ": ");
    assert_eq!(notices.len(), 3, "{notices:?}");
    assert!(notices[0].starts_with("a/main.tf: module `b` has 1000 instances, past"));
    assert!(notices[1].starts_with("b/main.tf: module `c` has 1000 instances, past"));
    assert_eq!(
        notices[2],
        "main.tf: module `a` has 1000 instances: the first 256 are linted"
    );
}

#[test]
fn call_modules_none_lints_each_directory_on_its_own() {
    let (code, doc) = lint_json(&instances_fixture(), &[".", "--call-modules", "none"]);
    assert_eq!((code, findings(&doc)), (0, Vec::<String>::new()), "{doc:#}");
    // The configuration key says the same.
    let dir = tree(&[
        ("main.tf", "module \"q\" {\n  source = \"./q\"\n}\n"),
        (
            "q/main.tf",
            "resource \"aws_cloudwatch_log_group\" \"g\" {\n  name = \"/g\"\n}\n",
        ),
        ("tfstack.toml", "call_modules = \"none\"\n"),
    ]);
    let (_, doc) = lint_json(dir.path(), &["."]);
    assert_eq!(findings(&doc), ["LOG001 aws_cloudwatch_log_group.g"]);
    let (_, doc) = lint_json(dir.path(), &[".", "--call-modules", "local"]);
    assert_eq!(
        findings(&doc),
        ["LOG001 module.q.aws_cloudwatch_log_group.g"]
    );
}

#[test]
fn installed_modules_are_instances_with_call_modules_all() {
    let dir = tree(&[
        (
            "main.tf",
            "module \"logs\" {\n  source  = \"acme/logs/aws\"\n  version = \"1.0.0\"\n  name    = \"/orders\"\n}\n",
        ),
        (
            ".terraform/modules/modules.json",
            r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"logs","Source":"registry.terraform.io/acme/logs/aws","Version":"1.0.0","Dir":".terraform/modules/logs"}]}"#,
        ),
        (
            ".terraform/modules/logs/main.tf",
            "variable \"name\" {}\nresource \"aws_cloudwatch_log_group\" \"g\" {\n  name = var.name\n}\n",
        ),
    ]);
    let (_, doc) = lint_json(dir.path(), &["."]);
    assert!(findings(&doc).is_empty(), "{doc:#}");
    let (_, doc) = lint_json(dir.path(), &[".", "--call-modules", "all"]);
    assert_eq!(
        findings(&doc),
        ["LOG001 module.logs.aws_cloudwatch_log_group.g"]
    );
    assert_eq!(
        doc["findings"][0]["path"],
        ".terraform/modules/logs/main.tf"
    );
    // Not installed: a notice says so.
    std::fs::remove_file(dir.path().join(".terraform/modules/modules.json")).expect("rm");
    let (_, doc) = lint_json(dir.path(), &[".", "--call-modules", "all"]);
    assert!(findings(&doc).is_empty(), "{doc:#}");
    assert!(
        doc["notices"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("is not installed")),
        "{doc:#}"
    );
}

#[test]
fn suppressions_and_baselines_of_a_module_file_cover_every_instance() {
    let module = r#"
variable "name" {}

# tfstack:ignore[LOG001] archived by the log shipper
resource "aws_cloudwatch_log_group" "g" {
  name = "/app/${var.name}"
}

resource "aws_cloudwatch_log_group" "h" {
  name = "/other/${var.name}"
}

# tfstack:ignore[LOG001] only some instances make it
resource "aws_cloudwatch_log_group" "optional" {
  count = var.name == "a" ? 1 : 0
  name  = "/optional/${var.name}"
}

# tfstack:ignore[LOG001] never made
resource "aws_cloudwatch_log_group" "never" {
  count = 0
  name  = "/never"
}
"#;
    let dir = tree(&[
        (
            "main.tf",
            "module \"a\" {\n  source = \"./m\"\n  name   = \"a\"\n}\nmodule \"b\" {\n  source = \"./m\"\n  name   = \"b\"\n}\n",
        ),
        ("m/main.tf", module),
    ]);
    let (_, doc) = lint_json(dir.path(), &["."]);
    // Each instance's `g` suppressed; no TFS002: `optional` is used by one instance, and
    // `never` stands over a block no instance makes.
    assert_eq!(
        findings(&doc),
        [
            "LOG001 module.a.aws_cloudwatch_log_group.h",
            "LOG001 module.b.aws_cloudwatch_log_group.h"
        ]
    );
    assert_eq!(
        listed(&doc, "suppressed"),
        [
            "LOG001 module.a.aws_cloudwatch_log_group.g",
            "LOG001 module.b.aws_cloudwatch_log_group.g",
            "LOG001 module.a.aws_cloudwatch_log_group.optional",
        ]
    );
    // One baseline entry per module file finding covers both instances.
    let run = tfstack_in(
        dir.path(),
        &["lint", ".", "--write-baseline", "baseline.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("baseline.json")).expect("read"),
    )
    .expect("json");
    let entries = baseline["findings"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{baseline:#}");
    assert_eq!(entries[0]["rule"], "LOG001");
    assert_eq!(entries[0]["module"], "m");
    assert_eq!(entries[0]["key"], "aws_cloudwatch_log_group.h");
    let (code, doc) = lint_json(dir.path(), &[".", "--baseline", "baseline.json"]);
    assert_eq!((code, findings(&doc)), (0, Vec::<String>::new()), "{doc:#}");
}

#[test]
fn plan_addresses_match_module_instance_addresses() {
    let dir = tree(&[
        (
            "config/main.tf",
            "module \"q\" {\n  source   = \"./q\"\n  for_each = toset([\"a\"])\n}\n",
        ),
        (
            "config/q/main.tf",
            "resource \"aws_cloudwatch_log_group\" \"g\" {\n  name = \"/g\"\n}\n",
        ),
        (
            "plan.json",
            r#"{
  "format_version": "1.2",
  "planned_values": {
    "root_module": {
      "child_modules": [
        {
          "address": "module.q[\"a\"]",
          "resources": [
            {
              "address": "module.q[\"a\"].aws_cloudwatch_log_group.g",
              "mode": "managed",
              "type": "aws_cloudwatch_log_group",
              "name": "g",
              "values": { "name": "/g", "retention_in_days": 0 }
            }
          ]
        }
      ]
    }
  }
}
"#,
        ),
    ]);
    let (_, from_config) = lint_json(dir.path(), &["config"]);
    let (_, from_plan) = lint_json(dir.path(), &["plan.json"]);
    assert_eq!(
        findings(&from_config),
        [r#"LOG001 module.q["a"].aws_cloudwatch_log_group.g"#]
    );
    assert_eq!(
        findings(&from_plan),
        findings(&from_config),
        "{from_plan:#}"
    );
}

/// A plan writes each instance of a `for_each` as a resource of its own: a finding on one
/// is addressed with its key, as the same finding is in the configuration.
#[test]
fn plan_findings_on_instances_carry_their_keys() {
    let queue = |key: &str, encrypted: bool| {
        format!(
            r#"{{
          "address": "aws_sqs_queue.q[\"{key}\"]", "mode": "managed",
          "type": "aws_sqs_queue", "name": "q", "index": "{key}",
          "values": {{ "name": "{key}", "receive_wait_time_seconds": 20,
                      "sqs_managed_sse_enabled": {encrypted} }}
        }}"#
        )
    };
    let plan = format!(
        r#"{{
  "format_version": "1.2",
  "planned_values": {{ "root_module": {{ "resources": [
        {},
        {}
  ] }} }}
}}
"#,
        queue("orders", true),
        queue("reports", false)
    );
    let dir = tree(&[
        (
            "config/main.tf",
            r#"resource "aws_sqs_queue" "q" {
  for_each = {
    orders  = true
    reports = false
  }
  name                      = each.key
  receive_wait_time_seconds = 20
  sqs_managed_sse_enabled   = each.value
}
"#,
        ),
        ("plan.json", &plan),
    ]);
    let (_, from_config) = lint_json(dir.path(), &["config"]);
    let (_, from_plan) = lint_json(dir.path(), &["plan.json"]);
    assert_eq!(
        findings(&from_config),
        [
            "DLQ001 aws_sqs_queue.q",
            r#"SQS003 aws_sqs_queue.q["reports"]"#
        ]
    );
    // The configuration judges the queues' missing DLQ once for both; the plan has two
    // queues, each its own finding.
    assert_eq!(
        findings(&from_plan),
        [
            r#"DLQ001 aws_sqs_queue.q["orders"]"#,
            r#"DLQ001 aws_sqs_queue.q["reports"]"#,
            r#"SQS003 aws_sqs_queue.q["reports"]"#
        ],
        "{from_plan:#}"
    );
}

/// A plan is made with its root variables' values: the environment a variable names is
/// the plan's, as it is the directory's with the same tfvars.
#[test]
fn a_plan_is_linted_with_the_values_of_its_root_variables() {
    let stage = r#"
variable "environment" {
  type = string
}

resource "aws_apigatewayv2_api" "api" {
  name          = "api"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.api.id
  name        = "$default"
  auto_deploy = true
}
"#;
    let dir = tree(&[
        ("config/main.tf", stage),
        ("config/terraform.tfvars", "environment = \"prod\"\n"),
        (
            "plan.json",
            r#"{
  "format_version": "1.2",
  "variables": { "environment": { "value": "prod" } },
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_apigatewayv2_api.api", "mode": "managed",
          "type": "aws_apigatewayv2_api", "name": "api",
          "values": { "name": "api", "protocol_type": "HTTP" }
        },
        {
          "address": "aws_apigatewayv2_stage.default", "mode": "managed",
          "type": "aws_apigatewayv2_stage", "name": "default",
          "values": { "name": "$default", "auto_deploy": true }
        }
      ]
    }
  }
}
"#,
        ),
    ]);
    let apigw001 = |report: &Value| {
        findings(report)
            .into_iter()
            .filter(|f| f.starts_with("APIGW001"))
            .collect::<Vec<_>>()
    };
    let (_, from_config) = lint_json(dir.path(), &["config"]);
    let (_, from_plan) = lint_json(dir.path(), &["plan.json"]);
    assert_eq!(
        apigw001(&from_config),
        ["APIGW001 aws_apigatewayv2_stage.default"]
    );
    assert_eq!(
        apigw001(&from_plan),
        apigw001(&from_config),
        "{from_plan:#}"
    );
}

// ------------------------------------------------------------------------------ paths

#[test]
fn the_same_tree_gives_the_same_bytes_from_any_working_directory() {
    let dir = tree(&[
        (
            "infra/main.tf",
            r#"
resource "aws_iam_policy" "p" {
  name   = "p"
  policy = templatefile("templates/policy.json", { bucket = "orders" })
}

module "shared" {
  source = "./modules/shared"
}
"#,
        ),
        (
            "infra/templates/policy.json",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${bucket}/*"}]}"#,
        ),
        (
            "infra/modules/shared/main.tf",
            r#"
resource "aws_iam_policy" "m" {
  name   = "m"
  policy = file("${path.module}/policy.json")
}
"#,
        ),
        (
            "infra/modules/shared/policy.json",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        ),
        ("elsewhere/.keep", ""),
    ]);
    let infra = dir.path().join("infra");
    let infra = infra.to_string_lossy();
    let mut outputs = Vec::new();
    for cwd in [
        dir.path().to_path_buf(),
        dir.path().join("elsewhere"),
        infra.as_ref().into(),
    ] {
        for format in ["human", "json", "sarif", "github"] {
            let run = tfstack_in(&cwd, &["lint", &infra, "--format", format]);
            assert_eq!(run.code, 1, "{}", run.stderr);
            outputs.push((format, run.stdout));
        }
    }
    let (first, rest) = outputs.split_at(4);
    for (i, (format, text)) in rest.iter().enumerate() {
        assert_eq!(
            text,
            &first[i % 4].1,
            "{format} differs by working directory"
        );
    }
    // The template and the module's policy are read, relative to the root module.
    let doc: Value = serde_json::from_str(&first[1].1).expect("json");
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(
        rules
            .iter()
            .any(|p| p.ends_with("infra/templates/policy.json")),
        "{doc:#}"
    );
    assert!(
        rules
            .iter()
            .any(|p| p.ends_with("infra/modules/shared/policy.json")),
        "{doc:#}"
    );
}

// -------------------------------------------------------------------------- file set

#[test]
fn exclude_globs_skip_paths_by_flag_and_configuration() {
    const GROUP: &str = "resource \"aws_cloudwatch_log_group\" \"g\" {\n  name = \"/g\"\n}\n";
    let dir = tree(&[
        ("live/main.tf", GROUP),
        ("legacy/main.tf", GROUP),
        ("live/scratch.tf", GROUP.replace("\"g\"", "\"s\"").as_str()),
    ]);
    let paths = |doc: &Value| -> Vec<String> {
        doc["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["path"].as_str().map(str::to_string))
            .collect()
    };
    let (_, doc) = lint_json(dir.path(), &["."]);
    assert_eq!(
        paths(&doc),
        ["legacy/main.tf", "live/main.tf", "live/scratch.tf"]
    );
    let (_, doc) = lint_json(
        dir.path(),
        &[".", "--exclude", "legacy", "--exclude", "**/scratch.tf"],
    );
    assert_eq!(paths(&doc), ["live/main.tf"]);
    std::fs::write(
        dir.path().join("tfstack.toml"),
        "exclude = [\"legacy/**\"]\n",
    )
    .expect("write");
    let (_, doc) = lint_json(dir.path(), &["."]);
    assert_eq!(paths(&doc), ["live/main.tf", "live/scratch.tf"]);
}

#[test]
fn a_path_with_nothing_to_lint_fails() {
    let dir = tree(&[
        ("docs/readme.md", "nothing here"),
        ("data/x.json", "{\"a\": 1}"),
    ]);
    for path in ["docs", "data", "typo"] {
        let run = tfstack_in(dir.path(), &["lint", path]);
        assert_eq!(run.code, 2, "{path}: {}", run.stdout);
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(
            said.contains(&format!("no Terraform files under {path}"))
                || (path == "typo" && said.contains("no such file or directory")),
            "{path}: {said}"
        );
    }
}

// ---------------------------------------------------------------------- environments

#[test]
fn environments_come_from_the_configuration_table_and_tfvars() {
    const STAGE: &str = "resource \"aws_apigatewayv2_stage\" \"s\" {\n  api_id      = \"abc\"\n  name        = \"$default\"\n  auto_deploy = true\n}\n";
    let dir = tree(&[
        ("envs/prod/main.tf", STAGE),
        ("envs/dev/main.tf", STAGE),
        ("envs/qa/main.tf", STAGE),
        ("envs/qa/terraform.tfvars", "env = \"prod\"\n"),
        ("envs/other/main.tf", STAGE),
        (
            "tfstack.toml",
            "[environments]\n\"envs/prod/**\" = \"prod\"\n\"envs/dev/**\" = \"dev\"\n",
        ),
    ]);
    let (code, doc) = lint_json(dir.path(), &["envs"]);
    assert_eq!(code, 1, "{doc:#}");
    let paths: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "APIGW001")
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(paths, ["envs/prod/main.tf", "envs/qa/main.tf"]);
    // The stage nothing tells the environment of: one notice, saying how to tell it.
    let notices = doc["notices"].as_array().expect("notices");
    assert_eq!(notices.len(), 1, "{doc:#}");
    assert_eq!(notices[0]["path"], "envs/other/main.tf");
    assert!(
        notices[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot tell whether stage `aws_apigatewayv2_stage.s`")),
        "{notices:?}"
    );
    assert!(
        notices[0]["help"]
            .as_str()
            .is_some_and(|h| h.contains("--env")),
        "{notices:?}"
    );
    // `--env` wins over the table.
    let (_, doc) = lint_json(dir.path(), &["envs/prod", "--env", "dev"]);
    assert!(
        findings(&doc).iter().all(|f| !f.starts_with("APIGW001")),
        "{doc:#}"
    );
}

#[test]
fn resource_instances_whose_values_differ_are_judged_one_by_one() {
    // A module makes its functions `for_each` of a map its caller hands it: one runtime
    // is deprecated. The block cannot be judged once (its runtime differs per instance):
    // each instance is judged and the deprecated one reported at its address, as
    // Terraform addresses it. A configured suppression of the block covers its instances.
    let module = r#"
variable "functions" {}

resource "aws_lambda_function" "this" {
  for_each      = var.functions
  function_name = each.key
  role          = "arn:aws:iam::123456789012:role/fn"
  handler       = "index.handler"
  filename      = "fn.zip"
  runtime       = each.value.runtime
  timeout       = 10
}
"#;
    let caller = r#"
module "api" {
  source = "./m"
  functions = {
    orders = { runtime = "python3.12" }
    legacy = { runtime = "python3.8" }
  }
}
"#;
    let dir = tree(&[("main.tf", caller), ("m/main.tf", module)]);
    let (_, doc) = lint_json(dir.path(), &[".", "--select", "LAMBDA004"]);
    assert_eq!(
        findings(&doc),
        ["LAMBDA004 module.api.aws_lambda_function.this[\"legacy\"]"],
        "{doc:#}"
    );
    let line = doc["findings"][0]["line"].as_u64();
    assert_eq!(line, Some(10), "at the module's attribute: {doc:#}");
    std::fs::write(
        dir.path().join("tfstack.toml"),
        "[[suppress]]\nrule = \"LAMBDA004\"\nresource = \"aws_lambda_function.this\"\nreason = \"retired in Q1\"\n",
    )
    .expect("write config");
    let (_, doc) = lint_json(dir.path(), &[".", "--select", "LAMBDA004"]);
    assert_eq!(findings(&doc), Vec::<String>::new(), "{doc:#}");
    assert_eq!(
        listed(&doc, "suppressed"),
        ["LAMBDA004 module.api.aws_lambda_function.this[\"legacy\"]"]
    );
}

#[test]
fn the_instances_of_a_call_share_what_judging_instances_may_take() {
    // A module whose function has 30 instances that differ (one deprecated runtime),
    // beside 100 queues. Called once, its instances are judged one at a time; called
    // 100 times, the 100 instances share one module's work, and each says it could not
    // (a pull request cannot multiply the work by calling a module thousands of times).
    let mut module = String::from(
        "resource \"aws_lambda_function\" \"f\" {\n  count         = 30\n  function_name = \"f-${count.index}\"\n  role          = \"arn:aws:iam::123456789012:role/f\"\n  handler       = \"index.handler\"\n  filename      = \"f.zip\"\n  timeout       = 10\n  runtime       = count.index == 1 ? \"python3.8\" : \"python3.12\"\n}\n",
    );
    for i in 0..100 {
        module.push_str(&format!("resource \"aws_sqs_queue\" \"q{i}\" {{}}\n"));
    }
    let once = "module \"m\" {\n  source = \"./m\"\n}\n";
    let dir = tree(&[("main.tf", once), ("m/main.tf", &module)]);
    let (_, doc) = lint_json(dir.path(), &[".", "--select", "LAMBDA004"]);
    assert_eq!(
        findings(&doc),
        ["LAMBDA004 module.m.aws_lambda_function.f[1]"],
        "{doc:#}"
    );
    let keys: Vec<String> = (0..100).map(|i| format!("k{i} = {i}")).collect();
    let many = format!(
        "module \"m\" {{\n  source   = \"./m\"\n  for_each = {{ {} }}\n}}\n",
        keys.join(", ")
    );
    std::fs::write(dir.path().join("main.tf"), many).expect("write");
    let (_, doc) = lint_json(dir.path(), &[".", "--select", "LAMBDA004"]);
    assert_eq!(findings(&doc), Vec::<String>::new(), "{doc:#}");
    let notices = doc["notices"].as_array().expect("notices");
    assert!(
        notices.iter().any(|n| n["message"]
            .as_str()
            .is_some_and(|m| m.contains("`aws_lambda_function.f`) were judged once"))),
        "{doc:#}"
    );
}
