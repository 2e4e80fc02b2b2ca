//! Components: what an architect draws. Each primary resource (a function, a queue, a
//! table, an API, …) is a component; supporting resources (roles, policies, permissions,
//! log groups, stages, deployments, attachments, aliases, subnets, …) fold into the
//! component they serve, found through the attribute that names their owner or, failing
//! that, through the one component they are linked to.

use crate::analysis::{Analysis, Instance};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tfstack_model::Block;

/// The group a component is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Entry,
    Compute,
    Messaging,
    Data,
    Security,
    Observability,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Entry,
        Role::Compute,
        Role::Messaging,
        Role::Data,
        Role::Security,
        Role::Observability,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Role::Entry => "Entry",
            Role::Compute => "Compute",
            Role::Messaging => "Messaging",
            Role::Data => "Data",
            Role::Security => "Security",
            Role::Observability => "Observability",
        }
    }
    /// The colour the group's frame is filled with in the diagram.
    pub fn fill(self) -> &'static str {
        match self {
            Role::Entry => "#f5f3ff",
            Role::Compute => "#fff7ed",
            Role::Messaging => "#fdf2f8",
            Role::Data => "#eff6ff",
            Role::Security => "#fef2f2",
            Role::Observability => "#f0fdf4",
        }
    }
    /// The accent of the group: frame, card border and title.
    pub fn stroke(self) -> &'static str {
        match self {
            Role::Entry => "#7c3aed",
            Role::Compute => "#c2410c",
            Role::Messaging => "#be185d",
            Role::Data => "#1d4ed8",
            Role::Security => "#b91c1c",
            Role::Observability => "#15803d",
        }
    }
    pub fn slug(self) -> &'static str {
        match self {
            Role::Entry => "entry",
            Role::Compute => "compute",
            Role::Messaging => "messaging",
            Role::Data => "data",
            Role::Security => "security",
            Role::Observability => "observability",
        }
    }
}

/// What a component is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Callers outside the stack (the internet, other systems).
    Clients,
    RestApi,
    HttpApi,
    Distribution,
    LoadBalancer,
    Schedule,
    EventRule,
    Function,
    StateMachine,
    ContainerTask,
    ContainerService,
    Instance,
    Queue,
    Topic,
    EventBus,
    Stream,
    Table,
    Bucket,
    Cache,
    Database,
    FileSystem,
    Repository,
    Key,
    Secret,
    Network,
    UserPool,
    Firewall,
    Role,
    Monitoring,
    LogGroup,
}

impl Kind {
    pub fn role(self) -> self::Role {
        use self::Role as R;
        use Kind::*;
        match self {
            Clients | RestApi | HttpApi | Distribution | LoadBalancer | Schedule | EventRule => {
                R::Entry
            }
            Function | StateMachine | ContainerTask | ContainerService | Instance => R::Compute,
            Queue | Topic | EventBus | Stream => R::Messaging,
            Table | Bucket | Cache | Database | FileSystem | Repository => R::Data,
            Key | Secret | Network | UserPool | Firewall | Role => R::Security,
            Monitoring | LogGroup => R::Observability,
        }
    }
    /// How the kind is named in the report.
    pub fn label(self) -> &'static str {
        use Kind::*;
        match self {
            Clients => "Clients",
            RestApi => "REST API",
            HttpApi => "HTTP API",
            Distribution => "CloudFront",
            LoadBalancer => "Load balancer",
            Schedule => "Schedule",
            EventRule => "Event rule",
            Function => "Lambda",
            StateMachine => "Step Functions",
            ContainerTask => "Fargate task",
            ContainerService => "ECS service",
            Instance => "EC2",
            Queue => "SQS",
            Topic => "SNS",
            EventBus => "EventBridge bus",
            Stream => "Kinesis",
            Table => "DynamoDB",
            Bucket => "S3",
            Cache => "ElastiCache",
            Database => "RDS",
            FileSystem => "EFS",
            Repository => "ECR",
            Key => "KMS key",
            Secret => "Secret",
            Network => "VPC",
            UserPool => "Cognito",
            Firewall => "WAF",
            Role => "IAM role",
            Monitoring => "CloudWatch",
            LogGroup => "Log group",
        }
    }
    /// The plural heading of the inventory table for this kind.
    pub fn plural(self) -> &'static str {
        use Kind::*;
        match self {
            Clients => "Clients",
            RestApi => "REST APIs",
            HttpApi => "HTTP APIs",
            Distribution => "CloudFront distributions",
            LoadBalancer => "Load balancers",
            Schedule => "Schedules",
            EventRule => "Event rules",
            Function => "Lambda functions",
            StateMachine => "State machines",
            ContainerTask => "Fargate tasks",
            ContainerService => "ECS services",
            Instance => "EC2 instances",
            Queue => "SQS queues",
            Topic => "SNS topics",
            EventBus => "EventBridge buses",
            Stream => "Streams",
            Table => "DynamoDB tables",
            Bucket => "S3 buckets",
            Cache => "Caches",
            Database => "Databases",
            FileSystem => "File systems",
            Repository => "Container repositories",
            Key => "KMS keys",
            Secret => "Secrets",
            Network => "Networks",
            UserPool => "User pools",
            Firewall => "Web ACLs",
            Role => "IAM roles",
            Monitoring => "Alarms and dashboards",
            LogGroup => "Log groups",
        }
    }
}

