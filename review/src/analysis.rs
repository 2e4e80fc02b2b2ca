//! One loaded configuration as the review reads it: the lint engine's view of the module
//! (values as Terraform would know them before apply) and of its symbolic twin (resource
//! references kept as markers, see [`crate::symbolic`]), with small typed accessors.

use crate::lint::{Context, Setting};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use tfstack_model::eval::Scope;
use tfstack_model::{Block, Body, Expr, Origin, OriginKind, Structure, Value, ValueKind};

/// The module and its symbolic twin.
pub(crate) struct Analysis<'a, 'm> {
    /// Values as the evaluator knows them (resource attributes AWS computes are unknown).
    pub cx: &'a Context<'m>,
    /// The same module with resource references kept as markers.
    pub sym: &'a Context<'m>,
    /// Resources and data sources that exist, in source order: a block whose `count` or
    /// `for_each` is known to be empty creates nothing and is left out, as the lint
    /// engine leaves it out ([`Context::exists`]).
    pub resources: Vec<&'m Block>,
    /// The known instances of each block asked about, by the block's place in memory.
    known: RefCell<HashMap<usize, Option<Vec<Instance>>>>,
}

/// One instance of a block, to read its attributes in: the block as a whole (it has no
/// `count` or `for_each`, or not every instance is known), or one of its known instances.
/// Either holds the names in scope there — `each.key` and `each.value` or `count.index`
/// of a known instance, the iterators of the `dynamic` blocks read on the way — as the
/// evaluator knows them and over the symbolic twin, where the instance's
/// `each.value.queue` is the marker of the queue its entry names.
#[derive(Clone, Default)]
pub(crate) struct Instance {
    /// As an address writes it (`["billing"]`, `[0]`); empty for the block as a whole.
    key: String,
    scope: Scope,
    symbolic: Scope,
}

impl Instance {
    /// The instance's key as an address writes it (`["billing"]`, `[0]`); empty for the
    /// block as a whole.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether `e` reads a name bound in this instance: its value is the instance's.
    fn binds_names_of(&self, e: &Expr) -> bool {
        !self.scope.names.is_empty()
            && e.traversals()
                .iter()
                .any(|t| self.scope.names.contains_key(t.root.as_str()))
    }

    /// This instance with the iterator `name` of a `dynamic` block bound to one element:
    /// `key`, and its value as the evaluator knows it and over the symbolic twin.
    fn with_iterator(&self, name: &str, key: Value, known: Value, symbolic: Value) -> Instance {
        let bind = |scope: &Scope, value: Value| {
            let mut scope = scope.clone();
            scope.names.extend(
                crate::lint::instance_names(name, vec![("key", key.clone()), ("value", value)])
                    .names,
            );
            scope
        };
        Instance {
            key: self.key.clone(),
            scope: bind(&self.scope, known),
            symbolic: bind(&self.symbolic, symbolic),
        }
    }
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Instance").field(&self.key).finish()
    }
}

impl<'a, 'm> Analysis<'a, 'm> {
    pub fn new(cx: &'a Context<'m>, sym: &'a Context<'m>) -> Self {
        let resources = cx
            .blocks()
            .filter(|b| b.kind == "resource" || b.kind == "data")
            .collect();
        Analysis {
            cx,
            sym,
            resources,
            known: RefCell::default(),
        }
    }

