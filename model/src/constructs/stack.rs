//! A stack: one Terraform root module for one environment, built by typed constructs.

use crate::environment::Environment;
use crate::iam::PolicyDocument;
use crate::ir::{is_identifier, Block, Config, Expr};
use crate::origin::{Origin, RustLocation};
use crate::typed::TypedBlock;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// An error in a stack definition, located at the Rust line that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthError {
    pub message: String,
    pub location: Option<RustLocation>,
    pub help: Option<String>,
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(l) => write!(f, "{l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SynthError {}

/// A file the stack writes besides the `.tf` files (policies, code packages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StackFile {
    /// Text written as is, with the Rust lines that wrote each part of it (JSON pointer
    /// prefix → location), so findings inside it point at the Rust line.
    Text {
        text: String,
        origins: Vec<(String, RustLocation)>,
    },
    /// A deterministic zip of a directory's files.
    ZipOfDirectory(PathBuf),
    /// A file copied as is.
    Copy(PathBuf),
}

/// The IAM policy of a role, filled by `grant_*` calls until synth.
#[derive(Clone, Debug)]
pub(crate) struct RolePolicy {
    /// Terraform name of the `aws_iam_role`.
    pub role_resource: String,
    /// Physical role name (for the policy file name).
    pub role_name: String,
    pub document: PolicyDocument,
    pub origin: RustLocation,
}

/// Work left for synth time (what depends on everything the stack declares).
pub(crate) type Finalizer = Box<dyn FnOnce(&Stack)>;

pub(crate) struct StackState {
    pub id: u64,
    pub name: String,
    pub name_prefix: String,
    pub env: Environment,
    pub blocks: Vec<Block>,
    pub outputs: Vec<Block>,
    pub variables: Vec<Block>,
    pub addresses: BTreeMap<String, RustLocation>,
    pub role_policies: Vec<RolePolicy>,
    pub files: BTreeMap<String, StackFile>,
    pub errors: Vec<SynthError>,
    pub finalizers: Vec<Finalizer>,
    /// Work run once after every finalizer (emitting what finalizers collected), by a name
    /// that keeps each registered once; run in name order.
    pub closing: BTreeMap<&'static str, fn(&Stack)>,
    pub tags: BTreeMap<String, String>,
    /// (rule, reason, location, address) suppressions declared on constructs.
    pub suppressions: Vec<Suppression>,
}

/// A finding the stack author chose to accept, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// Rule ID or name.
    pub rule: String,
    pub reason: String,
    /// The Terraform address it applies to.
    pub address: String,
    pub location: RustLocation,
}

static NEXT_STACK_ID: AtomicU64 = AtomicU64::new(1);

/// A stack under construction. Cheap to clone: clones share the same state.
#[derive(Clone)]
pub struct Stack(pub(crate) Rc<RefCell<StackState>>);

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.borrow();
        write!(f, "Stack({} / {})", s.name, s.env.name)
    }
}

/// A reference to a resource or data source declared in a stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRef {
    pub(crate) stack_id: u64,
    /// `resource` or `data`.
    pub kind: &'static str,
    pub resource_type: String,
    pub name: String,
}

impl ResourceRef {
    /// `type.name` (or `data.type.name`).
    pub fn address(&self) -> String {
        if self.kind == "data" {
            format!("data.{}.{}", self.resource_type, self.name)
        } else {
            format!("{}.{}", self.resource_type, self.name)
        }
    }
    /// A reference to one of its attributes: `aws_sqs_queue.jobs.arn`.
    pub fn attr(&self, attribute: &str) -> Expr {
        if self.kind == "data" {
            Expr::reference("data", &[&self.resource_type, &self.name, attribute])
        } else {
            Expr::reference(&self.resource_type, &[&self.name, attribute])
        }
    }
    pub fn arn(&self) -> Expr {
        self.attr("arn")
    }
    pub fn id(&self) -> Expr {
        self.attr("id")
    }
    pub fn name_attr(&self) -> Expr {
        self.attr("name")
    }
}

/// References to the account, region and partition a stack deploys to.
#[derive(Clone, Debug)]
pub struct AwsContext {
    pub partition: Expr,
    pub region: Expr,
    pub account_id: Expr,
}

/// What a stack lowers to: the module's blocks and its other files.
#[derive(Clone, Debug)]
pub struct StackOutput {
    pub name: String,
    pub env: Environment,
    pub config: Config,
    pub files: BTreeMap<String, StackFile>,
    pub suppressions: Vec<Suppression>,
}

