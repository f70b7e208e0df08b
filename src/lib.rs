//! klar-lint: checks order data for the Klar data-import API before it is sent, offline.
//!
//! The library checks and never prints, never exits and never panics on input: build a
//! [`Linter`] from a [`Config`] (in code or from a `klar-lint.toml` string), lint a string,
//! bytes, a path, any reader, or JSON Lines from a buffered reader, and read the typed
//! [`Report`]: diagnostics with rule, severity, JSON Pointer, line, column, message and help,
//! plus the revenue recomputed the way Klar computes it.
//!
//! ```
//! use klar_lint::{Config, Linter, PayloadKind, Severity};
//!
//! let linter = Linter::new(Config::default().with_kind(PayloadKind::Orders)).unwrap();
//! let report = linter.lint_str("orders.json", r#"[{"id": "1", "createdAt": 1678376546,
//!     "currencyCodeIso3Letter": "EUR", "lineItems": [{"id": "a", "productGmv": "3.50", "quantity": 1}]}]"#);
//! // The schema reports the quoted price; the rules check the rest of the order too.
//! let d = report.diagnostics.iter().find(|d| d.rule() == "schema").unwrap();
//! assert_eq!(d.severity, Severity::Error);
//! assert_eq!(d.pointer.as_str(), "/0/lineItems/0/productGmv");
//! assert_eq!((d.line, d.column), (Some(2), Some(78)));
//! assert!(d.help.is_some());
//! ```
//!
//! A configuration from TOML, as `klar-lint.toml` holds it, with a per-path override:
//!
//! ```
//! use klar_lint::{Config, Linter, Severity};
//!
//! let config = Config::from_toml_str(r#"
//!     [rules]
//!     unknown-field = "error"
//!     [[overrides]]
//!     paths = ["legacy/**"]
//!     rules = { unknown-field = "off" }
//! "#).unwrap();
//! let linter = Linter::new(config).unwrap();
//! let body = r#"{"items": [{"orderId": "1", "lineItemId": "a", "productCogs": 1.5, "note": "x"}]}"#;
//! let current = linter.lint_str("exports/cogs.json", body);
//! assert_eq!(current.diagnostics[0].rule(), "unknown-field");
//! assert_eq!(current.diagnostics[0].severity, Severity::Error);
//! assert!(linter.lint_str("legacy/cogs.json", body).diagnostics.is_empty());
//! ```
//!
//! JSON Lines stream record by record from any [`std::io::BufRead`]; pointers start with the
//! record's index:
//!
//! ```
//! use klar_lint::{Config, Linter, PayloadKind};
//!
//! let linter = Linter::new(Config::default().with_kind(PayloadKind::Cogs)).unwrap();
//! let lines = "{\"orderId\": \"1\", \"lineItemId\": \"a\", \"productCogs\": 1.5}\n{\"orderId\": 2}\n";
//! let report = linter.lint_lines("cogs.jsonl", lines.as_bytes());
//! assert_eq!(report.objects, 2);
//! assert!(report.diagnostics.iter().all(|d| d.pointer.as_str().starts_with("/1")));
//! ```
//!
//! A [`Linter`] is `Send + Sync`, and its embedded schemas are generated at build time (a
//! `--schemas` override compiles once, on first use): build one and share it across threads.
//!
//! ```
//! use std::sync::Arc;
//! use klar_lint::{Config, Linter};
//!
//! let linter = Arc::new(Linter::new(Config::default()).unwrap());
//! let handles: Vec<_> = (0..4)
//!     .map(|i| {
//!         let linter = Arc::clone(&linter);
//!         std::thread::spawn(move || linter.lint_str(&format!("orders-{i}.json"), "[]").diagnostics.len())
//!     })
//!     .collect();
//! for h in handles {
//!     assert_eq!(h.join().unwrap(), 1); // an empty batch
//! }
//! ```
#![warn(missing_docs)]

pub mod codes;
pub mod config;
pub mod diagnostic;
pub mod fix;
pub mod iso;
pub mod json;
pub mod linter;
pub mod money;
pub mod payload;
mod pipeline;
#[cfg(feature = "python")]
mod python;
mod references;
pub mod render;
pub mod revenue;
pub mod rule;
pub mod rules;
pub mod run;
pub mod schema;
mod seen_ids;
pub mod split;
pub mod status;
pub mod view;

pub use config::{Config, ConfigError, RuleLevel};
pub use diagnostic::{Diagnostic, Label, Severity};
pub use json::Pointer;
pub use linter::{FileReport, Linter, Source, Truncated};

pub use payload::{ApiVersion, PayloadKind};
pub use revenue::Revenue;
pub use rule::{Category, RuleMeta};
pub use run::Run;

/// The typed result of linting one file: an alias of [`FileReport`].
pub type Report = FileReport;

/// A [`Linter`] is shared across threads; this fails to compile if it ever stops being so.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Linter>();
    assert_send_sync::<Report>();
};
