//! The monthly estimate: for every resource with a price, cost lines from the shipped price
//! table — fixed lines from the configuration alone (nodes, gateways, endpoints, keys,
//! secrets, provisioned concurrency, API caches, alarms, services that always run),
//! usage lines from the usage file or the built-in defaults — grouped by component.

use super::prices::{Price, PriceTable};
use super::usage::{Usage, UsageSource};
use crate::analysis::{self, Analysis};
use crate::components::Components;
use crate::lint::Setting;
use std::collections::{BTreeMap, HashMap};
use tfstack_model::eval::Scope;
use tfstack_model::instances::Instances;
use tfstack_model::Block;

/// Every price id the estimate may read (a test checks the table has them all).
#[cfg(test)]
pub(crate) const PRICE_IDS: &[&str] = &[
    "lambda.requests",
    "lambda.duration.x86_64",
    "lambda.duration.arm64",
    "lambda.provisioned.x86_64",
    "lambda.provisioned.arm64",
    "lambda.provisioned_duration.x86_64",
    "lambda.provisioned_duration.arm64",
    "apigateway.rest.requests",
    "apigateway.http.requests",
    "dynamodb.on_demand.writes",
    "dynamodb.on_demand.reads",
    "dynamodb.provisioned.wcu",
    "dynamodb.provisioned.rcu",
    "dynamodb.storage",
    "dynamodb.pitr",
    "sqs.standard.requests",
    "sqs.fifo.requests",
    "sns.requests",
    "eventbridge.custom_events",
    "stepfunctions.standard.transitions",
    "stepfunctions.express.requests",
    "stepfunctions.express.duration",
    "s3.standard",
    "s3.intelligent_tiering",
    "s3.standard_ia",
    "s3.glacier",
    "s3.deep_archive",
    "s3.put_requests",
    "s3.get_requests",
    "logs.ingestion",
    "logs.storage",
    "cloudwatch.alarm_metric",
    "cloudwatch.dashboard",
    "fargate.vcpu.x86_64",
    "fargate.memory.x86_64",
    "fargate.vcpu.arm64",
    "fargate.memory.arm64",
    "elasticache.valkey_factor",
    "nat.hours",
    "nat.data",
    "vpc_endpoint.interface.hours",
    "vpc_endpoint.interface.data",
    "kms.key",
    "kms.requests",
    "secretsmanager.secret",
    "secretsmanager.requests",
    "cloudfront.data_out",
    "cloudfront.https_requests",
    "waf.web_acl",
    "waf.rule",
    "waf.requests",
];

/// One priced line.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CostLine {
    pub resource: String,
    pub description: String,
    pub quantity: f64,
    /// The unit of the quantity (`requests`, `GB-seconds`, `node-hours`).
    pub unit: String,
    pub price_id: String,
    /// The list price as the table says it (`$0.2 per 1M requests`).
    pub price: String,
    pub monthly: f64,
    /// Independent of usage.
    pub fixed: bool,
}

/// The cost of one component.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ComponentCost {
    pub component: String,
    pub kind: String,
    pub lines: Vec<CostLine>,
    pub monthly: f64,
    pub fixed: f64,
}

/// A usage value the estimate used.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Assumption {
    pub resource: String,
    pub key: String,
    pub value: f64,
    pub unit: String,
    pub source: UsageSource,
}

/// A price the estimate used, with its provenance.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PriceUse {
    pub id: String,
    pub price: Price,
}

/// The cost section.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Estimate {
    pub region: String,
    pub currency: String,
    pub hours_per_month: f64,
    /// Components with a cost, most expensive first.
    pub components: Vec<ComponentCost>,
    pub total: f64,
    pub fixed_total: f64,
    pub usage_total: f64,
    pub assumptions: Vec<Assumption>,
    pub prices: Vec<PriceUse>,
    /// Resources with a cost the table cannot price (with why).
    pub unpriced: Vec<String>,
    /// The usage file, if one was given.
    pub usage_file: Option<String>,
    /// Usage file entries that name no resource of the configuration.
    pub unmatched_usage: Vec<String>,
}