impl Stack {
    /// A new, empty stack `name` (snake_case) for `env`.
    pub fn new(name: &str, env: Environment) -> Self {
        let state = StackState {
            id: NEXT_STACK_ID.fetch_add(1, Ordering::Relaxed),
            name: name.to_string(),
            name_prefix: name.replace('_', "-"),
            env,
            blocks: Vec::new(),
            outputs: Vec::new(),
            variables: Vec::new(),
            addresses: BTreeMap::new(),
            role_policies: Vec::new(),
            closing: BTreeMap::new(),
            files: BTreeMap::new(),
            errors: Vec::new(),
            finalizers: Vec::new(),
            tags: BTreeMap::new(),
            suppressions: Vec::new(),
        };
        Stack(Rc::new(RefCell::new(state)))
    }

    pub fn name(&self) -> String {
        self.0.borrow().name.clone()
    }
    pub fn env(&self) -> Environment {
        self.0.borrow().env.clone()
    }
    pub fn is_production(&self) -> bool {
        self.0.borrow().env.production
    }
    pub(crate) fn id(&self) -> u64 {
        self.0.borrow().id
    }

    /// The prefix of physical names (default: the stack name with `-`).
    pub fn set_name_prefix(&self, prefix: &str) {
        self.0.borrow_mut().name_prefix = prefix.to_string();
    }
    /// Overrides the environment's log retention (days) for every log group constructs
    /// create after this call (e.g. a seed that asks for 30 days in every environment).
    pub fn set_log_retention_days(&self, days: i64) {
        self.0.borrow_mut().env.log_retention_days = days;
    }

    /// A tag on every resource (through the provider's `default_tags`).
    pub fn tag(&self, key: &str, value: &str) {
        self.0
            .borrow_mut()
            .tags
            .insert(key.to_string(), value.to_string());
    }

    /// `<prefix>-<env>-<id with dashes>`: the physical name of a resource.
    pub fn physical_name(&self, id: &str) -> String {
        let s = self.0.borrow();
        format!("{}-{}-{}", s.name_prefix, s.env.name, id.replace('_', "-"))
    }

    /// Records an error at `location`.
    pub fn error(&self, location: RustLocation, message: impl Into<String>, help: Option<&str>) {
        self.0.borrow_mut().errors.push(SynthError {
            message: message.into(),
            location: Some(location),
            help: help.map(str::to_string),
        });
    }

    /// Checks that `other` belongs to this stack; records an error otherwise.
    pub(crate) fn check_same_stack(&self, other: &ResourceRef, location: RustLocation) -> bool {
        if other.stack_id != self.id() {
            self.error(
                location,
                format!(
                    "`{}` belongs to another stack and cannot be referenced here",
                    other.address()
                ),
                Some("a stack is one Terraform root module: pass values between stacks with variables and outputs"),
            );
            false
        } else {
            true
        }
    }

    /// Declares a block, checking that its address is valid and unused.
    pub(crate) fn declare(
        &self,
        kind: &'static str,
        block: Block,
        location: RustLocation,
    ) -> ResourceRef {
        let r = ResourceRef {
            stack_id: self.id(),
            kind,
            resource_type: block.type_label().to_string(),
            name: block.name_label().to_string(),
        };
        let address = r.address();
        if !is_identifier(&r.name) {
            self.error(
                location,
                format!("invalid resource name `{}`", r.name),
                Some("Terraform names start with a letter or underscore and contain only letters, digits, underscores and dashes"),
            );
        }
        let mut s = self.0.borrow_mut();
        if let Some(first) = s.addresses.get(&address) {
            let first = *first;
            drop(s);
            self.error(
                location,
                format!("duplicate resource `{address}` (first declared at {first})"),
                Some("give each construct a unique id within its stack"),
            );
            return r;
        }
        s.addresses.insert(address, location);
        s.blocks.push(block.with_origin(Origin::rust(location)));
        r
    }

    /// Adds a typed L1 resource: `stack.add("jobs", SqsQueue::new().name("jobs"))`.
    #[track_caller]
    pub fn add<T: TypedBlock>(&self, name: &str, resource: T) -> ResourceRef {
        let location = RustLocation::caller();
        let mut block = Block::new("resource", vec![T::TYPE.to_string(), name.to_string()]);
        block.body = resource.to_body();
        self.declare("resource", block, location)
    }

