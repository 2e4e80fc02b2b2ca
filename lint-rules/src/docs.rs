//! The rule pages under `docs/rules/`: one `<ID>.md` per registered rule and a `README.md`
//! index, rendered with minijinja from the same docs `tfstack explain` prints, so the
//! pages cannot drift from the code. A test compares them with the tree.
//!
//! Regenerate after adding or editing a rule (the test writes the pages, then passes):
//!
//! ```sh
//! TFSTACK_UPDATE_DOCS=1 cargo test -p tfstack-lint-rules --lib docs::
//! ```

use crate::{registry, RuleMeta};
use minijinja::syntax::SyntaxConfig;
use minijinja::{context, Environment, Value};
use std::collections::BTreeMap;

/// Where the pages live, relative to the workspace root.
pub const RULES_DIR: &str = "docs/rules";

/// The command that regenerates the pages (printed when they are stale).
pub const UPDATE_COMMAND: &str =
    "TFSTACK_UPDATE_DOCS=1 cargo test -p tfstack-lint-rules --lib docs::";

const HEADER: &str =
    "<!-- Generated from the rule's documentation by lint-rules/src/docs.rs; do not edit. -->";

const PAGE: &str = r#"{{ header }}
# {{ rule.id }} {{ rule.name }}

- Family: `{{ rule.family }}`
- Default severity: {{ rule.severity }}
- Source: [`{{ rule.source }}`](../../{{ rule.source }})

{{ rule.docs }}
"#;

const INDEX: &str = r#"{{ header }}
# Rules

Every rule `tfstack lint` runs, with its default severity. `tfstack explain ID` prints a
rule's page; `tfstack.toml` turns rules off or changes their severity.

| ID | name | severity | summary |
|---|---|---|---|
{% for rule in rules %}
| [{{ rule.id }}]({{ rule.id }}.md) | `{{ rule.name }}` | {{ rule.severity }} | {{ rule.summary }} |
{% endfor %}
"#;

/// Renders every rule page and the index: path relative to the workspace root → text.
pub fn render_rule_pages() -> BTreeMap<String, String> {
    let mut env = Environment::new();
    // Block tags take their line with them; pages end with a newline.
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .expect("default delimiters");
    env.set_syntax(syntax);
    // Templates are code: a syntax error is a bug caught by the staleness test.
    env.add_template("rule.md", PAGE)
        .expect("rule page template");
    env.add_template("README.md", INDEX)
        .expect("rule index template");
    let mut rules: Vec<&'static RuleMeta> = registry::all().iter().map(|r| r.meta()).collect();
    rules.sort_by_key(|m| m.id);
    let mut pages = BTreeMap::new();
    for meta in &rules {
        let text = env
            .get_template("rule.md")
            .and_then(|t| t.render(context! { header => HEADER, rule => rule_value(meta) }))
            .expect("rule page renders");
        pages.insert(format!("{RULES_DIR}/{}.md", meta.id), text);
    }
    let index = env
        .get_template("README.md")
        .and_then(|t| {
            t.render(context! {
                header => HEADER,
                rules => rules.iter().map(|m| rule_value(m)).collect::<Vec<_>>(),
            })
        })
        .expect("rule index renders");
    pages.insert(format!("{RULES_DIR}/README.md"), index);
    pages
}

/// The template's view of one rule.
fn rule_value(meta: &RuleMeta) -> Value {
    let fields: BTreeMap<&str, Value> = [
        ("id", Value::from(meta.id)),
        ("name", Value::from(meta.name)),
        ("family", Value::from(meta.family())),
        ("severity", Value::from(meta.default_severity.as_str())),
        ("source", Value::from(source_path(meta.source))),
        ("docs", Value::from(meta.docs_markdown())),
        ("summary", Value::from(meta.summary().replace('|', "\\|"))),
    ]
    .into_iter()
    .collect();
    Value::from(fields)
}

