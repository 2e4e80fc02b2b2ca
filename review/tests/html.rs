//! The HTML reports parse without a single error in an HTML5 parser (html5ever, every
//! error the specification describes), and stand alone: no script, no stylesheet, image
//! or font fetched from anywhere.

mod common;

use html5ever::tendril::TendrilSink;
use html5ever::{parse_document, ParseOpts};
use markup5ever_rcdom::{Handle, NodeData, RcDom};

fn parse(html: &str) -> RcDom {
    let mut opts = ParseOpts::default();
    opts.tree_builder.exact_errors = true;
    opts.tokenizer.exact_errors = true;
    parse_document(RcDom::default(), opts).one(html)
}

/// (element name, attributes) of every element, depth first.
fn elements(handle: &Handle, out: &mut Vec<(String, Vec<(String, String)>)>) {
    if let NodeData::Element { name, attrs, .. } = &handle.data {
        let attrs = attrs
            .borrow()
            .iter()
            .map(|a| (a.name.local.to_string(), a.value.to_string()))
            .collect();
        out.push((name.local.to_string(), attrs));
    }
    for child in handle.children.borrow().iter() {
        elements(child, out);
    }
}

#[test]
fn every_report_parses_without_errors_and_needs_nothing_else() {
    for (name, review) in common::all_reviews() {
        let html = review.render_html().expect("renders");
        let dom = parse(&html);
        let errors = dom.errors.borrow();
        assert!(errors.is_empty(), "{name}: parse errors {errors:?}");
        let mut all = Vec::new();
        elements(&dom.document, &mut all);
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"svg"), "{name}: the diagram is inline SVG");
        assert!(names.contains(&"style"), "{name}: the CSS is inline");
        for (element, attrs) in &all {
            assert!(
                !matches!(
                    element.as_str(),
                    "script" | "link" | "img" | "iframe" | "object" | "embed"
                ),
                "{name}: <{element}> in a self-contained report"
            );
            for (attr, value) in attrs {
                assert!(
                    attr != "src",
                    "{name}: <{element} src={value}> fetches something"
                );
                assert!(
                    !attr.starts_with("on"),
                    "{name}: <{element} {attr}> is script"
                );
            }
        }
        for (i, _) in html.match_indices("url(") {
            assert!(
                html[i + 4..].starts_with('#'),
                "{name}: `url(` of something outside the document"
            );
        }
        assert!(!html.contains("@import"), "{name}: CSS imports something");
    }
}

#[test]
fn the_parser_reports_errors_so_the_test_above_can_fail() {
    let dom =
        parse("<!DOCTYPE html><html><body><table><tr><td>x</div></td></tr></table></body></html>");
    assert!(!dom.errors.borrow().is_empty());
}
