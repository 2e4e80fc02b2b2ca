//! `usage.toml`: how much a configuration is used, for the usage-driven costs. The keys
//! follow infracost's usage file (`monthly_requests`, `request_duration_ms`, `storage_gb`,
//! …), per resource address or per resource type; every key has a documented default.
//!
//! ```toml
//! version = "0.1"
//!
//! [resource_type_default_usage.aws_lambda_function]
//! monthly_requests = 1_000_000
//! request_duration_ms = 120
//!
//! [resource_usage."aws_dynamodb_table.orders"]
//! monthly_write_request_units = 300_000
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// A usage key: the resource type it applies to, its default and what it means.
#[derive(Clone, Copy, Debug)]
pub struct UsageKey {
    pub resource_type: &'static str,
    pub key: &'static str,
    pub default: f64,
    pub unit: &'static str,
    pub doc: &'static str,
}

const fn key(
    resource_type: &'static str,
    key: &'static str,
    default: f64,
    unit: &'static str,
    doc: &'static str,
) -> UsageKey {
    UsageKey {
        resource_type,
        key,
        default,
        unit,
        doc,
    }
}

/// Every usage key the estimate reads, with its built-in default.
pub const USAGE_KEYS: &[UsageKey] = &[
    key(
        "aws_lambda_function",
        "monthly_requests",
        100_000.0,
        "requests",
        "invocations a month",
    ),
    key(
        "aws_lambda_function",
        "request_duration_ms",
        200.0,
        "ms",
        "average duration of an invocation",
    ),
    key(
        "aws_api_gateway_rest_api",
        "monthly_requests",
        100_000.0,
        "requests",
        "API calls a month",
    ),
    key(
        "aws_apigatewayv2_api",
        "monthly_requests",
        100_000.0,
        "requests",
        "API calls (or WebSocket messages) a month",
    ),
    key(
        "aws_wafv2_web_acl",
        "monthly_requests",
        100_000.0,
        "requests",
        "web requests the web ACL inspects a month",
    ),
    key(
        "aws_dynamodb_table",
        "monthly_write_request_units",
        100_000.0,
        "WRU",
        "on-demand write request units a month",
    ),
    key(
        "aws_dynamodb_table",
        "monthly_read_request_units",
        500_000.0,
        "RRU",
        "on-demand read request units a month",
    ),
    key("aws_dynamodb_table", "storage_gb", 1.0, "GB", "table size"),
    key(
        "aws_sqs_queue",
        "monthly_requests",
        100_000.0,
        "requests",
        "API requests a month (send, receive, delete; 64 KB chunks)",
    ),
    key(
        "aws_sns_topic",
        "monthly_requests",
        100_000.0,
        "publishes",
        "publishes a month",
    ),
    key(
        "aws_s3_bucket",
        "storage_gb",
        10.0,
        "GB",
        "data in the class new objects land in (Standard, or a day-0 lifecycle transition's class)",
    ),
    key(
        "aws_s3_bucket",
        "standard_ia_storage_gb",
        0.0,
        "GB",
        "data already moved to Standard-IA",
    ),
    key(
        "aws_s3_bucket",
        "glacier_storage_gb",
        0.0,
        "GB",
        "data already moved to Glacier Flexible Retrieval",
    ),
    key(
        "aws_s3_bucket",
        "deep_archive_storage_gb",
        0.0,
        "GB",
        "data already moved to Glacier Deep Archive",
    ),
    key(
        "aws_s3_bucket",
        "monthly_put_requests",
        10_000.0,
        "requests",
        "PUT, COPY, POST and LIST requests a month",
    ),
    key(
        "aws_s3_bucket",
        "monthly_get_requests",
        100_000.0,
        "requests",
        "GET and SELECT requests a month",
    ),
    key(
        "aws_cloudwatch_log_group",
        "monthly_data_ingested_gb",
        0.5,
        "GB",
        "log data written a month",
    ),
    key(
        "aws_cloudwatch_log_group",
        "storage_gb",
        1.0,
        "GB",
        "log data stored",
    ),
    key(
        "aws_sfn_state_machine",
        "monthly_transitions",
        10_000.0,
        "transitions",
        "state transitions a month (standard workflows)",
    ),
    key(
        "aws_sfn_state_machine",
        "monthly_requests",
        100_000.0,
        "requests",
        "executions a month (express workflows)",
    ),
    key(
        "aws_sfn_state_machine",
        "workflow_duration_ms",
        1_000.0,
        "ms",
        "average execution duration (express workflows)",
    ),
    key(
        "aws_sfn_state_machine",
        "memory_mb",
        64.0,
        "MB",
        "memory an execution uses (express workflows, 64 MB steps)",
    ),
    key(
        "aws_cloudwatch_event_bus",
        "monthly_custom_events",
        100_000.0,
        "events",
        "custom events put a month",
    ),
    key(
        "aws_ecs_task_definition",
        "monthly_task_runs",
        30.0,
        "runs",
        "runs a month of a task no service keeps running",
    ),
    key(
        "aws_ecs_task_definition",
        "average_run_minutes",
        20.0,
        "minutes",
        "average run time of such a task",
    ),
    key(
        "aws_nat_gateway",
        "monthly_data_processed_gb",
        10.0,
        "GB",
        "data through the gateway a month",
    ),
    key(
        "aws_vpc_endpoint",
        "monthly_data_processed_gb",
        1.0,
        "GB",
        "data through an interface endpoint a month",
    ),
    key(
        "aws_kms_key",
        "monthly_requests",
        10_000.0,
        "requests",
        "encrypt/decrypt/generate requests a month",
    ),
    key(
        "aws_secretsmanager_secret",
        "monthly_requests",
        10_000.0,
        "API calls",
        "API calls a month",
    ),
    key(
        "aws_cloudfront_distribution",
        "monthly_data_transfer_to_internet_gb",
        10.0,
        "GB",
        "data served a month",
    ),
    key(
        "aws_cloudfront_distribution",
        "monthly_https_requests",
        100_000.0,
        "requests",
        "HTTPS requests a month",
    ),
];

