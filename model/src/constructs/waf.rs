//! `WebAcl`: an AWS WAF web ACL in front of REST API stages (regional) or CloudFront
//! distributions (global, declared in `us-east-1` through the stack's `aws.us_east_1`
//! provider, where CloudFront reads web ACLs).
//!
//! Secure defaults: AWS's managed rule groups for common exploits (OWASP Top 10 style:
//! `AWSManagedRulesCommonRuleSet`), known bad inputs (`AWSManagedRulesKnownBadInputsRuleSet`,
//! e.g. Log4Shell) and addresses with a bad reputation
//! (`AWSManagedRulesAmazonIpReputationList`); a rate rule blocking any address that sends more
//! than 2,000 requests in 5 minutes; metrics and sampled requests for every rule; and logs to
//! an `aws-waf-logs-…` log group with the environment's retention, the `authorization`
//! header redacted (tokens do not belong in logs).
//!
//! ```ignore
//! let acl = WebAcl::regional(stack, "api_firewall")
//!     .managed_rule_group("AWSManagedRulesSQLiRuleSet")   // more AWS managed rules
//!     .rate_limit(1000)                                   // per address, per 5 minutes
//!     .build();
//! acl.protect_rest_api(&api);
//! let edge = WebAcl::cloudfront(stack, "edge_firewall").build();
//! Distribution::new(stack, "cdn").web_acl(&edge) …
//! ```

use super::log_group::LogGroup;
use super::rest_api::RestApi;
use super::stack::{Provider, ResourceRef, Stack};
use crate::ir::Expr;
use crate::l1::resources::{
    Wafv2WebAcl, Wafv2WebAclAssociation, Wafv2WebAclDefaultAction, Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclDefaultActionBlock, Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationRedactedFields,
    Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader, Wafv2WebAclRule,
    Wafv2WebAclRuleAction, Wafv2WebAclRuleOverrideAction, Wafv2WebAclRuleOverrideActionNone,
    Wafv2WebAclRuleStatement, Wafv2WebAclRuleStatementManagedRuleGroupStatement,
    Wafv2WebAclRuleStatementRateBasedStatement, Wafv2WebAclVisibilityConfig,
};
use crate::origin::RustLocation;

/// The managed rule groups every web ACL starts with.
pub const DEFAULT_MANAGED_RULE_GROUPS: &[&str] = &[
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
];

/// Where a web ACL applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WafScope {
    /// REST API stages, load balancers, … in the stack's region.
    Regional,
    /// CloudFront distributions (the ACL lives in `us-east-1`).
    CloudFront,
}

/// A web ACL under construction.
#[must_use = "call .build() to declare the web ACL"]
pub struct WebAclBuilder {
    stack: Stack,
    id: String,
    scope: WafScope,
    managed: Vec<String>,
    rate_limit: Option<i64>,
    location: RustLocation,
}

/// A declared web ACL.
#[derive(Clone, Debug)]
pub struct WebAcl {
    stack: Stack,
    id: String,
    scope: WafScope,
    resource: ResourceRef,
}

impl WebAcl {
    /// A regional web ACL `id` (for REST API stages).
    #[track_caller]
    pub fn regional(stack: &Stack, id: &str) -> WebAclBuilder {
        WebAclBuilder::new(stack, id, WafScope::Regional, RustLocation::caller())
    }
    /// A web ACL `id` for CloudFront distributions.
    #[track_caller]
    pub fn cloudfront(stack: &Stack, id: &str) -> WebAclBuilder {
        WebAclBuilder::new(stack, id, WafScope::CloudFront, RustLocation::caller())
    }

    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    pub fn scope(&self) -> WafScope {
        self.scope
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }

    /// Filters the requests of `api`'s stage through this (regional) web ACL.
    #[track_caller]
    pub fn protect_rest_api(&self, api: &RestApi) -> ResourceRef {
        let location = RustLocation::caller();
        let stack = &self.stack;
        stack.check_same_stack(api.stage(), location);
        if self.scope != WafScope::Regional {
            stack.error(
                location,
                format!(
                    "web ACL `{}` is for CloudFront, not for an API stage",
                    self.id
                ),
                Some("use `WebAcl::regional` for REST API stages"),
            );
        }
        let association = Wafv2WebAclAssociation::new(api.stage().arn(), self.arn());
        stack.declare_typed(
            &format!("{}_{}", self.id, api.rest_api().name),
            association,
            location,
        )
    }
}

