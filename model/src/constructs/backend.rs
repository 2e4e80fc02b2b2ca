//! Where Terraform keeps a stack's state: `S3Backend`, written to `backend.tf` of every root
//! module that has one.
//!
//! ```ignore
//! // Every stack of the App, one state object per stack and environment
//! // (`<stack>/<env>/terraform.tfstate`), locked with S3's own lock file:
//! App::new().backend(S3Backend::new("acme-terraform-state", "eu-west-1"))
//! // Or in one stack's definition:
//! stack.set_backend(S3Backend::new("payments-state", "eu-west-1").key_prefix("payments"));
//! ```
//!
//! Locking uses S3 itself (`use_lockfile = true`, Terraform ≥ 1.11); a DynamoDB lock table
//! can be added (both lock while a team migrates) or used instead. State is always encrypted
//! at rest (`encrypt = true`, optionally with a KMS key).

use crate::ir::{Block, Expr};
use crate::origin::RustLocation;

/// The Terraform version S3 native locking (`use_lockfile`) needs: it is generally available
/// since 1.11 (experimental in 1.10).
pub const LOCKFILE_TERRAFORM_CONSTRAINT: &str = ">= 1.11.0";

/// An S3 backend: bucket, key, region and locking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Backend {
    pub bucket: String,
    /// The state object's key; `None`: `[<key_prefix>/]<stack>/<env>/terraform.tfstate`.
    pub key: Option<String>,
    /// Prepended to the default key.
    pub key_prefix: Option<String>,
    /// The bucket's region (not necessarily the stack's).
    pub region: String,
    /// S3 native locking: a `<key>.tflock` object next to the state.
    pub use_lockfile: bool,
    /// A DynamoDB table for locking (the older mechanism; deprecated by Terraform 1.11).
    pub dynamodb_table: Option<String>,
    /// A KMS key (ID, ARN or alias) that encrypts the state instead of SSE-S3.
    pub kms_key_id: Option<String>,
}

impl S3Backend {
    /// State in `bucket` (in `region`), encrypted, locked with S3's lock file.
    pub fn new(bucket: &str, region: &str) -> S3Backend {
        S3Backend {
            bucket: bucket.to_string(),
            key: None,
            key_prefix: None,
            region: region.to_string(),
            use_lockfile: true,
            dynamodb_table: None,
            kms_key_id: None,
        }
    }
    /// An explicit state key (for one stack; every stack and environment needs its own).
    pub fn key(mut self, key: &str) -> S3Backend {
        self.key = Some(key.to_string());
        self
    }
    /// A prefix of the default keys: `<prefix>/<stack>/<env>/terraform.tfstate`.
    pub fn key_prefix(mut self, prefix: &str) -> S3Backend {
        self.key_prefix = Some(prefix.trim_matches('/').to_string());
        self
    }
    /// Also (or, with `use_lockfile(false)`, only) lock with a DynamoDB table whose
    /// partition key is `LockID` (string).
    pub fn dynamodb_table(mut self, table: &str) -> S3Backend {
        self.dynamodb_table = Some(table.to_string());
        self
    }
    /// Whether to lock with S3's lock file (default `true`).
    pub fn use_lockfile(mut self, enabled: bool) -> S3Backend {
        self.use_lockfile = enabled;
        self
    }
    /// Encrypts the state with this KMS key instead of SSE-S3.
    pub fn kms_key_id(mut self, key: &str) -> S3Backend {
        self.kms_key_id = Some(key.to_string());
        self
    }

    /// The state key of `stack` in `env`.
    pub fn key_for(&self, stack: &str, env: &str) -> String {
        match (&self.key, &self.key_prefix) {
            (Some(key), _) => key.clone(),
            (None, Some(prefix)) if !prefix.is_empty() => {
                format!("{prefix}/{stack}/{env}/terraform.tfstate")
            }
            (None, _) => format!("{stack}/{env}/terraform.tfstate"),
        }
    }

