//! The subset of `terraform providers schema -json` that the generator reads, and where the
//! JSON comes from.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The provider whose schema we read.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/hashicorp/aws";
/// The provider version the checked-in code is generated from. The schema JSON does not carry
/// the version, so it is pinned here (and in `scripts/tf-schema`).
pub const PROVIDER_VERSION: &str = "5.100.0";
/// The environment variable naming a schema JSON file.
pub const SCHEMA_ENV: &str = "TFSTACK_PROVIDER_SCHEMA";

#[derive(Debug, Deserialize)]
pub struct ProvidersSchema {
    #[serde(default)]
    pub provider_schemas: BTreeMap<String, ProviderSchema>,
}

#[derive(Debug, Deserialize)]
pub struct ProviderSchema {
    #[serde(default)]
    pub resource_schemas: BTreeMap<String, TypeSchema>,
    #[serde(default)]
    pub data_source_schemas: BTreeMap<String, TypeSchema>,
}

#[derive(Debug, Deserialize)]
pub struct TypeSchema {
    pub block: BlockSchema,
}

#[derive(Debug, Default, Deserialize)]
pub struct BlockSchema {
    #[serde(default)]
    pub attributes: BTreeMap<String, AttributeSchema>,
    #[serde(default)]
    pub block_types: BTreeMap<String, NestedBlockSchema>,
    #[serde(default)]
    pub deprecated: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct AttributeSchema {
    /// A cty type in JSON form: `"string"`, `["list", "string"]`, `["object", {…}]`, ….
    #[serde(rename = "type")]
    pub ty: Option<serde_json::Value>,
    /// Plugin-framework nested attributes; never plain literals, so they map to `Expr`.
    pub nested_type: Option<serde_json::Value>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub computed: bool,
    #[serde(default)]
    pub deprecated: bool,
}

#[derive(Debug, Deserialize)]
pub struct NestedBlockSchema {
    pub nesting_mode: String,
    #[serde(default)]
    pub min_items: u64,
    /// Absent or 0 means unbounded.
    #[serde(default)]
    pub max_items: u64,
    #[serde(default)]
    pub block: BlockSchema,
}

impl ProvidersSchema {
    pub fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| format!("provider schema JSON: {e}"))
    }

    /// The hashicorp/aws provider's schema.
    pub fn aws(&self) -> Result<&ProviderSchema, String> {
        self.provider_schemas
            .get(PROVIDER_ADDRESS)
            .ok_or_else(|| format!("provider schema JSON has no `{PROVIDER_ADDRESS}` entry"))
    }
}

/// Why no schema could be loaded.
#[derive(Debug)]
pub enum SchemaError {
    /// Nothing is configured and the default source (`scripts/tf-schema`: terraform and the
    /// provider) is not usable: tests skip on this.
    Unavailable(String),
    /// A source was named explicitly (flag or environment) but could not be read.
    Invalid(String),
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::Unavailable(why) => write!(
                f,
                "provider schema not available: {why}\n\
                 (pass --schema FILE, set {SCHEMA_ENV}=FILE, or install terraform and the \
                 provider so that scripts/tf-schema --json works; FILE is `terraform providers \
                 schema -json` output for hashicorp/aws {PROVIDER_VERSION})"
            ),
            SchemaError::Invalid(why) => write!(f, "provider schema: {why}"),
        }
    }
}

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Reads the schema JSON text: `explicit` (the `--schema` flag), else `$TFSTACK_PROVIDER_SCHEMA`,
/// else the output of `<root>/scripts/tf-schema --json` (terraform with the pinned provider
/// from the offline mirror or, when allowed, the registry).
pub fn load_schema_text(explicit: Option<&Path>) -> Result<String, SchemaError> {
    let from_env = std::env::var_os(SCHEMA_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if let Some(path) = explicit.map(Path::to_path_buf).or(from_env) {
        return std::fs::read_to_string(&path)
            .map_err(|e| SchemaError::Invalid(format!("cannot read {}: {e}", path.display())));
    }
    let script = workspace_root().join("scripts/tf-schema");
    if !script.is_file() {
        return Err(SchemaError::Unavailable(format!(
            "{} does not exist",
            script.display()
        )));
    }
    let output = Command::new("bash")
        .arg(&script)
        .arg("--json")
        .output()
        .map_err(|e| SchemaError::Unavailable(format!("cannot run {}: {e}", script.display())))?;
    if !output.status.success() {
        return Err(SchemaError::Unavailable(format!(
            "{} --json failed ({}): {}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    String::from_utf8(output.stdout)
        .map_err(|e| SchemaError::Invalid(format!("{} --json: not UTF-8: {e}", script.display())))
}
