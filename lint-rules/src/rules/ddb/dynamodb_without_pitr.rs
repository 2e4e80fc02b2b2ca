use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::setting;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_dynamodb_table` without `point_in_time_recovery { enabled = true }`.
    ///
    /// ## Why is this bad?
    /// Point-in-time recovery lets a table be restored to any second of the last 35 days.
    /// Without it, a bug that overwrites items, a bad migration or a mistaken delete is
    /// permanent unless someone happened to take an on-demand backup just before. It is off
    /// unless asked for.
    ///
    /// A value it cannot evaluate counts as enabled. It deliberately does not flag the
    /// lock table of Terraform's S3 backend (hash key `LockID` and no range key: it holds
    /// nothing worth restoring), tables with `count = 0`, or the replicas of a global
    /// table (their `replica { point_in_time_recovery = … }` is their own setting). Tables
    /// of other disposable data (caches, sessions) are flagged too: suppress the finding
    /// with the reason.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_dynamodb_table" "orders" {
    ///   name         = "orders"
    ///   billing_mode = "PAY_PER_REQUEST"
    ///   hash_key     = "order_id"
    ///
    ///   attribute {
    ///     name = "order_id"
    ///     type = "S"
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_dynamodb_table" "orders" {
    ///   name         = "orders"
    ///   billing_mode = "PAY_PER_REQUEST"
    ///   hash_key     = "order_id"
    ///
    ///   attribute {
    ///     name = "order_id"
    ///     type = "S"
    ///   }
    ///
    ///   point_in_time_recovery {
    ///     enabled = true
    ///   }
    /// }
    /// ```
    pub struct DynamodbWithoutPitr {
        id: "DDB001",
        name: "dynamodb-without-pitr",
        severity: Warning,
    }
}

impl Rule for DynamodbWithoutPitr {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for table in cx.resources("aws_dynamodb_table") {
            if !exists(cx, table) || is_terraform_lock_table(cx, table) {
                continue;
            }
            let pitr = setting(cx, table, &["point_in_time_recovery", "enabled"]);
            if pitr.bool_or(false) == Some(false) {
                out.push(finding(table, pitr.origin()));
            }
        }
    }
}

/// The lock table of Terraform's S3 backend: hash key `LockID`, no range key.
fn is_terraform_lock_table(cx: &Context, table: &Block) -> bool {
    let hash_key = cx.attr(table, "hash_key");
    hash_key.as_ref().and_then(|v| v.as_str()) == Some("LockID")
        && setting(cx, table, &["range_key"]).str_or("") == Some("")
}

fn finding(table: &Block, disabled: Option<Origin>) -> Finding {
    Finding::new(
        &DynamodbWithoutPitr::META,
        format!(
            "table `{}` has no point-in-time recovery: overwritten or deleted items cannot be \
             restored",
            table.address()
        ),
    )
    .at(disabled.unwrap_or(table.origin))
    .label(match disabled {
        Some(_) => "`enabled = false`",
        None => "no `point_in_time_recovery`",
    })
    .help(
        "add `point_in_time_recovery { enabled = true }` (restores to any second of the \
               last 35 days)",
    )
    .resource(table.address())
    .attribute(disabled.map(|_| "point_in_time_recovery.enabled".to_string()))
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

    const RULE: &str = "DDB001";

    /// A table named `name` with `extra` in its body.
    fn table(name: &str, extra: &str) -> String {
        format!(
            r#"resource "aws_dynamodb_table" "{name}" {{
  name         = "{name}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {{
    name = "pk"
    type = "S"
  }}
{extra}}}
"#
        )
    }

    #[test]
    fn fires_without_pitr() {
        let cases: &[(&str, String)] = &[
            ("no block", table("orders", "")),
            (
                "disabled",
                table(
                    "orders",
                    "  point_in_time_recovery {\n    enabled = false\n  }\n",
                ),
            ),
            (
                "empty block",
                table("orders", "  point_in_time_recovery {}\n"),
            ),
            (
                "LockID with a range key is not a lock table",
                r#"resource "aws_dynamodb_table" "orders" {
  name      = "orders"
  hash_key  = "LockID"
  range_key = "sk"
}
"#
                .to_string(),
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(
                addresses(&f),
                ["aws_dynamodb_table.orders"],
                "{name}: {f:#?}"
            );
        }
    }

    #[test]
    fn quiet_with_pitr_or_unknown() {
        let cases: &[(&str, String)] = &[
            (
                "enabled",
                table(
                    "orders",
                    "  point_in_time_recovery {\n    enabled = true\n  }\n",
                ),
            ),
            (
                "unknown",
                format!(
                    "variable \"pitr\" {{\n  type = bool\n}}\n{}",
                    table(
                        "orders",
                        "  point_in_time_recovery {\n    enabled = var.pitr\n  }\n"
                    )
                ),
            ),
            (
                "terraform state lock table",
                r#"resource "aws_dynamodb_table" "terraform_locks" {
  name         = "terraform-locks"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }
}
"#
                .to_string(),
            ),
            (
                "count = 0",
                r#"resource "aws_dynamodb_table" "orders" {
  count    = 0
  name     = "orders"
  hash_key = "pk"
}
"#
                .to_string(),
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn tfvars_per_environment() {
        let main = format!(
            "variable \"enable_pitr\" {{\n  type    = bool\n  default = true\n}}\n{}",
            table(
                "orders",
                "  point_in_time_recovery {\n    enabled = var.enable_pitr\n  }\n"
            )
        );
        assert!(lint_hcl(RULE, &main).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", &main),
                ("terraform.tfvars", "enable_pitr = false\n"),
            ],
            None,
        );
        assert_eq!(addresses(&f), ["aws_dynamodb_table.orders"]);
        assert_eq!(
            f[0].attribute.as_deref(),
            Some("point_in_time_recovery.enabled")
        );
        assert_eq!(f[0].location.path, "main.tf");
    }

    #[test]
    fn tf_json() {
        let f = lint_files_with(
            RULE,
            &[(
                "main.tf.json",
                r#"{
  "resource": {
    "aws_dynamodb_table": {
      "orders": {
        "name": "orders",
        "hash_key": "pk",
        "point_in_time_recovery": { "enabled": false }
      },
      "payments": {
        "name": "payments",
        "hash_key": "pk",
        "point_in_time_recovery": { "enabled": true }
      }
    }
  }
}
"#,
            )],
            None,
        );
        assert_eq!(addresses(&f), ["aws_dynamodb_table.orders"]);
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            &format!(
                "{}\n{}",
                table("orders", ""),
                table(
                    "payments",
                    "\n  point_in_time_recovery {\n    enabled = false\n  }\n"
                )
            ),
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
