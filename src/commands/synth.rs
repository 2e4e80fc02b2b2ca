//! `tfstack synth`: the registered stacks → `out/<stack>/<env>/`, or `--check` that the
//! tree is up to date.

use crate::cli::SynthArgs;
use crate::diagnostics::{print_stdout, stack_errors, CliError};
use crate::{synth, App};
use std::path::PathBuf;
use tfstack_lint_engine::report::human::HumanReporter;
use tfstack_lint_engine::Severity;

pub fn run(app: &App, args: &SynthArgs, color: bool) -> Result<i32, CliError> {
    let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let synthesized = app.synthesize(args.stack.as_deref(), args.env.as_deref(), &root)?;
    if !synthesized.errors.is_empty() {
        return Err(stack_errors(&synthesized.errors, color));
    }
    if !args.no_lint {
        let config = super::lint::load_config(None, &root)?;
        let report = tfstack_lint_engine::stack::lint_stacks(
            &synthesized.outputs,
            &args.out,
            &config,
            tfstack_lint_rules::registry::all(),
            // Synth gates on what the stacks generate; files written by hand are the
            // team's, linted by `tfstack lint`.
            None,
        );
        let errors = report.count(Severity::Error);
        if errors > 0 {
            let mut reporter = HumanReporter {
                color,
                docs: config.docs_url(),
            };
            let text = tfstack_lint_engine::report::render(&report, &mut reporter);
            eprint!("{text}");
            return Err(CliError::LintRefused(errors));
        }
    }
    let files = app.render(&synthesized.outputs)?;
    let scope: Vec<String> = synthesized
        .outputs
        .iter()
        .map(|o| format!("{}/{}/", o.name, o.env.name))
        .collect();
    if args.check {
        let check = synth::check_tree(&args.out, &files, &scope)?;
        if check.is_clean() {
            print_stdout(&format!(
                "{}: up to date ({} files)\n",
                args.out.display(),
                files.len()
            ))?;
            Ok(0)
        } else {
            print_stdout(&check.render())?;
            Err(CliError::Stale(args.out.display().to_string()))
        }
    } else {
        let written = synth::write_tree(&args.out, &files, &scope)?;
        let cleaned = match written.cleaned.len() {
            0 => String::new(),
            n => format!(", {n} temporary file(s) of an interrupted synth removed"),
        };
        print_stdout(&format!(
            "{}: {} written, {} unchanged, {} removed{cleaned}\n",
            args.out.display(),
            written.written.len(),
            written.unchanged,
            written.removed.len()
        ))?;
        Ok(0)
    }
}
