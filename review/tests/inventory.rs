//! Inventory cells read as the provider applies a setting: AWS's default only for a
//! setting that is not written.

mod common;

use common::cell;
use tfstack_review::Flag;

/// Settings written per instance (each known) or from a variable without a value.
const SET_NOT_KNOWN: &str = r#"
variable "visibility" {
  type = number
}
variable "memory" {
  type = number
}

locals {
  functions = {
    small = { memory = 256, timeout = 10 }
    big   = { memory = 2048, timeout = 900 }
  }
}

resource "aws_lambda_function" "f" {
  for_each      = local.functions
  function_name = each.key
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
  memory_size   = each.value.memory
  timeout       = each.value.timeout
}

resource "aws_lambda_function" "g" {
  function_name = "g"
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "g.zip"
  memory_size   = var.memory
}

resource "aws_sqs_queue" "q" {
  visibility_timeout_seconds = var.visibility
  message_retention_seconds  = var.visibility
}
"#;

#[test]
fn a_setting_written_but_not_known_for_the_block_is_never_shown_as_the_default() {
    let review = common::text_review(SET_NOT_KNOWN, None);
    let functions = "Lambda functions";
    assert_eq!(
        cell(&review, functions, "f", "memory"),
        ("by instance: 256 MB, 2048 MB".into(), Flag::Plain)
    );
    assert_eq!(
        cell(&review, functions, "f", "timeout"),
        ("by instance: 10 s, 15 min".into(), Flag::Plain)
    );
    assert_eq!(
        cell(&review, functions, "g", "memory"),
        ("(computed)".into(), Flag::Plain)
    );
    // Not written: AWS's default, flagged.
    assert_eq!(
        cell(&review, functions, "g", "timeout"),
        ("3 s (default)".into(), Flag::Warn)
    );
    let queues = "SQS queues";
    assert_eq!(cell(&review, queues, "q", "visibility").0, "(computed)");
    assert_eq!(cell(&review, queues, "q", "retention").0, "(computed)");
}

#[test]
fn cost_reads_each_instance_and_says_when_a_default_is_assumed() {
    let review = common::text_review(SET_NOT_KNOWN, None);
    let durations = |resource: &str| -> Vec<String> {
        review
            .estimate
            .components
            .iter()
            .flat_map(|c| &c.lines)
            .filter(|l| l.resource == resource && l.price_id.starts_with("lambda.duration"))
            .map(|l| l.description.clone())
            .collect()
    };
    // Each instance at its own memory: 0.25 GB and 2 GB, not the 128 MB default.
    assert_eq!(
        durations("aws_lambda_function.f"),
        [
            "200 ms × 2 GB (x86_64) × 1 instance",
            "200 ms × 0.25 GB (x86_64) × 1 instance",
        ]
    );
    assert_eq!(
        durations("aws_lambda_function.g"),
        ["200 ms × 0.125 GB (x86_64) (memory_size not known: 128 MB assumed)"]
    );
}

/// A function a stream's event source mapping polls, and one an SNS topic invokes.
const POLLED_AND_NOTIFIED: &str = r#"
resource "aws_kinesis_stream" "clicks" {
  name        = "clicks"
  shard_count = 1
}

resource "aws_sqs_queue" "failed" {}

resource "aws_lambda_function" "clicker" {
  function_name = "clicker"
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
  timeout       = 30
}

resource "aws_lambda_event_source_mapping" "clicks" {
  event_source_arn       = aws_kinesis_stream.clicks.arn
  function_name          = aws_lambda_function.clicker.arn
  starting_position      = "LATEST"
  maximum_retry_attempts = 3
  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.failed.arn
    }
  }
}

resource "aws_sns_topic" "alerts" {
  name = "alerts"
}

resource "aws_lambda_function" "notifier" {
  function_name = "notifier"
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
  timeout       = 30
}

resource "aws_sns_topic_subscription" "notifier" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.notifier.arn
}
"#;

#[test]
fn only_an_asynchronous_invoker_makes_a_missing_dead_letter_queue_a_loss() {
    let review = common::text_review(POLLED_AND_NOTIFIED, None);
    let functions = "Lambda functions";
    // The mapping invokes the function synchronously and handles failures itself.
    assert_eq!(
        cell(&review, functions, "clicker", "on failure"),
        ("—".into(), Flag::Plain)
    );
    // SNS invokes it asynchronously: what fails after Lambda's retries is dropped.
    assert_eq!(
        cell(&review, functions, "notifier", "on failure"),
        ("none (async events lost)".into(), Flag::Warn)
    );
}

/// A REST API whose one method needs an API key, throttled by rate only.
const REST_API: &str = r#"
resource "aws_api_gateway_rest_api" "api" {
  name = "api"
}

resource "aws_api_gateway_resource" "orders" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "orders"
}

resource "aws_api_gateway_method" "post" {
  rest_api_id      = aws_api_gateway_rest_api.api.id
  resource_id      = aws_api_gateway_resource.orders.id
  http_method      = "POST"
  authorization    = "NONE"
  api_key_required = true
}

resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.api.id
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.d.id
  stage_name    = "prod"
}

resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  method_path = "*/*"
  settings {
    throttling_rate_limit = 100
  }
}
"#;

#[test]
fn a_rate_limit_alone_throttles_and_an_api_key_is_an_authorization() {
    let review = common::text_review(REST_API, None);
    let apis = "REST APIs";
    assert_eq!(
        cell(&review, apis, "api", "throttling"),
        ("100 req/s, burst: account default".into(), Flag::Plain)
    );
    // As the entry points say.
    assert_eq!(
        cell(&review, apis, "api", "authorization"),
        ("API key".into(), Flag::Plain)
    );
}

/// Secrets encrypted with a key of this configuration, a key from outside it, AWS's
/// key by its alias, and the default.
const SECRETS: &str = r#"
variable "kms" {
  type    = string
  default = "arn:aws:kms:us-east-1:123456789012:key/abcd"
}

resource "aws_kms_key" "own" {
  enable_key_rotation = true
}

resource "aws_secretsmanager_secret" "own_key" {
  name       = "own_key"
  kms_key_id = aws_kms_key.own.arn
}

resource "aws_secretsmanager_secret" "outside_key" {
  name       = "outside_key"
  kms_key_id = var.kms
}

resource "aws_secretsmanager_secret" "aws_alias" {
  name       = "aws_alias"
  kms_key_id = "alias/aws/secretsmanager"
}

resource "aws_secretsmanager_secret" "default" {
  name = "default"
}
"#;

#[test]
fn a_secret_names_the_key_it_is_encrypted_with() {
    let review = common::text_review(SECRETS, None);
    let key = |secret: &str| cell(&review, "Secrets", secret, "KMS key").0;
    assert_eq!(key("own_key"), "own");
    assert_eq!(
        key("outside_key"),
        "arn:aws:kms:us-east-1:123456789012:key/abcd"
    );
    assert_eq!(key("aws_alias"), "AWS managed");
    assert_eq!(key("default"), "AWS managed");
}
