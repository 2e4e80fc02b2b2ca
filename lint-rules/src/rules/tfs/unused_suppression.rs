use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::SuppressionUse;

declare_rule! {
    /// ## What it does
    /// Flags a `tfstack:ignore[...]` suppression that suppresses no finding.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding at that place, and misleads readers
    /// about what the code does.
    ///
    /// ## Example
    /// ```hcl
    /// # tfstack:ignore[LOG001] kept forever for audit
    /// resource "aws_cloudwatch_log_group" "audit" {
    ///   retention_in_days = 3653
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Remove the comment.
    pub struct UnusedSuppression {
        id: "TFS002",
        name: "unused-suppression",
        severity: Warning,
    }
}

impl Rule for UnusedSuppression {
    fn check(&self, _: &Context, _: &mut Vec<Finding>) {
        // Judges suppressions, which the engine hands to `check_suppression`.
    }

    /// Unused, with a reason (one without is TFS001's), and only when every rule it names
    /// ran: a partial run does not call it stale.
    fn check_suppression(&self, seen: &SuppressionUse) -> Option<Finding> {
        (!seen.reason.is_empty() && !seen.used && seen.all_named_rules_ran).then(|| finding(seen))
    }
}

fn finding(s: &SuppressionUse) -> Finding {
    Finding::new(
        &UnusedSuppression::META,
        format!("suppression of `{}` matches no finding", s.rules.join(", ")),
    )
    .at(s.origin)
    .label("suppresses nothing")
    .help("remove the stale suppression")
    .resource(s.address)
}
