//! `tfstack review` and `tfstack graph --view flow` as a user runs them.

use assert_cmd::Command;
use std::path::Path;

fn tfstack(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("tfstack")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn a_typed_stack_is_reviewed_with_its_findings_and_suppressions() {
    let (code, md, err) = tfstack(&[
        "review", "--stack", "orders", "--env", "prod", "--format", "markdown",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        md.starts_with("# Architecture review: orders (prod)"),
        "{md}"
    );
    for section in [
        "## Architecture",
        "## Inventory",
        "## Access",
        "## Findings",
    ] {
        assert!(md.contains(section), "no {section}");
    }
    // The orders stack accepts some findings in code, with reasons: the review lists them.
    assert!(md.contains("suppressed"), "{md}");
    assert!(md.contains("```mermaid"), "{md}");
}

#[test]
fn a_directory_is_reviewed_to_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("review.html");
    let out_arg = out.to_string_lossy().to_string();
    let (code, stdout, err) = tfstack(&[
        "review",
        "review/tests/fixtures/handwritten",
        "--out",
        &out_arg,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.is_empty(), "{stdout}");
    let html = std::fs::read_to_string(&out).expect("written");
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{}",
        &html[..80.min(html.len())]
    );
    assert!(html.contains("<svg"), "no diagram");
    // The linter ran on the directory: its findings and rule pages are in the report.
    assert!(html.contains("DLQ001.md\">DLQ001"), "no DLQ001 link");
}

#[test]
fn a_directory_is_read_within_the_file_size_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut queue = b"resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n".to_vec();
    queue.resize(4096, b'\n');
    std::fs::write(dir.path().join("main.tf"), queue).expect("write");
    let path = dir.path().to_string_lossy().to_string();
    let (code, _, err) = tfstack(&["review", &path, "--max-file-size", "1KB"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("larger than the read limit of 1 KiB"), "{err}");
    let config = dir.path().join("tfstack.toml");
    std::fs::write(&config, "max_file_size = \"1KB\"\n").expect("write");
    let config_arg = config.to_string_lossy().to_string();
    let (code, _, err) = tfstack(&["review", &path, "--config", &config_arg]);
    assert_eq!(code, 2, "{err}");
    // Found beside the directory, as lint finds it; the flag comes first.
    let (code, _, err) = tfstack(&["review", &path]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = tfstack(&["review", &path, "--max-file-size", "8KB"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_bad_usage_file_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let usage = dir.path().join("usage.toml");
    std::fs::write(&usage, "version = \"0.1\"\n[resource_usage]\nfoo = 3\n").expect("write");
    let usage_arg = usage.to_string_lossy().to_string();
    let (code, _, err) = tfstack(&[
        "review",
        "--stack",
        "lab_http_api",
        "--env",
        "dev",
        "--usage",
        &usage_arg,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("tfstack::usage"), "{err}");
    assert!(err.contains("usage.toml:3:"), "{err}");
}

#[test]
fn a_stack_with_several_environments_needs_env() {
    let (code, _, err) = tfstack(&["review", "--stack", "lab_http_api"]);
    assert_eq!(code, 2);
    assert!(err.contains("choose one with --env"), "{err}");
    let (code, _, err) = tfstack(&["review", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no/such/dir") && err.contains("no such directory"),
        "{err}"
    );
}

#[test]
fn graph_view_flow_draws_components_not_plumbing() {
    let (code, dot, err) = tfstack(&[
        "graph",
        "--stack",
        "integration_service",
        "--env",
        "prod",
        "--view",
        "flow",
        "--format",
        "dot",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(dot.starts_with("digraph"), "{dot}");
    assert!(
        dot.contains("subgraph cluster_"),
        "groups are clusters: {dot}"
    );
    // Roles and log groups fold into their components.
    assert!(!dot.contains("aws_iam_role."), "{dot}");
    assert!(!dot.contains("aws_cloudwatch_log_group."), "{dot}");
    let (code, mermaid, _) = tfstack(&[
        "graph", "--stack", "orders", "--env", "prod", "--view", "flow",
    ]);
    assert_eq!(code, 0);
    assert!(mermaid.contains("flowchart LR"), "{mermaid}");
    assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/review-integration-service.png")
        .is_file());
}

#[test]
fn wiring_written_through_each_value_is_read_in_each_instance() {
    // The subscription, the redrive policy and the event source mapping name their
    // queue, dead-letter queue and function through `each.value` of a known map.
    let (code, md, err) = tfstack(&[
        "review",
        "tests/fixtures/review/each-value-wiring",
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("each_value_wiring_markdown", md);
}
