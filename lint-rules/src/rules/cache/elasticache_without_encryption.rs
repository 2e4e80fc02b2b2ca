use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::{setting, Setting};
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags a Redis OSS or Valkey `aws_elasticache_replication_group` that is not
    /// encrypted at rest (`at_rest_encryption_enabled`, off by default for Redis OSS, on
    /// for Valkey) or not encrypted in transit (`transit_encryption_enabled`, off by
    /// default). Each missing encryption is its own finding.
    ///
    /// ## Why is this bad?
    /// A cache holds copies of the data the application protects elsewhere: sessions,
    /// tokens, personal data. Without encryption at rest, its swap files and its backups
    /// in S3 are in clear; without encryption in transit, every command and reply crosses
    /// the network in clear, and AUTH tokens cannot be used at all. Encryption at rest can
    /// only be chosen when the group is created: turning it on later replaces the group.
    ///
    /// A value it cannot evaluate counts as enabled; with `engine` unknown, the default of
    /// at-rest encryption is unknown too. It deliberately does not flag members of a
    /// global datastore (`global_replication_group_id`: they inherit the primary's
    /// settings), `transit_encryption_mode = "preferred"` (a migration step that still
    /// accepts clear connections, but one the team chose), single-node
    /// `aws_elasticache_cluster`s and serverless caches (always encrypted), or groups with
    /// `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_elasticache_replication_group" "sessions" {
    ///   replication_group_id = "sessions"
    ///   description          = "user sessions"
    ///   engine               = "redis"
    ///   node_type            = "cache.t4g.small"
    ///   num_cache_clusters   = 2
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_elasticache_replication_group" "sessions" {
    ///   replication_group_id       = "sessions"
    ///   description                = "user sessions"
    ///   engine                     = "redis"
    ///   node_type                  = "cache.t4g.small"
    ///   num_cache_clusters         = 2
    ///   at_rest_encryption_enabled = true
    ///   transit_encryption_enabled = true
    /// }
    /// ```
    pub struct ElasticacheWithoutEncryption {
        id: "CACHE001",
        name: "elasticache-without-encryption",
        severity: Error,
    }
}

/// Which encryption is missing.
#[derive(Clone, Copy)]
enum Missing {
    AtRest,
    InTransit,
}

impl Rule for ElasticacheWithoutEncryption {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for group in cx.resources("aws_elasticache_replication_group") {
            if !exists(cx, group) || setting(cx, group, &["global_replication_group_id"]).is_set() {
                continue;
            }
            // `None`: an engine it cannot evaluate.
            let engine = setting(cx, group, &["engine"])
                .str_or("redis")
                .map(str::to_ascii_lowercase);
            let at_rest_default = match engine.as_deref() {
                Some("redis") => Some(false),
                Some("valkey") => Some(true),
                Some(_) => continue,
                None => None,
            };
            let at_rest = setting(cx, group, &["at_rest_encryption_enabled"]);
            let at_rest_on = match (&at_rest, at_rest_default) {
                (Setting::Unset, None) => None,
                (_, default) => at_rest.bool_or(default.unwrap_or(false)),
            };
            if at_rest_on == Some(false) {
                out.push(finding(
                    group,
                    Missing::AtRest,
                    at_rest.origin(),
                    engine.as_deref(),
                ));
            }
            let transit = setting(cx, group, &["transit_encryption_enabled"]);
            if transit.bool_or(false) == Some(false) {
                out.push(finding(
                    group,
                    Missing::InTransit,
                    transit.origin(),
                    engine.as_deref(),
                ));
            }
        }
    }
}

