//! The one bounded reader: every file tfstack reads — sources, `file()` and
//! `templatefile()`, variable files, configuration, baselines, plans, module directories —
//! is opened here, the open handle's type checked (a FIFO, a device, a socket or a
//! directory is refused: reading one could block forever or never end), and at most the
//! limit plus one byte read. Nothing is decided from metadata taken before the open.
//!
//! A [`ReadRoot`] bounds where reads may go: a path whose real location (links followed)
//! is outside it is not read.

use crate::error::SourceError;
use crate::origin::SourceFile;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The largest file read unless configured otherwise: 64 MiB.
pub const DEFAULT_READ_LIMIT: u64 = 64 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// The operating system refused (missing, permissions, …).
    Io(io::Error),
    /// Not a regular file: what it is (`a FIFO`, `a character device`, …).
    NotRegular(&'static str),
    /// A symbolic link where links are not followed ([`read_bytes_no_follow`]).
    Link,
    /// Larger than the limit, in bytes.
    TooLarge(u64),
    /// Not UTF-8 text: the valid prefix, and the offset of the first bad byte.
    NotUtf8 { prefix: String, offset: usize },
    /// Outside the read root (after following links).
    OutsideRoot,
}

impl ReadError {
    /// What went wrong, in a sentence fragment (`not a regular file: a FIFO`).
    pub fn message(&self) -> String {
        match self {
            ReadError::Io(e) => io_message(e),
            ReadError::NotRegular(kind) => {
                format!("not a regular file ({kind}); tfstack reads regular files only")
            }
            ReadError::Link => "a symbolic link, which is not followed here".to_string(),
            ReadError::TooLarge(limit) => format!(
                "file is larger than the read limit of {}",
                describe_size(*limit)
            ),
            ReadError::NotUtf8 { offset, .. } => {
                format!("not valid UTF-8 (byte {offset}); binary files cannot be linted")
            }
            ReadError::OutsideRoot => "outside the read root; not read".to_string(),
        }
    }

    /// The error as the model's located error about `path`: for text that is not UTF-8,
    /// at the line and column of the first bad byte.
    pub fn at(self, path: &Path) -> SourceError {
        let help = match &self {
            ReadError::TooLarge(_) => {
                Some("raise the limit with `--max-file-size` (or `max_file_size` in tfstack.toml)")
            }
            ReadError::OutsideRoot => Some("widen the read root with `--root DIR`"),
            _ => None,
        };
        let error = match &self {
            ReadError::NotUtf8 { prefix, offset } => {
                let file = SourceFile::new(path, prefix.as_str());
                SourceError::at_offset(&file, *offset, self.message())
            }
            _ => SourceError::file(path, self.message()),
        };
        match help {
            Some(help) => error.with_help(help),
            None => error,
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// An I/O error without the `(os error N)` suffix.
fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text.get(..i).unwrap_or_default().to_string(),
                None => text,
            }
        }
    }
}

/// `64 MiB`, `1.5 KiB`, `300 bytes`.
pub fn describe_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            return if bytes.is_multiple_of(size) {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{:.1} {unit}", bytes as f64 / size as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

/// Parses a size as written on the command line or in tfstack.toml: bytes (`1048576`), or
/// a number with a unit (`64MB`, `64 MiB`, `512k`; powers of 1024 either way).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 64MB)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}` (use KB, MB or GB)")),
    };
    let bytes = number * factor as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
        return Err(format!("`{text}` is not a usable size"));
    }
    Ok(bytes as u64)
}

/// What a file type is, in words (`a FIFO`, `a symbolic link`, …), for messages about
/// what tfstack refuses to read or write.
pub fn kind_of(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_symlink() {
        return "a symbolic link";
    }
    if file_type.is_dir() {
        return "a directory";
    }
    if file_type.is_file() {
        return "a regular file";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "neither a file nor a directory"
}

/// Whether opening a path follows a symbolic link at the path itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Links {
    Follow,
    Refuse,
}

/// Opens `path` for reading without blocking (a FIFO without a writer would block the
/// open itself) and without making a terminal the controlling one; with [`Links::Refuse`]
/// the open itself refuses a link at `path`.
fn open(path: &Path, links: Links) -> Result<File, ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let no_follow = match links {
            Links::Follow => 0,
            Links::Refuse => libc::O_NOFOLLOW,
        };
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | no_follow);
    }
    match options.open(path) {
        Ok(file) => Ok(file),
        // A socket cannot be opened (ENXIO), nor a link with O_NOFOLLOW (ELOOP): say what
        // it is. The metadata only words the refusal; the decision was the failed open's.
        Err(e) => {
            let meta = match links {
                Links::Follow => std::fs::metadata(path),
                Links::Refuse => std::fs::symlink_metadata(path),
            };
            match meta {
                Ok(meta) if meta.file_type().is_symlink() => Err(ReadError::Link),
                Ok(meta) if !meta.is_file() => {
                    Err(ReadError::NotRegular(kind_of(meta.file_type())))
                }
                _ => Err(ReadError::Io(e)),
            }
        }
    }
}

