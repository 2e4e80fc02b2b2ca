pub mod hcl;
pub mod json;
pub mod plan;
pub mod tfjson;
