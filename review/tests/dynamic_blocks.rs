//! Nested blocks written as `dynamic` blocks are read as Terraform generates them.

mod common;

use tfstack_review::{Flag, Review};

/// `f` writes its tracing and dead-letter settings as `dynamic` blocks whose `for_each`
/// is known (one element each); `g` writes its dead-letter setting from a variable
/// without a value: it may or may not have one.
const DYNAMIC: &str = r#"
variable "tracing" {
  type    = bool
  default = true
}

variable "dead_letter_arns" {
  type = list(string)
}

resource "aws_sqs_queue" "dlq" {}

resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
  timeout       = 10

  dynamic "tracing_config" {
    for_each = var.tracing ? [1] : []
    content {
      mode = "Active"
    }
  }

  dynamic "dead_letter_config" {
    for_each = [aws_sqs_queue.dlq.arn]
    content {
      target_arn = dead_letter_config.value
    }
  }
}

resource "aws_lambda_function" "g" {
  function_name = "g"
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "g.zip"
  timeout       = 10

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_arns
    content {
      target_arn = dead_letter_config.value
    }
  }
}

resource "aws_s3_bucket" "b" {
  bucket = "acme-uploads"
}

resource "aws_s3_bucket_notification" "n" {
  bucket = aws_s3_bucket.b.id
  lambda_function {
    lambda_function_arn = aws_lambda_function.f.arn
    events              = ["s3:ObjectCreated:*"]
  }
  lambda_function {
    lambda_function_arn = aws_lambda_function.g.arn
    events              = ["s3:ObjectRemoved:*"]
  }
}
"#;

fn function_cell(review: &Review, function: &str, column: &str) -> (String, Flag) {
    let table = review
        .inventory
        .tables
        .iter()
        .find(|t| t.title == "Lambda functions")
        .expect("a function table");
    let index = table
        .columns
        .iter()
        .position(|c| c == column)
        .expect("the column");
    let row = table
        .rows
        .iter()
        .find(|r| r.component == function)
        .expect("the row");
    (row.cells[index].text.clone(), row.cells[index].flag)
}

#[test]
fn a_dynamic_block_with_known_elements_is_read_as_the_blocks_it_makes() {
    let review = common::text_review(DYNAMIC, None);
    assert_eq!(function_cell(&review, "f", "tracing").0, "active");
    assert_eq!(
        function_cell(&review, "f", "on failure"),
        ("dead letters → dlq".into(), Flag::Plain)
    );
    let graph = review.flow_graph();
    assert!(
        graph
            .edges
            .iter()
            .any(|e| e.from == "aws_lambda_function.f" && e.to == "aws_sqs_queue.dlq"),
        "{:?}",
        graph.edges
    );
    let path = review
        .failures
        .iter()
        .find(|p| p.target == "f")
        .expect("the path to f");
    assert!(!path.lost, "{path:?}");
    assert_eq!(path.destination, "function DLQ dlq");
}

#[test]
fn a_dynamic_block_whose_elements_are_not_known_is_not_read_as_absent() {
    let review = common::text_review(DYNAMIC, None);
    assert_eq!(
        function_cell(&review, "g", "on failure"),
        ("(computed)".into(), Flag::Plain)
    );
    let path = review
        .failures
        .iter()
        .find(|p| p.target == "g")
        .expect("the path to g");
    assert!(!path.lost, "{path:?}");
}
