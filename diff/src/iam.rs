//! IAM: every policy document of a module (identity, resource and trust policies, policy
//! document data sources, and each `aws_lambda_permission` as the statement it adds to its
//! function's resource policy), read over the symbolic twin so that a statement names the
//! resources it grants on, and the managed policies attached to roles by ARN. Two
//! versions are compared document by document and statement by statement: what a
//! statement grants is compared as sets of actions (wildcards expanded with the IAM
//! action table), resources, principals and conditions, so a reordering, a renamed local
//! or a reformatting is no change.

use crate::moves::{take_entries, Moves, Relocate, Rename};
use crate::places::Places;
use crate::report::{Category, Change, Danger, Effect};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::policy::{policies, PolicyKind, StatementView};
use tfstack_lint_engine::query::references::{referenced_through_locals, targets_of};
use tfstack_model::aws::is_account_id;
use tfstack_model::eval::Scope;
use tfstack_model::iam_actions::{matching_actions, wildcard_match};
use tfstack_model::{Block, Value, ValueKind};
use tfstack_review::symbolic;
use tfstack_review::AccessAnalysis;

/// How many expanded actions a change lists (the count is always complete).
const LISTED_ACTIONS: usize = 100;

/// The IAM of one module.
#[derive(Clone, Debug, Default)]
pub(crate) struct IamFacts {
    /// By policy key: the owner's address, with the attribute when it is not `policy`.
    policies: BTreeMap<String, Policy>,
    /// (role, policy ARN) of managed policies attached by ARN, with where.
    attachments: BTreeMap<(String, String), Option<String>>,
}

#[derive(Clone, Debug)]
struct Policy {
    owner: String,
    kind: PolicyKind,
    /// The roles an identity policy applies to; the resources a resource policy or the
    /// roles a trust policy is for.
    subjects: Vec<String>,
    statements: Vec<Statement>,
    location: Option<String>,
    /// An inline policy of roles (`aws_iam_role_policy`, a role's `inline_policy`), neither
    /// it nor its roles made by `count` or `for_each`: what it grants is granted to exactly
    /// those roles, so its roles' inline policies can be compared together.
    inline_of_roles: bool,
}

/// One statement, its parts as text (references shown as `${aws_s3_bucket.b.arn}`).
#[derive(Clone, Debug)]
struct Statement {
    /// `Sid`, or `Statement[i]`.
    label: String,
    sid: Option<String>,
    deny: bool,
    /// `Action`, or the `NotAction` list when `not_actions`.
    actions: Vec<String>,
    not_actions: bool,
    resources: Vec<String>,
    not_resources: bool,
    /// `*`, or `TYPE:identifier` (`AWS:arn:aws:iam::123456789012:root`,
    /// `Service:lambda.amazonaws.com`).
    principals: Vec<String>,
    /// `Operator key` (the key in lower case: IAM compares condition key names without
    /// case) → the condition.
    conditions: BTreeMap<String, Condition>,
    location: Option<String>,
}

/// One condition of a statement: `Operator key` as written, and its values.
#[derive(Clone, Debug)]
struct Condition {
    shown: String,
    values: Vec<String>,
}

/// Two conditions under one `Operator key` are the same when their values are: the key's
/// spelling (`AWS:SourceArn`, `aws:SourceArn`) is not what IAM matches.
impl PartialEq for Condition {
    fn eq(&self, other: &Condition) -> bool {
        self.values == other.values
    }
}

impl Statement {
    /// Whether two statements grant the same (labels and places aside).
    fn same_grant(&self, other: &Statement) -> bool {
        let lower = |v: &[String]| -> BTreeSet<String> {
            v.iter().map(|a| a.to_ascii_lowercase()).collect()
        };
        let set = |v: &[String]| -> BTreeSet<String> { v.iter().cloned().collect() };
        self.deny == other.deny
            && self.not_actions == other.not_actions
            && self.not_resources == other.not_resources
            && lower(&self.actions) == lower(&other.actions)
            && set(&self.resources) == set(&other.resources)
            && set(&self.principals) == set(&other.principals)
            && self.conditions == other.conditions
    }

    /// `Allow s3:GetObject on arn:aws:s3:::reports/*`, for lists of statements.
    fn summary(&self) -> String {
        let mut out = String::from(if self.deny { "Deny" } else { "Allow" });
        if !self.principals.is_empty() {
            out.push_str(&format!(" {}", code_list(&self.principals)));
        }
        let actions = if self.actions.is_empty() {
            "no action".to_string()
        } else {
            code_list(&self.actions)
        };
        if self.not_actions {
            out.push_str(&format!(" every action except {actions}"));
        } else {
            out.push_str(&format!(" {actions}"));
        }
        if !self.resources.is_empty() {
            let except = if self.not_resources {
                "every resource except "
            } else {
                ""
            };
            out.push_str(&format!(" on {except}{}", code_list(&self.resources)));
        }
        if !self.conditions.is_empty() {
            let keys: Vec<String> = self.conditions.values().map(|c| c.shown.clone()).collect();
            out.push_str(&format!(" if {}", code_list(&keys)));
        }
        format!("`{}`: {out}", self.label)
    }
}

impl Rename for IamFacts {
    fn rename(&mut self, moves: &Moves) {
        self.policies.rename(moves);
        self.attachments.rename(moves);
    }
}

impl Relocate for IamFacts {
    fn take_moved(&mut self, moves: &Moves) -> IamFacts {
        let mut taken = IamFacts {
            policies: take_entries(&mut self.policies, moves, |_, p| &p.owner),
            attachments: take_entries(&mut self.attachments, moves, |(identity, _), _| identity),
        };
        taken.rename(moves);
        taken
    }

    fn absorb(&mut self, moved: IamFacts) {
        self.policies.extend(moved.policies);
        self.attachments.extend(moved.attachments);
    }
}

impl Rename for Policy {
    fn rename(&mut self, moves: &Moves) {
        self.owner.rename(moves);
        self.subjects.rename(moves);
        self.statements.rename(moves);
    }
}

impl Rename for Statement {
    fn rename(&mut self, moves: &Moves) {
        self.resources.rename(moves);
        self.principals.rename(moves);
        for condition in self.conditions.values_mut() {
            condition.values.rename(moves);
        }
    }
}

/// The IAM of one module: `cx` and `sym` read the module and its symbolic twin.
pub(crate) fn facts(
    cx: &Context,
    sym: &Context,
    access: &AccessAnalysis,
    places: &Places,
) -> IamFacts {
    let mut facts = IamFacts::default();
    for doc in policies(sym).iter() {
        let written_in = doc
            .resource
            .clone()
            .or_else(|| places.of(sym, doc.origin).map(|l| file_of(&l)))
            .unwrap_or_else(|| "policy file".to_string());
        // A policy document data source read by one policy attribute is that policy: the
        // same statements written inline or as a data source are the same policy.
        let (owner, attribute) = match sole_reader(cx, &written_in) {
            Some((reader, attribute)) => (reader, Some(attribute)),
            None => (written_in.clone(), doc.attribute.map(str::to_string)),
        };
        let mut key = match attribute.as_deref() {
            None | Some("policy") => owner.clone(),
            Some(attribute) => format!("{owner} ({attribute})"),
        };
        if facts.policies.contains_key(&key) {
            let n = (2..)
                .find(|n| !facts.policies.contains_key(&format!("{key} #{n}")))
                .unwrap_or(2);
            key = format!("{key} #{n}");
        }
        let subjects = match doc.kind {
            PolicyKind::Identity => access
                .policy_roles
                .get(&written_in)
                .cloned()
                .unwrap_or_default(),
            PolicyKind::Trust | PolicyKind::Resource if written_in.starts_with("data.") => cx
                .referenced_by(&written_in)
                .iter()
                .map(|r| r.from.address())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            _ => vec![owner.clone()],
        };
        let statements = doc
            .statements
            .iter()
            .map(|s| statement(s, places.of(sym, s.origin)))
            .collect();
        let inline_of_roles = doc.kind == PolicyKind::Identity
            && is_inline_of_roles(cx, &owner, attribute.as_deref(), &subjects);
        facts.policies.insert(
            key,
            Policy {
                owner,
                kind: doc.kind,
                subjects,
                statements,
                location: places.of(sym, doc.origin),
                inline_of_roles,
            },
        );
    }
    // The twin's blocks are the module's, in the same order (a plan's instances share
    // one address).
    let symbolic_permissions = sym.resources("aws_lambda_permission");
    for (i, permission) in cx.resources("aws_lambda_permission").iter().enumerate() {
        if !exists(cx, permission) {
            continue;
        }
        let Some(symbolic) = symbolic_permissions.get(i) else {
            continue;
        };
        // The function it refers to, by its address: its name, its ARN or its `id` name
        // the one function, whose ARN is the statement's resource.
        let referenced = permission.body.get("function_name").and_then(|e| {
            targets_of(cx, e)
                .into_iter()
                .find(|t| t.resource_type() == "aws_lambda_function")
                .map(|t| t.address)
        });
        // One statement per instance: each instance is a permission of its own.
        let scopes = sym.instance_scopes(symbolic);
        let instances: Vec<(String, Option<&Scope>)> = if scopes.is_empty() {
            let key = permission.instance_key().unwrap_or_default();
            vec![(key.to_string(), None)]
        } else {
            scopes
                .iter()
                .map(|(key, scope)| (key.clone(), Some(scope)))
                .collect()
        };
        for (key, scope) in instances {
            let location = places.of(cx, permission.origin);
            let (function, policy) =
                lambda_permission(sym, symbolic, &referenced, scope, location.clone());
            // Terraform moves an object to instance `[0]` when `count` is added (and back
            // when it is removed): the first instance is the block's own.
            let key = if key == "[0]" { "" } else { key.as_str() };
            let owner = format!("{}{key}", permission.address());
            facts.policies.insert(
                owner.clone(),
                Policy {
                    owner,
                    kind: PolicyKind::Resource,
                    subjects: vec![function],
                    statements: vec![policy],
                    location,
                    inline_of_roles: false,
                },
            );
        }
    }
    for (resource_type, attached_to, policies) in ATTACHMENTS {
        for attachment in cx.resources(resource_type).iter().filter(|a| exists(cx, a)) {
            let arns = managed_arns(sym, attachment, policies);
            for (attribute, kind) in *attached_to {
                for identity in identities_in(cx, attachment, attribute, kind) {
                    for arn in &arns {
                        facts.attachments.insert(
                            (identity.clone(), arn.clone()),
                            places.of(cx, attachment.origin),
                        );
                    }
                }
            }
        }
    }
    for role in cx.resources("aws_iam_role") {
        let Some(symbolic_role) = sym.block(&role.address()) else {
            continue;
        };
        let arns = symbolic_role
            .body
            .get("managed_policy_arns")
            .map(|e| sym.value(e))
            .map(|v| v.one_or_many().into_iter().map(text).collect::<Vec<_>>())
            .unwrap_or_default();
        for arn in arns.into_iter().filter(|a| !names_module_policy(a)) {
            facts
                .attachments
                .insert((role.address(), arn), places.of(cx, role.origin));
        }
    }
    facts
}

