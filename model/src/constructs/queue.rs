//! `Queue`: an SQS queue (standard or FIFO) that always comes with its dead-letter queue —
//! a FIFO one for a FIFO queue, keeping messages 14 days, longer than the source (a message
//! keeps its original enqueue time when SQS moves it, so a shorter dead-letter retention
//! would drop it early) — a redrive policy after 5 receives, server-side encryption (SQS
//! managed, or a KMS key), and grants on its exact ARN.
//!
//! Every queue long-polls (`receive_wait_time_seconds = 20`).
//!
//! `subscribe` wires a Lambda consumer and checks AWS's advice that the visibility timeout
//! be at least six times the function's timeout (otherwise a message still being processed
//! becomes visible again and is delivered twice). The mapping reports partial batch
//! failures (`ReportBatchItemFailures`): the handler returns
//! `{"batchItemFailures": [{"itemIdentifier": "<messageId>"}, …]}` naming the messages it
//! could not process, and only those are retried (an empty list, or no failures, deletes
//! the whole batch; raising an error retries the whole batch). Services (EventBridge) get send access
//! through the queue policy, scoped to the sending resource.
//!
//! ```ignore
//! let jobs = Queue::fifo(stack, "sync_jobs").visibility_timeout_seconds(300).build();
//! jobs.subscribe(&worker, 10);             // error unless 300 >= 6 × worker timeout
//! jobs.grant_send(&producer);
//! let dlq = Queue::dead_letter(stack, "events_dlq"); // a lone DLQ for EventBridge targets
//! ```

use super::function::Function;
use super::iam::{policy_string, resource_policy_file, Grantee, Role};
use super::naming::camel;
use super::stack::{ResourceRef, Stack};
use crate::iam::{Effect, PolicyDocument, Principal, Statement};
use crate::ir::Expr;
use crate::l1::resources::{SqsQueue, SqsQueuePolicy};
use crate::origin::{Origin, RustLocation};
use std::cell::RefCell;
use std::rc::Rc;

/// Dead-letter queues keep messages 14 days, SQS's maximum.
pub const DEAD_LETTER_RETENTION_SECONDS: i64 = 14 * 24 * 3600;
/// Receives before SQS moves a message to the dead-letter queue.
pub const MAX_RECEIVE_COUNT: i64 = 5;
/// AWS's advice: visibility timeout ≥ 6 × the consuming function's timeout.
pub const VISIBILITY_TIMEOUT_FACTOR: i64 = 6;
/// Long polling: a receive waits up to 20 s (SQS's maximum) for a message instead of
/// answering empty at once, so idle consumers make (and pay for) far fewer requests.
pub const RECEIVE_WAIT_SECONDS: i64 = 20;

/// How a queue is encrypted at rest.
#[derive(Clone, Debug, PartialEq)]
pub enum QueueEncryption {
    /// SQS managed keys (SSE-SQS).
    SqsManaged,
    /// A KMS key (its ARN); senders and consumers also get the key permissions.
    Kms(Expr),
}

/// A queue under construction.
#[must_use = "call .build() to declare the queue"]
pub struct QueueBuilder {
    stack: Stack,
    id: String,
    fifo: bool,
    content_based_deduplication: bool,
    visibility_timeout_seconds: i64,
    retention_seconds: i64,
    encryption: QueueEncryption,
    location: RustLocation,
}

/// A declared queue. Cheap to clone.
#[derive(Clone)]
pub struct Queue(Rc<QueueInner>);

struct QueueInner {
    stack: Stack,
    id: String,
    resource: ResourceRef,
    /// `None` only for a queue that is itself a dead-letter queue.
    dead_letter: Option<ResourceRef>,
    fifo: bool,
    content_based_deduplication: bool,
    visibility_timeout_seconds: i64,
    encryption: QueueEncryption,
    /// Services allowed to send, with the source ARN each is limited to.
    service_senders: RefCell<Vec<(String, Expr, RustLocation)>>,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Queue({})", self.0.resource.address())
    }
}

