//! `HttpApi`: API Gateway v2 (HTTP) with Lambda proxy routes, access logs with retention,
//! default throttling, and — in production — `auto_deploy = false` with an explicit
//! deployment that changes whenever a route or integration changes (seed 000).

use super::function::Function;
use super::log_group::LogGroup;
use super::naming::camel;
use super::stack::{ResourceRef, Stack};
use crate::ir::{Block, Expr, TemplatePart};
use crate::l1::resources::{
    Apigatewayv2Api, Apigatewayv2ApiCorsConfiguration, Apigatewayv2Deployment,
    Apigatewayv2Integration, Apigatewayv2Route, Apigatewayv2Stage,
    Apigatewayv2StageAccessLogSettings, Apigatewayv2StageDefaultRouteSettings, LambdaPermission,
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
}

/// A declared HTTP API.
#[derive(Clone)]
pub struct HttpApi {
    stack: Stack,
    id: String,
    api: ResourceRef,
    stage: ResourceRef,
    routes: Rc<RefCell<Vec<RouteEntry>>>,
    integrations: Rc<RefCell<Vec<(String, ResourceRef)>>>,
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

    /// Routes `route_key` (`"POST /hola"`) to `function` through a Lambda proxy
    /// integration, and lets this API — on this route only — invoke the function.
    #[track_caller]
    pub fn route(&self, route_key: &str, function: &Function) -> ResourceRef {
        let location = RustLocation::caller();
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
        let route = Apigatewayv2Route::new(self.api.id(), route_key).target(Expr::template(vec![
            TemplatePart::Literal("integrations/".into()),
            TemplatePart::Interpolation(integration.id()),
        ]));
        let route_ref = stack.declare_typed(&route_id, route, location);
        // Scope the invoke permission to this API, any stage, this method and path.
        let source_arn = Expr::template(vec![
            TemplatePart::Interpolation(self.execution_arn()),
            TemplatePart::Literal(format!("/*/{method}{path}")),
        ]);
        let permission = LambdaPermission::new(
            "lambda:InvokeFunction",
            function.name(),
            "apigateway.amazonaws.com",
        )
        .source_arn(source_arn)
        .statement_id(format!("AllowHttpApi{}", camel(&route_slug(route_key))));
        stack.declare_typed(&format!("{route_id}_invoke"), permission, location);
        self.routes.borrow_mut().push(RouteEntry {
            route: route_ref.clone(),
            integration,
        });
        route_ref
    }

    fn integration_for(&self, function: &Function, location: RustLocation) -> ResourceRef {
        let key = function.resource().address();
        if let Some((_, r)) = self.integrations.borrow().iter().find(|(k, _)| *k == key) {
            return r.clone();
        }
        let integration = Apigatewayv2Integration::new(self.api.id(), "AWS_PROXY")
            .integration_uri(function.invoke_arn())
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
            routes: Rc::new(RefCell::new(Vec::new())),
            integrations: Rc::new(RefCell::new(Vec::new())),
        };
        if production {
            let h = handle.clone();
            stack.add_finalizer(Box::new(move |stack| h.declare_deployment(stack, loc)));
        }
        handle
    }
}

impl HttpApi {
    /// The explicit deployment of production: redeployed when any route or integration
    /// changes, created before the old one is destroyed.
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
