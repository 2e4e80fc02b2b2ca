//! `Table`: a DynamoDB table, on-demand, with point-in-time recovery, and grants on its
//! exact ARNs.
//!
//! With a stream, functions process its changes (`subscribe`): batches from the newest
//! record, failed batches split in two to isolate a bad record and retried 3 times, partial
//! batch failures reported by the handler, records older than a day skipped, and what still
//! fails goes, with its stream position, to a dead-letter queue (the on-failure destination)
//! instead of blocking the shard.
//!
//! ```ignore
//! let orders = Table::new(stack, "orders", Key::string("orderId"))
//!     .stream(StreamView::NewAndOldImages)
//!     .build();
//! let events = orders.subscribe(&publisher, 100);   // mapping + `orders_publisher_failures`
//! ```

use super::function::Function;
use super::iam::Grantee;
use super::naming::camel;
use super::queue::Queue;
use super::stack::{Provider, ResourceRef, Stack};
use crate::ir::{Expr, TemplatePart};
use crate::l1::resources::{
    DynamodbTable, DynamodbTableAttribute, DynamodbTableGlobalSecondaryIndex,
    DynamodbTablePointInTimeRecovery, DynamodbTableReplicaBlock, DynamodbTableTtl,
};
use crate::origin::RustLocation;

/// The type of a key attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    String,
    Number,
    Binary,
}

impl KeyType {
    fn as_str(self) -> &'static str {
        match self {
            KeyType::String => "S",
            KeyType::Number => "N",
            KeyType::Binary => "B",
        }
    }
}

/// A key attribute: name and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub key_type: KeyType,
}

impl Key {
    pub fn string(name: &str) -> Key {
        Key {
            name: name.to_string(),
            key_type: KeyType::String,
        }
    }
    pub fn number(name: &str) -> Key {
        Key {
            name: name.to_string(),
            key_type: KeyType::Number,
        }
    }
}

/// What a table's stream records of each changed item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamView {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

impl StreamView {
    fn as_str(self) -> &'static str {
        match self {
            StreamView::KeysOnly => "KEYS_ONLY",
            StreamView::NewImage => "NEW_IMAGE",
            StreamView::OldImage => "OLD_IMAGE",
            StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }
}

/// A function processing a table's stream.
#[derive(Clone, Debug)]
pub struct StreamSubscription {
    pub mapping: ResourceRef,
    /// The on-failure destination: records of batches that kept failing.
    pub failures: Queue,
}

/// Capacity mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BillingMode {
    OnDemand,
    Provisioned { read: i64, write: i64 },
}

/// A table under construction.
#[must_use = "call .build() to declare the table"]
pub struct TableBuilder {
    stack: Stack,
    id: String,
    partition_key: Key,
    sort_key: Option<Key>,
    billing: BillingMode,
    ttl_attribute: Option<String>,
    point_in_time_recovery: bool,
    indexes: Vec<(String, Key, Option<Key>)>,
    stream_view: Option<StreamView>,
    replicas: Vec<Provider>,
    location: RustLocation,
}

/// A declared table.
#[derive(Clone, Debug)]
pub struct Table {
    pub(crate) resource: ResourceRef,
    has_indexes: bool,
    stream: Option<StreamView>,
    stack: Stack,
    id: String,
}

impl Table {
    /// A table `id` keyed by `partition_key`: on-demand billing and point-in-time recovery
    /// by default.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str, partition_key: Key) -> TableBuilder {
        TableBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            partition_key,
            sort_key: None,
            billing: BillingMode::OnDemand,
            ttl_attribute: None,
            point_in_time_recovery: true,
            indexes: Vec::new(),
            stream_view: None,
            replicas: Vec::new(),
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
    /// The stream's ARN (the table needs `.stream(…)`).
    pub fn stream_arn(&self) -> Expr {
        self.resource.attr("stream_arn")
    }

