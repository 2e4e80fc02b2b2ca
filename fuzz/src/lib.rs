//! A fuzzer that runs on stable Rust: it mutates files of the repository's own corpus
//! (`tests/fixtures`, `out/`) and runs each through the whole lint pipeline — discovery,
//! the bounded reader, the loaders, the evaluator, every rule and the JSON and human
//! reporters — in process, as `tfstack lint DIR` would. A panic is caught and its input
//! saved; an input that runs longer than the watchdog's limit is saved as a hang and ends
//! the run.

use std::io;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tfstack_lint_engine::config::LintConfig;
use tfstack_lint_engine::input::InputOptions;
use tfstack_lint_engine::report::{self, human::HumanReporter, json::JsonReporter, DocsUrl};
use tfstack_lint_engine::run::{lint_paths_with, RunOptions};

/// What a fuzzed file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// A `.tf` file.
    Hcl,
    /// A JSON file of no known kind (an i18n file, a lock file).
    Json,
    /// A `terraform show -json` plan.
    Plan,
    /// An IAM policy, standalone and read through `file()` and `templatefile()`.
    Policy,
    /// A `terraform.tfvars`.
    Tfvars,
    /// A `.tf.json` file.
    Tfjson,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 6] = [
        Target::Hcl,
        Target::Json,
        Target::Plan,
        Target::Policy,
        Target::Tfvars,
        Target::Tfjson,
    ];

    /// The target named on the command line.
    pub fn parse(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Target::Hcl => "hcl",
            Target::Json => "json",
            Target::Plan => "plan",
            Target::Policy => "policy",
            Target::Tfvars => "tfvars",
            Target::Tfjson => "tfjson",
        }
    }

    /// The kind of a corpus file, by name and (for JSON) content.
    pub fn of_file(path: &Path, text: &[u8]) -> Option<Target> {
        let name = path.file_name()?.to_string_lossy();
        let contains = |needle: &str| {
            text.windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
        };
        if name.ends_with(".tf") {
            Some(Target::Hcl)
        } else if name.ends_with(".tfvars") {
            Some(Target::Tfvars)
        } else if name.ends_with(".tf.json") {
            Some(Target::Tfjson)
        } else if name.ends_with(".json") {
            Some(
                if contains("\"resource_changes\"") || contains("\"planned_values\"") {
                    Target::Plan
                } else if contains("\"statement\"") {
                    Target::Policy
                } else {
                    Target::Json
                },
            )
        } else {
            None
        }
    }

    /// The files of the module one input is linted in: the input under its file name,
    /// and what reads it.
    fn module(self, input: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        let input = input.to_vec();
        match self {
            Target::Hcl => vec![("main.tf", input)],
            Target::Json => vec![("data.json", input)],
            Target::Plan => vec![("plan.json", input)],
            Target::Tfjson => vec![("main.tf.json", input)],
            Target::Tfvars => vec![
                ("terraform.tfvars", input),
                (
                    "main.tf",
                    b"variable \"name\" {}\nvariable \"tags\" {}\nvariable \"retention\" {}\n\
                      resource \"aws_cloudwatch_log_group\" \"g\" {\n  name = var.name\n  \
                      retention_in_days = var.retention\n  tags = var.tags\n}\n"
                        .to_vec(),
                ),
            ],
            Target::Policy => vec![
                ("policy.json", input),
                (
                    "main.tf",
                    b"resource \"aws_iam_policy\" \"file\" {\n  policy = file(\"${path.module}/policy.json\")\n}\n\
                      resource \"aws_iam_role_policy\" \"template\" {\n  role = \"r\"\n  \
                      policy = templatefile(\"${path.module}/policy.json\", { name = \"x\" })\n}\n"
                        .to_vec(),
                ),
            ],
        }
    }
}

