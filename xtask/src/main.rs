//! `cargo run -p xtask -- gen-l1 [--schema FILE] [--check]`, `… -- module-cycles`

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("gen-l1") => xtask::gen_l1::run(&args[1..]),
        Some("module-cycles") => xtask::module_cycles::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo run -p xtask -- gen-l1 [--schema FILE] [--check]\n       \
                 cargo run -p xtask -- module-cycles [WORKSPACE]\n\n  \
                 gen-l1         generate model/src/l1 (typed resources) from the provider schema\n  \
                 --check        write nothing; exit 1 if the checked-in files are out of date\n  \
                 module-cycles  fail when modules of a crate import each other in a circle"
            );
            2
        }
    };
    std::process::exit(code);
}
