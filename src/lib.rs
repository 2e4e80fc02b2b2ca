//! tfstack: typed Rust stacks that generate Terraform for AWS, and a policy linter.
//!
//! A team's own stack crate depends on `tfstack` and runs the same [`App`] as the built-in
//! binary:
//!
//! ```no_run
//! use tfstack::prelude::*;
//!
//! fn sessions(stack: &Stack) {
//!     let table = Table::new(stack, "sessions", Key::string("session_id")).ttl("expires_at").build();
//!     let function = Function::new(stack, "create_session", Runtime::Python312,
//!             "app.handler", Code::directory("functions/sessions"))
//!         .env("TABLE_NAME", table.name())
//!         .build();
//!     table.grant_read_write(&function);
//! }
//!
//! fn main() {
//!     std::process::exit(tfstack::App::new().stack("sessions", sessions).run());
//! }
//! ```

pub mod diagnostics;
pub mod lint;
pub mod stack_sets;
pub mod synth;
pub mod testing;

use clap::{Parser, Subcommand};
use diagnostics::StackDiagnostic;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use tfstack_model::constructs::StackOutput;

pub use tfstack_model as model;

/// Everything a stack definition needs.
pub mod prelude {
    pub use tfstack_model::prelude::*;
}

/// The tfstack application: the registered stacks and the CLI that synthesizes and lints
/// them (registration and synthesis: [`stack_sets`]).
#[derive(Default)]
pub struct App {
    sets: Vec<stack_sets::RegisteredSet>,
    /// The backend of every stack that does not set its own, and where it was set.
    backend: Option<(
        tfstack_model::constructs::S3Backend,
        tfstack_model::RustLocation,
    )>,
    references: tfstack_model::constructs::CrossStackReferences,
}

#[derive(Parser, Debug)]
#[command(
    name = "tfstack",
    version,
    about = "Typed Rust stacks → Terraform for AWS, and a policy linter"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate Terraform for the registered stacks into out/<stack>/<env>/.
    Synth {
        /// Only this stack.
        #[arg(long)]
        stack: Option<String>,
        /// Only this environment.
        #[arg(long)]
        env: Option<String>,
        /// Output directory.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Write nothing; exit 1 with a diff when the output is stale.
        #[arg(long)]
        check: bool,
        /// Write even when the stacks have error findings.
        #[arg(long)]
        no_lint: bool,
    },
    /// List the registered stacks and their environments.
    List {
        /// In the order they can be applied, each after the stacks it reads.
        #[arg(long)]
        order: bool,
    },
    /// Lint Terraform (.tf, .tf.json, tfvars, plan JSON, IAM JSON) and typed stacks.
    Lint(LintArgs),
    /// List every rule.
    Rules {
        /// text, json or markdown.
        #[arg(long, default_value = "text")]
        format: RulesFormat,
    },
    /// Print a rule's documentation.
    Explain {
        /// Rule ID or name (`LOG001`, `log-group-without-retention`).
        rule: String,
    },
    /// Draw a stack's resources and their references.
    Graph {
        #[arg(long)]
        stack: String,
        #[arg(long)]
        env: String,
        /// mermaid or dot.
        #[arg(long, default_value = "mermaid", value_parser = ["mermaid", "dot"])]
        format: String,
    },
    /// Print a JSON Schema (`config`: tfstack.toml).
    Schema {
        #[arg(value_parser = ["config"])]
        what: String,
    },
}

