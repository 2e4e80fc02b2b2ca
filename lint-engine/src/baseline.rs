//! Baselines: findings recorded once (`--write-baseline F`) do not fail later runs
//! (`--baseline F`). Keyed by rule, resource address (or path for standalone files) and
//! attribute — never by line numbers, so edits elsewhere in a file keep the baseline valid.

use crate::located::{InputError, LintReport, Located};
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
        // The address inside its module: one entry covers every instance of a module file.
        key: f
            .local_resource()
            .map(str::to_string)
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
    /// Reads a baseline written by `--write-baseline` (at most `limit` bytes).
    pub fn load(path: &Path, limit: u64) -> Result<Baseline, InputError> {
        let text =
            crate::input::read_text(path, limit).map_err(|e| e.with_code("tfstack::baseline"))?;
        serde_json::from_str(&text).map_err(|e| {
            let file = tfstack_model::SourceFile::new(path, text.as_str());
            InputError::at(
                &file,
                e.line() as u32,
                e.column() as u32,
                format!("invalid baseline: {e}"),
            )
            .with_help("write a new one with `tfstack lint --write-baseline FILE`")
            .with_code("tfstack::baseline")
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
