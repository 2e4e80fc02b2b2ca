//! `.tf.json` (Terraform's JSON syntax) → IR. Strings are templates (`"${var.x}"`);
//! objects and lists of objects under a resource are nested blocks when the provider
//! schema says so — without the schema at hand, an object whose key is a known block
//! name of common resources is read as a block, any other as an object attribute (both
//! evaluate to the same value for rules).

use crate::ir::{Block, Body, Expr, ExprKind, ObjectItem, ObjectKey, Structure};
use crate::{FileId, Origin, Value, ValueKind};

/// Parses a `.tf.json` file into a body of top-level blocks.
pub fn parse_tf_json(text: &str, file: FileId) -> Result<Body, (u32, u32, String)> {
    let value = crate::load::json::parse(text, file, 0).map_err(|e| {
        let f = crate::SourceFile::new("x", text);
        let (l, c) = f.line_col(e.offset as u32);
        (l, c, e.message)
    })?;
    let Some(top) = value.as_object() else {
        return Err((1, 1, "a .tf.json file must hold a JSON object".into()));
    };
    let mut body = Body::default();
    for (kind, v) in top {
        let depth = match kind.as_str() {
            "resource" | "data" => 2,
            "variable" | "output" | "module" | "provider" => 1,
            "locals" | "terraform" => 0,
            _ => continue,
        };
        for (labels, content, origin) in labelled(v, depth) {
            for c in content.one_or_many() {
                let mut b = Block::new(kind.clone(), labels.clone()).with_origin(origin);
                b.body = object_body(c, kind == "resource" || kind == "data");
                body.items.push(Structure::Block(Box::new(b)));
            }
        }
    }
    Ok(body)
}

/// `{ "aws_x": { "name": {...} } }` → (labels, content) pairs, `depth` labels deep.
fn labelled(v: &Value, depth: usize) -> Vec<(Vec<String>, Value, Origin)> {
    if depth == 0 {
        return vec![(vec![], v.clone(), v.origin)];
    }
    let mut out = Vec::new();
    if let Some(m) = v.as_object() {
        for (k, inner) in m {
            for (mut labels, content, origin) in labelled(inner, depth - 1) {
                labels.insert(0, k.clone());
                let origin = if depth == 1 {
                    inner.key_origin.or(origin)
                } else {
                    origin
                };
                out.push((labels, content, origin));
            }
        }
    }
    out
}

/// Nested block names of resources, read as blocks rather than object attributes.
const BLOCK_NAMES: &[&str] = &[
    "access_log_settings",
    "attribute",
    "condition",
    "content",
    "cors_configuration",
    "cors_rule",
    "dead_letter_config",
    "default_route_settings",
    "destination_config",
    "dynamic",
    "environment",
    "expiration",
    "filter",
    "global_secondary_index",
    "ingress",
    "egress",
    "lifecycle",
    "logging_config",
    "on_failure",
    "on_success",
    "point_in_time_recovery",
    "principals",
    "not_principals",
    "retry_policy",
    "rule",
    "server_side_encryption",
    "settings",
    "statement",
    "tracing_config",
    "transition",
    "ttl",
    "versioning_configuration",
    "vpc_config",
    "image_scanning_configuration",
    "encryption_configuration",
    "apply_server_side_encryption_by_default",
    "inline_policy",
    "logging_configuration",
    "tiering",
];

fn object_body(v: &Value, is_resource: bool) -> Body {
    let mut body = Body::default();
    let Some(m) = v.as_object() else {
        return body;
    };
    for (k, inner) in m {
        let is_block = is_resource
            && BLOCK_NAMES.contains(&k.as_str())
            && matches!(&inner.kind, ValueKind::Object(_))
            || (is_resource
                && BLOCK_NAMES.contains(&k.as_str())
                && inner
                    .as_list()
                    .is_some_and(|l| l.iter().all(|i| i.as_object().is_some())));
        if is_block {
            for item in inner.one_or_many() {
                let mut b =
                    Block::new(k.clone(), vec![]).with_origin(inner.key_origin.or(item.origin));
                b.body = object_body(item, true);
                body.items.push(Structure::Block(Box::new(b)));
            }
        } else {
            body.items.push(Structure::Attribute(crate::ir::Attribute {
                name: k.as_str().into(),
                value: expr_of(inner),
                origin: inner.key_origin.or(inner.origin),
            }));
        }
    }
    body
}

