//! Grants written with `NotAction`: an Allow of every action but those listed.

mod common;

const NOT_ACTION: &str = r#"
resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy" "p" {
  role = aws_iam_role.r.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", NotAction = ["iam:*"], Resource = "*" },
    ]
  })
}

resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = aws_iam_role.r.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
  timeout       = 10
}

resource "aws_sqs_queue" "q" {
  name = "q"
}

resource "aws_sqs_queue_policy" "q" {
  queue_url = aws_sqs_queue.q.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
      NotAction = "sqs:DeleteQueue"
      Resource  = aws_sqs_queue.q.arn
    }]
  })
}
"#;

#[test]
fn an_allow_with_not_action_grants_every_other_action_and_is_a_wildcard() {
    let review = common::text_review(NOT_ACTION, None);
    let grants = &review.access.grants;
    let identity = grants
        .iter()
        .find(|g| g.source == "aws_iam_role_policy.p")
        .expect("the role policy's grant");
    assert_eq!(identity.actions, ["every action except iam:*"]);
    assert!(
        identity.wildcard_action && identity.wildcard_resource,
        "{identity:?}"
    );
    let resource = grants
        .iter()
        .find(|g| g.source == "aws_sqs_queue_policy.q")
        .expect("the queue policy's grant");
    assert_eq!(resource.actions, ["every action except sqs:DeleteQueue"]);
    assert!(resource.wildcard_action, "{resource:?}");
    assert_eq!(review.access.wildcard_count(), 2);
}

/// A permissions boundary grants nothing: it limits what the role's policies grant. A
/// managed policy the role lists in `managed_policy_arns` is one of its grants.
#[test]
fn a_permissions_boundary_is_no_grant() {
    let hcl = r#"
resource "aws_iam_policy" "boundary" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_iam_policy" "read" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::r/*" }] })
}

resource "aws_iam_role" "r" {
  permissions_boundary = aws_iam_policy.boundary.arn
  managed_policy_arns  = [aws_iam_policy.read.arn]
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}
"#;
    let review = common::text_review(hcl, None);
    let sources: Vec<&str> = review
        .access
        .grants
        .iter()
        .map(|g| g.source.as_str())
        .collect();
    assert_eq!(
        sources,
        ["aws_iam_policy.read"],
        "{:?}",
        review.access.grants
    );
}

/// The routes an OpenAPI `body` defines are entry points, each with how it is authorized;
/// a private REST API's are reached through VPC endpoints only.
#[test]
fn operations_of_an_openapi_body_are_entry_points() {
    let api = |name: &str, kind: &str, extra: &str| {
        let (resource, protocol) = match kind {
            "http" => ("aws_apigatewayv2_api", "  protocol_type = \"HTTP\"\n"),
            _ => ("aws_api_gateway_rest_api", ""),
        };
        format!(
            r#"
resource "{resource}" "{name}" {{
  name = "{name}"
{protocol}{extra}  body = jsonencode({{
    openapi = "3.0.1"
    paths = {{
      "/submit" = {{ post = {{}} }}
      "/items"  = {{ get = {{ security = [{{ sigv4 = [] }}] }} }}
    }}
  }})
}}
"#
        )
    };
    let hcl = [
        api("public", "http", ""),
        api(
            "internal",
            "rest",
            "  endpoint_configuration {\n    types = [\"PRIVATE\"]\n  }\n",
        ),
    ]
    .concat();
    let review = common::text_review(&hcl, None);
    let entries: Vec<(&str, &str, &str, bool)> = review
        .access
        .entry_points
        .iter()
        .map(|e| {
            (
                e.component.as_str(),
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
                "internal (REST API)",
                "GET /items",
                "private API (VPC endpoints)",
                false
            ),
            (
                "internal (REST API)",
                "POST /submit",
                "private API (VPC endpoints)",
                false
            ),
            (
                "public (HTTP API)",
                "GET /items",
                "security scheme sigv4",
                false
            ),
            ("public (HTTP API)", "POST /submit", "none", true),
        ]
    );
    assert_eq!(review.access.open_entry_count(), 1);
}

/// A private REST API's methods are reached through the account's VPC endpoints only: not
/// open entry points.
#[test]
fn methods_of_a_private_rest_api_are_not_open() {
    let hcl = r#"
resource "aws_api_gateway_rest_api" "internal" {
  name = "internal"
  endpoint_configuration {
    types = ["PRIVATE"]
  }
}
resource "aws_api_gateway_resource" "items" {
  rest_api_id = aws_api_gateway_rest_api.internal.id
  parent_id   = aws_api_gateway_rest_api.internal.root_resource_id
  path_part   = "items"
}
resource "aws_api_gateway_method" "get" {
  rest_api_id   = aws_api_gateway_rest_api.internal.id
  resource_id   = aws_api_gateway_resource.items.id
  http_method   = "GET"
  authorization = "NONE"
}
"#;
    let review = common::text_review(hcl, None);
    let entries: Vec<(&str, &str, bool)> = review
        .access
        .entry_points
        .iter()
        .map(|e| (e.route.as_str(), e.authorization.as_str(), e.open))
        .collect();
    assert_eq!(
        entries,
        [("GET /items", "private API (VPC endpoints)", false)]
    );
}
