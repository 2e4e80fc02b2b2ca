use super::shared::{attribute_path, element_origin, Field};
use crate::{declare_rule, Finding, Rule};
use std::cell::OnceCell;
use std::collections::HashSet;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::policy::{policies, PolicyDoc, PolicyKind, StatementView};
use tfstack_model::iam_actions::{glob_match_ci, matching_actions, resource_fit, ResourceFit};
use tfstack_model::{Value, ValueKind};

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants a known privilege
    /// escalation path: `iam:PassRole` on every role together, in the same policy, with an
    /// action that runs code as a passed role (`lambda:CreateFunction`, `ecs:RunTask`,
    /// `ec2:RunInstances`, `glue:CreateJob`, `cloudformation:CreateStack`,
    /// `states:CreateStateMachine`, …); `iam:CreatePolicyVersion` on any resource;
    /// `iam:AttachRolePolicy`/`iam:PutRolePolicy` on every role;
    /// `iam:AttachUserPolicy`/`iam:PutUserPolicy` on every user; `sts:AssumeRole` on every
    /// role.
    ///
    /// ## Why is this bad?
    /// Each of these turns a limited identity into an administrator. With `iam:PassRole` on
    /// every role and `lambda:CreateFunction`, the holder creates a function that runs as the
    /// most privileged role of the account; `iam:CreatePolicyVersion` rewrites a managed
    /// policy (the holder's own included) and makes the new version the default;
    /// `iam:AttachRolePolicy` on every role attaches `AdministratorAccess` to any role;
    /// `sts:AssumeRole` on every role becomes any role that trusts the account. A leaked key
    /// or a compromised function with such a policy is a compromised account.
    ///
    /// Actions are compared without regard to case, and wildcard patterns count for every
    /// known action they match (AWS's Service Authorization Reference,
    /// `tfstack_model::iam_actions`): `iam:*`, `iam:Put*`, `iam:*Policy*` and `*` grant
    /// these actions too, and one finding lists every path an `Action` element opens.
    ///
    /// A resource covers every role when it is `*`, or an IAM ARN whose resource part is
    /// `*` or `role/*` (any account: `arn:aws:iam::*:role/*`,
    /// `arn:aws:iam::111122223333:role/*`); every user likewise with `user/*`.
    ///
    /// An action counts only on a resource it acts on, judged by the ARN's service and
    /// resource type against the reference's ARN formats: `iam:CreatePolicyVersion` on
    /// `arn:aws:s3:::reports/*` or on a role grants nothing, nor does
    /// `lambda:CreateFunction` on a bucket. A resource it cannot judge (a wildcard service,
    /// a variable, a value unknown before apply) counts.
    ///
    /// The actions that run code as a passed role: `lambda:CreateFunction`,
    /// `lambda:UpdateFunctionConfiguration`, `ecs:RegisterTaskDefinition`, `ecs:RunTask`,
    /// `ecs:StartTask`, `ec2:RunInstances`, `ec2:AssociateIamInstanceProfile`,
    /// `ec2:ReplaceIamInstanceProfileAssociation`, `glue:CreateJob`, `glue:UpdateJob`,
    /// `glue:CreateDevEndpoint`, `glue:UpdateDevEndpoint`, `cloudformation:CreateStack`,
    /// `cloudformation:UpdateStack`, `cloudformation:CreateChangeSet`,
    /// `states:CreateStateMachine`, `states:UpdateStateMachine`,
    /// `datapipeline:CreatePipeline`, `sagemaker:CreateNotebookInstance`,
    /// `sagemaker:CreateTrainingJob`, `sagemaker:CreateProcessingJob`,
    /// `codebuild:CreateProject`, `codebuild:UpdateProject`, `batch:RegisterJobDefinition`,
    /// `apprunner:CreateService`. They count on any resource (a function created under a
    /// fixed name still runs as whatever role is passed).
    ///
    /// ## What it deliberately does not flag
    /// - `iam:PassRole` on named roles (`aws_iam_role.worker.arn`, an exact ARN) or on a
    ///   name pattern (`role/ci-*`): passing the roles a deployment creates is what
    ///   deployments do.
    /// - `iam:PassRole` on every role without an action that uses it in the same policy, or
    ///   with one only in another policy of the same role (it does not follow
    ///   attachments).
    /// - `iam:PassRole` limited by `iam:PassedToService` to services none of the policy's
    ///   actions belong to (passing roles to ECS tasks does not combine with
    ///   `lambda:CreateFunction`). `iam:PassedToService` alone does not limit which role is
    ///   passed, so it is no excuse otherwise.
    /// - Statements with any other condition (`iam:PolicyARN`, `iam:PermissionsBoundary`,
    ///   a resource tag, …): that is how delegated administration is made safe, and the rule
    ///   does not judge conditions. Statements with `NotAction` (IAM001 flags them) or
    ///   `NotResource`.
    /// - Grants a `Deny` statement of the same policy takes back (same action, on `*`, no
    ///   condition).
    /// - Resource and trust policies, `Deny` statements, and values it cannot know before
    ///   apply (an unknown resource is not "every role").
    /// - Other escalation paths (`iam:CreateAccessKey`, `iam:UpdateAssumeRolePolicy`,
    ///   `lambda:UpdateFunctionCode` on a privileged function, …): their risk depends on
    ///   which identities exist, which a policy alone does not say.
    ///
    /// ## Example
    /// ```hcl
    /// data "aws_iam_policy_document" "deployer" {
    ///   statement {
    ///     actions   = ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"]
    ///     resources = ["*"]
    ///   }
    ///   statement {
    ///     actions   = ["iam:PassRole"]
    ///     resources = ["*"]
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// data "aws_iam_policy_document" "deployer" {
    ///   statement {
    ///     actions   = ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"]
    ///     resources = ["arn:aws:lambda:eu-west-1:111122223333:function:orders-*"]
    ///   }
    ///   statement {
    ///     actions   = ["iam:PassRole"]
    ///     resources = [aws_iam_role.orders.arn]
    ///   }
    /// }
    /// ```
    pub struct IamPrivilegeEscalation {
        id: "IAM004",
        name: "iam-privilege-escalation",
        severity: Error,
    }
}

