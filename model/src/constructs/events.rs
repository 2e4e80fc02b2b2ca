//! EventBridge: `EventBus` (a custom bus, with an archive), `Rule` (an event pattern on a
//! bus, or a schedule on the default bus), targets that always have a dead-letter queue and
//! a retry policy — a state machine (through a role allowed `states:StartExecution` on
//! exactly that machine) or a queue (through the queue's policy, scoped to the rule) — and
//! `Pipe`, an EventBridge pipe from an SQS queue to a state machine.
//!
//! ```ignore
//! let bus = EventBus::new(stack, "integration").archive(30).build();
//! bus.grant_put_events(&publisher);
//! let rule = Rule::new(stack, "sync_requested")
//!     .event_bus(&bus)
//!     .event_pattern(json!({ "detail-type": ["sync-requested"] }))
//!     .build();
//! rule.target_state_machine(&machine, &events_dlq, RetryPolicy::new(3600, 3));
//! let daily = Rule::new(stack, "daily_sync").schedule(Schedule::cron("0 4 * * ? *")).build();
//! ```

use super::iam::{Grantee, Role};
use super::naming::camel;
use super::queue::Queue;
use super::stack::{ResourceRef, Stack};
use super::state_machine::StateMachine;
use crate::ir::Expr;
use crate::l1::resources::{
    CloudwatchEventArchive, CloudwatchEventBus, CloudwatchEventRule, CloudwatchEventTarget,
    CloudwatchEventTargetDeadLetterConfig, CloudwatchEventTargetRetryPolicy,
    CloudwatchEventTargetSqsTarget, PipesPipe, PipesPipeSourceParameters,
    PipesPipeSourceParametersSqsQueueParameters, PipesPipeTargetParameters,
    PipesPipeTargetParametersStepFunctionStateMachineParameters,
};
use crate::origin::RustLocation;
use serde_json::Value;

// ---------------------------------------------------------------------------------------
// Bus
// ---------------------------------------------------------------------------------------

/// An event bus under construction.
#[must_use = "call .build() to declare the bus"]
pub struct EventBusBuilder {
    stack: Stack,
    id: String,
    archive_days: Option<i64>,
    location: RustLocation,
}

/// A declared custom event bus.
#[derive(Clone, Debug)]
pub struct EventBus {
    resource: ResourceRef,
    id: String,
    archive: Option<ResourceRef>,
}

impl EventBus {
    /// A custom bus `<prefix>-<env>-<id>`.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> EventBusBuilder {
        EventBusBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            archive_days: None,
            location: RustLocation::caller(),
        }
    }
    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    pub fn name(&self) -> Expr {
        self.resource.name_attr()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
    /// The archive, when the bus has one.
    pub fn archive(&self) -> Option<&ResourceRef> {
        self.archive.as_ref()
    }

    /// Publish events: `events:PutEvents` on exactly this bus.
    #[track_caller]
    pub fn grant_put_events(&self, grantee: &impl Grantee) {
        let location = RustLocation::caller();
        let role = grantee.grantee_role();
        if !role.stack.check_same_stack(&self.resource, location) {
            return;
        }
        role.allow_at(
            &format!("PutEventsOn{}", camel(&self.id)),
            &["events:PutEvents"],
            vec![self.arn()],
            location,
        );
    }
}

impl EventBusBuilder {
    /// Archives every event of the bus for `days` days (replayable).
    pub fn archive(mut self, days: i64) -> Self {
        self.archive_days = Some(days);
        self
    }

