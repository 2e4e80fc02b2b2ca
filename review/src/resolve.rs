//! What an expression, a marked string or a literal ARN designates, as components:
//! references go through the component that owns the referenced resource; literal ARNs
//! (`arn:aws:sqs:us-east-1:123456789012:orders`, `arn:aws:dynamodb:*:*:table/orders-*`)
//! are matched against the names the components are given in the configuration.

use crate::analysis::{self, Analysis, Instance};
use crate::components::{Component, Components, Kind};
use crate::symbolic;
use std::collections::{BTreeSet, HashMap};
use tfstack_model::{Block, Expr, Value};

/// A component's name as AWS knows it, for matching ARNs.
#[derive(Clone, Debug)]
struct Named {
    service: &'static str,
    /// The name, or a prefix when the configuration sets only `name_prefix`.
    name: String,
    prefix: bool,
    component: String,
}

/// Resolves references and ARNs to components.
pub(crate) struct Resolver<'c> {
    pub components: &'c Components,
    names: Vec<Named>,
    /// Positions in `names` by service: of every name, of the full names by name, and of
    /// the prefixes (so that an ARN without wildcards is matched by lookup, not by a
    /// scan of every name).
    by_service: HashMap<&'static str, Vec<usize>>,
    full_names: HashMap<&'static str, HashMap<String, Vec<usize>>>,
    prefixes: HashMap<&'static str, Vec<usize>>,
}

/// (kind, ARN service, name attribute, prefix attribute)
const NAME_ATTRIBUTES: &[(Kind, &str, &str, &str)] = &[
    (Kind::Function, "lambda", "function_name", ""),
    (Kind::Queue, "sqs", "name", "name_prefix"),
    (Kind::Topic, "sns", "name", "name_prefix"),
    (Kind::Table, "dynamodb", "name", ""),
    (Kind::Bucket, "s3", "bucket", "bucket_prefix"),
    (Kind::StateMachine, "states", "name", "name_prefix"),
    (Kind::EventBus, "events", "name", ""),
    (Kind::Secret, "secretsmanager", "name", "name_prefix"),
    (Kind::Repository, "ecr", "name", ""),
    (Kind::Stream, "kinesis", "name", ""),
    (Kind::LogGroup, "logs", "name", "name_prefix"),
];

