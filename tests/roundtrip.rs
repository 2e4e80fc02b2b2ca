//! The HCL generator and the HCL loader are inverses: generate → load gives back the same
//! IR (origins aside), for every stack and for random IR.

mod common;

use proptest::prelude::*;
use tfstack_model::ir::*;
use tfstack_model::load::hcl::parse_body;
use tfstack_model::FileId;

fn roundtrip(blocks: &[Block]) -> Vec<Block> {
    let text = tfstack_generators::hcl::render_blocks(blocks);
    let body = parse_body(&text, FileId(0))
        .unwrap_or_else(|e| panic!("generated HCL does not parse: {e}\n{text}"));
    body.blocks().cloned().collect()
}

#[test]
fn every_stack_roundtrips() {
    let root = common::workspace_root();
    let app = common::app();
    let s = app.synthesize(None, None, &root).expect("synthesizes");
    assert!(!s.outputs.is_empty());
    for out in &s.outputs {
        let back = roundtrip(&out.config.blocks);
        assert_eq!(
            back.len(),
            out.config.blocks.len(),
            "stack {} / {}",
            out.name,
            out.env.name
        );
        for (b, o) in back.iter().zip(&out.config.blocks) {
            assert_eq!(
                b,
                o,
                "stack {} / {}: {}",
                out.name,
                out.env.name,
                o.address()
            );
        }
    }
}

fn ident() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,12}".prop_filter("not a keyword", |s| is_identifier(s))
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,20}",
        Just("${not_a_reference}".to_string()),
        Just("%{ if x }".to_string()),
        Just("quote \" and \\ backslash".to_string()),
        Just("línea\nnueva ü 日本".to_string()),
        Just("$$ and %% and $ {".to_string()),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        Just(Expr::null()),
        any::<bool>().prop_map(Expr::bool),
        (-1_000_000i64..1_000_000).prop_map(Expr::int),
        text().prop_map(Expr::string),
        (ident(), prop::collection::vec(ident(), 1..3)).prop_map(|(root, attrs)| {
            let attrs: Vec<&str> = attrs.iter().map(String::as_str).collect();
            Expr::reference(&root, &attrs)
        }),
        (ident(), "[a-z/._-]{1,10}").prop_map(|(r, lit)| Expr::template(vec![
            TemplatePart::Interpolation(Expr::reference("var", &[&r])),
            TemplatePart::Literal(lit.into()),
        ])),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Expr::tuple),
            prop::collection::vec(
                (prop_oneof![ident(), "[A-Z][a-zA-Z-]{0,8}:x"], inner.clone()),
                1..4
            )
            .prop_map(|items| {
                // Keys are unique in an object.
                let mut seen = std::collections::HashSet::new();
                Expr::object(
                    items
                        .into_iter()
                        .filter(|(k, _)| seen.insert(k.clone()))
                        .collect(),
                )
            }),
            (ident(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(f, args)| Expr::call(&f, args)),
            (inner.clone(), inner.clone(), inner).prop_map(|(c, t, f)| Expr::conditional(
                paren(c),
                paren(t),
                paren(f)
            )),
        ]
    })
}

/// Canonical IR writes the parentheses precedence needs (as a parser would read them).
fn paren(e: Expr) -> Expr {
    match e.kind {
        ExprKind::Conditional(_) | ExprKind::Binary(_) => {
            Expr::new(ExprKind::Parenthesis(Box::new(e)))
        }
        _ => e,
    }
}

fn block(depth: u32) -> BoxedStrategy<Block> {
    let attrs = prop::collection::btree_map(ident(), expr(), 0..5);
    let leaf = (ident(), prop::collection::vec("[a-z_]{1,8}", 0..3), attrs).prop_map(
        |(kind, labels, attrs)| {
            let mut b = Block::new(kind, labels);
            for (k, v) in attrs {
                b.body.set(k, v);
            }
            b
        },
    );
    if depth == 0 {
        return leaf.boxed();
    }
    (leaf, prop::collection::vec(block(depth - 1), 0..3))
        .prop_map(|(mut b, children)| {
            for c in children {
                b.body.push_block(c);
            }
            b
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn generated_ir_roundtrips(blocks in prop::collection::vec(block(2), 1..4)) {
        let back = roundtrip(&blocks);
        prop_assert_eq!(back, blocks);
    }
}
