//! IAM policy documents of a module, wherever they are written: `jsonencode({...})`,
//! heredoc JSON, `file()`/`templatefile()` of a JSON file, `aws_iam_policy_document` data
//! sources (with `dynamic "statement"`), and standalone JSON files. Every value keeps the
//! origin of the text that wrote it, so findings point at the exact element.

use crate::context::Context;
use crate::query::settings::dynamic_iterator;
use indexmap::IndexMap;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use tfstack_model::eval::{render_template_text, scalar_to_string, Scope};
use tfstack_model::ir::ThinVec;
use tfstack_model::{Block, Expr, ExprKind, Origin, RustLocation, Value, ValueKind};

/// What a policy controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to a role, user or group: what it may do.
    Identity,
    /// Attached to a resource (bucket, queue, topic, key, …): who may use it.
    Resource,
    /// A role's trust policy: who may assume it.
    Trust,
}

/// One policy document and where it belongs.
#[derive(Clone, Debug)]
pub struct PolicyDoc {
    pub kind: PolicyKind,
    /// The block the document is written in (`None` for a standalone JSON file).
    pub resource: Option<String>,
    /// The attribute that holds it (`policy`, `assume_role_policy`), if any.
    pub attribute: Option<&'static str>,
    /// Where the owner is (fallback for findings without a finer origin).
    pub origin: Origin,
    pub statements: Vec<StatementView>,
}

/// One statement, its fields read leniently (case-insensitive keys, one-or-many values).
/// Held for every statement of every policy of a module while it is linted: the parts
/// most statements lack are boxed, lists are one pointer.
#[derive(Clone, Debug)]
pub struct StatementView {
    pub index: usize,
    /// The statement's `Sid`, when it has one.
    pub sid: Option<Box<Value>>,
    pub effect: Option<Box<str>>,
    pub actions: ThinVec<Value>,
    /// `Some` when the statement has `NotAction` (even an empty one).
    pub not_actions: Option<ThinVec<Value>>,
    pub resources: ThinVec<Value>,
    pub not_resources: Option<ThinVec<Value>>,
    pub principal: Option<Box<Value>>,
    pub condition: Option<Box<Value>>,
    pub origin: Origin,
    /// Origin of the `NotAction` key, when present.
    pub not_action_origin: Origin,
}

impl PolicyDoc {
    /// What [`Policies::of`] finds the document by: its block's address and attribute.
    fn owner(&self) -> (Option<&str>, Option<&'static str>) {
        (self.resource.as_deref(), self.attribute)
    }
}

impl StatementView {
    pub fn is_allow(&self) -> bool {
        // A statement whose effect is unknown is not judged.
        self.effect.as_deref() == Some("Allow")
    }
    /// `Statement[i]`
    pub fn path(&self) -> String {
        format!("Statement[{}]", self.index)
    }
    /// Whether the statement has a condition block with at least one key.
    pub fn has_condition(&self) -> bool {
        self.condition
            .as_deref()
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty())
    }
}

/// Identity-policy attributes: (resource type, attribute).
const IDENTITY_POLICIES: &[(&str, &str)] = &[
    ("aws_iam_policy", "policy"),
    ("aws_iam_role_policy", "policy"),
    ("aws_iam_user_policy", "policy"),
    ("aws_iam_group_policy", "policy"),
];

/// Resource-policy attributes.
pub const RESOURCE_POLICIES: &[(&str, &str)] = &[
    ("aws_s3_bucket_policy", "policy"),
    ("aws_s3_bucket", "policy"),
    ("aws_sqs_queue_policy", "policy"),
    ("aws_sqs_queue", "policy"),
    ("aws_sns_topic_policy", "policy"),
    ("aws_sns_topic", "policy"),
    ("aws_secretsmanager_secret_policy", "policy"),
    ("aws_secretsmanager_secret", "policy"),
    ("aws_kms_key", "policy"),
    ("aws_kms_key_policy", "policy"),
    ("aws_ecr_repository_policy", "policy"),
    ("aws_cloudwatch_event_bus_policy", "policy"),
    ("aws_api_gateway_rest_api_policy", "policy"),
    ("aws_api_gateway_rest_api", "policy"),
    ("aws_efs_file_system_policy", "policy"),
    ("aws_opensearch_domain_policy", "access_policies"),
    ("aws_elasticsearch_domain_policy", "access_policies"),
    ("aws_glacier_vault", "access_policy"),
];

