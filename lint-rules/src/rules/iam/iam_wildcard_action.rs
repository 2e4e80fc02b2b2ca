use super::shared::{attribute_path, element_origin, Field};
use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::policy::{policies, PolicyDoc, StatementView};
use tfstack_model::aws::is_account_id;
use tfstack_model::{Origin, Value, ValueKind};

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement whose `Action` is `*` or a whole service (`s3:*`, in any
    /// case), and an `Allow` statement with `NotAction`.
    ///
    /// ## Why is this bad?
    /// `*` makes the principal an administrator; `s3:*` lets it delete buckets, rewrite
    /// their policies and turn off their encryption when it only had to read objects. An
    /// `Allow` with `NotAction` grants every action AWS has, or will add, except the few
    /// listed. Least privilege starts with naming the actions.
    ///
    /// It looks at identity policies (`aws_iam_policy`, role/user/group policies, inline
    /// policies), resource policies (bucket, queue, topic, secret, key, …), trust policies,
    /// `aws_iam_policy_document` data sources and standalone JSON policy files, however the
    /// JSON is written. The finding points at the offending list element, or at the
    /// `NotAction` key.
    ///
    /// ## What it deliberately does not flag
    /// - Patterns narrower than a service: `s3:Get*`, `ec2:Describe*`.
    /// - `Deny` statements: `Deny` with `s3:*` is how guard rails are written.
    /// - A statement whose only principals are whole AWS accounts (`arn:aws:iam::111122223333:root`
    ///   or an account ID): it delegates to that account's IAM policies rather than granting
    ///   anything itself. This is the default KMS key policy (`"Action": "kms:*"`) AWS
    ///   documents. A policy file written for `templatefile()` names the account with a
    ///   placeholder (`arn:aws:iam::${account_id}:root`, also `arn:${partition}:…`); that
    ///   is an account too, where the file is linted on its own or read with `file()`.
    /// - Values it cannot know before apply: an unset variable, a data source's attribute,
    ///   an `Effect` it cannot evaluate.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_iam_policy" "reader" {
    ///   policy = jsonencode({
    ///     Version   = "2012-10-17"
    ///     Statement = [{
    ///       Effect   = "Allow"
    ///       Action   = "s3:*"
    ///       Resource = "arn:aws:s3:::reports/*"
    ///     }]
    ///   })
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_iam_policy" "reader" {
    ///   policy = jsonencode({
    ///     Version   = "2012-10-17"
    ///     Statement = [{
    ///       Effect   = "Allow"
    ///       Action   = ["s3:GetObject"]
    ///       Resource = "arn:aws:s3:::reports/*"
    ///     }]
    ///   })
    /// }
    /// ```
    pub struct IamWildcardAction {
        id: "IAM001",
        name: "iam-wildcard-action",
        severity: Error,
    }
}

impl Rule for IamWildcardAction {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for doc in policies(cx).iter() {
            for statement in &doc.statements {
                if !statement.is_allow() || delegates_to_accounts(statement) {
                    continue;
                }
                if statement.not_actions.is_some() {
                    out.push(finding(
                        doc,
                        statement,
                        Field::NotAction,
                        &Grant::AllExcept,
                        statement.not_action_origin,
                    ));
                }
                for action in &statement.actions {
                    let Some(name) = action.as_str() else {
                        continue; // unknown or not a string
                    };
                    if let Some(grant) = wildcard_grant(name) {
                        out.push(finding(
                            doc,
                            statement,
                            Field::Action,
                            &grant,
                            action.origin,
                        ));
                    }
                }
            }
        }
    }
}

/// What a wildcard action grants.
enum Grant {
    /// `*` (or `*:*`).
    Everything(String),
    /// `s3:*`: every action of the service (pattern) before the colon.
    Service { action: String, service: String },
    /// `Allow` + `NotAction`.
    AllExcept,
}