/// The usage keys of one resource type.
pub fn keys_of(resource_type: &str) -> impl Iterator<Item = &'static UsageKey> + '_ {
    USAGE_KEYS
        .iter()
        .filter(move |k| k.resource_type == resource_type)
}

/// The code of usage-file errors.
const USAGE: &str = "tfstack::usage";

/// An unreadable or invalid usage file, located: the model's one located error.
pub type UsageError = tfstack_model::SourceError;

/// Where an assumed value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageSource {
    /// `resource_usage` of the usage file.
    Resource,
    /// `resource_type_default_usage` of the usage file.
    TypeDefault,
    /// The built-in default.
    BuiltIn,
}

impl UsageSource {
    pub fn as_str(self) -> &'static str {
        match self {
            UsageSource::Resource => "usage file (resource)",
            UsageSource::TypeDefault => "usage file (type default)",
            UsageSource::BuiltIn => "built-in default",
        }
    }
}

/// Usage figures: per resource address, per resource type, and the built-in defaults.
#[derive(Clone, Debug, Default)]
pub struct Usage {
    /// The file they were read from, as named.
    pub path: Option<PathBuf>,
    defaults: BTreeMap<String, BTreeMap<String, f64>>,
    resources: BTreeMap<String, BTreeMap<String, f64>>,
}

/// Usage files are small: anything larger is refused rather than read.
const MAX_USAGE_FILE: u64 = 1024 * 1024;

impl Usage {
    /// The built-in defaults only.
    pub fn defaults() -> Usage {
        Usage::default()
    }

    /// Reads and validates a usage file.
    pub fn load(path: &Path) -> Result<Usage, UsageError> {
        let shown = path.to_string_lossy().replace('\\', "/");
        let text =
            crate::lint::read_text(path, MAX_USAGE_FILE + 1).map_err(|e| e.with_code(USAGE))?;
        if text.len() as u64 > MAX_USAGE_FILE {
            return Err(UsageError::file(
                path,
                format!(
                    "{} bytes is over the {MAX_USAGE_FILE}-byte limit of a usage file",
                    text.len()
                ),
            )
            .with_code(USAGE));
        }
        let mut usage = Usage::parse(&text, &shown)?;
        usage.path = Some(path.to_path_buf());
        Ok(usage)
    }