    /// `function` processes the table's stream in batches of up to `batch_size` (1–10000)
    /// records: an event source mapping from the newest record, reporting partial batch
    /// failures (the handler returns `{"batchItemFailures": [{"itemIdentifier":
    /// "<SequenceNumber>"}]}` for the first record it could not process; Lambda retries
    /// from there), splitting failed batches, retrying 3 times and skipping records older
    /// than a day; what still fails goes to the dead-letter queue
    /// `<table>_<function>_failures`. The function may read the stream and send to that
    /// queue, nothing else. A table without a stream is an error here.
    #[track_caller]
    pub fn subscribe(&self, function: &Function, batch_size: i64) -> StreamSubscription {
        let location = RustLocation::caller();
        let stack = &self.stack;
        stack.check_same_stack(function.resource(), location);
        if self.stream.is_none() {
            stack.error(
                location,
                format!("table `{}` has no stream to subscribe to", self.resource.name),
                Some("add `.stream(StreamView::NewAndOldImages)` (or the view the function needs) to the table"),
            );
        }
        if !(1..=10_000).contains(&batch_size) {
            stack.error(
                location,
                format!("batch size {batch_size} is outside 1–10000 for a DynamoDB stream"),
                None,
            );
        }
        let failures = Queue::dead_letter_at(
            stack,
            &format!("{}_{}_failures", self.id, function.resource().name),
            location,
        );
        let mapping = function.consume_dynamodb_stream(
            self.stream_arn(),
            failures.arn(),
            batch_size,
            location,
        );
        StreamSubscription { mapping, failures }
    }

    /// The table ARN and, when it has indexes, `<arn>/index/*`.
    fn resource_arns(&self) -> Vec<Expr> {
        let mut v = vec![self.arn()];
        if self.has_indexes {
            v.push(Expr::template(vec![
                TemplatePart::Interpolation(self.arn()),
                TemplatePart::Literal("/index/*".into()),
            ]));
        }
        v
    }

    /// Read items: get, batch get, query, scan, condition checks, describe.
    #[track_caller]
    pub fn grant_read(&self, grantee: &impl Grantee) {
        self.grant(grantee, "read", &READ_ACTIONS, RustLocation::caller());
    }
    /// Write items: put, update, delete, batch write.
    #[track_caller]
    pub fn grant_write(&self, grantee: &impl Grantee) {
        self.grant(grantee, "write", &WRITE_ACTIONS, RustLocation::caller());
    }
    /// Read and write items (not manage the table).
    #[track_caller]
    pub fn grant_read_write(&self, grantee: &impl Grantee) {
        let mut actions: Vec<&str> = READ_ACTIONS.to_vec();
        actions.extend(WRITE_ACTIONS);
        actions.sort_unstable();
        self.grant(grantee, "read_write", &actions, RustLocation::caller());
    }

    fn grant(&self, grantee: &impl Grantee, what: &str, actions: &[&str], location: RustLocation) {
        let role = grantee.grantee_role();
        // The error belongs to the stack being built: the grantee's.
        if !role.stack.check_same_stack(&self.resource, location) {
            return;
        }
        let sid = format!("{}{}", camel(&self.resource.name), camel(what));
        role.allow_at(&sid, actions, self.resource_arns(), location);
    }
}

const READ_ACTIONS: [&str; 6] = [
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
];
const WRITE_ACTIONS: [&str; 4] = [
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];

impl TableBuilder {
    pub fn sort_key(mut self, key: Key) -> Self {
        self.sort_key = Some(key);
        self
    }
    pub fn billing(mut self, billing: BillingMode) -> Self {
        self.billing = billing;
        self
    }
    /// Items expire at the epoch seconds stored in `attribute`.
    pub fn ttl(mut self, attribute: &str) -> Self {
        self.ttl_attribute = Some(attribute.to_string());
        self
    }
    /// Turns point-in-time recovery off (it is on by default).
    pub fn without_point_in_time_recovery(mut self) -> Self {
        self.point_in_time_recovery = false;
        self
    }
    /// A global secondary index projecting all attributes.
    pub fn global_index(mut self, name: &str, partition_key: Key, sort_key: Option<Key>) -> Self {
        self.indexes
            .push((name.to_string(), partition_key, sort_key));
        self
    }
    /// A replica in `provider`'s region (a global table: every replica takes writes, and
    /// DynamoDB replicates them both ways), with point-in-time recovery and the table's
    /// tags. Global tables replicate through the stream, which needs new and old images:
    /// the table gets that stream (another view is an error).
    pub fn replica(mut self, provider: &Provider) -> Self {
        if !self.replicas.contains(provider) {
            self.replicas.push(provider.clone());
        }
        self
    }
    /// A stream of item changes, recording `view` of each.
    pub fn stream(mut self, view: StreamView) -> Self {
        self.stream_view = Some(view);
        self
    }

