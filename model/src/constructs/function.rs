//! `Function`: a Lambda function with its own role, its own log group (retention from the
//! environment) and code packaged deterministically at synth.

use super::iam::{Grantee, Role};
use super::log_group::LogGroup;
use super::stack::{ResourceRef, Stack, StackFile};
use crate::aws;
use crate::ir::{Expr, TemplatePart};
use crate::l1::resources::{
    LambdaAlias, LambdaEventSourceMapping, LambdaEventSourceMappingDestinationConfig,
    LambdaEventSourceMappingDestinationConfigOnFailure, LambdaFunction,
    LambdaFunctionDeadLetterConfig, LambdaFunctionEnvironment, LambdaFunctionEventInvokeConfig,
    LambdaFunctionEventInvokeConfigDestinationConfig,
    LambdaFunctionEventInvokeConfigDestinationConfigOnFailure, LambdaFunctionLoggingConfig,
    LambdaFunctionSnapStart, LambdaFunctionTracingConfig, LambdaFunctionVpcConfig,
    LambdaProvisionedConcurrencyConfig,
};
use crate::origin::RustLocation;
use indexmap::IndexMap;
use std::path::PathBuf;

/// A Lambda runtime identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Runtime {
    Python313,
    Python312,
    Python311,
    Nodejs22,
    /// Deprecated by AWS since 2026-04-30: LAMBDA004 flags it.
    Nodejs20,
    Java21,
    Java17,
    ProvidedAl2023,
    /// Any other identifier, as AWS spells it.
    Other(String),
}

impl Runtime {
    pub fn as_str(&self) -> &str {
        match self {
            Runtime::Python313 => "python3.13",
            Runtime::Python312 => "python3.12",
            Runtime::Python311 => "python3.11",
            Runtime::Nodejs22 => "nodejs22.x",
            Runtime::Nodejs20 => "nodejs20.x",
            Runtime::Java21 => "java21",
            Runtime::Java17 => "java17",
            Runtime::ProvidedAl2023 => "provided.al2023",
            Runtime::Other(s) => s,
        }
    }
}

/// The instruction set a function runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Architecture {
    X86_64,
    Arm64,
}

impl Architecture {
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

/// Where a function's code comes from. Either way synth writes the package to
/// `build/<function>.zip` inside the module, and Terraform hashes it with
/// `filebase64sha256` so a code change redeploys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code {
    /// A directory zipped deterministically (sorted entries, fixed timestamps).
    Directory(PathBuf),
    /// A ready zip file, copied.
    ZipFile(PathBuf),
    /// Files held in memory (e.g. embedded in the binary with `include_bytes!`), zipped like
    /// a directory: the same bytes wherever the binary runs.
    Files(Vec<CodeFile>),
}

pub use super::stack::CodeFile;

impl Code {
    pub fn directory(path: impl Into<PathBuf>) -> Self {
        Code::Directory(path.into())
    }
    pub fn zip_file(path: impl Into<PathBuf>) -> Self {
        Code::ZipFile(path.into())
    }
    /// Files held in memory.
    pub fn files(files: Vec<CodeFile>) -> Self {
        Code::Files(files)
    }
}

/// A function under construction; `build()` declares it.
#[must_use = "call .build() to declare the function"]
pub struct FunctionBuilder {
    stack: Stack,
    id: String,
    runtime: Runtime,
    handler: String,
    code: Code,
    architecture: Architecture,
    memory_mb: i64,
    timeout_seconds: i64,
    environment: IndexMap<String, (Expr, RustLocation)>,
    description: Option<String>,
    tracing: bool,
    reserved_concurrency: Option<i64>,
    alias: Option<String>,
    provisioned_concurrency: Option<i64>,
    snap_start: bool,
    vpc: Option<(Expr, Expr)>,
    dead_letter: Option<(DeadLetterTarget, RustLocation)>,
    location: RustLocation,
}

/// Where a function's failed asynchronous events go.
#[derive(Clone, Debug, PartialEq)]
pub enum DeadLetterTarget {
    /// An SQS queue ARN.
    Queue(Expr),
    /// An SNS topic ARN.
    Topic(Expr),
}

