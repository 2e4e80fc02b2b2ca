// Loaders read hostile input: no indexing or slicing that can panic on it (tests may).
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::string_slice))]
pub mod hcl;
pub mod json;
pub mod plan;
pub mod tfjson;
