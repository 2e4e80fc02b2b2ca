use super::shared::{attribute_path, element_origin, Field};
use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::policy::{policies, PolicyDoc, PolicyKind, StatementView};
use tfstack_model::iam_actions::{matching_actions, resource_level, ResourceLevel};
use tfstack_model::Value;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy whose `Resource` is `*`, or an ARN
    /// wildcarded in every part that names a resource, when the statement grants an action
    /// that could have been scoped to resources.
    ///
    /// ## Why is this bad?
    /// `"Resource": "*"` with `s3:GetObject` reads every object of every bucket in the
    /// account, today's and tomorrow's; `dynamodb:DeleteItem` on `arn:aws:dynamodb:*:*:*`
    /// deletes from every table. Naming the ARNs the code uses limits the damage a bug or a
    /// leaked credential can do.
    ///
    /// A resource counts as a wildcard when it is `*`, or an ARN whose region, account and
    /// resource parts are all empty or `*` — whatever its partition and service:
    /// `arn:aws:logs:*:*:*`, `arn:aws:dynamodb:*:*:*`, `arn:aws:s3:::*` (every bucket),
    /// `arn:aws:s3:::*/*` (every object), `arn:*:iam::*:*`, and the short forms `arn:*` or
    /// `arn:aws:s3:*` whose last `*` covers the remaining parts.
    ///
    /// A statement is judged by its actions, with AWS's Service Authorization Reference
    /// (`tfstack_model::iam_actions`): it fires when at least one action is scopable. An
    /// exact action is scopable when the reference marks one of its resource types as
    /// required (`dynamodb:GetItem`: `table*`), or lists a choice of two or more optional
    /// ones, one of which every request names (`s3:GetObject`: `object` or
    /// `accesspointobject`). A wildcard pattern (`s3:Get*`) counts when at least half of
    /// the known actions it matches are scopable: `s3:Get*` and `s3:List*` count,
    /// `ec2:Describe*` and `logs:Describe*` do not. The message names the scopable actions
    /// of the statement, and only those.
    ///
    /// Only identity policies are judged (role/user/group/inline policies, `aws_iam_policy`,
    /// `aws_iam_policy_document` data sources used by them or by nothing, standalone JSON
    /// files without `Principal`): a resource policy's `"Resource": "*"` means the resource
    /// it is attached to, and a trust policy has no resource at all.
    ///
    /// ## What it deliberately does not flag
    /// - Actions without resource types: `xray:PutTraceSegments`, `cloudwatch:PutMetricData`,
    ///   `ec2:DescribeInstances` can only be granted on `*`.
    /// - Actions whose only resource type is optional: they run without it, and then only
    ///   `*` grants them. `rekognition:DetectModerationLabels` names a project version only
    ///   for a custom adapter; `comprehend:Detect*` on built-in models names no endpoint.
    /// - Enumeration patterns where scopable actions are the exception: a CI gate that cries
    ///   wolf on every monitoring policy's `ec2:Describe*` gets switched off. Write out the
    ///   few scopable actions if you need them scoped. Whole-service patterns (`sns:*`) may
    ///   fall under this too; they are IAM001's findings.
    /// - Actions it does not know (a new service, a typo): unknown is not evidence.
    /// - Sub-resources of a named resource (`arn:aws:s3:::bucket/*`), log-stream patterns
    ///   (`${aws_cloudwatch_log_group.x.arn}:*`), and every-resource-of-one-type ARNs such as
    ///   `arn:aws:dynamodb:*:*:table/*` (the resource part names a type; telling a type from
    ///   a name, as in S3's `bucket/*`, needs per-service knowledge it does not have).
    /// - Statements with `NotAction` (IAM001 flags them) or `NotResource`.
    /// - `Deny` statements, and values it cannot know before apply.
    ///
    /// ## Example
    /// ```hcl
    /// data "aws_iam_policy_document" "reader" {
    ///   statement {
    ///     actions   = ["s3:GetObject"]
    ///     resources = ["*"]
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// data "aws_iam_policy_document" "reader" {
    ///   statement {
    ///     actions   = ["s3:GetObject"]
    ///     resources = ["${aws_s3_bucket.reports.arn}/*"]
    ///   }
    /// }
    /// ```
    pub struct IamWildcardResource {
        id: "IAM002",
        name: "iam-wildcard-resource",
        severity: Error,
    }
}

