//! Single-line HCL text of expressions: for messages, `.tf.json` strings and debugging.
//! (The generators print multi-line, `terraform fmt`-exact HCL.)

use crate::ir::*;
use std::fmt::{self, Write};

/// Escapes a string for an HCL quoted string: quotes, backslashes, control characters,
/// and the template sequences `${` and `%{`.
pub fn escape_hcl_string(s: &str, out: &mut impl Write) -> fmt::Result {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.write_char(c)?;
                out.write_char(c)?;
            }
            c if (c as u32) < 0x20 => write!(out, "\\u{:04X}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Null => f.write_str("null"),
            ExprKind::Bool(b) => write!(f, "{b}"),
            ExprKind::Number(n) => write!(f, "{n}"),
            ExprKind::String(s) => {
                f.write_char('"')?;
                escape_hcl_string(s, f)?;
                f.write_char('"')
            }
            ExprKind::Template(t) => {
                f.write_char('"')?;
                for p in &t.parts {
                    match p {
                        TemplatePart::Literal(s) => escape_hcl_string(s, f)?,
                        TemplatePart::Interpolation(e) => write!(f, "${{{e}}}")?,
                        TemplatePart::Directive(d) => f.write_str(d)?,
                    }
                }
                f.write_char('"')
            }
            ExprKind::Traversal(t) => {
                f.write_str(&t.root)?;
                for op in &t.operators {
                    match op {
                        TraversalOperator::Attribute(a) => write!(f, ".{a}")?,
                        TraversalOperator::Index(e) => write!(f, "[{e}]")?,
                        TraversalOperator::LegacyIndex(i) => write!(f, ".{i}")?,
                        TraversalOperator::AttributeSplat => f.write_str(".*")?,
                        TraversalOperator::FullSplat => f.write_str("[*]")?,
                    }
                }
                Ok(())
            }
            ExprKind::FunctionCall(c) => {
                write!(f, "{}(", c.name)?;
                for (i, a) in c.args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                if c.expand_final {
                    f.write_str("...")?;
                }
                f.write_char(')')
            }
            ExprKind::Conditional(c) => {
                write!(f, "{} ? {} : {}", c.condition, c.true_expr, c.false_expr)
            }
            ExprKind::Unary(op, e) => write!(f, "{}{e}", op.as_str()),
            ExprKind::Binary(b) => write!(f, "{} {} {}", b.lhs, b.operator.as_str(), b.rhs),
            ExprKind::Parenthesis(e) => write!(f, "({e})"),
            ExprKind::Tuple(items) => {
                f.write_char('[')?;
                for (i, a) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_char(']')
            }
            ExprKind::Object(items) => {
                if items.is_empty() {
                    return f.write_str("{}");
                }
                f.write_str("{ ")?;
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match &it.key {
                        ObjectKey::Identifier(k) => f.write_str(k)?,
                        ObjectKey::Expr(k) => write!(f, "{k}")?,
                    }
                    write!(f, " = {}", it.value)?;
                }
                f.write_str(" }")
            }
            ExprKind::For(e) => f.write_str(&e.source),
            ExprKind::Opaque(s) => f.write_str(s),
        }
    }
}
