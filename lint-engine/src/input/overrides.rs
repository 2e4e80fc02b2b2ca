//! Terraform's override files: `override.tf`, `override.tf.json` and files whose names end
//! in `_override.tf` or `_override.tf.json` are not blocks of their own. Terraform loads
//! them after the module's other files, in name order, and merges each of their top-level
//! blocks into the block of the same type and labels ("Override Files", Terraform
//! language): an argument replaces the argument of the same name; nested blocks of one
//! type replace every nested block of that type, except `lifecycle`, merged argument by
//! argument; `locals` are overridden value by value, whichever `locals` block holds them.
//! An override block that matches no block is kept as a block (Terraform rejects it).

use std::collections::HashSet;
use std::path::Path;
use tfstack_model::{Block, Config, Structure};

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

/// Merges one override file's top-level block into `config`.
pub fn apply(config: &mut Config, over: Block) {
    if over.kind == "locals" {
        return apply_locals(config, over);
    }
    match config
        .blocks
        .iter_mut()
        .find(|b| b.kind == over.kind && b.labels == over.labels)
    {
        Some(base) => merge(base, over),
        None => config.push(over),
    }
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
/// `locals` block defines it; values defined nowhere make a `locals` block of their own.
fn apply_locals(config: &mut Config, mut over: Block) {
    over.body.items.retain(|item| {
        let Structure::Attribute(a) = item else {
            return true;
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
            Some(existing) => {
                *existing = a.clone();
                false
            }
            None => true,
        }
    });
    if !over.body.items.is_empty() {
        config.push(over);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::module_from_hcl;

    /// `base` with the blocks of `over` applied as an override file's, printed back.
    fn overridden(base: &str, over: &str) -> Config {
        let mut config = (*module_from_hcl(base).config).clone();
        for block in module_from_hcl(over).config.blocks.iter().cloned() {
            apply(&mut config, block);
        }
        config
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
resource "aws_sqs_queue" "new" {
  name = "new"
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
        // An override that matches no block stays a block (Terraform rejects it).
        assert_eq!(config.blocks[1].address(), "aws_sqs_queue.new");
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
