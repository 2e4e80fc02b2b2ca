//! One version of a configuration, loaded into the IR module by module: a directory, a
//! revision of the repository, a `terraform show -json` plan or a typed stack. Each module
//! comes with its symbolic twin (resource references kept as markers, see
//! [`tfstack_review::symbolic`]), so that policy documents name the resources they grant
//! on even where the values are only known after apply.

use crate::error::DiffError;
use crate::git::{Checkout, Repository};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use tfstack_lint_engine::config::LintConfig;
use tfstack_lint_engine::context::Module;
use tfstack_lint_engine::input::kinds::{json_document, JsonDocumentKind, PlanDocuments};
use tfstack_lint_engine::input::{discover, load_module, read_text, InputOptions};
use tfstack_lint_engine::stack::{module_with_files_beside, stack_dir, stack_module_with};
use tfstack_lint_engine::suppress::InlineSuppression;
use tfstack_model::constructs::StackOutput;
use tfstack_model::error::display_path;
use tfstack_model::{
    Block, Config, Expr, ExprKind, ObjectKey, SourceError, SourceFile, SourceFiles, Structure,
    TemplatePart,
};
use tfstack_review::symbolic::symbolic_config;

/// What kind of thing a version is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Directory,
    Revision,
    Plan,
    /// A typed stack, synthesized in memory.
    Stack,
}

/// Which version a snapshot is, as the report names it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Source {
    pub kind: SourceKind,
    /// The directory, the revision as given, the plan file, or `stack (env)`.
    pub label: String,
    /// The commit a revision resolved to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// One module of a version: what the linter reads and its symbolic twin.
pub struct LoadedModule {
    pub module: Module,
    /// The same module with resource references replaced by markers, where it is made
    /// with the module (a plan's, a typed stack's); a directory's module gets
    /// [`twin_of`] when it is read on its own (a directory or revision is read instance by
    /// instance as it is linted, each with its own twin).
    pub twin: Option<Module>,
    /// Suppressions a typed stack declares in code.
    pub suppressions: Vec<InlineSuppression>,
}

/// One version of a configuration: its modules by key — the module directory relative to
/// the compared directory (`.`, `modules/queue`), or the module address in a plan
/// (`.`, `module.queues`). A directory or revision is compared by the instances its lint
/// makes of them ([`LintTree`]); its modules here are each directory on its own.
pub struct Snapshot {
    pub source: Source,
    pub modules: BTreeMap<String, LoadedModule>,
    /// Files that could not be read or parsed: the comparison would be incomplete.
    pub errors: Vec<SourceError>,
    /// The tree whose findings are those `tfstack lint` reports on it (a directory or a
    /// revision); `None` where each module is linted on its own (a plan's module
    /// instances, a typed stack, a stack's committed output).
    pub(crate) tree: Option<LintTree>,
    paths: ShownPaths,
    /// A revision's files, removed when the snapshot is dropped.
    _checkout: Option<Checkout>,
}

/// A directory as `tfstack lint` walks it: its modules linted as root modules, the
/// instances of the modules they call with the callers' arguments.
pub(crate) struct LintTree {
    /// The directory, as walked.
    pub dir: PathBuf,
    /// It resolved (canonical) where it can be: module keys are relative to it.
    canonical: PathBuf,
    pub options: InputOptions,
}

impl LintTree {
    fn new(dir: &Path, options: &InputOptions) -> LintTree {
        LintTree {
            dir: dir.to_path_buf(),
            canonical: canonical(dir),
            options: options.clone(),
        }
    }

    /// The key of a module directory of the tree: relative to the tree, both resolved, so
    /// that a directory reached through a module call and the same directory walked have
    /// one key (`.`, `modules/queue`, `../shared`).
    pub fn key_of(&self, dir: &Path) -> String {
        display_path(&relative(&canonical(dir), &self.canonical))
    }
}

