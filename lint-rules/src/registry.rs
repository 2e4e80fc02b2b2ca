//! Every rule, in one list. Registering a rule is one line here.

use crate::rules;
use crate::Rule;

/// All rules, ordered by ID.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &rules::apigw::apigw_auto_deploy_in_prod::ApigwAutoDeployInProd,
        &rules::apigw::apigw_route_without_authorization::ApigwRouteWithoutAuthorization,
        &rules::apigw::apigw_stage_without_throttling::ApigwStageWithoutThrottling,
        &rules::apigw::apigw_stage_without_access_logs::ApigwStageWithoutAccessLogs,
        &rules::apigw::apigw_cors_wildcard_with_credentials::ApigwCorsWildcardWithCredentials,
        &rules::cache::elasticache_without_encryption::ElasticacheWithoutEncryption,
        &rules::ddb::dynamodb_without_pitr::DynamodbWithoutPitr,
        &rules::dlq::sqs_queue_without_dlq::SqsQueueWithoutDlq,
        &rules::dlq::lambda_async_without_dlq::LambdaAsyncWithoutDlq,
        &rules::dlq::eventbridge_target_without_dlq::EventbridgeTargetWithoutDlq,
        &rules::dlq::stream_mapping_without_failure_destination::StreamMappingWithoutFailureDestination,
        &rules::dlq::sns_subscription_without_dlq::SnsSubscriptionWithoutDlq,
        &rules::ec2::security_group_open_admin_port::SecurityGroupOpenAdminPort,
        &rules::ecr::ecr_scan_on_push_disabled::EcrScanOnPushDisabled,
        &rules::ecs::ecs_container_without_healthcheck::EcsContainerWithoutHealthcheck,
        &rules::ecs::ecs_privileged_container::EcsPrivilegedContainer,
        &rules::iam::iam_wildcard_action::IamWildcardAction,
        &rules::iam::iam_wildcard_resource::IamWildcardResource,
        &rules::iam::iam_wildcard_principal::IamWildcardPrincipal,
        &rules::iam::iam_privilege_escalation::IamPrivilegeEscalation,
        &rules::iam::iam_role_shared_by_functions::IamRoleSharedByFunctions,
        &rules::iam::iam_trust_policy_wildcard::IamTrustPolicyWildcard,
        &rules::kms::kms_key_without_rotation::KmsKeyWithoutRotation,
        &rules::log::log_group_without_retention::LogGroupWithoutRetention,
        &rules::log::lambda_without_managed_log_group::LambdaWithoutManagedLogGroup,
        &rules::ret::dlq_retention_shorter_than_source::DlqRetentionShorterThanSource,
        &rules::ret::s3_bucket_without_lifecycle::S3BucketWithoutLifecycle,
        &rules::ret::ecr_repository_without_lifecycle::EcrRepositoryWithoutLifecycle,
        &rules::s3::s3_public_access_not_blocked::S3PublicAccessNotBlocked,
        &rules::s3::s3_bucket_without_versioning::S3BucketWithoutVersioning,
        &rules::s3::s3_bucket_without_tls_policy::S3BucketWithoutTlsPolicy,
        &rules::sec::hardcoded_credentials::HardcodedCredentials,
        &rules::sec::secret_without_rotation::SecretWithoutRotation,
        &rules::sfn::state_machine_without_logging::StateMachineWithoutLogging,
        &rules::sqs::fifo_queue_with_standard_dlq::FifoQueueWithStandardDlq,
        &rules::sqs::visibility_timeout_below_function_timeout::VisibilityTimeoutBelowFunctionTimeout,
        &rules::sqs::queue_without_encryption::QueueWithoutEncryption,
        &rules::sqs::standard_queue_with_fifo_dlq::StandardQueueWithFifoDlq,
        &rules::lambda::lambda_reserved_env_key::LambdaReservedEnvKey,
        &rules::lambda::lambda_handler_module_with_dash::LambdaHandlerModuleWithDash,
        &rules::lambda::lambda_default_timeout::LambdaDefaultTimeout,
        &rules::lambda::lambda_deprecated_runtime::LambdaDeprecatedRuntime,
        &rules::lambda::lambda_url_without_auth::LambdaUrlWithoutAuth,
        &rules::lambda::lambda_without_tracing::LambdaWithoutTracing,
        &rules::tfs::suppression_without_reason::SuppressionWithoutReason,
        &rules::tfs::unused_suppression::UnusedSuppression,
    ]
}

/// The rule with this ID or name (case-insensitive).
pub fn find(id_or_name: &str) -> Option<&'static dyn Rule> {
    all()
        .iter()
        .copied()
        .find(|r| r.meta().is_named(id_or_name))
}