#[derive(clap::Args, Debug)]
pub(crate) struct LintArgs {
    /// Files or directories (default: the current directory).
    pub(crate) paths: Vec<PathBuf>,
    /// Lint a registered typed stack instead of files.
    #[arg(long)]
    pub(crate) stack: Option<String>,
    /// Lint every registered typed stack.
    #[arg(long)]
    pub(crate) all_stacks: bool,
    /// The environment: of the typed stack (all when omitted), or of hand-written code.
    #[arg(long)]
    pub(crate) env: Option<String>,
    #[arg(long, default_value = "human")]
    pub(crate) format: OutputFormat,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, default_value = "error")]
    pub(crate) fail_on: SeverityArg,
    /// Configuration file (default: tfstack.toml found upwards from the first path).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Rule set for rules the configuration does not set.
    #[arg(long)]
    pub(crate) profile: Option<ProfileArg>,
    /// Findings in this baseline do not fail the run.
    #[arg(long)]
    pub(crate) baseline: Option<PathBuf>,
    /// Write the current findings as a baseline and exit 0.
    #[arg(long)]
    pub(crate) write_baseline: Option<PathBuf>,
    /// A tfvars file (after terraform.tfvars and *.auto.tfvars).
    #[arg(long = "var-file")]
    pub(crate) var_files: Vec<PathBuf>,
    /// A variable value, `name=value`.
    #[arg(long = "var")]
    pub(crate) vars: Vec<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub(crate) enum OutputFormat {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub(crate) enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub(crate) enum SeverityArg {
    Error,
    Warning,
    Note,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub(crate) enum ProfileArg {
    Strict,
    Recommended,
    Minimal,
}

/// The result of synthesizing a selection of stacks.
pub struct Synthesized {
    pub outputs: Vec<StackOutput>,
    pub errors: Vec<StackDiagnostic>,
    /// The stacks each built stack reads values from.
    pub dependencies: BTreeMap<String, std::collections::BTreeSet<String>>,
}

impl App {
    pub fn new() -> Self {
        App::default()
    }

    /// Renders every file of the selected stacks (path relative to the output root).
    pub fn render(
        &self,
        outputs: &[StackOutput],
    ) -> Result<BTreeMap<String, Vec<u8>>, synth::SynthIoError> {
        let mut files = BTreeMap::new();
        for o in outputs {
            files.extend(synth::render_stack(o)?);
        }
        Ok(files)
    }

    /// Runs the CLI with the process arguments; returns the exit code.
    pub fn run(self) -> i32 {
        self.run_with(std::env::args_os())
    }

    /// Runs the CLI with `args` (the first is the program name).
    pub fn run_with<I, T>(self, args: I) -> i32
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let cli = match Cli::try_parse_from(args) {
            Ok(c) => c,
            Err(e) => {
                let _ = e.print();
                return if e.use_stderr() { 2 } else { 0 };
            }
        };
        let color = std::io::stderr().is_terminal();
        match cli.command {
            Command::List { order: false } => {
                let mut text = String::new();
                for (name, envs) in self.list() {
                    text.push_str(&format!("{name}: {}\n", envs.join(", ")));
                }
                print_stdout(&text)
            }
            Command::List { order: true } => {
                let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                match self.order(&root) {
                    Ok(stacks) => {
                        let mut text = String::new();
                        for s in stacks {
                            text.push_str(&format!("{}: {}", s.name, s.environments.join(", ")));
                            if !s.after.is_empty() {
                                text.push_str(&format!(" (after {})", s.after.join(", ")));
                            }
                            text.push('\n');
                        }
                        print_stdout(&text)
                    }
                    Err(errors) => {
                        eprint!("{}", synth::render_stack_errors(&errors, color));
                        1
                    }
                }
            }
            Command::Synth {
                stack,
                env,
                out,
                check,
                no_lint,
            } => self.cmd_synth(
                stack.as_deref(),
                env.as_deref(),
                &out,
                check,
                no_lint,
                color,
            ),
            Command::Lint(args) => self.cmd_lint(args, color),
            Command::Rules { format } => print_stdout(&lint::render_rules(format)),
            Command::Explain { rule } => match tfstack_lint_rules::registry::find(&rule) {
                Some(r) => {
                    let m = r.meta();
                    print_stdout(&format!(
                        "{} ({}) — family {}, default severity {}\n\n{}\n",
                        m.id,
                        m.name,
                        m.family,
                        m.default_severity.as_str(),
                        tfstack_lint_rules::docs::markdown(m.docs)
                    ))
                }
                None => {
                    eprintln!("error: unknown rule `{rule}`; `tfstack rules` lists them");
                    2
                }
            },
            Command::Graph { stack, env, format } => {
                let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                match self.synthesize(Some(&stack), Some(&env), &root) {
                    Ok(s) if s.errors.is_empty() => {
                        let mut text = String::new();
                        for o in &s.outputs {
                            let g = tfstack_generators::diagram::ResourceGraph::of(&o.config);
                            let title = format!("{} ({})", o.name, o.env.name);
                            if format == "dot" {
                                text.push_str(&g.to_dot(&title));
                            } else {
                                text.push_str(&g.to_mermaid(&title));
                            }
                        }
                        print_stdout(&text)
                    }
                    Ok(s) => {
                        eprint!("{}", synth::render_stack_errors(&s.errors, color));
                        1
                    }
                    Err(message) => {
                        eprintln!("error: {message}");
                        2
                    }
                }
            }
            Command::Schema { .. } => print_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&tfstack_lint_rules::config::config_schema())
                    .unwrap_or_default()
            )),
        }
    }

    fn cmd_synth(
        &self,
        stack: Option<&str>,
        env: Option<&str>,
        out: &Path,
        check: bool,
        no_lint: bool,
        color: bool,
    ) -> i32 {
        let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let synthesized = match self.synthesize(stack, env, &root) {
            Ok(s) => s,
            Err(message) => {
                eprintln!("error: {message}");
                return 2;
            }
        };
        if !synthesized.errors.is_empty() {
            eprint!("{}", synth::render_stack_errors(&synthesized.errors, color));
            eprintln!(
                "{} error(s) in stack definitions; nothing written",
                synthesized.errors.len()
            );
            return 1;
        }
        if !no_lint {
            let config = match lint::load_config(None, &root) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("{}", diagnostics::render(&e, color));
                    return 2;
                }
            };
            let report = tfstack_lint_rules::stack::lint_stacks(&synthesized.outputs, out, &config);
            let errors = report.count(tfstack_lint_rules::Severity::Error);
            if errors > 0 {
                eprint!(
                    "{}",
                    tfstack_lint_rules::report::human::render(&report, color)
                );
                eprintln!("synth refused: {errors} error finding(s) in the stacks (fix them, suppress them with a reason, or pass --no-lint)");
                return 1;
            }
        }
        let files = match self.render(&synthesized.outputs) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{}", diagnostics::render(&e, color));
                return 2;
            }
        };
        let scope: Vec<String> = synthesized
            .outputs
            .iter()
            .map(|o| format!("{}/{}/", o.name, o.env.name))
            .collect();
        if check {
            let report = synth::check_tree(out, &files, &scope);
            if report.is_clean() {
                print_stdout(&format!(
                    "{}: up to date ({} files)\n",
                    out.display(),
                    files.len()
                ))
            } else {
                print_stdout(&report.render());
                eprintln!(
                    "{} is stale: run `tfstack synth` to regenerate it",
                    out.display()
                );
                1
            }
        } else {
            match synth::write_tree(out, &files, &scope) {
                Ok(report) => print_stdout(&format!(
                    "{}: {} written, {} unchanged, {} removed\n",
                    out.display(),
                    report.written.len(),
                    report.unchanged,
                    report.removed.len()
                )),
                Err(e) => {
                    eprintln!("{}", diagnostics::render(&e, color));
                    2
                }
            }
        }
    }
}

/// Writes to standard output through one buffer. A reader that closed the pipe early
/// (`tfstack lint … | head`) is not an error: the rest of the output is dropped quietly.
pub(crate) fn write_stdout(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Prints `text` to standard output: 0, or 2 with a message when it cannot be written
/// (a closed pipe is fine, see [`write_stdout`]).
fn print_stdout(text: &str) -> i32 {
    match write_stdout(|out| out.write_all(text.as_bytes())) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: could not write to standard output: {e}");
            2
        }
    }
}
