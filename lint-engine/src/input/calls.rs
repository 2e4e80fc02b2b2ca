//! Module calls as Terraform evaluates them: each call of a local module (and, with
//! `--call-modules all`, of a module `terraform init` installed, found through
//! `.terraform/modules/modules.json`) is an instance of the called module, evaluated with
//! the caller's arguments; the call's own `count`/`for_each` makes one instance per key,
//! addressed as Terraform addresses them (`module.a["x"].module.b`). A call whose
//! `count`/`for_each` is known to be empty makes none. Calls nest; a cycle or nesting
//! deeper than [`MAX_CALL_DEPTH`] is an error at the call. The instances of one root
//! module's tree are at most [`MAX_INSTANCES_PER_TREE`], however deep they nest.

use super::{forget_origins, load_dir, module_files, outside_root_notice, CallModules, Excluded};
use super::{normalize_lexically, InputOptions, LoadedDir};
use crate::context::{instance_names, keyed_instance_scopes, Context, Module};
use crate::located::{display_path, CallSite, InputError, Notice};
use crate::query::failures::failure_outputs;
use crate::query::instances::Instances;
use crate::query::references::{keyed_input, targets_through_callers};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use tfstack_model::eval::{DiskFiles, Scope};
use tfstack_model::read::{ReadRoot, Reader};
use tfstack_model::{Block, Origin, Value};

/// How deep module calls may nest.
pub const MAX_CALL_DEPTH: usize = 32;

/// The most instances one call makes that are linted; past it, a notice says so.
pub const MAX_INSTANCES_PER_CALL: usize = 256;

/// The most module instances the calls under one root module make that are linted, across
/// every level of nesting (counts multiply: three nested calls of 1,000 instances each
/// would make a billion). Past it, further instances are not made and a notice says so.
pub const MAX_INSTANCES_PER_TREE: usize = 4096;

/// The arguments of a `module` block that are not the module's input variables.
const META_ARGUMENTS: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// Whether a module source is a local directory (`./x`, `../x`), as Terraform tells them.
pub fn is_local_source(source: &str) -> bool {
    source.starts_with("./")
        || source.starts_with("../")
        || source.starts_with(".\\")
        || source.starts_with("..\\")
}

/// A called module's directory, loaded once for all its instances in one tree.
struct CalledDir {
    loaded: Arc<LoadedDir>,
    files: Vec<PathBuf>,
}

/// One instance a call makes: the module to lint, its directory (canonical, to tell the
/// instances of one directory), its files, and what loading it reported (once per tree).
pub struct CalledInstance {
    pub module: Module,
    pub canonical: PathBuf,
    pub files: Vec<PathBuf>,
    pub errors: Vec<InputError>,
    /// How many instances the calls inside this one may make, at every depth below it:
    /// its share of what its caller's budget left ([`Calls::expand`]).
    pub instance_budget: usize,
}

/// What the calls of one module instance make.
#[derive(Default)]
pub struct Expansion {
    pub instances: Vec<CalledInstance>,
    /// Cycles, nesting too deep: errors at the call.
    pub errors: Vec<InputError>,
    /// Calls not followed and why (outside the read root, not installed, too many).
    pub notices: Vec<Notice>,
}

/// What expanding the calls of one root module's tree needs: the options, the read root,
/// the called directories loaded so far, the modules `terraform init` installed.
pub struct Calls<'a> {
    options: &'a InputOptions,
    root: ReadRoot,
    excluded: Excluded,
    reader: Reader,
    loaded: Mutex<HashMap<PathBuf, Arc<CalledDir>>>,
    installed: OnceLock<HashMap<String, String>>,
}

