//! The report as HTML (one self-contained file) and as Markdown, rendered with minijinja
//! from one view of the review in which every number is already formatted.

use crate::cost::{Check, UsageSource};
use crate::findings::FindingsSummary;
use crate::graph::Style;
use crate::{Review, ReviewError};
use minijinja::Environment;
use serde::Serialize;
use std::collections::BTreeMap;

const HTML: &str = include_str!("../templates/report.html.j2");
const MARKDOWN: &str = include_str!("../templates/report.md.j2");

#[derive(Serialize)]
struct Glance {
    label: &'static str,
    value: String,
    note: String,
    warn: bool,
}

#[derive(Serialize)]
struct FlowRow {
    from: String,
    to: String,
    label: String,
    style: &'static str,
    details: String,
}

#[derive(Serialize)]
struct ComponentRow {
    name: String,
    kind: &'static str,
    group: &'static str,
    location: String,
    resources: Vec<String>,
}

#[derive(Serialize)]
struct CostComponentRow {
    name: String,
    kind: String,
    monthly: String,
    fixed: String,
    share: String,
    bar: String,
}

#[derive(Serialize)]
struct CostLineRow {
    component: String,
    resource: String,
    description: String,
    quantity: String,
    unit: String,
    price: String,
    monthly: String,
    fixed: bool,
}

#[derive(Serialize)]
struct AssumptionRow {
    key: String,
    value: String,
    source: &'static str,
    resources: String,
}

#[derive(Serialize)]
struct PriceRow {
    id: String,
    price: String,
    taken: String,
    check: &'static str,
    unverified: bool,
    source: String,
    source_is_url: bool,
    note: String,
}

#[derive(Serialize)]
struct CostView {
    total: String,
    fixed: String,
    usage: String,
    region: String,
    hours: String,
    usage_file: String,
    components: Vec<CostComponentRow>,
    lines: Vec<CostLineRow>,
    assumptions: Vec<AssumptionRow>,
    prices: Vec<PriceRow>,
    unpriced: Vec<String>,
    unmatched: Vec<String>,
    taken: String,
}

#[derive(Serialize)]
struct View<'r> {
    title: &'r str,
    subject: &'r str,
    resource_count: usize,
    component_count: usize,
    glance: Vec<Glance>,
    svg: String,
    mermaid: String,
    flows: Vec<FlowRow>,
    inventory: &'r crate::Inventory,
    access: &'r crate::Access,
    failures: &'r [crate::FailurePath],
    lost_failures: usize,
    findings: FindingsSummary,
    cost: CostView,
    components: Vec<ComponentRow>,
    unassigned: &'r [String],
}

/// `$1,234.56`; tiny non-zero amounts as `<$0.01`.
pub(crate) fn money(v: f64) -> String {
    if v > 0.0 && v < 0.005 {
        return "<$0.01".into();
    }
    let cents = (v * 100.0).round() as i64;
    format!("${}.{:02}", group_digits(cents / 100), (cents % 100).abs())
}

