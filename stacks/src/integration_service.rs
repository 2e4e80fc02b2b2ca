//! Seed 004: the Integration Service of Road Warrior — syncing bookings from airlines,
//! hotels and car rental companies.
//!
//! ```text
//! Booking Service ─POST /sync (IAM)→ API Gateway ─StartExecution→ Step Functions
//! EventBridge bus "sync-requested" ───────────────────────────────↗     │
//! EventBridge schedule 04:00 UTC ─────────────────────────────────↗     │
//! EventBridge bus "async-sync-requested" → SQS FIFO → pipe ───────↗     │
//!   Credential Manager (VPC) → Parallel[American, United, Marriott, Hilton (Lambda),
//!   Delta, Booking.com, Hertz (Fargate)] → Data Validator → Data Mapper → Event Publisher
//!   → EventBridge "booking-synced"; failures → Error Handler; raw data → audit bucket
//! Secrets Manager (rotation 90 days) · ElastiCache Redis · ECR · CloudWatch alarms → SNS
//! ```
//!
//! What the seed fixes is used as given: function sizes and timeouts, reserved
//! concurrency, the Fargate task sizes, Step Functions retries (3 attempts, backoff 2.0),
//! the EventBridge archive (30 days), the FIFO queue (visibility 5 min, DLQ), the secret's
//! 90-day rotation with a customer managed key, Redis `cache.r6g.large` × 3 multi-AZ with
//! encryption, the audit bucket (Standard-IA, Glacier after 90 days, deleted after 7 years,
//! versioned, SSE-S3), 30-day log retention, X-Ray, API throttling 1000/2000 and the five
//! alarms. Where the seed leaves a value open, the choice is commented where it is made.

use crate::function_code;
use serde_json::json;
use tfstack_model::prelude::*;

/// Seven years as S3 counts days, rounded up so nothing goes before its seventh birthday.
const SEVEN_YEARS_DAYS: i64 = 2557;

/// The body of `POST /sync`, checked by API Gateway before an execution starts.
const SYNC_REQUEST_SCHEMA: &str = r#"{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "SyncRequest",
  "type": "object",
  "required": ["userId"],
  "properties": {
    "userId": {"type": "string", "minLength": 1, "maxLength": 64},
    "providers": {
      "type": "array",
      "maxItems": 7,
      "items": {"type": "string", "enum": ["american", "united", "marriott", "hilton", "delta", "booking", "hertz"]}
    }
  },
  "additionalProperties": false
}"#;

/// A Lambda connector: the seed's provider, its reserved concurrency.
struct LambdaConnector {
    id: &'static str,
    provider: &'static str,
    state: &'static str,
    reserved: Option<i64>,
}

/// A Fargate connector: the seed's provider, task size and the longest run it may take.
struct FargateConnector {
    id: &'static str,
    provider: &'static str,
    state: &'static str,
    cpu: i64,
    memory: i64,
    timeout_seconds: i64,
}

