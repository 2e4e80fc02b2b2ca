use crate::{declare_rule, Finding, Rule};
use std::collections::HashSet;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::failures::{allows_redrive, failure_destinations, queues_in};
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::is_configured;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_sqs_queue` without a redrive policy: neither an inline
    /// `redrive_policy` nor an `aws_sqs_queue_redrive_policy` whose `queue_url` refers to it.
    ///
    /// ## Why is this bad?
    /// A message its consumer cannot process (a poison message) comes back after every
    /// visibility timeout and is retried until it expires: it blocks or slows the queue,
    /// costs an invocation each time, and is finally deleted without a trace. A
    /// dead-letter queue sets it aside after `maxReceiveCount` receives, for inspection and
    /// redrive.
    ///
    /// It deliberately does not flag a queue that is itself a dead-letter or failure
    /// destination — named as `deadLetterTargetArn` in another queue's redrive policy (also
    /// through a local, a literal ARN, or the entry of a `for_each` map read as
    /// `each.value.dlq_arn` or through a `dynamic` block's iterator), by an `aws_sqs_queue_redrive_policy`, an SNS
    /// subscription's `redrive_policy`, any `dead_letter_config` (Lambda functions,
    /// EventBridge targets, schedules, pipes), an `on_failure` destination of an event
    /// source mapping, an `aws_lambda_function_event_invoke_config` destination, or a
    /// child module input named like a dead-letter queue (`dlq_arn`), also when the queue
    /// is in a called module and its caller hands the module's output to any of these
    /// (`deadLetterTargetArn = module.orders_failed.queue_arn`) — nor one whose
    /// `redrive_allow_policy` (inline or `aws_sqs_queue_redrive_allow_policy`) lets source
    /// queues use it, nor one whose name or resource name says it is one (`orders-dlq`,
    /// `dead_letter`), since its sources may live in another module. A redrive policy it
    /// cannot evaluate counts as set, and a queue with `count = 0` is not looked at.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs" {
    ///   name = "jobs"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs_dlq" {
    ///   name                      = "jobs-dlq"
    ///   message_retention_seconds = 1209600
    /// }
    ///
    /// resource "aws_sqs_queue" "jobs" {
    ///   name = "jobs"
    ///   redrive_policy = jsonencode({
    ///     deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    ///     maxReceiveCount     = 5
    ///   })
    /// }
    /// ```
    pub struct SqsQueueWithoutDlq {
        id: "DLQ001",
        name: "sqs-queue-without-dlq",
        severity: Error,
    }
}

impl Rule for SqsQueueWithoutDlq {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let queues = cx.resources("aws_sqs_queue");
        if queues.is_empty() {
            return;
        }
        let destinations = failure_destinations(cx);
        // Queues an `aws_sqs_queue_redrive_policy` drains: a set, so O(1) per queue.
        let mut redriven: HashSet<String> = HashSet::new();
        for policy in cx.resources("aws_sqs_queue_redrive_policy") {
            if !exists(cx, policy) || !is_configured(cx, &policy.body, &["redrive_policy"]) {
                continue;
            }
            if let Some(url) = policy.body.get("queue_url") {
                redriven.extend(queues_in(cx, policy, url, '/').iter().map(|q| q.address()));
            }
        }
        for queue in queues {
            let address = queue.address();
            if !exists(cx, queue)
                || is_configured(cx, &queue.body, &["redrive_policy"])
                || redriven.contains(&address)
                || destinations.contains(&address)
                || allows_redrive(cx.attr(queue, "redrive_allow_policy"))
                || is_named_like_dead_letter_queue(cx, queue)
            {
                continue;
            }
            out.push(finding(queue, cx));
        }
    }
}

/// `orders-dlq`, `orders_dead_letter`, `OrdersDeadLetterQueue`, in the resource name or
/// the queue's `name`/`name_prefix`.
fn is_named_like_dead_letter_queue(cx: &Context, queue: &Block) -> bool {
    let mut names = vec![queue.name_label().to_string()];
    for attribute in ["name", "name_prefix"] {
        if let Some(name) = cx.attr(queue, attribute).as_ref().and_then(|v| v.as_str()) {
            names.push(name.to_string());
        }
    }
    names.iter().any(|n| {
        let squashed: String = n
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        squashed.contains("dlq") || squashed.contains("deadletter")
    })
}

