//! Promises of SECURITY.md checked on the source itself.

mod common;

use common::workspace_root;
use std::path::Path;

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("list").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Linting executes nothing: the crates that read and lint input start no process (their
/// tests, after `#[cfg(test)]`, may make FIFOs with `mkfifo`).
#[test]
fn the_linter_starts_no_process() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["model/src", "lint-engine/src", "lint-rules/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50);
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for needle in [
            "process::Command",
            "Command::new(",
            "process::exit",
            "libc::exec",
        ] {
            if code.contains(needle) {
                found.push(format!("{}: {needle}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