/// `path` resolved, or as given when it cannot be.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// How paths inside a snapshot are shown: as they are, or — for a revision written to a
/// temporary directory — relative to the working directory's counterpart in it.
enum ShownPaths {
    AsGiven,
    Checkout { root: PathBuf, dir: PathBuf },
}

impl Snapshot {
    /// The modules of a directory (walked as `tfstack lint` walks it, local module calls
    /// followed).
    pub fn directory(path: &Path, options: &InputOptions) -> Snapshot {
        let source = Source {
            kind: SourceKind::Directory,
            label: display_path(path),
            commit: None,
        };
        load_tree(path, source, options, ShownPaths::AsGiven, None)
    }

    /// The modules of a revision of `repository`, under the working directory. Reads stay
    /// inside the revision's files, as `tfstack lint` run in the repository reads inside
    /// its work tree (a module call may leave the working directory).
    pub fn revision(
        repository: &Repository,
        revision: &str,
        options: &InputOptions,
    ) -> Result<Snapshot, DiffError> {
        let checkout = repository.checkout(revision, options.read_limit)?;
        let options = &InputOptions {
            root: Some(checkout.root().to_path_buf()),
            ..options.clone()
        };
        let source = Source {
            kind: SourceKind::Revision,
            label: revision.to_string(),
            commit: Some(checkout.commit.clone()),
        };
        let paths = ShownPaths::Checkout {
            root: checkout.root().to_path_buf(),
            dir: checkout.dir.clone(),
        };
        let dir = checkout.dir.clone();
        if !dir.is_dir() {
            // The working directory did not exist in that revision: nothing to compare.
            return Ok(Snapshot {
                source,
                modules: BTreeMap::new(),
                errors: Vec::new(),
                tree: None,
                paths,
                _checkout: Some(checkout),
            });
        }
        Ok(load_tree(&dir, source, options, paths, Some(checkout)))
    }

    /// The module instances of a `terraform show -json` plan.
    pub fn plan(path: &Path, options: &InputOptions) -> Result<Snapshot, DiffError> {
        let text = read_text(path, options.read_limit)?;
        let mut files = SourceFiles::default();
        let id = files.add(SourceFile::new(path.to_path_buf(), text));
        let not_a_plan = || DiffError::NotAPlan(display_path(path));
        let document = match json_document(files.get(id), id)? {
            Some((_, document)) if PlanDocuments.is(&document) => document,
            _ => return Err(not_a_plan()),
        };
        let dir = path.parent().map(PathBuf::from).unwrap_or_default();
        let (instances, errors) = PlanDocuments.modules(document, files.get(id), id);
        let mut modules = BTreeMap::new();
        for instance in instances {
            let key = if instance.address.is_empty() {
                ".".to_string()
            } else {
                instance.address
            };
            let config = Config {
                blocks: instance.blocks,
            };
            let twin_config = twin_config(&config);
            let variables = instance.variables;
            let module = |config| {
                Module::new(dir.clone(), config, files.clone())
                    .with_environment(
                        options.environment.clone(),
                        options.production_names.clone(),
                    )
                    .with_variables(variables.clone())
            };
            modules.insert(
                key,
                LoadedModule {
                    module: module(config),
                    twin: Some(module(twin_config)),
                    suppressions: Vec::new(),
                },
            );
        }
        Ok(Snapshot {
            source: Source {
                kind: SourceKind::Plan,
                label: display_path(path),
                commit: None,
            },
            modules,
            errors,
            tree: None,
            paths: ShownPaths::AsGiven,
            _checkout: None,
        })
    }