    /// Parses and validates usage text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Usage, UsageError> {
        let file = tfstack_model::SourceFile::new(path, text);
        let at = |offset: usize, message: String| {
            UsageError::at_offset(&file, offset, message)
                .with_code(USAGE)
                .with_help("see docs/review.md for the usage keys and their defaults")
        };
        let doc = DeTable::parse(text).map_err(|e| {
            at(
                e.span().map(|s| s.start).unwrap_or(0),
                e.message().trim().to_string(),
            )
        })?;
        let mut usage = Usage::default();
        for (k, v) in doc.get_ref() {
            let name: &str = k.get_ref();
            match name {
                "version" => {}
                "resource_type_default_usage" => {
                    let Some(types) = v.get_ref().as_table() else {
                        return Err(at(
                            v.span().start,
                            "expected a table of resource types".into(),
                        ));
                    };
                    for (t, keys) in types {
                        let resource_type: &str = t.get_ref();
                        check_type(resource_type).map_err(|m| at(t.span().start, m))?;
                        let values = read_keys(resource_type, keys, &at)?;
                        usage.defaults.insert(resource_type.to_string(), values);
                    }
                }
                "resource_usage" => {
                    let Some(entries) = v.get_ref().as_table() else {
                        return Err(at(
                            v.span().start,
                            "expected a table of resource addresses".into(),
                        ));
                    };
                    for (k, v) in entries {
                        let key: &str = k.get_ref();
                        match key.split_once('.') {
                            Some((resource_type, _)) => {
                                check_type(resource_type).map_err(|m| at(k.span().start, m))?;
                                let values = read_keys(resource_type, v, &at)?;
                                usage.resources.insert(key.to_string(), values);
                            }
                            None => {
                                // `[resource_usage.aws_lambda_function.name]` without quotes.
                                check_type(key).map_err(|m| at(k.span().start, m))?;
                                let Some(names) = v.get_ref().as_table() else {
                                    return Err(at(
                                        v.span().start,
                                        format!("expected `{key}.<name>` tables"),
                                    ));
                                };
                                for (n, values) in names {
                                    let name: &str = n.get_ref();
                                    let values = read_keys(key, values, &at)?;
                                    usage.resources.insert(format!("{key}.{name}"), values);
                                }
                            }
                        }
                    }
                }
                other => {
                    let hint = suggest(
                        other,
                        &["version", "resource_type_default_usage", "resource_usage"],
                    );
                    return Err(at(
                        k.span().start,
                        format!(
                            "unknown key `{other}` (expected `version`, `resource_type_default_usage` or `resource_usage`){hint}"
                        ),
                    ));
                }
            }
        }
        Ok(usage)
    }

    /// The value used for `key` of a resource, and where it comes from.
    pub fn value(&self, address: &str, resource_type: &str, key: &str) -> (f64, UsageSource) {
        let found = self.lookup(address, resource_type, key);
        (found.value, found.source)
    }

    /// The value used for `key` of a resource or of one instance of it (`aws_kms_key.k`,
    /// `aws_kms_key.k[0]`, `aws_secretsmanager_secret.s["a"]`), with the entry that holds
    /// it. As in infracost's usage file, an instance's own entry wins over the entry for
    /// all instances (`aws_kms_key.k[*]`); the block's own address (`aws_kms_key.k`)
    /// applies to every instance too, then the type default, then the built-in default.
    pub fn lookup(&self, address: &str, resource_type: &str, key: &str) -> UsageValue {
        let block = base_address(address);
        let all_instances = format!("{block}[*]");
        for entry in [address, all_instances.as_str(), block] {
            if let Some(v) = self.resources.get(entry).and_then(|m| m.get(key)) {
                return UsageValue {
                    value: *v,
                    source: UsageSource::Resource,
                    entry: Some(entry.to_string()),
                };
            }
        }
        if let Some(v) = self.defaults.get(resource_type).and_then(|m| m.get(key)) {
            return UsageValue {
                value: *v,
                source: UsageSource::TypeDefault,
                entry: None,
            };
        }
        let default = keys_of(resource_type)
            .find(|k| k.key == key)
            .map(|k| k.default)
            .unwrap_or(0.0);
        UsageValue {
            value: default,
            source: UsageSource::BuiltIn,
            entry: None,
        }
    }

    /// Resource addresses the file names, for telling which match nothing.
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        self.resources.keys().map(String::as_str)
    }
}

/// A usage value and where it was found.
#[derive(Clone, Debug, PartialEq)]
pub struct UsageValue {
    pub value: f64,
    pub source: UsageSource,
    /// The `resource_usage` entry that holds it (`aws_kms_key.k[0]`, `aws_kms_key.k[*]`,
    /// `aws_kms_key.k`); none for a type default or a built-in default.
    pub entry: Option<String>,
}

