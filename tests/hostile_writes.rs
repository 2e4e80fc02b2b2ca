//! Writes a repository cannot aim (SECURITY.md): `--write-baseline` replaces regular files
//! only; synth never writes or deletes outside `--out`, never follows a link inside it,
//! refuses before it writes anything, leaves no litter that nobody removes, gives files
//! the mode `0666 & !umask`, and treats files its manifest never listed as the user's.
//! FIFOs, devices and links are made at test time.
#![cfg(unix)]

mod common;

use common::{mkfifo, shown, workspace_root};
use std::os::unix::fs::{symlink, FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

/// A command that hangs fails the test instead of the test run.
const TIMEOUT: Duration = Duration::from_secs(60);

const STACK: &str = "lab_http_api/dev/";

fn tfstack(args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("tfstack")
        .expect("binary")
        .current_dir(workspace_root())
        .args(args)
        .timeout(TIMEOUT)
        .output()
        .expect("runs")
}

/// The arguments of `tfstack synth` of one small stack environment into `out`.
const SYNTH: [&str; 7] = [
    "synth",
    "--stack",
    "lab_http_api",
    "--env",
    "dev",
    "--no-lint",
    "--out",
];

/// `tfstack synth` of one small stack environment into `out`, with `extra` arguments.
fn synth(out: &Path, extra: &[&str]) -> Output {
    let out = out.to_string_lossy();
    let mut args = SYNTH.to_vec();
    args.push(&out);
    args.extend_from_slice(extra);
    tfstack(&args)
}

/// The same under `sh` with the umask set first.
fn synth_with_umask(out: &Path, umask: &str) -> Output {
    let binary = assert_cmd::cargo::cargo_bin("tfstack");
    assert_cmd::Command::new("sh")
        .current_dir(workspace_root())
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(binary)
        .args(SYNTH)
        .arg(out)
        .timeout(TIMEOUT)
        .output()
        .expect("runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The rendered error with its wrapped lines joined again.
fn unwrapped(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_start_matches([' ', '│', '×']).trim_end())
        .collect::<Vec<_>>()
        .join(" ")
}

#[track_caller]
fn assert_refused(o: &Output, words: &[&str]) {
    let text = unwrapped(&stderr(o));
    assert_eq!(o.status.code(), Some(2), "exit code; stderr:\n{text}");
    for w in words {
        assert!(text.contains(w), "`{w}` not in:\n{text}");
    }
}

#[track_caller]
fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

/// Every file under `dir` (relative, sorted), links not followed.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(items) = std::fs::read_dir(dir) else {
            return;
        };
        for item in items.flatten() {
            let path = item.path();
            if item.file_type().is_ok_and(|t| t.is_dir()) {
                walk(root, &path, out);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .expect("under root")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A character device like /dev/full (1, 7), where the test may make one (root).
fn mknod_full(path: &Path) -> bool {
    let made = std::process::Command::new("mknod")
        .arg(path)
        .args(["c", "1", "7"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!(
            "skipped: mknod not permitted, no device at {}",
            path.display()
        );
    }
    made
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

/// A tree to lint for `--write-baseline`: one finding (a log group without retention).
fn lint_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_cloudwatch_log_group\" \"app\" {\n  name = \"app\"\n}\n",
    )
    .expect("write");
    dir
}

fn write_baseline(tree: &Path, target: &Path) -> Output {
    tfstack(&[
        "lint",
        &tree.to_string_lossy(),
        "--write-baseline",
        &target.to_string_lossy(),
    ])
}

/// A new folder with the stack synthesized into its `out`.
fn synthesized() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    assert_ok(&synth(&out, &[]));
    (dir, out)
}

/// Appends `line` to the manifest under `out`.
fn list_in_manifest(out: &Path, line: &str) {
    let manifest = out.join(tfstack::synth::MANIFEST);
    let mut text = std::fs::read_to_string(&manifest).expect("manifest");
    text.push_str(line);
    text.push('\n');
    std::fs::write(&manifest, text).expect("write manifest");
}

// --- 7: --write-baseline -------------------------------------------------------------

#[test]
fn write_baseline_replaces_a_regular_file_with_the_mode_of_a_new_file() {
    let tree = lint_tree();
    let target = tree.path().join("baseline.json");
    std::fs::write(&target, "old").expect("write");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let o = write_baseline(tree.path(), &target);
    assert_ok(&o);
    let text = std::fs::read_to_string(&target).expect("read");
    assert!(text.contains("LOG001"), "{text}");
    // The test process's umask applies to the new file, as to any tool's.
    assert_eq!(mode(&target) & 0o600, 0o600);
    assert_eq!(mode(&target) & !0o666, 0);
    assert!(
        !files_under(tree.path())
            .iter()
            .any(|f| f.contains(".tfstack-tmp-")),
        "no temporary file is left"
    );
}

/// `--write-baseline` to a special file made by `make`: refused with `words`, and the
/// file is still what `is_kind` says.
fn assert_baseline_refused(
    make: fn(&Path) -> bool,
    words: &[&str],
    is_kind: fn(&std::fs::FileType) -> bool,
) {
    let tree = lint_tree();
    let target = tree.path().join("baseline.json");
    if !make(&target) {
        return;
    }
    let o = write_baseline(tree.path(), &target);
    assert_refused(&o, words);
    let kind = std::fs::symlink_metadata(&target)
        .expect("still there")
        .file_type();
    assert!(is_kind(&kind), "{kind:?}");
}

#[test]
fn write_baseline_refuses_a_fifo_without_blocking() {
    assert_baseline_refused(
        mkfifo,
        &["baseline.json", "a FIFO", "not a regular file"],
        |k| k.is_fifo(),
    );
}

#[test]
fn write_baseline_refuses_a_character_device() {
    assert_baseline_refused(
        mknod_full,
        &["a character device", "not a regular file"],
        |k| k.is_char_device(),
    );
}

#[test]
fn write_baseline_refuses_a_link_and_leaves_its_target() {
    let tree = lint_tree();
    let victim = tree.path().join("victim.txt");
    std::fs::write(&victim, "precious").expect("write");
    let link = tree.path().join("baseline.json");
    symlink(&victim, &link).expect("symlink");
    let o = write_baseline(tree.path(), &link);
    assert_refused(&o, &["baseline.json", "symbolic link"]);
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
    assert!(std::fs::symlink_metadata(&link)
        .expect("still there")
        .file_type()
        .is_symlink());
}

#[test]
fn write_baseline_refuses_a_link_on_the_way_inside_the_working_directory() {
    // A repository commits `ci -> /somewhere`: `--write-baseline ci/baseline.json`, run
    // in it, must not write through the link.
    let tree = lint_tree();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    symlink(elsewhere.path(), tree.path().join("ci")).expect("symlink");
    let o = assert_cmd::Command::cargo_bin("tfstack")
        .expect("binary")
        .current_dir(tree.path())
        .args(["lint", ".", "--write-baseline", "ci/baseline.json"])
        .timeout(TIMEOUT)
        .output()
        .expect("runs");
    assert_refused(
        &o,
        &["ci/baseline.json", "ci on the way to it is a symbolic link"],
    );
    assert!(!elsewhere.path().join("baseline.json").exists());
}

#[test]
fn write_baseline_refuses_a_directory() {
    let tree = lint_tree();
    let target = tree.path().join("baseline");
    std::fs::create_dir(&target).expect("mkdir");
    let o = write_baseline(tree.path(), &target);
    assert_refused(&o, &["a directory", "not a regular file"]);
    assert!(target.is_dir());
}

// --- 8: links inside --out ---------------------------------------------------------------

#[test]
fn synth_refuses_a_linked_directory_inside_out_and_writes_nothing_elsewhere() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    symlink("../elsewhere", out.join("lab_http_api")).expect("symlink");
    let o = synth(&out, &[]);
    assert_refused(&o, &["lab_http_api", "symbolic link"]);
    assert!(
        files_under(&elsewhere).is_empty(),
        "{:?}",
        files_under(&elsewhere)
    );
    assert_eq!(files_under(&out), vec!["lab_http_api".to_string()]);
    // --check refuses the same way and reads nothing through it.
    assert_refused(&synth(&out, &["--check"]), &["symbolic link"]);
}

#[test]
fn synth_refuses_a_link_at_any_depth_and_at_a_file() {
    let (dir, out) = synthesized();
    let victim = dir.path().join("victim.tf");
    std::fs::write(&victim, "# precious\n").expect("write");
    // A generated file replaced by a link: neither written through nor replaced.
    let main = out.join(STACK).join("main.tf");
    std::fs::remove_file(&main).expect("rm");
    symlink(&victim, &main).expect("symlink");
    assert_refused(&synth(&out, &[]), &["main.tf", "symbolic link"]);
    assert_eq!(
        std::fs::read_to_string(&victim).expect("read"),
        "# precious\n"
    );
    assert!(std::fs::symlink_metadata(&main)
        .expect("there")
        .file_type()
        .is_symlink());
    std::fs::remove_file(&main).expect("rm");
    // A generated folder replaced by a link.
    let policies = out.join(STACK).join("policies");
    std::fs::rename(&policies, dir.path().join("policies")).expect("move");
    symlink(dir.path().join("policies"), &policies).expect("symlink");
    assert_refused(&synth(&out, &[]), &["policies", "symbolic link"]);
    assert!(!main.exists(), "nothing was written before the refusal");
}

#[test]
fn synth_refuses_an_out_folder_that_is_a_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    let out = dir.path().join("out");
    symlink(&elsewhere, &out).expect("symlink");
    assert_refused(&synth(&out, &[]), &["out", "symbolic link"]);
    assert!(files_under(&elsewhere).is_empty());
}

