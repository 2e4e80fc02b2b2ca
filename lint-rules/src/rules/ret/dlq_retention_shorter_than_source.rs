use crate::{declare_rule, Finding, Rule};
use indexmap::IndexMap;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::failures::redrives;
use tfstack_lint_engine::query::instances::exists;
use tfstack_model::{Block, Origin};

/// SQS keeps messages 4 days unless told otherwise.
const DEFAULT_RETENTION_SECONDS: f64 = 345_600.0;
/// The longest retention SQS allows (14 days).
const MAX_RETENTION_SECONDS: f64 = 1_209_600.0;

declare_rule! {
    /// ## What it does
    /// Flags a dead-letter queue whose `message_retention_seconds` (4 days when unset) is
    /// not longer than that of a queue that drains into it.
    ///
    /// ## Why is this bad?
    /// A message moved to the dead-letter queue keeps its original enqueue timestamp, and
    /// its retention counts from there. With the same retention as the source, a message
    /// that spent 3 days failing in the source has one day left in the dead-letter queue;
    /// with a shorter one it may expire the moment it arrives. The dead-letter queue then
    /// loses exactly the messages it exists to keep.
    ///
    /// Source and dead-letter queue are paired through inline `redrive_policy` attributes
    /// and `aws_sqs_queue_redrive_policy` resources (by reference, through locals, or by a
    /// literal ARN naming a queue of the module). It deliberately does not flag a pair
    /// where either retention cannot be evaluated, dead-letter queues of Lambda functions,
    /// EventBridge targets or SNS subscriptions (their messages are new, with a fresh
    /// timestamp), or queues with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs_dlq" {
    ///   name = "jobs-dlq"
    /// }
    ///
    /// resource "aws_sqs_queue" "jobs" {
    ///   name                      = "jobs"
    ///   message_retention_seconds = 604800
    ///   redrive_policy = jsonencode({
    ///     deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    ///     maxReceiveCount     = 5
    ///   })
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs_dlq" {
    ///   name                      = "jobs-dlq"
    ///   message_retention_seconds = 1209600
    /// }
    /// ```
    pub struct DlqRetentionShorterThanSource {
        id: "RET001",
        name: "dlq-retention-shorter-than-source",
        severity: Warning,
    }
}

/// A queue's retention and where it is written (the block when it is the default).
struct Retention {
    seconds: f64,
    origin: Option<Origin>,
}

fn retention(cx: &Context, queue: &Block) -> Option<Retention> {
    match queue.body.attribute("message_retention_seconds") {
        None => Some(Retention {
            seconds: DEFAULT_RETENTION_SECONDS,
            origin: None,
        }),
        Some(a) => {
            let v = cx.value(&a.value);
            if v.is_null() {
                return Some(Retention {
                    seconds: DEFAULT_RETENTION_SECONDS,
                    origin: None,
                });
            }
            Some(Retention {
                seconds: v.as_f64()?,
                origin: Some(a.origin),
            })
        }
    }
}

impl Rule for DlqRetentionShorterThanSource {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // Each dead-letter queue with its sources, in order of first appearance: one
        // pass over the pairs (O(pairs)), not a rescan of them per queue.
        let mut by_dead_letter: IndexMap<String, (&Block, Vec<&Block>)> = IndexMap::new();
        for pair in redrives(cx) {
            by_dead_letter
                .entry(pair.dead_letter.address())
                .or_insert_with(|| (pair.dead_letter, Vec::new()))
                .1
                .push(pair.source);
        }
        // One finding per dead-letter queue, against its longest-retained source.
        for (dead_letter_queue, sources) in by_dead_letter.into_values() {
            if !exists(cx, dead_letter_queue) {
                continue;
            }
            let Some(dead_letter) = retention(cx, dead_letter_queue) else {
                continue;
            };
            let longest_source = sources
                .into_iter()
                .filter(|source| exists(cx, source))
                .filter_map(|source| retention(cx, source).map(|r| (source, r)))
                .fold(None::<(&Block, Retention)>, |best, (q, r)| match best {
                    Some((_, ref b)) if b.seconds >= r.seconds => best,
                    _ => Some((q, r)),
                });
            let Some((source, source_retention)) = longest_source else {
                continue;
            };
            if dead_letter.seconds <= source_retention.seconds {
                out.push(finding(
                    dead_letter_queue,
                    &dead_letter,
                    source,
                    &source_retention,
                ));
            }
        }
    }
}

/// `345600` → "4 days", `90` → "90 seconds".
fn duration(seconds: f64) -> String {
    let whole = seconds as i64;
    if seconds.fract() == 0.0 && whole % 86_400 == 0 {
        match whole / 86_400 {
            1 => "1 day".to_string(),
            d => format!("{d} days"),
        }
    } else if seconds.fract() == 0.0 && whole % 3_600 == 0 {
        match whole / 3_600 {
            1 => "1 hour".to_string(),
            h => format!("{h} hours"),
        }
    } else {
        format!("{seconds} seconds")
    }
}

/// "4 days (default)", "1 day (`86400`)".
fn describe(r: &Retention) -> String {
    match r.origin {
        None => format!("{} (default)", duration(r.seconds)),
        Some(_) => format!("{} (`{}`)", duration(r.seconds), r.seconds),
    }
}

