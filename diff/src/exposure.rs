//! Exposure: what callers outside can reach. Entry points (API routes and methods,
//! function URLs, distributions, internet-facing load balancers), public and
//! cross-account principals of resource policies and permissions, and who may assume
//! each role come from the review's access analysis; ingress rules open to the internet
//! from the query layer. Only what opens up is reported.

use crate::moves::{take_entries, Moves, Relocate, Rename};
use crate::places::Places;
use crate::report::{Category, Change, Danger, Effect};
use serde_json::json;
use std::collections::BTreeMap;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::context::MAX_INSTANCE_PASSES;
use tfstack_lint_engine::query::ingress::{ingress_rules, Ingress};
use tfstack_review::{AccessAnalysis, PrincipalKind, OPENAPI_METHOD, OPENAPI_ROUTE};

/// Ports whose exposure is a finding of its own (EC2001): SSH and RDP.
const ADMIN_PORTS: &[i64] = &[22, 3389];

/// What one module exposes.
#[derive(Clone, Debug, Default)]
pub(crate) struct ExposureFacts {
    /// By (kind, resource).
    /// By (kind, resource, operation): the operation tells apart the routes one API's
    /// OpenAPI `body` defines (empty for an entry point a resource of its own opens).
    entries: BTreeMap<(String, String, String), Entry>,
    /// Grants to anyone without a condition, by (granting resource, resource).
    public: BTreeMap<(String, String), Grant>,
    /// Grants to other accounts, by (granting resource, principal, resource).
    cross_account: BTreeMap<(String, String, String), Grant>,
    /// Roles others may assume, by (component, role).
    external_trusts: BTreeMap<(String, String), Vec<String>>,
    /// Ingress open to the internet, by (group or rule, protocol, port range — `None`
    /// for every port —, CIDR).
    ingress: BTreeMap<IngressKey, Option<String>>,
}

type IngressKey = (String, String, Option<(i64, i64)>, String);

#[derive(Clone, Debug)]
struct Entry {
    kind: String,
    route: String,
    component: String,
    authorization: String,
    open: bool,
    location: Option<String>,
}

#[derive(Clone, Debug)]
struct Grant {
    principal: String,
    resource: String,
    actions: Vec<String>,
    location: Option<String>,
}

impl Rename for ExposureFacts {
    fn rename(&mut self, moves: &Moves) {
        self.entries.rename(moves);
        self.public.rename(moves);
        self.cross_account.rename(moves);
        self.external_trusts.rename(moves);
        self.ingress = std::mem::take(&mut self.ingress)
            .into_iter()
            .map(|((group, protocol, ports, cidr), location)| {
                let mut group = group;
                group.rename(moves);
                ((group, protocol, ports, cidr), location)
            })
            .collect();
    }
}

impl Relocate for ExposureFacts {
    fn take_moved(&mut self, moves: &Moves) -> ExposureFacts {
        let mut taken = ExposureFacts {
            entries: take_entries(&mut self.entries, moves, |(_, resource, _), _| resource),
            public: take_entries(&mut self.public, moves, |(source, _), _| source),
            cross_account: take_entries(&mut self.cross_account, moves, |(source, ..), _| source),
            external_trusts: take_entries(&mut self.external_trusts, moves, |(_, role), _| role),
            ingress: take_entries(&mut self.ingress, moves, |(group, ..), _| group),
        };
        taken.rename(moves);
        taken
    }

    fn absorb(&mut self, moved: ExposureFacts) {
        self.entries.extend(moved.entries);
        self.public.extend(moved.public);
        self.cross_account.extend(moved.cross_account);
        self.external_trusts.extend(moved.external_trusts);
        self.ingress.extend(moved.ingress);
    }
}

impl Rename for Entry {
    fn rename(&mut self, moves: &Moves) {
        self.route.rename(moves);
        self.component.rename(moves);
    }
}