/// Actions that run code (or a workflow) as a role passed to them, with the service
/// principals that role is passed to (for `iam:PassedToService`).
const RUNS_CODE_AS_ROLE: &[(&str, &[&str])] = &[
    ("lambda:CreateFunction", &["lambda.amazonaws.com"]),
    (
        "lambda:UpdateFunctionConfiguration",
        &["lambda.amazonaws.com"],
    ),
    ("ecs:RegisterTaskDefinition", &["ecs-tasks.amazonaws.com"]),
    ("ecs:RunTask", &["ecs-tasks.amazonaws.com"]),
    ("ecs:StartTask", &["ecs-tasks.amazonaws.com"]),
    ("ec2:RunInstances", &["ec2.amazonaws.com"]),
    ("ec2:AssociateIamInstanceProfile", &["ec2.amazonaws.com"]),
    (
        "ec2:ReplaceIamInstanceProfileAssociation",
        &["ec2.amazonaws.com"],
    ),
    ("glue:CreateJob", &["glue.amazonaws.com"]),
    ("glue:UpdateJob", &["glue.amazonaws.com"]),
    ("glue:CreateDevEndpoint", &["glue.amazonaws.com"]),
    ("glue:UpdateDevEndpoint", &["glue.amazonaws.com"]),
    (
        "cloudformation:CreateStack",
        &["cloudformation.amazonaws.com"],
    ),
    (
        "cloudformation:UpdateStack",
        &["cloudformation.amazonaws.com"],
    ),
    (
        "cloudformation:CreateChangeSet",
        &["cloudformation.amazonaws.com"],
    ),
    ("states:CreateStateMachine", &["states.amazonaws.com"]),
    ("states:UpdateStateMachine", &["states.amazonaws.com"]),
    (
        "datapipeline:CreatePipeline",
        &[
            "datapipeline.amazonaws.com",
            "elasticmapreduce.amazonaws.com",
        ],
    ),
    (
        "sagemaker:CreateNotebookInstance",
        &["sagemaker.amazonaws.com"],
    ),
    ("sagemaker:CreateTrainingJob", &["sagemaker.amazonaws.com"]),
    (
        "sagemaker:CreateProcessingJob",
        &["sagemaker.amazonaws.com"],
    ),
    ("codebuild:CreateProject", &["codebuild.amazonaws.com"]),
    ("codebuild:UpdateProject", &["codebuild.amazonaws.com"]),
    (
        "batch:RegisterJobDefinition",
        &["ecs-tasks.amazonaws.com", "batch.amazonaws.com"],
    ),
    (
        "apprunner:CreateService",
        &[
            "tasks.apprunner.amazonaws.com",
            "build.apprunner.amazonaws.com",
        ],
    ),
];