pub fn define(stack: &Stack) {
    // Seed: CloudWatch Logs "Retention: 30 días" — in every environment, not only prod.
    stack.set_log_retention_days(30);
    let production = stack.is_production();

    // ----------------------------------------------------------------- network ------
    // Private subnets only: the seed's "VPC private subnets para Lambda/ECS — No internet
    // directo". Three zones in prod (one per Redis node), two in dev.
    let vpc = Vpc::new(stack, "network")
        .cidr("10.40.0.0/16")
        .availability_zones(if production { 3 } else { 2 })
        // What the private workloads call: Secrets Manager (credential manager, Fargate
        // connectors), CloudWatch Logs and ECR (Fargate), Lambda (connectors invoke the
        // credential manager).
        .interface_endpoints(&["secretsmanager", "logs", "ecr.api", "ecr.dkr", "lambda"])
        // Gateway endpoints cost nothing: S3 (image layers, the audit bucket) and DynamoDB.
        .gateway_endpoints(&["s3", "dynamodb"])
        .build();
    let credential_group = vpc.security_group(
        "credential_manager",
        "Credential Manager function: Secrets Manager through the VPC endpoint",
    );
    let lambda_connectors_group = vpc.security_group(
        "lambda_connectors",
        "Lambda connectors: VPC endpoints and Redis",
    );
    let fargate_connectors_group = vpc.security_group(
        "fargate_connectors",
        "Fargate connectors: VPC endpoints and Redis",
    );
    for group in [
        &credential_group,
        &lambda_connectors_group,
        &fargate_connectors_group,
    ] {
        vpc.allow_endpoints_from(group);
    }

    // ----------------------------------------------------------------- keys, secret --
    let secrets_key = KmsKey::new(stack, "secrets")
        .description("Partner API credentials of the integration service")
        .build();
    let cache_key = KmsKey::new(stack, "cache")
        .description("Redis cache of the integration service, at rest")
        .build();
    let alarms_key = KmsKey::new(stack, "alarms")
        .description("Alarm notifications of the integration service")
        .build();

    // The rotation handler talks to Secrets Manager and the partners' credential APIs; it
    // needs no VPC (nothing it calls is private).
    let credential_rotation = python_function(
        stack,
        "credential_rotation",
        "Rotates the partner API credentials (Secrets Manager rotation steps)",
    )
    .memory_mb(256)
    .timeout_seconds(60)
    .build();
    let credentials = Secret::new(stack, "provider_credentials")
        .description("Partner API credentials (one JSON document, one key per provider)")
        .encryption_key(secrets_key.arn())
        .rotation(&credential_rotation, 90)
        .build();
    // Seed: "Replica: Multi-region" — left to the disaster-recovery design: a replica
    // needs a key in the other region, which this single-region stack does not own.

    // ----------------------------------------------------------------- storage -------
    // Seed: S3 Standard-IA for raw responses. New objects go to Standard-IA after 30 days
    // (the least S3 allows), Glacier after 90, and are deleted after 7 years.
    let audit = Bucket::new(stack, "audit")
        .lifecycle(
            Lifecycle::new()
                .transition(StorageClass::StandardIa, 30)
                .transition(StorageClass::Glacier, 90)
                .expire_after_days(SEVEN_YEARS_DAYS),
        )
        .build();

    // Seed: cache.r6g.large × 3, multi-AZ. Dev keeps failover with two small nodes
    // (cache.t4g.small): the same topology at a tenth of the cost.
    let cache = CacheCluster::new(stack, "cache", &vpc)
        .node_type(if production {
            "cache.r6g.large"
        } else {
            "cache.t4g.small"
        })
        .nodes(if production { 3 } else { 2 })
        .encryption_key(cache_key.arn())
        .allow_from(&lambda_connectors_group)
        .allow_from(&fargate_connectors_group)
        .build();

    // ----------------------------------------------------------------- events --------
    let bus = EventBus::new(stack, "sync_events").archive(30).build();
    // Undeliverable EventBridge events (standard queue: EventBridge refuses FIFO DLQs).
    let events_dlq = Queue::dead_letter(stack, "events_dlq");
    // Seed: SQS FIFO, DLQ, visibility 5 min. The seed's 14-day retention goes to the DLQ:
    // a message keeps its enqueue time there, so the source keeps 4 days (SQS's default)
    // and a dead-lettered message stays at least 10 days for manual review.
    // Content-based deduplication: EventBridge rule targets cannot set a deduplication ID
    // (each event's body differs by its ID and time, so only true redeliveries collapse).
    let sync_tasks = Queue::fifo(stack, "sync_tasks")
        .visibility_timeout_seconds(300)
        .retention_seconds(4 * 24 * 3600)
        .content_based_deduplication()
        .build();

    // ----------------------------------------------------------------- functions -----
    let credential_manager = python_function(
        stack,
        "credential_manager",
        "Reads partner credentials from Secrets Manager, cached 5 minutes",
    )
    .memory_mb(256)
    .timeout_seconds(30)
    .env("SECRET_ARN", credentials.arn())
    .env("CACHE_TTL_SECONDS", "300")
    .vpc(
        vpc.private_subnet_ids(),
        Expr::tuple(vec![credential_group.id()]),
    )
    .build();
    credentials.grant_read(&credential_manager);

    let connectors = [
        LambdaConnector {
            id: "american_connector",
            provider: "american",
            state: "AmericanAirlines",
            // Seed: "Concurrency: 100".
            reserved: Some(100),
        },
        LambdaConnector {
            id: "united_connector",
            provider: "united",
            state: "UnitedAirlines",
            // Seed: "Reserved: 5" (United's OAuth API limits concurrent sessions).
            reserved: Some(5),
        },
        LambdaConnector {
            id: "marriott_connector",
            provider: "marriott",
            state: "Marriott",
            reserved: None,
        },
        LambdaConnector {
            id: "hilton_connector",
            provider: "hilton",
            state: "Hilton",
            reserved: None,
        },
    ];
    let mut lambda_connectors = Vec::new();
    for c in &connectors {
        let mut builder = Function::new(
            stack,
            c.id,
            Runtime::Python311,
            "connector.handler",
            function_code("integration_service/connector"),
        )
        .description(&format!("Fetches bookings from the {} API", c.provider))
        .memory_mb(128)
        .timeout_seconds(30)
        .tracing()
        .env("PROVIDER", c.provider)
        .env("CREDENTIAL_FUNCTION", credential_manager.name())
        .env("REDIS_HOST", cache.primary_endpoint())
        .env("REDIS_PORT", cache.port().to_string().as_str())
        .env("CACHE_TTL_SECONDS", "3600")
        .env("AUDIT_BUCKET", audit.name())
        // In the VPC to reach Redis. The partner APIs are on the internet: their egress
        // path (NAT or egress proxy) belongs to the network account, not to this stack.
        .vpc(
            vpc.private_subnet_ids(),
            Expr::tuple(vec![lambda_connectors_group.id()]),
        );
        if let Some(n) = c.reserved {
            builder = builder.reserved_concurrency(n);
        }
        let function = builder.build();
        credential_manager.grant_invoke(&function);
        audit.grant_write(&function);
        lambda_connectors.push(function);
    }

    let data_validator = python_function(
        stack,
        "data_validator",
        "Validates the connectors' raw results against the provider schemas",
    )
    .memory_mb(256)
    .timeout_seconds(60)
    // Seed: "Reserved: 10".
    .reserved_concurrency(10)
    .env("AUDIT_BUCKET", audit.name())
    .build();
    audit.grant_read(&data_validator);

    // Seed: "Concurrency: 500". Not reserved: reserving 500 of the account's default 1000
    // would leave the rest of the account (which must keep 100 unreserved) 385 — with
    // American's 100, United's 5 and the validator's 10 — for everything else. The mapper
    // runs once per sync execution, so the unreserved pool covers the seed's peak.
    let data_mapper = python_function(
        stack,
        "data_mapper",
        "Maps validated provider data to the internal booking model",
    )
    .memory_mb(512)
    .timeout_seconds(120)
    .env("AUDIT_BUCKET", audit.name())
    .build();
    audit.grant_read_write(&data_mapper);

    let event_publisher = python_function(
        stack,
        "event_publisher",
        "Publishes booking-synced events to the integration bus, 10 per call",
    )
    .memory_mb(128)
    .timeout_seconds(30)
    .env("EVENT_BUS_NAME", bus.name())
    .env("AUDIT_BUCKET", audit.name())
    .build();
    bus.grant_put_events(&event_publisher);
    audit.grant_read(&event_publisher);

    // Seed: "DLQ: Sí" — the dead-letter queue of its asynchronous invocations.
    let error_handler_dlq = Queue::dead_letter(stack, "error_handler_dlq");
    let error_handler = python_function(
        stack,
        "error_handler",
        "Classifies connector and workflow failures (retry, circuit breaker)",
    )
    .memory_mb(128)
    .timeout_seconds(30)
    .dead_letter(DeadLetterTarget::Queue(error_handler_dlq.arn()))
    .build();

    // ----------------------------------------------------------------- containers ----
    // Immutable tags: a release is one tag; CI passes `-var connector_image_tag=…`.
    let image_tag = stack.variable(
        "connector_image_tag",
        "Image tag of the Fargate connectors (tags are immutable: one per release)",
        "1.0.0",
    );
    let cluster = Cluster::new(stack, "connectors");
    let fargate = [
        FargateConnector {
            id: "delta_connector",
            provider: "delta",
            state: "Delta",
            cpu: 2048,
            memory: 4096,
            // Seed: ~20 min per run; 45 min leaves room for slow SOAP sessions.
            timeout_seconds: 2700,
        },
        FargateConnector {
            id: "booking_connector",
            provider: "booking",
            state: "BookingCom",
            cpu: 1024,
            memory: 2048,
            // Seed: "Si Booking.com toma >60 min, timeout automático".
            timeout_seconds: 3600,
        },
        FargateConnector {
            id: "hertz_connector",
            provider: "hertz",
            state: "Hertz",
            cpu: 1024,
            memory: 2048,
            // Seed: ~15 min per run.
            timeout_seconds: 1800,
        },
    ];
    let mut fargate_tasks = Vec::new();
    for c in &fargate {
        let repository = Repository::new(stack, c.id).build();
        let task = FargateTask::new(stack, c.id, &cluster, &repository, image_tag.clone())
            .cpu_memory(c.cpu, c.memory)
            .env("PROVIDER", c.provider)
            .env("SECRET_ARN", credentials.arn())
            .env("REDIS_HOST", cache.primary_endpoint())
            .env("REDIS_PORT", cache.port().to_string().as_str())
            .env("AUDIT_BUCKET", audit.name())
            .network(&vpc, &fargate_connectors_group)
            .build();
        credentials.grant_read(&task);
        audit.grant_write(&task);
        fargate_tasks.push((c, task));
    }

    // ----------------------------------------------------------------- workflow ------
    // Lambda connectors retry every error 3 times from 5 s (5, 10, 20 s); the Fargate
    // connectors retry failed tasks 3 times from 30 s (the seed's "Wait 30s → Retry"),
    // but not timeouts: an hour-long run that timed out would only time out again.
    let transient = || {
        Retry::errors(&[
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
        ])
    };
    let mut sync = Parallel::new()
        .comment("Every provider at once; a provider that keeps failing does not stop the others")
        .result_path("$.results")
        .catch(Catch::all("HandleError").result_path("$.error"))
        .next("ValidateResults");
    for (c, function) in connectors.iter().zip(&lambda_connectors) {
        let failed = format!("{}Failed", c.state);
        sync = sync.branch(
            Definition::new(c.state)
                .state(
                    c.state,
                    Task::invoke(function)
                        .payload(json!({
                            "provider": c.provider,
                            "credentials.$": "$.credentials",
                            "request.$": "$$.Execution.Input",
                            "executionId.$": "$$.Execution.Id"
                        }))
                        .result_selector(json!({ "provider": c.provider, "result.$": "$.Payload" }))
                        .retry(Retry::all().interval_seconds(5))
                        .catch(Catch::all(&failed).result_path("$.error"))
                        .end(),
                )
                .state(&failed, provider_failed(&error_handler, c.provider)),
        );
    }
    for (c, task) in &fargate_tasks {
        let failed = format!("{}Failed", c.state);
        sync = sync.branch(
            Definition::new(c.state)
                .state(
                    c.state,
                    Task::run_fargate(task)
                        .timeout_seconds(c.timeout_seconds)
                        .result_selector(json!({
                            "provider": c.provider,
                            "result": { "taskArn.$": "$.TaskArn" }
                        }))
                        .retry(
                            Retry::errors(&["States.TaskFailed"])
                                .interval_seconds(30)
                                .max_attempts(3)
                                .backoff_rate(2.0),
                        )
                        .catch(Catch::all(&failed).result_path("$.error"))
                        .end(),
                )
                .state(&failed, provider_failed(&error_handler, c.provider)),
        );
    }
    let definition = Definition::new("GetCredentials")
        .comment("Integration service sync: credentials, every provider in parallel, validate, map, publish")
        // Booking.com may take 60 min and retry 3 times: 6 h bounds the worst case.
        .timeout_seconds(6 * 3600)
        .state(
            "GetCredentials",
            Task::invoke(&credential_manager)
                .payload(json!({ "executionId.$": "$$.Execution.Id" }))
                // Only the secret's version travels in the state: execution data is logged.
                .result_selector(json!({ "version.$": "$.Payload.version" }))
                .result_path("$.credentials")
                .retry(transient())
                .catch(Catch::all("HandleError").result_path("$.error"))
                .next("SyncProviders"),
        )
        .state("SyncProviders", sync)
        .state(
            "ValidateResults",
            step(&data_validator, "$.results").next("MapResults"),
        )
        .state(
            "MapResults",
            step(&data_mapper, "$.validated").next("PublishEvents"),
        )
        .state(
            "PublishEvents",
            step(&event_publisher, "$.mapped").next("SyncSucceeded"),
        )
        .state("SyncSucceeded", Succeed::new())
        .state(
            "HandleError",
            Task::invoke(&error_handler)
                .payload(json!({
                    "stage": "workflow",
                    "error.$": "$.error",
                    "executionId.$": "$$.Execution.Id"
                }))
                .result_path("$.handled")
                .retry(transient())
                .next("SyncFailed"),
        )
        .state(
            "SyncFailed",
            Fail::new(
                "SyncFailed",
                "a sync step failed after its retries; see the error handler's log",
            ),
        );
    let machine = StateMachine::new(stack, "sync", definition).build();

    // ----------------------------------------------------------------- triggers ------
    // A request older than an hour is superseded by the next one; 3 attempts as the seed's
    // retries elsewhere.
    let delivery = RetryPolicy::new(3600, 3);
    let requested = Rule::new(stack, "sync_requested")
        .description("Sync requests from the Booking Service start a sync")
        .event_bus(&bus)
        .event_pattern(json!({
            "source": ["roadwarrior.booking"],
            "detail-type": ["sync-requested"]
        }))
        .build();
    requested.target_state_machine(&machine, &events_dlq, delivery);
    // Seed: "EventBridge (Scheduled Rule: diario 4 AM)" — 04:00 UTC; schedules run on the
    // default bus.
    let daily = Rule::new(stack, "daily_sync")
        .description("Daily sync of every provider at 04:00 UTC")
        .schedule(Schedule::cron("0 4 * * ? *"))
        .build();
    daily.target_state_machine(&machine, &events_dlq, delivery);
    // Seed: "EventBridge → SQS (async tasks) → Step Functions": queued requests run one at a
    // time in arrival order (one message group), each exactly once.
    let queued = Rule::new(stack, "async_sync_requested")
        .description("Asynchronous sync requests wait in the FIFO queue")
        .event_bus(&bus)
        .event_pattern(json!({
            "source": ["roadwarrior.booking"],
            "detail-type": ["async-sync-requested"]
        }))
        .build();
    queued.target_queue(&sync_tasks, Some("sync-tasks"), &events_dlq, delivery);
    let _pipe = Pipe::sqs_to_state_machine(stack, "sync_tasks_pipe", &sync_tasks, &machine);

    // Seed: REST API, regional, throttle 1000 req/s, burst 2000, IAM authentication.
    let api = RestApi::new(stack, "sync_api")
        .description("Starts provider syncs for the Booking Service")
        .throttle(1000.0, 2000)
        .build();
    // Seed: "Autenticación con AWS IAM": every method of the API takes SigV4-signed calls
    // of the principals granted `execute-api:Invoke` on it.
    api.default_authorization(RestAuthorization::Iam);
    let sync_method = api
        .resource_path("/sync")
        .method("POST", Integration::start_execution(machine.arn()))
        .request_body_schema(SYNC_REQUEST_SCHEMA)
        .build();

    // ----------------------------------------------------------------- alarms --------
    let alarms = Topic::new(stack, "alarms")
        .display_name("Integration service alarms")
        .encryption_key(&alarms_key)
        .build();
    // Seed: "Lambda Errors > 5%: ErrorRate > 5% en 5 min" — per function, as errors over
    // invocations (a function that is not invoked has no error rate).
    let all_functions = lambda_connectors.iter().chain([
        &credential_manager,
        &data_validator,
        &data_mapper,
        &event_publisher,
        &error_handler,
        &credential_rotation,
    ]);
    for f in all_functions {
        let id = f.resource().name.clone();
        ExpressionAlarm::new(
            stack,
            &format!("{id}_error_rate"),
            "IF(invocations > 0, 100 * errors / invocations, 0)",
            "Error rate (%)",
        )
        .description(&format!(
            "{id}: more than 5% of invocations failed in 5 minutes"
        ))
        .metric("errors", Metric::lambda(f, "Errors").period_seconds(300))
        .metric(
            "invocations",
            Metric::lambda(f, "Invocations").period_seconds(300),
        )
        .greater_than(5.0)
        .notify(&alarms)
        .build();
    }
    // Seed: "ECS Task Failed: FailedTaskCount > 3". The connectors' tasks only run from the
    // state machine, which counts the `ecs:runTask.sync` calls that failed; per hour, since
    // the tasks run for up to an hour.
    Alarm::new(
        stack,
        "fargate_tasks_failed",
        Metric::new("AWS/States", "ServiceIntegrationsFailed")
            .dimension(
                "ServiceIntegrationResourceArn",
                "arn:aws:states:::ecs:runTask.sync",
            )
            .period_seconds(3600),
    )
    .description("More than 3 Fargate connector runs failed in an hour")
    .greater_than(3.0)
    .notify(&alarms)
    .build();
    // Seed: "Step Functions Failed: ExecutionsFailed > 10" — per hour (a daily batch plus
    // user syncs through the day).
    Alarm::new(
        stack,
        "sync_executions_failed",
        Metric::new("AWS/States", "ExecutionsFailed")
            .dimension("StateMachineArn", machine.arn())
            .period_seconds(3600),
    )
    .description("More than 10 sync executions failed in an hour")
    .greater_than(10.0)
    .notify(&alarms)
    .build();
    // Seed: "ElastiCache CPU > 75% en 10 min". Redis runs commands on one thread, so the
    // engine's CPU is what saturates (host CPU of a 2-vCPU node would read ~50%); the
    // busiest node counts, two 5-minute periods in a row.
    let nodes = cache.member_cluster_ids();
    let ids: Vec<String> = (1..=nodes.len()).map(|i| format!("node{i}")).collect();
    let mut cpu = ExpressionAlarm::new(
        stack,
        "cache_cpu",
        &format!("MAX([{}])", ids.join(", ")),
        "Busiest node engine CPU (%)",
    )
    .description("Redis engine CPU above 75% for 10 minutes")
    .evaluation_periods(2)
    .greater_than(75.0)
    .notify(&alarms);
    for (id, node) in ids.iter().zip(&nodes) {
        cpu = cpu.metric(
            id,
            Metric::new("AWS/ElastiCache", "EngineCPUUtilization")
                .dimension("CacheClusterId", node.as_str())
                .statistic("Average")
                .period_seconds(300),
        );
    }
    cpu.build();
    // Seed: "API Gateway 5xx > 1%: 5XXError > 1% en 5 min" — the Average of 5XXError is the
    // share of requests that failed.
    Alarm::new(
        stack,
        "api_5xx_rate",
        api.metric("5XXError")
            .statistic("Average")
            .period_seconds(300),
    )
    .description("More than 1% of API requests failed with 5XX in 5 minutes")
    .greater_than(0.01)
    .notify(&alarms)
    .build();

    // ----------------------------------------------------------------- outputs -------
    stack.output("api_url", api.url(), "Invoke URL of the sync API stage");
    stack.output(
        "sync_method_arn",
        sync_method.invoke_arn(),
        "ARN callers need `execute-api:Invoke` on (POST /sync)",
    );
    stack.output(
        "state_machine_arn",
        machine.arn(),
        "ARN of the sync state machine",
    );
    stack.output(
        "event_bus_name",
        bus.name(),
        "Name of the integration event bus",
    );
    stack.output(
        "sync_queue_url",
        sync_tasks.url(),
        "URL of the FIFO sync queue",
    );
    stack.output(
        "cache_endpoint",
        cache.primary_endpoint(),
        "Primary endpoint of the Redis cache (TLS, port 6379)",
    );
    stack.output("alarm_topic_arn", alarms.arn(), "Topic the alarms notify");
    stack.output(
        "audit_bucket",
        audit.name(),
        "Bucket of the raw responses (audit)",
    );
}

