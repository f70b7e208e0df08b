//! One file's way through the linter, a room per stage (STYLE.md §2.3), from the top:
//!
//! - `source`: a path (opened without blocking, regular files only, `max-file-size`), gzip, a
//!   reader; then on to `jsonl` (`.jsonl`, `.ndjson`) or `document`.
//! - `document`: one JSON document: UTF-8, empty file, syntax error, kind and version, envelope,
//!   then its objects chunk by chunk; a large top-level array goes to `stream` first.
//! - `stream`: a large array's elements found by a scan, parsed and checked chunk by chunk.
//! - `jsonl`: JSON Lines records, read in chunks, checked in parallel, completed in file order.
//! - `envelope`: the payload kind and API version, and the body's shape around the objects.
//! - `object`: schema, rules and revenue for one object; completing a chunk in file order.
//! - `finish`: levels, dedup, derived findings, the per-file cap, spans, order.
//! - beneath them: `decode` (bytes to text to tree, and those findings), `locate` (pointers to
//!   spans to lines), `report` (`FileReport`, the per-file limit), `guard` (a panic becomes an
//!   `internal-error` finding), `tap` (each object with its text and findings, for `split`).
//!
//! `Linter` (`src/linter.rs`) is the public face and `Pipeline` the engine: each stage adds its
//! methods to `Pipeline` in its own file, and uses only the stages below it
//! (`tests/architecture.rs` checks the order).

mod decode;
mod document;
mod envelope;
mod finish;
mod guard;
mod jsonl;
mod locate;
mod object;
mod report;
mod source;
mod stream;
pub(crate) mod tap;
#[cfg(test)]
mod tests;

pub(crate) use guard::guard;
pub use guard::install_panic_hook;
pub use report::{FileReport, Source, SourceChunk, Truncated};

use crate::config::{Config, ConfigError, RuleLevel};
use crate::diagnostic::Severity;
use crate::payload::{ApiVersion, PayloadKind};
use crate::rules;
use crate::schema::SchemaSet;

/// The engine behind [`crate::Linter`]: the configuration, the schemas and the rules in force,
/// worked out once. Each stage adds its methods in its own module.
#[derive(Debug)]
pub(crate) struct Pipeline {
    pub(crate) config: Config,
    pub(crate) schemas: SchemaSet,
    /// Per (version, kind): the rules that apply and are on, as (index in `rules::ALL`,
    /// severity), in registry order. Worked out once: the configuration does not change.
    active: Vec<Vec<(usize, Severity)>>,
    /// Whether chunks go to the thread pool (tests turn it off to compare).
    parallel: bool,
    /// Bytes read so far, over every file and thread: JSON Lines chunk by chunk as they stream,
    /// a document once read whole. A progress bar's measure (`Linter::bytes_read`).
    pub(crate) bytes_read: std::sync::atomic::AtomicU64,
}

impl Pipeline {
    /// The pipeline for this configuration.
    ///
    /// # Errors
    /// A schema override that cannot be read or compiled.
    pub(crate) fn new(config: Config) -> Result<Self, ConfigError> {
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
            bytes_read: std::sync::atomic::AtomicU64::new(0),
        })
    }
}

impl Pipeline {
    /// Counts `n` bytes read (see `bytes_read`).
    pub(crate) fn count_read(&self, n: usize) {
        self.bytes_read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Top-level objects checked per parallel step: enough to keep every core busy, few enough
/// that memory stays bounded (a step holds its objects' parsed values at once).
pub(crate) const CHUNK_OBJECTS: usize = 256;

/// ... and about this many bytes of their text.
pub(crate) const CHUNK_BYTES: usize = 1 << 20;

/// Fewer objects than this are checked on the calling thread: handing one order to the
/// thread pool costs more than checking it.
pub(crate) const PARALLEL_MIN: usize = 4;
