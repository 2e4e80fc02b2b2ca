use crate::{declare_rule, Finding, Rule};
use indexmap::IndexMap;
use std::collections::HashSet;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::references::{referenced_blocks, targets_of};
use tfstack_model::eval::{scalar_to_string, Scope};
use tfstack_model::{Block, Expr, ExprKind, Origin, TemplatePart, Value, ValueKind};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_lambda_function` whose log group is not managed by the module: no
    /// `aws_cloudwatch_log_group` is named `/aws/lambda/<function_name>` (or, when the
    /// function sets `logging_config.log_group`, that name).
    ///
    /// A group counts as the function's when its evaluated name equals the expected one,
    /// when its name is built from the function
    /// (`"/aws/lambda/${aws_lambda_function.orders.function_name}"`), or when the
    /// function's `logging_config.log_group` refers to it.
    ///
    /// ## Why is this bad?
    /// Lambda creates a missing group on the first invocation, with no retention: logs are
    /// kept (and paid for) forever, LOG001 cannot see the group, and it outlives
    /// `terraform destroy`. Adding the group to Terraform later fails with
    /// `ResourceAlreadyExistsException` until someone imports it.
    ///
    /// It deliberately does not flag a function whose name (or custom log group) it cannot
    /// evaluate when the module has a log group that could be its own, nor one for which a
    /// log group with a partly unknown name could be the one
    /// (`"/aws/lambda/${var.prefix}-orders"` for `shop-orders`). A function whose name is
    /// unknown (a `random_id`, a variable without a value) in a module with no log group
    /// at all is flagged: no group of the module can be its. A group whose name is
    /// built from another function does not count. Groups managed in another module are
    /// only recognised when handed to a child module here (a `name` or `*log_group*`
    /// input referring to the function or equal to the name); otherwise, suppress the
    /// finding with a reason.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lambda_function" "orders" {
    ///   function_name = "orders"
    ///   # …
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_cloudwatch_log_group" "orders" {
    ///   name              = "/aws/lambda/${aws_lambda_function.orders.function_name}"
    ///   retention_in_days = 30
    /// }
    /// ```
    pub struct LambdaWithoutManagedLogGroup {
        id: "LOG002",
        name: "lambda-without-managed-log-group",
        severity: Warning,
    }
}

/// The log group a function writes to, as far as it can be known.
enum FunctionLogGroup {
    /// `logging_config.log_group` refers to a managed group.
    Managed,
    /// A known name; `custom` is the origin of `logging_config.log_group` when set there.
    Named {
        name: String,
        custom: Option<Origin>,
    },
    /// Lambda's default group, `/aws/lambda/<function_name>`, of a function whose name is
    /// not statically known (a `random_id`, a variable without a value).
    DefaultOfUnknownName,
    /// Not statically known: the rule stays quiet.
    Unknown,
}

impl Rule for LambdaWithoutManagedLogGroup {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut index: Option<GroupIndex> = None;
        for function in cx.resources("aws_lambda_function") {
            if !exists(cx, function) {
                continue;
            }
            // Built on the first function that needs it: a module without functions
            // evaluates no log group names.
            let (name, custom) = match log_group_of(cx, function) {
                FunctionLogGroup::Managed | FunctionLogGroup::Unknown => continue,
                FunctionLogGroup::DefaultOfUnknownName => {
                    let index = index.get_or_insert_with(|| GroupIndex::build(cx));
                    if !index.may_manage_any(cx, &function.address()) {
                        out.push(finding(function, "/aws/lambda/<function_name>", None));
                    }
                    continue;
                }
                FunctionLogGroup::Named { name, custom } => (name, custom),
            };
            let index = index.get_or_insert_with(|| GroupIndex::build(cx));
            if !index.manages(&function.address(), &name) {
                out.push(finding(function, &name, custom));
            }
        }
    }
}

/// What the module's log groups and child module inputs say about the groups they
/// manage, built once per module so that each function is one lookup.
///
/// Complexity: O(g + m) to build (g log groups, their `for_each` instances, m child
/// module inputs), then O(1) per function for groups named from a function or by a fully
/// known name, plus one pattern match per group whose name has parts that cannot be
/// evaluated (`"/aws/lambda/${var.prefix}-orders"` without a value for the variable):
/// those are the only groups compared with every function.
#[derive(Default)]
struct GroupIndex {
    /// Functions (by address) a group's name is built from.
    built_from: HashSet<String>,
    /// Names known in full.
    exact: HashSet<String>,
    /// Names with unknown parts.
    partial: Vec<Vec<Part>>,
    /// Functions handed to a child module as its `name` or a `*log_group*` input.
    handed_functions: HashSet<String>,
    /// Names handed to a child module the same way.
    handed_names: HashSet<String>,
    /// Whether a child module is handed a `name` or `*log_group*` input at all.
    handed_any: bool,
}

