//! Inline suppressions: `# tfstack:ignore[LOG001] reason` (or `//`, or by rule name) on the
//! line above the block or attribute, optionally for a limited time:
//! `# tfstack:ignore[LOG001] until 2027-03-31: reason`. A suppression without a reason is an
//! error; one that suppresses nothing, or whose `until` date has passed, is a warning.

use crate::located::Located;
use crate::until::Until;
use crate::RuleMeta;
use std::collections::HashMap;
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
    /// Until when it applies, if it says (`until YYYY-MM-DD`).
    pub until: Option<Until>,
    /// Whether its `until` has passed (or is no date): it then suppresses nothing. Set by
    /// the run, which knows today's date.
    pub expired: bool,
}

/// Splits a comment's text after `]` into its `until` and its reason:
/// `until 2027-03-31: reason` (the colon optional). Text that does not start with `until`
/// and something shaped like a date (digits and dashes) is all reason, as before `until`
/// existed: `until the migration lands` is a reason.
fn until_and_reason(text: &str) -> (Option<Until>, &str) {
    let Some(rest) = text.strip_prefix("until") else {
        return (None, text);
    };
    if !rest.starts_with(char::is_whitespace) {
        return (None, text);
    }
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ':')
        .unwrap_or(rest.len());
    let token = &rest[..end];
    let date_shaped = token.starts_with(|c: char| c.is_ascii_digit())
        && token.contains('-')
        && token.bytes().all(|c| c.is_ascii_digit() || c == b'-');
    if !date_shaped {
        return (None, text);
    }
    let reason = rest[end..].trim_start();
    let reason = reason.strip_prefix(':').unwrap_or(reason).trim_start();
    (Some(Until::parse(token)), reason)
}

impl InlineSuppression {
    /// A suppression declared in Rust on a construct.
    pub fn for_address(rule: &str, reason: &str, address: &str, location: RustLocation) -> Self {
        InlineSuppression {
            rules: vec![rule.to_string()],
            reason: reason.to_string(),
            origin: Origin::rust(location),
            file_line: None,
            address: Some(address.to_string()),
            until: None,
            expired: false,
        }
    }
    /// Whether it names `meta` (by ID or name, or `*`).
    pub fn covers(&self, meta: &RuleMeta) -> bool {
        self.rules.iter().any(|r| {
            r.eq_ignore_ascii_case(meta.id) || r.eq_ignore_ascii_case(meta.name) || r == "*"
        })
    }
}

const MARKER: &str = "tfstack:ignore[";

/// Whether `text` may hold a suppression comment.
pub(crate) fn mentions_suppression(text: &str) -> bool {
    text.contains(MARKER)
}

/// Finds every suppression comment in the files (a released text's from the lines it
/// keeps: the loader keeps those that mention a suppression).
pub fn scan_files(files: &SourceFiles) -> Vec<InlineSuppression> {
    let mut out = Vec::new();
    for (id, f) in files.iter() {
        match f.held_text() {
            Some(text) => {
                if !mentions_suppression(&text) {
                    continue;
                }
                let mut offset = 0usize;
                for (i, line) in text.split('\n').enumerate() {
                    scan_line(id, i as u32 + 1, offset, line, &mut out);
                    offset += line.len() + 1;
                }
            }
            None => {
                for (line, text) in f.kept_lines().unwrap_or_default() {
                    let offset = f.line_start(*line).unwrap_or(0) as usize;
                    scan_line(id, *line, offset, text, &mut out);
                }
            }
        }
    }
    out
}

/// The suppression comment on 1-based line `number` of file `id`, which starts at byte
/// `offset`, if the line is one.
fn scan_line(id: FileId, number: u32, offset: usize, line: &str, out: &mut Vec<InlineSuppression>) {
    let trimmed = line.trim_start();
    let comment = trimmed
        .strip_prefix('#')
        .or_else(|| trimmed.strip_prefix("//"))
        .map(str::trim_start);
    let Some(c) = comment.and_then(|c| c.strip_prefix(MARKER)) else {
        return;
    };
    let Some(end) = c.find(']') else {
        return;
    };
    let rules = c[..end]
        .split(',')
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    let (until, reason) = until_and_reason(c[end + 1..].trim());
    let start = offset + (line.len() - trimmed.len());
    out.push(InlineSuppression {
        rules,
        reason: reason.trim().to_string(),
        origin: Origin::file(id, Span::new(start, offset + line.trim_end().len())),
        file_line: Some((id, number)),
        address: None,
        until,
        expired: false,
    });
}

