//! Wiring written per instance of a `for_each` or `count` resource (`endpoint =
//! each.value.queue`, `local.dlqs[each.key]`, a `dynamic` block made in some instances
//! only) is read in each instance: each instance links what it names, never what another
//! instance names.

mod common;

use common::cell;
use tfstack_review::{Flag, Review};

/// The flow graph's edges as (from, to, label), sorted.
fn edges(review: &Review) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = review
        .flow_graph()
        .edges
        .iter()
        .map(|e| (e.from.clone(), e.to.clone(), e.label.clone()))
        .collect();
    out.sort();
    out
}

fn edge(from: &str, to: &str, label: &str) -> (String, String, String) {
    (from.to_string(), to.to_string(), label.to_string())
}

/// The failure paths as (source, target, where failures go, kept nowhere).
fn failure_paths(review: &Review) -> Vec<(String, String, String, bool)> {
    review
        .failures
        .iter()
        .map(|p| {
            (
                p.source.clone(),
                p.target.clone(),
                p.destination.clone(),
                p.lost,
            )
        })
        .collect()
}

/// A function for each name, named as its label.
fn functions(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| {
            format!(
                r#"
resource "aws_lambda_function" "{name}" {{
  function_name = "{name}"
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
}}
"#
            )
        })
        .collect()
}

/// Two consumers, each queue with its own function and dead-letter queue, fanned out from
/// one topic: every attribute that differs reads `each.value` or indexes a map by
/// `each.key`.
fn consumers() -> String {
    format!(
        r#"
resource "aws_sns_topic" "events" {{}}

resource "aws_sqs_queue" "fast" {{}}
resource "aws_sqs_queue" "slow" {{}}
resource "aws_sqs_queue" "fast_dlq" {{}}
resource "aws_sqs_queue" "slow_dlq" {{}}
{functions}

locals {{
  dlqs = {{
    fast = aws_sqs_queue.fast_dlq.arn
    slow = aws_sqs_queue.slow_dlq.arn
  }}
  consumers = {{
    fast = {{ queue = aws_sqs_queue.fast.arn, url = aws_sqs_queue.fast.url, function = aws_lambda_function.fast.arn, receives = 3 }}
    slow = {{ queue = aws_sqs_queue.slow.arn, url = aws_sqs_queue.slow.url, function = aws_lambda_function.slow.arn, receives = 10 }}
  }}
}}

resource "aws_sns_topic_subscription" "fanout" {{
  for_each  = local.consumers
  topic_arn = aws_sns_topic.events.arn
  protocol  = "sqs"
  endpoint  = each.value.queue
}}

resource "aws_sqs_queue_redrive_policy" "consumers" {{
  for_each  = local.consumers
  queue_url = each.value.url
  redrive_policy = jsonencode({{
    deadLetterTargetArn = local.dlqs[each.key]
    maxReceiveCount     = each.value.receives
  }})
}}

resource "aws_lambda_event_source_mapping" "consumers" {{
  for_each         = local.consumers
  event_source_arn = each.value.queue
  function_name    = each.value.function
}}
"#,
        functions = functions(&["fast", "slow"])
    )
}

