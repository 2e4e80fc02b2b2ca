use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;

declare_rule! {
    /// ## What it does
    /// Flags an `aws_lambda_function` without an explicit `timeout`.
    ///
    /// ## Why is this bad?
    /// The default is 3 seconds, which is rarely what was meant: calls to databases and
    /// other APIs time out under load, and the failure looks like a bug in the code
    /// (seed 002, "no controlar timeouts").
    ///
    /// It does not judge the value when one is set.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lambda_function" "f" {
    ///   function_name = "orders"
    ///   # no timeout: 3 s
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_lambda_function" "f" {
    ///   function_name = "orders"
    ///   timeout       = 10
    /// }
    /// ```
    pub struct LambdaDefaultTimeout {
        id: "LAMBDA003",
        name: "lambda-default-timeout",
        severity: Warning,
    }
}

impl Rule for LambdaDefaultTimeout {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for f in cx.resources("aws_lambda_function") {
            // `null` is unset, as in Terraform.
            if f.body.get("timeout").is_none_or(|t| cx.value(t).is_null()) {
                out.push(
                    Finding::new(
                        &Self::META,
                        format!(
                            "function `{}` has no `timeout` and gets the 3 s default",
                            f.address()
                        ),
                    )
                    .at(f.origin)
                    .label("no `timeout`")
                    .help("set `timeout` to what the function needs (seconds, up to 900)")
                    .resource(f.address()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_hcl, render_all};

    const BAD: &str = "resource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n  role          = \"r\"\n}\n";

    #[test]
    fn fires_without_timeout() {
        assert_eq!(lint_hcl("LAMBDA003", BAD).len(), 1);
    }

    #[test]
    fn fires_with_a_null_timeout() {
        let null = "variable \"t\" {\n  default = null\n}\nresource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n  role          = \"r\"\n  timeout       = var.t\n}\n";
        assert_eq!(lint_hcl("LAMBDA003", null).len(), 1);
    }

    #[test]
    fn quiet_with_timeout() {
        let f = lint_hcl("LAMBDA003", "variable \"t\" {}\nresource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n  role          = \"r\"\n  timeout       = var.t\n}\n");
        assert!(f.is_empty());
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_all(&lint_hcl("LAMBDA003", BAD)));
    }
}