/// One drawn component and the resources folded into it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Component {
    /// Stable identifier (the primary resource's address, or `clients`/`monitoring`).
    pub id: String,
    /// The name shown (the primary resource's name label).
    pub name: String,
    pub kind: Kind,
    pub role: Role,
    /// The primary resource's address (empty for `clients`).
    pub primary: String,
    /// Every resource of the component: the primary first, then the folded ones sorted.
    pub resources: Vec<String>,
    /// Where the primary resource is written (`main.tf:12`, `stacks/src/orders.rs:88`).
    pub location: Option<String>,
}

/// The components of a configuration and which component each resource belongs to.
#[derive(Clone, Debug, Default)]
pub struct Components {
    /// Sorted by role, kind and name.
    list: Vec<Component>,
    /// Component id → its position in `list` (made again whenever the list is sorted).
    positions: HashMap<String, usize>,
    /// Resource address → component id.
    owner: BTreeMap<String, String>,
    /// Resources that belong to no single component (shared or account-level plumbing).
    pub unassigned: Vec<String>,
    /// Component id → the resources among `unassigned` whose instances serve it among
    /// other components (a redrive policy made for each of several queues).
    serving: HashMap<String, Vec<String>>,
}

impl Components {
    /// The component a resource belongs to.
    pub fn owner_of(&self, address: &str) -> Option<&str> {
        self.owner.get(address).map(String::as_str)
    }
    /// The components, sorted by role, kind and name.
    pub fn list(&self) -> &[Component] {
        &self.list
    }
    pub fn get(&self, id: &str) -> Option<&Component> {
        self.positions.get(id).and_then(|&i| self.list.get(i))
    }
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Component> {
        self.list.iter().filter(move |c| c.kind == kind)
    }
    /// The resources of one type that serve a component: its own, then those whose
    /// instances serve it among other components.
    pub(crate) fn parts<'m>(
        &self,
        a: &Analysis<'_, 'm>,
        c: &Component,
        resource_type: &str,
    ) -> Vec<&'m Block> {
        c.resources
            .iter()
            .chain(self.serving.get(&c.id).into_iter().flatten())
            .filter_map(|r| a.block(r))
            .filter(|b| b.kind == "resource" && b.type_label() == resource_type)
            .collect()
    }
    /// Adds the external callers component.
    pub fn add_clients(&mut self) {
        if self.get(CLIENTS).is_none() {
            self.list.push(Component {
                id: CLIENTS.into(),
                name: "clients".into(),
                kind: Kind::Clients,
                role: Role::Entry,
                primary: String::new(),
                resources: Vec::new(),
                location: None,
            });
            self.sort();
        }
    }
    fn sort(&mut self) {
        self.list.sort_by(|a, b| {
            (a.role, a.kind, &a.name, &a.id).cmp(&(b.role, b.kind, &b.name, &b.id))
        });
        self.positions = self
            .list
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
    }
}

/// The id of the external callers component.
pub const CLIENTS: &str = "clients";
/// The id of the aggregate alarms and dashboards component.
pub const MONITORING: &str = "monitoring";

