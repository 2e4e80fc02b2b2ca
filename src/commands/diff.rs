//! `tfstack diff`: what a change does to permissions, exposure and reliability, and the
//! findings it introduces and fixes.

use crate::cli::{DiffArgs, DiffFailOn, DiffFormat};
use crate::diagnostics::{print_stdout, report, CliError};
use crate::App;
use std::path::Path;
use tfstack_diff::{
    compare, incomplete_json, open_pair, ConfigChange, DiffOptions, FailOn, Format, Snapshot,
    SourceKind,
};
use tfstack_lint_engine::config::LintConfig;
use tfstack_lint_engine::input::InputOptions;
use tfstack_lint_rules::registry;
use tfstack_model::read::DEFAULT_READ_LIMIT;

/// Stops a comparison that could not read all of either version: each error shown on
/// stderr, and with `--format json` a document on stdout that lists them
/// ([`incomplete_json`]), so a script reading the output finds JSON either way.
fn incomplete(
    errors: &[&tfstack_model::SourceError],
    format: DiffFormat,
    color: bool,
) -> Result<i32, CliError> {
    for e in errors {
        report(*e, color);
    }
    if format == DiffFormat::Json {
        print_stdout(&incomplete_json(errors))?;
    }
    Err(CliError::DiffIncomplete(errors.len()))
}

pub fn run(app: &App, args: &DiffArgs, color: bool) -> Result<i32, CliError> {
    remove_checkouts_when_stopped();
    let config = super::lint::load_config(args.config.as_deref(), Path::new("."))?;
    let input = InputOptions {
        environment: args.env.clone(),
        production_names: config.production_names(),
        ..InputOptions::default()
    };
    let (base, head) = match (&args.stack, &args.base, &args.head) {
        (Some(stack), None, None) => {
            let output = super::synthesize_one(app, stack, args.env.as_deref(), color)?;
            Snapshot::committed_and_stack(&output, &args.out, &input)?
        }
        (None, Some(base), Some(head)) => open_pair(base, head, &input)?,
        (Some(_), _, _) => {
            return Err(CliError::DiffUsage(
                "give either BASE and HEAD or --stack, not both",
            ))
        }
        _ => return Err(CliError::DiffUsage("give BASE and HEAD, or --stack")),
    };
    let errors: Vec<_> = base.errors.iter().chain(&head.errors).collect();
    if !errors.is_empty() {
        return incomplete(&errors, args.format, color);
    }
    let options = DiffOptions {
        config: &config,
        catalogue: registry::all(),
    };
    let mut diff = compare(&base, &head, &options);
    // Between two revisions, what the change does to the gate itself (unless the
    // configuration was named: then it is not the revisions').
    if args.config.is_none() {
        diff.configuration = configuration_changes(&base, &head);
    }
    // What the lint of either version could not read leaves its findings incomplete.
    if !diff.errors.is_empty() {
        let errors: Vec<_> = diff.errors.iter().collect();
        return incomplete(&errors, args.format, color);
    }
    let format = match args.format {
        DiffFormat::Human => Format::Human,
        DiffFormat::Markdown => Format::Markdown,
        DiffFormat::Json => Format::Json,
    };
    print_stdout(&diff.render(format))?;
    let fail_on: Vec<FailOn> = args
        .fail_on
        .iter()
        .map(|f| match f {
            DiffFailOn::Broadening => FailOn::Broadening,
            DiffFailOn::Exposure => FailOn::Exposure,
            DiffFailOn::Reliability => FailOn::Reliability,
            DiffFailOn::NewFindings => FailOn::NewFindings,
            DiffFailOn::Configuration => FailOn::Configuration,
        })
        .collect();
    Ok(if diff.fails(&fail_on) { 1 } else { 0 })
}

/// The changes to `tfstack.toml` from base to head, when both are revisions: each
/// revision's own file (a revision without one has the defaults).
fn configuration_changes(base: &Snapshot, head: &Snapshot) -> Vec<ConfigChange> {
    let revisions = [base, head]
        .iter()
        .all(|s| s.source.kind == SourceKind::Revision);
    if !revisions {
        return Vec::new();
    }
    let (base_file, head_file) = (base.revision_config(), head.revision_config());
    let Some(shown) = head_file
        .as_ref()
        .or(base_file.as_ref())
        .map(|(_, shown)| shown.clone())
    else {
        return Vec::new();
    };
    let load = |file: &Option<(std::path::PathBuf, String)>, side: &str| match file {
        None => Ok(LintConfig::default()),
        Some((path, shown)) => {
            LintConfig::load(path, DEFAULT_READ_LIMIT).map_err(|e| ConfigChange {
                kind: "configuration_unreadable",
                weakens: false,
                title: format!("{side}'s `{shown}` could not be read, and is not compared: {e}"),
                file: shown.clone(),
            })
        }
    };
    match (load(&base_file, "base"), load(&head_file, "head")) {
        (Ok(b), Ok(h)) => tfstack_diff::configuration::compare(&b, &h, registry::all(), &shown),
        (b, h) => b.err().into_iter().chain(h.err()).collect(),
    }
}

/// On `SIGINT`, `SIGTERM` or `SIGHUP` (a CI job's timeout, Ctrl-C), the revisions written
/// to the temporary directory are removed before the process ends as the signal would end
/// it: a signal runs no destructor, and a revision's files can be a gigabyte.
#[cfg(unix)]
fn remove_checkouts_when_stopped() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            // Held until the process ends: no checkout writes a file after the removal.
            let _removed = tfstack_diff::git::remove_checkouts();
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            std::process::exit(128 + signal);
        }
    });
}

/// Elsewhere the process's end is left to the platform.
#[cfg(not(unix))]
fn remove_checkouts_when_stopped() {}
