//! Finding rules in the catalogue (`rules::all()`, where registering a rule is one line).

use crate::Rule;

pub use crate::rules::all;

/// The rule with this ID or name (case-insensitive).
pub fn find(id_or_name: &str) -> Option<&'static dyn Rule> {
    all()
        .iter()
        .copied()
        .find(|r| r.meta().is_named(id_or_name))
}