/// The suppressions of one module, indexed by where they apply: built once per module so
/// that matching a finding looks only at the comments in the run just above its lines and
/// at its resource's typed suppressions, not every suppression for every finding.
pub struct SuppressionIndex<'a> {
    suppressions: &'a [InlineSuppression],
    /// Comment suppressions by the file and 1-based line they stand on, indexes ascending.
    by_line: HashMap<(FileId, u32), Vec<usize>>,
    /// The first line holding a suppression comment, per file: upward walks stop there.
    first_line: HashMap<FileId, u32>,
    /// Typed-stack suppressions by the address they apply to, indexes ascending.
    by_address: HashMap<&'a str, Vec<usize>>,
}

impl<'a> SuppressionIndex<'a> {
    pub fn new(suppressions: &'a [InlineSuppression]) -> Self {
        let mut index = SuppressionIndex {
            suppressions,
            by_line: HashMap::new(),
            first_line: HashMap::new(),
            by_address: HashMap::new(),
        };
        for (i, s) in suppressions.iter().enumerate() {
            if let Some((file, line)) = s.file_line {
                index.by_line.entry((file, line)).or_default().push(i);
                let first = index.first_line.entry(file).or_insert(line);
                *first = (*first).min(line);
            }
            if let Some(address) = &s.address {
                index.by_address.entry(address).or_default().push(i);
            }
        }
        index
    }

    /// The suppression that covers a finding, if any (the first one, by position): a
    /// comment on the line just above (or in the comment run just above) the finding's
    /// line or its block's header; or a typed stack's suppression of the finding's
    /// resource.
    pub fn matching(
        &self,
        finding: &Located,
        origin: Origin,
        block_line: Option<(FileId, u32)>,
        files: &SourceFiles,
    ) -> Option<usize> {
        let mut targets: Vec<(FileId, u32)> = Vec::with_capacity(2);
        // Guarded like `engine::locate`: an origin in a file this module did not load (a
        // placeholder id) is no place a comment can stand above, and must not panic.
        if let Some((file, span)) = origin.file_span() {
            if (file.0 as usize) < files.len() {
                targets.push((file, files.get(file).line_col(span.start).0));
            }
        }
        if let Some(b) = block_line {
            targets.push(b);
        }
        let mut first: Option<usize> = None;
        let mut consider = |i: usize| {
            let s = &self.suppressions[i];
            if first.is_none_or(|f| i < f) && !s.expired && s.covers(finding.rule) {
                first = Some(i);
            }
        };
        // A suppression with an address, for a finding with a resource, applies by address
        // only (and never by the line it stands on).
        if let Some(resource) = &finding.resource {
            for &i in self.by_address.get(resource.as_str()).into_iter().flatten() {
                consider(i);
            }
        }
        for (file, line) in targets {
            let Some(&first_line) = self.first_line.get(&file) else {
                continue;
            };
            let text = files.get(file);
            // Upward from the line above the target, through the comment run: a comment
            // at `above` applies when every line strictly between it and the target is a
            // comment too (so several suppression comments may stand above one block).
            let mut above = line;
            while above > first_line {
                above -= 1;
                for &i in self.by_line.get(&(file, above)).into_iter().flatten() {
                    if self.suppressions[i].address.is_some() && finding.resource.is_some() {
                        continue;
                    }
                    consider(i);
                }
                if !is_comment(&text.line_text(above)) {
                    break;
                }
            }
        }
        first
    }
}

