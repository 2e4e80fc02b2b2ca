//! The flow graph: components as nodes, edges along the data flow (caller → callee,
//! producer → queue → consumer), each labelled with what travels on it. Edges come from
//! what the configuration wires explicitly — API integrations, event source mappings,
//! subscriptions, rule targets, pipes, notifications, state machine tasks, dead-letter
//! settings, alarm actions — and, where nothing explicit links two components, from IAM
//! grants and environment variables that name a resource.

use crate::analysis::{self, Analysis, Instance};
use crate::components::{Component, Components, Kind, Role, CLIENTS, MONITORING};
use crate::resolve::Resolver;
use crate::statemachine;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use tfstack_model::{Block, Value};

/// How an edge is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// A call that waits for its answer (HTTP, invoke, read/write).
    Sync,
    /// A message or event handed over (publish, deliver, consume, schedule).
    Async,
    /// Where failed messages and events go (dead letters, on-failure destinations).
    Failure,
    /// Alarm notifications.
    Alarm,
}

impl Style {
    /// The colour an edge of this style is drawn in.
    pub fn color(self) -> &'static str {
        match self {
            Style::Sync => "#334155",
            Style::Async => "#2563eb",
            Style::Failure => "#dc2626",
            Style::Alarm => "#b45309",
        }
    }
}

/// A node of the flow graph: one component.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub role: Role,
    /// One line under the name: the kind and its key settings.
    pub detail: String,
}

/// An edge of the flow graph.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// Short text drawn on the edge (`invoke`, `read/write`, `sync-requested`).
    pub label: String,
    pub style: Style,
    /// What makes the edge (routes, state names, actions), for the flows table.
    pub details: Vec<String>,
}

/// The components of a configuration and the flows between them.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FlowGraph {
    pub title: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// How an asynchronous hand-over is made, for the failure paths.
#[derive(Clone, Debug)]
pub(crate) enum Mechanism {
    /// Lambda polls an SQS queue (event source mapping).
    QueuePoll,
    /// Lambda reads a Kinesis or DynamoDB stream (event source mapping).
    StreamPoll,
    /// An SNS subscription delivers to the endpoint.
    Subscription { protocol: String },
    /// An EventBridge rule (or schedule) target.
    RuleTarget { scheduled: bool },
    /// An S3 bucket notification.
    ObjectNotification,
    /// An EventBridge pipe reads its source.
    Pipe,
    /// A Step Functions task state.
    Task { state: String },
}

impl Mechanism {
    /// Whether the hand-over invokes a function asynchronously: Lambda queues the event,
    /// retries it, then drops it unless the function has a dead-letter queue or an
    /// on-failure destination (SNS, EventBridge rules and schedules, S3 notifications).
    /// Event source mappings and pipes poll their source and invoke synchronously, and a
    /// task state waits for the function's answer: they handle failures themselves.
    pub fn invokes_asynchronously(&self) -> bool {
        match self {
            Mechanism::Subscription { .. }
            | Mechanism::RuleTarget { .. }
            | Mechanism::ObjectNotification => true,
            Mechanism::QueuePoll
            | Mechanism::StreamPoll
            | Mechanism::Pipe
            | Mechanism::Task { .. } => false,
        }
    }
}

/// One asynchronous hand-over between two components.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    pub from: String,
    pub to: String,
    pub mechanism: Mechanism,
    /// The resource that configures it (mapping, subscription, target, …).
    pub via: String,
    /// The instance of `via` that makes it, to read its failure settings in.
    pub instance: Instance,
}

/// One queue's dead-letter queue: set by the queue's `redrive_policy` or by an
/// `aws_sqs_queue_redrive_policy`, in one instance of either.
#[derive(Clone, Debug)]
pub(crate) struct Redrive {
    pub queue: String,
    pub dead_letter: String,
    /// `maxReceiveCount`, when known.
    pub receives: Option<i64>,
    /// What sets it: `redrive_policy`, or the redrive policy resource's address (with the
    /// instance's key).
    pub via: String,
    /// The instances of the queue whose own `redrive_policy` sets none, where others' do
    /// (`aws_sqs_queue.q["billing"]`): their messages go nowhere.
    pub missing: Vec<String>,
}

/// The asynchronous hand-overs and the redrives of a configuration, for the failure paths
/// and the inventory.
#[derive(Clone, Debug, Default)]
pub(crate) struct Handovers {
    pub deliveries: Vec<Delivery>,
    pub redrives: Vec<Redrive>,
}

