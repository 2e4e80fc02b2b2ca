//! Facts about AWS services that constructs enforce and lint rules check.

/// Environment variable names Lambda reserves: setting one fails the deployment
/// (`InvalidParameterValueException: Reserved keys`). From the Lambda developer guide,
/// "Defined runtime environment variables".
pub const LAMBDA_RESERVED_ENV_KEYS: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT",
];

/// Whether Lambda reserves this environment variable name: one of the names the guide
/// lists, exactly. The `AWS_LAMBDA_` prefix is not reserved as such: functions set
/// `AWS_LAMBDA_EXEC_WRAPPER` (a wrapper script) and `AWS_LAMBDA_DOTNET_PREJIT` (.NET
/// ahead-of-time JIT), both documented.
pub fn is_lambda_reserved_env_key(key: &str) -> bool {
    LAMBDA_RESERVED_ENV_KEYS.contains(&key)
}

/// Whether `s` is an AWS account ID: twelve digits (`123456789012`), as a principal, an
/// ARN's account field or a Lambda permission's `principal` writes one.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_keys() {
        assert!(is_lambda_reserved_env_key("AWS_REGION"));
        assert!(is_lambda_reserved_env_key("AWS_LAMBDA_FUNCTION_NAME"));
        assert!(!is_lambda_reserved_env_key("AWS_LAMBDA_DOTNET_PREJIT"));
        assert!(is_lambda_reserved_env_key("_HANDLER"));
        assert!(!is_lambda_reserved_env_key("DYNAMODB_TABLE_NAME"));
        assert!(!is_lambda_reserved_env_key("AWS_XRAY_CONTEXT_MISSING"));
        assert!(!is_lambda_reserved_env_key("AWS_LAMBDA_EXEC_WRAPPER"));
    }
}
