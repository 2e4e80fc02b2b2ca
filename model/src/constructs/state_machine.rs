//! `StateMachine`: a Step Functions standard workflow built from a typed Amazon States
//! Language definition — Task (Lambda invoke, `ecs:runTask.sync` on Fargate), Parallel,
//! Choice, Wait, Pass, Succeed, Fail; Retry and Catch — with logging of ALL events
//! (execution data included) to a log group with retention, X-Ray tracing, and a role
//! whose permissions are derived from the definition: exactly the functions it invokes,
//! the task definitions it runs (and the roles it passes to them), nothing else.
//!
//! The definition is JSON written by `serde_json` in a fixed key order to
//! `statemachines/<name>.asl.json`; references to other resources (function ARNs, subnet
//! IDs, …) are `templatefile()` variables, so Terraform resolves them and orders the
//! resources. The definition is checked at synth: unknown or unreachable states, missing
//! transitions, duplicate names and misplaced `States.ALL` are errors at the Rust line.
//!
//! ```ignore
//! let definition = Definition::new("Fetch")
//!     .state("Fetch", Task::invoke(&fetcher)
//!         .retry(Retry::all().interval_seconds(5))
//!         .catch(Catch::all("HandleError").result_path("$.error"))
//!         .next("Done"))
//!     .state("HandleError", Task::invoke(&error_handler).next("Failed"))
//!     .state("Failed", Fail::new("SyncFailed", "see the error handler's logs"))
//!     .state("Done", Succeed::new());
//! let machine = StateMachine::new(stack, "sync", definition).build();
//! machine.grant_start_execution(&caller);
//! ```

use super::ecs::FargateTask;
use super::function::Function;
use super::iam::{policy_string, template_with_placeholders, Grantee, Role};
use super::log_group::LogGroup;
use super::naming::camel;
use super::network::arn_in_role_account;
use super::stack::{ResourceRef, Stack, StackFile};
use crate::ir::{Expr, TemplatePart};
use crate::l1::resources::{
    SfnStateMachine, SfnStateMachineLoggingConfiguration, SfnStateMachineTracingConfiguration,
};
use crate::origin::RustLocation;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::rc::Rc;

/// The rule Step Functions manages to learn when a `.sync` ECS task stops.
pub const ECS_SYNC_RULE: &str = "StepFunctionsGetEventsForECSTaskRule";

// ---------------------------------------------------------------------------------------
// The definition
// ---------------------------------------------------------------------------------------

/// A state machine definition, or one branch of a Parallel state.
#[derive(Clone, Debug)]
pub struct Definition {
    comment: Option<String>,
    start_at: String,
    timeout_seconds: Option<i64>,
    states: Vec<(String, State, RustLocation)>,
    location: RustLocation,
}

/// One state.
#[derive(Clone, Debug)]
pub enum State {
    Task(Task),
    Parallel(Parallel),
    Choice(Choice),
    Wait(Wait),
    Pass(Pass),
    Succeed(Succeed),
    Fail(Fail),
}

/// Where a state goes next.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Transition {
    Unset,
    Next(String),
    End,
}

/// Retry on matching errors: 3 attempts, 2 s first interval, backoff 2.0 by default.
#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    errors: Vec<String>,
    interval_seconds: i64,
    max_attempts: i64,
    backoff_rate: f64,
}

/// On matching errors, go to `next` (the error output at `result_path`).
#[derive(Clone, Debug, PartialEq)]
pub struct Catch {
    errors: Vec<String>,
    next: String,
    result_path: Option<String>,
}

/// What a Task state calls.
#[derive(Clone, Debug)]
enum Integration {
    /// `arn:aws:states:::lambda:invoke` with `FunctionName` = the function's ARN.
    LambdaInvoke {
        function: Box<Function>,
        payload: Option<Value>,
    },
    /// `arn:aws:states:::ecs:runTask.sync` on Fargate, in the task's subnets.
    RunFargate {
        task: FargateTask,
        /// Container environment overrides: name → JSONPath (`$$.Execution.Id`).
        environment: Vec<(String, String)>,
    },
}

/// Fields every Task and Parallel state share.
#[derive(Clone, Debug, Default)]
struct Common {
    comment: Option<String>,
    input_path: Option<String>,
    result_selector: Option<Value>,
    result_path: Option<String>,
    output_path: Option<String>,
    retry: Vec<Retry>,
    catch: Vec<Catch>,
}

/// A Task state.
#[derive(Clone, Debug)]
pub struct Task {
    integration: Integration,
    common: Common,
    timeout_seconds: Option<i64>,
    heartbeat_seconds: Option<i64>,
    transition: Transition,
}

/// A Parallel state: every branch runs; the output is the array of branch outputs.
#[derive(Clone, Debug)]
pub struct Parallel {
    branches: Vec<Definition>,
    common: Common,
    transition: Transition,
}

/// A Choice state.
#[derive(Clone, Debug)]
pub struct Choice {
    comment: Option<String>,
    rules: Vec<(Condition, String)>,
    default: Option<String>,
}

/// A condition of a Choice rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    StringEquals(String, String),
    NumericEquals(String, f64),
    NumericGreaterThan(String, f64),
    NumericLessThan(String, f64),
    BooleanEquals(String, bool),
    IsPresent(String, bool),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
}

/// A Wait state.
#[derive(Clone, Debug)]
pub struct Wait {
    seconds: Option<i64>,
    seconds_path: Option<String>,
    transition: Transition,
}

