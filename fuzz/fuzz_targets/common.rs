//! What every fuzz target checks on a report: the linter did not fail (a panic caught by its
//! guard shows up as `internal-error`), the per-file limit holds, and every location is inside
//! the input and in order.

use klar_lint::{Config, FileReport, Linter, PayloadKind};

#[allow(dead_code)] // used by lint_bytes only
/// Linters for each way a file can be told: auto-detected, and each kind forced.
pub fn linters() -> Vec<Linter> {
    let mut out = vec![Linter::new(Config::default()).unwrap()];
    for kind in PayloadKind::ALL {
        out.push(Linter::new(Config::default().with_kind(kind)).unwrap());
    }
    out
}

pub fn check(report: &FileReport, input_len: usize) {
    assert!(
        !report.has_internal_error(),
        "internal error: {:?}",
        report.diagnostics
    );
    assert!(report.diagnostics.len() <= Config::default().max_diagnostics_per_file);
    let mut last = (0, 0);
    for d in &report.diagnostics {
        if let Some(span) = d.span {
            assert!(span.start <= span.end && span.end <= input_len, "{d:?}");
            assert!(d.line.is_some() && d.column.is_some(), "{d:?}");
        }
        let here = (d.line.unwrap_or(0), d.column.unwrap_or(0));
        assert!(
            here >= last,
            "findings out of order: {:?}",
            report.diagnostics
        );
        last = here;
    }
}
