//! The rule catalogue, one file per rule, grouped by family.

pub mod apigw;
pub mod cache;

pub mod ddb;
pub mod dlq;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod log;
pub mod ret;
pub mod s3;
pub mod sec;

pub mod sfn;
pub mod sqs;
pub mod tfs;