/// A Python 3.11 function with X-Ray, its code in `functions/integration_service/<id>`.
#[track_caller]
fn python_function(stack: &Stack, id: &str, description: &str) -> FunctionBuilder {
    Function::new(
        stack,
        id,
        Runtime::Python311,
        "app.handler",
        function_code(&format!("integration_service/{id}")),
    )
    .description(description)
    .tracing()
}

/// A processing step: the function gets the execution ID and `input_path`'s data, its
/// payload replaces the state; transient Lambda errors retry, anything else is handled.
fn step(function: &Function, input_path: &str) -> Task {
    let key = input_path.trim_start_matches("$.");
    let mut payload = serde_json::Map::new();
    payload.insert("executionId.$".into(), json!("$$.Execution.Id"));
    payload.insert(format!("{key}.$"), json!(input_path));
    Task::invoke(function)
        .payload(serde_json::Value::Object(payload))
        .output_path("$.Payload")
        .retry(
            Retry::errors(&[
                "Lambda.ServiceException",
                "Lambda.AWSLambdaException",
                "Lambda.SdkClientException",
                "Lambda.TooManyRequestsException",
            ])
            .interval_seconds(2),
        )
        .catch(Catch::all("HandleError").result_path("$.error"))
}

/// The branch state after a provider failed for good: the error handler records it and
/// the branch ends with `{provider, failed: true, …}` so the other providers go on.
fn provider_failed(error_handler: &Function, provider: &str) -> Task {
    Task::invoke(error_handler)
        .payload(json!({
            "stage": "provider",
            "provider": provider,
            "error.$": "$.error",
            "executionId.$": "$$.Execution.Id"
        }))
        .result_selector(json!({ "provider": provider, "failed": true, "handled.$": "$.Payload" }))
        .retry(Retry::errors(&[
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
        ]))
        .end()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synthesize(env: Environment) -> StackOutput {
        let stack = Stack::new("integration_service", env);
        define(&stack);
        match stack.finish() {
            Ok(out) => out,
            Err(errors) => panic!("stack errors: {errors:?}"),
        }
    }

    fn attr(out: &StackOutput, t: &str, n: &str, a: &str) -> String {
        out.config
            .resource(t, n)
            .and_then(|b| b.body.get(a))
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn both_environments_synthesize_with_the_seed_figures() {
        for env in [Environment::dev(), Environment::prod()] {
            let production = env.production;
            let out = synthesize(env);
            let reserved = |f: &str| {
                attr(
                    &out,
                    "aws_lambda_function",
                    f,
                    "reserved_concurrent_executions",
                )
            };
            assert_eq!(reserved("american_connector"), "100");
            assert_eq!(reserved("united_connector"), "5");
            assert_eq!(reserved("data_validator"), "10");
            assert_eq!(reserved("data_mapper"), "");
            assert_eq!(
                attr(
                    &out,
                    "aws_sqs_queue",
                    "sync_tasks",
                    "visibility_timeout_seconds"
                ),
                "300"
            );
            assert_eq!(
                attr(&out, "aws_sqs_queue", "sync_tasks_dlq", "fifo_queue"),
                "true"
            );
            assert_eq!(
                attr(
                    &out,
                    "aws_cloudwatch_event_rule",
                    "daily_sync",
                    "schedule_expression"
                ),
                "\"cron(0 4 * * ? *)\""
            );
            assert_eq!(
                attr(&out, "aws_ecs_task_definition", "delta_connector", "cpu"),
                "\"2048\""
            );
            assert_eq!(
                attr(
                    &out,
                    "aws_ecs_task_definition",
                    "booking_connector",
                    "memory"
                ),
                "\"2048\""
            );
            assert_eq!(
                attr(
                    &out,
                    "aws_elasticache_replication_group",
                    "cache",
                    "num_cache_clusters"
                ),
                if production { "3" } else { "2" }
            );
            for group in out.config.blocks_of("resource") {
                if group.type_label() == "aws_cloudwatch_log_group" {
                    assert_eq!(
                        group.body.get("retention_in_days").map(|e| e.to_string()),
                        Some("30".into()),
                        "{}",
                        group.address()
                    );
                }
            }
            let Some(StackFile::Text { text, .. }) = out.files.get(&format!(
                "statemachines/integration-service-{}-sync.asl.json",
                out.env.name
            )) else {
                panic!("no state machine definition");
            };
            let asl: serde_json::Value = serde_json::from_str(text).expect("JSON");
            let branches = asl["States"]["SyncProviders"]["Branches"]
                .as_array()
                .map(Vec::len);
            assert_eq!(branches, Some(7));
        }
    }
}
