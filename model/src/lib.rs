//! The tfstack model: the IR (a Terraform configuration graph), the evaluator, the loaders,
//! IAM policy types, environments, typed L1 resources and L2 constructs.

pub mod ir;
pub mod origin;
pub mod value;

pub use ir::*;
pub use origin::*;
pub use value::*;
pub mod display;
pub mod typed;