/// Whether the policy `owner` holds in `attribute` is an inline policy of the roles
/// `subjects` only: an `aws_iam_role_policy`, or a role's `inline_policy`, with neither it
/// nor a role made by `count` or `for_each` (whose instances the subjects do not tell
/// apart). A managed policy may also be attached to users and groups, or be a boundary.
fn is_inline_of_roles(
    cx: &Context,
    owner: &str,
    attribute: Option<&str>,
    subjects: &[String],
) -> bool {
    let Some(block) = cx.block(owner) else {
        return false;
    };
    let inline = block.is_resource("aws_iam_role_policy")
        || (block.is_resource("aws_iam_role")
            && attribute.is_some_and(|a| a.starts_with("inline_policy")));
    inline
        && !block.is_repeated()
        && !subjects.is_empty()
        && subjects.iter().all(|role| {
            cx.block(role)
                .is_some_and(|r| r.is_resource("aws_iam_role") && !r.is_repeated())
        })
}

/// The attributes that hold a policy document.
const POLICY_ATTRIBUTES: &[&str] = &[
    "policy",
    "assume_role_policy",
    "inline_policy.policy",
    "access_policies",
    "access_policy",
];

/// The one resource attribute that reads a policy document data source, if exactly one
/// does (`aws_iam_role_policy.worker`, `policy`).
/// A reader is a policy attribute of a resource that refers to the data source, also
/// through a local (`policy = local.send_policy`): a local put between the two is no
/// change.
fn sole_reader(cx: &Context, address: &str) -> Option<(String, String)> {
    if !address.starts_with("data.aws_iam_policy_document.") {
        return None;
    }
    let readers: BTreeSet<(String, String)> = referenced_through_locals(cx, address)
        .iter()
        .filter(|r| r.from.kind == "resource" && POLICY_ATTRIBUTES.contains(&&*r.attribute))
        .map(|r| (r.from.address(), r.attribute.to_string()))
        .collect();
    match readers.len() {
        1 => readers.into_iter().next(),
        _ => None,
    }
}

/// `main.tf` of `main.tf:12`.
fn file_of(location: &str) -> String {
    location
        .rsplit_once(':')
        .map_or(location, |(file, _)| file)
        .to_string()
}

/// The roles an attachment's attribute designates: by reference, or by name.
/// The attributes of an attachment naming what it attaches to, each with its kind.
type AttachedTo = &'static [(&'static str, &'static str)];

/// The resources that attach managed policies: their type, the attributes naming what
/// they attach to (with its kind: `role`, `user`, `group`), and the attribute holding the
/// policy ARN (or ARNs).
const ATTACHMENTS: &[(&str, AttachedTo, &str)] = &[
    (
        "aws_iam_role_policy_attachment",
        &[("role", "role")],
        "policy_arn",
    ),
    (
        "aws_iam_user_policy_attachment",
        &[("user", "user")],
        "policy_arn",
    ),
    (
        "aws_iam_group_policy_attachment",
        &[("group", "group")],
        "policy_arn",
    ),
    (
        "aws_iam_policy_attachment",
        &[("roles", "role"), ("users", "user"), ("groups", "group")],
        "policy_arn",
    ),
    (
        "aws_iam_role_policy_attachments_exclusive",
        &[("role_name", "role")],
        "policy_arns",
    ),
];

/// The roles, users or groups (`kind`) `attribute` names: the `aws_iam_KIND` resources it
/// refers to, else those of the module with the name (or names) it holds, else the name
/// itself (`role `worker``).
fn identities_in(cx: &Context, block: &Block, attribute: &str, kind: &str) -> Vec<String> {
    let Some(e) = block.body.get(attribute) else {
        return Vec::new();
    };
    let resource_type = match kind {
        "user" => "aws_iam_user",
        "group" => "aws_iam_group",
        _ => "aws_iam_role",
    };
    let prefix = format!("{resource_type}.");
    let referenced: Vec<String> = e
        .traversals()
        .into_iter()
        .filter_map(|t| t.resource_address())
        .filter(|a| a.starts_with(&prefix))
        .collect();
    if !referenced.is_empty() {
        return referenced;
    }
    let mut out = Vec::new();
    for name in cx.value(e).one_or_many() {
        let Some(name) = name.as_str() else {
            continue;
        };
        let named = cx.resources_named(resource_type, "name", name);
        if named.is_empty() {
            out.push(format!("{kind} `{name}`"));
        } else {
            out.extend(named.iter().map(|r| r.address()));
        }
    }
    out
}

/// The ARNs of the managed policies an attribute attaches (one, or a list), leaving out
/// the policies of the module (whose statements are compared as documents, with the
/// identities they apply to).
/// An attachment made `for_each` of a set of ARNs attaches each instance's.
fn managed_arns(sym: &Context, block: &Block, attribute: &str) -> Vec<String> {
    let Some(symbolic) = sym.block(&block.address()) else {
        return Vec::new();
    };
    let Some(e) = symbolic.body.get(attribute) else {
        return Vec::new();
    };
    let scopes = sym.instance_scopes(symbolic);
    let values = if scopes.is_empty() {
        vec![sym.value(e)]
    } else {
        scopes
            .iter()
            .map(|(_, scope)| sym.eval.eval_in(e, scope, 0))
            .collect()
    };
    let mut arns: Vec<String> = values
        .iter()
        .flat_map(|v| v.one_or_many())
        .map(text)
        .filter(|arn| !names_module_policy(arn))
        .collect();
    arns.sort();
    arns.dedup();
    arns
}

/// Whether a shown ARN is a reference to a policy of the module.
fn names_module_policy(arn: &str) -> bool {
    arn.starts_with("${aws_iam_policy.")
}

/// A value as the report shows it: references as `${address.attribute}`, the account as
/// `{account}`, unknowns as `(unknown)`.
fn text(v: &Value) -> String {
    match &v.kind {
        ValueKind::String(s) => symbolic::display(s),
        ValueKind::Unknown => UNKNOWN.to_string(),
        _ => v.to_json().to_string(),
    }
}

fn texts(values: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = values.iter().map(text).collect();
    out.dedup();
    out
}

fn statement(s: &StatementView, location: Option<String>) -> Statement {
    let (actions, not_actions) = match &s.not_actions {
        Some(not) if s.actions.is_empty() => (texts(not), true),
        _ => (texts(&s.actions), false),
    };
    let (resources, not_resources) = match &s.not_resources {
        Some(not) if s.resources.is_empty() => (texts(not), true),
        _ => (texts(&s.resources), false),
    };
    let sid: Option<String> = s.sid.as_deref().and_then(Value::as_str).map(str::to_string);
    Statement {
        label: sid.clone().unwrap_or_else(|| s.path()),
        sid: sid.filter(|sid| !sid.is_empty()),
        deny: s.effect.as_deref() == Some("Deny"),
        actions,
        not_actions,
        resources,
        not_resources,
        principals: s.principal.as_deref().map(principals).unwrap_or_default(),
        conditions: s.condition.as_deref().map(conditions).unwrap_or_default(),
        location,
    }
}

/// The conditions an `aws_lambda_permission` argument adds to the statement Lambda writes
/// into the function's resource policy, as (argument, operator, condition key).
const LAMBDA_PERMISSION_CONDITIONS: &[(&str, &str, &str)] = &[
    ("source_arn", "ArnLike", "AWS:SourceArn"),
    ("source_account", "StringEquals", "AWS:SourceAccount"),
    ("principal_org_id", "StringEquals", "aws:PrincipalOrgID"),
    (
        "event_source_token",
        "StringEquals",
        "lambda:EventSourceToken",
    ),
    (
        "function_url_auth_type",
        "StringEquals",
        "lambda:FunctionUrlAuthType",
    ),
];

/// An `aws_lambda_permission` (read over the symbolic twin) as what it is: one statement of
/// its function's resource policy — the principal, the action, the function (with its
/// qualifier) and the conditions its arguments add, as Lambda writes them; in one instance
/// of it (`scope`) when it has several. With the function it is on (its address where the
/// permission refers to it, `referenced`).
fn lambda_permission(
    sym: &Context,
    permission: &Block,
    referenced: &Option<String>,
    scope: Option<&Scope>,
    location: Option<String>,
) -> (String, Statement) {
    let value = |name: &str| {
        permission.body.get(name).map(|e| match scope {
            Some(scope) => sym.eval.eval_in(e, scope, 0),
            None => sym.value(e),
        })
    };
    let shown = |name: &str| value(name).filter(|v| !v.is_null()).map(|v| text(&v));
    let function = referenced
        .clone()
        .or_else(|| shown("function_name"))
        .unwrap_or_else(|| UNKNOWN.to_string());
    // The function, or the version or alias its qualifier names.
    let resource = match shown("qualifier") {
        Some(qualifier) => format!("{function}:{qualifier}"),
        None => function.clone(),
    };
    let principals = match value("principal") {
        Some(p) => match p.as_str() {
            Some("*") => vec!["*".to_string()],
            Some(id) if id.ends_with(".amazonaws.com") || id.ends_with(".amazonaws.com.cn") => {
                vec![format!("Service:{id}")]
            }
            // An account as Lambda stores it: its root ARN.
            Some(id) if is_account_id(id) => {
                vec![format!("AWS:arn:aws:iam::{id}:root")]
            }
            _ => vec![format!("AWS:{}", text(&p))],
        },
        None => Vec::new(),
    };
    let mut conditions = BTreeMap::new();
    for (argument, operator, key) in LAMBDA_PERMISSION_CONDITIONS {
        if let Some(v) = shown(argument) {
            conditions.insert(
                format!("{operator} {}", key.to_ascii_lowercase()),
                Condition {
                    shown: format!("{operator} {key}"),
                    values: vec![v],
                },
            );
        }
    }
    let sid = shown("statement_id");
    let statement = Statement {
        label: sid.clone().unwrap_or_else(|| "Statement[0]".to_string()),
        sid,
        deny: false,
        actions: shown("action").into_iter().collect(),
        not_actions: false,
        resources: vec![resource],
        not_resources: false,
        principals,
        conditions,
        location,
    };
    (function, statement)
}

