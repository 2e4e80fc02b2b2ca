use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::failures::queues_at;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::{setting, Setting};
use tfstack_model::{Block, Origin, ValueKind};

declare_rule! {
    /// ## What it does
    /// Notes an `aws_lambda_event_source_mapping` that reads an SQS queue without
    /// `function_response_types = ["ReportBatchItemFailures"]`.
    ///
    /// ## Why is this bad?
    /// Without it, one message the function cannot process fails the whole batch: every
    /// message of the batch becomes visible again and is processed again — the ones that
    /// succeeded too, so their side effects happen twice — until the bad message reaches
    /// the dead-letter queue. With `ReportBatchItemFailures` the function returns the IDs
    /// of the failed messages (`batchItemFailures`) and only those are retried ("Handling
    /// errors for an SQS event source in Lambda", AWS Lambda developer guide). The handler
    /// has to return that response, so this is a note (the `strict` profile runs it).
    ///
    /// ## What it deliberately does not flag
    /// - `batch_size = 1`: a batch of one fails alone anyway.
    /// - Kinesis and DynamoDB stream mappings (their failures are DLQ004's question), and a
    ///   source or setting it cannot know before apply; mappings with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lambda_event_source_mapping" "jobs" {
    ///   event_source_arn = aws_sqs_queue.jobs.arn
    ///   function_name    = aws_lambda_function.worker.arn
    ///   batch_size       = 10
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_lambda_event_source_mapping" "jobs" {
    ///   event_source_arn        = aws_sqs_queue.jobs.arn
    ///   function_name           = aws_lambda_function.worker.arn
    ///   batch_size              = 10
    ///   function_response_types = ["ReportBatchItemFailures"]
    /// }
    /// ```
    pub struct MappingWithoutBatchItemFailures {
        id: "SQS006",
        name: "mapping-without-batch-item-failures",
        severity: Note,
    }
}

impl Rule for MappingWithoutBatchItemFailures {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for mapping in cx.resources("aws_lambda_event_source_mapping") {
            let Some(source) = mapping.body.get("event_source_arn") else {
                continue;
            };
            if !exists(cx, mapping) || !reads_sqs(cx, source) {
                continue;
            }
            if cx.attr(mapping, "batch_size").and_then(|b| b.as_f64()) == Some(1.0) {
                continue;
            }
            match setting(cx, mapping, &["function_response_types"]) {
                Setting::Unset => out.push(finding(mapping, None)),
                Setting::Known { value, origin } => {
                    let ValueKind::List(types) = &value.kind else {
                        continue;
                    };
                    let reports = types.iter().any(|t| {
                        t.is_unknown() || t.as_str() == Some("ReportBatchItemFailures")
                    });
                    if !reports {
                        out.push(finding(mapping, Some(origin)));
                    }
                }
                Setting::Unknown => {}
            }
        }
    }
}

/// Whether an `event_source_arn` designates an SQS queue: one of the module's, by
/// reference or name, or a literal SQS ARN.
fn reads_sqs(cx: &Context, source: &tfstack_model::Expr) -> bool {
    !queues_at(cx, source, ':').is_empty()
        || cx
            .value(source)
            .as_str()
            .is_some_and(|arn| arn.split(':').nth(2) == Some("sqs") && arn.starts_with("arn:"))
}

fn finding(mapping: &Block, written: Option<Origin>) -> Finding {
    Finding::new(
        &MappingWithoutBatchItemFailures::META,
        format!(
            "event source mapping `{}` retries the whole SQS batch when one message fails",
            mapping.address()
        ),
    )
    .at(written.unwrap_or(mapping.origin))
    .label("no `ReportBatchItemFailures`")
    .help(
        "set `function_response_types = [\"ReportBatchItemFailures\"]` and return \
         `batchItemFailures` from the handler",
    )
    .resource(mapping.address())
    .attribute(written.map(|_| "function_response_types"))
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_hcl, render_all};

    const RULE: &str = "SQS006";

    fn mapping(name: &str, source: &str, extra: &str) -> String {
        format!(
            "resource \"aws_lambda_event_source_mapping\" \"{name}\" {{\n  event_source_arn = {source}\n  function_name    = \"worker\"\n{extra}}}\n"
        )
    }

    const QUEUE: &str = "resource \"aws_sqs_queue\" \"jobs\" {\n  name = \"jobs\"\n}\n";

    #[test]
    fn fires_without_partial_batch_responses() {
        let text = [
            QUEUE.to_string(),
            mapping("unset", "aws_sqs_queue.jobs.arn", ""),
            mapping("empty", "aws_sqs_queue.jobs.arn", "  function_response_types = []\n"),
            mapping(
                "literal",
                "\"arn:aws:sqs:eu-west-1:111122223333:other\"",
                "  batch_size = 10\n",
            ),
        ]
        .concat();
        let f = lint_hcl(RULE, &text);
        assert_eq!(
            addresses(&f),
            [
                "aws_lambda_event_source_mapping.unset",
                "aws_lambda_event_source_mapping.empty",
                "aws_lambda_event_source_mapping.literal"
            ]
        );
    }

    #[test]
    fn quiet_with_partial_responses_single_messages_streams_or_unknowns() {
        let text = [
            "variable \"types\" {}\nvariable \"source\" {}\n".to_string(),
            QUEUE.to_string(),
            mapping(
                "reports",
                "aws_sqs_queue.jobs.arn",
                "  function_response_types = [\"ReportBatchItemFailures\"]\n",
            ),
            mapping("one", "aws_sqs_queue.jobs.arn", "  batch_size = 1\n"),
            mapping("unknown", "aws_sqs_queue.jobs.arn", "  function_response_types = var.types\n"),
            mapping("stream", "\"arn:aws:kinesis:eu-west-1:111122223333:stream/clicks\"", ""),
            mapping("unknown_source", "var.source", ""),
        ]
        .concat();
        let f = lint_hcl(RULE, &text);
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn quiet_on_a_stream_mapping_whose_entries_also_name_a_queue() {
        // The entry names the stream it reads and the queue failures go to: the mapping
        // reads a Kinesis stream, whatever else the entry holds.
        let f = lint_hcl(
            "SQS006",
            r#"
resource "aws_kinesis_stream" "clicks" {
  name        = "clicks"
  shard_count = 1
}
resource "aws_sqs_queue" "clicks_failed" {
  name = "clicks-failed"
}
locals {
  mappings = {
    clicks = {
      event_source_arn           = aws_kinesis_stream.clicks.arn
      destination_arn_on_failure = aws_sqs_queue.clicks_failed.arn
    }
  }
}
resource "aws_lambda_event_source_mapping" "this" {
  for_each          = local.mappings
  function_name     = "arn:aws:lambda:eu-west-1:123456789012:function:router"
  event_source_arn  = each.value["event_source_arn"]
  starting_position = "LATEST"
  destination_config {
    on_failure {
      destination_arn = each.value["destination_arn_on_failure"]
    }
  }
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        let text = [QUEUE.to_string(), mapping("jobs", "aws_sqs_queue.jobs.arn", "")].concat();
        insta::assert_snapshot!(render_all(&lint_hcl(RULE, &text)));
    }
}
