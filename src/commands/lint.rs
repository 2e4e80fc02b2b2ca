//! `tfstack lint`: typed stacks or files through the engine, with the rule catalogue, to
//! the reporter the format chose.

use crate::cli::{LintArgs, OutputFormat};
use crate::diagnostics::{stack_errors, write_stdout, CliError};
use crate::App;
use std::path::{Path, PathBuf};
use tfstack_lint_engine::baseline::Baseline;
use tfstack_lint_engine::config::{ConfigError, LintConfig};
use tfstack_lint_engine::input::InputOptions;
use tfstack_lint_engine::located::LintReport;
use tfstack_lint_engine::paths::{self, ShownPaths};
use tfstack_lint_engine::run::RunOptions;
use tfstack_lint_engine::{report, Severity};
use tfstack_lint_rules::registry;
use tfstack_model::read::DEFAULT_READ_LIMIT;
use tfstack_model::SourceError;

/// The configuration (`--config`, else `tfstack.toml` found upwards from `start`, read
/// within `flag_limit` when given) and the largest file a command reads: `--max-file-size`,
/// else the configuration's `max_file_size`, else 64 MiB.
pub fn load_config_and_limit(
    explicit: Option<&Path>,
    start: &Path,
    flag_limit: Option<u64>,
) -> Result<(LintConfig, u64), ConfigError> {
    let config = load_config_within(explicit, start, flag_limit.unwrap_or(DEFAULT_READ_LIMIT))?;
    let read_limit = match (flag_limit, &config.file.max_file_size) {
        (Some(limit), _) => limit,
        (None, Some(size)) => size.bytes().map_err(|message| {
            let path = config.path.clone().unwrap_or_default();
            ConfigError::file(&path, format!("`max_file_size`: {message}"))
                .with_code("tfstack::config")
        })?,
        (None, None) => DEFAULT_READ_LIMIT,
    };
    Ok((config, read_limit))
}

/// How hand-written Terraform is read under `config`, by every command that reads it:
/// the environment `--env` named and the names that mean production, the paths
/// excluded, which module calls are instances, and the largest file read.
pub fn input_options(
    config: &LintConfig,
    read_limit: u64,
    environment: Option<String>,
) -> InputOptions {
    InputOptions {
        environment,
        production_names: config.production_names(),
        read_limit,
        exclude: config.file.exclude.clone(),
        call_modules: config.file.call_modules.unwrap_or_default(),
        ..InputOptions::default()
    }
}

/// The configuration: `--config`, else `tfstack.toml` found upwards from `start`.
pub fn load_config(explicit: Option<&Path>, start: &Path) -> Result<LintConfig, ConfigError> {
    load_config_within(explicit, start, DEFAULT_READ_LIMIT)
}

/// [`load_config`], reading at most `limit` bytes.
pub fn load_config_within(
    explicit: Option<&Path>,
    start: &Path,
    limit: u64,
) -> Result<LintConfig, ConfigError> {
    let mut config = match explicit {
        Some(p) => LintConfig::load(p, limit)?,
        None => match LintConfig::discover(start) {
            Some(p) => LintConfig::load_discovered(&p, limit)?,
            None => LintConfig::default(),
        },
    };
    config.today = tfstack_lint_engine::today_utc();
    config.check_rule_names(registry::all(), &|name| registry::retired(name).is_some())?;
    for note in retired_rule_notes(&config) {
        eprintln!("note: {note}");
    }
    Ok(config)
}

