//! What a rule sees: one module's IR, its evaluator, indexes over its blocks, its policy
//! documents, and how to tell whether it is production.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use tfstack_model::eval::{EvalNote, Evaluator, FileSource, Scope};
use tfstack_model::instances::{instances_of, Instances};
use tfstack_model::{Block, Config, Expr, Name, Origin, RustLocation, SourceFiles, Value};

mod per_instance;
pub use per_instance::{
    instance_names, keyed_instance_scopes, InstanceGroup, MAX_INSTANCE_PASSES, MAX_INSTANCE_SCOPES,
    MAX_INSTANCE_WORK,
};
use per_instance::{Instanced, PerInstance};

/// Non-production environment names a stage may carry (production names are configured).
const NON_PRODUCTION_NAMES: &[&str] = &[
    "dev",
    "development",
    "test",
    "testing",
    "qa",
    "staging",
    "stage",
    "stg",
    "sandbox",
    "lab",
    "demo",
    "preview",
];

/// One module call on the way to a module instance: the instance it makes and where the
/// call is written.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CallSite {
    /// The instance's address (`module.a["x"]`, `module.a["x"].module.b`).
    pub instance: String,
    /// The call's name (`b` in `module "b"`).
    pub name: String,
    /// The `module` block of the call, in the caller's file.
    pub path: String,
    pub line: u32,
    pub column: u32,
}

impl CallSite {
    /// Where the calls that make a module instance are written, as the reports say it:
    /// `, called at envs/prod/main.tf:3:1` for each call from the root module inward
    /// (empty outside a called module).
    pub fn called_at(calls: &[CallSite]) -> String {
        calls
            .iter()
            .map(|c| format!(", called at {}:{}:{}", c.path, c.line, c.column))
            .collect()
    }
}

/// One module to lint: a directory of `.tf`/`.tf.json` files, a typed stack, a plan, or a
/// standalone policy file.
pub struct Module {
    /// The directory, as the user named it (for messages).
    pub dir: PathBuf,
    /// The root module's directory, where Terraform runs (relative paths in `file()` and
    /// `templatefile()` resolve against it): the module's own unless it is called.
    pub root_dir: PathBuf,
    /// For an instance of a called module: the calls that made it, from the root module
    /// inward (the last one's address prefixes its resources). Empty otherwise.
    pub calls: Vec<CallSite>,
    pub config: Arc<Config>,
    pub files: SourceFiles,
    /// Variable values from tfvars and `--var`, overriding defaults.
    pub variables: HashMap<String, Value>,
    /// The environment a typed stack or `--env` names.
    pub environment: Option<String>,
    pub production_names: Vec<String>,
    /// Where `file()`/`templatefile()` read.
    pub file_source: Box<dyn FileSource + Send + Sync>,
    /// For files a typed stack wrote: JSON pointer prefix → Rust line.
    pub source_maps: HashMap<PathBuf, Vec<(String, RustLocation)>>,
    /// Standalone IAM policy documents (JSON files not read by any module).
    pub standalone_policies: Vec<(tfstack_model::FileId, Value)>,
    /// Deployment packages a typed stack writes, by the path its functions' `filename`
    /// names: the code each is made of (a zip synth has not written yet has no file).
    pub packages: HashMap<PathBuf, PackageSource>,
    /// For an instance of a called module: the resources of its callers each input
    /// variable's argument refers to (type and attribute known even where the value is
    /// not), by variable name, as `(address, attribute)`.
    pub argument_references: HashMap<String, Vec<(String, Option<String>)>>,
    /// For an instance of a called module: its outputs the caller hands to a dead-letter
    /// queue or failure destination (`deadLetterTargetArn = module.dlq.queue_arn`), by
    /// output name. What they name is such a destination, though the use is not here.
    pub failure_outputs: std::collections::BTreeSet<String>,
    /// The most work judging this module's blocks one instance at a time may take
    /// (passes of the rules times its blocks): [`MAX_INSTANCE_WORK`] for a root module;
    /// the instances its calls make share it evenly.
    pub instance_work: usize,
}

/// What a typed stack builds a deployment package from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackageSource {
    /// A directory synth zips.
    Directory(PathBuf),
    /// A zip synth copies.
    Zip(PathBuf),
    /// A zip synth writes from files it holds: their paths inside the package.
    Files(std::collections::BTreeSet<String>),
}

