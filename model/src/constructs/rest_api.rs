//! `RestApi`: API Gateway v1 (REST, regional) with Lambda proxy and Step Functions
//! integrations, request validation, CORS, a stage with cache cluster, throttling, access
//! and execution logs with retention, X-Ray, and an explicit deployment that is replaced
//! whenever anything it serves changes.
//!
//! # API (stable)
//!
//! ```ignore
//! let api = RestApi::new(stack, "orders_api")           // #[track_caller]; REGIONAL endpoint
//!     .description("Orders CRUD")
//!     .stage("v1")                      // default: the environment's name
//!     .throttle(1000.0, 2000)           // `*/*` method settings: req/s and burst (default 100/200)
//!     .cache_cluster("0.5")             // stage cache cluster, in GB; off unless called
//!     .cors(RestApiCors::new(origin))   // OPTIONS mocks + CORS headers on 4XX/5XX responses
//!     .execution_logging(ExecutionLogLevel::Error) // default Error; Info or Off
//!     .without_account_logging_role()   // the account's API Gateway CloudWatch role is
//!                                       // managed elsewhere (default: this stack sets it)
//!     .build();
//!
//! // Resources are created once per path segment; `{name}` segments are path parameters.
//! let order = api.resource_path("/orders/{orderId}");
//!
//! // Lambda proxy integration (through the function's alias when it has one), with an
//! // `aws_lambda_permission` scoped to `${execution_arn}/*/GET/orders/*`.
//! let get = order
//!     .method("GET", &function)         // `&Function` converts into `Integration`
//!     .cache_ttl_seconds(300)           // cached, keyed on every path/query parameter
//!     .build();                         // -> Method
//!
//! // AWS service integration: Step Functions `StartExecution` on exactly that state machine,
//! // through a role of the API's own (`states:StartExecution` on the given ARN only).
//! let sync = api
//!     .resource_path("/sync")
//!     .method("POST", Integration::start_execution(state_machine_arn))
//!     .authorization_iam()              // SigV4 callers (else the API's default)
//!     .build();
//! sync.grant_invoke(&caller_role);      // `execute-api:Invoke` on this stage/method/path
//!
//! // Authorizers, chosen per method with a default per API (initially public):
//! let users = api.cognito_authorizer("users", &[&pool]);   // COGNITO_USER_POOLS
//! let token = api.token_authorizer("partners", &check_fn); // Lambda, TOKEN
//! let request = api.request_authorizer("tenants", &check_fn, &["method.request.header.X-Tenant"]);
//! api.default_authorization(users.authorization());        // methods built from here on
//! order.method("PUT", &function).authorization(users.with_scopes(&["orders/write"])).build();
//! health.method("GET", &function).public().build();        // APIGW002: suppress with a reason
//!
//! // Other MethodBuilder options: .query_parameter("status", false),
//! // .request_body_schema(json_schema), .throttle(rate, burst).
//! // RestApi accessors: url(), execution_arn(), rest_api(), stage(), stage_name(), name(),
//! // origin_domain_name() (for CloudFront), metric("5XXError") (for alarms).
//! ```
//!
//! Every method gets the API's request validator (body and parameters). Access logs go to a
//! log group with the environment's retention; execution logs (`ERROR` by default, never
//! request/response bodies) to a pre-created `API-Gateway-Execution-Logs_<id>/<stage>`
//! group with the same retention. Both need the account-level CloudWatch role of API
//! Gateway (`aws_api_gateway_account`), a per-region singleton: this construct creates it
//! once per stack unless told otherwise.

use super::alarm::Metric;
use super::authorizer::{authorizer_invoke_permission, Authorization, Authorizer};
use super::cognito::UserPool;
use super::domain::{Certificate, HostedZone};
use super::function::Function;
use super::iam::{Grantee, Role};
use super::log_group::LogGroup;
use super::naming::camel;
use super::stack::{ResourceRef, Stack};
use crate::ir::{Block, Expr, TemplatePart};
use crate::l1::resources::{
    ApiGatewayAccount, ApiGatewayAuthorizer, ApiGatewayBasePathMapping, ApiGatewayDeployment,
    ApiGatewayDomainName, ApiGatewayDomainNameEndpointConfiguration, ApiGatewayGatewayResponse,
    ApiGatewayIntegration, ApiGatewayIntegrationResponse, ApiGatewayMethod,
    ApiGatewayMethodResponse, ApiGatewayMethodSettings, ApiGatewayMethodSettingsSettings,
    ApiGatewayModel, ApiGatewayRequestValidator, ApiGatewayResource, ApiGatewayRestApi,
    ApiGatewayRestApiEndpointConfiguration, ApiGatewayStage, ApiGatewayStageAccessLogSettings,
    LambdaPermission,
};
use crate::origin::RustLocation;
use crate::typed::TypedBlock;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The stage cache sizes API Gateway offers, in GB.
const CACHE_SIZES: &[&str] = &["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"];
const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];
/// Terraform name of the account-level CloudWatch role setting (one per stack).
const ACCOUNT_RESOURCE: &str = "api_gateway_account";

/// What a method calls.
#[derive(Clone, Debug)]
pub enum Integration {
    /// Lambda proxy integration (`AWS_PROXY`), through the function's alias when it has one.
    LambdaProxy(Box<Function>),
    /// Step Functions `StartExecution` on the state machine with this ARN: the request body
    /// is the execution input, the request ID its name; the API's own role may start
    /// exactly this state machine.
    StartExecution { state_machine_arn: Expr },
}

impl Integration {
    /// Lambda proxy integration with `function`.
    pub fn lambda(function: &Function) -> Integration {
        Integration::LambdaProxy(Box::new(function.clone()))
    }
    /// Step Functions `StartExecution` on `state_machine_arn`.
    pub fn start_execution(state_machine_arn: impl Into<Expr>) -> Integration {
        Integration::StartExecution {
            state_machine_arn: state_machine_arn.into(),
        }
    }
}

impl From<&Function> for Integration {
    fn from(f: &Function) -> Integration {
        Integration::lambda(f)
    }
}

/// Cross-origin settings of a REST API: one allowed origin (a mock `OPTIONS` integration
/// answers with a single `Access-Control-Allow-Origin`). Lambda proxy responses must add the
/// same header themselves.
#[derive(Clone, Debug, PartialEq)]
pub struct RestApiCors {
    pub allow_origin: Expr,
    pub allow_headers: Vec<String>,
    pub max_age_seconds: i64,
}

impl RestApiCors {
    /// Browsers on `origin` (e.g. `https://app.example.com`, or a variable) may call the API.
    pub fn new(origin: impl Into<Expr>) -> RestApiCors {
        RestApiCors {
            allow_origin: origin.into(),
            allow_headers: [
                "Authorization",
                "Content-Type",
                "X-Amz-Date",
                "X-Amz-Security-Token",
                "X-Api-Key",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            max_age_seconds: 600,
        }
    }
    pub fn allow_headers(mut self, headers: &[&str]) -> RestApiCors {
        self.allow_headers = headers.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn max_age_seconds(mut self, seconds: i64) -> RestApiCors {
        self.max_age_seconds = seconds;
        self
    }
    /// `'<origin>'`: the quoted static value API Gateway mappings expect.
    fn quoted_origin(&self) -> Expr {
        quoted(self.allow_origin.clone())
    }
}

/// How the callers of a REST API method prove who they are.
pub type RestAuthorization = Authorization<RestAuthorizerKind>;

/// A declared authorizer of a REST API.
pub type RestAuthorizer = Authorizer<RestAuthorizerKind>;

/// What a REST API authorizer checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestAuthorizerKind {
    /// Tokens of Cognito user pools.
    Cognito,
    /// A Lambda function given the bearer token.
    Token,
    /// A Lambda function given the request's headers, query string and context.
    Request,
}

/// Execution logging level of the stage (`*/*` method settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecutionLogLevel {
    Off,
    Error,
    Info,
}

