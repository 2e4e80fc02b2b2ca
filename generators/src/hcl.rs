//! IR → Terraform HCL text, byte-identical to what `terraform fmt` leaves unchanged.
//!
//! # Design: a direct printer over the IR, not hcl-rs
//!
//! The printer writes text straight from the IR and then runs the layout half of
//! `terraform fmt` over it ([`crate::tffmt`]: re-indentation by bracket nesting and the
//! alignment of `=` and trailing comments). hcl-rs (`hcl::format`, 0.20) was evaluated and
//! not used, because it cannot produce the required output:
//!
//! - its `Formatter` lays out arrays and objects globally (all compact or all expanded), and
//!   everything inside a function call or a conditional is forced compact, so
//!   `jsonencode({ … })` can only be one long line and a short list of strings can't stay on
//!   one line while a list of objects expands;
//! - it has no raw expression, so `ExprKind::Opaque` (`for` expressions, …) could only be
//!   smuggled through an unchecked identifier, and it prints object `for` as `{for …}` where
//!   `terraform fmt` wants `{ for … }`;
//! - its `Object` is a map (duplicate keys collapse), its `Number` loses the IR's `2.0`, and
//!   its string escaping differs from `display::escape_hcl_string`;
//! - it knows nothing of the rewrites `terraform fmt` does beyond hclwrite's layout (below),
//!   which a printer must apply itself anyway, and it does not align `=`.
//!
//! # `terraform fmt` behaviours the output follows
//!
//! Checked against terraform 1.11 (`terraform fmt -check`):
//! - `=` alignment and indentation as described in [`crate::tffmt`]; widths count grapheme
//!   clusters, not chars.
//! - A body attribute whose whole value is `"${expr}"` is unwrapped to `expr` (repeatedly:
//!   `"${"${a}"}"` prints `a`); nested object values are left alone. The printer unwraps.
//! - In a top-level `variable` block, `type = "string"` becomes `string`, `"list"` /
//!   `"map"` become `list(string)` / `map(string)`, bare `list` / `map` / `set` become
//!   `list(any)` …; no unwrapping happens there. The printer does the same.
//! - Block labels are re-escaped by hclwrite (`"\u00e9"` becomes `"é"`; characters Go's
//!   `unicode.IsPrint` rejects become `\uXXXX` in lower-case hex). Labels are printed that
//!   way. A label containing `$` or `%` makes `terraform fmt` drop every label of the block
//!   (the scanner splits the literal there and hclwrite gives up); such labels have no
//!   stable form.
//! - Spacing quirks of `formatSpaces`: a minus right after `${` gets a space (`"x${- 1}"`),
//!   an object right inside `${ … }` gets spaces (`"${ { a = 1 } }"`), and an index after an
//!   attribute splat is separated (`x.* [0]`). The printer writes those forms.
//! - A binary `-` right after an attribute splat loses its following space (`a.* -b`):
//!   `formatSpaces` guesses a minus after `*` is a negation.
//! - HCL normalizes quoted text to NFC, so a label not in NFC (a combining accent after its
//!   letter) is rewritten by `terraform fmt`; labels are printed as given, so give them in
//!   NFC. String values are unaffected (fmt keeps their source text).
//! - Template directives are respaced: `%{ if x ~}` becomes `%{if x~}`. The printer writes
//!   `Directive` text that way.
//! - Inside a quoted string, HCL's scanner ends a literal token after `$` and `%`, which
//!   shows in alignment widths (`"$́"` is 4 columns).
//! - Empty blocks stay `name {}`; numbers keep their text (`2.0`, `1e3`); trailing commas in
//!   multi-line tuples and argument lists are kept; heredoc bodies are never touched.
//!
//! # Layout chosen
//!
//! - Top-level blocks are separated by one blank line. Inside a body, consecutive attributes
//!   have no blank line between them; a nested block is separated by one blank line from
//!   whatever comes before or after it.
//! - Non-empty objects are multi-line, one `key = value` per line (aligned by the fmt pass);
//!   inside a single-line context (a conditional, an operator, an index, an interpolation,
//!   an object key) they print as `{ a = 1, b = 2 }`.
//! - A tuple is single-line when all its items are scalar-like (no non-empty object or
//!   tuple, no multi-line call) and it fits in [`INLINE_TUPLE_WIDTH`] characters; otherwise
//!   one item per line, each followed by a comma.
//! - A call whose arguments are all single-line is single-line. When only the last argument
//!   is multi-line it hugs the parentheses (`jsonencode({` … `})`); otherwise one argument
//!   per line with trailing commas (`...` replaces the last comma for an expanded argument).
//! - A heredoc template prints as a heredoc where one fits — an attribute value, an object
//!   value, or the last argument of a call (the `)` then goes on its own line) — and where
//!   its text can be carried exactly: it is not empty, ends in a newline and has no control
//!   characters but tab. `<<-` bodies are indented one level deeper than the opening line
//!   (whitespace-only lines are left as they are, as HCL ignores them when stripping); when
//!   the text itself
//!   is indented throughout, `<<` is used instead so the value is unchanged. A delimiter that
//!   begins a line of the body is replaced (`EOT`, `EOF`, `END`, `EOT1`, …): HCL only
//!   closes on a line that is exactly the delimiter, but hcl-edit and hcl-rs close on a
//!   line that starts with it. Anywhere
//!   else, or when the text can't be carried, the template prints as a quoted string.
//! - Literal text in templates is escaped with `display::escape_hcl_string` (`${` → `$${`,
//!   `%{` → `%%{`); adjacent literal parts are escaped together, and a run of `$` right
//!   before an interpolation (of `$`/`%` before a directive) is written as `${"$"}`, since
//!   `$${` would read as an escape.
//! - Binary and unary operands and conditions get parentheses where precedence needs them
//!   (`a * (b + c)`), so the text always parses back to the same tree.
//! - Non-finite floats have no HCL literal and print as `null`. `Opaque` text is printed
//!   verbatim (the fmt pass re-indents its continuation lines); in a single-line context
//!   its line breaks are joined (`[\n  for …\n]` becomes `[for …]`).
//! - A legacy index `.0` is written `[0]` where `.0` would not lex back (after another
//!   legacy index, or before an attribute starting with `e`).

