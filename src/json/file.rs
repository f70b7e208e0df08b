//! Reading a small text input whole (the config file, a baseline, a schema override): a
//! regular file only, opened without waiting (a FIFO with no writer would block the open) and
//! never read past a size limit (`/dev/zero` or a file that keeps growing would never end).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Reads `path` whole as UTF-8 text, if it is a regular file of at most `max` bytes.
///
/// # Errors
/// The open or read fails; the path is a FIFO, device, socket or directory
/// (`InvalidInput`, "… is not a regular file"); it holds more than `max` bytes
/// (`InvalidData`); it is not UTF-8 (`InvalidData`).
pub fn read_capped_regular(path: &Path, max: u64) -> io::Result<String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file: File = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            if meta.is_dir() {
                "it is a directory, not a regular file".to_owned()
            } else {
                "it is not a regular file (a FIFO, device or socket)".to_owned()
            },
        ));
    }
    let too_big = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is larger than the {max} bytes allowed"),
        )
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    String::from_utf8(bytes)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("it is not UTF-8: {e}")))
}
