//! The seed systems (the seed documents) as typed tfstack stacks, each in dev and prod.
//!
//! Their functions' sources (`functions/`) are embedded in the crate at build time: a
//! binary copied to another checkout or machine synthesizes the same packages.

use tfstack_model::constructs::{Code, CodeFile, S3Backend, Stack};

pub mod hexagonal_auth;
pub mod integration_service;
pub mod lab_http_api;
pub mod orders;

/// Where the seed stacks keep their Terraform state (seed 001's "Terraform con backend
/// remoto"): one S3 bucket, one key per stack and environment, S3 native locking. The
/// bucket is the deployment's to create (versioned, encrypted, public access blocked).
pub fn state_backend() -> S3Backend {
    S3Backend::new("roadwarrior-terraform-state", "us-east-1")
}

/// What defines a stack: fills a [`Stack`] for its environment.
pub type StackDefinition = fn(&Stack);

/// Every stack of this crate: name and definition.
pub const STACKS: &[(&str, StackDefinition)] = &[
    ("lab_http_api", lab_http_api::define),
    ("hexagonal_auth", hexagonal_auth::define),
    ("orders", orders::define),
    ("integration_service", integration_service::define),
];

include!(concat!(env!("OUT_DIR"), "/function_files.rs"));

/// The code of function `name`: every embedded file under `functions/<name>/`.
pub(crate) fn function_code(name: &str) -> Code {
    let prefix = format!("{name}/");
    Code::files(
        FUNCTION_FILES
            .iter()
            .filter_map(|(path, bytes, executable)| {
                path.strip_prefix(&prefix).map(|rel| CodeFile {
                    path: rel.to_string(),
                    bytes: std::borrow::Cow::Borrowed(*bytes),
                    executable: *executable,
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_function_directory_is_embedded() {
        for name in [
            "lab_http_api",
            "hexagonal_auth",
            "orders/crud",
            "orders/pdf",
        ] {
            let tfstack_model::constructs::Code::Files(files) = super::function_code(name) else {
                panic!("embedded code");
            };
            assert!(!files.is_empty(), "{name}");
        }
        assert!(super::FUNCTION_FILES
            .iter()
            .any(|(p, _, _)| *p == "hexagonal_auth/internal/core/domain/session.go"));
    }
}
