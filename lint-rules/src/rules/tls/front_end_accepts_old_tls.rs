use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::references::nested_origin;
use tfstack_lint_engine::query::settings::{setting, Setting};
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags a front end that accepts TLS older than 1.2 from its clients:
    ///
    /// - an `aws_api_gateway_domain_name` with `security_policy = "TLS_1_0"`;
    /// - an `aws_cloudfront_distribution` with its own certificate (`acm_certificate_arn` or
    ///   `iam_certificate_id`) whose `viewer_certificate` sets `minimum_protocol_version`
    ///   below `TLSv1.2_2021` (`SSLv3`, `TLSv1`, `TLSv1_2016`, `TLSv1.1_2016`,
    ///   `TLSv1.2_2018`, `TLSv1.2_2019`), or leaves it unset (the provider's default is
    ///   `TLSv1`).
    ///
    /// ## Why is this bad?
    /// TLS 1.0 and 1.1 are deprecated (RFC 8996): their handshakes and cipher suites have
    /// known weaknesses, and PCI DSS and most compliance regimes forbid them. A front end
    /// that still accepts them lets a client — or an attacker in the middle forcing a
    /// downgrade — use them. CloudFront's `TLSv1.2_2018` and `TLSv1.2_2019` policies take
    /// only TLS 1.2 but keep CBC cipher suites that `TLSv1.2_2021` drops (CloudFront
    /// developer guide, "Supported protocols and ciphers between viewers and CloudFront").
    /// API Gateway's `TLS_1_2` policy accepts TLS 1.2 and later only.
    ///
    /// ## What it deliberately does not flag
    /// - A distribution on CloudFront's default certificate (`cloudfront_default_certificate
    ///   = true`, the `*.cloudfront.net` name): CloudFront then sets the policy to `TLSv1`
    ///   whatever is written, and only a custom domain with its own certificate can raise it.
    /// - `aws_api_gateway_domain_name` without `security_policy`, and HTTP API domains
    ///   (`aws_apigatewayv2_domain_name` accepts `TLS_1_2` only).
    /// - Values it cannot know before apply, newer policy names it does not know, and
    ///   resources with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_api_gateway_domain_name" "api" {
    ///   domain_name              = "api.example.com"
    ///   regional_certificate_arn = aws_acm_certificate.api.arn
    ///   security_policy          = "TLS_1_0"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_api_gateway_domain_name" "api" {
    ///   domain_name              = "api.example.com"
    ///   regional_certificate_arn = aws_acm_certificate.api.arn
    ///   security_policy          = "TLS_1_2"
    /// }
    /// ```
    pub struct FrontEndAcceptsOldTls {
        id: "TLS001",
        name: "front-end-accepts-old-tls",
        severity: Warning,
    }
}

/// CloudFront viewer security policies below `TLSv1.2_2021`.
const OLD_CLOUDFRONT_POLICIES: &[&str] = &[
    "SSLv3",
    "TLSv1",
    "TLSv1_2016",
    "TLSv1.1_2016",
    "TLSv1.2_2018",
    "TLSv1.2_2019",
];

/// The provider's `minimum_protocol_version` when it is not written.
const CLOUDFRONT_DEFAULT_POLICY: &str = "TLSv1";

impl Rule for FrontEndAcceptsOldTls {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for domain in cx.resources("aws_api_gateway_domain_name") {
            if !exists(cx, domain) {
                continue;
            }
            if let Setting::Known { value, origin } = setting(cx, domain, &["security_policy"]) {
                if value.as_str() == Some("TLS_1_0") {
                    out.push(finding(domain, "security_policy", Policy::Written("TLS_1_0"), origin));
                }
            }
        }
        for distribution in cx.resources("aws_cloudfront_distribution") {
            if !exists(cx, distribution) {
                continue;
            }
            let certificate = |name: &str| {
                setting(cx, distribution, &["viewer_certificate", name])
            };
            if certificate("cloudfront_default_certificate").bool_or(false) != Some(false) {
                continue;
            }
            let own = certificate("acm_certificate_arn").is_set()
                || certificate("iam_certificate_id").is_set();
            if !own {
                continue;
            }
            let attribute = "viewer_certificate.minimum_protocol_version";
            match certificate("minimum_protocol_version") {
                Setting::Unset => out.push(finding(
                    distribution,
                    attribute,
                    Policy::Default(CLOUDFRONT_DEFAULT_POLICY),
                    nested_origin(distribution, "viewer_certificate"),
                )),
                Setting::Known { value, origin } => {
                    if let Some(policy) = value
                        .as_str()
                        .filter(|p| OLD_CLOUDFRONT_POLICIES.contains(p))
                    {
                        out.push(finding(distribution, attribute, Policy::Written(policy), origin));
                    }
                }
                Setting::Unknown => {}
            }
        }
    }
}

