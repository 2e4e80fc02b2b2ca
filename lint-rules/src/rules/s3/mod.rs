//! S3: buckets that can be made public, lose overwritten objects, or accept plain HTTP.
//!
//! A bucket's settings are separate resources that name it; the query layer
//! (`tfstack_lint_engine::query::companions`) pairs them with their bucket.

pub mod s3_bucket_without_tls_policy;
pub mod s3_bucket_without_versioning;
pub mod s3_public_access_not_blocked;
