//! Everything the review takes from the lint engine, in one place: the module a
//! configuration loads into, the rule's-eye view of it (`Context`), the policy documents
//! the engine extracts, and the loaders for typed stacks and directories. When the engine
//! moves to its own crate, this is the only module whose imports change.

pub use tfstack_lint_rules::context::{Context, Module};
pub use tfstack_lint_rules::engine::InputError;
pub use tfstack_lint_rules::input::{discover, load_module, InputOptions};
pub use tfstack_lint_rules::policy::{json_document_value, PolicyDoc, PolicyKind, StatementView};
pub use tfstack_lint_rules::stack::module_from_stack;
