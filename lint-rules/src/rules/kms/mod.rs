//! KMS: customer managed keys that are never rotated.

pub mod kms_key_without_rotation;