#[test]
fn synth_refuses_a_link_among_the_parents_of_out_inside_the_working_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let real = dir.path().join("real");
    let repo = real.join("repo");
    let elsewhere = real.join("elsewhere");
    std::fs::create_dir_all(&repo).expect("mkdir");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    // A repository that commits `gen -> ../elsewhere`.
    symlink("../elsewhere", repo.join("gen")).expect("symlink");
    // A link above the working directory, as `/tmp` is on macOS.
    let above = dir.path().join("above");
    symlink(&real, &above).expect("symlink");
    let in_repo = |out: &Path, extra: &[&str]| {
        let mut args = SYNTH.to_vec();
        let out = out.to_string_lossy();
        args.push(&out);
        args.extend_from_slice(extra);
        assert_cmd::Command::cargo_bin("tfstack")
            .expect("binary")
            .current_dir(&repo)
            .args(&args)
            .timeout(TIMEOUT)
            .output()
            .expect("runs")
    };
    for out in [
        Path::new("gen/app"),
        &repo.join("gen/app"),
        &above.join("repo/gen/app"),
    ] {
        assert_refused(
            &in_repo(out, &[]),
            &["gen on the way to it is a symbolic link"],
        );
        assert_refused(&in_repo(out, &["--check"]), &["symbolic link"]);
    }
    assert!(
        files_under(&elsewhere).is_empty(),
        "{:?}",
        files_under(&elsewhere)
    );
    // The link above the working directory is the machine's layout: followed.
    assert_ok(&in_repo(&above.join("repo/out"), &[]));
    assert!(repo.join("out").join(STACK).join("main.tf").is_file());
    // So is the link's target, named on purpose.
    assert_ok(&in_repo(&elsewhere.join("app"), &[]));
}

