//! The files of a Lambda function's deployment package, where tfstack can see them: the
//! local zip its `filename` names (its central directory, read with bounds), an
//! `archive_file` data source it is built from (`source_file`, `source_dir`,
//! `source_content_filename`, `source` blocks), or the code directory a typed stack zips.
//! An S3 object, a container image or a file that is not there is no package it can see.

use crate::context::{Context, PackageSource};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use tfstack_model::eval::normalize;
use tfstack_model::{Block, Origin, ValueKind};

/// Zips larger than this are not read (Lambda takes at most 50 MB zipped from a local
/// file).
pub const MAX_ZIP_BYTES: u64 = 64 * 1024 * 1024;
/// A listing stops (and is incomplete) past this many files.
pub const MAX_ENTRIES: usize = 100_000;
/// A directory walk does not go deeper than this.
const MAX_DEPTH: usize = 64;

/// What a deployment package holds, as far as tfstack can tell.
#[derive(Debug)]
pub struct Package {
    /// Paths inside the package, `/`-separated, without a leading `./`; directories of a
    /// zip listed with a trailing `/`.
    pub files: BTreeSet<String>,
    /// Whether `files` is the whole package. A listing cut short by a limit, or a
    /// directory link a walk did not follow, is not: a file missing from it proves nothing.
    pub complete: bool,
    /// How the package is named, for messages (`build/app.zip`, `data.archive_file.app`).
    pub name: String,
    /// Where the package is named: the function's `filename`, or the archive block.
    pub origin: Origin,
}

impl Package {
    /// Whether some file of the package is `path` or lies under `path/`, or starts with
    /// `path.` (`app.py`, `app.cpython-312-x86_64-linux-gnu.so`, `app.mjs`).
    pub fn has_module(&self, path: &str) -> bool {
        let dotted = format!("{path}.");
        let under = format!("{path}/");
        self.files
            .range(path.to_string()..)
            .take_while(|f| f.starts_with(path))
            .any(|f| f == path || f.starts_with(&dotted) || f.starts_with(&under))
    }

    /// Whether the package holds `path` exactly.
    pub fn has_file(&self, path: &str) -> bool {
        self.files.contains(path)
    }
}

/// The key of a package listing in the context's cache.
#[derive(Clone, PartialEq, Eq, Hash)]
enum PackageKey {
    Zip(PathBuf),
    Directory(PathBuf),
    Archive(String),
}

/// The deployment package of an `aws_lambda_function` (or anything with `filename`), when
/// tfstack can see it; `None` when it is in S3, an image, unknown, or cannot be read.
pub fn function_package(cx: &Context, function: &Block) -> Option<Rc<Package>> {
    let attribute = function.body.attribute("filename")?;
    // An `archive_file` the function refers to, or whose `output_path` is the same path.
    let archive = attribute
        .value
        .as_traversal()
        .and_then(|t| t.resource_address())
        .filter(|a| a.starts_with("data.archive_file.") || a.starts_with("archive_file."))
        .and_then(|a| cx.block(&a));
    let value = cx.value(&attribute.value);
    let path = value.as_str().map(|p| resolve(cx, p));
    let archive = archive.or_else(|| {
        let path = path.as_ref()?;
        cx.data_sources("archive_file")
            .iter()
            .chain(cx.resources("archive_file"))
            .copied()
            .find(|a| {
                cx.attr(a, "output_path")
                    .and_then(|v| v.as_str().map(|p| resolve(cx, p)))
                    .is_some_and(|p| &p == path)
            })
    });
    let origin = attribute.origin.or(function.origin);
    if let Some(archive) = archive {
        let key = PackageKey::Archive(archive.address());
        return cx
            .memoized(key, || archive_listing(cx, archive))
            .as_ref()
            .as_ref()
            .map(|listing| Rc::new(listing.named(archive.address(), archive.origin)));
    }
    let path = path?;
    let shown = value.as_str().unwrap_or_default().to_string();
    let listing = match cx.module.packages.get(&path) {
        Some(PackageSource::Directory(dir)) => {
            let dir = dir.clone();
            cx.memoized(PackageKey::Directory(dir.clone()), || {
                Some(directory_listing(&dir))
            })
        }
        Some(PackageSource::Zip(zip)) => {
            let zip = zip.clone();
            cx.memoized(PackageKey::Zip(zip.clone()), || zip_listing(&zip))
        }
        Some(PackageSource::Files(files)) => Rc::new(Some(Listing {
            files: files.clone(),
            complete: true,
        })),
        None => cx.memoized(PackageKey::Zip(path.clone()), || zip_listing(&path)),
    };
    let name = shown
        .strip_prefix(&format!("{}/", cx.module.dir.to_string_lossy()))
        .unwrap_or(&shown)
        .to_string();
    listing
        .as_ref()
        .as_ref()
        .map(|l| Rc::new(l.named(name, origin)))
}