impl ExecutionLogLevel {
    fn as_str(self) -> &'static str {
        match self {
            ExecutionLogLevel::Off => "OFF",
            ExecutionLogLevel::Error => "ERROR",
            ExecutionLogLevel::Info => "INFO",
        }
    }
}

/// A REST API under construction.
#[must_use = "call .build() to declare the API"]
pub struct RestApiBuilder {
    stack: Stack,
    id: String,
    description: Option<String>,
    stage: Option<String>,
    throttle_rate: f64,
    throttle_burst: i64,
    cache_cluster_size: Option<String>,
    cors: Option<RestApiCors>,
    log_level: ExecutionLogLevel,
    account_logging_role: bool,
    location: RustLocation,
}

/// A declared REST API. Cheap to clone: clones share the same state.
#[derive(Clone)]
pub struct RestApi(Rc<Inner>);

struct Inner {
    stack: Stack,
    id: String,
    name: String,
    api: ResourceRef,
    stage: ResourceRef,
    stage_name: String,
    validator: ResourceRef,
    cors: Option<RestApiCors>,
    cache_enabled: bool,
    throttle: (f64, i64),
    log_level: ExecutionLogLevel,
    all_settings: ResourceRef,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// Path → the resource's `id` expression (the root is the API's `root_resource_id`).
    resources: BTreeMap<String, (Option<ResourceRef>, Expr)>,
    /// (path, method) of every method, in declaration order.
    methods: Vec<(String, String)>,
    /// Everything a deployment snapshots (methods, integrations, responses, models …).
    deployed: Vec<ResourceRef>,
    /// The role API Gateway assumes for AWS service integrations.
    integration_role: Option<Role>,
    /// The API's authorizers.
    authorizers: Vec<ResourceRef>,
    /// What methods built without their own authorization get.
    default_authorization: Option<RestAuthorization>,
}

impl std::fmt::Debug for RestApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RestApi({})", self.0.api.address())
    }
}

/// A resource (path) of a REST API; add methods to it.
#[derive(Clone, Debug)]
pub struct ApiResource {
    api: RestApi,
    path: String,
    resource_id: Expr,
}

/// A method under construction.
#[must_use = "call .build() to declare the method"]
pub struct MethodBuilder {
    resource: ApiResource,
    http_method: String,
    integration: Integration,
    authorization: Option<RestAuthorization>,
    cache_ttl_seconds: Option<i64>,
    query_parameters: Vec<(String, bool)>,
    body_schema: Option<String>,
    throttle: Option<(f64, i64)>,
    location: RustLocation,
}

/// A declared method.
#[derive(Clone, Debug)]
pub struct Method {
    api: RestApi,
    method: ResourceRef,
    integration: ResourceRef,
    http_method: String,
    path: String,
    iam: bool,
}

impl RestApi {
    /// A regional REST API `id` (its name is `<prefix>-<env>-<id>`).
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> RestApiBuilder {
        RestApiBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            description: None,
            stage: None,
            throttle_rate: 100.0,
            throttle_burst: 200,
            cache_cluster_size: None,
            cors: None,
            log_level: ExecutionLogLevel::Error,
            account_logging_role: true,
            location: RustLocation::caller(),
        }
    }

    /// The stage's invoke URL (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`).
    pub fn url(&self) -> Expr {
        self.0.stage.attr("invoke_url")
    }
    /// `arn:…:execute-api:<region>:<account>:<api id>`.
    pub fn execution_arn(&self) -> Expr {
        self.0.api.attr("execution_arn")
    }
    /// The `aws_api_gateway_rest_api`.
    pub fn rest_api(&self) -> &ResourceRef {
        &self.0.api
    }
    /// The `aws_api_gateway_stage`.
    pub fn stage(&self) -> &ResourceRef {
        &self.0.stage
    }
    pub fn stage_name(&self) -> &str {
        &self.0.stage_name
    }
    /// The physical API name (`<prefix>-<env>-<id>`), as CloudWatch's `ApiName` dimension.
    pub fn name(&self) -> &str {
        &self.0.name
    }
    /// The host name of the stage (`<id>.execute-api.<region>.<dns suffix>`), for CloudFront.
    #[track_caller]
    pub fn origin_domain_name(&self) -> Expr {
        let partition = self.0.stack.partition_data(RustLocation::caller());
        Expr::template(vec![
            TemplatePart::Interpolation(self.0.api.id()),
            TemplatePart::Literal(".execute-api.".into()),
            TemplatePart::Interpolation(Expr::var("region")),
            TemplatePart::Literal(".".into()),
            TemplatePart::Interpolation(partition.attr("dns_suffix")),
        ])
    }
    /// A metric of this API's stage in `AWS/ApiGateway` (`5XXError`, `Count`, `Latency` …):
    /// Sum over one minute unless changed.
    pub fn metric(&self, metric_name: &str) -> Metric {
        Metric::new("AWS/ApiGateway", metric_name)
            .dimension("ApiName", self.0.name.as_str())
            .dimension("Stage", self.0.stage_name.as_str())
    }

    /// Serves the stage at `https://<domain>/` (a regional domain name, TLS 1.2 only) with
    /// `certificate` (regional, covering `domain`) and alias records in `zone`. The
    /// execute-api URL keeps working (CloudFront may use it as origin).
    #[track_caller]
    pub fn custom_domain(
        &self,
        id: &str,
        domain: impl Into<Expr>,
        certificate: &Certificate,
        zone: &HostedZone,
    ) -> ResourceRef {
        let location = RustLocation::caller();
        let inner = &self.0;
        let stack = &inner.stack;
        let domain = domain.into();
        certificate.check_regional(stack, location);
        let name = ApiGatewayDomainName::new(domain.clone())
            .regional_certificate_arn(certificate.arn())
            .endpoint_configuration(ApiGatewayDomainNameEndpointConfiguration::new(vec![
                "REGIONAL",
            ]))
            .security_policy("TLS_1_2");
        let name = stack.declare_typed(id, name, location);
        let mapping = ApiGatewayBasePathMapping::new(inner.api.id(), name.attr("domain_name"))
            .stage_name(inner.stage.attr("stage_name"));
        stack.declare_typed(id, mapping, location);
        zone.alias_records(
            stack,
            id,
            &domain,
            name.attr("regional_domain_name"),
            name.attr("regional_zone_id"),
            location,
        );
        name
    }

    /// The authorization of every method built after this call that does not choose its
    /// own (initially public).
    pub fn default_authorization(&self, authorization: RestAuthorization) {
        self.0.state.borrow_mut().default_authorization = Some(authorization);
    }

    /// A Cognito authorizer `id`: the `Authorization` header carries a token of one of
    /// `pools` (an ID token, or an access token when the method asks for scopes).
    #[track_caller]
    pub fn cognito_authorizer(&self, id: &str, pools: &[&UserPool]) -> RestAuthorizer {
        let location = RustLocation::caller();
        let inner = &self.0;
        if pools.is_empty() {
            inner.stack.error(
                location,
                "a Cognito authorizer needs at least one user pool",
                None,
            );
        }
        for p in pools {
            inner.stack.check_same_stack(p.resource(), location);
        }
        let authorizer = ApiGatewayAuthorizer::new(
            inner.stack.physical_name(&format!("{}_{id}", inner.id)),
            inner.api.id(),
        )
        .type_("COGNITO_USER_POOLS")
        .provider_arns(Expr::tuple(pools.iter().map(|p| p.arn()).collect()))
        .identity_source("method.request.header.Authorization");
        self.declare_authorizer(id, authorizer, RestAuthorizerKind::Cognito, location)
    }

    /// A Lambda authorizer `id` of type TOKEN: `function` gets the `Authorization` header
    /// and answers with an IAM policy for the caller; answers are cached 5 minutes per
    /// token.
    #[track_caller]
    pub fn token_authorizer(&self, id: &str, function: &Function) -> RestAuthorizer {
        self.lambda_authorizer(
            id,
            function,
            RestAuthorizerKind::Token,
            "method.request.header.Authorization".to_string(),
            RustLocation::caller(),
        )
    }

    /// A Lambda authorizer `id` of type REQUEST: `function` gets the request's headers,
    /// query string, stage variables and context; `identity_sources`
    /// (`method.request.header.X-Tenant`, `method.request.querystring.key`, …) key the
    /// 5-minute cache of its answers, and a request without them is refused.
    #[track_caller]
    pub fn request_authorizer(
        &self,
        id: &str,
        function: &Function,
        identity_sources: &[&str],
    ) -> RestAuthorizer {
        let location = RustLocation::caller();
        const PREFIXES: &[&str] = &[
            "method.request.header.",
            "method.request.querystring.",
            "stageVariables.",
            "context.",
        ];
        if identity_sources.is_empty() {
            self.0.stack.error(
                location,
                "a REQUEST authorizer needs at least one identity source",
                Some("e.g. `method.request.header.Authorization`"),
            );
        }
        for source in identity_sources {
            if !PREFIXES
                .iter()
                .any(|p| source.starts_with(p) && source.len() > p.len())
            {
                self.0.stack.error(
                    location,
                    format!("`{source}` is not an identity source API Gateway knows"),
                    Some("use method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME"),
                );
            }
        }
        self.lambda_authorizer(
            id,
            function,
            RestAuthorizerKind::Request,
            identity_sources.join(", "),
            location,
        )
    }

    fn lambda_authorizer(
        &self,
        id: &str,
        function: &Function,
        kind: RestAuthorizerKind,
        identity_source: String,
        location: RustLocation,
    ) -> RestAuthorizer {
        let inner = &self.0;
        inner.stack.check_same_stack(function.resource(), location);
        let authorizer = ApiGatewayAuthorizer::new(
            inner.stack.physical_name(&format!("{}_{id}", inner.id)),
            inner.api.id(),
        )
        .type_(if kind == RestAuthorizerKind::Token {
            "TOKEN"
        } else {
            "REQUEST"
        })
        .authorizer_uri(function.alias_invoke_arn())
        .identity_source(identity_source)
        .authorizer_result_ttl_in_seconds(300);
        let handle = self.declare_authorizer(id, authorizer, kind, location);
        authorizer_invoke_permission(
            &inner.stack,
            function,
            self.execution_arn(),
            &handle.resource,
            &format!("AllowRestApi{}Authorizer{}", camel(&inner.id), camel(id)),
            location,
        );
        handle
    }

    fn declare_authorizer(
        &self,
        id: &str,
        authorizer: ApiGatewayAuthorizer,
        kind: RestAuthorizerKind,
        location: RustLocation,
    ) -> RestAuthorizer {
        let inner = &self.0;
        let resource =
            inner
                .stack
                .declare_typed(&format!("{}_{id}", inner.id), authorizer, location);
        let mut state = inner.state.borrow_mut();
        state.authorizers.push(resource.clone());
        state.deployed.push(resource.clone());
        RestAuthorizer { resource, kind }
    }

    /// The resource at `path` (`/`, `/orders`, `/orders/{orderId}`), creating every segment
    /// not created yet.
    #[track_caller]
    pub fn resource_path(&self, path: &str) -> ApiResource {
        let location = RustLocation::caller();
        let inner = &self.0;
        let root = || ApiResource {
            api: self.clone(),
            path: "/".into(),
            resource_id: inner.api.attr("root_resource_id"),
        };
        let segments = match parse_path(path) {
            Ok(s) => s,
            Err(why) => {
                inner.stack.error(
                    location,
                    format!("invalid resource path `{path}`: {why}"),
                    Some("write `/segment/{parameter}`: segments of letters, digits, `-`, `_`, `.`; `{name}` for a path parameter, `{proxy+}` (greedy) last"),
                );
                return root();
            }
        };
        let mut parent_id = inner.api.attr("root_resource_id");
        let mut current = String::new();
        for segment in &segments {
            current.push('/');
            current.push_str(segment);
            let existing = inner.state.borrow().resources.get(&current).cloned();
            parent_id = match existing {
                Some((_, id)) => id,
                None => {
                    let r = ApiGatewayResource::new(parent_id, segment.as_str(), inner.api.id());
                    let name = format!("{}_{}", inner.id, slug(&current));
                    let r = inner.stack.declare_typed(&name, r, location);
                    let id = r.id();
                    inner
                        .state
                        .borrow_mut()
                        .resources
                        .insert(current.clone(), (Some(r.clone()), id.clone()));
                    inner.state.borrow_mut().deployed.push(r);
                    id
                }
            };
        }
        if segments.is_empty() {
            return root();
        }
        ApiResource {
            api: self.clone(),
            path: current,
            resource_id: parent_id,
        }
    }

    fn record(&self, r: &ResourceRef) {
        self.0.state.borrow_mut().deployed.push(r.clone());
    }

    /// The role API Gateway assumes for service integrations (created on first use).
    fn integration_role(&self, location: RustLocation) -> Role {
        if let Some(r) = &self.0.state.borrow().integration_role {
            return r.clone();
        }
        let role = Role::create(
            &self.0.stack,
            &format!("{}_integrations", self.0.id),
            "apigateway.amazonaws.com",
            location,
        );
        self.0.state.borrow_mut().integration_role = Some(role.clone());
        role
    }
}

