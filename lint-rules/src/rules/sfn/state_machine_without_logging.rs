use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::settings::{has_dynamic, setting};
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_sfn_state_machine` whose `logging_configuration` does not log at level
    /// `ALL` or `ERROR` to a `log_destination`: no configuration (logging is `OFF`), level
    /// `OFF` or `FATAL`, or no destination.
    ///
    /// ## Why is this bad?
    /// Express workflows keep no execution history at all: without logs, a failed
    /// execution leaves no trace. Standard workflows keep a history for 90 days, but only
    /// per execution in the console — it cannot be searched, fed to metric filters or
    /// kept longer. `FATAL` logs only that an execution failed, not which state failed or
    /// why. `ERROR` is the least that lets someone debug a failure.
    ///
    /// A level or destination it cannot evaluate counts as set, and so does a `dynamic
    /// "logging_configuration"` block. It deliberately does not judge
    /// `include_execution_data` (payloads may hold personal data: leaving them out is a
    /// choice), nor state machines with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sfn_state_machine" "checkout" {
    ///   name       = "checkout"
    ///   type       = "EXPRESS"
    ///   role_arn   = aws_iam_role.checkout.arn
    ///   definition = file("${path.module}/checkout.asl.json")
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_sfn_state_machine" "checkout" {
    ///   name       = "checkout"
    ///   type       = "EXPRESS"
    ///   role_arn   = aws_iam_role.checkout.arn
    ///   definition = file("${path.module}/checkout.asl.json")
    ///
    ///   logging_configuration {
    ///     level                  = "ERROR"
    ///     include_execution_data = false
    ///     log_destination        = "${aws_cloudwatch_log_group.checkout.arn}:*"
    ///   }
    /// }
    /// ```
    pub struct StateMachineWithoutLogging {
        id: "SFN001",
        name: "state-machine-without-logging",
        severity: Warning,
    }
}

/// Levels that log the errors of states.
const USEFUL_LEVELS: &[&str] = &["ALL", "ERROR"];

/// What is wrong with a state machine's logging.
enum Problem {
    NoConfiguration,
    /// `written`: whether `level` is set (else it defaults to `OFF`).
    Level {
        level: String,
        origin: Origin,
        written: bool,
    },
    NoDestination {
        level: String,
        origin: Origin,
    },
}

impl Rule for StateMachineWithoutLogging {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for machine in cx.resources("aws_sfn_state_machine") {
            if !exists(cx, machine) || has_dynamic(cx, &machine.body, "logging_configuration") {
                continue;
            }
            let level = setting(cx, machine, &["logging_configuration", "level"]);
            let Some(name) = level.str_or("OFF") else {
                continue;
            };
            let origin = level.origin().or_else(|| {
                machine
                    .body
                    .block("logging_configuration")
                    .map(|b| b.origin)
            });
            let problem = match origin {
                None => Problem::NoConfiguration,
                Some(origin) if !USEFUL_LEVELS.contains(&name) => Problem::Level {
                    level: name.to_string(),
                    origin,
                    written: level.origin().is_some(),
                },
                Some(origin) => {
                    let destination =
                        setting(cx, machine, &["logging_configuration", "log_destination"]);
                    if destination.is_set() {
                        continue;
                    }
                    Problem::NoDestination {
                        level: name.to_string(),
                        origin,
                    }
                }
            };
            out.push(finding(machine, problem));
        }
    }
}

