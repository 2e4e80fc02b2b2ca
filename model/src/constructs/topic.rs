//! `Topic`: an SNS topic, always encrypted (a customer `Key`, or the AWS managed
//! `alias/aws/sns`), with a topic policy that refuses unencrypted transport; function and
//! queue subscriptions that always come with a dead-letter queue; `grant_publish`.
//!
//! CloudWatch alarms can only notify a topic encrypted with a customer key (the AWS
//! managed key's policy does not let CloudWatch use it): [`super::alarm::Alarm`] checks it
//! and adds what the topic and key policies need.

use super::function::Function;
use super::iam::{policy_string, resource_policy_file, Grantee};
use super::kms::Key;
use super::naming::camel;
use super::stack::{ResourceRef, Stack};
use crate::iam::{Effect, PolicyDocument, Principal, Statement};
use crate::ir::Expr;
use crate::l1::resources::{
    LambdaPermission, SnsTopic, SnsTopicPolicy, SnsTopicSubscription, SqsQueue, SqsQueuePolicy,
};
use crate::origin::{Origin, RustLocation};
use std::cell::RefCell;
use std::rc::Rc;

/// Dead-letter queues keep messages 14 days, SQS's maximum.
const DEAD_LETTER_RETENTION_SECONDS: i64 = 14 * 24 * 3600;

/// How a topic is encrypted at rest.
#[derive(Clone, Debug)]
pub enum TopicEncryption {
    /// The AWS managed key `alias/aws/sns`.
    AwsManaged,
    /// A customer managed key.
    Key(Key),
}

/// A topic under construction.
#[must_use = "call .build() to declare the topic"]
pub struct TopicBuilder {
    stack: Stack,
    id: String,
    display_name: Option<String>,
    encryption: TopicEncryption,
    location: RustLocation,
}

/// A declared topic. Cheap to clone: clones share the same policy.
#[derive(Clone)]
pub struct Topic(Rc<TopicInner>);

struct TopicInner {
    stack: Stack,
    id: String,
    resource: ResourceRef,
    encryption: TopicEncryption,
    /// Alarm ARNs CloudWatch may publish for, with where they were added.
    alarm_sources: RefCell<Vec<(Expr, RustLocation)>>,
}

impl std::fmt::Debug for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Topic({})", self.0.resource.address())
    }
}

/// A subscription and its dead-letter queue.
#[derive(Clone, Debug)]
pub struct Subscription {
    pub(crate) resource: ResourceRef,
    pub(crate) dead_letter_queue: ResourceRef,
}

impl Subscription {
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
    /// The `aws_sqs_queue` undeliverable messages go to.
    pub fn dead_letter_queue(&self) -> &ResourceRef {
        &self.dead_letter_queue
    }
    pub fn dead_letter_queue_arn(&self) -> Expr {
        self.dead_letter_queue.arn()
    }
    pub fn dead_letter_queue_url(&self) -> Expr {
        self.dead_letter_queue.attr("url")
    }
}

