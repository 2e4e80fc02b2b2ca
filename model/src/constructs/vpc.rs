//! `Vpc`: a private network — private subnets in two or three availability zones, one route
//! table each, the VPC endpoints private workloads need (interface endpoints for AWS APIs,
//! gateway endpoints for S3 and DynamoDB on every route table) — and `SecurityGroup`s whose
//! rules name each other rather than address ranges.
//!
//! Nothing here faces the internet: no internet gateway, no NAT, no public subnet. A
//! workload that must call the internet needs an egress path this construct does not
//! build (a NAT gateway or an egress proxy owned by the network team).
//!
//! Availability zones are `<region>a`, `<region>b`, `<region>c` by default, built from
//! `var.region`: `data "aws_availability_zones"` would be the usual source, but reading it
//! calls EC2 even at plan time, and the generated modules must plan without AWS access.
//! Regions whose zones are lettered otherwise take `.availability_zones(&[…])`.
//!
//! ```ignore
//! let vpc = Vpc::new(stack, "network")
//!     .cidr("10.40.0.0/16")
//!     .availability_zones(3)
//!     .interface_endpoints(&["secretsmanager", "logs", "ecr.api", "ecr.dkr"])
//!     .gateway_endpoints(&["s3", "dynamodb"])
//!     .build();
//! let workers = vpc.security_group("workers", "Connector tasks");
//! vpc.allow_endpoints_from(&workers);          // HTTPS to the endpoints, nothing else
//! workers.connect_to(&cache_group, 6379, "Redis");
//! ```

use super::stack::{ResourceRef, Stack};
use crate::ir::{Expr, TemplatePart};
use crate::l1::resources::{
    RouteTable, RouteTableAssociation, SecurityGroup as L1SecurityGroup, Subnet, Vpc as L1Vpc,
    VpcEndpoint, VpcSecurityGroupEgressRule, VpcSecurityGroupIngressRule,
};
use crate::origin::RustLocation;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A VPC under construction.
#[must_use = "call .build() to declare the VPC"]
pub struct VpcBuilder {
    stack: Stack,
    id: String,
    cidr: String,
    zone_count: usize,
    zone_names: Option<Vec<String>>,
    interface_endpoints: Vec<String>,
    gateway_endpoints: Vec<String>,
    location: RustLocation,
}

/// A declared VPC. Cheap to clone.
#[derive(Clone)]
pub struct Vpc(Rc<VpcInner>);

struct VpcInner {
    stack: Stack,
    id: String,
    resource: ResourceRef,
    cidr: String,
    subnets: Vec<ResourceRef>,
    route_tables: Vec<ResourceRef>,
    /// The security group of the interface endpoints (when there are any).
    endpoint_group: Option<SecurityGroup>,
    /// Gateway endpoints (for their prefix lists).
    gateway_endpoints: Vec<(String, ResourceRef)>,
}

impl std::fmt::Debug for Vpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vpc({})", self.0.resource.address())
    }
}

/// A security group. Rules are separate `aws_vpc_security_group_*_rule` resources; a new
/// group has none (Terraform removes AWS's default allow-all egress rule).
#[derive(Clone, Debug)]
pub struct SecurityGroup {
    stack: Stack,
    id: String,
    resource: ResourceRef,
}

