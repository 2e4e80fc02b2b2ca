//! Symbolic references: a copy of a configuration in which every reference to a resource
//! attribute (`aws_sqs_queue.jobs.arn`) is replaced by a marker string naming it. Policy
//! documents, state machine definitions and container definitions evaluated over that copy
//! keep the identity of every resource they name — `"Resource": "⟦aws_sqs_queue.jobs#arn⟧"`
//! instead of an unknown — so the review can tell which component a statement, a task state
//! or an environment variable points at.

use tfstack_model::{Block, Config, Expr, ExprKind, ObjectKey, Structure, TemplatePart};

const OPEN: char = '\u{27e6}';
const CLOSE: char = '\u{27e7}';

/// The marker string that stands for `address.attribute`.
pub fn marker(address: &str, attribute: Option<&str>) -> String {
    format!("{OPEN}{address}#{}{CLOSE}", attribute.unwrap_or(""))
}

/// A resource reference found in a marked string.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MarkedReference {
    pub address: String,
    pub attribute: String,
}

/// The references marked in `text`, in order.
pub fn references_in(text: &str) -> Vec<MarkedReference> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len_utf8()..];
        let Some(end) = after.find(CLOSE) else { break };
        let inner = &after[..end];
        let (address, attribute) = inner.split_once('#').unwrap_or((inner, ""));
        out.push(MarkedReference {
            address: address.to_string(),
            attribute: attribute.to_string(),
        });
        rest = &after[end + CLOSE.len_utf8()..];
    }
    out
}

