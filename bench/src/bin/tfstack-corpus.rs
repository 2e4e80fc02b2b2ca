//! `tfstack-corpus --seed N --files F --resources-per-file R [--files-per-module M |
//! --max-files-per-module M] --out DIR`: writes a
//! deterministic corpus of realistic serverless Terraform and prints what it wrote, as one
//! line of `key=value` pairs (for `bench/run.sh`).

use tfstack_bench::{corpus, number_arg, parse_args};

fn main() {
    std::process::exit(match run() {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!(
                "usage: tfstack-corpus [--seed N] --files F [--resources-per-file R] \
                 [--files-per-module M | --max-files-per-module M] --out DIR"
            );
            2
        }
    });
}

fn run() -> Result<(), String> {
    let args = parse_args(
        std::env::args().skip(1),
        &[
            "seed",
            "files",
            "resources-per-file",
            "files-per-module",
            "max-files-per-module",
            "out",
        ],
    )?;
    let spec = corpus::Spec {
        seed: number_arg(&args, "seed", Some(1))?,
        files: number_arg(&args, "files", None)?,
        resources_per_file: number_arg(&args, "resources-per-file", Some(50))?,
        files_per_module: match args.get("files-per-module") {
            Some(_) => Some(number_arg(&args, "files-per-module", None)?),
            None => None,
        },
        max_files_per_module: match args.get("max-files-per-module") {
            Some(_) => Some(number_arg(&args, "max-files-per-module", None)?),
            None => None,
        },
    };
    let out = args.get("out").ok_or("`--out` is required")?;
    let stats =
        corpus::write(&spec, std::path::Path::new(out)).map_err(|e| format!("{out}: {e}"))?;
    println!(
        "modules={} files={} bytes={} resources={} flawed={} suppressed={}",
        stats.modules, stats.files, stats.bytes, stats.resources, stats.flawed, stats.suppressed
    );
    Ok(())
}
