//! How a module wires its failure paths: which resources are dead-letter destinations,
//! which queue drains into which, read through locals and from `.tf`, `.tf.json` and plans
//! alike.

use crate::context::Context;
use crate::query::references::{
    module_outputs_of, referenced_blocks, referenced_blocks_in, targets_in_block, targets_of,
    walk_attributes,
};
use std::collections::BTreeSet;
use std::rc::Rc;
use tfstack_model::{Block, Expr, ValueKind};

/// Whether a reference from `from` at attribute `path` makes the referenced resource a
/// dead-letter queue or a failure destination.
fn is_failure_destination_path(cx: &Context, from: &Block, path: &str) -> bool {
    // A `dynamic` block's own `for_each` and `iterator` say how many there are, not where
    // failures go.
    if path.ends_with(".for_each") || path.ends_with(".iterator") {
        return false;
    }
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
pub fn allows_redrive(policy: Option<tfstack_model::Value>) -> bool {
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
/// like a dead-letter queue. Built once per module (several rules ask).
pub fn failure_destinations(cx: &Context) -> Rc<BTreeSet<String>> {
    cx.memoized(FailureDestinationsKey, || build_failure_destinations(cx))
}

/// The key of the module's failure destinations in the context's cache.
#[derive(PartialEq, Eq, Hash)]
struct FailureDestinationsKey;

fn build_failure_destinations(cx: &Context) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for_each_failure_destination(cx, &mut |block, expr| {
        let own = block.address();
        for t in targets_in_block(cx, block, expr) {
            if t.address != own {
                out.insert(t.address);
            }
        }
    });
    for r in redrives(cx) {
        out.insert(r.dead_letter.address());
    }
    // What this instance's caller takes as a failure destination from its outputs.
    for output in cx.module.config.blocks_of("output") {
        let named = output
            .labels
            .first()
            .is_some_and(|name| cx.module.failure_outputs.contains(name.as_str()));
        if let Some(value) = output.body.get("value").filter(|_| named) {
            out.extend(targets_of(cx, value).into_iter().map(|t| t.address));
        }
    }
    out
}

/// Calls `f` with every expression of the module's resources and module calls that names a
/// dead-letter queue or failure destination, and the block it is written in.
fn for_each_failure_destination<'m>(cx: &Context<'m>, f: &mut dyn FnMut(&'m Block, &'m Expr)) {
    for block in cx.blocks() {
        if block.kind != "resource" && block.kind != "module" {
            continue;
        }
        walk_attributes(&block.body, &mut |path, expr| {
            if is_failure_destination_path(cx, block, path) {
                f(block, expr);
            }
        });
    }
}

/// The outputs of the module call named `call` that this module hands to a dead-letter
/// queue or failure destination: `deadLetterTargetArn = module.dlq.queue_arn` (any
/// instance, through locals) makes `queue_arn` one. The call's instances are told, so
/// that what the output names is known there as a destination.
pub fn failure_outputs(cx: &Context, call: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for_each_failure_destination(cx, &mut |_, expr| {
        out.extend(module_outputs_of(cx, expr, call));
    });
    out
}

/// One queue draining into a dead-letter queue.
#[derive(Clone, Debug)]
pub struct Redrive<'m> {
    pub source: &'m Block,
    pub dead_letter: &'m Block,
}

/// Every (source queue, dead-letter queue) pair of the module, from inline
/// `redrive_policy` attributes and `aws_sqs_queue_redrive_policy` resources, by reference
/// or by a literal ARN naming a queue of the module. In source order, without repeats.
pub fn redrives<'m>(cx: &Context<'m>) -> Vec<Redrive<'m>> {
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
        let Some((sources, policy)) = redrive_policy_sources(cx, resource) else {
            continue;
        };
        for source in sources {
            for dlq in dead_letter_queues_in(cx, policy, source) {
                push(source, dlq);
            }
        }
    }
    out
}

/// The queues an `aws_sqs_queue_redrive_policy` resource sets the redrive policy of, and
/// the policy, to pair each queue with the dead-letter queues the policy names. No queue
/// when both the queue and the policy depend on the instance and several queues are
/// named (`queue_url = local.urls[each.key]`, `deadLetterTargetArn =
/// local.dlqs[each.key]`): which queue drains into which is told per instance only, and
/// pairing them every-with-every would judge pairs that do not exist.
pub fn redrive_policy_sources<'m>(
    cx: &Context<'m>,
    resource: &'m Block,
) -> Option<(Vec<&'m Block>, &'m Expr)> {
    let (url, policy) = (
        resource.body.get("queue_url")?,
        resource.body.get("redrive_policy")?,
    );
    let sources = queues_at(cx, url, '/');
    if sources.len() > 1 && url.reads_instance() && policy.reads_instance() {
        return Some((Vec::new(), policy));
    }
    Some((sources, policy))
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
    let arn = dead_letter_target_arn(&cx.value(policy));
    arn.and_then(|arn| queue_named(cx, last_segment(&arn, ':')))
        .filter(|q| q.address() != source.address())
        .into_iter()
        .collect()
}

/// `deadLetterTargetArn` of a redrive policy, written as JSON text or as an object.
pub fn dead_letter_target_arn(policy: &tfstack_model::Value) -> Option<String> {
    match &policy.kind {
        ValueKind::String(s) => serde_json::from_str::<serde_json::Value>(s)
            .ok()?
            .get("deadLetterTargetArn")?
            .as_str()
            .map(str::to_string),
        ValueKind::Object(_) => policy
            .get("deadLetterTargetArn")?
            .as_str()
            .map(str::to_string),
        _ => None,
    }
}

/// The queues an expression designates: by reference, or by a literal URL/ARN whose last
/// `separator`-segment is a queue's name. What `each.value` stands for is not followed:
/// pairs made from one block's entries would pair every entry's queue with every other's.
pub fn queues_at<'m>(cx: &Context<'m>, expr: &Expr, separator: char) -> Vec<&'m Block> {
    queues_among(
        cx,
        referenced_blocks(cx, expr, "aws_sqs_queue"),
        expr,
        separator,
    )
}

/// Every queue an expression written in `block` may designate, also through `each.value`
/// in any of its entries ([`referenced_blocks_in`]): to tell which queues something
/// reads or redrives at all, never to pair them with another attribute of the block.
pub fn queues_in<'m>(
    cx: &Context<'m>,
    block: &'m Block,
    expr: &'m Expr,
    separator: char,
) -> Vec<&'m Block> {
    queues_among(
        cx,
        referenced_blocks_in(cx, block, expr, "aws_sqs_queue"),
        expr,
        separator,
    )
}

/// `referenced`, or the queue a literal URL/ARN names.
fn queues_among<'m>(
    cx: &Context<'m>,
    referenced: Vec<&'m Block>,
    expr: &Expr,
    separator: char,
) -> Vec<&'m Block> {
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
pub fn queue_named<'m>(cx: &Context<'m>, name: &str) -> Option<&'m Block> {
    cx.resources_named("aws_sqs_queue", "name", name)
        .first()
        .copied()
}
