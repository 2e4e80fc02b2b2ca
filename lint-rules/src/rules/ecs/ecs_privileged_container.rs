use super::shared::{containers, Container};
use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags a container in an `aws_ecs_task_definition`'s `container_definitions` with
    /// `privileged = true`.
    ///
    /// ## Why is this bad?
    /// A privileged container gets every Linux capability and the host's devices: anyone
    /// who gets code execution in it (a vulnerable dependency, an injected command) owns
    /// the EC2 instance and every other task on it, and with it their IAM roles. Fargate
    /// rejects such task definitions; on EC2 they are accepted silently.
    ///
    /// The containers are read wherever they are written (`jsonencode([...])`, heredoc
    /// JSON, a JSON file) and the finding points at the `privileged` key. It
    /// deliberately does not flag a `privileged` value it cannot evaluate, container
    /// definitions it cannot read (a `for` expression, a module output), or task
    /// definitions with `count = 0`. Containers that need one capability (`NET_ADMIN`,
    /// `SYS_PTRACE`) should add just that one under `linuxParameters.capabilities`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ecs_task_definition" "agent" {
    ///   family = "agent"
    ///   container_definitions = jsonencode([{
    ///     name       = "agent"
    ///     image      = "acme/agent:2.0"
    ///     privileged = true
    ///   }])
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_ecs_task_definition" "agent" {
    ///   family = "agent"
    ///   container_definitions = jsonencode([{
    ///     name  = "agent"
    ///     image = "acme/agent:2.0"
    ///     linuxParameters = {
    ///       capabilities = { add = ["NET_ADMIN"], drop = ["ALL"] }
    ///     }
    ///   }])
    /// }
    /// ```
    pub struct EcsPrivilegedContainer {
        id: "ECS002",
        name: "ecs-privileged-container",
        severity: Error,
    }
}

impl Rule for EcsPrivilegedContainer {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for task in cx.resources("aws_ecs_task_definition") {
            for container in containers(cx, task) {
                let Some(privileged) = container.definition.get_ignore_case("privileged") else {
                    continue;
                };
                if privileged.as_bool() == Some(true) {
                    // The key: in the task definition or the JSON file, even when the
                    // value comes from a variable.
                    let origin = privileged
                        .key_origin
                        .or(privileged.origin)
                        .or(container.definition.origin);
                    out.push(finding(task, &container, origin));
                }
            }
        }
    }
}

fn finding(task: &Block, container: &Container, origin: Origin) -> Finding {
    Finding::new(
        &EcsPrivilegedContainer::META,
        format!(
            "container {} of task definition `{}` runs privileged: code in it controls the host",
            container.describe(),
            task.address()
        ),
    )
    .at(origin.or(task.origin))
    .label("`privileged = true`")
    .help(
        "remove `privileged`; add only the capabilities the container needs under \
               `linuxParameters.capabilities.add`",
    )
    .resource(task.address())
    .attribute(container.path("privileged"))
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "ECS002";

    fn paths(findings: &[tfstack_lint_engine::located::Located]) -> Vec<String> {
        findings
            .iter()
            .filter_map(|f| f.attribute.clone())
            .collect()
    }

    /// A task definition `agent` with `container_definitions = <definitions>`.
    fn task(definitions: &str) -> String {
        format!(
            r#"variable "unset" {{}}
resource "aws_ecs_task_definition" "agent" {{
  family                   = "agent"
  requires_compatibilities = ["EC2"]
  container_definitions    = {definitions}
}}
"#
        )
    }

    #[test]
    fn fires_on_privileged_containers() {
        let cases: &[(&str, String, &[&str])] = &[
            (
                "jsonencode",
                task(
                    r#"jsonencode([{ name = "agent", image = "acme/agent:2.0", privileged = true }])"#,
                ),
                &["container_definitions[0].privileged"],
            ),
            (
                "second of two, heredoc",
                task(
                    r#"<<EOF
[
  { "name": "app", "image": "acme/app:1.0", "privileged": false },
  { "name": "agent", "image": "acme/agent:2.0", "privileged": true }
]
EOF"#,
                ),
                &["container_definitions[1].privileged"],
            ),
            (
                "string true",
                task(
                    r#"jsonencode([{ name = "agent", image = "acme/agent:2.0", privileged = "true" }])"#,
                ),
                &["container_definitions[0].privileged"],
            ),
        ];
        for (name, hcl, expected) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(paths(&f), *expected, "{name}: {f:#?}");
        }
    }

    #[test]
    fn quiet_when_not_privileged_or_unknown() {
        let cases: &[(&str, String)] = &[
            (
                "not set",
                task(r#"jsonencode([{ name = "agent", image = "acme/agent:2.0" }])"#),
            ),
            (
                "false",
                task(
                    r#"jsonencode([{ name = "agent", image = "acme/agent:2.0", privileged = false }])"#,
                ),
            ),
            (
                "capabilities instead",
                task(
                    r#"jsonencode([{ name = "agent", image = "acme/agent:2.0", linuxParameters = { capabilities = { add = ["NET_ADMIN"] } } }])"#,
                ),
            ),
            (
                "unknown",
                task(
                    r#"jsonencode([{ name = "agent", image = "acme/agent:2.0", privileged = var.unset }])"#,
                ),
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn tfvars_and_file() {
        let main = r#"variable "debug_privileged" {
  type    = bool
  default = false
}
resource "aws_ecs_task_definition" "agent" {
  family = "agent"
  container_definitions = jsonencode([{
    name       = "agent"
    image      = "acme/agent:2.0"
    privileged = var.debug_privileged
  }])
}
resource "aws_ecs_task_definition" "legacy" {
  family                = "legacy"
  container_definitions = file("${path.module}/legacy.json")
}
"#;
        let legacy = "[\n  {\n    \"name\": \"legacy\",\n    \"image\": \"acme/legacy:0.9\",\n    \"privileged\": true\n  }\n]\n";
        let f = lint_files_with(RULE, &[("main.tf", main), ("legacy.json", legacy)], None);
        assert_eq!(paths(&f), ["container_definitions[0].privileged"]);
        assert_eq!(
            (f[0].location.path.as_str(), f[0].location.line),
            ("legacy.json", 5)
        );
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                ("legacy.json", legacy),
                ("terraform.tfvars", "debug_privileged = true\n"),
            ],
            None,
        );
        assert_eq!(f.len(), 2, "{f:#?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_ecs_task_definition" "agent" {
  family = "agent"
  container_definitions = jsonencode([
    {
      name       = "agent"
      image      = "acme/agent:2.0"
      essential  = true
      privileged = true
    },
  ])
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
