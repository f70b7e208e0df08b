//! `--format gitlab`: a GitLab Code Quality report (a JSON array of Code Climate issues), for
//! `artifacts: reports: codequality`. Fingerprints hash the file, rule, pointer and message, so
//! GitLab tells new findings from old ones across pipelines.

use std::io::{self, Write};

use serde::Serialize;

use super::{fingerprint, normalized_path, Reporter, Summary};
use crate::diagnostic::{Diagnostic, Severity};
use crate::linter::FileReport;

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Issue {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'static str,
    description: String,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: String,
    location: Location,
    /// Code Climate's free text shown under the issue: how the file was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Content>,
}

#[derive(Serialize)]
struct Content {
    body: String,
}

/// Collects issues and writes one JSON array at the end.
#[derive(Debug, Default)]
pub struct Gitlab {
    issues: Vec<serde_json::Value>,
}

/// Code Quality's five levels, mapped as biome maps its own: a file that could not be checked at
/// all is a blocker, an error critical, a warning major, an info minor.
fn severity(d: &Diagnostic) -> &'static str {
    if crate::codes::is_fixed(d.code) {
        return "blocker";
    }
    match d.severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "minor",
    }
}

impl Reporter for Gitlab {
    fn file(&mut self, _out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
        let path = normalized_path(&report.path);
        let read_as = (!report.diagnostics.is_empty())
            .then(|| report.read_as())
            .flatten();
        for d in &report.diagnostics {
            let begin = d.line.unwrap_or(1);
            let end = super::json::end_of(report, d).0.unwrap_or(begin).max(begin);
            let message = super::escape_controls(&d.message);
            let description = if d.pointer.is_root() {
                message.into_owned()
            } else {
                format!(
                    "{message} (at {})",
                    super::escape_controls(d.pointer.as_str())
                )
            };
            let issue = Issue {
                kind: "issue",
                check_name: d.rule(),
                description,
                categories: ["Bug Risk"],
                severity: severity(d),
                fingerprint: fingerprint(&report.path, d),
                location: Location {
                    path: path.clone(),
                    lines: Lines { begin, end },
                },
                content: read_as.as_deref().map(|body| Content {
                    body: super::escape_controls(body).into_owned(),
                }),
            };
            self.issues
                .push(serde_json::to_value(issue).map_err(io::Error::other)?);
        }
        // Findings past `max-diagnostics-per-file` are counted, not listed: say so, once per
        // file, or the merge request shows a partial list as if it were all.
        if let Some(note) = super::truncated_note(report) {
            let mut hash = super::Fnv1a64::default();
            hash.field(&path);
            hash.field("max-diagnostics-per-file");
            let issue = Issue {
                kind: "issue",
                check_name: "max-diagnostics-per-file",
                description: note,
                categories: ["Bug Risk"],
                severity: if report.truncated.errors > 0 {
                    "critical"
                } else {
                    "info"
                },
                fingerprint: hash.hex(),
                location: Location {
                    path: path.clone(),
                    lines: Lines { begin: 1, end: 1 },
                },
                content: None,
            };
            self.issues
                .push(serde_json::to_value(issue).map_err(io::Error::other)?);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, _summary: &Summary) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &self.issues).map_err(io::Error::other)?;
        writeln!(out)
    }
}
