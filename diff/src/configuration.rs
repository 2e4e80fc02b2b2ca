//! What a change does to the linter itself: `tfstack.toml` of two revisions compared —
//! rules turned off or lowered, `[[suppress]]` entries and `exclude` globs added, a
//! directory no longer production, fewer module calls followed. A pull
//! request can weaken the gate without touching any Terraform; the findings of both
//! versions are judged with one configuration (so that a rule turned off is not shown as
//! its findings fixed), and these changes are listed on their own.

use crate::report::ConfigChange;
use tfstack_lint_engine::config::{LintConfig, SuppressEntry};
use tfstack_lint_engine::input::CallModules;
use tfstack_lint_engine::Rule;
use tfstack_model::environment::{
    is_production_name, production_names_in_effect, DEFAULT_PRODUCTION_NAMES,
};

/// The changes from `base` to `head`, in the catalogue's order, then suppressions, then
/// exclusions. `file` is the configuration file as shown (`tfstack.toml`,
/// `infra/tfstack.toml`).
pub fn compare(
    base: &LintConfig,
    head: &LintConfig,
    catalogue: &[&'static dyn Rule],
    file: &str,
) -> Vec<ConfigChange> {
    let mut out = Vec::new();
    let mut change = |kind: &'static str, weakens: bool, title: String| {
        out.push(ConfigChange {
            kind,
            weakens,
            title,
            file: file.to_string(),
        });
    };
    for rule in catalogue {
        let meta = rule.meta();
        let rule_name = format!("`{}` ({})", meta.id, meta.name);
        match (base.severity_of(meta), head.severity_of(meta)) {
            (Some(was), None) => change(
                "rule_turned_off",
                true,
                format!("{rule_name} turned off (was {})", was.as_str()),
            ),
            (None, Some(now)) => change(
                "rule_turned_on",
                false,
                format!("{rule_name} turned on as {}", now.as_str()),
            ),
            (Some(was), Some(now)) if now < was => change(
                "rule_lowered",
                true,
                format!(
                    "{rule_name} lowered from {} to {}",
                    was.as_str(),
                    now.as_str()
                ),
            ),
            (Some(was), Some(now)) if now > was => change(
                "rule_raised",
                false,
                format!(
                    "{rule_name} raised from {} to {}",
                    was.as_str(),
                    now.as_str()
                ),
            ),
            _ => {}
        }
    }
    let (base_entries, head_entries) = (&base.file.suppress, &head.file.suppress);
    for entry in head_entries.iter().filter(|e| !base_entries.contains(e)) {
        change("suppression_added", true, suppression("added", entry));
    }
    for entry in base_entries.iter().filter(|e| !head_entries.contains(e)) {
        change("suppression_removed", false, suppression("removed", entry));
    }
    let (base_globs, head_globs) = (&base.file.exclude, &head.file.exclude);
    for glob in head_globs.iter().filter(|g| !base_globs.contains(g)) {
        change(
            "exclusion_added",
            true,
            format!("no longer linted: `{glob}` excluded"),
        );
    }
    for glob in base_globs.iter().filter(|g| !head_globs.contains(g)) {
        change(
            "exclusion_removed",
            false,
            format!("linted again: `{glob}` no longer excluded"),
        );
    }
    // Environments by path: a directory that was production and no longer is loses the
    // production-only rules.
    let (base_names, head_names) = (base.production_names(), head.production_names());
    let production = |env: &str, names: &[String]| is_production_name(env, names);
    for (glob, env) in &head.file.environments {
        match base.file.environments.get(glob) {
            Some(was) if was == env => {}
            was => {
                let lost = was.is_some_and(|w| production(w, &base_names))
                    && !production(env, &head_names);
                let title = match was {
                    Some(was) => format!("`{glob}` is environment `{env}` (was `{was}`)"),
                    None => format!("`{glob}` is environment `{env}`"),
                };
                change("environment_changed", lost, title);
            }
        }
    }
    for (glob, was) in &base.file.environments {
        if !head.file.environments.contains_key(glob) {
            change(
                "environment_changed",
                production(was, &base_names),
                format!("`{glob}` no longer has an environment (was `{was}`)"),
            );
        }
    }
    if base_names != head_names {
        let shown = |names: &[String]| match names {
            [] => format!("the defaults ({})", DEFAULT_PRODUCTION_NAMES.join(", ")),
            names => names.join(", "),
        };
        let dropped = production_names_in_effect(&base_names).any(|n| !production(n, &head_names));
        change(
            "production_names_changed",
            dropped,
            format!(
                "production names: {} (were {})",
                shown(&head_names),
                shown(&base_names)
            ),
        );
    }
    let (base_calls, head_calls) = (
        base.file.call_modules.unwrap_or_default(),
        head.file.call_modules.unwrap_or_default(),
    );
    if base_calls != head_calls {
        change(
            "call_modules_changed",
            calls_reach(head_calls) < calls_reach(base_calls),
            format!(
                "module calls linted as instances: {} (was {})",
                calls_name(head_calls),
                calls_name(base_calls)
            ),
        );
    }
    out
}