struct Pricer<'x, 'm> {
    a: &'x Analysis<'x, 'm>,
    table: &'x PriceTable,
    usage: &'x Usage,
    lines: Vec<CostLine>,
    assumptions: Vec<Assumption>,
    used: BTreeMap<String, Price>,
    unpriced: Vec<String>,
    /// The instance being priced (`[0]`, `["a"]`) of a block with a known `count` or
    /// `for_each`: usage is looked up at its address.
    instance: Option<String>,
    /// The names in scope in that instance (`count.index`, `each.value`), when the engine
    /// evaluates the block one instance at a time: the block's settings that differ
    /// between instances are read in it.
    instance_scope: Option<Scope>,
}

impl Pricer<'_, '_> {
    fn hours(&self) -> f64 {
        self.table.hours_per_month
    }

    /// A usage value of the block (or of the instance being priced), recorded as an
    /// assumption of the usage-file entry that gave it, or of the block for a default.
    fn usage(&mut self, b: &Block, key: &str) -> f64 {
        let block_address = b.address();
        let address = match &self.instance {
            Some(instance) => format!("{block_address}{instance}"),
            None => block_address.clone(),
        };
        let t = b.type_label();
        let found = self.usage.lookup(&address, t, key);
        let unit = super::usage::keys_of(t)
            .find(|k| k.key == key)
            .map(|k| k.unit)
            .unwrap_or("");
        self.assumptions.push(Assumption {
            resource: found.entry.unwrap_or(block_address),
            key: key.to_string(),
            value: found.value,
            unit: unit.to_string(),
            source: found.source,
        });
        found.value
    }

    /// The number `name` of a block, `default` when the configuration does not set it.
    /// Set but not known for the block, it is read in the instance being priced (when
    /// `b` is that instance's block); failing that, `default` is used and the returned
    /// note says so (` (memory_size not known: 128 MB assumed)`); the note is empty
    /// otherwise.
    fn number_or(&self, b: &Block, name: &str, default: f64, unit: &str) -> (f64, String) {
        let a = self.a;
        let in_instance = || {
            let scope = self.instance_scope.as_ref()?;
            let e = b.body.get(name)?;
            a.cx.eval.eval_in(e, scope, 0).as_f64()
        };
        let known = match a.setting(b, &[name]) {
            Setting::Unset => return (default, String::new()),
            Setting::Known { value, .. } => value.as_f64(),
            Setting::Unknown => in_instance(),
        };
        match known {
            Some(n) => (n, String::new()),
            None => {
                let value = format!("{} {unit}", fmt(default));
                (default, assumed(name, value.trim_end()))
            }
        }
    }

    /// Prices every instance of a block: a block with a known `count` or `for_each` once
    /// per instance (each reads its own usage), its lines then summed into one per price
    /// and description that says how many instances it covers; a block without either
    /// once; a block whose number of instances is not known once, saying so.
    fn resource_instances(&mut self, components: &Components, b: &Block) {
        let start = self.lines.len();
        let instances = self.a.cx.instances(b);
        let keys = instances.address_keys();
        if keys.is_empty() {
            self.resource(components, b);
            if matches!(instances, Instances::Unknown) {
                for line in &mut self.lines[start..] {
                    line.description
                        .push_str(" (number of instances not known: priced as one)");
                }
            }
            return;
        }
        let mut scopes: HashMap<String, Scope> = self.a.cx.instance_scopes(b).into_iter().collect();
        for key in &keys {
            self.instance = Some(key.clone());
            self.instance_scope = scopes.remove(key);
            self.resource(components, b);
        }
        self.instance = None;
        self.instance_scope = None;
        let per_instance = self.lines.split_off(start);
        self.lines
            .extend(sum_instances(per_instance, keys.len(), self.table));
    }

    /// Adds a line of `quantity` units at price `id`.
    fn line(&mut self, b: &Block, id: &str, description: String, quantity: f64, fixed: bool) {
        let Some(price) = self.table.get(id).cloned() else {
            self.unpriced
                .push(format!("{} ({description}: no price `{id}`)", b.address()));
            return;
        };
        let monthly = quantity * price.unit_price();
        self.lines.push(CostLine {
            resource: b.address(),
            description,
            quantity,
            unit: price.units(quantity),
            price_id: id.to_string(),
            price: price.describe(),
            monthly,
            fixed,
        });
        self.used.insert(id.to_string(), price);
    }

