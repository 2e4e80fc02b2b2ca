use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::companions::{companions_of, Configures};
use tfstack_lint_engine::query::companions::{judged_buckets, S3_VERSIONING as VERSIONING};
use tfstack_lint_engine::query::settings::{setting, Setting};
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_s3_bucket` whose versioning is not enabled: no
    /// `aws_s3_bucket_versioning` with `versioning_configuration { status = "Enabled" }`
    /// names it, and it has no legacy inline `versioning { enabled = true }`.
    ///
    /// ## Why is this bad?
    /// Without versioning, a `PUT` over an existing key or a `DELETE` destroys the object
    /// for good: a bug, a bad deploy or a stolen credential loses data that cannot be
    /// recovered (seed 002, "no versionar objetos críticos"). With versioning the previous
    /// version stays, and a lifecycle rule can expire old versions to bound the cost.
    ///
    /// The versioning resource is paired with its bucket as in S3001 (reference, evaluated
    /// name, or the same expression). A status it cannot evaluate counts as enabled. It
    /// deliberately does not flag a bucket with Object Lock (`object_lock_enabled = true`,
    /// which turns versioning on and cannot be undone), a bucket a versioning resource with
    /// an unknown bucket could name, a bucket handed to a child module by name, or buckets
    /// with `count = 0`. Buckets of disposable data (build caches, access logs) are
    /// flagged too: suppress the finding with the reason.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket" "documents" {
    ///   bucket = "acme-documents"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_s3_bucket" "documents" {
    ///   bucket = "acme-documents"
    /// }
    ///
    /// resource "aws_s3_bucket_versioning" "documents" {
    ///   bucket = aws_s3_bucket.documents.id
    ///   versioning_configuration {
    ///     status = "Enabled"
    ///   }
    /// }
    /// ```
    pub struct S3BucketWithoutVersioning {
        id: "S3002",
        name: "s3-bucket-without-versioning",
        severity: Warning,
    }
}

/// Why a bucket is not versioned.
enum Unversioned<'a> {
    /// Nothing turns versioning on.
    Missing,
    /// An `aws_s3_bucket_versioning` sets another status.
    Status {
        versioning: &'a Block,
        status: String,
        origin: Origin,
    },
    /// The legacy inline block says `enabled = false`.
    InlineDisabled { origin: Origin },
}

impl Rule for S3BucketWithoutVersioning {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for bucket in judged_buckets(cx) {
            if let Some(why) = unversioned(cx, bucket) {
                out.push(finding(bucket, why));
            }
        }
    }
}

fn unversioned<'m>(cx: &Context<'m>, bucket: &Block) -> Option<Unversioned<'m>> {
    // Object Lock turns versioning on for good (and the legacy inline form says so too).
    if setting(cx, bucket, &["object_lock_enabled"]).bool_or(false) != Some(false) {
        return None;
    }
    let legacy_lock = setting(
        cx,
        bucket,
        &["object_lock_configuration", "object_lock_enabled"],
    );
    if legacy_lock.str_or("") != Some("") {
        return None;
    }
    let inline = setting(cx, bucket, &["versioning", "enabled"]);
    if inline.bool_or(false) != Some(false) {
        return None;
    }
    let mut status_off = None;
    for (versioning, how) in companions_of(cx, bucket, VERSIONING) {
        let status = setting(cx, versioning, &["versioning_configuration", "status"]);
        match status.str_or("") {
            None | Some("Enabled") => return None,
            Some(other) if how == Configures::Yes && status_off.is_none() => {
                status_off = Some(Unversioned::Status {
                    versioning,
                    status: other.to_string(),
                    origin: status.origin().unwrap_or(versioning.origin),
                });
            }
            Some(_) => {}
        }
    }
    if let Some(off) = status_off {
        return Some(off);
    }
    match inline {
        Setting::Known { origin, .. } => Some(Unversioned::InlineDisabled { origin }),
        _ => Some(Unversioned::Missing),
    }
}

