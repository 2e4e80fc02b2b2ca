//! The team's own tests of its stacks, written with `tfstack::testing`.

use serde_json::json;
use tfstack::testing::Template;

#[test]
fn the_table_is_on_demand_with_point_in_time_recovery_and_ttl() {
    let shared = Template::from_app(&team_stacks::app(), "shared", "prod");
    shared.resource_count_is("aws_dynamodb_table", 1);
    shared.has_resource_with_properties(
        "aws_dynamodb_table",
        "sessions",
        json!({
            "billing_mode": "PAY_PER_REQUEST",
            "point_in_time_recovery": { "enabled": true },
            "ttl": { "attribute_name": "expires_at", "enabled": true }
        }),
    );
    shared.has_no_findings();
}

#[test]
fn the_function_reads_the_shared_table_through_remote_state() {
    let sessions = Template::from_app(&team_stacks::app(), "sessions", "prod");
    // The table is `shared`'s: its name and ARN come from that stack's outputs.
    sessions.data_source("terraform_remote_state", "shared");
    sessions.has_resource_properties(
        "aws_lambda_function",
        json!({
            "environment": {
                "variables": {
                    "TABLE_NAME": "${data.terraform_remote_state.shared.outputs.table_name}"
                }
            }
        }),
    );
    // The API accepts the shared user pool's tokens.
    sessions.has_resource_properties(
        "aws_apigatewayv2_authorizer",
        json!({
            "authorizer_type": "JWT",
            "jwt_configuration": {
                "issuer": "https://${data.terraform_remote_state.shared.outputs.cognito_user_pool_users_endpoint}"
            }
        }),
    );
    sessions.has_no_findings();
    let policy = sessions.role_policy("create_session");
    policy.allows(
        "dynamodb:PutItem",
        "data.terraform_remote_state.shared.outputs.dynamodb_table_sessions_arn",
    );
    policy.does_not_allow("dynamodb:DeleteTable");
    assert_eq!(
        sessions.data_source("terraform_remote_state", "shared")["config"]["key"],
        json!("shared/prod/terraform.tfstate")
    );
}

#[test]
fn out_is_what_the_stacks_generate() {
    tfstack::testing::assert_out_is_fresh(&team_stacks::app(), std::path::Path::new("out"));
}

#[test]
fn the_java_function_resumes_from_snapshots_through_its_alias() {
    let sessions = Template::from_app(&team_stacks::app(), "sessions", "prod");
    sessions.has_resource_with_properties(
        "aws_lambda_function",
        "quotes",
        json!({
            "runtime": "java21",
            "publish": true,
            "snap_start": { "apply_on": "PublishedVersions" }
        }),
    );
    // The API calls the alias: only published versions have snapshots.
    sessions.has_resource_properties(
        "aws_apigatewayv2_integration",
        json!({ "integration_uri": "${aws_lambda_alias.quotes.invoke_arn}" }),
    );
    sessions.has_resource_properties(
        "aws_lambda_permission",
        json!({ "function_name": "${aws_lambda_function.quotes.function_name}", "qualifier": "${aws_lambda_alias.quotes.name}" }),
    );
}