#[test]
fn each_instance_links_what_its_own_entry_names() {
    let review = common::text_review(&consumers(), None);
    assert_eq!(
        edges(&review),
        [
            edge("aws_sns_topic.events", "aws_sqs_queue.fast", "deliver"),
            edge("aws_sns_topic.events", "aws_sqs_queue.slow", "deliver"),
            edge("aws_sqs_queue.fast", "aws_lambda_function.fast", "consume"),
            edge(
                "aws_sqs_queue.fast",
                "aws_sqs_queue.fast_dlq",
                "dead letters"
            ),
            edge("aws_sqs_queue.slow", "aws_lambda_function.slow", "consume"),
            edge(
                "aws_sqs_queue.slow",
                "aws_sqs_queue.slow_dlq",
                "dead letters"
            ),
        ]
    );
    // Each queue's receive count is its own instance's.
    assert_eq!(
        cell(&review, "SQS queues", "fast", "dead letters").0,
        "dead letters → fast_dlq (after 3 receives)"
    );
    assert_eq!(
        cell(&review, "SQS queues", "slow", "dead letters").0,
        "dead letters → slow_dlq (after 10 receives)"
    );
    assert_eq!(
        failure_paths(&review),
        [
            (
                "events".into(),
                "fast".into(),
                "undelivered: nowhere".into(),
                true
            ),
            (
                "events".into(),
                "slow".into(),
                "undelivered: nowhere".into(),
                true
            ),
            ("fast".into(), "fast".into(), "DLQ fast_dlq".into(), false),
            ("slow".into(), "slow".into(), "DLQ slow_dlq".into(), false),
        ]
    );
}

