//! What a hostile repository can make `tfstack lint` read: nothing outside the read root,
//! no FIFO or device (refused on the open handle, never blocking), nothing past the read
//! limit, no value past the evaluation budget, and named files at the cost of walking
//! them. FIFOs, devices and links are made here, at test time.

mod common;

use common::{mkfifo, repository, shown, tfstack_in};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// One `tfstack lint --format json` run: exit code, report, stderr, wall time.
struct Linted {
    code: i32,
    doc: Value,
    stderr: String,
    elapsed: Duration,
}

impl Linted {
    /// `path:line: message` of each error.
    fn errors(&self) -> Vec<String> {
        self.list("errors")
    }
    /// `path:line: message` of each notice.
    fn notices(&self) -> Vec<String> {
        self.list("notices")
    }
    /// `path:line: message` of each member of `key`.
    fn list(&self, key: &str) -> Vec<String> {
        shown(&self.doc, key, &["path", "line"], ":")
            .into_iter()
            .zip(shown(&self.doc, key, &["message"], ""))
            .map(|(at, message)| format!("{at}: {message}"))
            .collect()
    }
    /// `RULE path` of each finding.
    fn rules(&self) -> Vec<String> {
        shown(&self.doc, "findings", &["rule", "path"], " ")
    }
}

/// `tfstack lint --format json ARGS` in `dir` (killed after two minutes: a hang fails).
fn lint(dir: &Path, args: &[&str]) -> Linted {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    let run = tfstack_in(dir, &all);
    assert!(
        (0..=2).contains(&run.code),
        "killed or crashed (exit {}): {}",
        run.code,
        run.stderr
    );
    Linted {
        code: run.code,
        doc: serde_json::from_str(&run.stdout).unwrap_or(Value::Null),
        stderr: run.stderr,
        elapsed: run.elapsed,
    }
}

#[cfg(unix)]
fn link(target: &str, at: &Path) {
    std::os::unix::fs::symlink(target, at).expect("symlink");
}

/// A log group without retention: one LOG001, proof that the rest is still linted.
const LOG_GROUP: &str = "resource \"aws_cloudwatch_log_group\" \"g\" {\n  name = \"/g\"\n}\n";

/// A policy read through `file()`.
fn policy_from(path: &str) -> String {
    format!(
        "resource \"aws_iam_policy\" \"p\" {{\n  name   = \"p\"\n  policy = file(\"{path}\")\n}}\n"
    )
}

/// A policy read through `templatefile()`.
fn policy_from_template(path: &str) -> String {
    format!(
        "resource \"aws_iam_policy\" \"t\" {{\n  name   = \"t\"\n  policy = templatefile(\"{path}\", {{}})\n}}\n"
    )
}

const WILDCARD_POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

// 1. A JSON file whose byte 4,096 falls inside a multi-byte character.
#[test]
fn json_with_a_multibyte_character_across_byte_4096_is_read_whole() {
    let text = format!("{{\"a\":\"{}ä\"}}\n", "x".repeat(4089));
    assert!(!text.is_char_boundary(4096));
    let dir = repository(&[("i18n.json", &text), ("main.tf", LOG_GROUP)]);
    let run = lint(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rules(), ["LOG001 main.tf"]);
}

// A policy document read from a file that does not exist is named, not silently skipped
// (Terraform fails at that call); a package that is built later is not.
#[test]
fn a_policy_file_that_does_not_exist_is_noted_a_missing_package_is_not() {
    let main = format!(
        "{}{}{}",
        policy_from("${path.module}/policies/missing.json"),
        policy_from_template("policies/also-missing.json"),
        "resource \"aws_lambda_function\" \"f\" {\n  function_name    = \"f\"\n  role             = \"arn:aws:iam::123456789012:role/r\"\n  handler          = \"bootstrap\"\n  runtime          = \"provided.al2023\"\n  filename         = \"build/f.zip\"\n  source_code_hash = filebase64sha256(\"build/f.zip\")\n}\n"
    );
    let dir = repository(&[("main.tf", &main)]);
    let run = lint(dir.path(), &["."]);
    assert_eq!(
        run.notices(),
        [
            "main.tf:3: `policies/missing.json` does not exist: the document it should hold is \
             not judged",
            "main.tf:7: `policies/also-missing.json` does not exist: the document it should \
             hold is not judged",
        ],
        "{:?}",
        run.doc
    );
    // Once the file is there, it is judged.
    std::fs::create_dir_all(dir.path().join("policies")).expect("mkdir");
    std::fs::write(dir.path().join("policies/missing.json"), WILDCARD_POLICY).expect("write");
    let run = lint(dir.path(), &["."]);
    assert!(
        run.rules()
            .contains(&"IAM001 policies/missing.json".to_string()),
        "{:?}",
        run.rules()
    );
}