impl ApiResource {
    /// The path of this resource (`/orders/{orderId}`).
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The `id` of the `aws_api_gateway_resource` (or the API's root resource).
    pub fn resource_id(&self) -> &Expr {
        &self.resource_id
    }
    /// A method (`GET`, `POST`, …, `ANY`) on this resource calling `integration`; a
    /// `&Function` means a Lambda proxy integration.
    #[track_caller]
    pub fn method(&self, http_method: &str, integration: impl Into<Integration>) -> MethodBuilder {
        MethodBuilder {
            resource: self.clone(),
            http_method: http_method.to_ascii_uppercase(),
            integration: integration.into(),
            authorization: None,
            cache_ttl_seconds: None,
            query_parameters: Vec::new(),
            body_schema: None,
            throttle: None,
            location: RustLocation::caller(),
        }
    }
}

impl MethodBuilder {
    /// Callers sign requests with SigV4 and need `execute-api:Invoke` (see
    /// [`Method::grant_invoke`]).
    pub fn authorization_iam(self) -> Self {
        self.authorization(RestAuthorization::Iam)
    }
    /// Anyone may call this method, whatever the API's default.
    pub fn public(self) -> Self {
        self.authorization(RestAuthorization::Public)
    }
    /// This method's authorization (default: the API's, see
    /// [`RestApi::default_authorization`]).
    pub fn authorization(mut self, authorization: RestAuthorization) -> Self {
        self.authorization = Some(authorization);
        self
    }
    /// Caches responses for `seconds` (needs the API's cache cluster), keyed on every path
    /// and query parameter of the method.
    pub fn cache_ttl_seconds(mut self, seconds: i64) -> Self {
        self.cache_ttl_seconds = Some(seconds);
        self
    }
    /// A query string parameter the validator checks (required or not).
    pub fn query_parameter(mut self, name: &str, required: bool) -> Self {
        self.query_parameters.push((name.to_string(), required));
        self
    }
    /// A JSON schema (draft 4) the validator checks `application/json` bodies against.
    pub fn request_body_schema(mut self, json_schema: &str) -> Self {
        self.body_schema = Some(json_schema.to_string());
        self
    }
    /// Throttling of this method alone (requests per second and burst).
    pub fn throttle(mut self, rate_per_second: f64, burst: i64) -> Self {
        self.throttle = Some((rate_per_second, burst));
        self
    }

