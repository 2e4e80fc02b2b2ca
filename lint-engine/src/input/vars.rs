//! Values given with `--var name=value`, taken as Terraform takes `-var` ("Input
//! Variables", Terraform language; `decodeVariableType` in Terraform's `configs`): how the
//! text is read depends on the `type` of the root module's `variable` block of that name.
//! A variable without a `type`, or of a primitive type (`string`, `number`, `bool`), takes
//! the text literally, as a string, converted to a number or a bool for those types (`abc`
//! is no number: an error). A variable of type `any`, of the shorthand `list` or `map`, or
//! of a complex type (`list(...)`, `map(...)`, `set(...)`, `object({...})`,
//! `tuple([...])`) takes the text as an HCL expression of constants: one that does not
//! parse, or that refers to anything or calls a function, is an error. A `--var` for a
//! variable the module does not declare is taken literally (as Terraform reads it before
//! refusing it): one set of flags may serve several root modules.

use crate::located::InputError;
use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use tfstack_model::eval::Evaluator;
use tfstack_model::{Block, Config, Expr, ExprKind, FileId, Origin, SourceFiles, Value, ValueKind};

/// How the text of a `--var` is read, from the variable's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reading {
    /// As it is: a string (no `type`, `type = string`, or no such variable).
    String,
    /// As it is, converted to a number (`type = number`).
    Number,
    /// As it is, converted to a bool (`type = bool`).
    Bool,
    /// As an HCL expression of constants (`any` and every complex type).
    Expression,
}

impl Reading {
    /// How a variable reads its command-line value: `None` without a `type`, else its
    /// type as an expression ([`type_expression`]; `None` inside for a type that is none).
    fn of_type(ty: Option<Option<&Expr>>) -> Reading {
        let Some(ty) = ty else {
            return Reading::String;
        };
        match ty.map(|ty| &ty.kind) {
            Some(ExprKind::Traversal(t)) if t.operators.is_empty() => match t.root.as_str() {
                "string" => Reading::String,
                "number" => Reading::Number,
                "bool" => Reading::Bool,
                _ => Reading::Expression,
            },
            _ => Reading::Expression,
        }
    }
}

/// The type expression a `type` attribute stands for. A `.tf.json` file's type is a
/// string holding the type expression (`"map(string)"`), read here; `None` when it holds
/// none (it does not parse, or holds a string). In a `.tf` file a quoted type is a
/// pre-0.12 form Terraform rejects; it reads `"string"` literally and the others as
/// expressions, as this does.
fn type_expression(ty: &Expr) -> Option<Cow<'_, Expr>> {
    match &ty.kind {
        ExprKind::String(text) => {
            match tfstack_model::load::hcl::parse_expression(text, FileId(u32::MAX)) {
                Ok(inner) if !matches!(inner.kind, ExprKind::String(_)) => Some(Cow::Owned(inner)),
                _ => None,
            }
        }
        _ => Some(Cow::Borrowed(ty)),
    }
}

/// The value of `--var name=text` for the root module `config` (files in `sources`,
/// directory `dir`), its constants evaluated by `scratch`; an error at the variable's
/// declaration when the text is not a value of its type.
pub fn command_line_value(
    name: &str,
    text: &str,
    config: &Config,
    sources: &SourceFiles,
    dir: &Path,
    scratch: &Evaluator,
) -> Result<Value, InputError> {
    let declaration = config
        .blocks_of("variable")
        .find(|b| b.type_label() == name);
    let ty = declaration.and_then(|b| b.body.get("type"));
    let expression = ty.map(type_expression);
    let expression = expression.as_ref().map(|e| e.as_deref());
    let error = |expected: String, problem: String, help: &str| {
        invalid(declaration, sources, dir, name, &expected, &problem)
            .with_help(help.replace("NAME", name))
    };
    match Reading::of_type(expression) {
        Reading::String => Ok(Value::string(text, Origin::GENERATED)),
        Reading::Number => match number(text) {
            Some(n) => Ok(Value::new(ValueKind::Number(n), Origin::GENERATED)),
            None => Err(error(
                "a number".into(),
                format!("got `{text}`"),
                "give a decimal number: `--var NAME=30`",
            )),
        },
        Reading::Bool => match text {
            "true" | "1" => Ok(Value::new(ValueKind::Bool(true), Origin::GENERATED)),
            "false" | "0" => Ok(Value::new(ValueKind::Bool(false), Origin::GENERATED)),
            _ => Err(error(
                "a bool (`true` or `false`)".into(),
                format!("got `{text}`"),
                "give `--var NAME=true` or `--var NAME=false`",
            )),
        },
        Reading::Expression => {
            let shown = ty.map_or_else(|| "any".to_string(), type_text);
            let expected = format!("{} `{shown}` expression", article(&shown));
            let expr = tfstack_model::load::hcl::parse_expression(text, FileId(u32::MAX))
                .map_err(|e| error(expected.clone(), parse_problem(&e), EXPRESSION_HELP))?;
            if let Some(problem) = not_constant(&expr) {
                return Err(error(expected, problem, EXPRESSION_HELP));
            }
            let value = scratch.eval(&expr);
            if let Some(problem) = expression.flatten().and_then(|ty| not_of_shape(ty, &value)) {
                return Err(error(expected, problem, EXPRESSION_HELP));
            }
            Ok(value)
        }
    }
}

