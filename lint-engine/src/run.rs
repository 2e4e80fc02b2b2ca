//! One lint run over paths: discover, load each root module and lint it and the instances
//! of the modules it calls, in parallel; then the policy files no module read, then plans.

use crate::config::LintConfig;
use crate::context::{Context, Module};
use crate::input::calls::{Calls, MAX_INSTANCES_PER_TREE};
use crate::input::kinds::json_document;
use crate::input::{self, InputOptions, ModuleDir};
use crate::lint::{
    active_rules, lint_context, lint_module, suppression_findings, ModuleLint, SuppressionState,
};
use crate::located::{display_path, InputError, LintReport, Located};
use crate::suppress::InlineSuppression;
use crate::{Rule, Severity};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
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

/// The suppressions of one module directory, as linted in one instance: per suppression,
/// how it was used, and the findings it gives when used (or not judged) and when unused,
/// located while the files were at hand.
struct DirSuppressions {
    entries: Vec<(SuppressionState, Vec<Located>, Vec<Located>)>,
}

/// One module instance linted: its report, and what the run needs of it afterwards.
struct InstanceLint {
    report: LintReport,
    /// Its directory, canonical (instances of one directory share suppressions).
    canonical: PathBuf,
    /// Files linted, counted once per directory.
    files: usize,
    suppressions: DirSuppressions,
    /// Files read through `file()`/`templatefile()`: linted in that context only.
    read: Vec<PathBuf>,
}

/// What every lint task of one run shares.
struct Run<'a> {
    options: &'a InputOptions,
    config: &'a LintConfig,
    rules: &'a [(&'static dyn Rule, Severity)],
    run: RunOptions,
    visit: &'a InstanceVisitor<'a>,
}

/// The files named on the command line in a module loaded whole for their sake: only
/// their findings are reported.
type Focus = BTreeSet<PathBuf>;

