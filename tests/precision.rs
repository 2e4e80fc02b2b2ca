//! Precision: the linter on a realistic corpus — the generated stacks under `out/`
//! (idiomatic Terraform written by the constructs, ~400 resources) and the hand-written
//! modules of `tests/fixtures/precision/` — gives exactly the reviewed number of findings
//! per rule, every rule enabled. The deliberate mistakes are marked `# FINDING:` in the
//! fixtures; anything else that fires is a false positive and fails this test.

use assert_cmd::Command;
use std::collections::BTreeMap;

#[test]
fn finding_counts_per_rule_on_the_precision_corpus() {
    let out = Command::cargo_bin("tfstack")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "lint",
            "out",
            "tests/fixtures/precision",
            "--profile",
            "strict",
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(
        report["errors"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in report["findings"].as_array().expect("findings") {
        let key = format!(
            "{} {}",
            f["rule"].as_str().unwrap_or("?"),
            // The module directory.
            f["path"]
                .as_str()
                .unwrap_or("?")
                .rsplit_once('/')
                .map(|(d, _)| d)
                .unwrap_or("?")
        );
        *counts.entry(key).or_default() += 1;
    }
    let table: String = counts.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    insta::assert_snapshot!(table);
}

/// `tfstack lint out/` (the Terraform that is applied) and `tfstack lint --all-stacks`
/// (the typed stacks it is generated from) agree: the same findings, and the same
/// suppressions, which synth writes above each resource as `# tfstack:ignore[...]`.
#[test]
fn linting_out_agrees_with_linting_the_stacks() {
    let run = |args: &[&str]| -> serde_json::Value {
        let out = Command::cargo_bin("tfstack")
            .expect("binary")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .args(["--profile", "strict", "--format", "json"])
            .output()
            .expect("runs");
        serde_json::from_slice(&out.stdout).expect("json report")
    };
    // Rule, address and reason of every finding and suppressed finding (the stacks'
    // locations are Rust lines, out/'s are files: compared without them).
    let listed = |doc: &serde_json::Value| -> Vec<String> {
        let mut all: Vec<String> = ["findings", "suppressed"]
            .iter()
            .flat_map(|key| doc[*key].as_array().cloned().unwrap_or_default())
            .map(|f| format!("{} {} {}", f["rule"], f["resource"], f["reason"]))
            .collect();
        all.sort();
        all
    };
    let stacks = run(&["lint", "--all-stacks"]);
    let out = run(&["lint", "out"]);
    assert_eq!(listed(&out), listed(&stacks));
    assert!(
        !listed(&out).is_empty(),
        "the stacks have suppressed findings to compare"
    );
    assert_eq!(
        out["notices"],
        serde_json::Value::Null,
        "{:#}",
        out["notices"]
    );
}