impl Rename for Grant {
    fn rename(&mut self, moves: &Moves) {
        self.principal.rename(moves);
        self.resource.rename(moves);
    }
}

/// What a module exposes.
pub(crate) fn facts(cx: &Context, access: &AccessAnalysis, places: &Places) -> ExposureFacts {
    let mut facts = ExposureFacts::default();
    for e in &access.access.entry_points {
        let operation = if e.kind == OPENAPI_ROUTE || e.kind == OPENAPI_METHOD {
            e.route.clone()
        } else {
            String::new()
        };
        facts.entries.insert(
            (e.kind.clone(), e.resource.clone(), operation),
            Entry {
                kind: e.kind.clone(),
                route: e.route.clone(),
                component: e.component.clone(),
                authorization: e.authorization.clone(),
                open: e.open,
                location: places.of_block(cx, &e.resource),
            },
        );
    }
    for g in &access.access.grants {
        let grant = || Grant {
            principal: g.principal.clone(),
            resource: g.resource.clone(),
            actions: g.actions.clone(),
            location: places.of_block(cx, &g.source),
        };
        if g.principal_kind == PrincipalKind::Public && g.condition.is_none() {
            facts
                .public
                .insert((g.source.clone(), g.resource.clone()), grant());
        }
        if g.cross_account {
            facts.cross_account.insert(
                (g.source.clone(), g.principal.clone(), g.resource.clone()),
                grant(),
            );
        }
    }
    for t in access.access.trusts.iter().filter(|t| t.external) {
        facts
            .external_trusts
            .insert((t.component.clone(), t.role.clone()), t.principals.clone());
    }
    // Keyed by the rule's block, not its instance: an instance that opens what another
    // version's block opens as a whole opens nothing new.
    let mut opened = |rules: Vec<Ingress>| {
        for rule in rules {
            let Some((_, cidr)) = rule.open_cidr() else {
                continue;
            };
            let Some(protocol) = rule.protocol() else {
                continue;
            };
            let ports = match (protocol.as_str(), rule.ports()) {
                ("-1" | "all", _) => None,
                (_, Some((from, to))) => Some((from as i64, to as i64)),
                (_, None) => continue,
            };
            facts.ingress.insert(
                (
                    rule.owner.address(),
                    protocol,
                    ports,
                    cidr.as_str().unwrap_or_default().to_string(),
                ),
                places.of(cx, rule.origin),
            );
        }
    };
    opened(ingress_rules(cx));
    // Rules whose instances differ (`count = length(var.ingress_rules)`, each instance's
    // ports read by `count.index`): read in each instance, as the lint judges them, within
    // the lint's bound on passes.
    let mut passes_left = MAX_INSTANCE_PASSES;
    for group in cx.instance_groups() {
        if group.keys.len() > passes_left {
            continue;
        }
        passes_left -= group.keys.len();
        for k in 0..group.keys.len() {
            cx.judge_instance(Some((&group, k)));
            let own: Vec<Ingress> = ingress_rules(cx)
                .into_iter()
                .filter(|r| group.addresses.contains(&r.owner.address()))
                .collect();
            opened(own);
        }
        cx.judge_instance(None);
    }
    facts
}

/// What opens up from `base` to `head`.
pub(crate) fn compare(base: &ExposureFacts, head: &ExposureFacts) -> Vec<Change> {
    let mut out = Vec::new();
    for (key, entry) in &head.entries {
        let before = base.entries.get(key);
        if entry.open && !before.is_some_and(|b| b.open) {
            out.push(entry_opened(&key.1, entry, before));
        }
    }
    for (key, grant) in &head.public {
        if !base.public.contains_key(key) {
            out.push(public_grant(&key.0, grant));
        }
    }
    for (key, grant) in &head.cross_account {
        if !base.cross_account.contains_key(key) {
            out.push(cross_account_grant(&key.0, grant));
        }
    }
    for (key, principals) in &head.external_trusts {
        if !base.external_trusts.contains_key(key) {
            out.push(external_trust(&key.0, &key.1, principals));
        }
    }
    for (key, location) in &head.ingress {
        if !base.ingress.contains_key(key) {
            out.push(ingress_opened(key, location.clone()));
        }
    }
    out
}