/// What a configuration says about retired rules: each `[rules]` key or `[[suppress]]`
/// rule that names one. Naming a retired rule is no error (it simply no longer runs).
pub fn retired_rule_notes(config: &LintConfig) -> Vec<String> {
    let file = config
        .path
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| tfstack_lint_engine::config::CONFIG_FILE.to_string());
    let named = config
        .file
        .rules
        .keys()
        .map(|k| (k.as_str(), "[rules]"))
        .chain(
            config
                .file
                .suppress
                .iter()
                .map(|s| (s.rule.as_str(), "[[suppress]]")),
        );
    let mut notes = Vec::new();
    for (name, place) in named {
        if let Some(r) = registry::retired(name) {
            notes.push(format!(
                "{file}: {place} names `{name}`, which is retired ({} {}) and no longer \
                 runs{}; `tfstack explain {}` says why",
                r.id,
                r.name,
                r.replaced_by
                    .map(|id| format!("; {id} replaces it"))
                    .unwrap_or_default(),
                r.id
            ));
        }
    }
    notes
}

/// The working directory, which relative paths are relative to.
pub fn working_directory() -> Result<PathBuf, CliError> {
    std::env::current_dir().map_err(|e| {
        CliError::Input(SourceError::file(
            Path::new("."),
            format!("cannot read the working directory: {e}"),
        ))
    })
}

/// The root reports show paths relative to: `--base-dir` (a directory), else the git work
/// tree holding `first` (the first linted path, absolute), else the working directory.
pub fn report_root(base_dir: Option<&Path>, first: &Path, cwd: &Path) -> Result<PathBuf, CliError> {
    match base_dir {
        Some(dir) if dir.is_dir() => Ok(paths::absolute(dir, cwd)),
        Some(dir) => Err(CliError::Input(
            SourceError::file(dir, "`--base-dir` is not a directory").with_help(
                "give the directory paths are shown relative to, usually the repository's root",
            ),
        )),
        None => Ok(paths::repository_root(first).unwrap_or_else(|| cwd.to_path_buf())),
    }
}

pub fn run(app: &App, args: &LintArgs, color: bool) -> Result<i32, CliError> {
    let cwd = working_directory()?;
    // Absolute paths: whatever the working directory and however the paths are written,
    // the run sees the same paths, and reports show them relative to the same root.
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![cwd.clone()]
    } else {
        args.paths
            .iter()
            .map(|p| paths::absolute(p, &cwd))
            .collect()
    };
    let root = report_root(args.base_dir.as_deref(), &paths[0], &cwd)?;
    let typed = args.stack.is_some() || args.all_stacks;
    if typed && !args.paths.is_empty() {
        return Err(CliError::PathsAndStacks);
    }
    let (mut config, read_limit) =
        load_config_and_limit(args.config.as_deref(), &paths[0], args.max_file_size)?;
    config.profile_override = args.profile;
    let catalogue = registry::all();
    check_selectors(&args.select, "--select", catalogue)?;
    check_selectors(&args.ignore, "--ignore", catalogue)?;
    config.select = args.select.clone();
    config.ignore = args.ignore.clone();
    let docs = args.docs_url.clone().unwrap_or_else(|| config.docs_url());
    let mut reporter = args.format.reporter(color, catalogue, docs, &root);
    let mut report = if typed {
        let synthesized = app.synthesize(args.stack.as_deref(), args.env.as_deref(), &cwd)?;
        if !synthesized.errors.is_empty() {
            return Err(stack_errors(&synthesized.errors, color));
        }
        // What Terraform applies: the generated files and those written by hand beside
        // them in out/.
        let beside = InputOptions {
            read_limit,
            root: args.root.clone(),
            ..InputOptions::default()
        };
        tfstack_lint_engine::stack::lint_stacks(
            &synthesized.outputs,
            Path::new("out"),
            &config,
            catalogue,
            Some(&beside),
        )
    } else {
        let mut vars = Vec::new();
        for v in &args.vars {
            match v.split_once('=') {
                Some((k, val)) if !k.trim().is_empty() => {
                    vars.push((k.trim().to_string(), val.to_string()))
                }
                _ => return Err(CliError::BadVar(v.clone())),
            }
        }
        let mut options = input_options(&config, read_limit, args.env.clone());
        options.var_files = args.var_files.clone();
        options.vars = vars;
        options.root = args.root.clone();
        options.exclude.extend(args.exclude.iter().cloned());
        if let Some(calls) = args.call_modules {
            options.call_modules = calls;
        }
        let run = RunOptions {
            progress: show_progress(args.format),
            snippets: reporter.needs_snippets(),
        };
        tfstack_lint_engine::run::lint_paths_with(&paths, &options, &config, catalogue, run)
    };
    // Before the baseline: its entries name modules by these paths too.
    ShownPaths::new(&root, &cwd).apply(&mut report);
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_report(&report);
        crate::write::replace_file(path, baseline.to_json().as_bytes())?;
        eprintln!(
            "wrote {} finding(s) to {}",
            baseline.findings.len(),
            path.display()
        );
        // A baseline that silently lacks an unreadable file's findings is not complete.
        if !report.errors.is_empty() {
            for e in &report.errors {
                crate::diagnostics::report(e, color);
            }
            return Err(CliError::IncompleteBaseline);
        }
        return Ok(0);
    }
    if let Some(path) = &args.baseline {
        Baseline::load(path, read_limit)?.apply(&mut report);
    }
    if args.statistics {
        write_stdout(|out| out.write_all(statistics(&report).as_bytes()))?;
    } else {
        write_stdout(|out| report::write(&report, reporter.as_mut(), out))?;
    }
    let code = exit_code(&report, args.fail_on);
    Ok(if args.exit_zero && code == 1 { 0 } else { code })
}

