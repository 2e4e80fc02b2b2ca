//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other CI systems. Rules
//! carry help text and `helpUri`; suppressed findings are results with `suppressions`; a
//! finding in a called module carries the calls as `relatedLocations`; unreadable inputs
//! and notices are the invocation's `toolExecutionNotifications`.
//!
//! Serialized result by result from borrowed views of the report into the writer (no
//! `serde_json::Value` tree); the keys keep the order of the structs below.

use super::{close_json_array, write_json_elements, write_json_value, Reporter, Summary};
use crate::located::{InputError, Located, Notice};
use crate::{Rule, Severity};
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Write};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

#[derive(Serialize)]
struct Text<T: Serialize> {
    text: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation<'a> {
    physical_location: PhysicalLocation<'a>,
    logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "tfstack/v1")]
    v1: String,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    justification: &'a str,
}

/// Where a module instance's call is written.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation<'a> {
    id: usize,
    physical_location: PhysicalLocation<'a>,
    message: Text<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<String>,
    locations: [ResultLocation<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression<'a>; 1]>,
}

fn result(f: &Located, rule_index: usize) -> SarifResult<'_> {
    let line = f.location.line.max(1);
    SarifResult {
        rule_id: f.rule.id,
        rule_index,
        level: level(f.severity),
        message: Text {
            text: format!("{} — {}", f.message, f.help),
        },
        locations: [ResultLocation {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: &f.location.path,
                },
                region: Region {
                    start_line: line,
                    start_column: f.location.column.max(1),
                    end_line: Some(f.location.end_line.max(line)),
                    end_column: Some(f.location.end_column.max(1)),
                },
            },
            logical_locations: f
                .resource
                .as_deref()
                .map(|r| {
                    vec![LogicalLocation {
                        fully_qualified_name: r,
                        kind: "resource",
                    }]
                })
                .unwrap_or_default(),
        }],
        related_locations: f
            .calls
            .iter()
            .enumerate()
            .map(|(i, call)| RelatedLocation {
                id: i + 1,
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: &call.path },
                    region: Region {
                        start_line: call.line.max(1),
                        start_column: call.column.max(1),
                        end_line: None,
                        end_column: None,
                    },
                },
                message: Text {
                    text: format!("`{}` is called here", call.instance),
                },
            })
            .collect(),
        partial_fingerprints: Fingerprints {
            v1: format!(
                "{}:{}:{}",
                f.rule.id,
                f.resource.as_deref().unwrap_or(&f.location.path),
                f.attribute.as_deref().unwrap_or_default()
            ),
        },
        suppressions: f.suppressed_reason.as_deref().map(|reason| {
            [Suppression {
                kind: "inSource",
                justification: reason,
            }]
        }),
    }
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Serialize)]
struct Family {
    family: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text<String>,
    full_description: Text<String>,
    help: Help,
    help_uri: String,
    default_configuration: Level,
    properties: Family,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    information_uri: &'static str,
    version: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
struct NotificationLocation<'a> {
    #[serde(rename = "physicalLocation")]
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text<String>,
    locations: [NotificationLocation<'a>; 1],
}

fn notification<'a>(
    level: &'static str,
    message: String,
    path: &'a str,
    line: u32,
    column: u32,
) -> Notification<'a> {
    Notification {
        level,
        message: Text { text: message },
        locations: [NotificationLocation {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri: path },
                region: Region {
                    start_line: line.max(1),
                    start_column: column.max(1),
                    end_line: None,
                    end_column: None,
                },
            },
        }],
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
}

/// `--format sarif`: the log written result by result, with the layout of `serde_json`'s
/// pretty printer. The rule descriptors are those of the catalogue the run was handed.
pub struct SarifReporter {
    rules: Vec<Descriptor>,
    index: HashMap<&'static str, usize>,
    results: usize,
    /// The unreadable inputs, written with the notices in the invocation.
    errors: Vec<InputError>,
}

impl SarifReporter {
    pub fn new(catalogue: &[&'static dyn Rule]) -> Self {
        let rules: Vec<Descriptor> = catalogue
            .iter()
            .map(|r| {
                let m = r.meta();
                let docs = m.docs_markdown();
                Descriptor {
                    id: m.id,
                    name: m.name,
                    short_description: Text { text: m.summary() },
                    full_description: Text { text: m.summary() },
                    help: Help {
                        text: docs.clone(),
                        markdown: docs,
                    },
                    help_uri: m.help_uri(),
                    default_configuration: Level {
                        level: level(m.default_severity),
                    },
                    properties: Family { family: m.family() },
                }
            })
            .collect();
        let index = rules.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
        SarifReporter {
            rules,
            index,
            results: 0,
            errors: Vec::new(),
        }
    }

    fn write_results(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        let index = &self.index;
        let results = findings
            .iter()
            .map(|f| result(f, index.get(f.rule.id).copied().unwrap_or(0)));
        write_json_elements(out, results, &mut self.results, 8)
    }
}

impl Reporter for SarifReporter {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let tool = Tool {
            driver: Driver {
                name: "tfstack",
                information_uri: "https://github.com/tfstack/tfstack",
                version: env!("CARGO_PKG_VERSION"),
                rules: std::mem::take(&mut self.rules),
            },
        };
        out.write_all(
            b"{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \
              \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": ",
        )?;
        write_json_value(out, &tool, 6)?;
        out.write_all(b",\n      \"results\": [")
    }

    fn findings(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        self.write_results(out, findings)
    }

    fn suppressed(&mut self, out: &mut dyn Write, findings: &[Located]) -> io::Result<()> {
        self.write_results(out, findings)
    }

    fn errors(&mut self, _: &mut dyn Write, errors: &[InputError]) -> io::Result<()> {
        self.errors = errors.to_vec();
        Ok(())
    }

    fn notices(&mut self, out: &mut dyn Write, notices: &[Notice]) -> io::Result<()> {
        close_json_array(out, self.results, 8)?;
        let errors = std::mem::take(&mut self.errors);
        let invocation = Invocation {
            execution_successful: errors.is_empty(),
            tool_execution_notifications: errors
                .iter()
                .map(|e| notification("error", e.message.clone(), &e.path, e.line, e.column))
                .chain(notices.iter().map(|n| {
                    let message = format!("{} — {}", n.message, n.help);
                    notification("note", message, &n.path, n.line, n.column)
                }))
                .collect(),
        };
        out.write_all(b",\n      \"invocations\": [")?;
        let mut count = 0;
        write_json_elements(out, [invocation], &mut count, 8)?;
        close_json_array(out, count, 8)
    }

    fn end(&mut self, out: &mut dyn Write, _: &Summary) -> io::Result<()> {
        out.write_all(b"\n    }\n  ]\n}\n")
    }
}
