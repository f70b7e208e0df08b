//! Reading a source: a path (opened without blocking, regular files only, `max-file-size`),
//! gzip, any reader; then on to the document or JSON Lines stage.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::jsonl::JSONL_READ_BUFFER;
use super::report::{io_error_report, io_message, FileReport};
use super::Pipeline;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::json::Pointer;

impl Pipeline {
    /// Reads a whole document, bounded by `max-file-size`, and lints it.
    pub(crate) fn read_document<R: Read>(&self, name: &str, reader: R, verb: &str) -> FileReport {
        let limit = self.config.max_file_size;
        let mut bytes = Vec::new();
        match reader.take(limit.saturating_add(1)).read_to_end(&mut bytes) {
            Err(e) => io_error_report(
                name,
                format!("cannot {verb} `{name}`: {}", io_message(&e)),
                if verb == "decompress" {
                    "the file is not gzip or is cut off: re-create it with `gzip`"
                } else {
                    "check the source; nothing of it was checked"
                },
            ),
            Ok(n) if n as u64 > limit => io_error_report(
                name,
                if verb == "decompress" {
                    format!("`{name}` decompresses to more than the {limit} bytes `max-file-size` allows for one document")
                } else {
                    format!("`{name}` holds more than the {limit} bytes `max-file-size` allows for one document")
                },
                "raise `max-file-size` in klar-lint.toml, or export JSON Lines, which are streamed",
            ),
            Ok(_) => self.lint_document(name, &bytes),
        }
    }

    /// A gzip-compressed export: JSON Lines inside are streamed, a document is decompressed up
    /// to `max-file-size`, so a decompression bomb stops there.
    fn lint_gzip(&self, path: &Path, name: &str, file: File) -> FileReport {
        let mut reader = BufReader::new(file);
        if !reader
            .fill_buf()
            .is_ok_and(|head| head.starts_with(&[0x1f, 0x8b]))
        {
            return io_error_report(
                name,
                format!("`{name}` is named `.gz` but is not gzip-compressed"),
                "compress it with `gzip`, or drop the `.gz` from its name",
            );
        }
        let decoder = GzipErrors(GzipMembers::new(reader));
        if is_json_lines(&path.with_extension("")) {
            return without_fixes(
                self.lint_jsonl(name, BufReader::with_capacity(JSONL_READ_BUFFER, decoder)),
            );
        }
        without_fixes(self.read_document(name, decoder, "decompress"))
    }

    /// A stream read as the file `name` would be (see [`crate::Linter::lint_named`]).
    pub(crate) fn lint_named<R: BufRead>(&self, name: &str, mut reader: R) -> FileReport {
        let gzip = reader
            .fill_buf()
            .is_ok_and(|head| head.starts_with(&[0x1f, 0x8b]));
        let path = Path::new(name);
        let path = if is_gzip(path) {
            path.with_extension("")
        } else {
            path.to_path_buf()
        };
        match (gzip, is_json_lines(&path)) {
            (true, true) => {
                let decoder = GzipErrors(GzipMembers::new(reader));
                without_fixes(
                    self.lint_jsonl(name, BufReader::with_capacity(JSONL_READ_BUFFER, decoder)),
                )
            }
            (true, false) => without_fixes(self.read_document(
                name,
                GzipErrors(GzipMembers::new(reader)),
                "decompress",
            )),
            (false, true) => self.lint_jsonl(name, reader),
            (false, false) => self.read_document(name, reader, "read"),
        }
    }

    pub(crate) fn lint_path_inner(&self, path: &Path, name: &str) -> FileReport {
        let io_error = |message: String, help: &str| {
            let mut report = FileReport::new(name);
            report
                .diagnostics
                .push(Diagnostic::new(&codes::IO_ERROR, Pointer::root(), message).with_help(help));
            report
        };
        // Opened first, then asked its type through the open file: one path lookup per file,
        // not two. Without blocking, so a FIFO (which would wait for a writer) opens and is
        // turned away below.
        let file = match open_nonblocking(path) {
            Ok(f) => f,
            Err(e) => {
                return io_error(
                    format!("cannot read `{name}`: {}", io_message(&e)),
                    "check the path and its permissions",
                )
            }
        };
        let metadata = match file.metadata() {
            Ok(m) => m,
            Err(e) => {
                return io_error(
                    format!("cannot read `{name}`: {}", io_message(&e)),
                    "check the path and its permissions",
                )
            }
        };
        if metadata.is_dir() {
            return io_error(
                format!("`{name}` is a directory"),
                "name the files in it, or the directory itself without a file extension filter",
            );
        }
        if !metadata.is_file() {
            // A FIFO or device would block or never end.
            return io_error(
                format!("`{name}` is not a regular file"),
                "klar-lint reads regular files only; pipe other sources to `klar-lint -`",
            );
        }
        if is_json_lines(path) {
            return self.lint_jsonl(name, BufReader::with_capacity(JSONL_READ_BUFFER, file));
        }
        if is_gzip(path) {
            return self.lint_gzip(path, name, file);
        }
        if metadata.len() > self.config.max_file_size {
            return io_error(
                format!(
                    "`{name}` is {} bytes, more than `max-file-size` ({} bytes) allows for one document",
                    metadata.len(),
                    self.config.max_file_size
                ),
                "raise `max-file-size` in klar-lint.toml, or export JSON Lines, which are streamed",
            );
        }
        let len = usize::try_from(metadata.len()).unwrap_or(0);
        let mut bytes = Vec::new();
        if let Err(e) = read_whole(file, len, self.config.max_file_size, &mut bytes) {
            return io_error(
                format!("cannot read `{name}`: {}", io_message(&e)),
                "check the file and its permissions",
            );
        }
        self.count_read(bytes.len());
        // A file that grew after it was opened is read up to the limit, never to its end.
        if bytes.len() as u64 > self.config.max_file_size {
            return io_error(
                format!(
                    "`{name}` grew past the {} bytes `max-file-size` allows for one document while it was read",
                    self.config.max_file_size
                ),
                "lint the file once it is complete, or raise `max-file-size` in klar-lint.toml",
            );
        }
        self.lint_document(name, &bytes)
    }
}

