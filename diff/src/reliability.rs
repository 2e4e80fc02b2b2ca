//! Reliability: what a change loses in failure handling and protection of data, on
//! resources both versions have — a dead-letter queue, a redrive or an on-failure
//! destination removed, retention shortened or removed, `auto_deploy` turned on in
//! production, encryption or point-in-time recovery turned off. Settings are read as the
//! provider applies them (unset means its default); what cannot be known is not judged.

use crate::moves::{take_entries, take_members, Moves, Relocate, Rename};
use crate::places::Places;
use crate::report::{Category, Change, Danger, Effect};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::companions::{
    companions_of, Configures, S3_ENCRYPTION_CONFIGURATION,
};
use tfstack_lint_engine::query::failures::redrives;
use tfstack_lint_engine::query::functions::functions_at;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::references::targets_of;
use tfstack_lint_engine::query::settings::{is_configured, setting, Setting};
use tfstack_model::Block;
use tfstack_review::symbolic;

/// What one module keeps of failures and data.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReliabilityFacts {
    /// Every resource of the module.
    resources: BTreeSet<String>,
    /// Resources whose failures go somewhere: what kind of handling, and where to.
    failure_handling: BTreeMap<String, Handling>,
    /// Retention settings, by (resource, attribute): `None` keeps forever.
    retention: BTreeMap<(String, &'static str), Retention>,
    /// Stages that deploy every change to production on their own.
    auto_deploy_in_production: BTreeSet<String>,
    /// Protections that are known on or off, by (resource, protection name), with the
    /// kind of change losing them is.
    protections: BTreeMap<(String, &'static str), (bool, &'static str)>,
    locations: BTreeMap<String, String>,
}

impl Rename for ReliabilityFacts {
    fn rename(&mut self, moves: &Moves) {
        self.resources.rename(moves);
        self.failure_handling.rename(moves);
        self.retention.rename(moves);
        self.auto_deploy_in_production.rename(moves);
        self.protections.rename(moves);
        self.locations.rename(moves);
    }
}

impl ReliabilityFacts {
    /// Whether the module has a resource `moves` takes.
    pub(crate) fn has_any_moved(&self, moves: &Moves) -> bool {
        self.resources.iter().any(|r| moves.takes(r))
    }
}

impl Relocate for ReliabilityFacts {
    fn take_moved(&mut self, moves: &Moves) -> ReliabilityFacts {
        let mut taken = ReliabilityFacts {
            resources: take_members(&mut self.resources, moves, String::as_str),
            failure_handling: take_entries(&mut self.failure_handling, moves, |r, _| r),
            retention: take_entries(&mut self.retention, moves, |(r, _), _| r),
            auto_deploy_in_production: take_members(
                &mut self.auto_deploy_in_production,
                moves,
                String::as_str,
            ),
            protections: take_entries(&mut self.protections, moves, |(r, _), _| r),
            locations: take_entries(&mut self.locations, moves, |r, _| r),
        };
        taken.rename(moves);
        taken
    }

    fn absorb(&mut self, moved: ReliabilityFacts) {
        self.resources.extend(moved.resources);
        self.failure_handling.extend(moved.failure_handling);
        self.retention.extend(moved.retention);
        self.auto_deploy_in_production
            .extend(moved.auto_deploy_in_production);
        self.protections.extend(moved.protections);
        self.locations.extend(moved.locations);
    }
}

impl Rename for Handling {
    fn rename(&mut self, moves: &Moves) {
        self.targets.rename(moves);
    }
}

impl Rename for Retention {
    fn rename(&mut self, _: &Moves) {}
}

impl Rename for (bool, &'static str) {
    fn rename(&mut self, _: &Moves) {}
}

#[derive(Clone, Debug)]
struct Handling {
    /// `dead-letter queue`, `on-failure destination`, …
    what: &'static str,
    /// Where failures go, as written (`${aws_sqs_queue.dlq.arn}`) or by address.
    targets: Vec<String>,
}

#[derive(Clone, Copy, Debug)]
struct Retention {
    setting: &'static RetentionSetting,
    /// The effective value in the setting's unit; `None`: kept forever.
    value: Option<f64>,
}

/// A retention setting and how the provider reads it.
#[derive(Debug)]
struct RetentionSetting {
    resource_type: &'static str,
    attribute: &'static str,
    /// What it keeps, in words.
    what: &'static str,
    /// The value when unset (`None`: kept forever).
    default: Option<f64>,
    /// `0` means "forever" (log groups) rather than "not at all".
    zero_is_forever: bool,
    unit: Unit,
}

#[derive(Clone, Copy, Debug)]
enum Unit {
    Seconds,
    Hours,
    Days,
}

