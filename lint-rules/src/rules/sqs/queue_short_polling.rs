use crate::{declare_rule, Finding, Rule};
use std::collections::BTreeSet;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::failures::{failure_destinations, queues_in};
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::{setting, Setting};
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Notes an `aws_sqs_queue` that uses short polling: `receive_wait_time_seconds` unset
    /// or `0` (the default), for a queue its consumers poll themselves.
    ///
    /// ## Why is this bad?
    /// With short polling a `ReceiveMessage` returns at once, from a subset of the queue's
    /// servers, often with no message: a consumer polling in a loop pays for a stream of
    /// empty receives and can miss messages that sit on other servers until a later call.
    /// Long polling (a wait of 1–20 seconds, 20 usually) waits for messages and queries all
    /// servers, so fewer, fuller receives cost less ("Amazon SQS short and long polling",
    /// Amazon SQS developer guide; the lab checklist's "long polling reduce costos"). A
    /// consumer can still ask for long polling per call (`WaitTimeSeconds`); setting it on
    /// the queue makes it the default for every consumer. A note: the `strict` profile runs
    /// it.
    ///
    /// ## What it deliberately does not flag
    /// - Queues a Lambda event source mapping or an EventBridge pipe reads: their pollers
    ///   use long polling whatever the queue says.
    /// - Dead-letter queues (nothing polls them in a loop).
    /// - A wait it cannot know before apply, and queues with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs" {
    ///   name = "jobs"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs" {
    ///   name                      = "jobs"
    ///   receive_wait_time_seconds = 20
    /// }
    /// ```
    pub struct QueueShortPolling {
        id: "SQS005",
        name: "queue-short-polling",
        severity: Note,
    }
}

impl Rule for QueueShortPolling {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let queues = cx.resources("aws_sqs_queue");
        if queues.is_empty() {
            return;
        }
        let dead_letters = failure_destinations(cx);
        let polled_for_them = polled_by_aws(cx);
        for queue in queues {
            let address = queue.address();
            if !exists(cx, queue)
                || dead_letters.contains(&address)
                || polled_for_them.contains(&address)
            {
                continue;
            }
            match setting(cx, queue, &["receive_wait_time_seconds"]) {
                Setting::Unset => out.push(finding(queue, None)),
                Setting::Known { value, origin } if value.as_f64() == Some(0.0) => {
                    out.push(finding(queue, Some(origin)))
                }
                _ => {}
            }
        }
    }
}

/// The queues a Lambda event source mapping or an EventBridge pipe reads.
fn polled_by_aws(cx: &Context) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (resource_type, attribute) in [
        ("aws_lambda_event_source_mapping", "event_source_arn"),
        ("aws_pipes_pipe", "source"),
    ] {
        for reader in cx.resources(resource_type) {
            if let Some(source) = reader.body.get(attribute) {
                out.extend(queues_in(cx, reader, source, ':').iter().map(|q| q.address()));
            }
        }
    }
    out
}

fn finding(queue: &Block, zero: Option<Origin>) -> Finding {
    Finding::new(
        &QueueShortPolling::META,
        format!(
            "queue `{}` uses short polling: consumers pay for empty receives",
            queue.address()
        ),
    )
    .at(zero.unwrap_or(queue.origin))
    .label(match zero {
        Some(_) => "no wait",
        None => "no `receive_wait_time_seconds`",
    })
    .help("set `receive_wait_time_seconds = 20` (long polling)")
    .resource(queue.address())
    .attribute(zero.map(|_| "receive_wait_time_seconds"))
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_hcl, render_all};

    const RULE: &str = "SQS005";

    #[test]
    fn fires_on_short_polling() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_sqs_queue" "unset" {
  name = "unset"
}
resource "aws_sqs_queue" "zero" {
  name                      = "zero"
  receive_wait_time_seconds = 0
}
"#,
        );
        assert_eq!(addresses(&f), ["aws_sqs_queue.unset", "aws_sqs_queue.zero"]);
        assert_eq!(f[1].attribute.as_deref(), Some("receive_wait_time_seconds"));
    }

    #[test]
    fn quiet_on_long_polling_aws_pollers_dead_letters_and_unknowns() {
        let f = lint_hcl(
            RULE,
            r#"variable "wait" {}
resource "aws_sqs_queue" "long" {
  name                      = "long"
  receive_wait_time_seconds = 20
}
resource "aws_sqs_queue" "unknown" {
  name                      = "unknown"
  receive_wait_time_seconds = var.wait
}
resource "aws_sqs_queue" "lambda_reads" {
  name                      = "lambda-reads"
  receive_wait_time_seconds = 20
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 5 })
}
resource "aws_sqs_queue" "dlq" {
  name = "dlq"
}
resource "aws_sqs_queue" "mapped" {
  name = "mapped"
}
resource "aws_lambda_event_source_mapping" "m" {
  event_source_arn = aws_sqs_queue.mapped.arn
  function_name    = "worker"
}
resource "aws_sqs_queue" "piped" {
  name = "piped"
}
resource "aws_pipes_pipe" "p" {
  name     = "p"
  role_arn = "r"
  source   = "arn:aws:sqs:eu-west-1:111122223333:piped"
  target   = "arn:aws:states:eu-west-1:111122223333:stateMachine:s"
}
resource "aws_sqs_queue" "none" {
  count = 0
  name  = "none"
}
"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        insta::assert_snapshot!(render_all(&lint_hcl(
            RULE,
            "resource \"aws_sqs_queue\" \"jobs\" {\n  name = \"jobs\"\n}\n"
        )));
    }
}
