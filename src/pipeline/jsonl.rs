//! JSON Lines: records read in chunks (`ChunkReader`), each record parsed and checked alone, in
//! parallel, then completed in file order; memory stays at one chunk whatever the file's size.

use std::borrow::Cow;
use std::io::BufRead;

use rayon::prelude::*;
use serde_json::Value;

use super::decode::{duplicate_keys, not_utf8, syntax_error};
use super::envelope::undocumented_endpoint;
use super::finish::ids_unreadable;
use super::locate::{locate_fixes, pick, set_label_span, set_span};
use super::object::{schema_failure, Checked};
use super::report::{
    below_floor, drop_unused_sources, io_message, keep_most_severe, sort, FileReport, Source,
    SourceChunk,
};
use super::tap::{Taken, What};
use super::{Pipeline, CHUNK_BYTES, CHUNK_OBJECTS, PARALLEL_MIN};
use crate::codes;
use crate::diagnostic::{Diagnostic, Severity};
use crate::json::{parse_document, LineIndex, Parsed, Pointer, Span, SpanIndex};
use crate::payload::{self, ApiVersion, PayloadKind};
use crate::rule::FileState;

impl Pipeline {
    pub(crate) fn lint_jsonl<R: BufRead>(&self, path: &str, reader: R) -> FileReport {
        self.lint_jsonl_chunked(path, reader, CHUNK_OBJECTS, CHUNK_BYTES)
    }

    /// [`Pipeline::lint_jsonl_budgeted`] with the text budget of [`KEPT_TEXT_BUDGET`].
    pub(super) fn lint_jsonl_chunked<R: BufRead>(
        &self,
        path: &str,
        reader: R,
        max_records: usize,
        max_bytes: usize,
    ) -> FileReport {
        self.lint_jsonl_budgeted(path, reader, (max_records, max_bytes), KEPT_TEXT_BUDGET)
    }