/// `text` for a reader: markers of the partition, the region and the account shown as
/// `aws`, `{region}` and `{account}`, other markers as the references they are.
pub fn display(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len_utf8()..];
        let Some(end) = after.find(CLOSE) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &after[..end];
        let (address, attribute) = inner.split_once('#').unwrap_or((inner, ""));
        let shown = if address.starts_with("data.aws_partition.") {
            "aws".to_string()
        } else if address.starts_with("data.aws_region.") {
            "{region}".to_string()
        } else if address.starts_with("data.aws_caller_identity.") && attribute == "account_id" {
            "{account}".to_string()
        } else if attribute.is_empty() {
            format!("${{{address}}}")
        } else {
            format!("${{{address}.{attribute}}}")
        };
        out.push_str(&shown);
        rest = &after[end + CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// A copy of `config` with resource references replaced by markers. References to
/// `aws_iam_policy_document` data sources stay: the policy extractor reads those documents
/// where they are declared. So do the names a `for` expression or a `dynamic` block binds
/// (`v.arn` in `[for v in local.queues : v.arn]`, `dead_letter_config.value`): they read
/// an element, not a resource.
pub fn symbolic_config(config: &Config) -> Config {
    let mut copy = config.clone();
    let mut bound = Vec::new();
    for block in &mut copy.blocks {
        symbolize_block(block, &mut bound);
    }
    copy
}

/// Symbolizes a block's attributes and nested blocks; `bound` holds the names in scope
/// that are no resource (iterators of the `dynamic` blocks around, `for` variables).
fn symbolize_block(block: &mut Block, bound: &mut Vec<String>) {
    // A `dynamic` block's iterator is in scope in its `content`, not in its `for_each`.
    let iterator = (block.kind == "dynamic")
        .then(|| crate::lint::dynamic_iterator(block).map(str::to_string))
        .flatten();
    for item in &mut block.body.items {
        match item {
            Structure::Attribute(a) => symbolize(&mut a.value, bound),
            Structure::Block(b) => {
                let pushed = iterator.clone().map(|name| bound.push(name)).is_some();
                symbolize_block(b, bound);
                if pushed {
                    bound.pop();
                }
            }
        }
    }
}

/// The address standing for "this account" in markers: `data.aws_caller_identity`'s, and
/// what `element(split(":", <resource>.arn), 4)` (the account field of an ARN) computes.
pub const THIS_ACCOUNT: &str = "data.aws_caller_identity.current";

/// Whether `e` is `element(split(":", <reference>), 4)`: the account of a resource's ARN.
fn is_account_of_arn(e: &Expr) -> bool {
    let ExprKind::FunctionCall(element) = &e.kind else {
        return false;
    };
    if element.name != "element" || element.args.len() != 2 {
        return false;
    }
    let index_is_4 = matches!(&element.args[1].kind, ExprKind::Number(n) if n.as_f64() == 4.0);
    let ExprKind::FunctionCall(split) = &element.args[0].kind else {
        return false;
    };
    index_is_4
        && split.name == "split"
        && split.args.len() == 2
        && split.args[0].as_str() == Some(":")
        && split.args[1]
            .as_traversal()
            .is_some_and(|t| t.resource_address().is_some())
}

fn symbolize(e: &mut Expr, bound: &mut Vec<String>) {
    if is_account_of_arn(e) {
        e.kind = ExprKind::String(marker(THIS_ACCOUNT, Some("account_id")).into());
        return;
    }
    match &mut e.kind {
        ExprKind::Traversal(t) => {
            let is_policy_document =
                t.root == "data" && t.attribute_names().next() == Some("aws_iam_policy_document");
            let is_bound = bound.iter().any(|name| t.root == name.as_str());
            if let (Some(address), false) = (t.resource_address(), is_policy_document || is_bound) {
                let text = marker(&address, t.resource_attribute());
                e.kind = ExprKind::String(text.into());
            }
        }
        ExprKind::Template(t) => {
            for part in &mut t.parts {
                if let TemplatePart::Interpolation(inner) = part {
                    symbolize(inner, bound);
                }
            }
        }
        ExprKind::FunctionCall(c) => c.args.iter_mut().for_each(|a| symbolize(a, bound)),
        ExprKind::Conditional(c) => {
            symbolize(&mut c.condition, bound);
            symbolize(&mut c.true_expr, bound);
            symbolize(&mut c.false_expr, bound);
        }
        ExprKind::Unary(_, inner) | ExprKind::Parenthesis(inner) => symbolize(inner, bound),
        ExprKind::Binary(b) => {
            symbolize(&mut b.lhs, bound);
            symbolize(&mut b.rhs, bound);
        }
        ExprKind::Tuple(items) => items.iter_mut().for_each(|i| symbolize(i, bound)),
        ExprKind::Object(items) => {
            for item in items {
                if let ObjectKey::Expr(k) = &mut item.key {
                    symbolize(k, bound);
                }
                symbolize(&mut item.value, bound);
            }
        }
        ExprKind::For(f) => {
            symbolize(&mut f.collection, bound);
            let before = bound.len();
            bound.extend(f.key_var.clone());
            bound.push(f.value_var.clone());
            if let Some(key) = &mut f.key {
                symbolize(key, bound);
            }
            symbolize(&mut f.value, bound);
            if let Some(condition) = &mut f.condition {
                symbolize(condition, bound);
            }
            bound.truncate(before);
        }
        ExprKind::Null
        | ExprKind::Bool(_)
        | ExprKind::Number(_)
        | ExprKind::String(_)
        | ExprKind::Opaque(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_through_text() {
        let text = format!(
            "{}/*:{}",
            marker("aws_s3_bucket.audit", Some("arn")),
            marker("data.aws_caller_identity.current", Some("account_id"))
        );
        let refs = references_in(&text);
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].address, "aws_s3_bucket.audit");
        assert_eq!(refs[0].attribute, "arn");
        assert_eq!(refs[1].address, "data.aws_caller_identity.current");
        assert_eq!(display(&text), "${aws_s3_bucket.audit.arn}/*:{account}");
        assert!(references_in("arn:aws:sqs:us-east-1:123:q").is_empty());
        let arn = format!(
            "arn:{}:iam::{}:root",
            marker("data.aws_partition.current", Some("partition")),
            marker(THIS_ACCOUNT, Some("account_id"))
        );
        assert_eq!(display(&arn), "arn:aws:iam::{account}:root");
        assert_eq!(
            display(&marker("aws_sqs_queue.q", Some("arn"))),
            "${aws_sqs_queue.q.arn}"
        );
    }

    #[test]
    fn the_account_field_of_an_arn_is_this_account() {
        let account = Expr::call(
            "element",
            vec![
                Expr::call(
                    "split",
                    vec![
                        Expr::string(":"),
                        Expr::reference("aws_kms_key", &["k", "arn"]),
                    ],
                ),
                Expr::int(4),
            ],
        );
        let config = Config {
            blocks: vec![
                Block::new("resource", vec!["aws_kms_key_policy".into(), "k".into()])
                    .attr("account", account.clone())
                    .attr(
                        "other",
                        Expr::call("element", vec![Expr::var("list"), Expr::int(4)]),
                    ),
            ],
        };
        let copy = symbolic_config(&config);
        let body = &copy.blocks[0].body;
        assert_eq!(
            body.get("account").and_then(Expr::as_str),
            Some(marker(THIS_ACCOUNT, Some("account_id")).as_str())
        );
        assert!(matches!(
            body.get("other").map(|e| &e.kind),
            Some(ExprKind::FunctionCall(_))
        ));
    }

    #[test]
    fn names_a_for_expression_or_a_dynamic_block_binds_stay_names() {
        let text = r#"
resource "aws_lambda_function" "f" {
  queues = [for q in local.queues : q.arn]
  dynamic "dead_letter_config" {
    for_each = [aws_sqs_queue.dlq.arn]
    content {
      target_arn = dead_letter_config.value
    }
  }
  dynamic "file_system_config" {
    for_each = local.mounts
    iterator = mount
    content {
      arn = mount.value.arn
    }
  }
  after = dead_letter_config.value
}
"#;
        let body =
            tfstack_model::load::hcl::parse_body(text, tfstack_model::FileId(0)).expect("parses");
        let config = Config {
            blocks: body.blocks().cloned().collect(),
        };
        let copy = symbolic_config(&config);
        let f = &copy.blocks[0];
        let ExprKind::For(queues) = &f.body.get("queues").expect("queues").kind else {
            panic!("a for expression");
        };
        assert!(queues.value.as_traversal().is_some(), "{:?}", queues.value);
        let dynamics: Vec<&Block> = f.body.blocks_of("dynamic").collect();
        let for_each = dynamics[0].body.get("for_each").expect("for_each");
        assert!(
            matches!(&for_each.kind, ExprKind::Tuple(items)
                if items[0].as_str() == Some(marker("aws_sqs_queue.dlq", Some("arn")).as_str())),
            "{for_each:?}"
        );
        for (dynamic, attribute) in [(dynamics[0], "target_arn"), (dynamics[1], "arn")] {
            let content = dynamic.body.block("content").expect("content");
            let read = content.body.get(attribute).expect("the attribute");
            assert!(read.as_traversal().is_some(), "{read:?}");
        }
        // Outside its `dynamic` block, the label names a resource type as any other.
        assert!(f.body.get("after").and_then(Expr::as_str).is_some());
    }

    #[test]
    fn resource_references_become_markers_but_policy_documents_stay() {
        let config = Config {
            blocks: vec![
                Block::new("resource", vec!["aws_iam_role_policy".into(), "p".into()])
                    .attr(
                        "policy",
                        Expr::reference("data", &["aws_iam_policy_document", "d", "json"]),
                    )
                    .attr("role", Expr::reference("aws_iam_role", &["r", "id"]))
                    .attr("name", Expr::var("name")),
            ],
        };
        let copy = symbolic_config(&config);
        let body = &copy.blocks[0].body;
        assert!(body.get("policy").and_then(Expr::as_traversal).is_some());
        assert_eq!(
            body.get("role").and_then(Expr::as_str),
            Some(marker("aws_iam_role.r", Some("id")).as_str())
        );
        assert!(body.get("name").and_then(Expr::as_traversal).is_some());
    }
}