impl GroupIndex {
    fn build(cx: &Context) -> Self {
        let mut index = GroupIndex::default();
        for group in cx.resources("aws_cloudwatch_log_group") {
            if !exists(cx, group) {
                continue;
            }
            let Some(name) = group.body.get("name") else {
                // `name_prefix` adds a random suffix: never `/aws/lambda/<name>`.
                continue;
            };
            let functions: Vec<String> = targets_of(cx, name)
                .into_iter()
                .filter(|t| t.resource_type() == "aws_lambda_function")
                .map(|t| t.address)
                .collect();
            if !functions.is_empty() {
                // Built from a function's name: that function's group, no other's.
                index.built_from.extend(functions);
                continue;
            }
            for pattern in name_patterns(cx, group, name) {
                match literal(&pattern) {
                    Some(text) => {
                        index.exact.insert(text);
                    }
                    None => index.partial.push(pattern),
                }
            }
        }
        for m in cx.module_calls() {
            for a in m
                .body
                .attributes()
                .filter(|a| a.name == "name" || a.name.contains("log_group"))
            {
                index.handed_any = true;
                index
                    .handed_functions
                    .extend(targets_of(cx, &a.value).into_iter().map(|t| t.address));
                if let Some(text) = cx.value(&a.value).as_str() {
                    index.handed_names.insert(text.to_string());
                }
            }
        }
        index
    }

    /// Whether any log group could be the function's whose name is unknown: a group of
    /// the module, or a child module handed the function or a name.
    fn may_manage_any(&self, cx: &Context, address: &str) -> bool {
        !cx.resources("aws_cloudwatch_log_group").is_empty()
            || self.handed_functions.contains(address)
            || self.handed_any
    }

    /// Whether the group named `expected` of the function at `address` is, or could be,
    /// managed here.
    fn manages(&self, address: &str, expected: &str) -> bool {
        self.built_from.contains(address)
            || self.exact.contains(expected)
            || self.handed_functions.contains(address)
            || self.handed_names.contains(expected)
            || self.partial.iter().any(|p| matches(p, expected))
    }
}

/// The text of a pattern without holes.
fn literal(pattern: &[Part]) -> Option<String> {
    let mut text = String::new();
    for part in pattern {
        match part {
            Part::Literal(l) => text.push_str(l),
            Part::Hole => return None,
        }
    }
    Some(text)
}

fn log_group_of(cx: &Context, function: &Block) -> FunctionLogGroup {
    if function
        .body
        .blocks_of("dynamic")
        .any(|d| d.labels.first().map(tfstack_model::Name::as_str) == Some("logging_config"))
    {
        return FunctionLogGroup::Unknown;
    }
    let custom = function
        .body
        .block("logging_config")
        .and_then(|b| b.body.attribute("log_group"));
    if let Some(attribute) = custom {
        if !referenced_blocks(cx, &attribute.value, "aws_cloudwatch_log_group").is_empty() {
            return FunctionLogGroup::Managed;
        }
        let value = cx.value(&attribute.value);
        if value.is_unknown() {
            return FunctionLogGroup::Unknown;
        }
        if let Some(name) = value.as_str().filter(|s| !s.is_empty()) {
            return FunctionLogGroup::Named {
                name: name.to_string(),
                custom: Some(attribute.origin),
            };
        }
        // `null` or `""`: Lambda's default group.
    }
    match cx
        .attr(function, "function_name")
        .as_ref()
        .and_then(|v| v.as_str())
    {
        Some(name) if !name.is_empty() => FunctionLogGroup::Named {
            name: format!("/aws/lambda/{name}"),
            custom: None,
        },
        _ if custom.is_none() => FunctionLogGroup::DefaultOfUnknownName,
        _ => FunctionLogGroup::Unknown,
    }
}

/// A name as literal text and holes for what cannot be evaluated.
#[derive(Debug, PartialEq)]
enum Part {
    Literal(String),
    Hole,
}

/// The names of a group's instances: one per `for_each` element when `for_each` is known
/// (`each.key`, `each.value` substituted), else one pattern with holes.
fn name_patterns(cx: &Context, group: &Block, name: &Expr) -> Vec<Vec<Part>> {
    let instances: Vec<Scope> = match cx.attr(group, "for_each").map(|v| v.kind) {
        Some(ValueKind::List(items)) => items
            .into_iter()
            .map(|item| each_scope(item.clone(), item))
            .collect(),
        Some(ValueKind::Object(map)) => map
            .iter()
            .map(|(k, v)| each_scope(Value::string(k.as_str(), Origin::GENERATED), v.clone()))
            .collect(),
        _ => vec![Scope::default()],
    };
    instances
        .iter()
        .map(|scope| name_pattern(cx, name, scope))
        .collect()
}

