use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags a cache behaviour of an `aws_cloudfront_distribution` — the
    /// `default_cache_behavior` or an `ordered_cache_behavior` — with
    /// `viewer_protocol_policy = "allow-all"`, which serves viewers over plain HTTP.
    ///
    /// ## Why is this bad?
    /// Over HTTP anyone on the path (a café's Wi-Fi, a compromised router) reads the pages,
    /// the cookies and the tokens sent with them, and can change the content on the way: a
    /// script injected into a page runs with the site's origin. `redirect-to-https` sends
    /// HTTP requests to HTTPS with a 301; `https-only` refuses them (CloudFront developer
    /// guide, "Require HTTPS for communication between viewers and CloudFront").
    ///
    /// ## What it deliberately does not flag
    /// - A policy it cannot know before apply, behaviours written as `dynamic` blocks, and
    ///   distributions with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// default_cache_behavior {
    ///   target_origin_id       = "site"
    ///   viewer_protocol_policy = "allow-all"
    ///   allowed_methods        = ["GET", "HEAD"]
    ///   cached_methods         = ["GET", "HEAD"]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// default_cache_behavior {
    ///   target_origin_id       = "site"
    ///   viewer_protocol_policy = "redirect-to-https"
    ///   allowed_methods        = ["GET", "HEAD"]
    ///   cached_methods         = ["GET", "HEAD"]
    /// }
    /// ```
    pub struct CloudfrontAllowsPlainHttp {
        id: "TLS002",
        name: "cloudfront-allows-plain-http",
        severity: Warning,
    }
}

impl Rule for CloudfrontAllowsPlainHttp {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for distribution in cx.resources("aws_cloudfront_distribution") {
            if !exists(cx, distribution) {
                continue;
            }
            let mut ordered = 0;
            for behaviour in distribution.body.blocks() {
                let path = match behaviour.kind.as_str() {
                    "default_cache_behavior" => "default_cache_behavior".to_string(),
                    "ordered_cache_behavior" => {
                        ordered += 1;
                        format!("ordered_cache_behavior[{}]", ordered - 1)
                    }
                    _ => continue,
                };
                let Some(policy) = behaviour.body.get("viewer_protocol_policy") else {
                    continue;
                };
                let value = cx.value(policy);
                if value.as_str() == Some("allow-all") {
                    let origin = value.origin.or(policy.origin).or(behaviour.origin);
                    let pattern = behaviour
                        .body
                        .get("path_pattern")
                        .and_then(|e| cx.value(e).as_str().map(str::to_string));
                    out.push(finding(distribution, behaviour, pattern, &path, origin));
                }
            }
        }
    }
}

fn finding(
    distribution: &Block,
    behaviour: &Block,
    pattern: Option<String>,
    path: &str,
    origin: Origin,
) -> Finding {
    let which = match pattern {
        Some(pattern) => format!("its behaviour for `{pattern}`"),
        None if behaviour.kind == "default_cache_behavior" => "its default behaviour".to_string(),
        None => "an ordered behaviour".to_string(),
    };
    Finding::new(
        &CloudfrontAllowsPlainHttp::META,
        format!(
            "CloudFront distribution `{}` serves plain HTTP in {which} (`allow-all`)",
            distribution.address()
        ),
    )
    .at(origin)
    .label("HTTP allowed")
    .help("set `viewer_protocol_policy = \"redirect-to-https\"` (or `\"https-only\"`)")
    .resource(distribution.address())
    .attribute(format!("{path}.viewer_protocol_policy"))
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_hcl, render_all};

    const RULE: &str = "TLS002";

    fn distribution(default_policy: &str, ordered: &[(&str, &str)]) -> String {
        let mut text = format!(
            r#"variable "policy" {{}}
resource "aws_cloudfront_distribution" "site" {{
  enabled = true
  default_cache_behavior {{
    target_origin_id       = "site"
    viewer_protocol_policy = {default_policy}
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
  }}
"#
        );
        for (pattern, policy) in ordered {
            text.push_str(&format!(
                "  ordered_cache_behavior {{\n    path_pattern           = \"{pattern}\"\n    target_origin_id       = \"site\"\n    viewer_protocol_policy = {policy}\n    allowed_methods        = [\"GET\", \"HEAD\"]\n    cached_methods         = [\"GET\", \"HEAD\"]\n  }}\n"
            ));
        }
        text.push_str("}\n");
        text
    }

    #[test]
    fn fires_on_each_behaviour_that_allows_http() {
        let f = lint_hcl(
            RULE,
            &distribution(
                "\"allow-all\"",
                &[("/api/*", "\"https-only\""), ("/img/*", "\"allow-all\"")],
            ),
        );
        let at: Vec<_> = f.iter().filter_map(|x| x.attribute.clone()).collect();
        assert_eq!(
            at,
            [
                "default_cache_behavior.viewer_protocol_policy",
                "ordered_cache_behavior[1].viewer_protocol_policy"
            ]
        );
        assert!(f[1].message.contains("behaviour for `/img/*`"), "{}", f[1].message);
    }

    #[test]
    fn quiet_with_https_or_unknown() {
        for (default, ordered) in [
            ("\"redirect-to-https\"", "\"https-only\""),
            ("var.policy", "var.policy"),
        ] {
            let f = lint_hcl(RULE, &distribution(default, &[("/api/*", ordered)]));
            assert!(f.is_empty(), "{default}: {f:#?}");
        }
    }

    #[test]
    fn snapshot_diagnostic() {
        insta::assert_snapshot!(render_all(&lint_hcl(
            RULE,
            &distribution("\"allow-all\"", &[])
        )));
    }
}
