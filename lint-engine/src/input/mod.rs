//! What `tfstack lint PATH…` reads: directories walked (honouring `.gitignore`, skipping
//! hidden folders and `.terraform/`), each directory of `.tf`/`.tf.json` files one module
//! with its tfvars; plan JSON and standalone IAM policy JSON detected by content.

use crate::context::Module;
use crate::located::{display_path, InputError};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use tfstack_model::eval::DiskFiles;
use tfstack_model::load::hcl::parse_body;
use tfstack_model::{Block, Config, FileId, Origin, SourceFile, SourceFiles, Structure, Value};

/// Options that shape how inputs are read.
#[derive(Clone, Debug, Default)]
pub struct InputOptions {
    /// `--env NAME`: the environment of hand-written code.
    pub environment: Option<String>,
    pub production_names: Vec<String>,
    /// `--var-file F` (applied after auto-loaded tfvars, in order).
    pub var_files: Vec<PathBuf>,
    /// `--var k=v` (applied last).
    pub vars: Vec<(String, String)>,
}

/// The inputs found under the given paths.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Module directory → its files (`.tf`, `.tf.json`, tfvars), sorted.
    pub modules: BTreeMap<PathBuf, Vec<PathBuf>>,
    /// `.json` files to classify (plan, policy, or neither).
    pub json_files: Vec<PathBuf>,
    pub errors: Vec<InputError>,
    /// Modules loaded whole because files of theirs were named on the command line (as
    /// pre-commit does): only the named files are reported on; the other files are
    /// context (variables, log groups, policies, …).
    pub focus: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
}

/// Walks `paths` and groups what it finds.
pub fn discover(paths: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs::default();
    let mut seen = BTreeSet::new();
    let mut named: Vec<&PathBuf> = Vec::new();
    for p in paths {
        if p.is_file() {
            if is_module_file(p) {
                named.push(p);
            } else {
                add_file(&mut inputs, p, &mut seen);
            }
            continue;
        }
        if !p.is_dir() {
            // Fix: a FIFO or device named on the command line was reported as missing.
            let message = if p.exists() {
                "not a regular file or directory"
            } else {
                "no such file or directory"
            };
            inputs.errors.push(InputError {
                path: display_path(p),
                line: 0,
                column: 0,
                message: message.into(),
            });
            continue;
        }
        let walker = ignore::WalkBuilder::new(p)
            .hidden(true)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(false)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".terraform")
            .sort_by_file_path(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    add_file(&mut inputs, e.path(), &mut seen)
                }
                Ok(_) => {}
                Err(err) => inputs.errors.push(InputError {
                    path: display_path(p),
                    line: 0,
                    column: 0,
                    message: err.to_string(),
                }),
            }
        }
    }
    // A named `.tf` file is linted in its module: a log group, a variable's value or a
    // policy in a sibling file decides what its resources mean (linted alone, `main.tf`
    // would get LOG002 for a log group declared in `logs.tf`). Its siblings are loaded as
    // context and findings are reported for the named files only, unless the directory
    // is walked anyway.
    let walked: BTreeSet<PathBuf> = inputs
        .modules
        .keys()
        .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone()))
        .collect();
    let mut named_seen: BTreeSet<PathBuf> = BTreeSet::new();
    // Canonical directory → the form it was first named in (one module per directory).
    let mut dirs: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for p in named {
        // `./main.tf` is `main.tf`; the same file named twice (or by another path) once.
        let p = normalize_lexically(p);
        let canonical = std::fs::canonicalize(parent_dir(&p)).unwrap_or_else(|_| parent_dir(&p));
        let file = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if walked.contains(&canonical) || !named_seen.insert(file) {
            continue;
        }
        let dir = dirs
            .entry(canonical)
            .or_insert_with(|| parent_dir(&p))
            .clone();
        let p = &match p.file_name() {
            Some(name) if dir != parent_dir(&p) => in_dir(&dir, name),
            _ => p,
        };
        inputs
            .focus
            .entry(dir.clone())
            .or_default()
            .insert(p.clone());
        let files = inputs.modules.entry(dir.clone()).or_default();
        if files.is_empty() {
            // Siblings named like the given file (`main.tf` → `logs.tf`, `a/main.tf` →
            // `a/logs.tf`), skipping what Terraform skips (`.x.tf`, `#x.tf#`, `x.tf~`).
            let siblings = std::fs::read_dir(&dir)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| e.file_name().to_string_lossy().to_string())
                        .filter(|n| !n.starts_with('.') && !n.starts_with('#') && !n.ends_with('~'))
                        .map(|n| in_dir(&dir, n.as_ref()))
                        .filter(|s| s.is_file() && is_module_file(s))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            files.extend(siblings);
        }
        if !files.contains(p) {
            files.push(p.clone());
        }
        files.sort();
        files.dedup();
    }
    // Local module calls to directories outside the walked paths are linted too, and the
    // modules those call, transitively. Directories are compared canonically (fix: a
    // call `../../modules/x` from a walked `envs/prod` was linted a second time, as
    // `envs/prod/../../modules/x`, doubling its findings) and shown lexically normalized.
    let mut known: BTreeSet<PathBuf> = inputs
        .modules
        .keys()
        .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone()))
        .collect();
    let mut pending: Vec<PathBuf> = inputs.modules.keys().cloned().collect();
    while let Some(dir) = pending.pop() {
        let files = inputs.modules.get(&dir).cloned().unwrap_or_default();
        for f in files {
            for s in local_module_sources(&f).unwrap_or_default() {
                let target = normalize_lexically(&dir.join(&s));
                let Ok(canonical) = std::fs::canonicalize(&target) else {
                    continue;
                };
                if !canonical.is_dir() || !known.insert(canonical) {
                    continue;
                }
                let Ok(rd) = std::fs::read_dir(&target) else {
                    continue;
                };
                let mut files: Vec<PathBuf> = rd
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| is_module_file(p))
                    .collect();
                files.sort();
                if !files.is_empty() {
                    inputs.modules.insert(target.clone(), files);
                    pending.push(target);
                }
            }
        }
    }
    inputs
}