impl Module {
    /// A module of `config` loaded from `files` in `dir`: no variable values, no known
    /// environment, `file()` reading the disk. The `with_*` methods set the rest.
    pub fn new(dir: PathBuf, mut config: Config, files: SourceFiles) -> Module {
        // The blocks stay for the whole lint of the module: no spare capacity.
        config.blocks.shrink_to_fit();
        Module::shared(dir, Arc::new(config), files)
    }

    /// [`Module::new`] with a configuration shared by several instances of one module.
    pub fn shared(dir: PathBuf, config: Arc<Config>, files: SourceFiles) -> Module {
        Module {
            root_dir: dir.clone(),
            dir,
            calls: Vec::new(),
            config,
            files,
            variables: HashMap::new(),
            environment: None,
            production_names: Vec::new(),
            file_source: Box::new(tfstack_model::eval::DiskFiles::default()),
            source_maps: HashMap::new(),
            standalone_policies: Vec::new(),
            packages: HashMap::new(),
            argument_references: HashMap::new(),
            failure_outputs: Default::default(),
            instance_work: MAX_INSTANCE_WORK,
        }
    }

    /// Variable values (tfvars, `--var`) that override the defaults.
    pub fn with_variables(mut self, variables: HashMap<String, Value>) -> Module {
        self.variables = variables;
        self
    }

    /// The environment the module is linted for, and the names that mean production.
    pub fn with_environment(
        mut self,
        environment: Option<String>,
        production_names: Vec<String>,
    ) -> Module {
        self.environment = environment;
        self.production_names = production_names;
        self
    }

    /// Where `file()` and `templatefile()` read, and which Rust lines wrote those files.
    pub fn with_file_source(
        mut self,
        file_source: Box<dyn FileSource + Send + Sync>,
        source_maps: HashMap<PathBuf, Vec<(String, RustLocation)>>,
    ) -> Module {
        self.file_source = file_source;
        self.source_maps = source_maps;
        self
    }

    /// The deployment packages a typed stack writes, by the path functions name them by.
    pub fn with_packages(mut self, packages: HashMap<PathBuf, PackageSource>) -> Module {
        self.packages = packages;
        self
    }

    /// An instance of a called module: run from `root_dir`, made by `calls`.
    pub fn called(mut self, root_dir: PathBuf, calls: Vec<CallSite>) -> Module {
        self.root_dir = root_dir;
        self.calls = calls;
        self
    }

    /// What each input variable's argument refers to in the callers.
    pub fn with_argument_references(
        mut self,
        references: HashMap<String, Vec<(String, Option<String>)>>,
    ) -> Module {
        self.argument_references = references;
        self
    }

    /// The outputs of this instance its caller uses as failure destinations.
    pub fn with_failure_outputs(mut self, outputs: std::collections::BTreeSet<String>) -> Module {
        self.failure_outputs = outputs;
        self
    }

    /// The address prefix of this instance's blocks (`module.a["x"]`), empty for a module
    /// linted on its own.
    pub fn instance(&self) -> &str {
        self.calls.last().map_or("", |c| c.instance.as_str())
    }

    /// A standalone IAM policy document (a JSON file read by no module).
    pub fn with_standalone_policy(
        mut self,
        file: tfstack_model::FileId,
        document: Value,
    ) -> Module {
        self.standalone_policies.push((file, document));
        self
    }
}

/// A rule's view of one module.
pub struct Context<'m> {
    pub module: &'m Module,
    pub eval: Evaluator<'m>,
    /// Top-level blocks whose `count`/`for_each` is known to be empty: they exist nowhere.
    absent: std::collections::HashSet<*const Block>,
    /// What rules noted that is not a finding (an environment that cannot be told).
    notes: RefCell<Vec<EvalNote>>,
    by_type: HashMap<&'m str, Vec<&'m Block>>,
    by_data_type: HashMap<&'m str, Vec<&'m Block>>,
    /// The references made to blocks of one type (`aws_sqs_queue`,
    /// `data.aws_iam_policy_document`), by the address they refer to: built for a type
    /// when it is first asked about, so a lint that asks about one type holds only those.
    references: RefCell<HashMap<String, Rc<ReferencesTo<'m>>>>,
    /// The attribute values (by address) of blocks with a known number of instances that
    /// read `count.index` or `each.*`, and those blocks' instance scopes.
    per_instance: PerInstance,
    /// What the query layer builds once per module (indexes, policy documents), by type.
    memo: RefCell<HashMap<TypeId, Box<dyn Any>>>,
}

/// Where a [`Context`] stood ([`Context::checkpoint`]).
pub struct ContextCheckpoint {
    eval: tfstack_model::eval::Checkpoint,
    notes: usize,
}

