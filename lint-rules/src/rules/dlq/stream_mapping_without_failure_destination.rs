use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::references::{
    instance_targets_through_callers, targets_through_callers, Target,
};
use tfstack_lint_engine::query::settings::is_configured;
use tfstack_model::Block;

declare_rule! {
    /// ## What it does
    /// Flags an `aws_lambda_event_source_mapping` that reads a Kinesis stream or a
    /// DynamoDB stream without `destination_config { on_failure { destination_arn } }`.
    ///
    /// ## Why is this bad?
    /// A stream is read in order, shard by shard. A batch the function keeps failing on is
    /// retried until its records expire (24 hours by default, up to a year), and the shard
    /// makes no progress meanwhile; with `maximum_retry_attempts` or
    /// `maximum_record_age_in_seconds` set, the records are skipped instead — and lost.
    /// An on-failure destination receives the details of every discarded batch.
    ///
    /// The stream is recognised by reference (`aws_kinesis_stream.x.arn`,
    /// `aws_dynamodb_table.x.stream_arn`, also as data sources and through locals) or by
    /// a literal ARN (`arn:aws:kinesis:…:stream/x`, `arn:aws:dynamodb:…:table/x/stream/…`).
    /// It deliberately does not flag SQS, Kafka, MSK or MQ sources (SQS failures go to the
    /// queue's own dead-letter queue, see DLQ001), sources it cannot evaluate, an
    /// `on_failure` destination it cannot evaluate (that counts as set), or mappings with
    /// `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lambda_event_source_mapping" "clicks" {
    ///   event_source_arn  = aws_kinesis_stream.clicks.arn
    ///   function_name     = aws_lambda_function.clicks.arn
    ///   starting_position = "LATEST"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_lambda_event_source_mapping" "clicks" {
    ///   event_source_arn       = aws_kinesis_stream.clicks.arn
    ///   function_name          = aws_lambda_function.clicks.arn
    ///   starting_position      = "LATEST"
    ///   maximum_retry_attempts = 3
    ///
    ///   destination_config {
    ///     on_failure {
    ///       destination_arn = aws_sqs_queue.clicks_failures.arn
    ///     }
    ///   }
    /// }
    /// ```
    pub struct StreamMappingWithoutFailureDestination {
        id: "DLQ004",
        name: "stream-mapping-without-failure-destination",
        severity: Warning,
    }
}

/// The kind of stream a mapping reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    Kinesis,
    DynamoDb,
}

impl Stream {
    fn as_str(self) -> &'static str {
        match self {
            Stream::Kinesis => "Kinesis stream",
            Stream::DynamoDb => "DynamoDB stream",
        }
    }
}

impl Rule for StreamMappingWithoutFailureDestination {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for mapping in cx.resources("aws_lambda_event_source_mapping") {
            if !exists(cx, mapping) {
                continue;
            }
            let Some(stream) = stream_read_by(cx, mapping) else {
                continue;
            };
            if !is_configured(
                cx,
                &mapping.body,
                &["destination_config", "on_failure", "destination_arn"],
            ) {
                out.push(finding(mapping, stream));
            }
        }
    }
}

fn stream_read_by(cx: &Context, mapping: &Block) -> Option<Stream> {
    let source = mapping.body.get("event_source_arn")?;
    // A stream handed in by a caller (`event_source_arn = var.stream_arn`) counts too.
    if let Some(stream) = stream_of(&targets_through_callers(cx, source)) {
        return Some(stream);
    }
    // `each.value.event_source_arn` of a `for_each` over a caller's map: a stream when
    // every instance reads one of the same kind.
    if let Some(instances) = instance_targets_through_callers(cx, mapping, source) {
        let kinds: Vec<Option<Stream>> = instances.iter().map(|t| stream_of(t)).collect();
        if let Some(Some(first)) = kinds.first() {
            if kinds.iter().all(|k| k.is_some_and(|k| k == *first)) {
                return Some(*first);
            }
        }
    }
    let arn = cx.value(source);
    let arn = arn.as_str()?;
    // arn:partition:service:region:account:resource
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(service), Some(_), Some(_), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    match service {
        "kinesis" if resource.starts_with("stream/") => Some(Stream::Kinesis),
        "dynamodb" if resource.starts_with("table/") && resource.contains("/stream/") => {
            Some(Stream::DynamoDb)
        }
        _ => None,
    }
}

