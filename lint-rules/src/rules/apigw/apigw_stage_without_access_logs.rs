use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::is_configured;
use tfstack_model::Block;

declare_rule! {
    /// ## What it does
    /// Flags an API Gateway stage — `aws_apigatewayv2_stage` (HTTP and WebSocket APIs) or
    /// `aws_api_gateway_stage` (REST APIs) — without `access_log_settings` naming a
    /// `destination_arn`.
    ///
    /// ## Why is this bad?
    /// Access logs are the only record of who called the API, from where, which route and
    /// with which result: without them a 4xx/5xx spike, an abusive client or a security
    /// incident cannot be investigated, and throttling cannot be tuned from real traffic.
    /// Execution logs and metrics do not say who made a request.
    ///
    /// ## What it deliberately does not flag
    /// - A destination it cannot know before apply, or a `dynamic "access_log_settings"`
    ///   block unless its `for_each` is known to be empty: both count as set.
    /// - Stages with `count = 0`, and stages a deployment creates implicitly
    ///   (`aws_api_gateway_deployment.stage_name`, deprecated).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_apigatewayv2_stage" "prod" {
    ///   api_id = aws_apigatewayv2_api.orders.id
    ///   name   = "prod"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_apigatewayv2_stage" "prod" {
    ///   api_id = aws_apigatewayv2_api.orders.id
    ///   name   = "prod"
    ///
    ///   access_log_settings {
    ///     destination_arn = aws_cloudwatch_log_group.orders_api.arn
    ///     format = jsonencode({
    ///       requestId = "$context.requestId"
    ///       ip        = "$context.identity.sourceIp"
    ///       routeKey  = "$context.routeKey"
    ///       status    = "$context.status"
    ///     })
    ///   }
    /// }
    /// ```
    pub struct ApigwStageWithoutAccessLogs {
        id: "APIGW004",
        name: "apigw-stage-without-access-logs",
        severity: Warning,
    }
}

impl Rule for ApigwStageWithoutAccessLogs {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for stage_type in ["aws_apigatewayv2_stage", "aws_api_gateway_stage"] {
            for stage in cx.resources(stage_type) {
                if exists(cx, stage)
                    && !is_configured(cx, &stage.body, &["access_log_settings", "destination_arn"])
                {
                    out.push(finding(stage));
                }
            }
        }
    }
}

fn finding(stage: &Block) -> Finding {
    let (label, attribute) = match stage.body.block("access_log_settings") {
        Some(_) => (
            "no log destination",
            Some("access_log_settings".to_string()),
        ),
        None => ("no access logs", None),
    };
    let origin = stage
        .body
        .block("access_log_settings")
        .map_or(stage.origin, |b| b.origin);
    Finding::new(
        &ApigwStageWithoutAccessLogs::META,
        format!(
            "stage `{}` writes no access logs: who called the API, and with which result, is \
             not recorded",
            stage.address()
        ),
    )
    .at(origin)
    .label(label.to_string())
    .help(
        "add `access_log_settings` with a CloudWatch log group's `destination_arn` and a \
               JSON `format`",
    )
    .resource(stage.address())
    .attribute(attribute)
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "APIGW004";

    fn addresses(text: &str) -> Vec<String> {
        lint_hcl(RULE, text)
            .into_iter()
            .filter_map(|f| f.resource)
            .collect()
    }

    #[test]
    fn fires_without_access_logs() {
        let found = addresses(
            r#"
resource "aws_apigatewayv2_stage" "http" {
  api_id = "a1b2c3"
  name   = "prod"
}
resource "aws_apigatewayv2_stage" "null_destination" {
  api_id = "a1b2c3"
  name   = "dev"
  access_log_settings {
    destination_arn = null
    format          = "$context.requestId"
  }
}
resource "aws_api_gateway_stage" "rest" {
  rest_api_id   = "a1b2c3"
  deployment_id = "d1"
  stage_name    = "prod"
}
resource "aws_api_gateway_stage" "switched_off" {
  rest_api_id   = "a1b2c3"
  deployment_id = "d1"
  stage_name    = "qa"
  dynamic "access_log_settings" {
    for_each = []
    content {
      destination_arn = "arn:aws:logs:eu-west-1:111122223333:log-group:qa"
      format          = "$context.requestId"
    }
  }
}
"#,
        );
        assert_eq!(
            found,
            [
                "aws_apigatewayv2_stage.http",
                "aws_apigatewayv2_stage.null_destination",
                "aws_api_gateway_stage.rest",
                "aws_api_gateway_stage.switched_off"
            ]
        );
    }

    #[test]
    fn quiet_with_access_logs() {
        let found = addresses(
            r#"
variable "log_destination" {
  type = string
}
variable "access_logs" {
  type = bool
}
resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/apigateway/orders"
  retention_in_days = 30
}
resource "aws_apigatewayv2_stage" "http" {
  api_id = "a1b2c3"
  name   = "prod"
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api.arn
    format          = jsonencode({ requestId = "$context.requestId" })
  }
}
resource "aws_api_gateway_stage" "rest" {
  rest_api_id   = "a1b2c3"
  deployment_id = "d1"
  stage_name    = "prod"
  access_log_settings {
    destination_arn = var.log_destination
    format          = "$context.requestId"
  }
}
resource "aws_api_gateway_stage" "conditional" {
  rest_api_id   = "a1b2c3"
  deployment_id = "d1"
  stage_name    = "staging"
  dynamic "access_log_settings" {
    for_each = var.access_logs ? [1] : []
    content {
      destination_arn = aws_cloudwatch_log_group.api.arn
      format          = "$context.requestId"
    }
  }
}
resource "aws_apigatewayv2_stage" "gone" {
  count  = 0
  api_id = "a1b2c3"
  name   = "gone"
}
"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn tfvars_decide() {
        let main = r#"
variable "access_logs" {
  type    = bool
  default = true
}
resource "aws_apigatewayv2_stage" "prod" {
  api_id = "a1b2c3"
  name   = "prod"
  dynamic "access_log_settings" {
    for_each = var.access_logs ? ["on"] : []
    content {
      destination_arn = "arn:aws:logs:eu-west-1:111122223333:log-group:api"
      format          = "$context.requestId"
    }
  }
}
"#;
        assert!(lint_files_with(RULE, &[("main.tf", main)], None).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                ("terraform.tfvars", "access_logs = false\n"),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_apigatewayv2_stage" "prod" {
  api_id      = "a1b2c3"
  name        = "prod"
  auto_deploy = false
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
