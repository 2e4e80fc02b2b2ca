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

pub mod cli;
pub mod commands;
pub mod diagnostics;
pub mod synth;
pub mod write;

use clap::Parser;
use diagnostics::{CliError, StackDiagnostic};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use tfstack_model::constructs::{Stack, StackOutput};
use tfstack_model::environment::Environment;

pub use tfstack_model as model;

/// Everything a stack definition needs.
pub mod prelude {
    pub use tfstack_model::prelude::*;
}

type DefineFn = Box<dyn Fn(&Stack)>;

/// A registered stack: its name, environments and definition.
struct RegisteredStack {
    name: String,
    environments: Vec<Environment>,
    define: DefineFn,
}

/// The tfstack application: the registered stacks, their synthesis, and the command line
/// that synthesizes, lints and draws them.
#[derive(Default)]
pub struct App {
    stacks: Vec<RegisteredStack>,
}

/// The result of synthesizing a selection of stacks.
pub struct Synthesized {
    pub outputs: Vec<StackOutput>,
    pub errors: Vec<StackDiagnostic>,
}

impl App {
    pub fn new() -> Self {
        App::default()
    }

    /// Registers a stack with the default environments, `dev` and `prod`.
    pub fn stack(self, name: &str, define: impl Fn(&Stack) + 'static) -> Self {
        self.stack_with_environments(name, vec![Environment::dev(), Environment::prod()], define)
    }

    /// Registers a stack with its own environments.
    pub fn stack_with_environments(
        mut self,
        name: &str,
        environments: Vec<Environment>,
        define: impl Fn(&Stack) + 'static,
    ) -> Self {
        self.stacks.push(RegisteredStack {
            name: name.to_string(),
            environments,
            define: Box::new(define),
        });
        self
    }

    /// `(stack, environment)` names of every registered stack.
    pub fn list(&self) -> Vec<(String, Vec<String>)> {
        self.stacks
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.environments.iter().map(|e| e.name.clone()).collect(),
                )
            })
            .collect()
    }

    /// Builds the selected stacks (all when `stack`/`env` are `None`).
    pub fn synthesize(
        &self,
        stack: Option<&str>,
        env: Option<&str>,
        root: &Path,
    ) -> Result<Synthesized, CliError> {
        if let Some(s) = stack {
            if !self.stacks.iter().any(|r| r.name == s) {
                return Err(CliError::UnknownStack {
                    name: s.to_string(),
                    registered: self
                        .stacks
                        .iter()
                        .map(|r| r.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        let mut outputs = Vec::new();
        let mut errors = Vec::new();
        let mut matched_env = env.is_none();
        for reg in &self.stacks {
            if stack.is_some_and(|s| s != reg.name) {
                continue;
            }
            for e in &reg.environments {
                if env.is_some_and(|n| n != e.name) {
                    continue;
                }
                matched_env = true;
                let st = Stack::new(&reg.name, e.clone());
                (reg.define)(&st);
                match st.finish() {
                    Ok(out) => outputs.push(out),
                    Err(errs) => errors.extend(
                        errs.into_iter()
                            .map(|err| StackDiagnostic::new(&reg.name, &e.name, err, root)),
                    ),
                }
            }
        }
        if !matched_env {
            return Err(CliError::UnknownEnvironment(
                env.unwrap_or_default().to_string(),
            ));
        }
        Ok(Synthesized { outputs, errors })
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
        let cli = match cli::Cli::try_parse_from(args) {
            Ok(c) => c,
            Err(e) => {
                let _ = e.print();
                return if e.use_stderr() { 2 } else { 0 };
            }
        };
        let color = std::io::stderr().is_terminal();
        commands::run(&self, cli, color)
    }
}