/// The kind of a resource that is a component by itself, if it is one.
fn primary_kind(a: &Analysis, b: &Block) -> Option<Kind> {
    if b.kind != "resource" {
        return None;
    }
    let kind = match b.type_label() {
        "aws_api_gateway_rest_api" => Kind::RestApi,
        "aws_apigatewayv2_api" => Kind::HttpApi,
        "aws_cloudfront_distribution" => Kind::Distribution,
        "aws_lb" | "aws_alb" | "aws_elb" => Kind::LoadBalancer,
        "aws_scheduler_schedule" => Kind::Schedule,
        "aws_cloudwatch_event_rule" => {
            if a.is_set(b, "schedule_expression") {
                Kind::Schedule
            } else if on_default_bus(a, b) {
                Kind::EventRule
            } else {
                return None;
            }
        }
        "aws_lambda_function" => Kind::Function,
        "aws_sfn_state_machine" => Kind::StateMachine,
        "aws_ecs_service" => Kind::ContainerService,
        "aws_ecs_task_definition" => Kind::ContainerTask,
        "aws_instance" | "aws_autoscaling_group" => Kind::Instance,
        "aws_sqs_queue" => Kind::Queue,
        "aws_sns_topic" => Kind::Topic,
        "aws_cloudwatch_event_bus" => Kind::EventBus,
        "aws_kinesis_stream" | "aws_kinesis_firehose_delivery_stream" => Kind::Stream,
        "aws_dynamodb_table" => Kind::Table,
        "aws_s3_bucket" => Kind::Bucket,
        "aws_elasticache_replication_group" | "aws_elasticache_serverless_cache" => Kind::Cache,
        "aws_elasticache_cluster" => {
            // A member of a replication group belongs to the group.
            if a.is_set(b, "replication_group_id") {
                return None;
            }
            Kind::Cache
        }
        "aws_db_instance" | "aws_rds_cluster" => {
            if a.is_set(b, "cluster_identifier") && b.type_label() == "aws_db_instance" {
                return None;
            }
            Kind::Database
        }
        "aws_efs_file_system" => Kind::FileSystem,
        "aws_ecr_repository" => Kind::Repository,
        "aws_kms_key" => Kind::Key,
        "aws_secretsmanager_secret" => Kind::Secret,
        "aws_vpc" => Kind::Network,
        "aws_cognito_user_pool" => Kind::UserPool,
        "aws_wafv2_web_acl" => Kind::Firewall,
        "aws_iam_user" => Kind::Role,
        _ => return None,
    };
    Some(kind)
}

/// Whether an event rule is on the account's default bus.
fn on_default_bus(a: &Analysis, b: &Block) -> bool {
    match b.body.get("event_bus_name") {
        None => true,
        Some(_) => a.text(b, "event_bus_name").is_some_and(|n| n == "default"),
    }
}

/// Alarms and dashboards: gathered into one observability component.
fn is_monitoring(t: &str) -> bool {
    matches!(
        t,
        "aws_cloudwatch_metric_alarm"
            | "aws_cloudwatch_composite_alarm"
            | "aws_cloudwatch_dashboard"
    )
}

