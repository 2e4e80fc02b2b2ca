//! The output tree: what synth would change under `--out` ([`plan`]), writing it
//! ([`write_tree`]) and comparing it ([`check_tree`]).
//!
//! Synth plans the whole write set before it changes anything, and refuses then: a link
//! anywhere on a path it writes or removes (checked component by component, never
//! followed) or on the way to `--out` inside the working directory, a file or a FIFO
//! where it needs a directory, a directory or a device where it writes a file, a file it
//! did not generate where it would write one, a manifest line naming what synth never
//! writes. A file in a generated folder that the manifest does
//! not list belongs to the user: synth never writes, removes or reports it.

use super::error::SynthIoError;
use super::manifest::{self, Manifest, MANIFEST};
use super::parallel::parallel_map;
use crate::write::{self, entry, read_no_follow, WriteError, TEMP_PREFIX};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Existing files up to this size are read whole for `--check`'s diff; larger ones are
/// compared by size and first bytes only.
const COMPARE_LIMIT: u64 = 16 * 1024 * 1024;

/// How deep the search for leftover temporary files goes.
const MAX_DEPTH: usize = 32;

/// What is at a path synth generates.
enum Existing {
    Missing,
    /// Another content: the old bytes when they were read whole.
    Differs(Option<Vec<u8>>),
}

/// What synth would do under `root`, decided before anything is changed.
struct Plan<'a> {
    /// Whether `root` exists.
    root_exists: bool,
    /// Files to write, in path order, with what is there now.
    writes: Vec<(&'a str, Existing)>,
    unchanged: usize,
    /// Files the manifest lists under the scope that synth no longer generates.
    removals: Vec<String>,
    /// Temporary files an interrupted synth left, relative to `root`.
    temporaries: Vec<String>,
    /// The manifest's text now, if there is one, and as synth writes it.
    manifest_now: Option<String>,
    manifest: String,
    /// When synth adds files the manifest does not list yet: the manifest written before
    /// the first of them appears (what the tree will hold, and what it is to remove), so
    /// that a synth killed halfway leaves no generated file the next one takes for the
    /// user's.
    manifest_before: Option<String>,
}

/// Plans the write of `files` (paths relative to `root`) for the `<stack>/<env>/`
/// prefixes in `scope`, refusing whatever synth must not touch.
fn plan<'a>(
    root: &Path,
    files: &'a BTreeMap<String, Vec<u8>>,
    scope: &[String],
) -> Result<Plan<'a>, SynthIoError> {
    for path in files.keys() {
        if let Some(problem) = manifest::name_problem(path) {
            return Err(SynthIoError::BadName {
                path: path.clone(),
                problem,
            });
        }
    }
    write::no_link_on_the_way_here(root)?;
    let root_exists = entry(root)?.directory(root)?;
    let listed = if root_exists {
        manifest::read(root)?
    } else {
        None
    };
    let empty = BTreeSet::new();
    let entries = listed.as_ref().map_or(&empty, |m: &Manifest| &m.entries);
    let in_scope = |path: &str| scope.iter().any(|s| path.starts_with(s.as_str()));

    let items: Vec<(&String, &Vec<u8>)> = files.iter().collect();
    let found = parallel_map(&items, 4, |(path, bytes)| {
        if !root_exists {
            return Ok(Some(Existing::Missing));
        }
        let limit = (bytes.len() as u64).max(COMPARE_LIMIT);
        match existing_file(root, path)? {
            None => Ok(Some(Existing::Missing)),
            Some(full) => match read_no_follow(&full, limit) {
                Ok(None) => Ok(Some(Existing::Missing)),
                Ok(Some(old)) if old == **bytes => Ok(None),
                Ok(Some(old)) => Ok(Some(Existing::Differs(Some(old)))),
                Err(WriteError::TooLarge { .. }) => Ok(Some(Existing::Differs(None))),
                Err(e) => Err(e),
            },
        }
    });
    let mut writes = Vec::new();
    let mut unchanged = 0;
    for ((path, _), found) in items.iter().zip(found) {
        match found? {
            None => unchanged += 1,
            Some(Existing::Differs(_)) if !entries.contains(*path) => {
                return Err(SynthIoError::Foreign {
                    path: root.join(path),
                })
            }
            Some(existing) => writes.push((path.as_str(), existing)),
        }
    }

    let mut removals = Vec::new();
    let mut kept = BTreeSet::new();
    for old in entries {
        if !in_scope(old) {
            kept.insert(old.clone());
        } else if !files.contains_key(old) && removable(root, old)? {
            removals.push(old.clone());
        }
    }
    kept.extend(files.keys().cloned());
    let adds_files = writes.iter().any(|(path, _)| !entries.contains(*path));
    let manifest_before = adds_files.then(|| {
        let mut before = kept.clone();
        before.extend(removals.iter().cloned());
        manifest::render(&before)
    });

    let mut temporaries = Vec::new();
    if root_exists {
        find_temporaries(root, "", 0, &mut temporaries).map_err(io_error(root))?;
    }
    Ok(Plan {
        root_exists,
        writes,
        unchanged,
        removals,
        temporaries,
        manifest_now: listed.map(|m| m.text),
        manifest: manifest::render(&kept),
        manifest_before,
    })
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SynthIoError + '_ {
    move |source| {
        WriteError::Io {
            path: path.to_path_buf(),
            source,
        }
        .into()
    }
}

