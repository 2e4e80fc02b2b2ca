//! The inventory: per kind of component, a table of the settings an architect checks —
//! runtime, memory, timeout, concurrency, retention, encryption, dead letters, recovery,
//! throttling, authorization, tracing — read from the component's resources. Values the
//! configuration leaves to AWS show AWS's default; values it writes but that are not known
//! before apply show as such, never as the default; risky ones are flagged.

use crate::analysis::{self, Analysis, Instance};
use crate::components::{Component, Components, Kind};
use crate::graph::{Edge, FlowGraph, Handovers, Redrive};
use crate::lint::{openapi, OperationAuthorization, Setting};
use crate::resolve::Resolver;
use std::collections::{HashMap, HashSet};
use tfstack_model::{Block, Value};

/// The text of a setting the configuration writes but whose value is not known before
/// apply.
const COMPUTED: &str = "(computed)";

/// How a cell reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flag {
    Plain,
    /// Worth a second look (an AWS default, a missing safety net).
    Warn,
}

/// One setting.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Cell {
    pub text: String,
    pub flag: Flag,
}

fn plain(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        flag: Flag::Plain,
    }
}

fn warn(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        flag: Flag::Warn,
    }
}

/// One component's row.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    pub component: String,
    pub cells: Vec<Cell>,
}

/// The table of one kind.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Table {
    pub kind: Kind,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

/// The inventory section.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Inventory {
    pub tables: Vec<Table>,
}

/// Everything a row may need besides the component itself.
struct Ctx<'x, 'm> {
    a: &'x Analysis<'x, 'm>,
    components: &'x Components,
    resolver: &'x Resolver<'x>,
    /// The flow graph's edges by the component they leave and by the one they reach, each
    /// in the graph's order.
    edges_from: HashMap<&'x str, Vec<&'x Edge>>,
    edges_to: HashMap<&'x str, Vec<&'x Edge>>,
    /// The components invoked asynchronously (by SNS, EventBridge, S3): those whose
    /// failures their own dead-letter settings must keep.
    invoked_asynchronously: HashSet<&'x str>,
    /// Each queue's dead-letter queues, as the flow graph draws them.
    redrives: &'x [Redrive],
}

