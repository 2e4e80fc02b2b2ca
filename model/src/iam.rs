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
    pub fn to_pretty_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).unwrap_or_default();
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
