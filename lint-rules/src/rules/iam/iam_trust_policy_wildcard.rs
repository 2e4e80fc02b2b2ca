use super::shared::{attribute_path, element_origin, Field};
use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::policy::{
    everyone, policies, PolicyDoc, PolicyKind, StatementView,
};
use tfstack_model::{Origin, ValueKind};

declare_rule! {
    /// ## What it does
    /// Flags a role's trust policy (`assume_role_policy`, written inline, as JSON, or as an
    /// `aws_iam_policy_document` data source the role's `assume_role_policy` reads) with an
    /// `Allow` statement for every principal — `"Principal": "*"`, `{"AWS": "*"}` or
    /// `{"AWS": ["*"]}`, or a `principals` block with `type = "*"` or `type = "AWS"` and
    /// `identifiers = ["*"]` — and no condition.
    ///
    /// ## Why is this bad?
    /// A trust policy says who may become the role. With `*` and no condition, any AWS
    /// identity in any account — an attacker's own account included — can call
    /// `sts:AssumeRole` on it and act with every permission the role has; all they need is
    /// its ARN, which appears in logs, error messages and public repositories.
    ///
    /// ## What it deliberately does not flag
    /// - A statement with any condition (`aws:PrincipalOrgID`, `aws:PrincipalAccount`,
    ///   `sts:ExternalId`, …), including one it cannot evaluate: a condition on a trust
    ///   policy is a deliberate restriction, and which ones are strong enough is a review
    ///   question, not a lint.
    /// - Service principals (`lambda.amazonaws.com`), named accounts and roles, and
    ///   `Federated` principals (an identity provider ARN, limited by its own conditions).
    /// - Resource policies (IAM003 judges their `*` principals) and identity policies.
    /// - `Deny` statements and principals it cannot know before apply.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_iam_role" "deploy" {
    ///   name = "deploy"
    ///   assume_role_policy = jsonencode({
    ///     Version = "2012-10-17"
    ///     Statement = [{
    ///       Effect    = "Allow"
    ///       Principal = { AWS = "*" }
    ///       Action    = "sts:AssumeRole"
    ///     }]
    ///   })
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_iam_role" "deploy" {
    ///   name = "deploy"
    ///   assume_role_policy = jsonencode({
    ///     Version = "2012-10-17"
    ///     Statement = [{
    ///       Effect    = "Allow"
    ///       Principal = { AWS = "arn:aws:iam::111122223333:role/ci" }
    ///       Action    = "sts:AssumeRole"
    ///     }]
    ///   })
    /// }
    /// ```
    pub struct IamTrustPolicyWildcard {
        id: "IAM006",
        name: "iam-trust-policy-wildcard",
        severity: Error,
    }
}

impl Rule for IamTrustPolicyWildcard {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for doc in policies(cx).iter() {
            if doc.kind != PolicyKind::Trust {
                continue;
            }
            for statement in &doc.statements {
                if !statement.is_allow() || has_condition(statement) {
                    continue;
                }
                let Some(principal) = &statement.principal else {
                    continue;
                };
                if let Some(origin) = everyone(principal) {
                    out.push(finding(doc, statement, origin));
                }
            }
        }
    }
}

/// Whether the statement has a condition; one it cannot read counts.
fn has_condition(statement: &StatementView) -> bool {
    match statement.condition.as_ref().map(|c| &c.kind) {
        None | Some(ValueKind::Null) => false,
        Some(ValueKind::Object(operators)) => !operators.is_empty(),
        Some(_) => true,
    }
}