/// The seed corpus: every file of a known kind under `dirs`, up to `max_size` bytes.
pub fn corpus(dirs: &[PathBuf], max_size: u64) -> Vec<(Target, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                walk(&entry.path(), out);
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
    let mut paths = Vec::new();
    for dir in dirs {
        walk(dir, &mut paths);
    }
    paths.sort();
    let mut seeds = Vec::new();
    for path in paths {
        if std::fs::metadata(&path).map_or(true, |m| m.len() > max_size) {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if let Some(target) = Target::of_file(&path, &bytes) {
            seeds.push((target, bytes));
        }
    }
    seeds
}

/// A small, fast, seeded generator (xorshift64*): the same seed gives the same inputs.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// What the mutator inserts: the openers and closers of HCL's nested syntaxes, quotes,
/// heredocs, comments and odd numbers.
const TOKENS: &[&str] = &[
    "${",
    "%{",
    "}",
    "<<EOF\n",
    "<<-EOT\n",
    "\nEOF\n",
    "\nEOT\n",
    "[",
    "]",
    "{",
    "(",
    ")",
    "\"",
    "\\",
    "\\u",
    "\n",
    "#",
    "//",
    "/*",
    "*/",
    "=",
    ",",
    ":",
    "null",
    "1e308",
    "-",
    "...",
    "[*]",
    ".*",
    "${var.x}",
    "%{ if true }",
    "%{ endif }",
    "%{ for x in [1] }${x}%{ endfor }",
    "\0",
    "\r\n",
    "\u{feff}",
    "${file(\"/dev/zero\")}",
    "${local.a}${local.a}",
    "jsonencode(",
    "\"Statement\"",
    "\"Action\": \"*\"",
];

/// Characters of two to four bytes, placed across 4 KiB boundaries.
const WIDE: &[&str] = &["ä", "日", "😀", "e\u{301}", "\u{2028}", "\u{feff}"];

/// One mutation of `input`; `other` is another seed to splice from.
pub fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
    let len = input.len();
    match rng.below(9) {
        0 if len > 0 => {
            let i = rng.below(len);
            if let Some(b) = input.get_mut(i) {
                *b ^= 1 << rng.below(8);
            }
        }
        1 | 2 => {
            let token = rng.pick(TOKENS).copied().unwrap_or("{");
            let at = rng.below(len + 1);
            input.splice(at..at, token.bytes());
        }
        3 => {
            // A wide character across a 4 KiB boundary, padding short inputs first.
            if input.len() < 4200 {
                let at = rng.below(input.len() + 1);
                let pad = 4200 - input.len();
                input.splice(at..at, std::iter::repeat_n(b'x', pad));
            }
            let wide = rng.pick(WIDE).copied().unwrap_or("ä");
            let boundary = 4096 * (1 + rng.below(input.len() / 4096));
            let at = boundary
                .saturating_sub(1 + rng.below(wide.len().saturating_sub(1).max(1)))
                .min(input.len());
            input.splice(at..at, wide.bytes());
        }
        4 if !other.is_empty() => {
            // A splice: part of another file inserted or put in place of a part.
            let from = rng.below(other.len());
            let to = (from + 1 + rng.below(2048)).min(other.len());
            let piece = other.get(from..to).unwrap_or_default().to_vec();
            let at = rng.below(len + 1);
            let end = if rng.below(2) == 0 {
                at
            } else {
                (at + rng.below(piece.len() + 1)).min(len)
            };
            input.splice(at..end, piece);
        }
        5 if len > 0 => {
            let at = rng.below(len);
            let end = (at + 1 + rng.below(256)).min(len);
            input.drain(at..end);
        }
        6 if len > 0 => {
            let at = rng.below(len);
            let end = (at + 1 + rng.below(512)).min(len);
            let piece = input.get(at..end).unwrap_or_default().to_vec();
            let times = 1 + rng.below(8);
            for _ in 0..times {
                input.splice(end..end, piece.iter().copied());
            }
        }
        7 if len > 0 => input.truncate(rng.below(len)),
        _ => {
            let at = rng.below(len + 1);
            let byte = rng.below(256) as u8;
            input.insert(at, byte);
        }
    }
}

