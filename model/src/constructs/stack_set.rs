//! Several stacks built together for one environment: a reference from one stack to
//! another's resource becomes an output (or an SSM parameter) of the producer and a read of
//! it in the consumer, and the stacks are ordered so that producers apply first.
//!
//! ```ignore
//! let set = StackSet::new(&["shared", "api"], Environment::prod());
//! let [shared, api] = [&set.stacks()[0], &set.stacks()[1]];
//! let jobs = Queue::new(shared, "jobs").build();
//! let handler = Function::new(api, "handler", …).env("JOBS_URL", jobs.url()).build();
//! jobs.grant_send(&handler);
//! // `shared` gets `output "sqs_queue_jobs_url"` and `output "sqs_queue_jobs_arn"`; `api`
//! // reads them with `data "terraform_remote_state" "shared"` (its S3 backend's key).
//! let out = set.finish();
//! ```
//!
//! A cycle (each stack needing the other's outputs: neither can apply first) is an error
//! at the Rust line of every reference in it.

use super::stack::{foreign_traversal, Stack, StackOutput, SynthError};
use crate::environment::Environment;
use crate::ir::{Block, Expr, Traversal};
use crate::origin::{Origin, RustLocation};
use std::collections::{BTreeMap, BTreeSet};

/// How a stack reads the values of the stacks it references.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CrossStackReferences {
    /// Outputs of the producer, read with `data "terraform_remote_state"` from its S3
    /// backend (the producer needs one).
    #[default]
    RemoteState,
    /// SSM parameters `<prefix>/<stack>/<env>/<name>` (type `String`) written by the
    /// producer and read with `data "aws_ssm_parameter"`: the consumer needs no access to
    /// the producer's state, but only string values cross, in the consumer's region.
    SsmParameters {
        /// Starts with `/` (e.g. `/tfstack`).
        prefix: String,
    },
}

/// The stacks of one environment, built together.
pub struct StackSet {
    stacks: Vec<Stack>,
    references: CrossStackReferences,
}

/// What a stack set lowers to.
#[derive(Debug)]
pub struct StackSetOutput {
    /// Every stack, in the order of [`StackSet::new`]'s names.
    pub stacks: Vec<Result<StackOutput, Vec<SynthError>>>,
    /// The stacks each stack reads (by name).
    pub dependencies: BTreeMap<String, BTreeSet<String>>,
}

/// One reference of a consumer into a producer.
struct CrossReference {
    consumer: usize,
    producer: usize,
    /// The traversal as written (`aws_sqs_queue.jobs.url`).
    text: String,
    /// The traversal itself: what the producer exports.
    traversal: Traversal,
    location: Option<RustLocation>,
    /// The block that holds it (`aws_lambda_function.handler`).
    holder: String,
}

impl StackSet {
    /// Stacks `names` for `env`, whose resources may reference each other.
    pub fn new(names: &[&str], env: Environment) -> StackSet {
        let stacks: Vec<Stack> = names.iter().map(|n| Stack::new(n, env.clone())).collect();
        let ids: Vec<u64> = stacks.iter().map(Stack::id).collect();
        let group = std::rc::Rc::new(std::cell::RefCell::new(ids));
        for s in &stacks {
            s.0.borrow_mut().group = group.clone();
        }
        StackSet {
            stacks,
            references: CrossStackReferences::RemoteState,
        }
    }

    /// How consumers read producers' values (default: remote state).
    pub fn with_references(mut self, references: CrossStackReferences) -> StackSet {
        self.references = references;
        self
    }

    pub fn stacks(&self) -> &[Stack] {
        &self.stacks
    }

    /// Runs every stack's deferred work, wires the references between them, and lowers
    /// each one.
    pub fn finish(self) -> StackSetOutput {
        for s in &self.stacks {
            s.prepare();
        }
        let references = self.collect_references();
        let mut dependencies: BTreeMap<String, BTreeSet<String>> = self
            .stacks
            .iter()
            .map(|s| (s.name(), BTreeSet::new()))
            .collect();
        for r in &references {
            dependencies
                .entry(self.stacks[r.consumer].name())
                .or_default()
                .insert(self.stacks[r.producer].name());
        }
        let cyclic = cyclic_stacks(self.stacks.len(), &references);
        for r in references
            .iter()
            .filter(|r| cyclic.contains(&r.consumer) && cyclic.contains(&r.producer))
        {
            let names: Vec<String> = cyclic.iter().map(|&i| self.stacks[i].name()).collect();
            self.error_at(
                r,
                format!(
                    "`{}` in stack `{}` references `{}` of stack `{}`, and the stacks {} depend on each other: none of them can be applied first",
                    r.holder,
                    self.stacks[r.consumer].name(),
                    r.text,
                    self.stacks[r.producer].name(),
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ),
                "keep references one way: move the shared resource into one stack, or the reference out of it",
            );
        }
        if cyclic.is_empty() {
            self.wire(&references);
        }
        StackSetOutput {
            stacks: self.stacks.into_iter().map(Stack::lower).collect(),
            dependencies,
        }
    }

