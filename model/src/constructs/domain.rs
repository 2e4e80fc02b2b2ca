//! Custom domains: `Certificate` (ACM, validated through DNS records in a Route 53
//! `HostedZone`), and the domain names of REST APIs, HTTP APIs and CloudFront distributions
//! that use it, with their alias records.
//!
//! ```ignore
//! let zone = HostedZone::existing(stack.variable("zone_id", "Route 53 zone", "Z…"), "example.com");
//! let cert = Certificate::new(stack, "api", "api.example.com", &zone).build();
//! api.custom_domain("api", "api.example.com", &cert, &zone);  // REST or HTTP API, TLS 1.2
//! let edge = Certificate::for_cloudfront(stack, "cdn", "www.example.com", &zone).build();
//! Distribution::new(stack, "cdn").custom_domain(&["www.example.com"], &edge, &zone) …
//! ```
//!
//! The hosted zone is given by ID (a variable, typically): looking it up with a data source
//! would call Route 53 at every plan. Certificates are DNS-validated (ACM renews them by
//! itself while the records stay), replaced before they are destroyed, and what uses one
//! waits for its validation.

use super::stack::{Provider, ResourceRef, Stack};
use crate::ir::{Block, Expr, ExprKind, TemplatePart};
use crate::l1::resources::{
    AcmCertificate, AcmCertificateValidation, Route53Record, Route53RecordAlias,
};
use crate::origin::RustLocation;
use crate::typed::TypedBlock;

/// An existing Route 53 hosted zone: its ID and its domain.
#[derive(Clone, Debug)]
pub struct HostedZone {
    zone_id: Expr,
    domain: String,
}

impl HostedZone {
    /// The zone `zone_id` (an expression: a variable, a literal ID, another stack's
    /// output) for `domain` (`example.com`).
    pub fn existing(zone_id: impl Into<Expr>, domain: &str) -> HostedZone {
        HostedZone {
            zone_id: zone_id.into(),
            domain: domain.trim_end_matches('.').to_ascii_lowercase(),
        }
    }
    pub fn zone_id(&self) -> &Expr {
        &self.zone_id
    }
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Whether `name` (a literal) is `domain` or under it; `true` for an expression.
    fn contains(&self, name: &Expr) -> bool {
        match name.as_str() {
            Some(n) => {
                let n = n.trim_end_matches('.').to_ascii_lowercase();
                n == self.domain || n.ends_with(&format!(".{}", self.domain))
            }
            None => true,
        }
    }

    /// `A` and `AAAA` alias records `name` → `target` (in `target_zone_id`).
    pub(crate) fn alias_records(
        &self,
        stack: &Stack,
        id: &str,
        name: &Expr,
        target: Expr,
        target_zone_id: Expr,
        location: RustLocation,
    ) {
        for (suffix, record_type) in [("ipv4", "A"), ("ipv6", "AAAA")] {
            let record = Route53Record::new(name.clone(), record_type, self.zone_id.clone()).alias(
                Route53RecordAlias::new(false, target.clone(), target_zone_id.clone()),
            );
            stack.declare_typed(&format!("{id}_{suffix}"), record, location);
        }
    }
}

/// A certificate under construction.
#[must_use = "call .build() to declare the certificate"]
pub struct CertificateBuilder {
    stack: Stack,
    id: String,
    domain: Expr,
    alternative_names: Vec<Expr>,
    zone: HostedZone,
    cloudfront: bool,
    location: RustLocation,
}

/// A declared, DNS-validated certificate.
#[derive(Clone, Debug)]
pub struct Certificate {
    certificate: ResourceRef,
    validation: ResourceRef,
    cloudfront: bool,
}

