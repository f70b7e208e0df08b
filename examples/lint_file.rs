//! Lints the files named on the command line with the library and prints each finding, one per
//! line, the way a tool of your own would:
//!
//! ```sh
//! cargo run --example lint_file -- examples/broken/orders-wrong-type.json examples/payloads
//! ```
//!
//! Exits 1 when a file has an error finding.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use klar_lint::{Config, Linter, Report};

/// Prints one file's findings (or that it is clean); returns whether it has errors.
///
/// # Errors
/// When writing fails.
fn print_report(report: &Report, out: &mut dyn Write) -> io::Result<bool> {
    if report.diagnostics.is_empty() {
        writeln!(
            out,
            "{}: clean ({} objects, {})",
            report.path,
            report.objects,
            report.kind.map_or("unknown kind", |k| k.as_str())
        )?;
    }
    for d in &report.diagnostics {
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {} (at {})",
            report.path,
            d.line.unwrap_or(1),
            d.column.unwrap_or(1),
            d.severity,
            d.rule(),
            d.message,
            d.pointer
        )?;
        if let Some(help) = &d.help {
            writeln!(out, "  help: {help}")?;
        }
    }
    Ok(report.has_errors())
}

fn main() -> ExitCode {
    let paths: Vec<_> = std::env::args_os().skip(1).collect();
    let mut err = io::stderr().lock();
    if paths.is_empty() {
        let _ = writeln!(err, "usage: lint_file <FILE>...");
        return ExitCode::from(2);
    }
    // One linter for every file: schemas compile once, on first use.
    let linter = match Linter::new(Config::default()) {
        Ok(linter) => linter,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::from(2);
        }
    };
    let mut out = io::stdout().lock();
    let mut errors = false;
    for path in &paths {
        let report = linter.lint_path(Path::new(path));
        match print_report(&report, &mut out) {
            Ok(has_errors) => errors |= has_errors,
            Err(_) => return ExitCode::from(2),
        }
    }
    if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_each_finding_with_its_place() {
        let linter = Linter::new(Config::default()).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let report = linter.lint_path(&root.join("examples/broken/orders-wrong-type.json"));
        let mut out = Vec::new();
        assert!(print_report(&report, &mut out).unwrap());
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("orders-wrong-type.json:27:24: error[schema] `taxRate` must be a number"),
            "{text}"
        );
        assert!(
            text.contains("(at /0/lineItems/0/taxes/0/taxRate)"),
            "{text}"
        );

        let report = linter.lint_path(&root.join("examples/payloads/07.2025/cogs/cogs.json"));
        let mut out = Vec::new();
        assert!(!print_report(&report, &mut out).unwrap());
        assert!(String::from_utf8(out).unwrap().contains(": clean ("));
    }
}