/// [`lint_paths`], with a progress bar and a leaner report as `run` says.
pub fn lint_paths_with(
    paths: &[PathBuf],
    options: &InputOptions,
    config: &LintConfig,
    catalogue: &[&'static dyn Rule],
    run: RunOptions,
) -> LintReport {
    lint_paths_in_parts(paths, options, config, catalogue, run, &|_| {}).into_report()
}

/// What a run hands each module instance it lints (a root module, or an instance of a
/// called module with its caller's arguments), once the instance is linted: `tfstack diff`
/// reads its permissions, exposure and reliability there, per instance as Terraform
/// addresses them.
pub type InstanceVisitor<'v> = dyn Fn(&Module) + Sync + 'v;

/// The findings of one run linted in one place: one instance of a module (a root module,
/// or an instance a call makes, its findings carrying the calls), the findings a module
/// directory's suppressions give (once for all its instances), or the directory of a JSON
/// document.
#[derive(Debug)]
pub struct LintedPart {
    /// The directory, canonical where it can be resolved.
    pub dir: PathBuf,
    /// What was linted there: findings (with their instance's calls), suppressed findings,
    /// errors and notices.
    pub report: LintReport,
    /// A JSON document (a policy, a plan) no module reads, linted on its own.
    pub document: bool,
}

/// One lint run before its report is merged: the findings by where they were linted, and
/// the rest. [`RunParts::into_report`] is the report [`lint_paths_with`] gives; a
/// comparison of two versions (`tfstack diff`) reads the parts.
#[derive(Debug, Default)]
pub struct RunParts {
    /// In the order they were linted: root modules by path, each followed by the
    /// instances of the modules it calls; then suppressions by directory; then JSON
    /// documents.
    pub parts: Vec<LintedPart>,
    /// The files counted, errors and notices of discovery, and the findings of the
    /// configuration's own `[[suppress]]` entries (the same for every tree linted with it).
    pub rest: LintReport,
    /// "no Terraform files under PATH": a path that holds nothing to lint.
    pub nothing_to_lint: Vec<InputError>,
}

impl RunParts {
    /// The run's report: every part merged and sorted, an input error reported once.
    pub fn into_report(self) -> LintReport {
        let mut report = self.rest;
        let config_findings = std::mem::take(&mut report.findings);
        for part in self.parts {
            report.merge(part.report);
        }
        report.findings.extend(config_findings);
        report.errors.extend(self.nothing_to_lint);
        report.sort();
        // A `--var-file` error is reported by every module that reads the file: keep one.
        report.errors.dedup();
        report
    }
}

/// [`lint_paths_with`], its findings kept by where they were linted; `visit` is handed
/// each module instance once it is linted.
pub fn lint_paths_in_parts(
    paths: &[PathBuf],
    options: &InputOptions,
    config: &LintConfig,
    catalogue: &[&'static dyn Rule],
    run: RunOptions,
    visit: &InstanceVisitor,
) -> RunParts {
    let inputs = input::discover(paths, options);
    let rules = active_rules(catalogue, config);
    let mut out = RunParts {
        rest: LintReport {
            errors: inputs.errors.clone(),
            notices: inputs.notices.clone(),
            ..LintReport::default()
        },
        ..RunParts::default()
    };
    // A `--var-file` is read by every root module; check each once here, so a missing
    // one is reported when no module was found (modules report the same errors again;
    // they are deduplicated when the report is merged).
    for path in &options.var_files {
        if let Err(e) = input::read_text(path, options.read_limit) {
            out.rest.errors.push(e);
        }
    }
    for p in &inputs.empty_paths {
        out.nothing_to_lint.push(no_terraform_files(p));
    }
    let modules: Vec<(&PathBuf, &ModuleDir)> = inputs.modules.iter().collect();
    let roots = root_modules(&inputs, &modules, options);
    // The largest modules first, one task each, so that the cores finish together instead
    // of one waiting on a large module left for last. Results are merged back in the
    // modules' own order.
    let mut schedule: Vec<usize> = roots;
    schedule.sort_by_key(|&i| (std::cmp::Reverse(modules[i].1.files.len()), i));
    let total = modules.iter().map(|(_, m)| m.files.len()).sum::<usize>() + inputs.json_files.len();
    let bar = Progress::start(run.progress, total as u64);
    let shared = Run {
        options,
        config,
        rules: &rules,
        run,
        visit,
    };
    let mut results: Vec<(usize, Vec<InstanceLint>)> = schedule
        .par_iter()
        .with_max_len(1)
        .map(|&i| {
            let (dir, module_dir) = &modules[i];
            let _done = bar.on_drop(module_dir.files.len() as u64);
            (
                i,
                lint_root(&shared, dir, module_dir, inputs.focus.get(*dir)),
            )
        })
        .collect();
    results.sort_by_key(|(i, _)| *i);
    let mut read_by_modules: HashSet<PathBuf> = HashSet::new();
    let mut counted: HashSet<PathBuf> = HashSet::new();
    let mut suppressions: BTreeMap<PathBuf, DirSuppressions> = BTreeMap::new();
    for (_, instances) in results {
        for instance in instances {
            if counted.insert(instance.canonical.clone()) {
                out.rest.files += instance.files;
            }
            read_by_modules.extend(instance.read);
            // A directory without suppressions has none to merge.
            if !instance.suppressions.entries.is_empty() {
                merge_suppressions(
                    &mut suppressions,
                    instance.canonical.clone(),
                    instance.suppressions,
                );
            }
            out.parts.push(LintedPart {
                dir: instance.canonical,
                report: instance.report,
                document: false,
            });
        }
    }
    for (dir, judged) in suppressions {
        let mut findings = Vec::new();
        for (state, used, unused) in judged.entries {
            findings.extend(if state == SuppressionState::Unused {
                unused
            } else {
                used
            });
        }
        if !run.snippets {
            findings.iter_mut().for_each(|f| f.location.source = None);
        }
        out.parts.push(LintedPart {
            dir,
            report: LintReport {
                findings,
                ..LintReport::default()
            },
            document: false,
        });
    }
    let json_reports: Vec<LintedPart> = inputs
        .json_files
        .par_iter()
        .filter_map(|p| {
            let _done = bar.on_drop(1);
            let read = std::fs::canonicalize(p).is_ok_and(|c| read_by_modules.contains(&c));
            if read {
                return None;
            }
            lint_json_file(p, options, config, &rules).map(|mut report| {
                run.finish(&mut report);
                let parent = p.parent().map(Path::to_path_buf).unwrap_or_default();
                LintedPart {
                    dir: std::fs::canonicalize(&parent).unwrap_or(parent),
                    report,
                    document: true,
                }
            })
        })
        .collect();
    bar.finish();
    out.parts.extend(json_reports);
    out.rest
        .findings
        .extend(crate::lint::config_suppression_findings(config, &rules));
    // Nothing to lint at all (JSON that is neither a plan nor a policy counts for
    // nothing): a CI job pointed at the wrong directory must not pass.
    let files = out.rest.files + out.parts.iter().map(|p| p.report.files).sum::<usize>();
    if files == 0 && inputs.empty_paths.is_empty() {
        for p in paths {
            if inputs.errors.iter().all(|e| e.path != display_path(p)) {
                out.nothing_to_lint.push(no_terraform_files(p));
            }
        }
    }
    out
}

/// The error for a path that holds nothing to lint.
fn no_terraform_files(p: &Path) -> InputError {
    InputError::file(p, format!("no Terraform files under {}", display_path(p))).with_help(
        "name a directory holding `.tf` or `.tf.json` files, a plan (`terraform show -json`) \
         or an IAM policy document",
    )
}

/// The module directories linted as root modules, by position in `modules`: those no
/// other discovered module calls, and those only reached from each other (a cycle, which
/// linting them reports). Every other directory is linted as the instances its callers
/// make.
fn root_modules(
    inputs: &input::Inputs,
    modules: &[(&PathBuf, &ModuleDir)],
    options: &InputOptions,
) -> Vec<usize> {
    let calls = input::called_directories(inputs, options);
    if calls.is_empty() {
        // No module calls another: every one is a root.
        return (0..modules.len()).collect();
    }
    let canonical: Vec<PathBuf> = modules
        .par_iter()
        .map(|(d, _)| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()))
        .collect();
    let called: HashSet<&PathBuf> = calls.values().flatten().collect();
    let mut roots: Vec<usize> = (0..modules.len())
        .filter(|&i| !called.contains(&canonical[i]))
        .collect();
    // What the roots reach; a directory none reaches is in a cycle of calls.
    let mut reached: HashSet<&PathBuf> = roots.iter().map(|&i| &canonical[i]).collect();
    let mut pending: Vec<&PathBuf> = reached.iter().copied().collect();
    while let Some(dir) = pending.pop() {
        for next in calls.get(dir).into_iter().flatten() {
            if reached.insert(next) {
                pending.push(next);
            }
        }
    }
    for (i, dir) in canonical.iter().enumerate() {
        if !reached.contains(dir) {
            roots.push(i);
            // Its cycle is reported from it; the rest of the cycle is reached from it.
            let mut pending = vec![dir];
            reached.insert(dir);
            while let Some(dir) = pending.pop() {
                for next in calls.get(dir).into_iter().flatten() {
                    if reached.insert(next) {
                        pending.push(next);
                    }
                }
            }
        }
    }
    roots
}

/// Lints one root module and the instances of the modules it calls, recursively.
fn lint_root(
    shared: &Run,
    dir: &Path,
    module_dir: &ModuleDir,
    focus: Option<&BTreeSet<PathBuf>>,
) -> Vec<InstanceLint> {
    let (mut module, errors) = input::load_root_module(
        dir,
        &module_dir.files,
        shared.options,
        Some(&module_dir.root),
    );
    if module.environment.is_none() {
        module.environment = shared.config.environment_of(dir);
    }
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let calls = Calls::new(shared.options, module_dir.root.clone());
    let files = match focus {
        Some(named) => named.len(),
        None => module_dir.files.len(),
    };
    let mut out = Vec::new();
    let tree = Tree {
        shared,
        calls: &calls,
        focus,
    };
    let root = Instance {
        module,
        canonical,
        files,
        errors,
        instance_budget: MAX_INSTANCES_PER_TREE,
    };
    lint_instance(&tree, root, &[], &mut out);
    out
}

/// What the instances of one root module's tree share.
struct Tree<'a> {
    shared: &'a Run<'a>,
    calls: &'a Calls<'a>,
    focus: Option<&'a Focus>,
}