    pub fn build(self) -> EventBus {
        let stack = &self.stack;
        let loc = self.location;
        let name = stack.physical_name(&self.id);
        let resource = stack.declare_typed(&self.id, CloudwatchEventBus::new(name.as_str()), loc);
        let archive = self.archive_days.map(|days| {
            if days < 1 {
                stack.error(
                    loc,
                    format!("an archive keeping {days} days keeps nothing"),
                    Some("keep events at least one day (0 means forever)"),
                );
            }
            if name.len() > 48 {
                stack.error(
                    loc,
                    format!("archive name `{name}` is longer than 48 characters"),
                    None,
                );
            }
            let archive = CloudwatchEventArchive::new(resource.arn(), name.as_str())
                .description(format!("Every event of {name}, replayable for {days} days"))
                .retention_days(days);
            stack.declare_typed(&self.id, archive, loc)
        });
        EventBus {
            resource,
            id: self.id,
            archive,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rules and targets
// ---------------------------------------------------------------------------------------

/// A schedule expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule(String);

impl Schedule {
    /// `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`, in UTC:
    /// `Schedule::cron("0 4 * * ? *")` runs daily at 04:00 UTC.
    pub fn cron(fields: &str) -> Schedule {
        Schedule(format!("cron({fields})"))
    }
    /// `rate(<n> <unit>)`: `Schedule::rate(5, "minutes")`.
    pub fn rate(n: i64, unit: &str) -> Schedule {
        Schedule(format!("rate({n} {unit})"))
    }
    pub fn expression(&self) -> &str {
        &self.0
    }

    /// Why the expression is not one EventBridge accepts, if it is not.
    fn problem(&self) -> Option<String> {
        if let Some(fields) = self
            .0
            .strip_prefix("cron(")
            .and_then(|s| s.strip_suffix(')'))
        {
            let f: Vec<&str> = fields.split_whitespace().collect();
            if f.len() != 6 {
                return Some(format!(
                    "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), `{fields}` has {}",
                    f.len()
                ));
            }
            // One of day-of-month and day-of-week must be `?`.
            if (f[2] == "?") == (f[4] == "?") {
                return Some(format!(
                    "exactly one of day-of-month (`{}`) and day-of-week (`{}`) must be `?`",
                    f[2], f[4]
                ));
            }
            None
        } else if let Some(body) = self
            .0
            .strip_prefix("rate(")
            .and_then(|s| s.strip_suffix(')'))
        {
            let mut parts = body.split_whitespace();
            let n: Option<i64> = parts.next().and_then(|n| n.parse().ok());
            let unit = parts.next().unwrap_or("");
            match n {
                Some(n) if n >= 1 => {
                    let ok = if n == 1 {
                        ["minute", "hour", "day"].contains(&unit)
                    } else {
                        ["minutes", "hours", "days"].contains(&unit)
                    };
                    (!ok).then(|| format!("`{unit}` is not a rate unit for {n}"))
                }
                _ => Some(format!("`{body}` is not a positive rate")),
            }
        } else {
            Some(format!("`{}` is neither `cron(…)` nor `rate(…)`", self.0))
        }
    }
}

/// How long and how often EventBridge retries a target before the dead-letter queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub maximum_event_age_seconds: i64,
    pub maximum_retry_attempts: i64,
}

impl RetryPolicy {
    pub fn new(maximum_event_age_seconds: i64, maximum_retry_attempts: i64) -> RetryPolicy {
        RetryPolicy {
            maximum_event_age_seconds,
            maximum_retry_attempts,
        }
    }
}

/// A rule under construction.
#[must_use = "call .build() to declare the rule"]
pub struct RuleBuilder {
    stack: Stack,
    id: String,
    bus: Option<EventBus>,
    pattern: Option<Value>,
    schedule: Option<Schedule>,
    description: Option<String>,
    location: RustLocation,
}

/// A declared rule.
#[derive(Clone, Debug)]
pub struct Rule {
    stack: Stack,
    id: String,
    resource: ResourceRef,
    bus_name: Option<Expr>,
}

impl Rule {
    /// A rule `<prefix>-<env>-<id>`: give it an event pattern (and a bus) or a schedule.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> RuleBuilder {
        RuleBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            bus: None,
            pattern: None,
            schedule: None,
            description: None,
            location: RustLocation::caller(),
        }
    }
    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }

    /// Starts an execution of `machine` per event, through a role allowed
    /// `states:StartExecution` on exactly that machine; events EventBridge cannot deliver
    /// within `retry` go to `dead_letter` (a standard queue).
    #[track_caller]
    pub fn target_state_machine(
        &self,
        machine: &StateMachine,
        dead_letter: &Queue,
        retry: RetryPolicy,
    ) -> ResourceRef {
        let location = RustLocation::caller();
        let role = Role::create(
            &self.stack,
            &format!("{}_target", self.id),
            "events.amazonaws.com",
            location,
        );
        machine.grant_start_execution_at(&role, location);
        let target = self
            .target_base(machine.arn(), dead_letter, retry, location)
            .role_arn(role.arn());
        self.stack
            .declare_typed(&format!("{}_state_machine", self.id), target, location)
    }

    /// Sends each event to `queue` (a FIFO queue gets `message_group_id`), allowed by the
    /// queue's policy for this rule only; undeliverable events go to `dead_letter`.
    #[track_caller]
    pub fn target_queue(
        &self,
        queue: &Queue,
        message_group_id: Option<&str>,
        dead_letter: &Queue,
        retry: RetryPolicy,
    ) -> ResourceRef {
        let location = RustLocation::caller();
        if queue.is_fifo() != message_group_id.is_some() {
            self.stack.error(
                location,
                if queue.is_fifo() {
                    "a FIFO queue target needs a message group ID"
                } else {
                    "a message group ID needs a FIFO queue"
                },
                Some("pass `Some(\"group\")` for FIFO queues and `None` for standard ones"),
            );
        }
        if queue.is_fifo() && !queue.has_content_based_deduplication() {
            // Rule targets cannot pass a deduplication ID: SQS would refuse every message.
            self.stack.error(
                location,
                format!(
                    "FIFO queue `{}` needs content-based deduplication to receive EventBridge events",
                    queue.resource().address()
                ),
                Some("declare it with `.content_based_deduplication()`"),
            );
        }
        queue.allow_service_send_at("events.amazonaws.com", self.arn(), location);
        let mut target = self.target_base(queue.arn(), dead_letter, retry, location);
        if let Some(group) = message_group_id {
            target =
                target.sqs_target(CloudwatchEventTargetSqsTarget::new().message_group_id(group));
        }
        self.stack
            .declare_typed(&format!("{}_queue", self.id), target, location)
    }

    fn target_base(
        &self,
        arn: Expr,
        dead_letter: &Queue,
        retry: RetryPolicy,
        location: RustLocation,
    ) -> CloudwatchEventTarget {
        if dead_letter.is_fifo() {
            self.stack.error(
                location,
                format!(
                    "`{}` is a FIFO queue; EventBridge dead-letter queues must be standard queues",
                    dead_letter.resource().address()
                ),
                Some("use `Queue::dead_letter(stack, id)`"),
            );
        }
        if !(60..=86400).contains(&retry.maximum_event_age_seconds)
            || !(0..=185).contains(&retry.maximum_retry_attempts)
        {
            self.stack.error(
                location,
                format!(
                    "retry policy of {} s / {} attempts is outside EventBridge's 60–86400 s / 0–185",
                    retry.maximum_event_age_seconds, retry.maximum_retry_attempts
                ),
                None,
            );
        }
        dead_letter.allow_service_send_at("events.amazonaws.com", self.arn(), location);
        let mut target = CloudwatchEventTarget::new(arn, self.resource.name_attr())
            .dead_letter_config(CloudwatchEventTargetDeadLetterConfig::new().arn(dead_letter.arn()))
            .retry_policy(
                CloudwatchEventTargetRetryPolicy::new()
                    .maximum_event_age_in_seconds(retry.maximum_event_age_seconds)
                    .maximum_retry_attempts(retry.maximum_retry_attempts),
            );
        if let Some(bus) = &self.bus_name {
            target = target.event_bus_name(bus.clone());
        }
        target
    }
}