    pub fn build(self) -> Table {
        let stack = &self.stack;
        let name = stack.physical_name(&self.id);
        let mut table =
            DynamodbTable::new(name.as_str()).hash_key(self.partition_key.name.as_str());
        // Every key attribute of the table and its indexes, declared once, sorted.
        let mut attributes = std::collections::BTreeMap::new();
        attributes.insert(self.partition_key.name.clone(), self.partition_key.key_type);
        if let Some(k) = &self.sort_key {
            table = table.range_key(k.name.as_str());
            attributes.insert(k.name.clone(), k.key_type);
        }
        for (_, pk, sk) in &self.indexes {
            attributes.insert(pk.name.clone(), pk.key_type);
            if let Some(sk) = sk {
                attributes.insert(sk.name.clone(), sk.key_type);
            }
        }
        table = match self.billing {
            BillingMode::OnDemand => table.billing_mode("PAY_PER_REQUEST"),
            BillingMode::Provisioned { read, write } => table
                .billing_mode("PROVISIONED")
                .read_capacity(read)
                .write_capacity(write),
        };
        for (n, t) in &attributes {
            table = table.attribute(DynamodbTableAttribute::new(n.as_str(), t.as_str()));
        }
        for (index_name, pk, sk) in &self.indexes {
            let mut gsi = DynamodbTableGlobalSecondaryIndex::new(
                pk.name.as_str(),
                index_name.as_str(),
                "ALL",
            );
            if let Some(sk) = sk {
                gsi = gsi.range_key(sk.name.as_str());
            }
            table = table.global_secondary_index(gsi);
        }
        if let Some(attr) = &self.ttl_attribute {
            table = table.ttl(
                DynamodbTableTtl::new()
                    .attribute_name(attr.as_str())
                    .enabled(true),
            );
        }
        table = table.point_in_time_recovery(DynamodbTablePointInTimeRecovery::new(
            self.point_in_time_recovery,
        ));
        let mut stream_view = self.stream_view;
        if !self.replicas.is_empty() {
            match stream_view {
                None | Some(StreamView::NewAndOldImages) => {
                    stream_view = Some(StreamView::NewAndOldImages)
                }
                Some(other) => stack.error(
                    self.location,
                    format!(
                        "a table with replicas needs a NEW_AND_OLD_IMAGES stream, not {}",
                        other.as_str()
                    ),
                    Some("drop `.stream(…)` (replicas add the right one) or use StreamView::NewAndOldImages"),
                ),
            }
        }
        if let Some(v) = stream_view {
            table = table.stream_enabled(true).stream_view_type(v.as_str());
        }
        for provider in &self.replicas {
            table = table.replica(
                DynamodbTableReplicaBlock::new(stack.region_of(Some(provider)))
                    .point_in_time_recovery(self.point_in_time_recovery)
                    .propagate_tags(true),
            );
        }
        if stack.is_production() {
            table = table.deletion_protection_enabled(true);
        }
        let resource = stack.declare_typed(&self.id, table, self.location);
        Table {
            resource,
            has_indexes: !self.indexes.is_empty(),
            stream: stream_view,
            stack: stack.clone(),
            id: self.id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::{Code, Runtime, StackFile, Topic};
    use crate::environment::Environment;

    fn publisher(stack: &Stack) -> Function {
        Function::new(
            stack,
            "publisher",
            Runtime::Python312,
            "app.handler",
            Code::directory("."),
        )
        .timeout_seconds(30)
        .build()
    }

    #[test]
    fn a_stream_subscription_has_a_failure_destination_and_reads_only_the_stream() {
        let stack = Stack::new("shop", Environment::prod());
        let orders = Table::new(&stack, "orders", Key::string("id"))
            .stream(StreamView::NewAndOldImages)
            .build();
        let f = publisher(&stack);
        let subscription = orders.subscribe(&f, 100);
        assert_eq!(
            subscription.failures.arn().to_string(),
            "aws_sqs_queue.orders_publisher_failures.arn"
        );
        let out = stack.finish().expect("valid");
        let mapping = out
            .config
            .resource(
                "aws_lambda_event_source_mapping",
                &subscription.mapping.name,
            )
            .expect("mapping");
        let attr = |a: &str| mapping.body.get(a).map(|e| e.to_string());
        assert_eq!(
            attr("event_source_arn").as_deref(),
            Some("aws_dynamodb_table.orders.stream_arn")
        );
        assert_eq!(
            attr("function_response_types").as_deref(),
            Some("[\"ReportBatchItemFailures\"]")
        );
        assert_eq!(
            attr("bisect_batch_on_function_error").as_deref(),
            Some("true")
        );
        let destination = mapping
            .body
            .block("destination_config")
            .and_then(|d| d.body.block("on_failure"))
            .and_then(|o| o.body.get("destination_arn"))
            .map(|e| e.to_string());
        assert_eq!(
            destination.as_deref(),
            Some("aws_sqs_queue.orders_publisher_failures.arn")
        );
        let Some(StackFile::Text { text, .. }) =
            out.files.get("policies/shop-prod-publisher-policy.json")
        else {
            panic!("role policy")
        };
        assert!(text.contains("dynamodb:ListStreams"), "{text}");
        assert!(
            text.contains("\"Resource\": \"${dynamodb_table_orders_stream_arn}\""),
            "{text}"
        );
        assert!(!text.contains("dynamodb:GetItem"), "{text}");
    }

    #[test]
    fn replicas_make_a_global_table_with_the_stream_it_needs() {
        let stack = Stack::new("shop", Environment::prod());
        let dr = stack.provider("dr", "us-west-2");
        let _ = Table::new(&stack, "orders", Key::string("id"))
            .replica(&dr)
            .build();
        let _ = Table::new(&stack, "carts", Key::string("id"))
            .stream(StreamView::KeysOnly)
            .replica(&dr)
            .build();
        let errors = stack.finish().expect_err("keys-only stream");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0]
            .message
            .contains("needs a NEW_AND_OLD_IMAGES stream"));

        let stack = Stack::new("shop", Environment::prod());
        let dr = stack.provider("dr", "us-west-2");
        let _ = Table::new(&stack, "orders", Key::string("id"))
            .replica(&dr)
            .build();
        let out = stack.finish().expect("valid");
        let table = out
            .config
            .resource("aws_dynamodb_table", "orders")
            .expect("table");
        assert_eq!(
            table
                .body
                .get("stream_view_type")
                .map(|e| e.to_string())
                .as_deref(),
            Some("\"NEW_AND_OLD_IMAGES\"")
        );
        let replica = table.body.block("replica").expect("replica");
        assert_eq!(
            replica
                .body
                .get("region_name")
                .map(|e| e.to_string())
                .as_deref(),
            Some("\"us-west-2\"")
        );
    }

    #[test]
    fn subscribing_to_a_table_without_a_stream_is_an_error() {
        let stack = Stack::new("shop", Environment::dev());
        let orders = Table::new(&stack, "orders", Key::string("id")).build();
        let f = publisher(&stack);
        let _ = orders.subscribe(&f, 20_000);
        let errors = stack.finish().expect_err("no stream");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].message.contains("has no stream"));
        assert!(errors[1].message.contains("outside 1–10000"));
    }

    #[test]
    fn constructs_with_one_id_write_different_policy_files() {
        let stack = Stack::new("shop", Environment::dev());
        let topic = Topic::new(&stack, "events").build();
        let f = Function::new(
            &stack,
            "events",
            Runtime::Python312,
            "app.handler",
            Code::directory("."),
        )
        .build();
        topic.grant_publish(&f);
        let _ = topic.subscribe_function(&f);
        let out = stack.finish().expect("no file written twice");
        assert!(out
            .files
            .contains_key("policies/shop-dev-events-policy.json"));
        assert!(out
            .files
            .contains_key("policies/shop-dev-events-topic-policy.json"));
    }
}
