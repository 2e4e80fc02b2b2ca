//! How many instances a block has, as Terraform counts them: `count = 0` or an empty
//! `for_each` creates nothing (the block exists nowhere); a known `count` or `for_each`
//! gives the instance keys a module call's instances are addressed by. A `count` or
//! `for_each` that cannot be evaluated keeps the block possibly present.

use crate::eval::Evaluator;
use crate::ir::Block;
use crate::value::{Value, ValueKind};

/// The instances of a resource, data source or module call.
#[derive(Clone, Debug)]
pub enum Instances {
    /// Neither `count` nor `for_each`: one instance, addressed without a key.
    Single,
    /// A known `count`: instances `[0]` to `[n - 1]`.
    Count(usize),
    /// A known `for_each`: one instance per key (in Terraform's order: sorted), with
    /// `each.value`.
    Each(Vec<(String, Value)>),
    /// `count` or `for_each` not known before apply: possibly present.
    Unknown,
}

impl Instances {
    /// Whether the block is known to have no instance at all.
    pub fn is_empty(&self) -> bool {
        self.keyed_count() == Some(0)
    }

    /// Each instance's key as an address writes it (`[0]`, `["a"]`), in order; none without
    /// `count` or `for_each`, or when they are not known.
    pub fn address_keys(&self) -> Vec<String> {
        match self {
            Instances::Count(n) => (0..*n).map(address_key_of_index).collect(),
            Instances::Each(keys) => keys.iter().map(|(key, _)| address_key(key)).collect(),
            Instances::Single | Instances::Unknown => Vec::new(),
        }
    }

    /// How many instances a known `count` or `for_each` makes; `None` without either, or
    /// when it is not known.
    pub fn keyed_count(&self) -> Option<usize> {
        match self {
            Instances::Count(n) => Some(*n),
            Instances::Each(keys) => Some(keys.len()),
            Instances::Single | Instances::Unknown => None,
        }
    }
}

/// A `count` instance's key as an address writes it: `[0]`.
pub fn address_key_of_index(index: usize) -> String {
    format!("[{index}]")
}

/// A `for_each` instance's key as an address writes it: `["a"]` (quoted as HCL and JSON
/// quote a string).
pub fn address_key(key: &str) -> String {
    format!("[{}]", serde_json::Value::String(key.to_string()))
}

/// The instances of a block, evaluated in its module.
pub fn instances_of(eval: &Evaluator, block: &Block) -> Instances {
    let count = block.body.get("count");
    let for_each = block.body.get("for_each");
    match (count, for_each) {
        (None, None) => Instances::Single,
        (Some(count), None) => match eval.eval(count).as_f64() {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= usize::MAX as f64 => {
                Instances::Count(n as usize)
            }
            _ => Instances::Unknown,
        },
        (None, Some(each)) => for_each_keys(eval.eval(each)),
        // Terraform rejects both at once.
        (Some(_), Some(_)) => Instances::Unknown,
    }
}

/// The keys of a known `for_each` value: a map's keys, or a set of strings (each key is
/// also its value). Anything else (null, a list of non-strings, an unknown key) is an
/// error Terraform reports, or not known: unknown here.
fn for_each_keys(value: Value) -> Instances {
    let mut keys: Vec<(String, Value)> = match value.kind {
        ValueKind::Object(map) => std::sync::Arc::unwrap_or_clone(map).into_iter().collect(),
        ValueKind::List(items) => {
            let mut keys = Vec::with_capacity(items.len());
            for item in items {
                match item.as_str() {
                    Some(key) => keys.push((key.to_string(), item)),
                    None => return Instances::Unknown,
                }
            }
            keys
        }
        _ => return Instances::Unknown,
    };
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    keys.dedup_by(|a, b| a.0 == b.0);
    Instances::Each(keys)
}
