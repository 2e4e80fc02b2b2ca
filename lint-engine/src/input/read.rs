//! The engine's side of the one bounded reader ([`tfstack_model::read`]): every file the
//! engine reads for a person (configuration, baseline, variable files, plans and
//! policies) is opened there, its type checked on the open handle, and at most the limit
//! plus one byte read; errors name the file.

use crate::located::InputError;
use std::path::Path;

/// Reads a file as UTF-8 text, refusing anything but a regular file, binary files and
/// anything over `limit` bytes. Errors name the file and, for text that is not UTF-8, the
/// line and column of the first bad byte. A UTF-8 byte order mark is dropped, as
/// Terraform drops it.
pub fn read_text(path: &Path, limit: u64) -> Result<String, InputError> {
    tfstack_model::read::read_text(path, limit).map_err(|e| e.at(path))
}
