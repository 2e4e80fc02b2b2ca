//! Where things are written, as the report shows it: `path:line` in the version that has
//! them (a revision's files relative to the working directory), or the Rust line a typed
//! stack built them at.

use crate::snapshot::Snapshot;
use tfstack_lint_engine::context::Context;
use tfstack_model::error::display_path;
use tfstack_model::{Origin, OriginKind};

/// Turns origins of one snapshot into places.
pub(crate) struct Places<'a> {
    pub snapshot: &'a Snapshot,
}

impl Places<'_> {
    /// `path:line` of an origin read through `cx` (whose evaluator knows the files its
    /// `file()` and `templatefile()` calls read); `None` for generated text.
    pub fn of(&self, cx: &Context, origin: Origin) -> Option<String> {
        match origin.kind() {
            OriginKind::File { file, span } => {
                let files = cx.eval.files.borrow();
                if (file.0 as usize) >= files.len() {
                    return None;
                }
                let source = files.get(file);
                let (line, _) = source.line_col(span.start);
                let path = self.snapshot.shown_path(&display_path(&source.path));
                Some(format!("{path}:{line}"))
            }
            OriginKind::Rust(location) => Some(format!("{}:{}", location.file, location.line)),
            OriginKind::Generated => None,
        }
    }

    /// Where a resource (or the block of an instance, `aws_x.y["a"]`) is declared.
    pub fn of_block(&self, cx: &Context, address: &str) -> Option<String> {
        let block = tfstack_review::cost::usage::base_address(address);
        cx.block(block).and_then(|b| self.of(cx, b.origin))
    }
}