/// `a/b/../c/./d` → `a/c/d`, keeping leading `..` (a relative path that climbs stays
/// relative, so it is shown as the user would write it).
fn normalize_lexically(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut parts: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => parts.push(c),
            },
            _ => parts.push(c),
        }
    }
    if parts.is_empty() {
        return PathBuf::from(".");
    }
    parts.iter().collect()
}

fn add_file(inputs: &mut Inputs, p: &Path, seen: &mut BTreeSet<PathBuf>) {
    if !seen.insert(p.to_path_buf()) {
        return;
    }
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if is_module_file(p) {
        inputs
            .modules
            .entry(parent_dir(p))
            .or_default()
            .push(p.to_path_buf());
    } else if name.ends_with(".json") && !name.ends_with(".tfvars.json") {
        inputs.json_files.push(p.to_path_buf());
    }
}

/// `name` in `dir`, as a user would write it (`main.tf` in `.`, `a/main.tf` in `a`).
fn in_dir(dir: &Path, name: &std::ffi::OsStr) -> PathBuf {
    if dir == Path::new(".") {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

/// The directory of a file as named (`.` for a bare file name).
fn parent_dir(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `.tf`, `.tf.json`, `terraform.tfvars(.json)`, `*.auto.tfvars(.json)`.
fn is_module_file(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    name.ends_with(".tf")
        || name.ends_with(".tf.json")
        || name == "terraform.tfvars"
        || name == "terraform.tfvars.json"
        || name.ends_with(".auto.tfvars")
        || name.ends_with(".auto.tfvars.json")
}

/// `source = "./x"` of module calls in a file (cheap textual pre-scan; the loader parses
/// properly later).
fn local_module_sources(path: &Path) -> Option<Vec<String>> {
    if path.extension().and_then(|e| e.to_str()) != Some("tf") {
        return None;
    }
    let text = read_text(path).ok()?;
    if !may_declare_module(&text) {
        return None;
    }
    let body = parse_hcl(&text, FileId(0)).ok()?;
    Some(
        body.blocks()
            .filter(|b| b.kind == "module")
            .filter_map(|b| {
                b.body
                    .get("source")
                    .and_then(|e| e.as_str())
                    .map(str::to_string)
            })
            .filter(|s| s.starts_with("./") || s.starts_with("../"))
            .collect(),
    )
}

/// Whether `text` may hold a top-level `module` block: the word `module` first on its line
/// (after whitespace or the end of a `/* */` comment) and followed by whitespace, `"` or
/// `{`. Perf: almost every file mentions `path.module` (or "module" in a comment or a
/// description), and the plain `contains("module")` this replaces made discovery parse
/// nearly every file a second time, on one thread.
fn may_declare_module(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices("module").any(|(i, _)| {
        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        let before = text[line_start..i].trim();
        let after = bytes.get(i + "module".len()).copied();
        (before.is_empty() || before.ends_with("*/"))
            && matches!(
                after,
                None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'{')
            )
    })
}

/// Reads a module directory's files into a [`Module`]. Parse errors are returned; the
/// other files of the module are still loaded.
pub fn load_module(
    dir: &Path,
    files: &[PathBuf],
    options: &InputOptions,
) -> (Module, Vec<InputError>) {
    let mut sources = SourceFiles::default();
    let mut config = Config::default();
    let mut errors = Vec::new();
    let mut tfvars: Vec<(PathBuf, FileId)> = Vec::new();
    // Perf: files are read, then parsed, in parallel (a module of many files no longer
    // runs on one core); ids, errors and blocks keep the order of the sorted file list.
    enum Read {
        Unreadable(InputError),
        Tfvars,
        ToParse,
    }
    let texts: Vec<Result<String, InputError>> = files.par_iter().map(|p| read_text(p)).collect();
    let mut read: Vec<Read> = Vec::with_capacity(files.len());
    let mut to_parse: Vec<(&PathBuf, String, FileId)> = Vec::with_capacity(files.len());
    for (path, text) in files.iter().zip(texts) {
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                read.push(Read::Unreadable(e));
                continue;
            }
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let id = sources.add(SourceFile::new(path.clone(), text.as_str()));
        if name.ends_with(".tfvars") || name.ends_with(".tfvars.json") {
            tfvars.push((path.clone(), id));
            read.push(Read::Tfvars);
            continue;
        }
        read.push(Read::ToParse);
        to_parse.push((path, text, id));
    }
    let mut parsed_files = to_parse
        .into_par_iter()
        .map(|(path, text, id)| {
            let parsed = if path.to_string_lossy().ends_with(".tf.json") {
                tfstack_model::load::tfjson::parse_tf_json(&text, id)
            } else {
                parse_hcl(&text, id)
            };
            (path, parsed)
        })
        .collect::<Vec<_>>()
        .into_iter();
    for r in read {
        let (path, parsed) = match r {
            Read::Unreadable(e) => {
                errors.push(e);
                continue;
            }
            Read::Tfvars => continue,
            Read::ToParse => match parsed_files.next() {
                Some(p) => p,
                None => continue,
            },
        };
        match parsed {
            Ok(body) => {
                for item in body.items {
                    if let Structure::Block(b) = item {
                        config.push(b);
                    }
                }
            }
            Err((line, column, message)) => errors.push(InputError {
                path: display_path(path),
                line,
                column,
                message,
            }),
        }
    }
    // Auto-loaded tfvars in Terraform's order: terraform.tfvars, then *.auto.tfvars by name.
    tfvars.sort_by_key(|(p, _)| {
        let n = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        (!n.starts_with("terraform.tfvars"), n)
    });
    let mut variables = HashMap::new();
    let empty = Config::default();
    let disk = DiskFiles;
    let scratch = tfstack_model::eval::Evaluator::new(
        &empty,
        dir.to_path_buf(),
        SourceFiles::default(),
        &disk,
        &HashMap::new(),
    );
    for (path, id) in &tfvars {
        load_tfvars(&sources, *id, path, &scratch, &mut variables, &mut errors);
    }
    for path in &options.var_files {
        match read_text(path) {
            Ok(text) => {
                let id = sources.add(SourceFile::new(path.clone(), text.as_str()));
                load_tfvars(&sources, id, path, &scratch, &mut variables, &mut errors);
            }
            Err(e) => errors.push(e),
        }
    }
    for (k, v) in &options.vars {
        let mut value = match tfstack_model::load::hcl::parse_expression(v, FileId(u32::MAX)) {
            Ok(e) if !matches!(e.kind, tfstack_model::ExprKind::Traversal(_)) => scratch.eval(&e),
            _ => Value::string(v.clone(), Origin::Generated),
        };
        // Fix: the value kept origins in the placeholder file `u32::MAX`, and a finding
        // on it (`--var retention_days=0`) panicked when located. A command-line value
        // has no place in a file: findings fall back to the attribute that reads it.
        forget_origins(&mut value);
        variables.insert(k.clone(), value);
    }
    let module = Module {
        dir: dir.to_path_buf(),
        config,
        files: sources,
        variables,
        environment: options.environment.clone(),
        production_names: options.production_names.clone(),
        file_source: Box::new(DiskFiles),
        source_maps: HashMap::new(),
        standalone_policies: Vec::new(),
        packages: HashMap::new(),
    };
    (module, errors)
}

/// Sets every origin in `value` to `Generated`.
fn forget_origins(value: &mut Value) {
    value.origin = Origin::Generated;
    value.key_origin = Origin::Generated;
    match &mut value.kind {
        tfstack_model::ValueKind::List(items) => items.iter_mut().for_each(forget_origins),
        tfstack_model::ValueKind::Object(members) => members.values_mut().for_each(forget_origins),
        _ => {}
    }
}

fn load_tfvars(
    sources: &SourceFiles,
    id: FileId,
    path: &Path,
    scratch: &tfstack_model::eval::Evaluator,
    variables: &mut HashMap<String, Value>,
    errors: &mut Vec<InputError>,
) {
    let text = sources.get(id).text.clone();
    if path.to_string_lossy().ends_with(".json") {
        match tfstack_model::load::json::parse(&text, id, 0) {
            Ok(v) => {
                if let Some(m) = v.as_object() {
                    for (k, v) in m {
                        variables.insert(k.clone(), v.clone());
                    }
                }
            }
            Err(e) => {
                let (line, column) = sources.get(id).line_col(e.offset as u32);
                errors.push(InputError {
                    path: display_path(path),
                    line,
                    column,
                    message: e.message,
                });
            }
        }
        return;
    }
    match parse_hcl(&text, id) {
        Ok(body) => {
            for a in body.attributes() {
                variables.insert(a.name.clone(), scratch.eval(&a.value));
            }
        }
        Err((line, column, message)) => errors.push(InputError {
            path: display_path(path),
            line,
            column,
            message,
        }),
    }
}

/// The longest line of HCL the loader parses. hcl-edit spends about 0.1 µs per byte of a
/// string literal optimized and 1 µs unoptimized, so a 20 MB line (generated or garbage,
/// never written by hand) took 20 s in a debug build; it is reported instead.
pub const MAX_HCL_LINE: usize = 1024 * 1024;

/// Parses HCL text (`.tf`, `.tfvars`) into a body; errors are (line, column, message).
/// Lines over [`MAX_HCL_LINE`] are refused before parsing. Deep nesting needs no guard
/// here: hcl-edit refuses more than 64 nested levels and 128 chained operators itself.
pub fn parse_hcl(text: &str, id: FileId) -> Result<tfstack_model::ir::Body, (u32, u32, String)> {
    for (i, line) in text.split('\n').enumerate() {
        if line.len() > MAX_HCL_LINE {
            return Err((
                i as u32 + 1,
                1,
                format!(
                    "line is {} bytes long; tfstack parses HCL lines up to {MAX_HCL_LINE} bytes",
                    line.len()
                ),
            ));
        }
    }
    parse_body(text, id).map_err(|e| (e.line as u32, e.column as u32, e.message))
}

/// Reads a file as UTF-8 text, refusing binary files and anything over 64 MB. Errors name
/// the file and, for text that is not UTF-8, the line and column of the first bad byte.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let error = |line: u32, column: u32, message: String| InputError {
        path: display_path(path),
        line,
        column,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| error(0, 0, e.to_string()))?;
    if meta.len() > 64 * 1024 * 1024 {
        return Err(error(0, 0, "file is larger than 64 MB".into()));
    }
    let mut bytes = std::fs::read(path).map_err(|e| error(0, 0, e.to_string()))?;
    // Fix: a UTF-8 byte order mark (Windows editors write one) made hcl-edit fail with
    // "unexpected token" at 1:1; Terraform ignores it, and so do we.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        // Fix: the error named only a byte offset; the valid prefix gives line:column.
        let valid = e.utf8_error().valid_up_to();
        let prefix = std::str::from_utf8(&e.as_bytes()[..valid]).unwrap_or_default();
        let line = prefix.matches('\n').count() as u32 + 1;
        let column = prefix.rsplit('\n').next().unwrap_or("").chars().count() as u32 + 1;
        error(
            line,
            column,
            format!("not valid UTF-8 (byte {valid}); binary files cannot be linted"),
        )
    })
}