/// A Pass state.
#[derive(Clone, Debug)]
pub struct Pass {
    result: Option<Value>,
    result_path: Option<String>,
    transition: Transition,
}

/// A Succeed state.
#[derive(Clone, Debug, Default)]
pub struct Succeed {
    comment: Option<String>,
}

/// A Fail state.
#[derive(Clone, Debug)]
pub struct Fail {
    error: String,
    cause: String,
}

impl Definition {
    /// A definition that starts at state `start_at`.
    #[track_caller]
    pub fn new(start_at: &str) -> Definition {
        Definition {
            comment: None,
            start_at: start_at.to_string(),
            timeout_seconds: None,
            states: Vec::new(),
            location: RustLocation::caller(),
        }
    }
    pub fn comment(mut self, text: &str) -> Self {
        self.comment = Some(text.to_string());
        self
    }
    /// The execution fails when it runs longer than this.
    pub fn timeout_seconds(mut self, seconds: i64) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }
    /// Adds state `name`.
    #[track_caller]
    pub fn state(mut self, name: &str, state: impl Into<State>) -> Self {
        self.states
            .push((name.to_string(), state.into(), RustLocation::caller()));
        self
    }
}

impl Retry {
    /// Retries every error (`States.ALL`).
    pub fn all() -> Retry {
        Retry::errors(&["States.ALL"])
    }
    /// Retries the named errors.
    pub fn errors(errors: &[&str]) -> Retry {
        Retry {
            errors: errors.iter().map(|s| s.to_string()).collect(),
            interval_seconds: 2,
            max_attempts: 3,
            backoff_rate: 2.0,
        }
    }
    pub fn interval_seconds(mut self, seconds: i64) -> Self {
        self.interval_seconds = seconds;
        self
    }
    pub fn max_attempts(mut self, attempts: i64) -> Self {
        self.max_attempts = attempts;
        self
    }
    pub fn backoff_rate(mut self, rate: f64) -> Self {
        self.backoff_rate = rate;
        self
    }
}

impl Catch {
    /// Catches every error (`States.ALL`) and goes to `next`.
    pub fn all(next: &str) -> Catch {
        Catch::errors(&["States.ALL"], next)
    }
    pub fn errors(errors: &[&str], next: &str) -> Catch {
        Catch {
            errors: errors.iter().map(|s| s.to_string()).collect(),
            next: next.to_string(),
            result_path: None,
        }
    }
    /// Where the error object goes in the state's input (default: replaces it).
    pub fn result_path(mut self, path: &str) -> Self {
        self.result_path = Some(path.to_string());
        self
    }
}

macro_rules! common_setters {
    () => {
        pub fn comment(mut self, text: &str) -> Self {
            self.common.comment = Some(text.to_string());
            self
        }
        pub fn input_path(mut self, path: &str) -> Self {
            self.common.input_path = Some(path.to_string());
            self
        }
        /// Reshapes the raw result (a JSON object with `.$` paths).
        pub fn result_selector(mut self, selector: Value) -> Self {
            self.common.result_selector = Some(selector);
            self
        }
        pub fn result_path(mut self, path: &str) -> Self {
            self.common.result_path = Some(path.to_string());
            self
        }
        pub fn output_path(mut self, path: &str) -> Self {
            self.common.output_path = Some(path.to_string());
            self
        }
        pub fn retry(mut self, retry: Retry) -> Self {
            self.common.retry.push(retry);
            self
        }
        pub fn catch(mut self, catch: Catch) -> Self {
            self.common.catch.push(catch);
            self
        }
        pub fn next(mut self, state: &str) -> Self {
            self.transition = Transition::Next(state.to_string());
            self
        }
        pub fn end(mut self) -> Self {
            self.transition = Transition::End;
            self
        }
    };
}

impl Task {
    /// Invokes `function` (request/response) with the state's input as payload.
    pub fn invoke(function: &Function) -> Task {
        Task::with(Integration::LambdaInvoke {
            function: Box::new(function.clone()),
            payload: None,
        })
    }
    /// Runs `task` on Fargate and waits for it to stop (`ecs:runTask.sync`); the
    /// container gets `EXECUTION_ID` (`$$.Execution.Id`).
    pub fn run_fargate(task: &FargateTask) -> Task {
        Task::with(Integration::RunFargate {
            task: task.clone(),
            environment: vec![("EXECUTION_ID".to_string(), "$$.Execution.Id".to_string())],
        })
    }
    fn with(integration: Integration) -> Task {
        Task {
            integration,
            common: Common::default(),
            timeout_seconds: None,
            heartbeat_seconds: None,
            transition: Transition::Unset,
        }
    }
    /// The Lambda payload (a JSON object with `.$` paths); default: the state's input.
    pub fn payload(mut self, payload: Value) -> Self {
        if let Integration::LambdaInvoke { payload: p, .. } = &mut self.integration {
            *p = Some(payload);
        }
        self
    }
    /// A container environment override from a JSONPath (Fargate tasks).
    pub fn container_env(mut self, name: &str, json_path: &str) -> Self {
        if let Integration::RunFargate { environment, .. } = &mut self.integration {
            environment.push((name.to_string(), json_path.to_string()));
        }
        self
    }
    /// The task fails with `States.Timeout` after this long.
    pub fn timeout_seconds(mut self, seconds: i64) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }
    pub fn heartbeat_seconds(mut self, seconds: i64) -> Self {
        self.heartbeat_seconds = Some(seconds);
        self
    }
    common_setters!();
}