/// `file!()` is workspace-relative in a workspace build; keep the part from the crate
/// folder on so the link is stable wherever the crate was built.
fn source_path(source: &str) -> String {
    let source = source.replace('\\', "/");
    match source.find("lint-rules/src/") {
        Some(i) => source[i..].to_string(),
        None => source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("lint-rules sits in the workspace")
            .to_path_buf()
    }

    /// Every `.md` file under `docs/rules/`, relative to the workspace root.
    fn pages_on_disk(root: &Path) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Ok(entries) = std::fs::read_dir(root.join(RULES_DIR)) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.ends_with(".md") {
                    let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                    out.insert(format!("{RULES_DIR}/{name}"), text);
                }
            }
        }
        out
    }

    /// The first line where two texts differ, for the failure message.
    fn first_difference(expected: &str, actual: &str) -> String {
        let (mut e, mut a) = (expected.lines(), actual.lines());
        let mut n = 1;
        loop {
            match (e.next(), a.next()) {
                (None, None) => return "(trailing whitespace differs)".into(),
                (x, y) if x == y => n += 1,
                (x, y) => {
                    return format!(
                        "line {n}:\n      expected: {}\n      on disk:  {}",
                        x.unwrap_or("<end of file>"),
                        y.unwrap_or("<end of file>")
                    )
                }
            }
        }
    }

    #[test]
    fn rule_pages_are_up_to_date() {
        let root = workspace_root();
        let expected = render_rule_pages();
        if std::env::var_os("TFSTACK_UPDATE_DOCS").is_some_and(|v| v == "1") {
            let dir = root.join(RULES_DIR);
            std::fs::create_dir_all(&dir).expect("create docs/rules");
            for path in pages_on_disk(&root).keys() {
                if !expected.contains_key(path) {
                    std::fs::remove_file(root.join(path)).expect("remove orphan page");
                }
            }
            for (path, text) in &expected {
                let full = root.join(path);
                if std::fs::read_to_string(&full).ok().as_deref() != Some(text.as_str()) {
                    std::fs::write(&full, text).expect("write rule page");
                }
            }
        }
        let actual = pages_on_disk(&root);
        let mut problems = Vec::new();
        for (path, text) in &expected {
            match actual.get(path) {
                None => problems.push(format!("  missing: {path}")),
                Some(on_disk) if on_disk != text => problems.push(format!(
                    "  stale:   {path} ({})",
                    first_difference(text, on_disk)
                )),
                Some(_) => {}
            }
        }
        for path in actual.keys().filter(|p| !expected.contains_key(*p)) {
            problems.push(format!("  orphan:  {path} (no registered rule renders it)"));
        }
        assert!(
            problems.is_empty(),
            "docs/rules/ is out of date with the rule docs:\n{}\nregenerate with:\n  {UPDATE_COMMAND}",
            problems.join("\n")
        );
    }

    #[test]
    fn pages_render_docs_and_index() {
        let pages = render_rule_pages();
        let page = &pages["docs/rules/LOG001.md"];
        assert!(page.starts_with(HEADER), "{page}");
        assert!(
            page.contains("\n# LOG001 log-group-without-retention\n"),
            "{page}"
        );
        assert!(page.contains("- Default severity: error\n"), "{page}");
        assert!(page.contains("\n## What it does\n"), "{page}");
        assert!(page.contains("\n```hcl\nresource \"aws_cloudwatch_log_group\""));
        assert!(page.ends_with("```\n"), "{page}");
        let index = &pages["docs/rules/README.md"];
        assert!(index
            .contains("| [LOG001](LOG001.md) | `log-group-without-retention` | error | Flags an"));
        assert_eq!(pages.len(), registry::all().len() + 1);
    }

    const SECTIONS: [&str; 4] = [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
    ];

    /// A family followed by three digits: `^[A-Z]+[0-9]{3}$`, except that a family may
    /// hold digits after its first letter (`S3001`, `EC2001`: the S3 and EC2 families
    /// the design names would fail the plain pattern).
    fn is_rule_id(id: &str, family: &str) -> bool {
        let family_ok = family.starts_with(|c: char| c.is_ascii_uppercase())
            && family
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        let digits = id.strip_prefix(family).unwrap_or("");
        family_ok && digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit())
    }

    /// Lowercase words of letters and digits joined by single dashes.
    fn is_kebab_case(name: &str) -> bool {
        !name.is_empty()
            && name.split('-').all(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
    }

    #[test]
    fn every_rule_is_well_declared() {
        let mut problems = Vec::new();
        let mut ids = BTreeSet::new();
        let mut names = BTreeSet::new();
        for rule in registry::all() {
            let m = rule.meta();
            let docs = m.docs_markdown();
            let lines: Vec<&str> = docs.lines().map(str::trim_end).collect();
            let mut last = None;
            for s in SECTIONS {
                match lines.iter().position(|l| *l == s) {
                    None => problems.push(format!("{}: docs lack the `{s}` section", m.id)),
                    Some(i) if last.is_some_and(|l| i < l) => {
                        problems.push(format!("{}: `{s}` is out of order", m.id))
                    }
                    Some(i) => last = Some(i),
                }
            }
            if !is_rule_id(m.id, m.family()) {
                problems.push(format!(
                    "{}: ID is not its family `{}` (uppercase letters, then letters or \
                     digits) followed by three digits",
                    m.id,
                    m.family()
                ));
            }
            if !is_kebab_case(m.name) {
                problems.push(format!("{}: name `{}` is not kebab-case", m.id, m.name));
            }
            if m.name.starts_with("no-") {
                problems.push(format!(
                    "{}: name `{}` starts with `no-` (say what is flagged)",
                    m.id, m.name
                ));
            }
            if m.summary().is_empty() {
                problems.push(format!("{}: `What it does` has no first paragraph", m.id));
            }
            if !ids.insert(m.id) {
                problems.push(format!("{}: ID registered twice", m.id));
            }
            if !names.insert(m.name) {
                problems.push(format!("{}: name `{}` registered twice", m.id, m.name));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn id_and_name_checks() {
        assert!(is_rule_id("LOG001", "LOG") && is_rule_id("APIGW001", "APIGW"));
        assert!(is_rule_id("S3001", "S3") && is_rule_id("EC2001", "EC2"));
        assert!(!is_rule_id("LOG01", "LOG") && !is_rule_id("log001", "log"));
        assert!(!is_rule_id("001", "") && !is_rule_id("3S001", "3S"));
        assert!(!is_rule_id("LOG0001", "LOG") && !is_rule_id("LOG00A", "LOG"));
        assert!(!is_rule_id("DLQ001", "LOG"));
        assert!(is_kebab_case("iam-wildcard-action") && is_kebab_case("s3-v2"));
        assert!(!is_kebab_case("Iam-wildcard") && !is_kebab_case("a--b"));
        assert!(!is_kebab_case("a_b") && !is_kebab_case("-a"));
    }
}
