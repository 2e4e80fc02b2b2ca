//! `tfstack graph`: a stack's resources and their references, as mermaid or DOT.

use crate::cli::GraphArgs;
use crate::diagnostics::{print_stdout, CliError};
use crate::App;

pub fn run(app: &App, args: &GraphArgs, color: bool) -> Result<i32, CliError> {
    let root = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let synthesized = app.synthesize(Some(&args.stack), Some(&args.env), &root)?;
    if !synthesized.errors.is_empty() {
        return Err(crate::diagnostics::stack_errors(&synthesized.errors, color));
    }
    let mut text = String::new();
    for o in &synthesized.outputs {
        let g = tfstack_generators::diagram::ResourceGraph::of(&o.config);
        let title = format!("{} ({})", o.name, o.env.name);
        if args.format == "dot" {
            text.push_str(&g.to_dot(&title));
        } else {
            text.push_str(&g.to_mermaid(&title));
        }
    }
    print_stdout(&text).map(|()| 0)
}
