use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_apigatewayv2_stage` with `auto_deploy = true` in production.
    ///
    /// Production is decided, first match wins: the module's environment (a typed stack's
    /// environment, `--env`, or the `[environments]` entry of tfstack.toml for the module's
    /// directory); the stage's name (`prod`, `production`, … or a configured production
    /// name; a known non-production name such as `dev` or `staging` says it is not); a
    /// variable `environment`, `env` or `stage` (tfvars included); an `Environment`/`env`
    /// tag on the stage. When none of them tells, a notice says the stage was not judged
    /// and how to tell the environment.
    ///
    /// ## Why is this bad?
    /// With automatic deployment every change to a route, integration or authorizer goes
    /// live the moment it is applied, one resource at a time, with no deployment to review,
    /// promote or roll back to. A half-applied change (a route without its authorizer) is
    /// briefly what production serves.
    ///
    /// It deliberately does not flag stages it cannot tell are production (it notes them
    /// instead), an `auto_deploy` value it cannot evaluate, or REST API stages
    /// (`aws_api_gateway_stage` has no automatic deployment).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_apigatewayv2_stage" "prod" {
    ///   api_id      = aws_apigatewayv2_api.orders.id
    ///   name        = "prod"
    ///   auto_deploy = true
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_apigatewayv2_deployment" "orders" {
    ///   api_id = aws_apigatewayv2_api.orders.id
    ///
    ///   triggers = {
    ///     redeployment = sha1(jsonencode(aws_apigatewayv2_route.orders))
    ///   }
    ///
    ///   lifecycle {
    ///     create_before_destroy = true
    ///   }
    /// }
    ///
    /// resource "aws_apigatewayv2_stage" "prod" {
    ///   api_id        = aws_apigatewayv2_api.orders.id
    ///   name          = "prod"
    ///   deployment_id = aws_apigatewayv2_deployment.orders.id
    /// }
    /// ```
    pub struct ApigwAutoDeployInProd {
        id: "APIGW001",
        name: "apigw-auto-deploy-in-prod",
        severity: Error,
    }
}

impl Rule for ApigwAutoDeployInProd {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for stage in cx.resources("aws_apigatewayv2_stage") {
            let Some(auto_deploy) = stage.body.attribute("auto_deploy") else {
                continue;
            };
            let value = cx.value(&auto_deploy.value);
            if value.as_bool() != Some(true) {
                continue;
            }
            let name = cx.attr(stage, "name");
            let name = name.as_ref().and_then(|v| v.as_str());
            match cx.production(stage, name) {
                Some(true) => out.push(finding(stage, auto_deploy.origin)),
                Some(false) => {}
                // Never a silent pass: say that it could not be judged, and how to tell.
                None => cx.note(
                    auto_deploy.origin,
                    format!(
                        "APIGW001 cannot tell whether stage `{}` (with `auto_deploy = true`) \
                         is production, so it is not judged",
                        stage.address()
                    ),
                    "tell tfstack the environment: `--env NAME`, an `[environments]` entry in \
                     tfstack.toml (`\"envs/prod/**\" = \"prod\"`), or `environment = \"prod\"` \
                     in the module's tfvars",
                ),
            }
        }
    }
}

fn finding(stage: &Block, origin: Origin) -> Finding {
    Finding::new(
        &ApigwAutoDeployInProd::META,
        format!(
            "production stage `{}` has `auto_deploy = true`: every API change goes live as \
             it is applied",
            stage.address()
        ),
    )
    .at(origin)
    .label("automatic deployment in production")
    .help(
        "set `auto_deploy = false` and deploy through an `aws_apigatewayv2_deployment` \
               referenced by `deployment_id`",
    )
    .resource(stage.address())
    .attribute("auto_deploy")
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    fn stage(name: &str, extra: &str) -> String {
        format!(
            r#"
resource "aws_apigatewayv2_stage" "this" {{
  api_id      = "abc123"
  name        = "{name}"
  auto_deploy = true
{extra}}}
"#
        )
    }

    fn fires(files: &[(&str, &str)], env: Option<&str>) -> bool {
        !lint_files_with("APIGW001", files, env).is_empty()
    }

    #[test]
    fn fires_in_production_by_each_signal() {
        // The module environment.
        assert!(fires(&[("main.tf", &stage("$default", ""))], Some("prod")));
        // The stage's name.
        assert!(fires(&[("main.tf", &stage("production", ""))], None));
        // A variable, from its default or from tfvars.
        let with_var = format!(
            "variable \"environment\" {{\n  type    = string\n  default = \"dev\"\n}}\n{}",
            stage("v1", "")
        );
        assert!(fires(
            &[
                ("main.tf", &with_var),
                ("terraform.tfvars", "environment = \"prod\"\n")
            ],
            None
        ));
        let with_default = format!(
            "variable \"stage\" {{\n  default = \"live\"\n}}\n{}",
            stage("$default", "")
        );
        assert!(fires(&[("main.tf", &with_default)], None));
        // A tag on the stage.
        let tagged = stage("v1", "  tags = {\n    Environment = \"prod\"\n  }\n");
        assert!(fires(&[("main.tf", &tagged)], None));
    }

    #[test]
    fn first_match_wins() {
        // The module environment beats the stage's name.
        assert!(!fires(&[("main.tf", &stage("prod", ""))], Some("dev")));
        // A non-production stage name beats a variable and a tag.
        let named_dev = format!(
            "variable \"env\" {{\n  default = \"prod\"\n}}\n{}",
            stage("dev", "  tags = {\n    Environment = \"prod\"\n  }\n")
        );
        assert!(!fires(&[("main.tf", &named_dev)], None));
        // A variable beats a tag.
        let var_staging = format!(
            "variable \"environment\" {{\n  default = \"staging\"\n}}\n{}",
            stage("v1", "  tags = {\n    env = \"prod\"\n  }\n")
        );
        assert!(!fires(&[("main.tf", &var_staging)], None));
    }

    #[test]
    fn quiet_without_auto_deploy_or_when_unknown() {
        let f = lint_hcl(
            "APIGW001",
            r#"
variable "auto_deploy" {
  type = bool
}

resource "aws_apigatewayv2_stage" "prod" {
  api_id        = "abc123"
  name          = "prod"
  deployment_id = "dep123"
}

resource "aws_apigatewayv2_stage" "production" {
  api_id      = "abc123"
  name        = "production"
  auto_deploy = false
}

resource "aws_apigatewayv2_stage" "live" {
  api_id      = "abc123"
  name        = "live"
  auto_deploy = var.auto_deploy
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = "abc123"
  name        = "$default"
  auto_deploy = true
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        let findings = lint_files_with(
            "APIGW001",
            &[(
                "main.tf",
                r#"
resource "aws_apigatewayv2_api" "orders" {
  name          = "orders"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.orders.id
  name        = "$default"
  auto_deploy = true
}
"#,
            )],
            Some("prod"),
        );
        insta::assert_snapshot!(render_all(&findings));
    }
}
