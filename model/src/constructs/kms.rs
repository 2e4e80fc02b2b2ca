//! `Key`: a customer managed KMS key with yearly rotation, an alias, and a key policy in
//! which the account root administers the key (so IAM policies may grant its use, as in
//! AWS's default key policy) and each service that uses it for the stack gets exactly the
//! actions it needs, limited to the calling resource where the service says which it is.
//!
//! The policy is an `aws_kms_key_policy` written at synth time: constructs add service
//! statements while the stack is built (a topic notified by alarms, a bucket behind
//! CloudFront). The account ID comes from the key's own ARN, so planning needs no call to
//! AWS.

use super::iam::{named_placeholder, policy_string, resource_policy_file, Grantee};
use super::naming::camel;
use super::stack::{ResourceRef, Stack};
use crate::iam::{Effect, PolicyDocument, Principal, Statement};
use crate::ir::Expr;
use crate::l1::resources::{KmsAlias, KmsKey, KmsKeyPolicy};
use crate::origin::{Origin, RustLocation};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A key under construction.
#[must_use = "call .build() to declare the key"]
pub struct KeyBuilder {
    stack: Stack,
    id: String,
    description: Option<String>,
    deletion_window_days: i64,
    location: RustLocation,
}

/// A declared key. Cheap to clone: clones share the same policy.
#[derive(Clone)]
pub struct Key(Rc<KeyInner>);

struct KeyInner {
    stack: Stack,
    resource: ResourceRef,
    alias: ResourceRef,
    alias_name: String,
    /// Service statements, in the order they were added.
    services: RefCell<Vec<ServiceGrant>>,
}

#[derive(Clone)]
struct ServiceGrant {
    sid: String,
    service: String,
    actions: Vec<String>,
    /// `aws:SourceArn` values; empty means no condition.
    source_arns: Vec<Expr>,
    location: RustLocation,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", self.0.resource.address())
    }
}

impl Key {
    /// A symmetric encryption key `id`, aliased `alias/<prefix>-<env>-<id>`.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> KeyBuilder {
        KeyBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            description: None,
            deletion_window_days: 30,
            location: RustLocation::caller(),
        }
    }

    pub fn arn(&self) -> Expr {
        self.0.resource.arn()
    }
    pub fn key_id(&self) -> Expr {
        self.0.resource.attr("key_id")
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.0.resource
    }
    /// The `aws_kms_alias`.
    pub fn alias(&self) -> &ResourceRef {
        &self.0.alias
    }
    /// `alias/<prefix>-<env>-<id>`.
    pub fn alias_name(&self) -> &str {
        &self.0.alias_name
    }

    /// Lets `grantee` decrypt with the key.
    #[track_caller]
    pub fn grant_decrypt(&self, grantee: &impl Grantee) {
        self.grant(grantee, "Decrypt", &["kms:Decrypt"], RustLocation::caller());
    }
    /// Lets `grantee` encrypt with the key (directly or through data keys).
    #[track_caller]
    pub fn grant_encrypt(&self, grantee: &impl Grantee) {
        self.grant(
            grantee,
            "Encrypt",
            &["kms:Encrypt", "kms:GenerateDataKey"],
            RustLocation::caller(),
        );
    }
    /// Lets `grantee` encrypt and decrypt with the key.
    #[track_caller]
    pub fn grant_encrypt_decrypt(&self, grantee: &impl Grantee) {
        self.grant(
            grantee,
            "EncryptDecrypt",
            &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            RustLocation::caller(),
        );
    }

    pub(crate) fn grant(
        &self,
        grantee: &impl Grantee,
        what: &str,
        actions: &[&str],
        location: RustLocation,
    ) {
        let role = grantee.grantee_role();
        if !role.stack.check_same_stack(&self.0.resource, location) {
            return;
        }
        let sid = format!("{}Key{what}", camel(&self.0.resource.name));
        role.allow_at(&sid, actions, vec![self.arn()], location);
    }

    /// Lets AWS service `service` (e.g. `cloudwatch.amazonaws.com`) use the key with
    /// `actions`, for any of its resources in the account.
    #[track_caller]
    pub fn allow_service(&self, sid: &str, service: &str, actions: &[&str]) {
        self.add_service(sid, service, actions, None, RustLocation::caller());
    }

    /// Lets `service` use the key with `actions` only on behalf of the resource
    /// `source_arn` (`aws:SourceArn`); calls with the same `sid` add resources.
    #[track_caller]
    pub fn allow_service_for(&self, sid: &str, service: &str, actions: &[&str], source_arn: Expr) {
        self.add_service(
            sid,
            service,
            actions,
            Some(source_arn),
            RustLocation::caller(),
        );
    }

    pub(crate) fn add_service(
        &self,
        sid: &str,
        service: &str,
        actions: &[&str],
        source_arn: Option<Expr>,
        location: RustLocation,
    ) {
        for a in actions {
            if a.contains('*') {
                self.0.stack.error(
                    location,
                    format!("wildcard action `{a}` in a key policy"),
                    Some("list the exact KMS actions the service calls"),
                );
            }
        }
        let mut services = self.0.services.borrow_mut();
        if let Some(existing) = services.iter_mut().find(|s| s.sid == sid) {
            for a in actions {
                if !existing.actions.iter().any(|x| x == a) {
                    existing.actions.push(a.to_string());
                }
            }
            if let Some(arn) = source_arn {
                if !existing.source_arns.contains(&arn) {
                    existing.source_arns.push(arn);
                }
            }
            return;
        }
        services.push(ServiceGrant {
            sid: sid.to_string(),
            service: service.to_string(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
            source_arns: source_arn.into_iter().collect(),
            location,
        });
    }

    /// The key policy: the account root, then the services.
    fn document(&self, location: RustLocation) -> PolicyDocument {
        let stack = &self.0.stack;
        let partition = stack.partition_data(location).attr("partition");
        // `arn:<partition>:kms:<region>:<account>:key/<id>`: field 4 is the account.
        let account = Expr::call(
            "element",
            vec![
                Expr::call("split", vec![Expr::string(":"), self.arn()]),
                Expr::int(4),
            ],
        );
        let root = format!(
            "arn:{}:iam::{}:root",
            policy_string(&partition),
            named_placeholder("account_id", &account)
        );
        let mut statements = vec![Statement::new(Effect::Allow, Origin::rust(location))
            .sid("AccountAdministersKeyAndDelegatesToIam")
            .principal(Principal::Map(BTreeMap::from([(
                "AWS".to_string(),
                vec![root],
            )])))
            .actions(["kms:*"])
            .resources(["*"])];
        for s in self.0.services.borrow().iter() {
            let mut actions = s.actions.clone();
            actions.sort();
            let mut st = Statement::new(Effect::Allow, Origin::rust(s.location))
                .sid(s.sid.clone())
                .principal(Principal::service(&s.service))
                .actions(actions)
                .resources(["*"]);
            if !s.source_arns.is_empty() {
                st.condition
                    .entry("StringEquals".into())
                    .or_default()
                    .insert(
                        "aws:SourceArn".into(),
                        s.source_arns.iter().map(policy_string).collect(),
                    );
            }
            statements.push(st);
        }
        PolicyDocument::new(statements)
    }
}