// --- 9: the manifest ---------------------------------------------------------------------

/// A synthesized tree in a new folder whose manifest gets the line `line(folder)`: synth
/// and --check refuse, name the line, and neither delete nor write anything; the file
/// `victim.tf` beside `out` survives.
fn assert_manifest_line_refused(line: impl Fn(&Path) -> String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let victim = dir.path().join("victim.tf");
    std::fs::write(&victim, "# precious\n").expect("write");
    let out = dir.path().join("out");
    assert_ok(&synth(&out, &[]));
    let line = line(dir.path());
    // A stale generated file and an orphan listed before: neither may change.
    let main = out.join(STACK).join("main.tf");
    std::fs::write(&main, "# stale\n").expect("write");
    let orphan = out.join(STACK).join("old.tf");
    std::fs::write(&orphan, "# generated before\n").expect("write");
    list_in_manifest(&out, "lab_http_api/dev/old.tf");
    list_in_manifest(&out, &line);
    let manifest = std::fs::read_to_string(out.join(tfstack::synth::MANIFEST)).expect("read");
    let position = format!(".tfstack-manifest:{}:1", manifest.lines().count());
    for extra in [&[][..], &["--check"][..]] {
        let o = synth(&out, extra);
        assert_refused(
            &o,
            &[
                &line,
                "synth never writes",
                &position,
                "nothing was written or removed",
            ],
        );
    }
    assert_eq!(
        std::fs::read_to_string(&victim).expect("read"),
        "# precious\n"
    );
    assert_eq!(std::fs::read_to_string(&main).expect("read"), "# stale\n");
    assert!(orphan.exists());
}

