//! `Cluster` (ECS, Container Insights on) and `FargateTask`: a Fargate task definition
//! with one hardened container — read-only root file system (a writable `/tmp` volume),
//! not privileged, non-root user, every Linux capability dropped, an HTTP health check —
//! `awsvpc` networking in private subnets, logs through `awslogs` to a log group with
//! retention, and two roles: the execution role (pull from exactly its ECR repository,
//! write to exactly its log group) and the task role (what the code may do, through
//! `grant_*` on it — the task is a [`Grantee`]).
//!
//! Tasks are run by a state machine (`ecs:runTask.sync`, see
//! [`super::state_machine::Task::run_fargate`]), which reads the network placement from here.
//!
//! ```ignore
//! let cluster = Cluster::new(stack, "connectors");
//! let delta = FargateTask::new(stack, "delta_connector", &cluster, &repository, image_tag)
//!     .cpu_memory(2048, 4096)
//!     .env("PROVIDER", "delta")
//!     .network(&vpc, &connectors_group)
//!     .build();
//! secret.grant_read(&delta);
//! ```

use super::iam::{Grantee, Role};
use super::log_group::LogGroup;
use super::repository::Repository;
use super::stack::{ResourceRef, Stack};
use super::vpc::{SecurityGroup, Vpc};
use crate::ir::{Expr, TemplatePart};
use crate::l1::resources::{
    EcsCluster, EcsClusterSetting, EcsTaskDefinition, EcsTaskDefinitionRuntimePlatform,
    EcsTaskDefinitionVolume,
};
use crate::origin::RustLocation;
use indexmap::IndexMap;
use std::rc::Rc;

/// The port the container serves its health check on.
pub const CONTAINER_PORT: i64 = 8080;

/// A declared ECS cluster.
#[derive(Clone, Debug)]
pub struct Cluster {
    resource: ResourceRef,
    name: String,
}

impl Cluster {
    /// A cluster `<prefix>-<env>-<id>` with Container Insights on.
    #[track_caller]
    pub fn new(stack: &Stack, id: &str) -> Cluster {
        let location = RustLocation::caller();
        let name = stack.physical_name(id);
        let cluster = EcsCluster::new(name.as_str())
            .setting(EcsClusterSetting::new("containerInsights", "enabled"));
        let resource = stack.declare_typed(id, cluster, location);
        Cluster { resource, name }
    }
    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    /// The physical cluster name (CloudWatch's `ClusterName`).
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
}

/// A Fargate task under construction.
#[must_use = "call .build() to declare the task"]
pub struct FargateTaskBuilder {
    stack: Stack,
    id: String,
    cluster: Cluster,
    repository: Repository,
    image_tag: Expr,
    cpu: i64,
    memory: i64,
    arm64: bool,
    user: String,
    environment: IndexMap<String, Expr>,
    network: Option<(Vec<Expr>, Vec<Expr>)>,
    location: RustLocation,
}

/// A declared Fargate task definition and its roles. Cheap to clone.
#[derive(Clone)]
pub struct FargateTask(Rc<FargateTaskInner>);

struct FargateTaskInner {
    resource: ResourceRef,
    cluster: Cluster,
    task_role: Role,
    execution_role: Role,
    log_group: LogGroup,
    container_name: String,
    subnets: Vec<Expr>,
    security_groups: Vec<Expr>,
}

impl std::fmt::Debug for FargateTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FargateTask({})", self.0.resource.address())
    }
}

impl FargateTask {
    /// A task `id` running `repository:<image_tag>` on `cluster`: 1 vCPU / 2 GB, x86_64,
    /// user `1000`, unless told otherwise.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(
        stack: &Stack,
        id: &str,
        cluster: &Cluster,
        repository: &Repository,
        image_tag: impl Into<Expr>,
    ) -> FargateTaskBuilder {
        FargateTaskBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            cluster: cluster.clone(),
            repository: repository.clone(),
            image_tag: image_tag.into(),
            cpu: 1024,
            memory: 2048,
            arm64: false,
            user: "1000".to_string(),
            environment: IndexMap::new(),
            network: None,
            location: RustLocation::caller(),
        }
    }

    /// The task definition ARN (with its revision).
    pub fn arn(&self) -> Expr {
        self.0.resource.arn()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.0.resource
    }
    pub fn cluster(&self) -> &Cluster {
        &self.0.cluster
    }
    pub fn task_role(&self) -> &Role {
        &self.0.task_role
    }
    pub fn execution_role(&self) -> &Role {
        &self.0.execution_role
    }
    pub fn log_group(&self) -> &LogGroup {
        &self.0.log_group
    }
    /// The name of its (only) container.
    pub fn container_name(&self) -> &str {
        &self.0.container_name
    }
    /// The subnet IDs it runs in.
    pub fn subnets(&self) -> &[Expr] {
        &self.0.subnets
    }
    /// The security group IDs of its network interface.
    pub fn security_groups(&self) -> &[Expr] {
        &self.0.security_groups
    }
}

