//! `.tf` and `.tfvars` files (HCL native syntax) → IR, with byte spans on every block,
//! attribute and expression. Parsing is hcl-edit's; this module only maps its syntax tree.

use crate::ir::{
    self, Expr, ExprKind, Number, ObjectItem, ObjectKey, Template, TemplatePart, ThinVec,
};
use crate::name::Names;
use crate::origin::{FileId, Origin, Span};
use hcl_edit::expr::{self as hx, Expression};
use hcl_edit::structure as hs;
use hcl_edit::template as ht;
use hcl_edit::Span as _;
use std::collections::hash_map::{Entry, HashMap};
use std::sync::Arc;

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
///
/// A large file is parsed in pieces of about [`PIECE`] bytes cut between top-level blocks,
/// each piece's syntax tree dropped once it is converted: hcl-edit's tree takes about 20
/// times the text, the IR a fraction of that. The pieces give the same IR as the whole
/// (see [`next_cut`]); a file that does not parse is parsed whole, so errors are the
/// whole file's. Each top-level block gets the suppression comments above it, read from
/// the whole text wherever the cuts fall.
pub fn parse_body(text: &str, file: FileId) -> Result<ir::Body, ParseError> {
    let body = parse_in_pieces(text, file, PIECE)?;
    Ok(with_suppression_comments(body, text, 0))
}

/// The size of the pieces a large file is parsed in.
const PIECE: usize = 32 * 1024;

/// [`parse_body`] with pieces of `size` bytes. A piece that does not parse was cut inside
/// a structure (a heredoc holding `}` alone on a line, say) or holds an error: it is
/// tried again twice as long, so that retries cost at most twice the text they cover;
/// one that reaches the end of the file and still fails sends the file to the whole
/// parse for its error.
fn parse_in_pieces(text: &str, file: FileId, size: usize) -> Result<ir::Body, ParseError> {
    let mut out = ir::Body::default();
    let interned = Interned::default();
    let mut start = 0;
    let mut length = size;
    while start < text.len() {
        let end = next_cut(text, start.saturating_add(length)).unwrap_or(text.len());
        if start == 0 && end == text.len() {
            return parse_whole(text, file);
        }
        let Some(piece) = text.get(start..end) else {
            return parse_whole(text, file);
        };
        match parse_piece(piece, start, file, &interned) {
            Ok(body) => {
                out.items.extend(body.items);
                start = end;
                length = size;
            }
            Err(_) if end < text.len() => length = length.saturating_mul(2),
            Err(_) => return parse_whole(text, file),
        }
    }
    Ok(out)
}

/// What a streamed parse reads at a time.
const STREAM_CHUNK: usize = 1024 * 1024;

/// [`parse_body`] of a file read from `source` a piece at a time, never holding its whole
/// text: for a large file, whose text would otherwise be held whole while it is parsed.
/// Each piece is parsed as [`parse_in_pieces`] parses it and handed to `on_piece` (its text,
/// where it starts in the file, its structures) before it is dropped; `on_piece` may refuse
/// it. `None` when the text cannot be read, is not UTF-8, is longer than `limit` bytes, has
/// a line longer than `max_line` bytes (found as it is read, before anything is parsed),
/// does not parse or a piece is refused: the caller reads the file whole, for the error the
/// whole text gives.
pub fn parse_streamed(
    source: &mut dyn std::io::Read,
    file: FileId,
    (limit, max_line): (u64, usize),
    on_piece: &mut dyn FnMut(&str, usize, &ir::Body) -> bool,
) -> Option<ir::Body> {
    parse_streamed_in(
        source,
        file,
        (limit, max_line),
        (PIECE, STREAM_CHUNK),
        on_piece,
    )
}

