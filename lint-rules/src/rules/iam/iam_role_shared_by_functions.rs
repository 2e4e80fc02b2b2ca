use crate::{declare_rule, Finding, Rule};
use std::collections::BTreeMap;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::references::targets_of;
use tfstack_model::instances::{address_key, address_key_of_index};
use tfstack_model::{Block, Expr, ExprKind, Origin, TraversalOperator, Value, ValueKind};

declare_rule! {
    /// ## What it does
    /// Flags an IAM role that more than one Lambda function or ECS task definition runs as:
    /// the `role` of `aws_lambda_function`s and the `task_role_arn` of
    /// `aws_ecs_task_definition`s that refer to the same `aws_iam_role` (or `aws_iam_role`
    /// data source), or hold the same literal role ARN. The finding is on the role and
    /// lists who uses it; a function or task definition with `count`/`for_each` counts once
    /// per instance when the number of instances is known and they all name the role
    /// (instances that each name a role of their own, `role = each.value.role_arn`, are
    /// judged one at a time, each one user).
    ///
    /// ## Why is this bad?
    /// "One IAM role per function" (seed 002): a shared role holds the union of what every
    /// user of it needs, so each function can do what all of them may — a bug or an
    /// injected dependency in the smallest function reaches every table, queue and bucket
    /// of the others. Its permissions can never shrink without checking every user, and
    /// CloudTrail cannot tell the functions apart.
    ///
    /// A literal ARN that names a role of the module (`arn:aws:iam::…:role/orders`, by the
    /// role's `name`) counts as a reference to that role.
    ///
    /// ## What it deliberately does not flag
    /// - ECS task *execution* roles (`execution_role_arn`): the ECS agent uses them to pull
    ///   images and write logs, and one per cluster or account is the usual design.
    /// - Roles with `count`/`for_each` where which instance a workload runs as is not
    ///   known (each instance is a role of its own); an instance picked by a known key,
    ///   `aws_iam_role.r[each.value.role].arn` or `aws_iam_role.r[0].arn`, is that role.
    ///   Roles passed in from modules, and role values it cannot know before apply.
    /// - One function with one role, whatever else the role is attached to (instance
    ///   profiles, Step Functions, other services): only functions and tasks count.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lambda_function" "create_order" {
    ///   function_name = "create-order"
    ///   role          = aws_iam_role.lambda.arn
    ///   # …
    /// }
    ///
    /// resource "aws_lambda_function" "ship_order" {
    ///   function_name = "ship-order"
    ///   role          = aws_iam_role.lambda.arn
    ///   # …
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_lambda_function" "create_order" {
    ///   function_name = "create-order"
    ///   role          = aws_iam_role.create_order.arn
    ///   # …
    /// }
    ///
    /// resource "aws_lambda_function" "ship_order" {
    ///   function_name = "ship-order"
    ///   role          = aws_iam_role.ship_order.arn
    ///   # …
    /// }
    /// ```
    pub struct IamRoleSharedByFunctions {
        id: "IAM005",
        name: "iam-role-shared-by-functions",
        severity: Warning,
    }
}

/// The workloads that run as a role: (resource type, attribute naming the role).
const WORKLOADS: &[(&str, &str)] = &[
    ("aws_lambda_function", "role"),
    ("aws_ecs_task_definition", "task_role_arn"),
];

/// One workload that runs as a role.
struct User<'m> {
    block: &'m Block,
    attribute: &'static str,
    /// Known number of instances (`count`, `for_each`), 1 otherwise.
    instances: usize,
    /// The keys of the instances (`["a"]`) when only they run as the role; empty when
    /// every instance does.
    keys: Vec<String>,
}

