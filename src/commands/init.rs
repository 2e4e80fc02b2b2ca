//! `tfstack init`: a commented `tfstack.toml` for a repository — the profile, every key
//! explained, the environments its directory names tell — and, when the first lint has
//! findings, a baseline, so that CI fails only on new ones from the start.

use super::lint::{load_config, working_directory};
use crate::cli::InitArgs;
use crate::diagnostics::{print_stdout, CliError};
use crate::write::{self, WriteError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tfstack_lint_engine::baseline::Baseline;
use tfstack_lint_engine::config::CONFIG_FILE;
use tfstack_lint_engine::input::{self, InputOptions};
use tfstack_lint_engine::paths::{self, ShownPaths};
use tfstack_lint_rules::registry;
use tfstack_model::environment::DEFAULT_PRODUCTION_NAMES;

/// Directory names that are environments other than production.
const OTHER_ENVIRONMENTS: &[&str] = &[
    "dev",
    "development",
    "staging",
    "stage",
    "stg",
    "qa",
    "uat",
    "sandbox",
    "preprod",
    "nonprod",
    "perf",
    "demo",
];

/// Names that are environments only beside another environment (`envs/{dev,test,prod}`):
/// alone, `test/` is more often a directory of test fixtures.
const AMBIGUOUS_ENVIRONMENTS: &[&str] = &["test", "testing", "int", "integration"];

/// The kind of environment a name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EnvironmentName {
    Known,
    Ambiguous,
}

fn environment_name(name: &str) -> Option<EnvironmentName> {
    let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    if is(DEFAULT_PRODUCTION_NAMES) || is(OTHER_ENVIRONMENTS) {
        Some(EnvironmentName::Known)
    } else if is(AMBIGUOUS_ENVIRONMENTS) {
        Some(EnvironmentName::Ambiguous)
    } else {
        None
    }
}

/// What `init` found in a repository.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Detected {
    /// `[environments]`: directory glob (relative to the repository) → environment.
    pub environments: BTreeMap<String, String>,
    /// Variable files named after an environment, per module directory (relative):
    /// `(file, environment)`.
    pub var_files: BTreeMap<String, Vec<(String, String)>>,
    /// How many module directories there are.
    pub modules: usize,
}

