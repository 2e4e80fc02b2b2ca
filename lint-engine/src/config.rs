//! `tfstack.toml`: rules on/off, severity overrides, production names, suppressions with
//! reasons (and an optional `until` date), validated against the schema schemars derives.

use crate::located::Located;
use crate::{RuleMeta, Severity};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name searched for upwards from the linted path.
pub const CONFIG_FILE: &str = "tfstack.toml";

/// A rule setting: `"off"`, or a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RuleSetting {
    Off,
    Note,
    Warning,
    Error,
}

/// Which rules a run uses when the configuration does not say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Every rule.
    Strict,
    /// Every rule except notes.
    #[default]
    Recommended,
    /// Errors only.
    Minimal,
}

/// A finding accepted by configuration.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuppressEntry {
    /// Rule ID or name.
    pub rule: String,
    /// Terraform address, or a glob of them (`aws_sqs_queue.legacy_*`).
    #[serde(default)]
    pub resource: Option<String>,
    /// Path glob (`legacy/**`).
    #[serde(default)]
    pub path: Option<String>,
    /// Why the finding is acceptable. Required.
    pub reason: String,
    /// `YYYY-MM-DD`: after this date the finding returns, and the expired entry is
    /// reported (TFS003). A text that is no date suppresses nothing.
    #[serde(default)]
    pub until: Option<String>,
}

/// The contents of `tfstack.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The rule set used for rules not listed under `[rules]`.
    #[serde(default)]
    pub profile: Option<Profile>,
    /// Environment names that mean production (case-insensitive).
    #[serde(default)]
    pub production_names: Option<Vec<String>>,
    /// Per rule (ID, name or family): `off`, `note`, `warning` or `error`.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleSetting>,
    /// Accepted findings.
    #[serde(default)]
    pub suppress: Vec<SuppressEntry>,
    /// Paths not linted: globs relative to the read root (`legacy/**`, `**/examples`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Environments by path: module directory glob (relative to this file's directory)
    /// → environment (`"envs/prod/**" = "prod"`). The first matching glob, in file order,
    /// wins; `--env` overrides it.
    #[serde(default)]
    pub environments: IndexMap<String, String>,
    /// Which module calls are linted as instances of the called module: `local`
    /// (default), `all` (also modules `terraform init` installed) or `none`.
    #[serde(default)]
    pub call_modules: Option<crate::input::CallModules>,
    /// The largest file read: bytes, or a size such as `"64MB"` (default 64 MiB).
    #[serde(default)]
    pub max_file_size: Option<FileSize>,
    /// Where each finding's rule page is: an absolute URL in which `{id}` is the rule ID
    /// and `{name}` its name, or a base URL under which the pages are `ID.md` (a copy of
    /// tfstack's `docs/rules/`). Default: the rule's page in tfstack's repository.
    #[serde(default)]
    pub docs_url: Option<String>,
}

/// A size in bytes, written as a number of bytes or as text with a unit (`"64MB"`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FileSize {
    Bytes(u64),
    Text(String),
}

impl FileSize {
    /// The size in bytes, or why it is not one.
    pub fn bytes(&self) -> Result<u64, String> {
        match self {
            FileSize::Bytes(0) => Err("a size must be at least one byte".to_string()),
            FileSize::Bytes(n) => Ok(*n),
            FileSize::Text(t) => tfstack_model::read::parse_size(t),
        }
    }
}

/// The effective lint configuration.
#[derive(Clone, Debug, Default)]
pub struct LintConfig {
    pub file: ConfigFile,
    /// Where it was read from.
    pub path: Option<PathBuf>,
    /// `--profile` overrides the file's profile.
    pub profile_override: Option<Profile>,
    /// Today, `YYYY-MM-DD`, for `until` dates.
    pub today: String,
    /// `--select`: when not empty, only the rules these IDs, names or families name run.
    pub select: Vec<String>,
    /// `--ignore`: the rules these IDs, names or families name do not run.
    pub ignore: Vec<String>,
    /// The file's text, for findings about its entries.
    pub text: String,
    /// Where each `[[suppress]]` entry's `until` is written in `text` (in entry order).
    pub until_spans: Vec<tfstack_model::Span>,
}

/// Whether `selector` (an ID, a name or a family, any case) names the rule.
pub fn selects(selector: &str, meta: &RuleMeta) -> bool {
    meta.is_named(selector) || selector.eq_ignore_ascii_case(meta.family())
}

