//! `tfstack diff`: what a change does to security and reliability. Two versions of a
//! configuration — two directories, two revisions of the repository, two plans, or a
//! typed stack and its committed `out/` — are loaded into the IR and compared module
//! instance by module instance, each as Terraform addresses it (`module.orders`) and
//! evaluated with its caller's arguments, on evaluated values (a renamed local, a
//! reformatting or a module's directory renamed is no change):
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
mod instance;
mod moves;
mod places;
mod reliability;
mod render;
pub mod report;
pub mod snapshot;
#[cfg(test)]
mod testing;
mod version;

pub use error::DiffError;
pub use render::{incomplete_json, Format};
pub use report::{Change, ConfigChange, DiffReport, FailOn, ModuleDiff, Summary};
pub use snapshot::{open_pair, Snapshot, Source, SourceKind};

use instance::InstanceKey;
use rayon::prelude::*;
use report::{Danger, ModuleStatus};
use std::collections::BTreeSet;
use tfstack_lint_engine::config::LintConfig;
use tfstack_lint_engine::lint::active_rules;
use tfstack_lint_engine::Rule;
use version::{Facts, Version};

/// What the comparison lints with.
pub struct DiffOptions<'a> {
    /// Rule selection, severities, suppressions and production names.
    pub config: &'a LintConfig,
    /// The rule catalogue (the CLI passes `tfstack_lint_rules::registry::all()`).
    pub catalogue: &'a [&'static dyn Rule],
}

/// The comparison of one module instance, `None` when nothing changed.
fn compare_instance(key: &InstanceKey, base: &Version, head: &Version) -> Option<ModuleDiff> {
    let (b, h) = (base.instances.get(key), head.instances.get(key));
    let status = match (b.is_some(), h.is_some()) {
        (false, _) => ModuleStatus::Added,
        (_, false) => ModuleStatus::Removed,
        _ => ModuleStatus::Changed,
    };
    let none = Facts::default();
    let (b, h) = (b.unwrap_or(&none), h.unwrap_or(&none));
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
        module: key.shown().to_string(),
        root_module: key.caller_root().map(str::to_string),
        documents_only: !base.has_terraform(key) && !head.has_terraform(key),
        status,
        changes,
        findings,
    })
}

/// Compares two versions, module instance by module instance. Instances without any
/// change are counted, not listed; those with the most dangerous changes come first.
pub fn compare(base: &Snapshot, head: &Snapshot, options: &DiffOptions) -> DiffReport {
    let rules = active_rules(options.catalogue, options.config);
    // A directory or revision is linted whole, as `tfstack lint` lints it, and each
    // instance read as it is linted; both versions in parallel.
    let read = |snapshot| Version::of(snapshot, options.catalogue, options.config, &rules);
    let (mut base, head) = rayon::join(|| read(base), || read(head));
    // What head moves with `moved` blocks is the same object: base is read under head's
    // addresses.
    version::read_under_head_addresses(&mut base.instances, &head.moved);
    let keys: BTreeSet<&InstanceKey> = base.instances.keys().chain(head.instances.keys()).collect();
    let keys: Vec<&InstanceKey> = keys.into_iter().collect();
    let compared: Vec<Option<ModuleDiff>> = keys
        .par_iter()
        .map(|key| compare_instance(key, &base, &head))
        .collect();
    let unchanged_modules = compared.iter().filter(|m| m.is_none()).count();
    let mut modules: Vec<ModuleDiff> = compared.into_iter().flatten().collect();
    // The most dangerous first; modules with findings only after every module with a
    // change.
    modules.sort_by(|x, y| {
        let rank = |m: &ModuleDiff| m.worst().map_or(3, |d: Danger| d as u8);
        (rank(x), &x.module, &x.root_module).cmp(&(rank(y), &y.module, &y.root_module))
    });
    let errors = [&base, &head]
        .iter()
        .flat_map(|v| v.errors.iter().cloned())
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
