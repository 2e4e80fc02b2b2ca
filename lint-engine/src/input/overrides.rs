//! Terraform's override files: `override.tf`, `override.tf.json` and files whose names end
//! in `_override.tf` or `_override.tf.json` are not blocks of their own. Terraform loads
//! them after the module's other files, in name order, and merges each of their top-level
//! blocks into the block of the same type and labels ("Override Files", Terraform
//! language): an argument replaces the argument of the same name; nested blocks of one
//! type replace every nested block of that type, except `lifecycle`, merged argument by
//! argument; `locals` are overridden value by value, whichever `locals` block holds them;
//! a `provider` block overrides the one of its name and `alias`.
//!
//! What Terraform rejects is an input error at the override block (its rules would
//! otherwise judge a block Terraform never plans): an override of a resource, data
//! source, variable, output, module call, local value or aliased provider that no primary
//! file declares ("Missing resource to override", Terraform's `mergeFile`), and `moved`,
//! `import` and `check` blocks, which override files cannot hold. A `provider` block
//! without an `alias` needs no base (an absent provider configuration is an empty one):
//! it is kept as a block; so are `terraform` and other blocks without a base.

use crate::located::InputError;
use std::collections::HashSet;
use std::path::Path;
use tfstack_model::{Block, Config, ExprKind, Origin, SourceFiles, Structure};

/// Whether Terraform reads `path` as an override file.
pub fn is_override_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let stem = name
        .strip_suffix(".tf")
        .or_else(|| name.strip_suffix(".tf.json"));
    stem.is_some_and(|s| s == "override" || s.ends_with("_override"))
}

/// Merges one override file's top-level block into `config`; the errors (in files of
/// `sources`) for what Terraform rejects, which is left out.
pub fn apply(config: &mut Config, over: Block, sources: &SourceFiles) -> Vec<InputError> {
    match over.kind.as_str() {
        "locals" => return apply_locals(config, over, sources),
        "moved" | "import" | "check" => {
            let message = format!("`{}` blocks cannot be in an override file", over.kind);
            let help = "Terraform rejects them there: move the block into a primary file";
            return error_at(sources, over.origin, message, help)
                .into_iter()
                .collect();
        }
        _ => {}
    }
    let alias = provider_alias(&over);
    match config.blocks.iter_mut().find(|b| {
        b.kind == over.kind
            && b.labels == over.labels
            && (b.kind != "provider" || provider_alias(b) == alias)
    }) {
        Some(base) => merge(base, over),
        None => match needed_base(&over) {
            Some(what) => {
                return missing_base(sources, over.origin, &what)
                    .into_iter()
                    .collect()
            }
            None => config.push(over),
        },
    }
    Vec::new()
}

/// The `alias` of a `provider` block, as written (`None` when it has none or it is not a
/// plain string).
fn provider_alias(block: &Block) -> Option<&str> {
    match &block.body.get("alias")?.kind {
        ExprKind::String(alias) => Some(alias.as_str()),
        _ => None,
    }
}

/// What an override block overrides, for the error when nothing declares it (`None`: it
/// needs no base).
fn needed_base(over: &Block) -> Option<String> {
    let labels: Vec<&str> = over.labels.iter().map(|l| l.as_str()).collect();
    match (over.kind.as_str(), labels.as_slice()) {
        ("resource", [t, n]) => Some(format!("resource `{t}.{n}`")),
        ("data", [t, n]) => Some(format!("data source `data.{t}.{n}`")),
        ("module", [n]) => Some(format!("module call `module.{n}`")),
        ("variable", [n]) => Some(format!("variable `var.{n}`")),
        ("output", [n]) => Some(format!("output `{n}`")),
        ("provider", [n]) => {
            provider_alias(over).map(|alias| format!("provider `{n}` with alias `{alias}`"))
        }
        _ => None,
    }
}

/// The error at an override of `what`, which no primary file declares.
fn missing_base(sources: &SourceFiles, origin: Origin, what: &str) -> Option<InputError> {
    error_at(
        sources,
        origin,
        format!("override of {what}, which no primary file declares"),
        "Terraform rejects an override of what is not declared: declare it in a file that is \
         not an override file, or correct the override's name",
    )
}