fn finding(bucket: &Block, why: Unversioned) -> Finding {
    let consequence = "an overwritten or deleted object cannot be recovered";
    let help = "add an `aws_s3_bucket_versioning` for the bucket with `versioning_configuration \
                { status = \"Enabled\" }`, and a lifecycle rule that expires noncurrent versions";
    let (message, label, help, origin, resource, attribute) = match why {
        Unversioned::Missing => (
            format!(
                "bucket `{}` is not versioned: {consequence}",
                bucket.address()
            ),
            "no `aws_s3_bucket_versioning`".to_string(),
            help.to_string(),
            bucket.origin,
            bucket.address(),
            None,
        ),
        Unversioned::Status {
            versioning,
            status,
            origin,
        } => (
            format!(
                "versioning `{}` of bucket `{}` is `{status}`: {consequence}",
                versioning.address(),
                bucket.address()
            ),
            format!("`status = \"{status}\"`"),
            "set `status = \"Enabled\"`".to_string(),
            origin,
            versioning.address(),
            Some("versioning_configuration.status".to_string()),
        ),
        Unversioned::InlineDisabled { origin } => (
            format!(
                "bucket `{}` has versioning disabled: {consequence}",
                bucket.address()
            ),
            "`enabled = false`".to_string(),
            help.to_string(),
            origin,
            bucket.address(),
            Some("versioning.enabled".to_string()),
        ),
    };
    Finding::new(&S3BucketWithoutVersioning::META, message)
        .at(origin)
        .label(label)
        .help(help)
        .resource(resource)
        .attribute(attribute)
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

    const RULE: &str = "S3002";

    #[test]
    fn fires_when_not_versioned() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "no versioning",
                r#"resource "aws_s3_bucket" "documents" {
  bucket = "acme-documents"
}"#,
                &["aws_s3_bucket.documents"],
            ),
            (
                "suspended",
                r#"resource "aws_s3_bucket" "documents" {
  bucket = "acme-documents"
}
resource "aws_s3_bucket_versioning" "documents" {
  bucket = aws_s3_bucket.documents.id
  versioning_configuration {
    status = "Suspended"
  }
}"#,
                &["aws_s3_bucket_versioning.documents"],
            ),
            (
                "versioning of another bucket",
                r#"resource "aws_s3_bucket" "documents" {
  bucket = "acme-documents"
}
resource "aws_s3_bucket" "archive" {
  bucket = "acme-archive"
}
resource "aws_s3_bucket_versioning" "archive" {
  bucket = aws_s3_bucket.archive.id
  versioning_configuration {
    status = "Enabled"
  }
}"#,
                &["aws_s3_bucket.documents"],
            ),
            (
                "legacy inline block disabled",
                r#"resource "aws_s3_bucket" "documents" {
  bucket = "acme-documents"
  versioning {
    enabled = false
  }
}"#,
                &["aws_s3_bucket.documents"],
            ),
            (
                "object lock off",
                r#"resource "aws_s3_bucket" "documents" {
  bucket              = "acme-documents"
  object_lock_enabled = false
}"#,
                &["aws_s3_bucket.documents"],
            ),
        ];
        for (name, hcl, expected) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(addresses(&f), *expected, "{name}: {f:#?}");
        }
    }

    /// A versioning keyed by buckets' names, judged one instance at a time: the suspended
    /// instance is the versioning of the bucket its key names, not of every bucket its
    /// `for_each` refers to.
    #[test]
    fn a_suspended_instance_names_its_own_bucket() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_s3_bucket" "a" {
  bucket = "acme-a"
}
resource "aws_s3_bucket" "c" {
  bucket = "acme-c"
}
resource "aws_s3_bucket_versioning" "ac" {
  for_each = {
    (aws_s3_bucket.a.bucket) = "Enabled"
    (aws_s3_bucket.c.bucket) = "Suspended"
  }
  bucket = each.key
  versioning_configuration {
    status = each.value
  }
}"#,
        );
        assert_eq!(
            addresses(&f),
            [r#"aws_s3_bucket_versioning.ac["acme-c"]"#],
            "{f:#?}"
        );
        assert!(
            f[0].message.contains("of bucket `aws_s3_bucket.c`"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn quiet_when_versioned_or_unknown() {
        let cases: &[(&str, &str)] = &[
            (
                "enabled by reference",
                r#"resource "aws_s3_bucket" "documents" {
  bucket = "acme-documents"
}
resource "aws_s3_bucket_versioning" "documents" {
  bucket = aws_s3_bucket.documents.id
  versioning_configuration {
    status = "Enabled"
  }
}"#,
            ),
            (
                "enabled through a local",
                r#"locals {
  documents_bucket = aws_s3_bucket.documents.bucket
}
resource "aws_s3_bucket" "documents" {
  bucket = "acme-documents"
}
resource "aws_s3_bucket_versioning" "documents" {
  bucket = local.documents_bucket
  versioning_configuration {
    status = "Enabled"
  }
}"#,
            ),
            (
                "legacy inline block",
                r#"resource "aws_s3_bucket" "documents" {
  bucket = "acme-documents"
  versioning {
    enabled = true
  }
}"#,
            ),
            (
                "object lock",
                r#"resource "aws_s3_bucket" "audit" {
  bucket              = "acme-audit"
  object_lock_enabled = true
}"#,
            ),
            (
                "status from a variable without a value",
                r#"variable "versioning_status" {
  type = string
}
resource "aws_s3_bucket" "documents" {
  bucket = "acme-documents"
}
resource "aws_s3_bucket_versioning" "documents" {
  bucket = aws_s3_bucket.documents.id
  versioning_configuration {
    status = var.versioning_status
  }
}"#,
            ),
            (
                "dynamic legacy block",
                r#"variable "versioned" {
  type = bool
}
resource "aws_s3_bucket" "documents" {
  bucket = "acme-documents"
  dynamic "versioning" {
    for_each = var.versioned ? [1] : []
    content {
      enabled = true
    }
  }
}"#,
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn tfvars_decide_the_status() {
        let main = r#"variable "versioning_status" {
  type    = string
  default = "Enabled"
}
resource "aws_s3_bucket" "documents" {
  bucket = "acme-documents"
}
resource "aws_s3_bucket_versioning" "documents" {
  bucket = aws_s3_bucket.documents.id
  versioning_configuration {
    status = var.versioning_status
  }
}
"#;
        assert!(lint_hcl(RULE, main).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                ("terraform.tfvars", "versioning_status = \"Suspended\"\n"),
            ],
            None,
        );
        assert_eq!(addresses(&f), ["aws_s3_bucket_versioning.documents"]);
        assert_eq!(
            f[0].attribute.as_deref(),
            Some("versioning_configuration.status")
        );
        assert_eq!(f[0].location.path, "main.tf");
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_s3_bucket" "documents" {
  bucket = "acme-documents"
}

resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
}

resource "aws_s3_bucket_versioning" "exports" {
  bucket = aws_s3_bucket.exports.id
  versioning_configuration {
    status = "Suspended"
  }
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