impl Parallel {
    pub fn new() -> Parallel {
        Parallel {
            branches: Vec::new(),
            common: Common::default(),
            transition: Transition::Unset,
        }
    }
    pub fn branch(mut self, branch: Definition) -> Self {
        self.branches.push(branch);
        self
    }
    common_setters!();
}

impl Default for Parallel {
    fn default() -> Self {
        Parallel::new()
    }
}

impl Choice {
    pub fn new() -> Choice {
        Choice {
            comment: None,
            rules: Vec::new(),
            default: None,
        }
    }
    pub fn comment(mut self, text: &str) -> Self {
        self.comment = Some(text.to_string());
        self
    }
    /// When `condition` holds, go to `next` (rules are tried in order).
    pub fn when(mut self, condition: Condition, next: &str) -> Self {
        self.rules.push((condition, next.to_string()));
        self
    }
    /// Where to go when no rule matches.
    pub fn otherwise(mut self, next: &str) -> Self {
        self.default = Some(next.to_string());
        self
    }
}

impl Default for Choice {
    fn default() -> Self {
        Choice::new()
    }
}

impl Wait {
    pub fn seconds(seconds: i64) -> Wait {
        Wait {
            seconds: Some(seconds),
            seconds_path: None,
            transition: Transition::Unset,
        }
    }
    pub fn seconds_path(path: &str) -> Wait {
        Wait {
            seconds: None,
            seconds_path: Some(path.to_string()),
            transition: Transition::Unset,
        }
    }
    pub fn next(mut self, state: &str) -> Self {
        self.transition = Transition::Next(state.to_string());
        self
    }
    pub fn end(mut self) -> Self {
        self.transition = Transition::End;
        self
    }
}

impl Pass {
    pub fn new() -> Pass {
        Pass {
            result: None,
            result_path: None,
            transition: Transition::Unset,
        }
    }
    pub fn result(mut self, result: Value) -> Self {
        self.result = Some(result);
        self
    }
    pub fn result_path(mut self, path: &str) -> Self {
        self.result_path = Some(path.to_string());
        self
    }
    pub fn next(mut self, state: &str) -> Self {
        self.transition = Transition::Next(state.to_string());
        self
    }
    pub fn end(mut self) -> Self {
        self.transition = Transition::End;
        self
    }
}

impl Default for Pass {
    fn default() -> Self {
        Pass::new()
    }
}

impl Succeed {
    pub fn new() -> Succeed {
        Succeed::default()
    }
    pub fn comment(mut self, text: &str) -> Self {
        self.comment = Some(text.to_string());
        self
    }
}

impl Fail {
    pub fn new(error: &str, cause: &str) -> Fail {
        Fail {
            error: error.to_string(),
            cause: cause.to_string(),
        }
    }
}

impl Condition {
    pub fn string_equals(variable: &str, value: &str) -> Condition {
        Condition::StringEquals(variable.to_string(), value.to_string())
    }
    pub fn boolean_equals(variable: &str, value: bool) -> Condition {
        Condition::BooleanEquals(variable.to_string(), value)
    }
    pub fn numeric_greater_than(variable: &str, value: f64) -> Condition {
        Condition::NumericGreaterThan(variable.to_string(), value)
    }
    pub fn is_present(variable: &str) -> Condition {
        Condition::IsPresent(variable.to_string(), true)
    }

    fn to_json(&self) -> Value {
        let leaf = |var: &str, op: &str, v: Value| {
            let mut m = Map::new();
            m.insert("Variable".into(), Value::String(var.to_string()));
            m.insert(op.into(), v);
            Value::Object(m)
        };
        match self {
            Condition::StringEquals(v, s) => leaf(v, "StringEquals", json!(s)),
            Condition::NumericEquals(v, n) => leaf(v, "NumericEquals", number(*n)),
            Condition::NumericGreaterThan(v, n) => leaf(v, "NumericGreaterThan", number(*n)),
            Condition::NumericLessThan(v, n) => leaf(v, "NumericLessThan", number(*n)),
            Condition::BooleanEquals(v, b) => leaf(v, "BooleanEquals", json!(b)),
            Condition::IsPresent(v, b) => leaf(v, "IsPresent", json!(b)),
            Condition::And(cs) => {
                json!({ "And": cs.iter().map(Condition::to_json).collect::<Vec<_>>() })
            }
            Condition::Or(cs) => {
                json!({ "Or": cs.iter().map(Condition::to_json).collect::<Vec<_>>() })
            }
            Condition::Not(c) => json!({ "Not": c.to_json() }),
        }
    }
}

/// Whole numbers as JSON integers, others as floats.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

macro_rules! into_state {
    ($($t:ident),*) => {
        $(impl From<$t> for State {
            fn from(s: $t) -> State {
                State::$t(s)
            }
        })*
    };
}
into_state!(Task, Parallel, Choice, Wait, Pass, Succeed, Fail);

// ---------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------

/// Renders a definition to JSON. Resource references become policy-style placeholders
/// (see [`template_with_placeholders`]).
struct Renderer {
    partition: Expr,
}

impl Renderer {
    fn text(&self, e: &Expr) -> Value {
        Value::String(policy_string(e))
    }

    fn resource_arn(&self, integration: &str) -> Value {
        Value::String(format!(
            "arn:{}:states:::{integration}",
            policy_string(&self.partition)
        ))
    }