const RETENTION: &[RetentionSetting] = &[
    RetentionSetting {
        resource_type: "aws_cloudwatch_log_group",
        attribute: "retention_in_days",
        what: "log retention",
        default: None,
        zero_is_forever: true,
        unit: Unit::Days,
    },
    RetentionSetting {
        resource_type: "aws_sqs_queue",
        attribute: "message_retention_seconds",
        what: "message retention",
        default: Some(345_600.0),
        zero_is_forever: false,
        unit: Unit::Seconds,
    },
    RetentionSetting {
        resource_type: "aws_kinesis_stream",
        attribute: "retention_period",
        what: "record retention",
        default: Some(24.0),
        zero_is_forever: false,
        unit: Unit::Hours,
    },
    RetentionSetting {
        resource_type: "aws_secretsmanager_secret",
        attribute: "recovery_window_in_days",
        what: "recovery window after deletion",
        default: Some(30.0),
        zero_is_forever: false,
        unit: Unit::Days,
    },
    RetentionSetting {
        resource_type: "aws_kms_key",
        attribute: "deletion_window_in_days",
        what: "deletion waiting period",
        default: Some(30.0),
        zero_is_forever: false,
        unit: Unit::Days,
    },
];

/// A protection of data and how to read whether it is on (`None`: unknown).
struct Protection {
    resource_type: &'static str,
    name: &'static str,
    kind: &'static str,
    on: fn(&Context, &Block) -> Option<bool>,
}

const ENCRYPTION: &str = "encryption_turned_off";
const PITR: &str = "point_in_time_recovery_turned_off";

const PROTECTIONS: &[Protection] = &[
    Protection {
        resource_type: "aws_sqs_queue",
        name: "server-side encryption",
        kind: ENCRYPTION,
        on: |cx, b| {
            if is_configured(cx, &b.body, &["kms_master_key_id"]) {
                return Some(true);
            }
            setting(cx, b, &["sqs_managed_sse_enabled"]).bool_or(true)
        },
    },
    Protection {
        resource_type: "aws_sqs_queue",
        name: "encryption with a customer managed KMS key",
        kind: ENCRYPTION,
        on: |cx, b| {
            if customer_key(cx, b, "kms_master_key_id") {
                return Some(true);
            }
            // Not encrypted at all: that loss is server-side encryption's, said once.
            match setting(cx, b, &["sqs_managed_sse_enabled"]).bool_or(true) {
                Some(true) => Some(false),
                _ => None,
            }
        },
    },
    Protection {
        resource_type: "aws_lambda_function",
        name: "environment encryption with a customer managed KMS key",
        kind: ENCRYPTION,
        on: |cx, b| Some(customer_key(cx, b, "kms_key_arn")),
    },
    Protection {
        resource_type: "aws_secretsmanager_secret",
        name: "encryption with a customer managed KMS key",
        kind: ENCRYPTION,
        on: |cx, b| Some(customer_key(cx, b, "kms_key_id")),
    },
    Protection {
        resource_type: "aws_sns_topic",
        name: "encryption with a KMS key",
        kind: ENCRYPTION,
        on: |cx, b| Some(is_configured(cx, &b.body, &["kms_master_key_id"])),
    },
    Protection {
        resource_type: "aws_s3_bucket",
        name: "encryption with a KMS key",
        kind: ENCRYPTION,
        on: bucket_encrypted_with_kms,
    },
    Protection {
        resource_type: "aws_dynamodb_table",
        name: "encryption with a KMS key",
        kind: ENCRYPTION,
        on: |cx, b| setting(cx, b, &["server_side_encryption", "enabled"]).bool_or(false),
    },
    Protection {
        resource_type: "aws_dynamodb_table",
        name: "point-in-time recovery",
        kind: PITR,
        on: |cx, b| setting(cx, b, &["point_in_time_recovery", "enabled"]).bool_or(false),
    },
    Protection {
        resource_type: "aws_elasticache_replication_group",
        name: "encryption at rest",
        kind: ENCRYPTION,
        on: |cx, b| setting(cx, b, &["at_rest_encryption_enabled"]).bool_or(false),
    },
    Protection {
        resource_type: "aws_elasticache_replication_group",
        name: "encryption in transit",
        kind: ENCRYPTION,
        on: |cx, b| setting(cx, b, &["transit_encryption_enabled"]).bool_or(false),
    },
    Protection {
        resource_type: "aws_db_instance",
        name: "storage encryption",
        kind: ENCRYPTION,
        on: |cx, b| setting(cx, b, &["storage_encrypted"]).bool_or(false),
    },
    Protection {
        resource_type: "aws_rds_cluster",
        name: "storage encryption",
        kind: ENCRYPTION,
        on: |cx, b| setting(cx, b, &["storage_encrypted"]).bool_or(false),
    },
    Protection {
        resource_type: "aws_ebs_volume",
        name: "encryption",
        kind: ENCRYPTION,
        on: |cx, b| setting(cx, b, &["encrypted"]).bool_or(false),
    },
    Protection {
        resource_type: "aws_efs_file_system",
        name: "encryption",
        kind: ENCRYPTION,
        on: |cx, b| setting(cx, b, &["encrypted"]).bool_or(false),
    },
    Protection {
        resource_type: "aws_kinesis_stream",
        name: "encryption",
        kind: ENCRYPTION,
        on: |cx, b| {
            setting(cx, b, &["encryption_type"])
                .str_or("NONE")
                .map(|t| t.eq_ignore_ascii_case("KMS"))
        },
    },
    Protection {
        resource_type: "aws_cloudwatch_log_group",
        name: "encryption with a KMS key",
        kind: ENCRYPTION,
        on: |cx, b| Some(is_configured(cx, &b.body, &["kms_key_id"])),
    },
];