fn principals(p: &Value) -> Vec<String> {
    let mut out = BTreeSet::new();
    match &p.kind {
        ValueKind::String(s) if s == "*" => {
            out.insert("*".to_string());
        }
        ValueKind::Object(map) => {
            for (kind, ids) in map.iter() {
                for id in ids.one_or_many() {
                    let id = text(id);
                    if kind == "*" || (kind.eq_ignore_ascii_case("AWS") && id == "*") {
                        out.insert("*".to_string());
                    } else {
                        out.insert(format!("{kind}:{id}"));
                    }
                }
            }
        }
        _ => {
            out.insert(text(p));
        }
    }
    out.into_iter().collect()
}

fn conditions(c: &Value) -> BTreeMap<String, Condition> {
    let mut out = BTreeMap::new();
    let Some(operators) = c.as_object() else {
        return out;
    };
    for (operator, keys) in operators {
        let Some(keys) = keys.as_object() else {
            let condition = Condition {
                shown: operator.clone(),
                values: vec![text(keys)],
            };
            out.insert(operator.clone(), condition);
            continue;
        };
        for (key, values) in keys {
            let mut values: Vec<String> = values.one_or_many().into_iter().map(text).collect();
            values.sort();
            values.dedup();
            let condition = Condition {
                shown: format!("{operator} {key}"),
                values,
            };
            out.insert(
                format!("{operator} {}", key.to_ascii_lowercase()),
                condition,
            );
        }
    }
    out
}

/// New actions a statement grants through one of its action entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct ActionGrowth {
    /// The `Action` entry as written (`s3:Get*`); `None` for a `NotAction` statement,
    /// which grants every action except those in `except`.
    pub pattern: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
    /// How many actions of the IAM action table it adds (1 for an action the table does
    /// not know).
    pub count: usize,
    /// The first of them, sorted.
    pub actions: Vec<String>,
}

/// What one statement grants that another does not: for two Allow statements, what the
/// newer one adds; for two Deny statements read the other way round, what a deny no
/// longer covers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Growth {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionGrowth>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<String>,
    /// `Operator key` of conditions only the other statement has.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions_removed: Vec<String>,
    /// `Operator key: value` the condition now also lets through.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions_widened: Vec<String>,
}

impl Growth {
    fn is_empty(&self) -> bool {
        self.actions.is_empty()
            && self.resources.is_empty()
            && self.principals.is_empty()
            && self.conditions_removed.is_empty()
            && self.conditions_widened.is_empty()
    }

    /// A wildcard for everything, an escalation path or everyone: high danger. A trust
    /// policy's actions say how its role is assumed (`sts:AssumeRole` is what every
    /// trust grants), not what the role may do: there only everyone sweeps (another
    /// account let in is an exposure change of its own).
    fn is_sweeping(&self, kind: PolicyKind) -> bool {
        if kind == PolicyKind::Trust {
            return self.principals.iter().any(|p| p == "*");
        }
        let sweeping_action = |a: &ActionGrowth| {
            let everything = a
                .pattern
                .as_ref()
                .is_none_or(|p| p == "*" || p.ends_with(":*"));
            everything || a.actions.iter().any(|x| ESCALATION.contains(&x.as_str()))
        };
        self.actions.iter().any(sweeping_action)
            || self.resources.iter().any(|r| is_every_resource(r))
            || self.principals.iter().any(|p| p == "*")
    }
}

/// `*`, or an ARN whose every part after the service is a wildcard or empty
/// (`arn:aws:s3:::*`, `arn:aws:sqs:*:*:*`).
fn is_every_resource(resource: &str) -> bool {
    resource == "*"
        || resource.strip_prefix("arn:").is_some_and(|rest| {
            rest.splitn(5, ':')
                .skip(2)
                .all(|part| part.chars().all(|c| c == '*' || c == '/'))
        })
}

/// Actions that let a principal give itself more (IAM004's paths, by name).
const ESCALATION: &[&str] = &[
    "iam:PassRole",
    "iam:CreatePolicyVersion",
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:AttachUserPolicy",
    "iam:PutUserPolicy",
    "iam:CreateAccessKey",
    "iam:UpdateAssumeRolePolicy",
    "sts:AssumeRole",
];

/// How a value not known before apply is shown. A statement part holding one is not
/// judged: what it grants cannot be shown to be more or less.
const UNKNOWN: &str = "(unknown)";

fn has_unknown(entries: &[String]) -> bool {
    entries.iter().any(|e| e == UNKNOWN)
}

/// Whether statement `s` allows (or, for a deny, covers) `action`.
fn covers_action(s: &Statement, action: &str) -> bool {
    let matched = s.actions.iter().any(|p| wildcard_match(p, action, true));
    matched != s.not_actions
}

fn covers_resource(s: &Statement, resource: &str) -> bool {
    if s.resources.is_empty() && !s.not_resources {
        // No `Resource` (trust and resource policies): what the document is attached to.
        return true;
    }
    let matched = s
        .resources
        .iter()
        .any(|p| wildcard_match(p, resource, false));
    matched != s.not_resources
}

fn covers_principal(s: &Statement, principal: &str) -> bool {
    s.principals.is_empty()
        || s.principals
            .iter()
            .any(|p| p == "*" || wildcard_match(p, principal, false))
}

/// What `to` grants that `from` does not. A part (actions, resources, principals, a
/// condition's values) with an unknown entry on either side is left out: only what can be
/// shown is reported.
fn growth(from: &Statement, to: &Statement) -> Growth {
    let mut g = Growth::default();
    if has_unknown(&from.actions) || has_unknown(&to.actions) {
        // Nothing to say about actions.
    } else if to.not_actions {
        let every = matching_actions("*");
        let added: Vec<&str> = every
            .into_iter()
            .filter(|a| covers_action(to, a) && !covers_action(from, a))
            .collect();
        if !added.is_empty() {
            g.actions
                .push(action_growth(None, to.actions.clone(), &added));
        }
    } else {
        for pattern in &to.actions {
            let expanded = matching_actions(pattern);
            let added: Vec<&str> = if expanded.is_empty() {
                // Not in the table (an unknown service or a typo): the entry itself.
                let covered = if from.not_actions {
                    !from
                        .actions
                        .iter()
                        .any(|p| wildcard_match(p, pattern, true))
                } else {
                    from.actions
                        .iter()
                        .any(|p| wildcard_match(p, pattern, true))
                };
                if covered {
                    Vec::new()
                } else {
                    vec![pattern.as_str()]
                }
            } else {
                expanded
                    .into_iter()
                    .filter(|a| !covers_action(from, a))
                    .collect()
            };
            if !added.is_empty() {
                g.actions
                    .push(action_growth(Some(pattern.clone()), Vec::new(), &added));
            }
        }
    }
    if has_unknown(&from.resources) || has_unknown(&to.resources) {
        // Nothing to say about resources.
    } else if to.not_resources {
        if !from.not_resources && !from.resources.iter().any(|r| r == "*") {
            g.resources.push(format!(
                "every resource except {}",
                code_list(&to.resources)
            ));
        } else if from.not_resources {
            for r in &from.resources {
                if !to.resources.iter().any(|p| wildcard_match(p, r, false)) {
                    g.resources.push(format!("no longer excluded: `{r}`"));
                }
            }
        }
    } else {
        for r in &to.resources {
            if !covers_resource(from, r) {
                g.resources.push(r.clone());
            }
        }
    }
    if !has_unknown(&from.principals) {
        for p in to.principals.iter().filter(|p| *p != UNKNOWN) {
            if !covers_principal(from, p) {
                g.principals.push(p.clone());
            }
        }
    }
    for (key, condition) in &from.conditions {
        let (shown, values) = (&condition.shown, &condition.values);
        match to.conditions.get(key) {
            None => g.conditions_removed.push(shown.clone()),
            Some(now) if has_unknown(values) || has_unknown(&now.values) => {}
            Some(now) => {
                let now = &now.values;
                // `StringEquals` lets through the values it lists; `StringNotEquals` all
                // but those: each widens the other way.
                let negated = key.split(' ').next().unwrap_or("").contains("Not");
                let (more, fewer) = if negated {
                    (values, now)
                } else {
                    (now, values)
                };
                for v in more.iter().filter(|v| !fewer.contains(v)) {
                    let verb = if negated {
                        "no longer excludes"
                    } else {
                        "now allows"
                    };
                    g.conditions_widened.push(format!("`{shown}` {verb} `{v}`"));
                }
            }
        }
    }
    g
}

fn action_growth(pattern: Option<String>, except: Vec<String>, added: &[&str]) -> ActionGrowth {
    ActionGrowth {
        pattern,
        except,
        count: added.len(),
        actions: added
            .iter()
            .take(LISTED_ACTIONS)
            .map(|a| a.to_string())
            .collect(),
    }
}

/// Pairs each head statement with the base statement it is a version of: the same grant
/// first, then the same `Sid`, then the most alike (shared actions, resources and
/// principals, wildcards counted), then the last two left of the same effect.
fn pair(base: &[Statement], head: &[Statement]) -> Vec<(Option<usize>, Option<usize>)> {
    let mut base_left: Vec<usize> = (0..base.len()).collect();
    let mut head_left: Vec<usize> = (0..head.len()).collect();
    let mut pairs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    let mut take = |matches: &dyn Fn(&Statement, &Statement) -> bool,
                    base_left: &mut Vec<usize>,
                    head_left: &mut Vec<usize>| {
        let mut h = 0;
        while h < head_left.len() {
            let found = base_left
                .iter()
                .position(|&b| matches(&base[b], &head[head_left[h]]));
            match found {
                Some(i) => {
                    pairs.push((Some(base_left.remove(i)), Some(head_left.remove(h))));
                }
                None => h += 1,
            }
        }
    };
    take(&|b, h| b.same_grant(h), &mut base_left, &mut head_left);
    take(
        &|b, h| b.sid.is_some() && b.sid == h.sid && b.deny == h.deny,
        &mut base_left,
        &mut head_left,
    );
    loop {
        let best = base_left
            .iter()
            .flat_map(|&b| head_left.iter().map(move |&h| (b, h)))
            .filter(|&(b, h)| base[b].deny == head[h].deny)
            .map(|(b, h)| (likeness(&base[b], &head[h]), b, h))
            .filter(|(score, _, _)| *score > 0)
            .max_by_key(|&(score, b, h)| (score, std::cmp::Reverse((b, h))));
        let Some((_, b, h)) = best else { break };
        base_left.retain(|&x| x != b);
        head_left.retain(|&x| x != h);
        pairs.push((Some(b), Some(h)));
    }
    if let ([b], [h]) = (base_left.as_slice(), head_left.as_slice()) {
        if base[*b].deny == head[*h].deny {
            pairs.push((Some(*b), Some(*h)));
            base_left.clear();
            head_left.clear();
        }
    }
    pairs.extend(base_left.into_iter().map(|b| (Some(b), None)));
    pairs.extend(head_left.into_iter().map(|h| (None, Some(h))));
    pairs
}

