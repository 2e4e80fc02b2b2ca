use super::shared::{attribute_path, element_origin, Field};
use crate::{declare_rule, Finding, Rule};
use std::collections::HashMap;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::policy::{policies, PolicyDoc, PolicyKind, StatementView};

declare_rule! {
    /// ## What it does
    /// Flags a statement whose `Sid` an earlier statement of the same policy document
    /// already uses, in the documents that must have unique ones: IAM policies (identity
    /// policies of roles, users and groups, managed policies, trust policies), SNS topic
    /// policies, and `aws_iam_policy_document` data sources.
    ///
    /// ## Why is this bad?
    /// The policy is rejected when it is applied, after `terraform validate` and `plan`
    /// passed: IAM answers `MalformedPolicyDocument: Statement IDs (SID) in a single policy
    /// must be unique` ("In IAM, the Sid value must be unique within a JSON policy", IAM
    /// JSON policy elements: Sid), SNS `Invalid parameter: Every policy statement must have
    /// a unique ID`. An `aws_iam_policy_document` data source fails when it is read: the AWS
    /// provider refuses a duplicate `sid` ("found duplicate sid"). Two statements with one
    /// `Sid` are usually one copied without its name changed, or a grant written twice.
    ///
    /// ## What it deliberately does not flag
    /// - Resource policies of other services (S3 bucket policies, SQS queue policies, KMS
    ///   key policies, …): where the service does not reject a repeated `Sid` it is only
    ///   untidy.
    /// - Empty `Sid`s, and `Sid`s it cannot know before apply.
    ///
    /// ## Example
    /// ```hcl
    /// data "aws_iam_policy_document" "worker" {
    ///   statement {
    ///     sid       = "ReadQueue"
    ///     actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
    ///     resources = [aws_sqs_queue.jobs.arn]
    ///   }
    ///   statement {
    ///     sid       = "ReadQueue"
    ///     actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
    ///     resources = [aws_sqs_queue.retries.arn]
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// data "aws_iam_policy_document" "worker" {
    ///   statement {
    ///     sid       = "ReadQueues"
    ///     actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
    ///     resources = [aws_sqs_queue.jobs.arn, aws_sqs_queue.retries.arn]
    ///   }
    /// }
    /// ```
    pub struct IamDuplicateSid {
        id: "IAM007",
        name: "iam-duplicate-sid",
        severity: Error,
    }
}

/// Who rejects a document with a repeated `Sid`, and how.
#[derive(Clone, Copy)]
enum Rejecter {
    Iam,
    Sns,
    /// The AWS provider, reading an `aws_iam_policy_document` data source.
    Provider,
}

impl Rule for IamDuplicateSid {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for doc in policies(cx).iter() {
            let Some(rejecter) = rejecter(doc) else {
                continue;
            };
            let mut first: HashMap<&str, &StatementView> = HashMap::new();
            for statement in &doc.statements {
                let Some(sid) = statement.sid.as_ref().and_then(|s| s.as_str()) else {
                    continue;
                };
                if sid.is_empty() {
                    continue;
                }
                match first.get(sid) {
                    Some(earlier) => out.push(finding(doc, statement, earlier, sid, rejecter)),
                    None => {
                        first.insert(sid, statement);
                    }
                }
            }
        }
    }
}

/// Who rejects a repeated `Sid` in this document, if anyone is known to.
fn rejecter(doc: &PolicyDoc) -> Option<Rejecter> {
    match (&doc.resource, &doc.attribute) {
        // Only `aws_iam_policy_document` data sources are owned without an attribute.
        (Some(_), None) => Some(Rejecter::Provider),
        (Some(owner), Some(_)) if owner.starts_with("aws_sns_topic") => Some(Rejecter::Sns),
        _ => match doc.kind {
            PolicyKind::Identity | PolicyKind::Trust => Some(Rejecter::Iam),
            PolicyKind::Resource => None,
        },
    }
}

