//! Embeds the seed stacks' function sources (`functions/`) in the crate, so a tfstack
//! binary synthesizes the same packages wherever it runs, with no path of the build
//! machine inside it.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&manifest).join("functions");
    println!("cargo:rerun-if-changed=functions");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every file under `functions/`: path relative to it, contents, executable.\n\
         pub(crate) static FUNCTION_FILES: &[(&str, &[u8], bool)] = &[\n",
    );
    for (rel, executable) in &files {
        // Paths are embedded relative to the manifest directory, never as text in the binary.
        let _ = writeln!(
            out,
            "    ({rel:?}, include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/functions/\", {rel:?})), {executable}),"
        );
    }
    out.push_str("];\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("function_files.rs");
    std::fs::write(target, out).expect("writes the embedded file list");
}

/// Files under `dir` (hidden entries skipped), as `/`-separated paths relative to `root`.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, bool)>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, is_executable(&path)));
        }
    }
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    false
}
