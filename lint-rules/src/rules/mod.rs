//! The rule catalogue, one file per rule, grouped by family (`rules/<family>/`): every
//! rule is registered by one line in the list below, in ID order. A family's shared
//! helpers, if any, are its `shared.rs`.

use crate::Rule;

/// Declares the family modules and their rule files, and [`all`].
macro_rules! catalogue {
    ($(
        $(#[doc = $doc:literal])*
        $family:ident $(with $shared:ident)? {
            $($file:ident :: $rule:ident,)*
        }
    )*) => {
        $(
            $(#[doc = $doc])*
            pub mod $family {
                $(pub(crate) mod $shared;)?
                $(pub mod $file;)*
            }
        )*

        /// Every rule, in ID order.
        pub fn all() -> &'static [&'static dyn Rule] {
            &[$($(&$family::$file::$rule,)*)*]
        }
    };
}

catalogue! {
    /// APIGW: API Gateway stages that change production behind the team's back.
    apigw with shared {
        apigw_auto_deploy_in_prod::ApigwAutoDeployInProd,
        apigw_route_without_authorization::ApigwRouteWithoutAuthorization,
        apigw_stage_without_throttling::ApigwStageWithoutThrottling,
        apigw_stage_without_access_logs::ApigwStageWithoutAccessLogs,
        apigw_cors_wildcard_with_credentials::ApigwCorsWildcardWithCredentials,
        apigw_rest_stage_without_tracing::ApigwRestStageWithoutTracing,
    }
    /// CACHE: ElastiCache data stored or sent in clear.
    cache {
        elasticache_without_encryption::ElasticacheWithoutEncryption,
    }
    /// DDB: DynamoDB tables whose data cannot be brought back.
    ddb {
        dynamodb_without_pitr::DynamodbWithoutPitr,
    }
    /// DLQ: messages and events that are lost when processing fails, because nothing
    /// catches them (no dead-letter queue, no on-failure destination).
    dlq {
        sqs_queue_without_dlq::SqsQueueWithoutDlq,
        lambda_async_without_dlq::LambdaAsyncWithoutDlq,
        eventbridge_target_without_dlq::EventbridgeTargetWithoutDlq,
        stream_mapping_without_failure_destination::StreamMappingWithoutFailureDestination,
        sns_subscription_without_dlq::SnsSubscriptionWithoutDlq,
    }
    /// EC2: security groups that expose administration ports to the internet.
    ec2 {
        security_group_open_admin_port::SecurityGroupOpenAdminPort,
    }
    /// ECR: repositories whose images are never scanned, or whose tags can be moved under a running service.
    ecr {
        ecr_scan_on_push_disabled::EcrScanOnPushDisabled,
        ecr_mutable_tags_deployed::EcrMutableTagsDeployed,
    }
    /// ECS: container definitions that hide failures or escape to the host.
    ecs with shared {
        ecs_container_without_healthcheck::EcsContainerWithoutHealthcheck,
        ecs_privileged_container::EcsPrivilegedContainer,
    }
    /// IAM: policy documents that grant more than they need — every action, every resource, every principal.
    iam with shared {
        iam_wildcard_action::IamWildcardAction,
        iam_wildcard_resource::IamWildcardResource,
        iam_wildcard_principal::IamWildcardPrincipal,
        iam_privilege_escalation::IamPrivilegeEscalation,
        iam_role_shared_by_functions::IamRoleSharedByFunctions,
        iam_trust_policy_wildcard::IamTrustPolicyWildcard,
        iam_duplicate_sid::IamDuplicateSid,
    }
    /// KMS: customer managed keys that are never rotated.
    kms {
        kms_key_without_rotation::KmsKeyWithoutRotation,
    }
    /// LAMBDA: function settings that fail deployments, fail invocations or hide failures.
    lambda {
        lambda_reserved_env_key::LambdaReservedEnvKey,
        lambda_default_timeout::LambdaDefaultTimeout,
        lambda_deprecated_runtime::LambdaDeprecatedRuntime,
        lambda_url_without_auth::LambdaUrlWithoutAuth,
        lambda_without_tracing::LambdaWithoutTracing,
        lambda_handler_fails_to_load::LambdaHandlerFailsToLoad,
        lambda_duplicate_event_source_mapping::LambdaDuplicateEventSourceMapping,
        lambda_permission_without_source::LambdaPermissionWithoutSource,
    }
    /// LOG: log groups that keep data forever or are missing.
    log {
        log_group_without_retention::LogGroupWithoutRetention,
        lambda_without_managed_log_group::LambdaWithoutManagedLogGroup,
    }
    /// RET: retention periods that delete data before it can be looked at.
    ret {
        dlq_retention_shorter_than_source::DlqRetentionShorterThanSource,
        s3_bucket_without_lifecycle::S3BucketWithoutLifecycle,
        ecr_repository_without_lifecycle::EcrRepositoryWithoutLifecycle,
    }
    /// S3: buckets that can be made public, lose overwritten objects, or accept plain HTTP.
    s3 with shared {
        s3_public_access_not_blocked::S3PublicAccessNotBlocked,
        s3_bucket_without_versioning::S3BucketWithoutVersioning,
        s3_bucket_without_tls_policy::S3BucketWithoutTlsPolicy,
        s3_public_access_block_disabled::S3PublicAccessBlockDisabled,
    }
    /// SEC: secrets kept where they leak — credentials written into the code, secrets that never change.
    sec {
        hardcoded_credentials::HardcodedCredentials,
        secret_without_rotation::SecretWithoutRotation,
    }
    /// SFN: Step Functions state machines whose executions leave no trace.
    sfn {
        state_machine_without_logging::StateMachineWithoutLogging,
    }
    /// SNS: topics whose messages are stored in the clear.
    sns {
        sns_topic_without_encryption::SnsTopicWithoutEncryption,
    }
    /// SQS: queue settings AWS rejects, or that make consumers process messages twice, in the clear, or pay for empty receives.
    sqs with shared {
        fifo_queue_with_standard_dlq::FifoQueueWithStandardDlq,
        visibility_timeout_below_function_timeout::VisibilityTimeoutBelowFunctionTimeout,
        queue_without_encryption::QueueWithoutEncryption,
        standard_queue_with_fifo_dlq::StandardQueueWithFifoDlq,
        queue_short_polling::QueueShortPolling,
        mapping_without_batch_item_failures::MappingWithoutBatchItemFailures,
    }
    /// TFS: suppressions that do not say why, that suppress nothing, or whose time is up.
    tfs {
        suppression_without_reason::SuppressionWithoutReason,
        unused_suppression::UnusedSuppression,
        expired_suppression::ExpiredSuppression,
    }
    /// TLS: front ends that accept old TLS or plain HTTP from their clients.
    tls {
        front_end_accepts_old_tls::FrontEndAcceptsOldTls,
        cloudfront_allows_plain_http::CloudfrontAllowsPlainHttp,
    }
}