/// Failure handling written as one setting of a resource: (type, path, what it is).
const FAILURE_SETTINGS: &[(&str, &[&str], &str)] = &[
    (
        "aws_lambda_event_source_mapping",
        &["destination_config", "on_failure", "destination_arn"],
        "on-failure destination",
    ),
    (
        "aws_sns_topic_subscription",
        &["redrive_policy"],
        "dead-letter queue",
    ),
    (
        "aws_cloudwatch_event_target",
        &["dead_letter_config", "arn"],
        "dead-letter queue",
    ),
    (
        "aws_scheduler_schedule",
        &["target", "dead_letter_config", "arn"],
        "dead-letter queue",
    ),
];

/// What a module keeps of failures and data; `sym` is its symbolic twin (targets are
/// shown by what they refer to).
pub(crate) fn facts(cx: &Context, sym: &Context, places: &Places) -> ReliabilityFacts {
    let mut facts = ReliabilityFacts::default();
    for b in cx
        .module
        .config
        .blocks
        .iter()
        .filter(|b| b.kind == "resource")
    {
        if !exists(cx, b) {
            continue;
        }
        let address = b.address();
        if let Some(location) = places.of(cx, b.origin) {
            facts.locations.insert(address.clone(), location);
        }
        facts.resources.insert(address);
    }
    let mut handle = |address: String, what: &'static str, target: String| {
        let entry = facts
            .failure_handling
            .entry(address)
            .or_insert_with(|| Handling {
                what,
                targets: Vec::new(),
            });
        if !entry.targets.contains(&target) {
            entry.targets.push(target);
        }
    };
    for r in redrives(cx) {
        handle(
            r.source.address(),
            "dead-letter queue",
            format!("`{}`", r.dead_letter.address()),
        );
    }
    let redriven: BTreeSet<String> = redrives(cx).iter().map(|r| r.source.address()).collect();
    for q in cx.resources("aws_sqs_queue") {
        // A redrive policy whose queue is not in the module (a literal ARN, a variable).
        if !redriven.contains(&q.address()) && is_configured(cx, &q.body, &["redrive_policy"]) {
            handle(
                q.address(),
                "dead-letter queue",
                shown(sym, q, &["redrive_policy"]),
            );
        }
    }
    for f in cx.resources("aws_lambda_function") {
        let path = ["dead_letter_config", "target_arn"];
        if is_configured(cx, &f.body, &path) {
            handle(f.address(), "dead-letter queue", shown(sym, f, &path));
        }
    }
    for config in cx.resources("aws_lambda_function_event_invoke_config") {
        let path = ["destination_config", "on_failure", "destination"];
        if !exists(cx, config) || !is_configured(cx, &config.body, &path) {
            continue;
        }
        let Some(name) = config.body.get("function_name") else {
            continue;
        };
        for f in functions_at(cx, name) {
            handle(
                f.address(),
                "on-failure destination",
                shown(sym, config, &path),
            );
        }
    }
    for (resource_type, path, what) in FAILURE_SETTINGS {
        for b in cx.resources(resource_type) {
            if is_configured(cx, &b.body, path) {
                handle(b.address(), what, shown(sym, b, path));
            }
        }
    }
    for s in RETENTION {
        for b in cx.resources(s.resource_type) {
            let value = match setting(cx, b, &[s.attribute]) {
                Setting::Unset => s.default,
                Setting::Unknown => continue,
                Setting::Known { value, .. } => match value.as_f64() {
                    Some(v) if v == 0.0 && s.zero_is_forever => None,
                    Some(v) => Some(v),
                    None => continue,
                },
            };
            facts
                .retention
                .insert((b.address(), s.attribute), Retention { setting: s, value });
        }
    }
    for stage in cx.resources("aws_apigatewayv2_stage") {
        let name = cx.attr(stage, "name");
        let on = setting(cx, stage, &["auto_deploy"]).bool_or(false) == Some(true);
        if on && cx.is_production(stage, name.as_ref().and_then(|v| v.as_str())) {
            facts.auto_deploy_in_production.insert(stage.address());
        }
    }
    for p in PROTECTIONS {
        for b in cx.resources(p.resource_type) {
            if let Some(on) = (p.on)(cx, b) {
                facts
                    .protections
                    .insert((b.address(), p.name), (on, p.kind));
            }
        }
    }
    facts
}

