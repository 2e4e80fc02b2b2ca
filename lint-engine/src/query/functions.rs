//! The Lambda functions an expression designates.

use crate::context::Context;
use crate::query::references::{referenced_blocks, targets_of};
use std::collections::HashSet;
use tfstack_model::{Block, Expr};

/// One function as Lambda names it in an event source mapping or a permission: the
/// function and its qualifier (an alias, a version), or none for the unqualified function.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedFunction {
    /// The `aws_lambda_function`'s address.
    pub function: String,
    /// The alias or version: an alias's `name` when it evaluates (its address otherwise),
    /// or the qualifier of a literal `name:qualifier` or ARN.
    pub qualifier: Option<String>,
}

/// The one qualified function an expression designates, when it can be told exactly: a
/// reference to a function's `arn`, `function_name` or `id` (unqualified), a reference to
/// an alias (qualified by it), or a literal name, `name:qualifier` or ARN naming one
/// function of the module. `None` for anything else: several targets, a version that is
/// only known after apply (`qualified_arn`, `version`), a name matching no function or
/// several.
pub fn qualified_function_at(cx: &Context, expr: &Expr) -> Option<QualifiedFunction> {
    let targets = targets_of(cx, expr);
    match targets.as_slice() {
        [] => {}
        [target] => {
            let block = cx.block(&target.address)?;
            let attribute = target.attribute.as_deref();
            return match block.type_label() {
                "aws_lambda_function"
                    if matches!(attribute, None | Some("arn" | "function_name" | "id")) =>
                {
                    Some(QualifiedFunction {
                        function: block.address(),
                        qualifier: None,
                    })
                }
                "aws_lambda_alias" => {
                    let name = block.body.get("function_name")?;
                    let functions = functions_at(cx, name);
                    let [function] = functions.as_slice() else {
                        return None;
                    };
                    let alias = cx
                        .attr(block, "name")
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_else(|| block.address());
                    Some(QualifiedFunction {
                        function: function.address(),
                        qualifier: Some(alias),
                    })
                }
                _ => None,
            };
        }
        _ => return None,
    }
    let value = cx.value(expr);
    let text = value.as_str()?;
    let name = function_name_of(text)?;
    let qualifier = qualifier_of(text);
    let functions = cx.resources_named("aws_lambda_function", "function_name", name);
    let [function] = functions.as_slice() else {
        return None;
    };
    Some(QualifiedFunction {
        function: function.address(),
        qualifier: qualifier.map(str::to_string),
    })
}

/// The qualifier of a literal `name:qualifier` or qualified function ARN.
fn qualifier_of(text: &str) -> Option<&str> {
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", _, qualifier] => Some(*qualifier),
        [name, qualifier] if *name != "arn" => Some(*qualifier),
        _ => None,
    }
    .filter(|q| !q.is_empty())
}

/// How many aliases deep [`functions_at`] follows `function_name` (AWS allows one: an
/// alias names a function; the limit stops a cycle of aliases naming each other, which
/// Terraform rejects but the linter must survive).
const MAX_ALIAS_DEPTH: usize = 4;

/// The functions an expression designates, each once, in the order first reached: by
/// reference (`aws_lambda_function.f.arn`, through locals), through an `aws_lambda_alias`
/// (whose `function_name` is followed the same way), or by a literal name, `name:qualifier`
/// or ARN (`arn:aws:lambda:region:account:function:name[:qualifier]`) matching a
/// function's evaluated `function_name`. Functions of unknown name are never found by a
/// literal; an empty name designates none.
pub fn functions_at<'m>(cx: &Context<'m>, expr: &Expr) -> Vec<&'m Block> {
    functions_at_depth(cx, expr, 0)
}

