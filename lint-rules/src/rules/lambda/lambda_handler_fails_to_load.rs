use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::packages::{function_package, Package};
use tfstack_model::{Block, Origin, ValueKind};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_lambda_function` whose handler cannot load, so that the first invoke
    /// (and every one after it) fails:
    ///
    /// - a Python or Node.js handler without a `.` (`handler = "app"`): "Bad handler";
    /// - a Python handler whose module is a built-in module of the interpreter
    ///   (`handler = "time.handler"`): "Cannot use built-in module time as a handler
    ///   module";
    /// - a handler file missing from a deployment package tfstack can see — the local zip
    ///   `filename` names (its file list), the `archive_file` it is built from
    ///   (`source_dir`, `source_file`, …), or a typed stack's code directory: the Python
    ///   module (`app.py`, or a package `app/`), the Node.js module (`index.js`, `.mjs`,
    ///   `.cjs`, a directory or `node_modules` package), or `bootstrap` for an OS-only
    ///   runtime (`provided.al2023`).
    ///
    /// ## Why is this bad?
    /// Terraform, `validate` and `plan` accept any handler, and the deployment succeeds;
    /// the function fails when it is first invoked. AWS's runtimes say why: the Python
    /// runtime interface client (`awslambdaric`, `bootstrap._get_handler`) splits the
    /// handler with `handler.rsplit(".", 1)` ("Bad handler" without a dot), refuses a
    /// module whose first dotted part is in `sys.builtin_module_names`, then imports it with
    /// `importlib.import_module(modname.replace("/", "."))`
    /// (`Runtime.ImportModuleError: Unable to import module`). The Node.js runtime matches
    /// the handler's file name against `^([^.]*)\.(.*)$` ("Bad handler") and loads the
    /// module from the function's directory. An OS-only runtime runs `bootstrap` from the
    /// package root or a layer ("Couldn't find valid bootstrap(s): [/var/task/bootstrap
    /// /opt/bootstrap]", `Runtime.InvalidEntrypoint`).
    ///
    /// A dash in a module name is fine: `importlib.import_module("hello-world")` imports
    /// `hello-world.py` (LAMBDA002, which flagged it, is retired).
    ///
    /// ## What it deliberately does not flag
    /// - A runtime or handler it cannot evaluate, container images (`package_type =
    ///   "Image"`), and runtimes other than Python, Node.js and OS-only.
    /// - A missing file when the function has `layers` (a layer can provide the module or
    ///   `/opt/bootstrap`), or sets `PYTHONPATH` (Python) or `NODE_PATH` (Node.js), or has
    ///   environment variables it cannot evaluate.
    /// - Packages it cannot see: in S3, a zip that is not there yet (built by CI), larger
    ///   than 64 MB, or not a zip; an `archive_file` with a part it cannot evaluate; a
    ///   listing cut short (more than 100,000 files, a linked directory).
    /// - Built-in module names are CPython's default set on Linux (`sys`, `time`, `posix`,
    ///   `gc`, `itertools`, …); a module built in only by some distributions is not
    ///   flagged.
    ///
    /// ## Example
    /// ```hcl
    /// data "archive_file" "orders" {
    ///   type        = "zip"
    ///   source_dir  = "${path.module}/src"   # holds handler.py
    ///   output_path = "${path.module}/build/orders.zip"
    /// }
    ///
    /// resource "aws_lambda_function" "orders" {
    ///   function_name = "orders"
    ///   role          = aws_iam_role.orders.arn
    ///   runtime       = "python3.12"
    ///   handler       = "app.handler"
    ///   filename      = data.archive_file.orders.output_path
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_lambda_function" "orders" {
    ///   function_name = "orders"
    ///   role          = aws_iam_role.orders.arn
    ///   runtime       = "python3.12"
    ///   handler       = "handler.handler"
    ///   filename      = data.archive_file.orders.output_path
    /// }
    /// ```
    pub struct LambdaHandlerFailsToLoad {
        id: "LAMBDA007",
        name: "lambda-handler-fails-to-load",
        severity: Error,
    }
}

