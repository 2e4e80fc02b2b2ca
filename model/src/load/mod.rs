pub mod hcl;
pub mod json;
