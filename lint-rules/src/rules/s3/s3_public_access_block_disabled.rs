use super::shared::{account_blocks_all, off_flags, OffFlag};
use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_model::Block;

declare_rule! {
    /// ## What it does
    /// Flags an `aws_s3_bucket_public_access_block` that leaves one of its four flags —
    /// `block_public_acls`, `block_public_policy`, `ignore_public_acls`,
    /// `restrict_public_buckets` — off: set to `false`, or not set (the provider's default
    /// is `false`). The finding is on the block, at the first flag set to `false` (at the
    /// block when the flags are only missing).
    ///
    /// ## Why is this bad?
    /// AWS turns every flag on for buckets created since April 2023 (AWS What's New,
    /// December 2022: "Amazon S3 will automatically enable S3 Block Public Access … for all
    /// new buckets"). A block that turns a flag off takes that protection away on purpose:
    /// with `block_public_policy = false` a bucket policy for `"Principal": "*"` is accepted,
    /// with `ignore_public_acls = false` a public ACL makes objects readable by anyone on
    /// the internet (seed 002, "exponer buckets públicos").
    ///
    /// A flag set to a value it cannot evaluate counts as on. It does not flag blocks with
    /// `count = 0`, nor any block when an `aws_s3_account_public_access_block` of the module
    /// turns all four flags on (S3 applies the most restrictive of the account and bucket
    /// settings). A bucket meant to be public (a website without CloudFront) is still
    /// flagged: suppress the finding with the reason. A bucket without any block is
    /// S3001's finding (a warning).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket_public_access_block" "site" {
    ///   bucket                  = aws_s3_bucket.site.id
    ///   block_public_acls       = true
    ///   block_public_policy     = false
    ///   ignore_public_acls      = true
    ///   restrict_public_buckets = false
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_s3_bucket_public_access_block" "site" {
    ///   bucket                  = aws_s3_bucket.site.id
    ///   block_public_acls       = true
    ///   block_public_policy     = true
    ///   ignore_public_acls      = true
    ///   restrict_public_buckets = true
    /// }
    /// ```
    pub struct S3PublicAccessBlockDisabled {
        id: "S3004",
        name: "s3-public-access-block-disabled",
        severity: Error,
    }
}

impl Rule for S3PublicAccessBlockDisabled {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        if account_blocks_all(cx) {
            return;
        }
        for block in cx.resources("aws_s3_bucket_public_access_block") {
            if !exists(cx, block) {
                continue;
            }
            let off = off_flags(cx, block);
            if !off.is_empty() {
                out.push(finding(block, &off));
            }
        }
    }
}

fn finding(block: &Block, off: &[OffFlag]) -> Finding {
    let names = off
        .iter()
        .map(|f| format!("`{}`", f.name))
        .collect::<Vec<_>>()
        .join(", ");
    let bucket = block
        .body
        .get("bucket")
        .and_then(|e| e.as_traversal())
        .and_then(|t| t.resource_address())
        .map(|address| format!(" of bucket `{address}`"))
        .unwrap_or_default();
    let written = off.iter().find_map(|f| f.origin.map(|o| (f.name, o)));
    Finding::new(
        &S3PublicAccessBlockDisabled::META,
        format!(
            "public access block `{}`{bucket} leaves {names} off: the bucket can be made public",
            block.address(),
        ),
    )
    .at(written.map_or(block.origin, |(_, o)| o))
    .label(match written {
        Some((name, _)) => format!("`{name} = false`"),
        None => "not every setting is `true`".to_string(),
    })
    .help(
        "set `block_public_acls`, `block_public_policy`, `ignore_public_acls` and \
         `restrict_public_buckets` to `true`",
    )
    .resource(block.address())
    .attribute(written.map(|(name, _)| name.to_string()))
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

    const RULE: &str = "S3004";

    #[test]
    fn fires_on_a_flag_turned_off() {
        let cases: &[(&str, &str)] = &[
            (
                "one flag false",
                r#"resource "aws_s3_bucket" "site" {
  bucket = "acme-site"
}
resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}"#,
            ),
            (
                "flags left unset default to false",
                r#"resource "aws_s3_bucket" "site" {
  bucket = "acme-site"
}
resource "aws_s3_bucket_public_access_block" "site" {
  bucket            = aws_s3_bucket.site.bucket
  block_public_acls = true
}"#,
            ),
            (
                "the block of a bucket outside the module",
                r#"resource "aws_s3_bucket_public_access_block" "site" {
  bucket              = "acme-site"
  block_public_policy = false
}"#,
            ),
            (
                "an incomplete account-level block does not cover",
                r#"resource "aws_s3_account_public_access_block" "account" {
  block_public_acls = true
}
resource "aws_s3_bucket_public_access_block" "site" {
  bucket = "acme-site"
}"#,
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(
                addresses(&f),
                ["aws_s3_bucket_public_access_block.site"],
                "{name}: {f:#?}"
            );
        }
    }

    #[test]
    fn points_at_the_flag_set_to_false() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_s3_bucket" "site" {
  bucket = "acme-site"
}
resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
}"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].attribute.as_deref(), Some("block_public_policy"));
        assert_eq!((f[0].location.line, f[0].location.column), (7, 29));
        assert!(f[0]
            .message
            .contains("`block_public_policy`, `restrict_public_buckets`"));
        assert!(f[0].message.contains("of bucket `aws_s3_bucket.site`"));
    }

    #[test]
    fn quiet_when_every_flag_is_on_or_unknown() {
        let cases: &[(&str, &str)] = &[
            (
                "all four on",
                r#"resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = "acme-site"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}"#,
            ),
            (
                "flags from a variable without a value",
                r#"variable "block" {
  type = bool
}
resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = "acme-site"
  block_public_acls       = var.block
  block_public_policy     = var.block
  ignore_public_acls      = var.block
  restrict_public_buckets = var.block
}"#,
            ),
            (
                "the account-level block turns everything on",
                r#"resource "aws_s3_account_public_access_block" "account" {
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
resource "aws_s3_bucket_public_access_block" "site" {
  bucket              = "acme-site"
  block_public_policy = false
}"#,
            ),
            (
                "count = 0",
                r#"resource "aws_s3_bucket_public_access_block" "site" {
  count  = 0
  bucket = "acme-site"
}"#,
            ),
            (
                "a bucket without any block is S3001's",
                r#"resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}"#,
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn tfvars_decide() {
        let main = r#"variable "public_site" {
  type    = bool
  default = false
}
resource "aws_s3_bucket" "site" {
  bucket = "acme-site"
}
resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = !var.public_site
  ignore_public_acls      = true
  restrict_public_buckets = !var.public_site
}
"#;
        assert!(lint_hcl(RULE, main).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                ("prod.auto.tfvars", "public_site = true\n"),
            ],
            None,
        );
        assert_eq!(addresses(&f), ["aws_s3_bucket_public_access_block.site"]);
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_s3_bucket" "site" {
  bucket = "acme-site"
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = false
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
