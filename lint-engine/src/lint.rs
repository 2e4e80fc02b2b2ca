//! Running rules over modules: selection, severities, locating findings in files or Rust
//! lines, and applying suppressions.

use crate::config::LintConfig;
use crate::context::{Context, Module};
use crate::located::{display_path, LintReport, Located, Location, Notice, SNIPPET_CONTEXT};
use crate::suppress::{self, InlineSuppression, SuppressionIndex};
use crate::{Finding, Rule, Severity, SuppressionUse};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tfstack_model::{Block, FileId, Origin, OriginKind, SourceFile, SourceFiles, Span};

mod per_instance;
mod plan_instances;

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

/// Whether a suppression was put to use in one lint of a module (or, merged, in any
/// instance of it). Ordered: merging keeps the greatest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SuppressionState {
    /// It stands over a block that does not exist here (`count = 0`): not judged.
    NotJudged,
    /// It suppressed nothing.
    Unused,
    /// It suppressed a finding.
    Used,
}

/// One module linted, before the findings its suppressions themselves give: the report,
/// every file it read (its own first), its suppressions and how each was used.
pub struct ModuleLint {
    pub report: LintReport,
    pub files: SourceFiles,
    pub suppressions: Vec<InlineSuppression>,
    pub states: Vec<SuppressionState>,
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
    let mut lint = lint_context(&cx, rules, config, extra_suppressions, true);
    let findings = suppression_findings(
        &lint.suppressions,
        &lint.states,
        &lint.files,
        &module.dir,
        rules,
    );
    lint.report.findings.extend(findings);
    (lint.report, lint.files)
}