    /// JSON Lines, streamed in chunks of at most `max_records` records or about `max_bytes`
    /// bytes: each chunk is read, then its records are parsed and checked in parallel, then
    /// completed in file order (kind and version as the first records tell them, the rules'
    /// notes, spans, the per-file cap). Memory holds one chunk, whatever the size of the file,
    /// and the findings, and at most `text_budget` bytes of record text kept for snippets.
    pub(super) fn lint_jsonl_budgeted<R: BufRead>(
        &self,
        path: &str,
        reader: R,
        (max_records, max_bytes): (usize, usize),
        text_budget: usize,
    ) -> FileReport {
        let mut report = FileReport::new(path);
        let tap = Taken::take();
        let (forced_kind, kind_source) = self.detect_kind(path, None);
        let mut kind = forced_kind;
        report.kind = kind;
        report.kind_source = kind_source;
        let mut version: Option<(ApiVersion, Source)> = None;
        let mut state = FileState::default();
        // Findings at or below this severity are let go at once: the per-file limit is full of
        // findings at least as severe (see `keep_most_severe`).
        let mut keep = Keep {
            floor: None,
            text: 0,
            text_budget,
        };
        // One record is at most what one document may be.
        let record_cap = usize::try_from(self.config.max_file_size).unwrap_or(usize::MAX);
        let mut input = ChunkReader {
            reader,
            offset: 0,
            line_no: 0,
            record: 0,
            cap: record_cap,
            max_records: max_records.max(1),
            max_bytes: max_bytes.max(1),
        };
        let mut chunk = Chunk::default();
        // Bytes of the file counted as read so far (see `Pipeline::count_read`).
        let mut counted = 0;
        input.read_into(&mut chunk);
        self.count_read(input.offset - counted);
        counted = input.offset;
        loop {
            let Chunk {
                buf,
                lines,
                io_error,
                eof,
            } = &chunk;
            // Once the file's kind and version are known (from its path, or from the records
            // before this chunk), each record is parsed and checked in one parallel step, while
            // its tree is still in the core's cache: parsing a whole chunk first and checking it
            // after reads every tree back from memory. Before that, the records must first be
            // read in order to tell the kind and version.
            let serial = !self.parallel || lines.len() < PARALLEL_MIN;
            let records: Vec<Record<'_>> = if let (Some(k), Some((v, source))) = (kind, version) {
                let known = (k, v, source);
                if serial {
                    lines
                        .iter()
                        .map(|line| self.decode_and_check(buf, record_cap, known, line))
                        .collect()
                } else {
                    lines
                        .par_iter()
                        .map(|line| self.decode_and_check(buf, record_cap, known, line))
                        .collect()
                }
            } else {
                let mut slots: Vec<Option<Parsed>> = Vec::new();
                slots.resize_with(lines.len(), || None);
                let decoded: Vec<Decoded<'_>> =
                    map_slots(&mut slots, lines, serial, |slot, line| {
                        let (parsed, decoded) = decode_record(buf, line, record_cap);
                        *slot = parsed;
                        decoded
                    });

                // Kind and version, in file order, as the first records tell them.
                let mut plans = Vec::with_capacity(decoded.len());
                for p in &slots {
                    let Some(parsed) = p else {
                        plans.push(Plan::Failed);
                        continue;
                    };
                    let mut sniffed = false;
                    if kind.is_none() {
                        if let Some(k) = payload::sniff_object(&parsed.value) {
                            kind = Some(k);
                            sniffed = true;
                        }
                    }
                    let Some(k) = kind else {
                        plans.push(Plan::UnknownKind);
                        continue;
                    };
                    let (v, source) =
                        *version.get_or_insert_with(|| self.detect_version(path, &[&parsed.value]));
                    plans.push(Plan::Check {
                        kind: k,
                        sniffed,
                        version: v,
                        source,
                    });
                }

                // Schema and rules, in parallel, per (version, kind): a file has one of each
                // once they are told.
                let mut objects: Vec<(Pointer, &Value)> = Vec::new();
                let mut target = None;
                for (line, (p, plan)) in lines.iter().zip(slots.iter().zip(&plans)) {
                    if let (Some(parsed), Plan::Check { kind, version, .. }) = (p, plan) {
                        if parsed.value.is_object() {
                            target.get_or_insert((*version, *kind));
                            objects.push((Pointer::root().index(line.record), &parsed.value));
                        }
                    }
                }
                let mut checked = match target {
                    Some((v, k)) => self.check_chunk(v, k, objects),
                    None => Vec::new(),
                }
                .into_iter();
                let records = decoded
                    .into_iter()
                    .zip(plans)
                    .zip(&slots)
                    .map(|((decoded, plan), p)| {
                        let shape = Shape::of(p.as_ref());
                        let is_checked =
                            matches!(plan, Plan::Check { .. }) && matches!(shape, Shape::Object);
                        let mut checked = if is_checked { checked.next() } else { None };
                        if let Some(c) = checked.as_mut() {
                            crate::references::place_in_record(&mut c.facts, &decoded.text);
                        }
                        Record {
                            decoded,
                            plan,
                            shape,
                            checked,
                        }
                    })
                    .collect();
                drop_in_parallel(slots);
                records
            };

            // Complete the records in file order.
            let mut stop = false;
            for (line, record) in lines.iter().zip(records) {
                // Built only for a finding: most records have none.
                let ptr = || Pointer::root().index(line.record);
                let Record {
                    decoded:
                        Decoded {
                            mut diagnostics,
                            text,
                        },
                    plan,
                    shape,
                    checked,
                } = record;
                if let Shape::Failed = shape {
                    if tap.is_some() {
                        self.apply_levels(&mut diagnostics, path);
                        let at = (&ptr(), line.line_no);
                        tap.record(at, None, What::Unreadable, &diagnostics, 0);
                    }
                    self.push_record(
                        &mut report,
                        diagnostics,
                        &text,
                        (line.base, line.line_no),
                        false,
                        &mut keep,
                    );
                    continue;
                }
                let Plan::Check {
                    kind: k,
                    sniffed,
                    version: v,
                    source,
                } = plan
                else {
                    diagnostics.push(
                        Diagnostic::new(&codes::UNKNOWN_KIND, ptr(), "cannot tell which kind of payload this record is")
                            .with_help("pass `--kind orders|refunds|...`, put the kind in the file name, or map a glob in klar-lint.toml's [kinds]"),
                    );
                    if tap.is_some() {
                        self.apply_levels(&mut diagnostics, path);
                        let at = (&ptr(), line.line_no);
                        tap.record(at, Some(&text), What::UnknownKind, &diagnostics, 0);
                    }
                    self.push_record(
                        &mut report,
                        diagnostics,
                        &text,
                        (line.base, line.line_no),
                        true,
                        &mut keep,
                    );
                    continue;
                };
                if sniffed {
                    report.kind = Some(k);
                    report.kind_source = Some(Source::Content);
                }
                report.api_version = Some(v);
                report.version_source = Some(source);
                report.objects += 1;
                let mut dropped_errors = 0;
                let is_object = matches!(shape, Shape::Object);
                if let Shape::Object = shape {
                    let Some(mut c) = checked else {
                        break;
                    };
                    if let Some(e) = c.failure.take() {
                        report.diagnostics.push(schema_failure(&e));
                        stop = true;
                        break;
                    }
                    state.line = Some(line.line_no);
                    self.finish_notes(v, k, &mut c, &mut state);
                    dropped_errors = c.dropped.errors;
                    c.count_dropped(&mut report.truncated);
                    if let Some(o) = c.revenue.take().and_then(|r| report.revenue.add(r)) {
                        c.diagnostics.push(o.diagnostic());
                    }
                    diagnostics.append(&mut c.diagnostics);
                } else if let Shape::Other(found) = shape {
                    diagnostics.push(
                        Diagnostic::new(
                            &codes::BODY_SHAPE,
                            ptr(),
                            format!("a JSON Lines record is one object, found {found}"),
                        )
                        .with_help("write one object per line"),
                    );
                }
                if tap.is_some() {
                    self.apply_levels(&mut diagnostics, path);
                    let what = if is_object {
                        What::Object(k, v)
                    } else {
                        What::NotObject
                    };
                    let at = (&ptr(), line.line_no);
                    tap.record(at, Some(&text), what, &diagnostics, dropped_errors);
                }
                // Record pointers start at `/{record}`; spans are resolved against the record text.
                self.push_record(
                    &mut report,
                    diagnostics,
                    &text,
                    (line.base, line.line_no),
                    true,
                    &mut keep,
                );
            }
            if stop {
                break;
            }
            if let Some((e, line_no)) = io_error {
                report.diagnostics.push(
                    Diagnostic::new(
                        &codes::IO_ERROR,
                        Pointer::root(),
                        format!("reading stopped after line {line_no}: {}", io_message(e)),
                    )
                    .with_help("check the file; the lines before this point were checked"),
                );
                break;
            }
            if *eof {
                break;
            }
            input.read_into(&mut chunk);
            self.count_read(input.offset - counted);
            counted = input.offset;
        }
        report.diagnostics.extend(ids_unreadable(&state));
        if let (Some(k), Some(v), Some(source)) =
            (report.kind, report.api_version, report.version_source)
        {
            let mut note: Vec<Diagnostic> =
                undocumented_endpoint(k, v, source).into_iter().collect();
            self.apply_levels(&mut note, path);
            report.diagnostics.append(&mut note);
        }
        report.limit(self.config.max_diagnostics_per_file);
        if input.record == 0 && report.diagnostics.is_empty() {
            report.diagnostics.push(
                Diagnostic::new(&codes::INVALID_JSON, Pointer::root(), "the file is empty")
                    .with_help("a JSON Lines file holds one object per line"),
            );
        }
        sort(&mut report.diagnostics);
        report
    }

    /// Parses one JSON Lines record, checks it as `known` (kind, version and where the version
    /// came from) and frees its tree, on the thread that built it while it is in cache: the
    /// fused step of [`Linter::lint_jsonl_chunked`]. What the in-order step needs is owned.
    fn decode_and_check<'b>(
        &self,
        buf: &'b [u8],
        cap: usize,
        (kind, version, source): (PayloadKind, ApiVersion, Source),
        line: &RecordLine,
    ) -> Record<'b> {
        let (parsed, decoded) = decode_record(buf, line, cap);
        let shape = Shape::of(parsed.as_ref());
        let mut checked = parsed.as_ref().filter(|p| p.value.is_object()).map(|p| {
            self.check_object(version, kind, &p.value, Pointer::root().index(line.record))
        });
        if let Some(c) = checked.as_mut() {
            // The checks across files run when this text is gone: their columns are found now.
            crate::references::place_in_record(&mut c.facts, &decoded.text);
        }
        drop(parsed);
        let plan = if matches!(shape, Shape::Failed) {
            Plan::Failed
        } else {
            Plan::Check {
                kind,
                sniffed: false,
                version,
                source,
            }
        };
        Record {
            decoded,
            plan,
            shape,
            checked,
        }
    }

    /// Resolves one record's findings against its text and keeps the text if there are any.
    fn push_record(
        &self,
        report: &mut FileReport,
        mut diagnostics: Vec<Diagnostic>,
        text: &str,
        (base, line_no): (usize, usize),
        record_pointers: bool,
        keep: &mut Keep,
    ) {
        self.apply_levels(&mut diagnostics, &report.path);
        below_floor(&mut diagnostics, keep.floor, &mut report.truncated);
        if diagnostics.is_empty() {
            return;
        }
        let lines = LineIndex::new(text);
        if record_pointers {
            let spans = SpanIndex::new(text);
            // Pointers carry the record index; the record text is indexed from its own root.
            for d in &mut diagnostics {
                if d.span.is_some() {
                    continue;
                }
                let local = strip_first(&d.pointer);
                if let Some(span) = spans.locate(&local).map(|l| pick(l, d.anchor)) {
                    set_span(d, span, &lines, text);
                }
                let record = d.pointer.tokens().next().map(std::borrow::Cow::into_owned);
                for label in &mut d.labels {
                    // A label in another record (duplicate-id's "first here") is not in this
                    // record's text: it keeps its pointer and gets no span.
                    if label
                        .pointer
                        .tokens()
                        .next()
                        .map(std::borrow::Cow::into_owned)
                        != record
                    {
                        continue;
                    }
                    let local = strip_first(&label.pointer);
                    set_label_span(label, spans.locate(&local).map(|l| l.value), &lines, text);
                }
            }
            locate_fixes(
                &mut diagnostics,
                &spans,
                &lines,
                text,
                (base, line_no, true),
            );
        }
        for d in &mut diagnostics {
            if let Some(span) = d.span.as_mut() {
                span.start += base;
                span.end += base;
            }
            for label in &mut d.labels {
                // Only a label found in this record's text is relative to it; one in another
                // record came with its own line, or none.
                if let Some(span) = label.span.as_mut() {
                    span.start += base;
                    span.end += base;
                    if let Some(line) = label.line.as_mut() {
                        *line += line_no - 1;
                    }
                }
            }
            d.line = Some(d.line.unwrap_or(1) + line_no - 1);
            if d.column.is_none() {
                d.column = Some(1);
            }
        }
        report.diagnostics.extend(diagnostics);
        // Lines, columns and spans are worked out above, while the text is at hand; past the
        // budget the text is not kept, and the findings are shown without a snippet.
        if keep.text.saturating_add(text.len()) <= keep.text_budget {
            keep.text += text.len();
            report.sources.push(SourceChunk {
                offset: base,
                first_line: line_no,
                text: text.into(),
            });
        }
        let max = self.config.max_diagnostics_per_file;
        if report.diagnostics.len() > max.saturating_mul(2) {
            keep.floor = keep_most_severe(&mut report.diagnostics, 0, max, &mut report.truncated);
            drop_unused_sources(report);
            keep.text = report.sources.iter().map(|c| c.text.len()).sum();
        }
    }
}

