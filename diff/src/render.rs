//! The report as a person reads it in a terminal, as a pull-request comment (Markdown:
//! concise, grouped by module, the most dangerous first, details folded), and as JSON.

use crate::report::{
    Category, Change, ConfigChange, Danger, DiffReport, FindingChange, ModuleDiff, Summary,
};
use crate::snapshot::Source;
use std::fmt::Write;
use tfstack_lint_engine::located::CallSite;
use tfstack_model::shown::escaped;
use tfstack_review::markdown;

/// The output formats of `tfstack diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Markdown,
    Json,
}

/// The version of the JSON output's shape.
const JSON_VERSION: u32 = 1;

impl DiffReport {
    /// The report in `format`, ending with a newline.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Human => human(self),
            Format::Markdown => markdown(self),
            Format::Json => json(self),
        }
    }
}

/// `` `HEAD~1` (0123456789ab) ``, `` directory `infra` ``.
fn source(s: &Source) -> String {
    match &s.commit {
        Some(commit) => format!("`{}` ({})", s.label, &commit[..commit.len().min(12)]),
        None => format!("`{}`", s.label),
    }
}

const CATEGORIES: [Category; 3] = [Category::Exposure, Category::Iam, Category::Reliability];

fn counts(s: &Summary, bold: bool) -> String {
    let b = |n: usize, text: &str| {
        if bold && n > 0 {
            format!("**{n} {text}**")
        } else {
            format!("{n} {text}")
        }
    };
    format!(
        "{}, {}, {}, {}; findings: {}, {} fixed{}",
        b(s.exposure, "exposure"),
        b(s.broadening, "IAM broadening"),
        b(s.reliability, "reliability"),
        b(s.narrowing, "IAM narrowing"),
        b(s.findings_introduced, "new"),
        s.findings_fixed,
        suppressed_count(s.findings_suppressed, bold)
    ) + &weakened_count(s.configuration_weakened, bold)
}

/// `; configuration: 2 weakening changes` when the configuration was weakened.
fn weakened_count(n: usize, bold: bool) -> String {
    let text = format!("{n} weakening change{}", plural(n));
    match (n, bold) {
        (0, _) => String::new(),
        (_, true) => format!("; configuration: **{text}**"),
        (_, false) => format!("; configuration: {text}"),
    }
}

/// The configuration file the changes are in (they are all in one).
fn configuration_file(report: &DiffReport) -> &str {
    report
        .configuration
        .first()
        .map_or(tfstack_lint_engine::config::CONFIG_FILE, |c| {
            c.file.as_str()
        })
}

/// `, 2 suppressed` when the change suppresses findings; nothing otherwise.
fn suppressed_count(n: usize, bold: bool) -> String {
    match (n, bold) {
        (0, _) => String::new(),
        (n, true) => format!(", **{n} suppressed**"),
        (n, false) => format!(", {n} suppressed"),
    }
}