    /// A typed stack's output, as synth would write it under `out_root`, with the files
    /// written by hand beside it there (read with `options`): what Terraform would apply.
    pub fn stack(output: &StackOutput, out_root: &Path, options: &InputOptions) -> Snapshot {
        let production_names = &options.production_names;
        let stack = module_with_files_beside(output, out_root, production_names, options);
        let (module, suppressions, errors) = (stack.module, stack.suppressions, stack.errors);
        let (twin, _) = stack_module_with(
            output,
            out_root,
            production_names,
            twin_config(&module.config),
            module.files.clone(),
        );
        let mut modules = BTreeMap::new();
        modules.insert(
            ".".to_string(),
            LoadedModule {
                module,
                twin: Some(twin),
                suppressions,
            },
        );
        Snapshot {
            source: Source {
                kind: SourceKind::Stack,
                label: format!("stack {} ({})", output.name, output.env.name),
                commit: None,
            },
            modules,
            errors,
            tree: None,
            paths: ShownPaths::AsGiven,
            _checkout: None,
        }
    }

    /// A typed stack against its committed output under `out_root`: base is the output
    /// as committed, head the stack as synth would write it now. The suppressions the
    /// stack declares in code apply to both: they name the same resources, so both are
    /// linted module by module (the output calls no module).
    pub fn committed_and_stack(
        output: &StackOutput,
        out_root: &Path,
        options: &InputOptions,
    ) -> Result<(Snapshot, Snapshot), DiffError> {
        let committed = stack_dir(out_root, &output.name, &output.env.name);
        if !committed.is_dir() {
            return Err(DiffError::NoCommittedOutput(display_path(&committed)));
        }
        let input = InputOptions {
            environment: Some(output.env.name.clone()),
            ..options.clone()
        };
        let mut base = Snapshot::directory(&committed, &input);
        base.tree = None;
        let head = Snapshot::stack(output, out_root, options);
        let declared: Vec<InlineSuppression> = head
            .modules
            .values()
            .flat_map(|m| m.suppressions.iter().cloned())
            .collect();
        for module in base.modules.values_mut() {
            module.suppressions.extend(declared.iter().cloned());
        }
        Ok((base, head))
    }

    /// The configuration as this snapshot's tree is linted with it. For a revision, its
    /// file stands at its counterpart in the checkout, so that the globs written relative
    /// to it (`[environments]`, `[[suppress]] path`) match the revision's files as they
    /// match the working tree's. A configuration from outside the repository, or none,
    /// is used as it is.
    pub(crate) fn tree_config<'c>(&self, config: &'c LintConfig) -> Cow<'c, LintConfig> {
        let ShownPaths::Checkout { root, dir } = &self.paths else {
            return Cow::Borrowed(config);
        };
        let (Some(path), Ok(cwd)) = (config.path.as_deref(), std::env::current_dir()) else {
            return Cow::Borrowed(config);
        };
        let (file, cwd) = (canonical(&cwd.join(path)), canonical(&cwd));
        // The repository's root in the working tree: the working directory less the
        // directories the checkout's counterpart of it is below its root.
        let Ok(below) = dir.strip_prefix(root) else {
            return Cow::Borrowed(config);
        };
        let mut work_tree = cwd.clone();
        for _ in below.components() {
            work_tree.pop();
        }
        match file.strip_prefix(&work_tree) {
            Ok(inside) => Cow::Owned(LintConfig {
                path: Some(root.join(inside)),
                ..config.clone()
            }),
            Err(_) => Cow::Borrowed(config),
        }
    }

    /// For a revision: its `tfstack.toml`, found as `tfstack lint` finds one — in the
    /// compared directory or the nearest parent inside the revision — and its path from
    /// the top of the repository. `None` for other snapshots and a revision without one.
    pub fn revision_config(&self) -> Option<(PathBuf, String)> {
        let checkout = self._checkout.as_ref()?;
        let root = checkout.root();
        let mut dir = Some(checkout.dir.as_path());
        while let Some(d) = dir.filter(|d| d.starts_with(root)) {
            let candidate = d.join(tfstack_lint_engine::config::CONFIG_FILE);
            // A checkout holds regular files only.
            if candidate.is_file() {
                let shown = candidate.strip_prefix(root).ok()?;
                return Some((candidate.clone(), display_path(shown)));
            }
            dir = d.parent();
        }
        None
    }

    /// A path of this snapshot as the report shows it (a revision's files relative to the
    /// working directory, not to the temporary directory they were written to).
    /// Where an error of this version is: [`Snapshot::shown_path`], after the revision
    /// as git writes a file of one (`HEAD~1:main.tf`), since the working tree's file at
    /// that path may be another.
    pub fn shown_error_path(&self, path: &str) -> String {
        let shown = self.shown_path(path);
        match (&self.paths, self.source.kind) {
            (ShownPaths::Checkout { .. }, SourceKind::Revision) => {
                format!("{}:{shown}", self.source.label)
            }
            _ => shown,
        }
    }

    pub fn shown_path(&self, path: &str) -> String {
        match &self.paths {
            ShownPaths::AsGiven => path.to_string(),
            ShownPaths::Checkout { root, dir } => {
                let inside = Path::new(path)
                    .strip_prefix(root)
                    .ok()
                    .zip(dir.strip_prefix(root).ok());
                match inside {
                    Some((file, dir)) => display_path(&relative(file, dir)),
                    None => path.to_string(),
                }
            }
        }
    }
}

