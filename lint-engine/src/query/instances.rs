//! How many instances a block has, as Terraform counts them ([`tfstack_model::instances`]):
//! a block whose `count`/`for_each` is known to be empty exists nowhere — no rule sees it,
//! no companion counts it. A `count` or `for_each` that cannot be evaluated keeps the
//! block possibly present: rules judge it as if it existed (precision first means
//! reporting only what can be shown, and a resource that may exist is judged on what is
//! written).

use crate::context::Context;
pub use tfstack_model::instances::{instances_of, Instances};
use tfstack_model::Block;

/// Whether a block exists at all: `count = 0` or an empty `for_each` creates nothing.
pub fn exists(cx: &Context, block: &Block) -> bool {
    cx.exists(block)
}
