//! `tfstack-synth-bench --resources N --out DIR [--lint]`: builds a typed stack of exactly
//! N resources and runs `tfstack synth --out DIR` on it (render, `terraform fmt`
//! alignment, packaging, atomic writes; `--no-lint` unless `--lint` is given). The caller
//! times the process.

use tfstack_bench::{number_arg, parse_args, stack};

/// The allocator of the `tfstack` binary (`src/main.rs`), so that this driver measures
/// what `tfstack synth` does.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    std::process::exit(match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!("usage: tfstack-synth-bench --resources N --out DIR [--lint yes]");
            2
        }
    });
}

fn run() -> Result<i32, String> {
    let args = parse_args(std::env::args().skip(1), &["resources", "out", "lint"])?;
    let resources = number_arg(&args, "resources", None)? as usize;
    let out = args.get("out").ok_or("`--out` is required")?.clone();
    let lint = args.get("lint").is_some_and(|v| v == "yes");
    let code = stack::code_directory().map_err(|e| e.to_string())?;
    let shape = stack::shape_for(resources, &code);
    eprintln!(
        "synth-bench: {resources} resources ({} services, {} log groups)",
        shape.services, shape.log_groups
    );
    let define_code = code.clone();
    let app = tfstack::App::new().stack_with_environments(
        "bench",
        vec![stack::environment()],
        move |s| stack::define(s, shape, &define_code),
    );
    let mut argv = vec!["tfstack", "synth", "--out", out.as_str()];
    if !lint {
        argv.push("--no-lint");
    }
    let status = app.run_with(argv);
    let _ = std::fs::remove_dir_all(&code);
    Ok(status)
}