/// Opens BASE and HEAD: two directories, two plan files, or two revisions of the
/// repository the working directory is in. Anything else is an error that says why.
pub fn open_pair(
    base: &str,
    head: &str,
    options: &InputOptions,
) -> Result<(Snapshot, Snapshot), DiffError> {
    let kind = |given: &str| {
        let path = Path::new(given);
        if path.is_dir() {
            "a directory"
        } else if path.is_file() {
            "a file"
        } else {
            "a revision"
        }
    };
    let (base_kind, head_kind) = (kind(base), kind(head));
    if base_kind != head_kind {
        return Err(DiffError::MixedKinds {
            base: base.to_string(),
            base_kind,
            head: head.to_string(),
            head_kind,
        });
    }
    match base_kind {
        "a directory" => Ok((
            Snapshot::directory(Path::new(base), options),
            Snapshot::directory(Path::new(head), options),
        )),
        "a file" => Ok((
            Snapshot::plan(Path::new(base), options)?,
            Snapshot::plan(Path::new(head), options)?,
        )),
        _ => {
            for given in [base, head] {
                if !crate::git::is_plain_revision(given) {
                    return Err(DiffError::NotARevision(given.to_string()));
                }
            }
            let Some(repository) = Repository::discover(Path::new("."))? else {
                return Err(DiffError::NotARepository(base.to_string()));
            };
            Ok((
                Snapshot::revision(&repository, base, options)?,
                Snapshot::revision(&repository, head, options)?,
            ))
        }
    }
}

/// A module's symbolic twin: the same module — its variables (a called module's
/// arguments), environment and calls — with resource references kept as markers.
pub(crate) fn twin_of(module: &Module) -> Module {
    Module::new(
        module.dir.clone(),
        twin_config(&module.config),
        module.files.clone(),
    )
    .with_variables(module.variables.clone())
    .with_environment(module.environment.clone(), module.production_names.clone())
    .with_argument_references(module.argument_references.clone())
    .with_failure_outputs(module.failure_outputs.clone())
    .called(module.root_dir.clone(), module.calls.clone())
}

/// The configuration of a module's symbolic twin: resource references replaced by
/// markers, and heredocs read as the strings they evaluate to. (A heredoc policy is
/// otherwise parsed again from the file's text, where its references are not markers: the
/// same statements written with `jsonencode` and as a heredoc would differ.)
fn twin_config(config: &Config) -> Config {
    let mut twin = symbolic_config(config);
    for block in &mut twin.blocks {
        plain_heredocs_in_block(block);
    }
    twin
}

fn plain_heredocs_in_block(block: &mut Block) {
    for item in &mut block.body.items {
        match item {
            Structure::Attribute(a) => plain_heredocs(&mut a.value),
            Structure::Block(b) => plain_heredocs_in_block(b),
        }
    }
}

