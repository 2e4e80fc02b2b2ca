//! Paths as reports show them: relative to one root — the repository's work tree, or the
//! directory a person names — whatever the working directory and however the linted paths
//! were written, so that CI systems can place every finding on the pull request's diff and
//! a baseline written from one directory applies from another. A path outside the root is
//! shown absolute.
//!
//! The run works on absolute paths ([`absolute`]); [`ShownPaths::apply`] rewrites a finished
//! report: every path field, and the absolute paths inside messages.

use crate::located::LintReport;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tfstack_model::eval::normalize;

/// The work tree of the git repository holding `path`: the nearest directory, from `path`
/// (its directory for a file) upwards, with a `.git` entry — a directory, or a file in a
/// linked worktree or a submodule. Found without running git.
pub fn repository_root(path: &Path) -> Option<PathBuf> {
    let start = if path.is_file() { path.parent()? } else { path };
    start
        .ancestors()
        .find(|dir| std::fs::symlink_metadata(dir.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// `path` as an absolute path: joined to `cwd` when relative, `.` and `..` resolved
/// lexically (the names a person wrote are kept: links are not resolved).
pub fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    if path.is_absolute() {
        normalize(path)
    } else {
        normalize(&cwd.join(path))
    }
}

/// `path` relative to the working directory, when it is absolute and under it: how a
/// person who runs tfstack there writes it (`--exclude legacy` in `infra/`).
pub fn relative_to_working_directory(path: &Path) -> Option<PathBuf> {
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().ok()).as_ref()?;
    if !path.is_absolute() {
        return None;
    }
    let rest = path.strip_prefix(cwd).ok()?;
    (!rest.as_os_str().is_empty()).then(|| rest.to_path_buf())
}

/// The root reports show paths relative to.
#[derive(Clone, Debug)]
pub struct ShownPaths {
    /// The root, absolute.
    root: PathBuf,
    /// The root with links resolved, when that differs (paths reached through another
    /// name of the same directory are still inside it).
    real_root: Option<PathBuf>,
    /// What relative paths in a report are relative to (the working directory).
    cwd: PathBuf,
}

impl ShownPaths {
    /// Paths relative to `root` (made absolute against `cwd`); relative paths in reports
    /// are taken as relative to `cwd`.
    pub fn new(root: &Path, cwd: &Path) -> ShownPaths {
        let root = absolute(root, cwd);
        let real_root = std::fs::canonicalize(&root).ok().filter(|r| *r != root);
        ShownPaths {
            root,
            real_root,
            cwd: cwd.to_path_buf(),
        }
    }

    /// The root, absolute.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How a path is shown: relative to the root with `/` separators (`.` for the root
    /// itself), or absolute when it is outside the root. An empty path stays empty.
    pub fn show(&self, path: &str) -> String {
        if path.is_empty() {
            return String::new();
        }
        let full = absolute(Path::new(path), &self.cwd);
        if let Some(shown) = relative_to(&full, &self.root) {
            return shown;
        }
        if let Some(real_root) = &self.real_root {
            if let Some(shown) = relative_to(&full, real_root) {
                return shown;
            }
        }
        // Reached through a link to a directory inside the root.
        if let Some(shown) = canonical_inside(&full, self.real_root.as_ref().unwrap_or(&self.root))
        {
            return shown;
        }
        slashes(&full)
    }

    /// `text` with each absolute path inside the root that it mentions shown relative to
    /// it (messages name files: "`/repo/infra/policy.json` was not read").
    pub fn show_in_text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for root in std::iter::once(&self.root).chain(&self.real_root) {
            out = strip_root_mentions(&out, &slashes(root));
        }
        out
    }

    /// Rewrites every path of a report (findings, suppressed findings, their module
    /// calls, unreadable inputs, notices) and the messages that mention paths, then sorts
    /// it again in the order the paths are shown.
    pub fn apply(&self, report: &mut LintReport) {
        let mut cache: HashMap<String, String> = HashMap::new();
        let mut show = |path: &mut String| {
            let shown = cache
                .entry(std::mem::take(path))
                .or_insert_with_key(|p| self.show(p));
            path.clone_from(shown);
        };
        for f in report
            .findings
            .iter_mut()
            .chain(report.suppressed.iter_mut())
        {
            show(&mut f.location.path);
            for call in &mut f.calls {
                show(&mut call.path);
            }
            self.rewrite_text(&mut f.message);
            for text in [&mut f.help, &mut f.label] {
                if self.mentions_root(text) {
                    *text = Cow::Owned(self.show_in_text(text));
                }
            }
        }
        for e in &mut report.errors {
            show(&mut e.path);
            self.rewrite_text(&mut e.message);
            if let Some(help) = &mut e.help {
                self.rewrite_text(help);
            }
        }
        for n in &mut report.notices {
            show(&mut n.path);
            self.rewrite_text(&mut n.message);
            self.rewrite_text(&mut n.help);
        }
        report.sort();
    }

    fn rewrite_text(&self, text: &mut String) {
        if self.mentions_root(text) {
            *text = self.show_in_text(text);
        }
    }

    /// Whether `text` names a path under the root (the root as given, or its real path).
    fn mentions_root(&self, text: &str) -> bool {
        text.contains(&*self.root.to_string_lossy())
            || self
                .real_root
                .as_ref()
                .is_some_and(|r| text.contains(&*r.to_string_lossy()))
    }
}