    /// The block at an address, if it exists (see [`Analysis::resources`]).
    pub fn block(&self, address: &str) -> Option<&'m Block> {
        self.cx.block(address).filter(|b| self.cx.exists(b))
    }

    /// Every resource of one type, in source order.
    pub fn of_type(&self, resource_type: &str) -> &[&'m Block] {
        self.cx.resources(resource_type)
    }

    /// The evaluated attribute (`None` when unset).
    pub fn value(&self, block: &Block, name: &str) -> Option<Value> {
        self.cx.attr(block, name)
    }

    /// A known string (or number/bool printed as Terraform would).
    pub fn text(&self, block: &Block, name: &str) -> Option<String> {
        self.value(block, name)
            .and_then(|v| tfstack_model::eval::scalar_to_string(&v))
    }

    /// A known string at `path` (nested blocks, then an attribute).
    pub fn text_at(&self, block: &Block, path: &[&str]) -> Option<String> {
        let (name, nested) = path.split_last()?;
        self.text(self.nested(block, nested)?, name)
    }

    pub fn number(&self, block: &Block, name: &str) -> Option<f64> {
        self.value(block, name).and_then(|v| v.as_f64())
    }

    pub fn boolean(&self, block: &Block, name: &str) -> Option<bool> {
        self.value(block, name).and_then(|v| v.as_bool())
    }

    /// The setting at `path` (nested blocks, then an attribute: `["tracing_config",
    /// "mode"]`) as the provider applies it: not written (AWS's default applies), written
    /// but not known for the block (a variable without a value, a value that differs
    /// between instances, a `dynamic` block that may write it), or known.
    /// A setting in a `dynamic` block whose `for_each` is known to make blocks is known
    /// when its `content` writes it without the iterator (`mode = "Active"`).
    pub fn setting(&self, block: &Block, path: &[&str]) -> Setting {
        match crate::lint::setting(self.cx, block, path) {
            Setting::Unknown => self
                .dynamic_setting(block, path)
                .unwrap_or(Setting::Unknown),
            known_or_unset => known_or_unset,
        }
    }

    /// The setting at `path` read in the `content` of the `dynamic` blocks along it, when
    /// that is known.
    fn dynamic_setting(&self, block: &Block, path: &[&str]) -> Option<Setting> {
        let (name, nested) = path.split_last()?;
        if nested.is_empty() {
            return None;
        }
        let holder = self.nested(block, nested)?;
        let e = holder.body.get(name)?;
        let value = self.cx.value(e);
        match value.kind {
            ValueKind::Unknown => None,
            ValueKind::Null => Some(Setting::Unset),
            _ => Some(Setting::Known {
                value,
                origin: e.origin,
            }),
        }
    }

    /// The values of the attribute at `path` in each instance of `block`, ordered (numbers
    /// by value, others by text), when the block's instances are known and the value of
    /// each is: a setting written per instance (`timeout = each.value.timeout`), which is
    /// not known for the block as a whole.
    pub fn values_by_instance(&self, block: &Block, path: &[&str]) -> Option<Vec<Value>> {
        let (name, nested) = path.split_last()?;
        let holder = self.nested(block, nested)?;
        let e = holder.body.get(name)?;
        let instances = self.known_instances(block)?;
        let mut values = Vec::with_capacity(instances.len());
        for instance in &instances {
            let value = self.cx.eval.eval_in(e, &instance.scope, 0);
            if value.is_unknown() || matches!(value.kind, ValueKind::Null) {
                return None;
            }
            values.push(value);
        }
        values.sort_by(|x, y| match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => tfstack_model::eval::scalar_to_string(x)
                .cmp(&tfstack_model::eval::scalar_to_string(y)),
        });
        Some(values)
    }

    /// The instances to read `block` in: each of its known instances, else the block as a
    /// whole (it has no `count` or `for_each`, or not every instance is known).
    pub fn instances(&self, block: &Block) -> Vec<Instance> {
        self.known_instances(block)
            .unwrap_or_else(|| vec![Instance::default()])
    }

    /// Each instance of `block`, when there are some and every one is known: no more than
    /// the engine evaluates one by one ([`Context::instance_scopes`]), with the same keys
    /// over the symbolic twin. Evaluated once per block.
    fn known_instances(&self, block: &Block) -> Option<Vec<Instance>> {
        let place = block as *const Block as usize;
        if let Some(known) = self.known.borrow().get(&place) {
            return known.clone();
        }
        let known = self.evaluate_instances(block);
        self.known.borrow_mut().insert(place, known.clone());
        known
    }

    fn evaluate_instances(&self, block: &Block) -> Option<Vec<Instance>> {
        let count = self.cx.instances(block).keyed_count()?;
        if count == 0 || count > crate::lint::MAX_INSTANCE_SCOPES {
            return None;
        }
        let scopes = self.cx.instance_scopes(block);
        if scopes.len() != count {
            return None;
        }
        let twin = self.symbolic_block(&block.address())?;
        let symbolic = self.sym.instance_scopes(twin);
        if symbolic.len() != scopes.len() {
            return None;
        }
        scopes
            .into_iter()
            .zip(symbolic)
            .map(|((key, scope), (twin_key, symbolic))| {
                (key == twin_key).then_some(Instance {
                    key,
                    scope,
                    symbolic,
                })
            })
            .collect()
    }

    /// The value of `e` (an attribute of a block or of a block nested in it) in
    /// `instance`: evaluated there when it reads a name the instance binds, else the
    /// block's ([`Context::value`]).
    pub fn value_in(&self, e: &Expr, instance: &Instance) -> Value {
        if instance.binds_names_of(e) {
            self.cx.eval.eval_in(e, &instance.scope, 0)
        } else {
            self.cx.value(e)
        }
    }

    /// A known string of the attribute `name` of `holder` in `instance`.
    pub fn text_in(&self, holder: &Block, name: &str, instance: &Instance) -> Option<String> {
        let e = holder.body.get(name)?;
        tfstack_model::eval::scalar_to_string(&self.value_in(e, instance))
    }

    /// A known number of the attribute `name` of `holder` in `instance`.
    pub fn number_in(&self, holder: &Block, name: &str, instance: &Instance) -> Option<f64> {
        let e = holder.body.get(name)?;
        self.value_in(e, instance).as_f64()
    }

    /// The value over the symbolic twin of `e`, an attribute of `block` or of a block
    /// nested in it, in `instance`, when `e` reads a name the instance binds: what
    /// `each.value.queue` or a `dynamic` block's iterator names there, as a marker. `None`
    /// when it reads none (what it refers to is written in it: [`Analysis::references`]).
    pub fn symbolic_value_in(&self, block: &Block, e: &Expr, instance: &Instance) -> Option<Value> {
        if !instance.binds_names_of(e) {
            return None;
        }
        let twin = self.twin_of(block, e)?;
        Some(self.sym.eval.eval_in(twin, &instance.symbolic, 0))
    }

    /// The attribute `name` of `block` over the symbolic twin in `instance`
    /// ([`Analysis::symbolic_value_in`]), else the block's ([`Analysis::symbolic_value`]).
    pub fn symbolic_attribute_in(
        &self,
        block: &Block,
        name: &str,
        instance: &Instance,
    ) -> Option<Value> {
        let e = block.body.get(name)?;
        self.symbolic_value_in(block, e, instance)
            .or_else(|| self.symbolic_value(&block.address(), &[], name))
    }

    /// Resource addresses the attribute `name` of `block` refers to in `instance`, in
    /// order, once each: those its value there names when it reads what the instance
    /// binds and that value is known, else [`Analysis::attribute_references`].
    pub fn attribute_references_in(
        &self,
        block: &Block,
        name: &str,
        instance: &Instance,
    ) -> Vec<String> {
        let Some(e) = block.body.get(name) else {
            return Vec::new();
        };
        match self.symbolic_value_in(block, e, instance) {
            Some(value) if !value.is_unknown() => {
                let mut seen = BTreeSet::new();
                let mut out = Vec::new();
                walk_strings(&value, &mut |text| {
                    for marked in crate::symbolic::references_in(text) {
                        if seen.insert(marked.address.clone()) {
                            out.push(marked.address);
                        }
                    }
                });
                out
            }
            _ => self.references(e),
        }
    }

    /// The symbolic twin of `e`, an attribute of `block` or of a block nested in it.
    fn twin_of(&self, block: &Block, e: &Expr) -> Option<&'m Expr> {
        let twin = self.symbolic_block(&block.address())?;
        twin_in(&block.body, &twin.body, e)
    }

    /// The first nested block along `path` of `block` in `instance`, and the instance with
    /// the iterators of the `dynamic` blocks on the way bound to the element that makes
    /// it: a nested block written out, else the `content` of a `dynamic` block of that
    /// name whose `for_each`, evaluated in the instance over the symbolic twin, makes one.
    pub fn nested_in<'b>(
        &self,
        block: &'b Block,
        path: &[&str],
        instance: &Instance,
    ) -> Option<(&'b Block, Instance)> {
        let mut current = block;
        let mut instance = instance.clone();
        for kind in path {
            if let Some(written) = current.body.block(kind) {
                current = written;
                continue;
            }
            let (content, inner) = crate::lint::dynamics_named(self.cx, &current.body, kind)
                .find_map(|d| self.first_made(block, d, &instance))?;
            current = content;
            instance = inner;
        }
        Some((current, instance))
    }

    /// The `content` of `dynamic`, a `dynamic` block of `block`, and `instance` with its
    /// iterator bound to the first element, when its `for_each` evaluated in the instance
    /// over the symbolic twin is known to make one.
    fn first_made<'b>(
        &self,
        block: &Block,
        dynamic: &'b Block,
        instance: &Instance,
    ) -> Option<(&'b Block, Instance)> {
        let content = dynamic.body.block("content")?;
        let iterator = crate::lint::dynamic_iterator(dynamic)?;
        let for_each = dynamic.body.get("for_each")?;
        let symbolic = match self.symbolic_value_in(block, for_each, instance) {
            Some(value) => value,
            None => self.sym.value(self.twin_of(block, for_each)?),
        };
        let (key, element) = first_element(&symbolic)?;
        let known = first_element(&self.value_in(for_each, instance))
            .map(|(_, v)| v)
            .unwrap_or_else(|| Value::unknown(for_each.origin));
        Some((
            content,
            instance.with_iterator(iterator, key, known, element),
        ))
    }

    /// Whether the attribute is written at all (known or not).
    pub fn is_set(&self, block: &Block, name: &str) -> bool {
        block
            .body
            .get(name)
            .is_some_and(|e| !matches!(e.kind, tfstack_model::ExprKind::Null))
    }

    /// The first nested block along a path (`["logging_config"]`, `["rule", "expiration"]`)
    /// as Terraform generates it: a nested block written out, else the `content` of a
    /// `dynamic` block of that name whose `for_each` is known to make one.
    pub fn nested<'b>(&self, block: &'b Block, path: &[&str]) -> Option<&'b Block> {
        let mut current = block;
        for kind in path {
            current = match current.body.block(kind) {
                Some(written) => written,
                None => crate::lint::dynamics_named(self.cx, &current.body, kind)
                    .find(|d| crate::lint::dynamic_makes_blocks(self.cx, d) == Some(true))
                    .and_then(|d| d.body.block("content"))?,
            };
        }
        Some(current)
    }

    /// Whether a block may have a nested block `kind` that cannot be read: no such block is
    /// written out or known to be made, but a `dynamic` block of that name may make one
    /// (its `for_each` is not known).
    pub fn may_have_unknown(&self, block: &Block, kind: &str) -> bool {
        self.nested(block, &[kind]).is_none()
            && crate::lint::dynamics_named(self.cx, &block.body, kind)
                .any(|d| crate::lint::dynamic_makes_blocks(self.cx, d).is_none())
    }

    /// Resource addresses an expression refers to, in order of appearance, once each.
    pub fn references(&self, e: &Expr) -> Vec<String> {
        let mut seen = BTreeSet::new();
        e.traversals()
            .into_iter()
            .filter_map(|t| t.resource_address())
            .filter(|a| seen.insert(a.clone()))
            .collect()
    }

    /// Resource addresses the attribute refers to.
    pub fn attribute_references(&self, block: &Block, name: &str) -> Vec<String> {
        block
            .body
            .get(name)
            .map(|e| self.references(e))
            .unwrap_or_default()
    }

    /// Resource addresses referenced anywhere in a block (nested blocks included).
    pub fn all_references(&self, block: &Block) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        collect_references(block, &mut |a| {
            if seen.insert(a.clone()) {
                out.push(a);
            }
        });
        out
    }

    /// The symbolic twin of a block (same address).
    pub fn symbolic_block(&self, address: &str) -> Option<&'m Block> {
        self.sym.block(address)
    }

    /// The attribute evaluated over the symbolic twin: resource references become markers.
    pub fn symbolic_value(&self, address: &str, path: &[&str], name: &str) -> Option<Value> {
        let block = self.symbolic_block(address)?;
        let holder = self.nested(block, path)?;
        holder.body.get(name).map(|e| self.sym.value(e))
    }

    /// A JSON-valued attribute (`jsonencode`, heredoc, `file`, `templatefile`) of the
    /// symbolic twin, parsed.
    pub fn symbolic_document(&self, address: &str, name: &str) -> Option<Value> {
        let block = self.symbolic_block(address)?;
        let e = block.body.get(name)?;
        crate::lint::json_document_value(self.sym, e)
    }

    /// `file:line` of an origin, as a reader would look it up.
    pub fn location(&self, origin: Origin) -> Option<String> {
        match origin.kind() {
            OriginKind::File { file, span } => {
                let files = self.cx.eval.files.borrow();
                if (file.0 as usize) >= files.len() {
                    return None;
                }
                let source = files.get(file);
                let (line, _) = source.line_col(span.start);
                let path = source.path.to_string_lossy().replace('\\', "/");
                Some(format!("{path}:{line}"))
            }
            OriginKind::Rust(l) => Some(format!("{}:{}", l.file, l.line)),
            OriginKind::Generated => None,
        }
    }
}