/// A configuration that could not be used: the model's one located error.
pub type ConfigError = tfstack_model::SourceError;

/// What every configuration error advises.
const CONFIG_HELP: &str = "see `tfstack schema config` for the accepted keys";

impl LintConfig {
    /// The severity a rule runs with, or `None` when it is off.
    pub fn severity_of(&self, meta: &RuleMeta) -> Option<Severity> {
        if self.ignore.iter().any(|s| selects(s, meta)) {
            return None;
        }
        let selected = self.select.iter().any(|s| selects(s, meta));
        if !self.select.is_empty() && !selected {
            return None;
        }
        let setting = self
            .file
            .rules
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(meta.id) || k.eq_ignore_ascii_case(meta.name))
            .or_else(|| {
                self.file
                    .rules
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(meta.family()))
            })
            .map(|(_, v)| *v);
        match setting {
            Some(RuleSetting::Off) => None,
            Some(RuleSetting::Note) => Some(Severity::Note),
            Some(RuleSetting::Warning) => Some(Severity::Warning),
            Some(RuleSetting::Error) => Some(Severity::Error),
            None => {
                let profile = self
                    .profile_override
                    .or(self.file.profile)
                    .unwrap_or_default();
                let sev = meta.default_severity;
                if selected {
                    // Selected by name on the command line: it runs whatever the profile.
                    return Some(sev);
                }
                match profile {
                    Profile::Strict => Some(sev),
                    Profile::Recommended => (sev != Severity::Note).then_some(sev),
                    Profile::Minimal => (sev == Severity::Error).then_some(sev),
                }
            }
        }
    }

    /// The environment the `[environments]` table gives a module directory: the first
    /// glob that matches the directory (or a file in it), as shown or relative to the
    /// configuration file's directory.
    pub fn environment_of(&self, dir: &Path) -> Option<String> {
        if self.file.environments.is_empty() {
            return None;
        }
        let shown = crate::located::display_path(dir);
        let mut candidates = self.glob_paths(&shown);
        let files: Vec<String> = candidates
            .iter()
            .map(|d| match d.trim_end_matches('/') {
                "" | "." => "main.tf".to_string(),
                d => format!("{d}/main.tf"),
            })
            .collect();
        candidates.extend(files);
        self.file
            .environments
            .iter()
            .find(|(glob, _)| candidates.iter().any(|c| glob_match(glob, c)))
            .map(|(_, env)| env.clone())
    }

    /// Where the rules' pages are: the file's `docs_url` (checked when it was read), else
    /// tfstack's repository.
    pub fn docs_url(&self) -> crate::report::DocsUrl {
        self.file
            .docs_url
            .as_deref()
            .and_then(|u| crate::report::DocsUrl::parse(u).ok())
            .unwrap_or_default()
    }

    pub fn production_names(&self) -> Vec<String> {
        self.file.production_names.clone().unwrap_or_default()
    }

    /// The reason of a `[[suppress]]` entry covering this finding, if any (expired
    /// entries cover nothing).
    pub fn suppression_for(&self, f: &Located) -> Option<String> {
        for s in &self.file.suppress {
            if !(s.rule.eq_ignore_ascii_case(f.rule.id) || s.rule.eq_ignore_ascii_case(f.rule.name))
            {
                continue;
            }
            if s.until
                .as_deref()
                .is_some_and(|u| crate::until::Until::parse(u).has_passed(&self.today))
            {
                continue;
            }
            // An address inside a called module matches with or without its instance
            // (`aws_sqs_queue.q` covers every instance of the module file), and a
            // block's address every instance of the block.
            if let Some(r) = &s.resource {
                let addresses = [f.resource.as_deref(), f.local_resource(), f.block_address()];
                if !addresses.into_iter().flatten().any(|a| glob_match(r, a)) {
                    continue;
                }
            }
            if let Some(p) = &s.path {
                if !self
                    .glob_paths(&f.location.path)
                    .iter()
                    .any(|path| glob_match(p, path))
                {
                    continue;
                }
            }
            return Some(s.reason.clone());
        }
        None
    }

    /// A finding's path as the run names it, relative to where tfstack runs and, when
    /// the configuration came from a file, relative to that file's directory, so that
    /// `legacy/**` in the repository's tfstack.toml matches when tfstack runs from a
    /// subdirectory too.
    fn glob_paths(&self, shown: &str) -> Vec<String> {
        let mut out = vec![shown.to_string()];
        if let Some(here) = crate::paths::relative_to_working_directory(Path::new(shown)) {
            out.push(here.to_string_lossy().replace('\\', "/"));
        }
        let config_dir = self
            .path
            .as_deref()
            .and_then(Path::parent)
            .map(|d| {
                if d.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    d
                }
            })
            .and_then(|d| std::fs::canonicalize(d).ok());
        if let (Some(dir), Ok(full)) = (config_dir, std::fs::canonicalize(shown)) {
            if let Ok(relative) = full.strip_prefix(&dir) {
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
        out
    }

    /// Reads `path` (TOML, at most `limit` bytes), validating it against the schema.
    pub fn load(path: &Path, limit: u64) -> Result<LintConfig, ConfigError> {
        let text =
            crate::input::read_text(path, limit).map_err(|e| e.with_code("tfstack::config"))?;
        let file = parse_config(&text, path)?;
        let until_spans = until_spans(&text, file.suppress.len());
        Ok(LintConfig {
            file,
            path: Some(path.to_path_buf()),
            text,
            until_spans,
            ..LintConfig::default()
        })
    }

    /// Reads a `tfstack.toml` found by [`LintConfig::discover`]: what a repository holds
    /// is read only inside it, so a link to a file outside the git work tree (or the
    /// directory, outside one) that holds it is refused by name, not read or shown. A
    /// configuration named with `--config` is a person's choice: [`LintConfig::load`].
    pub fn load_discovered(path: &Path, limit: u64) -> Result<LintConfig, ConfigError> {
        let root = path
            .parent()
            .and_then(|dir| tfstack_model::read::ReadRoot::of_path(dir).ok());
        if root.is_some_and(|root| root.contains(path) == Some(false)) {
            let error = tfstack_model::SourceError::file(
                path,
                "is a link to a file outside the repository that holds it: a configuration \
                 found by searching is read only inside it",
            );
            return Err(error
                .with_help("make it a regular file, or name the file with `--config`")
                .with_code("tfstack::config"));
        }
        LintConfig::load(path, limit)
    }

    /// `tfstack.toml` in `start` or the nearest parent directory.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let start = std::fs::canonicalize(start).ok()?;
        let mut dir = if start.is_dir() {
            Some(start.as_path())
        } else {
            start.parent()
        };
        while let Some(d) = dir {
            let candidate = d.join(CONFIG_FILE);
            if candidate.is_file() {
                return Some(candidate);
            }
            dir = d.parent();
        }
        None
    }
}