/// What a `.json` file is.
pub enum JsonKind {
    /// A plan, parsed with spans (`to_json()` gives the plain JSON).
    Plan(Value),
    Policy(Value),
    Other,
}

/// Classifies a JSON file by content: a `terraform show -json` plan, an IAM policy
/// (top-level `Statement`), or something else.
pub fn classify_json(path: &Path, id: FileId, text: &str) -> Result<JsonKind, InputError> {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        return Ok(JsonKind::Other);
    }
    // Cheap checks before a full parse: most JSON in a repository is neither.
    let head = &text[..text.len().min(4096)];
    let maybe_plan = head.contains("\"format_version\"") || text.contains("\"planned_values\"");
    let maybe_policy = text.contains("\"Statement\"") || text.contains("\"statement\"");
    if !maybe_plan && !maybe_policy {
        return Ok(JsonKind::Other);
    }
    let value = tfstack_model::load::json::parse(text, id, 0).map_err(|e| {
        let f = SourceFile::new(path, text);
        let (line, column) = f.line_col(e.offset as u32);
        InputError {
            path: display_path(path),
            line,
            column,
            message: e.message,
        }
    })?;
    if maybe_plan
        && (value.get("planned_values").is_some()
            || value.get("resource_changes").is_some()
            || value.get("configuration").is_some())
    {
        return Ok(JsonKind::Plan(value));
    }
    if value.get_ignore_case("Statement").is_some() {
        return Ok(JsonKind::Policy(value));
    }
    Ok(JsonKind::Other)
}

