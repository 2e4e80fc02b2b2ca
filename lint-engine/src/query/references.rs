//! What an expression refers to: the resources it names (through locals), and every
//! attribute of a body with its dotted path.

use crate::context::{Context, Reference};
use crate::query::settings::dynamic_iterator;
use std::collections::HashSet;
use tfstack_model::eval::Scope;
use tfstack_model::{
    Attribute, Block, Body, Expr, ExprKind, ForExpr, ObjectItem, Origin, Structure, Traversal,
    TraversalOperator, Value,
};

/// How deep locals that refer to locals are followed.
const MAX_LOCAL_DEPTH: usize = 8;

/// A resource an expression refers to: its address and the attribute read on it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    pub address: String,
    pub attribute: Option<String>,
}

impl Target {
    /// The resource type (`aws_sqs_queue`), for resources and data sources alike.
    pub fn resource_type(&self) -> &str {
        let a = self.address.strip_prefix("data.").unwrap_or(&self.address);
        a.split('.').next().unwrap_or("")
    }
}

/// The resources an expression refers to, following `local.x` to what the local is
/// defined by (a redrive policy or an ARN is often kept in a local).
pub fn targets_of(cx: &Context, expr: &Expr) -> Vec<Target> {
    let mut out = Vec::new();
    collect_targets(cx, expr, 0, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_targets(cx: &Context, expr: &Expr, depth: usize, out: &mut Vec<Target>) {
    for_each_traversal_through_locals(cx, expr, depth, &mut |t| {
        if let Some(address) = t.resource_address() {
            out.push(Target {
                address,
                attribute: t.resource_attribute().map(str::to_string),
            });
        }
    });
}

/// Calls `f` with every traversal of `expr` but `local.x`, and for `local.x` with those of
/// the expression the local is defined by (at most [`MAX_LOCAL_DEPTH`] locals deep).
fn for_each_traversal_through_locals(
    cx: &Context,
    expr: &Expr,
    depth: usize,
    f: &mut dyn FnMut(&Traversal),
) {
    for t in expr.traversals() {
        if t.root != "local" {
            f(t);
            continue;
        }
        if depth >= MAX_LOCAL_DEPTH {
            continue;
        }
        if let Some(local) = t
            .attribute_names()
            .next()
            .and_then(|n| cx.eval.local_expr(n))
        {
            for_each_traversal_through_locals(cx, local, depth + 1, f);
        }
    }
}

/// How many steps one [`targets_in_block`] takes through instances and locals before it
/// gives up taking entries apart (a `for_each` of a hundred thousand entries read by every
/// attribute of a block) and counts the collections whole.
const MAX_INSTANCE_STEPS: usize = 1024;

/// [`targets_of`] for an expression written in `block`, also following what `each.value`
/// stands for (the elements of the block's `for_each`) and what a `dynamic` block's
/// iterator stands for (the elements of its `for_each`): with `for_each = local.streams`,
/// `each.value.failure_arn` refers to the `failure_arn` of every entry of `local.streams`
/// written as an object. An element it cannot take apart (a function of a variable, a
/// `for` that computes its values) counts whole, so what it refers to is kept, never lost.
pub fn targets_in_block<'m>(cx: &Context<'m>, block: &'m Block, expr: &'m Expr) -> Vec<Target> {
    let mut walk = InstanceWalk {
        cx,
        for_each: block.body.get("for_each"),
        dynamics: Vec::new(),
        steps: MAX_INSTANCE_STEPS,
        out: Vec::new(),
    };
    collect_dynamics(&block.body, &mut walk.dynamics);
    walk.resolve(expr, 0);
    if walk.steps == 0 {
        // Too many entries to take apart: what the expression and every collection it may
        // read refer to, whole (more, never less, than the entries it reads).
        walk.out = targets_of(cx, expr);
        for collection in walk
            .for_each
            .into_iter()
            .chain(walk.dynamics.iter().map(|(_, e)| *e))
        {
            walk.out.extend(targets_of(cx, collection));
        }
    }
    walk.out.sort();
    walk.out.dedup();
    walk.out
}

/// The iterators of a body's `dynamic` blocks (nested ones too), each with its `for_each`.
fn collect_dynamics<'m>(body: &'m Body, out: &mut Vec<(&'m str, &'m Expr)>) {
    for b in body.blocks() {
        if b.kind == "dynamic" {
            if let (Some(name), Some(for_each)) = (dynamic_iterator(b), b.body.get("for_each")) {
                out.push((name, for_each));
            }
        }
        collect_dynamics(&b.body, out);
    }
}