/// Every `--select`/`--ignore` value must name a rule, a rule name or a family of the
/// catalogue: a typo would otherwise run (or skip) nothing without a word.
fn check_selectors(
    selectors: &[String],
    flag: &'static str,
    catalogue: &[&'static dyn tfstack_lint_engine::Rule],
) -> Result<(), CliError> {
    for selector in selectors {
        let known = catalogue
            .iter()
            .any(|r| tfstack_lint_engine::config::selects(selector, r.meta()));
        if known {
            continue;
        }
        let candidates = catalogue.iter().flat_map(|r| {
            let m = r.meta();
            [m.id, m.name, m.family()]
        });
        let closest = candidates
            .map(|c| {
                (
                    strsim::jaro_winkler(&selector.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                    c,
                )
            })
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let help = match closest {
            Some((_, c)) => format!("did you mean `{c}`? `tfstack rules` lists every rule"),
            None => "`tfstack rules` lists every rule; a family is an ID's letters (`IAM`)".into(),
        };
        return Err(CliError::UnknownSelector {
            selector: selector.clone(),
            flag,
            help,
        });
    }
    Ok(())
}

/// `--statistics`: findings per rule, most first, then the totals.
fn statistics(report: &LintReport) -> String {
    let mut counts: std::collections::BTreeMap<(&str, &str, Severity), usize> =
        std::collections::BTreeMap::new();
    for f in &report.findings {
        *counts
            .entry((f.rule.id, f.rule.name, f.severity))
            .or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = String::new();
    for ((id, name, severity), n) in rows {
        out.push_str(&format!(
            "{n:>6}  {id:<10} {:<8} {name}\n",
            severity.as_str()
        ));
    }
    out.push_str(&format!(
        "{:>6}  findings ({} suppressed, {} unreadable inputs)\n",
        report.findings.len(),
        report.suppressed.len(),
        report.errors.len()
    ));
    out
}

/// Whether a long scan may draw a progress bar: only for people — human output, stderr a
/// terminal, not in CI (some CI runners allocate a terminal) and not on a dumb terminal.
fn show_progress(format: OutputFormat) -> bool {
    use std::io::IsTerminal;
    format == OutputFormat::Human
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
        && !matches!(std::env::var("TERM").as_deref(), Ok("dumb"))
}

/// 2 when an input could not be read or parsed, 1 when a finding at or above `fail_on`
/// remains, else 0.
fn exit_code(report: &LintReport, fail_on: Severity) -> i32 {
    if !report.errors.is_empty() {
        return 2;
    }
    if report.findings.iter().any(|f| f.severity >= fail_on) {
        1
    } else {
        0
    }
}
