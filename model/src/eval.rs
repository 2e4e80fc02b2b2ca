//! The evaluator: what can be known statically about a module's expressions.
//!
//! It resolves literals, variable defaults and tfvars, locals, string templates, simple
//! conditionals and operators, `jsonencode`/`jsondecode`, `file`/`templatefile` of local
//! files, and a handful of pure functions. Everything else — resource attributes AWS
//! computes, data sources, unknown functions — is `Unknown`, and rules never report on
//! an unknown value by itself.

use crate::ir::*;
use crate::origin::{FileId, Origin, SourceFile, SourceFiles};
use crate::read::{ReadError, Reader};
use crate::value::{
    string_weight, Value, ValueKind, ELEMENT_BYTES, MEMBER_BYTES, STRING_HEADER_BYTES,
};
use indexmap::IndexMap;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where `file()` and `templatefile()` read from: the disk, or the files a typed stack
/// generates (kept in memory).
pub trait FileSource {
    /// The text of `path`, or why it was not read.
    fn read(&self, path: &Path) -> Result<String, ReadError>;
}

/// Reads from the disk, through the bounded reader (its limit and read root).
#[derive(Default)]
pub struct DiskFiles {
    pub reader: Reader,
}

impl DiskFiles {
    /// Files read by `reader`.
    pub fn new(reader: Reader) -> DiskFiles {
        DiskFiles { reader }
    }
}

impl FileSource for DiskFiles {
    fn read(&self, path: &Path) -> Result<String, ReadError> {
        self.reader.read_text(path)
    }
}

/// Files kept in memory (a typed stack's generated policies), by path.
#[derive(Default)]
pub struct MemoryFiles(pub HashMap<PathBuf, String>);

impl FileSource for MemoryFiles {
    fn read(&self, path: &Path) -> Result<String, ReadError> {
        self.0
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| ReadError::Io(std::io::ErrorKind::NotFound.into()))
    }
}

