//! `Bucket`: an S3 bucket that is private, versioned and encrypted by default — all four
//! public-access blocks, ACLs disabled (`BucketOwnerEnforced`), a bucket policy that refuses
//! plain HTTP, SSE (S3-managed `AES256` or a customer `Key`), a lifecycle that at least
//! aborts incomplete multipart uploads and expires old versions — with optional
//! Intelligent-Tiering archive tiers, lifecycle transitions and expiry, and request
//! metrics; `grant_read` / `grant_write` / `grant_read_write` on its exact ARNs.
//!
//! Each setting is the provider's own resource (`aws_s3_bucket_versioning`, …). The bucket
//! policy is written at synth time, so other constructs (a CloudFront distribution) can add
//! statements to the same single policy.

use super::alarm::Metric;
use super::iam::{policy_string, resource_policy_file, Grantee, Role};
use super::kms::Key;
use super::naming::camel;
use super::stack::Provider;
use super::stack::{ResourceRef, Stack};
use super::topic::deny_insecure_transport;
use crate::iam::Statement;
use crate::ir::{Expr, TemplatePart};
use crate::l1::resources::{
    S3Bucket, S3BucketIntelligentTieringConfiguration,
    S3BucketIntelligentTieringConfigurationTiering, S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration, S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleTransition, S3BucketMetric, S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule, S3BucketPolicy, S3BucketPublicAccessBlock,
    S3BucketReplicationConfiguration, S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
    S3BucketServerSideEncryptionConfiguration, S3BucketServerSideEncryptionConfigurationRule,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefault,
    S3BucketVersioning, S3BucketVersioningVersioningConfiguration,
};
use crate::origin::RustLocation;
use std::cell::RefCell;
use std::rc::Rc;

/// The request-metrics configuration (whole bucket) that `metric()` reads.
pub const REQUEST_METRICS_FILTER: &str = "EntireBucket";

/// Server-side encryption of a bucket.
#[derive(Clone, Debug)]
pub enum BucketEncryption {
    /// S3-managed keys (`AES256`).
    S3Managed,
    /// A customer managed key (`aws:kms`, with S3 Bucket Keys to cut KMS requests).
    Kms(Key),
}

/// A storage class objects transition to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageClass {
    StandardIa,
    OneZoneIa,
    IntelligentTiering,
    GlacierInstantRetrieval,
    Glacier,
    DeepArchive,
}

impl StorageClass {
    pub fn as_str(self) -> &'static str {
        match self {
            StorageClass::StandardIa => "STANDARD_IA",
            StorageClass::OneZoneIa => "ONEZONE_IA",
            StorageClass::IntelligentTiering => "INTELLIGENT_TIERING",
            StorageClass::GlacierInstantRetrieval => "GLACIER_IR",
            StorageClass::Glacier => "GLACIER",
            StorageClass::DeepArchive => "DEEP_ARCHIVE",
        }
    }
    /// The fewest days after creation S3 accepts for a transition to this class.
    fn minimum_days(self) -> i64 {
        match self {
            StorageClass::StandardIa | StorageClass::OneZoneIa => 30,
            _ => 0,
        }
    }
}

/// The lifecycle of every object in the bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    pub transitions: Vec<(StorageClass, i64)>,
    pub expiration_days: Option<i64>,
    pub noncurrent_expiration_days: i64,
    pub abort_incomplete_upload_days: i64,
}

impl Default for Lifecycle {
    /// No transitions or expiry; old versions kept 90 days; incomplete multipart uploads
    /// aborted after 7.
    fn default() -> Self {
        Lifecycle {
            transitions: Vec::new(),
            expiration_days: None,
            noncurrent_expiration_days: 90,
            abort_incomplete_upload_days: 7,
        }
    }
}

