use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::until::Until;
use tfstack_lint_engine::SuppressionUse;

declare_rule! {
    /// ## What it does
    /// Flags a suppression whose `until` date has passed — an inline
    /// `# tfstack:ignore[RULE] until YYYY-MM-DD: reason` or a `[[suppress]]` entry of
    /// `tfstack.toml` with `until = "YYYY-MM-DD"` — and one whose `until` is no date
    /// (`2027-02-30`). A suppression holds through its `until` day; from the next day it
    /// suppresses nothing, its findings are reported again, and this finding says why.
    ///
    /// ## Why is this bad?
    /// A dated suppression is a promise to fix something by then. When the date passes the
    /// findings come back, and the gate that was green yesterday turns red without any
    /// change to the code: this finding, at the suppression, tells the team it is the
    /// deadline and not a new mistake. An `until` that cannot be read would otherwise hold
    /// forever; it suppresses nothing instead.
    ///
    /// ## Example
    /// ```hcl
    /// # tfstack:ignore[DLQ001] until 2025-01-31: drained by the nightly replay job
    /// resource "aws_sqs_queue" "legacy_jobs" {
    ///   name = "legacy-jobs"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Fix the findings and remove the suppression, or, if the reason still holds, renew it
    /// with a new date:
    /// ```hcl
    /// # tfstack:ignore[DLQ001] until 2027-03-31: drained by the nightly replay job
    /// resource "aws_sqs_queue" "legacy_jobs" {
    ///   name = "legacy-jobs"
    /// }
    /// ```
    pub struct ExpiredSuppression {
        id: "TFS003",
        name: "expired-suppression",
        severity: Warning,
    }
}

impl Rule for ExpiredSuppression {
    fn check(&self, _: &Context, _: &mut Vec<Finding>) {
        // Judges suppressions, which the engine hands to `check_suppression`.
    }

    fn check_suppression(&self, seen: &SuppressionUse) -> Option<Finding> {
        match seen.until {
            Some(until) if seen.expired => Some(finding(seen, until)),
            _ => None,
        }
    }
}

fn finding(s: &SuppressionUse, until: &Until) -> Finding {
    let rules = s.rules.join(", ");
    let (message, label) = match until {
        Until::Date(date) => (
            format!(
                "suppression of `{rules}` expired after {date}: what it suppressed is \
                 reported again"
            ),
            format!("expired after {date}"),
        ),
        Until::Invalid(text) => (
            format!(
                "suppression of `{rules}` has `until {text}`, which is no date (YYYY-MM-DD): \
                 it suppresses nothing"
            ),
            "not a date".to_string(),
        ),
    };
    Finding::new(&ExpiredSuppression::META, message)
        .at(s.origin)
        .label(label)
        .help(
            "fix what it suppressed and remove it, or renew it with a later `until` date if \
             the reason still holds",
        )
        .resource(s.address)
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_hcl, lint_hcl_on, render_all};

    const MODULE: &str = r#"
# tfstack:ignore[LOG001] until 2026-03-31: the audit export deletes old events
resource "aws_cloudwatch_log_group" "audit" {
  name = "/audit"
}

# tfstack:ignore[LOG001] until 2026-02-30: a date that does not exist
resource "aws_cloudwatch_log_group" "typo" {
  name = "/typo"
}

# tfstack:ignore[LOG001] until the migration lands
resource "aws_cloudwatch_log_group" "legacy" {
  name = "/legacy"
}
"#;

    #[test]
    fn fires_after_the_date_and_on_a_date_that_is_none() {
        let f = lint_hcl_on("TFS003", MODULE, "2026-04-01");
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].message.contains("expired after 2026-03-31"), "{}", f[0].message);
        assert!(f[1].message.contains("`until 2026-02-30`, which is no date"));
    }

    #[test]
    fn quiet_through_the_day_itself_and_without_until() {
        let f = lint_hcl_on("TFS003", MODULE, "2026-03-31");
        assert_eq!(f.len(), 1, "only the invalid date: {f:#?}");
        // Without a day (the library default) nothing has expired but the invalid date.
        assert_eq!(lint_hcl("TFS003", MODULE).len(), 1);
    }

    /// The expired suppression no longer hides its finding; a valid one still does.
    #[test]
    fn the_finding_comes_back() {
        let log001 = |today| {
            let mut found: Vec<String> = lint_hcl_on("LOG001", MODULE, today)
                .iter()
                .filter_map(|f| f.resource.clone())
                .collect();
            found.sort();
            found
        };
        assert_eq!(log001("2026-03-31"), ["aws_cloudwatch_log_group.typo"]);
        assert_eq!(
            log001("2026-04-01"),
            [
                "aws_cloudwatch_log_group.audit",
                "aws_cloudwatch_log_group.typo"
            ]
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        insta::assert_snapshot!(render_all(&lint_hcl_on("TFS003", MODULE, "2026-04-01")));
    }
}
