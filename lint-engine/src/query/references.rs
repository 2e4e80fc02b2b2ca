//! What an expression refers to: the resources it names (through locals), and every
//! attribute of a body with its dotted path.

use crate::context::Context;
use std::collections::HashSet;
use tfstack_model::{
    Attribute, Block, Body, Expr, ExprKind, Origin, Structure, Traversal, TraversalOperator,
};

/// How deep locals that refer to locals are followed.
const MAX_LOCAL_DEPTH: usize = 8;

/// A resource an expression refers to: its address and the attribute read on it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
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
pub fn targets_of(cx: &Context, expr: &Expr) -> Vec<Target> {
    let mut out = Vec::new();
    collect_targets(cx, expr, 0, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_targets(cx: &Context, expr: &Expr, depth: usize, out: &mut Vec<Target>) {
    for_each_traversal_through_locals(cx, expr, depth, &mut |t| {
        if let Some(address) = t.resource_address() {
            out.push(Target {
                address,
                attribute: t.resource_attribute().map(str::to_string),
            });
        }
    });
}

/// Calls `f` with every traversal of `expr` but `local.x`, and for `local.x` with those of
/// the expression the local is defined by (at most [`MAX_LOCAL_DEPTH`] locals deep).
fn for_each_traversal_through_locals(
    cx: &Context,
    expr: &Expr,
    depth: usize,
    f: &mut dyn FnMut(&Traversal),
) {
    for t in expr.traversals() {
        if t.root != "local" {
            f(t);
            continue;
        }
        if depth >= MAX_LOCAL_DEPTH {
            continue;
        }
        if let Some(local) = t
            .attribute_names()
            .next()
            .and_then(|n| cx.eval.local_expr(n))
        {
            for_each_traversal_through_locals(cx, local, depth + 1, f);
        }
    }
}

/// The outputs of the module call named `call` an expression reads (following `local.x`):
/// `module.dlq.arn` and `module.dlq[0].arn` read `arn`, in first-read order.
pub fn module_outputs_of(cx: &Context, expr: &Expr, call: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for_each_traversal_through_locals(cx, expr, 0, &mut |t| {
        if t.root != "module" {
            return;
        }
        let mut operators = t.operators.iter();
        if !matches!(operators.next(), Some(TraversalOperator::Attribute(n)) if n == call) {
            return;
        }
        // An instance key (`[0]`, `["a"]`, `[*]`) may come before the output's name.
        let output = match operators.next() {
            Some(TraversalOperator::Attribute(name)) => Some(name),
            Some(_) => match operators.next() {
                Some(TraversalOperator::Attribute(name)) => Some(name),
                _ => None,
            },
            None => None,
        };
        if let Some(name) = output {
            if !out.iter().any(|o| o == name.as_str()) {
                out.push(name.to_string());
            }
        }
    });
    out
}

/// [`targets_of`], and the resources of the callers a called module's input variables
/// refer to (`var.stream_arn` handed `aws_kinesis_stream.clicks.arn`): their addresses are
/// the callers', never blocks of this module, so use them for what they are (a type, an
/// attribute), not to look blocks up.
pub fn targets_through_callers(cx: &Context, expr: &Expr) -> Vec<Target> {
    let mut out = targets_of(cx, expr);
    for t in expr.traversals() {
        if t.root != "var" {
            continue;
        }
        if let Some(name) = t.attribute_names().next() {
            out.extend(caller_targets(cx, name));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What `expr` of `block` refers to in each of the block's instances, through the
/// callers: for `each.value…` of a `for_each` over an input variable
/// (`for_each = var.mappings`), the resources the caller's entry of that key refers to.
/// `None` unless the instances are known and each has such references.
pub fn instance_targets_through_callers(
    cx: &Context,
    block: &Block,
    expr: &Expr,
) -> Option<Vec<Vec<Target>>> {
    if !expr.traversals().iter().any(|t| t.root == "each") {
        return None;
    }
    let for_each = block.body.get("for_each")?;
    let inputs: Vec<&str> = for_each
        .traversals()
        .into_iter()
        .filter(|t| t.root == "var")
        .filter_map(|t| t.attribute_names().next())
        .collect();
    let crate::query::instances::Instances::Each(keys) = cx.instances(block) else {
        return None;
    };
    let per_instance: Vec<Vec<Target>> = keys
        .iter()
        .map(|(key, _)| {
            inputs
                .iter()
                .flat_map(|input| caller_targets(cx, &keyed_input(input, key)))
                .collect()
        })
        .collect();
    (!per_instance.is_empty() && per_instance.iter().all(|t| !t.is_empty())).then_some(per_instance)
}

/// The name argument references of one entry of an object argument are kept under
/// (`mappings["clicks"]`).
pub fn keyed_input(input: &str, key: &str) -> String {
    format!(
        "{input}[{}]",
        serde_json::to_string(key).unwrap_or_default()
    )
}

/// The callers' resources an input variable (or one keyed entry of it) refers to.
fn caller_targets(cx: &Context, input: &str) -> Vec<Target> {
    cx.module
        .argument_references
        .get(input)
        .into_iter()
        .flatten()
        .map(|(address, attribute)| Target {
            address: address.clone(),
            attribute: attribute.clone(),
        })
        .collect()
}

/// The resources of one type an expression refers to (through locals), as blocks.
pub fn referenced_blocks<'m>(cx: &Context<'m>, expr: &Expr, resource_type: &str) -> Vec<&'m Block> {
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
pub fn walk_attributes<'m>(body: &'m Body, f: &mut dyn FnMut(&str, &'m Expr)) {
    // One path buffer for the whole walk (segments pushed and truncated), not a new
    // string per attribute and level.
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
                let len = push_segment(
                    path,
                    b.labels
                        .first()
                        .map(tfstack_model::Name::as_str)
                        .unwrap_or(""),
                );
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

/// The origin of a nested block (`target` of a schedule), else of the block.
pub fn nested_origin(block: &Block, kind: &str) -> Origin {
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
