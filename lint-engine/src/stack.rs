//! Linting a typed stack: its IR (origins are Rust lines), its generated policy files kept
//! in memory (findings inside them point at the Rust line that wrote the statement), its
//! environment, and the suppressions declared on its constructs.

use crate::config::LintConfig;
use crate::context::{Module, PackageSource};
use crate::lint::{active_rules, lint_module};
use crate::located::LintReport;
use crate::suppress::InlineSuppression;
use crate::Rule;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tfstack_model::constructs::{StackFile, StackOutput};
use tfstack_model::eval::{normalize, MemoryFiles};
use tfstack_model::SourceFiles;

/// The module a typed stack lowers to, as the linter sees it. `out_root` is where synth
/// writes it (`path.module` is `<out_root>/<stack>/<env>`).
pub fn module_from_stack(
    out: &StackOutput,
    out_root: &Path,
    production_names: &[String],
) -> (Module, Vec<InlineSuppression>) {
    let dir = out_root.join(&out.name).join(&out.env.name);
    let mut memory = HashMap::new();
    let mut source_maps = HashMap::new();
    let mut packages = HashMap::new();
    for (path, file) in &out.files {
        let full = normalize(&dir.join(path));
        match file {
            StackFile::Text { text, origins } => {
                memory.insert(full.clone(), text.clone());
                if !origins.is_empty() {
                    source_maps.insert(full, origins.clone());
                }
            }
            StackFile::ZipOfDirectory(source) => {
                packages.insert(full, PackageSource::Directory(source.clone()));
            }
            StackFile::Copy(source) => {
                packages.insert(full, PackageSource::Zip(source.clone()));
            }
            StackFile::ZipOfFiles(code) => {
                let files = code.iter().map(|f| f.path.clone()).collect();
                packages.insert(full, PackageSource::Files(files));
            }
        }
    }
    let module = Module::new(dir.clone(), out.config.clone(), SourceFiles::default())
        .with_environment(Some(out.env.name.clone()), production_names.to_vec())
        .with_file_source(Box::new(MemoryFiles(memory)), source_maps)
        .with_packages(packages);
    let suppressions = out
        .suppressions
        .iter()
        .map(|s| InlineSuppression::for_address(&s.rule, &s.reason, &s.address, s.location))
        .collect();
    (module, suppressions)
}

/// Lints typed stack outputs.
pub fn lint_stacks(
    outputs: &[StackOutput],
    out_root: &Path,
    config: &LintConfig,
    catalogue: &[&'static dyn Rule],
) -> LintReport {
    let rules = active_rules(catalogue, config);
    let mut report = LintReport::default();
    for out in outputs {
        let (module, suppressions) = module_from_stack(out, out_root, &config.production_names());
        let (r, _) = lint_module(&module, &rules, config, &suppressions);
        report.merge(r);
        report.files += 1;
    }
    report
        .findings
        .extend(crate::lint::config_suppression_findings(config, &rules));
    report.sort();
    report
}

/// The directory of one stack environment under `out_root`.
pub fn stack_dir(out_root: &Path, stack: &str, env: &str) -> PathBuf {
    out_root.join(stack).join(env)
}
