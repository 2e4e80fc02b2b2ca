//! APIGW: API Gateway stages that change production behind the team's back.

pub mod apigw_auto_deploy_in_prod;