/// `a/./b/../c` → `a/c`, `../../x` stays `../../x` (lexically).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                // `..` cancels a real directory, never another `..` (or the root).
                let last = out.components().next_back();
                match last {
                    Some(std::path::Component::Normal(_)) => {
                        out.pop();
                    }
                    Some(std::path::Component::RootDir) => {}
                    _ => out.push(".."),
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The largest value the evaluator builds, in bytes as [`Value::weight`] counts them (text,
/// and what each string, element and member takes in memory): past it, the value is
/// unknown.
pub const MAX_VALUE_BYTES: usize = 16 * 1024 * 1024;

/// The evaluation steps a module may take: a base, and more for larger modules.
const BASE_STEPS: u64 = 1_000_000;
/// Steps a module may take per byte of its source.
const STEPS_PER_SOURCE_BYTE: u64 = 64;
/// Steps a module may take per top-level block (typed stacks have no source text).
const STEPS_PER_BLOCK: u64 = 4096;
/// What the locals a module caches may hold in all, in bytes.
const MAX_CACHED_BYTES: usize = 256 * 1024 * 1024;

/// Something the evaluator could not do that a person should hear of: a file outside the
/// read root, a file that cannot be read, the evaluation budget spent.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalNote {
    /// Where: the expression that asked.
    pub origin: Origin,
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl EvalNote {
    /// Adds a note to `notes` unless one with the same message is there.
    pub fn push_once(
        notes: &mut Vec<EvalNote>,
        origin: Origin,
        message: String,
        help: impl Into<String>,
    ) {
        if !notes.iter().any(|n| n.message == message) {
            notes.push(EvalNote {
                origin,
                message,
                help: help.into(),
            });
        }
    }
}

/// What one module's evaluation may spend: steps for the whole module, bytes per value
/// (reset at each top-level evaluation) and bytes held by cached locals.
struct Budget {
    steps: Cell<u64>,
    step_limit: u64,
    value_bytes: Cell<usize>,
    cached_bytes: Cell<usize>,
    spent: Cell<bool>,
}

impl Budget {
    fn new(step_limit: u64) -> Budget {
        Budget {
            steps: Cell::new(0),
            step_limit,
            value_bytes: Cell::new(0),
            cached_bytes: Cell::new(0),
            spent: Cell::new(false),
        }
    }
}

/// Where an evaluation stood ([`Evaluator::checkpoint`]), to go back to it.
#[derive(Clone, Copy, Debug)]
pub struct Checkpoint {
    notes: usize,
    steps: u64,
    spent: bool,
}

/// The evaluation context of one module.
pub struct Evaluator<'a> {
    pub config: &'a Config,
    /// The module directory, as named (`path.module` is it relative to `root_dir`).
    pub module_dir: PathBuf,
    /// The root module's directory, where Terraform runs: relative paths in `file()` and
    /// `templatefile()` resolve against it (`path.root` and `path.cwd`).
    pub root_dir: PathBuf,
    pub variables: HashMap<String, Value>,
    /// Variables declared with a `type` (a conversion may add attributes, so a missing
    /// attribute is unknown rather than an error).
    typed_variables: HashSet<String>,
    locals: HashMap<String, &'a Expr>,
    local_cache: RefCell<HashMap<String, Value>>,
    local_in_progress: RefCell<Vec<String>>,
    /// Resources and data sources, sorted by (is data, type, name): a module may hold
    /// tens of thousands, and a sorted list of references is an eighth of a hash table.
    resources: Vec<&'a Block>,
    pub files: RefCell<SourceFiles>,
    file_source: &'a dyn FileSource,
    /// Files read through `file()`/`templatefile()`: path → id, or why not (each read once).
    read_cache: RefCell<HashMap<PathBuf, Result<FileId, Unread>>>,
    /// Prefixes of JSON pointers inside a file that a Rust line wrote (typed stacks).
    pub source_maps: HashMap<PathBuf, Vec<(String, crate::origin::RustLocation)>>,
    budget: Budget,
    /// Set when an evaluation failed as Terraform would fail it (a missing key of a known
    /// object), for `try()` and `can()`.
    errored: Cell<bool>,
    notes: RefCell<Vec<EvalNote>>,
}

const MAX_DEPTH: usize = 64;

/// A resource's or data source's address as (is data, type, name), from its labels.
fn address_key(b: &Block) -> Option<(bool, &str, &str)> {
    match b.labels.as_slice() {
        [t, n, ..] => Some((b.kind == "data", t.as_str(), n.as_str())),
        _ => None,
    }
}

/// Extra names in scope (templatefile variables, `each`, dynamic iterators).
#[derive(Default, Clone)]
pub struct Scope {
    pub names: HashMap<String, Value>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator for `config`, whose variables take their defaults overridden by
    /// `overrides` (tfvars, `--var`, a module call's arguments).
    pub fn new(
        config: &'a Config,
        module_dir: PathBuf,
        files: SourceFiles,
        file_source: &'a dyn FileSource,
        overrides: &HashMap<String, Value>,
    ) -> Self {
        let mut locals = HashMap::new();
        let mut resources: Vec<&Block> = Vec::new();
        let mut typed_variables = HashSet::new();
        for b in &config.blocks {
            match b.kind.as_str() {
                "locals" => {
                    for a in b.body.attributes() {
                        locals.insert(a.name.to_string(), &a.value);
                    }
                }
                "resource" | "data" if address_key(b).is_some() => resources.push(b),
                "variable" if b.body.get("type").is_some() => {
                    typed_variables.insert(b.type_label().to_string());
                }
                _ => {}
            }
        }
        // Stable: of two blocks at one address, the later one is found (as Terraform
        // would refuse the module, which one hardly matters; this is what a map gave).
        resources.sort_by(|a, b| address_key(a).cmp(&address_key(b)));
        resources.shrink_to_fit();
        let source_bytes: u64 = files.iter().map(|(_, f)| f.len() as u64).sum();
        let step_limit = BASE_STEPS
            .saturating_add(source_bytes.saturating_mul(STEPS_PER_SOURCE_BYTE))
            .saturating_add((config.blocks.len() as u64).saturating_mul(STEPS_PER_BLOCK));
        let mut ev = Evaluator {
            config,
            root_dir: module_dir.clone(),
            module_dir,
            variables: HashMap::new(),
            typed_variables,
            locals,
            local_cache: RefCell::new(HashMap::new()),
            local_in_progress: RefCell::new(Vec::new()),
            resources,
            files: RefCell::new(files),
            file_source,
            read_cache: RefCell::new(HashMap::new()),
            source_maps: HashMap::new(),
            budget: Budget::new(step_limit),
            errored: Cell::new(false),
            notes: RefCell::new(Vec::new()),
        };
        let mut variables = HashMap::new();
        for b in config.blocks_of("variable") {
            let name = b.type_label().to_string();
            let value = match overrides.get(&name) {
                Some(v) => v.clone(),
                None => match b.body.get("default") {
                    Some(d) => ev.eval(d),
                    None => Value::unknown(b.origin),
                },
            };
            // Terraform converts a value to the variable's type: the attributes an
            // `optional(...)` declares are there, null or their default.
            let value = match b.body.get("type") {
                Some(ty) => ev.conform(value, ty),
                None => value,
            };
            variables.insert(name, value);
        }
        for (k, v) in overrides {
            variables.entry(k.clone()).or_insert_with(|| v.clone());
        }
        ev.variables = variables;
        ev
    }

    /// The same evaluator for a module run from `root_dir` (a called module's root is
    /// its caller's root).
    pub fn with_root(mut self, root_dir: PathBuf) -> Self {
        self.root_dir = root_dir;
        self
    }

    /// `value` converted as a variable of type `ty` is: each `object({...})` given the
    /// attributes its `optional(type, default)` members declare when missing (the default,
    /// or null), through `map(...)`, `list(...)`, `set(...)` and nested objects. Anything
    /// else is kept as it is.
    fn conform(&self, value: Value, ty: &Expr) -> Value {
        let ExprKind::FunctionCall(call) = &ty.kind else {
            return value;
        };
        let inner = call.args.first();
        match (call.name.as_str(), value.kind) {
            ("map", ValueKind::Object(map)) => {
                let Some(inner) = inner else {
                    return Value::new(ValueKind::Object(map), value.origin);
                };
                let map = Arc::unwrap_or_clone(map)
                    .into_iter()
                    .map(|(k, v)| (k, self.conform(v, inner)))
                    .collect();
                Value::new(ValueKind::object(map), value.origin)
            }
            ("list" | "set", ValueKind::List(items)) => {
                let Some(inner) = inner else {
                    return Value::new(ValueKind::List(items), value.origin);
                };
                let items = items.into_iter().map(|v| self.conform(v, inner)).collect();
                Value::new(ValueKind::List(items), value.origin)
            }
            ("object", ValueKind::Object(map)) => {
                let Some(ExprKind::Object(members)) = inner.map(|i| &i.kind) else {
                    return Value::new(ValueKind::Object(map), value.origin);
                };
                let mut map = Arc::unwrap_or_clone(map);
                for member in members {
                    let Some(name) =
                        member
                            .key
                            .as_str()
                            .map(str::to_string)
                            .or_else(|| match &member.key {
                                ObjectKey::Expr(key) => match &key.kind {
                                    ExprKind::Traversal(t) if t.operators.is_empty() => {
                                        Some(t.root.to_string())
                                    }
                                    _ => None,
                                },
                                ObjectKey::Identifier(_) => None,
                            })
                    else {
                        continue;
                    };
                    let (member_type, default) = match &member.value.kind {
                        ExprKind::FunctionCall(c) if c.name == "optional" => {
                            (c.args.first(), Some(c.args.get(1)))
                        }
                        _ => (Some(&member.value), None),
                    };
                    match map.shift_remove(&name) {
                        Some(v) if !v.is_null() => {
                            let v = match member_type {
                                Some(t) => self.conform(v, t),
                                None => v,
                            };
                            map.insert(name, v);
                        }
                        missing => match default {
                            // `optional(type)`: null; `optional(type, default)`: the default.
                            Some(Some(d)) => {
                                let d = self.eval(d);
                                let d = match member_type {
                                    Some(t) => self.conform(d, t),
                                    None => d,
                                };
                                map.insert(name, d);
                            }
                            Some(None) => {
                                map.insert(name, Value::null(value.origin));
                            }
                            // A required attribute: as given (Terraform rejects a missing one).
                            None => {
                                if let Some(v) = missing {
                                    map.insert(name, v);
                                }
                            }
                        },
                    }
                }
                Value::new(ValueKind::object(map), value.origin)
            }
            (_, kind) => Value {
                kind,
                origin: value.origin,
                key_origin: value.key_origin,
            },
        }
    }

    /// The block at a resource address (`aws_sqs_queue.x`, `data.y.z`).
    pub fn block(&self, address: &str) -> Option<&'a Block> {
        let key = match address
            .strip_prefix("data.")
            .and_then(|a| a.split_once('.'))
        {
            Some((t, n)) => (true, t, n),
            None => {
                let (t, n) = address.split_once('.')?;
                (false, t, n)
            }
        };
        let key = Some(key);
        let after = self.resources.partition_point(|b| address_key(b) <= key);
        after
            .checked_sub(1)
            .and_then(|last| self.resources.get(last))
            .filter(|b| address_key(b) == key)
            .copied()
    }

    /// What the evaluation could not do so far, each once, in the order it happened.
    pub fn notes(&self) -> Vec<EvalNote> {
        self.notes.borrow().clone()
    }

    /// Where the evaluation stands: the notes made and the steps spent so far.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            notes: self.notes.borrow().len(),
            steps: self.budget.steps.get(),
            spent: self.budget.spent.get(),
        }
    }

    /// Goes back to `checkpoint`: the notes made since are forgotten and the steps spent
    /// since are given back (cached locals stay). Whether the module's steps ran out
    /// since: what was evaluated after that was unknown.
    pub fn rewind(&self, checkpoint: Checkpoint) -> bool {
        self.notes.borrow_mut().truncate(checkpoint.notes);
        self.budget.steps.set(checkpoint.steps);
        !checkpoint.spent && self.budget.spent.replace(checkpoint.spent)
    }

    /// Records a note, once per message.
    fn note(&self, origin: Origin, message: String, help: &str) {
        EvalNote::push_once(&mut self.notes.borrow_mut(), origin, message, help);
    }

    /// Records that the module's steps are spent (noted once per module).
    fn budget_spent(&self, origin: Origin) {
        if !self.budget.spent.replace(true) {
            self.note(
                origin,
                "the evaluation budget of this module is spent: values evaluated after this \
                 point are unknown, and findings that depend on them are not reported"
                    .to_string(),
                "simplify the expressions that take so many steps to evaluate",
            );
        }
    }

    /// Charges `bytes` to the value being built; `false` (and a note, once per module)
    /// past [`MAX_VALUE_BYTES`].
    fn charge(&self, bytes: usize, origin: Origin) -> bool {
        let total = self.budget.value_bytes.get().saturating_add(bytes);
        self.budget.value_bytes.set(total);
        if total > MAX_VALUE_BYTES {
            self.note(
                origin,
                format!(
                    "a value evaluated here grows past the evaluation budget of {}: it is \
                     unknown, and findings that depend on it are not reported",
                    crate::read::describe_size(MAX_VALUE_BYTES as u64)
                ),
                "simplify the expressions that build very large values",
            );
            return false;
        }
        true
    }

    /// The bytes the value being built may still grow by.
    fn remaining_value_bytes(&self) -> usize {
        MAX_VALUE_BYTES.saturating_sub(self.budget.value_bytes.get())
    }

    /// A string of `text`, charged to the value being built ([`Evaluator::charge`]).
    fn charged_text(&self, text: String, origin: Origin) -> Value {
        if self.charge(string_weight(text.len()), origin) {
            Value::string(text, origin)
        } else {
            Value::unknown(origin)
        }
    }

    /// Evaluates an expression in the module scope.
    pub fn eval(&self, e: &Expr) -> Value {
        self.eval_in(e, &Scope::default(), 0)
    }

    /// Evaluates an expression with extra names in scope. At depth 0 a new value begins
    /// (its size is counted afresh).
    pub fn eval_in(&self, e: &Expr, scope: &Scope, depth: usize) -> Value {
        let origin = e.origin;
        if depth == 0 {
            self.budget.value_bytes.set(0);
        }
        if depth > MAX_DEPTH {
            return Value::unknown(origin);
        }
        let steps = self.budget.steps.get() + 1;
        self.budget.steps.set(steps);
        if steps > self.budget.step_limit {
            self.budget_spent(origin);
            return Value::unknown(origin);
        }
        let d = depth + 1;
        match &e.kind {
            ExprKind::Null => Value::null(origin),
            ExprKind::Bool(b) => Value::new(ValueKind::Bool(*b), origin),
            ExprKind::Number(n) => Value::new(ValueKind::Number(n.as_f64()), origin),
            ExprKind::String(s) => Value::string(s.clone(), origin),
            ExprKind::Template(t) => self.eval_template(t, scope, d, origin),
            ExprKind::Traversal(t) => self.eval_traversal(t, scope, d, origin),
            ExprKind::FunctionCall(c) => self.eval_call(c, scope, d, origin),
            ExprKind::Conditional(c) => {
                let cond = self.eval_in(&c.condition, scope, d);
                match cond.as_bool() {
                    Some(true) => self.eval_in(&c.true_expr, scope, d),
                    Some(false) => self.eval_in(&c.false_expr, scope, d),
                    None => {
                        let t = self.eval_in(&c.true_expr, scope, d);
                        let f = self.eval_in(&c.false_expr, scope, d);
                        // Both known and equal (an unknown value's JSON is `null`: it
                        // equals no branch).
                        if !t.contains_unknown()
                            && !f.contains_unknown()
                            && t.to_json() == f.to_json()
                        {
                            t
                        } else {
                            Value::unknown(origin)
                        }
                    }
                }
            }
            ExprKind::Unary(op, inner) => {
                let v = self.eval_in(inner, scope, d);
                match (op, &v.kind) {
                    (UnaryOperator::Not, ValueKind::Bool(b)) => {
                        Value::new(ValueKind::Bool(!b), origin)
                    }
                    (UnaryOperator::Neg, _) => match v.as_f64() {
                        Some(n) => Value::new(ValueKind::Number(-n), origin),
                        None => Value::unknown(origin),
                    },
                    _ => Value::unknown(origin),
                }
            }
            ExprKind::Binary(b) => self.eval_binary(b, scope, d, origin),
            ExprKind::Parenthesis(inner) => self.eval_in(inner, scope, d),
            ExprKind::Tuple(items) => {
                if !self.charge(items.len().saturating_mul(ELEMENT_BYTES), origin) {
                    return Value::unknown(origin);
                }
                Value::new(
                    ValueKind::List(items.iter().map(|i| self.eval_in(i, scope, d)).collect()),
                    origin,
                )
            }
            ExprKind::Object(items) => {
                if !self.charge(items.len().saturating_mul(MEMBER_BYTES), origin) {
                    return Value::unknown(origin);
                }
                let mut map = IndexMap::with_capacity(items.len());
                for it in items {
                    let key = match &it.key {
                        ObjectKey::Identifier(k) => Some(k.to_string()),
                        ObjectKey::Expr(k) => {
                            // `(var.x)` keys and templates evaluate; a bare name is a string.
                            if let ExprKind::Traversal(t) = &k.kind {
                                if t.operators.is_empty() {
                                    Some(t.root.to_string())
                                } else {
                                    self.eval_in(k, scope, d).as_str().map(str::to_string)
                                }
                            } else {
                                self.eval_in(k, scope, d).as_str().map(str::to_string)
                            }
                        }
                    };
                    let Some(key) = key else {
                        return Value::unknown(origin);
                    };
                    let mut v = self.eval_in(&it.value, scope, d);
                    v.key_origin = it.origin;
                    map.insert(key, v);
                }
                Value::new(ValueKind::object(map), origin)
            }
            ExprKind::For(f) => self.eval_for(f, scope, d, origin),
            ExprKind::Opaque(_) => Value::unknown(origin),
        }
    }

    /// A `for` expression over a known collection: a tuple, or an object (values grouped
    /// into lists with `...`). Unknown when the collection, a key or a condition is.
    fn eval_for(&self, f: &ForExpr, scope: &Scope, d: usize, origin: Origin) -> Value {
        let collection = self.eval_in(&f.collection, scope, d);
        let elements: Vec<(Value, Value)> = match collection.kind {
            ValueKind::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::new(ValueKind::Number(i as f64), origin), v))
                .collect(),
            ValueKind::Object(map) => Arc::unwrap_or_clone(map)
                .into_iter()
                .map(|(k, v)| (Value::string(k, origin), v))
                .collect(),
            // Iterating null is an error in Terraform.
            _ => return Value::unknown(origin),
        };
        let element_bytes = match f.key {
            None => ELEMENT_BYTES,
            Some(_) => MEMBER_BYTES,
        };
        if !self.charge(elements.len().saturating_mul(element_bytes), origin) {
            return Value::unknown(origin);
        }
        let mut inner = scope.clone();
        let mut list = Vec::new();
        let mut map: IndexMap<String, Value> = IndexMap::new();
        for (key, value) in elements {
            if let Some(k) = &f.key_var {
                inner.names.insert(k.clone(), key);
            }
            inner.names.insert(f.value_var.clone(), value);
            if let Some(c) = &f.condition {
                match self.eval_in(c, &inner, d).as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return Value::unknown(origin),
                }
            }
            let v = self.eval_in(&f.value, &inner, d);
            match &f.key {
                None => list.push(v),
                Some(k) => {
                    let key = self.eval_in(k, &inner, d);
                    let Some(key) = scalar_to_string(&key) else {
                        return Value::unknown(origin);
                    };
                    if f.grouping {
                        let group = map.entry(key).or_insert_with(|| {
                            Value::new(ValueKind::List(thin_vec::ThinVec::new()), origin)
                        });
                        if let ValueKind::List(items) = &mut group.kind {
                            items.push(v);
                        }
                    } else if map.insert(key, v).is_some() {
                        // Two elements with one key: Terraform rejects it.
                        return Value::unknown(origin);
                    }
                }
            }
        }
        match f.key {
            None => Value::new(ValueKind::List(list.into()), origin),
            Some(_) => Value::new(ValueKind::object(map), origin),
        }
    }

    fn eval_template(&self, t: &Template, scope: &Scope, d: usize, origin: Origin) -> Value {
        if !self.charge(STRING_HEADER_BYTES, origin) {
            return Value::unknown(origin);
        }
        let mut out = String::new();
        for p in &t.parts {
            let piece = match p {
                TemplatePart::Literal(s) => std::borrow::Cow::Borrowed(s.as_str()),
                TemplatePart::Interpolation(e) => {
                    let v = self.eval_in(e, scope, d);
                    match scalar_to_string(&v) {
                        Some(s) => std::borrow::Cow::Owned(s),
                        None => return Value::unknown(origin),
                    }
                }
                TemplatePart::Directive(_) => return Value::unknown(origin),
            };
            if !self.charge(piece.len(), origin) {
                return Value::unknown(origin);
            }
            out.push_str(&piece);
        }
        Value::string(out, origin)
    }

    /// `path.module`: the module directory relative to the root module's (`.` for the
    /// root), as Terraform gives it.
    pub fn path_module(&self) -> String {
        relative_path(&self.root_dir, &self.module_dir)
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// The path a `file()`/`templatefile()` argument names: relative paths against the
    /// root module's directory, as Terraform resolves them.
    pub fn resolve_path(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            normalize(p)
        } else {
            normalize(&self.root_dir.join(p))
        }
    }

    fn eval_traversal(&self, t: &Traversal, scope: &Scope, d: usize, origin: Origin) -> Value {
        let mut names = t.attribute_names();
        if let Some(v) = scope.names.get(t.root.as_str()) {
            let v = self.cloned(v, origin);
            return self.apply_operators(v, &t.operators, scope, d, origin, true);
        }
        match t.root.as_str() {
            "var" => {
                let Some(name) = names.next() else {
                    return Value::unknown(origin);
                };
                let v = match self.variables.get(name) {
                    Some(v) => self.cloned(v, origin),
                    None => Value::unknown(origin),
                };
                let strict = !self.typed_variables.contains(name);
                self.apply_operators(v, &t.operators[1..], scope, d, origin, strict)
            }
            "local" => {
                let Some(name) = names.next() else {
                    return Value::unknown(origin);
                };
                let v = self.local(name, d);
                self.apply_operators(v, &t.operators[1..], scope, d, origin, true)
            }
            "path" => match names.next() {
                Some("module") => Value::string(self.path_module(), origin),
                Some("root") | Some("cwd") => Value::string(".", origin),
                _ => Value::unknown(origin),
            },
            "each" | "count" | "self" | "terraform" | "module" | "data" => Value::unknown(origin),
            _ => {
                // A resource attribute: known when the configuration sets it literally
                // and the resource is a single instance.
                let address = t.resource_address();
                let attr = t.resource_attribute();
                if let (Some(address), Some(attr)) = (address, attr) {
                    if let Some(block) = self.block(&address) {
                        if !block.is_repeated() {
                            if let Some(e) = block.body.get(attr) {
                                let v = self.eval_in(e, &Scope::default(), d);
                                return self.apply_operators(
                                    v,
                                    &t.operators[2..],
                                    scope,
                                    d,
                                    origin,
                                    false,
                                );
                            }
                        }
                    }
                }
                Value::unknown(origin)
            }
        }
    }

    /// A copy of a value held elsewhere (a variable, a local, a name in scope), charged
    /// to the value being built; unknown past the budget.
    fn cloned(&self, v: &Value, origin: Origin) -> Value {
        if self.charge(v.weight(), origin) {
            v.clone()
        } else {
            Value::unknown(origin)
        }
    }

    /// Applies `.attr`, `[index]` and splats. With `strict`, a key or index missing from
    /// a known value is an error as in Terraform (`try()` falls back); otherwise unknown.
    fn apply_operators(
        &self,
        mut v: Value,
        ops: &[TraversalOperator],
        scope: &Scope,
        d: usize,
        origin: Origin,
        strict: bool,
    ) -> Value {
        let missing = |v: &Value| {
            if strict && !v.is_unknown() {
                self.errored.set(true);
            }
            Value::unknown(origin)
        };
        for (n, op) in ops.iter().enumerate() {
            v = match op {
                TraversalOperator::Attribute(a) => match v.get(a) {
                    Some(x) => x.clone(),
                    None => return missing(&v),
                },
                TraversalOperator::Index(e) => {
                    let i = self.eval_in(e, scope, d);
                    match (&v.kind, &i.kind) {
                        (_, ValueKind::Unknown) => return Value::unknown(origin),
                        (ValueKind::List(items), _) => match i.as_f64() {
                            Some(n) if n >= 0.0 && (n as usize) < items.len() => {
                                items[n as usize].clone()
                            }
                            _ => return missing(&v),
                        },
                        (ValueKind::Object(m), ValueKind::String(k)) => match m.get(k.as_str()) {
                            Some(x) => x.clone(),
                            None => return missing(&v),
                        },
                        _ => return missing(&v),
                    }
                }
                TraversalOperator::LegacyIndex(i) => {
                    match v.as_list().and_then(|l| l.get(*i as usize)) {
                        Some(x) => x.clone(),
                        None => return missing(&v),
                    }
                }
                TraversalOperator::AttributeSplat | TraversalOperator::FullSplat => {
                    // `list[*].name`: the rest applied to each element.
                    let rest = &ops[n + 1..];
                    return match v.kind {
                        ValueKind::List(items) => {
                            let mapped: thin_vec::ThinVec<Value> = items
                                .into_iter()
                                .map(|item| {
                                    self.apply_operators(item, rest, scope, d, origin, strict)
                                })
                                .collect();
                            Value::new(ValueKind::List(mapped), origin)
                        }
                        ValueKind::Null => {
                            Value::new(ValueKind::List(thin_vec::ThinVec::new()), origin)
                        }
                        _ => Value::unknown(origin),
                    };
                }
            };
        }
        v
    }

    fn local(&self, name: &str, d: usize) -> Value {
        if let Some(v) = self.local_cache.borrow().get(name) {
            return self.cloned(v, v.origin);
        }
        let Some(expr) = self.locals.get(name) else {
            return Value::unknown(Origin::GENERATED);
        };
        if self.local_in_progress.borrow().iter().any(|n| n == name) {
            // A cycle: terraform rejects it; we just do not know.
            return Value::unknown(expr.origin);
        }
        self.local_in_progress.borrow_mut().push(name.to_string());
        let v = self.eval_in(expr, &Scope::default(), d);
        self.local_in_progress.borrow_mut().pop();
        // The cache holds at most MAX_CACHED_BYTES: past it, locals are evaluated again
        // where they are used (their values are bounded one by one).
        let size = v.weight();
        let cached = self.budget.cached_bytes.get().saturating_add(size);
        if cached <= MAX_CACHED_BYTES {
            self.budget.cached_bytes.set(cached);
            self.local_cache
                .borrow_mut()
                .insert(name.to_string(), v.clone());
        }
        v
    }

    /// The expression a local is defined by (to follow a policy to where it is written).
    pub fn local_expr(&self, name: &str) -> Option<&'a Expr> {
        self.locals.get(name).copied()
    }

    fn eval_binary(&self, b: &BinaryOperation, scope: &Scope, d: usize, origin: Origin) -> Value {
        use BinaryOperator::*;
        let l = self.eval_in(&b.lhs, scope, d);
        let r = self.eval_in(&b.rhs, scope, d);
        let bool_v = |x: bool| Value::new(ValueKind::Bool(x), origin);
        match b.operator {
            And | Or => match (l.as_bool(), r.as_bool()) {
                (Some(x), Some(y)) => bool_v(if b.operator == And { x && y } else { x || y }),
                (Some(false), None) if b.operator == And => bool_v(false),
                (Some(true), None) if b.operator == Or => bool_v(true),
                _ => Value::unknown(origin),
            },
            Eq | NotEq => {
                if l.contains_unknown() || r.contains_unknown() {
                    return Value::unknown(origin);
                }
                let same = l.to_json() == r.to_json();
                bool_v(if b.operator == Eq { same } else { !same })
            }
            _ => match (l.as_f64(), r.as_f64()) {
                (Some(x), Some(y)) => match b.operator {
                    Less => bool_v(x < y),
                    LessEq => bool_v(x <= y),
                    Greater => bool_v(x > y),
                    GreaterEq => bool_v(x >= y),
                    Plus => Value::new(ValueKind::Number(x + y), origin),
                    Minus => Value::new(ValueKind::Number(x - y), origin),
                    Mul => Value::new(ValueKind::Number(x * y), origin),
                    Div if y != 0.0 => Value::new(ValueKind::Number(x / y), origin),
                    Mod if y != 0.0 => Value::new(ValueKind::Number(x % y), origin),
                    _ => Value::unknown(origin),
                },
                _ => Value::unknown(origin),
            },
        }
    }

    fn eval_call(&self, c: &FunctionCall, scope: &Scope, d: usize, origin: Origin) -> Value {
        let name = c
            .name
            .strip_prefix("provider::terraform::")
            .unwrap_or(&c.name);
        if c.expand_final {
            return Value::unknown(origin);
        }
        // `try` and `can` see whether their arguments fail, so they evaluate them one by one.
        match name {
            "try" => return self.eval_try(&c.args, scope, d, origin),
            "can" => {
                let Some(arg) = c.args.first() else {
                    return Value::unknown(origin);
                };
                let outer = self.errored.replace(false);
                let v = self.eval_in(arg, scope, d);
                let failed = self.errored.replace(outer);
                return match (failed, v.contains_unknown()) {
                    (true, _) => Value::new(ValueKind::Bool(false), origin),
                    (false, false) => Value::new(ValueKind::Bool(true), origin),
                    (false, true) => Value::unknown(origin),
                };
            }
            _ => {}
        }
        let args: Vec<Value> = c.args.iter().map(|a| self.eval_in(a, scope, d)).collect();
        let s = |i: usize| args.get(i).and_then(Value::as_str);
        // Every result larger than a scalar is charged before it is built: its size is
        // measured first (a text's length, the weight of a collection's elements).
        let text = |t: String| self.charged_text(t, origin);
        let fits = |bytes: usize| self.charge(bytes, origin);
        let copy = |v: &Value| self.cloned(v, origin);
        let total_weight = |values: &[Value]| {
            values
                .iter()
                .map(Value::weight)
                .fold(0, usize::saturating_add)
        };
        let list = |items: Vec<Value>| Value::new(ValueKind::List(items.into()), origin);
        let boolean = |b: bool| Value::new(ValueKind::Bool(b), origin);
        match name {
            "jsonencode" => match args.first() {
                Some(v) if !v.contains_unknown() => {
                    if !fits(string_weight(json_encoded_len_bound(v))) {
                        return Value::unknown(origin);
                    }
                    let json = serde_json::to_string(&v.to_json()).unwrap_or_default();
                    Value::string(json, origin)
                }
                _ => Value::unknown(origin),
            },
            // Charged before it is parsed, for as many elements as the text may hold.
            "jsondecode" => match args.first().and_then(Value::as_str) {
                Some(text) if self.charge(json_decoded_weight_bound(text), origin) => {
                    crate::load::json::parse(text, FileId(u32::MAX), 0)
                        .map(|v| with_origin(v, origin))
                        .unwrap_or(Value::unknown(origin))
                }
                _ => Value::unknown(origin),
            },
            "file" => match s(0) {
                Some(p) => match self.read_file(p, origin) {
                    Some((_, t)) => text(t),
                    None => Value::unknown(origin),
                },
                None => Value::unknown(origin),
            },
            "templatefile" => {
                let (Some(p), Some(vars)) = (s(0), args.get(1)) else {
                    return Value::unknown(origin);
                };
                let Some((_, t)) = self.read_file(p, origin) else {
                    return Value::unknown(origin);
                };
                let limit = self
                    .remaining_value_bytes()
                    .saturating_sub(STRING_HEADER_BYTES);
                match render_template_within(&t, vars, limit) {
                    Rendered::Text(t) => text(t),
                    Rendered::Unsupported => Value::unknown(origin),
                    Rendered::TooLarge => {
                        fits(usize::MAX);
                        Value::unknown(origin)
                    }
                }
            }
            // A character may change length with its case (`ß` → `SS`): measured first.
            "lower" => match s(0) {
                Some(x) if fits(string_weight(changed_case_len(x, char::to_lowercase))) => {
                    Value::string(x.to_lowercase(), origin)
                }
                _ => Value::unknown(origin),
            },
            "upper" => match s(0) {
                Some(x) if fits(string_weight(changed_case_len(x, char::to_uppercase))) => {
                    Value::string(x.to_uppercase(), origin)
                }
                _ => Value::unknown(origin),
            },
            "tostring" => match args.first() {
                Some(v) if v.is_null() => Value::null(origin),
                Some(v) => scalar_to_string(v)
                    .map(text)
                    .unwrap_or(Value::unknown(origin)),
                None => Value::unknown(origin),
            },
            "tonumber" => args
                .first()
                .and_then(Value::as_f64)
                .map(|n| Value::new(ValueKind::Number(n), origin))
                .unwrap_or(Value::unknown(origin)),
            "tobool" => args
                .first()
                .and_then(Value::as_bool)
                .map(boolean)
                .unwrap_or(Value::unknown(origin)),
            "tolist" | "tomap" => args.first().map(copy).unwrap_or(Value::unknown(origin)),
            // At most the list itself.
            "toset" | "distinct" => match args.first().map(|a| &a.kind) {
                Some(ValueKind::List(items))
                    if !args[0].contains_unknown() && fits(args[0].weight()) =>
                {
                    list(as_set(items, name == "toset"))
                }
                _ => Value::unknown(origin),
            },
            "concat" => {
                if args.iter().any(|a| a.as_list().is_none()) || !fits(total_weight(&args)) {
                    return Value::unknown(origin);
                }
                let mut out = Vec::new();
                for items in args.iter().filter_map(Value::as_list) {
                    out.extend(items.iter().cloned());
                }
                list(out)
            }
            // At most the nested lists' weight.
            "flatten" => {
                let mut out = Vec::new();
                match args.first() {
                    Some(v) if fits(v.weight()) && flatten_into(v, &mut out) => list(out),
                    _ => Value::unknown(origin),
                }
            }
            // At most the objects' weight together.
            "merge" => {
                if !fits(total_weight(&args)) {
                    return Value::unknown(origin);
                }
                let mut out = IndexMap::new();
                for a in &args {
                    match &a.kind {
                        ValueKind::Object(m) => {
                            out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())))
                        }
                        // merge() skips null arguments.
                        ValueKind::Null => {}
                        _ => return Value::unknown(origin),
                    }
                }
                Value::new(ValueKind::object(out), origin)
            }
            // Terraform iterates maps in key order.
            "keys" => match args.first().map(|a| &a.kind) {
                Some(ValueKind::Object(m))
                    if fits(
                        m.keys()
                            .map(|k| string_weight(k.len()).saturating_add(ELEMENT_BYTES))
                            .fold(0, usize::saturating_add),
                    ) =>
                {
                    let mut keys: Vec<&String> = m.keys().collect();
                    keys.sort();
                    list(
                        keys.into_iter()
                            .map(|k| Value::string(k.clone(), origin))
                            .collect(),
                    )
                }
                _ => Value::unknown(origin),
            },
            "values" => match args.first().map(|a| &a.kind) {
                Some(ValueKind::Object(m))
                    if fits(
                        m.values()
                            .map(|v| v.weight().saturating_add(ELEMENT_BYTES))
                            .fold(0, usize::saturating_add),
                    ) =>
                {
                    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                    entries.sort_by(|a, b| a.0.cmp(b.0));
                    list(entries.into_iter().map(|(_, v)| v.clone()).collect())
                }
                _ => Value::unknown(origin),
            },
            "contains" => match (args.first().map(|a| &a.kind), args.get(1)) {
                (Some(ValueKind::List(items)), Some(x)) if !x.contains_unknown() => {
                    let x = x.to_json();
                    if items
                        .iter()
                        .any(|i| !i.contains_unknown() && i.to_json() == x)
                    {
                        boolean(true)
                    } else if items.iter().any(Value::contains_unknown) {
                        Value::unknown(origin)
                    } else {
                        boolean(false)
                    }
                }
                _ => Value::unknown(origin),
            },
            "compact" => match args.first().map(|a| &a.kind) {
                Some(ValueKind::List(items)) => {
                    if items.iter().any(Value::is_unknown) || !fits(args[0].weight()) {
                        return Value::unknown(origin);
                    }
                    list(
                        items
                            .iter()
                            .filter(|i| !i.is_null() && i.as_str() != Some(""))
                            .cloned()
                            .collect(),
                    )
                }
                _ => Value::unknown(origin),
            },
            "element" => match (args.first().and_then(Value::as_list), args.get(1)) {
                (Some(items), Some(i)) if !items.is_empty() => match i.as_f64() {
                    Some(n) if n >= 0.0 => copy(&items[n as usize % items.len()]),
                    _ => Value::unknown(origin),
                },
                _ => Value::unknown(origin),
            },
            "one" => match args.first().map(|a| &a.kind) {
                Some(ValueKind::List(items)) if items.is_empty() => Value::null(origin),
                Some(ValueKind::List(items)) if items.len() == 1 => copy(&items[0]),
                _ => Value::unknown(origin),
            },
            "zipmap" => match (
                args.first().and_then(Value::as_list),
                args.get(1).and_then(Value::as_list),
            ) {
                (Some(keys), Some(values)) if keys.len() == values.len() => {
                    let weight = keys
                        .iter()
                        .zip(values)
                        .map(|(k, v)| {
                            k.as_str()
                                .map_or(0, str::len)
                                .saturating_add(v.weight())
                                .saturating_add(MEMBER_BYTES)
                        })
                        .fold(0, usize::saturating_add);
                    if !fits(weight) {
                        return Value::unknown(origin);
                    }
                    let mut out = IndexMap::new();
                    for (k, v) in keys.iter().zip(values) {
                        match k.as_str() {
                            Some(k) => {
                                out.insert(k.to_string(), v.clone());
                            }
                            None => return Value::unknown(origin),
                        }
                    }
                    Value::new(ValueKind::object(out), origin)
                }
                _ => Value::unknown(origin),
            },
            "alltrue" | "anytrue" => match args.first().and_then(Value::as_list) {
                Some(items) => {
                    let wanted = name == "anytrue";
                    let bools: Vec<Option<bool>> = items.iter().map(Value::as_bool).collect();
                    if bools.contains(&Some(wanted)) {
                        boolean(wanted)
                    } else if bools.iter().all(Option::is_some) {
                        boolean(!wanted)
                    } else {
                        Value::unknown(origin)
                    }
                }
                None => Value::unknown(origin),
            },
            // Measured before it is built: the parts and a separator between each two.
            "join" => match (s(0), args.get(1).and_then(Value::as_list)) {
                (Some(sep), Some(items)) => {
                    let Some(parts_len) = items
                        .iter()
                        .map(scalar_len)
                        .try_fold(0, |total: usize, len| Some(total.saturating_add(len?)))
                    else {
                        return Value::unknown(origin);
                    };
                    let len = sep
                        .len()
                        .saturating_mul(items.len().saturating_sub(1))
                        .saturating_add(parts_len);
                    if !fits(string_weight(len)) {
                        return Value::unknown(origin);
                    }
                    let mut out = String::with_capacity(len);
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push_str(sep);
                        }
                        match item.as_str() {
                            Some(part) => out.push_str(part),
                            None => out.push_str(&scalar_to_string(item).unwrap_or_default()),
                        }
                    }
                    Value::string(out, origin)
                }
                _ => Value::unknown(origin),
            },
            // Charged before it is built: every piece is an element.
            "split" => match (s(0), s(1)) {
                (Some(sep), Some(x)) if !sep.is_empty() => {
                    let weight = x
                        .split(sep)
                        .map(|p| string_weight(p.len()).saturating_add(ELEMENT_BYTES))
                        .fold(0, usize::saturating_add);
                    if !self.charge(weight, origin) {
                        return Value::unknown(origin);
                    }
                    list(x.split(sep).map(|p| Value::string(p, origin)).collect())
                }
                _ => Value::unknown(origin),
            },
            // A literal substring only: `/…/` patterns are regular expressions.
            "replace" => match (s(0), s(1), s(2)) {
                (Some(x), Some(from), Some(to)) if !from.is_empty() && !is_pattern(from) => {
                    // Measured before it is built: each occurrence grows or shrinks it.
                    let occurrences = x.matches(from).count();
                    let len = (x.len() - occurrences * from.len())
                        .saturating_add(occurrences.saturating_mul(to.len()));
                    if !fits(string_weight(len)) {
                        return Value::unknown(origin);
                    }
                    Value::string(x.replace(from, to), origin)
                }
                _ => Value::unknown(origin),
            },
            "format" => match s(0) {
                Some(fmt) => format_fn(fmt, &args[1..], |len| fits(string_weight(len)))
                    .map(|t| Value::string(t, origin))
                    .unwrap_or(Value::unknown(origin)),
                None => Value::unknown(origin),
            },
            "coalesce" => args
                .iter()
                .find(|a| !a.is_null() && a.as_str() != Some(""))
                .filter(|a| !a.is_unknown())
                .map(copy)
                .unwrap_or(Value::unknown(origin)),
            "coalescelist" => args
                .iter()
                .find(|a| !matches!(&a.kind, ValueKind::List(items) if items.is_empty()))
                .filter(|a| a.as_list().is_some())
                .map(copy)
                .unwrap_or(Value::unknown(origin)),
            "lookup" => match (args.first(), s(1)) {
                (Some(m), Some(k)) if m.as_object().is_some() => m
                    .get(k)
                    .or_else(|| args.get(2))
                    .map(copy)
                    .unwrap_or(Value::unknown(origin)),
                _ => Value::unknown(origin),
            },
            "length" => match args.first().map(|a| &a.kind) {
                Some(ValueKind::List(l)) => Value::new(ValueKind::Number(l.len() as f64), origin),
                Some(ValueKind::Object(m)) => Value::new(ValueKind::Number(m.len() as f64), origin),
                Some(ValueKind::String(x)) => {
                    Value::new(ValueKind::Number(x.chars().count() as f64), origin)
                }
                _ => Value::unknown(origin),
            },
            "min" | "max" => {
                let nums: Option<Vec<f64>> = args.iter().map(Value::as_f64).collect();
                match nums {
                    Some(n) if !n.is_empty() => {
                        let r = if name == "min" {
                            n.iter().cloned().fold(f64::INFINITY, f64::min)
                        } else {
                            n.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                        };
                        Value::new(ValueKind::Number(r), origin)
                    }
                    _ => Value::unknown(origin),
                }
            }
            _ => Value::unknown(origin),
        }
    }

    /// `try(a, b, …)`: the first argument that evaluates without an error. An argument
    /// that is unknown without failing makes the result unknown (it may succeed).
    fn eval_try(&self, args: &[Expr], scope: &Scope, d: usize, origin: Origin) -> Value {
        let outer = self.errored.get();
        for (i, arg) in args.iter().enumerate() {
            self.errored.set(false);
            let v = self.eval_in(arg, scope, d);
            let failed = self.errored.get();
            if i + 1 == args.len() || (!failed && !v.contains_unknown()) {
                self.errored.set(outer || failed);
                return v;
            }
            if !failed {
                self.errored.set(outer);
                return Value::unknown(origin);
            }
        }
        self.errored.set(outer);
        Value::unknown(origin)
    }

    /// Whether `path` was read by [`Evaluator::read_file`] and does not exist (its value is
    /// unknown, and nothing was noted: the caller knows whether that matters).
    pub fn file_is_missing(&self, path: &str) -> bool {
        matches!(
            self.read_cache.borrow().get(&self.resolve_path(path)),
            Some(Err(Unread::Missing))
        )
    }

    /// Reads a file named by `file()`/`templatefile()` at `origin` (relative paths against
    /// the root module's directory, as Terraform resolves them), through the module's file
    /// source: inside the read root and the size limit. A file outside the root, or one
    /// that is not a regular file or too large, is noted once; a missing one is unknown.
    pub fn read_file(&self, path: &str, origin: Origin) -> Option<(FileId, String)> {
        let p = self.resolve_path(path);
        if let Some(cached) = self.read_cache.borrow().get(&p) {
            let id = cached.ok()?;
            let text = self.files.borrow().get(id).text().to_string();
            return Some((id, text));
        }
        let read = self.file_source.read(&p);
        let id = match &read {
            Ok(text) => Ok(self
                .files
                .borrow_mut()
                .add(SourceFile::new(p.clone(), text.as_str()))),
            Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(Unread::Missing)
            }
            Err(e) => {
                let (help, why) = match e {
                    ReadError::OutsideRoot => (
                        "keep the file inside the repository, or widen the read root with \
                         `--root DIR`",
                        "it is outside the read root".to_string(),
                    ),
                    ReadError::TooLarge(_) => (
                        "raise the limit with `--max-file-size` (or `max_file_size` in \
                         tfstack.toml)",
                        e.message(),
                    ),
                    _ => ("", e.message()),
                };
                self.note(
                    origin,
                    format!(
                        "`{}` was not read ({why}): its value is unknown",
                        crate::error::display_path(&p)
                    ),
                    help,
                );
                Err(Unread::Noted)
            }
        };
        self.read_cache.borrow_mut().insert(p, id);
        Some((id.ok()?, read.ok()?))
    }
}

