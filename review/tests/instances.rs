//! Resources with `count` or `for_each`: a block known to have no instance is not in the
//! report; a block with a known number of instances is priced for each of them.

mod common;

/// A feature flag that is off: the queue, its mapping, the grant on it, the NAT gateway
/// and the key are created nowhere; only the function is.
const FLAG_OFF: &str = r#"
variable "enable_queue" {
  type    = bool
  default = false
}

resource "aws_iam_role" "worker" {
  name = "worker"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = aws_iam_role.worker.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "worker.zip"
}

resource "aws_sqs_queue" "jobs" {
  count = var.enable_queue ? 1 : 0
  name  = "jobs"
}

resource "aws_lambda_event_source_mapping" "jobs" {
  count            = var.enable_queue ? 1 : 0
  event_source_arn = aws_sqs_queue.jobs[0].arn
  function_name    = aws_lambda_function.worker.arn
}

resource "aws_iam_role_policy" "jobs" {
  count = var.enable_queue ? 1 : 0
  role  = aws_iam_role.worker.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
      Resource = aws_sqs_queue.jobs[0].arn
    }]
  })
}

resource "aws_nat_gateway" "egress" {
  count         = var.enable_queue ? 1 : 0
  allocation_id = "eipalloc-123"
  subnet_id     = "subnet-123"
}

resource "aws_kms_key" "unused" {
  for_each = toset([])
}
"#;

#[test]
fn blocks_known_to_have_no_instance_are_left_out_of_every_section() {
    let review = common::text_review(FLAG_OFF, None);
    let components: Vec<&str> = review
        .components
        .list()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(components, ["aws_lambda_function.worker"]);
    // The role and the function: the three flagged-off resources are not counted.
    assert_eq!(review.resource_count, 2);
    let graph = review.flow_graph();
    assert!(
        graph.edges.iter().all(|e| !e.from.contains("jobs")),
        "{:?}",
        graph.edges
    );
    assert!(review.failures.is_empty(), "{:?}", review.failures);
    assert!(
        review
            .access
            .grants
            .iter()
            .all(|g| !g.resource.contains("jobs")),
        "{:?}",
        review.access.grants
    );
    let priced: Vec<&str> = review
        .estimate
        .components
        .iter()
        .flat_map(|c| &c.lines)
        .map(|l| l.resource.as_str())
        .collect();
    assert!(
        priced.iter().all(|r| *r == "aws_lambda_function.worker"),
        "{priced:?}"
    );
    assert_eq!(review.estimate.fixed_total, 0.0);
    let inventoried: Vec<&str> = review
        .inventory
        .tables
        .iter()
        .flat_map(|t| &t.rows)
        .map(|r| r.component.as_str())
        .collect();
    assert_eq!(inventoried, ["worker"]);
}

/// Three keys, four secrets, two NAT gateways, and queues whose number is not known.
const INSTANCES: &str = r#"
variable "queue_count" {
  type = number
}

resource "aws_kms_key" "k" {
  count               = 3
  enable_key_rotation = true
}

resource "aws_secretsmanager_secret" "s" {
  for_each = toset(["a", "b", "c", "d"])
  name     = each.key
}

resource "aws_nat_gateway" "n" {
  count         = 2
  allocation_id = "eipalloc-123"
  subnet_id     = "subnet-123"
}

resource "aws_sqs_queue" "maybe" {
  count = var.queue_count
  name  = "maybe-${count.index}"
}
"#;

/// Usage addressed as infracost addresses instances: one instance by its index or key,
/// every instance with `[*]`; `k[7]` names an instance that does not exist.
const INSTANCE_USAGE: &str = r#"
version = "0.1"

[resource_usage."aws_kms_key.k[0]"]
monthly_requests = 5_000_000

[resource_usage.'aws_secretsmanager_secret.s["a"]']
monthly_requests = 20_000

[resource_usage."aws_nat_gateway.n[*]"]
monthly_data_processed_gb = 100

[resource_usage."aws_kms_key.k[7]"]
monthly_requests = 1
"#;

