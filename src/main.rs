//! The built-in tfstack binary: the [`tfstack::App`] with the seed stacks registered.

/// jemalloc: with glibc's malloc a third of a lint run's CPU time goes to allocation
/// (parsing and evaluating allocate many small nodes, freed in bulk). Built with one arena
/// (`.cargo/config.toml`; root `Cargo.toml` says why).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
