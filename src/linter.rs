//! `Linter`: the per-file pipeline (read, parse, tell kind and version, envelope, schema per
//! object, rules, revenue, spans only when there are findings) and the JSON Lines record loop.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use crate::codes;
use crate::config::{Config, ConfigError, RuleLevel};
use crate::diagnostic::{Anchor, Diagnostic, Severity};
use crate::json::{parse_document, LineIndex, Parsed, Pointer, Span, SpanIndex};
use crate::payload::{self, ApiVersion, PayloadKind};
use crate::revenue::{Contribution, Revenue};
use crate::rule::{Context, FileState, Note, Rule};
use crate::rules;
use crate::schema::{SchemaError, SchemaSet};
use crate::view::{Cost, Order, Reader, Refund};

/// How the payload kind or version of a file was told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// `--kind` / `--api-version` (or the library's `Config`).
    Flag,
    /// A `[kinds]` glob or `api-version` in the config file.
    Config,
    /// The file's path.
    Path,
    /// The file's content.
    Content,
    /// Nothing told it: the default (07.2025).
    Default,
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
    /// Text kept for rendering snippets (empty for clean files).
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

    fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}

impl FileReport {
    fn new(path: &str) -> Self {
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

    /// The kept text containing a byte span, if any.
    #[must_use]
    pub fn source_for(&self, span: Span) -> Option<&SourceChunk> {
        self.sources
            .iter()
            .find(|c| span.start >= c.offset && span.start <= c.offset + c.text.len())
    }
}

/// Checks payloads. Build it once and reuse it: schema overrides compile once, on first use,
/// and a `Linter` is `Send + Sync`, so threads can share one.
#[derive(Debug)]
pub struct Linter {
    config: Config,
    schemas: SchemaSet,
    /// Per (version, kind): the rules that apply and are on, as (index in `rules::ALL`,
    /// severity), in registry order. Worked out once: the configuration does not change.
    active: Vec<Vec<(usize, Severity)>>,
    /// Whether chunks go to the thread pool (tests turn it off to compare).
    parallel: bool,
}

impl Linter {
    /// A linter with this configuration.
    ///
    /// # Errors
    /// A schema override that cannot be read or compiled.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let schemas = match &config.schemas_dir {
            Some(dir) => SchemaSet::with_overrides(dir)?,
            None => SchemaSet::embedded(),
        };
        let active = ApiVersion::ALL
            .iter()
            .flat_map(|&version| PayloadKind::ALL.iter().map(move |&kind| (version, kind)))
            .map(|(version, kind)| {
                rules::ALL
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| rule.meta().applies_to(version, kind))
                    .filter_map(|(i, rule)| match config.level(rule.meta()) {
                        RuleLevel::On(severity) => Some((i, severity)),
                        // Severities per file are set by `apply_levels`; a rule off in
                        // `[rules]` still runs when an `[[overrides]]` table turns it on.
                        RuleLevel::Off if config.runs_somewhere(rule.meta()) => {
                            Some((i, rule.meta().severity))
                        }
                        RuleLevel::Off => None,
                    })
                    .collect()
            })
            .collect();
        Ok(Self {
            config,
            schemas,
            active,
            parallel: true,
        })
    }

    /// The configuration in force.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The schemas in force.
    #[must_use]
    pub fn schemas(&self) -> &SchemaSet {
        &self.schemas
    }

    /// Lints a file from disk: JSON Lines (`.jsonl`, `.ndjson`) are streamed record by record,
    /// anything else is parsed as one document. A `.gz` suffix (`orders.json.gz`,
    /// `orders.jsonl.gz`) is decompressed on the fly. Unreadable paths become an `io-error`
    /// finding.
    ///
    /// ```
    /// use klar_lint::{Config, Linter};
    ///
    /// let dir = std::env::temp_dir().join(format!("klar-lint-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("refunds.json");
    /// std::fs::write(&path, "[]").unwrap();
    /// let linter = Linter::new(Config::default()).unwrap();
    /// let report = linter.lint_path(&path);
    /// assert_eq!(report.kind, Some(klar_lint::PayloadKind::Refunds)); // from the file name
    /// assert_eq!(report.diagnostics[0].rule(), "empty-batch");
    /// let missing = linter.lint_path(&dir.join("missing.json"));
    /// assert_eq!(missing.diagnostics[0].rule(), "io-error");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[must_use]
    pub fn lint_path(&self, path: &Path) -> FileReport {
        let name = path.display().to_string();
        guard(&name, || self.lint_path_inner(path, &name))
    }

    /// Lints a whole document held in memory. `path` names it in the report and tells the
    /// kind and version when nothing else does.
    ///
    /// ```
    /// use klar_lint::{Config, Linter};
    ///
    /// let linter = Linter::new(Config::default()).unwrap();
    /// let report = linter.lint_bytes("orders.json", b"[{\"id\": \"1\",}]");
    /// assert_eq!(report.diagnostics[0].rule(), "invalid-json");
    /// assert_eq!((report.diagnostics[0].line, report.diagnostics[0].column), (Some(1), Some(13)));
    /// ```
    #[must_use]
    pub fn lint_bytes(&self, path: &str, bytes: &[u8]) -> FileReport {
        guard(path, || self.lint_document(path, bytes))
    }

    /// Lints a document given as a string.
    #[must_use]
    pub fn lint_str(&self, path: &str, text: &str) -> FileReport {
        self.lint_bytes(path, text.as_bytes())
    }

    /// Lints JSON Lines from a reader, one record at a time: memory stays at one record.
    #[must_use]
    pub fn lint_lines<R: BufRead>(&self, path: &str, reader: R) -> FileReport {
        guard(path, || self.lint_jsonl(path, reader))
    }

    /// Lints a whole document read from `reader` (a socket, a decompressor, a request body).
    /// At most `max-file-size` bytes are read; a longer stream, or one that fails, becomes an
    /// `io-error` finding.
    ///
    /// ```
    /// use klar_lint::{Config, Linter};
    ///
    /// let linter = Linter::new(Config::default()).unwrap();
    /// let body = br#"{"items": [{"orderId": "1", "lineItemId": "a", "productCogs": 1.5}]}"#;
    /// let report = linter.lint_reader("cogs.json", &body[..]);
    /// assert_eq!(report.kind, Some(klar_lint::PayloadKind::Cogs));
    /// ```
    #[must_use]
    pub fn lint_reader<R: Read>(&self, path: &str, reader: R) -> FileReport {
        guard(path, || self.read_document(path, reader, "read"))
    }

    /// Reads a whole document, bounded by `max-file-size`, and lints it.
    fn read_document<R: Read>(&self, name: &str, reader: R, verb: &str) -> FileReport {
        let limit = self.config.max_file_size;
        let mut bytes = Vec::new();
        match reader.take(limit.saturating_add(1)).read_to_end(&mut bytes) {
            Err(e) => io_error_report(
                name,
                format!("cannot {verb} `{name}`: {}", io_message(&e)),
                if verb == "decompress" {
                    "the file is not gzip or is cut off: re-create it with `gzip`"
                } else {
                    "check the source; nothing of it was checked"
                },
            ),
            Ok(n) if n as u64 > limit => io_error_report(
                name,
                if verb == "decompress" {
                    format!("`{name}` decompresses to more than the {limit} bytes `max-file-size` allows for one document")
                } else {
                    format!("`{name}` holds more than the {limit} bytes `max-file-size` allows for one document")
                },
                "raise `max-file-size` in klar-lint.toml, or export JSON Lines, which are streamed",
            ),
            Ok(_) => self.lint_document(name, &bytes),
        }
    }

    /// A gzip-compressed export: JSON Lines inside are streamed, a document is decompressed up
    /// to `max-file-size`, so a decompression bomb stops there.
    fn lint_gzip(&self, path: &Path, name: &str, file: File) -> FileReport {
        let mut reader = BufReader::new(file);
        if !reader
            .fill_buf()
            .is_ok_and(|head| head.starts_with(&[0x1f, 0x8b]))
        {
            return io_error_report(
                name,
                format!("`{name}` is named `.gz` but is not gzip-compressed"),
                "compress it with `gzip`, or drop the `.gz` from its name",
            );
        }
        let decoder = GzipErrors(flate2::read::MultiGzDecoder::new(reader));
        if is_json_lines(&path.with_extension("")) {
            return self.lint_jsonl(name, BufReader::with_capacity(JSONL_READ_BUFFER, decoder));
        }
        self.read_document(name, decoder, "decompress")
    }

    fn lint_path_inner(&self, path: &Path, name: &str) -> FileReport {
        let io_error = |message: String, help: &str| {
            let mut report = FileReport::new(name);
            report
                .diagnostics
                .push(Diagnostic::new(&codes::IO_ERROR, Pointer::root(), message).with_help(help));
            report
        };
        // Opened first, then asked its type through the open file: one path lookup per file,
        // not two. Without blocking, so a FIFO (which would wait for a writer) opens and is
        // turned away below.
        let file = match open_nonblocking(path) {
            Ok(f) => f,
            Err(e) => {
                return io_error(
                    format!("cannot read `{name}`: {}", io_message(&e)),
                    "check the path and its permissions",
                )
            }
        };
        let metadata = match file.metadata() {
            Ok(m) => m,
            Err(e) => {
                return io_error(
                    format!("cannot read `{name}`: {}", io_message(&e)),
                    "check the path and its permissions",
                )
            }
        };
        if metadata.is_dir() {
            return io_error(
                format!("`{name}` is a directory"),
                "name the files in it, or the directory itself without a file extension filter",
            );
        }
        if !metadata.is_file() {
            // A FIFO or device would block or never end.
            return io_error(
                format!("`{name}` is not a regular file"),
                "klar-lint reads regular files only; pipe other sources to `klar-lint -`",
            );
        }
        if is_json_lines(path) {
            return self.lint_jsonl(name, BufReader::with_capacity(JSONL_READ_BUFFER, file));
        }
        if is_gzip(path) {
            return self.lint_gzip(path, name, file);
        }
        if metadata.len() > self.config.max_file_size {
            return io_error(
                format!(
                    "`{name}` is {} bytes, more than `max-file-size` ({} bytes) allows for one document",
                    metadata.len(),
                    self.config.max_file_size
                ),
                "raise `max-file-size` in klar-lint.toml, or export JSON Lines, which are streamed",
            );
        }
        let len = usize::try_from(metadata.len()).unwrap_or(0);
        let mut bytes = Vec::new();
        if let Err(e) = read_whole(file, len, &mut bytes) {
            return io_error(
                format!("cannot read `{name}`: {}", io_message(&e)),
                "check the file and its permissions",
            );
        }
        self.lint_document(name, &bytes)
    }

    fn detect_kind(
        &self,
        path: &str,
        document: Option<&Value>,
    ) -> (Option<PayloadKind>, Option<Source>) {
        if let Some(kind) = self.config.kind {
            return (Some(kind), Some(Source::Flag));
        }
        let p = Path::new(path);
        if let Some(kind) = self.config.kind_for_path(p) {
            return (Some(kind), Some(Source::Config));
        }
        if path != "-" {
            if let Some(kind) = payload::kind_from_path(p) {
                return (Some(kind), Some(Source::Path));
            }
        }
        match document.and_then(payload::sniff_document) {
            Some(kind) => (Some(kind), Some(Source::Content)),
            None => (None, None),
        }
    }

    fn detect_version(&self, path: &str, objects: &[&Value]) -> (ApiVersion, Source) {
        if let Some(v) = self.config.api_version {
            return (v, Source::Flag);
        }
        if self.config.api_version_from_config {
            return (self.config.default_api_version, Source::Config);
        }
        if let Some(v) = payload::version_from_path(Path::new(path)) {
            return (v, Source::Path);
        }
        if objects.iter().any(|o| payload::sniff_version(o).is_some()) {
            return (ApiVersion::V07_2025, Source::Content);
        }
        (self.config.default_api_version, Source::Default)
    }

    fn lint_document(&self, path: &str, bytes: &[u8]) -> FileReport {
        self.lint_document_with(path, bytes, bytes.len() >= STREAM_MIN_BYTES)
    }

    /// `stream`: whether a top-level array may take the streamed path (tests compare both).
    fn lint_document_with(&self, path: &str, bytes: &[u8], stream: bool) -> FileReport {
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
                let offset = index.offset_of(text, e.line(), e.column());
                let mut d =
                    Diagnostic::new(&codes::INVALID_JSON, Pointer::root(), syntax_message(&e))
                        .with_help(syntax_help(&e, text, offset));
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
            .map(|(i, object)| {
                let ptr = if objects.len() == 1 && base.is_none() {
                    Pointer::root()
                } else {
                    base.clone().unwrap_or_default().index(i)
                };
                (ptr, *object)
            })
            .collect();
        let mut state = FileState::default();
        let mut cap = Cap {
            before_objects: diagnostics.len(),
            truncated: &mut report.truncated,
            floor: None,
            path,
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
        report
    }

    /// The fast path for the common case, a top-level array whose kind and version are known
    /// without reading every object: the elements are found by a quick scan, then parsed and
    /// checked chunk by chunk, in parallel, so memory holds the text plus one chunk of parsed
    /// values instead of the whole tree. Returns `None` (and the whole-document path runs)
    /// for anything else: another shape, a syntax error (reported there, at its exact place),
    /// deep nesting, a kind that cannot be told, or a version only the content could tell.
    fn lint_array_streamed(&self, path: &str, text: &str) -> Option<FileReport> {
        let split = split_array(text)?;
        // serde_json's recursion limit counts from the document's root; stay far from it.
        if split.max_depth > STREAM_MAX_DEPTH {
            return None;
        }
        let elements = split.elements;
        let parse = |&(start, end): &(usize, usize)| parse_document(text.get(start..end)?).ok();
        let (kind, kind_source) = if let (Some(kind), source) = self.detect_kind(path, None) {
            (kind, source)
        } else {
            // As `sniff_document` does for an array: the first 16 objects.
            let mut found = None;
            for element in elements.iter().take(16) {
                if let Some(kind) = payload::sniff_object(&parse(element)?.value) {
                    found = Some(kind);
                    break;
                }
            }
            (found?, Some(Source::Content))
        };
        let (version, version_source) = self.detect_version(path, &[]);
        // The content was not read: trust the answer only where the content could not have
        // changed it (no object can name `bundledProducts`, not even through a `\u` escape).
        if !matches!(version_source, Source::Flag | Source::Path)
            && (text.contains("bundledProducts") || text.contains("\\u"))
        {
            return None;
        }
        let mut report = FileReport::new(path);
        report.kind = Some(kind);
        report.kind_source = kind_source;
        report.api_version = Some(version);
        report.version_source = Some(version_source);
        report.objects = elements.len();
        let mut diagnostics: Vec<Diagnostic> = undocumented_endpoint(kind, version, version_source)
            .into_iter()
            .collect();
        if kind.wrapped_in_items() {
            diagnostics.push(
                Diagnostic::new(
                    &codes::BODY_SHAPE,
                    Pointer::root(),
                    format!(
                        "{kind} are sent as an object `{{\"items\": [...]}}`, not a bare array"
                    ),
                )
                .with_anchor(Anchor::Start)
                .with_help("wrap the array: `{\"items\": [ ... ]}`"),
            );
        }
        self.batch_envelope(kind, elements.len(), &Pointer::root(), &mut diagnostics);
        let mut state = FileState::default();
        let mut cap = Cap {
            before_objects: diagnostics.len(),
            truncated: &mut report.truncated,
            floor: None,
            path,
        };
        let mut has_duplicate_keys = false;
        let mut first = 0;
        for chunk in chunks(&elements, |&(start, end)| end - start) {
            // Each element is parsed, checked and freed in one step, on one thread, while its
            // tree is in cache; an element that does not parse sends the file down the whole
            // document path, which reports the syntax error at its place.
            let step = |(i, element): (usize, &(usize, usize))| {
                let parsed = parse(element)?;
                let ptr = Pointer::root().index(first + i);
                let checked = self.check_object(version, kind, &parsed.value, ptr);
                Some((checked, parsed.has_duplicate_keys))
            };
            let done: Vec<(Checked, bool)> = if !self.parallel || chunk.len() < PARALLEL_MIN {
                chunk.iter().enumerate().map(step).collect::<Option<_>>()?
            } else {
                chunk
                    .par_iter()
                    .enumerate()
                    .map(step)
                    .collect::<Option<_>>()?
            };
            first += chunk.len();
            let (checked, duplicates): (Vec<Checked>, Vec<bool>) = done.into_iter().unzip();
            has_duplicate_keys |= duplicates.contains(&true);
            let go_on = self.finish_chunk(
                version,
                kind,
                checked,
                &mut state,
                &mut report.revenue,
                &mut diagnostics,
                &mut cap,
            );
            if !go_on {
                break;
            }
        }
        if has_duplicate_keys {
            duplicate_keys(text, &mut diagnostics);
        }
        diagnostics.extend(ids_unreadable(&state));
        self.finish_document(&mut report, diagnostics, text);
        Some(report)
    }

    /// Splits the body into its top-level objects, reporting a wrong envelope and batch size.
    /// Returns the objects and the pointer of the array they sit in (`None` when the body is a
    /// single object checked in place).
    fn envelope<'v>(
        &self,
        kind: PayloadKind,
        document: &'v Value,
        out: &mut Vec<Diagnostic>,
    ) -> (Vec<&'v Value>, Option<Pointer>) {
        let wrapped = kind.wrapped_in_items();
        let items = match document.as_object() {
            Some(o) if wrapped => Self::envelope_items(o, out),
            Some(o) => o
                .get("items")
                .and_then(Value::as_array)
                .map(|array| ("items", array)),
            None => None,
        };
        let (objects, base): (Vec<&Value>, Option<Pointer>) = match (document, items) {
            (Value::Array(array), _) => {
                if wrapped {
                    out.push(
                        Diagnostic::new(&codes::BODY_SHAPE, Pointer::root(), format!("{kind} are sent as an object `{{\"items\": [...]}}`, not a bare array"))
                            .with_anchor(Anchor::Start)
                            .with_help("wrap the array: `{\"items\": [ ... ]}`"),
                    );
                }
                (array.iter().collect(), Some(Pointer::root()))
            }
            (Value::Object(_), Some((key, array))) => {
                if !wrapped {
                    out.push(
                        Diagnostic::new(
                            &codes::BODY_SHAPE,
                            Pointer::root(),
                            format!("{kind} are sent as a bare JSON array, not wrapped in `items`"),
                        )
                        .with_anchor(Anchor::Start)
                        .with_help("send the array itself: `[ ... ]`"),
                    );
                }
                (array.iter().collect(), Some(Pointer::root().key(key)))
            }
            (Value::Object(_), None) => {
                let expected = if wrapped {
                    "an object `{\"items\": [...]}`"
                } else {
                    "a JSON array of objects"
                };
                out.push(
                    Diagnostic::new(
                        &codes::BODY_SHAPE,
                        Pointer::root(),
                        format!("the body is a single object, but {kind} are sent as {expected}"),
                    )
                    .with_anchor(Anchor::Start)
                    .with_help(if wrapped {
                        "wrap it: `{\"items\": [ { ... } ]}`"
                    } else {
                        "wrap it in an array: `[ { ... } ]`"
                    }),
                );
                (vec![document], None)
            }
            (other, _) => {
                out.push(
                    Diagnostic::new(&codes::BODY_SHAPE, Pointer::root(), format!("the body is {}, not {}", crate::diagnostic::describe(other), if wrapped { "an object `{\"items\": [...]}`" } else { "a JSON array" }))
                        .with_help("a request body is a JSON array (orders, refunds) or `{\"items\": [...]}` (costs)"),
                );
                (Vec::new(), None)
            }
        };
        if let Some(array_ptr) = &base {
            self.batch_envelope(kind, objects.len(), array_ptr, out);
        }
        (objects, base)
    }

    /// `empty-batch` and `batch-size` for an array of `count` objects at `array_ptr`.
    fn batch_envelope(
        &self,
        kind: PayloadKind,
        count: usize,
        array_ptr: &Pointer,
        out: &mut Vec<Diagnostic>,
    ) {
        if count == 0 {
            out.push(
                Diagnostic::new(
                    &codes::EMPTY_BATCH,
                    array_ptr.clone(),
                    format!("the batch holds no {kind}"),
                )
                .with_anchor(Anchor::Start)
                .with_help("skip the request when there is nothing to send"),
            );
        } else if count > self.config.max_batch_size {
            out.push(
                Diagnostic::new(
                    &codes::BATCH_SIZE,
                    array_ptr.clone(),
                    format!(
                        "the batch holds {} objects; one request takes at most {}",
                        count, self.config.max_batch_size
                    ),
                )
                .with_anchor(Anchor::Start)
                .with_help(format!(
                    "split it into {} requests",
                    count.div_ceil(self.config.max_batch_size.max(1))
                )),
            );
        }
    }

    /// The array of a `{"items": [...]}` body and the key it is under, the envelope checked
    /// like any object: a key beside `items` is an `unknown-field`, and without `items` a
    /// misspelt key holding an array (`itmes`, `Items`) is reported with a did-you-mean and
    /// its objects are checked all the same.
    fn envelope_items<'v>(
        object: &'v serde_json::Map<String, Value>,
        out: &mut Vec<Diagnostic>,
    ) -> Option<(&'v str, &'v Vec<Value>)> {
        let items = match object.get("items") {
            Some(Value::Array(array)) => Some(("items", array)),
            Some(_) => return None,
            None => object.iter().find_map(|(key, value)| {
                let array = value.as_array()?;
                crate::schema::did_you_mean(key, ["items"]).map(|_| (key.as_str(), array))
            }),
        };
        let (used, _) = items?;
        for key in object.keys() {
            let at = Pointer::root().key(key);
            let finding = if key == "items" {
                continue;
            } else if key == used {
                Diagnostic::new(
                    &codes::SCHEMA,
                    at,
                    format!("unknown field `{key}`, so the body has no `items`"),
                )
                .with_help("did you mean `items`?")
            } else {
                Diagnostic::new(&codes::UNKNOWN_FIELD, at, format!("unknown field `{key}`"))
                    .with_help(format!(
                        "the body holds `items` and nothing else: remove `{key}`"
                    ))
            };
            out.push(finding.with_anchor(Anchor::Key));
        }
        items
    }

    /// Schema, then every rule, then revenue, for each object of a chunk; in parallel when the
    /// chunk is big enough. The findings of each object stay apart, in the chunk's order;
    /// [`Linter::finish_chunk`] completes them in order.
    fn check_chunk(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
        objects: Vec<(Pointer, &Value)>,
    ) -> Vec<Checked> {
        if !self.parallel || objects.len() < PARALLEL_MIN {
            objects
                .into_iter()
                .map(|(ptr, object)| self.check_object(version, kind, object, ptr))
                .collect()
        } else {
            objects
                .into_par_iter()
                .map(|(ptr, object)| self.check_object(version, kind, object, ptr))
                .collect()
        }
    }

    /// The rules that run on objects of this version and kind.
    fn active(&self, version: ApiVersion, kind: PayloadKind) -> &[(usize, Severity)] {
        let v = ApiVersion::ALL.iter().position(|&x| x == version);
        let k = PayloadKind::ALL.iter().position(|&x| x == kind);
        v.zip(k)
            .and_then(|(v, k)| self.active.get(v * PayloadKind::ALL.len() + k))
            .map_or(&[], Vec::as_slice)
    }

    /// Completes a chunk in file order: hands the rules their notes (see [`Context::defer`]),
    /// adds each object's revenue, and moves its findings to `out` under the per-file limit
    /// (see [`keep_most_severe`]: a million bad objects must not exhaust memory). Returns
    /// `false` when a schema is unusable (reported, and the file stops there, as it would have
    /// object by object).
    #[allow(clippy::too_many_arguments)]
    fn finish_chunk(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
        checked: Vec<Checked>,
        state: &mut FileState,
        revenue: &mut Revenue,
        out: &mut Vec<Diagnostic>,
        cap: &mut Cap<'_>,
    ) -> bool {
        for mut c in checked {
            if let Some(e) = c.failure {
                out.push(schema_failure(&e));
                return false;
            }
            self.finish_notes(version, kind, &mut c, state);
            if let Some(contribution) = c.revenue.take() {
                revenue.add(contribution);
            }
            if c.diagnostics.is_empty() {
                continue;
            }
            self.apply_levels(&mut c.diagnostics, cap.path);
            below_floor(&mut c.diagnostics, cap.floor, cap.truncated);
            out.append(&mut c.diagnostics);
            let max = self.config.max_diagnostics_per_file;
            if out.len().saturating_sub(cap.before_objects) > max.saturating_mul(2) {
                cap.floor = keep_most_severe(out, cap.before_objects, max, cap.truncated);
            }
        }
        true
    }

    /// Schema, then rules, then revenue, for one top-level object. What it leaves for file
    /// order (findings, notes, revenue) is owned: the object's tree may be freed at once.
    fn check_object(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
        object: &Value,
        ptr: Pointer,
    ) -> Checked {
        let mut checked = Checked::default();
        let out = &mut checked.diagnostics;
        // Every rule runs whether or not the schema passed: one type slip must not hide a
        // money mistake elsewhere in the object. Views read a mistyped value as absent, and a
        // rule missing an input stays silent. Revenue, though, leaves the object out: a total
        // built from some of its amounts would be silently short.
        let valid = match self.schemas.validate(version, kind, object, &ptr, out) {
            Err(e) => {
                checked.failure = Some(e);
                return checked;
            }
            Ok(valid) => valid,
        };
        let Some(map) = object.as_object() else {
            checked.revenue =
                (!valid && kind != PayloadKind::Refunds).then_some(Contribution::LeftOut);
            return checked;
        };
        let mut reader = Reader {
            issues: out,
            bundles: version == ApiVersion::V07_2025,
        };
        let view = match kind {
            PayloadKind::Orders => View::Order(Order::read(&mut reader, map, ptr)),
            PayloadKind::Refunds => View::Refund(Refund::read(&mut reader, map, ptr)),
            PayloadKind::Cogs | PayloadKind::LogisticsCosts | PayloadKind::TransactionCosts => {
                View::Cost(Cost::read(&mut reader, kind, map, ptr))
            }
        };
        let mut notes = Vec::new();
        for &(i, severity) in self.active(version, kind) {
            let Some(rule) = rules::ALL.get(i) else {
                continue;
            };
            let mut cx = Context::new(
                rule.meta(),
                severity,
                &self.config,
                (version, kind),
                out,
                &mut notes,
            );
            view.check(*rule, &mut cx);
            checked
                .notes
                .extend(notes.drain(..).map(|note| (i, severity, note)));
        }
        checked.revenue = match &view {
            View::Refund(_) => None,
            _ if !valid => Some(Contribution::LeftOut),
            View::Order(order) => Some(Contribution::order(order, &self.config.status_mapping)),
            View::Cost(cost) => Some(Contribution::cost(cost)),
        };
        drop_derived(out, 0);
        checked
    }

    /// Hands the notes one object's rules left to those rules, in file order and with the
    /// file's state, then puts the object's findings back in the order the rules are listed
    /// in, as if they had run together.
    fn finish_notes(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
        checked: &mut Checked,
        state: &mut FileState,
    ) {
        if checked.notes.is_empty() {
            return;
        }
        // A rule finishing a note has nothing to finish a new one: any it leaves are dropped.
        let mut no_notes = Vec::new();
        for (i, severity, note) in std::mem::take(&mut checked.notes) {
            let Some(rule) = rules::ALL.get(i) else {
                continue;
            };
            let mut cx = Context::new(
                rule.meta(),
                severity,
                &self.config,
                (version, kind),
                &mut checked.diagnostics,
                &mut no_notes,
            );
            rule.check_in_order(&note, state, &mut cx);
        }
        // Built-in findings (schema, number-range, duplicate keys) came first, then each
        // rule's in registry order; a stable sort restores that.
        checked.diagnostics.sort_by_key(|d| {
            rules::ALL
                .iter()
                .position(|r| std::ptr::eq(r.meta(), d.code))
                .map_or(0, |i| i + 1)
        });
        drop_derived(&mut checked.diagnostics, 0);
    }

    /// Applies levels, resolves spans (only when there are findings), sorts.
    fn finish_document(
        &self,
        report: &mut FileReport,
        mut diagnostics: Vec<Diagnostic>,
        text: &str,
    ) {
        self.apply_levels(&mut diagnostics, &report.path);
        if diagnostics.is_empty() {
            return;
        }
        let spans = SpanIndex::new(text);
        let lines = LineIndex::new(text);
        if diagnostics.len() > self.config.max_diagnostics_per_file {
            cap_by_offset(
                &mut diagnostics,
                &spans,
                self.config.max_diagnostics_per_file,
                &mut report.truncated,
            );
        }
        resolve(&mut diagnostics, &spans, &lines, text, 0, 0);
        report.diagnostics.extend(diagnostics);
        sort(&mut report.diagnostics);
        report.sources.push(SourceChunk {
            offset: 0,
            first_line: 1,
            text: text.into(),
        });
    }

    /// Sets each finding's severity from `[rules]` and the `[[overrides]]` matching `path`; a
    /// rule the configuration does not name keeps the severity it gave each finding.
    fn apply_levels(&self, diagnostics: &mut Vec<Diagnostic>, path: &str) {
        let path = Path::new(path);
        diagnostics.retain_mut(|d| match self.config.configured_level_for(d.code, path) {
            _ if codes::is_fixed(d.code) => true,
            None => true,
            Some(RuleLevel::Off) => false,
            Some(RuleLevel::On(severity)) => {
                d.severity = severity;
                true
            }
        });
        dedup(diagnostics);
    }

    fn lint_jsonl<R: BufRead>(&self, path: &str, reader: R) -> FileReport {
        self.lint_jsonl_chunked(path, reader, CHUNK_OBJECTS, CHUNK_BYTES)
    }

    /// JSON Lines, streamed in chunks of at most `max_records` records or about `max_bytes`
    /// bytes: each chunk is read, then its records are parsed and checked in parallel, then
    /// completed in file order (kind and version as the first records tell them, the rules'
    /// notes, spans, the per-file cap). Memory holds one chunk, whatever the size of the file,
    /// and the findings.
    fn lint_jsonl_chunked<R: BufRead>(
        &self,
        path: &str,
        reader: R,
        max_records: usize,
        max_bytes: usize,
    ) -> FileReport {
        let mut report = FileReport::new(path);
        let (forced_kind, kind_source) = self.detect_kind(path, None);
        let mut kind = forced_kind;
        report.kind = kind;
        report.kind_source = kind_source;
        let mut version: Option<(ApiVersion, Source)> = None;
        let mut state = FileState::default();
        // Findings at or below this severity are let go at once: the per-file limit is full of
        // findings at least as severe (see `keep_most_severe`).
        let mut floor = None;
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
        input.read_into(&mut chunk);
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
                        Record {
                            decoded,
                            plan,
                            shape,
                            checked: if is_checked { checked.next() } else { None },
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
                    self.push_record(
                        &mut report,
                        diagnostics,
                        &text,
                        (line.base, line.line_no),
                        false,
                        &mut floor,
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
                    self.push_record(
                        &mut report,
                        diagnostics,
                        &text,
                        (line.base, line.line_no),
                        true,
                        &mut floor,
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
                    if let Some(contribution) = c.revenue.take() {
                        report.revenue.add(contribution);
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
                // Record pointers start at `/{record}`; spans are resolved against the record text.
                self.push_record(
                    &mut report,
                    diagnostics,
                    &text,
                    (line.base, line.line_no),
                    true,
                    &mut floor,
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
        let checked = parsed.as_ref().filter(|p| p.value.is_object()).map(|p| {
            self.check_object(version, kind, &p.value, Pointer::root().index(line.record))
        });
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
        floor: &mut Option<Severity>,
    ) {
        self.apply_levels(&mut diagnostics, &report.path);
        below_floor(&mut diagnostics, *floor, &mut report.truncated);
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
        report.sources.push(SourceChunk {
            offset: base,
            first_line: line_no,
            text: text.into(),
        });
        let max = self.config.max_diagnostics_per_file;
        if report.diagnostics.len() > max.saturating_mul(2) {
            *floor = keep_most_severe(&mut report.diagnostics, 0, max, &mut report.truncated);
            drop_unused_sources(report);
        }
    }
}

/// An `io-error` when `duplicate-id` could not read back ids it had written to the temporary
/// directory (see `seen_ids`): repeats of those ids were not seen, and the user must know.
fn ids_unreadable(state: &FileState) -> Option<Diagnostic> {
    let n = state.ids.unreadable();
    (n > 0).then(|| {
        Diagnostic::new(
            &codes::IO_ERROR,
            Pointer::root(),
            format!("`duplicate-id` could not read back the ids it wrote to the temporary directory ({n} lookups failed): repeated ids may have been missed"),
        )
        .with_help("check that the temporary directory ($TMPDIR) is writable and not full, then lint again")
    })
}

/// An `undocumented-endpoint` warning when Klar documents `version` only for other kinds
/// (orders under 04.2024): the file is still checked, as 12.2022 (see
/// [`ApiVersion::checked_as`]), and the report says so rather than guess silently.
fn undocumented_endpoint(
    kind: PayloadKind,
    version: ApiVersion,
    source: Source,
) -> Option<Diagnostic> {
    if version.documents(kind) {
        return None;
    }
    let documented: Vec<String> = version
        .documented_kinds()
        .iter()
        .map(|k| format!("`{k}`"))
        .collect();
    let these = match kind {
        PayloadKind::Orders => "orders",
        PayloadKind::Refunds => "refunds",
        PayloadKind::Cogs => "COGS items",
        PayloadKind::LogisticsCosts => "logistics costs",
        PayloadKind::TransactionCosts => "transaction costs",
    };
    let base = version.checked_as();
    let endpoints: Vec<String> = ApiVersion::ALL
        .into_iter()
        .filter(|v| v.documents(kind))
        .map(|v| format!("`/{v}/{kind}/json`"))
        .collect();
    let send = format!(
        "Klar documents no `/{version}/{kind}/json`: send {these} to {}",
        endpoints.join(" or ")
    );
    let help = match source {
        Source::Path => format!(
            "{send}; if `{version}` in the path is a date rather than the API version, pass `--api-version` or set `api-version` in klar-lint.toml"
        ),
        Source::Config => format!(
            "{send}, and set that `api-version` in klar-lint.toml (or pass `--api-version`)"
        ),
        Source::Flag | Source::Content | Source::Default => {
            format!("{send}, and check them with that `--api-version`")
        }
    };
    Some(
        Diagnostic::new(
            &codes::UNDOCUMENTED_ENDPOINT,
            Pointer::root(),
            format!(
                "API version {version} is documented only for {}; these {these} are checked as {base}",
                documented.join(" and ")
            ),
        )
        .with_anchor(Anchor::Start)
        .with_help(help),
    )
}

fn strip_first(pointer: &Pointer) -> Pointer {
    let mut out = Pointer::root();
    for token in pointer.tokens().skip(1) {
        out.push_key(&token);
    }
    out
}

/// Runs `f`, turning a panic into an `internal-error` finding for this file.
fn guard(path: &str, f: impl FnOnce() -> FileReport) -> FileReport {
    let outer = GUARDED.with(|g| g.replace(true));
    let result = catch_unwind(AssertUnwindSafe(|| {
        #[cfg(feature = "fault-injection")]
        inject_fault(path);
        f()
    }));
    GUARDED.with(|g| g.set(outer));
    match result {
        Ok(report) => report,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            let place = PANIC_PLACE
                .with(std::cell::RefCell::take)
                .map(|place| format!(" (at {place})"))
                .unwrap_or_default();
            let mut report = FileReport::new(path);
            report.diagnostics.push(
                Diagnostic::new(&codes::INTERNAL_ERROR, Pointer::root(), format!("klar-lint failed on this file: {what}{place}"))
                    .with_help("this is a bug in klar-lint; please report it with the file (or a redacted copy)"),
            );
            report
        }
    }
}

thread_local! {
    /// Whether this thread is inside a [`guard`]: a panic there becomes that file's
    /// `internal-error`.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Where the last contained panic happened, noted by [`install_panic_hook`].
    static PANIC_PLACE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Installs a panic hook for programs built on the linter: a panic inside one file's lint is
/// contained and reported as that file's `internal-error` finding (with the place it happened),
/// so the default hook's `thread panicked at ...` on standard error would only repeat it,
/// out of order with the report. This hook keeps quiet about those and hands every other
/// panic to the hook that was installed before. The `klar-lint` binary calls it first thing;
/// a library user may, or keep their own hook.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if GUARDED.with(std::cell::Cell::get) {
            let place = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            PANIC_PLACE.with(|p| *p.borrow_mut() = place);
        } else {
            previous(info);
        }
    }));
}

