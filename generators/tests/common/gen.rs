//! Proptest strategies for random IR: block trees, attributes with names of varying
//! lengths, nested objects and tuples, templates, heredocs, awkward strings.

use proptest::prelude::*;
use proptest::sample::select;
use tfstack_model::*;

const KEYWORDS: [&str; 6] = ["null", "true", "false", "for", "in", "if"];

const FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyz_";
const REST: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
const REST_DASH: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_-";

fn word(first: &'static [u8], rest: &'static [u8], max: usize) -> impl Strategy<Value = String> {
    (
        select(first),
        proptest::collection::vec(select(rest), 0..=max),
    )
        .prop_map(|(f, r)| {
            let mut s = String::with_capacity(r.len() + 1);
            s.push(f as char);
            s.extend(r.into_iter().map(char::from));
            s
        })
        .prop_filter("keyword", |s| !KEYWORDS.contains(&s.as_str()))
}

/// An identifier usable as a traversal root or function name.
pub fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        word(&FIRST[..26], REST, 3),
        word(&FIRST[..26], REST, 12),
        word(FIRST, REST, 30),
    ]
}

/// An attribute or block name (dashes allowed, lengths vary a lot for alignment).
pub fn name() -> impl Strategy<Value = String> {
    prop_oneof![ident(), word(&FIRST[..26], REST_DASH, 24)]
}

fn awkward_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        3 => select(vec![
            ' ', '$', '{', '}', '%', '"', '\\', '\n', '\t', '~', '/', '*', '#', '=', '<',
        ]),
        2 => select(vec![
            'é', '日', '本', '😀', '\u{301}', '\u{200d}', '\u{a0}', '\u{1}', '\u{7f}', 'ß', 'Ω',
        ]),
    ]
}

/// Arbitrary text: `${`, `%{`, quotes, backslashes, newlines, control chars, unicode.
pub fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(awkward_char(), 0..14).prop_map(|cs| cs.into_iter().collect())
}

/// Text for heredoc bodies: lines of awkward text, usually ending in a newline.
pub fn heredoc_text() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(
            prop_oneof![
                3 => text().prop_map(|t| t.replace(['\u{1}', '\u{7f}'], "")),
                1 => Just("EOT".to_string()),
                1 => Just("  indented".to_string()),
                1 => Just(String::new()),
                1 => Just("   ".to_string()),
            ],
            0..5,
        ),
        prop::bool::weighted(0.85),
    )
        .prop_map(|(lines, newline)| {
            let mut s = lines.join("\n");
            if newline {
                s.push('\n');
            }
            s
        })
}

pub fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => word(&FIRST[..26], REST, 16),
        // terraform fmt drops every label of a block when one holds `$` or `%` (see hcl.rs).
        // Nor is a label that is not in NFC stable (HCL normalizes it).
        1 => text().prop_filter("no stable form", |t| !t.contains(['$', '%', '\u{301}'])),
    ]
}

fn number() -> impl Strategy<Value = Expr> {
    prop_oneof![
        any::<i64>().prop_map(Expr::int),
        (-1000i64..1000).prop_map(Expr::int),
        (-1.0e6f64..1.0e6).prop_map(Expr::float),
        (-100i64..100).prop_map(|i| Expr::float(i as f64)),
        select(vec![1.0e20, 1.0e-7, 0.1, -0.0, 123456.789]).prop_map(Expr::float),
    ]
}

