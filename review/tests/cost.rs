//! The cost estimate against figures computed by hand from the price table.

use tfstack_review::{Review, ReviewOptions, Usage};

const MODULE: &str = r#"
resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = "arn:aws:iam::123456789012:role/api"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "api.zip"
  memory_size   = 1024
  architectures = ["arm64"]
}

resource "aws_lambda_function" "warm" {
  function_name = "warm"
  role          = "arn:aws:iam::123456789012:role/warm"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "warm.zip"
  memory_size   = 256
}

resource "aws_lambda_alias" "warm" {
  name             = "live"
  function_name    = aws_lambda_function.warm.function_name
  function_version = "1"
}

resource "aws_lambda_provisioned_concurrency_config" "warm" {
  function_name                     = aws_lambda_function.warm.function_name
  qualifier                         = aws_lambda_alias.warm.name
  provisioned_concurrent_executions = 2
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id = "redis"
  description          = "cache"
  engine               = "redis"
  node_type            = "cache.r6g.large"
  num_cache_clusters   = 3
}

resource "aws_elasticache_replication_group" "valkey" {
  replication_group_id = "valkey"
  description          = "cache"
  engine               = "valkey"
  node_type            = "cache.r6g.large"
  num_cache_clusters   = 2
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.0.0/24"
}

resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_subnet" "c" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.2.0/24"
}

resource "aws_nat_gateway" "main" {
  subnet_id     = aws_subnet.a.id
  allocation_id = "eipalloc-0123"
}

resource "aws_vpc_endpoint" "secrets" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.us-east-1.secretsmanager"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.a.id, aws_subnet.b.id, aws_subnet.c.id]
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
}

resource "aws_kms_key" "k" {}

resource "aws_secretsmanager_secret" "s" {
  name = "s"
}

resource "aws_dynamodb_table" "provisioned" {
  name           = "provisioned"
  billing_mode   = "PROVISIONED"
  hash_key       = "id"
  read_capacity  = 10
  write_capacity = 5
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_sqs_queue" "jobs" {
  name       = "jobs.fifo"
  fifo_queue = true
}

resource "aws_ecs_task_definition" "web" {
  family                   = "web"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "1024"
  memory                   = "2048"
  container_definitions    = jsonencode([{ name = "web", image = "nginx", essential = true }])
}

resource "aws_ecs_service" "web" {
  name            = "web"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"
}

resource "aws_sfn_state_machine" "flow" {
  name     = "flow"
  role_arn = "arn:aws:iam::123456789012:role/flow"
  definition = jsonencode({
    StartAt = "Done"
    States  = { Done = { Type = "Succeed" } }
  })
}

resource "aws_api_gateway_rest_api" "api" {
  name = "api"
}

resource "aws_api_gateway_stage" "live" {
  rest_api_id           = aws_api_gateway_rest_api.api.id
  deployment_id         = "d"
  stage_name            = "live"
  cache_cluster_enabled = true
  cache_cluster_size    = "0.5"
}
"#;

const USAGE: &str = r#"
[resource_usage."aws_lambda_function.api"]
monthly_requests = 3_000_000
request_duration_ms = 1_000

[resource_usage."aws_sqs_queue.jobs"]
monthly_requests = 1_000_000

[resource_usage."aws_sfn_state_machine.flow"]
monthly_transitions = 1_000_000

[resource_usage."aws_api_gateway_rest_api.api"]
monthly_requests = 2_000_000

[resource_type_default_usage.aws_kms_key]
monthly_requests = 20_000
"#;

fn review() -> Review {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.tf"), MODULE).expect("write");
    let usage_path = dir.path().join("usage.toml");
    std::fs::write(&usage_path, USAGE).expect("write");
    let options = ReviewOptions {
        usage: Usage::load(&usage_path).expect("valid usage"),
        ..ReviewOptions::default()
    };
    Review::of_module(dir.path(), &options).expect("reviews")
}

/// The monthly cost of the lines of one resource at one price.
fn cost(review: &Review, resource: &str, price: &str) -> f64 {
    let lines: Vec<f64> = review
        .estimate
        .components
        .iter()
        .flat_map(|c| &c.lines)
        .filter(|l| l.resource == resource && l.price_id == price)
        .map(|l| l.monthly)
        .collect();
    assert_eq!(lines.len(), 1, "{resource} at {price}: {lines:?}");
    lines[0]
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 0.005,
        "{actual} is not {expected}"
    );
}

