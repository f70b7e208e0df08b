//! What one file's lint hands back: `FileReport` and its parts, the per-file limit on findings
//! and their order, and the report of a file that could not be read.

use std::sync::Arc;

use crate::codes;
use crate::diagnostic::{Diagnostic, Severity};
use crate::json::{Pointer, Span};
use crate::payload::{ApiVersion, PayloadKind};
use crate::revenue::Revenue;

/// How the payload kind or version of a file was told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// `--kind` / `--api-version` (or the library's `Config`).
    Flag,
    /// A `[kinds]` glob or `api-version` in the config file.
    Config,
    /// The file's own name (`orders-day1.json`).
    FileName,
    /// The name of a folder the file is in (`orders/day1.json`, `exports/12.2022/x.json`).
    Folder,
    /// The file's content.
    Content,
    /// Nothing told it: the default (07.2025).
    Default,
}

impl Source {
    /// The file name (`None`) or a folder (`Some(name)`) a path part was found in.
    pub(crate) fn from_part(part: Option<&str>) -> Self {
        if part.is_some() {
            Source::Folder
        } else {
            Source::FileName
        }
    }
}

/// A piece of a file's text kept for rendering snippets: the whole file for documents, the
/// records with findings for JSON Lines.
#[derive(Clone, Debug)]
pub struct SourceChunk {
    /// Byte offset of `text` in the file.
    pub offset: usize,
    /// 1-based line of `text`'s first line in the file.
    pub first_line: usize,
    /// The text.
    pub text: Arc<str>,
}

/// Everything found in one file.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The path as given or walked (`-` for standard input).
    pub path: String,
    /// The payload kind, when it could be told.
    pub kind: Option<PayloadKind>,
    /// How the kind was told.
    pub kind_source: Option<Source>,
    /// The API version the file was checked against.
    pub api_version: Option<ApiVersion>,
    /// How the version was told.
    pub version_source: Option<Source>,
    /// Top-level objects (orders, refunds, items, records) seen.
    pub objects: usize,
    /// The findings, sorted by line, column and code.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings counted but not kept beyond the per-file limit, by severity (none unless the
    /// limit is reached). The most severe are kept first, so an error is never let go for a
    /// warning.
    pub truncated: Truncated,
    /// Revenue recomputed from the objects that passed their schema; those that did not are
    /// counted in [`Revenue::left_out`].
    pub revenue: Revenue,
    /// Text kept for rendering snippets (empty for clean files), in file order (by `offset`,
    /// not overlapping): [`FileReport::source_for`] searches it by halves.
    pub sources: Vec<SourceChunk>,
}

/// Findings counted but not kept past `max-diagnostics-per-file`, by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Truncated {
    /// Errors not kept (only once the limit is full of errors).
    pub errors: usize,
    /// Warnings not kept.
    pub warnings: usize,
    /// Infos not kept.
    pub infos: usize,
}

impl Truncated {
    /// All the findings not kept.
    #[must_use]
    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }

    /// The findings not kept at a severity.
    #[must_use]
    pub fn count(&self, severity: Severity) -> usize {
        match severity {
            Severity::Error => self.errors,
            Severity::Warning => self.warnings,
            Severity::Info => self.infos,
        }
    }

    pub(super) fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}

impl FileReport {
    /// How the file was read, in words: "checked as refunds 07.2025 (kind from the folder
    /// `orders/`, version from the content)". `None` when the kind could not be told.
    #[must_use]
    pub fn read_as(&self) -> Option<String> {
        let kind = self.kind?;
        let path = std::path::Path::new(&self.path);
        let folder = |name: Option<&str>| match name {
            Some(name) => format!("the folder `{name}/`"),
            None => "the file name".to_owned(),
        };
        let kind_from = match self.kind_source? {
            Source::Flag => "kind from `--kind`".to_owned(),
            Source::Config => "kind from `[kinds]` in the config".to_owned(),
            Source::FileName | Source::Folder => format!(
                "kind from {}",
                folder(crate::payload::kind_from_path_part(path).and_then(|(_, part)| part))
            ),
            Source::Content => "kind from the content".to_owned(),
            Source::Default => "kind by default".to_owned(),
        };
        let Some(version) = self.api_version else {
            return Some(format!("checked as {kind} ({kind_from})"));
        };
        let version_from = match self.version_source.unwrap_or(Source::Default) {
            Source::Flag => "version from `--api-version`".to_owned(),
            Source::Config => "version from `api-version` in the config".to_owned(),
            Source::FileName | Source::Folder => format!(
                "version from {}",
                folder(crate::payload::version_from_path_part(path).and_then(|(_, part)| part))
            ),
            Source::Content => "version from the content".to_owned(),
            Source::Default => "version by default".to_owned(),
        };
        Some(format!(
            "checked as {kind} {version} ({kind_from}, {version_from})"
        ))
    }