/// The path marker that makes a lint panic when the `fault-injection` feature is on.
#[cfg(feature = "fault-injection")]
#[doc(hidden)]
pub const FAULT_MARKER: &str = "klar-lint-fault-injection-panic";

/// Test-only (feature `fault-injection`, never in a release build): a bug in one file's lint.
#[cfg(feature = "fault-injection")]
#[allow(clippy::panic, clippy::manual_assert)]
fn inject_fault(path: &str) {
    if path.contains(FAULT_MARKER) {
        panic!("injected fault for {path}");
    }
}

fn schema_failure(e: &SchemaError) -> Diagnostic {
    Diagnostic::new(&codes::INTERNAL_ERROR, Pointer::root(), e.to_string())
        .with_help("fix the schema given with --schemas")
}

fn is_gzip(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

fn io_error_report(name: &str, message: String, help: &str) -> FileReport {
    let mut report = FileReport::new(name);
    report
        .diagnostics
        .push(Diagnostic::new(&codes::IO_ERROR, Pointer::root(), message).with_help(help));
    report
}

/// Names decompression failures as such: "gzip: invalid gzip header".
struct GzipErrors<R>(R);

impl<R: Read> Read for GzipErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::Interrupted {
                e
            } else {
                std::io::Error::new(e.kind(), format!("gzip: {e}"))
            }
        })
    }
}

