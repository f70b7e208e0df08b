//! Which files a run checks: arguments in order, directories walked sorted by file name, and
//! the JSON files left alone because they are not payloads (`package.json`, editor settings,
//! JSON Schemas, what `exclude` names).

use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use klar_lint::run::Input;
use klar_lint::Config;
use walkdir::WalkDir;

/// Why a JSON file was not linted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// No kind in its name, `[kinds]` or `--kind`, and content with no Klar field:
    /// `package.json`, `tsconfig.json`, `.vscode/settings.json`.
    NotPayload,
    /// A JSON Schema: `*.schema.json`, or an object with a `$schema` key (`klar-lint schema --out`).
    JsonSchema,
    /// Matched by a glob of `exclude` or `extend-exclude`.
    Excluded(String),
    /// A symbolic link met in a walk (not followed).
    SymbolicLink,
    /// The run's own report or baseline (`--output`, `--write-baseline`, `--baseline`), met in
    /// a walk: a GitLab report is an array, and with `--kind` every JSON file is a payload.
    OwnFile,
    /// The `manifest.json` of `klar-lint split`, and the `quarantine.jsonl` beside it (its
    /// records hold payload objects, with their findings, one level down).
    SplitOutput,
}

impl Reason {
    /// The reason in a few words, for the count in the note: one, several.
    fn short(&self) -> (&'static str, &'static str) {
        match self {
            Reason::NotPayload => (
                "not a payload (no Klar field)",
                "not payloads (no Klar field)",
            ),
            Reason::JsonSchema => ("JSON Schema", "JSON Schemas"),
            Reason::Excluded(_) => ("excluded by the config", "excluded by the config"),
            Reason::SymbolicLink => (
                "symbolic link, not followed",
                "symbolic links, not followed",
            ),
            Reason::OwnFile => (
                "the run's own report or baseline",
                "the run's own reports and baselines",
            ),
            Reason::SplitOutput => (
                "split manifest or quarantine",
                "split manifests and quarantines",
            ),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotPayload => f.write_str(
                "not a payload: no kind in its name, folders or [kinds], and no Klar field in its content (name it with --kind to lint it)",
            ),
            Reason::JsonSchema => f.write_str("a JSON Schema, not a payload"),
            Reason::Excluded(glob) => write!(f, "excluded by `{glob}` in the config"),
            Reason::SymbolicLink => {
                f.write_str("a symbolic link, which the walk does not follow: name it to lint it")
            }
            Reason::OwnFile => f.write_str(
                "the run's own report or baseline (`--output`, `--write-baseline` or `--baseline`), not a payload",
            ),
            Reason::SplitOutput => f.write_str(
                "the manifest or quarantine `klar-lint split` wrote, not a payload (lint the bodies beside it)",
            ),
        }
    }
}

/// One JSON file left alone.
#[derive(Debug)]
pub struct Skipped {
    /// The path, as given or found.
    pub path: PathBuf,
    /// Why.
    pub reason: Reason,
}