/// How many entries of two statements match each other, either way.
fn likeness(a: &Statement, b: &Statement) -> usize {
    let shared = |x: &[String], y: &[String], ignore_case: bool| {
        x.iter()
            .filter(|p| {
                y.iter()
                    .any(|q| wildcard_match(p, q, ignore_case) || wildcard_match(q, p, ignore_case))
            })
            .count()
    };
    shared(&a.actions, &b.actions, true)
        + shared(&a.resources, &b.resources, false)
        + shared(&a.principals, &b.principals, false)
}

/// The changes between two versions of a module's IAM.
pub(crate) fn compare(base: &IamFacts, head: &IamFacts) -> Vec<Change> {
    let mut out = Vec::new();
    let roles = std::cell::OnceCell::new();
    for (key, b, h) in paired_policies(base, head) {
        // Statements moved between the identity policies of the same roles: what each of
        // those roles may do is the same.
        let same_for_roles = || {
            let (base_roles, head_roles) =
                roles.get_or_init(|| (role_grants(base), role_grants(head)));
            unchanged_for_roles(&[b, h], base_roles, head_roles)
        };
        if b.zip(h).is_none_or(|(b, h)| !same_policy(b, h)) && same_for_roles() {
            continue;
        }
        match (b, h) {
            (None, Some(h)) => out.push(policy_added(key, h)),
            (Some(b), None) => out.push(policy_removed(key, b)),
            (Some(b), Some(h)) => compare_policy(key, b, h, &mut out),
            (None, None) => {}
        }
    }
    for ((role, arn), location) in &head.attachments {
        if !base.attachments.contains_key(&(role.clone(), arn.clone())) {
            out.push(managed_policy(role, arn, location.clone(), true));
        }
    }
    for ((role, arn), location) in &base.attachments {
        if !head.attachments.contains_key(&(role.clone(), arn.clone())) {
            out.push(managed_policy(role, arn, location.clone(), false));
        }
    }
    out
}

/// The policy each policy of head is a version of, under head's key (base's for one head
/// no longer has). An owner's several documents of one attribute (`inline_policy` blocks,
/// keyed `… #2` in the order they are written) pair by what they grant first — blocks
/// reordered are the same policies — then in order.
fn paired_policies<'a>(
    base: &'a IamFacts,
    head: &'a IamFacts,
) -> Vec<(&'a str, Option<&'a Policy>, Option<&'a Policy>)> {
    let stem = |key: &'a str| match key.rsplit_once(" #") {
        Some((stem, n)) if n.bytes().all(|b| b.is_ascii_digit()) => stem,
        _ => key,
    };
    type Group<'a> = (Vec<(&'a str, &'a Policy)>, Vec<(&'a str, &'a Policy)>);
    let mut groups: BTreeMap<&str, Group> = BTreeMap::new();
    for (key, policy) in &base.policies {
        groups.entry(stem(key)).or_default().0.push((key, policy));
    }
    for (key, policy) in &head.policies {
        groups.entry(stem(key)).or_default().1.push((key, policy));
    }
    let mut out = Vec::new();
    for (_, (mut b, h)) in groups {
        let mut head_left = Vec::new();
        for (key, policy) in h {
            let same = b.iter().position(|(_, old)| {
                old.statements.len() == policy.statements.len()
                    && old
                        .statements
                        .iter()
                        .zip(&policy.statements)
                        .all(|(x, y)| x.same_grant(y))
            });
            match same {
                Some(i) => {
                    let (_, old) = b.remove(i);
                    out.push((key, Some(old), Some(policy)));
                }
                None => head_left.push((key, policy)),
            }
        }
        let mut b = b.into_iter();
        for (key, policy) in head_left {
            out.push((key, b.next().map(|(_, old)| old), Some(policy)));
        }
        out.extend(b.map(|(key, old)| (key, Some(old), None)));
    }
    out
}

fn compare_policy(key: &str, base: &Policy, head: &Policy, out: &mut Vec<Change>) {
    for role in head.subjects.iter().filter(|r| !base.subjects.contains(r)) {
        out.push(subject_change(key, head, role, true));
    }
    for role in base.subjects.iter().filter(|r| !head.subjects.contains(r)) {
        out.push(subject_change(key, base, role, false));
    }
    let pairs = pair(&base.statements, &head.statements);
    let rewritten = pairs.iter().any(|pair| match *pair {
        (Some(b), Some(h)) => !base.statements[b].same_grant(&head.statements[h]),
        _ => true,
    });
    // Statements split, merged or moved within the policy: what it grants is the same.
    if rewritten
        && grants_listed(&base.statements)
            .is_some_and(|b| Some(b) == grants_listed(&head.statements))
    {
        return;
    }
    for (b, h) in pairs {
        match (
            b.map(|i| &base.statements[i]),
            h.map(|i| &head.statements[i]),
        ) {
            (None, Some(s)) => out.push(statement_alone(key, head, s, true)),
            (Some(s), None) => out.push(statement_alone(key, base, s, false)),
            (Some(b), Some(h)) => {
                if let Some(change) = statement_changed(key, head, b, h) {
                    out.push(change);
                }
            }
            (None, None) => {}
        }
    }
}

/// Whether two versions of a policy are alike: the same roles, statements granting the
/// same.
fn same_policy(base: &Policy, head: &Policy) -> bool {
    base.subjects == head.subjects
        && base.statements.len() == head.statements.len()
        && base
            .statements
            .iter()
            .zip(&head.statements)
            .all(|(b, h)| b.same_grant(h))
}

/// What each role is granted by its identity policies together, one grant at a time (`None`
/// where one of them cannot be listed).
fn role_grants(facts: &IamFacts) -> BTreeMap<&str, Option<BTreeSet<Grant>>> {
    let mut out: BTreeMap<&str, Option<BTreeSet<Grant>>> = BTreeMap::new();
    for policy in facts.policies.values() {
        if !policy.inline_of_roles {
            continue;
        }
        let grants = grants_listed(&policy.statements);
        for role in &policy.subjects {
            let all = out
                .entry(role.as_str())
                .or_insert_with(|| Some(BTreeSet::new()));
            match (all.as_mut(), &grants) {
                (Some(all), Some(grants)) => all.extend(grants.iter().cloned()),
                _ => *all = None,
            }
        }
    }
    out
}

/// Whether `policies` (a policy's two versions, either missing) are inline policies of
/// roles each granted the same in both versions by its inline policies together.
fn unchanged_for_roles(
    policies: &[Option<&Policy>],
    base: &BTreeMap<&str, Option<BTreeSet<Grant>>>,
    head: &BTreeMap<&str, Option<BTreeSet<Grant>>>,
) -> bool {
    let present: Vec<&Policy> = policies.iter().flatten().copied().collect();
    if present.is_empty() || present.iter().any(|p| !p.inline_of_roles) {
        return false;
    }
    let roles: BTreeSet<&str> = present
        .iter()
        .flat_map(|p| p.subjects.iter().map(String::as_str))
        .collect();
    !roles.is_empty()
        && roles
            .iter()
            .all(|role| match (base.get(role), head.get(role)) {
                (Some(Some(b)), Some(Some(h))) => b == h,
                _ => false,
            })
}

/// The most single grants [`grants_listed`] lists for one policy.
const MAX_LISTED_GRANTS: usize = 50_000;

/// One grant of a policy: deny, action (lower case, a wildcard expanded with the action
/// table), resource, principal, conditions.
type Grant = (bool, String, String, String, String);

/// What `statements` grant, one action on one resource to one principal under one set of
/// conditions at a time, when that can be listed: not for `NotAction` or `NotResource`, a
/// part not known before apply, or more than [`MAX_LISTED_GRANTS`] grants.
fn grants_listed(statements: &[Statement]) -> Option<BTreeSet<Grant>> {
    let mut out = BTreeSet::new();
    for s in statements {
        if s.not_actions
            || s.not_resources
            || has_unknown(&s.actions)
            || has_unknown(&s.resources)
            || has_unknown(&s.principals)
        {
            return None;
        }
        let conditions: String = s
            .conditions
            .iter()
            .map(|(key, c)| format!("{key}={:?};", c.values))
            .collect();
        let mut actions: Vec<String> = Vec::new();
        for pattern in &s.actions {
            let expanded = matching_actions(pattern);
            if expanded.is_empty() {
                actions.push(pattern.to_ascii_lowercase());
            } else {
                actions.extend(expanded.iter().map(|a| a.to_ascii_lowercase()));
            }
        }
        let none = [String::new()];
        let resources = if s.resources.is_empty() {
            &none[..]
        } else {
            &s.resources[..]
        };
        let principals = if s.principals.is_empty() {
            &none[..]
        } else {
            &s.principals[..]
        };
        if out.len() + actions.len() * resources.len() * principals.len() > MAX_LISTED_GRANTS {
            return None;
        }
        for a in &actions {
            for r in resources {
                for p in principals {
                    out.insert((s.deny, a.clone(), r.clone(), p.clone(), conditions.clone()));
                }
            }
        }
    }
    Some(out)
}

/// `identity`, `resource` or `trust`./// `identity`, `resource` or `trust`.
fn kind_name(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::Identity => "identity",
        PolicyKind::Resource => "resource",
        PolicyKind::Trust => "trust",
    }
}

/// ` (role `aws_iam_role.worker`)`, for an identity policy's title.
fn for_subjects(policy: &Policy) -> String {
    match (policy.kind, policy.subjects.as_slice()) {
        (PolicyKind::Identity, []) => String::new(),
        (PolicyKind::Identity, [one]) => format!(" (role `{one}`)"),
        (PolicyKind::Identity, many) => format!(" (roles {})", code_list(many)),
        _ => String::new(),
    }
}

fn policy_data(key: &str, policy: &Policy) -> serde_json::Map<String, serde_json::Value> {
    let mut data = serde_json::Map::new();
    data.insert("policy".into(), key.into());
    data.insert("policy_kind".into(), kind_name(policy.kind).into());
    if policy.kind == PolicyKind::Identity {
        data.insert("roles".into(), policy.subjects.clone().into());
    }
    data
}

