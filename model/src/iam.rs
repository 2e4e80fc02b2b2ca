//! Typed IAM policy documents, emitted as pretty, deterministic JSON.

use crate::origin::{Origin, RustLocation};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::collections::BTreeMap;

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// A principal: `"*"`, or service / AWS / federated identifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// `"Principal": "*"` — anyone.
    Anyone,
    /// `{"Service": [...]}` and the like; keys sorted.
    Map(BTreeMap<String, Vec<String>>),
}

impl Principal {
    pub fn service(service: &str) -> Self {
        Principal::Map(BTreeMap::from([(
            "Service".to_string(),
            vec![service.to_string()],
        )]))
    }
    pub fn aws(arn: &str) -> Self {
        Principal::Map(BTreeMap::from([("AWS".to_string(), vec![arn.to_string()])]))
    }
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Anyone => s.serialize_str("*"),
            Principal::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, &OneOrMany(v))?;
                }
                map.end()
            }
        }
    }
}

/// Serializes a one-element list as a plain string, as AWS writes it.
struct OneOrMany<'a>(&'a [String]);

impl Serialize for OneOrMany<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.len() == 1 {
            s.serialize_str(&self.0[0])
        } else {
            self.0.serialize(s)
        }
    }
}

/// One statement. Fields serialize in AWS's conventional order.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principal>,
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub resources: Vec<String>,
    pub not_resources: Vec<String>,
    /// operator → key → values, e.g. `StringEquals` → `aws:SourceAccount` → [...].
    pub condition: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// The Rust line that wrote this statement.
    pub origin: Origin,
}

impl Statement {
    #[track_caller]
    pub fn allow() -> Self {
        Statement::new(Effect::Allow, Origin::rust(RustLocation::caller()))
    }
    #[track_caller]
    pub fn deny() -> Self {
        Statement::new(Effect::Deny, Origin::rust(RustLocation::caller()))
    }
    pub fn new(effect: Effect, origin: Origin) -> Self {
        Statement {
            sid: None,
            effect,
            principal: None,
            actions: Vec::new(),
            not_actions: Vec::new(),
            resources: Vec::new(),
            not_resources: Vec::new(),
            condition: BTreeMap::new(),
            origin,
        }
    }
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }
    pub fn actions<I: IntoIterator<Item = S>, S: Into<String>>(mut self, actions: I) -> Self {
        self.actions.extend(actions.into_iter().map(Into::into));
        self
    }
    pub fn resources<I: IntoIterator<Item = S>, S: Into<String>>(mut self, resources: I) -> Self {
        self.resources.extend(resources.into_iter().map(Into::into));
        self
    }
    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }
    pub fn condition(mut self, operator: &str, key: &str, values: &[&str]) -> Self {
        self.condition
            .entry(operator.to_string())
            .or_default()
            .insert(
                key.to_string(),
                values.iter().map(|v| v.to_string()).collect(),
            );
        self
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(sid) = &self.sid {
            map.serialize_entry("Sid", sid)?;
        }
        map.serialize_entry("Effect", &self.effect)?;
        if let Some(p) = &self.principal {
            map.serialize_entry("Principal", p)?;
        }
        if !self.actions.is_empty() {
            map.serialize_entry("Action", &OneOrMany(&self.actions))?;
        }
        if !self.not_actions.is_empty() {
            map.serialize_entry("NotAction", &OneOrMany(&self.not_actions))?;
        }
        if !self.resources.is_empty() {
            map.serialize_entry("Resource", &OneOrMany(&self.resources))?;
        }
        if !self.not_resources.is_empty() {
            map.serialize_entry("NotResource", &OneOrMany(&self.not_resources))?;
        }
        if !self.condition.is_empty() {
            let cond: BTreeMap<&String, BTreeMap<&String, OneOrMany>> = self
                .condition
                .iter()
                .map(|(op, kv)| (op, kv.iter().map(|(k, v)| (k, OneOrMany(v))).collect()))
                .collect();
            map.serialize_entry("Condition", &cond)?;
        }
        map.end()
    }
}

/// A policy document (`Version` 2012-10-17).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyDocument {
    pub statements: Vec<Statement>,
}

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("Version", "2012-10-17")?;
        map.serialize_entry("Statement", &self.statements)?;
        map.end()
    }
}