/// What [`InstanceWalk::parts`] takes of a collection.
#[derive(Clone, Copy)]
enum Want<'p, 'm> {
    /// What this path reads in each element (`each.value.failure_arn`: `["failure_arn"]`).
    Values(&'p [&'m str]),
    /// The keys (`each.key`).
    Keys,
}

struct InstanceWalk<'c, 'm> {
    cx: &'c Context<'m>,
    for_each: Option<&'m Expr>,
    dynamics: Vec<(&'m str, &'m Expr)>,
    steps: usize,
    out: Vec<Target>,
}

impl<'m> InstanceWalk<'_, 'm> {
    /// Whether there is a step left (and takes it).
    fn step(&mut self) -> bool {
        self.steps = self.steps.saturating_sub(1);
        self.steps > 0
    }

    /// The resources `expr` refers to, through locals, `each.value` and iterators.
    fn resolve(&mut self, expr: &'m Expr, depth: usize) {
        expr.visit_while(&mut |e| {
            if self.steps == 0 {
                return false;
            }
            match &e.kind {
                // An index only picks an instance (`aws_sqs_queue.q[each.key]`): what is
                // referred to is the traversal it indexes.
                ExprKind::Traversal(t) => {
                    self.traversal(t, &[], depth);
                    false
                }
                // `lookup(each.value, "dlq", null)` reads `each.value.dlq`.
                ExprKind::FunctionCall(call) if call.name.as_str() == "lookup" => {
                    match (
                        call.args.first().and_then(Expr::as_traversal),
                        call.args.get(1).and_then(Expr::as_str),
                    ) {
                        (Some(t), Some(key)) => {
                            self.traversal(t, &[key], depth);
                            for default in call.args.iter().skip(2) {
                                self.resolve(default, depth);
                            }
                            false
                        }
                        _ => true,
                    }
                }
                _ => true,
            }
        });
    }

    /// The collections `each.*` or the `dynamic` blocks' iterators named `root` stand for
    /// (two dynamic blocks of a resource may name their iterators alike: both count).
    fn collections_of(&self, root: &str) -> Vec<&'m Expr> {
        match root {
            "each" => self.for_each.into_iter().collect(),
            root => self
                .dynamics
                .iter()
                .filter(|(n, _)| *n == root)
                .map(|(_, e)| *e)
                .collect(),
        }
    }

    /// The resources a traversal refers to, `extra` read after it (`lookup`'s key).
    fn traversal(&mut self, t: &'m Traversal, extra: &[&'m str], depth: usize) {
        if !self.step() {
            return;
        }
        let path = key_path(t);
        if t.root == "local" {
            if depth < MAX_LOCAL_DEPTH {
                let mut read = Vec::new();
                self.local(&path, extra, depth + 1, &mut read);
                for e in read {
                    self.resolve(e, depth + 1);
                }
            }
            return;
        }
        let collections = self.collections_of(&t.root);
        if collections.is_empty() {
            if let Some(address) = t.resource_address() {
                self.out.push(Target {
                    address,
                    attribute: t.resource_attribute().map(str::to_string),
                });
            }
            return;
        }
        if depth >= MAX_LOCAL_DEPTH {
            return;
        }
        let mut read = Vec::new();
        let inner: Vec<&'m str> = path.iter().skip(1).chain(extra).copied().collect();
        for collection in collections {
            if path.first() == Some(&"value") {
                self.parts(collection, Want::Values(&inner), depth + 1, &mut read);
            } else {
                // `each.key`: the keys, which may be made of what the entries refer to
                // (`{ for b in aws_s3_bucket.all : b.id => b }`).
                self.parts(collection, Want::Keys, depth + 1, &mut read);
            }
        }
        for e in read {
            self.resolve(e, depth + 1);
        }
    }

    /// What `want` names in `collection`: what a path reads in each of its elements, or
    /// its keys (a set's are its elements; the identifiers of an object written out name
    /// nothing); the collection itself where its parts cannot be told apart.
    fn parts(
        &mut self,
        collection: &'m Expr,
        want: Want<'_, 'm>,
        depth: usize,
        out: &mut Vec<&'m Expr>,
    ) {
        if !self.step() || depth > 2 * MAX_LOCAL_DEPTH {
            return;
        }
        match (&collection.kind, want) {
            (ExprKind::Object(items), Want::Values(path)) => {
                for item in items {
                    self.member(&item.value, path, depth, out);
                }
            }
            (ExprKind::Object(items), Want::Keys) => {
                for item in items {
                    if let tfstack_model::ObjectKey::Expr(key) = &item.key {
                        out.push(key);
                    }
                }
            }
            (ExprKind::Tuple(items), Want::Values(path)) => {
                for item in items {
                    self.member(item, path, depth, out);
                }
            }
            (ExprKind::Tuple(_), Want::Keys) => {
                self.parts(collection, Want::Values(&[]), depth, out)
            }
            (ExprKind::Parenthesis(inner), _) => self.parts(inner, want, depth + 1, out),
            (ExprKind::Conditional(c), _) => {
                self.parts(&c.true_expr, want, depth + 1, out);
                self.parts(&c.false_expr, want, depth + 1, out);
            }
            (ExprKind::FunctionCall(call), _)
                if matches!(
                    call.name.as_str(),
                    "toset" | "tomap" | "tolist" | "merge" | "concat"
                ) =>
            {
                for arg in &call.args {
                    self.parts(arg, want, depth + 1, out);
                }
            }
            // `{ for k, v in C : k => v.x if … }`: `path` of the `x` of C's elements;
            // `{ for k, v in C : v.id => … }`: the `id` of C's elements, `k =>` C's keys.
            (ExprKind::For(f), _) => {
                let written = match want {
                    Want::Values(_) => Some(&f.value),
                    Want::Keys => f.key.as_ref(),
                };
                if let (Want::Values(path), Some(call)) = (want, merged(&f.value)) {
                    // `merge(local.defaults, v)`: what `path` reads in either.
                    for arg in &call.args {
                        match plain_attributes(arg) {
                            Some((root, names)) if root == f.value_var.as_str() => {
                                let inner: Vec<&'m str> =
                                    names.into_iter().chain(path.iter().copied()).collect();
                                self.entries(f, &inner, depth + 1, out);
                            }
                            _ => self.member(arg, path, depth + 1, out),
                        }
                    }
                    return;
                }
                match (written.map(plain_attributes), want) {
                    (Some(Some((root, names))), _) if root == f.value_var.as_str() => {
                        let path: &[&'m str] = match want {
                            Want::Values(path) => path,
                            Want::Keys => &[],
                        };
                        let inner: Vec<&'m str> =
                            names.into_iter().chain(path.iter().copied()).collect();
                        self.entries(f, &inner, depth + 1, out);
                    }
                    (Some(Some((root, names))), Want::Keys)
                        if names.is_empty() && Some(root) == f.key_var.as_deref() =>
                    {
                        self.parts(&f.collection, Want::Keys, depth + 1, out)
                    }
                    // A set made by a `for` over a tuple: its elements.
                    (None, Want::Keys) => self.parts(collection, Want::Values(&[]), depth, out),
                    _ => out.push(collection),
                }
            }
            (ExprKind::Traversal(t), _) if t.root == "local" => {
                match plain_attributes(collection) {
                    Some((_, names)) => {
                        let mut collections = Vec::new();
                        self.local(&names, &[], depth + 1, &mut collections);
                        for c in collections {
                            self.parts(c, want, depth + 1, out);
                        }
                    }
                    None => out.push(collection),
                }
            }
            _ => out.push(collection),
        }
    }

    /// What `path` reads in the entries of `f`'s collection that its `if` keeps: an entry
    /// of an object written out (through locals) for which the condition is known false
    /// is left out; any other collection is read whole, as [`Self::parts`] reads it.
    fn entries(&mut self, f: &'m ForExpr, path: &[&'m str], depth: usize, out: &mut Vec<&'m Expr>) {
        let items = match &f.condition {
            Some(_) => self.written_items(&f.collection, depth),
            None => None,
        };
        let Some(items) = items else {
            self.parts(&f.collection, Want::Values(path), depth, out);
            return;
        };
        for item in items {
            if !self.step() {
                return;
            }
            if !self.dropped(f, item) {
                self.member(&item.value, path, depth, out);
            }
        }
    }

    /// The items of `collection` when it is an object written out (through locals).
    fn written_items(&mut self, collection: &'m Expr, depth: usize) -> Option<&'m [ObjectItem]> {
        if depth > 2 * MAX_LOCAL_DEPTH {
            return None;
        }
        match &collection.kind {
            ExprKind::Object(items) => Some(items),
            ExprKind::Parenthesis(inner) => self.written_items(inner, depth + 1),
            ExprKind::Traversal(t) if t.root == "local" => {
                let (_, names) = plain_attributes(collection)?;
                let mut found = Vec::new();
                self.local(&names, &[], depth + 1, &mut found);
                match found.as_slice() {
                    [one] => self.written_items(one, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether `f`'s `if` is known false for one entry of its collection.
    fn dropped(&self, f: &ForExpr, item: &'m ObjectItem) -> bool {
        let Some(condition) = &f.condition else {
            return false;
        };
        let mut scope = Scope::default();
        let value = self.cx.value(&item.value);
        if let (Some(key_var), Some(key)) = (&f.key_var, item.key.as_str()) {
            scope
                .names
                .insert(key_var.clone(), Value::string(key, value.origin));
        }
        scope.names.insert(f.value_var.clone(), value);
        self.cx.eval.eval_in(condition, &scope, 0).as_bool() == Some(false)
    }

    /// What `local.NAMES…` followed by `path` reads: `names` are the local's name and the
    /// keys read in it (`local.cfg.streams`: `cfg`, `streams`); nothing for an unknown
    /// local.
    fn local(
        &mut self,
        names: &[&'m str],
        path: &[&'m str],
        depth: usize,
        out: &mut Vec<&'m Expr>,
    ) {
        let Some((name, keys)) = names.split_first() else {
            return;
        };
        let Some(local) = self.cx.eval.local_expr(name) else {
            return;
        };
        let inner: Vec<&'m str> = keys.iter().chain(path).copied().collect();
        self.member(local, &inner, depth, out);
    }

    /// What `path` reads in `expr` (`expr` itself where it cannot be taken apart); nothing
    /// where an object written out has no such key.
    fn member(&mut self, expr: &'m Expr, path: &[&'m str], depth: usize, out: &mut Vec<&'m Expr>) {
        if !self.step() || depth > 2 * MAX_LOCAL_DEPTH {
            return;
        }
        let Some((first, rest)) = path.split_first() else {
            out.push(expr);
            return;
        };
        match &expr.kind {
            ExprKind::Object(items) if items.iter().all(|i| i.key.as_str().is_some()) => {
                if let Some(item) = items.iter().find(|i| i.key.as_str() == Some(*first)) {
                    self.member(&item.value, rest, depth, out);
                }
            }
            ExprKind::Parenthesis(inner) => self.member(inner, path, depth + 1, out),
            ExprKind::Conditional(c) => {
                self.member(&c.true_expr, path, depth + 1, out);
                self.member(&c.false_expr, path, depth + 1, out);
            }
            ExprKind::Traversal(t) if t.root == "local" => match plain_attributes(expr) {
                Some((_, names)) => self.local(&names, path, depth + 1, out),
                None => out.push(expr),
            },
            // `[each.value]` as a dynamic block's collection, read as `x.value.on_failure`:
            // the `on_failure` of the block's entries.
            ExprKind::Traversal(t) => {
                let collections = self.collections_of(&t.root);
                match plain_attributes(expr) {
                    Some((_, names))
                        if !collections.is_empty() && names.first() == Some(&"value") =>
                    {
                        let inner: Vec<&'m str> = names[1..].iter().chain(path).copied().collect();
                        for collection in collections {
                            self.parts(collection, Want::Values(&inner), depth + 1, out);
                        }
                    }
                    _ => out.push(expr),
                }
            }
            _ => out.push(expr),
        }
    }
}

/// The names a traversal reads, as attributes or literal keys (`each.value["dlq"].arn`:
/// `value`, `dlq`, `arn`), up to the first other index or splat.
fn key_path(t: &Traversal) -> Vec<&str> {
    t.operators
        .iter()
        .map_while(|o| match o {
            TraversalOperator::Attribute(a) => Some(a.as_str()),
            TraversalOperator::Index(e) => e.as_str(),
            _ => None,
        })
        .collect()
}

/// A traversal of names only (`v.failure_arn`, `local.streams`, `v["dlq"]`): its root and
/// names.
fn plain_attributes(expr: &Expr) -> Option<(&str, Vec<&str>)> {
    let t = expr.as_traversal()?;
    let names = key_path(t);
    (names.len() == t.operators.len()).then(|| (t.root.as_str(), names))
}

/// `merge(…)`, the call.
fn merged(expr: &Expr) -> Option<&tfstack_model::FunctionCall> {
    match &expr.kind {
        ExprKind::FunctionCall(call) if call.name.as_str() == "merge" => Some(call),
        _ => None,
    }
}

/// The outputs of the module call named `call` an expression reads (following `local.x`):
/// `module.dlq.arn` and `module.dlq[0].arn` read `arn`, in first-read order.
pub fn module_outputs_of(cx: &Context, expr: &Expr, call: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for_each_traversal_through_locals(cx, expr, 0, &mut |t| {
        if t.root != "module" {
            return;
        }
        let mut operators = t.operators.iter();
        if !matches!(operators.next(), Some(TraversalOperator::Attribute(n)) if n == call) {
            return;
        }
        // An instance key (`[0]`, `["a"]`, `[*]`) may come before the output's name.
        let output = match operators.next() {
            Some(TraversalOperator::Attribute(name)) => Some(name),
            Some(_) => match operators.next() {
                Some(TraversalOperator::Attribute(name)) => Some(name),
                _ => None,
            },
            None => None,
        };
        if let Some(name) = output {
            if !out.iter().any(|o| o == name.as_str()) {
                out.push(name.to_string());
            }
        }
    });
    out
}

/// [`targets_of`], and the resources of the callers a called module's input variables
/// refer to (`var.stream_arn` handed `aws_kinesis_stream.clicks.arn`): their addresses are
/// the callers', never blocks of this module, so use them for what they are (a type, an
/// attribute), not to look blocks up.
pub fn targets_through_callers(cx: &Context, expr: &Expr) -> Vec<Target> {
    let mut out = targets_of(cx, expr);
    for t in expr.traversals() {
        if t.root != "var" {
            continue;
        }
        if let Some(name) = t.attribute_names().next() {
            out.extend(caller_targets(cx, name));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What `expr` of `block` refers to in each of the block's instances, through the
/// callers: for `each.value…` of a `for_each` over an input variable
/// (`for_each = var.mappings`), the resources the caller's entry of that key refers to.
/// `None` unless the instances are known and each has such references.
pub fn instance_targets_through_callers(
    cx: &Context,
    block: &Block,
    expr: &Expr,
) -> Option<Vec<Vec<Target>>> {
    if !expr.traversals().iter().any(|t| t.root == "each") {
        return None;
    }
    let for_each = block.body.get("for_each")?;
    let inputs: Vec<&str> = for_each
        .traversals()
        .into_iter()
        .filter(|t| t.root == "var")
        .filter_map(|t| t.attribute_names().next())
        .collect();
    let crate::query::instances::Instances::Each(keys) = cx.instances(block) else {
        return None;
    };
    let per_instance: Vec<Vec<Target>> = keys
        .iter()
        .map(|(key, _)| {
            inputs
                .iter()
                .flat_map(|input| caller_targets(cx, &keyed_input(input, key)))
                .collect()
        })
        .collect();
    (!per_instance.is_empty() && per_instance.iter().all(|t| !t.is_empty())).then_some(per_instance)
}

/// The name argument references of one entry of an object argument are kept under
/// (`mappings["clicks"]`).
pub fn keyed_input(input: &str, key: &str) -> String {
    format!(
        "{input}[{}]",
        serde_json::to_string(key).unwrap_or_default()
    )
}

/// The callers' resources an input variable (or one keyed entry of it) refers to.
fn caller_targets(cx: &Context, input: &str) -> Vec<Target> {
    cx.module
        .argument_references
        .get(input)
        .into_iter()
        .flatten()
        .map(|(address, attribute)| Target {
            address: address.clone(),
            attribute: attribute.clone(),
        })
        .collect()
}

/// The resources of one type an expression refers to (through locals), as blocks.
pub fn referenced_blocks<'m>(cx: &Context<'m>, expr: &Expr, resource_type: &str) -> Vec<&'m Block> {
    blocks_of_type(cx, targets_of(cx, expr), resource_type)
}

/// [`referenced_blocks`] for an expression written in `block`: also what `each.value`
/// and a `dynamic` block's iterator stand for there ([`targets_in_block`]).
pub fn referenced_blocks_in<'m>(
    cx: &Context<'m>,
    block: &'m Block,
    expr: &'m Expr,
    resource_type: &str,
) -> Vec<&'m Block> {
    blocks_of_type(cx, targets_in_block(cx, block, expr), resource_type)
}

/// The blocks of one type among `targets` (sorted by address), each once.
fn blocks_of_type<'m>(
    cx: &Context<'m>,
    targets: Vec<Target>,
    resource_type: &str,
) -> Vec<&'m Block> {
    let mut out: Vec<&'m Block> = Vec::new();
    // Several targets can name one block (`.arn` and `.id`). `cx.block` is keyed by the
    // block's address, so the target's address is the block's: a set of them keeps each
    // block once, in first-seen order, O(1) per target.
    let mut seen: HashSet<String> = HashSet::new();
    for t in targets {
        if t.address.starts_with("data.") || t.resource_type() != resource_type {
            continue;
        }
        if let Some(b) = cx.block(&t.address) {
            if seen.insert(t.address) {
                out.push(b);
            }
        }
    }
    out
}

/// The references to the block at `address`, a reference from a `locals` block replaced by
/// the references to that local (`policy = local.send_policy`), through up to four locals:
/// what reads a data source through a local reads the data source.
pub fn referenced_through_locals<'m>(cx: &Context<'m>, address: &str) -> Vec<Reference<'m>> {
    let mut out = Vec::new();
    let mut locals: Vec<String> = Vec::new();
    for r in cx.referenced_by(address) {
        if r.from.kind == "locals" {
            locals.push(r.attribute.to_string());
        } else {
            out.push(r);
        }
    }
    if locals.is_empty() {
        return out;
    }
    let mut names: HashSet<String> = locals.into_iter().collect();
    let reads_one = |e: &Expr, names: &HashSet<String>| {
        e.traversals().iter().any(|t| {
            t.root == "local"
                && t.attribute_names()
                    .next()
                    .is_some_and(|n| names.contains(n))
        })
    };
    for _ in 0..4 {
        let before = names.len();
        for block in cx.module.config.blocks_of("locals") {
            for a in block.body.attributes() {
                if !names.contains(a.name.as_str()) && reads_one(&a.value, &names) {
                    names.insert(a.name.to_string());
                }
            }
        }
        if names.len() == before {
            break;
        }
    }
    for block in cx.blocks().filter(|b| b.kind != "locals") {
        walk_attributes(&block.body, &mut |path, e| {
            if reads_one(e, &names) {
                out.push(Reference {
                    from: block,
                    attribute: path.into(),
                });
            }
        });
    }
    out
}

/// Calls `f` with every attribute of a body and its dotted path (`dead_letter_config.arn`).
/// `dynamic "x" { content { … } }` reads as a block `x`; literal objects (nested blocks
/// in `.tf.json` and plans) are walked into.
pub fn walk_attributes<'m>(body: &'m Body, f: &mut dyn FnMut(&str, &'m Expr)) {
    // One path buffer for the whole walk (segments pushed and truncated), not a new
    // string per attribute and level.
    let mut path = String::new();
    walk_body(body, &mut path, f);
}

/// Appends `.name` (or `name` to an empty path); returns the length to truncate back to.
fn push_segment(path: &mut String, name: &str) -> usize {
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(name);
    len
}

fn walk_body<'m>(body: &'m Body, path: &mut String, f: &mut dyn FnMut(&str, &'m Expr)) {
    for item in &body.items {
        match item {
            Structure::Attribute(Attribute { name, value, .. }) => {
                let len = push_segment(path, name);
                walk_expr(value, path, f);
                path.truncate(len);
            }
            Structure::Block(b) if b.kind == "dynamic" => {
                let len = push_segment(
                    path,
                    b.labels
                        .first()
                        .map(tfstack_model::Name::as_str)
                        .unwrap_or(""),
                );
                for inner in &b.body.items {
                    match inner {
                        Structure::Block(content) if content.kind == "content" => {
                            walk_body(&content.body, path, f)
                        }
                        Structure::Block(other) => {
                            let inner_len = push_segment(path, &other.kind);
                            walk_body(&other.body, path, f);
                            path.truncate(inner_len);
                        }
                        Structure::Attribute(a) => {
                            let inner_len = push_segment(path, &a.name);
                            walk_expr(&a.value, path, f);
                            path.truncate(inner_len);
                        }
                    }
                }
                path.truncate(len);
            }
            Structure::Block(b) => {
                let len = push_segment(path, &b.kind);
                walk_body(&b.body, path, f);
                path.truncate(len);
            }
        }
    }
}

fn walk_expr<'m>(expr: &'m Expr, path: &mut String, f: &mut dyn FnMut(&str, &'m Expr)) {
    match &expr.kind {
        ExprKind::Object(items) => {
            for item in items {
                match item.key.as_str() {
                    Some(key) => {
                        let len = push_segment(path, key);
                        walk_expr(&item.value, path, f);
                        path.truncate(len);
                    }
                    None => f(path, &item.value),
                }
            }
        }
        ExprKind::Tuple(items) if items.iter().all(|i| matches!(i.kind, ExprKind::Object(_))) => {
            for item in items {
                walk_expr(item, path, f);
            }
        }
        _ => f(path, expr),
    }
}

/// The origin of a nested block (`target` of a schedule), else of the block.
pub fn nested_origin(block: &Block, kind: &str) -> Origin {
    block
        .body
        .block(kind)
        .map(|b| b.origin)
        .unwrap_or(block.origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::module_from_hcl as load;

    /// The addresses `attribute` of `block` refers to, through its instances.
    fn in_block(module: &crate::context::Module, block: &str, attribute: &str) -> Vec<String> {
        let cx = Context::new(module);
        let block = cx.block(block).expect("the block");
        let mut found = Vec::new();
        walk_attributes(&block.body, &mut |path, expr| {
            if path == attribute {
                found.extend(
                    targets_in_block(&cx, block, expr)
                        .into_iter()
                        .map(|t| t.address),
                );
            }
        });
        found
    }

    #[test]
    fn each_value_reads_the_entries_of_the_for_each_key_by_key() {
        let module = load(
            r#"
locals {
  entries = {
    a = { dlq = aws_sqs_queue.a.arn, source = aws_sqs_queue.src.arn }
    b = { dlq = null }
  }
  computed = { for k, v in local.entries : k => coalesce(v, { extra = aws_sqs_queue.x.arn }) }
  loop_a = local.loop_b
  loop_b = local.loop_a
}
resource "aws_sqs_queue" "kept" {
  for_each = { for k, v in local.entries : k => v if k != "b" }
  dynamic "rule" {
    for_each = [each.value.dlq]
    content { target = rule.value }
  }
  key = each.key
}
resource "aws_sqs_queue" "whole" {
  for_each = local.computed
  target   = each.value.dlq
}
resource "aws_sqs_queue" "by_arn" {
  for_each = { for q in [aws_sqs_queue.a, aws_sqs_queue.b] : q.arn => q }
  target   = each.key
  picked   = aws_sqs_queue.c[each.key].arn
}
resource "aws_sqs_queue" "looping" {
  for_each = local.loop_a
  target   = each.value.dlq
}
"#,
        );
        // Only the `dlq` of each entry, through a filtering `for`, a dynamic iterator.
        assert_eq!(
            in_block(&module, "aws_sqs_queue.kept", "rule.target"),
            ["aws_sqs_queue.a"]
        );
        // The identifiers of a map written out name nothing.
        assert!(in_block(&module, "aws_sqs_queue.kept", "key").is_empty());
        // An index picks an instance; keys made of the entries' references are them.
        assert_eq!(
            in_block(&module, "aws_sqs_queue.by_arn", "target"),
            ["aws_sqs_queue.a", "aws_sqs_queue.b"]
        );
        assert_eq!(
            in_block(&module, "aws_sqs_queue.by_arn", "picked"),
            ["aws_sqs_queue.c"]
        );
        // Values a `for` computes count whole: everything the entries refer to.
        assert_eq!(
            in_block(&module, "aws_sqs_queue.whole", "target"),
            ["aws_sqs_queue.a", "aws_sqs_queue.src", "aws_sqs_queue.x"]
        );
        // Locals defined by each other end.
        assert!(in_block(&module, "aws_sqs_queue.looping", "target").is_empty());
    }

    #[test]
    fn each_value_is_read_by_key_through_indexes_lookup_iterators_and_merge() {
        let module = load(
            r#"
locals {
  defaults = { dlq = null }
  entries = {
    a = { dlq = aws_sqs_queue.a.arn, queue = aws_sqs_queue.src.arn }
  }
  merged = { for k, v in local.entries : k => merge(local.defaults, v) }
}
resource "aws_sqs_queue" "indexed" {
  for_each = local.entries
  target   = each.value["dlq"]
}
resource "aws_sqs_queue" "looked_up" {
  for_each = local.entries
  target   = lookup(each.value, "dlq", aws_sqs_queue.fallback.arn)
}
resource "aws_sqs_queue" "whole_entry" {
  for_each = local.entries
  dynamic "rule" {
    for_each = [each.value]
    content { target = rule.value.dlq }
  }
}
resource "aws_sqs_queue" "merged" {
  for_each = local.merged
  target   = each.value.dlq
}
resource "aws_sqs_queue" "alike" {
  dynamic "first" {
    for_each = [aws_sqs_queue.x.arn]
    iterator = it
    content { target = it.value }
  }
  dynamic "second" {
    for_each = [aws_sqs_queue.y.arn]
    iterator = it
    content { target = it.value }
  }
}
"#,
        );
        for (block, attribute) in [
            ("aws_sqs_queue.indexed", "target"),
            ("aws_sqs_queue.whole_entry", "rule.target"),
            ("aws_sqs_queue.merged", "target"),
        ] {
            assert_eq!(
                in_block(&module, block, attribute),
                ["aws_sqs_queue.a"],
                "{block}"
            );
        }
        assert_eq!(
            in_block(&module, "aws_sqs_queue.looked_up", "target"),
            ["aws_sqs_queue.a", "aws_sqs_queue.fallback"]
        );
        // Two iterators named alike: either collection may be the one read.
        assert_eq!(
            in_block(&module, "aws_sqs_queue.alike", "first.target"),
            ["aws_sqs_queue.x", "aws_sqs_queue.y"]
        );
    }

    #[test]
    fn entries_an_if_leaves_out_are_not_read() {
        let module = load(
            r#"
locals {
  queues = {
    ingest  = { enabled = true, failures = aws_sqs_queue.ingest_failures.arn }
    scratch = { enabled = false, failures = aws_sqs_queue.spare.arn }
    unknown = { enabled = var.flag, failures = aws_sqs_queue.maybe.arn }
  }
}
variable "flag" {
  type = bool
}
resource "aws_sqs_queue" "kept" {
  for_each = { for k, v in local.queues : k => v if v.enabled }
  target   = each.value.failures
}
resource "aws_sqs_queue" "by_key" {
  for_each = { for k, v in local.queues : k => v if k != "ingest" }
  target   = each.value.failures
}
"#,
        );
        // Left out where the condition is known false; kept where it is unknown.
        assert_eq!(
            in_block(&module, "aws_sqs_queue.kept", "target"),
            ["aws_sqs_queue.ingest_failures", "aws_sqs_queue.maybe"]
        );
        assert_eq!(
            in_block(&module, "aws_sqs_queue.by_key", "target"),
            ["aws_sqs_queue.maybe", "aws_sqs_queue.spare"]
        );
    }

    #[test]
    fn entries_too_many_to_take_apart_count_whole() {
        // Past the step budget nothing is lost: the collection counts whole, as it did
        // before entries were taken apart.
        let entries: String = (0..2 * MAX_INSTANCE_STEPS)
            .map(|i| format!("    b{i} = {{ bucket = \"external-{i}\" }}\n"))
            .collect();
        let module = load(&format!(
            r#"
locals {{
  buckets = {{
{entries}    special = {{ bucket = aws_s3_bucket.special.id }}
  }}
}}
resource "aws_s3_bucket_versioning" "v" {{
  for_each = local.buckets
  bucket   = each.value.bucket
}}
"#
        ));
        assert_eq!(
            in_block(&module, "aws_s3_bucket_versioning.v", "bucket"),
            ["aws_s3_bucket.special"]
        );
    }

    #[test]
    fn referenced_blocks_keeps_each_block_once_in_target_order() {
        let module = load(
            r#"
locals {
  jobs = aws_sqs_queue.jobs.arn
}
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
resource "aws_sqs_queue" "audit" {
  name = "audit"
}
resource "aws_sns_topic" "jobs" {
  name = "jobs"
}
resource "aws_sqs_queue" "mixed" {
  name = "mixed"
  policy = jsonencode({
    Resource = [
      aws_sqs_queue.jobs.arn,
      aws_sqs_queue.jobs.id,
      local.jobs,
      aws_sns_topic.jobs.arn,
      aws_sqs_queue.audit.url,
      aws_sqs_queue.audit.arn,
      aws_sqs_queue.missing.arn,
      data.aws_sqs_queue.external.arn,
    ]
  })
}
"#,
        );
        let cx = Context::new(&module);
        let mixed = cx
            .block("aws_sqs_queue.mixed")
            .expect("the queue with a policy");
        let policy = mixed.body.get("policy").expect("policy");
        let found: Vec<String> = referenced_blocks(&cx, policy, "aws_sqs_queue")
            .iter()
            .map(|b| b.address())
            .collect();
        // Sorted by address (as `targets_of` gives them), each block once.
        assert_eq!(found, ["aws_sqs_queue.audit", "aws_sqs_queue.jobs"]);
        let topics: Vec<String> = referenced_blocks(&cx, policy, "aws_sns_topic")
            .iter()
            .map(|b| b.address())
            .collect();
        assert_eq!(topics, ["aws_sns_topic.jobs"]);
    }
}
