use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::SuppressionUse;

declare_rule! {
    /// ## What it does
    /// Flags a `tfstack:ignore[...]` suppression that gives no reason.
    ///
    /// ## Why is this bad?
    /// A suppression is a decision; without its reason the next reader cannot tell a
    /// considered exception from a silenced alarm.
    ///
    /// ## Example
    /// ```hcl
    /// # tfstack:ignore[LOG001]
    /// resource "aws_cloudwatch_log_group" "legacy" {}
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// # tfstack:ignore[LOG001] archived by the audit export job, deleted by hand
    /// resource "aws_cloudwatch_log_group" "legacy" {}
    /// ```
    pub struct SuppressionWithoutReason {
        id: "TFS001",
        name: "suppression-without-reason",
        severity: Error,
    }
}

impl Rule for SuppressionWithoutReason {
    fn check(&self, _: &Context, _: &mut Vec<Finding>) {
        // Judges suppressions, which the engine hands to `check_suppression`.
    }

    fn check_suppression(&self, seen: &SuppressionUse) -> Option<Finding> {
        seen.reason.is_empty().then(|| finding(seen))
    }
}

fn finding(s: &SuppressionUse) -> Finding {
    Finding::new(
        &SuppressionWithoutReason::META,
        format!("suppression of `{}` gives no reason", s.rules.join(", ")),
    )
    .at(s.origin)
    .label("no reason")
    .help("write why the finding is acceptable after the brackets")
    .resource(s.address)
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_hcl, snapshot};

    #[test]
    fn fires_on_a_suppression_without_reason() {
        let f = lint_hcl(
            "TFS001",
            r#"
# tfstack:ignore[LOG001]
resource "aws_cloudwatch_log_group" "a" {
  name = "/aws/lambda/a"
}
"#,
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].location.line, 2);
    }

    #[test]
    fn quiet_with_a_reason() {
        let f = lint_hcl(
            "TFS001",
            r#"
# tfstack:ignore[LOG001] archived by the audit export job
resource "aws_cloudwatch_log_group" "a" {
  name = "/aws/lambda/a"
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        insta::assert_snapshot!(snapshot(
            "TFS001",
            "# tfstack:ignore[LOG001]\nresource \"aws_cloudwatch_log_group\" \"a\" {}\n"
        ));
    }
}
