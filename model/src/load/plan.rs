//! `terraform show -json` plans → IR: each resource of `planned_values` (root and child
//! modules) becomes a block of literal attributes; values the plan does not know yet
//! come from the `configuration` section as references. Nested blocks are lists of
//! objects in plans, and are read as nested blocks.

use crate::instances::{address_key, address_key_of_index};
use crate::ir::{Block, Expr, ExprKind, ObjectItem, ObjectKey, Structure};
use crate::{FileId, Number, Origin};
use serde_json::Value as Json;
use std::collections::HashMap;

/// A part of a plan that does not have the shape `terraform show -json` writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    /// JSON pointer of the offending value (`/planned_values/root_module/resources/0`).
    pub pointer: String,
    pub message: String,
}

/// The resources of one module instance of a plan, as blocks.
#[derive(Debug, Default)]
pub struct PlanModule {
    /// `""` for the root module, else the instance's address (`module.queues`,
    /// `module.regions["eu"].module.queues`): what findings' resource addresses are
    /// prefixed with.
    pub address: String,
    pub blocks: Vec<Block>,
}

/// Blocks for every resource in a plan, one list per module instance (root first, then
/// child modules depth first), and the parts of it that are wrongly typed. A
/// wrongly typed section or resource is reported and skipped, never a panic — and never
/// linted half-read (a resource whose `values` is not an object would be linted with no
/// attributes at all, and LOG001 would report a retention the plan may well set).
///
/// Each module instance is linted on its own, as its configuration is: `aws_sqs_queue.q`
/// in the root and in `module.x` are two queues, each with its own configuration.
///
/// `spanned` is the same plan parsed with spans: blocks, attributes and values then point
/// at their text in the plan (without it, findings would point at its directory).
pub fn blocks_from_plan(
    plan: &Json,
    file: FileId,
    spanned: Option<&crate::Value>,
) -> (Vec<PlanModule>, Vec<PlanError>) {
    let spans = Spans {
        file,
        root: spanned,
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut after_unknown = HashMap::new();
    if let Some(Json::Array(changes)) = plan.get("resource_changes") {
        for change in changes {
            let address = change.get("address").and_then(Json::as_str);
            let unknown = change.get("change").and_then(|c| c.get("after_unknown"));
            if let (Some(address), Some(unknown)) = (address, unknown) {
                after_unknown.insert(address, unknown);
            }
        }
    }
    let configuration = Configuration {
        root: plan.get("configuration").and_then(|c| c.get("root_module")),
        after_unknown,
    };
    match plan.get("planned_values") {
        None => {}
        Some(Json::Object(p)) => match p.get("root_module") {
            None => {}
            Some(root @ Json::Object(_)) => collect_module(
                root,
                "/planned_values/root_module",
                &configuration,
                &spans,
                &mut out,
                &mut errors,
                0,
            ),
            Some(other) => errors.push(wrong_type(
                "/planned_values/root_module",
                "an object",
                other,
            )),
        },
        Some(other) => errors.push(wrong_type("/planned_values", "an object", other)),
    }
    (out, errors)
}

/// The `configuration` section: each module call's resources, found by the call names in
/// a module instance's address.
struct Configuration<'a> {
    root: Option<&'a Json>,
    /// What each planned resource leaves to apply (`resource_changes[].change.
    /// after_unknown`), by its full address: `true` where a value is not known yet.
    after_unknown: HashMap<&'a str, &'a Json>,
}

impl<'a> Configuration<'a> {
    /// The configuration module of an instance address (`module.a["x"].module.b` →
    /// `module_calls.a.module.module_calls.b.module`), with its JSON pointer.
    fn module(&self, address: &str) -> (Option<&'a Json>, String) {
        let mut pointer = "/configuration/root_module".to_string();
        let mut m = self.root;
        for call in module_calls(address) {
            pointer = format!("{pointer}/module_calls/{}/module", segment(call));
            m = m
                .and_then(|m| m.get("module_calls"))
                .and_then(|c| c.get(call))
                .and_then(|c| c.get("module"));
        }
        (m, pointer)
    }
}

