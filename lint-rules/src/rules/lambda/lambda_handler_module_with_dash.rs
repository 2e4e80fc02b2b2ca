use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_model::aws::{is_python_runtime, python_handler_module_with_dash};

declare_rule! {
    /// ## What it does
    /// Flags a Python Lambda whose handler module name contains `-`
    /// (`handler = "lambda-function.handler"`).
    ///
    /// ## Why is this bad?
    /// Python cannot import a module with `-` in its name: every invocation fails with
    /// `Runtime.ImportModuleError` (seed 000: "Lambda no permite guiones en el nombre del
    /// módulo").
    ///
    /// It only looks at functions whose runtime is a known `python*` literal.
    ///
    /// ## Example
    /// ```hcl
    /// runtime = "python3.12"
    /// handler = "lambda-function.lambda_handler"
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// runtime = "python3.12"
    /// handler = "lambda_function.lambda_handler"
    /// ```
    pub struct LambdaHandlerModuleWithDash {
        id: "LAMBDA002",
        name: "lambda-handler-module-with-dash",
        severity: Error,
    }
}

impl Rule for LambdaHandlerModuleWithDash {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for f in cx.resources("aws_lambda_function") {
            let runtime = cx.attr(f, "runtime");
            if !runtime
                .as_ref()
                .and_then(|r| r.as_str())
                .is_some_and(is_python_runtime)
            {
                continue;
            }
            let Some(handler) = cx.attr(f, "handler") else {
                continue;
            };
            let Some(h) = handler.as_str() else { continue };
            if let Some(module) = python_handler_module_with_dash(h) {
                out.push(
                    Finding::new(
                        &Self::META,
                        format!("Python handler module `{module}` contains `-`"),
                    )
                    .at(handler.origin.or(cx.origin_of(f, "handler")))
                    .label("not an importable module name")
                    .help("rename the file with `_` instead of `-` and update `handler`")
                    .resource(f.address())
                    .attribute("handler"),
                );
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
  role          = "r"
  runtime       = "python3.12"
  handler       = "lambda-function.lambda_handler"
}
"#;

    #[test]
    fn fires_on_python_dash() {
        assert_eq!(lint_hcl("LAMBDA002", BAD).len(), 1);
    }

    #[test]
    fn quiet_otherwise() {
        let f = lint_hcl(
            "LAMBDA002",
            r#"
resource "aws_lambda_function" "ok" {
  function_name = "f"
  role          = "r"
  runtime       = "python3.12"
  handler       = "lambda_function.lambda_handler"
}
resource "aws_lambda_function" "node" {
  function_name = "g"
  role          = "r"
  runtime       = "nodejs20.x"
  handler       = "my-module.handler"
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_all(&lint_hcl("LAMBDA002", BAD)));
    }
}