/// A JSON value as an expression: strings are parsed as templates.
fn expr_of(v: &Value) -> Expr {
    let kind = match &v.kind {
        ValueKind::Null | ValueKind::Unknown => ExprKind::Null,
        ValueKind::Bool(b) => ExprKind::Bool(*b),
        ValueKind::Number(n) => ExprKind::Number(Box::new(if n.fract() == 0.0 && n.abs() < 9e15 {
            crate::Number::Int(*n as i64)
        } else {
            crate::Number::Float(*n)
        })),
        ValueKind::String(s) => {
            if s.contains("${") || s.contains("%{") {
                let quoted = format!(
                    "\"{}\"",
                    s.replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('\n', "\\n")
                );
                match crate::load::hcl::parse_expression(&quoted, FileId(u32::MAX)) {
                    Ok(e) => return with_origin(e, v.origin),
                    Err(_) => ExprKind::String(s.clone()),
                }
            } else {
                ExprKind::String(s.clone())
            }
        }
        ValueKind::List(items) => ExprKind::Tuple(items.iter().map(expr_of).collect()),
        ValueKind::Object(m) => ExprKind::Object(
            m.iter()
                .map(|(k, i)| ObjectItem {
                    key: ObjectKey::for_name(k.clone()),
                    value: expr_of(i),
                    origin: i.key_origin,
                })
                .collect(),
        ),
    };
    Expr {
        kind,
        origin: v.origin,
    }
}

/// Gives every part of a parsed template the string's origin (the parse was of a copy),
/// nested expressions included (`"${max(var.a, 0)}"`): none may keep the copy's
/// placeholder file id, which names no file of the module.
fn with_origin(mut e: Expr, origin: Origin) -> Expr {
    relocate(&mut e, origin);
    e
}

fn relocate(e: &mut Expr, origin: Origin) {
    use crate::TemplatePart;
    e.origin = origin;
    match &mut e.kind {
        ExprKind::Template(t) => {
            for p in &mut t.parts {
                if let TemplatePart::Interpolation(x) = p {
                    relocate(x, origin);
                }
            }
        }
        ExprKind::Traversal(t) => {
            crate::ir::Traversal::indexes_mut(t).for_each(|x| relocate(x, origin));
        }
        ExprKind::FunctionCall(c) => c.args.iter_mut().for_each(|a| relocate(a, origin)),
        ExprKind::Conditional(c) => {
            relocate(&mut c.condition, origin);
            relocate(&mut c.true_expr, origin);
            relocate(&mut c.false_expr, origin);
        }
        ExprKind::Unary(_, x) | ExprKind::Parenthesis(x) => relocate(x, origin),
        ExprKind::Binary(b) => {
            relocate(&mut b.lhs, origin);
            relocate(&mut b.rhs, origin);
        }
        ExprKind::Tuple(items) => items.iter_mut().for_each(|i| relocate(i, origin)),
        ExprKind::For(f) => {
            relocate(&mut f.collection, origin);
            if let Some(k) = &mut f.key {
                relocate(k, origin);
            }
            relocate(&mut f.value, origin);
            if let Some(c) = &mut f.condition {
                relocate(c, origin);
            }
        }
        ExprKind::Object(items) => {
            for i in items {
                i.origin = origin;
                if let ObjectKey::Expr(k) = &mut i.key {
                    relocate(k, origin);
                }
                relocate(&mut i.value, origin);
            }
        }
        ExprKind::Null
        | ExprKind::Bool(_)
        | ExprKind::Number(_)
        | ExprKind::String(_)
        | ExprKind::Opaque(_) => {}
    }
}
