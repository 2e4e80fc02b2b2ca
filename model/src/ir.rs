//! The one intermediate representation: a Terraform configuration graph.
//!
//! It mirrors Terraform's language (blocks, attributes, expressions), not AWS's API. Typed
//! stacks lower into it, loaders read `.tf`, `.tf.json` and plan JSON into it, the
//! generators print it and the linter reads it.

use crate::name::Name;
use crate::origin::Origin;
use std::fmt;
use std::sync::Arc;
pub use thin_vec::{thin_vec, ThinVec};

/// One Terraform module: its top-level blocks in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub blocks: Vec<Block>,
}

impl Config {
    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }
    /// Top-level blocks of one kind (`resource`, `variable`, …).
    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
    /// The resource `type.name`, if declared.
    pub fn resource(&self, resource_type: &str, name: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| {
            b.kind == "resource"
                && b.labels.first().map(Name::as_str) == Some(resource_type)
                && b.labels.get(1).map(Name::as_str) == Some(name)
        })
    }
}

/// `parts` joined into one string allocated at its exact size.
fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|p| s.push_str(p));
    s
}

/// A block: `resource "aws_sqs_queue" "jobs" { … }`, or a nested block such as `lifecycle`.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The block type: `resource`, `data`, `variable`, `dead_letter_config`, `dynamic`, …
    pub kind: Name,
    /// One pointer (a nested block has no labels, and then no allocation). A resource of a
    /// plan that is one instance of a `count` or `for_each` has its key as a third label
    /// ([`Block::instance_key`]).
    pub labels: ThinVec<Name>,
    pub body: Body,
    /// The block header (type and labels).
    pub origin: Origin,
    /// Suppression comments above the block (`tfstack:ignore[RULE] reason`, without `#`):
    /// a typed stack's suppressions, which the HCL printer writes and the HCL loader reads
    /// back (only these: other comments are not part of the IR).
    pub comments: Comments,
}

/// A block's suppression comments. Nearly every block has none, so they take one pointer
/// in the block instead of a vector's three words: a module's IR is held whole while it
/// is linted.
#[derive(Clone, Debug, Default, PartialEq)]
// A boxed vector is one word; `Box<[String]>` would be two.
#[allow(clippy::box_collection)]
pub struct Comments(Option<Box<Vec<String>>>);

impl Comments {
    /// Adds a comment below the others.
    pub fn push(&mut self, comment: String) {
        self.0.get_or_insert_with(Box::default).push(comment);
    }

    /// The comments, top to bottom.
    pub fn as_slice(&self) -> &[String] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }

    /// The comments, top to bottom.
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.as_slice().iter()
    }
}

impl From<Vec<String>> for Comments {
    fn from(comments: Vec<String>) -> Self {
        Comments((!comments.is_empty()).then(|| Box::new(comments)))
    }
}

