//! The built-in tfstack binary: the [`tfstack::App`] with the seed stacks registered.

fn main() {
    let mut app = tfstack::App::new();
    for (name, define) in tfstack_stacks::STACKS {
        app = app.stack(name, define);
    }
    std::process::exit(app.run());
}
