//! Revisions of the repository, read locally with git plumbing: `rev-parse` resolves a
//! plain revision to a commit, `ls-tree` lists its files and `cat-file --batch` reads
//! them into a temporary directory that lives as long as the [`Checkout`]. Nothing is
//! fetched (`GIT_NO_LAZY_FETCH`), the working tree and the index are never touched.

use crate::error::DiffError;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use tfstack_model::read::describe_size;

/// The most bytes a revision's files may hold.
pub const MAX_CHECKOUT_BYTES: u64 = 1024 * 1024 * 1024;
/// The most files a revision may hold.
pub const MAX_CHECKOUT_FILES: usize = 200_000;

/// The git repository the working directory is in.
#[derive(Clone, Debug)]
pub struct Repository {
    /// Where git runs (the working directory).
    dir: PathBuf,
    /// The working directory relative to the top level (`infra/`, or empty).
    prefix: String,
}

/// One revision's files, written to a temporary directory.
#[derive(Debug)]
pub struct Checkout {
    temp: tempfile::TempDir,
    /// Keeps the directory in [`remove_checkouts`]'s list while it exists.
    _listed: Listed,
    /// The commit the revision resolved to.
    pub commit: String,
    /// The working directory's counterpart inside the checkout.
    pub dir: PathBuf,
}

impl Checkout {
    /// The directory the whole revision was written to.
    pub fn root(&self) -> &Path {
        self.temp.path()
    }
}

/// The temporary directories of the checkouts that exist now, for [`remove_checkouts`].
static CHECKOUTS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// A checkout's directory in [`CHECKOUTS`], from the moment it is made until it is dropped
/// (and removed with it).
#[derive(Debug)]
struct Listed(PathBuf);

impl Listed {
    /// A new temporary directory, listed as it is made: the list is locked while the
    /// directory is created, so a signal arriving in between finds it listed (and removes
    /// it) rather than not yet listed.
    fn made() -> Result<(tempfile::TempDir, Listed), DiffError> {
        let mut list = CHECKOUTS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let temp = tempfile::Builder::new()
            .prefix("tfstack-diff-")
            .tempdir()
            .map_err(|e| DiffError::Io(e.to_string()))?;
        list.push(temp.path().to_path_buf());
        let listed = Listed(temp.path().to_path_buf());
        Ok((temp, listed))
    }
}

impl Drop for Listed {
    fn drop(&mut self) {
        let mut list = CHECKOUTS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        list.retain(|d| *d != self.0);
    }
}

/// Removes the temporary directory of every checkout that exists now: for a process
/// stopped by a signal (a CI job's timeout sends `SIGTERM`), which runs no destructor and
/// would leave a revision's files — up to a gigabyte — in the temporary directory. The
/// list stays locked while the guard returned is held, and a checkout writes each file
/// under that lock: end the process before dropping it, and no file is written after.
pub fn remove_checkouts() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    let list = CHECKOUTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for dir in list.iter() {
        let _ = std::fs::remove_dir_all(dir);
    }
    list
}

/// Whether `revision` is a plain revision: a branch, a tag or a commit, optionally
/// followed by `~N`/`^N` steps. Anything git could read as an option, a range, a path
/// (`rev:path`), a reflog entry (`@{…}`) or a search (`:/text`) is refused.
pub fn is_plain_revision(revision: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._/-~^".contains(c);
    !revision.is_empty()
        && revision.len() <= 256
        && revision.chars().all(allowed)
        && !revision.starts_with(['-', '.', '/', '~', '^'])
        && !revision.ends_with(['/', '.'])
        && !revision.contains("..")
        && !revision.contains("//")
        && !revision.ends_with(".lock")
}

impl Repository {
    /// The repository `dir` is in; `None` when it is in none (or git is absent: the
    /// caller then says the argument is neither a path nor a revision).
    pub fn discover(dir: &Path) -> Result<Option<Repository>, DiffError> {
        let output = match git(dir).args(["rev-parse", "--show-prefix"]).output() {
            Ok(o) => o,
            Err(e) => return Err(DiffError::GitMissing(e.to_string())),
        };
        if !output.status.success() {
            return Ok(None);
        }
        let prefix = String::from_utf8_lossy(&output.stdout).trim().to_string();
        Ok(Some(Repository {
            dir: dir.to_path_buf(),
            prefix,
        }))
    }