impl WebAclBuilder {
    fn new(stack: &Stack, id: &str, scope: WafScope, location: RustLocation) -> WebAclBuilder {
        WebAclBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            scope,
            managed: DEFAULT_MANAGED_RULE_GROUPS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rate_limit: Some(2000),
            location,
        }
    }
    /// Adds an AWS managed rule group (`AWSManagedRulesSQLiRuleSet`, …), its rules blocking.
    pub fn managed_rule_group(mut self, name: &str) -> Self {
        if !self.managed.iter().any(|m| m == name) {
            self.managed.push(name.to_string());
        }
        self
    }
    /// Blocks an address that sends more than `requests` in 5 minutes (10 to 2,000,000,000;
    /// default 2,000).
    pub fn rate_limit(mut self, requests: i64) -> Self {
        self.rate_limit = Some(requests);
        self
    }
    /// No rate rule.
    pub fn without_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    pub fn build(self) -> WebAcl {
        let stack = &self.stack;
        let loc = self.location;
        let name = stack.physical_name(&self.id);
        if let Some(limit) = self.rate_limit {
            if !(10..=2_000_000_000).contains(&limit) {
                stack.error(
                    loc,
                    format!("rate limit of {limit} requests is outside WAF's 10–2,000,000,000"),
                    None,
                );
            }
        }
        for group in &self.managed {
            if !group.starts_with("AWSManagedRules") {
                stack.error(
                    loc,
                    format!("`{group}` is not an AWS managed rule group"),
                    Some("AWS managed rule groups are named `AWSManagedRules…`"),
                );
            }
        }
        let provider = match self.scope {
            WafScope::Regional => None,
            WafScope::CloudFront => Some(stack.us_east_1(loc)),
        };
        let metric =
            |rule: &str| Wafv2WebAclVisibilityConfig::new(true, format!("{name}-{rule}"), true);
        let mut acl = Wafv2WebAcl::new(
            match self.scope {
                WafScope::Regional => "REGIONAL",
                WafScope::CloudFront => "CLOUDFRONT",
            },
            Wafv2WebAclDefaultAction::new().allow(Wafv2WebAclDefaultActionAllow::new()),
            metric("all"),
        )
        .name(name.as_str())
        .description(format!("tfstack web ACL {}", self.id));
        let mut priority = 0;
        if let Some(limit) = self.rate_limit {
            acl = acl.rule(
                Wafv2WebAclRule::new(
                    "rate-limit-per-ip",
                    priority,
                    Wafv2WebAclRuleStatement::new().rate_based_statement(
                        Wafv2WebAclRuleStatementRateBasedStatement::new(limit)
                            .aggregate_key_type("IP")
                            .evaluation_window_sec(300),
                    ),
                    metric("rate-limit-per-ip"),
                )
                .action(Wafv2WebAclRuleAction::new().block(Wafv2WebAclDefaultActionBlock::new())),
            );
            priority += 1;
        }
        for group in &self.managed {
            acl = acl.rule(
                Wafv2WebAclRule::new(
                    group.as_str(),
                    priority,
                    Wafv2WebAclRuleStatement::new().managed_rule_group_statement(
                        Wafv2WebAclRuleStatementManagedRuleGroupStatement::new(
                            group.as_str(),
                            "AWS",
                        ),
                    ),
                    metric(group),
                )
                // The group's own actions (block) apply; nothing is overridden to count.
                .override_action(
                    Wafv2WebAclRuleOverrideAction::new()
                        .none(Wafv2WebAclRuleOverrideActionNone::new()),
                ),
            );
            priority += 1;
        }
        let resource = declare(stack, provider.as_ref(), &self.id, acl, loc);
        // WAF logs only to log groups named `aws-waf-logs-…`, in the web ACL's region.
        let logs = LogGroup::create_in(
            stack,
            provider.as_ref(),
            &format!("{}_waf_logs", self.id),
            Expr::string(format!("aws-waf-logs-{name}")),
            stack.env().log_retention_days,
            loc,
        );
        let logging = Wafv2WebAclLoggingConfiguration::new(vec![logs.arn()], resource.arn())
            .redacted_fields(
                Wafv2WebAclLoggingConfigurationRedactedFields::new().single_header(
                    Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader::new("authorization"),
                ),
            );
        declare(stack, provider.as_ref(), &self.id, logging, loc);
        WebAcl {
            stack: stack.clone(),
            id: self.id,
            scope: self.scope,
            resource,
        }
    }
}

