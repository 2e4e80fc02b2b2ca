//! The one atomic writer, and how tfstack looks at a path it is about to write: it writes
//! regular files only, never through a symbolic link, and always through a temporary file
//! beside the target (named with [`TEMP_PREFIX`]) renamed into place.
//!
//! Files get the mode `0666` less the umask, as any tool's files do.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use tfstack_model::read::{self, kind_of, ReadError};

/// The name prefix of every temporary file tfstack writes: a synth cleans the ones an
/// interrupted run left behind, and `synth --check` reports them.
pub const TEMP_PREFIX: &str = ".tfstack-tmp-";

/// Why a write was refused or failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WriteError {
    #[error("cannot write {}: {source}", path.display())]
    #[diagnostic(code(tfstack::io))]
    Io { path: PathBuf, source: io::Error },
    #[error("refusing to replace {}: it is {kind}, not a regular file", path.display())]
    #[diagnostic(
        code(tfstack::write::not_a_file),
        help("tfstack replaces regular files only: remove it, or write to another path")
    )]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("refusing to write through {}: it is a symbolic link", path.display())]
    #[diagnostic(
        code(tfstack::write::link),
        help("tfstack never follows a link where it writes: replace the link with a directory or file of its own, or write elsewhere")
    )]
    Link { path: PathBuf },
    #[error("refusing to write to {}: {} on the way to it is a symbolic link", out.display(), link.display())]
    #[diagnostic(
        code(tfstack::write::link),
        help("tfstack never writes through a link inside the working directory: write to a directory of your own, or name the link's target as the output directory")
    )]
    LinkOnTheWay { out: PathBuf, link: PathBuf },
    #[error("{} is {kind} where a directory is needed", path.display())]
    #[diagnostic(
        code(tfstack::write::not_a_directory),
        help("move it away, or write elsewhere")
    )]
    NotDirectory { path: PathBuf, kind: &'static str },
    #[error("{} already exists", path.display())]
    #[diagnostic(
        code(tfstack::write::exists),
        help("tfstack does not replace it: remove it, or pass --force")
    )]
    Exists { path: PathBuf },
    #[error("{} is larger than {limit} bytes", path.display())]
    #[diagnostic(code(tfstack::io))]
    TooLarge { path: PathBuf, limit: u64 },
}

