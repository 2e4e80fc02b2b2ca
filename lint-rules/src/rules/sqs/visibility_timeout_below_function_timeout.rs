use crate::{declare_rule, Finding, Rule};
use std::collections::HashSet;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::failures::queues_at;
use tfstack_lint_engine::query::functions::functions_at;
use tfstack_lint_engine::query::instances::exists;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an SQS queue consumed by a Lambda function — an
    /// `aws_lambda_event_source_mapping` whose `event_source_arn` designates the queue and
    /// whose `function_name` designates the function — when the queue's
    /// `visibility_timeout_seconds` (30 when unset) is under 6 × the function's `timeout`
    /// (3 when unset).
    ///
    /// The queue and the function are found by reference (also through locals, and through
    /// an `aws_lambda_alias` for the function), or by a literal ARN or name of a queue or
    /// function of the module.
    ///
    /// ## Why is this bad?
    /// While Lambda processes a batch the messages are invisible for the visibility timeout;
    /// when it runs out they are delivered again, to a second concurrent invocation. AWS
    /// recommends at least 6 × the function's timeout, so that a batch retried after
    /// throttling is still invisible: below that, slow or throttled batches are processed
    /// twice and can reach the dead-letter queue without ever failing.
    ///
    /// Under 1 × the function's timeout AWS rejects the mapping outright
    /// (`InvalidParameterValueException: Queue visibility timeout: 30 seconds is less than
    /// Function timeout: 60 seconds`); the message says so.
    ///
    /// ## What it deliberately does not flag
    /// - Timeouts it cannot know before apply (a variable without value, a module output):
    ///   no finding rather than a guess. Unset values are not unknown: they are AWS's
    ///   defaults.
    /// - Queues and functions outside the module, event sources that are not SQS queues
    ///   (Kinesis, DynamoDB streams, Kafka), and resources with `count = 0`.
    /// - The batching window: AWS's guidance adds `maximum_batching_window_in_seconds` to the
    ///   6 ×; the rule keeps to the 6 × it can state without the mapping's settings.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs" {
    ///   name = "jobs" # visibility timeout 30 s
    /// }
    ///
    /// resource "aws_lambda_function" "worker" {
    ///   function_name = "worker"
    ///   timeout       = 30
    ///   # …
    /// }
    ///
    /// resource "aws_lambda_event_source_mapping" "jobs" {
    ///   event_source_arn = aws_sqs_queue.jobs.arn
    ///   function_name    = aws_lambda_function.worker.arn
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs" {
    ///   name                       = "jobs"
    ///   visibility_timeout_seconds = 180 # 6 × the function's 30 s
    /// }
    /// ```
    pub struct VisibilityTimeoutBelowFunctionTimeout {
        id: "SQS002",
        name: "visibility-timeout-below-function-timeout",
        severity: Warning,
    }
}

/// SQS's default visibility timeout, in seconds.
const DEFAULT_VISIBILITY_TIMEOUT: f64 = 30.0;
/// Lambda's default function timeout, in seconds.
const DEFAULT_FUNCTION_TIMEOUT: f64 = 3.0;
/// AWS's recommended ratio of visibility timeout to function timeout.
const RECOMMENDED_RATIO: f64 = 6.0;

/// A setting and whether it is AWS's default.
struct Seconds {
    value: f64,
    default: bool,
}

impl Rule for VisibilityTimeoutBelowFunctionTimeout {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // (queue, function) pairs already judged: a set, so O(1) per pair.
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for mapping in cx.resources("aws_lambda_event_source_mapping") {
            if !exists(cx, mapping) {
                continue;
            }
            let (Some(source), Some(function_name)) = (
                mapping.body.get("event_source_arn"),
                mapping.body.get("function_name"),
            ) else {
                continue;
            };
            for queue in queues_at(cx, source, ':') {
                for function in functions_at(cx, function_name) {
                    let pair = (queue.address(), function.address());
                    if !exists(cx, queue) || !exists(cx, function) || !seen.insert(pair) {
                        continue;
                    }
                    let (Some(visibility), Some(timeout)) = (
                        seconds(
                            cx,
                            queue,
                            "visibility_timeout_seconds",
                            DEFAULT_VISIBILITY_TIMEOUT,
                        ),
                        seconds(cx, function, "timeout", DEFAULT_FUNCTION_TIMEOUT),
                    ) else {
                        continue;
                    };
                    if visibility.value < RECOMMENDED_RATIO * timeout.value {
                        out.push(finding(cx, queue, function, mapping, &visibility, &timeout));
                    }
                }
            }
        }
    }
}

/// A number of seconds: its known value, AWS's default when unset, `None` when unknown.
fn seconds(cx: &Context, block: &Block, attribute: &str, default: f64) -> Option<Seconds> {
    match cx.attr(block, attribute) {
        None => Some(Seconds {
            value: default,
            default: true,
        }),
        Some(v) if v.is_null() => Some(Seconds {
            value: default,
            default: true,
        }),
        Some(v) => v.as_f64().map(|value| Seconds {
            value,
            default: false,
        }),
    }
}