/// Why a file `file()`/`templatefile()` named was not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unread {
    /// It does not exist (unknown, not noted).
    Missing,
    /// It could not be read, and a note says why.
    Noted,
}

/// The elements of a list once each (first occurrence kept); for a set of strings sorted,
/// as Terraform orders sets.
fn as_set(items: &[Value], sort: bool) -> Vec<Value> {
    let mut seen = HashSet::new();
    let mut out: Vec<Value> = items
        .iter()
        .filter(|i| seen.insert(i.to_json().to_string()))
        .cloned()
        .collect();
    if sort && out.iter().all(|v| v.as_str().is_some()) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    out
}

/// At least what `jsondecode` of `text` weighs once parsed ([`Value::weight`]), without
/// parsing it: every element or member begins after a `[`, `{` or `,` outside strings,
/// and is counted as a member holding a string; the strings' text is at most the text's.
fn json_decoded_weight_bound(text: &str) -> usize {
    let mut elements: usize = 1;
    let mut in_string = false;
    let mut escaped = false;
    for b in text.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' | b',' => elements = elements.saturating_add(1),
                _ => {}
            }
        }
    }
    elements
        .saturating_mul(MEMBER_BYTES.saturating_add(STRING_HEADER_BYTES))
        .saturating_add(text.len())
}

