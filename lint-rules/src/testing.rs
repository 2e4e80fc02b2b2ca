//! Helpers for rule tests: lint HCL text with one registered rule, render findings for
//! snapshots.

use tfstack_lint_engine::located::Located;
pub use tfstack_lint_engine::testing::{addresses, render_all};

/// Writes `files` (name → text) to a temporary module directory and lints it with the
/// one rule `rule_id` (production decided by `env`, if given).
pub fn lint_files_with(rule_id: &str, files: &[(&str, &str)], env: Option<&str>) -> Vec<Located> {
    let rule = crate::registry::find(rule_id).unwrap_or_else(|| panic!("no rule {rule_id}"));
    tfstack_lint_engine::testing::lint_files_with(rule, files, env)
}

/// A directory tree linted as `tfstack lint DIR` lints it, with one rule (notes included).
pub fn lint_tree(rule_id: &str, files: &[(&str, &str)]) -> Vec<Located> {
    let rule = crate::registry::find(rule_id).unwrap_or_else(|| panic!("no rule {rule_id}"));
    tfstack_lint_engine::testing::lint_tree_with(rule, files)
}

/// `main.tf` linted with one rule on a given day (`YYYY-MM-DD`), for `until` dates.
pub fn lint_hcl_on(rule_id: &str, text: &str, today: &str) -> Vec<Located> {
    let rule = crate::registry::find(rule_id).unwrap_or_else(|| panic!("no rule {rule_id}"));
    tfstack_lint_engine::testing::lint_files_on(rule, &[("main.tf", text)], None, today)
}

/// `main.tf` linted with one rule.
pub fn lint_hcl(rule_id: &str, text: &str) -> Vec<Located> {
    lint_files_with(rule_id, &[("main.tf", text)], None)
}

/// The rendered diagnostics (no colour, width 100) of `main.tf` linted with one rule.
pub fn snapshot(rule_id: &str, text: &str) -> String {
    render_all(&lint_hcl(rule_id, text))
}
