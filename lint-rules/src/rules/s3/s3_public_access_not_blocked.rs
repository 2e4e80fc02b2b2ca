use super::shared::account_blocks_all;
use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::companions::companions_of;
use tfstack_lint_engine::query::companions::{
    judged_buckets, S3_PUBLIC_ACCESS_BLOCK as PUBLIC_ACCESS_BLOCK,
};
use tfstack_model::Block;

declare_rule! {
    /// ## What it does
    /// Flags an `aws_s3_bucket` that no `aws_s3_bucket_public_access_block` of the module
    /// names, unless an `aws_s3_account_public_access_block` of the module sets all four
    /// flags (`block_public_acls`, `block_public_policy`, `ignore_public_acls`,
    /// `restrict_public_buckets`) for the account. The finding is on the bucket.
    ///
    /// ## Why is this bad?
    /// Without the block, one bucket policy with `"Principal": "*"` or one public ACL makes
    /// every object readable by anyone on the internet (seed 002, "exponer buckets
    /// públicos"). AWS turns the block on for every bucket created since April 2023 ("Amazon
    /// S3 will automatically enable S3 Block Public Access and disable access control lists
    /// for all new buckets starting in April 2023", AWS What's New, December 2022), so a new
    /// bucket is protected without one: this is a warning. But a setting Terraform does not
    /// manage is not enforced: it is off on older or imported buckets, and a console click
    /// or another tool can turn it off without a plan showing it. Managing the block keeps
    /// it in review. A block that turns a flag off is S3004's finding (an error).
    ///
    /// The block is paired with its bucket by reference (`bucket = aws_s3_bucket.x.id`,
    /// also through locals and `for_each`), by a name that evaluates to the bucket's, or by
    /// the same expression as the bucket's name. It deliberately does not flag a bucket
    /// when a public access block whose bucket it cannot evaluate could be the bucket's, a
    /// bucket handed to a child module by name (`.id`, `.bucket`: the module may add the
    /// block), or buckets with `count = 0`. A bucket meant to be public (a website without
    /// CloudFront) is still flagged: suppress the finding with the reason.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket" "uploads" {
    ///   bucket = "acme-uploads"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_s3_bucket" "uploads" {
    ///   bucket = "acme-uploads"
    /// }
    ///
    /// resource "aws_s3_bucket_public_access_block" "uploads" {
    ///   bucket                  = aws_s3_bucket.uploads.id
    ///   block_public_acls       = true
    ///   block_public_policy     = true
    ///   ignore_public_acls      = true
    ///   restrict_public_buckets = true
    /// }
    /// ```
    pub struct S3PublicAccessNotBlocked {
        id: "S3001",
        name: "s3-public-access-not-blocked",
        severity: Warning,
    }
}

impl Rule for S3PublicAccessNotBlocked {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        if account_blocks_all(cx) {
            return;
        }
        for bucket in judged_buckets(cx) {
            if companions_of(cx, bucket, PUBLIC_ACCESS_BLOCK).is_empty() {
                out.push(finding(bucket));
            }
        }
    }
}

fn finding(bucket: &Block) -> Finding {
    Finding::new(
        &S3PublicAccessNotBlocked::META,
        format!(
            "bucket `{}` has no public access block in its configuration: AWS's default block \
             is not enforced, and without it a bucket policy or ACL can make the bucket public",
            bucket.address()
        ),
    )
    .at(bucket.origin)
    .label("no `aws_s3_bucket_public_access_block`")
    .help(
        "add an `aws_s3_bucket_public_access_block` for the bucket and set \
         `block_public_acls`, `block_public_policy`, `ignore_public_acls` and \
         `restrict_public_buckets` to `true`",
    )
    .resource(bucket.address())
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_hcl, render_all};

    const RULE: &str = "S3001";

    const BLOCK_ALL: &str = r#"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