impl RuleBuilder {
    /// The bus the rule listens on (default: the account's default bus).
    pub fn event_bus(mut self, bus: &EventBus) -> Self {
        self.bus = Some(bus.clone());
        self
    }
    /// The events that match (an EventBridge event pattern).
    pub fn event_pattern(mut self, pattern: Value) -> Self {
        self.pattern = Some(pattern);
        self
    }
    /// Runs on a schedule instead (default bus only).
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = Some(schedule);
        self
    }
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_string());
        self
    }

    pub fn build(self) -> Rule {
        let stack = &self.stack;
        let loc = self.location;
        let name = stack.physical_name(&self.id);
        let mut rule = CloudwatchEventRule::new().name(name.as_str());
        match (&self.pattern, &self.schedule) {
            (None, None) | (Some(_), Some(_)) => stack.error(
                loc,
                "a rule needs exactly one of an event pattern or a schedule",
                Some("call `.event_pattern(…)` or `.schedule(…)`"),
            ),
            _ => {}
        }
        if let Some(p) = &self.pattern {
            if !p.is_object() {
                stack.error(loc, "an event pattern is a JSON object", None);
            }
            rule = rule.event_pattern(Expr::call("jsonencode", vec![json_to_expr(p)]));
        }
        if let Some(s) = &self.schedule {
            if let Some(problem) = s.problem() {
                stack.error(loc, format!("invalid schedule: {problem}"), None);
            }
            if self.bus.is_some() {
                stack.error(
                    loc,
                    "schedules only run on the default event bus",
                    Some("drop `.event_bus(…)` from the scheduled rule"),
                );
            }
            rule = rule.schedule_expression(s.expression());
        }
        if let Some(d) = &self.description {
            rule = rule.description(d.as_str());
        }
        let bus_name = self.bus.as_ref().map(EventBus::name);
        if let Some(b) = &bus_name {
            rule = rule.event_bus_name(b.clone());
        }
        let resource = stack.declare_typed(&self.id, rule, loc);
        Rule {
            stack: stack.clone(),
            id: self.id,
            resource,
            bus_name,
        }
    }
}

