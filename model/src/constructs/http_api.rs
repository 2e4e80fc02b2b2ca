//! `HttpApi`: API Gateway v2 (HTTP) with Lambda proxy routes, access logs with retention,
//! default throttling, and — in production — `auto_deploy = false` with an explicit
//! deployment that changes whenever a route, integration or authorizer changes (seed 000).
//!
//! Authorization is chosen per route, with a default per API: JWT (a Cognito user pool or
//! any OpenID issuer), a Lambda authorizer, or IAM (SigV4).
//!
//! ```ignore
//! let api = HttpApi::new(stack, "orders").build();
//! let users = api.cognito_authorizer("users", &pool, &[&web_client]);
//! api.default_authorization(users.authorization());         // every route from here on
//! api.route("POST /orders", &create);                         // JWT from the user pool
//! api.route_with("GET /admin", &admin, users.with_scopes(&["orders/admin"]));
//! api.route_with("GET /health", &health, HttpAuthorization::Public); // APIGW002: suppress
//! api.route_with("POST /sync", &sync, HttpAuthorization::Iam);
//! api.grant_invoke("POST /sync", &caller);                    // execute-api:Invoke
//! ```

use super::authorizer::{authorizer_invoke_permission, Authorization, Authorizer};
use super::cognito::{UserPool, UserPoolClient};
use super::domain::{Certificate, HostedZone};
use super::function::Function;
use super::iam::Grantee;
use super::log_group::LogGroup;
use super::naming::camel;
use super::stack::{ResourceRef, Stack};
use crate::ir::{Block, Expr, TemplatePart};
use crate::l1::resources::{
    Apigatewayv2Api, Apigatewayv2ApiCorsConfiguration, Apigatewayv2ApiMapping,
    Apigatewayv2Authorizer, Apigatewayv2AuthorizerJwtConfiguration, Apigatewayv2Deployment,
    Apigatewayv2DomainName, Apigatewayv2DomainNameDomainNameConfiguration, Apigatewayv2Integration,
    Apigatewayv2Route, Apigatewayv2Stage, Apigatewayv2StageAccessLogSettings,
    Apigatewayv2StageDefaultRouteSettings, LambdaPermission,
};
use crate::origin::RustLocation;
use std::cell::RefCell;
use std::rc::Rc;

/// Cross-origin settings of an HTTP API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub allow_credentials: bool,
    pub max_age_seconds: i64,
}

impl Cors {
    /// Browsers on `origins` may call the API with `methods`.
    pub fn new(origins: &[&str], methods: &[&str]) -> Cors {
        Cors {
            allow_origins: origins.iter().map(|s| s.to_string()).collect(),
            allow_methods: methods.iter().map(|s| s.to_string()).collect(),
            allow_headers: vec!["content-type".to_string()],
            allow_credentials: false,
            max_age_seconds: 300,
        }
    }
    pub fn allow_headers(mut self, headers: &[&str]) -> Cors {
        self.allow_headers = headers.iter().map(|s| s.to_string()).collect();
        self
    }
}

/// An HTTP API under construction.
#[must_use = "call .build() to declare the API"]
pub struct HttpApiBuilder {
    stack: Stack,
    id: String,
    cors: Option<Cors>,
    stage: Option<String>,
    throttle_rate: f64,
    throttle_burst: i64,
    location: RustLocation,
}

struct RouteEntry {
    route: ResourceRef,
    integration: ResourceRef,
    key: String,
    iam: bool,
}

/// A declared HTTP API.
#[derive(Clone)]
pub struct HttpApi {
    stack: Stack,
    id: String,
    api: ResourceRef,
    stage: ResourceRef,
    stage_name: String,
    routes: Rc<RefCell<Vec<RouteEntry>>>,
    integrations: Rc<RefCell<Vec<(String, ResourceRef)>>>,
    authorizers: Rc<RefCell<Vec<ResourceRef>>>,
    default_authorization: Rc<RefCell<HttpAuthorization>>,
}

/// How the callers of an HTTP API route prove who they are.
pub type HttpAuthorization = Authorization<HttpAuthorizerKind>;