fn group_digits(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// `1,500,000`, `0.5`, `12.25`.
pub(crate) fn quantity(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        group_digits(v as i64)
    } else if v >= 1000.0 {
        group_digits(v.round() as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn style_name(s: Style) -> &'static str {
    match s {
        Style::Sync => "sync",
        Style::Async => "async",
        Style::Failure => "failure",
        Style::Alarm => "alarm",
    }
}

fn view(review: &Review) -> View<'_> {
    let graph = review.flow_graph();
    let name_of = |id: &str| {
        graph
            .node(id)
            .map(|n| n.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let flows = graph
        .edges
        .iter()
        .map(|e| FlowRow {
            from: name_of(&e.from),
            to: name_of(&e.to),
            label: e.label.clone(),
            style: style_name(e.style),
            details: e.details.join("; "),
        })
        .collect();
    let findings = review.findings();
    let lost = review.failures.iter().filter(|f| f.lost).count();
    let e = &review.estimate;
    let mut glance = vec![
        Glance {
            label: "components",
            value: review.components.list().len().to_string(),
            note: format!("{} resources", review.resource_count),
            warn: false,
        },
        Glance {
            label: "open entry points",
            value: review.access.open_entry_count().to_string(),
            note: format!("of {} entry points", review.access.entry_points.len()),
            warn: review.access.open_entry_count() > 0,
        },
        Glance {
            label: "wildcard grants",
            value: review.access.wildcard_count().to_string(),
            note: format!("{} cross-account", review.access.cross_account_count()),
            warn: review.access.wildcard_count() + review.access.cross_account_count() > 0,
        },
        Glance {
            label: "failures kept nowhere",
            value: lost.to_string(),
            note: format!("of {} asynchronous paths", review.failures.len()),
            warn: lost > 0,
        },
    ];
    if findings.supplied {
        let count = |s: crate::Severity| {
            findings
                .by_severity
                .iter()
                .find(|(x, _)| *x == s)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        glance.push(Glance {
            label: "findings",
            value: findings.active.len().to_string(),
            note: format!(
                "{} errors, {} warnings, {} suppressed",
                count(crate::Severity::Error),
                count(crate::Severity::Warning),
                findings.suppressed.len()
            ),
            warn: count(crate::Severity::Error) > 0,
        });
    }
    glance.push(Glance {
        label: "per month",
        value: money(e.total),
        note: format!("{} fixed", money(e.fixed_total)),
        warn: false,
    });
    let max = e.components.iter().map(|c| c.monthly).fold(0.0, f64::max);
    let cost_components = e
        .components
        .iter()
        .map(|c| CostComponentRow {
            name: c.component.clone(),
            kind: c.kind.clone(),
            monthly: money(c.monthly),
            fixed: money(c.fixed),
            share: if e.total > 0.0 {
                format!("{:.0}%", c.monthly / e.total * 100.0)
            } else {
                "—".into()
            },
            bar: if max > 0.0 {
                format!("{:.1}", c.monthly / max * 100.0)
            } else {
                "0".into()
            },
        })
        .collect();
    let lines = e
        .components
        .iter()
        .flat_map(|c| {
            c.lines.iter().map(move |l| CostLineRow {
                component: c.component.clone(),
                resource: l.resource.clone(),
                description: l.description.clone(),
                quantity: quantity(l.quantity),
                unit: l.unit.clone(),
                price: l.price.clone(),
                monthly: money(l.monthly),
                fixed: l.fixed,
            })
        })
        .collect();
    // Assumptions grouped: one row per key, value and source, with the resources.
    let mut grouped: BTreeMap<(String, String, UsageSource), Vec<String>> = BTreeMap::new();
    for a in &e.assumptions {
        let t = a.resource.split('.').next().unwrap_or("").to_string();
        let value = format!("{} {}", quantity(a.value), a.unit);
        grouped
            .entry((format!("{t}.{}", a.key), value, a.source))
            .or_default()
            .push(
                a.resource
                    .split('.')
                    .nth(1)
                    .unwrap_or(&a.resource)
                    .to_string(),
            );
    }
    let assumptions = grouped
        .into_iter()
        .map(|((key, value, source), resources)| AssumptionRow {
            key,
            value,
            source: source.as_str(),
            resources: if resources.len() > 6 {
                format!("{} resources", resources.len())
            } else {
                resources.join(", ")
            },
        })
        .collect();
    let prices = e
        .prices
        .iter()
        .map(|p| PriceRow {
            id: p.id.clone(),
            price: p.price.describe(),
            taken: p.price.taken.clone(),
            check: p.price.check.as_str(),
            unverified: p.price.check == Check::Unverified,
            source_is_url: p.price.source.starts_with("https://"),
            source: p.price.source.clone(),
            note: p.price.note.clone().unwrap_or_default(),
        })
        .collect();
    let mut taken: Vec<&str> = e.prices.iter().map(|p| p.price.taken.as_str()).collect();
    taken.sort();
    taken.dedup();
    let cost = CostView {
        total: money(e.total),
        fixed: money(e.fixed_total),
        usage: money(e.usage_total),
        region: e.region.clone(),
        hours: quantity(e.hours_per_month),
        usage_file: e.usage_file.clone().unwrap_or_default(),
        components: cost_components,
        lines,
        assumptions,
        prices,
        unpriced: e.unpriced.clone(),
        unmatched: e.unmatched_usage.clone(),
        taken: taken.join(", "),
    };
    let components = review
        .components
        .list()
        .iter()
        .filter(|c| !c.primary.is_empty())
        .map(|c| ComponentRow {
            name: c.name.clone(),
            kind: c.kind.label(),
            group: c.role.title(),
            location: c.location.clone().unwrap_or_default(),
            resources: c.resources.clone(),
        })
        .collect();
    View {
        title: &review.title,
        subject: &review.subject,
        resource_count: review.resource_count,
        component_count: review.components.list().len(),
        glance,
        svg: String::new(),
        mermaid: String::new(),
        flows,
        inventory: &review.inventory,
        access: &review.access,
        failures: &review.failures,
        lost_failures: lost,
        findings,
        cost,
        components,
        unassigned: &review.components.unassigned,
    }
}

fn environment() -> Result<Environment<'static>, ReviewError> {
    let mut env = Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| ReviewError::Template(e.to_string()))?;
    env.set_syntax(syntax);
    // Text in a table cell, its backtick code spans kept: no `|` or line break ends the
    // cell, nothing read from input opens a tag, a link, an image or another span.
    env.add_filter("cell", |s: String| {
        crate::markdown::with_code_spans(&s, true)
    });
    // A code span in a table cell that its text cannot close.
    env.add_filter("code", |s: String| crate::markdown::code_span(&s, true));
    env.add_template("report.html", HTML)
        .map_err(|e| ReviewError::Template(e.to_string()))?;
    env.add_template("report.md", MARKDOWN)
        .map_err(|e| ReviewError::Template(e.to_string()))?;
    Ok(env)
}

fn render(name: &str, view: &View) -> Result<String, ReviewError> {
    let env = environment()?;
    let template = env
        .get_template(name)
        .map_err(|e| ReviewError::Template(e.to_string()))?;
    template
        .render(minijinja::Value::from(minijinja::value::Serde(view)))
        .map_err(|e| ReviewError::Template(format!("{e:#}")))
}

pub(crate) fn html(review: &Review) -> Result<String, ReviewError> {
    let mut v = view(review);
    v.svg = review.render_svg();
    render("report.html", &v)
}

pub(crate) fn markdown(review: &Review) -> Result<String, ReviewError> {
    let mut v = view(review);
    v.mermaid = review.flow_graph().to_mermaid();
    render("report.md", &v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_quantities_read_like_a_bill() {
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(money(0.004), "<$0.01");
        assert_eq!(money(14.6), "$14.60");
        assert_eq!(money(1234567.891), "$1,234,567.89");
        assert_eq!(quantity(1_500_000.0), "1,500,000");
        assert_eq!(quantity(0.5), "0.5");
        assert_eq!(quantity(2190.0), "2,190");
        assert_eq!(quantity(1234.567), "1,235");
        assert_eq!(quantity(12.25), "12.25");
    }
}
