//! The ingress rules of a module's security groups, wherever they are written: inline
//! `ingress` blocks of `aws_security_group` and `aws_default_security_group` (also
//! `dynamic "ingress"` blocks whose `for_each` evaluates, and `ingress = [...]`),
//! `aws_security_group_rule` with `type = "ingress"`, and
//! `aws_vpc_security_group_ingress_rule`. Each field is evaluated; what cannot be is left
//! for the caller to judge (rules stay quiet on it).

use crate::context::Context;
use crate::query::instances::exists;
use crate::query::settings::dynamic_iterator;
use indexmap::IndexMap;
use tfstack_model::eval::Scope;
use tfstack_model::{Block, Origin, Structure, Value, ValueKind};

/// Whether a CIDR covers every address of its family: a `/0` prefix on an IPv4 or IPv6
/// address, however the address is written (`0.0.0.0/0`, `::/0`, `0::/0`, `::0/0`,
/// `0:0:0:0:0:0:0:0/0`). Parsed with `std::net`, so text that is not a CIDR never matches.
pub fn is_everywhere(cidr: &str) -> bool {
    let Some((address, prefix)) = cidr.split_once('/') else {
        return false;
    };
    address.parse::<std::net::IpAddr>().is_ok()
        && !prefix.is_empty()
        && prefix.bytes().all(|b| b.is_ascii_digit())
        && prefix.parse::<u8>() == Ok(0)
}

/// One ingress rule, its fields evaluated (`None`: not written).
#[derive(Clone, Debug)]
pub struct Ingress<'m> {
    /// The security group that holds the inline rule, or the rule resource.
    pub owner: &'m Block,
    /// `ingress[0].` for inline rules, empty for rule resources.
    pub path: String,
    pub protocol: Option<Value>,
    pub from_port: Option<Value>,
    pub to_port: Option<Value>,
    /// (attribute, value) of each source field that holds CIDRs.
    pub cidrs: Vec<(&'static str, Value)>,
    /// The ingress block, or the resource.
    pub origin: Origin,
}

impl Ingress<'_> {
    /// The first source that is the whole internet, with the attribute that holds it.
    pub fn open_cidr(&self) -> Option<(&'static str, &Value)> {
        self.cidrs.iter().find_map(|(attribute, values)| {
            values
                .one_or_many()
                .into_iter()
                .find(|v| v.as_str().is_some_and(is_everywhere))
                .map(|v| (*attribute, v))
        })
    }

    /// The protocol in lower case (`tcp`, `-1`, `6`), when known.
    pub fn protocol(&self) -> Option<String> {
        match &self.protocol.as_ref()?.kind {
            ValueKind::String(s) => Some(s.to_ascii_lowercase()),
            ValueKind::Number(n) => Some(format!("{n}")),
            _ => None,
        }
    }

    /// The port range, when both ends are known.
    pub fn ports(&self) -> Option<(f64, f64)> {
        Some((
            self.from_port.as_ref()?.as_f64()?,
            self.to_port.as_ref()?.as_f64()?,
        ))
    }
}

/// Every ingress rule of the module, in source order of the groups and then of the rule
/// resources; resources with no instance (`count = 0`) are left out.
pub fn ingress_rules<'m>(cx: &Context<'m>) -> Vec<Ingress<'m>> {
    let mut out = Vec::new();
    for resource_type in ["aws_security_group", "aws_default_security_group"] {
        for group in cx.resources(resource_type) {
            if exists(cx, group) {
                out.extend(inline_rules(cx, group));
            }
        }
    }
    for rule in cx.resources("aws_security_group_rule") {
        let kind = cx.attr(rule, "type");
        if exists(cx, rule) && kind.as_ref().and_then(|v| v.as_str()) == Some("ingress") {
            out.push(rule_resource(
                cx,
                rule,
                "protocol",
                &["cidr_blocks", "ipv6_cidr_blocks"],
            ));
        }
    }
    for rule in cx.resources("aws_vpc_security_group_ingress_rule") {
        if exists(cx, rule) {
            out.push(rule_resource(
                cx,
                rule,
                "ip_protocol",
                &["cidr_ipv4", "cidr_ipv6"],
            ));
        }
    }
    out
}

