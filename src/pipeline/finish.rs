//! Finishing one file's findings: levels from the configuration, dedup, derived findings dropped
//! under their root cause, the per-file cap, spans (only when there are findings), order.

use std::path::Path;

use super::locate::{locate, locate_fixes, resolve};
use super::report::{sort, FileReport, SourceChunk, Truncated};
use super::Pipeline;
use crate::codes;
use crate::config::RuleLevel;
use crate::diagnostic::{Category, Diagnostic};
use crate::json::{LineIndex, Pointer, SpanIndex};
use crate::rule::FileState;

impl Pipeline {
    /// Applies levels, resolves spans (only when there are findings), sorts.
    pub(super) fn finish_document(
        &self,
        report: &mut FileReport,
        mut diagnostics: Vec<Diagnostic>,
        text: &str,
    ) {
        self.apply_levels(&mut diagnostics, &report.path);
        if diagnostics.is_empty() {
            return;
        }
        let spans = SpanIndex::new(text);
        let lines = LineIndex::new(text);
        if diagnostics.len() > self.config.max_diagnostics_per_file {
            cap_by_offset(
                &mut diagnostics,
                &spans,
                self.config.max_diagnostics_per_file,
                &mut report.truncated,
            );
        }
        resolve(&mut diagnostics, &spans, &lines, text);
        locate_fixes(&mut diagnostics, &spans, &lines, text, (0, 1, false));
        report.diagnostics.extend(diagnostics);
        sort(&mut report.diagnostics);
        report.sources.push(SourceChunk {
            offset: 0,
            first_line: 1,
            text: text.into(),
        });
    }

    /// Sets each finding's severity from `[rules]` and the `[[overrides]]` matching `path`; a
    /// rule the configuration does not name keeps the severity it gave each finding.
    pub(super) fn apply_levels(&self, diagnostics: &mut Vec<Diagnostic>, path: &str) {
        let path = Path::new(path);
        diagnostics.retain_mut(|d| match self.config.configured_level_for(d.code, path) {
            _ if codes::is_fixed(d.code) => true,
            None => true,
            Some(RuleLevel::Off) => false,
            Some(RuleLevel::On(severity)) => {
                d.severity = severity;
                true
            }
        });
        dedup(diagnostics);
    }
}

/// An `io-error` when `duplicate-id` could not read back ids it had written to the temporary
/// directory (see `seen_ids`): repeats of those ids were not seen, and the user must know.
pub(super) fn ids_unreadable(state: &FileState) -> Option<Diagnostic> {
    let n = state.ids.unreadable();
    (n > 0).then(|| {
        Diagnostic::new(
            &codes::IO_ERROR,
            Pointer::root(),
            format!("`duplicate-id` could not read back the ids it wrote to the temporary directory ({n} lookups failed): repeated ids may have been missed"),
        )
        .with_help("check that the temporary directory ($TMPDIR) is writable and not full, then lint again")
    })
}

/// Keeps the first `max` findings in text order and returns how many were dropped.
///
/// A column costs the length of its line, so resolving every finding of a minified file with
/// one finding per object (a million-element array of numbers) is quadratic. Byte offsets are
/// cheap and sort like (line, column), so the cap is applied on them before any column is
/// worked out; `resolve` then fills in line and column for the findings kept.
fn cap_by_offset(
    diagnostics: &mut Vec<Diagnostic>,
    spans: &SpanIndex<'_>,
    max: usize,
    truncated: &mut Truncated,
) {
    let offsets: Vec<Option<usize>> = diagnostics
        .iter()
        .map(|d| d.span.or_else(|| locate(d, spans)).map(|s| s.start))
        .collect();
    let mut order: Vec<usize> = (0..diagnostics.len()).collect();
    order.sort_by(|&a, &b| {
        let (Some(da), Some(db)) = (diagnostics.get(a), diagnostics.get(b)) else {
            return a.cmp(&b);
        };
        // The most severe first: an error is never let go for a warning.
        (
            std::cmp::Reverse(da.severity),
            offsets.get(a),
            da.code.name,
            da.pointer.as_str(),
        )
            .cmp(&(
                std::cmp::Reverse(db.severity),
                offsets.get(b),
                db.code.name,
                db.pointer.as_str(),
            ))
    });
    let mut keep = vec![false; diagnostics.len()];
    for &i in order.iter().take(max) {
        if let Some(k) = keep.get_mut(i) {
            *k = true;
        }
    }
    let mut index = 0;
    diagnostics.retain(|d| {
        let kept = keep.get(index).copied().unwrap_or(false);
        index += 1;
        if !kept {
            truncated.add(d.severity);
        }
        kept
    });
}

/// Drops repeats of a finding (same code, pointer and message), keeping the first.
fn dedup(diagnostics: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    diagnostics.retain(|d| seen.insert((d.code.name, d.pointer.clone(), d.message.clone())));
}

/// Drops findings of derived rules on lines that already have a finding from a non-derived
/// money rule: one root cause, one diagnostic.
pub(super) fn drop_derived(out: &mut Vec<Diagnostic>, first: usize) {
    let Some(new) = out.get(first..) else { return };
    let roots: Vec<Pointer> = new
        .iter()
        .filter(|d| {
            !d.code.derived
                && !d.code.builtin
                && matches!(d.code.category, Category::Money | Category::Compat)
        })
        .filter_map(|d| line_of(&d.pointer))
        .collect();
    if roots.is_empty() {
        return;
    }
    let mut index = 0;
    out.retain(|d| {
        let keep = index < first
            || !d.code.derived
            || line_of(&d.pointer).is_none_or(|line| !roots.contains(&line));
        index += 1;
        keep
    });
}

/// The unit a money finding belongs to: the line item a pointer is inside (`/3/lineItems/0`
/// or `/3/lineItems/0/bundledProducts/1`), or the order's shipping (`/3/shipping`).
fn line_of(pointer: &Pointer) -> Option<Pointer> {
    let tokens: Vec<_> = pointer.tokens().collect();
    let mut end = None;
    for (i, t) in tokens.iter().enumerate() {
        if (t == "lineItems" || t == "bundledProducts")
            && tokens
                .get(i + 1)
                .is_some_and(|n| n.parse::<usize>().is_ok())
        {
            end = Some(i + 2);
        } else if t == "shipping" && end.is_none() {
            end = Some(i + 1);
        }
    }
    let end = end?;
    let mut out = Pointer::root();
    for t in tokens.iter().take(end) {
        out.push_key(t);
    }
    Some(out)
}
