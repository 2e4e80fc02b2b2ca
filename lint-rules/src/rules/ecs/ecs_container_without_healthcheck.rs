use super::shared::{containers, Container};
use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_model::Block;

declare_rule! {
    /// ## What it does
    /// Flags an essential container in an `aws_ecs_task_definition`'s
    /// `container_definitions` without a `healthCheck`.
    ///
    /// ## Why is this bad?
    /// Without a health check ECS knows only whether the container's process runs. A
    /// process that hangs, deadlocks or loses its database connection keeps running and
    /// keeps its place in the service; deployments roll out images that never become
    /// healthy (seed 002, "no configurar healthchecks"). With a health check ECS replaces
    /// an unhealthy task, and the deployment circuit breaker can roll back.
    ///
    /// A load balancer's target group health check is not counted: it watches only the
    /// port the load balancer targets, only for services behind one, and the task
    /// definition does not say which services use it. The containers are read wherever
    /// they are written (`jsonencode([...])`, heredoc JSON, a JSON file) and the finding
    /// points at the container. It deliberately does not flag non-essential containers
    /// (`essential = false`: sidecars and init containers do not decide the task's
    /// health), containers whose `essential` it cannot evaluate, container definitions it
    /// cannot read (a module output, a `for` expression over unknown values), or task
    /// definitions with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ecs_task_definition" "api" {
    ///   family = "api"
    ///   container_definitions = jsonencode([{
    ///     name         = "api"
    ///     image        = "acme/api:1.4.2"
    ///     essential    = true
    ///     portMappings = [{ containerPort = 8080 }]
    ///   }])
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_ecs_task_definition" "api" {
    ///   family = "api"
    ///   container_definitions = jsonencode([{
    ///     name         = "api"
    ///     image        = "acme/api:1.4.2"
    ///     essential    = true
    ///     portMappings = [{ containerPort = 8080 }]
    ///     healthCheck = {
    ///       command     = ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]
    ///       interval    = 30
    ///       retries     = 3
    ///       startPeriod = 60
    ///     }
    ///   }])
    /// }
    /// ```
    pub struct EcsContainerWithoutHealthcheck {
        id: "ECS001",
        name: "ecs-container-without-healthcheck",
        severity: Warning,
    }
}

impl Rule for EcsContainerWithoutHealthcheck {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for task in cx.resources("aws_ecs_task_definition") {
            for container in containers(cx, task) {
                let essential = match container.definition.get_ignore_case("essential") {
                    None => Some(true),
                    Some(v) if v.is_null() => Some(true),
                    Some(v) => v.as_bool(),
                };
                if essential != Some(true) {
                    continue;
                }
                let has_health_check = container
                    .definition
                    .get_ignore_case("healthCheck")
                    .is_some_and(|v| !v.is_null());
                if !has_health_check {
                    out.push(finding(task, &container));
                }
            }
        }
    }
}

