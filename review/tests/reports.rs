//! Markdown snapshots of the reports of the seed stacks (dev and prod) and of the
//! hand-written fixture, and the properties every report keeps.

mod common;

use std::path::Path;
use tfstack_model::environment::Environment;
use tfstack_review::findings::{Finding, Severity, Suppression};
use tfstack_review::{Review, ReviewError, ReviewOptions, Usage};

#[test]
fn markdown_reports_of_the_seed_stacks_and_the_fixture() {
    for (name, review) in common::all_reviews() {
        let markdown = review.render_markdown().expect("renders");
        insta::assert_snapshot!(format!("markdown_{name}"), markdown);
    }
}

#[test]
fn reports_are_the_same_bytes_on_every_run() {
    for (name, review) in common::all_reviews() {
        let again = if name == "handwritten" {
            Review::of_module(Path::new(common::FIXTURE), &ReviewOptions::default())
                .expect("reviews")
        } else {
            let (stack, env) = name.rsplit_once('_').expect("name_env");
            let env = if env == "prod" {
                Environment::prod()
            } else {
                Environment::dev()
            };
            common::stack_review(stack, env)
        };
        assert_eq!(
            review.render_html().expect("html"),
            again.render_html().expect("html"),
            "{name}"
        );
        assert_eq!(
            review.render_markdown().expect("md"),
            again.render_markdown().expect("md"),
            "{name}"
        );
    }
}

#[test]
fn the_integration_service_diagram_draws_no_terraform_plumbing() {
    let review = common::stack_review("integration_service", Environment::prod());
    let graph = review.flow_graph();
    for node in &graph.nodes {
        for plumbing in [
            "aws_iam_role_policy",
            "aws_lambda_permission",
            "aws_cloudwatch_log_group",
            "aws_api_gateway_stage",
            "aws_api_gateway_deployment",
            "aws_api_gateway_method",
            "aws_subnet",
            "aws_security_group",
            "aws_kms_alias",
            "aws_cloudwatch_event_target",
        ] {
            assert!(
                !node.id.starts_with(&format!("{plumbing}.")),
                "{} drawn as a node",
                node.id
            );
        }
    }
    // Seed 004's flows, labelled along the data flow.
    let edge = |from: &str, to: &str| {
        graph
            .edges
            .iter()
            .find(|e| e.from == from && e.to == to)
            .map(|e| e.label.clone())
            .unwrap_or_else(|| panic!("no edge {from} → {to}"))
    };
    assert_eq!(edge("clients", "aws_api_gateway_rest_api.sync_api"), "HTTP");
    assert_eq!(
        edge(
            "aws_api_gateway_rest_api.sync_api",
            "aws_sfn_state_machine.sync"
        ),
        "start"
    );
    assert_eq!(
        edge(
            "aws_cloudwatch_event_rule.daily_sync",
            "aws_sfn_state_machine.sync"
        ),
        "schedule"
    );
    assert_eq!(
        edge(
            "aws_cloudwatch_event_bus.sync_events",
            "aws_sfn_state_machine.sync"
        ),
        "sync-requested"
    );
    assert_eq!(
        edge("aws_sqs_queue.sync_tasks", "aws_sfn_state_machine.sync"),
        "pipe"
    );
    assert_eq!(
        edge(
            "aws_sfn_state_machine.sync",
            "aws_lambda_function.american_connector"
        ),
        "invoke"
    );
    assert_eq!(
        edge(
            "aws_sfn_state_machine.sync",
            "aws_ecs_task_definition.delta_connector"
        ),
        "run task"
    );
    assert_eq!(
        edge(
            "aws_lambda_function.event_publisher",
            "aws_cloudwatch_event_bus.sync_events"
        ),
        "publish"
    );
    assert_eq!(
        edge(
            "aws_lambda_function.american_connector",
            "aws_elasticache_replication_group.cache"
        ),
        "cache"
    );
    assert_eq!(
        edge("aws_sqs_queue.sync_tasks", "aws_sqs_queue.sync_tasks_dlq"),
        "dead letters"
    );
    assert_eq!(
        edge(
            "aws_lambda_function.credential_rotation",
            "aws_secretsmanager_secret.provider_credentials"
        ),
        "rotates"
    );
    // The dead-letter queue's send grant is the failure edge, not a second flow.
    assert!(!graph
        .edges
        .iter()
        .any(|e| e.from == "aws_lambda_function.error_handler"
            && e.to == "aws_sqs_queue.error_handler_dlq"
            && e.label == "send"));
    let groups: std::collections::BTreeSet<_> = graph.nodes.iter().map(|n| n.role).collect();
    assert_eq!(groups.len(), 6, "every group has components");
}

