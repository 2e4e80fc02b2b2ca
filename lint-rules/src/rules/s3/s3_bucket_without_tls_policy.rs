use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::companions::{companions_of, Configures};
use tfstack_lint_engine::query::companions::{judged_buckets, S3_BUCKET_POLICY as BUCKET_POLICY};
use tfstack_lint_engine::query::policy::{policies, Policies, PolicyDoc, StatementView};
use tfstack_lint_engine::query::references::targets_of;
use tfstack_model::{Block, Expr, ExprKind, Origin, Value, ValueKind};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_s3_bucket` whose bucket policy (an `aws_s3_bucket_policy` naming it,
    /// or the legacy inline `policy`) has no `Deny` statement for requests without TLS —
    /// condition `Bool` (or `BoolIfExists`) `aws:SecureTransport` = `false`, or
    /// `NumericLessThan` on `s3:TlsVersion` — and a bucket with no policy at all.
    ///
    /// ## Why is this bad?
    /// S3 answers plain HTTP as well as HTTPS. Without the deny, a client misconfigured
    /// with an `http://` endpoint sends credentials-signed requests and object data in
    /// clear text, and nothing tells the team. The deny is the only way to refuse them; it
    /// is what AWS Security Hub control S3.5 checks.
    ///
    /// The policy is read wherever it is written (`jsonencode`, heredoc JSON,
    /// `file()`/`templatefile()`, an `aws_iam_policy_document` data source with its
    /// `source_policy_documents` and `override_policy_documents`), and paired with its
    /// bucket as in S3001. It does not check the deny's principal, actions or resources.
    /// It deliberately does not flag a bucket whose policy it cannot read in full (a
    /// variable, a module output, a statement or condition it cannot evaluate, a `dynamic
    /// "statement"` over an unknown collection, merged documents that are not data
    /// sources), a bucket a policy with an unknown bucket could name, a bucket handed to a
    /// child module by name, or buckets with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket_policy" "uploads" {
    ///   bucket = aws_s3_bucket.uploads.id
    ///   policy = jsonencode({
    ///     Version = "2012-10-17"
    ///     Statement = [{
    ///       Effect    = "Allow"
    ///       Principal = { AWS = aws_iam_role.api.arn }
    ///       Action    = "s3:PutObject"
    ///       Resource  = "${aws_s3_bucket.uploads.arn}/*"
    ///     }]
    ///   })
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_s3_bucket_policy" "uploads" {
    ///   bucket = aws_s3_bucket.uploads.id
    ///   policy = jsonencode({
    ///     Version = "2012-10-17"
    ///     Statement = [
    ///       {
    ///         Effect    = "Allow"
    ///         Principal = { AWS = aws_iam_role.api.arn }
    ///         Action    = "s3:PutObject"
    ///         Resource  = "${aws_s3_bucket.uploads.arn}/*"
    ///       },
    ///       {
    ///         Sid       = "DenyInsecureTransport"
    ///         Effect    = "Deny"
    ///         Principal = "*"
    ///         Action    = "s3:*"
    ///         Resource  = [aws_s3_bucket.uploads.arn, "${aws_s3_bucket.uploads.arn}/*"]
    ///         Condition = { Bool = { "aws:SecureTransport" = "false" } }
    ///       },
    ///     ]
    ///   })
    /// }
    /// ```
    pub struct S3BucketWithoutTlsPolicy {
        id: "S3003",
        name: "s3-bucket-without-tls-policy",
        severity: Warning,
    }
}

/// What a policy says about plain HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tls {
    Denied,
    NotDenied,
    /// Some part of it cannot be read.
    Unknown,
}

/// A bucket policy that does not deny plain HTTP, and where to report it.
struct Offending {
    resource: String,
    attribute: Option<String>,
    origin: Origin,
    /// The `aws_s3_bucket_policy`, when the policy is not inline.
    policy_resource: Option<String>,
}