/// A module holding only blocks (used by plan loading and tests).
pub fn module_from_blocks(
    dir: &Path,
    blocks: Vec<Block>,
    files: SourceFiles,
    options: &InputOptions,
) -> Module {
    Module {
        dir: dir.to_path_buf(),
        config: Config { blocks },
        files,
        variables: HashMap::new(),
        environment: options.environment.clone(),
        production_names: options.production_names.clone(),
        file_source: Box::new(DiskFiles),
        source_maps: HashMap::new(),
        standalone_policies: Vec::new(),
        packages: HashMap::new(),
    }
}

#[cfg(test)]
mod perf_tests {
    use super::may_declare_module;

    #[test]
    fn module_prefilter_keeps_every_block_and_skips_path_module() {
        assert!(may_declare_module(
            "module \"a\" {\n  source = \"./a\"\n}\n"
        ));
        assert!(may_declare_module("x = 1\n  module\"a\" {}\n"));
        assert!(may_declare_module("/* c */module \"a\" {}"));
        assert!(may_declare_module("module\n"));
        assert!(!may_declare_module(
            "filename = \"${path.module}/build/a.zip\"\nname = var.module_name\n"
        ));
        assert!(!may_declare_module(
            "description = \"a \\\"module\\\" here\"\n"
        ));
        assert!(!may_declare_module(
            "# the shared module\nx = \"the module is\"\n"
        ));
        assert!(may_declare_module("/* a\n*/ module \"a\" {}\n"));
    }
}
