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
    let (config, read_limit) = super::lint::load_config_and_limit(
        args.config.as_deref(),
        Path::new("."),
        args.max_file_size,
    )?;
    let mut input = super::lint::input_options(&config, read_limit, args.env.clone());
    let open = |input: &InputOptions| match (&args.stack, &args.base, &args.head) {
        (Some(stack), None, None) => {
            let output = super::synthesize_one(app, stack, args.env.as_deref(), color)?;
            Ok(Snapshot::committed_and_stack(&output, &args.out, input)?)
        }
        (None, Some(base), Some(head)) => Ok(open_pair(base, head, input)?),
        (Some(_), _, _) => Err(CliError::DiffUsage(
            "give either BASE and HEAD or --stack, not both",
        )),
        _ => Err(CliError::DiffUsage("give BASE and HEAD, or --stack")),
    };
    let (mut base, mut head) = open(&input)?;
    // Between two revisions, what the change does to the gate itself (unless the
    // configuration was named: then it is not the revisions').
    let mut configuration = Vec::new();
    if args.config.is_none() {
        match revision_configs(&base, &head, read_limit) {
            None => {}
            Some(Err(unreadable)) => configuration = unreadable,
            Some(Ok((b, h, shown))) => {
                configuration =
                    tfstack_diff::configuration::compare(&b, &h, registry::all(), &shown);
                // What changed behind an exclusion the change adds is part of the change:
                // those paths are compared (the exclusion is reported as weakening).
                let added: Vec<&String> = h
                    .file
                    .exclude
                    .iter()
                    .filter(|glob| !b.file.exclude.contains(glob))
                    .collect();
                if input.exclude.iter().any(|glob| added.contains(&glob)) {
                    input.exclude.retain(|glob| !added.contains(&glob));
                    (base, head) = open(&input)?;
                }
            }
        }
    }
    let errors: Vec<_> = base.errors.iter().chain(&head.errors).collect();
    if !errors.is_empty() {
        return incomplete(&errors, args.format, color);
    }
    let options = DiffOptions {
        config: &config,
        catalogue: registry::all(),
    };
    let mut diff = compare(&base, &head, &options);
    diff.configuration = configuration;
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

/// Each revision's own `tfstack.toml` (a revision without one has the defaults), when
/// both sides are revisions and either has one, with the path it is shown as; a file that
/// cannot be read is a change saying so.
#[allow(clippy::type_complexity)]
fn revision_configs(
    base: &Snapshot,
    head: &Snapshot,
    read_limit: u64,
) -> Option<Result<(LintConfig, LintConfig, String), Vec<ConfigChange>>> {
    let revisions = [base, head]
        .iter()
        .all(|s| s.source.kind == SourceKind::Revision);
    if !revisions {
        return None;
    }
    let (base_file, head_file) = (base.revision_config(), head.revision_config());
    let shown = head_file
        .as_ref()
        .or(base_file.as_ref())
        .map(|(_, shown)| shown.clone())?;
    let load = |file: &Option<(std::path::PathBuf, String)>, side: &str| match file {
        None => Ok(LintConfig::default()),
        Some((path, shown)) => LintConfig::load(path, read_limit).map_err(|e| ConfigChange {
            kind: "configuration_unreadable",
            weakens: false,
            title: format!("{side}'s `{shown}` could not be read, and is not compared: {e}"),
            file: shown.clone(),
        }),
    };
    Some(match (load(&base_file, "base"), load(&head_file, "head")) {
        (Ok(b), Ok(h)) => Ok((b, h, shown)),
        (b, h) => Err(b.err().into_iter().chain(h.err()).collect()),
    })
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
