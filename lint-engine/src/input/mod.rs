//! What `tfstack lint PATH…` reads: directories walked (honouring `.gitignore` for which
//! directories to enter, skipping hidden folders, `.terraform/` and `--exclude` globs),
//! each directory of module files one module — every `*.tf` and `*.tf.json` Terraform
//! loads, ignored or linked (inside the read root) — with its variable files; JSON
//! documents (plans, IAM policies) recognised by content. The kinds of input are the
//! loaders in [`kinds`]; every read goes through the model's bounded reader.

pub mod calls;
pub mod duplicates;
pub mod kinds;
pub mod overrides;
pub mod read;
pub mod vars;

use crate::context::Module;
use crate::located::{InputError, Notice};
use kinds::{heredoc_spans, module_file_kind, parse_hcl, ModuleFileContent};
use rayon::prelude::*;
pub use read::read_text;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tfstack_model::eval::DiskFiles;
use tfstack_model::read::{ReadRoot, Reader, DEFAULT_READ_LIMIT};
use tfstack_model::{Body, Config, FileId, Origin, SourceFile, SourceFiles, Structure, Value};

/// Which module calls are followed: each call is linted as an instance of the called
/// module, with the caller's arguments.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum CallModules {
    /// Calls of local modules (`./x`, `../x`).
    #[default]
    Local,
    /// Local modules, and modules `terraform init` installed (`.terraform/modules`).
    All,
    /// None: every module directory is linted on its own, with unknown inputs.
    None,
}

/// Options that shape how inputs are read.
#[derive(Clone, Debug)]
pub struct InputOptions {
    /// `--env NAME`: the environment of hand-written code.
    pub environment: Option<String>,
    pub production_names: Vec<String>,
    /// `--var-file F` (applied after auto-loaded tfvars, in order).
    pub var_files: Vec<PathBuf>,
    /// `--var k=v` (applied last).
    pub vars: Vec<(String, String)>,
    /// The largest file read, in bytes (`--max-file-size`).
    pub read_limit: u64,
    /// `--root DIR`: nothing outside it is read. Default: for each path, the git work
    /// tree that holds it, else the path itself.
    pub root: Option<PathBuf>,
    /// `--exclude GLOB` and the configuration's `exclude`: paths not linted, matched
    /// relative to the read root, to the working directory, and as named.
    pub exclude: Vec<String>,
    /// Which module calls are linted as instances (`--call-modules`).
    pub call_modules: CallModules,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            environment: None,
            production_names: Vec::new(),
            var_files: Vec::new(),
            vars: Vec::new(),
            read_limit: DEFAULT_READ_LIMIT,
            root: None,
            exclude: Vec::new(),
            call_modules: CallModules::Local,
        }
    }
}

impl InputOptions {
    /// The bounded reader for paths a person named (the limit, anywhere).
    pub fn reader(&self) -> Reader {
        Reader::with_limit(self.read_limit)
    }
}

/// One module directory to lint.
#[derive(Clone, Debug)]
pub struct ModuleDir {
    /// Its files (`.tf`, `.tf.json`, tfvars), sorted.
    pub files: Vec<PathBuf>,
    /// Where reads for it may go.
    pub root: ReadRoot,
    /// The `source` of each local module call (`./x`, `../x`) in its files, when
    /// discovery has read them for it (a textual pre-scan); `None`: not read yet.
    pub local_sources: Option<Vec<String>>,
}

/// The inputs found under the given paths.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Module directory → its files and read root.
    pub modules: BTreeMap<PathBuf, ModuleDir>,
    /// `.json` files to classify (plan, policy, or neither).
    pub json_files: Vec<PathBuf>,
    pub errors: Vec<InputError>,
    /// What was not read and why (a link out of the read root).
    pub notices: Vec<Notice>,
    /// Modules loaded whole because files of theirs were named on the command line (as
    /// pre-commit does): only the named files are reported on; the other files are
    /// context (variables, log groups, policies, …).
    pub focus: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
    /// The paths given that hold nothing to lint, for "no Terraform files under PATH".
    pub empty_paths: Vec<PathBuf>,
}

/// Paths not linted: `--exclude` and the configuration's `exclude` globs.
#[derive(Clone)]
struct Excluded {
    globs: globset::GlobSet,
}