/// The twin in `twin` (a body of the symbolic twin) of `e`, an attribute of `body` or of
/// a block nested in it: the twin has the same items in the same order.
fn twin_in<'t>(body: &Body, twin: &'t Body, e: &Expr) -> Option<&'t Expr> {
    body.items
        .iter()
        .zip(twin.items.iter())
        .find_map(|pair| match pair {
            (Structure::Attribute(a), Structure::Attribute(t)) if std::ptr::eq(&a.value, e) => {
                Some(&t.value)
            }
            (Structure::Block(b), Structure::Block(t)) => twin_in(&b.body, &t.body, e),
            _ => None,
        })
}

/// The key and value of the first element of a `dynamic` block's `for_each` (a list's
/// index, a map's key); none when it is empty or not known.
fn first_element(collection: &Value) -> Option<(Value, Value)> {
    match &collection.kind {
        ValueKind::List(items) => items.first().map(|v| {
            (
                Value::new(ValueKind::Number(0.0), collection.origin),
                v.clone(),
            )
        }),
        ValueKind::Object(map) => map
            .iter()
            .next()
            .map(|(k, v)| (Value::string(k.as_str(), collection.origin), v.clone())),
        _ => None,
    }
}

fn collect_references(block: &Block, out: &mut dyn FnMut(String)) {
    for item in &block.body.items {
        match item {
            tfstack_model::Structure::Attribute(a) => {
                for t in a.value.traversals() {
                    if let Some(address) = t.resource_address() {
                        out(address);
                    }
                }
            }
            tfstack_model::Structure::Block(b) => collect_references(b, out),
        }
    }
}

