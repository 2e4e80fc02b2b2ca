use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::setting;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags a symmetric encryption `aws_kms_key` — `customer_master_key_spec`
    /// `SYMMETRIC_DEFAULT` (the default) and `key_usage` `ENCRYPT_DECRYPT` (the default) —
    /// without `enable_key_rotation = true`.
    ///
    /// ## Why is this bad?
    /// AWS managed keys rotate every year; customer managed keys only when asked. Rotation
    /// gives the key new material on a schedule while keeping the old material to decrypt
    /// what it encrypted, so it costs no downtime and no re-encryption, and it bounds how
    /// much data depends on one piece of key material. Most compliance frameworks (CIS,
    /// PCI DSS) require it.
    ///
    /// It deliberately does not flag keys that cannot rotate automatically: asymmetric
    /// (`RSA_*`, `ECC_*`, `SM2`) and HMAC keys, signing or key-agreement keys, and keys in
    /// a custom key store (`custom_key_store_id`, `xks_key_id`). Nor keys whose spec,
    /// usage, key store or rotation setting it cannot evaluate, or keys with `count = 0`.
    /// Imported key material is an `aws_kms_external_key`, which this rule does not read.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_kms_key" "data" {
    ///   description = "orders data"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_kms_key" "data" {
    ///   description         = "orders data"
    ///   enable_key_rotation = true
    /// }
    /// ```
    pub struct KmsKeyWithoutRotation {
        id: "KMS001",
        name: "kms-key-without-rotation",
        severity: Warning,
    }
}

impl Rule for KmsKeyWithoutRotation {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for key in cx.resources("aws_kms_key") {
            if !exists(cx, key) || !can_rotate(cx, key) {
                continue;
            }
            let rotation = setting(cx, key, &["enable_key_rotation"]);
            if rotation.bool_or(false) == Some(false) {
                out.push(finding(key, rotation.origin()));
            }
        }
    }
}

/// Whether automatic rotation applies: a symmetric encryption key in AWS KMS's own store.
fn can_rotate(cx: &Context, key: &Block) -> bool {
    let spec = setting(cx, key, &["customer_master_key_spec"]);
    let usage = setting(cx, key, &["key_usage"]);
    spec.str_or("SYMMETRIC_DEFAULT") == Some("SYMMETRIC_DEFAULT")
        && usage.str_or("ENCRYPT_DECRYPT") == Some("ENCRYPT_DECRYPT")
        && !setting(cx, key, &["custom_key_store_id"]).is_set()
        && !setting(cx, key, &["xks_key_id"]).is_set()
}

fn finding(key: &Block, disabled: Option<Origin>) -> Finding {
    Finding::new(
        &KmsKeyWithoutRotation::META,
        format!(
            "key `{}` is a symmetric customer managed key without automatic rotation",
            key.address()
        ),
    )
    .at(disabled.unwrap_or(key.origin))
    .label(match disabled {
        Some(_) => "`enable_key_rotation = false`",
        None => "no `enable_key_rotation`",
    })
    .help(
        "set `enable_key_rotation = true` (yearly; `rotation_period_in_days` sets another \
               period between 90 and 2560 days)",
    )
    .resource(key.address())
    .attribute(disabled.map(|_| "enable_key_rotation".to_string()))
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

    const RULE: &str = "KMS001";

    #[test]
    fn fires_on_symmetric_keys_without_rotation() {
        let cases: &[(&str, &str)] = &[
            (
                "defaults",
                r#"resource "aws_kms_key" "data" {
  description = "orders data"
}"#,
            ),
            (
                "explicitly off",
                r#"resource "aws_kms_key" "data" {
  description             = "orders data"
  deletion_window_in_days = 30
  enable_key_rotation     = false
}"#,
            ),
            (
                "explicit symmetric spec and usage, multi-region",
                r#"resource "aws_kms_key" "data" {
  description              = "orders data"
  customer_master_key_spec = "SYMMETRIC_DEFAULT"
  key_usage                = "ENCRYPT_DECRYPT"
  multi_region             = true
}"#,
            ),
            (
                "a period alone does not turn rotation on",
                r#"resource "aws_kms_key" "data" {
  description             = "orders data"
  rotation_period_in_days = 180
}"#,
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(addresses(&f), ["aws_kms_key.data"], "{name}: {f:#?}");
        }
    }

    #[test]
    fn quiet_on_rotated_or_unrotatable_keys() {
        let cases: &[(&str, &str)] = &[
            (
                "rotated",
                r#"resource "aws_kms_key" "data" {
  description         = "orders data"
  enable_key_rotation = true
}"#,
            ),
            (
                "asymmetric signing key",
                r#"resource "aws_kms_key" "signing" {
  description              = "release signing"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
}"#,
            ),
            (
                "asymmetric encryption key",
                r#"resource "aws_kms_key" "envelope" {
  description              = "client-side envelope"
  customer_master_key_spec = "RSA_4096"
  key_usage                = "ENCRYPT_DECRYPT"
}"#,
            ),
            (
                "HMAC key",
                r#"resource "aws_kms_key" "tokens" {
  description              = "token MACs"
  customer_master_key_spec = "HMAC_256"
  key_usage                = "GENERATE_VERIFY_MAC"
}"#,
            ),
            (
                "custom key store",
                r#"resource "aws_kms_key" "hsm" {
  description         = "CloudHSM-backed"
  custom_key_store_id = "cks-1234567890abcdef0"
}"#,
            ),
            (
                "spec from a variable without a value",
                r#"variable "key_spec" {
  type = string
}
resource "aws_kms_key" "data" {
  description              = "orders data"
  customer_master_key_spec = var.key_spec
}"#,
            ),
            (
                "count = 0",
                r#"resource "aws_kms_key" "data" {
  count       = 0
  description = "orders data"
}"#,
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn tfvars_decide() {
        let main = r#"variable "key_spec" {
  type    = string
  default = "RSA_2048"
}
resource "aws_kms_key" "data" {
  description              = "orders data"
  customer_master_key_spec = var.key_spec
}
"#;
        assert!(lint_hcl(RULE, main).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                ("terraform.tfvars", "key_spec = \"SYMMETRIC_DEFAULT\"\n"),
            ],
            None,
        );
        assert_eq!(addresses(&f), ["aws_kms_key.data"]);
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_kms_key" "data" {
  description = "orders data"
}

resource "aws_kms_key" "logs" {
  description         = "log encryption"
  enable_key_rotation = false
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
