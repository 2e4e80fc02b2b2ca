//! What CI systems read: JUnit, checkstyle and GitLab code quality reports parsed back,
//! SARIF's relative URIs and fingerprints, the rule's page on every finding in every
//! format, and the conventions CI owners reach for (`--select`, `--ignore`, `--exit-zero`,
//! `--statistics`, `completions`).

mod common;

use common::{repository, tfstack_in, workspace_root, Run, LINT_FORMATS};
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;
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
    assert!(cases
        .iter()
        .any(|(_, a)| a["classname"] == "tests/fixtures/lint/hcl/main.tf"
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
        [
            "tests/fixtures/lint/broken/good/main.tf",
            "tests/fixtures/lint/hcl/main.tf",
            "tests/fixtures/lint/broken/bad/main.tf"
        ]
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
        (
            "exclude = [\"legacy/**\", \"vendor[\"]\n",
            "1:25",
            "`exclude`: `vendor[` is not a glob: unclosed character class",
            "a glob is a path or address",
        ),
        (
            "[environments]\n\"envs/{prod\" = \"prod\"\n",
            "2:1",
            "`environments`: `envs/{prod` is not a glob",
            "a glob is a path or address",
        ),
        (
            "[[suppress]]\nrule = \"LOG001\"\npath = \"a/[b\"\nreason = \"x\"\n",
            "3:8",
            "`path`: `a/[b` is not a glob",
            "a glob is a path or address",
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

const LOG_GROUP: &str = "resource \"aws_cloudwatch_log_group\" \"app\" {\n  name = \"/app\"\n}\n";

/// The SARIF report of `tfstack lint ARGS` in `dir`, checked against the vendored OASIS
/// SARIF 2.1.0 schema.
fn valid_sarif(dir: &std::path::Path, args: &[&str]) -> Value {
    let text =
        std::fs::read_to_string(workspace_root().join("tests/fixtures/schemas/sarif-2.1.0.json"))
            .expect("the vendored SARIF schema");
    let schema: Value = serde_json::from_str(&text).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let mut all = vec!["lint", "--format", "sarif"];
    all.extend_from_slice(args);
    let sarif = tfstack_in(dir, &all).json();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}\n{sarif:#}", errors.join("\n"));
    sarif
}

/// `(ruleId, uri, fingerprint)` of each SARIF result.
fn sarif_results(sarif: &Value) -> Vec<(String, String, String)> {
    sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (
                text(&r["ruleId"]),
                text(&r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]),
                text(&r["partialFingerprints"]["tfstack/v2"]),
            )
        })
        .collect()
}

#[test]
fn sarif_uris_are_relative_to_srcroot_and_percent_encoded() {
    let repo = repository(&[("infra/my app#2/main.tf", LOG_GROUP)]);
    let sarif = valid_sarif(repo.path(), &["infra"]);
    let run = &sarif["runs"][0];
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("uri");
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    assert_eq!(
        base,
        format!("file://{}/", repo.path().to_string_lossy()),
        "the root, percent-encoded (temporary directories need no escapes)"
    );
    let location = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "infra/my%20app%232/main.tf", "{sarif:#}");
    assert_eq!(location["uriBaseId"], "%SRCROOT%");
    // Every rule has its page.
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(rules.len() > 40);
    for rule in rules {
        let id = rule["id"].as_str().expect("id");
        let page = rule["helpUri"].as_str().expect("helpUri");
        assert!(
            page.starts_with("https://") && page.ends_with(&format!("/docs/rules/{id}.md")),
            "{page}"
        );
    }
}