/// The one line at the end of a run that left files alone: "skipped 3 JSON files that are
/// not payloads (2 with no Klar fields, 1 JSON Schema)".
pub fn note(skipped: &[Skipped]) -> Option<String> {
    if skipped.is_empty() {
        return None;
    }
    let mut counts: Vec<((&'static str, &'static str), usize)> = Vec::new();
    for s in skipped {
        let short = s.reason.short();
        match counts.iter_mut().find(|(r, _)| *r == short) {
            Some((_, n)) => *n += 1,
            None => counts.push((short, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let parts: Vec<String> = counts
        .iter()
        .map(|((one, many), n)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
    let n = skipped.len();
    Some(format!(
        "note: skipped {n} JSON file{}: {}; --verbose lists them",
        if n == 1 { "" } else { "s" },
        parts.join(", ")
    ))
}

/// Fields only a Klar payload has (or its envelope: `items`, and a wrapped `orders` or
/// `refunds` array, which the lint explains). Compared without case, as the schema names are.
const KLAR_FIELDS: [&str; 12] = [
    "\"items\"",
    "\"orders\"",
    "\"refunds\"",
    "\"lineitems\"",
    "\"orderid\"",
    "\"productcogs\"",
    "\"totallogisticscosts\"",
    "\"transactioncosts\"",
    "\"currencycodeiso3letter\"",
    "\"financialstatus\"",
    "\"refundedquantity\"",
    "\"productgmv\"",
];

/// How much of a file the content check reads (after gzip).
const PREFIX: u64 = 64 * 1024;

/// Decides whether a JSON file is a payload; `None` lints it.
pub struct Judge<'a> {
    /// The config: `exclude`, `[kinds]`.
    pub config: &'a Config,
    /// `--kind` was given: every file that is not excluded is linted as that kind.
    pub kind_forced: bool,
    /// The run's own report and baseline files, which a walk leaves alone.
    pub own: OwnFiles,
}

/// The files a run writes or reads besides its payloads (`--output`, `--write-baseline`,
/// `--baseline`), known by what they are on disk, not by how they were named: `-o r.json`,
/// `-o ./r.json` and `-o ../dir/r.json` are the walk's `./r.json` alike. One that does not
/// exist yet cannot be met in the walk (the report is written after it).
#[derive(Default)]
pub struct OwnFiles {
    #[cfg(unix)]
    ids: Vec<(u64, u64)>,
    #[cfg(not(unix))]
    paths: Vec<PathBuf>,
}

impl OwnFiles {
    /// The identities of those of `paths` that exist.
    pub fn new<'p>(paths: impl IntoIterator<Item = &'p Path>) -> Self {
        let mut own = Self::default();
        for path in paths {
            #[cfg(unix)]
            if let Ok(m) = std::fs::metadata(path) {
                use std::os::unix::fs::MetadataExt as _;
                own.ids.push((m.dev(), m.ino()));
            }
            #[cfg(not(unix))]
            if let Ok(p) = std::fs::canonicalize(path) {
                own.paths.push(p);
            }
        }
        own
    }

    /// Whether the walk's regular file `entry` is one of them. Costs nothing per file on Unix
    /// unless its inode number matches (the directory listing gives it).
    fn contains(&self, entry: &walkdir::DirEntry) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            use walkdir::DirEntryExt as _;
            let ino = entry.ino();
            self.ids.iter().any(|&(_, i)| i == ino)
                && entry
                    .metadata()
                    .is_ok_and(|m| self.ids.contains(&(m.dev(), m.ino())))
        }
        #[cfg(not(unix))]
        {
            !self.paths.is_empty()
                && std::fs::canonicalize(entry.path()).is_ok_and(|p| self.paths.contains(&p))
        }
    }
}

impl Judge<'_> {
    /// Why `path` is not linted, or `None` when it is. Cheap for the common cases: an excluded
    /// path, `[kinds]`, `--kind` and a kind in the file name decide without reading; otherwise
    /// the first 64 KiB (decompressed) are read. A file that cannot be read is linted, so that
    /// its `io-error` is reported.
    pub fn skip(&self, path: &Path) -> Option<Reason> {
        if let Some(glob) = self.config.excluded(path) {
            return Some(Reason::Excluded(glob.to_owned()));
        }
        if self.kind_forced || self.config.kind_for_path(path).is_some() {
            return None;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase());
        let name = name.as_deref().unwrap_or("");
        let stem = name.strip_suffix(".gz").unwrap_or(name);
        if stem.ends_with(".schema.json") {
            return Some(Reason::JsonSchema);
        }
        if klar_lint::payload::kind_from_path(Path::new(name)).is_some() {
            return None;
        }
        let manifest = match name {
            "manifest.json" => Some(path.to_path_buf()),
            "quarantine.jsonl" => Some(path.with_file_name("manifest.json")),
            _ => None,
        };
        if manifest.is_some_and(|m| is_split_manifest(&m)) {
            return Some(Reason::SplitOutput);
        }
        let prefix = read_prefix(path, stem.len() < name.len())?;
        judge_content(&prefix)
    }
}

/// Whether `path` is the manifest `klar-lint split` writes (its first key is `klarLint`).
fn is_split_manifest(path: &Path) -> bool {
    read_prefix(path, false).is_some_and(|bytes| {
        let text = bytes.trim_ascii_start();
        text.strip_prefix(b"{")
            .is_some_and(|rest| rest.trim_ascii_start().starts_with(b"\"klarLint\""))
    })
}

