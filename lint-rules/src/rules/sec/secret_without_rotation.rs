use crate::{declare_rule, Finding, Rule};
use std::collections::HashSet;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::references::{referenced_blocks, referenced_blocks_in};
use tfstack_model::Block;

declare_rule! {
    /// ## What it does
    /// Flags an `aws_secretsmanager_secret` that no `aws_secretsmanager_secret_rotation`
    /// rotates: none whose `secret_id` refers to it (directly, through a local, or by a
    /// literal name or ARN of the secret).
    ///
    /// ## Why is this bad?
    /// A secret that never changes stays valid for as long as anyone has ever had it: a
    /// departed colleague, a leaked log, a backup, a compromised laptop. Rotation limits how
    /// long a leaked secret is useful, and proves the applications can cope with a new one
    /// before an incident forces it.
    ///
    /// ## What it deliberately does not flag
    /// - A secret handed to a child module whose name or `source` says it rotates
    ///   (`module "db_password_rotation"`, `source = "…/secret-rotation"`): the rotation
    ///   lives there.
    /// - A secret with `count = 0` or an empty `for_each`.
    /// - Secrets AWS manages itself (RDS `manage_master_user_password`, …): they are not
    ///   `aws_secretsmanager_secret` resources of the module.
    ///
    /// Some secrets cannot be rotated by AWS (a third-party API key issued by hand): suppress
    /// the finding with the reason, so the exception is visible.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_secretsmanager_secret" "db" {
    ///   name = "prod/db"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_secretsmanager_secret" "db" {
    ///   name = "prod/db"
    /// }
    ///
    /// resource "aws_secretsmanager_secret_rotation" "db" {
    ///   secret_id           = aws_secretsmanager_secret.db.id
    ///   rotation_lambda_arn = aws_lambda_function.rotate_db.arn
    ///
    ///   rotation_rules {
    ///     automatically_after_days = 30
    ///   }
    /// }
    /// ```
    pub struct SecretWithoutRotation {
        id: "SEC002",
        name: "secret-without-rotation",
        severity: Warning,
    }
}

impl Rule for SecretWithoutRotation {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let secrets = cx.resources("aws_secretsmanager_secret");
        if secrets.is_empty() {
            return;
        }
        // Addresses of the secrets something rotates: one hash lookup per secret below.
        let mut rotated: HashSet<String> = HashSet::new();
        for rotation in cx.resources("aws_secretsmanager_secret_rotation") {
            if !exists(cx, rotation) {
                continue;
            }
            let Some(secret_id) = rotation.body.get("secret_id") else {
                continue;
            };
            let referenced =
                referenced_blocks_in(cx, rotation, secret_id, "aws_secretsmanager_secret");
            if !referenced.is_empty() {
                rotated.extend(referenced.iter().map(|b| b.address()));
            } else if let Some(id) = cx.value(secret_id).as_str() {
                rotated.extend(secrets_named_by(cx, id).iter().map(|s| s.address()));
            }
        }
        for module in cx.module_calls() {
            if !says_rotation(cx, module) {
                continue;
            }
            for item in module.body.attributes() {
                rotated.extend(
                    referenced_blocks(cx, &item.value, "aws_secretsmanager_secret")
                        .iter()
                        .map(|b| b.address()),
                );
            }
        }
        for secret in secrets {
            if exists(cx, secret) && !rotated.contains(&secret.address()) {
                out.push(finding(secret));
            }
        }
    }
}

/// The secrets a literal `secret_id` (a name or an ARN) designates, as `is_named_by`
/// decides (a secret may come twice). Only a few names can be designated, so they are
/// looked up in the name index and `is_named_by` confirms each candidate: O(1) per
/// rotation instead of a scan of every secret.
fn secrets_named_by<'m>(cx: &Context<'m>, id: &str) -> Vec<&'m Block> {
    // An empty name designates no secret (AWS requires one).
    let candidates: Vec<&'m Block> = designated_names(id)
        .iter()
        .flat_map(|name| cx.resources_named("aws_secretsmanager_secret", "name", name))
        .collect();
    candidates
        .into_iter()
        .filter(|s| is_named_by(cx, s, id))
        .collect()
}