impl Ctx<'_, '_> {
    fn name_of(&self, id: &str) -> String {
        self.components
            .get(id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
    /// The resources of one type that serve the component ([`Components::parts`]).
    fn parts(&self, c: &Component, resource_type: &str) -> Vec<&Block> {
        self.components.parts(self.a, c, resource_type)
    }
    /// The instances of the resources of one type that serve the component
    /// ([`Resolver::part_instances`]).
    fn part_instances(&self, c: &Component, resource_type: &str) -> Vec<(&Block, Instance)> {
        self.resolver.part_instances(self.a, c, resource_type)
    }
    /// The retention of the component's log groups.
    fn log_retention(&self, c: &Component) -> Cell {
        let groups = self.parts(c, "aws_cloudwatch_log_group");
        if groups.is_empty() {
            return warn("not managed");
        }
        let mut values: Vec<String> = groups
            .iter()
            .map(|g| match self.a.number(g, "retention_in_days") {
                Some(d) if d > 0.0 => format!("{} d", d as i64),
                Some(_) => "never expires".into(),
                None if self.a.is_set(g, "retention_in_days") => "(computed)".into(),
                None => "never expires".into(),
            })
            .collect();
        values.sort();
        values.dedup();
        let text = values.join(", ");
        if text.contains("never") {
            warn(text)
        } else {
            plain(text)
        }
    }
    /// The cell of a setting AWS defaults: `known` of its value; `unset` when the
    /// configuration does not write it; when it writes it but the value is not known for
    /// the block, its values by instance when each is known (`by instance: 10 s, 15 min`),
    /// else "(computed)" — never AWS's default.
    fn setting(
        &self,
        b: &Block,
        path: &[&str],
        unset: Cell,
        known: impl Fn(&Value) -> Cell,
    ) -> Cell {
        match self.a.setting(b, path) {
            Setting::Unset => unset,
            Setting::Known { value, .. } => known(&value),
            Setting::Unknown => match self.a.values_by_instance(b, path) {
                Some(values) => {
                    let mut texts: Vec<String> = Vec::new();
                    let mut flag = Flag::Plain;
                    for cell in values.iter().map(&known) {
                        if cell.flag == Flag::Warn {
                            flag = Flag::Warn;
                        }
                        if !texts.contains(&cell.text) {
                            texts.push(cell.text);
                        }
                    }
                    Cell {
                        text: format!("by instance: {}", texts.join(", ")),
                        flag,
                    }
                }
                None => plain(COMPUTED),
            },
        }
    }
    /// The cell of an on/off setting AWS defaults to `default`: `yes` when on, `no`
    /// (flagged) when off.
    fn switch(&self, b: &Block, path: &[&str], default: bool, yes: &str, no: &str) -> Cell {
        self.setting(b, path, yes_no(Some(default), yes, no), |v| {
            yes_no(v.as_bool(), yes, no)
        })
    }
    fn invoked_asynchronously(&self, c: &Component) -> bool {
        self.invoked_asynchronously.contains(c.id.as_str())
    }
    /// The edges that leave the component.
    fn edges_from(&self, c: &Component) -> impl Iterator<Item = &Edge> {
        self.edges_from
            .get(c.id.as_str())
            .into_iter()
            .flatten()
            .copied()
    }
    /// The edges that reach the component.
    fn edges_to(&self, c: &Component) -> impl Iterator<Item = &Edge> {
        self.edges_to
            .get(c.id.as_str())
            .into_iter()
            .flatten()
            .copied()
    }
    /// The targets of the component's failure edges (dead letters, on failure).
    fn failure_targets(&self, c: &Component) -> Vec<String> {
        self.edges_from(c)
            .filter(|e| e.style == crate::graph::Style::Failure)
            .map(|e| format!("{} → {}", e.label, self.name_of(&e.to)))
            .collect()
    }
}

/// `45 s`, `5 min`, `6 h`, `4 d`.
pub(crate) fn duration(seconds: f64) -> String {
    let s = seconds.round() as i64;
    if s >= 86_400 && s % 86_400 == 0 {
        format!("{} d", s / 86_400)
    } else if s >= 3_600 && s % 3_600 == 0 {
        format!("{} h", s / 3_600)
    } else if s >= 60 && s % 60 == 0 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

fn yes_no(v: Option<bool>, yes: &str, no: &str) -> Cell {
    match v {
        Some(true) => plain(yes),
        _ => warn(no),
    }
}

/// `7 d` of a number of days.
fn days(v: &Value) -> Cell {
    number_cell(v, |d| plain(format!("{} d", d as i64)))
}

/// The cell `show` makes of a number; `?` for a value that is not one.
fn number_cell(v: &Value, show: impl Fn(f64) -> Cell) -> Cell {
    v.as_f64().map(show).unwrap_or_else(|| plain("?"))
}

/// A known string in lower case (`STANDARD` → `standard`); `?` for a value that is not a
/// string.
fn lower(v: &Value) -> String {
    tfstack_model::eval::scalar_to_string(v)
        .map(|s| s.to_lowercase())
        .unwrap_or_else(|| "?".into())
}

/// Builds the inventory tables.
pub(crate) fn build(
    a: &Analysis,
    components: &Components,
    resolver: &Resolver,
    graph: &FlowGraph,
    handovers: &Handovers,
) -> Inventory {
    let mut edges_from: HashMap<&str, Vec<&Edge>> = HashMap::new();
    let mut edges_to: HashMap<&str, Vec<&Edge>> = HashMap::new();
    for e in &graph.edges {
        edges_from.entry(e.from.as_str()).or_default().push(e);
        edges_to.entry(e.to.as_str()).or_default().push(e);
    }
    let ctx = Ctx {
        a,
        components,
        resolver,
        edges_from,
        edges_to,
        invoked_asynchronously: handovers
            .deliveries
            .iter()
            .filter(|d| d.mechanism.invokes_asynchronously())
            .map(|d| d.to.as_str())
            .collect(),
        redrives: &handovers.redrives,
    };
    let mut tables: Vec<Table> = Vec::new();
    for c in components.list() {
        let Some(b) = a.block(&c.primary) else {
            continue;
        };
        let Some((columns, cells)) = row(&ctx, c, b) else {
            continue;
        };
        let row = Row {
            component: c.name.clone(),
            cells,
        };
        match tables.iter_mut().find(|t| t.kind == c.kind) {
            Some(t) => t.rows.push(row),
            None => tables.push(Table {
                kind: c.kind,
                title: c.kind.plural().to_string(),
                columns: columns.iter().map(|s| s.to_string()).collect(),
                rows: vec![row],
            }),
        }
    }
    Inventory { tables }
}

type RowCells = (&'static [&'static str], Vec<Cell>);

fn row(ctx: &Ctx, c: &Component, b: &Block) -> Option<RowCells> {
    let a = ctx.a;
    Some(match c.kind {
        Kind::Function => {
            const COLUMNS: &[&str] = &[
                "runtime",
                "arch",
                "memory",
                "timeout",
                "reserved",
                "provisioned",
                "log retention",
                "tracing",
                "on failure",
                "network",
            ];
            // No runtime: a container image function.
            let image = plain(a.text(b, "package_type").unwrap_or_else(|| COMPUTED.into()));
            let runtime = ctx.setting(b, &["runtime"], image, |v| {
                plain(tfstack_model::eval::scalar_to_string(v).unwrap_or_else(|| "?".into()))
            });
            let arch = ctx.setting(b, &["architectures"], plain("x86_64"), |v| {
                let names = analysis::strings(v).join(", ");
                plain(if names.is_empty() {
                    "x86_64".into()
                } else {
                    names
                })
            });
            let memory = ctx.setting(b, &["memory_size"], plain("128 MB"), |v| {
                number_cell(v, |n| plain(format!("{} MB", n as i64)))
            });
            let timeout = ctx.setting(b, &["timeout"], warn("3 s (default)"), |v| {
                number_cell(v, |t| plain(duration(t)))
            });
            let reserved = ctx.setting(b, &["reserved_concurrent_executions"], plain("—"), |v| {
                number_cell(v, |n| match n {
                    0.0 => warn("0 (disabled)"),
                    n if n > 0.0 => plain(format!("{}", n as i64)),
                    _ => plain("—"),
                })
            });
            let provisioned: i64 = ctx
                .parts(c, "aws_lambda_provisioned_concurrency_config")
                .iter()
                .filter_map(|p| a.number(p, "provisioned_concurrent_executions"))
                .map(|n| n as i64)
                .sum();
            let provisioned = if provisioned > 0 {
                plain(provisioned.to_string())
            } else {
                plain("—")
            };
            let tracing = ctx.setting(b, &["tracing_config", "mode"], plain("off"), |m| {
                if m.as_str() == Some("Active") {
                    plain("active")
                } else {
                    plain("pass-through")
                }
            });
            let failures = ctx.failure_targets(c);
            let on_failure = if !failures.is_empty() {
                plain(failures.join("; "))
            } else if a.may_have_unknown(b, "dead_letter_config") {
                plain(COMPUTED)
            } else if ctx.invoked_asynchronously(c) {
                warn("none (async events lost)")
            } else {
                plain("—")
            };
            let network = if a.nested(b, &["vpc_config"]).is_some() {
                plain("VPC")
            } else {
                plain("—")
            };
            (
                COLUMNS,
                vec![
                    runtime,
                    arch,
                    memory,
                    timeout,
                    reserved,
                    provisioned,
                    ctx.log_retention(c),
                    tracing,
                    on_failure,
                    network,
                ],
            )
        }
        Kind::StateMachine => {
            const COLUMNS: &[&str] = &[
                "type",
                "tasks",
                "timeout",
                "logging",
                "tracing",
                "log retention",
            ];
            let def = crate::statemachine::definition(a, b);
            let logging = ctx.setting(b, &["logging_configuration", "level"], warn("off"), |l| {
                if l.as_str() == Some("OFF") {
                    warn("off")
                } else {
                    plain(lower(l))
                }
            });
            let tracing = ctx.setting(
                b,
                &["tracing_configuration", "enabled"],
                plain("off"),
                |e| {
                    plain(if e.as_bool() == Some(true) {
                        "active"
                    } else {
                        "off"
                    })
                },
            );
            let timeout = match def.as_ref().and_then(|d| d.timeout_seconds) {
                Some(t) => plain(duration(t)),
                None if crate::statemachine::is_express(a, b) => {
                    plain("none (5 min, the Express maximum)")
                }
                None => warn("none (1 year)"),
            };
            (
                COLUMNS,
                vec![
                    ctx.setting(b, &["type"], plain("standard"), |t| plain(lower(t))),
                    plain(
                        def.map(|d| d.tasks.len().to_string())
                            .unwrap_or_else(|| "?".into()),
                    ),
                    timeout,
                    logging,
                    tracing,
                    ctx.log_retention(c),
                ],
            )
        }
        Kind::ContainerTask | Kind::ContainerService => {
            const COLUMNS: &[&str] = &[
                "cpu",
                "memory",
                "platform",
                "launch",
                "count",
                "health check",
                "image scan",
                "log retention",
            ];
            let task = crate::graph::task_definitions_of(a, c)
                .first()
                .and_then(|t| a.block(t));
            let cpu = task
                .and_then(|t| a.number(t, "cpu"))
                .map(|v| format!("{} vCPU", analysis::trim(v / 1024.0)))
                .unwrap_or_else(|| "?".into());
            let memory = task
                .and_then(|t| a.number(t, "memory"))
                .map(|v| format!("{} GB", analysis::trim(v / 1024.0)))
                .unwrap_or_else(|| "?".into());
            let platform = task
                .and_then(|t| a.nested(t, &["runtime_platform"]))
                .and_then(|p| a.text(p, "cpu_architecture"))
                .unwrap_or_else(|| "X86_64".into())
                .to_lowercase();
            let launch = task
                .and_then(|t| a.value(t, "requires_compatibilities"))
                .map(|v| analysis::strings(&v).join(", ").to_lowercase())
                .unwrap_or_else(|| "ec2".into());
            let count = if c.kind == Kind::ContainerService {
                // The provider creates a service without `desired_count` with none (a
                // daemon service runs one task per container instance).
                let unset = if a.text(b, "scheduling_strategy").as_deref() == Some("DAEMON") {
                    plain("one per instance (daemon)")
                } else {
                    plain("0 (not set)")
                };
                let desired = ctx.setting(b, &["desired_count"], unset, |n| {
                    number_cell(n, |n| plain(analysis::trim(n)))
                });
                match analysis::service_autoscaling(a, b) {
                    Some((min, max)) => Cell {
                        text: format!(
                            "{}; autoscaling keeps {}–{}",
                            desired.text,
                            analysis::trim(min),
                            analysis::trim(max)
                        ),
                        flag: desired.flag,
                    },
                    None => desired,
                }
            } else {
                plain("on demand")
            };
            let containers =
                task.and_then(|t| a.symbolic_document(&t.address(), "container_definitions"));
            let health = containers
                .as_ref()
                .map(|d| {
                    d.one_or_many()
                        .iter()
                        .all(|ct| ct.get("healthCheck").is_some())
                })
                .map(|all| yes_no(Some(all), "yes", "missing"))
                .unwrap_or_else(|| plain("?"));
            let scan = ctx
                .parts(c, "aws_ecr_repository")
                .first()
                .map(|r| {
                    let on = a
                        .nested(r, &["image_scanning_configuration"])
                        .and_then(|s| a.boolean(s, "scan_on_push"));
                    yes_no(on, "on push", "off")
                })
                .unwrap_or_else(|| plain("—"));
            (
                COLUMNS,
                vec![
                    plain(cpu),
                    plain(memory),
                    plain(platform),
                    plain(launch),
                    count,
                    health,
                    scan,
                    ctx.log_retention(c),
                ],
            )
        }
        Kind::Queue => {
            const COLUMNS: &[&str] = &[
                "type",
                "visibility",
                "retention",
                "dead letters",
                "encryption",
                "role",
            ];
            let fifo = a.boolean(b, "fifo_queue") == Some(true)
                || a.text(b, "name").is_some_and(|n| n.ends_with(".fifo"));
            let seconds = |v: &Value| number_cell(v, |s| plain(duration(s)));
            let visibility = ctx.setting(
                b,
                &["visibility_timeout_seconds"],
                plain(duration(30.0)),
                seconds,
            );
            let retention = ctx.setting(
                b,
                &["message_retention_seconds"],
                plain(duration(345_600.0)),
                seconds,
            );
            let dlq = ctx.failure_targets(c);
            let feeds: Vec<String> = ctx
                .edges_to(c)
                .filter(|e| e.style == crate::graph::Style::Failure)
                .map(|e| ctx.name_of(&e.from))
                .collect();
            let role_cell = if feeds.is_empty() {
                plain("—")
            } else {
                plain(format!("dead-letter queue of {}", feeds.join(", ")))
            };
            let dlq_cell = if !dlq.is_empty() {
                // The receive count when every redrive of the queue (each instance's)
                // agrees on it.
                let mut counts = ctx.redrives.iter().filter(|r| r.queue == c.id);
                let first = counts.next();
                let missing = first.map_or(&[][..], |r| &r.missing[..]);
                let first = first.and_then(|r| r.receives);
                let receives = first.filter(|n| counts.all(|r| r.receives == Some(*n)));
                let shown = match receives {
                    Some(n) => format!("{} (after {n} receives)", dlq.join("; ")),
                    None => dlq.join("; "),
                };
                if missing.is_empty() {
                    plain(shown)
                } else {
                    warn(format!("{shown}; none in {}", missing.join(", ")))
                }
            } else if feeds.is_empty() {
                warn("none")
            } else {
                plain("—")
            };
            let encryption = if a.is_set(b, "kms_master_key_id") {
                plain("KMS")
            } else if a.boolean(b, "sqs_managed_sse_enabled") == Some(false) {
                warn("off")
            } else {
                plain("SSE-SQS")
            };
            (
                COLUMNS,
                vec![
                    plain(if fifo { "FIFO" } else { "standard" }),
                    visibility,
                    retention,
                    dlq_cell,
                    encryption,
                    role_cell,
                ],
            )
        }
        Kind::Topic => {
            const COLUMNS: &[&str] = &[
                "encryption",
                "subscriptions",
                "delivery dead letters",
                "tracing",
            ];
            let encryption = match a.text(b, "kms_master_key_id") {
                Some(k) if k == "alias/aws/sns" => plain("AWS managed key"),
                Some(_) => plain("KMS"),
                None if a.is_set(b, "kms_master_key_id") => plain("KMS"),
                None => warn("off"),
            };
            let subs: Vec<String> = ctx
                .edges_from(c)
                .filter(|e| e.label.contains("deliver"))
                .map(|e| ctx.name_of(&e.to))
                .collect();
            let dlq = ctx.failure_targets(c);
            let tracing = ctx.setting(b, &["tracing_config"], plain("pass-through"), |t| {
                plain(if t.as_str() == Some("Active") {
                    "active"
                } else {
                    "pass-through"
                })
            });
            (
                COLUMNS,
                vec![
                    encryption,
                    plain(if subs.is_empty() {
                        "—".to_string()
                    } else {
                        subs.join(", ")
                    }),
                    if dlq.is_empty() {
                        if subs.is_empty() {
                            plain("—")
                        } else {
                            warn("none")
                        }
                    } else {
                        plain(dlq.join("; "))
                    },
                    tracing,
                ],
            )
        }
        Kind::EventBus => {
            const COLUMNS: &[&str] = &["archive", "rules", "target dead letters"];
            let archive = ctx
                .parts(c, "aws_cloudwatch_event_archive")
                .first()
                .map(|ar| match a.number(ar, "retention_days") {
                    Some(d) if d > 0.0 => plain(format!("{} d", d as i64)),
                    _ => plain("indefinite"),
                })
                .unwrap_or_else(|| plain("none"));
            let rules = ctx.parts(c, "aws_cloudwatch_event_rule");
            let targets = ctx.part_instances(c, "aws_cloudwatch_event_target");
            let with_dlq = targets
                .iter()
                .filter(|(t, instance)| a.nested_in(t, &["dead_letter_config"], instance).is_some())
                .count();
            let dlq = if targets.is_empty() {
                plain("—")
            } else if with_dlq == targets.len() {
                plain(format!("all {} targets", targets.len()))
            } else {
                warn(format!("{with_dlq} of {} targets", targets.len()))
            };
            (COLUMNS, vec![archive, plain(rules.len().to_string()), dlq])
        }
        Kind::Table => {
            const COLUMNS: &[&str] = &[
                "billing",
                "keys",
                "indexes",
                "PITR",
                "encryption",
                "TTL",
                "stream",
                "deletion protection",
            ];
            let provisioned = plain(format!(
                "provisioned {} RCU / {} WCU",
                a.text(b, "read_capacity").unwrap_or_else(|| "?".into()),
                a.text(b, "write_capacity").unwrap_or_else(|| "?".into())
            ));
            let billing = ctx.setting(b, &["billing_mode"], provisioned.clone(), |m| {
                if m.as_str() == Some("PAY_PER_REQUEST") {
                    plain("on-demand")
                } else {
                    provisioned.clone()
                }
            });
            let keys = [a.text(b, "hash_key"), a.text(b, "range_key")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" + ");
            let indexes = b.body.blocks_of("global_secondary_index").count()
                + b.body.blocks_of("local_secondary_index").count();
            let pitr = ctx.switch(
                b,
                &["point_in_time_recovery", "enabled"],
                false,
                "on",
                "off",
            );
            let encryption = match a.nested(b, &["server_side_encryption"]) {
                Some(s) if a.boolean(s, "enabled") == Some(true) => "KMS",
                _ => "AWS owned key",
            };
            let ttl = a
                .nested(b, &["ttl"])
                .filter(|t| a.boolean(t, "enabled") != Some(false))
                .and_then(|t| a.text(t, "attribute_name"))
                .unwrap_or_else(|| "—".into());
            let stream = if a.boolean(b, "stream_enabled") == Some(true) {
                a.text(b, "stream_view_type")
                    .unwrap_or_else(|| "on".into())
                    .to_lowercase()
            } else {
                "—".into()
            };
            (
                COLUMNS,
                vec![
                    billing,
                    plain(keys),
                    plain(indexes.to_string()),
                    pitr,
                    plain(encryption),
                    plain(ttl),
                    plain(stream),
                    ctx.switch(b, &["deletion_protection_enabled"], false, "on", "off"),
                ],
            )
        }
        Kind::Bucket => {
            const COLUMNS: &[&str] = &[
                "versioning",
                "encryption",
                "public access",
                "lifecycle",
                "TLS only",
            ];
            let versioning = ctx
                .parts(c, "aws_s3_bucket_versioning")
                .first()
                .and_then(|v| a.nested(v, &["versioning_configuration"]))
                .and_then(|v| a.text(v, "status"))
                .map(|s| yes_no(Some(s == "Enabled"), "on", "off"))
                .unwrap_or_else(|| warn("off"));
            let encryption = ctx
                .parts(c, "aws_s3_bucket_server_side_encryption_configuration")
                .first()
                .and_then(|e| a.nested(e, &["rule", "apply_server_side_encryption_by_default"]))
                .and_then(|d| a.text(d, "sse_algorithm"))
                .map(|alg| {
                    plain(if alg.starts_with("aws:kms") {
                        "SSE-KMS"
                    } else {
                        "SSE-S3"
                    })
                })
                .unwrap_or_else(|| plain("SSE-S3 (default)"));
            let blocked = ctx
                .parts(c, "aws_s3_bucket_public_access_block")
                .first()
                .map(|p| {
                    [
                        "block_public_acls",
                        "block_public_policy",
                        "ignore_public_acls",
                        "restrict_public_buckets",
                    ]
                    .iter()
                    .all(|k| a.boolean(p, k) == Some(true))
                });
            let lifecycle = ctx
                .parts(c, "aws_s3_bucket_lifecycle_configuration")
                .first()
                .map(|l| plain(lifecycle_summary(a, l)))
                .unwrap_or_else(|| warn("none"));
            let tls = crate::lint::PolicyKind::Resource;
            let tls_only = crate::lint::policies(a.cx)
                .iter()
                .filter(|d| d.kind == tls)
                .filter(|d| {
                    d.resource
                        .as_deref()
                        .is_some_and(|r| c.resources.iter().any(|x| x == r))
                })
                .any(|d| {
                    d.statements.iter().any(|s| {
                        s.effect.as_deref() == Some("Deny")
                            && s.condition.as_ref().is_some_and(|c| {
                                c.to_json().to_string().contains("SecureTransport")
                            })
                    })
                });
            (
                COLUMNS,
                vec![
                    versioning,
                    encryption,
                    yes_no(blocked, "blocked", "not blocked"),
                    lifecycle,
                    yes_no(Some(tls_only), "yes", "no"),
                ],
            )
        }
        Kind::Cache => {
            const COLUMNS: &[&str] = &[
                "engine",
                "node type",
                "nodes",
                "multi-AZ",
                "at rest",
                "in transit",
                "snapshots",
            ];
            let engine = format!(
                "{} {}",
                a.text(b, "engine").unwrap_or_else(|| "redis".into()),
                a.text(b, "engine_version").unwrap_or_default()
            );
            let nodes = a
                .number(b, "num_cache_clusters")
                .or_else(|| a.number(b, "num_cache_nodes"))
                .unwrap_or(1.0) as i64;
            let snapshots = match a.number(b, "snapshot_retention_limit") {
                Some(d) if d > 0.0 => plain(format!("{} d", d as i64)),
                _ => warn("off"),
            };
            (
                COLUMNS,
                vec![
                    plain(engine.trim()),
                    plain(
                        a.text(b, "node_type")
                            .unwrap_or_else(|| "serverless".into()),
                    ),
                    plain(nodes.to_string()),
                    ctx.switch(b, &["multi_az_enabled"], false, "yes", "no"),
                    ctx.switch(b, &["at_rest_encryption_enabled"], false, "yes", "no"),
                    ctx.switch(b, &["transit_encryption_enabled"], false, "yes", "no"),
                    snapshots,
                ],
            )
        }
        Kind::RestApi => {
            const COLUMNS: &[&str] = &[
                "endpoint",
                "routes",
                "authorization",
                "throttling",
                "caching",
                "access logs",
                "tracing",
            ];
            let endpoint = a
                .nested(b, &["endpoint_configuration"])
                .and_then(|e| a.value(e, "types"))
                .map(|v| analysis::strings(&v).join(", ").to_lowercase())
                .unwrap_or_else(|| "edge".into());
            let methods = ctx.part_instances(c, "aws_api_gateway_method");
            let defined = defined_operations(a, b, true);
            let mut auths: Vec<String> = methods
                .iter()
                .map(|(m, instance)| {
                    let kind = a
                        .text_in(m, "authorization", instance)
                        .unwrap_or_else(|| "NONE".into());
                    let key = m
                        .body
                        .get("api_key_required")
                        .and_then(|e| a.value_in(e, instance).as_bool())
                        == Some(true);
                    if kind == "NONE" && key {
                        "API_KEY".into()
                    } else {
                        kind
                    }
                })
                .collect();
            auths.extend(defined.iter().cloned());
            // A private API's methods are reached through VPC endpoints only.
            if openapi::is_private_rest_api(a.cx, b) {
                for auth in &mut auths {
                    if auth == "NONE" {
                        *auth = "private (VPC endpoints)".into();
                    }
                }
            }
            let stage = ctx.parts(c, "aws_api_gateway_stage");
            let settings = ctx.parts(c, "aws_api_gateway_method_settings");
            let throttle = throttling(a, &settings, "settings");
            let caching = stage
                .first()
                .filter(|s| a.boolean(s, "cache_cluster_enabled") == Some(true))
                .map(|s| {
                    format!(
                        "{} GB",
                        a.text(s, "cache_cluster_size")
                            .unwrap_or_else(|| "?".into())
                    )
                });
            let access_logs = stage
                .first()
                .is_some_and(|s| a.nested(s, &["access_log_settings"]).is_some());
            let tracing = stage
                .first()
                .and_then(|s| a.boolean(s, "xray_tracing_enabled"));
            (
                COLUMNS,
                vec![
                    plain(endpoint),
                    plain((methods.len() + defined.len()).to_string()),
                    authorization(auths),
                    throttle,
                    plain(caching.unwrap_or_else(|| "—".into())),
                    yes_no(Some(access_logs), "on", "off"),
                    yes_no(tracing, "active", "off"),
                ],
            )
        }
        Kind::HttpApi => {
            const COLUMNS: &[&str] = &[
                "protocol",
                "routes",
                "authorization",
                "throttling",
                "access logs",
                "auto deploy",
            ];
            let routes = ctx.part_instances(c, "aws_apigatewayv2_route");
            let defined = defined_operations(a, b, false);
            let mut auths: Vec<String> = routes
                .iter()
                .map(|(r, instance)| {
                    a.text_in(r, "authorization_type", instance)
                        .unwrap_or_else(|| "NONE".into())
                })
                .collect();
            auths.extend(defined.iter().cloned());
            let stages = ctx.parts(c, "aws_apigatewayv2_stage");
            let throttle = throttling(a, &stages, "default_route_settings");
            let logs = stages
                .iter()
                .any(|s| a.nested(s, &["access_log_settings"]).is_some());
            let auto = stages
                .iter()
                .any(|s| a.boolean(s, "auto_deploy") == Some(true));
            (
                COLUMNS,
                vec![
                    plain(
                        a.text(b, "protocol_type")
                            .unwrap_or_else(|| "HTTP".into())
                            .to_lowercase(),
                    ),
                    plain((routes.len() + defined.len()).to_string()),
                    authorization(auths),
                    throttle,
                    yes_no(Some(logs), "on", "off"),
                    plain(if auto { "yes" } else { "no" }),
                ],
            )
        }
        Kind::Distribution => {
            const COLUMNS: &[&str] = &[
                "price class",
                "viewer protocol",
                "origins",
                "WAF",
                "minimum TLS",
                "logging",
            ];
            let viewer = a
                .nested(b, &["default_cache_behavior"])
                .and_then(|d| a.text(d, "viewer_protocol_policy"))
                .unwrap_or_else(|| "?".into());
            let tls = a
                .nested(b, &["viewer_certificate"])
                .map(|v| {
                    if a.boolean(v, "cloudfront_default_certificate") == Some(true) {
                        warn("TLSv1 (default certificate)")
                    } else {
                        plain(
                            a.text(v, "minimum_protocol_version")
                                .unwrap_or_else(|| "TLSv1".into()),
                        )
                    }
                })
                .unwrap_or_else(|| plain("?"));
            (
                COLUMNS,
                vec![
                    ctx.setting(b, &["price_class"], plain("PriceClass_All"), |p| {
                        plain(
                            tfstack_model::eval::scalar_to_string(p).unwrap_or_else(|| "?".into()),
                        )
                    }),
                    if viewer == "allow-all" {
                        warn(viewer)
                    } else {
                        plain(viewer)
                    },
                    plain(b.body.blocks_of("origin").count().to_string()),
                    yes_no(Some(a.is_set(b, "web_acl_id")), "yes", "no"),
                    tls,
                    yes_no(
                        Some(a.nested(b, &["logging_config"]).is_some()),
                        "on",
                        "off",
                    ),
                ],
            )
        }
        Kind::Schedule | Kind::EventRule => {
            const COLUMNS: &[&str] = &["trigger", "targets", "state"];
            let trigger = crate::graph::rule_label(a, b);
            let targets: Vec<String> = ctx
                .edges_from(c)
                .filter(|e| e.style != crate::graph::Style::Failure)
                .map(|e| ctx.name_of(&e.to))
                .collect();
            let state = a
                .text(b, "state")
                .or_else(|| {
                    a.boolean(b, "is_enabled").map(|e| {
                        if e {
                            "ENABLED".into()
                        } else {
                            "DISABLED".into()
                        }
                    })
                })
                .unwrap_or_else(|| "ENABLED".into());
            (
                COLUMNS,
                vec![
                    plain(trigger),
                    plain(targets.join(", ")),
                    plain(state.to_lowercase()),
                ],
            )
        }
        Kind::Key => {
            const COLUMNS: &[&str] = &["rotation", "deletion window", "usage", "aliases"];
            let aliases: Vec<String> = ctx
                .parts(c, "aws_kms_alias")
                .iter()
                .filter_map(|al| a.text(al, "name"))
                .collect();
            let period = ctx.setting(b, &["rotation_period_in_days"], plain("yearly"), |d| {
                number_cell(d, |d| plain(format!("every {} d", d as i64)))
            });
            let rotation = ctx.setting(b, &["enable_key_rotation"], warn("off"), |on| {
                if on.as_bool() == Some(true) {
                    period.clone()
                } else {
                    warn("off")
                }
            });
            (
                COLUMNS,
                vec![
                    rotation,
                    ctx.setting(b, &["deletion_window_in_days"], plain("30 d"), days),
                    ctx.setting(b, &["key_usage"], plain("encrypt/decrypt"), |u| {
                        plain(lower(u).replace('_', "/"))
                    }),
                    plain(if aliases.is_empty() {
                        "—".into()
                    } else {
                        aliases.join(", ")
                    }),
                ],
            )
        }
        Kind::Secret => {
            const COLUMNS: &[&str] = &["rotation", "KMS key", "recovery window"];
            let rotation =
                ctx.part_instances(c, "aws_secretsmanager_secret_rotation")
                    .first()
                    .map(|(r, instance)| {
                        let days = a.nested_in(r, &["rotation_rules"], instance).and_then(
                            |(rules, inner)| a.number_in(rules, "automatically_after_days", &inner),
                        );
                        let by = r
                            .body
                            .get("rotation_lambda_arn")
                            .and_then(|e| {
                                ctx.resolver
                                    .in_instance(a, r, e, instance)
                                    .into_iter()
                                    .next()
                            })
                            .map(|f| format!(" by {}", ctx.name_of(&f)))
                            .unwrap_or_default();
                        plain(match days {
                            Some(d) => format!("every {} d{by}", d as i64),
                            None => format!("on a schedule{by}"),
                        })
                    })
                    .unwrap_or_else(|| warn("off"));
            // Not set (or AWS's own alias): the AWS managed key `aws/secretsmanager`; a key
            // of this configuration by its component; any other value is the customer
            // managed key it names.
            let in_configuration = b
                .body
                .get("kms_key_id")
                .and_then(|e| ctx.resolver.in_expr(a, e).into_iter().next());
            let key = match in_configuration {
                Some(k) => plain(ctx.name_of(&k)),
                None => ctx.setting(b, &["kms_key_id"], plain("AWS managed"), |k| {
                    match k.as_str() {
                        Some("alias/aws/secretsmanager") => plain("AWS managed"),
                        Some(other) => plain(other),
                        None => plain("?"),
                    }
                }),
            };
            (
                COLUMNS,
                vec![
                    rotation,
                    key,
                    ctx.setting(b, &["recovery_window_in_days"], plain("30 d"), days),
                ],
            )
        }
        Kind::Network => {
            const COLUMNS: &[&str] = &[
                "CIDR",
                "subnets",
                "NAT gateways",
                "interface endpoints",
                "gateway endpoints",
                "flow logs",
            ];
            let endpoints = ctx.parts(c, "aws_vpc_endpoint");
            let (interface, gateway): (Vec<&Block>, Vec<&Block>) = endpoints
                .iter()
                .partition(|e| a.text(e, "vpc_endpoint_type").as_deref() == Some("Interface"));
            let interface_names = endpoint_service_names(a, &interface);
            (
                COLUMNS,
                vec![
                    plain(a.text(b, "cidr_block").unwrap_or_else(|| "?".into())),
                    plain(ctx.parts(c, "aws_subnet").len().to_string()),
                    plain(ctx.parts(c, "aws_nat_gateway").len().to_string()),
                    plain(interface_names),
                    plain(endpoint_service_names(a, &gateway)),
                    yes_no(Some(!ctx.parts(c, "aws_flow_log").is_empty()), "on", "off"),
                ],
            )
        }
        Kind::Monitoring => {
            const COLUMNS: &[&str] = &["alarms", "dashboards", "notify"];
            let alarms = c.resources.iter().filter(|r| r.contains("_alarm.")).count();
            let dashboards = c
                .resources
                .iter()
                .filter(|r| r.contains("_dashboard."))
                .count();
            let notify: Vec<String> = ctx.edges_from(c).map(|e| ctx.name_of(&e.to)).collect();
            (
                COLUMNS,
                vec![
                    plain(alarms.to_string()),
                    plain(dashboards.to_string()),
                    if notify.is_empty() && alarms > 0 {
                        warn("no action")
                    } else {
                        plain(notify.join(", "))
                    },
                ],
            )
        }
        Kind::LogGroup => {
            const COLUMNS: &[&str] = &["retention", "KMS"];
            (
                COLUMNS,
                vec![
                    ctx.log_retention(c),
                    yes_no(Some(a.is_set(b, "kms_key_id")), "yes", "no"),
                ],
            )
        }
        Kind::Repository => {
            const COLUMNS: &[&str] = &["scan on push", "tags", "lifecycle"];
            (
                COLUMNS,
                vec![
                    ctx.switch(
                        b,
                        &["image_scanning_configuration", "scan_on_push"],
                        false,
                        "on",
                        "off",
                    ),
                    ctx.setting(b, &["image_tag_mutability"], plain("mutable"), |m| {
                        plain(lower(m))
                    }),
                    yes_no(
                        Some(!ctx.parts(c, "aws_ecr_lifecycle_policy").is_empty()),
                        "yes",
                        "none",
                    ),
                ],
            )
        }
        Kind::Database => {
            const COLUMNS: &[&str] = &[
                "engine",
                "class",
                "multi-AZ",
                "encrypted",
                "backups",
                "deletion protection",
            ];
            (
                COLUMNS,
                vec![
                    plain(a.text(b, "engine").unwrap_or_else(|| "?".into())),
                    plain(a.text(b, "instance_class").unwrap_or_else(|| "—".into())),
                    ctx.switch(b, &["multi_az"], false, "yes", "no"),
                    ctx.switch(b, &["storage_encrypted"], false, "yes", "no"),
                    ctx.setting(b, &["backup_retention_period"], warn("off"), |d| {
                        number_cell(d, |d| {
                            if d > 0.0 {
                                plain(format!("{} d", d as i64))
                            } else {
                                warn("off")
                            }
                        })
                    }),
                    ctx.switch(b, &["deletion_protection"], false, "on", "off"),
                ],
            )
        }
        Kind::Role => {
            const COLUMNS: &[&str] = &["policies", "attached managed policies"];
            let inline = c
                .resources
                .iter()
                .filter(|r| r.starts_with("aws_iam_role_policy."))
                .count();
            let attached = c
                .resources
                .iter()
                .filter(|r| r.starts_with("aws_iam_role_policy_attachment."))
                .count();
            (
                COLUMNS,
                vec![plain(inline.to_string()), plain(attached.to_string())],
            )
        }
        Kind::Clients => return None,
        _ => {
            const COLUMNS: &[&str] = &["type", "resources"];
            (
                COLUMNS,
                vec![plain(b.type_label()), plain(c.resources.len().to_string())],
            )
        }
    })
}

/// The authorizations of an API's routes (`API_KEY`: no authorizer, an API key
/// required); flagged when one is `NONE`.
/// How each operation an API's OpenAPI `body` defines is authorized, as the
/// authorization column writes a route's (`NONE`, `security scheme sigv4`).
fn defined_operations(a: &Analysis, api: &Block, rest: bool) -> Vec<String> {
    let Some(definition) = openapi::definition(a.cx, api) else {
        return Vec::new();
    };
    let private = rest && openapi::is_private_rest_api(a.cx, api);
    openapi::operations(&definition, rest)
        .into_iter()
        .map(|o| match o.authorization {
            OperationAuthorization::None if private => "private (VPC endpoints)".to_string(),
            OperationAuthorization::None => "NONE".to_string(),
            OperationAuthorization::By(schemes) => {
                format!("security scheme {}", schemes.join(", "))
            }
            OperationAuthorization::Unknown => COMPUTED.to_string(),
        })
        .collect()
}

fn authorization(mut kinds: Vec<String>) -> Cell {
    kinds.sort();
    kinds.dedup();
    let text = kinds
        .iter()
        .map(|k| {
            if k == "API_KEY" {
                "API key".to_string()
            } else {
                k.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    if kinds.iter().any(|k| k == "NONE") {
        warn(text)
    } else {
        plain(text)
    }
}

/// The throttling of the first of the given resources whose nested block (`settings`,
/// `default_route_settings`) sets a rate or a burst limit; flagged when none does. The
/// rate and the burst are separate settings: one not set (or negative, which the
/// provider reads as not set) is the account's default.
fn throttling(a: &Analysis, holders: &[&Block], nested: &str) -> Cell {
    let limit = |s: &Block, name: &str| match a.setting(s, &[name]) {
        Setting::Unset => None,
        Setting::Unknown => Some(COMPUTED.to_string()),
        Setting::Known { value, .. } => value.as_f64().filter(|n| *n >= 0.0).map(analysis::trim),
    };
    holders
        .iter()
        .filter_map(|h| a.nested(h, &[nested]))
        .find_map(|s| {
            let rate = limit(s, "throttling_rate_limit");
            let burst = limit(s, "throttling_burst_limit");
            let text = match (rate, burst) {
                (None, None) => return None,
                (Some(rate), Some(burst)) => format!("{rate} req/s, burst {burst}"),
                (Some(rate), None) => format!("{rate} req/s, burst: account default"),
                (None, Some(burst)) => format!("rate: account default, burst {burst}"),
            };
            Some(plain(text))
        })
        .unwrap_or_else(|| warn("account default"))
}

/// The interface endpoints' services (`secretsmanager`, `ecr.api`), sorted.
fn endpoint_service_names(a: &Analysis, endpoints: &[&Block]) -> String {
    let mut names: Vec<String> = endpoints
        .iter()
        .map(|e| {
            a.text(e, "service_name")
                .map(|s| {
                    // `com.amazonaws.us-east-1.ecr.api` → `ecr.api`
                    let parts: Vec<&str> = s.split('.').collect();
                    if parts.len() > 3 {
                        parts[3..].join(".")
                    } else {
                        s.clone()
                    }
                })
                .unwrap_or_else(|| e.name_label().to_string())
        })
        .collect();
    names.sort();
    if names.is_empty() {
        "—".into()
    } else {
        names.join(", ")
    }
}

/// `IA after 30 d, Glacier after 90 d, expire after 2557 d`.
fn lifecycle_summary(a: &Analysis, l: &Block) -> String {
    let mut parts = Vec::new();
    for rule in l.body.blocks_of("rule") {
        if a.text(rule, "status").as_deref() != Some("Enabled") {
            continue;
        }
        for t in rule.body.blocks_of("transition") {
            let class = a.text(t, "storage_class").unwrap_or_else(|| "?".into());
            let days = a.number(t, "days").unwrap_or(0.0) as i64;
            parts.push(format!("{} after {days} d", storage_class_name(&class)));
        }
        if let Some(days) = a
            .nested(rule, &["expiration"])
            .and_then(|e| a.number(e, "days"))
        {
            parts.push(format!("expire after {} d", days as i64));
        }
    }
    if parts.is_empty() {
        "rules without transitions".into()
    } else {
        parts.join(", ")
    }
}

pub(crate) fn storage_class_name(class: &str) -> &str {
    match class {
        "STANDARD_IA" => "IA",
        "ONEZONE_IA" => "One Zone-IA",
        "INTELLIGENT_TIERING" => "Intelligent-Tiering",
        "GLACIER" => "Glacier",
        "GLACIER_IR" => "Glacier IR",
        "DEEP_ARCHIVE" => "Deep Archive",
        other => other,
    }
}