impl Rule for S3BucketWithoutTlsPolicy {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let policies = policies(cx);
        for bucket in judged_buckets(cx) {
            let mut sources: Vec<(&Block, Configures)> = Vec::new();
            if bucket
                .body
                .get("policy")
                .is_some_and(|e| !cx.value(e).is_null())
            {
                sources.push((bucket, Configures::Yes));
            }
            sources.extend(companions_of(cx, bucket, BUCKET_POLICY));
            let mut offending = None;
            let mut covered = false;
            for (block, how) in sources {
                let Some(expr) = block.body.get("policy") else {
                    continue;
                };
                let (docs, unknown) = documents_of(cx, &policies, block, expr);
                match judge(&docs, unknown) {
                    Tls::Denied | Tls::Unknown => covered = true,
                    Tls::NotDenied if how == Configures::Yes && offending.is_none() => {
                        offending = Some(offending_at(cx, block, &docs));
                    }
                    Tls::NotDenied => {}
                }
            }
            if !covered {
                out.push(finding(bucket, offending));
            }
        }
    }
}

/// The policy documents an attribute produces — the document written in it, or the
/// `aws_iam_policy_document` data sources it reads with those they merge — and whether
/// some part of them cannot be read.
fn documents_of<'p>(
    cx: &Context,
    policies: &'p Policies,
    block: &Block,
    expr: &Expr,
) -> (Vec<&'p PolicyDoc>, bool) {
    let mut docs: Vec<&PolicyDoc> = policies.of(&block.address(), Some("policy"));
    // A JSON document whose `Statement` cannot be read has no statements.
    let mut unknown = docs.iter().any(|d| d.statements.is_empty());
    let mut pending: Vec<String> = data_documents(cx, expr);
    let mut seen: Vec<String> = Vec::new();
    while let Some(data) = pending.pop() {
        if seen.contains(&data) {
            continue;
        }
        seen.push(data.clone());
        docs.extend(policies.of(&data, None));
        let Some(d) = cx.block(&data) else {
            unknown = true;
            continue;
        };
        unknown |= d.body.get("source_json").is_some()
            || d.body.get("override_json").is_some()
            || d.body.blocks_of("dynamic").any(|dynamic| {
                dynamic.labels.first().map(tfstack_model::Name::as_str) == Some("statement")
                    && !matches!(
                        cx.attr(dynamic, "for_each").map(|v| v.kind),
                        Some(ValueKind::List(_) | ValueKind::Object(_))
                    )
            });
        for merged in ["source_policy_documents", "override_policy_documents"] {
            if let Some(e) = d.body.get(merged) {
                let documents = data_documents(cx, e);
                // Only a list of data sources is read; anything else may hold the deny.
                unknown |=
                    !matches!(&e.kind, ExprKind::Tuple(items) if items.len() == documents.len());
                pending.extend(documents);
            }
        }
    }
    (docs, unknown)
}

/// The `aws_iam_policy_document` data sources an expression reads (through locals).
fn data_documents(cx: &Context, expr: &Expr) -> Vec<String> {
    targets_of(cx, expr)
        .into_iter()
        .filter(|t| t.address.starts_with("data.aws_iam_policy_document."))
        .map(|t| t.address)
        .collect()
}

fn judge(docs: &[&PolicyDoc], unknown: bool) -> Tls {
    if docs.is_empty() {
        return Tls::Unknown;
    }
    let mut unknown = unknown;
    for statement in docs.iter().flat_map(|d| &d.statements) {
        match denies_plain_http(statement) {
            Tls::Denied => return Tls::Denied,
            Tls::Unknown => unknown = true,
            Tls::NotDenied => {}
        }
    }
    if unknown {
        Tls::Unknown
    } else {
        Tls::NotDenied
    }
}