fn finding(doc: &PolicyDoc, statement: &StatementView, origin: Origin) -> Finding {
    let role = doc.resource.as_deref().unwrap_or("the role");
    Finding::new(
        &IamTrustPolicyWildcard::META,
        format!(
            "trust policy of `{role}` lets every principal (`*`) assume the role, without a \
             condition"
        ),
    )
    .at(element_origin(origin, statement, doc))
    .label("anyone may assume")
    .help(
        "name the accounts, roles or services that may assume it, or add a condition on \
               `aws:PrincipalOrgID` or `aws:PrincipalAccount`",
    )
    .resource(doc.resource.clone())
    .attribute(attribute_path(doc, statement, Field::Principal))
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "IAM006";

    /// `aws_iam_role.r` whose trust policy is `jsonencode` of one statement.
    fn role(statement: &str) -> String {
        format!(
            r#"variable "unset" {{}}
resource "aws_iam_role" "r" {{
  name               = "r"
  assume_role_policy = jsonencode({{ Version = "2012-10-17", Statement = [{statement}] }})
}}
"#
        )
    }

    #[test]
    fn fires_on_everyone_without_condition() {
        let cases: &[(&str, &str)] = &[
            (
                "string",
                r#"{ Effect = "Allow", Principal = "*", Action = "sts:AssumeRole" }"#,
            ),
            (
                "AWS string",
                r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }"#,
            ),
            (
                "AWS list among accounts",
                r#"{ Effect = "Allow", Principal = { AWS = ["arn:aws:iam::111122223333:root", "*"] }, Action = ["sts:AssumeRole", "sts:TagSession"] }"#,
            ),
            (
                "empty condition",
                r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole", Condition = {} }"#,
            ),
        ];
        for (name, statement) in cases {
            let f = lint_hcl(RULE, &role(statement));
            assert_eq!(f.len(), 1, "{name}: {f:#?}");
            assert_eq!(f[0].resource.as_deref(), Some("aws_iam_role.r"), "{name}");
            assert_eq!(
                f[0].attribute.as_deref(),
                Some("assume_role_policy.Statement[0].Principal"),
                "{name}"
            );
        }
    }

    #[test]
    fn quiet_on_precision_cases() {
        let cases: &[(&str, &str)] = &[
            (
                "service",
                r#"{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }"#,
            ),
            (
                "named account",
                r#"{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "sts:AssumeRole" }"#,
            ),
            (
                "organization condition",
                r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole", Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-abc123" } } }"#,
            ),
            (
                "external id",
                r#"{ Effect = "Allow", Principal = "*", Action = "sts:AssumeRole", Condition = { StringEquals = { "sts:ExternalId" = "7f3b" } } }"#,
            ),
            (
                "unknown condition",
                r#"{ Effect = "Allow", Principal = "*", Action = "sts:AssumeRole", Condition = var.unset }"#,
            ),
            (
                "federated",
                r#"{ Effect = "Allow", Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" }, Action = "sts:AssumeRoleWithWebIdentity" }"#,
            ),
            (
                "deny",
                r#"{ Effect = "Deny", Principal = "*", Action = "sts:AssumeRole" }"#,
            ),
            (
                "unknown principal",
                r#"{ Effect = "Allow", Principal = { AWS = var.unset }, Action = "sts:AssumeRole" }"#,
            ),
        ];
        for (name, statement) in cases {
            let f = lint_hcl(RULE, &role(statement));
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn policy_document_used_as_trust_policy() {
        let f = lint_hcl(
            RULE,
            r#"data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}
resource "aws_iam_role" "open" {
  name               = "open"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
data "aws_iam_policy_document" "org_only" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = ["o-abc123"]
    }
  }
}
resource "aws_iam_role" "org" {
  name               = "org"
  assume_role_policy = data.aws_iam_policy_document.org_only.json
}
# The same document as a resource policy is IAM003's, not this rule's.
data "aws_iam_policy_document" "queue" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}
resource "aws_sqs_queue_policy" "q" {
  queue_url = "q"
  policy    = data.aws_iam_policy_document.queue.json
}
"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].resource.as_deref(),
            Some("data.aws_iam_policy_document.trust")
        );
        assert_eq!(f[0].attribute.as_deref(), Some("statement[0].principals"));
        assert_eq!(f[0].location.line, 6);
    }

    #[test]
    fn trust_policy_file_and_tfvars() {
        let main = r#"variable "trusted" {
  type    = string
  default = "arn:aws:iam::111122223333:root"
}
resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = templatefile("${path.module}/trust.json", { trusted = var.trusted })
}
"#;
        let trust = r#"{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow", "Principal": { "AWS": "${trusted}" }, "Action": "sts:AssumeRole" }
  ]
}
"#;
        let files = [("main.tf", main), ("trust.json", trust)];
        assert!(lint_files_with(RULE, &files, None).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                files[0],
                files[1],
                ("terraform.tfvars", "trusted = \"*\"\n"),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.path, "trust.json");
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "sts:AssumeRole"
    }]
  })
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