impl<'c> Resolver<'c> {
    pub fn new(a: &Analysis, components: &'c Components) -> Self {
        let mut names = Vec::new();
        for c in components.list() {
            let Some(&(_, service, name_attr, prefix_attr)) =
                NAME_ATTRIBUTES.iter().find(|(k, ..)| *k == c.kind)
            else {
                continue;
            };
            let Some(b) = a.block(&c.primary) else {
                continue;
            };
            if let Some(name) = a.text(b, name_attr) {
                names.push(Named {
                    service,
                    name,
                    prefix: false,
                    component: c.id.clone(),
                });
            } else if let Some(name) = (!prefix_attr.is_empty())
                .then(|| a.text(b, prefix_attr))
                .flatten()
            {
                names.push(Named {
                    service,
                    name,
                    prefix: true,
                    component: c.id.clone(),
                });
            }
        }
        let mut by_service: HashMap<&'static str, Vec<usize>> = HashMap::new();
        let mut full_names: HashMap<&'static str, HashMap<String, Vec<usize>>> = HashMap::new();
        let mut prefixes: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            by_service.entry(n.service).or_default().push(i);
            if n.prefix {
                prefixes.entry(n.service).or_default().push(i);
            } else {
                full_names
                    .entry(n.service)
                    .or_default()
                    .entry(n.name.clone())
                    .or_default()
                    .push(i);
            }
        }
        Resolver {
            components,
            names,
            by_service,
            full_names,
            prefixes,
        }
    }

    /// The component of a resource address.
    pub fn component(&self, address: &str) -> Option<String> {
        self.components.owner_of(address).map(str::to_string)
    }

    /// The component of a block in one of its instances: what the block folds into, else
    /// (its instances serve several components: a redrive policy made for each of several
    /// queues) the component its owner attribute designates in the instance.
    pub fn owner_in(&self, a: &Analysis, b: &Block, instance: &Instance) -> Option<String> {
        if let Some(component) = self.component(&b.address()) {
            return Some(component);
        }
        if instance.key().is_empty() {
            return None;
        }
        crate::components::owner_attributes(b.type_label())?
            .iter()
            .find_map(|attribute| self.at(a, b, &[attribute], instance).into_iter().next())
    }

    /// Components an attribute written in `block` (or in a block nested in it) refers to,
    /// once each, also through what `each.value` and a `dynamic` block's iterator stand
    /// for (`target_arn = dead_letter_config.value` with `for_each =
    /// [aws_sqs_queue.dlq.arn]`: the queue), in address order.
    pub fn in_block<'m>(&self, a: &Analysis<'_, 'm>, block: &'m Block, e: &'m Expr) -> Vec<String> {
        dedup(
            crate::lint::targets_in_block(a.cx, block, e)
                .into_iter()
                .map(|t| t.address)
                .filter(|r| !r.starts_with("data."))
                .filter_map(|r| self.component(&r)),
        )
    }

    /// Components an attribute of `block` (or of a block nested in it) designates in
    /// `instance`: what its value there names when it reads what the instance binds and
    /// that value is known (`endpoint = each.value.queue`: the queue of the instance's
    /// entry, markers else a literal ARN), otherwise what it refers to
    /// ([`Resolver::in_expr`]).
    pub fn in_instance(
        &self,
        a: &Analysis,
        block: &Block,
        e: &Expr,
        instance: &Instance,
    ) -> Vec<String> {
        match a.symbolic_value_in(block, e, instance) {
            Some(value) if !value.is_unknown() => self.in_value(&value),
            _ => self.in_expr(a, e),
        }
    }

    /// Components the attribute at `path` (nested blocks, then the attribute) of `block`
    /// designates in `instance` ([`Resolver::in_instance`]), the nested blocks read as
    /// [`Analysis::nested_in`] reads them.
    pub fn at(
        &self,
        a: &Analysis,
        block: &Block,
        path: &[&str],
        instance: &Instance,
    ) -> Vec<String> {
        let Some((name, nested)) = path.split_last() else {
            return Vec::new();
        };
        let Some((holder, inner)) = a.nested_in(block, nested, instance) else {
            return Vec::new();
        };
        holder
            .body
            .get(name)
            .map(|e| self.in_instance(a, block, e, &inner))
            .unwrap_or_default()
    }

    /// [`Resolver::at`]; for the block as a whole, also through what `each.value` and the
    /// `dynamic` iterators stand for in any of its entries ([`Resolver::in_block`]): for
    /// an edge that leaves the block's own component, of which every entry's target is a
    /// target.
    pub fn at_or_any_entry<'m>(
        &self,
        a: &Analysis<'_, 'm>,
        block: &'m Block,
        path: &[&str],
        instance: &Instance,
    ) -> Vec<String> {
        if !instance.key().is_empty() {
            return self.at(a, block, path, instance);
        }
        let Some((name, nested)) = path.split_last() else {
            return Vec::new();
        };
        a.nested(block, nested)
            .and_then(|holder| holder.body.get(name))
            .map(|e| self.in_block(a, block, e))
            .unwrap_or_default()
    }

    /// The instances of the resources of one type that serve a component: each instance
    /// of its own, and of a resource that serves several components those that serve it
    /// ([`Components::parts`]).
    pub fn part_instances<'m>(
        &self,
        a: &Analysis<'_, 'm>,
        c: &Component,
        resource_type: &str,
    ) -> Vec<(&'m Block, Instance)> {
        let mut out = Vec::new();
        for b in self.components.parts(a, c, resource_type) {
            for instance in a.instances(b) {
                if self.owner_in(a, b, &instance).as_deref() == Some(c.id.as_str()) {
                    out.push((b, instance));
                }
            }
        }
        out
    }

    /// Components an expression refers to, in order, once each. Data sources (the
    /// partition, the account, a looked-up role) designate no component.
    pub fn in_expr(&self, a: &Analysis, e: &Expr) -> Vec<String> {
        dedup(
            a.references(e)
                .iter()
                .filter(|r| !r.starts_with("data."))
                .filter_map(|r| self.component(r)),
        )
    }

    /// Components a string designates: marked references, else a literal ARN.
    pub fn in_text(&self, text: &str) -> Vec<String> {
        let marked = symbolic::references_in(text);
        if !marked.is_empty() {
            return dedup(
                marked
                    .iter()
                    .filter(|r| !r.address.starts_with("data."))
                    .filter_map(|r| self.component(&r.address)),
            );
        }
        self.by_arn(text)
    }

    /// Components designated by the strings of a value.
    pub fn in_value(&self, v: &Value) -> Vec<String> {
        let mut out = Vec::new();
        analysis::walk_strings(v, &mut |s| out.extend(self.in_text(s)));
        dedup(out.into_iter())
    }

    /// Components whose AWS name matches a literal ARN (wildcards allowed in the ARN).
    pub fn by_arn(&self, arn: &str) -> Vec<String> {
        let Some((service, name)) = arn_name(arn) else {
            return Vec::new();
        };
        let service = service.as_str();
        // Without wildcards, a full name matches only itself (a secret's ARN ends in a
        // random suffix: those are matched as a scan does).
        let candidates: Vec<usize> = if name.contains(['*', '?']) || service == "secretsmanager" {
            self.by_service.get(service).cloned().unwrap_or_default()
        } else {
            let mut found: Vec<usize> = self
                .full_names
                .get(service)
                .and_then(|names| names.get(&name))
                .cloned()
                .unwrap_or_default();
            found.extend(self.prefixes.get(service).into_iter().flatten());
            // In the names' order, as a scan finds them.
            found.sort_unstable();
            found
        };
        dedup(
            candidates
                .into_iter()
                .filter_map(|i| self.names.get(i))
                .filter(|n| name_matches(n, &name))
                .map(|n| n.component.clone()),
        )
    }
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items.filter(|i| seen.insert(i.clone())).collect()
}

