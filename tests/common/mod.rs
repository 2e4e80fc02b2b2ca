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

/// Makes a FIFO at `path`; `false` (after saying so) where `mkfifo` fails or is missing.
pub fn mkfifo(path: &Path) -> bool {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("skipped: mkfifo failed, no FIFO at {}", path.display());
    }
    made
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

/// What one run of the binary gave, and how long it took.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: std::time::Duration,
}

impl Run {
    /// Stdout as JSON (a `--format json` or `sarif` run).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `tfstack ARGS` in `dir` (outside CI's environment), killed after two minutes.
pub fn tfstack_in(dir: &Path, args: &[&str]) -> Run {
    let start = std::time::Instant::now();
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
        elapsed: start.elapsed(),
    }
}

/// Every `tfstack lint --format`.
pub const LINT_FORMATS: [&str; 7] = [
    "human",
    "json",
    "sarif",
    "github",
    "junit",
    "checkstyle",
    "gitlab",
];

/// Copies a directory tree (a fixture into a temporary directory, for tests that edit).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture");
        }
    }
}

/// A temporary repository holding `files`, an empty `tfstack.toml` (no configuration
/// from further up) and a `.git` directory (which makes it the default read root).
pub fn repository(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join(".git")).expect("mkdir");
    std::fs::write(dir.path().join("tfstack.toml"), "").expect("write");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

/// The members of a report's list (`findings`, `errors`, `notices`, …), each shown as
/// `fields` joined by `sep` (a missing field as `?`).
pub fn shown(doc: &serde_json::Value, key: &str, fields: &[&str], sep: &str) -> Vec<String> {
    doc[key]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            fields
                .iter()
                .map(|f| match &e[*f] {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => "?".to_string(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(sep)
        })
        .collect()
}