/// The security policy a front end ends up with.
enum Policy<'a> {
    /// Written in the configuration.
    Written(&'a str),
    /// The provider's, as the setting is not written.
    Default(&'a str),
}

fn finding(resource: &Block, attribute: &str, policy: Policy, origin: Origin) -> Finding {
    let (what, help) = if resource.is_resource("aws_api_gateway_domain_name") {
        (
            "API Gateway domain name",
            "set `security_policy = \"TLS_1_2\"`",
        )
    } else {
        (
            "CloudFront distribution",
            "set `minimum_protocol_version = \"TLSv1.2_2021\"` in `viewer_certificate`",
        )
    };
    let (shown, label) = match policy {
        Policy::Written(p) => (format!("`{p}`"), format!("`{p}`")),
        Policy::Default(p) => (
            format!("`{p}`, the provider's default"),
            "no `minimum_protocol_version`".to_string(),
        ),
    };
    Finding::new(
        &FrontEndAcceptsOldTls::META,
        format!(
            "{what} `{}` accepts TLS older than 1.2 ({shown})",
            resource.address()
        ),
    )
    .at(origin)
    .label(label)
    .help(help)
    .resource(resource.address())
    .attribute(attribute)
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_hcl, render_all};

    const RULE: &str = "TLS001";

    fn distribution(name: &str, certificate: &str) -> String {
        format!(
            r#"resource "aws_cloudfront_distribution" "{name}" {{
  enabled = true
  default_cache_behavior {{
    target_origin_id       = "site"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
  }}
  viewer_certificate {{
{certificate}  }}
}}
"#
        )
    }

    #[test]
    fn fires_on_old_policies() {
        let text = [
            "resource \"aws_api_gateway_domain_name\" \"api\" {\n  domain_name     = \"api.example.com\"\n  security_policy = \"TLS_1_0\"\n}\n".to_string(),
            distribution("unset", "    acm_certificate_arn = \"arn:aws:acm:us-east-1:111122223333:certificate/x\"\n    ssl_support_method  = \"sni-only\"\n"),
            distribution("v1", "    acm_certificate_arn      = \"arn:aws:acm:us-east-1:111122223333:certificate/x\"\n    minimum_protocol_version = \"TLSv1\"\n"),
            distribution("y2019", "    iam_certificate_id       = \"ASCAEXAMPLE\"\n    minimum_protocol_version = \"TLSv1.2_2019\"\n"),
        ]
        .concat();
        let f = lint_hcl(RULE, &text);
        assert_eq!(
            addresses(&f),
            [
                "aws_api_gateway_domain_name.api",
                "aws_cloudfront_distribution.unset",
                "aws_cloudfront_distribution.v1",
                "aws_cloudfront_distribution.y2019"
            ]
        );
        assert!(
            f[1].message.contains("(`TLSv1`, the provider's default)"),
            "{}",
            f[1].message
        );
        assert!(f[2].message.ends_with("(`TLSv1`)"), "{}", f[2].message);
    }

    #[test]
    fn quiet_on_current_policies_default_certificates_and_unknowns() {
        let text = [
            "variable \"policy\" {}\n".to_string(),
            "resource \"aws_api_gateway_domain_name\" \"tls12\" {\n  domain_name     = \"a.example.com\"\n  security_policy = \"TLS_1_2\"\n}\n".to_string(),
            "resource \"aws_api_gateway_domain_name\" \"unset\" {\n  domain_name = \"b.example.com\"\n}\n".to_string(),
            "resource \"aws_api_gateway_domain_name\" \"unknown\" {\n  domain_name     = \"c.example.com\"\n  security_policy = var.policy\n}\n".to_string(),
            distribution("y2021", "    acm_certificate_arn      = \"arn:aws:acm:us-east-1:111122223333:certificate/x\"\n    minimum_protocol_version = \"TLSv1.2_2021\"\n"),
            distribution("tls13", "    acm_certificate_arn      = \"arn:aws:acm:us-east-1:111122223333:certificate/x\"\n    minimum_protocol_version = \"TLSv1.3_2025\"\n"),
            distribution("default", "    cloudfront_default_certificate = true\n"),
            distribution("variable", "    acm_certificate_arn      = \"arn:aws:acm:us-east-1:111122223333:certificate/x\"\n    minimum_protocol_version = var.policy\n"),
        ]
        .concat();
        let f = lint_hcl(RULE, &text);
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        let text = [
            "resource \"aws_api_gateway_domain_name\" \"api\" {\n  domain_name     = \"api.example.com\"\n  security_policy = \"TLS_1_0\"\n}\n\n".to_string(),
            distribution("site", "    acm_certificate_arn = \"arn:aws:acm:us-east-1:111122223333:certificate/x\"\n    ssl_support_method  = \"sni-only\"\n"),
        ]
        .concat();
        insta::assert_snapshot!(render_all(&lint_hcl(RULE, &text)));
    }
}