impl FlowGraph {
    /// Mermaid `flowchart LR`, one subgraph per group, labelled edges.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "---\ntitle: {}\n---\nflowchart LR",
            self.title.replace('\n', " ")
        );
        for role in Role::ALL {
            let nodes: Vec<&Node> = self.nodes.iter().filter(|n| n.role == role).collect();
            if nodes.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  subgraph {}[\"{}\"]", role.slug(), role.title());
            for n in nodes {
                let _ = writeln!(
                    out,
                    "    {}[\"{}<br/><small>{}</small>\"]",
                    mermaid_id(&n.id),
                    mermaid_text(&n.name),
                    mermaid_text(&n.detail)
                );
            }
            out.push_str("  end\n");
        }
        for e in &self.edges {
            let arrow = match e.style {
                Style::Sync => "-->",
                Style::Async => "==>",
                Style::Failure | Style::Alarm => "-.->",
            };
            let _ = writeln!(
                out,
                "  {} {}|\"{}\"| {}",
                mermaid_id(&e.from),
                arrow,
                mermaid_text(&e.label),
                mermaid_id(&e.to)
            );
        }
        out
    }

    /// Graphviz `digraph`, one cluster per group, labelled edges.
    pub fn to_dot(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph {} {{", dot_string(&self.title));
        out.push_str("  rankdir=LR;\n  compound=true;\n");
        out.push_str("  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=11];\n");
        out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
        for role in Role::ALL {
            let nodes: Vec<&Node> = self.nodes.iter().filter(|n| n.role == role).collect();
            if nodes.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  subgraph cluster_{} {{", role.slug());
            let _ = writeln!(
                out,
                "    label={}; style=\"rounded,filled\"; fillcolor=\"{}\"; color=\"{}\";",
                dot_string(role.title()),
                role.fill(),
                role.stroke()
            );
            for n in nodes {
                let _ = writeln!(
                    out,
                    "    {} [label={}];",
                    dot_string(&n.id),
                    dot_string(&format!("{}\n{}", n.name, n.detail))
                );
            }
            out.push_str("  }\n");
        }
        for e in &self.edges {
            let style = match e.style {
                Style::Sync => "solid",
                Style::Async => "bold",
                Style::Failure | Style::Alarm => "dashed",
            };
            let _ = writeln!(
                out,
                "  {} -> {} [label={}, style={}, color=\"{}\"];",
                dot_string(&e.from),
                dot_string(&e.to),
                dot_string(&e.label),
                style,
                e.style.color()
            );
        }
        out.push_str("}\n");
        out
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

fn mermaid_id(id: &str) -> String {
    let mut s: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    // Mermaid keywords (`end`, `graph`, …) cannot be node ids.
    s.insert_str(0, "n_");
    s
}

/// Text inside a quoted Mermaid label: quotes, backticks (three would close the Markdown
/// fence the diagram is in), `<`, `>` and `#` as Mermaid's entity codes, line breaks as
/// spaces, other control characters escaped ([`tfstack_model::shown::escaped`]).
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '`' => out.push_str("#96;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => tfstack_model::shown::push_shown(c, &mut out),
        }
    }
    out
}

fn dot_string(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

/// Labels and their drawing style.
fn style_of(label: &str) -> Style {
    match label {
        "dead letters" | "on failure" => Style::Failure,
        "alarm" => Style::Alarm,
        "HTTP" | "invoke" | "start" | "run task" | "read" | "write" | "read/write" | "uses"
        | "cache" | "rotates" | "SQL" => Style::Sync,
        _ => Style::Async,
    }
}

/// The order labels are joined in.
fn label_rank(label: &str) -> usize {
    const ORDER: &[&str] = &[
        "HTTP",
        "invoke",
        "start",
        "run task",
        "read",
        "write",
        "read/write",
        "publish",
        "send",
        "deliver",
        "consume",
        "stream",
        "pipe",
        "object events",
        "on success",
        "rotates",
        "cache",
        "SQL",
        "uses",
        "dead letters",
        "on failure",
        "alarm",
        "logs",
    ];
    ORDER
        .iter()
        .position(|l| *l == label)
        .unwrap_or(ORDER.len())
}

#[derive(Default)]
struct EdgeAccumulator {
    labels: BTreeSet<String>,
    details: BTreeSet<String>,
}

/// Collects edges, merging those between the same two components.
struct Edges<'c> {
    components: &'c Components,
    map: BTreeMap<(String, String, bool), EdgeAccumulator>,
    handovers: Handovers,
}

impl Edges<'_> {
    fn drawn(&self, id: &str) -> bool {
        self.components.get(id).is_some()
    }

    /// Adds (or extends) an edge; self-loops and edges to unknown components are dropped.
    fn add(&mut self, from: &str, to: &str, label: &str, detail: Option<String>) {
        if from == to || !self.drawn(from) || !self.drawn(to) {
            return;
        }
        let failure = style_of(label) == Style::Failure;
        let entry = self
            .map
            .entry((from.to_string(), to.to_string(), failure))
            .or_default();
        entry.labels.insert(label.to_string());
        if let Some(d) = detail {
            entry.details.insert(d);
        }
    }

    /// Whether any edge links the two components, either way.
    fn linked(&self, a: &str, b: &str) -> bool {
        self.map
            .keys()
            .any(|(f, t, _)| (f == a && t == b) || (f == b && t == a))
    }

    /// The linked pairs, in both orders (failure edges included: the grant that lets a
    /// function send to its dead-letter queue is not another flow).
    fn pairs(&self) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for (f, t, _) in self.map.keys() {
            out.insert((f.clone(), t.clone()));
            out.insert((t.clone(), f.clone()));
        }
        out
    }

    fn deliver(
        &mut self,
        from: &str,
        to: &str,
        mechanism: Mechanism,
        via: &str,
        instance: &Instance,
    ) {
        if from == to || !self.drawn(from) || !self.drawn(to) {
            return;
        }
        self.handovers.deliveries.push(Delivery {
            from: from.to_string(),
            to: to.to_string(),
            mechanism,
            via: via.to_string(),
            instance: instance.clone(),
        });
    }

    fn finish(self) -> (Vec<Edge>, Handovers) {
        let mut edges = Vec::new();
        for ((from, to, _), acc) in self.map {
            let mut labels: Vec<String> = acc.labels.into_iter().collect();
            if labels.iter().any(|l| l == "read") && labels.iter().any(|l| l == "write") {
                labels.retain(|l| l != "read" && l != "write");
                labels.push("read/write".into());
            }
            labels.sort_by(|a, b| (label_rank(a), a).cmp(&(label_rank(b), b)));
            let style = labels
                .iter()
                .map(|l| style_of(l))
                .max_by_key(|s| match s {
                    Style::Failure => 3,
                    Style::Async => 2,
                    Style::Alarm => 1,
                    Style::Sync => 0,
                })
                .unwrap_or(Style::Sync);
            edges.push(Edge {
                from,
                to,
                label: labels.join(", "),
                style,
                details: acc.details.into_iter().collect(),
            });
        }
        (edges, self.handovers)
    }
}

/// Builds the flow graph.
pub(crate) fn build(
    a: &Analysis,
    components: &Components,
    resolver: &Resolver,
    public: &[(String, String)],
    title: &str,
) -> (FlowGraph, Handovers) {
    let mut edges = Edges {
        components,
        map: BTreeMap::new(),
        handovers: Handovers::default(),
    };
    for (id, how) in public {
        edges.add(CLIENTS, id, "HTTP", Some(how.clone()));
    }
    api_integrations(a, resolver, &mut edges);
    distributions(a, resolver, &mut edges);
    event_source_mappings(a, resolver, &mut edges);
    subscriptions(a, resolver, &mut edges);
    rule_targets(a, resolver, &mut edges);
    schedules(a, resolver, &mut edges);
    pipes(a, resolver, &mut edges);
    notifications(a, resolver, &mut edges);
    state_machines(a, components, resolver, &mut edges);
    rotations(a, resolver, &mut edges);
    function_failures(a, resolver, &mut edges);
    queue_redrives(a, resolver, &mut edges);
    alarms(a, resolver, &mut edges);
    log_subscriptions(a, resolver, &mut edges);
    load_balancers(a, resolver, &mut edges);
    permissions(a, resolver, &mut edges);
    let explicit = edges.pairs();
    grants(a, components, resolver, &explicit, &mut edges);
    let explicit = edges.pairs();
    environment_references(a, components, resolver, &explicit, &mut edges);

    let nodes = components
        .list()
        .iter()
        .map(|c| Node {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: c.kind,
            role: c.role,
            detail: node_detail(a, c),
        })
        .collect();
    let (edges, handovers) = edges.finish();
    (
        FlowGraph {
            title: title.to_string(),
            nodes,
            edges,
        },
        handovers,
    )
}

/// The first component an attribute designates in `instance` ([`Resolver::in_instance`]),
/// else the one a literal ARN names.
fn target_of(
    a: &Analysis,
    r: &Resolver,
    b: &Block,
    attribute: &str,
    instance: &Instance,
) -> Option<String> {
    b.body
        .get(attribute)
        .and_then(|e| r.in_instance(a, b, e, instance).into_iter().next())
        .or_else(|| {
            a.text_in(b, attribute, instance)
                .and_then(|t| r.by_arn(&t).into_iter().next())
        })
}

/// The component of a block (what it folds into).
fn owner(r: &Resolver, b: &Block) -> Option<String> {
    r.component(&b.address())
}

/// The components callers outside the stack reach directly, with how (for the
/// `clients` edges): APIs and distributions not behind a distribution of the same
/// configuration, internet-facing load balancers, function URLs.
pub(crate) fn public_entries(
    a: &Analysis,
    components: &Components,
    r: &Resolver,
) -> Vec<(String, String)> {
    // APIs behind a distribution of the same configuration are reached through it.
    let mut fronted = BTreeSet::new();
    for d in a.of_type("aws_cloudfront_distribution") {
        for origin in d.body.blocks_of("origin") {
            if let Some(e) = origin.body.get("domain_name") {
                fronted.extend(r.in_expr(a, e));
            }
        }
    }
    let mut public: Vec<(String, String)> = Vec::new();
    for c in components.list() {
        let Some(b) = a.block(&c.primary) else {
            continue;
        };
        let reachable = match c.kind {
            Kind::RestApi => {
                let private = a
                    .nested(b, &["endpoint_configuration"])
                    .and_then(|e| a.value(e, "types"))
                    .map(|v| analysis::strings(&v).iter().any(|t| t == "PRIVATE"))
                    .unwrap_or(false);
                !private && !fronted.contains(&c.id)
            }
            Kind::HttpApi | Kind::Distribution => !fronted.contains(&c.id),
            Kind::LoadBalancer => a.boolean(b, "internal") != Some(true),
            _ => false,
        };
        if reachable {
            public.push((c.id.clone(), "HTTPS".into()));
        }
    }
    for url in a.of_type("aws_lambda_function_url") {
        // Each instance's own (`authorization_type = each.value`), once per kind.
        let mut seen = BTreeSet::new();
        for instance in a.instances(url) {
            let Some(f) = r.owner_in(a, url, &instance) else {
                continue;
            };
            let auth = a
                .text_in(url, "authorization_type", &instance)
                .unwrap_or_else(|| "?".into());
            if seen.insert((f.clone(), auth.clone())) {
                public.push((f, format!("function URL, authorization {auth}")));
            }
        }
    }
    public
}

fn api_integrations(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    // REST APIs: method → integration.
    for i in a.of_type("aws_api_gateway_integration") {
        let Some(api) = owner(r, i) else { continue };
        let method = route_of_rest_integration(a, i);
        // The symbolic value keeps the text around computed parts (`arn:⟦partition⟧:…`).
        let uri = a
            .symbolic_value(&i.address(), &[], "uri")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let ty = a.text(i, "type").unwrap_or_default();
        let mut targets: Vec<String> = i
            .body
            .get("uri")
            .map(|e| r.in_expr(a, e))
            .unwrap_or_default();
        targets.retain(|t| t != &api);
        if targets.is_empty() {
            // AWS service integrations name their target in the request template.
            if let Some(v) = a.symbolic_value(&i.address(), &[], "request_templates") {
                targets = r.in_value(&v);
            }
            targets.retain(|t| t != &api);
        }
        let label = integration_label(&uri, &ty);
        for t in targets {
            edges.add(&api, &t, label, method.clone());
        }
    }
    // HTTP APIs: route → integration.
    for i in a.of_type("aws_apigatewayv2_integration") {
        let Some(api) = owner(r, i) else { continue };
        let ty = a.text(i, "integration_type").unwrap_or_default();
        let uri = a
            .symbolic_value(&i.address(), &[], "integration_uri")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let label = if ty.starts_with("HTTP") {
            "HTTP"
        } else {
            integration_label(&uri, "AWS_PROXY")
        };
        let routes: Vec<String> =
            a.cx.referenced_by(&i.address())
                .iter()
                .filter(|rf| rf.from.is_resource("aws_apigatewayv2_route"))
                .flat_map(|rf| {
                    a.instances(rf.from)
                        .iter()
                        .filter_map(|instance| a.text_in(rf.from, "route_key", instance))
                        .collect::<Vec<_>>()
                })
                .collect();
        let targets: Vec<String> = i
            .body
            .get("integration_uri")
            .map(|e| r.in_expr(a, e))
            .unwrap_or_default();
        for t in targets {
            if routes.is_empty() {
                edges.add(&api, &t, label, None);
            }
            for route in &routes {
                edges.add(&api, &t, label, Some(route.clone()));
            }
        }
    }
}

/// `POST /orders/{orderId}` for a REST integration, from its method and resource.
pub(crate) fn route_of_rest_integration(a: &Analysis, integration: &Block) -> Option<String> {
    let method = integration
        .body
        .get("http_method")
        .and_then(|e| {
            a.references(e)
                .first()
                .and_then(|m| a.block(m))
                .and_then(|m| a.text(m, "http_method"))
        })
        .or_else(|| a.text(integration, "http_method"))?;
    let path = integration
        .body
        .get("resource_id")
        .and_then(|e| a.references(e).first().cloned())
        .map(|res| analysis::rest_path(a, &res, 0))
        .unwrap_or_else(|| "/".into());
    Some(format!("{method} {path}"))
}

fn integration_label(uri: &str, ty: &str) -> &'static str {
    if ty.starts_with("HTTP") {
        return "HTTP";
    }
    if uri.contains("states:action/Start") {
        "start"
    } else if uri.contains(":sqs:") {
        "send"
    } else if uri.contains(":sns:") || uri.contains(":events:") || uri.contains(":kinesis:") {
        "publish"
    } else if uri.contains(":dynamodb:action/Get")
        || uri.contains(":dynamodb:action/Query")
        || uri.contains(":dynamodb:action/Scan")
    {
        "read"
    } else if uri.contains(":dynamodb:") {
        "write"
    } else if uri.contains(":s3:") {
        "read"
    } else {
        "invoke"
    }
}