fn plain_heredocs(e: &mut Expr) {
    match &mut e.kind {
        ExprKind::Template(t) => {
            t.heredoc = None;
            for part in &mut t.parts {
                if let TemplatePart::Interpolation(inner) = part {
                    plain_heredocs(inner);
                }
            }
        }
        ExprKind::FunctionCall(c) => c.args.iter_mut().for_each(plain_heredocs),
        ExprKind::Conditional(c) => {
            plain_heredocs(&mut c.condition);
            plain_heredocs(&mut c.true_expr);
            plain_heredocs(&mut c.false_expr);
        }
        ExprKind::Unary(_, inner) | ExprKind::Parenthesis(inner) => plain_heredocs(inner),
        ExprKind::Binary(b) => {
            plain_heredocs(&mut b.lhs);
            plain_heredocs(&mut b.rhs);
        }
        ExprKind::Tuple(items) => items.iter_mut().for_each(plain_heredocs),
        ExprKind::Object(items) => {
            for item in items {
                if let ObjectKey::Expr(k) = &mut item.key {
                    plain_heredocs(k);
                }
                plain_heredocs(&mut item.value);
            }
        }
        _ => {}
    }
}

/// Loads every module under `walk_root`.
fn load_tree(
    walk_root: &Path,
    source: Source,
    options: &InputOptions,
    paths: ShownPaths,
    checkout: Option<Checkout>,
) -> Snapshot {
    let tree = LintTree::new(walk_root, options);
    let inputs = discover(&[walk_root.to_path_buf()], options);
    let mut errors = inputs.errors;
    // Modules load in parallel; their keys keep them sorted.
    let loaded: Vec<(String, LoadedModule, Vec<SourceError>)> = inputs
        .modules
        .into_par_iter()
        .filter(|(_, m)| {
            m.files.iter().any(|f| {
                let name = f.to_string_lossy();
                name.ends_with(".tf") || name.ends_with(".tf.json")
            })
        })
        .map(|(dir, m)| {
            let (module, module_errors) = load_module(&dir, &m.files, options);
            let key = tree.key_of(&dir);
            let loaded = LoadedModule {
                module,
                twin: None,
                suppressions: Vec::new(),
            };
            (key, loaded, module_errors)
        })
        .collect();
    let mut modules = BTreeMap::new();
    for (key, module, module_errors) in loaded {
        errors.extend(module_errors);
        modules.insert(key, module);
    }
    let mut snapshot = Snapshot {
        source,
        modules,
        errors: Vec::new(),
        tree: Some(tree),
        paths,
        _checkout: checkout,
    };
    for e in &mut errors {
        e.path = snapshot.shown_error_path(&e.path);
    }
    snapshot.errors = errors;
    snapshot
}

/// `path` relative to `base`, lexically (`a/b` from `a` is `b`; `c` from `a` is `../c`;
/// `a` from `a` is `.`).
fn relative(path: &Path, base: &Path) -> PathBuf {
    fn parts(p: &Path) -> Vec<Component<'_>> {
        p.components()
            .filter(|c| !matches!(c, Component::CurDir))
            .collect()
    }
    let (path, base) = (parts(path), parts(base));
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for c in &path[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_lexical() {
        let r = |p: &str, b: &str| display_path(&relative(Path::new(p), Path::new(b)));
        assert_eq!(r("base", "base"), ".");
        assert_eq!(r("base/modules/q", "base"), "modules/q");
        assert_eq!(r("shared", "base"), "../shared");
        assert_eq!(r("./base/x", "base"), "x");
        assert_eq!(r("/t/infra/main.tf", "/t/infra"), "main.tf");
        assert_eq!(
            r("/t/modules/q/main.tf", "/t/infra/prod"),
            "../../modules/q/main.tf"
        );
    }
}
