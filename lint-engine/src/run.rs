//! One lint run over paths: discover, load each module, lint modules in parallel, then
//! the policy files no module read, then plans.

use crate::config::LintConfig;
use crate::context::Module;
use crate::input::kinds::json_document;
use crate::input::{self, InputOptions};
use crate::lint::{active_rules, lint_module};
use crate::located::{display_path, LintReport, Located};
use crate::{Rule, Severity};
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tfstack_model::{Config, SourceFile, SourceFiles};

/// How a run shows progress and what its report keeps.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// A progress bar on stderr for scans that take longer than a second. The caller
    /// decides: only for a terminal and human output.
    pub progress: bool,
    /// Whether findings keep the lines around them (`Reporter::needs_snippets`): kept
    /// when not needed, they stay in memory until the report is written.
    pub snippets: bool,
}

impl RunOptions {
    /// Drops the snippets of a report's findings unless the run keeps them.
    fn finish(&self, report: &mut LintReport) {
        if !self.snippets {
            for f in report
                .findings
                .iter_mut()
                .chain(report.suppressed.iter_mut())
            {
                f.location.source = None;
            }
        }
    }
}

/// Lints every input under `paths`.
pub fn lint_paths(
    paths: &[PathBuf],
    options: &InputOptions,
    config: &LintConfig,
    catalogue: &[&'static dyn Rule],
) -> LintReport {
    lint_paths_with(paths, options, config, catalogue, RunOptions::default())
}

/// [`lint_paths`], with a progress bar and a leaner report as `run` says.
pub fn lint_paths_with(
    paths: &[PathBuf],
    options: &InputOptions,
    config: &LintConfig,
    catalogue: &[&'static dyn Rule],
    run: RunOptions,
) -> LintReport {
    let inputs = input::discover(paths);
    let rules = active_rules(catalogue, config);
    let mut report = LintReport {
        errors: inputs.errors.clone(),
        ..LintReport::default()
    };
    // Each `--var-file` is checked once here, so that a missing one is reported even when
    // no module reads it (modules report the same errors again; they are deduplicated
    // below).
    for path in &options.var_files {
        if let Err(e) = input::read_text(path) {
            report.errors.push(e);
        }
    }
    let modules: Vec<(PathBuf, Vec<PathBuf>)> = inputs.modules.into_iter().collect();
    // The largest modules first, one task each, so that the cores finish together
    // instead of one waiting on a large module left for last. Results are merged back in
    // the modules' own order.
    let mut schedule: Vec<usize> = (0..modules.len()).collect();
    schedule.sort_by_key(|&i| std::cmp::Reverse(modules[i].1.len()));
    let total = modules.iter().map(|(_, f)| f.len()).sum::<usize>() + inputs.json_files.len();
    let bar = Progress::start(run.progress, total as u64);
    let mut results: Vec<(usize, (LintReport, Vec<PathBuf>))> = schedule
        .par_iter()
        .with_max_len(1)
        .map(|&i| (i, &modules[i]))
        .map(|(i, (dir, files))| {
            let _done = bar.on_drop(files.len() as u64);
            let (module, errors) = input::load_module(dir, files, options);
            let (mut r, sources) = lint_module(&module, &rules, config, &[]);
            r.errors.extend(errors);
            match inputs.focus.get(dir) {
                Some(named) => {
                    keep_named_files(&mut r, &module, files, named);
                    r.files += named.len();
                }
                None => r.files += files.len(),
            }
            run.finish(&mut r);
            // Files read through file()/templatefile(): linted in that context only.
            let read: Vec<PathBuf> = sources
                .iter()
                .skip(module.files.len())
                .filter_map(|(_, f)| std::fs::canonicalize(&f.path).ok())
                .collect();
            (i, (r, read))
        })
        .collect();
    results.sort_by_key(|(i, _)| *i);
    let mut read_by_modules: HashSet<PathBuf> = HashSet::new();
    for (_, (r, read)) in results {
        report.merge(r);
        read_by_modules.extend(read);
    }
    let json_reports: Vec<LintReport> = inputs
        .json_files
        .par_iter()
        .filter_map(|p| {
            let _done = bar.on_drop(1);
            let read = std::fs::canonicalize(p).is_ok_and(|c| read_by_modules.contains(&c));
            if read {
                return None;
            }
            lint_json_file(p, options, config, &rules).map(|mut r| {
                run.finish(&mut r);
                r
            })
        })
        .collect();
    bar.finish();
    for r in json_reports {
        report.merge(r);
    }
    report
        .findings
        .extend(crate::lint::config_suppression_findings(config, &rules));
    report.sort();
    // A `--var-file` error is reported by every module that reads the file: keep one.
    report.errors.dedup();
    report
}

/// Keeps the findings of the files named on the command line, for a module loaded whole
/// for their sake: those located in a named file, and those located in a file read
/// through `file()`/`templatefile()` for a resource written in a named file. Errors are
/// all kept: a sibling that cannot be read leaves the named files' results incomplete.
fn keep_named_files(
    report: &mut LintReport,
    module: &Module,
    files: &[PathBuf],
    named: &std::collections::BTreeSet<PathBuf>,
) {
    let named: HashSet<String> = named.iter().map(|p| display_path(p)).collect();
    let own: HashSet<String> = files.iter().map(|p| display_path(p)).collect();
    let block_files: std::collections::HashMap<String, String> = module
        .config
        .blocks
        .iter()
        .filter_map(|b| match b.origin {
            tfstack_model::Origin::File { file, .. } if (file.0 as usize) < module.files.len() => {
                Some((b.address(), display_path(&module.files.get(file).path)))
            }
            _ => None,
        })
        .collect();
    let keep = |f: &Located| {
        named.contains(&f.location.path)
            || (!own.contains(&f.location.path)
                && f.resource
                    .as_ref()
                    .and_then(|r| block_files.get(r))
                    .is_some_and(|p| named.contains(p)))
    };
    report.findings.retain(keep);
    report.suppressed.retain(keep);
}

/// A progress bar drawn on stderr only once a scan has run for a second (short scans,
/// the common case in pre-commit hooks, never flicker one). Off, it costs nothing.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    shown: Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
}

impl Progress {
    fn start(enabled: bool, total: u64) -> Progress {
        use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
        use std::time::Duration;
        if !enabled || total == 0 {
            return Progress {
                bar: None,
                shown: None,
            };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} linting {wide_bar} {pos}/{len} files ({elapsed})",
        ) {
            bar.set_style(style);
        }
        let (done, wait) = std::sync::mpsc::channel::<()>();
        let delayed = bar.clone();
        let handle = std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                wait.recv_timeout(Duration::from_secs(1))
            {
                delayed.set_draw_target(ProgressDrawTarget::stderr());
                delayed.enable_steady_tick(Duration::from_millis(120));
            }
        });
        Progress {
            bar: Some(bar),
            shown: Some((done, handle)),
        }
    }

    /// Advances the bar by `n` files when the returned guard is dropped.
    fn on_drop(&self, n: u64) -> Advance<'_> {
        Advance { progress: self, n }
    }

    fn finish(self) {
        if let Some((done, handle)) = self.shown {
            let _ = done.send(());
            let _ = handle.join();
        }
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Advances a [`Progress`] when dropped (after a module is linted, even on panic).
struct Advance<'a> {
    progress: &'a Progress,
    n: u64,
}