/// `root/rel` when every directory on the way exists, `None` when one is missing; a link
/// or anything but a directory on the way is refused by name. Nothing is followed.
fn existing_file(root: &Path, rel: &str) -> Result<Option<PathBuf>, WriteError> {
    let mut path = root.to_path_buf();
    let mut parts = rel.split('/').peekable();
    while let Some(part) = parts.next() {
        path.push(part);
        if parts.peek().is_none() {
            break;
        }
        if !entry(&path)?.directory(&path)? {
            return Ok(None);
        }
    }
    Ok(Some(path))
}

/// Whether the generated file `rel` exists to be removed: it must be a regular file
/// reached through directories only.
fn removable(root: &Path, rel: &str) -> Result<bool, WriteError> {
    let Some(path) = existing_file(root, rel)? else {
        return Ok(false);
    };
    entry(&path)?.file(&path)
}

/// Collects the temporary files under `root/rel` (relative to `root`): in every folder
/// that is not hidden (synth writes none), links not followed.
fn find_temporaries(
    root: &Path,
    rel: &str,
    depth: usize,
    out: &mut Vec<String>,
) -> std::io::Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut dirs = Vec::new();
    for item in std::fs::read_dir(root.join(rel))? {
        let item = item?;
        let Ok(name) = item.file_name().into_string() else {
            continue;
        };
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let kind = item.file_type()?;
        if name.starts_with(TEMP_PREFIX) && kind.is_file() {
            out.push(path);
        } else if kind.is_dir() && !name.starts_with('.') {
            dirs.push(path);
        }
    }
    dirs.sort();
    for dir in dirs {
        find_temporaries(root, &dir, depth + 1, out)?;
    }
    out.sort();
    Ok(())
}

/// Creates the directories of `rel_dir` under `root` one by one, refusing a link or a
/// file that took the place of one.
fn create_dirs(root: &Path, rel_dir: &str) -> Result<(), WriteError> {
    let mut path = root.to_path_buf();
    for part in rel_dir.split('/') {
        path.push(part);
        match std::fs::create_dir(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if !entry(&path)?.directory(&path)? {
                    return Err(WriteError::Io { path, source: e });
                }
            }
            Err(source) => return Err(WriteError::Io { path, source }),
        }
    }
    Ok(())
}

/// What a write did.
#[derive(Debug, Default)]
pub struct WriteReport {
    pub written: Vec<String>,
    pub unchanged: usize,
    pub removed: Vec<String>,
    /// Temporary files of an interrupted synth, removed first.
    pub cleaned: Vec<String>,
}