/// The key of the name index: resources of one type by one name attribute.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct NameIndexKey {
    resource_type: &'static str,
    attribute: &'static str,
}

/// Positions in `resources(type)` by the string the name attribute evaluates to, each
/// list in source order.
type NameIndex = HashMap<String, Vec<usize>>;

/// A reference from one block to another (`aws_sqs_queue.dlq` used in `aws_sqs_queue.jobs`).
#[derive(Clone, Debug)]
pub struct Reference<'m> {
    /// The block that holds the reference.
    pub from: &'m Block,
    /// Attribute path inside it (`redrive_policy`, `dead_letter_config.target_arn`):
    /// shared text (the attribute's own name for a top-level attribute, one path per
    /// nested attribute), since the index of a module holds one reference per traversal.
    pub attribute: Name,
}

impl<'m> Context<'m> {
    pub fn new(module: &'m Module) -> Self {
        let mut eval = Evaluator::new(
            &module.config,
            module.dir.clone(),
            module.files.clone(),
            module.file_source.as_ref(),
            &module.variables,
        )
        .with_root(module.root_dir.clone());
        eval.source_maps = module.source_maps.clone();
        // A block whose `count`/`for_each` is known to be empty exists nowhere: no rule
        // sees it, no companion counts it. An unknown one is possibly present.
        let mut absent: std::collections::HashSet<*const Block> = Default::default();
        let mut per_instance = PerInstance::default();
        for b in &module.config.blocks {
            let instances = instances_of(&eval, b);
            if instances.is_empty() {
                absent.insert(b as *const Block);
            } else {
                per_instance.add(b, instances);
            }
        }
        let mut by_type: HashMap<&str, Vec<&Block>> = HashMap::new();
        let mut by_data_type: HashMap<&str, Vec<&Block>> = HashMap::new();
        for b in &module.config.blocks {
            if absent.contains(&(b as *const Block)) {
                continue;
            }
            if b.kind == "resource" {
                by_type.entry(b.type_label()).or_default().push(b);
            } else if b.kind == "data" {
                by_data_type.entry(b.type_label()).or_default().push(b);
            }
        }
        Context {
            module,
            eval,
            absent,
            notes: RefCell::default(),
            by_type,
            by_data_type,
            references: RefCell::default(),
            per_instance,
            memo: RefCell::default(),
        }
    }

    /// Whether a top-level block exists: its `count`/`for_each` is not known to be empty.
    pub fn exists(&self, block: &Block) -> bool {
        !self.absent.contains(&(block as *const Block))
    }

    /// The top-level blocks that exist, in source order.
    pub fn blocks(&self) -> impl Iterator<Item = &'m Block> + '_ {
        self.module.config.blocks.iter().filter(|b| self.exists(b))
    }

    /// The module calls that exist, in source order.
    pub fn module_calls(&self) -> impl Iterator<Item = &'m Block> + '_ {
        self.blocks().filter(|b| b.kind == "module")
    }

    /// How many instances a block has, as far as it can be known.
    pub fn instances(&self, block: &Block) -> Instances {
        instances_of(&self.eval, block)
    }

    /// Each instance of a block whose instances are known, at most
    /// [`MAX_INSTANCE_SCOPES`]: its address key and the names in scope in it (see
    /// [`keyed_instance_scopes`]); empty for a single or unknown instance; the one
    /// instance judged while the block is judged one instance at a time.
    pub fn instance_scopes(&self, block: &Block) -> Vec<(String, Scope)> {
        if let Some((key, scope)) = self.per_instance.pinned_instance(block) {
            return vec![(key.to_string(), scope.clone())];
        }
        keyed_instance_scopes(self.instances(block), MAX_INSTANCE_SCOPES)
    }

    /// Whether `block` is being judged one instance at a time
    /// ([`Context::instance_groups`]): its values are those of one instance, which
    /// stands alone (a rule that counts the block's instances counts one).
    pub fn judged_alone(&self, block: &Block) -> bool {
        self.per_instance.pinned_instance(block).is_some()
    }

