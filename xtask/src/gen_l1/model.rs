//! From provider schema to a description of the Rust structs to emit: which arguments become
//! fields, with which Rust types.

use super::schema::{AttributeSchema, BlockSchema, NestedBlockSchema, ProviderSchema};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Number arguments that are genuinely fractional and become `Arg<f64>`; every other `number`
/// becomes `Arg<i64>` (memory sizes, timeouts, retention days, ports and counts are whole).
/// Paths are `type.block….attribute`. Each entry must name a scalar number argument that is
/// generated, so the list cannot silently rot.
pub const FRACTIONAL_NUMBERS: &[&str] = &[
    // Requests per second; API Gateway accepts e.g. 0.5.
    "aws_api_gateway_method_settings.settings.throttling_rate_limit",
    // Share of traffic sent to the canary, 0.0–100.0.
    "aws_api_gateway_stage.canary_settings.percent_traffic",
    // Requests per second, as above.
    "aws_apigatewayv2_stage.default_route_settings.throttling_rate_limit",
    "aws_apigatewayv2_stage.route_settings.throttling_rate_limit",
    // Alarm thresholds compare against metric values (e.g. an error rate of 0.05).
    "aws_cloudwatch_metric_alarm.threshold",
];

/// Types whose nested blocks get one struct per distinct shape rather than one per path.
/// WAF's rule statements nest in each other (`and_statement { statement { or_statement {
/// statement { … } } } }`), which the provider cuts off at a fixed depth: `aws_wafv2_web_acl`
/// has 9,829 nested block paths but 108 distinct (name, schema) shapes. Each shape's struct
/// is named after its shortest path (breadth first, names sorted).
pub const SHAPE_SHARED_TYPES: &[&str] = &["aws_wafv2_rule_group", "aws_wafv2_web_acl"];

/// Top-level arguments that are never user-set arguments of a typed resource.
const SKIPPED_TOP_ATTRIBUTES: &[&str] = &["id", "tags_all"];
/// Top-level blocks handled elsewhere (`timeouts` is operational, not configuration).
const SKIPPED_TOP_BLOCKS: &[&str] = &["timeouts"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Resource,
    Data,
}

impl Kind {
    /// The Terraform block keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Resource => "resource",
            Kind::Data => "data",
        }
    }
    /// The `l1` sub-module holding this kind.
    pub fn module(self) -> &'static str {
        match self {
            Kind::Resource => "resources",
            Kind::Data => "data",
        }
    }
}

/// One generated file: a resource or data source type and its nested block structs.
#[derive(Debug)]
pub struct TypeModel {
    pub kind: Kind,
    pub tf_type: String,
    /// The file / module name: the type without `aws_`.
    pub module: String,
    /// The top-level struct first, then nested ones in depth-first field order.
    pub structs: Vec<StructDef>,
}

#[derive(Debug)]
pub struct StructDef {
    pub name: String,
    /// `aws_lambda_function` or `aws_lambda_function.vpc_config`.
    pub schema_path: String,
    /// Set when this block is an attribute of list/set-of-object type (see `object_list`).
    pub from_object_attribute: bool,
    /// Attributes by name, then blocks by name.
    pub fields: Vec<Field>,
}

#[derive(Debug)]
pub struct Field {
    /// The Terraform argument name.
    pub tf_name: String,
    /// The Rust field name, `r#type` for keywords.
    pub ident: String,
    /// The builder method name (`type_` for `r#type`).
    pub setter: String,
    pub kind: FieldKind,
}

#[derive(Debug, PartialEq)]
pub enum FieldKind {
    Attribute { ty: ArgType, required: bool },
    Block { struct_name: String, card: Card },
}

/// How many of a nested block there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Card {
    /// Exactly one: a plain field and a constructor parameter.
    Required,
    /// At most one: `Option<…>`.
    Optional,
    /// Any number: `Vec<…>`.
    Repeated,
}