fn is_json_lines(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"))
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}

/// The `invalid-json` finding for bytes that stop being UTF-8 at `at`, located in the lossy
/// text (which has the same prefix up to the bad byte), and that text for the snippet.
fn not_utf8(bytes: &[u8], at: usize, pointer: Pointer, message: String) -> (Diagnostic, String) {
    let lossy = String::from_utf8_lossy(bytes).into_owned();
    let mut d = Diagnostic::new(&codes::INVALID_JSON, pointer, message).with_help(utf8_help(bytes));
    let index = LineIndex::new(&lossy);
    set_span(
        &mut d,
        Span {
            start: at,
            end: at + 1,
        },
        &index,
        &lossy,
    );
    (d, lossy)
}

fn utf8_help(bytes: &[u8]) -> String {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        "the file looks like UTF-16: re-export it as UTF-8".to_owned()
    } else {
        "Klar reads UTF-8 only: re-export the file as UTF-8 (Latin-1 and Windows-1252 bytes are not valid UTF-8)".to_owned()
    }
}

/// serde_json's message without its " at line L column C" suffix (the location is shown apart).
fn syntax_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let message = full
        .find(" at line ")
        .map_or(full.as_str(), |i| full.get(..i).unwrap_or(&full));
    format!("invalid JSON: {message}")
}