/// Whether the path ends in `.gz`, in any case.
/// A compressed file's report offers no fixes: their edits are on the decompressed text, and
/// `--fix` does not rewrite compressed files (docs/fixes.md).
fn without_fixes(mut report: FileReport) -> FileReport {
    for d in &mut report.diagnostics {
        d.fix = None;
    }
    report
}

fn is_gzip(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// The gzip members of `R` one after another, as `gzip -d` reads them, and zero bytes after
/// the last one ignored: tape and some disk and upload tools pad a file to a block size, and
/// `gzip -d` reads such a file ("trailing garbage ignored"). Anything else after a member is
/// read as the next member's header, so other trailing bytes are an error as before. The
/// padding is skipped as it is read, never held.
struct GzipMembers<R: BufRead> {
    /// The member being read; `None` at the end.
    member: Option<flate2::bufread::GzDecoder<R>>,
}

impl<R: BufRead> GzipMembers<R> {
    fn new(reader: R) -> Self {
        Self {
            member: Some(flate2::bufread::GzDecoder::new(reader)),
        }
    }
}

impl<R: BufRead> Read for GzipMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let Some(member) = self.member.as_mut() else {
                return Ok(0);
            };
            let n = member.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // The member ended: the input is at its end, at zero padding, or at the next
            // member (or at bytes that are not one, which its header reports).
            let Some(member) = self.member.take() else {
                return Ok(0);
            };
            let mut rest = member.into_inner();
            loop {
                let head = rest.fill_buf()?;
                let zeros = head.iter().take_while(|&&b| b == 0).count();
                if head.is_empty() {
                    return Ok(0);
                }
                if zeros < head.len() {
                    if zeros > 0 && !head.get(zeros..).is_some_and(|h| h.starts_with(&[0x1f])) {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "bytes other than zeros after the zero padding that ends the gzip data",
                        ));
                    }
                    rest.consume(zeros);
                    break;
                }
                rest.consume(zeros);
            }
            self.member = Some(flate2::bufread::GzDecoder::new(rest));
        }
    }
}

/// Names decompression failures as such: "gzip: invalid gzip header".
struct GzipErrors<R>(R);

impl<R: Read> Read for GzipErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::Interrupted {
                e
            } else {
                std::io::Error::new(e.kind(), format!("gzip: {e}"))
            }
        })
    }
}

/// Whether the path ends in `.jsonl` or `.ndjson`, in any case.
fn is_json_lines(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"))
}

/// Reads a regular file of `len` bytes (its size when it was opened) into `bytes`, replacing
/// what was there. A small file
/// is asked for one byte more than its size: getting exactly `len` bytes means the end was
/// reached, so one read system call does what `read_to_end` does in two (the second only to
/// see the end), which adds up over thousands of one-order files. Anything else (a file that
/// grew or shrank, an interrupted read, a big file) goes on through `read_to_end`, through
/// `take` so that it does not ask the file's size and position again.
///
/// At most `limit + 1` bytes are read: a caller seeing more than `limit` knows the file grew.
fn read_whole(file: File, len: usize, limit: u64, bytes: &mut Vec<u8>) -> std::io::Result<()> {
    bytes.clear();
    let mut file = file.take(limit.saturating_add(1));
    if len < 1 << 20 {
        bytes.resize(len + 1, 0);
        match file.read(bytes) {
            Ok(n) if n == len => {
                bytes.truncate(n);
                return Ok(());
            }
            Ok(n) => bytes.truncate(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => bytes.clear(),
            Err(e) => return Err(e),
        }
    } else {
        bytes.reserve_exact(len);
    }
    file.read_to_end(bytes).map(drop)
}

/// Opens `path` for reading without waiting: a FIFO with no writer would otherwise block the
/// open itself. Reads from a regular file are not affected by the flag.
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_file_is_read_whatever_size_it_had_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        let text = b"[1, 2, 3]".repeat(50);
        std::fs::write(&path, &text).unwrap();
        // The size at opening, and sizes as if the file had since grown or shrunk.
        for len in [
            text.len(),
            0,
            1,
            text.len() - 1,
            text.len() + 1,
            text.len() * 2,
            2 << 20,
        ] {
            let mut bytes = vec![7u8; 3];
            read_whole(File::open(&path).unwrap(), len, u64::MAX, &mut bytes).unwrap();
            assert_eq!(bytes, text, "size given {len}");
        }
        std::fs::write(&path, b"").unwrap();
        let mut bytes = Vec::new();
        read_whole(File::open(&path).unwrap(), 0, u64::MAX, &mut bytes).unwrap();
        assert!(bytes.is_empty());
    }

    #[test]
    fn a_file_that_grows_after_it_was_opened_is_read_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("growing.json");
        std::fs::write(&path, b"[1]").unwrap();
        let file = File::open(&path).unwrap();
        // Another process appends after the open and the size check.
        std::fs::write(&path, vec![b' '; 1 << 20]).unwrap();
        let mut bytes = Vec::new();
        read_whole(file, 3, 100, &mut bytes).unwrap();
        assert_eq!(bytes.len(), 101, "one byte past the limit, to tell it grew");
    }
}