/// A JSON value as the HCL expression `jsonencode` turns back into it.
fn json_to_expr(v: &Value) -> Expr {
    match v {
        Value::Null => Expr::null(),
        Value::Bool(b) => Expr::bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Expr::int(i),
            None => Expr::float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Expr::string(s.clone()),
        Value::Array(items) => Expr::tuple(items.iter().map(json_to_expr).collect()),
        Value::Object(m) => Expr::object(
            m.iter()
                .map(|(k, v)| (k.clone(), json_to_expr(v)))
                .collect(),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Pipes
// ---------------------------------------------------------------------------------------

/// An EventBridge pipe from an SQS queue to a state machine.
#[derive(Clone, Debug)]
pub struct Pipe {
    resource: ResourceRef,
    role: Role,
}

impl Pipe {
    /// Starts an execution of `machine` (asynchronously: standard workflows only run
    /// fire-and-forget) for each message of `queue`, one message per execution. A message
    /// whose execution cannot be started returns to the queue, and after 5 receives goes
    /// to the queue's dead-letter queue.
    #[track_caller]
    pub fn sqs_to_state_machine(
        stack: &Stack,
        id: &str,
        queue: &Queue,
        machine: &StateMachine,
    ) -> Pipe {
        let location = RustLocation::caller();
        let name = stack.physical_name(id);
        if name.len() > 64 {
            stack.error(
                location,
                format!("pipe name `{name}` is longer than 64 characters"),
                None,
            );
        }
        let role = Role::create(stack, id, "pipes.amazonaws.com", location);
        queue.grant_consume_at(&role, location);
        machine.grant_start_execution_at(&role, location);
        let pipe = PipesPipe::new(role.arn(), queue.arn(), machine.arn())
            .name(name.as_str())
            .description("Starts one execution per queued message")
            .source_parameters(PipesPipeSourceParameters::new().sqs_queue_parameters(
                PipesPipeSourceParametersSqsQueueParameters::new().batch_size(1),
            ))
            .target_parameters(
                PipesPipeTargetParameters::new().step_function_state_machine_parameters(
                    PipesPipeTargetParametersStepFunctionStateMachineParameters::new(
                        "FIRE_AND_FORGET",
                    ),
                ),
            );
        let policy = ResourceRef {
            stack_id: role.resource().stack_id,
            kind: "resource",
            resource_type: "aws_iam_role_policy".to_string(),
            name: id.to_string(),
        };
        // The pipe checks its role's permissions when it is created.
        let resource = stack.declare_typed_after(id, pipe, &[&policy], location);
        Pipe { resource, role }
    }
    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
    pub fn role(&self) -> &Role {
        &self.role
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::function::{Code, Function, Runtime};
    use crate::constructs::state_machine::{Definition, Task};
    use crate::environment::Environment;
    use serde_json::json;

    fn machine(stack: &Stack) -> StateMachine {
        let f = Function::new(
            stack,
            "f",
            Runtime::Python311,
            "app.handler",
            Code::directory("."),
        )
        .build();
        StateMachine::new(
            stack,
            "sync",
            Definition::new("Run").state("Run", Task::invoke(&f).end()),
        )
        .build()
    }

    #[test]
    fn schedules() {
        assert_eq!(Schedule::cron("0 4 * * ? *").problem(), None);
        assert!(Schedule::cron("0 4 * * *").problem().is_some());
        assert!(Schedule::cron("0 4 * * 1 *").problem().is_some());
        assert_eq!(Schedule::rate(5, "minutes").problem(), None);
        assert!(Schedule::rate(1, "minutes").problem().is_some());
    }

    #[test]
    fn state_machine_target_has_dlq_retry_and_scoped_role() {
        let stack = Stack::new("svc", Environment::prod());
        let m = machine(&stack);
        let dlq = Queue::dead_letter(&stack, "events_dlq");
        let bus = EventBus::new(&stack, "bus").archive(30).build();
        assert!(bus.archive().is_some());
        let rule = Rule::new(&stack, "requested")
            .event_bus(&bus)
            .event_pattern(json!({ "detail-type": ["sync-requested"] }))
            .build();
        rule.target_state_machine(&m, &dlq, RetryPolicy::new(3600, 3));
        let daily = Rule::new(&stack, "daily")
            .schedule(Schedule::cron("0 4 * * ? *"))
            .build();
        daily.target_state_machine(&m, &dlq, RetryPolicy::new(3600, 3));
        let out = stack.finish().expect("synthesizes");
        let target = out
            .config
            .resource("aws_cloudwatch_event_target", "requested_state_machine")
            .unwrap();
        assert!(target.body.block("dead_letter_config").is_some());
        assert!(target.body.block("retry_policy").is_some());
        assert_eq!(
            target.body.get("event_bus_name").map(|e| e.to_string()),
            Some("aws_cloudwatch_event_bus.bus.name".into())
        );
        let StackFile::Text { text, .. } = out
            .files
            .get("policies/svc-prod-requested-target-policy.json")
            .unwrap()
        else {
            panic!("text")
        };
        assert!(text.contains("states:StartExecution"), "{text}");
        assert!(text.contains("${sfn_state_machine_sync_arn}"), "{text}");
        let archive = out
            .config
            .resource("aws_cloudwatch_event_archive", "bus")
            .unwrap();
        assert_eq!(
            archive.body.get("retention_days").map(|e| e.to_string()),
            Some("30".into())
        );
        let schedule = out
            .config
            .resource("aws_cloudwatch_event_rule", "daily")
            .unwrap();
        assert_eq!(
            schedule
                .body
                .get("schedule_expression")
                .map(|e| e.to_string()),
            Some("\"cron(0 4 * * ? *)\"".into())
        );
        assert!(out
            .config
            .resource("aws_sqs_queue_policy", "events_dlq")
            .is_some());
    }

    #[test]
    fn schedule_on_a_custom_bus_is_an_error() {
        let stack = Stack::new("svc", Environment::dev());
        let bus = EventBus::new(&stack, "bus").build();
        let _ = Rule::new(&stack, "daily")
            .event_bus(&bus)
            .schedule(Schedule::cron("0 4 * * ? *"))
            .build();
        let errors = stack.finish().unwrap_err();
        assert!(errors[0].message.contains("default event bus"));
    }

    #[test]
    fn fifo_queue_target_needs_a_group_and_content_based_deduplication() {
        let stack = Stack::new("svc", Environment::dev());
        let dlq = Queue::dead_letter(&stack, "events_dlq");
        let jobs = Queue::fifo(&stack, "jobs").build();
        let bus = EventBus::new(&stack, "bus").build();
        let rule = Rule::new(&stack, "queued")
            .event_bus(&bus)
            .event_pattern(json!({ "detail-type": ["queued"] }))
            .build();
        rule.target_queue(&jobs, None, &dlq, RetryPolicy::new(3600, 3));
        let errors = stack.finish().unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("needs a message group ID")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("content-based deduplication")),
            "{messages:?}"
        );
    }

    use crate::constructs::StackFile;
}