    /// The top-level block a nested block (a `dynamic`, a `lifecycle`, …) is written in.
    pub fn owner_of(&self, nested: &Block) -> Option<&'m Block> {
        let blocks = &self.module.config.blocks;
        let owners = self.memoized(OwnersKey, || {
            let mut owners: HashMap<usize, usize> = HashMap::new();
            for (i, b) in blocks.iter().enumerate() {
                collect_nested(&b.body, i, &mut owners);
            }
            owners
        });
        let index = *owners.get(&(nested as *const Block as usize))?;
        blocks.get(index)
    }

    /// Records something a person should know that is not a finding (once per message).
    pub fn note(&self, origin: Origin, message: impl Into<String>, help: impl Into<String>) {
        EvalNote::push_once(&mut self.notes.borrow_mut(), origin, message.into(), help);
    }

    /// Where the context stands: its notes and its evaluator's steps, to go back to.
    pub fn checkpoint(&self) -> ContextCheckpoint {
        ContextCheckpoint {
            eval: self.eval.checkpoint(),
            notes: self.notes.borrow().len(),
        }
    }

    /// Goes back to `checkpoint`: notes made since are forgotten, the steps spent since
    /// given back. Whether the evaluation budget ran out since.
    pub fn rewind(&self, checkpoint: ContextCheckpoint) -> bool {
        self.notes.borrow_mut().truncate(checkpoint.notes);
        self.eval.rewind(checkpoint.eval)
    }

    /// What the rules and the evaluator noted, in the order it happened.
    pub fn notes(&self) -> Vec<EvalNote> {
        let mut notes = self.eval.notes();
        notes.extend(self.notes.borrow().iter().cloned());
        notes
    }

    /// Every resource of one type, in source order.
    pub fn resources(&self, resource_type: &str) -> &[&'m Block] {
        self.by_type
            .get(resource_type)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every data source of one type.
    pub fn data_sources(&self, data_type: &str) -> &[&'m Block] {
        self.by_data_type
            .get(data_type)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The block at an address.
    pub fn block(&self, address: &str) -> Option<&'m Block> {
        self.eval.block(address)
    }

    /// The references made to the block at `address`, from anywhere in the module.
    /// The references to blocks of its type are found once per module: O(size of the
    /// module) for each type asked about.
    pub fn referenced_by(&self, address: &str) -> Vec<Reference<'m>> {
        let Some(target) = TargetType::of(address) else {
            return Vec::new();
        };
        let key = target.key();
        let existing = self.references.borrow().get(&key).cloned();
        let index = existing.unwrap_or_else(|| {
            let index = Rc::new(build_references(&self.module.config, &self.absent, &target));
            self.references.borrow_mut().insert(key, Rc::clone(&index));
            index
        });
        index.get(address).cloned().unwrap_or_default()
    }

    /// Evaluates an expression. An attribute's value that reads `count.index` or `each.*`
    /// in a block whose instances are known is evaluated in each instance: when every
    /// instance gives the same value, that is the value (written at the attribute when
    /// it comes from several instances); when they differ, it is unknown, as a value
    /// that depends on the instance cannot be judged once for the block — the block is
    /// then judged one instance at a time ([`Context::instance_groups`]), and while it
    /// is, the value is its instance's.
    pub fn value(&self, e: &Expr) -> Value {
        match self.per_instance.of(e) {
            Instanced::Once => self.eval.eval(e),
            Instanced::Pinned(scope) => self.eval.eval_in(e, scope, 0),
            Instanced::Every(block, scopes) => {
                // Evaluated once for all rules: it costs one evaluation per instance.
                if let Some(known) = self.per_instance.seen(e) {
                    return known;
                }
                let value = self.value_in_every(e, block, scopes);
                self.per_instance.keep(e, &value);
                value
            }
        }
    }

    /// The value of `e` in every one of `scopes` (the instances of the `block`th
    /// instanced block) when they agree; unknown otherwise.
    fn value_in_every(&self, e: &Expr, block: usize, scopes: &[Scope]) -> Value {
        let mut values = scopes.iter().map(|scope| self.eval.eval_in(e, scope, 0));
        let Some(first) = values.next() else {
            return Value::unknown(e.origin);
        };
        // Equality of values ignores where they are written.
        if values.any(|other| other != first) {
            self.per_instance.varied(block);
            return Value::unknown(e.origin);
        }
        if first.is_unknown() || scopes.len() == 1 {
            return first;
        }
        Value {
            origin: e.origin,
            ..first
        }
    }

    /// The blocks whose instances disagreed on a value the rules asked for so far, in
    /// groups judged one instance at a time (see [`InstanceGroup`]).
    pub fn instance_groups(&self) -> Vec<InstanceGroup> {
        self.per_instance.groups()
    }

    /// From now on, evaluates the attributes of `group`'s blocks in their instance `k`
    /// (`None`: in all their instances again). The rules' indexes are forgotten: they
    /// hold values.
    pub fn judge_instance(&self, instance: Option<(&InstanceGroup, usize)>) {
        self.per_instance.pin(instance);
        self.forget_memoized();
    }

    /// The evaluated attribute `name` of a block's body, if set.
    pub fn attr(&self, block: &Block, name: &str) -> Option<Value> {
        block.body.get(name).map(|e| self.value(e))
    }

    /// The resources of `resource_type` whose `attribute` evaluates to `name` (queues by
    /// `name`, functions by `function_name`, …), in source order; none for an empty name.
    /// Built once per (type, attribute) and module: one evaluation per resource, then a
    /// hash lookup per call. Resources whose name cannot be evaluated are never found.
    pub fn resources_named(
        &self,
        resource_type: &'static str,
        attribute: &'static str,
        name: &str,
    ) -> Vec<&'m Block> {
        if name.is_empty() {
            return Vec::new();
        }
        let key = NameIndexKey {
            resource_type,
            attribute,
        };
        let resources = self.resources(resource_type);
        let index: Rc<NameIndex> = self.memoized(key, || {
            let mut index = NameIndex::new();
            for (i, b) in resources.iter().enumerate() {
                if let Some(value) = self.attr(b, attribute) {
                    if let Some(text) = value.as_str() {
                        index.entry(text.to_string()).or_default().push(i);
                    }
                }
            }
            index
        });
        index
            .get(name)
            .map(|positions| positions.iter().map(|&i| resources[i]).collect())
            .unwrap_or_default()
    }

    /// Drops every cache [`Context::memoized`] holds (the rules have run: what follows
    /// needs memory for locating findings more than the indexes). A later question builds
    /// its cache again.
    pub fn forget_memoized(&self) {
        self.memo.borrow_mut().clear();
    }

    /// The value cached under `key`, built by `build` on first use and kept for the rest
    /// of the module's rules. The types of key and value name the cache: give each cache
    /// its own key type. The cache is not borrowed while `build` runs, so a build may use
    /// other caches of the same context.
    pub fn memoized<K, V>(&self, key: K, build: impl FnOnce() -> V) -> Rc<V>
    where
        K: Hash + Eq + 'static,
        V: 'static,
    {
        let cache = TypeId::of::<HashMap<K, Rc<V>>>();
        if let Some(value) = self
            .memo
            .borrow()
            .get(&cache)
            .and_then(|m| m.downcast_ref::<HashMap<K, Rc<V>>>())
            .and_then(|m| m.get(&key))
        {
            return Rc::clone(value);
        }
        let value = Rc::new(build());
        let mut memo = self.memo.borrow_mut();
        let entry = memo
            .entry(cache)
            .or_insert_with(|| Box::new(HashMap::<K, Rc<V>>::new()));
        if let Some(map) = entry.downcast_mut::<HashMap<K, Rc<V>>>() {
            map.insert(key, Rc::clone(&value));
        }
        value
    }

    /// Today (UTC, `YYYY-MM-DD`), for rules with dated tables.
    pub fn today(&self) -> String {
        crate::date::today_utc()
    }

    /// Whether an environment name is a production name.
    pub fn is_production_name(&self, name: &str) -> bool {
        tfstack_model::environment::is_production_name(name, &self.module.production_names)
    }

    /// The module's environment, first match wins: the typed stack's environment or
    /// `--env`; then a variable named `environment`, `env` or `stage`.
    pub fn environment(&self) -> Option<String> {
        if let Some(e) = &self.module.environment {
            return Some(e.clone());
        }
        for name in ["environment", "env", "stage"] {
            if let Some(v) = self.eval.variables.get(name) {
                if let Some(s) = v.as_str() {
                    return Some(s.to_string());
                }
            }
        }
        None
    }

    /// Whether `block` is production: the module environment (a typed stack's, `--env`, the
    /// configuration's `[environments]` entry for its directory), else `stage_name` when it
    /// is a known environment name, else a variable named `environment`, `env` or `stage`
    /// (tfvars included), else an `Environment`/`env` tag on the block. `None` when none of
    /// them tells.
    pub fn production(&self, block: &Block, stage_name: Option<&str>) -> Option<bool> {
        if let Some(e) = &self.module.environment {
            return Some(self.is_production_name(e));
        }
        if let Some(stage) = stage_name {
            if self.is_production_name(stage) {
                return Some(true);
            }
            if NON_PRODUCTION_NAMES
                .iter()
                .any(|n| n.eq_ignore_ascii_case(stage))
            {
                return Some(false);
            }
        }
        if let Some(e) = self.environment() {
            return Some(self.is_production_name(&e));
        }
        if let Some(tags) = self.attr(block, "tags") {
            for key in ["Environment", "environment", "env", "Env"] {
                if let Some(v) = tags.get(key).and_then(Value::as_str) {
                    return Some(self.is_production_name(v));
                }
            }
        }
        None
    }

    /// Whether `block` is known to be production ([`Context::production`]).
    pub fn is_production(&self, block: &Block, stage_name: Option<&str>) -> bool {
        self.production(block, stage_name) == Some(true)
    }

    /// The origin of an attribute's value, or of the block when it is not set.
    pub fn origin_of(&self, block: &Block, attribute: &str) -> Origin {
        block
            .body
            .attribute(attribute)
            .map(|a| a.origin.or(block.origin))
            .unwrap_or(block.origin)
    }
}