    fn resource(&mut self, components: &Components, b: &Block) {
        let a = self.a;
        let t = b.type_label();
        match t {
            "aws_lambda_function" => self.lambda(components, b),
            "aws_lambda_provisioned_concurrency_config" => {
                let Some(function) = a
                    .attribute_references(b, "function_name")
                    .first()
                    .and_then(|f| a.block(f))
                else {
                    self.unpriced.push(format!(
                        "{} (its function is not in the configuration)",
                        b.address()
                    ));
                    return;
                };
                let (n, count_note) =
                    self.number_or(b, "provisioned_concurrent_executions", 0.0, "");
                let (mb, memory_note) = self.number_or(function, "memory_size", 128.0, "MB");
                let gb = mb / 1024.0;
                let (arch, arch_note) = self.architecture(function);
                let seconds = self.hours() * 3600.0;
                self.line(
                    b,
                    &format!("lambda.provisioned.{arch}"),
                    format!(
                        "{n} provisioned × {} GB × {} h{count_note}{memory_note}{arch_note}",
                        fmt(gb),
                        self.hours()
                    ),
                    n * gb * seconds,
                    true,
                );
            }
            "aws_api_gateway_rest_api" => {
                let n = self.usage(b, "monthly_requests");
                self.line(b, "apigateway.rest.requests", "requests".into(), n, false);
            }
            "aws_api_gateway_stage" if a.boolean(b, "cache_cluster_enabled") == Some(true) => {
                let (size, size_note) = match a.setting(b, &["cache_cluster_size"]) {
                    Setting::Known { value, .. } => (
                        tfstack_model::eval::scalar_to_string(&value)
                            .unwrap_or_else(|| "0.5".into()),
                        String::new(),
                    ),
                    Setting::Unset => ("0.5".to_string(), String::new()),
                    Setting::Unknown => {
                        ("0.5".to_string(), assumed("cache_cluster_size", "0.5 GB"))
                    }
                };
                let id = format!("apigateway.cache.{size}");
                let hours = self.hours();
                self.line(
                    b,
                    &id,
                    format!("{size} GB cache × {hours} h{size_note}"),
                    hours,
                    true,
                );
            }
            "aws_apigatewayv2_api" => {
                let n = self.usage(b, "monthly_requests");
                self.line(b, "apigateway.http.requests", "requests".into(), n, false);
            }
            "aws_dynamodb_table" => self.dynamodb(b),
            "aws_sqs_queue" => {
                let fifo = a.boolean(b, "fifo_queue") == Some(true)
                    || a.text(b, "name").is_some_and(|n| n.ends_with(".fifo"));
                let n = self.usage(b, "monthly_requests");
                let id = if fifo {
                    "sqs.fifo.requests"
                } else {
                    "sqs.standard.requests"
                };
                self.line(b, id, "requests".into(), n, false);
            }
            "aws_sns_topic" => {
                let n = self.usage(b, "monthly_requests");
                self.line(b, "sns.requests", "publishes".into(), n, false);
            }
            "aws_s3_bucket" => self.bucket(components, b),
            "aws_cloudwatch_log_group" => {
                let ingested = self.usage(b, "monthly_data_ingested_gb");
                let stored = self.usage(b, "storage_gb");
                self.line(b, "logs.ingestion", "ingestion".into(), ingested, false);
                self.line(b, "logs.storage", "storage".into(), stored, false);
            }
            "aws_cloudwatch_metric_alarm" => {
                let metrics = alarm_metrics(b);
                self.line(
                    b,
                    "cloudwatch.alarm_metric",
                    format!("{metrics} metric(s)"),
                    metrics as f64,
                    true,
                );
            }
            "aws_cloudwatch_dashboard" => {
                self.line(b, "cloudwatch.dashboard", "dashboard".into(), 1.0, true);
            }
            "aws_sfn_state_machine" => {
                if a.text(b, "type").as_deref() == Some("EXPRESS") {
                    let n = self.usage(b, "monthly_requests");
                    let ms = self.usage(b, "workflow_duration_ms");
                    let mb = self.usage(b, "memory_mb");
                    let gb = (mb / 64.0).ceil() * 64.0 / 1024.0;
                    self.line(
                        b,
                        "stepfunctions.express.requests",
                        "executions".into(),
                        n,
                        false,
                    );
                    self.line(
                        b,
                        "stepfunctions.express.duration",
                        format!("{} ms × {} GB", fmt(ms), fmt(gb)),
                        n * (ms / 100.0).ceil() * 0.1 * gb,
                        false,
                    );
                } else {
                    let n = self.usage(b, "monthly_transitions");
                    self.line(
                        b,
                        "stepfunctions.standard.transitions",
                        "state transitions".into(),
                        n,
                        false,
                    );
                }
            }
            "aws_cloudwatch_event_bus" => {
                let n = self.usage(b, "monthly_custom_events");
                self.line(
                    b,
                    "eventbridge.custom_events",
                    "custom events".into(),
                    n,
                    false,
                );
            }
            "aws_ecs_service" => self.fargate_service(b),
            "aws_ecs_task_definition" => {
                // Tasks a service runs are priced with the service.
                let run_by_service =
                    a.cx.referenced_by(&b.address())
                        .iter()
                        .any(|r| r.from.is_resource("aws_ecs_service"));
                if !run_by_service {
                    self.fargate_task(b);
                }
            }
            "aws_elasticache_replication_group" | "aws_elasticache_cluster" => self.cache(b),
            "aws_elasticache_serverless_cache" => self.unpriced.push(format!(
                "{} (ElastiCache Serverless is not in the price table)",
                b.address()
            )),
            "aws_nat_gateway" => {
                let hours = self.hours();
                self.line(b, "nat.hours", format!("{hours} h"), hours, true);
                let gb = self.usage(b, "monthly_data_processed_gb");
                self.line(b, "nat.data", "data processed".into(), gb, false);
            }
            "aws_vpc_endpoint" => {
                if a.text(b, "vpc_endpoint_type").as_deref() != Some("Interface") {
                    return;
                }
                let (azs, azs_note) = match a.setting(b, &["subnet_ids"]) {
                    Setting::Known { value, .. } => (
                        value
                            .as_list()
                            .map(<[_]>::len)
                            .filter(|n| *n > 0)
                            .unwrap_or(1),
                        String::new(),
                    ),
                    Setting::Unset => (1, String::new()),
                    Setting::Unknown => (1, assumed("subnet_ids", "1 AZ")),
                };
                let hours = self.hours();
                self.line(
                    b,
                    "vpc_endpoint.interface.hours",
                    format!("{azs} AZ × {hours} h{azs_note}"),
                    azs as f64 * hours,
                    true,
                );
                let gb = self.usage(b, "monthly_data_processed_gb");
                self.line(
                    b,
                    "vpc_endpoint.interface.data",
                    "data processed".into(),
                    gb,
                    false,
                );
            }
            "aws_kms_key" => {
                self.line(b, "kms.key", "customer managed key".into(), 1.0, true);
                let n = self.usage(b, "monthly_requests");
                self.line(b, "kms.requests", "requests".into(), n, false);
            }
            "aws_secretsmanager_secret" => {
                self.line(b, "secretsmanager.secret", "secret".into(), 1.0, true);
                let n = self.usage(b, "monthly_requests");
                self.line(b, "secretsmanager.requests", "API calls".into(), n, false);
            }
            "aws_cloudfront_distribution" => {
                let gb = self.usage(b, "monthly_data_transfer_to_internet_gb");
                let n = self.usage(b, "monthly_https_requests");
                self.line(
                    b,
                    "cloudfront.data_out",
                    "data to the internet".into(),
                    gb,
                    false,
                );
                self.line(
                    b,
                    "cloudfront.https_requests",
                    "HTTPS requests".into(),
                    n,
                    false,
                );
            }
            "aws_wafv2_web_acl" => {
                self.line(b, "waf.web_acl", "web ACL".into(), 1.0, true);
                // A `dynamic "rule"` block is counted as one rule: its count is not known.
                let rules = b.body.blocks_of("rule").count()
                    + b.body
                        .blocks_of("dynamic")
                        .filter(|d| {
                            d.labels.first().map(tfstack_model::Name::as_str) == Some("rule")
                        })
                        .count();
                self.line(
                    b,
                    "waf.rule",
                    format!("{rules} rule(s)"),
                    rules as f64,
                    true,
                );
                let n = self.usage(b, "monthly_requests");
                self.line(b, "waf.requests", "requests inspected".into(), n, false);
            }
            "aws_instance"
            | "aws_db_instance"
            | "aws_rds_cluster"
            | "aws_lb"
            | "aws_alb"
            | "aws_opensearch_domain"
            | "aws_kinesis_stream"
            | "aws_efs_file_system"
            | "aws_mq_broker"
            | "aws_msk_cluster"
            | "aws_eks_cluster" => self
                .unpriced
                .push(format!("{} ({t} is not in the price table)", b.address())),
            _ => {}
        }
    }