/// One module instance to lint: the module, its directory (canonical), how many files it
/// counts, what loading it reported, and how many instances the calls inside it may make.
struct Instance {
    module: Module,
    canonical: PathBuf,
    files: usize,
    errors: Vec<InputError>,
    instance_budget: usize,
}

/// Lints one module instance, then the instances its calls make (in parallel).
fn lint_instance(tree: &Tree, instance: Instance, chain: &[PathBuf], out: &mut Vec<InstanceLint>) {
    let Instance {
        module,
        canonical,
        files,
        errors,
        instance_budget,
    } = instance;
    let mut chain = chain.to_vec();
    chain.push(canonical.clone());
    let (lint, expansion) = {
        let cx = Context::new(&module);
        let lint = lint_context(
            &cx,
            tree.shared.rules,
            tree.shared.config,
            &[],
            tree.shared.run.snippets,
        );
        (lint, tree.calls.expand(&cx, &chain, instance_budget))
    };
    let mut instance = finish_instance(tree, &module, lint, canonical, files);
    instance.report.errors.extend(errors);
    instance.report.errors.extend(expansion.errors);
    instance.report.notices.extend(expansion.notices);
    (tree.shared.visit)(&module);
    drop(module);
    out.push(instance);
    let children: Vec<Vec<InstanceLint>> = expansion
        .instances
        .into_par_iter()
        .map(|called| {
            let mut nested = Vec::new();
            let instance = Instance {
                files: called.files.len(),
                module: called.module,
                canonical: called.canonical,
                errors: called.errors,
                instance_budget: called.instance_budget,
            };
            lint_instance(tree, instance, &chain, &mut nested);
            nested
        })
        .collect();
    out.extend(children.into_iter().flatten());
}