impl KeyBuilder {
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_string());
        self
    }
    /// Days between scheduling deletion and deleting (7–30; default 30).
    pub fn deletion_window_days(mut self, days: i64) -> Self {
        self.deletion_window_days = days;
        self
    }

    pub fn build(self) -> Key {
        let stack = &self.stack;
        let loc = self.location;
        if !(7..=30).contains(&self.deletion_window_days) {
            stack.error(
                loc,
                format!(
                    "deletion window of {} days is outside KMS's 7–30",
                    self.deletion_window_days
                ),
                None,
            );
        }
        let physical = stack.physical_name(&self.id);
        let description = self
            .description
            .clone()
            .unwrap_or_else(|| format!("{physical} (managed by tfstack)"));
        let key = KmsKey::new()
            .description(description.as_str())
            .enable_key_rotation(true)
            .rotation_period_in_days(365)
            .deletion_window_in_days(self.deletion_window_days);
        let resource = stack.declare_typed(&self.id, key, loc);
        let alias_name = format!("alias/{physical}");
        let alias = KmsAlias::new(resource.attr("key_id")).name(alias_name.as_str());
        let alias = stack.declare_typed(&self.id, alias, loc);
        let key = Key(Rc::new(KeyInner {
            stack: stack.clone(),
            resource,
            alias,
            alias_name,
            services: RefCell::new(Vec::new()),
        }));
        let handle = key.clone();
        let id = self.id.clone();
        stack.add_finalizer(Box::new(move |stack| {
            let document = handle.document(loc);
            let policy = resource_policy_file(
                stack,
                &format!("{}-key-policy.json", stack.physical_name(&id)),
                &document,
            );
            let p = KmsKeyPolicy::new(handle.key_id(), policy);
            stack.declare_typed(&id, p, loc);
        }));
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::{Role, StackFile};
    use crate::environment::Environment;

    #[test]
    fn key_policy_has_root_and_scoped_services() {
        let stack = Stack::new("shop", Environment::prod());
        let key = Key::new(&stack, "data").build();
        key.allow_service_for(
            "CloudFrontDecrypt",
            "cloudfront.amazonaws.com",
            &["kms:Decrypt"],
            Expr::string("arn:aws:cloudfront::123456789012:distribution/EXAMPLE"),
        );
        let role = Role::for_service(&stack, "worker", "lambda.amazonaws.com");
        key.grant_decrypt(&role);
        let out = stack.finish().expect("valid");
        let Some(StackFile::Text { text, .. }) =
            out.files.get("policies/shop-prod-data-key-policy.json")
        else {
            panic!("key policy file")
        };
        assert!(
            text.contains(
                "\"AWS\": \"arn:${data_aws_partition_current_partition}:iam::${account_id}:root\""
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "\"aws:SourceArn\": \"arn:aws:cloudfront::123456789012:distribution/EXAMPLE\""
            ),
            "{text}"
        );
        let policy = out
            .config
            .resource("aws_kms_key_policy", "data")
            .expect("policy");
        let text = policy.body.get("policy").expect("policy attr").to_string();
        assert!(text.contains("account_id"), "{text}");
        assert!(
            text.contains("element(split(\":\", aws_kms_key.data.arn), 4)"),
            "{text}"
        );
        let key_block = out.config.resource("aws_kms_key", "data").expect("key");
        assert_eq!(
            key_block
                .body
                .get("enable_key_rotation")
                .map(|e| e.to_string())
                .as_deref(),
            Some("true")
        );
    }

    #[test]
    fn wildcard_service_actions_are_errors() {
        let stack = Stack::new("shop", Environment::dev());
        let key = Key::new(&stack, "data").build();
        key.allow_service("Any", "sns.amazonaws.com", &["kms:GenerateDataKey*"]);
        assert!(stack.finish().is_err());
    }
}