    /// The commit a plain revision names.
    pub fn resolve(&self, revision: &str) -> Result<String, DiffError> {
        if !is_plain_revision(revision) {
            return Err(DiffError::NotARevision(revision.to_string()));
        }
        let output = git(&self.dir)
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{revision}^{{commit}}"))
            .output()
            .map_err(|e| DiffError::GitMissing(e.to_string()))?;
        let commit = String::from_utf8_lossy(&output.stdout).trim().to_string();
        if !output.status.success() || commit.len() < 40 {
            return Err(DiffError::UnknownRevision {
                given: revision.to_string(),
                help: "`git log --oneline` lists the commits; compare two directories or two \
                       plans by giving existing paths"
                    .to_string(),
            });
        }
        Ok(commit)
    }

    /// Writes the files of `revision` to a temporary directory: regular files, each at
    /// most `read_limit` bytes (the linter's file size limit), at most
    /// [`MAX_CHECKOUT_FILES`] files and [`MAX_CHECKOUT_BYTES`] bytes; and the symbolic
    /// links whose target stays inside the revision (a `.tf` file linked to another file
    /// of the repository is linted, in a work tree, as that file), made once every file
    /// is written. Links out of the revision and submodules are left out.
    pub fn checkout(&self, revision: &str, read_limit: u64) -> Result<Checkout, DiffError> {
        let commit = self.resolve(revision)?;
        let listing = run(
            git(&self.dir).args(["ls-tree", "-r", "-z", "-l", "--full-tree", &commit]),
            "ls-tree",
        )?;
        let mut wanted: Vec<(String, PathBuf, u64)> = Vec::new();
        let mut links: Vec<(String, PathBuf, u64)> = Vec::new();
        let mut total = 0u64;
        for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            let Some(file) = tree_entry(entry) else {
                continue;
            };
            if file.link {
                if file.size <= MAX_LINK_TARGET && links.len() < MAX_CHECKOUT_FILES {
                    links.push((file.object, file.path, file.size));
                }
                continue;
            }
            if file.size > read_limit {
                // The linter refuses such a file; it is not written, and a module file
                // or a configuration among them makes the comparison impossible (the
                // revision compared without its configuration would not be the revision).
                if tfstack_lint_engine::input::kinds::module_file_kind(&file.name).is_some()
                    || file.name == tfstack_lint_engine::config::CONFIG_FILE
                {
                    return Err(DiffError::TooLarge {
                        revision: revision.to_string(),
                        what: format!(
                            "{} is larger than the read limit of {}",
                            file.path.display(),
                            describe_size(read_limit)
                        ),
                    });
                }
                continue;
            }
            total += file.size;
            wanted.push((file.object, file.path, file.size));
        }
        if wanted.len() > MAX_CHECKOUT_FILES || total > MAX_CHECKOUT_BYTES {
            return Err(DiffError::TooLarge {
                revision: revision.to_string(),
                what: format!(
                    "{} files, {} MB (tfstack reads up to {MAX_CHECKOUT_FILES} files and {} MB)",
                    wanted.len(),
                    total / (1024 * 1024),
                    MAX_CHECKOUT_BYTES / (1024 * 1024)
                ),
            });
        }
        let (temp, listed) = Listed::made()?;
        let root = temp.path();
        write_blobs(&self.dir, &wanted, &mut |path, content| {
            write_new_file(&root.join(path), &content)
        })?;
        let mut targets = Vec::new();
        write_blobs(&self.dir, &links, &mut |path, target| {
            targets.push((path.to_path_buf(), target));
            Ok(())
        })?;
        for (path, target) in targets {
            make_link_inside(root, &path, &target)?;
        }
        let dir = temp.path().join(&self.prefix);
        Ok(Checkout {
            temp,
            _listed: listed,
            commit,
            dir,
        })
    }
}

/// The longest link target read (a path).
const MAX_LINK_TARGET: u64 = 4096;

/// One regular file or symbolic link of `ls-tree -l` output.
struct TreeFile {
    object: String,
    path: PathBuf,
    name: String,
    size: u64,
    /// A symbolic link: the blob is its target.
    link: bool,
}

/// Writes `content` to a new file at `target` (and its missing folders), under the
/// checkouts' lock: once `remove_checkouts` has run, nothing is written. A fresh
/// directory: a file of the revision is written once, never through a link.
fn write_new_file(target: &Path, content: &[u8]) -> Result<(), DiffError> {
    let io = |e: std::io::Error| DiffError::Io(e.to_string());
    let _writing = CHECKOUTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target)
        .and_then(|mut f| f.write_all(content))
        .map_err(io)
}

