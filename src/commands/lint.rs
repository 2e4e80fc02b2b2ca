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
use tfstack_lint_engine::run::RunOptions;
use tfstack_lint_engine::{report, Severity};
use tfstack_lint_rules::registry;

/// The configuration: `--config`, else `tfstack.toml` found upwards from `start`.
pub fn load_config(explicit: Option<&Path>, start: &Path) -> Result<LintConfig, ConfigError> {
    let mut config = match explicit {
        Some(p) => LintConfig::load(p)?,
        None => match LintConfig::discover(start) {
            Some(p) => LintConfig::load(&p)?,
            None => LintConfig::default(),
        },
    };
    config.today = tfstack_lint_engine::today_utc();
    Ok(config)
}

pub fn run(app: &App, args: &LintArgs, color: bool) -> Result<i32, CliError> {
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let typed = args.stack.is_some() || args.all_stacks;
    if typed && !args.paths.is_empty() {
        return Err(CliError::PathsAndStacks);
    }
    let mut config = load_config(args.config.as_deref(), &paths[0])?;
    config.profile_override = args.profile;
    let catalogue = registry::all();
    let mut reporter = args.format.reporter(color, catalogue);
    let mut report = if typed {
        let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let synthesized = app.synthesize(args.stack.as_deref(), args.env.as_deref(), &root)?;
        if !synthesized.errors.is_empty() {
            return Err(stack_errors(&synthesized.errors, color));
        }
        tfstack_lint_engine::stack::lint_stacks(
            &synthesized.outputs,
            Path::new("out"),
            &config,
            catalogue,
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
        let options = InputOptions {
            environment: args.env.clone(),
            production_names: config.production_names(),
            var_files: args.var_files.clone(),
            vars,
        };
        let run = RunOptions {
            progress: show_progress(args.format),
            snippets: reporter.needs_snippets(),
        };
        tfstack_lint_engine::run::lint_paths_with(&paths, &options, &config, catalogue, run)
    };
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
        Baseline::load(path)?.apply(&mut report);
    }
    write_stdout(|out| report::write(&report, reporter.as_mut(), out))?;
    Ok(exit_code(&report, args.fail_on))
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
