//! Who can do what: every principal (the roles components run as, the services and
//! accounts resource policies let in, the public) against the resources it may act on,
//! with the actions granted; wildcards and other accounts singled out; who may assume
//! each role; and the entry points anyone can call.

use crate::analysis::{self, Analysis};
use crate::components::{Components, Kind};
use crate::lint::{openapi, OperationAuthorization, PolicyDoc, PolicyKind, StatementView};
use crate::resolve::Resolver;
use crate::symbolic;
use std::collections::BTreeSet;
use tfstack_model::aws::is_account_id;
use tfstack_model::iam_actions::{resource_level, ResourceLevel};
use tfstack_model::{Block, Value, ValueKind};

/// Who a grant is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    /// A component of this configuration (through the role it runs as).
    Component,
    /// An AWS service (`events.amazonaws.com`).
    Service,
    /// An account or an IAM principal outside this configuration.
    Account,
    /// Anyone.
    Public,
    /// A federated identity provider.
    Federated,
}

/// One principal allowed some actions on one resource.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Grant {
    pub principal: String,
    pub principal_kind: PrincipalKind,
    /// The component (name and kind) or the ARN pattern the actions apply to.
    pub resource: String,
    /// The ARN pattern as written, when it says more than the component name.
    pub scope: Option<String>,
    pub actions: Vec<String>,
    pub condition: Option<String>,
    /// An action `*`, `service:*` or another wildcard pattern.
    pub wildcard_action: bool,
    /// `"Resource": "*"` for an action that could have been scoped to resources.
    pub wildcard_resource: bool,
    /// The principal is an account (or one of its principals) not shown to be this one.
    pub cross_account: bool,
    /// The policy that grants it (`aws_iam_role_policy.x`, `aws_sqs_queue_policy.y`).
    pub source: String,
    /// Housekeeping every function needs (sending traces to X-Ray, writing to its own log
    /// group): summed up below the table instead of a row each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routine: Option<Routine>,
}

/// A grant that is housekeeping rather than access an architect weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Routine {
    /// X-Ray's write actions (those of AWS's `AWSXRayDaemonWriteAccess`) on `*`.
    Tracing,
    /// `logs:CreateLogStream` and `logs:PutLogEvents` on the component's own log group.
    OwnLogs,
}

impl Routine {
    /// What the grants of this kind let each component do.
    fn description(self) -> &'static str {
        match self {
            Routine::Tracing => "send traces to X-Ray",
            Routine::OwnLogs => "write to their own log group",
        }
    }
}

/// The components whose grants are one kind of housekeeping.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RoutineGrants {
    pub kind: Routine,
    pub description: &'static str,
    pub principals: Vec<String>,
}

/// X-Ray's write actions: what AWS's `AWSXRayDaemonWriteAccess` policy grants.
const XRAY_WRITE: &[&str] = &[
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
];

/// The actions a function needs to write its own logs.
const LOG_WRITE: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];

/// Whether every action is one of `allowed` (IAM compares actions without case).
fn only(actions: &[String], allowed: &[&str]) -> bool {
    !actions.is_empty()
        && actions
            .iter()
            .all(|a| allowed.iter().any(|x| x.eq_ignore_ascii_case(a)))
}

/// Who may assume a role.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Trust {
    /// The component that runs as the role (or the role itself).
    pub component: String,
    pub role: String,
    pub principals: Vec<String>,
    /// Any principal is an account, or everyone.
    pub external: bool,
}

/// The kind of an entry point an HTTP API's OpenAPI `body` defines (a route).
pub const OPENAPI_ROUTE: &str = "HTTP API route (OpenAPI)";
/// The kind of an entry point a REST API's OpenAPI `body` defines (a method).
pub const OPENAPI_METHOD: &str = "REST API method (OpenAPI)";

/// A way in from outside the stack.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EntryPoint {
    pub component: String,
    /// The resource that opens it (`aws_apigatewayv2_route.get_order`), or its instance
    /// (`aws_apigatewayv2_route.this["GET /orders"]`).
    pub resource: String,
    pub kind: String,
    /// `POST /orders`, `function URL`, `distribution`.
    pub route: String,
    pub authorization: String,
    /// Anyone can call it (no authorization).
    pub open: bool,
}