/// [`parse_streamed`] with pieces of `sizes.0` bytes, read `sizes.1` bytes at a time.
fn parse_streamed_in(
    source: &mut dyn std::io::Read,
    file: FileId,
    (limit, max_line): (u64, usize),
    (piece_size, chunk_size): (usize, usize),
    on_piece: &mut dyn FnMut(&str, usize, &ir::Body) -> bool,
) -> Option<ir::Body> {
    let mut out = ir::Body::default();
    let interned = Interned::default();
    // The text read, from `base` in the file, parsed up to `start`; bytes of a character
    // split by a read wait in `pending`.
    let mut window = String::new();
    let mut start = 0usize;
    let mut pending: Vec<u8> = Vec::new();
    let mut base = 0usize;
    let mut read_total = 0u64;
    let mut at_end = false;
    // The length of the line being read.
    let mut line = 0usize;
    let mut length = piece_size;
    let mut chunk = vec![0u8; chunk_size.max(1)];
    loop {
        // A cut past `length` bytes, reading more until there is one or the text ends.
        let end = loop {
            if let Some(cut) = next_cut(&window, start.saturating_add(length)) {
                break cut;
            }
            if at_end {
                break window.len();
            }
            let n = loop {
                match source.read(&mut chunk) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => return None,
                }
            };
            read_total += n as u64;
            if read_total > limit {
                return None;
            }
            if n == 0 {
                at_end = true;
                if !pending.is_empty() {
                    return None; // ends inside a character
                }
                continue;
            }
            // What is parsed is dropped before more is read: the window holds the piece
            // being cut and at most one read more.
            window.drain(..start);
            base += start;
            start = 0;
            pending.extend_from_slice(chunk.get(..n)?);
            let valid = match std::str::from_utf8(&pending) {
                Ok(text) => text.len(),
                // A character cut by the read: the rest comes with the next one.
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(_) => return None,
            };
            let added = std::str::from_utf8(pending.get(..valid)?).ok()?;
            for (i, segment) in added.split('\n').enumerate() {
                line = if i == 0 {
                    line + segment.len()
                } else {
                    segment.len()
                };
                if line > max_line {
                    return None;
                }
            }
            window.push_str(added);
            pending.drain(..valid);
        };
        if end == start {
            break;
        }
        let piece = window.get(start..end)?;
        match parse_piece(piece, base + start, file, &interned) {
            Ok(body) => {
                let body = with_suppression_comments(body, piece, base + start);
                if !on_piece(piece, base + start, &body) {
                    return None;
                }
                out.items.extend(body.items);
                start = end;
                length = piece_size;
            }
            Err(_) if end < window.len() || !at_end => length = length.saturating_mul(2),
            Err(_) => return None,
        }
    }
    Some(out)
}

/// The first place at or after `from` where a top-level block seems to start: after a
/// line that is `}` alone, when the next line that is not blank begins with a letter or
/// `_`, as `terraform fmt` writes blocks. A cut inside a structure leaves a piece with an
/// unclosed block, string, heredoc or comment, which does not parse; when a piece that
/// starts at top level parses, it ends with complete structures and the next piece starts
/// at top level again, so the pieces together are the whole file's structures.
fn next_cut(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let rest = bytes.get(from..)?;
    let mut at = 0;
    while let Some(i) = find(rest.get(at..)?, b"\n}") {
        let after = from + at + i + 2;
        at += i + 2;
        let cut = match bytes.get(after..after + 2) {
            Some([b'\n', _]) => after + 1,
            Some(b"\r\n") => after + 2,
            _ => continue,
        };
        let next = bytes
            .get(cut..)?
            .iter()
            .find(|b| !matches!(b, b'\n' | b'\r'))?;
        if next.is_ascii_alphabetic() || *next == b'_' {
            return Some(cut);
        }
    }
    None
}

/// The offset of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// [`parse_body`] of the whole text at once.
fn parse_whole(text: &str, file: FileId) -> Result<ir::Body, ParseError> {
    parse_piece(text, 0, file, &Interned::default()).map_err(|e| ParseError::of(&e, file))
}

/// `piece` of a file (at `base` in it) parsed into IR, its names and traversals made once
/// in `interned` with those of the file's other pieces.
fn parse_piece(
    piece: &str,
    base: usize,
    file: FileId,
    interned: &Interned,
) -> Result<ir::Body, hcl_edit::parser::Error> {
    let body = hcl_edit::parser::parse_body(piece)?;
    let loader = Loader {
        file,
        interned,
        text: piece,
        base,
    };
    Ok(loader.body(&body))
}

