//! The public face of the per-file pipeline: [`Linter`] and its `lint_*` entry points. The stages
//! themselves live in `src/pipeline/`, one module each; a run of many files is [`crate::Run`].

use std::io::{BufRead, Read};
use std::path::Path;

use crate::config::{Config, ConfigError};
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

    /// Runs one file's lint under the panic guard: a bug becomes that file's `internal-error`.
    fn guarded(&self, path: &str, lint: impl FnOnce(&Pipeline) -> FileReport) -> FileReport {
        guard(path, || {
            #[cfg(feature = "fault-injection")]
            inject_fault(path);
            lint(&self.pipeline)
        })
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