    fn lambda(&mut self, components: &Components, b: &Block) {
        let requests = self.usage(b, "monthly_requests");
        let ms = self.usage(b, "request_duration_ms");
        let (mb, memory_note) = self.number_or(b, "memory_size", 128.0, "MB");
        let gb = mb / 1024.0;
        let (arch, arch_note) = self.architecture(b);
        self.line(b, "lambda.requests", "requests".into(), requests, false);
        // Invocations served by provisioned concurrency pay its (lower) duration rate.
        let provisioned = components
            .owner_of(&b.address())
            .and_then(|c| components.get(c))
            .is_some_and(|c| {
                c.resources
                    .iter()
                    .any(|r| r.starts_with("aws_lambda_provisioned_concurrency_config."))
            });
        let id = if provisioned {
            format!("lambda.provisioned_duration.{arch}")
        } else {
            format!("lambda.duration.{arch}")
        };
        self.line(
            b,
            &id,
            format!(
                "{} ms × {} GB ({arch}){memory_note}{arch_note}",
                fmt(ms),
                fmt(gb)
            ),
            requests * ms / 1000.0 * gb,
            false,
        );
    }

    /// A function's architecture (`x86_64` unless `arm64` is among its `architectures`),
    /// read as [`Pricer::number_or`] reads a number, with the note of an assumed one.
    fn architecture(&self, function: &Block) -> (&'static str, String) {
        let a = self.a;
        let of = |v: &tfstack_model::Value| {
            if analysis::strings(v).iter().any(|x| x == "arm64") {
                "arm64"
            } else {
                "x86_64"
            }
        };
        match a.setting(function, &["architectures"]) {
            Setting::Unset => ("x86_64", String::new()),
            Setting::Known { value, .. } => (of(&value), String::new()),
            Setting::Unknown => {
                let in_instance = self.instance_scope.as_ref().and_then(|scope| {
                    let e = function.body.get("architectures")?;
                    let v = a.cx.eval.eval_in(e, scope, 0);
                    (!v.is_unknown()).then(|| of(&v))
                });
                match in_instance {
                    Some(arch) => (arch, String::new()),
                    None => ("x86_64", assumed("architectures", "x86_64")),
                }
            }
        }
    }

