//! `--format gitlab`: a GitLab code quality report (the `codequality` artifact): a JSON
//! array of issues with `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path` / `location.lines.begin`, as GitLab documents them.

use super::{close_json_array, write_json_elements, Reporter, Summary};
use crate::located::{InputError, Located, Notice};
use crate::Severity;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{self, Write};

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

/// A stable identity for an issue: GitLab compares reports of two pipelines by it, so it
/// does not change when lines move (rule, file, resource, attribute and message).
fn fingerprint(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for p in parts {
        hash.update(p.as_bytes());
        hash.update([0]);
    }
    hash.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes issue by issue.
#[derive(Default)]
pub struct GitlabReporter {
    count: usize,
}

impl Reporter for GitlabReporter {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"[")
    }

    fn findings(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        let issues = findings.iter().map(|f| Issue {
            kind: "issue",
            description: format!("{} {}: {}", f.rule.id, f.rule.name, f.message),
            check_name: f.rule.id,
            fingerprint: fingerprint(&[
                f.rule.id,
                &f.location.path,
                f.resource.as_deref().unwrap_or_default(),
                f.attribute.as_deref().unwrap_or_default(),
                &f.message,
            ]),
            severity: match f.severity {
                Severity::Error => "critical",
                Severity::Warning => "major",
                Severity::Note => "info",
            },
            location: Location {
                path: &f.location.path,
                lines: Lines {
                    begin: f.location.line.max(1),
                },
            },
        });
        write_json_elements(out, issues, &mut self.count, 2)
    }

    fn errors(&mut self, out: &mut dyn Write, errors: &[InputError]) -> io::Result<()> {
        let issues = errors.iter().map(|e| Issue {
            kind: "issue",
            description: format!("unreadable input: {}", e.message),
            check_name: "tfstack-input",
            fingerprint: fingerprint(&["input", &e.path, &e.message]),
            severity: "blocker",
            location: Location {
                path: &e.path,
                lines: Lines {
                    begin: e.line.max(1),
                },
            },
        });
        write_json_elements(out, issues, &mut self.count, 2)
    }

    fn notices(&mut self, out: &mut dyn Write, notices: &[Notice]) -> io::Result<()> {
        let issues = notices.iter().map(|n| Issue {
            kind: "issue",
            description: format!("notice: {} — {}", n.message, n.help),
            check_name: "tfstack-notice",
            fingerprint: fingerprint(&["notice", &n.path, &n.message]),
            severity: "info",
            location: Location {
                path: &n.path,
                lines: Lines {
                    begin: n.line.max(1),
                },
            },
        });
        write_json_elements(out, issues, &mut self.count, 2)
    }

    fn end(&mut self, out: &mut dyn Write, _: &Summary) -> io::Result<()> {
        close_json_array(out, self.count, 2)?;
        out.write_all(b"\n")
    }
}
