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
pub mod stack_sets;
pub mod synth;
pub mod testing;
pub mod write;

use clap::Parser;
use diagnostics::StackDiagnostic;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use tfstack_model::constructs::StackOutput;

pub use tfstack_model as model;

/// Everything a stack definition needs.
pub mod prelude {
    pub use tfstack_model::prelude::*;
}

/// The tfstack application: the registered stacks (registration and synthesis:
/// [`stack_sets`]), and the command line that synthesizes, lints, reviews and draws them.
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
