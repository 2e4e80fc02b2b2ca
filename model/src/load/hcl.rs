//! `.tf` and `.tfvars` files (HCL native syntax) → IR, with byte spans on every block,
//! attribute and expression. Parsing is hcl-edit's; this module only maps its syntax tree.

use crate::ir::{self, Expr, ExprKind, Number, ObjectItem, ObjectKey, Template, TemplatePart};
use crate::origin::{FileId, Origin, Span};
use hcl_edit::expr::{self as hx, Expression};
use hcl_edit::structure as hs;
use hcl_edit::template as ht;
use hcl_edit::Span as _;

/// A file that could not be parsed: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub file: FileId,
    pub offset: usize,
    /// 1-based.
    pub line: usize,
    /// 1-based.
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a whole HCL file into an IR body (top-level blocks and, for `.tfvars`, attributes).
pub fn parse_body(text: &str, file: FileId) -> Result<ir::Body, ParseError> {
    let body = hcl_edit::parser::parse_body(text).map_err(|e| {
        let loc = e.location();
        ParseError {
            file,
            offset: loc.offset(),
            line: loc.line(),
            column: loc.column(),
            message: parse_message(&e),
        }
    })?;
    let loader = Loader { file, text };
    let mut body = loader.body(&body);
    for item in &mut body.items {
        if let ir::Structure::Block(b) = item {
            if let Origin::File { span, .. } = b.origin {
                b.comments = suppression_comments(text, span.start as usize);
            }
        }
    }
    Ok(body)
}

/// The `tfstack:ignore[...]` comments in the run of comment lines just above the line
/// holding `start` (without their `#` or `//`), top to bottom: what [`ir::Block::comments`]
/// holds, so that generating and loading a block gives it back.
fn suppression_comments(text: &str, start: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line_start = text
        .get(..start)
        .map_or(0, |t| t.rfind('\n').map_or(0, |i| i + 1));
    while line_start > 0 {
        let previous = text
            .get(..line_start - 1)
            .map_or(0, |t| t.rfind('\n').map_or(0, |i| i + 1));
        let line = text.get(previous..line_start - 1).unwrap_or("").trim();
        let Some(comment) = line.strip_prefix('#').or_else(|| line.strip_prefix("//")) else {
            break;
        };
        let comment = comment.strip_prefix(' ').unwrap_or(comment);
        if comment.starts_with("tfstack:ignore[") {
            out.push(comment.to_string());
        }
        line_start = previous;
    }
    out.reverse();
    out
}

/// hcl-edit's message is the whole multi-line rendering; keep the first meaningful line.
fn parse_message(e: &hcl_edit::parser::Error) -> String {
    let m = e.message().trim();
    if m.is_empty() {
        "invalid HCL syntax".to_string()
    } else {
        m.lines().next().unwrap_or(m).to_string()
    }
}

/// Parses a single expression (for `--var k=v` values and tests).
/// An expression tfstack writes itself (a `for` expression a construct needs), parsed as
/// the loader reads it back, with no origin in any file; `None` when it does not parse (a
/// bug of the construct, which its tests catch).
pub fn generated_expression(text: &str) -> Option<Expr> {
    let mut expr = parse_expression(text, FileId(u32::MAX)).ok()?;
    expr.visit_mut(&mut |e| e.origin = Origin::Generated);
    Some(expr)
}

pub fn parse_expression(text: &str, file: FileId) -> Result<Expr, ParseError> {
    let expr = hcl_edit::parser::parse_expr(text).map_err(|e| {
        let loc = e.location();
        ParseError {
            file,
            offset: loc.offset(),
            line: loc.line(),
            column: loc.column(),
            message: parse_message(&e),
        }
    })?;
    Ok(Loader { file, text }.expr(&expr))
}

struct Loader<'a> {
    file: FileId,
    text: &'a str,
}