impl Topic {
    /// A standard topic `id`, encrypted with the AWS managed key unless
    /// [`TopicBuilder::encryption_key`] is given.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> TopicBuilder {
        TopicBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            display_name: None,
            encryption: TopicEncryption::AwsManaged,
            location: RustLocation::caller(),
        }
    }

    pub fn arn(&self) -> Expr {
        self.0.resource.arn()
    }
    pub fn name(&self) -> Expr {
        self.0.resource.name_attr()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.0.resource
    }
    pub fn encryption(&self) -> &TopicEncryption {
        &self.0.encryption
    }

    /// Lets `grantee` publish (and use the topic's customer key, when it has one).
    #[track_caller]
    pub fn grant_publish(&self, grantee: &impl Grantee) {
        let location = RustLocation::caller();
        let role = grantee.grantee_role();
        if !role.stack.check_same_stack(&self.0.resource, location) {
            return;
        }
        role.allow_at(
            &format!("PublishTo{}", camel(&self.0.id)),
            &["sns:Publish"],
            vec![self.arn()],
            location,
        );
        if let TopicEncryption::Key(key) = &self.0.encryption {
            // SNS encrypts each message with a data key of the publisher's.
            key.grant(
                grantee,
                &format!("For{}", camel(&self.0.id)),
                &["kms:Decrypt", "kms:GenerateDataKey"],
                location,
            );
        }
    }

    /// Delivers messages to `function` (its alias, when it has one): the subscription, the
    /// permission for this topic only, and a dead-letter queue for undeliverable messages.
    /// The function's own failures are its business: give it `.on_failure(…)` (the queue
    /// of the returned subscription will do).
    #[track_caller]
    pub fn subscribe_function(&self, function: &Function) -> Subscription {
        let location = RustLocation::caller();
        let stack = &self.0.stack;
        stack.check_same_stack(function.resource(), location);
        let name = format!("{}_{}", self.0.id, function.id);
        let dead_letter_queue = self.dead_letter_queue(&name, location);
        let subscription =
            SnsTopicSubscription::new(function.invocation_arn(), "lambda", self.arn())
                .redrive_policy(redrive_policy(&dead_letter_queue));
        let resource = stack.declare_typed(&name, subscription, location);
        let mut permission = LambdaPermission::new(
            "lambda:InvokeFunction",
            function.name(),
            "sns.amazonaws.com",
        )
        .source_arn(self.arn())
        .statement_id(format!("AllowSns{}", camel(&self.0.id)));
        if let Some(alias) = &function.alias {
            permission = permission.qualifier(alias.attr("name"));
        }
        stack.declare_typed(&name, permission, location);
        Subscription {
            resource,
            dead_letter_queue,
        }
    }

    /// Delivers raw messages to the queue `queue_arn`, with a dead-letter queue. The queue's
    /// own policy must let this topic send (`sqs:SendMessage` for `sns.amazonaws.com` with
    /// `aws:SourceArn` = [`Topic::arn`]); its key, if a customer key, must let SNS use it.
    #[track_caller]
    pub fn subscribe_queue(&self, id: &str, queue_arn: Expr) -> Subscription {
        let location = RustLocation::caller();
        let name = format!("{}_{}", self.0.id, id);
        let dead_letter_queue = self.dead_letter_queue(&name, location);
        let subscription = SnsTopicSubscription::new(queue_arn, "sqs", self.arn())
            .raw_message_delivery(true)
            .redrive_policy(redrive_policy(&dead_letter_queue));
        let resource = self.0.stack.declare_typed(&name, subscription, location);
        Subscription {
            resource,
            dead_letter_queue,
        }
    }

    /// Lets CloudWatch publish for the alarm `alarm_arn` (and use the topic's key).
    pub(crate) fn allow_alarm(&self, alarm_arn: Expr, location: RustLocation) -> bool {
        match &self.0.encryption {
            TopicEncryption::AwsManaged => {
                self.0.stack.error(
                    location,
                    format!(
                        "alarm notifies topic `{}`, which is encrypted with the AWS managed key",
                        self.0.resource.address()
                    ),
                    Some("CloudWatch cannot use `alias/aws/sns`: encrypt the topic with a customer key (`.encryption_key(&key)`)"),
                );
                false
            }
            TopicEncryption::Key(key) => {
                key.add_service(
                    "CloudWatchAlarmsPublishEncrypted",
                    "cloudwatch.amazonaws.com",
                    &["kms:Decrypt", "kms:GenerateDataKey"],
                    None,
                    location,
                );
                self.0
                    .alarm_sources
                    .borrow_mut()
                    .push((alarm_arn, location));
                true
            }
        }
    }

    /// A standard queue for the messages subscription `name` cannot deliver, which only
    /// this topic may send to.
    fn dead_letter_queue(&self, name: &str, location: RustLocation) -> ResourceRef {
        let stack = &self.0.stack;
        let id = format!("{name}_dlq");
        let queue = SqsQueue::new()
            .name(stack.physical_name(&id))
            .message_retention_seconds(DEAD_LETTER_RETENTION_SECONDS)
            .receive_wait_time_seconds(super::queue::RECEIVE_WAIT_SECONDS)
            .sqs_managed_sse_enabled(true);
        let queue = stack.declare_typed(&id, queue, location);
        let document = PolicyDocument::new(vec![
            Statement::new(Effect::Allow, Origin::rust(location))
                .sid("TopicSendsUndeliverable")
                .principal(Principal::service("sns.amazonaws.com"))
                .actions(["sqs:SendMessage"])
                .resources([policy_string(&queue.arn())])
                .condition("ArnEquals", "aws:SourceArn", &[&policy_string(&self.arn())]),
            deny_insecure_transport("sqs:*", &queue.arn(), location),
        ]);
        let policy = resource_policy_file(
            stack,
            &format!("{}-queue-policy.json", stack.physical_name(&id)),
            &document,
        );
        stack.declare_typed(
            &id,
            SqsQueuePolicy::new(policy, queue.attr("url")),
            location,
        );
        queue
    }
}