/// A listing before it is tied to the function that names it.
#[derive(Debug, Clone)]
struct Listing {
    files: BTreeSet<String>,
    complete: bool,
}

impl Listing {
    fn named(&self, name: String, origin: Origin) -> Package {
        Package {
            files: self.files.clone(),
            complete: self.complete,
            name,
            origin,
        }
    }
}

/// A path as Terraform resolves it: relative to the root module's directory. A path made
/// with `path.module` already starts with the module's directory (the evaluator gives
/// `path.module` as the directory tfstack was pointed at).
fn resolve(cx: &Context, path: &str) -> PathBuf {
    let p = normalize(Path::new(path));
    let dir = normalize(&cx.module.dir);
    if p.is_absolute() || p.starts_with(&dir) {
        p
    } else {
        normalize(&dir.join(p))
    }
}

/// The names in a zip's central directory. `None` when it is not a regular file, is
/// larger than [`MAX_ZIP_BYTES`], or is not a zip.
fn zip_listing(path: &Path) -> Option<Listing> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_ZIP_BYTES {
        return None;
    }
    // The size was checked above; the archive reads only the central directory here.
    let file = std::fs::File::open(path).ok()?;
    let mut archive = zip::ZipArchive::new(file).ok()?;
    let mut files = BTreeSet::new();
    let complete = archive.len() <= MAX_ENTRIES;
    for i in 0..archive.len().min(MAX_ENTRIES) {
        let Ok(entry) = archive.by_index_raw(i) else {
            return None;
        };
        files.insert(clean(entry.name()));
    }
    Some(Listing { files, complete })
}

/// `./a/b` and `a//b` as `a/b` (zips and archives write both).
fn clean(name: &str) -> String {
    let directory = name.ends_with('/');
    let mut out = name
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/");
    if directory {
        out.push('/');
    }
    out
}

/// Every file under `dir`, relative to it. Links to directories are not followed (the
/// listing is then incomplete); a link to a file counts as the file.
fn directory_listing(dir: &Path) -> Listing {
    let mut files = BTreeSet::new();
    let mut complete = true;
    let mut pending = vec![(dir.to_path_buf(), String::new(), 0usize)];
    while let Some((path, prefix, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            complete = false;
            continue;
        };
        for entry in entries {
            let Ok(entry) = entry else {
                complete = false;
                continue;
            };
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let Ok(kind) = entry.file_type() else {
                complete = false;
                continue;
            };
            if kind.is_dir() {
                if depth + 1 >= MAX_DEPTH {
                    complete = false;
                } else {
                    pending.push((entry.path(), format!("{name}/"), depth + 1));
                }
            } else if kind.is_symlink() && entry.path().is_dir() {
                complete = false;
            } else {
                files.insert(name);
            }
            if files.len() >= MAX_ENTRIES {
                return Listing {
                    files,
                    complete: false,
                };
            }
        }
    }
    Listing { files, complete }
}

