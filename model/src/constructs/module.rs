//! The blocks every generated root module has: `terraform`, `provider "aws"`, `variable "region"`.

use crate::environment::Environment;
use crate::ir::{Block, Expr};
use std::collections::BTreeMap;

/// The AWS provider version constraint: admits 5.100.0 (what the conformance check
/// runs) and the next major, which keeps the arguments the constructs use.
pub const AWS_PROVIDER_CONSTRAINT: &str = ">= 5.100, < 7.0";
/// The Terraform versions the generated code needs.
pub const TERRAFORM_CONSTRAINT: &str = ">= 1.5.0";

/// `terraform { required_version, required_providers }`; `required_version` is
/// [`TERRAFORM_CONSTRAINT`] unless the backend needs a newer Terraform.
pub fn terraform_block(required_version: &str) -> Block {
    Block::new("terraform", vec![])
        .attr("required_version", required_version)
        .block(Block::new("required_providers", vec![]).attr(
            "aws",
            Expr::object(vec![
                ("source", Expr::string("hashicorp/aws")),
                ("version", Expr::string(AWS_PROVIDER_CONSTRAINT)),
            ]),
        ))
}

/// `provider "aws"`: the stack's region and default tags.
pub fn provider_block(tags: &BTreeMap<String, String>, stack: &str, env: &Environment) -> Block {
    provider_block_in(tags, stack, env, None, Expr::var("region"))
}

/// `provider "aws" { alias = …, region = … }`, with the same default tags (or the default
/// provider when `alias` is `None`).
pub fn provider_block_in(
    tags: &BTreeMap<String, String>,
    stack: &str,
    env: &Environment,
    alias: Option<&str>,
    region: Expr,
) -> Block {
    let mut all = BTreeMap::new();
    all.insert("Environment".to_string(), env.name.clone());
    all.insert("ManagedBy".to_string(), "tfstack".to_string());
    all.insert("Stack".to_string(), stack.to_string());
    for (k, v) in tags {
        all.insert(k.clone(), v.clone());
    }
    let tags = Expr::object(all.into_iter().map(|(k, v)| (k, Expr::string(v))).collect());
    let mut block = Block::new("provider", vec!["aws".to_string()]);
    if let Some(alias) = alias {
        block = block.attr("alias", alias);
    }
    block
        .attr("region", region)
        .block(Block::new("default_tags", vec![]).attr("tags", tags))
}

pub fn region_variable(env: &Environment) -> Block {
    Block::new("variable", vec!["region".to_string()])
        .attr("description", "AWS region to deploy to")
        .attr("type", Expr::reference("string", &[]))
        .attr("default", env.region.as_str())
}
