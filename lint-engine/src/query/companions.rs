//! Companion resources: the separate resources that configure another one
//! (`aws_s3_bucket_versioning` of a bucket, `aws_ecr_lifecycle_policy` of a repository).
//! Which resource a companion configures is read from its link attribute (`bucket`,
//! `repository`): by reference (also through locals and `for_each`), by a name that
//! evaluates to the parent's, or by the very same expression as the parent's name.
//!
//! Complexity: the companions of one link type are indexed once per module (O(c) for c
//! companions): by the parent they refer to and by the name they evaluate to. A parent
//! then looks up its candidates (O(1) plus the matches) and only those are judged by
//! [`configures`]. Compared with every parent are only the companions whose link neither
//! refers to a parent nor evaluates to a name, and, for a parent whose own name cannot be
//! evaluated, the named companions (any of them could be its): the cases where "maybe"
//! is the honest answer for every pair.

use crate::context::Context;
use crate::query::instances::exists;
use crate::query::references::{targets_in_block, targets_of};
use std::collections::HashMap;
use std::rc::Rc;
use tfstack_model::{Block, Expr, ExprKind};

/// How a resource names the resource it configures.
#[derive(Clone, Copy, Debug)]
pub struct Link {
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
pub enum Configures {
    Yes,
    /// It cannot be told before apply (its link is unknown and could name the parent).
    Maybe,
    No,
}

/// The companions of `parent` that exist, each with whether it surely configures it;
/// companions that do not are left out. In source order.
pub fn companions_of<'m>(
    cx: &Context<'m>,
    parent: &Block,
    link: Link,
) -> Vec<(&'m Block, Configures)> {
    let index = companion_index(cx, link);
    let mut candidates: Vec<usize> = Vec::new();
    if let Some(by_reference) = index.by_reference.get(&parent.address()) {
        candidates.extend(by_reference);
    }
    if let Some(name) = parent.body.get(link.parent_name) {
        let value = cx.value(name);
        match value.as_str() {
            Some(name) => candidates.extend(index.by_name.get(name).into_iter().flatten()),
            None if value.is_unknown() => candidates.extend(&index.named),
            None => {}
        }
    }
    candidates.extend(&index.other);
    candidates.sort_unstable();
    candidates.dedup();
    let all = cx.resources(link.companion_type);
    candidates
        .into_iter()
        .map(|i| all[i])
        .filter_map(|c| match configures(cx, c, parent, link) {
            Configures::No => None,
            how => Some((c, how)),
        })
        .collect()
}

/// The companions of one link type that exist, by position in
/// `cx.resources(companion_type)`, grouped by what their link says.
#[derive(Debug, Default)]
pub struct CompanionIndex {
    /// Companions whose link refers to parents, by parent address: they configure those
    /// parents and no other.
    by_reference: HashMap<String, Vec<usize>>,
    /// Companions whose link evaluates to a name, by that name.
    by_name: HashMap<String, Vec<usize>>,
    /// Every companion of `by_name`: candidates for a parent whose name is unknown.
    named: Vec<usize>,
    /// The rest (an unknown link, say): candidates for every parent.
    other: Vec<usize>,
}

/// The key of one companion index in the context's cache.
#[derive(PartialEq, Eq, Hash)]
struct CompanionIndexKey {
    companion_type: &'static str,
    attribute: &'static str,
}

fn companion_index(cx: &Context, link: Link) -> Rc<CompanionIndex> {
    cx.memoized(
        CompanionIndexKey {
            companion_type: link.companion_type,
            attribute: link.attribute,
        },
        || {
            let mut index = CompanionIndex::default();
            for (i, companion) in cx.resources(link.companion_type).iter().enumerate() {
                if !exists(cx, companion) {
                    continue;
                }
                let Some(expr) = companion.body.get(link.attribute) else {
                    continue; // configures nothing
                };
                let parents = if named_in_judged_instance(cx, companion, expr) {
                    Vec::new()
                } else {
                    referenced_parents(cx, companion, expr, link)
                };
                if !parents.is_empty() {
                    for parent in parents {
                        index.by_reference.entry(parent).or_default().push(i);
                    }
                    continue;
                }
                match cx.value(expr).as_str() {
                    Some(name) => {
                        index.by_name.entry(name.to_string()).or_default().push(i);
                        index.named.push(i);
                    }
                    None => index.other.push(i),
                }
            }
            index
        },
    )
}