    /// Declares the method, its integration and what it needs (permission, role, model,
    /// responses, method settings).
    pub fn build(self) -> Method {
        let api = self.resource.api.clone();
        let inner = &api.0;
        let stack = &inner.stack;
        let loc = self.location;
        let path = self.resource.path.clone();
        let http_method = self.http_method.clone();
        let name = format!(
            "{}_{}_{}",
            inner.id,
            http_method.to_ascii_lowercase(),
            slug(&path)
        );
        self.validate(&name);
        inner
            .state
            .borrow_mut()
            .methods
            .push((path.clone(), http_method.clone()));

        // Request parameters: every path parameter (required) and the declared query ones.
        let mut parameters: Vec<(String, bool)> = path_parameters(&path)
            .into_iter()
            .map(|p| (format!("method.request.path.{p}"), true))
            .collect();
        parameters.extend(
            self.query_parameters
                .iter()
                .map(|(q, required)| (format!("method.request.querystring.{q}"), *required)),
        );
        let authorization = self.authorization.clone().unwrap_or_else(|| {
            inner
                .state
                .borrow()
                .default_authorization
                .clone()
                .unwrap_or(RestAuthorization::Public)
        });
        let (kind, authorizer, scopes) = self.authorization_parts(&authorization);
        let iam = kind == "AWS_IAM";
        let mut method = ApiGatewayMethod::new(
            kind,
            http_method.as_str(),
            self.resource.resource_id.clone(),
            inner.api.id(),
        )
        .request_validator_id(inner.validator.id());
        if let Some(authorizer) = authorizer {
            method = method.authorizer_id(authorizer);
        }
        if !scopes.is_empty() {
            method = method.authorization_scopes(scopes);
        }
        if !parameters.is_empty() {
            method = method.request_parameters(Expr::object(
                parameters
                    .iter()
                    .map(|(p, required)| (p.clone(), Expr::bool(*required)))
                    .collect(),
            ));
        }
        if let Some(schema) = &self.body_schema {
            let model = ApiGatewayModel::new(
                "application/json",
                format!("{}Body", camel(&name)),
                inner.api.id(),
            )
            .schema(schema.as_str());
            let model = stack.declare_typed(&name, model, loc);
            api.record(&model);
            method =
                method.request_models(Expr::object(vec![("application/json", model.name_attr())]));
        }
        let method_ref = stack.declare_typed(&name, method, loc);
        api.record(&method_ref);

        let integration_ref = match &self.integration {
            Integration::LambdaProxy(function) => {
                self.lambda_integration(&name, &method_ref, &parameters, function)
            }
            Integration::StartExecution { state_machine_arn } => {
                self.start_execution_integration(&name, &method_ref, state_machine_arn)
            }
        };
        api.record(&integration_ref);

        if self.cache_ttl_seconds.is_some() || self.throttle.is_some() {
            let (rate, burst) = self.throttle.unwrap_or(inner.throttle);
            let mut settings = base_settings(inner.log_level, rate, burst);
            if let Some(ttl) = self.cache_ttl_seconds {
                settings = settings
                    .caching_enabled(true)
                    .cache_ttl_in_seconds(ttl)
                    .cache_data_encrypted(true)
                    .require_authorization_for_cache_control(true);
            } else if inner.cache_enabled {
                settings = settings.caching_enabled(false);
            }
            let method_path = Expr::template(vec![
                TemplatePart::Literal(format!("{}/", path.trim_start_matches('/')).into()),
                TemplatePart::Interpolation(method_ref.attr("http_method")),
            ]);
            let s = ApiGatewayMethodSettings::new(
                method_path,
                inner.api.id(),
                inner.stage.attr("stage_name"),
                settings,
            );
            // Settings of one stage conflict when written concurrently: after `*/*`.
            stack.declare_typed_after(&name, s, &[&inner.all_settings], loc);
        }
        Method {
            api: api.clone(),
            method: method_ref,
            integration: integration_ref,
            http_method,
            path,
            iam,
        }
    }

    /// The method's `authorization`, authorizer ID and scopes, checked.
    fn authorization_parts(
        &self,
        authorization: &RestAuthorization,
    ) -> (&'static str, Option<Expr>, Vec<String>) {
        let inner = &self.resource.api.0;
        let stack = &inner.stack;
        match authorization {
            RestAuthorization::Public => ("NONE", None, Vec::new()),
            RestAuthorization::Iam => ("AWS_IAM", None, Vec::new()),
            RestAuthorization::Authorizer { authorizer, scopes } => {
                if !inner
                    .state
                    .borrow()
                    .authorizers
                    .contains(&authorizer.resource)
                {
                    stack.error(
                        self.location,
                        format!(
                            "`{}` is not an authorizer of REST API `{}`",
                            authorizer.resource.address(),
                            inner.id
                        ),
                        Some("a method uses an authorizer of its own API"),
                    );
                }
                let kind = match authorizer.kind {
                    RestAuthorizerKind::Cognito => "COGNITO_USER_POOLS",
                    RestAuthorizerKind::Token | RestAuthorizerKind::Request => {
                        if !scopes.is_empty() {
                            stack.error(
                                self.location,
                                "authorization scopes need a Cognito authorizer",
                                Some("a Lambda authorizer decides by itself; drop the scopes"),
                            );
                        }
                        "CUSTOM"
                    }
                };
                (kind, Some(authorizer.resource.id()), scopes.clone())
            }
        }
    }

    fn validate(&self, name: &str) {
        let api = &self.resource.api.0;
        let stack = &api.stack;
        let loc = self.location;
        if !METHODS.contains(&self.http_method.as_str()) {
            stack.error(
                loc,
                format!("unknown HTTP method `{}`", self.http_method),
                Some("use GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY"),
            );
        }
        if self.http_method == "OPTIONS" && api.cors.is_some() {
            stack.error(
                loc,
                format!(
                    "`OPTIONS {}` is answered by the API's CORS settings",
                    self.resource.path
                ),
                Some("remove the method, or the `.cors(…)` of the API"),
            );
        }
        let state = api.state.borrow();
        if state
            .methods
            .iter()
            .any(|(p, m)| *p == self.resource.path && *m == self.http_method)
        {
            stack.error(
                loc,
                format!(
                    "method `{} {}` is declared twice",
                    self.http_method, self.resource.path
                ),
                None,
            );
        }
        drop(state);
        if let Some(ttl) = self.cache_ttl_seconds {
            if !api.cache_enabled {
                stack.error(
                    loc,
                    format!("method `{name}` is cached but the API has no cache cluster"),
                    Some("add `.cache_cluster(\"0.5\")` to the API"),
                );
            }
            if !(0..=3600).contains(&ttl) {
                stack.error(
                    loc,
                    format!("cache TTL of {ttl} s is outside API Gateway's 0–3600 s"),
                    None,
                );
            }
        }
        if let Some((rate, burst)) = self.throttle {
            check_throttle(stack, loc, rate, burst);
        }
        if let Some(schema) = &self.body_schema {
            if serde_json::from_str::<serde_json::Value>(schema).is_err() {
                stack.error(loc, "the request body schema is not valid JSON", None);
            }
        }
    }

    fn lambda_integration(
        &self,
        name: &str,
        method: &ResourceRef,
        parameters: &[(String, bool)],
        function: &Function,
    ) -> ResourceRef {
        let api = &self.resource.api.0;
        let stack = &api.stack;
        let loc = self.location;
        stack.check_same_stack(function.resource(), loc);
        let invoke_arn = function.alias_invoke_arn();
        let mut integration = ApiGatewayIntegration::new(
            method.attr("http_method"),
            self.resource.resource_id.clone(),
            api.api.id(),
            "AWS_PROXY",
        )
        .integration_http_method("POST")
        .uri(invoke_arn);
        if self.cache_ttl_seconds.is_some() && !parameters.is_empty() {
            integration = integration.cache_key_parameters(
                parameters
                    .iter()
                    .map(|(p, _)| p.clone())
                    .collect::<Vec<_>>(),
            );
        }
        let integration_ref = stack.declare_typed(name, integration, loc);
        // Only this API, on this method and path (any stage), may invoke the function.
        let mut permission = LambdaPermission::new(
            "lambda:InvokeFunction",
            function.name(),
            "apigateway.amazonaws.com",
        )
        .source_arn(source_arn(
            api.api.attr("execution_arn"),
            "*",
            &self.http_method,
            &self.resource.path,
        ))
        .statement_id(format!("AllowRestApi{}", camel(name)));
        if let Some(alias) = &function.alias {
            permission = permission.qualifier(alias.attr("name"));
        }
        stack.declare_typed(name, permission, loc);
        integration_ref
    }