/// Whether a line is a comment (`#` or `//`).
pub fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') || t.starts_with("//")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::located::Location;
    use crate::Severity;
    use tfstack_model::SourceFile;

    const LOG001: RuleMeta = RuleMeta {
        id: "LOG001",
        name: "log-group-without-retention",
        default_severity: Severity::Error,
        docs: "",
        source: "",
    };
    const TFS001: RuleMeta = RuleMeta {
        id: "TFS001",
        name: "suppression-without-reason",
        default_severity: Severity::Error,
        docs: "",
        source: "",
    };

    /// The definition the index must agree with: every suppression tested against the
    /// finding, the first that covers it wins (the engine's matching before the index).
    fn matching_pairwise(
        suppressions: &[InlineSuppression],
        finding: &Located,
        origin: Origin,
        block_line: Option<(FileId, u32)>,
        files: &SourceFiles,
    ) -> Option<usize> {
        let mut targets: Vec<(FileId, u32)> = Vec::new();
        if let Some((file, span)) = origin.file_span() {
            if (file.0 as usize) < files.len() {
                targets.push((file, files.get(file).line_col(span.start).0));
            }
        }
        if let Some(b) = block_line {
            targets.push(b);
        }
        suppressions.iter().position(|s| {
            if s.expired || !s.covers(finding.rule) {
                return false;
            }
            if let (Some(addr), Some(res)) = (&s.address, &finding.resource) {
                return addr == res;
            }
            let Some((sfile, sline)) = s.file_line else {
                return false;
            };
            targets.iter().any(|(file, line)| {
                *file == sfile
                    && *line > sline
                    && (sline + 1..*line).all(|l| is_comment(&files.get(*file).line_text(l)))
            })
        })
    }

    fn finding(rule: &'static RuleMeta, resource: Option<&str>) -> Located {
        Located {
            rule,
            severity: Severity::Error,
            message: String::new(),
            label: "".into(),
            help: "".into(),
            resource: resource.map(str::to_string),
            attribute: None,
            location: Location {
                path: String::new(),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
                source: None,
            },
            suppressed_reason: None,
            calls: Vec::new(),
        }
    }

    #[test]
    fn until_dates_in_comments() {
        let scan = |comment: &str| {
            let mut files = SourceFiles::default();
            files.add(SourceFile::new(
                "a.tf",
                format!("{comment}\nresource \"x\" \"y\" {{}}\n"),
            ));
            let s = scan_files(&files).pop().expect("a suppression");
            (s.until, s.reason)
        };
        let date = |d: &str| Some(Until::Date(d.to_string()));
        assert_eq!(
            scan("# tfstack:ignore[DLQ001] until 2027-03-31: drained nightly"),
            (date("2027-03-31"), "drained nightly".to_string())
        );
        assert_eq!(
            scan("// tfstack:ignore[DLQ001] until 2027-03-31 drained nightly"),
            (date("2027-03-31"), "drained nightly".to_string())
        );
        assert_eq!(
            scan("# tfstack:ignore[DLQ001] until 2028-02-29"),
            (date("2028-02-29"), String::new())
        );
        assert_eq!(
            scan("# tfstack:ignore[DLQ001] until 2027-02-29: not a leap year"),
            (
                Some(Until::Invalid("2027-02-29".into())),
                "not a leap year".to_string()
            )
        );
        assert_eq!(
            scan("# tfstack:ignore[DLQ001] until 2027-3-1: short"),
            (Some(Until::Invalid("2027-3-1".into())), "short".to_string())
        );
        // Comments written before `until` keep working: all reason.
        for reason in [
            "until the migration lands",
            "untilted",
            "drained nightly until 2027-03-31",
            "kept forever",
        ] {
            assert_eq!(
                scan(&format!("# tfstack:ignore[DLQ001] {reason}")),
                (None, reason.to_string())
            );
        }
    }

    #[test]
    fn index_agrees_with_the_pairwise_definition() {
        let mut files = SourceFiles::default();
        let a = files.add(SourceFile::new(
            "a.tf",
            crate::testing::suppression_fixture(24, 0),
        ));
        let b = files.add(SourceFile::new(
            "b.tf",
            crate::testing::suppression_fixture(24, 3),
        ));
        let mut suppressions = scan_files(&files);
        let location = RustLocation {
            file: "stack.rs",
            line: 7,
            column: 5,
        };
        for address in ["aws_cloudwatch_log_group.g1", "aws_cloudwatch_log_group.g2"] {
            suppressions.push(InlineSuppression::for_address(
                "LOG001", "typed", address, location,
            ));
        }
        // An address and a line (never built today, but the fields allow it): by address
        // for a finding with a resource, by line otherwise.
        suppressions.push(InlineSuppression {
            file_line: Some((a, 3)),
            ..InlineSuppression::for_address("LOG001", "both", "aws_x.y", location)
        });
        // Some expired: they match nothing, and a later suppression can match instead.
        for s in suppressions.iter_mut().step_by(7) {
            s.expired = true;
        }
        assert!(suppressions.len() > 40, "{}", suppressions.len());
        let index = SuppressionIndex::new(&suppressions);
        let log001 = &LOG001;
        let other = &TFS001;
        let mut matched = 0;
        for file in [a, b] {
            let lines = files.get(file).text().lines().count() as u32 + 2;
            for line in 0..lines {
                let start = files.get(file).line_start(line.max(1)).unwrap_or(0);
                let origins = [
                    Origin::file(file, Span::new(start as usize, start as usize + 1)),
                    Origin::GENERATED,
                    Origin::file(FileId(99), Span::default()),
                ];
                let blocks = [
                    None,
                    Some((file, line)),
                    Some((file, line + 2)),
                    Some((a, 9)),
                ];
                let resources = [
                    None,
                    Some("aws_cloudwatch_log_group.g1"),
                    Some("aws_x.y"),
                    Some("aws_cloudwatch_log_group.g7"),
                ];
                for rule in [log001, other] {
                    for resource in resources {
                        let f = finding(rule, resource);
                        for origin in origins {
                            for block_line in blocks {
                                let expected = matching_pairwise(
                                    &suppressions,
                                    &f,
                                    origin,
                                    block_line,
                                    &files,
                                );
                                let got = index.matching(&f, origin, block_line, &files);
                                assert_eq!(
                                    got, expected,
                                    "{rule:?} {resource:?} {origin:?} {block_line:?}"
                                );
                                matched += usize::from(got.is_some());
                            }
                        }
                    }
                }
            }
        }
        assert!(
            matched > 1000,
            "too few matches to mean anything: {matched}"
        );
    }
}
