//! Why two versions could not be compared.

use miette::Diagnostic;
use tfstack_model::SourceError;

/// An error of `tfstack diff`: bad arguments, a revision git does not know, input that
/// could not be read. Rendered by the one renderer like every other error.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum DiffError {
    /// BASE and HEAD are of different kinds.
    #[error("BASE `{base}` is {base_kind} but HEAD `{head}` is {head_kind}")]
    #[diagnostic(
        code(tfstack::diff),
        help("compare two directories, two plan JSON files or two git revisions")
    )]
    MixedKinds {
        base: String,
        base_kind: &'static str,
        head: String,
        head_kind: &'static str,
    },
    /// A revision argument with more than a revision in it (an option, a range, a path).
    #[error("`{0}` is neither an existing file or directory nor a plain revision")]
    #[diagnostic(
        code(tfstack::diff),
        help(
            "give a branch, a tag, a commit or one of them with `~N`/`^N` (`main`, `v1.2`, \
             `HEAD~1`); ranges, paths, options and reflog entries are refused"
        )
    )]
    NotARevision(String),
    /// Neither a file, a directory nor a revision git knows.
    #[error("`{given}` is neither a file, a directory nor a revision of the repository")]
    #[diagnostic(code(tfstack::diff), help("{help}"))]
    UnknownRevision { given: String, help: String },
    /// A revision was given outside a git repository.
    #[error(
        "`{0}` is not a file or a directory, and the working directory is not in a git repository"
    )]
    #[diagnostic(
        code(tfstack::diff),
        help("run tfstack diff inside the repository to compare two of its revisions")
    )]
    NotARepository(String),
    /// `git` could not be run.
    #[error("cannot run git: {0}")]
    #[diagnostic(
        code(tfstack::diff),
        help("install git to compare revisions, or compare two directories")
    )]
    GitMissing(String),
    /// `git` failed on a repository it found.
    #[error("git {command} failed: {message}")]
    #[diagnostic(code(tfstack::diff))]
    Git { command: String, message: String },
    /// A revision holds more than tfstack reads.
    #[error("revision `{revision}` is too large to compare: {what}")]
    #[diagnostic(
        code(tfstack::diff),
        help("run tfstack diff in the directory of the configuration: only that subtree is read")
    )]
    TooLarge { revision: String, what: String },
    /// A JSON file that is not a `terraform show -json` plan.
    #[error("{0}: not a Terraform plan")]
    #[diagnostic(
        code(tfstack::diff),
        help("two files are compared as plans: write them with `terraform show -json PLANFILE`")
    )]
    NotAPlan(String),
    /// The committed output of a typed stack is missing.
    #[error("no committed output at {0}")]
    #[diagnostic(code(tfstack::diff), help("run `tfstack synth` and commit `out/`"))]
    NoCommittedOutput(String),
    /// A file of either version could not be read or parsed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(#[from] SourceError),
    /// A temporary directory could not be written.
    #[error("cannot write the revision's files to a temporary directory: {0}")]
    #[diagnostic(code(tfstack::io))]
    Io(String),
}