/// The Rust type of an attribute field (inside `Arg<…>`, except `Expr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    String,
    Bool,
    Int,
    Float,
    StringList,
    IntList,
    StringMap,
    /// Objects, maps of non-strings, `dynamic`, …: any expression.
    Expr,
}

impl ArgType {
    /// The field type without `Option`.
    pub fn rust(self) -> &'static str {
        match self {
            ArgType::String => "Arg<String>",
            ArgType::Bool => "Arg<bool>",
            ArgType::Int => "Arg<i64>",
            ArgType::Float => "Arg<f64>",
            ArgType::StringList => "Arg<Vec<String>>",
            ArgType::IntList => "Arg<Vec<i64>>",
            ArgType::StringMap => "Arg<BTreeMap<String, String>>",
            ArgType::Expr => "Expr",
        }
    }
}

impl StructDef {
    pub fn required_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.is_required())
    }
}

impl Field {
    /// Whether the field is a constructor parameter rather than an `Option`/`Vec`.
    pub fn is_required(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Attribute { required: true, .. }
                | FieldKind::Block {
                    card: Card::Required,
                    ..
                }
        )
    }
}

/// Builds the models of `types` and checks that names do not collide and that every
/// `FRACTIONAL_NUMBERS` entry was used.
pub fn build_all(
    provider: &ProviderSchema,
    types: &[(Kind, String)],
    fractional: &[&str],
) -> Result<Vec<TypeModel>, String> {
    let mut used_fractional = BTreeSet::new();
    let mut models = Vec::new();
    for (kind, tf_type) in types {
        let schemas = match kind {
            Kind::Resource => &provider.resource_schemas,
            Kind::Data => &provider.data_source_schemas,
        };
        let schema = schemas.get(tf_type).ok_or_else(|| {
            format!(
                "l1-types.txt: `{} {tf_type}` is not in the provider schema",
                kind.keyword()
            )
        })?;
        let module = tf_type
            .strip_prefix("aws_")
            .ok_or_else(|| format!("l1-types.txt: `{tf_type}` does not start with aws_"))?
            .to_string();
        let top_name = camel_case(&module);
        let shapes = SHAPE_SHARED_TYPES
            .contains(&tf_type.as_str())
            .then(|| shape_names(tf_type, &top_name, &schema.block));
        let mut builder = Builder {
            fractional,
            used_fractional: &mut used_fractional,
            structs: Vec::new(),
            shapes,
        };
        builder.block(&top_name, tf_type, &schema.block, true)?;
        models.push(TypeModel {
            kind: *kind,
            tf_type: tf_type.clone(),
            module,
            structs: builder.structs,
        });
    }
    models.sort_by(|a, b| (a.kind, &a.module).cmp(&(b.kind, &b.module)));
    for kind in [Kind::Resource, Kind::Data] {
        rename_nested_named_like_types(&mut models, kind);
    }

    // Each kind's structs are re-exported flat from one module, so names must be unique there.
    for kind in [Kind::Resource, Kind::Data] {
        let mut seen = BTreeSet::new();
        for m in models.iter().filter(|m| m.kind == kind) {
            for s in &m.structs {
                if !seen.insert(s.name.as_str()) {
                    return Err(format!(
                        "struct name `{}` (from {}) is generated twice in l1::{}",
                        s.name,
                        s.schema_path,
                        kind.module()
                    ));
                }
            }
        }
    }
    // Setters are inherent methods: they must not shadow the constructor or trait methods.
    for m in &models {
        for s in &m.structs {
            if let Some(f) = s
                .fields
                .iter()
                .find(|f| RESERVED_METHODS.contains(&f.setter.as_str()))
            {
                return Err(format!(
                    "{}.{}: setter name `{}` collides with a generated or trait method",
                    s.schema_path, f.tf_name, f.setter
                ));
            }
        }
    }
    let unused: Vec<_> = fractional
        .iter()
        .filter(|p| !used_fractional.contains(**p))
        .collect();
    if !unused.is_empty() {
        return Err(format!(
            "fractional-number allowlist entries that match no generated number argument: {unused:?}"
        ));
    }
    Ok(models)
}