/// At most this many bytes of JSON Lines record text are kept per file for snippets (and the
/// baseline's value hash, the end columns of the JSON, SARIF and GitHub formats): the records
/// with findings past it keep their line and column, without their text.
pub(super) const KEPT_TEXT_BUDGET: usize = 64 << 20;

/// What a JSON Lines file keeps as its records are completed: the severity at or below which
/// findings are let go (see `keep_most_severe`) and the record text kept for snippets.
struct Keep {
    floor: Option<Severity>,
    /// Bytes of record text in the report's sources.
    text: usize,
    /// At most this many bytes of record text are kept ([`KEPT_TEXT_BUDGET`]).
    text_budget: usize,
}

/// JSON Lines are read through a buffer this big: with `BufReader`'s default 8 KiB, reading
/// a file of 2 kB records was a system call every four records.
pub(super) const JSONL_READ_BUFFER: usize = 256 * 1024;

/// The pointer without its first token: a record's pointer, relative to the record's text.
fn strip_first(pointer: &Pointer) -> Pointer {
    let mut out = Pointer::root();
    for token in pointer.tokens().skip(1) {
        out.push_key(&token);
    }
    out
}

/// One chunk of JSON Lines records as read: their bytes, where each record is, and how
/// reading ended.
#[derive(Default)]
struct Chunk {
    buf: Vec<u8>,
    lines: Vec<RecordLine>,
    /// Reading failed after this chunk, after the given line.
    io_error: Option<(std::io::Error, usize)>,
    /// The input ended with this chunk.
    eof: bool,
}