/// `aws_x.y[0]`, `aws_x.y["a"]`, `aws_x.y[*]` → `aws_x.y`.
pub fn base_address(address: &str) -> &str {
    address.split('[').next().unwrap_or(address)
}

fn check_type(resource_type: &str) -> Result<(), String> {
    if keys_of(resource_type).next().is_some() {
        return Ok(());
    }
    let mut types: Vec<&str> = USAGE_KEYS.iter().map(|k| k.resource_type).collect();
    types.dedup();
    let hint = suggest(resource_type, &types);
    Err(format!(
        "`{resource_type}` has no usage keys (resource types with usage: {}){hint}",
        types.join(", ")
    ))
}

fn read_keys(
    resource_type: &str,
    table: &toml::Spanned<DeValue>,
    at: &dyn Fn(usize, String) -> UsageError,
) -> Result<BTreeMap<String, f64>, UsageError> {
    let Some(entries) = table.get_ref().as_table() else {
        return Err(at(
            table.span().start,
            format!("expected a table of usage keys for `{resource_type}`"),
        ));
    };
    let known: Vec<&str> = keys_of(resource_type).map(|k| k.key).collect();
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let key: &str = k.get_ref();
        if !known.contains(&key) {
            let hint = suggest(key, &known);
            return Err(at(
                k.span().start,
                format!(
                    "unknown usage key `{key}` for {resource_type} (expected one of: {}){hint}",
                    known.join(", ")
                ),
            ));
        }
        let number = match v.get_ref() {
            DeValue::Integer(i) => parse_number(i.as_str(), i.radix()),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            other => {
                return Err(at(
                    v.span().start,
                    format!("`{key}` must be a number, not a {}", other.type_str()),
                ))
            }
        };
        match number {
            Some(n) if n.is_finite() && n >= 0.0 => {
                out.insert(key.to_string(), n);
            }
            _ => {
                return Err(at(
                    v.span().start,
                    format!("`{key}` must be a finite number, zero or more"),
                ))
            }
        }
    }
    Ok(out)
}

fn parse_number(text: &str, radix: u32) -> Option<f64> {
    let clean = text.replace('_', "");
    let digits = clean
        .trim_start_matches('+')
        .trim_start_matches("0x")
        .trim_start_matches("0o")
        .trim_start_matches("0b");
    let negative = clean.starts_with('-');
    let magnitude = i64::from_str_radix(digits.trim_start_matches('-'), radix).ok()? as f64;
    Some(if negative { -magnitude } else { magnitude })
}