    fn dynamodb(&mut self, b: &Block) {
        let a = self.a;
        let on_demand = a.text(b, "billing_mode").as_deref() == Some("PAY_PER_REQUEST");
        if on_demand {
            let writes = self.usage(b, "monthly_write_request_units");
            let reads = self.usage(b, "monthly_read_request_units");
            self.line(
                b,
                "dynamodb.on_demand.writes",
                "write request units".into(),
                writes,
                false,
            );
            self.line(
                b,
                "dynamodb.on_demand.reads",
                "read request units".into(),
                reads,
                false,
            );
        } else {
            let hours = self.hours();
            let (mut wcu, wcu_note) = self.number_or(b, "write_capacity", 0.0, "WCU");
            let (mut rcu, rcu_note) = self.number_or(b, "read_capacity", 0.0, "RCU");
            for gsi in b.body.blocks_of("global_secondary_index") {
                wcu += a.number(gsi, "write_capacity").unwrap_or(0.0);
                rcu += a.number(gsi, "read_capacity").unwrap_or(0.0);
            }
            self.line(
                b,
                "dynamodb.provisioned.wcu",
                format!("{wcu} WCU × {hours} h{wcu_note}"),
                wcu * hours,
                true,
            );
            self.line(
                b,
                "dynamodb.provisioned.rcu",
                format!("{rcu} RCU × {hours} h{rcu_note}"),
                rcu * hours,
                true,
            );
        }
        let stored = self.usage(b, "storage_gb");
        self.line(b, "dynamodb.storage", "storage".into(), stored, false);
        let pitr = a
            .nested(b, &["point_in_time_recovery"])
            .and_then(|p| a.boolean(p, "enabled"))
            == Some(true);
        if pitr {
            self.line(
                b,
                "dynamodb.pitr",
                "point-in-time recovery".into(),
                stored,
                false,
            );
        }
    }