impl Vpc {
    /// A VPC `id` with private subnets only: `10.0.0.0/16`, two zones and no endpoints
    /// unless told otherwise.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> VpcBuilder {
        VpcBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            cidr: "10.0.0.0/16".to_string(),
            zone_count: 2,
            zone_names: None,
            interface_endpoints: Vec::new(),
            gateway_endpoints: Vec::new(),
            location: RustLocation::caller(),
        }
    }

    /// The VPC ID.
    pub fn vpc_id(&self) -> Expr {
        self.0.resource.id()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.0.resource
    }
    pub fn cidr_block(&self) -> &str {
        &self.0.cidr
    }
    /// The private subnet IDs, one per zone, as a list expression.
    pub fn private_subnet_ids(&self) -> Expr {
        Expr::tuple(self.private_subnets())
    }
    /// The private subnet IDs, one expression each.
    pub fn private_subnets(&self) -> Vec<Expr> {
        self.0.subnets.iter().map(ResourceRef::id).collect()
    }
    /// The private route tables (one per subnet).
    pub fn route_tables(&self) -> &[ResourceRef] {
        &self.0.route_tables
    }

    /// A security group `<vpc id>_<id>` in this VPC, without rules.
    #[track_caller]
    pub fn security_group(&self, id: &str, description: &str) -> SecurityGroup {
        self.security_group_at(id, description, RustLocation::caller())
    }

    pub(crate) fn security_group_at(
        &self,
        id: &str,
        description: &str,
        location: RustLocation,
    ) -> SecurityGroup {
        create_security_group(&self.0.stack, self.vpc_id(), id, description, location)
    }

    /// Lets `group` reach the VPC endpoints: HTTPS to the interface endpoints' security
    /// group and to the gateway endpoints' prefix lists — and nothing else.
    #[track_caller]
    pub fn allow_endpoints_from(&self, group: &SecurityGroup) {
        let location = RustLocation::caller();
        if let Some(endpoints) = &self.0.endpoint_group {
            group.connect_to_at(
                endpoints,
                443,
                "HTTPS to the VPC interface endpoints",
                location,
            );
        }
        for (service, endpoint) in &self.0.gateway_endpoints {
            let rule = VpcSecurityGroupEgressRule::new("tcp", group.id())
                .from_port(443)
                .to_port(443)
                .prefix_list_id(endpoint.attr("prefix_list_id"))
                .description(format!("HTTPS to {service} through the gateway endpoint"));
            self.0.stack.declare_typed(
                &format!(
                    "{}_to_{}_{}",
                    group.id,
                    self.0.id,
                    super::naming::slug(service, "endpoint")
                ),
                rule,
                location,
            );
        }
    }
}

impl SecurityGroup {
    /// The security group ID.
    pub fn id(&self) -> Expr {
        self.resource.id()
    }
    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }

    /// Lets this group open TCP connections to `other` on `port`: an egress rule here and
    /// the matching ingress rule there, each naming the other group.
    #[track_caller]
    pub fn connect_to(&self, other: &SecurityGroup, port: i64, description: &str) {
        self.connect_to_at(other, port, description, RustLocation::caller());
    }

    pub(crate) fn connect_to_at(
        &self,
        other: &SecurityGroup,
        port: i64,
        description: &str,
        location: RustLocation,
    ) {
        if !(1..=65535).contains(&port) {
            self.stack
                .error(location, format!("port {port} is outside 1–65535"), None);
        }
        let name = format!("{}_to_{}_{}", self.id, other.id, port);
        let egress = VpcSecurityGroupEgressRule::new("tcp", self.id())
            .from_port(port)
            .to_port(port)
            .referenced_security_group_id(other.id())
            .description(description);
        self.stack.declare_typed(&name, egress, location);
        let ingress = VpcSecurityGroupIngressRule::new("tcp", other.id())
            .from_port(port)
            .to_port(port)
            .referenced_security_group_id(self.id())
            .description(description);
        self.stack.declare_typed(&name, ingress, location);
    }
}

impl VpcBuilder {
    /// The VPC's IPv4 range (a `/16` to `/24`); subnets take consecutive sixteenths of it.
    pub fn cidr(mut self, cidr: &str) -> Self {
        self.cidr = cidr.to_string();
        self
    }
    /// How many availability zones (2 or 3) get a private subnet.
    pub fn availability_zones(mut self, count: usize) -> Self {
        self.zone_count = count;
        self
    }
    /// Explicit zone names, for regions whose zones are not lettered `a`, `b`, `c`.
    pub fn zone_names(mut self, names: &[&str]) -> Self {
        self.zone_count = names.len();
        self.zone_names = Some(names.iter().map(|s| s.to_string()).collect());
        self
    }
    /// Interface endpoints (`secretsmanager`, `logs`, `ecr.api`, `ecr.dkr`, `states`, …) in
    /// every private subnet, with private DNS.
    pub fn interface_endpoints(mut self, services: &[&str]) -> Self {
        self.interface_endpoints
            .extend(services.iter().map(|s| s.to_string()));
        self
    }
    /// Gateway endpoints (`s3`, `dynamodb`) on every private route table.
    pub fn gateway_endpoints(mut self, services: &[&str]) -> Self {
        self.gateway_endpoints
            .extend(services.iter().map(|s| s.to_string()));
        self
    }

