//! Failure paths: for every asynchronous hand-over (a queue polled by a function, a
//! subscription, a rule or schedule target, a bucket notification, a pipe, a state machine
//! task), where a message or event goes when it cannot be processed — a dead-letter
//! queue, an on-failure destination, a catching state — or nowhere.

use crate::analysis::Analysis;
use crate::components::{Components, Kind};
use crate::graph::{self, Handovers, Mechanism, Redrive};
use crate::inventory::duration;
use crate::resolve::Resolver;
use crate::statemachine;
use tfstack_model::Block;

/// One asynchronous edge and what happens to what fails on it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FailurePath {
    pub source: String,
    pub target: String,
    /// How the hand-over is made (`SQS → Lambda`, `SNS subscription (lambda)`, `task state X`).
    pub trigger: String,
    /// The retries before giving up.
    pub retries: String,
    /// Where failures go.
    pub destination: String,
    /// Nothing keeps what fails.
    pub lost: bool,
    /// What fails ends a workflow execution: nothing handles it, but the execution
    /// history (a Standard workflow, which can also be redriven) or the logs (an Express
    /// workflow logging execution data) keep it.
    pub fails_execution: bool,
    /// The resource that configures the hand-over.
    pub via: String,
}

/// What a function does with a failed asynchronous invocation.
struct AsyncHandling {
    retries: String,
    destination: Option<String>,
}

fn name(components: &Components, id: &str) -> String {
    components
        .get(id)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| id.to_string())
}

fn function_async(a: &Analysis, r: &Resolver, components: &Components, id: &str) -> AsyncHandling {
    let Some(c) = components.get(id) else {
        return AsyncHandling {
            retries: "?".into(),
            destination: None,
        };
    };
    let config = r
        .part_instances(a, c, "aws_lambda_function_event_invoke_config")
        .into_iter()
        .next();
    let attempts = config
        .as_ref()
        .and_then(|(x, instance)| a.number_in(x, "maximum_retry_attempts", instance))
        .unwrap_or(2.0) as i64;
    let age = config
        .as_ref()
        .and_then(|(x, instance)| a.number_in(x, "maximum_event_age_in_seconds", instance))
        .unwrap_or(21_600.0);
    let mut destination = None;
    let on_failure = ["destination_config", "on_failure", "destination"];
    if let Some(dest) = config.as_ref().and_then(|(x, instance)| {
        r.at_or_any_entry(a, x, &on_failure, instance)
            .into_iter()
            .next()
    }) {
        destination = Some(format!(
            "on-failure destination {}",
            name(components, &dest)
        ));
    }
    let function = a.block(&c.primary);
    if destination.is_none() {
        if let Some(dlq) = function.and_then(|f| {
            let e = a
                .nested(f, &["dead_letter_config"])?
                .body
                .get("target_arn")?;
            r.in_block(a, f, e).into_iter().next()
        }) {
            destination = Some(format!("function DLQ {}", name(components, &dlq)));
        }
    }
    if destination.is_none()
        && function.is_some_and(|f| a.may_have_unknown(f, "dead_letter_config"))
    {
        destination = Some("function DLQ (not known before apply)".into());
    }
    AsyncHandling {
        retries: format!("{attempts} retries within {}", duration(age)),
        destination,
    }
}

/// The dead-letter queue of a queue, with its receive count and the queue's instances that
/// have none: its own `redrive_policy`'s, else the first redrive policy resource's that
/// names it.
fn queue_dlq<'r>(
    redrives: &'r [Redrive],
    components: &Components,
    id: &str,
) -> Option<(String, Option<i64>, &'r [String])> {
    redrives
        .iter()
        .find(|r| r.queue == id)
        .map(|r| (name(components, &r.dead_letter), r.receives, &r.missing[..]))
}

fn queue_retention(a: &Analysis, components: &Components, id: &str) -> String {
    components
        .get(id)
        .and_then(|c| a.block(&c.primary))
        .and_then(|q| a.number(q, "message_retention_seconds"))
        .map(duration)
        .unwrap_or_else(|| "4 d".into())
}

/// Where a task failure no `Catch` handles goes: (wording, lost, fails the execution). It
/// fails the execution; a Standard workflow's execution history keeps its input (and the
/// execution can be redriven); an Express workflow keeps no history, so only its
/// CloudWatch logs can keep the input, and with logging off or without the execution
/// data nothing does.
fn uncaught_failure(a: &Analysis, machine: &Block) -> (String, bool, bool) {
    if !statemachine::is_express(a, machine) {
        return (
            "uncaught: the execution fails (its history keeps the input)".into(),
            false,
            true,
        );
    }
    match statemachine::logs_keep_input(a, machine) {
        Some(true) => (
            "uncaught: the execution fails (Express: no history; its logs keep the input)".into(),
            false,
            true,
        ),
        Some(false) => {
            let logging_off = matches!(
                a.text_at(machine, &["logging_configuration", "level"])
                    .as_deref(),
                None | Some("OFF")
            );
            let logs = if logging_off {
                "its logging is off"
            } else {
                "its logs leave out the execution data"
            };
            (
                format!(
                    "nowhere: the execution fails; an Express workflow keeps no history and {logs}"
                ),
                true,
                false,
            )
        }
        None => (
            "uncaught: the execution fails (Express: no history; whether its logs keep the \
             input is not known)"
                .into(),
            false,
            true,
        ),
    }
}

