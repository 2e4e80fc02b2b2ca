//! The type mapping, on a small hand-written schema.

use super::model::{ArgType, Card, FieldKind, StructDef};
use super::*;

const SCHEMA: &str = r#"{
  "provider_schemas": {
    "registry.terraform.io/hashicorp/aws": {
      "resource_schemas": {
        "aws_widget": {
          "block": {
            "attributes": {
              "arn": {"type": "string", "computed": true},
              "id": {"type": "string", "optional": true, "computed": true},
              "name": {"type": "string", "required": true},
              "size": {"type": "number", "optional": true},
              "ratio": {"type": "number", "optional": true},
              "old_name": {"type": "string", "optional": true, "deprecated": true},
              "type": {"type": "string", "required": true},
              "labels": {"type": ["set", "string"], "optional": true},
              "ports": {"type": ["list", "number"], "optional": true},
              "tags": {"type": ["map", "string"], "optional": true},
              "tags_all": {"type": ["map", "string"], "optional": true, "computed": true},
              "flags": {"type": ["map", "bool"], "optional": true},
              "rule": {"type": ["set", ["object", {"self": "bool", "to_port": "number"}]], "optional": true, "computed": true}
            },
            "block_types": {
              "config": {"nesting_mode": "list", "max_items": 1,
                "block": {"attributes": {"enabled": {"type": "bool", "required": true}}}},
              "source": {"nesting_mode": "list", "min_items": 1, "max_items": 1,
                "block": {"attributes": {"uri": {"type": "string", "optional": true}}}},
              "item": {"nesting_mode": "set",
                "block": {"attributes": {"key": {"type": "string", "optional": true}}}},
              "legacy": {"nesting_mode": "list", "max_items": 1,
                "block": {"attributes": {}, "deprecated": true}},
              "timeouts": {"nesting_mode": "single",
                "block": {"attributes": {"create": {"type": "string", "optional": true}}}}
            }
          }
        }
      },
      "data_source_schemas": {
        "aws_thing": {"block": {"attributes": {
          "id": {"type": "string", "optional": true, "computed": true},
          "value": {"type": "string", "computed": true}
        }}}
      }
    }
  }
}"#;

fn models() -> Vec<TypeModel> {
    let schema = ProvidersSchema::parse(SCHEMA).expect("test schema parses");
    let types = parse_types("resource aws_widget # comment\n\ndata aws_thing\n").expect("types");
    model::build_all(
        schema.aws().expect("aws provider"),
        &types,
        &["aws_widget.ratio"],
    )
    .expect("models build")
}

fn attr(s: &StructDef, name: &str) -> Option<(ArgType, bool)> {
    s.fields
        .iter()
        .find(|f| f.tf_name == name)
        .and_then(|f| match f.kind {
            FieldKind::Attribute { ty, required } => Some((ty, required)),
            FieldKind::Block { .. } => None,
        })
}

fn block(s: &StructDef, name: &str) -> Option<(String, Card)> {
    s.fields
        .iter()
        .find(|f| f.tf_name == name)
        .and_then(|f| match &f.kind {
            FieldKind::Block { struct_name, card } => Some((struct_name.clone(), *card)),
            FieldKind::Attribute { .. } => None,
        })
}

#[test]
fn maps_attribute_types() {
    let models = models();
    let widget = &models[0].structs[0];
    assert_eq!(widget.name, "Widget");
    assert_eq!(attr(widget, "name"), Some((ArgType::String, true)));
    assert_eq!(attr(widget, "size"), Some((ArgType::Int, false)));
    assert_eq!(attr(widget, "ratio"), Some((ArgType::Float, false)));
    assert_eq!(attr(widget, "labels"), Some((ArgType::StringList, false)));
    assert_eq!(attr(widget, "ports"), Some((ArgType::IntList, false)));
    assert_eq!(attr(widget, "tags"), Some((ArgType::StringMap, false)));
    assert_eq!(attr(widget, "flags"), Some((ArgType::Expr, false)));
}

#[test]
fn skips_computed_deprecated_and_bookkeeping() {
    let models = models();
    let widget = &models[0].structs[0];
    for skipped in ["arn", "id", "old_name", "tags_all", "legacy", "timeouts"] {
        assert!(
            widget.fields.iter().all(|f| f.tf_name != skipped),
            "{skipped} should be skipped"
        );
    }
    // Attributes by name, then blocks by name.
    let order: Vec<&str> = widget.fields.iter().map(|f| f.tf_name.as_str()).collect();
    assert_eq!(
        order,
        [
            "flags", "labels", "name", "ports", "ratio", "size", "tags", "type", "config", "item",
            "rule", "source"
        ]
    );
}