/// Whether a block's `attribute` names a customer managed KMS key: set, and not one of
/// AWS's own (`alias/aws/sqs`, `arn:aws:kms:…:alias/aws/secretsmanager`), which the service
/// uses without it. A value not known before apply counts as one.
fn customer_key(cx: &Context, b: &Block, attribute: &str) -> bool {
    if !is_configured(cx, &b.body, &[attribute]) {
        return false;
    }
    let aws_managed = |key: &str| key.starts_with("alias/aws/") || key.contains(":alias/aws/");
    let value = cx.attr(b, attribute);
    if value
        .as_ref()
        .and_then(|v| v.as_str())
        .is_some_and(aws_managed)
    {
        return false;
    }
    // AWS's own key looked up by its alias (`data.aws_kms_alias` named `alias/aws/…`,
    // `data.aws_kms_key` whose `key_id` is one).
    let Some(expr) = b.body.get(attribute) else {
        return true;
    };
    let looked_up: Vec<_> = targets_of(cx, expr)
        .into_iter()
        .filter_map(|t| cx.block(&t.address))
        .collect();
    let all_aws_managed = !looked_up.is_empty()
        && looked_up.iter().all(|d| {
            let named = match d.type_label() {
                "aws_kms_alias" if d.kind == "data" => cx.attr(d, "name"),
                "aws_kms_key" if d.kind == "data" => cx.attr(d, "key_id"),
                _ => None,
            };
            named
                .as_ref()
                .and_then(|v| v.as_str())
                .is_some_and(aws_managed)
        });
    !all_aws_managed
}

/// Whether a bucket's objects are encrypted with a KMS key (`aws:kms`, `aws:kms:dsse`) by
/// default: by its `aws_s3_bucket_server_side_encryption_configuration`, or the inline
/// block of provider v3. Without either, S3 encrypts with its own keys (SSE-S3). `None`
/// when it cannot be told (a configuration that may name the bucket, an algorithm not
/// known).
fn bucket_encrypted_with_kms(cx: &Context, bucket: &Block) -> Option<bool> {
    const DEFAULT: &[&str] = &[
        "rule",
        "apply_server_side_encryption_by_default",
        "sse_algorithm",
    ];
    let kms = |setting: Setting| match setting {
        Setting::Unset => Some(false),
        Setting::Unknown => None,
        Setting::Known { value, .. } => value.as_str().map(|a| a.starts_with("aws:kms")),
    };
    let inline = [&["server_side_encryption_configuration"][..], DEFAULT].concat();
    let mut known = match kms(setting(cx, bucket, &inline)) {
        Some(true) => return Some(true),
        Some(false) => true,
        None => false,
    };
    for (configuration, configures) in companions_of(cx, bucket, S3_ENCRYPTION_CONFIGURATION) {
        match (configures, kms(setting(cx, configuration, DEFAULT))) {
            (Configures::Yes, Some(true)) => return Some(true),
            (Configures::Yes, Some(false)) | (Configures::No, _) => {}
            _ => known = false,
        }
    }
    known.then_some(false)
}

/// A setting of the symbolic twin: the resource it names (`aws_sqs_queue.dlq`, as a
/// queue's redrive shows its dead-letter queue), else as written (`arn:aws:sqs:…:dlq`), or
/// a word for it when it is not a plain value. A redrive policy written as JSON (an SNS
/// subscription's) is shown by its `deadLetterTargetArn`.
fn shown(sym: &Context, block: &Block, path: &[&str]) -> String {
    let twin = sym.block(&block.address()).unwrap_or(block);
    match setting(sym, twin, path) {
        Setting::Known { value, .. } => match value.as_str() {
            Some(s) => {
                let target = serde_json::from_str::<serde_json::Value>(s)
                    .ok()
                    .and_then(|json| Some(json.get("deadLetterTargetArn")?.as_str()?.to_string()));
                let s = target.as_deref().unwrap_or(s);
                match symbolic::references_in(s).as_slice() {
                    [only] if symbolic::marker(&only.address, Some(&only.attribute)) == s => {
                        format!("`{}`", only.address)
                    }
                    _ => format!("`{}`", symbolic::display(s)),
                }
            }
            None => "a redrive policy".to_string(),
        },
        _ => "a value known after apply".to_string(),
    }
}

