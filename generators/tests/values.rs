//! The printed text means what the IR means: terraform evaluates rendered string values
//! (escapes, `$`/`%` before interpolations and directives, heredoc indentation) back to the
//! IR's text. Skipped without terraform on PATH.

mod common;

use common::*;
use std::process::Command;
use tfstack_generators::render_blocks;
use tfstack_model::*;

fn directive(d: &str) -> TemplatePart {
    TemplatePart::Directive(d.into())
}

fn heredoc_parts(parts: Vec<TemplatePart>, indented: bool) -> Expr {
    Expr::new(ExprKind::Template(Box::new(Template {
        parts: parts.into(),
        heredoc: Some(Box::new(Heredoc {
            delimiter: "EOT".into(),
            indented,
        })),
    })))
}

fn cases() -> Vec<(Expr, &'static str)> {
    vec![
        (
            s("literal ${x} and %{y} \"q\" \\ \n\t \u{1} é 日 😀 $$ %%"),
            "literal ${x} and %{y} \"q\" \\ \n\t \u{1} é 日 😀 $$ %%",
        ),
        (
            Expr::template(vec![lit("cost $"), interp(s("5"))]),
            "cost $5",
        ),
        (Expr::template(vec![lit("$$"), interp(s("x"))]), "$$x"),
        (
            Expr::template(vec![lit("$"), lit("{not}"), lit("%"), lit("{nor}")]),
            "${not}%{nor}",
        ),
        (
            Expr::template(vec![
                lit("a$%"),
                directive("%{ if true }"),
                lit("y"),
                directive("%{ endif }"),
            ]),
            "a$%y",
        ),
        (
            Expr::template(vec![lit("n="), interp(Expr::int(-1))]),
            "n=-1",
        ),
        (
            Expr::template(vec![
                lit("o="),
                interp(Expr::call(
                    "jsonencode",
                    vec![Expr::object(vec![("a", Expr::int(1))])],
                )),
            ]),
            "o={\"a\":1}",
        ),
        (
            Expr::template(vec![
                lit("x"),
                interp(Expr::conditional(Expr::bool(true), s("y"), s("z"))),
            ]),
            "xy",
        ),
        (heredoc("x\n\n  y\n   \n", true), "x\n\n  y\n   \n"),
        (heredoc("  all\n  indented\n", true), "  all\n  indented\n"),
        (
            heredoc("${a} %{b} $${c} \\n \"q\"\n", false),
            "${a} %{b} $${c} \\n \"q\"\n",
        ),
        (
            heredoc_parts(
                vec![
                    lit("a "),
                    interp(s("b")),
                    lit("\n"),
                    interp(s("c")),
                    lit(" d\n"),
                ],
                true,
            ),
            "a b\nc d\n",
        ),
        (
            heredoc_parts(vec![lit("cost $"), interp(s("5")), lit("\n")], true),
            "cost $5\n",
        ),
        (heredoc("no final newline", true), "no final newline"),
        (heredoc("EOT\n  EOT\n", false), "EOT\n  EOT\n"),
        (
            Expr::object(vec![("k", heredoc("in an object\n", true))]).pipe_get("k"),
            "in an object\n",
        ),
        (
            Expr::call("trimspace", vec![heredoc("  hug  \n", true)]),
            "hug",
        ),
    ]
}

trait PipeGet {
    fn pipe_get(self, key: &str) -> Expr;
}

impl PipeGet for Expr {
    /// `lookup(<object>, key)`
    fn pipe_get(self, key: &str) -> Expr {
        Expr::call("lookup", vec![self, s(key)])
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    let bytes: Vec<u8> = text.bytes().filter(|&c| c != b'=').collect();
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= (value(c) as u32) << (18 - 6 * i);
        }
        let n = chunk.len() * 6 / 8;
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    out
}

#[test]
fn terraform_reads_back_the_ir_text() {
    if Command::new("terraform").arg("version").output().is_err() {
        eprintln!("skipped: terraform not found, values not checked");
        return;
    }
    let cases = cases();
    let mut locals = Block::new("locals", vec![]);
    for (i, (e, _)) in cases.iter().enumerate() {
        locals = locals.attr(format!("v{i}"), e.clone());
    }
    let text = render_blocks(&[locals]);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.tf"), &text).expect("write");
    let rc = dir.path().join("cli.tfrc");
    std::fs::write(&rc, "").expect("write");
    let refs: Vec<String> = (0..cases.len()).map(|i| format!("local.v{i}")).collect();
    let query = format!("base64encode(jsonencode([{}]))\n", refs.join(", "));
    let mut child = Command::new("terraform")
        .args(["console", "-no-color"])
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", &rc)
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run terraform console");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(query.as_bytes()).expect("write query");
    }
    let out = child.wait_with_output().expect("terraform console");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "terraform console failed:\n{}\n{}\n{text}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let encoded = stdout.trim().trim_matches('"');
    let json: Vec<String> =
        serde_json::from_slice(&base64_decode(encoded)).expect("json list of strings");
    assert_eq!(json.len(), cases.len());
    for (i, ((_, expected), got)) in cases.iter().zip(&json).enumerate() {
        assert_eq!(got, expected, "v{i} in:\n{text}");
    }
}