/// The access section.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Access {
    /// Every grant but the routine ones.
    pub grants: Vec<Grant>,
    /// The routine grants, by kind, with the components that have them.
    pub routine: Vec<RoutineGrants>,
    pub trusts: Vec<Trust>,
    pub entry_points: Vec<EntryPoint>,
}

impl Access {
    pub fn wildcard_count(&self) -> usize {
        self.grants
            .iter()
            .filter(|g| g.wildcard_action || g.wildcard_resource)
            .count()
    }
    pub fn cross_account_count(&self) -> usize {
        self.grants.iter().filter(|g| g.cross_account).count()
            + self.trusts.iter().filter(|t| t.external).count()
    }
    pub fn open_entry_count(&self) -> usize {
        self.entry_points.iter().filter(|e| e.open).count()
    }
}

/// An identity statement, resolved: who (through which role) may do what on which
/// components.
#[derive(Clone, Debug)]
pub(crate) struct IdentityGrant {
    pub role: String,
    pub principal_component: Option<String>,
    pub actions: Vec<String>,
    pub resource_components: Vec<String>,
    pub statement: StatementView,
    pub source: String,
}

/// The roles (and users) each identity policy document of a module applies to, by the
/// document's owner address (`aws_iam_role_policy.x`, `aws_iam_policy.y`,
/// `data.aws_iam_policy_document.z`).
pub(crate) fn identity_policy_roles(
    a: &Analysis,
) -> std::collections::BTreeMap<String, Vec<String>> {
    crate::lint::policies(a.sym)
        .iter()
        .filter(|doc| doc.kind == PolicyKind::Identity)
        .filter_map(|doc| Some((doc.resource.clone()?, roles_of_document(a, doc))))
        .collect()
}

/// The roles an identity document applies to.
fn roles_of_document(a: &Analysis, doc: &PolicyDoc) -> Vec<String> {
    let Some(owner) = doc.resource.as_deref() else {
        return Vec::new();
    };
    roles_of_policy(a, owner, 0)
}

fn roles_of_policy(a: &Analysis, address: &str, depth: usize) -> Vec<String> {
    if depth > 4 {
        return Vec::new();
    }
    let Some(b) = a.block(address) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match (b.kind.as_str(), b.type_label()) {
        ("resource", "aws_iam_role") | ("resource", "aws_iam_user") => {
            out.push(address.to_string())
        }
        ("resource", "aws_iam_role_policy") => out.extend(role_refs(a, b, "role")),
        ("resource", "aws_iam_user_policy") => out.extend(a.attribute_references(b, "user")),
        ("resource", "aws_iam_policy") => {
            for r in a.cx.referenced_by(address) {
                let from = r.from;
                if from.is_resource("aws_iam_role_policy_attachment") {
                    out.extend(role_refs(a, from, "role"));
                } else if from.is_resource("aws_iam_policy_attachment") {
                    out.extend(a.attribute_references(from, "roles"));
                } else if from.is_resource("aws_iam_role") && r.attribute == "managed_policy_arns" {
                    // Not its `permissions_boundary`: a boundary grants nothing, it only
                    // limits what the role's policies grant.
                    out.push(from.address());
                }
            }
        }
        ("data", "aws_iam_policy_document") => {
            for r in crate::lint::referenced_through_locals(a.cx, address) {
                let from = r.from;
                let policy_attribute = r.attribute == "policy" || r.attribute.ends_with(".policy");
                if from.is_resource("aws_iam_role") && r.attribute == "assume_role_policy" {
                    continue;
                }
                if policy_attribute || from.is_data("aws_iam_policy_document") {
                    out.extend(roles_of_policy(a, &from.address(), depth + 1));
                }
            }
        }
        _ => {}
    }
    let mut seen = BTreeSet::new();
    out.retain(|r| seen.insert(r.clone()));
    out
}

/// The roles an attribute designates: by reference, or by a literal name.
fn role_refs(a: &Analysis, b: &Block, attribute: &str) -> Vec<String> {
    let refs = a.attribute_references(b, attribute);
    if !refs.is_empty() {
        return refs;
    }
    a.text(b, attribute)
        .map(|name| {
            a.cx.resources_named("aws_iam_role", "name", &name)
                .iter()
                .map(|r| r.address())
                .collect()
        })
        .unwrap_or_default()
}