    /// Declares a typed L1 resource at `location` (for constructs).
    pub(crate) fn declare_typed<T: TypedBlock>(
        &self,
        name: &str,
        resource: T,
        location: RustLocation,
    ) -> ResourceRef {
        let mut block = Block::new("resource", vec![T::TYPE.to_string(), name.to_string()]);
        block.body = resource.to_body();
        self.declare("resource", block, location)
    }

    /// `data.aws_partition.current`, `data.aws_region.current` and
    /// `data.aws_caller_identity.current`, declared once, for building ARNs.
    ///
    /// `aws_caller_identity` calls STS even during `terraform plan`, so a stack that uses
    /// this needs real credentials to plan (the offline conformance check cannot plan it).
    /// The built-in constructs do not use it: they take the account from an ARN they
    /// already have (a role's or a key's) and the region from `var.region`.
    pub fn aws_context(&self, location: RustLocation) -> AwsContext {
        for t in ["aws_partition", "aws_region", "aws_caller_identity"] {
            let address = format!("data.{t}.current");
            if !self.0.borrow().addresses.contains_key(&address) {
                self.declare(
                    "data",
                    Block::new("data", vec![t.to_string(), "current".to_string()]),
                    location,
                );
            }
        }
        AwsContext {
            partition: Expr::reference("data", &["aws_partition", "current", "partition"]),
            region: Expr::reference("data", &["aws_region", "current", "name"]),
            account_id: Expr::reference("data", &["aws_caller_identity", "current", "account_id"]),
        }
    }

    /// Declares a typed L1 resource that Terraform creates after `after` (`depends_on`).
    pub(crate) fn declare_typed_after<T: TypedBlock>(
        &self,
        name: &str,
        resource: T,
        after: &[&ResourceRef],
        location: RustLocation,
    ) -> ResourceRef {
        let mut block = Block::new("resource", vec![T::TYPE.to_string(), name.to_string()]);
        block.body = resource.to_body();
        if !after.is_empty() {
            let refs = after
                .iter()
                .map(|r| Expr::reference(&r.resource_type, &[&r.name]))
                .collect();
            block.body.set("depends_on", Expr::tuple(refs));
        }
        self.declare("resource", block, location)
    }

    /// `data.aws_partition.current`, declared once: the partition and DNS suffix, which —
    /// unlike the account ID — Terraform knows without calling AWS.
    pub(crate) fn partition_data(&self, location: RustLocation) -> ResourceRef {
        let r = ResourceRef {
            stack_id: self.id(),
            kind: "data",
            resource_type: "aws_partition".to_string(),
            name: "current".to_string(),
        };
        if !self.0.borrow().addresses.contains_key(&r.address()) {
            self.declare(
                "data",
                Block::new("data", vec!["aws_partition".into(), "current".into()]),
                location,
            );
        }
        r
    }

    /// A string input variable of the module, with a default; returns `var.<name>`.
    #[track_caller]
    pub fn variable(&self, name: &str, description: &str, default: &str) -> Expr {
        let location = RustLocation::caller();
        if !is_identifier(name) {
            self.error(location, format!("invalid variable name `{name}`"), None);
        }
        let mut s = self.0.borrow_mut();
        if s.variables
            .iter()
            .any(|v| v.labels.first().map(String::as_str) == Some(name))
            || name == "region"
        {
            drop(s);
            self.error(location, format!("duplicate variable `{name}`"), None);
            return Expr::var(name);
        }
        s.variables.push(
            Block::new("variable", vec![name.to_string()])
                .attr("description", description)
                .attr("type", Expr::reference("string", &[]))
                .attr("default", default)
                .with_origin(Origin::rust(location)),
        );
        Expr::var(name)
    }

    /// Adds a typed L1 data source.
    #[track_caller]
    pub fn add_data<T: TypedBlock>(&self, name: &str, data: T) -> ResourceRef {
        let location = RustLocation::caller();
        let mut block = Block::new("data", vec![T::TYPE.to_string(), name.to_string()]);
        block.body = data.to_body();
        self.declare("data", block, location)
    }

