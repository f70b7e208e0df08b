//! `--format human`: miette's graphical report with the source snippet, the value underlined,
//! and the help. The only module that builds `MietteDiagnostic`s. Snippets are cut from the
//! kept text around each finding (long minified lines are clipped), so rendering never rescans
//! a whole file.

use std::fmt;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{revenue_table, statistics_table, summary_line, Reporter, Summary};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Applicability;
use crate::json::Span;
use crate::linter::{FileReport, SourceChunk};

/// How human output looks.
#[derive(Clone, Debug)]
#[allow(clippy::struct_excessive_bools)] // Independent switches, each a flag of its own.
pub struct HumanOptions {
    /// ANSI colours.
    pub color: bool,
    /// Wrap width.
    pub width: usize,
    /// At most this many findings per file are drawn (the rest are counted).
    pub max_diagnostics: Option<usize>,
    /// Print the revenue table after the summary.
    pub revenue: bool,
    /// Print nothing for clean runs but the summary.
    pub quiet: bool,
    /// Print the findings per rule before the summary line (`--statistics`).
    pub statistics: bool,
}

impl Default for HumanOptions {
    fn default() -> Self {
        Self {
            color: false,
            width: 100,
            max_diagnostics: None,
            revenue: false,
            quiet: false,
            statistics: false,
        }
    }
}

/// The miette renderer.
pub struct Human {
    options: HumanOptions,
    handler: GraphicalReportHandler,
}

impl fmt::Debug for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Human")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Human {
    /// A renderer with these options.
    #[must_use]
    pub fn new(options: HumanOptions) -> Self {
        let theme = if options.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(options.width)
            .with_context_lines(1);
        Self { options, handler }
    }

    /// Renders one diagnostic of a file to a string.
    #[must_use]
    pub fn render(&self, report: &FileReport, d: &Diagnostic) -> String {
        // Payload text and file names never reach the terminal raw.
        let escaped;
        let d = if d.message.chars().any(char::is_control)
            || d.help
                .as_deref()
                .is_some_and(|h| h.chars().any(char::is_control))
            || d.labels
                .iter()
                .any(|l| l.text.chars().any(char::is_control))
        {
            let mut copy = d.clone();
            copy.message = super::escape_controls(&d.message).into_owned();
            copy.help = d
                .help
                .as_deref()
                .map(|h| super::escape_controls(h).into_owned());
            for label in &mut copy.labels {
                label.text = super::escape_controls(&label.text).into_owned();
            }
            escaped = copy;
            &escaped
        } else {
            d
        };
        let path = super::escape_controls(&report.path);
        let mut miette =
            MietteDiagnostic::new(format!("{}[{}]: {}", d.severity, d.rule(), d.message))
                .with_severity(match d.severity {
                    Severity::Error => miette::Severity::Error,
                    Severity::Warning => miette::Severity::Warning,
                    Severity::Info => miette::Severity::Advice,
                });
        let mut help = d.help.clone();
        let excerpt = d
            .span
            .and_then(|span| report.source_for(span).map(|chunk| (span, chunk)))
            .map(|(span, chunk)| Excerpt::new(&path, chunk, span, d));
        match &excerpt {
            Some(excerpt) => {
                let mut labels = vec![LabeledSpan::new_primary_with_span(None, excerpt.primary)];
                for (span, text) in &excerpt.labels {
                    labels.push(LabeledSpan::new_with_span(Some(text.clone()), *span));
                }
                miette = miette.with_labels(labels);
            }
            None => {
                miette.message = match d.line {
                    Some(line) => format!(
                        "{}[{}]: {}:{line}:{}: {}",
                        d.severity,
                        d.rule(),
                        path,
                        d.column.unwrap_or(1),
                        d.message
                    ),
                    None => format!("{}[{}]: {}: {}", d.severity, d.rule(), path, d.message),
                };
            }
        }
        // Labels outside the snippet are named in the help, with their place.
        for label in &d.labels {
            let shown = excerpt
                .as_ref()
                .is_some_and(|e| e.label_texts.contains(&label.text));
            if !shown {
                let place = match (label.line, label.column) {
                    (Some(line), Some(column)) => Some(format!("line {line}, column {column}")),
                    // In another JSON Lines record: its line is known, its text is gone.
                    (Some(line), None) => Some(format!("line {line}")),
                    _ => None,
                };
                let place = match (&label.path, place) {
                    // In another file of the run (a check across files).
                    (Some(path), Some(place)) => Some(format!("{path}, {place}")),
                    (Some(path), None) => Some(path.clone()),
                    (None, place) => place,
                };
                if let Some(place) = place {
                    let note = format!("{}: {place}", label.text);
                    help = Some(match help {
                        Some(h) => format!("{h}\n{note}"),
                        None => note,
                    });
                }
            }
        }
        if let Some(fix) = d.fix.as_ref().filter(|f| f.is_offered()) {
            let note = match fix.applicability {
                Applicability::Safe => format!("fix: {}", fix.title),
                Applicability::Unsafe => format!("unsafe fix (`--unsafe-fixes`): {}", fix.title),
            };
            let note = super::escape_controls(&note).into_owned();
            help = Some(match help {
                Some(h) => format!("{h}\n{note}"),
                None => note,
            });
        }
        if let Some(help) = help {
            miette = miette.with_help(help);
        }
        let mut out = String::new();
        let wrapped = WithSource {
            diagnostic: &miette,
            source: excerpt.as_ref(),
        };
        if self.handler.render_report(&mut out, &wrapped).is_err() {
            out = format!("{}: {}[{}] {}\n", path, d.severity, d.rule(), d.message);
        }
        out
    }
}