/// The parents (of the link's type) a companion's link refers to: `aws_s3_bucket.logs.id`,
/// through locals, or what `each.*` stands for (`for_each = aws_s3_bucket.all`, or a map
/// whose entries name the bucket).
fn referenced_parents<'m>(
    cx: &Context<'m>,
    companion: &'m Block,
    expr: &'m Expr,
    link: Link,
) -> Vec<String> {
    targets_in_block(cx, companion, expr)
        .into_iter()
        .filter(|t| !t.address.starts_with("data.") && t.resource_type() == link.parent_type)
        .map(|t| t.address)
        .collect()
}

/// Whether a companion judged in one of its instances gives its link a known name
/// (`bucket = each.key`: the instance's key). That instance configures the parent of that
/// name only, though its `for_each` refers to every parent its instances name: it is
/// linked by name, not by reference.
fn named_in_judged_instance(cx: &Context, companion: &Block, expr: &Expr) -> bool {
    cx.judged_alone(companion) && cx.value(expr).as_str().is_some()
}

/// Whether `companion` configures `parent`.
pub fn configures<'m>(
    cx: &Context<'m>,
    companion: &'m Block,
    parent: &Block,
    link: Link,
) -> Configures {
    let Some(expr) = companion.body.get(link.attribute) else {
        return Configures::No;
    };
    // By reference: `aws_s3_bucket.logs.id`, through locals or `for_each = aws_s3_bucket.all`
    // (by name in an instance judged alone, which names one of them).
    let parents = if named_in_judged_instance(cx, companion, expr) {
        Vec::new()
    } else {
        referenced_parents(cx, companion, expr, link)
    };
    if !parents.is_empty() {
        return if parents.contains(&parent.address()) {
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
        if name == expr && (repeated_alike || !expr.reads_instance()) {
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
pub fn handed_to_module(cx: &Context, parent: &Block, attributes: &[&str]) -> bool {
    let inputs = cx.memoized(ModuleInputsKey, || module_inputs(cx));
    inputs.get(&parent.address()).is_some_and(|read| {
        read.iter().any(|attribute| {
            attribute
                .as_deref()
                .is_none_or(|attr| attributes.contains(&attr))
        })
    })
}

/// The resources child modules are handed, by address, each with the attributes read
/// (`None`: the whole resource).
pub type ModuleInputs = HashMap<String, Vec<Option<String>>>;

/// The key of the module inputs in the context's cache.
#[derive(PartialEq, Eq, Hash)]
struct ModuleInputsKey;

/// Every input of every child module, walked once per module.
fn module_inputs(cx: &Context) -> ModuleInputs {
    let mut inputs = ModuleInputs::new();
    for m in cx.module_calls() {
        for a in m.body.attributes() {
            for t in targets_of(cx, &a.value) {
                inputs.entry(t.address).or_default().push(t.attribute);
            }
        }
    }
    inputs
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

const fn bucket_link(companion_type: &'static str) -> Link {
    Link {
        companion_type,
        attribute: "bucket",
        parent_type: "aws_s3_bucket",
        parent_name: "bucket",
    }
}

/// Since provider v4 a bucket's settings are separate resources that name it; these links
/// say how each is paired with its bucket.
pub const S3_PUBLIC_ACCESS_BLOCK: Link = bucket_link("aws_s3_bucket_public_access_block");
/// `aws_s3_bucket_versioning` → its bucket.
pub const S3_VERSIONING: Link = bucket_link("aws_s3_bucket_versioning");
/// `aws_s3_bucket_lifecycle_configuration` → its bucket.
pub const S3_LIFECYCLE_CONFIGURATION: Link = bucket_link("aws_s3_bucket_lifecycle_configuration");
/// `aws_s3_bucket_policy` → its bucket.
pub const S3_BUCKET_POLICY: Link = bucket_link("aws_s3_bucket_policy");
/// `aws_s3_bucket_server_side_encryption_configuration` → its bucket.
pub const S3_ENCRYPTION_CONFIGURATION: Link =
    bucket_link("aws_s3_bucket_server_side_encryption_configuration");
/// `aws_ecr_lifecycle_policy` → its repository.
pub const ECR_LIFECYCLE_POLICY: Link = Link {
    companion_type: "aws_ecr_lifecycle_policy",
    attribute: "repository",
    parent_type: "aws_ecr_repository",
    parent_name: "name",
};

/// The buckets the S3 rules judge: those that exist and that no child module is handed
/// by name (the module may configure them).
pub fn judged_buckets<'m>(cx: &Context<'m>) -> Vec<&'m Block> {
    judged(cx, "aws_s3_bucket", &["id", "bucket"])
}

/// The repositories the ECR rules judge: those that exist and that no child module is
/// handed by name (the module may configure them).
pub fn judged_repositories<'m>(cx: &Context<'m>) -> Vec<&'m Block> {
    judged(cx, "aws_ecr_repository", &["name", "id"])
}

/// The resources of a type that exist and that no child module is handed by one of
/// `name_attributes` (or whole).
fn judged<'m>(
    cx: &Context<'m>,
    resource_type: &'static str,
    name_attributes: &[&str],
) -> Vec<&'m Block> {
    cx.resources(resource_type)
        .iter()
        .copied()
        .filter(|r| exists(cx, r) && !handed_to_module(cx, r, name_attributes))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERSIONING: Link = S3_VERSIONING;

    /// Every way a companion can name its bucket, for the index to sort out.
    const MODULE: &str = r#"
