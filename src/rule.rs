//! The rule engine's vocabulary: the `Rule` trait, the `Context` rules report through, the
//! `Settings` they read, and `declare_rule!`. `RuleMeta` and `Category` are plain data shared
//! with the built-in codes, so they live in `diagnostic` and are re-exported here.

use std::collections::BTreeMap;

use crate::diagnostic::{Anchor, Diagnostic, RuleLevel, Severity, Sink};
use crate::fix::Fix;
use crate::json::Pointer;
use crate::money::Tolerance;
use crate::payload::{ApiVersion, PayloadKind};
use crate::references::FileFacts;
use crate::status::StatusMapping;
use crate::view::{Cost, Order, Refund};

pub use crate::diagnostic::{Category, RuleMeta};
pub use crate::seen_ids::{FirstSeen, SeenIds};

/// Gives a rule its metadata; implemented by `declare_rule!`.
pub trait Meta {
    /// The rule's static metadata.
    fn meta(&self) -> &'static RuleMeta;
}

/// A Klar-specific check. Every hook is a no-op by default: a rule implements only what it needs.
/// Rules see every object, whether or not it passed its schema, as typed views that know their
/// pointers; they report pointers, never bytes. A value of the wrong type (or `null`) reads as
/// absent in a view, and a sum over a list with such an entry is `None`: a rule that lacks an
/// input stays silent rather than guessing, and the schema has already reported the value.
pub trait Rule: Meta + Send + Sync {
    /// Called once per order.
    fn check_order(&self, _order: &Order<'_>, _cx: &mut Context<'_>) {}
    /// Called once per refund.
    fn check_refund(&self, _refund: &Refund<'_>, _cx: &mut Context<'_>) {}
    /// Called once per COGS, logistics-costs or transaction-costs item.
    fn check_cost(&self, _cost: &Cost<'_>, _cx: &mut Context<'_>) {}
    /// Called in file order, with the file's state, once per [`Note`] this rule left with
    /// [`Context::defer`] while checking an object: the one place a rule sees across objects.
    fn check_in_order(&self, _note: &Note, _state: &mut FileState, _cx: &mut Context<'_>) {}
}

/// What a rule leaves for itself to finish in file order (see [`Context::defer`]): owned, so
/// the object's parsed tree can be freed before the objects before it are done.
#[derive(Clone, Debug)]
pub struct Note {
    /// Where a finding would be.
    pub at: Pointer,
    /// The value the check is about (an id).
    pub value: String,
    /// What the object is, for the message ("order", "refund").
    pub what: &'static str,
}

/// What a rule may remember across the objects of one file (JSON Lines included), such as ids
/// already seen.
#[derive(Debug)]
pub struct FileState {
    /// Each top-level id seen so far, and where it was first seen.
    pub ids: SeenIds,
    /// In a JSON Lines file, the line of the record being checked (its pointers start at the
    /// record); `None` in a document, where every pointer finds its own line.
    pub line: Option<usize>,
    /// The objects' facts for the checks across files, when a run collects them (see
    /// `references`).
    pub(crate) facts: Option<FileFacts>,
}

impl Default for FileState {
    fn default() -> Self {
        Self {
            ids: SeenIds::default(),
            line: None,
            facts: FileFacts::current(),
        }
    }
}

/// What rules may read of the configuration, handed to them through [`Context`]: rules never see
/// the whole `Config`, so the registry sits below the configuration that checks rule names
/// against it. A rule that needs another setting adds a field here (and its line in
/// `Config::settings`).
#[derive(Clone, Copy, Debug)]
pub struct Settings<'a> {
    /// The levels `[rules]` sets, by rule name (see [`Context::report_at_most`]).
    pub rules: &'a BTreeMap<&'static str, RuleLevel>,
    /// The money tolerance policy (`[tolerance]`).
    pub tolerance: &'a Tolerance,
    /// How order statuses map to Klar's buckets (`[status-mapping]`).
    pub status_mapping: &'a StatusMapping,
}

/// What a rule reports through, and what it may read of the run.
///
/// The linter checks the objects of a file in parallel, and frees each object's parsed tree
/// right after, on the thread that built it. A check across objects (an id seen before) leaves
/// a [`Note`] with [`Context::defer`]: the rule's [`Rule::check_in_order`] gets it in file
/// order, with the file's [`FileState`], which no `check_*` hook can reach.
pub struct Context<'a> {
    pub(crate) meta: &'static RuleMeta,
    pub(crate) severity: Severity,
    pub(crate) settings: Settings<'a>,
    pub(crate) version: ApiVersion,
    pub(crate) kind: PayloadKind,
    /// Where findings go: bounded by the per-file limit while the object is checked.
    pub(crate) diagnostics: Sink<'a>,
    notes: &'a mut Vec<Note>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        meta: &'static RuleMeta,
        severity: Severity,
        settings: Settings<'a>,
        (version, kind): (ApiVersion, PayloadKind),
        diagnostics: Sink<'a>,
        notes: &'a mut Vec<Note>,
    ) -> Self {
        Self {
            meta,
            severity,
            settings,
            version,
            kind,
            diagnostics,
            notes,
        }
    }
}