impl Excluded {
    fn new(patterns: &[String]) -> Excluded {
        let mut set = globset::GlobSetBuilder::new();
        for p in patterns {
            let p = p.trim_end_matches('/');
            // `dir` and `dir/**` both exclude a directory and everything in it.
            for pattern in [p.to_string(), format!("{p}/**")] {
                if let Ok(g) = globset::GlobBuilder::new(&pattern)
                    .literal_separator(true)
                    .build()
                {
                    set.add(g);
                }
            }
        }
        Excluded {
            globs: set.build().unwrap_or_else(|_| globset::GlobSet::empty()),
        }
    }

    /// Whether a path (as named, relative to the working directory, and relative to the
    /// read root) is excluded.
    fn matches(&self, named: &Path, in_root: Option<&Path>) -> bool {
        if self.globs.is_empty() {
            return false;
        }
        let named = normalize_lexically(named);
        self.globs.is_match(&named)
            || crate::paths::relative_to_working_directory(&named)
                .is_some_and(|p| self.globs.is_match(p))
            || in_root.is_some_and(|p| self.globs.is_match(p))
    }
}

/// A walked path's place relative to its read root, to match `exclude` globs.
#[derive(Clone)]
struct RootRelative {
    /// The walked path as named.
    named: PathBuf,
    /// It relative to the read root (`None` when outside it).
    base: Option<PathBuf>,
}

impl RootRelative {
    fn new(named: &Path, root: &ReadRoot) -> RootRelative {
        let base = std::fs::canonicalize(named).ok().and_then(|real| {
            std::fs::canonicalize(root.path())
                .ok()
                .and_then(|r| real.strip_prefix(r).ok().map(Path::to_path_buf))
        });
        RootRelative {
            named: named.to_path_buf(),
            base,
        }
    }

    fn of(&self, path: &Path) -> Option<PathBuf> {
        let rest = path.strip_prefix(&self.named).ok()?;
        Some(self.base.as_ref()?.join(rest))
    }
}

/// The read root of one named path: `--root`, else the git work tree holding it, else it.
fn read_root(path: &Path, options: &InputOptions) -> Result<ReadRoot, InputError> {
    let root = match &options.root {
        Some(dir) => ReadRoot::new(dir)
            .map_err(|e| InputError::file(dir, format!("cannot use as the read root: {e}"))),
        None => ReadRoot::of_path(path).map_err(|e| tfstack_model::read::ReadError::Io(e).at(path)),
    }?;
    if root.contains(path) == Some(false) {
        return Err(
            InputError::file(path, "outside the read root given by `--root`")
                .with_help("lint paths inside the root, or give another `--root DIR`"),
        );
    }
    Ok(root)
}

/// Walks `paths` and groups what it finds.
pub fn discover(paths: &[PathBuf], options: &InputOptions) -> Inputs {
    let mut inputs = Inputs::default();
    let excluded = Excluded::new(&options.exclude);
    // A file found under two of the paths given (`lint a a/b`) is linted once.
    let mut seen = Seen::new(paths.len() > 1);
    let mut named: Vec<(PathBuf, ReadRoot)> = Vec::new();
    let reader = options.reader();
    let scan = (options.call_modules != CallModules::None).then_some(&reader);
    for p in paths {
        let root = match read_root(p, options) {
            Ok(root) => root,
            Err(e) => {
                inputs.errors.push(e);
                continue;
            }
        };
        let before = found(&inputs, &named);
        // What a person named is read as named (the reader still refuses anything but a
        // regular file when it opens it); what a walk finds stays inside the read root.
        let meta = std::fs::metadata(p);
        if meta.as_ref().is_ok_and(|m| !m.is_dir()) {
            if is_module_file(p) {
                named.push((p.clone(), root));
            } else if seen.insert(p) {
                add_json_candidate(&mut inputs, p);
            }
        } else if meta.is_ok() {
            walk(p, &root, &excluded, scan, &mut inputs, &mut seen);
        } else {
            inputs
                .errors
                .push(InputError::file(p, "no such file or directory"));
            continue;
        }
        if before == found(&inputs, &named) {
            inputs.empty_paths.push(p.clone());
        }
    }
    add_named_files(&mut inputs, named);
    inputs
}

/// The files discovery has taken, when several paths are given (one path cannot name a
/// file twice: a walk enters each directory once and does not follow links to
/// directories).
struct Seen {
    files: Option<HashSet<PathBuf>>,
}