fn exposure(
    danger: Danger,
    kind: &'static str,
    resource: &str,
    title: String,
    details: Vec<String>,
    location: Option<String>,
    data: serde_json::Value,
) -> Change {
    Change {
        category: Category::Exposure,
        effect: Effect::Exposure,
        danger,
        kind,
        resource: resource.to_string(),
        title,
        details,
        location,
        data,
    }
}

fn entry_opened(resource: &str, e: &Entry, before: Option<&Entry>) -> Change {
    let title = match (e.kind.as_str(), before) {
        ("function URL", Some(b)) => format!(
            "function URL of {} lost its authorization ({} → `NONE`)",
            e.component, b.authorization
        ),
        ("function URL", None) => format!(
            "new function URL of {} with authorization `NONE`",
            e.component
        ),
        ("CloudFront distribution", Some(_)) => {
            format!(
                "CloudFront distribution {} lost its WAF web ACL",
                e.component
            )
        }
        ("CloudFront distribution", None) => format!(
            "new CloudFront distribution {} without a WAF web ACL",
            e.component
        ),
        ("internet-facing load balancer", _) => {
            format!("load balancer {} is internet-facing", e.component)
        }
        (_, Some(b)) => format!(
            "`{}` of {} lost its authorization ({} → none)",
            e.route, e.component, b.authorization
        ),
        (kind, None) => format!(
            "new {kind} `{}` of {} with no authorization",
            e.route, e.component
        ),
    };
    exposure(
        Danger::High,
        "entry_opened",
        resource,
        title,
        Vec::new(),
        e.location.clone(),
        json!({
            "entry": e.kind,
            "route": e.route,
            "component": e.component,
            "authorization_before": before.map(|b| b.authorization.clone()),
            "authorization": e.authorization,
        }),
    )
}

fn public_grant(source: &str, g: &Grant) -> Change {
    exposure(
        Danger::High,
        "public_principal",
        source,
        format!(
            "anyone may {} on {} (granted by `{source}`)",
            action_words(&g.actions),
            g.resource
        ),
        Vec::new(),
        g.location.clone(),
        json!({"resource": g.resource, "actions": g.actions, "principal": "*"}),
    )
}

fn cross_account_grant(source: &str, g: &Grant) -> Change {
    exposure(
        Danger::Medium,
        "cross_account_principal",
        source,
        format!(
            "`{}` of another account may {} on {} (granted by `{source}`)",
            g.principal,
            action_words(&g.actions),
            g.resource
        ),
        Vec::new(),
        g.location.clone(),
        json!({"resource": g.resource, "actions": g.actions, "principal": g.principal}),
    )
}

fn external_trust(component: &str, role: &str, principals: &[String]) -> Change {
    exposure(
        Danger::High,
        "external_trust",
        component,
        format!(
            "role `{role}` of {component} may be assumed from outside the account: {}",
            crate::iam::code_list(principals)
        ),
        Vec::new(),
        None,
        json!({"role": role, "principals": principals}),
    )
}

fn ingress_opened(key: &IngressKey, location: Option<String>) -> Change {
    let (owner, protocol, ports, cidr) = key;
    let admin = match ports {
        None => true,
        Some((from, to)) => ADMIN_PORTS.iter().any(|p| from <= p && p <= to),
    };
    let reach = match ports {
        None => "every port".to_string(),
        Some((from, to)) if from == to => format!("{protocol} port {from}"),
        Some((from, to)) => format!("{protocol} ports {from}-{to}"),
    };
    exposure(
        if admin { Danger::High } else { Danger::Medium },
        "internet_ingress",
        owner,
        format!("`{owner}` lets anyone (`{cidr}`) reach {reach}"),
        Vec::new(),
        location,
        json!({
            "protocol": protocol,
            "from_port": ports.map(|p| p.0),
            "to_port": ports.map(|p| p.1),
            "cidr": cidr,
        }),
    )
}