#[test]
fn mermaid_and_dot_exports_keep_groups_and_labels() {
    let review = common::stack_review("orders", Environment::prod());
    let graph = review.flow_graph();
    let mermaid = graph.to_mermaid();
    assert!(mermaid.contains("flowchart LR"));
    assert!(mermaid.contains("subgraph compute[\"Compute\"]"));
    assert!(mermaid.contains(
        "n_aws_lambda_function_orders_crud -->|\"read/write\"| n_aws_dynamodb_table_orders"
    ));
    let dot = graph.to_dot();
    assert!(dot.starts_with("digraph \"orders (prod)\" {"));
    assert!(dot.contains("subgraph cluster_data {"));
    assert!(dot.contains(
        "\"aws_sns_topic.order_events\" -> \"aws_lambda_function.invoice_pdf\" [label=\"deliver\""
    ));
    assert!(dot.trim_end().ends_with('}'));
}

#[test]
fn findings_render_counts_locations_links_and_suppressions() {
    let review = common::stack_review("lab_http_api", Environment::prod()).with_findings(vec![
        Finding {
            rule_id: "LAMBDA006".into(),
            rule_name: "lambda-without-tracing".into(),
            severity: Severity::Warning,
            message: "function `lab_lambda_mvp` is not traced".into(),
            path: "stacks/src/lab_http_api.rs".into(),
            line: 21,
            resource: Some("aws_lambda_function.lab_lambda_mvp".into()),
            docs_url: "https://example.invalid/docs/rules/LAMBDA006.md".into(),
            suppression: None,
        },
        Finding {
            rule_id: "APIGW002".into(),
            rule_name: "apigw-route-without-authorization".into(),
            severity: Severity::Warning,
            message: "route `POST /hola` has no authorization".into(),
            path: "stacks/src/lab_http_api.rs".into(),
            line: 30,
            resource: Some("aws_apigatewayv2_route.lab_http_api_post_hola".into()),
            docs_url: "https://example.invalid/docs/rules/APIGW002.md".into(),
            suppression: Some(Suppression {
                reason: "a public lab endpoint".into(),
                until: Some("2027-03-31".into()),
            }),
        },
    ]);
    let markdown = review.render_markdown().expect("renders");
    let findings = markdown
        .split("## Findings")
        .nth(1)
        .and_then(|s| s.split("## Cost").next())
        .expect("a findings section");
    insta::assert_snapshot!("findings_section", findings);
    let html = review.render_html().expect("renders");
    // minijinja escapes `/` in attributes as `&#x2f;`, which browsers read back as `/`.
    assert!(
        html.contains(r#"LAMBDA006.md">LAMBDA006</a>"#),
        "a link to the rule page"
    );
    assert!(html.contains("a public lab endpoint"));
    assert!(html.contains("2027-03-31"));
}

#[test]
fn a_usage_file_changes_the_estimate_and_is_named_in_the_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("usage.toml");
    std::fs::write(
        &path,
        "[resource_usage.\"aws_lambda_function.lab_lambda_mvp\"]\nmonthly_requests = 10_000_000\nrequest_duration_ms = 100\n\n[resource_usage.\"aws_sqs_queue.nowhere\"]\nmonthly_requests = 1\n",
    )
    .expect("write");
    let options = ReviewOptions {
        usage: Usage::load(&path).expect("valid usage"),
        ..ReviewOptions::default()
    };
    let stack = {
        let (_, define) = tfstack_stacks::STACKS
            .iter()
            .find(|(n, _)| *n == "lab_http_api")
            .expect("stack");
        let st = tfstack_model::constructs::Stack::new("lab_http_api", Environment::prod());
        define(&st);
        st.finish().expect("synthesizes")
    };
    let base = Review::of_stack(&stack, &ReviewOptions::default()).expect("review");
    let used = Review::of_stack(&stack, &options).expect("review");
    let line = |r: &Review, id: &str| {
        r.estimate
            .components
            .iter()
            .flat_map(|c| &c.lines)
            .find(|l| l.resource == "aws_lambda_function.lab_lambda_mvp" && l.price_id == id)
            .map(|l| l.monthly)
            .expect("a lambda line")
    };
    // 10M requests × $0.20/M.
    assert!((line(&used, "lambda.requests") - 2.0).abs() < 1e-9);
    assert!(line(&used, "lambda.requests") > line(&base, "lambda.requests"));
    assert_eq!(used.estimate.unmatched_usage, vec!["aws_sqs_queue.nowhere"]);
    let markdown = used.render_markdown().expect("renders");
    assert!(markdown.contains("usage file (resource)"));
    assert!(markdown.contains("`aws_sqs_queue.nowhere`"));
}