#[test]
fn maps_nested_blocks() {
    let models = models();
    let widget = &models[0].structs[0];
    assert_eq!(
        block(widget, "config"),
        Some(("WidgetConfig".into(), Card::Optional))
    );
    assert_eq!(
        block(widget, "source"),
        Some(("WidgetSource".into(), Card::Required))
    );
    assert_eq!(
        block(widget, "item"),
        Some(("WidgetItem".into(), Card::Repeated))
    );
    // A set-of-object attribute becomes repeated blocks of all-optional fields.
    assert_eq!(
        block(widget, "rule"),
        Some(("WidgetRule".into(), Card::Repeated))
    );
    let rule = models[0]
        .structs
        .iter()
        .find(|s| s.name == "WidgetRule")
        .expect("WidgetRule");
    assert_eq!(attr(rule, "to_port"), Some((ArgType::Int, false)));
    assert_eq!(rule.fields[0].ident, "self_");
    let config = models[0]
        .structs
        .iter()
        .find(|s| s.name == "WidgetConfig")
        .expect("WidgetConfig");
    assert_eq!(attr(config, "enabled"), Some((ArgType::Bool, true)));
}

#[test]
fn emits_constructor_setters_and_lowering() {
    let files = generate_unformatted(
        SCHEMA,
        "resource aws_widget\ndata aws_thing\n",
        &["aws_widget.ratio"],
    )
    .expect("generates");
    let widget = &files["model/src/l1/resources/widget.rs"];
    assert!(
        widget.starts_with("// @generated by `cargo run -p xtask -- gen-l1` from hashicorp/aws")
    );
    // Required arguments (and the required single block) are the constructor's parameters.
    assert!(widget.contains(
        "pub fn new(name: impl Into<Arg<String>>, r#type: impl Into<Arg<String>>, source: WidgetSource) -> Self"
    ));
    assert!(widget.contains("#[serde(rename = \"type\")]\n    pub r#type: Arg<String>,"));
    assert!(widget.contains("pub size: Option<Arg<i64>>,"));
    assert!(widget.contains("pub ratio: Option<Arg<f64>>,"));
    assert!(widget.contains("pub config: Option<WidgetConfig>,"));
    assert!(widget.contains("pub fn size(mut self, value: impl Into<Arg<i64>>) -> Self"));
    assert!(widget.contains("pub fn flags(mut self, value: impl Into<Expr>) -> Self"));
    assert!(widget.contains(
        "pub fn item(mut self, value: WidgetItem) -> Self {\n        self.item.push(value);"
    ));
    assert!(widget.contains("const TYPE: &'static str = \"aws_widget\";"));
    assert!(widget.contains("body.set(\"type\", self.r#type.to_expr());"));
    assert!(widget.contains("body.push_block(self.source.to_block(\"source\"));"));
    assert!(widget.contains("impl TypedNestedBlock for WidgetConfig"));
    // No `Default` when there are required arguments; derived when there are none.
    assert!(widget
        .contains("#[derive(Debug, Clone, PartialEq, serde::Serialize)]\npub struct Widget {"));
    let thing = &files["model/src/l1/data/thing.rs"];
    assert!(thing.contains(
        "#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]\npub struct Thing {"
    ));
    let resources = &files["model/src/l1/resources/mod.rs"];
    assert!(resources
        .contains("pub use widget::{Widget, WidgetConfig, WidgetItem, WidgetRule, WidgetSource};"));
}

#[test]
fn allows_many_constructor_arguments_only_when_needed() {
    let schema = |n: usize| {
        let attrs: Vec<String> = (0..n)
            .map(|i| format!(r#""a{i}": {{"type": "string", "required": true}}"#))
            .collect();
        format!(
            r#"{{"provider_schemas": {{"registry.terraform.io/hashicorp/aws": {{
                "resource_schemas": {{"aws_big": {{"block": {{"attributes": {{{}}}}}}}}}}}}}}}"#,
            attrs.join(", ")
        )
    };
    let allow = "#![allow(clippy::too_many_arguments)]";
    let files = generate_unformatted(&schema(8), "resource aws_big", &[]).expect("generates");
    assert!(files["model/src/l1/resources/big.rs"].contains(allow));
    let files = generate_unformatted(&schema(7), "resource aws_big", &[]).expect("generates");
    assert!(!files["model/src/l1/resources/big.rs"].contains(allow));
}