/// A declared authorizer of an HTTP API.
pub type HttpAuthorizer = Authorizer<HttpAuthorizerKind>;

/// What an HTTP API authorizer checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpAuthorizerKind {
    /// JWTs of an OpenID issuer (a Cognito user pool or any other).
    Jwt,
    /// A Lambda function's answer.
    Lambda,
}

impl std::fmt::Debug for HttpApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HttpApi({})", self.api.address())
    }
}

impl HttpApi {
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> HttpApiBuilder {
        HttpApiBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            cors: None,
            stage: None,
            throttle_rate: 50.0,
            throttle_burst: 100,
            location: RustLocation::caller(),
        }
    }

    /// The stage's invoke URL.
    pub fn url(&self) -> Expr {
        self.stage.attr("invoke_url")
    }
    pub fn execution_arn(&self) -> Expr {
        self.api.attr("execution_arn")
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.api
    }

    /// The stage name.
    pub fn stage_name(&self) -> &str {
        &self.stage_name
    }

    /// Serves the stage at `https://<domain>/` (a regional domain name, TLS 1.2 only) with
    /// `certificate` (regional, covering `domain`) and alias records in `zone`.
    #[track_caller]
    pub fn custom_domain(
        &self,
        id: &str,
        domain: impl Into<Expr>,
        certificate: &Certificate,
        zone: &HostedZone,
    ) -> ResourceRef {
        let location = RustLocation::caller();
        let stack = &self.stack;
        let domain = domain.into();
        certificate.check_regional(stack, location);
        let name = Apigatewayv2DomainName::new(
            domain.clone(),
            Apigatewayv2DomainNameDomainNameConfiguration::new(
                certificate.arn(),
                "REGIONAL",
                "TLS_1_2",
            ),
        );
        let name = stack.declare_typed(id, name, location);
        let mapping = Apigatewayv2ApiMapping::new(self.api.id(), name.id(), self.stage.id());
        stack.declare_typed(id, mapping, location);
        // `<domain name>.domain_name_configuration[0].<attribute>`
        let target = |attribute: &str| {
            let mut e = name.attr("domain_name_configuration");
            if let crate::ir::ExprKind::Traversal(t) = &mut e.kind {
                let t = std::sync::Arc::make_mut(t);
                t.operators
                    .push(crate::ir::TraversalOperator::Index(Box::new(Expr::int(0))));
                t.operators
                    .push(crate::ir::TraversalOperator::Attribute(attribute.into()));
            }
            e
        };
        zone.alias_records(
            stack,
            id,
            &domain,
            target("target_domain_name"),
            target("hosted_zone_id"),
            location,
        );
        name
    }

    /// The authorization of every route added after this call that does not choose its
    /// own (initially [`HttpAuthorization::Public`]).
    pub fn default_authorization(&self, authorization: HttpAuthorization) {
        *self.default_authorization.borrow_mut() = authorization;
    }

    /// A JWT authorizer `id`: tokens from `issuer` (an `https://` URL whose
    /// `/.well-known/openid-configuration` API Gateway reads) whose `aud` (or `client_id`)
    /// is one of `audience`, in the `Authorization` header.
    #[track_caller]
    pub fn jwt_authorizer(&self, id: &str, issuer: Expr, audience: Vec<Expr>) -> HttpAuthorizer {
        self.jwt_authorizer_at(id, issuer, audience, RustLocation::caller())
    }

    /// A JWT authorizer `id` for the tokens of `pool` issued to `clients`.
    #[track_caller]
    pub fn cognito_authorizer(
        &self,
        id: &str,
        pool: &UserPool,
        clients: &[&UserPoolClient],
    ) -> HttpAuthorizer {
        let location = RustLocation::caller();
        self.stack.check_same_stack(pool.resource(), location);
        let audience = clients.iter().map(|c| c.id()).collect();
        self.jwt_authorizer_at(id, pool.issuer_url(), audience, location)
    }

    /// A Lambda authorizer `id`: `function` gets the request (payload 2.0, the
    /// `Authorization` header as identity) and answers `{"isAuthorized": bool, "context":
    /// {…}}` (simple responses); answers are cached 5 minutes per identity.
    #[track_caller]
    pub fn lambda_authorizer(&self, id: &str, function: &Function) -> HttpAuthorizer {
        let location = RustLocation::caller();
        self.stack.check_same_stack(function.resource(), location);
        let authorizer = Apigatewayv2Authorizer::new(
            self.api.id(),
            "REQUEST",
            self.stack.physical_name(&format!("{}_{id}", self.id)),
        )
        .authorizer_uri(function.alias_invoke_arn())
        .authorizer_payload_format_version("2.0")
        .enable_simple_responses(true)
        .identity_sources(vec!["$request.header.Authorization"])
        .authorizer_result_ttl_in_seconds(300);
        let handle = self.declare_authorizer(id, authorizer, HttpAuthorizerKind::Lambda, location);
        authorizer_invoke_permission(
            &self.stack,
            function,
            self.execution_arn(),
            &handle.resource,
            &format!("AllowHttpApi{}Authorizer{}", camel(&self.id), camel(id)),
            location,
        );
        handle
    }

    /// Lets `grantee` call the IAM-authorized route `route_key` on this stage
    /// (`execute-api:Invoke` on its ARN).
    #[track_caller]
    pub fn grant_invoke(&self, route_key: &str, grantee: &impl Grantee) {
        let location = RustLocation::caller();
        let role = grantee.grantee_role();
        let iam = self
            .routes
            .borrow()
            .iter()
            .find(|r| r.key == route_key)
            .map(|r| r.iam);
        let Some((method, path)) = parse_route_key(route_key) else {
            self.stack
                .error(location, format!("invalid route key `{route_key}`"), None);
            return;
        };
        match iam {
            None => self.stack.error(
                location,
                format!("HTTP API `{}` has no route `{route_key}`", self.id),
                Some("add the route before granting access to it"),
            ),
            Some(false) => self.stack.error(
                location,
                format!("route `{route_key}` is not IAM-authorized: `execute-api:Invoke` would not be checked"),
                Some("declare it with `route_with(…, HttpAuthorization::Iam)`"),
            ),
            Some(true) => role.allow_at(
                &format!("Invoke{}{}", camel(&self.id), camel(&route_slug(route_key))),
                &["execute-api:Invoke"],
                vec![Expr::template(vec![
                    TemplatePart::Interpolation(self.execution_arn()),
                    TemplatePart::Literal(format!("/{}/{method}{path}", self.stage_name).into()),
                ])],
                location,
            ),
        }
    }

    /// Routes `route_key` (`"POST /hola"`) to `function` through a Lambda proxy
    /// integration, with the API's default authorization, and lets this API — on this
    /// route only — invoke the function.
    #[track_caller]
    pub fn route(&self, route_key: &str, function: &Function) -> ResourceRef {
        let authorization = self.default_authorization.borrow().clone();
        self.route_at(route_key, function, authorization, RustLocation::caller())
    }

    /// [`HttpApi::route`] with its own authorization.
    #[track_caller]
    pub fn route_with(
        &self,
        route_key: &str,
        function: &Function,
        authorization: HttpAuthorization,
    ) -> ResourceRef {
        self.route_at(route_key, function, authorization, RustLocation::caller())
    }

    fn jwt_authorizer_at(
        &self,
        id: &str,
        issuer: Expr,
        audience: Vec<Expr>,
        location: RustLocation,
    ) -> HttpAuthorizer {
        if issuer.as_str().is_some_and(|i| !i.starts_with("https://")) {
            self.stack.error(
                location,
                format!("JWT issuer `{issuer}` is not an https:// URL"),
                Some("API Gateway fetches the issuer's keys over HTTPS"),
            );
        }
        if audience.is_empty() {
            self.stack.error(
                location,
                "a JWT authorizer without an audience accepts no token",
                Some("give the client IDs (or API identifiers) tokens are issued for"),
            );
        }
        let authorizer = Apigatewayv2Authorizer::new(
            self.api.id(),
            "JWT",
            self.stack.physical_name(&format!("{}_{id}", self.id)),
        )
        .identity_sources(vec!["$request.header.Authorization"])
        .jwt_configuration(
            Apigatewayv2AuthorizerJwtConfiguration::new()
                .issuer(issuer)
                .audience(Expr::tuple(audience)),
        );
        self.declare_authorizer(id, authorizer, HttpAuthorizerKind::Jwt, location)
    }

    fn declare_authorizer(
        &self,
        id: &str,
        authorizer: Apigatewayv2Authorizer,
        kind: HttpAuthorizerKind,
        location: RustLocation,
    ) -> HttpAuthorizer {
        let resource = self
            .stack
            .declare_typed(&format!("{}_{id}", self.id), authorizer, location);
        self.authorizers.borrow_mut().push(resource.clone());
        HttpAuthorizer { resource, kind }
    }

    fn route_at(
        &self,
        route_key: &str,
        function: &Function,
        authorization: HttpAuthorization,
        location: RustLocation,
    ) -> ResourceRef {
        let stack = &self.stack;
        stack.check_same_stack(function.resource(), location);
        let Some((method, path)) = parse_route_key(route_key) else {
            stack.error(
                location,
                format!("invalid route key `{route_key}`"),
                Some("write `METHOD /path` (e.g. `POST /hola`), `ANY /path` or `$default`"),
            );
            return self.api.clone();
        };
        let integration = self.integration_for(function, location);
        let route_id = format!("{}_{}", self.id, route_slug(route_key));
        let mut route =
            Apigatewayv2Route::new(self.api.id(), route_key).target(Expr::template(vec![
                TemplatePart::Literal("integrations/".into()),
                TemplatePart::Interpolation(integration.id()),
            ]));
        let iam = matches!(authorization, HttpAuthorization::Iam);
        match authorization {
            HttpAuthorization::Public => {}
            HttpAuthorization::Iam => route = route.authorization_type("AWS_IAM"),
            HttpAuthorization::Authorizer { authorizer, scopes } => {
                stack.check_same_stack(&authorizer.resource, location);
                if !self.authorizers.borrow().contains(&authorizer.resource) {
                    stack.error(
                        location,
                        format!(
                            "`{}` is not an authorizer of HTTP API `{}`",
                            authorizer.resource.address(),
                            self.id
                        ),
                        Some("a route uses an authorizer of its own API"),
                    );
                }
                route = route.authorizer_id(authorizer.resource.id());
                match authorizer.kind {
                    HttpAuthorizerKind::Jwt => {
                        route = route.authorization_type("JWT");
                        if !scopes.is_empty() {
                            route = route.authorization_scopes(scopes);
                        }
                    }
                    HttpAuthorizerKind::Lambda => {
                        route = route.authorization_type("CUSTOM");
                        if !scopes.is_empty() {
                            stack.error(
                                location,
                                "authorization scopes need a JWT authorizer",
                                Some("a Lambda authorizer decides by itself; drop the scopes"),
                            );
                        }
                    }
                }
            }
        }
        let route_ref = stack.declare_typed(&route_id, route, location);
        // Scope the invoke permission to this API, any stage, this method and path.
        let source_arn = Expr::template(vec![
            TemplatePart::Interpolation(self.execution_arn()),
            TemplatePart::Literal(format!("/*/{method}{path}").into()),
        ]);
        let mut permission = LambdaPermission::new(
            "lambda:InvokeFunction",
            function.name(),
            "apigateway.amazonaws.com",
        )
        .source_arn(source_arn)
        .statement_id(format!("AllowHttpApi{}", camel(&route_slug(route_key))));
        if let Some(alias) = &function.alias {
            permission = permission.qualifier(alias.attr("name"));
        }
        stack.declare_typed(&format!("{route_id}_invoke"), permission, location);
        self.routes.borrow_mut().push(RouteEntry {
            route: route_ref.clone(),
            integration,
            key: route_key.to_string(),
            iam,
        });
        route_ref
    }

    fn integration_for(&self, function: &Function, location: RustLocation) -> ResourceRef {
        let key = function.resource().address();
        if let Some((_, r)) = self.integrations.borrow().iter().find(|(k, _)| *k == key) {
            return r.clone();
        }
        // The alias when the function has one (provisioned concurrency and SnapStart serve
        // published versions only).
        let integration = Apigatewayv2Integration::new(self.api.id(), "AWS_PROXY")
            .integration_uri(function.alias_invoke_arn())
            .integration_method("POST")
            .payload_format_version("2.0");
        let r = self.stack.declare_typed(
            &format!("{}_{}", self.id, function.resource().name),
            integration,
            location,
        );
        self.integrations.borrow_mut().push((key, r.clone()));
        r
    }
}

