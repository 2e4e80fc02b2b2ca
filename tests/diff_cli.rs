//! `tfstack diff` as a user runs it: the fixture change (an IAM broadening, a dead-letter
//! queue removed, a route made public, a finding fixed, a local renamed) across two git
//! revisions, the same content as two directories, and as two plans; module instances
//! seen as `tfstack lint` sees them; typed stacks against their committed `out/`; the
//! errors a user can hit.

mod common;

use assert_cmd::Command;
use common::copy_dir;
use std::path::{Path, PathBuf};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tfstack_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("tfstack")
        .expect("binary")
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .args(args)
        .output()
        .expect("run");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: unwrapped(&String::from_utf8_lossy(&out.stderr)),
    }
}

/// A rendered error with the renderer's line wrapping undone (messages are wrapped at
/// 100 columns, continued after `│`).
fn unwrapped(text: &str) -> String {
    text.replace("\n  │ ", " ")
}

/// `tfstack` in the workspace root.
fn tfstack(args: &[&str]) -> Run {
    tfstack_in(&common::workspace_root(), args)
}

fn fixture(side: &str) -> PathBuf {
    fixture_in("tests/fixtures/diff", side)
}

/// `side` (`base`, `head`) of the fixture change in `dir`.
fn fixture_in(dir: &str, side: &str) -> PathBuf {
    common::workspace_root().join(dir).join(side)
}

const BASE_DIR: &str = "tests/fixtures/diff/base";
const HEAD_DIR: &str = "tests/fixtures/diff/head";
const BASE_PLAN: &str = "tests/fixtures/diff/plans/base.json";
const HEAD_PLAN: &str = "tests/fixtures/diff/plans/head.json";

/// `git` in `dir`, isolated from the user's configuration, with a fixed author and date so
/// that the fixture's commits are the same on every machine.
fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "tfstack")
        .env("GIT_AUTHOR_EMAIL", "tfstack@example.invalid")
        .env("GIT_AUTHOR_DATE", "2026-11-01T12:00:00Z")
        .env("GIT_COMMITTER_NAME", "tfstack")
        .env("GIT_COMMITTER_EMAIL", "tfstack@example.invalid")
        .env("GIT_COMMITTER_DATE", "2026-11-01T12:00:00Z")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// The fixture repository: `base/` committed, then replaced by `head/` in a second
/// commit. `None` (after saying so) when git is not installed.
fn fixture_repository() -> Option<tempfile::TempDir> {
    repository_of("tests/fixtures/diff")
}

/// A repository of the fixture change in `fixture`: its `base/` committed, then replaced
/// by its `head/`.
fn repository_of(fixture: &str) -> Option<tempfile::TempDir> {
    repository_of_sides(fixture, "base", "head")
}

/// A repository of two sides of `fixture`: `base` committed, then replaced by `head`.
fn repository_of_sides(fixture: &str, base: &str, head: &str) -> Option<tempfile::TempDir> {
    let repo = new_repository()?;
    let dir = repo.path();
    copy_dir(&fixture_in(fixture, base), dir);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "reports service"]);
    for entry in std::fs::read_dir(dir).expect("read repo").flatten() {
        if entry.file_name() != ".git" {
            let path = entry.path();
            if path.is_dir() {
                std::fs::remove_dir_all(path).expect("rm");
            } else {
                std::fs::remove_file(path).expect("rm");
            }
        }
    }
    copy_dir(&fixture_in(fixture, head), dir);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "open the reports route"]);
    Some(repo)
}

/// An empty repository (branch `main`) in a temporary directory; `None` (after saying so)
/// when git is not installed.
fn new_repository() -> Option<tempfile::TempDir> {
    if !common::has_program("git") {
        eprintln!("skipped: git is not installed (the revision form of tfstack diff needs it)");
        return None;
    }
    let repo = tempfile::tempdir().expect("temp dir");
    git(repo.path(), &["init", "-q", "-b", "main"]);
    Some(repo)
}

/// (category, kind, resource, danger, title) of every change of a JSON report, and the
/// (rule, resource) of the findings introduced and fixed.
type Changes = Vec<(String, String, String, String, String)>;
type Findings = (Vec<(String, String)>, Vec<(String, String)>);

/// A new repository whose one commit (`base`) holds a module of one queue.
fn repository_with_one_queue() -> Option<tempfile::TempDir> {
    let repo = new_repository()?;
    let dir = repo.path();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
    )
    .expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "base"]);
    Some(repo)
}

fn read_json(stdout: &str) -> (Changes, Findings) {
    let json: serde_json::Value = serde_json::from_str(stdout).expect("json");
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mut changes = Vec::new();
    let mut introduced = Vec::new();
    let mut fixed = Vec::new();
    for m in json["modules"].as_array().expect("modules") {
        for c in m["changes"].as_array().expect("changes") {
            changes.push((
                text(&c["category"]),
                text(&c["kind"]),
                text(&c["resource"]),
                text(&c["danger"]),
                text(&c["title"]),
            ));
        }
        for (list, out) in [("introduced", &mut introduced), ("fixed", &mut fixed)] {
            for f in m["findings"][list].as_array().expect("findings") {
                out.push((text(&f["rule"]), text(&f["resource"])));
            }
        }
    }
    (changes, (introduced, fixed))
}

