//! Baselines: findings recorded once (`--write-baseline F`) do not fail later runs
//! (`--baseline F`). An entry names the rule, the module (the directory of the file the
//! finding is in), the resource (or the file for a finding without one), the attribute
//! and a fingerprint of what was flagged — never a line number: a finding that moves
//! within its file keeps its entry, the same code copied into another module does not.
//! Entries that no longer match anything are counted (`stale`); writing the baseline again
//! drops them.
//!
//! Version 1 files (rule, resource or path, attribute) are still read, and matched as they
//! always were.

use crate::located::{InputError, LintReport, Located};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// The format [`Baseline::to_json`] writes.
pub const VERSION: u32 = 2;

/// One accepted finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub rule: String,
    /// The directory of the file the finding is in, as reported (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// Resource address, or the file path when the finding has no resource.
    pub key: String,
    #[serde(default)]
    pub attribute: Option<String>,
    /// A hash of the rule, resource, attribute and message: what was flagged (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// A baseline file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: BTreeSet<BaselineEntry>,
}

/// The directory of a reported path (`infra/app/main.tf` → `infra/app`, `main.tf` → `.`).
fn module_of(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) if !dir.is_empty() => dir.to_string(),
        _ => ".".to_string(),
    }
}

/// What a finding flags, as a short stable hash.
fn fingerprint(f: &Located, key: &str) -> String {
    let mut hash = Sha256::new();
    for part in [
        f.rule.id,
        key,
        f.attribute.as_deref().unwrap_or_default(),
        &f.message,
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The version 2 entry of a finding.
fn entry(f: &Located) -> BaselineEntry {
    // The address inside its module: one entry covers every instance of a module file.
    let key = f
        .local_resource()
        .map(str::to_string)
        .unwrap_or_else(|| f.location.path.clone());
    BaselineEntry {
        rule: f.rule.id.to_string(),
        module: Some(module_of(&f.location.path)),
        fingerprint: Some(fingerprint(f, &key)),
        key,
        attribute: f.attribute.clone(),
    }
}

/// The version 1 entry of a finding (rule, key, attribute).
fn entry_v1(f: &Located) -> BaselineEntry {
    BaselineEntry {
        module: None,
        fingerprint: None,
        ..entry(f)
    }
}

impl Baseline {
    /// The baseline of a report's findings.
    pub fn from_report(report: &LintReport) -> Baseline {
        Baseline {
            version: VERSION,
            findings: report.findings.iter().map(entry).collect(),
        }
    }

    /// Reads a baseline written by `--write-baseline` (version 1 or 2; at most `limit`
    /// bytes).
    pub fn load(path: &Path, limit: u64) -> Result<Baseline, InputError> {
        let text =
            crate::input::read_text(path, limit).map_err(|e| e.with_code("tfstack::baseline"))?;
        let file = tfstack_model::SourceFile::new(path, text.as_str());
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            InputError::at(
                &file,
                e.line() as u32,
                e.column() as u32,
                format!("invalid baseline: {e}"),
            )
            .with_help("write a new one with `tfstack lint --write-baseline FILE`")
            .with_code("tfstack::baseline")
        })?;
        if !(1..=VERSION).contains(&baseline.version) {
            return Err(InputError::at(
                &file,
                1,
                1,
                format!(
                    "baseline version {} is not one this tfstack reads (1 to {VERSION})",
                    baseline.version
                ),
            )
            .with_help("write a new one with `tfstack lint --write-baseline FILE`")
            .with_code("tfstack::baseline"));
        }
        Ok(baseline)
    }

    /// The file's text: pretty JSON, entries sorted, one trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Moves findings in the baseline to the suppressed list (reason: "in baseline") and
    /// records how many of its entries matched nothing (`LintReport::baseline_stale`).
    pub fn apply(&self, report: &mut LintReport) {
        let key = |f: &Located| {
            if self.version >= 2 {
                entry(f)
            } else {
                entry_v1(f)
            }
        };
        let mut used: HashMap<&BaselineEntry, bool> =
            self.findings.iter().map(|e| (e, false)).collect();
        let (known, new): (Vec<Located>, Vec<Located>) = std::mem::take(&mut report.findings)
            .into_iter()
            .partition(|f| match used.get_mut(&key(f)) {
                Some(matched) => {
                    *matched = true;
                    true
                }
                None => false,
            });
        report.findings = new;
        report.baseline_stale = used.values().filter(|matched| !**matched).count();
        report.suppressed.extend(known.into_iter().map(|mut f| {
            f.suppressed_reason = Some("in baseline".into());
            f
        }));
        report.sort();
    }
}
