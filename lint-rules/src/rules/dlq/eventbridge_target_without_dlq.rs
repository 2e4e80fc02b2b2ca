use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::references::nested_origin;
use tfstack_lint_engine::query::settings::is_configured;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_cloudwatch_event_target`, or the `target` of an
    /// `aws_scheduler_schedule`, without a `dead_letter_config`.
    ///
    /// ## Why is this bad?
    /// When EventBridge cannot deliver an event to its target — the target was deleted,
    /// a permission is missing, the target throttles past the retry policy (24 hours,
    /// 185 attempts by default) — it drops the event. With a dead-letter queue the event
    /// is kept, with the error that stopped it, and can be replayed.
    ///
    /// It deliberately does not flag a `dead_letter_config` whose `arn` it cannot evaluate
    /// (that counts as set), a `dynamic "dead_letter_config"` unless its `for_each` is
    /// known to be empty, targets with `count = 0`, or `aws_pipes_pipe` (pipes take their
    /// dead-letter queue on the source). It does not check that the queue's policy lets
    /// EventBridge send to it.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_cloudwatch_event_target" "nightly" {
    ///   rule = aws_cloudwatch_event_rule.nightly.name
    ///   arn  = aws_lambda_function.report.arn
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_cloudwatch_event_target" "nightly" {
    ///   rule = aws_cloudwatch_event_rule.nightly.name
    ///   arn  = aws_lambda_function.report.arn
    ///
    ///   dead_letter_config {
    ///     arn = aws_sqs_queue.nightly_failures.arn
    ///   }
    /// }
    /// ```
    pub struct EventbridgeTargetWithoutDlq {
        id: "DLQ003",
        name: "eventbridge-target-without-dlq",
        severity: Warning,
    }
}

impl Rule for EventbridgeTargetWithoutDlq {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for target in cx.resources("aws_cloudwatch_event_target") {
            if exists(cx, target)
                && !is_configured(cx, &target.body, &["dead_letter_config", "arn"])
            {
                out.push(finding(target, None, target.origin));
            }
        }
        for schedule in cx.resources("aws_scheduler_schedule") {
            if !exists(cx, schedule) || !is_configured(cx, &schedule.body, &["target"]) {
                continue;
            }
            if !is_configured(cx, &schedule.body, &["target", "dead_letter_config", "arn"]) {
                out.push(finding(
                    schedule,
                    Some("target"),
                    nested_origin(schedule, "target"),
                ));
            }
        }
    }
}