impl Grantee for FargateTask {
    fn grantee_role(&self) -> &Role {
        &self.0.task_role
    }
}

impl FargateTaskBuilder {
    /// Task size: CPU units (1024 = 1 vCPU) and memory in MiB, a combination Fargate offers.
    pub fn cpu_memory(mut self, cpu: i64, memory_mib: i64) -> Self {
        self.cpu = cpu;
        self.memory = memory_mib;
        self
    }
    /// Graviton (ARM64) instead of x86_64.
    pub fn arm64(mut self) -> Self {
        self.arm64 = true;
        self
    }
    /// The user the container runs as (default `1000`, never root).
    pub fn user(mut self, user: &str) -> Self {
        self.user = user.to_string();
        self
    }
    /// An environment variable of the container.
    pub fn env(mut self, key: &str, value: impl Into<Expr>) -> Self {
        self.environment.insert(key.to_string(), value.into());
        self
    }
    /// Runs in `vpc`'s private subnets with `group` on its network interface.
    pub fn network(mut self, vpc: &Vpc, group: &SecurityGroup) -> Self {
        self.network = Some((vpc.private_subnets(), vec![group.id()]));
        self
    }

    pub fn build(self) -> FargateTask {
        let stack = &self.stack;
        let loc = self.location;
        if !fargate_size_is_valid(self.cpu, self.memory) {
            stack.error(
                loc,
                format!(
                    "Fargate has no task size of {} CPU units with {} MiB",
                    self.cpu, self.memory
                ),
                Some("e.g. 1024 CPU units take 2048–8192 MiB, 2048 take 4096–16384 MiB (in 1024 MiB steps)"),
            );
        }
        if self.user == "0" || self.user == "root" || self.user.starts_with("0:") {
            stack.error(
                loc,
                "the container would run as root",
                Some("run as an unprivileged user, e.g. `1000`"),
            );
        }
        let (subnets, security_groups) = match &self.network {
            Some(n) => n.clone(),
            None => {
                stack.error(
                    loc,
                    "a Fargate task needs a network placement",
                    Some("add `.network(&vpc, &security_group)`"),
                );
                (Vec::new(), Vec::new())
            }
        };
        let family = stack.physical_name(&self.id);
        let container_name = self.id.replace('_', "-");

        let log_group = LogGroup::create(
            stack,
            &self.id,
            Expr::string(format!("/ecs/{family}")),
            stack.env().log_retention_days,
            loc,
        );
        let execution_role = Role::create(
            stack,
            &format!("{}_execution", self.id),
            "ecs-tasks.amazonaws.com",
            loc,
        );
        let task_role = Role::create(
            stack,
            &format!("{}_task", self.id),
            "ecs-tasks.amazonaws.com",
            loc,
        );
        self.repository.grant_pull_at(&execution_role, loc);
        execution_role.allow_at(
            "WriteOwnLogs",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![Expr::template(vec![
                TemplatePart::Interpolation(log_group.arn()),
                TemplatePart::Literal(":*".into()),
            ])],
            loc,
        );

        let environment = Expr::tuple(
            self.environment
                .iter()
                .map(|(k, v)| {
                    Expr::object(vec![
                        ("name", Expr::string(k.clone())),
                        ("value", v.clone()),
                    ])
                })
                .collect(),
        );
        let container = Expr::object(vec![
            ("name", Expr::string(container_name.clone())),
            ("image", self.repository.image(self.image_tag.clone())),
            ("essential", Expr::bool(true)),
            ("user", Expr::string(self.user.clone())),
            ("privileged", Expr::bool(false)),
            ("readonlyRootFilesystem", Expr::bool(true)),
            (
                "linuxParameters",
                Expr::object(vec![
                    (
                        "capabilities",
                        Expr::object(vec![("drop", Expr::tuple(vec![Expr::string("ALL")]))]),
                    ),
                    ("initProcessEnabled", Expr::bool(true)),
                ]),
            ),
            (
                "portMappings",
                Expr::tuple(vec![Expr::object(vec![
                    ("containerPort", Expr::int(CONTAINER_PORT)),
                    ("protocol", Expr::string("tcp")),
                ])]),
            ),
            (
                "healthCheck",
                Expr::object(vec![
                    (
                        "command",
                        Expr::tuple(vec![
                            Expr::string("CMD-SHELL"),
                            Expr::string(format!(
                                "curl -f http://localhost:{CONTAINER_PORT}/health || exit 1"
                            )),
                        ]),
                    ),
                    ("interval", Expr::int(30)),
                    ("timeout", Expr::int(5)),
                    ("retries", Expr::int(3)),
                    ("startPeriod", Expr::int(60)),
                ]),
            ),
            (
                "mountPoints",
                Expr::tuple(vec![Expr::object(vec![
                    ("sourceVolume", Expr::string("tmp")),
                    ("containerPath", Expr::string("/tmp")),
                    ("readOnly", Expr::bool(false)),
                ])]),
            ),
            ("environment", environment),
            (
                "logConfiguration",
                Expr::object(vec![
                    ("logDriver", Expr::string("awslogs")),
                    (
                        "options",
                        Expr::object(vec![
                            ("awslogs-group", log_group.name()),
                            ("awslogs-region", Expr::var("region")),
                            (
                                "awslogs-stream-prefix",
                                Expr::string(container_name.clone()),
                            ),
                        ]),
                    ),
                ]),
            ),
        ]);
        let definitions = Expr::call("jsonencode", vec![Expr::tuple(vec![container])]);
        let task = EcsTaskDefinition::new(definitions, family.as_str())
            .requires_compatibilities(vec!["FARGATE"])
            .network_mode("awsvpc")
            .cpu(self.cpu.to_string())
            .memory(self.memory.to_string())
            .execution_role_arn(execution_role.arn())
            .task_role_arn(task_role.arn())
            .runtime_platform(
                EcsTaskDefinitionRuntimePlatform::new()
                    .operating_system_family("LINUX")
                    .cpu_architecture(if self.arm64 { "ARM64" } else { "X86_64" }),
            )
            // The only writable path of the read-only root file system.
            .volume(EcsTaskDefinitionVolume::new("tmp"));
        let resource = stack.declare_typed(&self.id, task, loc);
        FargateTask(Rc::new(FargateTaskInner {
            resource,
            cluster: self.cluster,
            task_role,
            execution_role,
            log_group,
            container_name,
            subnets,
            security_groups,
        }))
    }
}

