//! `cargo run -p xtask -- module-cycles`: fails when modules of one crate import each
//! other in a circle (`a` uses `b`, `b` uses `a`, directly or through others).
//!
//! A module is a source file (`src/a.rs`, `src/a/mod.rs` → `crate::a`). An import is a
//! path written in non-test code: `use crate::a::X`, `super::X`, `self::b::Y`, or an inline
//! `crate::a::f()`. A path names the longest module it starts with; a name the crate root
//! (or a module) re-exports with `pub use` is followed to the module that defines it.
//! Declaring a child (`mod b;`) is not an import, and `#[cfg(test)]` modules are skipped:
//! tests may use helpers that use the code under test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One module of a crate: its path (`crate::a::b`) and what it refers to.
#[derive(Debug, Default)]
struct ModuleFile {
    /// Module paths this module's code refers to (unresolved: full item paths).
    references: Vec<Vec<String>>,
    /// `pub use` re-exports: exported name → the path it comes from.
    reexports: BTreeMap<String, Vec<String>>,
    /// `pub use m::*`: the modules whose public items this one re-exports.
    globs: Vec<Vec<String>>,
    /// Names of the items it declares public (`pub fn x`, `pub struct X`, …).
    items: BTreeSet<String>,
}

/// A cycle: the modules in order, the first repeated at the end.
pub type Cycle = Vec<String>;

/// Runs the check on every library crate of the workspace at `root`; returns the exit code.
pub fn run(args: &[String]) -> i32 {
    let root = match args.first() {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    };
    let mut failed = false;
    let crates = library_roots(&root);
    for (name, lib) in &crates {
        match cycles_in_crate(lib) {
            Ok(cycles) => {
                for cycle in cycles {
                    failed = true;
                    eprintln!("{name}: modules import each other: {}", cycle.join(" → "));
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("{name}: {e}");
            }
        }
    }
    if failed {
        eprintln!("break each cycle: move what both need into a module below both");
        1
    } else {
        println!("no module cycles in {} crates", crates.len());
        0
    }
}

/// `(package folder, src/lib.rs)` of every workspace member with a library, and the root
/// package's.
pub fn library_roots(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let members = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("members"))
        .map(|l| {
            l.split('"')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for dir in std::iter::once(".".to_string()).chain(members) {
        let lib = root.join(&dir).join("src").join("lib.rs");
        if lib.is_file() {
            out.push((dir, lib));
        }
    }
    out
}

/// The import cycles among the modules of the crate whose root is `lib`.
pub fn cycles_in_crate(lib: &Path) -> Result<Vec<Cycle>, String> {
    let src = lib.parent().ok_or("no src directory")?;
    let mut modules: BTreeMap<String, ModuleFile> = BTreeMap::new();
    collect(src, lib, "crate", &mut modules)?;
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, module) in &modules {
        let targets = edges.entry(name.clone()).or_default();
        for path in &module.references {
            if let Some(target) = resolve(path, &names, &modules) {
                if &target != name {
                    targets.insert(target);
                }
            }
        }
    }
    Ok(find_cycles(&edges))
}

/// Reads `file` (module `name`) and the child modules it declares, recursively.
fn collect(
    src: &Path,
    file: &Path,
    name: &str,
    out: &mut BTreeMap<String, ModuleFile>,
) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let code = without_tests(&strip_comments_and_strings(&text));
    let dir = module_dir(src, file, name);
    let mut module = ModuleFile::default();
    for statement in use_statements(&code) {
        let public = statement.starts_with("pub");
        let tree = statement
            .trim_start_matches("pub(crate)")
            .trim_start_matches("pub")
            .trim()
            .trim_start_matches("use")
            .trim();
        let glob = tree.ends_with("::*");
        for path in expand_use_tree(tree) {
            let absolute = absolute_path(name, &path);
            if let Some(absolute) = absolute {
                if public && glob {
                    module.globs.push(absolute.clone());
                } else if public {
                    if let Some(last) = path.last() {
                        module.reexports.insert(last.clone(), absolute.clone());
                    }
                }
                module.references.push(absolute);
            }
        }
    }
    for path in inline_paths(&code) {
        if let Some(absolute) = absolute_path(name, &path) {
            module.references.push(absolute);
        }
    }
    module.items = public_items(&code);
    let children = child_modules(&code);
    out.insert(name.to_string(), module);
    for child in children {
        let candidates = [
            dir.join(format!("{child}.rs")),
            dir.join(&child).join("mod.rs"),
        ];
        if let Some(path) = candidates.iter().find(|p| p.is_file()) {
            collect(src, path, &format!("{name}::{child}"), out)?;
        }
    }
    Ok(())
}