impl Seen {
    fn new(several_paths: bool) -> Seen {
        Seen {
            files: several_paths.then(HashSet::new),
        }
    }

    /// Whether `path` is new (and takes it).
    fn insert(&mut self, path: &Path) -> bool {
        match &mut self.files {
            Some(files) => files.insert(path.to_path_buf()),
            None => true,
        }
    }
}

/// How many module files and JSON candidates discovery has found so far.
fn found(inputs: &Inputs, named: &[(PathBuf, ReadRoot)]) -> (usize, usize) {
    let module_files: usize = inputs.modules.values().map(|m| m.files.len()).sum();
    (module_files + named.len(), inputs.json_files.len())
}

/// Walks one directory: every directory it enters (not hidden, not ignored, not
/// `.terraform`, not excluded) with module files is a module; `.json` files are
/// candidates. The walk itself is sorted and runs on this thread; each directory it
/// enters is listed (and, with `scan`, its files read for local module calls) on the
/// thread pool meanwhile, and the results are taken in the walk's order.
fn walk(
    p: &Path,
    root: &ReadRoot,
    excluded: &Excluded,
    scan: Option<&Reader>,
    inputs: &mut Inputs,
    seen: &mut Seen,
) {
    let relative = RootRelative::new(p, root);
    let (skip, place) = (excluded.clone(), relative.clone());
    let walker = ignore::WalkBuilder::new(p)
        .hidden(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .filter_entry(move |e| {
            e.file_name() != ".terraform"
                && (e.depth() == 0 || !skip.matches(e.path(), place.of(e.path()).as_deref()))
        })
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    let listed: std::sync::Mutex<Vec<(usize, Listed)>> = std::sync::Mutex::new(Vec::new());
    let mut dirs: Vec<PathBuf> = Vec::new();
    rayon::in_place_scope(|tasks| {
        for entry in walker {
            match entry {
                Ok(e) => {
                    let path = e.path();
                    match e.file_type() {
                        Some(t) if t.is_dir() => {
                            let (index, dir) = (dirs.len(), path.to_path_buf());
                            dirs.push(dir.clone());
                            let (listed, relative) = (&listed, &relative);
                            tasks.spawn(move |_| {
                                let found = Listed::new(&dir, root, scan, |f| {
                                    excluded.matches(f, relative.of(f).as_deref())
                                });
                                if let Ok(mut all) = listed.lock() {
                                    all.push((index, found));
                                }
                            });
                        }
                        Some(t) if t.is_file() && !is_module_file(path) && seen.insert(path) => {
                            add_json_candidate(inputs, path)
                        }
                        _ => {}
                    }
                }
                Err(err) => inputs.errors.push(InputError::file(p, err.to_string())),
            }
        }
    });
    let mut listed = listed.into_inner().unwrap_or_else(|e| e.into_inner());
    listed.sort_by_key(|(index, _)| *index);
    for (dir, (_, found)) in dirs.into_iter().zip(listed) {
        inputs.notices.extend(found.notices);
        let scanned = found.sources.is_some();
        let mut called_by_file = found.sources.unwrap_or_default().into_iter();
        let (mut files, mut sources) = (Vec::new(), Vec::new());
        for file in found.files {
            let called = called_by_file.next().unwrap_or_default();
            if seen.insert(&file) {
                files.push(file);
                sources.extend(called);
            }
        }
        if files.is_empty() {
            continue;
        }
        let module = inputs.modules.entry(dir).or_insert_with(|| ModuleDir {
            files: Vec::new(),
            root: root.clone(),
            local_sources: Some(Vec::new()),
        });
        module.files.extend(files);
        module.files.sort();
        match (&mut module.local_sources, scanned) {
            (Some(known), true) => known.extend(sources),
            (known, _) => *known = None,
        }
    }
}

/// One directory as the walk lists it: its module files, what was not read and why,
/// and (when scanned) the local module sources each file calls.
struct Listed {
    files: Vec<PathBuf>,
    notices: Vec<Notice>,
    sources: Option<Vec<Vec<String>>>,
}

impl Listed {
    fn new(
        dir: &Path,
        root: &ReadRoot,
        scan: Option<&Reader>,
        excluded: impl Fn(&Path) -> bool,
    ) -> Listed {
        let (files, notices) = module_files(dir, root, excluded);
        let sources = scan.map(|reader| {
            files
                .par_iter()
                .map(|f| local_module_sources(f, reader))
                .collect()
        });
        Listed {
            files,
            notices,
            sources,
        }
    }
}

/// The module files of a directory, as Terraform lists them: every `*.tf`, `*.tf.json`
/// and auto-loaded tfvars that is not hidden (`.x.tf`), a backup (`x.tf~`) or an editor's
/// (`#x.tf#`), in name order. A link is followed when its target is inside the read
/// root; one pointing out of it is not read, and a notice says so. Anything else that is
/// not a regular file (a FIFO named `x.tf`) is kept, for the reader to refuse by name.
pub fn module_files(
    dir: &Path,
    root: &ReadRoot,
    excluded: impl Fn(&Path) -> bool,
) -> (Vec<PathBuf>, Vec<Notice>) {
    let mut files = Vec::new();
    let mut notices = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (files, notices);
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let text = name.to_string_lossy();
        if text.starts_with('.') || text.starts_with('#') || text.ends_with('~') {
            continue;
        }
        let path = in_dir(dir, &name);
        if !is_module_file(&path) || excluded(&path) {
            continue;
        }
        match entry.file_type() {
            Ok(t) if t.is_dir() => continue,
            Ok(t) if t.is_symlink() => match root.contains(&path) {
                Some(false) => {
                    notices.push(outside_root_notice(&path, "is a link"));
                    continue;
                }
                // A link to a directory is not a file of the module.
                Some(true) if path.is_dir() => continue,
                // Inside the root, or dangling (the reader says it is missing).
                _ => {}
            },
            _ => {}
        }
        files.push(path);
    }
    files.sort();
    (files, notices)
}