#[test]
fn synth_refuses_a_manifest_line_with_dot_dot() {
    assert_manifest_line_refused(|_| "lab_http_api/dev/../../../victim.tf".to_string());
}

#[test]
fn synth_refuses_an_absolute_manifest_line() {
    assert_manifest_line_refused(|dir| dir.join("victim.tf").to_string_lossy().into_owned());
}

#[test]
fn synth_refuses_a_manifest_line_naming_what_synth_never_writes() {
    assert_manifest_line_refused(|_| "lab_http_api/dev/.git/config".to_string());
    assert_manifest_line_refused(|_| "lab_http_api/dev/deploy.sh".to_string());
}

#[test]
fn synth_refuses_a_manifest_that_is_a_link_or_a_fifo() {
    let (dir, out) = synthesized();
    let manifest = out.join(tfstack::synth::MANIFEST);
    let elsewhere = dir.path().join("list");
    std::fs::rename(&manifest, &elsewhere).expect("move");
    symlink(&elsewhere, &manifest).expect("symlink");
    assert_refused(&synth(&out, &[]), &[".tfstack-manifest", "symbolic link"]);
    assert_refused(&synth(&out, &["--check"]), &["symbolic link"]);
    std::fs::remove_file(&manifest).expect("rm");
    if mkfifo(&manifest) {
        assert_refused(&synth(&out, &[]), &[".tfstack-manifest", "a FIFO"]);
        assert_refused(&synth(&out, &["--check"]), &["a FIFO"]);
    }
}

// --- 10: refusing before writing -----------------------------------------------------

#[test]
fn synth_refuses_a_file_where_a_directory_is_needed_before_rewriting_anything() {
    let (_dir, out) = synthesized();
    // main.tf is stale (synth would rewrite it) and `build` is a file of the user's.
    let main = out.join(STACK).join("main.tf");
    std::fs::write(&main, "# stale\n").expect("write");
    let build = out.join(STACK).join("build");
    std::fs::remove_dir_all(&build).expect("rm");
    std::fs::write(&build, "mine\n").expect("write");
    assert_refused(
        &synth(&out, &[]),
        &["build", "a regular file where a directory is needed"],
    );
    assert_eq!(std::fs::read_to_string(&main).expect("read"), "# stale\n");
    assert_eq!(std::fs::read_to_string(&build).expect("read"), "mine\n");
    // A FIFO there: refused too, without blocking.
    std::fs::remove_file(&build).expect("rm");
    if mkfifo(&build) {
        assert_refused(
            &synth(&out, &[]),
            &["build", "a FIFO where a directory is needed"],
        );
        assert_eq!(std::fs::read_to_string(&main).expect("read"), "# stale\n");
    }
}

#[test]
fn synth_refuses_a_directory_or_a_fifo_where_it_writes_a_file() {
    let (_dir, out) = synthesized();
    let main = out.join(STACK).join("main.tf");
    let outputs = out.join(STACK).join("outputs.tf");
    std::fs::write(&outputs, "# stale\n").expect("write");
    std::fs::remove_file(&main).expect("rm");
    std::fs::create_dir(&main).expect("mkdir");
    assert_refused(&synth(&out, &[]), &["main.tf", "a directory"]);
    std::fs::remove_dir(&main).expect("rm");
    if mkfifo(&main) {
        assert_refused(&synth(&out, &[]), &["main.tf", "a FIFO"]);
        assert_refused(&synth(&out, &["--check"]), &["main.tf", "a FIFO"]);
    }
    assert_eq!(
        std::fs::read_to_string(&outputs).expect("read"),
        "# stale\n"
    );
}