impl Rule for IamRoleSharedByFunctions {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // Role address (or literal ARN) → its users, in source order.
        let mut by_role: BTreeMap<String, Vec<User>> = BTreeMap::new();
        for (resource_type, attribute) in WORKLOADS {
            for block in cx.resources(resource_type) {
                if !exists(cx, block) {
                    continue;
                }
                let Some(expr) = block.body.get(attribute) else {
                    continue;
                };
                if let Some(role) = role_key(cx, expr) {
                    by_role.entry(role).or_default().push(User {
                        block,
                        attribute,
                        instances: instances(cx, block),
                        keys: Vec::new(),
                    });
                    continue;
                }
                for (role, keys) in role_instances(cx, block, expr) {
                    by_role.entry(role).or_default().push(User {
                        block,
                        attribute,
                        instances: keys.len(),
                        keys: keys.into_iter().filter(|k| !k.is_empty()).collect(),
                    });
                }
            }
        }
        for (role, users) in by_role {
            if users.iter().map(|u| u.instances).sum::<usize>() < 2 {
                continue;
            }
            out.push(finding(cx, &role, &users));
        }
    }
}

/// What a workload's role attribute designates: the address of a single-instance role
/// (resource or data source) it refers to, else the role of the module its literal ARN
/// names, else the literal ARN itself. `None` when unknown.
fn role_key(cx: &Context, expr: &tfstack_model::Expr) -> Option<String> {
    let targets: Vec<_> = targets_of(cx, expr)
        .into_iter()
        .filter(|t| t.resource_type() == "aws_iam_role")
        .collect();
    if let Some(target) = targets.first() {
        let role = cx.block(&target.address)?;
        return (targets.len() == 1 && !role.is_repeated()).then(|| target.address.clone());
    }
    let arn = cx.value(expr);
    let arn = arn.as_str()?;
    if !arn.starts_with("arn:") {
        return None;
    }
    let name = arn.rsplit(['/', ':']).next().unwrap_or(arn);
    let named = roles_named(cx, name)
        .into_iter()
        .find(|r| !r.is_repeated());
    Some(named.map_or_else(|| arn.to_string(), |r| r.address()))
}

/// The instances of a role with `count` or `for_each` a workload's role attribute picks by
/// known keys (`aws_iam_role.r[each.value.role].arn`, evaluated in each instance of the
/// workload; `aws_iam_role.r[0].arn`), as their addresses write them
/// (`aws_iam_role.r["api"]`), each with the keys of the workload's instances that run as it
/// (`""` for a workload without instances).
fn role_instances(cx: &Context, workload: &Block, expr: &Expr) -> Vec<(String, Vec<String>)> {
    let mut expr = expr;
    while let ExprKind::Parenthesis(inner) = &expr.kind {
        expr = inner;
    }
    let Some(traversal) = expr.as_traversal() else {
        return Vec::new();
    };
    let (Some(TraversalOperator::Attribute(_)), Some(TraversalOperator::Index(index))) =
        (traversal.operators.first(), traversal.operators.get(1))
    else {
        return Vec::new();
    };
    let Some(address) = traversal.resource_address() else {
        return Vec::new();
    };
    let Some(role) = cx.block(&address) else {
        return Vec::new();
    };
    if !role.is_resource("aws_iam_role") || !exists(cx, role) {
        return Vec::new();
    }
    let scopes = cx.instance_scopes(workload);
    let picked: Vec<(String, Value)> = if scopes.is_empty() {
        vec![(String::new(), cx.value(index))]
    } else {
        scopes
            .iter()
            .map(|(instance, scope)| (instance.clone(), cx.eval.eval_in(index, scope, 0)))
            .collect()
    };
    let counted = role.body.get("count").is_some();
    let mut roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (instance, key) in picked {
        let key = match (counted, key.as_str(), key.as_f64()) {
            (true, _, Some(i)) if i >= 0.0 && i.fract() == 0.0 => address_key_of_index(i as usize),
            (false, Some(k), _) if role.body.get("for_each").is_some() => address_key(k),
            _ => continue,
        };
        roles
            .entry(format!("{address}{key}"))
            .or_default()
            .push(instance);
    }
    roles.into_iter().collect()
}

/// The `aws_iam_role`s whose `name` evaluates to `name`, in source order. A hash lookup
/// (the name index is built once per module), so resolving every workload's literal ARN is
/// O(workloads + roles) rather than O(workloads × roles). The index leaves out the empty
/// name, which only an ARN ending in `/` or `:` asks for: that rare case scans.
fn roles_named<'m>(cx: &Context<'m>, name: &str) -> Vec<&'m Block> {
    // An empty name (an ARN ending in `/`) designates no role.
    cx.resources_named("aws_iam_role", "name", name)
}