fn finding(queue: &Block, cx: &Context) -> Finding {
    // `redrive_policy = null` (often the false branch of a conditional) points at itself.
    let explicit: Option<Origin> = queue
        .body
        .attribute("redrive_policy")
        .map(|a| cx.value(&a.value).origin.or(a.origin));
    let (message, label) = match explicit {
        None => (
            format!("queue `{}` has no dead-letter queue", queue.address()),
            "no `redrive_policy`".to_string(),
        ),
        Some(_) => (
            format!(
                "queue `{}` has no dead-letter queue: its `redrive_policy` is empty",
                queue.address()
            ),
            "empty redrive policy".to_string(),
        ),
    };
    Finding::new(&SqsQueueWithoutDlq::META, message)
        .at(explicit.unwrap_or(queue.origin))
        .label(label)
        .help(
            "add a dead-letter queue: `redrive_policy = jsonencode({ deadLetterTargetArn = \
               aws_sqs_queue.<dlq>.arn, maxReceiveCount = 5 })`",
        )
        .resource(queue.address())
        .attribute(explicit.map(|_| "redrive_policy".to_string()))
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, lint_tree, render_all};

    #[test]
    fn fires_on_a_queue_without_redrive_policy() {
        let f = lint_hcl(
            "DLQ001",
            r#"
resource "aws_sqs_queue" "jobs" {
  name                       = "jobs"
  visibility_timeout_seconds = 60
}

resource "aws_sqs_queue" "events" {
  name_prefix = "events-"
}
"#,
        );
        assert_eq!(
            addresses(&f),
            ["aws_sqs_queue.jobs", "aws_sqs_queue.events"]
        );
    }

    #[test]
    fn fires_when_the_companion_that_would_mark_it_has_no_instance() {
        // A redrive allow policy with `count = 0` does not exist: the queue is no
        // dead-letter queue.
        let f = lint_hcl(
            "DLQ001",
            r#"
resource "aws_sqs_queue" "q" {
  name = "q"
}

resource "aws_sqs_queue_redrive_allow_policy" "a" {
  count                = 0
  queue_url            = aws_sqs_queue.q.id
  redrive_allow_policy = jsonencode({ redrivePermission = "allowAll" })
}
"#,
        );
        assert_eq!(addresses(&f), ["aws_sqs_queue.q"]);
    }

    #[test]
    fn fires_when_a_conditional_turns_the_policy_off() {
        let f = lint_files_with(
            "DLQ001",
            &[
                (
                    "main.tf",
                    r#"
variable "enable_dlq" {
  type    = bool
  default = true
}

resource "aws_sqs_queue" "jobs_dead" {
  name = "jobs-dead"
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  redrive_policy = var.enable_dlq ? jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dead.arn
    maxReceiveCount     = 3
  }) : null
}
"#,
                ),
                ("terraform.tfvars", "enable_dlq = false\n"),
            ],
            None,
        );
        // `jobs_dead` is still referenced by the redrive policy expression: not flagged.
        assert_eq!(addresses(&f), ["aws_sqs_queue.jobs"]);
        assert_eq!(f[0].attribute.as_deref(), Some("redrive_policy"));
    }

    #[test]
    fn fires_on_a_queue_only_consumed_or_subscribed() {
        // Being an event source, a subscriber or a redrive *source* does not make a queue a
        // dead-letter queue.
        let f = lint_hcl(
            "DLQ001",
            r#"
resource "aws_sqs_queue" "orders" {
  name = "orders"
}

resource "aws_sns_topic" "orders" {
  name = "orders"
}

resource "aws_sns_topic_subscription" "orders" {
  topic_arn = aws_sns_topic.orders.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.orders.arn
}

resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn = aws_sqs_queue.orders.arn
  function_name    = "orders-worker"
}

resource "aws_sqs_queue" "parking" {
  name = "parking"
  redrive_allow_policy = jsonencode({
    redrivePermission = "denyAll"
  })
}
"#,
        );
        assert_eq!(
            addresses(&f),
            ["aws_sqs_queue.orders", "aws_sqs_queue.parking"]
        );
    }

    #[test]
    fn quiet_when_the_dead_letter_arn_is_known_only_after_apply() {
        // `arn == null ? null : …` as reusable modules write it, with an ARN known only
        // after apply: whether the policy is null is not known (the conditional was once
        // read as `null`), directly, through a module input, and per instance.
        let f = lint_tree(
            "DLQ001",
            &[
                (
                    "main.tf",
                    r#"
resource "aws_sqs_queue" "dlq" {
  name                      = "dlq"
  message_retention_seconds = 1209600
}
locals {
  arn = aws_sqs_queue.dlq.arn
}
resource "aws_sqs_queue" "direct" {
  name           = "direct"
  redrive_policy = local.arn == null ? null : jsonencode({ deadLetterTargetArn = local.arn, maxReceiveCount = 5 })
}
module "q" {
  source  = "./q"
  dlq_arn = aws_sqs_queue.dlq.arn
}
"#,
                ),
                (
                    "q/main.tf",
                    r#"
variable "dlq_arn" {
  type    = string
  default = null
}
resource "aws_sqs_queue" "this" {
  name           = "q"
  redrive_policy = var.dlq_arn == null ? null : jsonencode({ deadLetterTargetArn = var.dlq_arn, maxReceiveCount = 5 })
}
"#,
                ),
            ],
        );
        let found: Vec<_> = f.iter().map(|f| f.resource.as_deref()).collect();
        assert_eq!(found, Vec::<Option<&str>>::new());
    }

    #[test]
    fn quiet_with_inline_or_separate_redrive_policy() {
        let f = lint_hcl(
            "DLQ001",
            r#"
resource "aws_sqs_queue" "jobs_dlq" {
  name                      = "jobs-dlq"
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue" "emails" {
  name = "emails"
}

resource "aws_sqs_queue" "emails_failed" {
  name = "emails-failed"
}

resource "aws_sqs_queue_redrive_policy" "emails" {
  queue_url = aws_sqs_queue.emails.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.emails_failed.arn
    maxReceiveCount     = 4
  })
}