impl<'a> Calls<'a> {
    /// The calls of one tree, reading inside `root`.
    pub fn new(options: &'a InputOptions, root: ReadRoot) -> Calls<'a> {
        Calls {
            options,
            excluded: Excluded::new(&options.exclude),
            reader: options.reader(),
            root,
            loaded: Mutex::new(HashMap::new()),
            installed: OnceLock::new(),
        }
    }

    /// The instances the calls of `cx`'s module make, at most `instance_budget` of them
    /// at every depth below it (a root module's is [`MAX_INSTANCES_PER_TREE`]). `chain`
    /// holds the canonical directories from the root module to this one (this one
    /// included). The calls take their instances from the budget in order; what is left
    /// is shared evenly between the instances made, for the calls inside them: the same
    /// tree is cut at the same instances in every run, whatever order they are linted in.
    pub fn expand(&self, cx: &Context, chain: &[PathBuf], instance_budget: usize) -> Expansion {
        let mut out = Expansion::default();
        if self.options.call_modules == CallModules::None {
            return out;
        }
        let mut remaining = instance_budget;
        for call in cx.module_calls() {
            self.expand_call(cx, call, chain, &mut remaining, &mut out);
        }
        let made = out.instances.len().max(1);
        let share = remaining / made;
        // So do they share what judging blocks one instance at a time may take in the
        // caller: a module called thousands of times takes no more than one.
        let instance_work = cx.module.instance_work / made;
        for instance in &mut out.instances {
            instance.instance_budget = share;
            instance.module.instance_work = instance_work;
        }
        out
    }

    fn expand_call(
        &self,
        cx: &Context,
        call: &Block,
        chain: &[PathBuf],
        remaining: &mut usize,
        out: &mut Expansion,
    ) {
        let module = cx.module;
        let name = call.labels.first().cloned().unwrap_or_default();
        let Some(source) = call.body.get("source").and_then(|s| s.as_str()) else {
            return;
        };
        let site = call_site(module, call.origin);
        let at = |message: String| {
            InputError::at_position(Path::new(&site.0), site.1, site.2, message)
                .with_code("tfstack::module")
        };
        let notice = |message: String, help: &str| Notice {
            message,
            help: help.to_string(),
            path: site.0.clone(),
            line: site.1,
            column: site.2,
        };
        let target = if is_local_source(source) {
            normalize_lexically(&module.dir.join(source))
        } else if self.options.call_modules == CallModules::All {
            let key: Vec<&str> = module
                .calls
                .iter()
                .map(|c| c.name.as_str())
                .chain([name.as_str()])
                .collect();
            match self.installed(&module.root_dir).get(&key.join(".")) {
                Some(dir) => normalize_lexically(&module.root_dir.join(dir)),
                None => {
                    out.notices.push(notice(
                        format!("module `{name}` (`{source}`) is not installed: it is not linted"),
                        "run `terraform init` first, or lint local modules only with \
                         `--call-modules local`",
                    ));
                    return;
                }
            }
        } else {
            return;
        };
        match self.root.contains(&target) {
            Some(true) => {}
            Some(false) => {
                let mut n = outside_root_notice(&target, "is called from here and is");
                n.path = site.0.clone();
                n.line = site.1;
                n.column = site.2;
                out.notices.push(n);
                return;
            }
            None => {
                out.notices.push(notice(
                    format!("module `{name}`: `{source}` does not exist: it is not linted"),
                    "check the module's `source`",
                ));
                return;
            }
        }
        let Ok(canonical) = std::fs::canonicalize(&target) else {
            return;
        };
        if !canonical.is_dir() {
            out.notices.push(notice(
                format!("module `{name}`: `{source}` is not a directory: it is not linted"),
                "check the module's `source`",
            ));
            return;
        }
        if chain.contains(&canonical) {
            out.errors.push(
                at(format!(
                    "module `{name}` calls `{}`, which is already a caller on the way here: \
                     module calls form a cycle",
                    display_path(&target)
                ))
                .with_help("Terraform rejects a module that calls itself; break the cycle"),
            );
            return;
        }
        if chain.len() > MAX_CALL_DEPTH {
            out.errors.push(at(format!(
                "module `{name}` is nested more than {MAX_CALL_DEPTH} calls deep: its \
                 instances are not linted"
            )));
            return;
        }
        let (called, errors, notices) = self.load(&canonical, &target);
        out.notices.extend(notices);
        let mut first_errors = Some(errors);
        let limit = MAX_INSTANCES_PER_CALL.min(*remaining);
        let (instances, total) = instance_keys(cx.instances(call), limit);
        *remaining -= instances.len();
        if total > instances.len() && limit < MAX_INSTANCES_PER_CALL {
            // The same words in every instance of the caller: one notice per call.
            out.notices.push(notice(
                format!(
                    "module `{name}` has {total} instances, past what the module calls under \
                     one root module may make ({MAX_INSTANCES_PER_TREE} instances at every \
                     depth together): those past it are not linted"
                ),
                "lint the module with fewer instances through a smaller `count` or \
                 `for_each`, or lint its directory on its own",
            ));
        } else if total > instances.len() {
            out.notices.push(notice(
                format!(
                    "module `{name}` has {total} instances: the first {} are linted",
                    instances.len()
                ),
                "lint the module with fewer instances through a smaller `count` or `for_each`",
            ));
        }
        let prefix = module.instance();
        let failure_outputs = failure_outputs(cx, name.as_str());
        for (key, scope) in instances {
            let instance = if prefix.is_empty() {
                format!("module.{name}{key}")
            } else {
                format!("{prefix}.module.{name}{key}")
            };
            let mut calls = module.calls.clone();
            calls.push(CallSite {
                instance,
                name: name.to_string(),
                path: site.0.clone(),
                line: site.1,
                column: site.2,
            });
            let arguments = arguments(cx, call, &scope, &called.loaded.config);
            let references = argument_references(cx, call);
            let child = Module::shared(
                target.clone(),
                called.loaded.config.clone(),
                called.loaded.sources.clone(),
            )
            .with_variables(arguments)
            .with_argument_references(references)
            .with_failure_outputs(failure_outputs.clone())
            .with_environment(module.environment.clone(), module.production_names.clone())
            .with_file_source(
                Box::new(DiskFiles::new(self.reader.inside(self.root.clone()))),
                HashMap::new(),
            )
            .called(module.root_dir.clone(), calls);
            out.instances.push(CalledInstance {
                module: child,
                canonical: canonical.clone(),
                files: called.files.clone(),
                errors: first_errors.take().unwrap_or_default(),
                instance_budget: 0,
            });
        }
    }

    /// A called directory, loaded on first use; its load errors and notices are returned
    /// to the first caller only.
    fn load(&self, canonical: &Path, dir: &Path) -> (Arc<CalledDir>, Vec<InputError>, Vec<Notice>) {
        if let Ok(loaded) = self.loaded.lock() {
            if let Some(found) = loaded.get(canonical) {
                return (found.clone(), Vec::new(), Vec::new());
            }
        }
        let relative = canonical
            .strip_prefix(std::fs::canonicalize(self.root.path()).unwrap_or_default())
            .ok()
            .map(Path::to_path_buf);
        let (files, notices) = module_files(dir, &self.root, |f| {
            let in_root = relative.as_ref().zip(f.file_name()).map(|(r, n)| r.join(n));
            self.excluded.matches(f, in_root.as_deref())
        });
        // Child modules' own tfvars are not loaded: Terraform loads a root module's only.
        let mut loaded = load_dir(&files, &self.reader);
        let errors = std::mem::take(&mut loaded.errors);
        let called = Arc::new(CalledDir {
            loaded: Arc::new(loaded),
            files,
        });
        match self.loaded.lock() {
            Ok(mut cache) => {
                // Another instance may have loaded it meanwhile: keep the first.
                let kept = cache
                    .entry(canonical.to_path_buf())
                    .or_insert_with(|| called.clone())
                    .clone();
                if Arc::ptr_eq(&kept, &called) {
                    (kept, errors, notices)
                } else {
                    (kept, Vec::new(), Vec::new())
                }
            }
            Err(_) => (called, errors, notices),
        }
    }

    /// The modules `terraform init` installed for the tree rooted at `root_dir`: call
    /// path (`a.b`) → directory relative to the root module, from
    /// `.terraform/modules/modules.json` (read inside the read root; empty when absent).
    fn installed(&self, root_dir: &Path) -> &HashMap<String, String> {
        self.installed.get_or_init(|| {
            let path = root_dir.join(".terraform/modules/modules.json");
            let reader = self.reader.inside(self.root.clone());
            let Ok(text) = reader.read_text(&path) else {
                return HashMap::new();
            };
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
                return HashMap::new();
            };
            json.get("Modules")
                .and_then(|m| m.as_array())
                .into_iter()
                .flatten()
                .filter_map(|m| {
                    let key = m.get("Key")?.as_str()?;
                    let dir = m.get("Dir")?.as_str()?;
                    (!key.is_empty()).then(|| (key.to_string(), dir.to_string()))
                })
                .collect()
        })
    }
}

