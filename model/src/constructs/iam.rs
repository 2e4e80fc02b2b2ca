//! `Role` and least-privilege grants. A role's inline policy is collected from every
//! `grant_*` call and written at synth time as `policies/<role>-policy.json`.

use super::naming::placeholder_name;
use super::stack::{ResourceRef, RolePolicy, Stack, StackFile};
use crate::iam::{PolicyDocument, Principal, Statement};
use crate::ir::{Block, Expr, ExprKind, TemplatePart};
use crate::origin::{Origin, RustLocation};
use std::collections::BTreeMap;

/// Marks a placeholder inside a policy string (a private-use character, never in ARNs).
const PLACEHOLDER_MARK: char = '\u{E000}';

/// An IAM role assumed by one AWS service.
#[derive(Clone, Debug)]
pub struct Role {
    pub(crate) stack: Stack,
    pub(crate) resource: ResourceRef,
    pub(crate) index: usize,
}

impl Role {
    /// A role that only `service` (e.g. `lambda.amazonaws.com`) may assume; its trust
    /// policy is written to `policies/<role name>-trust.json`.
    #[track_caller]
    pub fn for_service(stack: &Stack, id: &str, service: &str) -> Role {
        let location = RustLocation::caller();
        Role::create(stack, id, service, location)
    }

    pub(crate) fn create(stack: &Stack, id: &str, service: &str, location: RustLocation) -> Role {
        let role_name = stack.physical_name(id);
        if role_name.len() > 64 {
            stack.error(
                location,
                format!("role name `{role_name}` is longer than 64 characters"),
                Some("use a shorter construct id or name prefix"),
            );
        }
        let trust = PolicyDocument::new(vec![Statement::new(
            crate::iam::Effect::Allow,
            Origin::rust(location),
        )
        .sid("AssumeRole")
        .principal(Principal::service(service))
        .actions(["sts:AssumeRole"])]);
        let trust_path = format!("policies/{role_name}-trust.json");
        stack.add_file(
            trust_path.clone(),
            StackFile::Text {
                text: trust.to_pretty_json(),
                origins: vec![("/Statement/0".to_string(), location)],
            },
        );
        let block = Block::new("resource", vec!["aws_iam_role".into(), id.to_string()])
            .attr("name", role_name.as_str())
            .attr(
                "assume_role_policy",
                Expr::call("file", vec![Expr::module_path(&trust_path)]),
            );
        let resource = stack.declare("resource", block, location);
        let index = {
            let mut s = stack.0.borrow_mut();
            s.role_policies.push(RolePolicy {
                role_resource: id.to_string(),
                role_name,
                document: PolicyDocument::default(),
                origin: location,
            });
            s.closing.insert("iam role policies", emit_role_policies);
            s.role_policies.len() - 1
        };
        Role {
            stack: stack.clone(),
            resource,
            index,
        }
    }

    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    pub fn name(&self) -> Expr {
        self.resource.name_attr()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }

    /// Allows `actions` on `resources` (ARN expressions: references, templates or
    /// literals). Wildcard actions and `*` resources are a synth error.
    #[track_caller]
    pub fn allow(&self, sid: &str, actions: &[&str], resources: Vec<Expr>) {
        let location = RustLocation::caller();
        self.allow_at(sid, actions, resources, location);
    }

    /// Allows actions that AWS defines without resource-level permissions, on `*` — the
    /// only way a construct writes `"Resource": "*"`. An action that does support
    /// resource-level permissions (or that the embedded table does not know) is a synth
    /// error: grant it on exact ARNs instead.
    #[track_caller]
    pub fn allow_without_resource_level(&self, sid: &str, actions: &[&str]) {
        self.allow_without_resource_level_at(sid, actions, RustLocation::caller());
    }

    pub(crate) fn allow_without_resource_level_at(
        &self,
        sid: &str,
        actions: &[&str],
        location: RustLocation,
    ) {
        use crate::iam_actions::{resource_level, ResourceLevel};
        for a in actions {
            if a.contains('*') || resource_level(a) != ResourceLevel::NotSupported {
                self.stack.error(
                    location,
                    format!(
                        "`{a}` is not an action AWS defines without resource-level permissions"
                    ),
                    Some("grant it on exact ARNs with `allow`"),
                );
            }
        }
        let statement = Statement::new(crate::iam::Effect::Allow, Origin::rust(location))
            .sid(sid)
            .actions(actions.iter().copied())
            .resources(["*"]);
        self.stack.0.borrow_mut().role_policies[self.index]
            .document
            .statements
            .push(statement);
    }

