//! How many instances a block has, as Terraform counts them ([`tfstack_model::instances`]):
//! a block whose `count`/`for_each` is known to be empty exists nowhere — no rule sees it,
//! no companion counts it. A `count` or `for_each` that cannot be evaluated keeps the
//! block possibly present: rules judge it as if it existed (precision first means
//! reporting only what can be shown, and a resource that may exist is judged on what is
//! written).

use crate::context::Context;
pub use tfstack_model::instances::{instances_of, Instances};
use tfstack_model::Block;

/// Whether a block exists at all: `count = 0` or an empty `for_each` creates nothing.
pub fn exists(cx: &Context, block: &Block) -> bool {
    cx.exists(block)
}

#[cfg(test)]
mod tests {
    use crate::context::Context;
    use crate::testing::module_from_hcl;

    /// The addresses of the top-level blocks of `text` that exist.
    fn existing(text: &str) -> Vec<String> {
        let module = module_from_hcl(text);
        let cx = Context::new(&module);
        let found = cx.blocks().map(|b| b.address()).collect();
        found
    }

    #[test]
    fn blocks_known_to_have_no_instance_exist_nowhere() {
        let text = r#"
variable "create" {
  default = false
}
variable "names" {
  default = {}
}
variable "unknown" {}

resource "aws_sqs_queue" "zero" {
  count = 0
}
resource "aws_sqs_queue" "create_flag" {
  count = var.create ? 1 : 0
}
resource "aws_sqs_queue" "length_of_empty" {
  count = length([])
}
resource "aws_sqs_queue" "empty_map" {
  for_each = {}
}
resource "aws_sqs_queue" "empty_set" {
  for_each = toset([])
}
resource "aws_sqs_queue" "filtered" {
  for_each = { for k, v in { a = 1 } : k => v if false }
}
resource "aws_sqs_queue" "from_empty_variable" {
  for_each = { for k, v in var.names : k => v }
}
resource "aws_sqs_queue" "merged_empty" {
  for_each = merge(var.names, {})
}
data "aws_iam_policy_document" "zero" {
  count = 0
}
module "zero" {
  source = "./m"
  count  = 0
}

resource "aws_sqs_queue" "one" {
  count = 1
}
resource "aws_sqs_queue" "plain" {
  name = "plain"
}
resource "aws_sqs_queue" "keyed" {
  for_each = toset(["a"])
}
resource "aws_sqs_queue" "unknown_count" {
  count = var.unknown ? 1 : 0
}
resource "aws_sqs_queue" "unknown_each" {
  for_each = var.unknown
}
resource "aws_sqs_queue" "unknown_filter" {
  for_each = { for k, v in { a = 1 } : k => v if var.unknown }
}
"#;
        assert_eq!(
            existing(text),
            [
                "var.create",
                "var.names",
                "var.unknown",
                "aws_sqs_queue.one",
                "aws_sqs_queue.plain",
                "aws_sqs_queue.keyed",
                "aws_sqs_queue.unknown_count",
                "aws_sqs_queue.unknown_each",
                "aws_sqs_queue.unknown_filter",
            ]
        );
    }

    use crate::query::settings::Setting;

    /// The setting `runtime` of each `aws_lambda_function` of `text`, as rules read it.
    fn runtimes(text: &str) -> Vec<String> {
        let module = module_from_hcl(text);
        let cx = Context::new(&module);
        let found = cx
            .resources("aws_lambda_function")
            .iter()
            .map(|f| {
                let shown = match crate::query::settings::setting(&cx, f, &["runtime"]) {
                    Setting::Known { value, .. } => value.as_str().unwrap_or("?").to_string(),
                    other => format!("{other:?}"),
                };
                format!("{} {shown}", f.name_label())
            })
            .collect();
        found
    }

    #[test]
    fn a_value_every_known_instance_agrees_on_is_known() {
        let text = r#"
variable "functions" {
  default = {
    a = { runtime = "python3.8", memory = 128 }
    b = { runtime = "python3.8", memory = 256 }
  }
}
variable "mixed" {
  default = {
    a = { runtime = "python3.8" }
    b = { runtime = "python3.12" }
  }
}
variable "unknown" {}

resource "aws_lambda_function" "agreeing" {
  for_each = var.functions
  runtime  = each.value.runtime
}
resource "aws_lambda_function" "differing" {
  for_each = var.mixed
  runtime  = each.value.runtime
}
resource "aws_lambda_function" "one_of_count" {
  count   = 1
  runtime = "python3.${count.index + 8}"
}
resource "aws_lambda_function" "unknown_instances" {
  for_each = var.unknown
  runtime  = each.value.runtime
}
resource "aws_lambda_function" "many" {
  count   = 65
  runtime = count.index < 100 ? "python3.8" : "python3.12"
}
"#;
        assert_eq!(
            runtimes(text),
            [
                "agreeing python3.8",
                "differing Unknown",
                "one_of_count python3.8",
                "unknown_instances Unknown",
                // More instances than are evaluated one by one: not known to agree.
                "many Unknown",
            ]
        );
    }
}
