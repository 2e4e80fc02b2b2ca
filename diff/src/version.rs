//! One version as the comparison reads it: the facts of each module instance — its
//! permissions, exposure and reliability, and the findings `tfstack lint` reports in it —
//! and the `moved` blocks each instance declares. A directory or a revision is read as
//! `tfstack lint` walks it: every root module, and every instance its module calls make,
//! with the caller's arguments, keyed by the address Terraform gives it; a plan by its
//! module instances; a typed stack and its committed output as one module.

use crate::exposure;
use crate::findings;
use crate::iam;
use crate::instance::{qualified, renamed_instance, InstanceKey};
use crate::moves::{MovedBlocks, Moves, Relocate, Rename};
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

    /// The facts about the resources `moves` takes from the instance `from` to the
    /// instance `to` (addresses in the root module), taken out and read under their new
    /// addresses.
    fn take_moved(&mut self, moves: &Moves, from: &str, to: &str) -> Facts {
        let moved_local = |f: &FindingChange| {
            let resource = f.resource.as_deref()?;
            let local = match from {
                "" => resource,
                from => resource.strip_prefix(from)?.strip_prefix('.')?,
            };
            moves.takes(local).then(|| local.to_string())
        };
        let (taken, kept): (Vec<FindingChange>, Vec<FindingChange>) =
            std::mem::take(&mut self.findings)
                .into_iter()
                .partition(|f| moved_local(f).is_some());
        self.findings = kept;
        let findings = taken
            .into_iter()
            .map(|mut f| {
                if let Some(mut local) = moved_local(&f) {
                    local.rename(moves);
                    f.resource = Some(qualified(to, &local));
                }
                f.message.rename(moves);
                f
            })
            .collect();
        Facts {
            iam: self.iam.take_moved(moves),
            exposure: self.exposure.take_moved(moves),
            reliability: self.reliability.take_moved(moves),
            findings,
        }
    }

    /// Adds the facts of resources moved in from another instance.
    fn absorb(&mut self, moved: Facts) {
        self.iam.absorb(moved.iam);
        self.exposure.absorb(moved.exposure);
        self.reliability.absorb(moved.reliability);
        self.findings.extend(moved.findings);
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
    /// The `moved` blocks of each instance.
    pub moved: BTreeMap<InstanceKey, MovedBlocks>,
    /// What the lint of the version could not read.
    pub errors: Vec<SourceError>,
}

