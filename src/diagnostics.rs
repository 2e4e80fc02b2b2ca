//! The tool's own errors — bad usage, unreadable input, stack definition errors at the
//! Rust line, synth refusals — as miette diagnostics, each written to stderr through the
//! one renderer ([`tfstack_model::error::render`]) by [`fail`].

use crate::synth::SynthIoError;
use miette::{Diagnostic, LabeledSpan, NamedSource};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use tfstack_model::constructs::SynthError;
use tfstack_model::SourceError;

/// An error of the command line, with its exit code (2 for bad usage or input, 1 for a
/// check that failed).
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum CliError {
    #[error("unknown stack `{name}`")]
    #[diagnostic(code(tfstack::usage), help("registered stacks: {registered}"))]
    UnknownStack { name: String, registered: String },
    #[error("stack `{0}` is registered twice")]
    #[diagnostic(code(tfstack::usage), help("stack names must be unique"))]
    DuplicateStack(String),
    #[error("no selected stack has an environment `{0}`")]
    #[diagnostic(
        code(tfstack::usage),
        help("`tfstack list` shows every stack's environments")
    )]
    UnknownEnvironment(String),
    #[error("give either paths or --stack/--all-stacks, not both")]
    #[diagnostic(code(tfstack::usage))]
    PathsAndStacks,
    #[error("--var expects name=value, got `{0}`")]
    #[diagnostic(code(tfstack::usage))]
    BadVar(String),
    #[error("stack `{0}` has several environments")]
    #[diagnostic(code(tfstack::usage), help("choose one with --env"))]
    ChooseEnvironment(String),
    #[error("cannot make the review: {0}")]
    #[diagnostic(code(tfstack::review))]
    Review(String),
    #[error("unknown rule `{0}`")]
    #[diagnostic(code(tfstack::usage), help("`tfstack rules` lists them"))]
    UnknownRule(String),
    #[error("`{selector}` names no rule, name or family (in {flag})")]
    #[diagnostic(code(tfstack::usage), help("{help}"))]
    UnknownSelector {
        selector: String,
        flag: &'static str,
        help: String,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(#[from] SourceError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Synth(#[from] SynthIoError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Write(#[from] crate::write::WriteError),
    #[error("{0} error(s) in stack definitions")]
    #[diagnostic(
        code(tfstack::synth),
        help("nothing was written or linted: fix the stacks at the lines shown")
    )]
    StackErrors(usize),
    #[error("synth refused: {0} error finding(s) in the stacks")]
    #[diagnostic(
        code(tfstack::synth),
        help("fix them, suppress them with a reason, or pass --no-lint")
    )]
    LintRefused(usize),
    #[error("{0} is stale")]
    #[diagnostic(code(tfstack::synth), help("run `tfstack synth` to regenerate it"))]
    Stale(String),
    #[error("the baseline lacks the findings of input that could not be read")]
    #[diagnostic(
        code(tfstack::baseline),
        help("fix the unreadable input, then write it again")
    )]
    IncompleteBaseline,
    #[error(transparent)]
    #[diagnostic(transparent)]
    Diff(#[from] tfstack_diff::DiffError),
    #[error("{0}")]
    #[diagnostic(
        code(tfstack::usage),
        help("`tfstack diff BASE HEAD` compares two directories, plans or revisions; `tfstack diff --stack S --env E` a typed stack with its committed output")
    )]
    DiffUsage(&'static str),
    #[error("{0} file(s) could not be read: nothing was compared")]
    #[diagnostic(
        code(tfstack::diff),
        help("a comparison without them could miss a change; fix the files shown above")
    )]
    DiffIncomplete(usize),
    #[error("{} already exists", .0.display())]
    #[diagnostic(
        code(tfstack::init),
        help("`tfstack init` never replaces it: edit it, or pass --force to write a new one")
    )]
    InitExists(PathBuf),
    #[error("could not write to standard output: {0}")]
    #[diagnostic(code(tfstack::io))]
    Stdout(std::io::Error),
}

impl CliError {
    /// The exit code: 1 when a check failed (findings, stale output), 2 for bad usage or
    /// input (stack definitions with errors among it).
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::LintRefused(_) | CliError::Stale(_) => 1,
            _ => 2,
        }
    }
}

/// Writes an error to stderr through the one renderer; returns its exit code.
pub fn fail(error: &CliError, color: bool) -> i32 {
    report(error, color);
    error.exit_code()
}

/// Writes a diagnostic to stderr through the one renderer.
pub fn report(diagnostic: &dyn Diagnostic, color: bool) {
    let text = tfstack_model::error::render(diagnostic, color);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes stack definition errors to stderr, each through the one renderer, and returns
/// the error that ends the command.
pub fn stack_errors(errors: &[StackDiagnostic], color: bool) -> CliError {
    let _ = std::io::stderr()
        .lock()
        .write_all(render_stack_errors(errors, color).as_bytes());
    CliError::StackErrors(errors.len())
}

/// Stack definition errors as the one renderer shows them, one after the other.
pub fn render_stack_errors(errors: &[StackDiagnostic], color: bool) -> String {
    errors
        .iter()
        .map(|d| tfstack_model::error::render(d, color))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes to standard output through one buffer. A reader that closed the pipe early
/// (`tfstack lint … | head`) is not an error: the rest of the output is dropped quietly.
pub fn write_stdout(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Stdout(e)),
        Ok(()) => Ok(()),
    }
}

/// Prints `text` to standard output.
pub fn print_stdout(text: &str) -> Result<(), CliError> {
    write_stdout(|out| out.write_all(text.as_bytes()))
}

/// A stack definition error as a miette diagnostic.
#[derive(Debug)]
pub struct StackDiagnostic {
    pub stack: String,
    pub env: String,
    pub error: SynthError,
    source: Option<NamedSource<String>>,
    span: Option<miette::SourceSpan>,
}

impl fmt::Display for StackDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error.message)
    }
}

impl std::error::Error for StackDiagnostic {}

impl Diagnostic for StackDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "tfstack::synth({}/{})",
            self.stack, self.env
        )))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error
            .help
            .as_ref()
            .map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some("defined here".to_string()),
            span,
        ))))
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        None
    }
}

impl StackDiagnostic {
    /// Reads the Rust source (relative to `root`) to show the offending line.
    pub fn new(stack: &str, env: &str, error: SynthError, root: &Path) -> Self {
        let mut source = None;
        let mut span = None;
        if let Some(loc) = &error.location {
            let path = resolve(root, loc.file);
            if let Ok(text) = std::fs::read_to_string(&path) {
                if let Some(offset) = line_offset(&text, loc.line) {
                    let line_len = text[offset..].find('\n').unwrap_or(text.len() - offset);
                    let col = (loc.column as usize).saturating_sub(1).min(line_len);
                    span = Some(miette::SourceSpan::new(
                        (offset + col).into(),
                        line_len - col,
                    ));
                    source = Some(NamedSource::new(loc.file, text));
                }
            }
        }
        StackDiagnostic {
            stack: stack.to_string(),
            env: env.to_string(),
            error,
            source,
            span,
        }
    }
}

fn resolve(root: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

fn line_offset(text: &str, line: u32) -> Option<usize> {
    if line == 0 {
        return None;
    }
    if line == 1 {
        return Some(0);
    }
    text.match_indices('\n')
        .nth(line as usize - 2)
        .map(|(i, _)| i + 1)
}