fn each_scope(key: Value, value: Value) -> Scope {
    let mut each = IndexMap::new();
    each.insert("key".to_string(), key);
    each.insert("value".to_string(), value);
    let mut scope = Scope::default();
    scope.names.insert(
        "each".to_string(),
        Value::new(ValueKind::object(each), Origin::GENERATED),
    );
    scope
}

fn name_pattern(cx: &Context, name: &Expr, scope: &Scope) -> Vec<Part> {
    let eval = |e: &Expr| cx.eval.eval_in(e, scope, 0);
    if let ExprKind::Template(t) = &name.kind {
        return t
            .parts
            .iter()
            .map(|p| match p {
                TemplatePart::Literal(s) => Part::Literal(s.to_string()),
                TemplatePart::Interpolation(e) => scalar_to_string(&eval(e))
                    .map(Part::Literal)
                    .unwrap_or(Part::Hole),
                TemplatePart::Directive(_) => Part::Hole,
            })
            .collect();
    }
    match eval(name).as_str() {
        Some(s) => vec![Part::Literal(s.to_string())],
        None => vec![Part::Hole],
    }
}

/// Whether `text` matches the pattern, a hole standing for any text.
fn matches(pattern: &[Part], text: &str) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((Part::Literal(l), rest)) => text
            .strip_prefix(l.as_str())
            .is_some_and(|tail| matches(rest, tail)),
        Some((Part::Hole, rest)) => (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .any(|i| matches(rest, &text[i..])),
    }
}

fn finding(function: &Block, group: &str, custom: Option<Origin>) -> Finding {
    let help = match custom {
        None => format!(
            "add an `aws_cloudwatch_log_group` named \
             `/aws/lambda/${{{}.function_name}}` with a `retention_in_days`",
            function.address()
        ),
        Some(_) => format!(
            "add an `aws_cloudwatch_log_group` for `{group}` with a `retention_in_days`, and \
             refer to it from `logging_config.log_group`"
        ),
    };
    Finding::new(
        &LambdaWithoutManagedLogGroup::META,
        format!(
            "function `{}` logs to `{group}`, a log group this module does not manage",
            function.address()
        ),
    )
    .at(custom.unwrap_or(function.origin))
    .label("no managed log group")
    .help(help)
    .resource(function.address())
    .attribute(custom.map(|_| "logging_config.log_group".to_string()))
}

#[cfg(test)]
mod tests {
    use super::{matches, Part};
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

    fn function(label: &str, name: &str, extra: &str) -> String {
        format!(
            r#"
resource "aws_lambda_function" "{label}" {{
  function_name = {name}
  role          = "arn:aws:iam::123456789012:role/{label}"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "{label}.zip"
{extra}}}
"#
        )
    }

    #[test]
    fn patterns_match_with_holes() {
        let p = [
            Part::Literal("/aws/lambda/".into()),
            Part::Hole,
            Part::Literal("-orders".into()),
        ];
        assert!(matches(&p, "/aws/lambda/shop-orders"));
        assert!(!matches(&p, "/aws/lambda/shop-billing"));
        assert!(!matches(&p, "/ecs/shop-orders"));
    }

    #[test]
    fn fires_without_a_matching_group() {
        let main = [
            "variable \"service\" {\n  type    = string\n  default = \"orders\"\n}\n".to_string(),
            "variable \"other_name\" {\n  type = string\n}\n".to_string(),
            // No group at all; the name from tfvars.
            function("orders", "\"${var.service}-api\"", ""),
            // A group with another name.
            function("billing", "\"billing\"", ""),
            r#"
resource "aws_cloudwatch_log_group" "billing" {
  name              = "/aws/lambda/billing-api"
  retention_in_days = 30
}
"#
            .to_string(),
            // A custom log group no resource manages.
            function(
                "audit",
                "\"audit\"",
                "  logging_config {\n    log_format = \"JSON\"\n    log_group  = \"/shared/audit\"\n  }\n",
            ),
            // A group built from another function's (unknown) name is not this one's.
            function("reports", "\"reports\"", ""),
            function("other", "var.other_name", ""),
            r#"
resource "aws_cloudwatch_log_group" "other" {
  name              = "/aws/lambda/${aws_lambda_function.other.function_name}"
  retention_in_days = 14
}
"#
            .to_string(),
            // Groups for a known set of functions, not including this one.
            function("encode", "\"encode\"", ""),
            r#"
resource "aws_cloudwatch_log_group" "workers" {
  for_each          = toset(["resize", "thumbnail"])
  name              = "/aws/lambda/${each.key}"
  retention_in_days = 14
}
"#
            .to_string(),
        ]
        .concat();
        let f = lint_files_with(
            "LOG002",
            &[
                ("main.tf", &main),
                ("terraform.tfvars", "service = \"checkout\"\n"),
            ],
            None,
        );
        assert_eq!(
            addresses(&f),
            [
                "aws_lambda_function.orders",
                "aws_lambda_function.billing",
                "aws_lambda_function.audit",
                "aws_lambda_function.reports",
                "aws_lambda_function.encode",
            ]
        );
        assert!(
            f[0].message.contains("/aws/lambda/checkout-api"),
            "{}",
            f[0].message
        );
        assert_eq!(f[2].attribute.as_deref(), Some("logging_config.log_group"));
    }