/// CPython's built-in modules on Linux with the default build configuration
/// (`sys.builtin_module_names` of python.org's sources, 3.9 to 3.13): the Python runtime
/// refuses a handler module whose first dotted part is one of them.
const PYTHON_BUILTIN_MODULES: &[&str] = &[
    "_abc",
    "_ast",
    "_codecs",
    "_collections",
    "_functools",
    "_imp",
    "_io",
    "_locale",
    "_operator",
    "_signal",
    "_sre",
    "_stat",
    "_string",
    "_symtable",
    "_thread",
    "_tokenize",
    "_tracemalloc",
    "_warnings",
    "_weakref",
    "atexit",
    "builtins",
    "errno",
    "faulthandler",
    "gc",
    "itertools",
    "marshal",
    "posix",
    "pwd",
    "sys",
    "time",
    "xxsubtype",
];

/// The language of a runtime, as far as loading the handler goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Language {
    Python,
    Node,
    /// `provided`, `provided.al2`, `provided.al2023`: the package's `bootstrap`.
    OsOnly,
}

impl Language {
    fn of(runtime: &str) -> Option<Language> {
        if runtime.starts_with("python") {
            Some(Language::Python)
        } else if runtime.starts_with("nodejs") {
            Some(Language::Node)
        } else if runtime == "provided" || runtime.starts_with("provided.") {
            Some(Language::OsOnly)
        } else {
            None
        }
    }

    /// The environment variable that adds directories to the module search path.
    fn search_path_variable(self) -> Option<&'static str> {
        match self {
            Language::Python => Some("PYTHONPATH"),
            Language::Node => Some("NODE_PATH"),
            Language::OsOnly => None,
        }
    }
}

/// Why a handler cannot load.
enum Failure {
    /// No `.` where the runtime splits module from function.
    BadHandler,
    /// A Python module that is built into the interpreter.
    BuiltinModule(String),
    /// The file the runtime looks for is not in the package.
    Missing { file: String, package: String },
}

impl Rule for LambdaHandlerFailsToLoad {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for function in cx.resources("aws_lambda_function") {
            let Some(language) = cx
                .attr(function, "runtime")
                .and_then(|r| r.as_str().and_then(Language::of))
            else {
                continue;
            };
            if cx.attr(function, "package_type").is_some_and(|p| {
                p.as_str() != Some("Zip") && !matches!(p.kind, ValueKind::Null)
            }) {
                continue;
            }
            let handler = cx.attr(function, "handler");
            let handler_text = handler.as_ref().and_then(|h| h.as_str());
            let origin = handler
                .as_ref()
                .map(|h| h.origin)
                .unwrap_or(Origin::GENERATED)
                .or(cx.origin_of(function, "handler"));
            let failure = match (language, handler_text) {
                (Language::OsOnly, _) => missing_bootstrap(cx, function),
                (_, None) => None,
                (Language::Python, Some(h)) => python_failure(cx, function, h),
                (Language::Node, Some(h)) => node_failure(cx, function, h),
            };
            if let Some(failure) = failure {
                // A missing `bootstrap` is the package's fault, not the handler's.
                let (at, attribute) = match language {
                    Language::OsOnly => (
                        function
                            .body
                            .attribute("filename")
                            .map_or(function.origin, |a| a.value.origin.or(a.origin)),
                        "filename",
                    ),
                    _ => (origin, "handler"),
                };
                out.push(finding(function, handler_text, failure, at, attribute));
            }
        }
    }
}

fn python_failure(cx: &Context, function: &Block, handler: &str) -> Option<Failure> {
    let Some((module, _)) = handler.rsplit_once('.') else {
        return Some(Failure::BadHandler);
    };
    let first = module.split('.').next().unwrap_or(module);
    if PYTHON_BUILTIN_MODULES.contains(&first) {
        return Some(Failure::BuiltinModule(module.to_string()));
    }
    // `importlib.import_module(module.replace("/", "."))`: `a/b.c` is `a/b/c`.
    let path = module.replace('.', "/");
    if path.split('/').any(str::is_empty) {
        return None;
    }
    let package = visible_package(cx, function, Language::Python)?;
    (!package.has_module(&path)).then(|| Failure::Missing {
        file: format!("{path}.py"),
        package: package.name.clone(),
    })
}