fn distributions(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for d in a.of_type("aws_cloudfront_distribution") {
        let Some(dist) = owner(r, d) else { continue };
        for origin in d.body.blocks_of("origin") {
            let Some(e) = origin.body.get("domain_name") else {
                continue;
            };
            let id = a.text(origin, "origin_id");
            for t in r.in_expr(a, e) {
                let label = match r.components.get(&t).map(|c| c.kind) {
                    Some(Kind::Bucket) => "read",
                    _ => "HTTP",
                };
                edges.add(&dist, &t, label, id.clone().map(|i| format!("origin {i}")));
            }
        }
    }
}

fn event_source_mappings(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for m in a.of_type("aws_lambda_event_source_mapping") {
        for instance in a.instances(m) {
            let (Some(source), Some(function)) = (
                target_of(a, r, m, "event_source_arn", &instance),
                target_of(a, r, m, "function_name", &instance),
            ) else {
                continue;
            };
            let kind = r.components.get(&source).map(|c| c.kind);
            let stream = !matches!(kind, Some(Kind::Queue));
            let label = if stream { "stream" } else { "consume" };
            let detail = a
                .text_in(m, "batch_size", &instance)
                .map(|n| format!("batch size {n}"));
            edges.add(&source, &function, label, detail);
            let mechanism = if stream {
                Mechanism::StreamPoll
            } else {
                Mechanism::QueuePoll
            };
            edges.deliver(&source, &function, mechanism, &m.address(), &instance);
            let on_failure = ["destination_config", "on_failure", "destination_arn"];
            if let Some(dest) = r.at(a, m, &on_failure, &instance).into_iter().next() {
                edges.add(&source, &dest, "on failure", Some(m.address()));
            }
        }
    }
}