/// Where each of the `entries` `[[suppress]]` entries writes its `until` (its `rule`
/// when it has none; nothing when the text cannot be read that way).
fn until_spans(text: &str, entries: usize) -> Vec<tfstack_model::Span> {
    #[derive(Deserialize)]
    struct Spans {
        #[serde(default)]
        suppress: Vec<EntrySpans>,
    }
    #[derive(Deserialize)]
    struct EntrySpans {
        #[serde(default)]
        until: Option<toml::Spanned<String>>,
        #[serde(default)]
        rule: Option<toml::Spanned<String>>,
    }
    let spans: Vec<tfstack_model::Span> = toml::from_str::<Spans>(text)
        .map(|s| {
            s.suppress
                .iter()
                .map(|e| {
                    e.until
                        .as_ref()
                        .map(|u| u.span())
                        .or_else(|| e.rule.as_ref().map(|r| r.span()))
                        .map(|r| tfstack_model::Span::new(r.start, r.end))
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    let mut spans = spans;
    spans.resize(entries, tfstack_model::Span::default());
    spans
}

impl LintConfig {
    /// Every `[rules]` key and `[[suppress]]` rule must name a rule, a rule name or a
    /// family of `catalogue` (or a rule `is_retired` knows: those are noted elsewhere): a
    /// typo would otherwise configure nothing without a word.
    pub fn check_rule_names(
        &self,
        catalogue: &[&'static dyn crate::Rule],
        is_retired: &dyn Fn(&str) -> bool,
    ) -> Result<(), ConfigError> {
        use toml::de::{DeTable, DeValue};
        let Some(path) = &self.path else {
            return Ok(());
        };
        let known =
            |name: &str| is_retired(name) || catalogue.iter().any(|r| selects(name, r.meta()));
        let candidates: Vec<&str> = catalogue
            .iter()
            .flat_map(|r| {
                let m = r.meta();
                [m.id, m.name, m.family()]
            })
            .collect();
        let file = tfstack_model::SourceFile::new(path, self.text.as_str());
        let error = |offset: usize, name: &str| {
            let help = match closest(name, candidates.iter().copied()) {
                Some(c) => format!("did you mean `{c}`? `tfstack rules` lists every rule"),
                None => "`tfstack rules` lists every rule; a family is an ID's letters (`IAM`)"
                    .to_string(),
            };
            ConfigError::at_offset(&file, offset, format!("`{name}` names no rule"))
                .with_help(help)
                .with_code("tfstack::config")
        };
        let Ok(doc) = DeTable::parse(&self.text) else {
            return Ok(());
        };
        for (key, value) in doc.get_ref() {
            match (key.get_ref().as_ref(), value.get_ref()) {
                ("rules", DeValue::Table(rules)) => {
                    for (rule, _) in rules {
                        if !known(rule.get_ref()) {
                            return Err(error(rule.span().start, rule.get_ref()));
                        }
                    }
                }
                ("suppress", DeValue::Array(entries)) => {
                    for entry in entries {
                        let DeValue::Table(entry) = entry.get_ref() else {
                            continue;
                        };
                        for (k, v) in entry {
                            if let ("rule", DeValue::String(rule)) =
                                (k.get_ref().as_ref(), v.get_ref())
                            {
                                if !known(rule) {
                                    return Err(error(v.span().start, rule));
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The JSON Schema of `tfstack.toml`.
pub fn config_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ConfigFile)).unwrap_or_default()
}

/// Parses and validates configuration text; errors name the line and column of the key.
pub fn parse_config(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    let file = tfstack_model::SourceFile::new(path, text);
    let invalid = |offset: Option<usize>, message: String| {
        ConfigError::at_offset(&file, offset.unwrap_or(0), message)
            .with_help(CONFIG_HELP)
            .with_code("tfstack::config")
    };
    let doc: toml::Table = toml::from_str(text)
        .map_err(|e| invalid(e.span().map(|s| s.start), e.message().to_string()))?;
    check_keys_and_values(&file, text)?;
    let json = serde_json::to_value(&doc).map_err(|e| invalid(None, e.to_string()))?;
    let schema = config_schema();
    if let Ok(validator) = jsonschema::validator_for(&schema) {
        if let Some(err) = validator.iter_errors(&json).next() {
            let pointer = err.instance_path().to_string();
            // An unknown key is reported on the table that holds it (`""` for the top
            // level); point at the key itself.
            let key_pointer = match err.kind() {
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    match unexpected.first() {
                        Some(key) => format!("{pointer}/{key}"),
                        None => pointer.clone(),
                    }
                }
                _ => pointer.clone(),
            };
            let offset = locate_pointer(text, &key_pointer);
            let at = if pointer.is_empty() {
                "the file".to_string()
            } else {
                format!("`{}`", pointer.trim_start_matches('/').replace('/', "."))
            };
            return Err(invalid(offset, format!("{at}: {err}")));
        }
    }
    serde_json::from_value(json).map_err(|e| invalid(None, e.to_string()))
}

/// The closest of `candidates` to `word` (case-insensitive), when close enough to be a
/// typo of it.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `a`, `b` or `c`.
fn one_of(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [rest @ .., last] => format!(
            "{} or `{last}`",
            rest.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The names of a clap value enum (`strict`, `recommended`, `minimal`).
fn value_names<E: clap::ValueEnum>() -> Vec<String> {
    E::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value())
        .map(|v| v.get_name().to_string())
        .collect()
}

/// The keys of an object of the configuration's schema (`[]`: the top level).
fn schema_keys(path: &[&str]) -> Vec<String> {
    let schema = config_schema();
    let mut node = &schema;
    for part in path {
        let Some(reference) = node["properties"][*part]["items"]["$ref"]
            .as_str()
            .or_else(|| node["properties"][*part]["$ref"].as_str())
        else {
            return Vec::new();
        };
        let name = reference.rsplit('/').next().unwrap_or_default();
        node = &schema["$defs"][name];
    }
    node["properties"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// The mistakes people make in `tfstack.toml`, reported in plain words at the key or value:
/// an unknown key (with the closest known one), a profile or rule setting that is not one
/// of the names (with the closest). What this does not cover is left to the schema.
fn check_keys_and_values(file: &tfstack_model::SourceFile, text: &str) -> Result<(), ConfigError> {
    use toml::de::{DeTable, DeValue};
    let Ok(doc) = DeTable::parse(text) else {
        return Ok(()); // the parse error is reported by the caller
    };
    let at = |offset: usize, message: String, help: String| {
        ConfigError::at_offset(file, offset, message)
            .with_help(help)
            .with_code("tfstack::config")
    };
    let unknown_key = |offset: usize, key: &str, known: &[String], place: &str| {
        let help = match closest(key, known.iter().map(String::as_str)) {
            Some(c) => format!("did you mean `{c}`? The keys {place} are {}", one_of(known)),
            None => format!("the keys {place} are {}", one_of(known)),
        };
        at(offset, format!("unknown key `{key}`"), help)
    };
    let bad_value = |offset: usize, value: &str, what: &str, names: &[String]| {
        let help = match closest(value, names.iter().map(String::as_str)) {
            Some(c) => format!("did you mean `{c}`? A {what} is {}", one_of(names)),
            None => format!("a {what} is {}", one_of(names)),
        };
        at(offset, format!("`{value}` is not a {what}"), help)
    };
    let bad_glob = |offset: usize, key: &str, problem: &str| {
        at(
            offset,
            format!("`{key}`: {problem}"),
            "a glob is a path or address with `*`, `**`, `?`, `[abc]` or `{a,b}`".to_string(),
        )
    };
    let top = schema_keys(&[]);
    for (key, value) in doc.get_ref() {
        let name: &str = key.get_ref();
        if !top.iter().any(|k| k == name) {
            return Err(unknown_key(key.span().start, name, &top, "of tfstack.toml"));
        }
        match (name, value.get_ref()) {
            ("profile", DeValue::String(profile)) => {
                let names = value_names::<Profile>();
                if !names.iter().any(|n| n == profile.as_ref()) {
                    return Err(bad_value(value.span().start, profile, "profile", &names));
                }
            }
            ("rules", DeValue::Table(rules)) => {
                let names = value_names::<RuleSetting>();
                for (_, setting) in rules {
                    if let DeValue::String(s) = setting.get_ref() {
                        if !names.iter().any(|n| n == s.as_ref()) {
                            return Err(bad_value(setting.span().start, s, "rule setting", &names));
                        }
                    }
                }
            }
            ("docs_url", DeValue::String(url)) => {
                if let Err(message) = crate::report::DocsUrl::parse(url) {
                    return Err(at(
                        value.span().start,
                        format!("`docs_url`: {message}"),
                        CONFIG_HELP.to_string(),
                    ));
                }
            }
            ("suppress", DeValue::Array(entries)) => {
                let known = schema_keys(&["suppress"]);
                for entry in entries {
                    if let DeValue::Table(entry) = entry.get_ref() {
                        for (k, v) in entry {
                            let k_name: &str = k.get_ref();
                            if !known.iter().any(|n| n == k_name) {
                                return Err(unknown_key(
                                    k.span().start,
                                    k_name,
                                    &known,
                                    "of a [[suppress]] entry",
                                ));
                            }
                            // A `resource` is an address as often as a glob (`["a"]` is an
                            // instance key there, and an address matches itself), so only
                            // `path` must be a glob.
                            if let ("path", DeValue::String(glob)) = (k_name, v.get_ref()) {
                                if let Err(problem) = check_glob(glob) {
                                    return Err(bad_glob(v.span().start, k_name, &problem));
                                }
                            }
                        }
                    }
                }
            }
            ("exclude", DeValue::Array(globs)) => {
                for glob in globs {
                    if let DeValue::String(text) = glob.get_ref() {
                        if let Err(problem) = check_glob(text) {
                            return Err(bad_glob(glob.span().start, "exclude", &problem));
                        }
                    }
                }
            }
            ("environments", DeValue::Table(globs)) => {
                for (glob, _) in globs {
                    if let Err(problem) = check_glob(glob.get_ref()) {
                        return Err(bad_glob(glob.span().start, "environments", &problem));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Best-effort: the offset of the last key of a JSON pointer in TOML text, as a key
/// (`key =`, `"key" =`) or a table header (`[key]`, `[[key]]`), matched whole (`rul`
/// does not match `rule = …`).
fn locate_pointer(text: &str, pointer: &str) -> Option<usize> {
    let key = pointer.rsplit('/').find(|k| k.parse::<usize>().is_err())?;
    let mut offset = 0;
    for line in text.split('\n') {
        let indent = line.len() - line.trim_start().len();
        let t = line[indent..].trim_start_matches('[');
        let quoted = t.strip_prefix('"');
        let name = quoted.unwrap_or(t);
        if let Some(rest) = name.strip_prefix(key) {
            let boundary = match quoted {
                Some(_) => rest.starts_with('"'),
                None => rest.is_empty() || rest.starts_with([' ', '\t', '=', '.', ']']),
            };
            if boundary {
                return Some(offset + line.len() - name.len());
            }
        }
        offset += line.len() + 1;
    }
    None
}

/// `Ok` for a glob tfstack can match with (`--exclude`, `exclude`, `[environments]`,
/// a suppression's `path`); otherwise what is wrong with it (`[` unclosed,
/// …): a glob that cannot be built would otherwise match nothing without a word.
pub fn check_glob(pattern: &str) -> Result<(), String> {
    globset::GlobBuilder::new(pattern)
        .build()
        .map(|_| ())
        .map_err(|e| format!("`{pattern}` is not a glob: {}", e.kind()))
}

/// `*` matches within a segment-agnostic way; `**` too (paths and addresses alike). A text
/// matches itself, whatever it holds (`module.a["x"].aws_sqs_queue.q`, whose `["x"]` a
/// glob reads as a class of two characters).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    if pattern == text {
        return true;
    }
    globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        .build()
        .map(|g| g.compile_matcher().is_match(text))
        .unwrap_or(pattern == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_an_error_with_line() {
        let err = parse_config(
            "profile = \"strict\"\n\n[rules]\nLOG001 = \"loud\"\n",
            Path::new("tfstack.toml"),
        )
        .unwrap_err();
        assert_eq!((err.path.as_str(), err.line), ("tfstack.toml", 4));
        assert!(err.message.contains("loud"), "{err:?}");
    }

    #[test]
    fn unknown_tables_and_keys_point_at_the_key() {
        let at = |text: &str| match parse_config(text, Path::new("t.toml")) {
            Err(e) => (e.line as usize, e.column as usize),
            other => panic!("expected an invalid config: {other:?}"),
        };
        assert_eq!(
            at("[rules]\nLOG001 = \"error\"\n\n[output]\ncolour = true\n"),
            (4, 2)
        );
        assert_eq!(
            at("[[suppress]]\nrule = \"LOG001\"\nreason = \"r\"\nrul = \"x\"\n"),
            (4, 1)
        );
        assert_eq!(at("colour = true\n"), (1, 1));
    }

    #[test]
    fn path_globs_match_relative_to_the_config_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let legacy = dir.path().join("legacy");
        std::fs::create_dir_all(&legacy).expect("mkdir");
        std::fs::write(legacy.join("main.tf"), "").expect("write");
        let cfg = LintConfig {
            path: Some(dir.path().join(CONFIG_FILE)),
            ..Default::default()
        };
        let shown = legacy.join("main.tf").to_string_lossy().to_string();
        let paths = cfg.glob_paths(&shown);
        assert!(
            paths.iter().any(|p| glob_match("legacy/**", p)),
            "{paths:?}"
        );
    }

    #[test]
    fn severity_overrides_and_profiles() {
        let file = parse_config(
            "[rules]\nLOG = \"warning\"\nIAM001 = \"off\"\n",
            Path::new("t"),
        )
        .expect("valid");
        let cfg = LintConfig {
            file,
            ..Default::default()
        };
        let log = RuleMeta {
            id: "LOG001",
            name: "log-group-without-retention",
            default_severity: Severity::Error,
            docs: "",
            source: "",
        };
        assert_eq!(cfg.severity_of(&log), Some(Severity::Warning));
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            "aws_sqs_queue.legacy_*",
            "aws_sqs_queue.legacy_jobs"
        ));
        assert!(glob_match("legacy/**", "legacy/a/b.tf"));
        assert!(glob_match(
            r#"module.a["x"].aws_sqs_queue.q"#,
            r#"module.a["x"].aws_sqs_queue.q"#
        ));
        assert!(!glob_match(
            r#"module.a["x"].aws_sqs_queue.q"#,
            r#"module.a["y"].aws_sqs_queue.q"#
        ));
        assert!(!glob_match("legacy/**", "infra/b.tf"));
    }
}
