//! `--format junit`: JUnit XML with one test case per file, failed when the file has a finding
//! at or above the failing severity (errors, or warnings with `--fail-on warning`); the findings
//! are the failure's text. Findings below it go to `system-out`.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{normalized_path, plural, Reporter, Summary};
use crate::diagnostic::Severity;
use crate::linter::FileReport;

/// Collects test cases and writes one document at the end.
#[derive(Debug)]
pub struct Junit {
    fail_on: Severity,
    cases: String,
    tests: usize,
    failures: usize,
}

impl Default for Junit {
    fn default() -> Self {
        Self::new(Severity::Error)
    }
}

impl Junit {
    /// A report where a file fails on findings at `fail_on` or above.
    #[must_use]
    pub fn new(fail_on: Severity) -> Self {
        Self {
            fail_on,
            cases: String::new(),
            tests: 0,
            failures: 0,
        }
    }
}

/// Escapes text for XML 1.0 content and attribute values. Control characters XML cannot hold,
/// even as references, are written as `\u{…}`.
pub(crate) fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // A raw CR would be read back as a line feed.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if u32::from(c) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for an attribute value: as [`escape_xml`], and line breaks and tabs as
/// character references, which a parser keeps (a raw one in an attribute reads as a space).
pub(crate) fn escape_attr(text: &str) -> String {
    escape_xml(text)
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

impl Reporter for Junit {
    fn file(&mut self, _out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
        let path = escape_attr(&normalized_path(&report.path));
        self.tests += 1;
        let mut failing = String::new();
        let mut passing = String::new();
        let mut failed = 0;
        for d in &report.diagnostics {
            let mut line = format!(
                "{}:{}: {}[{}] {}",
                d.line.unwrap_or(1),
                d.column.unwrap_or(1),
                d.severity,
                d.rule(),
                d.message,
            );
            if !d.pointer.is_root() {
                let _ = write!(line, " (at {})", d.pointer);
            }
            if let Some(help) = &d.help {
                line.push_str("\n  help: ");
                line.push_str(help);
            }
            line.push('\n');
            if d.severity >= self.fail_on {
                failed += 1;
                failing.push_str(&line);
            } else {
                passing.push_str(&line);
            }
        }
        if let Some(note) = super::truncated_note(report) {
            let over = [Severity::Error, Severity::Warning, Severity::Info]
                .into_iter()
                .filter(|s| *s >= self.fail_on)
                .map(|s| report.truncated.count(s))
                .sum::<usize>();
            failed += over;
            let _ = writeln!(if over > 0 { &mut failing } else { &mut passing }, "{note}");
        }
        let _ = write!(
            self.cases,
            "    <testcase name=\"{path}\" classname=\"klar-lint\" file=\"{path}\""
        );
        if failing.is_empty() && passing.is_empty() {
            self.cases.push_str("/>\n");
            return Ok(());
        }
        self.cases.push_str(">\n");
        if let Some(read_as) = report.read_as() {
            let _ = writeln!(
                self.cases,
                "      <properties><property name=\"read-as\" value=\"{}\"/></properties>",
                escape_xml(&read_as)
            );
        }
        if !failing.is_empty() {
            self.failures += 1;
            let _ = writeln!(
                self.cases,
                "      <failure type=\"klar-lint\" message=\"{}\">{}</failure>",
                escape_attr(&format!(
                    "{} in {}",
                    plural(failed, "finding"),
                    normalized_path(&report.path)
                )),
                escape_xml(&failing)
            );
        }
        if !passing.is_empty() {
            let _ = writeln!(
                self.cases,
                "      <system-out>{}</system-out>",
                escape_xml(&passing)
            );
        }
        self.cases.push_str("    </testcase>\n");
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, _summary: &Summary) -> io::Result<()> {
        let (tests, failures) = (self.tests, self.failures);
        write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <testsuites name=\"klar-lint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n  \
             <testsuite name=\"klar-lint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n\
             {}  </testsuite>\n</testsuites>\n",
            self.cases
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape_xml("a<b & \"c\" 'd'>\u{1}\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\\u{1}\n"
        );
    }
}
