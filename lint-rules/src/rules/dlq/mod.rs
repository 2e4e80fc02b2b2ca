//! DLQ: messages and events that are lost when processing fails, because nothing catches
//! them (no dead-letter queue, no on-failure destination).
//!
//! The helpers below are shared with the RET and LOG families: how a module wires its
//! failure paths (which resources are dead-letter destinations, which queue drains into
//! which), read through locals and from `.tf`, `.tf.json` and plans alike.

pub mod eventbridge_target_without_dlq;
pub mod lambda_async_without_dlq;
pub mod sns_subscription_without_dlq;
pub mod sqs_queue_without_dlq;
pub mod stream_mapping_without_failure_destination;

use crate::context::Context;
use std::collections::{BTreeSet, HashSet};
use tfstack_model::{Attribute, Block, Body, Expr, ExprKind, Origin, Structure, ValueKind};

/// How deep locals that refer to locals are followed.
const MAX_LOCAL_DEPTH: usize = 8;

/// Whether a resource exists at all: `count = 0` or an empty `for_each` creates nothing.
pub(crate) fn exists(cx: &Context, block: &Block) -> bool {
    if let Some(count) = cx.attr(block, "count") {
        if count.as_f64() == Some(0.0) {
            return false;
        }
    }
    if let Some(each) = cx.attr(block, "for_each") {
        match &each.kind {
            ValueKind::List(items) if items.is_empty() => return false,
            ValueKind::Object(map) if map.is_empty() => return false,
            _ => {}
        }
    }
    true
}

