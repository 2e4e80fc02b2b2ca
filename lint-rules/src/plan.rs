//! `terraform show -json` plans → IR: each resource of `planned_values` (root and child
//! modules) becomes a block of literal attributes; values the plan does not know yet
//! come from the `configuration` section as references. Nested blocks are lists of
//! objects in plans, and are read as nested blocks.

use serde_json::Value as Json;
use tfstack_model::ir::{Block, Expr, ExprKind, ObjectItem, ObjectKey, Structure};
use tfstack_model::{FileId, Number, Origin};

/// Blocks for every resource in a plan. Wrongly typed sections are skipped, never a panic.
pub fn blocks_from_plan(plan: &Json, file: FileId) -> Vec<Block> {
    let mut out = Vec::new();
    let config_resources = configuration_resources(plan);
    if let Some(root) = plan
        .get("planned_values")
        .and_then(|p| p.get("root_module"))
    {
        collect_module(root, &config_resources, &mut out, 0);
    }
    // Findings in a plan point at the plan file and name the resource address.
    let origin = Origin::File {
        file,
        span: Default::default(),
    };
    for b in &mut out {
        b.origin = origin;
    }
    out
}

fn collect_module(m: &Json, config: &[(String, Json)], out: &mut Vec<Block>, depth: usize) {
    if depth > 32 {
        return;
    }
    if let Some(resources) = m.get("resources").and_then(Json::as_array) {
        for r in resources {
            let (Some(mode), Some(ty), Some(name)) = (
                r.get("mode").and_then(Json::as_str),
                r.get("type").and_then(Json::as_str),
                r.get("name").and_then(Json::as_str),
            ) else {
                continue;
            };
            let kind = if mode == "data" { "data" } else { "resource" };
            let mut block = Block::new(kind, vec![ty.to_string(), name.to_string()]);
            if let Some(values) = r.get("values").and_then(Json::as_object) {
                for (k, v) in values {
                    if v.is_null() {
                        continue;
                    }
                    push_value(&mut block.body, k, v);
                }
            }
            // Unknown-at-plan references, from the configuration.
            let address = format!("{ty}.{name}");
            if let Some((_, exprs)) = config.iter().find(|(a, _)| *a == address) {
                if let Some(map) = exprs.as_object() {
                    for (k, e) in map {
                        if block.body.get(k).is_none() {
                            if let Some(first) = e
                                .get("references")
                                .and_then(Json::as_array)
                                .and_then(|r| r.first())
                                .and_then(Json::as_str)
                            {
                                let parts: Vec<&str> = first.split('.').collect();
                                if parts.len() >= 2 {
                                    block
                                        .body
                                        .set(k.clone(), Expr::reference(parts[0], &parts[1..]));
                                }
                            }
                        }
                    }
                }
            }
            out.push(block);
        }
    }
    if let Some(children) = m.get("child_modules").and_then(Json::as_array) {
        for c in children {
            collect_module(c, config, out, depth + 1);
        }
    }
}

fn configuration_resources(plan: &Json) -> Vec<(String, Json)> {
    let mut out = Vec::new();
    if let Some(rs) = plan
        .get("configuration")
        .and_then(|c| c.get("root_module"))
        .and_then(|m| m.get("resources"))
        .and_then(Json::as_array)
    {
        for r in rs {
            if let (Some(a), Some(e)) = (
                r.get("address").and_then(Json::as_str),
                r.get("expressions"),
            ) {
                out.push((a.to_string(), e.clone()));
            }
        }
    }
    out
}

fn push_value(body: &mut tfstack_model::Body, key: &str, v: &Json) {
    // A non-empty list of objects is how plans write nested blocks.
    if let Some(items) = v.as_array() {
        if !items.is_empty() && items.iter().all(Json::is_object) {
            for item in items {
                let mut b = Block::new(key, vec![]);
                if let Some(m) = item.as_object() {
                    for (k, x) in m {
                        if !x.is_null() {
                            push_value(&mut b.body, k, x);
                        }
                    }
                }
                body.items.push(Structure::Block(b));
            }
            return;
        }
    }
    body.set(key.to_string(), json_expr(v, 0));
}

fn json_expr(v: &Json, depth: usize) -> Expr {
    if depth > 64 {
        return Expr::new(ExprKind::Opaque("…".into()));
    }
    let kind = match v {
        Json::Null => ExprKind::Null,
        Json::Bool(b) => ExprKind::Bool(*b),
        Json::Number(n) => ExprKind::Number(match n.as_i64() {
            Some(i) => Number::Int(i),
            None => Number::Float(n.as_f64().unwrap_or(0.0)),
        }),
        Json::String(s) => ExprKind::String(s.clone()),
        Json::Array(items) => {
            ExprKind::Tuple(items.iter().map(|i| json_expr(i, depth + 1)).collect())
        }
        Json::Object(m) => ExprKind::Object(
            m.iter()
                .map(|(k, i)| ObjectItem {
                    key: ObjectKey::for_name(k.clone()),
                    value: json_expr(i, depth + 1),
                    origin: Origin::Generated,
                })
                .collect(),
        ),
    };
    Expr::new(kind)
}