/// A nested block's struct is named after its path (`aws_dynamodb_table.replica` →
/// `DynamodbTableReplica`), which can be the name of another listed type's struct
/// (`aws_dynamodb_table_replica`). The type keeps the plain name; the nested struct gets a
/// `Block` suffix (`DynamodbTableReplicaBlock`), and the fields that use it follow.
fn rename_nested_named_like_types(models: &mut [TypeModel], kind: Kind) {
    let top_names: BTreeSet<String> = models
        .iter()
        .filter(|m| m.kind == kind)
        .filter_map(|m| m.structs.first().map(|s| s.name.clone()))
        .collect();
    for m in models.iter_mut().filter(|m| m.kind == kind) {
        let renamed: Vec<(String, String)> = m
            .structs
            .iter()
            .skip(1)
            .filter(|s| top_names.contains(&s.name))
            .map(|s| (s.name.clone(), format!("{}Block", s.name)))
            .collect();
        for (old, new) in &renamed {
            for s in m.structs.iter_mut() {
                if s.name == *old {
                    s.name = new.clone();
                }
                for f in s.fields.iter_mut() {
                    if let FieldKind::Block { struct_name, .. } = &mut f.kind {
                        if struct_name == old {
                            *struct_name = new.clone();
                        }
                    }
                }
            }
        }
    }
}

/// The identity of a nested block's shape: its name and its whole schema (the schema's
/// `Debug` text is canonical: every map in it is a `BTreeMap`).
fn shape_key(block_name: &str, block: &BlockSchema) -> String {
    format!("{block_name}\u{0}{block:?}")
}

/// For a shape-shared type: each nested shape's struct name and schema path, from its
/// shortest path.
fn shape_names(
    tf_type: &str,
    top_name: &str,
    top: &BlockSchema,
) -> BTreeMap<String, (String, String)> {
    let mut names = BTreeMap::new();
    let mut queue =
        std::collections::VecDeque::from([(top_name.to_string(), tf_type.to_string(), top)]);
    while let Some((name, path, block)) = queue.pop_front() {
        for (block_name, nested) in &block.block_types {
            let key = shape_key(block_name, &nested.block);
            if let std::collections::btree_map::Entry::Vacant(entry) = names.entry(key) {
                let struct_name = format!("{name}{}", camel_case(block_name));
                let nested_path = format!("{path}.{block_name}");
                entry.insert((struct_name.clone(), nested_path.clone()));
                queue.push_back((struct_name, nested_path, &nested.block));
            }
        }
    }
    names
}

struct Builder<'a> {
    fractional: &'a [&'a str],
    used_fractional: &'a mut BTreeSet<String>,
    structs: Vec<StructDef>,
    /// Shape key → struct name and shortest path, for [`SHAPE_SHARED_TYPES`].
    shapes: Option<BTreeMap<String, (String, String)>>,
}

