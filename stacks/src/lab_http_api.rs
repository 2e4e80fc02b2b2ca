//! Seed 000: the Lambda + HTTP API lab. A Python function (`lambda_function.lambda_handler`)
//! behind `POST /hola` on an HTTP API; stage `lab_mvp` in dev. In prod the stage does not
//! auto-deploy: an explicit deployment publishes changes (the seed's advice for production).
//! The seed's flow has API Gateway check "autorización IAM o Cognito" before invoking the
//! function: callers present an ID or access token of the lab's Cognito user pool (a JWT
//! authorizer), and anything else gets 401.

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
    // The lab's users (created by the lab's administrator) and the client curl or a
    // browser signs in with (SRP or the AWS CLI's `initiate-auth`).
    let users = UserPool::new(stack, "lab_users").build();
    let client = users.client("cli").build();

    let api = HttpApi::new(stack, "lab_http_api")
        // A lab API called from browsers anywhere; no credentials are allowed with `*`.
        .cors(
            Cors::new(&["*"], &["POST", "OPTIONS"])
                .allow_headers(&["authorization", "content-type"]),
        )
        .stage(stage)
        .build();
    let authorizer = api.cognito_authorizer("lab_users", &users, &[&client]);
    api.default_authorization(authorizer.authorization());
    api.route("POST /hola", &function);

    stack.output("api_url", api.url(), "Invoke URL of the HTTP API stage");
    stack.output(
        "user_pool_id",
        users.id(),
        "Cognito user pool of the lab's callers",
    );
    stack.output(
        "user_pool_client_id",
        client.id(),
        "App client to sign in with (its ID tokens are accepted)",
    );
    stack.output(
        "function_name",
        function.name(),
        "Name of the Lambda function",
    );
}