/// An instance's lint, keeping what the run needs: its report (snippets dropped unless
/// the reporter shows them), its suppressions' findings located now (the files are not
/// kept), the files it read through `file()`/`templatefile()`.
fn finish_instance(
    tree: &Tree,
    module: &Module,
    lint: ModuleLint,
    canonical: PathBuf,
    files: usize,
) -> InstanceLint {
    let ModuleLint {
        mut report,
        files: sources,
        suppressions,
        states,
    } = lint;
    let shared = tree.shared;
    shared.run.finish(&mut report);
    // Named files narrow the report of their own module; the instances of the modules it
    // calls are reported whole.
    let focus = tree.focus.filter(|_| module.calls.is_empty());
    // Suppressions in the module's own files; those of files read through `file()` are
    // judged with the module's (the same in every instance).
    let own = module.files.len();
    let mut entries = Vec::new();
    for (s, state) in suppressions.iter().zip(&states) {
        if s.file_line.is_some_and(|(f, _)| f.0 as usize >= own) {
            continue;
        }
        let one: &[InlineSuppression] = std::slice::from_ref(s);
        let judged = |state| {
            let mut findings =
                suppression_findings(one, &[state], &sources, &module.dir, shared.rules);
            if let Some(named) = focus {
                keep_named(&mut findings, module, named);
            }
            findings
        };
        entries.push((
            *state,
            judged(SuppressionState::Used),
            judged(SuppressionState::Unused),
        ));
    }
    if let Some(named) = focus {
        keep_named(&mut report.findings, module, named);
        keep_named(&mut report.suppressed, module, named);
    }
    // Sorted here, on the worker: the run's final (stable) sort then meets runs that are
    // already in order, and takes near-linear time on the one thread that merges.
    report.sort();
    let read: Vec<PathBuf> = sources
        .iter()
        .skip(own)
        .filter_map(|(_, f)| std::fs::canonicalize(&f.path).ok())
        .collect();
    InstanceLint {
        report,
        canonical,
        files,
        suppressions: DirSuppressions { entries },
        read,
    }
}

/// Merges the suppressions of one more instance of a directory: a suppression is used
/// when any instance used it, unused when none did and one judged it.
fn merge_suppressions(
    all: &mut BTreeMap<PathBuf, DirSuppressions>,
    canonical: PathBuf,
    next: DirSuppressions,
) {
    match all.get_mut(&canonical) {
        Some(known) if known.entries.len() == next.entries.len() => {
            for (k, n) in known.entries.iter_mut().zip(next.entries) {
                k.0 = k.0.max(n.0);
            }
        }
        Some(_) => {}
        None => {
            all.insert(canonical, next);
        }
    }
}

/// Keeps the findings of the files named on the command line, for a module loaded whole
/// for their sake: those located in a named file, and those located in a file read
/// through `file()`/`templatefile()` for a resource written in a named file. Errors are
/// all kept: a sibling that cannot be read leaves the named files' results incomplete.
fn keep_named(findings: &mut Vec<Located>, module: &Module, named: &Focus) {
    let named: HashSet<String> = named.iter().map(|p| display_path(p)).collect();
    let own: HashSet<String> = module
        .files
        .iter()
        .map(|(_, f)| display_path(&f.path))
        .collect();
    let block_files: HashMap<String, String> = module
        .config
        .blocks
        .iter()
        .filter_map(|b| match b.origin.kind() {
            tfstack_model::OriginKind::File { file, .. }
                if (file.0 as usize) < module.files.len() =>
            {
                Some((b.address(), display_path(&module.files.get(file).path)))
            }
            _ => None,
        })
        .collect();
    findings.retain(|f| {
        named.contains(&f.location.path)
            || (!own.contains(&f.location.path)
                && f.local_resource()
                    .and_then(|r| block_files.get(r))
                    .is_some_and(|p| named.contains(p)))
    });
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
    let text = match input::read_text(path, options.read_limit) {
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
        )
        .with_variables(document_module.variables);
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
