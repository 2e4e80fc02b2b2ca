//! The tfstack rule catalogue: one file per rule under `rules/<family>/`, each with its
//! documentation, detection, wording and tests, registered in [`registry`]. The engine
//! (`tfstack-lint-engine`) runs them and knows none of them.

pub mod docs;
pub mod registry;
pub mod rules;
#[cfg(test)]
mod testing;

pub use tfstack_lint_engine::{declare_rule, Finding, Rule, RuleMeta, Severity};
