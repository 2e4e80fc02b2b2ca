//! ECR: repositories whose images are never scanned.
//!
//! Shared with RET003: which repositories are judged, and how a lifecycle policy names
//! its repository.
pub mod ecr_scan_on_push_disabled;