    fn start_execution_integration(
        &self,
        name: &str,
        method: &ResourceRef,
        state_machine_arn: &Expr,
    ) -> ResourceRef {
        let api = &self.resource.api;
        let inner = &api.0;
        let stack = &inner.stack;
        let loc = self.location;
        let role = api.integration_role(loc);
        role.allow_at(
            &format!("StartExecution{}", camel(name)),
            &["states:StartExecution"],
            vec![state_machine_arn.clone()],
            loc,
        );
        let partition = stack.partition_data(loc);
        let uri = Expr::template(vec![
            TemplatePart::Literal("arn:".into()),
            TemplatePart::Interpolation(partition.attr("partition")),
            TemplatePart::Literal(":apigateway:".into()),
            TemplatePart::Interpolation(Expr::var("region")),
            TemplatePart::Literal(":states:action/StartExecution".into()),
        ]);
        // The body is the execution input (escaped into a JSON string; `escapeJavaScript`
        // also escapes `'`, which JSON does not allow, hence the `replaceAll`); the request
        // ID names the execution, so a retried request cannot start it twice.
        let template = Expr::template(vec![
            TemplatePart::Literal(
                "{\"input\": \"$util.escapeJavaScript($input.json('$')).replaceAll(\"\\\\'\", \"'\")\", \"name\": \"$context.requestId\", \"stateMachineArn\": \"".into(),
            ),
            match state_machine_arn.as_str() {
                Some(literal) => TemplatePart::Literal(literal.to_string().into()),
                None => TemplatePart::Interpolation(state_machine_arn.clone()),
            },
            TemplatePart::Literal("\"}".into()),
        ]);
        let integration = ApiGatewayIntegration::new(
            method.attr("http_method"),
            self.resource.resource_id.clone(),
            inner.api.id(),
            "AWS",
        )
        .integration_http_method("POST")
        .uri(uri)
        .credentials(role.arn())
        .passthrough_behavior("NEVER")
        .request_templates(Expr::object(vec![("application/json", template)]));
        let integration_ref = stack.declare_typed(name, integration, loc);
        // 200 passes the execution ARN through; client and service errors keep their class.
        for (status, pattern) in [
            ("200", None),
            ("400", Some("4\\d{2}")),
            ("500", Some("5\\d{2}")),
        ] {
            let response = ApiGatewayMethodResponse::new(
                method.attr("http_method"),
                self.resource.resource_id.clone(),
                inner.api.id(),
                status,
            )
            .response_models(Expr::object(vec![(
                "application/json",
                Expr::string("Empty"),
            )]));
            let response_name = format!("{name}_{status}");
            let response = stack.declare_typed(&response_name, response, loc);
            let mut integration_response = ApiGatewayIntegrationResponse::new(
                integration_ref.attr("http_method"),
                integration_ref.attr("resource_id"),
                inner.api.id(),
                response.attr("status_code"),
            );
            if let Some(p) = pattern {
                integration_response = integration_response.selection_pattern(p);
            }
            let integration_response =
                stack.declare_typed(&response_name, integration_response, loc);
            api.record(&response);
            api.record(&integration_response);
        }
        integration_ref
    }
}

impl Method {
    /// The `aws_api_gateway_method`.
    pub fn resource(&self) -> &ResourceRef {
        &self.method
    }
    /// The `aws_api_gateway_integration`.
    pub fn integration(&self) -> &ResourceRef {
        &self.integration
    }
    pub fn http_method(&self) -> &str {
        &self.http_method
    }
    pub fn path(&self) -> &str {
        &self.path
    }
    /// `${execution_arn}/<stage>/<METHOD>/<path>`, path parameters as `*`: what
    /// `execute-api:Invoke` is granted on.
    pub fn invoke_arn(&self) -> Expr {
        source_arn(
            self.api.execution_arn(),
            self.api.stage_name(),
            &self.http_method,
            &self.path,
        )
    }
    /// Lets `grantee` call this method on this stage (an IAM-authorized method; an error
    /// otherwise: `execute-api:Invoke` would not be checked).
    #[track_caller]
    pub fn grant_invoke(&self, grantee: &impl Grantee) {
        let location = RustLocation::caller();
        let role = grantee.grantee_role();
        if !role.stack.check_same_stack(&self.method, location) {
            return;
        }
        if !self.iam {
            role.stack.error(
                location,
                format!(
                    "method `{} {}` is not IAM-authorized: `execute-api:Invoke` would not be checked",
                    self.http_method, self.path
                ),
                Some("build the method with `.authorization_iam()`"),
            );
            return;
        }
        role.allow_at(
            &format!("Invoke{}", camel(&self.method.name)),
            &["execute-api:Invoke"],
            vec![self.invoke_arn()],
            location,
        );
    }
}

impl RestApiBuilder {
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_string());
        self
    }
    /// The stage name (default: the environment's name).
    pub fn stage(mut self, name: &str) -> Self {
        self.stage = Some(name.to_string());
        self
    }
    /// Stage-wide throttling (`*/*`): steady requests per second and burst.
    pub fn throttle(mut self, rate_per_second: f64, burst: i64) -> Self {
        self.throttle_rate = rate_per_second;
        self.throttle_burst = burst;
        self
    }
    /// A stage cache cluster of `size_gb` (`"0.5"`, `"1.6"`, …); methods opt in with
    /// `.cache_ttl_seconds(…)`.
    pub fn cache_cluster(mut self, size_gb: &str) -> Self {
        self.cache_cluster_size = Some(size_gb.to_string());
        self
    }
    pub fn cors(mut self, cors: RestApiCors) -> Self {
        self.cors = Some(cors);
        self
    }
    /// Execution log level (default `Error`; request and response bodies are never logged).
    pub fn execution_logging(mut self, level: ExecutionLogLevel) -> Self {
        self.log_level = level;
        self
    }
    /// The account's API Gateway CloudWatch role (`aws_api_gateway_account`) is managed
    /// elsewhere (e.g. an account baseline): do not create it here.
    pub fn without_account_logging_role(mut self) -> Self {
        self.account_logging_role = false;
        self
    }

    pub fn build(self) -> RestApi {
        let stack = self.stack.clone();
        let loc = self.location;
        let name = stack.physical_name(&self.id);
        if let Some(size) = &self.cache_cluster_size {
            if !CACHE_SIZES.contains(&size.as_str()) {
                stack.error(
                    loc,
                    format!("`{size}` is not an API Gateway cache size"),
                    Some("use one of 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237 (GB)"),
                );
            }
        }
        check_throttle(&stack, loc, self.throttle_rate, self.throttle_burst);
        let mut api = ApiGatewayRestApi::new(name.as_str()).endpoint_configuration(
            ApiGatewayRestApiEndpointConfiguration::new(vec!["REGIONAL"]),
        );
        if let Some(d) = &self.description {
            api = api.description(d.as_str());
        }
        let api_ref = stack.declare_typed(&self.id, api, loc);
        let stage_name = self.stage.clone().unwrap_or_else(|| stack.env().name);

        let validator =
            ApiGatewayRequestValidator::new(format!("{name}-body-and-parameters"), api_ref.id())
                .validate_request_body(true)
                .validate_request_parameters(true);
        let validator = stack.declare_typed(&self.id, validator, loc);

        // Logging: the account's CloudWatch role, the access log group and the execution
        // log group (created here so it has a retention; API Gateway would create it
        // without one).
        let mut stage_after: Vec<ResourceRef> = Vec::new();
        if self.account_logging_role {
            stage_after.push(account_logging_role(&stack, loc));
        }
        let retention = stack.env().log_retention_days;
        let access_logs = LogGroup::create(
            &stack,
            &format!("{}_access_logs", self.id),
            Expr::string(format!("/aws/apigateway/{name}/{stage_name}")),
            retention,
            loc,
        );
        let execution_logs = LogGroup::create(
            &stack,
            &format!("{}_execution_logs", self.id),
            Expr::template(vec![
                TemplatePart::Literal("API-Gateway-Execution-Logs_".into()),
                TemplatePart::Interpolation(api_ref.id()),
                TemplatePart::Literal(format!("/{stage_name}").into()),
            ]),
            retention,
            loc,
        );
        stage_after.push(execution_logs.resource().clone());

        let mut stage = ApiGatewayStage::new(
            Expr::reference("aws_api_gateway_deployment", &[&self.id, "id"]),
            api_ref.id(),
            stage_name.as_str(),
        )
        .xray_tracing_enabled(true)
        .access_log_settings(ApiGatewayStageAccessLogSettings::new(
            access_logs.arn(),
            Expr::call("jsonencode", vec![access_log_format()]),
        ));
        if let Some(size) = &self.cache_cluster_size {
            stage = stage
                .cache_cluster_enabled(true)
                .cache_cluster_size(size.as_str());
        }
        let after: Vec<&ResourceRef> = stage_after.iter().collect();
        let stage_ref = stack.declare_typed_after(&self.id, stage, &after, loc);

        let mut settings = base_settings(self.log_level, self.throttle_rate, self.throttle_burst);
        if self.cache_cluster_size.is_some() {
            // Methods opt in to caching; nothing is cached by accident.
            settings = settings.caching_enabled(false);
        }
        let all_settings = ApiGatewayMethodSettings::new(
            "*/*",
            api_ref.id(),
            stage_ref.attr("stage_name"),
            settings,
        );
        let all_settings = stack.declare_typed(&format!("{}_all", self.id), all_settings, loc);

        let api = RestApi(Rc::new(Inner {
            stack: stack.clone(),
            id: self.id.clone(),
            name,
            api: api_ref,
            stage: stage_ref,
            stage_name,
            validator: validator.clone(),
            cors: self.cors.clone(),
            cache_enabled: self.cache_cluster_size.is_some(),
            throttle: (self.throttle_rate, self.throttle_burst),
            log_level: self.log_level,
            all_settings,
            state: RefCell::new(State::default()),
        }));
        api.record(&validator);
        if let Some(cors) = &self.cors {
            api.declare_cors_gateway_responses(cors, loc);
        }
        let handle = api.clone();
        stack.add_finalizer(Box::new(move |stack| {
            handle.declare_cors_preflights(stack, loc);
            handle.declare_deployment(stack, loc);
        }));
        api
    }
}

