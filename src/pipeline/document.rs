//! One JSON document held whole: BOM, UTF-8, empty file, the syntax error at its place, kind and
//! version, the envelope, then its objects checked chunk by chunk (large arrays stream, see
//! `stream`).

use serde_json::Value;

use super::decode::{duplicate_keys, not_utf8, syntax_error};
use super::envelope::{reject_batch, undocumented_endpoint, Base};
use super::finish::ids_unreadable;
use super::locate::set_span;
use super::object::Cap;
use super::report::{FileReport, SourceChunk};
use super::stream::STREAM_MIN_BYTES;
use super::tap::{self, Feed};
use super::{Pipeline, CHUNK_OBJECTS};
use crate::codes;
use crate::diagnostic::{Anchor, Diagnostic};
use crate::json::{parse_document, LineIndex, Pointer, Span};
use crate::rule::FileState;

impl Pipeline {
    pub(crate) fn lint_document(&self, path: &str, bytes: &[u8]) -> FileReport {
        self.lint_document_with(path, bytes, bytes.len() >= STREAM_MIN_BYTES)
    }

    /// `stream`: whether a top-level array may take the streamed path (tests compare both).
    pub(super) fn lint_document_with(&self, path: &str, bytes: &[u8], stream: bool) -> FileReport {
        let mut report = FileReport::new(path);
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let at = e.valid_up_to();
                let (d, lossy) = not_utf8(
                    bytes,
                    at,
                    Pointer::root(),
                    format!(
                        "the file is not UTF-8: invalid byte 0x{:02X} at byte {at}",
                        bytes.get(at).copied().unwrap_or(0)
                    ),
                );
                report.diagnostics.push(d);
                report.sources.push(SourceChunk {
                    offset: 0,
                    first_line: 1,
                    text: lossy.into(),
                });
                return report;
            }
        };
        if text.trim().is_empty() {
            report.diagnostics.push(
                Diagnostic::new(&codes::INVALID_JSON, Pointer::root(), "the file is empty")
                    .with_help("an export with nothing to send should not be written; a request needs a JSON array or object"),
            );
            return report;
        }
        if stream {
            if let Some(report) = self.lint_array_streamed(path, text) {
                return report;
            }
        }
        let parsed = match parse_document(text) {
            Ok(p) => p,
            Err(e) => {
                let index = LineIndex::new(text);
                let at = index.offset_of(text, e.line(), e.column());
                let syntax = syntax_error(&e, text, at, path == "-");
                let offset = syntax.offset;
                let mut d = Diagnostic::new(&codes::INVALID_JSON, Pointer::root(), syntax.message)
                    .with_help(syntax.help);
                set_span(
                    &mut d,
                    Span {
                        start: offset,
                        end: (offset + 1).min(text.len()).max(offset),
                    },
                    &index,
                    text,
                );
                report.diagnostics.push(d);
                report.sources.push(SourceChunk {
                    offset: 0,
                    first_line: 1,
                    text: text.into(),
                });
                return report;
            }
        };
        let document = &parsed.value;
        let (kind, kind_source) = self.detect_kind(path, Some(document));
        report.kind = kind;
        report.kind_source = kind_source;
        let mut diagnostics = Vec::new();
        if parsed.has_duplicate_keys {
            duplicate_keys(text, &mut diagnostics);
        }
        let Some(kind) = kind else {
            diagnostics.push(
                Diagnostic::new(&codes::UNKNOWN_KIND, Pointer::root(), "cannot tell which kind of payload this is")
                    .with_anchor(Anchor::Start)
                    .with_help("pass `--kind orders|refunds|cogs|logistics-costs|transaction-costs`, put the kind in the file name, or map a glob in klar-lint.toml's [kinds]"),
            );
            self.finish_document(&mut report, diagnostics, text);
            return report;
        };
        let (objects, base) = self.envelope(kind, document, &mut diagnostics);
        let (version, version_source) = self.detect_version(path, &objects);
        report.api_version = Some(version);
        report.version_source = Some(version_source);
        diagnostics.extend(undocumented_endpoint(kind, version, version_source));
        report.objects = objects.len();
        let objects: Vec<(Pointer, &Value)> = objects
            .iter()
            .enumerate()
            .map(|(i, object)| (base.of(i), *object))
            .collect();
        let mut state = FileState::default();
        // With a tap (`split`), each object leaves with its text and findings.
        let feed = if tap::is_set() {
            let container = match &base {
                Base::Array(at) | Base::Single(at) => at.clone(),
            };
            let of = base.clone();
            let at = (
                &container,
                Box::new(move |i| of.of(i)) as Box<dyn Fn(usize) -> Pointer>,
            );
            Feed::document(text, at, (kind, version), &diagnostics)
        } else {
            None
        };
        let mut cap = Cap {
            before_objects: diagnostics.len(),
            truncated: &mut report.truncated,
            floor: None,
            path,
            feed,
        };
        let mut objects = objects.into_iter().peekable();
        while objects.peek().is_some() {
            let chunk: Vec<_> = objects.by_ref().take(CHUNK_OBJECTS).collect();
            let checked = self.check_chunk(version, kind, chunk);
            if !self.finish_chunk(
                version,
                kind,
                checked,
                &mut state,
                &mut report.revenue,
                &mut diagnostics,
                &mut cap,
            ) {
                break;
            }
        }
        diagnostics.extend(ids_unreadable(&state));
        self.finish_document(&mut report, diagnostics, text);
        reject_batch(&mut report);
        report
    }
}