/// The key of the nested-block owners in the context's cache.
#[derive(PartialEq, Eq, Hash)]
struct OwnersKey;

/// Maps every block nested in `body` (by address in memory) to `owner`.
fn collect_nested(body: &tfstack_model::Body, owner: usize, owners: &mut HashMap<usize, usize>) {
    for b in body.blocks() {
        owners.insert(b as *const Block as usize, owner);
        collect_nested(&b.body, owner, owners);
    }
}

/// The references to the blocks of one type, by address.
type ReferencesTo<'m> = HashMap<String, Vec<Reference<'m>>>;

/// The type of block an address names, as a traversal that refers to it starts:
/// `data.aws_iam_policy_document.x` → data source `aws_iam_policy_document`.
struct TargetType<'a> {
    data: bool,
    kind: &'a str,
}

impl<'a> TargetType<'a> {
    /// `None` for addresses no traversal refers to as a resource (`var.x`, `module.x`).
    fn of(address: &'a str) -> Option<Self> {
        let mut parts = address.split('.');
        let first = parts.next()?;
        if first == "data" {
            return Some(TargetType {
                data: true,
                kind: parts.next()?,
            });
        }
        if tfstack_model::ir::NOT_RESOURCES.contains(&first) {
            return None;
        }
        Some(TargetType {
            data: false,
            kind: first,
        })
    }

