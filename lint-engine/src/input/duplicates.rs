//! Names a module declares twice. Terraform rejects a module in which two resources of one
//! type, two data sources, module calls, variables or outputs share a name, or a local is
//! defined twice ("Duplicate resource … configuration"): the linter says so as an error at
//! the second declaration, naming the first (its rules would otherwise judge two blocks
//! where Terraform plans none).

use crate::located::InputError;
use std::collections::HashMap;
use tfstack_model::error::display_path;
use tfstack_model::{Config, Origin, SourceFiles, Structure};

/// An error at every declaration of a name declared before it in `config`, read from
/// `sources`.
pub fn duplicate_declarations<'c>(config: &'c Config, sources: &SourceFiles) -> Vec<InputError> {
    // Keyed by the declaration's kind and names, borrowed from the configuration: a text
    // is made only for a name declared twice.
    let mut first: HashMap<(&'static str, &'c str, &'c str), Origin> = HashMap::new();
    let mut errors = Vec::new();
    let mut declare = |key: (&'static str, &'c str, &'c str), origin: Origin| match first.get(&key)
    {
        Some(earlier) => {
            let what = match key {
                ("resource", t, n) => format!("resource `{t}.{n}`"),
                ("data", t, n) => format!("data source `data.{t}.{n}`"),
                ("module", n, _) => format!("module call `module.{n}`"),
                ("variable", n, _) => format!("variable `var.{n}`"),
                ("output", n, _) => format!("output `{n}`"),
                (_, n, _) => format!("local value `local.{n}`"),
            };
            if let Some(error) = error_at(sources, origin, *earlier, &what) {
                errors.push(error);
            }
        }
        None => {
            first.insert(key, origin);
        }
    };
    for block in &config.blocks {
        let labels: Vec<&'c str> = block.labels.iter().map(|l| l.as_str()).collect();
        match (block.kind.as_str(), labels.as_slice()) {
            ("resource", [t, n]) => declare(("resource", t, n), block.origin),
            ("data", [t, n]) => declare(("data", t, n), block.origin),
            ("module", [n]) => declare(("module", n, ""), block.origin),
            ("variable", [n]) => declare(("variable", n, ""), block.origin),
            ("output", [n]) => declare(("output", n, ""), block.origin),
            ("locals", []) => {
                for item in &block.body.items {
                    if let Structure::Attribute(a) = item {
                        declare(("local", a.name.as_str(), ""), a.origin);
                    }
                }
            }
            _ => {}
        }
    }
    errors
}

/// The error at `origin` for `what` declared first at `earlier` (`None` for a declaration
/// that is in no file: a typed stack's).
fn error_at(
    sources: &SourceFiles,
    origin: Origin,
    earlier: Origin,
    what: &str,
) -> Option<InputError> {
    let (file, span) = sources.file_of(origin)?;
    let first = sources.file_of(earlier).map(|(file, span)| {
        let (line, column) = file.line_col(span.start);
        format!("{}:{line}:{column}", display_path(&file.path))
    });
    let message = match first {
        Some(place) => format!("{what} is declared twice: first at {place}"),
        None => format!("{what} is declared twice"),
    };
    Some(
        InputError::at_offset(file, span.start as usize, message).with_help(
            "Terraform rejects a module that declares a name twice: rename or remove one",
        ),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_declared_twice_is_an_error_at_the_second() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("main.tf");
        std::fs::write(
            &path,
            r#"
resource "aws_sqs_queue" "q" {}
resource "aws_sns_topic" "q" {}
variable "v" {}
locals {
  a = 1
}
resource "aws_sqs_queue" "q" {}
locals {
  b = 2
  a = 3
}
variable "v" {}
data "aws_sqs_queue" "q" {}
"#,
        )
        .expect("write");
        let loaded = super::super::load_dir(&[path], &tfstack_model::read::Reader::default());
        let shown: Vec<String> = loaded
            .errors
            .iter()
            .map(|e| {
                let position = e.position();
                let place = position.rsplit('/').next().unwrap_or_default().to_string();
                let first = e.message.rsplit('/').next().unwrap_or_default().to_string();
                format!(
                    "{place} {}{first}",
                    e.message.split("first at ").next().unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "main.tf:8:1 resource `aws_sqs_queue.q` is declared twice: main.tf:2:1",
                "main.tf:11:3 local value `local.a` is declared twice: main.tf:6:3",
                "main.tf:13:1 variable `var.v` is declared twice: main.tf:4:1",
            ]
        );
    }
}
