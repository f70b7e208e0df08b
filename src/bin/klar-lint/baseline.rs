//! Baselines, for adopting klar-lint on years of existing exports: `--write-baseline FILE`
//! records every finding of a run; `--baseline FILE` leaves those out of later runs and counts
//! the entries that no longer occur. An entry is a file, a rule, a JSON Pointer and an FNV-1a 64
//! hash of the value's text under the finding (the message when there is no span), so a finding
//! comes back when the value changes, and line moves elsewhere in the file do not matter.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

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

/// A finding's baseline entry.
pub fn entry(report: &FileReport, d: &Diagnostic) -> Entry {
    Entry {
        file: normalized_path(&report.path),
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
                .flat_map(|r| r.diagnostics.iter().map(move |d| entry(r, d)))
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

    /// Drops the findings the baseline holds (each entry matches one finding).
    pub fn filter(&mut self, report: &mut FileReport) {
        self.seen_files.insert(normalized_path(&report.path));
        let mut keep = Vec::with_capacity(report.diagnostics.len());
        for d in std::mem::take(&mut report.diagnostics) {
            let key = entry(report, &d);
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
            .filter(|(file, _)| self.seen_files.contains(*file) || !Path::new(file).exists())
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
        entry(report, d)
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
        matcher.filter(&mut same);
        assert!(same.diagnostics.is_empty());
        let counts = matcher.counts();
        assert_eq!(
            (counts.suppressed, counts.stale),
            (before.diagnostics.len(), 0)
        );

        let file = BaselineFile::record([&before]);
        let mut fixed = lint(&BAD.replace("\"10\"", "10"));
        let mut matcher = Matcher::new(file);
        matcher.filter(&mut fixed);
        // Only the schema finding went away; the rules' findings on the order are still there.
        assert_eq!(matcher.counts().stale, 1);
        assert_eq!(fixed.diagnostics.len(), 0);
    }

    #[test]
    fn rejects_other_versions() {
        assert!(BaselineFile::parse(r#"{"version": 2, "findings": []}"#).is_err());
        assert!(BaselineFile::parse("not json").is_err());
    }
}
