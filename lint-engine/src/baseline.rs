//! Baselines: findings recorded once (`--write-baseline F`) do not fail later runs
//! (`--baseline F`). Keyed by rule, resource address (or path for standalone files) and
//! attribute — never by line numbers, so edits elsewhere in a file keep the baseline valid.

use crate::located::{LintReport, Located};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub rule: String,
    /// Resource address, or the file path when the finding has no resource.
    pub key: String,
    #[serde(default)]
    pub attribute: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: BTreeSet<BaselineEntry>,
}

fn entry(f: &Located) -> BaselineEntry {
    BaselineEntry {
        rule: f.rule.id.to_string(),
        key: f
            .resource
            .clone()
            .unwrap_or_else(|| f.location.path.clone()),
        attribute: f.attribute.clone(),
    }
}

impl Baseline {
    pub fn from_report(report: &LintReport) -> Baseline {
        Baseline {
            version: 1,
            findings: report.findings.iter().map(entry).collect(),
        }
    }
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: invalid baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })
    }
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
    /// Moves findings in the baseline to the suppressed list (reason: "in baseline").
    pub fn apply(&self, report: &mut LintReport) {
        let (known, new): (Vec<Located>, Vec<Located>) = std::mem::take(&mut report.findings)
            .into_iter()
            .partition(|f| self.findings.contains(&entry(f)));
        report.findings = new;
        report.suppressed.extend(known.into_iter().map(|mut f| {
            f.suppressed_reason = Some("in baseline".into());
            f
        }));
        report.sort();
    }
}