/// The attributes that name a supporting resource's owner, by resource type (or type
/// prefix ending in `_`). The first attribute that designates a component wins.
const OWNER_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("aws_lambda_permission", &["function_name"]),
    ("aws_lambda_alias", &["function_name"]),
    (
        "aws_lambda_provisioned_concurrency_config",
        &["function_name"],
    ),
    (
        "aws_lambda_function_event_invoke_config",
        &["function_name"],
    ),
    ("aws_lambda_event_source_mapping", &["function_name"]),
    ("aws_lambda_function_url", &["function_name"]),
    ("aws_api_gateway_account", &[]),
    ("aws_api_gateway_", &["rest_api_id"]),
    ("aws_apigatewayv2_", &["api_id"]),
    ("aws_s3_bucket_", &["bucket"]),
    ("aws_sqs_queue_", &["queue_url"]),
    ("aws_sns_topic_subscription", &["topic_arn"]),
    ("aws_sns_topic_", &["arn"]),
    ("aws_cloudwatch_event_rule", &["event_bus_name"]),
    ("aws_cloudwatch_event_target", &["rule"]),
    ("aws_cloudwatch_event_archive", &["event_source_arn"]),
    ("aws_cloudwatch_event_bus_policy", &["event_bus_name"]),
    ("aws_cloudwatch_log_metric_filter", &["log_group_name"]),
    (
        "aws_cloudwatch_log_subscription_filter",
        &["log_group_name"],
    ),
    ("aws_kms_alias", &["target_key_id"]),
    ("aws_kms_key_policy", &["key_id"]),
    ("aws_kms_grant", &["key_id"]),
    ("aws_secretsmanager_secret_", &["secret_id"]),
    ("aws_ecr_lifecycle_policy", &["repository"]),
    ("aws_ecr_repository_policy", &["repository"]),
    ("aws_iam_role_policy_attachment", &["role"]),
    ("aws_iam_role_policy", &["role"]),
    ("aws_iam_instance_profile", &["role"]),
    ("aws_iam_user_policy", &["user"]),
    ("aws_dynamodb_contributor_insights", &["table_name"]),
    ("aws_dynamodb_table_item", &["table_name"]),
    (
        "aws_dynamodb_kinesis_streaming_destination",
        &["table_name"],
    ),
    ("aws_pipes_pipe", &["target"]),
    ("aws_elasticache_cluster", &["replication_group_id"]),
    ("aws_db_instance", &["cluster_identifier"]),
    ("aws_subnet", &["vpc_id"]),
    (
        "aws_route_table_association",
        &["route_table_id", "subnet_id"],
    ),
    ("aws_route_table", &["vpc_id"]),
    ("aws_route", &["route_table_id"]),
    ("aws_internet_gateway", &["vpc_id"]),
    ("aws_nat_gateway", &["subnet_id"]),
    ("aws_vpc_endpoint", &["vpc_id"]),
    ("aws_security_group_rule", &["security_group_id"]),
    ("aws_vpc_security_group_", &["security_group_id"]),
    ("aws_security_group", &["vpc_id"]),
    ("aws_flow_log", &["vpc_id"]),
    ("aws_network_acl", &["vpc_id"]),
    ("aws_lb_listener", &["load_balancer_arn"]),
    ("aws_lb_target_group_attachment", &["target_group_arn"]),
    ("aws_appautoscaling_policy", &["resource_id"]),
    ("aws_wafv2_web_acl_association", &["resource_arn"]),
];

pub(crate) fn owner_attributes(resource_type: &str) -> Option<&'static [&'static str]> {
    OWNER_ATTRIBUTES
        .iter()
        .find(|(t, _)| {
            if t.ends_with('_') {
                resource_type.starts_with(t)
            } else {
                resource_type == *t
            }
        })
        .map(|(_, attrs)| *attrs)
}

