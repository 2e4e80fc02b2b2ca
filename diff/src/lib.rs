//! `tfstack diff`: what a change does to security and reliability. Two versions of a
//! configuration — two directories, two revisions of the repository, two plans, or a
//! typed stack and its committed `out/` — are loaded into the IR and compared module by
//! module on evaluated values (a renamed local or a reformatting is no change):
//!
//! - IAM: statements and permissions added, removed, broadened or narrowed, per role,
//!   policy and resource policy (wildcards expanded with the IAM action table);
//! - exposure: routes that lost authorization, new public principals, function URLs with
//!   `NONE`, ingress from the internet;
//! - reliability: failure handling removed, retention shortened or removed, `auto_deploy`
//!   turned on in production, encryption or point-in-time recovery turned off;
//! - the linter's findings introduced, fixed and suppressed: a directory or revision is
//!   linted as `tfstack lint` lints it (module calls as instances with the callers'
//!   arguments), so each version's findings are those `tfstack lint` reports on it;
//! - between two revisions, the linter's own configuration: rules turned off or lowered,
//!   suppressions and exclusions added ([`configuration`]).
//!
//! ```no_run
//! use tfstack_diff::{compare, open_pair, DiffOptions, Format};
//! use tfstack_lint_engine::config::LintConfig;
//! # fn main() -> Result<(), tfstack_diff::DiffError> {
//! let (base, head) = open_pair("main", "HEAD", &Default::default())?;
//! let config = LintConfig::default();
//! let report = compare(&base, &head, &DiffOptions { config: &config, catalogue: &[] });
//! print!("{}", report.render(Format::Markdown));
//! # Ok(()) }
//! ```

pub mod configuration;
mod error;
mod exposure;
mod findings;
pub mod git;
mod iam;
mod moves;
mod places;
mod reliability;
mod render;
pub mod report;
pub mod snapshot;
#[cfg(test)]
mod testing;

pub use error::DiffError;
pub use render::{incomplete_json, Format};
pub use report::{Change, ConfigChange, DiffReport, FailOn, ModuleDiff, Summary};
pub use snapshot::{open_pair, Snapshot, Source, SourceKind};

use moves::Rename;
use places::Places;
use rayon::prelude::*;
use report::{Danger, ModuleStatus};
use snapshot::LoadedModule;
use std::collections::BTreeSet;
use tfstack_lint_engine::config::LintConfig;
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::lint::active_rules;
use tfstack_lint_engine::{Rule, Severity};

/// What the comparison lints with.
pub struct DiffOptions<'a> {
    /// Rule selection, severities, suppressions and production names.
    pub config: &'a LintConfig,
    /// The rule catalogue (the CLI passes `tfstack_lint_rules::registry::all()`).
    pub catalogue: &'a [&'static dyn Rule],
}

/// Everything the comparison reads of one version of one module.
#[derive(Default)]
struct Facts {
    iam: iam::IamFacts,
    exposure: exposure::ExposureFacts,
    reliability: reliability::ReliabilityFacts,
    findings: Vec<report::FindingChange>,
}

impl Facts {
    /// The facts of the module directory `loaded`, on its own; its findings are `tree`'s
    /// when the version was linted as a tree, else those of the module linted alone.
    fn of(
        loaded: Option<&LoadedModule>,
        tree: Option<&[report::FindingChange]>,
        snapshot: &Snapshot,
        rules: &[(&'static dyn Rule, Severity)],
        config: &LintConfig,
    ) -> Facts {
        let mut facts = match loaded {
            Some(loaded) => {
                let cx = Context::new(&loaded.module);
                let sym = Context::new(&loaded.twin);
                let access = tfstack_review::access_of(&loaded.module, &loaded.twin);
                let places = Places { snapshot };
                Facts {
                    iam: iam::facts(&cx, &sym, &access, &places),
                    exposure: exposure::facts(&cx, &access, &places),
                    reliability: reliability::facts(&cx, &sym, &places),
                    findings: Vec::new(),
                }
            }
            None => Facts::default(),
        };
        facts.findings = match (tree, loaded) {
            (Some(found), _) => found.to_vec(),
            (None, Some(loaded)) if snapshot.tree.is_none() => {
                findings::facts(loaded, snapshot, rules, config)
            }
            (None, _) => Vec::new(),
        };
        facts
    }
}

impl moves::Rename for Facts {
    fn rename(&mut self, moves: &moves::Moves) {
        self.iam.rename(moves);
        self.exposure.rename(moves);
        self.reliability.rename(moves);
        for f in &mut self.findings {
            f.resource.rename(moves);
            f.message.rename(moves);
        }
    }
}

/// One version, with its findings when it was linted as a tree.
struct Version<'a> {
    snapshot: &'a Snapshot,
    tree: Option<findings::TreeFindings>,
}

impl Version<'_> {
    /// The module's IR and findings, if the version has it.
    fn module(&self, key: &str) -> (Option<&LoadedModule>, Option<&[report::FindingChange]>) {
        let found = self
            .tree
            .as_ref()
            .and_then(|t| t.by_module.get(key))
            .map(Vec::as_slice);
        (self.snapshot.modules.get(key), found)
    }