    pub(crate) fn allow_at(
        &self,
        sid: &str,
        actions: &[&str],
        resources: Vec<Expr>,
        location: RustLocation,
    ) {
        for a in actions {
            if *a == "*" || a.ends_with(":*") {
                self.stack.error(
                    location,
                    format!("wildcard action `{a}` in a grant"),
                    Some("grant the exact actions the code calls"),
                );
            }
        }
        let mut texts = Vec::new();
        for r in &resources {
            if r.as_str() == Some("*") {
                self.stack.error(
                    location,
                    "wildcard resource `*` in a grant",
                    Some("grant on the exact ARNs; for actions without resource-level permissions use `allow_without_resource_level`"),
                );
            }
            texts.push(policy_text(r));
        }
        let statement = Statement::new(crate::iam::Effect::Allow, Origin::rust(location))
            .sid(sid)
            .actions(actions.iter().copied())
            .resources(texts);
        self.stack.0.borrow_mut().role_policies[self.index]
            .document
            .statements
            .push(statement);
    }
}

/// Anything that acts through an IAM role (functions, tasks, state machines).
pub trait Grantee {
    fn grantee_role(&self) -> &Role;
}

impl Grantee for Role {
    fn grantee_role(&self) -> &Role {
        self
    }
}

/// A policy string from an ARN expression: literal text stays, each reference becomes a
/// placeholder that synth turns into a `templatefile()` variable.
fn policy_text(e: &Expr) -> String {
    let mut out = String::new();
    push_policy_text(e, &mut out);
    out
}

fn push_policy_text(e: &Expr, out: &mut String) {
    match &e.kind {
        ExprKind::String(s) => out.push_str(s),
        ExprKind::Template(t) => {
            for p in &t.parts {
                match p {
                    TemplatePart::Literal(s) => out.push_str(s),
                    TemplatePart::Interpolation(e) => push_policy_text(e, out),
                    TemplatePart::Directive(d) => out.push_str(d),
                }
            }
        }
        ExprKind::Traversal(t) => {
            let text = t.to_string();
            out.push(PLACEHOLDER_MARK);
            out.push_str(&placeholder_name(&text));
            out.push('=');
            match t.declared_in.id() {
                // The stack that declared it travels with the reference (the key is not an
                // identifier path, so `parse_reference` takes the remembered expression).
                Some(id) => {
                    let key = format!("{text}@{id}");
                    PLACEHOLDER_EXPRESSIONS.with(|m| m.borrow_mut().insert(key.clone(), e.clone()));
                    out.push_str(&key);
                }
                None => out.push_str(&text),
            }
            out.push(PLACEHOLDER_MARK);
        }
        _ => {
            // Other expressions are rendered as their text inside a placeholder.
            let text = remember_expression(e);
            out.push(PLACEHOLDER_MARK);
            out.push_str(&placeholder_name(&text));
            out.push('=');
            out.push_str(&text);
            out.push(PLACEHOLDER_MARK);
        }
    }
}

/// Splits placeholder-marked text into template text (`$${` escaped, placeholders as
/// `${name}`) and the variables it needs; `None` when the text has no placeholder.
fn render_placeholders(text: &str, vars: &mut BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(PLACEHOLDER_MARK) {
        out.push_str(&rest[..start].replace("${", "$${").replace("%{", "%%{"));
        let after = &rest[start + PLACEHOLDER_MARK.len_utf8()..];
        let end = after.find(PLACEHOLDER_MARK).unwrap_or(after.len());
        let token = &after[..end];
        let (name, expr) = token.split_once('=').unwrap_or((token, token));
        // Two expressions of one name (the same address in two stacks) get two variables.
        let mut name = name.to_string();
        let mut n = 1;
        while vars.get(&name).is_some_and(|e| e != expr) {
            n += 1;
            name = format!("{}_{n}", token.split('=').next().unwrap_or(token));
        }
        vars.insert(name.clone(), expr.to_string());
        out.push_str("${");
        out.push_str(&name);
        out.push('}');
        rest = after.get(end + PLACEHOLDER_MARK.len_utf8()..).unwrap_or("");
    }
    out.push_str(&rest.replace("${", "$${").replace("%{", "%%{"));
    out
}

