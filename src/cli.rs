//! The command line: every command and its arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use tfstack_lint_engine::config::Profile;
use tfstack_lint_engine::input::CallModules;
use tfstack_lint_engine::report::github::GithubReporter;
use tfstack_lint_engine::report::human::HumanReporter;
use tfstack_lint_engine::report::json::JsonReporter;
use tfstack_lint_engine::report::sarif::SarifReporter;
use tfstack_lint_engine::report::Reporter;
use tfstack_lint_engine::{Rule, Severity};

#[derive(Parser, Debug)]
#[command(
    name = "tfstack",
    version,
    about = "Typed Rust stacks → Terraform for AWS, and a policy linter"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate Terraform for the registered stacks into out/<stack>/<env>/.
    Synth(SynthArgs),
    /// List the registered stacks and their environments.
    List,
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
    Graph(GraphArgs),
    /// Print a JSON Schema (`config`: tfstack.toml).
    Schema {
        #[arg(value_parser = ["config"])]
        what: String,
    },
}

#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Only this stack.
    #[arg(long)]
    pub stack: Option<String>,
    /// Only this environment.
    #[arg(long)]
    pub env: Option<String>,
    /// Output directory.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Write nothing; exit 1 with a diff when the output is stale.
    #[arg(long)]
    pub check: bool,
    /// Write even when the stacks have error findings.
    #[arg(long)]
    pub no_lint: bool,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Files or directories (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Lint a registered typed stack instead of files.
    #[arg(long)]
    pub stack: Option<String>,
    /// Lint every registered typed stack.
    #[arg(long)]
    pub all_stacks: bool,
    /// The environment: of the typed stack (all when omitted), or of hand-written code.
    #[arg(long)]
    pub env: Option<String>,
    #[arg(long, default_value = "human")]
    pub format: OutputFormat,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, default_value = "error")]
    pub fail_on: Severity,
    /// Configuration file (default: tfstack.toml found upwards from the first path).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Rule set for rules the configuration does not set.
    #[arg(long)]
    pub profile: Option<Profile>,
    /// Findings in this baseline do not fail the run.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Write the current findings as a baseline and exit 0.
    #[arg(long)]
    pub write_baseline: Option<PathBuf>,
    /// A tfvars file (after terraform.tfvars and *.auto.tfvars).
    #[arg(long = "var-file")]
    pub var_files: Vec<PathBuf>,
    /// A variable value, `name=value`.
    #[arg(long = "var")]
    pub vars: Vec<String>,
    /// Read nothing outside DIR (default: the git work tree holding each path, else the
    /// path itself).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Skip paths matching GLOB (relative to the read root; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Which module calls are linted as instances of the called module, with the
    /// caller's arguments (default: local; config key `call_modules`).
    #[arg(long, value_name = "KIND")]
    pub call_modules: Option<CallModules>,
    /// The largest file read, e.g. 64MB (default 64 MiB; config key `max_file_size`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
}

/// A size such as `64MB`, for `--max-file-size`.
fn parse_size(text: &str) -> Result<u64, String> {
    tfstack_model::read::parse_size(text)
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    #[arg(long)]
    pub stack: String,
    #[arg(long)]
    pub env: String,
    /// mermaid or dot.
    #[arg(long, default_value = "mermaid", value_parser = ["mermaid", "dot"])]
    pub format: String,
}

/// The formats of `tfstack lint`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
    Sarif,
    Github,
}

impl OutputFormat {
    /// The reporter that writes this format.
    pub fn reporter(self, color: bool, catalogue: &[&'static dyn Rule]) -> Box<dyn Reporter> {
        match self {
            OutputFormat::Human => Box::new(HumanReporter { color }),
            OutputFormat::Json => Box::<JsonReporter>::default(),
            OutputFormat::Sarif => Box::new(SarifReporter::new(catalogue)),
            OutputFormat::Github => Box::new(GithubReporter),
        }
    }
}

/// The formats of `tfstack rules`.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RulesFormat {
    Text,
    Json,
    Markdown,
}