/// The module call names of an instance address, without instance keys:
/// `module.a["x"].module.b[0]` → `a`, `b`.
fn module_calls(address: &str) -> Vec<&str> {
    let mut calls = Vec::new();
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let end = after.find(['[', '.']).unwrap_or(after.len());
        let (call, tail) = after.split_at_checked(end).unwrap_or((after, ""));
        calls.push(call);
        rest = tail;
        if rest.starts_with('[') {
            // Skip the instance key, quoted strings included (`["a.b]"]`).
            let mut in_string = false;
            let mut escaped = false;
            let mut close = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' if in_string => escaped = true,
                    '"' => in_string = !in_string,
                    ']' if !in_string => {
                        close = i + 1;
                        break;
                    }
                    _ => {}
                }
            }
            rest = rest.get(close..).unwrap_or_default();
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    calls
}

/// Where things are in the plan file.
struct Spans<'a> {
    file: FileId,
    root: Option<&'a crate::Value>,
}

impl Spans<'_> {
    /// The span of the value at `pointer`, else the start of the file.
    fn at(&self, pointer: &str) -> Origin {
        self.root
            .and_then(|root| resolve_pointer(root, pointer))
            .map(|v| v.origin)
            .filter(|o| o.file_span().is_some())
            .unwrap_or(Origin::file(self.file, crate::origin::Span::default()))
    }
}