fn iam_change(
    kind: &'static str,
    (effect, danger): (Effect, Danger),
    policy: &Policy,
    title: String,
    details: Vec<String>,
    location: Option<String>,
    data: serde_json::Map<String, serde_json::Value>,
) -> Change {
    Change {
        category: Category::Iam,
        effect,
        danger,
        kind,
        resource: policy.owner.clone(),
        title,
        details,
        location,
        data: serde_json::Value::Object(data),
    }
}

/// What a set of statements grants, as growth from a statement that grants nothing (no
/// action, no resource, no principal).
fn grants_of(statements: &[&Statement]) -> Growth {
    let nothing = Statement {
        label: String::new(),
        sid: None,
        deny: false,
        actions: Vec::new(),
        not_actions: false,
        resources: vec![String::new()],
        not_resources: false,
        principals: vec![String::new()],
        conditions: BTreeMap::new(),
        location: None,
    };
    let mut all = Growth::default();
    for s in statements {
        let g = growth(&nothing, s);
        all.actions.extend(g.actions);
        all.resources.extend(g.resources);
        all.principals.extend(g.principals);
    }
    all
}

/// Whether a change grants more, and how dangerous it is: what grants more is high when it
/// sweeps (every action, every resource, anyone, an escalation path), medium otherwise;
/// what grants less is low.
fn weigh(broadening: bool, grown: &Growth, kind: PolicyKind) -> (Effect, Danger) {
    match (broadening, grown.is_sweeping(kind)) {
        (false, _) => (Effect::Narrowing, Danger::Low),
        (true, true) => (Effect::Broadening, Danger::High),
        (true, false) => (Effect::Broadening, Danger::Medium),
    }
}

fn policy_added(key: &str, policy: &Policy) -> Change {
    let allows: Vec<&Statement> = policy.statements.iter().filter(|s| !s.deny).collect();
    let broadening = !allows.is_empty();
    let grown = grants_of(&allows);
    let mut data = policy_data(key, policy);
    data.insert("statements".into(), policy.statements.len().into());
    iam_change(
        "policy_added",
        weigh(broadening, &grown, policy.kind),
        policy,
        format!(
            "new {} policy `{key}`{}",
            kind_name(policy.kind),
            for_subjects(policy)
        ),
        policy.statements.iter().map(Statement::summary).collect(),
        policy.location.clone(),
        data,
    )
}

fn policy_removed(key: &str, policy: &Policy) -> Change {
    let denies: Vec<&Statement> = policy.statements.iter().filter(|s| s.deny).collect();
    let broadening = !denies.is_empty();
    let title = if broadening {
        format!(
            "{} policy `{key}` removed, with its deny statements",
            kind_name(policy.kind)
        )
    } else {
        format!(
            "{} policy `{key}` removed{}",
            kind_name(policy.kind),
            for_subjects(policy)
        )
    };
    iam_change(
        "policy_removed",
        weigh(broadening, &Growth::default(), policy.kind),
        policy,
        title,
        policy.statements.iter().map(Statement::summary).collect(),
        policy.location.clone(),
        policy_data(key, policy),
    )
}

fn subject_change(key: &str, policy: &Policy, subject: &str, added: bool) -> Change {
    let allows: Vec<&Statement> = policy.statements.iter().filter(|s| !s.deny).collect();
    let grown = grants_of(&allows);
    let what = match policy.kind {
        PolicyKind::Identity => "role",
        PolicyKind::Trust => "role",
        PolicyKind::Resource => "resource",
    };
    let title = if added {
        format!("`{key}` now also applies to {what} `{subject}`")
    } else {
        format!("`{key}` no longer applies to {what} `{subject}`")
    };
    let broadening = added && !allows.is_empty();
    let mut data = policy_data(key, policy);
    data.insert(
        if added { "added_to" } else { "removed_from" }.into(),
        subject.into(),
    );
    iam_change(
        if added {
            "policy_applies_to"
        } else {
            "policy_no_longer_applies_to"
        },
        weigh(broadening, &grown, policy.kind),
        policy,
        title,
        policy.statements.iter().map(Statement::summary).collect(),
        policy.location.clone(),
        data,
    )
}

/// A statement only one version has: added to head, or removed from base. An Allow
/// added and a Deny removed grant more.
fn statement_alone(key: &str, policy: &Policy, s: &Statement, added: bool) -> Change {
    let broadening = added != s.deny;
    let grown = if added && !s.deny {
        grants_of(&[s])
    } else {
        Growth::default()
    };
    let mut data = policy_data(key, policy);
    data.insert("statement".into(), s.label.clone().into());
    let deny = if s.deny { "deny " } else { "" };
    let title = if added {
        format!("new {deny}statement `{}` in `{key}`", s.label)
    } else {
        format!("{deny}statement `{}` removed from `{key}`", s.label)
    };
    iam_change(
        if added {
            "statement_added"
        } else {
            "statement_removed"
        },
        weigh(broadening, &grown, policy.kind),
        policy,
        format!("{title}{}", for_subjects(policy)),
        vec![s.summary()],
        s.location.clone(),
        data,
    )
}

/// The change between two versions of one statement, if they grant differently.
fn statement_changed(
    key: &str,
    policy: &Policy,
    base: &Statement,
    head: &Statement,
) -> Option<Change> {
    // An Allow grows by what head adds; a Deny weakens by what it no longer covers.
    let (wider, narrower) = if head.deny {
        (growth(head, base), growth(base, head))
    } else {
        (growth(base, head), growth(head, base))
    };
    if wider.is_empty() && narrower.is_empty() {
        return None;
    }
    let broadening = !wider.is_empty();
    let mut details = Vec::new();
    if head.deny {
        growth_lines(&wider, &DENY_WEAKER, &mut details);
        growth_lines(&narrower, &DENY_STRONGER, &mut details);
    } else {
        growth_lines(&wider, &ALLOW_WIDER, &mut details);
        growth_lines(&narrower, &ALLOW_NARROWER, &mut details);
    }
    let verb = match (head.deny, broadening) {
        (false, true) => "broadened",
        (false, false) => "narrowed",
        (true, true) => "weakened",
        (true, false) => "strengthened",
    };
    let mut data = policy_data(key, policy);
    data.insert("statement".into(), head.label.clone().into());
    data.insert(
        "broadened".into(),
        serde_json::to_value(&wider).unwrap_or_default(),
    );
    data.insert(
        "narrowed".into(),
        serde_json::to_value(&narrower).unwrap_or_default(),
    );
    Some(iam_change(
        "statement_changed",
        weigh(broadening, &wider, policy.kind),
        policy,
        format!(
            "{}statement `{}` of `{key}` {verb}{}",
            if head.deny { "deny " } else { "" },
            head.label,
            for_subjects(policy)
        ),
        details,
        head.location.clone(),
        data,
    ))
}

/// The words for each part of a [`Growth`], by direction.
struct GrowthWords {
    actions: &'static str,
    resources: &'static str,
    principals: &'static str,
    conditions_removed: &'static str,
    conditions_widened: &'static str,
}

const ALLOW_WIDER: GrowthWords = GrowthWords {
    actions: "new actions",
    resources: "wider resources",
    principals: "new principals",
    conditions_removed: "conditions removed",
    conditions_widened: "conditions widened",
};
const ALLOW_NARROWER: GrowthWords = GrowthWords {
    actions: "actions removed",
    resources: "resources removed",
    principals: "principals removed",
    conditions_removed: "conditions added",
    conditions_widened: "conditions narrowed",
};
const DENY_WEAKER: GrowthWords = GrowthWords {
    actions: "no longer denied",
    resources: "resources no longer denied",
    principals: "principals no longer denied",
    conditions_removed: "conditions added to the deny",
    conditions_widened: "deny conditions narrowed",
};
const DENY_STRONGER: GrowthWords = GrowthWords {
    actions: "newly denied",
    resources: "resources newly denied",
    principals: "principals newly denied",
    conditions_removed: "conditions removed from the deny",
    conditions_widened: "deny conditions widened",
};

