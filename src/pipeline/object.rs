//! Checking one top-level object: schema, then the rules that apply, then its revenue; and
//! completing a chunk of checked objects in file order (notes, revenue, the per-file cap).

use rayon::prelude::*;
use serde_json::Value;

use super::finish::drop_derived;
use super::report::{below_floor, keep_most_severe, Truncated};
use super::{Pipeline, PARALLEL_MIN};
use crate::codes;
use crate::diagnostic::{Diagnostic, Dropped, Severity, Sink};
use crate::json::Pointer;
use crate::payload::{ApiVersion, PayloadKind};
use crate::revenue::{Contribution, Revenue};
use crate::rule::{Context, FileState, Note, Rule};
use crate::rules;
use crate::schema::SchemaError;
use crate::view::{Cost, Order, Reader, Refund};

impl Pipeline {
    /// Schema, then every rule, then revenue, for each object of a chunk; in parallel when the
    /// chunk is big enough. The findings of each object stay apart, in the chunk's order;
    /// [`Linter::finish_chunk`] completes them in order.
    pub(super) fn check_chunk(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
        objects: Vec<(Pointer, &Value)>,
    ) -> Vec<Checked> {
        if !self.parallel || objects.len() < PARALLEL_MIN {
            objects
                .into_iter()
                .map(|(ptr, object)| self.check_object(version, kind, object, ptr))
                .collect()
        } else {
            objects
                .into_par_iter()
                .map(|(ptr, object)| self.check_object(version, kind, object, ptr))
                .collect()
        }
    }

    /// The rules that run on objects of this version and kind.
    fn active(&self, version: ApiVersion, kind: PayloadKind) -> &[(usize, Severity)] {
        let v = ApiVersion::ALL.iter().position(|&x| x == version);
        let k = PayloadKind::ALL.iter().position(|&x| x == kind);
        v.zip(k)
            .and_then(|(v, k)| self.active.get(v * PayloadKind::ALL.len() + k))
            .map_or(&[], Vec::as_slice)
    }