/// Writes each role's collected statements as a policy file and an `aws_iam_role_policy`.
fn emit_role_policies(stack: &Stack) {
    let policies = stack.0.borrow().role_policies.clone();
    for p in policies {
        if p.document.statements.is_empty() {
            continue;
        }
        let policy =
            resource_policy_file(stack, &format!("{}-policy.json", p.role_name), &p.document);
        let block = Block::new(
            "resource",
            vec!["aws_iam_role_policy".into(), p.role_resource.clone()],
        )
        .attr("name", format!("{}-policy", p.role_name))
        .attr(
            "role",
            Expr::reference("aws_iam_role", &[&p.role_resource, "id"]),
        )
        .attr("policy", policy);
        stack.declare("resource", block, p.origin);
    }
}

/// The policy text of an expression (an ARN, an account ID …): literal text stays, each
/// reference becomes a placeholder that [`resource_policy_file`] turns into a
/// `templatefile()` variable.
pub(crate) fn policy_string(e: &Expr) -> String {
    policy_text(e)
}

/// A placeholder for `e` under an explicit template variable `name` (for expressions that
/// are not plain references, e.g. the account ID taken from an ARN).
pub(crate) fn named_placeholder(name: &str, e: &Expr) -> String {
    let text = remember_expression(e);
    format!("{PLACEHOLDER_MARK}{name}={text}{PLACEHOLDER_MARK}")
}

thread_local! {
    /// The expressions behind placeholders that are not plain references, by their text, so
    /// that `parse_reference` gives the expression back (a function call stays a function
    /// call in the IR, and generate → load round-trips).
    static PLACEHOLDER_EXPRESSIONS: std::cell::RefCell<std::collections::HashMap<String, Expr>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// `e`'s text, remembered with `e`.
fn remember_expression(e: &Expr) -> String {
    let text = e.to_string();
    PLACEHOLDER_EXPRESSIONS.with(|m| m.borrow_mut().insert(text.clone(), e.clone()));
    text
}

/// Writes a policy document (a role's, or a bucket's, key's, topic's, queue's), normalized
/// ([`PolicyDocument::normalized`]), to `policies/<file_name>` and returns
/// the expression that reads it: `file(…)`, or `templatefile(…)` with the values its
/// placeholders (in sids, actions, resources, principals and conditions) stand for.
pub(crate) fn resource_policy_file(
    stack: &Stack,
    file_name: &str,
    document: &PolicyDocument,
) -> Expr {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    // Grants made twice write one statement; every Sid is unique.
    let mut doc = document.normalized();
    record_reference_uses(stack, &mut doc);
    // Only a templated file escapes literal `${`: `file()` reads text as it is.
    let mut templated = false;
    for_each_policy_string(&mut doc, &mut |text| {
        templated |= text.contains(PLACEHOLDER_MARK)
    });
    if templated {
        for_each_policy_string(&mut doc, &mut |text| {
            *text = render_placeholders(text, &mut vars)
        });
    }
    let path = format!("policies/{file_name}");
    let origins = doc
        .statements
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((format!("/Statement/{i}"), *s.origin.rust_location()?)))
        .collect();
    stack.add_file(
        path.clone(),
        StackFile::Text {
            text: doc.to_pretty_json(),
            origins,
        },
    );
    let file_arg = Expr::module_path(&path);
    if vars.is_empty() {
        Expr::call("file", vec![file_arg])
    } else {
        let items = vars
            .iter()
            .map(|(name, expr)| (name.clone(), parse_reference(expr)))
            .collect();
        Expr::call("templatefile", vec![file_arg, Expr::object(items)])
    }
}

/// Remembers, for each reference into another stack in `doc`, the Rust line of the
/// statement that uses it: a cross-stack error then points at the grant, not at the role.
fn record_reference_uses(stack: &Stack, doc: &mut PolicyDocument) {
    let mut uses: Vec<(String, RustLocation)> = Vec::new();
    for statement in doc.statements.iter_mut() {
        let Some(&location) = statement.origin.rust_location() else {
            continue;
        };
        let mut single = PolicyDocument::new(vec![statement.clone()]);
        for_each_policy_string(&mut single, &mut |text| {
            for token in text.split(PLACEHOLDER_MARK).skip(1).step_by(2) {
                if let Some((_, key)) = token.split_once('=') {
                    if key.contains('@') {
                        uses.push((key.to_string(), location));
                    }
                }
            }
        });
    }
    let mut state = stack.0.borrow_mut();
    for (key, location) in uses {
        state.reference_uses.entry(key).or_insert(location);
    }
}

