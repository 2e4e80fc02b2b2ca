use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;

declare_rule! {
    /// ## What it does
    /// Flags a function whose `runtime` is past AWS's deprecation date.
    ///
    /// ## Why is this bad?
    /// A deprecated runtime gets no security patches, and AWS then blocks creating and
    /// later updating functions that use it: the next deploy fails. Seed 003's
    /// `python3.9` is one (deprecated 2025-12-15).
    ///
    /// The dates come from the AWS Lambda Developer Guide, "Runtime deprecation policy"
    /// (deprecated runtimes table), as published up to 2025-12; only dates already past
    /// are listed, so a runtime whose deprecation is merely announced does not fire.
    ///
    /// ## Example
    /// ```hcl
    /// runtime = "python3.9"
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// runtime = "python3.12"
    /// ```
    pub struct LambdaDeprecatedRuntime {
        id: "LAMBDA004",
        name: "lambda-deprecated-runtime",
        severity: Error,
    }
}

/// (runtime, deprecation date) — AWS Lambda Developer Guide, "Runtime deprecation policy".
pub const DEPRECATED_RUNTIMES: &[(&str, &str)] = &[
    ("dotnet5.0", "2022-05-10"),
    ("dotnet6", "2024-12-20"),
    ("dotnet7", "2024-05-14"),
    ("dotnetcore1.0", "2019-06-27"),
    ("dotnetcore2.0", "2019-05-30"),
    ("dotnetcore2.1", "2022-01-05"),
    ("dotnetcore3.1", "2023-04-03"),
    ("go1.x", "2024-01-08"),
    ("java8", "2024-01-08"),
    ("nodejs", "2016-10-31"),
    ("nodejs4.3", "2020-03-05"),
    ("nodejs4.3-edge", "2019-04-30"),
    ("nodejs6.10", "2019-08-12"),
    ("nodejs8.10", "2020-03-06"),
    ("nodejs10.x", "2021-07-30"),
    ("nodejs12.x", "2023-03-31"),
    ("nodejs14.x", "2023-12-04"),
    ("nodejs16.x", "2024-06-12"),
    ("nodejs18.x", "2025-09-01"),
    // AWS's end-of-support notices: Node.js 20 on 2026-04-30 (its upstream end of life),
    // the OS-only runtime for Amazon Linux 2 on 2026-07-31, Python 3.10 on 2026-10-31.
    // Other Amazon Linux 2 runtimes (Java 8, 11, 17, Python 3.11) have dates of their own,
    // not yet announced.
    ("nodejs20.x", "2026-04-30"),
    ("provided", "2024-01-08"),
    ("provided.al2", "2026-07-31"),
    ("python2.7", "2021-07-15"),
    ("python3.6", "2022-07-18"),
    ("python3.7", "2023-12-04"),
    ("python3.8", "2024-10-14"),
    ("python3.9", "2025-12-15"),
    ("python3.10", "2026-10-31"),
    ("ruby2.5", "2021-07-30"),
    ("ruby2.7", "2023-12-07"),
];

/// The deprecation date of `runtime` when it is on or before `today` (`YYYY-MM-DD`).
pub fn deprecated_since(runtime: &str, today: &str) -> Option<&'static str> {
    DEPRECATED_RUNTIMES
        .iter()
        .find(|(r, _)| *r == runtime)
        .map(|(_, d)| *d)
        .filter(|d| *d <= today)
}

impl Rule for LambdaDeprecatedRuntime {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let today = cx.today();
        for f in cx.resources("aws_lambda_function") {
            let Some(runtime) = cx.attr(f, "runtime") else {
                continue;
            };
            let Some(r) = runtime.as_str() else { continue };
            if let Some(date) = deprecated_since(r, &today) {
                out.push(Finding::new(&Self::META, format!("runtime `{r}` is deprecated since {date}"))
                    .at(runtime.origin.or(cx.origin_of(f, "runtime")))
                    .label("deprecated runtime")
                    .help("move to a supported runtime of the same language (e.g. python3.12, nodejs22.x, java21)")
                    .resource(f.address())
                    .attribute("runtime"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::deprecated_since;
    use crate::testing::{lint_hcl, render_all};

    const BAD: &str = "resource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n  role          = \"r\"\n  runtime       = \"python3.9\"\n}\n";

    #[test]
    fn dates() {
        assert_eq!(deprecated_since("nodejs20.x", "2026-04-29"), None);
        assert_eq!(
            deprecated_since("nodejs20.x", "2026-12-07"),
            Some("2026-04-30")
        );
        assert_eq!(deprecated_since("python3.10", "2026-10-30"), None);
        assert_eq!(deprecated_since("provided.al2", "2026-08-01"), Some("2026-07-31"));
        // Not yet announced: not flagged.
        assert_eq!(deprecated_since("python3.11", "2026-12-07"), None);
        assert_eq!(deprecated_since("python3.9", "2025-12-14"), None);
        assert_eq!(
            deprecated_since("python3.9", "2025-12-15"),
            Some("2025-12-15")
        );
        assert_eq!(deprecated_since("python3.12", "2030-01-01"), None);
    }

    #[test]
    fn fires_on_python39() {
        assert_eq!(lint_hcl("LAMBDA004", BAD).len(), 1);
    }

    #[test]
    fn quiet_on_supported() {
        let f = lint_hcl("LAMBDA004", "resource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n  role          = \"r\"\n  runtime       = \"python3.12\"\n}\n");
        assert!(f.is_empty());
    }

    /// Functions made by `for_each` over a map whose runtimes are `a` and `b`.
    fn for_each_with(a: &str, b: &str) -> String {
        format!(
            r#"variable "functions" {{
  default = {{
    orders   = {{ runtime = "{a}" }}
    invoices = {{ runtime = "{b}" }}
  }}
}}

resource "aws_lambda_function" "f" {{
  for_each      = var.functions
  function_name = each.key
  role          = "r"
  runtime       = each.value.runtime
}}
"#
        )
    }

    #[test]
    fn fires_when_every_instance_has_the_deprecated_runtime() {
        let found = lint_hcl("LAMBDA004", &for_each_with("python3.9", "python3.9"));
        assert_eq!(found.len(), 1, "{found:?}");
        // Only one instance deprecated: the block is judged one instance at a time, and
        // that instance is reported at its address.
        let found = lint_hcl("LAMBDA004", &for_each_with("python3.9", "python3.12"));
        let addresses: Vec<_> = found.iter().map(|f| f.resource.as_deref()).collect();
        assert_eq!(addresses, [Some("aws_lambda_function.f[\"orders\"]")]);
        assert!(lint_hcl("LAMBDA004", &for_each_with("python3.12", "python3.13")).is_empty());
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_all(&lint_hcl("LAMBDA004", BAD)));
    }
}
