//! The command line: every command and its arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use tfstack_lint_engine::config::Profile;
use tfstack_lint_engine::input::CallModules;
use tfstack_lint_engine::report::checkstyle::CheckstyleReporter;
use tfstack_lint_engine::report::github::GithubReporter;
use tfstack_lint_engine::report::gitlab::GitlabReporter;
use tfstack_lint_engine::report::human::HumanReporter;
use tfstack_lint_engine::report::json::JsonReporter;
use tfstack_lint_engine::report::junit::JunitReporter;
use tfstack_lint_engine::report::sarif::SarifReporter;
use tfstack_lint_engine::report::{DocsUrl, Reporter};
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
    /// Draw a stack: its components along the data flow, or its resource references.
    Graph(GraphArgs),
    /// One report of a stack or a Terraform directory for architects: diagram,
    /// inventory, access, failure paths, findings and cost.
    Review(ReviewArgs),
    /// What a change does to permissions, exposure and reliability: two directories, two
    /// git revisions or two plan JSON files compared, or a typed stack with its committed
    /// output.
    Diff(DiffArgs),
    /// Print a JSON Schema (`config`: tfstack.toml).
    Schema {
        #[arg(value_parser = ["config"])]
        what: String,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Write a commented tfstack.toml for the repository (environments detected from its
    /// directories), and a baseline when the first lint has findings.
    Init(InitArgs),
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The repository (default: the git work tree holding the current directory, else
    /// the current directory).
    pub dir: Option<PathBuf>,
    /// Overwrite an existing tfstack.toml and baseline.
    #[arg(long)]
    pub force: bool,
    /// Where the baseline is written when the first lint has findings (relative to the
    /// repository).
    #[arg(long, value_name = "FILE", default_value = ".tfstack-baseline.json")]
    pub baseline: PathBuf,
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
    /// A variable value, `name=value`, read as Terraform reads `-var`: the text itself for
    /// an untyped, `string`, `number` or `bool` variable, an HCL expression for `any` and
    /// complex types.
    #[arg(long = "var")]
    pub vars: Vec<String>,
    /// Run only these rules: IDs, names or families (`IAM`), repeatable or comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules: IDs, names or families, repeatable or comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Exit 0 even when findings remain (a soft gate); unreadable input still exits 2.
    #[arg(long)]
    pub exit_zero: bool,
    /// Print how many findings each rule has instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Read nothing outside DIR (default: the git work tree holding each path, else the
    /// path itself).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Show paths relative to DIR in every format (default: the git work tree holding the
    /// first path, else the current directory).
    #[arg(long, value_name = "DIR")]
    pub base_dir: Option<PathBuf>,
    /// Each finding's rule page: a URL with `{id}` (and `{name}`), or a base URL under
    /// which the pages are `ID.md` (default: the configuration's `docs_url`, else the
    /// page in tfstack's repository).
    #[arg(long, value_name = "URL", value_parser = DocsUrl::parse)]
    pub docs_url: Option<DocsUrl>,
    /// Skip paths matching GLOB (relative to the read root; repeatable).
    #[arg(long, value_name = "GLOB", value_parser = parse_glob)]
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
/// An `--exclude` glob, refused when it cannot be built (it would match nothing).
fn parse_glob(text: &str) -> Result<String, String> {
    tfstack_lint_engine::config::check_glob(text).map(|()| text.to_string())
}

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
    /// `flow`: components along the data flow, grouped by role (as `tfstack review`
    /// draws them); `resources`: every resource and the references between them.
    #[arg(long, default_value = "resources")]
    pub view: GraphView,
}

/// What `tfstack graph` draws.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphView {
    Resources,
    Flow,
}

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// A Terraform directory to review (instead of --stack).
    pub path: Option<PathBuf>,
    /// A registered typed stack.
    #[arg(long)]
    pub stack: Option<String>,
    /// The environment: of the typed stack (required when it has several), or of the
    /// directory.
    #[arg(long)]
    pub env: Option<String>,
    #[arg(long, default_value = "html")]
    pub format: ReviewFormat,
    /// Usage figures for the cost estimate (infracost's usage-file keys).
    #[arg(long)]
    pub usage: Option<PathBuf>,
    /// Write the report to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Configuration file for the findings (default: tfstack.toml found upwards).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The largest file read, e.g. 64MB (default 64 MiB; config key `max_file_size`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The version before: a directory, a plan JSON file (`terraform show -json`) or a git
    /// revision of the repository the working directory is in.
    pub base: Option<String>,
    /// The version after, of the same kind as BASE.
    pub head: Option<String>,
    /// Compare a registered typed stack (synthesized in memory) with its committed output.
    #[arg(long)]
    pub stack: Option<String>,
    /// The environment: of the typed stack (required when it has several), or of
    /// hand-written code (decides what is production).
    #[arg(long)]
    pub env: Option<String>,
    /// Where the typed stack's committed output is (with --stack).
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    #[arg(long, default_value = "human")]
    pub format: DiffFormat,
    /// Exit 1 when a change of this kind exists (repeatable).
    #[arg(long = "fail-on")]
    pub fail_on: Vec<DiffFailOn>,
    /// Configuration file for the findings (default: tfstack.toml found upwards).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The largest file read, e.g. 64MB (default 64 MiB; config key `max_file_size`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
}

/// The formats of `tfstack diff`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Human,
    /// A pull-request comment.
    Markdown,
    Json,
}

/// What `tfstack diff --fail-on` fails on.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFailOn {
    /// New actions, wider resources, new principals, conditions removed, policies attached.
    Broadening,
    /// Routes that lost authorization, public principals, open function URLs, ingress
    /// from the internet.
    Exposure,
    /// Failure handling, retention, encryption or point-in-time recovery lost;
    /// `auto_deploy` turned on in production.
    Reliability,
    /// Findings head has and base does not.
    NewFindings,
    /// Between two revisions, `tfstack.toml` weakened: a rule turned off or lowered, a
    /// suppression or an exclusion added.
    Configuration,
}

/// The formats of `tfstack review`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewFormat {
    Html,
    Markdown,
}

/// The formats of `tfstack lint`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
    Checkstyle,
    Gitlab,
}

impl OutputFormat {
    /// The reporter that writes this format: rule pages at `docs`, paths relative to
    /// `root` (absolute).
    pub fn reporter(
        self,
        color: bool,
        catalogue: &[&'static dyn Rule],
        docs: DocsUrl,
        root: &std::path::Path,
    ) -> Box<dyn Reporter> {
        match self {
            OutputFormat::Human => Box::new(HumanReporter { color, docs }),
            OutputFormat::Json => Box::new(JsonReporter::new(docs)),
            OutputFormat::Sarif => Box::new(SarifReporter::new(catalogue, &docs, root)),
            OutputFormat::Github => Box::new(GithubReporter { docs }),
            OutputFormat::Junit => Box::new(JunitReporter::new(docs)),
            OutputFormat::Checkstyle => Box::new(CheckstyleReporter::new(docs)),
            OutputFormat::Gitlab => Box::new(GitlabReporter::new(docs)),
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
