use super::shared::{redrives_between, DeadLetterTarget, QueueType, TypedRedrive};
use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;

declare_rule! {
    /// ## What it does
    /// Flags a FIFO queue (`fifo_queue = true`, or a name ending in `.fifo`) whose redrive
    /// policy — inline `redrive_policy`, or an `aws_sqs_queue_redrive_policy` for it — names
    /// a standard queue as `deadLetterTargetArn`: a queue of the module with `fifo_queue`
    /// unset or false and a name not ending in `.fifo`, or a literal ARN whose queue name
    /// does not end in `.fifo`.
    ///
    /// ## Why is this bad?
    /// AWS requires the dead-letter queue of a FIFO queue to be a FIFO queue too: the apply
    /// fails (`InvalidParameterValue: Value {…} for parameter RedrivePolicy is invalid.
    /// Reason: Dead-letter target must be a FIFO queue`), usually after the source queue has
    /// been created, leaving a half-applied stack.
    ///
    /// ## What it deliberately does not flag
    /// - Dead-letter queues it cannot judge: `fifo_queue` it cannot evaluate, a redrive policy
    ///   or target it cannot know before apply (a variable without value, another module's
    ///   output).
    /// - The reverse mistake (a standard queue with a FIFO dead-letter queue), which AWS
    ///   rejects too: SQS004 (`standard-queue-with-fifo-dlq`) flags it.
    /// - Queues with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sqs_queue" "orders_dlq" {
    ///   name = "orders-dlq"
    /// }
    ///
    /// resource "aws_sqs_queue" "orders" {
    ///   name       = "orders.fifo"
    ///   fifo_queue = true
    ///   redrive_policy = jsonencode({
    ///     deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn
    ///     maxReceiveCount     = 5
    ///   })
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_sqs_queue" "orders_dlq" {
    ///   name       = "orders-dlq.fifo"
    ///   fifo_queue = true
    /// }
    /// ```
    pub struct FifoQueueWithStandardDlq {
        id: "SQS001",
        name: "fifo-queue-with-standard-dlq",
        severity: Error,
    }
}

impl Rule for FifoQueueWithStandardDlq {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for redrive in redrives_between(cx, QueueType::Fifo, QueueType::Standard) {
            out.push(finding(&redrive));
        }
    }
}

fn finding(redrive: &TypedRedrive) -> Finding {
    let TypedRedrive {
        source,
        owner,
        target,
        origin,
    } = redrive;
    let target = match target {
        DeadLetterTarget::Queue(q) => format!("`{}`", q.address()),
        DeadLetterTarget::Arn(arn) => format!("`{arn}`"),
    };
    Finding::new(
        &FifoQueueWithStandardDlq::META,
        format!(
            "FIFO queue `{}` has the standard queue {target} as its dead-letter queue, which AWS \
             rejects",
            source.address()
        ),
    )
    .at(origin.or(owner.origin))
    .label("standard dead-letter queue")
    .help(
        "make the dead-letter queue FIFO too: `fifo_queue = true` and a name ending in \
               `.fifo`",
    )
    .resource(owner.address())
    .attribute("redrive_policy")
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "SQS001";

    fn addresses(text: &str) -> Vec<String> {
        lint_hcl(RULE, text)
            .into_iter()
            .filter_map(|f| f.resource)
            .collect()
    }

    #[test]
    fn fires_on_standard_dead_letter_queues() {
        let found = addresses(
            r#"
resource "aws_sqs_queue" "orders_dlq" {
  name = "orders-dlq"
}
resource "aws_sqs_queue" "orders" {
  name       = "orders.fifo"
  fifo_queue = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn
    maxReceiveCount     = 5
  })
}

# FIFO by its name alone; the dead-letter queue says `fifo_queue = false`.
resource "aws_sqs_queue" "payments_dlq" {
  name       = "payments-dlq"
  fifo_queue = false
}
resource "aws_sqs_queue" "payments" {
  name = "payments.fifo"
}
resource "aws_sqs_queue_redrive_policy" "payments" {
  queue_url = aws_sqs_queue.payments.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.payments_dlq.arn
    maxReceiveCount     = 3
  })
}

# A literal ARN of a queue outside the module.
resource "aws_sqs_queue" "invoices" {
  name                        = "invoices.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
  redrive_policy              = "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:111122223333:shared-dlq\",\"maxReceiveCount\":3}"
}
"#,
        );
        assert_eq!(
            found,
            [
                "aws_sqs_queue.orders",
                "aws_sqs_queue_redrive_policy.payments",
                "aws_sqs_queue.invoices"
            ]
        );
    }

    #[test]
    fn quiet_on_precision_cases() {
        let found = addresses(
            r#"
variable "dlq_is_fifo" {
  type = bool
}
variable "dlq_arn" {
  type = string
}

resource "aws_sqs_queue" "orders_dlq" {
  name       = "orders-dlq.fifo"
  fifo_queue = true
}
resource "aws_sqs_queue" "orders" {
  name       = "orders.fifo"
  fifo_queue = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn
    maxReceiveCount     = 5
  })
}

# A standard queue with a standard dead-letter queue.
resource "aws_sqs_queue" "emails_dlq" {
  name = "emails-dlq"
}
resource "aws_sqs_queue" "emails" {
  name = "emails"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.emails_dlq.arn
    maxReceiveCount     = 5
  })
}

