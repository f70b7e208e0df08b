#![warn(missing_docs)]
//! klar-lint: checks order data for the Klar data-import API before it is sent, offline.
//!
//! The library checks and never prints: build a [`Linter`] from a [`Config`], lint bytes, a
//! string, a path or JSON Lines from a reader, and read the typed [`FileReport`].
//!
//! ```
//! use klar_lint::{Config, Linter, PayloadKind};
//!
//! let linter = Linter::new(Config::default().with_kind(PayloadKind::Orders)).unwrap();
//! let report = linter.lint_str("orders.json", r#"[{"id": "1", "createdAt": 1678376546,
//!     "currencyCodeIso3Letter": "EUR", "lineItems": [], "cancelledAt": 0}]"#);
//! assert!(report.diagnostics.iter().any(|d| d.rule() == "zero-date"));
//! ```

pub mod codes;
pub mod config;
pub mod diagnostic;
pub mod iso;
pub mod json;
pub mod linter;
pub mod money;
pub mod payload;
pub mod render;
pub mod revenue;
pub mod rule;
pub mod rules;
pub mod schema;
pub mod status;
pub mod view;

pub use config::{Config, ConfigError, RuleLevel};
pub use diagnostic::{Diagnostic, Label, Severity};
pub use json::Pointer;
pub use linter::{FileReport, Linter, Source};
pub use payload::{ApiVersion, PayloadKind};
pub use revenue::Revenue;
pub use rule::{Category, RuleMeta};
