//! Seed 000: the Lambda + HTTP API lab. A Python function (`lambda_function.lambda_handler`)
//! behind `POST /hola` on an HTTP API; stage `lab_mvp` in dev. In prod the stage does not
//! auto-deploy: an explicit deployment publishes changes (the seed's advice for production).

use crate::function_code;
use tfstack_model::prelude::*;

pub fn define(stack: &Stack) {
    let function = Function::new(
        stack,
        "lab_lambda_mvp",
        Runtime::Python312,
        "lambda_function.lambda_handler",
        function_code("lab_http_api"),
    )
    .description("Says hola over HTTP (seed 000 lab)")
    .memory_mb(128)
    .timeout_seconds(10)
    .build();

    let stage = if stack.is_production() {
        "prod"
    } else {
        "lab_mvp"
    };
    let api = HttpApi::new(stack, "lab_http_api")
        // A lab API called from browsers anywhere; no credentials are allowed with `*`.
        .cors(Cors::new(&["*"], &["POST", "OPTIONS"]))
        .stage(stage)
        .build();
    let route = api.route("POST /hola", &function);
    // The lab's greeting endpoint is public by design (seed 000 calls it with curl, no
    // credentials); throttling on the stage bounds abuse.
    stack.suppress(
        &route,
        "APIGW002",
        "seed 000 lab: a public greeting endpoint, throttled at the stage",
    );

    stack.output("api_url", api.url(), "Invoke URL of the HTTP API stage");
    stack.output(
        "function_name",
        function.name(),
        "Name of the Lambda function",
    );
}
