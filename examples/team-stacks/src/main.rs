use tfstack::prelude::*;

fn sessions(stack: &Stack) {
    let table = Table::new(stack, "sessions", Key::string("session_id"))
        .ttl("expires_at")
        .build();
    let function = Function::new(
        stack,
        "create_session",
        Runtime::Python312,
        "app.handler",
        Code::directory(concat!(env!("CARGO_MANIFEST_DIR"), "/functions/sessions")),
    )
    .timeout_seconds(10)
    .env("TABLE_NAME", table.name())
    .build();
    table.grant_read_write(&function);
    let api = HttpApi::new(stack, "sessions_api").build();
    api.route("POST /sessions", &function);
    stack.output("api_url", api.url(), "Invoke URL");
}

fn main() {
    std::process::exit(tfstack::App::new().stack("sessions", sessions).run());
}