/// The file, line and column of a call's `module` block in its module.
fn call_site(module: &Module, origin: Origin) -> (String, u32, u32) {
    match module.files.file_of(origin) {
        Some((f, span)) => {
            let (line, column) = f.line_col(span.start);
            (display_path(&f.path), line, column)
        }
        None => (display_path(&module.dir), 0, 0),
    }
}

/// The address suffix (`""`, `[0]`, `["x"]`, `[*]`) and the names in scope (`count`,
/// `each`) of each instance a call makes, at most `limit` of them; and how many it makes
/// in all. An unknown `count`/`for_each` makes one instance `[*]` whose `count.index` and
/// `each` are unknown: possibly present.
fn instance_keys(instances: Instances, limit: usize) -> (Vec<(String, Scope)>, usize) {
    let unknown = || Value::unknown(Origin::GENERATED);
    match instances {
        Instances::Single | Instances::Unknown if limit == 0 => (Vec::new(), 1),
        Instances::Single => (vec![(String::new(), Scope::default())], 1),
        Instances::Unknown => {
            let mut names = instance_names("count", vec![("index", unknown())]);
            names.names.extend(
                instance_names("each", vec![("key", unknown()), ("value", unknown())]).names,
            );
            (vec![("[*]".to_string(), names)], 1)
        }
        Instances::Count(n) => (keyed_instance_scopes(Instances::Count(n), limit), n),
        Instances::Each(keys) => {
            let total = keys.len();
            let instances = keyed_instance_scopes(Instances::Each(keys), limit);
            (instances, total)
        }
    }
}

