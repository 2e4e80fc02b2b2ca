//! Every rule, in one list. Registering a rule is one line here.

use crate::rules;
use crate::Rule;

/// All rules, ordered by ID.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &rules::apigw::apigw_auto_deploy_in_prod::ApigwAutoDeployInProd,
        &rules::dlq::sqs_queue_without_dlq::SqsQueueWithoutDlq,
        &rules::dlq::lambda_async_without_dlq::LambdaAsyncWithoutDlq,
        &rules::dlq::eventbridge_target_without_dlq::EventbridgeTargetWithoutDlq,
        &rules::dlq::stream_mapping_without_failure_destination::StreamMappingWithoutFailureDestination,
        &rules::dlq::sns_subscription_without_dlq::SnsSubscriptionWithoutDlq,
        &rules::iam::iam_wildcard_action::IamWildcardAction,
        &rules::iam::iam_wildcard_resource::IamWildcardResource,
        &rules::iam::iam_wildcard_principal::IamWildcardPrincipal,
        &rules::iam::iam_privilege_escalation::IamPrivilegeEscalation,
        &rules::iam::iam_role_shared_by_functions::IamRoleSharedByFunctions,
        &rules::iam::iam_trust_policy_wildcard::IamTrustPolicyWildcard,
        &rules::log::log_group_without_retention::LogGroupWithoutRetention,
        &rules::log::lambda_without_managed_log_group::LambdaWithoutManagedLogGroup,
        &rules::ret::dlq_retention_shorter_than_source::DlqRetentionShorterThanSource,
        &rules::lambda::lambda_reserved_env_key::LambdaReservedEnvKey,
        &rules::lambda::lambda_handler_module_with_dash::LambdaHandlerModuleWithDash,
        &rules::lambda::lambda_default_timeout::LambdaDefaultTimeout,
        &rules::lambda::lambda_deprecated_runtime::LambdaDeprecatedRuntime,
        &rules::lambda::lambda_url_without_auth::LambdaUrlWithoutAuth,
        &rules::lambda::lambda_without_tracing::LambdaWithoutTracing,
        &crate::suppress::SuppressionWithoutReason,
        &crate::suppress::UnusedSuppression,
    ]
}

/// The rule with this ID or name (case-insensitive).
pub fn find(id_or_name: &str) -> Option<&'static dyn Rule> {
    all().iter().copied().find(|r| {
        r.meta().id.eq_ignore_ascii_case(id_or_name)
            || r.meta().name.eq_ignore_ascii_case(id_or_name)
    })
}
