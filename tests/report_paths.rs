//! Paths in reports: relative to the repository root (or `--base-dir`) in every format,
//! the same bytes whatever the working directory and however the paths are written, and
//! a baseline written from one directory applies from another.

mod common;

use common::{repository, tfstack_in, Run, LINT_FORMATS};
use serde_json::Value;
use std::path::Path;

/// A repository with a root module under `infra/app` that calls a module outside the
/// linted directory, an IAM policy file, a file that does not parse, and a link out of
/// the repository (a notice that names its path).
fn tree() -> tempfile::TempDir {
    let repo = repository(&[
        (
            "infra/app/main.tf",
            r#"module "queue" {
  source = "../../modules/queue"
}

resource "aws_cloudwatch_log_group" "app" {
  name = "/app"
}
"#,
        ),
        (
            "infra/app/policy.json",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
        ),
        (
            "infra/broken/main.tf",
            "resource \"aws_sqs_queue\" \"q\" {\n",
        ),
        (
            "modules/queue/main.tf",
            "resource \"aws_sqs_queue\" \"this\" {\n  name = \"jobs\"\n}\n",
        ),
    ]);
    #[cfg(unix)]
    {
        let outside = repo.path().parent().expect("parent").join("outside.tf");
        std::fs::write(&outside, "").expect("write");
        std::os::unix::fs::symlink(&outside, repo.path().join("infra/app/linked.tf"))
            .expect("symlink");
    }
    repo
}

fn lint(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    tfstack_in(dir, &all)
}

#[test]
fn every_format_gives_the_same_bytes_from_any_directory() {
    let repo = tree();
    let root = repo.path();
    let absolute = root.join("infra").to_string_lossy().to_string();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    for format in LINT_FORMATS {
        let runs = [
            lint(root, &["infra", "--format", format]),
            lint(&root.join("infra/app"), &["..", "--format", format]),
            lint(&root.join("modules"), &["../infra/", "--format", format]),
            lint(elsewhere.path(), &[&absolute, "--format", format]),
            lint(&root.join("infra"), &[&absolute, "--format", format]),
        ];
        assert_eq!(runs[0].code, 2, "{format}: {}", runs[0].stderr);
        for run in &runs[1..] {
            assert_eq!(run.code, runs[0].code, "{format}: {}", run.stderr);
            assert_eq!(run.stdout, runs[0].stdout, "{format}");
        }
        let out = &runs[0].stdout;
        // Relative to the repository's root, not to the linted directory.
        assert!(out.contains("infra/app/main.tf"), "{format}: {out}");
        assert!(out.contains("modules/queue/main.tf"), "{format}: {out}");
        assert!(out.contains("infra/broken/main.tf"), "{format}: {out}");
        let root_text = root.to_string_lossy();
        if format == "sarif" {
            // Only as the base URI.
            let sarif: Value = serde_json::from_str(out).expect("sarif");
            let base = &sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"];
            assert_eq!(base.as_str(), Some(format!("file://{root_text}/").as_str()));
            assert_eq!(out.matches(&*root_text).count(), 1, "{out}");
        } else {
            assert!(!out.contains(&*root_text), "{format}: {out}");
        }
    }
}

#[cfg(unix)]
#[test]
fn messages_name_files_relative_to_the_root() {
    let repo = tree();
    let absolute = repo.path().join("infra").to_string_lossy().to_string();
    let run = lint(
        repo.path().parent().expect("parent"),
        &[&absolute, "--format", "json"],
    );
    let doc = run.json();
    let notices: Vec<&str> = doc["notices"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["message"].as_str())
        .collect();
    assert!(
        notices.contains(&"`infra/app/linked.tf` is a link outside the read root: it is not read"),
        "{doc:#}"
    );
}