/// The report as a person reads it in a terminal or a CI log: what it holds of input
/// (titles, names, messages, paths) escaped, so that no line of it starts where the input
/// says.
fn human(report: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tfstack diff: base {} → head {}",
        escaped(&source(&report.base)),
        escaped(&source(&report.head))
    );
    if !report.configuration.is_empty() {
        let _ = writeln!(
            out,
            "\nlint configuration `{}`",
            escaped(configuration_file(report))
        );
        for c in &report.configuration {
            let effect = if c.weakens { "weakens" } else { "" };
            let _ = writeln!(out, "    {effect:<7} {}", escaped(&c.title));
        }
    }
    for m in &report.modules {
        let root = match &m.root_module {
            Some(root) => format!(" in `{}`", escaped(root)),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "\n{} `{}`{root} ({})",
            what(m),
            escaped(&m.module),
            status(m)
        );
        for category in CATEGORIES {
            let changes: Vec<&Change> = m
                .changes
                .iter()
                .filter(|c| c.category == category)
                .collect();
            if changes.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  {}", category.title());
            for c in changes {
                let _ = writeln!(out, "    {:<7} {}", c.danger.as_str(), escaped(&c.title));
                for d in &c.details {
                    let _ = writeln!(out, "            {}", escaped(d));
                }
                let _ = writeln!(
                    out,
                    "            {}",
                    escaped(&place(&c.resource, c.location.as_deref()))
                );
            }
        }
        for (title, sign, list) in [
            ("findings introduced", '+', &m.findings.introduced),
            ("findings fixed", '-', &m.findings.fixed),
            (
                "findings suppressed by this change",
                '~',
                &m.findings.suppressed,
            ),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  {title}");
            for f in list {
                let _ = writeln!(
                    out,
                    "    {sign} {:<7} {}({})  {}",
                    f.severity,
                    f.rule,
                    f.name,
                    escaped(&f.location)
                );
                let _ = writeln!(out, "              {}", escaped(&f.message));
                if let Some(instance) = instance(f) {
                    let _ = writeln!(out, "              ({})", escaped(&instance));
                }
                if let Some(reason) = &f.suppression_reason {
                    let _ = writeln!(out, "              suppressed: {}", escaped(said(reason)));
                }
            }
        }
    }
    let compared = report.modules.len() + report.unchanged_modules;
    if report.is_empty() {
        let _ = writeln!(
            out,
            "\nno change to permissions, exposure, reliability or findings ({compared} module{} compared)",
            plural(compared)
        );
    } else {
        let _ = writeln!(
            out,
            "\n{}. {} of {compared} module{} changed",
            counts(&report.summary(), false),
            report.modules.len(),
            plural(compared)
        );
    }
    out
}

/// For a finding in a called module, its instance and where it is called, as
/// `tfstack lint` says it: ``in `module.queue["a"].aws_sqs_queue.q`, called at
/// main.tf:12:1``.
fn instance(f: &FindingChange) -> Option<String> {
    let resource = f.resource.as_deref().filter(|_| !f.calls.is_empty())?;
    Some(format!("in `{resource}`{}", CallSite::called_at(&f.calls)))
}

/// `module`, or `documents` for a directory of JSON documents linted on their own.
fn what(m: &ModuleDiff) -> &'static str {
    if m.documents_only {
        "documents"
    } else {
        "module"
    }
}

fn status(m: &ModuleDiff) -> &'static str {
    match m.status {
        crate::report::ModuleStatus::Added => "added",
        crate::report::ModuleStatus::Removed => "removed",
        crate::report::ModuleStatus::Changed => "changed",
    }
}

