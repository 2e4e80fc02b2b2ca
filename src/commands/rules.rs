//! `tfstack rules` and `tfstack explain RULE`.

use crate::cli::RulesFormat;
use crate::diagnostics::{print_stdout, CliError};
use tfstack_lint_rules::registry;

/// `tfstack rules`: the catalogue as text, JSON or a Markdown table.
pub fn rules(format: RulesFormat) -> Result<i32, CliError> {
    let text = match format {
        RulesFormat::Text => registry::listing()
            .iter()
            .map(|l| {
                format!(
                    "{:<10} {:<8} {:<45} {}\n",
                    l.id,
                    l.status,
                    l.name,
                    l.summary()
                )
            })
            .collect(),
        RulesFormat::Json => {
            let v: Vec<serde_json::Value> = registry::listing()
                .iter()
                .map(|l| match l.entry {
                    registry::Entry::Active(m) => serde_json::json!({
                        "id": m.id, "name": m.name, "family": l.family, "status": "active",
                        "severity": l.status, "summary": l.summary(), "docs": m.docs_markdown(),
                    }),
                    registry::Entry::Retired(r) => serde_json::json!({
                        "id": r.id, "name": r.name, "family": l.family, "status": "retired",
                        "severity": null, "replaced_by": r.replaced_by, "summary": l.summary(),
                        "docs": r.reason,
                    }),
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
            s.push('\n');
            s
        }
        RulesFormat::Markdown => tfstack_lint_rules::docs::rules_table(),
    };
    print_stdout(&text).map(|()| 0)
}

/// `tfstack explain RULE`: the rule's documentation (for a retired rule: why it was
/// retired, and what replaces it).
pub fn explain(rule: &str) -> Result<i32, CliError> {
    let Some(r) = registry::find(rule) else {
        let r = registry::retired(rule).ok_or_else(|| CliError::UnknownRule(rule.to_string()))?;
        return print_stdout(&format!(
            "{} ({}) — family {}, retired{}\n\n{}\n",
            r.id,
            r.name,
            r.family(),
            r.replaced_by
                .map(|id| format!("; replaced by {id}"))
                .unwrap_or_default(),
            r.reason.trim_end()
        ))
        .map(|()| 0);
    };
    let m = r.meta();
    print_stdout(&format!(
        "{} ({}) — family {}, default severity {}\n\n{}\n",
        m.id,
        m.name,
        m.family(),
        m.default_severity.as_str(),
        m.docs_markdown()
    ))
    .map(|()| 0)
}