fn finding(block: &Block, attribute: Option<&str>, origin: Origin) -> Finding {
    let message = match attribute {
        None => format!(
            "EventBridge target `{}` has no dead-letter queue: events it cannot deliver are dropped",
            block.address()
        ),
        Some(_) => format!(
            "the target of schedule `{}` has no dead-letter queue: invocations that fail are dropped",
            block.address()
        ),
    };
    Finding::new(&EventbridgeTargetWithoutDlq::META, message)
        .at(origin)
        .label("no `dead_letter_config`")
        .help(
            "add `dead_letter_config { arn = aws_sqs_queue.<dlq>.arn }` and let EventBridge \
               send to that queue",
        )
        .resource(block.address())
        .attribute(attribute.map(str::to_string))
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, snapshot};

    #[test]
    fn fires_on_targets_and_schedules_without_dlq() {
        let f = lint_hcl(
            "DLQ003",
            r#"
resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "nightly"
  schedule_expression = "cron(0 3 * * ? *)"
}

resource "aws_cloudwatch_event_target" "nightly" {
  rule = aws_cloudwatch_event_rule.nightly.name
  arn  = "arn:aws:lambda:eu-west-1:123456789012:function:report"

  retry_policy {
    maximum_retry_attempts       = 3
    maximum_event_age_in_seconds = 3600
  }
}

variable "dlq_arn" {
  type    = string
  default = null
}

resource "aws_cloudwatch_event_target" "optional_dlq" {
  rule = aws_cloudwatch_event_rule.nightly.name
  arn  = "arn:aws:sqs:eu-west-1:123456789012:orders"

  dynamic "dead_letter_config" {
    for_each = var.dlq_arn == null ? [] : [var.dlq_arn]
    content {
      arn = dead_letter_config.value
    }
  }
}

resource "aws_scheduler_schedule" "cleanup" {
  name                = "cleanup"
  schedule_expression = "rate(1 day)"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = "arn:aws:lambda:eu-west-1:123456789012:function:cleanup"
    role_arn = "arn:aws:iam::123456789012:role/scheduler"
  }
}
"#,
        );
        assert_eq!(
            addresses(&f),
            [
                "aws_cloudwatch_event_target.nightly",
                "aws_cloudwatch_event_target.optional_dlq",
                "aws_scheduler_schedule.cleanup",
            ]
        );
        assert_eq!(f[2].attribute.as_deref(), Some("target"));
    }

    #[test]
    fn targets_made_per_key_are_judged_per_instance() {
        // As the community EventBridge module writes targets: one per map entry, the
        // dead-letter queue only where the entry names one. Only `audit` lacks it.
        let f = lint_hcl(
            "DLQ003",
            r#"
variable "targets" {
  default = {
    orders  = { arn = "arn:aws:sqs:eu-west-1:123456789012:orders", dlq = "arn:aws:sqs:eu-west-1:123456789012:dlq" }
    billing = { arn = "arn:aws:sqs:eu-west-1:123456789012:billing", dlq = "arn:aws:sqs:eu-west-1:123456789012:dlq" }
    audit   = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:audit", dlq = null }
  }
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = var.targets
  rule     = "orders"
  arn      = each.value.arn

  dynamic "dead_letter_config" {
    for_each = each.value.dlq == null ? [] : [each.value.dlq]
    content {
      arn = dead_letter_config.value
    }
  }
}
"#,
        );
        assert_eq!(addresses(&f), ["aws_cloudwatch_event_target.this[\"audit\"]"]);
    }

    #[test]
    fn quiet_with_dlq_or_unknown() {
        let f = lint_hcl(
            "DLQ003",
            r#"
resource "aws_sqs_queue" "events_dlq" {
  name = "events-dlq"
}

resource "aws_cloudwatch_event_target" "nightly" {
  rule = "nightly"
  arn  = "arn:aws:lambda:eu-west-1:123456789012:function:report"

  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}

variable "dlq_arn" {
  type = string
}

resource "aws_cloudwatch_event_target" "from_variable" {
  rule = "nightly"
  arn  = "arn:aws:sqs:eu-west-1:123456789012:orders"

  dynamic "dead_letter_config" {
    for_each = var.dlq_arn == null ? [] : [var.dlq_arn]
    content {
      arn = dead_letter_config.value
    }
  }
}

resource "aws_scheduler_schedule" "cleanup" {
  name                = "cleanup"
  schedule_expression = "rate(1 day)"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = "arn:aws:lambda:eu-west-1:123456789012:function:cleanup"
    role_arn = "arn:aws:iam::123456789012:role/scheduler"

    dead_letter_config {
      arn = aws_sqs_queue.events_dlq.arn
    }
  }
}

resource "aws_cloudwatch_event_target" "disabled" {
  count = 0
  rule  = "nightly"
  arn   = "arn:aws:sqs:eu-west-1:123456789012:orders"
}
"#,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn reads_tf_json() {
        // In `.tf.json` a schedule's `target` is an object attribute, not a block.
        let f = lint_files_with(
            "DLQ003",
            &[(
                "main.tf.json",
                r#"{
  "resource": {
    "aws_scheduler_schedule": {
      "with_dlq": {
        "name": "with-dlq",
        "schedule_expression": "rate(1 day)",
        "flexible_time_window": { "mode": "OFF" },
        "target": {
          "arn": "arn:aws:lambda:eu-west-1:123456789012:function:cleanup",
          "role_arn": "arn:aws:iam::123456789012:role/scheduler",
          "dead_letter_config": { "arn": "${aws_sqs_queue.dlq.arn}" }
        }
      },
      "without_dlq": {
        "name": "without-dlq",
        "schedule_expression": "rate(1 day)",
        "flexible_time_window": { "mode": "OFF" },
        "target": {
          "arn": "arn:aws:lambda:eu-west-1:123456789012:function:cleanup",
          "role_arn": "arn:aws:iam::123456789012:role/scheduler"
        }
      }
    },
    "aws_cloudwatch_event_target": {
      "nightly": {
        "rule": "nightly",
        "arn": "arn:aws:lambda:eu-west-1:123456789012:function:report",
        "dead_letter_config": { "arn": "${aws_sqs_queue.dlq.arn}" }
      }
    }
  }
}"#,
            )],
            None,
        );
        assert_eq!(addresses(&f), ["aws_scheduler_schedule.without_dlq"]);
    }

    #[test]
    fn snapshot_diagnostic() {
        insta::assert_snapshot!(snapshot(
            "DLQ003",
            r#"
resource "aws_cloudwatch_event_target" "nightly" {
  rule = "nightly"
  arn  = "arn:aws:lambda:eu-west-1:123456789012:function:report"
}

resource "aws_scheduler_schedule" "cleanup" {
  name                = "cleanup"
  schedule_expression = "rate(1 day)"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = "arn:aws:lambda:eu-west-1:123456789012:function:cleanup"
    role_arn = "arn:aws:iam::123456789012:role/scheduler"
  }
}
"#
        ));
    }
}