/// A notice for a path that points out of the read root and is not read.
pub(crate) fn outside_root_notice(path: &Path, what: &str) -> Notice {
    Notice {
        message: format!(
            "`{}` {what} outside the read root: it is not read",
            crate::located::display_path(path)
        ),
        help: "keep what a module reads inside the repository, or widen the read root with \
               `--root DIR`"
            .to_string(),
        path: crate::located::display_path(path),
        line: 0,
        column: 0,
    }
}

/// Files named on the command line: each is linted in its module (a log group, a
/// variable's value or a policy in a sibling file decides what its resources mean; linted
/// alone, `main.tf` would get LOG002 for a log group declared in `logs.tf`). Its siblings
/// are loaded as context and findings are reported for the named files only, unless the
/// directory is walked anyway. Linear in the number of names (pre-commit passes
/// thousands): each directory is listed once.
fn add_named_files(inputs: &mut Inputs, named: Vec<(PathBuf, ReadRoot)>) {
    if named.is_empty() {
        return;
    }
    let walked: HashSet<PathBuf> = inputs
        .modules
        .par_iter()
        .map(|(d, _)| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone()))
        .collect();
    let mut named_seen: HashSet<PathBuf> = HashSet::new();
    // Directory as named → its canonical form; canonical → the form first named (one
    // module per directory).
    let mut canonical_dirs: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut dirs: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut modules: BTreeMap<PathBuf, (BTreeSet<PathBuf>, ReadRoot)> = BTreeMap::new();
    for (p, root) in named {
        // `./main.tf` is `main.tf`; the same file named twice (or by another path) once.
        let p = normalize_lexically(&p);
        let parent = parent_dir(&p);
        let canonical = canonical_dirs
            .entry(parent.clone())
            .or_insert_with(|| std::fs::canonicalize(&parent).unwrap_or_else(|_| parent.clone()))
            .clone();
        let file = match p.file_name() {
            Some(name) => canonical.join(name),
            None => continue,
        };
        if walked.contains(&canonical) || !named_seen.insert(file) {
            continue;
        }
        let dir = dirs
            .entry(canonical)
            .or_insert_with(|| parent.clone())
            .clone();
        let p = match p.file_name() {
            Some(name) if dir != parent => in_dir(&dir, name),
            _ => p,
        };
        inputs
            .focus
            .entry(dir.clone())
            .or_default()
            .insert(p.clone());
        let (files, _) = modules.entry(dir.clone()).or_insert_with(|| {
            let (siblings, notices) = module_files(&dir, &root, |_| false);
            inputs.notices.extend(notices);
            (siblings.into_iter().collect(), root.clone())
        });
        files.insert(p);
    }
    for (dir, (files, root)) in modules {
        inputs.modules.insert(
            dir,
            ModuleDir {
                files: files.into_iter().collect(),
                root,
                local_sources: None,
            },
        );
    }
}