    fn bucket(&mut self, components: &Components, b: &Block) {
        let a = self.a;
        // New objects land in Standard unless a lifecycle rule moves them on day 0.
        let mut landing = ("s3.standard", "Standard");
        if let Some(c) = components
            .owner_of(&b.address())
            .and_then(|c| components.get(c))
        {
            for l in c
                .resources
                .iter()
                .filter(|r| r.starts_with("aws_s3_bucket_lifecycle_configuration."))
                .filter_map(|r| a.block(r))
            {
                for rule in l.body.blocks_of("rule") {
                    for t in rule.body.blocks_of("transition") {
                        if a.number(t, "days") == Some(0.0) {
                            landing = match a.text(t, "storage_class").as_deref() {
                                Some("INTELLIGENT_TIERING") => {
                                    ("s3.intelligent_tiering", "Intelligent-Tiering")
                                }
                                Some("STANDARD_IA") => ("s3.standard_ia", "Standard-IA"),
                                Some("GLACIER") => ("s3.glacier", "Glacier"),
                                Some("DEEP_ARCHIVE") => ("s3.deep_archive", "Deep Archive"),
                                _ => landing,
                            };
                        }
                    }
                }
            }
        }
        let stored = self.usage(b, "storage_gb");
        self.line(
            b,
            landing.0,
            format!("{} storage", landing.1),
            stored,
            false,
        );
        for (key, id, name) in [
            (
                "standard_ia_storage_gb",
                "s3.standard_ia",
                "Standard-IA storage",
            ),
            ("glacier_storage_gb", "s3.glacier", "Glacier storage"),
            (
                "deep_archive_storage_gb",
                "s3.deep_archive",
                "Deep Archive storage",
            ),
        ] {
            let gb = self.usage(b, key);
            if gb > 0.0 {
                self.line(b, id, name.into(), gb, false);
            }
        }
        let puts = self.usage(b, "monthly_put_requests");
        let gets = self.usage(b, "monthly_get_requests");
        self.line(b, "s3.put_requests", "PUT requests".into(), puts, false);
        self.line(b, "s3.get_requests", "GET requests".into(), gets, false);
    }

    fn fargate_rates(&self, task: &Block) -> Option<(f64, f64, &'static str)> {
        let a = self.a;
        let vcpu = a.number(task, "cpu")? / 1024.0;
        let gb = a.number(task, "memory")? / 1024.0;
        let arch = match a
            .nested(task, &["runtime_platform"])
            .and_then(|p| a.text(p, "cpu_architecture"))
            .as_deref()
        {
            Some("ARM64") => "arm64",
            _ => "x86_64",
        };
        Some((vcpu, gb, arch))
    }

    fn fargate_service(&mut self, b: &Block) {
        let a = self.a;
        let Some(task) = a
            .attribute_references(b, "task_definition")
            .first()
            .and_then(|t| a.block(t))
        else {
            self.unpriced.push(format!(
                "{} (its task definition is not in the configuration)",
                b.address()
            ));
            return;
        };
        if a.text(b, "launch_type").is_some_and(|l| l != "FARGATE") {
            self.unpriced.push(format!(
                "{} (EC2 launch type: the instances are priced separately)",
                b.address()
            ));
            return;
        }
        let Some((vcpu, gb, arch)) = self.fargate_rates(task) else {
            self.unpriced
                .push(format!("{} (task size unknown)", b.address()));
            return;
        };
        // The provider creates a service without `desired_count` with no task running;
        // autoscaling keeps at least its minimum capacity.
        let (mut count, mut note) = self.number_or(b, "desired_count", 0.0, "tasks");
        if !a.is_set(b, "desired_count") {
            note = " (desired_count not set)".into();
        }
        if let Some((min, _)) = analysis::service_autoscaling(a, b) {
            if min > count {
                count = min;
                note = " (the autoscaling minimum)".into();
            }
        }
        let hours = count * self.hours();
        self.line(
            b,
            &format!("fargate.vcpu.{arch}"),
            format!("{count} × {} vCPU × {} h{note}", fmt(vcpu), self.hours()),
            vcpu * hours,
            true,
        );
        self.line(
            b,
            &format!("fargate.memory.{arch}"),
            format!("{count} × {} GB × {} h{note}", fmt(gb), self.hours()),
            gb * hours,
            true,
        );
    }