const PASS_ROLE: &str = "iam:PassRole";

/// The escalation actions other than `iam:PassRole`, and what their resource must cover.
const ESCALATIONS: &[(&str, Scope)] = &[
    ("iam:CreatePolicyVersion", Scope::Any),
    ("iam:AttachRolePolicy", Scope::Every("role")),
    ("iam:PutRolePolicy", Scope::Every("role")),
    ("iam:AttachUserPolicy", Scope::Every("user")),
    ("iam:PutUserPolicy", Scope::Every("user")),
    ("sts:AssumeRole", Scope::Every("role")),
];

/// The resources an escalation action needs to be granted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Any resource at all.
    Any,
    /// Every IAM entity of this kind (`role`, `user`).
    Every(&'static str),
}

/// One escalation path an `Action` element opens.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Path {
    /// `iam:CreatePolicyVersion`.
    Alone(&'static str),
    /// `iam:AttachRolePolicy` on every role, …
    OnEvery {
        action: &'static str,
        kind: &'static str,
    },
    /// `iam:PassRole` on every role with an action that runs code as it.
    PassRole { runs_code: &'static str },
}

impl Rule for IamPrivilegeEscalation {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for doc in policies(cx).iter() {
            if doc.kind != PolicyKind::Identity {
                continue;
            }
            let denied = denied_actions(doc);
            // What the whole document allows, expanded once per document and only when an
            // element grants `iam:PassRole` on every role.
            let allowed = OnceCell::new();
            for statement in &doc.statements {
                if !is_judged(statement) {
                    continue;
                }
                for action in &statement.actions {
                    let Some(pattern) = action.as_str() else {
                        continue;
                    };
                    let paths = escalation_paths(doc, statement, pattern, &denied, &allowed);
                    if !paths.is_empty() {
                        out.push(finding(doc, statement, action, pattern, &paths));
                    }
                }
            }
        }
    }
}

/// An `Allow` with `Action` and `Resource`, and no condition other than
/// `iam:PassedToService`.
fn is_judged(statement: &StatementView) -> bool {
    statement.is_allow()
        && statement.not_actions.is_none()
        && !statement.resources.is_empty()
        && statement.not_resources.is_none()
        && (!has_condition(statement) || passed_to_services(statement).is_some())
}

/// Whether the statement has a condition (an unknown one counts).
fn has_condition(statement: &StatementView) -> bool {
    match statement.condition.as_ref().map(|c| &c.kind) {
        None | Some(ValueKind::Null) => false,
        Some(ValueKind::Object(m)) => !m.is_empty(),
        Some(_) => true,
    }
}

/// When the statement's only condition is `iam:PassedToService` with known values: those
/// values (service principals, `*` patterns allowed).
fn passed_to_services(statement: &StatementView) -> Option<Vec<String>> {
    let operators = statement.condition.as_ref()?.as_object()?;
    let mut services = Vec::new();
    for (operator, tests) in operators {
        let op = operator.to_ascii_lowercase();
        if !matches!(op.as_str(), "stringequals" | "stringlike") {
            return None;
        }
        for (key, values) in tests.as_object()? {
            if !key.eq_ignore_ascii_case("iam:PassedToService") {
                return None;
            }
            for v in values.one_or_many() {
                services.push(v.as_str()?.to_ascii_lowercase());
            }
        }
    }
    (!services.is_empty()).then_some(services)
}

/// The actions (lowercase) a `Deny` statement of the document takes back on every
/// resource without a condition.
fn denied_actions(doc: &PolicyDoc) -> HashSet<String> {
    let mut out = HashSet::new();
    for statement in &doc.statements {
        if statement.effect.as_deref() != Some("Deny")
            || has_condition(statement)
            || statement.not_actions.is_some()
            || !statement
                .resources
                .iter()
                .any(|r| r.as_str().is_some_and(is_star))
        {
            continue;
        }
        for action in statement.actions.iter().filter_map(Value::as_str) {
            out.extend(expand(action).into_iter().map(|a| a.to_ascii_lowercase()));
        }
    }
    out
}

