//! Seed 003: the serverless orders system.
//!
//! ```text
//! client → CloudFront → API Gateway (REST) → Lambda orders CRUD → DynamoDB `orders`
//!                    ↘ S3 invoices ← Lambda invoice PDF ← SNS order events ← stream ↲
//! CloudWatch alarms → SNS notifications
//! ```
//!
//! What the seed fixes: the table (orderId + createdAt, StatusIndex on status + createdAt,
//! on-demand, point-in-time recovery, Contributor Insights), the invoices bucket
//! (versioning, encryption, Intelligent-Tiering archive at 125 and deep archive at 180
//! days, 7-year retention), API caching (0.5 GB, 5 minutes, keyed on orderId),
//! provisioned concurrency 2 on the orders function, X-Ray, the five alarms and a
//! dashboard. Where it leaves a value open, the choice is commented where it is made.

use crate::function_code;
use tfstack_model::l1::DynamodbContributorInsights;
use tfstack_model::prelude::*;

/// Seven years, as S3 counts them: the invoices' legal retention.
const SEVEN_YEARS_DAYS: i64 = 2555;

/// The body of `POST /orders`, checked by API Gateway before the function runs.
const NEW_ORDER_SCHEMA: &str = r#"{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "NewOrder",
  "type": "object",
  "required": ["customerId", "items"],
  "properties": {
    "customerId": {"type": "string", "minLength": 1, "maxLength": 64},
    "items": {
      "type": "array",
      "minItems": 1,
      "maxItems": 100,
      "items": {
        "type": "object",
        "required": ["sku", "quantity", "unitPrice"],
        "properties": {
          "sku": {"type": "string", "minLength": 1, "maxLength": 64},
          "quantity": {"type": "integer", "minimum": 1},
          "unitPrice": {"type": "number", "minimum": 0}
        }
      }
    }
  }
}"#;

/// The body of `PUT /orders/{orderId}`: a status change.
const STATUS_CHANGE_SCHEMA: &str = r#"{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "StatusChange",
  "type": "object",
  "required": ["status"],
  "properties": {
    "status": {"type": "string", "enum": ["PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"]}
  }
}"#;

