//! Helpers for rule tests: lint HCL text with one rule, render findings for snapshots.

use crate::config::LintConfig;
use crate::engine::{lint_module, Located};
use crate::input::{load_module, InputOptions};
use crate::{registry, Severity};
use std::path::PathBuf;

/// Writes `files` (name → text) to a temporary module directory and lints it with the
/// one rule `rule_id` (production decided by `env`, if given).
pub fn lint_files_with(rule_id: &str, files: &[(&str, &str)], env: Option<&str>) -> Vec<Located> {
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
    let rule = registry::find(rule_id).unwrap_or_else(|| panic!("no rule {rule_id}"));
    let (report, _) = lint_module(
        &module,
        &[(rule, rule.meta().default_severity)],
        &LintConfig::default(),
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

/// Loads `text` as the `main.tf` of a one-file module (for tests of shared helpers that
/// take a `Context`). The module keeps the text; the temporary directory is gone.
pub fn module_from_hcl(text: &str) -> crate::context::Module {
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

/// `main.tf` linted with one rule.
pub fn lint_hcl(rule_id: &str, text: &str) -> Vec<Located> {
    lint_files_with(rule_id, &[("main.tf", text)], None)
}

/// The rendered diagnostics (no colour, width 100) of `main.tf` linted with one rule.
pub fn snapshot(rule_id: &str, text: &str) -> String {
    render_all(&lint_hcl(rule_id, text))
}

/// Renders findings for a snapshot.
pub fn render_all(findings: &[Located]) -> String {
    let mut out = String::new();
    for f in findings {
        let mut f = f.clone();
        if let Some((file, span)) = f.location.source.take() {
            let renamed =
                tfstack_model::SourceFile::new(f.location.path.clone(), file.text.clone());
            f.location.source = Some((std::sync::Arc::new(renamed), span));
        }
        out.push_str(&crate::report::human::render_finding(&f, false, 100));
    }
    let _ = Severity::Error;
    out
}
