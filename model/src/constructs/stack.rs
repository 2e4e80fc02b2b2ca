//! A stack: one Terraform root module for one environment, built by typed constructs.

use super::backend::S3Backend;
use crate::environment::Environment;
use crate::iam::PolicyDocument;
use crate::ir::{is_identifier, Block, Config, DeclaredIn, Expr, ExprKind, Traversal};
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
    /// A deterministic zip of files held in memory.
    ZipOfFiles(Vec<CodeFile>),
    /// A file copied as is.
    Copy(PathBuf),
}

/// One file of a package synth zips from memory (a function's `Code::Files`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeFile {
    /// The path inside the package, `/`-separated (`handler.py`, `internal/x.go`).
    pub path: String,
    pub bytes: std::borrow::Cow<'static, [u8]>,
    /// Stored with mode 0755 (a `bootstrap` always is).
    pub executable: bool,
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
    /// Where the state lives, and where that was said.
    pub backend: Option<(S3Backend, RustLocation)>,
    /// Aliased AWS providers (other regions): alias → region and where it was declared.
    pub providers: BTreeMap<String, (Expr, RustLocation)>,
    /// The provider of the resources declared now ([`Stack::in_region`]).
    pub current_provider: Option<Provider>,
    /// The ids of the stacks built together with this one (itself included): references
    /// between them are allowed and wired through outputs.
    pub group: Rc<RefCell<Vec<u64>>>,
    /// For references into other stacks written into policy documents (`text@stack id`):
    /// the Rust line of the statement that first used each.
    pub reference_uses: BTreeMap<String, RustLocation>,
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
    /// The resource `resource_type.name` of `stack` (for what a construct declares later,
    /// e.g. a role's policy written at synth).
    pub(crate) fn in_stack(stack: &Stack, resource_type: &str, name: &str) -> ResourceRef {
        ResourceRef {
            stack_id: stack.id(),
            kind: "resource",
            resource_type: resource_type.to_string(),
            name: name.to_string(),
        }
    }
    /// `type.name` (or `data.type.name`).
    pub fn address(&self) -> String {
        if self.kind == "data" {
            format!("data.{}.{}", self.resource_type, self.name)
        } else {
            format!("{}.{}", self.resource_type, self.name)
        }
    }
    /// A reference to one of its attributes: `aws_sqs_queue.jobs.arn`. The reference
    /// remembers its stack: used in another stack of the same App, it is read through this
    /// stack's outputs ([`super::stack_set::StackSet`]).
    pub fn attr(&self, attribute: &str) -> Expr {
        let mut traversal = if self.kind == "data" {
            Traversal::new("data", &[&self.resource_type, &self.name, attribute])
        } else {
            Traversal::new(self.resource_type.as_str(), &[&self.name, attribute])
        };
        traversal.declared_in = DeclaredIn::stack(self.stack_id);
        Expr::from(traversal)
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

/// An aliased AWS provider of a stack: resources declared with it live in its region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    alias: String,
}