fn finding(
    cx: &Context,
    queue: &Block,
    function: &Block,
    mapping: &Block,
    visibility: &Seconds,
    timeout: &Seconds,
) -> Finding {
    let shown = |s: &Seconds| {
        if s.default {
            format!("{} s (the default)", s.value)
        } else {
            format!("{} s", s.value)
        }
    };
    let recommended = RECOMMENDED_RATIO * timeout.value;
    let message = if visibility.value < timeout.value {
        format!(
            "queue `{}` has a visibility timeout of {}, less than the {} timeout of `{}`: AWS \
             rejects the event source mapping `{}`",
            queue.address(),
            shown(visibility),
            shown(timeout),
            function.address(),
            mapping.address()
        )
    } else {
        format!(
            "queue `{}` has a visibility timeout of {}, under {recommended} s (6 × the {} \
             timeout of `{}` that consumes it): batches still running or retried are delivered \
             again",
            queue.address(),
            shown(visibility),
            shown(timeout),
            function.address()
        )
    };
    let set = queue.body.attribute("visibility_timeout_seconds");
    let origin: Origin = match set {
        Some(a) => cx.value(&a.value).origin.or(a.origin),
        None => queue.origin,
    };
    Finding::new(&VisibilityTimeoutBelowFunctionTimeout::META, message)
        .at(origin)
        .label(format!("visibility timeout {} s", visibility.value))
        .help(format!(
            "set `visibility_timeout_seconds` to at least {recommended} (6 × the function's \
             timeout), or shorten the function's `timeout`"
        ))
        .resource(queue.address())
        .attribute(set.map(|_| "visibility_timeout_seconds".to_string()))
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "SQS002";

    /// A queue, a function and the mapping between them.
    fn wiring(queue_extra: &str, function_extra: &str, mapping: &str) -> String {
        format!(
            r#"
resource "aws_sqs_queue" "jobs" {{
  name = "jobs"
{queue_extra}}}

resource "aws_lambda_function" "worker" {{
  function_name = "worker"
  role          = "arn:aws:iam::111122223333:role/worker"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "worker.zip"
{function_extra}}}

resource "aws_lambda_event_source_mapping" "jobs" {{
{mapping}}}
"#
        )
    }

    const BY_REFERENCE: &str = "  event_source_arn = aws_sqs_queue.jobs.arn\n  function_name    = aws_lambda_function.worker.arn\n";

    #[test]
    fn fires_under_six_times() {
        let cases: &[(&str, String, &str)] = &[
            (
                "defaults: 30 s against 3 s is 10 ×, but 30 s against 10 s is not",
                wiring("", "  timeout = 10\n", BY_REFERENCE),
                "(6 × the 10 s timeout",
            ),
            (
                "below 1 ×: the mapping fails",
                wiring(
                    "  visibility_timeout_seconds = 30\n",
                    "  timeout = 60\n",
                    BY_REFERENCE,
                ),
                "AWS rejects the event source mapping",
            ),
            (
                "literal ARN and function name",
                wiring(
                    "  visibility_timeout_seconds = 60\n",
                    "  timeout = 30\n",
                    "  event_source_arn = \"arn:aws:sqs:eu-west-1:111122223333:jobs\"\n  function_name    = \"worker\"\n",
                ),
                "(6 × the 30 s timeout",
            ),
            (
                "through an alias",
                format!(
                    "{}\nresource \"aws_lambda_alias\" \"live\" {{\n  name             = \"live\"\n  function_name    = aws_lambda_function.worker.function_name\n  function_version = \"1\"\n}}\n",
                    wiring(
                        "  visibility_timeout_seconds = 120\n",
                        "  timeout = 60\n",
                        "  event_source_arn = aws_sqs_queue.jobs.arn\n  function_name    = aws_lambda_alias.live.arn\n",
                    )
                ),
                "(6 × the 60 s timeout",
            ),
        ];
        for (name, text, expected) in cases {
            let f = lint_hcl(RULE, text);
            assert_eq!(f.len(), 1, "{name}: {f:#?}");
            assert!(f[0].message.contains(expected), "{name}: {}", f[0].message);
            assert_eq!(
                f[0].resource.as_deref(),
                Some("aws_sqs_queue.jobs"),
                "{name}"
            );
        }
    }

    #[test]
    fn quiet_on_precision_cases() {
        let cases: &[(&str, String)] = &[
            ("both defaults (10 ×)", wiring("", "", BY_REFERENCE)),
            (
                "exactly 6 ×",
                wiring(
                    "  visibility_timeout_seconds = 180\n",
                    "  timeout = 30\n",
                    BY_REFERENCE,
                ),
            ),
            (
                "unknown visibility timeout",
                format!(
                    "variable \"visibility\" {{\n  type = number\n}}\n{}",
                    wiring(
                        "  visibility_timeout_seconds = var.visibility\n",
                        "  timeout = 30\n",
                        BY_REFERENCE,
                    )
                ),
            ),
            (
                "unknown function timeout",
                format!(
                    "variable \"timeout\" {{\n  type = number\n}}\n{}",
                    wiring("", "  timeout = var.timeout\n", BY_REFERENCE)
                ),
            ),
            (
                "a Kinesis source",
                wiring(
                    "",
                    "  timeout = 60\n",
                    "  event_source_arn  = \"arn:aws:kinesis:eu-west-1:111122223333:stream/jobs\"\n  function_name     = aws_lambda_function.worker.arn\n  starting_position = \"LATEST\"\n",
                ),
            ),
            (
                "a function of another module",
                wiring(
                    "",
                    "  timeout = 60\n",
                    "  event_source_arn = aws_sqs_queue.jobs.arn\n  function_name    = module.worker.function_arn\n",
                ),
            ),
            (
                "a mapping that is switched off",
                wiring(
                    "",
                    "  timeout = 60\n",
                    "  count            = 0\n  event_source_arn = aws_sqs_queue.jobs.arn\n  function_name    = aws_lambda_function.worker.arn\n",
                ),
            ),
        ];
        for (name, text) in cases {
            let f = lint_hcl(RULE, text);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn tfvars_decide() {
        let main = format!(
            "variable \"worker_timeout\" {{\n  type    = number\n  default = 20\n}}\n{}",
            wiring(
                "  visibility_timeout_seconds = 120\n",
                "  timeout = var.worker_timeout\n",
                BY_REFERENCE,
            )
        );
        assert!(lint_files_with(RULE, &[("main.tf", &main)], None).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", &main),
                ("terraform.tfvars", "worker_timeout = 30\n"),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.path, "main.tf");
        assert_eq!(
            f[0].attribute.as_deref(),
            Some("visibility_timeout_seconds")
        );
    }

    #[test]
    fn many_mappings_by_literal_arns_and_names() {
        // Functions named by a literal ARN (with or without a qualifier) or `name:alias`
        // are looked up by their evaluated `function_name`; each (queue, function) pair
        // is judged once, however many mappings join them.
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_sqs_queue" "jobs" {
  name                       = "jobs"
  visibility_timeout_seconds = 60
}
resource "aws_sqs_queue" "emails" {
  name                       = "emails"
  visibility_timeout_seconds = 600
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::111122223333:role/worker"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "worker.zip"
  timeout       = 30
}
resource "aws_lambda_function" "mailer" {
  function_name = "mailer"
  role          = "arn:aws:iam::111122223333:role/mailer"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "mailer.zip"
  timeout       = 120
}
resource "aws_lambda_function" "slow" {
  function_name = "slow"
  role          = "arn:aws:iam::111122223333:role/slow"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "slow.zip"
  timeout       = 900
}
resource "aws_lambda_function" "fast" {
  function_name = "fast"
  role          = "arn:aws:iam::111122223333:role/fast"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "fast.zip"
  timeout       = 5
}

resource "aws_lambda_event_source_mapping" "jobs_worker" {
  event_source_arn = "arn:aws:sqs:eu-west-1:111122223333:jobs"
  function_name    = "arn:aws:lambda:eu-west-1:111122223333:function:worker:live"
}
resource "aws_lambda_event_source_mapping" "jobs_worker_again" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = "worker:live"
}
resource "aws_lambda_event_source_mapping" "emails_mailer" {
  event_source_arn = "arn:aws:sqs:eu-west-1:111122223333:emails"
  function_name    = "mailer"
}
resource "aws_lambda_event_source_mapping" "emails_slow" {
  event_source_arn = aws_sqs_queue.emails.arn
  function_name    = "arn:aws:lambda:eu-west-1:111122223333:function:slow"
}
resource "aws_lambda_event_source_mapping" "jobs_fast" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = "fast"
}
resource "aws_lambda_event_source_mapping" "jobs_elsewhere" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = "arn:aws:lambda:eu-west-1:111122223333:function:elsewhere"
}
"#,
        );
        let messages: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "queue `aws_sqs_queue.jobs` has a visibility timeout of 60 s, under 180 s (6 × \
                 the 30 s timeout of `aws_lambda_function.worker` that consumes it): batches \
                 still running or retried are delivered again",
                "queue `aws_sqs_queue.emails` has a visibility timeout of 600 s, under 720 s (6 \
                 × the 120 s timeout of `aws_lambda_function.mailer` that consumes it): \
                 batches still running or retried are delivered again",
                "queue `aws_sqs_queue.emails` has a visibility timeout of 600 s, less than the \
                 900 s timeout of `aws_lambda_function.slow`: AWS rejects the event source \
                 mapping `aws_lambda_event_source_mapping.emails_slow`",
            ]
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            &wiring(
                "  visibility_timeout_seconds = 60\n",
                "  timeout = 30\n",
                BY_REFERENCE,
            ),
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