/// The link `path` (relative to `root`) to `target` as the revision records it, when the
/// target is relative and stays inside `root` read without following links; otherwise
/// nothing (a link out of the revision is not read by `tfstack lint` either).
fn make_link_inside(root: &Path, path: &Path, target: &[u8]) -> Result<(), DiffError> {
    let Some(target) = path_from_bytes(target) else {
        return Ok(());
    };
    if !stays_inside(path, &target) {
        return Ok(());
    }
    #[cfg(unix)]
    {
        let io = |e: std::io::Error| DiffError::Io(e.to_string());
        let link = root.join(path);
        let _writing = CHECKOUTS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(parent) = link.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::os::unix::fs::symlink(&target, &link).map_err(io)?;
    }
    #[cfg(not(unix))]
    let _ = root;
    Ok(())
}

/// Whether `target`, read from the folder of the link `path` (both relative to the
/// revision's root), names a path inside the root and outside `.git`.
fn stays_inside(path: &Path, target: &Path) -> bool {
    let mut depth: Vec<&std::ffi::OsStr> = match path.parent() {
        Some(parent) => parent
            .components()
            .filter_map(|c| match c {
                Component::Normal(part) => Some(part),
                _ => None,
            })
            .collect(),
        None => Vec::new(),
    };
    for component in target.components() {
        match component {
            Component::Normal(part) if part == ".git" => return false,
            Component::Normal(part) => depth.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if depth.pop().is_none() {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    !depth.is_empty()
}

/// A regular file entry (`<mode> blob <object> <size>\t<path>`), when its path is safe to
/// write: relative, no `.`/`..` component and nothing inside `.git`. A name that is not
/// UTF-8 is kept as its bytes (Terraform loads such a file, and so does `tfstack lint`);
/// where paths must be Unicode (Windows), it is left out.
fn tree_entry(entry: &[u8]) -> Option<TreeFile> {
    let tab = entry.iter().position(|&b| b == b'\t')?;
    let header = std::str::from_utf8(&entry[..tab]).ok()?;
    let path = path_from_bytes(&entry[tab + 1..])?;
    let mut fields = header.split_whitespace();
    let (mode, kind, object, size) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    let link = mode == "120000";
    if kind != "blob" || !(mode == "100644" || mode == "100755" || link) {
        return None;
    }
    let safe = path.components().all(|c| match c {
        Component::Normal(part) => part != ".git",
        _ => false,
    });
    if !safe || !object.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(TreeFile {
        object: object.to_string(),
        name: path.file_name()?.to_string_lossy().to_string(),
        path,
        size: size.parse().ok()?,
        link,
    })
}

/// A path as git lists it (bytes, `-z`: not quoted).
#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
}

/// A path as git lists it (bytes, `-z`: not quoted); only UTF-8 names are paths here.
#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> Option<PathBuf> {
    std::str::from_utf8(bytes).ok().map(PathBuf::from)
}

/// What is done with each blob read: its path in the revision, and its bytes.
type BlobSink<'a> = dyn FnMut(&Path, Vec<u8>) -> Result<(), DiffError> + 'a;

/// Reads the blobs through one `git cat-file --batch` and hands each, with its path, to
/// `write`.
fn write_blobs(
    dir: &Path,
    files: &[(String, PathBuf, u64)],
    write: &mut BlobSink,
) -> Result<(), DiffError> {
    if files.is_empty() {
        return Ok(());
    }
    let mut child = git(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| DiffError::GitMissing(e.to_string()))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(git_error("cat-file", "no pipe to git"));
    };
    let objects: Vec<String> = files.iter().map(|(o, _, _)| o.clone()).collect();
    // Objects are requested from another thread: git's output pipe would fill up while
    // this one is still writing requests.
    let writer = std::thread::spawn(move || {
        for object in objects {
            if writeln!(stdin, "{object}").is_err() {
                break;
            }
        }
    });
    let mut reader = BufReader::new(stdout);
    let result = read_blobs(&mut reader, files, write);
    drop(reader);
    let _ = writer.join();
    let status = child
        .wait()
        .map_err(|e| git_error("cat-file", &e.to_string()))?;
    result?;
    if !status.success() {
        return Err(git_error("cat-file", "exited with an error"));
    }
    Ok(())
}

