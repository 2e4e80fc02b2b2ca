//! RET: retention periods that delete data before it can be looked at.

pub mod dlq_retention_shorter_than_source;
