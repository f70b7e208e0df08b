//! The rule engine's vocabulary: `RuleMeta`, `Category`, the `Rule` trait, the `Context` rules
//! report through, and `declare_rule!`.

use std::fmt;

use serde::Serialize;

use crate::config::Config;
use crate::diagnostic::{Anchor, Diagnostic, Severity};
use crate::json::Pointer;
use crate::money::Tolerance;
use crate::payload::{ApiVersion, PayloadKind};
use crate::view::{Cost, Order, Refund};

pub use crate::seen_ids::{FirstSeen, SeenIds};

/// What a rule is about. Borrowed from clippy's idea of groups: each has one meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Syntax, types, required and unknown fields, the request envelope.
    Schema,
    /// Prices, taxes, discounts, checksums, bundles: what revenue is computed from.
    Money,
    /// References between objects and duplicates.
    Integrity,
    /// Timestamps.
    Dates,
    /// Statuses, currency and country codes, and how Klar maps them.
    Mapping,
    /// Request limits: batch sizes.
    Limits,
    /// Version mismatches.
    Compat,
    /// Problems of the run itself: unreadable files, unknown kinds, internal errors.
    Tool,
}

impl Category {
    /// Every category.
    pub const ALL: [Category; 8] = [
        Category::Schema,
        Category::Money,
        Category::Integrity,
        Category::Dates,
        Category::Mapping,
        Category::Limits,
        Category::Compat,
        Category::Tool,
    ];

    /// The lower-case name used by `--select` and in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Schema => "schema",
            Category::Money => "money",
            Category::Integrity => "integrity",
            Category::Dates => "dates",
            Category::Mapping => "mapping",
            Category::Limits => "limits",
            Category::Compat => "compat",
            Category::Tool => "tool",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Everything known about a rule or built-in code without running it.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable kebab-case name, as used in configs: `zero-date`.
    pub name: &'static str,
    /// What the rule is about.
    pub category: Category,
    /// Severity unless the configuration says otherwise.
    pub severity: Severity,
    /// API versions the rule is declared for. It also runs on the versions checked as one of
    /// them (04.2024 and 06.2024 as 12.2022, see [`ApiVersion::checked_as`]):
    /// [`RuleMeta::run_versions`] lists them all.
    pub versions: &'static [ApiVersion],
    /// Payload kinds the rule applies to.
    pub kinds: &'static [PayloadKind],
    /// A rule that checks totals: its finding is dropped on a line that already has a finding
    /// from a rule that is not derived (one root cause, one diagnostic).
    pub derived: bool,
    /// Produced by the linter itself rather than by a `Rule` implementation.
    pub builtin: bool,
    /// The documentation page (Markdown), from the doc comment.
    pub docs: &'static str,
}

impl RuleMeta {
    /// The documentation with the doc comment's leading space removed from each line.
    #[must_use]
    pub fn page(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The first sentence under "What it does", for `klar-lint rules` and SARIF.
    #[must_use]
    pub fn summary(&self) -> String {
        let paragraph = self.first_paragraph();
        let end = paragraph
            .match_indices(". ")
            .map(|(i, _)| i)
            .find(|&i| {
                !paragraph
                    .get(..i)
                    .is_some_and(|s| s.ends_with("e.g") || s.ends_with("i.e"))
            })
            .map_or(paragraph.len(), |i| i + 1);
        paragraph
            .get(..end)
            .unwrap_or(&paragraph)
            .trim_end_matches('.')
            .to_owned()
    }

    /// The whole first paragraph under "What it does".
    #[must_use]
    pub fn first_paragraph(&self) -> String {
        let page = self.page();
        let mut lines = page
            .lines()
            .skip_while(|l| !l.starts_with("## What it does"));
        lines.next();
        let mut summary = String::new();
        for line in lines {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                if summary.is_empty() {
                    continue;
                }
                break;
            }
            if !summary.is_empty() {
                summary.push(' ');
            }
            summary.push_str(line);
        }
        summary
    }

    /// Whether the rule runs on this version and kind: a version runs the rules of the version
    /// it is checked as, so a rule declared for 12.2022 runs on 04.2024 and 06.2024 too.
    #[must_use]
    pub fn applies_to(&self, version: ApiVersion, kind: PayloadKind) -> bool {
        self.runs_on(version) && self.kinds.contains(&kind)
    }

    /// Whether the rule runs on this version, whatever the kind.
    #[must_use]
    pub fn runs_on(&self, version: ApiVersion) -> bool {
        self.versions.contains(&version) || self.versions.contains(&version.checked_as())
    }

    /// Every version the rule runs on, oldest first: those it declares and those checked as
    /// one of them. What `klar-lint rules` and `explain` list.
    #[must_use]
    pub fn run_versions(&self) -> Vec<ApiVersion> {
        ApiVersion::ALL
            .into_iter()
            .filter(|&v| self.runs_on(v))
            .collect()
    }
}

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
#[derive(Debug, Default)]
pub struct FileState {
    /// Each top-level id seen so far, and where it was first seen.
    pub ids: SeenIds,
    /// In a JSON Lines file, the line of the record being checked (its pointers start at the
    /// record); `None` in a document, where every pointer finds its own line.
    pub line: Option<usize>,
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
    pub(crate) config: &'a Config,
    pub(crate) version: ApiVersion,
    pub(crate) kind: PayloadKind,
    pub(crate) diagnostics: &'a mut Vec<Diagnostic>,
    notes: &'a mut Vec<Note>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        meta: &'static RuleMeta,
        severity: Severity,
        config: &'a Config,
        (version, kind): (ApiVersion, PayloadKind),
        diagnostics: &'a mut Vec<Diagnostic>,
        notes: &'a mut Vec<Note>,
    ) -> Self {
        Self {
            meta,
            severity,
            config,
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
        self.diagnostics.push(diagnostic);
        Reported(self.diagnostics.last_mut())
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
        let configured = self.config.rules.contains_key(self.meta.name);
        let severity = if configured {
            self.severity
        } else {
            self.severity.min(ceiling)
        };
        let mut diagnostic = Diagnostic::new(self.meta, pointer, message);
        diagnostic.severity = severity;
        self.diagnostics.push(diagnostic);
        Reported(self.diagnostics.last_mut())
    }

    /// The money tolerance policy in force.
    #[must_use]
    pub fn tolerance(&self) -> &Tolerance {
        &self.config.tolerance
    }

    /// The whole configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        self.config
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
            });
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