/// The error at `origin` (`None` for a block in no file).
fn error_at(
    sources: &SourceFiles,
    origin: Origin,
    message: String,
    help: &str,
) -> Option<InputError> {
    let (file, span) = sources.file_of(origin)?;
    Some(InputError::at_offset(file, span.start as usize, message).with_help(help))
}

/// The type of blocks a nested block stands for: a `dynamic "x"` block makes `x` blocks.
fn nested_type(block: &Block) -> &str {
    if block.kind == "dynamic" {
        block.labels.first().map_or("", |l| l.as_str())
    } else {
        block.kind.as_str()
    }
}

fn merge(base: &mut Block, over: Block) {
    let merges_lifecycle = base.kind == "resource" || base.kind == "data";
    let replaced: HashSet<String> = over
        .body
        .items
        .iter()
        .filter_map(|item| match item {
            Structure::Block(b) if !(merges_lifecycle && b.kind == "lifecycle") => {
                Some(nested_type(b).to_string())
            }
            _ => None,
        })
        .collect();
    base.body.items.retain(|item| match item {
        Structure::Block(b) => !replaced.contains(nested_type(b)),
        Structure::Attribute(_) => true,
    });
    for item in over.body.items {
        match item {
            Structure::Attribute(a) => {
                base.body
                    .set_with_origin(a.name.as_str(), a.value, a.origin)
            }
            Structure::Block(b) if merges_lifecycle && b.kind == "lifecycle" => {
                let existing = base.body.items.iter_mut().find_map(|item| match item {
                    Structure::Block(l) if l.kind == "lifecycle" => Some(l),
                    _ => None,
                });
                match existing {
                    Some(lifecycle) => merge(lifecycle, *b),
                    None => base.body.items.push(Structure::Block(b)),
                }
            }
            block => base.body.items.push(block),
        }
    }
}