/// A key as a JSON pointer segment (`/` and `~` escaped).
fn segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The value a JSON pointer names, in a plan parsed with spans.
pub fn resolve_pointer<'v>(root: &'v crate::Value, pointer: &str) -> Option<&'v crate::Value> {
    use crate::ValueKind;
    let mut at = root;
    for part in pointer.split('/').skip(1) {
        let key = part.replace("~1", "/").replace("~0", "~");
        at = match &at.kind {
            ValueKind::Object(m) => m.get(&key)?,
            ValueKind::List(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}

/// `/a/b/0` → `a.b[0]`, the way a person names a place in a plan.
pub fn pointer_display(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.split('/').skip(1) {
        if part.parse::<usize>().is_ok() {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

fn wrong_type(pointer: &str, expected: &str, found: &Json) -> PlanError {
    let found = match found {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    };
    PlanError {
        pointer: pointer.to_string(),
        message: format!(
            "not a Terraform plan: `{}` should be {expected}, found {found}",
            pointer_display(pointer)
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn collect_module(
    m: &Json,
    at: &str,
    configuration: &Configuration<'_>,
    spans: &Spans,
    out: &mut Vec<PlanModule>,
    errors: &mut Vec<PlanError>,
    depth: usize,
) {
    if depth > 32 {
        errors.push(PlanError {
            pointer: at.to_string(),
            message: "child modules nest deeper than 32 levels".into(),
        });
        return;
    }
    let address = match m.get("address") {
        Some(Json::String(a)) if depth > 0 => a.clone(),
        _ => String::new(),
    };
    let (config_module, config_at) = configuration.module(&address);
    let config = configuration_resources(config_module, &config_at, errors);
    let mut module = PlanModule {
        address,
        blocks: Vec::new(),
    };
    match m.get("resources") {
        None => {}
        Some(Json::Array(resources)) => {
            for (i, r) in resources.iter().enumerate() {
                let at = format!("{at}/resources/{i}");
                let unknown = r
                    .get("address")
                    .and_then(Json::as_str)
                    .and_then(|a| configuration.after_unknown.get(a).copied());
                if let Some(block) = resource_block(r, &at, &config, unknown, spans, errors) {
                    module.blocks.push(block);
                }
            }
        }
        Some(other) => errors.push(wrong_type(&format!("{at}/resources"), "an array", other)),
    }
    if !module.blocks.is_empty() || depth == 0 {
        out.push(module);
    }
    match m.get("child_modules") {
        None => {}
        Some(Json::Array(children)) => {
            for (i, c) in children.iter().enumerate() {
                let at = format!("{at}/child_modules/{i}");
                if c.is_object() {
                    collect_module(c, &at, configuration, spans, out, errors, depth + 1);
                } else {
                    errors.push(wrong_type(&at, "an object", c));
                }
            }
        }
        Some(other) => errors.push(wrong_type(
            &format!("{at}/child_modules"),
            "an array",
            other,
        )),
    }
}

/// One resource of `planned_values`, or `None` (with an error) when it is wrongly typed.
fn resource_block(
    r: &Json,
    at: &str,
    config: &ConfigExpressions<'_>,
    unknown: Option<&Json>,
    spans: &Spans,
    errors: &mut Vec<PlanError>,
) -> Option<Block> {
    if !r.is_object() {
        errors.push(wrong_type(at, "an object", r));
        return None;
    }
    let mut text = |key: &str| match r.get(key) {
        Some(Json::String(s)) => Some(s.as_str()),
        Some(other) => {
            errors.push(wrong_type(&format!("{at}/{key}"), "a string", other));
            None
        }
        None => {
            errors.push(PlanError {
                pointer: at.to_string(),
                message: format!(
                    "not a Terraform plan: `{}` has no `{key}`",
                    pointer_display(at)
                ),
            });
            None
        }
    };
    let (Some(mode), Some(ty), Some(name)) = (text("mode"), text("type"), text("name")) else {
        return None;
    };
    // `terraform show -json` leaves `values` out of a resource whose every attribute is
    // known only after apply: the resource is planned, its values come from the
    // configuration's references below.
    let no_values = serde_json::Map::new();
    let values = match r.get("values") {
        Some(Json::Object(values)) => values,
        Some(other) => {
            errors.push(wrong_type(&format!("{at}/values"), "an object", other));
            return None;
        }
        None => &no_values,
    };
    let kind = if mode == "data" { "data" } else { "resource" };
    let mut labels = vec![ty.to_string(), name.to_string()];
    // One instance of a `count` or `for_each`: its key, as its address writes it.
    let index = r.get("index");
    if let Some(i) = index
        .and_then(Json::as_u64)
        .and_then(|i| usize::try_from(i).ok())
    {
        labels.push(address_key_of_index(i));
    } else if let Some(key) = index.and_then(Json::as_str) {
        labels.push(address_key(key));
    }
    let mut block = Block::new(kind, labels);
    // Findings on the resource point at its address in the plan.
    block.origin = match r.get("address") {
        Some(Json::String(_)) => spans.at(&format!("{at}/address")),
        _ => spans.at(at),
    };
    for (k, v) in values {
        if v.is_null() {
            continue;
        }
        push_value(
            &mut block.body,
            k,
            v,
            &format!("{at}/values/{}", segment(k)),
            spans,
        );
    }
    // Unknown-at-plan references, from the module's configuration.
    let address = if kind == "data" {
        format!("data.{ty}.{name}")
    } else {
        format!("{ty}.{name}")
    };
    if let Some(exprs) = config.get(address.as_str()) {
        references_where_unknown(&mut block.body, values, unknown, exprs);
    }
    Some(block)
}

/// Where the plan does not know a value yet — an attribute `after_unknown` marks `true`, or
/// one `terraform show -json` leaves out of `values` (a value known to be `null` is written,
/// as `null`) — the configuration's expression for it, as its first reference
/// (`aws_sqs_queue.dlq.arn`): what it will be. Nested blocks are read alike, item by item
/// (`dead_letter_config[0].arn`).
fn references_where_unknown(
    body: &mut crate::Body,
    values: &serde_json::Map<String, Json>,
    unknown: Option<&Json>,
    exprs: &Json,
) {
    let Some(exprs) = exprs.as_object() else {
        return;
    };
    for (k, e) in exprs {
        let marked = unknown.and_then(|u| u.get(k));
        let not_known = match values.get(k) {
            None => true,
            Some(Json::Null) => marked == Some(&Json::Bool(true)),
            Some(_) => false,
        };
        match (values.get(k), e) {
            (_, Json::Object(_)) if not_known && body.get(k).is_none() => {
                if let Some(reference) = first_reference(e) {
                    body.set(k.clone(), reference);
                }
            }
            (Some(Json::Array(planned)), Json::Array(configured)) => {
                let nested = body.items.iter_mut().filter_map(|item| match item {
                    Structure::Block(b) if b.kind == k.as_str() => Some(b),
                    _ => None,
                });
                let marked: &[Json] = marked.and_then(Json::as_array).map_or(&[], Vec::as_slice);
                for (i, ((b, planned), configured)) in
                    nested.zip(planned).zip(configured).enumerate()
                {
                    if let Some(planned) = planned.as_object() {
                        references_where_unknown(&mut b.body, planned, marked.get(i), configured);
                    }
                }
            }
            _ => {}
        }
    }
}

/// What a value not known before apply refers to: the first of its expression's
/// `references` (`aws_sqs_queue.dlq.arn`), when they name one resource, data source or
/// module call at most — with several (`each.key == "x" ? aws_s3_bucket.x.id :
/// aws_s3_bucket.y[each.key].id`) which one the value is, is not known, and it is an
/// unknown value that names none. References to variables and locals are passed over
/// when a resource is named: the plan knows a root variable's value, which is not the
/// value of the expression reading it (`var.use_kms ? aws_kms_key.k.arn : null`).
fn first_reference(e: &Json) -> Option<Expr> {
    let references: Vec<&str> = e
        .get("references")
        .and_then(Json::as_array)?
        .iter()
        .filter_map(Json::as_str)
        .collect();
    let named = |r: &str| -> Option<String> {
        let parts: Vec<&str> = r.split('.').collect();
        match parts.as_slice() {
            ["var" | "local" | "each" | "count" | "path" | "terraform" | "self", ..] => None,
            ["data", ty, name, ..] => Some(format!("data.{ty}.{name}")),
            [root, name, ..] => Some(format!("{root}.{name}")),
            _ => None,
        }
    };
    let mut things: Vec<String> = references.iter().filter_map(|r| named(r)).collect();
    things.sort();
    things.dedup();
    let first = match things.len() {
        0 => *references.first()?,
        1 => *references.iter().find(|r| named(r).is_some())?,
        _ => {
            return Some(Expr::new(ExprKind::Opaque("(known after apply)".into())));
        }
    };
    let parts: Vec<&str> = first.split('.').collect();
    match parts.as_slice() {
        [root, attributes @ ..] if !attributes.is_empty() => {
            Some(Expr::reference(root, attributes))
        }
        _ => None,
    }
}

/// The `expressions` of each configuration resource, by address: one lookup per planned
/// resource, not a scan of every configuration resource.
type ConfigExpressions<'a> = HashMap<&'a str, &'a Json>;

/// The configuration resources of one module (`None`: not in the plan); for an address
/// listed twice, the first (as a scan would find it).
fn configuration_resources<'a>(
    module: Option<&'a Json>,
    at: &str,
    errors: &mut Vec<PlanError>,
) -> ConfigExpressions<'a> {
    let mut out = HashMap::new();
    match module.and_then(|m| m.get("resources")) {
        None => {}
        Some(Json::Array(rs)) => {
            for r in rs {
                if let (Some(a), Some(e)) = (
                    r.get("address").and_then(Json::as_str),
                    r.get("expressions"),
                ) {
                    out.entry(a).or_insert(e);
                }
            }
        }
        Some(other) => errors.push(wrong_type(&format!("{at}/resources"), "an array", other)),
    }
    out
}

fn push_value(body: &mut crate::Body, key: &str, v: &Json, at: &str, spans: &Spans) {
    // A non-empty list of objects is how plans write nested blocks.
    if let Some(items) = v.as_array() {
        if !items.is_empty() && items.iter().all(Json::is_object) {
            for (i, item) in items.iter().enumerate() {
                let item_at = format!("{at}/{i}");
                let mut b = Block::new(key, vec![]).with_origin(spans.at(&item_at));
                if let Some(m) = item.as_object() {
                    for (k, x) in m {
                        if !x.is_null() {
                            let x_at = format!("{item_at}/{}", segment(k));
                            push_value(&mut b.body, k, x, &x_at, spans);
                        }
                    }
                }
                body.items.push(Structure::Block(Box::new(b)));
            }
            return;
        }
    }
    let origin = spans.at(at);
    body.set_with_origin(key.to_string(), json_expr(v, 0, at, spans), origin);
}

fn json_expr(v: &Json, depth: usize, at: &str, spans: &Spans) -> Expr {
    let origin = spans.at(at);
    if depth > 64 {
        return Expr {
            kind: ExprKind::Opaque("…".into()),
            origin,
        };
    }
    let kind = match v {
        Json::Null => ExprKind::Null,
        Json::Bool(b) => ExprKind::Bool(*b),
        Json::Number(n) => ExprKind::Number(Box::new(match n.as_i64() {
            Some(i) => Number::Int(i),
            None => Number::Float(n.as_f64().unwrap_or(0.0)),
        })),
        Json::String(s) => ExprKind::String(s.clone().into()),
        Json::Array(items) => ExprKind::Tuple(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| json_expr(x, depth + 1, &format!("{at}/{i}"), spans))
                .collect(),
        ),
        Json::Object(m) => ExprKind::Object(
            m.iter()
                .map(|(k, x)| {
                    let x_at = format!("{at}/{}", segment(k));
                    ObjectItem {
                        key: ObjectKey::for_name(k.clone()),
                        value: json_expr(x, depth + 1, &x_at, spans),
                        origin: spans.at(&x_at),
                    }
                })
                .collect(),
        ),
    };
    Expr { kind, origin }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture plan with `n` more root log groups whose `kms_key_id` is unknown at
    /// plan time and referenced in the configuration (group i → key i).
    fn plan_with_groups(n: usize) -> Json {
        let mut plan: Json =
            serde_json::from_str(include_str!("../../../tests/fixtures/lint/plan/plan.json"))
                .expect("fixture plan");
        let config_at = "/configuration/root_module/resources";
        let planned_at = "/planned_values/root_module/resources";
        for i in 0..n {
            let address = format!("aws_cloudwatch_log_group.g{i}");
            let config = serde_json::json!({
                "address": address,
                "mode": "managed",
                "type": "aws_cloudwatch_log_group",
                "name": format!("g{i}"),
                "expressions": {
                    "name": {"constant_value": format!("/orders/g{i}")},
                    "kms_key_id": {
                        "references": [
                            format!("aws_kms_key.k{i}.arn"),
                            format!("aws_kms_key.k{i}"),
                        ],
                    },
                },
            });
            let planned = serde_json::json!({
                "address": address,
                "mode": "managed",
                "type": "aws_cloudwatch_log_group",
                "name": format!("g{i}"),
                "values": {"name": format!("/orders/g{i}"), "retention_in_days": 7},
            });
            push(&mut plan, config_at, config);
            push(&mut plan, planned_at, planned);
        }
        // An address listed twice in the configuration: the first entry counts.
        let mut duplicate = plan.pointer(&format!("{config_at}/2")).expect("g0").clone();
        duplicate["expressions"]["kms_key_id"]["references"] =
            serde_json::json!(["aws_kms_key.other.arn"]);
        push(&mut plan, config_at, duplicate);
        plan
    }

    fn push(plan: &mut Json, at: &str, item: Json) {
        let list = plan.pointer_mut(at).and_then(Json::as_array_mut);
        list.unwrap_or_else(|| panic!("{at}")).push(item);
    }

    #[test]
    fn unknown_values_come_from_each_resources_own_configuration() {
        let n = 6;
        let (modules, errors) = blocks_from_plan(&plan_with_groups(n), FileId(0), None);
        assert_eq!(errors, vec![]);
        let blocks: Vec<Block> = modules.into_iter().flat_map(|m| m.blocks).collect();
        let addresses: Vec<String> = blocks.iter().map(Block::address).collect();
        let mut expected = vec![
            "aws_cloudwatch_log_group.legacy".to_string(),
            "aws_cloudwatch_log_group.orders".to_string(),
        ];
        expected.extend((0..n).map(|i| format!("aws_cloudwatch_log_group.g{i}")));
        expected.push("aws_cloudwatch_log_group.audit".to_string());
        assert_eq!(addresses, expected);
        for (i, block) in blocks[2..2 + n].iter().enumerate() {
            let key = format!("k{i}");
            assert_eq!(
                block.body.get("kms_key_id"),
                Some(&Expr::reference("aws_kms_key", &[key.as_str(), "arn"])),
                "{}",
                block.address()
            );
            // Known values stay literal.
            assert!(block.body.get("retention_in_days").is_some());
        }
        // Resources the configuration does not reference get nothing from it.
        for block in [&blocks[0], &blocks[1], &blocks[2 + n]] {
            assert!(
                block.body.get("kms_key_id").is_none(),
                "{}",
                block.address()
            );
        }
    }

    #[test]
    fn module_call_names_skip_instance_keys() {
        assert_eq!(module_calls(""), Vec::<&str>::new());
        assert_eq!(module_calls("module.queues"), ["queues"]);
        assert_eq!(
            module_calls("module.regions[\"eu.west]\"].module.queues[0]"),
            ["regions", "queues"]
        );
    }

    /// `terraform show -json` leaves `values` out when every attribute is known only after
    /// apply: the resource is planned, with what its configuration refers to.
    #[test]
    fn a_resource_without_values_is_planned_with_its_references() {
        let plan = serde_json::json!({
            "planned_values": {"root_module": {"resources": [{
                "address": "aws_sqs_queue_redrive_policy.jobs", "mode": "managed",
                "type": "aws_sqs_queue_redrive_policy", "name": "jobs",
            }]}},
            "configuration": {"root_module": {"resources": [{
                "address": "aws_sqs_queue_redrive_policy.jobs", "mode": "managed",
                "type": "aws_sqs_queue_redrive_policy", "name": "jobs",
                "expressions": {
                    "queue_url": {"references": ["aws_sqs_queue.jobs.id", "aws_sqs_queue.jobs"]},
                },
            }]}},
        });
        let (modules, errors) = blocks_from_plan(&plan, FileId(0), None);
        assert_eq!(errors, vec![]);
        let block = &modules[0].blocks[0];
        assert_eq!(block.address(), "aws_sqs_queue_redrive_policy.jobs");
        let url = block
            .body
            .get("queue_url")
            .expect("queue_url from the configuration");
        assert_eq!(
            url.as_traversal()
                .and_then(|t| t.resource_address())
                .as_deref(),
            Some("aws_sqs_queue.jobs")
        );
    }

    /// A value the plan does not know inside a nested block is what the configuration
    /// refers to there; a value it knows to be `null` stays unset (the configuration's
    /// references are those of the expression that made it `null`).
    #[test]
    fn nested_values_known_after_apply_are_their_references_and_known_nulls_stay_unset() {
        let plan = serde_json::json!({
            "planned_values": {"root_module": {"resources": [
                {
                    "address": "aws_cloudwatch_event_target.t", "mode": "managed",
                    "type": "aws_cloudwatch_event_target", "name": "t",
                    "values": {"rule": "orders", "dead_letter_config": [{}]},
                },
                {
                    "address": "aws_sns_topic.alerts", "mode": "managed",
                    "type": "aws_sns_topic", "name": "alerts",
                    "values": {"name": "alerts", "kms_master_key_id": null, "policy": null},
                },
            ]}},
            "resource_changes": [
                {"address": "aws_cloudwatch_event_target.t",
                 "change": {"after_unknown": {"dead_letter_config": [{"arn": true}], "arn": true}}},
                {"address": "aws_sns_topic.alerts",
                 "change": {"after_unknown": {"arn": true, "policy": true}}},
            ],
            "configuration": {"root_module": {"resources": [
                {
                    "address": "aws_cloudwatch_event_target.t", "mode": "managed",
                    "type": "aws_cloudwatch_event_target", "name": "t",
                    "expressions": {"dead_letter_config": [
                        {"arn": {"references": ["aws_sqs_queue.dlq.arn", "aws_sqs_queue.dlq"]}},
                    ]},
                },
                {
                    "address": "aws_sns_topic.alerts", "mode": "managed",
                    "type": "aws_sns_topic", "name": "alerts",
                    "expressions": {
                        "kms_master_key_id": {"references": ["var.encrypt", "aws_kms_key.k"]},
                        "policy": {"references": ["data.aws_iam_policy_document.p.json"]},
                    },
                },
            ]}},
        });
        let (modules, errors) = blocks_from_plan(&plan, FileId(0), None);
        assert_eq!(errors, vec![]);
        let reference = |e: Option<&Expr>| {
            e.and_then(Expr::as_traversal).map(|t| {
                format!(
                    "{}.{}",
                    t.root,
                    t.attribute_names().collect::<Vec<_>>().join(".")
                )
            })
        };
        let target = &modules[0].blocks[0];
        let dlq = target
            .body
            .blocks_of("dead_letter_config")
            .next()
            .expect("nested");
        assert_eq!(
            reference(dlq.body.get("arn")).as_deref(),
            Some("aws_sqs_queue.dlq.arn")
        );
        let topic = &modules[0].blocks[1];
        assert!(
            topic.body.get("kms_master_key_id").is_none(),
            "a known null stays unset"
        );
        assert_eq!(
            reference(topic.body.get("policy")).as_deref(),
            Some("data.aws_iam_policy_document.p.json"),
            "null in values but unknown after apply"
        );
    }

    /// An instance of a `count` or `for_each` keeps its key, as its address writes it; a
    /// resource without one has none, and an index of another type is no key.
    #[test]
    fn instances_keep_their_keys() {
        let queue = |index: serde_json::Value| {
            serde_json::json!({
                "address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue",
                "name": "q", "index": index, "values": {},
            })
        };
        let plan = serde_json::json!({"planned_values": {"root_module": {"resources": [
            queue(serde_json::json!("a\"b")),
            queue(serde_json::json!(3)),
            queue(serde_json::json!(null)),
            queue(serde_json::json!(-1)),
        ]}}});
        let (modules, errors) = blocks_from_plan(&plan, FileId(0), None);
        assert!(errors.is_empty(), "{errors:?}");
        let keys: Vec<_> = modules[0].blocks.iter().map(Block::instance_key).collect();
        assert_eq!(keys, [Some("[\"a\\\"b\"]"), Some("[3]"), None, None]);
        assert!(modules[0]
            .blocks
            .iter()
            .all(|b| b.address() == "aws_sqs_queue.q"));
    }

    /// A queue named alike in the root and in a child module: two modules, each with the
    /// references of its own configuration; a data source takes its own (`data.` address).
    #[test]
    fn child_modules_are_their_own_modules_with_their_own_configuration() {
        let queue = |address: &str| {
            serde_json::json!({
                "address": address, "mode": "managed", "type": "aws_sqs_queue", "name": "q",
                "values": {"name": "q"},
            })
        };
        let config = |reference: &str| {
            serde_json::json!({
                "address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue",
                "name": "q",
                "expressions": {"kms_master_key_id": {"references": [reference]}},
            })
        };
        let plan = serde_json::json!({
            "planned_values": {"root_module": {
                "resources": [
                    queue("aws_sqs_queue.q"),
                    {
                        "address": "data.aws_iam_policy_document.p", "mode": "data",
                        "type": "aws_iam_policy_document", "name": "p", "values": {},
                    },
                    {
                        "address": "aws_iam_policy_document.p", "mode": "managed",
                        "type": "aws_iam_policy_document", "name": "p", "values": {},
                    },
                ],
                "child_modules": [{
                    "address": "module.m[\"a\"]",
                    "resources": [queue("module.m[\"a\"].aws_sqs_queue.q")],
                }],
            }},
            "configuration": {"root_module": {
                "resources": [
                    config("aws_kms_key.root.arn"),
                    {
                        "address": "data.aws_iam_policy_document.p", "mode": "data",
                        "expressions": {"source_policy_documents": {"references": ["local.docs"]}},
                    },
                ],
                "module_calls": {"m": {"module": {"resources": [config("aws_kms_key.child.arn")]}}},
            }},
        });
        let (modules, errors) = blocks_from_plan(&plan, FileId(0), None);
        assert_eq!(errors, vec![]);
        let shape: Vec<(&str, Vec<String>)> = modules
            .iter()
            .map(|m| {
                (
                    m.address.as_str(),
                    m.blocks.iter().map(Block::address).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (
                    "",
                    vec![
                        "aws_sqs_queue.q".to_string(),
                        "data.aws_iam_policy_document.p".to_string(),
                        "aws_iam_policy_document.p".to_string(),
                    ]
                ),
                ("module.m[\"a\"]", vec!["aws_sqs_queue.q".to_string()]),
            ]
        );
        let key = |m: usize| modules[m].blocks[0].body.get("kms_master_key_id").cloned();
        assert_eq!(
            key(0),
            Some(Expr::reference("aws_kms_key", &["root", "arn"]))
        );
        assert_eq!(
            key(1),
            Some(Expr::reference("aws_kms_key", &["child", "arn"]))
        );
        let docs = |i: usize| {
            modules[0].blocks[i]
                .body
                .get("source_policy_documents")
                .cloned()
        };
        assert_eq!(docs(1), Some(Expr::reference("local", &["docs"])));
        assert_eq!(docs(2), None);
    }
}