fn syntax_help(e: &serde_json::Error, text: &str, offset: usize) -> String {
    let message = e.to_string();
    let before = text.get(..offset).unwrap_or("").trim_end();
    let at = text.get(offset..).unwrap_or("");
    if ["NaN", "Infinity", "-Infinity"]
        .iter()
        .any(|word| at.starts_with(word))
    {
        "JSON has no NaN or Infinity: send a number, or leave the field out".to_owned()
    } else if message.contains("recursion limit") {
        "the document nests deeper than 128 levels; no Klar payload does".to_owned()
    } else if message.contains("trailing comma")
        || (before.ends_with(',')
            && (text
                .get(offset..)
                .unwrap_or("")
                .trim_start()
                .starts_with([']', '}'])))
    {
        "remove the comma before the closing bracket".to_owned()
    } else if message.contains("EOF") {
        "the file ends early: was the export cut off?".to_owned()
    } else if message.contains("key must be a string") {
        "object keys are double-quoted strings".to_owned()
    } else if message.contains("trailing characters") {
        "one file holds one JSON document; for one object per line name the file `.jsonl`"
            .to_owned()
    } else {
        "fix the syntax at this position".to_owned()
    }
}

fn duplicate_keys(text: &str, out: &mut Vec<Diagnostic>) {
    let index = LineIndex::new(text);
    for dup in SpanIndex::new(text).duplicate_keys() {
        let mut d = Diagnostic::new(
            &codes::DUPLICATE_KEY,
            dup.pointer.clone(),
            format!("`{}` appears twice in this object", dup.key),
        )
        .with_anchor(Anchor::Key)
        .with_help("keep one: parsers keep only the last value, silently")
        .with_label(dup.pointer.clone(), "first here");
        if let Some(label) = d.labels.first_mut() {
            label.span = Some(dup.first_key_span);
        }
        set_span(&mut d, dup.key_span, &index, text);
        out.push(d);
    }
}

