use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::companions::{companions_of, Configures};
use tfstack_lint_engine::query::companions::{
    judged_buckets, S3_LIFECYCLE_CONFIGURATION as LIFECYCLE_CONFIGURATION,
};
use tfstack_lint_engine::query::settings::{has_dynamic, setting, Setting};
use tfstack_model::{Block, Origin, ValueKind};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_s3_bucket` with no lifecycle rule in force: no
    /// `aws_s3_bucket_lifecycle_configuration` names it with a rule whose `status` is
    /// `"Enabled"`, and it has no legacy inline `lifecycle_rule` with `enabled = true`.
    ///
    /// ## Why is this bad?
    /// Without a lifecycle, every object (and, in a versioned bucket, every overwritten
    /// version, and every incomplete multipart upload) is kept and paid for forever, in
    /// the most expensive storage class. Nobody decides that data should live forever; it
    /// happens because no rule was written.
    ///
    /// Any enabled rule counts — an expiry, a transition to a colder class, noncurrent
    /// version expiry or aborting incomplete uploads: each shows the retention was thought
    /// about, and data kept for years on purpose is legitimate. The configuration is paired
    /// with its bucket as in S3001; a rule whose status it cannot evaluate, or a `dynamic
    /// "rule"` block, counts as enabled. It deliberately does not flag a bucket a
    /// lifecycle configuration with an unknown bucket could name, a bucket handed to a
    /// child module by name, or buckets with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket" "exports" {
    ///   bucket = "acme-exports"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_s3_bucket_lifecycle_configuration" "exports" {
    ///   bucket = aws_s3_bucket.exports.id
    ///
    ///   rule {
    ///     id     = "expire-exports"
    ///     status = "Enabled"
    ///     filter {}
    ///     expiration {
    ///       days = 90
    ///     }
    ///     abort_incomplete_multipart_upload {
    ///       days_after_initiation = 7
    ///     }
    ///   }
    /// }
    /// ```
    pub struct S3BucketWithoutLifecycle {
        id: "RET002",
        name: "s3-bucket-without-lifecycle",
        severity: Warning,
    }
}

impl Rule for S3BucketWithoutLifecycle {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for bucket in judged_buckets(cx) {
            let inline = any_rule_enabled(cx, bucket, "lifecycle_rule", "enabled");
            let Some(inline) = inline else {
                continue;
            };
            let mut disabled = None;
            let mut covered = false;
            for (configuration, how) in companions_of(cx, bucket, LIFECYCLE_CONFIGURATION) {
                match any_rule_enabled(cx, configuration, "rule", "status") {
                    None => covered = true,
                    Some(origin) if how == Configures::Yes && disabled.is_none() => {
                        disabled = Some(Disabled::Configuration(configuration, origin));
                    }
                    Some(_) => {}
                }
            }
            if covered {
                continue;
            }
            if disabled.is_none() && !inline.is_generated() {
                disabled = Some(Disabled::Inline(inline));
            }
            out.push(finding(bucket, disabled));
        }
    }
}

/// Lifecycle rules that exist but are all disabled, and where the first one says so.
enum Disabled<'a> {
    /// In an `aws_s3_bucket_lifecycle_configuration`.
    Configuration(&'a Block, Origin),
    /// In the bucket's legacy inline `lifecycle_rule` blocks.
    Inline(Origin),
}

/// `None` when some rule (`rule` blocks with `status`, or legacy `lifecycle_rule` blocks
/// with `enabled`) is, or may be, enabled; else where the first disabled rule says so
/// (`Generated` when there is no rule at all).
fn any_rule_enabled(cx: &Context, block: &Block, rule: &str, flag: &str) -> Option<Origin> {
    if has_dynamic(cx, &block.body, rule) {
        return None;
    }
    let mut first_disabled = Origin::GENERATED;
    let mut note = |origin: Option<Origin>| {
        if first_disabled.is_generated() {
            first_disabled = origin.unwrap_or(Origin::GENERATED);
        }
    };
    for r in block.body.blocks_of(rule) {
        let state = setting(cx, r, &[flag]);
        if enabled(&state, flag) != Some(false) {
            return None;
        }
        note(state.origin().or(Some(r.origin)));
    }
    // Rules written as an attribute (`.tf.json`, plans).
    if let Some(e) = block.body.get(rule) {
        let value = cx.value(e);
        match &value.kind {
            ValueKind::Unknown => return None,
            ValueKind::List(items) => {
                for item in items {
                    let Some(state) = item.get(flag) else {
                        continue;
                    };
                    let state = Setting::Known {
                        value: state.clone(),
                        origin: state.origin.or(value.origin),
                    };
                    if enabled(&state, flag) != Some(false) {
                        return None;
                    }
                    note(state.origin());
                }
            }
            _ => {}
        }
    }
    Some(first_disabled)
}

/// Whether a rule's flag enables it (`enabled = true`, `status = "Enabled"`); `None`
/// when unknown.
fn enabled(state: &Setting, flag: &str) -> Option<bool> {
    if flag == "status" {
        state.str_or("Disabled").map(|s| s == "Enabled")
    } else {
        state.bool_or(false)
    }
}