variable "redrive_policy" {
  type = string
}

resource "aws_sqs_queue" "imports" {
  name           = "imports"
  redrive_policy = var.redrive_policy
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn quiet_on_dead_letter_and_failure_destinations() {
        let f = lint_hcl(
            "DLQ001",
            r#"
locals {
  redrive = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.shared_failures.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue" "shared_failures" {
  name = "shared-failures"
}

resource "aws_sqs_queue" "a" {
  name           = "a"
  redrive_policy = local.redrive
}

resource "aws_sqs_queue" "literal_target" {
  name = "literal-target"
}

resource "aws_sqs_queue" "b" {
  name           = "b"
  redrive_policy = "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:123456789012:literal-target\",\"maxReceiveCount\":3}"
}

resource "aws_sqs_queue" "fn_failures" {
  name = "fn-failures"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "worker.zip"

  dead_letter_config {
    target_arn = aws_sqs_queue.fn_failures.arn
  }
}

resource "aws_sqs_queue" "stream_failures" {
  name = "stream-failures"
}

resource "aws_lambda_event_source_mapping" "stream" {
  event_source_arn  = "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks"
  function_name     = aws_lambda_function.worker.arn
  starting_position = "LATEST"

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.stream_failures.arn
    }
  }
}

resource "aws_sqs_queue" "async_failures" {
  name = "async-failures"
}

resource "aws_sqs_queue" "async_results" {
  name = "async-results"
}

resource "aws_lambda_function_event_invoke_config" "worker" {
  function_name = aws_lambda_function.worker.function_name

  destination_config {
    on_failure {
      destination = aws_sqs_queue.async_failures.arn
    }
    on_success {
      destination = aws_sqs_queue.async_results.arn
    }
  }
}

resource "aws_sqs_queue" "rule_failures" {
  name = "rule-failures"
}

resource "aws_cloudwatch_event_target" "nightly" {
  rule = "nightly"
  arn  = aws_lambda_function.worker.arn

  dead_letter_config {
    arn = aws_sqs_queue.rule_failures.arn
  }
}

resource "aws_sqs_queue" "delivery_failures" {
  name = "delivery-failures"
}

resource "aws_sns_topic_subscription" "worker" {
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:orders"
  protocol  = "lambda"
  endpoint  = aws_lambda_function.worker.arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.delivery_failures.arn
  })
}

resource "aws_sqs_queue" "pipe_failures" {
  name = "pipe-failures"
}