#[test]
fn a_resource_whose_instances_serve_several_components_belongs_to_none_and_serves_each() {
    let review = common::text_review(&consumers(), None);
    let unassigned = &review.components.unassigned;
    for shared in [
        "aws_sqs_queue_redrive_policy.consumers",
        "aws_lambda_event_source_mapping.consumers",
    ] {
        assert!(unassigned.iter().any(|r| r == shared), "{unassigned:?}");
    }
    // With one entry, the one queue and the one function own them.
    let one = consumers().replace(
        "    slow = { queue = aws_sqs_queue.slow.arn, url = aws_sqs_queue.slow.url, function = aws_lambda_function.slow.arn, receives = 10 }\n",
        "",
    );
    let review = common::text_review(&one, None);
    assert!(review.components.unassigned.is_empty());
    let resources = |id: &str| {
        review
            .components
            .get(id)
            .map(|c| c.resources.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        resources("aws_sqs_queue.fast"),
        [
            "aws_sqs_queue.fast",
            "aws_sqs_queue_redrive_policy.consumers"
        ]
    );
    assert_eq!(
        resources("aws_lambda_function.fast"),
        [
            "aws_lambda_function.fast",
            "aws_lambda_event_source_mapping.consumers"
        ]
    );
}

/// Rotations and public access blocks made for several secrets and buckets: each secret
/// rotates on its own schedule, each bucket is blocked.
const SERVING: &str = r#"
resource "aws_secretsmanager_secret" "db" {
  name = "prod/db"
}
resource "aws_secretsmanager_secret" "api" {
  name = "prod/api"
}
resource "aws_secretsmanager_secret" "unrotated" {
  name = "prod/unrotated"
}

resource "aws_secretsmanager_secret_rotation" "this" {
  for_each = {
    db  = { secret = aws_secretsmanager_secret.db.id, days = 30 }
    api = { secret = aws_secretsmanager_secret.api.id, days = 7 }
  }
  secret_id           = each.value.secret
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:rotator"
  rotation_rules {
    automatically_after_days = each.value.days
  }
}

resource "aws_s3_bucket" "raw" {
  bucket = "acme-raw"
}
resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each                = toset(["raw", "exports"])
  bucket                  = each.key == "raw" ? aws_s3_bucket.raw.id : aws_s3_bucket.exports.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"#;

#[test]
fn a_resource_serving_several_components_is_read_for_each() {
    let review = common::text_review(SERVING, None);
    let rotation = |secret: &str| cell(&review, "Secrets", secret, "rotation");
    assert_eq!(rotation("db"), ("every 30 d".into(), Flag::Plain));
    assert_eq!(rotation("api"), ("every 7 d".into(), Flag::Plain));
    assert_eq!(rotation("unrotated"), ("off".into(), Flag::Warn));
    // The conditional names one bucket in each instance: both are blocked (the first
    // reference written named only `raw`'s).
    for bucket in ["raw", "exports"] {
        assert_eq!(
            cell(&review, "S3 buckets", bucket, "public access"),
            ("blocked".into(), Flag::Plain),
            "{bucket}"
        );
    }
}

/// An EventBridge rule with two targets, a dead-letter queue `dynamic` in one only; an
/// SNS subscription per entry of a map merged with defaults.
const FAILURES: &str = r#"
resource "aws_cloudwatch_event_rule" "orders" {
  name          = "orders"
  event_pattern = jsonencode({ source = ["shop.orders"] })
}

resource "aws_sqs_queue" "fulfilment" {}
resource "aws_sqs_queue" "analytics" {}
resource "aws_sqs_queue" "events_dlq" {}

locals {
  targets = {
    fulfilment = { arn = aws_sqs_queue.fulfilment.arn, dlq = aws_sqs_queue.events_dlq.arn }
    analytics  = { arn = aws_sqs_queue.analytics.arn }
  }
}

resource "aws_cloudwatch_event_target" "this" {
  for_each  = local.targets
  rule      = aws_cloudwatch_event_rule.orders.name
  target_id = each.key
  arn       = each.value.arn

  dynamic "dead_letter_config" {
    for_each = lookup(each.value, "dlq", null) == null ? [] : [each.value.dlq]
    iterator = dlq
    content {
      arn = dlq.value
    }
  }
}

resource "aws_sns_topic" "events" {}
resource "aws_sqs_queue" "audit" {}
resource "aws_sqs_queue" "shared_failures" {}
resource "aws_sqs_queue" "payments_failures" {}

locals {
  defaults = { dlq = aws_sqs_queue.shared_failures.arn }
  subscriptions = {
    payments = { dlq = aws_sqs_queue.payments_failures.arn }
    audit    = {}
  }
}

resource "aws_sns_topic_subscription" "audit" {
  for_each       = { for k, v in local.subscriptions : k => merge(local.defaults, v) }
  topic_arn      = aws_sns_topic.events.arn
  protocol       = "sqs"
  endpoint       = aws_sqs_queue.audit.arn
  redrive_policy = jsonencode({ deadLetterTargetArn = each.value.dlq })
}
"#;

#[test]
fn failures_are_read_in_the_instance_that_hands_over() {
    let review = common::text_review(FAILURES, None);
    assert_eq!(
        failure_paths(&review),
        [
            (
                "events".into(),
                "audit".into(),
                "undelivered: DLQ payments_failures".into(),
                false
            ),
            (
                "events".into(),
                "audit".into(),
                "undelivered: DLQ shared_failures".into(),
                false
            ),
            (
                "orders".into(),
                "analytics".into(),
                "undelivered: nowhere".into(),
                true
            ),
            (
                "orders".into(),
                "fulfilment".into(),
                "undelivered: DLQ events_dlq".into(),
                false
            ),
        ]
    );
    assert!(edges(&review).contains(&edge(
        "aws_cloudwatch_event_rule.orders",
        "aws_sqs_queue.events_dlq",
        "dead letters"
    )));
}

/// The same wiring through a map whose entries are not known: nothing is linked, as
/// before instances were read (no edge is made up).
fn not_known() -> String {
    format!(
        r#"
variable "consumers" {{
  type = map(object({{ queue = string, function = string }}))
}}

resource "aws_sqs_queue" "jobs" {{}}
{functions}
resource "aws_lambda_event_source_mapping" "this" {{
  for_each         = var.consumers
  event_source_arn = each.value.queue
  function_name    = each.value.function
}}
"#,
        functions = functions(&["worker"])
    )
}

#[test]
fn wiring_through_entries_not_known_links_nothing() {
    let review = common::text_review(&not_known(), None);
    assert!(edges(&review).is_empty(), "{:?}", edges(&review));
    assert!(review.failures.is_empty(), "{:?}", review.failures);
}

/// Functions, their log groups and their routes made from one map.
const ROUTES: &str = r#"
locals {
  functions = {
    list = { name = "screens-list", route = "GET /screens", authorization = "NONE" }
    add  = { name = "screens-add", route = "POST /screens", authorization = "AWS_IAM" }
  }
}

resource "aws_apigatewayv2_api" "api" {
  name          = "screens"
  protocol_type = "HTTP"
}

resource "aws_lambda_function" "handler" {
  for_each      = local.functions
  function_name = each.value.name
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
}

resource "aws_cloudwatch_log_group" "handler" {
  for_each          = local.functions
  name              = "/aws/lambda/${each.value.name}"
  retention_in_days = 14
}

resource "aws_apigatewayv2_integration" "handler" {
  for_each         = local.functions
  api_id           = aws_apigatewayv2_api.api.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.handler[each.key].invoke_arn
}

resource "aws_apigatewayv2_route" "handler" {
  for_each           = local.functions
  api_id             = aws_apigatewayv2_api.api.id
  route_key          = each.value.route
  authorization_type = each.value.authorization
  target             = "integrations/${aws_apigatewayv2_integration.handler[each.key].id}"
}
"#;

#[test]
fn routes_and_log_groups_made_per_instance_are_read_per_instance() {
    let review = common::text_review(ROUTES, None);
    // Open entry points first.
    let entries: Vec<(&str, &str, &str, bool)> = review
        .access
        .entry_points
        .iter()
        .map(|e| {
            (
                e.resource.as_str(),
                e.route.as_str(),
                e.authorization.as_str(),
                e.open,
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (
                "aws_apigatewayv2_route.handler[\"list\"]",
                "GET /screens",
                "none",
                true
            ),
            (
                "aws_apigatewayv2_route.handler[\"add\"]",
                "POST /screens",
                "IAM (SigV4)",
                false
            ),
        ]
    );
    assert_eq!(cell(&review, "HTTP APIs", "api", "routes").0, "2");
    assert_eq!(
        cell(&review, "HTTP APIs", "api", "authorization"),
        ("aws_iam, none".into(), Flag::Warn)
    );
    // Each instance of the log group is the default group of an instance of the function.
    assert_eq!(
        cell(&review, "Lambda functions", "handler", "log retention"),
        ("14 d".into(), Flag::Plain)
    );
    let api = review
        .flow_graph()
        .edges
        .iter()
        .find(|e| e.from == "aws_apigatewayv2_api.api")
        .expect("the API invokes the function");
    assert_eq!(api.details, ["GET /screens", "POST /screens"]);
}

/// One event invoke configuration made for two functions, each with its own on-failure
/// destination, both invoked asynchronously by a topic.
fn invoke_configs() -> String {
    format!(
        r#"
resource "aws_sns_topic" "uploads" {{}}
resource "aws_sqs_queue" "thumbs_failed" {{}}
resource "aws_sqs_queue" "scans_failed" {{}}
{functions}

locals {{
  handlers = {{
    thumbs = {{ function = aws_lambda_function.thumbs.arn, failed = aws_sqs_queue.thumbs_failed.arn, retries = 0 }}
    scans  = {{ function = aws_lambda_function.scans.arn, failed = aws_sqs_queue.scans_failed.arn, retries = 1 }}
  }}
}}

resource "aws_sns_topic_subscription" "handlers" {{
  for_each  = local.handlers
  topic_arn = aws_sns_topic.uploads.arn
  protocol  = "lambda"
  endpoint  = each.value.function
}}

resource "aws_lambda_function_event_invoke_config" "handlers" {{
  for_each               = local.handlers
  function_name          = each.value.function
  maximum_retry_attempts = each.value.retries
  destination_config {{
    on_failure {{
      destination = each.value.failed
    }}
  }}
}}
"#,
        functions = functions(&["thumbs", "scans"])
    )
}

#[test]
fn an_invoke_configuration_made_for_several_functions_is_read_in_the_instance_of_each() {
    let review = common::text_review(&invoke_configs(), None);
    let retries: Vec<(&str, &str, &str)> = review
        .failures
        .iter()
        .map(|p| {
            (
                p.target.as_str(),
                p.retries.as_str(),
                p.destination.as_str(),
            )
        })
        .collect();
    assert_eq!(
        retries,
        [
            (
                "scans",
                "SNS delivery policy; then 1 retries within 6 h",
                "undelivered: nowhere; failed in the function: on-failure destination scans_failed"
            ),
            (
                "thumbs",
                "SNS delivery policy; then 0 retries within 6 h",
                "undelivered: nowhere; failed in the function: on-failure destination thumbs_failed"
            ),
        ]
    );
    assert!(edges(&review).contains(&edge(
        "aws_lambda_function.scans",
        "aws_sqs_queue.scans_failed",
        "on failure"
    )));
    assert!(!edges(&review).contains(&edge(
        "aws_lambda_function.scans",
        "aws_sqs_queue.thumbs_failed",
        "on failure"
    )));
}

/// A queue made per entry, with a dead-letter queue in some entries only: the path keeps
/// failures nowhere in the others, and the inventory says which (from the audit: "Every
/// path keeps its failures" while DLQ001 flagged `q["billing"]`).
#[test]
fn a_queue_with_a_dead_letter_queue_in_some_instances_only() {
    let hcl = r#"
resource "aws_sqs_queue" "dlq" {
  name                      = "orders-dlq"
  message_retention_seconds = 1209600
}
locals {
  queues = {
    orders  = { dlq = true }
    billing = { dlq = false }
  }
}
resource "aws_sqs_queue" "q" {
  for_each       = local.queues
  name           = each.key
  redrive_policy = each.value.dlq ? jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 5 }) : null
}
resource "aws_lambda_function" "f" {
  for_each      = local.queues
  function_name = each.key
  role          = "arn:aws:iam::123456789012:role/r"
  handler       = "h"
  runtime       = "python3.12"
  filename      = "x.zip"
}
resource "aws_lambda_event_source_mapping" "m" {
  for_each         = local.queues
  event_source_arn = aws_sqs_queue.q[each.key].arn
  function_name    = aws_lambda_function.f[each.key].arn
}
"#;
    let review = common::text_review(hcl, None);
    let paths = failure_paths(&review);
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].3, "kept nowhere in one instance: {paths:?}");
    assert!(
        paths[0]
            .2
            .contains("nowhere in aws_sqs_queue.q[\"billing\"]"),
        "{paths:?}"
    );
}