/// What `head` loses against `base`, on resources both have.
pub(crate) fn compare(base: &ReliabilityFacts, head: &ReliabilityFacts) -> Vec<Change> {
    let mut out = Vec::new();
    let in_both =
        |address: &str| base.resources.contains(address) && head.resources.contains(address);
    for (address, handling) in &base.failure_handling {
        if in_both(address) && !head.failure_handling.contains_key(address) {
            out.push(handling_removed(
                address,
                handling,
                head.locations.get(address),
            ));
        }
    }
    for ((address, attribute), before) in &base.retention {
        if !in_both(address) {
            continue;
        }
        let Some(after) = head.retention.get(&(address.clone(), *attribute)) else {
            continue;
        };
        if let Some(change) = retention_change(address, before, after, head.locations.get(address))
        {
            out.push(change);
        }
    }
    for stage in &head.auto_deploy_in_production {
        if !base.auto_deploy_in_production.contains(stage) {
            out.push(auto_deploy(stage, head.locations.get(stage)));
        }
    }
    for ((address, name), (on, kind)) in &base.protections {
        let after = head.protections.get(&(address.clone(), *name));
        if *on && after.is_some_and(|(on, _)| !on) && in_both(address) {
            out.push(protection_off(
                address,
                name,
                kind,
                head.locations.get(address),
            ));
        }
    }
    out
}

fn reliability(
    danger: Danger,
    kind: &'static str,
    resource: &str,
    title: String,
    location: Option<&String>,
    data: serde_json::Value,
) -> Change {
    Change {
        category: Category::Reliability,
        effect: Effect::Reliability,
        danger,
        kind,
        resource: resource.to_string(),
        title,
        details: Vec::new(),
        location: location.cloned(),
        data,
    }
}

fn handling_removed(address: &str, handling: &Handling, location: Option<&String>) -> Change {
    let targets = handling.targets.join(", ");
    let title = if address.starts_with("aws_sqs_queue.") {
        format!("`{address}` no longer redrives messages that keep failing to a dead-letter queue (was {targets})")
    } else {
        format!(
            "`{address}` lost its {} (was {targets}): what fails is dropped",
            handling.what
        )
    };
    reliability(
        Danger::Medium,
        "failure_handling_removed",
        address,
        title,
        location,
        json!({"removed": handling.what, "was": handling.targets}),
    )
}

fn retention_change(
    address: &str,
    before: &Retention,
    after: &Retention,
    location: Option<&String>,
) -> Option<Change> {
    let s = before.setting;
    // Zero is no time at all (a secret deleted at once, without recovery), not "0 seconds".
    let shown = |value: Option<f64>| match value {
        None => "forever".to_string(),
        Some(0.0) => "none".to_string(),
        Some(v) => duration(v, s.unit),
    };
    let (title, danger, kind) = match (before.value, after.value) {
        (Some(_), None) => (
            format!("`{address}`: {} removed, kept forever", s.what),
            Danger::Low,
            "retention_removed",
        ),
        (Some(b), Some(a)) if a < b => {
            let default = if after.value == s.default && a != b {
                " (the default)"
            } else {
                ""
            };
            (
                format!(
                    "`{address}`: {} shortened from {} to {}{default}",
                    s.what,
                    shown(before.value),
                    shown(after.value)
                ),
                Danger::Medium,
                "retention_shortened",
            )
        }
        // Forever to a limit is what LOG001 asks for: not a loss.
        _ => return None,
    };
    Some(reliability(
        danger,
        kind,
        address,
        title,
        location,
        json!({"attribute": s.attribute, "before": before.value, "after": after.value}),
    ))
}