    /// What is wrong with this backend for `stack` in `env`, if anything: (message, help).
    pub fn problems(&self, stack: &str, env: &str) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        if !is_bucket_name(&self.bucket) {
            out.push((
                format!("`{}` is not a valid S3 bucket name", self.bucket),
                "bucket names have 3–63 lowercase letters, digits, `.` and `-`, and start and end with a letter or digit",
            ));
        }
        if !is_region(&self.region) {
            out.push((
                format!("`{}` is not an AWS region", self.region),
                "give the bucket's region, e.g. `eu-west-1`",
            ));
        }
        let key = self.key_for(stack, env);
        if key.is_empty() || key.starts_with('/') || key.ends_with('/') || key.contains("//") {
            out.push((
                format!("state key `{key}` is not a valid S3 key for the backend"),
                "Terraform wants a key without a leading or trailing `/` and no empty segment",
            ));
        }
        if !self.use_lockfile && self.dynamodb_table.is_none() {
            out.push((
                "the S3 backend has no state locking".to_string(),
                "two concurrent applies would corrupt the state: keep `use_lockfile` or add `.dynamodb_table(…)`",
            ));
        }
        out
    }

    /// The Terraform versions this backend needs, if more than the generated code's.
    pub fn required_terraform(&self) -> Option<&'static str> {
        self.use_lockfile.then_some(LOCKFILE_TERRAFORM_CONSTRAINT)
    }

    /// `terraform { backend "s3" { … } }` for `stack` in `env`.
    pub fn block(&self, stack: &str, env: &str, location: RustLocation) -> Block {
        let mut backend = Block::new("backend", vec!["s3".to_string()])
            .attr("bucket", self.bucket.as_str())
            .attr("key", self.key_for(stack, env))
            .attr("region", self.region.as_str())
            .attr("encrypt", true);
        if let Some(key) = &self.kms_key_id {
            backend = backend.attr("kms_key_id", key.as_str());
        }
        if self.use_lockfile {
            backend = backend.attr("use_lockfile", true);
        }
        if let Some(table) = &self.dynamodb_table {
            backend = backend.attr("dynamodb_table", table.as_str());
        }
        Block::new("terraform", vec![])
            .block(backend)
            .with_origin(crate::origin::Origin::rust(location))
    }

    /// The `config` of a `terraform_remote_state` that reads `stack`'s state in `env`.
    pub fn remote_state_config(&self, stack: &str, env: &str) -> Expr {
        Expr::object(vec![
            ("bucket", Expr::string(self.bucket.as_str())),
            ("key", Expr::string(self.key_for(stack, env))),
            ("region", Expr::string(self.region.as_str())),
        ])
    }
}

/// S3 bucket naming rules (general purpose buckets).
fn is_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && !name.contains("..")
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-4`: lowercase words and a
/// number, dash-separated.
pub(crate) fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok_and(|n| n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_default_to_stack_and_environment() {
        let b = S3Backend::new("acme-tfstate", "eu-west-1");
        assert_eq!(b.key_for("orders", "prod"), "orders/prod/terraform.tfstate");
        let b = b.key_prefix("/teams/payments/");
        assert_eq!(
            b.key_for("orders", "dev"),
            "teams/payments/orders/dev/terraform.tfstate"
        );
        assert_eq!(
            b.clone().key("x.tfstate").key_for("orders", "dev"),
            "x.tfstate"
        );
        assert!(b.problems("orders", "dev").is_empty());
    }

    #[test]
    fn bad_names_regions_keys_and_no_locking_are_problems() {
        let b = S3Backend::new("Acme_State", "Ireland")
            .key("/state/")
            .use_lockfile(false);
        let problems: Vec<String> = b.problems("s", "dev").into_iter().map(|p| p.0).collect();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[3].contains("no state locking"));
        let dynamo = S3Backend::new("acme-state", "us-gov-west-1")
            .use_lockfile(false)
            .dynamodb_table("locks");
        assert!(dynamo.problems("s", "dev").is_empty());
        assert_eq!(dynamo.required_terraform(), None);
    }
}