/// `path` relative to `root` with `/` separators, when inside it.
fn relative_to(path: &Path, root: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    Some(if rest.as_os_str().is_empty() {
        ".".to_string()
    } else {
        slashes(rest)
    })
}

/// `path` relative to `real_root` once the links of its directories are resolved (of its
/// nearest existing ancestor, for a path that does not exist); its own name is kept.
fn canonical_inside(path: &Path, real_root: &Path) -> Option<String> {
    let (existing, rest) = path
        .ancestors()
        .skip(1)
        .find_map(|a| Some((std::fs::canonicalize(a).ok()?, path.strip_prefix(a).ok()?)))?;
    relative_to(&existing.join(rest), real_root)
}

/// A path with `/` separators.
fn slashes(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Whether `c` can be part of a file name as messages write them.
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '\\' | '~' | '+' | '@')
}

/// `text` with `root/` dropped before each path that starts with it, and `root` alone
/// written `.`; a longer name that merely starts like the root (`/repo-old`) is kept.
fn strip_root_mentions(text: &str, root: &str) -> String {
    // The filesystem root would match every absolute path's first `/`.
    if root.is_empty() || root == "/" {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(root) {
        let before_ok = rest[..i]
            .chars()
            .next_back()
            .or_else(|| out.chars().next_back())
            .is_none_or(|c| !is_name_char(c));
        let after = &rest[i + root.len()..];
        out.push_str(&rest[..i]);
        match after.chars().next() {
            Some('/') if before_ok => rest = &after[1..],
            next if before_ok && next.is_none_or(|c| !is_name_char(c) || c == '.') => {
                // `/repo.` at the end of a sentence is the root; `/repo.d` is another name.
                let sentence_end =
                    next == Some('.') && after[1..].chars().next().is_none_or(|c| !is_name_char(c));
                if next == Some('.') && !sentence_end {
                    out.push_str(root);
                } else {
                    out.push('.');
                }
                rest = after;
            }
            _ => {
                out.push_str(root);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(root: &str, cwd: &str) -> ShownPaths {
        ShownPaths {
            root: PathBuf::from(root),
            real_root: None,
            cwd: PathBuf::from(cwd),
        }
    }

    #[test]
    fn paths_are_shown_relative_to_the_root_whatever_the_working_directory() {
        let from_root = shown("/repo", "/repo");
        let from_below = shown("/repo", "/repo/infra/app");
        let from_outside = shown("/repo", "/elsewhere");
        assert_eq!(from_root.show("infra/app/main.tf"), "infra/app/main.tf");
        assert_eq!(from_root.show("./infra/app/main.tf"), "infra/app/main.tf");
        assert_eq!(from_below.show("main.tf"), "infra/app/main.tf");
        assert_eq!(from_below.show("../app/main.tf"), "infra/app/main.tf");
        assert_eq!(
            from_outside.show("../repo/infra/app/main.tf"),
            "infra/app/main.tf"
        );
        assert_eq!(
            from_outside.show("/repo/infra/app/main.tf"),
            "infra/app/main.tf"
        );
        assert_eq!(from_root.show("."), ".");
        assert_eq!(from_root.show(""), "");
    }

    #[test]
    fn a_path_outside_the_root_is_absolute() {
        let from_root = shown("/repo", "/repo");
        assert_eq!(from_root.show("../shared/main.tf"), "/shared/main.tf");
        assert_eq!(from_root.show("/repo-old/main.tf"), "/repo-old/main.tf");
        assert_eq!(shown("/repo", "/repo/infra").show("../../x.tf"), "/x.tf");
    }

    #[test]
    fn messages_name_files_relative_to_the_root() {
        let s = shown("/repo", "/");
        assert_eq!(
            s.show_in_text("`/repo/infra/policy.json` was not read"),
            "`infra/policy.json` was not read"
        );
        assert_eq!(
            s.show_in_text("no Terraform files under /repo"),
            "no Terraform files under ."
        );
        assert_eq!(
            s.show_in_text("no Terraform files under /repo."),
            "no Terraform files under .."
        );
        // Other names that start like the root, and the root inside another path, stay.
        assert_eq!(s.show_in_text("`/repo-old/x.tf`"), "`/repo-old/x.tf`");
        assert_eq!(s.show_in_text("`/repo.d/x.tf`"), "`/repo.d/x.tf`");
        assert_eq!(s.show_in_text("`/srv/repo/x.tf`"), "`/srv/repo/x.tf`");
        assert_eq!(
            s.show_in_text("`/repo/a.tf` calls `/repo/b`"),
            "`a.tf` calls `b`"
        );
        // The filesystem root is no prefix to strip.
        assert_eq!(shown("/", "/").show_in_text("`/x.tf`"), "`/x.tf`");
    }

    #[test]
    fn the_repository_root_is_found_by_its_git_entry() {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("infra/app")).expect("mkdir");
        std::fs::write(repo.join("infra/app/main.tf"), "").expect("write");
        assert_eq!(repository_root(&repo.join("infra/app")), None);
        // A linked worktree's `.git` is a file.
        std::fs::write(repo.join(".git"), "gitdir: /elsewhere\n").expect("write");
        assert_eq!(
            repository_root(&repo.join("infra/app/main.tf")),
            Some(repo.clone())
        );
        assert_eq!(repository_root(&repo.join("infra/app")), Some(repo.clone()));
        // A path that does not exist yet is placed by its ancestors.
        assert_eq!(repository_root(&repo.join("infra/missing")), Some(repo));
    }

    #[cfg(unix)]
    #[test]
    fn a_path_through_another_name_of_the_root_is_inside_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let real = dir.path().join("real");
        std::fs::create_dir_all(real.join("infra")).expect("mkdir");
        std::fs::write(real.join("infra/main.tf"), "").expect("write");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let s = ShownPaths::new(&real, dir.path());
        let through_link = link.join("infra/main.tf");
        assert_eq!(s.show(&through_link.to_string_lossy()), "infra/main.tf");
        let s = ShownPaths::new(&link, dir.path());
        let direct = real.join("infra/main.tf");
        assert_eq!(s.show(&direct.to_string_lossy()), "infra/main.tf");
    }
}
