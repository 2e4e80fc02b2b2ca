//! Values the evaluator knows statically, each with the origin of the text that wrote it.

use crate::name::Name;
use crate::origin::Origin;
use indexmap::IndexMap;
use std::sync::Arc;
use thin_vec::ThinVec;

/// An evaluated value. `Unknown` is what cannot be known before apply (resource
/// attributes computed by AWS, data sources, unset variables): rules never report on it.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    Null,
    Bool(bool),
    Number(f64),
    /// Shared text: a literal's value is the IR's own [`Name`], and copying a value
    /// (a policy's statements, a memoized lookup) costs a count, not a copy.
    String(Name),
    /// One pointer (the length sits beside the elements): a value is two words.
    List(ThinVec<Value>),
    /// Keys in the order they were written. Shared: a value is held for every element of
    /// every policy document of a module, and copying one (a statement's principal or
    /// condition, a memoized local) costs a count; a change copies the map when it is
    /// shared (`Arc::make_mut`).
    Object(Arc<IndexMap<String, Value>>),
    Unknown,
}

impl ValueKind {
    /// An object of these members, in their order, held without spare room: a map grows
    /// by doubling (one member leaves room for three), and objects are held for a
    /// module's whole lint (every principal and condition of its policies).
    pub fn object(mut members: IndexMap<String, Value>) -> Self {
        members.shrink_to_fit();
        ValueKind::Object(Arc::new(members))
    }
}

/// A value and where it was written (a span in a `.tf`/JSON file, or a Rust line).
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub origin: Origin,
    /// For object members: the origin of the key (for findings on a JSON key such as
    /// `"NotAction"`). `Generated` otherwise.
    pub key_origin: Origin,
}

/// What one element of a list weighs besides its contents, in bytes: the value itself in
/// memory ([`Value::weight`]).
pub const ELEMENT_BYTES: usize = std::mem::size_of::<Value>();

/// What one member of an object weighs besides its key's text and its value's contents,
/// in bytes: the value, the key's `String` and the map's hash and index of the member.
pub const MEMBER_BYTES: usize = ELEMENT_BYTES + std::mem::size_of::<String>() + 16;

/// What a non-empty string's shared allocation weighs besides its text, in bytes: its
/// length and reference count.
pub const STRING_HEADER_BYTES: usize = 16;

/// The weight of a string of `len` bytes ([`Value::weight`]): an empty one allocates
/// nothing.
pub const fn string_weight(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        len.saturating_add(STRING_HEADER_BYTES)
    }
}

impl Value {
    /// What the value weighs for the budgets that bound evaluation and its caches: about
    /// what it takes in memory once built — its text with each string's header
    /// ([`string_weight`]), [`ELEMENT_BYTES`] per element of a list and [`MEMBER_BYTES`]
    /// plus the key per member of an object.
    pub fn weight(&self) -> usize {
        match &self.kind {
            ValueKind::String(s) => string_weight(s.len()),
            ValueKind::List(items) => items
                .iter()
                .map(|i| i.weight().saturating_add(ELEMENT_BYTES))
                .fold(0, usize::saturating_add),
            ValueKind::Object(map) => map
                .iter()
                .map(|(k, i)| {
                    i.weight()
                        .saturating_add(k.len())
                        .saturating_add(MEMBER_BYTES)
                })
                .fold(0, usize::saturating_add),
            _ => 0,
        }
    }