impl Reporter for Human {
    fn file(&mut self, out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
        let limit = self.options.max_diagnostics.unwrap_or(usize::MAX);
        let shown = report
            .diagnostics
            .iter()
            .take(limit)
            .any(|d| !self.options.quiet || d.severity == Severity::Error);
        // Worked out only for a file that shows findings: a clean file must not pay for it.
        if let Some(read_as) = shown.then(|| report.read_as()).flatten() {
            writeln!(
                out,
                "{}: {}\n",
                super::escape_controls(&report.path),
                super::escape_controls(&read_as)
            )?;
        }
        for d in report.diagnostics.iter().take(limit) {
            if self.options.quiet && d.severity != Severity::Error {
                continue;
            }
            write!(out, "{}", self.render(report, d))?;
            writeln!(out)?;
        }
        let hidden = report.diagnostics.len().saturating_sub(limit);
        if hidden > 0 {
            writeln!(
                out,
                "{}: {} not shown (raise --max-diagnostics to see them)\n",
                super::escape_controls(&report.path),
                super::plural(hidden, "more finding")
            )?;
        }
        if let Some(note) = super::truncated_note(report) {
            writeln!(out, "{note}\n")?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        if self.options.revenue {
            revenue_table(out, &summary.revenue)?;
            writeln!(out)?;
        }
        if self.options.statistics {
            statistics_table(out, summary)?;
            writeln!(out)?;
        }
        writeln!(out, "{}", summary_line(summary))?;
        if let Some(line) = super::fixes_line(&summary.fixes) {
            writeln!(out, "{line}")?;
        }
        if !self.options.quiet {
            if let Some(next) = super::next_step(summary, self.options.statistics) {
                writeln!(out, "{next}")?;
            }
        }
        Ok(())
    }
}

/// A few lines of the source around one finding, with long lines clipped, that reports the
/// real line and column numbers to miette.
struct Excerpt {
    name: String,
    text: String,
    /// Real 1-based line of the excerpt's first line.
    first_line: usize,
    /// The finding's real line and column (1-based), for the header.
    line: usize,
    column: usize,
    primary: SourceSpan,
    labels: Vec<(SourceSpan, String)>,
    label_texts: Vec<String>,
}

const MAX_LINE: usize = 160;
const MAX_SPAN_LINES: usize = 6;
/// How far an excerpt looks for the line breaks around a finding, each way: a finding on a
/// one-line document of hundreds of MB costs a few KB of scanning, not the whole line (1,000
/// findings on a 500 MB line scanned terabytes). A line longer than this is shown clipped,
/// as any line longer than [`MAX_LINE`] is.
const SNIPPET_WINDOW: usize = 4096;

fn floor_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Excerpt {
    fn new(path: &str, chunk: &SourceChunk, span: Span, d: &Diagnostic) -> Self {
        let text: &str = &chunk.text;
        let start = floor_char(text, span.start.saturating_sub(chunk.offset));
        let mut end = floor_char(text, span.end.saturating_sub(chunk.offset)).max(start);
        // A value spanning many lines, or longer than the window, is marked at its first
        // character.
        if end - start > SNIPPET_WINDOW
            || text
                .get(start..end)
                .is_some_and(|s| s.matches('\n').count() >= MAX_SPAN_LINES)
        {
            end = floor_char(text, start + 1).max(start);
            while end < text.len() && !text.is_char_boundary(end) {
                end += 1;
            }
        }
        // The line breaks around the finding, looked for within the window only: where
        // there is none, the window's edge stands for the line's (the line is clipped anyway).
        let back = |to: usize| {
            let from = floor_char(text, to.saturating_sub(SNIPPET_WINDOW));
            text.get(from..to)
                .and_then(|s| s.rfind('\n'))
                .map_or((from, from > 0), |i| (from + i + 1, false))
        };
        let ahead = |from: usize| {
            let to = floor_char(text, from.saturating_add(SNIPPET_WINDOW));
            text.get(from..to)
                .and_then(|s| s.find('\n'))
                .map_or((to, to < text.len()), |i| (from + i, false))
        };
        let (line_start, clipped_before) = back(start);
        let prev_start = if line_start == 0 || clipped_before {
            line_start
        } else {
            back(line_start - 1).0
        };
        let (last_line_end, clipped_after) = ahead(end);
        let next_end = if last_line_end >= text.len() || clipped_after {
            last_line_end
        } else {
            ahead(last_line_end + 1).0
        };
        let line = d.line.unwrap_or(1);
        let first_line = if prev_start < line_start {
            line.saturating_sub(1).max(1)
        } else {
            line
        };

        // Build the excerpt line by line, clipping long lines; map byte positions.
        let mut out = String::new();
        let mut map: Vec<(usize, usize, usize)> = Vec::new(); // (orig_start, orig_end, out_start)
        let region = text.get(prev_start..next_end).unwrap_or("");
        let mut orig = prev_start;
        for (n, piece) in region.split('\n').enumerate() {
            if n > 0 {
                out.push('\n');
            }
            let piece_start = orig;
            let piece_end = orig + piece.len();
            let piece = piece.strip_suffix('\r').unwrap_or(piece);
            let (from, to) = if piece.len() <= MAX_LINE {
                (piece_start, piece_start + piece.len())
            } else if start >= piece_start && start <= piece_end {
                let from = floor_char(text, start.saturating_sub(60).max(piece_start));
                let to = floor_char(
                    text,
                    (start + 100)
                        .max(end.min(start + MAX_LINE))
                        .min(piece_start + piece.len()),
                );
                (from, to)
            } else {
                (piece_start, floor_char(text, piece_start + MAX_LINE))
            };
            if from > piece_start {
                out.push('…');
            }
            map.push((from, to, out.len()));
            out.push_str(text.get(from..to).unwrap_or(""));
            if to < piece_start + piece.len() {
                out.push('…');
            }
            orig = piece_end + 1;
        }
        let translate = |pos: usize| -> Option<usize> {
            map.iter()
                .find(|(from, to, _)| pos >= *from && pos <= *to)
                .map(|(from, _, at)| at + (pos - from))
        };
        let primary_start = translate(start).unwrap_or(0);
        let primary_end = translate(end).unwrap_or(primary_start).max(primary_start);
        let mut labels = Vec::new();
        let mut label_texts = Vec::new();
        for label in &d.labels {
            let Some(ls) = label.span else { continue };
            let (Some(a), Some(b)) = (
                ls.start.checked_sub(chunk.offset).and_then(translate),
                ls.end.checked_sub(chunk.offset).and_then(translate),
            ) else {
                continue;
            };
            labels.push((
                SourceSpan::new(a.into(), b.saturating_sub(a)),
                label.text.clone(),
            ));
            label_texts.push(label.text.clone());
        }
        Self {
            name: path.to_owned(),
            text: super::mask_controls(out),
            first_line,
            line,
            column: d.column.unwrap_or(1),
            primary: SourceSpan::new(primary_start.into(), primary_end - primary_start),
            labels,
            label_texts,
        }
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let line = inner.line() + self.first_line - 1;
        // The header shows the finding's own position, in characters.
        let column = if span.offset() == self.primary.offset() && line + 1 == self.line {
            self.column - 1
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            line,
            column,
            inner.line_count(),
        )))
    }
}

struct WithSource<'a> {
    diagnostic: &'a MietteDiagnostic,
    source: Option<&'a Excerpt>,
}

impl fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.diagnostic, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl miette::Diagnostic for WithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.diagnostic.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.help()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source?;
        self.diagnostic.labels()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.map(|s| s as &dyn SourceCode)
    }
}

/// Renders a tool error (bad config, broken schema) the same way.
#[must_use]
pub fn render_error(error: &dyn miette::Diagnostic, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    if GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .render_report(&mut out, error)
        .is_err()
    {
        out = error.to_string();
    }
    out
}
