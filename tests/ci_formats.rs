//! What CI systems read: JUnit, checkstyle and GitLab code quality reports parsed back,
//! and the conventions CI owners reach for (`--select`, `--ignore`, `--exit-zero`,
//! `--statistics`, `completions`).

mod common;

use common::{tfstack_in, workspace_root, Run};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::BTreeMap;

fn tfstack(args: &[&str]) -> Run {
    tfstack_in(&workspace_root().join("tests/fixtures/lint"), args)
}

/// Every element of an XML document: (name, attributes), in order; panics on bad XML.
fn elements(xml: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let name = e.name().as_ref().to_string();
                let attributes = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("well-formed attribute");
                        (
                            a.key.as_ref().to_string(),
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .expect("escaped value")
                                .to_string(),
                        )
                    })
                    .collect();
                out.push((name, attributes));
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed XML: {e}\n{xml}"),
        }
    }
    out
}

#[test]
fn junit_has_a_failed_case_per_finding_and_an_errored_case_per_unreadable_input() {
    let run = tfstack(&["lint", "--format", "junit", "hcl", "broken"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let xml = elements(&run.stdout);
    let suite = &xml
        .iter()
        .find(|(n, _)| n == "testsuite")
        .expect("a suite")
        .1;
    assert_eq!(suite["failures"], "2");
    assert_eq!(suite["errors"], "1");
    assert_eq!(suite["tests"], "3");
    let failures: Vec<_> = xml.iter().filter(|(n, _)| n == "failure").collect();
    assert_eq!(failures.len(), 2);
    assert!(failures.iter().all(|(_, a)| a["type"] == "error"));
    assert!(run.stdout.contains("docs: https://"), "{}", run.stdout);
    let cases: Vec<_> = xml.iter().filter(|(n, _)| n == "testcase").collect();
    assert!(cases.iter().any(|(_, a)| a["classname"] == "hcl/main.tf"
        && a["name"].starts_with("LOG001 aws_cloudwatch_log_group.audit")));
    // A clean run is one passing case, not an empty suite.
    let clean = tfstack(&["lint", "--format", "junit", "clean"]);
    assert_eq!(clean.code, 0);
    let xml = elements(&clean.stdout);
    assert_eq!(xml.iter().filter(|(n, _)| n == "testcase").count(), 1);
    assert!(!xml.iter().any(|(n, _)| n == "failure"));
}

#[test]
fn checkstyle_groups_findings_by_file() {
    let run = tfstack(&["lint", "--format", "checkstyle", "hcl", "broken"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let xml = elements(&run.stdout);
    assert_eq!(xml[0].0, "checkstyle");
    let files: Vec<&str> = xml
        .iter()
        .filter(|(n, _)| n == "file")
        .map(|(_, a)| a["name"].as_str())
        .collect();
    assert_eq!(
        files,
        ["broken/good/main.tf", "hcl/main.tf", "broken/bad/main.tf"]
    );
    let errors: Vec<_> = xml.iter().filter(|(n, _)| n == "error").collect();
    assert_eq!(errors[1].1["line"], "15");
    assert_eq!(errors[1].1["source"], "tfstack.LOG001");
    assert_eq!(errors[1].1["severity"], "error");
    assert_eq!(errors[2].1["source"], "tfstack.input");
}

#[test]
fn gitlab_code_quality_has_the_documented_fields() {
    let run = tfstack(&["lint", "--format", "gitlab", "hcl", "broken"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let issues: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let issues = issues.as_array().expect("an array");
    assert_eq!(issues.len(), 3);
    for issue in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[key].is_string(), "{key} in {issue}");
        }
        assert!(issue["location"]["path"].is_string(), "{issue}");
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap_or(0) >= 1);
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&issue["severity"].as_str().unwrap_or_default()));
    }
    let fingerprints: std::collections::BTreeSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(fingerprints.len(), 3, "fingerprints are unique");
    // The same findings give the same fingerprints on every run.
    let again = tfstack(&["lint", "--format", "gitlab", "hcl", "broken"]);
    assert_eq!(again.stdout, run.stdout);
    // A clean run is an empty array.
    assert_eq!(
        tfstack(&["lint", "--format", "gitlab", "clean"]).stdout,
        "[]\n"
    );
}

