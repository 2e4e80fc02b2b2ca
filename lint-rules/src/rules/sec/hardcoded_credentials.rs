use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::references::walk_attributes;
use tfstack_model::{Block, Expr, ExprKind, Origin, OriginKind, TemplatePart, Value, ValueKind};
use std::sync::Arc;

declare_rule! {
    /// ## What it does
    /// Flags credentials written into the configuration:
    ///
    /// - an AWS access key ID (`AKIA`/`ASIA` and 16 uppercase letters or digits) in any string
    ///   literal of a block when a string literal of the same block holds a secret access key
    ///   (40 characters of `A-Z a-z 0-9 / +`, with upper case, lower case and a digit), or
    ///   both in values of the same tfvars file;
    /// - a literal `access_key`, `secret_key` or `token` in a `provider "aws"` block or an
    ///   S3 `backend`;
    /// - a literal default of a variable named like a secret;
    /// - a literal value of a Lambda environment variable (`environment.variables`), or of an
    ///   ECS container definition's `environment` entry, named like a secret.
    ///
    /// A name is like a secret when its last word is `password`, `passwd`, `secret` or
    /// `token`, or it ends in `api_key`/`apikey`, `secret_key`, `private_key`, or has
    /// `secret` before a final `key` (`AWS_SECRET_ACCESS_KEY`); words are split at `_`, `-`,
    /// `.` and camelCase, and case does not matter: `DB_PASSWORD`, `github_token`,
    /// `stripeApiKey`, `client-secret`.
    ///
    /// Literal means written as a string in the code (a typed stack's Rust string included):
    /// not a reference to a variable, a resource, a data source or a function result.
    ///
    /// ## Why is this bad?
    /// Code is copied, reviewed, logged, shared and kept in version control forever: a
    /// credential in it is readable by everyone who ever had the repository, and removing it
    /// later does not take it out of the history. Terraform also stores every argument in
    /// the state in plain text. Seed 002 lists both: "claves en repositorios" and
    /// "accesos con claves hardcodeadas".
    ///
    /// ## What it deliberately does not flag
    /// - An access key ID without a secret access key next to it (an ID alone grants
    ///   nothing and appears in policies, logs and docs), AWS's documented example keys
    ///   (`AKIAIOSFODNN7EXAMPLE`, anything containing `EXAMPLE`), and 40-character strings
    ///   without upper case, lower case and a digit (hex digests such as commit IDs).
    /// - Values that are not secrets: empty strings, numbers and booleans (`"3600"`,
    ///   `"true"`), and obvious placeholders — `changeme`, `replace-me`, `placeholder`,
    ///   `todo`, `tbd`, `dummy`, `none`, `null`, `n/a`, `redacted`, `<your-token>`, a run of
    ///   one symbol (`xxxx`, `****`) and values starting with `your`. A placeholder deployed
    ///   as is would be a weak secret, but it is not a leaked one.
    /// - Values that say where a secret is kept: ARNs (`arn:aws:secretsmanager:…`), SSM
    ///   parameter names (`/prod/db/password`), lowercase paths such as Secrets Manager
    ///   names (`prod/orders/db`), `{{resolve:…}}` dynamic references. A secret's name
    ///   without a `/` (`DB_SECRET = "orders-db"`) cannot be told from a secret and is
    ///   flagged: name such variables `…_SECRET_NAME` or `…_SECRET_ARN`.
    /// - References (`var.db_password`, `aws_secretsmanager_secret_version.db.secret_string`,
    ///   `random_password.db.result`): where the value comes from is the point. The
    ///   variable's own literal default is flagged instead.
    /// - Values of tfvars files other than access key pairs: tfvars are where values a
    ///   module does not hardcode come from (keep the ones holding secrets out of version
    ///   control).
    /// - ECS `secrets` (`valueFrom`), Docker labels and other containers' settings, and
    ///   environment variables whose names say nothing (`DATABASE_URL` may embed a password;
    ///   the rule cannot tell).
    /// - Plans (`terraform show -json`): every value in a plan looks literal.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lambda_function" "api" {
    ///   function_name = "api"
    ///   # …
    ///   environment {
    ///     variables = {
    ///       DB_PASSWORD = "s3cr3t-Pa55word"
    ///     }
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_lambda_function" "api" {
    ///   function_name = "api"
    ///   # …
    ///   environment {
    ///     variables = {
    ///       DB_PASSWORD_SECRET_ARN = aws_secretsmanager_secret.db.arn
    ///     }
    ///   }
    /// }
    /// ```
    pub struct HardcodedCredentials {
        id: "SEC001",
        name: "hardcoded-credentials",
        severity: Error,
    }
}