impl WriteError {
    fn io(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
        move |source| WriteError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What a directory entry is, its links not followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    Missing,
    File,
    Directory,
    Link,
    /// A FIFO, a device, a socket: named for messages.
    Other(&'static str),
}

impl Entry {
    /// Whether a directory is there (`false`: nothing is); a link or anything else is
    /// refused by name.
    pub fn directory(self, path: &Path) -> Result<bool, WriteError> {
        let path = path.to_path_buf();
        match self {
            Entry::Directory => Ok(true),
            Entry::Missing => Ok(false),
            Entry::Link => Err(WriteError::Link { path }),
            Entry::File => Err(WriteError::NotDirectory {
                path,
                kind: "a regular file",
            }),
            Entry::Other(kind) => Err(WriteError::NotDirectory { path, kind }),
        }
    }

    /// Whether a regular file is there (`false`: nothing is); a link or anything else is
    /// refused by name.
    pub fn file(self, path: &Path) -> Result<bool, WriteError> {
        let path = path.to_path_buf();
        match self {
            Entry::File => Ok(true),
            Entry::Missing => Ok(false),
            Entry::Link => Err(WriteError::Link { path }),
            Entry::Directory => Err(WriteError::NotRegular {
                path,
                kind: "a directory",
            }),
            Entry::Other(kind) => Err(WriteError::NotRegular { path, kind }),
        }
    }
}

/// What is at `path`, without following a link there.
pub fn entry(path: &Path) -> Result<Entry, WriteError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => {
            let kind = meta.file_type();
            Ok(if kind.is_symlink() {
                Entry::Link
            } else if kind.is_file() {
                Entry::File
            } else if kind.is_dir() {
                Entry::Directory
            } else {
                Entry::Other(kind_of(kind))
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Entry::Missing),
        Err(e) => Err(WriteError::io(path)(e)),
    }
}

/// Refuses a symbolic link on the way to the directory `dir` (not `dir` itself, which its
/// writer checks): every existing component of a relative path, and of an absolute one
/// those inside the working directory `cwd` (the components above it are the machine's
/// layout — `/tmp` is a link on macOS — and are followed; without `cwd`, none is checked).
/// A repository that commits `gen -> /somewhere` cannot make `--out gen/app` write
/// outside it.
pub fn no_link_on_the_way(dir: &Path, cwd: Option<&Path>) -> Result<(), WriteError> {
    let real_cwd = cwd.and_then(|c| std::fs::canonicalize(c).ok());
    let components: Vec<Component> = dir.components().collect();
    let mut prefix = PathBuf::new();
    for component in components.iter().take(components.len().saturating_sub(1)) {
        prefix.push(component);
        let Component::Normal(name) = component else {
            continue;
        };
        // An absolute path's component is inside the working directory when its parent,
        // links above resolved (those inside were refused before), and its name are.
        let inside = dir.is_relative()
            || real_cwd.as_ref().is_some_and(|cwd| {
                prefix
                    .parent()
                    .and_then(|p| std::fs::canonicalize(p).ok())
                    .is_some_and(|parent| {
                        let real = parent.join(name);
                        real.starts_with(cwd) && real != *cwd
                    })
            });
        if !inside {
            continue;
        }
        match entry(&prefix)? {
            Entry::Link => {
                return Err(WriteError::LinkOnTheWay {
                    out: dir.to_path_buf(),
                    link: prefix,
                })
            }
            Entry::Missing => return Ok(()),
            _ => {}
        }
    }
    Ok(())
}

/// [`no_link_on_the_way`] to `path` from the process's working directory: every file
/// tfstack writes (a baseline, a review, what `init` writes, synth's files) is refused
/// when a link inside the working directory leads to it.
pub fn no_link_on_the_way_here(path: &Path) -> Result<(), WriteError> {
    no_link_on_the_way(path, std::env::current_dir().ok().as_deref())
}

/// Writes `bytes` to `path`, which must be a regular file or not exist: a link, a FIFO, a
/// device or a directory there is refused, never replaced or written through. The file is
/// written beside its target and renamed over it.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    no_link_on_the_way_here(path)?;
    entry(path)?.file(path)?;
    if let Some(dir) = parent(path) {
        std::fs::create_dir_all(dir).map_err(WriteError::io(path))?;
    }
    prepare(path, bytes)?.persist(path)
}

/// Writes `bytes` to a new file at `path`: when anything is already there (a file, a link,
/// a FIFO), nothing is replaced and the error is [`WriteError::Exists`]. Written beside its
/// target and linked into place without replacing, so two writers never both succeed.
pub fn create_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    no_link_on_the_way_here(path)?;
    if entry(path)? != Entry::Missing {
        return Err(WriteError::Exists {
            path: path.to_path_buf(),
        });
    }
    if let Some(dir) = parent(path) {
        std::fs::create_dir_all(dir).map_err(WriteError::io(path))?;
    }
    let prepared = prepare(path, bytes)?;
    match prepared.0.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Err(WriteError::Exists {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(WriteError::io(path)(e.error)),
    }
}

/// The directory `path` is in (`None` for a bare file name: the working directory).
fn parent(path: &Path) -> Option<&Path> {
    path.parent().filter(|p| !p.as_os_str().is_empty())
}

/// A file written beside its target, not yet visible: [`Prepared::persist`] renames it
/// into place; dropped, it is deleted (a killed process leaves it, named with
/// [`TEMP_PREFIX`], for the next synth to clean).
pub struct Prepared(tempfile::NamedTempFile);

impl Prepared {
    /// Renames the file over `path` (a rename replaces the directory entry; it never
    /// writes through a link that appeared there meanwhile).
    pub fn persist(self, path: &Path) -> Result<(), WriteError> {
        self.0
            .persist(path)
            .map_err(|e| WriteError::io(path)(e.error))?;
        Ok(())
    }
}

/// The first half of an atomic write: a new temporary file in `path`'s directory (which
/// must exist) holding `bytes`, with the mode `0666` less the umask.
///
/// It is not fsync'ed: one fsync per file made writing a 10,000-resource stack (3,753
/// files) take 1.5 s instead of 0.4 s. Readers never see a partial file (the rename is
/// atomic); after a power loss a file may be stale or empty, which `tfstack synth --check`
/// reports and `tfstack synth` repairs, as for any generated file.
pub fn prepare(path: &Path, bytes: &[u8]) -> Result<Prepared, WriteError> {
    let dir = parent(path).unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(WriteError::io(path))?;
    tmp.write_all(bytes).map_err(WriteError::io(path))?;
    Ok(Prepared(tmp))
}

/// Reads at most `limit` bytes of the regular file at `path` without following a link
/// there and without blocking on a FIFO (the model's bounded reader, links refused).
/// `Ok(None)` when nothing is there.
pub fn read_no_follow(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, WriteError> {
    let refused = match read::read_bytes_no_follow(path, limit) {
        Ok(bytes) => return Ok(Some(bytes)),
        Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(refused) => refused,
    };
    let path = path.to_path_buf();
    Err(match refused {
        ReadError::Link => WriteError::Link { path },
        ReadError::NotRegular(kind) => WriteError::NotRegular { path, kind },
        ReadError::TooLarge(limit) => WriteError::TooLarge { path, limit },
        ReadError::Io(source) => WriteError::Io { path, source },
        // Bytes are not decoded and no read root is set: neither happens here.
        other @ (ReadError::NotUtf8 { .. } | ReadError::OutsideRoot) => WriteError::Io {
            path,
            source: io::Error::other(other.message()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_and_a_missing_one_created() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("baseline.json");
        replace_file(&path, b"one").expect("created");
        replace_file(&path, b"two").expect("replaced");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("baseline.json")]);
    }

    #[test]
    fn a_directory_is_not_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = replace_file(dir.path(), b"x").expect_err("refused");
        assert!(err.to_string().contains("it is a directory"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_neither_replaced_nor_followed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("target");
        std::fs::write(&target, "mine").expect("write");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        let err = replace_file(&link, b"x").expect_err("refused");
        assert!(matches!(err, WriteError::Link { .. }), "{err}");
        assert_eq!(std::fs::read(&target).expect("read"), b"mine");
        assert!(matches!(
            read_no_follow(&link, 10),
            Err(WriteError::Link { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_on_the_way_is_refused_inside_the_working_directory_only() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().expect("temp dir");
        let real = dir.path().join("real");
        std::fs::create_dir_all(real.join("repo/out")).expect("mkdir");
        std::fs::create_dir_all(real.join("elsewhere")).expect("mkdir");
        symlink("../elsewhere", real.join("repo/gen")).expect("symlink");
        // The working directory is reached through a link above it, as `/tmp` on macOS.
        let above = dir.path().join("above");
        symlink(&real, &above).expect("symlink");
        let cwd = above.join("repo");
        let refused = no_link_on_the_way(&cwd.join("gen/app"), Some(&cwd));
        assert!(
            matches!(&refused, Err(WriteError::LinkOnTheWay { link, .. }) if *link == cwd.join("gen")),
            "{refused:?}"
        );
        let message = refused.map_err(|e| e.to_string()).expect_err("refused");
        assert!(
            message.contains("gen on the way to it is a symbolic link"),
            "{message}"
        );
        // Through the link's target, named on purpose: outside the working directory.
        assert!(no_link_on_the_way(&real.join("elsewhere/app"), Some(&cwd)).is_ok());
        // Links above the working directory, and components that do not exist yet.
        assert!(no_link_on_the_way(&cwd.join("out/app"), Some(&cwd)).is_ok());
        assert!(no_link_on_the_way(&cwd.join("new/deeper/app"), Some(&cwd)).is_ok());
        // The directory itself is its writer's to check.
        assert!(no_link_on_the_way(&cwd.join("gen"), Some(&cwd)).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn new_files_get_0666_less_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        replace_file(&path, b"x").expect("written");
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        // The umask only removes bits from 0666 (tests/hostile_writes.rs sets the umask and
        // checks the exact modes).
        assert_eq!(mode & 0o600, 0o600);
        assert_eq!(mode & !0o666, 0);
    }

    #[test]
    fn reads_stop_past_the_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        std::fs::write(&path, "12345").expect("write");
        assert_eq!(
            read_no_follow(&path, 5).expect("read"),
            Some(b"12345".to_vec())
        );
        assert!(read_no_follow(&path, 4).is_err());
        assert_eq!(
            read_no_follow(&dir.path().join("nope"), 4).expect("missing"),
            None
        );
    }
}