/// Whether the setting at `path` (nested blocks, then an attribute or a block) is present
/// with a value: not absent, not `null`, not `""`. A value the evaluator cannot know counts
/// as set, and so does a `dynamic` block unless its `for_each` is known to be empty.
/// Nested blocks written as object attributes (`.tf.json`, plans) are read too.
pub(crate) fn is_configured(cx: &Context, body: &Body, path: &[&str]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return true;
    };
    for item in &body.items {
        match item {
            Structure::Block(b) if b.kind == *first && is_configured(cx, &b.body, rest) => {
                return true;
            }
            Structure::Block(b)
                if b.kind == "dynamic" && b.labels.first().map(String::as_str) == Some(first) =>
            {
                if dynamic_is_empty(cx, b) {
                    continue;
                }
                match b.body.block("content") {
                    Some(content) => {
                        if is_configured(cx, &content.body, rest) {
                            return true;
                        }
                    }
                    None => return true,
                }
            }
            Structure::Attribute(a) if a.name == *first && value_has(&cx.value(&a.value), rest) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

fn dynamic_is_empty(cx: &Context, dynamic: &Block) -> bool {
    match cx.attr(dynamic, "for_each").map(|v| v.kind) {
        Some(ValueKind::List(items)) => items.is_empty(),
        Some(ValueKind::Object(map)) => map.is_empty(),
        Some(ValueKind::Null) => true,
        _ => false,
    }
}

/// Whether an evaluated value holds a set value at `path`.
fn value_has(v: &tfstack_model::Value, path: &[&str]) -> bool {
    match &v.kind {
        ValueKind::Unknown => true,
        ValueKind::Null => false,
        ValueKind::String(s) if path.is_empty() => !s.is_empty(),
        ValueKind::List(items) => items.iter().any(|i| value_has(i, path)),
        _ if path.is_empty() => true,
        ValueKind::Object(map) => map.get(path[0]).is_some_and(|i| value_has(i, &path[1..])),
        _ => false,
    }
}

/// A resource an expression refers to: its address and the attribute read on it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Target {
    pub address: String,
    pub attribute: Option<String>,
}

impl Target {
    /// The resource type (`aws_sqs_queue`), for resources and data sources alike.
    pub fn resource_type(&self) -> &str {
        let a = self.address.strip_prefix("data.").unwrap_or(&self.address);
        a.split('.').next().unwrap_or("")
    }
}

/// The resources an expression refers to, following `local.x` to what the local is
/// defined by (a redrive policy or an ARN is often kept in a local).
pub(crate) fn targets_of(cx: &Context, expr: &Expr) -> Vec<Target> {
    let mut out = Vec::new();
    collect_targets(cx, expr, 0, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_targets(cx: &Context, expr: &Expr, depth: usize, out: &mut Vec<Target>) {
    for t in expr.traversals() {
        if t.root == "local" {
            if depth >= MAX_LOCAL_DEPTH {
                continue;
            }
            if let Some(local) = t
                .attribute_names()
                .next()
                .and_then(|n| cx.eval.local_expr(n))
            {
                collect_targets(cx, local, depth + 1, out);
            }
        } else if let Some(address) = t.resource_address() {
            out.push(Target {
                address,
                attribute: t.resource_attribute().map(str::to_string),
            });
        }
    }
}

/// The resources of one type an expression refers to (through locals), as blocks.
pub(crate) fn referenced_blocks<'m>(
    cx: &Context<'m>,
    expr: &Expr,
    resource_type: &str,
) -> Vec<&'m Block> {
    let mut out: Vec<&'m Block> = Vec::new();
    // Several targets can name one block (`.arn` and `.id`). `cx.block` is keyed by the
    // block's address, so the target's address is the block's: a set of them keeps each
    // block once, in first-seen order, O(1) per target.
    let mut seen: HashSet<String> = HashSet::new();
    for t in targets_of(cx, expr) {
        if t.address.starts_with("data.") || t.resource_type() != resource_type {
            continue;
        }
        if let Some(b) = cx.block(&t.address) {
            if seen.insert(t.address) {
                out.push(b);
            }
        }
    }
    out
}

/// Calls `f` with every attribute of a body and its dotted path (`dead_letter_config.arn`).
/// `dynamic "x" { content { … } }` reads as a block `x`; literal objects (nested blocks
/// in `.tf.json` and plans) are walked into.
pub(crate) fn walk_attributes<'m>(body: &'m Body, f: &mut dyn FnMut(&str, &'m Expr)) {
    // Perf: one path buffer for the whole walk (segments pushed and truncated), not a
    // new string per attribute and level.
    let mut path = String::new();
    walk_body(body, &mut path, f);
}

/// Appends `.name` (or `name` to an empty path); returns the length to truncate back to.
fn push_segment(path: &mut String, name: &str) -> usize {
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(name);
    len
}

fn walk_body<'m>(body: &'m Body, path: &mut String, f: &mut dyn FnMut(&str, &'m Expr)) {
    for item in &body.items {
        match item {
            Structure::Attribute(Attribute { name, value, .. }) => {
                let len = push_segment(path, name);
                walk_expr(value, path, f);
                path.truncate(len);
            }
            Structure::Block(b) if b.kind == "dynamic" => {
                let len = push_segment(path, b.labels.first().map(String::as_str).unwrap_or(""));
                for inner in &b.body.items {
                    match inner {
                        Structure::Block(content) if content.kind == "content" => {
                            walk_body(&content.body, path, f)
                        }
                        Structure::Block(other) => {
                            let inner_len = push_segment(path, &other.kind);
                            walk_body(&other.body, path, f);
                            path.truncate(inner_len);
                        }
                        Structure::Attribute(a) => {
                            let inner_len = push_segment(path, &a.name);
                            walk_expr(&a.value, path, f);
                            path.truncate(inner_len);
                        }
                    }
                }
                path.truncate(len);
            }
            Structure::Block(b) => {
                let len = push_segment(path, &b.kind);
                walk_body(&b.body, path, f);
                path.truncate(len);
            }
        }
    }
}

fn walk_expr<'m>(expr: &'m Expr, path: &mut String, f: &mut dyn FnMut(&str, &'m Expr)) {
    match &expr.kind {
        ExprKind::Object(items) => {
            for item in items {
                match item.key.as_str() {
                    Some(key) => {
                        let len = push_segment(path, key);
                        walk_expr(&item.value, path, f);
                        path.truncate(len);
                    }
                    None => f(path, &item.value),
                }
            }
        }
        ExprKind::Tuple(items) if items.iter().all(|i| matches!(i.kind, ExprKind::Object(_))) => {
            for item in items {
                walk_expr(item, path, f);
            }
        }
        _ => f(path, expr),
    }
}

/// Whether a reference from `from` at attribute `path` makes the referenced resource a
/// dead-letter queue or a failure destination.
fn is_failure_destination_path(cx: &Context, from: &Block, path: &str) -> bool {
    if path
        .split('.')
        .any(|s| s == "dead_letter_config" || s == "on_failure")
    {
        return true;
    }
    if from.kind == "module" {
        // A queue handed to a child module as its `dlq_arn`, `dead_letter_target_arn`, ….
        let name = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        return [
            "dlq",
            "dead_letter",
            "deadletter",
            "on_failure",
            "failure_destination",
        ]
        .iter()
        .any(|n| name.contains(n));
    }
    match (from.type_label(), path) {
        ("aws_sqs_queue", "redrive_policy")
        | ("aws_sqs_queue_redrive_policy", "redrive_policy")
        | ("aws_sns_topic_subscription", "redrive_policy") => true,
        ("aws_lambda_function_event_invoke_config", p) => p.starts_with("destination_config"),
        ("aws_sqs_queue_redrive_allow_policy", "queue_url") => {
            allows_redrive(from.body.get("redrive_allow_policy").map(|e| cx.value(e)))
        }
        _ => false,
    }
}

/// Whether a `redrive_allow_policy` lets some queue use this one as its dead-letter queue
/// (`allowAll`, `byQueue`); `denyAll` does not. Unknown counts as allowing.
pub(crate) fn allows_redrive(policy: Option<tfstack_model::Value>) -> bool {
    let Some(policy) = policy else {
        return false;
    };
    match &policy.kind {
        ValueKind::Null => false,
        ValueKind::String(s) if s.is_empty() => false,
        ValueKind::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(json) => json
                .get("redrivePermission")
                .and_then(serde_json::Value::as_str)
                .is_none_or(|p| !p.eq_ignore_ascii_case("denyAll")),
            Err(_) => true,
        },
        _ => true,
    }
}