fn pick(located: crate::json::Located, anchor: Anchor) -> Span {
    match anchor {
        Anchor::Value => located.value,
        Anchor::Key => located.key.unwrap_or(located.value),
        Anchor::Start => Span {
            start: located.value.start,
            end: located.value.start + 1,
        },
    }
}

fn set_span(d: &mut Diagnostic, span: Span, lines: &LineIndex, text: &str) {
    let (line, column) = lines.line_col(text, span.start);
    d.span = Some(span);
    d.line = Some(line);
    d.column = Some(column);
    for label in &mut d.labels {
        if let Some(span) = label.span {
            let (line, column) = lines.line_col(text, span.start);
            label.line = Some(line);
            label.column = Some(column);
        }
    }
}

fn set_label_span(
    label: &mut crate::diagnostic::Label,
    span: Option<Span>,
    lines: &LineIndex,
    text: &str,
) {
    label.span = span;
    if let Some(span) = span {
        let (line, column) = lines.line_col(text, span.start);
        label.line = Some(line);
        label.column = Some(column);
    }
}

/// The span a diagnostic's pointer (or, failing that, its parent's) names in the text.
fn locate(d: &Diagnostic, spans: &SpanIndex<'_>) -> Option<Span> {
    spans
        .locate(&d.pointer)
        .or_else(|| d.pointer.parent().and_then(|p| spans.locate(&p)))
        .map(|located| pick(located, d.anchor))
}

