//! L2 constructs: typed building blocks with secure defaults, on top of the L1 resources.

pub mod function;
pub mod http_api;
pub mod iam;
pub mod log_group;
pub mod module;
pub mod network;
pub mod stack;
pub mod table;

pub use function::{Architecture, Code, DeadLetterTarget, Function, FunctionBuilder, Runtime};
pub use http_api::{Cors, HttpApi, HttpApiBuilder};
pub use iam::{Grantee, Role};
pub use log_group::LogGroup;
pub use stack::{AwsContext, ResourceRef, Stack, StackFile, StackOutput, Suppression, SynthError};
pub use table::{BillingMode, Key, KeyType, Table, TableBuilder};