    /// Whether the version has Terraform at `key`: a module directory, or a directory
    /// its lint linted Terraform in (a called module's instances); not one holding only
    /// JSON documents linted on their own.
    fn has_terraform(&self, key: &str) -> bool {
        self.snapshot.modules.contains_key(key)
            || self
                .tree
                .as_ref()
                .is_some_and(|t| t.terraform.contains(key))
    }

    /// Every module key: its directories, and the directories its lint linted.
    fn keys(&self) -> impl Iterator<Item = &String> {
        let linted = self.tree.iter().flat_map(|t| t.by_module.keys());
        self.snapshot.modules.keys().chain(linted)
    }
}

/// The comparison of one module, `None` when nothing changed.
fn compare_module(
    key: &str,
    base: &Version,
    head: &Version,
    rules: &[(&'static dyn Rule, Severity)],
    config: &LintConfig,
) -> Option<ModuleDiff> {
    let (b, h) = (base.module(key), head.module(key));
    let documents_only = !base.has_terraform(key) && !head.has_terraform(key);
    let present = |(m, f): (Option<&LoadedModule>, Option<&[report::FindingChange]>)| {
        m.is_some() || f.is_some()
    };
    let status = match (present(b), present(h)) {
        (false, _) => ModuleStatus::Added,
        (_, false) => ModuleStatus::Removed,
        _ => ModuleStatus::Changed,
    };
    let facts = |(loaded, tree), version: &Version| {
        Facts::of(loaded, tree, version.snapshot, rules, config)
    };
    let (mut b, h) = rayon::join(|| facts(b, base), || facts(h, head));
    // Resources head renames with `moved` blocks are the same objects: base is read under
    // head's names.
    if let Some(loaded) = head.snapshot.modules.get(key) {
        let moves = moves::Moves::of(&loaded.module.config);
        if !moves.is_empty() {
            b.rename(&moves);
        }
    }
    let mut changes = iam::compare(&b.iam, &h.iam);
    changes.extend(exposure::compare(&b.exposure, &h.exposure));
    changes.extend(reliability::compare(&b.reliability, &h.reliability));
    changes.sort_by(|x, y| x.sort_key().cmp(&y.sort_key()));
    changes.dedup();
    let findings = findings::compare(&b.findings, &h.findings);
    if changes.is_empty() && findings.is_empty() {
        return None;
    }
    Some(ModuleDiff {
        module: key.to_string(),
        documents_only,
        status,
        changes,
        findings,
    })
}

/// Compares two versions, module by module. Modules without any change are counted, not
/// listed; the modules with the most dangerous changes come first.
pub fn compare(base: &Snapshot, head: &Snapshot, options: &DiffOptions) -> DiffReport {
    let rules = active_rules(options.catalogue, options.config);
    // A directory or revision is linted whole, as `tfstack lint` lints it, both in
    // parallel.
    let lint = |snapshot| findings::of_tree(snapshot, options.catalogue, options.config);
    let (base_tree, head_tree) = rayon::join(|| lint(base), || lint(head));
    let base = Version {
        snapshot: base,
        tree: base_tree,
    };
    let head = Version {
        snapshot: head,
        tree: head_tree,
    };
    let keys: BTreeSet<&String> = base.keys().chain(head.keys()).collect();
    let keys: Vec<&String> = keys.into_iter().collect();
    // Modules are read and linted in parallel (each on its own: a module's contexts stay
    // in its task), then put back in the order of their keys.
    let compared: Vec<Option<ModuleDiff>> = keys
        .par_iter()
        .map(|key| compare_module(key, &base, &head, &rules, options.config))
        .collect();
    let unchanged_modules = compared.iter().filter(|m| m.is_none()).count();
    let mut modules: Vec<ModuleDiff> = compared.into_iter().flatten().collect();
    // The most dangerous first; modules with findings only after every module with a
    // change.
    modules.sort_by(|x, y| {
        let rank = |m: &ModuleDiff| m.worst().map_or(3, |d: Danger| d as u8);
        (rank(x), &x.module).cmp(&(rank(y), &y.module))
    });
    let errors = [&base, &head]
        .iter()
        .flat_map(|v| v.tree.iter().flat_map(|t| t.errors.iter().cloned()))
        .collect();
    DiffReport {
        base: base.snapshot.source.clone(),
        head: head.snapshot.source.clone(),
        modules,
        unchanged_modules,
        configuration: Vec::new(),
        errors,
    }
}