variable "shared_name" {
  type = string
}
variable "known" {
  type    = string
  default = "acme-known"
}
locals {
  logs = aws_s3_bucket.logs.id
}
resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}
resource "aws_s3_bucket" "known" {
  bucket = var.known
}
resource "aws_s3_bucket" "shared" {
  bucket = var.shared_name
}
resource "aws_s3_bucket" "unnamed" {
}
resource "aws_s3_bucket" "many" {
  for_each = toset(["a", "b"])
  bucket   = "acme-many-${each.key}"
}
resource "aws_s3_bucket_versioning" "by_reference" {
  bucket = aws_s3_bucket.logs.id
}
resource "aws_s3_bucket_versioning" "through_local" {
  bucket = local.logs
}
resource "aws_s3_bucket_versioning" "by_literal_name" {
  bucket = "acme-known"
}
resource "aws_s3_bucket_versioning" "by_other_name" {
  bucket = "acme-elsewhere"
}
resource "aws_s3_bucket_versioning" "same_expression" {
  bucket = var.shared_name
}
resource "aws_s3_bucket_versioning" "from_data" {
  bucket = data.aws_s3_bucket.external.id
}
resource "aws_s3_bucket_versioning" "each_of_many" {
  for_each = aws_s3_bucket.many
  bucket   = each.value.id
}
resource "aws_s3_bucket_versioning" "unset" {
}
resource "aws_s3_bucket_versioning" "disabled" {
  count  = 0
  bucket = aws_s3_bucket.logs.id
}
"#;

    #[test]
    fn the_index_finds_what_comparing_every_pair_finds() {
        let module = crate::testing::module_from_hcl(MODULE);
        let cx = Context::new(&module);
        let mut seen = Vec::new();
        for parent in cx.resources("aws_s3_bucket") {
            let brute: Vec<(String, Configures)> = cx
                .resources(VERSIONING.companion_type)
                .iter()
                .filter(|c| exists(&cx, c))
                .filter_map(|c| match configures(&cx, c, parent, VERSIONING) {
                    Configures::No => None,
                    how => Some((c.address(), how)),
                })
                .collect();
            let indexed: Vec<(String, Configures)> = companions_of(&cx, parent, VERSIONING)
                .into_iter()
                .map(|(c, how)| (c.address(), how))
                .collect();
            assert_eq!(indexed, brute, "{}", parent.address());
            seen.push((parent.address(), indexed));
        }
        // And what that is, so a change to `configures` shows up here too.
        let yes = |a: &str| (a.to_string(), Configures::Yes);
        let maybe = |a: &str| (a.to_string(), Configures::Maybe);
        let prefix = "aws_s3_bucket_versioning.";
        let c = |n: &str| format!("{prefix}{n}");
        // An unknown link (`same_expression`) may name any bucket; a bucket whose name is
        // unknown (`shared`, and `many` outside its instances) may be named by any name.
        assert_eq!(
            seen,
            vec![
                (
                    "aws_s3_bucket.logs".to_string(),
                    vec![
                        yes(&c("by_reference")),
                        yes(&c("through_local")),
                        maybe(&c("same_expression")),
                    ]
                ),
                (
                    "aws_s3_bucket.known".to_string(),
                    vec![yes(&c("by_literal_name")), maybe(&c("same_expression"))]
                ),
                (
                    "aws_s3_bucket.shared".to_string(),
                    vec![
                        maybe(&c("by_literal_name")),
                        maybe(&c("by_other_name")),
                        yes(&c("same_expression")),
                    ]
                ),
                (
                    "aws_s3_bucket.unnamed".to_string(),
                    vec![maybe(&c("same_expression"))]
                ),
                (
                    "aws_s3_bucket.many".to_string(),
                    vec![
                        maybe(&c("by_literal_name")),
                        maybe(&c("by_other_name")),
                        maybe(&c("same_expression")),
                        yes(&c("each_of_many")),
                    ]
                ),
            ]
        );
    }
}
