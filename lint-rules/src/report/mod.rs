//! Reporters: human (miette), JSON, SARIF 2.1.0 and GitHub workflow commands.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
