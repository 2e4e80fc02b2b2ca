//! ECR: repositories whose images are never scanned.
//!
//! Shared with RET003: which repositories are judged, and how a lifecycle policy names
//! its repository.

pub mod ecr_scan_on_push_disabled;

use crate::context::Context;
use crate::rules::companions::{handed_to_module, Link};
use crate::rules::dlq::exists;
use tfstack_model::Block;

pub(crate) const LIFECYCLE_POLICY: Link = Link {
    companion_type: "aws_ecr_lifecycle_policy",
    attribute: "repository",
    parent_type: "aws_ecr_repository",
    parent_name: "name",
};

/// The repositories the rules judge: those that exist and that no child module is handed
/// by name (the module may configure them).
pub(crate) fn judged_repositories<'m>(cx: &Context<'m>) -> Vec<&'m Block> {
    cx.resources("aws_ecr_repository")
        .iter()
        .copied()
        .filter(|r| exists(cx, r) && !handed_to_module(cx, r, &["name", "id"]))
        .collect()
}