#[test]
fn select_ignore_exit_zero_and_statistics() {
    // Only LOG001 selected: its finding; ignored: none.
    let selected = tfstack(&["lint", "--format", "github", "--select", "LOG001", "hcl"]);
    assert_eq!(selected.code, 1);
    assert!(selected.stdout.contains("LOG001"));
    let by_family = tfstack(&["lint", "--format", "github", "--select", "log", "hcl"]);
    assert_eq!(by_family.stdout, selected.stdout);
    let ignored = tfstack(&[
        "lint",
        "--format",
        "github",
        "--ignore",
        "log-group-without-retention",
        "hcl",
    ]);
    assert_eq!(ignored.code, 0, "{}", ignored.stdout);
    assert!(ignored.stdout.is_empty());
    // Selected rules run whatever the profile (LAMBDA006 is a note).
    let note = tfstack(&[
        "lint",
        "--format",
        "json",
        "--select",
        "LAMBDA006,LOG001",
        "clean",
    ]);
    assert_eq!(note.code, 0);
    // A typo is an error with the closest match.
    let typo = tfstack(&["lint", "--select", "LOG01", "hcl"]);
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("did you mean `LOG001`"),
        "{}",
        typo.stderr
    );
    // --exit-zero: findings do not fail the run; unreadable input still does.
    assert_eq!(tfstack(&["lint", "--exit-zero", "hcl"]).code, 0);
    assert_eq!(tfstack(&["lint", "--exit-zero", "broken"]).code, 2);
    // --statistics: counts per rule instead of the findings.
    let stats = tfstack(&["lint", "--statistics", "hcl"]);
    assert_eq!(stats.code, 1);
    assert_eq!(
        stats.stdout,
        "     1  LOG001     error    log-group-without-retention\n     1  findings (0 suppressed, 0 unreadable inputs)\n"
    );
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = tfstack(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains("lint"), "{shell}");
        assert!(run.stdout.contains("select"), "{shell}");
    }
    assert_eq!(tfstack(&["completions", "tcsh"]).code, 2);
}

#[test]
fn config_errors_say_what_was_expected_and_the_closest_match() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "profile = \"recomended\"\n",
            "1:11",
            "`recomended` is not a profile",
            "did you mean `recommended`?",
        ),
        (
            "[rules]\nDDB001 = \"warn\"\n",
            "2:10",
            "`warn` is not a rule setting",
            "did you mean `warning`?",
        ),
        (
            "profle = \"strict\"\n",
            "1:1",
            "unknown key `profle`",
            "did you mean `profile`?",
        ),
        (
            "[rules]\nLOG999 = \"off\"\n",
            "2:1",
            "`LOG999` names no rule",
            "`tfstack rules` lists every rule",
        ),
        (
            "[[suppress]]\nrule = \"LOG001\"\nreasn = \"x\"\n",
            "3:1",
            "unknown key `reasn`",
            "did you mean `reason`?",
        ),
    ];
    for (text, at, message, help) in cases {
        let config = dir.path().join("tfstack.toml");
        std::fs::write(&config, text).expect("write");
        let config_arg = config.to_string_lossy().to_string();
        let run = tfstack(&["lint", "--config", &config_arg, "clean"]);
        assert_eq!(run.code, 2, "{text}");
        assert!(
            run.stderr.contains(&format!("tfstack.toml:{at}]")),
            "{text}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(message), "{text}: {}", run.stderr);
        assert!(run.stderr.contains(help), "{text}: {}", run.stderr);
    }
}