fn name_matches(n: &Named, arn_name: &str) -> bool {
    if n.service == "secretsmanager" {
        // Secret ARNs end in `-` and six random characters.
        let base = match arn_name.rsplit_once('-') {
            Some((base, suffix)) if suffix.len() == 6 => base,
            _ => arn_name,
        };
        return if n.prefix {
            base.starts_with(&n.name)
        } else {
            glob(base, &n.name) || glob(arn_name, &n.name)
        };
    }
    if n.prefix {
        // A generated name: the ARN matches when it could start with the prefix.
        let literal = arn_name.split(['*', '?']).next().unwrap_or("");
        return literal.starts_with(&n.name) || n.name.starts_with(literal);
    }
    glob(arn_name, &n.name)
}

/// The (service, resource name) of an ARN, for the services components are named in.
pub(crate) fn arn_name(arn: &str) -> Option<(String, String)> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let _partition = parts.next()?;
    let service = parts.next()?.to_string();
    let _region = parts.next()?;
    let _account = parts.next()?;
    let resource = parts.next()?;
    let name = match service.as_str() {
        "s3" => resource.split('/').next()?.to_string(),
        "sqs" | "sns" => resource.to_string(),
        "lambda" => resource
            .strip_prefix("function:")?
            .split(':')
            .next()?
            .to_string(),
        "dynamodb" => resource
            .strip_prefix("table/")?
            .split('/')
            .next()?
            .to_string(),
        "states" => resource
            .strip_prefix("stateMachine:")?
            .split(':')
            .next()?
            .to_string(),
        "events" => resource.strip_prefix("event-bus/")?.to_string(),
        "secretsmanager" => resource.strip_prefix("secret:")?.to_string(),
        "ecr" => resource.strip_prefix("repository/")?.to_string(),
        "kinesis" => resource.strip_prefix("stream/")?.to_string(),
        "logs" => resource
            .strip_prefix("log-group:")?
            .split(':')
            .next()?
            .to_string(),
        _ => return None,
    };
    if name.is_empty() {
        return None;
    }
    Some((service, name))
}

/// `*` and `?` wildcards of an IAM pattern, matched against a whole name (case-sensitive,
/// as ARNs are).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    tfstack_model::iam_actions::wildcard_match(pattern, text, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_names_by_service() {
        let cases = [
            ("arn:aws:s3:::invoices/*", ("s3", "invoices")),
            (
                "arn:aws:sqs:us-east-1:123456789012:jobs.fifo",
                ("sqs", "jobs.fifo"),
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:worker:live",
                ("lambda", "worker"),
            ),
            (
                "arn:aws:dynamodb:*:*:table/orders-*/index/*",
                ("dynamodb", "orders-*"),
            ),
            (
                "arn:aws:secretsmanager:us-east-1:1:secret:db-AbC123",
                ("secretsmanager", "db-AbC123"),
            ),
        ];
        for (arn, (service, name)) in cases {
            assert_eq!(
                arn_name(arn),
                Some((service.to_string(), name.to_string())),
                "{arn}"
            );
        }
        assert_eq!(arn_name("arn:aws:iam::123:role/x"), None);
        assert_eq!(arn_name("*"), None);
        assert_eq!(arn_name("arn:aws:lambda:us-east-1:1:layer:x"), None);
    }

    #[test]
    fn glob_matches_whole_names() {
        assert!(glob("orders-*", "orders-prod"));
        assert!(glob("*", "anything"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("orders-*", "order"));
        assert!(!glob("orders", "orders-prod"));
        assert!(glob("*-prod-*", "orders-prod-table"));
    }
}