/// Reads JSON Lines into chunks, numbering lines and records across them.
struct ChunkReader<R> {
    reader: R,
    /// Bytes read so far.
    offset: usize,
    /// Lines read so far.
    line_no: usize,
    /// Records (non-blank lines) read so far.
    record: usize,
    /// The longest record kept (`max-file-size`).
    cap: usize,
    max_records: usize,
    max_bytes: usize,
}

impl<R: BufRead> ChunkReader<R> {
    /// Reads the next chunk into `chunk` (its buffers are reused): up to `max_records`
    /// records or about `max_bytes` bytes. Blank lines are skipped; a UTF-8 BOM on the first
    /// line is not part of the record; a record longer than `cap` keeps none of its bytes.
    fn read_into(&mut self, chunk: &mut Chunk) {
        let Chunk {
            buf,
            lines,
            io_error,
            eof,
        } = chunk;
        buf.clear();
        lines.clear();
        *io_error = None;
        *eof = false;
        while lines.len() < self.max_records && buf.len() < self.max_bytes {
            let start = buf.len();
            let (read, cut) = match read_line_capped(&mut self.reader, buf, self.cap) {
                Ok((0, _)) => {
                    *eof = true;
                    break;
                }
                Ok(read) => read,
                Err(e) => {
                    *io_error = Some((e, self.line_no));
                    break;
                }
            };
            self.line_no += 1;
            let line_start = self.offset;
            self.offset += read;
            let mut text_start = start;
            let mut skipped = 0;
            if self.line_no == 1
                && buf
                    .get(start..)
                    .is_some_and(|b| b.starts_with(b"\xEF\xBB\xBF"))
            {
                text_start += 3;
                skipped = 3;
            }
            let mut end = buf.len();
            if end > text_start && buf.get(end - 1) == Some(&b'\n') {
                end -= 1;
            }
            if end > text_start && buf.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
            if !cut
                && buf
                    .get(text_start..end)
                    .is_none_or(|b| b.iter().all(u8::is_ascii_whitespace))
            {
                buf.truncate(start);
                continue;
            }
            if cut {
                // None of the record's bytes were kept past the limit: it is not checked.
                // The buffer may have grown toward `cap` before the record passed it: give
                // that back, so the rest of the file is read in a chunk-sized buffer.
                buf.truncate(start);
                buf.shrink_to(self.max_bytes.saturating_mul(2));
                end = start;
                text_start = start;
            }
            lines.push(RecordLine {
                record: self.record,
                line_no: self.line_no,
                base: line_start + skipped,
                start: text_start,
                end,
                too_long: cut.then_some(read),
            });
            self.record += 1;
        }
    }
}