#[test]
fn rejects_stale_allowlist_entries() {
    let schema = ProvidersSchema::parse(SCHEMA).expect("test schema parses");
    let types = parse_types("resource aws_widget").expect("types");
    let aws = schema.aws().expect("aws provider");
    let err = model::build_all(aws, &types, &["aws_widget.nope"]).expect_err("unused entry");
    assert!(err.contains("aws_widget.nope"), "{err}");
    let err = model::build_all(aws, &types, &["aws_widget.name"]).expect_err("not a number");
    assert!(err.contains("not a number"), "{err}");
}

#[test]
fn parses_type_list() {
    assert!(parse_types("resource").is_err());
    assert!(parse_types("module aws_x").is_err());
    assert!(parse_types("data aws_x\ndata aws_x").is_err());
    assert_eq!(
        parse_types("  # c\nresource aws_a\ndata aws_b # why\n").expect("parses"),
        vec![
            (Kind::Resource, "aws_a".into()),
            (Kind::Data, "aws_b".into())
        ]
    );
}

#[test]
fn reports_first_difference() {
    let d = first_difference("a\nb\nc\n", "a\nx\nc\n");
    assert!(d.contains("line 2"), "{d}");
    assert!(d.contains("-b") && d.contains("+x"), "{d}");
    let d = first_difference("a\n", "a\nb\n");
    assert!(d.contains("-<end of file>") && d.contains("+b"), "{d}");
}

/// A small recursive schema under a shape-shared type name: `statement` nests in
/// `and_statement` twice, with the same `match` block at every depth.
const RECURSIVE: &str = r#"{"provider_schemas": {"registry.terraform.io/hashicorp/aws": {
  "resource_schemas": {
    "aws_wafv2_web_acl": {"block": {
      "attributes": {"name": {"type": "string", "required": true}},
      "block_types": {"statement": {"nesting_mode": "list", "max_items": 1, "block": {
        "block_types": {
          "match": {"nesting_mode": "list", "max_items": 1,
            "block": {"attributes": {"field": {"type": "string", "required": true}}}},
          "and_statement": {"nesting_mode": "list", "max_items": 1, "block": {
            "block_types": {"statement": {"nesting_mode": "list", "min_items": 2, "block": {
              "block_types": {"match": {"nesting_mode": "list", "max_items": 1,
                "block": {"attributes": {"field": {"type": "string", "required": true}}}}}}}}}}}}}}}},
    "aws_table": {"block": {"block_types": {
      "replica": {"nesting_mode": "set", "block": {"attributes": {"region": {"type": "string", "required": true}}}}}}},
    "aws_table_replica": {"block": {"attributes": {
      "default": {"type": "bool", "optional": true}}}}
  }}}}"#;

#[test]
fn recursive_types_get_one_struct_per_shape_named_by_the_shortest_path() {
    let schema = ProvidersSchema::parse(RECURSIVE).expect("parses");
    let types = parse_types("resource aws_wafv2_web_acl").expect("types");
    let models = model::build_all(schema.aws().expect("aws"), &types, &[]).expect("builds");
    let names: Vec<&str> = models[0].structs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Wafv2WebAcl",
            "Wafv2WebAclStatement",
            "Wafv2WebAclStatementAndStatement",
            "Wafv2WebAclStatementAndStatementStatement",
            "Wafv2WebAclStatementMatch",
        ]
    );
    // The `match` inside the nested statement reuses the shallow struct.
    let inner = &models[0].structs[3];
    assert_eq!(
        block(inner, "match"),
        Some(("Wafv2WebAclStatementMatch".into(), Card::Optional))
    );
    assert_eq!(
        models[0].structs[4].schema_path,
        "aws_wafv2_web_acl.statement.match"
    );
}

#[test]
fn a_nested_struct_named_like_a_listed_type_gets_a_block_suffix() {
    let schema = ProvidersSchema::parse(RECURSIVE).expect("parses");
    let types = parse_types("resource aws_table\nresource aws_table_replica").expect("types");
    let models = model::build_all(schema.aws().expect("aws"), &types, &[]).expect("builds");
    let table = &models[0];
    assert_eq!(table.structs[1].name, "TableReplicaBlock");
    assert_eq!(
        block(&table.structs[0], "replica"),
        Some(("TableReplicaBlock".into(), Card::Repeated))
    );
    assert_eq!(models[1].structs[0].name, "TableReplica");
    // `default` would shadow `Default::default`: the setter gets a trailing `_`.
    assert_eq!(models[1].structs[0].fields[0].setter, "default_");
}