/// The input variables a call sets, evaluated in the caller with the instance's
/// `count`/`each`. Their origins are forgotten (they are in the caller's files; findings
/// fall back to where the module reads them). A `null` argument leaves the variable null,
/// unless the variable is declared `nullable = false` (then its default applies).
fn arguments(
    cx: &Context,
    call: &Block,
    scope: &Scope,
    called: &tfstack_model::Config,
) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    for a in call.body.attributes() {
        if META_ARGUMENTS.contains(&a.name.as_str()) {
            continue;
        }
        let mut value = cx.eval.eval_in(&a.value, scope, 0);
        if value.is_null() && !nullable(called, &a.name) {
            continue;
        }
        forget_origins(&mut value);
        out.insert(a.name.to_string(), value);
    }
    out
}

/// What each argument of a call refers to in the caller (and, through the caller's own
/// inputs, in its callers), by input variable: `(address, attribute)`; for an argument
/// written as an object, also by entry (`mappings["clicks"]`), for `for_each` over it.
fn argument_references(
    cx: &Context,
    call: &Block,
) -> HashMap<String, Vec<(String, Option<String>)>> {
    let references = |e: &tfstack_model::Expr| -> Vec<(String, Option<String>)> {
        targets_through_callers(cx, e)
            .into_iter()
            .map(|t| (t.address, t.attribute))
            .collect()
    };
    let mut out = HashMap::new();
    for a in call.body.attributes() {
        if META_ARGUMENTS.contains(&a.name.as_str()) {
            continue;
        }
        if let tfstack_model::ExprKind::Object(items) = &a.value.kind {
            for item in items {
                let key = match &item.key {
                    tfstack_model::ObjectKey::Identifier(k) => Some(k.as_str()),
                    k => k.as_str(),
                };
                if let Some(key) = key {
                    let found = references(&item.value);
                    if !found.is_empty() {
                        out.insert(keyed_input(&a.name, key), found);
                    }
                }
            }
        }
        let found = references(&a.value);
        if !found.is_empty() {
            out.insert(a.name.to_string(), found);
        }
    }
    out
}

/// Whether a module's variable accepts null (`nullable`, true unless set false).
fn nullable(config: &tfstack_model::Config, name: &str) -> bool {
    config
        .blocks_of("variable")
        .find(|b| b.labels.first().map(tfstack_model::Name::as_str) == Some(name))
        .and_then(|b| b.body.get("nullable"))
        .and_then(|e| match e.kind {
            tfstack_model::ExprKind::Bool(b) => Some(b),
            _ => None,
        })
        .unwrap_or(true)
}
