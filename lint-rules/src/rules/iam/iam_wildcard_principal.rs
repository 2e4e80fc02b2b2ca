use super::shared::{attribute_path, element_origin, Field};
use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::policy::{
    everyone, policies, PolicyDoc, PolicyKind, StatementView,
};
use tfstack_model::iam_actions::glob_match_ci;
use tfstack_model::{Block, Origin, Value, ValueKind};

declare_rule! {
    /// ## What it does
    /// Flags a resource policy (bucket, queue, topic, secret, KMS key, repository, …) with an
    /// `Allow` statement for every principal — `"Principal": "*"`, `{"AWS": "*"}` or
    /// `{"AWS": ["*"]}`, or in an `aws_iam_policy_document` a `principals` block with
    /// `type = "*"` or `type = "AWS"` and `identifiers = ["*"]` — that no condition limits
    /// to known callers. Also flags an `aws_lambda_permission` with `principal = "*"` and
    /// none of `source_arn`, `source_account`, `principal_org_id`.
    ///
    /// ## Why is this bad?
    /// `*` is everyone: any AWS account, and for most services anonymous callers too. A
    /// bucket that allows `s3:GetObject` to `*` is public; a queue or topic that allows `*`
    /// takes messages from anyone who learns its ARN.
    ///
    /// A condition restricts the grant when it tests one of `aws:SourceArn`,
    /// `aws:SourceAccount`, `aws:SourceOwner`, `aws:SourceOrgID`, `aws:SourceOrgPaths`,
    /// `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`,
    /// `aws:PrincipalArn`, `aws:userid`, `aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceIp`,
    /// `kms:CallerAccount` (how every AWS managed key's policy limits `{"AWS": "*"}` to one
    /// account) or `s3:DataAccessPointAccount` / `s3:DataAccessPointArn` (a bucket that
    /// delegates access control to the access points of one account, as the S3 user guide
    /// recommends) — keys compared without regard to case — with any operator but `Null`
    /// and the `…IfExists` forms, which let a request without the key through.
    ///
    /// Statements are judged together, as IAM evaluates them: an `Allow` for every
    /// principal is not open when a `Deny` for every principal in the same document covers
    /// its actions and resources and admits only insiders — every test of its condition a
    /// negated operator (`StringNotEquals`, `StringNotLike`, `ArnNotEquals`, `ArnNotLike`,
    /// `NotIpAddress`, or their `…IfExists` forms) on one of those keys. That is how AWS
    /// writes a private REST API's policy ("Deny everyone not coming through this VPC
    /// endpoint, then Allow everyone": API Gateway developer guide, "Create a private API",
    /// and the IAM policy evaluation logic: an explicit deny overrides any allow).
    ///
    /// The finding points at the `*` element, in the resource or data source where the
    /// statement is written.
    ///
    /// ## What it deliberately does not flag
    /// - Identity policies (they have no principal) and trust policies (a role's
    ///   `assume_role_policy`): who may assume a role is another question.
    /// - `Deny` statements for `*`: that is how guard rails such as "TLS only" are written.
    /// - Principals it cannot know before apply, or a condition it cannot read (a condition
    ///   whose operator, key or whole value is unknown counts as restricting).
    /// - Other conditions (`aws:SecureTransport`, `s3:prefix`, …): they say how, not who.
    /// - A public Lambda function URL (`function_url_auth_type = "NONE"`) needs `principal =
    ///   "*"`; if it is meant to be public, suppress the finding with the reason.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sqs_queue_policy" "jobs" {
    ///   queue_url = aws_sqs_queue.jobs.id
    ///   policy = jsonencode({
    ///     Version = "2012-10-17"
    ///     Statement = [{
    ///       Effect    = "Allow"
    ///       Principal = "*"
    ///       Action    = "sqs:SendMessage"
    ///       Resource  = aws_sqs_queue.jobs.arn
    ///     }]
    ///   })
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_sqs_queue_policy" "jobs" {
    ///   queue_url = aws_sqs_queue.jobs.id
    ///   policy = jsonencode({
    ///     Version = "2012-10-17"
    ///     Statement = [{
    ///       Effect    = "Allow"
    ///       Principal = { Service = "sns.amazonaws.com" }
    ///       Action    = "sqs:SendMessage"
    ///       Resource  = aws_sqs_queue.jobs.arn
    ///       Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.orders.arn } }
    ///     }]
    ///   })
    /// }
    /// ```
    pub struct IamWildcardPrincipal {
        id: "IAM003",
        name: "iam-wildcard-principal",
        severity: Error,
    }
}

