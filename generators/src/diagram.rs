//! The resource graph of a module — resources and data sources as nodes, references as
//! edges — as a Mermaid flowchart or a Graphviz digraph.

use std::collections::{BTreeMap, BTreeSet};
use tfstack_model::{Block, Config, Structure};

/// A module's resources and the references between them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ResourceGraph {
    /// Address → resource type, in declaration order.
    pub nodes: Vec<(String, String)>,
    /// (from, to) addresses, sorted.
    pub edges: BTreeSet<(String, String)>,
}

impl ResourceGraph {
    pub fn of(config: &Config) -> ResourceGraph {
        let mut g = ResourceGraph::default();
        let mut known = BTreeMap::new();
        for b in &config.blocks {
            if b.kind == "resource" || b.kind == "data" {
                known.insert(b.address(), ());
                g.nodes.push((b.address(), b.type_label().to_string()));
            }
        }
        for b in &config.blocks {
            if b.kind != "resource" && b.kind != "data" {
                continue;
            }
            let from = b.address();
            let mut targets = BTreeSet::new();
            collect(b, &mut targets);
            for to in targets {
                if to != from && known.contains_key(&to) {
                    g.edges.insert((from.clone(), to));
                }
            }
        }
        g
    }

    /// Mermaid `flowchart LR`, one subgraph per service.
    pub fn to_mermaid(&self, title: &str) -> String {
        let mut out = format!("---\ntitle: {title}\n---\nflowchart LR\n");
        let mut by_service: BTreeMap<String, Vec<&(String, String)>> = BTreeMap::new();
        for n in &self.nodes {
            by_service.entry(service_of(&n.1)).or_default().push(n);
        }
        for (service, nodes) in by_service {
            out.push_str(&format!(
                "  subgraph {}[\"{}\"]\n",
                mermaid_id(&format!("svc_{service}")),
                service
            ));
            for (address, _) in nodes {
                out.push_str(&format!(
                    "    {}[\"{}\"]\n",
                    mermaid_id(address),
                    address.replace('"', "'")
                ));
            }
            out.push_str("  end\n");
        }
        for (from, to) in &self.edges {
            out.push_str(&format!("  {} --> {}\n", mermaid_id(from), mermaid_id(to)));
        }
        out
    }

    /// Graphviz `digraph`.
    pub fn to_dot(&self, title: &str) -> String {
        let mut out = format!(
            "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
            title.replace('"', "'")
        );
        for (address, _) in &self.nodes {
            out.push_str(&format!("  \"{address}\";\n"));
        }
        for (from, to) in &self.edges {
            out.push_str(&format!("  \"{from}\" -> \"{to}\";\n"));
        }
        out.push_str("}\n");
        out
    }
}

/// `aws_lambda_function` → `lambda`; `aws_apigatewayv2_stage` → `apigatewayv2`.
fn service_of(resource_type: &str) -> String {
    let t = resource_type.strip_prefix("aws_").unwrap_or(resource_type);
    let first = t.split('_').next().unwrap_or(t);
    match first {
        "cloudwatch" => {
            if t.starts_with("cloudwatch_event") {
                "eventbridge".into()
            } else if t.starts_with("cloudwatch_log") {
                "logs".into()
            } else {
                "cloudwatch".into()
            }
        }
        other => other.to_string(),
    }
}

fn mermaid_id(address: &str) -> String {
    address
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn collect(b: &Block, out: &mut BTreeSet<String>) {
    for item in &b.body.items {
        match item {
            Structure::Attribute(a) => {
                for t in a.value.traversals() {
                    if let Some(addr) = t.resource_address() {
                        out.insert(addr);
                    }
                }
            }
            Structure::Block(inner) => collect(inner, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfstack_model::{Block, Expr};

    #[test]
    fn edges_follow_references() {
        let config = Config {
            blocks: vec![
                Block::new("resource", vec!["aws_sqs_queue".into(), "dlq".into()]),
                Block::new("resource", vec!["aws_sqs_queue".into(), "jobs".into()])
                    .attr("redrive", Expr::reference("aws_sqs_queue", &["dlq", "arn"])),
            ],
        };
        let g = ResourceGraph::of(&config);
        assert_eq!(g.edges.len(), 1);
        let m = g.to_mermaid("t");
        assert!(
            m.contains("aws_sqs_queue_jobs --> aws_sqs_queue_dlq"),
            "{m}"
        );
        assert!(g
            .to_dot("t")
            .contains("\"aws_sqs_queue.jobs\" -> \"aws_sqs_queue.dlq\""));
    }
}