    fn definition(&self, d: &Definition) -> Value {
        let mut m = Map::new();
        if let Some(c) = &d.comment {
            m.insert("Comment".into(), json!(c));
        }
        m.insert("StartAt".into(), json!(d.start_at));
        if let Some(t) = d.timeout_seconds {
            m.insert("TimeoutSeconds".into(), json!(t));
        }
        let mut states = Map::new();
        for (name, state, _) in &d.states {
            states.insert(name.clone(), self.state(state));
        }
        m.insert("States".into(), Value::Object(states));
        Value::Object(m)
    }

    fn state(&self, state: &State) -> Value {
        let mut m = Map::new();
        match state {
            State::Task(t) => {
                m.insert("Type".into(), json!("Task"));
                if let Some(c) = &t.common.comment {
                    m.insert("Comment".into(), json!(c));
                }
                match &t.integration {
                    Integration::LambdaInvoke { function, payload } => {
                        m.insert("Resource".into(), self.resource_arn("lambda:invoke"));
                        let mut p = Map::new();
                        p.insert("FunctionName".into(), self.text(&function.arn()));
                        match payload {
                            Some(v) => p.insert("Payload".into(), v.clone()),
                            None => p.insert("Payload.$".into(), json!("$")),
                        };
                        m.insert("Parameters".into(), Value::Object(p));
                    }
                    Integration::RunFargate { task, environment } => {
                        m.insert("Resource".into(), self.resource_arn("ecs:runTask.sync"));
                        let subnets: Vec<Value> =
                            task.subnets().iter().map(|e| self.text(e)).collect();
                        let groups: Vec<Value> = task
                            .security_groups()
                            .iter()
                            .map(|e| self.text(e))
                            .collect();
                        let env: Vec<Value> = environment
                            .iter()
                            .map(|(name, path)| json!({ "Name": name, "Value.$": path }))
                            .collect();
                        let mut p = Map::new();
                        p.insert("Cluster".into(), self.text(&task.cluster().arn()));
                        p.insert("TaskDefinition".into(), self.text(&task.arn()));
                        p.insert("LaunchType".into(), json!("FARGATE"));
                        p.insert(
                            "NetworkConfiguration".into(),
                            json!({
                                "AwsvpcConfiguration": {
                                    "Subnets": subnets,
                                    "SecurityGroups": groups,
                                    "AssignPublicIp": "DISABLED"
                                }
                            }),
                        );
                        p.insert(
                            "Overrides".into(),
                            json!({
                                "ContainerOverrides": [{
                                    "Name": task.container_name(),
                                    "Environment": env
                                }]
                            }),
                        );
                        m.insert("Parameters".into(), Value::Object(p));
                    }
                }
                if let Some(t) = t.timeout_seconds {
                    m.insert("TimeoutSeconds".into(), json!(t));
                }
                if let Some(h) = t.heartbeat_seconds {
                    m.insert("HeartbeatSeconds".into(), json!(h));
                }
                self.common(&mut m, &t.common);
                transition(&mut m, &t.transition);
            }
            State::Parallel(p) => {
                m.insert("Type".into(), json!("Parallel"));
                if let Some(c) = &p.common.comment {
                    m.insert("Comment".into(), json!(c));
                }
                m.insert(
                    "Branches".into(),
                    Value::Array(p.branches.iter().map(|b| self.definition(b)).collect()),
                );
                self.common(&mut m, &p.common);
                transition(&mut m, &p.transition);
            }
            State::Choice(c) => {
                m.insert("Type".into(), json!("Choice"));
                if let Some(text) = &c.comment {
                    m.insert("Comment".into(), json!(text));
                }
                let rules = c
                    .rules
                    .iter()
                    .map(|(cond, next)| {
                        let mut r = match cond.to_json() {
                            Value::Object(o) => o,
                            _ => Map::new(),
                        };
                        r.insert("Next".into(), json!(next));
                        Value::Object(r)
                    })
                    .collect();
                m.insert("Choices".into(), Value::Array(rules));
                if let Some(d) = &c.default {
                    m.insert("Default".into(), json!(d));
                }
            }
            State::Wait(w) => {
                m.insert("Type".into(), json!("Wait"));
                if let Some(s) = w.seconds {
                    m.insert("Seconds".into(), json!(s));
                }
                if let Some(p) = &w.seconds_path {
                    m.insert("SecondsPath".into(), json!(p));
                }
                transition(&mut m, &w.transition);
            }
            State::Pass(p) => {
                m.insert("Type".into(), json!("Pass"));
                if let Some(r) = &p.result {
                    m.insert("Result".into(), r.clone());
                }
                if let Some(r) = &p.result_path {
                    m.insert("ResultPath".into(), json!(r));
                }
                transition(&mut m, &p.transition);
            }
            State::Succeed(s) => {
                m.insert("Type".into(), json!("Succeed"));
                if let Some(c) = &s.comment {
                    m.insert("Comment".into(), json!(c));
                }
            }
            State::Fail(f) => {
                m.insert("Type".into(), json!("Fail"));
                m.insert("Error".into(), json!(f.error));
                m.insert("Cause".into(), json!(f.cause));
            }
        }
        Value::Object(m)
    }

