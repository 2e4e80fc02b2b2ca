use super::shared::{redrives_between, DeadLetterTarget, QueueType, TypedRedrive};
use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;

declare_rule! {
    /// ## What it does
    /// Flags a standard queue (`fifo_queue` unset or false and a name not ending in
    /// `.fifo`) whose redrive policy — inline `redrive_policy`, or an
    /// `aws_sqs_queue_redrive_policy` for it — names a FIFO queue as `deadLetterTargetArn`:
    /// a queue of the module with `fifo_queue = true` or a name ending in `.fifo`, or a
    /// literal ARN whose queue name ends in `.fifo`.
    ///
    /// ## Why is this bad?
    /// AWS requires the dead-letter queue of a standard queue to be a standard queue too.
    /// `terraform plan` accepts the mismatch; the apply fails when SQS rejects the redrive
    /// policy, usually after the source queue has been created, leaving a half-applied
    /// stack.
    ///
    /// ## What it deliberately does not flag
    /// - Queues it cannot judge: `fifo_queue` it cannot evaluate (on the source queue or on
    ///   the dead-letter queue), a redrive policy or target it cannot know before apply (a
    ///   variable without value, another module's output).
    /// - The reverse mistake (a FIFO queue with a standard dead-letter queue): SQS001
    ///   (`fifo-queue-with-standard-dlq`) flags it.
    /// - Queues with `count = 0`, and `aws_sqs_queue_redrive_policy` resources with
    ///   `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sqs_queue" "emails_dlq" {
    ///   name       = "emails-dlq.fifo"
    ///   fifo_queue = true
    /// }
    ///
    /// resource "aws_sqs_queue" "emails" {
    ///   name = "emails"
    ///   redrive_policy = jsonencode({
    ///     deadLetterTargetArn = aws_sqs_queue.emails_dlq.arn
    ///     maxReceiveCount     = 5
    ///   })
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_sqs_queue" "emails_dlq" {
    ///   name = "emails-dlq"
    /// }
    /// ```
    pub struct StandardQueueWithFifoDlq {
        id: "SQS004",
        name: "standard-queue-with-fifo-dlq",
        severity: Error,
    }
}

impl Rule for StandardQueueWithFifoDlq {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for redrive in redrives_between(cx, QueueType::Standard, QueueType::Fifo) {
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
        &StandardQueueWithFifoDlq::META,
        format!(
            "standard queue `{}` has the FIFO queue {target} as its dead-letter queue, which \
             AWS rejects",
            source.address()
        ),
    )
    .at(origin.or(owner.origin))
    .label("FIFO dead-letter queue")
    .help(
        "use a standard dead-letter queue: `fifo_queue` unset or false and a name not \
               ending in `.fifo`",
    )
    .resource(owner.address())
    .attribute("redrive_policy")
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "SQS004";

    fn addresses(text: &str) -> Vec<String> {
        lint_hcl(RULE, text)
            .into_iter()
            .filter_map(|f| f.resource)
            .collect()
    }

    #[test]
    fn fires_on_fifo_dead_letter_queues() {
        let found = addresses(
            r#"
# Inline redrive policy naming a FIFO queue of the module.
resource "aws_sqs_queue" "emails_dlq" {
  name       = "emails-dlq.fifo"
  fifo_queue = true
}
resource "aws_sqs_queue" "emails" {
  name = "emails"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.emails_dlq.arn
    maxReceiveCount     = 5
  })
}

# A separate aws_sqs_queue_redrive_policy; the dead-letter queue is FIFO by its name
# alone, the source says `fifo_queue = false`.
resource "aws_sqs_queue" "reports_dlq" {
  name = "reports-dlq.fifo"
}
resource "aws_sqs_queue" "reports" {
  name       = "reports"
  fifo_queue = false
}
resource "aws_sqs_queue_redrive_policy" "reports" {
  queue_url = aws_sqs_queue.reports.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.reports_dlq.arn
    maxReceiveCount     = 3
  })
}

