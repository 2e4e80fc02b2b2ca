//! The rule catalogue, one file per rule, grouped by family.

pub mod log;
