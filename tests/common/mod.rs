//! Shared helpers of the CLI and conformance tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The App of the built-in binary: every seed stack registered.
pub fn app() -> tfstack::App {
    let mut app = tfstack::App::new().backend(tfstack_stacks::state_backend());
    for (name, define) in tfstack_stacks::STACKS {
        app = app.stack(name, define);
    }
    app
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether `program` runs.
pub fn has_program(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Every root module under `out/` (`out/<stack>/<env>`).
pub fn out_modules(root: &Path) -> Vec<PathBuf> {
    modules_under(&root.join("out"))
}

/// Every root module under `dir` (`<dir>/<stack>/<env>`).
pub fn modules_under(dir: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(stacks) = std::fs::read_dir(dir) {
        for s in stacks.flatten() {
            if let Ok(envs) = std::fs::read_dir(s.path()) {
                for e in envs.flatten() {
                    if e.path().join("main.tf").exists() {
                        dirs.push(e.path());
                    }
                }
            }
        }
    }
    dirs.sort();
    dirs
}
