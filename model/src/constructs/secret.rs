//! `Secret`: a Secrets Manager secret encrypted with a customer managed KMS key (given, or
//! one of its own with yearly rotation), rotated by a Lambda function on a schedule (90
//! days by default) — the rotation, the invoke permission for Secrets Manager scoped to
//! this secret, and the rotation function's grants on exactly this secret and key — and
//! `grant_read` for the code that uses it.
//!
//! ```ignore
//! let secret = Secret::new(stack, "provider_credentials")
//!     .description("Partner API credentials")
//!     .encryption_key(key.arn())             // else a key of its own
//!     .rotation(&rotation_function, 90)
//!     .build();
//! secret.grant_read(&task);                  // GetSecretValue on the ARN + kms:Decrypt
//! ```

use super::function::Function;
use super::iam::Grantee;
use super::naming::camel;
use super::stack::{ResourceRef, Stack};
use crate::ir::Expr;
use crate::l1::resources::{
    KmsAlias, KmsKey, LambdaPermission, SecretsmanagerSecret, SecretsmanagerSecretRotation,
    SecretsmanagerSecretRotationRotationRules,
};
use crate::origin::RustLocation;

/// A secret under construction.
#[must_use = "call .build() to declare the secret"]
pub struct SecretBuilder {
    stack: Stack,
    id: String,
    description: Option<String>,
    kms_key: Option<Expr>,
    rotation: Option<(Function, i64, RustLocation)>,
    location: RustLocation,
}

/// A declared secret.
#[derive(Clone, Debug)]
pub struct Secret {
    resource: ResourceRef,
    id: String,
    key_arn: Expr,
    rotation: Option<ResourceRef>,
}

impl Secret {
    /// A secret `<prefix>-<env>-<id>` (no value: operators or the rotation function set it).
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> SecretBuilder {
        SecretBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            description: None,
            kms_key: None,
            rotation: None,
            location: RustLocation::caller(),
        }
    }

    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
    /// The ARN of the KMS key that encrypts it.
    pub fn key_arn(&self) -> Expr {
        self.key_arn.clone()
    }
    /// The `aws_secretsmanager_secret_rotation`, when it rotates.
    pub fn rotation(&self) -> Option<&ResourceRef> {
        self.rotation.as_ref()
    }

    /// Read the secret value: `secretsmanager:GetSecretValue` on this secret's ARN and
    /// `kms:Decrypt` on its key.
    #[track_caller]
    pub fn grant_read(&self, grantee: &impl Grantee) {
        let location = RustLocation::caller();
        let role = grantee.grantee_role();
        if !role.stack.check_same_stack(&self.resource, location) {
            return;
        }
        let name = camel(&self.id);
        role.allow_at(
            &format!("Read{name}"),
            &["secretsmanager:GetSecretValue"],
            vec![self.arn()],
            location,
        );
        role.allow_at(
            &format!("Decrypt{name}"),
            &["kms:Decrypt"],
            vec![self.key_arn()],
            location,
        );
    }
}

impl SecretBuilder {
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_string());
        self
    }
    /// Encrypts with this customer managed key (its ARN) instead of a key of its own.
    pub fn encryption_key(mut self, key_arn: Expr) -> Self {
        self.kms_key = Some(key_arn);
        self
    }
    /// Rotates every `days` days with `function` (a Secrets Manager rotation handler).
    #[track_caller]
    pub fn rotation(mut self, function: &Function, days: i64) -> Self {
        self.rotation = Some((function.clone(), days, RustLocation::caller()));
        self
    }

    pub fn build(self) -> Secret {
        let stack = &self.stack;
        let loc = self.location;
        let name = stack.physical_name(&self.id);
        let key_arn = match &self.kms_key {
            Some(k) => k.clone(),
            None => {
                let key = KmsKey::new()
                    .description(format!("Encrypts the secret {name}"))
                    .enable_key_rotation(true)
                    .deletion_window_in_days(30);
                let key = stack.declare_typed(&format!("{}_secret", self.id), key, loc);
                stack.declare_typed(
                    &format!("{}_secret", self.id),
                    KmsAlias::new(key.attr("key_id")).name(format!("alias/{name}")),
                    loc,
                );
                key.arn()
            }
        };
        let mut secret = SecretsmanagerSecret::new()
            .name(name.as_str())
            .kms_key_id(key_arn.clone())
            // A deleted secret can be restored for 30 days in production, 7 elsewhere.
            .recovery_window_in_days(if stack.is_production() { 30 } else { 7 });
        if let Some(d) = &self.description {
            secret = secret.description(d.as_str());
        }
        let resource = stack.declare_typed(&self.id, secret, loc);

        let rotation = self.rotation.as_ref().map(|(function, days, at)| {
            let at = *at;
            stack.check_same_stack(function.resource(), at);
            if !(1..=1000).contains(days) {
                stack.error(
                    at,
                    format!("rotation every {days} days is outside Secrets Manager's 1–1000"),
                    None,
                );
            }
            let permission = LambdaPermission::new(
                "lambda:InvokeFunction",
                function.name(),
                "secretsmanager.amazonaws.com",
            )
            .source_arn(resource.arn())
            .statement_id(format!("AllowSecretsManagerRotate{}", camel(&self.id)));
            let permission = stack.declare_typed(&format!("{}_rotation", self.id), permission, at);
            let rotation = SecretsmanagerSecretRotation::new(
                resource.id(),
                SecretsmanagerSecretRotationRotationRules::new().automatically_after_days(*days),
            )
            .rotation_lambda_arn(function.arn())
            // The first value comes from operators; the schedule rotates it afterwards.
            .rotate_immediately(false);
            let rotation = stack.declare_typed_after(&self.id, rotation, &[&permission], at);
            let role = function.role();
            let n = camel(&self.id);
            role.allow_at(
                &format!("Rotate{n}"),
                &[
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:PutSecretValue",
                    "secretsmanager:UpdateSecretVersionStage",
                ],
                vec![resource.arn()],
                at,
            );
            role.allow_at(
                &format!("Rotate{n}Key"),
                &["kms:Decrypt", "kms:GenerateDataKey"],
                vec![key_arn.clone()],
                at,
            );
            role.allow_without_resource_level_at(
                "GenerateRandomPassword",
                &["secretsmanager:GetRandomPassword"],
                at,
            );
            rotation
        });
        Secret {
            resource,
            id: self.id,
            key_arn,
            rotation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::function::{Code, Runtime};
    use crate::environment::Environment;

    #[test]
    fn rotation_permission_is_scoped_to_the_secret() {
        let stack = Stack::new("svc", Environment::prod());
        let rotator = Function::new(
            &stack,
            "rotator",
            Runtime::Python311,
            "app.handler",
            Code::directory("."),
        )
        .build();
        let secret = Secret::new(&stack, "creds").rotation(&rotator, 90).build();
        assert!(secret.rotation().is_some());
        let out = stack.finish().expect("synthesizes");
        let permission = out
            .config
            .resource("aws_lambda_permission", "creds_rotation")
            .unwrap();
        assert_eq!(
            permission.body.get("source_arn").map(|e| e.to_string()),
            Some("aws_secretsmanager_secret.creds.arn".into())
        );
        let rotation = out
            .config
            .resource("aws_secretsmanager_secret_rotation", "creds")
            .unwrap();
        let rules = rotation.body.block("rotation_rules").unwrap();
        assert_eq!(
            rules
                .body
                .get("automatically_after_days")
                .map(|e| e.to_string()),
            Some("90".into())
        );
        assert!(out.config.resource("aws_kms_key", "creds_secret").is_some());
    }
}