    pub(crate) fn new(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            kind: None,
            kind_source: None,
            api_version: None,
            version_source: None,
            objects: 0,
            diagnostics: Vec::new(),
            truncated: Truncated::default(),
            revenue: Revenue::default(),
            sources: Vec::new(),
        }
    }

    /// Findings at a severity, listed in `diagnostics` (see `truncated` for the others).
    #[must_use]
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Whether any finding is an error, listed or counted past the per-file limit.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.truncated.errors > 0
            || self
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error)
    }

    /// Keeps at most `max` findings, the most severe first (then in file order), and counts
    /// the others in `truncated`: the per-file limit applied after the fact, as the binary
    /// does once a baseline has left out the known findings.
    pub fn limit(&mut self, max: usize) {
        if self.diagnostics.len() > max {
            keep_most_severe(&mut self.diagnostics, 0, max, &mut self.truncated);
            sort(&mut self.diagnostics);
            drop_unused_sources(self);
        }
    }

    /// Whether klar-lint itself failed on this file.
    #[must_use]
    pub fn has_internal_error(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.code == &codes::INTERNAL_ERROR)
    }

    /// The kept text containing a byte span, if any. A binary search: the texts are kept in
    /// file order (a JSON Lines file keeps one per record with findings, and a baseline asks
    /// for every finding: a linear search made that quadratic).
    #[must_use]
    pub fn source_for(&self, span: Span) -> Option<&SourceChunk> {
        let contains =
            |c: &SourceChunk| span.start >= c.offset && span.start <= c.offset + c.text.len();
        // The first chunk that ends at or after the span's start, or the one before it (two
        // chunks can touch: a span at the end of one is at the start of the next).
        let i = self
            .sources
            .partition_point(|c| c.offset + c.text.len() < span.start);
        self.sources.get(i).filter(|c| contains(c))
    }
}

/// The report of a file that could not be read: one `io-error` finding.
pub(super) fn io_error_report(name: &str, message: String, help: &str) -> FileReport {
    let mut report = FileReport::new(name);
    report
        .diagnostics
        .push(Diagnostic::new(&codes::IO_ERROR, Pointer::root(), message).with_help(help));
    report
}

/// An I/O error in our words for the common cases, the system's for the others.
pub(super) fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}

/// Keeps at most `max` of `list[from..]`, the most severe first and, within a severity, the
/// first added (file order), and counts the others in `truncated`. Streamed files call it
/// once the list holds twice the limit, so memory stays bounded and each call costs one sort
/// of `2 × max` findings. Returns the severity at or below which later findings can be let go
/// at once (the least severe kept, when the limit is full), which only rises: so a file calls
/// this at most three times whatever its number of findings.
pub(super) fn keep_most_severe(
    list: &mut Vec<Diagnostic>,
    from: usize,
    max: usize,
    truncated: &mut Truncated,
) -> Option<Severity> {
    let mut tail = list.split_off(from.min(list.len()));
    // Stable: file order within a severity.
    tail.sort_by_key(|d| std::cmp::Reverse(d.severity));
    if tail.len() > max {
        for d in tail.drain(max..) {
            truncated.add(d.severity);
        }
    }
    let floor = if max == 0 {
        Some(Severity::Error)
    } else if tail.len() >= max {
        tail.last().map(|d| d.severity)
    } else {
        None
    };
    list.append(&mut tail);
    floor
}

/// Lets go (and counts) the findings at or below `floor`.
pub(super) fn below_floor(
    diagnostics: &mut Vec<Diagnostic>,
    floor: Option<Severity>,
    truncated: &mut Truncated,
) {
    if let Some(floor) = floor {
        diagnostics.retain(|d| {
            let keep = d.severity > floor;
            if !keep {
                truncated.add(d.severity);
            }
            keep
        });
    }
}

/// Drops the JSON Lines record texts no kept finding points into.
pub(super) fn drop_unused_sources(report: &mut FileReport) {
    let starts: Vec<usize> = report
        .diagnostics
        .iter()
        .flat_map(|d| {
            d.span
                .iter()
                .chain(d.labels.iter().filter_map(|l| l.span.as_ref()))
                .map(|s| s.start)
        })
        .collect();
    let mut starts = starts;
    starts.sort_unstable();
    report.sources.retain(|c| {
        // The first start at or after the chunk's: is it inside the chunk?
        let i = starts.partition_point(|&s| s < c.offset);
        starts.get(i).is_some_and(|&s| s <= c.offset + c.text.len())
    });
}

