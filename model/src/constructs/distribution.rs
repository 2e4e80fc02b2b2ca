//! `Distribution`: a CloudFront distribution in front of a REST API (the default behaviour,
//! not cached at the edge: the API's own cache and headers decide) and private buckets
//! (through origin access control: the bucket policy lets only this distribution read, and
//! only the keys its path pattern serves). HTTPS only (viewers are redirected), price class
//! 100, the default `*.cloudfront.net` certificate, no geographic restriction; a CloudFront
//! web ACL with `.web_acl(&acl)`.
//!
//! ```ignore
//! let cdn = Distribution::new(stack, "cdn")
//!     .rest_api(&api)                      // default behaviour → `/<stage>` of the API
//!     .bucket("/invoices/*", &invoices)    // `invoices/*` objects of the bucket
//!     .build();
//! ```

use super::bucket::{Bucket, BucketEncryption};
use super::domain::{Certificate, HostedZone};
use super::iam::policy_string;
use super::rest_api::RestApi;
use super::stack::{ResourceRef, Stack};
use super::waf::{WafScope, WebAcl};
use crate::iam::{Effect, Principal, Statement};
use crate::ir::{Expr, TemplatePart};
use crate::l1::resources::{
    CloudfrontDistribution, CloudfrontDistributionDefaultCacheBehavior,
    CloudfrontDistributionOrderedCacheBehavior, CloudfrontDistributionOrigin,
    CloudfrontDistributionOriginCustomOriginConfig, CloudfrontDistributionRestrictions,
    CloudfrontDistributionRestrictionsGeoRestriction, CloudfrontDistributionViewerCertificate,
    CloudfrontOriginAccessControl,
};
use crate::origin::{Origin, RustLocation};

/// AWS managed cache policy `Managed-CachingDisabled`.
const CACHING_DISABLED: &str = "4135ea2d-6df8-44e3-9df5-4b5a84be39ad";
/// AWS managed cache policy `Managed-CachingOptimized`.
const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/// AWS managed origin request policy `Managed-AllViewerExceptHostHeader` (API Gateway
/// needs its own host name).
const ALL_VIEWER_EXCEPT_HOST_HEADER: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
/// AWS managed response headers policy `Managed-SecurityHeadersPolicy` (HSTS, nosniff,
/// frame options, referrer policy, XSS protection).
const SECURITY_HEADERS: &str = "67f7725c-6f97-4210-82d7-5512b31e9d03";
const ALL_METHODS: [&str; 7] = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];
const READ_METHODS: [&str; 2] = ["GET", "HEAD"];

/// A distribution under construction.
#[must_use = "call .build() to declare the distribution"]
pub struct DistributionBuilder {
    stack: Stack,
    id: String,
    comment: Option<String>,
    api: Option<RestApi>,
    default_bucket: Option<Bucket>,
    buckets: Vec<(String, Bucket, RustLocation)>,
    price_class: String,
    web_acl: Option<(WebAcl, RustLocation)>,
    domain: Option<(Vec<Expr>, Certificate, HostedZone, RustLocation)>,
    location: RustLocation,
}

/// A declared distribution.
#[derive(Clone, Debug)]
pub struct Distribution {
    resource: ResourceRef,
}

impl Distribution {
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> DistributionBuilder {
        DistributionBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            comment: None,
            api: None,
            default_bucket: None,
            buckets: Vec::new(),
            price_class: "PriceClass_100".into(),
            web_acl: None,
            domain: None,
            location: RustLocation::caller(),
        }
    }
    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    /// `<id>.cloudfront.net`.
    pub fn domain_name(&self) -> Expr {
        self.resource.attr("domain_name")
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
}

