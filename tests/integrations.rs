//! What a CI owner adopts: the GitHub Action's metadata is valid, and the pre-commit hooks
//! lint the changed files of a repository as `pre-commit` runs them. Each test says
//! `skipped: …` when its tool (check-jsonschema, pre-commit, git) is absent; CI installs
//! them.

mod common;

use common::workspace_root;
use std::path::Path;
use std::process::Command;

/// Whether `program --version` runs.
fn has(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn the_action_metadata_is_valid() {
    if !has("check-jsonschema") {
        println!("skipped: check-jsonschema not found (pip install check-jsonschema)");
        return;
    }
    let out = Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.github-actions"])
        .arg(workspace_root().join("action.yml"))
        .output()
        .expect("check-jsonschema runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_hook_manifest_is_valid() {
    if !has("pre-commit") {
        println!("skipped: pre-commit not found (pip install pre-commit)");
        return;
    }
    let out = Command::new("pre-commit")
        .arg("validate-manifest")
        .arg(workspace_root().join(".pre-commit-hooks.yaml"))
        .output()
        .expect("pre-commit runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Runs `git ARGS` in `dir`, with a fixed identity (no global configuration needed).
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=tfstack",
            "-c",
            "user.email=tfstack@example.invalid",
        ])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn the_pre_commit_hook_lints_the_changed_files_in_their_module() {
    if !has("pre-commit") || !has("git") {
        println!("skipped: pre-commit or git not found");
        return;
    }
    // A repository with one module of two files: the log group's retention is in
    // logs.tf, the function in main.tf.
    let repo = tempfile::tempdir().expect("temp dir");
    let dir = repo.path();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_lambda_function\" \"f\" {\n  function_name = \"orders\"\n  role          = \"arn:aws:iam::123456789012:role/orders\"\n  handler       = \"app.handler\"\n  runtime       = \"python3.12\"\n  filename      = \"app.zip\"\n  timeout       = 10\n}\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("logs.tf"),
        "resource \"aws_cloudwatch_log_group\" \"f\" {\n  name              = \"/aws/lambda/orders\"\n  retention_in_days = 30\n}\n",
    )
    .expect("write");
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "module"]);
    // The hook runs the tfstack this test suite built.
    let binary = assert_cmd::cargo::cargo_bin("tfstack");
    let bin_dir = binary.parent().expect("bin dir");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |files: &[&str]| {
        let home = tempfile::tempdir().expect("pre-commit home");
        let out = Command::new("pre-commit")
            .current_dir(dir)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", home.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args(["try-repo"])
            .arg(workspace_root())
            .args(["tfstack-lint-system", "--files"])
            .args(files)
            .output()
            .expect("pre-commit runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    // main.tf alone: its log group (in logs.tf) counts, so LOG002 does not fire.
    let (code, stdout) = run(&["main.tf"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("Passed"), "{stdout}");
    // A log group that keeps logs forever fails the hook, at its file and line.
    std::fs::write(
        dir.join("logs.tf"),
        "resource \"aws_cloudwatch_log_group\" \"f\" {\n  name = \"/aws/lambda/orders\"\n}\n",
    )
    .expect("write");
    let (code, stdout) = run(&["logs.tf"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("LOG001"), "{stdout}");
    assert!(stdout.contains("logs.tf:1:1"), "{stdout}");
}