/// Every `name` for which `is_named_by` can accept `id`: the id itself; for an ARN, what
/// follows its last `:secret:`, and that without a final `-XXXXXX` (7 bytes).
fn designated_names(id: &str) -> Vec<&str> {
    let mut names = vec![id];
    if let Some((_, rest)) = id.rsplit_once(":secret:") {
        names.push(rest);
        if let Some(cut) = rest.len().checked_sub(7) {
            // An ASCII `-` always starts a character, so `cut` is a char boundary.
            if rest.as_bytes()[cut] == b'-' {
                names.push(&rest[..cut]);
            }
        }
    }
    names
}

/// Whether a literal `secret_id` (a name or an ARN) designates `secret`: its `name`, or an
/// ARN `…:secret:<name>-XXXXXX`.
fn is_named_by(cx: &Context, secret: &Block, id: &str) -> bool {
    let name = cx.attr(secret, "name");
    let Some(name) = name.as_ref().and_then(|v| v.as_str()) else {
        return false;
    };
    if id == name {
        return true;
    }
    id.rsplit_once(":secret:")
        .and_then(|(_, rest)| rest.strip_prefix(name))
        .is_some_and(|suffix| suffix.is_empty() || (suffix.starts_with('-') && suffix.len() == 7))
}

/// Whether a module's name or `source` says it rotates secrets.
fn says_rotation(cx: &Context, module: &Block) -> bool {
    let source = cx.attr(module, "source");
    let source = source.as_ref().and_then(|v| v.as_str()).unwrap_or("");
    [module.type_label(), source]
        .iter()
        .any(|s| s.to_ascii_lowercase().contains("rotat"))
}