impl DeadLetterTarget {
    fn arn(&self) -> &Expr {
        match self {
            DeadLetterTarget::Queue(a) | DeadLetterTarget::Topic(a) => a,
        }
    }
    fn send_action(&self) -> &'static str {
        match self {
            DeadLetterTarget::Queue(_) => "sqs:SendMessage",
            DeadLetterTarget::Topic(_) => "sns:Publish",
        }
    }
}

/// A declared Lambda function.
#[derive(Clone, Debug)]
pub struct Function {
    pub(crate) resource: ResourceRef,
    pub(crate) role: Role,
    pub(crate) log_group: LogGroup,
    pub(crate) timeout_seconds: i64,
    pub(crate) alias: Option<ResourceRef>,
    pub(crate) stack: Stack,
    pub(crate) id: String,
}

impl Function {
    /// A function `id` (snake_case; its physical name is `<prefix>-<env>-<id>`).
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(
        stack: &Stack,
        id: &str,
        runtime: Runtime,
        handler: &str,
        code: Code,
    ) -> FunctionBuilder {
        FunctionBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            runtime,
            handler: handler.to_string(),
            code,
            architecture: Architecture::X86_64,
            memory_mb: 128,
            timeout_seconds: 3,
            environment: IndexMap::new(),
            description: None,
            tracing: false,
            reserved_concurrency: None,
            alias: None,
            provisioned_concurrency: None,
            snap_start: false,
            vpc: None,
            dead_letter: None,
            location: RustLocation::caller(),
        }
    }

    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    pub fn invoke_arn(&self) -> Expr {
        self.resource.attr("invoke_arn")
    }
    /// The `function_name` attribute.
    pub fn name(&self) -> Expr {
        self.resource.attr("function_name")
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
    pub fn role(&self) -> &Role {
        &self.role
    }
    pub fn log_group(&self) -> &LogGroup {
        &self.log_group
    }
    pub fn timeout_seconds(&self) -> i64 {
        self.timeout_seconds
    }
    /// The API Gateway invoke ARN of the alias when the function has one, else of the
    /// function (what integrations and authorizers call).
    pub fn alias_invoke_arn(&self) -> Expr {
        match &self.alias {
            Some(a) => a.attr("invoke_arn"),
            None => self.invoke_arn(),
        }
    }
    /// The alias ARN when the function has one (what callers should invoke), else the
    /// function ARN.
    pub fn invocation_arn(&self) -> Expr {
        match &self.alias {
            Some(a) => a.arn(),
            None => self.arn(),
        }
    }

    /// Invoke this function: `lambda:InvokeFunction` on exactly its ARN (and its alias's,
    /// when it has one).
    #[track_caller]
    pub fn grant_invoke(&self, grantee: &impl Grantee) {
        let location = RustLocation::caller();
        let role = grantee.grantee_role();
        if !role.stack.check_same_stack(&self.resource, location) {
            return;
        }
        let mut arns = vec![self.arn()];
        if let Some(a) = &self.alias {
            arns.push(a.arn());
        }
        role.allow_at(
            &format!("Invoke{}", super::naming::camel(&self.id)),
            &["lambda:InvokeFunction"],
            arns,
            location,
        );
    }

    /// Consumes an SQS queue: an event source mapping and the receive permissions. The
    /// mapping reports partial batch failures (`ReportBatchItemFailures`): the handler
    /// returns `{"batchItemFailures": [{"itemIdentifier": "<messageId>"}]}` listing the
    /// messages to retry. A second mapping of the same queue is an error.
    #[track_caller]
    pub fn consume_queue(&self, queue_arn: Expr, batch_size: i64) -> ResourceRef {
        let location = RustLocation::caller();
        self.role.allow_at(
            &format!("Consume{}", super::naming::camel(&self.id)),
            &[
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            vec![queue_arn.clone()],
            location,
        );
        let mapping = LambdaEventSourceMapping::new(self.invocation_name())
            .event_source_arn(queue_arn.clone())
            .batch_size(batch_size)
            .function_response_types(vec!["ReportBatchItemFailures"]);
        self.declare_mapping(mapping, &queue_arn, location)
    }

    /// Consumes a DynamoDB or Kinesis stream, sending batches that keep failing to
    /// `on_failure_queue_arn`.
    #[track_caller]
    pub fn consume_stream(
        &self,
        stream_arn: Expr,
        on_failure_queue_arn: Expr,
        kinesis: bool,
    ) -> ResourceRef {
        let location = RustLocation::caller();
        self.consume_stream_at(stream_arn, on_failure_queue_arn, kinesis, None, location)
    }

    /// A DynamoDB stream consumer reporting partial batch failures (see
    /// [`super::Table::subscribe`]).
    pub(crate) fn consume_dynamodb_stream(
        &self,
        stream_arn: Expr,
        on_failure_queue_arn: Expr,
        batch_size: i64,
        location: RustLocation,
    ) -> ResourceRef {
        self.consume_stream_at(
            stream_arn,
            on_failure_queue_arn,
            false,
            Some(batch_size),
            location,
        )
    }

    fn consume_stream_at(
        &self,
        stream_arn: Expr,
        on_failure_queue_arn: Expr,
        kinesis: bool,
        batch_size: Option<i64>,
        location: RustLocation,
    ) -> ResourceRef {
        let actions: &[&str] = if kinesis {
            &[
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:ListShards",
            ]
        } else {
            &[
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
            ]
        };
        self.role
            .allow_at("ReadStream", actions, vec![stream_arn.clone()], location);
        if !kinesis {
            // Lambda lists the table's streams to find the shards; the action has no
            // resource-level permissions.
            self.role.allow_without_resource_level_at(
                "ListStreams",
                &["dynamodb:ListStreams"],
                location,
            );
        }
        self.role.allow_at(
            "SendFailedBatches",
            &["sqs:SendMessage"],
            vec![on_failure_queue_arn.clone()],
            location,
        );
        let mut mapping = LambdaEventSourceMapping::new(self.invocation_name())
            .event_source_arn(stream_arn.clone())
            .starting_position("LATEST")
            .maximum_retry_attempts(3)
            .bisect_batch_on_function_error(true);
        if let Some(size) = batch_size {
            mapping = mapping
                .batch_size(size)
                .maximum_record_age_in_seconds(86_400)
                .function_response_types(vec!["ReportBatchItemFailures"]);
        }
        let mapping = mapping.destination_config(
            LambdaEventSourceMappingDestinationConfig::new().on_failure(
                LambdaEventSourceMappingDestinationConfigOnFailure::new(on_failure_queue_arn),
            ),
        );
        self.declare_mapping(mapping, &stream_arn, location)
    }

    /// Where asynchronous invocations that fail after retries go (an `on_failure`
    /// destination), with the permission to send there.
    #[track_caller]
    pub fn on_failure(
        &self,
        destination: DeadLetterTarget,
        maximum_retry_attempts: i64,
    ) -> ResourceRef {
        let location = RustLocation::caller();
        self.role.allow_at(
            "SendFailedInvocations",
            &[destination.send_action()],
            vec![destination.arn().clone()],
            location,
        );
        let config = LambdaFunctionEventInvokeConfig::new(self.name())
            .maximum_retry_attempts(maximum_retry_attempts)
            .destination_config(
                LambdaFunctionEventInvokeConfigDestinationConfig::new().on_failure(
                    LambdaFunctionEventInvokeConfigDestinationConfigOnFailure::new(
                        destination.arn().clone(),
                    ),
                ),
            );
        // Lambda checks that the role may send to the destination when the configuration
        // is created: after the role's policy.
        let policy = ResourceRef {
            stack_id: self.stack.id(),
            kind: "resource",
            resource_type: "aws_iam_role_policy".into(),
            name: self.role.resource().name.clone(),
        };
        self.stack
            .declare_typed_after(&self.id, config, &[&policy], location)
    }

    /// The name (or alias-qualified name) event sources and invokers should use.
    fn invocation_name(&self) -> Expr {
        match &self.alias {
            Some(a) => a.arn(),
            None => self.name(),
        }
    }

    /// Declares an event source mapping of this function, unless it already reads the same
    /// queue or stream: Lambda refuses a second mapping of one source to one function
    /// (`ResourceConflictException` at apply, after validate and plan pass), so that is an
    /// error here, at the second call.
    fn declare_mapping(
        &self,
        mapping: LambdaEventSourceMapping,
        source: &Expr,
        location: RustLocation,
    ) -> ResourceRef {
        let function = self.invocation_name();
        let existing = self.stack.0.borrow().blocks.iter().find_map(|b| {
            let same = b.is_resource("aws_lambda_event_source_mapping")
                && b.body.get("event_source_arn") == Some(source)
                && b.body.get("function_name") == Some(&function);
            same.then(|| (b.address(), b.origin))
        });
        if let Some((address, origin)) = existing {
            let first = origin
                .rust_location()
                .map_or(String::new(), |l| format!(" at {l}"));
            self.stack.error(
                location,
                format!(
                    "`{}` already reads `{source}` (`{address}`, subscribed{first})",
                    self.resource.address()
                ),
                Some("Lambda accepts one event source mapping per source and function (a second one fails at apply with ResourceConflictException): subscribe once, with the batch size you need"),
            );
            return ResourceRef {
                stack_id: self.stack.id(),
                kind: "resource",
                resource_type: "aws_lambda_event_source_mapping".into(),
                name: address.rsplit('.').next().unwrap_or_default().to_string(),
            };
        }
        let n = self.next_mapping_name();
        self.stack.declare_typed(&n, mapping, location)
    }

    fn next_mapping_name(&self) -> String {
        let s = self.stack.0.borrow();
        let base = format!("{}_source", self.id);
        let mut i = 0;
        loop {
            let name = if i == 0 {
                base.clone()
            } else {
                format!("{base}_{i}")
            };
            if !s
                .addresses
                .contains_key(&format!("aws_lambda_event_source_mapping.{name}"))
            {
                return name;
            }
            i += 1;
        }
    }
}

/// Runtimes SnapStart supports: Java 11+, Python 3.12+, .NET 8+.
fn snap_start_runtime(runtime: &str) -> bool {
    let version = |prefix: &str| {
        runtime
            .strip_prefix(prefix)
            .and_then(|v| v.split('.').next())
            .and_then(|v| v.parse::<u32>().ok())
    };
    version("java").is_some_and(|v| v >= 11)
        || runtime
            .strip_prefix("python3.")
            .and_then(|v| v.parse::<u32>().ok())
            .is_some_and(|minor| minor >= 12)
        || version("dotnet").is_some_and(|v| v >= 8)
}

impl Grantee for Function {
    fn grantee_role(&self) -> &Role {
        &self.role
    }
}

impl FunctionBuilder {
    pub fn architecture(mut self, architecture: Architecture) -> Self {
        self.architecture = architecture;
        self
    }
    /// Graviton (arm64).
    pub fn arm64(self) -> Self {
        self.architecture(Architecture::Arm64)
    }
    pub fn memory_mb(mut self, mb: i64) -> Self {
        self.memory_mb = mb;
        self
    }
    pub fn timeout_seconds(mut self, seconds: i64) -> Self {
        self.timeout_seconds = seconds;
        self
    }
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_string());
        self
    }
    /// Active X-Ray tracing.
    pub fn tracing(mut self) -> Self {
        self.tracing = true;
        self
    }
    pub fn reserved_concurrency(mut self, n: i64) -> Self {
        self.reserved_concurrency = Some(n);
        self
    }
    /// Publishes versions and points alias `name` at the latest one.
    pub fn alias(mut self, name: &str) -> Self {
        self.alias = Some(name.to_string());
        self
    }
    /// Provisioned concurrency on the alias (needs `.alias(…)`).
    pub fn provisioned_concurrency(mut self, n: i64) -> Self {
        self.provisioned_concurrency = Some(n);
        self
    }
    /// SnapStart: Lambda snapshots the initialized function when a version is published
    /// and resumes new instances from it, which cuts Java cold starts from seconds to
    /// hundreds of milliseconds (the checklist's mitigation besides provisioned
    /// concurrency). Java 11+, Python 3.12+ and .NET 8 runtimes; needs an alias (only
    /// published versions are snapshotted, so callers must invoke the alias), and excludes
    /// provisioned concurrency. Initialization code must not keep what must differ per
    /// instance (random seeds, unique IDs, open connections).
    pub fn snap_start(mut self) -> Self {
        self.snap_start = true;
        self
    }
    /// Runs in private subnets with security groups (lists of IDs); the role gets the
    /// network-interface permissions Lambda needs.
    pub fn vpc(mut self, subnet_ids: Expr, security_group_ids: Expr) -> Self {
        self.vpc = Some((subnet_ids, security_group_ids));
        self
    }
    /// A dead-letter queue or topic for failed asynchronous invocations.
    #[track_caller]
    pub fn dead_letter(mut self, target: DeadLetterTarget) -> Self {
        self.dead_letter = Some((target, RustLocation::caller()));
        self
    }
    /// An environment variable. Names Lambda reserves (`AWS_REGION`, …) are a synth error.
    #[track_caller]
    pub fn env(mut self, key: &str, value: impl Into<Expr>) -> Self {
        self.environment
            .insert(key.to_string(), (value.into(), RustLocation::caller()));
        self
    }

    /// Declares the function, its role, its log group and its logging permissions.
    pub fn build(self) -> Function {
        let stack = &self.stack;
        let loc = self.location;
        self.validate();
        let function_name = stack.physical_name(&self.id);
        let role = Role::create(stack, &self.id, "lambda.amazonaws.com", loc);
        let log_group = LogGroup::create(
            stack,
            &self.id,
            Expr::string(format!("/aws/lambda/{function_name}")),
            stack.env().log_retention_days,
            loc,
        );
        role.allow_at(
            "WriteOwnLogs",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![Expr::template(vec![
                TemplatePart::Interpolation(log_group.arn()),
                TemplatePart::Literal(":*".into()),
            ])],
            loc,
        );
        let package = format!("build/{}.zip", self.id);
        stack.add_file(
            package.clone(),
            match &self.code {
                Code::Directory(d) => StackFile::ZipOfDirectory(d.clone()),
                Code::ZipFile(f) => StackFile::Copy(f.clone()),
                Code::Files(files) => StackFile::ZipOfFiles(files.clone()),
            },
        );
        let mut f = LambdaFunction::new(function_name.as_str(), role.arn())
            .runtime(self.runtime.as_str())
            .handler(self.handler.as_str())
            .architectures(vec![self.architecture.as_str()])
            .memory_size(self.memory_mb)
            .timeout(self.timeout_seconds)
            .filename(Expr::module_path(&package))
            .source_code_hash(Expr::call(
                "filebase64sha256",
                vec![Expr::module_path(&package)],
            ))
            .logging_config(LambdaFunctionLoggingConfig::new("JSON").log_group(log_group.name()));
        if let Some(d) = &self.description {
            f = f.description(d.as_str());
        }
        if !self.environment.is_empty() {
            let vars = Expr::object(
                self.environment
                    .iter()
                    .map(|(k, (v, _))| (k.clone(), v.clone()))
                    .collect(),
            );
            f = f.environment(LambdaFunctionEnvironment::new().variables(vars));
        }
        if self.tracing {
            f = f.tracing_config(LambdaFunctionTracingConfig::new("Active"));
        }
        if let Some(n) = self.reserved_concurrency {
            f = f.reserved_concurrent_executions(n);
        }
        if self.alias.is_some() {
            f = f.publish(true);
        }
        if self.snap_start {
            f = f.snap_start(LambdaFunctionSnapStart::new("PublishedVersions"));
        }
        if let Some((subnets, groups)) = &self.vpc {
            f = f.vpc_config(LambdaFunctionVpcConfig::new(
                groups.clone(),
                subnets.clone(),
            ));
            super::network::grant_lambda_vpc_access(stack, &role, loc);
        }
        if let Some((target, at)) = &self.dead_letter {
            f = f.dead_letter_config(LambdaFunctionDeadLetterConfig::new(target.arn().clone()));
            role.allow_at(
                "SendToDeadLetter",
                &[target.send_action()],
                vec![target.arn().clone()],
                *at,
            );
        }
        if self.tracing {
            role.allow_without_resource_level_at(
                "WriteTraces",
                &["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                loc,
            );
        }
        let resource = stack.declare_typed(&self.id, f, loc);
        let alias = self.alias.as_ref().map(|name| {
            let a = LambdaAlias::new(
                resource.attr("function_name"),
                resource.attr("version"),
                name.as_str(),
            );
            stack.declare_typed(&self.id, a, loc)
        });
        if let Some(n) = self.provisioned_concurrency {
            match &alias {
                Some(a) => {
                    let pc = LambdaProvisionedConcurrencyConfig::new(
                        resource.attr("function_name"),
                        n,
                        a.attr("name"),
                    );
                    stack.declare_typed(&self.id, pc, loc);
                }
                None => stack.error(
                    loc,
                    "provisioned concurrency needs an alias",
                    Some("add `.alias(\"live\")`"),
                ),
            }
        }
        Function {
            resource,
            role,
            log_group,
            timeout_seconds: self.timeout_seconds,
            alias,
            stack: stack.clone(),
            id: self.id.clone(),
        }
    }

    fn validate(&self) {
        let stack = &self.stack;
        for (key, (_, at)) in &self.environment {
            if aws::is_lambda_reserved_env_key(key) {
                stack.error(
                    *at,
                    format!("environment variable `{key}` is reserved by Lambda"),
                    Some("Lambda sets it itself; the deployment fails with `InvalidParameterValueException: Reserved keys`. Remove it"),
                );
            }
        }
        // Every managed runtime loads `module.function` (custom runtimes read the handler
        // themselves): without a `.` the first invoke fails with "Bad handler".
        if !self.runtime.as_str().starts_with("provided") && !self.handler.contains('.') {
            stack.error(
                self.location,
                format!("handler `{}` has no `.`", self.handler),
                Some("Lambda loads `module.function` (e.g. `app.handler`); the first invoke fails with `Bad handler`"),
            );
        }
        if !(128..=10240).contains(&self.memory_mb) {
            stack.error(
                self.location,
                format!(
                    "memory of {} MB is outside Lambda's 128–10240 MB",
                    self.memory_mb
                ),
                None,
            );
        }
        if !(1..=900).contains(&self.timeout_seconds) {
            stack.error(
                self.location,
                format!(
                    "timeout of {} s is outside Lambda's 1–900 s",
                    self.timeout_seconds
                ),
                None,
            );
        }
        if self.snap_start {
            let runtime = self.runtime.as_str();
            if !snap_start_runtime(runtime) {
                stack.error(
                    self.location,
                    format!("SnapStart does not support runtime `{runtime}`"),
                    Some("SnapStart runs Java 11 and later, Python 3.12 and later, and .NET 8"),
                );
            }
            if self.alias.is_none() {
                stack.error(
                    self.location,
                    "SnapStart needs an alias",
                    Some("only published versions are snapshotted: add `.alias(\"live\")` so callers invoke one"),
                );
            }
            if self.provisioned_concurrency.is_some() {
                stack.error(
                    self.location,
                    "SnapStart and provisioned concurrency cannot be combined",
                    Some("Lambda rejects the version; keep one of them"),
                );
            }
        }
        let name = stack.physical_name(&self.id);
        if name.len() > 64 {
            stack.error(
                self.location,
                format!("function name `{name}` is longer than 64 characters"),
                Some("use a shorter id or name prefix"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;

    fn java(stack: &Stack, id: &str, runtime: Runtime) -> FunctionBuilder {
        Function::new(
            stack,
            id,
            runtime,
            "com.acme.App::handle",
            Code::directory("."),
        )
    }

    #[test]
    fn snap_start_needs_a_supported_runtime_an_alias_and_no_provisioned_concurrency() {
        let stack = Stack::new("s", Environment::dev());
        let _ = java(&stack, "ok", Runtime::Java21)
            .alias("live")
            .snap_start()
            .build();
        let _ = java(&stack, "node", Runtime::Nodejs22)
            .alias("live")
            .snap_start()
            .build();
        let _ = java(&stack, "bare", Runtime::Java17).snap_start().build();
        let _ = java(&stack, "both", Runtime::Java21)
            .alias("live")
            .provisioned_concurrency(2)
            .snap_start()
            .build();
        let errors = stack.finish().expect_err("errors");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "SnapStart does not support runtime `nodejs22.x`",
                "SnapStart needs an alias",
                "SnapStart and provisioned concurrency cannot be combined"
            ]
        );
        assert!(snap_start_runtime("python3.12") && snap_start_runtime("dotnet8"));
        assert!(!snap_start_runtime("python3.11") && !snap_start_runtime("java8"));
    }
}