/// ` (did you mean `x`?)` for the closest candidate, if one is close.
fn suggest(name: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_values_override_type_defaults_override_built_ins() {
        let usage = Usage::parse(
            r#"
version = "0.1"
[resource_type_default_usage.aws_lambda_function]
monthly_requests = 2_000_000

[resource_usage."aws_lambda_function.api"]
monthly_requests = 5e6
request_duration_ms = 90

[resource_usage.aws_sqs_queue.jobs]
monthly_requests = 42
"#,
            "usage.toml",
        )
        .expect("valid");
        let f = "aws_lambda_function";
        assert_eq!(
            usage.value("aws_lambda_function.api", f, "monthly_requests"),
            (5e6, UsageSource::Resource)
        );
        assert_eq!(
            usage.value("aws_lambda_function.api[0]", f, "request_duration_ms"),
            (90.0, UsageSource::Resource)
        );
        assert_eq!(
            usage.value("aws_lambda_function.other", f, "monthly_requests"),
            (2e6, UsageSource::TypeDefault)
        );
        assert_eq!(
            usage.value("aws_lambda_function.other", f, "request_duration_ms"),
            (200.0, UsageSource::BuiltIn)
        );
        assert_eq!(
            usage.value("aws_sqs_queue.jobs", "aws_sqs_queue", "monthly_requests"),
            (42.0, UsageSource::Resource)
        );
        let mut addresses: Vec<&str> = usage.addresses().collect();
        addresses.sort();
        assert_eq!(
            addresses,
            vec!["aws_lambda_function.api", "aws_sqs_queue.jobs"]
        );
    }

    #[test]
    fn an_instance_entry_wins_over_all_instances_which_wins_over_the_block() {
        let usage = Usage::parse(
            r#"
[resource_usage."aws_sqs_queue.q"]
monthly_requests = 1

[resource_usage."aws_sqs_queue.q[*]"]
monthly_requests = 2

[resource_usage.'aws_sqs_queue.q["a"]']
monthly_requests = 3
"#,
            "usage.toml",
        )
        .expect("valid");
        let found = |address: &str| {
            let v = usage.lookup(address, "aws_sqs_queue", "monthly_requests");
            (v.value, v.entry)
        };
        let entry = |e: &str| Some(e.to_string());
        assert_eq!(
            found(r#"aws_sqs_queue.q["a"]"#),
            (3.0, entry(r#"aws_sqs_queue.q["a"]"#))
        );
        assert_eq!(
            found(r#"aws_sqs_queue.q["b"]"#),
            (2.0, entry("aws_sqs_queue.q[*]"))
        );
        // A block priced without an instance key (no count, or instances not known)
        // reads its own entry first.
        assert_eq!(found("aws_sqs_queue.q"), (1.0, entry("aws_sqs_queue.q")));
        let without_wildcard = Usage::parse(
            "[resource_usage.\"aws_sqs_queue.q\"]\nmonthly_requests = 1\n",
            "usage.toml",
        )
        .expect("valid");
        let v = without_wildcard.lookup("aws_sqs_queue.q[4]", "aws_sqs_queue", "monthly_requests");
        assert_eq!(
            (v.value, v.entry.as_deref()),
            (1.0, Some("aws_sqs_queue.q"))
        );
    }

    #[test]
    fn errors_name_the_line_column_and_what_was_expected() {
        let err = |text: &str| Usage::parse(text, "u.toml").expect_err("invalid");
        let e = err("[resource_usage.\"aws_lambda_function.f\"]\nmonthly_request = 3\n");
        assert_eq!((e.line, e.column), (2, 1));
        assert!(
            e.message.contains("unknown usage key `monthly_request`"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("did you mean `monthly_requests`"),
            "{}",
            e.message
        );
        assert_eq!(e.position(), "u.toml:2:1");

        let e =
            err("[resource_type_default_usage.aws_lambda_function]\nmonthly_requests = \"many\"\n");
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("must be a number, not a string"),
            "{}",
            e.message
        );

        let e = err("[resource_usage.\"aws_sqs_queue.q\"]\nmonthly_requests = -1\n");
        assert!(e.message.contains("zero or more"), "{}", e.message);

        let e = err("[resource_type_default_usage.aws_lamda_function]\nmonthly_requests = 1\n");
        assert_eq!((e.line, e.column), (1, 30));
        assert!(
            e.message.contains("did you mean `aws_lambda_function`"),
            "{}",
            e.message
        );

        let e = err("resource_usages = 1\n");
        assert!(
            e.message.contains("did you mean `resource_usage`"),
            "{}",
            e.message
        );

        let e = err("[resource_usage\nx = 1\n");
        assert_eq!(e.line, 1);

        let e = err("[resource_usage.\"aws_sqs_queue.q\"]\nmonthly_requests = inf\n");
        assert!(e.message.contains("finite"), "{}", e.message);
    }

    #[test]
    fn load_refuses_what_is_not_a_small_regular_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = Usage::load(dir.path()).expect_err("a directory");
        assert_eq!(e.code, "tfstack::usage");
        let missing = dir.path().join("missing.toml");
        let e = Usage::load(&missing).expect_err("missing");
        assert!(e.path.ends_with("missing.toml"), "{e:?}");
        let big = dir.path().join("big.toml");
        std::fs::write(&big, "#".repeat(MAX_USAGE_FILE as usize + 1)).expect("write");
        let e = Usage::load(&big).expect_err("too big");
        assert!(e.message.contains("limit"));
        let ok = dir.path().join("ok.toml");
        std::fs::write(
            &ok,
            "[resource_usage.\"aws_sns_topic.t\"]\nmonthly_requests = 7\n",
        )
        .expect("write");
        let u = Usage::load(&ok).expect("loads");
        assert_eq!(
            u.value("aws_sns_topic.t", "aws_sns_topic", "monthly_requests")
                .0,
            7.0
        );
        assert_eq!(u.path.as_deref(), Some(ok.as_path()));
    }

    #[test]
    fn every_usage_key_has_a_unit_and_a_doc() {
        for k in USAGE_KEYS {
            assert!(
                !k.unit.is_empty() && !k.doc.is_empty(),
                "{}.{}",
                k.resource_type,
                k.key
            );
            assert!(k.default >= 0.0);
        }
    }
}