#[test]
fn unreadable_inputs_are_located_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = Review::of_module(&dir.path().join("missing"), &ReviewOptions::default())
        .expect_err("missing");
    assert!(e.to_string().contains("no such directory"), "{e}");
    let e = Review::of_module(dir.path(), &ReviewOptions::default()).expect_err("empty");
    assert!(matches!(e, ReviewError::Empty(_)), "{e}");
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \n}\n",
    )
    .expect("write");
    let e = Review::of_module(dir.path(), &ReviewOptions::default()).expect_err("bad HCL");
    match e {
        ReviewError::Input(e) => {
            assert!(e.path.ends_with("main.tf"), "{}", e.path);
            assert!(e.line >= 2, "{}", e.line);
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn the_fixture_shows_lost_failures_wildcards_other_accounts_and_open_entries() {
    let review =
        Review::of_module(Path::new(common::FIXTURE), &ReviewOptions::default()).expect("reviews");
    let lost: Vec<(&str, &str, bool)> = review
        .failures
        .iter()
        .map(|f| (f.source.as_str(), f.target.as_str(), f.lost))
        .collect();
    assert_eq!(
        lost,
        vec![
            ("jobs", "worker", true),
            ("nightly", "worker", true),
            ("orders", "indexer", true),
            ("uploads", "thumbnails", false),
        ]
    );
    let access = &review.access;
    let kms = access
        .grants
        .iter()
        .find(|g| g.actions == ["kms:*"])
        .expect("the kms:* grant");
    assert!(kms.wildcard_action && kms.wildcard_resource);
    assert_eq!(kms.principal, "checkout (Lambda)");
    let partner = access
        .grants
        .iter()
        .find(|g| {
            g.resource == "uploads (S3)"
                && g.principal_kind == tfstack_review::PrincipalKind::Account
        })
        .expect("the partner's grant");
    assert!(partner.cross_account);
    assert!(access
        .trusts
        .iter()
        .any(|t| t.role == "partner_audit" && t.external));
    // A templatefile()'d policy names its table through the template's variables.
    assert!(access
        .grants
        .iter()
        .any(|g| g.principal == "web (ECS service)" && g.resource == "orders (DynamoDB)"));
    let open: Vec<&str> = access
        .entry_points
        .iter()
        .filter(|e| e.open)
        .map(|e| e.route.as_str())
        .collect();
    assert_eq!(open, vec!["POST /checkout", "*"]);
    // Supporting resources fold into their component; a role three functions share stays.
    let worker_role = review
        .components
        .get("aws_iam_role.worker")
        .expect("a shared role is a component");
    assert!(worker_role
        .resources
        .contains(&"aws_iam_role_policy_attachment.worker".to_string()));
    let checkout = review
        .components
        .get("aws_lambda_function.checkout")
        .expect("checkout");
    for folded in [
        "aws_cloudwatch_log_group.checkout",
        "aws_iam_role.checkout",
        "aws_iam_role_policy.checkout",
        "aws_lambda_permission.api_checkout",
    ] {
        assert!(checkout.resources.contains(&folded.to_string()), "{folded}");
    }
}

#[test]
fn routine_grants_are_summed_up_and_the_rest_stay_in_the_table() {
    let dir = tempfile::tempdir().expect("temp dir");
    let role = |name: &str| {
        format!(
            r#"resource "aws_iam_role" "{name}" {{
  name = "{name}"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ Service = "lambda.amazonaws.com" }}, Action = "sts:AssumeRole" }}]
  }})
}}