/// Whether a statement denies requests without TLS.
fn denies_plain_http(statement: &StatementView) -> Tls {
    match statement.effect.as_deref() {
        Some(e) if e.eq_ignore_ascii_case("Deny") => {}
        Some(_) => return Tls::NotDenied,
        None => return Tls::Unknown,
    }
    let Some(condition) = &statement.condition else {
        return Tls::NotDenied;
    };
    let operators = match &condition.kind {
        ValueKind::Object(operators) => operators,
        ValueKind::Unknown => return Tls::Unknown,
        _ => return Tls::NotDenied,
    };
    let mut unknown = false;
    for (operator, tests) in operators.iter() {
        let operator = operator.to_ascii_lowercase();
        let keys = match &tests.kind {
            ValueKind::Object(keys) => keys,
            ValueKind::Unknown => {
                unknown = true;
                continue;
            }
            _ => continue,
        };
        if operator.is_empty() {
            // An operator the data source could not evaluate.
            unknown = true;
            continue;
        }
        for (key, values) in keys.iter() {
            if key.is_empty() {
                unknown = true;
            } else if (operator == "bool" || operator == "boolifexists")
                && key.eq_ignore_ascii_case("aws:SecureTransport")
            {
                match is_false(values) {
                    Some(true) => return Tls::Denied,
                    Some(false) => {}
                    None => unknown = true,
                }
            } else if operator.starts_with("numericlessthan")
                && key.eq_ignore_ascii_case("s3:TlsVersion")
            {
                return Tls::Denied;
            }
        }
    }
    if unknown {
        Tls::Unknown
    } else {
        Tls::NotDenied
    }
}

/// Whether a condition value (one or many) includes `false`; `None` when unknown.
fn is_false(values: &Value) -> Option<bool> {
    let mut unknown = values.is_unknown();
    for v in values.one_or_many() {
        match v.as_bool() {
            Some(false) => return Some(true),
            Some(true) => {}
            None => unknown = true,
        }
    }
    if unknown {
        None
    } else {
        Some(false)
    }
}

/// Where to report a policy without the deny: the data source that writes it, else the
/// attribute.
fn offending_at(cx: &Context, block: &Block, docs: &[&PolicyDoc]) -> Offending {
    let policy_resource = (!block.is_resource("aws_s3_bucket")).then(|| block.address());
    match docs.iter().find(|d| d.attribute.is_none()) {
        Some(data) => Offending {
            resource: data.resource.clone().unwrap_or_else(|| block.address()),
            attribute: None,
            origin: data.origin,
            policy_resource,
        },
        None => Offending {
            resource: block.address(),
            attribute: Some("policy".to_string()),
            origin: cx.origin_of(block, "policy"),
            policy_resource,
        },
    }
}

