//! Findings as the review shows them: a plain input type the caller fills from the lint
//! engine, with counts by severity and by rule, and the suppressed ones with their reasons
//! and expiry.

use std::collections::BTreeMap;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// Why a finding is accepted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Suppression {
    pub reason: String,
    /// `YYYY-MM-DD`: the suppression ends after this day.
    pub until: Option<String>,
}

/// One finding of the lint engine.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Stable ID (`LOG001`).
    pub rule_id: String,
    /// kebab-case name (`log-group-without-retention`).
    pub rule_name: String,
    pub severity: Severity,
    pub message: String,
    /// File the finding is in (a `.tf` file, a policy file, or the Rust source of a stack).
    pub path: String,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// Terraform address of the resource it belongs to.
    pub resource: Option<String>,
    /// The rule's documentation page.
    pub docs_url: String,
    /// Set when the finding is suppressed.
    pub suppression: Option<Suppression>,
}

impl Finding {
    /// `path:line`, or the path alone when the line is unknown.
    pub fn location(&self) -> String {
        if self.line > 0 {
            format!("{}:{}", self.path, self.line)
        } else {
            self.path.clone()
        }
    }
}

/// Findings grouped for the report.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct FindingsSummary {
    /// Whether findings were supplied at all (a review without a lint run says so).
    pub supplied: bool,
    /// Active findings by severity (error, warning, note), zeroes included.
    pub by_severity: Vec<(Severity, usize)>,
    /// Active findings per rule: (ID, name, severity, count, docs URL), most severe first.
    pub by_rule: Vec<RuleCount>,
    /// Active findings, most severe first, then by location.
    pub active: Vec<Finding>,
    /// Suppressed findings, by location.
    pub suppressed: Vec<Finding>,
}

/// How many active findings one rule has.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RuleCount {
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    pub count: usize,
    pub docs_url: String,
}

/// Groups findings; `None` when none were supplied.
pub fn summarize(findings: Option<&[Finding]>) -> FindingsSummary {
    let Some(findings) = findings else {
        return FindingsSummary::default();
    };
    let (mut suppressed, mut active): (Vec<Finding>, Vec<Finding>) = findings
        .iter()
        .cloned()
        .partition(|f| f.suppression.is_some());
    let key = |f: &Finding| {
        (
            f.severity,
            f.path.clone(),
            f.line,
            f.rule_id.clone(),
            f.message.clone(),
        )
    };
    active.sort_by_key(key);
    suppressed.sort_by_key(|f| (f.path.clone(), f.line, f.rule_id.clone(), f.message.clone()));
    let by_severity = [Severity::Error, Severity::Warning, Severity::Note]
        .into_iter()
        .map(|s| (s, active.iter().filter(|f| f.severity == s).count()))
        .collect();
    let mut rules: BTreeMap<(Severity, String), RuleCount> = BTreeMap::new();
    for f in &active {
        rules
            .entry((f.severity, f.rule_id.clone()))
            .or_insert_with(|| RuleCount {
                rule_id: f.rule_id.clone(),
                rule_name: f.rule_name.clone(),
                severity: f.severity,
                count: 0,
                docs_url: f.docs_url.clone(),
            })
            .count += 1;
    }
    FindingsSummary {
        supplied: true,
        by_severity,
        by_rule: rules.into_values().collect(),
        active,
        suppressed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, severity: Severity, path: &str, line: u32, suppressed: bool) -> Finding {
        Finding {
            rule_id: id.into(),
            rule_name: format!("{}-name", id.to_lowercase()),
            severity,
            message: format!("message of {id}"),
            path: path.into(),
            line,
            resource: Some("aws_sqs_queue.q".into()),
            docs_url: format!("https://example.invalid/rules/{id}.md"),
            suppression: suppressed.then(|| Suppression {
                reason: "accepted".into(),
                until: Some("2027-03-31".into()),
            }),
        }
    }

    #[test]
    fn counts_by_severity_and_rule_exclude_suppressed() {
        let findings = vec![
            finding("DLQ001", Severity::Error, "main.tf", 9, false),
            finding("LOG001", Severity::Error, "main.tf", 3, false),
            finding("DLQ001", Severity::Error, "queues.tf", 1, false),
            finding("APIGW002", Severity::Warning, "api.tf", 4, false),
            finding("DDB001", Severity::Warning, "db.tf", 2, true),
        ];
        let s = summarize(Some(&findings));
        assert!(s.supplied);
        assert_eq!(
            s.by_severity,
            vec![
                (Severity::Error, 3),
                (Severity::Warning, 1),
                (Severity::Note, 0)
            ]
        );
        let rules: Vec<(&str, usize)> = s
            .by_rule
            .iter()
            .map(|r| (r.rule_id.as_str(), r.count))
            .collect();
        assert_eq!(rules, vec![("DLQ001", 2), ("LOG001", 1), ("APIGW002", 1)]);
        assert_eq!(s.active.len(), 4);
        assert_eq!(s.active[0].location(), "main.tf:3");
        assert_eq!(s.suppressed.len(), 1);
        assert_eq!(s.suppressed[0].rule_id, "DDB001");
    }

    #[test]
    fn no_findings_supplied_is_not_zero_findings() {
        assert!(!summarize(None).supplied);
        let s = summarize(Some(&[]));
        assert!(s.supplied);
        assert!(s.active.is_empty());
    }

    #[test]
    fn location_without_line_is_the_path() {
        let f = finding("X", Severity::Note, "policy.json", 0, false);
        assert_eq!(f.location(), "policy.json");
    }
}