pub fn define(stack: &Stack) {
    let prod = stack.is_production();

    // The web app's origin, for CORS. The seed names no domain: a variable with a
    // placeholder default that the deployment sets (the React dev server in dev).
    let frontend_origin = stack.variable(
        "frontend_origin",
        "Origin (scheme://host[:port]) of the orders web app, allowed by CORS",
        if prod {
            "https://orders.example.com"
        } else {
            "http://localhost:3000"
        },
    );

    // --- Data ------------------------------------------------------------------------

    // On-demand and point-in-time recovery are the construct's defaults (and the seed's);
    // production tables also get deletion protection. The stream (the seed's next step,
    // "Implementar DynamoDB Streams para eventos") is where order events come from.
    // Seed 003's next step "Implementar multi-region para DR" needs a provider per region
    // (`Stack::provider`, `Table::replica`, `Bucket::replicate_to`): each is planned with
    // its own credentials, which the offline conformance check gives only the default
    // provider. The recovery region is shown in tests/conformance.rs, not in `out/`.
    let orders = Table::new(stack, "orders", Key::string("orderId"))
        .sort_key(Key::string("createdAt"))
        .global_index(
            "StatusIndex",
            Key::string("status"),
            Some(Key::string("createdAt")),
        )
        .stream(StreamView::NewAndOldImages)
        .build();
    stack.add("orders", DynamodbContributorInsights::new(orders.name()));

    // Invoices are personal and financial data: a customer key of their own, whose policy
    // also lets exactly this stack's CloudFront distribution decrypt them.
    let invoices_key = KmsKey::new(stack, "invoices")
        .description("Encrypts the orders invoices bucket")
        .build();
    let invoices_lifecycle = || {
        Lifecycle::new()
            .transition(StorageClass::IntelligentTiering, 0)
            .expire_after_days(SEVEN_YEARS_DAYS)
            // An overwritten or deleted invoice is still an issued invoice: its old
            // versions are kept as long as current ones.
            .noncurrent_versions_expire_after_days(SEVEN_YEARS_DAYS)
    };
    let invoices = Bucket::new(stack, "invoices")
        .encryption_key(&invoices_key)
        // The generator writes invoices as INTELLIGENT_TIERING and the lifecycle moves any
        // other object there at once, so the archive tiers apply: S3 archives what is not
        // read for 125 days and deep-archives it at 180 (objects under 128 KB are never
        // tiered by S3; they stay in the frequent-access tier).
        .intelligent_tiering(125, 180)
        .lifecycle(invoices_lifecycle())
        // Request metrics give the `4xxErrors` the S3 alarm watches.
        .request_metrics()
        .build();

    // --- Events and notifications ----------------------------------------------------

    // Order events (OrderCreated → the PDF generator). The AWS managed key is enough:
    // only Lambda subscribes and only IAM roles publish.
    let order_events = Topic::new(stack, "order_events")
        .display_name("Orders events")
        .build();
    // Alarm notifications: CloudWatch can only publish to a topic encrypted with a
    // customer key whose policy lets it (the construct adds that statement).
    let notifications_key = KmsKey::new(stack, "notifications")
        .description("Encrypts the orders alarm notifications topic")
        .build();
    let notifications = Topic::new(stack, "notifications")
        .display_name("Orders alarms")
        .encryption_key(&notifications_key)
        .build();

    // --- Functions -------------------------------------------------------------------

    // The seed says Python 3.9, whose Lambda runtime is deprecated (no security patches,
    // and creating or updating such functions is being blocked): python3.12, the
    // closest supported runtime the handlers run on unchanged.
    let crud = Function::new(
        stack,
        "orders_crud",
        Runtime::Python312,
        "handler.handler",
        function_code("orders/crud"),
    )
    .description("Orders CRUD behind the REST API (seed 003)")
    // 256 MB / 10 s: more memory is more CPU for cold starts (seed target < 1 s); API
    // Gateway gives up at 29 s anyway.
    .memory_mb(256)
    .timeout_seconds(10)
    .tracing()
    // The API invokes the alias, so provisioned concurrency (prod) serves it.
    .alias("live")
    .env("TABLE_NAME", orders.name())
    .env("STATUS_INDEX", "StatusIndex")
    .env("ALLOWED_ORIGIN", frontend_origin.clone())
    .env("LOG_LEVEL", "INFO");
    // Seed 003: two warm instances, in production only (dev tolerates cold starts and
    // should cost $0–5 a month).
    let crud = if prod {
        crud.provisioned_concurrency(2)
    } else {
        crud
    }
    .build();
    orders.grant_read_write(&crud);

    // Order events follow the writes: the table's stream feeds the publisher, which turns
    // new orders and status changes into OrderCreated / OrderStatusChanged on the topic.
    // Batches that keep failing go to the subscription's dead-letter queue.
    let publisher = Function::new(
        stack,
        "order_events",
        Runtime::Python312,
        "handler.handler",
        function_code("orders/events"),
    )
    .description("Publishes order events from the orders table's stream (seed 003)")
    .memory_mb(256)
    .timeout_seconds(30)
    .tracing()
    .env("EVENTS_TOPIC_ARN", order_events.arn())
    .env("LOG_LEVEL", "INFO")
    .build();
    order_events.grant_publish(&publisher);
    let stream = orders.subscribe(&publisher, 100);

    let invoice_pdf = Function::new(
        stack,
        "invoice_pdf",
        Runtime::Python312,
        "handler.handler",
        function_code("orders/pdf"),
    )
    .description("Writes each new order's invoice PDF to the invoices bucket (seed 003)")
    .memory_mb(512)
    .timeout_seconds(60)
    .tracing()
    .env("INVOICES_BUCKET", invoices.name())
    .env("INVOICE_PREFIX", "invoices/")
    .env("LOG_LEVEL", "INFO")
    .build();
    invoices.grant_write(&invoice_pdf);
    let invoice_subscription = order_events.subscribe_function(&invoice_pdf);
    // Events the function still fails on after Lambda's two retries land in the same
    // dead-letter queue as the messages SNS could not deliver.
    invoice_pdf.on_failure(
        DeadLetterTarget::Queue(invoice_subscription.dead_letter_queue_arn()),
        2,
    );

    // --- API -------------------------------------------------------------------------

    // Throttling: the seed's scale target is up to 1000 TPS in production; dev gets a
    // small budget so a runaway client cannot run up costs.
    let (rate, burst) = if prod { (1000.0, 2000) } else { (50.0, 100) };
    let api = RestApi::new(stack, "orders_api")
        .description("Orders API (seed 003)")
        .throttle(rate, burst);
    // The 0.5 GB cache costs about $14 a month around the clock: production only.
    let api = if prod { api.cache_cluster("0.5") } else { api }
        .cors(RestApiCors::new(frontend_origin))
        .build();
    // The web app's customers sign up and in with a Cognito user pool (the checklist's
    // "Cognito, JWT / authorizers": no API without authentication); every method checks
    // their ID token. CORS preflights stay open, as browsers send them without tokens.
    let customers = UserPool::new(stack, "customers").self_sign_up().build();
    let web_client = customers.client("web").build();
    let customer_tokens = api.cognito_authorizer("customers", &[&customers]);
    api.default_authorization(customer_tokens.authorization());
    let collection = api.resource_path("/orders");
    let _create = collection
        .method("POST", &crud)
        .request_body_schema(NEW_ORDER_SCHEMA)
        .build();
    // Listing is by status (StatusIndex); without one it would be a table scan.
    let _list = collection
        .method("GET", &crud)
        .query_parameter("status", true)
        .build();
    let order = api.resource_path("/orders/{orderId}");
    let get_order = order.method("GET", &crud);
    // Cached 5 minutes per orderId (seed 003). Writes do not invalidate the cache: a
    // status change can take up to 5 minutes to show on GET, which the seed accepts.
    let _get_order = if prod {
        get_order.cache_ttl_seconds(300)
    } else {
        get_order
    }
    .build();
    let _update = order
        .method("PUT", &crud)
        .request_body_schema(STATUS_CHANGE_SCHEMA)
        .build();
    let _delete = order.method("DELETE", &crud).build();

    // --- Edge ------------------------------------------------------------------------

    // Seed 003's next step "Configurar AWS WAF" (the checklist's "WAF integrado"): AWS's
    // managed rules and a per-address rate limit on the API stage. Production only: a web
    // ACL costs about $10 a month before requests, a sixth of the seed's production budget
    // would go there in dev.
    let cdn = Distribution::new(stack, "orders_cdn")
        .comment("Orders API and invoices (seed 003)")
        .rest_api(&api)
        .bucket("/invoices/*", &invoices);
    // The edge's own web ACL and `cdn.<domain>` need resources in us-east-1 through a
    // provider alias (CloudFront reads both there), planned with credentials of their own:
    // they are shown in tests/conformance.rs, and the edge keeps CloudFront's domain here.
    if prod {
        let api_firewall = WebAcl::regional(stack, "api_firewall").build();
        api_firewall.protect_rest_api(&api);
        // Production's API answers on the team's domain, `api.<domain>` (TLS 1.2), with a
        // DNS-validated certificate and alias records in the domain's hosted zone. The seed
        // names no domain: variables with placeholder defaults the deployment sets.
        let domain = stack.variable(
            "domain",
            "Domain of the orders system (its hosted zone's)",
            "orders.example.com",
        );
        let zone_id = stack.variable(
            "hosted_zone_id",
            "Route 53 hosted zone of the domain",
            "Z00000000000000000000",
        );
        let zone = HostedZone::existing(zone_id, "orders.example.com");
        let api_name = subdomain("api", &domain);
        let api_certificate = Certificate::new(stack, "api", api_name.clone(), &zone).build();
        api.custom_domain("api", api_name, &api_certificate, &zone);
    }
    let cdn = cdn.build();

    // --- Alarms and dashboard (seed 003's five, all to the notifications topic) --------

    let api_5xx = Alarm::new(stack, "api_5xx", api.metric("5XXError").period_seconds(120))
        .description("API Gateway 5XX errors > 5 in 2 minutes")
        .greater_than(5.0)
        .notify(&notifications)
        .build();
    // Both functions: one alarm on their sum keeps the seed's five alarms.
    let lambda_throttles = Alarm::sum_of(
        stack,
        "lambda_throttles",
        "Throttles",
        vec![
            Metric::lambda(&crud, "Throttles").label("orders_crud"),
            Metric::lambda(&invoice_pdf, "Throttles").label("invoice_pdf"),
            Metric::lambda(&publisher, "Throttles").label("order_events"),
        ],
    )
    .description("Lambda throttles > 0")
    .greater_than(0.0)
    .notify(&notifications)
    .build();
    let lambda_errors = Alarm::sum_of(
        stack,
        "lambda_errors",
        "Errors",
        vec![
            Metric::lambda(&crud, "Errors").label("orders_crud"),
            Metric::lambda(&invoice_pdf, "Errors").label("invoice_pdf"),
            Metric::lambda(&publisher, "Errors").label("order_events"),
        ],
    )
    .description("Lambda errors > 5 in 1 minute")
    .greater_than(5.0)
    .notify(&notifications)
    .build();
    // ThrottledRequests exists per operation only: the operations the CRUD issues.
    let table_throttles = Alarm::sum_of(
        stack,
        "dynamodb_throttles",
        "Throttled requests",
        ["DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"]
            .iter()
            .map(|op| Metric::dynamodb_throttled_requests(&orders, op))
            .collect(),
    )
    .description("DynamoDB throttled requests > 0")
    .greater_than(0.0)
    .notify(&notifications)
    .build();
    let s3_4xx = Alarm::new(
        stack,
        "s3_4xx",
        invoices.metric("4xxErrors").period_seconds(300),
    )
    .description("S3 4XX errors > 5 in 5 minutes")
    .greater_than(5.0)
    .notify(&notifications)
    .build();

    let mut api_metrics = vec![
        api.metric("Count"),
        api.metric("4XXError"),
        api.metric("5XXError"),
    ];
    if prod {
        api_metrics.push(api.metric("CacheHitCount"));
        api_metrics.push(api.metric("CacheMissCount"));
    }
    Dashboard::new(stack, "orders")
        .alarm_status(
            "Alarms",
            &[
                &api_5xx,
                &lambda_throttles,
                &lambda_errors,
                &table_throttles,
                &s3_4xx,
            ],
        )
        .graph(
            "API latency (p99, ms)",
            vec![
                api.metric("Latency").statistic("p99"),
                api.metric("IntegrationLatency").statistic("p99"),
            ],
        )
        .graph("API requests", api_metrics)
        .graph(
            "Lambda invocations and errors",
            vec![
                Metric::lambda(&crud, "Invocations"),
                Metric::lambda(&crud, "Errors"),
                Metric::lambda(&invoice_pdf, "Invocations"),
                Metric::lambda(&invoice_pdf, "Errors"),
            ],
        )
        .graph(
            "Lambda duration (p99, ms)",
            vec![
                Metric::lambda(&crud, "Duration").statistic("p99"),
                Metric::lambda(&invoice_pdf, "Duration").statistic("p99"),
            ],
        )
        .graph(
            "DynamoDB capacity consumed",
            vec![
                Metric::dynamodb(&orders, "ConsumedReadCapacityUnits"),
                Metric::dynamodb(&orders, "ConsumedWriteCapacityUnits"),
            ],
        )
        .graph(
            "Invoices bucket requests",
            vec![invoices.metric("AllRequests"), invoices.metric("4xxErrors")],
        )
        .alarm_graph(&api_5xx)
        .alarm_graph(&s3_4xx)
        .build();

    stack.output("api_url", api.url(), "Invoke URL of the orders API stage");
    stack.output(
        "cdn_domain_name",
        cdn.domain_name(),
        "CloudFront domain serving the API and /invoices/*",
    );
    stack.output("table_name", orders.name(), "Name of the orders table");
    stack.output(
        "order_events_failures_queue_url",
        stream.failures.url(),
        "Dead-letter queue of order events the stream publisher could not send",
    );
    stack.output(
        "user_pool_id",
        customers.id(),
        "Cognito user pool of the web app's customers",
    );
    stack.output(
        "user_pool_client_id",
        web_client.id(),
        "App client of the web app (its ID tokens authorize API calls)",
    );
    stack.output(
        "invoices_bucket",
        invoices.name(),
        "Name of the invoices bucket",
    );
    stack.output(
        "notifications_topic_arn",
        notifications.arn(),
        "Topic the alarms notify: subscribe the on-call channel to it",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synth(env: Environment) -> StackOutput {
        let stack = Stack::new("orders", env);
        define(&stack);
        stack.finish().expect("the orders stack is valid")
    }

    fn attr(out: &StackOutput, t: &str, name: &str, attribute: &str) -> Option<String> {
        out.config
            .resource(t, name)
            .and_then(|b| b.body.get(attribute).map(|e| e.to_string()))
    }

    #[test]
    fn five_alarms_with_the_seed_thresholds_notify_the_topic() {
        let out = synth(Environment::prod());
        for (name, threshold, period) in [
            ("api_5xx", "5.0", Some("120")),
            ("lambda_throttles", "0.0", None),
            ("lambda_errors", "5.0", None),
            ("dynamodb_throttles", "0.0", None),
            ("s3_4xx", "5.0", Some("300")),
        ] {
            let t = "aws_cloudwatch_metric_alarm";
            assert_eq!(attr(&out, t, name, "threshold").as_deref(), Some(threshold));
            assert_eq!(attr(&out, t, name, "period").as_deref(), period, "{name}");
            assert_eq!(
                attr(&out, t, name, "alarm_actions").as_deref(),
                Some("[aws_sns_topic.notifications.arn]")
            );
        }
        let alarms = out
            .config
            .blocks_of("resource")
            .filter(|b| b.is_resource("aws_cloudwatch_metric_alarm"));
        assert_eq!(alarms.count(), 5);
    }

    #[test]
    fn provisioned_concurrency_and_cache_in_prod_only() {
        let prod = synth(Environment::prod());
        let dev = synth(Environment::dev());
        let pc = "aws_lambda_provisioned_concurrency_config";
        assert_eq!(
            attr(
                &prod,
                pc,
                "orders_crud",
                "provisioned_concurrent_executions"
            )
            .as_deref(),
            Some("2")
        );
        assert!(dev.config.resource(pc, "orders_crud").is_none());
        let stage = "aws_api_gateway_stage";
        assert_eq!(
            attr(&prod, stage, "orders_api", "cache_cluster_size").as_deref(),
            Some("\"0.5\"")
        );
        assert!(attr(&dev, stage, "orders_api", "cache_cluster_enabled").is_none());
        let settings = "aws_api_gateway_method_settings";
        let cached = prod
            .config
            .resource(settings, "orders_api_get_orders_orderid")
            .and_then(|b| b.body.block("settings"))
            .and_then(|s| s.body.get("cache_ttl_in_seconds"))
            .map(|e| e.to_string());
        assert_eq!(cached.as_deref(), Some("300"));
    }

    #[test]
    fn the_invoices_bucket_keeps_invoices_seven_years() {
        let out = synth(Environment::prod());
        let lifecycle = out
            .config
            .resource("aws_s3_bucket_lifecycle_configuration", "invoices")
            .expect("lifecycle");
        let rule = lifecycle.body.block("rule").expect("rule");
        let days = rule
            .body
            .block("expiration")
            .and_then(|e| e.body.get("days"))
            .map(|e| e.to_string());
        assert_eq!(days.as_deref(), Some("2555"));
        let tiering = out
            .config
            .resource(
                "aws_s3_bucket_intelligent_tiering_configuration",
                "invoices",
            )
            .expect("tiering");
        let days: Vec<String> = tiering
            .body
            .blocks_of("tiering")
            .filter_map(|t| t.body.get("days").map(|e| e.to_string()))
            .collect();
        assert_eq!(days, vec!["125", "180"]);
    }
}