impl<'a> IntoIterator for &'a Comments {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Block {
    pub fn new(kind: impl Into<Name>, labels: Vec<String>) -> Self {
        Block {
            kind: kind.into(),
            labels: labels.into_iter().map(Name::from).collect(),
            body: Body::default(),
            origin: Origin::GENERATED,
            comments: Comments::default(),
        }
    }
    pub fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = origin;
        self
    }
    /// Adds an attribute (builder style).
    pub fn attr(mut self, name: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.body.set(name, value);
        self
    }
    /// Adds a nested block (builder style).
    pub fn block(mut self, block: Block) -> Self {
        self.body.items.push(Structure::Block(Box::new(block)));
        self
    }
    /// `type.name` for resources, `data.type.name` for data sources, `kind.label` otherwise.
    pub fn address(&self) -> String {
        // One exact allocation: rules ask for addresses often, and `format!` costs about
        // twice as much here.
        match (self.kind.as_str(), self.labels.as_slice()) {
            ("resource", [t, n, ..]) => concat(&[t, ".", n]),
            ("data", [t, n, ..]) => concat(&["data.", t, ".", n]),
            ("module", [n, ..]) => concat(&["module.", n]),
            ("variable", [n, ..]) => concat(&["var.", n]),
            ("output", [n, ..]) => concat(&["output.", n]),
            (k, [n, ..]) => concat(&[k, ".", n]),
            (k, []) => k.to_string(),
        }
    }
    /// The first label (resource type for resources and data sources).
    pub fn type_label(&self) -> &str {
        self.labels.first().map(Name::as_str).unwrap_or("")
    }
    /// The second label (resource name for resources and data sources).
    pub fn name_label(&self) -> &str {
        self.labels.get(1).map(Name::as_str).unwrap_or("")
    }
    /// The key a plan writes a resource instance's address with (`[0]`, `["a"]`): the
    /// third label of a resource or data source (a plan's), `None` without one.
    pub fn instance_key(&self) -> Option<&str> {
        match (self.kind.as_str(), self.labels.as_slice()) {
            ("resource" | "data", [_, _, key, ..]) => Some(key.as_str()),
            _ => None,
        }
    }
    /// Whether `count` or `for_each` is written: the block may make several instances (or
    /// none), each addressed with its key.
    pub fn is_repeated(&self) -> bool {
        self.body.get("count").is_some() || self.body.get("for_each").is_some()
    }
    pub fn is_resource(&self, resource_type: &str) -> bool {
        self.kind == "resource" && self.type_label() == resource_type
    }
    pub fn is_data(&self, data_type: &str) -> bool {
        self.kind == "data" && self.type_label() == data_type
    }
}

/// A block body: attributes and nested blocks, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    /// One pointer: a module holds a body for every block, nested ones included.
    pub items: ThinVec<Structure>,
}

/// One item of a body.
#[derive(Clone, Debug, PartialEq)]
pub enum Structure {
    Attribute(Attribute),
    Block(Box<Block>),
}

/// `name = value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: Name,
    pub value: Expr,
    /// The attribute name (key).
    pub origin: Origin,
}

impl Body {
    /// Sets an attribute, replacing one of the same name.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Expr>) {
        self.set_with_origin(name, value, Origin::GENERATED)
    }
    pub fn set_with_origin(
        &mut self,
        name: impl Into<String>,
        value: impl Into<Expr>,
        origin: Origin,
    ) {
        let name = name.into();
        let value = value.into();
        for item in &mut self.items {
            if let Structure::Attribute(a) = item {
                if a.name == name {
                    a.value = value;
                    a.origin = origin;
                    return;
                }
            }
        }
        self.items.push(Structure::Attribute(Attribute {
            name: name.into(),
            value,
            origin,
        }));
    }
    pub fn push_block(&mut self, block: Block) {
        self.items.push(Structure::Block(Box::new(block)));
    }
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.items.iter().find_map(|i| match i {
            Structure::Attribute(a) if a.name == name => Some(a),
            _ => None,
        })
    }
    pub fn get(&self, name: &str) -> Option<&Expr> {
        self.attribute(name).map(|a| &a.value)
    }
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.items.iter().filter_map(|i| match i {
            Structure::Attribute(a) => Some(a),
            _ => None,
        })
    }
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.items.iter().filter_map(|i| match i {
            Structure::Block(b) => Some(&**b),
            _ => None,
        })
    }
    /// Nested blocks of one type.
    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks().filter(move |b| b.kind == kind)
    }
    pub fn block(&self, kind: &str) -> Option<&Block> {
        self.blocks().find(|b| b.kind == kind)
    }
}

/// An expression with its origin.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub origin: Origin,
}

/// A number as written: whole numbers stay whole. Equality is by value (`2` equals
/// `2.0`), as in Terraform.
#[derive(Clone, Copy, Debug)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            _ => self.as_f64() == other.as_f64(),
        }
    }
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => {
                if x.fract() == 0.0 && x.abs() < 1e15 {
                    write!(f, "{x:.1}")
                } else {
                    write!(f, "{x}")
                }
            }
        }
    }
}