impl Lifecycle {
    pub fn new() -> Lifecycle {
        Lifecycle::default()
    }
    /// Objects move to `class` `days` after creation.
    pub fn transition(mut self, class: StorageClass, days: i64) -> Lifecycle {
        self.transitions.push((class, days));
        self
    }
    /// Current versions expire `days` after creation (2555 ≈ 7 years).
    pub fn expire_after_days(mut self, days: i64) -> Lifecycle {
        self.expiration_days = Some(days);
        self
    }
    /// Versions that were overwritten or deleted are removed `days` later.
    pub fn noncurrent_versions_expire_after_days(mut self, days: i64) -> Lifecycle {
        self.noncurrent_expiration_days = days;
        self
    }
    pub fn abort_incomplete_uploads_after_days(mut self, days: i64) -> Lifecycle {
        self.abort_incomplete_upload_days = days;
        self
    }

    fn check(&self, stack: &Stack, location: RustLocation) {
        let mut previous: Option<(StorageClass, i64)> = None;
        for &(class, days) in &self.transitions {
            if days < class.minimum_days() {
                stack.error(
                    location,
                    format!(
                        "transition to {} after {days} days: S3 needs at least {}",
                        class.as_str(),
                        class.minimum_days()
                    ),
                    None,
                );
            }
            if let Some((p, pdays)) = previous {
                if days <= pdays {
                    stack.error(
                        location,
                        format!(
                            "transition to {} after {days} days does not come after {} at {pdays}",
                            class.as_str(),
                            p.as_str()
                        ),
                        Some("list transitions in order of increasing days"),
                    );
                } else if matches!(p, StorageClass::StandardIa | StorageClass::OneZoneIa)
                    && days - pdays < 30
                {
                    stack.error(
                        location,
                        format!(
                            "objects must stay 30 days in {} before moving to {}",
                            p.as_str(),
                            class.as_str()
                        ),
                        None,
                    );
                }
            }
            previous = Some((class, days));
        }
        if let (Some(exp), Some((class, days))) = (self.expiration_days, previous) {
            if exp <= days {
                stack.error(
                    location,
                    format!(
                        "objects expire after {exp} days, before their transition to {} at {days}",
                        class.as_str()
                    ),
                    None,
                );
            }
        }
        for (what, days) in [
            ("expiry", self.expiration_days.unwrap_or(1)),
            ("noncurrent version expiry", self.noncurrent_expiration_days),
            ("incomplete upload abort", self.abort_incomplete_upload_days),
        ] {
            if days < 1 {
                stack.error(location, format!("{what} after {days} days"), None);
            }
        }
    }
}

/// A bucket under construction.
#[must_use = "call .build() to declare the bucket"]
pub struct BucketBuilder {
    stack: Stack,
    id: String,
    encryption: BucketEncryption,
    lifecycle: Lifecycle,
    intelligent_tiering: Option<(i64, i64)>,
    request_metrics: bool,
    location: RustLocation,
}

/// A declared bucket. Cheap to clone: clones share the same policy.
#[derive(Clone)]
pub struct Bucket(Rc<BucketInner>);

struct BucketInner {
    stack: Stack,
    id: String,
    resource: ResourceRef,
    versioning: ResourceRef,
    /// The provider the bucket was declared with (another region), if any.
    provider: Option<Provider>,
    encryption: BucketEncryption,
    request_metrics: bool,
    /// Statements other constructs add to the bucket policy.
    statements: RefCell<Vec<Statement>>,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bucket({})", self.0.resource.address())
    }
}