fn finding(secret: &Block) -> Finding {
    Finding::new(
        &SecretWithoutRotation::META,
        format!(
            "secret `{}` is never rotated: no `aws_secretsmanager_secret_rotation` refers to it",
            secret.address()
        ),
    )
    .at(secret.origin)
    .label("no rotation")
    .help(
        "add an `aws_secretsmanager_secret_rotation` with `rotation_rules`, or suppress the \
               finding with the reason the secret cannot rotate",
    )
    .resource(secret.address())
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_hcl, render_all};

    const RULE: &str = "SEC002";

    fn addresses(text: &str) -> Vec<String> {
        lint_hcl(RULE, text)
            .into_iter()
            .filter_map(|f| f.resource)
            .collect()
    }

    #[test]
    fn fires_without_rotation() {
        let found = addresses(
            r#"
resource "aws_secretsmanager_secret" "db" {
  name = "prod/db"
}

resource "aws_secretsmanager_secret" "api" {
  name_prefix = "api-"
}

# Rotates another secret.
resource "aws_secretsmanager_secret" "other" {
  name = "prod/other"
}
resource "aws_secretsmanager_secret_rotation" "other" {
  secret_id           = aws_secretsmanager_secret.other.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:111122223333:function:rotate"
  rotation_rules {
    automatically_after_days = 30
  }
}

# A rotation that is switched off does not count.
resource "aws_secretsmanager_secret" "switched_off" {
  name = "prod/switched-off"
}
resource "aws_secretsmanager_secret_rotation" "switched_off" {
  count               = 0
  secret_id           = aws_secretsmanager_secret.switched_off.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:111122223333:function:rotate"
  rotation_rules {
    automatically_after_days = 30
  }
}

# A module that is not about rotation.
module "api" {
  source     = "./api"
  secret_arn = aws_secretsmanager_secret.db.arn
}
"#,
        );
        assert_eq!(
            found,
            [
                "aws_secretsmanager_secret.db",
                "aws_secretsmanager_secret.api",
                "aws_secretsmanager_secret.switched_off"
            ]
        );
    }

    #[test]
    fn quiet_when_rotated() {
        let found = addresses(
            r#"
locals {
  db_secret_arn = aws_secretsmanager_secret.db.arn
}

resource "aws_secretsmanager_secret" "db" {
  name = "prod/db"
}
resource "aws_secretsmanager_secret_rotation" "db" {
  secret_id           = local.db_secret_arn
  rotation_lambda_arn = aws_lambda_function.rotate.arn
  rotation_rules {
    automatically_after_days = 30
  }
}

resource "aws_secretsmanager_secret" "per_tenant" {
  for_each = toset(["a", "b"])
  name     = "tenant/${each.key}"
}
resource "aws_secretsmanager_secret_rotation" "per_tenant" {
  for_each            = aws_secretsmanager_secret.per_tenant
  secret_id           = aws_secretsmanager_secret.per_tenant[each.key].id
  rotation_lambda_arn = aws_lambda_function.rotate.arn
  rotation_rules {
    schedule_expression = "rate(30 days)"
  }
}

resource "aws_secretsmanager_secret" "by_name" {
  name = "prod/by-name"
}
resource "aws_secretsmanager_secret_rotation" "by_name" {
  secret_id           = "prod/by-name"
  rotation_lambda_arn = aws_lambda_function.rotate.arn
  rotation_rules {
    automatically_after_days = 7
  }
}

resource "aws_secretsmanager_secret" "by_arn" {
  name = "prod/by-arn"
}
resource "aws_secretsmanager_secret_rotation" "by_arn" {
  secret_id           = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/by-arn-Ab12Cd"
  rotation_lambda_arn = aws_lambda_function.rotate.arn
  rotation_rules {
    automatically_after_days = 7
  }
}

resource "aws_secretsmanager_secret" "rotated_by_module" {
  name = "prod/rds"
}
module "rds_password_rotation" {
  source    = "./modules/rotation"
  secret_id = aws_secretsmanager_secret.rotated_by_module.id
}

resource "aws_secretsmanager_secret" "gone" {
  count = 0
  name  = "gone"
}

resource "aws_lambda_function" "rotate" {
  function_name = "rotate"
  role          = "arn:aws:iam::111122223333:role/rotate"
}
"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn literal_ids_resolve_through_the_name_index() {
        // Literal names and ARNs (with and without the random `-XXXXXX` suffix) designate
        // secrets by their evaluated `name`, and nothing else.
        let found = addresses(
            r#"
locals {
  env = "prod"
}
resource "aws_secretsmanager_secret" "db" {
  name = "${local.env}/db"
}
resource "aws_secretsmanager_secret" "db_suffixed" {
  name = "prod/db-Ab12Cd"
}
resource "aws_secretsmanager_secret" "api" {
  name = "prod/api"
}
resource "aws_secretsmanager_secret" "api_key" {
  name = "prod/api-key"
}
resource "aws_secretsmanager_secret" "cache" {
  name = "prod/cache"
}
resource "aws_secretsmanager_secret" "queue" {
  name = "prod/queue"
}
resource "aws_secretsmanager_secret_rotation" "db" {
  secret_id           = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-Ab12Cd"
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:111122223333:function:rotate"
  rotation_rules {
    automatically_after_days = 30
  }
}
resource "aws_secretsmanager_secret_rotation" "api" {
  secret_id           = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/api-key"
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:111122223333:function:rotate"
  rotation_rules {
    automatically_after_days = 30
  }
}
resource "aws_secretsmanager_secret_rotation" "cache" {
  secret_id           = "prod/cache"
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:111122223333:function:rotate"
  rotation_rules {
    automatically_after_days = 30
  }
}
resource "aws_secretsmanager_secret_rotation" "queue" {
  secret_id           = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/queue-Ab12"
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:111122223333:function:rotate"
  rotation_rules {
    automatically_after_days = 30
  }
}
"#,
        );
        // `…:secret:prod/db-Ab12Cd` is `prod/db` with its suffix and `prod/db-Ab12Cd`
        // itself; `…:secret:prod/api-key` is `prod/api-key` only (`-key` is too short for
        // a suffix), and `-Ab12` is no suffix either.
        assert_eq!(
            found,
            [
                "aws_secretsmanager_secret.api",
                "aws_secretsmanager_secret.queue"
            ]
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_secretsmanager_secret" "db" {
  name        = "prod/db"
  description = "Orders database credentials"
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
