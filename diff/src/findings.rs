//! Findings introduced and fixed: both versions of a module are linted with the same
//! catalogue and configuration, and findings are matched by rule, resource address and
//! attribute — never by line, so that code moving in its file is no change.

use crate::report::{FindingChange, FindingsDiff};
use crate::snapshot::{LoadedModule, Snapshot};
use std::collections::BTreeMap;
use tfstack_lint_engine::config::LintConfig;
use tfstack_lint_engine::lint::lint_module;
use tfstack_lint_engine::{Rule, Severity};

/// The findings of one module that no suppression accepts.
pub(crate) fn facts(
    loaded: &LoadedModule,
    snapshot: &Snapshot,
    rules: &[(&'static dyn Rule, Severity)],
    config: &LintConfig,
) -> Vec<FindingChange> {
    let (report, _) = lint_module(&loaded.module, rules, config, &loaded.suppressions);
    report
        .findings
        .iter()
        .map(|f| FindingChange {
            rule: f.rule.id.to_string(),
            name: f.rule.name.to_string(),
            severity: f.severity.as_str().to_string(),
            message: f.message.clone(),
            resource: f.resource.clone(),
            attribute: f.attribute.clone(),
            location: format!(
                "{}:{}",
                snapshot.shown_path(&f.location.path),
                f.location.line
            ),
        })
        .collect()
}

type Key = (String, Option<String>, Option<String>);

/// Findings only head has (introduced) and only base has (fixed). Within one rule,
/// resource and attribute, findings with the same message pair first, then the rest in
/// order; what is left over on either side is the difference.
pub(crate) fn compare(base: &[FindingChange], head: &[FindingChange]) -> FindingsDiff {
    let group = |findings: &[FindingChange]| {
        let mut by_key: BTreeMap<Key, Vec<FindingChange>> = BTreeMap::new();
        for f in findings {
            by_key
                .entry((f.rule.clone(), f.resource.clone(), f.attribute.clone()))
                .or_default()
                .push(f.clone());
        }
        by_key
    };
    let (mut base, mut head) = (group(base), group(head));
    let mut diff = FindingsDiff::default();
    let keys: Vec<Key> = base.keys().chain(head.keys()).cloned().collect();
    let mut done = std::collections::BTreeSet::new();
    for key in keys {
        if !done.insert(key.clone()) {
            continue;
        }
        let mut b = base.remove(&key).unwrap_or_default();
        let mut h = head.remove(&key).unwrap_or_default();
        h.retain(|f| match b.iter().position(|x| x.message == f.message) {
            Some(i) => {
                b.remove(i);
                false
            }
            None => true,
        });
        let paired = b.len().min(h.len());
        diff.introduced.extend(h.into_iter().skip(paired));
        diff.fixed.extend(b.into_iter().skip(paired));
    }
    let order = |f: &FindingChange| {
        (
            f.rule.clone(),
            f.resource.clone(),
            f.attribute.clone(),
            f.message.clone(),
            f.location.clone(),
        )
    };
    diff.introduced.sort_by_key(order);
    diff.fixed.sort_by_key(order);
    diff
}

#[cfg(test)]
mod tests {
    use crate::testing::{assert_same, diff_hcl};

    const GROUPS: &str = r#"resource "aws_cloudwatch_log_group" "a" {
  name = "/a"
}

resource "aws_cloudwatch_log_group" "b" {
  name              = "/b"
  retention_in_days = 7
}
"#;

    #[test]
    fn findings_are_matched_by_rule_resource_and_attribute_not_by_line() {
        // The same blocks moved down and swapped: the finding on `a` is still there.
        let moved = r#"# Log groups of the service.


resource "aws_cloudwatch_log_group" "b" {
  retention_in_days = 7
  name              = "/b"
}

resource "aws_cloudwatch_log_group" "a" {
  name = "/a"
}
"#;
        assert_same(GROUPS, moved);
        // `a` fixed, `b` broken.
        let head = r#"resource "aws_cloudwatch_log_group" "a" {
  name              = "/a"
  retention_in_days = 30
}

resource "aws_cloudwatch_log_group" "b" {
  name = "/b"
}
"#;
        let report = diff_hcl(GROUPS, head);
        let m = &report.modules[0];
        let shown = |list: &[crate::report::FindingChange]| -> Vec<(String, Option<String>)> {
            list.iter()
                .map(|f| (f.rule.clone(), f.resource.clone()))
                .collect()
        };
        assert_eq!(
            shown(&m.findings.introduced),
            [(
                "LOG001".to_string(),
                Some("aws_cloudwatch_log_group.b".to_string())
            )]
        );
        assert_eq!(
            shown(&m.findings.fixed),
            [(
                "LOG001".to_string(),
                Some("aws_cloudwatch_log_group.a".to_string())
            )]
        );
        assert!(m.findings.introduced[0]
            .location
            .ends_with("head/main.tf:6"));
        assert!(m.findings.fixed[0].location.ends_with("base/main.tf:1"));
    }

    #[test]
    fn a_finding_whose_message_changes_is_the_same_finding() {
        let finding = |message: &str, location: &str| crate::report::FindingChange {
            rule: "IAM002".into(),
            name: "iam-wildcard-resource".into(),
            severity: "error".into(),
            message: message.into(),
            resource: Some("aws_iam_role_policy.p".into()),
            attribute: Some("policy".into()),
            location: location.into(),
        };
        let base = [finding("grants `s3:GetObject` on `*`", "main.tf:3")];
        let head = [
            finding("grants `s3:Get*` on `*`", "main.tf:9"),
            finding("grants `sqs:SendMessage` on `*`", "main.tf:12"),
        ];
        let diff = super::compare(&base, &head);
        assert!(diff.fixed.is_empty());
        assert_eq!(diff.introduced.len(), 1);
        // Which of the two is new cannot be told apart by rule, resource and attribute:
        // the one left over after pairing in order.
        assert_eq!(diff.introduced[0].location, "main.tf:12");
    }
}