fn finding(
    dead_letter: &Block,
    dead_letter_retention: &Retention,
    source: &Block,
    source_retention: &Retention,
) -> Finding {
    let help = if source_retention.seconds >= MAX_RETENTION_SECONDS {
        "the source already keeps messages for the 14-day maximum: shorten the source's \
         `message_retention_seconds` so the dead-letter queue can keep them longer"
            .to_string()
    } else {
        "set the dead-letter queue's `message_retention_seconds` longer than the source's \
         (the maximum, `1209600`, 14 days, is usual)"
            .to_string()
    };
    Finding::new(
        &DlqRetentionShorterThanSource::META,
        if dead_letter_retention.seconds < source_retention.seconds {
            format!(
                "dead-letter queue `{}` keeps messages for {}, less than its source `{}`, which \
                 keeps them for {}: moved messages keep their original timestamp and expire early",
                dead_letter.address(),
                describe(dead_letter_retention),
                source.address(),
                describe(source_retention),
            )
        } else {
            format!(
                "dead-letter queue `{}` keeps messages for {}, no longer than its source `{}`: \
                 moved messages keep their original timestamp and expire early",
                dead_letter.address(),
                describe(dead_letter_retention),
                source.address(),
            )
        },
    )
    .at(dead_letter_retention.origin.unwrap_or(dead_letter.origin))
    .label("retention not longer than the source's")
    .help(help)
    .resource(dead_letter.address())
    .attribute(
        dead_letter_retention
            .origin
            .map(|_| "message_retention_seconds".to_string()),
    )
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

    #[test]
    fn fires_when_the_dlq_keeps_messages_no_longer() {
        let f = lint_files_with(
            "RET001",
            &[
                (
                    "main.tf",
                    r#"
variable "retention_seconds" {
  type    = number
  default = 345600
}

# Both at the default (4 days).
resource "aws_sqs_queue" "jobs_dlq" {
  name = "jobs-dlq"
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    maxReceiveCount     = 5
  })
}

# Shorter, through an aws_sqs_queue_redrive_policy; the source's retention from tfvars.
resource "aws_sqs_queue" "emails_dlq" {
  name                      = "emails-dlq"
  message_retention_seconds = 86400
}

resource "aws_sqs_queue" "emails" {
  name                      = "emails"
  message_retention_seconds = var.retention_seconds
}

resource "aws_sqs_queue_redrive_policy" "emails" {
  queue_url = aws_sqs_queue.emails.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.emails_dlq.arn
    maxReceiveCount     = 3
  })
}
"#,
                ),
                ("terraform.tfvars", "retention_seconds = 604800\n"),
            ],
            None,
        );
        assert_eq!(
            addresses(&f),
            ["aws_sqs_queue.jobs_dlq", "aws_sqs_queue.emails_dlq"]
        );
        assert_eq!(f[1].attribute.as_deref(), Some("message_retention_seconds"));
    }

    #[test]
    fn fires_once_per_dlq_against_the_longest_source() {
        let f = lint_hcl(
            "RET001",
            r#"
locals {
  redrive = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.shared_dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue" "shared_dlq" {
  name                      = "shared-dlq"
  message_retention_seconds = 604800
}

resource "aws_sqs_queue" "short" {
  name                      = "short"
  message_retention_seconds = 3600
  redrive_policy            = local.redrive
}

resource "aws_sqs_queue" "long" {
  name                      = "long"
  message_retention_seconds = 1209600
  redrive_policy            = local.redrive
}
"#,
        );
        assert_eq!(addresses(&f), ["aws_sqs_queue.shared_dlq"]);
        assert!(
            f[0].message.contains("aws_sqs_queue.long"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn quiet_when_longer_or_unknown() {
        let f = lint_hcl(
            "RET001",
            r#"
resource "aws_sqs_queue" "jobs_dlq" {
  name                      = "jobs-dlq"
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    maxReceiveCount     = 5
  })
}

variable "dlq_retention" {
  type = number
}

resource "aws_sqs_queue" "emails_dlq" {
  name                      = "emails-dlq"
  message_retention_seconds = var.dlq_retention
}

resource "aws_sqs_queue" "emails" {
  name           = "emails"
  redrive_policy = "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:123456789012:emails-dlq\",\"maxReceiveCount\":3}"
}

# A Lambda dead-letter queue: its messages are new, not moved.
resource "aws_sqs_queue" "fn_dlq" {
  name = "fn-dlq"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "worker.zip"

  dead_letter_config {
    target_arn = aws_sqs_queue.fn_dlq.arn
  }
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        let findings = lint_hcl(
            "RET001",
            r#"
resource "aws_sqs_queue" "jobs_dlq" {
  name                      = "jobs-dlq"
  message_retention_seconds = 86400
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue" "orders_dlq" {
  name = "orders-dlq"
}

resource "aws_sqs_queue" "orders" {
  name = "orders"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn
    maxReceiveCount     = 5
  })
}
"#,
        );
        insta::assert_snapshot!(render_all(&findings));
    }
}