    #[test]
    fn fires_for_an_unknown_name_in_a_module_without_log_groups() {
        let main = [
            "resource \"random_id\" \"suffix\" {\n  byte_length = 4\n}\n".to_string(),
            function("random", "\"orders-${random_id.suffix.hex}\"", ""),
            "variable \"name\" {\n  type = string\n}\n".to_string(),
            function("unset", "var.name", ""),
        ]
        .concat();
        let f = lint_hcl("LOG002", &main);
        assert_eq!(
            addresses(&f),
            ["aws_lambda_function.random", "aws_lambda_function.unset"]
        );
        assert!(f[0].message.contains("/aws/lambda/<function_name>"), "{}", f[0].message);
        // A log group anywhere in the module, or a child module handed a name, could be
        // its own: quiet.
        let with_group = format!(
            "{main}resource \"aws_cloudwatch_log_group\" \"any\" {{\n  name = var.name\n  retention_in_days = 7\n}}\n"
        );
        assert!(lint_hcl("LOG002", &with_group).is_empty());
        let handed = format!(
            "{main}module \"logs\" {{\n  source         = \"./logs\"\n  log_group_name = var.name\n}}\n"
        );
        assert!(lint_hcl("LOG002", &handed).is_empty());
    }

    #[test]
    fn quiet_with_a_managed_group_or_unknown_names() {
        let main = [
            // Same literal name.
            function("orders", "\"orders\"", ""),
            r#"
resource "aws_cloudwatch_log_group" "orders" {
  name              = "/aws/lambda/orders"
  retention_in_days = 30
}
"#
            .to_string(),
            // Built from the function's name.
            function("billing", "\"billing\"", ""),
            r#"
resource "aws_cloudwatch_log_group" "billing" {
  name              = "/aws/lambda/${aws_lambda_function.billing.function_name}"
  retention_in_days = 30
}
"#
            .to_string(),
            // A custom group referred to by logging_config.
            function(
                "audit",
                "\"audit\"",
                "  logging_config {\n    log_format = \"JSON\"\n    log_group  = aws_cloudwatch_log_group.audit.name\n  }\n",
            ),
            r#"
resource "aws_cloudwatch_log_group" "audit" {
  name              = "/shared/audit"
  retention_in_days = 90
}
"#
            .to_string(),
            // The function's name cannot be known.
            "variable \"name\" {\n  type = string\n}\n".to_string(),
            function("dynamic_name", "var.name", ""),
            // A group whose unknown part could make it this function's.
            "variable \"prefix\" {\n  type = string\n}\n".to_string(),
            function("shop_orders", "\"shop-orders\"", ""),
            r#"
resource "aws_cloudwatch_log_group" "prefixed" {
  name              = "/aws/lambda/${var.prefix}-orders"
  retention_in_days = 30
}
"#
            .to_string(),
            // Groups for a set of functions.
            r#"
locals {
  workers = toset(["resize", "thumbnail"])
}

resource "aws_cloudwatch_log_group" "workers" {
  for_each          = local.workers
  name              = "/aws/lambda/${each.key}"
  retention_in_days = 14
}
"#
            .to_string(),
            function("resize", "\"resize\"", ""),
            // A child module manages it.
            function("export", "\"export\"", ""),
            r#"
module "export_logs" {
  source            = "./modules/log-group"
  name              = "/aws/lambda/${aws_lambda_function.export.function_name}"
  retention_in_days = 30
}
"#
            .to_string(),
        ]
        .concat();
        let f = lint_hcl("LOG002", &main);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        let main = [
            function("orders", "\"orders\"", ""),
            function(
                "audit",
                "\"audit\"",
                "  logging_config {\n    log_format = \"JSON\"\n    log_group  = \"/shared/audit\"\n  }\n",
            ),
        ]
        .concat();
        insta::assert_snapshot!(render_all(&lint_hcl("LOG002", &main)));
    }
}
