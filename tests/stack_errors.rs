//! Mistakes in stack definitions are synth errors — miette diagnostics at the Rust line
//! that made them — never a panic and never a half-written `out/`.

mod common;

use tfstack::App;
use tfstack_model::prelude::*;

fn errors_of(define: fn(&Stack)) -> String {
    let app = App::new().stack_with_environments("broken", vec![Environment::dev()], define);
    let s = app
        .synthesize(None, None, &common::workspace_root())
        .expect("synthesizes");
    assert!(s.outputs.is_empty(), "a broken stack produced output");
    tfstack::diagnostics::render_stack_errors(&s.errors, false)
}

fn code() -> Code {
    Code::directory(common::workspace_root().join("stacks/functions/lab_http_api"))
}

#[test]
fn reserved_environment_variable_points_at_the_env_call() {
    let text = errors_of(|stack| {
        Function::new(stack, "f", Runtime::Python312, "app.handler", code())
            .env("AWS_REGION", "us-east-1")
            .build();
    });
    assert!(
        text.contains("environment variable `AWS_REGION` is reserved by Lambda"),
        "{text}"
    );
    assert!(
        text.contains(".env(\"AWS_REGION\", \"us-east-1\")"),
        "shows the Rust line:\n{text}"
    );
}

#[test]
fn handler_without_a_dot() {
    let text = errors_of(|stack| {
        Function::new(stack, "f", Runtime::Python312, "handler", code()).build();
    });
    assert!(text.contains("handler `handler` has no `.`"), "{text}");
    // A dash is fine: the runtime imports `hello-world` (LAMBDA002's premise was wrong).
    let app = App::new().stack_with_environments("dash", vec![Environment::dev()], |stack| {
        Function::new(
            stack,
            "g",
            Runtime::Python312,
            "hello-world.handler",
            code(),
        )
        .build();
    });
    let s = app
        .synthesize(None, None, &common::workspace_root())
        .expect("synthesizes");
    assert!(s.errors.is_empty(), "a dash in the module name is accepted");
}

#[test]
fn duplicate_and_invalid_names() {
    let text = errors_of(|stack| {
        Table::new(stack, "t", Key::string("id")).build();
        Table::new(stack, "t", Key::string("id")).build();
        Table::new(stack, "9bad", Key::string("id")).build();
    });
    assert!(
        text.contains("duplicate resource `aws_dynamodb_table.t`"),
        "{text}"
    );
    assert!(text.contains("invalid resource name `9bad`"), "{text}");
}

#[test]
fn reference_outside_the_stack() {
    let text = errors_of(|stack| {
        let f = Function::new(stack, "f", Runtime::Python312, "app.handler", code())
            .env(
                "OTHER_TABLE",
                Expr::reference("aws_dynamodb_table", &["elsewhere", "name"]),
            )
            .build();
        let _ = f;
    });
    assert!(
        text.contains("references `aws_dynamodb_table.elsewhere`"),
        "{text}"
    );
}

#[test]
fn grant_across_stacks() {
    let text = errors_of(|stack| {
        let other = Stack::new("other", Environment::dev());
        let table = Table::new(&other, "t", Key::string("id")).build();
        let f = Function::new(stack, "f", Runtime::Python312, "app.handler", code()).build();
        table.grant_read(&f);
    });
    assert!(text.contains("belongs to another stack"), "{text}");
}

#[test]
fn diagnostic_snapshot() {
    let text = errors_of(|stack| {
        Function::new(stack, "f", Runtime::Python312, "app.handler", code())
            .env("_HANDLER", "x")
            .build();
    });
    insta::assert_snapshot!(text);
}

/// A typed stack's code directory is the package LAMBDA007 checks the handler against:
/// `app.handler` needs `app.py`, which the lab's directory (`lambda_function.py`) lacks.
#[test]
fn lint_sees_a_typed_stack_code_directory() {
    let lint = |handler: &'static str| {
        let app = App::new().stack_with_environments(
            "handlers",
            vec![Environment::dev()],
            match handler {
                "app.handler" => |stack: &Stack| {
                    Function::new(stack, "f", Runtime::Python312, "app.handler", code()).build();
                },
                _ => |stack: &Stack| {
                    Function::new(
                        stack,
                        "f",
                        Runtime::Python312,
                        "lambda_function.lambda_handler",
                        code(),
                    )
                    .build();
                },
            },
        );
        let s = app
            .synthesize(None, None, &common::workspace_root())
            .expect("synthesizes");
        assert!(s.errors.is_empty());
        let report = tfstack_lint_engine::stack::lint_stacks(
            &s.outputs,
            std::path::Path::new("out"),
            &tfstack_lint_engine::config::LintConfig::default(),
            tfstack_lint_rules::registry::all(),
            None,
        );
        report
            .findings
            .into_iter()
            .filter(|f| f.rule.id == "LAMBDA007")
            .collect::<Vec<_>>()
    };
    let found = lint("app.handler");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].message.contains("needs `app.py`"),
        "{}",
        found[0].message
    );
    assert!(
        found[0].location.path.ends_with("tests/stack_errors.rs"),
        "{:?}",
        found[0].location.path
    );
    assert!(lint("lambda_function.lambda_handler").is_empty());
}

/// Two stacks that each read the other's resources cannot be ordered: an error at the
/// Rust line of each grant that makes the cycle, through the App, and `list --order` fails.
#[test]
fn a_cycle_between_stacks_points_at_each_reference() {
    let app = App::new()
        .backend(S3Backend::new("acme-tfstate", "us-east-1"))
        .stacks_with_environments(["a", "b"], vec![Environment::dev()], |[a, b]| {
            let table_a = Table::new(a, "t", Key::string("id")).build();
            let table_b = Table::new(b, "t", Key::string("id")).build();
            let fa = Function::new(a, "f", Runtime::Python312, "app.handler", code()).build();
            let fb = Function::new(b, "f", Runtime::Python312, "app.handler", code()).build();
            table_b.grant_read(&fa);
            table_a.grant_read(&fb);
        });
    let s = app
        .synthesize(None, None, &common::workspace_root())
        .expect("synthesizes");
    let text = tfstack::diagnostics::render_stack_errors(&s.errors, false);
    assert_eq!(s.errors.len(), 2, "{text}");
    assert!(
        s.errors[0].error.message.contains(
            "references `aws_dynamodb_table.t.arn` of stack `b`, and the stacks `a`, `b` depend on each other"
        ),
        "{text}"
    );
    assert!(
        text.contains("table_b.grant_read(&fa);"),
        "shows the grant:\n{text}"
    );
    assert!(
        text.contains("table_a.grant_read(&fb);"),
        "shows the grant:\n{text}"
    );
    assert!(app.order(&common::workspace_root()).is_err());
}

#[test]
fn stacks_are_listed_in_the_order_they_apply() {
    let app = App::new()
        .backend(S3Backend::new("acme-tfstate", "us-east-1"))
        .stacks(["api", "ops", "data"], |[api, _ops, data]| {
            let table = Table::new(data, "t", Key::string("id")).build();
            let f = Function::new(api, "f", Runtime::Python312, "app.handler", code()).build();
            table.grant_read(&f);
        });
    let order = app.order(&common::workspace_root()).expect("no cycle");
    let text: Vec<String> = order
        .iter()
        .map(|s| format!("{} after {:?}", s.name, s.after))
        .collect();
    assert_eq!(
        text,
        ["ops after []", "data after []", "api after [\"data\"]"]
    );
}
