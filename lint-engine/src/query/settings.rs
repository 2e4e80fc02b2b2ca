//! Reading one setting of a resource the way the provider applies it: through nested
//! blocks (also written as object attributes in `.tf.json` and plans), telling apart a
//! setting that is not written (the provider's default applies) from one whose value is
//! not known before apply (rules stay quiet on those).

use crate::context::Context;
use tfstack_model::{Block, Body, Expr, Origin, Structure, Value, ValueKind};

/// What a resource says about one setting.
#[derive(Clone, Debug)]
pub enum Setting {
    /// Not written (or `null`): the provider's default applies.
    Unset,
    /// Written, but not known before apply (a variable without a value, a `dynamic`
    /// block, a resource attribute AWS computes, …).
    Unknown,
    /// A known value and where it is written: the attribute's expression in the block,
    /// or the member of an object value.
    Known { value: Value, origin: Origin },
}

impl Setting {
    /// The setting as a boolean, `default` when unset; `None` when unknown or not a
    /// boolean.
    pub fn bool_or(&self, default: bool) -> Option<bool> {
        match self {
            Setting::Unset => Some(default),
            Setting::Unknown => None,
            Setting::Known { value, .. } => value.as_bool(),
        }
    }

    /// The setting as a string, `default` when unset; `None` when unknown or not a
    /// string.
    pub fn str_or<'a>(&'a self, default: &'a str) -> Option<&'a str> {
        match self {
            Setting::Unset => Some(default),
            Setting::Unknown => None,
            Setting::Known { value, .. } => value.as_str(),
        }
    }

    /// Where the setting is written, when it is.
    pub fn origin(&self) -> Option<Origin> {
        match self {
            Setting::Known { origin, .. } => Some(*origin),
            _ => None,
        }
    }

    /// Whether the setting is written with a value other than `""` (unknown counts).
    pub fn is_set(&self) -> bool {
        match self {
            Setting::Unset => false,
            Setting::Unknown => true,
            Setting::Known { value, .. } => value.as_str() != Some(""),
        }
    }
}

/// The setting at `path` of a block's body: nested block names, then an attribute
/// (`["point_in_time_recovery", "enabled"]`). A nested block is read in its first
/// occurrence; a `dynamic` block of that name makes the setting unknown unless its
/// `for_each` is known to be empty.
pub fn setting(cx: &Context, block: &Block, path: &[&str]) -> Setting {
    body_setting(cx, &block.body, path)
}

fn body_setting(cx: &Context, body: &Body, path: &[&str]) -> Setting {
    let Some((first, rest)) = path.split_first() else {
        return Setting::Unknown;
    };
    for item in &body.items {
        match item {
            Structure::Block(b) if b.kind == *first && !rest.is_empty() => {
                return body_setting(cx, &b.body, rest);
            }
            Structure::Block(b)
                if b.kind == "dynamic"
                    && b.labels.first().map(tfstack_model::Name::as_str) == Some(first) =>
            {
                if dynamic_is_empty(cx, b) {
                    continue;
                }
                return Setting::Unknown;
            }
            Structure::Attribute(a) if a.name == *first => {
                let value = cx.value(&a.value);
                return value_setting(value, rest, a.value.origin.or(a.origin));
            }
            _ => {}
        }
    }
    Setting::Unset
}

/// The setting at `path` inside an evaluated value (a nested block written as an object,
/// or a list of them).
fn value_setting(value: Value, path: &[&str], origin: Origin) -> Setting {
    match value.kind {
        ValueKind::Unknown => Setting::Unknown,
        ValueKind::Null => Setting::Unset,
        _ if path.is_empty() => Setting::Known { value, origin },
        ValueKind::List(items) => match items.into_iter().next() {
            Some(first) => {
                let origin = first.origin.or(origin);
                value_setting(first, path, origin)
            }
            None => Setting::Unset,
        },
        ValueKind::Object(map) => match map.get(path[0]).cloned() {
            Some(member) => {
                let origin = member.origin.or(origin);
                value_setting(member, &path[1..], origin)
            }
            None => Setting::Unset,
        },
        _ => Setting::Unknown,
    }
}

