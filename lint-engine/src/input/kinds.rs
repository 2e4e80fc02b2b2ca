//! The kinds of input tfstack reads, one loader each. Discovery asks these lists which
//! files to read: adding an input kind is one loader here and one entry in its list.
//!
//! - Module files belong to a module directory and Terraform loads every one of them:
//!   `.tf` (HCL), `.tf.json`, and the auto-loaded variable files.
//! - JSON documents are linted on their own and recognised by their content:
//!   `terraform show -json` plans and IAM policy documents.

use crate::located::InputError;
use tfstack_model::ir::Body;
use tfstack_model::load::plan::{self, PlanError};
use tfstack_model::{Block, ExprKind, FileId, SourceFile, Span, Structure, Value};

/// What a module file gives the module.
pub enum ModuleFileContent {
    /// Blocks (`resource`, `variable`, …).
    Blocks(Body),
    /// Variable values, applied in Terraform's order once every file is read.
    Variables,
}

/// A kind of file that belongs to a module directory.
pub trait ModuleFileKind: Sync {
    /// Whether a file of this name is of this kind.
    fn matches(&self, file_name: &str) -> bool;
    /// Parses the file.
    fn parse(&self, file: &SourceFile, id: FileId) -> Result<ModuleFileContent, InputError>;
    /// Whether a large file of this kind is parsed as it is read
    /// ([`ModuleFileKind::parse_streamed`]) rather than read whole first.
    fn streams(&self) -> bool {
        false
    }
    /// Parses a [`SourceFile::pending`] file read a piece at a time from `handle`, at most
    /// `limit` bytes, its text never held whole. `None` when it must be read whole: its
    /// errors are those [`ModuleFileKind::parse`] gives.
    fn parse_streamed(
        &self,
        _file: &SourceFile,
        _id: FileId,
        _handle: std::fs::File,
        _limit: u64,
    ) -> Option<ModuleFileContent> {
        None
    }
}

/// `.tf` files.
pub struct HclFiles;
/// `.tf.json` files.
pub struct TfJsonFiles;
/// `terraform.tfvars(.json)` and `*.auto.tfvars(.json)`: variable values Terraform loads
/// by itself.
pub struct AutoVariableFiles;

/// Every kind of module file.
pub static MODULE_FILE_KINDS: &[&dyn ModuleFileKind] =
    &[&HclFiles, &TfJsonFiles, &AutoVariableFiles];

/// The kind of a module file, by its name.
pub fn module_file_kind(file_name: &str) -> Option<&'static dyn ModuleFileKind> {
    MODULE_FILE_KINDS
        .iter()
        .copied()
        .find(|k| k.matches(file_name))
}

impl ModuleFileKind for HclFiles {
    fn matches(&self, file_name: &str) -> bool {
        file_name.ends_with(".tf")
    }
    fn parse(&self, file: &SourceFile, id: FileId) -> Result<ModuleFileContent, InputError> {
        parse_hcl(file, id).map(ModuleFileContent::Blocks)
    }
    fn streams(&self) -> bool {
        true
    }
    fn parse_streamed(
        &self,
        file: &SourceFile,
        id: FileId,
        handle: std::fs::File,
        limit: u64,
    ) -> Option<ModuleFileContent> {
        stream_hcl(file, id, handle, limit).map(ModuleFileContent::Blocks)
    }
}

/// [`parse_hcl`] of a file read a piece at a time: what the rules read of its text (the
/// lines of suppression comments, heredocs) kept as each piece is parsed, as
/// [`SourceFile::release_text`] keeps it. `None` when the file must be read whole: a line
/// too long, text that is not UTF-8 or does not parse (the whole text gives the error).
fn stream_hcl(
    file: &SourceFile,
    id: FileId,
    mut handle: std::fs::File,
    limit: u64,
) -> Option<Body> {
    use std::io::{Read, Seek, SeekFrom};
    // A UTF-8 byte order mark is skipped, as Terraform skips it.
    let mut head = [0u8; 3];
    let skip = match handle.read_exact(&mut head) {
        Ok(()) if head == tfstack_model::UTF8_BOM => 3,
        _ => 0,
    };
    handle.seek(SeekFrom::Start(skip)).ok()?;
    // The limit counts the file's bytes, the byte order mark included.
    let limit = limit.saturating_sub(skip);
    let mut kept = tfstack_model::StreamedText::default();
    let mut heredocs = Vec::new();
    let body = {
        let mut source = (&handle).take(limit.saturating_add(1));
        tfstack_model::load::hcl::parse_streamed(
            &mut source,
            id,
            (limit, MAX_HCL_LINE),
            &mut |text, base, body| {
                heredocs.clear();
                heredoc_spans(body, &mut heredocs);
                kept.piece(text, base, crate::suppress::mentions_suppression, &heredocs)
            },
        )?
    };
    file.stream(handle, skip, kept).then_some(body)
}

