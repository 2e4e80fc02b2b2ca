//! Everything the review takes from the lint engine, in one place: the module a
//! configuration loads into, the rule's-eye view of it (`Context`), the policy documents
//! the engine extracts, a setting as the provider applies it, and the loaders for typed stacks and directories.

pub use tfstack_lint_engine::context::{instance_names, Context, Module, MAX_INSTANCE_SCOPES};
pub use tfstack_lint_engine::input::{discover, load_module, read_text, InputOptions};
pub use tfstack_lint_engine::query::openapi::{self, OperationAuthorization};
pub use tfstack_lint_engine::query::policy::{
    json_document_value, policies, PolicyDoc, PolicyKind, StatementView,
};
pub use tfstack_lint_engine::query::references::referenced_through_locals;
pub use tfstack_lint_engine::query::references::targets_in_block;
pub use tfstack_lint_engine::query::settings::{
    dynamic_iterator, dynamic_makes_blocks, dynamics_named, setting, Setting,
};
pub use tfstack_lint_engine::stack::{module_with_files_beside, stack_module_with};
