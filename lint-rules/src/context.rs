//! What a rule sees: one module's IR, its evaluator, indexes over its blocks, its policy
//! documents, and how to tell whether it is production.

use crate::policy::{self, PolicyDoc};
use crate::rules::companions::{CompanionIndex, ModuleInputs};
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
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

/// A rule's view of one module.
pub struct Context<'m> {
    pub module: &'m Module,
    pub eval: Evaluator<'m>,
    by_type: HashMap<&'m str, Vec<&'m Block>>,
    by_data_type: HashMap<&'m str, Vec<&'m Block>>,
    references: OnceCell<HashMap<String, Vec<Reference<'m>>>>,
    policies: OnceCell<Vec<PolicyDoc>>,
    /// Companion indexes, one per (companion type, link attribute), built on first use.
    pub(crate) companion_indexes:
        RefCell<HashMap<(&'static str, &'static str), Rc<CompanionIndex>>>,
    /// What child modules are handed, built on first use.
    pub(crate) module_inputs: OnceCell<ModuleInputs>,
    /// Resources by evaluated name, one map per (type, name attribute), built on first use.
    names: RefCell<HashMap<(&'m str, &'m str), Rc<NameIndex<'m>>>>,
    /// Positions in `policies()` by (resource address, attribute), built on first use.
    policies_by_owner: OnceCell<PolicyIndex>,
}

/// Positions in `policies()` by (resource address, attribute).
type PolicyIndex = HashMap<(String, Option<String>), Vec<usize>>;

/// Resources of one type by the string their name attribute evaluates to, each list in
/// source order.
type NameIndex<'m> = HashMap<String, Vec<&'m Block>>;

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
            policies: OnceCell::new(),
            companion_indexes: RefCell::default(),
            module_inputs: OnceCell::new(),
            names: RefCell::default(),
            policies_by_owner: OnceCell::new(),
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

    /// Every IAM policy document of the module (identity, resource and trust policies,
    /// `aws_iam_policy_document` data sources and standalone JSON files).
    pub fn policies(&self) -> &[PolicyDoc] {
        self.policies.get_or_init(|| policy::extract(self))
    }

    /// The policy documents written in `resource`'s `attribute` (`None`: the document of
    /// an `aws_iam_policy_document` data source at that address), in `policies()` order.
    /// A hash lookup into an index built once per module.
    pub fn policies_of(&self, resource: &str, attribute: Option<&str>) -> Vec<&PolicyDoc> {
        let policies = self.policies();
        let index = self.policies_by_owner.get_or_init(|| {
            let mut index = PolicyIndex::new();
            for (i, d) in policies.iter().enumerate() {
                if let Some(resource) = &d.resource {
                    index
                        .entry((resource.clone(), d.attribute.clone()))
                        .or_default()
                        .push(i);
                }
            }
            index
        });
        index
            .get(&(resource.to_string(), attribute.map(str::to_string)))
            .map(|positions| positions.iter().map(|&i| &policies[i]).collect())
            .unwrap_or_default()
    }

    /// The resources of `resource_type` whose `attribute` evaluates to `name` (queues by
    /// `name`, functions by `function_name`, …), in source order; none for an empty name.
    /// Built once per (type, attribute) and module: one evaluation per resource, then a
    /// hash lookup per call. Resources whose name cannot be evaluated are never found.
    pub fn resources_named(
        &self,
        resource_type: &'m str,
        attribute: &'m str,
        name: &str,
    ) -> Vec<&'m Block> {
        if name.is_empty() {
            return Vec::new();
        }
        let index = memoized(&self.names, (resource_type, attribute), || {
            let mut index = NameIndex::new();
            for b in self.resources(resource_type) {
                if let Some(value) = self.attr(b, attribute) {
                    if let Some(text) = value.as_str() {
                        index.entry(text.to_string()).or_default().push(b);
                    }
                }
            }
            index
        });
        index.get(name).cloned().unwrap_or_default()
    }

    /// Today (UTC, `YYYY-MM-DD`), for rules with dated tables.
    pub fn today(&self) -> String {
        crate::config::today_utc()
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

/// The value cached under `key`, built by `build` on first use. The cache is not borrowed
/// while `build` runs, so a build may use other caches of the same context.
pub(crate) fn memoized<K: std::hash::Hash + Eq, V>(
    cache: &RefCell<HashMap<K, Rc<V>>>,
    key: K,
    build: impl FnOnce() -> V,
) -> Rc<V> {
    if let Some(value) = cache.borrow().get(&key) {
        return Rc::clone(value);
    }
    let value = Rc::new(build());
    cache.borrow_mut().insert(key, Rc::clone(&value));
    value
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