/// Runs `rules` over one module's context: findings located (with the lines around them
/// when `snippets`), suppressed or not, with the instance's calls; what the module noted.
/// The findings suppressions themselves give are left to [`suppression_findings`] (for a
/// module with several instances, once for all).
pub fn lint_context(
    cx: &Context,
    rules: &[(&'static dyn Rule, Severity)],
    config: &LintConfig,
    extra_suppressions: &[InlineSuppression],
    snippets: bool,
) -> ModuleLint {
    let module = cx.module;
    let mut raw: Vec<(Finding, Severity)> = Vec::new();
    for (rule, severity) in rules {
        let mut out = Vec::new();
        rule.check(cx, &mut out);
        raw.extend(out.into_iter().map(|f| (f, *severity)));
    }
    let per_instance = per_instance::findings_per_instance(cx, rules, &raw);
    // The key of the instance a finding is on, for those judged one instance at a time.
    let raw = raw.into_iter().map(|(f, s)| (f, s, None)).chain(
        per_instance
            .into_iter()
            .map(|i| (i.finding, i.severity, Some(i.key))),
    );
    // The rules' indexes (policy documents, references) are no longer needed: their memory
    // goes to locating the findings (a released source text is read back for snippets).
    cx.forget_memoized();
    let files = cx.eval.files.borrow().clone();
    let mut inline = suppress::scan_files(&files);
    inline.extend(extra_suppressions.iter().cloned());
    for s in &mut inline {
        s.expired = s
            .until
            .as_ref()
            .is_some_and(|u| u.has_passed(&config.today));
    }
    let index = SuppressionIndex::new(&inline);
    let mut rust_sources = RustSources::default();
    let mut report = LintReport::default();
    let mut states = not_judged_over_absent_blocks(cx, &inline, &files);
    let instance = module.instance();
    let plan_instances = plan_instances::PlanInstances::of(&module.config);
    for (f, severity, instance_key) in raw {
        // A plan's instance is a block of its own: the finding's place says which.
        let instance_key = instance_key.or_else(|| {
            let address = f.resource.as_deref()?;
            let key = plan_instances.as_ref()?.key_of(address, f.origin)?;
            Some(key.to_string())
        });
        // A finding without a place of its own (a typed construct's generated attribute)
        // belongs where its block was written.
        let origin = match (f.origin.is_generated(), &f.resource) {
            (true, Some(address)) => cx.block(address).map(|b| b.origin).unwrap_or(f.origin),
            _ => f.origin,
        };
        let location = locate(&files, origin, &module.dir, &mut rust_sources, snippets);
        let block_line = f
            .resource
            .as_deref()
            .and_then(|a| cx.block(a))
            .and_then(|b| match b.origin.kind() {
                // A file id outside this module's files cannot be located (see `locate`).
                OriginKind::File { file, span } if (file.0 as usize) < files.len() => {
                    Some((file, files.get(file).line_col(span.start).0))
                }
                _ => None,
            });
        let mut located = Located {
            rule: f.rule,
            severity,
            message: clipped(f.message),
            label: clipped_text(f.label),
            help: clipped_text(f.help),
            // Suppressions match the address inside the module; the report shows the
            // instance's.
            resource: f.resource,
            attribute: f.attribute,
            location,
            suppressed_reason: None,
            calls: Vec::new(),
        };
        if let Some(i) = index.matching(&located, origin, block_line, &files) {
            states[i] = SuppressionState::Used;
            located.suppressed_reason = Some(inline[i].reason.clone());
        }
        if let (Some(key), Some(resource)) = (instance_key, &mut located.resource) {
            resource.push_str(&key);
        }
        if !instance.is_empty() {
            located.calls = module.calls.clone();
            located.resource = located.resource.map(|r| format!("{instance}.{r}"));
        }
        if located.suppressed_reason.is_none() {
            located.suppressed_reason = config.suppression_for(&located);
        }
        if located.suppressed_reason.is_some() {
            report.suppressed.push(located);
        } else {
            report.findings.push(located);
        }
    }
    for note in cx.notes() {
        let location = locate(&files, note.origin, &module.dir, &mut rust_sources, false);
        report.notices.push(Notice {
            message: note.message,
            help: note.help,
            path: location.path,
            line: location.line,
            column: location.column,
        });
    }
    ModuleLint {
        report,
        files,
        suppressions: inline,
        states,
    }
}

/// The longest message, label or help a finding keeps, in bytes.
pub const MAX_FINDING_TEXT: usize = 1024;

/// `text` cut to [`MAX_FINDING_TEXT`] bytes (on a character boundary, with `…`): a rule
/// that quotes a value it was handed (an action, a name) never prints megabytes of it.
fn clipped(text: String) -> String {
    tfstack_model::shown::clipped(text, MAX_FINDING_TEXT)
}

/// [`clipped`] of a label or help text, copied only when it is cut.
fn clipped_text(text: Cow<'static, str>) -> Cow<'static, str> {
    if text.len() > MAX_FINDING_TEXT {
        Cow::Owned(clipped(text.into_owned()))
    } else {
        text
    }
}

/// The state every suppression starts in: not judged when it stands over a block that
/// does not exist (`count = 0`: nothing there can be found, in this instance), or inside
/// one; unused otherwise, until a finding uses it.
fn not_judged_over_absent_blocks(
    cx: &Context,
    inline: &[InlineSuppression],
    files: &SourceFiles,
) -> Vec<SuppressionState> {
    let mut states = vec![SuppressionState::Unused; inline.len()];
    let absent: Vec<(FileId, u32, u32)> = cx
        .module
        .config
        .blocks
        .iter()
        .filter(|b| !cx.exists(b))
        .filter_map(|b| block_lines(b, files))
        .collect();
    if absent.is_empty() {
        return states;
    }
    for (i, s) in inline.iter().enumerate() {
        let Some((file, line)) = s.file_line else {
            continue;
        };
        let covered = absent.iter().any(|&(f, first, last)| {
            if f != file || line > last {
                return false;
            }
            // Inside the block, or in the comment run just above its header.
            line >= first
                || (line + 1..first).all(|l| suppress::is_comment(&files.get(f).line_text(l)))
        });
        if covered {
            states[i] = SuppressionState::NotJudged;
        }
    }
    states
}

/// The file and the first and last lines a block is written on (from its header to the
/// end of the last thing in its body).
fn block_lines(block: &Block, files: &SourceFiles) -> Option<(FileId, u32, u32)> {
    let (file, span) = block.origin.file_span()?;
    if file.0 as usize >= files.len() {
        return None;
    }
    let mut end = span.end;
    block_end(&block.body, file, &mut end);
    let f = files.get(file);
    Some((file, f.line_col(span.start).0, f.line_col(end).0))
}

/// Extends `end` to the last byte of `body` written in `file`.
fn block_end(body: &tfstack_model::Body, file: FileId, end: &mut u32) {
    let reach = |origin: Origin, end: &mut u32| {
        if let Some((f, span)) = origin.file_span() {
            if f == file {
                *end = (*end).max(span.end);
            }
        }
    };
    for item in &body.items {
        match item {
            tfstack_model::Structure::Attribute(a) => {
                reach(a.origin, end);
                reach(a.value.origin, end);
            }
            tfstack_model::Structure::Block(b) => {
                reach(b.origin, end);
                block_end(&b.body, file, end);
            }
        }
    }
}

/// The findings suppressions themselves give (one without a reason, one that matched
/// nothing where it was judged), as the active rules that judge suppressions report them.
pub fn suppression_findings(
    suppressions: &[InlineSuppression],
    states: &[SuppressionState],
    files: &SourceFiles,
    dir: &std::path::Path,
    rules: &[(&'static dyn Rule, Severity)],
) -> Vec<Located> {
    let mut rust_sources = RustSources::default();
    suppressions
        .iter()
        .zip(states)
        .flat_map(|(s, state)| {
            check_suppression(
                s,
                *state != SuppressionState::Unused,
                files,
                dir,
                rules,
                &mut rust_sources,
            )
        })
        .collect()
}

/// The findings one suppression gives, as the active rules that judge suppressions
/// report them.
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
        until: s.until.as_ref(),
        expired: s.expired,
    };
    judge_suppression(&seen, files, dir, active, rust_sources)
}

/// What the active rules that judge suppressions say about one.
fn judge_suppression(
    seen: &SuppressionUse,
    files: &SourceFiles,
    dir: &std::path::Path,
    active: &[(&'static dyn Rule, Severity)],
    rust_sources: &mut RustSources,
) -> Vec<Located> {
    let mut out = Vec::new();
    for (rule, severity) in active {
        if let Some(f) = rule.check_suppression(seen) {
            out.push(Located {
                rule: f.rule,
                severity: *severity,
                message: f.message,
                label: f.label,
                help: f.help,
                resource: f.resource,
                attribute: f.attribute,
                location: locate(files, f.origin, dir, rust_sources, true),
                suppressed_reason: None,
                calls: Vec::new(),
            });
        }
    }
    out
}

/// The findings the configuration's `[[suppress]]` entries give once per run: an entry
/// whose `until` has passed (or is no date) suppresses nothing, and the rules that judge
/// suppressions say so, at the entry in `tfstack.toml`.
pub fn config_suppression_findings(
    config: &LintConfig,
    active: &[(&'static dyn Rule, Severity)],
) -> Vec<Located> {
    let Some(path) = &config.path else {
        return Vec::new();
    };
    let mut files = SourceFiles::default();
    let file = files.add(SourceFile::new(path.clone(), config.text.as_str()));
    let mut rust_sources = RustSources::default();
    let mut out = Vec::new();
    for (i, entry) in config.file.suppress.iter().enumerate() {
        let Some(until) = entry.until.as_deref().map(crate::until::Until::parse) else {
            continue;
        };
        if !until.has_passed(&config.today) {
            continue;
        }
        let rules = [entry.rule.clone()];
        let span = config.until_spans.get(i).copied().unwrap_or_default();
        let seen = SuppressionUse {
            rules: &rules,
            reason: &entry.reason,
            origin: Origin::file(file, span),
            address: None,
            used: false,
            all_named_rules_ran: active.iter().any(|(r, _)| r.meta().is_named(&entry.rule)),
            until: Some(&until),
            expired: true,
        };
        out.extend(judge_suppression(
            &seen,
            &files,
            path.parent().unwrap_or(std::path::Path::new(".")),
            active,
            &mut rust_sources,
        ));
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
                let text = tfstack_model::read::read_text(
                    std::path::Path::new(path),
                    tfstack_model::read::DEFAULT_READ_LIMIT,
                )
                .ok()?;
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
    snippet: bool,
) -> Location {
    match origin.kind() {
        OriginKind::File { file, span } if (file.0 as usize) < files.len() => {
            let f = files.get(file);
            let (line, column) = f.line_col(span.start);
            let (end_line, end_column) = f.line_col(span.end);
            Location {
                path: display_path(&f.path),
                line,
                column,
                end_line,
                end_column,
                // Read back from the file for a released text: only when it is shown.
                source: snippet
                    .then(|| f.finding_snippet(span, SNIPPET_CONTEXT))
                    .flatten(),
            }
        }
        OriginKind::Rust(loc) => {
            let source = rust_sources
                .get(loc.file)
                .filter(|_| snippet)
                .and_then(|f| {
                    let start = f.line_start(loc.line)? as usize;
                    let line_text = f.line_text(loc.line);
                    let col = (loc.column as usize).saturating_sub(1).min(line_text.len());
                    let span = Span::new(start + col, start + line_text.len());
                    let end_column = line_text.chars().count() as u32 + 1;
                    Some((f.finding_snippet(span, SNIPPET_CONTEXT)?, end_column))
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
    use tfstack_model::SNIPPET_LINE_WINDOW;

    /// The location of `span` in a file of `text`, with its snippet.
    fn located_in(text: &str, span: Span) -> Location {
        let mut files = SourceFiles::default();
        let file = files.add(SourceFile::new(PathBuf::from("plan.json"), text));
        let origin = Origin::file(file, span);
        locate(
            &files,
            origin,
            std::path::Path::new("."),
            &mut RustSources::default(),
            true,
        )
    }

    #[test]
    fn a_finding_on_a_long_line_holds_a_window_of_it() {
        // One line of 2 MB (what `terraform show -json` writes), a multi-byte character
        // at every other byte, the finding in the middle of it.
        let line = format!(
            "{}\"aws_sqs_queue.q\"{}",
            "ä".repeat(500_000),
            "x".repeat(1_000_000)
        );
        let text = format!("{{\n{line}\n}}\n");
        let start = 2 + "ä".len() * 500_000;
        let span = Span::new(start, start + "\"aws_sqs_queue.q\"".len());
        let location = located_in(&text, span);
        assert_eq!((location.line, location.column), (2, 500_001));
        let snippet = location.source.expect("a snippet");
        assert!(
            snippet.text.len() < 2 * SNIPPET_LINE_WINDOW,
            "{}",
            snippet.text.len()
        );
        assert_eq!(
            snippet.text.get(snippet.span.range()),
            Some("\"aws_sqs_queue.q\"")
        );
        let lines: Vec<(u32, &str)> = snippet.lines().collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!((lines[0], lines[2]), ((1, "{"), (3, "}")));
        assert!(lines[1].1.starts_with('…') && lines[1].1.ends_with('…'));
        // Lines within the window are held whole, as before.
        let short = "resource \"a\" \"b\" {\n  name = \"x\"\n}\n";
        let span = Span::new(23, 34);
        let mut files = SourceFiles::default();
        let file = files.add(SourceFile::new(PathBuf::from("main.tf"), short));
        let whole = files
            .get(file)
            .snippet(span, SNIPPET_CONTEXT)
            .expect("lines");
        let located = located_in(short, span).source.expect("a snippet");
        assert_eq!(
            (&*located.text, located.span, located.first_line),
            (&*whole.text, whole.span, whole.first_line)
        );
    }

    #[test]
    fn finding_text_is_clipped_on_a_character_boundary() {
        assert_eq!(clipped("short".into()), "short");
        let long = "ä".repeat(MAX_FINDING_TEXT);
        let cut = clipped(long);
        assert!(cut.len() <= MAX_FINDING_TEXT + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn a_fixed_label_is_kept_without_a_copy_and_a_long_one_is_clipped() {
        assert!(matches!(
            clipped_text(Cow::Borrowed("no DLQ")),
            Cow::Borrowed("no DLQ")
        ));
        let cut = clipped_text(Cow::Owned("x".repeat(MAX_FINDING_TEXT + 10)));
        assert_eq!(cut.len(), MAX_FINDING_TEXT + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }
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
        let first = locate(&files, at(1, 1), dir, &mut sources, true);
        let second = locate(&files, at(2, 4), dir, &mut sources, true);
        let past_the_end = locate(&files, at(1_000_000, 1), dir, &mut sources, true);
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
            let l = locate(&files, missing, dir, &mut sources, true);
            assert!(l.source.is_none());
            assert_eq!((l.line, l.column, l.end_column), (3, 9, 9));
        }
        assert_eq!(sources.files.len(), 2);
    }
}