/// `a/b/../c/./d` → `a/c/d`, keeping leading `..` (a relative path that climbs stays
/// relative, so it is shown as the user would write it).
pub(crate) fn normalize_lexically(path: &Path) -> PathBuf {
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

/// A candidate JSON document: read later, recognised by content.
fn add_json_candidate(inputs: &mut Inputs, p: &Path) {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if name.ends_with(".json") && !name.ends_with(".tfvars.json") {
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

/// Whether a file belongs to a module directory (one of [`kinds::MODULE_FILE_KINDS`]).
fn is_module_file(p: &Path) -> bool {
    kind_of_file(p).is_some()
}

/// The kind of module file at `p`, by its name.
fn kind_of_file(p: &Path) -> Option<&'static dyn kinds::ModuleFileKind> {
    module_file_kind(&p.file_name()?.to_string_lossy())
}

/// The `source` of each module call in a file that looks local (`./x`, `../x`): a cheap
/// textual pre-scan (the loader parses properly later), to tell which module directories
/// other modules call.
fn local_module_sources(path: &Path, reader: &Reader) -> Vec<String> {
    if path.extension().and_then(|e| e.to_str()) != Some("tf") {
        return Vec::new();
    }
    // The scan reads a line at a time: most files declare no module, and a large one is
    // then never held whole.
    let Ok(file) = reader.open_regular(path) else {
        return Vec::new();
    };
    let mut lines =
        std::io::BufReader::new(std::io::Read::take(file, reader.limit.saturating_add(1)));
    if may_declare_module_in(&mut lines) != Some(true) {
        return Vec::new();
    }
    // Read whole from the handle the scan read: the file is opened once.
    let mut file = lines.into_inner().into_inner();
    if std::io::Seek::rewind(&mut file).is_err() {
        return Vec::new();
    }
    let Ok(text) = reader.read_opened_text(file) else {
        return Vec::new();
    };
    let Ok(body) = parse_hcl(&SourceFile::new(path, text.as_str()), FileId(0)) else {
        return Vec::new();
    };
    body.blocks()
        .filter(|b| b.kind == "module")
        .filter_map(|b| b.body.get("source").and_then(|e| e.as_str()))
        .filter(|s| calls::is_local_source(s))
        .map(str::to_string)
        .collect()
}

/// The module directories each module directory of `inputs` calls (canonical paths, by
/// the caller's canonical path; a directory that calls none is left out): those are
/// linted as instances of their callers, not on their own.
pub fn called_directories(
    inputs: &Inputs,
    options: &InputOptions,
) -> HashMap<PathBuf, Vec<PathBuf>> {
    if options.call_modules == CallModules::None {
        return HashMap::new();
    }
    let reader = options.reader();
    inputs
        .modules
        .par_iter()
        .filter_map(|(dir, module)| {
            let sources = match &module.local_sources {
                Some(sources) => sources.clone(),
                None => module
                    .files
                    .iter()
                    .flat_map(|f| local_module_sources(f, &reader))
                    .collect(),
            };
            let called: Vec<PathBuf> = sources
                .iter()
                .filter_map(|s| std::fs::canonicalize(dir.join(s)).ok())
                .collect();
            if called.is_empty() {
                return None;
            }
            let caller = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
            Some((caller, called))
        })
        .collect()
}

/// Whether the text read from `source` may hold a top-level `module` block: a line that
/// [`line_may_declare_module`]. Almost every file mentions `path.module` (or "module" in a
/// comment or a description); those are not parsed a second time. `None` when it cannot
/// be read.
fn may_declare_module_in(mut source: impl std::io::BufRead) -> Option<bool> {
    let mut line = Vec::new();
    loop {
        line.clear();
        match source.read_until(b'\n', &mut line) {
            Ok(0) => return Some(false),
            Ok(_) if line_may_declare_module(&line) => return Some(true),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Whether a line (with its newline, if any) may start a `module` block: the word
/// `module` first on it (after whitespace or the end of a `/* */` comment) and followed by
/// whitespace, `"` or `{`.
fn line_may_declare_module(line: &[u8]) -> bool {
    const WORD: &[u8] = b"module";
    line.windows(WORD.len())
        .enumerate()
        .filter(|(_, w)| *w == WORD)
        .any(|(i, _)| {
            let before = line.get(..i).unwrap_or_default().trim_ascii();
            let after = line.get(i + WORD.len()).copied();
            (before.is_empty() || before.ends_with(b"*/"))
                && matches!(
                    after,
                    None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'{')
                )
        })
}

/// A module directory's files read and parsed: its blocks (shared by every instance of
/// the module), its sources, its auto-loaded variable files and what could not be read.
pub struct LoadedDir {
    pub config: Arc<Config>,
    pub sources: SourceFiles,
    /// `terraform.tfvars` and `*.auto.tfvars`, in Terraform's order (a root module's only).
    pub variable_files: Vec<(PathBuf, FileId)>,
    pub errors: Vec<InputError>,
}

/// Reads and parses a module directory's files (in parallel: a module of many files uses
/// every core); ids, errors and blocks keep the order of the sorted file list. Parse
/// errors are returned; the other files are still loaded.
pub fn load_dir(files: &[PathBuf], reader: &Reader) -> LoadedDir {
    let mut sources = SourceFiles::default();
    let mut config = Config::default();
    let mut errors = Vec::new();
    let mut variable_files: Vec<(PathBuf, FileId)> = Vec::new();
    let texts: Vec<Result<Text, InputError>> = files
        .par_iter()
        .map(|p| read_or_open(p, kind_of_file(p), reader))
        .collect();
    let mut read: Vec<(&PathBuf, FileId, Option<std::fs::File>)> = Vec::with_capacity(files.len());
    for (path, text) in files.iter().zip(texts) {
        match text {
            Ok(Text::Whole(text)) => {
                read.push((path, sources.add(SourceFile::new(path.clone(), text)), None))
            }
            Ok(Text::Opened(handle)) => read.push((
                path,
                sources.add(SourceFile::pending(path.clone())),
                Some(handle),
            )),
            Err(e) => errors.push(e),
        }
    }
    let parsed: Vec<(&PathBuf, FileId, Result<ModuleFileContent, InputError>)> = read
        .into_par_iter()
        .map(|(path, id, handle)| {
            let Some(kind) = kind_of_file(path) else {
                return (
                    path,
                    id,
                    Err(InputError::file(path, "not a Terraform file")),
                );
            };
            let file = sources.get(id);
            if let Some(handle) = handle {
                if let Some(content) = kind.parse_streamed(file, id, handle, reader.limit) {
                    return (path, id, Ok(content));
                }
                // Read whole, for the error the whole text gives.
                match reader.read_text(path) {
                    Ok(text) => file.set_text(text),
                    Err(e) => return (path, id, Err(e.at(path))),
                }
            }
            (path, id, kind.parse(file, id))
        })
        .collect();
    // The blocks stay for the whole lint of the module: their list is made at its size.
    let blocks: usize = parsed
        .iter()
        .map(|(_, _, content)| match content {
            Ok(ModuleFileContent::Blocks(body)) => body.items.len(),
            _ => 0,
        })
        .sum();
    config.blocks.reserve_exact(blocks);
    // Override files are merged into the other files' blocks once those are all read, in
    // name order (Terraform's).
    let mut override_files = Vec::new();
    for (path, id, content) in parsed {
        match content {
            Ok(ModuleFileContent::Blocks(body)) => {
                release_large_text(sources.get(id), &body, reader);
                if overrides::is_override_file(path) {
                    override_files.push((path, body));
                    continue;
                }
                for item in body.items {
                    if let Structure::Block(b) = item {
                        config.push(*b);
                    }
                }
            }
            Ok(ModuleFileContent::Variables) => variable_files.push((path.clone(), id)),
            Err(e) => errors.push(e),
        }
    }
    override_files.sort_by(|(a, _), (b, _)| a.file_name().cmp(&b.file_name()));
    for (_, body) in override_files {
        for item in body.items {
            if let Structure::Block(b) = item {
                errors.extend(overrides::apply(&mut config, *b, &sources));
            }
        }
    }
    errors.extend(duplicates::duplicate_declarations(&config, &sources));
    // Auto-loaded variable files in Terraform's order: terraform.tfvars, then
    // *.auto.tfvars by name.
    variable_files.sort_by_key(|(p, _)| {
        let n = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        (!n.starts_with("terraform.tfvars"), n)
    });
    // The blocks stay for the whole lint of the module: no spare capacity.
    config.blocks.shrink_to_fit();
    LoadedDir {
        config: Arc::new(config),
        sources,
        variable_files,
        errors,
    }
}

/// A parsed file larger than this has its text released while its module is linted; a
/// larger file of a kind that can be parsed as it is read is never held whole.
const RELEASE_TEXT_ABOVE: usize = 1024 * 1024;

/// A module file read whole, or opened to be parsed as it is read.
enum Text {
    Whole(String),
    Opened(std::fs::File),
}

/// `path` read whole, or, when it is larger than [`RELEASE_TEXT_ABOVE`] and of a kind
/// parsed as it is read, opened (a regular file inside the read root, checked on the
/// handle). Errors are those of reading it whole.
fn read_or_open(
    path: &Path,
    kind: Option<&'static dyn kinds::ModuleFileKind>,
    reader: &Reader,
) -> Result<Text, InputError> {
    // Past the most files held open, a large file is read whole (and its text kept).
    if kind.is_some_and(|k| k.streams()) && SourceFile::may_hold_open() {
        let handle = reader.open_regular(path).map_err(|e| e.at(path))?;
        if handle
            .metadata()
            .is_ok_and(|m| m.len() > RELEASE_TEXT_ABOVE as u64)
        {
            return Ok(Text::Opened(handle));
        }
        // Read from the handle just opened: each file is opened once.
        return reader
            .read_opened_text(handle)
            .map(Text::Whole)
            .map_err(|e| e.at(path));
    }
    reader
        .read_text(path)
        .map(Text::Whole)
        .map_err(|e| e.at(path))
}

/// Releases the text of a large parsed file ([`SourceFile::release_text`]): the rules read
/// its IR, and the text is read again only for what is shown of it (snippets, the lines
/// between a suppression comment and its block). What the rules read of the text stays:
/// the lines of suppression comments and heredocs (policy documents are parsed from their
/// text, for exact spans).
fn release_large_text(file: &SourceFile, body: &Body, reader: &Reader) {
    if file.len() <= RELEASE_TEXT_ABOVE {
        return;
    }
    // Opened again as it was read (a file that can no longer be keeps its text).
    let Ok(handle) = reader.open_regular(&file.path) else {
        return;
    };
    let mut heredocs = Vec::new();
    heredoc_spans(body, &mut heredocs);
    file.release_text(handle, crate::suppress::mentions_suppression, &heredocs);
}

/// Reads a module directory's files into a [`Module`] linted as a root module: its
/// tfvars, `--var-file` and `--var` applied; `file()` reads inside the read root of `dir`
/// (`--root`, else the git work tree holding it). Parse errors are returned; the other
/// files of the module are still loaded.
pub fn load_module(
    dir: &Path,
    files: &[PathBuf],
    options: &InputOptions,
) -> (Module, Vec<InputError>) {
    let root = options
        .root
        .as_deref()
        .and_then(|r| ReadRoot::new(r).ok())
        .or_else(|| ReadRoot::of_path(dir).ok());
    load_root_module(dir, files, options, root.as_ref())
}

/// [`load_module`] with its read root given (`None`: reads anywhere).
pub fn load_root_module(
    dir: &Path,
    files: &[PathBuf],
    options: &InputOptions,
    root: Option<&ReadRoot>,
) -> (Module, Vec<InputError>) {
    let reader = options.reader();
    let loaded = load_dir(files, &reader);
    let mut sources = loaded.sources;
    let mut errors = loaded.errors;
    let mut variables = HashMap::new();
    let empty = Config::default();
    let disk = DiskFiles::default();
    let scratch = tfstack_model::eval::Evaluator::new(
        &empty,
        dir.to_path_buf(),
        SourceFiles::default(),
        &disk,
        &HashMap::new(),
    );
    for (path, id) in &loaded.variable_files {
        load_tfvars(&sources, *id, path, &scratch, &mut variables, &mut errors);
    }
    for path in &options.var_files {
        match reader.read_text(path) {
            Ok(text) => {
                let id = sources.add(SourceFile::new(path.clone(), text.as_str()));
                load_tfvars(&sources, id, path, &scratch, &mut variables, &mut errors);
            }
            Err(e) => errors.push(e.at(path)),
        }
    }
    for (k, v) in &options.vars {
        let value = vars::command_line_value(k, v, &loaded.config, &sources, dir, &scratch);
        let mut value = match value {
            Ok(value) => value,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        // A command-line value has no place in a file: findings fall back to the
        // attribute that reads it (its origins would name the placeholder file id).
        forget_origins(&mut value);
        variables.insert(k.clone(), value);
    }
    let file_reader = match root {
        Some(root) => reader.inside(root.clone()),
        None => reader,
    };
    let module = Module::shared(dir.to_path_buf(), loaded.config, sources)
        .with_variables(variables)
        .with_environment(
            options.environment.clone(),
            options.production_names.clone(),
        )
        .with_file_source(Box::new(DiskFiles::new(file_reader)), HashMap::new());
    (module, errors)
}

/// Sets every origin in `value` to `Generated`.
pub(crate) fn forget_origins(value: &mut Value) {
    value.origin = Origin::GENERATED;
    value.key_origin = Origin::GENERATED;
    match &mut value.kind {
        tfstack_model::ValueKind::List(items) => items.iter_mut().for_each(forget_origins),
        tfstack_model::ValueKind::Object(members) => std::sync::Arc::make_mut(members)
            .values_mut()
            .for_each(forget_origins),
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
    let text = sources.get(id).text();
    if path.to_string_lossy().ends_with(".json") {
        match tfstack_model::load::json::parse(&text, id, 0) {
            Ok(v) => {
                if let Some(m) = v.as_object() {
                    for (k, v) in m {
                        variables.insert(k.clone(), v.clone());
                    }
                }
            }
            Err(e) => errors.push(InputError::at_offset(sources.get(id), e.offset, e.message)),
        }
        return;
    }
    match parse_hcl(sources.get(id), id) {
        Ok(body) => {
            for a in body.attributes() {
                variables.insert(a.name.to_string(), scratch.eval(&a.value));
            }
        }
        Err(e) => errors.push(e),
    }
}

#[cfg(test)]
mod perf_tests {
    use super::may_declare_module_in;

    fn may_declare_module(text: &str) -> bool {
        may_declare_module_in(text.as_bytes()) == Some(true)
    }

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
        // Read a line at a time, through a buffer smaller than a line.
        let read = |text: &str| {
            may_declare_module_in(std::io::BufReader::with_capacity(3, text.as_bytes()))
        };
        assert_eq!(read("x = path.module\n\nmodule \"a\" {}"), Some(true));
        assert_eq!(read("x = path.module\n# module\n"), Some(false));
        assert_eq!(read(""), Some(false));
    }
}

#[cfg(test)]
mod walk_tests {
    use super::{discover, InputOptions};
    use std::path::{Path, PathBuf};

    fn write(path: &Path, text: &str) {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create dir");
        }
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn discovery_lists_modules_and_json_in_path_order_every_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        // Siblings whose names sort differently as strings and as paths (`a-b` < `a/…`
        // as strings, `a` < `a-b` as paths), nested modules, JSON beside and below them.
        let mut expected_modules = Vec::new();
        let mut expected_json = Vec::new();
        for top in ["a", "a-b", "b", "a.x"] {
            for sub in ["", "m1", "m2/deeper", "z"] {
                let module = if sub.is_empty() {
                    root.join(top)
                } else {
                    root.join(top).join(sub)
                };
                write(&module.join("main.tf"), "locals {}\n");
                write(&module.join("variables.tf"), "");
                write(&module.join("plan.json"), "{}");
                write(&module.join("prod.tfvars.json"), "{}");
                write(&module.join("notes.md"), "");
                expected_modules.push(module.clone());
                expected_json.push(module.join("plan.json"));
            }
        }
        expected_modules.sort();
        expected_json.sort();
        let options = InputOptions {
            root: Some(root.to_path_buf()),
            ..InputOptions::default()
        };
        for _ in 0..5 {
            let inputs = discover(&[root.to_path_buf()], &options);
            let modules: Vec<&PathBuf> = inputs.modules.keys().collect();
            assert_eq!(modules, expected_modules.iter().collect::<Vec<_>>());
            assert_eq!(inputs.json_files, expected_json);
            for (dir, module) in &inputs.modules {
                assert_eq!(
                    module.files,
                    [dir.join("main.tf"), dir.join("variables.tf")],
                    "{}",
                    dir.display()
                );
            }
            assert!(inputs.errors.is_empty(), "{:?}", inputs.errors);
        }
    }
}
