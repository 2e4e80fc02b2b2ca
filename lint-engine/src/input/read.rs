//! The one reader for input text: every file tfstack lints or reads for a module goes
//! through [`read_text`].

use crate::located::InputError;
use std::path::Path;
use tfstack_model::SourceFile;

/// The largest input file read, in bytes.
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Reads a file as UTF-8 text, refusing binary files and anything over
/// [`MAX_FILE_SIZE`]. Errors name the file and, for text that is not UTF-8, the line and
/// column of the first bad byte. A UTF-8 byte order mark is dropped, as Terraform drops it.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::file(path, e.to_string()))?;
    if meta.len() > MAX_FILE_SIZE {
        return Err(InputError::file(path, "file is larger than 64 MB"));
    }
    let mut bytes = std::fs::read(path).map_err(|e| InputError::file(path, e.to_string()))?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = std::str::from_utf8(&e.as_bytes()[..valid]).unwrap_or_default();
        let file = SourceFile::new(path, prefix);
        InputError::at_offset(
            &file,
            valid,
            format!("not valid UTF-8 (byte {valid}); binary files cannot be linted"),
        )
    })
}