fn traversal() -> impl Strategy<Value = Expr> {
    let op = prop_oneof![
        4 => ident().prop_map(|n| TraversalOperator::Attribute(n.into())),
        1 => (0i64..5).prop_map(|i| TraversalOperator::Index(Box::new(Expr::int(i)))),
        1 => label().prop_map(|k| TraversalOperator::Index(Box::new(Expr::string(k)))),
        1 => (0u64..3).prop_map(TraversalOperator::LegacyIndex),
        1 => Just(TraversalOperator::AttributeSplat),
        1 => Just(TraversalOperator::FullSplat),
    ];
    let one_splat = |ops: &Vec<TraversalOperator>| {
        ops.iter()
            .filter(|o| {
                matches!(
                    o,
                    TraversalOperator::AttributeSplat | TraversalOperator::FullSplat
                )
            })
            .count()
            <= 1
    };
    (
        ident(),
        proptest::collection::vec(op, 0..4).prop_filter("nested splat", one_splat),
    )
        .prop_map(|(root, operators)| {
            Expr::new(ExprKind::Traversal(std::sync::Arc::new(Traversal {
                operators: operators.into(),
                ..Traversal::new(root, &[])
            })))
        })
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        1 => Just(Expr::null()),
        1 => any::<bool>().prop_map(Expr::bool),
        2 => number(),
        4 => text().prop_map(Expr::string),
        3 => traversal(),
        1 => select(vec![
            "[for s in var.list : upper(s)]",
            "{ for k, v in var.map : k => v if v != null }",
            "[\nfor s in var.list : s\n]",
            "var.list[*].id",
        ])
        .prop_map(|s| Expr::new(ExprKind::Opaque(s.to_string().into()))),
    ]
}

fn object_key() -> impl Strategy<Value = ObjectKey> {
    prop_oneof![
        3 => name().prop_map(|n| ObjectKey::Identifier(n.into())),
        2 => text().prop_map(|t| ObjectKey::Expr(Box::new(Expr::string(t)))),
        1 => select(vec!["Content-Type", "é", "e\u{301}", "\u{301}x", "日本語", "a b", "x.y"])
            .prop_map(|t| ObjectKey::Expr(Box::new(Expr::string(t)))),
        1 => traversal().prop_map(|e| ObjectKey::Expr(Box::new(e))),
    ]
}

fn binary_op() -> impl Strategy<Value = BinaryOperator> {
    use BinaryOperator::*;
    select(vec![
        Eq, NotEq, LessEq, GreaterEq, Less, Greater, Plus, Minus, Mul, Div, Mod, And, Or,
    ])
}

/// Random expressions, nested a few levels.
pub fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 40, 5, |inner| {
        let part = prop_oneof![
            3 => text().prop_map(|t| TemplatePart::Literal(t.into())),
            2 => inner.clone().prop_map(TemplatePart::Interpolation),
        ];
        let parts = prop_oneof![
            4 => proptest::collection::vec(part.clone(), 0..5),
            1 => (text(), inner.clone(), text()).prop_map(|(a, c, b)| vec![
                TemplatePart::Literal(a.into()),
                TemplatePart::Directive(format!("%{{ if {} }}", "var.flag").into()),
                TemplatePart::Interpolation(c),
                TemplatePart::Literal(b.into()),
                TemplatePart::Directive("%{ endif }".into()),
            ]),
        ];
        let heredoc_parts = (
            proptest::collection::vec(
                prop_oneof![
                    3 => heredoc_text().prop_map(|t| TemplatePart::Literal(t.into())),
                    1 => inner.clone().prop_map(TemplatePart::Interpolation),
                ],
                0..4,
            ),
            prop::bool::weighted(0.8),
        )
            .prop_map(|(mut ps, close)| {
                if close {
                    ps.push(TemplatePart::Literal("\n".into()));
                }
                ps
            });
        prop_oneof![
            2 => proptest::collection::vec(inner.clone(), 0..6).prop_map(Expr::tuple),
            3 => proptest::collection::vec((object_key(), inner.clone()), 0..6).prop_map(|items| {
                // Keys must be unique (hcl-rs rejects repeats, terraform at evaluation).
                let mut seen = std::collections::HashSet::new();
                Expr::new(ExprKind::Object(
                    items
                        .into_iter()
                        .filter(|(key, _)| key.as_str().is_none_or(|k| seen.insert(k.to_string())))
                        .map(|(key, value)| ObjectItem { key, value, origin: Origin::GENERATED })
                        .collect(),
                ))
            }),
            2 => (
                prop_oneof![ident(), ident().prop_map(|n| format!("provider::aws::{n}"))],
                proptest::collection::vec(inner.clone(), 0..4),
                any::<bool>(),
            )
                .prop_map(|(name, args, expand)| {
                    let expand_final = expand && !args.is_empty();
                    Expr::new(ExprKind::FunctionCall(Box::new(FunctionCall { name: name.into(), args: args.into(), expand_final })))
                }),
            1 => (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, t, f)| Expr::conditional(c, t, f)),
            1 => (inner.clone(), binary_op(), inner.clone())
                .prop_map(|(l, op, r)| Expr::binary(l, op, r)),
            1 => (select(vec![UnaryOperator::Neg, UnaryOperator::Not]), inner.clone())
                .prop_map(|(op, e)| Expr::new(ExprKind::Unary(op, Box::new(e)))),
            1 => inner.clone().prop_map(|e| Expr::new(ExprKind::Parenthesis(Box::new(e)))),
            2 => parts.prop_map(Expr::template),
            2 => (heredoc_parts, prop_oneof![Just("EOT".to_string()), Just("POLICY".to_string()), Just("bad delim".to_string())], any::<bool>())
                .prop_map(|(parts, delimiter, indented)| Expr::new(ExprKind::Template(Box::new(Template {
                    parts: parts.into(),
                    heredoc: Some(Box::new(Heredoc { delimiter, indented })),
                })))),
        ]
    })
}