/// Every IAM policy document of a module (identity, resource and trust policies,
/// `aws_iam_policy_document` data sources and standalone JSON files), in the order they
/// are written, and an index of them by owner.
#[derive(Debug)]
pub struct Policies {
    docs: Vec<PolicyDoc>,
    /// Positions in `docs` of the documents with an owner, by (resource address,
    /// attribute) and then position.
    by_owner: Vec<u32>,
}

impl Policies {
    /// Every document.
    pub fn iter(&self) -> std::slice::Iter<'_, PolicyDoc> {
        self.docs.iter()
    }

    /// The documents written in `resource`'s `attribute` (`None`: the document of an
    /// `aws_iam_policy_document` data source at that address), in order. A binary search.
    pub fn of(&self, resource: &str, attribute: Option<&str>) -> Vec<&PolicyDoc> {
        let key = (Some(resource), attribute);
        let owner = |i: &u32| self.docs[*i as usize].owner();
        let from = self.by_owner.partition_point(|i| owner(i) < key);
        self.by_owner[from..]
            .iter()
            .take_while(|i| owner(i) == key)
            .map(|&i| &self.docs[i as usize])
            .collect()
    }
}

/// The key of the module's policy documents in the context's cache.
#[derive(PartialEq, Eq, Hash)]
struct PoliciesKey;

/// The module's policy documents, extracted once per module.
pub fn policies(cx: &Context) -> Rc<Policies> {
    cx.memoized(PoliciesKey, || {
        let mut docs = extract(cx);
        docs.shrink_to_fit();
        // Positions past u32 are not indexed: four billion documents are not read.
        let mut by_owner: Vec<u32> = (0..docs.len())
            .filter(|&i| docs[i].resource.is_some())
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        // Stable: the documents of one owner stay in the order they are written.
        by_owner.sort_by_key(|i| docs[*i as usize].owner());
        Policies { docs, by_owner }
    })
}

fn extract(cx: &Context) -> Vec<PolicyDoc> {
    let mut out = Vec::new();
    let mut push = |kind, block: &Block, attribute: &'static str, expr: &Expr| {
        if is_policy_document_reference(expr) {
            return; // reported on the data source itself
        }
        if let Some(doc) = document_value(cx, expr) {
            out.push(PolicyDoc {
                kind,
                resource: Some(block.address()),
                attribute: Some(attribute),
                origin: cx.origin_of(block, attribute),
                statements: statements(&doc),
            });
        }
    };
    for (t, a) in IDENTITY_POLICIES {
        for b in cx.resources(t) {
            if let Some(e) = b.body.get(a) {
                push(PolicyKind::Identity, b, a, e);
            }
        }
    }
    for b in cx.resources("aws_iam_role") {
        if let Some(e) = b.body.get("assume_role_policy") {
            push(PolicyKind::Trust, b, "assume_role_policy", e);
        }
        for inline in b.body.blocks_of("inline_policy") {
            if let Some(e) = inline.body.get("policy") {
                push(PolicyKind::Identity, b, "inline_policy.policy", e);
            }
        }
    }
    for (t, a) in RESOURCE_POLICIES {
        for b in cx.resources(t) {
            if let Some(e) = b.body.get(a) {
                push(PolicyKind::Resource, b, a, e);
            }
        }
    }
    for d in cx.data_sources("aws_iam_policy_document") {
        let kind = data_document_kind(cx, d);
        let doc = policy_document_data_value(cx, d);
        out.push(PolicyDoc {
            kind,
            resource: Some(d.address()),
            attribute: None,
            origin: d.origin,
            statements: statements(&doc),
        });
    }
    for (file, value) in &cx.module.standalone_policies {
        let statements = statements(value);
        let kind = if statements.iter().any(|s| s.principal.is_some()) {
            PolicyKind::Resource
        } else {
            PolicyKind::Identity
        };
        out.push(PolicyDoc {
            kind,
            resource: None,
            attribute: None,
            origin: Origin::file(*file, tfstack_model::Span::default()),
            statements,
        });
    }
    out
}

