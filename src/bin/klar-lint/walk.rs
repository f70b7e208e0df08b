//! Which files a run checks: arguments in order, directories walked sorted by file name.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use klar_lint::run::Input;
use walkdir::WalkDir;

/// `*.json`, `*.jsonl`, `*.ndjson`, and each of them gzip-compressed (`*.json.gz`), in any
/// case, with a name before the extension (`.json` alone is a hidden file, as for
/// `Path::extension`). Works on the name's bytes: the walk asks this of every entry, and
/// `Path::extension` parses the path again at each call.
fn is_payload(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    let name = bytes
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(bytes, |slash| bytes.get(slash + 1..).unwrap_or_default());
    let name = strip_suffix(name, b".gz").unwrap_or(name);
    [&b".json"[..], b".jsonl", b".ndjson"]
        .iter()
        .any(|ext| strip_suffix(name, ext).is_some_and(|stem| !stem.is_empty()))
}

/// `name` without `suffix`, compared ignoring ASCII case.
fn strip_suffix<'a>(name: &'a [u8], suffix: &[u8]) -> Option<&'a [u8]> {
    let cut = name.len().checked_sub(suffix.len())?;
    let (stem, tail) = name.split_at(cut);
    tail.eq_ignore_ascii_case(suffix).then_some(stem)
}

fn skipped_dir(name: &str) -> bool {
    (name.starts_with('.') && name != "." && name != "..")
        || name == "target"
        || name == "node_modules"
}

/// The key under which a path counts as seen: the path without `.` components, so that
/// `klar-lint . d.json` lints `d.json` once (the walk finds it as `./d.json`). Lexical only: a
/// path through `..` or a symbolic link to a file already seen is linted again, under its own
/// name, rather than paying a `realpath` per file.
fn same_file_key(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// The inputs of a run, in output order, each once.
pub fn collect(paths: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    // One argument cannot name a file twice: the walk follows no links.
    let mut first_time = |path: &Path| paths.len() == 1 || seen.insert(same_file_key(path));
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        if !path.is_dir() {
            // Named files are linted whatever their extension; missing ones become io-error.
            if first_time(path) {
                out.push(Input::Path(path.clone()));
            }
            continue;
        }
        // Siblings share their parent's path, so comparing whole paths orders them by name,
        // without parsing a file name out of each at every comparison (`sort_by_file_name`).
        let walker = WalkDir::new(path)
            .follow_links(false)
            .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir() && e.file_name().to_str().is_some_and(skipped_dir))
            });
        for entry in walker {
            match entry {
                Ok(e) => {
                    let p = e.path();
                    if e.file_type().is_file() && is_payload(p) && first_time(p) {
                        out.push(Input::Path(p.to_path_buf()));
                    } else if !e.file_type().is_file()
                        && !e.file_type().is_dir()
                        && is_payload(p)
                        && first_time(p)
                    {
                        let what = if e.path_is_symlink() {
                            "a symbolic link, which the walk does not follow: name it to lint it"
                        } else {
                            "not a regular file (a FIFO, socket or device)"
                        };
                        out.push(Input::Skipped {
                            path: p.to_path_buf(),
                            why: what.to_owned(),
                        });
                    }
                }
                Err(err) => {
                    let p = err.path().map_or_else(|| path.clone(), Path::to_path_buf);
                    let why = err
                        .io_error()
                        .map_or_else(|| err.to_string(), std::string::ToString::to_string);
                    out.push(Input::Unreadable { path: p, why });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_named_and_walked_is_linted_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("d-orders.json"), "[]").unwrap();
        std::fs::write(dir.path().join("e-orders.json"), "[]").unwrap();
        let d = dir.path().join("d-orders.json");
        let dot_d = dir.path().join(".").join("d-orders.json");
        let inputs = collect(&[d.clone(), dir.path().to_path_buf(), dot_d]);
        let files: Vec<_> = inputs
            .iter()
            .filter_map(|i| match i {
                Input::Path(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        // Named first, so it keeps its name; the walk adds only the other file.
        assert_eq!(files, vec![d, dir.path().join("e-orders.json")]);
    }

    #[test]
    fn a_directory_is_walked_depth_first_with_siblings_sorted_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        for name in [
            "b.json",
            "a/z.json",
            "a.json",
            "A.json",
            "a-b.json",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), "[]").unwrap();
        }
        let names: Vec<String> = collect(&[dir.path().to_path_buf()])
            .iter()
            .map(|input| match input {
                Input::Path(p) => p.strip_prefix(dir.path()).unwrap().display().to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        // `a` sorts before `a-b.json` as a name, though `a/` sorts after `a-` as a path.
        assert_eq!(
            names,
            ["A.json", "a/z.json", "a-b.json", "a.json", "b.json"]
        );
    }

    #[test]
    fn payloads_include_their_gzip_forms() {
        for yes in [
            "dir/b.Json",
            "x/.hidden.json",
            "a.json",
            "a.JSONL",
            "a.ndjson",
            "a.json.gz",
            "a.jsonl.gz",
            "a.ndjson.GZ",
        ] {
            assert!(is_payload(Path::new(yes)), "{yes}");
        }
        for no in [
            "a.txt",
            "a.gz",
            "a.tar.gz",
            "json.gz",
            "a.json.zip",
            ".json",
            "dir/.json.gz",
            "a.json/b",
            "a.gz.json.x",
        ] {
            assert!(!is_payload(Path::new(no)), "{no}");
        }
    }
}
