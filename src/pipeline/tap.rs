//! A narrow hook for `klar_lint::split`: each top-level object of a file, in file order, with its
//! text as written and every finding made for it (levels applied, before the per-file cap), as
//! the lint completes it. Nothing here runs unless a tap is set around a lint (see [`with_tap`]):
//! a plain lint pays one thread-local read per file.
//!
//! The hook sees what the lint sees: the kind and version the file was read as, the rules'
//! findings after [`Rule::check_in_order`](crate::rule::Rule::check_in_order) (a repeated `id`
//! is a finding of the second object), duplicate keys found in the object's text, and how many
//! errors the object's own bound let go (see `Sink`), so an object is never judged clean
//! because a finding of it was dropped.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use super::decode::duplicate_keys;
use super::locate::pick;
use super::Pipeline;
use crate::diagnostic::{Diagnostic, Severity};
use crate::json::{LineIndex, Pointer, SpanIndex};
use crate::payload::{ApiVersion, PayloadKind};

/// What receives the objects of the files linted inside [`with_tap`].
pub(crate) trait Tap {
    /// One top-level object (or array element, or JSON Lines record), in file order.
    fn object(&mut self, seen: &Seen<'_>);

    /// Whether [`Seen::lines`] is wanted for objects with findings (it costs a look-up each).
    fn wants_lines(&self) -> bool {
        false
    }
}

/// One top-level value as the lint completed it.
pub(crate) struct Seen<'a> {
    /// Where it is: `/3`, `/items/3`, a JSON Lines record's `/{record}`.
    pub(crate) pointer: &'a Pointer,
    /// The 1-based line it starts on, when known (always for JSON Lines).
    pub(crate) line: Option<usize>,
    /// Its text as written (`None` when it could not be read: not UTF-8, not JSON, too long).
    pub(crate) text: Option<&'a str>,
    /// What it was read as.
    pub(crate) what: What,
    /// Every finding made for it, levels applied, before the per-file cap.
    pub(crate) findings: &'a [Diagnostic],
    /// The line of each finding, when the tap wants them (else empty).
    pub(crate) lines: &'a [Option<usize>],
    /// Errors its own bound let go while it was checked (counted, not kept).
    pub(crate) dropped_errors: usize,
}

impl Seen<'_> {
    /// Whether any finding of it is an error, listed or let go.
    pub(crate) fn has_errors(&self) -> bool {
        self.dropped_errors > 0 || self.findings.iter().any(|d| d.severity == Severity::Error)
    }
}

/// What a top-level value was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum What {
    /// An object of this kind and version.
    Object(PayloadKind, ApiVersion),
    /// A value that is not an object (`[1, {...}]`, a JSON Lines record `"x"`).
    NotObject,
    /// A JSON Lines record that could not be read (not UTF-8, not JSON, too long).
    Unreadable,
    /// A JSON Lines record before any told the file's kind.
    UnknownKind,
}

type Shared = Rc<RefCell<dyn Tap>>;

thread_local! {
    /// The tap for the next file linted on this thread.
    static TAP: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

/// Runs `lint` (one file's lint, on this thread) with its objects going to `tap`.
pub(crate) fn with_tap<R>(tap: Shared, lint: impl FnOnce() -> R) -> R {
    let previous = TAP.with(|t| t.replace(Some(tap)));
    let result = lint();
    TAP.with(|t| *t.borrow_mut() = previous);
    result
}

/// Whether a tap is set for the next file linted on this thread.
pub(super) fn is_set() -> bool {
    TAP.with(|t| t.borrow().is_some())
}

/// The tap of the file being linted, taken from the thread when its lint starts, so that
/// another file linted on this thread meanwhile (work stolen while waiting on the pool) does
/// not see it; put back when dropped, so a path that gives up (the streamed array declining)
/// leaves it to the next one.
pub(super) struct Taken(Option<Shared>);

impl Taken {
    pub(super) fn take() -> Self {
        Self(TAP.with(|t| t.borrow_mut().take()))
    }

    pub(super) fn is_some(&self) -> bool {
        self.0.is_some()
    }

    fn wants_lines(&self) -> bool {
        self.0.as_ref().is_some_and(|t| t.borrow().wants_lines())
    }

    /// A JSON Lines record: its findings are levelled by the caller, all on its line.
    pub(super) fn record(
        &self,
        (pointer, line): (&Pointer, usize),
        text: Option<&str>,
        what: What,
        findings: &[Diagnostic],
        dropped_errors: usize,
    ) {
        let Some(tap) = &self.0 else { return };
        let lines = if tap.borrow().wants_lines() {
            vec![Some(line); findings.len()]
        } else {
            Vec::new()
        };
        tap.borrow_mut().object(&Seen {
            pointer,
            line: Some(line),
            text,
            what,
            findings,
            lines: &lines,
            dropped_errors,
        });
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        if let Some(tap) = self.0.take() {
            TAP.with(|t| {
                let mut slot = t.borrow_mut();
                if slot.is_none() {
                    *slot = Some(tap);
                }
            });
        }
    }
}

/// The objects of a document (or of a streamed array) as `finish_chunk` completes them.
pub(super) struct Feed<'t> {
    tap: Taken,
    text: &'t str,
    at: Objects<'t>,
    target: (PayloadKind, ApiVersion),
    /// The index of the next object.
    next: usize,
    /// Findings made before the objects that lie inside one (a document's duplicate keys).
    before: Vec<Diagnostic>,
    /// A streamed array's chunk: the index of its first element, and whether each repeats a key.
    duplicates: (usize, Vec<bool>),
    lines: Option<LineIndex>,
}