impl Rule for IamWildcardResource {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for doc in policies(cx).iter() {
            if doc.kind != PolicyKind::Identity {
                continue;
            }
            for statement in &doc.statements {
                if !statement.is_allow() || statement.not_actions.is_some() {
                    continue;
                }
                let wildcards: Vec<&Value> = statement
                    .resources
                    .iter()
                    .filter(|r| r.as_str().is_some_and(is_wildcard_resource))
                    .collect();
                if wildcards.is_empty() {
                    continue;
                }
                let scopable: Vec<&str> = statement
                    .actions
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|a| is_scopable(a))
                    .collect();
                if scopable.is_empty() {
                    continue;
                }
                for resource in wildcards {
                    out.push(finding(doc, statement, &scopable, resource));
                }
            }
        }
    }
}

/// Whether an `Action` entry grants actions that could have been scoped to resources: an
/// exact scopable action (a required resource type, or a choice of several), or a pattern
/// at least half of whose known matches are.
fn is_scopable(action: &str) -> bool {
    if !action.contains(['*', '?']) {
        return resource_level(action) == ResourceLevel::Supported;
    }
    let matched = matching_actions(action);
    let supported = matched
        .iter()
        .filter(|a| resource_level(a) == ResourceLevel::Supported)
        .count();
    !matched.is_empty() && supported * 2 >= matched.len()
}