/// `*`, `*:*` and `<service>:*` (the action part made of `*` only), case-insensitively.
fn wildcard_grant(action: &str) -> Option<Grant> {
    let only_stars = |s: &str| !s.is_empty() && s.bytes().all(|b| b == b'*');
    if only_stars(action) {
        return Some(Grant::Everything(action.to_string()));
    }
    let (service, rest) = action.split_once(':')?;
    if !only_stars(rest) || service.is_empty() {
        return None;
    }
    if only_stars(service) {
        return Some(Grant::Everything(action.to_string()));
    }
    Some(Grant::Service {
        action: action.to_string(),
        service: service.to_ascii_lowercase(),
    })
}

/// Whether every principal of the statement is a whole AWS account (or cannot be known):
/// such a statement hands the decision to that account's IAM policies.
fn delegates_to_accounts(statement: &StatementView) -> bool {
    let Some(principal) = &statement.principal else {
        return false;
    };
    match &principal.kind {
        ValueKind::Unknown => true,
        ValueKind::Object(map) if !map.is_empty() => map.iter().all(|(kind, ids)| {
            // `?` is how policy.rs writes a principal block whose `type` is unknown.
            (kind.eq_ignore_ascii_case("AWS") || kind == "?")
                && ids.one_or_many().into_iter().all(is_account_or_unknown)
        }),
        _ => false,
    }
}

fn is_account_or_unknown(id: &Value) -> bool {
    match &id.kind {
        ValueKind::Unknown => true,
        ValueKind::String(s) => is_account_id(s) || is_account_root_arn(s),
        _ => false,
    }
}

/// `arn:<partition>:iam::<account>:root`, the account (and the partition) either
/// literal or a template placeholder left for `templatefile()` to fill
/// (`arn:aws:iam::${account_id}:root`, as policy files written for templatefile carry it
/// when linted on their own or read with `file()`).
fn is_account_root_arn(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("arn:") else {
        return false;
    };
    let Some((partition, rest)) = split_arn_part(rest) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix("iam::") else {
        return false;
    };
    let Some((account, rest)) = split_arn_part(rest) else {
        return false;
    };
    rest == "root"
        && (is_placeholder(partition) || !partition.contains(['$', '{', '}']))
        && (is_account_id(account) || is_placeholder(account))
}

/// The ARN part up to the next `:` outside a `${…}` placeholder, and the text after it.
fn split_arn_part(s: &str) -> Option<(&str, &str)> {
    let end = if s.starts_with("${") {
        s.find('}')? + 1
    } else {
        0
    };
    let colon = end + s[end..].find(':')?;
    Some((&s[..colon], &s[colon + 1..]))
}

/// A whole template placeholder: `${name}` (one interpolation, nothing around it).
fn is_placeholder(part: &str) -> bool {
    part.strip_prefix("${")
        .and_then(|p| p.strip_suffix('}'))
        .is_some_and(|inner| !inner.trim().is_empty() && !inner.contains(['{', '}']))
}

fn finding(
    doc: &PolicyDoc,
    statement: &StatementView,
    field: Field,
    grant: &Grant,
    origin: Origin,
) -> Finding {
    let (message, label, help) = match grant {
        Grant::Everything(action) => (
            format!("statement allows every AWS action with `{action}`"),
            "every action".to_string(),
            "list the actions the principal needs (e.g. `s3:GetObject`), not `*`".to_string(),
        ),
        Grant::Service { action, service } => (
            format!("statement allows every `{service}` action with `{action}`"),
            format!("every `{service}` action"),
            format!("list the `{service}` actions the principal needs instead of `{action}`"),
        ),
        Grant::AllExcept => (
            "statement allows every action except those in `NotAction`".to_string(),
            "`Allow` with `NotAction`".to_string(),
            "list the allowed actions in `Action`; put exceptions in a `Deny` statement"
                .to_string(),
        ),
    };
    Finding::new(&IamWildcardAction::META, message)
        .at(element_origin(origin, statement, doc))
        .label(label)
        .help(help)
        .resource(doc.resource.clone())
        .attribute(attribute_path(doc, statement, field))
}

#[cfg(test)]
mod tests {
    use super::{is_account_root_arn, wildcard_grant};
    use crate::testing::{lint_files_with, lint_hcl, lint_tree, render_all};

    const RULE: &str = "IAM001";

