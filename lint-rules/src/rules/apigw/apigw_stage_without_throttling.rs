use super::shared::rest_api_key;
use crate::{declare_rule, Finding, Rule};
use std::collections::HashSet;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::references::referenced_blocks_in;
use tfstack_lint_engine::query::settings::{dynamics_named, is_configured, setting, Setting};
use tfstack_model::{Block, Expr};

declare_rule! {
    /// ## What it does
    /// Flags an API Gateway stage without default throttling:
    ///
    /// - an `aws_apigatewayv2_stage` whose `default_route_settings` sets neither
    ///   `throttling_rate_limit` nor `throttling_burst_limit`;
    /// - an `aws_api_gateway_stage` for which no `aws_api_gateway_method_settings` (same
    ///   `rest_api_id`, `stage_name` referring to the stage or equal to its name) sets
    ///   `throttling_rate_limit` or `throttling_burst_limit` in `settings` (`-1`, the
    ///   provider's "throttling disabled" and what a plan shows for a limit not set, is
    ///   none), and no
    ///   `aws_api_gateway_usage_plan` with `throttle_settings` lists it in `api_stages`
    ///   (written, or made by a `dynamic "api_stages"` block over a map of stages).
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
        severity: Warning,
    }
}

impl Rule for ApigwStageWithoutThrottling {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for stage in cx.resources("aws_apigatewayv2_stage") {
            if !exists(cx, stage) || throttles(cx, stage, "default_route_settings") {
                continue;
            }
            out.push(finding(stage, false));
        }
        let rest_stages = cx.resources("aws_api_gateway_stage");
        if rest_stages.is_empty() {
            return;
        }
        let throttled = ThrottledStages::collect(cx);
        for stage in rest_stages {
            if exists(cx, stage) && !throttled.covers(cx, stage) {
                out.push(finding(stage, true));
            }
        }
    }
}

/// The REST API stages the throttling method settings and usage plans of the module
/// designate by a (`rest_api_id`, `stage_name`) pair: the stage its `stage_name` refers to,
/// and every stage whose stage name equals the pair's on the same REST API (both
/// `rest_api_key`s known and equal); a pair that refers to one stage may name others.
/// Built in one pass over the pairs, then each stage is two hash lookups:
/// O(stages + method settings + usage plan stages) instead of their product.
#[derive(Default)]
struct ThrottledStages {
    /// Addresses of the stages a `stage_name` refers to.
    by_reference: HashSet<String>,
    /// (`rest_api_key`, evaluated stage name) of every pair with both halves known.
    by_name: HashSet<(String, String)>,
}

impl ThrottledStages {
    fn collect<'m>(cx: &Context<'m>) -> Self {
        let mut throttled = Self::default();
        for settings in cx.resources("aws_api_gateway_method_settings") {
            if exists(cx, settings) && throttles(cx, settings, "settings") {
                throttled.add(
                    cx,
                    settings,
                    settings.body.get("rest_api_id"),
                    settings.body.get("stage_name"),
                );
            }
        }
        for plan in cx.resources("aws_api_gateway_usage_plan") {
            if exists(cx, plan)
                && (is_configured(cx, &plan.body, &["throttle_settings", "rate_limit"])
                    || is_configured(cx, &plan.body, &["throttle_settings", "burst_limit"]))
            {
                // `api_stages` blocks, written or made by a `dynamic` block (whose
                // `api_stages.value…` the query follows into its `for_each`).
                let made = dynamics_named(cx, &plan.body, "api_stages")
                    .flat_map(|d| d.body.blocks_of("content"));
                for api_stage in plan.body.blocks_of("api_stages").chain(made) {
                    throttled.add(
                        cx,
                        plan,
                        api_stage.body.get("api_id"),
                        api_stage.body.get("stage"),
                    );
                }
            }
        }
        throttled
    }

    /// Records a (`rest_api_id`, `stage_name`) pair written in `block`.
    fn add<'m>(
        &mut self,
        cx: &Context<'m>,
        block: &'m Block,
        rest_api_id: Option<&Expr>,
        stage_name: Option<&'m Expr>,
    ) {
        let Some(stage_name) = stage_name else {
            return;
        };
        for stage in referenced_blocks_in(cx, block, stage_name, "aws_api_gateway_stage") {
            self.by_reference.insert(stage.address());
        }
        let name = cx.value(stage_name);
        if let (Some(name), Some(api)) =
            (name.as_str(), rest_api_id.and_then(|e| rest_api_key(cx, e)))
        {
            self.by_name.insert((api, name.to_string()));
        }
    }

    /// Whether a recorded pair designates `stage`: refers to it, or names it on its REST API.
    fn covers(&self, cx: &Context, stage: &Block) -> bool {
        if self.by_reference.contains(&stage.address()) {
            return true;
        }
        let own = cx.attr(stage, "stage_name");
        let Some(name) = own.as_ref().and_then(|v| v.as_str()) else {
            return false;
        };
        stage
            .body
            .get("rest_api_id")
            .and_then(|e| rest_api_key(cx, e))
            .is_some_and(|api| self.by_name.contains(&(api, name.to_string())))
    }
}

