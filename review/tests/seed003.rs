//! `docs/review.md` compares the orders stack's estimate with seed 003's own figures; this
//! recomputes them from the usage files in `review/examples/` and fails when the table in
//! the document is stale. It also checks the document lists every usage key with its
//! built-in default.

use tfstack_model::constructs::Stack;
use tfstack_model::environment::Environment;
use tfstack_review::cost::USAGE_KEYS;
use tfstack_review::{Review, ReviewOptions, Usage};

const DOC: &str = include_str!("../../docs/review.md");

fn orders(env: Environment, usage: &str) -> Review {
    let (_, define) = tfstack_stacks::STACKS
        .iter()
        .find(|(n, _)| *n == "orders")
        .expect("the orders stack");
    let stack = Stack::new("orders", env);
    define(&stack);
    let out = stack.finish().expect("synthesizes");
    let options = ReviewOptions {
        usage: Usage::load(format!("examples/{usage}").as_ref()).expect("a valid usage file"),
        ..ReviewOptions::default()
    };
    Review::of_stack(&out, &options).expect("reviews")
}

#[test]
fn the_seed_003_comparison_in_the_docs_is_current() {
    for (env, usage, low, high) in [
        (Environment::dev(), "orders-dev.usage.toml", 0.0, 10.0),
        (
            Environment::prod(),
            "orders-1k-users.usage.toml",
            15.0,
            35.0,
        ),
        (
            Environment::prod(),
            "orders-10k-users.usage.toml",
            50.0,
            100.0,
        ),
    ] {
        let review = orders(env, usage);
        let total = review.estimate.total;
        let row = DOC
            .lines()
            .find(|l| l.contains(&format!("`{usage}`")))
            .unwrap_or_else(|| panic!("docs/review.md has no row for {usage}"));
        let figure = format!("**${total:.2}**");
        assert!(
            row.contains(&figure),
            "docs/review.md says `{row}`, the estimate is {figure}"
        );
        assert!(
            (low..=high).contains(&total),
            "{usage}: {total} is far from seed 003's range"
        );
        assert!(review.estimate.unmatched_usage.is_empty(), "{usage}");
    }
}

#[test]
fn the_docs_list_every_usage_key_with_its_default() {
    for k in USAGE_KEYS {
        let row = format!("| `{}` | `{}` | {} |", k.resource_type, k.key, k.default);
        assert!(DOC.contains(&row), "docs/review.md lacks `{row}`");
    }
}