use crate::tffmt::indent_and_align_like_terraform_fmt;
use std::borrow::Cow;
use std::fmt::Write as _;
use tfstack_model::display::escape_hcl_string;
use tfstack_model::{
    is_identifier, BinaryOperator, Block, Body, Expr, ExprKind, FunctionCall, Heredoc, Number,
    ObjectItem, ObjectKey, Structure, Template, TemplatePart, Traversal, TraversalOperator,
};

pub use crate::tffmt::align_like_terraform_fmt;

/// The widest single-line tuple (the items and their `, ` separators, without brackets).
pub const INLINE_TUPLE_WIDTH: usize = 78;

/// A whole `.tf` file body: top-level blocks separated by one blank line, ending in a single
/// newline (an empty slice gives an empty string).
pub fn render_blocks(blocks: &[Block]) -> String {
    let mut p = Printer::new();
    p.blocks(blocks);
    indent_and_align_like_terraform_fmt(&p.out)
}

/// [`render_blocks`] preceded by a comment header (one `# line` per line of `header`, `#`
/// alone for an empty line) and a blank line. An empty header adds nothing.
pub fn render_file(header: &str, blocks: &[Block]) -> String {
    let mut p = Printer::new();
    if !header.is_empty() {
        for line in header.lines() {
            let line = line.trim_end();
            if line.is_empty() {
                p.out.push_str("#\n");
            } else {
                p.out.push_str("# ");
                p.out.push_str(line);
                p.out.push('\n');
            }
        }
        if !blocks.is_empty() {
            p.out.push('\n');
        }
    }
    p.blocks(blocks);
    indent_and_align_like_terraform_fmt(&p.out)
}