impl DistributionBuilder {
    pub fn comment(mut self, text: &str) -> Self {
        self.comment = Some(text.to_string());
        self
    }
    /// The API's stage serves every path no other behaviour matches.
    pub fn rest_api(mut self, api: &RestApi) -> Self {
        self.api = Some(api.clone());
        self
    }
    /// The bucket serves every path no other behaviour matches (instead of an API).
    pub fn default_bucket(mut self, bucket: &Bucket) -> Self {
        self.default_bucket = Some(bucket.clone());
        self
    }
    /// The bucket serves `path_pattern` (`/invoices/*`): the object key is the path without
    /// its leading `/`, so the bucket lets the distribution read `invoices/*` only.
    #[track_caller]
    pub fn bucket(mut self, path_pattern: &str, bucket: &Bucket) -> Self {
        self.buckets.push((
            path_pattern.to_string(),
            bucket.clone(),
            RustLocation::caller(),
        ));
        self
    }
    /// Serves `names` (aliases, e.g. `www.example.com`) with `certificate` (a CloudFront
    /// certificate covering them), TLS 1.2 (`TLSv1.2_2021`) and SNI only, and alias
    /// records in `zone`.
    #[track_caller]
    pub fn custom_domain(
        mut self,
        names: &[Expr],
        certificate: &Certificate,
        zone: &HostedZone,
    ) -> Self {
        self.domain = Some((
            names.to_vec(),
            certificate.clone(),
            zone.clone(),
            RustLocation::caller(),
        ));
        self
    }
    /// Filters every request through `acl` (a web ACL for CloudFront).
    #[track_caller]
    pub fn web_acl(mut self, acl: &WebAcl) -> Self {
        self.web_acl = Some((acl.clone(), RustLocation::caller()));
        self
    }
    /// `PriceClass_100` (default: North America and Europe), `PriceClass_200`, `PriceClass_All`.
    pub fn price_class(mut self, class: &str) -> Self {
        self.price_class = class.to_string();
        self
    }