impl Queue {
    /// A standard queue `id` with its dead-letter queue `id_dlq`.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> QueueBuilder {
        QueueBuilder::new(stack, id, false, RustLocation::caller())
    }

    /// A FIFO queue `id` (`….fifo`) with its FIFO dead-letter queue.
    #[track_caller]
    pub fn fifo(stack: &Stack, id: &str) -> QueueBuilder {
        QueueBuilder::new(stack, id, true, RustLocation::caller())
    }

    /// A standard queue that is itself a dead-letter queue (for EventBridge targets or
    /// Lambda functions): 14 days' retention, encrypted, no redrive of its own.
    #[track_caller]
    pub fn dead_letter(stack: &Stack, id: &str) -> Queue {
        Queue::dead_letter_at(stack, id, RustLocation::caller())
    }

    /// [`Queue::dead_letter`] at `location`.
    pub(crate) fn dead_letter_at(stack: &Stack, id: &str, location: RustLocation) -> Queue {
        let name = stack.physical_name(id);
        let name = if name.ends_with("-dlq") {
            name
        } else {
            format!("{name}-dlq")
        };
        check_name(stack, &name, location);
        let queue = SqsQueue::new()
            .name(name.as_str())
            .message_retention_seconds(DEAD_LETTER_RETENTION_SECONDS)
            .receive_wait_time_seconds(RECEIVE_WAIT_SECONDS)
            .sqs_managed_sse_enabled(true);
        let resource = stack.declare_typed(id, queue, location);
        Queue::declared(QueueInner {
            stack: stack.clone(),
            id: id.to_string(),
            resource,
            dead_letter: None,
            fifo: false,
            content_based_deduplication: false,
            visibility_timeout_seconds: 30,
            encryption: QueueEncryption::SqsManaged,
            service_senders: RefCell::new(Vec::new()),
        })
    }

    fn declared(inner: QueueInner) -> Queue {
        let stack = inner.stack.clone();
        let queue = Queue(Rc::new(inner));
        let q = queue.clone();
        stack.add_finalizer(Box::new(move |stack| q.declare_policy(stack)));
        queue
    }

    pub fn arn(&self) -> Expr {
        self.0.resource.arn()
    }
    pub fn url(&self) -> Expr {
        self.0.resource.attr("url")
    }
    pub fn name(&self) -> Expr {
        self.0.resource.name_attr()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.0.resource
    }
    pub fn is_fifo(&self) -> bool {
        self.0.fifo
    }
    /// FIFO queues: whether SQS deduplicates on the body's hash.
    pub fn has_content_based_deduplication(&self) -> bool {
        self.0.content_based_deduplication
    }
    pub fn visibility_timeout_seconds(&self) -> i64 {
        self.0.visibility_timeout_seconds
    }
    /// The dead-letter queue (`None` when this queue is one).
    pub fn dead_letter_queue(&self) -> Option<&ResourceRef> {
        self.0.dead_letter.as_ref()
    }

    /// Send messages (and, with a KMS key, encrypt them).
    #[track_caller]
    pub fn grant_send(&self, grantee: &impl Grantee) {
        let location = RustLocation::caller();
        self.grant(grantee, "Send", &["sqs:SendMessage"], location);
        self.grant_key(grantee, &["kms:Decrypt", "kms:GenerateDataKey"], location);
    }

    /// Receive, delete and change the visibility of messages (and decrypt them).
    #[track_caller]
    pub fn grant_consume(&self, grantee: &impl Grantee) {
        self.grant_consume_at(grantee.grantee_role(), RustLocation::caller());
    }

    pub(crate) fn grant_consume_at(&self, role: &Role, location: RustLocation) {
        self.grant(role, "Consume", &CONSUME_ACTIONS, location);
        self.grant_key(role, &["kms:Decrypt"], location);
    }

    /// `function` consumes this queue in batches of `batch_size` (an event source mapping
    /// reporting partial batch failures: the handler returns
    /// `{"batchItemFailures": [{"itemIdentifier": "<messageId>"}]}` for the messages to
    /// retry). A synth error unless the visibility timeout is at least six times the
    /// function's timeout, or when `function` already consumes this queue.
    #[track_caller]
    pub fn subscribe(&self, function: &Function, batch_size: i64) -> ResourceRef {
        let location = RustLocation::caller();
        let stack = &self.0.stack;
        stack.check_same_stack(function.resource(), location);
        let timeout = function.timeout_seconds();
        let needed = VISIBILITY_TIMEOUT_FACTOR * timeout;
        if self.0.visibility_timeout_seconds < needed {
            stack.error(
                location,
                format!(
                    "visibility timeout of `{}` ({} s) is shorter than 6 × the timeout of `{}` ({} s)",
                    self.0.resource.address(),
                    self.0.visibility_timeout_seconds,
                    function.resource().address(),
                    timeout
                ),
                Some(&format!(
                    "set the queue's visibility timeout to at least {needed} s (AWS recommends six times the function timeout), or shorten the function's timeout"
                )),
            );
        }
        let max_batch = 10;
        if !(1..=max_batch).contains(&batch_size) {
            stack.error(
                location,
                format!("batch size {batch_size} is outside 1–{max_batch}"),
                Some(
                    "SQS event sources take up to 10 messages per batch without a batching window",
                ),
            );
        }
        self.grant_key(function, &["kms:Decrypt"], location);
        function.consume_queue(self.arn(), batch_size)
    }

    /// Lets `service` (e.g. `events.amazonaws.com`) send messages, only on behalf of
    /// `source_arn` (`aws:SourceArn`), through the queue policy.
    #[track_caller]
    pub fn allow_service_send(&self, service: &str, source_arn: Expr) {
        self.allow_service_send_at(service, source_arn, RustLocation::caller());
    }

    pub(crate) fn allow_service_send_at(
        &self,
        service: &str,
        source_arn: Expr,
        location: RustLocation,
    ) {
        let mut senders = self.0.service_senders.borrow_mut();
        if !senders
            .iter()
            .any(|(s, a, _)| s == service && *a == source_arn)
        {
            senders.push((service.to_string(), source_arn, location));
        }
    }

    fn grant(&self, grantee: &impl Grantee, what: &str, actions: &[&str], location: RustLocation) {
        let role = grantee.grantee_role();
        if !role.stack.check_same_stack(&self.0.resource, location) {
            return;
        }
        let sid = format!("{}{}", camel(&self.0.id), what);
        role.allow_at(&sid, actions, vec![self.arn()], location);
    }

    fn grant_key(&self, grantee: &impl Grantee, actions: &[&str], location: RustLocation) {
        if let QueueEncryption::Kms(key) = &self.0.encryption {
            let sid = format!("{}Key", camel(&self.0.id));
            grantee
                .grantee_role()
                .allow_at(&sid, actions, vec![key.clone()], location);
        }
    }

    /// The queue policy, once every sender is known.
    fn declare_policy(&self, stack: &Stack) {
        let senders = self.0.service_senders.borrow();
        let Some((_, _, first)) = senders.first() else {
            return;
        };
        let mut statements = Vec::new();
        for (i, (service, source, location)) in senders.iter().enumerate() {
            let sid = format!("Allow{}Send{}", camel(&service_slug(service)), i + 1);
            statements.push(
                Statement::new(Effect::Allow, Origin::rust(*location))
                    .sid(sid)
                    .principal(Principal::service(service))
                    .actions(["sqs:SendMessage"])
                    .resources([policy_string(&self.arn())])
                    .condition("ArnEquals", "aws:SourceArn", &[&policy_string(source)]),
            );
        }
        let document = PolicyDocument::new(statements);
        let file = format!("{}-queue-policy.json", stack.physical_name(&self.0.id));
        let policy = resource_policy_file(stack, &file, &document);
        stack.declare_typed(&self.0.id, SqsQueuePolicy::new(policy, self.url()), *first);
    }
}

