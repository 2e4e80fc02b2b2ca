//! Standard and Express workflows: their timeouts and where an uncaught task failure goes.

mod common;

use tfstack_review::{Flag, Review};

/// One machine of each type calling the same function, none catching its failure.
const MACHINES: &str = r#"
resource "aws_lambda_function" "b" {
  function_name = "b"
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
  timeout       = 10
}

resource "aws_cloudwatch_log_group" "logged" {
  name = "/aws/vendedlogs/states/logged"
}

resource "aws_sfn_state_machine" "express" {
  name     = "express"
  role_arn = "arn:aws:iam::123456789012:role/sfn"
  type     = "EXPRESS"
  definition = jsonencode({
    StartAt = "B"
    States  = { B = { Type = "Task", Resource = aws_lambda_function.b.arn, End = true } }
  })
}

resource "aws_sfn_state_machine" "logged" {
  name     = "logged"
  role_arn = "arn:aws:iam::123456789012:role/sfn"
  type     = "EXPRESS"
  definition = jsonencode({
    StartAt = "B"
    States  = { B = { Type = "Task", Resource = aws_lambda_function.b.arn, End = true } }
  })
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.logged.arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }
}

resource "aws_sfn_state_machine" "standard" {
  name     = "standard"
  role_arn = "arn:aws:iam::123456789012:role/sfn"
  definition = jsonencode({
    StartAt = "B"
    States  = { B = { Type = "Task", Resource = aws_lambda_function.b.arn, End = true } }
  })
}
"#;

fn timeout(review: &Review, machine: &str) -> (String, Flag) {
    let table = review
        .inventory
        .tables
        .iter()
        .find(|t| t.title == "State machines")
        .expect("a state machine table");
    let column = table
        .columns
        .iter()
        .position(|c| c == "timeout")
        .expect("a timeout column");
    let row = table
        .rows
        .iter()
        .find(|r| r.component == machine)
        .expect("a row");
    (row.cells[column].text.clone(), row.cells[column].flag)
}

#[test]
fn a_workflow_without_timeout_runs_as_long_as_its_type_allows() {
    let review = common::text_review(MACHINES, None);
    assert_eq!(
        timeout(&review, "express"),
        ("none (5 min, the Express maximum)".into(), Flag::Plain)
    );
    assert_eq!(
        timeout(&review, "standard"),
        ("none (1 year)".into(), Flag::Warn)
    );
}

#[test]
fn an_uncaught_failure_of_an_express_workflow_is_kept_only_by_its_logs() {
    let review = common::text_review(MACHINES, None);
    let path = |machine: &str| {
        review
            .failures
            .iter()
            .find(|f| f.source == machine)
            .unwrap_or_else(|| panic!("no failure path of {machine}"))
    };
    let standard = path("standard");
    assert!(!standard.lost && standard.fails_execution);
    assert!(
        standard.destination.contains("history keeps the input"),
        "{}",
        standard.destination
    );
    // No history and no logs: nothing keeps what failed.
    let express = path("express");
    assert!(express.lost, "{express:?}");
    assert!(
        express
            .destination
            .contains("keeps no history and its logging is off"),
        "{}",
        express.destination
    );
    let logged = path("logged");
    assert!(!logged.lost && logged.fails_execution, "{logged:?}");
    assert!(
        logged.destination.contains("logs keep the input"),
        "{}",
        logged.destination
    );
}

/// A task retried 3 times for one error and twice for another.
const TWO_RETRIERS: &str = r#"
resource "aws_lambda_function" "b" {
  function_name = "b"
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
  timeout       = 10
}

resource "aws_sfn_state_machine" "m" {
  name     = "m"
  role_arn = "arn:aws:iam::123456789012:role/sfn"
  definition = jsonencode({
    StartAt = "B"
    States = {
      B = {
        Type     = "Task"
        Resource = aws_lambda_function.b.arn
        Retry = [
          { ErrorEquals = ["States.TaskFailed"], MaxAttempts = 3 },
          { ErrorEquals = ["Lambda.ServiceException"], MaxAttempts = 2 },
        ]
        End = true
      }
    }
  })
}
"#;

#[test]
fn retries_are_the_most_one_error_gets_not_the_sum_of_the_retriers() {
    let review = common::text_review(TWO_RETRIERS, None);
    let path = review
        .failures
        .iter()
        .find(|f| f.source == "m")
        .expect("the task's path");
    // The first retrier whose errors match applies: no error is retried 5 times.
    assert_eq!(path.retries, "up to 3 retries");
}