/// Each value of an override `locals` block replaces the value of that name in whichever
/// `locals` block defines it; a value defined nowhere is an error at it.
fn apply_locals(config: &mut Config, over: Block, sources: &SourceFiles) -> Vec<InputError> {
    let mut errors = Vec::new();
    for item in over.body.items {
        let Structure::Attribute(a) = item else {
            continue;
        };
        let defined = config
            .blocks
            .iter_mut()
            .filter(|b| b.kind == "locals")
            .flat_map(|b| b.body.items.iter_mut())
            .find_map(|i| match i {
                Structure::Attribute(existing) if existing.name == a.name => Some(existing),
                _ => None,
            });
        match defined {
            Some(existing) => *existing = a,
            None => errors.extend(missing_base(
                sources,
                a.origin,
                &format!("local value `local.{}`", a.name),
            )),
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::module_from_hcl;

    /// `base` with the blocks of `over` applied as an override file's.
    fn overridden(base: &str, over: &str) -> Config {
        let (config, errors) = overridden_with_errors(base, over);
        assert!(errors.is_empty(), "{errors:?}");
        config
    }

    /// `base` with the blocks of `over` applied as an override file's, and the errors'
    /// positions and messages.
    fn overridden_with_errors(base: &str, over: &str) -> (Config, Vec<String>) {
        let mut config = (*module_from_hcl(base).config).clone();
        let over = module_from_hcl(over);
        let mut errors = Vec::new();
        for block in over.config.blocks.iter().cloned() {
            for e in apply(&mut config, block, &over.files) {
                errors.push(format!("{}:{} {}", e.line, e.column, e.message));
            }
        }
        (config, errors)
    }

    fn names(block: &Block) -> Vec<String> {
        block
            .body
            .items
            .iter()
            .map(|i| match i {
                Structure::Attribute(a) => a.name.to_string(),
                Structure::Block(b) => format!("{}{{{}}}", nested_type(b), names(b).join(",")),
            })
            .collect()
    }

    #[test]
    fn arguments_replace_nested_blocks_replace_their_type_lifecycle_merges() {
        let config = overridden(
            r#"
resource "aws_lambda_function" "f" {
  function_name = "f"
  timeout       = 3
  environment {
    variables = { A = "1" }
  }
  dynamic "vpc_config" {
    for_each = []
    content {}
  }
  lifecycle {
    prevent_destroy = true
  }
}
"#,
            r#"
resource "aws_lambda_function" "f" {
  timeout = 30
  vpc_config {
    subnet_ids = ["s"]
  }
  lifecycle {
    ignore_changes = [tags]
  }
}
"#,
        );
        let f = &config.blocks[0];
        assert_eq!(
            names(f),
            [
                "function_name",
                "timeout",
                "environment{variables}",
                "lifecycle{prevent_destroy,ignore_changes}",
                "vpc_config{subnet_ids}"
            ]
        );
        let timeout = f.body.get("timeout").expect("timeout");
        assert!(
            matches!(&timeout.kind, tfstack_model::ExprKind::Number(n) if **n == tfstack_model::Number::Int(30)),
            "{timeout:?}"
        );
        assert_eq!(config.blocks.len(), 1);
    }

    #[test]
    fn an_override_of_nothing_declared_is_an_error_at_it() {
        let (config, errors) = overridden_with_errors(
            r#"
resource "aws_sqs_queue" "q" {}
variable "v" {}
locals {
  a = 1
}
provider "aws" {
  region = "eu-west-1"
}
"#,
            r#"resource "aws_sqs_queue" "new" {}
data "aws_sqs_queue" "q" {}
variable "w" {}
output "o" {
  value = 1
}
module "m" {
  source = "./m"
}
locals {
  a = 2
  b = 3
}
provider "aws" {
  alias  = "east"
  region = "us-east-1"
}
provider "google" {
  project = "p"
}
terraform {
  required_version = ">= 1.5"
}
moved {
  from = aws_sqs_queue.a
  to   = aws_sqs_queue.q
}
"#,
        );
        assert_eq!(
            errors,
            [
                "1:1 override of resource `aws_sqs_queue.new`, which no primary file declares",
                "2:1 override of data source `data.aws_sqs_queue.q`, which no primary file declares",
                "3:1 override of variable `var.w`, which no primary file declares",
                "4:1 override of output `o`, which no primary file declares",
                "7:1 override of module call `module.m`, which no primary file declares",
                "12:3 override of local value `local.b`, which no primary file declares",
                "14:1 override of provider `aws` with alias `east`, which no primary file declares",
                "24:1 `moved` blocks cannot be in an override file",
            ]
        );
        // A provider without an alias and a `terraform` block need no base: they are kept.
        let kept: Vec<String> = config.blocks.iter().map(|b| b.address()).collect();
        assert_eq!(
            kept,
            [
                "aws_sqs_queue.q",
                "var.v",
                "locals",
                "provider.aws",
                "provider.google",
                "terraform"
            ]
        );
    }

    #[test]
    fn a_provider_override_matches_by_name_and_alias() {
        let config = overridden(
            r#"
provider "aws" {
  region = "eu-west-1"
}
provider "aws" {
  alias  = "east"
  region = "us-east-1"
}
"#,
            r#"
provider "aws" {
  alias  = "east"
  region = "us-east-2"
}
"#,
        );
        let regions: Vec<String> = config
            .blocks
            .iter()
            .map(|b| {
                b.body
                    .get("region")
                    .map(|r| r.to_string())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(regions, [r#""eu-west-1""#, r#""us-east-2""#]);
    }

    #[test]
    fn override_file_names() {
        for name in [
            "override.tf",
            "override.tf.json",
            "dev_override.tf",
            "a_override.tf.json",
        ] {
            assert!(is_override_file(Path::new(name)), "{name}");
        }
        for name in [
            "overrides.tf",
            "main.tf",
            "override.tfvars",
            "my-override.tf",
            "override",
        ] {
            assert!(!is_override_file(Path::new(name)), "{name}");
        }
    }
}