impl Loader<'_> {
    fn origin(&self, span: Option<std::ops::Range<usize>>) -> Origin {
        match span {
            Some(r) => Origin::File {
                file: self.file,
                span: Span::from(r),
            },
            None => Origin::Generated,
        }
    }

    fn body(&self, body: &hs::Body) -> ir::Body {
        let mut out = ir::Body {
            items: Vec::with_capacity(body.len()),
        };
        for s in body.iter() {
            match s {
                hs::Structure::Attribute(a) => {
                    out.items.push(ir::Structure::Attribute(ir::Attribute {
                        name: a.key.as_str().to_string(),
                        value: self.expr(&a.value),
                        origin: self.origin(a.key.span()),
                    }))
                }
                hs::Structure::Block(b) => out.items.push(ir::Structure::Block(self.block(b))),
            }
        }
        out
    }

    fn block(&self, b: &hs::Block) -> ir::Block {
        let start = b.ident.span().map(|r| r.start);
        let end = b
            .labels
            .last()
            .and_then(|l| l.span())
            .or_else(|| b.ident.span())
            .map(|r| r.end);
        let origin = match (start, end) {
            (Some(s), Some(e)) => self.origin(Some(s..e)),
            _ => self.origin(b.span()),
        };
        ir::Block {
            kind: b.ident.as_str().to_string(),
            labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
            body: self.body(&b.body),
            origin,
            comments: Vec::new(),
        }
    }

    fn expr(&self, e: &Expression) -> Expr {
        let origin = self.origin(e.span());
        let kind = match e {
            Expression::Null(_) => ExprKind::Null,
            Expression::Bool(b) => ExprKind::Bool(*b.value()),
            Expression::Number(n) => ExprKind::Number(number(n.value())),
            Expression::String(s) => ExprKind::String(s.value().clone()),
            Expression::Array(a) => ExprKind::Tuple(a.iter().map(|i| self.expr(i)).collect()),
            Expression::Object(o) => ExprKind::Object(
                o.iter()
                    .map(|(k, v)| {
                        let (key, key_origin) = match k {
                            hx::ObjectKey::Ident(i) => (
                                ObjectKey::Identifier(i.as_str().to_string()),
                                self.origin(i.span()),
                            ),
                            hx::ObjectKey::Expression(e) => {
                                (ObjectKey::Expr(self.expr(e)), self.origin(e.span()))
                            }
                        };
                        ObjectItem {
                            key,
                            value: self.expr(v.expr()),
                            origin: key_origin,
                        }
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => {
                let parts = self.template_parts(t.iter());
                ExprKind::Template(Template {
                    parts,
                    heredoc: None,
                })
            }
            Expression::HeredocTemplate(h) => {
                let parts = self.template_parts(h.template.iter());
                ExprKind::Template(Template {
                    parts,
                    heredoc: Some(ir::Heredoc {
                        delimiter: h.delimiter.as_str().to_string(),
                        indented: h.indent().is_some(),
                    }),
                })
            }
            Expression::Parenthesis(p) => ExprKind::Parenthesis(Box::new(self.expr(p.inner()))),
            Expression::Variable(v) => {
                ExprKind::Traversal(ir::Traversal::new(v.as_str().to_string(), &[]))
            }
            Expression::Conditional(c) => ExprKind::Conditional(Box::new(ir::Conditional {
                condition: self.expr(&c.cond_expr),
                true_expr: self.expr(&c.true_expr),
                false_expr: self.expr(&c.false_expr),
            })),
            Expression::FuncCall(c) => {
                let mut name = String::new();
                for ns in &c.name.namespace {
                    name.push_str(ns.as_str());
                    name.push_str("::");
                }
                name.push_str(c.name.name.as_str());
                ExprKind::FunctionCall(ir::FunctionCall {
                    name,
                    args: c.args.iter().map(|a| self.expr(a)).collect(),
                    expand_final: c.args.expand_final(),
                })
            }
            Expression::Traversal(t) => match self.traversal(t) {
                Some(kind) => kind,
                None => ExprKind::Opaque(self.source(e)),
            },
            Expression::UnaryOp(u) => {
                let op = match u.operator.value() {
                    hx::UnaryOperator::Neg => ir::UnaryOperator::Neg,
                    hx::UnaryOperator::Not => ir::UnaryOperator::Not,
                };
                ExprKind::Unary(op, Box::new(self.expr(&u.expr)))
            }
            Expression::BinaryOp(b) => {
                use hx::BinaryOperator as H;
                use ir::BinaryOperator as I;
                let op = match b.operator.value() {
                    H::Eq => I::Eq,
                    H::NotEq => I::NotEq,
                    H::LessEq => I::LessEq,
                    H::GreaterEq => I::GreaterEq,
                    H::Less => I::Less,
                    H::Greater => I::Greater,
                    H::Plus => I::Plus,
                    H::Minus => I::Minus,
                    H::Mul => I::Mul,
                    H::Div => I::Div,
                    H::Mod => I::Mod,
                    H::And => I::And,
                    H::Or => I::Or,
                };
                ExprKind::Binary(Box::new(ir::BinaryOperation {
                    lhs: self.expr(&b.lhs_expr),
                    operator: op,
                    rhs: self.expr(&b.rhs_expr),
                }))
            }
            Expression::ForExpr(f) => ExprKind::For(Box::new(ir::ForExpr {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().to_string()),
                value_var: f.intro.value_var.as_str().to_string(),
                collection: self.expr(&f.intro.collection_expr),
                key: f.key_expr.as_ref().map(|k| self.expr(k)),
                value: self.expr(&f.value_expr),
                condition: f.cond.as_ref().map(|c| self.expr(&c.expr)),
                grouping: f.grouping,
                source: self.source(e),
            })),
        };
        Expr { kind, origin }
    }

    /// A traversal whose root is a plain name (`aws_x.y.z`, `var.a[0]`); others (a call
    /// or a parenthesised expression followed by `.x`) are kept opaque.
    fn traversal(&self, t: &hx::Traversal) -> Option<ExprKind> {
        let root = match &t.expr {
            Expression::Variable(v) => v.as_str().to_string(),
            _ => return None,
        };
        let operators = t
            .operators
            .iter()
            .map(|op| match op.value() {
                hx::TraversalOperator::GetAttr(a) => {
                    ir::TraversalOperator::Attribute(a.as_str().to_string())
                }
                hx::TraversalOperator::Index(e) => ir::TraversalOperator::Index(self.expr(e)),
                hx::TraversalOperator::LegacyIndex(i) => {
                    ir::TraversalOperator::LegacyIndex(*i.value())
                }
                hx::TraversalOperator::AttrSplat(_) => ir::TraversalOperator::AttributeSplat,
                hx::TraversalOperator::FullSplat(_) => ir::TraversalOperator::FullSplat,
            })
            .collect();
        Some(ExprKind::Traversal(ir::Traversal {
            root,
            operators,
            declared_in: ir::DeclaredIn(None),
        }))
    }

    fn template_parts<'t>(
        &self,
        elements: impl Iterator<Item = &'t ht::Element>,
    ) -> Vec<TemplatePart> {
        let mut parts: Vec<TemplatePart> = Vec::new();
        for el in elements {
            match el {
                ht::Element::Literal(s) => {
                    // hcl-edit may split literal text; keep adjacent literals as one part.
                    if let Some(TemplatePart::Literal(prev)) = parts.last_mut() {
                        prev.push_str(s.value());
                    } else {
                        parts.push(TemplatePart::Literal(s.value().clone()));
                    }
                }
                ht::Element::Interpolation(i) => {
                    parts.push(TemplatePart::Interpolation(self.expr(&i.expr)))
                }
                ht::Element::Directive(d) => {
                    let text = d
                        .span()
                        .and_then(|r| self.text.get(r))
                        .unwrap_or("%{ }")
                        .to_string();
                    parts.push(TemplatePart::Directive(text))
                }
            }
        }
        parts
    }

    fn source(&self, e: &Expression) -> String {
        e.span()
            .and_then(|r| self.text.get(r))
            .unwrap_or_default()
            .to_string()
    }
}

