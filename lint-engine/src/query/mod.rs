//! The questions rules ask of the IR, answered once: how many instances a block has, what
//! an expression refers to, a setting's three states, companion resources, the functions
//! and queues an expression designates, failure paths, policy documents, the files of a
//! deployment package. Every rule asks through here; no rule imports another family.

pub mod companions;
pub mod failures;
pub mod functions;
pub mod ingress;
pub mod instances;
pub mod openapi;
pub mod packages;
pub mod policy;
pub mod references;
pub mod settings;