impl Bucket {
    /// A private bucket `id`, named `<prefix>-<env>-<id>-<random suffix>` (bucket names are
    /// global).
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> BucketBuilder {
        BucketBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            encryption: BucketEncryption::S3Managed,
            lifecycle: Lifecycle::default(),
            intelligent_tiering: None,
            request_metrics: false,
            location: RustLocation::caller(),
        }
    }

    pub fn arn(&self) -> Expr {
        self.0.resource.arn()
    }
    /// The bucket's name (`id` attribute).
    pub fn name(&self) -> Expr {
        self.0.resource.id()
    }
    /// `<bucket>.s3.<region>.amazonaws.com`, for CloudFront origins.
    pub fn regional_domain_name(&self) -> Expr {
        self.0.resource.attr("bucket_regional_domain_name")
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.0.resource
    }
    pub fn encryption(&self) -> &BucketEncryption {
        &self.0.encryption
    }
    /// `<bucket arn>/<pattern>`: objects matching a key pattern (`invoices/*`, `*`).
    pub fn arn_for_objects(&self, key_pattern: &str) -> Expr {
        Expr::template(vec![
            TemplatePart::Interpolation(self.arn()),
            TemplatePart::Literal(format!("/{key_pattern}").into()),
        ])
    }

    /// A request metric of the whole bucket in `AWS/S3` (`4xxErrors`, `5xxErrors`,
    /// `AllRequests` …); needs `.request_metrics()`.
    #[track_caller]
    pub fn metric(&self, metric_name: &str) -> Metric {
        if !self.0.request_metrics {
            self.0.stack.error(
                RustLocation::caller(),
                format!(
                    "`{}` has no request metrics, so `{metric_name}` has no data",
                    self.0.resource.address()
                ),
                Some("add `.request_metrics()` to the bucket"),
            );
        }
        Metric::new("AWS/S3", metric_name)
            .dimension("BucketName", self.name())
            .dimension("FilterId", REQUEST_METRICS_FILTER)
    }

    /// Read objects (`s3:GetObject`) and list the bucket.
    #[track_caller]
    pub fn grant_read(&self, grantee: &impl Grantee) {
        self.grant(grantee, true, false, RustLocation::caller());
    }
    /// Write objects (`s3:PutObject`, `s3:AbortMultipartUpload`).
    #[track_caller]
    pub fn grant_write(&self, grantee: &impl Grantee) {
        self.grant(grantee, false, true, RustLocation::caller());
    }
    /// Read, list and write objects.
    #[track_caller]
    pub fn grant_read_write(&self, grantee: &impl Grantee) {
        self.grant(grantee, true, true, RustLocation::caller());
    }

    fn grant(&self, grantee: &impl Grantee, read: bool, write: bool, location: RustLocation) {
        let role = grantee.grantee_role();
        if !role.stack.check_same_stack(&self.0.resource, location) {
            return;
        }
        let name = camel(&self.0.id);
        let mut object_actions: Vec<&str> = Vec::new();
        if read {
            object_actions.push("s3:GetObject");
            role.allow_at(
                &format!("List{name}"),
                &["s3:ListBucket"],
                vec![self.arn()],
                location,
            );
        }
        if write {
            object_actions.extend(["s3:AbortMultipartUpload", "s3:PutObject"]);
        }
        object_actions.sort_unstable();
        let what = match (read, write) {
            (true, true) => "ReadWrite",
            (true, false) => "Read",
            _ => "Write",
        };
        role.allow_at(
            &format!("{what}{name}Objects"),
            &object_actions,
            vec![self.arn_for_objects("*")],
            location,
        );
        if let BucketEncryption::Kms(key) = &self.0.encryption {
            // Reading decrypts; writing asks for a data key (and multipart uploads decrypt it).
            let actions: &[&str] = if write {
                &["kms:Decrypt", "kms:GenerateDataKey"]
            } else {
                &["kms:Decrypt"]
            };
            key.grant(grantee, &format!("For{name}"), actions, location);
        }
    }

    /// Replicates every object (new versions, tags and delete markers) to `destination`, a
    /// bucket of this stack, typically in another region ([`Stack::in_region`]): the
    /// disaster-recovery copy. S3 assumes a role of its own that may read this bucket's
    /// versions and replicate into the destination only; objects encrypted with this
    /// bucket's key are decrypted with it and re-encrypted with the destination's.
    #[track_caller]
    pub fn replicate_to(&self, destination: &Bucket) -> ResourceRef {
        let location = RustLocation::caller();
        let stack = &self.0.stack;
        stack.check_same_stack(destination.resource(), location);
        if destination.0.resource == self.0.resource {
            stack.error(location, "a bucket cannot replicate to itself", None);
        }
        let role_id = format!("{}_replication", self.0.id);
        let role = Role::create(stack, &role_id, "s3.amazonaws.com", location);
        role.allow_at(
            "ReadReplicationConfiguration",
            &["s3:GetReplicationConfiguration", "s3:ListBucket"],
            vec![self.arn()],
            location,
        );
        role.allow_at(
            "ReadObjectVersions",
            &[
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionTagging",
            ],
            vec![self.arn_for_objects("*")],
            location,
        );
        role.allow_at(
            "ReplicateObjects",
            &[
                "s3:ReplicateDelete",
                "s3:ReplicateObject",
                "s3:ReplicateTags",
            ],
            vec![destination.arn_for_objects("*")],
            location,
        );
        let mut target = S3BucketReplicationConfigurationRuleDestination::new(destination.arn());
        if let BucketEncryption::Kms(key) = &destination.0.encryption {
            role.allow_at(
                "EncryptReplicas",
                &["kms:Encrypt"],
                vec![key.arn()],
                location,
            );
            target = target.encryption_configuration(
                S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration::new(
                    key.arn(),
                ),
            );
        }
        let mut rule = S3BucketReplicationConfigurationRule::new("Enabled", target)
            .id("everything")
            .filter(S3BucketReplicationConfigurationRuleFilter::new())
            .delete_marker_replication(
                S3BucketReplicationConfigurationRuleDeleteMarkerReplication::new("Enabled"),
            );
        if let BucketEncryption::Kms(key) = &self.0.encryption {
            role.allow_at(
                "DecryptSourceObjects",
                &["kms:Decrypt"],
                vec![key.arn()],
                location,
            );
            rule = rule.source_selection_criteria(
                S3BucketReplicationConfigurationRuleSourceSelectionCriteria::new()
                    .sse_kms_encrypted_objects(
                        S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects::new("Enabled"),
                    ),
            );
        }
        let configuration =
            S3BucketReplicationConfiguration::new(self.0.resource.id(), role.arn()).rule(rule);
        // Both buckets must be versioned, and the role able to act, first.
        let policy = ResourceRef::in_stack(stack, "aws_iam_role_policy", &role_id);
        let declare = || {
            stack.declare_typed_after(
                &self.0.id,
                configuration,
                &[&self.0.versioning, &destination.0.versioning, &policy],
                location,
            )
        };
        match &self.0.provider {
            Some(p) => stack.in_region(p, declare),
            None => declare(),
        }
    }

    /// Adds a statement to the bucket policy (written at synth, after the TLS-only one).
    pub(crate) fn add_policy_statement(&self, statement: Statement) {
        self.0.statements.borrow_mut().push(statement);
    }

    fn declare_policy(&self, stack: &Stack, location: RustLocation) {
        let mut statements = vec![deny_insecure_transport("s3:*", &self.arn(), location)];
        // The same refusal for objects: one statement, both resources.
        statements[0]
            .resources
            .push(policy_string(&self.arn_for_objects("*")));
        statements.extend(self.0.statements.borrow().iter().cloned());
        let policy = resource_policy_file(
            stack,
            &format!("{}-bucket-policy.json", stack.physical_name(&self.0.id)),
            &crate::iam::PolicyDocument::new(statements),
        );
        stack.declare_typed(
            &self.0.id,
            S3BucketPolicy::new(self.name(), policy),
            location,
        );
    }
}