/// The kind of stream a reference designates, if any.
fn stream_of(targets: &[Target]) -> Option<Stream> {
    targets
        .iter()
        .find_map(|t| match (t.resource_type(), t.attribute.as_deref()) {
            ("aws_kinesis_stream", _) => Some(Stream::Kinesis),
            ("aws_dynamodb_table", Some("stream_arn")) => Some(Stream::DynamoDb),
            _ => None,
        })
}

fn finding(mapping: &Block, stream: Stream) -> Finding {
    Finding::new(
        &StreamMappingWithoutFailureDestination::META,
        format!(
            "event source mapping `{}` reads a {} without an on-failure destination: \
             failing batches block the shard, then are discarded",
            mapping.address(),
            stream.as_str()
        ),
    )
    .at(mapping.origin)
    .label("no on-failure destination")
    .help(
        "add `destination_config { on_failure { destination_arn = … } }` (an SQS queue, \
               SNS topic, S3 bucket or Kafka topic), and bound retries with \
               `maximum_retry_attempts`",
    )
    .resource(mapping.address())
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, snapshot};

    #[test]
    fn fires_on_kinesis_and_dynamodb_streams() {
        let f = lint_files_with(
            "DLQ004",
            &[
                (
                    "main.tf",
                    r#"
resource "aws_kinesis_stream" "clicks" {
  name        = "clicks"
  shard_count = 1
}

resource "aws_lambda_event_source_mapping" "clicks" {
  event_source_arn       = aws_kinesis_stream.clicks.arn
  function_name          = "clicks"
  starting_position      = "LATEST"
  maximum_retry_attempts = 2
}

resource "aws_dynamodb_table" "orders" {
  name             = "orders"
  hash_key         = "id"
  billing_mode     = "PAY_PER_REQUEST"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn  = aws_dynamodb_table.orders.stream_arn
  function_name     = "orders-projector"
  starting_position = "TRIM_HORIZON"

  destination_config {
    on_failure {
      destination_arn = null
    }
  }
}

variable "audit_stream_arn" {
  type = string
}

resource "aws_lambda_event_source_mapping" "audit" {
  event_source_arn  = var.audit_stream_arn
  function_name     = "audit"
  starting_position = "LATEST"
}

data "aws_kinesis_stream" "shared" {
  name = "shared"
}

resource "aws_lambda_event_source_mapping" "shared" {
  event_source_arn  = data.aws_kinesis_stream.shared.arn
  function_name     = "shared"
  starting_position = "LATEST"
}
"#,
                ),
                (
                    "terraform.tfvars",
                    "audit_stream_arn = \"arn:aws:dynamodb:eu-west-1:123456789012:table/audit/stream/2024-01-01T00:00:00.000\"\n",
                ),
            ],
            None,
        );
        assert_eq!(
            addresses(&f),
            [
                "aws_lambda_event_source_mapping.clicks",
                "aws_lambda_event_source_mapping.orders",
                "aws_lambda_event_source_mapping.audit",
                "aws_lambda_event_source_mapping.shared",
            ]
        );
    }

    #[test]
    fn quiet_on_sqs_sources_destinations_and_unknowns() {
        let f = lint_hcl(
            "DLQ004",
            r#"
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = "jobs"
  batch_size       = 10
}

resource "aws_lambda_event_source_mapping" "literal_sqs" {
  event_source_arn = "arn:aws:sqs:eu-west-1:123456789012:jobs"
  function_name    = "jobs"
}

resource "aws_dynamodb_table" "orders" {
  name         = "orders"
  hash_key     = "id"
  billing_mode = "PAY_PER_REQUEST"

  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_sqs_queue" "orders_failures" {
  name = "orders-failures"
}

resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn  = aws_dynamodb_table.orders.stream_arn
  function_name     = "orders-projector"
  starting_position = "TRIM_HORIZON"

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.orders_failures.arn
    }
  }
}

variable "stream_arn" {
  type = string
}

resource "aws_lambda_event_source_mapping" "unknown_source" {
  event_source_arn  = var.stream_arn
  function_name     = "unknown"
  starting_position = "LATEST"
}

resource "aws_lambda_event_source_mapping" "kafka" {
  event_source_arn  = "arn:aws:kafka:eu-west-1:123456789012:cluster/events/abc"
  function_name     = "events"
  topics            = ["events"]
  starting_position = "LATEST"
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        insta::assert_snapshot!(snapshot(
            "DLQ004",
            r#"
resource "aws_kinesis_stream" "clicks" {
  name        = "clicks"
  shard_count = 1
}

resource "aws_lambda_event_source_mapping" "clicks" {
  event_source_arn  = aws_kinesis_stream.clicks.arn
  function_name     = "clicks"
  starting_position = "LATEST"
}
"#
        ));
    }
}
