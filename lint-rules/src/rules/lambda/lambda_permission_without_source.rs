use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_lambda_permission` that lets an AWS service principal
    /// (`s3.amazonaws.com`, `sns.amazonaws.com`, `events.amazonaws.com`,
    /// `apigateway.amazonaws.com`, …) call the function without `source_arn` or
    /// `source_account`.
    ///
    /// ## Why is this bad?
    /// A permission for a service principal alone lets that service call the function on
    /// behalf of any resource of any account: someone else's bucket, topic or rule can be
    /// pointed at the function's ARN and invoke it (the confused deputy). `source_arn`
    /// limits the grant to the bucket, topic, rule or API that should invoke it,
    /// `source_account` to the account that owns it ("Lambda function policies should
    /// prohibit public access", AWS Security Hub control Lambda.1; the Lambda developer
    /// guide's resource-based policy examples set `--source-arn` and `--source-account`).
    /// For S3, whose bucket names are global, `source_account` matters even with
    /// `source_arn`. IAM003 covers `principal = "*"`.
    ///
    /// ## What it deliberately does not flag
    /// - Values it cannot know before apply (a `source_arn` from a variable counts as set).
    /// - `principal_org_id` (it limits the caller too), principals that are accounts or
    ///   roles, and service principals outside `amazonaws.com` (Alexa's
    ///   `alexa-appkit.amazon.com` is limited by `event_source_token`).
    /// - Permissions with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lambda_permission" "uploads" {
    ///   action        = "lambda:InvokeFunction"
    ///   function_name = aws_lambda_function.thumbnails.function_name
    ///   principal     = "s3.amazonaws.com"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_lambda_permission" "uploads" {
    ///   action         = "lambda:InvokeFunction"
    ///   function_name  = aws_lambda_function.thumbnails.function_name
    ///   principal      = "s3.amazonaws.com"
    ///   source_arn     = aws_s3_bucket.uploads.arn
    ///   source_account = data.aws_caller_identity.current.account_id
    /// }
    /// ```
    pub struct LambdaPermissionWithoutSource {
        id: "LAMBDA009",
        name: "lambda-permission-without-source",
        severity: Warning,
    }
}

/// Arguments that limit which resource or account may make the service call.
const LIMITING_ARGUMENTS: &[&str] = &["source_arn", "source_account", "principal_org_id"];

impl Rule for LambdaPermissionWithoutSource {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for permission in cx.resources("aws_lambda_permission") {
            let Some(principal) = cx.attr(permission, "principal") else {
                continue;
            };
            let Some(service) = principal.as_str().filter(|p| is_service_principal(p)) else {
                continue;
            };
            let limited = LIMITING_ARGUMENTS
                .iter()
                .any(|a| cx.attr(permission, a).is_some_and(|v| !v.is_null()));
            if limited || !exists(cx, permission) {
                continue;
            }
            let origin = principal.origin.or(cx.origin_of(permission, "principal"));
            out.push(finding(permission, service, origin));
        }
    }
}

/// `<service>.amazonaws.com` (also regional ones, `logs.eu-west-1.amazonaws.com`).
fn is_service_principal(principal: &str) -> bool {
    principal
        .strip_suffix(".amazonaws.com")
        .is_some_and(|service| {
            !service.is_empty()
                && service
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        })
}

fn finding(permission: &Block, service: &str, origin: Origin) -> Finding {
    Finding::new(
        &LambdaPermissionWithoutSource::META,
        format!(
            "lambda permission `{}` lets `{service}` invoke the function for any resource of \
             any account: it has neither `source_arn` nor `source_account`",
            permission.address()
        ),
    )
    .at(origin.or(permission.origin))
    .label("any resource of the service")
    .help(
        "set `source_arn` to the resource that invokes the function (and `source_account` \
         to its account)",
    )
    .resource(permission.address())
    .attribute("principal")
}

#[cfg(test)]
mod tests {
    use super::is_service_principal;
    use crate::testing::{addresses, lint_hcl, render_all};

    const RULE: &str = "LAMBDA009";

    fn permission(name: &str, principal: &str, extra: &str) -> String {
        format!(
            "resource \"aws_lambda_permission\" \"{name}\" {{\n  action        = \"lambda:InvokeFunction\"\n  function_name = \"f\"\n  principal     = \"{principal}\"\n{extra}}}\n"
        )
    }

    #[test]
    fn service_principals() {
        for yes in ["s3.amazonaws.com", "logs.eu-west-1.amazonaws.com", "elasticloadbalancing.amazonaws.com"] {
            assert!(is_service_principal(yes), "{yes}");
        }
        for no in ["*", "111122223333", "arn:aws:iam::111122223333:root", "alexa-appkit.amazon.com", ".amazonaws.com", "a b.amazonaws.com"] {
            assert!(!is_service_principal(no), "{no}");
        }
    }

    #[test]
    fn fires_without_source() {
        let text = [
            permission("s3", "s3.amazonaws.com", ""),
            permission("sns", "sns.amazonaws.com", "  source_arn = null\n"),
            permission("events", "events.amazonaws.com", ""),
        ]
        .concat();
        let f = lint_hcl(RULE, &text);
        assert_eq!(
            addresses(&f),
            [
                "aws_lambda_permission.s3",
                "aws_lambda_permission.sns",
                "aws_lambda_permission.events"
            ]
        );
    }

    #[test]
    fn quiet_when_limited_or_not_a_service() {
        let text = [
            "variable \"topic_arn\" {}\n".to_string(),
            permission("arn", "sns.amazonaws.com", "  source_arn = var.topic_arn\n"),
            permission("account", "s3.amazonaws.com", "  source_account = \"111122223333\"\n"),
            permission("org", "s3.amazonaws.com", "  principal_org_id = \"o-abc123\"\n"),
            permission("star", "*", ""),
            permission("account_principal", "111122223333", ""),
            permission("alexa", "alexa-appkit.amazon.com", "  event_source_token = \"amzn1.ask.skill.x\"\n"),
            permission("none", "s3.amazonaws.com", "  count = 0\n"),
        ]
        .concat();
        let f = lint_hcl(RULE, &text);
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        insta::assert_snapshot!(render_all(&lint_hcl(
            RULE,
            &permission("uploads", "s3.amazonaws.com", "")
        )));
    }
}
