//! `gen-l1`: typed L1 structs for the types in `xtask/l1-types.txt`, from the real provider
//! schema, written under `model/src/l1/`.

pub mod emit;
pub mod model;
pub mod schema;

use model::{Kind, TypeModel, FRACTIONAL_NUMBERS};
use schema::ProvidersSchema;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The generated directory, relative to the workspace root. Everything in it is generated.
pub const OUTPUT_DIR: &str = "model/src/l1";
/// The list of types, relative to the workspace root.
pub const TYPES_FILE: &str = "xtask/l1-types.txt";

/// Parses `l1-types.txt`: `resource aws_x` / `data aws_y` lines, `#` comments.
pub fn parse_types(text: &str) -> Result<Vec<(Kind, String)>, String> {
    let mut types = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let kind = match words.as_slice() {
            ["resource", _] => Kind::Resource,
            ["data", _] => Kind::Data,
            _ => {
                return Err(format!(
                    "{TYPES_FILE}:{}: expected `resource aws_x` or `data aws_y`, got `{line}`",
                    n + 1
                ))
            }
        };
        let entry = (kind, words[1].to_string());
        if types.contains(&entry) {
            return Err(format!("{TYPES_FILE}:{}: `{line}` is listed twice", n + 1));
        }
        types.push(entry);
    }
    Ok(types)
}

/// The models of the listed types; `fractional` is the `Arg<f64>` allowlist.
pub fn build_models(
    schema_json: &str,
    types_text: &str,
    fractional: &[&str],
) -> Result<Vec<TypeModel>, String> {
    let schema = ProvidersSchema::parse(schema_json)?;
    let types = parse_types(types_text)?;
    model::build_all(schema.aws()?, &types, fractional)
}

/// Every generated file, before rustfmt: path relative to the workspace root → text.
pub fn generate_unformatted(
    schema_json: &str,
    types_text: &str,
    fractional: &[&str],
) -> Result<BTreeMap<String, String>, String> {
    let models = build_models(schema_json, types_text, fractional)?;
    let mut files = BTreeMap::new();
    let mut helpers = emit::Helpers::default();
    for kind in [Kind::Resource, Kind::Data] {
        let of_kind: Vec<&TypeModel> = models.iter().filter(|m| m.kind == kind).collect();
        for m in &of_kind {
            files.insert(
                format!("{OUTPUT_DIR}/{}/{}.rs", kind.module(), m.module),
                emit::type_file(m, &mut helpers),
            );
        }
        files.insert(
            format!("{OUTPUT_DIR}/{}/mod.rs", kind.module()),
            emit::kind_mod_file(kind, &of_kind),
        );
    }
    files.insert(format!("{OUTPUT_DIR}/mod.rs"), emit::l1_mod_file(helpers));
    Ok(files)
}

/// Every generated file, formatted exactly as `cargo fmt` would.
pub fn generate(schema_json: &str, types_text: &str) -> Result<BTreeMap<String, String>, String> {
    let files = generate_unformatted(schema_json, types_text, FRACTIONAL_NUMBERS)?;
    // rustfmt is a process per file; run them on a few threads.
    let entries: Vec<(String, String)> = files.into_iter().collect();
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get().min(8));
    let chunk = entries.len().div_ceil(threads).max(1);
    let results: Vec<Result<Vec<(String, String)>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(path, text)| {
                            rustfmt(text)
                                .map(|t| (path.clone(), t))
                                .map_err(|e| format!("{path}: {e}"))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("rustfmt thread panicked".into()))
            })
            .collect()
    });
    let mut formatted = BTreeMap::new();
    for part in results {
        formatted.extend(part?);
    }
    Ok(formatted)
}

/// Formats Rust source with `rustfmt --edition 2021`, as `cargo fmt` does for this workspace.
/// Runs in the workspace root so a future `rustfmt.toml` applies to both alike.
pub fn rustfmt(text: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .current_dir(schema::workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    // Write stdin on another thread so a large output cannot deadlock against our input.
    let mut stdin = child.stdin.take().ok_or("rustfmt: no stdin")?;
    let input = text.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt: writer thread panicked".to_string())?
        .map_err(|e| format!("rustfmt: writing stdin: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "rustfmt failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("rustfmt output is not UTF-8: {e}"))
}

/// How the files on disk differ from the generated ones.
#[derive(Debug, Default)]
pub struct Drift {
    /// Present with other content: path and a short description of the first difference.
    pub stale: Vec<(String, String)>,
    pub missing: Vec<String>,
    /// Present under the output directory but not generated.
    pub orphan: Vec<String>,
}

impl Drift {
    pub fn is_clean(&self) -> bool {
        self.stale.is_empty() && self.missing.is_empty() && self.orphan.is_empty()
    }

    /// The `--check` report.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for (path, diff) in &self.stale {
            out.push_str(&format!("stale:   {path}\n{diff}"));
        }
        for path in &self.missing {
            out.push_str(&format!("missing: {path}\n"));
        }
        for path in &self.orphan {
            out.push_str(&format!("orphan:  {path}\n"));
        }
        out
    }
}