"#;

    #[test]
    fn fires_without_a_complete_block() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "no block",
                r#"resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}"#,
                &["aws_s3_bucket.uploads"],
            ),
            (
                "block for another bucket",
                r#"resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}
resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}
resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}"#,
                &["aws_s3_bucket.uploads"],
            ),
            (
                "a literal name of an external bucket",
                r#"resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}
resource "aws_s3_bucket_public_access_block" "legacy" {
  bucket                  = "acme-legacy"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}"#,
                &["aws_s3_bucket.uploads"],
            ),
            (
                "a block of a data source bucket",
                r#"data "aws_s3_bucket" "shared" {
  bucket = "acme-shared"
}
resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}
resource "aws_s3_bucket_public_access_block" "shared" {
  bucket                  = data.aws_s3_bucket.shared.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}"#,
                &["aws_s3_bucket.uploads"],
            ),
            (
                "an incomplete account-level block does not cover",
                r#"resource "aws_s3_account_public_access_block" "account" {
  block_public_acls = true
}
resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}"#,
                &["aws_s3_bucket.uploads"],
            ),
        ];
        for (name, hcl, expected) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(addresses(&f), *expected, "{name}: {f:#?}");
        }
    }

    #[test]
    fn quiet_when_blocked_or_unknown() {
        let cases: &[(&str, String)] = &[
            (
                "block by reference",
                format!(
                    r#"resource "aws_s3_bucket" "uploads" {{
  bucket = "acme-uploads"
}}
resource "aws_s3_bucket_public_access_block" "uploads" {{
  bucket = aws_s3_bucket.uploads.id
{BLOCK_ALL}}}"#
                ),
            ),
            (
                "block by literal name",
                format!(
                    r#"resource "aws_s3_bucket" "uploads" {{
  bucket = "acme-uploads"
}}
resource "aws_s3_bucket_public_access_block" "uploads" {{
  bucket = "acme-uploads"
{BLOCK_ALL}}}"#
                ),
            ),
            (
                "for_each over the buckets",
                format!(
                    r#"locals {{
  names = ["uploads", "exports"]
}}
resource "aws_s3_bucket" "this" {{
  for_each = toset(local.names)
  bucket   = "acme-${{each.key}}"
}}
resource "aws_s3_bucket_public_access_block" "this" {{
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
{BLOCK_ALL}}}"#
                ),
            ),
            (
                "same variable as the bucket name",
                format!(
                    r#"variable "bucket_name" {{
  type = string
}}
resource "aws_s3_bucket" "uploads" {{
  bucket = var.bucket_name
}}
resource "aws_s3_bucket_public_access_block" "uploads" {{
  bucket = var.bucket_name
{BLOCK_ALL}}}"#
                ),
            ),
            (
                "account-level block",
                format!(
                    r#"resource "aws_s3_account_public_access_block" "account" {{
{BLOCK_ALL}}}
resource "aws_s3_bucket" "uploads" {{
  bucket = "acme-uploads"
}}"#
                ),
            ),
            (
                "flags from a variable without a value",
                r#"variable "block" {
  type = bool
}
resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}
resource "aws_s3_bucket_public_access_block" "uploads" {
  bucket                  = aws_s3_bucket.uploads.id
  block_public_acls       = var.block
  block_public_policy     = var.block
  ignore_public_acls      = var.block
  restrict_public_buckets = var.block
}"#
                .to_string(),
            ),
            (
                "a block whose bucket cannot be known could be this one",
                format!(
                    r#"variable "target" {{
  type = string
}}
resource "aws_s3_bucket" "uploads" {{
  bucket = "acme-uploads"
}}
resource "aws_s3_bucket_public_access_block" "other" {{
  bucket = var.target
{BLOCK_ALL}}}"#
                ),
            ),
            (
                "handed to a child module by name",
                r#"resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}
module "hardening" {
  source = "./modules/bucket-hardening"
  bucket = aws_s3_bucket.uploads.id
}"#
                .to_string(),
            ),
            (
                "a block that turns a flag off is S3004's",
                r#"resource "aws_s3_bucket" "site" {
  bucket = "acme-site"
}
resource "aws_s3_bucket_public_access_block" "site" {
  bucket            = aws_s3_bucket.site.bucket
  block_public_acls = true
}"#
                .to_string(),
            ),
            (
                "count = 0",
                r#"resource "aws_s3_bucket" "uploads" {
  count  = 0
  bucket = "acme-uploads"
}"#
                .to_string(),
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}

"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
