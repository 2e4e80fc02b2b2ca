//! The built-in tfstack binary: the [`tfstack::App`] with the seed stacks registered.

/// mimalloc: with glibc's malloc a third of a lint run's CPU time goes to allocation
/// (parsing and evaluating allocate many small nodes, freed in bulk). Built without
/// transparent huge pages (the `no_thp` feature, root `Cargo.toml`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // The committed `out/` carries no state backend: Terraform cannot plan a root module
    // with a backend block without initializing that backend, and the conformance check
    // plans every generated module offline. A deployment sets one with
    // `App::backend(tfstack_stacks::state_backend())` (README, "Your own stacks").
    let mut app = tfstack::App::new();
    for (name, define) in tfstack_stacks::STACKS {
        app = app.stack(name, define);
    }
    std::process::exit(app.run());
}
