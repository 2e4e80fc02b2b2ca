use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::is_configured;
use tfstack_model::Block;

declare_rule! {
    /// ## What it does
    /// Flags an `aws_sns_topic_subscription` with protocol `lambda` or `sqs` without a
    /// `redrive_policy`.
    ///
    /// ## Why is this bad?
    /// When SNS cannot deliver a message to the subscriber — the function or queue was
    /// deleted, its policy denies SNS, its KMS key is not usable — it retries for a while
    /// and then discards the message. A subscription dead-letter queue keeps those
    /// messages for inspection and redelivery.
    ///
    /// It deliberately does not flag other protocols (HTTP/S endpoints have their own
    /// delivery policy; email and SMS are best effort), subscriptions whose protocol it
    /// cannot evaluate, a `redrive_policy` it cannot evaluate (that counts as set), or
    /// subscriptions with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sns_topic_subscription" "orders" {
    ///   topic_arn = aws_sns_topic.orders.arn
    ///   protocol  = "sqs"
    ///   endpoint  = aws_sqs_queue.orders.arn
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_sns_topic_subscription" "orders" {
    ///   topic_arn = aws_sns_topic.orders.arn
    ///   protocol  = "sqs"
    ///   endpoint  = aws_sqs_queue.orders.arn
    ///   redrive_policy = jsonencode({
    ///     deadLetterTargetArn = aws_sqs_queue.orders_subscription_dlq.arn
    ///   })
    /// }
    /// ```
    pub struct SnsSubscriptionWithoutDlq {
        id: "DLQ005",
        name: "sns-subscription-without-dlq",
        severity: Warning,
    }
}

impl Rule for SnsSubscriptionWithoutDlq {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for subscription in cx.resources("aws_sns_topic_subscription") {
            if !exists(cx, subscription) {
                continue;
            }
            let protocol = cx.attr(subscription, "protocol");
            let Some(protocol) = protocol.as_ref().and_then(|v| v.as_str()) else {
                continue;
            };
            let protocol = protocol.to_ascii_lowercase();
            if (protocol == "lambda" || protocol == "sqs")
                && !is_configured(cx, &subscription.body, &["redrive_policy"])
            {
                out.push(finding(subscription, &protocol));
            }
        }
    }
}

fn finding(subscription: &Block, protocol: &str) -> Finding {
    Finding::new(
        &SnsSubscriptionWithoutDlq::META,
        format!(
            "subscription `{}` (protocol `{protocol}`) has no dead-letter queue: messages SNS \
             cannot deliver are discarded",
            subscription.address()
        ),
    )
    .at(subscription.origin)
    .label("no `redrive_policy`")
    .help(
        "add `redrive_policy = jsonencode({ deadLetterTargetArn = \
               aws_sqs_queue.<dlq>.arn })` and let SNS send to that queue",
    )
    .resource(subscription.address())
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, snapshot};

    #[test]
    fn fires_on_lambda_and_sqs_subscriptions() {
        let f = lint_files_with(
            "DLQ005",
            &[
                (
                    "main.tf",
                    r#"
variable "worker_protocol" {
  type    = string
  default = "https"
}

resource "aws_sns_topic" "orders" {
  name = "orders"
}

resource "aws_sqs_queue" "orders" {
  name = "orders"
}

resource "aws_sns_topic_subscription" "queue" {
  topic_arn            = aws_sns_topic.orders.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.orders.arn
  raw_message_delivery = true
}

resource "aws_sns_topic_subscription" "worker" {
  topic_arn = aws_sns_topic.orders.arn
  protocol  = var.worker_protocol
  endpoint  = "arn:aws:lambda:eu-west-1:123456789012:function:worker"
}
"#,
                ),
                ("terraform.tfvars", "worker_protocol = \"lambda\"\n"),
            ],
            None,
        );
        assert_eq!(
            addresses(&f),
            [
                "aws_sns_topic_subscription.queue",
                "aws_sns_topic_subscription.worker"
            ]
        );
    }

    #[test]
    fn quiet_with_redrive_policy_other_protocols_or_unknown() {
        let f = lint_hcl(
            "DLQ005",
            r#"
resource "aws_sqs_queue" "orders_subscription_dlq" {
  name = "orders-subscription-dlq"
}

resource "aws_sns_topic_subscription" "queue" {
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:orders"
  protocol  = "sqs"
  endpoint  = "arn:aws:sqs:eu-west-1:123456789012:orders"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_subscription_dlq.arn
  })
}

resource "aws_sns_topic_subscription" "webhook" {
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:orders"
  protocol  = "https"
  endpoint  = "https://hooks.example.com/orders"
}

resource "aws_sns_topic_subscription" "ops" {
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:alarms"
  protocol  = "email"
  endpoint  = "ops@example.com"
}

variable "protocol" {
  type = string
}

resource "aws_sns_topic_subscription" "configurable" {
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:orders"
  protocol  = var.protocol
  endpoint  = "arn:aws:sqs:eu-west-1:123456789012:orders"
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        insta::assert_snapshot!(snapshot(
            "DLQ005",
            r#"
resource "aws_sns_topic_subscription" "orders" {
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:orders"
  protocol  = "sqs"
  endpoint  = "arn:aws:sqs:eu-west-1:123456789012:orders"
}
"#
        ));
    }
}