    /// The escape hatch: any resource type, untyped. Attribute names are not checked here;
    /// `terraform validate` (the conformance check) still checks them.
    #[track_caller]
    pub fn add_untyped(
        &self,
        resource_type: &str,
        name: &str,
        build: impl FnOnce(Block) -> Block,
    ) -> ResourceRef {
        let location = RustLocation::caller();
        let block = build(Block::new(
            "resource",
            vec![resource_type.to_string(), name.to_string()],
        ));
        self.declare("resource", block, location)
    }

    /// An output of the root module.
    #[track_caller]
    pub fn output(&self, name: &str, value: impl Into<Expr>, description: &str) {
        let location = RustLocation::caller();
        if !is_identifier(name) {
            self.error(location, format!("invalid output name `{name}`"), None);
        }
        let block = Block::new("output", vec![name.to_string()])
            .attr("description", description)
            .attr("value", value.into())
            .with_origin(Origin::rust(location));
        self.0.borrow_mut().outputs.push(block);
    }

    /// Adds a file under the module (e.g. `policies/x.json`).
    pub(crate) fn add_file(&self, path: String, file: StackFile) {
        self.0.borrow_mut().files.insert(path, file);
    }

    pub(crate) fn add_finalizer(&self, f: Finalizer) {
        self.0.borrow_mut().finalizers.push(f);
    }

    /// Accepts a finding of `rule` on `resource`, with the reason (shown in lint output).
    #[track_caller]
    pub fn suppress(&self, resource: &ResourceRef, rule: &str, reason: &str) {
        let location = RustLocation::caller();
        if reason.trim().is_empty() {
            self.error(
                location,
                format!("suppression of {rule} without a reason"),
                Some("say why the finding is acceptable"),
            );
        }
        self.0.borrow_mut().suppressions.push(Suppression {
            rule: rule.to_string(),
            reason: reason.to_string(),
            address: resource.address(),
            location,
        });
    }

    /// Lowers the stack: runs the deferred work, checks references, and returns the
    /// module or every error found.
    pub fn finish(self) -> Result<StackOutput, Vec<SynthError>> {
        // Finalizers may add more finalizers (rarely); run until none are left.
        loop {
            let pending = std::mem::take(&mut self.0.borrow_mut().finalizers);
            if pending.is_empty() {
                break;
            }
            for f in pending {
                f(&self);
            }
        }
        let closing = std::mem::take(&mut self.0.borrow_mut().closing);
        for work in closing.into_values() {
            work(&self);
        }
        self.check_references();
        let state = self.0.borrow();
        if !state.errors.is_empty() {
            return Err(state.errors.clone());
        }
        let mut config = Config::default();
        config.push(crate::constructs::module::terraform_block());
        config.push(crate::constructs::module::provider_block(
            &state.tags,
            &state.name,
            &state.env,
        ));
        config.push(crate::constructs::module::region_variable(&state.env));
        config.blocks.extend(state.variables.iter().cloned());
        config.blocks.extend(state.blocks.iter().cloned());
        config.blocks.extend(state.outputs.iter().cloned());
        Ok(StackOutput {
            name: state.name.clone(),
            env: state.env.clone(),
            config,
            files: state.files.clone(),
            suppressions: state.suppressions.clone(),
        })
    }

    /// Every reference to a resource must name one this stack declares.
    fn check_references(&self) {
        let mut missing = Vec::new();
        {
            let s = self.0.borrow();
            let known: BTreeSet<&String> = s.addresses.keys().collect();
            for block in s.blocks.iter().chain(s.outputs.iter()) {
                let mut exprs = Vec::new();
                collect_exprs(&block.body, &mut exprs);
                for e in exprs {
                    for t in e.traversals() {
                        if let Some(addr) = t.resource_address() {
                            if !known.contains(&addr) {
                                if let Origin::Rust(loc) = block.origin {
                                    missing.push((*loc, addr, block.address()));
                                }
                            }
                        }
                    }
                }
            }
        }
        for (loc, addr, from) in missing {
            self.error(
                loc,
                format!("`{from}` references `{addr}`, which this stack does not declare"),
                Some(
                    "reference only resources of the same stack; pass other values in as variables",
                ),
            );
        }
    }
}

fn collect_exprs<'a>(body: &'a crate::ir::Body, out: &mut Vec<&'a Expr>) {
    for item in &body.items {
        match item {
            crate::ir::Structure::Attribute(a) => out.push(&a.value),
            crate::ir::Structure::Block(b) => collect_exprs(&b.body, out),
        }
    }
}