/// A standalone expression, laid out as it would be as an attribute value (multi-line
/// objects, heredocs, …), without a trailing newline. No `"${x}"` unwrapping is applied.
pub fn render_expr(expr: &Expr) -> String {
    let mut p = Printer::new();
    p.expr(expr, 0, Mode::Block { heredoc: true });
    indent_and_align_like_terraform_fmt(&p.out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Must stay on one line.
    Inline,
    /// May span lines; `heredoc`: this expression itself may print as a heredoc.
    Block { heredoc: bool },
}

struct Printer {
    out: String,
    /// Reused buffer for measuring single-line tuples.
    scratch: String,
}

impl Printer {
    fn new() -> Self {
        Printer {
            out: String::with_capacity(4096),
            scratch: String::new(),
        }
    }

    fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.out.push_str("  ");
        }
    }

    // ---- structure ----

    fn blocks(&mut self, blocks: &[Block]) {
        for (i, b) in blocks.iter().enumerate() {
            if i > 0 {
                self.out.push('\n');
            }
            self.block(b, 0);
        }
    }

    fn block(&mut self, b: &Block, level: usize) {
        for comment in &b.comments {
            self.indent(level);
            self.out.push_str("# ");
            // One line each: a line break would end the comment.
            self.out.push_str(&comment.replace(['\r', '\n'], " "));
            self.out.push('\n');
        }
        self.indent(level);
        self.out.push_str(&b.kind);
        for l in &b.labels {
            self.out.push_str(" \"");
            escape_label(l, &mut self.out);
            self.out.push('"');
        }
        if b.body.items.is_empty() {
            self.out.push_str(" {}\n");
            return;
        }
        self.out.push_str(" {\n");
        self.body(&b.body, level + 1, level == 0 && b.kind == "variable");
        self.indent(level);
        self.out.push_str("}\n");
    }

    fn body(&mut self, body: &Body, level: usize, in_variable: bool) {
        let mut prev_attr = None;
        for item in &body.items {
            let is_attr = matches!(item, Structure::Attribute(_));
            if let Some(prev) = prev_attr {
                if !(prev && is_attr) {
                    self.out.push('\n');
                }
            }
            prev_attr = Some(is_attr);
            match item {
                Structure::Attribute(a) => {
                    self.indent(level);
                    self.out.push_str(&a.name);
                    self.out.push_str(" = ");
                    if in_variable && a.name == "type" {
                        match normalized_type(&a.value) {
                            Some(t) => self.out.push_str(t),
                            None => self.expr(&a.value, level, Mode::Block { heredoc: true }),
                        }
                    } else {
                        self.attribute_value(&a.value, level);
                    }
                    self.out.push('\n');
                }
                Structure::Block(b) => self.block(b, level),
            }
        }
    }

    /// An attribute value, with `terraform fmt`'s unwrapping of `"${expr}"`.
    fn attribute_value(&mut self, e: &Expr, level: usize) {
        let mut inner = e;
        while let Some(x) = single_interpolation(inner) {
            inner = x;
        }
        if std::ptr::eq(inner, e) {
            return self.expr(e, level, Mode::Block { heredoc: true });
        }
        let start = self.out.len();
        self.expr(inner, level, Mode::Inline);
        let text = &self.out[start..];
        // fmt parenthesizes an unwrapped expression that spans lines.
        if text.contains('\n') && !(text.starts_with('(') && text.ends_with(')')) {
            self.out.insert(start, '(');
            self.out.push(')');
        }
    }

    // ---- expressions ----

    fn expr(&mut self, e: &Expr, level: usize, mode: Mode) {
        match &e.kind {
            ExprKind::Null => self.out.push_str("null"),
            ExprKind::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            ExprKind::Number(n) => self.number(**n),
            ExprKind::String(s) => self.quoted(s),
            ExprKind::Template(t) => self.template(t, level, mode),
            ExprKind::Traversal(t) => self.traversal(t),
            ExprKind::FunctionCall(c) => self.call(c, level, mode),
            ExprKind::Conditional(c) => {
                self.operand(
                    &c.condition,
                    matches!(c.condition.kind, ExprKind::Conditional(_)),
                );
                self.out.push_str(" ? ");
                self.expr(&c.true_expr, level, Mode::Inline);
                self.out.push_str(" : ");
                self.expr(&c.false_expr, level, Mode::Inline);
            }
            ExprKind::Unary(op, x) => {
                self.out.push_str(op.as_str());
                let paren = matches!(x.kind, ExprKind::Binary(_) | ExprKind::Conditional(_));
                self.operand(x, paren);
            }
            ExprKind::Binary(b) => {
                let p = precedence(b.operator);
                let lhs_paren = match &b.lhs.kind {
                    ExprKind::Binary(l) => precedence(l.operator) < p,
                    ExprKind::Conditional(_) => true,
                    _ => false,
                };
                let rhs_paren = match &b.rhs.kind {
                    ExprKind::Binary(r) => precedence(r.operator) <= p,
                    ExprKind::Conditional(_) => true,
                    _ => false,
                };
                self.operand(&b.lhs, lhs_paren);
                // formatSpaces takes a `-` after `*` (here the end of a `.*` splat) for a
                // negation and glues it to its operand: `a.* -b`.
                let glued = b.operator == BinaryOperator::Minus && self.out.ends_with('*');
                self.out.push(' ');
                self.out.push_str(b.operator.as_str());
                if !glued {
                    self.out.push(' ');
                }
                self.operand(&b.rhs, rhs_paren);
            }
            ExprKind::Parenthesis(x) => {
                self.out.push('(');
                self.expr(x, level, Mode::Inline);
                self.out.push(')');
            }
            ExprKind::Tuple(items) => self.tuple(items, level, mode),
            ExprKind::Object(items) => self.object(items, level, mode),
            ExprKind::Opaque(s) => self.source_text(s, mode),
            ExprKind::For(f) => self.source_text(&f.source, mode),
        }
    }

    /// Source text kept as written (`for` expressions, opaque expressions): joined onto
    /// one line where the context is single-line.
    fn source_text(&mut self, s: &str, mode: Mode) {
        if mode == Mode::Inline && s.contains('\n') && !s.contains("<<") {
            push_on_one_line(s, &mut self.out)
        } else {
            self.out.push_str(s)
        }
    }

    fn operand(&mut self, e: &Expr, paren: bool) {
        if paren {
            self.out.push('(');
        }
        self.expr(e, 0, Mode::Inline);
        if paren {
            self.out.push(')');
        }
    }

    fn number(&mut self, n: Number) {
        match n {
            Number::Float(f) if !f.is_finite() => self.out.push_str("null"),
            n => {
                let _ = write!(self.out, "{n}");
            }
        }
    }

    fn quoted(&mut self, s: &str) {
        self.out.push('"');
        push_escaped(s, &mut self.out);
        self.out.push('"');
    }

    fn traversal(&mut self, t: &Traversal) {
        self.out.push_str(&t.root);
        let mut after_attr_splat = false;
        let mut after_legacy = false;
        for (k, op) in t.operators.iter().enumerate() {
            match op {
                TraversalOperator::Attribute(a) => {
                    self.out.push('.');
                    self.out.push_str(a);
                }
                TraversalOperator::Index(e) => {
                    if after_attr_splat {
                        self.out.push(' ');
                    }
                    self.out.push('[');
                    self.expr(e, 0, Mode::Inline);
                    self.out.push(']');
                }
                TraversalOperator::LegacyIndex(i) => {
                    // `.0.1` and `.0.e5` would lex as one number: use `[1]` / `[0]` there.
                    let next_is_exponent = matches!(
                        t.operators.get(k + 1),
                        Some(TraversalOperator::Attribute(a)) if a.starts_with(['e', 'E'])
                    );
                    if after_legacy || next_is_exponent {
                        if after_attr_splat {
                            self.out.push(' ');
                        }
                        let _ = write!(self.out, "[{i}]");
                        after_legacy = false;
                    } else {
                        let _ = write!(self.out, ".{i}");
                        after_legacy = true;
                    }
                    after_attr_splat = false;
                    continue;
                }
                TraversalOperator::AttributeSplat => self.out.push_str(".*"),
                TraversalOperator::FullSplat => {
                    if after_attr_splat {
                        self.out.push(' ');
                    }
                    self.out.push_str("[*]");
                }
            }
            after_attr_splat = matches!(op, TraversalOperator::AttributeSplat);
            after_legacy = false;
        }
    }

    fn call(&mut self, c: &FunctionCall, level: usize, mode: Mode) {
        self.out.push_str(&c.name);
        self.out.push('(');
        let n = c.args.len();
        let layout = if mode == Mode::Inline {
            CallLayout::Inline
        } else {
            self.call_layout(c)
        };
        match layout {
            CallLayout::Inline => {
                for (i, a) in c.args.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(a, level, Mode::Inline);
                }
                if c.expand_final {
                    self.out.push_str("...");
                }
            }
            CallLayout::Hug { heredoc } => {
                for a in &c.args[..n - 1] {
                    self.expr(a, level, Mode::Inline);
                    self.out.push_str(", ");
                }
                self.expr(&c.args[n - 1], level, Mode::Block { heredoc });
                if heredoc {
                    self.out.push('\n');
                    self.indent(level);
                }
                if c.expand_final {
                    self.out.push_str("...");
                }
            }
            CallLayout::PerLine => {
                self.out.push('\n');
                for (i, a) in c.args.iter().enumerate() {
                    self.indent(level + 1);
                    self.expr(a, level + 1, Mode::Block { heredoc: false });
                    if i + 1 == n && c.expand_final {
                        self.out.push_str("...");
                    } else {
                        self.out.push(',');
                    }
                    self.out.push('\n');
                }
                self.indent(level);
            }
        }
        self.out.push(')');
    }

    fn call_layout(&mut self, c: &FunctionCall) -> CallLayout {
        let Some((last, rest)) = c.args.split_last() else {
            return CallLayout::Inline;
        };
        let mut rest_multi = false;
        for a in rest {
            if self.is_multiline(a) {
                rest_multi = true;
                break;
            }
        }
        if rest_multi {
            return CallLayout::PerLine;
        }
        if self.is_multiline(last) {
            return CallLayout::Hug { heredoc: false };
        }
        if !c.expand_final && heredoc_layout(last).is_some() {
            return CallLayout::Hug { heredoc: true };
        }
        CallLayout::Inline
    }

    /// Whether `e` spans lines when printed in a multi-line context that does not allow the
    /// expression itself to be a heredoc.
    fn is_multiline(&mut self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Object(items) => !items.is_empty(),
            ExprKind::Tuple(items) => !self.tuple_is_inline(items),
            ExprKind::FunctionCall(c) => self.call_layout(c) != CallLayout::Inline,
            ExprKind::Opaque(s) => s.contains('\n'),
            ExprKind::For(f) => f.source.contains('\n'),
            _ => false,
        }
    }

    fn tuple_is_inline(&mut self, items: &[Expr]) -> bool {
        for item in items {
            let simple = match &item.kind {
                ExprKind::Object(o) => o.is_empty(),
                ExprKind::Tuple(t) => t.is_empty(),
                _ => !self.is_multiline(item),
            };
            if !simple {
                return false;
            }
        }
        let saved = std::mem::replace(&mut self.out, std::mem::take(&mut self.scratch));
        self.out.clear();
        let mut fits = true;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.expr(item, 0, Mode::Inline);
            if self.out.len() > INLINE_TUPLE_WIDTH && self.out.chars().count() > INLINE_TUPLE_WIDTH
            {
                fits = false;
                break;
            }
        }
        self.scratch = std::mem::replace(&mut self.out, saved);
        fits
    }

    fn tuple(&mut self, items: &[Expr], level: usize, mode: Mode) {
        if mode == Mode::Inline || self.tuple_is_inline(items) {
            self.out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.expr(item, level, Mode::Inline);
            }
            self.out.push(']');
            return;
        }
        self.out.push_str("[\n");
        for item in items {
            self.indent(level + 1);
            self.expr(item, level + 1, Mode::Block { heredoc: false });
            self.out.push_str(",\n");
        }
        self.indent(level);
        self.out.push(']');
    }

    fn object(&mut self, items: &[ObjectItem], level: usize, mode: Mode) {
        if items.is_empty() {
            self.out.push_str("{}");
            return;
        }
        if mode == Mode::Inline {
            self.out.push_str("{ ");
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.object_key(&it.key);
                self.out.push_str(" = ");
                self.expr(&it.value, level, Mode::Inline);
            }
            self.out.push_str(" }");
            return;
        }
        self.out.push_str("{\n");
        for it in items {
            self.indent(level + 1);
            self.object_key(&it.key);
            self.out.push_str(" = ");
            self.expr(&it.value, level + 1, Mode::Block { heredoc: true });
            self.out.push('\n');
        }
        self.indent(level);
        self.out.push('}');
    }

    fn object_key(&mut self, key: &ObjectKey) {
        match key {
            ObjectKey::Identifier(s) if is_identifier(s) => self.out.push_str(s),
            ObjectKey::Identifier(s) => self.quoted(s),
            ObjectKey::Expr(e) => match &e.kind {
                ExprKind::String(s) => self.quoted(s),
                ExprKind::Template(_) | ExprKind::Parenthesis(_) => self.expr(e, 0, Mode::Inline),
                // Anything else would be read as a literal name or be ambiguous: force
                // evaluation the way HCL asks for it.
                _ => self.operand(e, true),
            },
        }
    }

    // ---- templates ----

    fn template(&mut self, t: &Template, level: usize, mode: Mode) {
        if mode == (Mode::Block { heredoc: true }) {
            if let Some(h) = &t.heredoc {
                if let Some(plan) = heredoc_layout_of(t, h) {
                    return self.heredoc(t, plan, level);
                }
            }
        }
        self.out.push('"');
        self.template_parts(&t.parts, false);
        self.out.push('"');
    }

    /// Writes template parts; `heredoc`: literal text is escaped for a heredoc body (only
    /// the template introducers), else for a quoted string.
    fn template_parts(&mut self, parts: &[TemplatePart], heredoc: bool) {
        let mut i = 0;
        while i < parts.len() {
            match &parts[i] {
                TemplatePart::Literal(first) => {
                    let mut j = i + 1;
                    while j < parts.len() && matches!(parts[j], TemplatePart::Literal(_)) {
                        j += 1;
                    }
                    let text: Cow<str> = if j == i + 1 {
                        Cow::Borrowed(first)
                    } else {
                        let mut s = String::new();
                        for p in &parts[i..j] {
                            if let TemplatePart::Literal(l) = p {
                                s.push_str(l);
                            }
                        }
                        Cow::Owned(s)
                    };
                    // A `$` (`%`) right before `${` (`%{`) would read as the escape `$${`
                    // (`%%{`): such a tail goes into `${"…"}`, itself an interpolation, so
                    // before a directive a tail of `$` and `%` mixed is moved.
                    let guard: &[char] = match parts.get(j) {
                        Some(TemplatePart::Interpolation(_)) => &['$'],
                        Some(TemplatePart::Directive(_)) => &['$', '%'],
                        _ => &[],
                    };
                    let (body, tail) = text.split_at(text.trim_end_matches(guard).len());
                    if heredoc {
                        escape_heredoc(body, &mut self.out);
                    } else {
                        push_escaped(body, &mut self.out);
                    }
                    if !tail.is_empty() {
                        self.out.push_str("${\"");
                        self.out.push_str(tail);
                        self.out.push_str("\"}");
                    }
                    i = j;
                }
                TemplatePart::Interpolation(x) => {
                    self.interpolation(x);
                    i += 1;
                }
                TemplatePart::Directive(d) => {
                    push_directive(d, &mut self.out);
                    i += 1;
                }
            }
        }
    }

    fn interpolation(&mut self, x: &Expr) {
        self.out.push_str("${");
        let start = self.out.len();
        self.expr(x, 0, Mode::Inline);
        // formatSpaces: `${- 1}`, `${ { a = 1 } }`.
        match self.out.as_bytes().get(start) {
            Some(b'-') => self.out.insert(start + 1, ' '),
            Some(b'{') => self.out.insert(start, ' '),
            _ => {}
        }
        if self.out.len() > start && self.out.ends_with('}') {
            self.out.push(' ');
        }
        self.out.push('}');
    }

    fn heredoc(&mut self, t: &Template, plan: HeredocLayout, level: usize) {
        // The body was already rendered once to plan the layout; render it again here
        // (heredocs are rare and small).
        let body = self.heredoc_body(t);
        self.out.push_str("<<");
        if plan.indented {
            self.out.push('-');
        }
        self.out.push_str(&plan.delimiter);
        self.out.push('\n');
        for line in body.split_inclusive('\n') {
            if plan.indented
                && !line
                    .trim_start_matches([' ', '\t'])
                    .trim_end_matches('\n')
                    .is_empty()
            {
                self.indent(level + 1);
            }
            self.out.push_str(line);
        }
        if plan.indented {
            self.indent(level);
        }
        self.out.push_str(&plan.delimiter);
    }

    fn heredoc_body(&mut self, t: &Template) -> String {
        let saved = std::mem::take(&mut self.out);
        self.template_parts(&t.parts, true);
        std::mem::replace(&mut self.out, saved)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CallLayout {
    Inline,
    /// The last argument is multi-line (or a heredoc) and hugs the parentheses.
    Hug {
        heredoc: bool,
    },
    /// One argument per line.
    PerLine,
}

struct HeredocLayout {
    delimiter: String,
    indented: bool,
}

/// The heredoc form of a template expression, when `e` is one and can be carried exactly.
fn heredoc_layout(e: &Expr) -> Option<HeredocLayout> {
    match &e.kind {
        ExprKind::Template(t) => heredoc_layout_of(t, t.heredoc.as_ref()?),
        _ => None,
    }
}

fn heredoc_layout_of(t: &Template, h: &Heredoc) -> Option<HeredocLayout> {
    // The value of a heredoc ends with the newline before its closing line.
    let mut ends_in_newline = true;
    for p in &t.parts {
        match p {
            TemplatePart::Literal(s) => {
                if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                    return None;
                }
                if !s.is_empty() {
                    ends_in_newline = s.ends_with('\n');
                }
            }
            TemplatePart::Interpolation(_) | TemplatePart::Directive(_) => ends_in_newline = false,
        }
    }
    // An empty heredoc is just `""` (which hcl-rs, unlike terraform, also requires).
    if !ends_in_newline
        || t.parts
            .iter()
            .all(|p| matches!(p, TemplatePart::Literal(s) if s.is_empty()))
    {
        return None;
    }
    let mut p = Printer::new();
    let body = p.heredoc_body(t);
    let mut candidates = [h.delimiter.as_str(), "EOT", "EOF", "END"]
        .into_iter()
        .map(Cow::Borrowed)
        .chain((1..).map(|i| Cow::Owned(format!("EOT{i}"))));
    let delimiter = loop {
        let d = candidates.next()?;
        let valid = is_identifier(&d)
            && d.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        // HCL ends the heredoc at a line that trims to the delimiter; hcl-edit (our loader)
        // and hcl-rs already at a line that starts with it.
        if valid && !body.lines().any(|l| l.trim_start().starts_with(d.as_ref())) {
            break d.into_owned();
        }
    };
    // `<<-` strips the smallest indentation of the non-blank lines: only when that is zero
    // in the text itself does indenting the body keep the value.
    let non_blank = |l: &&str| !l.trim_start_matches([' ', '\t']).is_empty();
    let indented = h.indented
        && (body
            .lines()
            .filter(non_blank)
            .any(|l| !l.starts_with([' ', '\t']))
            || !body.lines().any(|l| non_blank(&l)));
    Some(HeredocLayout {
        delimiter,
        indented,
    })
}