impl Certificate {
    /// A certificate `id` for `domain` in the stack's region (for API Gateway domain names),
    /// validated through records in `zone`.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(
        stack: &Stack,
        id: &str,
        domain: impl Into<Expr>,
        zone: &HostedZone,
    ) -> CertificateBuilder {
        CertificateBuilder::new(
            stack,
            id,
            domain.into(),
            zone,
            false,
            RustLocation::caller(),
        )
    }

    /// A certificate `id` for CloudFront: in `us-east-1`, where CloudFront reads them
    /// (through the stack's `aws.us_east_1` provider).
    #[track_caller]
    pub fn for_cloudfront(
        stack: &Stack,
        id: &str,
        domain: impl Into<Expr>,
        zone: &HostedZone,
    ) -> CertificateBuilder {
        CertificateBuilder::new(stack, id, domain.into(), zone, true, RustLocation::caller())
    }

    /// The ARN, once validated: what domain names and distributions should use, so they
    /// wait for the validation.
    pub fn arn(&self) -> Expr {
        self.validation.attr("certificate_arn")
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.certificate
    }
    /// Whether it is a CloudFront (us-east-1) certificate.
    pub fn is_for_cloudfront(&self) -> bool {
        self.cloudfront
    }

    /// An error at `location` unless this is a certificate of the stack's region (what an
    /// API Gateway regional domain name takes).
    pub(crate) fn check_regional(&self, stack: &Stack, location: RustLocation) {
        if self.cloudfront {
            stack.error(
                location,
                "a regional API domain needs a certificate in the stack's region",
                Some("use `Certificate::new`, not `Certificate::for_cloudfront`"),
            );
        }
    }
}

impl CertificateBuilder {
    fn new(
        stack: &Stack,
        id: &str,
        domain: Expr,
        zone: &HostedZone,
        cloudfront: bool,
        location: RustLocation,
    ) -> CertificateBuilder {
        CertificateBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            domain,
            alternative_names: Vec::new(),
            zone: zone.clone(),
            cloudfront,
            location,
        }
    }
    /// More names the certificate covers (in the same zone).
    pub fn alternative_name(mut self, name: impl Into<Expr>) -> Self {
        self.alternative_names.push(name.into());
        self
    }

    pub fn build(self) -> Certificate {
        let stack = &self.stack;
        let loc = self.location;
        for name in std::iter::once(&self.domain).chain(&self.alternative_names) {
            if !self.zone.contains(name) {
                stack.error(
                    loc,
                    format!(
                        "{name} is not in the hosted zone `{}`: its validation record cannot go there",
                        self.zone.domain
                    ),
                    Some("use a name under the zone's domain, or the zone that holds it"),
                );
            }
        }
        let provider = self.cloudfront.then(|| stack.us_east_1(loc));
        let mut certificate = AcmCertificate::new()
            .domain_name(self.domain.clone())
            .validation_method("DNS")
            .key_algorithm("RSA_2048");
        if !self.alternative_names.is_empty() {
            certificate =
                certificate.subject_alternative_names(Expr::tuple(self.alternative_names.clone()));
        }
        // A new certificate is validated and in use before the old one is deleted.
        let certificate = declare_with(
            stack,
            provider.as_ref(),
            "aws_acm_certificate",
            &self.id,
            certificate.to_body(),
            &[],
            Some(Block::new("lifecycle", vec![]).attr("create_before_destroy", true)),
            loc,
        );
        // One record per name, keyed by the names (known at plan).
        let for_each = generated(format!(
            "{{\n    for option in {}.domain_validation_options : option.domain_name => {{\n      name   = option.resource_record_name\n      record = option.resource_record_value\n      type   = option.resource_record_type\n    }}\n  }}",
            certificate.address()
        ));
        let each = |attribute: &str| Expr::reference("each", &["value", attribute]);
        let record = Route53Record::new(each("name"), each("type"), self.zone.zone_id.clone())
            .records(Expr::tuple(vec![each("record")]))
            .ttl(60)
            .allow_overwrite(true);
        let records_name = format!("{}_validation", self.id);
        let records = declare_with(
            stack,
            None,
            "aws_route53_record",
            &records_name,
            record.to_body(),
            &[("for_each", for_each)],
            None,
            loc,
        );
        let fqdns = generated(format!(
            "[for record in {} : record.fqdn]",
            records.address()
        ));
        let validation =
            AcmCertificateValidation::new(certificate.arn()).validation_record_fqdns(fqdns);
        let validation = declare_with(
            stack,
            provider.as_ref(),
            "aws_acm_certificate_validation",
            &self.id,
            validation.to_body(),
            &[],
            None,
            loc,
        );
        Certificate {
            certificate,
            validation,
            cloudfront: self.cloudfront,
        }
    }
}