    fn error_at(&self, r: &CrossReference, message: String, help: &str) {
        let consumer = &self.stacks[r.consumer];
        match r.location {
            Some(l) => consumer.error(l, message, Some(help)),
            None => consumer.0.borrow_mut().errors.push(SynthError {
                message,
                location: None,
                help: Some(help.to_string()),
            }),
        }
    }

    /// Every reference of a stack into another of the set, in declaration order.
    fn collect_references(&self) -> Vec<CrossReference> {
        let index: BTreeMap<u64, usize> = self
            .stacks
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id(), i))
            .collect();
        let mut out = Vec::new();
        for (consumer, stack) in self.stacks.iter().enumerate() {
            let own = stack.id();
            let state = stack.0.borrow();
            for block in state.blocks.iter().chain(state.outputs.iter()) {
                let block_location = block.origin.rust_location().copied();
                let mut seen = BTreeSet::new();
                visit_body(&block.body, &mut |e| {
                    if let Some(t) = foreign_traversal(e, own) {
                        let producer = t.declared_in.id().and_then(|id| index.get(&id));
                        if let Some(&producer) = producer {
                            let text = t.to_string();
                            // A policy statement's own line when the reference is in one.
                            let location = t
                                .declared_in
                                .id()
                                .and_then(|id| state.reference_uses.get(&format!("{text}@{id}")))
                                .copied()
                                .or(block_location);
                            if seen.insert((producer, text.clone())) {
                                out.push(CrossReference {
                                    consumer,
                                    producer,
                                    text,
                                    traversal: t.clone(),
                                    location,
                                    holder: block.address(),
                                });
                            }
                        }
                    }
                });
            }
        }
        out
    }

    /// Exports from producers, imports into consumers, references rewritten.
    fn wire(&self, references: &[CrossReference]) {
        // (consumer, producer, traversal text) → the expression that replaces it.
        let mut replacements: BTreeMap<(usize, usize, String), Expr> = BTreeMap::new();
        let env = self.stacks[0].env().name;
        for r in references {
            let key = (r.consumer, r.producer, r.text.clone());
            if replacements.contains_key(&key) {
                continue;
            }
            let producer = &self.stacks[r.producer];
            let consumer = &self.stacks[r.consumer];
            let Some(export) = self.export(producer, r) else {
                continue;
            };
            let read = match &self.references {
                CrossStackReferences::RemoteState => {
                    let Some(backend) = producer.backend() else {
                        self.error_at(
                            r,
                            format!(
                                "`{}` references `{}` of stack `{}`, which has no backend to read its outputs from",
                                r.holder,
                                r.text,
                                producer.name()
                            ),
                            "give the stacks an S3 backend (`App::backend`, or `stack.set_backend` in the producer), or read values through SSM parameters (`App::cross_stack_references`)",
                        );
                        continue;
                    };
                    let data = remote_state_block(&producer.name(), &backend, &env);
                    declare_once(consumer, data, r.location);
                    Expr::reference(
                        "data",
                        &[
                            "terraform_remote_state",
                            &producer.name(),
                            "outputs",
                            &export,
                        ],
                    )
                }
                CrossStackReferences::SsmParameters { prefix } => {
                    let parameter = format!(
                        "{}/{}/{env}/{export}",
                        prefix.trim_end_matches('/'),
                        producer.name()
                    );
                    let name = format!("{}_{export}", producer.name());
                    let data =
                        Block::new("data", vec!["aws_ssm_parameter".to_string(), name.clone()])
                            .attr("name", parameter);
                    declare_once(consumer, data, r.location);
                    Expr::reference("data", &["aws_ssm_parameter", &name, "insecure_value"])
                }
            };
            replacements.insert(key, read);
        }
        let ids: BTreeMap<u64, usize> = self
            .stacks
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id(), i))
            .collect();
        for (consumer, stack) in self.stacks.iter().enumerate() {
            let own = stack.id();
            let mut depends_on_foreign = Vec::new();
            stack.for_each_expr_mut(&mut |holder, e| {
                let Some(t) = foreign_traversal(e, own) else {
                    return;
                };
                let Some(&producer) = t.declared_in.id().and_then(|id| ids.get(&id)) else {
                    return;
                };
                if t.resource_attribute().is_none() {
                    depends_on_foreign.push((holder.to_string(), t.to_string()));
                    return;
                }
                if let Some(read) = replacements.get(&(consumer, producer, t.to_string())) {
                    *e = read.clone();
                }
            });
            for (holder, text) in depends_on_foreign {
                if let Some(r) = references
                    .iter()
                    .find(|r| r.consumer == consumer && r.holder == holder && r.text == text)
                {
                    self.error_at(
                        r,
                        format!("`{holder}` refers to `{text}` of another stack as a whole (e.g. in `depends_on`)"),
                        "refer to one of its attributes; the stack order already applies the other stack first",
                    );
                }
            }
        }
    }

    /// The producer's export of `r`: its output (or SSM parameter) name, declared once.
    fn export(&self, producer: &Stack, r: &CrossReference) -> Option<String> {
        let name = export_name(&r.text);
        let value = Expr::from(r.traversal.clone());
        match &self.references {
            CrossStackReferences::RemoteState => {
                // An output the producer already has for this value serves.
                let own = producer
                    .0
                    .borrow()
                    .outputs
                    .iter()
                    .find(|o| o.body.get("value") == Some(&value))
                    .and_then(|o| o.labels.first().cloned());
                if let Some(own) = own {
                    return Some(own.to_string());
                }
                let existing = producer
                    .0
                    .borrow()
                    .outputs
                    .iter()
                    .find(|o| o.labels.first().is_some_and(|l| *l == name))
                    .map(|o| o.body.get("value") == Some(&value));
                match existing {
                    Some(true) => {}
                    Some(false) => {
                        self.error_at(
                            r,
                            format!(
                                "stack `{}` already has an output `{name}`, which the reference to `{}` needs",
                                producer.name(),
                                r.text
                            ),
                            "rename that output",
                        );
                        return None;
                    }
                    None => producer.0.borrow_mut().outputs.push(
                        Block::new("output", vec![name.clone()])
                            .attr("description", format!("`{}`, read by other stacks", r.text))
                            .attr("value", value)
                            .with_origin(origin_of(r)),
                    ),
                }
            }
            CrossStackReferences::SsmParameters { prefix } => {
                let address = format!("aws_ssm_parameter.export_{name}");
                if !producer.0.borrow().addresses.contains_key(&address) {
                    let env = producer.env().name;
                    let parameter = crate::l1::resources::SsmParameter::new(
                        format!(
                            "{}/{}/{env}/{name}",
                            prefix.trim_end_matches('/'),
                            producer.name()
                        ),
                        "String",
                    )
                    .description(format!(
                        "`{}` of stack `{}`, read by other stacks",
                        r.text,
                        producer.name()
                    ))
                    .value(value);
                    producer.declare_typed(
                        &format!("export_{name}"),
                        parameter,
                        r.location.unwrap_or(RustLocation::caller()),
                    );
                }
            }
        }
        Some(name)
    }
}