/// An object value, or the object JSON text holds (a redrive policy is written either
/// way: `jsonencode({…})` or a JSON string).
pub(crate) fn json_object(v: &Value) -> Option<Value> {
    match v.as_str() {
        Some(text) => {
            let json: serde_json::Value = serde_json::from_str(text).ok()?;
            Some(Value::from_json(&json, v.origin))
        }
        None => v.as_object().map(|_| v.clone()),
    }
}

/// `maxReceiveCount` of a redrive policy.
pub(crate) fn redrive_receives(policy: &Value) -> Option<i64> {
    json_object(policy)?
        .get_ignore_case("maxReceiveCount")
        .and_then(Value::as_f64)
        .map(|n| n as i64)
}

/// Calls `f` on every string inside a value.
pub(crate) fn walk_strings(v: &Value, f: &mut dyn FnMut(&str)) {
    match &v.kind {
        ValueKind::String(s) => f(s),
        ValueKind::List(items) => items.iter().for_each(|i| walk_strings(i, f)),
        ValueKind::Object(m) => m.values().for_each(|i| walk_strings(i, f)),
        _ => {}
    }
}

/// A value's strings (one for a string, each for a list of them).
pub(crate) fn strings(v: &Value) -> Vec<String> {
    v.one_or_many()
        .into_iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// The path of an `aws_api_gateway_resource` (`/orders/{orderId}`).
pub(crate) fn rest_path(a: &Analysis, resource: &str, depth: usize) -> String {
    let Some(b) = a.block(resource) else {
        return "/".into();
    };
    if !b.is_resource("aws_api_gateway_resource") || depth > 32 {
        return "/".into();
    }
    let part = a.text(b, "path_part").unwrap_or_else(|| "…".into());
    let parent = b
        .body
        .get("parent_id")
        .and_then(|e| a.references(e).first().cloned())
        .map(|p| rest_path(a, &p, depth + 1))
        .unwrap_or_else(|| "/".into());
    if parent == "/" {
        format!("/{part}")
    } else {
        format!("{parent}/{part}")
    }
}

/// The minimum and maximum capacity of the Application Auto Scaling target on an ECS
/// service's desired count (`scalable_dimension = "ecs:service:DesiredCount"`, its
/// `resource_id` naming the service), when there is one and both are known: autoscaling
/// keeps the number of tasks between them, whatever `desired_count` says.
pub(crate) fn service_autoscaling(a: &Analysis, service: &Block) -> Option<(f64, f64)> {
    a.cx.referenced_by(&service.address())
        .iter()
        .map(|r| r.from)
        .filter(|t| t.is_resource("aws_appautoscaling_target") && a.cx.exists(t))
        .filter(|t| a.text(t, "scalable_dimension").as_deref() == Some("ecs:service:DesiredCount"))
        .find_map(|t| Some((a.number(t, "min_capacity")?, a.number(t, "max_capacity")?)))
}

/// A number without needless decimals (`2`, `0.5`, `0.25`).
pub(crate) fn trim(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}").trim_end_matches('0').to_string()
    }
}