#[test]
fn a_baseline_written_from_one_directory_applies_from_another() {
    let repo = tree();
    let root = repo.path();
    let baseline = root.join("baseline.json");
    let baseline = baseline.to_string_lossy();
    let written = lint(root, &["infra", "--write-baseline", &baseline]);
    // The unreadable file makes the baseline incomplete (exit 2), but it is written.
    assert_eq!(written.code, 2, "{}", written.stderr);
    let entries: Value =
        serde_json::from_str(&std::fs::read_to_string(&*baseline).expect("baseline"))
            .expect("json");
    let modules: Vec<&str> = entries["findings"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["module"].as_str())
        .collect();
    assert!(modules.contains(&"infra/app"), "{entries:#}");
    assert!(modules.contains(&"modules/queue"), "{entries:#}");
    let absolute = root.join("infra").to_string_lossy().to_string();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    for (dir, path) in [
        (root.join("infra/app"), ".."),
        (elsewhere.path().to_path_buf(), absolute.as_str()),
    ] {
        let run = lint(&dir, &[path, "--format", "json", "--baseline", &baseline]);
        let doc = run.json();
        assert_eq!(doc["findings"].as_array().map(Vec::len), Some(0), "{doc:#}");
        assert!(
            doc["suppressed"]
                .as_array()
                .expect("suppressed")
                .iter()
                .all(|f| f["reason"] == "in baseline"),
            "{doc:#}"
        );
        assert!(doc["summary"]["baseline_stale"].is_null(), "{doc:#}");
    }
}

#[test]
fn base_dir_sets_the_root_and_a_path_outside_it_is_absolute() {
    let repo = tree();
    let root = repo.path();
    let run = lint(root, &["infra", "--format", "json", "--base-dir", "infra"]);
    let doc = run.json();
    let paths: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(paths.contains(&"app/main.tf"), "{doc:#}");
    let queue = root.join("modules/queue/main.tf");
    assert!(paths.contains(&&*queue.to_string_lossy()), "{doc:#}");
    // SARIF: the path outside the root is its own `file://` URI, without a base.
    let run = lint(root, &["infra", "--format", "sarif", "--base-dir", "infra"]);
    let sarif = run.json();
    let locations: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"]["artifactLocation"])
        .collect();
    assert!(
        locations
            .iter()
            .any(|l| l["uri"] == "app/main.tf" && l["uriBaseId"] == "%SRCROOT%"),
        "{sarif:#}"
    );
    assert!(
        locations.iter().any(|l| l["uri"]
            == format!("file://{}", queue.to_string_lossy()).as_str()
            && l["uriBaseId"].is_null()),
        "{sarif:#}"
    );
    // A base that is no directory is refused.
    let run = lint(root, &["infra", "--base-dir", "nowhere"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("`--base-dir` is not a directory"),
        "{}",
        run.stderr
    );
}

#[test]
fn outside_a_repository_paths_are_relative_to_the_working_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("app")).expect("mkdir");
    std::fs::write(
        dir.path().join("app/main.tf"),
        "resource \"aws_cloudwatch_log_group\" \"a\" {\n  name = \"/a\"\n}\n",
    )
    .expect("write");
    let path = |run: &Run| {
        run.json()["findings"][0]["path"]
            .as_str()
            .map(str::to_string)
    };
    let inside = lint(dir.path(), &["app", "--format", "json"]);
    assert_eq!(path(&inside).as_deref(), Some("app/main.tf"));
    let from_app = lint(&dir.path().join("app"), &[".", "--format", "json"]);
    assert_eq!(path(&from_app).as_deref(), Some("main.tf"));
    // From a directory the file is not under: absolute.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let absolute = dir.path().join("app");
    let outside = lint(
        elsewhere.path(),
        &[&absolute.to_string_lossy(), "--format", "json"],
    );
    assert_eq!(
        path(&outside),
        Some(absolute.join("main.tf").to_string_lossy().to_string())
    );
}

#[test]
fn exclude_globs_match_relative_to_the_working_directory_and_the_root() {
    let repo = tree();
    let root = repo.path();
    // `broken` as typed in `infra/`, `infra/broken` as the root has it: the file that does
    // not parse is not read either way.
    for (dir, glob) in [
        (root.join("infra"), "broken"),
        (root.to_path_buf(), "infra/broken"),
    ] {
        let run = lint(&dir, &[".", "--format", "json", "--exclude", glob]);
        let doc = run.json();
        assert_eq!(
            doc["errors"].as_array().map(Vec::len),
            Some(0),
            "{glob}: {doc:#}"
        );
        assert_eq!(run.code, 1, "{glob}: {doc:#}");
    }
}