/// `4 days`, `36 hours`, `90 seconds`.
fn duration(value: f64, unit: Unit) -> String {
    let seconds = match unit {
        Unit::Seconds => value,
        Unit::Hours => value * 3600.0,
        Unit::Days => value * 86_400.0,
    };
    let plural = |n: f64, word: &str| {
        if n == 1.0 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    if seconds >= 86_400.0 && seconds % 86_400.0 == 0.0 {
        plural(seconds / 86_400.0, "day")
    } else if seconds >= 3600.0 && seconds % 3600.0 == 0.0 {
        plural(seconds / 3600.0, "hour")
    } else {
        plural(seconds, "second")
    }
}

fn auto_deploy(stage: &str, location: Option<&String>) -> Change {
    reliability(
        Danger::Medium,
        "auto_deploy_in_production",
        stage,
        format!(
            "`{stage}` now deploys every change to production on its own (`auto_deploy = true`)"
        ),
        location,
        serde_json::Value::Null,
    )
}

fn protection_off(
    address: &str,
    name: &'static str,
    kind: &'static str,
    location: Option<&String>,
) -> Change {
    reliability(
        Danger::Medium,
        kind,
        address,
        format!("`{address}`: {name} turned off"),
        location,
        json!({"protection": name}),
    )
}

#[cfg(test)]
mod tests {
    use crate::report::{Category, Danger};
    use crate::testing::{assert_same, changes, changes_in, diff_files, diff_hcl, kinds};

    const QUEUES: &str = r#"resource "aws_sqs_queue" "dlq" {
  name                      = "jobs-dlq"
  message_retention_seconds = 1209600
}
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  })
}
"#;

    #[test]
    fn a_queue_that_loses_its_dead_letter_queue() {
        let head = QUEUES.replace(
            "  redrive_policy = jsonencode({\n    deadLetterTargetArn = aws_sqs_queue.dlq.arn\n    maxReceiveCount     = 5\n  })\n",
            "",
        );
        let report = diff_hcl(QUEUES, &head);
        let c = changes(&report);
        assert_eq!(
            kinds(&report),
            [("failure_handling_removed", "aws_sqs_queue.jobs".into())]
        );
        assert_eq!(
            (c[0].category, c[0].danger),
            (Category::Reliability, Danger::Medium)
        );
        assert!(
            c[0].title.contains("(was `aws_sqs_queue.dlq`)"),
            "{}",
            c[0].title
        );
        // The redrive written as its own resource, then removed with it.
        let separate = r#"resource "aws_sqs_queue" "dlq" {
  name                      = "jobs-dlq"
  message_retention_seconds = 1209600
}
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
resource "aws_sqs_queue_redrive_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  })
}
"#;
        assert_same(QUEUES, separate);
        let report = diff_hcl(separate, &head);
        assert_eq!(
            kinds(&report),
            [("failure_handling_removed", "aws_sqs_queue.jobs".into())]
        );
        // A queue removed altogether is not a reliability change.
        assert!(diff_hcl(QUEUES, "")
            .modules
            .iter()
            .all(|m| m.changes.is_empty()));
    }

    #[test]
    fn functions_and_targets_that_lose_their_failure_destinations() {
        let function = |extra: &str| {
            format!(
                r#"resource "aws_sqs_queue" "failed" {{
  name = "failed"
}}
resource "aws_lambda_function" "f" {{
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "f.zip"
}}
{extra}
"#
            )
        };
        let invoke_config = r#"resource "aws_lambda_function_event_invoke_config" "f" {
  function_name = aws_lambda_function.f.function_name
  destination_config {
    on_failure {
      destination = aws_sqs_queue.failed.arn
    }
  }
}"#;
        let report = diff_hcl(&function(invoke_config), &function(""));
        let c = changes(&report);
        assert_eq!(
            kinds(&report),
            [("failure_handling_removed", "aws_lambda_function.f".into())]
        );
        assert_eq!(
            c[0].title,
            "`aws_lambda_function.f` lost its on-failure destination (was `aws_sqs_queue.failed`): what fails is dropped"
        );
        // A subscription's redrive policy, written as JSON: the queue it names.
        let subscription = |redrive: &str| {
            format!(
                r#"resource "aws_sns_topic" "t" {{
  name = "t"
}}
resource "aws_sqs_queue" "q" {{
  name = "q"
}}
resource "aws_sqs_queue" "dlq" {{
  name = "dlq"
}}
resource "aws_sns_topic_subscription" "s" {{
  topic_arn = aws_sns_topic.t.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.q.arn
{redrive}}}
"#
            )
        };
        let redrive =
            "  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn })\n";
        let report = diff_hcl(&subscription(redrive), &subscription(""));
        assert_eq!(
            changes(&report)[0].title,
            "`aws_sns_topic_subscription.s` lost its dead-letter queue (was `aws_sqs_queue.dlq`): what fails is dropped"
        );
        let target = |dead_letter: &str| {
            format!(
                r#"resource "aws_sqs_queue" "failed" {{
  name = "failed"
}}
resource "aws_cloudwatch_event_rule" "nightly" {{
  schedule_expression = "rate(1 day)"
}}
resource "aws_cloudwatch_event_target" "run" {{
  rule = aws_cloudwatch_event_rule.nightly.name
  arn  = "arn:aws:states:us-east-1:123456789012:stateMachine:nightly"
  {dead_letter}
}}
"#
            )
        };
        let dead_letter = "dead_letter_config {\n    arn = aws_sqs_queue.failed.arn\n  }";
        let report = diff_hcl(&target(dead_letter), &target(""));
        assert_eq!(
            kinds(&report),
            [(
                "failure_handling_removed",
                "aws_cloudwatch_event_target.run".into()
            )]
        );
        assert_same(&target(dead_letter), &target(dead_letter));
    }

    #[test]
    fn retention_shortened_or_removed() {
        let log_group = |retention: &str| {
            format!("resource \"aws_cloudwatch_log_group\" \"g\" {{\n  name = \"/app\"\n  {retention}\n}}\n")
        };
        let report = diff_hcl(
            &log_group("retention_in_days = 30"),
            &log_group("retention_in_days = 7"),
        );
        assert_eq!(
            changes(&report)[0].title,
            "`aws_cloudwatch_log_group.g`: log retention shortened from 30 days to 7 days"
        );
        let report = diff_hcl(&log_group("retention_in_days = 30"), &log_group(""));
        let c = changes(&report);
        assert_eq!((c[0].kind, c[0].danger), ("retention_removed", Danger::Low));
        // Setting a retention where logs were kept forever is what LOG001 asks for.
        let report = diff_hcl(&log_group(""), &log_group("retention_in_days = 30"));
        assert!(changes(&report).is_empty(), "{:?}", changes(&report));
        // A queue's retention falls back to the provider's default, 4 days.
        let report = diff_hcl(
            QUEUES,
            &QUEUES.replace("  message_retention_seconds = 1209600\n", ""),
        );
        assert_eq!(
            kinds(&report),
            [("retention_shortened", "aws_sqs_queue.dlq".into())]
        );
        assert_eq!(
            changes(&report)[0].title,
            "`aws_sqs_queue.dlq`: message retention shortened from 14 days to 4 days (the default)"
        );
        // Longer is no loss; the same value through a variable is no change.
        assert!(diff_hcl(
            &log_group("retention_in_days = 7"),
            &log_group("retention_in_days = 30")
        )
        .is_empty());
        let variable = format!(
            "variable \"days\" {{\n  default = 30\n}}\n{}",
            log_group("retention_in_days = var.days")
        );
        assert_same(&log_group("retention_in_days = 30"), &variable);
        // A secret's recovery window cut to none: deleted at once.
        let secret = |window: &str| {
            format!(
                "resource \"aws_secretsmanager_secret\" \"s\" {{\n  name = \"s\"\n  {window}\n}}\n"
            )
        };
        let report = diff_hcl(
            &secret("recovery_window_in_days = 30"),
            &secret("recovery_window_in_days = 0"),
        );
        assert_eq!(
            changes(&report)[0].title,
            "`aws_secretsmanager_secret.s`: recovery window after deletion shortened from 30 days to none"
        );
    }

    #[test]
    fn auto_deploy_turned_on_in_production() {
        let stage = |auto_deploy: &str| {
            format!(
                r#"resource "aws_apigatewayv2_api" "api" {{
  name          = "api"
  protocol_type = "HTTP"
}}
resource "aws_apigatewayv2_stage" "live" {{
  api_id = aws_apigatewayv2_api.api.id
  name   = "live"
  {auto_deploy}
}}
"#
            )
        };
        let (off, on) = (stage("auto_deploy = false"), stage("auto_deploy = true"));
        let diff = |env| {
            diff_files(
                &[("main.tf", off.as_str())],
                &[("main.tf", on.as_str())],
                env,
            )
        };
        let report = diff(Some("prod"));
        assert_eq!(
            kinds(&report),
            [(
                "auto_deploy_in_production",
                "aws_apigatewayv2_stage.live".into()
            )]
        );
        assert!(diff(Some("dev"))
            .modules
            .iter()
            .all(|m| m.changes.is_empty()));
    }

    #[test]
    fn a_bucket_that_loses_its_kms_encryption() {
        let bucket = |encryption: &str| {
            format!(
                "resource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"acme-reports\"\n}}\n\
                 resource \"aws_kms_key\" \"k\" {{\n  enable_key_rotation = true\n}}\n{encryption}"
            )
        };
        let configuration = |algorithm: &str| {
            format!(
                "resource \"aws_s3_bucket_server_side_encryption_configuration\" \"b\" {{\n  \
                 bucket = aws_s3_bucket.b.id\n  rule {{\n    apply_server_side_encryption_by_default {{\n      \
                 sse_algorithm = \"{algorithm}\"\n    }}\n  }}\n}}\n"
            )
        };
        let kms = bucket(&configuration("aws:kms"));
        for head in [bucket(""), bucket(&configuration("AES256"))] {
            let report = diff_hcl(&kms, &head);
            let c = changes_in(&report, crate::report::Category::Reliability);
            assert_eq!(c.len(), 1, "{:?}", kinds(&report));
            assert_eq!(
                c[0].title,
                "`aws_s3_bucket.b`: encryption with a KMS key turned off"
            );
        }
        // SSE-S3 in both, or KMS in both: no change.
        assert_same(&bucket(""), &bucket(&configuration("AES256")));
        assert_same(&kms, &bucket(&configuration("aws:kms:dsse")));
    }

    /// A queue, a function's environment or a secret that loses its KMS key: encrypted
    /// still, with AWS's key, which the owner's key policy no longer controls.
    #[test]
    fn a_queue_function_or_secret_that_loses_its_kms_key() {
        let key = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = true\n}\n";
        let cases = [
            (
                "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n  kms_master_key_id = aws_kms_key.k.arn\n}\n",
                "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n  sqs_managed_sse_enabled = true\n}\n",
                "`aws_sqs_queue.q`: encryption with a customer managed KMS key turned off",
            ),
            (
                "resource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n  role = \"arn:aws:iam::123456789012:role/f\"\n  runtime = \"python3.12\"\n  handler = \"app.handler\"\n  filename = \"f.zip\"\n  kms_key_arn = aws_kms_key.k.arn\n}\n",
                "resource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n  role = \"arn:aws:iam::123456789012:role/f\"\n  runtime = \"python3.12\"\n  handler = \"app.handler\"\n  filename = \"f.zip\"\n}\n",
                "`aws_lambda_function.f`: environment encryption with a customer managed KMS key turned off",
            ),
            (
                "resource \"aws_secretsmanager_secret\" \"s\" {\n  name = \"s\"\n  kms_key_id = aws_kms_key.k.arn\n}\n",
                "resource \"aws_secretsmanager_secret\" \"s\" {\n  name = \"s\"\n}\n",
                "`aws_secretsmanager_secret.s`: encryption with a customer managed KMS key turned off",
            ),
        ];
        // A key removed with the encryption: one loss, the encryption's.
        let unencrypted = format!(
            "{key}resource \"aws_sqs_queue\" \"q\" {{\n  name = \"q\"\n  sqs_managed_sse_enabled = false\n}}\n"
        );
        let report = diff_hcl(&format!("{key}{}", cases[0].0), &unencrypted);
        assert_eq!(
            changes(&report)
                .iter()
                .map(|c| c.title.as_str())
                .collect::<Vec<_>>(),
            ["`aws_sqs_queue.q`: server-side encryption turned off"]
        );
        // AWS's own key named: no customer key given up.
        let secret = |key: &str| {
            format!("resource \"aws_secretsmanager_secret\" \"s\" {{\n  name = \"s\"\n{key}}}\n")
        };
        assert_same(
            &secret("  kms_key_id = \"alias/aws/secretsmanager\"\n"),
            &secret(""),
        );
        let looked_up =
            "data \"aws_kms_alias\" \"sm\" {\n  name = \"alias/aws/secretsmanager\"\n}\n";
        assert_same(
            &format!(
                "{looked_up}{}",
                secret("  kms_key_id = data.aws_kms_alias.sm.target_key_arn\n")
            ),
            &format!("{looked_up}{}", secret("")),
        );
        for (base, head, title) in cases {
            let (base, head) = (format!("{key}{base}"), format!("{key}{head}"));
            let report = diff_hcl(&base, &head);
            let c = changes(&report);
            assert_eq!(c.len(), 1, "{title}: {:?}", kinds(&report));
            assert_eq!(c[0].title, title);
            assert!(diff_hcl(&head, &base)
                .modules
                .iter()
                .all(|m| m.changes.is_empty()));
        }
    }

    #[test]
    fn encryption_and_point_in_time_recovery_turned_off() {
        let table = |pitr: &str, sse: &str| {
            format!(
                r#"resource "aws_dynamodb_table" "orders" {{
  name         = "orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {{
    name = "id"
    type = "S"
  }}
  point_in_time_recovery {{
    enabled = {pitr}
  }}
  server_side_encryption {{
    enabled = {sse}
  }}
}}
"#
            )
        };
        let report = diff_hcl(&table("true", "true"), &table("false", "false"));
        let mut found = kinds(&report);
        found.sort();
        assert_eq!(
            found,
            [
                ("encryption_turned_off", "aws_dynamodb_table.orders".into()),
                (
                    "point_in_time_recovery_turned_off",
                    "aws_dynamodb_table.orders".into()
                ),
            ]
        );
        let queue = |sse: &str| {
            format!("resource \"aws_sqs_queue\" \"q\" {{\n  name = \"q\"\n  {sse}\n}}\n")
        };
        let report = diff_hcl(&queue(""), &queue("sqs_managed_sse_enabled = false"));
        assert_eq!(
            changes(&report)[0].title,
            "`aws_sqs_queue.q`: server-side encryption turned off"
        );
        // Off with a KMS key is still encrypted; turned on is no loss.
        assert!(diff_hcl(
            &queue(""),
            &queue("sqs_managed_sse_enabled = false\n  kms_master_key_id = \"alias/aws/sqs\"")
        )
        .modules
        .iter()
        .all(|m| m.changes.is_empty()));
        assert!(diff_hcl(&table("false", "false"), &table("true", "true"))
            .modules
            .iter()
            .all(|m| m.changes.is_empty()));
    }
}