/// Provider and backend arguments that hold credentials.
const CREDENTIAL_ARGUMENTS: &[&str] = &["access_key", "secret_key", "token"];

/// What is hardcoded, for the wording.
#[derive(Debug)]
enum Hardcoded<'a> {
    /// An access key ID with a secret access key next to it.
    AccessKey { key_id: &'a str },
    /// A credential argument of a provider or backend.
    Credential { argument: &'a str, owner: &'a str },
    /// A variable's default.
    VariableDefault { variable: &'a str },
    /// An environment variable of a function or container.
    Environment { name: &'a str, owner: &'a str },
}

impl Rule for HardcodedCredentials {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // Every block, also one whose `count` is 0: a credential written in the code is
        // exposed whether or not the block is created.
        for block in &cx.module.config.blocks {
            if is_from_plan(cx, block) {
                continue;
            }
            access_keys_in_block(block, out);
            match block.kind.as_str() {
                "provider" if block.type_label() == "aws" => {
                    credential_arguments(block, &block.address(), "", &block.body, out)
                }
                "terraform" => {
                    for backend in block.body.blocks_of("backend") {
                        if backend.type_label() == "s3" {
                            credential_arguments(
                                block,
                                "backend \"s3\"",
                                "backend.",
                                &backend.body,
                                out,
                            );
                        }
                    }
                }
                "variable" => variable_default(block, out),
                "resource" if block.type_label() == "aws_lambda_function" => {
                    for env in block.body.blocks_of("environment") {
                        if let Some(vars) = env.body.get("variables") {
                            let mut hits = Vec::new();
                            named_values(cx, vars, 0, &mut hits);
                            for (name, origin) in hits {
                                out.push(finding(
                                    &Hardcoded::Environment {
                                        name: &name,
                                        owner: &block.address(),
                                    },
                                    origin,
                                    block.address(),
                                    format!("environment.variables.{name}"),
                                ));
                            }
                        }
                    }
                }
                "resource" if block.type_label() == "aws_ecs_task_definition" => {
                    if let Some(defs) = block.body.get("container_definitions") {
                        let mut hits = Vec::new();
                        container_environment(cx, defs, 0, &mut hits);
                        for (name, origin) in hits {
                            out.push(finding(
                                &Hardcoded::Environment {
                                    name: &name,
                                    owner: &block.address(),
                                },
                                origin,
                                block.address(),
                                "container_definitions".to_string(),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        access_keys_in_tfvars(cx, out);
    }
}

/// Whether a block was read from a plan (`terraform show -json`).
fn is_from_plan(cx: &Context, block: &Block) -> bool {
    let Some((file, _)) = block.origin.file_span() else {
        return false;
    };
    let files = cx.eval.files.borrow();
    let path = files.get(file).path.as_os_str().as_encoded_bytes();
    path.ends_with(b".json") && !path.ends_with(b".tf.json")
}

/// Access key IDs in the string literals of a block with a secret access key among them.
/// A provider's or backend's credential arguments are left to [`credential_arguments`].
///
/// A first pass looks for a secret access key without copying anything; only a block
/// that has one is walked again for key IDs.
fn access_keys_in_block(block: &Block, out: &mut Vec<Finding>) {
    let mut paired = false;
    block_literals(block, &mut |_, s, _| {
        paired = paired || has_secret_access_key(s)
    });
    if !paired {
        return;
    }
    block_literals(block, &mut |path, s, origin| {
        for key_id in access_key_ids(s) {
            out.push(finding(
                &Hardcoded::AccessKey { key_id },
                origin.or(block.origin),
                block.address(),
                path.to_string(),
            ));
        }
    });
}

/// Calls `f` with the attribute path, text and origin of every string literal (and
/// literal template part) of a block, skipping a provider's or backend's credential
/// arguments.
fn block_literals(block: &Block, f: &mut dyn FnMut(&str, &str, Origin)) {
    let credential_owner =
        (block.kind == "provider" && block.type_label() == "aws") || block.kind == "terraform";
    walk_attributes(&block.body, &mut |path, expr| {
        let last = path.rsplit('.').next().unwrap_or(path);
        if credential_owner && CREDENTIAL_ARGUMENTS.contains(&last) {
            return;
        }
        expr.visit(&mut |e| match &e.kind {
            ExprKind::String(s) => f(path, s, e.origin),
            ExprKind::Template(t) => {
                for part in &t.parts {
                    if let TemplatePart::Literal(s) = part {
                        f(path, s, e.origin);
                    }
                }
            }
            _ => {}
        });
    });
}

/// Access key pairs among the values of one tfvars file.
fn access_keys_in_tfvars(cx: &Context, out: &mut Vec<Finding>) {
    let files = cx.eval.files.borrow();
    let mut names: Vec<&String> = cx.module.variables.keys().collect();
    names.sort();
    // (file, variable, string, origin)
    let mut strings: Vec<(u32, &str, String, Origin)> = Vec::new();
    for name in names {
        let value = &cx.module.variables[name];
        collect_value_strings(value, &mut |s, origin| {
            if let Some((file, _)) = origin.file_span() {
                let path = files.get(file).path.to_string_lossy().to_string();
                if path.ends_with(".tfvars") || path.ends_with(".tfvars.json") {
                    strings.push((file.0, name, s.to_string(), origin));
                }
            }
        });
    }
    // Files holding a secret access key: one pass, so that pairing stays linear.
    let paired: std::collections::HashSet<u32> = strings
        .iter()
        .filter(|(_, _, s, _)| has_secret_access_key(s))
        .map(|(file, _, _, _)| *file)
        .collect();
    for (file, name, s, origin) in &strings {
        if !paired.contains(file) {
            continue;
        }
        for key_id in access_key_ids(s) {
            out.push(finding(
                &Hardcoded::AccessKey { key_id },
                *origin,
                format!("var.{name}"),
                String::new(),
            ));
        }
    }
}

fn collect_value_strings(v: &Value, f: &mut dyn FnMut(&str, Origin)) {
    match &v.kind {
        ValueKind::String(s) => f(s, v.origin),
        ValueKind::List(items) => items.iter().for_each(|i| collect_value_strings(i, f)),
        ValueKind::Object(m) => m.values().for_each(|i| collect_value_strings(i, f)),
        _ => {}
    }
}

/// Literal credential arguments of a `provider "aws"` block or an S3 backend.
fn credential_arguments(
    block: &Block,
    owner: &str,
    path_prefix: &str,
    body: &tfstack_model::Body,
    out: &mut Vec<Finding>,
) {
    for argument in CREDENTIAL_ARGUMENTS {
        let Some(attribute) = body.attribute(argument) else {
            continue;
        };
        let Some(value) = literal_string(&attribute.value) else {
            continue;
        };
        if !could_be_secret(&value) {
            continue;
        }
        out.push(finding(
            &Hardcoded::Credential { argument, owner },
            attribute.value.origin.or(attribute.origin),
            block.address(),
            format!("{path_prefix}{argument}"),
        ));
    }
}

/// A literal default of a variable named like a secret.
fn variable_default(block: &Block, out: &mut Vec<Finding>) {
    let name = block.type_label();
    if !is_secret_name(name) {
        return;
    }
    let Some(default) = block.body.get("default") else {
        return;
    };
    if literal_string(default).is_some_and(|v| could_be_secret(&v)) {
        out.push(finding(
            &Hardcoded::VariableDefault { variable: name },
            default.origin.or(block.origin),
            block.address(),
            "default".to_string(),
        ));
    }
}

/// How deep locals that refer to locals are followed.
const MAX_DEPTH: usize = 8;

/// Members of object expressions named like secrets and holding literal secrets, through
/// `merge(…)`, conditionals and locals: (name, origin of the value).
fn named_values(cx: &Context, expr: &Expr, depth: usize, out: &mut Vec<(String, Origin)>) {
    if depth > MAX_DEPTH {
        return;
    }
    match &expr.kind {
        ExprKind::Object(items) => {
            for item in items {
                let Some(name) = item.key.as_str() else {
                    continue;
                };
                if is_secret_name(name)
                    && literal_string(&item.value).is_some_and(|v| could_be_secret(&v))
                {
                    out.push((name.to_string(), item.value.origin.or(item.origin)));
                }
            }
        }
        _ => for_each_child(cx, expr, depth, &mut |cx, e, d| named_values(cx, e, d, out)),
    }
}

/// `environment` entries (`{ name = "…", value = "…" }`) of container definitions written
/// with `jsonencode`, as heredoc JSON or in a JSON file: (name, origin of the value).
fn container_environment(cx: &Context, expr: &Expr, depth: usize, out: &mut Vec<(String, Origin)>) {
    if depth > MAX_DEPTH {
        return;
    }
    match &expr.kind {
        ExprKind::FunctionCall(c) if c.name == "jsonencode" => {
            if let Some(arg) = c.args.first() {
                name_value_objects(cx, arg, depth, out);
            }
        }
        ExprKind::Traversal(t) if t.root == "local" && t.operators.len() == 1 => {
            if let Some(inner) = t
                .attribute_names()
                .next()
                .and_then(|n| cx.eval.local_expr(n))
            {
                container_environment(cx, inner, depth + 1, out);
            }
        }
        ExprKind::FunctionCall(c) if c.name == "file" || c.name == "templatefile" => {
            json_name_values(cx, expr, out)
        }
        ExprKind::Template(t) if t.heredoc.is_some() => json_name_values(cx, expr, out),
        _ => {}
    }
}

/// `{ name = "<secret-like>", value = "<literal>" }` objects in an HCL expression.
fn name_value_objects(cx: &Context, expr: &Expr, depth: usize, out: &mut Vec<(String, Origin)>) {
    if depth > MAX_DEPTH {
        return;
    }
    if let ExprKind::Object(items) = &expr.kind {
        let member = |key: &str| items.iter().find(|i| i.key.as_str() == Some(key));
        if let (Some(name), Some(value)) = (member("name"), member("value")) {
            if let Some(name) = literal_string(&name.value) {
                if is_secret_name(&name)
                    && literal_string(&value.value).is_some_and(|v| could_be_secret(&v))
                {
                    out.push((name, value.value.origin.or(value.origin)));
                }
            }
            return;
        }
    }
    for_each_child(cx, expr, depth, &mut |cx, e, d| {
        name_value_objects(cx, e, d, out)
    });
}

/// The same, in JSON text (heredoc, `file()`, `templatefile()`): a value is literal when
/// its text has no interpolation.
fn json_name_values(cx: &Context, expr: &Expr, out: &mut Vec<(String, Origin)>) {
    let Some(doc) = tfstack_lint_engine::query::policy::document_value(cx, expr) else {
        return;
    };
    fn walk(cx: &Context, v: &Value, out: &mut Vec<(String, Origin)>) {
        match &v.kind {
            ValueKind::Object(m) => {
                let name = m.get("name").and_then(Value::as_str);
                let value = m.get("value");
                if let (Some(name), Some(value)) = (name, value) {
                    if is_secret_name(name)
                        && value.as_str().is_some_and(could_be_secret)
                        && written_literally(cx, value.origin)
                    {
                        out.push((name.to_string(), value.origin));
                    }
                    return;
                }
                m.values().for_each(|i| walk(cx, i, out));
            }
            ValueKind::List(items) => items.iter().for_each(|i| walk(cx, i, out)),
            _ => {}
        }
    }
    walk(cx, &doc, out);
}

/// Whether the text at an origin is written without interpolation.
fn written_literally(cx: &Context, origin: Origin) -> bool {
    match origin.kind() {
        OriginKind::File { file, span } => {
            let file = Arc::clone(cx.eval.files.borrow().get(file));
            file.text_at(span)
                .is_some_and(|t| !t.contains("${") && !t.contains("%{"))
        }
        OriginKind::Rust(_) => true,
        OriginKind::Generated => false,
    }
}

/// Calls `f` on the sub-expressions of `merge(…)`, conditionals, parentheses, lists and
/// object members, and on the definition of a `local.x`.
fn for_each_child(
    cx: &Context,
    expr: &Expr,
    depth: usize,
    f: &mut dyn FnMut(&Context, &Expr, usize),
) {
    match &expr.kind {
        ExprKind::FunctionCall(c) => c.args.iter().for_each(|a| f(cx, a, depth + 1)),
        ExprKind::Conditional(c) => {
            f(cx, &c.true_expr, depth + 1);
            f(cx, &c.false_expr, depth + 1);
        }
        ExprKind::Parenthesis(e) => f(cx, e, depth + 1),
        ExprKind::Tuple(items) => items.iter().for_each(|i| f(cx, i, depth + 1)),
        ExprKind::Object(items) => items.iter().for_each(|i| f(cx, &i.value, depth + 1)),
        ExprKind::Traversal(t) if t.root == "local" && t.operators.len() == 1 => {
            if let Some(inner) = t
                .attribute_names()
                .next()
                .and_then(|n| cx.eval.local_expr(n))
            {
                f(cx, inner, depth + 1);
            }
        }
        _ => {}
    }
}

/// The text of a string literal (a template without interpolations counts).
fn literal_string(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::String(s) => Some(s.to_string()),
        ExprKind::Template(t) => {
            let mut out = String::new();
            for part in &t.parts {
                match part {
                    TemplatePart::Literal(s) => out.push_str(s),
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// The words of a name: split at `_`, `-`, `.` and lower-to-upper camelCase, lowercased.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if matches!(c, '_' | '-' | '.' | ' ') {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether a variable or environment variable name says it holds a secret.
fn is_secret_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    match last.as_str() {
        "password" | "passwd" | "secret" | "token" | "apikey" => true,
        "key" => {
            let previous = words.len().checked_sub(2).map(|i| words[i].as_str());
            matches!(previous, Some("api" | "secret" | "private"))
                || words.iter().any(|w| w == "secret")
        }
        _ => false,
    }
}

/// Whether a literal could be a secret: not empty, not a number or boolean, not a
/// placeholder, not the location of a secret.
fn could_be_secret(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || v.parse::<f64>().is_ok() || v == "true" || v == "false" {
        return false;
    }
    // Where a secret is kept, not the secret: an ARN, a dynamic reference, an SSM parameter
    // name, or a lowercase path such as a Secrets Manager name (`prod/orders/db`).
    let lowercase_path = v.contains('/')
        && v.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'/' | b'-' | b'_' | b'.')
        });
    if lowercase_path
        || v.starts_with("arn:")
        || v.starts_with("{{resolve:")
        || (v.starts_with('/') && !v.contains(' '))
    {
        return false;
    }
    if (v.starts_with('<') && v.ends_with('>')) || (v.starts_with("{{") && v.ends_with("}}")) {
        return false;
    }
    let mut chars = v.chars();
    if let Some(first) = chars.next() {
        if !first.is_alphanumeric() && chars.all(|c| c == first) {
            return false;
        }
    }
    let squashed: String = v
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if !squashed.is_empty() && squashed.bytes().all(|b| b == b'x') {
        return false;
    }
    const PLACEHOLDERS: &[&str] = &[
        "changeme",
        "replaceme",
        "placeholder",
        "todo",
        "tbd",
        "fixme",
        "dummy",
        "none",
        "null",
        "nil",
        "na",
        "undefined",
        "redacted",
        "secret",
        "password",
        "token",
    ];
    !(PLACEHOLDERS.contains(&squashed.as_str())
        || squashed.starts_with("changeme")
        || squashed.starts_with("replaceme")
        || squashed.starts_with("placeholder")
        || squashed.starts_with("your"))
}

/// Access key IDs in a string: `AKIA`/`ASIA` and 16 of `A-Z0-9`, not inside a longer
/// run of such characters, not AWS's documented examples.
fn access_key_ids(s: &str) -> Vec<&str> {
    let bytes = s.as_bytes();
    let is_key_byte = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 20 <= bytes.len() {
        let starts = (bytes[i..].starts_with(b"AKIA") || bytes[i..].starts_with(b"ASIA"))
            && (i == 0 || !is_key_byte(bytes[i - 1]));
        if starts
            && bytes[i + 4..i + 20].iter().all(|b| is_key_byte(*b))
            && bytes.get(i + 20).is_none_or(|b| !is_key_byte(*b))
        {
            let key = &s[i..i + 20];
            if !key.contains("EXAMPLE") {
                out.push(key);
            }
            i += 20;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether a string holds a secret access key: a run of exactly 40 characters of
/// `A-Za-z0-9/+` with upper case, lower case and a digit, not AWS's documented example.
fn has_secret_access_key(s: &str) -> bool {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '/' || c == '+'))
        .any(|run| {
            run.len() == 40
                && run.bytes().any(|b| b.is_ascii_uppercase())
                && run.bytes().any(|b| b.is_ascii_lowercase())
                && run.bytes().any(|b| b.is_ascii_digit())
                && !run.contains("EXAMPLE")
        })
}

/// `AKIA…MPLE`: enough to find the key, not all of it.
fn masked(key_id: &str) -> String {
    let tail = key_id.get(key_id.len().saturating_sub(4)..).unwrap_or("");
    format!("{}…{tail}", key_id.get(..4).unwrap_or(""))
}

fn finding(what: &Hardcoded, origin: Origin, resource: String, attribute: String) -> Finding {
    let (message, label, help) = match what {
        Hardcoded::AccessKey { key_id } => (
            format!(
                "AWS access key `{}` is hardcoded together with a secret access key",
                masked(key_id)
            ),
            "AWS access key",
            "deactivate and rotate the key now (it stays in the history), and use a role, \
             environment variables or a profile instead",
        ),
        Hardcoded::Credential { argument, owner } => (
            format!("`{argument}` of `{owner}` is hardcoded"),
            "hardcoded credential",
            "remove it and let the credentials come from the environment, a profile or an \
             assumed role; rotate the key",
        ),
        Hardcoded::VariableDefault { variable } => (
            format!("variable `{variable}` has a hardcoded secret as its default"),
            "hardcoded secret",
            "remove the default and pass the value at apply time (`TF_VAR_…`), or read it from \
             Secrets Manager or SSM Parameter Store; rotate it",
        ),
        Hardcoded::Environment { name, owner } => (
            format!("environment variable `{name}` of `{owner}` holds a hardcoded secret"),
            "hardcoded secret",
            "keep the secret in Secrets Manager or SSM Parameter Store and pass its ARN or name \
             (ECS: `secrets` with `valueFrom`); rotate it",
        ),
    };
    Finding::new(&HardcodedCredentials::META, message)
        .at(origin)
        .label(label.to_string())
        .help(help.to_string())
        .resource(resource)
        .attribute((!attribute.is_empty()).then_some(attribute))
}

#[cfg(test)]
mod tests {
    use super::{access_key_ids, could_be_secret, has_secret_access_key, is_secret_name};
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "SEC001";
    // Made-up credentials of the real shapes (not AWS's documented examples).
    const KEY_ID: &str = "AKIA2E0A8F3B244C9986";
    const SECRET: &str = "h5Gk0Tq7Zr9mVb2Xc4Nw8Ls1Jd6Pf3Ya0Ue5Io7K";

    #[test]
    fn secret_names() {
        for yes in [
            "DB_PASSWORD",
            "db_password",
            "password",
            "CLIENT_SECRET",
            "client-secret",
            "github_token",
            "SLACK_BOT_TOKEN",
            "STRIPE_API_KEY",
            "stripeApiKey",
            "apikey",
            "AWS_SECRET_ACCESS_KEY",
            "jwt_secret_key",
            "ssh_private_key",
            "dbPasswd",
        ] {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in [
            "DB_PASSWORD_SECRET_ARN_X",
            "SECRET_ARN",
            "TOKEN_TTL",
            "max_tokens",
            "ssh_public_key",
            "kms_key",
            "access_key",
            "PASSWORD_MIN_LENGTH",
            "TABLE_NAME",
            "",
        ] {
            assert!(!is_secret_name(no), "{no}");
        }
    }

    #[test]
    fn secret_values() {
        for yes in [
            "hunter2",
            "s3cr3t-Pa55word",
            "ghp_abcdef0123456789",
            "x1",
            "kT9/pQ+2vXz",
        ] {
            assert!(could_be_secret(yes), "{yes}");
        }
        for no in [
            "",
            "  ",
            "3600",
            "true",
            "changeme",
            "CHANGE_ME",
            "change-me-in-prod",
            "REPLACE_ME",
            "<your-token>",
            "{{ token }}",
            "xxxxxxxx",
            "XXXX-XXXX",
            "********",
            "TODO",
            "n/a",
            "your-api-key-here",
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf",
            "/prod/db/password",
            "prod/orders/db-credentials",
            "{{resolve:secretsmanager:db:SecretString:password}}",
        ] {
            assert!(!could_be_secret(no), "{no}");
        }
    }

    #[test]
    fn key_shapes() {
        assert_eq!(access_key_ids(KEY_ID), [KEY_ID]);
        assert_eq!(
            access_key_ids(&format!("id={KEY_ID};x")),
            [KEY_ID],
            "inside a longer string"
        );
        assert!(access_key_ids("AKIAIOSFODNN7EXAMPLE").is_empty());
        assert!(access_key_ids(&format!("X{KEY_ID}")).is_empty());
        assert!(access_key_ids(&format!("{KEY_ID}9")).is_empty());
        assert!(access_key_ids("AKIA2E0A8F3B244C998").is_empty());
        assert!(has_secret_access_key(SECRET));
        assert!(has_secret_access_key(&format!("{KEY_ID}:{SECRET}")));
        assert!(!has_secret_access_key(
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        ));
        // A commit ID and a 41-character run.
        assert!(!has_secret_access_key(
            "3f786850e387550fdab836ed7e6dc881de23001b"
        ));
        assert!(!has_secret_access_key(&format!("{SECRET}a")));
    }

    #[test]
    fn fires_on_hardcoded_credentials() {
        let cases: Vec<(&str, String, usize)> = vec![
            (
                "provider keys",
                format!(
                    "provider \"aws\" {{\n  region     = \"eu-west-1\"\n  access_key = \"{KEY_ID}\"\n  secret_key = \"{SECRET}\"\n}}\n"
                ),
                2,
            ),
            (
                "backend keys",
                format!(
                    "terraform {{\n  backend \"s3\" {{\n    bucket     = \"state\"\n    key        = \"app.tfstate\"\n    access_key = \"{KEY_ID}\"\n    secret_key = \"{SECRET}\"\n  }}\n}}\n"
                ),
                2,
            ),
            (
                "key pair in a locals block",
                format!(
                    "locals {{\n  ci = {{\n    id     = \"{KEY_ID}\"\n    secret = \"{SECRET}\"\n  }}\n}}\n"
                ),
                1,
            ),
            (
                "key pair in a lambda environment, any names",
                format!(
                    r#"resource "aws_lambda_function" "f" {{
  function_name = "f"
  role          = "arn:aws:iam::111122223333:role/f"
  environment {{
    variables = {{
      UPLOAD_KEY_ID = "{KEY_ID}"
      UPLOAD_KEY    = "{SECRET}"
    }}
  }}
}}
"#
                ),
                1,
            ),
            (
                "variable default",
                "variable \"db_password\" {\n  type      = string\n  sensitive = true\n  default   = \"hunter2-Prod\"\n}\n".to_string(),
                1,
            ),
            (
                "lambda environment, through merge and a local",
                r#"locals {
  common = { LOG_LEVEL = "INFO", SENTRY_TOKEN = "f00dfeed1234" }
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::111122223333:role/f"
  environment {
    variables = merge(local.common, {
      DB_PASSWORD = "s3cr3t-Pa55word"
      TABLE_NAME  = "orders"
    })
  }
}
"#
                .to_string(),
                2,
            ),
            (
                "ECS environment with jsonencode",
                r#"resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([{
    name  = "api"
    image = "api:1"
    environment = [
      { name = "PORT", value = "8080" },
      { name = "STRIPE_API_KEY", value = "sk_live_51Habc" },
    ]
  }])
}
"#
                .to_string(),
                1,
            ),
            (
                "ECS environment in heredoc JSON",
                r#"resource "aws_ecs_task_definition" "api" {
  family                = "api"
  container_definitions = <<EOF
[{"name": "api", "image": "api:1",
  "environment": [{"name": "JWT_SECRET", "value": "q9t8-very-secret"}]}]
EOF
}
"#
                .to_string(),
                1,
            ),
        ];
        for (name, text, expected) in cases {
            let f = lint_hcl(RULE, &text);
            assert_eq!(f.len(), expected, "{name}: {f:#?}");
        }
    }

    #[test]
    fn quiet_on_precision_cases() {
        let cases: Vec<(&str, String)> = vec![
            (
                "key ID alone",
                format!(
                    "resource \"aws_iam_policy\" \"p\" {{\n  description = \"rotated {KEY_ID}\"\n  policy      = \"{{}}\"\n}}\n"
                ),
            ),
            (
                "key pair in different blocks",
                format!(
                    "locals {{\n  id = \"{KEY_ID}\"\n}}\nresource \"aws_ssm_parameter\" \"p\" {{\n  name  = \"p\"\n  type  = \"SecureString\"\n  value = \"{SECRET}\"\n}}\n"
                ),
            ),
            (
                "documented example keys",
                "provider \"aws\" {\n  region = \"eu-west-1\"\n}\nlocals {\n  doc = \"AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"\n}\n".to_string(),
            ),
            (
                "provider from variables and profiles",
                "variable \"secret_key\" {\n  type      = string\n  sensitive = true\n}\nprovider \"aws\" {\n  profile    = \"ci\"\n  secret_key = var.secret_key\n  access_key = \"\"\n}\n".to_string(),
            ),
            (
                "variables: placeholders, empty, no default, not secret names",
                r#"variable "db_password" {
  default = ""
}
variable "api_token" {
  default = "changeme"
}
variable "github_token" {
  type = string
}
variable "password_min_length" {
  default = "16"
}
variable "secret_name" {
  default = "prod/db"
}
variable "admin_password" {
  default = null
}
"#
                .to_string(),
            ),
            (
                "lambda environment: references and secret locations",
                r#"resource "aws_secretsmanager_secret" "db" {
  name = "db"
}
resource "random_password" "jwt" {
  length = 32
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::111122223333:role/f"
  environment {
    variables = {
      DB_PASSWORD_SECRET_ARN = aws_secretsmanager_secret.db.arn
      DB_PASSWORD            = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf"
      API_TOKEN              = "/prod/api/token"
      JWT_SECRET             = random_password.jwt.result
      CLIENT_SECRET          = "${var.client_secret}"
      TOKEN_TTL              = "3600"
    }
  }
}
variable "client_secret" {
  type      = string
  sensitive = true
}
"#
                .to_string(),
            ),
            (
                "ECS secrets and interpolated values",
                r#"variable "api_key" {
  type = string
}
resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([{
    name  = "api"
    image = "api:1"
    environment = [{ name = "STRIPE_API_KEY", value = var.api_key }]
    secrets     = [{ name = "DB_PASSWORD", valueFrom = "arn:aws:ssm:eu-west-1:111122223333:parameter/db" }]
  }])
}
"#
                .to_string(),
            ),
        ];
        for (name, text) in cases {
            let f = lint_hcl(RULE, &text);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn tfvars() {
        let main = "variable \"deploy_key_id\" {}\nvariable \"deploy_key_secret\" {}\nvariable \"db_password\" {}\n";
        // Only the access key pair of a tfvars file is flagged, at the key ID.
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                (
                    "terraform.tfvars",
                    &format!(
                        "deploy_key_id     = \"{KEY_ID}\"\ndeploy_key_secret = \"{SECRET}\"\ndb_password       = \"hunter2-Prod\"\n"
                    ),
                ),
            ],
            None,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.path, "terraform.tfvars");
        assert_eq!(f[0].location.line, 1);
        assert_eq!(f[0].resource.as_deref(), Some("var.deploy_key_id"));
        // The ID alone is no finding.
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                (
                    "terraform.tfvars",
                    &format!("deploy_key_id = \"{KEY_ID}\"\n"),
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
            &format!(
                r#"provider "aws" {{
  region     = "eu-west-1"
  access_key = "{KEY_ID}"
  secret_key = "{SECRET}"
}}

variable "db_password" {{
  type    = string
  default = "hunter2-Prod"
}}

resource "aws_lambda_function" "api" {{
  function_name = "api"
  role          = "arn:aws:iam::111122223333:role/api"
  environment {{
    variables = {{
      TABLE_NAME   = "orders"
      SLACK_TOKEN  = "xoxb-1234-abcd"
    }}
  }}
}}
"#
            ),
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