    fn common(&self, m: &mut Map<String, Value>, c: &Common) {
        if let Some(p) = &c.input_path {
            m.insert("InputPath".into(), json!(p));
        }
        if let Some(s) = &c.result_selector {
            m.insert("ResultSelector".into(), s.clone());
        }
        if let Some(p) = &c.result_path {
            m.insert("ResultPath".into(), json!(p));
        }
        if let Some(p) = &c.output_path {
            m.insert("OutputPath".into(), json!(p));
        }
        if !c.retry.is_empty() {
            let retries = c
                .retry
                .iter()
                .map(|r| {
                    json!({
                        "ErrorEquals": r.errors,
                        "IntervalSeconds": r.interval_seconds,
                        "MaxAttempts": r.max_attempts,
                        "BackoffRate": r.backoff_rate
                    })
                })
                .collect();
            m.insert("Retry".into(), Value::Array(retries));
        }
        if !c.catch.is_empty() {
            let catches = c
                .catch
                .iter()
                .map(|k| {
                    let mut o = Map::new();
                    o.insert("ErrorEquals".into(), json!(k.errors));
                    if let Some(p) = &k.result_path {
                        o.insert("ResultPath".into(), json!(p));
                    }
                    o.insert("Next".into(), json!(k.next));
                    Value::Object(o)
                })
                .collect();
            m.insert("Catch".into(), Value::Array(catches));
        }
    }
}

fn transition(m: &mut Map<String, Value>, t: &Transition) {
    match t {
        Transition::Next(n) => {
            m.insert("Next".into(), json!(n));
        }
        Transition::End => {
            m.insert("End".into(), json!(true));
        }
        Transition::Unset => {}
    }
}

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

/// Every problem of a definition, each with the Rust line of the state (or definition).
fn check(d: &Definition, names: &mut BTreeSet<String>, out: &mut Vec<(RustLocation, String)>) {
    let scope: Vec<&str> = d.states.iter().map(|(n, _, _)| n.as_str()).collect();
    if d.states.is_empty() {
        out.push((d.location, "a definition without states".to_string()));
        return;
    }
    if !scope.contains(&d.start_at.as_str()) {
        out.push((
            d.location,
            format!(
                "`StartAt` names `{}`, which is not a state here",
                d.start_at
            ),
        ));
    }
    for (name, state, at) in &d.states {
        if name.is_empty() || name.chars().count() > 80 {
            out.push((
                *at,
                format!("state name `{name}` must have 1–80 characters"),
            ));
        }
        if !names.insert(name.clone()) {
            out.push((
                *at,
                format!(
                    "state name `{name}` is used twice (names are unique in the whole machine)"
                ),
            ));
        }
        let mut targets: Vec<&str> = Vec::new();
        let transition = match state {
            State::Task(t) => Some((&t.transition, "Task")),
            State::Parallel(p) => Some((&p.transition, "Parallel")),
            State::Wait(w) => Some((&w.transition, "Wait")),
            State::Pass(p) => Some((&p.transition, "Pass")),
            State::Choice(_) | State::Succeed(_) | State::Fail(_) => None,
        };
        match transition {
            Some((Transition::Unset, kind)) => out.push((
                *at,
                format!("{kind} state `{name}` has neither `Next` nor `End`"),
            )),
            Some((Transition::Next(n), _)) => targets.push(n),
            _ => {}
        }
        match state {
            State::Task(t) => {
                check_common(name, &t.common, *at, out);
                targets.extend(t.common.catch.iter().map(|c| c.next.as_str()));
            }
            State::Parallel(p) => {
                check_common(name, &p.common, *at, out);
                targets.extend(p.common.catch.iter().map(|c| c.next.as_str()));
                if p.branches.is_empty() {
                    out.push((*at, format!("Parallel state `{name}` has no branches")));
                }
                for b in &p.branches {
                    check(b, names, out);
                }
            }
            State::Choice(c) => {
                if c.rules.is_empty() {
                    out.push((*at, format!("Choice state `{name}` has no rules")));
                }
                targets.extend(c.rules.iter().map(|(_, n)| n.as_str()));
                targets.extend(c.default.as_deref());
            }
            State::Wait(w) => {
                if w.seconds.is_some() == w.seconds_path.is_some() {
                    out.push((
                        *at,
                        format!(
                            "Wait state `{name}` needs exactly one of `Seconds` or `SecondsPath`"
                        ),
                    ));
                }
            }
            State::Pass(_) | State::Succeed(_) | State::Fail(_) => {}
        }
        for t in targets {
            if !scope.contains(&t) {
                out.push((
                    *at,
                    format!("state `{name}` goes to `{t}`, which is not a state of its branch"),
                ));
            }
        }
    }
    // Step Functions rejects states that nothing reaches.
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    let mut todo = vec![d.start_at.as_str()];
    while let Some(n) = todo.pop() {
        if !reached.insert(n) {
            continue;
        }
        if let Some((_, s, _)) = d.states.iter().find(|(name, _, _)| name == n) {
            todo.extend(successors(s));
        }
    }
    for (name, _, at) in &d.states {
        if !reached.contains(name.as_str()) {
            out.push((
                *at,
                format!("state `{name}` cannot be reached from `{}`", d.start_at),
            ));
        }
    }
}