impl Provider {
    pub fn alias(&self) -> &str {
        &self.alias
    }
    /// `aws.<alias>`, the value of a block's `provider` meta-argument.
    pub fn reference(&self) -> Expr {
        Expr::reference("aws", &[&self.alias])
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

impl StackOutput {
    /// The Terraform file synth renders a top-level block into: the state backend in
    /// `backend.tf`, as teams write it by hand, and one file per kind of block.
    pub fn terraform_file_of(block: &crate::Block) -> &'static str {
        match block.kind.as_str() {
            "terraform" if block.body.block("backend").is_some() => "backend.tf",
            "terraform" => "versions.tf",
            "provider" => "providers.tf",
            "variable" => "variables.tf",
            "output" => "outputs.tf",
            _ => "main.tf",
        }
    }

    /// Whether synth writes a file of this name in the stack's directory (a path relative
    /// to it): a Terraform file its blocks are rendered into, or one of its own files.
    pub fn writes(&self, name: &str) -> bool {
        self.files.contains_key(name)
            || self
                .config
                .blocks
                .iter()
                .any(|b| StackOutput::terraform_file_of(b) == name)
    }
}

impl Stack {
    /// A new, empty stack `name` (snake_case) for `env`.
    pub fn new(name: &str, env: Environment) -> Self {
        let id = NEXT_STACK_ID.fetch_add(1, Ordering::Relaxed);
        let state = StackState {
            id,
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
            backend: None,
            providers: BTreeMap::new(),
            current_provider: None,
            group: Rc::new(RefCell::new(vec![id])),
            reference_uses: BTreeMap::new(),
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

    /// Checks that `other` belongs to this stack or to a stack built with it (whose
    /// values are then read through its outputs); records an error otherwise.
    pub(crate) fn check_same_stack(&self, other: &ResourceRef, location: RustLocation) -> bool {
        if self.0.borrow().group.borrow().contains(&other.stack_id) {
            true
        } else {
            self.error(
                location,
                format!(
                    "`{}` belongs to another stack, not built with this one, and cannot be referenced here",
                    other.address()
                ),
                Some(OTHER_STACK_HELP),
            );
            false
        }
    }

    /// Keeps this stack's state in `backend` (for this stack only; `App::backend` sets one
    /// for every stack).
    #[track_caller]
    pub fn set_backend(&self, backend: S3Backend) {
        self.set_backend_at(backend, RustLocation::caller());
    }

    /// [`Stack::set_backend`] at `location`.
    pub fn set_backend_at(&self, backend: S3Backend, location: RustLocation) {
        self.0.borrow_mut().backend = Some((backend, location));
    }

    /// Where this stack's state lives, if it has a backend.
    pub fn backend(&self) -> Option<S3Backend> {
        self.0.borrow().backend.as_ref().map(|(b, _)| b.clone())
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
        let mut block = block;
        if let Some(p) = &s.current_provider {
            if kind == "resource" && block.body.get("provider").is_none() {
                block.body.items.insert(
                    0,
                    crate::ir::Structure::Attribute(crate::ir::Attribute {
                        name: "provider".into(),
                        value: p.reference(),
                        origin: Origin::GENERATED,
                    }),
                );
            }
        }
        s.blocks.push(block.with_origin(Origin::rust(location)));
        r
    }

    /// An AWS provider for `region` (a region name, or an expression such as a variable),
    /// aliased `alias`, with the stack's default tags; declared once. Declaring an alias again
    /// with another region is an error.
    #[track_caller]
    pub fn provider(&self, alias: &str, region: impl Into<Expr>) -> Provider {
        self.provider_at(alias, region.into(), RustLocation::caller())
    }

    pub(crate) fn provider_at(
        &self,
        alias: &str,
        region: Expr,
        location: RustLocation,
    ) -> Provider {
        if !is_identifier(alias) || alias.contains('-') {
            self.error(
                location,
                format!("invalid provider alias `{alias}`"),
                Some("use letters, digits and `_` (e.g. `us_east_1`, `dr`)"),
            );
        }
        if let Some(r) = region.as_str() {
            if !super::backend::is_region(r) {
                self.error(location, format!("`{r}` is not an AWS region"), None);
            }
        }
        let mut s = self.0.borrow_mut();
        match s.providers.get(alias) {
            Some((existing, _)) if *existing != region => {
                let existing = existing.to_string();
                drop(s);
                self.error(
                    location,
                    format!("provider `aws.{alias}` is already declared for region {existing}"),
                    Some("give the other region its own alias"),
                );
            }
            Some(_) => {}
            None => {
                s.providers.insert(alias.to_string(), (region, location));
            }
        }
        Provider {
            alias: alias.to_string(),
        }
    }

    /// The provider for `us-east-1`, where CloudFront's certificates and web ACLs live.
    pub(crate) fn us_east_1(&self, location: RustLocation) -> Provider {
        self.provider_at("us_east_1", Expr::string("us-east-1"), location)
    }

    /// Adds a typed L1 resource in `provider`'s region.
    #[track_caller]
    pub fn add_in<T: TypedBlock>(
        &self,
        provider: &Provider,
        name: &str,
        resource: T,
    ) -> ResourceRef {
        self.declare_typed_in(provider, name, resource, RustLocation::caller())
    }

    /// Declares a typed L1 resource in `provider`'s region (for constructs).
    pub(crate) fn declare_typed_in<T: TypedBlock>(
        &self,
        provider: &Provider,
        name: &str,
        resource: T,
        location: RustLocation,
    ) -> ResourceRef {
        let mut block = Block::new("resource", vec![T::TYPE.to_string(), name.to_string()]);
        block.body = resource.to_body();
        block.body.items.insert(
            0,
            crate::ir::Structure::Attribute(crate::ir::Attribute {
                name: "provider".into(),
                value: provider.reference(),
                origin: Origin::GENERATED,
            }),
        );
        self.declare("resource", block, location)
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
            .any(|v| v.labels.first().map(crate::Name::as_str) == Some(name))
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

    /// Adds a file under the module (e.g. `policies/x.json`). Two different files at one
    /// path (two constructs whose names make the same file name) are an error: one would
    /// silently replace the other.
    pub(crate) fn add_file(&self, path: String, file: StackFile) {
        let mut s = self.0.borrow_mut();
        if let Some(existing) = s.files.get(&path) {
            if *existing != file {
                s.errors.push(SynthError {
                    message: format!("two different files would be written to `{path}`"),
                    location: None,
                    help: Some("give the constructs that write them different ids".to_string()),
                });
                return;
            }
        }
        s.files.insert(path, file);
    }

    /// Work for synth time, run in the region the stack declares in now (see
    /// [`Stack::in_region`]).
    pub(crate) fn add_finalizer(&self, f: Finalizer) {
        let provider = self.0.borrow().current_provider.clone();
        let f: Finalizer = match provider {
            None => f,
            Some(p) => Box::new(move |stack: &Stack| stack.in_region(&p, || f(stack))),
        };
        self.0.borrow_mut().finalizers.push(f);
    }

    /// Declares every resource `define` declares (and what their constructs declare at
    /// synth) in `provider`'s region: a bucket, its key and its log groups in the
    /// disaster-recovery region. Data sources keep the default provider.
    pub fn in_region<R>(&self, provider: &Provider, define: impl FnOnce() -> R) -> R {
        let previous = self
            .0
            .borrow_mut()
            .current_provider
            .replace(provider.clone());
        let result = define();
        self.0.borrow_mut().current_provider = previous;
        result
    }

    /// The region of an aliased provider of this stack (`var.region` for none).
    pub fn region_of(&self, provider: Option<&Provider>) -> Expr {
        match provider {
            Some(p) => self
                .0
                .borrow()
                .providers
                .get(p.alias())
                .map(|(region, _)| region.clone())
                .unwrap_or_else(|| Expr::var("region")),
            None => Expr::var("region"),
        }
    }

    /// The provider resources are declared with now ([`Stack::in_region`]).
    pub(crate) fn current_provider(&self) -> Option<Provider> {
        self.0.borrow().current_provider.clone()
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
        self.prepare();
        self.lower()
    }

    /// Runs the deferred work (finalizers, role policies): after it, every block the stack
    /// will have is declared.
    pub(crate) fn prepare(&self) {
        // Finalizers may add more finalizers (rarely); run until none are left.
        loop {
            let pending = std::mem::take(&mut self.0.borrow_mut().finalizers);
            if pending.is_empty() {
                break;
            }
            for f in pending {
                f(self);
            }
        }
        let closing = std::mem::take(&mut self.0.borrow_mut().closing);
        for work in closing.into_values() {
            work(self);
        }
    }

    /// Checks references and the backend, and returns the module or every error found.
    pub(crate) fn lower(self) -> Result<StackOutput, Vec<SynthError>> {
        self.check_references();
        self.check_backend();
        let state = self.0.borrow();
        if !state.errors.is_empty() {
            return Err(state.errors.clone());
        }
        let mut config = Config::default();
        let required_terraform = state
            .backend
            .as_ref()
            .and_then(|(b, _)| b.required_terraform())
            .unwrap_or(crate::constructs::module::TERRAFORM_CONSTRAINT);
        config.push(crate::constructs::module::terraform_block(
            required_terraform,
        ));
        if let Some((backend, location)) = &state.backend {
            config.push(backend.block(&state.name, &state.env.name, *location));
        }
        config.push(crate::constructs::module::provider_block(
            &state.tags,
            &state.name,
            &state.env,
        ));
        for (alias, (region, _)) in &state.providers {
            config.push(crate::constructs::module::provider_block_in(
                &state.tags,
                &state.name,
                &state.env,
                Some(alias),
                region.clone(),
            ));
        }
        config.push(crate::constructs::module::region_variable(&state.env));
        config.blocks.extend(state.variables.iter().cloned());
        config.blocks.extend(state.blocks.iter().cloned());
        config.blocks.extend(state.outputs.iter().cloned());
        // A typed suppression is written above its block in the generated Terraform, so
        // a scanner of `out/` (tfstack too) sees what linting the stack sees.
        for s in &state.suppressions {
            if let Some(block) = config.blocks.iter_mut().find(|b| b.address() == s.address) {
                block
                    .comments
                    .push(format!("tfstack:ignore[{}] {}", s.rule, s.reason));
            }
        }
        Ok(StackOutput {
            name: state.name.clone(),
            env: state.env.clone(),
            config,
            files: state.files.clone(),
            suppressions: state.suppressions.clone(),
        })
    }

    /// Every reference to a resource must name one this stack declares (references into
    /// the other stacks of a stack set were rewritten before this runs).
    fn check_references(&self) {
        let mut missing = Vec::new();
        let mut foreign = Vec::new();
        {
            let s = self.0.borrow();
            let known: BTreeSet<&String> = s.addresses.keys().collect();
            for block in s.blocks.iter().chain(s.outputs.iter()) {
                let mut exprs = Vec::new();
                collect_exprs(&block.body, &mut exprs);
                // `provider = aws.<alias>` names a provider, not a resource.
                let provider = block.body.get("provider");
                exprs.retain(|e| Some(*e) != provider);
                for e in exprs {
                    // Names a `for` expression binds (`option` in `for option in …`) are
                    // not resources.
                    let mut bound: BTreeSet<&str> = BTreeSet::new();
                    e.visit(&mut |inner| {
                        if let crate::ir::ExprKind::For(f) = &inner.kind {
                            bound.insert(f.value_var.as_str());
                            if let Some(k) = &f.key_var {
                                bound.insert(k.as_str());
                            }
                        }
                    });
                    for t in e.traversals() {
                        if bound.contains(t.root.as_str()) {
                            continue;
                        }
                        let Some(addr) = t.resource_address() else {
                            continue;
                        };
                        let Some(&loc) = block.origin.rust_location() else {
                            continue;
                        };
                        if t.declared_in.id().is_some_and(|id| id != s.id) {
                            // Within the stack set, a reference left unwired already has
                            // its error (e.g. a producer without a backend).
                            if t.declared_in
                                .id()
                                .is_some_and(|id| !s.group.borrow().contains(&id))
                            {
                                foreign.push((loc, addr, block.address()));
                            }
                        } else if !known.contains(&addr) {
                            missing.push((loc, addr, block.address()));
                        }
                    }
                }
            }
        }
        for (loc, addr, from) in foreign {
            self.error(
                loc,
                format!("`{from}` references `{addr}`, which belongs to another stack, not built with this one"),
                Some(OTHER_STACK_HELP),
            );
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

    /// The backend, if any, must be usable.
    fn check_backend(&self) {
        let (problems, location) = {
            let s = self.0.borrow();
            let Some((backend, location)) = &s.backend else {
                return;
            };
            (backend.problems(&s.name, &s.env.name), *location)
        };
        for (message, help) in problems {
            self.error(location, message, Some(help));
        }
    }

    /// Every block and output of the stack, for rewriting references.
    pub(crate) fn for_each_expr_mut(&self, f: &mut dyn FnMut(&str, &mut Expr)) {
        let mut s = self.0.borrow_mut();
        let state = &mut *s;
        for block in state.blocks.iter_mut().chain(state.outputs.iter_mut()) {
            let address = block.address();
            visit_body_mut(&mut block.body, &mut |e| f(&address, e));
        }
    }
}

/// Help for a reference to a stack that is not built with this one.
const OTHER_STACK_HELP: &str = "stacks registered together (`App::stacks([…], |[a, b]| …)`) may reference each other's resources: tfstack wires them through the producer's outputs; a stack on its own is one Terraform root module";

/// Calls `f` on every expression of `body` (nested blocks included), children first.
fn visit_body_mut(body: &mut crate::ir::Body, f: &mut dyn FnMut(&mut Expr)) {
    for item in &mut body.items {
        match item {
            crate::ir::Structure::Attribute(a) => a.value.visit_mut(f),
            crate::ir::Structure::Block(b) => visit_body_mut(&mut b.body, f),
        }
    }
}

/// Whether `e` is a reference made in a stack other than `stack_id`.
pub(crate) fn foreign_traversal(e: &Expr, stack_id: u64) -> Option<&Traversal> {
    match &e.kind {
        ExprKind::Traversal(t) if t.declared_in.id().is_some_and(|id| id != stack_id) => Some(t),
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_different_files_at_one_path_are_an_error() {
        let stack = Stack::new("s", Environment::dev());
        let text = |t: &str| StackFile::Text {
            text: t.to_string(),
            origins: Vec::new(),
        };
        stack.add_file("policies/x.json".into(), text("{}"));
        stack.add_file("policies/x.json".into(), text("{}"));
        assert!(
            stack.0.borrow().errors.is_empty(),
            "the same file twice is fine"
        );
        stack.add_file("policies/x.json".into(), text("{\"a\": 1}"));
        let errors = stack.finish().expect_err("collision");
        assert!(errors[0]
            .message
            .contains("two different files would be written to `policies/x.json`"));
    }
}