/// Whether a `replace()` search string is a regular expression (`/…/`).
fn is_pattern(search: &str) -> bool {
    search.len() > 1 && search.starts_with('/') && search.ends_with('/')
}

/// Appends the elements of nested lists to `out`; `false` when something is unknown.
fn flatten_into(v: &Value, out: &mut Vec<Value>) -> bool {
    match &v.kind {
        ValueKind::List(items) => items.iter().all(|i| match &i.kind {
            ValueKind::List(_) => flatten_into(i, out),
            ValueKind::Unknown => false,
            _ => {
                out.push(i.clone());
                true
            }
        }),
        _ => false,
    }
}

/// `to` relative to `from`, both as named (lexically): `.` when they are the same
/// directory, `modules/x` below it, `../x` beside it.
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    use std::path::Component;
    let from = normalize(from);
    let to = normalize(to);
    let from: Vec<Component> = from
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    let to: Vec<Component> = to
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    // A `..` left in `from` past the common part cannot be climbed back lexically.
    if from[common..].contains(&Component::ParentDir) {
        return to.iter().collect();
    }
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// A scalar as Terraform would convert it to a string.
pub fn scalar_to_string(v: &Value) -> Option<String> {
    match &v.kind {
        ValueKind::String(s) => Some(s.to_string()),
        ValueKind::Bool(b) => Some(b.to_string()),
        ValueKind::Number(n) => Some(if n.fract() == 0.0 && n.abs() < 1e15 {
            format!("{}", *n as i64)
        } else {
            n.to_string()
        }),
        _ => None,
    }
}