#[test]
fn revisions_directories_and_plans_of_one_change_report_the_same_changes() {
    let directories = tfstack(&["diff", BASE_DIR, HEAD_DIR, "--format", "json"]);
    assert_eq!(directories.code, 0, "{}", directories.stderr);
    let (changes, (introduced, fixed)) = read_json(&directories.stdout);
    let expected = [
        (
            "exposure",
            "entry_opened",
            "aws_apigatewayv2_route.get_report",
            "high",
        ),
        (
            "iam",
            "statement_changed",
            "aws_iam_role_policy.worker",
            "high",
        ),
        (
            "reliability",
            "failure_handling_removed",
            "aws_sqs_queue.jobs",
            "medium",
        ),
    ];
    let found: Vec<(&str, &str, &str, &str)> = changes
        .iter()
        .map(|(c, k, r, d, _)| (c.as_str(), k.as_str(), r.as_str(), d.as_str()))
        .collect();
    assert_eq!(found, expected);
    let rules = |list: &[(String, String)]| -> Vec<String> {
        list.iter().map(|(rule, _)| rule.clone()).collect()
    };
    assert_eq!(rules(&introduced), ["APIGW002", "DLQ001", "IAM002"]);
    assert_eq!(rules(&fixed), ["LOG001"]);

    let plans = tfstack(&["diff", BASE_PLAN, HEAD_PLAN, "--format", "json"]);
    assert_eq!(plans.code, 0, "{}", plans.stderr);
    let (plan_changes, (plan_introduced, plan_fixed)) = read_json(&plans.stdout);
    assert_eq!(plan_changes, changes, "plans and directories");
    assert_eq!(rules(&plan_introduced), rules(&introduced));
    assert_eq!(rules(&plan_fixed), rules(&fixed));

    let Some(repo) = fixture_repository() else {
        return;
    };
    let revisions = tfstack_in(repo.path(), &["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(revisions.code, 0, "{}", revisions.stderr);
    assert_eq!(
        read_json(&revisions.stdout),
        (changes, (introduced, fixed)),
        "revisions and directories"
    );
}

#[test]
fn revisions_rendered_human_markdown_and_json() {
    let Some(repo) = fixture_repository() else {
        return;
    };
    for (format, name) in [
        ("human", "revisions_human"),
        ("markdown", "revisions_markdown"),
        ("json", "revisions_json"),
    ] {
        let run = tfstack_in(repo.path(), &["diff", "HEAD~1", "HEAD", "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!(name, run.stdout);
    }
    // Run in a subdirectory, only that subtree is compared, its paths relative to it.
    let run = tfstack_in(&repo.path().join("modules"), &["diff", "HEAD~1", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "no change to permissions, exposure, reliability or findings (1 module compared)"
        ),
        "{}",
        run.stdout
    );
    // The revision's files are read into a temporary directory removed afterwards, and the
    // working tree is left as it was.
    let status = std::process::Command::new("git")
        .current_dir(repo.path())
        .args(["status", "--porcelain"])
        .output()
        .expect("git status");
    assert!(
        status.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
}

#[test]
fn directories_rendered_human_markdown_and_json() {
    for (format, name) in [
        ("human", "directories_human"),
        ("markdown", "directories_markdown"),
        ("json", "directories_json"),
    ] {
        let run = tfstack(&["diff", BASE_DIR, HEAD_DIR, "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!(name, run.stdout);
    }
}

#[test]
fn plans_rendered_human_markdown_and_json() {
    for (format, name) in [
        ("human", "plans_human"),
        ("markdown", "plans_markdown"),
        ("json", "plans_json"),
    ] {
        let run = tfstack(&["diff", BASE_PLAN, HEAD_PLAN, "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!(name, run.stdout);
    }
}

const INSTANCES: &str = "tests/fixtures/diff-instances";
const INSTANCES_BASE: &str = "tests/fixtures/diff-instances/base";
const INSTANCES_HEAD: &str = "tests/fixtures/diff-instances/head";

#[test]
fn a_caller_turning_a_feature_on_in_one_instance_introduces_its_finding_only() {
    // Head gives `billing` a log group (kept forever), and adds a log group without
    // retention to a module only a `count = 0` call reaches: one finding, in the
    // instance `module.billing`; none in the module no instance reaches.
    let run = tfstack(&[
        "diff",
        INSTANCES_BASE,
        INSTANCES_HEAD,
        "--format",
        "json",
        "--fail-on",
        "new-findings",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let modules = json["modules"].as_array().expect("modules");
    assert_eq!(modules.len(), 1, "{}", run.stdout);
    assert_eq!(modules[0]["module"], "module.billing");
    assert_eq!(modules[0]["findings"]["fixed"], serde_json::json!([]));
    assert_eq!(
        modules[0]["findings"]["introduced"],
        serde_json::json!([{
            "rule": "LOG001",
            "name": "log-group-without-retention",
            "severity": "error",
            "message": "log group `aws_cloudwatch_log_group.this` has no retention and keeps logs forever",
            "resource": "module.billing.aws_cloudwatch_log_group.this",
            "location": "tests/fixtures/diff-instances/head/modules/queue/main.tf:33",
            "calls": [{
                "instance": "module.billing",
                "name": "billing",
                "path": "tests/fixtures/diff-instances/head/main.tf",
                "line": 10,
                "column": 1
            }]
        }])
    );
    // Neither `tfstack lint` reports the finding in the module no instance reaches.
    for side in [INSTANCES_BASE, INSTANCES_HEAD] {
        let lint = tfstack(&["lint", side, "--format", "json"]);
        assert!(
            !lint.stdout.contains("modules/archive"),
            "{side}: {}",
            lint.stdout
        );
    }
    let human = tfstack(&["diff", INSTANCES_BASE, INSTANCES_HEAD]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    insta::assert_snapshot!("instances_human", human.stdout);
    // The same change as two revisions: the same findings, located in the revision.
    let Some(repo) = repository_of(INSTANCES) else {
        return;
    };
    let revisions = tfstack_in(repo.path(), &["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(revisions.code, 0, "{}", revisions.stderr);
    let (_, (introduced, fixed)) = read_json(&revisions.stdout);
    assert_eq!(
        introduced,
        [(
            "LOG001".to_string(),
            "module.billing.aws_cloudwatch_log_group.this".to_string()
        )]
    );
    assert!(fixed.is_empty());
    assert!(
        revisions.stdout.contains("\"path\": \"main.tf\""),
        "the call in the revision, relative to the working directory: {}",
        revisions.stdout
    );
}

const MODULES: &str = "tests/fixtures/diff-modules";

/// `tfstack diff` of two sides of `fixture`, as two directories and as two revisions
/// (`HEAD~1`, `HEAD`; `None` without git), with `args` after them.
fn directories_and_revisions(
    fixture: &str,
    (base, head): (&str, &str),
    args: &[&str],
) -> (Run, Option<Run>) {
    let (base_dir, head_dir) = (format!("{fixture}/{base}"), format!("{fixture}/{head}"));
    let directories = tfstack(&[&["diff", base_dir.as_str(), head_dir.as_str()], args].concat());
    let revisions = repository_of_sides(fixture, base, head)
        .map(|repo| tfstack_in(repo.path(), &[&["diff", "HEAD~1", "HEAD"], args].concat()));
    (directories, revisions)
}

/// Asserts that `tfstack diff` of two sides of `fixture` finds no change, failing on none
/// of the kinds of change, as two directories (its output the snapshot `snapshot`) and as
/// two revisions.
fn assert_no_change(fixture: &str, sides: (&str, &str), snapshot: &str) {
    let every_kind = [
        "--fail-on",
        "broadening",
        "--fail-on",
        "exposure",
        "--fail-on",
        "reliability",
        "--fail-on",
        "new-findings",
    ];
    let (directories, revisions) = directories_and_revisions(fixture, sides, &every_kind);
    assert_eq!(
        directories.code, 0,
        "{}{}",
        directories.stdout, directories.stderr
    );
    insta::assert_snapshot!(snapshot, directories.stdout);
    if let Some(revisions) = revisions {
        assert_eq!(
            revisions.code, 0,
            "{}{}",
            revisions.stdout, revisions.stderr
        );
        assert_eq!(
            revisions.stdout.lines().last(),
            directories.stdout.lines().last()
        );
    }
}

#[test]
fn a_module_directory_renamed_is_no_change() {
    // `modules/worker` renamed `modules/consumer`, the call `module.orders` unchanged:
    // every Terraform address is the same.
    assert_no_change(
        MODULES,
        ("base", "renamed"),
        "module_directory_renamed_human",
    );
}

#[test]
fn a_module_directory_renamed_with_its_queue_redrive_removed_loses_failure_handling() {
    let sides = ("base", "renamed-without-redrive");
    let (human, _) = directories_and_revisions(MODULES, sides, &[]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    insta::assert_snapshot!(
        "module_directory_renamed_redrive_removed_human",
        human.stdout
    );
    let (directories, revisions) = directories_and_revisions(
        MODULES,
        sides,
        &["--format", "json", "--fail-on", "reliability"],
    );
    assert_eq!(
        directories.code, 1,
        "{}{}",
        directories.stdout, directories.stderr
    );
    let report: serde_json::Value = serde_json::from_str(&directories.stdout).expect("json");
    let modules = report["modules"].as_array().expect("modules");
    assert_eq!(modules.len(), 1, "{}", directories.stdout);
    assert_eq!(modules[0]["module"], "module.orders");
    assert_eq!(modules[0]["status"], "changed");
    let (changes, (introduced, fixed)) = read_json(&directories.stdout);
    let kinds: Vec<(&str, &str)> = changes
        .iter()
        .map(|(_, kind, resource, ..)| (kind.as_str(), resource.as_str()))
        .collect();
    assert_eq!(kinds, [("failure_handling_removed", "aws_sqs_queue.jobs")]);
    let orders_queue = (
        "DLQ001".to_string(),
        "module.orders.aws_sqs_queue.jobs".to_string(),
    );
    assert_eq!(introduced, [orders_queue]);
    assert!(fixed.is_empty());
    // The revisions say the same.
    if let Some(revisions) = revisions {
        assert_eq!(
            revisions.code, 1,
            "{}{}",
            revisions.stdout, revisions.stderr
        );
        assert_eq!(
            read_json(&revisions.stdout),
            read_json(&directories.stdout),
            "{}",
            revisions.stdout
        );
    }
}

#[test]
fn resources_moved_into_a_module_are_no_change() {
    // Every resource of the root module moved into `module.fanout` with `moved` blocks:
    // the same objects, their findings the same findings.
    assert_no_change(
        "tests/fixtures/diff-moved-into-module",
        ("base", "head"),
        "moved_into_module_human",
    );
}

/// `(rule, resource, attribute, path:line, message)` of findings in a JSON document.
type FindingSet = std::collections::BTreeSet<(String, String, String, String, String)>;

fn finding_set<'a>(findings: impl Iterator<Item = &'a serde_json::Value>) -> FindingSet {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    findings
        .map(|f| {
            let location = match f["line"].as_u64() {
                Some(line) => format!("{}:{line}", text(&f["path"])),
                None => text(&f["location"]),
            };
            (
                text(&f["rule"]),
                text(&f["resource"]),
                text(&f["attribute"]),
                location,
                text(&f["message"]),
            )
        })
        .collect()
}

#[test]
fn diff_compares_the_findings_lint_reports_on_each_side() {
    // Against an empty directory every finding of a version is new: diff's findings of
    // that version, to compare with what `tfstack lint` reports on it.
    let empty = tempfile::tempdir().expect("temp dir");
    let empty = empty.path().to_string_lossy().to_string();
    for tree in [
        BASE_DIR,
        HEAD_DIR,
        INSTANCES_BASE,
        INSTANCES_HEAD,
        "tests/fixtures/instances",
    ] {
        let diff = tfstack(&["diff", &empty, tree, "--format", "json"]);
        assert_eq!(diff.code, 0, "{tree}: {}", diff.stderr);
        let json: serde_json::Value = serde_json::from_str(&diff.stdout).expect("json");
        let introduced = json["modules"]
            .as_array()
            .expect("modules")
            .iter()
            .flat_map(|m| m["findings"]["introduced"].as_array().expect("introduced"));
        let lint = tfstack(&["lint", tree, "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&lint.stdout).expect("json");
        let linted = finding_set(report["findings"].as_array().expect("findings").iter());
        // The fixture change's base has no findings at all; every other tree has some.
        assert_eq!(
            linted.is_empty(),
            tree == INSTANCES_BASE,
            "{tree}: {linted:?}"
        );
        assert_eq!(finding_set(introduced), linted, "{tree}");
    }
}

#[test]
fn a_revision_is_linted_with_the_configurations_path_globs() {
    // `[environments]` and `[[suppress]] path` globs are written relative to tfstack.toml;
    // a revision's files are checked out elsewhere, and must match them as the working
    // tree's files do — from the repository's root and from a subdirectory.
    let Some(repo) = new_repository() else {
        return;
    };
    let dir = repo.path();
    std::fs::create_dir_all(dir.join("live")).expect("mkdir");
    std::fs::write(
        dir.join("tfstack.toml"),
        "[environments]\n\"live/**\" = \"dev\"\n\n[[suppress]]\nrule = \"LOG001\"\n\
         path = \"live/**\"\nreason = \"shipped to the central archive\"\n",
    )
    .expect("write");
    let stage = |auto_deploy: bool| {
        format!(
            "resource \"aws_apigatewayv2_api\" \"api\" {{\n  name          = \"api\"\n  \
             protocol_type = \"HTTP\"\n}}\n\nresource \"aws_apigatewayv2_stage\" \"live\" {{\n  \
             api_id      = aws_apigatewayv2_api.api.id\n  name        = \"live\"\n  \
             auto_deploy = {auto_deploy}\n\n  default_route_settings {{\n    \
             throttling_burst_limit = 100\n    throttling_rate_limit  = 50\n  }}\n}}\n"
        )
    };
    std::fs::write(dir.join("live/main.tf"), stage(false)).expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "a stage"]);
    // Head deploys the dev stage on its own (APIGW001 is for production only) and adds
    // a log group without retention (LOG001, suppressed under live/).
    let log_group = "\nresource \"aws_cloudwatch_log_group\" \"api\" {\n  name = \"/api\"\n}\n";
    std::fs::write(dir.join("live/main.tf"), stage(true) + log_group).expect("write");
    git(dir, &["commit", "-q", "-am", "auto deploy, a log group"]);
    for cwd in [dir.to_path_buf(), dir.join("live")] {
        let lint = tfstack_in(&cwd, &["lint", "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&lint.stdout).expect("json");
        let rules: Vec<&str> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["rule"].as_str())
            .collect();
        assert!(
            !rules.contains(&"APIGW001") && !rules.contains(&"LOG001"),
            "{}",
            lint.stdout
        );
        let diff = tfstack_in(
            &cwd,
            &[
                "diff",
                "main~1",
                "main",
                "--format",
                "json",
                "--fail-on",
                "new-findings",
            ],
        );
        assert_eq!(diff.code, 0, "{}{}", diff.stdout, diff.stderr);
        let (_, (introduced, fixed)) = read_json(&diff.stdout);
        assert_eq!((introduced, fixed), (vec![], vec![]), "{}", cwd.display());
    }
}

#[test]
fn a_revision_that_weakens_the_configuration_says_so() {
    let Some(repo) = new_repository() else {
        return;
    };
    let dir = repo.path();
    let queue = "resource \"aws_sqs_queue\" \"jobs\" {\n  sqs_managed_sse_enabled = true\n}\n";
    std::fs::write(dir.join("main.tf"), queue).expect("write");
    std::fs::write(dir.join("tfstack.toml"), "[rules]\nLOG001 = \"warning\"\n").expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "a queue"]);
    // Head turns the dead-letter rule off and excludes a directory.
    std::fs::write(
        dir.join("tfstack.toml"),
        "exclude = [\"legacy/**\"]\n\n[rules]\nLOG001 = \"warning\"\nDLQ001 = \"off\"\n",
    )
    .expect("write");
    git(dir, &["commit", "-q", "-am", "quiet"]);
    let human = tfstack_in(dir, &["diff", "main~1", "main"]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human.stdout.contains(
            "lint configuration `tfstack.toml`\n    weakens `DLQ001` (sqs-queue-without-dlq) turned off (was error)\n    weakens no longer linted: `legacy/**` excluded\n"
        ),
        "{}",
        human.stdout
    );
    // Both versions' findings are judged with one configuration: the queue's DLQ001 is
    // not shown as fixed.
    assert!(!human.stdout.contains("findings fixed"), "{}", human.stdout);
    let gate = tfstack_in(
        dir,
        &["diff", "main~1", "main", "--fail-on", "configuration"],
    );
    assert_eq!(gate.code, 1, "{}", gate.stdout);
    let json = tfstack_in(dir, &["diff", "main~1", "main", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(report["summary"]["configuration_weakened"], 2);
    assert_eq!(report["configuration"][0]["kind"], "rule_turned_off");
    assert_eq!(report["configuration"][0]["file"], "tfstack.toml");
    // Back again: the rule returns, nothing weakens.
    let back = tfstack_in(
        dir,
        &["diff", "main", "main~1", "--fail-on", "configuration"],
    );
    assert_eq!(back.code, 0, "{}", back.stdout);
    assert!(
        back.stdout
            .contains("`DLQ001` (sqs-queue-without-dlq) turned on as error"),
        "{}",
        back.stdout
    );
    // A configuration named on the command line is not the revisions': not compared.
    let named = tfstack_in(
        dir,
        &[
            "diff",
            "main~1",
            "main",
            "--config",
            "tfstack.toml",
            "--fail-on",
            "configuration",
        ],
    );
    assert_eq!(named.code, 0, "{}", named.stdout);
    assert!(
        !named.stdout.contains("lint configuration"),
        "{}",
        named.stdout
    );
}

#[test]
fn a_revision_leaves_out_what_lint_excludes_but_not_what_the_change_excludes() {
    let Some(repo) = repository_with_one_queue() else {
        return;
    };
    let dir = repo.path();
    let admin = "resource \"aws_iam_policy\" \"p\" {\n  name   = \"p\"\n  policy = \
                 jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", \
                 Action = \"*\", Resource = \"*\" }] })\n}\n";
    std::fs::write(dir.join("tfstack.toml"), "exclude = [\"examples/**\"]\n").expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "examples are not linted"]);
    // An example lint leaves out: no change, as lint sees none.
    std::fs::create_dir_all(dir.join("examples/demo")).expect("mkdir");
    std::fs::write(dir.join("examples/demo/main.tf"), admin).expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "an example"]);
    let lint = tfstack_in(dir, &["lint"]);
    assert_eq!(lint.code, 1, "{}{}", lint.stdout, lint.stderr);
    assert!(!lint.stdout.contains("examples/"), "{}", lint.stdout);
    let run = tfstack_in(
        dir,
        &[
            "diff",
            "main~1",
            "main",
            "--fail-on",
            "broadening",
            "--fail-on",
            "new-findings",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "no change to permissions, exposure, reliability or findings (1 module compared)"
        ),
        "{}",
        run.stdout
    );
    // A change that excludes the module it broadens: the exclusion is reported, and what
    // it would hide is compared.
    std::fs::write(
        dir.join("tfstack.toml"),
        "exclude = [\"examples/**\", \"app/**\"]\n",
    )
    .expect("write");
    std::fs::create_dir_all(dir.join("app")).expect("mkdir");
    std::fs::write(dir.join("app/main.tf"), admin).expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "quietly broad"]);
    let run = tfstack_in(dir, &["diff", "main~1", "main", "--fail-on", "broadening"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    for expected in [
        "weakens no longer linted: `app/**` excluded",
        "module `app` (added)",
        "new identity policy `aws_iam_policy.p`",
    ] {
        assert!(run.stdout.contains(expected), "{expected}\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("examples/"), "{}", run.stdout);
}

#[test]
fn a_revision_is_read_within_the_file_size_limit() {
    let Some(repo) = repository_with_one_queue() else {
        return;
    };
    let dir = repo.path();
    let mut queue = b"resource \"aws_sqs_queue\" \"big\" {\n  name = \"big\"\n}\n".to_vec();
    queue.resize(4096, b'\n');
    std::fs::write(dir.join("big.tf"), queue).expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "a larger file"]);
    let run = tfstack_in(dir, &["diff", "main~1", "main", "--max-file-size", "1KB"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("big.tf is larger than the read limit of 1 KiB"),
        "{}",
        run.stderr
    );
    // The configuration's limit, as lint reads it.
    std::fs::write(dir.join("tfstack.toml"), "max_file_size = \"1KB\"\n").expect("write");
    let run = tfstack_in(dir, &["diff", "main~1", "main"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let run = tfstack_in(dir, &["diff", "main~1", "main", "--max-file-size", "8KB"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn fail_on_selects_what_fails_the_run() {
    for fail_on in ["broadening", "exposure", "reliability", "new-findings"] {
        let run = tfstack(&["diff", BASE_DIR, HEAD_DIR, "--fail-on", fail_on]);
        assert_eq!(run.code, 1, "--fail-on {fail_on}: {}", run.stderr);
    }
    // The change reversed narrows, closes the route and brings the dead-letter queue back;
    // it removes the log group's retention again (a reliability change) and brings
    // LOG001 back.
    let reversed = |fail_on: &[&str]| {
        let mut args = vec!["diff", HEAD_DIR, BASE_DIR];
        for f in fail_on {
            args.extend(["--fail-on", f]);
        }
        tfstack(&args)
    };
    let run = reversed(&["broadening", "exposure"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("statement `ReadReports` of `aws_iam_role_policy.worker` narrowed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("`aws_cloudwatch_log_group.worker`: log retention removed, kept forever"),
        "{}",
        run.stdout
    );
    assert_eq!(reversed(&["reliability"]).code, 1);
    assert_eq!(reversed(&["new-findings"]).code, 1, "LOG001 comes back");
    // A version against itself: nothing to report, nothing fails.
    let same = tfstack(&[
        "diff",
        BASE_DIR,
        BASE_DIR,
        "--fail-on",
        "broadening",
        "--fail-on",
        "new-findings",
        "--format",
        "markdown",
    ]);
    assert_eq!(same.code, 0);
    assert_eq!(
        same.stdout,
        format!(
            "### tfstack diff: `{BASE_DIR}` → `{BASE_DIR}`\n\nNo change to permissions, exposure, reliability or findings (2 modules compared).\n"
        )
    );
}

#[test]
fn a_typed_stack_against_its_committed_output() {
    for (stack, env) in [
        ("lab_http_api", "prod"),
        ("orders", "prod"),
        ("integration_service", "dev"),
    ] {
        let run = tfstack(&[
            "diff",
            "--stack",
            stack,
            "--env",
            env,
            "--fail-on",
            "new-findings",
        ]);
        assert_eq!(run.code, 0, "{stack}/{env}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout
                .contains("no change to permissions, exposure, reliability or findings"),
            "{stack}/{env}: out/ is what the stack writes: {}",
            run.stdout
        );
    }
    // A committed output that grants less and keeps logs longer than the stack now does.
    let out = tempfile::tempdir().expect("temp dir");
    let committed = out.path().join("lab_http_api/prod");
    copy_dir(
        &common::workspace_root().join("out/lab_http_api/prod"),
        &committed,
    );
    let policy = committed.join("policies/lab-http-api-prod-lab-lambda-mvp-policy.json");
    let text = std::fs::read_to_string(&policy).expect("policy");
    let narrowed = text.replace(",\n        \"logs:PutLogEvents\"", "");
    assert_ne!(narrowed, text, "the fixture edit applies");
    std::fs::write(&policy, narrowed).expect("write");
    let main = committed.join("main.tf");
    let text = std::fs::read_to_string(&main).expect("main.tf");
    let longer = text.replace("retention_in_days = 30", "retention_in_days = 90");
    assert_ne!(longer, text, "the fixture edit applies");
    std::fs::write(&main, longer).expect("write");
    let out_arg = out.path().to_string_lossy().to_string();
    let run = tfstack(&[
        "diff",
        "--stack",
        "lab_http_api",
        "--env",
        "prod",
        "--out",
        &out_arg,
        "--fail-on",
        "broadening",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("base `"), "{}", run.stdout);
    assert!(
        run.stdout.contains("head `stack lab_http_api (prod)`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("statement `WriteOwnLogs` of `aws_iam_role_policy.lab_lambda_mvp` broadened"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("new actions: `logs:PutLogEvents`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("log retention shortened from 90 days to 30 days"),
        "{}",
        run.stdout
    );
    // The stack's change is located at the Rust line that writes it.
    assert!(run.stdout.contains("stacks/src/"), "{}", run.stdout);
}

#[test]
fn errors_are_located_and_say_what_to_do() {
    let mixed = tfstack(&["diff", BASE_DIR, BASE_PLAN]);
    assert_eq!(mixed.code, 2);
    assert!(
        mixed
            .stderr
            .contains("BASE `tests/fixtures/diff/base` is a directory but HEAD `tests/fixtures/diff/plans/base.json` is a file"),
        "{}",
        mixed.stderr
    );
    let not_a_plan = tfstack(&[
        "diff",
        "tests/fixtures/diff/base/main.tf",
        "tests/fixtures/diff/head/main.tf",
    ]);
    assert_eq!(not_a_plan.code, 2);
    assert!(
        not_a_plan
            .stderr
            .contains("tests/fixtures/diff/base/main.tf: not a Terraform plan"),
        "{}",
        not_a_plan.stderr
    );
    for refused in ["--output=x", "HEAD..main", "HEAD:main.tf", "@{-1}"] {
        let run = tfstack(&["diff", "--", refused, "HEAD"]);
        assert_eq!(run.code, 2, "{refused}");
        assert!(
            run.stderr.contains(&format!(
                "`{refused}` is neither an existing file or directory nor a plain revision"
            )),
            "{refused}: {}",
            run.stderr
        );
    }
    let outside = tempfile::tempdir().expect("temp dir");
    let run = tfstack_in(outside.path(), &["diff", "main", "HEAD"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("the working directory is not in a git repository")
            || run.stderr.contains("cannot run git"),
        "{}",
        run.stderr
    );
    let both = tfstack(&["diff", BASE_DIR, HEAD_DIR, "--stack", "orders"]);
    assert_eq!(both.code, 2);
    assert!(both
        .stderr
        .contains("give either BASE and HEAD or --stack, not both"));

    // A file that does not parse: shown with its lines, and nothing is compared.
    let broken = tempfile::tempdir().expect("temp dir");
    copy_dir(&fixture("base"), &broken.path().join("base"));
    copy_dir(&fixture("head"), &broken.path().join("head"));
    std::fs::write(
        broken.path().join("head/broken.tf"),
        "resource \"aws_sqs_queue\" \"x\" {\n  name = \n}\n",
    )
    .expect("write");
    let run = tfstack_in(broken.path(), &["diff", "base", "head"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("╭─[head/broken.tf:2:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("1 file(s) could not be read: nothing was compared"),
        "{}",
        run.stderr
    );
    // With `--format json`, a script reading the output finds JSON saying so.
    let run = tfstack_in(broken.path(), &["diff", "base", "head", "--format", "json"]);
    assert_eq!(run.code, 2);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["errors"][0]["path"], "head/broken.tf", "{doc:#}");
    assert_eq!(doc["errors"][0]["line"], 2, "{doc:#}");
    assert!(
        doc.get("modules").is_none(),
        "nothing was compared: {doc:#}"
    );

    // Between revisions, an error names the revision it is in, as git names a file of one:
    // the working tree's file at that path may be fine.
    if let Some(repo) = repository_with_one_queue() {
        let dir = repo.path();
        std::fs::write(
            dir.join("main.tf"),
            "resource \"aws_sqs_queue\" \"q\" {\n  name = \n}\n",
        )
        .expect("write");
        git(dir, &["commit", "-q", "-am", "broken"]);
        std::fs::write(
            dir.join("main.tf"),
            "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
        )
        .expect("write");
        git(dir, &["commit", "-q", "-am", "fixed"]);
        let run = tfstack_in(dir, &["diff", "HEAD~1", "HEAD", "--format", "json"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains("╭─[HEAD~1:main.tf:2:"),
            "{}",
            run.stderr
        );
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
        assert_eq!(doc["errors"][0]["path"], "HEAD~1:main.tf", "{doc:#}");
    }

    // Module calls that form a cycle: `tfstack lint` cannot lint the instances, so the
    // findings are incomplete and nothing is compared either.
    std::fs::remove_file(broken.path().join("head/broken.tf")).expect("rm");
    for (dir, other) in [("a", "b"), ("b", "a")] {
        let module = broken.path().join("head").join(dir);
        std::fs::create_dir_all(&module).expect("mkdir");
        std::fs::write(
            module.join("main.tf"),
            format!("module \"{other}\" {{\n  source = \"../{other}\"\n}}\n"),
        )
        .expect("write");
    }
    let run = tfstack_in(broken.path(), &["diff", "base", "head"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("module calls form a cycle"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_revision_is_read_without_following_its_links() {
    let Some(repo) = new_repository() else {
        return;
    };
    let dir = repo.path();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
    )
    .expect("write");
    // A link to a file outside the repository, named like a module file: linted, it would
    // be read (and fail to parse); the checkout leaves links out of the revision out.
    std::os::unix::fs::symlink("/etc/hostname", dir.join("outside.tf")).expect("symlink");
    std::os::unix::fs::symlink("../../x.tf", dir.join("up.tf")).expect("symlink");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "a link"]);
    let run = tfstack_in(dir, &["diff", "HEAD", "main"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "no change to permissions, exposure, reliability or findings (1 module compared)"
        ),
        "{}",
        run.stdout
    );
    // A module file linked to another file of the repository is that file, for
    // Terraform and for `tfstack lint`: a change behind the link is compared.
    std::fs::create_dir_all(dir.join("notes")).expect("mkdir");
    std::fs::write(
        dir.join("notes/policy.txt"),
        "resource \"aws_iam_policy\" \"p\" {\n  name   = \"p\"\n  policy = jsonencode({ \
         Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = \"*\", \
         Resource = \"*\" }] })\n}\n",
    )
    .expect("write");
    std::os::unix::fs::symlink("notes/policy.txt", dir.join("policy.tf")).expect("symlink");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "a policy behind a link"]);
    let lint = tfstack_in(dir, &["lint"]);
    assert!(
        lint.stdout.contains("IAM001"),
        "{}{}",
        lint.stdout,
        lint.stderr
    );
    let run = tfstack_in(dir, &["diff", "HEAD~1", "HEAD", "--fail-on", "broadening"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("new identity policy `aws_iam_policy.p`"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_revision_whose_configuration_is_too_large_is_not_compared_without_it() {
    let Some(repo) = repository_with_one_queue() else {
        return;
    };
    let dir = repo.path();
    // A configuration past the linter's read limit (a comment, so git keeps it small):
    // compared as absent, the revision's suppressions and exclusions would be dropped
    // silently.
    let mut config = b"[rules]\n".to_vec();
    config.resize(64 * 1024 * 1024 + 1, b'#');
    std::fs::write(dir.join("tfstack.toml"), config).expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "huge configuration"]);
    std::fs::remove_file(dir.join("tfstack.toml")).expect("rm");
    let run = tfstack_in(dir, &["diff", "HEAD~1", "HEAD"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("tfstack.toml is larger than the read limit of 64 MiB"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_revision_reads_files_whose_names_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let Some(repo) = repository_with_one_queue() else {
        return;
    };
    let dir = repo.path();
    // A public function URL in a file whose name is not UTF-8: Terraform loads it, and so
    // must the comparison (a pull request could hide a resource from it otherwise).
    let name = std::ffi::OsStr::from_bytes(b"x\xff.tf");
    std::fs::write(
        dir.join(name),
        "resource \"aws_lambda_function_url\" \"u\" {\n  function_name      = \"f\"\n  authorization_type = \"NONE\"\n}\n",
    )
    .expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "head"]);
    let run = tfstack_in(
        dir,
        &[
            "diff",
            "HEAD~1",
            "HEAD",
            "--format",
            "json",
            "--fail-on",
            "new-findings",
        ],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("aws_lambda_function_url.u"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_diff_stopped_by_a_signal_removes_the_revisions_it_wrote() {
    use std::os::unix::process::ExitStatusExt;
    let Some(repo) = new_repository() else {
        return;
    };
    let dir = repo.path();
    // Enough code that the comparison runs a while after the checkouts are written.
    let module = (0..400)
        .map(|i| format!("resource \"aws_sqs_queue\" \"q{i}\" {{\n  name = \"q{i}\"\n}}\n"))
        .collect::<String>();
    for side in ["base", "head"] {
        for m in 0..40 {
            let path = dir.join(format!("m{m}"));
            std::fs::create_dir_all(&path).expect("mkdir");
            std::fs::write(path.join("main.tf"), format!("# {side}\n{module}")).expect("write");
        }
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", side]);
    }
    let temp = tempfile::tempdir().expect("temp dir");
    let checkouts = || -> Vec<PathBuf> {
        std::fs::read_dir(temp.path())
            .expect("read temp")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains("tfstack-diff-"))
            .collect()
    };
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tfstack"))
        .current_dir(dir)
        .env("TMPDIR", temp.path())
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .args(["diff", "HEAD~1", "HEAD"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Once a revision is written, the process is stopped as a CI job's timeout stops it.
    let started = std::time::Instant::now();
    while checkouts().is_empty() {
        if child.try_wait().expect("wait").is_some() {
            eprintln!("skipped: the diff ended before its checkout was seen");
            return;
        }
        assert!(started.elapsed().as_secs() < 60, "no checkout appeared");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    if status.success() {
        eprintln!("skipped: the diff ended before the signal arrived");
        return;
    }
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert_eq!(checkouts(), Vec::<PathBuf>::new());
}
