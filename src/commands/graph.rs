//! `tfstack graph`: a stack's components along the data flow, or its resources and their
//! references, as mermaid or DOT.

use crate::cli::{GraphArgs, GraphView};
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
        let dot = args.format == "dot";
        match args.view {
            GraphView::Resources => {
                let g = tfstack_generators::diagram::ResourceGraph::of(&o.config);
                let title = format!("{} ({})", o.name, o.env.name);
                text.push_str(&if dot {
                    g.to_dot(&title)
                } else {
                    g.to_mermaid(&title)
                });
            }
            GraphView::Flow => {
                let review = tfstack_review::Review::of_stack(o, &Default::default())
                    .map_err(super::review::review_error)?;
                let g = review.flow_graph();
                text.push_str(&if dot { g.to_dot() } else { g.to_mermaid() });
            }
        }
    }
    print_stdout(&text).map(|()| 0)
}