    pub fn build(self) -> Vpc {
        let stack = self.stack.clone();
        let loc = self.location;
        let name = stack.physical_name(&self.id);
        if !(2..=3).contains(&self.zone_count) {
            stack.error(
                loc,
                format!(
                    "a VPC needs private subnets in 2 or 3 availability zones, not {}",
                    self.zone_count
                ),
                Some("multi-AZ services (ElastiCache failover, interface endpoints) need at least two zones"),
            );
        }
        let subnet_cidrs = match split_cidr(&self.cidr, self.zone_count.clamp(1, 3)) {
            Some(c) => c,
            None => {
                stack.error(
                    loc,
                    format!("`{}` is not an IPv4 range between /16 and /24", self.cidr),
                    Some("write it as `10.40.0.0/16`"),
                );
                vec![self.cidr.clone(); self.zone_count.clamp(1, 3)]
            }
        };
        for s in self
            .gateway_endpoints
            .iter()
            .filter(|s| !matches!(s.as_str(), "s3" | "dynamodb"))
        {
            stack.error(
                loc,
                format!("`{s}` has no gateway endpoint"),
                Some("only `s3` and `dynamodb` do; use an interface endpoint"),
            );
        }
        let vpc = L1Vpc::new()
            .cidr_block(self.cidr.as_str())
            .enable_dns_support(true)
            // Private DNS names of interface endpoints need DNS hostnames.
            .enable_dns_hostnames(true)
            .tags(name_tag(&name));
        let resource = stack.declare_typed(&self.id, vpc, loc);

        let letters = ["a", "b", "c"];
        let mut subnets = Vec::new();
        let mut route_tables = Vec::new();
        for (i, cidr) in subnet_cidrs.iter().enumerate() {
            let (zone, suffix) = match &self.zone_names {
                Some(names) => (
                    Expr::string(names[i].clone()),
                    names[i]
                        .chars()
                        .last()
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| i.to_string()),
                ),
                None => (
                    Expr::template(vec![
                        TemplatePart::Interpolation(Expr::var("region")),
                        TemplatePart::Literal(letters[i].into()),
                    ]),
                    letters[i].to_string(),
                ),
            };
            let subnet_id = format!("{}_private_{}", self.id, suffix);
            let subnet_name = format!("{name}-private-{suffix}");
            let subnet = Subnet::new(resource.id())
                .cidr_block(cidr.as_str())
                .availability_zone(zone)
                .map_public_ip_on_launch(false)
                .tags(name_tag(&subnet_name));
            let subnet = stack.declare_typed(&subnet_id, subnet, loc);
            // No routes besides the implicit local one and the gateway endpoints'.
            let table = RouteTable::new(resource.id()).tags(name_tag(&subnet_name));
            let table = stack.declare_typed(&subnet_id, table, loc);
            stack.declare_typed(
                &subnet_id,
                RouteTableAssociation::new(table.id()).subnet_id(subnet.id()),
                loc,
            );
            subnets.push(subnet);
            route_tables.push(table);
        }

        let mut gateway_endpoints = Vec::new();
        for service in &self.gateway_endpoints {
            let endpoint = VpcEndpoint::new(resource.id())
                .service_name(service_name(service))
                .vpc_endpoint_type("Gateway")
                .route_table_ids(route_tables.iter().map(ResourceRef::id).collect::<Vec<_>>())
                .tags(name_tag(&format!("{name}-{}", service.replace('.', "-"))));
            let endpoint = stack.declare_typed(
                &format!("{}_{}", self.id, super::naming::slug(service, "endpoint")),
                endpoint,
                loc,
            );
            gateway_endpoints.push((service.clone(), endpoint));
        }

        let mut inner = VpcInner {
            stack: stack.clone(),
            id: self.id.clone(),
            resource,
            cidr: self.cidr.clone(),
            subnets,
            route_tables,
            endpoint_group: None,
            gateway_endpoints,
        };
        if !self.interface_endpoints.is_empty() {
            let group = create_security_group(
                &stack,
                inner.resource.id(),
                &format!("{}_endpoints", self.id),
                "VPC interface endpoints: HTTPS from the groups allowed to use them",
                loc,
            );
            for service in &self.interface_endpoints {
                let endpoint = VpcEndpoint::new(inner.resource.id())
                    .service_name(service_name(service))
                    .vpc_endpoint_type("Interface")
                    .private_dns_enabled(true)
                    .subnet_ids(
                        inner
                            .subnets
                            .iter()
                            .map(ResourceRef::id)
                            .collect::<Vec<_>>(),
                    )
                    .security_group_ids(vec![group.id()])
                    .tags(name_tag(&format!("{name}-{}", service.replace('.', "-"))));
                stack.declare_typed(
                    &format!("{}_{}", self.id, super::naming::slug(service, "endpoint")),
                    endpoint,
                    loc,
                );
            }
            inner.endpoint_group = Some(group);
        }
        Vpc(Rc::new(inner))
    }
}