/// Condition keys that limit who can make the request (compared case-insensitively).
const RESTRICTING_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:userid",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
    "kms:CallerAccount",
    "s3:DataAccessPointAccount",
    "s3:DataAccessPointArn",
];

/// `aws_lambda_permission` arguments that limit who may invoke.
const LAMBDA_RESTRICTING_ARGUMENTS: &[&str] = &["source_arn", "source_account", "principal_org_id"];

impl Rule for IamWildcardPrincipal {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for doc in policies(cx).iter() {
            if doc.kind != PolicyKind::Resource {
                continue;
            }
            let insider_denies: Vec<&StatementView> = doc
                .statements
                .iter()
                .filter(|s| is_insider_deny(s))
                .collect();
            for statement in &doc.statements {
                if !statement.is_allow() || is_restricted(statement.condition.as_deref()) {
                    continue;
                }
                let Some(principal) = &statement.principal else {
                    continue;
                };
                let Some(origin) = everyone(principal) else {
                    continue;
                };
                if insider_denies.iter().any(|deny| takes_back(deny, statement)) {
                    continue;
                }
                out.push(policy_finding(doc, statement, origin));
            }
        }
        for permission in cx.resources("aws_lambda_permission") {
            let Some(principal) = cx.attr(permission, "principal") else {
                continue;
            };
            if principal.as_str() != Some("*") {
                continue;
            }
            let restricted = LAMBDA_RESTRICTING_ARGUMENTS
                .iter()
                .any(|a| cx.attr(permission, a).is_some_and(|v| !v.is_null()));
            if restricted {
                continue;
            }
            let action = cx.attr(permission, "action");
            let origin = principal.origin.or(cx.origin_of(permission, "principal"));
            out.push(lambda_finding(
                permission,
                action.as_ref().and_then(Value::as_str),
                origin,
            ));
        }
    }
}

/// Negated condition operators: with a restricting key, a `Deny` carrying them applies to
/// every caller except the named ones (a request without the key is denied too).
const NEGATED_OPERATORS: &[&str] = &[
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NotIpAddress",
];

/// A `Deny` for every principal whose condition admits only insiders: every test is a
/// negated operator (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, … and their
/// `…IfExists` forms) on a restricting key. It denies everyone but the named VPC
/// endpoint, organization, account, … (tests are ANDed: a test of anything else, such as
/// `aws:SecureTransport`, would let outsiders through). A principal or condition it
/// cannot read counts, as a value it cannot know is no evidence of an open policy.
fn is_insider_deny(statement: &StatementView) -> bool {
    if statement.effect.as_deref() != Some("Deny")
        || statement.not_actions.is_some()
        || statement.not_resources.is_some()
    {
        return false;
    }
    let for_everyone = statement
        .principal
        .as_ref()
        .is_some_and(|p| p.is_unknown() || everyone(p).is_some());
    if !for_everyone {
        return false;
    }
    let Some(condition) = &statement.condition else {
        return false;
    };
    match &condition.kind {
        ValueKind::Unknown => true,
        ValueKind::Object(operators) if !operators.is_empty() => {
            operators.iter().all(|(operator, tests)| {
                let operator = operator
                    .strip_suffix("IfExists")
                    .unwrap_or(operator.as_str());
                let negated = operator.is_empty()
                    || NEGATED_OPERATORS
                        .iter()
                        .any(|o| o.eq_ignore_ascii_case(operator));
                negated
                    && match &tests.kind {
                        ValueKind::Unknown => true,
                        ValueKind::Object(keys) if !keys.is_empty() => keys.keys().all(|key| {
                            key.is_empty()
                                || RESTRICTING_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
                        }),
                        _ => false,
                    }
            })
        }
        _ => false,
    }
}