fn functions_at_depth<'m>(cx: &Context<'m>, expr: &Expr, depth: usize) -> Vec<&'m Block> {
    let mut out = referenced_blocks(cx, expr, "aws_lambda_function");
    let aliases = if depth < MAX_ALIAS_DEPTH {
        referenced_blocks(cx, expr, "aws_lambda_alias")
    } else {
        Vec::new()
    };
    if !aliases.is_empty() {
        // A function reached directly and through aliases is kept once, where first
        // reached: a set of addresses, O(1) per function.
        let mut seen: HashSet<String> = out.iter().map(|f| f.address()).collect();
        for alias in aliases {
            if let Some(name) = alias.body.get("function_name") {
                for f in functions_at_depth(cx, name, depth + 1) {
                    if seen.insert(f.address()) {
                        out.push(f);
                    }
                }
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    let value = cx.value(expr);
    let Some(text) = value.as_str() else {
        return out;
    };
    match function_name_of(text) {
        // A hash lookup in the module's name index (built once, O(functions)).
        Some(name) => cx.resources_named("aws_lambda_function", "function_name", name),
        None => Vec::new(),
    }
}

/// The function name in a literal that designates a function: `name`, `name:qualifier`,
/// or a function ARN with or without a qualifier.
fn function_name_of(text: &str) -> Option<&str> {
    let mut parts = text.split(':');
    let first = parts.next()?;
    let name = if first == "arn" {
        let rest: Vec<&str> = parts.collect();
        match rest.as_slice() {
            [_, "lambda", _, _, "function", name, ..] => *name,
            _ => return None,
        }
    } else {
        first
    };
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::module_from_hcl;

    #[test]
    fn literal_names_qualifiers_and_arns_name_the_function() {
        assert_eq!(function_name_of("resize"), Some("resize"));
        assert_eq!(function_name_of("resize:live"), Some("resize"));
        assert_eq!(
            function_name_of("arn:aws:lambda:eu-west-1:123456789012:function:resize"),
            Some("resize")
        );
        assert_eq!(
            function_name_of("arn:aws:lambda:eu-west-1:123456789012:function:resize:live"),
            Some("resize")
        );
        assert_eq!(function_name_of("arn:aws:sqs:eu-west-1:1:resize"), None);
        assert_eq!(function_name_of(""), None);
        assert_eq!(function_name_of(":live"), None);
    }

    #[test]
    fn qualified_functions() {
        let module = module_from_hcl(
            r#"resource "aws_lambda_function" "resize" {
  function_name = "resize"
}
resource "aws_lambda_function" "other" {
  function_name = var.unset
}
variable "unset" {}
resource "aws_lambda_alias" "live" {
  name          = "live"
  function_name = aws_lambda_function.resize.function_name
}
locals {
  plain     = aws_lambda_function.resize.arn
  alias     = aws_lambda_alias.live.arn
  by_name   = "resize:live"
  by_arn    = "arn:aws:lambda:eu-west-1:111122223333:function:resize"
  version   = aws_lambda_function.resize.qualified_arn
  unknown   = aws_lambda_function.other.arn
  two       = [aws_lambda_function.resize.arn, aws_lambda_function.other.arn]
  no_such   = "nothing"
}
"#,
        );
        let cx = Context::new(&module);
        let at = |name: &str| {
            let e = cx.eval.local_expr(name).expect("local").clone();
            qualified_function_at(&cx, &e).map(|q| (q.function, q.qualifier))
        };
        let resize = "aws_lambda_function.resize".to_string();
        assert_eq!(at("plain"), Some((resize.clone(), None)));
        assert_eq!(at("alias"), Some((resize.clone(), Some("live".into()))));
        assert_eq!(at("by_name"), Some((resize.clone(), Some("live".into()))));
        assert_eq!(at("by_arn"), Some((resize, None)));
        assert_eq!(at("version"), None);
        assert_eq!(
            at("unknown"),
            Some(("aws_lambda_function.other".into(), None))
        );
        assert_eq!(at("two"), None);
        assert_eq!(at("no_such"), None);
        assert_eq!(qualifier_of("arn:aws:lambda:r:1:function:f:7"), Some("7"));
        assert_eq!(qualifier_of("f"), None);
        assert_eq!(qualifier_of("f:"), None);
    }

    #[test]
    fn references_aliases_and_literals_each_once() {
        let module = module_from_hcl(
            r#"resource "aws_lambda_function" "resize" {
  function_name = "resize"
}
resource "aws_lambda_alias" "live" {
  name          = "live"
  function_name = "resize"
}
resource "aws_lambda_alias" "canary" {
  name          = "canary"
  function_name = aws_lambda_alias.live.function_name
}
locals {
  targets = [aws_lambda_function.resize.arn, aws_lambda_alias.canary.arn]
  by_name = "resize:live"
}
"#,
        );
        let cx = Context::new(&module);
        let local = |name: &str| cx.eval.local_expr(name).expect("local").clone();
        let found = |e: &Expr| {
            functions_at(&cx, e)
                .iter()
                .map(|b| b.address())
                .collect::<Vec<_>>()
        };
        assert_eq!(found(&local("targets")), ["aws_lambda_function.resize"]);
        assert_eq!(found(&local("by_name")), ["aws_lambda_function.resize"]);
        let canary = cx.block("aws_lambda_alias.canary").expect("alias");
        let through_aliases = canary.body.get("function_name").expect("function_name");
        assert_eq!(found(through_aliases), ["aws_lambda_function.resize"]);
    }

    /// Aliases naming each other (a cycle Terraform rejects) must not overflow the stack.
    #[test]
    fn a_cycle_of_aliases_is_survived() {
        let module = module_from_hcl(
            r#"resource "aws_lambda_alias" "a" {
  name          = "a"
  function_name = aws_lambda_alias.b.function_name
}
resource "aws_lambda_alias" "b" {
  name          = "b"
  function_name = aws_lambda_alias.a.function_name
}
"#,
        );
        let cx = Context::new(&module);
        let alias = cx.resources("aws_lambda_alias")[0];
        let name = alias.body.get("function_name").expect("function_name");
        assert!(functions_at(&cx, name).is_empty());
    }
}
