//! Inline suppressions: `# tfstack:ignore[LOG001] reason` (or `//`, or by rule name) on the
//! line above the block or attribute. A suppression without a reason is an error; one that
//! suppresses nothing is a warning.

use crate::engine::{locate, Located};
use crate::{Rule, RuleMeta, Severity};
use tfstack_model::{FileId, Origin, RustLocation, SourceFiles, Span};

/// One suppression comment (or a typed construct's `.suppress(...)`).
#[derive(Clone, Debug)]
pub struct InlineSuppression {
    /// Rule IDs or names, as written.
    pub rules: Vec<String>,
    pub reason: String,
    /// Where the comment is (file + line), or the Rust line of `.suppress()`.
    pub origin: Origin,
    /// For files: the 1-based line the comment is on.
    pub file_line: Option<(FileId, u32)>,
    /// For typed stacks: the address it applies to.
    pub address: Option<String>,
}

impl InlineSuppression {
    /// A suppression declared in Rust on a construct.
    pub fn for_address(rule: &str, reason: &str, address: &str, location: RustLocation) -> Self {
        InlineSuppression {
            rules: vec![rule.to_string()],
            reason: reason.to_string(),
            origin: Origin::Rust(location),
            file_line: None,
            address: Some(address.to_string()),
        }
    }
    fn covers(&self, meta: &RuleMeta) -> bool {
        self.rules.iter().any(|r| {
            r.eq_ignore_ascii_case(meta.id) || r.eq_ignore_ascii_case(meta.name) || r == "*"
        })
    }
}

const MARKER: &str = "tfstack:ignore[";

/// Finds every suppression comment in the files.
pub fn scan_files(files: &SourceFiles) -> Vec<InlineSuppression> {
    let mut out = Vec::new();
    for (id, f) in files.iter() {
        if !f.text.contains(MARKER) {
            continue;
        }
        let mut offset = 0usize;
        for (i, line) in f.text.split('\n').enumerate() {
            let trimmed = line.trim_start();
            let comment = trimmed
                .strip_prefix('#')
                .or_else(|| trimmed.strip_prefix("//"))
                .map(str::trim_start);
            if let Some(c) = comment.and_then(|c| c.strip_prefix(MARKER)) {
                if let Some(end) = c.find(']') {
                    let rules = c[..end]
                        .split(',')
                        .map(|r| r.trim().to_string())
                        .filter(|r| !r.is_empty())
                        .collect();
                    let reason = c[end + 1..].trim().to_string();
                    let start = offset + (line.len() - trimmed.len());
                    out.push(InlineSuppression {
                        rules,
                        reason,
                        origin: Origin::File {
                            file: id,
                            span: Span::new(start, offset + line.trim_end().len()),
                        },
                        file_line: Some((id, i as u32 + 1)),
                        address: None,
                    });
                }
            }
            offset += line.len() + 1;
        }
    }
    out
}

/// The suppression that covers a finding, if any: a comment on the line just above (or
/// in the comment run just above) the finding's line, its attribute's line or its block's
/// header; or a typed stack's suppression of the finding's resource.
pub fn matching(
    suppressions: &[InlineSuppression],
    finding: &Located,
    origin: Origin,
    block_line: Option<(FileId, u32)>,
    files: &SourceFiles,
) -> Option<usize> {
    let mut targets: Vec<(FileId, u32)> = Vec::new();
    // Guarded like `engine::locate`: an origin in a file this module did not load (a
    // placeholder id) is no place a comment can stand above, and must not panic.
    if let Origin::File { file, span } = origin {
        if (file.0 as usize) < files.len() {
            targets.push((file, files.get(file).line_col(span.start).0));
        }
    }
    if let Some(b) = block_line {
        targets.push(b);
    }
    suppressions.iter().position(|s| {
        if !s.covers(finding.rule) {
            return false;
        }
        if let (Some(addr), Some(res)) = (&s.address, &finding.resource) {
            return addr == res;
        }
        let Some((sfile, sline)) = s.file_line else {
            return false;
        };
        targets.iter().any(|(file, line)| {
            *file == sfile && *line > sline && comment_run_reaches(files, *file, sline, *line)
        })
    })
}