fn finding(task: &Block, container: &Container) -> Finding {
    Finding::new(
        &EcsContainerWithoutHealthcheck::META,
        format!(
            "container {} of task definition `{}` has no health check: ECS replaces it only \
             when its process exits",
            container.describe(),
            task.address()
        ),
    )
    .at(container.definition.origin.or(task.origin))
    .label("no `healthCheck`")
    .help(
        "add `healthCheck = { command = [\"CMD-SHELL\", \"<probe> || exit 1\"], interval = \
               30, retries = 3, startPeriod = 60 }` to the container",
    )
    .resource(task.address())
    .attribute(container.path("healthCheck"))
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "ECS001";

    fn containers_of(findings: &[tfstack_lint_engine::located::Located]) -> Vec<String> {
        findings
            .iter()
            .filter_map(|f| f.attribute.clone())
            .collect()
    }

    /// A task definition `api` with `container_definitions = <definitions>`.
    fn task(definitions: &str) -> String {
        format!(
            r#"variable "unset" {{}}
resource "aws_ecs_task_definition" "api" {{
  family                   = "api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  container_definitions    = {definitions}
}}
"#
        )
    }

    const HEALTH: &str = r#"healthCheck = { command = ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"], interval = 30, retries = 3 }"#;

    #[test]
    fn fires_on_essential_containers_without_health_check() {
        let cases: &[(&str, String, &[&str])] = &[
            (
                "jsonencode, essential by default",
                task(r#"jsonencode([{ name = "api", image = "acme/api:1.4.2" }])"#),
                &["container_definitions[0].healthCheck"],
            ),
            (
                "second container of two",
                task(&format!(
                    r#"jsonencode([
    {{ name = "api", image = "acme/api:1.4.2", essential = true, {HEALTH} }},
    {{ name = "worker", image = "acme/worker:1.4.2", essential = true }},
  ])"#
                )),
                &["container_definitions[1].healthCheck"],
            ),
            (
                "health check null",
                task(r#"jsonencode([{ name = "api", image = "acme/api:1.4.2", healthCheck = null }])"#),
                &["container_definitions[0].healthCheck"],
            ),
            (
                "heredoc",
                task(
                    r#"<<EOF
[
  {
    "name": "api",
    "image": "acme/api:1.4.2",
    "essential": true,
    "portMappings": [{ "containerPort": 8080 }]
  }
]
EOF"#,
                ),
                &["container_definitions[0].healthCheck"],
            ),
            (
                "JSON string",
                task(r#""[{\"name\":\"api\",\"image\":\"acme/api:1.4.2\"}]""#),
                &["container_definitions[0].healthCheck"],
            ),
            (
                "through a local",
                format!(
                    "locals {{\n  containers = [{{ name = \"api\", image = \"acme/api:1.4.2\" }}]\n}}\n{}",
                    task("jsonencode(local.containers)")
                ),
                &["container_definitions[0].healthCheck"],
            ),
            (
                "a for expression",
                task(
                    r#"jsonencode([for name in ["api"] : { name = name, image = "acme/${name}" }])"#,
                ),
                &["container_definitions[0].healthCheck"],
            ),
        ];
        for (name, hcl, expected) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(containers_of(&f), *expected, "{name}: {f:#?}");
        }
    }

    #[test]
    fn quiet_with_health_check_or_not_essential_or_unknown() {
        let cases: &[(&str, String)] = &[
            (
                "health check",
                task(&format!(
                    r#"jsonencode([{{ name = "api", image = "acme/api:1.4.2", {HEALTH} }}])"#
                )),
            ),
            (
                "non-essential sidecar",
                task(&format!(
                    r#"jsonencode([
    {{ name = "api", image = "acme/api:1.4.2", {HEALTH} }},
    {{ name = "log-router", image = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable", essential = false, firelensConfiguration = {{ type = "fluentbit" }} }},
  ])"#
                )),
            ),
            (
                "essential from a variable without a value",
                task(
                    r#"jsonencode([{ name = "api", image = "acme/api:1.4.2", essential = var.unset }])"#,
                ),
            ),
            (
                "health check from a variable without a value",
                task(
                    r#"jsonencode([{ name = "api", image = "acme/api:1.4.2", healthCheck = var.unset }])"#,
                ),
            ),
            ("definitions from a variable", task("var.unset")),
            (
                "a for expression over a variable without a value",
                task(r#"jsonencode([for name in var.unset : { name = name, image = "acme/${name}" }])"#),
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn templatefile_points_into_the_json_file() {
        let main = r#"variable "image_tag" {
  type = string
}
resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = templatefile("${path.module}/containers.json", {
    image_tag = var.image_tag
  })
}
"#;
        let json = r#"[
  {
    "name": "api",
    "image": "acme/api:${image_tag}",
    "essential": true,
    "healthCheck": { "command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"] }
  },
  {
    "name": "worker",
    "image": "acme/worker:${image_tag}",
    "essential": true
  }
]
"#;
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                ("containers.json", json),
                ("terraform.tfvars", "image_tag = \"1.4.2\"\n"),
            ],
            None,
        );
        assert_eq!(containers_of(&f), ["container_definitions[1].healthCheck"]);
        assert_eq!(f[0].location.path, "containers.json");
        assert_eq!(f[0].location.line, 8);
        assert!(
            f[0].message.contains("container `worker`"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([
    {
      name         = "api"
      image        = "acme/api:1.4.2"
      essential    = true
      portMappings = [{ containerPort = 8080 }]
    },
    {
      name      = "log-router"
      image     = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"
      essential = false
    },
  ])
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