/// Reads at most `limit` bytes of the regular file at `path`: opened first, its type
/// checked on the open handle, then read up to `limit + 1` bytes (one more tells a file
/// over the limit from one at it).
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_opened(open(path, Links::Follow)?, limit)
}

/// [`read_bytes`] without following a link at `path` ([`ReadError::Link`]): for files in
/// a tree tfstack also writes, where a link could aim a later write elsewhere.
pub fn read_bytes_no_follow(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_opened(open(path, Links::Refuse)?, limit)
}

/// At most `limit` bytes of an open file, which must be a regular file.
fn read_opened(file: File, limit: u64) -> Result<Vec<u8>, ReadError> {
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(meta.file_type())));
    }
    // The size is a hint for the buffer only: the file may grow or shrink meanwhile.
    let hint = meta.len().min(limit).saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

/// [`read_bytes`] as UTF-8 text. A UTF-8 byte order mark is dropped, as Terraform drops it.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    text_of(read_bytes(path, limit)?)
}

/// [`read_text`] of a file already open.
fn read_opened_text(file: File, limit: u64) -> Result<String, ReadError> {
    text_of(read_opened(file, limit)?)
}

/// `bytes` as text, without a leading byte order mark.
fn text_of(mut bytes: Vec<u8>) -> Result<String, ReadError> {
    if bytes.starts_with(crate::origin::UTF8_BOM) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let prefix = String::from_utf8_lossy(bytes.get(..offset).unwrap_or_default()).into_owned();
        ReadError::NotUtf8 { prefix, offset }
    })
}

/// The directory reads stay inside: a path is read only when its real location (every
/// link followed) is inside the root's real location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadRoot {
    /// The root as named, for messages.
    named: PathBuf,
    /// The root with every link resolved.
    real: PathBuf,
}

impl ReadRoot {
    /// The root at `dir` (which must exist).
    pub fn new(dir: &Path) -> io::Result<ReadRoot> {
        Ok(ReadRoot {
            named: dir.to_path_buf(),
            real: std::fs::canonicalize(dir)?,
        })
    }

    /// The default root of a linted path: the git work tree that holds it, else the
    /// directory itself (a file's directory for a file).
    pub fn of_path(path: &Path) -> io::Result<ReadRoot> {
        let real = std::fs::canonicalize(path)?;
        let dir = if real.is_dir() {
            real.clone()
        } else {
            real.parent().map(Path::to_path_buf).unwrap_or(real.clone())
        };
        let work_tree = dir.ancestors().find(|d| d.join(".git").exists());
        let root = work_tree.unwrap_or(&dir).to_path_buf();
        Ok(ReadRoot {
            named: root.clone(),
            real: root,
        })
    }

    /// The root as named.
    pub fn path(&self) -> &Path {
        &self.named
    }

    /// Whether `path` (links followed) is inside the root; `None` when it does not exist.
    pub fn contains(&self, path: &Path) -> Option<bool> {
        let real = std::fs::canonicalize(path).ok()?;
        Some(real.starts_with(&self.real))
    }
}

/// How reads are bounded: the largest file, and (for what a repository names itself) the
/// root nothing is read outside of.
#[derive(Clone, Debug)]
pub struct Reader {
    /// The largest file read, in bytes.
    pub limit: u64,
    /// Where reads may go; `None` reads anywhere (paths a person named).
    pub root: Option<ReadRoot>,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            limit: DEFAULT_READ_LIMIT,
            root: None,
        }
    }
}

impl Reader {
    /// A reader of files up to `limit` bytes, anywhere.
    pub fn with_limit(limit: u64) -> Reader {
        Reader { limit, root: None }
    }

    /// The same reader, kept inside `root`.
    pub fn inside(&self, root: ReadRoot) -> Reader {
        Reader {
            limit: self.limit,
            root: Some(root),
        }
    }

    /// Whether `path` may be read: inside the root (links followed), or no root is set.
    /// A path that does not exist is refused as such.
    pub fn check_root(&self, path: &Path) -> Result<(), ReadError> {
        match &self.root {
            None => Ok(()),
            Some(root) => match root.contains(path) {
                Some(true) => Ok(()),
                Some(false) => Err(ReadError::OutsideRoot),
                None => Err(ReadError::Io(io::Error::from(io::ErrorKind::NotFound))),
            },
        }
    }