    pub fn build(self) -> Distribution {
        let stack = &self.stack;
        let loc = self.location;
        if !["PriceClass_100", "PriceClass_200", "PriceClass_All"]
            .contains(&self.price_class.as_str())
        {
            stack.error(
                loc,
                format!("unknown price class `{}`", self.price_class),
                None,
            );
        }
        let name = stack.physical_name(&self.id);
        let mut origins: Vec<CloudfrontDistributionOrigin> = Vec::new();
        let mut ordered: Vec<CloudfrontDistributionOrderedCacheBehavior> = Vec::new();
        // (bucket, key pattern, location) whose policies must let this distribution read.
        let mut readers: Vec<(Bucket, String, RustLocation)> = Vec::new();

        let default_behavior = match (&self.api, &self.default_bucket) {
            (Some(api), None) => {
                stack.check_same_stack(api.rest_api(), loc);
                origins.push(
                    CloudfrontDistributionOrigin::new(api.origin_domain_name(), "api")
                        .origin_path(format!("/{}", api.stage_name()))
                        .custom_origin_config(CloudfrontDistributionOriginCustomOriginConfig::new(
                            80,
                            443,
                            "https-only",
                            vec!["TLSv1.2"],
                        )),
                );
                CloudfrontDistributionDefaultCacheBehavior::new(
                    ALL_METHODS.to_vec(),
                    READ_METHODS.to_vec(),
                    "api",
                    "redirect-to-https",
                )
                .cache_policy_id(CACHING_DISABLED)
                .origin_request_policy_id(ALL_VIEWER_EXCEPT_HOST_HEADER)
                .response_headers_policy_id(SECURITY_HEADERS)
                .compress(true)
            }
            (None, Some(bucket)) => {
                let origin_id = self.bucket_origin(bucket, &mut origins, loc);
                readers.push((bucket.clone(), "*".into(), loc));
                CloudfrontDistributionDefaultCacheBehavior::new(
                    READ_METHODS.to_vec(),
                    READ_METHODS.to_vec(),
                    origin_id,
                    "redirect-to-https",
                )
                .cache_policy_id(CACHING_OPTIMIZED)
                .response_headers_policy_id(SECURITY_HEADERS)
                .compress(true)
            }
            _ => {
                stack.error(
                    loc,
                    format!(
                        "distribution `{}` needs exactly one default origin",
                        self.id
                    ),
                    Some("call `.rest_api(&api)` or `.default_bucket(&bucket)` once"),
                );
                CloudfrontDistributionDefaultCacheBehavior::new(
                    READ_METHODS.to_vec(),
                    READ_METHODS.to_vec(),
                    "none",
                    "redirect-to-https",
                )
            }
        };
        for (pattern, bucket, at) in &self.buckets {
            let Some(key_pattern) = key_pattern(pattern) else {
                stack.error(
                    *at,
                    format!("invalid path pattern `{pattern}`"),
                    Some("write a path from the root, e.g. `/invoices/*`"),
                );
                continue;
            };
            let origin_id = self.bucket_origin(bucket, &mut origins, *at);
            readers.push((bucket.clone(), key_pattern, *at));
            ordered.push(
                CloudfrontDistributionOrderedCacheBehavior::new(
                    READ_METHODS.to_vec(),
                    READ_METHODS.to_vec(),
                    pattern.as_str(),
                    origin_id,
                    "redirect-to-https",
                )
                .cache_policy_id(CACHING_OPTIMIZED)
                .response_headers_policy_id(SECURITY_HEADERS)
                .compress(true),
            );
        }

        let viewer_certificate = match &self.domain {
            Some((names, certificate, _, at)) => {
                if !certificate.is_for_cloudfront() {
                    stack.error(
                        *at,
                        "CloudFront reads certificates from us-east-1 only",
                        Some("use `Certificate::for_cloudfront`"),
                    );
                }
                if names.is_empty() {
                    stack.error(*at, "a custom domain needs at least one name", None);
                }
                CloudfrontDistributionViewerCertificate::new()
                    .acm_certificate_arn(certificate.arn())
                    .ssl_support_method("sni-only")
                    .minimum_protocol_version("TLSv1.2_2021")
            }
            // `*.cloudfront.net`: CloudFront serves TLSv1 and later on its own certificate,
            // whatever a minimum protocol version says.
            None => {
                CloudfrontDistributionViewerCertificate::new().cloudfront_default_certificate(true)
            }
        };
        let mut distribution = CloudfrontDistribution::new(
            true,
            default_behavior,
            CloudfrontDistributionRestrictions::new(
                CloudfrontDistributionRestrictionsGeoRestriction::new("none"),
            ),
            viewer_certificate,
        )
        .comment(self.comment.clone().unwrap_or_else(|| name.clone()))
        .price_class(self.price_class.as_str())
        .http_version("http2and3")
        .is_ipv6_enabled(true);
        for o in origins {
            distribution = distribution.origin(o);
        }
        for b in ordered {
            distribution = distribution.ordered_cache_behavior(b);
        }
        if let Some((acl, at)) = &self.web_acl {
            stack.check_same_stack(acl.resource(), *at);
            if acl.scope() != WafScope::CloudFront {
                stack.error(
                    *at,
                    format!(
                        "web ACL `{}` is regional: CloudFront takes only web ACLs of scope CLOUDFRONT",
                        acl.resource().name
                    ),
                    Some("declare it with `WebAcl::cloudfront`"),
                );
            }
            // WAFv2 web ACLs are named by their ARN here.
            distribution = distribution.web_acl_id(acl.arn());
        }
        if let Some((names, _, _, _)) = &self.domain {
            distribution = distribution.aliases(Expr::tuple(names.clone()));
        }
        let resource = stack.declare_typed(&self.id, distribution, loc);
        if let Some((names, _, zone, at)) = &self.domain {
            for (i, name) in names.iter().enumerate() {
                let id = if i == 0 {
                    self.id.clone()
                } else {
                    format!("{}_{i}", self.id)
                };
                zone.alias_records(
                    stack,
                    &id,
                    name,
                    resource.attr("domain_name"),
                    resource.attr("hosted_zone_id"),
                    *at,
                );
            }
        }

        // Only this distribution may read, and only what it serves.
        for (bucket, key_pattern, at) in readers {
            let source = policy_string(&resource.arn());
            bucket.add_policy_statement(
                Statement::new(Effect::Allow, Origin::rust(at))
                    .sid(format!("CloudFrontReads{}", super::naming::camel(&self.id)))
                    .principal(Principal::service("cloudfront.amazonaws.com"))
                    .actions(["s3:GetObject"])
                    .resources([policy_string(&bucket.arn_for_objects(&key_pattern))])
                    .condition("StringEquals", "AWS:SourceArn", &[&source]),
            );
            if let BucketEncryption::Kms(key) = bucket.encryption() {
                key.add_service(
                    "CloudFrontDecryptsBucketObjects",
                    "cloudfront.amazonaws.com",
                    &["kms:Decrypt"],
                    Some(resource.arn()),
                    at,
                );
            }
        }
        Distribution { resource }
    }

