//! `tfstack lint`, `tfstack rules`: the CLI side of the linter.

use crate::{App, LintArgs, OutputFormat, ProfileArg, RulesFormat, SeverityArg};
use std::path::{Path, PathBuf};
use tfstack_lint_engine::baseline::Baseline;
use tfstack_lint_engine::config::{ConfigError, LintConfig, Profile};
use tfstack_lint_engine::input::InputOptions;
use tfstack_lint_engine::located::LintReport;
use tfstack_lint_engine::run::SourceText;
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
    config.today = today();
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

fn today() -> String {
    tfstack_lint_engine::today_utc()
}

impl App {
    pub(crate) fn cmd_lint(&self, args: LintArgs, color: bool) -> i32 {
        let paths: Vec<PathBuf> = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        let typed = args.stack.is_some() || args.all_stacks;
        if typed && !args.paths.is_empty() {
            eprintln!("error: give either paths or --stack/--all-stacks, not both");
            return 2;
        }
        let mut config = match load_config(args.config.as_deref(), &paths[0]) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{}", crate::diagnostics::render(&e, color));
                return 2;
            }
        };
        config.profile_override = args.profile.map(|p| match p {
            ProfileArg::Strict => Profile::Strict,
            ProfileArg::Recommended => Profile::Recommended,
            ProfileArg::Minimal => Profile::Minimal,
        });
        let mut report = if typed {
            let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            let synthesized =
                match self.synthesize(args.stack.as_deref(), args.env.as_deref(), &root) {
                    Ok(s) => s,
                    Err(message) => {
                        eprintln!("error: {message}");
                        return 2;
                    }
                };
            if !synthesized.errors.is_empty() {
                eprint!(
                    "{}",
                    crate::synth::render_stack_errors(&synthesized.errors, color)
                );
                return 2;
            }
            tfstack_lint_engine::stack::lint_stacks(
                &synthesized.outputs,
                Path::new("out"),
                &config,
                registry::all(),
            )
        } else {
            let mut vars = Vec::new();
            for v in &args.vars {
                match v.split_once('=') {
                    Some((k, val)) if !k.trim().is_empty() => {
                        vars.push((k.trim().to_string(), val.to_string()))
                    }
                    _ => {
                        eprintln!("error: --var expects name=value, got `{v}`");
                        return 2;
                    }
                }
            }
            let options = InputOptions {
                environment: args.env.clone(),
                production_names: config.production_names(),
                var_files: args.var_files.clone(),
                vars,
            };
            let run = tfstack_lint_engine::run::RunOptions {
                progress: show_progress(args.format),
                sources: match args.format {
                    OutputFormat::Human => SourceText::RenderHuman { color },
                    _ => SourceText::Drop,
                },
            };
            tfstack_lint_engine::run::lint_paths_with(
                &paths,
                &options,
                &config,
                registry::all(),
                run,
            )
        };
        if let Some(path) = &args.write_baseline {
            let baseline = Baseline::from_report(&report);
            if let Err(e) = crate::synth::write_atomic(path, baseline.to_json().as_bytes()) {
                eprintln!("{}", crate::diagnostics::render(&e, color));
                return 2;
            }
            eprintln!(
                "wrote {} finding(s) to {}",
                baseline.findings.len(),
                path.display()
            );
            // Fix: this exited 0 even when inputs could not be read, so a baseline that
            // silently lacks an unparsable file's findings looked complete.
            if !report.errors.is_empty() {
                for e in &report.errors {
                    eprintln!("error: {}:{}:{}: {}", e.path, e.line, e.column, e.message);
                }
                eprintln!("the baseline lacks the findings of input that could not be read");
                return 2;
            }
            return 0;
        }
        if let Some(path) = &args.baseline {
            match Baseline::load(path) {
                Ok(b) => b.apply(&mut report),
                Err(e) => {
                    eprintln!("error: {e}");
                    return 2;
                }
            }
        }
        let written = crate::write_stdout(|out| match args.format {
            OutputFormat::Human => report::human::write(&report, color, out),
            OutputFormat::Json => report::json::write(&report, out),
            OutputFormat::Sarif => report::sarif::write(&report, registry::all(), out),
            OutputFormat::Github => report::github::write(&report, out),
        });
        if let Err(e) = written {
            eprintln!("error: could not write the report to standard output: {e}");
            return 2;
        }
        exit_code(&report, args.fail_on)
    }
}

/// Whether a long scan may draw a progress bar: only for people — human output, stderr a
/// terminal, not in CI (some CI runners allocate a terminal) and not on a dumb terminal.
fn show_progress(format: OutputFormat) -> bool {
    use std::io::IsTerminal;
    matches!(format, OutputFormat::Human)
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
        && !matches!(std::env::var("TERM").as_deref(), Ok("dumb"))
}

/// 2 when an input could not be read or parsed, 1 when a finding at or above `fail_on`
/// remains, else 0.
fn exit_code(report: &LintReport, fail_on: SeverityArg) -> i32 {
    if !report.errors.is_empty() {
        return 2;
    }
    let threshold = match fail_on {
        SeverityArg::Error => Severity::Error,
        SeverityArg::Warning => Severity::Warning,
        SeverityArg::Note => Severity::Note,
    };
    if report.findings.iter().any(|f| f.severity >= threshold) {
        1
    } else {
        0
    }
}

/// `tfstack rules`.
pub(crate) fn render_rules(format: RulesFormat) -> String {
    match format {
        RulesFormat::Text => registry::listing()
            .iter()
            .map(|l| {
                format!(
                    "{:<10} {:<8} {:<45} {}\n",
                    l.id,
                    l.status,
                    l.name,
                    l.summary()
                )
            })
            .collect(),
        RulesFormat::Json => {
            let v: Vec<serde_json::Value> = registry::listing()
                .iter()
                .map(|l| match l.entry {
                    registry::Entry::Active(m) => serde_json::json!({
                        "id": m.id, "name": m.name, "family": l.family, "status": "active",
                        "severity": l.status, "summary": l.summary(), "docs": m.docs_markdown(),
                    }),
                    registry::Entry::Retired(r) => serde_json::json!({
                        "id": r.id, "name": r.name, "family": l.family, "status": "retired",
                        "severity": null, "replaced_by": r.replaced_by, "summary": l.summary(),
                        "docs": r.reason,
                    }),
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
            s.push('\n');
            s
        }
        RulesFormat::Markdown => tfstack_lint_rules::docs::rules_table(),
    }
}