/// Keeps the first `max` findings in text order and returns how many were dropped.
///
/// A column costs the length of its line, so resolving every finding of a minified file with
/// one finding per object (a million-element array of numbers) is quadratic. Byte offsets are
/// cheap and sort like (line, column), so the cap is applied on them before any column is
/// worked out; `resolve` then fills in line and column for the findings kept.
fn cap_by_offset(
    diagnostics: &mut Vec<Diagnostic>,
    spans: &SpanIndex<'_>,
    max: usize,
    truncated: &mut Truncated,
) {
    let offsets: Vec<Option<usize>> = diagnostics
        .iter()
        .map(|d| d.span.or_else(|| locate(d, spans)).map(|s| s.start))
        .collect();
    let mut order: Vec<usize> = (0..diagnostics.len()).collect();
    order.sort_by(|&a, &b| {
        let (Some(da), Some(db)) = (diagnostics.get(a), diagnostics.get(b)) else {
            return a.cmp(&b);
        };
        // The most severe first: an error is never let go for a warning.
        (
            std::cmp::Reverse(da.severity),
            offsets.get(a),
            da.code.name,
            da.pointer.as_str(),
        )
            .cmp(&(
                std::cmp::Reverse(db.severity),
                offsets.get(b),
                db.code.name,
                db.pointer.as_str(),
            ))
    });
    let mut keep = vec![false; diagnostics.len()];
    for &i in order.iter().take(max) {
        if let Some(k) = keep.get_mut(i) {
            *k = true;
        }
    }
    let mut index = 0;
    diagnostics.retain(|d| {
        let kept = keep.get(index).copied().unwrap_or(false);
        index += 1;
        if !kept {
            truncated.add(d.severity);
        }
        kept
    });
}

/// Keeps at most `max` of `list[from..]`, the most severe first and, within a severity, the
/// first added (file order), and counts the others in `truncated`. Streamed files call it
/// once the list holds twice the limit, so memory stays bounded and each call costs one sort
/// of `2 × max` findings. Returns the severity at or below which later findings can be let go
/// at once (the least severe kept, when the limit is full), which only rises: so a file calls
/// this at most three times whatever its number of findings.
fn keep_most_severe(
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
fn below_floor(
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
fn drop_unused_sources(report: &mut FileReport) {
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
    report.sources.retain(|c| {
        starts
            .iter()
            .any(|&s| s >= c.offset && s <= c.offset + c.text.len())
    });
}

fn resolve(
    diagnostics: &mut [Diagnostic],
    spans: &SpanIndex<'_>,
    lines: &LineIndex,
    text: &str,
    _base: usize,
    _line: usize,
) {
    for d in diagnostics {
        if d.span.is_none() {
            if let Some(span) = locate(d, spans) {
                set_span(d, span, lines, text);
            }
        }
        for label in &mut d.labels {
            if label.span.is_none() {
                set_label_span(
                    label,
                    spans.locate(&label.pointer).map(|l| l.value),
                    lines,
                    text,
                );
            }
        }
    }
}

fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.line, a.column, a.code.name, a.pointer.as_str()).cmp(&(
            b.line,
            b.column,
            b.code.name,
            b.pointer.as_str(),
        ))
    });
}

fn dedup(diagnostics: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    diagnostics.retain(|d| seen.insert((d.code.name, d.pointer.clone(), d.message.clone())));
}

/// Drops findings of derived rules on lines that already have a finding from a non-derived
/// money rule: one root cause, one diagnostic.
fn drop_derived(out: &mut Vec<Diagnostic>, first: usize) {
    let Some(new) = out.get(first..) else { return };
    let roots: Vec<Pointer> = new
        .iter()
        .filter(|d| {
            !d.code.derived
                && !d.code.builtin
                && matches!(
                    d.code.category,
                    crate::rule::Category::Money | crate::rule::Category::Compat
                )
        })
        .filter_map(|d| line_of(&d.pointer))
        .collect();
    if roots.is_empty() {
        return;
    }
    let mut index = 0;
    out.retain(|d| {
        let keep = index < first
            || !d.code.derived
            || line_of(&d.pointer).is_none_or(|line| !roots.contains(&line));
        index += 1;
        keep
    });
}

/// The unit a money finding belongs to: the line item a pointer is inside (`/3/lineItems/0`
/// or `/3/lineItems/0/bundledProducts/1`), or the order's shipping (`/3/shipping`).
pub(crate) fn line_of(pointer: &Pointer) -> Option<Pointer> {
    let tokens: Vec<_> = pointer.tokens().collect();
    let mut end = None;
    for (i, t) in tokens.iter().enumerate() {
        if (t == "lineItems" || t == "bundledProducts")
            && tokens
                .get(i + 1)
                .is_some_and(|n| n.parse::<usize>().is_ok())
        {
            end = Some(i + 2);
        } else if t == "shipping" && end.is_none() {
            end = Some(i + 1);
        }
    }
    let end = end?;
    let mut out = Pointer::root();
    for t in tokens.iter().take(end) {
        out.push_key(t);
    }
    Some(out)
}

/// Top-level objects checked per parallel step: enough to keep every core busy, few enough
/// that memory stays bounded (a step holds its objects' parsed values at once).
const CHUNK_OBJECTS: usize = 256;
/// ... and about this many bytes of their text.
const CHUNK_BYTES: usize = 1 << 20;
/// Fewer objects than this are checked on the calling thread: handing one order to the
/// thread pool costs more than checking it.
const PARALLEL_MIN: usize = 4;
/// Arrays nested deeper than this take the whole-document path, whose parse enforces
/// serde_json's recursion limit from the document's root.
const STREAM_MAX_DEPTH: usize = 64;
/// JSON Lines are read through a buffer this big: with `BufReader`'s default 8 KiB, reading
/// a file of 2 kB records was a system call every four records.
const JSONL_READ_BUFFER: usize = 256 * 1024;
/// Smaller documents are parsed whole: the streamed path's scan for the elements costs more
/// than it saves on a file of a few dozen orders (a tenth of a one-order file's time).
const STREAM_MIN_BYTES: usize = 64 * 1024;

