use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;

declare_rule! {
    /// ## What it does
    /// Notes an `aws_lambda_function` without active X-Ray tracing
    /// (`tracing_config { mode = "Active" }`).
    ///
    /// ## Why is this bad?
    /// Without traces, latency and errors across API Gateway, Lambda and downstream calls
    /// cannot be followed end to end (seed 002, "observabilidad: X-Ray + métricas p95").
    /// A note, not a warning: tracing has a cost and some functions do not need it.
    ///
    /// It does not flag `PassThrough` when the caller samples (that is a choice).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lambda_function" "f" {
    ///   function_name = "orders"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_lambda_function" "f" {
    ///   function_name = "orders"
    ///   tracing_config {
    ///     mode = "Active"
    ///   }
    /// }
    /// ```
    pub struct LambdaWithoutTracing {
        id: "LAMBDA006",
        name: "lambda-without-tracing",
        severity: Note,
    }
}

impl Rule for LambdaWithoutTracing {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for f in cx.resources("aws_lambda_function") {
            let written = f.body.get("tracing_config").is_some_and(|t| !cx.value(t).is_null());
            if f.body.block("tracing_config").is_some() || written {
                continue;
            }
            out.push(
                Finding::new(
                    &Self::META,
                    format!("function `{}` has no active X-Ray tracing", f.address()),
                )
                .at(f.origin)
                .label("no `tracing_config`")
                .help("add `tracing_config { mode = \"Active\" }` and the X-Ray write permissions")
                .resource(f.address()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_hcl, render_all};

    const BAD: &str = "resource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n  role          = \"r\"\n}\n";

    #[test]
    fn fires_without_tracing() {
        assert_eq!(lint_hcl("LAMBDA006", BAD).len(), 1);
    }

    #[test]
    fn quiet_with_tracing() {
        assert!(lint_hcl("LAMBDA006", "resource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n  role          = \"r\"\n  tracing_config {\n    mode = \"PassThrough\"\n  }\n}\n").is_empty());
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_all(&lint_hcl("LAMBDA006", BAD)));
    }
}
