//! Fixes, ruff's way: a rule says what to change in the payload's terms ([`Change`], by
//! pointer), the linter turns that into byte [`Edit`]s on the original text, and `--fix`
//! applies them, so everything outside the edits stays byte for byte as it was.
//!
//! A fix is [`Applicability::Safe`] when applying it cannot change what the payload means to a
//! careful reader (`cancelledAt: 0` removed, an id written as a number turned into the same
//! digits as a string), and [`Applicability::Unsafe`] when it changes a number a person should
//! look at (a tax divided by the quantity, a total recomputed).

use serde::Serialize;

use crate::json::{Located, Pointer, Span, SpanIndex};

/// Whether a fix may be applied without a person looking at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Applied by `--fix`: the payload means what it meant, in the form Klar reads.
    Safe,
    /// Applied only with `--unsafe-fixes`: it changes a number a person should check.
    Unsafe,
}

impl Applicability {
    /// The lower-case name used in reports: `safe`, `unsafe`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// One change a rule asks for, in the payload's terms. Pointers are the finding's own kind
/// (relative to the JSON Lines record in a JSON Lines file, as every pointer a rule sees).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Replace the value at `at` with `json`, which must be JSON text (`"\"1001\""`, `2`).
    Replace {
        /// The value to replace.
        at: Pointer,
        /// Its new text.
        json: String,
    },
    /// Remove the member or array element at `at`, with the comma that separates it.
    Remove {
        /// The member or element.
        at: Pointer,
    },
    /// Rename the key of the member at `at` to `key` (decoded; the linter quotes it).
    RenameKey {
        /// The member.
        at: Pointer,
        /// Its new key.
        key: String,
    },
    /// Put `before` and `after` around the value at `at` (`{"items": ` and `}` around the
    /// root, `[` and `]` around an object).
    Wrap {
        /// The value to wrap.
        at: Pointer,
        /// Text inserted before its first byte.
        before: String,
        /// Text inserted after its last byte.
        after: String,
    },
    /// Replace the container around the value at `at` with that value: `{"orders": [...]}`
    /// becomes `[...]` when `at` is `/orders`. Everything outside the value's span inside
    /// the container at `within` goes.
    Unwrap {
        /// The value that stays.
        at: Pointer,
        /// The container that goes (the root for an envelope).
        within: Pointer,
    },
}

/// A byte edit on the original text: replace `span` with `content` (an insertion when the span
/// is empty, a deletion when the content is).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// The bytes replaced, in the file's text (after any BOM).
    #[serde(skip)]
    pub span: Span,
    /// The new text.
    pub content: String,
    /// 1-based line of the span's start.
    pub line: usize,
    /// 1-based column (in characters) of the span's start.
    pub column: usize,
    /// 1-based line of the span's end.
    pub end_line: usize,
    /// 1-based column (in characters) of the span's end.
    pub end_column: usize,
}

/// What a finding's fix does: a title for reports, its applicability, the changes a rule asked
/// for, and (once the linter has located them) their byte edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// Safe or unsafe.
    pub applicability: Applicability,
    /// What it does, imperative, lower-case: "remove `cancelledAt`", "write the id as a
    /// string".
    pub title: String,
    /// What the rule asked for, by pointer.
    pub changes: Vec<Change>,
    /// The byte edits, sorted and not overlapping, filled in by the linter from `changes`;
    /// empty until then, and empty when a change could not be located (the fix is then not
    /// offered).
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A safe fix.
    #[must_use]
    pub fn safe(title: impl Into<String>, changes: Vec<Change>) -> Self {
        Self {
            applicability: Applicability::Safe,
            title: title.into(),
            changes,
            edits: Vec::new(),
        }
    }

    /// Whether the linter located every change, so the fix is offered (its edits are set).
    #[must_use]
    pub fn is_offered(&self) -> bool {
        !self.edits.is_empty()
    }

    /// An unsafe fix.
    #[must_use]
    pub fn unsafe_(title: impl Into<String>, changes: Vec<Change>) -> Self {
        Self {
            applicability: Applicability::Unsafe,
            title: title.into(),
            changes,
            edits: Vec::new(),
        }
    }
}