/// Lints `input` as `target` in the module directory `dir` (its files replaced), and
/// writes the report in JSON and in human form to nowhere.
pub fn run_case(dir: &Path, target: Target, input: &[u8]) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        std::fs::remove_file(entry.path())?;
    }
    for (name, bytes) in target.module(input) {
        std::fs::write(dir.join(name), bytes)?;
    }
    let catalogue = tfstack_lint_rules::registry::all();
    let report = lint_paths_with(
        &[dir.to_path_buf()],
        &InputOptions::default(),
        &LintConfig::default(),
        catalogue,
        RunOptions {
            progress: false,
            snippets: true,
        },
    );
    report::write(
        &report,
        &mut JsonReporter::new(DocsUrl::default()),
        &mut io::sink(),
    )?;
    report::write(
        &report,
        &mut HumanReporter {
            color: false,
            docs: DocsUrl::default(),
        },
        &mut io::sink(),
    )?;
    Ok(())
}

/// How a run is set up.
#[derive(Clone, Debug)]
pub struct Settings {
    pub seconds: u64,
    /// Stop after this many inputs (when set), or at `seconds`.
    pub inputs: Option<u64>,
    pub targets: Vec<Target>,
    pub seed: u64,
    pub jobs: usize,
    /// How long one input may run before it counts as a hang.
    pub watchdog: Duration,
    /// The largest resident memory of the whole process; past it the inputs in flight
    /// are saved as a memory blow-up and the process ends.
    pub max_rss: u64,
    /// Where panicking and hanging inputs are saved.
    pub out: PathBuf,
    pub corpus: Vec<(Target, Vec<u8>)>,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub inputs: u64,
    pub per_target: Vec<(Target, u64)>,
    /// Saved inputs that panicked, with the panic message.
    pub panics: Vec<(PathBuf, String)>,
    pub elapsed: Duration,
}

/// What one worker is doing, for the watchdog.
struct Slot {
    /// Milliseconds since the run started when the current input started; 0: idle.
    started: AtomicU64,
    input: Mutex<(Target, Vec<u8>)>,
}