impl Context<'_> {
    /// Reports a finding of the running rule at `pointer`.
    pub fn report(&mut self, pointer: Pointer, message: impl Into<String>) -> Reported<'_> {
        let mut diagnostic = Diagnostic::new(self.meta, pointer, message);
        diagnostic.severity = self.severity;
        Reported(self.diagnostics.push(diagnostic))
    }

    /// Reports a finding at no more than `ceiling`, unless the configuration sets the rule's
    /// level (then that level, as for every finding of the rule): for a rule whose findings
    /// differ in what is known, such as `zero-date`, where Klar is known to reject
    /// `cancelledAt: 0` but the official connector's `closedAt: 0` is accepted.
    pub fn report_at_most(
        &mut self,
        ceiling: Severity,
        pointer: Pointer,
        message: impl Into<String>,
    ) -> Reported<'_> {
        let configured = self.settings.rules.contains_key(self.meta.name);
        let severity = if configured {
            self.severity
        } else {
            self.severity.min(ceiling)
        };
        let mut diagnostic = Diagnostic::new(self.meta, pointer, message);
        diagnostic.severity = severity;
        Reported(self.diagnostics.push(diagnostic))
    }

    /// The money tolerance policy in force.
    #[must_use]
    pub fn tolerance(&self) -> &Tolerance {
        self.settings.tolerance
    }

    /// The settings rules may read (tolerance, status mapping).
    #[must_use]
    pub fn settings(&self) -> Settings<'_> {
        self.settings
    }

    /// The API version of the file.
    #[must_use]
    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// The payload kind of the file.
    #[must_use]
    pub fn kind(&self) -> PayloadKind {
        self.kind
    }

    /// Leaves `note` for this rule's [`Rule::check_in_order`], called in file order with the
    /// file's state (see [`Context`]).
    pub fn defer(&mut self, note: Note) {
        self.notes.push(note);
    }
}

/// A finding just reported; add help and labels to it (the builder may be dropped at any point).
pub struct Reported<'d>(Option<&'d mut Diagnostic>);

impl Reported<'_> {
    /// What to do about it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        if let Some(d) = self.0.as_deref_mut() {
            d.help = Some(help.into());
        }
        self
    }

    /// Another place that explains the finding.
    pub fn label(self, pointer: Pointer, text: impl Into<String>) -> Self {
        self.label_on_line(pointer, None, text)
    }

    /// Another place that explains the finding, in another JSON Lines record whose line is
    /// known (see [`FileState::line`]): its text is gone by now, so the line is all there is.
    pub fn label_on_line(
        mut self,
        pointer: Pointer,
        line: Option<usize>,
        text: impl Into<String>,
    ) -> Self {
        if let Some(d) = self.0.as_deref_mut() {
            d.labels.push(crate::diagnostic::Label {
                pointer,
                span: None,
                line,
                column: None,
                text: text.into(),
                path: None,
            });
        }
        self
    }

    /// The fix for it (see [`crate::fix`]); document it under the rule page's `## Fix`.
    pub fn fix(mut self, fix: Fix) -> Self {
        if let Some(d) = self.0.as_deref_mut() {
            d.fix = Some(fix);
        }
        self
    }

    /// Underline the key rather than the value.
    pub fn anchor(mut self, anchor: Anchor) -> Self {
        if let Some(d) = self.0.as_deref_mut() {
            d.anchor = anchor;
        }
        self
    }
}

/// Declares a rule: its doc comment (the documentation page), name, category, default severity,
/// versions and kinds, in one place.
#[macro_export]
#[doc(hidden)]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis $ty:ident {
            name: $name:literal,
            category: $category:ident,
            severity: $severity:ident,
            versions: [$($version:ident),* $(,)?],
            kinds: [$($kind:ident),* $(,)?]
            $(, derived: $derived:literal)?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        $vis struct $ty;

        impl $crate::rule::Meta for $ty {
            fn meta(&self) -> &'static $crate::rule::RuleMeta {
                static META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
                    name: $name,
                    category: $crate::rule::Category::$category,
                    severity: $crate::diagnostic::Severity::$severity,
                    versions: &[$($crate::payload::ApiVersion::$version),*],
                    kinds: &[$($crate::payload::PayloadKind::$kind),*],
                    derived: $crate::declare_rule!(@derived $($derived)?),
                    builtin: false,
                    docs: concat!($($doc, "\n"),*),
                };
                &META
            }
        }
    };
    (@derived) => { false };
    (@derived $derived:literal) => { $derived };
}
