use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::companions::judged_repositories;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::{has_dynamic, setting};
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_ecr_repository` without `image_scanning_configuration { scan_on_push
    /// = true }`, unless an `aws_ecr_registry_scanning_configuration` of the module scans
    /// it: a `rule` with `scan_frequency` `SCAN_ON_PUSH` or `CONTINUOUS_SCAN` (basic or
    /// `ENHANCED` scanning) whose `repository_filter` matches the repository's name.
    ///
    /// ## Why is this bad?
    /// An image that is never scanned ships the vulnerabilities of its base image and
    /// dependencies without anyone being told. Scanning on push costs nothing with basic
    /// scanning and puts the findings next to the image before it is deployed.
    ///
    /// AWS now recommends configuring scanning for the whole registry, with filters; a
    /// registry rule counts when its `WILDCARD` filter matches the repository's name (`*`
    /// matches any characters). A filter or a name it cannot evaluate counts as a match,
    /// a `scan_on_push` it cannot evaluate counts as `true`, and a `dynamic` rule or
    /// filter counts as scanning. It deliberately does not flag repositories handed to a
    /// child module by name, or repositories with `count = 0`. A registry scanning
    /// configuration managed in another module (or in the console) is not seen: suppress
    /// the finding with that reason.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ecr_repository" "api" {
    ///   name = "acme/api"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_ecr_repository" "api" {
    ///   name = "acme/api"
    ///
    ///   image_scanning_configuration {
    ///     scan_on_push = true
    ///   }
    /// }
    /// ```
    pub struct EcrScanOnPushDisabled {
        id: "ECR001",
        name: "ecr-scan-on-push-disabled",
        severity: Warning,
    }
}

/// Registry rule frequencies that scan new images.
const SCANNING_FREQUENCIES: &[&str] = &["SCAN_ON_PUSH", "CONTINUOUS_SCAN"];

impl Rule for EcrScanOnPushDisabled {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for repository in judged_repositories(cx) {
            let scan = setting(
                cx,
                repository,
                &["image_scanning_configuration", "scan_on_push"],
            );
            if scan.bool_or(false) != Some(false) || registry_scans(cx, repository) {
                continue;
            }
            out.push(finding(repository, scan.origin()));
        }
    }
}

/// Whether a registry scanning configuration of the module scans new images of the
/// repository (or may).
fn registry_scans(cx: &Context, repository: &Block) -> bool {
    let name = cx.attr(repository, "name");
    let name = name.as_ref().and_then(|v| v.as_str());
    cx.resources("aws_ecr_registry_scanning_configuration")
        .iter()
        .filter(|c| exists(cx, c))
        .any(|configuration| {
            if has_dynamic(cx, &configuration.body, "rule") {
                return true;
            }
            configuration.body.blocks_of("rule").any(|rule| {
                let frequency = setting(cx, rule, &["scan_frequency"]);
                let scans = frequency
                    .str_or("")
                    .is_none_or(|f| SCANNING_FREQUENCIES.contains(&f));
                scans
                    && (has_dynamic(cx, &rule.body, "repository_filter")
                        || rule.body.blocks_of("repository_filter").any(|f| {
                            let filter = setting(cx, f, &["filter"]);
                            match (filter.str_or(""), name) {
                                (Some(pattern), Some(name)) => wildcard_matches(pattern, name),
                                _ => true,
                            }
                        }))
            })
        })
}

/// ECR's `WILDCARD` filter: `*` matches any run of characters, the rest literally.
fn wildcard_matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        // No `*`: the name itself.
        return pattern == name;
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

fn finding(repository: &Block, scan_on_push: Option<Origin>) -> Finding {
    Finding::new(
        &EcrScanOnPushDisabled::META,
        format!(
            "repository `{}` does not scan images on push: vulnerabilities in pushed images go \
             unnoticed",
            repository.address()
        ),
    )
    .at(scan_on_push.unwrap_or(repository.origin))
    .label(match scan_on_push {
        Some(_) => "`scan_on_push = false`",
        None => "no `image_scanning_configuration`",
    })
    .help(
        "set `image_scanning_configuration { scan_on_push = true }`, or scan the whole \
               registry with an `aws_ecr_registry_scanning_configuration`",
    )
    .resource(repository.address())
    .attribute(scan_on_push.map(|_| "image_scanning_configuration.scan_on_push".to_string()))
}

#[cfg(test)]
mod tests {
    use super::wildcard_matches;
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

    const RULE: &str = "ECR001";