/// `POST /hola` → (`POST`, `/hola`); path parameters become `*` for source ARNs.
fn parse_route_key(key: &str) -> Option<(String, String)> {
    if key == "$default" {
        return Some(("*".into(), "/*".into()));
    }
    let (method, path) = key.split_once(' ')?;
    let method = method.trim();
    let path = path.trim();
    const METHODS: &[&str] = &[
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
    ];
    if !METHODS.contains(&method) || !path.starts_with('/') || path.contains(' ') {
        return None;
    }
    let method = if method == "ANY" { "*" } else { method };
    let path = path
        .split('/')
        .map(|seg| if seg.starts_with('{') { "*" } else { seg })
        .collect::<Vec<_>>()
        .join("/");
    Some((method.to_string(), path))
}

/// `POST /orders/{id}` → `post_orders_id`.
fn route_slug(key: &str) -> String {
    super::naming::slug(key, "default")
}

impl HttpApiBuilder {
    pub fn cors(mut self, cors: Cors) -> Self {
        self.cors = Some(cors);
        self
    }
    /// The stage name (default: the environment's name).
    pub fn stage(mut self, name: &str) -> Self {
        self.stage = Some(name.to_string());
        self
    }
    /// Default route throttling: steady requests per second and burst.
    pub fn throttle(mut self, rate_per_second: f64, burst: i64) -> Self {
        self.throttle_rate = rate_per_second;
        self.throttle_burst = burst;
        self
    }