/// Whether every line strictly between the comment and the target is a comment too (so
/// several suppression comments may stand above one block).
fn comment_run_reaches(files: &SourceFiles, file: FileId, comment_line: u32, target: u32) -> bool {
    let f = files.get(file);
    (comment_line + 1..target).all(|l| {
        let t = f.line_text(l).trim_start();
        t.starts_with('#') || t.starts_with("//")
    })
}

declare_rule! {
    /// ## What it does
    /// Flags a `tfstack:ignore[...]` suppression that gives no reason.
    ///
    /// ## Why is this bad?
    /// A suppression is a decision; without its reason the next reader cannot tell a
    /// considered exception from a silenced alarm.
    ///
    /// ## Example
    /// ```hcl
    /// # tfstack:ignore[LOG001]
    /// resource "aws_cloudwatch_log_group" "legacy" {}
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// # tfstack:ignore[LOG001] archived by the audit export job, deleted by hand
    /// resource "aws_cloudwatch_log_group" "legacy" {}
    /// ```
    pub struct SuppressionWithoutReason {
        id: "TFS001",
        name: "suppression-without-reason",
        family: "TFS",
        severity: Error,
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a `tfstack:ignore[...]` suppression that suppresses no finding.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding at that place, and misleads readers
    /// about what the code does.
    ///
    /// ## Example
    /// ```hcl
    /// # tfstack:ignore[LOG001] kept forever for audit
    /// resource "aws_cloudwatch_log_group" "audit" {
    ///   retention_in_days = 3653
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Remove the comment.
    pub struct UnusedSuppression {
        id: "TFS002",
        name: "unused-suppression",
        family: "TFS",
        severity: Warning,
    }
}

impl Rule for SuppressionWithoutReason {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, _: &crate::context::Context, _: &mut Vec<crate::Finding>) {
        // Reported by the engine, which sees every suppression.
    }
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, _: &crate::context::Context, _: &mut Vec<crate::Finding>) {
        // Reported by the engine after every rule ran.
    }
}

/// The findings a suppression itself gives: no reason (error), or unused (warning, only
/// when every rule it names ran, so a partial run does not call it stale).
pub fn check_suppression(
    s: &InlineSuppression,
    used: bool,
    files: &SourceFiles,
    dir: &std::path::Path,
    active: &[(&'static dyn Rule, Severity)],
) -> Vec<Located> {
    let mut out = Vec::new();
    let enabled = |m: &RuleMeta| {
        active
            .iter()
            .find(|(r, _)| r.meta().id == m.id)
            .map(|(_, s)| *s)
    };
    let make =
        |meta: &'static RuleMeta, severity, message: String, label: &str, help: &str| Located {
            rule: meta,
            severity,
            message,
            label: label.to_string(),
            help: help.to_string(),
            resource: s.address.clone(),
            attribute: None,
            location: locate(files, s.origin, dir),
            suppressed_reason: None,
        };
    if s.reason.is_empty() {
        if let Some(sev) = enabled(&SuppressionWithoutReason::META) {
            out.push(make(
                &SuppressionWithoutReason::META,
                sev,
                format!("suppression of `{}` gives no reason", s.rules.join(", ")),
                "no reason",
                "write why the finding is acceptable after the brackets",
            ));
        }
    } else if !used {
        let all_ran = s.rules.iter().all(|r| {
            active.iter().any(|(rule, _)| {
                rule.meta().id.eq_ignore_ascii_case(r) || rule.meta().name.eq_ignore_ascii_case(r)
            })
        });
        if all_ran {
            if let Some(sev) = enabled(&UnusedSuppression::META) {
                out.push(make(
                    &UnusedSuppression::META,
                    sev,
                    format!("suppression of `{}` matches no finding", s.rules.join(", ")),
                    "suppresses nothing",
                    "remove the stale suppression",
                ));
            }
        }
    }
    out
}
