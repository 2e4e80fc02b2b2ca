use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_model::aws::is_lambda_reserved_env_key;

declare_rule! {
    /// ## What it does
    /// Flags a Lambda environment variable whose name Lambda reserves (`AWS_REGION`,
    /// `AWS_LAMBDA_FUNCTION_NAME`, `_HANDLER`, `LAMBDA_TASK_ROOT`, …: the names the
    /// developer guide lists).
    ///
    /// ## Why is this bad?
    /// Lambda sets these itself; a deployment that sets one fails with
    /// `InvalidParameterValueException: Reserved keys used in this request` (seed 001).
    /// The reserved names (Lambda developer guide, "Defined runtime environment
    /// variables"): `_HANDLER`, `_X_AMZN_TRACE_ID`, `AWS_REGION`, `AWS_DEFAULT_REGION`,
    /// `AWS_EXECUTION_ENV`, `AWS_LAMBDA_FUNCTION_NAME`, `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`,
    /// `AWS_LAMBDA_FUNCTION_VERSION`, `AWS_LAMBDA_INITIALIZATION_TYPE`,
    /// `AWS_LAMBDA_LOG_GROUP_NAME`, `AWS_LAMBDA_LOG_STREAM_NAME`, `AWS_LAMBDA_RUNTIME_API`,
    /// `AWS_ACCESS_KEY`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
    /// `LAMBDA_TASK_ROOT`, `LAMBDA_RUNTIME_DIR`.
    ///
    /// It flags those names exactly, not every `AWS_LAMBDA_` name: functions set
    /// `AWS_LAMBDA_EXEC_WRAPPER` (a wrapper script) and `AWS_LAMBDA_DOTNET_PREJIT` (.NET),
    /// both documented as settable. Nor does it flag variables whose names it cannot
    /// evaluate.
    ///
    /// ## Example
    /// ```hcl
    /// environment {
    ///   variables = { AWS_REGION = "us-east-1" }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Remove it: the runtime already provides `AWS_REGION`.
    pub struct LambdaReservedEnvKey {
        id: "LAMBDA001",
        name: "lambda-reserved-env-key",
        severity: Error,
    }
}

impl Rule for LambdaReservedEnvKey {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for f in cx.resources("aws_lambda_function") {
            for env in f.body.blocks_of("environment") {
                let Some(vars) = env.body.get("variables").map(|e| cx.value(e)) else {
                    continue;
                };
                let Some(map) = vars.as_object() else {
                    continue;
                };
                for (key, v) in map {
                    if is_lambda_reserved_env_key(key) {
                        out.push(Finding::new(&Self::META, format!("environment variable `{key}` is reserved by Lambda"))
                            .at(v.key_origin.or(v.origin).or(env.origin))
                            .label("reserved key")
                            .help("remove it: Lambda sets it, and the deployment fails while it is set")
                            .resource(f.address())
                            .attribute(format!("environment.variables.{key}")));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_hcl, render_all};

    const BAD: &str = r#"
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  environment {
    variables = {
      TABLE      = "t"
      AWS_REGION = "us-east-1"
    }
  }
}
"#;

    #[test]
    fn fires_on_reserved_keys() {
        let f = lint_hcl("LAMBDA001", BAD);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.line, 8);
    }

    #[test]
    fn quiet_on_ordinary_keys() {
        let f = lint_hcl(
            "LAMBDA001",
            r#"
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "r"
  environment {
    variables = { TABLE = "t", AWS_LAMBDA_EXEC_WRAPPER = "/opt/wrap", AWS_LAMBDA_DOTNET_PREJIT = "ProvisionedConcurrency" }
  }
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_all(&lint_hcl("LAMBDA001", BAD)));
    }
}