    /// Completes a chunk in file order: hands the rules their notes (see [`Context::defer`]),
    /// adds each object's revenue, and moves its findings to `out` under the per-file limit
    /// (see [`keep_most_severe`]: a million bad objects must not exhaust memory). Returns
    /// `false` when a schema is unusable (reported, and the file stops there, as it would have
    /// object by object).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn finish_chunk(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
        checked: Vec<Checked>,
        state: &mut FileState,
        revenue: &mut Revenue,
        out: &mut Vec<Diagnostic>,
        cap: &mut Cap<'_>,
    ) -> bool {
        for mut c in checked {
            if let Some(e) = c.failure {
                out.push(schema_failure(&e));
                return false;
            }
            self.finish_notes(version, kind, &mut c, state);
            let dropped_errors = c.dropped.errors;
            c.count_dropped(cap.truncated);
            if let Some(overflow) = c.revenue.take().and_then(|r| revenue.add(r)) {
                c.diagnostics.push(overflow.diagnostic());
            }
            if let Some(feed) = cap.feed.as_mut() {
                self.apply_levels(&mut c.diagnostics, cap.path);
                feed.object(self, cap.path, &c.diagnostics, dropped_errors);
            }
            if c.diagnostics.is_empty() {
                continue;
            }
            self.apply_levels(&mut c.diagnostics, cap.path);
            below_floor(&mut c.diagnostics, cap.floor, cap.truncated);
            out.append(&mut c.diagnostics);
            let max = self.config.max_diagnostics_per_file;
            if out.len().saturating_sub(cap.before_objects) > max.saturating_mul(2) {
                cap.floor = keep_most_severe(out, cap.before_objects, max, cap.truncated);
            }
        }
        true
    }

    /// Schema, then rules, then revenue, for one top-level object. What it leaves for file
    /// order (findings, notes, revenue) is owned: the object's tree may be freed at once.
    pub(super) fn check_object(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
        object: &Value,
        ptr: Pointer,
    ) -> Checked {
        let mut checked = Checked::default();
        let out = &mut checked.diagnostics;
        let max = self.config.max_diagnostics_per_file;
        let dropped = &mut checked.dropped;
        // Every rule runs whether or not the schema passed: one type slip must not hide a
        // money mistake elsewhere in the object. Views read a mistyped value as absent, and a
        // rule missing an input stays silent. Revenue, though, leaves the object out: a total
        // built from some of its amounts would be silently short.
        let valid = match self.schemas.validate_bounded(
            version,
            kind,
            (object, &ptr),
            out,
            (max, &mut *dropped),
        ) {
            Err(e) => {
                checked.failure = Some(e);
                return checked;
            }
            Ok(valid) => valid,
        };
        let Some(map) = object.as_object() else {
            checked.revenue =
                (!valid && kind != PayloadKind::Refunds).then_some(Contribution::LeftOut);
            return checked;
        };
        let mut reader = Reader {
            issues: Sink {
                list: &mut *out,
                max,
                dropped: &mut *dropped,
            },
            bundles: version == ApiVersion::V07_2025,
            out_of_range: false,
        };
        let view = match kind {
            PayloadKind::Orders => View::Order(Order::read(&mut reader, map, ptr)),
            PayloadKind::Refunds => View::Refund(Refund::read(&mut reader, map, ptr)),
            PayloadKind::Cogs | PayloadKind::LogisticsCosts | PayloadKind::TransactionCosts => {
                View::Cost(Cost::read(&mut reader, kind, map, ptr))
            }
        };
        let out_of_range = reader.out_of_range;
        let mut notes = Vec::new();
        for &(i, severity) in self.active(version, kind) {
            let Some(rule) = rules::ALL.get(i) else {
                continue;
            };
            let mut cx = self.context(
                rule.meta(),
                severity,
                (version, kind),
                (&mut *out, &mut *dropped),
                &mut notes,
            );
            view.check(*rule, &mut cx);
            checked
                .notes
                .extend(notes.drain(..).map(|note| (i, severity, note)));
        }
        if crate::references::collecting() {
            checked.facts = match &view {
                View::Order(order) => crate::references::order_facts(order),
                View::Refund(refund) => crate::references::refund_facts(refund),
                View::Cost(cost) => crate::references::cost_facts(cost),
            };
        }
        // An order's money is worked out whether or not it is valid: an overflow is a finding.
        let contribution = match &view {
            View::Refund(_) => None,
            View::Order(order) => Some(
                Contribution::order(order, &self.config.status_mapping).unwrap_or_else(|o| {
                    Sink {
                        list: &mut *out,
                        max,
                        dropped: &mut *dropped,
                    }
                    .push(o.diagnostic());
                    Contribution::Overflowed
                }),
            ),
            View::Cost(cost) => Some(Contribution::cost(cost)),
        };
        checked.revenue = contribution.map(|c| match c {
            _ if !valid => Contribution::LeftOut,
            _ if out_of_range => Contribution::Overflowed,
            c => c,
        });
        drop_derived(out, 0);
        checked
    }

    /// The context a rule reports through for one object: its findings go to `list`, bounded
    /// by the per-file limit (the rest counted in `dropped`), its notes to `notes`.
    fn context<'a>(
        &'a self,
        meta: &'static crate::rule::RuleMeta,
        severity: Severity,
        version_kind: (ApiVersion, PayloadKind),
        (list, dropped): (&'a mut Vec<Diagnostic>, &'a mut Dropped),
        notes: &'a mut Vec<Note>,
    ) -> Context<'a> {
        Context::new(
            meta,
            severity,
            self.config.settings(),
            version_kind,
            Sink {
                list,
                max: self.config.max_diagnostics_per_file,
                dropped,
            },
            notes,
        )
    }

    /// Hands the notes one object's rules left to those rules, in file order and with the
    /// file's state, then puts the object's findings back in the order the rules are listed
    /// in, as if they had run together.
    pub(super) fn finish_notes(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
        checked: &mut Checked,
        state: &mut FileState,
    ) {
        if let Some(facts) = state.facts.as_mut() {
            facts.add(std::mem::take(&mut checked.facts), state.line);
        }
        if checked.notes.is_empty() {
            return;
        }
        // A rule finishing a note has nothing to finish a new one: any it leaves are dropped.
        let mut no_notes = Vec::new();
        for (i, severity, note) in std::mem::take(&mut checked.notes) {
            let Some(rule) = rules::ALL.get(i) else {
                continue;
            };
            let mut cx = self.context(
                rule.meta(),
                severity,
                (version, kind),
                (&mut checked.diagnostics, &mut checked.dropped),
                &mut no_notes,
            );
            rule.check_in_order(&note, state, &mut cx);
        }
        // Built-in findings (schema, number-range, duplicate keys) came first, then each
        // rule's in registry order; a stable sort restores that.
        checked.diagnostics.sort_by_key(|d| {
            rules::ALL
                .iter()
                .position(|r| std::ptr::eq(r.meta(), d.code))
                .map_or(0, |i| i + 1)
        });
        drop_derived(&mut checked.diagnostics, 0);
    }
}

