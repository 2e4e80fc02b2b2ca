//! Running rules over modules: selection, severities, locating findings in files or Rust
//! lines, and applying suppressions.

use crate::config::LintConfig;
use crate::context::{Context, Module};
use crate::located::{display_path, LintReport, Located, Location, SNIPPET_CONTEXT};
use crate::suppress::{self, InlineSuppression, SuppressionIndex};
use crate::{Finding, Rule, Severity, SuppressionUse};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tfstack_model::{Origin, SourceFile, SourceFiles, Span};

/// The rules of `catalogue` a configuration enables, with their effective severity.
pub fn active_rules(
    catalogue: &[&'static dyn Rule],
    config: &LintConfig,
) -> Vec<(&'static dyn Rule, Severity)> {
    catalogue
        .iter()
        .copied()
        .filter_map(|r| config.severity_of(r.meta()).map(|s| (r, s)))
        .collect()
}

/// Lints one module with `rules`, locating and suppressing findings. `extra_suppressions`
/// are those a typed stack declares in code.
pub fn lint_module(
    module: &Module,
    rules: &[(&'static dyn Rule, Severity)],
    config: &LintConfig,
    extra_suppressions: &[InlineSuppression],
) -> (LintReport, SourceFiles) {
    let cx = Context::new(module);
    let mut raw: Vec<(Finding, Severity)> = Vec::new();
    for (rule, severity) in rules {
        let mut out = Vec::new();
        rule.check(&cx, &mut out);
        raw.extend(out.into_iter().map(|f| (f, *severity)));
    }
    let files = cx.eval.files.borrow().clone();
    let mut inline = suppress::scan_files(&files);
    inline.extend(extra_suppressions.iter().cloned());
    let index = SuppressionIndex::new(&inline);
    let mut rust_sources = RustSources::default();
    let mut report = LintReport::default();
    let mut used = vec![false; inline.len()];
    for (f, severity) in raw {
        // A finding without a place of its own (a typed construct's generated attribute)
        // belongs where its block was written.
        let origin = match (&f.origin, &f.resource) {
            (Origin::Generated, Some(address)) => {
                cx.block(address).map(|b| b.origin).unwrap_or(f.origin)
            }
            _ => f.origin,
        };
        let location = locate(&files, origin, &module.dir, &mut rust_sources);
        let block_line = f
            .resource
            .as_deref()
            .and_then(|a| cx.block(a))
            .and_then(|b| match b.origin {
                // A file id outside this module's files cannot be located (see `locate`).
                Origin::File { file, span } if (file.0 as usize) < files.len() => {
                    Some((file, files.get(file).line_col(span.start).0))
                }
                _ => None,
            });
        let mut located = Located {
            rule: f.rule,
            severity,
            message: f.message,
            label: f.label,
            help: f.help,
            resource: f.resource,
            attribute: f.attribute,
            location,
            suppressed_reason: None,
        };
        if let Some(i) = index.matching(&located, origin, block_line, &files) {
            used[i] = true;
            located.suppressed_reason = Some(inline[i].reason.clone());
        } else if let Some(reason) = config.suppression_for(&located) {
            located.suppressed_reason = Some(reason);
        }
        if located.suppressed_reason.is_some() {
            report.suppressed.push(located);
        } else {
            report.findings.push(located);
        }
    }
    // Suppressions are findings themselves when they lack a reason or match nothing.
    for (i, s) in inline.iter().enumerate() {
        report.findings.extend(check_suppression(
            s,
            used[i],
            &files,
            &module.dir,
            rules,
            &mut rust_sources,
        ));
    }
    (report, files)
}

/// The findings suppressions themselves give (one without a reason, one that matched
/// nothing), as the active rules that judge suppressions report them.
fn check_suppression(
    s: &InlineSuppression,
    used: bool,
    files: &SourceFiles,
    dir: &std::path::Path,
    active: &[(&'static dyn Rule, Severity)],
    rust_sources: &mut RustSources,
) -> Vec<Located> {
    let all_named_rules_ran = s
        .rules
        .iter()
        .all(|r| active.iter().any(|(rule, _)| rule.meta().is_named(r)));
    let seen = SuppressionUse {
        rules: &s.rules,
        reason: &s.reason,
        origin: s.origin,
        address: s.address.as_deref(),
        used,
        all_named_rules_ran,
    };
    let mut out = Vec::new();
    for (rule, severity) in active {
        if let Some(f) = rule.check_suppression(&seen) {
            out.push(Located {
                rule: f.rule,
                severity: *severity,
                message: f.message,
                label: f.label,
                help: f.help,
                resource: f.resource,
                attribute: f.attribute,
                location: locate(files, f.origin, dir, rust_sources),
                suppressed_reason: None,
            });
        }
    }
    out
}

/// The Rust source files typed-stack findings point into, each read and indexed once per
/// lint run (a stack's findings and suppressions point into a handful of files; each used
/// to read its file again).
#[derive(Debug, Default)]
pub struct RustSources {
    /// By path as `#[track_caller]` recorded it; `None` when it could not be read.
    files: HashMap<&'static str, Option<Arc<SourceFile>>>,
}

impl RustSources {
    fn get(&mut self, path: &'static str) -> Option<Arc<SourceFile>> {
        self.files
            .entry(path)
            .or_insert_with(|| {
                let text = std::fs::read_to_string(path).ok()?;
                Some(Arc::new(SourceFile::new(PathBuf::from(path), text)))
            })
            .clone()
    }
}

/// Turns an origin into a position a person (and a CI system) can use. Rust source files
/// are read through `rust_sources`, so pass the same one for every finding of a run.
pub fn locate(
    files: &SourceFiles,
    origin: Origin,
    fallback_dir: &std::path::Path,
    rust_sources: &mut RustSources,
) -> Location {
    match origin {
        Origin::File { file, span } if (file.0 as usize) < files.len() => {
            let f = files.get(file);
            let (line, column) = f.line_col(span.start);
            let (end_line, end_column) = f.line_col(span.end);
            Location {
                path: display_path(&f.path),
                line,
                column,
                end_line,
                end_column,
                source: Some(f.snippet(span, SNIPPET_CONTEXT)),
            }
        }
        Origin::Rust(loc) => {
            let source = rust_sources.get(loc.file).and_then(|f| {
                let start = f.line_start(loc.line)? as usize;
                let line_text = f.line_text(loc.line);
                let col = (loc.column as usize).saturating_sub(1).min(line_text.len());
                let span = Span::new(start + col, start + line_text.len());
                let end_column = line_text.chars().count() as u32 + 1;
                Some((f.snippet(span, SNIPPET_CONTEXT), end_column))
            });
            let (source, end_column) = match source {
                Some((snippet, end_column)) => (Some(snippet), end_column),
                None => (None, loc.column),
            };
            Location {
                path: loc.file.to_string(),
                line: loc.line,
                column: loc.column,
                end_line: loc.line,
                end_column,
                source,
            }
        }
        _ => Location {
            path: display_path(fallback_dir),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            source: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfstack_model::RustLocation;

    const THIS_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/lint.rs");

    #[test]
    fn rust_locations_read_their_file_once() {
        let files = SourceFiles::default();
        let dir = std::path::Path::new("stack");
        let mut sources = RustSources::default();
        let at = |line, column| {
            Origin::rust(RustLocation {
                file: THIS_FILE,
                line,
                column,
            })
        };
        let first = locate(&files, at(1, 1), dir, &mut sources);
        let second = locate(&files, at(2, 4), dir, &mut sources);
        let past_the_end = locate(&files, at(1_000_000, 1), dir, &mut sources);
        assert_eq!(sources.files.len(), 1);
        assert!(first.source.is_some());
        let b = second.source.as_ref().expect("read");
        // The same as reading the file for each location.
        let text = std::fs::read_to_string(THIS_FILE).expect("read");
        let line_two = text.lines().nth(1).expect("line 2");
        assert_eq!(&b.text[b.span.range()], &line_two[3..]);
        assert_eq!(b.first_line, 1);
        assert_eq!(second.path, THIS_FILE);
        assert_eq!(
            (
                second.line,
                second.column,
                second.end_line,
                second.end_column
            ),
            (2, 4, 2, line_two.chars().count() as u32 + 1)
        );
        assert!(past_the_end.source.is_none());
        // A file that cannot be read is remembered as such.
        let missing = Origin::rust(RustLocation {
            file: "no/such/file.rs",
            line: 3,
            column: 9,
        });
        for _ in 0..2 {
            let l = locate(&files, missing, dir, &mut sources);
            assert!(l.source.is_none());
            assert_eq!((l.line, l.column, l.end_column), (3, 9, 9));
        }
        assert_eq!(sources.files.len(), 2);
    }
}