fn node_failure(cx: &Context, function: &Block, handler: &str) -> Option<Failure> {
    // The runtime splits the handler's base name at its first dot, the directory before it
    // is the module's root (`src/app.main` is `src/app`, function `main`).
    let (root, base) = match handler.rfind('/') {
        Some(i) => (&handler[..=i], &handler[i + 1..]),
        None => ("", handler),
    };
    let Some((module, _)) = base.split_once('.') else {
        return Some(Failure::BadHandler);
    };
    if module.is_empty() {
        return None;
    }
    let root = root.trim_start_matches("./");
    let path = format!("{root}{module}");
    let package = visible_package(cx, function, Language::Node)?;
    let in_node_modules = package.files.iter().any(|f| {
        f.match_indices(&format!("node_modules/{module}"))
            .any(|(i, m)| {
                (i == 0 || f[..i].ends_with('/'))
                    && matches!(f[i + m.len()..].chars().next(), None | Some('/' | '.'))
            })
    });
    (!package.has_module(&path) && !in_node_modules).then(|| Failure::Missing {
        file: format!("{path}.js"),
        package: package.name.clone(),
    })
}

fn missing_bootstrap(cx: &Context, function: &Block) -> Option<Failure> {
    let package = visible_package(cx, function, Language::OsOnly)?;
    (!package.has_file("bootstrap")).then(|| Failure::Missing {
        file: "bootstrap".to_string(),
        package: package.name.clone(),
    })
}

/// The function's package, when a file missing from it would be missing at run time: the
/// listing is complete, and no layer or search path can provide the file.
fn visible_package(
    cx: &Context,
    function: &Block,
    language: Language,
) -> Option<std::rc::Rc<Package>> {
    let has_layers = cx.attr(function, "layers").is_some_and(|l| match &l.kind {
        ValueKind::Null => false,
        ValueKind::List(items) => !items.is_empty(),
        _ => true,
    });
    if has_layers || function.body.blocks().any(|b| b.kind == "dynamic") {
        return None;
    }
    if let Some(variable) = language.search_path_variable() {
        for environment in function.body.blocks_of("environment") {
            let Some(variables) = environment.body.get("variables").map(|e| cx.value(e)) else {
                continue;
            };
            match variables.as_object() {
                Some(map) if !map.contains_key(variable) => {}
                _ => return None,
            }
        }
    }
    function_package(cx, function).filter(|p| p.complete)
}

fn finding(
    function: &Block,
    handler: Option<&str>,
    failure: Failure,
    at: Origin,
    attribute: &str,
) -> Finding {
    let handler = handler.unwrap_or_default();
    let (message, label, help) = match failure {
        Failure::BadHandler => (
            format!(
                "handler `{handler}` has no `.`: every invoke fails with `Bad handler`"
            ),
            "no `module.function`".to_string(),
            "write the handler as `<module>.<function>` (e.g. `app.handler`)".to_string(),
        ),
        Failure::BuiltinModule(module) => (
            format!(
                "handler module `{module}` is a Python built-in module: every invoke fails \
                 with `Cannot use built-in module {module} as a handler module`"
            ),
            "a built-in module".to_string(),
            format!("rename `{module}.py` (e.g. `{module}_handler.py`) and update `handler`"),
        ),
        Failure::Missing { file, package } if file == "bootstrap" => (
            format!(
                "deployment package `{package}` has no `bootstrap`: every invoke fails with \
                 `Runtime.InvalidEntrypoint` (Couldn't find valid bootstrap)"
            ),
            "no `bootstrap` at the package root".to_string(),
            "build the executable as `bootstrap` at the root of the zip (e.g. `go build -o \
             bootstrap`), or add the layer that provides `/opt/bootstrap`"
                .to_string(),
        ),
        Failure::Missing { file, package } => (
            format!(
                "handler `{handler}` needs `{file}`, which deployment package `{package}` does \
                 not have: every invoke fails with `Runtime.ImportModuleError`"
            ),
            format!("not in `{package}`"),
            "point `handler` at a module the package contains, or add the file to the package"
                .to_string(),
        ),
    };
    Finding::new(&LambdaHandlerFailsToLoad::META, message)
        .at(at)
        .label(label)
        .help(help)
        .resource(function.address())
        .attribute(attribute)
}

#[cfg(test)]
mod tests {
    use crate::testing::{lint_files_with, lint_hcl, render_all};
    use std::io::Write;

    const RULE: &str = "LAMBDA007";