/// Where one non-blank line of a JSON Lines chunk is.
struct RecordLine {
    /// Index among the records (non-blank lines) of the file.
    record: usize,
    /// 1-based line number in the file.
    line_no: usize,
    /// Byte offset of the record's text in the file.
    base: usize,
    /// The record's text in the chunk buffer.
    start: usize,
    end: usize,
    /// The record's length when it is longer than `max-file-size`: its text was not kept.
    too_long: Option<usize>,
}

/// A decoded record: the findings made before its schema (not UTF-8, invalid JSON,
/// duplicate keys) and the text to resolve spans against.
struct Decoded<'b> {
    diagnostics: Vec<Diagnostic>,
    text: Cow<'b, str>,
}

/// One JSON Lines record of a chunk, decoded and (when it could be) checked, waiting to be
/// completed in file order.
struct Record<'b> {
    decoded: Decoded<'b>,
    plan: Plan,
    shape: Shape,
    checked: Option<Checked>,
}

/// What a JSON Lines record parsed to; told in the parallel step, so the in-order step does
/// not need the parsed tree (which may already be freed).
enum Shape {
    /// Not UTF-8 or not JSON.
    Failed,
    /// An object.
    Object,
    /// Another value, described for the finding.
    Other(String),
}

impl Shape {
    fn of(parsed: Option<&Parsed>) -> Self {
        match parsed {
            None => Shape::Failed,
            Some(p) if p.value.is_object() => Shape::Object,
            Some(p) => Shape::Other(crate::diagnostic::describe(&p.value)),
        }
    }
}

