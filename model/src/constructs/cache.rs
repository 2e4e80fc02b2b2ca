//! `CacheCluster`: an ElastiCache Redis replication group in a VPC's private subnets — a
//! primary and replicas spread over the zones, multi-AZ with automatic failover, TLS
//! required in transit, encrypted at rest (a KMS key optional), daily snapshots, slow-log
//! to a log group with retention — behind its own security group that admits the Redis
//! port only from the groups given.
//!
//! ```ignore
//! let cache = CacheCluster::new(stack, "cache", &vpc)
//!     .node_type("cache.r6g.large")
//!     .nodes(3)
//!     .allow_from(&workers)
//!     .build();
//! ```

use super::log_group::LogGroup;
use super::stack::{ResourceRef, Stack};
use super::vpc::{SecurityGroup, Vpc};
use crate::ir::Expr;
use crate::l1::resources::{
    ElasticacheReplicationGroup, ElasticacheReplicationGroupLogDeliveryConfiguration,
    ElasticacheSubnetGroup,
};
use crate::origin::RustLocation;

/// The Redis port.
pub const REDIS_PORT: i64 = 6379;

/// A cache under construction.
#[must_use = "call .build() to declare the cache"]
pub struct CacheClusterBuilder {
    stack: Stack,
    id: String,
    vpc: Vpc,
    node_type: String,
    nodes: i64,
    engine_version: String,
    allowed: Vec<SecurityGroup>,
    kms_key: Option<Expr>,
    snapshot_retention_days: Option<i64>,
    location: RustLocation,
}

/// A declared cache.
#[derive(Clone, Debug)]
pub struct CacheCluster {
    resource: ResourceRef,
    security_group: SecurityGroup,
    replication_group_id: String,
    nodes: i64,
}

impl CacheCluster {
    /// A Redis replication group `<prefix>-<env>-<id>` in `vpc`: `cache.r6g.large` × 3,
    /// Redis 7.1, unless told otherwise.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str, vpc: &Vpc) -> CacheClusterBuilder {
        CacheClusterBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            vpc: vpc.clone(),
            node_type: "cache.r6g.large".to_string(),
            nodes: 3,
            engine_version: "7.1".to_string(),
            allowed: Vec::new(),
            kms_key: None,
            snapshot_retention_days: None,
            location: RustLocation::caller(),
        }
    }

    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    /// The primary endpoint's host name (writes; TLS on port 6379).
    pub fn primary_endpoint(&self) -> Expr {
        self.resource.attr("primary_endpoint_address")
    }
    /// The reader endpoint's host name (reads spread over the replicas).
    pub fn reader_endpoint(&self) -> Expr {
        self.resource.attr("reader_endpoint_address")
    }
    pub fn port(&self) -> i64 {
        REDIS_PORT
    }
    /// The cache's security group.
    pub fn security_group(&self) -> &SecurityGroup {
        &self.security_group
    }
    /// The replication group ID (`<prefix>-<env>-<id>`).
    pub fn replication_group_id(&self) -> &str {
        &self.replication_group_id
    }
    /// The member clusters' IDs (`<group id>-001` …), CloudWatch's `CacheClusterId`.
    pub fn member_cluster_ids(&self) -> Vec<String> {
        (1..=self.nodes)
            .map(|i| format!("{}-{i:03}", self.replication_group_id))
            .collect()
    }
}

impl CacheClusterBuilder {
    pub fn node_type(mut self, node_type: &str) -> Self {
        self.node_type = node_type.to_string();
        self
    }
    /// Nodes in the group: one primary and `n - 1` replicas (2–6).
    pub fn nodes(mut self, n: i64) -> Self {
        self.nodes = n;
        self
    }
    pub fn engine_version(mut self, version: &str) -> Self {
        self.engine_version = version.to_string();
        self
    }
    /// Admits connections to the Redis port from `group` (and lets `group` connect).
    pub fn allow_from(mut self, group: &SecurityGroup) -> Self {
        self.allowed.push(group.clone());
        self
    }
    /// Encrypts at rest with a customer managed key (its ARN) instead of an AWS owned key.
    pub fn encryption_key(mut self, key_arn: Expr) -> Self {
        self.kms_key = Some(key_arn);
        self
    }
    /// Days of daily snapshots kept (default: 7 in production, 1 elsewhere).
    pub fn snapshot_retention_days(mut self, days: i64) -> Self {
        self.snapshot_retention_days = Some(days);
        self
    }

