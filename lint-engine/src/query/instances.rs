//! How many instances a block has: `count = 0` or an empty `for_each` creates nothing.

use crate::context::Context;
use tfstack_model::{Block, ValueKind};

/// Whether a resource exists at all: `count = 0` or an empty `for_each` creates nothing.
pub fn exists(cx: &Context, block: &Block) -> bool {
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
