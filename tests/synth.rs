//! `out/` is what the stacks generate: fresh, deterministic and `terraform fmt`-clean.

mod common;

use common::{app, has_program, workspace_root};

#[test]
fn out_is_fresh() {
    let root = workspace_root();
    let app = app();
    let synthesized = app.synthesize(None, None, &root).expect("synthesizes");
    assert!(
        synthesized.errors.is_empty(),
        "stack errors:\n{}",
        tfstack::synth::render_stack_errors(&synthesized.errors, false)
    );
    let files = app.render(&synthesized.outputs).expect("renders");
    let scope: Vec<String> = synthesized
        .outputs
        .iter()
        .map(|o| format!("{}/{}/", o.name, o.env.name))
        .collect();
    let report = tfstack::synth::check_tree(&root.join("out"), &files, &scope);
    assert!(
        report.is_clean(),
        "out/ is stale; run `cargo run --release -- synth`:\n{}",
        report.render()
    );
}

#[test]
fn synth_is_deterministic() {
    let root = workspace_root();
    let render = || {
        let app = app();
        let s = app.synthesize(None, None, &root).expect("synthesizes");
        app.render(&s.outputs).expect("renders")
    };
    assert_eq!(render(), render());
}

#[test]
fn out_is_terraform_fmt_clean() {
    if !has_program("terraform") {
        eprintln!("skipped: terraform not found, `terraform fmt -check` not run on out/");
        return;
    }
    let out = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-diff", "-recursive", "out"])
        .current_dir(workspace_root())
        .output()
        .expect("runs terraform fmt");
    assert!(
        out.status.success(),
        "out/ is not terraform fmt clean:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