impl ModuleFileKind for TfJsonFiles {
    fn matches(&self, file_name: &str) -> bool {
        file_name.ends_with(".tf.json")
    }
    fn parse(&self, file: &SourceFile, id: FileId) -> Result<ModuleFileContent, InputError> {
        tfstack_model::load::tfjson::parse_tf_json(&file.text(), id)
            .map(ModuleFileContent::Blocks)
            .map_err(|(line, column, message)| InputError::at(file, line, column, message))
    }
}

impl ModuleFileKind for AutoVariableFiles {
    fn matches(&self, file_name: &str) -> bool {
        file_name == "terraform.tfvars"
            || file_name == "terraform.tfvars.json"
            || file_name.ends_with(".auto.tfvars")
            || file_name.ends_with(".auto.tfvars.json")
    }
    fn parse(&self, _: &SourceFile, _: FileId) -> Result<ModuleFileContent, InputError> {
        Ok(ModuleFileContent::Variables)
    }
}

/// The longest line of HCL the loader parses. hcl-edit spends about 0.1 µs per byte of a
/// string literal optimized and 1 µs unoptimized, so a 20 MB line (generated or garbage,
/// never written by hand) would take 20 s in a debug build; it is reported instead.
pub const MAX_HCL_LINE: usize = 1024 * 1024;

/// Parses HCL text (`.tf`, `.tfvars`) into a body. Lines over [`MAX_HCL_LINE`] are refused
/// before parsing. Deep nesting needs no guard here: hcl-edit refuses more than 64 nested
/// levels and 128 chained operators itself.
pub fn parse_hcl(file: &SourceFile, id: FileId) -> Result<Body, InputError> {
    let text = file.text();
    for (i, line) in text.split('\n').enumerate() {
        if line.len() > MAX_HCL_LINE {
            return Err(InputError::at_position(
                &file.path,
                i as u32 + 1,
                1,
                format!(
                    "line is {} bytes long; tfstack parses HCL lines up to {MAX_HCL_LINE} bytes",
                    line.len()
                ),
            ));
        }
    }
    tfstack_model::load::hcl::parse_body(&text, id)
        .map_err(|e| InputError::at(file, e.line as u32, e.column as u32, e.message))
}

/// One module a JSON document is linted as: its blocks, or a standalone policy.
pub struct DocumentModule {
    /// The module address inside a plan (`module.queues`), empty for the root.
    pub address: String,
    pub blocks: Vec<Block>,
    /// A standalone IAM policy document.
    pub policy: Option<Value>,
    /// The values of the module's input variables the document gives (a plan's root
    /// `variables`).
    pub variables: std::collections::HashMap<String, Value>,
}

/// A kind of JSON document linted on its own.
pub trait JsonDocumentKind: Sync {
    /// A cheap look at the text: whether it may be of this kind (most JSON in a
    /// repository is neither, and is not parsed).
    fn may_be(&self, text: &str) -> bool;
    /// Whether the parsed document is of this kind.
    fn is(&self, document: &Value) -> bool;
    /// The modules the document is linted as, and what in it could not be read.
    fn modules(
        &self,
        document: Value,
        file: &SourceFile,
        id: FileId,
    ) -> (Vec<DocumentModule>, Vec<InputError>);
}

/// A `terraform show -json` plan.
pub struct PlanDocuments;
/// A standalone IAM policy (a top-level `Statement`).
pub struct PolicyDocuments;

/// Every kind of JSON document, in the order they are tried.
pub static JSON_DOCUMENT_KINDS: &[&dyn JsonDocumentKind] = &[&PlanDocuments, &PolicyDocuments];

