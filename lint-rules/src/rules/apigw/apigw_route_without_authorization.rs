use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::openapi;
use tfstack_lint_engine::query::references::referenced_blocks;
use tfstack_model::{Block, Origin, Span, Value};

declare_rule! {
    /// ## What it does
    /// Flags an API Gateway route or method anyone can call:
    ///
    /// - an `aws_apigatewayv2_route` whose `authorization_type` is unset or `NONE`;
    /// - an `aws_api_gateway_method` with `authorization = "NONE"`;
    /// - an operation of an OpenAPI definition given as an API's `body`
    ///   (`aws_api_gateway_rest_api`, an HTTP `aws_apigatewayv2_api`; JSON, as
    ///   `jsonencode`, `file` or `templatefile` give it) that no `security` requirement
    ///   covers — its own, else the definition's — nor, on a REST API, an
    ///   `x-amazon-apigateway-auth` type other than `NONE`: one finding per API, naming
    ///   the open operations;
    ///
    /// unless it requires an API key (`api_key_required = true`) or is a CORS preflight
    /// (route key `OPTIONS …`, `http_method = "OPTIONS"`). Routes written once for a map
    /// of routes (`for_each = var.routes`, `route_key = each.key`, as reusable modules
    /// write them) are judged in each instance whose key is known, and reported by
    /// instance (`aws_apigatewayv2_route.this["ANY /"]`).
    ///
    /// ## Why is this bad?
    /// Seed 002 lists "exposing functions without API Gateway/Auth" among the common
    /// mistakes: a route without authorization runs the function — and pays for it — for
    /// anyone on the internet who finds the URL, and whatever the function can read or
    /// write is one request away. Authorization (JWT/Cognito, IAM, a Lambda authorizer)
    /// belongs in front of the function, not in every handler.
    ///
    /// ## What it deliberately does not flag
    /// - WebSocket routes other than `$connect`: API Gateway authorizes a WebSocket
    ///   connection once, on `$connect`, and accepts no authorization on other routes. A
    ///   route is WebSocket when its API's `protocol_type` is `WEBSOCKET`, or — the API
    ///   unknown — when its key is neither `METHOD /path` nor `$default`; a `$default` route
    ///   of an unknown API is not judged.
    /// - Methods of a private REST API (`endpoint_configuration { types = ["PRIVATE"] }`):
    ///   only callers inside the VPC reach it, and its resource policy says which.
    /// - Routes and methods whose authorization, route key or method it cannot know before
    ///   apply, and resources with `count = 0`.
    /// - An OpenAPI definition whose structure it cannot read (a `body` wholly unknown
    ///   before apply, or YAML), and an operation whose `security` or auth type is unknown;
    ///   values known only after apply elsewhere (integration URIs, credentials) do not
    ///   stop the judgment.
    ///
    /// Some routes are public on purpose (a health check, a webhook that checks a signature,
    /// a lab): suppress the finding with the reason.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_apigatewayv2_route" "create_order" {
    ///   api_id    = aws_apigatewayv2_api.orders.id
    ///   route_key = "POST /orders"
    ///   target    = "integrations/${aws_apigatewayv2_integration.orders.id}"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_apigatewayv2_route" "create_order" {
    ///   api_id             = aws_apigatewayv2_api.orders.id
    ///   route_key          = "POST /orders"
    ///   target             = "integrations/${aws_apigatewayv2_integration.orders.id}"
    ///   authorization_type = "JWT"
    ///   authorizer_id      = aws_apigatewayv2_authorizer.cognito.id
    /// }
    /// ```
    pub struct ApigwRouteWithoutAuthorization {
        id: "APIGW002",
        name: "apigw-route-without-authorization",
        severity: Warning,
    }
}