/// A typed view of one top-level object, for the rules.
// Orders are the big variant and the common one; boxing would allocate once per order.
#[allow(clippy::large_enum_variant)]
enum View<'v> {
    Order(Order<'v>),
    Refund(Refund<'v>),
    Cost(Cost<'v>),
}

impl View<'_> {
    fn check(&self, rule: &dyn Rule, cx: &mut Context<'_>) {
        match self {
            View::Order(order) => rule.check_order(order, cx),
            View::Refund(refund) => rule.check_refund(refund, cx),
            View::Cost(cost) => rule.check_cost(cost, cx),
        }
    }
}

/// One object after its schema and rules: all owned, nothing borrowed from its tree.
#[derive(Default)]
struct Checked {
    diagnostics: Vec<Diagnostic>,
    /// Notes left for rules to finish in file order: (index in `rules::ALL`, severity, note).
    notes: Vec<(usize, Severity, Note)>,
    /// What it adds to the file's revenue, added in file order.
    revenue: Option<Contribution>,
    /// The schema for the object's version and kind is unusable.
    failure: Option<SchemaError>,
}

/// The per-file limit on findings while objects are completed.
struct Cap<'r> {
    /// Findings made before the first object (envelope, duplicate keys).
    before_objects: usize,
    /// The report's count of findings let go.
    truncated: &'r mut Truncated,
    /// Findings at or below this severity are let go at once (see [`keep_most_severe`]).
    floor: Option<Severity>,
    /// The file's path, for per-path `[[overrides]]`.
    path: &'r str,
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
                // Only the first `cap` bytes were kept: the record is not checked, and the
                // chunk does not keep even those.
                buf.truncate(start);
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

/// What a record needs, told in file order.
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

fn decode_record<'b>(
    buf: &'b [u8],
    line: &RecordLine,
    cap: usize,
) -> (Option<Parsed>, Decoded<'b>) {
    let bytes = buf.get(line.start..line.end).unwrap_or_default();
    let record = line.record;
    // Built only for a finding: most records have none.
    let ptr = || Pointer::root().index(record);
    if let Some(length) = line.too_long {
        let d = Diagnostic::new(
            &codes::IO_ERROR,
            ptr(),
            format!("record {record} is {length} bytes, more than the {cap} bytes `max-file-size` allows for one record; it was skipped"),
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
                    "record {record} is not UTF-8: invalid byte 0x{:02X}",
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
            let at = index.offset_of(text, e.line(), e.column());
            let mut d = Diagnostic::new(
                &codes::INVALID_JSON,
                ptr(),
                format!("record {record}: {}", syntax_message(&e)),
            )
            .with_help(syntax_help(&e, text, at));
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

/// Splits `items` into runs of at most `CHUNK_OBJECTS` items and about `CHUNK_BYTES` bytes.
fn chunks<T>(items: &[T], size: impl Fn(&T) -> usize) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let mut n = 0;
        while n < CHUNK_OBJECTS && bytes < CHUNK_BYTES {
            let Some(item) = rest.get(n) else { break };
            bytes += size(item);
            n += 1;
        }
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Some(head)
    })
}

/// `read_until(b'\n')` that keeps at most `cap` bytes of one line in `buf`: the rest of a
/// longer line is read and dropped, so one enormous line cannot take the memory a document
/// may not. Returns the bytes read (0 at the end of the input) and whether the line was cut.
fn read_line_capped<R: BufRead>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let (mut read, mut kept, mut cut) = (0usize, 0usize, false);
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
        let keep = line.len().min(cap.saturating_sub(kept));
        buf.extend_from_slice(line.get(..keep).unwrap_or_default());
        kept += keep;
        cut |= keep < line.len();
        let n = line.len();
        reader.consume(n);
        read += n;
        if done {
            return Ok((read, cut));
        }
    }
}