/// The known actions an `Action` element names (itself when it is exact).
fn expand(pattern: &str) -> Vec<String> {
    if pattern.contains(['*', '?']) {
        matching_actions(pattern)
            .into_iter()
            .map(str::to_string)
            .collect()
    } else {
        vec![pattern.to_string()]
    }
}

/// The known actions (lowercase) a set of `Action` elements names.
fn expand_lowercase<'a>(patterns: impl IntoIterator<Item = &'a str>) -> HashSet<String> {
    patterns
        .into_iter()
        .flat_map(expand)
        .map(|a| a.to_ascii_lowercase())
        .collect()
}

/// Whether `granted` (lowercase) holds `action` and no `Deny` of the document takes it
/// back: two hash lookups, however many actions a wildcard expands to.
fn grants(granted: &HashSet<String>, denied: &HashSet<String>, action: &str) -> bool {
    let lower = action.to_ascii_lowercase();
    granted.contains(&lower) && !denied.contains(&lower)
}

/// Every escalation path the element `pattern` of `statement` opens.
fn escalation_paths(
    doc: &PolicyDoc,
    statement: &StatementView,
    pattern: &str,
    denied: &HashSet<String>,
    allowed: &OnceCell<HashSet<String>>,
) -> Vec<Path> {
    let granted = expand_lowercase([pattern]);
    if granted.is_empty() {
        return Vec::new();
    }
    let passed_to = passed_to_services(statement);
    let mut paths = Vec::new();
    // Conditions other than `iam:PassedToService` were excluded by `is_judged`; that one
    // only concerns `iam:PassRole`.
    if passed_to.is_none() {
        for (action, scope) in ESCALATIONS {
            if !grants(&granted, denied, action) {
                continue;
            }
            match scope {
                Scope::Any if names_a_resource_of(statement, action) => {
                    paths.push(Path::Alone(action))
                }
                Scope::Any => {}
                Scope::Every(kind) if covers_every(statement, kind) => {
                    paths.push(Path::OnEvery { action, kind })
                }
                Scope::Every(_) => {}
            }
        }
    }
    if grants(&granted, denied, PASS_ROLE) && covers_every(statement, "role") {
        let allowed = allowed.get_or_init(|| allowed_actions(doc));
        if let Some(runs_code) = action_running_code(allowed, denied, passed_to.as_deref()) {
            paths.push(Path::PassRole { runs_code });
        }
    }
    paths
}

/// The actions that run code as a passed role (lowercase) that the document's
/// unconditioned `Allow` statements grant on a resource they act on. Built once per
/// document, instead of once per element granting `iam:PassRole`.
fn allowed_actions(doc: &PolicyDoc) -> HashSet<String> {
    let mut out = HashSet::new();
    for statement in doc.statements.iter().filter(|s| {
        s.is_allow() && !has_condition(s) && s.not_actions.is_none() && !s.resources.is_empty()
    }) {
        let granted = expand_lowercase(statement.actions.iter().filter_map(Value::as_str));
        for (action, _) in RUNS_CODE_AS_ROLE {
            let lower = action.to_ascii_lowercase();
            if granted.contains(&lower) && names_a_resource_of(statement, action) {
                out.insert(lower);
            }
        }
    }
    out
}

/// Whether one of the statement's resources can name something `action` acts on: by the
/// ARN's service and resource type (`iam:CreatePolicyVersion` on `arn:aws:s3:::reports/*`
/// grants nothing). A resource it cannot judge counts.
fn names_a_resource_of(statement: &StatementView, action: &str) -> bool {
    statement.resources.iter().any(|r| match r.as_str() {
        Some(resource) if !r.is_unknown() => resource_fit(action, resource) != ResourceFit::Never,
        _ => true,
    })
}

/// The first action `allowed` (the document's, lowercase) holds that runs code as a passed
/// role, limited to the services the role may be passed to.
fn action_running_code(
    allowed: &HashSet<String>,
    denied: &HashSet<String>,
    passed_to: Option<&[String]>,
) -> Option<&'static str> {
    RUNS_CODE_AS_ROLE.iter().find_map(|(action, principals)| {
        let reachable = passed_to.is_none_or(|services| {
            services
                .iter()
                .any(|s| principals.iter().any(|p| glob_match_ci(s, p)))
        });
        (reachable && grants(allowed, denied, action)).then_some(*action)
    })
}