/// What is open: an HTTP API/WebSocket route, a REST API method, or operations of an
/// API's OpenAPI definition.
enum Open<'a> {
    Route { key: &'a str },
    Method { http_method: &'a str },
    Operations { keys: Vec<String> },
}

impl Rule for ApigwRouteWithoutAuthorization {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for route in cx.resources("aws_apigatewayv2_route") {
            if !exists(cx, route) {
                continue;
            }
            let settings = RouteSettings::read(|name| cx.attr(route, name));
            // A route whose key or authorization depends on its instance (`for_each`
            // over a map of routes) is judged in each instance the evaluator knows.
            let scopes = if settings.known() {
                Vec::new()
            } else {
                cx.instance_scopes(route)
            };
            if scopes.is_empty() {
                judge_route(cx, route, route.address(), settings, out);
            }
            for (key, scope) in &scopes {
                let settings = RouteSettings::read(|name| {
                    route
                        .body
                        .get(name)
                        .map(|e| cx.eval.eval_in(e, scope, 0))
                });
                judge_route(cx, route, format!("{}{key}", route.address()), settings, out);
            }
        }
        for method in cx.resources("aws_api_gateway_method") {
            let Some(http_method) = cx.attr(method, "http_method") else {
                continue;
            };
            let Some(http_method) = http_method.as_str() else {
                continue;
            };
            let Some(authorization) = cx.attr(method, "authorization") else {
                continue;
            };
            if http_method.eq_ignore_ascii_case("OPTIONS")
                || !is_none(Some(&authorization))
                || requires_api_key(cx.attr(method, "api_key_required"))
                || is_private_api_method(cx, method)
                || !exists(cx, method)
            {
                continue;
            }
            let origin = authorization
                .origin
                .or(cx.origin_of(method, "authorization"));
            out.push(finding(
                method.address(),
                &Open::Method { http_method },
                origin,
                Some("authorization"),
            ));
        }
        for api_type in ["aws_api_gateway_rest_api", "aws_apigatewayv2_api"] {
            for api in cx.resources(api_type) {
                judge_definition(cx, api, out);
            }
        }
    }
}

/// Judges the OpenAPI definition an API is given as `body`, if it can read it.
fn judge_definition(cx: &Context, api: &Block, out: &mut Vec<Finding>) {
    let rest = api.type_label() == "aws_api_gateway_rest_api";
    if rest && openapi::is_private_rest_api(cx, api) {
        return;
    }
    let Some(definition) = openapi::definition(cx, api) else {
        return;
    };
    let open: Vec<_> = openapi::operations(&definition, rest)
        .into_iter()
        .filter(|o| o.is_open())
        .collect();
    let Some(first) = open.first() else {
        return;
    };
    // The first open operation where it is written, else the attribute's name (the
    // definition itself may run to hundreds of lines).
    let origin = first
        .origin
        .or(api
            .body
            .attribute("body")
            .and_then(|a| a.origin.file_span())
            .map(|(file, span)| {
                let start = span.range().start;
                Origin::file(file, Span::new(start, start + "body".len()))
            })
            .unwrap_or(Origin::GENERATED))
        .or(cx.origin_of(api, "body"));
    let keys = open.into_iter().map(|o| o.key).collect();
    out.push(finding(
        api.address(),
        &Open::Operations { keys },
        origin,
        Some("body"),
    ));
}

/// What a route's judgment reads: its key, authorization and API key requirement, each as
/// evaluated (`None` when not written).
struct RouteSettings {
    key: Option<Value>,
    authorization: Option<Value>,
    api_key_required: Option<Value>,
}

impl RouteSettings {
    /// The settings of a route (or of one instance of it), `attr` evaluating an attribute.
    fn read(attr: impl Fn(&str) -> Option<Value>) -> RouteSettings {
        RouteSettings {
            key: attr("route_key"),
            authorization: attr("authorization_type"),
            api_key_required: attr("api_key_required"),
        }
    }

    /// Whether each setting written is known without knowing the instance.
    fn known(&self) -> bool {
        [&self.key, &self.authorization, &self.api_key_required]
            .into_iter()
            .all(|v| v.as_ref().is_none_or(|v| !v.is_unknown()))
    }
}

/// Judges one route, or one instance of it (`address`).
fn judge_route(
    cx: &Context,
    route: &Block,
    address: String,
    settings: RouteSettings,
    out: &mut Vec<Finding>,
) {
    let Some(key) = settings.key.as_ref().and_then(Value::as_str) else {
        return;
    };
    if is_preflight(key) || requires_api_key(settings.api_key_required) {
        return;
    }
    let authorization = settings.authorization;
    if !is_none(authorization.as_ref()) || !is_judged_route(cx, route, key) {
        return;
    }
    let origin = authorization
        .as_ref()
        .map(|v| v.origin.or(cx.origin_of(route, "authorization_type")))
        .unwrap_or(route.origin);
    let attribute = authorization.map(|_| "authorization_type");
    out.push(finding(address, &Open::Route { key }, origin, attribute));
}