/// What a record needs, told in file order.
enum Plan {
    /// Not UTF-8 or not JSON.
    Failed,
    /// No kind yet.
    UnknownKind,
    /// Checked as this kind and version; `sniffed` when this record told the kind.
    Check {
        kind: PayloadKind,
        sniffed: bool,
        version: ApiVersion,
        source: Source,
    },
}

/// Decodes one record: too long, not UTF-8 or not JSON become its findings (and no tree);
/// duplicate keys are found in its text, with pointers that start at the record.
fn decode_record<'b>(
    buf: &'b [u8],
    line: &RecordLine,
    cap: usize,
) -> (Option<Parsed>, Decoded<'b>) {
    let bytes = buf.get(line.start..line.end).unwrap_or_default();
    let record = line.record;
    // People count lines from 1, pointers count records from 0 (blank lines are no records):
    // a message names both, each in its own notation, "record `/4` on line 5".
    let named = || format!("record `/{record}` on line {}", line.line_no);
    // Built only for a finding: most records have none.
    let ptr = || Pointer::root().index(record);
    if let Some(length) = line.too_long {
        let d = Diagnostic::new(
            &codes::IO_ERROR,
            ptr(),
            format!("{} is {length} bytes, more than the {cap} bytes `max-file-size` allows for one record; it was skipped", named()),
        )
        .with_help("split the record, or raise `max-file-size` in klar-lint.toml; the records around it were checked");
        return (
            None,
            Decoded {
                diagnostics: vec![d],
                text: Cow::Borrowed(""),
            },
        );
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let (d, lossy) = not_utf8(
                bytes,
                at,
                ptr(),
                format!(
                    "{} is not UTF-8: invalid byte 0x{:02X}",
                    named(),
                    bytes.get(at).copied().unwrap_or(0)
                ),
            );
            return (
                None,
                Decoded {
                    diagnostics: vec![d],
                    text: Cow::Owned(lossy),
                },
            );
        }
    };
    match parse_document(text) {
        Ok(parsed) => {
            let mut diagnostics = Vec::new();
            if parsed.has_duplicate_keys {
                duplicate_keys(text, &mut diagnostics);
                for d in &mut diagnostics {
                    d.pointer = d.pointer.prefixed_with_index(record);
                    for l in &mut d.labels {
                        l.pointer = l.pointer.prefixed_with_index(record);
                    }
                }
            }
            (
                Some(parsed),
                Decoded {
                    diagnostics,
                    text: Cow::Borrowed(text),
                },
            )
        }
        Err(e) => {
            let index = LineIndex::new(text);
            let syntax = syntax_error(&e, text, index.offset_of(text, e.line(), e.column()), false);
            let at = syntax.offset;
            let mut d = Diagnostic::new(
                &codes::INVALID_JSON,
                ptr(),
                format!("{}: {}", named(), syntax.message),
            )
            .with_help(syntax.help);
            set_span(
                &mut d,
                Span {
                    start: at,
                    end: (at + 1).min(text.len()).max(at),
                },
                &index,
                text,
            );
            (
                None,
                Decoded {
                    diagnostics: vec![d],
                    text: Cow::Borrowed(text),
                },
            )
        }
    }
}

