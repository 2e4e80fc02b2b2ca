//! Companion resources: the separate resources that configure another one
//! (`aws_s3_bucket_versioning` of a bucket, `aws_ecr_lifecycle_policy` of a repository).
//! Which resource a companion configures is read from its link attribute (`bucket`,
//! `repository`): by reference (also through locals and `for_each`), by a name that
//! evaluates to the parent's, or by the very same expression as the parent's name.

use crate::context::Context;
use crate::rules::dlq::{exists, targets_of};
use tfstack_model::{Block, Expr, ExprKind};

/// How a resource names the resource it configures.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Link {
    /// The companion's type (`aws_s3_bucket_versioning`).
    pub companion_type: &'static str,
    /// The companion's attribute that names the parent (`bucket`).
    pub attribute: &'static str,
    /// The parent's type (`aws_s3_bucket`).
    pub parent_type: &'static str,
    /// The parent's attribute that holds its name (`bucket`, `name`).
    pub parent_name: &'static str,
}

/// Whether a companion configures a given parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Configures {
    Yes,
    /// It cannot be told before apply (its link is unknown and could name the parent).
    Maybe,
    No,
}

/// The companions of `parent` that exist, each with whether it surely configures it;
/// companions that do not are left out.
pub(crate) fn companions_of<'m>(
    cx: &Context<'m>,
    parent: &Block,
    link: Link,
) -> Vec<(&'m Block, Configures)> {
    cx.resources(link.companion_type)
        .iter()
        .copied()
        .filter(|c| exists(cx, c))
        .filter_map(|c| match configures(cx, c, parent, link) {
            Configures::No => None,
            how => Some((c, how)),
        })
        .collect()
}

/// Whether `companion` configures `parent`.
pub(crate) fn configures(
    cx: &Context,
    companion: &Block,
    parent: &Block,
    link: Link,
) -> Configures {
    let Some(expr) = companion.body.get(link.attribute) else {
        return Configures::No;
    };
    // By reference: `aws_s3_bucket.logs.id`, through locals or `for_each = aws_s3_bucket.all`.
    let mut targets = targets_of(cx, expr);
    if let Some(each) = companion.body.get("for_each") {
        if uses_each(expr) {
            targets.extend(targets_of(cx, each));
        }
    }
    let parents: Vec<&str> = targets
        .iter()
        .filter(|t| !t.address.starts_with("data.") && t.resource_type() == link.parent_type)
        .map(|t| t.address.as_str())
        .collect();
    if !parents.is_empty() {
        return if parents.contains(&parent.address().as_str()) {
            Configures::Yes
        } else {
            Configures::No
        };
    }
    // The same expression as the parent's name (`var.bucket_name` in both), under the
    // same repetition.
    let parent_name = parent.body.get(link.parent_name);
    if let Some(name) = parent_name {
        let repeated_alike = ["for_each", "count"]
            .iter()
            .all(|m| companion.body.get(m) == parent.body.get(m));
        if name == expr && (repeated_alike || !uses_repetition(expr)) {
            return Configures::Yes;
        }
    }
    let value = cx.value(expr);
    if let Some(name) = value.as_str() {
        let Some(parent_name) = parent_name else {
            // A parent without a name gets a generated one: a literal cannot name it.
            return Configures::No;
        };
        let parent_value = cx.value(parent_name);
        return match parent_value.as_str() {
            Some(p) if p == name => Configures::Yes,
            Some(_) => Configures::No,
            None if parent_value.is_unknown() => Configures::Maybe,
            None => Configures::No,
        };
    }
    if value.is_unknown() && !names_something_else(expr) {
        return Configures::Maybe;
    }
    Configures::No
}

/// Whether a resource is handed to a child module by one of `attributes` (its name or
/// id), or whole: the module may configure it.
pub(crate) fn handed_to_module(cx: &Context, parent: &Block, attributes: &[&str]) -> bool {
    let address = parent.address();
    cx.module.config.blocks_of("module").any(|m| {
        m.body.attributes().any(|a| {
            targets_of(cx, &a.value).iter().any(|t| {
                t.address == address
                    && t.attribute
                        .as_deref()
                        .is_none_or(|attr| attributes.contains(&attr))
            })
        })
    })
}

/// Whether an expression reads `each.*`.
fn uses_each(expr: &Expr) -> bool {
    expr.traversals().iter().any(|t| t.root == "each")
}

/// Whether an expression reads `each.*` or `count.index`.
fn uses_repetition(expr: &Expr) -> bool {
    expr.traversals()
        .iter()
        .any(|t| t.root == "each" || t.root == "count")
}

/// Whether an expression reads a data source or a child module's output: then it names a
/// resource managed elsewhere, not one of this module's.
fn names_something_else(expr: &Expr) -> bool {
    let mut found = false;
    expr.visit(&mut |e| {
        if let ExprKind::Traversal(t) = &e.kind {
            if t.root == "data" || t.root == "module" {
                found = true;
            }
        }
    });
    found
}