/// Where a file's objects are in its text.
enum Objects<'t> {
    /// A streamed array's elements, as byte ranges.
    Elements(&'t [(usize, usize)]),
    /// A parsed document's objects, found by pointer (object `i` is at `pointer_of(i)`).
    Body(SpanIndex<'t>, Box<dyn Fn(usize) -> Pointer>),
}

impl<'t> Feed<'t> {
    /// The feed of a parsed document whose objects sit inside `container` (their array, or
    /// the one object itself), object `i` at `pointer_of(i)`; `None` without a tap.
    pub(super) fn document(
        text: &'t str,
        (container, pointer_of): (&Pointer, Box<dyn Fn(usize) -> Pointer>),
        target: (PayloadKind, ApiVersion),
        before: &[Diagnostic],
    ) -> Option<Self> {
        let tap = Taken::take();
        if !tap.is_some() {
            return None;
        }
        let inside = |d: &&Diagnostic| d.pointer.starts_with(container) && d.pointer != *container;
        Some(Self {
            tap,
            text,
            at: Objects::Body(SpanIndex::new(text), pointer_of),
            target,
            next: 0,
            before: before.iter().filter(inside).cloned().collect(),
            duplicates: (0, Vec::new()),
            lines: None,
        })
    }

    /// The feed of a streamed array with these elements.
    pub(super) fn elements(
        tap: Taken,
        text: &'t str,
        elements: &'t [(usize, usize)],
        target: (PayloadKind, ApiVersion),
    ) -> Option<Self> {
        tap.is_some().then(|| Self {
            tap,
            text,
            at: Objects::Elements(elements),
            target,
            next: 0,
            before: Vec::new(),
            duplicates: (0, Vec::new()),
            lines: None,
        })
    }

    /// A streamed chunk starts at element `first`; `repeats[i]` tells whether its element `i`
    /// repeats a key.
    pub(super) fn chunk(&mut self, first: usize, repeats: Vec<bool>) {
        self.duplicates = (first, repeats);
    }

    /// The next object, with its own findings (levels applied) and the errors let go in it.
    pub(super) fn object(
        &mut self,
        pipeline: &Pipeline,
        path: &str,
        own: &[Diagnostic],
        dropped_errors: usize,
    ) {
        let Some(tap) = &self.tap.0 else { return };
        let i = self.next;
        self.next += 1;
        let (pointer, span) = match &self.at {
            Objects::Elements(elements) => (Pointer::root().index(i), elements.get(i).copied()),
            Objects::Body(spans, pointer_of) => {
                let pointer = pointer_of(i);
                let span = spans.locate(&pointer).map(|l| (l.value.start, l.value.end));
                (pointer, span)
            }
        };
        let text = span.and_then(|(start, end)| self.text.get(start..end));
        // The findings made outside the object's own check: duplicate keys.
        let mut extra: Vec<Diagnostic> = self
            .before
            .iter()
            .filter(|d| d.pointer.starts_with(&pointer))
            .cloned()
            .collect();
        let (first, repeats) = &self.duplicates;
        if let (Some(true), Some(text)) = (i.checked_sub(*first).and_then(|k| repeats.get(k)), text)
        {
            let mut found = Vec::new();
            duplicate_keys(text, &mut found);
            extra.extend(found.into_iter().map(|mut d| {
                d.pointer = d.pointer.prefixed_with_index(i);
                d.span = None;
                d.labels.clear();
                d
            }));
        }
        let findings: Cow<'_, [Diagnostic]> = if extra.is_empty() {
            Cow::Borrowed(own)
        } else {
            pipeline.apply_levels(&mut extra, path);
            let mut all = own.to_vec();
            all.extend(extra);
            Cow::Owned(all)
        };
        let wants_lines = !findings.is_empty() && self.tap.wants_lines();
        let line_index = &*self.lines.get_or_insert_with(|| LineIndex::new(self.text));
        let line = span.map(|(start, _)| line_index.line_col(self.text, start).0);
        let lines: Vec<Option<usize>> = match (wants_lines, text, span) {
            (true, Some(text), Some((start, _))) => {
                let spans = SpanIndex::new(text);
                findings
                    .iter()
                    .map(|d| {
                        let local = relative(&d.pointer, &pointer)?;
                        let found = spans
                            .locate(&local)
                            .or_else(|| local.parent().and_then(|p| spans.locate(&p)))?;
                        let at = pick(found, d.anchor).start;
                        Some(line_index.line_col(self.text, start + at).0)
                    })
                    .map(|l| l.or(line))
                    .collect()
            }
            (true, ..) => vec![line; findings.len()],
            _ => Vec::new(),
        };
        tap.borrow_mut().object(&Seen {
            pointer: &pointer,
            line,
            text,
            what: if text.is_some_and(|t| t.starts_with('{')) {
                What::Object(self.target.0, self.target.1)
            } else {
                What::NotObject
            },
            findings: &findings,
            lines: &lines,
            dropped_errors,
        });
    }
}

/// `pointer` relative to `base`, when it is inside it.
fn relative(pointer: &Pointer, base: &Pointer) -> Option<Pointer> {
    if !pointer.starts_with(base) {
        return None;
    }
    let mut out = Pointer::root();
    for token in pointer.tokens().skip(base.tokens().count()) {
        out.push_key(&token);
    }
    Some(out)
}
