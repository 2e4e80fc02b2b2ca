//! Reviews of the seed stacks and of the hand-written fixture, shared by the tests.

#![allow(dead_code)]

use std::path::Path;
use tfstack_model::constructs::Stack;
use tfstack_model::environment::Environment;
use tfstack_review::{Flag, Review, ReviewOptions};

/// The hand-written Terraform fixture, relative to the crate (tests run there).
pub const FIXTURE: &str = "tests/fixtures/handwritten";

/// The review of one seed stack in one environment.
pub fn stack_review(name: &str, env: Environment) -> Review {
    let (_, define) = tfstack_stacks::STACKS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no stack {name}"));
    let stack = Stack::new(name, env);
    define(&stack);
    let out = stack
        .finish()
        .unwrap_or_else(|e| panic!("{name} synthesizes: {e:?}"));
    Review::of_stack(&out, &ReviewOptions::default()).expect("the stack reviews")
}

/// Every seed stack in dev and prod, and the fixture: (name, review).
pub fn all_reviews() -> Vec<(String, Review)> {
    let mut out = Vec::new();
    for (name, _) in tfstack_stacks::STACKS {
        for env in [Environment::dev(), Environment::prod()] {
            let label = format!("{name}_{}", env.name);
            out.push((label, stack_review(name, env)));
        }
    }
    out.push((
        "handwritten".to_string(),
        Review::of_module(Path::new(FIXTURE), &ReviewOptions::default())
            .expect("the fixture reviews"),
    ));
    out
}

/// The review of a module written as `main.tf` text, with an optional usage file.
pub fn text_review(main_tf: &str, usage_toml: Option<&str>) -> Review {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.tf"), main_tf).expect("write main.tf");
    let mut options = ReviewOptions::default();
    if let Some(text) = usage_toml {
        let path = dir.path().join("usage.toml");
        std::fs::write(&path, text).expect("write usage.toml");
        options.usage = tfstack_review::Usage::load(&path).expect("a valid usage file");
    }
    Review::of_module(dir.path(), &options).expect("the module reviews")
}

/// The cell of `column` in the row of `component` in the inventory table titled `table`.
pub fn cell(review: &Review, table: &str, component: &str, column: &str) -> (String, Flag) {
    let table = review
        .inventory
        .tables
        .iter()
        .find(|t| t.title == table)
        .unwrap_or_else(|| panic!("no table {table}"));
    let index = table
        .columns
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("no column {column} in {:?}", table.columns));
    let row = table
        .rows
        .iter()
        .find(|r| r.component == component)
        .unwrap_or_else(|| panic!("no row {component}"));
    let cell = &row.cells[index];
    (cell.text.clone(), cell.flag)
}