#[test]
fn a_stack_name_that_leaves_out_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let app = tfstack::App::new().stack("../escape", |_| {});
    let code = app.run_with([
        "tfstack",
        "synth",
        "--no-lint",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(code, 2);
    assert!(!dir.path().join("escape").exists());
    assert!(
        files_under(dir.path()).is_empty(),
        "{:?}",
        files_under(dir.path())
    );
}

// --- 11: temporary files -----------------------------------------------------------------

#[test]
fn leftover_temporary_files_are_reported_by_check_and_cleaned_by_synth() {
    let (_dir, out) = synthesized();
    let leftovers = [
        out.join(".tfstack-tmp-Ab12Cd"),
        out.join(STACK).join(".tfstack-tmp-x9Y8z7"),
        out.join(STACK).join("policies/.tfstack-tmp-QwErTy"),
    ];
    for l in &leftovers {
        std::fs::write(l, "partial").expect("write");
    }
    // A hidden folder (terraform's own) is not synth's: not searched, not cleaned.
    let terraform = out.join(STACK).join(".terraform");
    std::fs::create_dir(&terraform).expect("mkdir");
    std::fs::write(terraform.join(".tfstack-tmp-notmine"), "").expect("write");
    let check = synth(&out, &["--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    for l in [
        ".tfstack-tmp-Ab12Cd",
        "lab_http_api/dev/.tfstack-tmp-x9Y8z7",
        "lab_http_api/dev/policies/.tfstack-tmp-QwErTy",
    ] {
        assert!(
            stdout(&check).contains(&format!("leftover: {l} ")),
            "{l} not in:\n{}",
            stdout(&check)
        );
    }
    assert!(!stdout(&check).contains("notmine"), "{}", stdout(&check));
    let o = synth(&out, &[]);
    assert_ok(&o);
    assert!(
        stdout(&o).contains("3 temporary file(s) of an interrupted synth removed"),
        "{}",
        stdout(&o)
    );
    for l in &leftovers {
        assert!(!l.exists(), "{} left", l.display());
    }
    assert!(terraform.join(".tfstack-tmp-notmine").exists());
    assert_ok(&synth(&out, &["--check"]));
}

#[test]
fn synth_killed_at_any_moment_leaves_only_what_the_next_synth_removes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let binary = assert_cmd::cargo::cargo_bin("tfstack");
    let start = |out: &Path| {
        std::process::Command::new(&binary)
            .current_dir(workspace_root())
            .args(["synth", "--no-lint", "--out"])
            .arg(out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn")
    };
    // How long a whole synth takes here: the kills are spread over that time.
    let timer = std::time::Instant::now();
    let probe = start(&dir.path().join("probe")).wait().expect("wait");
    assert!(probe.success());
    let whole = timer.elapsed().as_micros() as u64;
    const TRIALS: u64 = 30;
    let (mut killed, mut with_temporaries) = (0, 0);
    for trial in 0..TRIALS {
        // Every second trial starts from stale files, so that there is something to write.
        if trial % 2 == 1 {
            for f in files_under(&out) {
                if f.ends_with(".tf") {
                    let _ = std::fs::write(out.join(&f), format!("# stale {trial}\n"));
                }
            }
        }
        let mut child = start(&out);
        std::thread::sleep(Duration::from_micros(whole * trial / TRIALS));
        let _ = child.kill(); // SIGKILL
        if child.wait().expect("wait").code().is_none() {
            killed += 1;
        }
        // Whatever the moment, every file is generated output or one of synth's
        // temporary files.
        for f in files_under(&out) {
            let name = f.rsplit('/').next().unwrap_or_default();
            if name.starts_with(".tfstack-tmp-") {
                with_temporaries += 1;
                continue;
            }
            assert!(
                tfstack::synth::name_problem(&f).is_none() || f == tfstack::synth::MANIFEST,
                "litter after a kill: {f}"
            );
        }
    }
    let o = tfstack(&["synth", "--no-lint", "--out", &out.to_string_lossy()]);
    assert_ok(&o);
    assert!(
        !files_under(&out)
            .iter()
            .any(|f| f.contains(".tfstack-tmp-")),
        "{:?}",
        files_under(&out)
    );
    assert_ok(&tfstack(&[
        "synth",
        "--no-lint",
        "--check",
        "--out",
        &out.to_string_lossy(),
    ]));
    eprintln!(
        "{killed} of {TRIALS} runs killed before they finished; {with_temporaries} temporary files left over in all"
    );
}

// --- 12: modes -------------------------------------------------------------------------

#[test]
fn generated_files_get_0666_less_the_umask_also_when_rewritten() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    assert_ok(&synth_with_umask(&out, "022"));
    let main = out.join(STACK).join("main.tf");
    assert_eq!(mode(&main), 0o644);
    assert_eq!(mode(&out.join(tfstack::synth::MANIFEST)), 0o644);
    assert_eq!(mode(&out.join(STACK)), 0o755);
    // A stale 0600 file is rewritten with the mode of a new file.
    std::fs::write(&main, "# stale\n").expect("write");
    std::fs::set_permissions(&main, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    assert_ok(&synth_with_umask(&out, "022"));
    assert_eq!(mode(&main), 0o644);
    std::fs::write(&main, "# stale\n").expect("write");
    assert_ok(&synth_with_umask(&out, "027"));
    assert_eq!(mode(&main), 0o640);
}

// --- 13: the manifest deleted ------------------------------------------------------------

#[test]
fn check_fails_when_generated_files_have_no_manifest() {
    let (_dir, out) = synthesized();
    assert_ok(&synth(&out, &["--check"]));
    std::fs::remove_file(out.join(tfstack::synth::MANIFEST)).expect("rm");
    let o = synth(&out, &["--check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("missing: .tfstack-manifest"),
        "{}",
        stdout(&o)
    );
    assert_ok(&synth(&out, &[]));
    assert_ok(&synth(&out, &["--check"]));
}

#[test]
fn check_fails_when_the_manifest_forgets_a_generated_file() {
    let (_dir, out) = synthesized();
    let manifest = out.join(tfstack::synth::MANIFEST);
    let text = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(&manifest, text.replace("lab_http_api/dev/outputs.tf\n", "")).expect("write");
    let o = synth(&out, &["--check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("stale: .tfstack-manifest"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("+lab_http_api/dev/outputs.tf"),
        "{}",
        stdout(&o)
    );
}

// --- issue 16: hand-written files beside generated ones -----------------------------------

#[test]
fn a_hand_written_file_beside_generated_ones_is_the_users() {
    let (_dir, out) = synthesized();
    let module = out.join(STACK);
    let backend = module.join("backend.tf");
    let backend_text = "terraform {\n  backend \"s3\" {\n    bucket = \"state\"\n    key    = \"lab\"\n    region = \"eu-west-1\"\n  }\n}\n";
    std::fs::write(&backend, backend_text).expect("write");
    let extra = module.join("policies/extra.json");
    std::fs::write(&extra, "{}\n").expect("write");
    // Not an orphan: --check is clean.
    let check = synth(&out, &["--check"]);
    assert_ok(&check);
    assert!(!stdout(&check).contains("orphan"), "{}", stdout(&check));
    // Synth leaves it alone, also when it removes its own orphans and rewrites files.
    list_in_manifest(&out, "lab_http_api/dev/old.tf");
    let manifest = out.join(tfstack::synth::MANIFEST);
    std::fs::write(module.join("old.tf"), "# generated before\n").expect("write");
    std::fs::write(module.join("main.tf"), "# stale\n").expect("write");
    let o = synth(&out, &[]);
    assert_ok(&o);
    assert!(stdout(&o).contains("1 written"), "{}", stdout(&o));
    assert!(stdout(&o).contains("1 removed"), "{}", stdout(&o));
    assert_eq!(
        std::fs::read_to_string(&backend).expect("read"),
        backend_text
    );
    assert_eq!(std::fs::read_to_string(&extra).expect("read"), "{}\n");
    assert!(!std::fs::read_to_string(&manifest)
        .expect("read")
        .contains("backend.tf"));
    assert_ok(&synth(&out, &["--check"]));
}

#[test]
fn lint_of_a_generated_folder_includes_the_hand_written_files() {
    let (_dir, out) = synthesized();
    let module = out.join(STACK);
    std::fs::write(
        module.join("logs.tf"),
        "resource \"aws_cloudwatch_log_group\" \"audit\" {\n  name = \"audit\"\n}\n",
    )
    .expect("write");
    let o = tfstack(&["lint", &module.to_string_lossy(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let hits: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["path"].as_str().is_some_and(|p| p.ends_with("logs.tf")))
        .collect();
    assert!(
        hits.iter().any(|f| f["rule"] == "LOG001"),
        "{}",
        serde_json::to_string_pretty(&report["findings"]).unwrap_or_default()
    );
}

#[test]
fn lint_and_diff_of_a_stack_include_the_hand_written_files_beside_it() {
    // `lint --stack` and `diff --stack` see what Terraform applies: the stack, and the
    // files written by hand beside its generated ones in out/.
    let (dir, out) = synthesized();
    std::fs::write(
        out.join(STACK).join("logs.tf"),
        "resource \"aws_cloudwatch_log_group\" \"audit\" {\n  name = \"audit\"\n}\n",
    )
    .expect("write");
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("tfstack")
            .expect("binary")
            .current_dir(dir.path())
            .args(args)
            .timeout(TIMEOUT)
            .output()
            .expect("runs")
    };
    let stack = ["--stack", "lab_http_api", "--env", "dev"];
    let lint = run(&[&["lint", "--format", "json"][..], &stack].concat());
    let report: serde_json::Value = serde_json::from_slice(&lint.stdout).expect("json");
    let found: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default(),
                f["path"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("LOG001", "out/lab_http_api/dev/logs.tf")],
        "{report}"
    );
    assert_eq!(report["summary"]["files_checked"], 2, "{report}");
    // The committed output and the stack both hold the file: no change.
    let diff = run(&[
        &["diff", "--format", "json", "--fail-on", "new-findings"][..],
        &stack,
    ]
    .concat());
    assert_eq!(diff.status.code(), Some(0), "{}", stdout(&diff));
    let json: serde_json::Value = serde_json::from_slice(&diff.stdout).expect("json");
    assert_eq!(json["modules"], serde_json::json!([]), "{json}");
    // The review shows it, with its finding.
    let review = run(&[&["review", "--format", "markdown"][..], &stack].concat());
    assert_eq!(review.status.code(), Some(0), "{}", stdout(&review));
    assert!(
        stdout(&review).contains("`aws_cloudwatch_log_group.audit`"),
        "{}",
        stdout(&review)
    );
    // Synth's own gate is the stack's: the team's file does not stop it.
    assert_ok(&synth(&out, &["--check"]));
    // A link beside the stack that leaves the read root is not read, and said so.
    let outside = tempfile::tempdir().expect("temp dir");
    let target = outside.path().join("secret.tf");
    std::fs::write(&target, "not hcl\n").expect("write");
    std::os::unix::fs::symlink(&target, out.join(STACK).join("linked.tf")).expect("link");
    let lint = run(&[&["lint", "--format", "json"][..], &stack].concat());
    let report: serde_json::Value = serde_json::from_slice(&lint.stdout).expect("json");
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    assert_eq!(
        shown(&report, "notices", &["path"], ""),
        ["out/lab_http_api/dev/linked.tf"],
        "{report}"
    );
}

// --- how refusals read ---------------------------------------------------------------------

#[test]
fn refusals_render_through_the_one_renderer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let binary = assert_cmd::cargo::cargo_bin("tfstack");
    let run = |args: &[&str]| {
        let o = assert_cmd::Command::new(&binary)
            .current_dir(dir.path())
            .args(args)
            .timeout(TIMEOUT)
            .output()
            .expect("runs");
        format!(
            "$ tfstack {}\nexit {:?}\n{}",
            args.join(" "),
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let mut synth = SYNTH.to_vec();
    synth.push("out");
    let mut text = String::new();
    assert!(run(&synth).contains("exit Some(0)"));
    let manifest = dir.path().join("out").join(tfstack::synth::MANIFEST);
    let listed = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(
        &manifest,
        format!("{listed}lab_http_api/dev/../../../victim.txt\n"),
    )
    .expect("write");
    text.push_str(&run(&synth));
    std::fs::write(&manifest, &listed).expect("write");
    let build = dir.path().join("out/lab_http_api/dev/build");
    std::fs::remove_dir_all(&build).expect("rm");
    symlink("/tmp", &build).expect("symlink");
    text.push_str(&run(&synth));
    std::fs::remove_file(&build).expect("rm");
    std::fs::write(&build, "mine\n").expect("write");
    text.push_str(&run(&synth));
    std::fs::write(dir.path().join("main.tf"), "").expect("write");
    std::fs::create_dir(dir.path().join("baseline.json")).expect("mkdir");
    text.push_str(&run(&["lint", ".", "--write-baseline", "baseline.json"]));
    insta::assert_snapshot!(text);
}