fn finding(bucket: &Block, disabled: Option<Disabled>) -> Finding {
    let kept = "objects are kept forever";
    let enable = "set `status = \"Enabled\"` on the rules that should apply";
    let (message, label, help, origin, resource, attribute) = match disabled {
        None => (
            format!(
                "bucket `{}` has no lifecycle configuration: {kept}",
                bucket.address()
            ),
            "no `aws_s3_bucket_lifecycle_configuration`",
            "add an `aws_s3_bucket_lifecycle_configuration` for the bucket that expires or \
             transitions objects, noncurrent versions and incomplete multipart uploads"
                .to_string(),
            bucket.origin,
            bucket.address(),
            None,
        ),
        Some(Disabled::Configuration(configuration, origin)) => (
            format!(
                "lifecycle configuration `{}` of bucket `{}` has no enabled rule: {kept}",
                configuration.address(),
                bucket.address()
            ),
            "rule disabled",
            enable.to_string(),
            origin.or(configuration.origin),
            configuration.address(),
            (!origin.is_generated()).then(|| "rule.status".to_string()),
        ),
        Some(Disabled::Inline(origin)) => (
            format!(
                "bucket `{}` has every `lifecycle_rule` disabled: {kept}",
                bucket.address()
            ),
            "rule disabled",
            "set `enabled = true` on the rules that should apply (or move them to an \
             `aws_s3_bucket_lifecycle_configuration`)"
                .to_string(),
            origin,
            bucket.address(),
            Some("lifecycle_rule.enabled".to_string()),
        ),
    };
    Finding::new(&S3BucketWithoutLifecycle::META, message)
        .at(origin)
        .label(label)
        .help(help)
        .resource(resource)
        .attribute(attribute)
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

    const RULE: &str = "RET002";

    #[test]
    fn fires_without_an_enabled_rule() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "no lifecycle",
                r#"resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
}"#,
                &["aws_s3_bucket.exports"],
            ),
            (
                "every rule disabled",
                r#"resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
}
resource "aws_s3_bucket_lifecycle_configuration" "exports" {
  bucket = aws_s3_bucket.exports.id
  rule {
    id     = "expire"
    status = "Disabled"
    filter {}
    expiration {
      days = 30
    }
  }
}"#,
                &["aws_s3_bucket_lifecycle_configuration.exports"],
            ),
            (
                "legacy inline rule disabled",
                r#"resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
  lifecycle_rule {
    enabled = false
    expiration {
      days = 30
    }
  }
}"#,
                &["aws_s3_bucket.exports"],
            ),
            (
                "lifecycle of another bucket",
                r#"resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
}
resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}
resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    id     = "expire"
    status = "Enabled"
    filter {}
    expiration {
      days = 30
    }
  }
}"#,
                &["aws_s3_bucket.exports"],
            ),
        ];
        for (name, hcl, expected) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(addresses(&f), *expected, "{name}: {f:#?}");
        }
    }

    #[test]
    fn legacy_inline_rule_points_at_enabled() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
  lifecycle_rule {
    id      = "expire"
    enabled = false
    expiration {
      days = 30
    }
  }
}"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].attribute.as_deref(), Some("lifecycle_rule.enabled"));
        assert_eq!((f[0].location.line, f[0].location.column), (5, 15));
    }

    #[test]
    fn quiet_with_a_rule_or_unknown() {
        let cases: &[(&str, &str)] = &[
            (
                "expiry",
                r#"resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
}
resource "aws_s3_bucket_lifecycle_configuration" "exports" {
  bucket = aws_s3_bucket.exports.id
  rule {
    id     = "disabled-first"
    status = "Disabled"
    filter {}
    expiration {
      days = 7
    }
  }
  rule {
    id     = "expire"
    status = "Enabled"
    filter {
      prefix = "tmp/"
    }
    expiration {
      days = 30
    }
  }
}"#,
            ),
            (
                "transition only, by bucket name",
                r#"resource "aws_s3_bucket" "archive" {
  bucket = "acme-archive"
}
resource "aws_s3_bucket_lifecycle_configuration" "archive" {
  bucket = aws_s3_bucket.archive.bucket
  rule {
    id     = "to-glacier"
    status = "Enabled"
    filter {}
    transition {
      days          = 30
      storage_class = "GLACIER"
    }
  }
}"#,
            ),
            (
                "legacy inline rule",
                r#"resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
  lifecycle_rule {
    id      = "expire"
    enabled = true
    expiration {
      days = 30
    }
  }
}"#,
            ),
            (
                "dynamic rules",
                r#"variable "rules" {
  type = list(any)
}
resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
}
resource "aws_s3_bucket_lifecycle_configuration" "exports" {
  bucket = aws_s3_bucket.exports.id
  dynamic "rule" {
    for_each = var.rules
    content {
      id     = rule.value.id
      status = "Enabled"
    }
  }
}"#,
            ),
            (
                "status from a variable without a value",
                r#"variable "status" {
  type = string
}
resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
}
resource "aws_s3_bucket_lifecycle_configuration" "exports" {
  bucket = aws_s3_bucket.exports.id
  rule {
    id     = "expire"
    status = var.status
    filter {}
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
    fn for_each_buckets_and_tfvars() {
        let main = r#"variable "buckets" {
  type = map(object({ expire_days = number }))
}
resource "aws_s3_bucket" "data" {
  for_each = var.buckets
  bucket   = "acme-${each.key}"
}
resource "aws_s3_bucket_lifecycle_configuration" "data" {
  for_each = aws_s3_bucket.data
  bucket   = each.value.id
  rule {
    id     = "expire"
    status = "Enabled"
    filter {}
    expiration {
      days = var.buckets[each.key].expire_days
    }
  }
}
resource "aws_s3_bucket" "scratch" {
  bucket = "acme-scratch"
}
"#;
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                (
                    "terraform.tfvars",
                    "buckets = {\n  raw = { expire_days = 30 }\n}\n",
                ),
            ],
            None,
        );
        assert_eq!(addresses(&f), ["aws_s3_bucket.scratch"]);
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
}

resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}

resource "aws_s3_bucket_lifecycle_configuration" "reports" {
  bucket = aws_s3_bucket.reports.id

  rule {
    id     = "expire"
    status = "Disabled"
    filter {}
    expiration {
      days = 365
    }
  }
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
