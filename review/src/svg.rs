//! The flow graph drawn as SVG: lanes as framed groups, nodes as cards, edges as curves
//! with arrowheads, coloured and dashed by what travels on them.

use crate::components::Kind;
use crate::graph::{FlowGraph, Style};
use crate::layout::{self, Layout};
use std::fmt::Write;

fn marker_id(style: Style) -> &'static str {
    match style {
        Style::Sync => "arrow-sync",
        Style::Async => "arrow-async",
        Style::Failure => "arrow-failure",
        Style::Alarm => "arrow-alarm",
    }
}

/// Escapes text for XML content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to `max` characters with an ellipsis.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// One decimal, no `-0.0`.
fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".into()
    } else if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// Draws the graph.
pub fn render(graph: &FlowGraph) -> String {
    let l = layout::layout(graph);
    render_layout(graph, &l)
}

fn render_layout(graph: &FlowGraph, l: &Layout) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="flow" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{title}" font-family="Helvetica, Arial, sans-serif">"#,
        w = n(l.width),
        h = n(l.height),
        title = escape(&graph.title)
    );
    s.push_str("<defs>");
    for style in [Style::Sync, Style::Async, Style::Failure, Style::Alarm] {
        let _ = write!(
            s,
            r#"<marker id="{}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{}"/></marker>"#,
            marker_id(style),
            style.color()
        );
    }
    s.push_str("</defs>");
    let _ = write!(
        s,
        r##"<rect width="{}" height="{}" fill="#ffffff"/>"##,
        n(l.width),
        n(l.height)
    );
    for lane in &l.lanes {
        let r = lane.rect;
        let _ = write!(
            s,
            r#"<g class="lane"><rect x="{}" y="{}" width="{}" height="{}" rx="8" fill="{}" stroke="{}" stroke-opacity="0.45"/><text x="{}" y="{}" font-size="11" font-weight="700" letter-spacing="1.2" fill="{}">{}</text></g>"#,
            n(r.x),
            n(r.y),
            n(r.w),
            n(r.h),
            lane.role.fill(),
            lane.role.stroke(),
            n(r.x + 10.0),
            n(r.y + 17.0),
            lane.role.stroke(),
            escape(&lane.role.title().to_uppercase())
        );
    }
    // Edges under the nodes, labels above everything.
    for e in &l.edges {
        let edge = &graph.edges[e.index];
        let c = e.curve;
        let dash = match e.style {
            Style::Failure => r#" stroke-dasharray="6 4""#,
            Style::Alarm => r#" stroke-dasharray="2 3""#,
            _ => "",
        };
        let width = if e.style == Style::Async {
            "1.6"
        } else {
            "1.2"
        };
        let d = match e.bus {
            Some(x) => format!(
                "M{} {} L{} {} L{} {} L{} {}",
                n(c[0].0),
                n(c[0].1),
                n(x),
                n(c[0].1),
                n(x),
                n(c[3].1),
                n(c[3].0),
                n(c[3].1)
            ),
            None => format!(
                "M{} {} C{} {} {} {} {} {}",
                n(c[0].0),
                n(c[0].1),
                n(c[1].0),
                n(c[1].1),
                n(c[2].0),
                n(c[2].1),
                n(c[3].0),
                n(c[3].1)
            ),
        };
        let _ = write!(
            s,
            r#"<path class="edge" d="{}" fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round"{} marker-end="url(#{})"><title>{} → {}: {}</title></path>"#,
            d,
            e.style.color(),
            width,
            dash,
            marker_id(e.style),
            escape(&edge.from),
            escape(&edge.to),
            escape(&edge.label)
        );
    }
    for p in &l.nodes {
        let node = &graph.nodes[p.index];
        let r = p.rect;
        let accent = node.role.stroke();
        let dashed = if node.kind == Kind::Clients {
            r#" stroke-dasharray="4 3""#
        } else {
            ""
        };
        let _ = write!(
            s,
            r##"<g class="node"><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="#ffffff" stroke="{}" stroke-width="1.2"{}/><rect x="{}" y="{}" width="5" height="{}" rx="2" fill="{}"/><text x="{}" y="{}" font-size="12" font-weight="700" fill="#0f172a">{}</text><text x="{}" y="{}" font-size="10" fill="#475569">{}</text></g>"##,
            escape(&format!("{} — {}", node.id, node.detail)),
            n(r.x),
            n(r.y),
            n(r.w),
            n(r.h),
            accent,
            dashed,
            n(r.x + 1.0),
            n(r.y + 4.0),
            n(r.h - 8.0),
            accent,
            n(r.x + 13.0),
            n(r.y + 19.0),
            escape(&fit(&node.name, 23)),
            n(r.x + 13.0),
            n(r.y + 35.0),
            escape(&fit(&node.detail, 29))
        );
    }
    for e in &l.edges {
        let Some(centre) = e.label else { continue };
        let text = &graph.edges[e.index].label;
        let b = layout::label_box(text, centre);
        let _ = write!(
            s,
            r##"<g class="label"><rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#ffffff" fill-opacity="0.92" stroke="{}" stroke-opacity="0.35"/><text x="{}" y="{}" font-size="10" text-anchor="middle" fill="{}">{}</text></g>"##,
            n(b.x),
            n(b.y),
            n(b.w),
            n(b.h),
            e.style.color(),
            n(centre.0),
            n(centre.1 + 3.5),
            e.style.color(),
            escape(text)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_fitted() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(n(-0.01), "0");
        assert_eq!(n(12.34), "12.3");
        assert_eq!(n(7.0), "7");
    }
}