fn subscriptions(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for s in a.of_type("aws_sns_topic_subscription") {
        for instance in a.instances(s) {
            let Some(topic) = target_of(a, r, s, "topic_arn", &instance) else {
                continue;
            };
            let protocol = a.text_in(s, "protocol", &instance).unwrap_or_default();
            if let Some(endpoint) = target_of(a, r, s, "endpoint", &instance) {
                edges.add(
                    &topic,
                    &endpoint,
                    "deliver",
                    Some(format!("protocol {protocol}")),
                );
                edges.deliver(
                    &topic,
                    &endpoint,
                    Mechanism::Subscription {
                        protocol: protocol.clone(),
                    },
                    &s.address(),
                    &instance,
                );
            }
            if let Some((dlq, _)) = redrive_in(a, r, s, &instance) {
                edges.add(&topic, &dlq, "dead letters", Some(s.address()));
            }
        }
    }
}

/// The dead-letter queue the `redrive_policy` of `block` names in `instance` (a queue's,
/// a redrive policy resource's, a subscription's), with its `maxReceiveCount`.
pub(crate) fn redrive_in(
    a: &Analysis,
    r: &Resolver,
    block: &Block,
    instance: &Instance,
) -> Option<(String, Option<i64>)> {
    let policy = a.symbolic_attribute_in(block, "redrive_policy", instance)?;
    let dead_letter = redrive_target(&policy).and_then(|t| r.in_text(&t).into_iter().next())?;
    Some((dead_letter, analysis::redrive_receives(&policy)))
}