    /// `aws_iam_policy.p` with `policy = jsonencode(<document>)`.
    fn jsonencode_policy(document: &str) -> String {
        format!(
            r#"resource "aws_iam_policy" "p" {{
  policy = jsonencode({document})
}}
"#
        )
    }

    #[test]
    fn wildcard_patterns() {
        for yes in ["*", "**", "*:*", "s3:*", "S3:*", "logs:**", "s*:*"] {
            assert!(wildcard_grant(yes).is_some(), "{yes}");
        }
        for no in [
            "s3:Get*",
            "s3:GetObject",
            "ec2:Describe*",
            ":*",
            "s3:",
            "s3",
            "",
        ] {
            assert!(wildcard_grant(no).is_none(), "{no}");
        }
    }

    #[test]
    fn account_root_principals() {
        for yes in [
            "arn:aws:iam::111122223333:root",
            "arn:aws-cn:iam::111122223333:root",
            "arn:aws:iam::${account_id}:root",
            "arn:aws:iam::${ account_id }:root",
            "arn:${partition}:iam::${account_id}:root",
            "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root",
        ] {
            assert!(is_account_root_arn(yes), "{yes}");
        }
        for no in [
            "arn:aws:iam::${account_id}:role/admin",
            "arn:aws:iam::prefix-${account_id}:root",
            "arn:aws:iam::${}:root",
            "arn:aws:iam::${a}${b}:root",
            "arn:aws:iam::12345:root",
            "arn:aws:iam::111122223333:root/x",
            "arn:aws:sts::111122223333:root",
            "arn:x${p}:iam::111122223333:root",
            "${account_id}",
            "",
        ] {
            assert!(!is_account_root_arn(no), "{no}");
        }
    }

    /// AWS's default key policy, written for `templatefile()` with the account as a
    /// placeholder: linted as a standalone JSON file and read with `file()`, the
    /// `kms:*` statement delegates to the account and is no finding.
    #[test]
    fn default_key_policy_with_placeholders_is_quiet() {
        let policy = r#"{
  "Version": "2012-10-17",
  "Id": "key-default-1",
  "Statement": [
    {
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": { "AWS": "arn:${partition}:iam::${account_id}:root" },
      "Action": "kms:*",
      "Resource": "*"
    }
  ]
}
"#;
        let f = lint_tree(RULE, &[("policies/key-policy.json", policy)]);
        assert!(f.is_empty(), "standalone: {f:#?}");
        let f = lint_files_with(
            RULE,
            &[
                (
                    "main.tf",
                    r#"resource "aws_kms_key" "k" {
  policy = file("${path.module}/key-policy.json")
}
"#,
                ),
                ("key-policy.json", policy),
            ],
            None,
        );
        assert!(f.is_empty(), "file(): {f:#?}");
        // A role placeholder is not an account: the same grant to it is flagged.
        let to_role = policy.replace(":root", ":role/${role}");
        let f = lint_tree(RULE, &[("policies/key-policy.json", to_role.as_str())]);
        assert_eq!(f.len(), 1, "{f:#?}");
    }

    #[test]
    fn fires_on_jsonencode_forms() {
        let cases: &[(&str, &str, usize)] = &[
            (
                "statement list, action string",
                r#"{ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] }"#,
                1,
            ),
            (
                "single statement object, action list",
                r#"{ Statement = { Effect = "Allow", Action = ["s3:GetObject", "S3:*"], Resource = "*" } }"#,
                1,
            ),
            (
                "two wildcards in one statement",
                r#"{ Statement = [{ Effect = "Allow", Action = ["logs:*", "*:*"], Resource = "*" }] }"#,
                2,
            ),
            (
                "allow with NotAction",
                r#"{ Statement = [{ Effect = "Allow", NotAction = ["iam:*"], Resource = "*" }] }"#,
                1,
            ),
            (
                "lowercase keys",
                r#"{ statement = [{ effect = "Allow", action = "sqs:*", resource = "*" }] }"#,
                1,
            ),
        ];
        for (name, document, expected) in cases {
            let f = lint_hcl(RULE, &jsonencode_policy(document));
            assert_eq!(f.len(), *expected, "{name}: {f:#?}");
            assert!(f
                .iter()
                .all(|x| x.resource.as_deref() == Some("aws_iam_policy.p")));
        }
    }

    #[test]
    fn quiet_on_jsonencode_forms() {
        let cases: &[(&str, &str)] = &[
            (
                "partial wildcard",
                r#"{ Statement = [{ Effect = "Allow", Action = ["s3:Get*", "ec2:Describe*"], Resource = "*" }] }"#,
            ),
            (
                "deny",
                r#"{ Statement = [{ Effect = "Deny", Action = "*", Resource = "*" }] }"#,
            ),
            (
                "deny with NotAction",
                r#"{ Statement = [{ Effect = "Deny", NotAction = "iam:*", Resource = "*" }] }"#,
            ),
            (
                "unknown effect",
                r#"{ Statement = [{ Effect = var.effect, Action = "*", Resource = "*" }] }"#,
            ),
            (
                "unknown action",
                r#"{ Statement = [{ Effect = "Allow", Action = var.action, Resource = "*" }] }"#,
            ),
        ];
        for (name, document) in cases {
            let text = format!(
                "variable \"effect\" {{}}\nvariable \"action\" {{}}\n{}",
                jsonencode_policy(document)
            );
            let f = lint_hcl(RULE, &text);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn points_at_the_list_element() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_iam_role_policy" "p" {
  role = "r"
  policy = jsonencode({
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:*"]
      Resource = "*"
    }]
  })
}
"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!((f[0].location.line, f[0].location.column), (6, 35));
        assert_eq!(
            f[0].attribute.as_deref(),
            Some("policy.Statement[0].Action")
        );
    }

    #[test]
    fn heredoc_span_is_the_element() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_iam_policy" "p" {
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "iam:*"],
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "NotAction": "s3:*",
      "Resource": "*"
    }
  ]
}
EOF
}
"#,
        );
        assert_eq!(f.len(), 2, "{f:#?}");
        let at: Vec<_> = f
            .iter()
            .map(|x| (x.location.line, x.location.column, x.attribute.clone()))
            .collect();
        assert!(
            at.contains(&(8, 34, Some("policy.Statement[0].Action".into()))),
            "{at:?}"
        );
        assert!(
            at.contains(&(13, 7, Some("policy.Statement[1].NotAction".into()))),
            "{at:?}"
        );
    }

    #[test]
    fn file_and_templatefile_point_into_the_json_file() {
        let json = r#"{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow", "Action": "${service}:*", "Resource": "*" }
  ]
}
"#;
        let plain = json.replace("${service}", "dynamodb");
        for (name, main, file) in [
            (
                "file",
                r#"resource "aws_iam_policy" "p" {
  policy = file("${path.module}/p.json")
}
"#,
                plain.as_str(),
            ),
            (
                "templatefile",
                r#"resource "aws_iam_policy" "p" {
  policy = templatefile("${path.module}/p.json", { service = "dynamodb" })
}
"#,
                json,
            ),
        ] {
            let f = lint_files_with(RULE, &[("main.tf", main), ("p.json", file)], None);
            assert_eq!(f.len(), 1, "{name}: {f:#?}");
            assert_eq!(f[0].location.path, "p.json", "{name}");
            assert_eq!(f[0].location.line, 4, "{name}");
            assert_eq!(f[0].resource.as_deref(), Some("aws_iam_policy.p"), "{name}");
            assert!(
                f[0].message.contains("`dynamodb:*`"),
                "{name}: {}",
                f[0].message
            );
        }
        // Rendered with another service, the template grants nothing wildcarded.
        let f = lint_files_with(
            RULE,
            &[
                (
                    "main.tf",
                    r#"resource "aws_iam_policy" "p" {
  policy = templatefile("${path.module}/p.json", { service = "dynamodb:GetItem" })
}
"#,
                ),
                ("p.json", &json.replace("${service}:*", "${service}")),
            ],
            None,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn policy_document_data_source_and_dynamic_statements() {
        let f = lint_hcl(
            RULE,
            r#"locals {
  grants = [
    { actions = ["sqs:SendMessage"] },
    { actions = ["sns:*"] },
  ]
}
data "aws_iam_policy_document" "d" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = local.grants
    content {
      actions   = statement.value.actions
      resources = ["*"]
    }
  }
}
resource "aws_iam_policy" "p" {
  policy = data.aws_iam_policy_document.d.json
}
"#,
        );
        assert_eq!(f.len(), 2, "{f:#?}");
        let got: Vec<_> = f
            .iter()
            .map(|x| {
                (
                    x.resource.clone().unwrap_or_default(),
                    x.attribute.clone().unwrap_or_default(),
                    x.location.line,
                )
            })
            .collect();
        assert!(got.contains(&(
            "data.aws_iam_policy_document.d".into(),
            "statement[0].actions".into(),
            9
        )));
        // The element of the local list the dynamic block iterates.
        assert!(got.contains(&(
            "data.aws_iam_policy_document.d".into(),
            "statement[3].actions".into(),
            4
        )));
    }

    #[test]
    fn locals_variables_and_tfvars() {
        let main = r#"variable "actions" {
  default = ["s3:*"]
}
variable "admin_actions" {
  default = ["s3:GetObject"]
}
variable "unset" {}
locals {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }]
  })
}
resource "aws_iam_policy" "from_local" {
  policy = local.policy
}
resource "aws_iam_policy" "from_tfvars" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = var.admin_actions, Resource = "*" }]
  })
}
resource "aws_iam_policy" "unknown" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = var.unset, Resource = "*" }]
  })
}
"#;
        // Defaults: only the local's `s3:*` fires.
        let f = lint_hcl(RULE, main);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource.as_deref(), Some("aws_iam_policy.from_local"));
        // tfvars override both defaults: the finding moves, and points into the tfvars.
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                (
                    "terraform.tfvars",
                    "actions       = [\"s3:GetObject\"]\nadmin_actions = [\"ec2:*\"]\n",
                ),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource.as_deref(), Some("aws_iam_policy.from_tfvars"));
        assert_eq!(f[0].location.path, "terraform.tfvars");
    }

    #[test]
    fn resource_policies_and_account_delegation() {
        let f = lint_hcl(
            RULE,
            r#"data "aws_caller_identity" "current" {}
resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/ci" }
      Action    = "s3:*"
      Resource  = "arn:aws:s3:::b/*"
    }]
  })
}
resource "aws_kms_key" "default_policy" {
  policy = jsonencode({
    Statement = [{
      Sid       = "Enable IAM User Permissions"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}
resource "aws_kms_key" "literal_account" {
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = ["arn:aws:iam::111122223333:root", "444455556666"] }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}
"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource.as_deref(), Some("aws_s3_bucket_policy.b"));
    }

    #[test]
    fn standalone_json_policy_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("admin.json"),
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
        )
        .expect("write");
        let report = tfstack_lint_engine::run::lint_paths(
            &[dir.path().to_path_buf()],
            &tfstack_lint_engine::input::InputOptions::default(),
            &tfstack_lint_engine::config::LintConfig::default(),
            crate::registry::all(),
        );
        let f: Vec<_> = report
            .findings
            .iter()
            .filter(|x| x.rule.id == RULE)
            .collect();
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource, None);
        assert_eq!(f[0].attribute.as_deref(), Some("Statement[0].Action"));
        assert_eq!((f[0].location.line, f[0].location.column), (1, 71));
    }

    #[test]
    fn json_file_read_by_a_module_is_linted_once_in_its_context() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("main.tf"),
            "resource \"aws_iam_policy\" \"p\" {\n  policy = file(\"${path.module}/p.json\")\n}\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("p.json"),
            r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
        )
        .expect("write");
        let report = tfstack_lint_engine::run::lint_paths(
            &[dir.path().to_path_buf()],
            &tfstack_lint_engine::input::InputOptions::default(),
            &tfstack_lint_engine::config::LintConfig::default(),
            crate::registry::all(),
        );
        let f: Vec<_> = report
            .findings
            .iter()
            .filter(|x| x.rule.id == RULE)
            .collect();
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource.as_deref(), Some("aws_iam_policy.p"));
        assert!(
            f[0].location.path.ends_with("p.json"),
            "{}",
            f[0].location.path
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_iam_policy" "deploy" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:*"]
      Resource = "arn:aws:s3:::artifacts/*"
    }]
  })
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