/// A security group `id` in `vpc_id`, without rules.
fn create_security_group(
    stack: &Stack,
    vpc_id: Expr,
    id: &str,
    description: &str,
    location: RustLocation,
) -> SecurityGroup {
    let name = stack.physical_name(id);
    let group = L1SecurityGroup::new()
        .name(name.as_str())
        .description(description)
        .vpc_id(vpc_id)
        .tags(name_tag(&name));
    let resource = stack.declare_typed(id, group, location);
    SecurityGroup {
        stack: stack.clone(),
        id: id.to_string(),
        resource,
    }
}

/// `com.amazonaws.<region>.<service>`.
fn service_name(service: &str) -> Expr {
    Expr::template(vec![
        TemplatePart::Literal("com.amazonaws.".into()),
        TemplatePart::Interpolation(Expr::var("region")),
        TemplatePart::Literal(format!(".{service}").into()),
    ])
}

fn name_tag(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("Name".to_string(), name.to_string())])
}

/// `count` consecutive subnets, each a sixteenth of `cidr` (`10.40.0.0/16` → `10.40.0.0/20`,
/// `10.40.16.0/20`, …); `None` unless `cidr` is an IPv4 range between /16 and /24.
fn split_cidr(cidr: &str, count: usize) -> Option<Vec<String>> {
    let (address, prefix) = cidr.split_once('/')?;
    let prefix: u32 = prefix.parse().ok()?;
    if !(16..=24).contains(&prefix) {
        return None;
    }
    let octets: Vec<u8> = address
        .split('.')
        .map(|o| o.parse().ok())
        .collect::<Option<_>>()?;
    if octets.len() != 4 {
        return None;
    }
    let base = octets.iter().fold(0u32, |a, o| (a << 8) | u32::from(*o));
    let host_bits = 32 - prefix;
    if base & ((1u32 << host_bits) - 1) != 0 {
        return None;
    }
    let sub_prefix = prefix + 4;
    let size = 1u32 << (32 - sub_prefix);
    Some(
        (0..count as u32)
            .map(|i| {
                let a = base + i * size;
                format!(
                    "{}.{}.{}.{}/{sub_prefix}",
                    a >> 24,
                    (a >> 16) & 0xff,
                    (a >> 8) & 0xff,
                    a & 0xff
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;

    #[test]
    fn subnets_split_the_range() {
        assert_eq!(
            split_cidr("10.40.0.0/16", 3).unwrap(),
            vec!["10.40.0.0/20", "10.40.16.0/20", "10.40.32.0/20"]
        );
        assert_eq!(split_cidr("10.40.1.0/16", 2), None);
        assert_eq!(split_cidr("10.40.0.0/8", 2), None);
        assert_eq!(split_cidr("nonsense", 2), None);
    }

    #[test]
    fn private_subnets_route_tables_and_endpoints() {
        let stack = Stack::new("net", Environment::dev());
        let vpc = Vpc::new(&stack, "network")
            .cidr("10.40.0.0/16")
            .availability_zones(3)
            .interface_endpoints(&["secretsmanager"])
            .gateway_endpoints(&["s3"])
            .build();
        let workers = vpc.security_group("workers", "Workers");
        vpc.allow_endpoints_from(&workers);
        let out = stack.finish().expect("synthesizes");
        let c = &out.config;
        for zone in ["a", "b", "c"] {
            let name = format!("network_private_{zone}");
            assert!(c.resource("aws_subnet", &name).is_some());
            assert!(c.resource("aws_route_table", &name).is_some());
            assert!(c.resource("aws_route_table_association", &name).is_some());
        }
        assert!(c
            .resource("aws_vpc_endpoint", "network_secretsmanager")
            .is_some());
        assert!(c.resource("aws_vpc_endpoint", "network_s3").is_some());
        assert!(c
            .resource(
                "aws_vpc_security_group_ingress_rule",
                "workers_to_network_endpoints_443"
            )
            .is_some());
        assert!(c
            .resource(
                "aws_vpc_security_group_egress_rule",
                "workers_to_network_s3"
            )
            .is_some());
        // Nothing faces the internet.
        assert!(c
            .blocks_of("resource")
            .all(|b| b.type_label() != "aws_internet_gateway"));
    }

    #[test]
    fn one_zone_is_an_error() {
        let stack = Stack::new("net", Environment::dev());
        let _ = Vpc::new(&stack, "network").availability_zones(1).build();
        let errors = stack.finish().unwrap_err();
        assert!(errors[0].message.contains("2 or 3 availability zones"));
    }
}