    #[test]
    fn wildcards() {
        assert!(wildcard_matches("*", "acme/api"));
        assert!(wildcard_matches("acme/*", "acme/api"));
        assert!(wildcard_matches("*/api", "acme/api"));
        assert!(wildcard_matches("acme/*-svc*", "acme/orders-svc-v2"));
        assert!(wildcard_matches("acme/api", "acme/api"));
        assert!(!wildcard_matches("acme/api", "acme/api2"));
        assert!(!wildcard_matches("team/*", "acme/api"));
        assert!(!wildcard_matches("a*a", "a"));
    }

    #[test]
    fn fires_without_scanning() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "no scanning configuration",
                r#"resource "aws_ecr_repository" "api" {
  name = "acme/api"
}"#,
                &["aws_ecr_repository.api"],
            ),
            (
                "scan_on_push = false",
                r#"resource "aws_ecr_repository" "api" {
  name                 = "acme/api"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = false
  }
}"#,
                &["aws_ecr_repository.api"],
            ),
            (
                "registry rule for other repositories",
                r#"resource "aws_ecr_registry_scanning_configuration" "this" {
  scan_type = "ENHANCED"
  rule {
    scan_frequency = "CONTINUOUS_SCAN"
    repository_filter {
      filter      = "team-b/*"
      filter_type = "WILDCARD"
    }
  }
}
resource "aws_ecr_repository" "api" {
  name = "acme/api"
}"#,
                &["aws_ecr_repository.api"],
            ),
            (
                "registry rule scanning manually",
                r#"resource "aws_ecr_registry_scanning_configuration" "this" {
  scan_type = "BASIC"
  rule {
    scan_frequency = "MANUAL"
    repository_filter {
      filter      = "*"
      filter_type = "WILDCARD"
    }
  }
}
resource "aws_ecr_repository" "api" {
  name = "acme/api"
}"#,
                &["aws_ecr_repository.api"],
            ),
        ];
        for (name, hcl, expected) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(addresses(&f), *expected, "{name}: {f:#?}");
        }
    }

    #[test]
    fn quiet_when_scanned_or_unknown() {
        let cases: &[(&str, &str)] = &[
            (
                "scan on push",
                r#"resource "aws_ecr_repository" "api" {
  name = "acme/api"
  image_scanning_configuration {
    scan_on_push = true
  }
}"#,
            ),
            (
                "enhanced registry scanning for the team",
                r#"resource "aws_ecr_registry_scanning_configuration" "this" {
  scan_type = "ENHANCED"
  rule {
    scan_frequency = "CONTINUOUS_SCAN"
    repository_filter {
      filter      = "acme/*"
      filter_type = "WILDCARD"
    }
  }
}
resource "aws_ecr_repository" "api" {
  name = "acme/api"
}"#,
            ),
            (
                "basic registry scanning on push",
                r#"resource "aws_ecr_registry_scanning_configuration" "this" {
  scan_type = "BASIC"
  rule {
    scan_frequency = "SCAN_ON_PUSH"
    repository_filter {
      filter      = "*"
      filter_type = "WILDCARD"
    }
  }
}
resource "aws_ecr_repository" "api" {
  name = "acme/api"
}"#,
            ),
            (
                "scan_on_push from a variable without a value",
                r#"variable "scan" {
  type = bool
}
resource "aws_ecr_repository" "api" {
  name = "acme/api"
  image_scanning_configuration {
    scan_on_push = var.scan
  }
}"#,
            ),
            (
                "registry filter from a variable without a value",
                r#"variable "scanned_prefix" {
  type = string
}
resource "aws_ecr_registry_scanning_configuration" "this" {
  scan_type = "ENHANCED"
  rule {
    scan_frequency = "SCAN_ON_PUSH"
    repository_filter {
      filter      = var.scanned_prefix
      filter_type = "WILDCARD"
    }
  }
}
resource "aws_ecr_repository" "api" {
  name = "acme/api"
}"#,
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn for_each_repositories_and_tfvars() {
        let main = r#"variable "repositories" {
  type = map(object({ scan = bool }))
}
resource "aws_ecr_repository" "service" {
  for_each = var.repositories
  name     = "acme/${each.key}"
  image_scanning_configuration {
    scan_on_push = each.value.scan
  }
}
variable "scan_legacy" {
  type    = bool
  default = true
}
resource "aws_ecr_repository" "legacy" {
  name = "acme/legacy"
  image_scanning_configuration {
    scan_on_push = var.scan_legacy
  }
}
"#;
        assert!(lint_hcl(RULE, main).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                ("terraform.tfvars", "scan_legacy = false\n"),
            ],
            None,
        );
        assert_eq!(addresses(&f), ["aws_ecr_repository.legacy"]);
        assert_eq!(
            f[0].attribute.as_deref(),
            Some("image_scanning_configuration.scan_on_push")
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_ecr_repository" "api" {
  name = "acme/api"
}

resource "aws_ecr_repository" "worker" {
  name = "acme/worker"

  image_scanning_configuration {
    scan_on_push = false
  }
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
