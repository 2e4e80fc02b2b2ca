//! `--format json`: `{"version": 1, "findings": [...], "suppressed": [...], "errors": [...],
//! "summary": {...}}`.

use crate::engine::{LintReport, Located};
use crate::Severity;
use serde_json::{json, Value};

fn finding_json(f: &Located) -> Value {
    let mut v = json!({
        "rule": f.rule.id,
        "name": f.rule.name,
        "severity": f.severity.as_str(),
        "message": f.message,
        "path": f.location.path,
        "line": f.location.line,
        "column": f.location.column,
        "end_line": f.location.end_line,
        "end_column": f.location.end_column,
        "resource": f.resource,
        "attribute": f.attribute,
        "help": f.help,
    });
    if let (Some(reason), Some(obj)) = (&f.suppressed_reason, v.as_object_mut()) {
        obj.insert("reason".into(), Value::String(reason.clone()));
    }
    v
}

pub fn render(report: &LintReport) -> String {
    let files: std::collections::BTreeSet<&str> = report
        .findings
        .iter()
        .map(|f| f.location.path.as_str())
        .collect();
    let doc = json!({
        "version": 1,
        "findings": report.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "suppressed": report.suppressed.iter().map(finding_json).collect::<Vec<_>>(),
        "errors": report.errors,
        "summary": {
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "notes": report.count(Severity::Note),
            "files": files.len(),
            "files_checked": report.files,
        }
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