    pub fn build(self) -> HttpApi {
        let stack = self.stack.clone();
        let loc = self.location;
        let api_name = stack.physical_name(&self.id);
        let mut api = Apigatewayv2Api::new(api_name.as_str(), "HTTP");
        if let Some(c) = &self.cors {
            if c.allow_credentials && c.allow_origins.iter().any(|o| o == "*") {
                stack.error(
                    loc,
                    "CORS allows credentials from origin `*`",
                    Some("browsers reject it; list the allowed origins"),
                );
            }
            let mut cors = Apigatewayv2ApiCorsConfiguration::new()
                .allow_origins(c.allow_origins.clone())
                .allow_methods(c.allow_methods.clone())
                .allow_headers(c.allow_headers.clone())
                .max_age(c.max_age_seconds);
            if c.allow_credentials {
                cors = cors.allow_credentials(true);
            }
            api = api.cors_configuration(cors);
        }
        let api_ref = stack.declare_typed(&self.id, api, loc);
        let stage_name = self.stage.clone().unwrap_or_else(|| stack.env().name);
        let access_logs = LogGroup::create(
            &stack,
            &format!("{}_access_logs", self.id),
            Expr::string(format!("/aws/apigateway/{api_name}/{stage_name}")),
            stack.env().log_retention_days,
            loc,
        );
        let production = stack.is_production();
        let mut stage = Apigatewayv2Stage::new(api_ref.id(), stage_name.as_str())
            .auto_deploy(!production)
            .access_log_settings(Apigatewayv2StageAccessLogSettings::new(
                access_logs.arn(),
                Expr::call("jsonencode", vec![access_log_format()]),
            ))
            .default_route_settings(
                Apigatewayv2StageDefaultRouteSettings::new()
                    .throttling_burst_limit(self.throttle_burst)
                    .throttling_rate_limit(self.throttle_rate),
            );
        if production {
            stage = stage.deployment_id(Expr::reference(
                "aws_apigatewayv2_deployment",
                &[&self.id, "id"],
            ));
        }
        let stage_ref = stack.declare_typed(&self.id, stage, loc);
        let handle = HttpApi {
            stack: stack.clone(),
            id: self.id.clone(),
            api: api_ref,
            stage: stage_ref,
            stage_name: stage_name.clone(),
            routes: Rc::new(RefCell::new(Vec::new())),
            integrations: Rc::new(RefCell::new(Vec::new())),
            authorizers: Rc::new(RefCell::new(Vec::new())),
            default_authorization: Rc::new(RefCell::new(HttpAuthorization::Public)),
        };
        if production {
            let h = handle.clone();
            stack.add_finalizer(Box::new(move |stack| h.declare_deployment(stack, loc)));
        }
        handle
    }
}