/// A directory name written literally in a glob (`*`, `?`, `[`, `{` escaped).
fn glob_literal(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The `[environments]` globs that module directories (relative, as components) imply:
/// a directory under one named like an environment (`envs/prod/network`) is in that
/// environment (`"envs/prod/**" = "prod"`). Globs that differ in one directory name only
/// are one glob with `*` there (`out/orders/prod`, `out/lab/prod` → `out/*/prod/**`).
pub fn detect_environments(dirs: &[Vec<String>]) -> BTreeMap<String, String> {
    // Where known environment names are: (parent components, name).
    let known: BTreeSet<(&[String], String)> = dirs
        .iter()
        .flat_map(|d| {
            d.iter()
                .enumerate()
                .filter(|(_, c)| environment_name(c) == Some(EnvironmentName::Known))
                .map(move |(i, c)| (&d[..i], c.to_ascii_lowercase()))
        })
        .collect();
    // Per directory, the first component that is an environment: (prefix, environment).
    let mut found: BTreeSet<(Vec<String>, String)> = BTreeSet::new();
    for d in dirs {
        let first = d
            .iter()
            .enumerate()
            .find(|(i, c)| match environment_name(c) {
                Some(EnvironmentName::Known) => true,
                // Beside a known environment: another sibling with a known name.
                Some(EnvironmentName::Ambiguous) => known
                    .iter()
                    .any(|(parent, name)| *parent == &d[..*i] && !name.eq_ignore_ascii_case(c)),
                None => false,
            });
        if let Some((i, name)) = first {
            let prefix = d[..i].iter().map(|c| glob_literal(c)).collect();
            found.insert((prefix, name.clone()));
        }
    }
    // Merge prefixes of one environment that differ in one place only, until none do.
    let mut merged: Vec<(Vec<String>, String)> = found.into_iter().collect();
    loop {
        let pair = (0..merged.len()).find_map(|a| {
            (a + 1..merged.len()).find_map(|b| {
                let (pa, ea) = &merged[a];
                let (pb, eb) = &merged[b];
                if ea != eb || pa.len() != pb.len() {
                    return None;
                }
                let differing: Vec<usize> = (0..pa.len()).filter(|&i| pa[i] != pb[i]).collect();
                (differing.len() == 1).then(|| (a, b, differing[0]))
            })
        });
        let Some((a, b, at)) = pair else { break };
        merged[a].0[at] = "*".to_string();
        merged.remove(b);
        merged.sort();
        merged.dedup();
    }
    merged
        .into_iter()
        .map(|(prefix, env)| {
            let mut glob: Vec<String> = prefix;
            glob.push(glob_literal(&env));
            glob.push("**".to_string());
            (glob.join("/"), env)
        })
        .collect()
}

/// Variable files named after an environment (`prod.tfvars`, `env/dev.tfvars.json`) in a
/// module directory and in its subdirectories that are not modules: a module deployed
/// to each environment with `-var-file`. Auto-loaded files are not among them.
fn environment_var_files(dir: &Path, modules: &BTreeSet<&Path>) -> Vec<(PathBuf, String)> {
    let mut dirs = vec![dir.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if !hidden && path.is_dir() && !modules.contains(path.as_path()) {
                dirs.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let stem = name
                .strip_suffix(".tfvars")
                .or_else(|| name.strip_suffix(".tfvars.json"));
            let Some(stem) = stem else { continue };
            if stem == "terraform" || stem.ends_with(".auto") || !entry.path().is_file() {
                continue;
            }
            if environment_name(stem).is_some() {
                files.push((entry.path(), stem.to_string()));
            }
        }
    }
    files.sort();
    files
}

/// What a repository's tree tells: its module directories' environments and variable
/// files.
pub fn detect(root: &Path) -> Detected {
    let options = InputOptions {
        root: Some(root.to_path_buf()),
        ..InputOptions::default()
    };
    let inputs = input::discover(&[root.to_path_buf()], &options);
    let relative = |p: &Path| -> Option<Vec<String>> {
        let rest = p.strip_prefix(root).ok()?;
        Some(
            rest.components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect(),
        )
    };
    let dirs: Vec<Vec<String>> = inputs.modules.keys().filter_map(|d| relative(d)).collect();
    let module_dirs: BTreeSet<&Path> = inputs.modules.keys().map(PathBuf::as_path).collect();
    let mut var_files = BTreeMap::new();
    for dir in inputs.modules.keys() {
        let files: Vec<(String, String)> = environment_var_files(dir, &module_dirs)
            .into_iter()
            .filter_map(|(file, env)| Some((relative(&file)?.join("/"), env)))
            .collect();
        if !files.is_empty() {
            let shown = relative(dir).map(|c| c.join("/")).unwrap_or_default();
            let shown = if shown.is_empty() { ".".into() } else { shown };
            var_files.insert(shown, files);
        }
    }
    Detected {
        environments: detect_environments(&dirs),
        var_files,
        modules: dirs.len(),
    }
}

/// A TOML basic string (JSON's escapes are a subset of TOML's).
fn toml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// The commented `tfstack.toml` for what was detected.
pub fn render_config(detected: &Detected) -> String {
    let mut out = String::from(
        r#"# tfstack.toml: how `tfstack lint` judges this repository (written by `tfstack init`).
# Every key is optional. `tfstack schema config` prints the JSON Schema of this file,
# `tfstack rules` the rules and `tfstack explain RULE` one rule's documentation.

# The rules that run when [rules] does not name them: "strict" (every rule),
# "recommended" (every rule except notes) or "minimal" (errors only).
profile = "recommended"

# Environment names that mean production (any case). Some rules judge production more
# strictly (APIGW001: `auto_deploy` on a production stage). The default:
# production_names = ["prod", "production", "prd", "live"]

# Paths not linted: globs relative to the repository's root (or to the working
# directory). `--exclude GLOB` adds more.
# exclude = ["legacy/**", "**/examples/**"]

# Module calls linted as instances of the called module, with the caller's arguments:
# "local" (`./x`, `../x`: the default), "all" (also modules `terraform init` installed)
# or "none" (every module directory on its own, with unknown inputs).
# call_modules = "local"

# The largest file read: bytes, or a size with a unit (the default is 64 MiB).
# max_file_size = "64MB"

# Where each finding's rule page is: a URL in which {id} is the rule ID and {name} its
# name, or a base URL under which the pages are ID.md (a copy of tfstack's docs/rules/).
# The default is the rule's page in tfstack's repository. `--docs-url` overrides it.
# docs_url = "https://wiki.example.com/tfstack/rules/{id}"

# Per rule: its ID (LOG001), name (log-group-without-retention) or family (LOG) =
# "off", "note", "warning" or "error". A rule named here runs whatever the profile.
[rules]
# LOG001 = "warning"
# LAMBDA = "off"

# Environments by module directory: a glob relative to this file = the environment. The
# first glob that matches wins; `--env` overrides it. Without one, a module's
# environment is read from a variable `environment`, `env` or `stage`, or an
# `Environment` tag.
[environments]
"#,
    );
    if detected.environments.is_empty() {
        out.push_str("# No directory named like an environment was found, for example:\n");
        out.push_str("# \"envs/prod/**\" = \"prod\"\n");
        out.push_str("# \"envs/dev/**\" = \"dev\"\n");
    } else {
        out.push_str("# Detected from the directory names:\n");
        for (glob, env) in &detected.environments {
            out.push_str(&format!("{} = {}\n", toml_string(glob), toml_string(env)));
        }
    }
    if !detected.var_files.is_empty() {
        out.push_str(
            "#\n# Variable files named after environments were found: a module deployed to \
             several\n# environments with `-var-file` is linted once per environment:\n",
        );
        for (dir, files) in &detected.var_files {
            for (file, env) in files {
                out.push_str(&format!(
                    "#   tfstack lint {dir} --var-file {file} --env {env}\n"
                ));
            }
        }
    }
    out.push_str(
        r#"
# Findings accepted with a reason, each in its own [[suppress]] table; a comment
# `# tfstack:ignore[RULE] reason` above a block does the same in the code. `until`
# (YYYY-MM-DD) makes it hold through that day only.
# [[suppress]]
# rule = "DLQ001"                       # ID or name
# resource = "aws_sqs_queue.legacy_*"   # a Terraform address, or a glob of them
# path = "legacy/**"                    # a path glob
# reason = "drained by the nightly replay job"
# until = "2027-03-31"
"#,
    );
    out
}

/// `1 file`, `2 files`.
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Writes `bytes` to `path` atomically: over an existing regular file only when
/// `replace` (never through a link, never over a FIFO or directory).
fn write_new(path: &Path, bytes: &[u8], replace: bool) -> Result<(), CliError> {
    let written = if replace {
        write::replace_file(path, bytes)
    } else {
        write::create_file(path, bytes)
    };
    match written {
        Err(WriteError::Exists { .. }) => Err(CliError::InitExists(path.to_path_buf())),
        other => Ok(other?),
    }
}

pub fn run(args: &InitArgs, color: bool) -> Result<i32, CliError> {
    let cwd = working_directory()?;
    // The repository: DIR as named, else the git work tree holding the working directory.
    let root = match &args.dir {
        Some(dir) => paths::absolute(dir, &cwd),
        None => paths::repository_root(&cwd).unwrap_or_else(|| cwd.clone()),
    };
    if !root.is_dir() {
        return Err(CliError::Input(tfstack_model::SourceError::file(
            &root,
            "no such directory",
        )));
    }
    let here = ShownPaths::new(&cwd, &cwd);
    let shown = |p: &Path| here.show(&p.to_string_lossy());
    let config_path = root.join(CONFIG_FILE);
    let baseline_path = paths::absolute(&args.baseline, &root);
    for path in [&config_path, &baseline_path] {
        if !args.force && std::fs::symlink_metadata(path).is_ok() {
            return Err(CliError::InitExists(path.clone()));
        }
    }
    let detected = detect(&root);
    write_new(
        &config_path,
        render_config(&detected).as_bytes(),
        args.force,
    )?;
    let environments: Vec<&str> = detected
        .environments
        .values()
        .map(String::as_str)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut text = format!(
        "wrote {} (profile recommended; {})\n",
        shown(&config_path),
        match environments.as_slice() {
            [] => "no environment detected".to_string(),
            envs => format!("environments detected: {}", envs.join(", ")),
        }
    );
    // The file as `tfstack lint` reads it, then the first lint with it.
    let config = load_config(Some(&config_path), &root)?;
    let options = InputOptions {
        production_names: config.production_names(),
        exclude: config.file.exclude.clone(),
        call_modules: config.file.call_modules.unwrap_or_default(),
        ..InputOptions::default()
    };
    let mut report = tfstack_lint_engine::run::lint_paths(
        std::slice::from_ref(&root),
        &options,
        &config,
        registry::all(),
    );
    ShownPaths::new(&root, &cwd).apply(&mut report);
    if report.files == 0 {
        text.push_str("no Terraform files to lint yet: no baseline written\n");
        print_stdout(&text)?;
        return Ok(0);
    }
    let files = count(report.files, "file");
    if report.findings.is_empty() {
        text.push_str(&format!(
            "{files} linted: no findings, no baseline needed\n"
        ));
        print_stdout(&text)?;
        return Ok(0);
    }
    let baseline = Baseline::from_report(&report);
    write_new(&baseline_path, baseline.to_json().as_bytes(), args.force)?;
    text.push_str(&format!(
        "{files} linted: {}, recorded in {}\n\
         `tfstack lint --baseline {}` reports them as suppressed and fails only on new ones\n",
        count(report.findings.len(), "finding"),
        shown(&baseline_path),
        shown(&baseline_path),
    ));
    print_stdout(&text)?;
    // A baseline that lacks an unreadable file's findings is not complete.
    if !report.errors.is_empty() {
        for e in &report.errors {
            crate::diagnostics::report(e, color);
        }
        return Err(CliError::IncompleteBaseline);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(list: &[&str]) -> Vec<Vec<String>> {
        list.iter()
            .map(|d| d.split('/').map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn environments_from_directory_names() {
        let found = detect_environments(&dirs(&[
            "envs/prod",
            "envs/prod/network",
            "envs/dev",
            "modules/queue",
            "out/orders/prod",
            "out/lab/prod",
            "out/orders/dev",
            "live/eu/app",
        ]));
        let found: Vec<(&str, &str)> = found
            .iter()
            .map(|(g, e)| (g.as_str(), e.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("envs/dev/**", "dev"),
                ("envs/prod/**", "prod"),
                ("live/**", "live"),
                ("out/*/prod/**", "prod"),
                ("out/orders/dev/**", "dev"),
            ]
        );
    }

    #[test]
    fn test_is_an_environment_only_beside_another() {
        let alone = detect_environments(&dirs(&["test/fixtures/a", "modules/x"]));
        assert!(alone.is_empty(), "{alone:?}");
        let beside = detect_environments(&dirs(&["envs/test", "envs/prod"]));
        assert_eq!(
            beside.get("envs/test/**").map(String::as_str),
            Some("test"),
            "{beside:?}"
        );
    }

    #[test]
    fn odd_directory_names_are_written_literally() {
        let found = detect_environments(&dirs(&["a[1]/prod", "we\"ird/dev"]));
        assert!(found.contains_key("a\\[1\\]/prod/**"), "{found:?}");
        let text = render_config(&Detected {
            environments: found,
            ..Detected::default()
        });
        let parsed = tfstack_lint_engine::config::parse_config(&text, Path::new("tfstack.toml"))
            .expect("valid");
        assert_eq!(
            parsed
                .environments
                .get("we\"ird/dev/**")
                .map(String::as_str),
            Some("dev")
        );
        assert!(tfstack_lint_engine::config::glob_match(
            "a\\[1\\]/prod/**",
            "a[1]/prod/main.tf"
        ));
    }
}