impl RestApi {
    /// CORS headers on API Gateway's own error responses (throttling, missing auth,
    /// validation), so browsers can read them.
    fn declare_cors_gateway_responses(&self, cors: &RestApiCors, location: RustLocation) {
        let inner = &self.0;
        for kind in ["DEFAULT_4XX", "DEFAULT_5XX"] {
            let response = ApiGatewayGatewayResponse::new(kind, inner.api.id())
                .response_parameters(Expr::object(vec![
                    (
                        "gatewayresponse.header.Access-Control-Allow-Origin",
                        cors.quoted_origin(),
                    ),
                    (
                        "gatewayresponse.header.Access-Control-Allow-Headers",
                        Expr::string(format!("'{}'", cors.allow_headers.join(","))),
                    ),
                ]));
            let r = inner.stack.declare_typed(
                &format!("{}_{}", inner.id, kind.to_ascii_lowercase()),
                response,
                location,
            );
            self.record(&r);
        }
    }

    /// One mock `OPTIONS` method per resource with methods, answering the preflight with
    /// the allowed origin, headers and the resource's methods.
    fn declare_cors_preflights(&self, stack: &Stack, location: RustLocation) {
        let inner = &self.0;
        let Some(cors) = &inner.cors else { return };
        let mut by_path: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (path, method) in inner.state.borrow().methods.iter() {
            by_path
                .entry(path.clone())
                .or_default()
                .push(method.clone());
        }
        for (path, mut methods) in by_path {
            let resource_id = match inner.state.borrow().resources.get(&path) {
                Some((_, id)) => id.clone(),
                None => inner.api.attr("root_resource_id"),
            };
            if methods.iter().any(|m| m == "ANY") {
                methods = vec!["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"]
                    .into_iter()
                    .map(String::from)
                    .collect();
            }
            methods.push("OPTIONS".into());
            methods.sort();
            methods.dedup();
            let name = format!("{}_options_{}", inner.id, slug(&path));
            let method =
                ApiGatewayMethod::new("NONE", "OPTIONS", resource_id.clone(), inner.api.id());
            let method = stack.declare_typed(&name, method, location);
            let integration = ApiGatewayIntegration::new(
                method.attr("http_method"),
                resource_id.clone(),
                inner.api.id(),
                "MOCK",
            )
            .request_templates(Expr::object(vec![(
                "application/json",
                Expr::string("{\"statusCode\": 200}"),
            )]));
            let integration = stack.declare_typed(&name, integration, location);
            let header = |h: &str| format!("method.response.header.{h}");
            let headers = [
                "Access-Control-Allow-Headers",
                "Access-Control-Allow-Methods",
                "Access-Control-Allow-Origin",
                "Access-Control-Max-Age",
            ];
            let response = ApiGatewayMethodResponse::new(
                method.attr("http_method"),
                resource_id.clone(),
                inner.api.id(),
                "200",
            )
            .response_parameters(Expr::object(
                headers
                    .iter()
                    .map(|h| (header(h), Expr::bool(true)))
                    .collect(),
            ));
            let response = stack.declare_typed(&name, response, location);
            let values = vec![
                (
                    header("Access-Control-Allow-Headers"),
                    Expr::string(format!("'{}'", cors.allow_headers.join(","))),
                ),
                (
                    header("Access-Control-Allow-Methods"),
                    Expr::string(format!("'{}'", methods.join(","))),
                ),
                (header("Access-Control-Allow-Origin"), cors.quoted_origin()),
                (
                    header("Access-Control-Max-Age"),
                    Expr::string(format!("'{}'", cors.max_age_seconds)),
                ),
            ];
            let integration_response = ApiGatewayIntegrationResponse::new(
                integration.attr("http_method"),
                integration.attr("resource_id"),
                inner.api.id(),
                response.attr("status_code"),
            )
            .response_parameters(Expr::object(values));
            let integration_response = stack.declare_typed(&name, integration_response, location);
            for r in [method, integration, response, integration_response] {
                self.record(&r);
            }
        }
    }

    /// The deployment the stage serves: replaced (created before the old one is destroyed)
    /// whenever any method, integration, response, model or resource changes.
    fn declare_deployment(&self, stack: &Stack, location: RustLocation) {
        let inner = &self.0;
        let state = inner.state.borrow();
        if state.methods.is_empty() {
            stack.error(
                location,
                format!("REST API `{}` has no methods", inner.id),
                Some("add one with `api.resource_path(\"/path\").method(\"GET\", &function).build()`"),
            );
            return;
        }
        let parts: Vec<Expr> = state
            .deployed
            .iter()
            .map(|r| Expr::reference(&r.resource_type, &[&r.name]))
            .collect();
        let triggers = Expr::object(vec![(
            "redeployment",
            Expr::call(
                "sha1",
                vec![Expr::call("jsonencode", vec![Expr::tuple(parts)])],
            ),
        )]);
        let deployment = ApiGatewayDeployment::new(inner.api.id())
            .description(
                "Managed by tfstack: replaced when the API's methods or integrations change",
            )
            .triggers(triggers);
        let mut block = Block::new(
            "resource",
            vec!["aws_api_gateway_deployment".into(), inner.id.clone()],
        );
        block.body = deployment.to_body();
        block
            .body
            .push_block(Block::new("lifecycle", vec![]).attr("create_before_destroy", true));
        stack.declare("resource", block, location);
    }
}