fn attrs() -> impl Strategy<Value = Vec<(String, Expr)>> {
    proptest::collection::vec((name(), expr()), 0..7)
}

fn block_with(
    children: Vec<Block>,
    kind: String,
    labels: Vec<String>,
    attrs: Vec<(String, Expr)>,
    interleave: usize,
) -> Block {
    let mut b = Block::new(kind, labels);
    let mut children = children.into_iter();
    for (i, (n, e)) in attrs.into_iter().enumerate() {
        if interleave > 0 && i % interleave == interleave - 1 {
            if let Some(c) = children.next() {
                b.body.push_block(c);
            }
        }
        // `set` replaces duplicates: HCL rejects a body with a repeated attribute.
        b.body.set(n, e);
    }
    for c in children {
        b.body.push_block(c);
    }
    b
}

/// A random block tree.
pub fn block() -> impl Strategy<Value = Block> {
    let leaf = (name(), proptest::collection::vec(label(), 0..3), attrs())
        .prop_map(|(k, l, a)| block_with(vec![], k, l, a, 0));
    leaf.prop_recursive(3, 12, 3, |inner| {
        (
            proptest::collection::vec(inner, 0..3),
            name(),
            proptest::collection::vec(label(), 0..3),
            attrs(),
            0usize..3,
        )
            .prop_map(|(children, k, l, a, inter)| block_with(children, k, l, a, inter))
    })
}

fn variable_block() -> impl Strategy<Value = Block> {
    let ty = prop_oneof![
        select(vec!["string", "list", "map", "set", "number"]).prop_map(Expr::string),
        select(vec!["list", "map", "set", "string", "any"]).prop_map(|r| Expr::reference(r, &[])),
        Just(Expr::template(vec![TemplatePart::Interpolation(
            Expr::reference("string", &[])
        )])),
        Just(Expr::call("list", vec![Expr::reference("string", &[])])),
        Just(Expr::call(
            "object",
            vec![Expr::object(vec![("a", Expr::reference("string", &[]))])]
        )),
    ];
    (label(), ty, expr()).prop_map(|(n, t, d)| {
        Block::new("variable", vec![n])
            .attr("type", t)
            .attr("default", d)
            .attr(
                "description",
                Expr::template(vec![TemplatePart::Interpolation(Expr::var("x"))]),
            )
    })
}

/// A random file: a few top-level blocks, sometimes a variable block.
pub fn file() -> impl Strategy<Value = Vec<Block>> {
    (
        proptest::collection::vec(block(), 1..4),
        proptest::option::weighted(0.3, variable_block()),
    )
        .prop_map(|(mut bs, v)| {
            if let Some(v) = v {
                bs.push(v);
            }
            bs
        })
}