    fn fargate_task(&mut self, b: &Block) {
        let Some((vcpu, gb, arch)) = self.fargate_rates(b) else {
            self.unpriced
                .push(format!("{} (task size unknown)", b.address()));
            return;
        };
        let runs = self.usage(b, "monthly_task_runs");
        let minutes = self.usage(b, "average_run_minutes");
        let hours = runs * minutes / 60.0;
        self.line(
            b,
            &format!("fargate.vcpu.{arch}"),
            format!(
                "{} runs × {} min × {} vCPU",
                fmt(runs),
                fmt(minutes),
                fmt(vcpu)
            ),
            vcpu * hours,
            false,
        );
        self.line(
            b,
            &format!("fargate.memory.{arch}"),
            format!("{} runs × {} min × {} GB", fmt(runs), fmt(minutes), fmt(gb)),
            gb * hours,
            false,
        );
    }

    fn cache(&mut self, b: &Block) {
        let a = self.a;
        if b.is_resource("aws_elasticache_cluster") && a.is_set(b, "replication_group_id") {
            return;
        }
        let Some(node) = a.text(b, "node_type") else {
            self.unpriced
                .push(format!("{} (node type unknown)", b.address()));
            return;
        };
        let (nodes, nodes_note) = if b.is_resource("aws_elasticache_replication_group") {
            match (
                a.number(b, "num_node_groups"),
                a.number(b, "replicas_per_node_group"),
            ) {
                (Some(groups), replicas) => {
                    (groups * (replicas.unwrap_or(0.0) + 1.0), String::new())
                }
                (None, _) => self.number_or(b, "num_cache_clusters", 1.0, "node"),
            }
        } else {
            self.number_or(b, "num_cache_nodes", 1.0, "node")
        };
        let id = format!("elasticache.{node}");
        let Some(price) = self.table.get(&id).cloned() else {
            self.unpriced
                .push(format!("{} (no price for node type `{node}`)", b.address()));
            return;
        };
        let valkey = a.text(b, "engine").as_deref() == Some("valkey");
        let factor = if valkey {
            self.table
                .get("elasticache.valkey_factor")
                .map(|p| p.usd)
                .unwrap_or(1.0)
        } else {
            1.0
        };
        let hours = nodes * self.hours();
        let engine = if valkey { "valkey" } else { "redis" };
        self.lines.push(CostLine {
            resource: b.address(),
            description: format!(
                "{} × {node} ({engine}) × {} h{nodes_note}",
                fmt(nodes),
                self.hours()
            ),
            quantity: hours,
            unit: price.units(hours),
            price_id: id.clone(),
            price: price.describe(),
            monthly: hours * price.unit_price() * factor,
            fixed: true,
        });
        self.used.insert(id, price);
        if valkey {
            if let Some(p) = self.table.get("elasticache.valkey_factor").cloned() {
                self.used.insert("elasticache.valkey_factor".into(), p);
            }
        }
    }
}

/// The note of a cost line that a setting written but not known was taken as `value`.
fn assumed(name: &str, value: &str) -> String {
    format!(" ({name} not known: {value} assumed)")
}

/// The metrics an alarm pays for: one, or each `metric_query` that reads a metric.
fn alarm_metrics(b: &Block) -> usize {
    let queries = b.body.blocks_of("metric_query").count();
    if queries == 0 {
        return 1;
    }
    b.body
        .blocks_of("metric_query")
        .filter(|q| q.body.block("metric").is_some())
        .count()
        .max(1)
}

/// The lines of `instances` instances of one block, one per price, description and
/// fixedness, in the order they were first made: quantities and costs summed, and the
/// description saying how many of the instances the line covers.
fn sum_instances(lines: Vec<CostLine>, instances: usize, table: &PriceTable) -> Vec<CostLine> {
    let mut summed: Vec<(CostLine, usize)> = Vec::new();
    for line in lines {
        let same = summed.iter_mut().find(|(s, _)| {
            s.price_id == line.price_id
                && s.description == line.description
                && s.fixed == line.fixed
        });
        match same {
            Some((s, covered)) => {
                s.quantity += line.quantity;
                s.monthly += line.monthly;
                *covered += 1;
            }
            None => summed.push((line, 1)),
        }
    }
    summed
        .into_iter()
        .map(|(mut line, covered)| {
            if instances > 1 {
                let noun = if covered == 1 {
                    "instance"
                } else {
                    "instances"
                };
                line.description = format!("{} × {covered} {noun}", line.description);
            }
            if let Some(price) = table.get(&line.price_id) {
                line.unit = price.units(line.quantity);
            }
            line
        })
        .collect()
}