impl HttpApi {
    /// The explicit deployment of production: redeployed when any route, integration or
    /// authorizer changes, created before the old one is destroyed.
    fn declare_deployment(&self, stack: &Stack, location: RustLocation) {
        let routes = self.routes.borrow();
        if routes.is_empty() {
            stack.error(
                location,
                format!("HTTP API `{}` has no routes", self.id),
                Some("add a route with `.route(\"POST /path\", &function)`"),
            );
            return;
        }
        let mut parts: Vec<Expr> = Vec::new();
        for r in routes.iter() {
            parts.push(Expr::reference(&r.route.resource_type, &[&r.route.name]));
            parts.push(Expr::reference(
                &r.integration.resource_type,
                &[&r.integration.name],
            ));
        }
        for a in self.authorizers.borrow().iter() {
            parts.push(Expr::reference(&a.resource_type, &[&a.name]));
        }
        parts.dedup();
        let triggers = Expr::object(vec![(
            "redeployment",
            Expr::call(
                "sha1",
                vec![Expr::call("jsonencode", vec![Expr::tuple(parts)])],
            ),
        )]);
        let deployment = Apigatewayv2Deployment::new(self.api.id())
            .description("Managed by tfstack: redeployed when routes or integrations change")
            .triggers(triggers);
        let mut block = Block::new(
            "resource",
            vec!["aws_apigatewayv2_deployment".into(), self.id.clone()],
        );
        block.body = crate::typed::TypedBlock::to_body(&deployment);
        block
            .body
            .push_block(Block::new("lifecycle", vec![]).attr("create_before_destroy", true));
        stack.declare("resource", block, location);
    }
}

