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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
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
    /// `YYYY-MM-DD`: after this date the finding returns.
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
}

/// A configuration that could not be used: the model's one located error.
pub type ConfigError = tfstack_model::SourceError;

/// What every configuration error advises.
const CONFIG_HELP: &str = "see `tfstack schema config` for the accepted keys";

impl LintConfig {
    /// The severity a rule runs with, or `None` when it is off.
    pub fn severity_of(&self, meta: &RuleMeta) -> Option<Severity> {
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
            if let Some(until) = &s.until {
                if self.today.as_str() > until.as_str() {
                    continue;
                }
            }
            // An address inside a called module matches with or without its instance
            // (`aws_sqs_queue.q` covers every instance of the module file).
            if let Some(r) = &s.resource {
                let addresses = [f.resource.as_deref(), f.local_resource()];
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

    /// A finding's path as shown (relative to where tfstack runs) and, when the
    /// configuration came from a file, relative to that file's directory. Fix: `path`
    /// globs matched only the former, so `legacy/**` in the repository's tfstack.toml
    /// stopped matching when tfstack ran from a subdirectory.
    fn glob_paths(&self, shown: &str) -> Vec<String> {
        let mut out = vec![shown.to_string()];
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
        Ok(LintConfig {
            file,
            path: Some(path.to_path_buf()),
            ..LintConfig::default()
        })
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

/// `*` matches within a segment-agnostic way; `**` too (paths and addresses alike).
pub fn glob_match(pattern: &str, text: &str) -> bool {
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
        assert!(!glob_match("legacy/**", "infra/b.tf"));
    }
}