fn declare<T: crate::typed::TypedBlock>(
    stack: &Stack,
    provider: Option<&Provider>,
    name: &str,
    resource: T,
    location: RustLocation,
) -> ResourceRef {
    match provider {
        Some(p) => stack.declare_typed_in(p, name, resource, location),
        None => stack.declare_typed(name, resource, location),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::{Code, Function, Runtime};
    use crate::environment::Environment;

    #[test]
    fn a_regional_acl_has_managed_rules_a_rate_rule_and_redacted_logs() {
        let stack = Stack::new("shop", Environment::prod());
        let f = Function::new(&stack, "f", Runtime::Python312, "h.h", Code::directory(".")).build();
        let api = RestApi::new(&stack, "api").build();
        api.resource_path("/x").method("GET", &f).build();
        let acl = WebAcl::regional(&stack, "firewall")
            .managed_rule_group("AWSManagedRulesSQLiRuleSet")
            .build();
        acl.protect_rest_api(&api);
        let out = stack.finish().expect("valid");
        let acl = out
            .config
            .resource("aws_wafv2_web_acl", "firewall")
            .expect("web ACL");
        let rules: Vec<String> = acl
            .body
            .blocks_of("rule")
            .filter_map(|r| r.body.get("name").map(|e| e.to_string()))
            .collect();
        assert_eq!(
            rules,
            [
                "\"rate-limit-per-ip\"",
                "\"AWSManagedRulesAmazonIpReputationList\"",
                "\"AWSManagedRulesCommonRuleSet\"",
                "\"AWSManagedRulesKnownBadInputsRuleSet\"",
                "\"AWSManagedRulesSQLiRuleSet\""
            ]
        );
        let association = out
            .config
            .resource("aws_wafv2_web_acl_association", "firewall_api")
            .expect("association");
        assert_eq!(
            association
                .body
                .get("resource_arn")
                .map(|e| e.to_string())
                .as_deref(),
            Some("aws_api_gateway_stage.api.arn")
        );
        let logs = out
            .config
            .resource("aws_cloudwatch_log_group", "firewall_waf_logs")
            .expect("log group");
        assert_eq!(
            logs.body.get("name").map(|e| e.to_string()).as_deref(),
            Some("\"aws-waf-logs-shop-prod-firewall\"")
        );
    }

    #[test]
    fn a_cloudfront_acl_lives_in_us_east_1() {
        let stack = Stack::new("shop", Environment::prod().with_region("eu-west-1"));
        let acl = WebAcl::cloudfront(&stack, "edge").rate_limit(5).build();
        let f = Function::new(&stack, "f", Runtime::Python312, "h.h", Code::directory(".")).build();
        let api = RestApi::new(&stack, "api").build();
        api.resource_path("/x").method("GET", &f).build();
        acl.protect_rest_api(&api);
        let errors = stack.finish().expect_err("errors");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(messages[0].contains("outside WAF's 10"), "{messages:?}");
        assert!(messages[1].contains("is for CloudFront"), "{messages:?}");

        let stack = Stack::new("shop", Environment::prod().with_region("eu-west-1"));
        let _ = WebAcl::cloudfront(&stack, "edge").build();
        let out = stack.finish().expect("valid");
        let acl = out
            .config
            .resource("aws_wafv2_web_acl", "edge")
            .expect("acl");
        assert_eq!(
            acl.body.get("provider").map(|e| e.to_string()).as_deref(),
            Some("aws.us_east_1")
        );
        assert!(out.config.blocks_of("provider").any(|p| p
            .body
            .get("alias")
            .and_then(Expr::as_str)
            == Some("us_east_1")));
    }
}