fn statement_strings(values: &[Value]) -> Vec<String> {
    values
        .iter()
        .map(|v| match &v.kind {
            ValueKind::String(s) => s.to_string(),
            ValueKind::Unknown => "(computed)".to_string(),
            _ => v.to_json().to_string(),
        })
        .collect()
}

/// Whether an Allow statement is written with `NotAction` (and no `Action`): it grants
/// every action but those listed.
fn grants_every_other_action(statement: &StatementView) -> bool {
    statement.not_actions.is_some() && statement.actions.is_empty()
}

/// The actions an Allow statement grants, as the report shows them: its `Action` list,
/// or one entry `every action except …` for `NotAction`.
fn granted_actions(statement: &StatementView) -> Vec<String> {
    match &statement.not_actions {
        Some(excluded) if grants_every_other_action(statement) => {
            let excluded = statement_strings(excluded);
            vec![if excluded.is_empty() {
                "every action".to_string()
            } else {
                format!("every action except {}", excluded.join(", "))
            }]
        }
        _ => statement_strings(&statement.actions),
    }
}

/// The Allow statements of the identity policies, with the roles they apply to.
pub(crate) fn identity_grants(a: &Analysis, r: &Resolver) -> Vec<IdentityGrant> {
    let mut out = Vec::new();
    for doc in crate::lint::policies(a.sym).iter() {
        if doc.kind != PolicyKind::Identity {
            continue;
        }
        let roles = roles_of_document(a, doc);
        for statement in &doc.statements {
            if !statement.is_allow() {
                continue;
            }
            let actions = granted_actions(statement);
            let resources = statement_strings(&statement.resources);
            let mut components = Vec::new();
            for res in &resources {
                for c in r.in_text(res) {
                    if !components.contains(&c) {
                        components.push(c);
                    }
                }
            }
            for role in &roles {
                out.push(IdentityGrant {
                    role: role.clone(),
                    principal_component: r.component(role),
                    actions: actions.clone(),
                    resource_components: components.clone(),
                    statement: statement.clone(),
                    source: doc.resource.clone().unwrap_or_default(),
                });
            }
        }
    }
    out
}

fn component_label(components: &Components, id: &str) -> String {
    match components.get(id) {
        Some(c) => format!("{} ({})", c.name, c.kind.label()),
        None => id.to_string(),
    }
}

fn is_wildcard_action(action: &str) -> bool {
    action.contains('*') || action.contains('?')
}

/// Whether `Resource: "*"` grants more than needed for one of the actions.
fn scopable(actions: &[String]) -> bool {
    actions
        .iter()
        .any(|a| resource_level(a) != ResourceLevel::NotSupported)
}

/// A readable form of a resource string: a whole reference as its component (and the
/// resource, when it is not the component's own), anything else with its markers shown.
fn shown(text: &str, components: &Components, r: &Resolver) -> String {
    if is_whole_reference(text) {
        if let Some(m) = symbolic::references_in(text).first() {
            if let Some(label) = reference_label(components, r, &m.address) {
                return label;
            }
        }
    }
    symbolic::display(text)
}

/// `orders (DynamoDB)` for a component's own resource, `aws_cloudwatch_log_group.f (in f)`
/// for a resource folded into it.
fn reference_label(components: &Components, r: &Resolver, address: &str) -> Option<String> {
    let c = r.component(address)?;
    let component = components.get(&c)?;
    if component.primary == address {
        Some(component_label(components, &c))
    } else {
        Some(format!("{address} (in {})", component.name))
    }
}

