//! `--format gitlab`: a GitLab code quality report (the `codequality` artifact): a JSON
//! array of issues with `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path` / `location.lines.begin`, as GitLab documents them, and the Code
//! Climate issue's `content.body` (Markdown: the help and the rule's page).

use super::{close_json_array, write_json_elements, DocsUrl, Fingerprints, Reporter, Summary};
use crate::baseline::digest;
use crate::located::{InputError, Located, Notice};
use crate::Severity;
use serde::Serialize;
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
struct Content {
    body: String,
}

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Content>,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

/// A stable identity for an unreadable input or a notice (findings have theirs:
/// [`Fingerprints`]). GitLab compares reports of two pipelines by it.
fn fingerprint(parts: &[&str]) -> String {
    digest(parts, 16)
}

/// Writes issue by issue.
pub struct GitlabReporter {
    docs: DocsUrl,
    fingerprints: Fingerprints,
    count: usize,
}

impl GitlabReporter {
    /// A reporter linking each finding to its rule's page at `docs`.
    pub fn new(docs: DocsUrl) -> Self {
        GitlabReporter {
            docs,
            fingerprints: Fingerprints::default(),
            count: 0,
        }
    }
}

impl Reporter for GitlabReporter {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"[")
    }

    fn findings(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        let (docs, fingerprints) = (&self.docs, &mut self.fingerprints);
        let issues = findings.iter().map(|f| Issue {
            kind: "issue",
            description: format!("{} {}: {}", f.rule.id, f.rule.name, f.message),
            check_name: f.rule.id,
            content: Some(Content {
                body: format!(
                    "{}\n\n[{} {}]({})",
                    f.help,
                    f.rule.id,
                    f.rule.name,
                    docs.page(f.rule)
                ),
            }),
            fingerprint: fingerprints.of(f),
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
            content: None,
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
            content: None,
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