/// The CPU / memory combinations Fargate offers (Linux).
fn fargate_size_is_valid(cpu: i64, memory: i64) -> bool {
    let gib = 1024;
    match cpu {
        256 => [512, 1024, 2048].contains(&memory),
        512 => (1..=4).any(|g| memory == g * gib),
        1024 => (2..=8).any(|g| memory == g * gib),
        2048 => (4..=16).any(|g| memory == g * gib),
        4096 => (8..=30).any(|g| memory == g * gib),
        8192 => (16..=60).step_by(4).any(|g| memory == g * gib),
        16384 => (32..=120).step_by(8).any(|g| memory == g * gib),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;

    #[test]
    fn fargate_sizes() {
        assert!(fargate_size_is_valid(2048, 4096));
        assert!(fargate_size_is_valid(1024, 2048));
        assert!(!fargate_size_is_valid(1024, 1024));
        assert!(!fargate_size_is_valid(3000, 4096));
    }

    #[test]
    fn task_definition_is_hardened_and_roles_are_scoped() {
        let stack = Stack::new("svc", Environment::prod());
        let vpc = Vpc::new(&stack, "network").build();
        let group = vpc.security_group("tasks", "Tasks");
        let cluster = Cluster::new(&stack, "connectors");
        let repo = Repository::new(&stack, "delta").build();
        let task = FargateTask::new(&stack, "delta", &cluster, &repo, "1.0.0")
            .cpu_memory(2048, 4096)
            .network(&vpc, &group)
            .build();
        assert_eq!(task.subnets().len(), 2);
        let out = stack.finish().expect("synthesizes");
        let td = out
            .config
            .resource("aws_ecs_task_definition", "delta")
            .unwrap();
        let get = |a: &str| td.body.get(a).map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(get("cpu"), "\"2048\"");
        assert_eq!(get("memory"), "\"4096\"");
        assert_eq!(get("network_mode"), "\"awsvpc\"");
        let defs = get("container_definitions");
        for needle in [
            "readonlyRootFilesystem",
            "privileged",
            "CMD-SHELL",
            "curl -f http://localhost:8080/health || exit 1",
            "awslogs",
        ] {
            assert!(defs.contains(needle), "{needle} missing in {defs}");
        }
        let crate::constructs::StackFile::Text { text, .. } = out
            .files
            .get("policies/svc-prod-delta-execution-policy.json")
            .unwrap()
        else {
            panic!("text");
        };
        assert!(text.contains("ecr:BatchGetImage"), "{text}");
        assert!(text.contains("${ecr_repository_delta_arn}"), "{text}");
        assert!(text.contains("ecr:GetAuthorizationToken"), "{text}");
    }
}