/// Sets `origin` on a value and everything in it.
pub fn with_origin(mut v: Value, origin: Origin) -> Value {
    v.origin = origin;
    match &mut v.kind {
        ValueKind::List(items) => {
            for i in items.iter_mut() {
                *i = with_origin(std::mem::replace(i, Value::null(origin)), origin);
            }
        }
        ValueKind::Object(m) => {
            for (_, i) in Arc::make_mut(m).iter_mut() {
                *i = with_origin(std::mem::replace(i, Value::null(origin)), origin);
            }
        }
        _ => {}
    }
    v
}

/// `format()` with `%s`, `%d`, `%v` and `%%` (no widths or precisions: a format with one
/// is unknown). The result is measured first and built only when `fits` its length.
fn format_fn(fmt: &str, args: &[Value], fits: impl FnOnce(usize) -> bool) -> Option<String> {
    let mut len: usize = 0;
    let mut it = args.iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        let piece = match c {
            '%' => match chars.next()? {
                '%' => 1,
                's' | 'd' | 'v' => scalar_len(it.next()?)?,
                _ => return None,
            },
            c => c.len_utf8(),
        };
        len = len.saturating_add(piece);
    }
    if !fits(len) {
        return None;
    }
    let mut out = String::with_capacity(len);
    let mut it = args.iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            _ => match it.next()? {
                Value {
                    kind: ValueKind::String(text),
                    ..
                } => out.push_str(text),
                scalar => out.push_str(&scalar_to_string(scalar)?),
            },
        }
    }
    Some(out)
}

