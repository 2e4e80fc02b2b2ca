use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_cloudwatch_log_group` without `retention_in_days`, or with `0`.
    ///
    /// A `null` retention (written, a variable's value, a conditional's) is unset, as in
    /// Terraform.
    ///
    /// ## Why is this bad?
    /// Without a retention the group keeps every event forever ("Never expire"): storage
    /// cost grows without bound and logs that may hold personal data are never deleted.
    ///
    /// It does not flag a retention that comes from a variable or expression it cannot
    /// evaluate.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_cloudwatch_log_group" "fn" {
    ///   name = "/aws/lambda/orders"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_cloudwatch_log_group" "fn" {
    ///   name              = "/aws/lambda/orders"
    ///   retention_in_days = 30
    /// }
    /// ```
    pub struct LogGroupWithoutRetention {
        id: "LOG001",
        name: "log-group-without-retention",
        severity: Error,
    }
}

impl Rule for LogGroupWithoutRetention {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for group in cx.resources("aws_cloudwatch_log_group") {
            match group.body.attribute("retention_in_days") {
                None => out.push(finding(group, None, group.origin)),
                Some(a) => {
                    let v = cx.value(&a.value);
                    // `null` (written, from a variable, from a conditional) is unset.
                    if v.is_null() {
                        out.push(finding(group, None, a.origin));
                    } else if v.as_f64() == Some(0.0) {
                        out.push(finding(group, Some(0), v.origin.or(a.origin)));
                    }
                }
            }
        }
    }
}

fn finding(group: &Block, days: Option<i64>, origin: Origin) -> Finding {
    let (message, label) = match days {
        None => (
            format!(
                "log group `{}` has no retention and keeps logs forever",
                group.address()
            ),
            "no `retention_in_days`".to_string(),
        ),
        Some(_) => (
            format!(
                "log group `{}` has `retention_in_days = 0`, which keeps logs forever",
                group.address()
            ),
            "never expires".to_string(),
        ),
    };
    Finding::new(&LogGroupWithoutRetention::META, message)
        .at(origin)
        .label(label)
        .help("set `retention_in_days` (e.g. 30 in production, 7 in development)")
        .resource(group.address())
        .attribute(days.map(|_| "retention_in_days".to_string()))
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_hcl, snapshot};

    #[test]
    fn fires_without_retention_or_with_zero() {
        let f = lint_hcl(
            "LOG001",
            r#"
resource "aws_cloudwatch_log_group" "a" {
  name = "/aws/lambda/a"
}
resource "aws_cloudwatch_log_group" "b" {
  name              = "/aws/lambda/b"
  retention_in_days = 0
}
"#,
        );
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn fires_when_retention_is_null() {
        let f = lint_hcl(
            "LOG001",
            r#"
variable "days" {
  default = null
}
variable "production" {
  default = false
}
resource "aws_cloudwatch_log_group" "literal" {
  name              = "/aws/lambda/a"
  retention_in_days = null
}
resource "aws_cloudwatch_log_group" "variable" {
  name              = "/aws/lambda/b"
  retention_in_days = var.days
}
resource "aws_cloudwatch_log_group" "conditional" {
  name              = "/aws/lambda/c"
  retention_in_days = var.production ? 30 : null
}
"#,
        );
        let resources: Vec<_> = f.iter().filter_map(|f| f.resource.as_deref()).collect();
        assert_eq!(
            resources,
            [
                "aws_cloudwatch_log_group.literal",
                "aws_cloudwatch_log_group.variable",
                "aws_cloudwatch_log_group.conditional"
            ]
        );
        assert!(f.iter().all(|f| f.message.contains("has no retention")));
    }

    #[test]
    fn quiet_with_retention_or_unknown() {
        let f = lint_hcl(
            "LOG001",
            r#"
variable "days" {}
resource "aws_cloudwatch_log_group" "a" {
  name              = "/aws/lambda/a"
  retention_in_days = 30
}
resource "aws_cloudwatch_log_group" "b" {
  name              = "/aws/lambda/b"
  retention_in_days = var.days
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        insta::assert_snapshot!(snapshot(
            "LOG001",
            r#"
resource "aws_cloudwatch_log_group" "a" {
  name = "/aws/lambda/a"
}
"#
        ));
    }
}