/// `OPTIONS /…`: a CORS preflight, which browsers send without credentials.
fn is_preflight(route_key: &str) -> bool {
    route_key
        .split_whitespace()
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("OPTIONS"))
}

/// Whether `api_key_required` (its value, if set) asks for an API key: anything but
/// `false` or `null` (an unknown value may).
fn requires_api_key(api_key_required: Option<Value>) -> bool {
    api_key_required.is_some_and(|v| v.as_bool() != Some(false) && !v.is_null())
}

/// Unset, `null` or `NONE` (an unknown value is not `NONE`).
fn is_none(authorization: Option<&Value>) -> bool {
    match authorization {
        None => true,
        Some(v) if v.is_null() => true,
        Some(v) => v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("NONE")),
    }
}

/// Whether authorization can be set on the route: HTTP API routes and WebSocket
/// `$connect` (see the docs for how the protocol is told).
fn is_judged_route(cx: &Context, route: &Block, key: &str) -> bool {
    let protocol = route
        .body
        .get("api_id")
        .and_then(|e| {
            referenced_blocks(cx, e, "aws_apigatewayv2_api")
                .first()
                .copied()
        })
        .and_then(|api| cx.attr(api, "protocol_type"))
        .and_then(|v| v.as_str().map(str::to_ascii_uppercase));
    match protocol.as_deref() {
        Some("WEBSOCKET") => key == "$connect",
        Some(_) => true,
        None => key.contains(' ') || key == "$connect",
    }
}

/// Whether the method's REST API is private (`endpoint_configuration.types` has `PRIVATE`).
fn is_private_api_method(cx: &Context, method: &Block) -> bool {
    let Some(api_id) = method.body.get("rest_api_id") else {
        return false;
    };
    referenced_blocks(cx, api_id, "aws_api_gateway_rest_api")
        .iter()
        .any(|api| openapi::is_private_rest_api(cx, api))
}

