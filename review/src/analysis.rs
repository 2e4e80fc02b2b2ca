//! One loaded configuration as the review reads it: the lint engine's view of the module
//! (values as Terraform would know them before apply) and of its symbolic twin (resource
//! references kept as markers, see [`crate::symbolic`]), with small typed accessors.

use crate::lint::{Context, Setting};
use std::collections::BTreeSet;
use tfstack_model::{Block, Expr, Origin, OriginKind, Value, ValueKind};

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
}

impl<'a, 'm> Analysis<'a, 'm> {
    pub fn new(cx: &'a Context<'m>, sym: &'a Context<'m>) -> Self {
        let resources = cx
            .blocks()
            .filter(|b| b.kind == "resource" || b.kind == "data")
            .collect();
        Analysis { cx, sym, resources }
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
        let instances = self.cx.instances(block).keyed_count()?;
        let scopes = self.cx.instance_scopes(block);
        // More instances than the engine evaluates one by one: not all of them are known.
        if scopes.is_empty() || scopes.len() != instances {
            return None;
        }
        let mut values = Vec::with_capacity(scopes.len());
        for (_, scope) in &scopes {
            let value = self.cx.eval.eval_in(e, scope, 0);
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