resource "aws_pipes_pipe" "clicks" {
  name     = "clicks"
  role_arn = "arn:aws:iam::123456789012:role/pipe"
  source   = "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks"
  target   = aws_lambda_function.worker.arn

  source_parameters {
    kinesis_stream_parameters {
      starting_position = "LATEST"
      dead_letter_config {
        arn = aws_sqs_queue.pipe_failures.arn
      }
    }
  }
}

resource "aws_sqs_queue" "allowing" {
  name = "allowing"
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = ["arn:aws:sqs:eu-west-1:123456789012:elsewhere"]
  })
}

resource "aws_sqs_queue" "orders_dlq" {
  name = "orders-dlq"
}

resource "aws_sqs_queue" "for_child_module" {
  name = "for-child-module"
}

module "consumer" {
  source  = "./consumer"
  dlq_arn = aws_sqs_queue.for_child_module.arn
}

resource "aws_sqs_queue" "disabled" {
  count = 0
  name  = "disabled"
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn quiet_on_failure_destinations_named_in_the_entries_a_block_is_made_for_each_of() {
        // The destination is in a locals map the mapping and the subscription are made
        // `for_each` of, reached through `each.value` and a `dynamic` block's iterator.
        // The queue the map does not name is still flagged.
        let f = lint_hcl(
            "DLQ001",
            r#"
resource "aws_sqs_queue" "clicks_failures" {
  name = "clicks-failures"
}
resource "aws_sqs_queue" "views_failures" {
  name = "views-failures"
}
resource "aws_sqs_queue" "orders" {
  name = "orders"
}
locals {
  streams = {
    clicks = { failure_arn = aws_sqs_queue.clicks_failures.arn, input = aws_sqs_queue.orders.arn }
    views  = { failure_arn = null, input = aws_sqs_queue.orders.arn }
  }
  topics = { for k, v in local.streams : k => v if k != "views" }
  deliveries = {
    views = { dlq = aws_sqs_queue.views_failures.arn }
  }
}
resource "aws_lambda_event_source_mapping" "streams" {
  for_each          = local.topics
  event_source_arn  = "arn:aws:kinesis:eu-west-1:123456789012:stream/${each.key}"
  function_name     = "router"
  starting_position = "LATEST"
  dynamic "destination_config" {
    for_each = each.value.failure_arn == null ? [] : [each.value.failure_arn]
    iterator = failure
    content {
      on_failure { destination_arn = failure.value }
    }
  }
}
resource "aws_sns_topic_subscription" "s" {
  for_each       = local.deliveries
  topic_arn      = "arn:aws:sns:eu-west-1:123456789012:events"
  protocol       = "sqs"
  endpoint       = "arn:aws:sqs:eu-west-1:123456789012:${each.key}-in"
  redrive_policy = jsonencode({ deadLetterTargetArn = each.value.dlq })
}
"#,
        );
        assert_eq!(addresses(&f), ["aws_sqs_queue.orders"]);
    }

    #[test]
    fn the_dead_letter_queue_of_a_target_map_is_told_from_the_target() {
        // The terraform-aws-modules/eventbridge spelling: one entry names the target and
        // its dead-letter queue; the dynamic block's own `for_each` decides whether there
        // is one and sends nothing anywhere.
        let f = lint_hcl(
            "DLQ001",
            r#"
resource "aws_sqs_queue" "fulfilment" {
  name = "fulfilment"
}
resource "aws_sqs_queue" "undeliverable" {
  name = "undeliverable-events"
}
locals {
  targets = {
    fulfilment = {
      arn             = aws_sqs_queue.fulfilment.arn
      dead_letter_arn = aws_sqs_queue.undeliverable.arn
    }
  }
}
resource "aws_cloudwatch_event_target" "this" {
  for_each  = local.targets
  rule      = "orders"
  target_id = each.key
  arn       = each.value.arn
  dynamic "dead_letter_config" {
    for_each = lookup(each.value, "dead_letter_arn", null) != null ? [true] : []
    content {
      arn = each.value.dead_letter_arn
    }
  }
}
"#,
        );
        assert_eq!(addresses(&f), ["aws_sqs_queue.fulfilment"]);
    }

    /// The queue module of the community style: a queue, and a redrive policy when given one.
    const QUEUE_MODULE: &str = r#"
variable "name" { type = string }
variable "redrive_policy" {
  type    = any
  default = {}
}
resource "aws_sqs_queue" "this" {
  name = var.name
}
resource "aws_sqs_queue_redrive_policy" "this" {
  count          = length(var.redrive_policy) > 0 ? 1 : 0
  queue_url      = aws_sqs_queue.this.url
  redrive_policy = jsonencode(var.redrive_policy)
}
output "queue_arn" { value = aws_sqs_queue.this.arn }
"#;

    #[test]
    fn a_queue_another_instance_drains_into_through_an_output_is_a_dead_letter_queue() {
        // `module.failed`'s queue is `module.orders`'s dead-letter queue: the caller hands
        // it over through the output, as the queue module's own example does. An instance
        // whose output no one uses that way still gets its finding.
        let f = lint_tree(
            "DLQ001",
            &[
                ("queue/main.tf", QUEUE_MODULE),
                (
                    "main.tf",
                    r#"
locals {
  failed_arn = module.failed[0].queue_arn
}
module "orders" {
  source         = "./queue"
  name           = "orders"
  redrive_policy = { deadLetterTargetArn = local.failed_arn, maxReceiveCount = 5 }
}
module "failed" {
  source = "./queue"
  count  = 1
  name   = "orders-failed"
}
module "audit" {
  source = "./queue"
  name   = "audit"
}
"#,
                ),
            ],
        );
        assert_eq!(addresses(&f), ["module.audit.aws_sqs_queue.this"]);
    }

    #[test]
    fn many_queues_and_separate_redrive_policies() {
        // Each queue is looked up among the queues the redrive-policy resources drain, by
        // reference or by a literal URL naming a queue of the module.
        let f = lint_hcl(
            "DLQ001",
            r#"
resource "aws_sqs_queue" "failures" {
  name = "failures"
}
resource "aws_sqs_queue" "orders" {
  name = "orders"
}
resource "aws_sqs_queue" "payments" {
  name = "payments"
}
resource "aws_sqs_queue" "emails" {
  name = "emails"
}
resource "aws_sqs_queue" "reports" {
  name = "reports"
}
resource "aws_sqs_queue" "audits" {
  name = "audits"
}

resource "aws_sqs_queue_redrive_policy" "orders" {
  queue_url      = aws_sqs_queue.orders.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.failures.arn, maxReceiveCount = 3 })
}
resource "aws_sqs_queue_redrive_policy" "orders_again" {
  queue_url      = aws_sqs_queue.orders.url
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.failures.arn, maxReceiveCount = 5 })
}
resource "aws_sqs_queue_redrive_policy" "payments" {
  queue_url      = "https://sqs.eu-west-1.amazonaws.com/123456789012/payments"
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.failures.arn, maxReceiveCount = 3 })
}
resource "aws_sqs_queue_redrive_policy" "elsewhere" {
  queue_url      = "https://sqs.eu-west-1.amazonaws.com/123456789012/elsewhere"
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.failures.arn, maxReceiveCount = 3 })
}

