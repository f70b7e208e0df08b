//! Which files a run checks: arguments in order, directories walked sorted by file name.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// One thing to lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file (named, or found by the walk).
    File(PathBuf),
    /// Standard input.
    Stdin,
    /// The walk could not read this entry.
    Unreadable(PathBuf, String),
    /// A payload-named entry the walk does not read (a symbolic link, a FIFO, a socket, a
    /// device): reported as a warning so nothing is skipped silently.
    Skipped(PathBuf, String),
}

fn is_payload(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["json", "jsonl", "ndjson"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

fn skipped_dir(name: &str) -> bool {
    (name.starts_with('.') && name != "." && name != "..")
        || name == "target"
        || name == "node_modules"
}

/// The inputs of a run, in output order, each once.
pub fn collect(paths: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        if !path.is_dir() {
            // Named files are linted whatever their extension; missing ones become io-error.
            if seen.insert(path.clone()) {
                out.push(Input::File(path.clone()));
            }
            continue;
        }
        let walker = WalkDir::new(path)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir() && e.file_name().to_str().is_some_and(skipped_dir))
            });
        for entry in walker {
            match entry {
                Ok(e) => {
                    let p = e.path();
                    if e.file_type().is_file() && is_payload(p) && seen.insert(p.to_path_buf()) {
                        out.push(Input::File(p.to_path_buf()));
                    } else if !e.file_type().is_file()
                        && !e.file_type().is_dir()
                        && is_payload(p)
                        && seen.insert(p.to_path_buf())
                    {
                        let what = if e.path_is_symlink() {
                            "a symbolic link, which the walk does not follow: name it to lint it"
                        } else {
                            "not a regular file (a FIFO, socket or device)"
                        };
                        out.push(Input::Skipped(p.to_path_buf(), what.to_owned()));
                    }
                }
                Err(err) => {
                    let p = err.path().map_or_else(|| path.clone(), Path::to_path_buf);
                    let why = err
                        .io_error()
                        .map_or_else(|| err.to_string(), std::string::ToString::to_string);
                    out.push(Input::Unreadable(p, why));
                }
            }
        }
    }
    out
}
