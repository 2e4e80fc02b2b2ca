//! The operations of an API defined by an OpenAPI document given as its `body`
//! (`aws_apigatewayv2_api`, `aws_api_gateway_rest_api`): what routes or methods the
//! definition creates, and how each is authorized. The linter judges the open ones; the
//! review lists them all as entry points.

use crate::context::Context;
use crate::query::instances::exists;
use crate::query::policy::json_document_value;
use tfstack_model::{Block, Origin, Value};

/// How an operation of the definition is authorized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OperationAuthorization {
    /// Nothing: anyone who finds the URL can call it.
    None,
    /// By the security schemes a requirement names (`sigv4`, `jwt`), or by
    /// `x-amazon-apigateway-auth` (`AWS_IAM`).
    By(Vec<String>),
    /// Not known before apply.
    Unknown,
}

/// One operation of an OpenAPI definition.
#[derive(Clone, Debug)]
pub struct Operation {
    /// `POST /orders`, `ANY /{proxy+}`, `$default`.
    pub key: String,
    pub authorization: OperationAuthorization,
    /// Where its method is written.
    pub origin: Origin,
}

impl Operation {
    /// Whether anyone can call it: no authorization, and not a CORS preflight (browsers
    /// send those without credentials; they are not listed).
    pub fn is_open(&self) -> bool {
        self.authorization == OperationAuthorization::None
    }
}

/// The OpenAPI definition an API is given as `body`, read as any JSON document is
/// (`jsonencode` with its parts where they are written, `file`, `templatefile`, heredoc
/// JSON): its structure is known even where its integrations name resources known only
/// after apply. `None` for an API that does not exist, has no `body`, or whose body
/// cannot be read; for an HTTP API only (a WebSocket API's body is not routes).
pub fn definition(cx: &Context, api: &Block) -> Option<Value> {
    if !exists(cx, api) {
        return None;
    }
    if api.type_label() == "aws_apigatewayv2_api" {
        let protocol = cx.attr(api, "protocol_type");
        if !protocol.is_some_and(|p| p.as_str().is_some_and(|p| p.eq_ignore_ascii_case("HTTP"))) {
            return None;
        }
    }
    json_document_value(cx, api.body.get("body")?)
}

/// The operations of `definition`, in its order, each with how it is authorized: by the
/// `security` requirement that covers it — an operation's own replaces the definition's,
/// and a requirement is a non-empty object (`{}` makes authorization optional) — or, on a
/// REST API (`rest`), by an `x-amazon-apigateway-auth` other than `NONE`. What it cannot
/// know (an unknown `security` or auth type) is unknown, never open. An operation itself
/// unknown, and CORS preflights (`options`), are left out.
pub fn operations(definition: &Value, rest: bool) -> Vec<Operation> {
    let global = definition.get("security");
    let Some(paths) = definition.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            let method = match method.to_ascii_lowercase().as_str() {
                "x-amazon-apigateway-any-method" => "ANY".to_string(),
                m @ ("get" | "put" | "post" | "delete" | "head" | "patch" | "trace") => {
                    m.to_ascii_uppercase()
                }
                _ => continue,
            };
            if operation.is_unknown() {
                continue;
            }
            let by_requirement = operation
                .get("security")
                .or(global)
                .map_or(OperationAuthorization::None, requirement);
            let by_extension = match rest
                .then(|| operation.get("x-amazon-apigateway-auth")?.get("type"))
                .flatten()
            {
                Some(t) if t.is_unknown() => OperationAuthorization::Unknown,
                Some(t) => match t.as_str() {
                    Some(t) if !t.eq_ignore_ascii_case("NONE") => {
                        OperationAuthorization::By(vec![t.to_string()])
                    }
                    _ => OperationAuthorization::None,
                },
                None => OperationAuthorization::None,
            };
            let authorization = match (by_requirement, by_extension) {
                (OperationAuthorization::None, other) => other,
                (other, _) => other,
            };
            let key = if path == "$default" {
                path.clone()
            } else {
                format!("{method} {path}")
            };
            out.push(Operation {
                key,
                authorization,
                origin: operation.key_origin,
            });
        }
    }
    out
}

/// How a `security` value authorizes: every requirement a non-empty object (its scheme
/// names), or not at all.
fn requirement(security: &Value) -> OperationAuthorization {
    if security.is_unknown() {
        return OperationAuthorization::Unknown;
    }
    let Some(all) = security.as_list() else {
        return OperationAuthorization::None;
    };
    // Any one requirement met lets a request through: an empty one (`{}`) or one that is
    // no requirement makes authorization optional, whatever the others are.
    if all.is_empty()
        || all
            .iter()
            .any(|r| !r.is_unknown() && r.as_object().is_none_or(|r| r.is_empty()))
    {
        return OperationAuthorization::None;
    }
    let mut schemes = Vec::new();
    for r in all {
        match r.as_object() {
            Some(r) => schemes.extend(r.iter().map(|(name, _)| name.to_string())),
            None => return OperationAuthorization::Unknown,
        }
    }
    schemes.sort();
    schemes.dedup();
    OperationAuthorization::By(schemes)
}

/// Whether a REST API is private (`endpoint_configuration.types` has `PRIVATE`): only
/// callers through the account's VPC endpoints reach it.
pub fn is_private_rest_api(cx: &Context, api: &Block) -> bool {
    api.body.blocks_of("endpoint_configuration").any(|e| {
        e.body.get("types").is_some_and(|t| {
            cx.value(t).one_or_many().iter().any(|v| {
                v.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("PRIVATE"))
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A requirement list with an empty requirement is optional authorization, wherever the
    /// empty one stands among unknown ones.
    #[test]
    fn an_empty_requirement_makes_authorization_optional_in_any_order() {
        let value = |json: serde_json::Value| Value::from_json(&json, Origin::GENERATED);
        let unknown = Value::unknown(Origin::GENERATED);
        let list = |items: Vec<Value>| {
            Value::new(
                tfstack_model::ValueKind::List(items.into()),
                Origin::GENERATED,
            )
        };
        let empty = value(serde_json::json!({}));
        let sigv4 = value(serde_json::json!({ "sigv4": [] }));
        assert_eq!(
            requirement(&list(vec![unknown.clone(), empty.clone()])),
            OperationAuthorization::None
        );
        assert_eq!(
            requirement(&list(vec![empty, unknown.clone()])),
            OperationAuthorization::None
        );
        assert_eq!(
            requirement(&list(vec![unknown, sigv4.clone()])),
            OperationAuthorization::Unknown
        );
        assert_eq!(
            requirement(&list(vec![sigv4])),
            OperationAuthorization::By(vec!["sigv4".into()])
        );
        assert_eq!(requirement(&list(vec![])), OperationAuthorization::None);
    }
}