# Unknown FIFO-ness of the target, unknown target.
resource "aws_sqs_queue" "maybe_dlq" {
  name       = "maybe-dlq"
  fifo_queue = var.dlq_is_fifo
}
resource "aws_sqs_queue" "maybe" {
  name       = "maybe.fifo"
  fifo_queue = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.maybe_dlq.arn
    maxReceiveCount     = 5
  })
}
resource "aws_sqs_queue" "external" {
  name       = "external.fifo"
  fifo_queue = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = var.dlq_arn
    maxReceiveCount     = 5
  })
}

# FIFO with an unknown prefix, literal FIFO ARN.
resource "aws_sqs_queue" "prefixed_dlq" {
  name       = "${var.dlq_arn}-dlq.fifo"
  fifo_queue = var.dlq_is_fifo
}
resource "aws_sqs_queue" "prefixed" {
  name       = "prefixed.fifo"
  fifo_queue = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.prefixed_dlq.arn
    maxReceiveCount     = 5
  })
}
resource "aws_sqs_queue" "literal" {
  name           = "literal.fifo"
  fifo_queue     = true
  redrive_policy = "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:111122223333:shared-dlq.fifo\",\"maxReceiveCount\":3}"
}
"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn tfvars_decide() {
        let main = r#"
variable "dlq_is_fifo" {
  type    = bool
  default = true
}
resource "aws_sqs_queue" "jobs_dlq" {
  name       = "jobs-dlq"
  fifo_queue = var.dlq_is_fifo
}
resource "aws_sqs_queue" "jobs" {
  name       = "jobs.fifo"
  fifo_queue = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    maxReceiveCount     = 5
  })
}
"#;
        assert!(lint_files_with(RULE, &[("main.tf", main)], None).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                ("terraform.tfvars", "dlq_is_fifo = false\n"),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource.as_deref(), Some("aws_sqs_queue.jobs"));
    }

    #[test]
    fn many_fifo_queues_and_separate_redrive_policies() {
        // Each FIFO queue is looked up among the redrive-policy resources, by reference or
        // by a literal URL; its findings come inline first, then per resource in source
        // order.
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_sqs_queue" "standard_dlq" {
  name = "standard-dlq"
}
resource "aws_sqs_queue" "fifo_dlq" {
  name       = "fifo-dlq.fifo"
  fifo_queue = true
}
resource "aws_sqs_queue" "orders" {
  name       = "orders.fifo"
  fifo_queue = true
}
resource "aws_sqs_queue" "payments" {
  name       = "payments.fifo"
  fifo_queue = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.standard_dlq.arn
    maxReceiveCount     = 3
  })
}
resource "aws_sqs_queue" "invoices" {
  name       = "invoices.fifo"
  fifo_queue = true
}
resource "aws_sqs_queue" "emails" {
  name = "emails"
}

resource "aws_sqs_queue_redrive_policy" "orders" {
  queue_url      = aws_sqs_queue.orders.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.standard_dlq.arn, maxReceiveCount = 3 })
}
resource "aws_sqs_queue_redrive_policy" "payments" {
  queue_url      = "https://sqs.eu-west-1.amazonaws.com/111122223333/payments.fifo"
  redrive_policy = jsonencode({ deadLetterTargetArn = "arn:aws:sqs:eu-west-1:111122223333:shared-dlq", maxReceiveCount = 3 })
}
resource "aws_sqs_queue_redrive_policy" "orders_by_arn" {
  queue_url      = aws_sqs_queue.orders.url
  redrive_policy = jsonencode({ deadLetterTargetArn = "arn:aws:sqs:eu-west-1:111122223333:standard-dlq", maxReceiveCount = 3 })
}

# Quiet: a FIFO dead-letter queue, a policy switched off, a standard source queue.
resource "aws_sqs_queue_redrive_policy" "invoices" {
  queue_url      = aws_sqs_queue.invoices.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.fifo_dlq.arn, maxReceiveCount = 3 })
}
resource "aws_sqs_queue_redrive_policy" "invoices_off" {
  count          = 0
  queue_url      = aws_sqs_queue.invoices.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.standard_dlq.arn, maxReceiveCount = 3 })
}
resource "aws_sqs_queue_redrive_policy" "emails" {
  queue_url      = aws_sqs_queue.emails.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.standard_dlq.arn, maxReceiveCount = 3 })
}
"#,
        );
        let found: Vec<(Option<&str>, &str)> = f
            .iter()
            .map(|f| (f.resource.as_deref(), f.message.as_str()))
            .collect();
        let message = |source: &str, target: &str| {
            format!(
                "FIFO queue `{source}` has the standard queue `{target}` as its dead-letter \
                 queue, which AWS rejects"
            )
        };
        let orders = message("aws_sqs_queue.orders", "aws_sqs_queue.standard_dlq");
        let payments = message("aws_sqs_queue.payments", "aws_sqs_queue.standard_dlq");
        let payments_arn = message(
            "aws_sqs_queue.payments",
            "arn:aws:sqs:eu-west-1:111122223333:shared-dlq",
        );
        assert_eq!(
            found,
            [
                (Some("aws_sqs_queue_redrive_policy.orders"), orders.as_str()),
                (
                    Some("aws_sqs_queue_redrive_policy.orders_by_arn"),
                    orders.as_str()
                ),
                (Some("aws_sqs_queue.payments"), payments.as_str()),
                (
                    Some("aws_sqs_queue_redrive_policy.payments"),
                    payments_arn.as_str()
                ),
            ]
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_sqs_queue" "orders_dlq" {
  name = "orders-dlq"
}

resource "aws_sqs_queue" "orders" {
  name       = "orders.fifo"
  fifo_queue = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn
    maxReceiveCount     = 5
  })
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