/// `aws_sqs_queue.jobs at main.tf:12`.
fn place(resource: &str, location: Option<&str>) -> String {
    match location {
        Some(l) => format!("{resource} at {l}"),
        None => resource.to_string(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn icon(danger: Danger) -> &'static str {
    match danger {
        Danger::High => "🔴",
        Danger::Medium => "🟠",
        Danger::Low => "⚪",
    }
}

/// Text written with backtick code spans, for a Markdown table cell: its spans kept,
/// nothing else read as HTML or Markdown, no `|` or line break.
fn cell(text: &str) -> String {
    markdown::with_code_spans(text, true)
}

/// `source` for Markdown: the label in a code span its text cannot close.
fn markdown_source(s: &Source) -> String {
    let label = markdown::code_span(&s.label, false);
    match &s.commit {
        Some(commit) => format!(
            "{label} ({})",
            markdown::plain_text(&commit[..commit.len().min(12)], false)
        ),
        None => label,
    }
}

fn markdown(report: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### tfstack diff: {} → {}\n",
        markdown_source(&report.base),
        markdown_source(&report.head)
    );
    let compared = report.modules.len() + report.unchanged_modules;
    if report.is_empty() {
        let _ = writeln!(
            out,
            "No change to permissions, exposure, reliability or findings ({compared} module{} compared).",
            plural(compared)
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{} ({} of {compared} module{} changed)",
        counts(&report.summary(), true),
        report.modules.len(),
        plural(compared)
    );
    if !report.configuration.is_empty() {
        let _ = writeln!(
            out,
            "\n#### Lint configuration {}\n",
            markdown::code_span(configuration_file(report), false)
        );
        out.push_str("| | change |\n|---|---|\n");
        for c in &report.configuration {
            let mark = if c.weakens { "🔴 weakens" } else { "" };
            let _ = writeln!(out, "| {mark} | {} |", cell(&c.title));
        }
    }
    for m in &report.modules {
        let what = what(m);
        let what = what[..1].to_uppercase() + &what[1..];
        let mut module = markdown::code_span(&m.module, false);
        if let Some(root) = &m.root_module {
            module.push_str(&format!(" in {}", markdown::code_span(root, false)));
        }
        let _ = writeln!(out, "\n#### {what} {module} ({})\n", status(m));
        if !m.changes.is_empty() {
            out.push_str("| | change | where |\n|---|---|---|\n");
            for c in &m.changes {
                let _ = writeln!(
                    out,
                    "| {} {} | {} | {} |",
                    icon(c.danger),
                    c.category.title(),
                    cell(&c.title),
                    markdown::code_span(c.location.as_deref().unwrap_or(&c.resource), true)
                );
            }
            let detailed: Vec<&Change> =
                m.changes.iter().filter(|c| !c.details.is_empty()).collect();
            if !detailed.is_empty() {
                out.push_str("\n<details><summary>Details</summary>\n\n");
                for c in detailed {
                    let _ = writeln!(out, "- {}", markdown::with_code_spans(&c.title, false));
                    for d in &c.details {
                        let _ = writeln!(out, "  - {}", markdown::with_code_spans(d, false));
                    }
                }
                out.push_str("\n</details>\n");
            }
        }
        if !m.findings.is_empty() {
            let _ = writeln!(
                out,
                "\n**Findings:** {} new, {} fixed{}\n",
                m.findings.introduced.len(),
                m.findings.fixed.len(),
                suppressed_count(m.findings.suppressed.len(), false)
            );
            out.push_str("| | rule | finding | where |\n|---|---|---|---|\n");
            let row = |out: &mut String, what: &str, f: &FindingChange| {
                let _ = writeln!(
                    out,
                    "| {what} | {} {} | {} | {} |",
                    markdown::code_span(&f.rule, true),
                    f.severity,
                    cell(&{
                        let mut text = match instance(f) {
                            Some(instance) => format!("{} ({instance})", f.message),
                            None => f.message.clone(),
                        };
                        if let Some(reason) = &f.suppression_reason {
                            text.push_str(&format!(" — suppressed: {}", said(reason)));
                        }
                        text
                    }),
                    markdown::code_span(&f.location, true)
                );
            };
            for f in &m.findings.introduced {
                row(&mut out, "new", f);
            }
            for f in &m.findings.fixed {
                row(&mut out, "fixed", f);
            }
            for f in &m.findings.suppressed {
                row(&mut out, "suppressed", f);
            }
        }
    }
    out
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    version: u32,
    base: &'a Source,
    head: &'a Source,
    summary: Summary,
    modules: &'a [ModuleDiff],
    unchanged_modules: usize,
    configuration: &'a [ConfigChange],
}

/// The JSON output of a comparison that did not happen because inputs of either version
/// could not be read: the version of the shape and the errors (path, line, column,
/// message, help), so that a script reading the output finds a document either way (the
/// exit code is 2, and the errors are also shown on stderr).
pub fn incomplete_json(errors: &[&tfstack_model::SourceError]) -> String {
    #[derive(serde::Serialize)]
    struct Incomplete<'a> {
        version: u32,
        errors: &'a [&'a tfstack_model::SourceError],
    }
    document(&Incomplete {
        version: JSON_VERSION,
        errors,
    })
}

fn json(report: &DiffReport) -> String {
    let doc = JsonReport {
        version: JSON_VERSION,
        base: &report.base,
        head: &report.head,
        summary: report.summary(),
        modules: &report.modules,
        unchanged_modules: report.unchanged_modules,
        configuration: &report.configuration,
    };
    document(&doc)
}

/// A JSON document as the output prints it: indented, ending with a newline.
fn document(doc: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_else(|e| {
        // Every field is a string, a number or a list of them: this cannot fail.
        format!("{{\"error\": \"{e}\"}}")
    });
    text.push('\n');
    text
}

/// A suppression's reason as the report shows it: one given without a reason says so.
fn said(reason: &str) -> &str {
    if reason.trim().is_empty() {
        "(no reason given)"
    } else {
        reason
    }
}