/// How many module calls a setting follows, in increasing order.
fn calls_reach(calls: CallModules) -> u8 {
    match calls {
        CallModules::None => 0,
        CallModules::Local => 1,
        CallModules::All => 2,
    }
}

fn calls_name(calls: CallModules) -> &'static str {
    match calls {
        CallModules::None => "none",
        CallModules::Local => "local",
        CallModules::All => "all",
    }
}

/// `suppression added: `DLQ001` on `aws_sqs_queue.legacy_*` under `legacy/**` until
/// 2027-01-31 — "reason"`.
fn suppression(what: &str, entry: &SuppressEntry) -> String {
    let mut text = format!("suppression {what}: `{}`", entry.rule);
    if let Some(resource) = &entry.resource {
        text.push_str(&format!(" on `{resource}`"));
    }
    if let Some(path) = &entry.path {
        text.push_str(&format!(" under `{path}`"));
    }
    if entry.resource.is_none() && entry.path.is_none() {
        text.push_str(" everywhere");
    }
    if let Some(until) = &entry.until {
        text.push_str(&format!(" until {until}"));
    }
    text.push_str(&format!(" — {:?}", entry.reason));
    text
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::path::Path;
    use tfstack_lint_engine::config::{parse_config, LintConfig};

    fn config(text: &str) -> LintConfig {
        LintConfig {
            file: parse_config(text, Path::new("tfstack.toml")).expect("valid configuration"),
            ..LintConfig::default()
        }
    }

    /// `(kind, weakens, title)` of each change from `base` to `head`.
    fn changes(base: &str, head: &str) -> Vec<(&'static str, bool, String)> {
        compare(
            &config(base),
            &config(head),
            tfstack_lint_rules::registry::all(),
            "tfstack.toml",
        )
        .into_iter()
        .map(|c| (c.kind, c.weakens, c.title))
        .collect()
    }

    #[test]
    fn what_weakens_the_gate_is_told_apart() {
        let base = r#"
[rules]
LOG001 = "warning"

[[suppress]]
rule = "IAM001"
resource = "aws_iam_role_policy.ci"
reason = "CI deploys everything"
"#;
        let head = r#"
exclude = ["legacy/**"]

[rules]
DLQ001 = "off"
LOG001 = "error"
IAM002 = "note"

[[suppress]]
rule = "IAM001"
resource = "aws_iam_role_policy.ci"
reason = "CI deploys everything"

[[suppress]]
rule = "SQS001"
path = "queues/**"
reason = "encrypted by the account default"
until = "2027-01-31"
"#;
        let found = changes(base, head);
        let shown: Vec<String> = found
            .iter()
            .map(|(kind, weakens, title)| format!("{kind} {weakens}: {title}"))
            .collect();
        insta::assert_snapshot!(shown.join("\n"), @r#"
        rule_turned_off true: `DLQ001` (sqs-queue-without-dlq) turned off (was error)
        rule_lowered true: `IAM002` (iam-wildcard-resource) lowered from error to note
        rule_raised false: `LOG001` (log-group-without-retention) raised from warning to error
        suppression_added true: suppression added: `SQS001` under `queues/**` until 2027-01-31 — "encrypted by the account default"
        exclusion_added true: no longer linted: `legacy/**` excluded
        "#);
        // The other way round, only `LOG001` going back to a warning weakens.
        let weakening: Vec<String> = changes(head, base)
            .into_iter()
            .filter(|(_, weakens, _)| *weakens)
            .map(|(_, _, title)| title)
            .collect();
        assert_eq!(
            weakening,
            ["`LOG001` (log-group-without-retention) lowered from error to warning"]
        );
        assert!(changes(head, head).is_empty());
    }

    #[test]
    fn environments_production_names_and_module_calls() {
        let base = "call_modules = \"all\"\n\n[environments]\n\"envs/prod/**\" = \"prod\"\n\"envs/dev/**\" = \"dev\"\n";
        let head = "call_modules = \"none\"\nproduction_names = [\"production\"]\n\n[environments]\n\"envs/prod/**\" = \"staging\"\n\"envs/qa/**\" = \"qa\"\n";
        let shown: Vec<String> = changes(base, head)
            .iter()
            .map(|(kind, weakens, title)| format!("{kind} {weakens}: {title}"))
            .collect();
        insta::assert_snapshot!(shown.join("\n"), @r"
        environment_changed true: `envs/prod/**` is environment `staging` (was `prod`)
        environment_changed false: `envs/qa/**` is environment `qa`
        environment_changed false: `envs/dev/**` no longer has an environment (was `dev`)
        production_names_changed true: production names: production (were the defaults (prod, production, prd, live))
        call_modules_changed true: module calls linted as instances: none (was all)
        ");
    }

    #[test]
    fn a_profile_changes_every_rule_it_moves() {
        let found = changes("profile = \"strict\"\n", "");
        assert!(!found.is_empty());
        assert!(found
            .iter()
            .all(|(kind, weakens, _)| *weakens && kind.starts_with("rule_")));
    }
}