/// `read_until(b'\n')` that keeps at most `cap` bytes of one line in `buf`: once the line is
/// longer, its bytes are let go at once and the rest of it is read and dropped up to the next
/// newline (skip mode), so one enormous line costs no more memory than a record of `cap` bytes,
/// and the buffer never grows past the line's start plus `cap` (no doubling beyond it).
/// Returns the bytes read (0 at the end of the input) and whether the line was cut; a cut
/// line leaves nothing of itself in `buf`.
fn read_line_capped<R: BufRead>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let start = buf.len();
    let (mut read, mut cut) = (0usize, false);
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((read, cut));
        }
        let (line, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (available.get(..=i).unwrap_or(available), true),
            None => (available, false),
        };
        if !cut {
            let kept = buf.len() - start;
            if line.len() > cap.saturating_sub(kept) {
                // Over the limit: skip mode, nothing of this line is kept from here on.
                cut = true;
                buf.truncate(start);
            } else {
                let want = buf.len() + line.len();
                if want > buf.capacity() {
                    // Grow as `Vec` does (doubling), but never past the line's start plus `cap`.
                    let target = buf
                        .capacity()
                        .saturating_mul(2)
                        .min(start.saturating_add(cap))
                        .max(want);
                    buf.reserve_exact(target - buf.len());
                }
                buf.extend_from_slice(line);
            }
        }
        let n = line.len();
        reader.consume(n);
        read += n;
        if done {
            return Ok((read, cut));
        }
    }
}

/// `f` over each record's slot and line, in file order; on the thread pool unless `serial`.
fn map_slots<'s, 'l, R: Send>(
    slots: &'s mut [Option<Parsed>],
    lines: &'l [RecordLine],
    serial: bool,
    f: impl Fn(&'s mut Option<Parsed>, &'l RecordLine) -> R + Sync + Send,
) -> Vec<R> {
    if serial {
        slots.iter_mut().zip(lines).map(|(s, l)| f(s, l)).collect()
    } else {
        slots
            .par_iter_mut()
            .zip(lines.par_iter())
            .map(|(s, l)| f(s, l))
            .collect()
    }
}

/// Drops parsed values on the thread pool: freeing a chunk's tree is a good part of its cost.
fn drop_in_parallel<T: Send>(items: Vec<T>) {
    if items.len() >= PARALLEL_MIN {
        items.into_par_iter().for_each(drop);
    }
}

#[cfg(test)]
mod bounded_tests {
    use std::fmt::Write as _;
    use std::io::{BufReader, Cursor};

    use super::{read_line_capped, Chunk, ChunkReader};
    use crate::config::Config;
    use crate::pipeline::Pipeline;
    use crate::render::{Human, HumanOptions};

