use crate::{declare_rule, Finding, Rule};
use std::collections::{HashMap, HashSet};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::functions::functions_at;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::references::walk_attributes;
use tfstack_lint_engine::query::settings::is_configured;
use tfstack_model::Block;

declare_rule! {
    /// ## What it does
    /// Flags an `aws_lambda_function` that is invoked asynchronously — the endpoint of an
    /// SNS subscription with protocol `lambda`, a `lambda_function` of an
    /// `aws_s3_bucket_notification`, the `arn` of an EventBridge target or of a
    /// schedule's `target`, or the function of an `aws_lambda_function_event_invoke_config`
    /// — and has neither a `dead_letter_config` nor an on-failure destination
    /// (`aws_lambda_function_event_invoke_config` with
    /// `destination_config { on_failure { … } }`).
    ///
    /// ## Why is this bad?
    /// An asynchronous event that still fails after Lambda's retries (two by default) is
    /// discarded. Nothing records it, and the caller (SNS, S3, EventBridge) already got its
    /// acknowledgement, so the event is lost silently.
    ///
    /// It deliberately does not flag functions invoked synchronously (API Gateway, ALB,
    /// direct `Invoke`) or through an event source mapping (SQS, Kinesis, DynamoDB: the
    /// queue or DLQ004 covers those), functions it cannot tie to a trigger (a trigger
    /// whose target it cannot evaluate, or a function in another module), SNS
    /// subscriptions whose protocol it cannot evaluate, or a `dead_letter_config` or
    /// destination whose value it cannot evaluate (that counts as set). Triggers are
    /// followed through locals, aliases (`aws_lambda_alias`) and literal ARNs.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sns_topic_subscription" "resize" {
    ///   topic_arn = aws_sns_topic.uploads.arn
    ///   protocol  = "lambda"
    ///   endpoint  = aws_lambda_function.resize.arn
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_lambda_function_event_invoke_config" "resize" {
    ///   function_name = aws_lambda_function.resize.function_name
    ///
    ///   destination_config {
    ///     on_failure {
    ///       destination = aws_sqs_queue.resize_failures.arn
    ///     }
    ///   }
    /// }
    /// ```
    pub struct LambdaAsyncWithoutDlq {
        id: "DLQ002",
        name: "lambda-async-without-dlq",
        severity: Warning,
    }
}

/// Where a resource invokes a function asynchronously: resource type, attribute path.
const ASYNC_TRIGGERS: &[(&str, &str)] = &[
    ("aws_sns_topic_subscription", "endpoint"),
    (
        "aws_s3_bucket_notification",
        "lambda_function.lambda_function_arn",
    ),
    ("aws_cloudwatch_event_target", "arn"),
    ("aws_scheduler_schedule", "target.arn"),
    ("aws_lambda_function_event_invoke_config", "function_name"),
];

impl Rule for LambdaAsyncWithoutDlq {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        if cx.resources("aws_lambda_function").is_empty() {
            return;
        }
        // Function address → the first resource that invokes it asynchronously: a map, so
        // O(1) per (trigger, function) to record and per function to look up.
        let mut triggers: HashMap<String, String> = HashMap::new();
        for (resource_type, path) in ASYNC_TRIGGERS {
            for trigger in cx.resources(resource_type) {
                if !exists(cx, trigger) || !is_async_invocation(cx, trigger) {
                    continue;
                }
                walk_attributes(&trigger.body, &mut |p, expr| {
                    if p != *path {
                        return;
                    }
                    for function in functions_at(cx, expr) {
                        triggers
                            .entry(function.address())
                            .or_insert_with(|| trigger.address());
                    }
                });
            }
        }
        if triggers.is_empty() {
            return;
        }
        let failure_destinations = functions_with_failure_destination(cx);
        for function in cx.resources("aws_lambda_function") {
            let address = function.address();
            let Some(trigger) = triggers.get(&address) else {
                continue;
            };
            if !exists(cx, function)
                || is_configured(cx, &function.body, &["dead_letter_config", "target_arn"])
                || failure_destinations.contains(&address)
            {
                continue;
            }
            out.push(finding(function, trigger));
        }
    }
}

/// SNS delivers to a function only with protocol `lambda` (unknown: not assumed).
fn is_async_invocation(cx: &Context, trigger: &Block) -> bool {
    if !trigger.is_resource("aws_sns_topic_subscription") {
        return true;
    }
    cx.attr(trigger, "protocol")
        .as_ref()
        .and_then(|v| v.as_str())
        .is_some_and(|p| p.eq_ignore_ascii_case("lambda"))
}

/// Functions with an `aws_lambda_function_event_invoke_config` that sends failures
/// somewhere, as a set of addresses: the caller asks once per function, O(1) each.
fn functions_with_failure_destination(cx: &Context) -> HashSet<String> {
    let mut out = HashSet::new();
    for config in cx.resources("aws_lambda_function_event_invoke_config") {
        if !exists(cx, config)
            || !is_configured(
                cx,
                &config.body,
                &["destination_config", "on_failure", "destination"],
            )
        {
            continue;
        }
        if let Some(name) = config.body.get("function_name") {
            out.extend(functions_at(cx, name).iter().map(|f| f.address()));
        }
    }
    out
}

