use super::shared::rest_api_key;
use crate::{declare_rule, Finding, Rule};
use std::collections::BTreeMap;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_model::{Block, Origin, Value};

declare_rule! {
    /// ## What it does
    /// Flags CORS that allows every origin together with credentials:
    ///
    /// - an `aws_apigatewayv2_api` whose `cors_configuration` has `allow_credentials = true`
    ///   and `"*"` among `allow_origins`;
    /// - in a REST API, an `aws_api_gateway_integration_response` or
    ///   `aws_api_gateway_gateway_response` that sets the `Access-Control-Allow-Origin`
    ///   header to `'*'`, when a response of the same API (the same `rest_api_id`) sets
    ///   `Access-Control-Allow-Credentials` to `'true'`.
    ///
    /// ## Why is this bad?
    /// Browsers refuse a credentialed response whose `Access-Control-Allow-Origin` is `*`,
    /// so the configuration does not do what it says: cookie- or token-carrying requests
    /// from the front end fail (preflights included), and the usual "fix" — echoing the
    /// caller's `Origin` back — lets any website make authenticated requests on a logged-in
    /// user's behalf. HTTP APIs reject the combination when it is applied.
    ///
    /// ## What it deliberately does not flag
    /// - `*` without credentials (a public, anonymous API), or credentials with named
    ///   origins.
    /// - Headers set by the function itself (Lambda proxy integrations): they are in code,
    ///   not in the configuration.
    /// - REST API responses whose `rest_api_id` it cannot know, values it cannot evaluate,
    ///   and resources with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_apigatewayv2_api" "orders" {
    ///   name          = "orders"
    ///   protocol_type = "HTTP"
    ///
    ///   cors_configuration {
    ///     allow_origins     = ["*"]
    ///     allow_methods     = ["GET", "POST"]
    ///     allow_credentials = true
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_apigatewayv2_api" "orders" {
    ///   name          = "orders"
    ///   protocol_type = "HTTP"
    ///
    ///   cors_configuration {
    ///     allow_origins     = ["https://app.example.com"]
    ///     allow_methods     = ["GET", "POST"]
    ///     allow_credentials = true
    ///   }
    /// }
    /// ```
    pub struct ApigwCorsWildcardWithCredentials {
        id: "APIGW005",
        name: "apigw-cors-wildcard-with-credentials",
        severity: Error,
    }
}

/// REST API response resources whose `response_parameters` hold header values.
const RESPONSES: &[&str] = &[
    "aws_api_gateway_integration_response",
    "aws_api_gateway_gateway_response",
];

/// A response header of a REST API response: (response, value).
struct Header<'m> {
    response: &'m Block,
    value: Value,
}

impl Rule for ApigwCorsWildcardWithCredentials {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for api in cx.resources("aws_apigatewayv2_api") {
            if !exists(cx, api) {
                continue;
            }
            for cors in api.body.blocks_of("cors_configuration") {
                let credentials = cors
                    .body
                    .get("allow_credentials")
                    .map(|e| cx.value(e))
                    .and_then(|v| v.as_bool());
                if credentials != Some(true) {
                    continue;
                }
                let Some(origins) = cors.body.attribute("allow_origins") else {
                    continue;
                };
                let value = cx.value(&origins.value);
                if let Some(star) = value
                    .one_or_many()
                    .into_iter()
                    .find(|o| o.as_str() == Some("*"))
                {
                    let origin = star.origin.or(value.origin).or(origins.origin);
                    out.push(http_api_finding(api, origin));
                }
            }
        }
        // REST APIs: headers grouped by API.
        let mut any_origin: BTreeMap<String, Vec<Header>> = BTreeMap::new();
        let mut credentials: BTreeMap<String, &Block> = BTreeMap::new();
        for resource_type in RESPONSES {
            for response in cx.resources(resource_type) {
                if !exists(cx, response) {
                    continue;
                }
                let Some(api) = response
                    .body
                    .get("rest_api_id")
                    .and_then(|e| rest_api_key(cx, e))
                else {
                    continue;
                };
                let Some(parameters) = cx.attr(response, "response_parameters") else {
                    continue;
                };
                let Some(parameters) = parameters.as_object() else {
                    continue;
                };
                for (name, value) in parameters {
                    let header = name.rsplit('.').next().unwrap_or(name);
                    let static_value = value.as_str().map(str::trim);
                    if header.eq_ignore_ascii_case("Access-Control-Allow-Origin")
                        && static_value == Some("'*'")
                    {
                        any_origin.entry(api.clone()).or_default().push(Header {
                            response,
                            value: value.clone(),
                        });
                    } else if header.eq_ignore_ascii_case("Access-Control-Allow-Credentials")
                        && static_value.is_some_and(|v| v.eq_ignore_ascii_case("'true'"))
                    {
                        credentials.entry(api.clone()).or_insert(response);
                    }
                }
            }
        }
        for (api, headers) in any_origin {
            let Some(with_credentials) = credentials.get(&api) else {
                continue;
            };
            for header in headers {
                out.push(rest_api_finding(
                    cx,
                    header.response,
                    with_credentials,
                    header.value.origin,
                ));
            }
        }
    }
}

