//! `Table`: a DynamoDB table, on-demand, with point-in-time recovery, and grants on its
//! exact ARNs.

use super::iam::Grantee;
use super::naming::camel;
use super::stack::{ResourceRef, Stack};
use crate::ir::{Expr, TemplatePart};
use crate::l1::resources::{
    DynamodbTable, DynamodbTableAttribute, DynamodbTableGlobalSecondaryIndex,
    DynamodbTablePointInTimeRecovery, DynamodbTableTtl,
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
    stream_view_type: Option<String>,
    location: RustLocation,
}

/// A declared table.
#[derive(Clone, Debug)]
pub struct Table {
    pub(crate) resource: ResourceRef,
    has_indexes: bool,
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
            stream_view_type: None,
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
    /// A stream (`NEW_AND_OLD_IMAGES`, `NEW_IMAGE`, …).
    pub fn stream(mut self, view_type: &str) -> Self {
        self.stream_view_type = Some(view_type.to_string());
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
        if let Some(v) = &self.stream_view_type {
            table = table.stream_enabled(true).stream_view_type(v.as_str());
        }
        if stack.is_production() {
            table = table.deletion_protection_enabled(true);
        }
        let resource = stack.declare_typed(&self.id, table, self.location);
        Table {
            resource,
            has_indexes: !self.indexes.is_empty(),
        }
    }
}
