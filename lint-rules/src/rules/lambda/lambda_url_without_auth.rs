use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;

declare_rule! {
    /// ## What it does
    /// Flags an `aws_lambda_function_url` with `authorization_type = "NONE"`.
    ///
    /// ## Why is this bad?
    /// Anyone on the internet can invoke the function, with no throttling, WAF or
    /// authentication in front of it (seed 002, "exponerlas sin API Gateway/Auth"); the
    /// bill and the blast radius are unbounded.
    ///
    /// It does not flag `AWS_IAM` URLs, nor a value it cannot evaluate.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lambda_function_url" "u" {
    ///   function_name      = aws_lambda_function.f.function_name
    ///   authorization_type = "NONE"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_lambda_function_url" "u" {
    ///   function_name      = aws_lambda_function.f.function_name
    ///   authorization_type = "AWS_IAM"
    /// }
    /// ```
    pub struct LambdaUrlWithoutAuth {
        id: "LAMBDA005",
        name: "lambda-url-without-auth",
        severity: Error,
    }
}

impl Rule for LambdaUrlWithoutAuth {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for u in cx.resources("aws_lambda_function_url") {
            let Some(v) = cx.attr(u, "authorization_type") else {
                continue;
            };
            if v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("NONE")) {
                out.push(Finding::new(&Self::META, format!("function URL `{}` allows unauthenticated invocation", u.address()))
                    .at(v.origin.or(cx.origin_of(u, "authorization_type")))
                    .label("`authorization_type = \"NONE\"`")
                    .help("use `authorization_type = \"AWS_IAM\"`, or put the function behind API Gateway with an authorizer")
                    .resource(u.address())
                    .attribute("authorization_type"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_hcl, render_all};

    const BAD: &str = "resource \"aws_lambda_function_url\" \"u\" {\n  function_name      = \"f\"\n  authorization_type = \"NONE\"\n}\n";

    #[test]
    fn fires_on_none() {
        assert_eq!(lint_hcl("LAMBDA005", BAD).len(), 1);
    }

    #[test]
    fn quiet_on_iam() {
        assert!(lint_hcl("LAMBDA005", "resource \"aws_lambda_function_url\" \"u\" {\n  function_name      = \"f\"\n  authorization_type = \"AWS_IAM\"\n}\n").is_empty());
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_all(&lint_hcl("LAMBDA005", BAD)));
    }
}
