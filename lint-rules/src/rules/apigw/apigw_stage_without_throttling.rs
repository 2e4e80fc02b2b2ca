use crate::context::Context;
use crate::rules::dlq::{exists, is_configured, referenced_blocks};
use crate::{declare_rule, Finding, Rule, RuleMeta};
use tfstack_model::{Block, Body, Expr};

declare_rule! {
    /// ## What it does
    /// Flags an API Gateway stage without default throttling:
    ///
    /// - an `aws_apigatewayv2_stage` whose `default_route_settings` sets neither
    ///   `throttling_rate_limit` nor `throttling_burst_limit`;
    /// - an `aws_api_gateway_stage` for which no `aws_api_gateway_method_settings` (same
    ///   `rest_api_id`, `stage_name` referring to the stage or equal to its name) sets
    ///   `throttling_rate_limit` or `throttling_burst_limit` in `settings`, and no
    ///   `aws_api_gateway_usage_plan` with `throttle_settings` lists it in `api_stages`.
    ///
    /// ## Why is this bad?
    /// Seed 002: "no aplicar rate limiting". Without stage throttling, the only limit is the
    /// account's regional quota (10,000 requests per second by default), shared by every API
    /// of the account: one client in a loop, a scraper or a retry storm can consume all of
    /// it, run the functions behind the API to their concurrency limit and the bill up, and
    /// take the account's other APIs down with it.
    ///
    /// ## What it deliberately does not flag
    /// - Per-route or per-method throttling alone is not looked into for coverage: any
    ///   method settings with throttling count for a REST API stage (the rule does not check
    ///   that every method is covered), while HTTP API `route_settings` do not replace
    ///   `default_route_settings`.
    /// - A throttling value it cannot know before apply counts as set.
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
    ///   default_route_settings {
    ///     throttling_rate_limit  = 50
    ///     throttling_burst_limit = 100
    ///   }
    /// }
    /// ```
    pub struct ApigwStageWithoutThrottling {
        id: "APIGW003",
        name: "apigw-stage-without-throttling",
        family: "APIGW",
        severity: Warning,
    }
}

impl Rule for ApigwStageWithoutThrottling {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for stage in cx.resources("aws_apigatewayv2_stage") {
            if !exists(cx, stage) || throttles(cx, &stage.body, "default_route_settings") {
                continue;
            }
            out.push(finding(stage, false));
        }
        for stage in cx.resources("aws_api_gateway_stage") {
            if !exists(cx, stage) {
                continue;
            }
            let by_method_settings =
                cx.resources("aws_api_gateway_method_settings")
                    .iter()
                    .any(|s| {
                        exists(cx, s)
                            && throttles(cx, &s.body, "settings")
                            && designates_stage(
                                cx,
                                stage,
                                s.body.get("rest_api_id"),
                                s.body.get("stage_name"),
                            )
                    });
            let by_usage_plan = cx
                .resources("aws_api_gateway_usage_plan")
                .iter()
                .any(|plan| {
                    exists(cx, plan)
                        && (is_configured(cx, &plan.body, &["throttle_settings", "rate_limit"])
                            || is_configured(cx, &plan.body, &["throttle_settings", "burst_limit"]))
                        && plan.body.blocks_of("api_stages").any(|s| {
                            designates_stage(cx, stage, s.body.get("api_id"), s.body.get("stage"))
                        })
                });
            if !by_method_settings && !by_usage_plan {
                out.push(finding(stage, true));
            }
        }
    }
}

/// Whether the nested block `settings` of `body` sets a rate or burst limit.
fn throttles(cx: &Context, body: &Body, settings: &str) -> bool {
    ["throttling_rate_limit", "throttling_burst_limit"]
        .iter()
        .any(|limit| is_configured(cx, body, &[settings, limit]))
}