/// Writes the rendered files under `root`. `scope` is the set of `<stack>/<env>/`
/// prefixes being synthesized: files the manifest lists under them that are no longer
/// generated are removed. Everything is checked before the first change (see the module
/// documentation); nothing outside the manifest is ever overwritten or removed.
pub fn write_tree(
    root: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    scope: &[String],
) -> Result<WriteReport, SynthIoError> {
    let plan = plan(root, files, scope)?;
    if !plan.root_exists {
        std::fs::create_dir_all(root).map_err(io_error(root))?;
    }
    for temporary in &plan.temporaries {
        let path = root.join(temporary);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io_error(&path)(e));
            }
            _ => {}
        }
    }
    let dirs: BTreeSet<&str> = plan
        .writes
        .iter()
        .filter_map(|(path, _)| path.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    for dir in dirs {
        create_dirs(root, dir)?;
    }
    // The temporary files are written on several threads (file creation waits on the
    // file system); the renames that make them visible stay in path order and stop at
    // the first error.
    let prepared = parallel_map(&plan.writes, 4, |(path, _)| {
        let bytes = files.get(*path).map(Vec::as_slice).unwrap_or_default();
        write::prepare(&root.join(path), bytes)
    });
    let mut report = WriteReport {
        unchanged: plan.unchanged,
        cleaned: plan.temporaries.clone(),
        ..WriteReport::default()
    };
    let prepared: Vec<_> = prepared.into_iter().collect::<Result<_, _>>()?;
    if let Some(before) = &plan.manifest_before {
        if plan.manifest_now.as_deref() != Some(before.as_str()) {
            write::replace_file(&root.join(MANIFEST), before.as_bytes())?;
        }
    }
    for ((path, _), prepared) in plan.writes.iter().zip(prepared) {
        prepared.persist(&root.join(path))?;
        report.written.push(path.to_string());
    }
    for old in &plan.removals {
        let path = root.join(old);
        std::fs::remove_file(&path).map_err(io_error(&path))?;
        report.removed.push(old.clone());
    }
    let manifest_on_disk = plan.manifest_before.as_ref().or(plan.manifest_now.as_ref());
    if manifest_on_disk.map(String::as_str) != Some(plan.manifest.as_str()) {
        write::replace_file(&root.join(MANIFEST), plan.manifest.as_bytes())?;
    }
    Ok(report)
}

/// Differences between the rendered files and the tree: what `synth` would change.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub changed: Vec<(String, String)>,
    pub missing: Vec<String>,
    pub orphans: Vec<String>,
    /// Temporary files of an interrupted synth.
    pub leftovers: Vec<String>,
    /// The manifest: `None` when it is what synth writes, else a line to show.
    pub manifest: Option<String>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty()
            && self.missing.is_empty()
            && self.orphans.is_empty()
            && self.leftovers.is_empty()
            && self.manifest.is_none()
    }
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (path, diff) in &self.changed {
            out.push_str(&format!("stale: {path}\n{diff}"));
        }
        for p in &self.missing {
            out.push_str(&format!("missing: {p}\n"));
        }
        for p in &self.orphans {
            out.push_str(&format!(
                "orphan: {p} (generated before, no longer produced)\n"
            ));
        }
        for p in &self.leftovers {
            out.push_str(&format!(
                "leftover: {p} (a temporary file of an interrupted synth; synth removes it)\n"
            ));
        }
        if let Some(line) = &self.manifest {
            out.push_str(line);
        }
        out
    }
}

/// Compares rendered files with the tree under `root` (for `synth --check` and tests):
/// clean exactly when `synth` would change nothing. What `synth` would refuse is an error
/// here too.
pub fn check_tree(
    root: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    scope: &[String],
) -> Result<CheckReport, SynthIoError> {
    let plan = plan(root, files, scope)?;
    let mut report = CheckReport {
        orphans: plan.removals,
        leftovers: plan.temporaries,
        ..CheckReport::default()
    };
    for (path, existing) in plan.writes {
        match existing {
            Existing::Missing => report.missing.push(path.to_string()),
            Existing::Differs(old) => {
                let new = files.get(path).map(Vec::as_slice).unwrap_or_default();
                report
                    .changed
                    .push((path.to_string(), diff(path, old.as_deref(), new)));
            }
        }
    }
    report.manifest = match plan.manifest_now {
        None => Some(format!(
            "missing: {MANIFEST} (the list of generated files; synth writes it)\n"
        )),
        Some(now) if now != plan.manifest => Some(format!(
            "stale: {MANIFEST}\n{}",
            diff(MANIFEST, Some(now.as_bytes()), plan.manifest.as_bytes())
        )),
        Some(_) => None,
    };
    Ok(report)
}

/// A unified diff of a file's old and new bytes.
fn diff(path: &str, old: Option<&[u8]>, new: &[u8]) -> String {
    match old
        .map(std::str::from_utf8)
        .zip(Some(std::str::from_utf8(new)))
    {
        Some((Ok(old), Ok(new))) => similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{path}"), &format!("b/{path}"))
            .to_string(),
        Some(_) => "  (binary files differ)\n".to_string(),
        None => "  (the file on disk is too large to compare line by line)\n".to_string(),
    }
}