fn successors(s: &State) -> Vec<&str> {
    fn next(t: &Transition) -> Option<&str> {
        match t {
            Transition::Next(n) => Some(n.as_str()),
            _ => None,
        }
    }
    let mut v = Vec::new();
    match s {
        State::Task(t) => {
            v.extend(next(&t.transition));
            v.extend(t.common.catch.iter().map(|c| c.next.as_str()));
        }
        State::Parallel(p) => {
            v.extend(next(&p.transition));
            v.extend(p.common.catch.iter().map(|c| c.next.as_str()));
        }
        State::Choice(c) => {
            v.extend(c.rules.iter().map(|(_, n)| n.as_str()));
            v.extend(c.default.as_deref());
        }
        State::Wait(w) => v.extend(next(&w.transition)),
        State::Pass(p) => v.extend(next(&p.transition)),
        State::Succeed(_) | State::Fail(_) => {}
    }
    v
}

fn check_common(name: &str, c: &Common, at: RustLocation, out: &mut Vec<(RustLocation, String)>) {
    let all_last = |lists: Vec<&Vec<String>>, what: &str, out: &mut Vec<(RustLocation, String)>| {
        let n = lists.len();
        for (i, errors) in lists.iter().enumerate() {
            if errors.is_empty() {
                out.push((at, format!("a {what} of `{name}` names no errors")));
            }
            if errors.iter().any(|e| e == "States.ALL") && (errors.len() > 1 || i + 1 != n) {
                out.push((
                    at,
                    format!("`States.ALL` must be alone in the last {what} of `{name}`"),
                ));
            }
        }
    };
    all_last(c.retry.iter().map(|r| &r.errors).collect(), "Retry", out);
    all_last(c.catch.iter().map(|k| &k.errors).collect(), "Catch", out);
    for r in &c.retry {
        if r.max_attempts < 0 || r.interval_seconds < 1 || r.backoff_rate < 1.0 {
            out.push((
                at,
                format!("a Retry of `{name}` needs MaxAttempts ≥ 0, IntervalSeconds ≥ 1 and BackoffRate ≥ 1.0"),
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------
// What the definition calls, for the role
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Calls {
    functions: Vec<Function>,
    tasks: Vec<FargateTask>,
}

fn collect_calls(d: &Definition, calls: &mut Calls) {
    for (_, state, _) in &d.states {
        match state {
            State::Task(t) => match &t.integration {
                Integration::LambdaInvoke { function, .. } => {
                    let address = function.resource().address();
                    if !calls
                        .functions
                        .iter()
                        .any(|f| f.resource().address() == address)
                    {
                        calls.functions.push((**function).clone());
                    }
                }
                Integration::RunFargate { task, .. } => {
                    let address = task.resource().address();
                    if !calls
                        .tasks
                        .iter()
                        .any(|t| t.resource().address() == address)
                    {
                        calls.tasks.push(task.clone());
                    }
                }
            },
            State::Parallel(p) => {
                for b in &p.branches {
                    collect_calls(b, calls);
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// The state machine
// ---------------------------------------------------------------------------------------

/// A state machine under construction.
#[must_use = "call .build() to declare the state machine"]
pub struct StateMachineBuilder {
    stack: Stack,
    id: String,
    definition: Definition,
    location: RustLocation,
}

/// A declared state machine. Cheap to clone.
#[derive(Clone)]
pub struct StateMachine(Rc<StateMachineInner>);

struct StateMachineInner {
    resource: ResourceRef,
    role: Role,
    log_group: LogGroup,
    id: String,
    definition_file: String,
}

impl std::fmt::Debug for StateMachine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StateMachine({})", self.0.resource.address())
    }
}

impl StateMachine {
    /// A standard workflow `<prefix>-<env>-<id>` running `definition`.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str, definition: Definition) -> StateMachineBuilder {
        StateMachineBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            definition,
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
    pub fn role(&self) -> &Role {
        &self.0.role
    }
    pub fn log_group(&self) -> &LogGroup {
        &self.0.log_group
    }
    /// The definition file inside the module (`statemachines/<name>.asl.json`).
    pub fn definition_file(&self) -> &str {
        &self.0.definition_file
    }

    /// Start executions: `states:StartExecution` on exactly this state machine.
    #[track_caller]
    pub fn grant_start_execution(&self, grantee: &impl Grantee) {
        self.grant_start_execution_at(grantee.grantee_role(), RustLocation::caller());
    }

    pub(crate) fn grant_start_execution_at(&self, role: &Role, location: RustLocation) {
        if !role.stack.check_same_stack(&self.0.resource, location) {
            return;
        }
        role.allow_at(
            &format!("Start{}", camel(&self.0.id)),
            &["states:StartExecution"],
            vec![self.arn()],
            location,
        );
    }
}

impl StateMachineBuilder {
    pub fn build(self) -> StateMachine {
        let stack = &self.stack;
        let loc = self.location;
        let name = stack.physical_name(&self.id);
        if name.len() > 80 {
            stack.error(
                loc,
                format!("state machine name `{name}` is longer than 80 characters"),
                None,
            );
        }
        let mut problems = Vec::new();
        check(&self.definition, &mut BTreeSet::new(), &mut problems);
        for (at, message) in problems {
            stack.error(
                at,
                message,
                Some("Step Functions rejects the definition; see the Amazon States Language"),
            );
        }
        let mut calls = Calls::default();
        collect_calls(&self.definition, &mut calls);
        for f in &calls.functions {
            stack.check_same_stack(f.resource(), loc);
        }
        for t in &calls.tasks {
            stack.check_same_stack(t.resource(), loc);
        }

        // The definition file and its template variables.
        let partition = stack.partition_data(loc).attr("partition");
        let renderer = Renderer { partition };
        let json = renderer.definition(&self.definition);
        let text = serde_json::to_string_pretty(&json).unwrap_or_default() + "\n";
        let (template, vars) = template_with_placeholders(&text);
        let definition_file = format!("statemachines/{name}.asl.json");
        stack.add_file(
            definition_file.clone(),
            StackFile::Text {
                text: template,
                origins: vec![("".to_string(), self.definition.location)],
            },
        );
        let path = Expr::module_path(&definition_file);
        let definition = if vars.is_empty() {
            Expr::call("file", vec![path])
        } else {
            Expr::call("templatefile", vec![path, Expr::object(vars)])
        };

        // Role: exactly what the states call.
        let role = Role::create(stack, &self.id, "states.amazonaws.com", loc);
        if !calls.functions.is_empty() {
            role.allow_at(
                "InvokeFunctions",
                &["lambda:InvokeFunction"],
                calls.functions.iter().map(Function::arn).collect(),
                loc,
            );
        }
        if !calls.tasks.is_empty() {
            role.allow_at(
                "RunTasks",
                &["ecs:RunTask"],
                calls.tasks.iter().map(FargateTask::arn).collect(),
                loc,
            );
            let mut clusters: Vec<&str> = calls.tasks.iter().map(|t| t.cluster().name()).collect();
            clusters.sort_unstable();
            clusters.dedup();
            role.allow_at(
                "StopAndDescribeTasks",
                &["ecs:DescribeTasks", "ecs:StopTask"],
                clusters
                    .iter()
                    .map(|c| arn_in_role_account(stack, &role, "ecs", &format!("task/{c}/*"), loc))
                    .collect(),
                loc,
            );
            let mut roles = Vec::new();
            for t in &calls.tasks {
                roles.push(t.task_role().arn());
                roles.push(t.execution_role().arn());
            }
            role.allow_at("PassTaskRoles", &["iam:PassRole"], roles, loc);
            role.allow_at(
                "ManageEcsSyncRule",
                &["events:DescribeRule", "events:PutRule", "events:PutTargets"],
                vec![arn_in_role_account(
                    stack,
                    &role,
                    "events",
                    &format!("rule/{ECS_SYNC_RULE}"),
                    loc,
                )],
                loc,
            );
        }
        role.allow_without_resource_level_at(
            "DeliverLogs",
            &[
                "logs:CreateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies",
                "logs:GetLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:UpdateLogDelivery",
            ],
            loc,
        );
        role.allow_without_resource_level_at(
            "WriteTraces",
            &[
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
            ],
            loc,
        );

        // `/aws/vendedlogs/` keeps CloudWatch's resource policy for log delivery small.
        let log_group = LogGroup::create(
            stack,
            &format!("{}_states", self.id),
            Expr::string(format!("/aws/vendedlogs/states/{name}")),
            stack.env().log_retention_days,
            loc,
        );
        let machine = SfnStateMachine::new(definition, role.arn())
            .name(name.as_str())
            .type_("STANDARD")
            .logging_configuration(
                SfnStateMachineLoggingConfiguration::new()
                    .level("ALL")
                    .include_execution_data(true)
                    .log_destination(Expr::template(vec![
                        TemplatePart::Interpolation(log_group.arn()),
                        TemplatePart::Literal(":*".into()),
                    ])),
            )
            .tracing_configuration(SfnStateMachineTracingConfiguration::new().enabled(true));
        // The role's policy must exist before Step Functions checks log delivery.
        let policy = ResourceRef {
            stack_id: role.resource().stack_id,
            kind: "resource",
            resource_type: "aws_iam_role_policy".to_string(),
            name: self.id.clone(),
        };
        let resource = stack.declare_typed_after(&self.id, machine, &[&policy], loc);
        StateMachine(Rc::new(StateMachineInner {
            resource,
            role,
            log_group,
            id: self.id,
            definition_file,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::ecs::Cluster;
    use crate::constructs::function::{Code, Runtime};
    use crate::constructs::repository::Repository;
    use crate::constructs::vpc::Vpc;
    use crate::environment::Environment;

    fn function(stack: &Stack, id: &str) -> Function {
        Function::new(
            stack,
            id,
            Runtime::Python311,
            "app.handler",
            Code::directory("."),
        )
        .timeout_seconds(30)
        .build()
    }

    fn text(out: &crate::constructs::StackOutput, path: &str) -> String {
        match out.files.get(path) {
            Some(StackFile::Text { text, .. }) => text.clone(),
            _ => panic!(
                "no text file {path}: {:?}",
                out.files.keys().collect::<Vec<_>>()
            ),
        }
    }

    #[test]
    fn small_machine_definition_json() {
        let stack = Stack::new("svc", Environment::dev());
        let fetch = function(&stack, "fetch");
        let handler = function(&stack, "handler");
        let definition = Definition::new("Fetch")
            .comment("Fetch, or handle the error")
            .state(
                "Fetch",
                Task::invoke(&fetch)
                    .retry(Retry::all().interval_seconds(5))
                    .catch(Catch::all("HandleError").result_path("$.error"))
                    .output_path("$.Payload")
                    .next("Done"),
            )
            .state("HandleError", Task::invoke(&handler).next("Failed"))
            .state("Failed", Fail::new("FetchFailed", "the fetch failed"))
            .state("Done", Succeed::new());
        let machine = StateMachine::new(&stack, "sync", definition).build();
        assert_eq!(
            machine.definition_file(),
            "statemachines/svc-dev-sync.asl.json"
        );
        let out = stack.finish().expect("synthesizes");
        let asl = text(&out, "statemachines/svc-dev-sync.asl.json");
        let expected = r#"{
  "Comment": "Fetch, or handle the error",
  "StartAt": "Fetch",
  "States": {
    "Fetch": {
      "Type": "Task",
      "Resource": "arn:${data_aws_partition_current_partition}:states:::lambda:invoke",
      "Parameters": {
        "FunctionName": "${lambda_function_fetch_arn}",
        "Payload.$": "$"
      },
      "OutputPath": "$.Payload",
      "Retry": [
        {
          "ErrorEquals": [
            "States.ALL"
          ],
          "IntervalSeconds": 5,
          "MaxAttempts": 3,
          "BackoffRate": 2.0
        }
      ],
      "Catch": [
        {
          "ErrorEquals": [
            "States.ALL"
          ],
          "ResultPath": "$.error",
          "Next": "HandleError"
        }
      ],
      "Next": "Done"
    },
    "HandleError": {
      "Type": "Task",
      "Resource": "arn:${data_aws_partition_current_partition}:states:::lambda:invoke",
      "Parameters": {
        "FunctionName": "${lambda_function_handler_arn}",
        "Payload.$": "$"
      },
      "Next": "Failed"
    },
    "Failed": {
      "Type": "Fail",
      "Error": "FetchFailed",
      "Cause": "the fetch failed"
    },
    "Done": {
      "Type": "Succeed"
    }
  }
}
"#;
        assert_eq!(asl, expected);
        let sfn = out
            .config
            .resource("aws_sfn_state_machine", "sync")
            .unwrap();
        let definition = sfn.body.get("definition").unwrap().to_string();
        assert!(definition.starts_with("templatefile("), "{definition}");
        assert!(
            definition.contains("lambda_function_fetch_arn"),
            "{definition}"
        );
        // The role may invoke exactly the two functions, and nothing runs ECS.
        let policy = text(&out, "policies/svc-dev-sync-policy.json");
        assert!(policy.contains("\"lambda:InvokeFunction\""), "{policy}");
        assert!(policy.contains("${lambda_function_fetch_arn}"), "{policy}");
        assert!(
            policy.contains("${lambda_function_handler_arn}"),
            "{policy}"
        );
        assert!(!policy.contains("ecs:"), "{policy}");
        assert!(!policy.contains("iam:PassRole"), "{policy}");
    }

    #[test]
    fn fargate_tasks_derive_run_pass_role_and_sync_rule_permissions() {
        let stack = Stack::new("svc", Environment::prod());
        let vpc = Vpc::new(&stack, "network").build();
        let group = vpc.security_group("tasks", "Tasks");
        let cluster = Cluster::new(&stack, "connectors");
        let repo = Repository::new(&stack, "delta").build();
        let task = FargateTask::new(&stack, "delta", &cluster, &repo, "1.0.0")
            .network(&vpc, &group)
            .build();
        let fetch = function(&stack, "fetch");
        let definition = Definition::new("Sync").state(
            "Sync",
            Parallel::new()
                .branch(Definition::new("Delta").state(
                    "Delta",
                    Task::run_fargate(&task).timeout_seconds(3600).end(),
                ))
                .branch(Definition::new("Fetch").state("Fetch", Task::invoke(&fetch).end()))
                .end(),
        );
        let _ = StateMachine::new(&stack, "sync", definition).build();
        let out = stack.finish().expect("synthesizes");
        let asl = text(&out, "statemachines/svc-prod-sync.asl.json");
        assert!(asl.contains("states:::ecs:runTask.sync"), "{asl}");
        assert!(asl.contains("\"LaunchType\": \"FARGATE\""), "{asl}");
        assert!(asl.contains("${subnet_network_private_a_id}"), "{asl}");
        assert!(asl.contains("\"AssignPublicIp\": \"DISABLED\""), "{asl}");
        let policy = text(&out, "policies/svc-prod-sync-policy.json");
        for needle in [
            "\"ecs:RunTask\"",
            "${ecs_task_definition_delta_arn}",
            "iam:PassRole",
            "${iam_role_delta_task_arn}",
            "${iam_role_delta_execution_arn}",
            "rule/StepFunctionsGetEventsForECSTaskRule",
            "task/svc-prod-connectors/*",
            "${lambda_function_fetch_arn}",
        ] {
            assert!(policy.contains(needle), "{needle} missing in {policy}");
        }
        let machine = out
            .config
            .resource("aws_sfn_state_machine", "sync")
            .unwrap();
        let logging = machine.body.block("logging_configuration").unwrap();
        assert_eq!(
            logging.body.get("level").map(|e| e.to_string()),
            Some("\"ALL\"".into())
        );
        assert!(machine.body.block("tracing_configuration").is_some());
    }

    #[test]
    fn definition_errors_point_at_the_state() {
        let stack = Stack::new("svc", Environment::dev());
        let fetch = function(&stack, "fetch");
        let definition = Definition::new("Fetch")
            .state("Fetch", Task::invoke(&fetch).next("Nowhere"))
            .state("Orphan", Succeed::new())
            .state(
                "Loose",
                Task::invoke(&fetch).retry(Retry::errors(&["States.ALL", "X"])),
            );
        let _ = StateMachine::new(&stack, "sync", definition).build();
        let errors = stack.finish().unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("goes to `Nowhere`")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`Orphan` cannot be reached")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("neither `Next` nor `End`")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`States.ALL` must be alone")),
            "{messages:?}"
        );
    }
}