impl BucketBuilder {
    /// Encrypts with a customer managed key instead of S3-managed keys.
    pub fn encryption_key(mut self, key: &Key) -> Self {
        self.encryption = BucketEncryption::Kms(key.clone());
        self
    }
    pub fn lifecycle(mut self, lifecycle: Lifecycle) -> Self {
        self.lifecycle = lifecycle;
        self
    }
    /// Intelligent-Tiering's archive tiers: objects in `INTELLIGENT_TIERING` not read for
    /// `archive_days` (90–730) move to Archive Access, for `deep_archive_days` (180–730) to
    /// Deep Archive Access.
    pub fn intelligent_tiering(mut self, archive_days: i64, deep_archive_days: i64) -> Self {
        self.intelligent_tiering = Some((archive_days, deep_archive_days));
        self
    }
    /// CloudWatch request metrics for the whole bucket (`4xxErrors`, latency …; billed as
    /// custom metrics).
    pub fn request_metrics(mut self) -> Self {
        self.request_metrics = true;
        self
    }

    pub fn build(self) -> Bucket {
        let stack = &self.stack;
        let loc = self.location;
        self.lifecycle.check(stack, loc);
        let prefix = format!("{}-", stack.physical_name(&self.id));
        if prefix.len() > 37 || prefix.chars().any(|c| c.is_ascii_uppercase()) {
            stack.error(
                loc,
                format!("bucket name prefix `{prefix}` is longer than 37 characters or not lowercase"),
                Some("S3 appends a 26-character suffix to a prefix of at most 37 lowercase characters: use a shorter id"),
            );
        }
        let bucket = stack.declare_typed(
            &self.id,
            S3Bucket::new().bucket_prefix(prefix.as_str()),
            loc,
        );
        let id = bucket.id();
        stack.declare_typed(
            &self.id,
            S3BucketPublicAccessBlock::new(id.clone())
                .block_public_acls(true)
                .block_public_policy(true)
                .ignore_public_acls(true)
                .restrict_public_buckets(true),
            loc,
        );
        stack.declare_typed(
            &self.id,
            S3BucketOwnershipControls::new(
                id.clone(),
                S3BucketOwnershipControlsRule::new("BucketOwnerEnforced"),
            ),
            loc,
        );
        let versioning = stack.declare_typed(
            &self.id,
            S3BucketVersioning::new(
                id.clone(),
                S3BucketVersioningVersioningConfiguration::new("Enabled"),
            ),
            loc,
        );
        let default = match &self.encryption {
            BucketEncryption::S3Managed => {
                S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefault::new(
                    "AES256",
                )
            }
            BucketEncryption::Kms(key) => {
                stack.check_same_stack(key.resource(), loc);
                S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefault::new(
                    "aws:kms",
                )
                .kms_master_key_id(key.arn())
            }
        };
        let mut rule = S3BucketServerSideEncryptionConfigurationRule::new()
            .apply_server_side_encryption_by_default(default);
        if matches!(self.encryption, BucketEncryption::Kms(_)) {
            rule = rule.bucket_key_enabled(true);
        }
        stack.declare_typed(
            &self.id,
            S3BucketServerSideEncryptionConfiguration::new(id.clone()).rule(rule),
            loc,
        );

        let l = &self.lifecycle;
        let mut rule = S3BucketLifecycleConfigurationRule::new("all-objects", "Enabled")
            .filter(S3BucketLifecycleConfigurationRuleFilter::new())
            .abort_incomplete_multipart_upload(
                S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload::new()
                    .days_after_initiation(l.abort_incomplete_upload_days),
            )
            .noncurrent_version_expiration(
                S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration::new(
                    l.noncurrent_expiration_days,
                ),
            );
        for (class, days) in &l.transitions {
            rule = rule.transition(
                S3BucketLifecycleConfigurationRuleTransition::new(class.as_str()).days(*days),
            );
        }
        if let Some(days) = l.expiration_days {
            rule = rule.expiration(S3BucketLifecycleConfigurationRuleExpiration::new().days(days));
        }
        // Lifecycle rules about versions need versioning configured first.
        stack.declare_typed_after(
            &self.id,
            S3BucketLifecycleConfiguration::new(id.clone()).rule(rule),
            &[&versioning],
            loc,
        );

        if let Some((archive, deep)) = self.intelligent_tiering {
            if !(90..=730).contains(&archive) || !(180..=730).contains(&deep) || deep <= archive {
                stack.error(
                    loc,
                    format!("Intelligent-Tiering archive after {archive} days and deep archive after {deep}"),
                    Some("Archive Access takes 90–730 days, Deep Archive Access 180–730 and later than Archive Access"),
                );
            }
            stack.declare_typed(
                &self.id,
                S3BucketIntelligentTieringConfiguration::new(id.clone(), "archive-tiers")
                    .status("Enabled")
                    .tiering(S3BucketIntelligentTieringConfigurationTiering::new(
                        "ARCHIVE_ACCESS",
                        archive,
                    ))
                    .tiering(S3BucketIntelligentTieringConfigurationTiering::new(
                        "DEEP_ARCHIVE_ACCESS",
                        deep,
                    )),
                loc,
            );
        }
        if self.request_metrics {
            stack.declare_typed(
                &self.id,
                S3BucketMetric::new(id.clone(), REQUEST_METRICS_FILTER),
                loc,
            );
        }
        let handle = Bucket(Rc::new(BucketInner {
            stack: stack.clone(),
            id: self.id.clone(),
            resource: bucket,
            versioning,
            provider: stack.current_provider(),
            encryption: self.encryption,
            request_metrics: self.request_metrics,
            statements: RefCell::new(Vec::new()),
        }));
        let h = handle.clone();
        stack.add_finalizer(Box::new(move |stack| h.declare_policy(stack, loc)));
        handle
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::{Role, StackFile};
    use crate::environment::Environment;

    fn policy(out: &crate::constructs::StackOutput, path: &str) -> serde_json::Value {
        match out.files.get(path) {
            Some(StackFile::Text { text, .. }) => serde_json::from_str(text).expect("json"),
            _ => panic!("no file {path}"),
        }
    }

    #[test]
    fn grants_name_exact_arns() {
        let stack = Stack::new("shop", Environment::dev());
        let bucket = Bucket::new(&stack, "invoices").build();
        let reader = Role::for_service(&stack, "reader", "lambda.amazonaws.com");
        let writer = Role::for_service(&stack, "writer", "lambda.amazonaws.com");
        bucket.grant_read(&reader);
        bucket.grant_write(&writer);
        let out = stack.finish().expect("valid");
        let r = policy(&out, "policies/shop-dev-reader-policy.json");
        assert_eq!(
            r["Statement"],
            serde_json::json!([
                {"Sid": "ListInvoices", "Effect": "Allow", "Action": "s3:ListBucket",
                 "Resource": "${s3_bucket_invoices_arn}"},
                {"Sid": "ReadInvoicesObjects", "Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "${s3_bucket_invoices_arn}/*"}
            ])
        );
        let w = policy(&out, "policies/shop-dev-writer-policy.json");
        assert_eq!(
            w["Statement"],
            serde_json::json!([
                {"Sid": "WriteInvoicesObjects", "Effect": "Allow",
                 "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
                 "Resource": "${s3_bucket_invoices_arn}/*"}
            ])
        );
    }

    #[test]
    fn secure_defaults_and_tls_only_policy() {
        let stack = Stack::new("shop", Environment::prod());
        let key = Key::new(&stack, "data").build();
        let bucket = Bucket::new(&stack, "invoices")
            .encryption_key(&key)
            .intelligent_tiering(125, 180)
            .lifecycle(
                Lifecycle::new()
                    .transition(StorageClass::StandardIa, 30)
                    .transition(StorageClass::Glacier, 90)
                    .expire_after_days(2555),
            )
            .request_metrics()
            .build();
        let role = Role::for_service(&stack, "reader", "lambda.amazonaws.com");
        bucket.grant_read(&role);
        let out = stack.finish().expect("valid");
        for t in [
            "aws_s3_bucket_public_access_block",
            "aws_s3_bucket_ownership_controls",
            "aws_s3_bucket_versioning",
            "aws_s3_bucket_server_side_encryption_configuration",
            "aws_s3_bucket_lifecycle_configuration",
            "aws_s3_bucket_intelligent_tiering_configuration",
            "aws_s3_bucket_metric",
            "aws_s3_bucket_policy",
        ] {
            assert!(out.config.resource(t, "invoices").is_some(), "{t}");
        }
        let p = policy(&out, "policies/shop-prod-invoices-bucket-policy.json");
        assert_eq!(p["Statement"][0]["Effect"], "Deny");
        assert_eq!(p["Statement"][0]["Action"], "s3:*");
        assert_eq!(
            p["Statement"][0]["Resource"],
            serde_json::json!(["${s3_bucket_invoices_arn}", "${s3_bucket_invoices_arn}/*"])
        );
        assert_eq!(
            p["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"],
            "false"
        );
        let r = policy(&out, "policies/shop-prod-reader-policy.json");
        assert_eq!(r["Statement"][2]["Action"], "kms:Decrypt");
        assert_eq!(r["Statement"][2]["Resource"], "${kms_key_data_arn}");
    }

    #[test]
    fn a_bucket_replicates_to_its_copy_in_another_region() {
        let stack = Stack::new("shop", Environment::prod());
        let key = crate::constructs::KmsKey::new(&stack, "files").build();
        let files = Bucket::new(&stack, "files").encryption_key(&key).build();
        let dr = stack.provider("dr", "us-west-2");
        let copy = stack.in_region(&dr, || {
            let key = crate::constructs::KmsKey::new(&stack, "files_copy").build();
            Bucket::new(&stack, "files_copy")
                .encryption_key(&key)
                .build()
        });
        files.replicate_to(&copy);
        let out = stack.finish().expect("valid");
        // Everything the copy's constructs declare, at synth too, is in the other region.
        for (t, n) in [
            ("aws_s3_bucket", "files_copy"),
            ("aws_s3_bucket_policy", "files_copy"),
            ("aws_kms_key", "files_copy"),
            ("aws_kms_key_policy", "files_copy"),
        ] {
            let block = out
                .config
                .resource(t, n)
                .unwrap_or_else(|| panic!("{t}.{n}"));
            assert_eq!(
                block.body.get("provider").map(|e| e.to_string()).as_deref(),
                Some("aws.dr"),
                "{t}.{n}"
            );
        }
        let replication = out
            .config
            .resource("aws_s3_bucket_replication_configuration", "files")
            .expect("replication");
        assert!(replication.body.get("provider").is_none());
        let depends = replication
            .body
            .get("depends_on")
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            depends.contains("aws_s3_bucket_versioning.files_copy"),
            "{depends}"
        );
        let p = policy(&out, "policies/shop-prod-files-replication-policy.json");
        let actions: Vec<&str> = p["Statement"]
            .as_array()
            .expect("statements")
            .iter()
            .map(|s| s["Sid"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            actions,
            [
                "ReadReplicationConfiguration",
                "ReadObjectVersions",
                "ReplicateObjects",
                "EncryptReplicas",
                "DecryptSourceObjects"
            ]
        );
    }

    #[test]
    fn lifecycle_mistakes_are_errors() {
        let stack = Stack::new("shop", Environment::dev());
        let _ = Bucket::new(&stack, "b")
            .lifecycle(
                Lifecycle::new()
                    .transition(StorageClass::StandardIa, 10)
                    .transition(StorageClass::Glacier, 20)
                    .expire_after_days(15),
            )
            .intelligent_tiering(30, 20)
            .build();
        let errors = stack.finish().expect_err("errors");
        assert!(errors.len() >= 4, "{errors:?}");
    }
}
