//! The attributes of blocks with a known number of instances that read `count.index` or
//! `each.*`: evaluated in every instance, a value the instances agree on is known; one
//! they disagree on is unknown for the block as a whole, and the block is then judged
//! one instance at a time ([`InstanceGroup`]).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use tfstack_model::eval::Scope;
use tfstack_model::instances::{address_key, address_key_of_index, Instances};
use tfstack_model::value::ELEMENT_BYTES;
use tfstack_model::{Block, Expr, Origin, Value};

/// The attribute values of blocks with a known number of instances (at most
/// [`MAX_INSTANCE_SCOPES`]) that read `count.index` or `each.*`, by address, and the
/// instances they are evaluated in. Empty for a module without such blocks: then a value
/// costs one emptiness check more.
#[derive(Default)]
pub(super) struct PerInstance {
    values: HashMap<*const Expr, usize>,
    blocks: Vec<InstancedBlock>,
    /// The position in `blocks` of each block (by address in memory).
    positions: HashMap<*const Block, usize>,
    /// The values already evaluated, while they weigh at most [`MAX_KEPT_BYTES`] together.
    values_seen: RefCell<HashMap<*const Expr, Value>>,
    kept_bytes: Cell<usize>,
    /// The blocks (positions in `blocks`) whose instances disagreed on a value a rule
    /// asked for.
    varied: RefCell<BTreeSet<usize>>,
    /// While the rules judge single instances: the instance each pinned block is
    /// evaluated in, by position in `blocks`.
    pinned: RefCell<HashMap<usize, usize>>,
}

/// One block with instanced attributes: its address, and each instance's key (`[0]`,
/// `["a"]`) and names in scope.
struct InstancedBlock {
    address: String,
    keys: Vec<String>,
    scopes: Vec<Scope>,
}

/// Blocks judged one instance at a time, together: the blocks whose instances disagreed
/// on a value and that have the same instance keys (resources made from one `for_each`
/// map, or one `count`), instance `k` of each at once. Instances of blocks with other
/// keys are never paired.
#[derive(Debug)]
pub struct InstanceGroup {
    members: Vec<usize>,
    /// The members' addresses (`aws_s3_bucket.logs`), in source order.
    pub addresses: Vec<String>,
    /// The instances' keys, as an address writes them (`[0]`, `["a"]`).
    pub keys: Vec<String>,
}

/// The most work judging blocks one instance at a time may take in a root module,
/// counted as passes of the rules times the module's top-level blocks (each pass runs
/// every rule over the module): a module of 100 blocks has its instances judged in up to
/// 2,000 passes, one of 10,000 blocks in 20. The instances a module's calls make share
/// what their caller may take evenly ([`Module::instance_work`](super::Module)), so a
/// tree of module instances takes at most this much per level of nesting. Past it, the
/// remaining blocks are judged once for all their instances, and a notice says so.
pub const MAX_INSTANCE_WORK: usize = 200_000;

/// The most passes of the rules judging blocks one instance at a time may take in one
/// module however small it is (four groups of 64 instances): what a module of a few
/// blocks can cost stays a small multiple of judging it once.
pub const MAX_INSTANCE_PASSES: usize = 256;

/// The most the values kept by [`PerInstance`] weigh together ([`Value::weight`], each
/// also one element of the cache), as the evaluator bounds the locals it caches: past it,
/// a value is evaluated again when asked again.
const MAX_KEPT_BYTES: usize = 16 * 1024 * 1024;