impl Builder<'_> {
    /// Adds the struct for `block` (and, recursively, its nested blocks).
    fn block(
        &mut self,
        name: &str,
        path: &str,
        block: &BlockSchema,
        top: bool,
    ) -> Result<(), String> {
        let index = self.structs.len();
        self.structs.push(StructDef {
            name: name.to_string(),
            schema_path: path.to_string(),
            from_object_attribute: false,
            fields: Vec::new(),
        });
        let mut attributes = Vec::new();
        // Blocks and list-of-object attributes, recursed into after this struct is complete.
        let mut blocks: Vec<(Field, Nested)> = Vec::new();

        for (attr_name, attr) in &block.attributes {
            let is_argument = attr.required || attr.optional;
            if !is_argument
                || attr.deprecated
                || (top && SKIPPED_TOP_ATTRIBUTES.contains(&attr_name.as_str()))
            {
                continue;
            }
            let attr_path = format!("{path}.{attr_name}");
            if let Some(fields) = object_list(attr) {
                // `ingress = [{…}]` requires every object attribute; block syntax
                // (`ingress { … }`, Terraform's "attributes as blocks") makes them optional,
                // so these are generated as repeated blocks of all-optional fields.
                let struct_name = format!("{name}{}", camel_case(attr_name));
                blocks.push((
                    field(
                        attr_name,
                        FieldKind::Block {
                            struct_name: struct_name.clone(),
                            card: Card::Repeated,
                        },
                    ),
                    Nested::Object(struct_name, attr_path, fields),
                ));
                continue;
            }
            let ty = self.arg_type(attr, &attr_path)?;
            attributes.push(field(
                attr_name,
                FieldKind::Attribute {
                    ty,
                    required: attr.required,
                },
            ));
        }

        for (block_name, nested) in &block.block_types {
            if nested.block.deprecated || (top && SKIPPED_TOP_BLOCKS.contains(&block_name.as_str()))
            {
                continue;
            }
            let nested_path = format!("{path}.{block_name}");
            let card = cardinality(nested, &nested_path)?;
            let (struct_name, nested_path) = match &self.shapes {
                Some(shapes) => shapes
                    .get(&shape_key(block_name, &nested.block))
                    .cloned()
                    .ok_or_else(|| format!("{nested_path}: shape not named"))?,
                None => (format!("{name}{}", camel_case(block_name)), nested_path),
            };
            blocks.push((
                field(
                    block_name,
                    FieldKind::Block {
                        struct_name: struct_name.clone(),
                        card,
                    },
                ),
                Nested::Block(struct_name, nested_path, nested),
            ));
        }
        blocks.sort_by(|a, b| a.0.tf_name.cmp(&b.0.tf_name));

        let mut fields = attributes;
        let mut nested_structs = Vec::new();
        for (f, n) in blocks {
            fields.push(f);
            nested_structs.push(n);
        }
        self.structs[index].fields = fields;

        for n in nested_structs {
            match n {
                Nested::Block(struct_name, nested_path, nested) => {
                    // A shared shape's struct is emitted once, at its first use.
                    let emitted =
                        self.shapes.is_some() && self.structs.iter().any(|s| s.name == struct_name);
                    if !emitted {
                        self.block(&struct_name, &nested_path, &nested.block, false)?
                    }
                }
                Nested::Object(struct_name, nested_path, object_fields) => {
                    self.object(&struct_name, &nested_path, object_fields)?
                }
            }
        }
        Ok(())
    }

    /// A struct for the element type of a list/set-of-object attribute: all fields optional.
    fn object(
        &mut self,
        name: &str,
        path: &str,
        object_fields: Vec<(String, Value)>,
    ) -> Result<(), String> {
        let mut fields = Vec::new();
        for (attr_name, ty) in object_fields {
            let attr = AttributeSchema {
                ty: Some(ty),
                optional: true,
                ..AttributeSchema::default()
            };
            let ty = self.arg_type(&attr, &format!("{path}.{attr_name}"))?;
            fields.push(field(
                &attr_name,
                FieldKind::Attribute {
                    ty,
                    required: false,
                },
            ));
        }
        self.structs.push(StructDef {
            name: name.to_string(),
            schema_path: path.to_string(),
            from_object_attribute: true,
            fields,
        });
        Ok(())
    }

    fn arg_type(&mut self, attr: &AttributeSchema, path: &str) -> Result<ArgType, String> {
        let fractional = self.fractional.contains(&path);
        let ty = match (&attr.ty, &attr.nested_type) {
            (Some(ty), _) => arg_type(ty, fractional),
            (None, Some(_)) => ArgType::Expr,
            (None, None) => {
                return Err(format!(
                    "{path}: attribute has neither type nor nested_type"
                ))
            }
        };
        if fractional {
            if ty != ArgType::Float {
                return Err(format!(
                    "{path} is in the fractional-number allowlist but is not a number"
                ));
            }
            self.used_fractional.insert(path.to_string());
        }
        Ok(ty)
    }
}

