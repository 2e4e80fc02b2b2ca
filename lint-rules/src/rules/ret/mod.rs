//! RET: retention periods that delete data before it can be looked at.

pub mod dlq_retention_shorter_than_source;
pub mod ecr_repository_without_lifecycle;
pub mod s3_bucket_without_lifecycle;