/// Quoted-string text escaped with `display::escape_hcl_string` (plain text is copied as is).
fn push_escaped(s: &str, out: &mut String) {
    if s.bytes()
        .any(|b| matches!(b, b'"' | b'\\' | b'$' | b'%') || b < 0x20)
    {
        let _ = escape_hcl_string(s, out);
    } else {
        out.push_str(s);
    }
}

/// A template directive (`%{ if x }`, kept as source text) spaced the way `terraform fmt`
/// spaces it: `%{if x}`, `%{~endfor}`.
fn push_directive(d: &str, out: &mut String) {
    let Some(inner) = d.strip_prefix("%{").and_then(|r| r.strip_suffix('}')) else {
        out.push_str(d);
        return;
    };
    out.push_str("%{");
    let (open_strip, inner) = match inner.strip_prefix('~') {
        Some(r) => (true, r),
        None => (false, inner),
    };
    let inner = inner.trim();
    let (inner, close_strip) = match inner.strip_suffix('~') {
        Some(r) => (r.trim_end(), true),
        None => (inner, false),
    };
    if open_strip {
        out.push('~');
    }
    out.push_str(inner);
    if close_strip {
        out.push('~');
    }
    out.push('}');
}

/// Opaque source text that spans lines, joined onto one line for a single-line context:
/// each line break (with the indentation around it) becomes one space, or nothing next to
/// a bracket.
fn push_on_one_line(s: &str, out: &mut String) {
    let mut lines = s.split('\n').map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else { return };
    out.push_str(first);
    for line in lines {
        let after_open = out.ends_with(['(', '[', '{']);
        let before_close = line.starts_with([')', ']', '}']);
        let braces = out.ends_with('{') || line.starts_with('}');
        if braces || !(after_open || before_close) {
            out.push(' ');
        }
        out.push_str(line);
    }
}