    fn function(runtime: &str, handler: &str, extra: &str) -> String {
        format!(
            r#"resource "aws_lambda_function" "f" {{
  function_name = "f"
  role          = "arn:aws:iam::111122223333:role/f"
  runtime       = "{runtime}"
  handler       = "{handler}"
{extra}}}
"#
        )
    }

    /// A zip holding `names` (each file with one byte).
    fn zip_bytes(names: &[&str]) -> Vec<u8> {
        let mut buffer = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buffer);
        for name in names {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("start");
            zip.write_all(b"x").expect("write");
        }
        zip.finish().expect("finish");
        buffer.into_inner()
    }

    /// `main.tf` with the function and a zip `build/app.zip` holding `names`, linted.
    fn with_zip(runtime: &str, handler: &str, extra: &str, names: &[&str]) -> usize {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("build")).expect("mkdir");
        std::fs::write(dir.path().join("build/app.zip"), zip_bytes(names)).expect("zip");
        let main = function(
            runtime,
            handler,
            &format!(
                "  filename      = \"{}/build/app.zip\"\n{extra}",
                dir.path().display()
            ),
        );
        lint_hcl(RULE, &main).len()
    }

    #[test]
    fn bad_handler_and_builtin_module() {
        for (runtime, handler) in [
            ("python3.12", "app"),
            ("nodejs20.x", "index"),
            ("nodejs20.x", "src.v2/index"),
            ("python3.12", "sys.handler"),
            ("python3.11", "time.lambda_handler"),
            ("python3.12", "itertools.sub.handler"),
        ] {
            let f = lint_hcl(RULE, &function(runtime, handler, ""));
            assert_eq!(f.len(), 1, "{runtime} {handler}: {f:#?}");
        }
        let f = lint_hcl(RULE, &function("python3.12", "sys.handler", ""));
        assert!(f[0]
            .message
            .contains("Cannot use built-in module sys as a handler module"));
    }

    /// The Python runtime imports `hello-world.py` with `importlib.import_module`: a dash
    /// is fine (LAMBDA002's false positives on public code).
    #[test]
    fn dashes_and_nested_modules_load() {
        for (runtime, handler) in [
            ("python3.12", "hello-world.handler"),
            ("python3.12", "lambda-function.lambda_handler"),
            ("python3.12", "tests/test_built_in_module_name/sys.my_handler"),
            ("python3.12", "pkg.sys.handler"),
            ("nodejs20.x", "my-module.handler"),
            ("java21", "Handler"),
            ("provided.al2023", "anything"),
        ] {
            let f = lint_hcl(RULE, &function(runtime, handler, ""));
            assert!(f.is_empty(), "{runtime} {handler}: {f:#?}");
        }
    }

    #[test]
    fn handler_files_in_a_local_zip() {
        let cases: &[(&str, &str, &[&str], usize)] = &[
            ("python3.12", "app.handler", &["app.py"], 0),
            ("python3.12", "app.handler", &["app/__init__.py"], 0),
            ("python3.12", "app.handler", &["app.cpython-312-x86_64-linux-gnu.so"], 0),
            ("python3.12", "src/app.handler", &["src/app.py"], 0),
            ("python3.12", "pkg.mod.handler", &["pkg/mod.py"], 0),
            ("python3.12", "hello-world.handler", &["hello-world.py"], 0),
            ("python3.12", "app.handler", &["lambda_function.py"], 1),
            ("python3.12", "src/app.handler", &["app.py"], 1),
            ("python3.12", "pkg.mod.handler", &["pkg/other.py"], 1),
            ("nodejs20.x", "index.handler", &["index.mjs"], 0),
            ("nodejs20.x", "index.handler", &["index.cjs"], 0),
            ("nodejs20.x", "dist/app.main.handler", &["dist/app.js"], 0),
            ("nodejs20.x", "app.handler", &["node_modules/app/index.js"], 0),
            ("nodejs20.x", "index.handler", &["src/index.js"], 1),
            ("nodejs20.x", "index.handler", &["node_modules/indexer/x.js"], 1),
            ("provided.al2023", "bootstrap", &["bootstrap"], 0),
            ("provided.al2", "bootstrap", &["cmd/lambda/main.go", "README.md"], 1),
        ];
        for (runtime, handler, names, expected) in cases {
            assert_eq!(
                with_zip(runtime, handler, "", names),
                *expected,
                "{runtime} {handler} {names:?}"
            );
        }
    }

    #[test]
    fn layers_search_paths_and_images_are_not_judged() {
        let names: &[&str] = &["other.py"];
        for extra in [
            "  layers = [\"arn:aws:lambda:eu-west-1:111122223333:layer:deps:3\"]\n",
            "  layers = var.layers\n",
            "  environment {\n    variables = { PYTHONPATH = \"/var/task/src\" }\n  }\n",
            "  environment {\n    variables = var.environment\n  }\n",
            "  package_type = \"Image\"\n",
        ] {
            assert_eq!(
                with_zip("python3.12", "app.handler", extra, names),
                0,
                "{extra}"
            );
        }
        // Another language's search path does not help.
        assert_eq!(
            with_zip(
                "python3.12",
                "app.handler",
                "  environment {\n    variables = { NODE_PATH = \"/opt\" }\n  }\n",
                names
            ),
            1
        );
    }

    #[test]
    fn packages_it_cannot_see_are_not_judged() {
        for extra in [
            "  filename = \"build/not-built-yet.zip\"\n",
            "  s3_bucket = \"code\"\n  s3_key = \"app.zip\"\n",
            "  filename = var.package\n",
        ] {
            let main = format!(
                "variable \"package\" {{}}\n{}",
                function("python3.12", "app.handler", extra)
            );
            let f = lint_hcl(RULE, &main);
            assert!(f.is_empty(), "{extra}: {f:#?}");
        }
        let f = lint_files_with(
            RULE,
            &[
                (
                    "main.tf",
                    &function("python3.12", "app.handler", "  filename = \"app.zip\"\n"),
                ),
                ("app.zip", "not a zip"),
            ],
            None,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn archive_file_sources() {
        let archive = |source: &str| {
            format!(
                r#"data "archive_file" "app" {{
  type        = "zip"
{source}
  output_path = "${{path.module}}/build/app.zip"
}}
{}"#,
                function(
                    "python3.12",
                    "handler.main",
                    "  filename = data.archive_file.app.output_path\n"
                )
            )
        };
        /// (archive sources, files written next to `main.tf`, findings expected)
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], usize);
        let cases: &[Case] = &[
            (
                "  source_dir = \"${path.module}/src\"",
                &[("src/handler.py", "")],
                0,
            ),
            (
                "  source_dir = \"${path.module}/src\"",
                &[("src/app.py", ""), ("src/lib/handler.py", "")],
                1,
            ),
            ("  source_file = \"${path.module}/src/handler.py\"", &[("src/handler.py", "")], 0),
            ("  source_file = \"${path.module}/src/app.py\"", &[("src/app.py", "")], 1),
            (
                "  source {\n    content  = \"x\"\n    filename = \"handler.py\"\n  }",
                &[],
                0,
            ),
            (
                "  source_content          = \"x\"\n  source_content_filename = \"app.py\"",
                &[],
                1,
            ),
            ("  source_dir = \"${path.module}/missing\"", &[], 0),
        ];
        for (source, files, expected) in cases {
            let main = archive(source);
            let mut all: Vec<(&str, &str)> = vec![("main.tf", main.as_str())];
            all.extend_from_slice(files);
            let f = lint_files_with(RULE, &all, None);
            assert_eq!(f.len(), *expected, "{source}: {f:#?}");
        }
        // Matched by the output path when `filename` repeats it instead of referring.
        let main = archive("  source_dir = \"${path.module}/src\"").replace(
            "data.archive_file.app.output_path",
            "\"${path.module}/build/app.zip\"",
        );
        let f = lint_files_with(RULE, &[("main.tf", &main), ("src/app.py", "")], None);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("`data.archive_file.app`"), "{}", f[0].message);
    }

    #[test]
    fn snapshot_diagnostic() {
        let main = format!(
            r#"data "archive_file" "orders" {{
  type        = "zip"
  source_dir  = "${{path.module}}/src"
  output_path = "${{path.module}}/build/orders.zip"
}}

{}
{}"#,
            function(
                "python3.12",
                "app.handler",
                "  filename      = data.archive_file.orders.output_path\n"
            )
            .replace("\"f\"", "\"orders\""),
            function("python3.12", "time.handler", "").replace("\"f\"", "\"clock\""),
        );
        let f = lint_files_with(
            RULE,
            &[("main.tf", &main), ("src/handler.py", "")],
            None,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
