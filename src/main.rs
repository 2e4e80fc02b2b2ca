//! The built-in tfstack binary: the [`tfstack::App`] with the seed stacks registered.

/// Perf: glibc's malloc spent a third of a lint run's CPU time (parsing and evaluating
/// allocate many small nodes, freed in bulk); mimalloc takes a fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut app = tfstack::App::new().backend(tfstack_stacks::state_backend());
    for (name, define) in tfstack_stacks::STACKS {
        app = app.stack(name, define);
    }
    std::process::exit(app.run());
}