resource "aws_lambda_function" "{name}" {{
  function_name = "app-{name}"
  role          = aws_iam_role.{name}.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "{name}.zip"
}}

resource "aws_cloudwatch_log_group" "{name}" {{
  name              = "/aws/lambda/app-{name}"
  retention_in_days = 14
}}
"#
        )
    };
    let policy = r#"
resource "aws_iam_role_policy" "a" {
  role = aws_iam_role.a.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource = "*" },
      { Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "${aws_cloudwatch_log_group.a.arn}:*" },
      { Effect = "Allow", Action = ["logs:PutLogEvents"], Resource = "${aws_cloudwatch_log_group.b.arn}:*" },
      { Effect = "Allow", Action = ["xray:PutTraceSegments", "s3:ListAllMyBuckets"], Resource = "*" },
      { Effect = "Allow", Action = "xray:PutTraceSegments", Resource = "*", Condition = { StringEquals = { "aws:RequestedRegion" = "eu-west-1" } } },
    ]
  })
}
"#;
    let text = format!("{}{}{policy}", role("a"), role("b"));
    std::fs::write(dir.path().join("main.tf"), text).expect("write");
    let review = Review::of_module(dir.path(), &ReviewOptions::default()).expect("reviews");
    let routine: Vec<(tfstack_review::Routine, Vec<&str>)> = review
        .access
        .routine
        .iter()
        .map(|r| (r.kind, r.principals.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        routine,
        vec![
            (tfstack_review::Routine::Tracing, vec!["a (Lambda)"]),
            (tfstack_review::Routine::OwnLogs, vec!["a (Lambda)"]),
        ]
    );
    // Another component's log group, tracing beside another action, tracing under a
    // condition: rows of the table.
    let rows: Vec<(&str, String)> = review
        .access
        .grants
        .iter()
        .filter(|g| g.source == "aws_iam_role_policy.a")
        .map(|g| (g.resource.as_str(), g.actions.join(",")))
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows.iter()
            .any(|(r, a)| r.contains("aws_cloudwatch_log_group.b") && a == "logs:PutLogEvents"),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|(_, a)| a.contains("s3:ListAllMyBuckets")),
        "{rows:?}"
    );
    assert!(
        review
            .access
            .grants
            .iter()
            .any(|g| g.condition.is_some() && g.actions == ["xray:PutTraceSegments"]),
        "{rows:?}"
    );
    let markdown = review.render_markdown().expect("renders");
    assert!(
        markdown.contains("- send traces to X-Ray: a (Lambda)"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- write to their own log group: a (Lambda)"),
        "{markdown}"
    );
}