/// JSON whitespace.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The member or element `located` is, with exactly one separating comma and the whitespace
/// between them: the comma after it and the whitespace up to the next member (so the next one
/// takes its place and its indentation), else the comma before it and the whitespace from
/// there, else (the only member) the whitespace before it back to the bracket.
fn removal(text: &str, located: Located) -> Option<Span> {
    let bytes = text.as_bytes();
    let start = located.key.map_or(located.value.start, |k| k.start);
    let end = located.value.end;
    let mut after = end;
    while bytes.get(after).copied().is_some_and(is_ws) {
        after += 1;
    }
    match bytes.get(after)? {
        b',' => {
            let mut next = after + 1;
            while bytes.get(next).copied().is_some_and(is_ws) {
                next += 1;
            }
            // Keep the lines: a member that ends its line but shares it with the one before
            // (`"a": 1, "b": 0,⏎`) goes with the comma before it, so the line break stays.
            let mut before = start;
            while before > 0 && bytes.get(before - 1).copied().is_some_and(is_ws) {
                before -= 1;
            }
            let breaks =
                |from: usize, to: usize| bytes.get(from..to).is_some_and(|s| s.contains(&b'\n'));
            if breaks(after + 1, next)
                && !breaks(before, start)
                && before > 0
                && bytes.get(before - 1) == Some(&b',')
            {
                return Some(Span {
                    start: before - 1,
                    end,
                });
            }
            Some(Span { start, end: next })
        }
        b'}' | b']' => {
            let mut before = start;
            while before > 0 && bytes.get(before - 1).copied().is_some_and(is_ws) {
                before -= 1;
            }
            match bytes.get(before.checked_sub(1)?)? {
                b',' => Some(Span {
                    start: before - 1,
                    end,
                }),
                b'{' | b'[' => Some(Span { start: before, end }),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The byte edits (span, new text) that make `changes` on `text`, sorted; `None` when a change
/// cannot be located or two of them overlap (a fix is applied whole or not at all).
///
/// `spans` indexes `text`; `local` turns a change's pointer into one `spans` resolves (a JSON
/// Lines record's pointers lose their record index).
#[must_use]
pub fn locate_changes(
    changes: &[Change],
    text: &str,
    spans: &SpanIndex<'_>,
    local: impl Fn(&Pointer) -> Pointer,
) -> Option<Vec<(Span, String)>> {
    let mut edits = Vec::with_capacity(changes.len() + 1);
    for change in changes {
        match change {
            Change::Replace { at, json } => {
                edits.push((spans.locate(&local(at))?.value, json.clone()));
            }
            Change::Remove { at } => {
                let at = local(at);
                if at.is_root() {
                    return None;
                }
                edits.push((removal(text, spans.locate(&at)?)?, String::new()));
            }
            Change::RenameKey { at, key } => {
                let key_span = spans.locate(&local(at))?.key?;
                edits.push((key_span, serde_json::to_string(key).ok()?));
            }
            Change::Wrap { at, before, after } => {
                let value = spans.locate(&local(at))?.value;
                edits.push((
                    Span {
                        start: value.start,
                        end: value.start,
                    },
                    before.clone(),
                ));
                edits.push((
                    Span {
                        start: value.end,
                        end: value.end,
                    },
                    after.clone(),
                ));
            }
            Change::Unwrap { at, within } => {
                let value = spans.locate(&local(at))?.value;
                let outer = spans.locate(&local(within))?.value;
                if value.start < outer.start || value.end > outer.end {
                    return None;
                }
                edits.push((
                    Span {
                        start: outer.start,
                        end: value.start,
                    },
                    String::new(),
                ));
                edits.push((
                    Span {
                        start: value.end,
                        end: outer.end,
                    },
                    String::new(),
                ));
            }
        }
    }
    edits.retain(|(span, content)| span.start != span.end || !content.is_empty());
    edits.sort_by_key(|(span, _)| (span.start, span.end));
    if edits.windows(2).any(|w| conflict(w[0].0, w[1].0)) {
        return None;
    }
    Some(edits)
}

/// Whether two edits cannot both be applied in one pass: they overlap, or one inserts where the
/// other starts (which goes first would be a guess).
fn conflict(a: Span, b: Span) -> bool {
    (a.start < b.end && b.start < a.end)
        || (a.start == b.start && (a.start == a.end || b.start == b.end))
}

/// The result of [`apply`]: the new text and how many fixes went into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The text with the fixes applied.
    pub text: String,
    /// Fixes applied whole.
    pub fixed: usize,
    /// Fixes skipped because their edits overlap one applied before (apply again to the new
    /// text, after linting it again).
    pub skipped: usize,
}

/// Applies the fixes that have edits to `text`, in the order of their first edit: a fix whose
/// edits overlap an applied one is skipped in this pass. Pure text: the caller lints the new
/// text again and applies the fixes it finds then, until nothing changes
/// ([`crate::Linter::fix`] does, for at most [`MAX_PASSES`] passes).
///
/// ```
/// use klar_lint::fix::{apply, Edit, Fix};
/// use klar_lint::json::Span;
///
/// let edit = |start, end, content: &str| Edit {
///     span: Span { start, end },
///     content: content.into(),
///     line: 1, column: start + 1, end_line: 1, end_column: end + 1,
/// };
/// // `{"a":1,"b":0}`: `,"b":0` is bytes 6..12.
/// let mut fix = Fix::safe("remove `b`", vec![]);
/// fix.edits = vec![edit(6, 12, "")];
/// let mut overlapping = Fix::safe("rename `b`", vec![]);
/// overlapping.edits = vec![edit(7, 10, "\"c\"")];
/// let out = apply(r#"{"a":1,"b":0}"#, [&fix, &overlapping]);
/// assert_eq!(out.text, r#"{"a":1}"#);
/// assert_eq!((out.fixed, out.skipped), (1, 1));
/// ```
#[must_use]
pub fn apply<'f>(text: &str, fixes: impl IntoIterator<Item = &'f Fix>) -> Applied {
    let mut ordered: Vec<&Fix> = fixes.into_iter().filter(|f| !f.edits.is_empty()).collect();
    ordered.sort_by_key(|f| f.edits.first().map(|e| (e.span.start, e.span.end)));
    // Applied spans by start: a new edit conflicts only with its neighbours there.
    let mut taken: std::collections::BTreeMap<usize, Span> = std::collections::BTreeMap::new();
    let mut accepted: Vec<&Edit> = Vec::new();
    let (mut applied, mut skipped) = (0, 0);
    for fix in ordered {
        let clashes = |e: &Edit| {
            let s = e.span;
            if s.end > text.len() || s.start > s.end {
                return true;
            }
            taken
                .range(..s.start)
                .next_back()
                .is_some_and(|(_, t)| conflict(*t, s))
                || taken.range(s.start..=s.end).any(|(_, t)| conflict(*t, s))
        };
        if fix.edits.iter().any(clashes) {
            skipped += 1;
            continue;
        }
        for e in &fix.edits {
            taken.insert(e.span.start, e.span);
            accepted.push(e);
        }
        applied += 1;
    }
    accepted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in accepted {
        out.push_str(text.get(at..e.span.start).unwrap_or_default());
        out.push_str(&e.content);
        at = e.span.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Applied {
        text: out,
        fixed: applied,
        skipped,
    }
}

/// Passes of lint-then-apply [`crate::Linter::fix`] makes at most: fixes whose edits overlap
/// are applied over several passes, and a fix that keeps coming back stops here.
pub const MAX_PASSES: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    /// The text after the changes, located and applied as one fix; `None` when not offered.
    fn fixed(text: &str, changes: Vec<Change>) -> Option<String> {
        let spans = SpanIndex::new(text);
        let edits = locate_changes(&changes, text, &spans, Pointer::clone)?;
        let mut fix = Fix::safe("t", changes);
        fix.edits = edits
            .into_iter()
            .map(|(span, content)| Edit {
                span,
                content,
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            })
            .collect();
        Some(apply(text, [&fix]).text)
    }

    fn at(p: &str) -> Pointer {
        Pointer::parse(p).unwrap()
    }

    fn remove(p: &str) -> Vec<Change> {
        vec![Change::Remove { at: at(p) }]
    }

    #[test]
    fn a_removed_member_takes_one_comma_in_every_layout() {
        let cases = [
            (r#"{"a":1,"b":0,"c":2}"#, "/b", r#"{"a":1,"c":2}"#),
            (r#"{"a":1,"b":0}"#, "/b", r#"{"a":1}"#),
            (r#"{"b":0,"a":1}"#, "/b", r#"{"a":1}"#),
            (r#"{"b":0}"#, "/b", "{}"),
            ("{ \"b\" : 0 }", "/b", "{ }"),
            (
                "{\n  \"a\": 1,\n  \"b\": 0,\n  \"c\": 2\n}",
                "/b",
                "{\n  \"a\": 1,\n  \"c\": 2\n}",
            ),
            ("{\n  \"a\": 1,\n  \"b\": 0\n}", "/b", "{\n  \"a\": 1\n}"),
            ("{\n  \"b\": 0,\n  \"a\": 1\n}", "/b", "{\n  \"a\": 1\n}"),
            ("{\n  \"b\": 0\n}", "/b", "{\n}"),
            (
                "{\r\n  \"a\": 1,\r\n  \"b\": 0\r\n}",
                "/b",
                "{\r\n  \"a\": 1\r\n}",
            ),
            (
                "{\r\n  \"b\": 0,\r\n  \"a\": 1\r\n}",
                "/b",
                "{\r\n  \"a\": 1\r\n}",
            ),
            ("[1, 2, 3]", "/1", "[1, 3]"),
            ("[1, 2, 3]", "/2", "[1, 2]"),
            ("[1, 2, 3]", "/0", "[2, 3]"),
            ("[ [] ]", "/0", "[ ]"),
            (
                r#"[{"x":{"b":[0,{"c":1}],"d":2}}]"#,
                "/0/x/b",
                r#"[{"x":{"d":2}}]"#,
            ),
            (r#"{"a\"b":0,"c":1}"#, "/a\"b", r#"{"c":1}"#),
            // The line breaks stay where they were.
            (
                "{\"a\": 1, \"b\": 0,\n \"c\": 2}",
                "/b",
                "{\"a\": 1,\n \"c\": 2}",
            ),
            (
                "{\"a\": 1,\n \"b\": 0, \"c\": 2}",
                "/b",
                "{\"a\": 1,\n \"c\": 2}",
            ),
            ("{\"b\": 0,\n \"c\": 2}", "/b", "{\"c\": 2}"),
        ];
        for (text, pointer, want) in cases {
            assert_eq!(
                fixed(text, remove(pointer)).as_deref(),
                Some(want),
                "{text:?} {pointer}"
            );
        }
    }

    #[test]
    fn replace_rename_wrap_and_unwrap_edit_only_their_bytes() {
        let replace = vec![Change::Replace {
            at: at("/0/id"),
            json: "\"1001\"".into(),
        }];
        assert_eq!(
            fixed("[ {\"id\" :1001 } ]", replace).as_deref(),
            Some("[ {\"id\" :\"1001\" } ]")
        );
        let rename = vec![Change::RenameKey {
            at: at("/refundQuantity"),
            key: "refunded\"Quantity".into(),
        }];
        assert_eq!(
            fixed("{\"refundQuantity\": 2}", rename).as_deref(),
            Some("{\"refunded\\\"Quantity\": 2}")
        );
        let wrap = vec![Change::Wrap {
            at: Pointer::root(),
            before: "{\"items\": ".into(),
            after: "}".into(),
        }];
        assert_eq!(
            fixed(" [1]\n", wrap).as_deref(),
            Some(" {\"items\": [1]}\n")
        );
        let unwrap = vec![Change::Unwrap {
            at: at("/orders"),
            within: Pointer::root(),
        }];
        assert_eq!(
            fixed("{\"orders\": [\n  1\n], \"x\": 1}\n", unwrap).as_deref(),
            Some("[\n  1\n]\n")
        );
    }

    #[test]
    fn a_fix_that_cannot_be_located_whole_is_not_offered() {
        assert_eq!(fixed(r#"{"a":1}"#, remove("/b")), None);
        assert_eq!(fixed(r#"{"a":1}"#, remove("")), None);
        // Two changes of one fix that overlap.
        let both = vec![
            Change::Remove { at: at("/a") },
            Change::Replace {
                at: at("/a"),
                json: "2".into(),
            },
        ];
        assert_eq!(fixed(r#"{"a":1,"b":2}"#, both), None);
        // A rename of an array element: it has no key.
        let rename = vec![Change::RenameKey {
            at: at("/0"),
            key: "k".into(),
        }];
        assert_eq!(fixed("[1]", rename), None);
    }

    #[test]
    #[allow(clippy::many_single_char_names)]
    fn overlapping_fixes_wait_for_the_next_pass_and_insertions_at_one_place_too() {
        let edit = |start, end, content: &str| Edit {
            span: Span { start, end },
            content: content.into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        };
        let fix = |edits| {
            let mut f = Fix::safe("t", vec![]);
            f.edits = edits;
            f
        };
        let a = fix(vec![edit(0, 2, "x")]);
        let b = fix(vec![edit(1, 3, "y")]);
        let c = fix(vec![edit(3, 3, "<")]);
        let d = fix(vec![edit(3, 3, ">")]);
        let e = fix(vec![edit(4, 5, "")]);
        let out = apply("abcdef", [&e, &d, &c, &b, &a]);
        // `a` first (by its first edit), `b` overlaps it; `d` and `c` insert at one place: the
        // first given wins; `e` starts past that place.
        assert_eq!((out.fixed, out.skipped), (3, 2));
        assert_eq!(out.text, "xc>df");
        let empty = Fix::safe("t", vec![]);
        assert_eq!(apply("abc", [&empty]).fixed, 0);
    }
}