/// `aws_sqs_queue.jobs.url` → `sqs_queue_jobs_url`; `data.aws_x.y.z` → `data_x_y_z`.
fn export_name(text: &str) -> String {
    let mut name: String = text
        .replacen("aws_", "", 1)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while name.contains("__") {
        name = name.replace("__", "_");
    }
    name.trim_matches('_').to_string()
}

fn origin_of(r: &CrossReference) -> Origin {
    r.location.map(Origin::rust).unwrap_or_default()
}

/// `data "terraform_remote_state" "<producer>"` reading the producer's state in `env`.
fn remote_state_block(producer: &str, backend: &super::backend::S3Backend, env: &str) -> Block {
    Block::new(
        "data",
        vec!["terraform_remote_state".to_string(), producer.to_string()],
    )
    .attr("backend", "s3")
    .attr("config", backend.remote_state_config(producer, env))
}

/// Declares the data block in `stack` unless it is there already.
fn declare_once(stack: &Stack, block: Block, location: Option<RustLocation>) {
    if stack.0.borrow().addresses.contains_key(&block.address()) {
        return;
    }
    stack.declare("data", block, location.unwrap_or(RustLocation::caller()));
}

/// Calls `f` on every expression of `body`.
fn visit_body<'a>(body: &'a crate::ir::Body, f: &mut dyn FnMut(&'a Expr)) {
    for item in &body.items {
        match item {
            crate::ir::Structure::Attribute(a) => a.value.visit(f),
            crate::ir::Structure::Block(b) => visit_body(&b.body, f),
        }
    }
}