/// The length of [`scalar_to_string`] of `v`, without copying a string.
fn scalar_len(v: &Value) -> Option<usize> {
    match &v.kind {
        ValueKind::String(s) => Some(s.len()),
        _ => scalar_to_string(v).map(|s| s.len()),
    }
}

/// The length in bytes of `text` with each character's case changed by `change`
/// (`char::to_lowercase` or `char::to_uppercase`), without building it.
fn changed_case_len<I: Iterator<Item = char>>(text: &str, change: impl Fn(char) -> I) -> usize {
    text.chars()
        .map(|c| change(c).map(char::len_utf8).sum::<usize>())
        .fold(0, usize::saturating_add)
}

/// At least the length of `jsonencode` of `v`, without building it: strings escaped as
/// serde_json escapes them, every number as long as the longest it writes.
fn json_encoded_len_bound(v: &Value) -> usize {
    fn quoted(text: &str) -> usize {
        text.chars()
            .map(|c| match c {
                '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
                c if (c as u32) < 0x20 => 6,
                c => c.len_utf8(),
            })
            .fold(2, usize::saturating_add)
    }
    // Brackets, and a comma between each two elements.
    let brackets = |n: usize| n.saturating_add(1).max(2);
    match &v.kind {
        ValueKind::Null | ValueKind::Unknown => 4,
        ValueKind::Bool(_) => 5,
        ValueKind::Number(_) => 24,
        ValueKind::String(s) => quoted(s),
        ValueKind::List(items) => items
            .iter()
            .map(json_encoded_len_bound)
            .fold(brackets(items.len()), usize::saturating_add),
        ValueKind::Object(map) => map
            .iter()
            .map(|(k, v)| {
                quoted(k)
                    .saturating_add(1)
                    .saturating_add(json_encoded_len_bound(v))
            })
            .fold(brackets(map.len()), usize::saturating_add),
    }
}

/// Renders a template file's text with `vars` (an object value): `${name}` and `$${`
/// escapes. Returns `None` when the template uses anything but plain variable names, a
/// variable is unknown, or the text would grow past [`MAX_VALUE_BYTES`].
pub fn render_template_text(text: &str, vars: &Value) -> Option<String> {
    match render_template_within(text, vars, MAX_VALUE_BYTES) {
        Rendered::Text(text) => Some(text),
        Rendered::Unsupported | Rendered::TooLarge => None,
    }
}

/// What rendering a template gave.
enum Rendered {
    Text(String),
    /// A directive, a name that is not a plain variable, or an unknown variable.
    Unsupported,
    /// The text would grow past the limit (it was measured, not built).
    TooLarge,
}

/// [`render_template_text`] with at most `limit` bytes of result: the text is measured
/// first and built only when it fits.
fn render_template_within(text: &str, vars: &Value, limit: usize) -> Rendered {
    let mut len: usize = 0;
    if template_pieces(text, vars, |piece| len = len.saturating_add(piece.len())).is_none() {
        return Rendered::Unsupported;
    }
    if len > limit {
        return Rendered::TooLarge;
    }
    let mut out = String::with_capacity(len);
    match template_pieces(text, vars, |piece| out.push_str(piece)) {
        Some(()) => Rendered::Text(out),
        None => Rendered::Unsupported,
    }
}