/// Whether a (`rest_api_id`, `stage_name`) pair designates `stage`: the stage name refers to
/// the stage, or equals its name on the same REST API.
fn designates_stage(
    cx: &Context,
    stage: &Block,
    rest_api_id: Option<&Expr>,
    stage_name: Option<&Expr>,
) -> bool {
    let Some(stage_name) = stage_name else {
        return false;
    };
    if referenced_blocks(cx, stage_name, "aws_api_gateway_stage")
        .iter()
        .any(|s| s.address() == stage.address())
    {
        return true;
    }
    let name = cx.value(stage_name);
    let own = cx.attr(stage, "stage_name");
    let same_name = matches!(
        (name.as_str(), own.as_ref().and_then(|v| v.as_str())),
        (Some(a), Some(b)) if a == b
    );
    same_name
        && match (rest_api_id, stage.body.get("rest_api_id")) {
            (Some(a), Some(b)) => same_rest_api(cx, a, b),
            _ => false,
        }
}

/// Whether two `rest_api_id` expressions designate the same REST API: the same
/// `aws_api_gateway_rest_api`, or equal known values.
pub(crate) fn same_rest_api(cx: &Context, a: &Expr, b: &Expr) -> bool {
    match (rest_api_key(cx, a), rest_api_key(cx, b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// What a `rest_api_id` designates: a REST API of the module, or a known ID.
pub(crate) fn rest_api_key(cx: &Context, expr: &Expr) -> Option<String> {
    if let Some(api) = referenced_blocks(cx, expr, "aws_api_gateway_rest_api").first() {
        return Some(api.address());
    }
    cx.value(expr).as_str().map(str::to_string)
}

fn finding(stage: &Block, rest_api: bool) -> Finding {
    let (message, help) = if rest_api {
        (
            format!(
                "stage `{}` has no throttling: no method settings or usage plan limit its request \
                 rate",
                stage.address()
            ),
            "add an `aws_api_gateway_method_settings` with `method_path = \"*/*\"` and \
             `throttling_rate_limit`/`throttling_burst_limit` in `settings`",
        )
    } else {
        (
            format!(
                "stage `{}` has no default throttling: only the account's regional quota limits \
                 its request rate",
                stage.address()
            ),
            "set `throttling_rate_limit` and `throttling_burst_limit` in \
             `default_route_settings`",
        )
    };
    Finding {
        rule: &ApigwStageWithoutThrottling::META,
        message,
        label: "no throttling".to_string(),
        help: help.to_string(),
        origin: stage.origin,
        resource: Some(stage.address()),
        attribute: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "APIGW003";

    fn addresses(text: &str) -> Vec<String> {
        lint_hcl(RULE, text)
            .into_iter()
            .filter_map(|f| f.resource)
            .collect()
    }

    const REST_API: &str = r#"
resource "aws_api_gateway_rest_api" "legacy" {
  name = "legacy"
}
resource "aws_api_gateway_deployment" "legacy" {
  rest_api_id = aws_api_gateway_rest_api.legacy.id
}
"#;

    #[test]
    fn fires_without_throttling() {
        let found = addresses(&format!(
            r#"{REST_API}
resource "aws_apigatewayv2_stage" "bare" {{
  api_id = "a1b2c3"
  name   = "prod"
}}
resource "aws_apigatewayv2_stage" "logging_only" {{
  api_id = "a1b2c3"
  name   = "dev"
  default_route_settings {{
    detailed_metrics_enabled = true
  }}
}}
resource "aws_api_gateway_stage" "prod" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  deployment_id = aws_api_gateway_deployment.legacy.id
  stage_name    = "prod"
}}
# Method settings of another stage, and without throttling.
resource "aws_api_gateway_stage" "dev" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  deployment_id = aws_api_gateway_deployment.legacy.id
  stage_name    = "dev"
}}
resource "aws_api_gateway_method_settings" "dev_logging" {{
  rest_api_id = aws_api_gateway_rest_api.legacy.id
  stage_name  = aws_api_gateway_stage.dev.stage_name
  method_path = "*/*"
  settings {{
    metrics_enabled = true
  }}
}}
"#
        ));
        assert_eq!(
            found,
            [
                "aws_apigatewayv2_stage.bare",
                "aws_apigatewayv2_stage.logging_only",
                "aws_api_gateway_stage.prod",
                "aws_api_gateway_stage.dev"
            ]
        );
    }

    #[test]
    fn quiet_with_throttling() {
        let found = addresses(&format!(
            r#"{REST_API}
variable "rate" {{
  type = number
}}
resource "aws_apigatewayv2_stage" "prod" {{
  api_id = "a1b2c3"
  name   = "prod"
  default_route_settings {{
    throttling_rate_limit  = 50
    throttling_burst_limit = 100
  }}
}}
resource "aws_apigatewayv2_stage" "unknown" {{
  api_id = "a1b2c3"
  name   = "unknown"
  default_route_settings {{
    throttling_rate_limit = var.rate
  }}
}}
resource "aws_apigatewayv2_stage" "gone" {{
  count  = 0
  api_id = "a1b2c3"
  name   = "gone"
}}
resource "aws_api_gateway_stage" "by_reference" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  deployment_id = aws_api_gateway_deployment.legacy.id
  stage_name    = "prod"
}}
resource "aws_api_gateway_method_settings" "all" {{
  rest_api_id = aws_api_gateway_rest_api.legacy.id
  stage_name  = aws_api_gateway_stage.by_reference.stage_name
  method_path = "*/*"
  settings {{
    throttling_rate_limit  = 100
    throttling_burst_limit = 50
  }}
}}
resource "aws_api_gateway_stage" "by_name" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  deployment_id = aws_api_gateway_deployment.legacy.id
  stage_name    = "staging"
}}
resource "aws_api_gateway_method_settings" "staging" {{
  rest_api_id = aws_api_gateway_rest_api.legacy.id
  stage_name  = "staging"
  method_path = "items/GET"
  settings {{
    throttling_burst_limit = 10
  }}
}}
resource "aws_api_gateway_stage" "partners" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  deployment_id = aws_api_gateway_deployment.legacy.id
  stage_name    = "partners"
}}
resource "aws_api_gateway_usage_plan" "partners" {{
  name = "partners"
  api_stages {{
    api_id = aws_api_gateway_rest_api.legacy.id
    stage  = aws_api_gateway_stage.partners.stage_name
  }}
  throttle_settings {{
    rate_limit  = 20
    burst_limit = 40
  }}
}}
"#
        ));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn same_name_on_another_api_does_not_count() {
        let found = addresses(&format!(
            r#"{REST_API}
resource "aws_api_gateway_stage" "prod" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  deployment_id = aws_api_gateway_deployment.legacy.id
  stage_name    = "prod"
}}
resource "aws_api_gateway_method_settings" "elsewhere" {{
  rest_api_id = "z9y8x7"
  stage_name  = "prod"
  method_path = "*/*"
  settings {{
    throttling_rate_limit = 100
  }}
}}
"#
        ));
        assert_eq!(found, ["aws_api_gateway_stage.prod"]);
    }

    #[test]
    fn tf_json() {
        let f = lint_files_with(
            RULE,
            &[(
                "main.tf.json",
                r#"{"resource": {"aws_apigatewayv2_stage": {"prod": {
  "api_id": "a1b2c3", "name": "prod",
  "default_route_settings": [{"throttling_rate_limit": 50}]
}, "dev": {"api_id": "a1b2c3", "name": "dev"}}}}"#,
            )],
            None,
        );
        let found: Vec<_> = f.iter().filter_map(|x| x.resource.clone()).collect();
        assert_eq!(found, ["aws_apigatewayv2_stage.dev"]);
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_apigatewayv2_stage" "prod" {
  api_id = "a1b2c3"
  name   = "prod"
}

resource "aws_api_gateway_stage" "v1" {
  rest_api_id   = "a1b2c3"
  deployment_id = "d1"
  stage_name    = "v1"
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