fn growth_lines(g: &Growth, words: &GrowthWords, out: &mut Vec<String>) {
    for a in &g.actions {
        let listed = a
            .actions
            .iter()
            .take(5)
            .map(|x| format!("`{x}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let more = if a.count > 5 { ", …" } else { "" };
        let entry = match &a.pattern {
            Some(p) => format!("`{p}`"),
            None => format!("every action except {}", code_list(&a.except)),
        };
        let line = if a.count == 1 && a.pattern.as_deref() == a.actions.first().map(String::as_str)
        {
            format!("{}: {entry}", words.actions)
        } else {
            format!(
                "{}: {entry} ({} action{}: {listed}{more})",
                words.actions,
                a.count,
                if a.count == 1 { "" } else { "s" }
            )
        };
        out.push(line);
    }
    let list = |title: &str, items: &[String], out: &mut Vec<String>| {
        if !items.is_empty() {
            let shown: Vec<String> = items
                .iter()
                .map(|i| {
                    if i.starts_with('`') || i.contains(": `") || i.starts_with("every ") {
                        i.clone()
                    } else {
                        format!("`{i}`")
                    }
                })
                .collect();
            out.push(format!("{title}: {}", shown.join(", ")));
        }
    };
    list(words.resources, &g.resources, out);
    list(words.principals, &g.principals, out);
    list(words.conditions_removed, &g.conditions_removed, out);
    list(words.conditions_widened, &g.conditions_widened, out);
}

fn managed_policy(role: &str, arn: &str, location: Option<String>, attached: bool) -> Change {
    let name = arn.rsplit('/').next().unwrap_or(arn);
    let sweeping = ["Administrator", "FullAccess", "PowerUser"]
        .iter()
        .any(|w| name.contains(w));
    let danger = match (attached, sweeping) {
        (false, _) => Danger::Low,
        (true, true) => Danger::High,
        (true, false) => Danger::Medium,
    };
    let title = if attached {
        format!("managed policy `{name}` attached to `{role}`")
    } else {
        format!("managed policy `{name}` detached from `{role}`")
    };
    let mut data = serde_json::Map::new();
    let kind = if role.starts_with("aws_iam_user.") || role.starts_with("user `") {
        "user"
    } else if role.starts_with("aws_iam_group.") || role.starts_with("group `") {
        "group"
    } else {
        "role"
    };
    data.insert(kind.into(), role.into());
    data.insert("policy_arn".into(), arn.into());
    Change {
        category: Category::Iam,
        effect: if attached {
            Effect::Broadening
        } else {
            Effect::Narrowing
        },
        danger,
        kind: if attached {
            "managed_policy_attached"
        } else {
            "managed_policy_detached"
        },
        resource: role.to_string(),
        title,
        details: vec![format!("policy ARN: `{arn}`")],
        location,
        data: serde_json::Value::Object(data),
    }
}

/// `` `a`, `b` `` for a list of names.
pub(crate) fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::report::{Danger, Effect};
    use crate::testing::{assert_same, changes, changes_in, diff_hcl, effects, kinds};

    /// A role and its inline policy with `statements` (HCL objects).
    fn role_policy(statements: &str) -> String {
        format!(
            r#"resource "aws_iam_role" "worker" {{
  name               = "worker"
  assume_role_policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Principal = {{ Service = "lambda.amazonaws.com" }}, Action = "sts:AssumeRole" }}] }})
}}
resource "aws_iam_role_policy" "worker" {{
  role   = aws_iam_role.worker.id
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{statements}] }})
}}
resource "aws_s3_bucket" "reports" {{
  bucket = "acme-reports"
}}
"#
        )
    }

    const READ: &str = r#"{ Sid = "Read", Effect = "Allow", Action = ["s3:GetObject"], Resource = "${aws_s3_bucket.reports.arn}/*" }"#;

    #[test]
    fn a_wildcard_action_is_expanded_into_the_actions_it_adds() {
        let head = READ.replace("s3:GetObject", "s3:Get*");
        let report = diff_hcl(&role_policy(READ), &role_policy(&head));
        let c = changes(&report);
        assert_eq!(
            kinds(&report),
            [("statement_changed", "aws_iam_role_policy.worker".into())]
        );
        assert_eq!(c[0].effect, Effect::Broadening);
        assert_eq!(c[0].danger, Danger::Medium);
        let added = &c[0].data["broadened"]["actions"][0];
        assert_eq!(added["pattern"], "s3:Get*");
        let actions: Vec<&str> = added["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .filter_map(|a| a.as_str())
            .collect();
        assert!(actions.contains(&"s3:GetObjectVersion"), "{actions:?}");
        assert!(!actions.contains(&"s3:GetObject"), "already granted");
        assert_eq!(added["count"].as_u64(), Some(actions.len() as u64));
        assert!(c[0].title.contains("statement `Read`"), "{}", c[0].title);
        assert!(
            c[0].title.contains("(role `aws_iam_role.worker`)"),
            "{}",
            c[0].title
        );
    }

    #[test]
    fn a_wider_resource_a_new_principal_and_a_removed_condition_broaden() {
        let head = READ.replace("${aws_s3_bucket.reports.arn}/*", "*");
        let report = diff_hcl(&role_policy(READ), &role_policy(&head));
        let c = changes(&report);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].danger, Danger::High, "every resource");
        assert_eq!(c[0].details, ["wider resources: `*`"]);

        let bucket_policy = |principal: &str, condition: &str| {
            format!(
                r#"resource "aws_s3_bucket" "b" {{
  bucket = "acme-shared"
}}
resource "aws_s3_bucket_policy" "b" {{
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid       = "Partner"
      Effect    = "Allow"
      Principal = {principal}
      Action    = "s3:GetObject"
      Resource  = "${{aws_s3_bucket.b.arn}}/*"
      {condition}
    }}]
  }})
}}
"#
            )
        };
        let partner = r#"{ AWS = "arn:aws:iam::111122223333:root" }"#;
        let condition = r#"Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-abc123" } }"#;
        let report = diff_hcl(
            &bucket_policy(partner, condition),
            &bucket_policy(
                r#"{ AWS = ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"] }"#,
                "",
            ),
        );
        let c = changes_in(&report, crate::report::Category::Iam);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, "statement_changed");
        assert_eq!(
            c[0].details,
            [
                "new principals: `AWS:arn:aws:iam::444455556666:root`",
                "conditions removed: `StringEquals aws:PrincipalOrgID`"
            ]
        );
        // A condition that lets one more organization in widens the statement.
        let report = diff_hcl(
            &bucket_policy(partner, condition),
            &bucket_policy(
                partner,
                &condition.replace(r#""o-abc123""#, r#"["o-abc123", "o-other"]"#),
            ),
        );
        assert_eq!(
            changes(&report)[0].details,
            ["conditions widened: `StringEquals aws:PrincipalOrgID` now allows `o-other`"]
        );
        // The other account is exposure too.
        let report = diff_hcl(
            &bucket_policy(partner, condition),
            &bucket_policy(
                r#"{ AWS = ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"] }"#,
                condition,
            ),
        );
        assert!(
            kinds(&report).contains(&("cross_account_principal", "aws_s3_bucket_policy.b".into())),
            "{:?}",
            kinds(&report)
        );
    }

    #[test]
    fn condition_keys_are_compared_without_case_as_iam_matches_them() {
        let queue_policy = |key: &str, source: &str| {
            format!(
                r#"resource "aws_sqs_queue" "q" {{
  name = "q"
}}
resource "aws_sqs_queue_policy" "q" {{
  queue_url = aws_sqs_queue.q.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Service = "sns.amazonaws.com" }}
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.q.arn
      Condition = {{ ArnEquals = {{ "{key}" = "{source}" }} }}
    }}]
  }})
}}
"#
            )
        };
        let topic = "arn:aws:sns:us-east-1:111122223333:orders";
        assert_same(
            &queue_policy("AWS:SourceArn", topic),
            &queue_policy("aws:SourceArn", topic),
        );
        // Its values still count: the condition is widened, not removed and added.
        let report = diff_hcl(
            &queue_policy("AWS:SourceArn", topic),
            &queue_policy("aws:sourcearn", "arn:aws:sns:us-east-1:111122223333:*"),
        );
        let c = changes_in(&report, crate::report::Category::Iam);
        assert_eq!(c.len(), 1, "{:?}", kinds(&report));
        assert_eq!(
            c[0].details[0],
            "conditions widened: `ArnEquals AWS:SourceArn` now allows `arn:aws:sns:us-east-1:111122223333:*`"
        );
        assert!(
            !c[0]
                .details
                .iter()
                .any(|d| d.contains("removed") || d.contains("added")),
            "{:?}",
            c[0].details
        );
    }

    #[test]
    fn statements_split_or_merged_grant_the_same() {
        let merged = r#"{ Sid = "Bucket", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = ["${aws_s3_bucket.reports.arn}/*", "arn:aws:s3:::archive/*"] }"#;
        let split = [
            r#"{ Effect = "Allow", Action = "s3:GetObject", Resource = ["${aws_s3_bucket.reports.arn}/*", "arn:aws:s3:::archive/*"] }"#,
            r#"{ Effect = "Allow", Action = "s3:PutObject", Resource = "${aws_s3_bucket.reports.arn}/*" }"#,
            r#"{ Effect = "Allow", Action = "S3:PutObject", Resource = "arn:aws:s3:::archive/*" }"#,
        ]
        .join(", ");
        assert_same(&role_policy(merged), &role_policy(&split));
        assert_same(&role_policy(&split), &role_policy(merged));
        // A wildcard written out: the same actions.
        let listed = READ.replace(
            "[\"s3:GetObject\"]",
            "[\"s3:GetObject\", \"s3:GetObjectAcl\"]",
        );
        let wildcard = READ.replace(
            "[\"s3:GetObject\"]",
            "[\"s3:GetObject\", \"s3:GetObjectAc?\"]",
        );
        assert_same(&role_policy(&listed), &role_policy(&wildcard));
        // Split with one grant more: still reported.
        let more = format!(
            "{split}, {}",
            r#"{ Effect = "Allow", Action = "s3:DeleteObject", Resource = "arn:aws:s3:::archive/*" }"#
        );
        let report = diff_hcl(&role_policy(merged), &role_policy(&more));
        assert!(
            changes(&report)
                .iter()
                .any(|c| c.effect == Effect::Broadening),
            "{:?}",
            kinds(&report)
        );
    }

    #[test]
    fn inline_policies_reordered_are_the_same_policies() {
        let role = |first: (&str, &str), second: (&str, &str)| {
            let block = |(name, action): (&str, &str)| {
                format!(
                    "  inline_policy {{\n    name   = \"{name}\"\n    policy = jsonencode({{ \
                     Version = \"2012-10-17\", Statement = [{{ Effect = \"Allow\", Action = \
                     \"{action}\", Resource = \"arn:aws:sqs:us-east-1:111122223333:jobs\" }}] }})\n  }}\n"
                )
            };
            format!(
                "resource \"aws_iam_role\" \"worker\" {{\n  name = \"worker\"\n  \
                 assume_role_policy = jsonencode({{ Version = \"2012-10-17\", Statement = [{{ \
                 Effect = \"Allow\", Principal = {{ Service = \"lambda.amazonaws.com\" }}, \
                 Action = \"sts:AssumeRole\" }}] }})\n{}{}}}\n",
                block(first),
                block(second)
            )
        };
        let (read, send) = (("read", "sqs:ReceiveMessage"), ("send", "sqs:SendMessage"));
        assert_same(&role(read, send), &role(send, read));
        // One of them widened after the swap: that one is reported.
        let report = diff_hcl(&role(read, send), &role(("send", "sqs:*"), read));
        let c = changes_in(&report, crate::report::Category::Iam);
        assert_eq!(c.len(), 1, "{:?}", kinds(&report));
        assert_eq!(c[0].kind, "statement_changed");
        assert_eq!(c[0].effect, Effect::Broadening);
    }

    #[test]
    fn managed_policies_attached_to_roles_users_and_groups_broaden_them() {
        let base = r#"
resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}
resource "aws_iam_user" "ci" {
  name = "ci"
}
resource "aws_iam_group" "ops" {
  name = "ops"
}
"#;
        let head = format!(
            "{base}{}",
            r#"
resource "aws_iam_policy_attachment" "admin" {
  name       = "admin"
  roles      = [aws_iam_role.app.name]
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_role_policy_attachments_exclusive" "app" {
  role_name   = aws_iam_role.app.name
  policy_arns = ["arn:aws:iam::aws:policy/IAMFullAccess"]
}
resource "aws_iam_user_policy_attachment" "ci" {
  user       = "ci"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_group_policy_attachment" "ops" {
  group      = aws_iam_group.ops.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}
"#
        );
        let report = diff_hcl(base, &head);
        let mut attached: Vec<(String, Danger)> = changes(&report)
            .iter()
            .filter(|c| c.kind == "managed_policy_attached")
            .map(|c| (c.title.clone(), c.danger))
            .collect();
        attached.sort();
        assert_eq!(
            attached,
            [
                (
                    "managed policy `AdministratorAccess` attached to `aws_iam_role.app`"
                        .to_string(),
                    Danger::High
                ),
                (
                    "managed policy `AdministratorAccess` attached to `aws_iam_user.ci`"
                        .to_string(),
                    Danger::High
                ),
                (
                    "managed policy `IAMFullAccess` attached to `aws_iam_role.app`".to_string(),
                    Danger::High
                ),
                (
                    "managed policy `PowerUserAccess` attached to `aws_iam_group.ops`".to_string(),
                    Danger::High
                ),
            ]
        );
    }

    #[test]
    fn an_attachment_made_for_each_of_arns_attaches_each() {
        let role = |arns: &[&str]| {
            let entries: Vec<String> = arns
                .iter()
                .map(|a| {
                    format!(
                        "    {a} = \"arn:aws:iam::aws:policy/{}\"",
                        match *a {
                            "basic" => "service-role/AWSLambdaBasicExecutionRole",
                            "admin" => "AdministratorAccess",
                            _ => "IAMFullAccess",
                        }
                    )
                })
                .collect();
            format!(
                "resource \"aws_iam_role\" \"app\" {{\n  name = \"app\"\n  assume_role_policy = \
                 jsonencode({{ Version = \"2012-10-17\", Statement = [{{ Effect = \"Allow\", \
                 Principal = {{ Service = \"lambda.amazonaws.com\" }}, Action = \"sts:AssumeRole\" }}] }})\n}}\n\
                 resource \"aws_iam_role_policy_attachment\" \"app\" {{\n  for_each = {{\n{}\n  }}\n  \
                 role       = aws_iam_role.app.name\n  policy_arn = each.value\n}}\n",
                entries.join("\n")
            )
        };
        let report = diff_hcl(&role(&["basic"]), &role(&["basic", "admin"]));
        let c = changes_in(&report, crate::report::Category::Iam);
        assert_eq!(c.len(), 1, "{:?}", kinds(&report));
        assert_eq!(
            (c[0].title.as_str(), c[0].danger),
            (
                "managed policy `AdministratorAccess` attached to `aws_iam_role.app`",
                Danger::High
            )
        );
        let report = diff_hcl(
            &role(&["basic", "admin"]),
            &role(&["basic", "admin", "iam"]),
        );
        let c = changes_in(&report, crate::report::Category::Iam);
        assert_eq!(c.len(), 1, "{:?}", kinds(&report));
        assert!(
            c[0].title.contains("`IAMFullAccess` attached"),
            "{}",
            c[0].title
        );
    }

    #[test]
    fn a_policy_document_read_through_a_local_is_the_same_policy() {
        let module = |policy: &str, locals: &str| {
            format!(
                r#"resource "aws_iam_role" "w" {{
  name               = "w"
  assume_role_policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Principal = {{ Service = "lambda.amazonaws.com" }}, Action = "sts:AssumeRole" }}] }})
}}
data "aws_iam_policy_document" "send" {{
  statement {{
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:us-east-1:123456789012:q"]
  }}
}}
{locals}
resource "aws_iam_role_policy" "send" {{
  role   = aws_iam_role.w.id
  policy = {policy}
}}
"#
            )
        };
        let direct = module("data.aws_iam_policy_document.send.json", "");
        let through = module(
            "local.send_policy",
            "locals {\n  documents   = data.aws_iam_policy_document.send.json\n  send_policy = local.documents\n}",
        );
        assert_same(&direct, &through);
    }

    #[test]
    fn a_service_trust_is_not_an_escalation_path() {
        let role = |principal: &str| {
            format!(
                r#"resource "aws_iam_role" "reader" {{
  name               = "reader"
  assume_role_policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Principal = {principal}, Action = "sts:AssumeRole" }}] }})
}}
"#
            )
        };
        // The trust every function's role has: new, so broader, but no sweeping grant.
        let report = diff_hcl("", &role(r#"{ Service = "lambda.amazonaws.com" }"#));
        let c = changes_in(&report, crate::report::Category::Iam);
        assert_eq!(c.len(), 1, "{:?}", kinds(&report));
        assert_eq!((c[0].kind, c[0].danger), ("policy_added", Danger::Medium));
        // Anyone may assume it: high.
        let report = diff_hcl("", &role(r#"{ AWS = "*" }"#));
        let c = changes_in(&report, crate::report::Category::Iam);
        assert_eq!((c[0].kind, c[0].danger), ("policy_added", Danger::High));
        // `sts:AssumeRole` granted by an identity policy still is.
        let head = READ.replace("s3:GetObject", "sts:AssumeRole").replace(
            "${aws_s3_bucket.reports.arn}/*",
            "arn:aws:iam::111122223333:role/deploy",
        );
        let report = diff_hcl(&role_policy(READ), &role_policy(&head));
        assert_eq!(changes(&report)[0].danger, Danger::High);
    }

    /// A statement moved from one inline policy of a role to another: the role may do what
    /// it could. Managed policies, boundaries and instances of roles are compared on their
    /// own (from the audit: a boundary's `*` hid `iam:*`, `r["writer"]` and `r["reader"]`
    /// were one role, a group holding the managed policy was not counted).
    #[test]
    fn a_statement_moved_between_policies_of_one_role_is_no_change() {
        const SEND: &str = r#"{ Sid = "Send", Effect = "Allow", Action = "sqs:SendMessage", Resource = "arn:aws:sqs:us-east-1:123456789012:q" }"#;
        const READ: &str = r#"{ Sid = "Read", Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::r/*" }"#;
        let role = |name: &str| {
            format!(
                r#"resource "aws_iam_role" "{name}" {{
  name               = "{name}"
  assume_role_policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Principal = {{ Service = "lambda.amazonaws.com" }}, Action = "sts:AssumeRole" }}] }})
}}
"#
            )
        };
        let roles = |a: &str, b: &str, shared: &str| {
            format!(
                r#"{}{}resource "aws_iam_role_policy" "a" {{
  role   = aws_iam_role.w.id
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{a}] }})
}}
resource "aws_iam_role_policy" "b" {{
  role   = aws_iam_role.w.id
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{b}] }})
}}
resource "aws_iam_policy" "shared" {{
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{shared}] }})
}}
resource "aws_iam_role_policy_attachment" "w" {{
  role       = aws_iam_role.w.name
  policy_arn = aws_iam_policy.shared.arn
}}
resource "aws_iam_role_policy_attachment" "other" {{
  role       = aws_iam_role.other.name
  policy_arn = aws_iam_policy.shared.arn
}}
"#,
                role("w"),
                role("other")
            )
        };
        let both = format!("{READ}, {SEND}");
        assert_same(&roles(&both, READ, READ), &roles(READ, &both, READ));
        // Out of a managed policy (which users, groups and other roles may hold, or which
        // may be a boundary) into an inline one: each is compared on its own.
        let report = diff_hcl(&roles(READ, READ, &both), &roles(READ, &both, READ));
        assert_eq!(
            kinds(&report),
            [
                ("statement_added", "aws_iam_role_policy.b".into()),
                ("statement_removed", "aws_iam_policy.shared".into())
            ]
        );
        // A boundary grants nothing: `iam:*` added under an `Allow *` boundary broadens.
        let bounded = |inline: &str| {
            format!(
                r#"{}resource "aws_iam_policy" "boundary" {{
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "*", Resource = "*" }}] }})
}}
resource "aws_iam_role_policy" "a" {{
  role   = aws_iam_role.w.id
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{inline}] }})
}}
"#,
                role("w").replace(
                    "  assume_role_policy",
                    "  permissions_boundary = aws_iam_policy.boundary.arn\n  assume_role_policy"
                )
            )
        };
        let admin = r#"{ Effect = "Allow", Action = "iam:*", Resource = "*" }"#;
        let report = diff_hcl(&bounded(READ), &bounded(&format!("{READ}, {admin}")));
        assert_eq!(
            changes(&report)[0].danger,
            Danger::High,
            "{:?}",
            kinds(&report)
        );
        // Instances of one role are roles of their own.
        let per_instance = |writer: &str, reader: &str| {
            format!(
                r#"{}resource "aws_iam_role_policy" "writer" {{
  role   = aws_iam_role.r["writer"].id
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{writer}] }})
}}
resource "aws_iam_role_policy" "reader" {{
  role   = aws_iam_role.r["reader"].id
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{reader}] }})
}}
"#,
                role("r").replace(
                    "  name               = \"r\"",
                    "  for_each           = toset([\"writer\", \"reader\"])\n  name               = each.key"
                )
            )
        };
        let report = diff_hcl(&per_instance(&both, READ), &per_instance(READ, &both));
        assert_eq!(
            kinds(&report),
            [
                ("statement_added", "aws_iam_role_policy.reader".into()),
                ("statement_removed", "aws_iam_role_policy.writer".into())
            ]
        );
    }

    /// An `aws_lambda_permission` is a statement of its function's resource policy: a
    /// wider principal or action, or a `source_arn` dropped, broadens it.
    #[test]
    fn a_lambda_permission_is_a_statement_of_the_function_resource_policy() {
        let permission = |action: &str, principal: &str, source: &str| {
            format!(
                r#"resource "aws_lambda_function" "f" {{
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
}}
resource "aws_s3_bucket" "uploads" {{
  bucket = "acme-uploads"
}}
resource "aws_lambda_permission" "s3" {{
  statement_id  = "AllowS3"
  function_name = aws_lambda_function.f.function_name
  action        = "{action}"
  principal     = "{principal}"
{source}}}
"#
            )
        };
        let source = "  source_arn    = aws_s3_bucket.uploads.arn\n";
        let base = permission("lambda:InvokeFunction", "s3.amazonaws.com", source);
        let cases = [
            (
                permission("lambda:InvokeFunction", "*", source),
                Danger::High,
                "new principals: `*`",
            ),
            (
                permission("lambda:InvokeFunction", "s3.amazonaws.com", ""),
                Danger::Medium,
                "conditions removed: `ArnLike AWS:SourceArn`",
            ),
        ];
        for (head, danger, detail) in cases {
            let report = diff_hcl(&base, &head);
            let c = changes_in(&report, crate::report::Category::Iam);
            assert_eq!(c.len(), 1, "{:?}", kinds(&report));
            assert_eq!(
                (c[0].kind, c[0].resource.as_str(), c[0].danger, c[0].effect),
                (
                    "statement_changed",
                    "aws_lambda_permission.s3",
                    danger,
                    Effect::Broadening
                )
            );
            assert_eq!(c[0].details, [detail]);
        }
        let head = permission("lambda:*", "s3.amazonaws.com", source);
        let report = diff_hcl(&base, &head);
        let c = changes(&report);
        assert_eq!(
            (c[0].effect, c[0].danger),
            (Effect::Broadening, Danger::High)
        );
        // The source named by another reference to the same bucket: no change.
        let same = permission(
            "lambda:InvokeFunction",
            "s3.amazonaws.com",
            "  source_arn    = \"${aws_s3_bucket.uploads.arn}\"\n",
        );
        assert_same(&base, &same);
        // `count` added: Terraform moves the permission to `[0]`, the same statement.
        let counted = permission(
            "lambda:InvokeFunction",
            "s3.amazonaws.com",
            &format!("{source}  count = 1\n"),
        );
        assert_same(&base, &counted);
        // Named by its ARN rather than its name: the same function, the same statement.
        let by_arn = base.replace(
            "aws_lambda_function.f.function_name",
            "aws_lambda_function.f.arn",
        );
        assert_same(&base, &by_arn);
        // An account as its ID or its root ARN: the same principal.
        assert_same(
            &permission("lambda:InvokeFunction", "111122223333", source),
            &permission(
                "lambda:InvokeFunction",
                "arn:aws:iam::111122223333:root",
                source,
            ),
        );
        // One permission per entry: each instance is a statement of its own.
        let per_topic = |principal_a: &str, source_a: &str| {
            format!(
                r#"resource "aws_lambda_function" "f" {{
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
}}
resource "aws_lambda_permission" "p" {{
  for_each      = {{ a = ["{principal_a}", "{source_a}"], b = ["sns.amazonaws.com", "arn:aws:sns:us-east-1:123456789012:b"] }}
  statement_id  = "sns-${{each.key}}"
  function_name = aws_lambda_function.f.function_name
  action        = "lambda:InvokeFunction"
  principal     = each.value[0]
  source_arn    = each.value[1] == "" ? null : each.value[1]
}}
"#
            )
        };
        let report = diff_hcl(
            &per_topic("sns.amazonaws.com", "arn:aws:sns:us-east-1:123456789012:a"),
            &per_topic("*", ""),
        );
        let c = changes_in(&report, crate::report::Category::Iam);
        assert_eq!(c.len(), 1, "{:?}", kinds(&report));
        assert_eq!(c[0].resource, "aws_lambda_permission.p[\"a\"]");
        assert_eq!(
            c[0].details,
            [
                "new principals: `*`",
                "conditions removed: `ArnLike AWS:SourceArn`"
            ]
        );
    }

    #[test]
    fn statements_added_and_removed_and_denies_read_the_other_way() {
        let write = r#"{ Sid = "Write", Effect = "Allow", Action = ["s3:PutObject"], Resource = "${aws_s3_bucket.reports.arn}/*" }"#;
        let deny = r#"{ Sid = "NoDelete", Effect = "Deny", Action = ["s3:DeleteObject"], Resource = "*" }"#;
        let report = diff_hcl(
            &role_policy(&format!("{READ}, {deny}")),
            &role_policy(&format!("{READ}, {write}")),
        );
        assert_eq!(
            effects(&report),
            [
                ("statement_added", Effect::Broadening),
                ("statement_removed", Effect::Broadening),
            ],
            "an Allow added and a Deny removed both grant more"
        );
        let report = diff_hcl(
            &role_policy(&format!("{READ}, {write}")),
            &role_policy(READ),
        );
        let c = changes(&report);
        assert_eq!(
            kinds(&report),
            [("statement_removed", "aws_iam_role_policy.worker".into())]
        );
        assert_eq!((c[0].effect, c[0].danger), (Effect::Narrowing, Danger::Low));
        // A deny that covers fewer actions is weakened.
        let report = diff_hcl(
            &role_policy(&format!(
                "{READ}, {}",
                deny.replace(
                    r#"["s3:DeleteObject"]"#,
                    r#"["s3:DeleteObject", "s3:DeleteBucket"]"#
                )
            )),
            &role_policy(&format!("{READ}, {deny}")),
        );
        let c = changes(&report);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].effect, Effect::Broadening);
        assert!(c[0].title.contains("weakened"), "{}", c[0].title);
        assert_eq!(c[0].details, ["no longer denied: `s3:DeleteBucket`"]);
    }

    #[test]
    fn narrowing_is_reported_as_narrowing() {
        let head = READ;
        let base = READ.replace(r#"["s3:GetObject"]"#, r#"["s3:GetObject", "s3:PutObject"]"#);
        let report = diff_hcl(&role_policy(&base), &role_policy(head));
        let c = changes(&report);
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].effect, c[0].danger), (Effect::Narrowing, Danger::Low));
        assert_eq!(c[0].details, ["actions removed: `s3:PutObject`"]);
        assert!(c[0].title.contains("narrowed"));
    }

    #[test]
    fn policies_attached_to_roles_broaden_them() {
        let base = role_policy(READ);
        let head = format!(
            r#"{base}
resource "aws_iam_role_policy_attachment" "admin" {{
  role       = aws_iam_role.worker.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}}
resource "aws_iam_policy" "shared" {{
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "arn:aws:sqs:us-east-1:123456789012:q" }}] }})
}}
resource "aws_iam_role_policy_attachment" "shared" {{
  role       = aws_iam_role.worker.name
  policy_arn = aws_iam_policy.shared.arn
}}
"#
        );
        let report = diff_hcl(&base, &head);
        let mut found: Vec<(&str, String, Danger)> = changes(&report)
            .iter()
            .map(|c| (c.kind, c.resource.clone(), c.danger))
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                (
                    "managed_policy_attached",
                    "aws_iam_role.worker".into(),
                    Danger::High
                ),
                (
                    "policy_added",
                    "aws_iam_policy.shared".into(),
                    Danger::Medium
                ),
            ]
        );
        let added = changes(&report)
            .into_iter()
            .find(|c| c.kind == "policy_added")
            .expect("policy_added");
        assert!(
            added.title.ends_with("(role `aws_iam_role.worker`)"),
            "{}",
            added.title
        );
        // The same policy later attached to a second role: it now applies to that role.
        let second = format!(
            r#"{head}
resource "aws_iam_role" "other" {{
  name               = "other"
  assume_role_policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Principal = {{ Service = "lambda.amazonaws.com" }}, Action = "sts:AssumeRole" }}] }})
}}
resource "aws_iam_role_policy_attachment" "other" {{
  role       = aws_iam_role.other.name
  policy_arn = aws_iam_policy.shared.arn
}}
"#
        );
        let report = diff_hcl(&head, &second);
        let found = kinds(&report);
        assert!(
            found.contains(&("policy_applies_to", "aws_iam_policy.shared".into())),
            "{found:?}"
        );
        // Each the other way round grants less.
        let report = diff_hcl(&second, &head);
        assert!(
            kinds(&report).contains(&(
                "policy_no_longer_applies_to",
                "aws_iam_policy.shared".into()
            )),
            "{:?}",
            kinds(&report)
        );
        let report = diff_hcl(&head, &base);
        assert_eq!(
            effects(&report),
            [
                ("managed_policy_detached", Effect::Narrowing),
                ("policy_removed", Effect::Narrowing),
            ]
        );
    }

    #[test]
    fn rewriting_a_policy_without_changing_what_it_grants_is_no_change() {
        let base = role_policy(&format!(
            r#"{READ}, {{ Effect = "Allow", Action = ["sqs:ReceiveMessage", "sqs:DeleteMessage"], Resource = "arn:aws:sqs:us-east-1:123456789012:jobs" }}"#
        ));
        // Statements reordered, actions reordered and in another case, a local renamed,
        // the document written as a heredoc.
        let head = r#"locals {
  jobs_queue_arn = "arn:aws:sqs:us-east-1:123456789012:jobs"
}

resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}

resource "aws_iam_role" "worker" {
  name = "worker"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "worker" {
  role   = aws_iam_role.worker.id
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": ["SQS:DeleteMessage", "sqs:receivemessage"], "Resource": "${local.jobs_queue_arn}"},
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "${aws_s3_bucket.reports.arn}/*"}
      ]
    }
  EOT
}
"#;
        assert_same(&base, head);
        // The same statements in a policy document data source.
        let data = r#"resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}
resource "aws_iam_role" "worker" {
  name               = "worker"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
data "aws_iam_policy_document" "worker" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.reports.arn}/*"]
  }
  statement {
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
    resources = ["arn:aws:sqs:us-east-1:123456789012:jobs"]
  }
}
resource "aws_iam_role_policy" "worker" {
  role   = aws_iam_role.worker.id
  policy = data.aws_iam_policy_document.worker.json
}
"#;
        assert_same(&base, data);
    }

    #[test]
    fn what_is_not_known_before_apply_is_not_judged() {
        let base = format!("variable \"actions\" {{}}\n{}", role_policy(READ));
        // The actions come from a variable without a value: nothing can be shown.
        let head = format!(
            "variable \"actions\" {{}}\n{}",
            role_policy(&READ.replace(r#"["s3:GetObject"]"#, "var.actions"))
        );
        assert_same(&base, &head);
        assert_same(&head, &base);
        // The resources still can be.
        let wider = head.replace("${aws_s3_bucket.reports.arn}/*", "*");
        let report = diff_hcl(&head, &wider);
        assert_eq!(changes(&report)[0].details, ["wider resources: `*`"]);
    }

    #[test]
    fn the_action_table_decides_what_a_wildcard_adds() {
        // `s3:Get*` already covers `s3:GetObjectTagging`: nothing new.
        let base = READ.replace("s3:GetObject", "s3:Get*");
        let head = READ.replace(
            r#"["s3:GetObject"]"#,
            r#"["s3:Get*", "s3:GetObjectTagging"]"#,
        );
        assert_same(&role_policy(&base), &role_policy(&head));
        // `NotAction` grants every action but those listed.
        let head = r#"{ Sid = "Read", Effect = "Allow", NotAction = ["iam:*"], Resource = "${aws_s3_bucket.reports.arn}/*" }"#;
        let report = diff_hcl(&role_policy(READ), &role_policy(head));
        let c = changes(&report);
        assert_eq!(c[0].danger, Danger::High);
        assert!(
            c[0].details[0].starts_with("new actions: every action except `iam:*` ("),
            "{:?}",
            c[0].details
        );
        assert!(c[0].data["broadened"]["actions"][0]["count"].as_u64() > Some(10_000));
    }
}