/// Hands `piece` each piece of a template's rendered text in order: literal text, escapes
/// and the values of `${name}`. `None` when the template uses anything but plain variable
/// names or a variable is unknown.
fn template_pieces(text: &str, vars: &Value, mut piece: impl FnMut(&str)) -> Option<()> {
    let mut rest = text;
    while let Some(i) = rest.find(['$', '%']) {
        piece(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("$${") || tail.starts_with("%%{") {
            piece(&tail[1..3]);
            rest = &tail[3..];
        } else if tail.starts_with("${") {
            let end = tail.find('}')?;
            let v = vars.get(tail[2..end].trim())?;
            match &v.kind {
                ValueKind::String(s) => piece(s),
                _ => piece(&scalar_to_string(v)?),
            }
            rest = &tail[end + 1..];
        } else if tail.starts_with("%{") {
            return None;
        } else {
            piece(&tail[..1]);
            rest = &tail[1..];
        }
    }
    piece(rest);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{ReadRoot, Reader};

    /// The blocks of HCL `text`.
    fn config_of(text: &str) -> Config {
        let body = crate::load::hcl::parse_body(text, FileId(0)).expect("parses");
        Config {
            blocks: body.blocks().cloned().collect(),
        }
    }

    /// An evaluator of `config` in directory `dir`, with no variables set.
    fn evaluator<'a>(config: &'a Config, dir: &str, source: &'a dyn FileSource) -> Evaluator<'a> {
        Evaluator::new(
            config,
            PathBuf::from(dir),
            SourceFiles::default(),
            source,
            &HashMap::new(),
        )
    }

    /// The value of `local.result` in a module of `text` (with `dir` as its directory).
    fn local_in(text: &str, dir: &str, source: &dyn FileSource) -> (Value, Vec<EvalNote>) {
        let config = config_of(text);
        let ev = evaluator(&config, dir, source);
        let v = ev.local("result", 0);
        (v, ev.notes())
    }

    /// `local.result` as JSON (unknowns as `"?"`).
    fn result(text: &str) -> String {
        let (v, _) = local_in(text, ".", &MemoryFiles::default());
        shown(&v).to_string()
    }

    fn shown(v: &Value) -> serde_json::Value {
        match &v.kind {
            ValueKind::Unknown => serde_json::Value::String("?".into()),
            ValueKind::List(items) => items.iter().map(shown).collect(),
            ValueKind::Object(map) => {
                serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), shown(v))).collect())
            }
            _ => v.to_json(),
        }
    }

    #[test]
    fn blocks_are_found_by_address() {
        let config = config_of(
            r#"
resource "aws_sqs_queue" "b" { name = "first" }
data "aws_sqs_queue" "b" { name = "data" }
resource "aws_sqs_queue" "a" { name = "a" }
resource "aws_sns_topic" "b" { name = "topic" }
resource "aws_sqs_queue" "b" { name = "second" }
locals { x = 1 }
"#,
        );
        let files = MemoryFiles::default();
        let ev = evaluator(&config, ".", &files);
        let name = |address: &str| {
            ev.block(address)
                .and_then(|b| b.body.get("name"))
                .map(|e| shown(&ev.eval(e)).to_string())
        };
        assert_eq!(name("aws_sqs_queue.a").as_deref(), Some(r#""a""#));
        assert_eq!(name("data.aws_sqs_queue.b").as_deref(), Some(r#""data""#));
        assert_eq!(name("aws_sns_topic.b").as_deref(), Some(r#""topic""#));
        // Two blocks at one address (Terraform refuses the module): the later one.
        assert_eq!(name("aws_sqs_queue.b").as_deref(), Some(r#""second""#));
        for missing in [
            "aws_sqs_queue.c",
            "data.aws_sqs_queue.a",
            "aws_sqs_queue",
            "data.x",
        ] {
            assert_eq!(name(missing), None, "{missing}");
        }
    }

    #[test]
    fn a_conditional_on_an_unknown_value_is_known_only_when_both_branches_are() {
        // `arn == null ? null : …` with an ARN known only after apply: the condition is
        // unknown, and the branches are not both known and equal (an unknown value's
        // JSON is `null`, which once made the conditional `null`).
        let text = |result: &str| {
            format!(
                "resource \"aws_sqs_queue\" \"dlq\" {{}}\nlocals {{\n  arn = aws_sqs_queue.dlq.arn\n  result = {result}\n}}\n"
            )
        };
        assert_eq!(
            result(&text("local.arn == null ? null : local.arn")),
            r#""?""#
        );
        assert_eq!(
            result(&text("local.arn == null ? local.arn : null")),
            r#""?""#
        );
        assert_eq!(
            result(&text(
                "local.arn == null ? null : jsonencode({ a = local.arn })"
            )),
            r#""?""#
        );
        assert_eq!(result(&text("local.arn == null ? \"x\" : \"x\"")), r#""x""#);
        assert_eq!(result(&text("local.arn == null ? null : null")), "null");
    }

    #[test]
    fn for_expressions_evaluate_where_their_inputs_are_known() {
        let cases = [
            (
                r#"result = { for k, v in { a = 1, b = 2 } : k => v if v > 1 }"#,
                r#"{"b":2}"#,
            ),
            (
                r#"result = { for k, v in { a = 1 } : k => v if false }"#,
                r#"{}"#,
            ),
            (
                r#"result = [for s in ["x", "y"] : upper(s)]"#,
                r#"["X","Y"]"#,
            ),
            (r#"result = [for i, s in ["x", "y"] : i]"#, r#"[0,1]"#),
            (
                r#"result = { for s in ["a", "b", "a"] : s => s... }"#,
                r#"{"a":["a","a"],"b":["b"]}"#,
            ),
            // Unknown collection, condition or key: unknown.
            (r#"result = [for s in var.unset : s]"#, r#""?""#),
            (r#"result = [for s in ["a"] : s if var.unset]"#, r#""?""#),
            (r#"result = { for s in ["a"] : var.unset => s }"#, r#""?""#),
        ];
        for (text, expected) in cases {
            let text = format!("variable \"unset\" {{}}\nlocals {{\n  {text}\n}}\n");
            assert_eq!(result(&text), expected, "{text}");
        }
    }

    #[test]
    fn collection_functions_evaluate_where_their_inputs_are_known() {
        let cases = [
            (r#"toset(["b", "a", "b"])"#, r#"["a","b"]"#),
            (r#"distinct(["b", "a", "b"])"#, r#"["b","a"]"#),
            (r#"merge({ a = 1 }, null, { b = 2 })"#, r#"{"a":1,"b":2}"#),
            (r#"keys({ b = 1, a = 2 })"#, r#"["a","b"]"#),
            (r#"values({ b = 1, a = 2 })"#, r#"[2,1]"#),
            (r#"flatten([["a"], [["b"]], []])"#, r#"["a","b"]"#),
            (r#"lookup({ a = 1 }, "b", 3)"#, r#"3"#),
            (r#"coalesce(null, "", "x")"#, r#""x""#),
            (r#"coalesce(var.unset, "x")"#, r#""?""#),
            (r#"contains(["a"], "a")"#, r#"true"#),
            (r#"compact(["a", "", null])"#, r#"["a"]"#),
            (r#"length({ for k in ["a"] : k => k })"#, r#"1"#),
            (r#"one([])"#, r#"null"#),
            (r#"zipmap(["a"], [1])"#, r#"{"a":1}"#),
            (r#"var.unset == null ? 1 : 2"#, r#""?""#),
            (r#"true ? null : 1"#, r#"null"#),
        ];
        for (expr, expected) in cases {
            let text = format!("variable \"unset\" {{}}\nlocals {{\n  result = {expr}\n}}\n");
            assert_eq!(result(&text), expected, "{expr}");
        }
    }

    #[test]
    fn try_falls_back_on_errors_not_on_unknown_values() {
        let cases = [
            (r#"try(local.known.missing, "fallback")"#, r#""fallback""#),
            (r#"try(local.known.present, "fallback")"#, r#""yes""#),
            (r#"try(local.known["missing"], 3)"#, r#"3"#),
            (r#"try(local.list[5], 3)"#, r#"3"#),
            // An unknown value may be fine: unknown.
            (r#"try(var.unset.x, "fallback")"#, r#""?""#),
            (r#"can(local.known.missing)"#, r#"false"#),
            (r#"can(local.known.present)"#, r#"true"#),
            (r#"can(var.unset.x)"#, r#""?""#),
            // A declared type may add the attribute (optional()): unknown, not an error.
            (r#"try(var.typed.missing, "fallback")"#, r#""?""#),
        ];
        for (expr, expected) in cases {
            let text = format!(
                "variable \"unset\" {{}}\nvariable \"typed\" {{\n  type    = object({{ a = string }})\n  default = {{ a = \"x\" }}\n}}\nlocals {{\n  known  = {{ present = \"yes\" }}\n  list   = [1]\n  result = {expr}\n}}\n"
            );
            assert_eq!(result(&text), expected, "{expr}");
        }
    }

    #[test]
    fn variables_take_their_types_optional_attributes() {
        let text = r#"
variable "targets" {
  type = map(object({
    arn      = string
    dlq      = optional(string)
    retries  = optional(number, 3)
    settings = optional(object({ enabled = optional(bool, true) }), {})
  }))
  default = {
    a = { arn = "x" }
    b = { arn = "y", dlq = "z", retries = null }
  }
}
locals {
  result = var.targets
}
"#;
        assert_eq!(
            result(text),
            r#"{"a":{"arn":"x","dlq":null,"retries":3,"settings":{"enabled":true}},"b":{"arn":"y","dlq":"z","retries":3,"settings":{"enabled":true}}}"#
        );
    }

    #[test]
    fn paths_resolve_against_the_root_module() {
        let text = "locals {\n  result = [path.module, path.root, path.cwd]\n}\n";
        let config = config_of(text);
        let files = MemoryFiles::default();
        let ev = evaluator(&config, "envs/../modules/queue", &files)
            .with_root(PathBuf::from("envs/prod"));
        assert_eq!(
            shown(&ev.local("result", 0)).to_string(),
            r#"["../../modules/queue",".","."]"#
        );
        assert_eq!(
            ev.resolve_path("templates/x.json"),
            PathBuf::from("envs/prod/templates/x.json")
        );
        assert_eq!(
            ev.resolve_path("./../../modules/queue/policy.json"),
            PathBuf::from("modules/queue/policy.json")
        );
        assert_eq!(
            relative_path(Path::new("a"), Path::new("a")),
            PathBuf::from(".")
        );
        assert_eq!(
            relative_path(Path::new("."), Path::new("m/x")),
            PathBuf::from("m/x")
        );
    }

    #[test]
    fn a_value_past_the_budget_is_unknown_and_noted_once() {
        // Nine locals, each the previous one eight times: 110 × 8⁸ bytes unbounded.
        let mut text = format!("locals {{\n  l0 = \"{}\"\n", "a".repeat(110));
        for i in 1..9 {
            text.push_str(&format!(
                "  l{i} = \"{}\"\n",
                format!("${{local.l{}}}", i - 1).repeat(8)
            ));
        }
        text.push_str("}\n");
        let config = config_of(&text);
        let files = MemoryFiles::default();
        let ev = Evaluator::new(
            &config,
            PathBuf::from("."),
            SourceFiles::default(),
            &files,
            &HashMap::new(),
        );
        let local = |name: &str| ev.eval(&Expr::local(name));
        assert!(local("l8").is_unknown());
        // Values within the budget are still known, each on its own.
        assert_eq!(
            local("l5").as_str().map(str::len),
            Some(110 * 8usize.pow(5))
        );
        assert!(local("l7").is_unknown());
        let notes = ev.notes();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].message.contains("evaluation budget of 16 MiB"),
            "{notes:?}"
        );
    }

    /// A module file source holding `files` (path → text).
    fn memory_files(files: &[(&str, String)]) -> MemoryFiles {
        MemoryFiles(
            files
                .iter()
                .map(|(path, text)| (PathBuf::from(path), text.clone()))
                .collect(),
        )
    }

    /// Whether `notes` is the one note of a value past the budget.
    fn noted_past_the_budget(notes: &[EvalNote]) -> bool {
        notes.len() == 1 && notes[0].message.contains("evaluation budget of 16 MiB")
    }

    #[test]
    fn split_and_jsondecode_are_charged_for_every_element() {
        // 1 MiB of separators: a million empty pieces, each a value of 32 bytes.
        let files = memory_files(&[
            ("commas.txt", ",".repeat(1 << 20)),
            ("zeros.json", format!("[{}0]", "0,".repeat(1 << 20))),
        ]);
        let (v, notes) = local_in(
            r#"locals { result = split(",", file("commas.txt")) }"#,
            ".",
            &files,
        );
        assert!(v.is_unknown() && noted_past_the_budget(&notes), "{notes:?}");
        let (v, notes) = local_in(
            r#"locals { result = jsondecode(file("zeros.json")) }"#,
            ".",
            &files,
        );
        assert!(v.is_unknown() && noted_past_the_budget(&notes), "{notes:?}");
        // Small ones are known.
        assert_eq!(
            result(r#"locals { result = split(",", "a,,b") }"#),
            r#"["a","","b"]"#
        );
        assert_eq!(
            result(r#"locals { result = jsondecode("{\"a\": [1, \"x,[\"]}") }"#),
            r#"{"a":[1,"x,["]}"#
        );
    }

    #[test]
    fn collection_results_are_charged_before_they_are_built() {
        // 100,000 empty pieces: a list of 3.2 MB; an object of 50,000 members of 3.9 MB.
        let files = memory_files(&[
            ("commas.txt", ",".repeat(99_999)),
            ("fewer.txt", ",".repeat(49_999)),
        ]);
        let module = |result: &str| {
            format!(
                "locals {{\n  l = split(\",\", file(\"commas.txt\"))\n  \
                 m = {{ for i, v in split(\",\", file(\"fewer.txt\")) : i => v }}\n  \
                 result = {result}\n}}\n"
            )
        };
        let evaluated = |result: &str| local_in(&module(result), ".", &files);
        // The arguments and the result together within the budget: known.
        for fits in [
            "concat(local.l, local.l)",
            "flatten([local.l, local.l])",
            "merge(local.m)",
            "merge(local.m, {})",
        ] {
            let (v, notes) = evaluated(fits);
            assert!(
                !v.contains_unknown() && notes.is_empty(),
                "{fits}: {notes:?}"
            );
        }
        // Past it: unknown, and noted.
        for past in [
            "concat(local.l, local.l, local.l)",
            "flatten([local.l, local.l, local.l])",
            "merge(local.m, local.m, local.m)",
        ] {
            let (v, notes) = evaluated(past);
            assert!(
                v.is_unknown() && noted_past_the_budget(&notes),
                "{past}: {notes:?}"
            );
        }
    }

    #[test]
    fn text_results_are_measured_before_they_are_built() {
        let files = memory_files(&[
            ("x.txt", "x".repeat(5_000)),
            ("big.txt", "b".repeat(100_000)),
            ("template.txt", "${v}".repeat(1_000)),
            // `ΐ`: two bytes, six once upper-cased.
            ("iota.txt", "ΐ".repeat(2_500_000)),
            // A control character: six bytes once JSON-encoded.
            ("control.txt", "\u{1}".repeat(50_000)),
        ]);
        let ones = vec!["1"; 200].join(", ");
        let copies = |name: &str, n: usize| vec![format!("local.{name}"); n].join(", ");
        let past = [
            r#"replace(local.x, "x", local.x)"#.to_string(),
            format!("join(local.big, [{ones}])"),
            format!("format(\"{}\", {})", "%s".repeat(100), copies("big", 100)),
            format!("jsonencode([{}])", copies("control", 60)),
            "upper(local.iota)".to_string(),
            r#"templatefile("template.txt", { v = join("", [local.x, local.x, local.x, local.x]) })"#
                .to_string(),
        ];
        for result in past {
            let text = format!(
                "locals {{\n  x = file(\"x.txt\")\n  big = file(\"big.txt\")\n  \
                 iota = file(\"iota.txt\")\n  control = file(\"control.txt\")\n  \
                 result = {result}\n}}\n"
            );
            let (v, notes) = local_in(&text, ".", &files);
            assert!(
                v.is_unknown() && noted_past_the_budget(&notes),
                "{result}: {notes:?}"
            );
        }
        // Within the budget, each is what Terraform gives.
        assert_eq!(
            result(r#"locals { result = replace("a-b-c", "-", "--") }"#),
            r#""a--b--c""#
        );
        assert_eq!(
            result(r#"locals { result = join(", ", ["a", 1, true]) }"#),
            r#""a, 1, true""#
        );
        assert_eq!(
            result(r#"locals { result = format("%s-%d%%", "a", 2) }"#),
            r#""a-2%""#
        );
        assert_eq!(
            result(r#"locals { result = upper("straße") }"#),
            r#""STRASSE""#
        );
        assert_eq!(
            result(r#"locals { result = jsonencode({ a = ["x\"", 1.5, null] }) }"#),
            r#""{\"a\":[\"x\\\"\",1.5,null]}""#
        );
    }

    #[test]
    fn files_outside_the_read_root_are_unknown_and_noted() {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::write(root.path().join("inside.json"), "{}").expect("write");
        let outside = tempfile::tempdir().expect("temp dir");
        let secret = outside.path().join("secret.json");
        std::fs::write(&secret, "{}").expect("write");
        let reader = Reader::default().inside(ReadRoot::new(root.path()).expect("root"));
        let disk = DiskFiles::new(reader);
        let text = format!(
            "locals {{\n  result = [file(\"inside.json\"), file(\"{}\"), file(\"missing.json\")]\n}}\n",
            secret.display()
        );
        let dir = root.path().to_string_lossy().to_string();
        let (v, notes) = local_in(&text, &dir, &disk);
        let items = v.as_list().expect("a list");
        assert_eq!(items[0].as_str(), Some("{}"));
        assert!(items[1].is_unknown() && items[2].is_unknown());
        // The missing file is unknown without a word (a build may make it).
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].message.contains("outside the read root"),
            "{notes:?}"
        );
    }
}
