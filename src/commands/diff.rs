//! `tfstack diff`: what a change does to permissions, exposure and reliability, and the
//! findings it introduces and fixes.

use crate::cli::{DiffArgs, DiffFailOn, DiffFormat};
use crate::diagnostics::{print_stdout, report, CliError};
use crate::App;
use std::path::Path;
use tfstack_diff::{compare, open_pair, DiffOptions, FailOn, Format, Snapshot};
use tfstack_lint_engine::input::InputOptions;
use tfstack_lint_rules::registry;

pub fn run(app: &App, args: &DiffArgs, color: bool) -> Result<i32, CliError> {
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
        for e in &errors {
            report(*e, color);
        }
        return Err(CliError::DiffIncomplete(errors.len()));
    }
    let options = DiffOptions {
        config: &config,
        catalogue: registry::all(),
    };
    let diff = compare(&base, &head, &options);
    // What the lint of either version could not read leaves its findings incomplete.
    if !diff.errors.is_empty() {
        for e in &diff.errors {
            report(e, color);
        }
        return Err(CliError::DiffIncomplete(diff.errors.len()));
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
        })
        .collect();
    Ok(if diff.fails(&fail_on) { 1 } else { 0 })
}