/// Each top-level block of `body` (parsed from `text`, which is at `base` in its file)
/// with the suppression comments written above it.
fn with_suppression_comments(mut body: ir::Body, text: &str, base: usize) -> ir::Body {
    for item in &mut body.items {
        if let ir::Structure::Block(b) = item {
            if let Some((_, span)) = b.origin.file_span() {
                if let Some(start) = (span.start as usize).checked_sub(base) {
                    b.comments = suppression_comments(text, start).into();
                }
            }
        }
    }
    body
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

impl ParseError {
    /// hcl-edit's error in `file`.
    fn of(e: &hcl_edit::parser::Error, file: FileId) -> Self {
        let loc = e.location();
        ParseError {
            file,
            offset: loc.offset(),
            line: loc.line(),
            column: loc.column(),
            message: parse_message(e),
        }
    }
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
    expr.visit_mut(&mut |e| e.origin = Origin::GENERATED);
    Some(expr)
}

pub fn parse_expression(text: &str, file: FileId) -> Result<Expr, ParseError> {
    let expr = hcl_edit::parser::parse_expr(text).map_err(|e| ParseError::of(&e, file))?;
    Ok(Loader {
        file,
        interned: &Interned::default(),
        text,
        base: 0,
    }
    .expr(&expr))
}

/// The traversals a loader made, so that equal ones are one allocation: in a large
/// module most references (`local.common_tags`, `var.region`, `aws_iam_role.x.arn`) are
/// written many times, and an expression's own place is its [`Expr`]'s origin, not the
/// traversal's. Those with an index expression (which has an origin) are not shared.
#[derive(Default)]
struct Traversals(std::cell::RefCell<HashMap<u64, Arc<ir::Traversal>>>);

impl Traversals {
    fn shared(&self, traversal: ir::Traversal) -> Arc<ir::Traversal> {
        use std::hash::{BuildHasher, Hash, Hasher};
        let mut key = TRAVERSAL_HASH.build_hasher();
        traversal.root.as_str().hash(&mut key);
        for op in &traversal.operators {
            match op {
                ir::TraversalOperator::Attribute(a) => (0u8, a.as_str()).hash(&mut key),
                ir::TraversalOperator::LegacyIndex(i) => (1u8, i).hash(&mut key),
                ir::TraversalOperator::AttributeSplat => 2u8.hash(&mut key),
                ir::TraversalOperator::FullSplat => 3u8.hash(&mut key),
                ir::TraversalOperator::Index(_) => return Arc::new(traversal),
            }
        }
        let mut map = self.0.borrow_mut();
        match map.entry(key.finish()) {
            // A different traversal with the same hash is simply not shared.
            Entry::Occupied(e) if **e.get() == traversal => e.get().clone(),
            Entry::Occupied(_) => Arc::new(traversal),
            Entry::Vacant(e) => e.insert(Arc::new(traversal)).clone(),
        }
    }
}

/// A fixed hasher: which traversals are shared does not change a loaded module, but one
/// seed keeps every run's allocations the same.
const TRAVERSAL_HASH: foldhash::fast::FixedState = foldhash::fast::FixedState::with_seed(0);

/// What a file's loaders made so far, each once.
#[derive(Default)]
struct Interned {
    /// Identifiers, each text once (a module's words are mostly the same few attribute
    /// names and types).
    names: Names,
    /// Traversals: a module refers to the same few variables, locals and resources again
    /// and again.
    traversals: Traversals,
}

struct Loader<'a> {
    file: FileId,
    interned: &'a Interned,
    /// The text parsed (the whole file or a piece of it): spans index into it.
    text: &'a str,
    /// Where `text` starts in the file.
    base: usize,
}

