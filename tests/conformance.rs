//! Every root module under `out/` and `examples/team-stacks/out/` passes `terraform init`,
//! `validate` (no warnings) and `plan` against the real hashicorp/aws provider, backends
//! and remote state reads included (scripts/tf-check).

mod common;

use common::{modules_under, out_modules, workspace_root};

#[test]
fn generated_modules_pass_terraform_validate_and_plan() {
    let root = workspace_root();
    let mut modules = out_modules(&root);
    modules.extend(modules_under(&root.join("examples/team-stacks/out")));
    assert!(!modules.is_empty(), "no root modules under out/");
    let output = std::process::Command::new("bash")
        .arg(root.join("scripts/tf-check"))
        .args(&modules)
        .output()
        .expect("runs scripts/tf-check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) {
        eprintln!("skipped: conformance not checked: {}", stderr.trim());
        return;
    }
    assert!(
        output.status.success(),
        "conformance failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("{} passed, 0 failed", modules.len())),
        "{stdout}"
    );
}
