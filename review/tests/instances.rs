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
