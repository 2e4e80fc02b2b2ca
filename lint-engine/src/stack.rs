//! Linting a typed stack: its IR (origins are Rust lines), its generated policy files kept
//! in memory (findings inside them point at the Rust line that wrote the statement), its
//! environment, and the suppressions declared on its constructs.

use crate::config::LintConfig;
use crate::context::{Module, PackageSource};
use crate::input::InputOptions;
use crate::lint::{active_rules, lint_module};
use crate::located::LintReport;
use crate::located::{InputError, Notice};
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
    stack_module_with(
        out,
        out_root,
        production_names,
        out.config.clone(),
        SourceFiles::default(),
    )
}

/// A stack's module with the files written by hand beside it ([`module_with_files_beside`]).
pub struct StackModule {
    pub module: Module,
    /// The suppressions declared on its constructs.
    pub suppressions: Vec<InlineSuppression>,
    /// Files beside it that could not be read, each naming the file.
    pub errors: Vec<InputError>,
    /// Files beside it that are not read (a link out of the read root), each said once.
    pub notices: Vec<Notice>,
}

impl StackModule {
    /// The stack alone ([`module_from_stack`]).
    fn alone(out: &StackOutput, out_root: &Path, production_names: &[String]) -> StackModule {
        let (module, suppressions) = module_from_stack(out, out_root, production_names);
        StackModule {
            module,
            suppressions,
            errors: Vec::new(),
            notices: Vec::new(),
        }
    }
}

/// [`module_from_stack`] with the Terraform files written by hand beside the generated
/// ones in the stack's output directory (the `.tf` and `.tf.json` files synth does not
/// write, [`files_beside`]): their blocks join the stack's, as Terraform reads them
/// together. They are read as any linted file is (`options`: the size limit, the read
/// root); what cannot be read is an error naming the file.
pub fn module_with_files_beside(
    out: &StackOutput,
    out_root: &Path,
    production_names: &[String],
    options: &InputOptions,
) -> StackModule {
    let dir = stack_dir(out_root, &out.name, &out.env.name);
    let (beside, notices) = files_beside(out, &dir, options.root.as_deref());
    if beside.is_empty() {
        return StackModule {
            notices,
            ..StackModule::alone(out, out_root, production_names)
        };
    }
    let (loaded, errors) = crate::input::load_module(&dir, &beside, options);
    let mut config = out.config.clone();
    config.blocks.extend(loaded.config.blocks.iter().cloned());
    let (module, suppressions) =
        stack_module_with(out, out_root, production_names, config, loaded.files);
    StackModule {
        module,
        suppressions,
        errors,
        notices,
    }
}

/// The Terraform files in a stack's output directory `dir` that synth does not write
/// (`alarms.tf` beside the generated `main.tf`), in name order: the team's own, which
/// Terraform applies with the generated ones. None when the directory does not exist; a
/// link out of the read root (`root`, else the git work tree that holds `dir`, else `dir`)
/// is not read, and a notice says so.
pub fn files_beside(
    out: &StackOutput,
    dir: &Path,
    root: Option<&Path>,
) -> (Vec<PathBuf>, Vec<Notice>) {
    let root = match root {
        Some(r) => tfstack_model::read::ReadRoot::new(r),
        None => tfstack_model::read::ReadRoot::of_path(dir),
    };
    let Ok(root) = root else {
        return (Vec::new(), Vec::new());
    };
    let (files, notices) = crate::input::module_files(dir, &root, |_| false);
    let files = files
        .into_iter()
        .filter(|f| {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            (name.ends_with(".tf") || name.ends_with(".tf.json")) && !out.writes(&name)
        })
        .collect();
    (files, notices)
}

/// The module of a stack with these blocks and source files (a stack's own, or with the
/// files beside it, [`module_with_files_beside`]; or a version of those, such as the
/// symbolic twin the review and `diff` compare policies on).
pub fn stack_module_with(
    out: &StackOutput,
    out_root: &Path,
    production_names: &[String],
    config: tfstack_model::Config,
    files: SourceFiles,
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
    let module = Module::new(dir.clone(), config, files)
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

/// Lints typed stack outputs. With `beside`, the files written by hand beside each
/// stack's generated ones in `out_root` are linted with it, read with these options
/// ([`module_with_files_beside`]); without, each stack alone.
pub fn lint_stacks(
    outputs: &[StackOutput],
    out_root: &Path,
    config: &LintConfig,
    catalogue: &[&'static dyn Rule],
    beside: Option<&InputOptions>,
) -> LintReport {
    let rules = active_rules(catalogue, config);
    let mut report = LintReport::default();
    let production_names = config.production_names();
    for out in outputs {
        let stack = match beside {
            Some(options) => module_with_files_beside(out, out_root, &production_names, options),
            None => StackModule::alone(out, out_root, &production_names),
        };
        let module = stack.module;
        let (r, _) = lint_module(&module, &rules, config, &stack.suppressions);
        report.merge(r);
        report.errors.extend(stack.errors);
        report.notices.extend(stack.notices);
        // The stack, and each file beside it.
        report.files += 1 + module.files.len();
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