/// Calls `f` on every string of a document that may hold a placeholder: sids, actions,
/// resources, principals and condition values.
fn for_each_policy_string(doc: &mut PolicyDocument, f: &mut dyn FnMut(&mut String)) {
    for s in &mut doc.statements {
        if let Some(sid) = &mut s.sid {
            f(sid);
        }
        for r in s
            .actions
            .iter_mut()
            .chain(s.not_actions.iter_mut())
            .chain(s.resources.iter_mut())
            .chain(s.not_resources.iter_mut())
        {
            f(r);
        }
        if let Some(crate::iam::Principal::Map(m)) = &mut s.principal {
            for id in m.values_mut().flatten() {
                f(id);
            }
        }
        for values in s.condition.values_mut().flat_map(|keys| keys.values_mut()) {
            for v in values.iter_mut() {
                f(v);
            }
        }
    }
}

/// Placeholder-marked text (from [`policy_string`] / [`named_placeholder`]) as
/// `templatefile()` text (literal `${` escaped) and the variables it needs, sorted by name
/// (for documents other than policies, e.g. state machine definitions).
pub(crate) fn template_with_placeholders(text: &str) -> (String, Vec<(String, Expr)>) {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let out = render_placeholders(text, &mut vars);
    let vars = vars
        .into_iter()
        .map(|(name, expr)| {
            let e = parse_reference(&expr);
            (name, e)
        })
        .collect();
    (out, vars)
}

/// The placeholder's expression text back as an IR reference.
fn parse_reference(text: &str) -> Expr {
    let mut parts = text.split('.');
    let root = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    if let Some(e) = text
        .contains('@')
        .then(|| PLACEHOLDER_EXPRESSIONS.with(|m| m.borrow().get(text).cloned()))
        .flatten()
    {
        e
    } else if !rest.is_empty()
        && std::iter::once(root)
            .chain(rest.iter().copied())
            .all(crate::ir::is_identifier)
    {
        Expr::reference(root, &rest)
    } else if let Some(e) = PLACEHOLDER_EXPRESSIONS.with(|m| m.borrow().get(text).cloned()) {
        e
    } else {
        Expr::new(ExprKind::Opaque(text.to_string().into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_without_placeholders_is_read_with_file_and_kept_verbatim() {
        let stack = Stack::new("t", crate::environment::Environment::dev());
        let doc = PolicyDocument::new(vec![Statement::allow()
            .actions(["s3:GetObject"])
            .resources(["arn:aws:s3:::b/${aws:username}/*"])]);
        let e = resource_policy_file(&stack, "p.json", &doc);
        assert!(
            matches!(&e.kind, ExprKind::FunctionCall(c) if c.name == "file"),
            "{e}"
        );
        let files = stack.0.borrow().files.clone();
        let Some(StackFile::Text { text, .. }) = files.get("policies/p.json") else {
            panic!("policy file written")
        };
        assert!(text.contains("b/${aws:username}/*"), "{text}");
    }

    #[test]
    fn placeholders_become_template_variables_and_literals_are_escaped() {
        let arn = Expr::reference("aws_dynamodb_table", &["sessions", "arn"]);
        let text = policy_text(&Expr::template(vec![
            TemplatePart::Interpolation(arn),
            TemplatePart::Literal("/index/*".into()),
        ]));
        let mut vars = BTreeMap::new();
        assert_eq!(
            render_placeholders(&text, &mut vars),
            "${dynamodb_table_sessions_arn}/index/*"
        );
        assert_eq!(
            vars["dynamodb_table_sessions_arn"],
            "aws_dynamodb_table.sessions.arn"
        );
        let mut vars = BTreeMap::new();
        assert_eq!(
            render_placeholders("arn:aws:s3:::b/${aws:username}/*", &mut vars),
            "arn:aws:s3:::b/$${aws:username}/*"
        );
        assert!(vars.is_empty());
    }
}