/// The kinds of expression the IR distinguishes. Every variant holds at most one pointer,
/// so that an expression is 24 bytes with its (8-byte) origin: a module is held whole
/// while it is linted, and most of its nodes are expressions.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    /// Boxed: a number is two words, every other variant at most one.
    Number(Box<Number>),
    /// A string literal, unescaped: a literal `${` in it is text, and the generator escapes it.
    String(Name),
    /// A string or heredoc with interpolations or directives.
    Template(Box<Template>),
    /// A reference: `aws_sqs_queue.dlq.arn`, `var.region`, `local.name`, `path.module`.
    Traversal(Arc<Traversal>),
    FunctionCall(Box<FunctionCall>),
    Conditional(Box<Conditional>),
    Unary(UnaryOperator, Box<Expr>),
    Binary(Box<BinaryOperation>),
    Parenthesis(Box<Expr>),
    Tuple(ThinVec<Expr>),
    Object(ThinVec<ObjectItem>),
    /// A `for` expression (`[for s in var.list : upper(s) if s != ""]`).
    For(Box<ForExpr>),
    /// Anything else (splats on calls, …), kept as source text.
    Opaque(Name),
}

/// `[for k, v in collection : value if condition]`, or with `key => value` an object.
#[derive(Clone, Debug, PartialEq)]
pub struct ForExpr {
    /// The name bound to each key (index for a list), if any.
    pub key_var: Option<String>,
    /// The name bound to each value.
    pub value_var: String,
    pub collection: Expr,
    /// The key of each element of an object `for`; `None` makes a tuple.
    pub key: Option<Expr>,
    pub value: Expr,
    /// Elements for which it is false are skipped.
    pub condition: Option<Expr>,
    /// `value...`: the values of one key are grouped into a list.
    pub grouping: bool,
    /// The expression as written (what the HCL printer prints).
    pub source: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FunctionCall {
    pub name: Name,
    pub args: ThinVec<Expr>,
    /// `f(list...)`
    pub expand_final: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Conditional {
    pub condition: Expr,
    pub true_expr: Expr,
    pub false_expr: Expr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOperator {
    Neg,
    Not,
}

impl UnaryOperator {
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOperator::Neg => "-",
            UnaryOperator::Not => "!",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOperator {
    Eq,
    NotEq,
    LessEq,
    GreaterEq,
    Less,
    Greater,
    Plus,
    Minus,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

impl BinaryOperator {
    pub fn as_str(self) -> &'static str {
        use BinaryOperator::*;
        match self {
            Eq => "==",
            NotEq => "!=",
            LessEq => "<=",
            GreaterEq => ">=",
            Less => "<",
            Greater => ">",
            Plus => "+",
            Minus => "-",
            Mul => "*",
            Div => "/",
            Mod => "%",
            And => "&&",
            Or => "||",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct BinaryOperation {
    pub lhs: Expr,
    pub operator: BinaryOperator,
    pub rhs: Expr,
}

/// An object key: a bare identifier or an expression (a quoted string is an expression).
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectKey {
    Identifier(Name),
    Expr(Box<Expr>),
}

impl ObjectKey {
    /// The key as text when it is known without evaluation.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ObjectKey::Identifier(s) => Some(s),
            ObjectKey::Expr(e) => match &e.kind {
                ExprKind::String(s) => Some(s),
                _ => None,
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObjectItem {
    pub key: ObjectKey,
    pub value: Expr,
    /// The key.
    pub origin: Origin,
}

/// A string template (`"${a}-b"`) or heredoc.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub parts: ThinVec<TemplatePart>,
    /// Boxed: nearly every template is a quoted string.
    pub heredoc: Option<Box<Heredoc>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Heredoc {
    pub delimiter: String,
    /// `<<-` (indented) rather than `<<`.
    pub indented: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TemplatePart {
    /// Literal text, unescaped (shared text: a module repeats the same separators and
    /// prefixes in thousands of templates).
    Literal(Name),
    /// `${expr}`
    Interpolation(Expr),
    /// `%{ … }` directives, kept as their source text.
    Directive(Name),
}

/// A reference such as `aws_sqs_queue.dlq.arn` or `var.names[0]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Traversal {
    pub root: Name,
    pub operators: ThinVec<TraversalOperator>,
    /// The typed stack that declared what this refers to (set by constructs, so that a
    /// reference into another stack of the same App can be wired through that stack's
    /// outputs); `None` for loaded code.
    pub declared_in: DeclaredIn,
}

/// The typed stack (its id) a reference was made from: provenance that, like
/// [`Origin`], never takes part in equality. Four bytes: every traversal of a loaded
/// module carries one, and stack ids are a process's count of its stacks.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeclaredIn(Option<std::num::NonZeroU32>);

impl DeclaredIn {
    /// Not declared by a typed stack (loaded code).
    pub const NONE: DeclaredIn = DeclaredIn(None);
    /// Declared by the stack with this id (ids start at 1; one beyond `u32::MAX` would
    /// need four billion stacks in one process, and is recorded as none).
    pub fn stack(id: u64) -> Self {
        DeclaredIn(u32::try_from(id).ok().and_then(std::num::NonZeroU32::new))
    }
    /// The id of the stack that declared it, if a typed stack did.
    pub fn id(self) -> Option<u64> {
        self.0.map(|id| u64::from(id.get()))
    }
}

impl PartialEq for DeclaredIn {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum TraversalOperator {
    /// `.name`
    Attribute(Name),
    /// `[expr]`
    Index(Box<Expr>),
    /// `.0`
    LegacyIndex(u64),
    /// `.*`
    AttributeSplat,
    /// `[*]`
    FullSplat,
}

impl Traversal {
    pub fn new(root: impl Into<Name>, attributes: &[&str]) -> Self {
        Traversal {
            root: root.into(),
            operators: attributes
                .iter()
                .map(|a| TraversalOperator::Attribute(Name::from(*a)))
                .collect(),
            declared_in: DeclaredIn::NONE,
        }
    }
    /// The leading attribute names (`aws_sqs_queue.dlq.arn` → `["dlq", "arn"]`), up to the
    /// first index or splat.
    pub fn attribute_names(&self) -> impl Iterator<Item = &str> {
        self.operators.iter().map_while(|o| match o {
            TraversalOperator::Attribute(a) => Some(a.as_str()),
            _ => None,
        })
    }
    /// The resource address this traversal refers to (`aws_sqs_queue.dlq`,
    /// `data.aws_iam_policy_document.x`), or `None` for `var.`, `local.`, `path.`, ….
    pub fn resource_address(&self) -> Option<String> {
        let mut names = self.attribute_names();
        match self.root.as_str() {
            root if NOT_RESOURCES.contains(&root) => None,
            "data" => {
                let t = names.next()?;
                let n = names.next()?;
                Some(concat(&["data.", t, ".", n]))
            }
            root => {
                let n = names.next()?;
                Some(concat(&[root, ".", n]))
            }
        }
    }
    /// The attribute read on the referenced resource (`arn` in `aws_sqs_queue.dlq.arn`).
    pub fn resource_attribute(&self) -> Option<&str> {
        let skip = if self.root == "data" { 2 } else { 1 };
        self.attribute_names().nth(skip)
    }
}

impl Traversal {
    /// The index expressions of a traversal (`x[var.i]`), to change them. Only an index
    /// holds expressions, and a traversal with one is not shared: a shared one without
    /// an index is left shared.
    pub fn indexes_mut(traversal: &mut Arc<Traversal>) -> impl Iterator<Item = &mut Expr> {
        let has_index = traversal
            .operators
            .iter()
            .any(|o| matches!(o, TraversalOperator::Index(_)));
        has_index
            .then(|| Arc::make_mut(traversal))
            .into_iter()
            .flat_map(|t| t.operators.iter_mut())
            .filter_map(|op| match op {
                TraversalOperator::Index(e) => Some(&mut **e),
                _ => None,
            })
    }
}

/// The roots of traversals that refer to no resource or data source (`var.x`,
/// `module.a.out`).
pub const NOT_RESOURCES: &[&str] = &[
    "var",
    "local",
    "path",
    "each",
    "count",
    "self",
    "terraform",
    "module",
];

impl fmt::Display for Traversal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.root)?;
        for op in &self.operators {
            match op {
                TraversalOperator::Attribute(a) => write!(f, ".{a}")?,
                TraversalOperator::Index(e) => match &e.kind {
                    ExprKind::Number(n) => write!(f, "[{n}]")?,
                    ExprKind::String(s) => write!(f, "[{s:?}]")?,
                    _ => f.write_str("[…]")?,
                },
                TraversalOperator::LegacyIndex(i) => write!(f, ".{i}")?,
                TraversalOperator::AttributeSplat => f.write_str(".*")?,
                TraversalOperator::FullSplat => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl Expr {
    pub fn new(kind: ExprKind) -> Self {
        Expr {
            kind,
            origin: Origin::GENERATED,
        }
    }
    pub fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = origin;
        self
    }
    pub fn null() -> Self {
        Expr::new(ExprKind::Null)
    }
    pub fn string(s: impl Into<Name>) -> Self {
        Expr::new(ExprKind::String(s.into()))
    }
    pub fn int(i: i64) -> Self {
        Expr::new(ExprKind::Number(Box::new(Number::Int(i))))
    }
    pub fn float(f: f64) -> Self {
        Expr::new(ExprKind::Number(Box::new(Number::Float(f))))
    }
    pub fn bool(b: bool) -> Self {
        Expr::new(ExprKind::Bool(b))
    }
    /// A reference: `Expr::reference("aws_sqs_queue", &["dlq", "arn"])`.
    pub fn reference(root: &str, attributes: &[&str]) -> Self {
        Expr::new(ExprKind::Traversal(Arc::new(Traversal::new(
            root, attributes,
        ))))
    }
    /// `var.name`
    pub fn var(name: &str) -> Self {
        Expr::reference("var", &[name])
    }
    /// `local.name`
    pub fn local(name: &str) -> Self {
        Expr::reference("local", &[name])
    }
    /// `path.module`
    pub fn path_module() -> Self {
        Expr::reference("path", &["module"])
    }
    /// A call of a Terraform function.
    pub fn call(name: &str, args: Vec<Expr>) -> Self {
        Expr::new(ExprKind::FunctionCall(Box::new(FunctionCall {
            name: name.into(),
            args: args.into(),
            expand_final: false,
        })))
    }
    /// A template of literal text and interpolated expressions.
    pub fn template(parts: Vec<TemplatePart>) -> Self {
        Expr::new(ExprKind::Template(Box::new(Template {
            parts: parts.into(),
            heredoc: None,
        })))
    }
    /// `"${path.module}/<relative>"`
    pub fn module_path(relative: &str) -> Self {
        Expr::template(vec![
            TemplatePart::Interpolation(Expr::path_module()),
            TemplatePart::Literal(format!("/{relative}").into()),
        ])
    }
    pub fn tuple(items: Vec<Expr>) -> Self {
        Expr::new(ExprKind::Tuple(items.into()))
    }
    /// An object with identifier keys where possible, quoted keys otherwise.
    pub fn object<K: Into<String>>(items: Vec<(K, Expr)>) -> Self {
        Expr::new(ExprKind::Object(
            items
                .into_iter()
                .map(|(k, v)| ObjectItem {
                    key: ObjectKey::for_name(k.into()),
                    value: v,
                    origin: Origin::GENERATED,
                })
                .collect(),
        ))
    }
    pub fn conditional(condition: Expr, true_expr: Expr, false_expr: Expr) -> Self {
        Expr::new(ExprKind::Conditional(Box::new(Conditional {
            condition,
            true_expr,
            false_expr,
        })))
    }
    pub fn binary(lhs: Expr, operator: BinaryOperator, rhs: Expr) -> Self {
        Expr::new(ExprKind::Binary(Box::new(BinaryOperation {
            lhs,
            operator,
            rhs,
        })))
    }
    /// The string, when this is a plain string literal.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_traversal(&self) -> Option<&Traversal> {
        match &self.kind {
            ExprKind::Traversal(t) => Some(t),
            _ => None,
        }
    }
    /// Whether it reads `each.*` or `count.*`: its value depends on the instance of a block
    /// with `for_each` or `count`.
    pub fn reads_instance(&self) -> bool {
        self.traversals()
            .iter()
            .any(|t| t.root == "each" || t.root == "count")
    }
    /// Every traversal inside this expression, depth first.
    pub fn traversals(&self) -> Vec<&Traversal> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let ExprKind::Traversal(t) = &e.kind {
                out.push(&**t);
            }
        });
        out
    }
    /// Calls `f` on this expression and every sub-expression, children first (so `f` may
    /// replace the expression it is given).
    pub fn visit_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        match &mut self.kind {
            ExprKind::Template(t) => {
                for p in &mut t.parts {
                    if let TemplatePart::Interpolation(e) = p {
                        e.visit_mut(f);
                    }
                }
            }
            ExprKind::Traversal(t) => Traversal::indexes_mut(t).for_each(|e| e.visit_mut(f)),
            ExprKind::FunctionCall(c) => c.args.iter_mut().for_each(|a| a.visit_mut(f)),
            ExprKind::Conditional(c) => {
                c.condition.visit_mut(f);
                c.true_expr.visit_mut(f);
                c.false_expr.visit_mut(f);
            }
            ExprKind::Unary(_, e) | ExprKind::Parenthesis(e) => e.visit_mut(f),
            ExprKind::Binary(b) => {
                b.lhs.visit_mut(f);
                b.rhs.visit_mut(f);
            }
            ExprKind::Tuple(items) => items.iter_mut().for_each(|i| i.visit_mut(f)),
            ExprKind::Object(items) => {
                for i in items {
                    if let ObjectKey::Expr(k) = &mut i.key {
                        k.visit_mut(f);
                    }
                    i.value.visit_mut(f);
                }
            }
            ExprKind::For(e) => {
                e.collection.visit_mut(f);
                if let Some(key) = &mut e.key {
                    key.visit_mut(f);
                }
                e.value.visit_mut(f);
                if let Some(condition) = &mut e.condition {
                    condition.visit_mut(f);
                }
            }
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::String(_)
            | ExprKind::Opaque(_) => {}
        }
        f(self);
    }

    /// Calls `f` on this expression and every sub-expression.
    pub fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        self.visit_while(&mut |e| {
            f(e);
            true
        });
    }

    /// Calls `f` on this expression and the sub-expressions of every expression for which
    /// it returns true (depth first).
    pub fn visit_while<'a>(&'a self, f: &mut dyn FnMut(&'a Expr) -> bool) {
        if !f(self) {
            return;
        }
        match &self.kind {
            ExprKind::Template(t) => {
                for p in &t.parts {
                    if let TemplatePart::Interpolation(e) = p {
                        e.visit_while(f);
                    }
                }
            }
            ExprKind::Traversal(t) => {
                for op in &t.operators {
                    if let TraversalOperator::Index(e) = op {
                        e.visit_while(f);
                    }
                }
            }
            ExprKind::FunctionCall(c) => c.args.iter().for_each(|a| a.visit_while(f)),
            ExprKind::Conditional(c) => {
                c.condition.visit_while(f);
                c.true_expr.visit_while(f);
                c.false_expr.visit_while(f);
            }
            ExprKind::Unary(_, e) | ExprKind::Parenthesis(e) => e.visit_while(f),
            ExprKind::Binary(b) => {
                b.lhs.visit_while(f);
                b.rhs.visit_while(f);
            }
            ExprKind::Tuple(items) => items.iter().for_each(|i| i.visit_while(f)),
            ExprKind::For(e) => {
                e.collection.visit_while(f);
                if let Some(k) = &e.key {
                    k.visit_while(f);
                }
                e.value.visit_while(f);
                if let Some(c) = &e.condition {
                    c.visit_while(f);
                }
            }
            ExprKind::Object(items) => {
                for i in items {
                    if let ObjectKey::Expr(k) = &i.key {
                        k.visit_while(f);
                    }
                    i.value.visit_while(f);
                }
            }
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::String(_)
            | ExprKind::Opaque(_) => {}
        }
    }
}

impl ObjectKey {
    /// An identifier key when `name` is a valid HCL identifier, else a quoted string key.
    pub fn for_name(name: String) -> Self {
        if is_identifier(&name) {
            ObjectKey::Identifier(name.into())
        } else {
            ObjectKey::Expr(Box::new(Expr::string(name)))
        }
    }
}

/// Whether `s` is a valid HCL identifier (and not a keyword that would change meaning).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !matches!(s, "null" | "true" | "false" | "for" | "in" | "if")
}

impl From<&str> for Expr {
    fn from(s: &str) -> Self {
        Expr::string(s)
    }
}
impl From<String> for Expr {
    fn from(s: String) -> Self {
        Expr::string(s)
    }
}
impl From<&String> for Expr {
    fn from(s: &String) -> Self {
        Expr::string(s.clone())
    }
}
impl From<i64> for Expr {
    fn from(i: i64) -> Self {
        Expr::int(i)
    }
}
impl From<i32> for Expr {
    fn from(i: i32) -> Self {
        Expr::int(i as i64)
    }
}
impl From<u32> for Expr {
    fn from(i: u32) -> Self {
        Expr::int(i as i64)
    }
}
impl From<f64> for Expr {
    fn from(f: f64) -> Self {
        Expr::float(f)
    }
}
impl From<bool> for Expr {
    fn from(b: bool) -> Self {
        Expr::bool(b)
    }
}
impl From<Traversal> for Expr {
    fn from(t: Traversal) -> Self {
        Expr::new(ExprKind::Traversal(Arc::new(t)))
    }
}
impl<T: Into<Expr>> From<Vec<T>> for Expr {
    fn from(v: Vec<T>) -> Self {
        Expr::tuple(v.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    /// A module's IR is held whole while it is linted: these sizes are what one large
    /// module costs per node (BENCHMARKS.md), so they only shrink.
    #[test]
    fn nodes_stay_small() {
        use std::mem::size_of;
        assert!(size_of::<Origin>() == 8);
        assert!(size_of::<ExprKind>() <= 16);
        assert!(size_of::<Expr>() <= 24);
        assert!(size_of::<Structure>() <= 40);
        assert!(size_of::<TemplatePart>() <= 24);
        assert!(size_of::<Template>() <= 16);
        assert!(size_of::<TraversalOperator>() <= 16);
        assert!(size_of::<Traversal>() <= 24);
        assert!(size_of::<FunctionCall>() <= 24);
        assert!(size_of::<ObjectItem>() <= 48);
        assert!(size_of::<Block>() <= 40);
        assert!(size_of::<crate::Value>() <= 32);
        assert!(size_of::<crate::Name>() <= 8);
    }
}
