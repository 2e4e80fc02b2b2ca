//! `Repository`: a private ECR repository — images scanned on push, immutable tags (a tag
//! names one image forever, so a task definition always runs what was tested), KMS
//! encryption, and a lifecycle policy that keeps the last 10 images — with `grant_pull`.

use super::iam::{Grantee, Role};
use super::naming::camel;
use super::stack::{ResourceRef, Stack};
use crate::ir::{Expr, TemplatePart};
use crate::l1::resources::{
    EcrLifecyclePolicy, EcrRepository, EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
};
use crate::origin::RustLocation;

/// A repository under construction.
#[must_use = "call .build() to declare the repository"]
pub struct RepositoryBuilder {
    stack: Stack,
    id: String,
    kms_key: Option<Expr>,
    keep_images: i64,
    location: RustLocation,
}

/// A declared repository.
#[derive(Clone, Debug)]
pub struct Repository {
    resource: ResourceRef,
    id: String,
}

impl Repository {
    /// A repository `<prefix>-<env>-<id>`: scan on push, immutable tags, KMS encryption
    /// (the AWS managed `aws/ecr` key unless given one), the last 10 images kept.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> RepositoryBuilder {
        RepositoryBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            kms_key: None,
            keep_images: 10,
            location: RustLocation::caller(),
        }
    }

    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    /// `<account>.dkr.ecr.<region>.amazonaws.com/<name>`.
    pub fn url(&self) -> Expr {
        self.resource.attr("repository_url")
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
    /// The image `<url>:<tag>`.
    pub fn image(&self, tag: impl Into<Expr>) -> Expr {
        Expr::template(vec![
            TemplatePart::Interpolation(self.url()),
            TemplatePart::Literal(":".into()),
            TemplatePart::Interpolation(tag.into()),
        ])
    }

    /// Pull images: the layer and image reads on this repository's ARN, and
    /// `ecr:GetAuthorizationToken`, which AWS defines without resource-level permissions.
    #[track_caller]
    pub fn grant_pull(&self, grantee: &impl Grantee) {
        self.grant_pull_at(grantee.grantee_role(), RustLocation::caller());
    }

    pub(crate) fn grant_pull_at(&self, role: &Role, location: RustLocation) {
        if !role.stack.check_same_stack(&self.resource, location) {
            return;
        }
        role.allow_at(
            &format!("Pull{}", camel(&self.id)),
            &[
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            vec![self.arn()],
            location,
        );
        role.allow_without_resource_level_at(
            "GetEcrAuthorizationToken",
            &["ecr:GetAuthorizationToken"],
            location,
        );
    }
}

impl RepositoryBuilder {
    /// Encrypts with a customer managed KMS key (its ARN).
    pub fn encryption_key(mut self, key_arn: Expr) -> Self {
        self.kms_key = Some(key_arn);
        self
    }
    /// How many images the lifecycle policy keeps (default 10).
    pub fn keep_images(mut self, count: i64) -> Self {
        self.keep_images = count;
        self
    }

    pub fn build(self) -> Repository {
        let stack = &self.stack;
        let loc = self.location;
        if self.keep_images < 1 {
            stack.error(
                loc,
                format!("keeping {} images deletes every image", self.keep_images),
                Some("keep at least one image"),
            );
        }
        let name = stack.physical_name(&self.id);
        let mut encryption = EcrRepositoryEncryptionConfiguration::new().encryption_type("KMS");
        if let Some(key) = &self.kms_key {
            encryption = encryption.kms_key(key.clone());
        }
        let repository = EcrRepository::new(name.as_str())
            .image_tag_mutability("IMMUTABLE")
            .image_scanning_configuration(EcrRepositoryImageScanningConfiguration::new(true))
            .encryption_configuration(encryption)
            // Images are deleted by the lifecycle policy, never with the repository.
            .force_delete(false);
        let resource = stack.declare_typed(&self.id, repository, loc);
        let policy = Expr::call(
            "jsonencode",
            vec![Expr::object(vec![(
                "rules",
                Expr::tuple(vec![Expr::object(vec![
                    ("rulePriority", Expr::int(1)),
                    (
                        "description",
                        Expr::string(format!("Keep the last {} images", self.keep_images)),
                    ),
                    (
                        "selection",
                        Expr::object(vec![
                            ("tagStatus", Expr::string("any")),
                            ("countType", Expr::string("imageCountMoreThan")),
                            ("countNumber", Expr::int(self.keep_images)),
                        ]),
                    ),
                    (
                        "action",
                        Expr::object(vec![("type", Expr::string("expire"))]),
                    ),
                ])]),
            )])],
        );
        stack.declare_typed(
            &self.id,
            EcrLifecyclePolicy::new(policy, resource.name_attr()),
            loc,
        );
        Repository {
            resource,
            id: self.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;

    #[test]
    fn immutable_scanned_encrypted_with_lifecycle() {
        let stack = Stack::new("svc", Environment::dev());
        let _ = Repository::new(&stack, "delta").build();
        let out = stack.finish().expect("synthesizes");
        let repo = out.config.resource("aws_ecr_repository", "delta").unwrap();
        assert_eq!(
            repo.body.get("image_tag_mutability").map(|e| e.to_string()),
            Some("\"IMMUTABLE\"".into())
        );
        let policy = out
            .config
            .resource("aws_ecr_lifecycle_policy", "delta")
            .and_then(|b| b.body.get("policy"))
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(policy.contains("imageCountMoreThan"), "{policy}");
        assert!(policy.contains("10"), "{policy}");
    }
}