/// `` `s3:GetObject` `` or `` `s3:GetObject`, `s3:PutObject` ``.
fn action_words(actions: &[String]) -> String {
    if actions.is_empty() {
        "act".to_string()
    } else {
        crate::iam::code_list(actions)
    }
}

#[cfg(test)]
mod tests {
    use crate::report::{Category, Danger};
    use crate::testing::{assert_same, changes, changes_in, diff_hcl, kinds};

    fn http_route(authorization: &str) -> String {
        format!(
            r#"resource "aws_apigatewayv2_api" "api" {{
  name          = "orders"
  protocol_type = "HTTP"
}}
resource "aws_apigatewayv2_authorizer" "jwt" {{
  api_id           = aws_apigatewayv2_api.api.id
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  name             = "jwt"
  jwt_configuration {{
    audience = ["orders"]
    issuer   = "https://auth.example.com/"
  }}
}}
resource "aws_apigatewayv2_route" "get_order" {{
  api_id    = aws_apigatewayv2_api.api.id
  route_key = "GET /orders/{{id}}"
  {authorization}
}}
"#
        )
    }

    /// A function for URLs and permissions to name.
    const FUNCTION: &str = r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
}
"#;

    const JWT: &str = r#"authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.jwt.id"#;

    #[test]
    fn a_route_that_loses_its_authorization_is_exposure() {
        let report = diff_hcl(&http_route(JWT), &http_route(""));
        let c = changes(&report);
        assert_eq!(
            kinds(&report),
            [("entry_opened", "aws_apigatewayv2_route.get_order".into())]
        );
        assert_eq!(
            (c[0].category, c[0].danger),
            (Category::Exposure, Danger::High)
        );
        assert_eq!(
            c[0].title,
            "`GET /orders/{id}` of api (HTTP API) lost its authorization (JWT → none)"
        );
        // A new route without authorization opens a way in too; one with it does not.
        let two = |second: &str| {
            format!(
                "{}\nresource \"aws_apigatewayv2_route\" \"list\" {{\n  api_id    = aws_apigatewayv2_api.api.id\n  route_key = \"GET /orders\"\n  {second}\n}}\n",
                http_route(JWT)
            )
        };
        let report = diff_hcl(&http_route(JWT), &two(""));
        assert_eq!(
            changes(&report)[0].title,
            "new HTTP API route `GET /orders` of api (HTTP API) with no authorization"
        );
        assert_same(&http_route(JWT), &two(JWT));
        // Reformatted, the authorization read through a local: no change.
        let local = format!(
            "locals {{\n  auth = \"JWT\"\n}}\n{}",
            http_route(&JWT.replace("\"JWT\"", "local.auth"))
        );
        assert_same(&http_route(JWT), &local);
    }

    #[test]
    fn rest_methods_and_function_urls_without_authorization() {
        let method = |authorization: &str| {
            format!(
                r#"resource "aws_api_gateway_rest_api" "api" {{
  name = "orders"
}}
resource "aws_api_gateway_resource" "orders" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "orders"
}}
resource "aws_api_gateway_method" "post" {{
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.orders.id
  http_method   = "POST"
  authorization = "{authorization}"
}}
"#
            )
        };
        let report = diff_hcl(&method("AWS_IAM"), &method("NONE"));
        assert_eq!(
            changes(&report)[0].title,
            "`POST /orders` of api (REST API) lost its authorization (IAM (SigV4) → none)"
        );
        let url = |auth: &str| {
            format!(
                r#"{FUNCTION}resource "aws_lambda_function_url" "f" {{
  function_name      = aws_lambda_function.f.function_name
  authorization_type = "{auth}"
}}
"#
            )
        };
        let report = diff_hcl(&url("AWS_IAM"), &url("NONE"));
        assert_eq!(
            kinds(&report),
            [("entry_opened", "aws_lambda_function_url.f".into())]
        );
        assert_eq!(
            changes(&report)[0].title,
            "function URL of f (Lambda) lost its authorization (AWS_IAM → `NONE`)"
        );
        let bare = url("AWS_IAM");
        let bare = &bare[..bare
            .find("resource \"aws_lambda_function_url\"")
            .expect("url")];
        let report = diff_hcl(bare, &url("NONE"));
        assert_eq!(
            changes(&report)[0].title,
            "new function URL of f (Lambda) with authorization `NONE`"
        );
        assert!(diff_hcl(bare, &url("AWS_IAM")).is_empty());
    }

    #[test]
    fn new_public_principals_are_exposure() {
        let queue_policy = |principal: &str| {
            format!(
                r#"resource "aws_sqs_queue" "q" {{
  name = "q"
}}
resource "aws_sqs_queue_policy" "q" {{
  queue_url = aws_sqs_queue.q.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {principal}, Action = "sqs:SendMessage", Resource = aws_sqs_queue.q.arn }}]
  }})
}}
"#
            )
        };
        let report = diff_hcl(
            &queue_policy(r#"{ Service = "sns.amazonaws.com" }"#),
            &queue_policy(r#""*""#),
        );
        let exposure = changes_in(&report, Category::Exposure);
        assert_eq!(exposure.len(), 1, "{exposure:?}");
        assert_eq!(exposure[0].kind, "public_principal");
        assert_eq!(
            exposure[0].title,
            "anyone may `sqs:SendMessage` on q (SQS) (granted by `aws_sqs_queue_policy.q`)"
        );
        let permission = |principal: &str| {
            format!(
                r#"{FUNCTION}resource "aws_lambda_permission" "invoke" {{
  function_name = aws_lambda_function.f.function_name
  action        = "lambda:InvokeFunction"
  principal     = "{principal}"
}}
"#
            )
        };
        let report = diff_hcl(&permission("events.amazonaws.com"), &permission("*"));
        assert!(
            kinds(&report).contains(&("public_principal", "aws_lambda_permission.invoke".into())),
            "{:?}",
            kinds(&report)
        );
    }

    #[test]
    fn a_role_others_may_assume() {
        let role = |principal: &str| {
            format!(
                r#"resource "aws_iam_role" "deploy" {{
  name = "deploy"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {principal}, Action = "sts:AssumeRole" }}]
  }})
}}
"#
            )
        };
        let report = diff_hcl(
            &role(r#"{ Service = "codebuild.amazonaws.com" }"#),
            &role(r#"{ AWS = "arn:aws:iam::999988887777:root" }"#),
        );
        let exposure = changes_in(&report, Category::Exposure);
        assert_eq!(exposure.len(), 1, "{exposure:?}");
        assert_eq!(
            (exposure[0].kind, exposure[0].danger),
            ("external_trust", Danger::High)
        );
        assert!(
            exposure[0].title.contains("arn:aws:iam::999988887777:root"),
            "{}",
            exposure[0].title
        );
        // The same trust written as a policy document data source is no change.
        let data = r#"data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::999988887777:root"]
    }
  }
}
resource "aws_iam_role" "deploy" {
  name               = "deploy"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
"#;
        assert_same(&role(r#"{ AWS = "arn:aws:iam::999988887777:root" }"#), data);
    }

    #[test]
    fn ingress_from_the_internet() {
        let group = |rules: &str| {
            format!(
                r#"resource "aws_security_group" "web" {{
  name = "web"
  {rules}
}}
"#
            )
        };
        let rule = |port: u16, cidr: &str| {
            format!(
                "ingress {{\n    from_port   = {port}\n    to_port     = {port}\n    protocol    = \"tcp\"\n    cidr_blocks = [\"{cidr}\"]\n  }}"
            )
        };
        let report = diff_hcl(&group(""), &group(&rule(443, "0.0.0.0/0")));
        let c = changes(&report);
        assert_eq!(
            kinds(&report),
            [("internet_ingress", "aws_security_group.web".into())]
        );
        assert_eq!(c[0].danger, Danger::Medium);
        assert_eq!(
            c[0].title,
            "`aws_security_group.web` lets anyone (`0.0.0.0/0`) reach tcp port 443"
        );
        let report = diff_hcl(
            &group(""),
            &group(&rule(22, "::/0").replace("cidr_blocks", "ipv6_cidr_blocks")),
        );
        assert_eq!(changes(&report)[0].danger, Danger::High, "SSH");
        // A private range, or the same rule written again elsewhere, is no exposure.
        assert!(diff_hcl(&group(""), &group(&rule(443, "10.0.0.0/8"))).is_empty());
        let separate = r#"resource "aws_security_group" "web" {
  name = "web"
}
resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.web.id
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
  cidr_ipv4         = "0.0.0.0/0"
}
"#;
        let report = diff_hcl(&group(""), separate);
        assert_eq!(
            kinds(&report),
            [(
                "internet_ingress",
                "aws_vpc_security_group_ingress_rule.https".into()
            )]
        );
        assert_same(
            &group(&rule(443, "0.0.0.0/0")),
            &group(&rule(443, "0.0.0.0/0")).replace("  ", "    "),
        );
    }

    /// Rules made by `count` whose instances differ (each one's port read by
    /// `count.index`): each instance is read, and an instance that opens what the other
    /// version's block opened is nothing new.
    #[test]
    fn ingress_rules_made_per_instance() {
        let rules = |ports: &str, description: &str| {
            format!(
                r#"variable "ports" {{
  default = [{ports}]
}}
resource "aws_security_group" "web" {{
  name = "web"
}}
resource "aws_security_group_rule" "in" {{
  count             = length(var.ports)
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  description       = {description}
  from_port         = var.ports[count.index]
  to_port           = var.ports[count.index]
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
}}
"#
            )
        };
        let report = diff_hcl(&rules("443", "\"web\""), &rules("443, 22", "\"web\""));
        let c = changes(&report);
        assert_eq!(
            kinds(&report),
            [("internet_ingress", "aws_security_group_rule.in".into())]
        );
        assert!(c[0].title.contains("tcp port 22"), "{}", c[0].title);
        // The same port, the instances now told apart by their description: no change.
        let described = rules("443, 443", "\"web ${count.index}\"");
        assert_same(&rules("443, 443", "\"web\""), &described);
    }

    /// An operation of an API's OpenAPI `body` that loses its `security`: an entry point
    /// opened, the operation named; its sibling unchanged.
    #[test]
    fn an_openapi_operation_that_loses_its_authorization() {
        let api = |items: &str| {
            format!(
                r#"resource "aws_api_gateway_rest_api" "api" {{
  name = "api"
  body = jsonencode({{
    openapi = "3.0.1"
    paths = {{
      "/items"  = {{ get = {{ {items} }} }}
      "/orders" = {{ get = {{ security = [{{ sigv4 = [] }}] }} }}
    }}
  }})
}}
"#
            )
        };
        let report = diff_hcl(&api("security = [{ sigv4 = [] }]"), &api(""));
        let c = changes_in(&report, crate::report::Category::Exposure);
        assert_eq!(c.len(), 1, "{:?}", kinds(&report));
        assert_eq!(c[0].resource, "aws_api_gateway_rest_api.api");
        assert!(
            c[0].title
                .starts_with("`GET /items` of api (REST API) lost its authorization"),
            "{}",
            c[0].title
        );
    }
}