fn is_policy_document_reference(e: &Expr) -> bool {
    e.as_traversal().is_some_and(|t| {
        t.root == "data" && t.attribute_names().next() == Some("aws_iam_policy_document")
    })
}

/// How a policy document data source is used: trust when a role's
/// `assume_role_policy` reads it, resource when a resource policy does.
fn data_document_kind(cx: &Context, d: &Block) -> PolicyKind {
    let mut kind = PolicyKind::Identity;
    for r in cx.referenced_by(&d.address()) {
        if r.from.is_resource("aws_iam_role") && r.attribute == "assume_role_policy" {
            return PolicyKind::Trust;
        }
        if RESOURCE_POLICIES
            .iter()
            .any(|(t, a)| r.from.is_resource(t) && r.attribute == *a)
        {
            kind = PolicyKind::Resource;
        }
    }
    kind
}

/// The statements of a document value (`Statement` as a list or a single object).
pub fn statements(doc: &Value) -> Vec<StatementView> {
    let Some(st) = doc.get_ignore_case("Statement") else {
        return Vec::new();
    };
    let mut views: Vec<StatementView> = st
        .one_or_many()
        .into_iter()
        .enumerate()
        .filter_map(|(index, s)| {
            s.as_object()?;
            let list = |k: &str| {
                s.get_ignore_case(k)
                    .map(|v| v.one_or_many().into_iter().cloned().collect::<ThinVec<_>>())
            };
            Some(StatementView {
                index,
                sid: s.get_ignore_case("Sid").cloned().map(Box::new),
                effect: s
                    .get_ignore_case("Effect")
                    .and_then(Value::as_str)
                    .map(Box::from),
                actions: list("Action").unwrap_or_default(),
                not_actions: list("NotAction"),
                resources: list("Resource").unwrap_or_default(),
                not_resources: list("NotResource"),
                principal: s.get_ignore_case("Principal").cloned().map(Box::new),
                condition: s.get_ignore_case("Condition").cloned().map(Box::new),
                origin: s.origin,
                not_action_origin: s
                    .get_ignore_case("NotAction")
                    .map(|v| v.key_origin.or(v.origin))
                    .unwrap_or(s.origin),
            })
        })
        .collect();
    // Held for the whole lint of the module: no spare capacity (a vector collected from a
    // filtered iterator starts at four elements).
    views.shrink_to_fit();
    views
}

/// The document an attribute expression produces, with origins where it is written.
pub fn document_value(cx: &Context, e: &Expr) -> Option<Value> {
    document_value_depth(cx, e, 0, JsonShape::Object)
}

/// The JSON value (object or array) any JSON-valued attribute produces
/// (`container_definitions`, `definition`, …), read the same ways as a policy document:
/// `jsonencode`, heredoc JSON, `file()`/`templatefile()`, locals, strings; with origins
/// where each part is written.
pub fn json_document_value(cx: &Context, e: &Expr) -> Option<Value> {
    document_value_depth(cx, e, 0, JsonShape::Any)
}

/// Which JSON values a string may hold to count as a document.
#[derive(Clone, Copy, PartialEq, Eq)]
enum JsonShape {
    /// Objects only (policy documents).
    Object,
    /// Objects and arrays.
    Any,
}