/// A function URL made per entry: each instance is an entry point with its own
/// authorization (one was shown as "?").
#[test]
fn function_urls_made_per_instance_are_each_an_entry_point() {
    let hcl = format!(
        r#"{}
locals {{
  auth = {{ a = "AWS_IAM", b = "NONE" }}
}}
resource "aws_lambda_function_url" "u" {{
  for_each           = local.auth
  function_name      = aws_lambda_function.f.function_name
  authorization_type = each.value
}}
"#,
        functions(&["f"])
    );
    let review = common::text_review(&hcl, None);
    let entries: Vec<(&str, &str, bool)> = review
        .access
        .entry_points
        .iter()
        .map(|e| (e.resource.as_str(), e.authorization.as_str(), e.open))
        .collect();
    assert_eq!(
        entries,
        [
            ("aws_lambda_function_url.u[\"a\"]", "AWS_IAM", false),
            ("aws_lambda_function_url.u[\"b\"]", "none", true),
        ]
    );
}

/// Where which instance a redrive reaches cannot be told, no instance is named as keeping
/// failures nowhere: the others' dead-letter queue set by a redrive policy resource, or the
/// queue being its own instances' dead-letter queue (from the second audit).
#[test]
fn instances_without_an_inline_redrive_are_not_blamed_when_another_may_cover_them() {
    for hcl in [
        include_str!("fixtures/partial-redrive/by_resource.tf"),
        include_str!("fixtures/partial-redrive/own_dlq.tf"),
    ] {
        let review = common::text_review(hcl, None);
        let paths = failure_paths(&review);
        assert!(paths.iter().all(|p| !p.3), "{paths:?}");
    }
}
