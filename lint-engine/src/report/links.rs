//! Links in reports: each finding's rule page (`docs_url`), and paths as URIs (SARIF).

use crate::RuleMeta;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use std::path::Path;
use tfstack_model::shown::escaped;

/// The repository tfstack is developed in (Cargo.toml's `repository`).
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// Where a rule's page is: a URL template in which `{id}` is the rule ID and `{name}` its
/// name, or a base URL under which the pages are `ID.md` (a copy of `docs/rules/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocsUrl {
    template: String,
}

impl Default for DocsUrl {
    /// The rule's page in the tfstack repository: `<repository>/blob/main/docs/rules/{id}.md`.
    fn default() -> Self {
        DocsUrl {
            template: format!(
                "{}/blob/main/docs/rules/{{id}}.md",
                REPOSITORY.trim_end_matches('/')
            ),
        }
    }
}

impl DocsUrl {
    /// A template (with `{id}` or `{name}`) or a base URL; `Err` with what is wrong when
    /// it is no absolute URL (SARIF and CI systems need one), no `http://` or `https://`
    /// URL (a report links to it: a `javascript:` link would run in the reader's browser)
    /// or holds a character that would end the link in HTML or Markdown.
    pub fn parse(text: &str) -> Result<DocsUrl, String> {
        let text = text.trim();
        let scheme = text.split_once(':').map(|(s, _)| s).unwrap_or_default();
        let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !is_scheme || text.len() == scheme.len() + 1 {
            return Err(format!(
                "`{text}` is not an absolute URL: write one such as \
                 `https://docs.example.com/tfstack/{{id}}.html` (`{{id}}` is the rule ID, \
                 `{{name}}` its name) or a base URL under which the pages are `ID.md`"
            ));
        }
        if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
            || !text[scheme.len()..].starts_with("://")
        {
            return Err(format!(
                "`{}` is not an `http://` or `https://` URL: reports link to rules' pages \
                 with it, and only a web page may be linked",
                escaped(text)
            ));
        }
        if text.chars().any(char::is_whitespace) {
            return Err(format!("`{}` is not a URL: it holds spaces", escaped(text)));
        }
        if let Some(c) = text
            .chars()
            .find(|c| c.is_control() || matches!(c, '<' | '>' | '"' | '`'))
        {
            return Err(format!(
                "`{}` is not a URL: it holds `{}`",
                escaped(text),
                escaped(&c.to_string())
            ));
        }
        let template = if text.contains("{id}") || text.contains("{name}") {
            text.to_string()
        } else {
            format!("{}/{{id}}.md", text.trim_end_matches('/'))
        };
        Ok(DocsUrl { template })
    }

    /// The page of `rule`.
    pub fn page(&self, rule: &RuleMeta) -> String {
        self.template
            .replace("{id}", rule.id)
            .replace("{name}", rule.name)
    }
}

/// What a URI path keeps as it is: RFC 3986's unreserved characters, `/` and the
/// sub-delimiters that mean nothing in a path. `:` is encoded (in a relative reference's
/// first segment it would read as a scheme), and so are `%`, `?`, `#`, spaces and every
/// non-ASCII byte.
const URI_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b':')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A path (`/` separated, as reports show it) as a URI path, percent-encoded.
pub fn uri_path(path: &str) -> String {
    utf8_percent_encode(path, URI_PATH).to_string()
}

/// The `file://` URI of an absolute path; of a directory, with a trailing `/` (a base
/// that relative references resolve against).
pub fn file_uri(path: &Path, directory: bool) -> String {
    let mut text = path.to_string_lossy().replace('\\', "/");
    if !text.starts_with('/') {
        text.insert(0, '/');
    }
    if directory && !text.ends_with('/') {
        text.push('/');
    }
    format!("file://{}", uri_path(&text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;

    static LOG001: RuleMeta = RuleMeta {
        id: "LOG001",
        name: "log-group-without-retention",
        default_severity: Severity::Error,
        docs: "",
        source: "",
    };

    #[test]
    fn the_default_page_is_the_rule_page_in_the_repository() {
        let page = DocsUrl::default().page(&LOG001);
        assert_eq!(page, format!("{REPOSITORY}/blob/main/docs/rules/LOG001.md"));
        assert!(page.starts_with("https://"), "{page}");
    }

    #[test]
    fn a_template_or_a_base_url() {
        let template = DocsUrl::parse("https://wiki.example.com/lint/{id}-{name}").expect("url");
        assert_eq!(
            template.page(&LOG001),
            "https://wiki.example.com/lint/LOG001-log-group-without-retention"
        );
        let base = DocsUrl::parse("https://mirror.example.com/docs/rules/").expect("url");
        assert_eq!(
            base.page(&LOG001),
            "https://mirror.example.com/docs/rules/LOG001.md"
        );
        for bad in [
            "docs/rules/",
            "",
            "https:",
            "1http://x",
            "https://x/a b",
            "javascript:alert(document.domain)//{id}",
            "file:///etc/{id}",
            "data:text/html,x",
            "https:x/{id}",
            "https://x/\"><script>/{id}",
            "https://x/`{id}",
        ] {
            assert!(DocsUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(uri_path("infra/app/main.tf"), "infra/app/main.tf");
        assert_eq!(uri_path("a b/c#d%e?.tf"), "a%20b/c%23d%25e%3F.tf");
        assert_eq!(uri_path("x:y/ü.tf"), "x%3Ay/%C3%BC.tf");
        assert_eq!(
            file_uri(Path::new("/home/me/my repo"), true),
            "file:///home/me/my%20repo/"
        );
        assert_eq!(file_uri(Path::new("/srv/x.tf"), false), "file:///srv/x.tf");
    }
}
