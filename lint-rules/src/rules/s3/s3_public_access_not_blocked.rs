use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::companions::{companions_of, Configures};
use tfstack_lint_engine::query::companions::{
    judged_buckets, S3_PUBLIC_ACCESS_BLOCK as PUBLIC_ACCESS_BLOCK,
};
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::setting;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_s3_bucket` that no `aws_s3_bucket_public_access_block` sets to block
    /// all public access — `block_public_acls`, `block_public_policy`, `ignore_public_acls`
    /// and `restrict_public_buckets` all `true` — unless an
    /// `aws_s3_account_public_access_block` of the module sets all four for the account.
    ///
    /// ## Why is this bad?
    /// Without the block, one bucket policy with `"Principal": "*"` or one public ACL makes
    /// every object readable by anyone on the internet (seed 002, "exponer buckets
    /// públicos"). AWS turns the block on for buckets created since April 2023, but a
    /// setting Terraform does not manage is not enforced: it is off on older or imported
    /// buckets, and a console click or another tool can turn it off without a plan
    /// showing it. Managing the block keeps it in review.
    ///
    /// The block is paired with its bucket by reference (`bucket = aws_s3_bucket.x.id`,
    /// also through locals and `for_each`), by a name that evaluates to the bucket's, or by
    /// the same expression as the bucket's name. A flag set to a value it cannot evaluate
    /// counts as `true`. It deliberately does not flag a bucket when a public access block
    /// whose bucket it cannot evaluate could be the bucket's, a bucket handed to a child
    /// module by name (`.id`, `.bucket`: the module may add the block), or buckets with
    /// `count = 0`. A bucket meant to be public (a website without CloudFront) is still
    /// flagged: suppress the finding with the reason.
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
        severity: Error,
    }
}

/// The four settings, each `false` when unset.
const FLAGS: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

/// A flag a public access block leaves off, and where it is set to `false` (`None`
/// when it is not set).
struct OffFlag {
    name: &'static str,
    origin: Option<Origin>,
}

/// The flags of a public access block (bucket or account level) known to be off.
fn off_flags(cx: &Context, block: &Block) -> Vec<OffFlag> {
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

impl Rule for S3PublicAccessNotBlocked {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let account_blocks_all = cx
            .resources("aws_s3_account_public_access_block")
            .iter()
            .any(|a| exists(cx, a) && off_flags(cx, a).is_empty());
        if account_blocks_all {
            return;
        }
        for bucket in judged_buckets(cx) {
            let blocks = companions_of(cx, bucket, PUBLIC_ACCESS_BLOCK);
            if blocks.iter().any(|(b, _)| off_flags(cx, b).is_empty()) {
                continue;
            }
            let incomplete = blocks
                .iter()
                .find(|(_, how)| *how == Configures::Yes)
                .map(|(b, _)| (*b, off_flags(cx, b)));
            out.push(finding(bucket, incomplete));
        }
    }
}

fn finding(bucket: &Block, incomplete: Option<(&Block, Vec<OffFlag>)>) -> Finding {
    let help = "set `block_public_acls`, `block_public_policy`, `ignore_public_acls` and \
                `restrict_public_buckets` to `true`";
    match incomplete {
        None => Finding::new(
            &S3PublicAccessNotBlocked::META,
            format!(
                "bucket `{}` has no public access block: a bucket policy or ACL can make it \
                 public",
                bucket.address()
            ),
        )
        .at(bucket.origin)
        .label("no `aws_s3_bucket_public_access_block`")
        .help(format!(
            "add an `aws_s3_bucket_public_access_block` for the bucket and {help}"
        ))
        .resource(bucket.address()),
        Some((block, off)) => {
            let names = off
                .iter()
                .map(|f| format!("`{}`", f.name))
                .collect::<Vec<_>>()
                .join(", ");
            let written = off.iter().find_map(|f| f.origin.map(|o| (f.name, o)));
            Finding::new(
                &S3PublicAccessNotBlocked::META,
                format!(
                    "public access block `{}` of bucket `{}` leaves {names} off: the bucket can \
                     be made public",
                    block.address(),
                    bucket.address()
                ),
            )
            .at(written.map_or(block.origin, |(_, o)| o))
            .label(match written {
                Some((name, _)) => format!("`{name} = false`"),
                None => "not every setting is `true`".to_string(),
            })
            .help(help)
            .resource(block.address())
            .attribute(written.map(|(name, _)| name.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

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
                &["aws_s3_bucket_public_access_block.site"],
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
                &["aws_s3_bucket_public_access_block.site"],
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
            r#"resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}

resource "aws_s3_bucket" "site" {
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
