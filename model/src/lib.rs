//! The tfstack model: the IR (a Terraform configuration graph), the evaluator, the loaders,
//! IAM policy types, environments, typed L1 resources and L2 constructs.

pub mod ir;
pub mod name;
pub mod origin;
pub mod value;

pub use error::SourceError;
pub use ir::*;
pub use name::{Name, Names};
pub use origin::*;
pub use value::*;
pub mod aws;
pub mod constructs;
pub mod display;
pub mod environment;
pub mod error;
pub mod iam;
pub mod iam_actions;
pub mod instances;
pub mod load;
pub mod read;
pub mod shown;
pub mod typed;

/// Everything a stack definition needs.
pub mod prelude {
    pub use crate::constructs::*;
    pub use crate::environment::Environment;
    pub use crate::iam::{Effect, PolicyDocument, Principal, Statement};
    pub use crate::ir::{Block, Expr, TemplatePart};
}
pub mod eval;
pub mod l1;
