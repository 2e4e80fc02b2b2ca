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

    /// Unused, with a reason (one without is TFS001's), not expired (that is TFS003's),
    /// and only when every rule it names ran: a partial run does not call it stale.
    fn check_suppression(&self, seen: &SuppressionUse) -> Option<Finding> {
        (!seen.reason.is_empty() && !seen.used && !seen.expired && seen.all_named_rules_ran)
            .then(|| finding(seen))
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

#[cfg(test)]
mod tests {
    use crate::testing::{lint_hcl, snapshot};

    /// Only TFS002 runs in these tests, so only a suppression naming TFS002 can be judged
    /// unused (one naming a rule that did not run is not called stale).
    #[test]
    fn fires_on_a_suppression_that_matches_nothing() {
        let f = lint_hcl(
            "TFS002",
            r#"
# tfstack:ignore[TFS002] nothing here is flagged
resource "aws_cloudwatch_log_group" "a" {
  name              = "/aws/lambda/a"
  retention_in_days = 30
}
"#,
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn quiet_when_the_named_rule_did_not_run_or_without_reason() {
        let f = lint_hcl(
            "TFS002",
            r#"
# tfstack:ignore[LOG001] LOG001 did not run
resource "aws_cloudwatch_log_group" "a" {
  name = "/aws/lambda/a"
}
# tfstack:ignore[TFS002]
resource "aws_cloudwatch_log_group" "b" {
  name = "/aws/lambda/b"
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        insta::assert_snapshot!(snapshot(
            "TFS002",
            "# tfstack:ignore[TFS002] kept for audit\nresource \"aws_cloudwatch_log_group\" \"a\" {}\n"
        ));
    }
}

/// The engine with LOG001, TFS001 and TFS002 over suppressions in every arrangement.
#[cfg(test)]
mod engine_tests {
    use tfstack_lint_engine::config::LintConfig;
    use tfstack_lint_engine::input::{load_module, InputOptions};
    use tfstack_lint_engine::lint::lint_module;
    use tfstack_lint_engine::located::Located;
    use tfstack_model::FileId;

    #[test]
    fn many_suppressions_in_one_module() {
        let n = 40;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("main.tf");
        std::fs::write(
            &path,
            tfstack_lint_engine::testing::suppression_fixture(n, 0),
        )
        .expect("write fixture");
        let (module, errors) = load_module(dir.path(), &[path], &InputOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        let rules: Vec<_> = ["LOG001", "TFS001", "TFS002"]
            .iter()
            .map(|id| {
                let rule = crate::registry::find(id).expect("rule");
                (rule, rule.meta().default_severity)
            })
            .collect();
        let (report, files) = lint_module(&module, &rules, &LintConfig::default(), &[]);
        let group = |i: usize| format!("aws_cloudwatch_log_group.g{i}");
        let of = |list: &[Located], rule: &str| {
            let mut v: Vec<String> = list
                .iter()
                .filter(|f| f.rule.id == rule)
                .map(|f| {
                    f.resource
                        .clone()
                        .unwrap_or_else(|| f.location.line.to_string())
                })
                .collect();
            v.sort();
            v
        };
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let cycle = |k: &[usize]| (0..n).filter(|i| k.contains(&(i % 8))).collect::<Vec<_>>();
        // Suppressed: above the header (also without a reason, by name, by `*`), above the
        // attribute.
        assert_eq!(
            of(&report.suppressed, "LOG001"),
            sorted(cycle(&[0, 1, 3, 4, 5]).into_iter().map(group).collect())
        );
        // Reported: no suppression, or one cut off by a blank line.
        assert_eq!(
            of(&report.findings, "LOG001"),
            sorted(cycle(&[2, 7]).into_iter().map(group).collect())
        );
        // The reason of the first suppression in a run.
        let reason_of = |i: usize| {
            report
                .suppressed
                .iter()
                .find(|f| f.resource.as_deref() == Some(group(i).as_str()))
                .and_then(|f| f.suppressed_reason.clone())
        };
        assert_eq!(reason_of(1).as_deref(), Some("by name 1"));
        assert_eq!(reason_of(4).as_deref(), Some("everything 4"));
        assert_eq!(reason_of(11).as_deref(), Some(""));
        // Stale: cut off by a blank line, second in a run, above a set retention (SEC001's
        // is not called stale: SEC001 did not run). The suppression findings are on the
        // comment lines.
        let text = files.get(FileId(0)).text();
        let line_of = |needle: String| {
            let at = text.find(&needle).unwrap_or_else(|| panic!("{needle}"));
            (text[..at].matches('\n').count() + 1).to_string()
        };
        let mut stale: Vec<String> = Vec::new();
        for i in 0..n {
            match i % 8 {
                2 => stale.push(line_of(format!("too far {i}\n"))),
                4 => stale.push(line_of(format!("second {i}\n"))),
                6 => stale.push(line_of(format!("stale {i}\n"))),
                _ => {}
            }
        }
        let mut stale_lines = report
            .findings
            .iter()
            .filter(|f| f.rule.id == "TFS002")
            .map(|f| f.location.line.to_string())
            .collect::<Vec<_>>();
        stale_lines.sort();
        assert_eq!(stale_lines, sorted(stale));
        assert_eq!(of(&report.findings, "TFS001").len(), cycle(&[3]).len());
    }
}