const CONSUME_ACTIONS: [&str; 4] = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
];

/// `events.amazonaws.com` → `events`.
fn service_slug(service: &str) -> String {
    service.split('.').next().unwrap_or(service).to_string()
}

/// SQS names: 1–80 characters, letters, digits, `-`, `_` (and the `.fifo` suffix).
fn check_name(stack: &Stack, name: &str, location: RustLocation) {
    let base = name.strip_suffix(".fifo").unwrap_or(name);
    if name.len() > 80
        || base.is_empty()
        || !base
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        stack.error(
            location,
            format!("queue name `{name}` is not a valid SQS name"),
            Some("SQS names have 1–80 letters, digits, `-` or `_` (FIFO names end with `.fifo`)"),
        );
    }
}

impl QueueBuilder {
    fn new(stack: &Stack, id: &str, fifo: bool, location: RustLocation) -> QueueBuilder {
        QueueBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            fifo,
            content_based_deduplication: false,
            visibility_timeout_seconds: 30,
            // SQS's default, well inside the dead-letter queue's 14 days.
            retention_seconds: 4 * 24 * 3600,
            encryption: QueueEncryption::SqsManaged,
            location,
        }
    }
    /// How long a received message stays invisible to other consumers (0–43200 s).
    pub fn visibility_timeout_seconds(mut self, seconds: i64) -> Self {
        self.visibility_timeout_seconds = seconds;
        self
    }
    /// How long the queue keeps a message (60 s – 14 days, and shorter than its
    /// dead-letter queue's 14 days).
    pub fn retention_seconds(mut self, seconds: i64) -> Self {
        self.retention_seconds = seconds;
        self
    }
    /// FIFO only: deduplicate on a hash of the body when senders give no deduplication ID.
    pub fn content_based_deduplication(mut self) -> Self {
        self.content_based_deduplication = true;
        self
    }
    /// Encrypts with a KMS key (its ARN) instead of SQS managed keys.
    pub fn encryption_key(mut self, key_arn: Expr) -> Self {
        self.encryption = QueueEncryption::Kms(key_arn);
        self
    }

    pub fn build(self) -> Queue {
        let stack = &self.stack;
        let loc = self.location;
        if !(0..=43200).contains(&self.visibility_timeout_seconds) {
            stack.error(
                loc,
                format!(
                    "visibility timeout of {} s is outside SQS's 0–43200 s",
                    self.visibility_timeout_seconds
                ),
                None,
            );
        }
        if self.retention_seconds < 60 || self.retention_seconds >= DEAD_LETTER_RETENTION_SECONDS {
            stack.error(
                loc,
                format!(
                    "retention of {} s must be at least 60 s and shorter than the dead-letter queue's {} s",
                    self.retention_seconds, DEAD_LETTER_RETENTION_SECONDS
                ),
                Some("a message keeps its enqueue time in the dead-letter queue: the source must expire messages before the dead-letter queue does"),
            );
        }
        if self.content_based_deduplication && !self.fifo {
            stack.error(
                loc,
                "content-based deduplication needs a FIFO queue",
                Some("declare it with `Queue::fifo`"),
            );
        }
        let suffix = if self.fifo { ".fifo" } else { "" };
        let base = stack.physical_name(&self.id);
        let name = format!("{base}{suffix}");
        let dlq_name = format!("{base}-dlq{suffix}");
        check_name(stack, &dlq_name, loc);

        let encrypt = |q: SqsQueue| match &self.encryption {
            QueueEncryption::SqsManaged => q.sqs_managed_sse_enabled(true),
            QueueEncryption::Kms(key) => q
                .kms_master_key_id(key.clone())
                .kms_data_key_reuse_period_seconds(300),
        };
        let mut dlq = SqsQueue::new()
            .name(dlq_name.as_str())
            .message_retention_seconds(DEAD_LETTER_RETENTION_SECONDS)
            .receive_wait_time_seconds(RECEIVE_WAIT_SECONDS);
        if self.fifo {
            dlq = dlq.fifo_queue(true);
        }
        let dlq = stack.declare_typed(&format!("{}_dlq", self.id), encrypt(dlq), loc);

        let redrive = Expr::call(
            "jsonencode",
            vec![Expr::object(vec![
                ("deadLetterTargetArn", dlq.arn()),
                ("maxReceiveCount", Expr::int(MAX_RECEIVE_COUNT)),
            ])],
        );
        let mut queue = SqsQueue::new()
            .name(name.as_str())
            .visibility_timeout_seconds(self.visibility_timeout_seconds)
            .message_retention_seconds(self.retention_seconds)
            .receive_wait_time_seconds(RECEIVE_WAIT_SECONDS)
            .redrive_policy(redrive);
        if self.fifo {
            queue = queue.fifo_queue(true);
            if self.content_based_deduplication {
                queue = queue.content_based_deduplication(true);
            }
        }
        let resource = stack.declare_typed(&self.id, encrypt(queue), loc);
        Queue::declared(QueueInner {
            stack: stack.clone(),
            id: self.id.clone(),
            resource,
            dead_letter: Some(dlq),
            fifo: self.fifo,
            content_based_deduplication: self.content_based_deduplication,
            visibility_timeout_seconds: self.visibility_timeout_seconds,
            encryption: self.encryption.clone(),
            service_senders: RefCell::new(Vec::new()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::function::{Code, Function, Runtime};
    use crate::environment::Environment;

    /// A Python function `worker` with `timeout` seconds.
    fn worker(stack: &Stack, timeout: i64) -> Function {
        Function::new(
            stack,
            "worker",
            Runtime::Python311,
            "app.handler",
            Code::directory("."),
        )
        .timeout_seconds(timeout)
        .build()
    }

    fn attr(out: &crate::constructs::StackOutput, t: &str, n: &str, a: &str) -> String {
        out.config
            .resource(t, n)
            .and_then(|b| b.body.get(a))
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn fifo_queue_gets_a_fifo_dead_letter_queue_with_longer_retention() {
        let stack = Stack::new("svc", Environment::prod());
        let q = Queue::fifo(&stack, "jobs")
            .visibility_timeout_seconds(300)
            .build();
        assert!(q.is_fifo());
        let out = stack.finish().expect("synthesizes");
        assert_eq!(
            attr(&out, "aws_sqs_queue", "jobs", "name"),
            "\"svc-prod-jobs.fifo\""
        );
        assert_eq!(
            attr(&out, "aws_sqs_queue", "jobs_dlq", "name"),
            "\"svc-prod-jobs-dlq.fifo\""
        );
        assert_eq!(
            attr(&out, "aws_sqs_queue", "jobs_dlq", "fifo_queue"),
            "true"
        );
        assert_eq!(
            attr(
                &out,
                "aws_sqs_queue",
                "jobs_dlq",
                "message_retention_seconds"
            ),
            "1209600"
        );
        assert_eq!(
            attr(&out, "aws_sqs_queue", "jobs", "message_retention_seconds"),
            "345600"
        );
        let redrive = attr(&out, "aws_sqs_queue", "jobs", "redrive_policy");
        assert!(redrive.contains("aws_sqs_queue.jobs_dlq.arn"), "{redrive}");
        assert!(redrive.contains("maxReceiveCount"), "{redrive}");
        assert_eq!(
            attr(&out, "aws_sqs_queue", "jobs", "sqs_managed_sse_enabled"),
            "true"
        );
    }

    #[test]
    fn visibility_timeout_shorter_than_six_function_timeouts_is_an_error() {
        let stack = Stack::new("svc", Environment::dev());
        let f = worker(&stack, 60);
        let q = Queue::new(&stack, "jobs")
            .visibility_timeout_seconds(300)
            .build();
        q.subscribe(&f, 10);
        let line = line!() - 1;
        let errors = stack.finish().unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("shorter than 6 × the timeout"));
        assert!(errors[0].help.as_deref().unwrap_or("").contains("360 s"));
        assert_eq!(errors[0].location.map(|l| l.line), Some(line));
    }

    #[test]
    fn long_enough_visibility_timeout_subscribes_with_grants() {
        let stack = Stack::new("svc", Environment::dev());
        let f = worker(&stack, 30);
        let q = Queue::fifo(&stack, "jobs")
            .visibility_timeout_seconds(300)
            .build();
        q.subscribe(&f, 10);
        let out = stack.finish().expect("synthesizes");
        assert!(out
            .config
            .resource("aws_lambda_event_source_mapping", "worker_source")
            .is_some());
    }

    #[test]
    fn subscribing_a_function_twice_to_one_queue_is_an_error_at_the_second_call() {
        let stack = Stack::new("svc", Environment::dev());
        let f = worker(&stack, 10);
        let q = Queue::new(&stack, "jobs")
            .visibility_timeout_seconds(60)
            .build();
        q.subscribe(&f, 10);
        q.subscribe(&f, 5);
        let line = line!() - 1;
        let errors = stack.finish().expect_err("a second mapping");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0]
                .message
                .contains("already reads `aws_sqs_queue.jobs.arn` (`aws_lambda_event_source_mapping.worker_source`"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].location.map(|l| l.line), Some(line));
    }

    #[test]
    fn granting_twice_writes_one_statement_and_sids_stay_unique() {
        let stack = Stack::new("svc", Environment::dev());
        let f = worker(&stack, 10);
        let jobs = Queue::new(&stack, "jobs")
            .visibility_timeout_seconds(60)
            .build();
        let mail = Queue::new(&stack, "mail")
            .visibility_timeout_seconds(60)
            .build();
        jobs.grant_send(&f);
        jobs.grant_send(&f);
        jobs.subscribe(&f, 10);
        mail.subscribe(&f, 10);
        let out = stack.finish().expect("synthesizes");
        let Some(crate::constructs::StackFile::Text { text, .. }) =
            out.files.get("policies/svc-dev-worker-policy.json")
        else {
            panic!("role policy")
        };
        let policy: serde_json::Value = serde_json::from_str(text).expect("json");
        let statements = policy["Statement"].as_array().expect("statements");
        let sids: Vec<&str> = statements
            .iter()
            .filter_map(|s| s["Sid"].as_str())
            .collect();
        assert_eq!(
            sids,
            ["WriteOwnLogs", "JobsSend", "ConsumeWorker"],
            "{text}"
        );
        // One consume statement for both queues.
        assert_eq!(
            statements[2]["Resource"],
            serde_json::json!(["${sqs_queue_jobs_arn}", "${sqs_queue_mail_arn}"])
        );
    }

    #[test]
    fn retention_as_long_as_the_dead_letter_queue_is_an_error() {
        let stack = Stack::new("svc", Environment::dev());
        let _ = Queue::new(&stack, "jobs")
            .retention_seconds(DEAD_LETTER_RETENTION_SECONDS)
            .build();
        let errors = stack.finish().unwrap_err();
        assert!(errors[0].message.contains("shorter than the dead-letter"));
    }

    #[test]
    fn service_senders_get_a_scoped_queue_policy() {
        let stack = Stack::new("svc", Environment::dev());
        let dlq = Queue::dead_letter(&stack, "events_dlq");
        dlq.allow_service_send(
            "events.amazonaws.com",
            Expr::reference("aws_cloudwatch_event_rule", &["daily", "arn"]),
        );
        let _ = stack.add_untyped("aws_cloudwatch_event_rule", "daily", |b| b);
        let out = stack.finish().expect("synthesizes");
        assert!(out
            .config
            .resource("aws_sqs_queue_policy", "events_dlq")
            .is_some());
        let file = out
            .files
            .get("policies/svc-dev-events-dlq-queue-policy.json")
            .expect("policy file");
        let crate::constructs::StackFile::Text { text, .. } = file else {
            panic!("text file");
        };
        assert!(text.contains("aws:SourceArn"), "{text}");
        assert!(text.contains("events.amazonaws.com"), "{text}");
    }
}
