use crate::{declare_rule, Finding, Rule};
use std::collections::HashMap;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::failures::queue_named;
use tfstack_lint_engine::query::functions::{qualified_function_at, QualifiedFunction};
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::references::targets_of;
use tfstack_model::{Block, Expr};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_lambda_event_source_mapping` that maps the same SQS queue, Kinesis
    /// stream or DynamoDB stream to the same function (same alias or version) as an earlier
    /// mapping of the module. The finding is on the later mapping.
    ///
    /// ## Why is this bad?
    /// Lambda keeps one mapping per event source and function: the second
    /// `CreateEventSourceMapping` fails with `ResourceConflictException: The event source
    /// arn … and function … provided mapping already exists` (for SQS: "An event source
    /// mapping with SQS arn … and function … already exists"). `terraform validate` and
    /// `plan` accept both, so the failure shows only at apply, after the first mapping was
    /// created. Usually a copy-paste, or a construct subscribing the same queue twice.
    ///
    /// The source and the function are compared as designated: by reference (through
    /// locals), or by a literal ARN or name naming a queue, stream or function of the
    /// module. An alias or version is a different function (`function:live` and the
    /// unqualified function can both be mapped).
    ///
    /// ## What it deliberately does not flag
    /// - Mappings with `count` or `for_each`, `count = 0`, and sources or functions it
    ///   cannot pin down (a variable without a value, a version known only after apply, a
    ///   reference on one side and an unknown literal on the other).
    /// - Kafka and Amazon MQ sources: several mappings of one cluster or broker to one
    ///   function are allowed for different topics or queues.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lambda_event_source_mapping" "jobs" {
    ///   event_source_arn = aws_sqs_queue.jobs.arn
    ///   function_name    = aws_lambda_function.worker.arn
    /// }
    ///
    /// resource "aws_lambda_event_source_mapping" "jobs_again" {
    ///   event_source_arn = aws_sqs_queue.jobs.arn
    ///   function_name    = aws_lambda_function.worker.function_name
    ///   batch_size       = 5
    /// }
    /// ```
    ///
    /// ## Use instead
    /// One mapping per queue and function; change its settings in place.
    /// ```hcl
    /// resource "aws_lambda_event_source_mapping" "jobs" {
    ///   event_source_arn = aws_sqs_queue.jobs.arn
    ///   function_name    = aws_lambda_function.worker.arn
    ///   batch_size       = 5
    /// }
    /// ```
    pub struct LambdaDuplicateEventSourceMapping {
        id: "LAMBDA008",
        name: "lambda-duplicate-event-source-mapping",
        severity: Error,
    }
}

/// What a mapping reads from: the queue or stream, by address and attribute, or a
/// literal ARN that names nothing of the module.
type SourceKey = String;

impl Rule for LambdaDuplicateEventSourceMapping {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut first: HashMap<(SourceKey, QualifiedFunction), &Block> = HashMap::new();
        for mapping in cx.resources("aws_lambda_event_source_mapping") {
            if !exists(cx, mapping) || mapping.is_repeated() {
                continue;
            }
            let (Some(source), Some(function)) = (
                mapping.body.get("event_source_arn"),
                mapping.body.get("function_name"),
            ) else {
                continue;
            };
            let (Some(source), Some(function)) =
                (source_key(cx, source), qualified_function_at(cx, function))
            else {
                continue;
            };
            match first.get(&(source.clone(), function.clone())) {
                Some(earlier) => out.push(finding(mapping, earlier, &source, &function)),
                None => {
                    first.insert((source, function), mapping);
                }
            }
        }
    }
}

/// The queue or stream an `event_source_arn` designates, when it is one exactly: a
/// reference to a queue's or stream's ARN (a table's `stream_arn`), or a literal SQS,
/// Kinesis or DynamoDB stream ARN (a queue of the module by its name).
fn source_key(cx: &Context, expr: &Expr) -> Option<SourceKey> {
    let targets = targets_of(cx, expr);
    match targets.as_slice() {
        [] => {}
        [target] => {
            let attribute = target.attribute.as_deref()?;
            let known = matches!(
                (target.resource_type(), attribute),
                ("aws_sqs_queue" | "aws_kinesis_stream", "arn")
                    | ("aws_dynamodb_table", "stream_arn")
            );
            return known.then(|| format!("{}.{attribute}", target.address));
        }
        _ => return None,
    }
    let value = cx.value(expr);
    let arn = value.as_str()?;
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "sqs", _, _, name] => Some(match queue_named(cx, name) {
            Some(queue) => format!("{}.arn", queue.address()),
            None => arn.to_string(),
        }),
        ["arn", _, "kinesis", _, _, resource] if resource.starts_with("stream/") => {
            Some(arn.to_string())
        }
        ["arn", _, "dynamodb", _, _, resource] if resource.contains("/stream/") => {
            Some(arn.to_string())
        }
        _ => None,
    }
}