/// `jsonencode({ deadLetterTargetArn = <queue arn> })`
fn redrive_policy(queue: &ResourceRef) -> Expr {
    Expr::call(
        "jsonencode",
        vec![Expr::object(vec![("deadLetterTargetArn", queue.arn())])],
    )
}

/// Deny `action` on `resource` to everyone over plain HTTP.
pub(crate) fn deny_insecure_transport(
    action: &str,
    resource: &Expr,
    location: RustLocation,
) -> Statement {
    Statement::new(Effect::Deny, Origin::rust(location))
        .sid("DenyInsecureTransport")
        .principal(Principal::Anyone)
        .actions([action])
        .resources([policy_string(resource)])
        .condition("Bool", "aws:SecureTransport", &["false"])
}

impl TopicBuilder {
    pub fn display_name(mut self, name: &str) -> Self {
        self.display_name = Some(name.to_string());
        self
    }
    /// Encrypts with a customer managed key (needed for CloudWatch alarm notifications).
    pub fn encryption_key(mut self, key: &Key) -> Self {
        self.encryption = TopicEncryption::Key(key.clone());
        self
    }

    pub fn build(self) -> Topic {
        let stack = &self.stack;
        let loc = self.location;
        let name = stack.physical_name(&self.id);
        if name.len() > 256 {
            stack.error(
                loc,
                format!("topic name `{name}` is longer than 256 characters"),
                None,
            );
        }
        let key_id = match &self.encryption {
            TopicEncryption::AwsManaged => Expr::string("alias/aws/sns"),
            TopicEncryption::Key(k) => {
                stack.check_same_stack(k.resource(), loc);
                k.arn()
            }
        };
        let mut topic = SnsTopic::new()
            .name(name.as_str())
            .kms_master_key_id(key_id)
            // X-Ray traces messages through to the subscribers.
            .tracing_config("Active");
        if let Some(d) = &self.display_name {
            topic = topic.display_name(d.as_str());
        }
        let resource = stack.declare_typed(&self.id, topic, loc);
        let topic = Topic(Rc::new(TopicInner {
            stack: stack.clone(),
            id: self.id.clone(),
            resource,
            encryption: self.encryption,
            alarm_sources: RefCell::new(Vec::new()),
        }));
        let handle = topic.clone();
        stack.add_finalizer(Box::new(move |stack| handle.declare_policy(stack, loc)));
        topic
    }
}