/// The inline rules of a security group: `ingress` blocks, `dynamic "ingress"` blocks
/// expanded when their `for_each` is known, and `ingress = [...]`; numbered in order.
fn inline_rules<'m>(cx: &Context<'m>, group: &'m Block) -> Vec<Ingress<'m>> {
    let mut out = Vec::new();
    for item in &group.body.items {
        match item {
            Structure::Block(b) if b.kind == "ingress" => {
                let path = format!("ingress[{}].", out.len());
                out.push(block_rule(cx, group, b, &Scope::default(), path));
            }
            Structure::Block(b)
                if b.kind == "dynamic"
                    && b.labels.first().map(tfstack_model::Name::as_str) == Some("ingress") =>
            {
                let Some(content) = b.body.block("content") else {
                    continue;
                };
                let iterator = dynamic_iterator(b).unwrap_or("ingress");
                for scope in dynamic_scopes(cx, b, iterator) {
                    let path = format!("ingress[{}].", out.len());
                    out.push(block_rule(cx, group, content, &scope, path));
                }
            }
            Structure::Attribute(a) if a.name == "ingress" => {
                let value = cx.value(&a.value);
                for item in value.as_list().unwrap_or_default() {
                    if item.as_object().is_none() {
                        continue;
                    }
                    let path = format!("ingress[{}].", out.len());
                    let origin = item.origin.or(a.origin);
                    out.push(inline_rule(group, path, origin, |name| {
                        item.get(name).cloned()
                    }));
                }
            }
            _ => {}
        }
    }
    out
}

/// One scope per element of a `dynamic` block's `for_each`, when it is known.
fn dynamic_scopes(cx: &Context, dynamic: &Block, iterator: &str) -> Vec<Scope> {
    let entries: Vec<(Value, Value)> = match cx.attr(dynamic, "for_each").map(|v| v.kind) {
        Some(ValueKind::List(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::new(ValueKind::Number(i as f64), v.origin), v))
            .collect(),
        Some(ValueKind::Object(map)) => std::sync::Arc::unwrap_or_clone(map)
            .into_iter()
            .map(|(k, v)| (Value::string(k, v.origin), v))
            .collect(),
        _ => Vec::new(),
    };
    entries
        .into_iter()
        .map(|(key, value)| {
            let origin = value.origin;
            let mut it = IndexMap::new();
            it.insert("key".to_string(), key);
            it.insert("value".to_string(), value);
            let mut scope = Scope::default();
            scope.names.insert(
                iterator.to_string(),
                Value::new(ValueKind::object(it), origin),
            );
            scope
        })
        .collect()
}

/// An `ingress` block (or a `dynamic` block's `content`) evaluated in `scope`.
fn block_rule<'m>(
    cx: &Context,
    group: &'m Block,
    block: &Block,
    scope: &Scope,
    path: String,
) -> Ingress<'m> {
    inline_rule(group, path, block.origin, |name| {
        block.body.get(name).map(|e| cx.eval.eval_in(e, scope, 0))
    })
}

/// An inline rule of `group` whose fields `field` reads.
fn inline_rule<'m>(
    group: &'m Block,
    path: String,
    origin: Origin,
    field: impl Fn(&str) -> Option<Value>,
) -> Ingress<'m> {
    Ingress {
        owner: group,
        path,
        protocol: field("protocol"),
        from_port: field("from_port"),
        to_port: field("to_port"),
        cidrs: ["cidr_blocks", "ipv6_cidr_blocks"]
            .into_iter()
            .filter_map(|n| field(n).map(|v| (n, v)))
            .collect(),
        origin,
    }
}

/// A rule resource (`aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`).
fn rule_resource<'m>(
    cx: &Context,
    rule: &'m Block,
    protocol: &str,
    cidr_fields: &[&'static str],
) -> Ingress<'m> {
    Ingress {
        owner: rule,
        path: String::new(),
        protocol: cx.attr(rule, protocol),
        from_port: cx.attr(rule, "from_port"),
        to_port: cx.attr(rule, "to_port"),
        cidrs: cidr_fields
            .iter()
            .filter_map(|n| cx.attr(rule, n).map(|v| (*n, v)))
            .collect(),
        origin: rule.origin,
    }
}
