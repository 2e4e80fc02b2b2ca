//! `tfstack init`: the commented tfstack.toml it writes for a repository (environments
//! detected from directory names), read back by the configuration loader `tfstack lint`
//! uses; the baseline it writes when the first lint has findings; never an existing file
//! replaced without `--force`.

mod common;

use common::{copy_dir, tfstack_in, workspace_root};
use tfstack_lint_engine::config::LintConfig;

/// The fixture repository (tests/fixtures/init) in a temporary git work tree.
fn fixture_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&workspace_root().join("tests/fixtures/init"), dir.path());
    std::fs::create_dir_all(dir.path().join(".git")).expect("mkdir");
    dir
}

#[test]
fn init_writes_a_commented_config_with_the_detected_environments_and_a_baseline() {
    let repo = fixture_repository();
    // From a subdirectory: the repository's root is where it writes.
    let run = tfstack_in(&repo.path().join("envs/prod"), &["init"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // Paths outside the working directory are shown absolute.
    let root = repo.path().to_string_lossy();
    assert_eq!(
        run.stdout,
        format!(
            "wrote {root}/tfstack.toml (profile recommended; environments detected: dev, \
             prod, test)\n\
             11 files linted: 3 findings, recorded in {root}/.tfstack-baseline.json\n\
             `tfstack lint --baseline {root}/.tfstack-baseline.json` reports them as \
             suppressed and fails only on new ones\n"
        )
    );
    let path = repo.path().join("tfstack.toml");
    let text = std::fs::read_to_string(&path).expect("tfstack.toml");
    insta::assert_snapshot!("init_tfstack_toml", text);
    // What `tfstack lint` reads: the same loader, and every rule name it checks.
    let config = LintConfig::load(&path, 1 << 20).expect("a valid configuration");
    config
        .check_rule_names(tfstack_lint_rules::registry::all(), &|_| false)
        .expect("known rule names");
    assert_eq!(
        config.environment_of(&repo.path().join("envs/prod/network")),
        Some("prod".to_string())
    );
    assert_eq!(
        config.environment_of(&repo.path().join("stacks/billing/prod")),
        Some("prod".to_string())
    );
    assert_eq!(
        config.environment_of(&repo.path().join("stacks/orders/dev")),
        Some("dev".to_string())
    );
    assert_eq!(
        config.environment_of(&repo.path().join("test/fixtures/minimal")),
        None
    );
    // With the baseline, the same tree passes; without, it fails.
    let gate = tfstack_in(
        repo.path(),
        &["lint", "--baseline", ".tfstack-baseline.json"],
    );
    assert_eq!(gate.code, 0, "{}", gate.stdout);
    assert!(gate.stdout.contains("3 suppressed"), "{}", gate.stdout);
    assert_eq!(tfstack_in(repo.path(), &["lint"]).code, 1);
}

#[test]
fn init_never_replaces_a_config_or_baseline_without_force() {
    let repo = fixture_repository();
    let path = repo.path().join("tfstack.toml");
    std::fs::write(&path, "profile = \"strict\"\n").expect("write");
    let run = tfstack_in(repo.path(), &["init"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("tfstack.toml already exists"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "profile = \"strict\"\n"
    );
    assert!(!repo.path().join(".tfstack-baseline.json").exists());
    // A baseline already there stops it too, before anything is written.
    std::fs::remove_file(&path).expect("rm");
    std::fs::write(repo.path().join(".tfstack-baseline.json"), "{}").expect("write");
    let run = tfstack_in(repo.path(), &["init"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(!path.exists());
    // --force writes both.
    let run = tfstack_in(repo.path(), &["init", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::read_to_string(&path)
        .expect("read")
        .contains("profile = \"recommended\""));
    let baseline =
        std::fs::read_to_string(repo.path().join(".tfstack-baseline.json")).expect("baseline");
    assert!(baseline.contains("\"version\": 2"), "{baseline}");
}

#[test]
fn init_writes_no_baseline_without_findings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = tfstack_in(dir.path(), &["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("wrote tfstack.toml (profile recommended; no environment detected)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("no Terraform files to lint yet: no baseline written"),
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(dir.path().join("tfstack.toml")).expect("config");
    assert!(text.contains("# \"envs/prod/**\" = \"prod\""), "{text}");
    // A clean module: linted, no baseline.
    let clean = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        clean.path().join("main.tf"),
        "resource \"aws_cloudwatch_log_group\" \"a\" {\n  name              = \"/a\"\n  retention_in_days = 7\n}\n",
    )
    .expect("write");
    let run = tfstack_in(clean.path(), &["init", "--baseline", "ci/baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("1 file linted: no findings, no baseline needed"),
        "{}",
        run.stdout
    );
    assert!(!clean.path().join("ci/baseline.json").exists());
}

#[cfg(unix)]
#[test]
fn init_never_writes_through_a_link_even_with_force() {
    let repo = fixture_repository();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let target = elsewhere.path().join("victim.toml");
    std::fs::write(&target, "kept\n").expect("write");
    std::os::unix::fs::symlink(&target, repo.path().join("tfstack.toml")).expect("symlink");
    let run = tfstack_in(repo.path(), &["init"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    let run = tfstack_in(repo.path(), &["init", "--force"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "kept\n");
}