/// Whether a `dynamic` block is known to produce nothing: its `for_each` is empty (null,
/// an empty list or map). In a block with known instances whose `for_each` here is empty
/// in some and not in others, it is not known for the block; its instances are then
/// judged one at a time ([`Context::value`]), and those that lack what the block would
/// write are found on their own.
pub fn dynamic_is_empty(cx: &Context, dynamic: &Block) -> bool {
    dynamic_makes_blocks(cx, dynamic) == Some(false)
}

/// Whether a `dynamic` block makes at least one block: its `for_each` is known and not
/// empty (`Some(true)`), or known to be empty or `null` (`Some(false)`); `None` when it is
/// not known.
pub fn dynamic_makes_blocks(cx: &Context, dynamic: &Block) -> Option<bool> {
    match cx.value(dynamic.body.get("for_each")?).kind {
        ValueKind::List(items) => Some(!items.is_empty()),
        ValueKind::Object(map) => Some(!map.is_empty()),
        ValueKind::Null => Some(false),
        _ => None,
    }
}

/// Whether a `dynamic "name"` block that may produce something is in the body.
pub fn has_dynamic(cx: &Context, body: &Body, name: &str) -> bool {
    dynamics_named(cx, body, name).next().is_some()
}

/// The `dynamic "name"` blocks of a body that may produce something.
pub fn dynamics_named<'b, 'c, 'm>(
    cx: &'c Context<'m>,
    body: &'b Body,
    name: &'c str,
) -> impl Iterator<Item = &'b Block> + use<'b, 'c, 'm> {
    body.blocks_of("dynamic").filter(move |d| {
        d.labels.first().map(tfstack_model::Name::as_str) == Some(name) && !dynamic_is_empty(cx, d)
    })
}

/// The name a `dynamic` block's `content` reads its element by: its `iterator`, else its
/// label (`dynamic "ingress"` → `ingress.value`).
pub fn dynamic_iterator(dynamic: &Block) -> Option<&str> {
    dynamic
        .body
        .get("iterator")
        .and_then(Expr::as_traversal)
        .map(|t| t.root.as_str())
        .or_else(|| dynamic.labels.first().map(tfstack_model::Name::as_str))
}

/// Whether the setting at `path` (nested blocks, then an attribute or a block) is present
/// with a value: not absent, not `null`, not `""`. A value the evaluator cannot know counts
/// as set, and so does a `dynamic` block unless its `for_each` is known to be empty.
/// Nested blocks written as object attributes (`.tf.json`, plans) are read too.
pub fn is_configured(cx: &Context, body: &Body, path: &[&str]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return true;
    };
    for item in &body.items {
        match item {
            Structure::Block(b) if b.kind == *first && is_configured(cx, &b.body, rest) => {
                return true;
            }
            Structure::Block(b)
                if b.kind == "dynamic"
                    && b.labels.first().map(tfstack_model::Name::as_str) == Some(first) =>
            {
                if dynamic_is_empty(cx, b) {
                    continue;
                }
                match b.body.block("content") {
                    Some(content) => {
                        if is_configured(cx, &content.body, rest) {
                            return true;
                        }
                    }
                    None => return true,
                }
            }
            Structure::Attribute(a) if a.name == *first && value_has(&cx.value(&a.value), rest) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// Whether an evaluated value holds a set value at `path`.
fn value_has(v: &tfstack_model::Value, path: &[&str]) -> bool {
    match &v.kind {
        ValueKind::Unknown => true,
        ValueKind::Null => false,
        ValueKind::String(s) if path.is_empty() => !s.is_empty(),
        ValueKind::List(items) => items.iter().any(|i| value_has(i, path)),
        _ if path.is_empty() => true,
        ValueKind::Object(map) => map.get(path[0]).is_some_and(|i| value_has(i, &path[1..])),
        _ => false,
    }
}