/// Compares `expected` (paths relative to `root`) with the files under `root/OUTPUT_DIR`.
pub fn compare(root: &Path, expected: &BTreeMap<String, String>) -> Result<Drift, String> {
    let mut drift = Drift::default();
    for (path, text) in expected {
        match std::fs::read_to_string(root.join(path)) {
            Ok(actual) if actual == *text => {}
            Ok(actual) => drift
                .stale
                .push((path.clone(), first_difference(&actual, text))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => drift.missing.push(path.clone()),
            Err(e) => return Err(format!("{path}: {e}")),
        }
    }
    for path in files_under(root, Path::new(OUTPUT_DIR))? {
        if !expected.contains_key(&path) {
            drift.orphan.push(path);
        }
    }
    Ok(drift)
}

/// A unified-diff-like excerpt of the first differing line.
pub fn first_difference(actual: &str, expected: &str) -> String {
    let a: Vec<&str> = actual.lines().collect();
    let e: Vec<&str> = expected.lines().collect();
    let line = a
        .iter()
        .zip(&e)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(e.len()));
    let mut out = format!(
        "  @@ line {} (checked in: {} lines, generated: {} lines) @@\n",
        line + 1,
        a.len(),
        e.len()
    );
    match a.get(line) {
        Some(l) => out.push_str(&format!("  -{l}\n")),
        None => out.push_str("  -<end of file>\n"),
    }
    match e.get(line) {
        Some(l) => out.push_str(&format!("  +{l}\n")),
        None => out.push_str("  +<end of file>\n"),
    }
    out
}

/// Files under `root/dir`, recursively, as `/`-separated paths relative to `root`, sorted.
fn files_under(root: &Path, dir: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(root.join(dir)) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let rel: PathBuf = dir.join(entry.file_name());
        if entry.path().is_dir() {
            out.extend(files_under(root, &rel)?);
        } else {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    out.sort();
    Ok(out)
}

/// Writes `expected` under `root` and removes orphans; returns a one-line summary.
pub fn write(root: &Path, expected: &BTreeMap<String, String>) -> Result<String, String> {
    let drift = compare(root, expected)?;
    let changed: Vec<&String> = drift
        .stale
        .iter()
        .map(|(p, _)| p)
        .chain(&drift.missing)
        .collect();
    for path in &changed {
        let full = root.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&full, &expected[*path]).map_err(|e| format!("{path}: {e}"))?;
    }
    for path in &drift.orphan {
        std::fs::remove_file(root.join(path)).map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(format!(
        "gen-l1: {} files: {} written, {} removed, {} unchanged",
        expected.len(),
        changed.len(),
        drift.orphan.len(),
        expected.len() - changed.len()
    ))
}

/// `gen-l1 [--schema FILE] [--check]`; returns the process exit code.
pub fn run(args: &[String]) -> i32 {
    let mut schema_path: Option<PathBuf> = None;
    let mut check = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--schema" => match it.next() {
                Some(p) => schema_path = Some(PathBuf::from(p)),
                None => return usage("--schema needs a FILE"),
            },
            a if a.starts_with("--schema=") => {
                schema_path = Some(PathBuf::from(&a["--schema=".len()..]))
            }
            other => return usage(&format!("unexpected argument `{other}`")),
        }
    }
    match run_inner(schema_path.as_deref(), check) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn usage(problem: &str) -> i32 {
    eprintln!("error: {problem}\nusage: cargo run -p xtask -- gen-l1 [--schema FILE] [--check]");
    2
}

fn run_inner(schema_path: Option<&Path>, check: bool) -> Result<i32, String> {
    let root = schema::workspace_root();
    let json = schema::load_schema_text(schema_path).map_err(|e| e.to_string())?;
    let types =
        std::fs::read_to_string(root.join(TYPES_FILE)).map_err(|e| format!("{TYPES_FILE}: {e}"))?;
    let expected = generate(&json, &types)?;
    if check {
        let drift = compare(&root, &expected)?;
        if drift.is_clean() {
            println!("gen-l1: {} files up to date", expected.len());
            return Ok(0);
        }
        eprint!("{}", drift.report());
        eprintln!("gen-l1: generated code is out of date; run `cargo run -p xtask -- gen-l1`");
        return Ok(1);
    }
    println!("{}", write(&root, &expected)?);
    Ok(0)
}

#[cfg(test)]
mod tests;