/// An unusable schema override, reported once: the file stops there.
pub(super) fn schema_failure(e: &SchemaError) -> Diagnostic {
    Diagnostic::new(&codes::INTERNAL_ERROR, Pointer::root(), e.to_string())
        .with_help("fix the schema given with --schemas")
}

/// A typed view of one top-level object, for the rules.
// Orders are the big variant and the common one; boxing would allocate once per order.
#[allow(clippy::large_enum_variant)]
enum View<'v> {
    Order(Order<'v>),
    Refund(Refund<'v>),
    Cost(Cost<'v>),
}

impl View<'_> {
    fn check(&self, rule: &dyn Rule, cx: &mut Context<'_>) {
        match self {
            View::Order(order) => rule.check_order(order, cx),
            View::Refund(refund) => rule.check_refund(refund, cx),
            View::Cost(cost) => rule.check_cost(cost, cx),
        }
    }
}

/// One object after its schema and rules: all owned, nothing borrowed from its tree.
#[derive(Default)]
pub(super) struct Checked {
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Notes left for rules to finish in file order: (index in `rules::ALL`, severity, note).
    pub(super) notes: Vec<(usize, Severity, Note)>,
    /// What it adds to the file's revenue, added in file order.
    pub(super) revenue: Option<Contribution>,
    /// The schema for the object's version and kind is unusable.
    pub(super) failure: Option<SchemaError>,
    /// What it tells the checks across files, when a run collects it (see `references`).
    pub(super) facts: Vec<crate::references::Record>,
    /// Findings past twice the per-file limit inside this one object: counted, not kept.
    pub(super) dropped: Dropped,
}

impl Checked {
    /// Moves the count of findings let go inside the object to the report's.
    pub(super) fn count_dropped(&mut self, truncated: &mut Truncated) {
        let d = std::mem::take(&mut self.dropped);
        truncated.errors += d.errors;
        truncated.warnings += d.warnings;
        truncated.infos += d.infos;
    }
}

/// The per-file limit on findings while objects are completed.
pub(super) struct Cap<'r> {
    /// Findings made before the first object (envelope, duplicate keys).
    pub(super) before_objects: usize,
    /// The report's count of findings let go.
    pub(super) truncated: &'r mut Truncated,
    /// Findings at or below this severity are let go at once (see [`keep_most_severe`]).
    pub(super) floor: Option<Severity>,
    /// The file's path, for per-path `[[overrides]]`.
    pub(super) path: &'r str,
    /// Where each object goes as it is completed, when a tap is set (`split`).
    pub(super) feed: Option<super::tap::Feed<'r>>,
}