fn finding(function: &Block, trigger: &str) -> Finding {
    Finding::new(
        &LambdaAsyncWithoutDlq::META,
        format!(
            "function `{}` is invoked asynchronously by `{trigger}` but failed events are \
             discarded: it has no dead-letter queue or on-failure destination",
            function.address()
        ),
    )
    .at(function.origin)
    .label("no `dead_letter_config` or on-failure destination")
    .help(
        "add `dead_letter_config { target_arn = … }`, or an \
               `aws_lambda_function_event_invoke_config` with \
               `destination_config { on_failure { destination = … } }`",
    )
    .resource(function.address())
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

    const FUNCTIONS: &str = r#"
resource "aws_lambda_function" "resize" {
  function_name = "resize"
  role          = "arn:aws:iam::123456789012:role/resize"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "resize.zip"
}

resource "aws_lambda_function" "report" {
  function_name = "report"
  role          = "arn:aws:iam::123456789012:role/report"
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "report.zip"
}
"#;

    #[test]
    fn quiet_when_the_invoker_has_no_instance() {
        // Invoked asynchronously by a resource whose `for_each` a filtered `for` empties:
        // nothing invokes it.
        let f = lint_hcl(
            "DLQ002",
            &format!(
                r#"{FUNCTIONS}
resource "aws_lambda_function_event_invoke_config" "c" {{
  for_each      = {{ for k, v in {{ a = 1 }} : k => v if false }}
  function_name = aws_lambda_function.resize.function_name
}}
"#
            ),
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn fires_on_sns_s3_eventbridge_and_scheduler_targets() {
        let f = lint_hcl(
            "DLQ002",
            &format!(
                r#"{FUNCTIONS}
resource "aws_sns_topic_subscription" "resize" {{
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:uploads"
  protocol  = "lambda"
  endpoint  = aws_lambda_function.resize.arn
}}

resource "aws_lambda_function" "thumbnail" {{
  function_name = "thumbnail"
  role          = "arn:aws:iam::123456789012:role/thumbnail"
  handler       = "main"
  runtime       = "provided.al2023"
  filename      = "thumbnail.zip"
}}

resource "aws_s3_bucket_notification" "uploads" {{
  bucket = "uploads"

  lambda_function {{
    lambda_function_arn = aws_lambda_function.thumbnail.arn
    events              = ["s3:ObjectCreated:*"]
  }}
}}

resource "aws_cloudwatch_event_target" "nightly" {{
  rule = "nightly-report"
  arn  = aws_lambda_function.report.arn
}}

resource "aws_lambda_function" "cleanup" {{
  function_name = "cleanup"
  role          = "arn:aws:iam::123456789012:role/cleanup"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "cleanup.zip"
}}

resource "aws_scheduler_schedule" "cleanup" {{
  name                = "cleanup"
  schedule_expression = "rate(1 day)"

  flexible_time_window {{
    mode = "OFF"
  }}

  target {{
    arn      = "arn:aws:lambda:eu-west-1:123456789012:function:cleanup"
    role_arn = "arn:aws:iam::123456789012:role/scheduler"
  }}
}}
"#
            ),
        );
        assert_eq!(
            addresses(&f),
            [
                "aws_lambda_function.resize",
                "aws_lambda_function.report",
                "aws_lambda_function.thumbnail",
                "aws_lambda_function.cleanup",
            ]
        );
    }

    #[test]
    fn fires_when_invoke_config_only_tunes_retries() {
        let f = lint_hcl(
            "DLQ002",
            &format!(
                r#"{FUNCTIONS}
resource "aws_lambda_alias" "live" {{
  name             = "live"
  function_name    = aws_lambda_function.report.function_name
  function_version = "1"
}}

resource "aws_lambda_function_event_invoke_config" "report" {{
  function_name                = aws_lambda_alias.live.function_name
  qualifier                    = aws_lambda_alias.live.name
  maximum_retry_attempts       = 1
  maximum_event_age_in_seconds = 3600
}}
"#
            ),
        );
        assert_eq!(addresses(&f), ["aws_lambda_function.report"]);
    }

    #[test]
    fn quiet_with_dlq_destination_or_no_async_trigger() {
        let f = lint_files_with(
            "DLQ002",
            &[
                (
                    "main.tf",
                    &format!(
                        r#"{FUNCTIONS}
variable "subscription_protocol" {{
  type    = string
  default = "lambda"
}}

resource "aws_sqs_queue" "failures" {{
  name = "failures"
}}

resource "aws_lambda_function" "api" {{
  function_name = "api"
  role          = "arn:aws:iam::123456789012:role/api"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "api.zip"

  dead_letter_config {{
    target_arn = aws_sqs_queue.failures.arn
  }}
}}

resource "aws_sns_topic_subscription" "api" {{
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:uploads"
  protocol  = "lambda"
  endpoint  = aws_lambda_function.api.arn
}}

resource "aws_cloudwatch_event_target" "nightly" {{
  rule = "nightly-report"
  arn  = aws_lambda_function.report.arn
}}

resource "aws_lambda_function_event_invoke_config" "report" {{
  function_name = aws_lambda_function.report.function_name

  destination_config {{
    on_failure {{
      destination = aws_sqs_queue.failures.arn
    }}
  }}
}}

resource "aws_sns_topic_subscription" "resize_to_queue" {{
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:uploads"
  protocol  = var.subscription_protocol
  endpoint  = aws_lambda_function.resize.arn
}}

resource "aws_apigatewayv2_integration" "resize" {{
  api_id           = "abc123"
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.resize.invoke_arn
}}

resource "aws_lambda_event_source_mapping" "resize" {{
  event_source_arn = aws_sqs_queue.failures.arn
  function_name    = aws_lambda_function.resize.arn
}}
"#
                    ),
                ),
                // The subscription is an SQS one after all: not an async Lambda trigger.
                ("terraform.tfvars", "subscription_protocol = \"sqs\"\n"),
            ],
            None,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn many_triggers_by_literal_names_and_arns() {
        // Functions named by literal names and ARNs are looked up by their evaluated
        // `function_name`; the first trigger (in trigger-type order, then source order)
        // is the one named; an invoke config naming a function literally can send its
        // failures somewhere.
        let f = lint_hcl(
            "DLQ002",
            &format!(
                r#"{FUNCTIONS}
resource "aws_lambda_function" "cleanup" {{
  function_name = "cleanup"
  role          = "arn:aws:iam::123456789012:role/cleanup"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "cleanup.zip"
}}

resource "aws_lambda_function" "archive" {{
  function_name = "archive"
  role          = "arn:aws:iam::123456789012:role/archive"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "archive.zip"
}}

resource "aws_lambda_alias" "archive_live" {{
  name             = "live"
  function_name    = aws_lambda_function.archive.function_name
  function_version = "1"
}}

resource "aws_lambda_alias" "archive_canary" {{
  name             = "canary"
  function_name    = "archive"
  function_version = "2"
}}

resource "aws_sqs_queue" "failures" {{
  name = "failures"
}}

resource "aws_cloudwatch_event_target" "resize" {{
  rule = "resize"
  arn  = aws_lambda_function.resize.arn
}}

resource "aws_sns_topic_subscription" "resize" {{
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:uploads"
  protocol  = "lambda"
  endpoint  = "arn:aws:lambda:eu-west-1:123456789012:function:resize:live"
}}

resource "aws_scheduler_schedule" "report" {{
  name                = "report"
  schedule_expression = "rate(1 day)"

  flexible_time_window {{
    mode = "OFF"
  }}

  target {{
    arn      = "arn:aws:lambda:eu-west-1:123456789012:function:report"
    role_arn = "arn:aws:iam::123456789012:role/scheduler"
  }}
}}

resource "aws_lambda_function_event_invoke_config" "report" {{
  function_name = "report"

  destination_config {{
    on_failure {{
      destination = aws_sqs_queue.failures.arn
    }}
  }}
}}

resource "aws_lambda_function_event_invoke_config" "cleanup" {{
  function_name          = "cleanup"
  maximum_retry_attempts = 1
}}

resource "aws_s3_bucket_notification" "uploads" {{
  bucket = "uploads"

  lambda_function {{
    lambda_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:cleanup"
    events              = ["s3:ObjectCreated:*"]
  }}
}}

resource "aws_cloudwatch_event_target" "archive" {{
  rule = "archive"
  arn  = coalesce(aws_lambda_alias.archive_live.arn, aws_lambda_alias.archive_canary.arn, aws_lambda_function.archive.arn)
}}

resource "aws_cloudwatch_event_target" "elsewhere" {{
  rule = "elsewhere"
  arn  = "arn:aws:lambda:eu-west-1:123456789012:function:elsewhere"
}}
"#
            ),
        );
        let found: Vec<(Option<&str>, &str)> = f
            .iter()
            .map(|f| (f.resource.as_deref(), f.message.as_str()))
            .collect();
        let message = |function: &str, trigger: &str| {
            format!(
                "function `{function}` is invoked asynchronously by `{trigger}` but failed \
                 events are discarded: it has no dead-letter queue or on-failure destination"
            )
        };
        let resize = message(
            "aws_lambda_function.resize",
            "aws_sns_topic_subscription.resize",
        );
        let cleanup = message(
            "aws_lambda_function.cleanup",
            "aws_s3_bucket_notification.uploads",
        );
        let archive = message(
            "aws_lambda_function.archive",
            "aws_cloudwatch_event_target.archive",
        );
        assert_eq!(
            found,
            [
                (Some("aws_lambda_function.resize"), resize.as_str()),
                (Some("aws_lambda_function.cleanup"), cleanup.as_str()),
                (Some("aws_lambda_function.archive"), archive.as_str()),
            ]
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        let findings = lint_hcl(
            "DLQ002",
            &format!(
                r#"{FUNCTIONS}
resource "aws_sns_topic_subscription" "resize" {{
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:uploads"
  protocol  = "lambda"
  endpoint  = aws_lambda_function.resize.arn
}}
"#
            ),
        );
        insta::assert_snapshot!(render_all(&findings));
    }
}