/// A condition block, one `Operator key = values` per entry, with references resolved.
fn condition_text(v: Option<&Value>, components: &Components, r: &Resolver) -> Option<String> {
    let map = v?.as_object()?;
    let mut parts = Vec::new();
    for (operator, keys) in map {
        let Some(keys) = keys.as_object() else {
            continue;
        };
        for (key, raw) in keys {
            let mut values: Vec<String> = Vec::new();
            for v in statement_strings(&raw.one_or_many().into_iter().cloned().collect::<Vec<_>>())
            {
                let v = shown(&v, components, r);
                if !values.contains(&v) {
                    values.push(v);
                }
            }
            parts.push(format!("{operator} {key} = {}", values.join(", ")));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Principals of a resource or trust statement, as (name, kind, cross-account).
fn principals(
    statement: &StatementView,
    components: &Components,
    r: &Resolver,
) -> Vec<(String, PrincipalKind, bool)> {
    let Some(p) = &statement.principal else {
        return Vec::new();
    };
    if p.as_str() == Some("*") {
        return vec![("everyone (*)".into(), PrincipalKind::Public, false)];
    }
    let mut out = Vec::new();
    let Some(map) = p.as_object() else {
        return vec![("(computed)".into(), PrincipalKind::Account, false)];
    };
    for (ty, ids) in map {
        for id in statement_strings(&ids.one_or_many().into_iter().cloned().collect::<Vec<_>>()) {
            let entry = match ty.to_ascii_lowercase().as_str() {
                "service" => (id, PrincipalKind::Service, false),
                "federated" => (id, PrincipalKind::Federated, false),
                "*" => ("everyone (*)".into(), PrincipalKind::Public, false),
                _ if id == "*" => ("everyone (*)".into(), PrincipalKind::Public, false),
                _ => {
                    let marked = symbolic::references_in(&id);
                    let component = marked
                        .iter()
                        .filter(|m| !m.address.starts_with("data."))
                        .find_map(|m| r.component(&m.address));
                    if let Some(c) = component {
                        (
                            component_label(components, &c),
                            PrincipalKind::Component,
                            false,
                        )
                    } else if marked.iter().any(|m| m.address == symbolic::THIS_ACCOUNT) {
                        let name = if id.ends_with(":root") {
                            ACCOUNT_ROOT.to_string()
                        } else {
                            format!("this account: {}", symbolic::display(&id))
                        };
                        (name, PrincipalKind::Account, false)
                    } else {
                        let external = literal_account(&id).is_some();
                        (symbolic::display(&id), PrincipalKind::Account, external)
                    }
                }
            };
            out.push(entry);
        }
    }
    out
}

/// The principal name of this account's root (in a resource policy: whoever the account's
/// IAM policies allow).
const ACCOUNT_ROOT: &str = "this account (its IAM policies decide)";

/// The account of a literal account ID or IAM ARN.
fn literal_account(id: &str) -> Option<String> {
    if is_account_id(id) {
        return Some(id.to_string());
    }
    let account = id.strip_prefix("arn:")?.split(':').nth(3)?;
    is_account_id(account).then(|| account.to_string())
}

/// Builds the access section.
pub(crate) fn build(a: &Analysis, components: &Components, r: &Resolver) -> Access {
    let mut grants = Vec::new();
    for g in identity_grants(a, r) {
        let principal = match &g.principal_component {
            Some(c) => component_label(components, c),
            None => g.role.clone(),
        };
        let resources = statement_strings(&g.statement.resources);
        let every_other_action = grants_every_other_action(&g.statement);
        let wildcard_action = every_other_action || g.actions.iter().any(|x| is_wildcard_action(x));
        for res in resources {
            let comps = r.in_text(&res);
            let marked = symbolic::references_in(&res);
            let resource = match (comps.as_slice(), marked.as_slice()) {
                ([_], [m]) => reference_label(components, r, &m.address)
                    .unwrap_or_else(|| symbolic::display(&res)),
                ([one], _) => component_label(components, one),
                _ => symbolic::display(&res),
            };
            let scope =
                (comps.len() == 1 && !is_whole_reference(&res)).then(|| symbolic::display(&res));
            let unconditional = g.statement.condition.is_none();
            let own_log_group = match (marked.as_slice(), &g.principal_component) {
                ([m], Some(principal)) => {
                    m.address.starts_with("aws_cloudwatch_log_group.")
                        && comps.as_slice() == std::slice::from_ref(principal)
                }
                _ => false,
            };
            let routine = if unconditional && res == "*" && only(&g.actions, XRAY_WRITE) {
                Some(Routine::Tracing)
            } else if unconditional && own_log_group && only(&g.actions, LOG_WRITE) {
                Some(Routine::OwnLogs)
            } else {
                None
            };
            grants.push(Grant {
                principal: principal.clone(),
                principal_kind: PrincipalKind::Component,
                resource,
                scope,
                actions: g.actions.clone(),
                condition: condition_text(g.statement.condition.as_deref(), components, r),
                wildcard_action,
                wildcard_resource: res == "*" && (every_other_action || scopable(&g.actions)),
                cross_account: false,
                source: g.source.clone(),
                routine,
            });
        }
        if g.statement.resources.is_empty() && g.statement.not_resources.is_some() {
            grants.push(Grant {
                principal: principal.clone(),
                principal_kind: PrincipalKind::Component,
                resource: "every resource except NotResource".into(),
                scope: None,
                actions: g.actions.clone(),
                condition: None,
                wildcard_action,
                wildcard_resource: true,
                cross_account: false,
                source: g.source.clone(),
                routine: None,
            });
        }
    }
    let mut trusts = Vec::new();
    for doc in crate::lint::policies(a.sym).iter() {
        match doc.kind {
            PolicyKind::Resource => {
                let Some(owner_addr) = doc.resource.as_deref() else {
                    continue;
                };
                let owner = r.component(owner_addr);
                for s in doc.statements.iter().filter(|s| s.is_allow()) {
                    let actions = granted_actions(s);
                    let condition = condition_text(s.condition.as_deref(), components, r);
                    for (name, kind, cross) in principals(s, components, r) {
                        let resource = match &owner {
                            Some(c) => component_label(components, c),
                            None => owner_addr.to_string(),
                        };
                        let public = kind == PrincipalKind::Public && condition.is_none();
                        // A key policy's `kms:*` for the account root is AWS's way of
                        // handing the key to the account's IAM policies.
                        let delegation = name == ACCOUNT_ROOT
                            && owner_addr.starts_with("aws_kms_key")
                            && actions.iter().all(|x| x.eq_ignore_ascii_case("kms:*"));
                        grants.push(Grant {
                            principal: name,
                            principal_kind: kind,
                            resource,
                            scope: None,
                            actions: actions.clone(),
                            condition: condition.clone(),
                            wildcard_action: !delegation
                                && (grants_every_other_action(s)
                                    || actions.iter().any(|x| is_wildcard_action(x))),
                            wildcard_resource: public,
                            cross_account: cross,
                            source: owner_addr.to_string(),
                            routine: None,
                        });
                    }
                }
            }
            PolicyKind::Trust => {
                let Some(owner) = doc.resource.as_deref() else {
                    continue;
                };
                let mut names = Vec::new();
                let mut external = false;
                for s in doc.statements.iter().filter(|s| s.is_allow()) {
                    for (name, kind, cross) in principals(s, components, r) {
                        external |=
                            cross || (kind == PrincipalKind::Public && s.condition.is_none());
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                }
                // A policy document data source is the trust of every role that reads it.
                let roles: Vec<String> = if owner.starts_with("data.") {
                    a.cx.referenced_by(owner)
                        .iter()
                        .filter(|rf| {
                            rf.from.is_resource("aws_iam_role")
                                && rf.attribute == "assume_role_policy"
                        })
                        .map(|rf| rf.from.address())
                        .collect()
                } else {
                    vec![owner.to_string()]
                };
                for role in roles {
                    let role_name = a
                        .block(&role)
                        .map(|b| b.name_label().to_string())
                        .unwrap_or_default();
                    trusts.push(Trust {
                        component: r
                            .component(&role)
                            .map(|c| component_label(components, &c))
                            .unwrap_or_else(|| role.clone()),
                        role: role_name,
                        principals: names.clone(),
                        external,
                    });
                }
            }
            PolicyKind::Identity => {}
        }
    }
    for p in a.of_type("aws_lambda_permission") {
        let Some(function) = r.component(&p.address()) else {
            continue;
        };
        let principal = a
            .text(p, "principal")
            .unwrap_or_else(|| "(computed)".into());
        // An account given by its ID is stored, and shown, as its root ARN.
        let principal = if is_account_id(&principal) {
            format!("arn:aws:iam::{principal}:root")
        } else {
            principal
        };
        let source = p
            .body
            .get("source_arn")
            .map(|e| r.in_expr(a, e))
            .unwrap_or_default();
        let mut conditions = Vec::new();
        if let Some(c) = source.first() {
            conditions.push(format!("from {}", component_label(components, c)));
        } else if let Some(arn) = a.text(p, "source_arn") {
            conditions.push(format!("from {arn}"));
        }
        if let Some(acct) = a.text(p, "source_account") {
            conditions.push(format!("account {acct}"));
        }
        if let Some(org) = a.text(p, "principal_org_id") {
            conditions.push(format!("organization {org}"));
        }
        let public = principal == "*";
        let kind = if public {
            PrincipalKind::Public
        } else if principal.ends_with(".amazonaws.com") {
            PrincipalKind::Service
        } else {
            PrincipalKind::Account
        };
        let action = a
            .text(p, "action")
            .unwrap_or_else(|| "lambda:InvokeFunction".into());
        grants.push(Grant {
            cross_account: kind == PrincipalKind::Account && literal_account(&principal).is_some(),
            principal: if public {
                "everyone (*)".into()
            } else {
                principal
            },
            principal_kind: kind,
            resource: component_label(components, &function),
            scope: a.text(p, "qualifier").map(|q| format!("qualifier {q}")),
            wildcard_action: is_wildcard_action(&action),
            actions: vec![action],
            wildcard_resource: public && conditions.is_empty(),
            condition: (!conditions.is_empty()).then(|| conditions.join("; ")),
            source: p.address(),
            routine: None,
        });
    }
    grants.sort_by(|x, y| {
        (
            x.principal_kind,
            &x.principal,
            &x.resource,
            &x.actions,
            &x.source,
        )
            .cmp(&(
                y.principal_kind,
                &y.principal,
                &y.resource,
                &y.actions,
                &y.source,
            ))
    });
    grants.dedup_by(|x, y| {
        x.principal == y.principal
            && x.resource == y.resource
            && x.actions == y.actions
            && x.scope == y.scope
            && x.condition == y.condition
    });
    trusts.sort_by(|x, y| (&x.component, &x.role).cmp(&(&y.component, &y.role)));
    let (routine_grants, grants): (Vec<Grant>, Vec<Grant>) =
        grants.into_iter().partition(|g| g.routine.is_some());
    let mut by_kind: std::collections::BTreeMap<Routine, Vec<String>> = Default::default();
    for g in routine_grants {
        if let Some(kind) = g.routine {
            by_kind.entry(kind).or_default().push(g.principal);
        }
    }
    let routine = by_kind
        .into_iter()
        .map(|(kind, mut principals)| {
            principals.sort();
            principals.dedup();
            RoutineGrants {
                kind,
                description: kind.description(),
                principals,
            }
        })
        .collect();
    Access {
        grants,
        routine,
        trusts,
        entry_points: entry_points(a, components, r),
    }
}

/// Whether a resource string is exactly one marked reference (`arn` of a resource).
fn is_whole_reference(text: &str) -> bool {
    let marked = symbolic::references_in(text);
    marked.len() == 1 && text.starts_with('\u{27e6}') && text.ends_with('\u{27e7}')
}

fn entry_points(a: &Analysis, components: &Components, r: &Resolver) -> Vec<EntryPoint> {
    let mut out = Vec::new();
    for m in a.of_type("aws_api_gateway_method") {
        for instance in a.instances(m) {
            let Some(api) = r.owner_in(a, m, &instance) else {
                continue;
            };
            let method = a
                .text_in(m, "http_method", &instance)
                .unwrap_or_else(|| "?".into());
            let path = a
                .attribute_references_in(m, "resource_id", &instance)
                .first()
                .map(|res| analysis::rest_path(a, res, 0))
                .unwrap_or_else(|| "/".into());
            let auth = a
                .text_in(m, "authorization", &instance)
                .unwrap_or_else(|| "NONE".into());
            let key = m
                .body
                .get("api_key_required")
                .and_then(|e| a.value_in(e, &instance).as_bool())
                == Some(true);
            let authorization = match (auth.as_str(), key) {
                ("NONE", true) => "API key".to_string(),
                ("NONE", false) => "none".to_string(),
                ("AWS_IAM", _) => "IAM (SigV4)".to_string(),
                ("COGNITO_USER_POOLS", _) => "Cognito user pool".to_string(),
                ("CUSTOM", _) => "Lambda authorizer".to_string(),
                (other, _) => other.to_string(),
            };
            // A private API is reached through the account's VPC endpoints only.
            let private = components
                .get(&api)
                .and_then(|c| a.block(&c.primary))
                .is_some_and(|b| {
                    b.is_resource("aws_api_gateway_rest_api")
                        && openapi::is_private_rest_api(a.cx, b)
                });
            let authorization = if private && authorization == "none" {
                "private API (VPC endpoints)".to_string()
            } else {
                authorization
            };
            out.push(EntryPoint {
                component: component_label(components, &api),
                resource: format!("{}{}", m.address(), instance.key()),
                kind: "REST API method".into(),
                route: format!("{method} {path}"),
                open: authorization == "none" && method != "OPTIONS",
                authorization,
            });
        }
    }
    for route in a.of_type("aws_apigatewayv2_route") {
        for instance in a.instances(route) {
            let Some(api) = r.owner_in(a, route, &instance) else {
                continue;
            };
            let auth = a
                .text_in(route, "authorization_type", &instance)
                .unwrap_or_else(|| "NONE".into());
            let authorization = match auth.as_str() {
                "NONE" => "none".to_string(),
                "AWS_IAM" => "IAM (SigV4)".to_string(),
                "JWT" => "JWT".to_string(),
                "CUSTOM" => "Lambda authorizer".to_string(),
                other => other.to_string(),
            };
            out.push(EntryPoint {
                component: component_label(components, &api),
                resource: format!("{}{}", route.address(), instance.key()),
                kind: "HTTP API route".into(),
                route: a
                    .text_in(route, "route_key", &instance)
                    .unwrap_or_else(|| "?".into()),
                open: authorization == "none",
                authorization,
            });
        }
    }
    // The operations an OpenAPI `body` defines.
    for (api_type, kind) in [
        ("aws_apigatewayv2_api", OPENAPI_ROUTE),
        ("aws_api_gateway_rest_api", OPENAPI_METHOD),
    ] {
        for api in a.of_type(api_type) {
            let Some(definition) = openapi::definition(a.cx, api) else {
                continue;
            };
            let Some(component) = r.component(&api.address()) else {
                continue;
            };
            let rest = api_type == "aws_api_gateway_rest_api";
            let private = rest && openapi::is_private_rest_api(a.cx, api);
            for operation in openapi::operations(&definition, rest) {
                let authorization = match (&operation.authorization, private) {
                    (_, true) => "private API (VPC endpoints)".to_string(),
                    (OperationAuthorization::None, _) => "none".to_string(),
                    (OperationAuthorization::By(schemes), _) => {
                        format!("security scheme {}", schemes.join(", "))
                    }
                    (OperationAuthorization::Unknown, _) => "(computed)".to_string(),
                };
                out.push(EntryPoint {
                    component: component_label(components, &component),
                    resource: api.address(),
                    kind: kind.into(),
                    open: operation.is_open() && !private,
                    route: operation.key,
                    authorization,
                });
            }
        }
    }
    for url in a.of_type("aws_lambda_function_url") {
        for instance in a.instances(url) {
            let Some(f) = r.owner_in(a, url, &instance) else {
                continue;
            };
            let auth = a
                .text_in(url, "authorization_type", &instance)
                .unwrap_or_else(|| "?".into());
            out.push(EntryPoint {
                component: component_label(components, &f),
                resource: format!("{}{}", url.address(), instance.key()),
                kind: "function URL".into(),
                route: "*".into(),
                open: auth == "NONE",
                authorization: if auth == "NONE" { "none".into() } else { auth },
            });
        }
    }
    for c in components.of_kind(Kind::Distribution) {
        let waf = a
            .block(&c.primary)
            .is_some_and(|b| a.is_set(b, "web_acl_id"));
        out.push(EntryPoint {
            component: component_label(components, &c.id),
            resource: c.primary.clone(),
            kind: "CloudFront distribution".into(),
            route: "*".into(),
            authorization: if waf {
                "WAF web ACL".into()
            } else {
                "none (public CDN)".into()
            },
            open: !waf,
        });
    }
    for c in components.of_kind(Kind::LoadBalancer) {
        let Some(b) = a.block(&c.primary) else {
            continue;
        };
        if a.boolean(b, "internal") == Some(true) {
            continue;
        }
        out.push(EntryPoint {
            component: component_label(components, &c.id),
            resource: c.primary.clone(),
            kind: "internet-facing load balancer".into(),
            route: "*".into(),
            authorization: "none at the load balancer".into(),
            open: true,
        });
    }
    out.sort_by(|x, y| (&x.component, &x.route).cmp(&(&y.component, &y.route)));
    let _ = analysis::strings;
    out
}
