//! Baselines, for adopting klar-lint on years of existing exports: `--write-baseline FILE`
//! records every finding of a run; `--baseline FILE` leaves those out of later runs and counts
//! the entries that no longer occur. An entry is a file, a rule, a JSON Pointer and an FNV-1a 64
//! hash of the value's text under the finding (the message when there is no span), so a finding
//! comes back when the value changes, and line moves elsewhere in the file do not matter.
//!
//! A file is keyed by its path's bytes ([`file_key`]), not by the text reports print: two names
//! that differ only in bytes that are not UTF-8 print alike, and a `\` in a Unix file name is
//! not a folder separator; neither may share another file's entries.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use klar_lint::render::{normalized_path, BaselineCounts, Fnv1a64};
use klar_lint::{Diagnostic, FileReport};
use serde::{Deserialize, Serialize};

/// The baseline file's format version.
const VERSION: u32 = 1;

/// One recorded finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Entry {
    pub file: String,
    pub rule: String,
    pub pointer: String,
    pub value_hash: String,
}

/// The file written by `--write-baseline`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BaselineFile {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// The text a finding underlines, or its message when it has no span.
fn value_text<'r>(report: &'r FileReport, d: &'r Diagnostic) -> &'r str {
    d.span
        .and_then(|span| {
            let chunk = report.source_for(span)?;
            chunk
                .text
                .get(span.start.checked_sub(chunk.offset)?..span.end.checked_sub(chunk.offset)?)
        })
        .unwrap_or(&d.message)
}

/// A file's key in a baseline: its path with `/` between folders and no leading `./`, as
/// reports print it, except that what would make two files' keys alike is written as `%XX`:
/// a byte that is not UTF-8 (`a\xff.json` is `a%FF.json`, not `a\u{FFFD}.json`), a `\` that is
/// part of a Unix file name (`%5C`; on Windows it is the separator, written `/` as before) and a
/// `%` followed by two hex digits (`%25`), so that no two paths share a key. Keys of ordinary
/// names are what earlier versions wrote.
pub fn file_key(path: &Path) -> String {
    let mut rest = path.as_os_str().as_encoded_bytes();
    let mut key = String::with_capacity(rest.len());
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                push_key_text(&mut key, text);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                push_key_text(&mut key, std::str::from_utf8(good).unwrap_or_default());
                let (bad, after) = bad.split_at(e.error_len().unwrap_or(bad.len()));
                for byte in bad {
                    let _ = write!(key, "%{byte:02X}");
                }
                rest = after;
            }
        }
    }
    normalized_path(&key)
}

fn push_key_text(key: &mut String, text: &str) {
    for (i, c) in text.char_indices() {
        match c {
            '\\' if cfg!(windows) => key.push('/'),
            '\\' => key.push_str("%5C"),
            '%' if text.get(i + 1..).is_some_and(|t| {
                t.len() >= 2 && t.bytes().take(2).all(|b| b.is_ascii_hexdigit())
            }) =>
            {
                key.push_str("%25");
            }
            c => key.push(c),
        }
    }
}

/// The path a [`file_key`] stands for (to ask whether the file still exists).
fn key_path(key: &str) -> PathBuf {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if let (b'%', Some(byte)) = (b, hex) {
            out.push(byte);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        PathBuf::from(std::ffi::OsStr::from_bytes(&out))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(&out).into_owned())
    }
}

/// A finding's baseline entry; `file` is the file's [`file_key`].
pub fn entry(file: &str, report: &FileReport, d: &Diagnostic) -> Entry {
    Entry {
        file: file.to_owned(),
        rule: d.rule().to_owned(),
        pointer: d.pointer.as_str().to_owned(),
        value_hash: format!("{:016x}", Fnv1a64::hash(value_text(report, d).as_bytes())),
    }
}

impl BaselineFile {
    /// A baseline of these entries, sorted so the file diffs well.
    pub fn new(mut findings: Vec<Entry>) -> Self {
        findings.sort();
        Self {
            version: VERSION,
            findings,
        }
    }

    /// Records every finding of these reports.
    #[cfg(test)]
    pub fn record<'a>(reports: impl IntoIterator<Item = &'a FileReport>) -> Self {
        Self::new(
            reports
                .into_iter()
                .flat_map(|r| {
                    let file = file_key(Path::new(&r.path));
                    r.diagnostics
                        .iter()
                        .map(|d| entry(&file, r, d))
                        .collect::<Vec<_>>()
                })
                .collect(),
        )
    }

    /// Parses a baseline file's text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: Self = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if file.version != VERSION {
            return Err(format!(
                "baseline format version {} is not supported (this klar-lint writes {VERSION})",
                file.version
            ));
        }
        Ok(file)
    }

    /// As pretty JSON, with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Applies a baseline to a run, file by file.
#[derive(Debug)]
pub struct Matcher {
    remaining: HashMap<Entry, usize>,
    entries: usize,
    suppressed: usize,
    seen_files: HashSet<String>,
}

impl Matcher {
    pub fn new(file: BaselineFile) -> Self {
        let entries = file.findings.len();
        let mut remaining = HashMap::new();
        for e in file.findings {
            *remaining.entry(e).or_insert(0) += 1;
        }
        Self {
            remaining,
            entries,
            suppressed: 0,
            seen_files: HashSet::new(),
        }
    }

