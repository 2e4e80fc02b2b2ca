//! `tfstack rules` and `tfstack explain RULE`.

use crate::cli::RulesFormat;
use crate::diagnostics::{print_stdout, CliError};
use tfstack_lint_rules::registry;

/// `tfstack rules`: the catalogue as text, JSON or a Markdown table.
pub fn rules(format: RulesFormat) -> Result<i32, CliError> {
    let rules = registry::all();
    let text = match format {
        RulesFormat::Text => {
            let mut out = String::new();
            for r in rules {
                let m = r.meta();
                out.push_str(&format!(
                    "{:<10} {:<8} {:<45} {}\n",
                    m.id,
                    m.default_severity.as_str(),
                    m.name,
                    m.summary()
                ));
            }
            out
        }
        RulesFormat::Json => {
            let v: Vec<serde_json::Value> = rules
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "id": m.id, "name": m.name, "family": m.family(),
                        "severity": m.default_severity.as_str(), "summary": m.summary(),
                        "docs": m.docs_markdown(),
                    })
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

/// `tfstack explain RULE`: the rule's documentation.
pub fn explain(rule: &str) -> Result<i32, CliError> {
    let r = registry::find(rule).ok_or_else(|| CliError::UnknownRule(rule.to_string()))?;
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
