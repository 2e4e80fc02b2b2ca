//! S3: what the public access rules share — the four flags of a public access block,
//! which of them a block leaves off, and whether the account-level block covers every
//! bucket.

use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::setting;
use tfstack_model::{Block, Origin};

/// The four settings, each `false` when unset.
pub(crate) const FLAGS: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

/// A flag a public access block leaves off, and where it is set to `false` (`None`
/// when it is not set).
pub(crate) struct OffFlag {
    pub name: &'static str,
    pub origin: Option<Origin>,
}

/// The flags of a public access block (bucket or account level) known to be off; a flag
/// set to a value it cannot evaluate counts as on.
pub(crate) fn off_flags(cx: &Context, block: &Block) -> Vec<OffFlag> {
    FLAGS
        .iter()
        .filter_map(|name| {
            let flag = setting(cx, block, &[name]);
            (flag.bool_or(false) == Some(false)).then(|| OffFlag {
                name,
                origin: flag.origin(),
            })
        })
        .collect()
}

/// Whether an `aws_s3_account_public_access_block` of the module turns all four flags on:
/// S3 applies the most restrictive of the account and bucket settings, so every bucket of
/// the account is covered.
pub(crate) fn account_blocks_all(cx: &Context) -> bool {
    cx.resources("aws_s3_account_public_access_block")
        .iter()
        .any(|a| exists(cx, a) && off_flags(cx, a).is_empty())
}
