//! Shared helpers of the CLI and conformance tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The App of the built-in binary: every seed stack registered (no state backend, as
/// `src/main.rs`).
pub fn app() -> tfstack::App {
    let mut app = tfstack::App::new();
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

/// What one run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `tfstack ARGS` in `dir` (outside CI's environment).
pub fn run_tfstack(dir: &Path, args: &[&str]) -> Run {
    let output = assert_cmd::Command::cargo_bin("tfstack")
        .expect("the tfstack binary is built for integration tests")
        .current_dir(dir)
        .args(args)
        .env_remove("CI")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("tfstack runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