/// The account-level CloudWatch role of API Gateway and the setting that uses it, once per
/// stack. The role may write to API Gateway's execution log groups and to access log groups
/// under `/aws/apigateway/` of its account and region: it serves every REST API there,
/// whichever stack set it last.
fn account_logging_role(stack: &Stack, location: RustLocation) -> ResourceRef {
    let address = format!("aws_api_gateway_account.{ACCOUNT_RESOURCE}");
    let existing = stack.0.borrow().addresses.contains_key(&address);
    let account = ResourceRef {
        stack_id: stack.id(),
        kind: "resource",
        resource_type: "aws_api_gateway_account".into(),
        name: ACCOUNT_RESOURCE.into(),
    };
    if existing {
        return account;
    }
    let role_id = "api_gateway_cloudwatch";
    let role = Role::create(stack, role_id, "apigateway.amazonaws.com", location);
    // In the role's own account (from its ARN: no STS call at plan time) and region.
    let log_groups = |pattern: &str| {
        super::network::arn_in_role_account(
            stack,
            &role,
            "logs",
            &format!("log-group:{pattern}"),
            location,
        )
    };
    role.allow_at(
        "WriteApiGatewayLogs",
        &[
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:FilterLogEvents",
            "logs:GetLogEvents",
            "logs:PutLogEvents",
        ],
        vec![
            log_groups("API-Gateway-Execution-Logs_*"),
            log_groups("/aws/apigateway/*"),
        ],
        location,
    );
    role.allow_without_resource_level_at(
        "DescribeLogGroups",
        &["logs:DescribeLogGroups"],
        location,
    );
    let setting = ApiGatewayAccount::new().cloudwatch_role_arn(role.arn());
    // The role must be able to write before API Gateway accepts it.
    let policy = ResourceRef {
        stack_id: stack.id(),
        kind: "resource",
        resource_type: "aws_iam_role_policy".into(),
        name: role_id.into(),
    };
    stack.declare_typed_after(ACCOUNT_RESOURCE, setting, &[&policy], location)
}

/// The `*/*` (or per-method) settings every method shares.
fn base_settings(
    level: ExecutionLogLevel,
    rate: f64,
    burst: i64,
) -> ApiGatewayMethodSettingsSettings {
    ApiGatewayMethodSettingsSettings::new()
        .metrics_enabled(true)
        .logging_level(level.as_str())
        // Full request/response logging would put bodies (personal data) in the logs.
        .data_trace_enabled(false)
        .throttling_rate_limit(rate)
        .throttling_burst_limit(burst)
}

fn check_throttle(stack: &Stack, location: RustLocation, rate: f64, burst: i64) {
    if rate <= 0.0 || burst <= 0 {
        stack.error(
            location,
            format!("throttling of {rate} req/s, burst {burst} lets no request through"),
            Some("give a positive rate and burst"),
        );
    } else if (burst as f64) < rate.min(1.0) {
        stack.error(location, "throttling burst is below one request", None);
    }
}

/// `'<value>'`
fn quoted(value: Expr) -> Expr {
    match value.as_str() {
        Some(s) => Expr::string(format!("'{s}'")),
        None => Expr::template(vec![
            TemplatePart::Literal("'".into()),
            TemplatePart::Interpolation(value),
            TemplatePart::Literal("'".into()),
        ]),
    }
}

/// `${execution_arn}/<stage>/<METHOD>/<path>` with path parameters as `*` (and `ANY` as `*`).
fn source_arn(execution_arn: Expr, stage: &str, method: &str, path: &str) -> Expr {
    let method = if method == "ANY" { "*" } else { method };
    let path = path
        .split('/')
        .map(|seg| if seg.starts_with('{') { "*" } else { seg })
        .collect::<Vec<_>>()
        .join("/");
    Expr::template(vec![
        TemplatePart::Interpolation(execution_arn),
        TemplatePart::Literal(format!("/{stage}/{method}{path}").into()),
    ])
}

/// The segments of `/a/{b}`, checked.
fn parse_path(path: &str) -> Result<Vec<String>, &'static str> {
    if !path.starts_with('/') {
        return Err("it does not start with `/`");
    }
    if path == "/" {
        return Ok(Vec::new());
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    let last = segments.len() - 1;
    for (i, s) in segments.iter().enumerate() {
        if s.is_empty() {
            return Err("it has an empty segment");
        }
        let literal_ok = |t: &str| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if let Some(inner) = s.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let (name, greedy) = match inner.strip_suffix('+') {
                Some(n) => (n, true),
                None => (inner, false),
            };
            if greedy && i != last {
                return Err("a greedy `{name+}` parameter must be the last segment");
            }
            if !literal_ok(name) || name.contains('.') {
                return Err("a parameter name has characters other than letters, digits, `-`, `_`");
            }
        } else if !literal_ok(s) {
            return Err("a segment has characters other than letters, digits, `-`, `_`, `.`");
        }
    }
    Ok(segments.into_iter().map(String::from).collect())
}

/// The path parameters of `/orders/{orderId}` (`orderId`), greedy ones without `+`.
fn path_parameters(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|t| t.strip_suffix('}')))
        .map(|p| p.trim_end_matches('+').to_string())
        .collect()
}

/// `/orders/{orderId}` → `orders_orderid`; `/` → `root`.
fn slug(path: &str) -> String {
    super::naming::slug(path, "root")
}

