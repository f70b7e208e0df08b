//! `--format concise`: one line per finding, `path:line:column: severity[rule] message`.

use std::io::{self, Write};

use super::{summary_line, Reporter, Summary};
use crate::linter::FileReport;

/// One line per finding.
#[derive(Debug, Default)]
pub struct Concise;

impl Reporter for Concise {
    fn file(&mut self, out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
        for d in &report.diagnostics {
            writeln!(
                out,
                "{}:{}:{}: {}[{}] {}",
                report.path,
                d.line.unwrap_or(1),
                d.column.unwrap_or(1),
                d.severity,
                d.rule(),
                d.message
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        writeln!(out, "{}", summary_line(summary))
    }
}