    fn key(&self) -> String {
        if self.data {
            format!("data.{}", self.kind)
        } else {
            self.kind.to_string()
        }
    }

    /// Whether `t` starts as a reference to a block of this type.
    fn is_referred_to_by(&self, t: &tfstack_model::Traversal) -> bool {
        if self.data {
            t.root == "data" && t.attribute_names().next() == Some(self.kind)
        } else {
            t.root == self.kind
        }
    }
}

fn build_references<'m>(
    config: &'m Config,
    absent: &std::collections::HashSet<*const Block>,
    target: &TargetType,
) -> ReferencesTo<'m> {
    let mut out = ReferencesTo::new();
    for b in &config.blocks {
        if absent.contains(&(b as *const Block)) {
            continue;
        }
        collect_refs(b, &b.body, "", target, &mut out);
    }
    // The index stays for the whole lint of the module: no spare capacity.
    out.values_mut().for_each(Vec::shrink_to_fit);
    out.shrink_to_fit();
    out
}

fn collect_refs<'m>(
    owner: &'m Block,
    body: &'m tfstack_model::Body,
    prefix: &str,
    target: &TargetType,
    out: &mut ReferencesTo<'m>,
) {
    for item in &body.items {
        match item {
            tfstack_model::Structure::Attribute(a) => {
                // The attribute's path, made once it is known to hold a reference.
                let mut path: Option<Name> = None;
                a.value.visit(&mut |e| {
                    let Some(t) = e.as_traversal() else {
                        return;
                    };
                    if !target.is_referred_to_by(t) {
                        return;
                    }
                    if let Some(address) = t.resource_address() {
                        let attribute = path
                            .get_or_insert_with(|| {
                                if prefix.is_empty() {
                                    a.name.clone()
                                } else {
                                    Name::from(format!("{prefix}.{}", a.name))
                                }
                            })
                            .clone();
                        out.entry(address).or_default().push(Reference {
                            from: owner,
                            attribute,
                        });
                    }
                });
            }
            tfstack_model::Structure::Block(b) => {
                let path = if prefix.is_empty() {
                    b.kind.to_string()
                } else {
                    format!("{prefix}.{}", b.kind)
                };
                collect_refs(owner, &b.body, &path, target, out);
            }
        }
    }
}
