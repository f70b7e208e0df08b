//! Where findings are: a pointer to its span in the text, a span to its line and column.

use crate::diagnostic::{Anchor, Diagnostic, Label};
use crate::fix::{locate_changes, Edit};
use crate::json::{LineIndex, Located, Pointer, Span, SpanIndex};

/// The part of a located member a finding underlines, by its anchor.
pub(super) fn pick(located: Located, anchor: Anchor) -> Span {
    match anchor {
        Anchor::Value => located.value,
        Anchor::Key => located.key.unwrap_or(located.value),
        Anchor::Start => Span {
            start: located.value.start,
            end: located.value.start + 1,
        },
    }
}

/// Sets a finding's span, and the line and column of it and of its labels that have spans.
pub(super) fn set_span(d: &mut Diagnostic, span: Span, lines: &LineIndex, text: &str) {
    let (line, column) = lines.line_col(text, span.start);
    d.span = Some(span);
    d.line = Some(line);
    d.column = Some(column);
    for label in &mut d.labels {
        if let Some(span) = label.span {
            let (line, column) = lines.line_col(text, span.start);
            label.line = Some(line);
            label.column = Some(column);
        }
    }
}

/// Sets a label's span, and its line and column when it has one.
pub(super) fn set_label_span(label: &mut Label, span: Option<Span>, lines: &LineIndex, text: &str) {
    label.span = span;
    if let Some(span) = span {
        let (line, column) = lines.line_col(text, span.start);
        label.line = Some(line);
        label.column = Some(column);
    }
}

/// The span a diagnostic's pointer (or, failing that, its parent's) names in the text.
pub(super) fn locate(d: &Diagnostic, spans: &SpanIndex<'_>) -> Option<Span> {
    spans
        .locate(&d.pointer)
        .or_else(|| d.pointer.parent().and_then(|p| spans.locate(&p)))
        .map(|located| pick(located, d.anchor))
}

/// Fills in the span, line and column of each finding and label that has none yet.
pub(super) fn resolve(
    diagnostics: &mut [Diagnostic],
    spans: &SpanIndex<'_>,
    lines: &LineIndex,
    text: &str,
) {
    for d in diagnostics {
        if d.span.is_none() {
            if let Some(span) = locate(d, spans) {
                set_span(d, span, lines, text);
            }
        }
        for label in &mut d.labels {
            if label.span.is_none() {
                set_label_span(
                    label,
                    spans.locate(&label.pointer).map(|l| l.value),
                    lines,
                    text,
                );
            }
        }
    }
}

/// Turns the changes of each finding's fix into byte edits on `text` (a document, or one JSON
/// Lines record starting at byte `base` on line `first_line` of the file, whose pointers start
/// with the record's index). A fix with a change that cannot be located is dropped whole.
/// Only findings that carry a fix pay for this.
pub(super) fn locate_fixes(
    diagnostics: &mut [Diagnostic],
    spans: &SpanIndex<'_>,
    lines: &LineIndex,
    text: &str,
    (base, first_line, record): (usize, usize, bool),
) {
    for d in diagnostics {
        let Some(fix) = d.fix.as_mut() else { continue };
        let local = |p: &Pointer| if record { without_record(p) } else { p.clone() };
        let Some(edits) = locate_changes(&fix.changes, text, spans, local) else {
            d.fix = None;
            continue;
        };
        fix.edits = edits
            .into_iter()
            .map(|(span, content)| {
                let (line, column) = lines.line_col(text, span.start);
                let (end_line, end_column) = lines.line_col(text, span.end);
                Edit {
                    span: Span {
                        start: span.start + base,
                        end: span.end + base,
                    },
                    content,
                    line: line + first_line - 1,
                    column,
                    end_line: end_line + first_line - 1,
                    end_column,
                }
            })
            .collect();
    }
}

/// A JSON Lines pointer without its first token, the record's index: relative to the record.
pub(super) fn without_record(pointer: &Pointer) -> Pointer {
    let mut out = Pointer::root();
    for token in pointer.tokens().skip(1) {
        out.push_key(&token);
    }
    out
}
