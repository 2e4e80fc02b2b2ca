//! Every root module under `out/` and `examples/team-stacks/out/` passes `terraform init`,
//! `validate` (no warnings) and `plan` against the real hashicorp/aws provider, backends
//! and remote state reads included (scripts/tf-check).

mod common;

use common::{modules_under, out_modules, workspace_root};

#[test]
fn generated_modules_pass_terraform_validate_and_plan() {
    let root = workspace_root();
    let mut modules = out_modules(&root);
    modules.extend(modules_under(&root.join("examples/team-stacks/out")));
    assert!(!modules.is_empty(), "no root modules under out/");
    let output = std::process::Command::new("bash")
        .arg(root.join("scripts/tf-check"))
        .args(&modules)
        .output()
        .expect("runs scripts/tf-check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) {
        eprintln!("skipped: conformance not checked: {}", stderr.trim());
        return;
    }
    assert!(
        output.status.success(),
        "conformance failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("{} passed, 0 failed", modules.len())),
        "{stdout}"
    );
}

/// What the seed stacks do not use is checked here, on stacks synthesized to a temporary
/// directory: Lambda authorizers (HTTP API REQUEST, REST TOKEN and REQUEST), stacks
/// reading each other through SSM parameters (the consumer is validated only: a plan would
/// read the parameter from AWS), and a stack in two regions — a DynamoDB global table
/// replica and S3 replication into a recovery region, CloudFront's web ACL and
/// certificate in us-east-1 — whose provider aliases scripts/tf-check gives mock
/// credentials too.
#[test]
fn constructs_the_seeds_do_not_use_pass_terraform_validate_and_plan() {
    use tfstack::prelude::*;
    let root = workspace_root();
    let code_dir = root.join("stacks/functions/lab_http_api");
    let code = move || Code::directory(code_dir.clone());
    let authorizers = {
        let code = code.clone();
        tfstack::App::new().stack_with_environments(
            "authorizers",
            vec![Environment::prod()],
            move |stack| {
                let handler = Function::new(
                    stack,
                    "handler",
                    Runtime::Python312,
                    "lambda_function.lambda_handler",
                    code(),
                )
                .timeout_seconds(5)
                .build();
                let check = Function::new(
                    stack,
                    "check",
                    Runtime::Python312,
                    "lambda_function.lambda_handler",
                    code(),
                )
                .timeout_seconds(5)
                .build();
                let http = HttpApi::new(stack, "http").build();
                let custom = http.lambda_authorizer("custom", &check);
                http.route_with("POST /webhooks", &handler, custom.authorization());
                let rest = RestApi::new(stack, "rest").build();
                let token = rest.token_authorizer("token", &check);
                let request =
                    rest.request_authorizer("tenant", &check, &["method.request.header.X-Tenant"]);
                rest.resource_path("/a")
                    .method("GET", &handler)
                    .authorization(token.authorization())
                    .build();
                rest.resource_path("/b")
                    .method("GET", &handler)
                    .authorization(request.authorization())
                    .build();
            },
        )
    };
    let ssm = tfstack::App::new()
        .cross_stack_references(CrossStackReferences::SsmParameters {
            prefix: "/tfstack".into(),
        })
        .stacks_with_environments(
            ["producer", "consumer"],
            vec![Environment::prod()],
            move |[producer, consumer]| {
                let jobs = Queue::new(producer, "jobs").build();
                let f = Function::new(
                    consumer,
                    "worker",
                    Runtime::Python312,
                    "lambda_function.lambda_handler",
                    code(),
                )
                .timeout_seconds(5)
                .env("JOBS_URL", jobs.url())
                .build();
                jobs.grant_send(&f);
            },
        );
    let regions = tfstack::App::new().stack_with_environments(
        "regions",
        vec![Environment::prod()],
        move |stack| {
            let dr_region = stack.variable("dr_region", "Recovery region", "us-west-2");
            let dr = stack.provider("dr", dr_region);
            Table::new(stack, "orders", Key::string("orderId"))
                .stream(StreamView::NewAndOldImages)
                .replica(&dr)
                .build();
            let key = KmsKey::new(stack, "invoices").build();
            let invoices = Bucket::new(stack, "invoices").encryption_key(&key).build();
            let replica = stack.in_region(&dr, || {
                let key = KmsKey::new(stack, "invoices_replica").build();
                Bucket::new(stack, "invoices_replica")
                    .encryption_key(&key)
                    .build()
            });
            invoices.replicate_to(&replica);
            let zone = HostedZone::existing(Expr::string("Z00000000000000000000"), "example.com");
            let certificate =
                Certificate::for_cloudfront(stack, "cdn", Expr::string("cdn.example.com"), &zone)
                    .build();
            let edge_firewall = WebAcl::cloudfront(stack, "edge_firewall").build();
            Distribution::new(stack, "cdn")
                .default_bucket(&invoices)
                .web_acl(&edge_firewall)
                .custom_domain(&[Expr::string("cdn.example.com")], &certificate, &zone)
                .build();
        },
    );
    let dir = tempfile::tempdir().expect("temp dir");
    for app in [&authorizers, &ssm, &regions] {
        let s = app.synthesize(None, None, &root).expect("synthesizes");
        assert!(
            s.errors.is_empty(),
            "{}",
            tfstack::diagnostics::render_stack_errors(&s.errors, false)
        );
        for output in &s.outputs {
            assert!(
                tfstack::testing::Template::from_output(output.clone())
                    .findings()
                    .is_empty(),
                "{} has lint findings",
                output.name
            );
        }
        for (path, bytes) in app.render(&s.outputs).expect("renders") {
            let target = dir.path().join(path);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::write(target, bytes).expect("write");
        }
    }
    let check = |args: &[&str], modules: &[&str]| {
        let output = std::process::Command::new("bash")
            .arg(root.join("scripts/tf-check"))
            .args(args)
            .args(modules.iter().map(|m| dir.path().join(m)))
            .output()
            .expect("runs scripts/tf-check");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).to_string(),
            String::from_utf8_lossy(&output.stderr).to_string(),
        )
    };
    let (code, stdout, stderr) = check(&[], &["authorizers/prod", "producer/prod", "regions/prod"]);
    if code == Some(3) {
        eprintln!("skipped: conformance not checked: {}", stderr.trim());
        return;
    }
    assert_eq!(code, Some(0), "conformance failed:\n{stdout}\n{stderr}");
    let (code, stdout, stderr) = check(&["--no-plan"], &["consumer/prod"]);
    assert_eq!(code, Some(0), "conformance failed:\n{stdout}\n{stderr}");
}