/// Whether the nested block `settings` of `body` sets a rate or burst limit.
/// Whether `block`'s `settings` set a rate or burst limit. A negative limit is none: `-1`
/// is the provider's "throttling disabled" (and what a plan shows for a limit not set).
/// A limit not known counts.
fn throttles(cx: &Context, block: &Block, settings: &str) -> bool {
    ["throttling_rate_limit", "throttling_burst_limit"]
        .iter()
        .any(|limit| match setting(cx, block, &[settings, limit]) {
            Setting::Unset => false,
            Setting::Unknown => true,
            Setting::Known { value, .. } => !value.is_null() && value.as_f64().is_none_or(|n| n >= 0.0),
        })
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
    Finding::new(&ApigwStageWithoutThrottling::META, message)
        .at(stage.origin)
        .label("no throttling")
        .help(help.to_string())
        .resource(stage.address())
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
# -1 is the provider's "throttling disabled" (a plan shows it for a limit not set).
resource "aws_api_gateway_stage" "test" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  deployment_id = aws_api_gateway_deployment.legacy.id
  stage_name    = "test"
}}
resource "aws_api_gateway_method_settings" "test" {{
  rest_api_id = aws_api_gateway_rest_api.legacy.id
  stage_name  = aws_api_gateway_stage.test.stage_name
  method_path = "*/*"
  settings {{
    throttling_rate_limit  = -1
    throttling_burst_limit = -1
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
                "aws_api_gateway_stage.dev",
                "aws_api_gateway_stage.test"
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
    fn a_usage_plan_listing_stages_with_a_dynamic_block_throttles_them() {
        let found = addresses(&format!(
            r#"{REST_API}
resource "aws_api_gateway_stage" "staging" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  deployment_id = aws_api_gateway_deployment.legacy.id
  stage_name    = "staging"
}}
resource "aws_api_gateway_stage" "canary" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  deployment_id = aws_api_gateway_deployment.legacy.id
  stage_name    = "canary"
}}
locals {{
  plans = {{
    partners = {{ stage = aws_api_gateway_stage.staging.stage_name }}
  }}
}}
resource "aws_api_gateway_usage_plan" "partners" {{
  name = "partners"
  dynamic "api_stages" {{
    for_each = local.plans
    content {{
      api_id = aws_api_gateway_rest_api.legacy.id
      stage  = api_stages.value.stage
    }}
  }}
  throttle_settings {{
    rate_limit  = 20
    burst_limit = 10
  }}
}}
"#
        ));
        assert_eq!(found, ["aws_api_gateway_stage.canary"]);
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
    fn several_stages_method_settings_and_plans() {
        let stage = |name: &str, api: &str, stage_name: &str| {
            format!(
                r#"
resource "aws_api_gateway_stage" "{name}" {{
  rest_api_id   = {api}
  deployment_id = "d1"
  stage_name    = "{stage_name}"
}}
"#
            )
        };
        let legacy = "aws_api_gateway_rest_api.legacy.id";
        let other = "aws_api_gateway_rest_api.other.id";
        let found = addresses(&format!(
            r#"{REST_API}
resource "aws_api_gateway_rest_api" "other" {{
  name = "other"
}}
{}{}{}{}{}{}{}
# Refers to `legacy_dev`, and names `dev` on `legacy`.
resource "aws_api_gateway_method_settings" "legacy_dev" {{
  rest_api_id = aws_api_gateway_rest_api.legacy.id
  stage_name  = aws_api_gateway_stage.legacy_dev.stage_name
  method_path = "*/*"
  settings {{
    throttling_rate_limit = 10
  }}
}}
# Refers to `legacy_prod` (whatever its API), and names `prod` on `other`.
resource "aws_api_gateway_method_settings" "crossed" {{
  rest_api_id = aws_api_gateway_rest_api.other.id
  stage_name  = aws_api_gateway_stage.legacy_prod.stage_name
  method_path = "*/*"
  settings {{
    throttling_burst_limit = 10
  }}
}}
# No throttling.
resource "aws_api_gateway_method_settings" "abc_v1" {{
  rest_api_id = "abc"
  stage_name  = "v1"
  method_path = "*/*"
  settings {{
    metrics_enabled = true
  }}
}}
resource "aws_api_gateway_method_settings" "abc_v2" {{
  rest_api_id = "abc"
  stage_name  = "v2"
  method_path = "*/*"
  settings {{
    throttling_burst_limit = 5
  }}
}}
resource "aws_api_gateway_usage_plan" "partners" {{
  name = "partners"
  api_stages {{
    api_id = aws_api_gateway_rest_api.other.id
    stage  = "dev"
  }}
  throttle_settings {{
    rate_limit = 20
  }}
}}
"#,
            stage("legacy_prod", legacy, "prod"),
            stage("legacy_dev", legacy, "dev"),
            stage("legacy_qa", legacy, "qa"),
            stage("other_prod", other, "prod"),
            stage("other_dev", other, "dev"),
            stage("abc_v1", "\"abc\"", "v1"),
            stage("abc_v2", "\"abc\"", "v2"),
        ));
        assert_eq!(
            found,
            [
                "aws_api_gateway_stage.legacy_qa",
                "aws_api_gateway_stage.abc_v1"
            ]
        );
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