fn number(n: &hcl_edit::Number) -> Number {
    if let Some(i) = n.as_i64() {
        Number::Int(i)
    } else if let Some(u) = n.as_u64() {
        Number::Float(u as f64)
    } else {
        Number::Float(n.as_f64().unwrap_or(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> ir::Body {
        parse_body(text, FileId(0)).expect("parses")
    }

    #[test]
    fn resource_with_reference_and_template() {
        let text = r#"
resource "aws_lambda_permission" "api" {
  function_name = aws_lambda_function.f.function_name
  source_arn    = "${aws_apigatewayv2_api.api.execution_arn}/*/*"
  literal       = "$${not_a_ref}"
}
"#;
        let body = load(text);
        let block = body.blocks().next().expect("one block");
        assert_eq!(block.address(), "aws_lambda_permission.api");
        let f = block.body.get("function_name").expect("attr");
        let t = f.as_traversal().expect("traversal");
        assert_eq!(
            t.resource_address().as_deref(),
            Some("aws_lambda_function.f")
        );
        assert_eq!(t.resource_attribute(), Some("function_name"));
        match &block.body.get("source_arn").expect("attr").kind {
            ExprKind::Template(t) => {
                assert_eq!(t.parts.len(), 2);
                assert_eq!(t.parts[1], TemplatePart::Literal("/*/*".into()));
            }
            other => panic!("expected template, got {other:?}"),
        }
        assert_eq!(
            block.body.get("literal").expect("attr").as_str(),
            Some("${not_a_ref}")
        );
        let Origin::File { span, .. } = block.origin else {
            panic!("file origin")
        };
        assert_eq!(
            &text[span.range()],
            r#"resource "aws_lambda_permission" "api""#
        );
    }

    #[test]
    fn suppression_comments_above_a_block_are_kept() {
        let body = load(
            "# Generated\n\n# tfstack:ignore[LOG001] kept\n// other\n//tfstack:ignore[TFS002] too\nresource \"a\" \"b\" {}\n\n# tfstack:ignore[X] not above\n\nresource \"c\" \"d\" {}\n",
        );
        let comments: Vec<&Vec<String>> = body.blocks().map(|b| &b.comments).collect();
        assert_eq!(
            comments,
            [
                &vec![
                    "tfstack:ignore[LOG001] kept".to_string(),
                    "tfstack:ignore[TFS002] too".to_string()
                ],
                &Vec::<String>::new()
            ]
        );
    }

    #[test]
    fn parse_error_has_line_and_column() {
        let err = parse_body("resource \"a\" \"b\" {\n  x = \n}\n", FileId(3)).unwrap_err();
        assert_eq!(err.file, FileId(3));
        assert_eq!(err.line, 2);
        assert!(!err.message.is_empty());
    }
}