fn finding(
    group: &Block,
    missing: Missing,
    written: Option<Origin>,
    engine: Option<&str>,
) -> Finding {
    let engine = match engine {
        Some("valkey") => "Valkey ",
        Some(_) => "Redis ",
        None => "",
    };
    let (attribute, message, help) = match missing {
        Missing::AtRest => (
            "at_rest_encryption_enabled",
            format!(
                "{engine}replication group `{}` is not encrypted at rest: its disks and backups \
                 hold the data in clear",
                group.address()
            ),
            "set `at_rest_encryption_enabled = true` (chosen at creation: the group is replaced)",
        ),
        Missing::InTransit => (
            "transit_encryption_enabled",
            format!(
                "{engine}replication group `{}` is not encrypted in transit: commands and replies \
                 cross the network in clear",
                group.address()
            ),
            "set `transit_encryption_enabled = true` and connect with TLS \
             (`transit_encryption_mode = \"preferred\"` lets clients migrate)",
        ),
    };
    Finding::new(&ElasticacheWithoutEncryption::META, message)
        .at(written.unwrap_or(group.origin))
        .label(match written {
            Some(_) => format!("`{attribute} = false`"),
            None => format!("no `{attribute}`"),
        })
        .help(help)
        .resource(group.address())
        .attribute(written.map(|_| attribute.to_string()))
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "CACHE001";

    /// The missing encryption of each finding.
    fn missing(findings: &[tfstack_lint_engine::located::Located]) -> Vec<String> {
        findings
            .iter()
            .map(|f| {
                if f.message.contains("at rest") {
                    "at rest".to_string()
                } else {
                    "in transit".to_string()
                }
            })
            .collect()
    }

    /// A replication group `sessions` with `extra` in its body.
    fn group(extra: &str) -> String {
        format!(
            r#"variable "unset" {{}}
resource "aws_elasticache_replication_group" "sessions" {{
  replication_group_id = "sessions"
  description          = "user sessions"
  node_type            = "cache.t4g.small"
  num_cache_clusters   = 2
{extra}}}
"#
        )
    }

    #[test]
    fn fires_per_missing_encryption() {
        let cases: &[(&str, String, &[&str])] = &[
            ("redis defaults", group(""), &["at rest", "in transit"]),
            (
                "explicit redis, transit on",
                group("  engine = \"redis\"\n  transit_encryption_enabled = true\n"),
                &["at rest"],
            ),
            (
                "at rest off as a string",
                group(
                    "  at_rest_encryption_enabled = \"false\"\n  transit_encryption_enabled = true\n",
                ),
                &["at rest"],
            ),
            (
                "valkey defaults: encrypted at rest, not in transit",
                group("  engine = \"valkey\"\n"),
                &["in transit"],
            ),
            (
                "valkey with at rest turned off",
                group(
                    "  engine = \"valkey\"\n  at_rest_encryption_enabled = false\n  transit_encryption_enabled = true\n",
                ),
                &["at rest"],
            ),
            (
                "unknown engine: transit only",
                group("  engine = var.unset\n"),
                &["in transit"],
            ),
        ];
        for (name, hcl, expected) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(missing(&f), *expected, "{name}: {f:#?}");
        }
    }

    #[test]
    fn quiet_when_encrypted_or_unknown() {
        let cases: &[(&str, String)] = &[
            (
                "both on",
                group(
                    "  engine = \"redis\"\n  at_rest_encryption_enabled = true\n  transit_encryption_enabled = true\n  auth_token = var.unset\n",
                ),
            ),
            (
                "valkey with transit",
                group("  engine = \"valkey\"\n  transit_encryption_enabled = true\n"),
            ),
            (
                "unknown values",
                group(
                    "  at_rest_encryption_enabled = var.unset\n  transit_encryption_enabled = var.unset\n",
                ),
            ),
            (
                "preferred transit mode",
                group(
                    "  at_rest_encryption_enabled = true\n  transit_encryption_enabled = true\n  transit_encryption_mode = \"preferred\"\n",
                ),
            ),
            (
                "secondary of a global datastore",
                group("  global_replication_group_id = \"ldgnf-sessions\"\n"),
            ),
            ("count = 0", group("  count = 0\n")),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn tfvars_per_environment() {
        let main = r#"variable "encrypt" {
  type    = bool
  default = true
}
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "user sessions"
  engine                     = "redis"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  at_rest_encryption_enabled = var.encrypt
  transit_encryption_enabled = var.encrypt
}
"#;
        assert!(lint_hcl(RULE, main).is_empty());
        let f = lint_files_with(
            RULE,
            &[("main.tf", main), ("terraform.tfvars", "encrypt = false\n")],
            None,
        );
        assert_eq!(missing(&f), ["at rest", "in transit"]);
        let attributes: Vec<_> = f.iter().filter_map(|x| x.attribute.clone()).collect();
        assert_eq!(
            attributes,
            ["at_rest_encryption_enabled", "transit_encryption_enabled"]
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "user sessions"
  engine                     = "redis"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  transit_encryption_enabled = false
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
