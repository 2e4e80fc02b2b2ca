//! Tests for a team's own stacks: synthesize a stack in memory and assert on its resources,
//! attributes, outputs, IAM policies and lint findings — what CDK's `Template` assertions and
//! CDKTF's `Testing` matchers do for their stacks.
//!
//! ```no_run
//! use serde_json::json;
//! use tfstack::prelude::*;
//! use tfstack::testing::Template;
//!
//! fn sessions(stack: &Stack) {
//!     Table::new(stack, "sessions", Key::string("session_id")).ttl("expires_at").build();
//! }
//!
//! let template = Template::synth("sessions", Environment::prod(), sessions);
//! template.resource_count_is("aws_dynamodb_table", 1);
//! template.has_resource_properties(
//!     "aws_dynamodb_table",
//!     json!({ "billing_mode": "PAY_PER_REQUEST", "point_in_time_recovery": { "enabled": true } }),
//! );
//! template.has_no_findings();
//! ```
//!
//! Resources are seen as `.tf.json` writes them: literals as JSON values, expressions as
//! `"${…}"` strings (`"${aws_sqs_queue.jobs.arn}"`), nested blocks as arrays of objects.
//! An expected value matches when every key it names matches (other keys are ignored), an
//! expected array matches element by element, an expected object matches a nested-block
//! array when one of its blocks matches, and `null` matches an absent attribute. A failed
//! assertion panics with what was expected and what the stack has.

use crate::App;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tfstack_model::constructs::{Stack, StackFile, StackOutput};
use tfstack_model::environment::Environment;
use tfstack_model::ir::{Block, Body, Expr, ExprKind, ObjectKey, Structure, TemplatePart};

/// A synthesized stack, in memory, to assert on.
pub struct Template {
    output: StackOutput,
    out_root: PathBuf,
}

/// One lint finding on a stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Rule ID (`APIGW002`).
    pub rule: String,
    /// `error`, `warning` or `note`.
    pub severity: String,
    /// The Terraform address it is on, if any.
    pub address: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}) on {}: {}",
            self.rule,
            self.severity,
            self.address.as_deref().unwrap_or("(no resource)"),
            self.message
        )
    }
}