fn finding(address: String, open: &Open, origin: Origin, attribute: Option<&str>) -> Finding {
    let (message, help) = match open {
        Open::Route { key } => (
            format!(
                "route `{key}` (`{address}`) has no authorization: anyone who finds the URL can \
                 call it"
            ),
            "set `authorization_type` (`JWT` with an `authorizer_id`, `AWS_IAM` or `CUSTOM`), \
             or suppress the finding with the reason the route is public",
        ),
        Open::Method { http_method } => (
            format!(
                "method `{http_method}` (`{address}`) has `authorization = \"NONE\"`: anyone who \
                 finds the URL can call it"
            ),
            "set `authorization` (`COGNITO_USER_POOLS`, `AWS_IAM` or `CUSTOM` with an \
             `authorizer_id`) or require an API key, or suppress the finding with the reason \
             the method is public",
        ),
        Open::Operations { keys } => {
            const SHOWN: usize = 5;
            let mut named: Vec<String> = keys.iter().take(SHOWN).map(|k| format!("`{k}`")).collect();
            if keys.len() > SHOWN {
                named.push(format!("{} more", keys.len() - SHOWN));
            }
            (
                format!(
                    "{} {} of the OpenAPI definition of `{address}` {} no authorization: anyone \
                     who finds the URL can call {}",
                    if keys.len() == 1 { "operation" } else { "operations" },
                    named.join(", "),
                    if keys.len() == 1 { "has" } else { "have" },
                    if keys.len() == 1 { "it" } else { "them" },
                ),
                "add a `security` requirement naming an authorizer of \
                 `components.securitySchemes` to each operation (or to the whole definition), \
                 or suppress the finding with the reason the operations are public",
            )
        }
    };
    Finding::new(&ApigwRouteWithoutAuthorization::META, message)
        .at(origin)
        .label("no authorization")
        .help(help.to_string())
        .resource(address)
        .attribute(attribute.map(str::to_string))
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "APIGW002";

    fn addresses(text: &str) -> Vec<String> {
        lint_hcl(RULE, text)
            .into_iter()
            .filter_map(|f| f.resource)
            .collect()
    }

    const HTTP_API: &str = r#"
resource "aws_apigatewayv2_api" "orders" {
  name          = "orders"
  protocol_type = "HTTP"
}
resource "aws_apigatewayv2_authorizer" "cognito" {
  api_id           = aws_apigatewayv2_api.orders.id
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  name             = "cognito"
  jwt_configuration {
    audience = ["orders"]
    issuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"
  }
}
"#;

    #[test]
    fn judges_each_instance_of_a_map_of_routes() {
        // The routes of a module written as a map (`for_each = var.routes`): each
        // instance has its own key and authorization.
        let found = addresses(&format!(
            r#"{HTTP_API}
variable "routes" {{
  default = {{
    "ANY /"          = {{}}
    "$default"       = {{ authorization_type = "NONE" }}
    "GET /orders"    = {{ authorization_type = "JWT" }}
    "GET /status"    = {{ api_key_required = true }}
    "OPTIONS /{{p+}}" = {{}}
  }}
}}
resource "aws_apigatewayv2_route" "this" {{
  for_each           = var.routes
  api_id             = aws_apigatewayv2_api.orders.id
  route_key          = each.key
  authorization_type = try(each.value.authorization_type, "NONE")
  authorizer_id      = try(each.value.authorization_type, null) == "JWT" ? aws_apigatewayv2_authorizer.cognito.id : null
  api_key_required   = try(each.value.api_key_required, false)
}}
resource "aws_apigatewayv2_route" "counted" {{
  count     = 2
  api_id    = aws_apigatewayv2_api.orders.id
  route_key = "GET /items/${{count.index}}"
}}
resource "aws_apigatewayv2_route" "same" {{
  for_each  = toset(["a", "b"])
  api_id    = aws_apigatewayv2_api.orders.id
  route_key = "POST /same"
}}
"#
        ));
        assert_eq!(
            found,
            [
                r#"aws_apigatewayv2_route.this["$default"]"#,
                r#"aws_apigatewayv2_route.this["ANY /"]"#,
                "aws_apigatewayv2_route.counted[0]",
                "aws_apigatewayv2_route.counted[1]",
                // Known without its instance: judged once, as before.
                "aws_apigatewayv2_route.same",
            ]
        );
        // Unknown instances (`for_each` over a variable without a value): not judged.
        let unknown = addresses(&format!(
            r#"{HTTP_API}
variable "routes" {{}}
resource "aws_apigatewayv2_route" "this" {{
  for_each  = var.routes
  api_id    = aws_apigatewayv2_api.orders.id
  route_key = each.key
}}
"#
        ));
        assert_eq!(unknown, Vec::<String>::new());
    }

    #[test]
    fn fires_on_open_routes_and_methods() {
        let found = addresses(&format!(
            r#"{HTTP_API}
resource "aws_apigatewayv2_route" "create" {{
  api_id    = aws_apigatewayv2_api.orders.id
  route_key = "POST /orders"
}}
resource "aws_apigatewayv2_route" "default" {{
  api_id             = aws_apigatewayv2_api.orders.id
  route_key          = "$default"
  authorization_type = "NONE"
}}
resource "aws_apigatewayv2_api" "chat" {{
  name                       = "chat"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
}}
resource "aws_apigatewayv2_route" "connect" {{
  api_id    = aws_apigatewayv2_api.chat.id
  route_key = "$connect"
}}
resource "aws_api_gateway_rest_api" "legacy" {{
  name = "legacy"
}}
resource "aws_api_gateway_method" "get_items" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  resource_id   = aws_api_gateway_rest_api.legacy.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}}
"#
        ));
        assert_eq!(
            found,
            [
                "aws_apigatewayv2_route.create",
                "aws_apigatewayv2_route.default",
                "aws_apigatewayv2_route.connect",
                "aws_api_gateway_method.get_items"
            ]
        );
    }

    #[test]
    fn quiet_on_precision_cases() {
        let found = addresses(&format!(
            r#"{HTTP_API}
variable "authorization" {{
  type = string
}}
resource "aws_apigatewayv2_route" "jwt" {{
  api_id             = aws_apigatewayv2_api.orders.id
  route_key          = "POST /orders"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.cognito.id
}}
resource "aws_apigatewayv2_route" "iam" {{
  api_id             = aws_apigatewayv2_api.orders.id
  route_key          = "GET /orders"
  authorization_type = "AWS_IAM"
}}
resource "aws_apigatewayv2_route" "preflight" {{
  api_id    = aws_apigatewayv2_api.orders.id
  route_key = "OPTIONS /{{proxy+}}"
}}
resource "aws_apigatewayv2_route" "unknown" {{
  api_id             = aws_apigatewayv2_api.orders.id
  route_key          = "DELETE /orders/{{id}}"
  authorization_type = var.authorization
}}
resource "aws_apigatewayv2_route" "gone" {{
  count     = 0
  api_id    = aws_apigatewayv2_api.orders.id
  route_key = "PUT /orders"
}}
resource "aws_apigatewayv2_api" "chat" {{
  name                       = "chat"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
}}
resource "aws_apigatewayv2_route" "send" {{
  api_id    = aws_apigatewayv2_api.chat.id
  route_key = "sendmessage"
}}
resource "aws_apigatewayv2_route" "ws_default" {{
  api_id    = aws_apigatewayv2_api.chat.id
  route_key = "$default"
}}
resource "aws_apigatewayv2_route" "other_module" {{
  api_id    = var.authorization
  route_key = "$disconnect"
}}
resource "aws_api_gateway_rest_api" "legacy" {{
  name = "legacy"
}}
resource "aws_api_gateway_method" "keyed" {{
  rest_api_id      = aws_api_gateway_rest_api.legacy.id
  resource_id      = aws_api_gateway_rest_api.legacy.root_resource_id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = true
}}
resource "aws_api_gateway_method" "options" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  resource_id   = aws_api_gateway_rest_api.legacy.root_resource_id
  http_method   = "OPTIONS"
  authorization = "NONE"
}}
resource "aws_api_gateway_method" "cognito" {{
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  resource_id   = aws_api_gateway_rest_api.legacy.root_resource_id
  http_method   = "POST"
  authorization = "COGNITO_USER_POOLS"
  authorizer_id = "abc123"
}}
resource "aws_api_gateway_rest_api" "internal" {{
  name = "internal"
  endpoint_configuration {{
    types = ["PRIVATE"]
  }}
}}
resource "aws_api_gateway_method" "internal" {{
  rest_api_id   = aws_api_gateway_rest_api.internal.id
  resource_id   = aws_api_gateway_rest_api.internal.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}}
"#
        ));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn tfvars_decide() {
        let main = format!(
            r#"{HTTP_API}
variable "authorization_type" {{
  type    = string
  default = "JWT"
}}
resource "aws_apigatewayv2_route" "create" {{
  api_id             = aws_apigatewayv2_api.orders.id
  route_key          = "POST /orders"
  authorization_type = var.authorization_type
  authorizer_id      = aws_apigatewayv2_authorizer.cognito.id
}}
"#
        );
        assert!(lint_files_with(RULE, &[("main.tf", &main)], None).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", &main),
                ("terraform.tfvars", "authorization_type = \"NONE\"\n"),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.path, "terraform.tfvars");
    }

    /// A REST API defined by an OpenAPI `body` with these `paths` (and other top-level
    /// entries), and `extra` in the resource.
    fn rest_definition(top: &str, paths: &str, extra: &str) -> String {
        format!(
            r#"
resource "aws_api_gateway_rest_api" "api" {{
  name = "api"
  {extra}
  body = jsonencode({{
    openapi = "3.0.1"
    {top}
    paths = {{ {paths} }}
  }})
}}
"#
        )
    }

    const INTEGRATION: &str = r#"{ "x-amazon-apigateway-integration" = { type = "aws_proxy", httpMethod = "POST", uri = "arn" } }"#;

    #[test]
    fn fires_on_openapi_operations_without_security() {
        let cases = [
            ("no security", "", format!(r#""/submit" = {{ post = {INTEGRATION}, options = {INTEGRATION} }}"#), ""),
            (
                "authorization made optional by an empty requirement",
                r#"security = [{ jwt = [] }, {}]"#,
                format!(r#""/submit" = {{ post = {INTEGRATION} }}"#),
                "",
            ),
            (
                "an operation's empty security replaces the definition's",
                r#"security = [{ jwt = [] }]"#,
                format!(
                    r#""/submit" = {{ post = merge({INTEGRATION}, {{ security = [] }}) }}"#
                ),
                "",
            ),
            (
                "auth type NONE",
                "",
                format!(
                    r#""/submit" = {{ post = merge({INTEGRATION}, {{ "x-amazon-apigateway-auth" = {{ type = "NONE" }} }}) }}"#
                ),
                "",
            ),
        ];
        for (name, top, paths, extra) in &cases {
            let f = lint_hcl(RULE, &rest_definition(top, paths, extra));
            assert_eq!(f.len(), 1, "{name}: {f:#?}");
            assert!(
                f[0].message.contains("operation `POST /submit` of the OpenAPI definition"),
                "{name}: {}",
                f[0].message
            );
            assert_eq!(f[0].attribute.as_deref(), Some("body"), "{name}");
        }
        // Integrations that name resources known only after apply: the structure is
        // known, and judged.
        let f = lint_hcl(
            RULE,
            &rest_definition(
                "",
                r#""/submit" = { post = { "x-amazon-apigateway-integration" = { type = "aws", uri = "arn:aws:apigateway:${var.region}:sqs:path/${aws_sqs_queue.q.name}", credentials = aws_iam_role.r.arn } } }"#,
                "",
            ),
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        // An HTTP API's definition, its catch-all route among the open ones.
        let f = lint_hcl(
            RULE,
            &format!(
                r#"
resource "aws_apigatewayv2_api" "http" {{
  name          = "http"
  protocol_type = "HTTP"
  body = jsonencode({{
    openapi = "3.0.1"
    paths = {{
      "/" = {{ post = {INTEGRATION} }}
      "$default" = {{ "x-amazon-apigateway-any-method" = {INTEGRATION} }}
    }}
  }})
}}
"#
            ),
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message
                .contains("operations `POST /`, `$default` of the OpenAPI definition"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn quiet_on_openapi_operations_with_security_or_unreadable() {
        let cases = [
            (
                "the definition's security",
                r#"security = [{ cognito = [] }]"#.to_string(),
                format!(r#""/submit" = {{ post = {INTEGRATION} }}"#),
                "",
            ),
            (
                "the operation's security",
                String::new(),
                format!(
                    r#""/submit" = {{ post = merge({INTEGRATION}, {{ security = [{{ api_key = [] }}] }}) }}"#
                ),
                "",
            ),
            (
                "IAM authorization",
                String::new(),
                format!(
                    r#""/submit" = {{ post = merge({INTEGRATION}, {{ "x-amazon-apigateway-auth" = {{ type = "AWS_IAM" }} }}) }}"#
                ),
                "",
            ),
            (
                "security known only after apply",
                String::new(),
                format!(
                    r#""/submit" = {{ post = merge({INTEGRATION}, {{ security = var.security }}) }}"#
                ),
                "",
            ),
            (
                "CORS preflight only",
                String::new(),
                format!(r#""/submit" = {{ options = {INTEGRATION} }}"#),
                "",
            ),
            (
                "private API",
                String::new(),
                format!(r#""/submit" = {{ post = {INTEGRATION} }}"#),
                r#"endpoint_configuration { types = ["PRIVATE"] }"#,
            ),
        ];
        for (name, top, paths, extra) in &cases {
            let f = lint_hcl(RULE, &rest_definition(top, paths, extra));
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
        // A definition it cannot read: unknown before apply, or YAML.
        for body in [
            "var.definition",
            r#""openapi: 3.0.1\npaths:\n  /submit:\n    post: {}\n""#,
        ] {
            let f = lint_hcl(
                RULE,
                &format!(
                    "variable \"definition\" {{}}\nresource \"aws_api_gateway_rest_api\" \"api\" {{\n  name = \"api\"\n  body = {body}\n}}\n"
                ),
            );
            assert!(f.is_empty(), "{body}: {f:#?}");
        }
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_apigatewayv2_api" "orders" {
  name          = "orders"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_route" "create_order" {
  api_id    = aws_apigatewayv2_api.orders.id
  route_key = "POST /orders"
  target    = "integrations/abc123"
}

resource "aws_api_gateway_method" "get_items" {
  rest_api_id   = "a1b2c3"
  resource_id   = "r1"
  http_method   = "GET"
  authorization = "NONE"
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }

    #[test]
    fn snapshot_openapi_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_api_gateway_rest_api" "submissions" {
  name = "submissions"
  body = jsonencode({
    openapi = "3.0.1"
    paths = {
      "/submit" = {
        post = { "x-amazon-apigateway-integration" = { type = "aws", httpMethod = "POST", uri = "arn" } }
      }
      "/status" = {
        get = { "x-amazon-apigateway-integration" = { type = "aws", httpMethod = "POST", uri = "arn" } }
      }
    }
  })
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