impl Loader<'_> {
    fn origin(&self, span: Option<std::ops::Range<usize>>) -> Origin {
        match span {
            Some(r) => Origin::file(self.file, Span::new(r.start + self.base, r.end + self.base)),
            None => Origin::GENERATED,
        }
    }

    fn body(&self, body: &hs::Body) -> ir::Body {
        let mut out = ir::Body {
            items: ThinVec::with_capacity(body.len()),
        };
        for s in body.iter() {
            match s {
                hs::Structure::Attribute(a) => {
                    out.items.push(ir::Structure::Attribute(ir::Attribute {
                        name: self.interned.names.name(a.key.as_str()),
                        value: self.expr(&a.value),
                        origin: self.origin(a.key.span()),
                    }))
                }
                hs::Structure::Block(b) => out
                    .items
                    .push(ir::Structure::Block(Box::new(self.block(b)))),
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
            kind: self.interned.names.name(b.ident.as_str()),
            labels: b
                .labels
                .iter()
                .map(|l| self.interned.names.name(l.as_str()))
                .collect(),
            body: self.body(&b.body),
            origin,
            comments: ir::Comments::default(),
        }
    }

    fn expr(&self, e: &Expression) -> Expr {
        let origin = self.origin(e.span());
        let kind = match e {
            Expression::Null(_) => ExprKind::Null,
            Expression::Bool(b) => ExprKind::Bool(*b.value()),
            Expression::Number(n) => ExprKind::Number(Box::new(number(n.value()))),
            Expression::String(s) => ExprKind::String(self.interned.names.name(s.value())),
            Expression::Array(a) => ExprKind::Tuple(a.iter().map(|i| self.expr(i)).collect()),
            Expression::Object(o) => ExprKind::Object(
                o.iter()
                    .map(|(k, v)| {
                        let (key, key_origin) = match k {
                            hx::ObjectKey::Ident(i) => (
                                ObjectKey::Identifier(self.interned.names.name(i.as_str())),
                                self.origin(i.span()),
                            ),
                            hx::ObjectKey::Expression(e) => (
                                ObjectKey::Expr(Box::new(self.expr(e))),
                                self.origin(e.span()),
                            ),
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
                ExprKind::Template(Box::new(Template {
                    parts,
                    heredoc: None,
                }))
            }
            Expression::HeredocTemplate(h) => {
                let parts = self.template_parts(h.template.iter());
                ExprKind::Template(Box::new(Template {
                    parts,
                    heredoc: Some(Box::new(ir::Heredoc {
                        delimiter: h.delimiter.as_str().to_string(),
                        indented: h.indent().is_some(),
                    })),
                }))
            }
            Expression::Parenthesis(p) => ExprKind::Parenthesis(Box::new(self.expr(p.inner()))),
            Expression::Variable(v) => ExprKind::Traversal(self.interned.traversals.shared(
                ir::Traversal::new(self.interned.names.name(v.as_str()), &[]),
            )),
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
                ExprKind::FunctionCall(Box::new(ir::FunctionCall {
                    name: self.interned.names.name(&name),
                    args: c.args.iter().map(|a| self.expr(a)).collect(),
                    expand_final: c.args.expand_final(),
                }))
            }
            Expression::Traversal(t) => match self.traversal(t) {
                Some(kind) => kind,
                None => ExprKind::Opaque(self.source(e).into()),
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
            Expression::Variable(v) => self.interned.names.name(v.as_str()),
            _ => return None,
        };
        let operators = t
            .operators
            .iter()
            .map(|op| match op.value() {
                hx::TraversalOperator::GetAttr(a) => {
                    ir::TraversalOperator::Attribute(self.interned.names.name(a.as_str()))
                }
                hx::TraversalOperator::Index(e) => {
                    ir::TraversalOperator::Index(Box::new(self.expr(e)))
                }
                hx::TraversalOperator::LegacyIndex(i) => {
                    ir::TraversalOperator::LegacyIndex(*i.value())
                }
                hx::TraversalOperator::AttrSplat(_) => ir::TraversalOperator::AttributeSplat,
                hx::TraversalOperator::FullSplat(_) => ir::TraversalOperator::FullSplat,
            })
            .collect();
        Some(ExprKind::Traversal(self.interned.traversals.shared(
            ir::Traversal {
                root,
                operators,
                declared_in: ir::DeclaredIn::NONE,
            },
        )))
    }

    fn template_parts<'t>(
        &self,
        elements: impl Iterator<Item = &'t ht::Element>,
    ) -> ThinVec<TemplatePart> {
        let mut parts: ThinVec<TemplatePart> = ThinVec::new();
        // hcl-edit may split literal text; adjacent literals become one part.
        let mut literal = String::new();
        let flush = |literal: &mut String, parts: &mut ThinVec<TemplatePart>| {
            if !literal.is_empty() {
                parts.push(TemplatePart::Literal(self.interned.names.name(literal)));
                literal.clear();
            }
        };
        for el in elements {
            match el {
                ht::Element::Literal(s) => literal.push_str(s.value()),
                ht::Element::Interpolation(i) => {
                    flush(&mut literal, &mut parts);
                    parts.push(TemplatePart::Interpolation(self.expr(&i.expr)))
                }
                ht::Element::Directive(d) => {
                    flush(&mut literal, &mut parts);
                    let text = d.span().and_then(|r| self.text.get(r)).unwrap_or("%{ }");
                    parts.push(TemplatePart::Directive(self.interned.names.name(text)))
                }
            }
        }
        flush(&mut literal, &mut parts);
        // The parts stay for the whole lint of the module: no spare capacity.
        parts.shrink_to_fit();
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
        let Some((_, span)) = block.origin.file_span() else {
            panic!("file origin")
        };
        assert_eq!(
            &text[span.range()],
            r#"resource "aws_lambda_permission" "api""#
        );
    }

    /// Files parsed in small pieces give the IR (origins included) of the whole file, and
    /// the whole file's errors.
    #[test]
    fn pieces_give_the_whole_files_structures() {
        let cases = [
            "resource \"a\" \"b\" {\n  x = 1\n}\n\nresource \"a\" \"c\" {\n  y = \"${var.z}\"\n}\n",
            // A heredoc holding what looks like a block boundary.
            "locals {\n  a = <<EOT\n}\n\nresource \"x\" \"y\" {\nEOT\n}\n\nvariable \"v\" {}\n",
            // A comment holding one.
            "/* start\n}\nresource \"x\" \"y\" {\n*/\nlocals {\n  b = 2\n}\nlocals {\n  c = 3\n}\n",
            // CRLF line ends, blank lines, a comment before a block.
            "locals {\r\n  a = 1\r\n}\r\n\r\nlocals {\r\n  b = [\r\n    1,\r\n  ]\r\n}\r\n# c\r\nlocals {\r\n  c = 1\r\n}\r\n",
            // Not valid: the error is the whole file's.
            "locals {\n  a = 1\n}\nlocals {\n  b = \n}\nlocals {\n  c = 1\n}\n",
        ];
        for text in cases {
            for size in 1..text.len() {
                let whole = parse_whole(text, FileId(0));
                let pieced = parse_in_pieces(text, FileId(0), size);
                assert_eq!(pieced, whole, "size {size}:\n{text}");
                if let (Ok(a), Ok(b)) = (&pieced, &whole) {
                    assert_eq!(format!("{a:?}"), format!("{b:?}"), "origins, size {size}");
                }
            }
        }
        assert_eq!(next_cut(cases[0], 1), Some(29));
        assert_eq!(next_cut(cases[3], 1), Some(22), "after the first block");
        assert_eq!(next_cut(cases[3], 23), None, "not before a comment");
    }

    /// Every `.tf` file of the repository's fixtures and generated output, cut in pieces
    /// of several sizes or read as it is parsed, gives the whole file's IR and origins.
    #[test]
    fn pieces_of_the_repositorys_files_give_the_whole_files() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "tf") {
                    out.push(path);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        walk(&root.join("tests/fixtures"), &mut files);
        walk(&root.join("out"), &mut files);
        assert!(files.len() > 50, "{} files", files.len());
        for path in files {
            let text = std::fs::read_to_string(&path).expect("read");
            let whole = format!("{:?}", parse_whole(&text, FileId(0)));
            for size in [1, 100, 2000] {
                let pieced = format!("{:?}", parse_in_pieces(&text, FileId(0), size));
                assert!(pieced == whole, "{} in pieces of {size}", path.display());
            }
            // Read as it is parsed, in reads that cut characters and pieces: the same
            // structures and comments (origins included) as the whole text, or none when
            // it does not parse.
            let body = format!("{:?}", parse_body(&text, FileId(0)).ok());
            for sizes in [(1, 7), (2000, 512)] {
                let mut next = 0;
                let streamed = parse_streamed_in(
                    &mut text.as_bytes(),
                    FileId(0),
                    (1 << 30, 1 << 20),
                    sizes,
                    &mut |piece, base, _| {
                        let in_order = base == next;
                        next += piece.len();
                        in_order
                    },
                );
                let streamed = format!("{streamed:?}");
                assert!(streamed == body, "{} streamed {sizes:?}", path.display());
            }
        }
    }

    /// A file streamed in small pieces and smaller reads (characters cut between reads)
    /// gives the IR of the whole text, suppression comments included; each piece is seen
    /// once, in order, at its place in the file.
    #[test]
    fn streamed_files_give_the_whole_files_structures() {
        let texts = [
            "# tfstack:ignore[S3001] reason\nresource \"a\" \"b\" {\n  x = \"é${var.y}ü\"\n}\n\nresource \"c\" \"d\" {\n  p = <<EOT\n}\nEOT\n}\n\n// tfstack:ignore[IAM001]\ndata \"e\" \"f\" {\n  z = [1, 2]\n}\n",
            "variable \"v\" {}\n",
            "",
        ];
        for text in texts {
            let whole = parse_body(text, FileId(0)).expect("parses");
            for (piece, chunk) in [(1, 1), (8, 3), (16, 7), (4096, 1), (PIECE, STREAM_CHUNK)] {
                let mut seen = String::new();
                let streamed = parse_streamed_in(
                    &mut text.as_bytes(),
                    FileId(0),
                    (1 << 20, 1 << 20),
                    (piece, chunk),
                    &mut |t, base, _| {
                        assert_eq!(base, seen.len());
                        seen.push_str(t);
                        true
                    },
                );
                assert_eq!(streamed.as_ref(), Some(&whole), "{piece}/{chunk}: {text}");
                assert_eq!(seen, text);
            }
        }
        // What the whole text must decide: not UTF-8, too long, not HCL, a refused piece.
        let stream = |bytes: &[u8], limit| {
            parse_streamed_in(
                &mut &bytes[..],
                FileId(0),
                (limit, 12),
                (8, 3),
                &mut |_, _, _| true,
            )
        };
        assert!(stream(b"a = \"\xff\"\n", 100).is_none());
        assert!(stream(b"a = \"\xc3", 100).is_none());
        assert!(stream(b"a = 1\n", 3).is_none());
        assert!(stream(b"resource \"a\" {\n", 100).is_none());
        // A line longer than the most is refused as it is read: nothing of it is parsed.
        assert!(stream(b"a = 1\nb = \"123456789\"\n", 100).is_none());
        assert!(stream(b"a = 1\nbb = 1234567\n", 100).is_some());
        let refused = parse_streamed_in(
            &mut &b"a = 1\n"[..],
            FileId(0),
            (100, 100),
            (8, 3),
            &mut |_, _, _| false,
        );
        assert!(refused.is_none());
    }

    #[test]
    fn suppression_comments_above_a_block_are_kept() {
        let text = "# Generated\n\n# tfstack:ignore[LOG001] kept\n// other\n//tfstack:ignore[TFS002] too\nresource \"a\" \"b\" {\n}\nresource \"c\" \"d\" {\n  x = 1\n}\n\n# tfstack:ignore[X] not above\n\nresource \"e\" \"f\" {\n}\n# tfstack:ignore[Y] above\nresource \"g\" \"h\" {\n}\n";
        let body = load(text);
        let comments: Vec<&[String]> = body.blocks().map(|b| b.comments.as_slice()).collect();
        let above = |c: &[&str]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(
            comments,
            [
                &above(&["tfstack:ignore[LOG001] kept", "tfstack:ignore[TFS002] too"])[..],
                &[],
                &[],
                &above(&["tfstack:ignore[Y] above"])[..],
            ]
        );
        // The same comments when the file is parsed in pieces: the one cut is before `c`
        // (never before a comment), so `g` and the comment above it are in the second
        // piece, found at their place in the whole text.
        let cut = next_cut(text, 1).expect("a cut");
        assert!(text[cut..].starts_with("resource \"c\""));
        for size in 1..text.len() {
            let pieced = parse_in_pieces(text, FileId(0), size).expect("parses");
            assert_eq!(
                with_suppression_comments(pieced, text, 0),
                body,
                "size {size}"
            );
        }
    }

    #[test]
    fn parse_error_has_line_and_column() {
        let err = parse_body("resource \"a\" \"b\" {\n  x = \n}\n", FileId(3)).unwrap_err();
        assert_eq!(err.file, FileId(3));
        assert_eq!(err.line, 2);
        assert!(!err.message.is_empty());
    }
}
