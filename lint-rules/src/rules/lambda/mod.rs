//! LAMBDA: function settings that fail deployments, fail invocations or hide failures.

pub mod lambda_default_timeout;
pub mod lambda_deprecated_runtime;
pub mod lambda_handler_module_with_dash;
pub mod lambda_reserved_env_key;
pub mod lambda_url_without_auth;
pub mod lambda_without_tracing;