/// What is wrong with `value` for the outer kind of the type expression `ty` (Terraform
/// cannot convert a string to a map, or an object to a list): a map or object type takes
/// an object (`{ … }`), a list, set or tuple type a list (`[ … ]`); `null` is any type's.
/// What is inside is not checked.
fn not_of_shape(ty: &Expr, value: &Value) -> Option<String> {
    let outer = match &ty.kind {
        ExprKind::FunctionCall(call) => call.name.to_string(),
        ExprKind::Traversal(t) if t.operators.is_empty() => t.root.to_string(),
        _ => return None,
    };
    let (wanted, fits) = match outer.as_str() {
        "map" | "object" => (
            "an object (`{ key = value }`)",
            matches!(value.kind, ValueKind::Object(_)),
        ),
        "list" | "set" | "tuple" => ("a list (`[ … ]`)", matches!(value.kind, ValueKind::List(_))),
        _ => return None,
    };
    let given = match value.kind {
        ValueKind::Null | ValueKind::Unknown => return None,
        ValueKind::String(_) => "a string",
        ValueKind::Number(_) => "a number",
        ValueKind::Bool(_) => "a bool",
        ValueKind::List(_) => "a list",
        ValueKind::Object(_) => "an object",
    };
    (!fits).then(|| format!("got {given}, and the `{outer}` type takes {wanted}"))
}

/// What to do about a value of a complex type that is not a constant expression.
const EXPRESSION_HELP: &str = "write the value as in a `.tfvars` file, strings quoted: \
                               `--var 'NAME={ key = \"value\" }'`";

/// What is wrong with a value that does not parse, and where in it.
fn parse_problem(error: &tfstack_model::load::hcl::ParseError) -> String {
    match error.line {
        1 => format!("{} at column {}", error.message, error.column),
        line => format!("{} at line {line}, column {}", error.message, error.column),
    }
}