    pub fn build(self) -> CacheCluster {
        let stack = &self.stack;
        let loc = self.location;
        let group_id = stack.physical_name(&self.id);
        if !valid_group_id(&group_id) {
            stack.error(
                loc,
                format!("replication group ID `{group_id}` is not valid"),
                Some("ElastiCache IDs have 1–40 lowercase letters, digits and single hyphens, start with a letter and do not end with a hyphen"),
            );
        }
        if !(2..=6).contains(&self.nodes) {
            stack.error(
                loc,
                format!(
                    "a multi-AZ replication group needs 2–6 nodes, not {}",
                    self.nodes
                ),
                Some("automatic failover needs a primary and at least one replica"),
            );
        }
        if self.allowed.is_empty() {
            stack.error(
                loc,
                "the cache admits no security group",
                Some("add `.allow_from(&group)` for each client group"),
            );
        }
        let security_group = self.vpc.security_group_at(
            &format!("{}_cache", self.id),
            "Redis: TLS on 6379 from the client groups only",
            loc,
        );
        for client in &self.allowed {
            client.connect_to_at(&security_group, REDIS_PORT, "Redis over TLS", loc);
        }
        let subnet_group =
            ElasticacheSubnetGroup::new(group_id.as_str(), self.vpc.private_subnet_ids())
                .description(format!("Private subnets of {group_id}"));
        let subnet_group = stack.declare_typed(&self.id, subnet_group, loc);
        let slow_log = LogGroup::create(
            stack,
            &format!("{}_slow_log", self.id),
            Expr::string(format!("/aws/elasticache/{group_id}/slow-log")),
            stack.env().log_retention_days,
            loc,
        );
        let production = stack.is_production();
        let mut group = ElasticacheReplicationGroup::new(
            format!("Redis cache of {}", stack.name()),
            group_id.as_str(),
        )
        .engine("redis")
        .engine_version(self.engine_version.as_str())
        .node_type(self.node_type.as_str())
        .num_cache_clusters(self.nodes)
        .port(REDIS_PORT)
        .multi_az_enabled(true)
        .automatic_failover_enabled(true)
        .transit_encryption_enabled(true)
        .transit_encryption_mode("required")
        .at_rest_encryption_enabled("true")
        .auto_minor_version_upgrade("true")
        .subnet_group_name(subnet_group.name_attr())
        .security_group_ids(vec![security_group.id()])
        .snapshot_retention_limit(self.snapshot_retention_days.unwrap_or(if production {
            7
        } else {
            1
        }))
        // Off-peak for a service whose batch sync runs at 04:00 UTC.
        .snapshot_window("01:00-02:00")
        .maintenance_window("sun:02:30-sun:03:30")
        .log_delivery_configuration(
            ElasticacheReplicationGroupLogDeliveryConfiguration::new(
                slow_log.name(),
                "cloudwatch-logs",
                "json",
                "slow-log",
            ),
        );
        if let Some(key) = &self.kms_key {
            group = group.kms_key_id(key.clone());
        }
        if production {
            group = group.final_snapshot_identifier(format!("{group_id}-final"));
        }
        let resource = stack.declare_typed(&self.id, group, loc);
        CacheCluster {
            resource,
            security_group,
            replication_group_id: group_id,
            nodes: self.nodes,
        }
    }
}

/// 1–40 characters: lowercase letters, digits, single hyphens; a letter first; no hyphen last.
fn valid_group_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;

    #[test]
    fn multi_az_encrypted_and_reachable_only_from_clients() {
        let stack = Stack::new("svc", Environment::prod());
        let vpc = Vpc::new(&stack, "network").build();
        let clients = vpc.security_group("clients", "Clients");
        let cache = CacheCluster::new(&stack, "cache", &vpc)
            .allow_from(&clients)
            .build();
        assert_eq!(
            cache.member_cluster_ids(),
            vec![
                "svc-prod-cache-001",
                "svc-prod-cache-002",
                "svc-prod-cache-003"
            ]
        );
        let out = stack.finish().expect("synthesizes");
        let group = out
            .config
            .resource("aws_elasticache_replication_group", "cache")
            .unwrap();
        let get = |a: &str| group.body.get(a).map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(get("node_type"), "\"cache.r6g.large\"");
        assert_eq!(get("num_cache_clusters"), "3");
        assert_eq!(get("multi_az_enabled"), "true");
        assert_eq!(get("automatic_failover_enabled"), "true");
        assert_eq!(get("transit_encryption_enabled"), "true");
        let ingress = out
            .config
            .resource(
                "aws_vpc_security_group_ingress_rule",
                "clients_to_cache_cache_6379",
            )
            .unwrap();
        assert_eq!(
            ingress
                .body
                .get("referenced_security_group_id")
                .map(|e| e.to_string()),
            Some("aws_security_group.clients.id".into())
        );
    }

    #[test]
    fn group_ids() {
        assert!(valid_group_id("integration-service-prod-cache"));
        assert!(!valid_group_id("Cache"));
        assert!(!valid_group_id("a--b"));
        assert!(!valid_group_id(&"a".repeat(41)));
    }
}