impl PolicyDocument {
    pub fn new(statements: Vec<Statement>) -> Self {
        PolicyDocument { statements }
    }
    /// Pretty JSON (two-space indent, trailing newline), the same bytes every run.
    /// The same permissions, with every `Sid` unique (IAM rejects a document with duplicate
    /// `Sid`s at apply, after validate and plan pass): a statement equal to an earlier one
    /// is dropped (a grant made twice); one that differs from an earlier statement of the
    /// same `Sid` only by its resources adds them to it (one grant on several resources);
    /// any other statement whose `Sid` is taken gets the first free numbered `Sid`
    /// (`ConsumeWorker2`).
    pub fn normalized(&self) -> PolicyDocument {
        let mut out: Vec<Statement> = Vec::with_capacity(self.statements.len());
        for statement in &self.statements {
            if out.contains(statement) {
                continue;
            }
            if statement.sid.is_some() {
                if let Some(same) = out.iter_mut().find(|s| same_but_resources(s, statement)) {
                    for r in &statement.resources {
                        if !same.resources.contains(r) {
                            same.resources.push(r.clone());
                        }
                    }
                    continue;
                }
            }
            let mut statement = statement.clone();
            if let Some(sid) = statement.sid.clone() {
                let taken =
                    |candidate: &str| out.iter().any(|s| s.sid.as_deref() == Some(candidate));
                if taken(&sid) {
                    let free = (2..)
                        .map(|n| format!("{sid}{n}"))
                        .find(|candidate| !taken(candidate))
                        .unwrap_or(sid);
                    statement.sid = Some(free);
                }
            }
            out.push(statement);
        }
        PolicyDocument { statements: out }
    }

    pub fn to_pretty_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).unwrap_or_default();
        out.push('\n');
        out
    }
}

/// Whether `a` and `b` have the same `Sid` and differ at most in their resources.
fn same_but_resources(a: &Statement, b: &Statement) -> bool {
    a.sid == b.sid
        && a.effect == b.effect
        && a.principal == b.principal
        && a.actions == b.actions
        && a.not_actions == b.not_actions
        && a.not_resources == b.not_resources
        && a.condition == b.condition
        && !a.resources.is_empty()
        && !b.resources.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_documents_have_unique_sids_and_no_repeated_grant() {
        let send = |queue: &str| {
            Statement::allow()
                .sid("Send")
                .actions(["sqs:SendMessage"])
                .resources([queue])
        };
        let doc = PolicyDocument::new(vec![
            send("arn:q1"),
            send("arn:q1"),
            send("arn:q2"),
            Statement::allow()
                .sid("Send")
                .actions(["sqs:DeleteMessage"])
                .resources(["arn:q1"]),
            Statement::allow()
                .sid("Send2")
                .actions(["sns:Publish"])
                .resources(["arn:t"]),
        ])
        .normalized();
        let sids: Vec<_> = doc.statements.iter().map(|s| s.sid.clone()).collect();
        assert_eq!(
            sids,
            [
                Some("Send".to_string()),
                Some("Send2".to_string()),
                Some("Send22".to_string())
            ]
        );
        assert_eq!(doc.statements[0].resources, ["arn:q1", "arn:q2"]);
        assert_eq!(doc.statements[1].actions, ["sqs:DeleteMessage"]);
        assert_eq!(doc.statements[2].actions, ["sns:Publish"]);
        // Already unique: unchanged.
        let unique = PolicyDocument::new(vec![send("arn:q1")]);
        assert_eq!(unique.normalized(), unique);
    }

    #[test]
    fn statement_json_is_conventional() {
        let doc = PolicyDocument::new(vec![Statement::allow()
            .sid("Logs")
            .actions(["logs:CreateLogStream", "logs:PutLogEvents"])
            .resources(["${log_group_arn}:*"])]);
        assert_eq!(
            doc.to_pretty_json(),
            r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Logs",
      "Effect": "Allow",
      "Action": [
        "logs:CreateLogStream",
        "logs:PutLogEvents"
      ],
      "Resource": "${log_group_arn}:*"
    }
  ]
}
"#
        );
    }

    #[test]
    fn trust_policy_principal() {
        let doc = PolicyDocument::new(vec![Statement::allow()
            .principal(Principal::service("lambda.amazonaws.com"))
            .actions(["sts:AssumeRole"])]);
        let json = doc.to_pretty_json();
        assert!(json.contains(r#""Service": "lambda.amazonaws.com""#));
    }
}
