//! Reporters: human (miette), JSON, SARIF 2.1.0 and GitHub workflow commands.
//!
//! The machine formats write into any `io::Write` as they go (`write`), so a large report
//! is never held twice in memory; `render` returns the same bytes as a `String`.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

/// Runs a writer-based reporter into a string.
fn to_string(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail, and the reporters write UTF-8 only.
    match write(&mut buf) {
        Ok(()) => String::from_utf8(buf).unwrap_or_default(),
        Err(_) => String::new(),
    }
}