fn document_value_depth(cx: &Context, e: &Expr, depth: usize, shape: JsonShape) -> Option<Value> {
    if depth > 16 {
        return None;
    }
    match &e.kind {
        ExprKind::FunctionCall(c) if c.name == "jsonencode" => c.args.first().map(|a| cx.value(a)),
        ExprKind::FunctionCall(c) if c.name == "file" || c.name == "templatefile" => {
            let path = cx.value(c.args.first()?);
            let path = path.as_str()?;
            let Some((file, text)) = cx.eval.read_file(path, e.origin) else {
                if cx.eval.file_is_missing(path) {
                    // Terraform fails at this call until the file exists; lint would
                    // otherwise say nothing about a document it never saw.
                    cx.note(
                        e.origin,
                        format!(
                            "`{}` does not exist: the document it should hold is not judged",
                            tfstack_model::error::display_path(&cx.eval.resolve_path(path))
                        ),
                        "Terraform fails at this call until the file exists: add it, or fix \
                         the path (relative paths are resolved against the root module's \
                         directory)",
                    );
                }
                return None;
            };
            let vars = c.args.get(1).map(|a| cx.value(a));
            let value = match tfstack_model::load::json::parse(&text, file, 0) {
                Ok(v) => {
                    if c.name == "templatefile" {
                        let vars = vars.unwrap_or(Value::unknown(e.origin));
                        let scope = Scope {
                            names: vars
                                .as_object()
                                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                                .unwrap_or_default(),
                        };
                        resolve_interpolations(cx, v, &scope)
                    } else {
                        v
                    }
                }
                Err(_) => {
                    // Not JSON before rendering (directives): render, then parse without spans.
                    let rendered = if c.name == "templatefile" {
                        render_template_text(&text, &vars?)?
                    } else {
                        text
                    };
                    let json: serde_json::Value = serde_json::from_str(&rendered).ok()?;
                    Value::from_json(&json, e.origin)
                }
            };
            let path = cx.eval.resolve_path(path);
            Some(apply_source_map(cx, &path, value))
        }
        ExprKind::Template(t) if t.heredoc.is_some() => heredoc_value(cx, e, shape),
        ExprKind::Traversal(tr) if tr.root == "local" => {
            let name = tr.attribute_names().next()?;
            if tr.operators.len() == 1 {
                if let Some(inner) = cx.eval.local_expr(name) {
                    return document_value_depth(cx, inner, depth + 1, shape);
                }
            }
            string_document(cx.value(e), shape)
        }
        _ => string_document(cx.value(e), shape),
    }
}

/// A value that holds JSON text, parsed (every part takes the value's origin); objects
/// (and, for `JsonShape::Any`, lists) are documents already.
fn string_document(v: Value, shape: JsonShape) -> Option<Value> {
    match &v.kind {
        ValueKind::String(s) => {
            let json: serde_json::Value = serde_json::from_str(s).ok()?;
            Some(Value::from_json(&json, v.origin))
        }
        ValueKind::Object(_) => Some(v),
        ValueKind::List(_) if shape == JsonShape::Any => Some(v),
        _ => None,
    }
}

/// Heredoc JSON: parsed from the file text itself so spans are exact; interpolations
/// inside JSON strings are evaluated.
fn heredoc_value(cx: &Context, e: &Expr, shape: JsonShape) -> Option<Value> {
    if let Some((file, span)) = e.origin.file_span() {
        let files = cx.eval.files.borrow();
        let src = files.get(file).clone();
        drop(files);
        let raw = src.text_at(span)?;
        // Skip `<<EOT` / `<<-EOT` and its newline; stop before the closing delimiter line.
        let body_start = raw.find('\n')? + 1;
        let body_end = raw.rfind('\n').unwrap_or(raw.len());
        if body_end > body_start {
            let body = &raw[body_start..body_end];
            if let Ok(v) =
                tfstack_model::load::json::parse(body, file, span.start as usize + body_start)
            {
                return Some(resolve_interpolations(cx, v, &Scope::default()));
            }
        }
    }
    string_document(cx.value(e), shape)
}