/// The access log line: one JSON object per request.
fn access_log_format() -> Expr {
    Expr::object(vec![
        ("requestId", Expr::string("$context.requestId")),
        ("ip", Expr::string("$context.identity.sourceIp")),
        ("requestTime", Expr::string("$context.requestTime")),
        ("httpMethod", Expr::string("$context.httpMethod")),
        ("routeKey", Expr::string("$context.routeKey")),
        ("status", Expr::string("$context.status")),
        ("protocol", Expr::string("$context.protocol")),
        ("responseLength", Expr::string("$context.responseLength")),
        (
            "integrationError",
            Expr::string("$context.integrationErrorMessage"),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::{Code, Role, Runtime, UserPool};
    use crate::environment::Environment;

    fn function(stack: &Stack, id: &str) -> Function {
        Function::new(
            stack,
            id,
            Runtime::Python312,
            "app.handler",
            Code::directory("."),
        )
        .timeout_seconds(5)
        .build()
    }

    fn attr(out: &crate::constructs::StackOutput, t: &str, n: &str, a: &str) -> Option<String> {
        out.config
            .resource(t, n)
            .and_then(|b| b.body.get(a))
            .map(|e| e.to_string())
    }

    #[test]
    fn routes_take_the_default_authorization_or_their_own() {
        let stack = Stack::new("shop", Environment::prod());
        let f = function(&stack, "orders");
        let check = function(&stack, "check");
        let api = HttpApi::new(&stack, "api").build();
        api.route("GET /health", &f);
        let users = UserPool::new(&stack, "users").build();
        let web = users.client("web").build();
        let jwt = api.cognito_authorizer("users", &users, &[&web]);
        let custom = api.lambda_authorizer("partners", &check);
        api.default_authorization(jwt.authorization());
        api.route("POST /orders", &f);
        api.route_with(
            "DELETE /orders/{id}",
            &f,
            jwt.with_scopes(&["orders/admin"]),
        );
        api.route_with("POST /partners", &f, custom.authorization());
        api.route_with("POST /sync", &f, HttpAuthorization::Iam);
        let caller = Role::for_service(&stack, "caller", "lambda.amazonaws.com");
        api.grant_invoke("POST /sync", &caller);
        let out = stack.finish().expect("valid");
        let route = "aws_apigatewayv2_route";
        assert_eq!(
            attr(&out, route, "api_get_health", "authorization_type"),
            None
        );
        assert_eq!(
            attr(&out, route, "api_post_orders", "authorization_type").as_deref(),
            Some("\"JWT\"")
        );
        assert_eq!(
            attr(&out, route, "api_post_orders", "authorizer_id").as_deref(),
            Some("aws_apigatewayv2_authorizer.api_users.id")
        );
        assert_eq!(
            attr(&out, route, "api_delete_orders_id", "authorization_scopes").as_deref(),
            Some("[\"orders/admin\"]")
        );
        assert_eq!(
            attr(&out, route, "api_post_partners", "authorization_type").as_deref(),
            Some("\"CUSTOM\"")
        );
        assert_eq!(
            attr(&out, route, "api_post_sync", "authorization_type").as_deref(),
            Some("\"AWS_IAM\"")
        );
        let authorizer = out
            .config
            .resource("aws_apigatewayv2_authorizer", "api_users")
            .expect("JWT authorizer");
        let jwt_config = authorizer.body.block("jwt_configuration").expect("jwt");
        assert_eq!(
            jwt_config
                .body
                .get("issuer")
                .map(|e| e.to_string())
                .as_deref(),
            Some("\"https://${aws_cognito_user_pool.users.endpoint}\"")
        );
        // The authorizer function may be invoked by this authorizer only.
        assert_eq!(
            attr(&out, "aws_lambda_permission", "api_partners", "source_arn").as_deref(),
            Some("\"${aws_apigatewayv2_api.api.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.api_partners.id}\"")
        );
        // Authorizers are part of what the production deployment snapshots.
        let triggers =
            attr(&out, "aws_apigatewayv2_deployment", "api", "triggers").unwrap_or_default();
        assert!(
            triggers.contains("aws_apigatewayv2_authorizer.api_users"),
            "{triggers}"
        );
        let Some(crate::constructs::StackFile::Text { text, .. }) =
            out.files.get("policies/shop-prod-caller-policy.json")
        else {
            panic!("caller policy")
        };
        assert!(
            text.contains("${apigatewayv2_api_api_execution_arn}/prod/POST/sync"),
            "{text}"
        );
    }

    #[test]
    fn authorization_mistakes_are_errors_at_the_call() {
        let stack = Stack::new("shop", Environment::dev());
        let f = function(&stack, "orders");
        let api = HttpApi::new(&stack, "api").build();
        let other = HttpApi::new(&stack, "other").build();
        let custom = api.lambda_authorizer("custom", &f);
        let _ = api.jwt_authorizer("nobody", Expr::string("http://issuer.example.com"), vec![]);
        api.route_with("GET /a", &f, custom.with_scopes(&["read"]));
        other.route_with("GET /b", &f, custom.authorization());
        api.grant_invoke(
            "GET /a",
            &Role::for_service(&stack, "r", "lambda.amazonaws.com"),
        );
        let errors = stack.finish().expect_err("errors");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        for expected in [
            "is not an https:// URL",
            "without an audience",
            "scopes need a JWT authorizer",
            "is not an authorizer of HTTP API `other`",
            "is not IAM-authorized",
        ] {
            assert!(
                messages.iter().any(|m| m.contains(expected)),
                "{expected}: {messages:?}"
            );
        }
    }

    #[test]
    fn route_keys() {
        assert_eq!(
            parse_route_key("POST /hola"),
            Some(("POST".into(), "/hola".into()))
        );
        assert_eq!(
            parse_route_key("GET /orders/{id}"),
            Some(("GET".into(), "/orders/*".into()))
        );
        assert_eq!(parse_route_key("ANY /x"), Some(("*".into(), "/x".into())));
        assert_eq!(parse_route_key("POST hola"), None);
        assert_eq!(parse_route_key("FETCH /x"), None);
        assert_eq!(route_slug("GET /orders/{id}"), "get_orders_id");
    }
}
