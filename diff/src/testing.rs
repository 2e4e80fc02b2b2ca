//! Test helpers: compare two versions written as files.

use crate::report::{Category, Change, DiffReport, Effect};
use crate::snapshot::Snapshot;
use crate::{compare, DiffOptions};
use tfstack_lint_engine::config::LintConfig;
use tfstack_lint_engine::input::InputOptions;

/// Compares two versions of a directory, each given as (path, text) files, for `env`.
pub(crate) fn diff_files(
    base: &[(&str, &str)],
    head: &[(&str, &str)],
    env: Option<&str>,
) -> DiffReport {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |side: &str, files: &[(&str, &str)]| {
        let root = dir.path().join(side);
        std::fs::create_dir_all(&root).expect("mkdir");
        for (name, text) in files {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, text).expect("write");
        }
        root
    };
    let (base, head) = (write("base", base), write("head", head));
    let options = InputOptions {
        environment: env.map(str::to_string),
        ..InputOptions::default()
    };
    let (base, head) = (
        Snapshot::directory(&base, &options),
        Snapshot::directory(&head, &options),
    );
    assert!(
        base.errors.is_empty(),
        "base does not load: {:?}",
        base.errors
    );
    assert!(
        head.errors.is_empty(),
        "head does not load: {:?}",
        head.errors
    );
    let config = LintConfig::default();
    compare(
        &base,
        &head,
        &DiffOptions {
            config: &config,
            catalogue: tfstack_lint_rules::registry::all(),
        },
    )
}

/// Compares two versions of one `main.tf`.
pub(crate) fn diff_hcl(base: &str, head: &str) -> DiffReport {
    diff_files(&[("main.tf", base)], &[("main.tf", head)], None)
}

/// Every change of a report.
pub(crate) fn changes(report: &DiffReport) -> Vec<&Change> {
    report.modules.iter().flat_map(|m| &m.changes).collect()
}

/// The changes seen through one category.
pub(crate) fn changes_in(report: &DiffReport, category: Category) -> Vec<&Change> {
    changes(report)
        .into_iter()
        .filter(|c| c.category == category)
        .collect()
}

/// `(kind, effect)` of every change, sorted.
pub(crate) fn effects(report: &DiffReport) -> Vec<(&'static str, Effect)> {
    let mut found: Vec<(&str, Effect)> =
        changes(report).iter().map(|c| (c.kind, c.effect)).collect();
    found.sort_by_key(|(k, _)| *k);
    found
}

/// `(kind, resource)` of every change.
pub(crate) fn kinds(report: &DiffReport) -> Vec<(&'static str, String)> {
    changes(report)
        .into_iter()
        .map(|c| (c.kind, c.resource.clone()))
        .collect()
}

/// Asserts that two versions differ in nothing the comparison reports.
pub(crate) fn assert_same(base: &str, head: &str) {
    let report = diff_hcl(base, head);
    assert!(
        report.is_empty(),
        "expected no change:\n{}",
        report.render(crate::Format::Human)
    );
}
