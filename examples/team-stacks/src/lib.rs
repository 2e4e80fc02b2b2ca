//! A team's own stacks on top of tfstack: two stacks that reference each other's resources
//! one way, with remote state in S3.
//!
//! - `shared`: the sessions table and the user pool, owned by the platform team and applied
//!   first;
//! - `sessions`: the function and HTTP API that use them. Its function reads the table's
//!   name and gets read/write access to the table's ARN, and its API accepts the user
//!   pool's tokens (a JWT authorizer): all of it comes from `shared`'s outputs (`data
//!   "terraform_remote_state" "shared"`), which tfstack writes because the definitions
//!   hand the table and the pool from one stack to the other.
//!
//! `cargo run -- synth` in this crate writes `out/<stack>/<env>/`; `cargo run -- list
//! --order` prints `shared` before `sessions`. The tests (`tests/stacks.rs`) use
//! `tfstack::testing`.

use tfstack::prelude::*;

/// Where every stack keeps its state: one key per stack and environment.
pub const STATE_BUCKET: &str = "acme-team-terraform-state";

/// The App: both stacks, registered together, with their backend.
pub fn app() -> tfstack::App {
    tfstack::App::new()
        .backend(S3Backend::new(STATE_BUCKET, "us-east-1"))
        .stacks(["shared", "sessions"], |[shared, sessions]| {
            let platform = shared_stack(shared);
            sessions_stack(sessions, &platform);
        })
}

/// What the platform team's stack offers the others.
pub struct Platform {
    pub table: Table,
    pub users: UserPool,
    pub web: UserPoolClient,
}

/// The platform team's stack: the sessions table and the user pool.
pub fn shared_stack(stack: &Stack) -> Platform {
    let table = Table::new(stack, "sessions", Key::string("session_id"))
        .ttl("expires_at")
        .build();
    stack.output("table_name", table.name(), "Name of the sessions table");
    let users = UserPool::new(stack, "users").build();
    let web = users.client("web").build();
    Platform { table, users, web }
}

/// The sessions service: a function behind an HTTP API that accepts the platform's user
/// tokens, writing to the platform's table.
pub fn sessions_stack(stack: &Stack, platform: &Platform) {
    let table = &platform.table;
    let function = Function::new(
        stack,
        "create_session",
        Runtime::Python312,
        "app.handler",
        // Relative to where `cargo run` and `cargo test` run: this crate's directory.
        Code::directory("functions/sessions"),
    )
    .timeout_seconds(10)
    .env("TABLE_NAME", table.name())
    .build();
    table.grant_read_write(&function);
    let api = HttpApi::new(stack, "sessions_api").build();
    let users = api.cognito_authorizer("users", &platform.users, &[&platform.web]);
    api.default_authorization(users.authorization());
    api.route("POST /sessions", &function);

    // A Java function: SnapStart resumes new instances from a snapshot of the initialized
    // one instead of starting a JVM (published versions only: the API invokes the alias).
    let quotes = Function::new(
        stack,
        "quotes",
        Runtime::Java21,
        "com.acme.Quotes::handleRequest",
        // Compiled by `functions/quotes/build.sh`.
        Code::directory("functions/quotes/package"),
    )
    .memory_mb(512)
    .timeout_seconds(10)
    .alias("live")
    .snap_start()
    .build();
    api.route("GET /quotes", &quotes);
    stack.output("api_url", api.url(), "Invoke URL");
}