// 2. FIFOs: in a called module, through file()/templatefile(), as --var-file, --config
// and --baseline. Each is refused by name, at once.
#[cfg(unix)]
#[test]
fn a_fifo_in_a_called_module_is_refused_by_name() {
    let dir = repository(&[
        ("app/main.tf", "module \"m\" {\n  source = \"../mod\"\n}\n"),
        ("mod/main.tf", LOG_GROUP),
    ]);
    if !mkfifo(&dir.path().join("mod/x.tf")) {
        return;
    }
    let run = lint(dir.path(), &["app"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.errors(),
        ["mod/x.tf:0: not a regular file (a FIFO); tfstack reads regular files only"]
    );
    // The module's other file is still linted, in its instance.
    assert_eq!(run.rules(), ["LOG001 mod/main.tf"]);
    assert!(run.elapsed < Duration::from_secs(30));
}

#[cfg(unix)]
#[test]
fn file_and_templatefile_of_a_fifo_are_noted_not_read() {
    let main = format!(
        "{}{}",
        policy_from("${path.module}/policy.json"),
        policy_from_template("policy.json")
    );
    let dir = repository(&[("main.tf", &main)]);
    if !mkfifo(&dir.path().join("policy.json")) {
        return;
    }
    let run = lint(dir.path(), &["."]);
    assert_eq!(run.code, 0, "{:?}", run.doc);
    assert_eq!(
        run.notices(),
        [
            "main.tf:3: `policy.json` was not read (not a regular file (a FIFO); tfstack reads \
          regular files only): its value is unknown"
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_as_var_file_config_or_baseline_is_refused() {
    let dir = repository(&[("main.tf", LOG_GROUP)]);
    if mkfifo(&dir.path().join("pipe")) {
        assert_refused_as_any_named_file(dir.path(), "pipe", "not a regular file (a FIFO)");
    }
}

/// `file` given as `--var-file`, `--config` and `--baseline`: each refused at once (exit
/// 2), the refusal saying `message`.
fn assert_refused_as_any_named_file(dir: &Path, file: &str, message: &str) {
    for flag in ["--var-file", "--config", "--baseline"] {
        let run = lint(dir, &[".", flag, file]);
        assert_eq!(run.code, 2, "{flag}: {:?}", run.doc);
        let said = format!("{}{:?}", run.stderr, run.errors());
        assert!(said.contains(message), "{flag}: {said}");
        assert!(run.elapsed < Duration::from_secs(30), "{flag}");
    }
}

// 3. Unbounded reads: a called module's `x.tf -> /dev/zero`, `file("/dev/zero")`, and
// /dev/zero as a variable file, configuration or baseline.
#[cfg(unix)]
#[test]
fn a_module_file_linked_to_dev_zero_is_never_read() {
    let dir = repository(&[
        ("app/main.tf", "module \"m\" {\n  source = \"../mod\"\n}\n"),
        ("mod/main.tf", LOG_GROUP),
    ]);
    link("/dev/zero", &dir.path().join("mod/x.tf"));
    // Outside the read root: not followed.
    let run = lint(dir.path(), &["app"]);
    assert_eq!(run.code, 1, "{:?}", run.doc);
    assert_eq!(
        run.notices(),
        ["mod/x.tf:0: `mod/x.tf` is a link outside the read root: it is not read"]
    );
    assert_eq!(run.rules(), ["LOG001 mod/main.tf"]);
    // With the whole disk as the root: refused on its open handle, not read.
    let run = lint(dir.path(), &["app", "--root", "/"]);
    assert_eq!(run.code, 2, "{:?}", run.doc);
    assert_eq!(
        run.errors(),
        ["mod/x.tf:0: not a regular file (a character device); tfstack reads regular files only"]
    );
    assert!(run.elapsed < Duration::from_secs(30));
}

#[cfg(unix)]
#[test]
fn file_of_dev_zero_is_never_read() {
    let dir = repository(&[("main.tf", &policy_from("/dev/zero"))]);
    let run = lint(dir.path(), &["."]);
    assert_eq!(
        run.notices(),
        ["main.tf:3: `/dev/zero` was not read (it is outside the read root): its value is unknown"]
    );
    let run = lint(dir.path(), &[".", "--root", "/"]);
    assert_eq!(run.code, 0, "{:?}", run.doc);
    assert_eq!(
        run.notices(),
        [
            "main.tf:3: `/dev/zero` was not read (not a regular file (a character device); \
          tfstack reads regular files only): its value is unknown"
        ]
    );
    assert!(run.elapsed < Duration::from_secs(30));
}

#[cfg(unix)]
#[test]
fn dev_zero_as_var_file_config_or_baseline_is_refused() {
    let dir = repository(&[("main.tf", LOG_GROUP)]);
    link("/dev/zero", &dir.path().join("zero"));
    assert_refused_as_any_named_file(
        dir.path(),
        "zero",
        "not a regular file (a character device)",
    );
}

#[test]
fn a_file_over_the_read_limit_is_refused_and_the_limit_is_configurable() {
    let large = format!("{LOG_GROUP}#{}\n", "x".repeat(2000));
    let dir = repository(&[("main.tf", &large)]);
    let refused = "main.tf:0: file is larger than the read limit of 1 KiB";
    let run = lint(dir.path(), &[".", "--max-file-size", "1KB"]);
    assert_eq!((run.code, run.errors()), (2, vec![refused.to_string()]));
    std::fs::write(dir.path().join("tfstack.toml"), "max_file_size = \"1KB\"\n").expect("write");
    let run = lint(dir.path(), &["."]);
    assert_eq!((run.code, run.errors()), (2, vec![refused.to_string()]));
    // The flag wins over the configuration.
    let run = lint(dir.path(), &[".", "--max-file-size", "4KB"]);
    assert_eq!(run.code, 1, "{:?}", run.doc);
    std::fs::write(
        dir.path().join("tfstack.toml"),
        "max_file_size = \"lots\"\n",
    )
    .expect("write");
    let run = lint(dir.path(), &["."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("max_file_size"), "{}", run.stderr);
}

// 4. Nine locals, each the previous one interpolated eight times (110 bytes × 8⁸), used
// as a policy: the evaluation budget stops it; memory stays small.
#[test]
fn nine_locals_interpolated_eight_times_stay_within_the_budget() {
    let mut main = format!("locals {{\n  l0 = \"{}\"\n", "a".repeat(110));
    for i in 1..9 {
        let previous = format!("${{local.l{}}}", i - 1);
        main.push_str(&format!("  l{i} = \"{}\"\n", previous.repeat(8)));
    }
    main.push_str("}\n");
    main.push_str(
        "resource \"aws_iam_policy\" \"p\" {\n  name   = \"p\"\n  policy = jsonencode({\n    \
         Version   = \"2012-10-17\"\n    Statement = [{ Effect = \"Allow\", Action = local.l8, \
         Resource = \"*\" }]\n  })\n}\n",
    );
    let dir = repository(&[("main.tf", &main)]);
    let peak = peak_memory_kib(dir.path(), &["lint", "--format", "json", "."]);
    let run = lint(dir.path(), &["."]);
    assert!(run.code <= 1, "{}", run.stderr);
    assert_eq!(
        run.notices(),
        [
            "main.tf:8: a value evaluated here grows past the evaluation budget of 16 MiB: it \
             is unknown, and findings that depend on it are not reported"
        ]
    );
    assert!(run.elapsed < Duration::from_secs(30));
    if let Some(kib) = peak {
        eprintln!("peak memory: {kib} KiB");
        assert!(kib < 400 * 1024, "peak memory {kib} KiB");
    }
}

#[test]
fn function_results_past_the_budget_are_never_built() {
    // Each result would take hundreds of MB: 20,000 × 20,000 bytes; 4,000 separators of
    // 100 KB; six copies of 2.6 MB of control characters, each six bytes in JSON.
    let ones = vec!["1"; 4_000].join(", ");
    let controls = ["local.control"; 6].join(", ");
    let cases = [
        r#"replace(file("x.txt"), "x", file("x.txt"))"#.to_string(),
        format!(r#"join(file("big.txt"), [{ones}])"#),
        format!("jsonencode([{controls}])"),
    ];
    for expression in cases {
        let main = format!(
            "locals {{\n  control = file(\"control.txt\")\n  big = {expression}\n}}\n\
             resource \"aws_cloudwatch_log_group\" \"l\" {{\n  \
             count = length(local.big) > 0 ? 0 : 1\n}}\n"
        );
        let x = "x".repeat(20_000);
        let big = "b".repeat(100_000);
        let control = "\u{1}".repeat(2_600_000);
        let dir = repository(&[
            ("main.tf", &main),
            ("x.txt", &x),
            ("big.txt", &big),
            ("control.txt", &control),
        ]);
        let peak = peak_memory_kib(dir.path(), &["lint", "--format", "json", "."]);
        let run = lint(dir.path(), &["."]);
        assert_eq!(
            run.notices(),
            [
                "main.tf:3: a value evaluated here grows past the evaluation budget of 16 MiB: \
                 it is unknown, and findings that depend on it are not reported"
            ],
            "{expression}"
        );
        if let Some(kib) = peak {
            eprintln!("peak memory: {kib} KiB");
            assert!(kib < 100 * 1024, "{expression}: peak memory {kib} KiB");
        }
    }
}

#[test]
fn findings_on_one_long_line_hold_a_window_of_it() {
    // What `terraform show -json` writes: one line, here 250 KB, with 2,000 findings on it.
    let resources: Vec<String> = (0..2_000)
        .map(|i| {
            format!(
                "{{\"address\":\"aws_sqs_queue.q{i}\",\"mode\":\"managed\",\
                 \"type\":\"aws_sqs_queue\",\"name\":\"q{i}\",\"values\":{{\"name\":\"q{i}\"}}}}"
            )
        })
        .collect();
    let plan = format!(
        "{{\"format_version\":\"1.2\",\"planned_values\":{{\"root_module\":{{\"resources\":[{}]}}}}}}\n",
        resources.join(",")
    );
    let dir = repository(&[("plan.json", &plan)]);
    // A finding on a long line is shown with a window of the line.
    let run = tfstack_in(dir.path(), &["lint", "plan.json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout.matches("╭─[plan.json:1:").count(), 2_000);
    assert!(run.stdout.len() < 2_000 * 1_500, "{}", run.stdout.len());
    for format in ["human", "json"] {
        let args = ["lint", "--format", format, "--statistics", "plan.json"];
        if let Some(kib) = peak_memory_kib(dir.path(), &args) {
            eprintln!("{format}: peak memory {kib} KiB");
            assert!(kib < 150 * 1024, "{format}: peak memory {kib} KiB");
        }
    }
}

/// The peak resident memory of `tfstack ARGS` in `dir`, from GNU time; `None` (after
/// saying so) where it is not installed.
fn peak_memory_kib(dir: &Path, args: &[&str]) -> Option<u64> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        eprintln!("skipped: /usr/bin/time is not installed (peak memory not measured)");
        return None;
    }
    let binary = assert_cmd::cargo::cargo_bin("tfstack");
    let output = std::process::Command::new(time)
        .args(["-f", "%M"])
        .arg(binary)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr.lines().last()?.trim().parse().ok()
}

// 5. Named files (what pre-commit passes) cost about what walking them costs.
#[test]
fn naming_files_costs_about_what_walking_them_costs() {
    let dir = repository(&[]);
    let module = dir.path().join("big");
    std::fs::create_dir_all(&module).expect("mkdir");
    let mut names = Vec::new();
    for i in 0..6000 {
        let name = format!("f{i:05}.tf");
        std::fs::write(module.join(&name), format!("# file {i}\n")).expect("write");
        if i % 2 == 0 {
            names.push(format!("big/{name}"));
        }
    }
    let walked = lint(dir.path(), &["big"]);
    assert_eq!(walked.code, 0, "{}", walked.stderr);
    let mut args: Vec<&str> = names.iter().map(String::as_str).collect();
    args.push("--profile");
    args.push("minimal");
    let named = lint(dir.path(), &args);
    assert_eq!(named.code, 0, "{}", named.stderr);
    assert_eq!(named.doc["summary"]["files_checked"], 3000);
    assert!(
        named.elapsed < walked.elapsed * 3 + Duration::from_secs(2),
        "named {:?}, walked {:?}",
        named.elapsed,
        walked.elapsed
    );
}

// 14. Reads outside the tree: `file("/etc/shadow")`, a policy reached through `../`, a
// local module outside the repository. None is read; each is one notice; the policy's
// lines are never printed.
#[cfg(unix)]
#[test]
fn nothing_outside_the_read_root_is_read() {
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::write(outside.path().join("policy.json"), WILDCARD_POLICY).expect("write");
    std::fs::create_dir_all(outside.path().join("module")).expect("mkdir");
    std::fs::write(outside.path().join("module/main.tf"), LOG_GROUP).expect("write");
    let out = outside.path().to_string_lossy().to_string();
    // The repository is `<outside>/repo`: `../module` is beside it.
    let main = format!(
        "{}{}module \"far\" {{\n  source = \"../module\"\n}}\n",
        policy_from("/etc/shadow").replace("\"p\"", "\"shadow\""),
        policy_from(&format!("{out}/policy.json")),
    );
    let repo = outside.path().join("repo");
    for (name, text) in [("main.tf", main.as_str()), ("tfstack.toml", "")] {
        std::fs::create_dir_all(&repo).expect("mkdir");
        std::fs::write(repo.join(name), text).expect("write");
    }
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    let run = lint(&repo, &["."]);
    assert_eq!(run.code, 0, "{:?}", run.doc);
    assert!(run.rules().is_empty(), "{:?}", run.rules());
    let notices = run.notices();
    assert_eq!(notices.len(), 3, "{notices:?}");
    assert!(notices[0].contains("`/etc/shadow` was not read (it is outside the read root)"));
    assert!(notices[1].contains("policy.json` was not read (it is outside the read root)"));
    assert!(notices[2].contains("is called from here and is outside the read root"));
    // Human output names the file, never prints its lines.
    let human = tfstack_in(&repo, &["lint", "."]);
    assert!(!human.stdout.contains("\"Action\""), "{}", human.stdout);
    // A wider root reads them: the policy's wildcards and the module's log group.
    let run = lint(&repo, &[".", "--root", &out]);
    assert_eq!(run.code, 1, "{:?}", run.doc);
    let mut rules = run.rules();
    rules.sort();
    assert!(rules.iter().any(|r| r.starts_with("IAM001")), "{rules:?}");
    assert!(rules.iter().any(|r| r.starts_with("LOG001")), "{rules:?}");
}

#[cfg(unix)]
#[test]
fn links_inside_the_root_are_followed_as_terraform_follows_them() {
    let dir = repository(&[("shared/logs.tf", LOG_GROUP), ("app/main.tf", "")]);
    link("../shared/logs.tf", &dir.path().join("app/logs.tf"));
    let run = lint(dir.path(), &["app"]);
    assert_eq!(run.code, 1, "{:?}", run.doc);
    assert_eq!(run.rules(), ["LOG001 app/logs.tf"]);
    assert!(run.notices().is_empty(), "{:?}", run.notices());
}

#[cfg(unix)]
#[test]
fn a_discovered_configuration_linked_out_of_the_repository_is_not_read() {
    // A committed `tfstack.toml -> /etc/passwd` would otherwise be read and its lines
    // shown in the parse error, in the CI log of the pull request.
    let outside = tempfile::tempdir().expect("temp dir");
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "password = hunter2 not toml [\n").expect("write");
    let dir = repository(&[("main.tf", LOG_GROUP)]);
    std::fs::remove_file(dir.path().join("tfstack.toml")).expect("unlink");
    link(&secret.to_string_lossy(), &dir.path().join("tfstack.toml"));
    let run = lint(dir.path(), &["."]);
    assert_eq!(run.code, 2, "{:?}", run.doc);
    assert!(
        run.stderr
            .contains("is a link to a file outside the repository"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    // Inside the repository a linked configuration is read, as any file there.
    std::fs::write(
        dir.path().join("shared.toml"),
        "[rules]\nLOG001 = \"off\"\n",
    )
    .expect("write");
    std::fs::remove_file(dir.path().join("tfstack.toml")).expect("unlink");
    link("shared.toml", &dir.path().join("tfstack.toml"));
    let run = lint(dir.path(), &["."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Named on the command line, it is the person's choice: read.
    let run = lint(dir.path(), &[".", "--config", &secret.to_string_lossy()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("hunter2"), "{}", run.stderr);
}
