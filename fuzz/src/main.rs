//! `tfstack-fuzz [--seconds N] [--inputs N] [--target hcl|json|plan|policy|tfvars|tfjson]…
//! [--seed N] [--jobs N] [--watchdog SECONDS] [--max-rss-mib N] [--out DIR]
//! [--corpus DIR]…`, or `tfstack-fuzz --replay FILE --target T`. Exit 0: no
//! panic, no hang; 1: panics (inputs saved under `--out`); 3: a hang or the process past
//! `--max-rss-mib` (default 4096; inputs saved); 2: bad usage.

/// The allocator of the `tfstack` binary (`src/main.rs`): the RSS watchdog measures what
/// a lint run holds.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::path::PathBuf;
use std::time::Duration;
use tfstack_fuzz::{corpus, run, run_case, Settings, Target};

fn usage(message: &str) -> i32 {
    eprintln!(
        "{message}\nusage: tfstack-fuzz [--seconds N] [--inputs N] [--target NAME]… [--seed N] \
         [--jobs N] [--watchdog SECONDS] [--max-rss-mib N] [--out DIR] \
         [--corpus DIR]…\n       \
         tfstack-fuzz --replay FILE --target NAME\ntargets: hcl json plan policy tfvars tfjson"
    );
    2
}

fn main() {
    std::process::exit(real_main());
}

fn real_main() -> i32 {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut settings = Settings {
        seconds: 60,
        inputs: None,
        targets: Vec::new(),
        seed: 1,
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        watchdog: Duration::from_secs(10),
        max_rss: 4 << 30,
        out: root.join("target/fuzz"),
        corpus: Vec::new(),
    };
    let mut corpus_dirs = Vec::new();
    let mut replay = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        let number = |v: String| v.parse::<u64>().ok();
        match arg.as_str() {
            "--seconds" => match number(value()) {
                Some(n) => settings.seconds = n,
                None => return usage("--seconds needs a number"),
            },
            "--inputs" => match number(value()) {
                Some(n) => settings.inputs = Some(n),
                None => return usage("--inputs needs a number"),
            },
            "--seed" => match number(value()) {
                Some(n) => settings.seed = n,
                None => return usage("--seed needs a number"),
            },
            "--jobs" => match number(value()) {
                Some(n) if n > 0 => settings.jobs = n as usize,
                _ => return usage("--jobs needs a positive number"),
            },
            "--watchdog" => match number(value()) {
                Some(n) if n > 0 => settings.watchdog = Duration::from_secs(n),
                _ => return usage("--watchdog needs a positive number of seconds"),
            },
            "--target" => match Target::parse(&value()) {
                Some(t) => settings.targets.push(t),
                None => return usage("unknown target"),
            },
            "--max-rss-mib" => match number(value()) {
                Some(n) if n > 0 => settings.max_rss = n << 20,
                _ => return usage("--max-rss-mib needs a positive number"),
            },
            "--out" => settings.out = PathBuf::from(value()),
            "--corpus" => corpus_dirs.push(PathBuf::from(value())),
            "--replay" => replay = Some(PathBuf::from(value())),
            other => return usage(&format!("unknown argument `{other}`")),
        }
    }
    if let Some(file) = replay {
        let [target] = settings.targets[..] else {
            return usage("--replay needs one --target");
        };
        let Ok(input) = std::fs::read(&file) else {
            return usage("cannot read the --replay file");
        };
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => return usage(&format!("no temporary directory: {e}")),
        };
        return match run_case(dir.path(), target, &input) {
            Ok(()) => {
                println!("{}: no panic", file.display());
                0
            }
            Err(e) => usage(&format!("cannot run: {e}")),
        };
    }
    if settings.targets.is_empty() {
        settings.targets = Target::ALL.to_vec();
    }
    if corpus_dirs.is_empty() {
        corpus_dirs = vec![root.join("tests/fixtures"), root.join("out")];
    }
    settings.corpus = corpus(&corpus_dirs, 1024 * 1024);
    let outcome = match run(&settings) {
        Ok(o) => o,
        Err(e) => return usage(&e.to_string()),
    };
    let rate = outcome.inputs as f64 / outcome.elapsed.as_secs_f64().max(0.001);
    println!(
        "{} inputs in {:.1} s ({rate:.0}/s, {} jobs, seed {}, {} seed files); {} panics, 0 hangs",
        outcome.inputs,
        outcome.elapsed.as_secs_f64(),
        settings.jobs,
        settings.seed,
        settings.corpus.len(),
        outcome.panics.len()
    );
    for (target, n) in &outcome.per_target {
        if *n > 0 {
            println!("  {:<7} {n}", target.name());
        }
    }
    for (path, message) in &outcome.panics {
        println!("panic: {} ({message})", path.display());
    }
    if outcome.panics.is_empty() {
        0
    } else {
        1
    }
}
