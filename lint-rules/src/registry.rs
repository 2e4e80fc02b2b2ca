//! Finding rules in the catalogue (`rules::all()`, where registering a rule is one line),
//! and the rules retired from it.

use crate::Rule;

pub use crate::rules::all;

/// The rule with this ID or name (case-insensitive).
pub fn find(id_or_name: &str) -> Option<&'static dyn Rule> {
    all()
        .iter()
        .copied()
        .find(|r| r.meta().is_named(id_or_name))
}

/// A rule that no longer runs. Its ID is never given to another rule; `tfstack explain`,
/// `tfstack rules`, its page under `docs/rules/` and the README say why it was retired
/// and what replaces it, and a `tfstack.toml` that still names it is told so.
#[derive(Debug)]
pub struct RetiredRule {
    pub id: &'static str,
    pub name: &'static str,
    /// The rule that covers what remains of it, if any.
    pub replaced_by: Option<&'static str>,
    /// Markdown: why it was retired.
    pub reason: &'static str,
}

impl RetiredRule {
    /// One line for tables: `Retired: <first sentence of the reason> Replaced by X.`
    pub fn summary(&self) -> String {
        let reason = self.reason.replace('\n', " ");
        let first = reason
            .split_inclusive(". ")
            .next()
            .unwrap_or(&reason)
            .trim()
            .to_string();
        match self.replaced_by {
            Some(id) => format!("Retired: {first} Replaced by {id}."),
            None => format!("Retired: {first}"),
        }
    }

    /// Whether `id_or_name` names this rule (ID or name, any case).
    pub fn is_named(&self, id_or_name: &str) -> bool {
        self.id.eq_ignore_ascii_case(id_or_name) || self.name.eq_ignore_ascii_case(id_or_name)
    }

    /// The family: the ID without its three digits.
    pub fn family(&self) -> &'static str {
        self.id.trim_end_matches(|c: char| c.is_ascii_digit())
    }
}

/// Every retired rule, in ID order.
pub const RETIRED: &[RetiredRule] = &[RetiredRule {
    id: "LAMBDA002",
    name: "lambda-handler-module-with-dash",
    replaced_by: Some("LAMBDA007"),
    reason: r#"It flagged Python handlers whose module name contains `-`, which load fine. The
Python runtime imports the handler module with
`importlib.import_module(modname.replace("/", "."))` (`_get_handler` in AWS's runtime
interface client, `awslambdaric`), and `importlib` imports `hello-world.py` as `hello-world`;
only an `import` statement needs an identifier. Both of its findings on public code were
false, at error severity.

LAMBDA007 (`lambda-handler-fails-to-load`) flags the handlers that really fail at the first
invoke: no `.` in the handler, a Python built-in module as the handler module, or a handler
file missing from a deployment package tfstack can see."#,
}];

/// One line of the catalogue as `tfstack rules`, the README and `docs/rules/` list it: a
/// rule that runs, or one that was retired.
#[derive(Clone, Copy, Debug)]
pub struct Listed {
    pub id: &'static str,
    pub name: &'static str,
    pub family: &'static str,
    /// The default severity, or `retired`.
    pub status: &'static str,
    /// The rule itself.
    pub entry: Entry,
}

/// What a [`Listed`] line stands for.
#[derive(Clone, Copy, Debug)]
pub enum Entry {
    Active(&'static crate::RuleMeta),
    Retired(&'static RetiredRule),
}

impl Listed {
    /// The one-line summary shown in tables.
    pub fn summary(&self) -> String {
        match self.entry {
            Entry::Active(m) => m.summary(),
            Entry::Retired(r) => r.summary(),
        }
    }
}

/// Every rule, running or retired, in ID order.
pub fn listing() -> Vec<Listed> {
    let mut out: Vec<Listed> = all()
        .iter()
        .map(|r| {
            let m = r.meta();
            Listed {
                id: m.id,
                name: m.name,
                family: m.family(),
                status: m.default_severity.as_str(),
                entry: Entry::Active(m),
            }
        })
        .chain(RETIRED.iter().map(|r| Listed {
            id: r.id,
            name: r.name,
            family: r.family(),
            status: "retired",
            entry: Entry::Retired(r),
        }))
        .collect();
    out.sort_by_key(|l| l.id);
    out
}

/// The retired rule with this ID or name (case-insensitive).
pub fn retired(id_or_name: &str) -> Option<&'static RetiredRule> {
    RETIRED.iter().find(|r| r.is_named(id_or_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_rules_keep_their_ids_and_name_a_registered_replacement() {
        let mut ids: Vec<&str> = RETIRED.iter().map(|r| r.id).collect();
        let sorted = {
            let mut s = ids.clone();
            s.sort();
            s
        };
        assert_eq!(ids, sorted, "RETIRED is in ID order");
        for r in RETIRED {
            assert!(find(r.id).is_none(), "{} is retired and registered", r.id);
            assert!(find(r.name).is_none(), "{}'s name is reused", r.name);
            if let Some(replacement) = r.replaced_by {
                assert!(
                    find(replacement).is_some(),
                    "{}: no rule {replacement}",
                    r.id
                );
            }
            assert!(!r.reason.trim().is_empty(), "{}: no reason", r.id);
        }
        ids.dedup();
        assert_eq!(ids.len(), RETIRED.len(), "an ID retired twice");
        assert_eq!(retired("lambda002").map(|r| r.id), Some("LAMBDA002"));
        assert_eq!(
            retired("lambda-handler-module-with-dash").map(|r| r.replaced_by),
            Some(Some("LAMBDA007"))
        );
        assert!(retired("LAMBDA001").is_none());
        assert_eq!(RETIRED[0].family(), "LAMBDA");
        assert!(RETIRED[0]
            .summary()
            .starts_with("Retired: It flagged Python handlers"));
        assert!(RETIRED[0].summary().ends_with("Replaced by LAMBDA007."));
    }
}