    /// The bucket's origin (and its origin access control), once per bucket.
    fn bucket_origin(
        &self,
        bucket: &Bucket,
        origins: &mut Vec<CloudfrontDistributionOrigin>,
        location: RustLocation,
    ) -> String {
        let stack = &self.stack;
        let origin_id = format!("bucket-{}", bucket.resource().name);
        if origins
            .iter()
            .any(|o| o.origin_id == crate::typed::Arg::Value(origin_id.clone()))
        {
            return origin_id;
        }
        stack.check_same_stack(bucket.resource(), location);
        let oac_id = format!("{}_{}", self.id, bucket.resource().name);
        let oac_name = stack.physical_name(&oac_id);
        if oac_name.len() > 64 {
            stack.error(
                location,
                format!("origin access control name `{oac_name}` is longer than 64 characters"),
                None,
            );
        }
        let oac = CloudfrontOriginAccessControl::new(oac_name.as_str(), "s3", "always", "sigv4")
            .description(format!(
                "CloudFront {} reads {}",
                self.id,
                bucket.resource().name
            ));
        let oac = stack.declare_typed(&oac_id, oac, location);
        origins.push(
            CloudfrontDistributionOrigin::new(bucket.regional_domain_name(), origin_id.as_str())
                .origin_access_control_id(oac.id()),
        );
        origin_id
    }
}

/// `/invoices/*` → `invoices/*`; `None` for a pattern that is not a path.
fn key_pattern(path_pattern: &str) -> Option<String> {
    let p = path_pattern.strip_prefix('/').unwrap_or(path_pattern);
    if p.is_empty() || p.contains(' ') || p.starts_with('/') {
        return None;
    }
    Some(p.to_string())
}

/// `https://<domain>` of a distribution.
pub fn https_url(distribution: &Distribution) -> Expr {
    Expr::template(vec![
        TemplatePart::Literal("https://".into()),
        TemplatePart::Interpolation(distribution.domain_name()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::{Code, Function, KmsKey as Key, Runtime, StackFile};
    use crate::environment::Environment;

    #[test]
    fn bucket_policy_lets_only_this_distribution_read_its_prefix() {
        let stack = Stack::new("shop", Environment::prod());
        let f = Function::new(
            &stack,
            "api_fn",
            Runtime::Python312,
            "h.h",
            Code::directory("x"),
        )
        .build();
        let api = RestApi::new(&stack, "api").build();
        api.resource_path("/orders").method("GET", &f).build();
        let key = Key::new(&stack, "data").build();
        let bucket = crate::constructs::bucket::Bucket::new(&stack, "files")
            .encryption_key(&key)
            .build();
        let cdn = Distribution::new(&stack, "cdn")
            .rest_api(&api)
            .bucket("/invoices/*", &bucket)
            .build();
        assert_eq!(cdn.arn().to_string(), "aws_cloudfront_distribution.cdn.arn");
        let out = stack.finish().expect("valid");
        let Some(StackFile::Text { text, .. }) =
            out.files.get("policies/shop-prod-files-bucket-policy.json")
        else {
            panic!("bucket policy")
        };
        let p: serde_json::Value = serde_json::from_str(text).expect("json");
        assert_eq!(
            p["Statement"][1],
            serde_json::json!({
                "Sid": "CloudFrontReadsCdn",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": "${s3_bucket_files_arn}/invoices/*",
                "Condition": {"StringEquals": {"AWS:SourceArn": "${cloudfront_distribution_cdn_arn}"}}
            })
        );
        let Some(StackFile::Text { text, .. }) =
            out.files.get("policies/shop-prod-data-key-policy.json")
        else {
            panic!("key policy")
        };
        assert!(text.contains("CloudFrontDecryptsBucketObjects"), "{text}");
        let d = out
            .config
            .resource("aws_cloudfront_distribution", "cdn")
            .expect("distribution");
        let origin = d.body.blocks_of("origin").next().expect("origin");
        assert_eq!(
            origin
                .body
                .get("origin_path")
                .map(|e| e.to_string())
                .as_deref(),
            Some("\"/prod\"")
        );
    }

    #[test]
    fn a_default_origin_is_required() {
        let stack = Stack::new("shop", Environment::dev());
        let _ = Distribution::new(&stack, "cdn").build();
        assert!(stack.finish().is_err());
    }
}
