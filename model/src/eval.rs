//! The evaluator: what can be known statically about a module's expressions.
//!
//! It resolves literals, variable defaults and tfvars, locals, string templates, simple
//! conditionals and operators, `jsonencode`/`jsondecode`, `file`/`templatefile` of local
//! files, and a handful of pure functions. Everything else — resource attributes AWS
//! computes, data sources, unknown functions — is `Unknown`, and rules never report on
//! an unknown value by itself.

use crate::ir::*;
use crate::origin::{FileId, Origin, SourceFile, SourceFiles, Span};
use crate::value::{Value, ValueKind};
use indexmap::IndexMap;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where `file()` and `templatefile()` read from: the disk, or the files a typed stack
/// generates (kept in memory).
pub trait FileSource {
    /// The text of `path`, or `None` when it cannot be read.
    fn read(&self, path: &Path) -> Option<String>;
}

/// Reads from the disk.
pub struct DiskFiles;

impl FileSource for DiskFiles {
    fn read(&self, path: &Path) -> Option<String> {
        // Policies are small; refuse anything huge rather than load it.
        let meta = std::fs::metadata(path).ok()?;
        if meta.len() > 16 * 1024 * 1024 {
            return None;
        }
        std::fs::read_to_string(path).ok()
    }
}

/// Files kept in memory (a typed stack's generated policies), by path.
#[derive(Default)]
pub struct MemoryFiles(pub HashMap<PathBuf, String>);

impl FileSource for MemoryFiles {
    fn read(&self, path: &Path) -> Option<String> {
        self.0.get(&normalize(path)).cloned()
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

/// The evaluation context of one module.
pub struct Evaluator<'a> {
    pub config: &'a Config,
    /// The module directory (`path.module`).
    pub module_dir: PathBuf,
    pub variables: HashMap<String, Value>,
    locals: HashMap<String, &'a Expr>,
    local_cache: RefCell<HashMap<String, Value>>,
    local_in_progress: RefCell<Vec<String>>,
    resources: HashMap<String, &'a Block>,
    pub files: RefCell<SourceFiles>,
    file_source: &'a dyn FileSource,
    /// Files read through `file()`/`templatefile()`: path → id (each read once).
    read_cache: RefCell<HashMap<PathBuf, Option<FileId>>>,
    /// Prefixes of JSON pointers inside a file that a Rust line wrote (typed stacks).
    pub source_maps: HashMap<PathBuf, Vec<(String, crate::origin::RustLocation)>>,
}

const MAX_DEPTH: usize = 64;

/// Extra names in scope (templatefile variables, `each`, dynamic iterators).
#[derive(Default, Clone)]
pub struct Scope {
    pub names: HashMap<String, Value>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator for `config`, whose variables take their defaults overridden by
    /// `overrides` (tfvars, `--var`).
    pub fn new(
        config: &'a Config,
        module_dir: PathBuf,
        files: SourceFiles,
        file_source: &'a dyn FileSource,
        overrides: &HashMap<String, Value>,
    ) -> Self {
        let mut locals = HashMap::new();
        let mut resources = HashMap::new();
        let mut variables = HashMap::new();
        for b in &config.blocks {
            match b.kind.as_str() {
                "locals" => {
                    for a in b.body.attributes() {
                        locals.insert(a.name.clone(), &a.value);
                    }
                }
                "resource" | "data" => {
                    resources.insert(b.address(), b);
                }
                _ => {}
            }
        }
        let mut ev = Evaluator {
            config,
            module_dir,
            variables: HashMap::new(),
            locals,
            local_cache: RefCell::new(HashMap::new()),
            local_in_progress: RefCell::new(Vec::new()),
            resources,
            files: RefCell::new(files),
            file_source,
            read_cache: RefCell::new(HashMap::new()),
            source_maps: HashMap::new(),
        };
        for b in config.blocks_of("variable") {
            let name = b.labels.first().cloned().unwrap_or_default();
            let value = match overrides.get(&name) {
                Some(v) => v.clone(),
                None => match b.body.get("default") {
                    Some(d) => ev.eval(d),
                    None => Value::unknown(b.origin),
                },
            };
            variables.insert(name, value);
        }
        for (k, v) in overrides {
            variables.entry(k.clone()).or_insert_with(|| v.clone());
        }
        ev.variables = variables;
        ev
    }