/// The `deadLetterTargetArn` of a redrive policy value (object or JSON text).
pub(crate) fn redrive_target(v: &Value) -> Option<String> {
    analysis::json_object(v)?
        .get_ignore_case("deadLetterTargetArn")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The detail-types an event rule matches, or its name.
pub(crate) fn rule_label(a: &Analysis, rule: &Block) -> String {
    if let Some(expr) = a.text(rule, "schedule_expression") {
        return expr;
    }
    let pattern = a
        .value(rule, "event_pattern")
        .and_then(|v| match v.as_str() {
            Some(text) => serde_json::from_str::<serde_json::Value>(text).ok(),
            None => Some(v.to_json()),
        });
    if let Some(p) = pattern {
        if let Some(types) = p.get("detail-type").and_then(|d| d.as_array()) {
            let names: Vec<&str> = types.iter().filter_map(|t| t.as_str()).collect();
            if names.len() == 1 {
                return names[0].to_string();
            }
        }
    }
    rule.name_label().to_string()
}

fn rule_targets(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for t in a.of_type("aws_cloudwatch_event_target") {
        for instance in a.instances(t) {
            let Some(rule_addr) = a
                .attribute_references_in(t, "rule", &instance)
                .into_iter()
                .next()
            else {
                continue;
            };
            let Some(rule) = a.block(&rule_addr) else {
                continue;
            };
            let Some(source) = r.component(&rule_addr) else {
                continue;
            };
            let Some(target) = target_of(a, r, t, "arn", &instance) else {
                continue;
            };
            let scheduled = a.is_set(rule, "schedule_expression");
            let label = if scheduled {
                "schedule".to_string()
            } else {
                rule_label(a, rule)
            };
            edges.add(
                &source,
                &target,
                &label,
                Some(format!("rule {}", rule.name_label())),
            );
            edges.deliver(
                &source,
                &target,
                Mechanism::RuleTarget { scheduled },
                &t.address(),
                &instance,
            );
            let dead_letters = ["dead_letter_config", "arn"];
            if let Some(dlq) = r.at(a, t, &dead_letters, &instance).into_iter().next() {
                edges.add(&source, &dlq, "dead letters", Some(t.address()));
            }
        }
    }
}

fn schedules(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for s in a.of_type("aws_scheduler_schedule") {
        let Some(source) = owner(r, s) else { continue };
        for instance in a.instances(s) {
            let Some(to) = r.at(a, s, &["target", "arn"], &instance).into_iter().next() else {
                continue;
            };
            let expression = a.text_in(s, "schedule_expression", &instance);
            edges.add(&source, &to, "schedule", expression);
            edges.deliver(
                &source,
                &to,
                Mechanism::RuleTarget { scheduled: true },
                &s.address(),
                &instance,
            );
            let dead_letters = ["target", "dead_letter_config", "arn"];
            if let Some(dlq) = r.at(a, s, &dead_letters, &instance).into_iter().next() {
                edges.add(&source, &dlq, "dead letters", Some(s.address()));
            }
        }
    }
}

fn pipes(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for p in a.of_type("aws_pipes_pipe") {
        for instance in a.instances(p) {
            let (Some(source), Some(target)) = (
                target_of(a, r, p, "source", &instance),
                target_of(a, r, p, "target", &instance),
            ) else {
                continue;
            };
            edges.add(
                &source,
                &target,
                "pipe",
                Some(format!("pipe {}", p.name_label())),
            );
            edges.deliver(&source, &target, Mechanism::Pipe, &p.address(), &instance);
        }
    }
}

fn notifications(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for n in a.of_type("aws_s3_bucket_notification") {
        for instance in a.instances(n) {
            let Some(bucket) = r.owner_in(a, n, &instance) else {
                continue;
            };
            for (kind, attr) in [
                ("lambda_function", "lambda_function_arn"),
                ("queue", "queue_arn"),
                ("topic", "topic_arn"),
            ] {
                for entry in n.body.blocks_of(kind) {
                    let Some(to) = entry
                        .body
                        .get(attr)
                        .and_then(|e| r.in_instance(a, n, e, &instance).into_iter().next())
                    else {
                        continue;
                    };
                    let events = entry
                        .body
                        .get("events")
                        .map(|e| analysis::strings(&a.value_in(e, &instance)).join(", "));
                    edges.add(&bucket, &to, "object events", events);
                    edges.deliver(
                        &bucket,
                        &to,
                        Mechanism::ObjectNotification,
                        &n.address(),
                        &instance,
                    );
                }
            }
        }
    }
}

/// The verb of a state machine task, by its service integration.
fn task_label(integration: &str) -> &'static str {
    let service = integration.split(':').next().unwrap_or("");
    match service {
        "lambda" => "invoke",
        "ecs" => "run task",
        "sns" | "events" => "publish",
        "sqs" => "send",
        "states" => "start",
        "dynamodb" => {
            let action = integration.split(':').nth(1).unwrap_or("");
            if action.starts_with("get")
                || action.starts_with("query")
                || action.starts_with("scan")
            {
                "read"
            } else {
                "write"
            }
        }
        "s3" => "write",
        _ => "invoke",
    }
}

/// Which kinds a task's integration can call (to ignore clusters, subnets and security
/// groups its parameters also name).
fn task_accepts(integration: &str, kind: Kind) -> bool {
    match integration.split(':').next().unwrap_or("") {
        "lambda" => kind == Kind::Function,
        "ecs" => matches!(kind, Kind::ContainerTask | Kind::ContainerService),
        "sns" => kind == Kind::Topic,
        "sqs" => kind == Kind::Queue,
        "events" => kind == Kind::EventBus,
        "states" => kind == Kind::StateMachine,
        "dynamodb" => kind == Kind::Table,
        "s3" => kind == Kind::Bucket,
        _ => !matches!(
            kind,
            Kind::Network | Kind::Role | Kind::Key | Kind::LogGroup
        ),
    }
}