# A literal ARN of a FIFO queue outside the module.
resource "aws_sqs_queue" "audit" {
  name           = "audit"
  redrive_policy = "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:111122223333:shared-dlq.fifo\",\"maxReceiveCount\":3}"
}
"#,
        );
        assert_eq!(
            found,
            [
                "aws_sqs_queue.emails",
                "aws_sqs_queue_redrive_policy.reports",
                "aws_sqs_queue.audit"
            ]
        );
    }

    #[test]
    fn message_names_the_queue_or_the_arn() {
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_sqs_queue" "fifo_dlq" {
  name       = "fifo-dlq.fifo"
  fifo_queue = true
}
resource "aws_sqs_queue" "emails" {
  name = "emails"
}
resource "aws_sqs_queue_redrive_policy" "emails" {
  queue_url      = aws_sqs_queue.emails.url
  redrive_policy = jsonencode({ deadLetterTargetArn = "arn:aws:sqs:eu-west-1:111122223333:fifo-dlq.fifo", maxReceiveCount = 3 })
}
resource "aws_sqs_queue" "audit" {
  name           = "audit"
  redrive_policy = jsonencode({ deadLetterTargetArn = "arn:aws:sqs:eu-west-1:111122223333:shared-dlq.fifo", maxReceiveCount = 3 })
}
"#,
        );
        let messages: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                // A literal ARN naming a queue of the module reports the queue.
                "standard queue `aws_sqs_queue.emails` has the FIFO queue \
                 `aws_sqs_queue.fifo_dlq` as its dead-letter queue, which AWS rejects",
                "standard queue `aws_sqs_queue.audit` has the FIFO queue \
                 `arn:aws:sqs:eu-west-1:111122223333:shared-dlq.fifo` as its dead-letter \
                 queue, which AWS rejects",
            ]
        );
    }

    #[test]
    fn quiet_on_precision_cases() {
        let found = addresses(
            r#"
variable "is_fifo" {
  type = bool
}
variable "dlq_arn" {
  type = string
}

# Standard to standard.
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

# FIFO to FIFO.
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

# Unknown type of the source queue: `fifo_queue` from a variable without value.
resource "aws_sqs_queue" "maybe" {
  name       = "maybe"
  fifo_queue = var.is_fifo
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn
    maxReceiveCount     = 5
  })
}

# Unknown type of the dead-letter queue.
resource "aws_sqs_queue" "maybe_dlq" {
  name       = "maybe-dlq"
  fifo_queue = var.is_fifo
}
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.maybe_dlq.arn
    maxReceiveCount     = 5
  })
}

# A source queue that is not created.
resource "aws_sqs_queue" "disabled" {
  count = 0
  name  = "disabled"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn
    maxReceiveCount     = 5
  })
}

# A redrive-policy resource that is not created.
resource "aws_sqs_queue" "exports" {
  name = "exports"
}
resource "aws_sqs_queue_redrive_policy" "exports" {
  count          = 0
  queue_url      = aws_sqs_queue.exports.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn, maxReceiveCount = 3 })
}

# The dead-letter queue's ARN from a variable; a literal standard ARN.
resource "aws_sqs_queue" "external" {
  name = "external"
  redrive_policy = jsonencode({
    deadLetterTargetArn = var.dlq_arn
    maxReceiveCount     = 5
  })
}
resource "aws_sqs_queue" "literal" {
  name           = "literal"
  redrive_policy = "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:111122223333:shared-dlq\",\"maxReceiveCount\":3}"
}
"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn tfvars_decide() {
        let main = r#"
variable "is_fifo" {
  type    = bool
  default = false
}
resource "aws_sqs_queue" "jobs_dlq" {
  name       = "jobs-dlq"
  fifo_queue = var.is_fifo
}
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    maxReceiveCount     = 5
  })
}
"#;
        assert!(lint_files_with(RULE, &[("main.tf", main)], None).is_empty());
        let f = lint_files_with(
            RULE,
            &[("main.tf", main), ("terraform.tfvars", "is_fifo = true\n")],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource.as_deref(), Some("aws_sqs_queue.jobs"));
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_sqs_queue" "emails_dlq" {
  name       = "emails-dlq.fifo"
  fifo_queue = true
}

resource "aws_sqs_queue" "emails" {
  name = "emails"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.emails_dlq.arn
    maxReceiveCount     = 5
  })
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