/// The addresses of every resource the module uses as a dead-letter queue or failure
/// destination: named in a queue's or an `aws_sqs_queue_redrive_policy`'s redrive policy,
/// an SNS subscription's redrive policy, any `dead_letter_config` (Lambda, EventBridge
/// targets, schedules, pipes) or `on_failure` destination, a Lambda event invoke config
/// destination, an `aws_sqs_queue_redrive_allow_policy`, or a child module input named
/// like a dead-letter queue.
pub(crate) fn failure_destinations(cx: &Context) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for block in &cx.module.config.blocks {
        if block.kind != "resource" && block.kind != "module" {
            continue;
        }
        let own = block.address();
        walk_attributes(&block.body, &mut |path, expr| {
            if is_failure_destination_path(cx, block, path) {
                for t in targets_of(cx, expr) {
                    if t.address != own {
                        out.insert(t.address);
                    }
                }
            }
        });
    }
    for r in redrives(cx) {
        out.insert(r.dead_letter.address());
    }
    out
}

/// One queue draining into a dead-letter queue.
#[derive(Clone, Debug)]
pub(crate) struct Redrive<'m> {
    pub source: &'m Block,
    pub dead_letter: &'m Block,
}

/// Every (source queue, dead-letter queue) pair of the module, from inline
/// `redrive_policy` attributes and `aws_sqs_queue_redrive_policy` resources, by reference
/// or by a literal ARN naming a queue of the module. In source order, without repeats.
pub(crate) fn redrives<'m>(cx: &Context<'m>) -> Vec<Redrive<'m>> {
    let mut out: Vec<Redrive<'m>> = Vec::new();
    // Seen pairs, by address: O(1) per pair, so the whole scan stays linear.
    let mut seen: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    let mut push = |source: &'m Block, dead_letter: &'m Block| {
        let key = (source.address(), dead_letter.address());
        if key.0 != key.1 && seen.insert(key) {
            out.push(Redrive {
                source,
                dead_letter,
            });
        }
    };
    for queue in cx.resources("aws_sqs_queue") {
        if let Some(policy) = queue.body.get("redrive_policy") {
            for dlq in dead_letter_queues_in(cx, policy, queue) {
                push(queue, dlq);
            }
        }
    }
    for resource in cx.resources("aws_sqs_queue_redrive_policy") {
        let (Some(url), Some(policy)) = (
            resource.body.get("queue_url"),
            resource.body.get("redrive_policy"),
        ) else {
            continue;
        };
        for source in queues_at(cx, url, '/') {
            for dlq in dead_letter_queues_in(cx, policy, source) {
                push(source, dlq);
            }
        }
    }
    out
}