/// Replaces `${…}` in string values by their evaluated text; a string with an unknown
/// part becomes unknown (keeping its origin). `$${` is a literal `${`.
fn resolve_interpolations(cx: &Context, v: Value, scope: &Scope) -> Value {
    let Value {
        kind,
        origin,
        key_origin,
    } = v;
    let kind = match kind {
        ValueKind::String(s) if s.contains("${") || s.contains("%{") => {
            match interpolate(cx, &s, scope) {
                Some(t) => ValueKind::String(t.into()),
                None => ValueKind::Unknown,
            }
        }
        ValueKind::List(items) => ValueKind::List(
            items
                .into_iter()
                .map(|i| resolve_interpolations(cx, i, scope))
                .collect(),
        ),
        ValueKind::Object(map) => ValueKind::object(
            Arc::unwrap_or_clone(map)
                .into_iter()
                .map(|(k, i)| {
                    // Keys are templates too (`"${key}": …`); an unknown key becomes "",
                    // as an unknown `test`/`variable` does in a policy document data source.
                    let k = if k.contains("${") || k.contains("%{") {
                        interpolate(cx, &k, scope).unwrap_or_default()
                    } else {
                        k
                    };
                    (k, resolve_interpolations(cx, i, scope))
                })
                .collect::<IndexMap<_, _>>(),
        ),
        other => other,
    };
    Value {
        kind,
        origin,
        key_origin,
    }
}

fn interpolate(cx: &Context, s: &str, scope: &Scope) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(['$', '%']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("$${") || tail.starts_with("%%{") {
            out.push_str(&tail[1..3]);
            rest = &tail[3..];
        } else if tail.starts_with("${") {
            let end = tail.find('}')?;
            let expr_text = &tail[2..end];
            let expr = tfstack_model::load::hcl::parse_expression(
                expr_text,
                tfstack_model::FileId(u32::MAX),
            )
            .ok()?;
            let v = cx.eval.eval_in(&expr, scope, 0);
            out.push_str(&scalar_to_string(&v)?);
            rest = &tail[end + 1..];
        } else if tail.starts_with("%{") {
            return None;
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Some(out)
}

/// For files a typed stack wrote: values under a mapped JSON pointer take the Rust line.
fn apply_source_map(cx: &Context, path: &PathBuf, v: Value) -> Value {
    let Some(map) = cx.eval.source_maps.get(path) else {
        return v;
    };
    remap_with_source_map(v, map)
}

/// Gives every value at or under a mapped pointer (`/Statement/3`, or the empty pointer for the
/// whole document) that pointer's Rust location; under several mapped pointers, the deepest.
/// Pointers match whole segments: `/Statement/1` is not a prefix of `/Statement/10`.
fn remap_with_source_map(v: Value, map: &[(String, RustLocation)]) -> Value {
    // One hash lookup per node, the location inherited down the tree (each node used to
    // scan the whole map). A pointer listed twice keeps its first location.
    let mut by_pointer: HashMap<&str, RustLocation> = HashMap::with_capacity(map.len());
    for (pointer, location) in map {
        by_pointer.entry(pointer.as_str()).or_insert(*location);
    }
    remap(v, &mut String::new(), None, &by_pointer)
}

fn remap(
    mut v: Value,
    pointer: &mut String,
    inherited: Option<RustLocation>,
    map: &HashMap<&str, RustLocation>,
) -> Value {
    let location = map.get(pointer.as_str()).copied().or(inherited);
    if let Some(loc) = location {
        v.origin = Origin::rust(loc);
        v.key_origin = Origin::rust(loc);
    }
    let parent_len = pointer.len();
    let mut child = |x: Value, segment: &dyn std::fmt::Display| {
        use std::fmt::Write;
        let _ = write!(pointer, "/{segment}");
        let x = remap(x, pointer, location, map);
        pointer.truncate(parent_len);
        x
    };
    v.kind = match v.kind {
        ValueKind::List(items) => ValueKind::List(
            items
                .into_iter()
                .enumerate()
                .map(|(i, x)| child(x, &i))
                .collect(),
        ),
        // Keys are written unescaped, as the typed stacks write their pointers.
        ValueKind::Object(m) => ValueKind::object(
            Arc::unwrap_or_clone(m)
                .into_iter()
                .map(|(k, x)| {
                    let x = child(x, &k);
                    (k, x)
                })
                .collect(),
        ),
        other => other,
    };
    v
}

/// An `aws_iam_policy_document` data source as a document value.
pub fn policy_document_data_value(cx: &Context, d: &Block) -> Value {
    let mut statements = Vec::new();
    for item in d.body.blocks() {
        match item.kind.as_str() {
            "statement" => statements.push(statement_block_value(cx, item, &Scope::default())),
            "dynamic"
                if item.labels.first().map(tfstack_model::Name::as_str) == Some("statement") =>
            {
                let iterator = dynamic_iterator(item).unwrap_or("statement");
                let Some(content) = item.body.block("content") else {
                    continue;
                };
                let for_each = item.body.get("for_each").map(|e| cx.value(e));
                let entries: Vec<(Value, Value)> = match for_each.as_ref().map(|v| &v.kind) {
                    Some(ValueKind::List(items)) => items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            (Value::new(ValueKind::Number(i as f64), v.origin), v.clone())
                        })
                        .collect(),
                    Some(ValueKind::Object(m)) => m
                        .iter()
                        .map(|(k, v)| (Value::string(k.clone(), v.origin), v.clone()))
                        .collect(),
                    _ => continue,
                };
                for (key, value) in entries {
                    let mut it = IndexMap::new();
                    it.insert("key".to_string(), key);
                    it.insert("value".to_string(), value);
                    let mut scope = Scope::default();
                    scope.names.insert(
                        iterator.to_string(),
                        Value::new(ValueKind::object(it), content.origin),
                    );
                    statements.push(statement_block_value(cx, content, &scope));
                }
            }
            _ => {}
        }
    }
    let mut doc = IndexMap::new();
    doc.insert(
        "Statement".to_string(),
        Value::new(ValueKind::List(statements.into()), d.origin),
    );
    Value::new(ValueKind::object(doc), d.origin)
}

