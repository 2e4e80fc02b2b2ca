//! The team's binary: `cargo run -- synth`, `cargo run -- lint --all-stacks`, ….

fn main() {
    std::process::exit(team_stacks::app().run());
}