/// Finds the components and folds every other resource into one.
pub(crate) fn build(a: &Analysis) -> Components {
    let mut primaries: BTreeMap<String, Kind> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for b in &a.resources {
        let address = b.address();
        if let Some(kind) = primary_kind(a, b) {
            primaries.insert(address.clone(), kind);
        }
        order.push(address);
    }
    // A task definition that a service runs belongs to the service.
    for service in a.of_type("aws_ecs_service") {
        for t in a.attribute_references(service, "task_definition") {
            primaries.remove(&t);
        }
    }
    let referenced_by = reverse_references(a);
    // A repository whose images one task definition (or function) uses folds into it.
    let repositories: Vec<String> = primaries
        .iter()
        .filter(|(_, k)| **k == Kind::Repository)
        .map(|(addr, _)| addr.clone())
        .collect();
    for repository in repositories {
        let users: BTreeSet<&String> = referenced_by
            .get(&repository)
            .map(|v| {
                v.iter()
                    .filter(|u| {
                        primaries
                            .get(*u)
                            .is_some_and(|k| matches!(k, Kind::ContainerTask | Kind::Function))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if users.len() == 1 {
            primaries.remove(&repository);
        }
    }

    let mut resolver = Resolver {
        a,
        primaries: &primaries,
        referenced_by: &referenced_by,
        memo: HashMap::new(),
        serving: HashMap::new(),
        instance_function_names: None,
    };
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    let mut unassigned = Vec::new();
    let mut has_monitoring = false;
    for address in &order {
        let t = address_type(address);
        if is_monitoring(t) {
            owner.insert(address.clone(), MONITORING.into());
            has_monitoring = true;
            continue;
        }
        match resolver.resolve(address, 0) {
            Some(c) => {
                owner.insert(address.clone(), c);
            }
            // Data sources are not deployed: one that serves no single component is not
            // plumbing anyone needs to see.
            None if address.starts_with("data.") => {}
            None => unassigned.push(address.clone()),
        }
    }
    // Log groups and roles that serve no single component are components of their own
    // (a shared role, a log group other stacks write to); other leftovers stay plumbing.
    let mut extra: BTreeMap<String, Kind> = BTreeMap::new();
    unassigned.retain(|address| {
        let kind = match address_type(address) {
            "aws_cloudwatch_log_group" => Kind::LogGroup,
            "aws_iam_role" => Kind::Role,
            _ => return true,
        };
        extra.insert(address.clone(), kind);
        owner.insert(address.clone(), address.clone());
        false
    });
    // Policies of a shared role belong to that role.
    unassigned.retain(|address| {
        let Some(b) = a.block(address) else {
            return true;
        };
        let role = owner_attributes(b.type_label())
            .unwrap_or(&[])
            .iter()
            .flat_map(|attr| a.attribute_references(b, attr))
            .find(|r| extra.contains_key(r));
        match role {
            Some(r) => {
                owner.insert(address.clone(), r);
                false
            }
            None => true,
        }
    });

    // Each component's resources other than its primary, in address order (the owner map
    // is ordered by address): gathered once, not searched for each component.
    let mut members: HashMap<&str, Vec<String>> = HashMap::new();
    for (r, c) in &owner {
        if r != c {
            members.entry(c.as_str()).or_default().push(r.clone());
        }
    }
    let mut list = Vec::new();
    for (address, kind) in primaries.iter().chain(extra.iter()) {
        let Some(b) = a.block(address) else { continue };
        let mut resources = vec![address.clone()];
        resources.extend(members.remove(address.as_str()).unwrap_or_default());
        list.push(Component {
            id: address.clone(),
            name: b.name_label().to_string(),
            kind: *kind,
            role: kind.role(),
            primary: address.clone(),
            resources,
            location: a.location(b.origin),
        });
    }
    if has_monitoring {
        let resources = members.remove(MONITORING).unwrap_or_default();
        let first = resources.first().and_then(|r| a.block(r));
        list.push(Component {
            id: MONITORING.into(),
            name: "alarms".into(),
            kind: Kind::Monitoring,
            role: Role::Observability,
            primary: resources.first().cloned().unwrap_or_default(),
            location: first.and_then(|b| a.location(b.origin)),
            resources,
        });
    }
    let mut serving = std::mem::take(&mut resolver.serving);
    for resources in serving.values_mut() {
        resources.retain(|r| unassigned.contains(r));
    }
    let mut components = Components {
        list,
        positions: HashMap::new(),
        owner,
        unassigned,
        serving,
    };
    components.sort();
    components
}

fn address_type(address: &str) -> &str {
    let rest = address.strip_prefix("data.").unwrap_or(address);
    rest.split('.').next().unwrap_or(rest)
}

/// Address → the resources whose bodies refer to it (in source order, once each).
fn reverse_references(a: &Analysis) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for b in &a.resources {
        let from = b.address();
        for to in a.all_references(b) {
            if to != from {
                out.entry(to).or_default().push(from.clone());
            }
        }
    }
    out
}

struct Resolver<'r, 'm> {
    a: &'r Analysis<'r, 'm>,
    primaries: &'r BTreeMap<String, Kind>,
    referenced_by: &'r HashMap<String, Vec<String>>,
    memo: HashMap<String, Option<String>>,
    /// Component → the resources whose instances serve it among others.
    serving: HashMap<String, Vec<String>>,
    /// The functions of known instances by each instance's name, made when first asked.
    instance_function_names: Option<HashMap<String, String>>,
}

impl Resolver<'_, '_> {
    /// The component a resource belongs to.
    fn resolve(&mut self, address: &str, depth: usize) -> Option<String> {
        if self.primaries.contains_key(address) {
            return Some(address.to_string());
        }
        if depth > 8 {
            return None;
        }
        if let Some(done) = self.memo.get(address) {
            return done.clone();
        }
        // Guards cycles: a resource under resolution resolves to nothing.
        self.memo.insert(address.to_string(), None);
        let found = self.find(address, depth);
        self.memo.insert(address.to_string(), found.clone());
        found
    }

    fn find(&mut self, address: &str, depth: usize) -> Option<String> {
        let a = self.a;
        let b = a.block(address)?;
        let t = b.type_label();
        if is_monitoring(t) {
            return Some(MONITORING.into());
        }
        // 1. The attribute that names the owner, in every instance.
        if let Some(attributes) = owner_attributes(t) {
            let owners = a
                .instances(b)
                .iter()
                .map(|instance| self.named_owner(b, attributes, instance, depth))
                .collect();
            if let Some(found) = self.owner_of_instances(address, owners) {
                return found;
            }
            if t == "aws_api_gateway_account" {
                // Account-wide API Gateway logging: the module's only REST API, if one.
                let apis = a.of_type("aws_api_gateway_rest_api");
                if apis.len() == 1 {
                    return Some(apis[0].address());
                }
                return None;
            }
        }
        // 2. Log groups by the names Lambda and others write to, in every instance.
        if t == "aws_cloudwatch_log_group" {
            let owners = a
                .instances(b)
                .iter()
                .map(|instance| self.log_group_owner(b, instance))
                .collect();
            if let Some(found) = self.owner_of_instances(address, owners) {
                return found;
            }
        }
        // 3. Exactly one component refers to it (roles, subnet groups, origin access
        // controls, log groups named in a `logging_config`, …).
        let users: Vec<String> = self.referenced_by.get(address).cloned().unwrap_or_default();
        let mut owners = BTreeSet::new();
        for user in &users {
            if let Some(c) = self.resolve_user(user, depth) {
                owners.insert(c);
            }
        }
        if owners.len() == 1 {
            return owners.into_iter().next();
        }
        if !owners.is_empty() {
            return None;
        }
        // 4. It refers to exactly one component.
        let mut targets = BTreeSet::new();
        for r in a.all_references(b) {
            if let Some(c) = self.primaries.get_key_value(&r).map(|(k, _)| k.clone()) {
                targets.insert(c);
            }
        }
        if targets.len() == 1 {
            return targets.into_iter().next();
        }
        None
    }

    /// The owner of a block from the owners its instances name (each instance's, or the
    /// block's as a whole): the one they all name; none when they name several or some
    /// name none (a redrive policy made for each of several queues belongs to none of
    /// them, and serves each: [`Components::parts`]); `None` when none names one.
    fn owner_of_instances(
        &mut self,
        address: &str,
        owners: Vec<Option<String>>,
    ) -> Option<Option<String>> {
        let unnamed = owners.iter().any(Option::is_none);
        let mut named: BTreeSet<String> = owners.into_iter().flatten().collect();
        match (named.len(), unnamed) {
            (0, _) => None,
            (1, false) => Some(named.pop_first()),
            _ => {
                for c in named {
                    self.serving.entry(c).or_default().push(address.to_string());
                }
                Some(None)
            }
        }
    }

    /// The component the first of `attributes` that designates one names in `instance`.
    fn named_owner(
        &mut self,
        b: &Block,
        attributes: &[&str],
        instance: &Instance,
        depth: usize,
    ) -> Option<String> {
        for attr in attributes {
            for r in self.a.attribute_references_in(b, attr, instance) {
                if let Some(c) = self.resolve(&r, depth + 1) {
                    return Some(c);
                }
            }
        }
        None
    }

    /// The component of a resource that refers to another: primaries directly, policies
    /// and attachments through the role they attach to.
    fn resolve_user(&mut self, user: &str, depth: usize) -> Option<String> {
        if self.primaries.contains_key(user) {
            return Some(user.to_string());
        }
        let t = address_type(user);
        if t.starts_with("aws_iam_") || is_monitoring(t) {
            // A policy that names a resource does not make the resource the policy's.
            return None;
        }
        self.resolve(user, depth + 1)
    }

    /// The function whose default log group `b` is in `instance` (`/aws/lambda/NAME`).
    fn log_group_owner(&mut self, b: &Block, instance: &Instance) -> Option<String> {
        let a = self.a;
        let name = a.text_in(b, "name", instance)?;
        let function = name.strip_prefix("/aws/lambda/")?;
        if let Some(f) =
            a.cx.resources_named("aws_lambda_function", "function_name", function)
                .first()
        {
            return Some(f.address());
        }
        // A function with `for_each` or `count` whose instances have names of their own.
        let names = self.instance_function_names.get_or_insert_with(|| {
            let mut names = HashMap::new();
            for f in a.of_type("aws_lambda_function") {
                for instance in a.instances(f) {
                    if let Some(n) = (!instance.key().is_empty())
                        .then(|| a.text_in(f, "function_name", &instance))
                        .flatten()
                    {
                        names.entry(n).or_insert_with(|| f.address());
                    }
                }
            }
            names
        });
        names.get(function).cloned()
    }
}
