//! SQS: queue settings AWS rejects, or that make consumers process messages twice, in the
//! clear, or pay for empty receives.
//!
//! The helpers below are shared by the rules on a dead-letter queue of the wrong type
//! (SQS001 one way, SQS004 the other): which queues are FIFO, and which redrive policies
//! pair a queue of one type with a dead-letter queue of the other.
use std::collections::HashMap;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::failures::{
    dead_letter_target_arn, queue_named, redrive_policy_sources,
};
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::references::referenced_blocks;
use tfstack_model::{Block, Expr, ExprKind, Origin, TemplatePart};

/// Whether a queue is FIFO: `Some(true)` with `fifo_queue = true` or a name ending in
/// `.fifo`; `Some(false)` when `fifo_queue` is false or unset (the provider's default) and
/// the name does not end in `.fifo`; `None` when it cannot be known.
pub(crate) fn is_fifo(cx: &Context, queue: &Block) -> Option<bool> {
    let name = cx.attr(queue, "name");
    // `"${var.prefix}-jobs.fifo"` says FIFO even when the prefix is unknown.
    let written_fifo = queue.body.get("name").is_some_and(|e| match &e.kind {
        ExprKind::Template(t) => {
            matches!(t.parts.last(), Some(TemplatePart::Literal(l)) if l.ends_with(".fifo"))
        }
        _ => false,
    });
    let named_fifo = written_fifo
        || name
            .as_ref()
            .and_then(|v| v.as_str())
            .is_some_and(|n| n.ends_with(".fifo"));
    match queue.body.get("fifo_queue").map(|e| cx.value(e)) {
        _ if named_fifo => Some(true),
        None => Some(false),
        Some(v) if v.is_null() => Some(false),
        Some(v) => v.as_bool(),
    }
}

/// The two types of SQS queue. AWS requires a dead-letter queue to be of its source
/// queue's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QueueType {
    Standard,
    Fifo,
}

impl QueueType {
    fn is_fifo(self) -> bool {
        self == QueueType::Fifo
    }
}

/// A dead-letter queue a redrive policy names: a queue of the module, or the queue of a
/// literal ARN outside it.
pub(crate) enum DeadLetterTarget<'m> {
    Queue(&'m Block),
    Arn(String),
}

/// A queue draining into a dead-letter queue of the type asked for.
pub(crate) struct TypedRedrive<'m> {
    /// The queue whose failed messages go to the dead-letter queue.
    pub source: &'m Block,
    /// Where the redrive policy is written: the source queue (inline `redrive_policy`) or
    /// an `aws_sqs_queue_redrive_policy`.
    pub owner: &'m Block,
    pub target: DeadLetterTarget<'m>,
    /// Where the policy names the dead-letter queue, else the policy, else the owner's
    /// `redrive_policy` attribute (`Generated` when none of them says).
    pub origin: Origin,
}

/// Every redrive of an existing queue of type `source` (known, not guessed) to a
/// dead-letter queue of type `target`: per source queue in source order, its inline
/// `redrive_policy` first, then its `aws_sqs_queue_redrive_policy` resources in source
/// order. A queue naming itself, unknown types, unknown policies and unknown targets give
/// nothing.
pub(crate) fn redrives_between<'m>(
    cx: &Context<'m>,
    source: QueueType,
    target: QueueType,
) -> Vec<TypedRedrive<'m>> {
    let sources: Vec<&'m Block> = cx
        .resources("aws_sqs_queue")
        .iter()
        .copied()
        .filter(|q| exists(cx, q) && is_fifo(cx, q) == Some(source.is_fifo()))
        .collect();
    if sources.is_empty() {
        return Vec::new();
    }
    let separate_policies = redrive_policies_by_queue(cx);
    let mut out = Vec::new();
    for queue in sources {
        // Where the queue's redrive policies are written: (block, expression), inline
        // first, then its `aws_sqs_queue_redrive_policy` resources in source order.
        let mut policies: Vec<(&'m Block, &'m Expr)> = Vec::new();
        if let Some(policy) = queue.body.get("redrive_policy") {
            policies.push((queue, policy));
        }
        if let Some(separate) = separate_policies.get(&queue.address()) {
            policies.extend(separate.iter().copied());
        }
        for (owner, policy) in policies {
            for dead_letter in targets_of_type(cx, queue, policy, target) {
                let origin = target_origin(policy, &dead_letter)
                    .or(policy.origin)
                    .or(cx.origin_of(owner, "redrive_policy"));
                out.push(TypedRedrive {
                    source: queue,
                    owner,
                    target: dead_letter,
                    origin,
                });
            }
        }
    }
    out
}

/// The `aws_sqs_queue_redrive_policy` resources that exist, with their policy, by the
/// address of the queue their `queue_url` designates, each list in source order. O(n) to
/// build, then a hash lookup per queue (instead of every resource for every queue).
fn redrive_policies_by_queue<'m>(cx: &Context<'m>) -> HashMap<String, Vec<(&'m Block, &'m Expr)>> {
    let mut by_queue: HashMap<String, Vec<(&'m Block, &'m Expr)>> = HashMap::new();
    for resource in cx.resources("aws_sqs_queue_redrive_policy") {
        if !exists(cx, resource) {
            continue;
        }
        let Some((sources, policy)) = redrive_policy_sources(cx, resource) else {
            continue;
        };
        // Each queue is named once, so a resource is listed once per queue.
        for queue in sources {
            by_queue
                .entry(queue.address())
                .or_default()
                .push((resource, policy));
        }
    }
    by_queue
}

/// The dead-letter queues of type `wanted` that `source`'s redrive policy names: queues of
/// the module whose type is known, or a literal ARN outside the module, typed by its name.
fn targets_of_type<'m>(
    cx: &Context<'m>,
    source: &Block,
    policy: &Expr,
    wanted: QueueType,
) -> Vec<DeadLetterTarget<'m>> {
    let referenced: Vec<&Block> = referenced_blocks(cx, policy, "aws_sqs_queue")
        .into_iter()
        .filter(|q| q.address() != source.address())
        .collect();
    if !referenced.is_empty() {
        return referenced
            .into_iter()
            .filter(|q| is_fifo(cx, q) == Some(wanted.is_fifo()))
            .map(DeadLetterTarget::Queue)
            .collect();
    }
    let Some(arn) = dead_letter_target_arn(&cx.value(policy)) else {
        return Vec::new();
    };
    let name = arn.rsplit(':').next().unwrap_or(&arn);
    match queue_named(cx, name) {
        Some(q) if q.address() == source.address() => Vec::new(),
        Some(q) => (is_fifo(cx, q) == Some(wanted.is_fifo()))
            .then_some(DeadLetterTarget::Queue(q))
            .into_iter()
            .collect(),
        None if arn.starts_with("arn:") && name.ends_with(".fifo") == wanted.is_fifo() => {
            vec![DeadLetterTarget::Arn(arn)]
        }
        None => Vec::new(),
    }
}

/// Where the policy names a dead-letter queue of the module (`aws_sqs_queue.dlq.arn`).
fn target_origin(policy: &Expr, target: &DeadLetterTarget) -> Origin {
    let DeadLetterTarget::Queue(queue) = target else {
        return Origin::GENERATED;
    };
    let address = queue.address();
    let mut found = Origin::GENERATED;
    policy.visit(&mut |e| {
        if found.is_generated()
            && e.as_traversal()
                .and_then(|t| t.resource_address())
                .is_some_and(|a| a == address)
        {
            found = e.origin;
        }
    });
    found
}
