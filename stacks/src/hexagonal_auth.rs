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

    stack.output(
        "function_name",
        create_session.name(),
        "Name of the create-session function",
    );
    stack.output("table_name", sessions.name(), "Name of the sessions table");
}
