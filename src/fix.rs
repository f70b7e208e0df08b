//! Fixes, ruff's way: a rule says what to change in the payload's terms ([`Change`], by
//! pointer), the linter turns that into byte [`Edit`]s on the original text, and `--fix`
//! applies them, so everything outside the edits stays byte for byte as it was.
//!
//! A fix is [`Applicability::Safe`] when applying it cannot change what the payload means to a
//! careful reader (`cancelledAt: 0` removed, an id written as a number turned into the same
//! digits as a string), and [`Applicability::Unsafe`] when it changes a number a person should
//! look at (a tax divided by the quantity, a total recomputed).

use serde::Serialize;

use crate::json::{Pointer, Span};

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