impl Drop for Advance<'_> {
    fn drop(&mut self) {
        if let Some(bar) = &self.progress.bar {
            bar.inc(self.n);
        }
    }
}

/// Lints a candidate JSON document: a plan (each module instance on its own, findings in
/// a child module carrying its address, `module.queues.aws_sqs_queue.jobs`), a policy, or
/// nothing for JSON of no kind tfstack lints.
fn lint_json_file(
    path: &Path,
    options: &InputOptions,
    config: &LintConfig,
    rules: &[(&'static dyn Rule, Severity)],
) -> Option<LintReport> {
    let text = match input::read_text(path) {
        Ok(t) => t,
        Err(e) => {
            return Some(LintReport {
                errors: vec![e],
                ..LintReport::default()
            })
        }
    };
    let mut files = SourceFiles::default();
    let id = files.add(SourceFile::new(path.to_path_buf(), text));
    let dir = path.parent().map(PathBuf::from).unwrap_or_default();
    let (kind, document) = match json_document(files.get(id), id) {
        Ok(Some(found)) => found,
        Ok(None) => return None,
        Err(e) => {
            return Some(LintReport {
                errors: vec![e],
                files: 1,
                ..LintReport::default()
            })
        }
    };
    let (modules, errors) = kind.modules(document, files.get(id), id);
    let mut report = LintReport::default();
    for document_module in modules {
        let mut module = Module::new(
            dir.clone(),
            Config {
                blocks: document_module.blocks,
            },
            files.clone(),
        )
        .with_environment(
            options.environment.clone(),
            options.production_names.clone(),
        );
        if let Some(policy) = document_module.policy {
            module = module.with_standalone_policy(id, policy);
        }
        let (mut r, _) = lint_module(&module, rules, config, &[]);
        if !document_module.address.is_empty() {
            for f in r.findings.iter_mut().chain(r.suppressed.iter_mut()) {
                if let Some(resource) = &mut f.resource {
                    *resource = format!("{}.{resource}", document_module.address);
                }
            }
        }
        report.merge(r);
    }
    report.files += 1;
    report.errors.extend(errors);
    Some(report)
}
