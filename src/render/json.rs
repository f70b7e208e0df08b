//! `--format json`: one document on stdout, `{"files": [...], "summary": {...}}`.

use std::io::{self, Write};

use serde::Serialize;

use super::{is_zero, Reporter, Summary};
use crate::linter::{FileReport, Source};
use crate::revenue::Revenue;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonLabel<'a> {
    /// Another file of the run (a check across files); absent: the finding's own file.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    pointer: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    category: &'a str,
    severity: &'a str,
    message: &'a str,
    pointer: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    labels: Vec<JsonLabel<'a>>,
    /// The fix, when the rule offers one and it was located (as ruff's JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFix<'a> {
    /// `safe` (`--fix`) or `unsafe` (`--unsafe-fixes`).
    applicability: &'a str,
    message: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonEdit<'a> {
    content: &'a str,
    /// Byte offsets of the replaced bytes in the file's text (after any BOM), end exclusive.
    start: usize,
    end: usize,
    location: JsonLocation,
    end_location: JsonLocation,
}

#[derive(Serialize)]
struct JsonLocation {
    line: usize,
    column: usize,
}

impl<'a> JsonFix<'a> {
    fn of(fix: &'a crate::fix::Fix) -> Option<Self> {
        fix.is_offered().then(|| JsonFix {
            applicability: fix.applicability.as_str(),
            message: &fix.title,
            edits: fix
                .edits
                .iter()
                .map(|e| JsonEdit {
                    content: &e.content,
                    start: e.span.start,
                    end: e.span.end,
                    location: JsonLocation {
                        line: e.line,
                        column: e.column,
                    },
                    end_location: JsonLocation {
                        line: e.end_line,
                        column: e.end_column,
                    },
                })
                .collect(),
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFile<'a> {
    path: &'a str,
    kind: Option<&'a str>,
    /// How the kind was told: `flag`, `config`, `file-name`, `folder`, `content`.
    kind_source: Option<Source>,
    api_version: Option<&'a str>,
    /// How the version was told: as `kindSource`, or `default`.
    api_version_source: Option<Source>,
    /// Both in words: "checked as refunds 07.2025 (kind from the folder `orders/`, ...)".
    read_as: Option<String>,
    objects: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    /// Findings beyond `max-diagnostics-per-file`, counted but not listed.
    #[serde(skip_serializing_if = "is_zero")]
    truncated: usize,
    /// Of those, errors (they fail the run like listed ones).
    #[serde(rename = "truncatedErrors", skip_serializing_if = "is_zero")]
    truncated_errors: usize,
    #[serde(skip_serializing_if = "Revenue::is_empty")]
    revenue: &'a Revenue,
}

#[derive(Serialize)]
struct JsonStatistic {
    rule: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    #[serde(flatten)]
    counts: &'a Summary,
    revenue: &'a Revenue,
    #[serde(skip_serializing_if = "Option::is_none")]
    statistics: Option<Vec<JsonStatistic>>,
}

/// Collects files and writes one JSON document at the end.
#[derive(Debug, Default)]
pub struct Json {
    files: Vec<serde_json::Value>,
    statistics: bool,
}

/// End line and column of a diagnostic's span, counted in characters like the start; the end
/// column is exclusive (the column just after the value), as SARIF and GitHub expect.
pub(crate) fn end_of(
    report: &FileReport,
    d: &crate::diagnostic::Diagnostic,
) -> (Option<usize>, Option<usize>) {
    let (Some(span), Some(line), Some(column)) = (d.span, d.line, d.column) else {
        return (None, None);
    };
    let Some(chunk) = report.source_for(span) else {
        return (Some(line), Some(column));
    };
    let start = span.start.saturating_sub(chunk.offset);
    let end = span.end.saturating_sub(chunk.offset);
    let covered = chunk.text.get(start..end).unwrap_or("");
    let newlines = covered.matches('\n').count();
    if newlines == 0 {
        (Some(line), Some(column + covered.chars().count()))
    } else {
        let last = covered.rsplit('\n').next().unwrap_or("");
        (Some(line + newlines), Some(last.chars().count() + 1))
    }
}

impl Json {
    /// Adds `summary.statistics` (findings per rule) to the document.
    #[must_use]
    pub fn with_statistics(mut self, statistics: bool) -> Self {
        self.statistics = statistics;
        self
    }

    /// One file as the JSON report's value.
    #[must_use]
    pub fn file_value(report: &FileReport) -> serde_json::Value {
        let file = JsonFile {
            path: &report.path,
            kind: report.kind.map(crate::PayloadKind::as_str),
            kind_source: report.kind_source,
            api_version: report.api_version.map(crate::ApiVersion::as_str),
            api_version_source: report.version_source,
            read_as: report.read_as(),
            objects: report.objects,
            diagnostics: report
                .diagnostics
                .iter()
                .map(|d| {
                    let (end_line, end_column) = end_of(report, d);
                    JsonDiagnostic {
                        rule: d.rule(),
                        category: d.code.category.as_str(),
                        severity: d.severity.as_str(),
                        message: &d.message,
                        pointer: d.pointer.as_str(),
                        line: d.line,
                        column: d.column,
                        end_line,
                        end_column,
                        help: d.help.as_deref(),
                        labels: d
                            .labels
                            .iter()
                            .map(|l| JsonLabel {
                                path: l.path.as_deref(),
                                pointer: l.pointer.as_str(),
                                line: l.line,
                                column: l.column,
                                text: &l.text,
                            })
                            .collect(),
                        fix: d.fix.as_ref().and_then(JsonFix::of),
                    }
                })
                .collect(),
            truncated: report.truncated.total(),
            truncated_errors: report.truncated.errors,
            revenue: &report.revenue,
        };
        serde_json::to_value(file).unwrap_or(serde_json::Value::Null)
    }
}

impl Reporter for Json {
    fn file(&mut self, _out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
        self.files.push(Self::file_value(report));
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        let document = serde_json::json!({
            "files": std::mem::take(&mut self.files),
            "summary": JsonSummary {
                counts: summary,
                revenue: &summary.revenue,
                statistics: self.statistics.then(|| {
                    summary
                        .statistics()
                        .into_iter()
                        .map(|(rule, count)| JsonStatistic { rule, count })
                        .collect()
                }),
            },
        });
        serde_json::to_writer_pretty(&mut *out, &document).map_err(io::Error::other)?;
        writeln!(out)
    }
}