    /// A record over the limit is skipped without being kept: nothing of it stays in the
    /// buffer, and the buffer it grew toward the limit is given back for the rest of the file.
    #[test]
    fn a_record_over_the_limit_is_skipped_not_kept() {
        let cap = 1 << 20;
        let long = "x".repeat(3 << 20);
        let input = format!("{{\"a\":1}}\n{long}\n{{\"b\":2}}\n");
        // Whole in one `fill_buf` (a cursor) and in 8 KiB pieces (a file).
        let mut buf = Vec::new();
        let mut whole = Cursor::new(&long);
        assert_eq!(
            read_line_capped(&mut whole, &mut buf, cap).unwrap(),
            (long.len(), true)
        );
        assert!(buf.is_empty(), "kept {} bytes of a cut line", buf.len());
        assert!(buf.capacity() < cap, "grew to {}", buf.capacity());
        let mut pieces = BufReader::with_capacity(8 << 10, Cursor::new(&long));
        assert_eq!(
            read_line_capped(&mut pieces, &mut buf, cap).unwrap(),
            (long.len(), true)
        );
        assert!(buf.is_empty(), "kept {} bytes of a cut line", buf.len());
        assert!(
            buf.capacity() <= cap,
            "grew past the limit: {}",
            buf.capacity()
        );

        let mut reader = ChunkReader {
            reader: BufReader::with_capacity(8 << 10, Cursor::new(input.as_bytes())),
            offset: 0,
            line_no: 0,
            record: 0,
            cap,
            max_records: 256,
            max_bytes: 64 << 10,
        };
        let mut chunk = Chunk::default();
        reader.read_into(&mut chunk);
        let lines: Vec<_> = chunk
            .lines
            .iter()
            .map(|l| (l.line_no, l.too_long, &chunk.buf[l.start..l.end]))
            .collect();
        assert_eq!(
            lines,
            [
                (1, None, &b"{\"a\":1}"[..]),
                (2, Some(long.len() + 1), &b""[..]),
                (3, None, &b"{\"b\":2}"[..]),
            ]
        );
        assert!(
            chunk.buf.capacity() <= 2 * (64 << 10),
            "the chunk keeps {} bytes of capacity after a long record",
            chunk.buf.capacity()
        );
    }

    /// Past the text budget a record's text is not kept, and its findings keep their line and
    /// column and render without a snippet.
    #[test]
    fn record_text_is_kept_only_up_to_the_budget() {
        let pipeline = Pipeline::new(Config::default()).unwrap();
        // 200 records of about 1 KiB, each with a finding (an `id` that is not a string).
        let pad = "p".repeat(1000);
        let mut text = String::new();
        for i in 0..200 {
            writeln!(text, "{{\"id\": {i}, \"note\": \"{pad}\"}}").unwrap();
        }
        let budget = 20 << 10;
        let report = pipeline.lint_jsonl_budgeted(
            "orders.jsonl",
            Cursor::new(text.as_bytes()),
            (7, 4096),
            budget,
        );
        let kept: usize = report.sources.iter().map(|c| c.text.len()).sum();
        assert!(kept <= budget, "kept {kept} bytes of text");
        assert!(
            !report.sources.is_empty() && report.sources.len() < 30,
            "{}",
            report.sources.len()
        );
        let human = Human::new(HumanOptions::default());
        for line in 1..=200 {
            let found: Vec<_> = report
                .diagnostics
                .iter()
                .filter(|d| {
                    d.line == Some(line)
                        && d.pointer.as_str().starts_with(&format!("/{}/id", line - 1))
                })
                .collect();
            assert!(
                !found.is_empty(),
                "no finding at line {line}: {:#?}",
                report.diagnostics
            );
            for d in found {
                assert_eq!(d.column, Some(8), "{d:?}");
                let shown = human.render(&report, d);
                let snippet = shown.contains(&format!("{{\"id\": {}, ", line - 1));
                let kept = d.span.and_then(|s| report.source_for(s)).is_some();
                assert_eq!(snippet, kept, "line {line}: {shown}");
                assert!(shown.contains(&format!("orders.jsonl:{line}:8")), "{shown}");
            }
        }
    }
}
