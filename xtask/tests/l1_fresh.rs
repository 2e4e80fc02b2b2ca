//! The checked-in `model/src/l1` matches what `gen-l1` generates from the provider schema.

use xtask::gen_l1::{self, schema};

#[test]
fn l1_is_fresh() {
    let json = match schema::load_schema_text(None) {
        Ok(json) => json,
        Err(schema::SchemaError::Unavailable(why)) => {
            eprintln!(
                "skipped: provider schema not available (set TFSTACK_PROVIDER_SCHEMA or install terraform): {why}"
            );
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let root = schema::workspace_root();
    let types = std::fs::read_to_string(root.join(gen_l1::TYPES_FILE)).expect("l1-types.txt");
    let expected = gen_l1::generate(&json, &types).unwrap_or_else(|e| panic!("gen-l1: {e}"));
    let drift = gen_l1::compare(&root, &expected).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        drift.is_clean(),
        "model/src/l1 is out of date; run `cargo run -p xtask -- gen-l1`\n{}",
        drift.report()
    );
}
