//! `Linter`: the per-file pipeline (read, parse, tell kind and version, envelope, schema per
//! object, rules, revenue, spans only when there are findings) and the JSON Lines record loop.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::codes;
use crate::config::{Config, ConfigError, RuleLevel};
use crate::diagnostic::{Anchor, Diagnostic, Severity};
use crate::json::{parse_document, LineIndex, Pointer, Span, SpanIndex};
use crate::payload::{self, ApiVersion, PayloadKind};
use crate::revenue::Revenue;
use crate::rule::{Context, FileState, Rule};
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
    /// Findings dropped beyond the per-file limit (none unless the limit is reached).
    pub truncated: usize,
    /// Revenue recomputed from the objects that passed their schema.
    pub revenue: Revenue,
    /// Text kept for rendering snippets (empty for clean files).
    pub sources: Vec<SourceChunk>,
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
            truncated: 0,
            revenue: Revenue::default(),
            sources: Vec::new(),
        }
    }

    /// Findings at a severity.
    #[must_use]
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Whether any finding is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
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

/// Checks payloads. Build it once and reuse it: schemas compile once, on first use, and a
/// `Linter` is `Send + Sync`, so threads can share one.
#[derive(Debug)]
pub struct Linter {
    config: Config,
    schemas: SchemaSet,
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
        Ok(Self { config, schemas })
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
            return self.lint_jsonl(name, BufReader::new(decoder));
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
        let metadata = match std::fs::metadata(path) {
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
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                return io_error(
                    format!("cannot read `{name}`: {}", io_message(&e)),
                    "check the path and its permissions",
                )
            }
        };
        if is_json_lines(path) {
            return self.lint_jsonl(name, BufReader::new(file));
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
        let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
        if let Err(e) = BufReader::new(file).read_to_end(&mut bytes) {
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
        let mut report = FileReport::new(path);
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let lossy: Arc<str> = String::from_utf8_lossy(bytes).into();
                let at = e.valid_up_to();
                let mut d = Diagnostic::new(
                    &codes::INVALID_JSON,
                    Pointer::root(),
                    format!(
                        "the file is not UTF-8: invalid byte 0x{:02X} at byte {at}",
                        bytes.get(at).copied().unwrap_or(0)
                    ),
                )
                .with_help(utf8_help(bytes));
                let index = LineIndex::new(&lossy);
                // The lossy text has the same prefix up to the bad byte.
                set_span(
                    &mut d,
                    Span {
                        start: at,
                        end: at + 1,
                    },
                    &index,
                    &lossy,
                );
                report.diagnostics.push(d);
                report.sources.push(SourceChunk {
                    offset: 0,
                    first_line: 1,
                    text: lossy,
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
        report.objects = objects.len();
        let mut state = FileState::default();
        let before_objects = diagnostics.len();
        for (i, object) in objects.iter().enumerate() {
            // Objects come in text order, so once the objects before this one have filled the
            // per-file limit, none of this one's findings can be among the first kept: count
            // them and let them go, so a million bad objects cannot exhaust memory.
            let full = diagnostics.len() - before_objects >= self.config.max_diagnostics_per_file;
            let before = diagnostics.len();
            let ptr = if objects.len() == 1 && base.is_none() {
                Pointer::root()
            } else {
                base.clone().unwrap_or_default().index(i)
            };
            if let Err(e) = self.check_object(
                version,
                kind,
                object,
                ptr,
                &mut diagnostics,
                &mut state,
                &mut report.revenue,
            ) {
                diagnostics.push(schema_failure(&e));
                break;
            }
            if full {
                let mut dropped = diagnostics.split_off(before);
                self.apply_levels(&mut dropped, path);
                report.truncated += dropped.len();
            }
        }
        self.finish_document(&mut report, diagnostics, text);
        report
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
        let items = document
            .as_object()
            .and_then(|o| o.get("items"))
            .and_then(Value::as_array);
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
            (Value::Object(_), Some(array)) => {
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
                (array.iter().collect(), Some(Pointer::root().key("items")))
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
            if objects.is_empty() {
                out.push(
                    Diagnostic::new(
                        &codes::EMPTY_BATCH,
                        array_ptr.clone(),
                        format!("the batch holds no {kind}"),
                    )
                    .with_anchor(Anchor::Start)
                    .with_help("skip the request when there is nothing to send"),
                );
            } else if objects.len() > self.config.max_batch_size {
                out.push(
                    Diagnostic::new(
                        &codes::BATCH_SIZE,
                        array_ptr.clone(),
                        format!(
                            "the batch holds {} objects; one request takes at most {}",
                            objects.len(),
                            self.config.max_batch_size
                        ),
                    )
                    .with_anchor(Anchor::Start)
                    .with_help(format!(
                        "split it into {} requests",
                        objects.len().div_ceil(self.config.max_batch_size.max(1))
                    )),
                );
            }
        }
        (objects, base)
    }

    /// Schema, then rules, then revenue, for one top-level object.
    #[allow(clippy::too_many_arguments)]
    fn check_object(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
        object: &Value,
        ptr: Pointer,
        out: &mut Vec<Diagnostic>,
        state: &mut FileState,
        revenue: &mut Revenue,
    ) -> Result<(), SchemaError> {
        let first = out.len();
        if !self.schemas.validate(version, kind, object, &ptr, out)? {
            return Ok(());
        }
        let Some(map) = object.as_object() else {
            return Ok(());
        };
        let mut reader = Reader {
            issues: out,
            bundles: version == ApiVersion::V07_2025,
        };
        let rules = rules::ALL
            .iter()
            .filter(|r| r.meta().applies_to(version, kind));
        match kind {
            PayloadKind::Orders => {
                let order = Order::read(&mut reader, map, ptr);
                self.run(rules, version, kind, out, state, |rule, cx| {
                    rule.check_order(&order, cx);
                });
                revenue.add_order(&order, &self.config.status_mapping);
            }
            PayloadKind::Refunds => {
                let refund = Refund::read(&mut reader, map, ptr);
                self.run(rules, version, kind, out, state, |rule, cx| {
                    rule.check_refund(&refund, cx);
                });
            }
            PayloadKind::Cogs | PayloadKind::LogisticsCosts | PayloadKind::TransactionCosts => {
                let cost = Cost::read(&mut reader, kind, map, ptr);
                self.run(rules, version, kind, out, state, |rule, cx| {
                    rule.check_cost(&cost, cx);
                });
                revenue.add_cost(&cost);
            }
        }
        drop_derived(out, first);
        Ok(())
    }

    fn run<'r>(
        &self,
        rules: impl Iterator<Item = &'r &'static dyn Rule>,
        version: ApiVersion,
        kind: PayloadKind,
        out: &mut Vec<Diagnostic>,
        state: &mut FileState,
        mut check: impl FnMut(&dyn Rule, &mut Context<'_>),
    ) {
        for rule in rules {
            let meta = rule.meta();
            // Severities per file are set by `apply_levels`; a rule off in `[rules]` still runs
            // when an `[[overrides]]` table turns it on somewhere.
            let severity = match self.config.level(meta) {
                RuleLevel::On(severity) => severity,
                RuleLevel::Off if self.config.runs_somewhere(meta) => meta.severity,
                RuleLevel::Off => continue,
            };
            let mut cx = Context {
                meta,
                severity,
                config: &self.config,
                version,
                kind,
                diagnostics: out,
                state,
            };
            check(*rule, &mut cx);
        }
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
            report.truncated += cap_by_offset(
                &mut diagnostics,
                &spans,
                self.config.max_diagnostics_per_file,
            );
        }
        resolve(&mut diagnostics, &spans, &lines, text, 0, 0);
        report.diagnostics.extend(diagnostics);
        sort(&mut report.diagnostics);
        self.cap(report);
        report.sources.push(SourceChunk {
            offset: 0,
            first_line: 1,
            text: text.into(),
        });
    }

    /// Keeps the first `max-diagnostics-per-file` findings and counts the rest.
    fn cap(&self, report: &mut FileReport) {
        let max = self.config.max_diagnostics_per_file;
        if report.diagnostics.len() > max {
            report.truncated += report.diagnostics.len() - max;
            report.diagnostics.truncate(max);
        }
    }

    /// Sets each finding's severity from `[rules]` and the `[[overrides]]` matching `path`.
    fn apply_levels(&self, diagnostics: &mut Vec<Diagnostic>, path: &str) {
        let path = Path::new(path);
        diagnostics.retain_mut(|d| match self.config.level_for(d.code, path) {
            _ if codes::is_fixed(d.code) => true,
            RuleLevel::Off => false,
            RuleLevel::On(severity) => {
                d.severity = severity;
                true
            }
        });
        dedup(diagnostics);
    }

    fn lint_jsonl<R: BufRead>(&self, path: &str, mut reader: R) -> FileReport {
        let mut report = FileReport::new(path);
        let (forced_kind, kind_source) = self.detect_kind(path, None);
        let mut kind = forced_kind;
        report.kind = kind;
        report.kind_source = kind_source;
        let mut version: Option<(ApiVersion, Source)> = None;
        let mut state = FileState::default();
        let mut buf = Vec::new();
        let mut offset = 0usize;
        let mut line_no = 0usize;
        let mut record = 0usize;
        loop {
            buf.clear();
            let read = match reader.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    report.diagnostics.push(
                        Diagnostic::new(
                            &codes::IO_ERROR,
                            Pointer::root(),
                            format!("reading stopped after line {line_no}: {}", io_message(&e)),
                        )
                        .with_help("check the file; the lines before this point were checked"),
                    );
                    break;
                }
            };
            line_no += 1;
            let line_start = offset;
            offset += read;
            let mut bytes = buf.as_slice();
            let mut skipped = 0;
            if line_no == 1 {
                if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
                    bytes = rest;
                    skipped = 3;
                }
            }
            let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let base = line_start + skipped;
            let ptr = Pointer::root().index(record);
            record += 1;
            let mut diagnostics = Vec::new();
            let text: std::borrow::Cow<'_, str> = match std::str::from_utf8(bytes) {
                Ok(t) => t.into(),
                Err(e) => {
                    let at = e.valid_up_to();
                    let lossy: String = String::from_utf8_lossy(bytes).into_owned();
                    let mut d = Diagnostic::new(
                        &codes::INVALID_JSON,
                        ptr,
                        format!(
                            "record {} is not UTF-8: invalid byte 0x{:02X}",
                            record - 1,
                            bytes.get(at).copied().unwrap_or(0)
                        ),
                    )
                    .with_help(utf8_help(bytes));
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
                    self.push_record(&mut report, vec![d], &lossy, base, line_no, false);
                    continue;
                }
            };
            let parsed = match parse_document(&text) {
                Ok(p) => p,
                Err(e) => {
                    let index = LineIndex::new(&text);
                    let at = index.offset_of(&text, e.line(), e.column());
                    let mut d = Diagnostic::new(
                        &codes::INVALID_JSON,
                        ptr,
                        format!("record {}: {}", record - 1, syntax_message(&e)),
                    )
                    .with_help(syntax_help(&e, &text, at));
                    set_span(
                        &mut d,
                        Span {
                            start: at,
                            end: (at + 1).min(text.len()).max(at),
                        },
                        &index,
                        &text,
                    );
                    self.push_record(&mut report, vec![d], &text, base, line_no, false);
                    continue;
                }
            };
            if parsed.has_duplicate_keys {
                duplicate_keys(&text, &mut diagnostics);
                for d in &mut diagnostics {
                    d.pointer = d.pointer.prefixed_with_index(record - 1);
                    for l in &mut d.labels {
                        l.pointer = l.pointer.prefixed_with_index(record - 1);
                    }
                }
            }
            if kind.is_none() {
                if let Some(k) = payload::sniff_object(&parsed.value) {
                    kind = Some(k);
                    report.kind = kind;
                    report.kind_source = Some(Source::Content);
                }
            }
            let Some(kind) = kind else {
                diagnostics.push(
                    Diagnostic::new(&codes::UNKNOWN_KIND, ptr, "cannot tell which kind of payload this record is")
                        .with_help("pass `--kind orders|refunds|...`, put the kind in the file name, or map a glob in klar-lint.toml's [kinds]"),
                );
                self.push_record(&mut report, diagnostics, &text, base, line_no, true);
                continue;
            };
            let (v, source) =
                *version.get_or_insert_with(|| self.detect_version(path, &[&parsed.value]));
            report.api_version = Some(v);
            report.version_source = Some(source);
            report.objects += 1;
            if !parsed.value.is_object() {
                diagnostics.push(
                    Diagnostic::new(
                        &codes::BODY_SHAPE,
                        ptr.clone(),
                        format!(
                            "a JSON Lines record is one object, found {}",
                            crate::diagnostic::describe(&parsed.value)
                        ),
                    )
                    .with_help("write one object per line"),
                );
            } else if let Err(e) = self.check_object(
                v,
                kind,
                &parsed.value,
                ptr.clone(),
                &mut diagnostics,
                &mut state,
                &mut report.revenue,
            ) {
                report.diagnostics.push(schema_failure(&e));
                break;
            }
            // Record pointers start at `/{record}`; spans are resolved against the record text.
            self.push_record(&mut report, diagnostics, &text, base, line_no, true);
        }
        if record == 0 && report.diagnostics.is_empty() {
            report.diagnostics.push(
                Diagnostic::new(&codes::INVALID_JSON, Pointer::root(), "the file is empty")
                    .with_help("a JSON Lines file holds one object per line"),
            );
        }
        sort(&mut report.diagnostics);
        report
    }

    /// Resolves one record's findings against its text and keeps the text if there are any.
    fn push_record(
        &self,
        report: &mut FileReport,
        mut diagnostics: Vec<Diagnostic>,
        text: &str,
        base: usize,
        line_no: usize,
        record_pointers: bool,
    ) {
        self.apply_levels(&mut diagnostics, &report.path);
        if diagnostics.is_empty() {
            return;
        }
        let room = self
            .config
            .max_diagnostics_per_file
            .saturating_sub(report.diagnostics.len());
        if diagnostics.len() > room {
            report.truncated += diagnostics.len() - room;
            diagnostics.truncate(room);
            if diagnostics.is_empty() {
                return;
            }
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
                if let Some(span) = label.span.as_mut() {
                    span.start += base;
                    span.end += base;
                }
                if let Some(line) = label.line.as_mut() {
                    *line += line_no - 1;
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
    }
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
    match catch_unwind(AssertUnwindSafe(|| {
        #[cfg(feature = "fault-injection")]
        inject_fault(path);
        f()
    })) {
        Ok(report) => report,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            let mut report = FileReport::new(path);
            report.diagnostics.push(
                Diagnostic::new(&codes::INTERNAL_ERROR, Pointer::root(), format!("klar-lint failed on this file: {what}"))
                    .with_help("this is a bug in klar-lint; please report it with the file (or a redacted copy)"),
            );
            report
        }
    }
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
fn cap_by_offset(diagnostics: &mut Vec<Diagnostic>, spans: &SpanIndex<'_>, max: usize) -> usize {
    let offsets: Vec<Option<usize>> = diagnostics
        .iter()
        .map(|d| d.span.or_else(|| locate(d, spans)).map(|s| s.start))
        .collect();
    let mut order: Vec<usize> = (0..diagnostics.len()).collect();
    order.sort_by(|&a, &b| {
        let (Some(da), Some(db)) = (diagnostics.get(a), diagnostics.get(b)) else {
            return a.cmp(&b);
        };
        (offsets.get(a), da.code.name, da.pointer.as_str()).cmp(&(
            offsets.get(b),
            db.code.name,
            db.pointer.as_str(),
        ))
    });
    let dropped = diagnostics.len().saturating_sub(max);
    let mut keep = vec![false; diagnostics.len()];
    for &i in order.iter().take(max) {
        if let Some(k) = keep.get_mut(i) {
            *k = true;
        }
    }
    let mut index = 0;
    diagnostics.retain(|_| {
        let kept = keep.get(index).copied().unwrap_or(false);
        index += 1;
        kept
    });
    dropped
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