enum Nested<'a> {
    Block(String, String, &'a NestedBlockSchema),
    Object(String, String, Vec<(String, Value)>),
}

fn field(tf_name: &str, kind: FieldKind) -> Field {
    let (ident, mut setter) = rust_names(tf_name);
    // An argument named like a generated or trait method (`default` of `data aws_vpc`)
    // gets its setter with a trailing `_`, as keywords do.
    if RESERVED_METHODS.contains(&setter.as_str()) {
        setter.push('_');
    }
    Field {
        tf_name: tf_name.to_string(),
        ident,
        setter,
        kind,
    }
}

/// Maps a cty type (JSON form) to a field type.
pub fn arg_type(ty: &Value, fractional: bool) -> ArgType {
    match ty {
        Value::String(s) => match s.as_str() {
            "string" => ArgType::String,
            "bool" => ArgType::Bool,
            "number" if fractional => ArgType::Float,
            "number" => ArgType::Int,
            _ => ArgType::Expr,
        },
        Value::Array(parts) => match (parts.first().and_then(Value::as_str), parts.get(1)) {
            (Some("list" | "set"), Some(Value::String(e))) if e == "string" => ArgType::StringList,
            (Some("list" | "set"), Some(Value::String(e))) if e == "number" && !fractional => {
                ArgType::IntList
            }
            (Some("map"), Some(Value::String(e))) if e == "string" => ArgType::StringMap,
            _ => ArgType::Expr,
        },
        _ => ArgType::Expr,
    }
}

/// The object attributes of a `["list"|"set", ["object", {…}]]` attribute, sorted by name.
fn object_list(attr: &AttributeSchema) -> Option<Vec<(String, Value)>> {
    let parts = attr.ty.as_ref()?.as_array()?;
    if !matches!(parts.first()?.as_str()?, "list" | "set") {
        return None;
    }
    let element = parts.get(1)?.as_array()?;
    if element.first()?.as_str()? != "object" {
        return None;
    }
    let mut fields: Vec<(String, Value)> = element
        .get(1)?
        .as_object()?
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    Some(fields)
}

fn cardinality(nested: &NestedBlockSchema, path: &str) -> Result<Card, String> {
    match nested.nesting_mode.as_str() {
        // A `single` block has no min/max in the schema; it is optional.
        "single" => Ok(Card::Optional),
        "list" | "set" if nested.max_items == 1 && nested.min_items >= 1 => Ok(Card::Required),
        "list" | "set" if nested.max_items == 1 => Ok(Card::Optional),
        "list" | "set" => Ok(Card::Repeated),
        other => Err(format!("{path}: unsupported nesting mode `{other}`")),
    }
}

/// `lambda_function` → `LambdaFunction`, `apigatewayv2_api` → `Apigatewayv2Api`.
pub fn camel_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Method names a setter must not take.
const RESERVED_METHODS: &[&str] = &[
    "new",
    "default",
    "to_body",
    "to_block",
    "clone",
    "eq",
    "ne",
    "fmt",
    "serialize",
];

/// Rust keywords an argument name may collide with (2021 edition, strict and reserved).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "static",
    "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual",
    "where", "while", "yield",
];
/// Keywords that cannot be raw identifiers.
const NON_RAW_KEYWORDS: &[&str] = &["crate", "self", "Self", "super"];

/// The field identifier and setter name of an argument: `type` → (`r#type`, `type_`),
/// `self` (not allowed as a raw identifier) → (`self_`, `self_`).
pub fn rust_names(tf_name: &str) -> (String, String) {
    if NON_RAW_KEYWORDS.contains(&tf_name) {
        (format!("{tf_name}_"), format!("{tf_name}_"))
    } else if KEYWORDS.contains(&tf_name) {
        (format!("r#{tf_name}"), format!("{tf_name}_"))
    } else {
        (tf_name.to_string(), tf_name.to_string())
    }
}
