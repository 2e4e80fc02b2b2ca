//! SQS: queue settings AWS rejects or that make a consumer process messages twice or in
//! the clear.

pub mod fifo_queue_with_standard_dlq;
pub mod queue_without_encryption;
pub mod visibility_timeout_below_function_timeout;

use crate::context::Context;
use tfstack_model::{Block, ExprKind, TemplatePart};

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
