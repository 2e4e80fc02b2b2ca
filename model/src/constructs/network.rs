//! What functions in a VPC need from IAM, and the account/region/partition context ARNs
//! are built from.

use super::iam::Role;
use super::stack::Stack;
use crate::ir::{Expr, TemplatePart};
use crate::origin::RustLocation;

/// `arn:<partition>:<service>:<region>:<account>:<resource>` from the stack's data sources.
pub fn arn(stack: &Stack, service: &str, resource: &str, location: RustLocation) -> Expr {
    let ctx = stack.aws_context(location);
    Expr::template(vec![
        TemplatePart::Literal("arn:".into()),
        TemplatePart::Interpolation(ctx.partition),
        TemplatePart::Literal(format!(":{service}:")),
        TemplatePart::Interpolation(ctx.region),
        TemplatePart::Literal(":".into()),
        TemplatePart::Interpolation(ctx.account_id),
        TemplatePart::Literal(format!(":{resource}")),
    ])
}

/// The network-interface permissions Lambda needs to run in a VPC (what the managed
/// `AWSLambdaVPCAccessExecutionRole` grants), scoped to this account and region.
pub(crate) fn grant_lambda_vpc_access(stack: &Stack, role: &Role, location: RustLocation) {
    role.allow_at(
        "ManageNetworkInterfaces",
        &[
            "ec2:AssignPrivateIpAddresses",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:UnassignPrivateIpAddresses",
        ],
        vec![
            arn(stack, "ec2", "network-interface/*", location),
            arn(stack, "ec2", "subnet/*", location),
            arn(stack, "ec2", "security-group/*", location),
        ],
        location,
    );
    role.allow_without_resource_level_at(
        "DescribeNetwork",
        &["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
        location,
    );
}
