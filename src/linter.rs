//! The public face of the per-file pipeline: [`Linter`] and its `lint_*` entry points. The stages
//! themselves live in `src/pipeline/`, one module each; a run of many files is [`crate::Run`].

use std::io::{BufRead, Read};
use std::path::Path;

use crate::config::{Config, ConfigError};
use crate::fix::Applicability;
use crate::pipeline::{guard, Pipeline};
use crate::schema::SchemaSet;

pub use crate::pipeline::{install_panic_hook, FileReport, Source, SourceChunk, Truncated};

/// Checks payloads. Build it once and reuse it: schema overrides compile once, on first use,
/// and a `Linter` is `Send + Sync`, so threads can share one.
#[derive(Debug)]
pub struct Linter {
    pipeline: Pipeline,
}

impl Linter {
    /// A linter with this configuration.
    ///
    /// # Errors
    /// A schema override that cannot be read or compiled.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        Ok(Self {
            pipeline: Pipeline::new(config)?,
        })
    }

    /// The configuration in force.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.pipeline.config
    }

    /// Bytes this linter has read so far, over every file and thread: JSON Lines as they
    /// stream (decompressed bytes for `.gz`), a document file once it is read whole. What a
    /// progress bar advances by while one big JSON Lines file is checked.
    #[must_use]
    pub fn bytes_read(&self) -> u64 {
        self.pipeline
            .bytes_read
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The schemas in force.
    #[must_use]
    pub fn schemas(&self) -> &SchemaSet {
        &self.pipeline.schemas
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
        self.guarded(&name, |p| p.lint_path_inner(path, &name))
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
        self.guarded(path, |p| p.lint_document(path, bytes))
    }

    /// Lints a document given as a string.
    #[must_use]
    pub fn lint_str(&self, path: &str, text: &str) -> FileReport {
        self.lint_bytes(path, text.as_bytes())
    }

    /// Lints JSON Lines from a reader, one record at a time: memory stays at one record.
    #[must_use]
    pub fn lint_lines<R: BufRead>(&self, path: &str, reader: R) -> FileReport {
        self.guarded(path, |p| p.lint_jsonl(path, reader))
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
        self.guarded(path, |p| p.read_document(path, reader, "read"))
    }

    /// Lints a stream as the file `name` would be linted (standard input with
    /// `--stdin-filename`): gzip when it starts with gzip's magic number, JSON Lines (streamed)
    /// when `name` ends in `.jsonl` or `.ndjson` (before any `.gz`), one document otherwise.
    /// The kind and version are told from `name` as from a path.
    #[must_use]
    pub fn lint_named<R: BufRead>(&self, name: &str, reader: R) -> FileReport {
        self.guarded(name, |p| p.lint_named(name, reader))
    }

    /// Applies the fixes of `text`'s findings, ruff's way: lint, apply every offered fix whose
    /// edits do not overlap one applied before (safe ones; unsafe ones too when
    /// `unsafe_fixes`), lint the new text again, and repeat until nothing changes, at most
    /// [`crate::fix::MAX_PASSES`] times. `name` is linted as [`Linter::lint_named`] would
    /// (kind and version from it; JSON Lines when it ends in `.jsonl` or `.ndjson`); `text` is
    /// the file's text, already decompressed. A text that does not parse is returned as it
    /// is: a fix never runs on a file that did not parse. A leading BOM is kept.
    ///
    /// ```
    /// use klar_lint::{Config, Linter};
    ///
    /// let linter = Linter::new(Config::default()).unwrap();
    /// let text = "[{\"id\": \"1\", \"createdAt\": 1678376546, \"currencyCodeIso3Letter\": \"EUR\",\n  \"lineItems\": [], \"cancelledAt\": 0}]\n";
    /// let fixed = linter.fix("orders.json", text, false);
    /// assert_eq!(fixed.fixed, 1);
    /// assert_eq!(fixed.text, "[{\"id\": \"1\", \"createdAt\": 1678376546, \"currencyCodeIso3Letter\": \"EUR\",\n  \"lineItems\": []}]\n");
    /// assert!(fixed.report.diagnostics.iter().all(|d| d.rule() != "zero-date"));
    /// ```
    #[must_use]
    pub fn fix(&self, name: &str, text: &str, unsafe_fixes: bool) -> FixResult {
        let (bom, body) = match text.strip_prefix('\u{feff}') {
            Some(rest) => ("\u{feff}", rest),
            None => ("", text),
        };
        let lint = |t: &str| self.lint_named(name, t.as_bytes());
        let mut report = lint(body);
        let mut current = body.to_owned();
        let mut fixed = 0;
        let mut passes = 0;
        if !parsed(&report) {
            return FixResult {
                text: text.to_owned(),
                fixed,
                passes,
                report,
            };
        }
        while passes < crate::fix::MAX_PASSES {
            let wanted = report
                .diagnostics
                .iter()
                .filter_map(|d| d.fix.as_ref())
                .filter(|f| {
                    f.is_offered() && (unsafe_fixes || f.applicability == Applicability::Safe)
                });
            let applied = crate::fix::apply(&current, wanted);
            if applied.fixed == 0 || applied.text == current {
                break;
            }
            let next = lint(&applied.text);
            if !parsed(&next) {
                // A fix that broke the syntax is a bug: keep the last text that parsed.
                break;
            }
            passes += 1;
            fixed += applied.fixed;
            current = applied.text;
            report = next;
        }
        FixResult {
            text: format!("{bom}{current}"),
            fixed,
            passes,
            report,
        }
    }

    /// Runs one file's lint under the panic guard: a bug becomes that file's `internal-error`.
    fn guarded(&self, path: &str, lint: impl FnOnce(&Pipeline) -> FileReport) -> FileReport {
        guard(path, || {
            #[cfg(feature = "fault-injection")]
            inject_fault(path);
            lint(&self.pipeline)
        })
    }
}

/// What [`Linter::fix`] did to one file's text.
#[derive(Clone, Debug)]
pub struct FixResult {
    /// The text with the fixes applied (the text given when none was).
    pub text: String,
    /// Findings fixed, over every pass.
    pub fixed: usize,
    /// Passes that changed the text (at most [`crate::fix::MAX_PASSES`]).
    pub passes: usize,
    /// The lint of the fixed text: the findings that remain.
    pub report: FileReport,
}

impl FixResult {
    /// Remaining findings whose fix is unsafe (offered with `--unsafe-fixes`).
    #[must_use]
    pub fn unsafe_available(&self) -> usize {
        fixable(&self.report, Applicability::Unsafe)
    }
}

/// Findings of `report` that offer a fix of this applicability.
#[must_use]
pub fn fixable(report: &FileReport, applicability: Applicability) -> usize {
    report
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| f.is_offered() && f.applicability == applicability)
        .count()
}

/// Whether a file's lint got past parsing: no syntax, encoding, read or internal error.
fn parsed(report: &FileReport) -> bool {
    !report.diagnostics.iter().any(|d| {
        d.code == &crate::codes::INVALID_JSON
            || d.code == &crate::codes::IO_ERROR
            || d.code == &crate::codes::INTERNAL_ERROR
    })
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