/// Saves `input` under `out/kind/` named by its content; returns the path.
fn save(out: &Path, kind: &str, target: Target, input: &[u8]) -> PathBuf {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in input {
        hash = (hash ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
    }
    let dir = out.join(kind);
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{}-{hash:016x}", target.name()));
    let _ = std::fs::write(&path, input);
    path
}

/// The exit code of a run that found a hang or a memory blow-up.
pub const HANG_EXIT: i32 = 3;

/// The resident memory of this process, in bytes (Linux; `None` elsewhere).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Runs the fuzzer. A hang ends the process at once with [`HANG_EXIT`] (a thread cannot
/// be stopped): the input is saved and reported first.
pub fn run(settings: &Settings) -> io::Result<Outcome> {
    let seeds: Vec<(Target, Vec<u8>)> = settings
        .corpus
        .iter()
        .filter(|(t, _)| settings.targets.contains(t))
        .cloned()
        .collect();
    let mut targets: Vec<Target> = seeds.iter().map(|(t, _)| *t).collect();
    targets.sort();
    targets.dedup();
    if targets.is_empty() {
        return Err(io::Error::other("no seed file of the chosen targets"));
    }
    let all: Vec<Vec<u8>> = settings.corpus.iter().map(|(_, b)| b.clone()).collect();
    let start = Instant::now();
    let deadline = Duration::from_secs(settings.seconds);
    let stop = AtomicBool::new(false);
    let count = AtomicU64::new(0);
    let per_target: Vec<AtomicU64> = Target::ALL.iter().map(|_| AtomicU64::new(0)).collect();
    let panics: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());
    let message: Arc<Mutex<String>> = Arc::new(Mutex::new(String::new()));
    let hook_message = Arc::clone(&message);
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let mut m = hook_message.lock().unwrap_or_else(|e| e.into_inner());
        *m = info.to_string();
    }));
    let slots: Vec<Slot> = (0..settings.jobs.max(1))
        .map(|_| Slot {
            started: AtomicU64::new(0),
            input: Mutex::new((Target::Hcl, Vec::new())),
        })
        .collect();
    let dirs: Vec<tempfile::TempDir> = (0..slots.len())
        .map(|_| tempfile::tempdir())
        .collect::<io::Result<_>>()?;
    std::thread::scope(|scope| {
        for (worker, (slot, dir)) in slots.iter().zip(&dirs).enumerate() {
            let (seeds, targets, all, stop, count, per_target, panics, message) = (
                &seeds,
                &targets,
                &all,
                &stop,
                &count,
                &per_target,
                &panics,
                &message,
            );
            scope.spawn(move || {
                let mut rng = Rng::new(settings.seed.wrapping_add(worker as u64 * 7919));
                while !stop.load(Ordering::Relaxed) {
                    let n = count.fetch_add(1, Ordering::Relaxed);
                    if settings.inputs.is_some_and(|max| n >= max) || start.elapsed() > deadline {
                        stop.store(true, Ordering::Relaxed);
                        break;
                    }
                    // A target first, then one of its seeds: each target gets its share
                    // however many seed files it has.
                    let Some(target) = targets.get(rng.below(targets.len())) else {
                        break;
                    };
                    let of_target: Vec<&Vec<u8>> = seeds
                        .iter()
                        .filter(|(t, _)| t == target)
                        .map(|(_, b)| b)
                        .collect();
                    let Some(seed) = of_target.get(rng.below(of_target.len())) else {
                        break;
                    };
                    let mut input = (*seed).clone();
                    let other = all.get(rng.below(all.len())).map_or(&[][..], Vec::as_slice);
                    for _ in 0..1 + rng.below(4) {
                        mutate(&mut rng, &mut input, other);
                    }
                    *slot.input.lock().unwrap_or_else(|e| e.into_inner()) =
                        (*target, input.clone());
                    slot.started
                        .store(start.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
                    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        run_case(dir.path(), *target, &input)
                    }));
                    slot.started.store(0, Ordering::Relaxed);
                    if let Some(c) = Target::ALL
                        .iter()
                        .position(|t| t == target)
                        .and_then(|i| per_target.get(i))
                    {
                        c.fetch_add(1, Ordering::Relaxed);
                    }
                    if result.is_err() {
                        let text = message.lock().unwrap_or_else(|e| e.into_inner()).clone();
                        let path = save(&settings.out, "panics", *target, &input);
                        panics
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((path, text));
                    }
                }
            });
        }
        // The watchdog, which also says every ten seconds how far the run is.
        let mut reported = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
            if reported.elapsed() >= Duration::from_secs(10) {
                reported = Instant::now();
                eprintln!(
                    "{} inputs in {:.0} s",
                    count.load(Ordering::Relaxed),
                    start.elapsed().as_secs_f64()
                );
            }
            if resident_bytes().is_some_and(|rss| rss > settings.max_rss) {
                for slot in &slots {
                    let (target, input) =
                        slot.input.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    let path = save(&settings.out, "memory", target, &input);
                    eprintln!(
                        "memory: the process passed {} MiB with this {} input in flight: {}",
                        settings.max_rss >> 20,
                        target.name(),
                        path.display()
                    );
                }
                std::process::exit(HANG_EXIT);
            }
            let now = start.elapsed().as_millis() as u64 + 1;
            for slot in &slots {
                let started = slot.started.load(Ordering::Relaxed);
                if started != 0
                    && now.saturating_sub(started) > settings.watchdog.as_millis() as u64
                {
                    let (target, input) =
                        slot.input.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    let path = save(&settings.out, "hangs", target, &input);
                    eprintln!(
                        "hang: a {} input ran longer than {:?}; saved to {}\n\
                         replay: cargo run -p tfstack-fuzz -- --replay {} --target {}",
                        target.name(),
                        settings.watchdog,
                        path.display(),
                        path.display(),
                        target.name()
                    );
                    // A thread cannot be stopped, and the scope would wait for it.
                    std::process::exit(HANG_EXIT);
                }
            }
        }
    });
    std::panic::set_hook(previous_hook);
    let inputs = per_target.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    Ok(Outcome {
        inputs,
        per_target: Target::ALL
            .iter()
            .zip(&per_target)
            .map(|(t, c)| (*t, c.load(Ordering::Relaxed)))
            .collect(),
        panics: panics.into_inner().unwrap_or_else(|e| e.into_inner()),
        elapsed: start.elapsed(),
    })
}