/// `text` as Terraform converts a string to a number: decimal, with an optional sign,
/// fraction and exponent (`1.5`, `-1`, `.5`, `1e3`); no spaces, no `0x10`, no `Infinity`.
fn number(text: &str) -> Option<f64> {
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E');
    if !text.chars().all(allowed) {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A type as written: the string of a `.tf.json` type, else the expression.
fn type_text(ty: &Expr) -> String {
    match &ty.kind {
        ExprKind::String(text) => text.to_string(),
        _ => ty.to_string(),
    }
}

/// "a" or "an", for `word`.
fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// Why a value given on the command line cannot be `expr`: Terraform evaluates it with no
/// variables and no functions. Names bound by a `for` inside it are allowed.
fn not_constant(expr: &Expr) -> Option<String> {
    let mut bound: HashSet<&str> = HashSet::new();
    expr.visit(&mut |e| {
        if let ExprKind::For(f) = &e.kind {
            bound.insert(f.value_var.as_str());
            if let Some(k) = &f.key_var {
                bound.insert(k.as_str());
            }
        }
    });
    let mut problem = None;
    expr.visit(&mut |e| {
        if problem.is_some() {
            return;
        }
        match &e.kind {
            ExprKind::Traversal(t) if !bound.contains(t.root.as_str()) => {
                problem = Some(format!(
                    "`{e}` is a reference, and a value on the command line refers to nothing \
                     (quote a string: `\"{e}\"`)"
                ));
            }
            ExprKind::FunctionCall(c) => {
                problem = Some(format!(
                    "`{}()` is a function call, and a value on the command line calls none",
                    c.name
                ));
            }
            _ => {}
        }
    });
    problem
}

/// The error for `--var name` (without help): at the variable's declaration when it is in a file, else
/// about the module directory.
fn invalid(
    declaration: Option<&Block>,
    sources: &SourceFiles,
    dir: &Path,
    name: &str,
    expected: &str,
    problem: &str,
) -> InputError {
    let message = format!("--var {name}: expected {expected}: {problem}");
    match declaration.and_then(|b| sources.file_of(b.origin)) {
        Some((file, span)) => InputError::at_offset(file, span.start as usize, message),
        None => InputError::file(dir, message),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{load_module, InputOptions};
    use tfstack_model::ValueKind;

    const VARIABLES: &str = r#"
variable "untyped" {}
variable "text" {
  type = string
}
variable "count" {
  type = number
}
variable "enabled" {
  type = bool
}
variable "tags" {
  type = map(string)
}
variable "anything" {
  type = any
}
variable "settings" {
  type = object({
    name = optional(string, "x")
  })
}
"#;

    /// The module of [`VARIABLES`] loaded with these `--var`s: its variables and the
    /// errors' messages.
    fn load(
        vars: &[(&str, &str)],
    ) -> (
        std::collections::HashMap<String, tfstack_model::Value>,
        Vec<String>,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("variables.tf");
        std::fs::write(&path, VARIABLES).expect("write");
        let options = InputOptions {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..InputOptions::default()
        };
        let (module, errors) = load_module(dir.path(), &[path], &options);
        let messages = errors.iter().map(|e| e.message.clone()).collect();
        (module.variables, messages)
    }

    fn kind<'a>(
        variables: &'a std::collections::HashMap<String, tfstack_model::Value>,
        name: &str,
    ) -> &'a ValueKind {
        &variables.get(name).expect(name).kind
    }

    #[test]
    fn untyped_and_primitive_variables_take_the_text_literally() {
        let (variables, errors) = load(&[
            ("untyped", r#"{a="x"}"#),
            ("text", "[1, 2]"),
            ("count", "1.5"),
            ("enabled", "true"),
            ("undeclared", r#"{a="x"}"#),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            kind(&variables, "untyped"),
            &ValueKind::String(r#"{a="x"}"#.into())
        );
        assert_eq!(
            kind(&variables, "text"),
            &ValueKind::String("[1, 2]".into())
        );
        assert_eq!(kind(&variables, "count"), &ValueKind::Number(1.5));
        assert_eq!(kind(&variables, "enabled"), &ValueKind::Bool(true));
        assert_eq!(
            kind(&variables, "undeclared"),
            &ValueKind::String(r#"{a="x"}"#.into())
        );
        for (text, value) in [("1", true), ("0", false), ("false", false)] {
            let (variables, errors) = load(&[("enabled", text)]);
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(
                kind(&variables, "enabled"),
                &ValueKind::Bool(value),
                "{text}"
            );
        }
        for (text, value) in [("-1", -1.0), (".5", 0.5), ("1e3", 1000.0), ("+2", 2.0)] {
            let (variables, errors) = load(&[("count", text)]);
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(
                kind(&variables, "count"),
                &ValueKind::Number(value),
                "{text}"
            );
        }
    }

    #[test]
    fn complex_and_any_variables_take_an_expression() {
        let (variables, errors) = load(&[
            ("tags", r#"{a="x"}"#),
            ("anything", "[1, 2]"),
            ("settings", "{}"),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        let ValueKind::Object(tags) = kind(&variables, "tags") else {
            panic!("{:?}", variables["tags"]);
        };
        assert_eq!(tags["a"].kind, ValueKind::String("x".into()));
        assert!(matches!(kind(&variables, "anything"), ValueKind::List(l) if l.len() == 2));
        assert!(matches!(kind(&variables, "settings"), ValueKind::Object(_)));
    }

    #[test]
    fn a_value_that_is_not_of_the_type_is_an_error_naming_the_flag() {
        for (name, text, expected) in [
            (
                "tags",
                "{",
                "--var tags: expected a `map(string)` expression: ",
            ),
            (
                "anything",
                "abc",
                "--var anything: expected an `any` expression: `abc` is a reference",
            ),
            (
                "tags",
                "{a = upper(\"x\")}",
                "--var tags: expected a `map(string)` expression: `upper()` is a function call",
            ),
            (
                "tags",
                "\"x\"",
                "--var tags: expected a `map(string)` expression: got a string, and the `map` \
                 type takes an object",
            ),
            ("settings", "[1]", "--var settings: expected an `object({"),
            ("count", "abc", "--var count: expected a number: got `abc`"),
            ("count", " 2", "--var count: expected a number: got ` 2`"),
            (
                "count",
                "Infinity",
                "--var count: expected a number: got `Infinity`",
            ),
            (
                "enabled",
                "yes",
                "--var enabled: expected a bool (`true` or `false`): got `yes`",
            ),
        ] {
            let (_, errors) = load(&[(name, text)]);
            assert_eq!(errors.len(), 1, "{name}={text}: {errors:?}");
            assert!(errors[0].starts_with(expected), "{name}={text}: {errors:?}");
        }
        // `null` is any type's value.
        let (_, errors) = load(&[("tags", "null")]);
        assert!(errors.is_empty(), "{errors:?}");
        // Names bound by a `for` are no references.
        let (variables, errors) = load(&[("anything", "[for x in [1, 2] : x]")]);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(matches!(kind(&variables, "anything"), ValueKind::List(l) if l.len() == 2));
    }

    #[test]
    fn a_tf_json_type_is_read_from_its_string() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("variables.tf.json");
        std::fs::write(
            &path,
            r#"{"variable": {"tags": {"type": "map(string)"}, "count": {"type": "number"}}}"#,
        )
        .expect("write");
        let options = InputOptions {
            vars: vec![
                ("tags".into(), r#"{a="x"}"#.into()),
                ("count".into(), "3".into()),
            ],
            ..InputOptions::default()
        };
        let (module, errors) = load_module(dir.path(), &[path], &options);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(matches!(
            module.variables["tags"].kind,
            ValueKind::Object(_)
        ));
        assert_eq!(module.variables["count"].kind, ValueKind::Number(3.0));
    }
}
