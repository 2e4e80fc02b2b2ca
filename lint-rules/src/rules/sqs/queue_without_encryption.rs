use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::is_configured;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_sqs_queue` with `sqs_managed_sse_enabled = false` and no
    /// `kms_master_key_id`: server-side encryption explicitly turned off.
    ///
    /// ## Why is this bad?
    /// Messages then sit unencrypted at rest for up to the retention period (14 days at
    /// most) — orders, emails, tokens, whatever producers put in them. SSE-SQS costs nothing
    /// and needs no change in producers or consumers; SSE-KMS adds control over who may
    /// decrypt.
    ///
    /// ## What it deliberately does not flag
    /// - A queue that leaves `sqs_managed_sse_enabled` unset: since 2022 AWS and the provider
    ///   encrypt new queues with SSE-SQS by default.
    /// - A queue with a `kms_master_key_id` (SSE-KMS replaces SSE-SQS), including one it
    ///   cannot know before apply.
    /// - A setting it cannot evaluate, and queues with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs" {
    ///   name                    = "jobs"
    ///   sqs_managed_sse_enabled = false
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs" {
    ///   name                    = "jobs"
    ///   sqs_managed_sse_enabled = true
    /// }
    /// ```
    pub struct QueueWithoutEncryption {
        id: "SQS003",
        name: "queue-without-encryption",
        severity: Warning,
    }
}

impl Rule for QueueWithoutEncryption {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for queue in cx.resources("aws_sqs_queue") {
            let Some(sse) = queue.body.attribute("sqs_managed_sse_enabled") else {
                continue;
            };
            let value = cx.value(&sse.value);
            if value.as_bool() != Some(false)
                || !exists(cx, queue)
                || is_configured(cx, &queue.body, &["kms_master_key_id"])
            {
                continue;
            }
            out.push(finding(queue, value.origin.or(sse.origin)));
        }
    }
}

fn finding(queue: &Block, origin: Origin) -> Finding {
    Finding::new(
        &QueueWithoutEncryption::META,
        format!(
            "queue `{}` turns server-side encryption off: messages are stored unencrypted",
            queue.address()
        ),
    )
    .at(origin)
    .label("encryption off")
    .help(
        "set `sqs_managed_sse_enabled = true`, or set `kms_master_key_id` to encrypt with \
               a KMS key",
    )
    .resource(queue.address())
    .attribute("sqs_managed_sse_enabled")
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "SQS003";

    #[test]
    fn fires_when_turned_off() {
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_sqs_queue" "jobs" {
  name                    = "jobs"
  sqs_managed_sse_enabled = false
}
resource "aws_sqs_queue" "empty_key" {
  name                    = "empty-key"
  sqs_managed_sse_enabled = "false"
  kms_master_key_id       = ""
}
"#,
        );
        let addresses: Vec<_> = f.iter().filter_map(|x| x.resource.clone()).collect();
        assert_eq!(addresses, ["aws_sqs_queue.jobs", "aws_sqs_queue.empty_key"]);
    }

    #[test]
    fn quiet_on_precision_cases() {
        let f = lint_hcl(
            RULE,
            r#"
variable "sse" {
  type = bool
}
variable "kms_key_id" {
  type = string
}
resource "aws_sqs_queue" "default" {
  name = "default"
}
resource "aws_sqs_queue" "on" {
  name                    = "on"
  sqs_managed_sse_enabled = true
}
resource "aws_sqs_queue" "kms" {
  name                    = "kms"
  sqs_managed_sse_enabled = false
  kms_master_key_id       = "alias/aws/sqs"
}
resource "aws_sqs_queue" "kms_unknown" {
  name                    = "kms-unknown"
  sqs_managed_sse_enabled = false
  kms_master_key_id       = var.kms_key_id
}
resource "aws_sqs_queue" "unknown" {
  name                    = "unknown"
  sqs_managed_sse_enabled = var.sse
}
resource "aws_sqs_queue" "gone" {
  count                   = 0
  name                    = "gone"
  sqs_managed_sse_enabled = false
}
"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn tfvars_decide() {
        let main = r#"
variable "encrypt" {
  type    = bool
  default = true
}
resource "aws_sqs_queue" "jobs" {
  name                    = "jobs"
  sqs_managed_sse_enabled = var.encrypt
}
"#;
        assert!(lint_files_with(RULE, &[("main.tf", main)], None).is_empty());
        let f = lint_files_with(
            RULE,
            &[("main.tf", main), ("terraform.tfvars", "encrypt = false\n")],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.path, "terraform.tfvars");
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"
resource "aws_sqs_queue" "jobs" {
  name                    = "jobs"
  sqs_managed_sse_enabled = false
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
