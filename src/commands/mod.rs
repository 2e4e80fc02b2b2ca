//! One module per command; each returns the process exit code.

pub mod diff;
pub mod graph;
pub mod lint;
pub mod review;
pub mod rules;
pub mod synth;

use crate::cli::{Cli, Command};
use crate::diagnostics::{fail, print_stdout, stack_errors, CliError};
use crate::App;
use tfstack_model::constructs::StackOutput;

/// One environment of one typed stack, synthesized in memory: stack definition errors are
/// written out, and a stack with several environments needs `env`.
pub(crate) fn synthesize_one(
    app: &App,
    stack: &str,
    env: Option<&str>,
    color: bool,
) -> Result<StackOutput, CliError> {
    let root = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let synthesized = app.synthesize(Some(stack), env, &root)?;
    if !synthesized.errors.is_empty() {
        return Err(stack_errors(&synthesized.errors, color));
    }
    let mut outputs = synthesized.outputs;
    match outputs.len() {
        1 => Ok(outputs.remove(0)),
        _ => Err(CliError::ChooseEnvironment(stack.to_string())),
    }
}

/// `tfstack list --order`: the stacks in the order they can be applied.
fn list_in_order(app: &App, color: bool) -> Result<i32, CliError> {
    let root = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let stacks = app
        .order(&root)
        .map_err(|errors| stack_errors(&errors, color))?;
    let mut text = String::new();
    for s in stacks {
        text.push_str(&format!("{}: {}", s.name, s.environments.join(", ")));
        if !s.after.is_empty() {
            text.push_str(&format!(" (after {})", s.after.join(", ")));
        }
        text.push('\n');
    }
    print_stdout(&text).map(|()| 0)
}

/// Runs a parsed command line for `app`.
pub fn run(app: &App, cli: Cli, color: bool) -> i32 {
    let result = match cli.command {
        Command::List { order: false } => {
            let mut text = String::new();
            for (name, envs) in app.list() {
                text.push_str(&format!("{name}: {}\n", envs.join(", ")));
            }
            print_stdout(&text).map(|()| 0)
        }
        Command::List { order: true } => list_in_order(app, color),
        Command::Synth(args) => synth::run(app, &args, color),
        Command::Lint(args) => lint::run(app, &args, color),
        Command::Rules { format } => rules::rules(format),
        Command::Explain { rule } => rules::explain(&rule),
        Command::Graph(args) => graph::run(app, &args, color),
        Command::Review(args) => review::run(app, &args, color),
        Command::Completions { shell } => {
            let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "tfstack", &mut script);
            print_stdout(&String::from_utf8_lossy(&script)).map(|()| 0)
        }
        Command::Diff(args) => diff::run(app, &args, color),
        Command::Schema { .. } => print_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&tfstack_lint_engine::config::config_schema())
                .unwrap_or_default()
        ))
        .map(|()| 0),
    };
    match result {
        Ok(code) => code,
        Err(error) => fail(&error, color),
    }
}
