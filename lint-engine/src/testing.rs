//! Helpers for rule tests (this crate's and the rules crate's, through the `testing`
//! feature): lint HCL text with one rule, render findings for snapshots.

use crate::config::LintConfig;
use crate::context::Module;
use crate::input::{load_module, InputOptions};
use crate::lint::lint_module;
use crate::located::Located;
use crate::Rule;
use std::path::PathBuf;

/// Writes `files` (name → text) to a temporary module directory and lints it with the
/// one rule `rule` (production decided by `env`, if given).
pub fn lint_files_with(
    rule: &'static dyn Rule,
    files: &[(&str, &str)],
    env: Option<&str>,
) -> Vec<Located> {
    lint_files_on(rule, files, env, "")
}

/// [`lint_files_with`] on a given day (`YYYY-MM-DD`), for `until` dates.
pub fn lint_files_on(
    rule: &'static dyn Rule,
    files: &[(&str, &str)],
    env: Option<&str>,
    today: &str,
) -> Vec<Located> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = Vec::new();
    for (name, text) in files {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write fixture");
        if name.ends_with(".tf") || name.ends_with(".tfvars") || name.ends_with(".tf.json") {
            paths.push(p);
        }
    }
    paths.sort();
    let options = InputOptions {
        environment: env.map(str::to_string),
        ..InputOptions::default()
    };
    let (module, errors) = load_module(dir.path(), &paths, &options);
    assert!(errors.is_empty(), "fixture does not load: {errors:?}");
    let config = LintConfig {
        today: today.to_string(),
        ..LintConfig::default()
    };
    let (report, _) = lint_module(
        &module,
        &[(rule, rule.meta().default_severity)],
        &config,
        &[],
    );
    let mut findings = report.findings;
    for f in &mut findings {
        // Stable paths for snapshots.
        if let Some(name) = PathBuf::from(&f.location.path).file_name() {
            f.location.path = name.to_string_lossy().to_string();
        }
    }
    findings.retain(|f| f.rule.id == rule.meta().id);
    findings
}

/// Writes `files` (name → text) to a temporary directory and lints the whole tree as
/// `tfstack lint DIR` does — JSON policy files no module reads are linted on their own —
/// with the one rule `rule`, notes included.
pub fn lint_tree_with(rule: &'static dyn Rule, files: &[(&str, &str)]) -> Vec<Located> {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write fixture");
    }
    let config = LintConfig {
        profile_override: Some(crate::config::Profile::Strict),
        ..LintConfig::default()
    };
    let report = crate::run::lint_paths(
        &[dir.path().to_path_buf()],
        &InputOptions::default(),
        &config,
        &[rule],
    );
    assert!(
        report.errors.is_empty(),
        "fixture does not load: {:?}",
        report.errors
    );
    let mut findings = report.findings;
    for f in &mut findings {
        if let Ok(relative) = PathBuf::from(&f.location.path).strip_prefix(dir.path()) {
            f.location.path = relative.to_string_lossy().replace('\\', "/");
        }
    }
    findings
}

/// Loads `text` as the `main.tf` of a one-file module (for tests of the query layer,
/// which take a `Context`). The module keeps the text; the temporary directory is gone.
pub fn module_from_hcl(text: &str) -> Module {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("main.tf");
    std::fs::write(&path, text).expect("write fixture");
    let (module, errors) = load_module(dir.path(), &[path], &InputOptions::default());
    assert!(errors.is_empty(), "fixture does not load: {errors:?}");
    module
}

/// The resource addresses of findings, in order (for table-driven rule tests).
pub fn addresses(findings: &[Located]) -> Vec<String> {
    findings.iter().filter_map(|f| f.resource.clone()).collect()
}

/// Renders findings for a snapshot (no colour, width 100).
pub fn render_all(findings: &[Located]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&crate::report::human::render_finding(f, false));
    }
    out
}

/// Log groups `g0…g{n-1}` with suppressions above them in every arrangement the
/// matching distinguishes, cycling with `i % 8` (`shift` rotates the cycle).
pub fn suppression_fixture(n: usize, shift: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        match (i + shift) % 8 {
            // Directly above the header.
            0 => text.push_str(&format!("# tfstack:ignore[LOG001] reason {i}\n")),
            // In a run with another rule's suppression and a plain comment.
            1 => text.push_str(&format!(
                "# tfstack:ignore[SEC001] other rule {i}\n\
                 // tfstack:ignore[log-group-without-retention] by name {i}\n\
                 # a plain comment\n"
            )),
            // Cut off by a blank line: stale.
            2 => text.push_str(&format!("# tfstack:ignore[LOG001] too far {i}\n\n")),
            // Without a reason (still suppresses).
            3 => text.push_str("# tfstack:ignore[LOG001]\n"),
            // Two in a run for the same rule: the first wins, the second is stale.
            4 => text.push_str(&format!(
                "# tfstack:ignore[*] everything {i}\n  # tfstack:ignore[LOG001] second {i}\n"
            )),
            _ => {}
        }
        text.push_str(&format!(
            "resource \"aws_cloudwatch_log_group\" \"g{i}\" {{\n"
        ));
        text.push_str(&format!("  name = \"/orders/g{i}\"\n"));
        match (i + shift) % 8 {
            // Above the attribute the finding is on.
            5 => text.push_str(&format!(
                "  # tfstack:ignore[LOG001] the job deletes its streams {i}\n\
                 \x20 retention_in_days = 0\n"
            )),
            // A retention: a suppression above it is stale.
            6 => text.push_str(&format!(
                "  # tfstack:ignore[LOG001] stale {i}\n  retention_in_days = 30\n"
            )),
            _ => {}
        }
        text.push_str("}\n\n");
    }
    text
}
