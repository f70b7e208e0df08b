//! `--format github`: GitHub Actions workflow commands, one per finding
//! (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=RULE::message`), which GitHub
//! shows as annotations on the pull request. Values are escaped as GitHub's runner does.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::json::end_of;
use super::{normalized_path, summary_line, Reporter, Summary};
use crate::diagnostic::Severity;
use crate::linter::FileReport;

/// One workflow command per finding, then the summary line.
#[derive(Debug, Default)]
pub struct Github;

/// Escapes a command's message: `%`, CR and LF.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as data, plus `:` and `,`, which separate properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

impl Reporter for Github {
    fn file(&mut self, out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
        let file = escape_property(&super::escape_controls(&normalized_path(&report.path)));
        let read_as = (!report.diagnostics.is_empty())
            .then(|| report.read_as())
            .flatten();
        for d in &report.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut properties = format!("file={file}");
            if let (Some(line), Some(column)) = (d.line, d.column) {
                let _ = write!(properties, ",line={line},col={column}");
                if let (Some(end_line), Some(end_column)) = end_of(report, d) {
                    let _ = write!(properties, ",endLine={end_line},endColumn={end_column}");
                }
            }
            let _ = write!(properties, ",title={}", escape_property(d.rule()));
            let mut message = super::escape_controls(&d.message).into_owned();
            if !d.pointer.is_root() {
                let _ = write!(
                    message,
                    " (at {})",
                    super::escape_controls(d.pointer.as_str())
                );
            }
            if let Some(help) = &d.help {
                let _ = write!(message, "\nhelp: {}", super::escape_controls(help));
            }
            if let Some(read_as) = &read_as {
                let _ = write!(message, "\nnote: {}", super::escape_controls(read_as));
            }
            writeln!(out, "::{command} {properties}::{}", escape_data(&message))?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        writeln!(out, "{}", summary_line(summary))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_runner() {
        assert_eq!(escape_data("50% off\r\nnext"), "50%25 off%0D%0Anext");
        assert_eq!(escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
    }
}