fn read_blobs(
    reader: &mut impl BufRead,
    files: &[(String, PathBuf, u64)],
    write: &mut BlobSink,
) -> Result<(), DiffError> {
    let io = |e: std::io::Error| DiffError::Io(e.to_string());
    for (object, path, size) in files {
        let mut header = String::new();
        reader.read_line(&mut header).map_err(io)?;
        let mut fields = header.split_whitespace();
        let (Some(found), Some("blob"), Some(length)) =
            (fields.next(), fields.next(), fields.next())
        else {
            return Err(git_error(
                "cat-file",
                &format!("object {object} is missing"),
            ));
        };
        let length: u64 = length
            .parse()
            .map_err(|_| git_error("cat-file", "bad header"))?;
        if found != object || length != *size {
            return Err(git_error("cat-file", &format!("unexpected object {found}")));
        }
        let mut content = Vec::with_capacity(length as usize);
        reader
            .by_ref()
            .take(length)
            .read_to_end(&mut content)
            .map_err(io)?;
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline).map_err(io)?;
        if content.len() as u64 != length {
            return Err(git_error("cat-file", "short read"));
        }
        write(path, content)?;
    }
    Ok(())
}

/// `git` in `dir`, never fetching objects nor prompting.
fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null());
    command
}

/// Runs a git command to completion; its standard output.
fn run(command: &mut Command, name: &str) -> Result<Vec<u8>, DiffError> {
    let output = command
        .output()
        .map_err(|e| DiffError::GitMissing(e.to_string()))?;
    if !output.status.success() {
        return Err(git_error(
            name,
            String::from_utf8_lossy(&output.stderr).trim(),
        ));
    }
    Ok(output.stdout)
}

fn git_error(command: &str, message: &str) -> DiffError {
    DiffError::Git {
        command: command.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_revisions_are_accepted_and_anything_else_refused() {
        for ok in [
            "main",
            "HEAD",
            "HEAD~1",
            "HEAD^2",
            "v1.2.3",
            "feature/new-api",
            "0123456789abcdef0123456789abcdef01234567",
            "release-2026_11",
        ] {
            assert!(is_plain_revision(ok), "{ok}");
        }
        for refused in [
            "",
            "--output=/tmp/x",
            "-n",
            "main..feature",
            "main...feature",
            "HEAD:main.tf",
            ":/fix",
            "HEAD@{1}",
            "@{-1}",
            "main branch",
            "a\nb",
            "/etc/passwd",
            "x.lock",
            "x/",
            "a//b",
            "*",
            "ma?n",
            "refs/heads/[x]",
        ] {
            assert!(!is_plain_revision(refused), "{refused:?}");
        }
        assert!(!is_plain_revision(&"a".repeat(300)));
    }

    #[test]
    fn tree_entries_outside_the_checkout_or_neither_files_nor_links_are_skipped() {
        let entry = |text: &str| tree_entry(text.as_bytes()).map(|f| f.path);
        let blob = "100644 blob 0123456789abcdef0123456789abcdef01234567      12\t";
        assert_eq!(
            entry(&format!("{blob}infra/main.tf")),
            Some(PathBuf::from("infra/main.tf"))
        );
        assert_eq!(entry(&format!("{blob}../escape.tf")), None);
        assert_eq!(entry(&format!("{blob}/abs.tf")), None);
        assert_eq!(entry(&format!("{blob}a/.git/config")), None);
        let link =
            tree_entry(b"120000 blob 0123456789abcdef0123456789abcdef01234567      12\tlink.tf")
                .expect("a link");
        assert!(link.link);
        assert_eq!(
            entry("160000 commit 0123456789abcdef0123456789abcdef01234567       -\tsub"),
            None
        );
        assert_eq!(entry("100644 blob nothex      12\tx.tf"), None);
    }

    #[test]
    fn only_link_targets_inside_the_revision_are_made() {
        let inside = |link: &str, target: &str| stays_inside(Path::new(link), Path::new(target));
        assert!(inside("main.tf", "shared/queues.tf"));
        assert!(inside("envs/prod/queues.tf", "../../shared/queues.tf"));
        assert!(inside("a/b.tf", "./c.tf"));
        assert!(!inside("main.tf", "../outside.tf"));
        assert!(!inside("envs/prod/x.tf", "../../../x.tf"));
        assert!(!inside("main.tf", "/etc/hostname"));
        assert!(!inside("main.tf", ".git/config"));
        assert!(!inside("a/main.tf", ".."));
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_is_kept_as_its_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let mut entry = b"100644 blob 0123456789abcdef0123456789abcdef01234567      12\tx".to_vec();
        entry.extend_from_slice(b"\xff.tf");
        let file = tree_entry(&entry).expect("kept");
        assert_eq!(file.path.as_os_str().as_bytes(), b"x\xff.tf");
        assert_eq!(file.name, "x\u{FFFD}.tf");
    }
}
