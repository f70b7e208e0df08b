//! `--fix`, `--unsafe-fixes` and `--diff` (docs/fixes.md): a file whose findings offer fixes is
//! read again, fixed by `Linter::fix` (lint, apply, lint again, until nothing changes), and
//! written atomically with its permissions (`output::write_file`), or shown as a unified diff
//! and left alone. The run then reports what is left.

use std::io::{self, Write};
use std::path::Path;

use klar_lint::fix::Applicability;
use klar_lint::{FileReport, Linter};

/// The checks across files: their findings come from the run, not from one file's lint, so
/// they are kept when a fixed file is linted again.
const ACROSS_FILES: [&str; 4] = [
    "unknown-order",
    "unknown-line-item",
    "over-refund",
    "conflicting-cost",
];

/// What the run was asked to fix, and what it did.
#[derive(Debug, Default)]
#[allow(clippy::struct_excessive_bools)] // Three switches and one outcome.
pub(crate) struct Fixing {
    /// `--fix` (or `--diff`, which writes nothing).
    pub(crate) on: bool,
    /// `--unsafe-fixes`.
    pub(crate) unsafe_fixes: bool,
    /// `--diff`: print what would change, write nothing.
    pub(crate) diff: bool,
    /// Findings fixed (or, with `--diff`, that would be).
    pub(crate) fixed: usize,
    /// Files changed (or that would be).
    pub(crate) files: usize,
    /// Files that could not be written: the run exits 2.
    pub(crate) failed: bool,
}

impl Fixing {
    /// Fixes the file behind `report` if its findings offer fixes to apply, writes it (or its
    /// diff to `out`), and replaces `report` with the lint of the fixed text.
    pub(crate) fn file(
        &mut self,
        linter: &Linter,
        path: &Path,
        report: &mut FileReport,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        if !self.on {
            return Ok(());
        }
        let wanted = report.diagnostics.iter().any(|d| {
            d.fix.as_ref().is_some_and(|f| {
                f.is_offered() && (self.unsafe_fixes || f.applicability == Applicability::Safe)
            })
        });
        if !wanted {
            return Ok(());
        }
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
        {
            let _ = writeln!(
                io::stderr().lock(),
                "warning: `{}` not fixed: klar-lint does not rewrite compressed files; decompress it, run `--fix` on it, and compress it again",
                report.path
            );
            return Ok(());
        }
        // Read again, whole: the lint may have streamed it. A file that changed into something
        // else since is linted again by `Linter::fix`, which fixes nothing that does not parse.
        let Ok(text) = std::fs::read(path).map(String::from_utf8) else {
            return Ok(());
        };
        let Ok(text) = text else { return Ok(()) };
        let result = linter.fix(&report.path, &text, self.unsafe_fixes);
        if result.fixed == 0 || result.text == text {
            return Ok(());
        }
        if self.diff {
            let diff = similar::TextDiff::from_lines(&text, &result.text);
            write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&report.path, &report.path)
            )?;
        } else if let Err(e) = crate::output::write_file(path, result.text.as_bytes(), &[]) {
            let _ = writeln!(
                io::stderr().lock(),
                "error: cannot write the fixes to `{}`: {e}",
                report.path
            );
            self.failed = true;
            return Ok(());
        }
        self.fixed += result.fixed;
        self.files += 1;
        if self.diff {
            return Ok(());
        }
        let mut fixed = result.report;
        // The findings across files stay; their places in the old text are gone.
        for mut d in std::mem::take(&mut report.diagnostics) {
            if ACROSS_FILES.contains(&d.rule()) {
                d.span = None;
                d.line = None;
                d.column = None;
                fixed.diagnostics.push(d);
            }
        }
        fixed.path = std::mem::take(&mut report.path);
        *report = fixed;
        Ok(())
    }

    /// The line on standard error after `--diff`: "Would fix 3 findings in 2 files.".
    pub(crate) fn diff_note(&self) {
        let line = if self.fixed == 0 {
            "No fixes to apply.".to_owned()
        } else {
            format!(
                "Would fix {} in {}.",
                klar_lint::render::plural(self.fixed, "finding"),
                klar_lint::render::plural(self.files, "file")
            )
        };
        let _ = writeln!(io::stderr().lock(), "{line}");
    }
}