/// What it is a value of, asked in a context.
pub(super) enum Instanced<'a> {
    /// An attribute no instance changes.
    Once,
    /// An attribute of a block judged in one instance: the names in scope in it.
    Pinned(&'a Scope),
    /// An attribute evaluated in every instance (`index` of the block).
    Every(usize, &'a [Scope]),
}

impl PerInstance {
    pub(super) fn add(&mut self, block: &Block, instances: Instances) {
        if instances
            .keyed_count()
            .is_none_or(|n| n > MAX_INSTANCE_SCOPES)
        {
            return;
        }
        let index = self.blocks.len();
        let before = self.values.len();
        collect_instanced(&block.body, index, true, &mut self.values);
        if self.values.len() > before {
            let (keys, scopes) = keyed_instance_scopes(instances, MAX_INSTANCE_SCOPES)
                .into_iter()
                .unzip();
            self.positions.insert(block as *const Block, index);
            self.blocks.push(InstancedBlock {
                address: block.address(),
                keys,
                scopes,
            });
        }
    }

    /// How `e` is evaluated.
    pub(super) fn of(&self, e: &Expr) -> Instanced<'_> {
        if self.values.is_empty() {
            return Instanced::Once;
        }
        let Some(&index) = self.values.get(&(e as *const Expr)) else {
            return Instanced::Once;
        };
        let block = &self.blocks[index];
        match self.pinned.borrow().get(&index) {
            Some(&k) => Instanced::Pinned(&block.scopes[k]),
            None => Instanced::Every(index, &block.scopes),
        }
    }

    /// The instance `block` is judged in, while it is judged one instance at a time: its
    /// key and the names in scope in it.
    pub(super) fn pinned_instance(&self, block: &Block) -> Option<(&str, &Scope)> {
        let index = *self.positions.get(&(block as *const Block))?;
        let k = *self.pinned.borrow().get(&index)?;
        let block = &self.blocks[index];
        Some((block.keys[k].as_str(), &block.scopes[k]))
    }

    /// The value of `e` already evaluated in every instance.
    pub(super) fn seen(&self, e: &Expr) -> Option<Value> {
        self.values_seen.borrow().get(&(e as *const Expr)).cloned()
    }

    /// Keeps `value` for the next question, if it fits what may be kept.
    pub(super) fn keep(&self, key: *const Expr, value: &Value) {
        let kept = self.kept_bytes.get() + value.weight() + ELEMENT_BYTES;
        if kept <= MAX_KEPT_BYTES {
            self.kept_bytes.set(kept);
            self.values_seen.borrow_mut().insert(key, value.clone());
        }
    }

    /// Records that the instances of block `index` disagreed on a value.
    pub(super) fn varied(&self, index: usize) {
        self.varied.borrow_mut().insert(index);
    }

    /// The blocks whose instances disagreed on a value asked so far, grouped by their
    /// instance keys, in source order of each group's first block.
    pub(super) fn groups(&self) -> Vec<InstanceGroup> {
        let mut groups: Vec<InstanceGroup> = Vec::new();
        for &index in self.varied.borrow().iter() {
            let block = &self.blocks[index];
            match groups.iter_mut().find(|g| g.keys == block.keys) {
                Some(group) => {
                    group.members.push(index);
                    group.addresses.push(block.address.clone());
                }
                None => groups.push(InstanceGroup {
                    members: vec![index],
                    addresses: vec![block.address.clone()],
                    keys: block.keys.clone(),
                }),
            }
        }
        groups
    }

    /// Evaluates the group's blocks in their instance `k` from now on; `None` evaluates
    /// every block in all its instances again.
    pub(super) fn pin(&self, instance: Option<(&InstanceGroup, usize)>) {
        let mut pinned = self.pinned.borrow_mut();
        pinned.clear();
        if let Some((group, k)) = instance {
            pinned.extend(group.members.iter().map(|&m| (m, k)));
        }
    }
}

/// Records under `index` every attribute value in `body` (nested blocks included) that
/// reads `count.index` or `each.*`; `top` for the block's own body.
fn collect_instanced(
    body: &tfstack_model::Body,
    index: usize,
    top: bool,
    out: &mut HashMap<*const Expr, usize>,
) {
    for item in &body.items {
        match item {
            tfstack_model::Structure::Attribute(a) => {
                // The block's own `count` and `for_each` are evaluated outside any
                // instance (a `dynamic` block's `for_each` is inside one).
                if top && (a.name == "count" || a.name == "for_each") {
                    continue;
                }
                if a.value.reads_instance() {
                    out.insert(&a.value as *const Expr, index);
                }
            }
            tfstack_model::Structure::Block(b) => collect_instanced(&b.body, index, false, out),
        }
    }
}

/// The most instances of one block evaluated one by one.
pub const MAX_INSTANCE_SCOPES: usize = 64;

/// The first `limit` instances of a block with a known number of them: each one's key in
/// an address, as Terraform writes it (`[0]`, `["a"]`), and the names in scope in it
/// (`count.index`, or `each.key` and `each.value`). None for a single or unknown instance.
pub fn keyed_instance_scopes(instances: Instances, limit: usize) -> Vec<(String, Scope)> {
    match instances {
        Instances::Count(n) => (0..n.min(limit))
            .map(|i| {
                let index = Value::new(
                    tfstack_model::ValueKind::Number(i as f64),
                    Origin::GENERATED,
                );
                (
                    address_key_of_index(i),
                    instance_names("count", vec![("index", index)]),
                )
            })
            .collect(),
        Instances::Each(keys) => keys
            .into_iter()
            .take(limit)
            .map(|(key, value)| {
                let address = address_key(&key);
                let key = Value::string(key, Origin::GENERATED);
                (
                    address,
                    instance_names("each", vec![("key", key), ("value", value)]),
                )
            })
            .collect(),
        Instances::Single | Instances::Unknown => Vec::new(),
    }
}

/// A scope holding one object `name` with these members (`count` with `index`, `each`
/// with `key` and `value`, a `dynamic` block's iterator with `key` and `value`).
pub fn instance_names(name: &str, members: Vec<(&str, Value)>) -> Scope {
    let object = members
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let mut scope = Scope::default();
    scope.names.insert(
        name.to_string(),
        Value::new(tfstack_model::ValueKind::object(object), Origin::GENERATED),
    );
    scope
}

#[cfg(test)]
mod tests {
    use super::{PerInstance, MAX_KEPT_BYTES};
    use tfstack_model::{Expr, Origin, Value};

    #[test]
    fn the_values_kept_for_instances_stay_within_their_budget() {
        // A hostile module can make every instanced value a megabyte: what is kept for
        // the next question stops at the budget; the rest is evaluated again.
        let per_instance = PerInstance::default();
        let megabyte = Value::string("x".repeat(1024 * 1024), Origin::GENERATED);
        let exprs: Vec<Expr> = (0..40).map(Expr::int).collect();
        for e in &exprs {
            per_instance.keep(e, &megabyte);
        }
        assert!(per_instance.kept_bytes.get() <= MAX_KEPT_BYTES);
        assert_eq!(per_instance.values_seen.borrow().len(), 15);
    }
}