fn finding(bucket: &Block, offending: Option<Offending>) -> Finding {
    let help = "add a statement `Effect = \"Deny\"`, `Principal = \"*\"`, `Action = \"s3:*\"` on \
                the bucket and its objects, with `Condition = { Bool = { \"aws:SecureTransport\" \
                = \"false\" } }`";
    match offending {
        None => Finding::new(
            &S3BucketWithoutTlsPolicy::META,
            format!(
                "bucket `{}` has no bucket policy denying requests without TLS: plain HTTP is \
                 accepted",
                bucket.address()
            ),
        )
        .at(bucket.origin)
        .label("no TLS-only bucket policy")
        .help(format!(
            "add an `aws_s3_bucket_policy` for the bucket; in it, {help}"
        ))
        .resource(bucket.address()),
        Some(at) => {
            let policy = at.policy_resource.as_deref().map_or_else(
                || "the inline policy".to_string(),
                |p| format!("bucket policy `{p}`"),
            );
            Finding::new(
                &S3BucketWithoutTlsPolicy::META,
                format!(
                    "{policy} of bucket `{}` does not deny requests without TLS \
                     (`aws:SecureTransport` = `false`): plain HTTP is accepted",
                    bucket.address()
                ),
            )
            .at(at.origin)
            .label("no `Deny` for `aws:SecureTransport = false`")
            .help(help.to_string())
            .resource(at.resource)
            .attribute(at.attribute)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

    const RULE: &str = "S3003";

    const BUCKET: &str = r#"resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}
"#;

    /// The bucket and an `aws_s3_bucket_policy` with `policy = <policy>`.
    fn with_policy(policy: &str) -> String {
        format!(
            r#"{BUCKET}variable "unset" {{}}
resource "aws_s3_bucket_policy" "uploads" {{
  bucket = aws_s3_bucket.uploads.id
  policy = {policy}
}}
"#
        )
    }

    const READ: &str = r#"{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:role/api" }, Action = "s3:GetObject", Resource = "arn:aws:s3:::acme-uploads/*" }"#;

    #[test]
    fn fires_without_the_deny() {
        let cases: &[(&str, String, &str)] = &[
            ("no policy", BUCKET.to_string(), "aws_s3_bucket.uploads"),
            (
                "allow only",
                with_policy(&format!("jsonencode({{ Statement = [{READ}] }})")),
                "aws_s3_bucket_policy.uploads",
            ),
            (
                "a deny on another condition",
                with_policy(&format!(
                    r#"jsonencode({{ Statement = [{READ}, {{ Effect = "Deny", Principal = "*", Action = "s3:*", Resource = "*", Condition = {{ StringNotEquals = {{ "aws:SourceVpce" = "vpce-1" }} }} }}] }})"#
                )),
                "aws_s3_bucket_policy.uploads",
            ),
            (
                "SecureTransport true is an allow condition",
                with_policy(
                    r#"jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "*", Condition = { Bool = { "aws:SecureTransport" = "true" } } }] })"#,
                ),
                "aws_s3_bucket_policy.uploads",
            ),
            (
                "inline legacy policy",
                format!(
                    r#"resource "aws_s3_bucket" "uploads" {{
  bucket = "acme-uploads"
  policy = jsonencode({{ Statement = [{READ}] }})
}}
"#
                ),
                "aws_s3_bucket.uploads",
            ),
            (
                "policy document data source",
                format!(
                    r#"{BUCKET}data "aws_iam_policy_document" "uploads" {{
  statement {{
    actions   = ["s3:GetObject"]
    resources = ["${{aws_s3_bucket.uploads.arn}}/*"]
    principals {{
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:role/api"]
    }}
  }}
}}
resource "aws_s3_bucket_policy" "uploads" {{
  bucket = aws_s3_bucket.uploads.id
  policy = data.aws_iam_policy_document.uploads.json
}}
"#
                ),
                "data.aws_iam_policy_document.uploads",
            ),
        ];
        for (name, hcl, expected) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(addresses(&f), [*expected], "{name}: {f:#?}");
        }
    }

    #[test]
    fn quiet_with_the_deny_or_unknown() {
        let cases: &[(&str, String)] = &[
            (
                "jsonencode",
                with_policy(&format!(
                    r#"jsonencode({{ Version = "2012-10-17", Statement = [{READ}, {{ Sid = "DenyInsecureTransport", Effect = "Deny", Principal = "*", Action = "s3:*", Resource = ["arn:aws:s3:::acme-uploads", "arn:aws:s3:::acme-uploads/*"], Condition = {{ Bool = {{ "aws:SecureTransport" = "false" }} }} }}] }})"#
                )),
            ),
            (
                "boolean false, list form",
                with_policy(
                    r#"jsonencode({ Statement = [{ Effect = "Deny", Principal = { AWS = "*" }, Action = "s3:*", Resource = "*", Condition = { Bool = { "aws:SecureTransport" = [false] } } }] })"#,
                ),
            ),
            (
                "minimum TLS version",
                with_policy(
                    r#"jsonencode({ Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:*", Resource = "*", Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } } }] })"#,
                ),
            ),
            (
                "heredoc",
                with_policy(
                    r#"<<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:*",
      "Resource": ["arn:aws:s3:::acme-uploads", "arn:aws:s3:::acme-uploads/*"],
      "Condition": { "Bool": { "aws:SecureTransport": "false" } }
    }
  ]
}
EOF"#,
                ),
            ),
            ("policy from a variable", with_policy("var.unset")),
            (
                "condition from a variable",
                with_policy(
                    r#"jsonencode({ Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:*", Resource = "*", Condition = var.unset }] })"#,
                ),
            ),
            (
                "deny merged from a source policy document",
                format!(
                    r#"{BUCKET}data "aws_iam_policy_document" "tls_only" {{
  statement {{
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.uploads.arn, "${{aws_s3_bucket.uploads.arn}}/*"]
    principals {{
      type        = "*"
      identifiers = ["*"]
    }}
    condition {{
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }}
  }}
}}
data "aws_iam_policy_document" "uploads" {{
  source_policy_documents = [data.aws_iam_policy_document.tls_only.json]
  statement {{
    actions   = ["s3:GetObject"]
    resources = ["${{aws_s3_bucket.uploads.arn}}/*"]
    principals {{
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:role/api"]
    }}
  }}
}}
resource "aws_s3_bucket_policy" "uploads" {{
  bucket = aws_s3_bucket.uploads.id
  policy = data.aws_iam_policy_document.uploads.json
}}
"#
                ),
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn merged_documents() {
        let allow_read = r#"data "aws_iam_policy_document" "read" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.uploads.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:role/api"]
    }
  }
}
"#;
        let bucket_policy = |merge: &str| {
            format!(
                r#"{BUCKET}variable "unset" {{}}
{allow_read}data "aws_iam_policy_document" "uploads" {{
  {merge}
}}
resource "aws_s3_bucket_policy" "uploads" {{
  bucket = aws_s3_bucket.uploads.id
  policy = data.aws_iam_policy_document.uploads.json
}}
"#
            )
        };
        // Only merged statements, none of them the deny.
        let f = lint_hcl(
            RULE,
            &bucket_policy("source_policy_documents = [data.aws_iam_policy_document.read.json]"),
        );
        assert_eq!(addresses(&f), ["data.aws_iam_policy_document.uploads"]);
        // Merged documents it cannot read may hold the deny.
        for merge in [
            "source_policy_documents = [data.aws_iam_policy_document.read.json, var.unset]",
            "override_policy_documents = var.unset",
            "dynamic \"statement\" {\n    for_each = var.unset\n    content {\n      effect = \"Deny\"\n    }\n  }",
        ] {
            let f = lint_hcl(RULE, &bucket_policy(merge));
            assert!(f.is_empty(), "{merge}: {f:#?}");
        }
    }

    #[test]
    fn policy_file_with_tfvars() {
        let main = r#"variable "bucket_name" {
  type = string
}
resource "aws_s3_bucket" "uploads" {
  bucket = var.bucket_name
}
resource "aws_s3_bucket_policy" "uploads" {
  bucket = var.bucket_name
  policy = templatefile("${path.module}/policies/uploads.json", { bucket = var.bucket_name })
}
"#;
        let json = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": { "AWS": "arn:aws:iam::111122223333:role/api" },
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::${bucket}/*"
    }
  ]
}
"#;
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                ("policies/uploads.json", json),
                ("terraform.tfvars", "bucket_name = \"acme-uploads\"\n"),
            ],
            None,
        );
        assert_eq!(addresses(&f), ["aws_s3_bucket_policy.uploads"]);
        assert_eq!(f[0].attribute.as_deref(), Some("policy"));
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}

resource "aws_s3_bucket_policy" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/api" }
      Action    = "s3:PutObject"
      Resource  = "${aws_s3_bucket.uploads.arn}/*"
    }]
  })
}

resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