/// One module instance a tree's lint linted.
struct Visited {
    key: InstanceKey,
    /// Its module directory's key.
    dir: String,
    facts: Facts,
    moved: MovedBlocks,
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
                        moved: MovedBlocks::of(&module.config),
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
            version.instances.entry(v.key).or_default().absorb(v.facts);
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
        let read: Vec<(InstanceKey, Facts, MovedBlocks)> = snapshot
            .modules
            .par_iter()
            .map(|(key, loaded)| {
                let key = match snapshot.source.kind {
                    SourceKind::Plan if key != "." => InstanceKey::root(".").below(key),
                    _ => InstanceKey::root(key.as_str()),
                };
                let made;
                let twin = match &loaded.twin {
                    Some(twin) => twin,
                    None => {
                        made = twin_of(&loaded.module);
                        &made
                    }
                };
                let mut facts = Facts::of_module(&loaded.module, twin, snapshot);
                facts.findings = findings::facts(loaded, snapshot, rules, config);
                (key, facts, MovedBlocks::of(&loaded.module.config))
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

/// `base`'s facts read under the addresses `head`'s `moved` blocks give: module calls
/// renamed (every instance they make), resources moved into or out of a module call, and
/// resources renamed within an instance — each the same object to Terraform.
pub(crate) fn read_under_head_addresses(
    base: &mut BTreeMap<InstanceKey, Facts>,
    head: &BTreeMap<InstanceKey, MovedBlocks>,
) {
    // Outer calls first (a key sorts before the keys of the instances below it).
    for (at, moved) in head {
        for (from, to) in &moved.calls {
            let (from, to) = (at.below(from), at.below(to));
            let renamed: Vec<(InstanceKey, InstanceKey)> = base
                .keys()
                .filter_map(|k| Some((k.clone(), k.moved(&from, &to)?)))
                .collect();
            for (old, new) in renamed {
                let Some(mut facts) = base.remove(&old) else {
                    continue;
                };
                for f in &mut facts.findings {
                    let resource = f.resource.as_deref();
                    if let Some(r) =
                        resource.and_then(|r| renamed_instance(r, &from.address, &to.address))
                    {
                        f.resource = Some(r);
                    }
                }
                base.entry(new).or_default().absorb(facts);
            }
        }
    }
    for (at, moved) in head {
        for ((from_calls, to_calls), moves) in &moved.across {
            let (from, to) = (at.below(from_calls), at.below(to_calls));
            // A move base has nothing of (written before base, or of resources base
            // never had) moves nothing: the instance it leads to is as new as it is.
            let Some(source) = base
                .get_mut(&from)
                .filter(|s| s.reliability.has_any_moved(moves))
            else {
                continue;
            };
            let taken = source.take_moved(moves, &from.address, &to.address);
            base.entry(to).or_default().absorb(taken);
        }
    }
    for (at, moved) in head {
        if moved.within.is_empty() {
            continue;
        }
        if let Some(facts) = base.get_mut(at) {
            facts.rename(&moved.within);
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

    /// The root crate's fixture of resources moved into a module: a topic, its queue and
    /// the queue's resource policy in the root module; the module `fanout` holding them,
    /// called with `moved` blocks.
    const FANOUT_IN_ROOT: &str =
        include_str!("../../tests/fixtures/diff-moved-into-module/base/main.tf");
    const CALL_FANOUT: &str =
        include_str!("../../tests/fixtures/diff-moved-into-module/head/main.tf");
    const FANOUT: &str =
        include_str!("../../tests/fixtures/diff-moved-into-module/head/modules/fanout/main.tf");

    /// The `moved` blocks of `text`, and the rest of it.
    fn moved_blocks_and_rest(text: &str) -> (String, String) {
        let (mut moved, mut rest) = (String::new(), String::new());
        let mut in_moved = false;
        for line in text.lines() {
            in_moved |= line.starts_with("moved {");
            let out = if in_moved { &mut moved } else { &mut rest };
            out.push_str(line);
            out.push('\n');
            in_moved &= line != "}";
        }
        (moved, rest)
    }

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

    #[test]
    fn resources_moved_into_a_module_are_the_same_resources() {
        let report = diff_files(
            &[("main.tf", FANOUT_IN_ROOT)],
            &[("main.tf", CALL_FANOUT), ("modules/fanout/main.tf", FANOUT)],
            None,
        );
        // The queue's findings (no dead-letter queue) are neither fixed nor new.
        assert!(report.is_empty(), "{}", report.render(Format::Human));
        // Broadened as it moves: one change, on the one policy, in the module.
        let wider = FANOUT.replace("\"sqs:SendMessage\"", "\"sqs:*\"");
        let report = diff_files(
            &[("main.tf", FANOUT_IN_ROOT)],
            &[("main.tf", CALL_FANOUT), ("modules/fanout/main.tf", &wider)],
            None,
        );
        assert_eq!(
            kinds(&report),
            [(
                "statement_changed",
                "aws_sqs_queue_policy.orders".to_string()
            )],
            "{}",
            report.render(Format::Human)
        );
        assert!(report.fails(&[crate::FailOn::Broadening]));
        assert_eq!(report.modules[0].module, "module.fanout");
        // Without the moved blocks Terraform destroys and creates them: a new policy in
        // the module, the root's removed.
        let (_, without_moved) = moved_blocks_and_rest(CALL_FANOUT);
        let report = diff_files(
            &[("main.tf", FANOUT_IN_ROOT)],
            &[
                ("main.tf", &without_moved),
                ("modules/fanout/main.tf", FANOUT),
            ],
            None,
        );
        let mut found: Vec<(String, &str)> = report
            .modules
            .iter()
            .flat_map(|m| m.changes.iter().map(move |c| (m.module.clone(), c.kind)))
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                (".".to_string(), "policy_removed"),
                ("module.fanout".to_string(), "policy_added")
            ]
        );
        let added = report.modules.iter().find(|m| m.module == "module.fanout");
        assert_eq!(added.map(|m| m.status), Some(ModuleStatus::Added));
        // Moved blocks of resources base never had move nothing: the module is new.
        let report = diff_files(
            &[("main.tf", "output \"note\" {\n  value = \"none yet\"\n}\n")],
            &[("main.tf", CALL_FANOUT), ("modules/fanout/main.tf", FANOUT)],
            None,
        );
        let m = &report.modules[0];
        assert_eq!(
            (m.module.as_str(), m.status),
            ("module.fanout", ModuleStatus::Added)
        );
        assert_eq!(
            kinds(&report),
            [("policy_added", "aws_sqs_queue_policy.orders".to_string())]
        );
    }

    #[test]
    fn resources_moved_out_of_a_module_are_the_same_resources() {
        // The moved blocks the other way round.
        let (into, _) = moved_blocks_and_rest(CALL_FANOUT);
        let out_of = into
            .replace("  from = ", "  was = ")
            .replace("  to   = ", "  from = ")
            .replace("  was = ", "  to   = ");
        let report = diff_files(
            &[("main.tf", CALL_FANOUT), ("modules/fanout/main.tf", FANOUT)],
            &[("main.tf", &(FANOUT_IN_ROOT.to_string() + &out_of))],
            None,
        );
        assert!(report.is_empty(), "{}", report.render(Format::Human));
    }

    #[test]
    fn a_module_call_renamed_with_a_moved_block_is_the_same_instance() {
        let jobs = CALL_WORKER.replace("module \"orders\" {", "module \"jobs\" {");
        let renamed = jobs.clone() + "\nmoved {\n  from = module.orders\n  to   = module.jobs\n}\n";
        let worker = |text| [("modules/worker/main.tf", text)];
        let report = diff_files(
            &[[("main.tf", CALL_WORKER)], worker(WORKER_WITHOUT_REDRIVE)].concat(),
            &[
                [("main.tf", renamed.as_str())],
                worker(WORKER_WITHOUT_REDRIVE),
            ]
            .concat(),
            None,
        );
        // The queue's finding (no dead-letter queue) is the same finding.
        assert!(report.is_empty(), "{}", report.render(Format::Human));
        // Renamed and its queue's redrive removed: the one queue lost it.
        let report = diff_files(
            &[[("main.tf", CALL_WORKER)], worker(WORKER)].concat(),
            &[
                [("main.tf", renamed.as_str())],
                worker(WORKER_WITHOUT_REDRIVE),
            ]
            .concat(),
            None,
        );
        assert_eq!(
            kinds(&report),
            [("failure_handling_removed", "aws_sqs_queue.jobs".to_string())]
        );
        assert_eq!(report.modules[0].module, "module.jobs");
        assert_eq!(report.modules[0].status, ModuleStatus::Changed);
        // Without the moved block, another instance: every resource destroyed and made.
        let report = diff_files(
            &[[("main.tf", CALL_WORKER)], worker(WORKER)].concat(),
            &[[("main.tf", jobs.as_str())], worker(WORKER)].concat(),
            None,
        );
        let statuses: Vec<(&str, ModuleStatus)> = report
            .modules
            .iter()
            .map(|m| (m.module.as_str(), m.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("module.jobs", ModuleStatus::Added),
                ("module.orders", ModuleStatus::Removed)
            ]
        );
    }

    /// `for_each` added to a module call, its one instance moved to a key (as Terraform's
    /// refactoring guide has it): the same instance; another key is a new one.
    #[test]
    fn a_module_call_moved_to_one_of_its_instances_is_that_instance() {
        let keyed = |keys: &str| {
            CALL_WORKER.replace(
                "module \"orders\" {",
                &format!("module \"orders\" {{\n  for_each = toset([{keys}])"),
            ) + "\nmoved {\n  from = module.orders\n  to   = module.orders[\"eu\"]\n}\n"
        };
        let worker = |text| [("modules/worker/main.tf", text)];
        let one = keyed("\"eu\"");
        let report = diff_files(
            &[[("main.tf", CALL_WORKER)], worker(WORKER)].concat(),
            &[[("main.tf", one.as_str())], worker(WORKER)].concat(),
            None,
        );
        assert!(report.is_empty(), "{}", report.render(Format::Human));
        let two = keyed("\"eu\", \"us\"");
        let report = diff_files(
            &[[("main.tf", CALL_WORKER)], worker(WORKER)].concat(),
            &[[("main.tf", two.as_str())], worker(WORKER)].concat(),
            None,
        );
        let statuses: Vec<(&str, ModuleStatus)> = report
            .modules
            .iter()
            .map(|m| (m.module.as_str(), m.status))
            .collect();
        assert_eq!(statuses, [("module.orders[\"us\"]", ModuleStatus::Added)]);
    }
}