/// Whether `deny` covers every action and resource `allow` grants, so that the `Allow`
/// holds only for the callers the `Deny` admits. An element is covered when a `Deny`
/// element matches it as an IAM pattern (`*`, `execute-api:*`, the same text); an element
/// it cannot read covers, and is covered, as unknown is no evidence.
fn takes_back(deny: &StatementView, allow: &StatementView) -> bool {
    let covers = |denied: &[Value], allowed: &[Value], negated: bool| {
        let patterns: Vec<Option<&str>> = denied
            .iter()
            .map(|d| if d.is_unknown() { None } else { d.as_str() })
            .collect();
        let matches = |text: &str| {
            patterns
                .iter()
                .any(|p| p.is_none_or(|p| glob_match_ci(p, text)))
        };
        if negated {
            // `NotAction`/`NotResource`: only `*` covers what they leave.
            return patterns.iter().any(|p| p.is_none_or(|p| p == "*"));
        }
        allowed.iter().all(|a| match a.as_str() {
            Some(text) if !a.is_unknown() => matches(text),
            _ => true,
        })
    };
    covers(&deny.actions, &allow.actions, allow.not_actions.is_some())
        && covers(
            &deny.resources,
            &allow.resources,
            allow.not_resources.is_some(),
        )
}

/// Whether a condition limits the caller (or cannot be read, which is not evidence).
fn is_restricted(condition: Option<&Value>) -> bool {
    let Some(condition) = condition else {
        return false;
    };
    match &condition.kind {
        ValueKind::Unknown => true,
        ValueKind::Object(operators) => operators.iter().any(|(operator, tests)| {
            // An empty operator or key is what an unknown `test`/`variable` becomes.
            if operator.is_empty() {
                return true;
            }
            let limits = !operator.eq_ignore_ascii_case("Null")
                && !operator.to_ascii_lowercase().ends_with("ifexists");
            match &tests.kind {
                ValueKind::Unknown => true,
                ValueKind::Object(keys) => keys.keys().any(|key| {
                    key.is_empty()
                        || (limits && RESTRICTING_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)))
                }),
                _ => false,
            }
        }),
        _ => false,
    }
}

fn policy_finding(doc: &PolicyDoc, statement: &StatementView, origin: Origin) -> Finding {
    Finding::new(
        &IamWildcardPrincipal::META,
        "resource policy allows every principal (`*`) without a condition on the caller"
            .to_string(),
    )
    .at(element_origin(origin, statement, doc))
    .label("any principal")
    .help(
        "name the principals, or add a condition on `aws:SourceArn`, `aws:SourceAccount` \
               or `aws:PrincipalOrgID`",
    )
    .resource(doc.resource.clone())
    .attribute(attribute_path(doc, statement, Field::Principal))
}