fn statement_block_value(cx: &Context, b: &Block, scope: &Scope) -> Value {
    let mut m = IndexMap::new();
    let attr = |name: &str| -> Option<Value> {
        let a = b.body.attribute(name)?;
        let mut v = cx.eval.eval_in(&a.value, scope, 0);
        v.key_origin = a.origin;
        Some(v)
    };
    if let Some(v) = attr("sid") {
        m.insert("Sid".to_string(), v);
    }
    m.insert(
        "Effect".to_string(),
        attr("effect").unwrap_or_else(|| Value::string("Allow", b.origin)),
    );
    for (hcl, json) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(v) = attr(hcl) {
            m.insert(json.to_string(), v);
        }
    }
    for (hcl, json) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        let mut principal = IndexMap::new();
        let mut origin = None;
        for p in b.body.blocks_of(hcl) {
            origin.get_or_insert(p.origin);
            let ty = p
                .body
                .get("type")
                .map(|e| cx.eval.eval_in(e, scope, 0))
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "?".into());
            let ids = p
                .body
                .get("identifiers")
                .map(|e| cx.eval.eval_in(e, scope, 0))
                .unwrap_or(Value::unknown(p.origin));
            principal.insert(ty, ids);
        }
        if let Some(origin) = origin {
            m.insert(
                json.to_string(),
                Value::new(ValueKind::object(principal), origin),
            );
        }
    }
    let mut condition: IndexMap<String, Value> = IndexMap::new();
    for c in b.body.blocks_of("condition") {
        let get = |n: &str| c.body.get(n).map(|e| cx.eval.eval_in(e, scope, 0));
        let test = get("test")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let variable = get("variable")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let values = get("values").unwrap_or(Value::unknown(c.origin));
        let entry = condition
            .entry(test)
            .or_insert_with(|| Value::new(ValueKind::object(IndexMap::new()), c.origin));
        if let ValueKind::Object(inner) = &mut entry.kind {
            Arc::make_mut(inner).insert(variable, values);
        }
    }
    if !condition.is_empty() {
        m.insert(
            "Condition".to_string(),
            Value::new(ValueKind::object(condition), b.origin),
        );
    }
    Value::new(ValueKind::object(m), b.origin)
}

