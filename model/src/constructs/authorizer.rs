//! What the API Gateway authorizers of [`super::HttpApi`] and [`super::RestApi`] share: the
//! authorization of a route or method, the authorizer handle, and the invoke permission of a
//! Lambda authorizer.

use super::function::Function;
use super::stack::{ResourceRef, Stack};
use crate::ir::{Expr, TemplatePart};
use crate::l1::resources::LambdaPermission;
use crate::origin::RustLocation;

/// Lets the API whose execution ARN is `execution_arn` invoke `function` as the authorizer
/// `authorizer` only (`source_arn` = `<execution arn>/authorizers/<authorizer id>`).
pub(crate) fn authorizer_invoke_permission(
    stack: &Stack,
    function: &Function,
    execution_arn: Expr,
    authorizer: &ResourceRef,
    statement_id: &str,
    location: RustLocation,
) -> ResourceRef {
    let mut permission = LambdaPermission::new(
        "lambda:InvokeFunction",
        function.name(),
        "apigateway.amazonaws.com",
    )
    .source_arn(Expr::template(vec![
        TemplatePart::Interpolation(execution_arn),
        TemplatePart::Literal("/authorizers/".into()),
        TemplatePart::Interpolation(authorizer.id()),
    ]))
    .statement_id(statement_id);
    if let Some(alias) = &function.alias {
        permission = permission.qualifier(alias.attr("name"));
    }
    stack.declare_typed(&authorizer.name, permission, location)
}

/// How the callers of a route (HTTP API) or method (REST API) prove who they are; `K` is
/// the API's kind of authorizer ([`super::HttpAuthorizerKind`], [`super::RestAuthorizerKind`]).
#[derive(Clone, Debug)]
pub enum Authorization<K> {
    /// Anyone may call: APIGW002 reports it (suppress it with the reason where that is the
    /// point, e.g. a health check).
    Public,
    /// SigV4-signed requests of IAM principals granted `execute-api:Invoke`.
    Iam,
    /// An authorizer of the API; `scopes` only for token authorizers that check scopes
    /// (JWT on HTTP APIs, Cognito on REST APIs).
    Authorizer {
        authorizer: Authorizer<K>,
        scopes: Vec<String>,
    },
}

/// A declared authorizer of an API.
#[derive(Clone, Debug)]
pub struct Authorizer<K> {
    pub(crate) resource: ResourceRef,
    pub(crate) kind: K,
}

impl<K: Copy> Authorizer<K> {
    /// The `aws_apigatewayv2_authorizer` or `aws_api_gateway_authorizer`.
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
    pub fn kind(&self) -> K {
        self.kind
    }
    /// Authorized by this authorizer.
    pub fn authorization(&self) -> Authorization<K> {
        Authorization::Authorizer {
            authorizer: self.clone(),
            scopes: Vec::new(),
        }
    }
    /// Authorized by this authorizer for tokens with one of `scopes`.
    pub fn with_scopes(&self, scopes: &[&str]) -> Authorization<K> {
        Authorization::Authorizer {
            authorizer: self.clone(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl<K: Copy> From<&Authorizer<K>> for Authorization<K> {
    fn from(authorizer: &Authorizer<K>) -> Self {
        authorizer.authorization()
    }
}