/// Report order: line, column, code, pointer.
pub(super) fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.line, a.column, a.code.name, a.pointer.as_str()).cmp(&(
            b.line,
            b.column,
            b.code.name,
            b.pointer.as_str(),
        ))
    });
}

/// Text from a payload (a key, a value) longer than this many bytes is shortened in messages.
const QUOTE_MAX: usize = 64;
/// A message, help or label longer than this many bytes has its long code spans shortened.
const TEXT_LONG: usize = 300;
/// No message, help or label is longer than this many bytes after [`shorten_texts`].
const TEXT_MAX: usize = 1_000;

/// `text` in backticks for a message, shortened when long: `` `kkkk…` (1048576 bytes) ``, so
/// a 1 MiB key is never echoed whole.
pub(super) fn quoted(text: &str) -> String {
    if text.len() <= QUOTE_MAX {
        return format!("`{text}`");
    }
    format!("`{}…` ({} bytes)", head(text, QUOTE_MAX / 2), text.len())
}

/// At most `max` bytes of the start of `text`, cut at a character boundary.
fn head(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// Every message, help and label of the report made one short line: in a text longer than 300
/// bytes each code span (between backticks) longer than 64 bytes is shortened as by
/// [`quoted`], and what is still longer than 1,000 bytes is cut with `…`. Messages quote keys and values of the payload, and a key can be a
/// megabyte long; whatever rule or schema message quotes it, the report stays small.
pub(super) fn shorten_texts(report: &mut FileReport) {
    for d in &mut report.diagnostics {
        shorten(&mut d.message);
        if let Some(help) = &mut d.help {
            shorten(help);
        }
        for label in &mut d.labels {
            shorten(&mut label.text);
        }
    }
}

fn shorten(text: &mut String) {
    if text.len() <= TEXT_LONG {
        return;
    }
    let parts: Vec<&str> = text.split('`').collect();
    let mut out = String::with_capacity(TEXT_MAX + 16);
    for (i, part) in parts.iter().enumerate() {
        let closed = i + 1 < parts.len();
        if i % 2 == 0 {
            out.push_str(part);
        } else if part.len() > QUOTE_MAX {
            out.push('`');
            out.push_str(head(part, QUOTE_MAX / 2));
            out.push_str(if closed { "…` (" } else { "… (" });
            out.push_str(&part.len().to_string());
            out.push_str(" bytes)");
        } else {
            out.push('`');
            out.push_str(part);
            if closed {
                out.push('`');
            }
        }
    }
    if out.len() > TEXT_MAX {
        let cut = head(&out, TEXT_MAX).len();
        out.truncate(cut);
        out.push('…');
    }
    *text = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_of_a_span_is_found_by_halves_in_touching_and_gapped_chunks() {
        let mut report = FileReport::new("x.jsonl");
        for (offset, text) in [(0, "abc"), (3, "de"), (10, "fgh")] {
            report.sources.push(SourceChunk {
                offset,
                first_line: 1,
                text: text.into(),
            });
        }
        let found = |start: usize| {
            report
                .source_for(Span {
                    start,
                    end: start + 1,
                })
                .map(|c| c.offset)
        };
        // At a boundary the earlier chunk wins, as the linear search had it.
        let got: Vec<_> = (0..15).map(found).collect();
        assert_eq!(
            got,
            [
                Some(0),
                Some(0),
                Some(0),
                Some(0),
                Some(3),
                Some(3),
                None,
                None,
                None,
                None,
                Some(10),
                Some(10),
                Some(10),
                Some(10),
                None
            ]
        );
    }

    #[test]
    fn long_code_spans_are_shortened_at_a_character_boundary() {
        let key = "é".repeat(1_000);
        let mut text = format!("unknown field `{key}`, did you mean `id`?");
        shorten(&mut text);
        assert_eq!(
            text,
            format!(
                "unknown field `{}…` (2000 bytes), did you mean `id`?",
                "é".repeat(16)
            )
        );
        // An unclosed span, and a text with no span, stay within the hard limit.
        let mut unclosed = format!("value `{key}");
        shorten(&mut unclosed);
        assert!(unclosed.starts_with("value `éé") && unclosed.ends_with("… (2000 bytes)"));
        let mut prose = "word ".repeat(1_000);
        shorten(&mut prose);
        assert!(prose.len() <= TEXT_MAX + '…'.len_utf8() && prose.ends_with('…'));
        // Short texts are left alone, long spans in them too.
        let mut short = format!("`{}`", "k".repeat(100));
        let before = short.clone();
        shorten(&mut short);
        assert_eq!(short, before);
        assert_eq!(quoted("id"), "`id`");
    }
}
