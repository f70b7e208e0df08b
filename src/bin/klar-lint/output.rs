//! Where `--output`, `--write-baseline` and `schema --out` write, checked for what it is: a
//! regular file (or a new one) is replaced through a temporary file renamed over it when
//! complete, with the mode the umask gives a new file or the mode the old file had; a device,
//! a FIFO or `/dev/fd/N` is written through, never replaced; a symbolic link, a directory or
//! one of the run's inputs is refused.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// An output file being written.
pub(crate) struct Target {
    pub(crate) path: PathBuf,
    writer: BufWriter<File>,
    /// The temporary file renamed over `path` at the end; `None` when written through.
    temp: Option<tempfile::TempPath>,
}

/// Why an output path is refused (exit 2).
pub(crate) fn refused(why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{why}: refusing to write it"),
    )
}

/// Whether `path` names one of this process's open files (`/dev/fd/N`, `/dev/stdout`): a link
/// the caller made on purpose, followed.
fn is_fd_path(path: &Path) -> bool {
    ["/dev/fd/", "/proc/self/fd/"]
        .iter()
        .any(|p| path.starts_with(p))
        || ["/dev/stdout", "/dev/stderr"]
            .iter()
            .any(|p| path == Path::new(p))
}

impl Target {
    /// Opens `path` for writing; `inputs` are the files the run reads, never written.
    pub(crate) fn open(path: &Path, inputs: &[PathBuf]) -> io::Result<Self> {
        let follow = is_fd_path(path);
        let existing = if follow {
            std::fs::metadata(path)
        } else {
            std::fs::symlink_metadata(path)
        };
        let mode = match existing {
            Ok(meta) => {
                let kind = meta.file_type();
                for input in inputs {
                    if let Ok(m) = std::fs::metadata(input) {
                        if m.dev() == meta.dev() && m.ino() == meta.ino() && !m.is_dir() {
                            return Err(refused("it is one of the files being linted"));
                        }
                    }
                }
                if kind.is_symlink() {
                    return Err(refused(
                        "it is a symbolic link (give the path it points to)",
                    ));
                }
                if kind.is_dir() {
                    return Err(refused("it is a directory"));
                }
                if follow
                    || kind.is_char_device()
                    || kind.is_block_device()
                    || kind.is_fifo()
                    || kind.is_socket()
                {
                    // Written through: a device node or pipe is never replaced by a file.
                    let file = OpenOptions::new()
                        .write(true)
                        .truncate(kind.is_file())
                        .open(path)?;
                    return Ok(Self {
                        path: path.to_owned(),
                        writer: BufWriter::new(file),
                        temp: None,
                    });
                }
                meta.permissions().mode() & 0o7777
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0o666,
            Err(e) => return Err(e),
        };
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        // Created with 0666 less the umask, as any new file; then the old file's mode, if any.
        // Removed if a signal ends the run before the rename (`signals`).
        let temp = crate::signals::watched(|| {
            tempfile::Builder::new()
                .prefix(".klar-lint")
                .permissions(Permissions::from_mode(0o666))
                .tempfile_in(parent)
        })?;
        let (file, temp) = temp.into_parts();
        if mode != 0o666 {
            file.set_permissions(Permissions::from_mode(mode))?;
        }
        Ok(Self {
            path: path.to_owned(),
            writer: BufWriter::new(file),
            temp: Some(temp),
        })
    }

    /// Writes the rest, and renames the temporary file over the path.
    pub(crate) fn commit(self) -> io::Result<()> {
        let file = self
            .writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        match self.temp {
            None => Ok(()),
            Some(temp) => {
                file.sync_all()?;
                let name = temp.to_path_buf();
                let persisted = temp.persist(&self.path).map_err(|e| e.error);
                crate::signals::forget(&name);
                persisted
            }
        }
    }
}

impl Write for Target {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Writes a whole file through [`Target`].
pub(crate) fn write_file(path: &Path, bytes: &[u8], inputs: &[PathBuf]) -> io::Result<()> {
    let mut target = Target::open(path, inputs)?;
    target.write_all(bytes)?;
    target.commit()
}