/// `*`, or an ARN whose region, account and resource are each empty or made of `*`
/// (`arn:aws:s3:::*`, `arn:aws:logs:*:*:*`); an ARN cut short counts when its last part
/// is a `*` that covers the rest (`arn:aws:s3:*`).
fn is_wildcard_resource(resource: &str) -> bool {
    let stars = |s: &str| !s.is_empty() && s.bytes().all(|b| b == b'*');
    if stars(resource) {
        return true;
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if !parts[0].eq_ignore_ascii_case("arn") {
        return false;
    }
    let Some(last) = parts.last() else {
        return false;
    };
    if parts.len() < 6 {
        // `arn:aws:s3:*`: the final `*` spans every part not written.
        return parts.len() >= 2
            && stars(last)
            && parts[3.min(parts.len())..]
                .iter()
                .all(|p| p.is_empty() || stars(p));
    }
    let (region, account, resource_part) = (parts[3], parts[4], parts[5]);
    (region.is_empty() || stars(region))
        && (account.is_empty() || stars(account))
        && resource_part.contains('*')
        && resource_part
            .bytes()
            .all(|b| matches!(b, b'*' | b'/' | b':'))
}

/// How many scopable actions a message names before it counts the rest.
const NAMED_ACTIONS: usize = 4;

fn finding(
    doc: &PolicyDoc,
    statement: &StatementView,
    scopable: &[&str],
    resource: &Value,
) -> Finding {
    let shown = resource.as_str().unwrap_or("*");
    let mut actions = scopable
        .iter()
        .take(NAMED_ACTIONS)
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if scopable.len() > NAMED_ACTIONS {
        actions.push_str(&format!(" and {} more", scopable.len() - NAMED_ACTIONS));
    }
    Finding::new(
        &IamWildcardResource::META,
        format!("statement grants {actions} on every resource with `{shown}`"),
    )
    .at(element_origin(resource.origin, statement, doc))
    .label("every resource")
    .help("name the ARNs the actions need (e.g. `arn:aws:s3:::my-bucket/*`, a table's ARN)")
    .resource(doc.resource.clone())
    .attribute(attribute_path(doc, statement, Field::Resource))
}

#[cfg(test)]
mod tests {
    use super::{is_scopable, is_wildcard_resource};
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "IAM002";

    fn jsonencode_policy(document: &str) -> String {
        format!(
            r#"variable "unset" {{}}
resource "aws_iam_policy" "p" {{
  policy = jsonencode({document})
}}
"#
        )
    }

    #[test]
    fn wildcard_resources() {
        for yes in [
            "*",
            "**",
            "arn:aws:logs:*:*:*",
            "arn:aws:dynamodb:*:*:*",
            "arn:aws:s3:::*",
            "arn:aws:s3:::*/*",
            "arn:*:s3:::*",
            "arn:aws:iam::*:*",
            "arn:aws:logs:*:*:*:*",
            "ARN:aws:sqs:*:*:*",
            "arn:*",
            "arn:aws:s3:*",
            "arn:aws:s3::*",
        ] {
            assert!(is_wildcard_resource(yes), "{yes}");
        }
        for no in [
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket",
            "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/x:*",
            "arn:aws:logs:*:*:log-group:x:*",
            "arn:aws:dynamodb:*:*:table/*",
            "arn:aws:dynamodb:eu-west-1:*:*",
            "arn:aws:dynamodb:*:111122223333:*",
            "arn:aws:s3",
            "arn:aws:s3:::",
            "",
            "bucket/*",
        ] {
            assert!(!is_wildcard_resource(no), "{no}");
        }
    }

    #[test]
    fn scopable_actions() {
        for yes in [
            "s3:GetObject",
            "S3:getobject",
            "dynamodb:PutItem",
            "s3:Get*",
            "s3:List*",
            "s3:*",
            "*",
        ] {
            assert!(is_scopable(yes), "{yes}");
        }
        for no in [
            "rekognition:DetectModerationLabels",
            "comprehend:DetectEntities",
            "comprehend:Detect*",
            "xray:PutTraceSegments",
            "cloudwatch:PutMetricData",
            "ec2:DescribeInstances",
            "ec2:Describe*",
            "logs:Describe*",
            "autoscaling:Describe*",
            "foo:Bar",
            "foo:*",
            "s3:NoSuchAction",
        ] {
            assert!(!is_scopable(no), "{no}");
        }
    }

    /// Actions whose only resource type is optional need `*` (built-in models); the
    /// message names only the scopable actions of a statement.
    #[test]
    fn optional_only_actions_and_messages() {
        let f = lint_hcl(
            RULE,
            &jsonencode_policy(
                r#"{ Statement = [{ Effect = "Allow", Action = ["rekognition:DetectModerationLabels", "comprehend:DetectSentiment", "comprehend:DetectEntities"], Resource = "*" }] }"#,
            ),
        );
        assert!(f.is_empty(), "{f:#?}");
        let f = lint_hcl(
            RULE,
            &jsonencode_policy(
                r#"{ Statement = [{ Effect = "Allow", Action = ["xray:PutTraceSegments", "rekognition:DetectModerationLabels", "s3:GetObject", "dynamodb:GetItem", "ec2:DescribeInstances"], Resource = "*" }] }"#,
            ),
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].message,
            "statement grants `s3:GetObject`, `dynamodb:GetItem` on every resource with `*`"
        );
        let f = lint_hcl(
            RULE,
            &jsonencode_policy(
                r#"{ Statement = [{ Effect = "Allow", Action = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl"], Resource = "*" }] }"#,
            ),
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.ends_with(" and 2 more on every resource with `*`"), "{}", f[0].message);
    }

    #[test]
    fn fires_on_jsonencode_forms() {
        let cases: &[(&str, &str, usize)] = &[
            (
                "statement list, strings",
                r#"{ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] }"#,
                1,
            ),
            (
                "single statement object, lists",
                r#"{ Statement = { Effect = "Allow", Action = ["xray:PutTraceSegments", "dynamodb:GetItem"], Resource = ["arn:aws:dynamodb:*:*:*"] } }"#,
                1,
            ),
            (
                "all buckets",
                r#"{ Statement = [{ Effect = "Allow", Action = ["s3:ListBucket"], Resource = ["arn:aws:s3:::*", "arn:aws:s3:::b"] }] }"#,
                1,
            ),
            (
                "logs everywhere",
                r#"{ Statement = [{ Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "arn:aws:logs:*:*:*" }] }"#,
                1,
            ),
            (
                "mostly scopable pattern",
                r#"{ Statement = [{ Effect = "Allow", Action = "s3:Get*", Resource = "*" }] }"#,
                1,
            ),
        ];
        for (name, document, expected) in cases {
            let f = lint_hcl(RULE, &jsonencode_policy(document));
            assert_eq!(f.len(), *expected, "{name}: {f:#?}");
        }
    }

    #[test]
    fn quiet_on_precision_cases() {
        let cases: &[(&str, &str)] = &[
            (
                "objects of one bucket",
                r#"{ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::bucket/*" }] }"#,
            ),
            (
                "actions without resource types",
                r#"{ Statement = [{ Effect = "Allow", Action = ["xray:PutTraceSegments", "cloudwatch:PutMetricData", "ec2:DescribeInstances"], Resource = "*" }] }"#,
            ),
            (
                "enumeration patterns",
                r#"{ Statement = [{ Effect = "Allow", Action = ["ec2:Describe*", "autoscaling:Describe*", "logs:Describe*"], Resource = "*" }] }"#,
            ),
            (
                "unknown action",
                r#"{ Statement = [{ Effect = "Allow", Action = ["foo:Bar", "s3:NoSuchAction"], Resource = "*" }] }"#,
            ),
            (
                "unknown resource",
                r#"{ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = var.unset }] }"#,
            ),
            (
                "unknown actions",
                r#"{ Statement = [{ Effect = "Allow", Action = var.unset, Resource = "*" }] }"#,
            ),
            (
                "log stream pattern of an unknown ARN",
                r#"{ Statement = [{ Effect = "Allow", Action = "logs:PutLogEvents", Resource = "${var.unset}:*" }] }"#,
            ),
            (
                "deny",
                r#"{ Statement = [{ Effect = "Deny", Action = "s3:*", Resource = "*" }] }"#,
            ),
            (
                "NotAction is IAM001's",
                r#"{ Statement = [{ Effect = "Allow", NotAction = "iam:*", Resource = "*" }] }"#,
            ),
        ];
        for (name, document) in cases {
            let f = lint_hcl(RULE, &jsonencode_policy(document));
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn only_identity_policies() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_sqs_queue_policy" "q" {
  queue_url = "q"
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = "*"
    }]
  })
}
resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
  inline_policy {
    name   = "i"
    policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sqs:ReceiveMessage", Resource = "*" }] })
  }
}
data "aws_iam_policy_document" "bucket" {
  statement {
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:role/ci"]
    }
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}
resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = data.aws_iam_policy_document.bucket.json
}
"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource.as_deref(), Some("aws_iam_role.r"));
        assert_eq!(
            f[0].attribute.as_deref(),
            Some("inline_policy.policy.Statement[0].Resource")
        );
    }

    #[test]
    fn heredoc_span_is_the_element() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_iam_role_policy" "p" {
  role   = "r"
  policy = <<-EOT
    {
      "Statement": [{
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem"],
        "Resource": ["arn:aws:dynamodb:eu-west-1:111122223333:table/t", "arn:aws:dynamodb:*:*:*"]
      }]
    }
  EOT
}
"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!((f[0].location.line, f[0].location.column), (8, 73));
        assert_eq!(
            f[0].attribute.as_deref(),
            Some("policy.Statement[0].Resource")
        );
    }

    #[test]
    fn file_and_templatefile() {
        let json = r#"{
  "Statement": [
    { "Effect": "Allow", "Action": "s3:GetObject", "Resource": "${bucket_arn}" }
  ]
}
"#;
        for (vars, expected) in [(r#""*""#, 1), (r#""arn:aws:s3:::b/*""#, 0)] {
            let main = format!(
                r#"resource "aws_iam_policy" "p" {{
  policy = templatefile("${{path.module}}/p.json", {{ bucket_arn = {vars} }})
}}
"#
            );
            let f = lint_files_with(RULE, &[("main.tf", &main), ("p.json", json)], None);
            assert_eq!(f.len(), expected, "{vars}: {f:#?}");
            if let Some(f) = f.first() {
                assert_eq!(f.location.path, "p.json");
                assert_eq!(f.location.line, 3);
                assert_eq!(f.resource.as_deref(), Some("aws_iam_policy.p"));
            }
        }
        let f = lint_files_with(
            RULE,
            &[
                (
                    "main.tf",
                    r#"resource "aws_iam_user_policy" "p" {
  user   = "u"
  policy = file("${path.module}/p.json")
}
"#,
                ),
                ("p.json", &json.replace("${bucket_arn}", "arn:aws:s3:::*")),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.path, "p.json");
        assert_eq!(f[0].resource.as_deref(), Some("aws_iam_user_policy.p"));
    }

    #[test]
    fn policy_document_data_source_dynamic_locals_and_tfvars() {
        let main = r#"variable "table_arn" {
  default = "*"
}
locals {
  statements = [
    { actions = ["xray:PutTraceSegments"], resources = ["*"] },
    { actions = ["sqs:SendMessage"], resources = ["arn:aws:sqs:*:*:*"] },
  ]
}
data "aws_iam_policy_document" "d" {
  statement {
    actions   = ["dynamodb:Query"]
    resources = [var.table_arn]
  }
  dynamic "statement" {
    for_each = local.statements
    content {
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}
"#;
        let f = lint_hcl(RULE, main);
        let got: Vec<_> = f
            .iter()
            .map(|x| {
                (
                    x.resource.clone().unwrap_or_default(),
                    x.attribute.clone().unwrap_or_default(),
                    x.location.path.clone(),
                    x.location.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "data.aws_iam_policy_document.d".to_string(),
                    "statement[0].resources".to_string(),
                    "main.tf".to_string(),
                    2
                ),
                (
                    "data.aws_iam_policy_document.d".to_string(),
                    "statement[2].resources".to_string(),
                    "main.tf".to_string(),
                    7
                ),
            ]
        );
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                (
                    "terraform.tfvars",
                    "table_arn = \"arn:aws:dynamodb:eu-west-1:111122223333:table/orders\"\n",
                ),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].attribute.as_deref(), Some("statement[2].resources"));
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"data "aws_iam_policy_document" "reader" {
  statement {
    actions   = ["xray:PutTraceSegments", "s3:GetObject"]
    resources = ["*"]
  }
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
