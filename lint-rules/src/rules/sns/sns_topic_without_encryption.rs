use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::{setting, Setting};
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_sns_topic` without server-side encryption: no `kms_master_key_id`,
    /// or an empty one.
    ///
    /// ## Why is this bad?
    /// Unlike SQS queues, which AWS encrypts by default since 2022, an SNS topic stores
    /// its messages unencrypted at rest until a KMS key is set ("You can use server-side
    /// encryption (SSE) to store sensitive data in encrypted topics", Amazon SNS developer
    /// guide, encryption at rest). Topics carry order events, notifications and the
    /// payloads fanned out to every subscriber; the key also controls who may publish
    /// through it.
    ///
    /// When CloudWatch alarms, EventBridge or another AWS service publishes to the topic,
    /// use a customer managed key whose policy lets that service use it: the AWS managed
    /// key `alias/aws/sns` cannot grant other services, and their messages would be
    /// dropped.
    ///
    /// ## What it deliberately does not flag
    /// - A key it cannot know before apply (a variable, a key created by the module).
    /// - Topics with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sns_topic" "orders" {
    ///   name = "orders"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_sns_topic" "orders" {
    ///   name              = "orders"
    ///   kms_master_key_id = aws_kms_key.messaging.arn
    /// }
    /// ```
    pub struct SnsTopicWithoutEncryption {
        id: "SNS001",
        name: "sns-topic-without-encryption",
        severity: Warning,
    }
}

impl Rule for SnsTopicWithoutEncryption {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for topic in cx.resources("aws_sns_topic") {
            if !exists(cx, topic) {
                continue;
            }
            match setting(cx, topic, &["kms_master_key_id"]) {
                Setting::Unset => out.push(finding(topic, None)),
                Setting::Known { value, origin } if value.as_str() == Some("") => {
                    out.push(finding(topic, Some(origin)))
                }
                _ => {}
            }
        }
    }
}

fn finding(topic: &Block, empty_key: Option<Origin>) -> Finding {
    Finding::new(
        &SnsTopicWithoutEncryption::META,
        format!(
            "topic `{}` has no server-side encryption: its messages are stored unencrypted",
            topic.address()
        ),
    )
    .at(empty_key.unwrap_or(topic.origin))
    .label(match empty_key {
        Some(_) => "empty key",
        None => "no `kms_master_key_id`",
    })
    .help(
        "set `kms_master_key_id` to a KMS key (a customer managed key when AWS services \
         publish to the topic)",
    )
    .resource(topic.address())
    .attribute(empty_key.map(|_| "kms_master_key_id"))
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_hcl, render_all};

    const RULE: &str = "SNS001";

    #[test]
    fn fires_without_a_key() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_sns_topic" "orders" {
  name = "orders"
}
resource "aws_sns_topic" "empty" {
  name              = "empty"
  kms_master_key_id = ""
}
resource "aws_sns_topic" "fifo" {
  name       = "events.fifo"
  fifo_topic = true
}
"#,
        );
        assert_eq!(
            addresses(&f),
            ["aws_sns_topic.orders", "aws_sns_topic.empty", "aws_sns_topic.fifo"]
        );
        assert_eq!(f[1].attribute.as_deref(), Some("kms_master_key_id"));
    }

    #[test]
    fn quiet_with_a_key_or_unknown() {
        let f = lint_hcl(
            RULE,
            r#"variable "key" {}
resource "aws_kms_key" "k" {
  description = "k"
}
resource "aws_sns_topic" "managed" {
  name              = "managed"
  kms_master_key_id = "alias/aws/sns"
}
resource "aws_sns_topic" "cmk" {
  name              = "cmk"
  kms_master_key_id = aws_kms_key.k.arn
}
resource "aws_sns_topic" "variable" {
  name              = "variable"
  kms_master_key_id = var.key
}
resource "aws_sns_topic" "none" {
  count = 0
  name  = "none"
}
"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_sns_topic" "orders" {
  name = "orders"
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
