//! What a rule sees: one module's IR, its evaluator, indexes over its blocks, its policy
//! documents, and how to tell whether it is production.

use std::any::{Any, TypeId};
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::hash::Hash;
use std::path::PathBuf;
use std::rc::Rc;
use tfstack_model::eval::{Evaluator, FileSource};
use tfstack_model::{Block, Config, Expr, Origin, RustLocation, SourceFiles, Value};

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

/// One module to lint: a directory of `.tf`/`.tf.json` files, a typed stack, a plan, or a
/// standalone policy file.
pub struct Module {
    /// The directory, as the user named it (for messages).
    pub dir: PathBuf,
    pub config: Config,
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
}

impl Module {
    /// A module of `config` loaded from `files` in `dir`: no variable values, no known
    /// environment, `file()` reading the disk. The `with_*` methods set the rest.
    pub fn new(dir: PathBuf, mut config: Config, files: SourceFiles) -> Module {
        // The blocks stay for the whole lint of the module: no spare capacity.
        config.blocks.shrink_to_fit();
        Module {
            dir,
            config,
            files,
            variables: HashMap::new(),
            environment: None,
            production_names: Vec::new(),
            file_source: Box::new(tfstack_model::eval::DiskFiles),
            source_maps: HashMap::new(),
            standalone_policies: Vec::new(),
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
    by_type: HashMap<&'m str, Vec<&'m Block>>,
    by_data_type: HashMap<&'m str, Vec<&'m Block>>,
    references: OnceCell<HashMap<String, Vec<Reference<'m>>>>,
    /// What the query layer builds once per module (indexes, policy documents), by type.
    memo: RefCell<HashMap<TypeId, Box<dyn Any>>>,
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
    /// Attribute path inside it (`redrive_policy`, `dead_letter_config.target_arn`).
    pub attribute: String,
    /// The attribute read on the referenced block (`arn`, `id`, …), if any.
    pub referenced_attribute: Option<String>,
}

impl<'m> Context<'m> {
    pub fn new(module: &'m Module) -> Self {
        let mut eval = Evaluator::new(
            &module.config,
            module.dir.clone(),
            module.files.clone(),
            module.file_source.as_ref(),
            &module.variables,
        );
        eval.source_maps = module.source_maps.clone();
        let mut by_type: HashMap<&str, Vec<&Block>> = HashMap::new();
        let mut by_data_type: HashMap<&str, Vec<&Block>> = HashMap::new();
        for b in &module.config.blocks {
            if b.kind == "resource" {
                by_type.entry(b.type_label()).or_default().push(b);
            } else if b.kind == "data" {
                by_data_type.entry(b.type_label()).or_default().push(b);
            }
        }
        Context {
            module,
            eval,
            by_type,
            by_data_type,
            references: OnceCell::new(),
            memo: RefCell::default(),
        }
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
    /// Built once per module: O(size of the module).
    pub fn referenced_by(&self, address: &str) -> &[Reference<'m>] {
        self.references
            .get_or_init(|| build_references(&self.module.config))
            .get(address)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Evaluates an expression.
    pub fn value(&self, e: &Expr) -> Value {
        self.eval.eval(e)
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

    /// Whether `block` is production: the module environment, else `stage_name` when it
    /// is a known environment name, else an `Environment`/`env` tag on the block.
    pub fn is_production(&self, block: &Block, stage_name: Option<&str>) -> bool {
        if let Some(e) = &self.module.environment {
            return self.is_production_name(e);
        }
        if let Some(stage) = stage_name {
            if self.is_production_name(stage) {
                return true;
            }
            if NON_PRODUCTION_NAMES
                .iter()
                .any(|n| n.eq_ignore_ascii_case(stage))
            {
                return false;
            }
        }
        if let Some(e) = self.environment() {
            return self.is_production_name(&e);
        }
        if let Some(tags) = self.attr(block, "tags") {
            for key in ["Environment", "environment", "env", "Env"] {
                if let Some(v) = tags.get(key).and_then(Value::as_str) {
                    return self.is_production_name(v);
                }
            }
        }
        false
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

fn build_references(config: &Config) -> HashMap<String, Vec<Reference<'_>>> {
    let mut out: HashMap<String, Vec<Reference>> = HashMap::new();
    for b in &config.blocks {
        collect_refs(b, &b.body, String::new(), &mut out);
    }
    out
}

fn collect_refs<'m>(
    owner: &'m Block,
    body: &'m tfstack_model::Body,
    prefix: String,
    out: &mut HashMap<String, Vec<Reference<'m>>>,
) {
    for item in &body.items {
        match item {
            tfstack_model::Structure::Attribute(a) => {
                let path = if prefix.is_empty() {
                    a.name.clone()
                } else {
                    format!("{prefix}.{}", a.name)
                };
                a.value.visit(&mut |e| {
                    if let Some(t) = e.as_traversal() {
                        if let Some(addr) = t.resource_address() {
                            out.entry(addr).or_default().push(Reference {
                                from: owner,
                                attribute: path.clone(),
                                referenced_attribute: t.resource_attribute().map(str::to_string),
                            });
                        }
                    }
                });
            }
            tfstack_model::Structure::Block(b) => {
                let path = if prefix.is_empty() {
                    b.kind.clone()
                } else {
                    format!("{prefix}.{}", b.kind)
                };
                collect_refs(owner, &b.body, path, out);
            }
        }
    }
}