/// The origin of the element that grants to every principal, if one does: `"*"`, an
/// `AWS` entry `"*"`, or a principal of type `*` (how `aws_iam_policy_document` writes
/// `"Principal": "*"`).
pub fn everyone(principal: &Value) -> Option<Origin> {
    match &principal.kind {
        ValueKind::String(s) if s == "*" => Some(principal.origin),
        ValueKind::Object(map) => map.iter().find_map(|(kind, ids)| {
            if kind == "*" {
                // The type alone says "everyone"; point at a `*` identifier when there is one.
                Some(star_element(ids).map_or(ids.origin, |v| v.origin))
            } else if kind.eq_ignore_ascii_case("AWS") {
                star_element(ids).map(|v| v.origin)
            } else {
                None
            }
        }),
        _ => None,
    }
}

/// The first `"*"` of a string-or-list.
fn star_element(ids: &Value) -> Option<&Value> {
    ids.one_or_many()
        .into_iter()
        .find(|v| v.as_str() == Some("*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust_line(origin: Origin) -> Option<u32> {
        origin.rust_location().map(|l| l.line)
    }

    #[test]
    fn source_map_matches_whole_pointer_segments() {
        // A role policy of 12 statements, the source map one entry per statement (as
        // `constructs::iam` writes it): statement i was written on line 100 + i.
        let written: Vec<serde_json::Value> = (0..12)
            .map(|i| {
                serde_json::json!({
                    "Sid": format!("S{i}"),
                    "Effect": "Allow",
                    "Action": ["sqs:SendMessage"],
                    "Resource": format!("arn:aws:sqs:eu-west-1:123456789012:q{i}"),
                })
            })
            .collect();
        let doc = Value::from_json(
            &serde_json::json!({"Version": "2012-10-17", "Statement": written}),
            Origin::GENERATED,
        );
        let map: Vec<(String, RustLocation)> = (0..12)
            .map(|i| {
                let location = RustLocation {
                    file: "stacks/src/orders.rs",
                    line: 100 + i,
                    column: 5,
                };
                (format!("/Statement/{i}"), location)
            })
            .collect();
        let doc = remap_with_source_map(doc, &map);
        let views = statements(&doc);
        assert_eq!(views.len(), 12);
        for s in &views {
            assert_eq!(
                rust_line(s.origin),
                Some(100 + s.index as u32),
                "{}",
                s.path()
            );
            // Everything inside the statement too (`/Statement/10/Action/0`).
            for action in &s.actions {
                assert_eq!(rust_line(action.origin), Some(100 + s.index as u32));
            }
        }
        assert_eq!(rust_line(views[10].origin), Some(110));
        assert_eq!(rust_line(views[11].resources[0].origin), Some(111));
        // Nothing above a mapped pointer is remapped.
        assert_eq!(rust_line(doc.origin), None);
        assert_eq!(
            rust_line(doc.get_ignore_case("Version").expect("v").origin),
            None
        );
    }

    #[test]
    fn source_map_root_pointer_and_deepest_entry() {
        let doc = Value::from_json(
            &serde_json::json!({"States": {"A": {"Type": "Pass"}, "B": {"Type": "Pass"}}}),
            Origin::GENERATED,
        );
        let at = |line| RustLocation {
            file: "stacks/src/flow.rs",
            line,
            column: 1,
        };
        // `` maps the whole document; a deeper entry wins below it.
        let map = vec![("".to_string(), at(1)), ("/States/B".to_string(), at(2))];
        let doc = remap_with_source_map(doc, &map);
        let states = doc.get_ignore_case("States").expect("States");
        assert_eq!(rust_line(doc.origin), Some(1));
        assert_eq!(rust_line(states.origin), Some(1));
        let state = |name: &str| states.get_ignore_case(name).expect("state");
        assert_eq!(rust_line(state("A").origin), Some(1));
        assert_eq!(rust_line(state("B").origin), Some(2));
        assert_eq!(rust_line(state("B").key_origin), Some(2));
        let ty = state("B").get_ignore_case("Type").expect("Type");
        assert_eq!(rust_line(ty.origin), Some(2));
    }
}