#[test]
fn usage_driven_costs_match_hand_computed_figures() {
    let r = review();
    // 3M requests × $0.20/M.
    close(cost(&r, "aws_lambda_function.api", "lambda.requests"), 0.60);
    // 3M × 1 s × 1 GB = 3M GB-s × $0.0000133334 (arm64).
    close(
        cost(&r, "aws_lambda_function.api", "lambda.duration.arm64"),
        40.0002,
    );
    // FIFO: 1M × $0.50/M.
    close(cost(&r, "aws_sqs_queue.jobs", "sqs.fifo.requests"), 0.50);
    // 1M transitions × $0.025/1000.
    close(
        cost(
            &r,
            "aws_sfn_state_machine.flow",
            "stepfunctions.standard.transitions",
        ),
        25.0,
    );
    // 2M REST requests × $3.50/M.
    close(
        cost(
            &r,
            "aws_api_gateway_rest_api.api",
            "apigateway.rest.requests",
        ),
        7.0,
    );
    // A type default: 20,000 KMS requests × $0.03/10,000.
    close(cost(&r, "aws_kms_key.k", "kms.requests"), 0.06);
    // A built-in default: 10 GB through the NAT gateway × $0.045.
    close(cost(&r, "aws_nat_gateway.main", "nat.data"), 0.45);
}

#[test]
fn fixed_costs_need_no_usage_and_match_hand_computed_figures() {
    let r = review();
    // 3 nodes × 730 h × $0.206.
    close(
        cost(
            &r,
            "aws_elasticache_replication_group.redis",
            "elasticache.cache.r6g.large",
        ),
        451.14,
    );
    // Valkey: 2 × 730 × $0.206 × 0.8.
    close(
        cost(
            &r,
            "aws_elasticache_replication_group.valkey",
            "elasticache.cache.r6g.large",
        ),
        240.608,
    );
    // 730 h × $0.045.
    close(cost(&r, "aws_nat_gateway.main", "nat.hours"), 32.85);
    // 3 AZs × 730 h × $0.01; a gateway endpoint costs nothing.
    close(
        cost(
            &r,
            "aws_vpc_endpoint.secrets",
            "vpc_endpoint.interface.hours",
        ),
        21.90,
    );
    assert!(!r
        .estimate
        .components
        .iter()
        .flat_map(|c| &c.lines)
        .any(|l| l.resource == "aws_vpc_endpoint.s3"));
    close(cost(&r, "aws_kms_key.k", "kms.key"), 1.0);
    close(
        cost(&r, "aws_secretsmanager_secret.s", "secretsmanager.secret"),
        0.40,
    );
    // 5 WCU × 730 h × $0.00065 and 10 RCU × 730 h × $0.00013.
    close(
        cost(
            &r,
            "aws_dynamodb_table.provisioned",
            "dynamodb.provisioned.wcu",
        ),
        2.3725,
    );
    close(
        cost(
            &r,
            "aws_dynamodb_table.provisioned",
            "dynamodb.provisioned.rcu",
        ),
        0.949,
    );
    // 2 tasks × 730 h × (1 vCPU × $0.04048 + 2 GB × $0.004445).
    close(
        cost(&r, "aws_ecs_service.web", "fargate.vcpu.x86_64"),
        59.1008,
    );
    close(
        cost(&r, "aws_ecs_service.web", "fargate.memory.x86_64"),
        12.9794,
    );
    // 2 × 0.25 GB × 730 h × 3600 s × $0.0000041667.
    close(
        cost(
            &r,
            "aws_lambda_provisioned_concurrency_config.warm",
            "lambda.provisioned.x86_64",
        ),
        5.4750,
    );
    // 0.5 GB API cache: 730 h × $0.02.
    close(
        cost(&r, "aws_api_gateway_stage.live", "apigateway.cache.0.5"),
        14.60,
    );
    // Invocations of a function with provisioned concurrency pay the provisioned duration
    // rate: 100,000 (default) × 0.2 s × 0.25 GB × $0.0000097222.
    close(
        cost(
            &r,
            "aws_lambda_function.warm",
            "lambda.provisioned_duration.x86_64",
        ),
        0.0486,
    );
}

#[test]
fn totals_add_up_and_say_what_is_fixed() {
    let r = review();
    let e = &r.estimate;
    let lines: f64 = e
        .components
        .iter()
        .flat_map(|c| &c.lines)
        .map(|l| l.monthly)
        .sum();
    close(e.total, lines);
    let fixed: f64 = e
        .components
        .iter()
        .flat_map(|c| &c.lines)
        .filter(|l| l.fixed)
        .map(|l| l.monthly)
        .sum();
    close(e.fixed_total, fixed);
    close(e.usage_total, e.total - e.fixed_total);
    // Most expensive first.
    assert!(e
        .components
        .windows(2)
        .all(|w| w[0].monthly >= w[1].monthly));
    // Every assumption says where it comes from.
    let api = e
        .assumptions
        .iter()
        .find(|a| a.resource == "aws_lambda_function.api" && a.key == "monthly_requests")
        .expect("an assumption");
    assert_eq!(api.value, 3_000_000.0);
    assert_eq!(api.source, tfstack_review::cost::UsageSource::Resource);
    let kms = e
        .assumptions
        .iter()
        .find(|a| a.resource == "aws_kms_key.k")
        .expect("an assumption");
    assert_eq!(kms.source, tfstack_review::cost::UsageSource::TypeDefault);
}
