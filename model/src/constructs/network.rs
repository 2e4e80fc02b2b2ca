//! What functions in a VPC need from IAM, and the account/region/partition context ARNs
//! are built from.

use super::iam::Role;
use super::stack::Stack;
use crate::ir::{Expr, TemplatePart};
use crate::origin::RustLocation;

/// `arn:<partition>:<service>:<region>:<account>:<resource>` from the stack's data sources
/// (see [`Stack::aws_context`]: planning it needs credentials, because of
/// `aws_caller_identity`; the constructs build ARNs from a role's account instead).
pub fn arn(stack: &Stack, service: &str, resource: &str, location: RustLocation) -> Expr {
    let ctx = stack.aws_context(location);
    Expr::template(vec![
        TemplatePart::Literal("arn:".into()),
        TemplatePart::Interpolation(ctx.partition),
        TemplatePart::Literal(format!(":{service}:").into()),
        TemplatePart::Interpolation(ctx.region),
        TemplatePart::Literal(":".into()),
        TemplatePart::Interpolation(ctx.account_id),
        TemplatePart::Literal(format!(":{resource}").into()),
    ])
}

/// The account ID inside an ARN (`arn:<partition>:<service>:<region>:<account>:…`, field 4):
/// how constructs name the account without `data.aws_caller_identity`, which calls STS
/// even at plan time.
pub(crate) fn account_of(arn: Expr) -> Expr {
    Expr::call(
        "element",
        vec![
            Expr::call("split", vec![Expr::string(":"), arn]),
            Expr::int(4),
        ],
    )
}

/// `arn:<partition>:<service>:<region>:<account of role>:<resource>` for a statement of
/// `role`'s own policy: the account comes from the role's ARN (a `templatefile()` variable
/// `account_id`), the region is `var.region` (the provider's). For IAM policies only: the
/// account part is a policy placeholder, not an HCL expression.
pub(crate) fn arn_in_role_account(
    stack: &Stack,
    role: &Role,
    service: &str,
    resource: &str,
    location: RustLocation,
) -> Expr {
    let partition = stack.partition_data(location).attr("partition");
    Expr::template(vec![
        TemplatePart::Literal("arn:".into()),
        TemplatePart::Interpolation(partition),
        TemplatePart::Literal(format!(":{service}:").into()),
        TemplatePart::Interpolation(Expr::var("region")),
        TemplatePart::Literal(":".into()),
        TemplatePart::Literal(
            super::iam::named_placeholder("account_id", &account_of(role.arn())).into(),
        ),
        TemplatePart::Literal(format!(":{resource}").into()),
    ])
}

/// The network-interface permissions Lambda needs to run in a VPC (what the managed
/// `AWSLambdaVPCAccessExecutionRole` grants), scoped to this account and region. The
/// account comes from the role's ARN, so planning needs no call to AWS.
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
            arn_in_role_account(stack, role, "ec2", "network-interface/*", location),
            arn_in_role_account(stack, role, "ec2", "subnet/*", location),
            arn_in_role_account(stack, role, "ec2", "security-group/*", location),
        ],
        location,
    );
    role.allow_without_resource_level_at(
        "DescribeNetwork",
        &["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
        location,
    );
}
