//! The rule catalogue, one file per rule, grouped by family.

pub mod apigw;
pub mod dlq;
pub mod iam;
pub mod lambda;
pub mod log;
pub mod ret;