    /// The text of `path`, inside the root and the limit.
    pub fn read_text(&self, path: &Path) -> Result<String, ReadError> {
        self.check_root(path)?;
        read_text(path, self.limit)
    }

    /// `path` opened for reading, inside the root, refused unless it is a regular file
    /// (checked on the open handle).
    pub fn open_regular(&self, path: &Path) -> Result<File, ReadError> {
        self.check_root(path)?;
        let file = open(path, Links::Follow)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(ReadError::NotRegular(kind_of(meta.file_type())));
        }
        Ok(file)
    }

    /// The text of a file [`Reader::open_regular`] opened, within the limit.
    pub fn read_opened_text(&self, file: File) -> Result<String, ReadError> {
        read_opened_text(file, self.limit)
    }

    /// The bytes of `path`, inside the root and the limit.
    pub fn read_bytes(&self, path: &Path) -> Result<Vec<u8>, ReadError> {
        self.check_root(path)?;
        read_bytes(path, self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<String, ReadError>) -> String {
        match r {
            Ok(t) => panic!("read {} bytes", t.len()),
            Err(e) => e.message(),
        }
    }

    #[test]
    fn regular_files_are_read_up_to_the_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a.tf");
        std::fs::write(&path, "\u{feff}x = 1\n").expect("write");
        assert_eq!(read_text(&path, 64).expect("read"), "x = 1\n");
        // The limit counts the file's bytes, the byte order mark included.
        assert_eq!(read_text(&path, 9).expect("read at the limit"), "x = 1\n");
        assert!(message(read_text(&path, 8)).contains("larger than the read limit of 8 bytes"));
    }

    #[test]
    fn directories_and_missing_files_are_refused_by_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(message(read_text(dir.path(), 64)).contains("a directory"));
        assert_eq!(
            message(read_text(&dir.path().join("nope.tf"), 64)),
            "no such file or directory"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("x.tf");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            eprintln!("skipped: mkfifo is not available");
            return;
        }
        assert!(message(read_text(&fifo, 64)).contains("a FIFO"));
    }

    #[cfg(unix)]
    #[test]
    fn a_device_behind_a_link_is_refused_without_reading() {
        let dir = tempfile::tempdir().expect("temp dir");
        let link = dir.path().join("x.tf");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        let start = std::time::Instant::now();
        assert!(message(read_text(&link, DEFAULT_READ_LIMIT)).contains("a character device"));
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_refused_where_links_are_not_followed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("target.json");
        std::fs::write(&target, "{}").expect("write");
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert_eq!(read_bytes(&link, 64).expect("followed"), b"{}");
        assert_eq!(
            read_bytes_no_follow(&target, 64).expect("a regular file"),
            b"{}"
        );
        let refused = read_bytes_no_follow(&link, 64).expect_err("a link");
        assert!(matches!(refused, ReadError::Link), "{}", refused.message());
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_root_are_not_followed() {
        let outside = tempfile::tempdir().expect("temp dir");
        let secret = outside.path().join("secret.json");
        std::fs::write(&secret, "{}").expect("write");
        let repo = tempfile::tempdir().expect("temp dir");
        let inside = repo.path().join("policy.json");
        std::fs::write(&inside, "{\"a\": 1}").expect("write");
        std::os::unix::fs::symlink(&secret, repo.path().join("link.json")).expect("symlink");
        std::os::unix::fs::symlink(&inside, repo.path().join("near.json")).expect("symlink");
        let reader = Reader::default().inside(ReadRoot::new(repo.path()).expect("root"));
        assert_eq!(
            reader
                .read_text(&repo.path().join("near.json"))
                .expect("inside"),
            "{\"a\": 1}"
        );
        for path in [repo.path().join("link.json"), secret.clone()] {
            assert_eq!(
                message(reader.read_text(&path)),
                "outside the read root; not read"
            );
        }
        let dotdot = repo
            .path()
            .join("..")
            .join(outside.path().file_name().expect("name"));
        assert_eq!(
            message(reader.read_text(&dotdot.join("secret.json"))),
            "outside the read root; not read"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("64MB"), Ok(64 << 20));
        assert_eq!(parse_size("64 MiB"), Ok(64 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1.5 GB"), Ok(3 << 29));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("3 parsecs").is_err());
        assert_eq!(describe_size(64 << 20), "64 MiB");
        assert_eq!(describe_size(1536), "1.5 KiB");
        assert_eq!(describe_size(8), "8 bytes");
    }
}