/// Builds the failure paths.
pub(crate) fn build(
    a: &Analysis,
    components: &Components,
    r: &Resolver,
    handovers: &Handovers,
) -> Vec<FailurePath> {
    let mut out = Vec::new();
    for d in &handovers.deliveries {
        let target_kind = components.get(&d.to).map(|c| c.kind);
        let to_function = target_kind == Some(Kind::Function);
        let via_block = a.block(&d.via);
        // (hand-over, retries, where failures go, whether nothing keeps them)
        let (trigger, retries, destination, lost): (String, String, String, bool) = match &d
            .mechanism
        {
            Mechanism::QueuePoll | Mechanism::Pipe => {
                let trigger = if matches!(d.mechanism, Mechanism::Pipe) {
                    "SQS → pipe"
                } else {
                    "SQS → Lambda"
                };
                match queue_dlq(&handovers.redrives, components, &d.from) {
                    Some((dlq, receives, [])) => (
                        trigger.into(),
                        receives
                            .map(|n| format!("{n} receives"))
                            .unwrap_or_else(|| "redrive policy".into()),
                        format!("DLQ {dlq}"),
                        false,
                    ),
                    // Some instances of the queue have no dead-letter queue.
                    Some((dlq, receives, missing)) => (
                        trigger.into(),
                        receives
                            .map(|n| format!("{n} receives"))
                            .unwrap_or_else(|| "redrive policy".into()),
                        format!(
                            "DLQ {dlq}; nowhere in {}: retried until the queue's retention ({}) \
                             ends, then deleted",
                            missing.join(", "),
                            queue_retention(a, components, &d.from)
                        ),
                        true,
                    ),
                    None => (
                        trigger.into(),
                        "until retention ends".into(),
                        format!(
                            "nowhere: retried until the queue's retention ({}) ends, then deleted",
                            queue_retention(a, components, &d.from)
                        ),
                        true,
                    ),
                }
            }
            Mechanism::StreamPoll => {
                let on_failure = ["destination_config", "on_failure", "destination_arn"];
                let dest =
                    via_block.and_then(|m| r.at(a, m, &on_failure, &d.instance).into_iter().next());
                let attempts = via_block
                    .and_then(|m| a.number_in(m, "maximum_retry_attempts", &d.instance))
                    .filter(|n| *n >= 0.0)
                    .map(|n| format!("{} retries", n as i64))
                    .unwrap_or_else(|| "until the records expire".into());
                match dest {
                    Some(x) => (
                        "stream → Lambda".into(),
                        attempts,
                        format!("on-failure destination {}", name(components, &x)),
                        false,
                    ),
                    None => (
                        "stream → Lambda".into(),
                        attempts,
                        "nowhere: the shard waits, then the records expire".into(),
                        true,
                    ),
                }
            }
            Mechanism::Subscription { protocol } => {
                let dlq = via_block
                    .and_then(|s| graph::redrive_in(a, r, s, &d.instance))
                    .map(|(q, _)| name(components, &q));
                let delivery = match &dlq {
                    Some(q) => format!("undelivered: DLQ {q}"),
                    None => "undelivered: nowhere".into(),
                };
                let (retries, processing, processing_lost) = if to_function {
                    let h = function_async(a, r, components, &d.to);
                    let lost = h.destination.is_none();
                    (
                        format!("SNS delivery policy; then {}", h.retries),
                        format!(
                            "; failed in the function: {}",
                            h.destination.unwrap_or_else(|| "nowhere".into())
                        ),
                        lost,
                    )
                } else {
                    ("SNS delivery policy".into(), String::new(), false)
                };
                (
                    format!("SNS subscription ({protocol})"),
                    retries,
                    format!("{delivery}{processing}"),
                    dlq.is_none() || processing_lost,
                )
            }
            Mechanism::RuleTarget { scheduled } => {
                // A schedule's target settings are in its `target` block.
                let target: &[&str] = match via_block {
                    Some(t) if t.is_resource("aws_scheduler_schedule") => &["target"],
                    _ => &[],
                };
                let at = |path: &[&'static str]| [target, path].concat();
                let dlq = via_block
                    .and_then(|t| {
                        r.at(a, t, &at(&["dead_letter_config", "arn"]), &d.instance)
                            .into_iter()
                            .next()
                    })
                    .map(|q| name(components, &q));
                let policy =
                    via_block.and_then(|t| a.nested_in(t, &at(&["retry_policy"]), &d.instance));
                let attempts = policy
                    .as_ref()
                    .and_then(|(p, i)| a.number_in(p, "maximum_retry_attempts", i))
                    .unwrap_or(185.0) as i64;
                let age = policy
                    .as_ref()
                    .and_then(|(p, i)| a.number_in(p, "maximum_event_age_in_seconds", i))
                    .unwrap_or(86_400.0);
                let mut destination = match &dlq {
                    Some(q) => format!("undelivered: DLQ {q}"),
                    None => "undelivered: nowhere".into(),
                };
                let mut lost = dlq.is_none();
                if to_function {
                    let h = function_async(a, r, components, &d.to);
                    lost |= h.destination.is_none();
                    destination.push_str(&format!(
                        "; failed in the function ({}): {}",
                        h.retries,
                        h.destination.unwrap_or_else(|| "nowhere".into())
                    ));
                } else if target_kind == Some(Kind::StateMachine) {
                    destination.push_str("; failed executions: see the state machine's task paths");
                }
                let trigger = if *scheduled {
                    "schedule target"
                } else {
                    "EventBridge rule target"
                };
                (
                    trigger.into(),
                    format!("{attempts} attempts within {}", duration(age)),
                    destination,
                    lost,
                )
            }
            Mechanism::ObjectNotification if to_function => {
                let h = function_async(a, r, components, &d.to);
                let lost = h.destination.is_none();
                (
                    "S3 notification → Lambda".into(),
                    h.retries,
                    h.destination.unwrap_or_else(|| "nowhere".into()),
                    lost,
                )
            }
            Mechanism::ObjectNotification => (
                "S3 notification".into(),
                "S3 retries delivery".into(),
                "the receiving queue or topic's own dead-letter settings".into(),
                false,
            ),
            Mechanism::Task { state } => (
                format!("task state {state}"),
                "see the state machine's task paths".into(),
                "the message is handed over; the receiver's settings apply".into(),
                false,
            ),
        };
        out.push(FailurePath {
            source: name(components, &d.from),
            target: name(components, &d.to),
            trigger,
            retries,
            destination,
            lost,
            fails_execution: false,
            via: d.via.clone(),
        });
    }
    for c in components.of_kind(Kind::StateMachine) {
        let Some(b) = a.block(&c.primary) else {
            continue;
        };
        let Some(def) = statemachine::definition(a, b) else {
            continue;
        };
        let uncaught = uncaught_failure(a, b);
        for task in &def.tasks {
            let targets = graph::task_targets(r, &c.id, task);
            let target = if targets.is_empty() {
                task.integration.clone()
            } else {
                targets
                    .iter()
                    .map(|t| name(components, t))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            // An error is retried by the first retrier that lists it: the most any one
            // error gets is the largest MaxAttempts, not their sum.
            let attempts: u32 = task.retries.iter().map(|(_, n)| *n).max().unwrap_or(0);
            let retries = if task.retries.is_empty() {
                "none".to_string()
            } else {
                format!("up to {attempts} retries")
            };
            let catch_all = task
                .catches
                .iter()
                .find(|(errors, _)| errors.iter().any(|e| e == "States.ALL"))
                .or_else(|| task.catches.first());
            let (destination, lost, fails_execution) = match catch_all {
                Some((errors, next)) => {
                    let handler = def
                        .task(next)
                        .map(|h| graph::task_targets(r, &c.id, h))
                        .unwrap_or_default()
                        .iter()
                        .map(|t| name(components, t))
                        .collect::<Vec<_>>();
                    let handled_by = if handler.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", handler.join(", "))
                    };
                    let which = if errors.iter().any(|e| e == "States.ALL") {
                        String::new()
                    } else {
                        format!(" for {}", errors.join(", "))
                    };
                    (
                        format!("caught{which} → state {next}{handled_by}"),
                        false,
                        false,
                    )
                }
                None => uncaught.clone(),
            };
            out.push(FailurePath {
                source: c.name.clone(),
                target,
                trigger: format!("task state {}", task.name),
                retries,
                fails_execution,
                destination,
                lost,
                via: c.primary.clone(),
            });
        }
    }
    // Paths alike are said once; two hand-overs between the same components that keep
    // their failures differently (two subscriptions of one topic to one queue, each
    // instance with its own dead-letter queue) are two paths.
    out.sort_by(|x, y| shown(x).cmp(&shown(y)));
    out.dedup_by(|x, y| shown(x) == shown(y));
    out
}

/// What the failure paths table shows of a path, in the order it is sorted by.
fn shown(p: &FailurePath) -> (&str, &str, &str, &str, &str) {
    (&p.source, &p.trigger, &p.target, &p.destination, &p.retries)
}