fn finding(
    doc: &PolicyDoc,
    statement: &StatementView,
    earlier: &StatementView,
    sid: &str,
    rejecter: Rejecter,
) -> Finding {
    let consequence = match rejecter {
        Rejecter::Iam => {
            "IAM rejects the policy at apply (`Statement IDs (SID) in a single policy must be \
             unique`)"
        }
        Rejecter::Sns => {
            "SNS rejects the policy at apply (`Every policy statement must have a unique ID`)"
        }
        Rejecter::Provider => "the AWS provider refuses the document (`found duplicate sid`)",
    };
    let origin = statement.sid.as_ref().map_or(statement.origin, |s| s.origin);
    Finding::new(
        &IamDuplicateSid::META,
        format!(
            "`Sid` `{sid}` of statement {} repeats statement {}'s: {consequence}",
            statement.index, earlier.index
        ),
    )
    .at(element_origin(origin, statement, doc))
    .label("repeated `Sid`")
    .help("give each statement its own `Sid`, or merge the two statements")
    .resource(doc.resource.clone())
    .attribute(attribute_path(doc, statement, Field::Sid))
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, lint_tree, render_all};

    const RULE: &str = "IAM007";

    const TWO: &str = r#"[
    { Sid = "Read", Effect = "Allow", Action = "sqs:ReceiveMessage", Resource = "arn:aws:sqs:eu-west-1:111122223333:a" },
    { Sid = "Read", Effect = "Allow", Action = "sqs:ReceiveMessage", Resource = "arn:aws:sqs:eu-west-1:111122223333:b" },
  ]"#;

    #[test]
    fn fires_where_the_sid_must_be_unique() {
        let cases: &[(&str, String)] = &[
            (
                "role policy",
                format!(
                    "resource \"aws_iam_role_policy\" \"p\" {{\n  role = \"r\"\n  policy = jsonencode({{ Statement = {TWO} }})\n}}\n"
                ),
            ),
            (
                "managed policy",
                format!(
                    "resource \"aws_iam_policy\" \"p\" {{\n  policy = jsonencode({{ Statement = {TWO} }})\n}}\n"
                ),
            ),
            (
                "trust policy",
                r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [
    { Sid = "Trust", Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" },
    { Sid = "Trust", Effect = "Allow", Principal = { Service = "states.amazonaws.com" }, Action = "sts:AssumeRole" },
  ] })
}
"#
                .to_string(),
            ),
            (
                "SNS topic policy",
                format!(
                    "resource \"aws_sns_topic_policy\" \"t\" {{\n  arn = \"t\"\n  policy = jsonencode({{ Statement = {} }})\n}}\n",
                    TWO.replace("Effect =", "Principal = { Service = \"s3.amazonaws.com\" }, Effect =")
                ),
            ),
            (
                "policy document data source used by a bucket policy",
                r#"data "aws_iam_policy_document" "d" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::b/*"]
  }
  statement {
    sid       = "Read"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::b"]
  }
}
resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = data.aws_iam_policy_document.d.json
}
"#
                .to_string(),
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(f.len(), 1, "{name}: {f:#?}");
            assert!(f[0].message.contains("statement 1 repeats statement 0's"), "{name}");
        }
    }

    #[test]
    fn quiet_otherwise() {
        let cases: &[(&str, String)] = &[
            (
                "distinct sids",
                format!(
                    "resource \"aws_iam_policy\" \"p\" {{\n  policy = jsonencode({{ Statement = {} }})\n}}\n",
                    TWO.replacen("Sid = \"Read\"", "Sid = \"ReadA\"", 1)
                ),
            ),
            (
                "empty sids",
                format!(
                    "resource \"aws_iam_policy\" \"p\" {{\n  policy = jsonencode({{ Statement = {} }})\n}}\n",
                    TWO.replace("Sid = \"Read\"", "Sid = \"\"")
                ),
            ),
            (
                "unknown sids",
                format!(
                    "variable \"sid\" {{}}\nresource \"aws_iam_policy\" \"p\" {{\n  policy = jsonencode({{ Statement = {} }})\n}}\n",
                    TWO.replace("Sid = \"Read\"", "Sid = var.sid")
                ),
            ),
            (
                "S3 bucket policies may repeat a Sid",
                format!(
                    "resource \"aws_s3_bucket_policy\" \"b\" {{\n  bucket = \"b\"\n  policy = jsonencode({{ Statement = {} }})\n}}\n",
                    TWO.replace("Effect =", "Principal = \"*\", Effect =")
                ),
            ),
            (
                "one sid in two policies",
                r#"resource "aws_iam_policy" "a" {
  policy = jsonencode({ Statement = [{ Sid = "Read", Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}
resource "aws_iam_policy" "b" {
  policy = jsonencode({ Statement = [{ Sid = "Read", Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}
"#
                .to_string(),
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn json_files_point_at_the_repeated_sid() {
        let json = r#"{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*" },
    { "Sid": "Logs", "Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": "*" }
  ]
}
"#;
        let f = lint_files_with(
            RULE,
            &[
                (
                    "main.tf",
                    "resource \"aws_iam_policy\" \"p\" {\n  policy = file(\"${path.module}/p.json\")\n}\n",
                ),
                ("p.json", json),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!((f[0].location.path.as_str(), f[0].location.line), ("p.json", 5));
        assert_eq!(f[0].attribute.as_deref(), Some("policy.Statement[1].Sid"));
        let f = lint_tree(RULE, &[("policies/logs.json", json)]);
        assert_eq!(f.len(), 1, "standalone: {f:#?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"data "aws_iam_policy_document" "worker" {
  statement {
    sid       = "ReadQueue"
    actions   = ["sqs:ReceiveMessage"]
    resources = ["arn:aws:sqs:eu-west-1:111122223333:jobs"]
  }
  statement {
    sid       = "ReadQueue"
    actions   = ["sqs:ReceiveMessage"]
    resources = ["arn:aws:sqs:eu-west-1:111122223333:retries"]
  }
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