/// Whether a `resource_usage` entry names a resource of the configuration: its address
/// (`aws_kms_key.k`), all its instances (`aws_kms_key.k[*]`), or one instance it has
/// (`aws_kms_key.k[0]`, `aws_secretsmanager_secret.s["a"]`; any instance of a block whose
/// instances are not known).
fn names_a_resource(a: &Analysis, entry: &str) -> bool {
    let block_address = super::usage::base_address(entry);
    let Some(b) = a.block(block_address).filter(|b| b.kind == "resource") else {
        return false;
    };
    let instance = &entry[block_address.len()..];
    if instance.is_empty() || instance == "[*]" {
        return true;
    }
    let instances = a.cx.instances(b);
    matches!(instances, Instances::Unknown)
        || instances.address_keys().iter().any(|k| k == instance)
}

/// A number without trailing zeros.
pub(crate) fn fmt(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Prices every component of a configuration.
pub(crate) fn estimate(
    a: &Analysis,
    components: &Components,
    table: &PriceTable,
    usage: &Usage,
) -> Estimate {
    let mut pricer = Pricer {
        a,
        table,
        usage,
        lines: Vec::new(),
        assumptions: Vec::new(),
        used: BTreeMap::new(),
        unpriced: Vec::new(),
        instance: None,
        instance_scope: None,
    };
    let mut groups: Vec<(String, String, Vec<String>)> = components
        .list()
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.kind.label().to_string(),
                c.resources.clone(),
            )
        })
        .collect();
    if !components.unassigned.is_empty() {
        groups.push((
            "(shared)".into(),
            "not in one component".into(),
            components.unassigned.clone(),
        ));
    }
    let mut out = Vec::new();
    for (name, kind, resources) in groups {
        let start = pricer.lines.len();
        for r in &resources {
            if let Some(b) = a.block(r).filter(|b| b.kind == "resource") {
                pricer.resource_instances(components, b);
            }
        }
        let lines: Vec<CostLine> = pricer.lines[start..].to_vec();
        if lines.is_empty() {
            continue;
        }
        let monthly = lines.iter().map(|l| l.monthly).fold(0.0, |a, b| a + b);
        // `fold` from +0.0: an empty `sum` of floats is -0.0.
        let fixed = lines
            .iter()
            .filter(|l| l.fixed)
            .map(|l| l.monthly)
            .fold(0.0, |a, b| a + b);
        out.push(ComponentCost {
            component: name,
            kind,
            lines,
            monthly,
            fixed,
        });
    }
    out.sort_by(|x, y| {
        y.monthly
            .total_cmp(&x.monthly)
            .then_with(|| x.component.cmp(&y.component))
    });
    let total = out.iter().map(|c| c.monthly).fold(0.0, |a, b| a + b);
    let fixed_total = out.iter().map(|c| c.fixed).fold(0.0, |a, b| a + b);
    let mut assumptions = pricer.assumptions;
    assumptions.sort_by(|x, y| (&x.resource, &x.key).cmp(&(&y.resource, &y.key)));
    assumptions.dedup_by(|x, y| x.resource == y.resource && x.key == y.key);
    let unmatched_usage = usage
        .addresses()
        .filter(|entry| !names_a_resource(a, entry))
        .map(str::to_string)
        .collect();
    let mut unpriced = pricer.unpriced;
    unpriced.sort();
    unpriced.dedup();
    Estimate {
        region: table.region.clone(),
        currency: table.currency.clone(),
        hours_per_month: table.hours_per_month,
        components: out,
        total,
        fixed_total,
        usage_total: total - fixed_total,
        assumptions,
        prices: pricer
            .used
            .into_iter()
            .map(|(id, price)| PriceUse { id, price })
            .collect(),
        unpriced,
        usage_file: usage
            .path
            .as_ref()
            .map(|p| p.to_string_lossy().replace('\\', "/")),
        unmatched_usage,
    }
}