/// The queues a redrive policy names as dead-letter target (other than `source`).
fn dead_letter_queues_in<'m>(cx: &Context<'m>, policy: &Expr, source: &Block) -> Vec<&'m Block> {
    let referenced: Vec<&Block> = referenced_blocks(cx, policy, "aws_sqs_queue")
        .into_iter()
        .filter(|q| q.address() != source.address())
        .collect();
    if !referenced.is_empty() {
        return referenced;
    }
    // A literal policy: `{"deadLetterTargetArn": "arn:aws:sqs:…:orders-dlq", …}`.
    let value = cx.value(policy);
    let arn = match &value.kind {
        ValueKind::String(s) => serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .and_then(|j| {
                j.get("deadLetterTargetArn")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string)
            }),
        ValueKind::Object(_) => value
            .get("deadLetterTargetArn")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        _ => None,
    };
    arn.and_then(|arn| queue_named(cx, last_segment(&arn, ':')))
        .filter(|q| q.address() != source.address())
        .into_iter()
        .collect()
}

/// The queues an expression designates: by reference, or by a literal URL/ARN whose last
/// `separator`-segment is a queue's name.
pub(crate) fn queues_at<'m>(cx: &Context<'m>, expr: &Expr, separator: char) -> Vec<&'m Block> {
    let referenced = referenced_blocks(cx, expr, "aws_sqs_queue");
    if !referenced.is_empty() {
        return referenced;
    }
    cx.value(expr)
        .as_str()
        .and_then(|s| queue_named(cx, last_segment(s, separator)))
        .into_iter()
        .collect()
}

fn last_segment(s: &str, separator: char) -> &str {
    s.rsplit(separator).next().unwrap_or(s)
}

/// The (first) queue whose evaluated `name` is `name`: a hash lookup.
pub(crate) fn queue_named<'m>(cx: &Context<'m>, name: &str) -> Option<&'m Block> {
    cx.resources_named("aws_sqs_queue", "name", name)
        .first()
        .copied()
}

/// The origin of a nested block (`target` of a schedule), else of the block.
pub(crate) fn nested_origin(block: &Block, kind: &str) -> Origin {
    block
        .body
        .block(kind)
        .map(|b| b.origin)
        .unwrap_or(block.origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::module_from_hcl as load;

    #[test]
    fn referenced_blocks_keeps_each_block_once_in_target_order() {
        let module = load(
            r#"
locals {
  jobs = aws_sqs_queue.jobs.arn
}
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
resource "aws_sqs_queue" "audit" {
  name = "audit"
}
resource "aws_sns_topic" "jobs" {
  name = "jobs"
}
resource "aws_sqs_queue" "mixed" {
  name = "mixed"
  policy = jsonencode({
    Resource = [
      aws_sqs_queue.jobs.arn,
      aws_sqs_queue.jobs.id,
      local.jobs,
      aws_sns_topic.jobs.arn,
      aws_sqs_queue.audit.url,
      aws_sqs_queue.audit.arn,
      aws_sqs_queue.missing.arn,
      data.aws_sqs_queue.external.arn,
    ]
  })
}
"#,
        );
        let cx = Context::new(&module);
        let mixed = cx
            .block("aws_sqs_queue.mixed")
            .expect("the queue with a policy");
        let policy = mixed.body.get("policy").expect("policy");
        let found: Vec<String> = referenced_blocks(&cx, policy, "aws_sqs_queue")
            .iter()
            .map(|b| b.address())
            .collect();
        // Sorted by address (as `targets_of` gives them), each block once.
        assert_eq!(found, ["aws_sqs_queue.audit", "aws_sqs_queue.jobs"]);
        let topics: Vec<String> = referenced_blocks(&cx, policy, "aws_sns_topic")
            .iter()
            .map(|b| b.address())
            .collect();
        assert_eq!(topics, ["aws_sns_topic.jobs"]);
    }
}