    pub fn new(kind: ValueKind, origin: Origin) -> Self {
        Value {
            kind,
            origin,
            key_origin: Origin::GENERATED,
        }
    }
    pub fn unknown(origin: Origin) -> Self {
        Value::new(ValueKind::Unknown, origin)
    }
    pub fn null(origin: Origin) -> Self {
        Value::new(ValueKind::Null, origin)
    }
    pub fn string(s: impl Into<Name>, origin: Origin) -> Self {
        Value::new(ValueKind::String(s.into()), origin)
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, ValueKind::Unknown)
    }
    /// Whether this value, or anything inside it, is unknown.
    pub fn contains_unknown(&self) -> bool {
        match &self.kind {
            ValueKind::Unknown => true,
            ValueKind::List(items) => items.iter().any(Value::contains_unknown),
            ValueKind::Object(map) => map.values().any(Value::contains_unknown),
            _ => false,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self.kind, ValueKind::Null)
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(s) => Some(s),
            _ => None,
        }
    }
    /// Booleans, and the strings `"true"`/`"false"` Terraform converts to them.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            ValueKind::Bool(b) => Some(*b),
            ValueKind::String(s) if s == "true" => Some(true),
            ValueKind::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }
    /// Numbers, and strings that hold one (Terraform converts them).
    pub fn as_f64(&self) -> Option<f64> {
        match &self.kind {
            ValueKind::Number(n) => Some(*n),
            ValueKind::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    pub fn as_list(&self) -> Option<&[Value]> {
        match &self.kind {
            ValueKind::List(items) => Some(items),
            _ => None,
        }
    }
    pub fn as_object(&self) -> Option<&IndexMap<String, Value>> {
        match &self.kind {
            ValueKind::Object(m) => Some(m),
            _ => None,
        }
    }
    /// Member `key` of an object value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }
    /// Member `key`, matched without regard to case (IAM keys are case-sensitive in AWS,
    /// but hand-written policies vary; the linter reads them leniently).
    pub fn get_ignore_case(&self, key: &str) -> Option<&Value> {
        let map = self.as_object()?;
        map.get(key).or_else(|| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
    }
    /// A string or a list of them, as a list (IAM's `"Action": "x"` or `["x", "y"]`).
    pub fn one_or_many(&self) -> Vec<&Value> {
        match &self.kind {
            ValueKind::List(items) => items.iter().collect(),
            ValueKind::Null => Vec::new(),
            _ => vec![self],
        }
    }
    /// The value as plain JSON (unknowns become null); for output and tests.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.kind {
            ValueKind::Null | ValueKind::Unknown => serde_json::Value::Null,
            ValueKind::Bool(b) => serde_json::Value::Bool(*b),
            ValueKind::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    serde_json::Value::from(*n as i64)
                } else {
                    serde_json::Number::from_f64(*n)
                        .map(serde_json::Value::Number)
                        .unwrap_or(serde_json::Value::Null)
                }
            }
            ValueKind::String(s) => serde_json::Value::String(s.to_string()),
            ValueKind::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            ValueKind::Object(map) => serde_json::Value::Object(
                map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect(),
            ),
        }
    }
    /// A value from plain JSON, every part with the same origin.
    pub fn from_json(json: &serde_json::Value, origin: Origin) -> Value {
        let kind = match json {
            serde_json::Value::Null => ValueKind::Null,
            serde_json::Value::Bool(b) => ValueKind::Bool(*b),
            serde_json::Value::Number(n) => ValueKind::Number(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => ValueKind::String(s.as_str().into()),
            serde_json::Value::Array(items) => {
                ValueKind::List(items.iter().map(|i| Value::from_json(i, origin)).collect())
            }
            serde_json::Value::Object(map) => ValueKind::Object(Arc::new(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v, origin)))
                    .collect(),
            )),
        };
        Value::new(kind, origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_weighs_its_text_and_its_elements() {
        let text = |s: &str| Value::string(s, Origin::GENERATED);
        let list = Value::new(
            ValueKind::List(thin_vec::thin_vec![text("abcd"), text("efgh")]),
            Origin::GENERATED,
        );
        let element = ELEMENT_BYTES + STRING_HEADER_BYTES + 4;
        assert_eq!(list.weight(), 2 * element);
        let mut members = IndexMap::new();
        members.insert("key".to_string(), list);
        let object = Value::new(ValueKind::object(members), Origin::GENERATED);
        assert_eq!(object.weight(), MEMBER_BYTES + 3 + 2 * element);
        assert_eq!(
            text(&"x".repeat(100_000)).weight(),
            STRING_HEADER_BYTES + 100_000
        );
        assert_eq!(text("").weight(), 0);
        assert_eq!(Value::null(Origin::GENERATED).weight(), 0);
        // An element weighs what a value takes in memory.
        assert_eq!(ELEMENT_BYTES, 32);
    }
}
