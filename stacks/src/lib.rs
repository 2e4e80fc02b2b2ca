//! The seed systems (`../shared/seeds/`) as typed tfstack stacks, each in dev and prod.

use tfstack_model::constructs::Stack;

pub mod hexagonal_auth;
pub mod integration_service;
pub mod lab_http_api;
pub mod orders;

/// What defines a stack: fills a [`Stack`] for its environment.
pub type StackDefinition = fn(&Stack);

/// Every stack of this crate: name and definition.
pub const STACKS: &[(&str, StackDefinition)] = &[
    ("lab_http_api", lab_http_api::define),
    ("hexagonal_auth", hexagonal_auth::define),
    ("orders", orders::define),
    ("integration_service", integration_service::define),
];

/// The directory of a function's code inside this crate.
pub(crate) fn function_dir(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("functions")
        .join(name)
}