/// Reads a regular file of `len` bytes (its size when it was opened) into `bytes`, replacing
/// what was there. A small file
/// is asked for one byte more than its size: getting exactly `len` bytes means the end was
/// reached, so one read system call does what `read_to_end` does in two (the second only to
/// see the end), which adds up over thousands of one-order files. Anything else (a file that
/// grew or shrank, an interrupted read, a big file) goes on through `read_to_end`, through
/// `take` so that it does not ask the file's size and position again.
fn read_whole(file: File, len: usize, bytes: &mut Vec<u8>) -> std::io::Result<()> {
    bytes.clear();
    let mut file = file.take(u64::MAX);
    if len < 1 << 20 {
        bytes.resize(len + 1, 0);
        match file.read(bytes) {
            Ok(n) if n == len => {
                bytes.truncate(n);
                return Ok(());
            }
            Ok(n) => bytes.truncate(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => bytes.clear(),
            Err(e) => return Err(e),
        }
    } else {
        bytes.reserve_exact(len);
    }
    file.read_to_end(bytes).map(drop)
}

/// Opens `path` for reading without waiting: a FIFO with no writer would otherwise block the
/// open itself. Reads from a regular file are not affected by the flag.
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
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

/// The elements of a top-level JSON array, as byte ranges.
struct ArraySplit {
    elements: Vec<(usize, usize)>,
    /// Deepest nesting seen, the array itself counting 1.
    max_depth: usize,
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// Finds the elements of a top-level array with a quick scan that follows strings and
/// nesting but does not validate: each element is then parsed on its own, and anything odd
/// (not an array, unbalanced, a missing or extra comma, trailing text) gives `None`, so the
/// whole-document parse reports the syntax error at its exact place.
fn split_array(text: &str) -> Option<ArraySplit> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if *b.get(i)? != b'[' {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut elements = Vec::new();
    let mut max_depth = 1;
    if *b.get(i)? == b']' {
        i += 1;
    } else {
        loop {
            let start = i;
            let mut depth = 0usize;
            loop {
                match *b.get(i)? {
                    b'"' => {
                        i += 1;
                        loop {
                            match *b.get(i)? {
                                b'\\' => i += 2,
                                b'"' => break,
                                _ => i += 1,
                            }
                        }
                        i += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b'[' | b'{' => {
                        depth += 1;
                        max_depth = max_depth.max(depth + 1);
                        i += 1;
                    }
                    b']' | b'}' => {
                        if depth == 0 {
                            break;
                        }
                        depth -= 1;
                        i += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b',' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => break,
                    _ => i += 1,
                }
            }
            if i == start {
                return None;
            }
            elements.push((start, i));
            i = skip_ws(b, i);
            match *b.get(i)? {
                b',' => i = skip_ws(b, i + 1),
                b']' => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_ws(b, i) == b.len()).then_some(ArraySplit {
        elements,
        max_depth,
    })
}

#[cfg(test)]
mod tests {
    //! The streamed and chunked paths against the whole-document, one-object-at-a-time ones:
    //! the same report, byte for byte, on clean and broken input, under several configs.

    use super::*;

    #[test]
    fn a_whole_file_is_read_whatever_size_it_had_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        let text = b"[1, 2, 3]".repeat(50);
        std::fs::write(&path, &text).unwrap();
        // The size at opening, and sizes as if the file had since grown or shrunk.
        for len in [
            text.len(),
            0,
            1,
            text.len() - 1,
            text.len() + 1,
            text.len() * 2,
            2 << 20,
        ] {
            let mut bytes = vec![7u8; 3];
            read_whole(File::open(&path).unwrap(), len, &mut bytes).unwrap();
            assert_eq!(bytes, text, "size given {len}");
        }
        std::fs::write(&path, b"").unwrap();
        let mut bytes = Vec::new();
        read_whole(File::open(&path).unwrap(), 0, &mut bytes).unwrap();
        assert!(bytes.is_empty());
    }

    const ORDERS: &str = "data/07.2025/orders/orders.json";

    fn linter(config: Config, parallel: bool) -> Linter {
        let mut linter = Linter::new(config).unwrap();
        linter.parallel = parallel;
        linter
    }

    fn configs() -> Vec<(&'static str, Config)> {
        vec![
            ("default", Config::default()),
            (
                "cap 7, batch 100",
                Config {
                    max_diagnostics_per_file: 7,
                    max_batch_size: 100,
                    ..Config::default()
                },
            ),
            (
                "duplicate-id as error, zero-date off",
                Config::default()
                    .with_rule("duplicate-id", RuleLevel::On(Severity::Error))
                    .unwrap()
                    .with_rule("zero-date", RuleLevel::Off)
                    .unwrap(),
            ),
        ]
    }

    /// The example orders (a bundle among them), repeated with ids `200000000`, `200000001`,
    /// ...: one order per line, as a JSON array or as JSON Lines.
    fn orders(n: usize, lines: bool) -> String {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/payloads/07.2025/orders/orders.json"
        ))
        .unwrap();
        let examples: Vec<Value> = serde_json::from_str(&text).unwrap();
        let records: Vec<String> = (0..n)
            .map(|i| {
                let mut order = examples[i % examples.len()].clone();
                order["id"] = Value::String(format!("{}", 200_000_000 + i));
                serde_json::to_string(&order).unwrap()
            })
            .collect();
        if lines {
            records.join("\n") + "\n"
        } else {
            format!("[\n{}\n]\n", records.join(",\n"))
        }
    }

    fn generated(n: usize) -> String {
        orders(n, false)
    }

    /// Documents: generated batches with faults put in, odd shapes, and every example file.
    fn documents() -> Vec<(String, String)> {
        let clean = generated(600);
        let mut docs = vec![
            (ORDERS.to_owned(), clean.clone()),
            // The same id again, in the first chunk and across chunks.
            (
                ORDERS.to_owned(),
                clean
                    .replace(r#""id":"200000010""#, r#""id":"200000003""#)
                    .replace(r#""id":"200000450""#, r#""id":"200000003""#),
            ),
            (
                ORDERS.to_owned(),
                clean.replace(r#""createdAt":"#, r#""cancelledAt":0,"createdAt":"#),
            ),
            (
                ORDERS.to_owned(),
                clean
                    .replacen(r#""quantity":1,"#, r#""quantity":"1","#, 3)
                    .replacen(r#""taxAmount":"#, r#""taxAmount":1e400,"taxAmunt":"#, 2)
                    .replacen(
                        r#""currencyCodeIso3Letter":"EUR""#,
                        r#""currencyCodeIso3Letter":"EUR","currencyCodeIso3Letter":"USD""#,
                        1,
                    ),
            ),
            // No version in the path: bundles in the content decide it.
            ("exports/orders.json".to_owned(), clean.clone()),
            ("data/12.2022/orders/orders.json".to_owned(), clean.clone()),
            // No kind in the path: the content tells it.
            ("data/07.2025/batch.json".to_owned(), clean.clone()),
            ("-".to_owned(), generated(3)),
            (ORDERS.to_owned(), "[]".to_owned()),
            (ORDERS.to_owned(), " [ \n ] \n".to_owned()),
            (
                ORDERS.to_owned(),
                format!("{},]", clean.trim_end().trim_end_matches(']')),
            ),
            (ORDERS.to_owned(), clean.replacen("},\n{", "}\n{", 1)),
            (ORDERS.to_owned(), format!("{clean} x")),
            (
                ORDERS.to_owned(),
                r#"[1, "a", null, {"id": "1"}, [], true]"#.to_owned(),
            ),
            (
                ORDERS.to_owned(),
                format!("[{}1{}]", "[".repeat(80), "]".repeat(80)),
            ),
            (
                "data/07.2025/refunds/refunds.json".to_owned(),
                r#"[{"id": "R1", "lineItems": []}, {"id": "R1", "lineItems": []}]"#.to_owned(),
            ),
            (
                "data/07.2025/cogs/cogs.json".to_owned(),
                r#"[{"orderId": "1", "sku": "A", "productCogs": 1}]"#.to_owned(),
            ),
        ];
        let pretty: Value = serde_json::from_str(&generated(40)).unwrap();
        docs.push((
            ORDERS.to_owned(),
            serde_json::to_string_pretty(&pretty).unwrap(),
        ));
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
        let mut stack = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    let bytes = std::fs::read(&path).unwrap();
                    let name = path.strip_prefix(root).unwrap().display().to_string();
                    docs.push((name, String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
        }
        docs
    }

    #[test]
    fn streamed_arrays_report_exactly_what_the_whole_document_path_reports() {
        let docs = documents();
        let mut streamed = 0;
        for (name, config) in configs() {
            let parallel = linter(config.clone(), true);
            let sequential = linter(config, false);
            for (path, text) in &docs {
                let whole = sequential.lint_document_with(path, text.as_bytes(), false);
                for (how, l) in [("parallel", &parallel), ("sequential", &sequential)] {
                    let report = l.lint_document_with(path, text.as_bytes(), true);
                    assert_eq!(
                        format!("{report:#?}"),
                        format!("{whole:#?}"),
                        "{path} ({name}, {how})"
                    );
                }
                streamed += usize::from(parallel.lint_array_streamed(path, text).is_some());
            }
        }
        // The generated batches with a version in the path take the streamed path.
        assert!(streamed >= 3 * 8, "streamed {streamed}");
    }

    #[test]
    fn the_whole_document_path_is_the_same_in_parallel_and_in_sequence() {
        for (name, config) in configs() {
            let parallel = linter(config.clone(), true);
            let sequential = linter(config, false);
            for (path, text) in documents() {
                let a = parallel.lint_document_with(&path, text.as_bytes(), false);
                let b = sequential.lint_document_with(&path, text.as_bytes(), false);
                assert_eq!(format!("{a:#?}"), format!("{b:#?}"), "{path} ({name})");
            }
        }
    }

    fn json_lines() -> Vec<(String, Vec<u8>)> {
        let clean = orders(700, true);
        let path = "data/07.2025/orders/orders.jsonl".to_owned();
        let mut broken = clean
            .replace(r#""id":"200000020""#, r#""id":"200000002""#)
            .replace(r#""id":"200000650""#, r#""id":"200000002""#)
            .replacen(r#""createdAt":"#, r#""cancelledAt":0,"createdAt":"#, 40)
            .replacen('\n', "\n\n  \n", 3)
            .replacen('\n', "\n{\"id\": \n", 1)
            .replacen('\n', "\n[1, 2]\n", 1)
            .into_bytes();
        broken.extend_from_slice(b"{\"id\": \"x\xFF\"}\n");
        broken.extend_from_slice(b"{\"a\": 1, \"a\": 2}\r\n");
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(clean.as_bytes());
        vec![
            (path.clone(), clean.clone().into_bytes()),
            (path.clone(), broken.clone()),
            (path.clone(), bom),
            // The kind from the content, after records that cannot tell it.
            (
                "data/07.2025/export.jsonl".to_owned(),
                [b"{\"x\": 1}\n[]\n".as_slice(), clean.as_bytes()].concat(),
            ),
            ("data/export.jsonl".to_owned(), broken),
            (path.clone(), Vec::new()),
            (path, b"\n \n".to_vec()),
        ]
    }

    #[test]
    fn json_lines_chunks_do_not_change_the_report() {
        for (name, config) in configs() {
            let parallel = linter(config.clone(), true);
            let sequential = linter(config, false);
            for (path, bytes) in json_lines() {
                // One record at a time, in order: the loop as it was before chunks.
                let one = sequential.lint_jsonl_chunked(&path, std::io::Cursor::new(&bytes), 1, 1);
                if name == "default" && path.ends_with("orders.jsonl") && bytes.len() > 9 {
                    // Records far apart, in different chunks, still see each other's ids.
                    let repeats = one
                        .diagnostics
                        .iter()
                        .filter(|d| d.rule() == "duplicate-id")
                        .count();
                    let broken = bytes.windows(3).any(|w| w == b"[1,");
                    assert_eq!(repeats, if broken { 2 } else { 0 }, "{path}");
                }
                for (records, bytes_per_chunk) in
                    [(3, usize::MAX), (1000, 1000), (CHUNK_OBJECTS, CHUNK_BYTES)]
                {
                    for l in [&parallel, &sequential] {
                        let report = l.lint_jsonl_chunked(
                            &path,
                            std::io::Cursor::new(&bytes),
                            records,
                            bytes_per_chunk,
                        );
                        assert_eq!(
                            format!("{report:#?}"),
                            format!("{one:#?}"),
                            "{path} ({name}, chunks of {records} / {bytes_per_chunk})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn split_array_finds_the_elements_or_declines() {
        let elements = |text: &str| -> Option<Vec<String>> {
            split_array(text).map(|s| {
                s.elements
                    .iter()
                    .map(|&(a, b)| text[a..b].to_owned())
                    .collect()
            })
        };
        assert_eq!(elements("[]"), Some(vec![]));
        assert_eq!(elements(" \n[ \t]\r\n"), Some(vec![]));
        assert_eq!(
            elements(r#"[1,-2.5e3 , "a\"]}," ,{"k":[1,{"x":"]"}]},[[]],true,null]"#),
            Some(
                [
                    "1",
                    "-2.5e3",
                    r#""a\"]},""#,
                    r#"{"k":[1,{"x":"]"}]}"#,
                    "[[]]",
                    "true",
                    "null"
                ]
                .map(str::to_owned)
                .to_vec()
            )
        );
        assert_eq!(
            elements("[\"é\\\\\", {}]"),
            Some(vec!["\"é\\\\\"".to_owned(), "{}".to_owned()])
        );
        for declined in [
            "", "{}", "[", "[1", "[1,]", "[,1]", "[1 2]", "[1] x", "[1]]", "[{]", "[\"a]",
            "[{} {}]", "x[1]", "[1,,2]",
        ] {
            assert!(elements(declined).is_none(), "{declined:?}");
        }
        assert_eq!(split_array("[[[1]], 2]").map(|s| s.max_depth), Some(3));
    }
}