impl Topic {
    fn declare_policy(&self, stack: &Stack, location: RustLocation) {
        let mut statements = vec![deny_insecure_transport(
            "sns:Publish",
            &self.arn(),
            location,
        )];
        let sources = self.0.alarm_sources.borrow();
        if let Some((_, first)) = sources.first() {
            let arns: Vec<String> = sources.iter().map(|(a, _)| policy_string(a)).collect();
            let arns: Vec<&str> = arns.iter().map(String::as_str).collect();
            statements.push(
                Statement::new(Effect::Allow, Origin::rust(*first))
                    .sid("CloudWatchAlarmsPublish")
                    .principal(Principal::service("cloudwatch.amazonaws.com"))
                    .actions(["sns:Publish"])
                    .resources([policy_string(&self.arn())])
                    .condition("ArnEquals", "aws:SourceArn", &arns),
            );
        }
        let policy = resource_policy_file(
            stack,
            &format!("{}-topic-policy.json", stack.physical_name(&self.0.id)),
            &PolicyDocument::new(statements),
        );
        stack.declare_typed(
            &self.0.id,
            SnsTopicPolicy::new(self.arn(), policy),
            location,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::{Code, Role, Runtime, StackFile};
    use crate::environment::Environment;

    fn text(out: &crate::constructs::StackOutput, path: &str) -> String {
        match out.files.get(path) {
            Some(StackFile::Text { text, .. }) => text.clone(),
            _ => panic!("no text file {path}"),
        }
    }

    #[test]
    fn function_subscription_has_dead_letter_queue_and_scoped_permission() {
        let stack = Stack::new("shop", Environment::dev());
        let topic = Topic::new(&stack, "events").build();
        let f = Function::new(
            &stack,
            "worker",
            Runtime::Python312,
            "handler.handler",
            Code::directory("x"),
        )
        .build();
        let sub = topic.subscribe_function(&f);
        assert_eq!(
            sub.dead_letter_queue().address(),
            "aws_sqs_queue.events_worker_dlq"
        );
        let role = Role::for_service(&stack, "publisher", "lambda.amazonaws.com");
        topic.grant_publish(&role);
        let out = stack.finish().expect("valid");
        let s = out
            .config
            .resource("aws_sns_topic_subscription", "events_worker")
            .expect("subscription");
        assert_eq!(
            s.body
                .get("redrive_policy")
                .map(|e| e.to_string())
                .as_deref(),
            Some("jsonencode({ deadLetterTargetArn = aws_sqs_queue.events_worker_dlq.arn })")
        );
        let p = out
            .config
            .resource("aws_lambda_permission", "events_worker")
            .expect("permission");
        assert_eq!(
            p.body.get("source_arn").map(|e| e.to_string()).as_deref(),
            Some("aws_sns_topic.events.arn")
        );
        let q = text(
            &out,
            "policies/shop-dev-events-worker-dlq-queue-policy.json",
        );
        assert!(
            q.contains("\"aws:SourceArn\": \"${sns_topic_events_arn}\""),
            "{q}"
        );
        let publisher = text(&out, "policies/shop-dev-publisher-policy.json");
        assert!(
            publisher.contains("\"Action\": \"sns:Publish\""),
            "{publisher}"
        );
        assert!(
            !publisher.contains("kms:"),
            "AWS managed key needs no grant: {publisher}"
        );
        let topic_policy = text(&out, "policies/shop-dev-events-topic-policy.json");
        assert!(topic_policy.contains("\"aws:SecureTransport\": \"false\""));
    }

    #[test]
    fn publishing_to_a_customer_key_topic_grants_the_key() {
        let stack = Stack::new("shop", Environment::dev());
        let key = Key::new(&stack, "k").build();
        let topic = Topic::new(&stack, "alerts").encryption_key(&key).build();
        let role = Role::for_service(&stack, "publisher", "lambda.amazonaws.com");
        topic.grant_publish(&role);
        let out = stack.finish().expect("valid");
        let publisher = text(&out, "policies/shop-dev-publisher-policy.json");
        assert!(publisher.contains("kms:GenerateDataKey"), "{publisher}");
        assert!(publisher.contains("${kms_key_k_arn}"), "{publisher}");
    }
}