/// The access log line: one JSON object per request.
fn access_log_format() -> Expr {
    Expr::object(vec![
        ("requestId", Expr::string("$context.requestId")),
        (
            "extendedRequestId",
            Expr::string("$context.extendedRequestId"),
        ),
        ("ip", Expr::string("$context.identity.sourceIp")),
        ("caller", Expr::string("$context.identity.caller")),
        ("requestTime", Expr::string("$context.requestTime")),
        ("httpMethod", Expr::string("$context.httpMethod")),
        ("resourcePath", Expr::string("$context.resourcePath")),
        ("status", Expr::string("$context.status")),
        ("protocol", Expr::string("$context.protocol")),
        ("responseLength", Expr::string("$context.responseLength")),
        ("responseLatency", Expr::string("$context.responseLatency")),
        (
            "integrationError",
            Expr::string("$context.integrationErrorMessage"),
        ),
        ("xrayTraceId", Expr::string("$context.xrayTraceId")),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::{Code, Runtime};
    use crate::environment::Environment;

    fn function(stack: &Stack) -> Function {
        Function::new(
            stack,
            "orders",
            Runtime::Python312,
            "handler.handler",
            Code::directory("functions/orders"),
        )
        .build()
    }

    fn attr_text(stack: &Stack, address: &str, attribute: &str) -> Option<String> {
        let s = stack.0.borrow();
        s.blocks
            .iter()
            .find(|b| b.address() == address)
            .and_then(|b| b.body.get(attribute).map(|e| e.to_string()))
    }

    #[test]
    fn paths_are_checked_and_slugged() {
        assert_eq!(parse_path("/").unwrap(), Vec::<String>::new());
        assert_eq!(
            parse_path("/orders/{orderId}").unwrap(),
            vec!["orders".to_string(), "{orderId}".to_string()]
        );
        assert!(parse_path("orders").is_err());
        assert!(parse_path("/orders//x").is_err());
        assert!(parse_path("/{proxy+}/x").is_err());
        assert!(parse_path("/a b").is_err());
        assert_eq!(slug("/orders/{orderId}"), "orders_orderid");
        assert_eq!(slug("/"), "root");
        assert_eq!(path_parameters("/a/{b}/{c+}"), vec!["b", "c"]);
    }

    #[test]
    fn lambda_permission_is_scoped_to_method_and_path() {
        let stack = Stack::new("shop", Environment::dev());
        let f = function(&stack);
        let api = RestApi::new(&stack, "api").cache_cluster("0.5").build();
        api.resource_path("/orders/{orderId}")
            .method("GET", &f)
            .cache_ttl_seconds(300)
            .build();
        assert_eq!(
            attr_text(
                &stack,
                "aws_lambda_permission.api_get_orders_orderid",
                "source_arn"
            )
            .as_deref(),
            Some("\"${aws_api_gateway_rest_api.api.execution_arn}/*/GET/orders/*\"")
        );
        assert_eq!(
            attr_text(
                &stack,
                "aws_api_gateway_integration.api_get_orders_orderid",
                "cache_key_parameters"
            )
            .as_deref(),
            Some("[\"method.request.path.orderId\"]")
        );
        // Both segments exist once.
        assert!(attr_text(&stack, "aws_api_gateway_resource.api_orders", "path_part").is_some());
        let out = stack.finish().expect("valid stack");
        assert!(out
            .config
            .resource("aws_api_gateway_deployment", "api")
            .is_some());
        assert!(out
            .config
            .resource("aws_api_gateway_method_settings", "api_get_orders_orderid")
            .is_some());
    }

    #[test]
    fn start_execution_role_is_scoped_to_the_state_machine() {
        let stack = Stack::new("sync", Environment::prod());
        let api = RestApi::new(&stack, "api").build();
        let sm = Expr::string("arn:aws:states:us-east-1:123456789012:stateMachine:sync");
        let m = api
            .resource_path("/sync")
            .method("POST", Integration::start_execution(sm))
            .authorization_iam()
            .build();
        assert_eq!(
            m.invoke_arn().to_string(),
            "\"${aws_api_gateway_rest_api.api.execution_arn}/prod/POST/sync\""
        );
        let role = Role::for_service(&stack, "caller", "lambda.amazonaws.com");
        m.grant_invoke(&role);
        let out = stack.finish().expect("valid stack");
        let integration = out
            .config
            .resource("aws_api_gateway_integration", "api_post_sync")
            .expect("integration");
        let templates = integration
            .body
            .get("request_templates")
            .expect("templates")
            .to_string();
        assert!(
            templates.contains("$util.escapeJavaScript($input.json('$')).replaceAll(")
                && templates.contains("\\\"stateMachineArn\\\": \\\"arn:aws:states:"),
            "{templates}"
        );
        let Some(crate::constructs::StackFile::Text { text, .. }) =
            out.files.get("policies/sync-prod-caller-policy.json")
        else {
            panic!("caller policy")
        };
        assert!(
            text.contains(
                "\"Resource\": \"${api_gateway_rest_api_api_execution_arn}/prod/POST/sync\""
            ),
            "{text}"
        );
        let policy = out
            .files
            .get("policies/sync-prod-api-integrations-policy.json")
            .expect("integration role policy");
        let crate::constructs::StackFile::Text { text, .. } = policy else {
            panic!("text file")
        };
        assert!(text.contains("\"Action\": \"states:StartExecution\""));
        assert!(text
            .contains("\"Resource\": \"arn:aws:states:us-east-1:123456789012:stateMachine:sync\""));
        let method = out
            .config
            .resource("aws_api_gateway_method", "api_post_sync")
            .expect("method");
        assert_eq!(
            method.body.get("authorization").and_then(Expr::as_str),
            Some("AWS_IAM")
        );
    }

    #[test]
    fn methods_take_the_default_authorization_or_their_own() {
        let stack = Stack::new("shop", Environment::prod());
        let f = function(&stack);
        let check = Function::new(
            &stack,
            "check",
            Runtime::Python312,
            "check.handler",
            Code::directory("functions/check"),
        )
        .build();
        let api = RestApi::new(&stack, "api").build();
        let pool = crate::constructs::UserPool::new(&stack, "users").build();
        let users = api.cognito_authorizer("users", &[&pool]);
        let token = api.token_authorizer("partners", &check);
        let request =
            api.request_authorizer("tenants", &check, &["method.request.header.X-Tenant"]);
        api.resource_path("/health").method("GET", &f).build();
        api.default_authorization(users.authorization());
        let orders = api.resource_path("/orders");
        orders.method("GET", &f).build();
        orders
            .method("POST", &f)
            .authorization(users.with_scopes(&["orders/write"]))
            .build();
        orders
            .method("PUT", &f)
            .authorization(token.authorization())
            .build();
        orders
            .method("PATCH", &f)
            .authorization(request.authorization())
            .build();
        let delete = orders.method("DELETE", &f).public().build();
        delete.grant_invoke(&Role::for_service(&stack, "r", "lambda.amazonaws.com"));
        let errors = stack.finish().expect_err("grant on a public method");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].message.contains("is not IAM-authorized"),
            "{errors:?}"
        );

        let stack = Stack::new("shop", Environment::prod());
        let f = function(&stack);
        let api = RestApi::new(&stack, "api").build();
        let pool = crate::constructs::UserPool::new(&stack, "users").build();
        let users = api.cognito_authorizer("users", &[&pool]);
        api.default_authorization(users.authorization());
        api.resource_path("/orders").method("GET", &f).build();
        let out = stack.finish().expect("valid");
        assert_eq!(
            attr_of(
                &out,
                "aws_api_gateway_method",
                "api_get_orders",
                "authorization"
            )
            .as_deref(),
            Some("\"COGNITO_USER_POOLS\"")
        );
        assert_eq!(
            attr_of(
                &out,
                "aws_api_gateway_authorizer",
                "api_users",
                "provider_arns"
            )
            .as_deref(),
            Some("[aws_cognito_user_pool.users.arn]")
        );
        let triggers =
            attr_of(&out, "aws_api_gateway_deployment", "api", "triggers").unwrap_or_default();
        assert!(
            triggers.contains("aws_api_gateway_authorizer.api_users"),
            "{triggers}"
        );
    }

    /// A stack with a REST API whose `GET /x` a token authorizer checks.
    fn token_authorized() -> (Stack, RestApi, Function) {
        let stack = Stack::new("shop", Environment::dev());
        let f = function(&stack);
        let api = RestApi::new(&stack, "api").build();
        let token = api.token_authorizer("partners", &f);
        api.resource_path("/x")
            .method("GET", &f)
            .authorization(token.authorization())
            .build();
        (stack, api, f)
    }

    #[test]
    fn lambda_authorizers_get_a_permission_for_that_authorizer_only() {
        let (stack, _, _) = token_authorized();
        let out = stack.finish().expect("valid");
        assert_eq!(
            attr_of(&out, "aws_lambda_permission", "api_partners", "source_arn").as_deref(),
            Some("\"${aws_api_gateway_rest_api.api.execution_arn}/authorizers/${aws_api_gateway_authorizer.api_partners.id}\"")
        );
        assert_eq!(
            attr_of(&out, "aws_api_gateway_method", "api_get_x", "authorization").as_deref(),
            Some("\"CUSTOM\"")
        );
    }

    #[test]
    fn an_unknown_identity_source_is_an_error() {
        let (stack, api, f) = token_authorized();
        let _ = api.request_authorizer("bad", &f, &["header.X"]);
        let errors = stack.finish().expect_err("bad identity source");
        assert!(errors[0]
            .message
            .contains("`header.X` is not an identity source"));
    }

    fn attr_of(out: &crate::constructs::StackOutput, t: &str, n: &str, a: &str) -> Option<String> {
        out.config
            .resource(t, n)
            .and_then(|b| b.body.get(a))
            .map(|e| e.to_string())
    }

    #[test]
    fn mistakes_are_errors_at_the_call() {
        let stack = Stack::new("bad", Environment::dev());
        let f = function(&stack);
        let api = RestApi::new(&stack, "api").cache_cluster("2").build();
        api.resource_path("orders").method("GET", &f).build();
        api.resource_path("/x")
            .method("FETCH", &f)
            .cache_ttl_seconds(10)
            .build();
        let errors = stack.finish().expect_err("errors");
        let text: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
        assert!(
            text.iter()
                .any(|m| m.contains("not an API Gateway cache size")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|m| m.contains("invalid resource path")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|m| m.contains("unknown HTTP method")),
            "{text:?}"
        );
        assert!(errors.iter().all(|e| e.location.is_some()));
    }
}
