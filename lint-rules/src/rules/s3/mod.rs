//! S3: buckets that can be made public, lose overwritten objects, or accept plain HTTP.
//!
//! Since provider v4 a bucket's settings are separate resources that name it
//! (`aws_s3_bucket_versioning`, `aws_s3_bucket_public_access_block`, …); the links below
//! say how they are paired with their bucket (see [`crate::rules::companions`]). Shared
//! with RET002.

pub mod s3_bucket_without_tls_policy;
pub mod s3_bucket_without_versioning;
pub mod s3_public_access_not_blocked;

use crate::context::Context;
use crate::rules::companions::{handed_to_module, Link};
use crate::rules::dlq::exists;
use tfstack_model::Block;

const fn bucket_link(companion_type: &'static str) -> Link {
    Link {
        companion_type,
        attribute: "bucket",
        parent_type: "aws_s3_bucket",
        parent_name: "bucket",
    }
}

pub(crate) const PUBLIC_ACCESS_BLOCK: Link = bucket_link("aws_s3_bucket_public_access_block");
pub(crate) const VERSIONING: Link = bucket_link("aws_s3_bucket_versioning");
pub(crate) const LIFECYCLE_CONFIGURATION: Link =
    bucket_link("aws_s3_bucket_lifecycle_configuration");
pub(crate) const BUCKET_POLICY: Link = bucket_link("aws_s3_bucket_policy");

/// The buckets the S3 rules judge: those that exist and that no child module is handed
/// by name (the module may configure them).
pub(crate) fn judged_buckets<'m>(cx: &Context<'m>) -> Vec<&'m Block> {
    cx.resources("aws_s3_bucket")
        .iter()
        .copied()
        .filter(|b| exists(cx, b) && !handed_to_module(cx, b, &["id", "bucket"]))
        .collect()
}