/// Where a module's children live: `src/` for the root, `src/a/` for `src/a.rs` or
/// `src/a/mod.rs`.
fn module_dir(src: &Path, file: &Path, name: &str) -> PathBuf {
    if name == "crate" {
        return src.to_path_buf();
    }
    let parent = file.parent().unwrap_or(src);
    match file.file_name().and_then(|n| n.to_str()) {
        Some("mod.rs") => parent.to_path_buf(),
        _ => parent.join(file.file_stem().unwrap_or_default()),
    }
}

/// Source text with comments and the contents of string and char literals blanked out.
fn strip_comments_and_strings(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            i += end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            i += end;
        } else if let Some(len) = raw_string_len(rest) {
            out.push_str("\"\"");
            i += len;
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() {
                match rest.as_bytes()[j] {
                    b'\\' => j += 2,
                    b'"' => break,
                    _ => j += 1,
                }
            }
            out.push_str("\"\"");
            i += (j + 1).min(rest.len());
        } else if let Some(len) = char_literal_len(rest) {
            out.push_str("' '");
            i += len;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The length of a raw string literal (`r"…"`, `r#"…"#`) at the start of `text`.
fn raw_string_len(text: &str) -> Option<usize> {
    let after_r = text.strip_prefix('r')?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    let body = after_r[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let end = body.find(&close)?;
    Some(1 + hashes + 1 + end + close.len())
}

/// The length of a char literal (`'a'`, `'\n'`, `'\''`) at the start of `text`, not a
/// lifetime.
fn char_literal_len(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    if chars.next()?.1 != '\'' {
        return None;
    }
    let (_, c) = chars.next()?;
    if c == '\\' {
        let close = text[2..].find('\'')?;
        return Some(2 + close + 1);
    }
    let (i, end) = chars.next()?;
    (end == '\'').then_some(i + 1)
}

/// The code without `#[cfg(test)]` items (test modules and helpers).
fn without_tests(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // Skip the item: to its `;` or its balanced `{…}`, whichever comes first.
        let semicolon = after.find(';');
        let brace = after.find('{');
        let end = match (semicolon, brace) {
            (Some(s), Some(b)) if s < b => s + 1,
            (_, Some(b)) => {
                let mut depth = 0usize;
                let mut end = after.len();
                for (i, c) in after[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (Some(s), None) => s + 1,
            (None, None) => after.len(),
        };
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Every `use …;` statement (with its `pub` if any), whitespace collapsed.
fn use_statements(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let words: Vec<(usize, &str)> = word_starts(code);
    for (at, word) in words {
        if word != "use" {
            continue;
        }
        let before = code[..at].trim_end();
        let prefix = if before.ends_with("pub(crate)") {
            "pub(crate) "
        } else if before.ends_with("pub") {
            "pub "
        } else {
            ""
        };
        if let Some(end) = code[at..].find(';') {
            let statement: String = code[at..at + end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            out.push(format!("{prefix}{statement}"));
        }
    }
    out
}

/// Each identifier-like word with its byte offset.
fn word_starts(code: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in code.char_indices() {
        let part = c.is_alphanumeric() || c == '_';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, &code[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &code[s..]));
    }
    out
}

/// `a::{b, c::{d, e as f}}` → `[a, b]`, `[a, c, d]`, `[a, c, e]`.
fn expand_use_tree(tree: &str) -> Vec<Vec<String>> {
    fn expand(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
        let tree = tree.trim();
        if tree.is_empty() {
            return;
        }
        if let Some(open) = tree.find('{') {
            let head: Vec<String> = tree[..open]
                .split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            let close = tree.rfind('}').unwrap_or(tree.len());
            let inner = &tree[open + 1..close];
            let mut path = prefix.to_vec();
            path.extend(head);
            for part in split_top_level(inner) {
                expand(&path, part, out);
            }
        } else {
            let tree = tree.split(" as ").next().unwrap_or(tree);
            let mut path = prefix.to_vec();
            path.extend(
                tree.split("::")
                    .map(str::trim)
                    .filter(|s| !s.is_empty() && *s != "*" && *s != "self")
                    .map(str::to_string),
            );
            out.push(path);
        }
    }
    let mut out = Vec::new();
    expand(&[], tree, &mut out);
    out
}

/// Splits `a, b::{c, d}, e` at the commas outside braces.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// Paths outside `use` statements that start with `crate::`, `super::` or `self::`.
fn inline_paths(code: &str) -> Vec<Vec<String>> {
    let code = without_use_statements(code);
    let mut out = Vec::new();
    for (at, word) in word_starts(&code) {
        if !matches!(word, "crate" | "super" | "self")
            || !code[at + word.len()..].starts_with("::")
            || code[..at].ends_with("::")
        {
            continue;
        }
        let rest = &code[at..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let path: Vec<String> = rest[..end]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        out.push(path);
    }
    out
}

/// The code with every `use …;` statement blanked (they are read by `use_statements`).
fn without_use_statements(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut last = 0;
    for (at, word) in word_starts(code) {
        if word != "use" || at < last {
            continue;
        }
        if let Some(end) = code[at..].find(';') {
            out.push_str(&code[last..at]);
            last = at + end + 1;
        }
    }
    out.push_str(&code[last..]);
    out
}

/// The names of the items declared `pub` (`pub fn x`, `pub(crate) struct X`, …).
fn public_items(code: &str) -> BTreeSet<String> {
    let words = word_starts(code);
    let mut out = BTreeSet::new();
    for window in words.windows(3) {
        let [(_, first), (_, second), (_, third)] = window else {
            continue;
        };
        let kinds = [
            "fn", "struct", "enum", "trait", "type", "const", "static", "mod",
        ];
        if *first == "pub" && kinds.contains(second) {
            out.insert((*third).to_string());
        } else if *first == "crate" && kinds.contains(second) {
            // `pub(crate) fn x`: the words are `pub`, `crate`, `fn`, `x`.
            out.insert((*third).to_string());
        }
    }
    out
}

/// `mod a;` and `pub mod a;` declarations (not inline `mod a { … }`).
fn child_modules(code: &str) -> Vec<String> {
    let words = word_starts(code);
    let mut out = Vec::new();
    for pair in words.windows(2) {
        let [(at, word), (next_at, name)] = pair else {
            continue;
        };
        if *word != "mod" {
            continue;
        }
        let after = code[next_at + name.len()..].trim_start();
        if after.starts_with(';') && !code[..*at].trim_end().ends_with("::") {
            out.push((*name).to_string());
        }
    }
    out
}

/// A path written in module `module`, made absolute (`crate::…`). A path that starts with
/// a name (`child::x`, `std::x`) is taken as relative to the module: it designates a
/// child module when there is one of that name, and the module itself otherwise.
fn absolute_path(module: &str, path: &[String]) -> Option<Vec<String>> {
    let mut current: Vec<String> = module.split("::").map(str::to_string).collect();
    let mut parts = path.iter().peekable();
    match parts.peek().map(|s| s.as_str()) {
        Some("crate") => {
            parts.next();
            current = vec!["crate".to_string()];
        }
        Some("super") => {
            while parts.peek().map(|s| s.as_str()) == Some("super") {
                parts.next();
                if current.len() > 1 {
                    current.pop();
                }
            }
        }
        Some("self") => {
            parts.next();
        }
        Some(_) => {}
        None => return None,
    }
    current.extend(parts.cloned());
    Some(current)
}

/// The module a path designates: the longest known module it starts with, following a
/// re-exported name to where it comes from.
fn resolve(
    path: &[String],
    names: &BTreeSet<String>,
    modules: &BTreeMap<String, ModuleFile>,
) -> Option<String> {
    let mut path = path.to_vec();
    for _ in 0..8 {
        let mut longest = None;
        for len in (1..=path.len()).rev() {
            let candidate = path[..len].join("::");
            if names.contains(&candidate) {
                longest = Some((candidate, len));
                break;
            }
        }
        let (module, len) = longest?;
        let reexported = path.get(len).and_then(|item| {
            let file = modules.get(&module)?;
            file.reexports.get(item).cloned().or_else(|| {
                // A name re-exported by a glob: the globbed module that declares it.
                file.globs
                    .iter()
                    .find(|source| {
                        modules
                            .get(&source.join("::"))
                            .is_some_and(|m| m.items.contains(item))
                    })
                    .map(|source| {
                        let mut full = source.clone();
                        full.push(item.clone());
                        full
                    })
            })
        });
        match reexported {
            Some(source) if source != path => {
                let mut next = source.clone();
                next.extend(path[len + 1..].iter().cloned());
                path = next;
            }
            _ => return Some(module),
        }
    }
    None
}

/// The cycles of a directed graph: one per strongly connected component of more than one
/// module, shown as a shortest circle through its first module.
fn find_cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Cycle> {
    let mut out = Vec::new();
    for component in strongly_connected(edges) {
        if component.len() < 2 {
            continue;
        }
        let start = &component[0];
        let within: BTreeSet<&String> = component.iter().collect();
        // Breadth-first from `start` back to `start` inside the component.
        let mut previous: BTreeMap<&String, &String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut closing = None;
        while let Some(node) = queue.pop_front() {
            for next in edges.get(node).into_iter().flatten() {
                if !within.contains(next) {
                    continue;
                }
                if next == start {
                    closing = Some(node);
                    break;
                }
                if !previous.contains_key(next) {
                    previous.insert(next, node);
                    queue.push_back(next);
                }
            }
            if closing.is_some() {
                break;
            }
        }
        let mut cycle = vec![start.clone()];
        let mut node = closing;
        let mut back = Vec::new();
        while let Some(n) = node {
            if n == start {
                break;
            }
            back.push(n.clone());
            node = previous.get(n).copied();
        }
        back.reverse();
        cycle.extend(back);
        cycle.push(start.clone());
        out.push(cycle);
    }
    out
}

/// Tarjan's strongly connected components, each sorted, in a stable order.
fn strongly_connected(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a String, usize>,
        low: BTreeMap<&'a String, usize>,
        stack: Vec<&'a String>,
        on_stack: BTreeSet<&'a String>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a String) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.edges.get(v).into_iter().flatten() {
            let Some((w, _)) = s.edges.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            component.sort();
            s.out.push(component);
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    state.out.sort();
    state.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
    }

    #[test]
    fn the_workspace_has_no_module_cycles() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root");
        let crates = library_roots(root);
        assert!(crates.len() >= 6, "{crates:?}");
        for (name, lib) in crates {
            let cycles = cycles_in_crate(&lib).expect("readable");
            assert!(cycles.is_empty(), "{name}: {cycles:?}");
        }
    }

    #[test]
    fn a_planted_cycle_is_found_and_named() {
        let dir = tempfile_dir("planted");
        write(
            &dir,
            &[
                (
                    "src/lib.rs",
                    "pub mod a;\npub mod b;\npub mod c;\npub use c::Thing;\n",
                ),
                (
                    "src/a.rs",
                    "use crate::b::helper;\npub fn f() { helper() }\n",
                ),
                // Through the root's re-export of `Thing`, defined in `c`.
                (
                    "src/b/mod.rs",
                    "pub mod inner;\nuse crate::Thing;\npub fn helper() {}\n",
                ),
                ("src/b/inner.rs", "pub fn deep() {}\n"),
                // An inline path closes the circle.
                ("src/c.rs", "pub struct Thing;\nfn g() { crate::a::f() }\n"),
            ],
        );
        let cycles = cycles_in_crate(&dir.join("src/lib.rs")).expect("readable");
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            cycles,
            vec![names(&["crate::a", "crate::b", "crate::c", "crate::a"])]
        );
        // Through a glob re-export too.
        write(
            &dir,
            &[(
                "src/lib.rs",
                "pub mod a;\npub mod b;\npub mod c;\npub use c::*;\n",
            )],
        );
        let cycles = cycles_in_crate(&dir.join("src/lib.rs")).expect("readable");
        assert_eq!(
            cycles,
            vec![names(&["crate::a", "crate::b", "crate::c", "crate::a"])]
        );
        // Without the closing path, no cycle.
        write(&dir, &[("src/c.rs", "pub struct Thing;\n")]);
        let cycles = cycles_in_crate(&dir.join("src/lib.rs")).expect("readable");
        assert!(cycles.is_empty(), "{cycles:?}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn tests_comments_strings_and_child_declarations_are_not_imports() {
        let dir = tempfile_dir("quiet");
        write(
            &dir,
            &[
                ("src/lib.rs", "pub mod a;\npub mod b;\n"),
                (
                    "src/a.rs",
                    "// use crate::b;\nconst S: &str = \"crate::b::x\";\nuse crate::b::y;\n",
                ),
                (
                    "src/b.rs",
                    "pub fn y() {}\n#[cfg(test)]\nmod tests {\n    use crate::a;\n}\n",
                ),
            ],
        );
        let cycles = cycles_in_crate(&dir.join("src/lib.rs")).expect("readable");
        assert!(cycles.is_empty(), "{cycles:?}");
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A fresh directory under the target's temp dir (xtask has no tempfile dependency).
    fn tempfile_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "tfstack-module-cycles-{name}-{}",
            std::process::id()
        ));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }
}