/// Escapes heredoc literal text: only the template introducers.
fn escape_heredoc(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(p) = rest.find('{') {
        let (before, after) = rest.split_at(p);
        out.push_str(before);
        if let Some(c @ ('$' | '%')) = before.chars().last() {
            out.push(c);
        }
        out.push('{');
        rest = &after[1..];
    }
    out.push_str(rest);
}

/// The expression `"${x}"` stands for, when the template is exactly one interpolation.
fn single_interpolation(e: &Expr) -> Option<&Expr> {
    let ExprKind::Template(t) = &e.kind else {
        return None;
    };
    let mut found = None;
    for p in &t.parts {
        match p {
            TemplatePart::Literal(s) if s.is_empty() => {}
            TemplatePart::Interpolation(x) if found.is_none() => found = Some(x),
            _ => return None,
        }
    }
    found
}

/// `terraform fmt`'s rewrite of a top-level variable's `type`.
fn normalized_type(e: &Expr) -> Option<&'static str> {
    match &e.kind {
        ExprKind::Traversal(t) if t.operators.is_empty() => match t.root.as_str() {
            "list" => Some("list(any)"),
            "map" => Some("map(any)"),
            "set" => Some("set(any)"),
            _ => None,
        },
        _ => {
            let text = quoted_literal(e)?;
            match text.as_ref() {
                "string" => Some("string"),
                "list" => Some("list(string)"),
                "map" => Some("map(string)"),
                _ => None,
            }
        }
    }
}