/// The first `limit` bytes of `text` (fewer, to end on a character boundary).
fn head(text: &str, limit: usize) -> &str {
    let mut end = limit.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl JsonDocumentKind for PlanDocuments {
    fn may_be(&self, text: &str) -> bool {
        head(text, 4096).contains("\"format_version\"") || text.contains("\"planned_values\"")
    }
    fn is(&self, document: &Value) -> bool {
        document.get("planned_values").is_some()
            || document.get("resource_changes").is_some()
            || document.get("configuration").is_some()
    }
    fn modules(
        &self,
        document: Value,
        file: &SourceFile,
        id: FileId,
    ) -> (Vec<DocumentModule>, Vec<InputError>) {
        let (modules, errors) = plan::blocks_from_plan(&document.to_json(), id, Some(&document));
        // The root module's variables, as the plan was made with them (`-var`, tfvars).
        let root_variables: std::collections::HashMap<String, Value> = document
            .get("variables")
            .and_then(Value::as_object)
            .map(|variables| {
                variables
                    .iter()
                    .filter_map(|(name, v)| Some((name.to_string(), v.get("value")?.clone())))
                    .collect()
            })
            .unwrap_or_default();
        let modules = modules
            .into_iter()
            .map(|m| DocumentModule {
                variables: if m.address.is_empty() {
                    root_variables.clone()
                } else {
                    Default::default()
                },
                address: m.address,
                blocks: m.blocks,
                policy: None,
            })
            .collect();
        let errors = errors
            .into_iter()
            .map(|e| plan_error(file, &document, e))
            .collect();
        (modules, errors)
    }
}

/// A plan error at the offending value's line and column.
fn plan_error(file: &SourceFile, document: &Value, e: PlanError) -> InputError {
    match plan::resolve_pointer(document, &e.pointer).and_then(|v| v.origin.file_span()) {
        Some((_, span)) => InputError::at_offset(file, span.start as usize, e.message),
        _ => InputError::at(file, 1, 1, e.message),
    }
}

impl JsonDocumentKind for PolicyDocuments {
    fn may_be(&self, text: &str) -> bool {
        text.contains("\"Statement\"") || text.contains("\"statement\"")
    }
    fn is(&self, document: &Value) -> bool {
        document.get_ignore_case("Statement").is_some()
    }
    fn modules(
        &self,
        document: Value,
        _: &SourceFile,
        _: FileId,
    ) -> (Vec<DocumentModule>, Vec<InputError>) {
        let module = DocumentModule {
            address: String::new(),
            blocks: Vec::new(),
            policy: Some(document),
            variables: Default::default(),
        };
        (vec![module], Vec::new())
    }
}

/// A JSON document's kind and its parsed value; `Ok(None)` for JSON that is no kind
/// tfstack lints (most JSON in a repository), an error for a candidate that does not parse.
pub fn json_document(
    file: &SourceFile,
    id: FileId,
) -> Result<Option<(&'static dyn JsonDocumentKind, Value)>, InputError> {
    let text = file.text();
    let text: &str = &text;
    if !text.trim_start().starts_with('{') {
        return Ok(None);
    }
    let candidates: Vec<&'static dyn JsonDocumentKind> = JSON_DOCUMENT_KINDS
        .iter()
        .copied()
        .filter(|k| k.may_be(text))
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let value = tfstack_model::load::json::parse(text, id, 0)
        .map_err(|e| InputError::at_offset(file, e.offset, e.message))?;
    Ok(candidates
        .into_iter()
        .find(|k| k.is(&value))
        .map(|k| (k, value)))
}

/// Where every heredoc in `body` is written.
pub(crate) fn heredoc_spans(body: &Body, out: &mut Vec<Span>) {
    for item in &body.items {
        match item {
            Structure::Attribute(a) => a.value.visit(&mut |e| {
                if let (ExprKind::Template(t), Some((_, span))) = (&e.kind, e.origin.file_span()) {
                    if t.heredoc.is_some() {
                        out.push(span);
                    }
                }
            }),
            Structure::Block(b) => heredoc_spans(&b.body, out),
        }
    }
}
