//! SEC: secrets kept where they leak — credentials written into the code, secrets that
//! never change.

pub mod hardcoded_credentials;
pub mod secret_without_rotation;
