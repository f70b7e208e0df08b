//! `--format concise`: one line per finding, `path:line:column: severity[rule] message`.

use std::io::{self, Write};

use super::{statistics_table, summary_line, Reporter, Summary};
use crate::linter::FileReport;

/// One line per finding.
#[derive(Debug, Default)]
pub struct Concise {
    statistics: bool,
}

impl Concise {
    /// Prints the findings per rule before the summary line (`--statistics`).
    #[must_use]
    pub fn with_statistics(mut self, statistics: bool) -> Self {
        self.statistics = statistics;
        self
    }
}

impl Reporter for Concise {
    fn file(&mut self, out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
        for d in &report.diagnostics {
            writeln!(
                out,
                "{}:{}:{}: {}[{}] {}{}",
                super::escape_controls(&report.path),
                d.line.unwrap_or(1),
                d.column.unwrap_or(1),
                d.severity,
                d.rule(),
                super::fix_marker(d),
                super::escape_controls(&d.message)
            )?;
        }
        // Worked out only for a file with findings: a clean file must not pay for it.
        if let Some(read_as) = (!report.diagnostics.is_empty())
            .then(|| report.read_as())
            .flatten()
        {
            // No line and column: tools that read `path:line:column:` lines pass it by.
            writeln!(
                out,
                "{}: note: {}",
                super::escape_controls(&report.path),
                super::escape_controls(&read_as)
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        if self.statistics {
            statistics_table(out, summary)?;
        }
        writeln!(out, "{}", summary_line(summary))?;
        if let Some(line) = super::fixes_line(&summary.fixes) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}
