//! Seed 001: a Go Lambda (custom runtime `provided.al2023`, `bootstrap`, arm64, 128 MB,
//! 10 s) that creates sessions in a DynamoDB table with TTL on `expires_at`, with
//! least-privilege access to exactly that table and JSON logs to its own log group
//! (retention 7 days in dev, 30 in prod).

use crate::function_code;
use tfstack_model::prelude::*;

pub fn define(stack: &Stack) {
    // Physical names as in the seed: go-hexagonal-auth-<env>-sessions, …-create-session.
    stack.set_name_prefix("go-hexagonal-auth");

    let sessions = Table::new(stack, "sessions", Key::string("session_id"))
        .ttl("expires_at")
        .build();

    let env_name = stack.env().name;
    let create_session = Function::new(
        stack,
        "create_session",
        Runtime::ProvidedAl2023,
        "bootstrap",
        function_code("hexagonal_auth"),
    )
    .description("Creates authentication sessions (hexagonal Go service, seed 001)")
    .arm64()
    .memory_mb(128)
    .timeout_seconds(10)
    .env("DYNAMODB_TABLE_NAME", sessions.name())
    .env("ENVIRONMENT", env_name.as_str())
    .env("LOG_LEVEL", "INFO")
    .build();

    sessions.grant_read_write(&create_session);
    // The function directory holds the seed's Go sources; the custom runtime needs the
    // compiled `bootstrap`, which needs a Go toolchain this repository's build does not
    // assume. LAMBDA007 says so until a team builds it and points `Code::zip_file` at it.
    stack.suppress(
        create_session.resource(),
        "LAMBDA007",
        "seed 001 packages its Go sources; build `bootstrap` (GOOS=linux GOARCH=arm64 \
         go build -o bootstrap ./cmd/lambda) into the zip before deploying",
    );

    stack.output(
        "function_name",
        create_session.name(),
        "Name of the create-session function",
    );
    stack.output("table_name", sessions.name(), "Name of the sessions table");
}
