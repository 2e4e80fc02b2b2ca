//! Every rule, in one list. Registering a rule is one line here.

use crate::rules;
use crate::Rule;

/// All rules, ordered by ID.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &rules::log::log_group_without_retention::LogGroupWithoutRetention,
        &crate::suppress::SuppressionWithoutReason,
        &crate::suppress::UnusedSuppression,
    ]
}

/// The rule with this ID or name (case-insensitive).
pub fn find(id_or_name: &str) -> Option<&'static dyn Rule> {
    all().iter().copied().find(|r| {
        r.meta().id.eq_ignore_ascii_case(id_or_name)
            || r.meta().name.eq_ignore_ascii_case(id_or_name)
    })
}