/// The components a task state calls.
pub(crate) fn task_targets(
    r: &Resolver,
    machine: &str,
    task: &statemachine::TaskState,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in &task.targets {
        for c in r.in_text(s) {
            let ok = r
                .components
                .get(&c)
                .is_some_and(|comp| task_accepts(&task.integration, comp.kind));
            if ok && c != machine && !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

fn state_machines(a: &Analysis, components: &Components, r: &Resolver, edges: &mut Edges) {
    for c in components.of_kind(Kind::StateMachine) {
        let Some(b) = a.block(&c.primary) else {
            continue;
        };
        match statemachine::definition(a, b) {
            Some(def) => {
                for task in &def.tasks {
                    let label = task_label(&task.integration);
                    for t in task_targets(r, &c.id, task) {
                        edges.add(&c.id, &t, label, Some(format!("state {}", task.name)));
                        let async_call = task.integration.contains(".waitForTaskToken")
                            || matches!(label, "publish" | "send");
                        if async_call {
                            edges.deliver(
                                &c.id,
                                &t,
                                Mechanism::Task {
                                    state: task.name.clone(),
                                },
                                &c.primary,
                                &Instance::default(),
                            );
                        }
                    }
                }
            }
            None => {
                // An unreadable definition: whatever it references is called.
                if let Some(e) = b.body.get("definition") {
                    for t in r.in_expr(a, e) {
                        let kind = components.get(&t).map(|x| x.kind);
                        let label = match kind {
                            Some(Kind::Function) => "invoke",
                            Some(Kind::ContainerTask | Kind::ContainerService) => "run task",
                            Some(Kind::Topic | Kind::EventBus) => "publish",
                            Some(Kind::Queue) => "send",
                            Some(Kind::Table | Kind::Bucket) => "read/write",
                            _ => continue,
                        };
                        edges.add(&c.id, &t, label, None);
                    }
                }
            }
        }
    }
}

fn rotations(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for rot in a.of_type("aws_secretsmanager_secret_rotation") {
        for instance in a.instances(rot) {
            let (Some(secret), Some(function)) = (
                r.owner_in(a, rot, &instance),
                target_of(a, r, rot, "rotation_lambda_arn", &instance),
            ) else {
                continue;
            };
            let days = a
                .nested_in(rot, &["rotation_rules"], &instance)
                .and_then(|(rules, inner)| a.text_in(rules, "automatically_after_days", &inner))
                .map(|d| format!("every {d} days"));
            edges.add(&function, &secret, "rotates", days);
        }
    }
}

fn function_failures(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for f in a.of_type("aws_lambda_function") {
        let Some(function) = owner(r, f) else {
            continue;
        };
        for instance in a.instances(f) {
            let dead_letters = ["dead_letter_config", "target_arn"];
            if let Some(dlq) = r
                .at_or_any_entry(a, f, &dead_letters, &instance)
                .into_iter()
                .next()
            {
                edges.add(
                    &function,
                    &dlq,
                    "dead letters",
                    Some("dead_letter_config".into()),
                );
            }
        }
    }
    for c in a.of_type("aws_lambda_function_event_invoke_config") {
        for instance in a.instances(c) {
            let Some(function) = r.owner_in(a, c, &instance) else {
                continue;
            };
            for (kind, label) in [("on_failure", "on failure"), ("on_success", "on success")] {
                let destination = ["destination_config", kind, "destination"];
                if let Some(dest) = r
                    .at_or_any_entry(a, c, &destination, &instance)
                    .into_iter()
                    .next()
                {
                    edges.add(&function, &dest, label, Some(c.address()));
                }
            }
        }
    }
}

/// Each queue's dead-letter queues, in each instance of the queue and of the redrive
/// policy resources: the queues' own `redrive_policy` first, in source order.
fn redrives(a: &Analysis, r: &Resolver) -> Vec<Redrive> {
    let mut out = Vec::new();
    for q in a.of_type("aws_sqs_queue") {
        let Some(queue) = owner(r, q) else { continue };
        let first = out.len();
        let mut missing = Vec::new();
        for instance in a.instances(q) {
            match redrive_in(a, r, q, &instance) {
                Some((dead_letter, receives)) => out.push(Redrive {
                    queue: queue.clone(),
                    dead_letter,
                    receives,
                    via: "redrive_policy".into(),
                    missing: Vec::new(),
                }),
                None => missing.push(format!("{}{}", q.address(), instance.key())),
            }
        }
        // Which instance a redrive of the queue's own instances reaches is not told (a
        // queue of dead-letter queues for its siblings, `q["dead"]` of `q["orders"]`): the
        // instances without one are named only when the dead-letter queue is another's.
        if out[first..].iter().all(|r| r.dead_letter != queue) {
            for redrive in &mut out[first..] {
                redrive.missing.clone_from(&missing);
            }
        }
    }
    for p in a.of_type("aws_sqs_queue_redrive_policy") {
        for instance in a.instances(p) {
            let Some(queue) = r.owner_in(a, p, &instance) else {
                continue;
            };
            if let Some((dead_letter, receives)) = redrive_in(a, r, p, &instance) {
                out.push(Redrive {
                    queue,
                    dead_letter,
                    receives,
                    via: format!("{}{}", p.address(), instance.key()),
                    missing: Vec::new(),
                });
            }
        }
    }
    // A redrive policy resource may be the instances' without an inline one (which
    // instance it is for is not told): then none is named as without.
    let by_resource: BTreeSet<String> = out
        .iter()
        .filter(|r| r.via != "redrive_policy")
        .map(|r| r.queue.clone())
        .collect();
    for redrive in &mut out {
        if by_resource.contains(&redrive.queue) {
            redrive.missing.clear();
        }
    }
    out
}

fn queue_redrives(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for redrive in redrives(a, r) {
        edges.add(
            &redrive.queue,
            &redrive.dead_letter,
            "dead letters",
            Some(redrive.via.clone()),
        );
        edges.handovers.redrives.push(redrive);
    }
}

fn alarms(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for alarm in a
        .of_type("aws_cloudwatch_metric_alarm")
        .iter()
        .chain(a.of_type("aws_cloudwatch_composite_alarm"))
    {
        for instance in a.instances(alarm) {
            for attr in ["alarm_actions", "ok_actions", "insufficient_data_actions"] {
                for t in alarm
                    .body
                    .get(attr)
                    .map(|e| r.in_instance(a, alarm, e, &instance))
                    .unwrap_or_default()
                {
                    edges.add(MONITORING, &t, "alarm", None);
                }
            }
        }
    }
}

fn log_subscriptions(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for s in a.of_type("aws_cloudwatch_log_subscription_filter") {
        for instance in a.instances(s) {
            let (Some(from), Some(to)) = (
                r.owner_in(a, s, &instance),
                target_of(a, r, s, "destination_arn", &instance),
            ) else {
                continue;
            };
            let pattern = a.text_in(s, "filter_pattern", &instance);
            edges.add(&from, &to, "logs", pattern);
        }
    }
}

fn load_balancers(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for service in a.of_type("aws_ecs_service") {
        let Some(to) = owner(r, service) else {
            continue;
        };
        for lb in service.body.blocks_of("load_balancer") {
            for group in lb
                .body
                .get("target_group_arn")
                .map(|e| a.references(e))
                .unwrap_or_default()
            {
                for listener in a.cx.referenced_by(&group) {
                    if !listener.from.is_resource("aws_lb_listener") {
                        continue;
                    }
                    if let Some(from) = r.component(&listener.from.address()) {
                        edges.add(
                            &from,
                            &to,
                            "HTTP",
                            a.text(lb, "container_port").map(|p| format!("port {p}")),
                        );
                    }
                }
            }
        }
    }
}

/// Resource-based permissions to invoke a function from a component (`source_arn`).
fn permissions(a: &Analysis, r: &Resolver, edges: &mut Edges) {
    for p in a.of_type("aws_lambda_permission") {
        for instance in a.instances(p) {
            let Some(function) = r.owner_in(a, p, &instance) else {
                continue;
            };
            let Some(source) = target_of(a, r, p, "source_arn", &instance) else {
                continue;
            };
            if source == function || edges.linked(&source, &function) {
                continue;
            }
            let secret = r.components.get(&source).map(|c| c.kind) == Some(Kind::Secret);
            if !secret {
                edges.add(&source, &function, "invoke", Some(p.address()));
            }
        }
    }
}

/// Kinds that take part in access but not in the data flow drawn.
fn drawn_as_target(kind: Kind) -> bool {
    !matches!(
        kind,
        Kind::Key | Kind::LogGroup | Kind::Network | Kind::Role | Kind::Monitoring | Kind::Clients
    )
}

/// The flow an IAM action stands for: (label, whether data flows from the resource to the
/// principal, i.e. the principal consumes).
pub(crate) fn action_flow(action: &str) -> Option<(&'static str, bool)> {
    let action = action.to_ascii_lowercase();
    let (service, name) = action.split_once(':')?;
    let any = |prefixes: &[&str]| prefixes.iter().any(|p| name.starts_with(p));
    let flow = match service {
        "sqs" if any(&["sendmessage"]) => ("send", false),
        "sqs" if any(&["receivemessage", "deletemessage", "changemessagevisibility"]) => {
            ("consume", true)
        }
        "sqs" if name == "*" => ("send", false),
        "sns" if any(&["publish"]) || name == "*" => ("publish", false),
        "events" if any(&["putevents"]) => ("publish", false),
        "kinesis" | "firehose" if any(&["putrecord"]) => ("publish", false),
        "kinesis" if any(&["getrecords", "getsharditerator", "subscribetoshard"]) => {
            ("consume", true)
        }
        "lambda" if any(&["invokefunction", "invokeasync", "invoke"]) => ("invoke", false),
        "states" if any(&["startexecution", "startsyncexecution"]) => ("start", false),
        "ecs" if any(&["runtask", "starttask"]) => ("run task", false),
        "dynamodb" | "s3" | "secretsmanager" | "ssm" | "elasticfilesystem" | "rds-data" => {
            if name == "*" {
                ("read/write", false)
            } else if any(&[
                "get",
                "query",
                "scan",
                "batchget",
                "list",
                "describe",
                "head",
                "select",
                "transactget",
                "clientmount",
            ]) {
                ("read", false)
            } else if any(&[
                "put",
                "update",
                "delete",
                "batchwrite",
                "transactwrite",
                "abortmultipart",
                "restore",
                "rotate",
                "clientwrite",
                "executestatement",
                "batchexecute",
                "createsecret",
            ]) {
                ("write", false)
            } else {
                return None;
            }
        }
        "elasticache" | "rds-db" | "rds" => ("uses", false),
        _ => return None,
    };
    Some(flow)
}

fn grants(
    a: &Analysis,
    components: &Components,
    r: &Resolver,
    explicit: &BTreeSet<(String, String)>,
    edges: &mut Edges,
) {
    for g in crate::access::identity_grants(a, r) {
        let Some(principal) = g.principal_component.as_deref() else {
            continue;
        };
        // A role several components share: its grants are no one component's flows (the
        // access section lists them).
        if components.get(principal).map(|c| c.kind) == Some(Kind::Role) {
            continue;
        }
        for action in &g.actions {
            let Some((label, consumes)) = action_flow(action) else {
                continue;
            };
            for target in &g.resource_components {
                let drawn = components
                    .get(target)
                    .is_some_and(|c| drawn_as_target(c.kind));
                if !drawn || target == principal {
                    continue;
                }
                let (from, to) = if consumes {
                    (target.as_str(), principal)
                } else {
                    (principal, target.as_str())
                };
                // Grants only add flows nothing explicit already draws.
                if explicit.contains(&(from.to_string(), to.to_string())) {
                    continue;
                }
                edges.add(from, to, label, Some(format!("grant {action}")));
            }
        }
    }
}

fn environment_references(
    a: &Analysis,
    components: &Components,
    r: &Resolver,
    explicit: &BTreeSet<(String, String)>,
    edges: &mut Edges,
) {
    let mut found: Vec<(String, String, String)> = Vec::new();
    for f in a.of_type("aws_lambda_function") {
        let Some(function) = owner(r, f) else {
            continue;
        };
        let Some(vars) = a
            .nested(f, &["environment"])
            .and_then(|e| e.body.get("variables"))
        else {
            continue;
        };
        if let tfstack_model::ExprKind::Object(items) = &vars.kind {
            for item in items {
                let key = item.key.as_str().unwrap_or("?").to_string();
                for t in r.in_expr(a, &item.value) {
                    found.push((function.clone(), t, key.clone()));
                }
            }
        }
    }
    for c in components
        .of_kind(Kind::ContainerTask)
        .chain(components.of_kind(Kind::ContainerService))
    {
        for task in task_definitions_of(a, c) {
            let Some(doc) = a.symbolic_document(&task, "container_definitions") else {
                continue;
            };
            for container in doc.one_or_many() {
                for (list, value_key) in [("environment", "value"), ("secrets", "valueFrom")] {
                    for entry in container
                        .get(list)
                        .map(|l| l.one_or_many())
                        .unwrap_or_default()
                    {
                        let key = entry
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_string();
                        if let Some(v) = entry.get(value_key) {
                            for t in r.in_value(v) {
                                found.push((c.id.clone(), t, key.clone()));
                            }
                        }
                    }
                }
            }
        }
    }
    for (from, to, key) in found {
        let Some(target) = components.get(&to) else {
            continue;
        };
        if !drawn_as_target(target.kind) || from == to {
            continue;
        }
        if explicit.contains(&(from.clone(), to.clone())) {
            // Already drawn: the variable explains the edge.
            for ((f, t, failure), acc) in edges.map.iter_mut() {
                if !failure && ((f == &from && t == &to) || (f == &to && t == &from)) {
                    acc.details.insert(format!("env {key}"));
                }
            }
            continue;
        }
        let label = match target.kind {
            Kind::Cache => "cache",
            Kind::Database => "SQL",
            _ => "uses",
        };
        edges.add(&from, &to, label, Some(format!("env {key}")));
    }
}

/// The task definitions of a container component (the component itself, or the one a
/// service runs).
pub(crate) fn task_definitions_of(a: &Analysis, c: &Component) -> Vec<String> {
    match c.kind {
        Kind::ContainerTask => vec![c.primary.clone()],
        Kind::ContainerService => a
            .block(&c.primary)
            .map(|b| a.attribute_references(b, "task_definition"))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The one-line summary drawn under a node's name.
pub(crate) fn node_detail(a: &Analysis, c: &Component) -> String {
    let b = a.block(&c.primary);
    let extra = match (c.kind, b) {
        (Kind::Clients, _) => "internet".to_string(),
        (Kind::Function, Some(b)) => {
            let runtime = a
                .text(b, "runtime")
                .unwrap_or_else(|| a.text(b, "package_type").unwrap_or_else(|| "?".into()));
            let memory = a.number(b, "memory_size").unwrap_or(128.0);
            format!("{runtime} · {} MB", memory as i64)
        }
        (Kind::StateMachine, Some(b)) => {
            let ty = a.text(b, "type").unwrap_or_else(|| "STANDARD".into());
            let express = if ty == "EXPRESS" { "express · " } else { "" };
            match crate::statemachine::definition(a, b) {
                Some(d) => format!("{express}{} tasks", d.tasks.len()),
                None => ty.to_lowercase(),
            }
        }
        (Kind::ContainerTask | Kind::ContainerService, Some(_)) => {
            let task = task_definitions_of(a, c).first().and_then(|t| a.block(t));
            match task {
                Some(t) => {
                    let cpu = a.number(t, "cpu").map(|v| v / 1024.0);
                    let mem = a.number(t, "memory").map(|v| v / 1024.0);
                    match (cpu, mem) {
                        (Some(cpu), Some(mem)) => {
                            format!("{} vCPU · {} GB", analysis::trim(cpu), analysis::trim(mem))
                        }
                        _ => "task".into(),
                    }
                }
                None => "service".into(),
            }
        }
        (Kind::Queue, Some(b)) => {
            if a.boolean(b, "fifo_queue") == Some(true)
                || a.text(b, "name").is_some_and(|n| n.ends_with(".fifo"))
            {
                "FIFO".into()
            } else {
                "standard".into()
            }
        }
        (Kind::Table, Some(b)) => match a.text(b, "billing_mode").as_deref() {
            Some("PAY_PER_REQUEST") => "on-demand".into(),
            _ => "provisioned".into(),
        },
        (Kind::Cache, Some(b)) => {
            let engine = a.text(b, "engine").unwrap_or_else(|| "redis".into());
            let node = a
                .text(b, "node_type")
                .unwrap_or_else(|| "serverless".into());
            let count = a
                .number(b, "num_cache_clusters")
                .or_else(|| a.number(b, "num_cache_nodes"))
                .unwrap_or(1.0);
            format!(
                "{engine} · {}× {}",
                count as i64,
                node.trim_start_matches("cache.")
            )
            .replace("redis", "Redis")
            .replace("valkey", "Valkey")
            .replace("memcached", "Memcached")
        }
        (Kind::Schedule, Some(b)) => a
            .text(b, "schedule_expression")
            .unwrap_or_else(|| "schedule".into()),
        (Kind::Monitoring, _) => {
            let alarms = c.resources.iter().filter(|r| r.contains("_alarm.")).count();
            format!("{alarms} alarms")
        }
        _ => String::new(),
    };
    if extra.is_empty() {
        c.kind.label().to_string()
    } else if c.kind == Kind::Cache {
        extra
    } else {
        format!("{} · {extra}", c.kind.label())
    }
}

#[cfg(test)]
mod tests {
    use super::mermaid_text;

    #[test]
    fn a_mermaid_label_cannot_close_its_quotes_or_its_fence() {
        let label = "a\"] --> x\n```\n<img src=x> #quot; \u{1b}[2J";
        let text = mermaid_text(label);
        assert_eq!(
            text,
            "a#quot;] --#gt; x #96;#96;#96; #lt;img src=x#gt; #35;quot; \\u{1b}[2J"
        );
        assert!(!text.contains(['"', '`', '\n', '<', '\u{1b}']), "{text}");
    }
}