fn http_api_finding(api: &Block, origin: Origin) -> Finding {
    Finding::new(
        &ApigwCorsWildcardWithCredentials::META,
        format!(
            "CORS of `{}` allows every origin (`*`) together with `allow_credentials = true`",
            api.address()
        ),
    )
    .at(origin.or(api.origin))
    .label("any origin, with credentials")
    .help(
        "list the front-end origins in `allow_origins` (e.g. `https://app.example.com`), or \
               set `allow_credentials = false` if the API is public",
    )
    .resource(api.address())
    .attribute("cors_configuration.allow_origins")
}

fn rest_api_finding(
    cx: &Context,
    response: &Block,
    with_credentials: &Block,
    origin: Origin,
) -> Finding {
    let same = response.address() == with_credentials.address();
    let credentials = if same {
        "in the same response".to_string()
    } else {
        format!("and `{}` allows credentials", with_credentials.address())
    };
    Finding::new(
        &ApigwCorsWildcardWithCredentials::META,
        format!(
            "`{}` sets `Access-Control-Allow-Origin` to `'*'` {credentials}: browsers reject \
             credentialed responses for any origin",
            response.address()
        ),
    )
    .at(origin.or(cx.origin_of(response, "response_parameters")))
    .label("any origin, with credentials")
    .help(
        "answer with the front end's origin (e.g. `'https://app.example.com'`), or stop \
               sending `Access-Control-Allow-Credentials` if the API is public",
    )
    .resource(response.address())
    .attribute("response_parameters")
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "APIGW005";

    fn addresses(text: &str) -> Vec<String> {
        lint_hcl(RULE, text)
            .into_iter()
            .filter_map(|f| f.resource)
            .collect()
    }

    /// An HTTP API with a CORS configuration.
    fn http_api(name: &str, origins: &str, credentials: &str) -> String {
        format!(
            r#"
resource "aws_apigatewayv2_api" "{name}" {{
  name          = "{name}"
  protocol_type = "HTTP"
  cors_configuration {{
    allow_origins     = {origins}
    allow_methods     = ["GET", "POST"]
    allow_credentials = {credentials}
  }}
}}
"#
        )
    }

    /// A REST API with one method's integration response setting `params`, and an
    /// OPTIONS method's setting `preflight`.
    fn rest_api(params: &str, preflight: &str) -> String {
        format!(
            r#"
resource "aws_api_gateway_rest_api" "shop" {{
  name = "shop"
}}
resource "aws_api_gateway_integration_response" "get" {{
  rest_api_id = aws_api_gateway_rest_api.shop.id
  resource_id = aws_api_gateway_rest_api.shop.root_resource_id
  http_method = "GET"
  status_code = "200"
  response_parameters = {{
{params}  }}
}}
resource "aws_api_gateway_integration_response" "options" {{
  rest_api_id = aws_api_gateway_rest_api.shop.id
  resource_id = aws_api_gateway_rest_api.shop.root_resource_id
  http_method = "OPTIONS"
  status_code = "200"
  response_parameters = {{
{preflight}  }}
}}
"#
        )
    }

    const ANY_ORIGIN: &str =
        "    \"method.response.header.Access-Control-Allow-Origin\" = \"'*'\"\n";
    const APP_ORIGIN: &str = "    \"method.response.header.Access-Control-Allow-Origin\" = \"'https://app.example.com'\"\n";
    const CREDENTIALS: &str =
        "    \"method.response.header.Access-Control-Allow-Credentials\" = \"'true'\"\n";

    #[test]
    fn fires_on_any_origin_with_credentials() {
        let cases: &[(&str, String, &[&str])] = &[
            (
                "HTTP API",
                http_api("orders", "[\"*\"]", "true"),
                &["aws_apigatewayv2_api.orders"],
            ),
            (
                "HTTP API, star among origins",
                http_api("orders", "[\"https://app.example.com\", \"*\"]", "true"),
                &["aws_apigatewayv2_api.orders"],
            ),
            (
                "REST API, same response",
                rest_api(&format!("{ANY_ORIGIN}{CREDENTIALS}"), ""),
                &["aws_api_gateway_integration_response.get"],
            ),
            (
                "REST API, preflight says credentials, method says any origin",
                rest_api(ANY_ORIGIN, &format!("{APP_ORIGIN}{CREDENTIALS}")),
                &["aws_api_gateway_integration_response.get"],
            ),
            (
                "REST API, gateway response",
                format!(
                    "{}\nresource \"aws_api_gateway_gateway_response\" \"unauthorized\" {{\n  rest_api_id   = aws_api_gateway_rest_api.shop.id\n  response_type = \"UNAUTHORIZED\"\n  response_parameters = {{\n    \"gatewayresponse.header.Access-Control-Allow-Origin\" = \"'*'\"\n  }}\n}}\n",
                    rest_api(APP_ORIGIN, CREDENTIALS)
                ),
                &["aws_api_gateway_gateway_response.unauthorized"],
            ),
        ];
        for (name, text, expected) in cases {
            assert_eq!(addresses(text), *expected, "{name}");
        }
    }

    #[test]
    fn quiet_on_precision_cases() {
        let cases: &[(&str, String)] = &[
            ("any origin, no credentials", http_api("a", "[\"*\"]", "false")),
            (
                "credentials, named origin",
                http_api("b", "[\"https://app.example.com\"]", "true"),
            ),
            (
                "unknown credentials",
                format!(
                    "variable \"credentials\" {{\n  type = bool\n}}\n{}",
                    http_api("c", "[\"*\"]", "var.credentials")
                ),
            ),
            ("REST API, any origin only", rest_api(ANY_ORIGIN, ANY_ORIGIN)),
            (
                "REST API, credentials with a named origin",
                rest_api(&format!("{APP_ORIGIN}{CREDENTIALS}"), APP_ORIGIN),
            ),
            (
                "another API's credentials",
                format!(
                    "{}\nresource \"aws_api_gateway_rest_api\" \"admin\" {{\n  name = \"admin\"\n}}\nresource \"aws_api_gateway_integration_response\" \"admin\" {{\n  rest_api_id = aws_api_gateway_rest_api.admin.id\n  resource_id = \"r\"\n  http_method = \"GET\"\n  status_code = \"200\"\n  response_parameters = {{\n{CREDENTIALS}  }}\n}}\n",
                    rest_api(ANY_ORIGIN, ANY_ORIGIN)
                ),
            ),
            (
                "method responses declare headers, they do not set them",
                format!(
                    "{}\nresource \"aws_api_gateway_method_response\" \"get\" {{\n  rest_api_id = aws_api_gateway_rest_api.shop.id\n  resource_id = \"r\"\n  http_method = \"GET\"\n  status_code = \"200\"\n  response_parameters = {{\n    \"method.response.header.Access-Control-Allow-Origin\"      = true\n    \"method.response.header.Access-Control-Allow-Credentials\" = true\n  }}\n}}\n",
                    rest_api(APP_ORIGIN, "")
                ),
            ),
        ];
        for (name, text) in cases {
            let found = addresses(text);
            assert!(found.is_empty(), "{name}: {found:?}");
        }
    }

    #[test]
    fn tfvars_decide() {
        let main = format!(
            "variable \"cors_origins\" {{\n  type    = list(string)\n  default = [\"https://app.example.com\"]\n}}\n{}",
            http_api("orders", "var.cors_origins", "true")
        );
        assert!(lint_files_with(RULE, &[("main.tf", &main)], None).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", &main),
                ("terraform.tfvars", "cors_origins = [\"*\"]\n"),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.path, "terraform.tfvars");
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_apigatewayv2_api" "orders" {
  name          = "orders"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins     = ["*"]
    allow_methods     = ["GET", "POST"]
    allow_credentials = true
  }
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