/// The first [`PREFIX`] bytes of a file, decompressed when it is gzip; `None` when it cannot be
/// read (the lint reports why).
fn read_prefix(path: &Path, gzip: bool) -> Option<Vec<u8>> {
    let file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    if gzip {
        flate2::read::MultiGzDecoder::new(file)
            .take(PREFIX)
            .read_to_end(&mut bytes)
            .ok()?;
    } else {
        file.take(PREFIX).read_to_end(&mut bytes).ok()?;
    }
    Some(bytes)
}

/// A payload is an array (or JSON Lines records) of Klar objects, or `{"items": [...]}`. A
/// document that starts as an object with no Klar field is some other JSON (`package.json`);
/// one with a `$schema` key is a JSON Schema. Anything else (an array, text that is not JSON,
/// an empty file) is linted, and the lint says what is wrong with it.
fn judge_content(prefix: &[u8]) -> Option<Reason> {
    let text = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(prefix);
    let first = text.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let has = |needle: &str| memchr::memmem::find(&lower, needle.as_bytes()).is_some();
    if has("\"$schema\"") {
        return Some(Reason::JsonSchema);
    }
    if KLAR_FIELDS.iter().any(|field| has(field)) {
        return None;
    }
    Some(Reason::NotPayload)
}

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

/// The inputs of a run, in output order, each once, and the JSON files left alone.
pub fn collect(paths: &[PathBuf], judge: &Judge<'_>) -> (Vec<Input>, Vec<Skipped>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    // One argument cannot name a file twice: the walk follows no links.
    let mut first_time = |path: &Path| paths.len() == 1 || seen.insert(same_file_key(path));
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        if !path.is_dir() {
            // Named files are linted whatever their extension; missing ones become io-error. A
            // file that is not a payload is left alone as in a walk: pre-commit names every
            // changed JSON file, `package.json` among them.
            if first_time(path) {
                match judge.skip(path) {
                    Some(reason) => skipped.push(Skipped {
                        path: path.clone(),
                        reason,
                    }),
                    None => out.push(Input::Path(path.clone())),
                }
            }
            continue;
        }
        let defaults = judge.config.exclude.defaults();
        // Siblings share their parent's path, so comparing whole paths orders them by name,
        // without parsing a file name out of each at every comparison (`sort_by_file_name`).
        let walker = WalkDir::new(path)
            .follow_links(false)
            .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir()
                        && ((defaults && e.file_name().to_str().is_some_and(skipped_dir))
                            || judge.config.excluded(e.path()).is_some()))
            });
        for entry in walker {
            match entry {
                Ok(e) => {
                    let p = e.path();
                    if e.file_type().is_file() && is_payload(p) && first_time(p) {
                        let own = judge.own.contains(&e).then_some(Reason::OwnFile);
                        match own.or_else(|| judge.skip(p)) {
                            Some(reason) => skipped.push(Skipped {
                                path: p.to_path_buf(),
                                reason,
                            }),
                            None => out.push(Input::Path(p.to_path_buf())),
                        }
                    } else if e.path_is_symlink() && is_payload(p) && first_time(p) {
                        // Not a finding: `latest.json -> 2024-06-01.json` is common, and a
                        // warning would fail every `--fail-on warning` run on the folder.
                        let reason = judge
                            .config
                            .excluded(p)
                            .map_or(Reason::SymbolicLink, |g| Reason::Excluded(g.to_owned()));
                        skipped.push(Skipped {
                            path: p.to_path_buf(),
                            reason,
                        });
                    } else if !e.file_type().is_file()
                        && !e.file_type().is_dir()
                        && is_payload(p)
                        && first_time(p)
                    {
                        out.push(Input::Skipped {
                            path: p.to_path_buf(),
                            why: "not a regular file (a FIFO, socket or device)".to_owned(),
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
    (out, skipped)
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
        let config = Config::default();
        let judge = Judge {
            config: &config,
            kind_forced: false,
            own: OwnFiles::default(),
        };
        let (inputs, _) = collect(&[d.clone(), dir.path().to_path_buf(), dot_d], &judge);
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
        let config = Config::default();
        let judge = Judge {
            config: &config,
            kind_forced: false,
            own: OwnFiles::default(),
        };
        let names: Vec<String> = collect(&[dir.path().to_path_buf()], &judge)
            .0
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