    /// The block at a resource address (`aws_sqs_queue.x`, `data.y.z`).
    pub fn block(&self, address: &str) -> Option<&'a Block> {
        self.resources.get(address).copied()
    }

    /// Evaluates an expression in the module scope.
    pub fn eval(&self, e: &Expr) -> Value {
        self.eval_in(e, &Scope::default(), 0)
    }

    pub fn eval_in(&self, e: &Expr, scope: &Scope, depth: usize) -> Value {
        let origin = e.origin;
        if depth > MAX_DEPTH {
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
                        if !t.contains_unknown() && t.to_json() == f.to_json() {
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
            ExprKind::Tuple(items) => Value::new(
                ValueKind::List(items.iter().map(|i| self.eval_in(i, scope, d)).collect()),
                origin,
            ),
            ExprKind::Object(items) => {
                let mut map = IndexMap::with_capacity(items.len());
                for it in items {
                    let key = match &it.key {
                        ObjectKey::Identifier(k) => Some(k.clone()),
                        ObjectKey::Expr(k) => {
                            // `(var.x)` keys and templates evaluate; a bare name is a string.
                            if let ExprKind::Traversal(t) = &k.kind {
                                if t.operators.is_empty() {
                                    Some(t.root.clone())
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
                Value::new(ValueKind::Object(map), origin)
            }
            ExprKind::Opaque(_) => Value::unknown(origin),
        }
    }

    fn eval_template(&self, t: &Template, scope: &Scope, d: usize, origin: Origin) -> Value {
        let mut out = String::new();
        for p in &t.parts {
            match p {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Interpolation(e) => {
                    let v = self.eval_in(e, scope, d);
                    match scalar_to_string(&v) {
                        Some(s) => out.push_str(&s),
                        None => return Value::unknown(origin),
                    }
                }
                TemplatePart::Directive(_) => return Value::unknown(origin),
            }
        }
        Value::string(out, origin)
    }

    fn eval_traversal(&self, t: &Traversal, scope: &Scope, d: usize, origin: Origin) -> Value {
        let mut names = t.attribute_names();
        let base = if let Some(v) = scope.names.get(&t.root) {
            return self.apply_operators(v.clone(), &t.operators, scope, d, origin);
        } else {
            match t.root.as_str() {
                "var" => {
                    let Some(name) = names.next() else {
                        return Value::unknown(origin);
                    };
                    let v = self
                        .variables
                        .get(name)
                        .cloned()
                        .unwrap_or(Value::unknown(origin));
                    return self.apply_operators(v, &t.operators[1..], scope, d, origin);
                }
                "local" => {
                    let Some(name) = names.next() else {
                        return Value::unknown(origin);
                    };
                    let v = self.local(name, d);
                    return self.apply_operators(v, &t.operators[1..], scope, d, origin);
                }
                "path" => match names.next() {
                    Some("module") | Some("root") | Some("cwd") => {
                        Value::string(self.module_dir.to_string_lossy().to_string(), origin)
                    }
                    _ => Value::unknown(origin),
                },
                "each" | "count" | "self" | "terraform" | "module" | "data" => {
                    Value::unknown(origin)
                }
                _ => {
                    // A resource attribute: known when the configuration sets it literally
                    // and the resource is a single instance.
                    let address = t.resource_address();
                    let attr = t.resource_attribute();
                    if let (Some(address), Some(attr)) = (address, attr) {
                        if let Some(block) = self.block(&address) {
                            if block.body.get("count").is_none()
                                && block.body.get("for_each").is_none()
                            {
                                if let Some(e) = block.body.get(attr) {
                                    let v = self.eval_in(e, &Scope::default(), d);
                                    return self.apply_operators(
                                        v,
                                        &t.operators[2..],
                                        scope,
                                        d,
                                        origin,
                                    );
                                }
                            }
                        }
                    }
                    Value::unknown(origin)
                }
            }
        };
        base
    }

    fn apply_operators(
        &self,
        mut v: Value,
        ops: &[TraversalOperator],
        scope: &Scope,
        d: usize,
        origin: Origin,
    ) -> Value {
        for op in ops {
            v = match op {
                TraversalOperator::Attribute(a) => match v.get(a) {
                    Some(x) => x.clone(),
                    None => return Value::unknown(origin),
                },
                TraversalOperator::Index(e) => {
                    let i = self.eval_in(e, scope, d);
                    match (&v.kind, &i.kind) {
                        (ValueKind::List(items), _) => match i.as_f64() {
                            Some(n) if n >= 0.0 && (n as usize) < items.len() => {
                                items[n as usize].clone()
                            }
                            _ => return Value::unknown(origin),
                        },
                        (ValueKind::Object(m), ValueKind::String(k)) => match m.get(k) {
                            Some(x) => x.clone(),
                            None => return Value::unknown(origin),
                        },
                        _ => return Value::unknown(origin),
                    }
                }
                TraversalOperator::LegacyIndex(n) => {
                    match v.as_list().and_then(|l| l.get(*n as usize)) {
                        Some(x) => x.clone(),
                        None => return Value::unknown(origin),
                    }
                }
                TraversalOperator::AttributeSplat | TraversalOperator::FullSplat => {
                    return Value::unknown(origin)
                }
            };
        }
        v
    }

    fn local(&self, name: &str, d: usize) -> Value {
        if let Some(v) = self.local_cache.borrow().get(name) {
            return v.clone();
        }
        let Some(expr) = self.locals.get(name) else {
            return Value::unknown(Origin::Generated);
        };
        if self.local_in_progress.borrow().iter().any(|n| n == name) {
            // A cycle: terraform rejects it; we just do not know.
            return Value::unknown(expr.origin);
        }
        self.local_in_progress.borrow_mut().push(name.to_string());
        let v = self.eval_in(expr, &Scope::default(), d);
        self.local_in_progress.borrow_mut().pop();
        self.local_cache
            .borrow_mut()
            .insert(name.to_string(), v.clone());
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
        let args: Vec<Value> = c.args.iter().map(|a| self.eval_in(a, scope, d)).collect();
        if c.expand_final {
            return Value::unknown(origin);
        }
        let s = |i: usize| args.get(i).and_then(|v| v.as_str().map(str::to_string));
        match name {
            "jsonencode" => match args.first() {
                Some(v) if !v.contains_unknown() => Value::string(
                    serde_json::to_string(&v.to_json()).unwrap_or_default(),
                    origin,
                ),
                _ => Value::unknown(origin),
            },
            "jsondecode" => match args.first().and_then(Value::as_str) {
                Some(text) => crate::load::json::parse(text, FileId(u32::MAX), 0)
                    .map(|v| with_origin(v, origin))
                    .unwrap_or(Value::unknown(origin)),
                None => Value::unknown(origin),
            },
            "file" => match s(0) {
                Some(p) => match self.read_file(&p) {
                    Some((_, text)) => Value::string(text, origin),
                    None => Value::unknown(origin),
                },
                None => Value::unknown(origin),
            },
            "templatefile" => {
                let (Some(p), Some(vars)) = (s(0), args.get(1)) else {
                    return Value::unknown(origin);
                };
                let Some((_, text)) = self.read_file(&p) else {
                    return Value::unknown(origin);
                };
                match render_template_text(&text, vars) {
                    Some(t) => Value::string(t, origin),
                    None => Value::unknown(origin),
                }
            }
            "lower" => s(0)
                .map(|x| Value::string(x.to_lowercase(), origin))
                .unwrap_or(Value::unknown(origin)),
            "upper" => s(0)
                .map(|x| Value::string(x.to_uppercase(), origin))
                .unwrap_or(Value::unknown(origin)),
            "tostring" => args
                .first()
                .and_then(scalar_to_string)
                .map(|x| Value::string(x, origin))
                .unwrap_or(Value::unknown(origin)),
            "tonumber" => args
                .first()
                .and_then(Value::as_f64)
                .map(|n| Value::new(ValueKind::Number(n), origin))
                .unwrap_or(Value::unknown(origin)),
            "tobool" => args
                .first()
                .and_then(Value::as_bool)
                .map(|b| Value::new(ValueKind::Bool(b), origin))
                .unwrap_or(Value::unknown(origin)),
            "tolist" | "toset" | "tomap" => args.first().cloned().unwrap_or(Value::unknown(origin)),
            "concat" => {
                let mut out = Vec::new();
                for a in &args {
                    match a.as_list() {
                        Some(items) => out.extend(items.iter().cloned()),
                        None => return Value::unknown(origin),
                    }
                }
                Value::new(ValueKind::List(out), origin)
            }
            "merge" => {
                let mut out = IndexMap::new();
                for a in &args {
                    match a.as_object() {
                        Some(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
                        None => return Value::unknown(origin),
                    }
                }
                Value::new(ValueKind::Object(out), origin)
            }
            "join" => match (s(0), args.get(1).and_then(Value::as_list)) {
                (Some(sep), Some(items)) => {
                    let parts: Option<Vec<String>> = items.iter().map(scalar_to_string).collect();
                    parts
                        .map(|p| Value::string(p.join(&sep), origin))
                        .unwrap_or(Value::unknown(origin))
                }
                _ => Value::unknown(origin),
            },
            "format" => match s(0) {
                Some(fmt) => format_fn(&fmt, &args[1..])
                    .map(|x| Value::string(x, origin))
                    .unwrap_or(Value::unknown(origin)),
                None => Value::unknown(origin),
            },
            "coalesce" => args
                .iter()
                .find(|a| !a.is_null() && a.as_str() != Some(""))
                .filter(|a| !a.is_unknown())
                .cloned()
                .unwrap_or(Value::unknown(origin)),
            "lookup" => match (args.first(), s(1)) {
                (Some(m), Some(k)) if m.as_object().is_some() => m
                    .get(&k)
                    .cloned()
                    .or_else(|| args.get(2).cloned())
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

    /// Reads a file named by `file()`/`templatefile()` (relative to the working directory,
    /// as Terraform does; `path.module` expressions are already absolute or module-relative).
    pub fn read_file(&self, path: &str) -> Option<(FileId, String)> {
        let p = normalize(Path::new(path));
        if let Some(cached) = self.read_cache.borrow().get(&p) {
            let id = (*cached)?;
            let text = self.files.borrow().get(id).text.to_string();
            return Some((id, text));
        }
        let text = self.file_source.read(&p);
        let id = text.as_ref().map(|t| {
            self.files
                .borrow_mut()
                .add(SourceFile::new(p.clone(), t.as_str()))
        });
        self.read_cache.borrow_mut().insert(p, id);
        Some((id?, text?))
    }
}

/// A scalar as Terraform would convert it to a string.
pub fn scalar_to_string(v: &Value) -> Option<String> {
    match &v.kind {
        ValueKind::String(s) => Some(s.clone()),
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
            for (_, i) in m.iter_mut() {
                *i = with_origin(std::mem::replace(i, Value::null(origin)), origin);
            }
        }
        _ => {}
    }
    v
}

/// `format()` with `%s`, `%d`, `%v` and `%%`.
fn format_fn(fmt: &str, args: &[Value]) -> Option<String> {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'd' | 'v' => out.push_str(&scalar_to_string(it.next()?)?),
            _ => return None,
        }
    }
    Some(out)
}

/// Renders a template file's text with `vars` (an object value): `${name}` and `$${`
/// escapes. Returns `None` when the template uses anything but plain variable names or a
/// variable is unknown.
pub fn render_template_text(text: &str, vars: &Value) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['$', '%']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("$${") || tail.starts_with("%%{") {
            out.push_str(&tail[1..3]);
            rest = &tail[3..];
        } else if tail.starts_with("${") {
            let end = tail.find('}')?;
            let name = tail[2..end].trim();
            let v = vars.get(name)?;
            out.push_str(&scalar_to_string(v)?);
            rest = &tail[end + 1..];
        } else if tail.starts_with("%{") {
            return None;
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Some(out)
}

/// The byte span of `origin` when it is a file span.
pub fn span_of(origin: Origin) -> Option<(FileId, Span)> {
    match origin {
        Origin::File { file, span } => Some((file, span)),
        _ => None,
    }
}
