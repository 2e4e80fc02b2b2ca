//! APIGW: API Gateway stages that change production behind the team's back.

pub mod apigw_auto_deploy_in_prod;
pub mod apigw_cors_wildcard_with_credentials;
pub mod apigw_route_without_authorization;
pub mod apigw_stage_without_access_logs;
pub mod apigw_stage_without_throttling;