/// A `for` expression written as Terraform text, in the IR the loader would read it as.
fn generated(text: String) -> Expr {
    crate::load::hcl::generated_expression(&text)
        .unwrap_or(Expr::new(ExprKind::Opaque(text.into())))
}

/// Declares a resource of `body` with meta-arguments (`provider`, `for_each`) first and an
/// optional `lifecycle` block last.
#[allow(clippy::too_many_arguments)]
fn declare_with(
    stack: &Stack,
    provider: Option<&Provider>,
    resource_type: &str,
    name: &str,
    mut body: crate::ir::Body,
    meta: &[(&str, Expr)],
    lifecycle: Option<Block>,
    location: RustLocation,
) -> ResourceRef {
    let mut block = Block::new(
        "resource",
        vec![resource_type.to_string(), name.to_string()],
    );
    if let Some(p) = provider {
        block.body.set("provider", p.reference());
    }
    for (key, value) in meta {
        block.body.set(*key, value.clone());
    }
    block.body.items.append(&mut body.items);
    if let Some(l) = lifecycle {
        block.body.push_block(l);
    }
    stack.declare("resource", block, location)
}

/// `<prefix>.<domain>` as an expression (for names built from a variable domain).
pub fn subdomain(prefix: &str, domain: &Expr) -> Expr {
    match domain.as_str() {
        Some(d) => Expr::string(format!("{prefix}.{d}")),
        None => Expr::template(vec![
            TemplatePart::Literal(format!("{prefix}.").into()),
            TemplatePart::Interpolation(domain.clone()),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::{Code, Distribution, Function, HttpApi, RestApi, Runtime};
    use crate::environment::Environment;

    fn attr(out: &crate::constructs::StackOutput, t: &str, n: &str, a: &str) -> Option<String> {
        out.config
            .resource(t, n)
            .and_then(|b| b.body.get(a))
            .map(|e| e.to_string())
    }

    #[test]
    fn apis_and_distributions_answer_on_custom_domains_with_tls_1_2() {
        let stack = Stack::new("shop", Environment::prod());
        let zone = HostedZone::existing("Z0123456789ABCDEFGHIJ", "example.com");
        let f = Function::new(&stack, "f", Runtime::Python312, "h.h", Code::directory(".")).build();
        let rest = RestApi::new(&stack, "rest").build();
        rest.resource_path("/x").method("GET", &f).build();
        let http = HttpApi::new(&stack, "http").build();
        http.route("GET /x", &f);
        let regional = Certificate::new(&stack, "apis", "rest.example.com", &zone)
            .alternative_name("http.example.com")
            .build();
        rest.custom_domain("rest", "rest.example.com", &regional, &zone);
        http.custom_domain("http", "http.example.com", &regional, &zone);
        let edge = Certificate::for_cloudfront(&stack, "edge", "www.example.com", &zone).build();
        let _ = Distribution::new(&stack, "cdn")
            .rest_api(&rest)
            .custom_domain(&[Expr::string("www.example.com")], &edge, &zone)
            .build();
        let out = stack.finish().expect("valid");
        assert_eq!(
            attr(
                &out,
                "aws_api_gateway_domain_name",
                "rest",
                "security_policy"
            )
            .as_deref(),
            Some("\"TLS_1_2\"")
        );
        let http_name = out
            .config
            .resource("aws_apigatewayv2_domain_name", "http")
            .expect("http domain");
        let config = http_name
            .body
            .block("domain_name_configuration")
            .expect("config");
        assert_eq!(
            config
                .body
                .get("security_policy")
                .map(|e| e.to_string())
                .as_deref(),
            Some("\"TLS_1_2\"")
        );
        assert_eq!(
            attr(&out, "aws_route53_record", "http_ipv4", "name").as_deref(),
            Some("\"http.example.com\"")
        );
        let alias = out
            .config
            .resource("aws_route53_record", "http_ipv6")
            .and_then(|r| r.body.block("alias"))
            .and_then(|a| a.body.get("name"))
            .map(|e| e.to_string());
        assert_eq!(
            alias.as_deref(),
            Some(
                "aws_apigatewayv2_domain_name.http.domain_name_configuration[0].target_domain_name"
            )
        );
        let cdn = out
            .config
            .resource("aws_cloudfront_distribution", "cdn")
            .expect("cdn");
        let viewer = cdn
            .body
            .block("viewer_certificate")
            .expect("viewer certificate");
        assert_eq!(
            viewer
                .body
                .get("minimum_protocol_version")
                .map(|e| e.to_string())
                .as_deref(),
            Some("\"TLSv1.2_2021\"")
        );
        assert_eq!(
            cdn.body.get("aliases").map(|e| e.to_string()).as_deref(),
            Some("[\"www.example.com\"]")
        );
    }

    #[test]
    fn certificates_from_the_wrong_region_are_errors() {
        let stack = Stack::new("shop", Environment::prod());
        let zone = HostedZone::existing("Z0123456789ABCDEFGHIJ", "example.com");
        let f = Function::new(&stack, "f", Runtime::Python312, "h.h", Code::directory(".")).build();
        let rest = RestApi::new(&stack, "rest").build();
        rest.resource_path("/x").method("GET", &f).build();
        let edge = Certificate::for_cloudfront(&stack, "edge", "www.example.com", &zone).build();
        let regional = Certificate::new(&stack, "api", "api.example.com", &zone).build();
        rest.custom_domain("rest", "www.example.com", &edge, &zone);
        let _ = Distribution::new(&stack, "cdn")
            .rest_api(&rest)
            .custom_domain(&[Expr::string("api.example.com")], &regional, &zone)
            .build();
        let errors = stack.finish().expect_err("wrong regions");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "a regional API domain needs a certificate in the stack's region",
                "CloudFront reads certificates from us-east-1 only"
            ]
        );
    }

    #[test]
    fn a_certificate_is_validated_through_records_in_the_zone() {
        let stack = Stack::new("shop", Environment::prod());
        let zone = HostedZone::existing("Z0123456789ABCDEFGHIJ", "Example.com.");
        let cert = Certificate::new(&stack, "api", "api.example.com", &zone)
            .alternative_name("www.example.com")
            .build();
        assert_eq!(
            cert.arn().to_string(),
            "aws_acm_certificate_validation.api.certificate_arn"
        );
        let out = stack.finish().expect("valid");
        let records = out
            .config
            .resource("aws_route53_record", "api_validation")
            .expect("validation records");
        let for_each = records
            .body
            .get("for_each")
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            for_each.contains("for option in aws_acm_certificate.api.domain_validation_options"),
            "{for_each}"
        );
        let certificate = out
            .config
            .resource("aws_acm_certificate", "api")
            .expect("certificate");
        assert!(certificate.body.block("lifecycle").is_some());
    }

    #[test]
    fn a_name_outside_the_zone_is_an_error_and_cloudfront_certificates_are_in_us_east_1() {
        let stack = Stack::new("shop", Environment::prod());
        let zone = HostedZone::existing("Z0123456789ABCDEFGHIJ", "example.com");
        let _ = Certificate::new(&stack, "api", "api.example.org", &zone).build();
        let errors = stack.finish().expect_err("outside the zone");
        assert!(errors[0]
            .message
            .contains("is not in the hosted zone `example.com`"));

        let stack = Stack::new("shop", Environment::prod());
        let _ = Certificate::for_cloudfront(&stack, "cdn", "cdn.example.com", &zone).build();
        let out = stack.finish().expect("valid");
        let cert = out
            .config
            .resource("aws_acm_certificate", "cdn")
            .expect("cert");
        assert_eq!(
            cert.body.get("provider").map(|e| e.to_string()).as_deref(),
            Some("aws.us_east_1")
        );
        // The records are global: in the default provider.
        let records = out
            .config
            .resource("aws_route53_record", "cdn_validation")
            .expect("records");
        assert!(records.body.get("provider").is_none());
    }
}
