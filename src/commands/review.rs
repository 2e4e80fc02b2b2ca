//! `tfstack review`: the architect's report of a typed stack or a Terraform directory,
//! with the linter's findings.

use crate::cli::{ReviewArgs, ReviewFormat};
use crate::diagnostics::{print_stdout, CliError};
use crate::App;
use std::path::PathBuf;
use tfstack_lint_engine::input::InputOptions;
use tfstack_lint_engine::located::{LintReport, Located};
use tfstack_lint_engine::report::DocsUrl;
use tfstack_lint_engine::Severity;
use tfstack_lint_rules::registry;
use tfstack_review::{findings, Review, ReviewError, ReviewOptions, Usage};

pub fn run(app: &App, args: &ReviewArgs, color: bool) -> Result<i32, CliError> {
    let usage = match &args.usage {
        Some(path) => Usage::load(path)?,
        None => Usage::default(),
    };
    let start = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let (config, read_limit) =
        super::lint::load_config_and_limit(args.config.as_deref(), &start, args.max_file_size)?;
    let input = super::lint::input_options(&config, read_limit, args.env.clone());
    let options = ReviewOptions {
        usage,
        input: input.clone(),
    };
    let catalogue = registry::all();
    let review = match (&args.stack, &args.path) {
        (Some(_), Some(_)) => return Err(CliError::PathsAndStacks),
        (Some(stack), None) => {
            let output = super::synthesize_one(app, stack, args.env.as_deref(), color)?;
            let report = tfstack_lint_engine::stack::lint_stacks(
                std::slice::from_ref(&output),
                std::path::Path::new("out"),
                &config,
                catalogue,
                // What the review shows: the stack and the files beside it in out/.
                Some(&InputOptions {
                    read_limit,
                    ..InputOptions::default()
                }),
            );
            Review::of_stack(&output, &options)
                .map_err(review_error)?
                .with_findings(review_findings(&report, &config.docs_url()))
        }
        (None, path) => {
            let dir = path.clone().unwrap_or_else(|| PathBuf::from("."));
            let review = Review::of_module(&dir, &options).map_err(review_error)?;
            let report = tfstack_lint_engine::run::lint_paths(
                std::slice::from_ref(&dir),
                &input,
                &config,
                catalogue,
            );
            review.with_findings(review_findings(&report, &config.docs_url()))
        }
    };
    let text = match args.format {
        ReviewFormat::Html => review.render_html(),
        ReviewFormat::Markdown => review.render_markdown(),
    }
    .map_err(review_error)?;
    match &args.out {
        Some(path) => {
            crate::write::replace_file(path, text.as_bytes())?;
            eprintln!("wrote the review to {}", path.display());
        }
        None => print_stdout(&text)?,
    }
    Ok(0)
}

/// A review error as the CLI reports it.
pub fn review_error(error: ReviewError) -> CliError {
    match error {
        ReviewError::Input(e) => CliError::Input(e),
        other => CliError::Review(other.to_string()),
    }
}

/// The linter's findings (and suppressed findings) as the review lists them.
fn review_findings(report: &LintReport, docs: &DocsUrl) -> Vec<findings::Finding> {
    let convert = |f: &Located| findings::Finding {
        rule_id: f.rule.id.to_string(),
        rule_name: f.rule.name.to_string(),
        severity: match f.severity {
            Severity::Error => findings::Severity::Error,
            Severity::Warning => findings::Severity::Warning,
            Severity::Note => findings::Severity::Note,
        },
        message: f.message.clone(),
        path: f.location.path.clone(),
        line: f.location.line,
        resource: f.resource.clone(),
        docs_url: docs.page(f.rule),
        suppression: f
            .suppressed_reason
            .as_ref()
            .map(|reason| findings::Suppression {
                reason: reason.clone(),
                until: None,
            }),
    };
    report
        .findings
        .iter()
        .chain(&report.suppressed)
        .map(convert)
        .collect()
}
