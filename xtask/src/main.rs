//! `cargo run -p xtask -- gen-l1 [--schema FILE] [--check]`, `… -- module-cycles`,
//! `… -- fuzz [ARGS]` (runs `tfstack-fuzz` built with `--release`: xtask itself does not
//! depend on the crates it generates code for).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("gen-l1") => xtask::gen_l1::run(&args[1..]),
        Some("module-cycles") => xtask::module_cycles::run(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo run -p xtask -- gen-l1 [--schema FILE] [--check]\n       \
                 cargo run -p xtask -- module-cycles [WORKSPACE]\n       \
                 cargo run -p xtask -- fuzz [--seconds N] [--target hcl|json|plan|policy|tfvars|tfjson]…\n\n  \
                 gen-l1         generate model/src/l1 (typed resources) from the provider schema\n  \
                 --check        write nothing; exit 1 if the checked-in files are out of date\n  \
                 module-cycles  fail when modules of a crate import each other in a circle\n  \
                 fuzz           mutate the corpus through the whole lint pipeline (tfstack-fuzz, release build)"
            );
            2
        }
    };
    std::process::exit(code);
}

/// Runs the fuzzer (`fuzz/`) in a release build with `args`; its exit code.
fn fuzz(args: &[String]) -> i32 {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    match std::process::Command::new(cargo)
        .args(["run", "--release", "--quiet", "-p", "tfstack-fuzz", "--"])
        .args(args)
        .status()
    {
        Ok(status) => status.code().unwrap_or(1),
        Err(e) => {
            eprintln!("cannot run cargo: {e}");
            2
        }
    }
}