/// The text of an expression that prints as a quoted string without interpolations.
fn quoted_literal(e: &Expr) -> Option<Cow<'_, str>> {
    match &e.kind {
        ExprKind::String(s) => Some(Cow::Borrowed(s)),
        ExprKind::Template(t) => {
            if let Some(h) = &t.heredoc {
                if heredoc_layout_of(t, h).is_some() {
                    return None;
                }
            }
            let mut s = String::new();
            for p in &t.parts {
                match p {
                    TemplatePart::Literal(l) => s.push_str(l),
                    _ => return None,
                }
            }
            Some(Cow::Owned(s))
        }
        _ => None,
    }
}

fn precedence(op: BinaryOperator) -> u8 {
    use BinaryOperator::*;
    match op {
        Or => 1,
        And => 2,
        Eq | NotEq => 3,
        Less | LessEq | Greater | GreaterEq => 4,
        Plus | Minus => 5,
        Mul | Div | Mod => 6,
    }
}

/// Escapes a block label the way hclwrite re-escapes labels (`escapeQuotedStringLit`).
fn escape_label(s: &str, out: &mut String) {
    for (i, c) in s.char_indices() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if s[i + 1..].starts_with('{') {
                    out.push(c);
                }
            }
            c if !go_is_print(c) => {
                let u = c as u32;
                let _ = if u < 0x10000 {
                    write!(out, "\\u{u:04x}")
                } else {
                    write!(out, "\\U{u:08x}")
                };
            }
            c => out.push(c),
        }
    }
}

/// An approximation of Go's `unicode.IsPrint` (letters, marks, numbers, punctuation,
/// symbols and U+0020): rejects controls, other spaces, format characters, private use and
/// noncharacters. Unassigned code points are treated as printable.
fn go_is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let format = matches!(
        u,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    );
    let private = matches!(u, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF);
    let nonchar = matches!(u, 0xFDD0..=0xFDEF) || (u & 0xFFFE) == 0xFFFE;
    !(format || private || nonchar)
}