/// What an `archive_file` (data source or resource) of `type = "zip"` puts in its zip.
/// `None` when a part of it cannot be known (an unknown path, a `dynamic "source"`, a
/// directory that is not there).
fn archive_listing(cx: &Context, archive: &Block) -> Option<Listing> {
    if cx.attr(archive, "type")?.as_str()? != "zip" {
        return None;
    }
    let mut files = BTreeSet::new();
    let mut complete = true;
    if let Some(file) = cx.attr(archive, "source_file") {
        let path = resolve(cx, file.as_str()?);
        if !path.is_file() {
            return None;
        }
        files.insert(path.file_name()?.to_string_lossy().to_string());
    }
    if let Some(dir) = cx.attr(archive, "source_dir") {
        let path = resolve(cx, dir.as_str()?);
        if !path.is_dir() {
            return None;
        }
        let listing = directory_listing(&path);
        complete &= listing.complete;
        files.extend(listing.files);
    }
    if let Some(name) = cx.attr(archive, "source_content_filename") {
        files.insert(clean(name.as_str()?));
    }
    for item in archive.body.blocks() {
        match item.kind.as_str() {
            "source" => {
                let name = item.body.get("filename").map(|e| cx.value(e))?;
                files.insert(clean(name.as_str()?));
            }
            "dynamic" => return None,
            _ => {}
        }
    }
    // `excludes` only removes files; a file missing before it is missing after it.
    if let Some(excludes) = cx.attr(archive, "excludes") {
        if !matches!(excludes.kind, ValueKind::List(_) | ValueKind::Null) {
            complete = false;
        }
    }
    Some(Listing { files, complete })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_zip(path: &Path, names: &[&str]) {
        let file = std::fs::File::create(path).expect("create zip");
        let mut zip = zip::ZipWriter::new(file);
        for name in names {
            if name.ends_with('/') {
                zip.add_directory(*name, zip::write::SimpleFileOptions::default())
                    .expect("dir");
            } else {
                zip.start_file(*name, zip::write::SimpleFileOptions::default())
                    .expect("start");
                zip.write_all(b"x").expect("write");
            }
        }
        zip.finish().expect("finish");
    }

    #[test]
    fn zip_names_are_cleaned_and_listed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("app.zip");
        write_zip(
            &path,
            &["./app.py", "pkg/", "pkg//mod.py", "node_modules/x/index.js"],
        );
        let listing = zip_listing(&path).expect("a zip");
        assert!(listing.complete);
        assert_eq!(
            listing.files.iter().map(String::as_str).collect::<Vec<_>>(),
            ["app.py", "node_modules/x/index.js", "pkg/", "pkg/mod.py"]
        );
        let package = listing.named("app.zip".into(), Origin::GENERATED);
        assert!(package.has_module("app"));
        assert!(package.has_module("pkg"));
        assert!(package.has_module("pkg/mod"));
        assert!(!package.has_module("ap"));
        assert!(!package.has_module("pkg/other"));
        assert!(package.has_file("app.py") && !package.has_file("app"));
    }

    #[test]
    fn what_is_not_a_zip_is_no_listing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = dir.path().join("app.zip");
        std::fs::write(&text, "not a zip").expect("write");
        assert!(zip_listing(&text).is_none());
        assert!(zip_listing(&dir.path().join("missing.zip")).is_none());
        assert!(zip_listing(dir.path()).is_none(), "a directory");
    }

    #[test]
    fn directory_walk_lists_files_relative_to_the_root() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("src/pkg")).expect("mkdir");
        std::fs::write(dir.path().join("src/pkg/mod.py"), "").expect("write");
        std::fs::write(dir.path().join("app.py"), "").expect("write");
        let listing = directory_listing(dir.path());
        assert!(listing.complete);
        assert_eq!(
            listing.files.iter().map(String::as_str).collect::<Vec<_>>(),
            ["app.py", "src/pkg/mod.py"]
        );
        let missing = directory_listing(&dir.path().join("nope"));
        assert!(!missing.complete && missing.files.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_directory_makes_the_walk_incomplete() {
        let dir = tempfile::tempdir().expect("temp dir");
        let elsewhere = tempfile::tempdir().expect("temp dir");
        std::fs::write(elsewhere.path().join("lib.py"), "").expect("write");
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("vendor")).expect("link");
        let listing = directory_listing(dir.path());
        assert!(!listing.complete);
        assert!(listing.files.is_empty());
    }
}
