//! One version as the comparison reads it: the facts of each module instance — its
//! permissions, exposure and reliability, and the findings `tfstack lint` reports in it —
//! and the `moved` blocks each instance declares. A directory or a revision is read as
//! `tfstack lint` walks it: every root module, and every instance its module calls make,
//! with the caller's arguments, keyed by the address Terraform gives it; a plan by its
//! module instances; a typed stack and its committed output as one module.

use crate::exposure;
use crate::findings;
use crate::iam;
use crate::instance::InstanceKey;
use crate::moves::{Moves, Rename};
use crate::places::Places;
use crate::reliability;
use crate::report::FindingChange;
use crate::snapshot::{twin_of, Snapshot, SourceKind};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use tfstack_lint_engine::config::LintConfig;
use tfstack_lint_engine::context::{Context, Module};
use tfstack_lint_engine::{Rule, Severity};
use tfstack_model::SourceError;

/// Everything the comparison reads of one version of one module instance.
#[derive(Default)]
pub(crate) struct Facts {
    pub iam: iam::IamFacts,
    pub exposure: exposure::ExposureFacts,
    pub reliability: reliability::ReliabilityFacts,
    /// Resources are addressed in the root module (`module.orders.aws_sqs_queue.q`).
    pub findings: Vec<FindingChange>,
}

impl Facts {
    /// The permissions, exposure and reliability of `module` (an instance of a called
    /// module reads its caller's arguments), read over it and its symbolic twin; no
    /// findings.
    fn of_module(module: &Module, twin: &Module, snapshot: &Snapshot) -> Facts {
        let cx = Context::new(module);
        let sym = Context::new(twin);
        let access = tfstack_review::access_of(module, twin);
        let places = Places { snapshot };
        Facts {
            iam: iam::facts(&cx, &sym, &access, &places),
            exposure: exposure::facts(&cx, &access, &places),
            reliability: reliability::facts(&cx, &sym, &places),
            findings: Vec::new(),
        }
    }
}

impl Rename for Facts {
    fn rename(&mut self, moves: &Moves) {
        self.iam.rename(moves);
        self.exposure.rename(moves);
        self.reliability.rename(moves);
        for f in &mut self.findings {
            f.resource.rename(moves);
            f.message.rename(moves);
        }
    }
}

/// One version of the configuration, instance by instance.
pub(crate) struct Version<'a> {
    pub snapshot: &'a Snapshot,
    /// Every module instance, and every directory of JSON documents linted on its own.
    pub instances: BTreeMap<InstanceKey, Facts>,
    /// The instances of Terraform modules (the rest hold JSON documents).
    terraform: BTreeSet<InstanceKey>,
    /// The resources each instance renames with `moved` blocks.
    pub moved: BTreeMap<InstanceKey, Moves>,
    /// What the lint of the version could not read.
    pub errors: Vec<SourceError>,
}

/// One module instance a tree's lint linted.
struct Visited {
    key: InstanceKey,
    /// Its module directory's key.
    dir: String,
    facts: Facts,
    moved: Moves,
}

