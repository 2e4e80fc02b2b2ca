use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::{setting, Setting};
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Notes an `aws_api_gateway_stage` (a REST API stage) without active X-Ray tracing:
    /// `xray_tracing_enabled` unset or `false`.
    ///
    /// ## Why is this bad?
    /// Without it a request's trace starts at the function, not at the API: the time spent
    /// in API Gateway (authorizers, integrations, throttling) and the requests that never
    /// reached a function are missing from the service map, which is where a latency or
    /// error investigation starts. Tracing a stage costs per traced request, sampled at
    /// the X-Ray default (the first request each second and 5% of the rest); it is a note,
    /// run by the `strict` profile.
    ///
    /// HTTP API stages (`aws_apigatewayv2_stage`) are not checked: API Gateway supports
    /// active X-Ray tracing for REST APIs only.
    ///
    /// ## What it deliberately does not flag
    /// - A setting it cannot evaluate, and stages with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_api_gateway_stage" "prod" {
    ///   rest_api_id   = aws_api_gateway_rest_api.orders.id
    ///   deployment_id = aws_api_gateway_deployment.orders.id
    ///   stage_name    = "prod"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_api_gateway_stage" "prod" {
    ///   rest_api_id          = aws_api_gateway_rest_api.orders.id
    ///   deployment_id        = aws_api_gateway_deployment.orders.id
    ///   stage_name           = "prod"
    ///   xray_tracing_enabled = true
    /// }
    /// ```
    pub struct ApigwRestStageWithoutTracing {
        id: "APIGW006",
        name: "apigw-rest-stage-without-tracing",
        severity: Note,
    }
}

impl Rule for ApigwRestStageWithoutTracing {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for stage in cx.resources("aws_api_gateway_stage") {
            if !exists(cx, stage) {
                continue;
            }
            let tracing = setting(cx, stage, &["xray_tracing_enabled"]);
            if tracing.bool_or(false) == Some(false) {
                let written = match tracing {
                    Setting::Known { origin, .. } => Some(origin),
                    _ => None,
                };
                out.push(finding(stage, written));
            }
        }
    }
}

fn finding(stage: &Block, written: Option<Origin>) -> Finding {
    Finding::new(
        &ApigwRestStageWithoutTracing::META,
        format!(
            "REST API stage `{}` has no active X-Ray tracing: traces start at the function",
            stage.address()
        ),
    )
    .at(written.unwrap_or(stage.origin))
    .label(match written {
        Some(_) => "tracing off",
        None => "no `xray_tracing_enabled`",
    })
    .help("set `xray_tracing_enabled = true`")
    .resource(stage.address())
    .attribute(written.map(|_| "xray_tracing_enabled"))
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_hcl, render_all};

    const RULE: &str = "APIGW006";

    fn stage(name: &str, extra: &str) -> String {
        format!(
            "resource \"aws_api_gateway_stage\" \"{name}\" {{\n  rest_api_id   = \"a1b2c3\"\n  deployment_id = \"d1\"\n  stage_name    = \"{name}\"\n{extra}}}\n"
        )
    }

    #[test]
    fn fires_without_tracing() {
        let text = [stage("unset", ""), stage("off", "  xray_tracing_enabled = false\n")].concat();
        let f = lint_hcl(RULE, &text);
        assert_eq!(
            addresses(&f),
            ["aws_api_gateway_stage.unset", "aws_api_gateway_stage.off"]
        );
        assert_eq!(f[1].attribute.as_deref(), Some("xray_tracing_enabled"));
    }

    #[test]
    fn quiet_with_tracing_unknown_or_http_api() {
        let text = [
            "variable \"tracing\" {}\n".to_string(),
            stage("on", "  xray_tracing_enabled = true\n"),
            stage("unknown", "  xray_tracing_enabled = var.tracing\n"),
            stage("none", "  count = 0\n"),
            "resource \"aws_apigatewayv2_stage\" \"http\" {\n  api_id = \"a\"\n  name   = \"$default\"\n}\n"
                .to_string(),
        ]
        .concat();
        let f = lint_hcl(RULE, &text);
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        insta::assert_snapshot!(render_all(&lint_hcl(RULE, &stage("prod", ""))));
    }
}