    /// Drops the findings the baseline holds (each entry matches one finding); `file` is the
    /// report's [`file_key`].
    pub fn filter(&mut self, file: &str, report: &mut FileReport) {
        self.seen_files.insert(file.to_owned());
        let mut keep = Vec::with_capacity(report.diagnostics.len());
        for d in std::mem::take(&mut report.diagnostics) {
            let key = entry(file, report, &d);
            match self.remaining.get_mut(&key) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    self.suppressed += 1;
                }
                _ => keep.push(d),
            }
        }
        report.diagnostics = keep;
    }

    /// The counts for the summary. Unmatched entries count as gone when their file was checked
    /// in this run or no longer exists; entries of files this run did not look at are neither.
    pub fn counts(&self) -> BaselineCounts {
        let mut by_file: BTreeMap<&str, usize> = BTreeMap::new();
        for (e, n) in &self.remaining {
            *by_file.entry(e.file.as_str()).or_default() += n;
        }
        let stale = by_file
            .into_iter()
            .filter(|(file, _)| self.seen_files.contains(*file) || !key_path(file).exists())
            .map(|(_, n)| n)
            .sum();
        BaselineCounts {
            entries: self.entries,
            suppressed: self.suppressed,
            stale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use klar_lint::{Config, Linter, PayloadKind};

    const BAD: &str = r#"[{"id": "1", "createdAt": 1700000000, "currencyCodeIso3Letter": "EUR",
      "lineItems": [{"id": "a", "productGmv": "10", "quantity": 1}]}]"#;

    fn lint(text: &str) -> FileReport {
        Linter::new(Config::default().with_kind(PayloadKind::Orders))
            .unwrap()
            .lint_str("exports/a-orders.json", text)
    }

    /// The schema finding on the quoted `productGmv` (the rules report on the order too).
    fn schema_entry(report: &FileReport) -> Entry {
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.code.name == "schema")
            .unwrap();
        entry(&file_key(Path::new(&report.path)), report, d)
    }

    #[test]
    fn the_value_hash_follows_the_value_not_its_line() {
        let report = lint(BAD);
        let moved = lint(&format!("\n\n{BAD}"));
        let changed = lint(&BAD.replace("\"10\"", "\"11\""));
        let e = schema_entry(&report);
        assert_eq!(e, schema_entry(&moved));
        assert_ne!(e, schema_entry(&changed));
        assert_eq!(e.pointer, "/0/lineItems/0/productGmv");
        assert_eq!(e.value_hash, format!("{:016x}", Fnv1a64::hash(b"\"10\"")));
    }

    #[test]
    fn recorded_findings_are_suppressed_and_gone_ones_counted() {
        let before = lint(BAD);
        let file = BaselineFile::parse(&BaselineFile::record([&before]).to_json()).unwrap();
        let mut same = lint(BAD);
        let mut matcher = Matcher::new(file);
        matcher.filter("exports/a-orders.json", &mut same);
        assert!(same.diagnostics.is_empty());
        let counts = matcher.counts();
        assert_eq!(
            (counts.suppressed, counts.stale),
            (before.diagnostics.len(), 0)
        );

        let file = BaselineFile::record([&before]);
        let mut fixed = lint(&BAD.replace("\"10\"", "10"));
        let mut matcher = Matcher::new(file);
        matcher.filter("exports/a-orders.json", &mut fixed);
        // Only the schema finding went away; the rules' findings on the order are still there.
        assert_eq!(matcher.counts().stale, 1);
        assert_eq!(fixed.diagnostics.len(), 0);
    }

    #[test]
    #[cfg(unix)]
    fn file_keys_tell_apart_what_reports_print_alike() {
        use std::os::unix::ffi::OsStrExt as _;
        let key = |bytes: &[u8]| file_key(Path::new(std::ffi::OsStr::from_bytes(bytes)));
        // Ordinary names keep the keys earlier versions wrote.
        assert_eq!(key(b"./exports/a-orders.json"), "exports/a-orders.json");
        assert_eq!(key(b"100% done.json"), "100% done.json");
        assert_eq!(key(b"a\xff.json"), "a%FF.json");
        assert_ne!(key(b"a\xff.json"), key(b"a\xfe.json"));
        assert_eq!(key(b"x\\y.json"), "x%5Cy.json");
        assert_ne!(key(b"x\\y.json"), key(b"x/y.json"));
        // A name that looks like an escape is escaped itself.
        assert_eq!(key(b"a%FF.json"), "a%25FF.json");
        assert_ne!(key(b"a%FF.json"), key(b"a\xff.json"));
        for name in [
            &b"a\xff.json"[..],
            b"x\\y.json",
            b"a%FF.json",
            b"%%\xff%5",
            b"d/\xc3(.json",
        ] {
            assert_eq!(
                key_path(&key(name)).as_os_str().as_bytes(),
                name,
                "{}",
                key(name)
            );
        }
    }

    #[test]
    fn rejects_other_versions() {
        assert!(BaselineFile::parse(r#"{"version": 2, "findings": []}"#).is_err());
        assert!(BaselineFile::parse("not json").is_err());
    }
}