impl<'a> Version<'a> {
    /// Reads `snapshot`: a directory or revision is linted as `tfstack lint` lints it, and
    /// each instance it lints is read there; other snapshots module by module, linted
    /// with `rules`.
    pub fn of(
        snapshot: &'a Snapshot,
        catalogue: &[&'static dyn Rule],
        config: &LintConfig,
        rules: &[(&'static dyn Rule, Severity)],
    ) -> Version<'a> {
        match &snapshot.tree {
            Some(tree) => {
                let visited = Mutex::new(Vec::new());
                let visit = |module: &Module| {
                    let key = match module.calls.first() {
                        None => InstanceKey::root(tree.key_of(&module.dir)),
                        Some(_) => InstanceKey::root(tree.key_of(&module.root_dir))
                            .below(module.instance()),
                    };
                    let seen = Visited {
                        key,
                        dir: tree.key_of(&module.dir),
                        facts: Facts::of_module(module, &twin_of(module), snapshot),
                        moved: Moves::of(&module.config),
                    };
                    if let Ok(mut visited) = visited.lock() {
                        visited.push(seen);
                    }
                };
                let found =
                    findings::of_tree(snapshot, catalogue, config, &visit).unwrap_or_default();
                let visited = visited.into_inner().unwrap_or_default();
                Version::of_tree(snapshot, visited, found)
            }
            None => Version::of_modules(snapshot, rules, config),
        }
    }

    /// A tree's instances, and its findings each in the instance it was found in. The
    /// findings of a called module's suppressions, linted once for its directory, are
    /// its first instance's.
    fn of_tree(
        snapshot: &'a Snapshot,
        visited: Vec<Visited>,
        found: findings::TreeFindings,
    ) -> Version<'a> {
        let mut version = Version {
            snapshot,
            instances: BTreeMap::new(),
            terraform: BTreeSet::new(),
            moved: BTreeMap::new(),
            errors: found.errors,
        };
        // A directory linted as a root module is that root; a called one is its first
        // instance.
        let rank = |k: &InstanceKey| (!k.address.is_empty(), k.clone());
        let mut first_of_dir: BTreeMap<String, InstanceKey> = BTreeMap::new();
        for v in visited {
            let first = first_of_dir.entry(v.dir).or_insert_with(|| v.key.clone());
            if rank(&v.key) < rank(first) {
                *first = v.key.clone();
            }
            version.terraform.insert(v.key.clone());
            version.moved.insert(v.key.clone(), v.moved);
            version.instances.insert(v.key, v.facts);
        }
        for part in found.parts {
            let linted_in = match first_of_dir.get(&part.dir) {
                Some(first) if !part.document && !first.address.is_empty() => first.clone(),
                _ => InstanceKey::root(part.dir),
            };
            if !part.document {
                version.terraform.insert(linted_in.clone());
            }
            version.instances.entry(linted_in.clone()).or_default();
            for mut f in part.findings {
                let key = match (f.calls.last(), &f.root_module) {
                    (Some(call), Some(root)) => InstanceKey::root(root).below(&call.instance),
                    _ => linted_in.clone(),
                };
                f.root_module = Some(key.root.clone());
                version.instances.entry(key).or_default().findings.push(f);
            }
        }
        version
    }

    /// A snapshot's modules, each linted on its own: a plan's by their address, a typed
    /// stack's and its committed output's by directory.
    fn of_modules(
        snapshot: &'a Snapshot,
        rules: &[(&'static dyn Rule, Severity)],
        config: &LintConfig,
    ) -> Version<'a> {
        let read: Vec<(InstanceKey, Facts, Moves)> = snapshot
            .modules
            .par_iter()
            .map(|(key, loaded)| {
                let key = match snapshot.source.kind {
                    SourceKind::Plan if key != "." => InstanceKey::root(".").below(key),
                    _ => InstanceKey::root(key.as_str()),
                };
                let mut facts = Facts::of_module(&loaded.module, &loaded.twin, snapshot);
                facts.findings = findings::facts(loaded, snapshot, rules, config);
                (key, facts, Moves::of(&loaded.module.config))
            })
            .collect();
        let mut version = Version {
            snapshot,
            instances: BTreeMap::new(),
            terraform: BTreeSet::new(),
            moved: BTreeMap::new(),
            errors: Vec::new(),
        };
        for (key, facts, moved) in read {
            version.terraform.insert(key.clone());
            version.moved.insert(key.clone(), moved);
            version.instances.insert(key, facts);
        }
        version
    }

    /// Whether the version has Terraform at `key`: a module instance, or a module
    /// directory (not one holding only JSON documents linted on their own).
    pub fn has_terraform(&self, key: &InstanceKey) -> bool {
        self.terraform.contains(key)
            || (key.address.is_empty() && self.snapshot.modules.contains_key(&key.root))
    }
}

/// `base`'s facts read under the names `head`'s `moved` blocks give the resources of each
/// instance.
pub(crate) fn read_under_head_addresses(
    base: &mut BTreeMap<InstanceKey, Facts>,
    head: &BTreeMap<InstanceKey, Moves>,
) {
    for (at, moves) in head {
        if moves.is_empty() {
            continue;
        }
        if let Some(facts) = base.get_mut(at) {
            facts.rename(moves);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::report::ModuleStatus;
    use crate::testing::{diff_files, kinds};
    use crate::Format;

    /// The root crate's fixture of a module's directory renamed (`tests/diff_cli.rs`): a
    /// root module calling the worker module as `orders`, from `modules/worker` and from
    /// `modules/consumer`; the worker, and the worker without its queue's redrive.
    const CALL_WORKER: &str = include_str!("../../tests/fixtures/diff-modules/base/main.tf");
    const CALL_CONSUMER: &str = include_str!("../../tests/fixtures/diff-modules/renamed/main.tf");
    const WORKER: &str =
        include_str!("../../tests/fixtures/diff-modules/base/modules/worker/main.tf");
    const WORKER_WITHOUT_REDRIVE: &str = include_str!(
        "../../tests/fixtures/diff-modules/renamed-without-redrive/modules/consumer/main.tf"
    );

    #[test]
    fn a_module_directory_renamed_is_no_change() {
        let report = diff_files(
            &[("main.tf", CALL_WORKER), ("modules/worker/main.tf", WORKER)],
            &[
                ("main.tf", CALL_CONSUMER),
                ("modules/consumer/main.tf", WORKER),
            ],
            None,
        );
        assert!(report.is_empty(), "{}", report.render(Format::Human));
        // Renamed, and the queue's redrive removed with it: the one queue of
        // `module.orders` lost it.
        let report = diff_files(
            &[("main.tf", CALL_WORKER), ("modules/worker/main.tf", WORKER)],
            &[
                ("main.tf", CALL_CONSUMER),
                ("modules/consumer/main.tf", WORKER_WITHOUT_REDRIVE),
            ],
            None,
        );
        assert_eq!(
            kinds(&report),
            [("failure_handling_removed", "aws_sqs_queue.jobs".to_string())]
        );
        let m = &report.modules[0];
        assert_eq!(
            (m.module.as_str(), m.status),
            ("module.orders", ModuleStatus::Changed)
        );
        assert!(report.fails(&[crate::FailOn::Reliability]));
    }

    #[test]
    fn findings_of_a_module_directory_renamed_are_the_same_findings() {
        // A queue without a dead-letter queue in each of two calls, and a suppression in
        // the module's file that matches nothing (judged once for the directory).
        let queue = "variable \"name\" {\n  type = string\n}\n\n\
                     # tfstack:ignore[LOG001] kept by the platform\n\
                     resource \"aws_sqs_queue\" \"q\" {\n  name = var.name\n}\n";
        let calls = |dir: &str| {
            format!(
                "module \"a\" {{\n  source = \"./{dir}\"\n  name   = \"a\"\n}}\n\n\
                 module \"b\" {{\n  source = \"./{dir}\"\n  name   = \"b\"\n}}\n"
            )
        };
        let (base_calls, head_calls) = (calls("modules/queue"), calls("modules/jobs"));
        let base = [
            ("main.tf", base_calls.as_str()),
            ("modules/queue/main.tf", queue),
        ];
        let head = [
            ("main.tf", head_calls.as_str()),
            ("modules/jobs/main.tf", queue),
        ];
        let report = diff_files(&base, &head, None);
        assert!(report.is_empty(), "{}", report.render(Format::Human));
        // Each version has those findings: two queues and the suppression.
        let against_none = diff_files(&[("README.md", "")], &head, None);
        let rules: Vec<&str> = against_none
            .modules
            .iter()
            .flat_map(|m| m.findings.introduced.iter().map(|f| f.rule.as_str()))
            .collect();
        assert_eq!(rules, ["DLQ001", "TFS002", "DLQ001"], "{against_none:?}");
    }

    #[test]
    fn a_module_directory_nothing_calls_is_compared_as_its_directory() {
        let report = diff_files(
            &[("modules/worker/main.tf", WORKER)],
            &[("modules/worker/main.tf", WORKER_WITHOUT_REDRIVE)],
            None,
        );
        // Linted on its own, at its defaults: the directory is its own root module.
        assert_eq!(report.modules.len(), 1);
        assert_eq!(report.modules[0].module, "modules/worker");
        assert_eq!(report.modules[0].root_module, None);
        assert_eq!(
            kinds(&report),
            [("failure_handling_removed", "aws_sqs_queue.jobs".to_string())]
        );
    }

    #[test]
    fn each_call_of_a_module_is_compared_with_its_own_arguments() {
        let logs = "variable \"retention_days\" {\n  type = number\n}\n\n\
                    resource \"aws_cloudwatch_log_group\" \"this\" {\n  retention_in_days = var.retention_days\n}\n";
        let root = |orders: u32, billing: u32| {
            format!(
                "module \"orders\" {{\n  source         = \"./modules/logs\"\n  retention_days = {orders}\n}}\n\n\
                 module \"billing\" {{\n  source         = \"./modules/logs\"\n  retention_days = {billing}\n}}\n"
            )
        };
        let report = diff_files(
            &[("main.tf", &root(30, 30)), ("modules/logs/main.tf", logs)],
            &[("main.tf", &root(30, 1)), ("modules/logs/main.tf", logs)],
            None,
        );
        assert_eq!(report.modules.len(), 1, "{}", report.render(Format::Human));
        assert_eq!(report.modules[0].module, "module.billing");
        assert_eq!(
            kinds(&report),
            [(
                "retention_shortened",
                "aws_cloudwatch_log_group.this".to_string()
            )]
        );
        // Root module, `orders` and `billing`.
        assert_eq!(report.unchanged_modules, 2);
    }
}