/// The stacks on a cycle of references (sorted), empty when there is none.
fn cyclic_stacks(n: usize, references: &[CrossReference]) -> BTreeSet<usize> {
    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    for r in references {
        edges[r.consumer].insert(r.producer);
    }
    // A stack is on a cycle when it reaches itself.
    (0..n)
        .filter(|&start| {
            let mut stack: Vec<usize> = edges[start].iter().copied().collect();
            let mut seen = BTreeSet::new();
            while let Some(i) = stack.pop() {
                if i == start {
                    return true;
                }
                if seen.insert(i) {
                    stack.extend(edges[i].iter().copied());
                }
            }
            false
        })
        .collect()
}

/// `names` ordered so that every stack comes after the stacks it reads; ties keep the
/// given order. `None` when the dependencies have a cycle.
pub fn dependency_order(
    names: &[String],
    dependencies: &BTreeMap<String, BTreeSet<String>>,
) -> Option<Vec<String>> {
    let mut done: Vec<String> = Vec::with_capacity(names.len());
    while done.len() < names.len() {
        let next = names.iter().find(|n| {
            !done.contains(n)
                && dependencies
                    .get(*n)
                    .is_none_or(|deps| deps.iter().all(|d| done.contains(d) || !names.contains(d)))
        })?;
        done.push(next.clone());
    }
    Some(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::{Code, Function, Queue, Runtime, S3Backend, StackFile};

    fn handler(stack: &Stack) -> Function {
        Function::new(
            stack,
            "handler",
            Runtime::Python312,
            "app.handler",
            Code::directory("."),
        )
        .timeout_seconds(10)
        .build()
    }

    /// A queue `jobs` in the set's first stack, whose URL a function of the second reads.
    fn reader_of_shared_jobs(set: &StackSet) -> (Queue, Function) {
        reader_of_jobs(&set.stacks()[0], &set.stacks()[1])
    }

    /// A queue `jobs` in `producer`, whose URL a function of `consumer` reads.
    fn reader_of_jobs(producer: &Stack, consumer: &Stack) -> (Queue, Function) {
        let jobs = Queue::new(producer, "jobs").build();
        let f = Function::new(
            consumer,
            "handler",
            Runtime::Python312,
            "app.handler",
            Code::directory("."),
        )
        .env("JOBS_URL", jobs.url())
        .build();
        (jobs, f)
    }

    fn backend() -> S3Backend {
        S3Backend::new("acme-tfstate", "eu-west-1")
    }

    fn ok(out: &Result<StackOutput, Vec<SynthError>>) -> &StackOutput {
        match out {
            Ok(o) => o,
            Err(e) => panic!("stack errors: {e:?}"),
        }
    }

    #[test]
    fn a_reference_into_another_stack_becomes_an_output_and_a_remote_state_read() {
        let set = StackSet::new(&["shared", "api"], Environment::prod());
        for s in set.stacks() {
            s.set_backend(backend());
        }
        let (jobs, f) = reader_of_shared_jobs(&set);
        jobs.grant_send(&f);
        let out = set.finish();
        assert_eq!(
            out.dependencies["api"],
            BTreeSet::from(["shared".to_string()])
        );
        assert!(out.dependencies["shared"].is_empty());
        let shared = ok(&out.stacks[0]);
        let outputs: Vec<String> = shared
            .config
            .blocks_of("output")
            .map(|o| {
                format!(
                    "{} = {}",
                    o.labels[0],
                    o.body
                        .get("value")
                        .map(|e| e.to_string())
                        .unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(
            outputs,
            [
                "sqs_queue_jobs_url = aws_sqs_queue.jobs.url",
                "sqs_queue_jobs_arn = aws_sqs_queue.jobs.arn"
            ]
        );
        let api = ok(&out.stacks[1]);
        let data = api
            .config
            .blocks
            .iter()
            .find(|b| b.address() == "data.terraform_remote_state.shared")
            .expect("remote state read");
        assert_eq!(
            data.body.get("config").map(|e| e.to_string()).as_deref(),
            Some("{ bucket = \"acme-tfstate\", key = \"shared/prod/terraform.tfstate\", region = \"eu-west-1\" }")
        );
        let function = api
            .config
            .resource("aws_lambda_function", "handler")
            .expect("function");
        let vars = function
            .body
            .block("environment")
            .and_then(|e| e.body.get("variables"))
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            vars.contains("data.terraform_remote_state.shared.outputs.sqs_queue_jobs_url"),
            "{vars}"
        );
        let policy = api
            .config
            .resource("aws_iam_role_policy", "handler")
            .and_then(|p| p.body.get("policy"))
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            policy.contains("sqs_queue_jobs_arn = data.terraform_remote_state.shared.outputs.sqs_queue_jobs_arn"),
            "{policy}"
        );
        let Some(StackFile::Text { text, .. }) =
            api.files.get("policies/api-prod-handler-policy.json")
        else {
            panic!("role policy");
        };
        assert!(
            text.contains("\"Resource\": \"${sqs_queue_jobs_arn}\""),
            "{text}"
        );
        assert_eq!(
            dependency_order(&["api".into(), "shared".into()], &out.dependencies),
            Some(vec!["shared".to_string(), "api".to_string()])
        );
    }

    #[test]
    fn a_cycle_between_stacks_is_an_error_at_each_reference() {
        let set = StackSet::new(&["a", "b"], Environment::dev());
        let (a, b) = (&set.stacks()[0], &set.stacks()[1]);
        a.set_backend(backend());
        b.set_backend(backend());
        let queue_a = Queue::new(a, "jobs").visibility_timeout_seconds(60).build();
        let queue_b = Queue::new(b, "jobs").visibility_timeout_seconds(60).build();
        let fa = handler(a);
        let fb = handler(b);
        queue_b.grant_send(&fa);
        let line_a = line!() - 1;
        queue_a.grant_send(&fb);
        let out = set.finish();
        let errors_a = out.stacks[0].as_ref().expect_err("cycle in a");
        let errors_b = out.stacks[1].as_ref().expect_err("cycle in b");
        assert!(
            errors_a[0].message.contains("depend on each other"),
            "{errors_a:?}"
        );
        assert!(errors_a[0].message.contains("`a`, `b`"), "{errors_a:?}");
        // Each error is at the grant that made the reference, not at the role.
        assert_eq!(errors_a[0].location.map(|l| l.line), Some(line_a));
        assert_eq!(errors_b[0].location.map(|l| l.line), Some(line_a + 2));
        assert_eq!(
            dependency_order(&["a".into(), "b".into()], &out.dependencies),
            None
        );
    }

    #[test]
    fn a_producer_without_a_backend_cannot_be_read_through_remote_state() {
        let set = StackSet::new(&["shared", "api"], Environment::dev());
        reader_of_shared_jobs(&set);
        let out = set.finish();
        let errors = out.stacks[1].as_ref().expect_err("no backend");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].message.contains("which has no backend"),
            "{errors:?}"
        );
    }

    #[test]
    fn ssm_parameters_carry_values_without_state_access() {
        let set = StackSet::new(&["shared", "api"], Environment::dev()).with_references(
            CrossStackReferences::SsmParameters {
                prefix: "/tfstack".into(),
            },
        );
        reader_of_shared_jobs(&set);
        let out = set.finish();
        let shared = ok(&out.stacks[0]);
        let parameter = shared
            .config
            .resource("aws_ssm_parameter", "export_sqs_queue_jobs_url")
            .expect("parameter");
        assert_eq!(
            parameter.body.get("name").map(|e| e.to_string()).as_deref(),
            Some("\"/tfstack/shared/dev/sqs_queue_jobs_url\"")
        );
        let api = ok(&out.stacks[1]);
        let vars = api
            .config
            .resource("aws_lambda_function", "handler")
            .and_then(|f| f.body.block("environment"))
            .and_then(|e| e.body.get("variables"))
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            vars.contains("data.aws_ssm_parameter.shared_sqs_queue_jobs_url.insecure_value"),
            "{vars}"
        );
    }

    #[test]
    fn a_reference_to_a_stack_outside_the_set_is_an_error() {
        let other = Stack::new("other", Environment::dev());
        let stack = Stack::new("api", Environment::dev());
        reader_of_jobs(&other, &stack);
        let errors = stack.finish().expect_err("foreign reference");
        assert!(
            errors[0].message.contains("belongs to another stack"),
            "{errors:?}"
        );
    }

    #[test]
    fn order_puts_producers_first_and_keeps_ties_in_order() {
        let deps = BTreeMap::from([
            ("web".to_string(), BTreeSet::from(["data".to_string()])),
            ("data".to_string(), BTreeSet::new()),
            ("ops".to_string(), BTreeSet::new()),
        ]);
        assert_eq!(
            dependency_order(&["web".into(), "ops".into(), "data".into()], &deps),
            Some(vec![
                "ops".to_string(),
                "data".to_string(),
                "web".to_string()
            ])
        );
    }
}