fn finding(machine: &Block, problem: Problem) -> Finding {
    let address = machine.address();
    let help = "add `logging_configuration { level = \"ERROR\", log_destination = \
                \"${aws_cloudwatch_log_group.<name>.arn}:*\" }`";
    let (message, label, help, origin, attribute) = match problem {
        Problem::NoConfiguration => (
            format!("state machine `{address}` has no logging configuration: failed executions are not logged"),
            "no `logging_configuration`".to_string(),
            help.to_string(),
            machine.origin,
            None,
        ),
        Problem::Level {
            level,
            origin,
            written,
        } => (
            format!(
                "state machine `{address}` logs at level `{level}`: the errors of its states are \
                 not logged"
            ),
            if written {
                format!("`level = \"{level}\"`")
            } else {
                "no `level` (`OFF`)".to_string()
            },
            "set `level = \"ERROR\"` (or `\"ALL\"`)".to_string(),
            origin,
            Some("logging_configuration.level"),
        ),
        Problem::NoDestination { level, origin } => (
            format!(
                "state machine `{address}` logs at level `{level}` without a log destination: \
                 nothing is logged"
            ),
            "no `log_destination`".to_string(),
            "set `log_destination = \"${aws_cloudwatch_log_group.<name>.arn}:*\"`".to_string(),
            origin,
            Some("logging_configuration.log_destination"),
        ),
    };
    Finding::new(&StateMachineWithoutLogging::META, message)
        .at(origin)
        .label(label)
        .help(help)
        .resource(address)
        .attribute(attribute.map(str::to_string))
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "SFN001";

    fn attributes(findings: &[tfstack_lint_engine::located::Located]) -> Vec<String> {
        findings
            .iter()
            .map(|f| f.attribute.clone().unwrap_or_else(|| "-".into()))
            .collect()
    }

    /// A state machine `checkout` with `extra` in its body.
    fn machine(extra: &str) -> String {
        format!(
            r#"variable "unset" {{}}
resource "aws_cloudwatch_log_group" "checkout" {{
  name              = "/aws/vendedlogs/states/checkout"
  retention_in_days = 30
}}
resource "aws_sfn_state_machine" "checkout" {{
  name     = "checkout"
  type     = "EXPRESS"
  role_arn = "arn:aws:iam::111122223333:role/checkout"
  definition = jsonencode({{
    StartAt = "Charge"
    States  = {{ Charge = {{ Type = "Pass", End = true }} }}
  }})
{extra}}}
"#
        )
    }

    fn logging(level: &str, destination: bool) -> String {
        let destination = if destination {
            "    log_destination        = \"${aws_cloudwatch_log_group.checkout.arn}:*\"\n"
        } else {
            ""
        };
        format!(
            "  logging_configuration {{\n    level                  = {level}\n    include_execution_data = false\n{destination}  }}\n"
        )
    }

    #[test]
    fn fires_without_useful_logging() {
        let cases: &[(&str, String, &str)] = &[
            ("no configuration", machine(""), "-"),
            (
                "off",
                machine(&logging("\"OFF\"", true)),
                "logging_configuration.level",
            ),
            (
                "fatal only",
                machine(&logging("\"FATAL\"", true)),
                "logging_configuration.level",
            ),
            (
                "no destination",
                machine(&logging("\"ERROR\"", false)),
                "logging_configuration.log_destination",
            ),
            (
                "block without a level",
                machine("  logging_configuration {\n    include_execution_data = true\n  }\n"),
                "logging_configuration.level",
            ),
        ];
        for (name, hcl, expected) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(attributes(&f), [*expected], "{name}: {f:#?}");
        }
    }

    #[test]
    fn quiet_with_logging_or_unknown() {
        let cases: &[(&str, String)] = &[
            ("error", machine(&logging("\"ERROR\"", true))),
            ("all", machine(&logging("\"ALL\"", true))),
            ("unknown level", machine(&logging("var.unset", true))),
            (
                "unknown destination",
                machine(
                    "  logging_configuration {\n    level           = \"ALL\"\n    log_destination = var.unset\n  }\n",
                ),
            ),
            (
                "dynamic block",
                machine(
                    "  dynamic \"logging_configuration\" {\n    for_each = var.unset\n    content {\n      level = \"ALL\"\n    }\n  }\n",
                ),
            ),
            ("count = 0", machine("  count = 0\n")),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn tfvars_per_environment() {
        let main = format!(
            "variable \"log_level\" {{\n  type    = string\n  default = \"ERROR\"\n}}\n{}",
            machine(&logging("var.log_level", true))
        );
        assert!(lint_hcl(RULE, &main).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main.as_str()),
                ("terraform.tfvars", "log_level = \"OFF\"\n"),
            ],
            None,
        );
        assert_eq!(attributes(&f), ["logging_configuration.level"]);
        assert_eq!(f[0].location.path, "main.tf");
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_sfn_state_machine" "checkout" {
  name       = "checkout"
  type       = "EXPRESS"
  role_arn   = "arn:aws:iam::111122223333:role/checkout"
  definition = file("${path.module}/checkout.asl.json")
}

resource "aws_sfn_state_machine" "refunds" {
  name       = "refunds"
  role_arn   = "arn:aws:iam::111122223333:role/refunds"
  definition = file("${path.module}/refunds.asl.json")

  logging_configuration {
    level           = "FATAL"
    log_destination = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/vendedlogs/states/refunds:*"
  }
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