# Switched off, or without a policy: the queue is not drained.
resource "aws_sqs_queue_redrive_policy" "emails" {
  count          = 0
  queue_url      = aws_sqs_queue.emails.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.failures.arn, maxReceiveCount = 3 })
}
resource "aws_sqs_queue_redrive_policy" "reports" {
  queue_url      = aws_sqs_queue.reports.id
  redrive_policy = null
}
"#,
        );
        assert_eq!(
            addresses(&f),
            [
                "aws_sqs_queue.emails",
                "aws_sqs_queue.reports",
                "aws_sqs_queue.audits"
            ]
        );
        assert!(
            f.iter().all(|f| f.attribute.is_none()),
            "no inline policy to point at: {f:?}"
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        let findings = lint_files_with(
            "DLQ001",
            &[
                (
                    "main.tf",
                    r#"
variable "enable_dlq" {
  type    = bool
  default = true
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "aws_sqs_queue" "events_failed" {
  name = "events-failed"
}

resource "aws_sqs_queue" "events" {
  name           = "events"
  redrive_policy = var.enable_dlq ? jsonencode({ deadLetterTargetArn = aws_sqs_queue.events_failed.arn, maxReceiveCount = 3 }) : null
}
"#,
                ),
                ("terraform.tfvars", "enable_dlq = false\n"),
            ],
            None,
        );
        insta::assert_snapshot!(render_all(&findings));
    }
}