/// The known number of instances of a block (`count`, `for_each`), else 1 (1 too for an
/// instance judged alone: its role is its own, not known to be its siblings').
fn instances(cx: &Context, block: &Block) -> usize {
    if cx.judged_alone(block) {
        return 1;
    }
    if let Some(count) = cx.attr(block, "count").and_then(|v| v.as_f64()) {
        return count.max(0.0) as usize;
    }
    match cx.attr(block, "for_each").map(|v| v.kind) {
        Some(ValueKind::List(items)) => items.len(),
        Some(ValueKind::Object(map)) => map.len(),
        _ => 1,
    }
}

fn finding(cx: &Context, role: &str, users: &[User]) -> Finding {
    let total: usize = users.iter().map(|u| u.instances).sum();
    let functions = users
        .iter()
        .any(|u| u.block.is_resource("aws_lambda_function"));
    let tasks = users
        .iter()
        .any(|u| u.block.is_resource("aws_ecs_task_definition"));
    let noun = match (functions, tasks) {
        (true, false) => "Lambda functions",
        (false, true) => "ECS task definitions",
        _ => "Lambda functions and ECS task definitions",
    };
    let listed: Vec<String> = users
        .iter()
        .map(|u| match u.instances {
            _ if !u.keys.is_empty() => u
                .keys
                .iter()
                .map(|k| format!("`{}{k}`", u.block.address()))
                .collect::<Vec<_>>()
                .join(", "),
            1 => format!("`{}`", u.block.address()),
            n => format!("`{}` ({n} instances)", u.block.address()),
        })
        .collect();
    // On the role when the module declares it (an instance: its block), else on the first
    // user's attribute.
    let declared = cx.block(role).or_else(|| cx.block(role.split('[').next()?));
    let (resource, origin, attribute) = match declared {
        Some(block) if block.address() == role => (block.address(), block.origin, None),
        // An instance of the role.
        Some(block) => (role.to_string(), block.origin, None),
        None => {
            let first = &users[0];
            let origin: Origin = cx.origin_of(first.block, first.attribute);
            (
                first.block.address(),
                origin,
                Some(first.attribute.to_string()),
            )
        }
    };
    let shown = cx.block(role).map_or(role.to_string(), |b| b.address());
    Finding::new(
        &IamRoleSharedByFunctions::META,
        format!(
            "role `{shown}` is shared by {total} {noun}: {}",
            listed.join(", ")
        ),
    )
    .at(origin)
    .label("role shared by several workloads")
    .help("give each function or task its own role with only the permissions it needs")
    .resource(resource)
    .attribute(attribute)
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "IAM005";

    const ROLES: &str = r#"
data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "orders" {
  name               = "orders"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

resource "aws_iam_role" "shipping" {
  name               = "shipping"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}
"#;

    fn function(name: &str, role: &str, extra: &str) -> String {
        format!(
            r#"
resource "aws_lambda_function" "{name}" {{
  function_name = "{name}"
  role          = {role}
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "build/{name}.zip"
  timeout       = 10
{extra}}}
"#
        )
    }

    fn lint(parts: &[String]) -> Vec<tfstack_lint_engine::located::Located> {
        lint_hcl(RULE, &format!("{ROLES}{}", parts.concat()))
    }

    #[test]
    fn fires_on_shared_roles() {
        // Two functions, one role.
        let f = lint(&[
            function("create_order", "aws_iam_role.orders.arn", ""),
            function("cancel_order", "aws_iam_role.orders.arn", ""),
            function("ship", "aws_iam_role.shipping.arn", ""),
        ]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource.as_deref(), Some("aws_iam_role.orders"));
        assert!(f[0]
            .message
            .contains("`aws_lambda_function.create_order`, `aws_lambda_function.cancel_order`"));

        // A function and a task; through a local; by a literal ARN naming the module's role.
        let f = lint(&[
            "locals {\n  orders_role = aws_iam_role.orders.arn\n}\n".to_string(),
            function("create_order", "local.orders_role", ""),
            function("audit", "\"arn:aws:iam::111122223333:role/orders\"", ""),
            r#"
resource "aws_ecs_task_definition" "fulfil" {
  family                = "fulfil"
  task_role_arn         = aws_iam_role.orders.arn
  container_definitions = jsonencode([{ name = "app", image = "app:1" }])
}
"#
            .to_string(),
        ]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message
                .contains("shared by 3 Lambda functions and ECS task definitions"),
            "{}",
            f[0].message
        );

        // One function block with several instances.
        let f = lint(&[function(
            "workers",
            "aws_iam_role.orders.arn",
            "  for_each = toset([\"a\", \"b\", \"c\"])\n",
        )]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("(3 instances)"), "{}", f[0].message);

        // Equal literal ARNs of a role the module does not declare: on the first user.
        let f = lint(&[
            function("a", "\"arn:aws:iam::111122223333:role/legacy\"", ""),
            function("b", "\"arn:aws:iam::111122223333:role/legacy\"", ""),
        ]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource.as_deref(), Some("aws_lambda_function.a"));
        assert_eq!(f[0].attribute.as_deref(), Some("role"));
    }

    #[test]
    fn literal_arns_resolve_through_the_name_index() {
        // Roles named by an evaluated `name`; a per-instance role of the same name comes
        // first in the source and is passed over; a path in the ARN is ignored.
        let f = lint(&[
            r#"
locals {
  prefix = "shop"
}
resource "aws_iam_role" "api_per_region" {
  for_each           = toset(["eu", "us"])
  name               = "shop-api"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}
resource "aws_iam_role" "api" {
  name               = "${local.prefix}-api"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}
"#
            .to_string(),
            function("list", "\"arn:aws:iam::111122223333:role/shop-api\"", ""),
            function(
                "get",
                "\"arn:aws:iam::111122223333:role/service-role/shop-api\"",
                "",
            ),
            function("put", "aws_iam_role.api.arn", ""),
            function("ship", "\"arn:aws:iam::111122223333:role/shipping\"", ""),
            function("track", "aws_iam_role.shipping.arn", ""),
            function("orders", "\"arn:aws:iam::111122223333:role/orders\"", ""),
            function(
                "other",
                "\"arn:aws:iam::111122223333:role/not-declared\"",
                "",
            ),
        ]);
        let found: Vec<(Option<&str>, &str)> = f
            .iter()
            .map(|x| (x.resource.as_deref(), x.message.as_str()))
            .collect();
        // In the order of the roles' addresses.
        assert_eq!(
            found,
            [
                (
                    Some("aws_iam_role.api"),
                    "role `aws_iam_role.api` is shared by 3 Lambda functions: \
                     `aws_lambda_function.list`, `aws_lambda_function.get`, \
                     `aws_lambda_function.put`"
                ),
                (
                    Some("aws_iam_role.shipping"),
                    "role `aws_iam_role.shipping` is shared by 2 Lambda functions: \
                     `aws_lambda_function.ship`, `aws_lambda_function.track`"
                ),
            ]
        );
    }

    /// A role with `count` or `for_each`: the instance a known key picks is the role.
    #[test]
    fn instances_of_roles_picked_by_known_keys() {
        let roles = r#"
resource "aws_iam_role" "by_name" {
  for_each           = toset(["api", "worker"])
  name               = each.key
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}
resource "aws_iam_role" "counted" {
  count              = 1
  name               = "counted"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}
resource "aws_iam_role" "absent" {
  count              = 0
  name               = "absent"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}
"#;
        let workers = "  for_each = { a = { role = \"api\" }, b = { role = \"api\" } }\n";
        let f = lint(&[
            roles.to_string(),
            function("a", "aws_iam_role.by_name[\"worker\"].arn", ""),
            function("b", "(aws_iam_role.by_name[\"worker\"].arn)", ""),
            function("workers", "aws_iam_role.by_name[each.value.role].arn", workers),
            function("c", "aws_iam_role.counted[0].arn", ""),
            function("d", "aws_iam_role.counted[0].arn", ""),
            function("e", "aws_iam_role.absent[0].arn", ""),
            function("f", "aws_iam_role.absent[0].arn", ""),
        ]);
        let shared: Vec<_> = f
            .iter()
            .map(|f| (f.resource.as_deref().unwrap_or(""), f.message.as_str()))
            .collect();
        assert_eq!(shared.len(), 3, "{f:#?}");
        assert_eq!(shared[0].0, r#"aws_iam_role.by_name["api"]"#);
        assert!(
            shared[0].1.contains("shared by 2 Lambda functions: `aws_lambda_function.workers[\"a\"]`, `aws_lambda_function.workers[\"b\"]`"),
            "{}",
            shared[0].1
        );
        assert_eq!(shared[1].0, r#"aws_iam_role.by_name["worker"]"#);
        assert_eq!(shared[2].0, "aws_iam_role.counted[0]");

        // Instances that pick roles of their own, or a key not known.
        let f = lint(&[
            roles.to_string(),
            "variable \"which\" {}\n".to_string(),
            function(
                "workers",
                "aws_iam_role.by_name[each.value.role].arn",
                "  for_each = { a = { role = \"api\" }, b = { role = \"worker\" } }\n",
            ),
            function("g", "aws_iam_role.by_name[var.which].arn", ""),
            function("h", "aws_iam_role.by_name[var.which].arn", ""),
        ]);
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn quiet_on_precision_cases() {
        let f = lint(&[
            // A role each.
            function("create_order", "aws_iam_role.orders.arn", ""),
            function("ship", "aws_iam_role.shipping.arn", ""),
            // Per-instance roles.
            r#"
resource "aws_iam_role" "per_worker" {
  for_each           = toset(["a", "b"])
  name               = "worker-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}
"#
            .to_string(),
            function(
                "workers",
                "aws_iam_role.per_worker[each.key].arn",
                "  for_each = toset([\"a\", \"b\"])\n",
            ),
            // Unknown roles.
            "variable \"role_arn\" {}\n".to_string(),
            function("x", "var.role_arn", ""),
            function("y", "var.role_arn", ""),
            function("z", "module.iam.role_arn", ""),
            // Per-instance literal roles: each instance has its own (they differ, so the
            // block is judged one instance at a time, and one instance is one user).
            r#"
variable "own_roles" {
  default = {
    ingest = "arn:aws:iam::123456789012:role/ingest-role"
    report = "arn:aws:iam::123456789012:role/report-role"
  }
}
"#
            .to_string(),
            function("own", "each.value", "  for_each = var.own_roles\n"),
            function(
                "named",
                "\"arn:aws:iam::123456789012:role/r-${count.index}\"",
                "  count = 2\n",
            ),
            // A function that no longer exists.
            function("gone", "aws_iam_role.shipping.arn", "  count = 0\n"),
            // A shared execution role is the usual ECS design.
            r#"
resource "aws_iam_role" "ecs_execution" {
  name               = "ecs-execution"
  assume_role_policy = "{}"
}
resource "aws_ecs_task_definition" "api" {
  family                = "api"
  execution_role_arn    = aws_iam_role.ecs_execution.arn
  container_definitions = "[]"
}
resource "aws_ecs_task_definition" "worker" {
  family                = "worker"
  execution_role_arn    = aws_iam_role.ecs_execution.arn
  container_definitions = "[]"
}
"#
            .to_string(),
        ]);
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn tfvars_decide_the_role() {
        let main = format!(
            "{ROLES}variable \"legacy_role_arn\" {{\n  default = \"arn:aws:iam::111122223333:role/legacy\"\n}}\n{}{}",
            function("a", "var.legacy_role_arn", ""),
            function("b", "aws_iam_role.orders.arn", "")
        );
        assert!(lint_files_with(RULE, &[("main.tf", &main)], None).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", &main),
                (
                    "terraform.tfvars",
                    "legacy_role_arn = \"arn:aws:iam::111122223333:role/orders\"\n",
                ),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource.as_deref(), Some("aws_iam_role.orders"));
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint(&[
            function("create_order", "aws_iam_role.orders.arn", ""),
            function("cancel_order", "aws_iam_role.orders.arn", ""),
        ]);
        insta::assert_snapshot!(render_all(&f));
    }
}