fn lambda_finding(permission: &Block, action: Option<&str>, origin: Origin) -> Finding {
    let action = action.unwrap_or("lambda:InvokeFunction");
    Finding::new(
        &IamWildcardPrincipal::META,
        format!(
            "lambda permission grants `{action}` to every principal (`*`) without `source_arn`, \
             `source_account` or `principal_org_id`"
        ),
    )
    .at(origin.or(permission.origin))
    .label("any principal")
    .help(
        "name the calling service or account in `principal`, and set `source_arn` or \
               `source_account`",
    )
    .resource(permission.address())
    .attribute("principal")
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "IAM003";

    /// `aws_sqs_queue_policy.q` with `policy = jsonencode(<statement>)` (one statement).
    fn queue_policy(statement: &str) -> String {
        format!(
            r#"variable "unset" {{}}
resource "aws_sqs_queue_policy" "q" {{
  queue_url = "q"
  policy    = jsonencode({{ Statement = [{statement}] }})
}}
"#
        )
    }

    #[test]
    fn fires_on_everyone() {
        let cases: &[(&str, &str)] = &[
            (
                "string",
                r#"{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*" }"#,
            ),
            (
                "AWS string",
                r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sqs:SendMessage", Resource = "*" }"#,
            ),
            (
                "AWS list among others",
                r#"{ Effect = "Allow", Principal = { AWS = ["arn:aws:iam::111122223333:root", "*"] }, Action = "sqs:SendMessage", Resource = "*" }"#,
            ),
            (
                "condition that says how, not who",
                r#"{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*", Condition = { Bool = { "aws:SecureTransport" = "true" } } }"#,
            ),
            (
                "a key through a service, from any account",
                r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:Decrypt", Resource = "*", Condition = { StringEquals = { "kms:ViaService" = "sqs.eu-west-1.amazonaws.com" } } }"#,
            ),
            (
                "IfExists lets requests without the key through",
                r#"{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*", Condition = { ArnEqualsIfExists = { "aws:SourceArn" = "arn:aws:sns:eu-west-1:111122223333:t" } } }"#,
            ),
        ];
        for (name, statement) in cases {
            let f = lint_hcl(RULE, &queue_policy(statement));
            assert_eq!(f.len(), 1, "{name}: {f:#?}");
            assert_eq!(f[0].resource.as_deref(), Some("aws_sqs_queue_policy.q"));
            assert_eq!(
                f[0].attribute.as_deref(),
                Some("policy.Statement[0].Principal")
            );
        }
    }

    #[test]
    fn quiet_on_named_or_restricted_principals() {
        let cases: &[(&str, &str)] = &[
            (
                "source arn condition",
                r#"{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*", Condition = { ArnEquals = { "aws:SourceArn" = "arn:aws:sns:eu-west-1:111122223333:t" } } }"#,
            ),
            (
                "org condition, other case",
                r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sqs:SendMessage", Resource = "*", Condition = { StringEquals = { "AWS:PrincipalOrgId" = "o-abc" } } }"#,
            ),
            (
                "caller account, as AWS managed keys' policies write it",
                r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = ["kms:Encrypt", "kms:Decrypt"], Resource = "*", Condition = { StringEquals = { "kms:CallerAccount" = "111122223333", "kms:ViaService" = "sqs.eu-west-1.amazonaws.com" } } }"#,
            ),
            (
                "access control delegated to one account's access points",
                r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "*", Resource = "*", Condition = { StringEquals = { "s3:DataAccessPointAccount" = "111122223333" } } }"#,
            ),
            (
                "named principal",
                r#"{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:role/ci" }, Action = "sqs:SendMessage", Resource = "*" }"#,
            ),
            (
                "service principal",
                r#"{ Effect = "Allow", Principal = { Service = "sns.amazonaws.com" }, Action = "sqs:SendMessage", Resource = "*" }"#,
            ),
            (
                "deny",
                r#"{ Effect = "Deny", Principal = "*", Action = "sqs:*", Resource = "*", Condition = { Bool = { "aws:SecureTransport" = "false" } } }"#,
            ),
            (
                "unknown principal",
                r#"{ Effect = "Allow", Principal = { AWS = var.unset }, Action = "sqs:SendMessage", Resource = "*" }"#,
            ),
            (
                "unknown condition",
                r#"{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*", Condition = var.unset }"#,
            ),
        ];
        for (name, statement) in cases {
            let f = lint_hcl(RULE, &queue_policy(statement));
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    /// AWS's policy for a private REST API: deny every caller not coming through the VPC
    /// endpoint, then allow every caller. Judged together, only insiders are allowed.
    const PRIVATE_API: &str = r#"resource "aws_api_gateway_rest_api_policy" "private" {
  rest_api_id = "a1b2c3"
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Deny", Principal = "*", Action = "execute-api:Invoke", Resource = "execute-api:/*",
      Condition = { StringNotEquals = { "aws:SourceVpce" = "vpce-0123456789abcdef0" } } },
    { Effect = "Allow", Principal = "*", Action = "execute-api:Invoke", Resource = "execute-api:/*" } ] })
}
"#;

    #[test]
    fn allow_taken_back_by_an_insider_deny_is_quiet() {
        let f = lint_hcl(RULE, PRIVATE_API);
        assert!(f.is_empty(), "{f:#?}");
        let variants: &[(&str, &str)] = &[
            (
                "policy document data source, org and IfExists",
                r#"data "aws_iam_policy_document" "p" {
  statement {
    effect = "Deny"
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions   = ["sqs:*"]
    resources = ["*"]
    condition {
      test     = "StringNotEqualsIfExists"
      variable = "aws:PrincipalOrgID"
      values   = ["o-abc123"]
    }
  }
  statement {
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:eu-west-1:111122223333:jobs"]
  }
}
resource "aws_sqs_queue_policy" "q" {
  queue_url = "q"
  policy    = data.aws_iam_policy_document.p.json
}
"#,
            ),
            (
                "two insider tests (ANDed: VPC endpoint or VPC)",
                r#"resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = jsonencode({ Statement = [
    { Effect = "Deny", Principal = { AWS = "*" }, Action = "s3:*", Resource = ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
      Condition = { StringNotEquals = { "aws:SourceVpce" = "vpce-1", "aws:SourceVpc" = "vpc-1" } } },
    { Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::b/*" } ] })
}
"#,
            ),
        ];
        for (name, text) in variants {
            let f = lint_hcl(RULE, text);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn allow_not_taken_back_still_fires() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "positive operator denies only the endpoint's callers",
                "StringNotEquals",
                "StringEquals",
            ),
            (
                "a condition on how, not who",
                r#"{ "aws:SourceVpce" = "vpce-0123456789abcdef0" }"#,
                r#"{ "aws:SourceVpce" = "vpce-0123456789abcdef0", "aws:SecureTransport" = "false" }"#,
            ),
            (
                "deny of another action",
                r#"Action = "execute-api:Invoke", Resource = "execute-api:/*",
      Condition"#,
                r#"Action = "execute-api:ManageConnections", Resource = "execute-api:/*",
      Condition"#,
            ),
            (
                "deny of part of the resources",
                r#"Resource = "execute-api:/*",
      Condition"#,
                r#"Resource = "execute-api:/prod/*",
      Condition"#,
            ),
            (
                "deny for one account only",
                r#"{ Effect = "Deny", Principal = "*""#,
                r#"{ Effect = "Deny", Principal = { AWS = "arn:aws:iam::111122223333:root" }"#,
            ),
        ];
        for (name, from, to) in cases {
            let text = PRIVATE_API.replacen(from, to, 1);
            assert_ne!(text, PRIVATE_API, "{name}: the replacement applies");
            let f = lint_hcl(RULE, &text);
            assert_eq!(f.len(), 1, "{name}: {f:#?}");
            assert_eq!(
                f[0].attribute.as_deref(),
                Some("policy.Statement[1].Principal"),
                "{name}"
            );
        }
    }

    #[test]
    fn identity_and_trust_policies_are_not_resource_policies() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole", Condition = { StringEquals = { "sts:ExternalId" = "x" } } }]
  })
}
resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}
"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn single_statement_object_and_heredoc() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_s3_bucket_policy" "site" {
  bucket = "site"
  policy = jsonencode({
    Statement = { Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::site/*" }
  })
}
resource "aws_sns_topic_policy" "t" {
  arn    = "t"
  policy = <<EOF
{
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"AWS": ["*"]},
    "Action": "SNS:Publish",
    "Resource": "*"
  }]
}
EOF
}
"#,
        );
        assert_eq!(f.len(), 2, "{f:#?}");
        let topic = f
            .iter()
            .find(|x| x.resource.as_deref() == Some("aws_sns_topic_policy.t"));
        let topic = topic.expect("topic finding");
        assert_eq!((topic.location.line, topic.location.column), (13, 27));
    }

    #[test]
    fn file_and_templatefile() {
        let json = r#"{
  "Statement": [{
    "Effect": "Allow",
    "Principal": "*",
    "Action": "secretsmanager:GetSecretValue",
    "Resource": "*",
    "Condition": { "StringEquals": { "${key}": "111122223333" } }
  }]
}
"#;
        for (key, expected) in [("aws:SourceAccount", 0), ("aws:RequestedRegion", 1)] {
            let main = format!(
                r#"resource "aws_secretsmanager_secret_policy" "s" {{
  secret_arn = "s"
  policy     = templatefile("${{path.module}}/p.json", {{ key = "{key}" }})
}}
"#
            );
            let f = lint_files_with(RULE, &[("main.tf", &main), ("p.json", json)], None);
            assert_eq!(f.len(), expected, "{key}: {f:#?}");
            if let Some(f) = f.first() {
                assert_eq!(f.location.path, "p.json");
                assert_eq!(f.location.line, 4);
                assert_eq!(
                    f.resource.as_deref(),
                    Some("aws_secretsmanager_secret_policy.s")
                );
            }
        }
        let main = r#"resource "aws_ecr_repository_policy" "r" {
  repository = "r"
  policy     = file("${path.module}/p.json")
}
"#;
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                ("p.json", &json.replace("${key}", "s3:prefix")),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.path, "p.json");
    }

    #[test]
    fn policy_document_principal_blocks_dynamic_and_tfvars() {
        let main = r#"variable "readers" {
  default = ["*"]
}
locals {
  public = [{ type = "*", identifiers = ["*"] }]
}
data "aws_iam_policy_document" "bucket" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::b/*"]
    principals {
      type        = "AWS"
      identifiers = var.readers
    }
  }
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::b/*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = ["o-abc"]
    }
  }
  dynamic "statement" {
    for_each = local.public
    content {
      actions   = ["s3:ListBucket"]
      resources = ["arn:aws:s3:::b"]
      principals {
        type        = statement.value.type
        identifiers = statement.value.identifiers
      }
    }
  }
}
resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = data.aws_iam_policy_document.bucket.json
}
"#;
        let f = lint_hcl(RULE, main);
        let got: Vec<_> = f
            .iter()
            .map(|x| {
                (
                    x.resource.clone().unwrap_or_default(),
                    x.attribute.clone().unwrap_or_default(),
                    x.location.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "data.aws_iam_policy_document.bucket".to_string(),
                    "statement[0].principals".to_string(),
                    2
                ),
                (
                    "data.aws_iam_policy_document.bucket".to_string(),
                    "statement[2].principals".to_string(),
                    5
                ),
            ]
        );
        // tfvars name the readers: only the dynamic public statement is left.
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                (
                    "terraform.tfvars",
                    "readers = [\"arn:aws:iam::111122223333:role/reader\"]\n",
                ),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].attribute.as_deref(), Some("statement[2].principals"));
        // A policy document no resource policy uses is an identity policy: not judged.
        let unused = main.replace("policy = data.aws_iam_policy_document.bucket.json", "");
        assert!(lint_hcl(RULE, &unused).is_empty());
    }

    #[test]
    fn lambda_permission() {
        let f = lint_hcl(
            RULE,
            r#"variable "unset" {}
resource "aws_lambda_permission" "open" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = "*"
}
resource "aws_lambda_permission" "null_source" {
  function_name = "f"
  principal     = "*"
  source_arn    = null
}
resource "aws_lambda_permission" "from_api" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = "*"
  source_arn    = "arn:aws:execute-api:eu-west-1:111122223333:abc/*"
}
resource "aws_lambda_permission" "org" {
  function_name    = "f"
  principal        = "*"
  principal_org_id = "o-abc"
}
resource "aws_lambda_permission" "unknown_source" {
  function_name  = "f"
  principal      = "*"
  source_account = var.unset
}
resource "aws_lambda_permission" "service" {
  function_name = "f"
  principal     = "apigateway.amazonaws.com"
}
resource "aws_lambda_permission" "unknown_principal" {
  function_name = "f"
  principal     = var.unset
}
"#,
        );
        let got: Vec<_> = f
            .iter()
            .map(|x| {
                (
                    x.resource.clone().unwrap_or_default(),
                    x.attribute.clone().unwrap_or_default(),
                    x.location.line,
                    x.location.column,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "aws_lambda_permission.open".to_string(),
                    "principal".to_string(),
                    5,
                    19
                ),
                (
                    "aws_lambda_permission.null_source".to_string(),
                    "principal".to_string(),
                    9,
                    19
                ),
            ]
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_sqs_queue_policy" "jobs" {
  queue_url = "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "sqs:SendMessage"
      Resource  = "arn:aws:sqs:eu-west-1:111122223333:jobs"
    }]
  })
}
resource "aws_lambda_permission" "open" {
  function_name = "orders"
  principal     = "*"
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
