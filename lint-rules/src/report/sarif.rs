//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other CI systems. Rules
//! carry help text and `helpUri`; suppressed findings are results with `suppressions`.

use crate::engine::{LintReport, Located};
use crate::{registry, Severity};
use serde_json::{json, Value};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn result(f: &Located, rule_index: usize) -> Value {
    let mut r = json!({
        "ruleId": f.rule.id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": format!("{} — {}", f.message, f.help) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": f.location.path },
                "region": {
                    "startLine": f.location.line.max(1),
                    "startColumn": f.location.column.max(1),
                    "endLine": f.location.end_line.max(f.location.line.max(1)),
                    "endColumn": f.location.end_column.max(1),
                }
            },
            "logicalLocations": f.resource.as_ref().map(|r| vec![json!({"fullyQualifiedName": r, "kind": "resource"})]).unwrap_or_default(),
        }],
        "partialFingerprints": {
            "tfstack/v1": format!("{}:{}:{}", f.rule.id, f.resource.clone().unwrap_or_else(|| f.location.path.clone()), f.attribute.clone().unwrap_or_default()),
        },
    });
    if let (Some(reason), Some(obj)) = (&f.suppressed_reason, r.as_object_mut()) {
        obj.insert(
            "suppressions".into(),
            json!([{ "kind": "inSource", "justification": reason }]),
        );
    }
    r
}

pub fn render(report: &LintReport) -> String {
    let rules = registry::all();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            let m = r.meta();
            let docs = crate::docs::markdown(m.docs);
            json!({
                "id": m.id,
                "name": m.name,
                "shortDescription": { "text": m.summary() },
                "fullDescription": { "text": m.summary() },
                "help": { "text": docs, "markdown": docs },
                "helpUri": m.help_uri(),
                "defaultConfiguration": { "level": level(m.default_severity) },
                "properties": { "family": m.family },
            })
        })
        .collect();
    let index_of = |id: &str| rules.iter().position(|r| r.meta().id == id).unwrap_or(0);
    let mut results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, index_of(f.rule.id)))
        .collect();
    results.extend(
        report
            .suppressed
            .iter()
            .map(|f| result(f, index_of(f.rule.id))),
    );
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": { "text": e.message },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": e.path },
                    "region": { "startLine": e.line.max(1), "startColumn": e.column.max(1) }
                }}]
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "tfstack",
                "informationUri": "https://github.com/tfstack/tfstack",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }},
            "results": results,
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