impl Template {
    /// Synthesizes stack `name` for `env` with `define`, on its own. Stack definition
    /// errors fail the test, each with its Rust line.
    #[track_caller]
    pub fn synth(name: &str, env: Environment, define: impl FnOnce(&Stack)) -> Template {
        let stack = Stack::new(name, env);
        define(&stack);
        match stack.finish() {
            Ok(output) => Template::from_output(output),
            Err(errors) => panic!(
                "stack `{name}` has errors:\n{}",
                errors
                    .iter()
                    .map(|e| format!("  {e}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }

    /// Stack `stack` of `app` in environment `env`, built as `tfstack synth` builds it (with
    /// the stacks registered with it, the App's backend and cross-stack references).
    #[track_caller]
    pub fn from_app(app: &App, stack: &str, env: &str) -> Template {
        let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let synthesized = app
            .synthesize(Some(stack), Some(env), &root)
            .unwrap_or_else(|e| panic!("cannot synthesize `{stack}` ({env}): {e}"));
        if !synthesized.errors.is_empty() {
            panic!(
                "stack `{stack}` ({env}) has errors:\n{}",
                crate::diagnostics::render_stack_errors(&synthesized.errors, false)
            );
        }
        match synthesized.outputs.into_iter().next() {
            Some(output) => Template::from_output(output),
            None => panic!("stack `{stack}` has no environment `{env}`"),
        }
    }

    /// A template of an already lowered stack.
    pub fn from_output(output: StackOutput) -> Template {
        Template {
            output,
            out_root: PathBuf::from("out"),
        }
    }

    /// The lowered stack itself.
    pub fn output(&self) -> &StackOutput {
        &self.output
    }

    /// Every resource of `resource_type`: name and properties.
    pub fn resources(&self, resource_type: &str) -> Vec<(String, Value)> {
        self.blocks("resource", resource_type)
            .map(|b| (b.name_label().to_string(), body_json(&b.body)))
            .collect()
    }

    /// The properties of resource `resource_type.name`; fails when it does not exist.
    #[track_caller]
    pub fn resource(&self, resource_type: &str, name: &str) -> Value {
        self.block_json("resource", resource_type, name)
    }

    /// Fails unless resource `resource_type.name` exists.
    #[track_caller]
    pub fn has_resource(&self, resource_type: &str, name: &str) {
        let _ = self.resource(resource_type, name);
    }

    /// Fails unless the stack has exactly `count` resources of `resource_type`.
    #[track_caller]
    pub fn resource_count_is(&self, resource_type: &str, count: usize) {
        let actual = self.blocks("resource", resource_type).count();
        if actual != count {
            panic!(
                "expected {count} `{resource_type}`, the stack has {actual}; {}",
                self.describe_names("resource", resource_type)
            );
        }
    }

    /// Fails unless some resource of `resource_type` matches `expected` (see the module
    /// docs for how values match).
    #[track_caller]
    pub fn has_resource_properties(&self, resource_type: &str, expected: Value) {
        let candidates = self.resources(resource_type);
        if candidates
            .iter()
            .any(|(_, actual)| mismatch(&expected, actual, "").is_none())
        {
            return;
        }
        let mut why = String::new();
        for (name, actual) in &candidates {
            let reason = mismatch(&expected, actual, "").unwrap_or_default();
            let _ = writeln!(why, "  {resource_type}.{name}: {reason}");
        }
        if candidates.is_empty() {
            why = format!("  the stack has no `{resource_type}`\n");
        }
        panic!(
            "expected a `{resource_type}` with properties {}\n{why}",
            pretty(&expected)
        );
    }

    /// Fails unless resource `resource_type.name` matches `expected`.
    #[track_caller]
    pub fn has_resource_with_properties(&self, resource_type: &str, name: &str, expected: Value) {
        let actual = self.resource(resource_type, name);
        if let Some(reason) = mismatch(&expected, &actual, "") {
            panic!(
                "`{resource_type}.{name}` does not match {}: {reason}\nit has {}",
                pretty(&expected),
                pretty(&actual)
            );
        }
    }

    /// Fails unless data source `data.data_type.name` exists; returns its arguments.
    #[track_caller]
    pub fn data_source(&self, data_type: &str, name: &str) -> Value {
        self.block_json("data", data_type, name)
    }

    /// The value of output `name` (as `.tf.json` writes it); fails when there is none.
    #[track_caller]
    pub fn output_value(&self, name: &str) -> Value {
        let outputs: Vec<&Block> = self.output.config.blocks_of("output").collect();
        match outputs
            .iter()
            .find(|o| o.labels.first().map(tfstack_model::Name::as_str) == Some(name))
        {
            Some(o) => o.body.get("value").map(expr_json).unwrap_or(Value::Null),
            None => panic!(
                "expected output `{name}`; the stack has {}",
                list(
                    outputs
                        .iter()
                        .filter_map(|o| o.labels.first().cloned().map(String::from))
                )
            ),
        }
    }

    /// Fails unless the stack has output `name`.
    #[track_caller]
    pub fn has_output(&self, name: &str) {
        let _ = self.output_value(name);
    }

    /// The text of a file the stack writes besides its `.tf` files (`policies/….json`).
    pub fn file(&self, path: &str) -> Option<&str> {
        match self.output.files.get(path) {
            Some(StackFile::Text { text, .. }) => Some(text),
            _ => None,
        }
    }

    /// The inline policy of role `role` (the `aws_iam_role` resource name: a function's
    /// id, …), with its template variables resolved to what they stand for.
    #[track_caller]
    pub fn role_policy(&self, role: &str) -> Policy {
        let Some(block) = self
            .blocks("resource", "aws_iam_role_policy")
            .find(|b| b.name_label() == role)
        else {
            panic!(
                "expected a policy of role `{role}`; {}",
                self.describe_names("resource", "aws_iam_role_policy")
            );
        };
        let Some(ExprKind::FunctionCall(call)) = block.body.get("policy").map(|e| &e.kind) else {
            panic!("the policy of role `{role}` is not read from a file");
        };
        let path = call
            .args
            .first()
            .and_then(module_relative_path)
            .unwrap_or_default();
        let mut vars = BTreeMap::new();
        if let Some(ExprKind::Object(items)) = call.args.get(1).map(|e| &e.kind) {
            for item in items {
                if let Some(key) = item.key.as_str() {
                    vars.insert(key.to_string(), item.value.to_string());
                }
            }
        }
        let text = self
            .file(&path)
            .unwrap_or_else(|| panic!("the stack writes no `{path}`"));
        let document: Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("`{path}` is not JSON: {e}"));
        Policy {
            path,
            statements: document["Statement"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
            vars,
        }
    }

    /// The stack's lint findings, with the configuration `tfstack synth` would use here
    /// (`tfstack.toml` found upwards from the working directory, else the defaults: every
    /// rule but notes). Suppressed findings are not included.
    #[track_caller]
    pub fn findings(&self) -> Vec<Finding> {
        let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let config = crate::commands::lint::load_config(None, &root)
            .unwrap_or_else(|e| panic!("lint configuration: {e}"));
        lint(std::slice::from_ref(&self.output), &self.out_root, &config)
    }

    /// Fails when the stack has any lint finding, listing them.
    #[track_caller]
    pub fn has_no_findings(&self) {
        let findings = self.findings();
        if !findings.is_empty() {
            panic!(
                "expected no lint findings; {}",
                describe_findings(&findings)
            );
        }
    }

    /// Fails unless rule `rule` (ID) reports a finding on `address`.
    #[track_caller]
    pub fn has_finding(&self, rule: &str, address: &str) {
        let findings = self.findings();
        if !findings
            .iter()
            .any(|f| f.rule == rule && f.address.as_deref() == Some(address))
        {
            panic!(
                "expected a {rule} finding on `{address}`; {}",
                describe_findings(&findings)
            );
        }
    }

    /// The arguments of block `kind` `block_type.name`; fails when it does not exist.
    #[track_caller]
    fn block_json(&self, kind: &str, block_type: &str, name: &str) -> Value {
        match self
            .blocks(kind, block_type)
            .find(|b| b.name_label() == name)
        {
            Some(b) => body_json(&b.body),
            None => {
                let prefix = if kind == "data" { "data." } else { "" };
                panic!(
                    "expected {kind} `{prefix}{block_type}.{name}`; {}",
                    self.describe_names(kind, block_type)
                )
            }
        }
    }

    fn blocks<'a>(&'a self, kind: &'a str, block_type: &'a str) -> impl Iterator<Item = &'a Block> {
        self.output
            .config
            .blocks
            .iter()
            .filter(move |b| b.kind == kind && b.type_label() == block_type)
    }

    fn describe_names(&self, kind: &str, block_type: &str) -> String {
        let names: Vec<String> = self
            .blocks(kind, block_type)
            .map(|b| b.name_label().to_string())
            .collect();
        if names.is_empty() {
            format!("the stack has no `{block_type}`")
        } else {
            format!("the stack has `{block_type}` {}", list(names.into_iter()))
        }
    }
}

/// `the stack has N findings:` and one line each.
fn describe_findings(findings: &[Finding]) -> String {
    let mut text = format!("the stack has {} finding(s)", findings.len());
    for f in findings {
        let _ = write!(text, "\n  {f}");
    }
    text
}

/// Fails unless the files under `out` are what `app` generates for every stack (what
/// `tfstack synth --check` checks), showing the differences.
#[track_caller]
pub fn assert_out_is_fresh(app: &App, out: &Path) {
    let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let synthesized = app
        .synthesize(None, None, &root)
        .unwrap_or_else(|e| panic!("cannot synthesize: {e}"));
    if !synthesized.errors.is_empty() {
        panic!(
            "the stacks have errors:\n{}",
            crate::diagnostics::render_stack_errors(&synthesized.errors, false)
        );
    }
    let files = app
        .render(&synthesized.outputs)
        .unwrap_or_else(|e| panic!("cannot render: {e}"));
    let scope: Vec<String> = synthesized
        .outputs
        .iter()
        .map(|o| format!("{}/{}/", o.name, o.env.name))
        .collect();
    let report = crate::synth::check_tree(out, &files, &scope)
        .unwrap_or_else(|e| panic!("cannot compare with {}: {e}", out.display()));
    if !report.is_clean() {
        panic!(
            "{} is stale; run `tfstack synth`:\n{}",
            out.display(),
            report.render()
        );
    }
}

/// Lints stack outputs with `config`: the one place the testing module calls the linter.
fn lint(
    outputs: &[StackOutput],
    out_root: &Path,
    config: &tfstack_lint_engine::config::LintConfig,
) -> Vec<Finding> {
    let report = tfstack_lint_engine::stack::lint_stacks(
        outputs,
        out_root,
        config,
        tfstack_lint_rules::registry::all(),
        None,
    );
    report
        .findings
        .iter()
        .map(|f| Finding {
            rule: f.rule.id.to_string(),
            severity: f.severity.as_str().to_string(),
            address: f.resource.clone(),
            message: f.message.clone(),
        })
        .collect()
}

/// An IAM policy document of the stack.
pub struct Policy {
    path: String,
    statements: Vec<Value>,
    /// Template variable → the expression it stands for (`aws_sqs_queue.jobs.arn`).
    vars: BTreeMap<String, String>,
}

impl Policy {
    /// The statements as written (placeholders as `${name}`).
    pub fn statements(&self) -> &[Value] {
        &self.statements
    }

    /// Fails unless an `Allow` statement grants `action` on `resource`: an ARN as the policy
    /// writes it, or the reference it is made of (`aws_sqs_queue.jobs.arn`,
    /// `${aws_s3_bucket.files.arn}/*`).
    #[track_caller]
    pub fn allows(&self, action: &str, resource: &str) {
        let granted = self.statements.iter().any(|s| {
            s["Effect"] == "Allow"
                && strings(&s["Action"]).iter().any(|a| a == action)
                && strings(&s["Resource"])
                    .iter()
                    .any(|r| r == resource || self.resolve(r) == resource)
        });
        if !granted {
            panic!(
                "expected `{}` to allow `{action}` on `{resource}`; it has:\n{}",
                self.path,
                self.describe()
            );
        }
    }

    /// Fails when any `Allow` statement grants `action`.
    #[track_caller]
    pub fn does_not_allow(&self, action: &str) {
        if self
            .statements
            .iter()
            .any(|s| s["Effect"] == "Allow" && strings(&s["Action"]).iter().any(|a| a == action))
        {
            panic!(
                "expected `{}` not to allow `{action}`; it has:\n{}",
                self.path,
                self.describe()
            );
        }
    }

    /// `${name}` placeholders replaced by `${<expression>}` (a whole placeholder by the bare
    /// expression).
    fn resolve(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (name, expr) in &self.vars {
            let placeholder = format!("${{{name}}}");
            if out == placeholder {
                return expr.clone();
            }
            out = out.replace(&placeholder, &format!("${{{expr}}}"));
        }
        out
    }

    fn describe(&self) -> String {
        self.statements
            .iter()
            .map(|s| {
                let resources: Vec<String> = strings(&s["Resource"])
                    .iter()
                    .map(|r| self.resolve(r))
                    .collect();
                format!(
                    "  {} {}: {} on {}",
                    s["Sid"].as_str().unwrap_or("(no Sid)"),
                    s["Effect"].as_str().unwrap_or("?"),
                    strings(&s["Action"]).join(", "),
                    resources.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A string or an array of strings, as IAM writes `Action` and `Resource`.
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// `"${path.module}/policies/x.json"` → `policies/x.json`.
fn module_relative_path(e: &Expr) -> Option<String> {
    let ExprKind::Template(t) = &e.kind else {
        return None;
    };
    match t.parts.as_slice() {
        [TemplatePart::Interpolation(_), TemplatePart::Literal(rest)] => {
            Some(rest.trim_start_matches('/').to_string())
        }
        _ => None,
    }
}

/// A body as `.tf.json` writes it.
fn body_json(body: &Body) -> Value {
    let mut map = Map::new();
    for item in &body.items {
        match item {
            Structure::Attribute(a) => {
                map.insert(a.name.to_string(), expr_json(&a.value));
            }
            Structure::Block(b) => {
                let entry = map
                    .entry(b.kind.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry {
                    items.push(body_json(&b.body));
                }
            }
        }
    }
    Value::Object(map)
}

/// An expression as `.tf.json` writes it: literals as JSON, the rest as `"${…}"`.
fn expr_json(e: &Expr) -> Value {
    match &e.kind {
        ExprKind::Null => Value::Null,
        ExprKind::Bool(b) => json!(b),
        ExprKind::Number(n) => serde_json::from_str(&n.to_string()).unwrap_or(Value::Null),
        ExprKind::String(s) => json!(s),
        ExprKind::Tuple(items) => Value::Array(items.iter().map(expr_json).collect()),
        ExprKind::Object(items) => Value::Object(
            items
                .iter()
                .map(|i| {
                    let key = match &i.key {
                        ObjectKey::Identifier(k) => k.to_string(),
                        ObjectKey::Expr(k) => k
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| k.to_string()),
                    };
                    (key, expr_json(&i.value))
                })
                .collect(),
        ),
        ExprKind::Template(t) if t.heredoc.is_none() => {
            let text = e.to_string();
            json!(text
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .unwrap_or(&text))
        }
        _ => json!(format!("${{{e}}}")),
    }
}

/// Why `actual` does not match `expected` (at `path`), or `None` when it does.
fn mismatch(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    let here = |p: &str| {
        if p.is_empty() {
            "the resource".to_string()
        } else {
            format!("`{p}`")
        }
    };
    match (expected, actual) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, value) in want {
                let sub = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match have.get(key) {
                    None if value.is_null() => {}
                    None => {
                        return Some(format!("`{sub}` is missing (expected {})", compact(value)))
                    }
                    Some(v) => {
                        if let Some(why) = mismatch(value, v, &sub) {
                            return Some(why);
                        }
                    }
                }
            }
            None
        }
        // A nested block matches when one of its blocks does.
        (Value::Object(_), Value::Array(blocks)) => {
            if blocks.iter().any(|b| mismatch(expected, b, path).is_none()) {
                None
            } else {
                Some(format!(
                    "no block {} matches {} (it has {})",
                    here(path),
                    compact(expected),
                    compact(actual)
                ))
            }
        }
        (Value::Array(want), Value::Array(have)) => {
            if want.len() != have.len() {
                return Some(format!(
                    "{} has {} items, expected {}: {} (expected {})",
                    here(path),
                    have.len(),
                    want.len(),
                    compact(actual),
                    compact(expected)
                ));
            }
            want.iter()
                .zip(have)
                .enumerate()
                .find_map(|(i, (w, h))| mismatch(w, h, &format!("{path}[{i}]")))
        }
        (w, h) if w == h => None,
        // Numbers written as whole floats (`2.0`) equal their integer.
        (Value::Number(w), Value::Number(h)) if w.as_f64() == h.as_f64() => None,
        _ => Some(format!(
            "{} is {}, expected {}",
            here(path),
            compact(actual),
            compact(expected)
        )),
    }
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn list(names: impl Iterator<Item = String>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfstack_model::constructs::{Code, Function, Key, Queue, Runtime, Table};

    fn sessions(stack: &Stack) {
        let table = Table::new(stack, "sessions", Key::string("session_id"))
            .ttl("expires_at")
            .build();
        let f = Function::new(
            stack,
            "create_session",
            Runtime::Python312,
            "app.handler",
            Code::directory("."),
        )
        .timeout_seconds(10)
        .env("TABLE_NAME", table.name())
        .build();
        table.grant_read_write(&f);
        stack.output("table_name", table.name(), "Table");
    }

    fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let err = std::panic::catch_unwind(f).expect_err("the assertion fails");
        err.downcast_ref::<String>()
            .cloned()
            .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    }

    #[test]
    fn properties_match_as_subsets_and_blocks_match_any_element() {
        let t = Template::synth("svc", Environment::prod(), sessions);
        t.resource_count_is("aws_dynamodb_table", 1);
        t.has_resource_properties(
            "aws_dynamodb_table",
            json!({
                "billing_mode": "PAY_PER_REQUEST",
                "point_in_time_recovery": { "enabled": true },
                "ttl": [{ "attribute_name": "expires_at", "enabled": true }],
                "stream_enabled": null
            }),
        );
        t.has_resource_with_properties(
            "aws_lambda_function",
            "create_session",
            json!({ "environment": { "variables": { "TABLE_NAME": "${aws_dynamodb_table.sessions.name}" } } }),
        );
        assert_eq!(
            t.output_value("table_name"),
            json!("${aws_dynamodb_table.sessions.name}")
        );
        t.role_policy("create_session")
            .allows("dynamodb:PutItem", "aws_dynamodb_table.sessions.arn");
        t.role_policy("create_session")
            .does_not_allow("dynamodb:DeleteTable");
    }

    #[test]
    fn failures_say_what_was_expected_and_what_the_stack_has() {
        let t = Template::synth("svc", Environment::prod(), sessions);
        let message = panic_message(|| {
            t.has_resource_properties(
                "aws_dynamodb_table",
                json!({ "billing_mode": "PROVISIONED" }),
            )
        });
        assert!(
            message.contains("aws_dynamodb_table.sessions: `billing_mode` is \"PAY_PER_REQUEST\", expected \"PROVISIONED\""),
            "{message}"
        );
        let message = panic_message(|| t.resource_count_is("aws_sqs_queue", 2));
        assert!(
            message.contains("expected 2 `aws_sqs_queue`, the stack has 0"),
            "{message}"
        );
        let message = panic_message(|| t.has_resource("aws_lambda_function", "nope"));
        assert!(
            message.contains("the stack has `aws_lambda_function` `create_session`"),
            "{message}"
        );
        let message = panic_message(|| {
            t.role_policy("create_session")
                .allows("sqs:SendMessage", "aws_sqs_queue.jobs.arn")
        });
        assert!(
            message.contains("SessionsReadWrite Allow: dynamodb:BatchGetItem")
                && message.contains("on aws_dynamodb_table.sessions.arn"),
            "{message}"
        );
    }

    #[test]
    fn findings_come_from_the_linter() {
        let t = Template::synth("svc", Environment::prod(), |stack| {
            let q = Queue::new(stack, "jobs").build();
            stack.output("url", q.url(), "Queue");
        });
        t.has_no_findings();
        let t = Template::synth("svc", Environment::prod(), sessions);
        // A function without an explicit timeout is a LAMBDA003 warning: here there is one.
        let message =
            panic_message(|| t.has_finding("LAMBDA003", "aws_lambda_function.create_session"));
        assert!(
            message.contains("expected a LAMBDA003 finding"),
            "{message}"
        );
    }
}
