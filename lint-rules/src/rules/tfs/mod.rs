//! TFS: suppressions that do not say why, or that suppress nothing.

pub mod suppression_without_reason;
pub mod unused_suppression;

#[cfg(test)]
mod tests {
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
        let text = &files.get(FileId(0)).text;
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