/// The one line of `resource` at `price`: (description, quantity, monthly).
fn line(review: &tfstack_review::Review, resource: &str, price: &str) -> (String, f64, f64) {
    let lines: Vec<_> = review
        .estimate
        .components
        .iter()
        .flat_map(|c| &c.lines)
        .filter(|l| l.resource == resource && l.price_id == price)
        .collect();
    assert_eq!(lines.len(), 1, "{resource} at {price}: {lines:?}");
    (
        lines[0].description.clone(),
        lines[0].quantity,
        lines[0].monthly,
    )
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 0.005,
        "{actual} is not {expected}"
    );
}

#[test]
fn every_known_instance_is_priced_and_the_line_says_how_many() {
    let review = common::text_review(INSTANCES, Some(INSTANCE_USAGE));
    let (description, quantity, monthly) = line(&review, "aws_kms_key.k", "kms.key");
    assert!(description.ends_with("× 3 instances"), "{description}");
    close(quantity, 3.0);
    close(monthly, 3.0);
    let (description, _, monthly) = line(
        &review,
        "aws_secretsmanager_secret.s",
        "secretsmanager.secret",
    );
    assert!(description.ends_with("× 4 instances"), "{description}");
    close(monthly, 1.60);
    // 2 gateways × 730 h × $0.045.
    let (description, quantity, monthly) = line(&review, "aws_nat_gateway.n", "nat.hours");
    assert!(description.ends_with("× 2 instances"), "{description}");
    close(quantity, 1460.0);
    close(monthly, 65.70);
    close(review.estimate.fixed_total, 70.30);
}

#[test]
fn usage_addressed_to_one_instance_or_to_all_applies_to_those_instances() {
    let review = common::text_review(INSTANCES, Some(INSTANCE_USAGE));
    // k[0]: 5M requests; k[1] and k[2]: the built-in 10,000 each; × $0.03 per 10,000.
    let (_, quantity, monthly) = line(&review, "aws_kms_key.k", "kms.requests");
    close(quantity, 5_020_000.0);
    close(monthly, 15.06);
    // s["a"]: 20,000 calls; the other three: 10,000 each; × $0.05 per 10,000.
    let (_, quantity, _) = line(
        &review,
        "aws_secretsmanager_secret.s",
        "secretsmanager.requests",
    );
    close(quantity, 50_000.0);
    // [*]: 100 GB through each of the 2 gateways × $0.045.
    let (_, quantity, monthly) = line(&review, "aws_nat_gateway.n", "nat.data");
    close(quantity, 200.0);
    close(monthly, 9.0);
    assert_eq!(review.estimate.unmatched_usage, ["aws_kms_key.k[7]"]);
    let assumed: Vec<(&str, f64)> = review
        .estimate
        .assumptions
        .iter()
        .filter(|a| a.resource.starts_with("aws_kms_key.k"))
        .map(|a| (a.resource.as_str(), a.value))
        .collect();
    assert_eq!(
        assumed,
        [
            ("aws_kms_key.k", 10_000.0),
            ("aws_kms_key.k[0]", 5_000_000.0)
        ]
    );
}

#[test]
fn a_block_whose_number_of_instances_is_not_known_is_priced_as_one_and_says_so() {
    let review = common::text_review(INSTANCES, None);
    let (description, quantity, _) = line(&review, "aws_sqs_queue.maybe", "sqs.standard.requests");
    assert!(description.contains("not known"), "{description}");
    close(quantity, 100_000.0);
}

/// Nothing created, nothing priced: the cost section says so instead of an empty price
/// date.
#[test]
fn a_review_of_nothing_priced_says_so() {
    let review = common::text_review(
        "resource \"aws_sqs_queue\" \"q\" {\n  count = 0\n  name  = \"q\"\n}\n",
        None,
    );
    let markdown = review.render_markdown().expect("renders");
    assert!(
        markdown.contains("Nothing it holds has a price."),
        "{markdown}"
    );
    assert!(!markdown.contains("prices taken ,"), "{markdown}");
    let html = review.render_html().expect("renders");
    assert!(html.contains("Nothing it holds has a price."));
}