/// Whether one of the statement's resources covers every IAM entity of `kind`.
fn covers_every(statement: &StatementView, kind: &str) -> bool {
    statement
        .resources
        .iter()
        .filter_map(Value::as_str)
        .any(|r| covers_every_entity(r, kind))
}

fn is_star(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'*')
}

/// `*`, or `arn:<partition>:iam::<account>:<kind>/*` / `…:*` (any partition or account,
/// `*` included), or an ARN cut short by a final `*` (`arn:aws:iam::*`).
fn covers_every_entity(resource: &str, kind: &str) -> bool {
    if is_star(resource) {
        return true;
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if !parts[0].eq_ignore_ascii_case("arn") {
        return false;
    }
    let service_ok = |s: &str| s.eq_ignore_ascii_case("iam") || is_star(s);
    if parts.len() < 6 {
        // `arn:*`, `arn:aws:iam::*`: the last `*` spans the parts not written.
        return parts.last().is_some_and(|l| is_star(l))
            && parts.get(2).is_none_or(|s| service_ok(s));
    }
    if !service_ok(parts[2]) {
        return false;
    }
    let entity = parts[5];
    if is_star(entity) {
        return true;
    }
    // `role/*`, `role/*/*`, `role*`: the kind followed by nothing but `*` and `/`.
    entity
        .get(..kind.len())
        .is_some_and(|k| k.eq_ignore_ascii_case(kind))
        && entity[kind.len()..].contains('*')
        && entity[kind.len()..].bytes().all(|b| b == b'*' || b == b'/')
}


fn finding(
    doc: &PolicyDoc,
    statement: &StatementView,
    element: &Value,
    pattern: &str,
    paths: &[Path],
) -> Finding {
    let describe = |p: &Path| match p {
        Path::Alone(action) => format!("`{action}`"),
        Path::OnEvery { action, kind } => format!("`{action}` on every {kind}"),
        Path::PassRole { runs_code } => {
            format!("`{PASS_ROLE}` on every role with `{runs_code}`")
        }
    };
    let names_one_action = |p: &Path| {
        let action = match p {
            Path::Alone(a) | Path::OnEvery { action: a, .. } => *a,
            Path::PassRole { .. } => PASS_ROLE,
        };
        action.eq_ignore_ascii_case(pattern)
    };
    let through = match paths {
        [only] if names_one_action(only) => String::new(),
        _ => format!(" (through `{pattern}`)"),
    };
    let listed: Vec<String> = paths.iter().map(describe).collect();
    let mut help: Vec<&str> = Vec::new();
    for path in paths {
        let advice = match path {
            Path::PassRole { .. } => {
                "list the roles it may pass by ARN (e.g. `aws_iam_role.worker.arn`)"
            }
            Path::Alone(_) => {
                "leave `iam:CreatePolicyVersion` to administrators: it rewrites any managed policy"
            }
            Path::OnEvery { action, .. } if action.starts_with("sts:") => {
                "name the roles it may assume"
            }
            Path::OnEvery { .. } => {
                "name the roles or users whose policies it may change, or limit it with a \
                 condition on `iam:PolicyARN` or `iam:PermissionsBoundary`"
            }
        };
        if !help.contains(&advice) {
            help.push(advice);
        }
    }
    Finding::new(
        &IamPrivilegeEscalation::META,
        format!(
            "statement grants privilege escalation: {}{through}",
            listed.join(", ")
        ),
    )
    .at(element_origin(element.origin, statement, doc))
    .label("privilege escalation")
    .help(help.join("; "))
    .resource(doc.resource.clone())
    .attribute(attribute_path(doc, statement, Field::Action))
}

#[cfg(test)]
mod tests {
    use super::{covers_every_entity, ESCALATIONS, PASS_ROLE, RUNS_CODE_AS_ROLE};
    use crate::testing::{lint_files_with, lint_hcl, render_all};
    use tfstack_model::iam_actions::{glob_match_ci, matching_actions};

    const RULE: &str = "IAM004";

    /// `aws_iam_policy.p` with `policy = jsonencode({ Statement = [<statements>] })`.
    fn policy(statements: &str) -> String {
        format!(
            r#"variable "unset" {{}}
resource "aws_iam_policy" "p" {{
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{statements}]
  }})
}}
"#
        )
    }

    fn messages(text: &str) -> Vec<String> {
        lint_hcl(RULE, text)
            .into_iter()
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn every_listed_action_exists() {
        let listed = RUNS_CODE_AS_ROLE
            .iter()
            .map(|(a, _)| *a)
            .chain(ESCALATIONS.iter().map(|(a, _)| *a))
            .chain([PASS_ROLE]);
        for action in listed {
            assert_eq!(matching_actions(action), [action], "{action}");
        }
    }

    #[test]
    fn resources_covering_every_entity() {
        for yes in [
            "*",
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::111122223333:*",
            "arn:*:iam::*:role*",
            "arn:aws:iam::*",
            "arn:*",
        ] {
            assert!(covers_every_entity(yes, "role"), "{yes}");
        }
        for no in [
            "arn:aws:iam::111122223333:role/worker",
            "arn:aws:iam::111122223333:role/ci-*",
            "arn:aws:iam::111122223333:role/service-role/*",
            "arn:aws:iam::111122223333:user/*",
            "arn:aws:s3:::*",
            "arn:aws:lambda:*",
            "",
        ] {
            assert!(!covers_every_entity(no, "role"), "{no}");
        }
        assert!(covers_every_entity("arn:aws:iam::*:user/*", "user"));
    }

    #[test]
    fn glob() {
        assert!(glob_match_ci("lambda.amazonaws.com", "lambda.amazonaws.com"));
        assert!(glob_match_ci("*.amazonaws.com", "ecs-tasks.amazonaws.com"));
        assert!(glob_match_ci("Lambda.amazonaws.co?", "lambda.amazonaws.com"));
        assert!(!glob_match_ci(
            "ecs-tasks.amazonaws.com",
            "lambda.amazonaws.com"
        ));
    }

    #[test]
    fn fires_on_escalation_paths() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "pass role on * with create function, two statements",
                r#"{ Effect = "Allow", Action = ["lambda:CreateFunction"], Resource = "*" },
                   { Effect = "Allow", Action = "iam:PassRole", Resource = "*" }"#,
                "`iam:PassRole` on every role with `lambda:CreateFunction`",
            ),
            (
                "pass role on every role of the account, ECS",
                r#"{ Effect = "Allow", Action = ["ecs:RunTask", "iam:PassRole"], Resource = ["arn:aws:iam::111122223333:role/*", "arn:aws:ecs:eu-west-1:111122223333:task-definition/jobs:*"] }"#,
                "`iam:PassRole` on every role with `ecs:RunTask`",
            ),
            (
                "create policy version on a named policy",
                r#"{ Effect = "Allow", Action = "iam:CreatePolicyVersion", Resource = "arn:aws:iam::111122223333:policy/app" }"#,
                "`iam:CreatePolicyVersion`",
            ),
            (
                "create policy version, unknown resource",
                r#"{ Effect = "Allow", Action = "IAM:createpolicyversion", Resource = var.unset }"#,
                "`iam:CreatePolicyVersion`",
            ),
            (
                "attach role policy on *",
                r#"{ Effect = "Allow", Action = "iam:AttachRolePolicy", Resource = "*" }"#,
                "`iam:AttachRolePolicy` on every role",
            ),
            (
                "put user policy on every user",
                r#"{ Effect = "Allow", Action = "iam:PutUserPolicy", Resource = "arn:aws:iam::*:user/*" }"#,
                "`iam:PutUserPolicy` on every user",
            ),
            (
                "assume any role",
                r#"{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "*" }"#,
                "`sts:AssumeRole` on every role",
            ),
            (
                "Put* pattern",
                r#"{ Effect = "Allow", Action = "iam:Put*", Resource = "*" }"#,
                "`iam:PutRolePolicy` on every role, `iam:PutUserPolicy` on every user (through `iam:Put*`)",
            ),
            (
                "service wildcard with pass role",
                r#"{ Effect = "Allow", Action = ["glue:*", "iam:PassRole"], Resource = "*" }"#,
                "`iam:PassRole` on every role with `glue:CreateJob`",
            ),
            (
                "passed to the service that runs code",
                r#"{ Effect = "Allow", Action = "states:CreateStateMachine", Resource = "*" },
                   { Effect = "Allow", Action = "iam:PassRole", Resource = "*", Condition = { StringEquals = { "iam:PassedToService" = "states.amazonaws.com" } } }"#,
                "`iam:PassRole` on every role with `states:CreateStateMachine`",
            ),
        ];
        for (name, statements, expected) in cases {
            let m = messages(&policy(statements));
            assert_eq!(m.len(), 1, "{name}: {m:#?}");
            assert!(m[0].contains(expected), "{name}: {}", m[0]);
        }
    }

    #[test]
    fn iam_star_lists_every_path_once() {
        let m = messages(&policy(
            r#"{ Effect = "Allow", Action = ["iam:*", "ec2:RunInstances"], Resource = "*" }"#,
        ));
        assert_eq!(
            m,
            [
                "statement grants privilege escalation: `iam:CreatePolicyVersion`, \
              `iam:AttachRolePolicy` on every role, `iam:PutRolePolicy` on every role, \
              `iam:AttachUserPolicy` on every user, `iam:PutUserPolicy` on every user, \
              `iam:PassRole` on every role with `ec2:RunInstances` (through `iam:*`)"
            ]
        );
    }

    #[test]
    fn star_with_pass_role_and_denies() {
        // `*` expands to the whole catalogue; the document's grants and denies are sets
        // built once, shared by every element that grants `iam:PassRole`.
        let m = messages(&policy(
            r#"
      { Effect = "Allow", Action = "*", Resource = "*" },
      { Effect = "Deny", Action = ["lambda:*", "ecs:Register*", "sts:AssumeRole"], Resource = "*" },
      { Effect = "Allow", Action = "iam:PassRole", Resource = "*", Condition = { StringEquals = { "iam:PassedToService" = "ec2.amazonaws.com" } } },
      { Effect = "Allow", Action = ["IAM:passrole", "s3:GetObject"], Resource = "arn:aws:iam::111122223333:role/*" },
"#,
        ));
        assert_eq!(
            m,
            [
                "statement grants privilege escalation: `iam:CreatePolicyVersion`, \
                 `iam:AttachRolePolicy` on every role, `iam:PutRolePolicy` on every role, \
                 `iam:AttachUserPolicy` on every user, `iam:PutUserPolicy` on every user, \
                 `iam:PassRole` on every role with `ecs:RunTask` (through `*`)",
                "statement grants privilege escalation: `iam:PassRole` on every role with \
                 `ec2:RunInstances`",
                "statement grants privilege escalation: `iam:PassRole` on every role with \
                 `ecs:RunTask`",
            ]
        );
    }

    #[test]
    fn quiet_on_precision_cases() {
        let cases: &[(&str, &str)] = &[
            (
                "create policy version on a bucket grants nothing (issue 13)",
                r#"{ Effect = "Allow", Action = "iam:CreatePolicyVersion", Resource = "arn:aws:s3:::reports/*" }"#,
            ),
            (
                "create policy version on roles grants nothing",
                r#"{ Effect = "Allow", Action = ["iam:CreatePolicyVersion"], Resource = ["arn:aws:iam::111122223333:role/app", "arn:aws:sqs:eu-west-1:111122223333:q"] }"#,
            ),
            (
                "pass role on * with create function only on a bucket",
                r#"{ Effect = "Allow", Action = ["lambda:CreateFunction"], Resource = "arn:aws:s3:::code/*" },
                   { Effect = "Allow", Action = "iam:PassRole", Resource = "*" }"#,
            ),
            (
                "pass role on an exact role",
                r#"{ Effect = "Allow", Action = ["lambda:CreateFunction", "iam:PassRole"], Resource = ["arn:aws:iam::111122223333:role/worker", "arn:aws:lambda:eu-west-1:111122223333:function:orders"] }"#,
            ),
            (
                "pass role on a name pattern",
                r#"{ Effect = "Allow", Action = "lambda:CreateFunction", Resource = "*" },
                   { Effect = "Allow", Action = "iam:PassRole", Resource = "arn:aws:iam::111122223333:role/orders-*" }"#,
            ),
            (
                "pass role on * with nothing that uses it",
                r#"{ Effect = "Allow", Action = ["iam:PassRole", "s3:GetObject"], Resource = "*" }"#,
            ),
            (
                "pass role to another service",
                r#"{ Effect = "Allow", Action = "lambda:CreateFunction", Resource = "*" },
                   { Effect = "Allow", Action = "iam:PassRole", Resource = "*", Condition = { StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" } } }"#,
            ),
            (
                "attach limited to one policy",
                r#"{ Effect = "Allow", Action = "iam:AttachRolePolicy", Resource = "*", Condition = { ArnEquals = { "iam:PolicyARN" = "arn:aws:iam::aws:policy/ReadOnlyAccess" } } }"#,
            ),
            (
                "attach on a named role",
                r#"{ Effect = "Allow", Action = ["iam:AttachRolePolicy", "iam:PutRolePolicy"], Resource = "arn:aws:iam::111122223333:role/app" }"#,
            ),
            (
                "assume a named role",
                r#"{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "arn:aws:iam::444455556666:role/deploy" }"#,
            ),
            (
                "patterns that miss the escalation actions",
                r#"{ Effect = "Allow", Action = ["iam:Get*", "iam:List*", "sts:GetCallerIdentity", "sts:AssumeRoleWith*"], Resource = "*" }"#,
            ),
            (
                "deny takes it back",
                r#"{ Effect = "Allow", Action = "iam:*", Resource = "*" },
                   { Effect = "Deny", Action = ["iam:CreatePolicyVersion", "iam:Attach*", "iam:Put*", "iam:PassRole"], Resource = "*" }"#,
            ),
            (
                "deny statement itself",
                r#"{ Effect = "Deny", Action = "iam:CreatePolicyVersion", Resource = "*" }"#,
            ),
            (
                "NotAction is IAM001's",
                r#"{ Effect = "Allow", NotAction = "s3:*", Resource = "*" }"#,
            ),
            (
                "unknown action and resource",
                r#"{ Effect = "Allow", Action = var.unset, Resource = "*" },
                   { Effect = "Allow", Action = "iam:AttachRolePolicy", Resource = var.unset }"#,
            ),
        ];
        for (name, statements) in cases {
            let m = messages(&policy(statements));
            assert!(m.is_empty(), "{name}: {m:#?}");
        }
    }

    #[test]
    fn policy_documents_and_resource_policies() {
        let f = lint_hcl(
            RULE,
            r#"data "aws_iam_policy_document" "deployer" {
  statement {
    actions   = ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"]
    resources = ["*"]
  }
  statement {
    actions   = ["iam:PassRole"]
    resources = ["*"]
  }
}
resource "aws_iam_role_policy" "deployer" {
  role   = "deployer"
  policy = data.aws_iam_policy_document.deployer.json
}
data "aws_iam_policy_document" "scoped" {
  statement {
    actions   = ["lambda:CreateFunction"]
    resources = ["*"]
  }
  statement {
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.worker.arn]
  }
}
resource "aws_iam_role" "worker" {
  name = "worker"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
resource "aws_kms_key" "k" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "*", Resource = "*" }]
  })
}
"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].resource.as_deref(),
            Some("data.aws_iam_policy_document.deployer")
        );
        assert_eq!(f[0].attribute.as_deref(), Some("statement[1].actions"));
        assert_eq!(f[0].location.line, 7);
    }

    #[test]
    fn variables_and_tfvars() {
        let main = r#"variable "pass_role_arns" {
  type    = list(string)
  default = ["*"]
}
resource "aws_iam_role_policy" "ci" {
  role = "ci"
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = ["cloudformation:CreateStack", "cloudformation:UpdateStack"], Resource = "*" },
      { Effect = "Allow", Action = "iam:PassRole", Resource = var.pass_role_arns },
    ]
  })
}
"#;
        assert_eq!(lint_files_with(RULE, &[("main.tf", main)], None).len(), 1);
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                (
                    "terraform.tfvars",
                    "pass_role_arns = [\"arn:aws:iam::111122223333:role/cfn-exec\"]\n",
                ),
            ],
            None,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_iam_role_policy" "deployer" {
  role = "deployer"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["lambda:CreateFunction", "lambda:UpdateFunctionCode"]
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = ["iam:PassRole", "iam:CreatePolicyVersion"]
        Resource = "*"
      },
    ]
  })
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