#[test]
fn sarif_fingerprints_stay_when_findings_move_and_differ_for_copies() {
    let repo = repository(&[
        ("app/main.tf", LOG_GROUP),
        (
            "app/queue.tf",
            "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
        ),
    ]);
    let before = sarif_results(&valid_sarif(repo.path(), &["."]));
    assert_eq!(before.len(), 2, "{before:?}");
    // Lines above the findings: the same fingerprints.
    std::fs::write(
        repo.path().join("app/main.tf"),
        format!("\n\n# moved\n\n{LOG_GROUP}"),
    )
    .expect("write");
    let moved = sarif_results(&valid_sarif(repo.path(), &["."]));
    assert_eq!(moved, before);
    // The same code copied into another module: new fingerprints for the copy.
    std::fs::create_dir_all(repo.path().join("copy")).expect("mkdir");
    std::fs::write(repo.path().join("copy/main.tf"), LOG_GROUP).expect("write");
    let copied = sarif_results(&valid_sarif(repo.path(), &["."]));
    assert_eq!(copied.len(), 3, "{copied:?}");
    let fingerprints: std::collections::BTreeSet<&str> =
        copied.iter().map(|(_, _, f)| f.as_str()).collect();
    assert_eq!(fingerprints.len(), 3, "{copied:?}");
    for kept in &before {
        assert!(copied.contains(kept), "{kept:?} in {copied:?}");
    }
    // GitLab's fingerprints are the same identities.
    let gitlab = tfstack_in(repo.path(), &["lint", "--format", "gitlab", "."]).json();
    let gitlab: std::collections::BTreeSet<&str> = gitlab
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["fingerprint"].as_str())
        .collect();
    assert_eq!(gitlab, fingerprints);
}

#[test]
fn every_format_links_each_finding_to_its_rule_page() {
    let repo = repository(&[("app/main.tf", LOG_GROUP)]);
    let lint = |args: &[&str]| -> Vec<String> {
        LINT_FORMATS
            .iter()
            .map(|format| {
                let mut all = vec!["lint", ".", "--format", format];
                all.extend_from_slice(args);
                let run = tfstack_in(repo.path(), &all);
                assert_eq!(run.code, 1, "{format}: {}", run.stderr);
                run.stdout
            })
            .collect()
    };
    // By default: the rule's page in tfstack's repository.
    for (format, out) in LINT_FORMATS.iter().zip(lint(&[])) {
        assert!(
            out.contains("/blob/main/docs/rules/LOG001.md"),
            "{format}: {out}"
        );
    }
    // `--docs-url` with a template (XML formats escape its `&`).
    let template = "https://wiki.example.com/lint?rule={id}&name={name}";
    for (format, out) in LINT_FORMATS.iter().zip(lint(&["--docs-url", template])) {
        let page = "https://wiki.example.com/lint?rule=LOG001&name=log-group-without-retention";
        let page = match *format {
            "junit" | "checkstyle" => page.replace('&', "&amp;"),
            _ => page.to_string(),
        };
        assert!(out.contains(&page), "{format}: {out}");
        assert!(!out.contains("/docs/rules/LOG001.md"), "{format}: {out}");
    }
    // `docs_url` in tfstack.toml, a base URL.
    std::fs::write(
        repo.path().join("tfstack.toml"),
        "docs_url = \"https://mirror.example.com/rules/\"\n",
    )
    .expect("write");
    for (format, out) in LINT_FORMATS.iter().zip(lint(&[])) {
        assert!(
            out.contains("https://mirror.example.com/rules/LOG001.md"),
            "{format}: {out}"
        );
    }
    // One that is no absolute URL is an error at its value.
    std::fs::write(
        repo.path().join("tfstack.toml"),
        "\ndocs_url = \"docs/rules/\"\n",
    )
    .expect("write");
    let run = tfstack_in(repo.path(), &["lint", "."]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("tfstack.toml:2:12]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("is not an absolute URL"),
        "{}",
        run.stderr
    );
    let run = tfstack_in(repo.path(), &["lint", ".", "--docs-url", "wiki/{id}"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("is not an absolute URL"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_readme_configuration_is_valid() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README");
    let start = readme.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let text = &readme[start..start + readme[start..].find("```").expect("its end")];
    let path = std::path::Path::new("README.md");
    let file = tfstack_lint_engine::config::parse_config(text, path).expect("valid");
    assert_eq!(
        file.docs_url.as_deref(),
        Some("https://wiki.example.com/tfstack/{id}")
    );
    let config = tfstack_lint_engine::config::LintConfig {
        file,
        path: Some(path.to_path_buf()),
        text: text.to_string(),
        ..Default::default()
    };
    config
        .check_rule_names(tfstack_lint_rules::registry::all(), &|_| false)
        .expect("known rules");
}

#[test]
fn an_exclude_glob_that_cannot_be_built_is_refused() {
    let run = tfstack(&["lint", "--exclude", "legacy[", "clean"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("invalid value 'legacy[' for '--exclude <GLOB>': `legacy[` is not a glob"),
        "{}",
        run.stderr
    );
}