fn finding(
    mapping: &Block,
    earlier: &Block,
    source: &str,
    function: &QualifiedFunction,
) -> Finding {
    let function = match &function.qualifier {
        Some(q) => format!("{}:{q}", function.function),
        None => function.function.clone(),
    };
    let source = source
        .strip_suffix(".arn")
        .or_else(|| source.strip_suffix(".stream_arn"))
        .unwrap_or(source);
    Finding::new(
        &LambdaDuplicateEventSourceMapping::META,
        format!(
            "event source mapping `{}` maps `{source}` to `{function}` again (as `{}` does): \
             Lambda rejects it at apply with `ResourceConflictException`",
            mapping.address(),
            earlier.address()
        ),
    )
    .at(mapping.origin)
    .label("second mapping of the same source and function")
    .help(format!(
        "keep one mapping per source and function: remove `{}`, or change `{}` in place",
        mapping.address(),
        earlier.address()
    ))
    .resource(mapping.address())
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_hcl, render_all};

    const RULE: &str = "LAMBDA008";

    const MODULE: &str = r#"variable "unset" {}
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
resource "aws_sqs_queue" "other" {
  name = "other"
}
resource "aws_kinesis_stream" "clicks" {
  name = "clicks"
}
resource "aws_dynamodb_table" "orders" {
  name             = "orders"
  stream_enabled   = true
  stream_view_type = "NEW_IMAGE"
}
resource "aws_lambda_function" "worker" {
  function_name = "worker"
}
resource "aws_lambda_alias" "live" {
  name          = "live"
  function_name = aws_lambda_function.worker.function_name
}
"#;

    fn mappings(pairs: &[(&str, &str)]) -> String {
        let mut text = MODULE.to_string();
        for (i, (source, function)) in pairs.iter().enumerate() {
            text.push_str(&format!(
                "resource \"aws_lambda_event_source_mapping\" \"m{i}\" {{\n  event_source_arn = {source}\n  function_name    = {function}\n}}\n"
            ));
        }
        text
    }

    #[test]
    fn fires_on_the_same_source_and_function() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "same references",
                &[
                    ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.arn"),
                    ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.arn"),
                ],
            ),
            (
                "arn and function name of one function",
                &[
                    ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.arn"),
                    ("aws_sqs_queue.jobs.arn", "\"worker\""),
                ],
            ),
            (
                "a queue by reference and by its literal ARN",
                &[
                    ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.function_name"),
                    (
                        "\"arn:aws:sqs:eu-west-1:111122223333:jobs\"",
                        "aws_lambda_function.worker.arn",
                    ),
                ],
            ),
            (
                "the same alias",
                &[
                    ("aws_kinesis_stream.clicks.arn", "aws_lambda_alias.live.arn"),
                    ("aws_kinesis_stream.clicks.arn", "\"worker:live\""),
                ],
            ),
            (
                "a table's stream",
                &[
                    ("aws_dynamodb_table.orders.stream_arn", "aws_lambda_function.worker.arn"),
                    ("aws_dynamodb_table.orders.stream_arn", "aws_lambda_function.worker.arn"),
                ],
            ),
        ];
        for (name, pairs) in cases {
            let f = lint_hcl(RULE, &mappings(pairs));
            assert_eq!(
                addresses(&f),
                ["aws_lambda_event_source_mapping.m1"],
                "{name}: {f:#?}"
            );
        }
        // Three mappings: the second and third repeat the first.
        let f = lint_hcl(
            RULE,
            &mappings(&[
                ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.arn"),
                ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.arn"),
                ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.arn"),
            ]),
        );
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|x| x.message.contains("(as `aws_lambda_event_source_mapping.m0` does)")));
    }

    #[test]
    fn quiet_on_different_or_unknown_pairs() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "other queue",
                &[
                    ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.arn"),
                    ("aws_sqs_queue.other.arn", "aws_lambda_function.worker.arn"),
                ],
            ),
            (
                "the function and its alias",
                &[
                    ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.arn"),
                    ("aws_sqs_queue.jobs.arn", "aws_lambda_alias.live.arn"),
                ],
            ),
            (
                "unknown source",
                &[
                    ("var.unset", "aws_lambda_function.worker.arn"),
                    ("var.unset", "aws_lambda_function.worker.arn"),
                ],
            ),
            (
                "a version known after apply",
                &[
                    ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.qualified_arn"),
                    ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.qualified_arn"),
                ],
            ),
            (
                "kafka cluster, two topics",
                &[
                    (
                        "\"arn:aws:kafka:eu-west-1:111122223333:cluster/c/abc\"",
                        "aws_lambda_function.worker.arn",
                    ),
                    (
                        "\"arn:aws:kafka:eu-west-1:111122223333:cluster/c/abc\"",
                        "aws_lambda_function.worker.arn",
                    ),
                ],
            ),
        ];
        for (name, pairs) in cases {
            let f = lint_hcl(RULE, &mappings(pairs));
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
        let counted = format!(
            "{MODULE}resource \"aws_lambda_event_source_mapping\" \"a\" {{\n  count = 2\n  event_source_arn = aws_sqs_queue.jobs.arn\n  function_name = aws_lambda_function.worker.arn\n}}\nresource \"aws_lambda_event_source_mapping\" \"b\" {{\n  count = 0\n  event_source_arn = aws_sqs_queue.jobs.arn\n  function_name = aws_lambda_function.worker.arn\n}}\nresource \"aws_lambda_event_source_mapping\" \"c\" {{\n  event_source_arn = aws_sqs_queue.jobs.arn\n  function_name = aws_lambda_function.worker.arn\n}}\n"
        );
        assert!(lint_hcl(RULE, &counted).is_empty());
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            &mappings(&[
                ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.arn"),
                ("aws_sqs_queue.jobs.arn", "aws_lambda_function.worker.function_name"),
            ]),
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
