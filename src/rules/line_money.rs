//! Line arithmetic shared by the money rules: the numbers of one line, its after-total under
//! per-unit and line-total readings, tax contained in a gross price, and message helpers.

use rust_decimal::Decimal;

use crate::fix::{Change, Fix};
use crate::json::Pointer;
use crate::money::{display_computed, display_in, fix_amount, round_to_minor, Tolerance};
use crate::rule::Reported;
use crate::view::{Discount, LineItem, Order, Tax};

/// The numbers of one money line that its arithmetic needs: a positive quantity, the per-unit
/// price, and the per-unit sums of its taxes and discounts. Sums are checked, so absurd values
/// make the line unreadable instead of overflowing.
#[derive(Clone, Copy)]
pub(super) struct LineMath {
    /// `quantity`, greater than 0.
    pub(super) q: Decimal,
    /// `productGmv`.
    pub(super) gmv: Decimal,
    /// Σ `taxAmount` (per unit).
    pub(super) tax: Decimal,
    /// Σ `discountAmount` (per unit).
    pub(super) disc: Decimal,
}

impl LineMath {
    /// `None` when the quantity is absent, zero or negative (`invalid-quantity`'s case), the
    /// price is absent, or a sum overflows.
    pub(super) fn of(line: &LineItem<'_>) -> Option<Self> {
        let q = line.quantity.filter(|q| *q > Decimal::ZERO)?;
        Some(Self {
            q,
            gmv: line.gmv?,
            tax: checked_sum(line.taxes.iter().map(|t| t.amount))?,
            disc: checked_sum(line.discounts.iter().map(|d| d.amount))?,
        })
    }

    /// The after-total with the taxes and the discounts each read per unit (as the API means
    /// them) or as line totals: `Q × GMV − (Q ×) Σtax − (Q ×) Σdisc`.
    pub(super) fn after(&self, tax_as_total: bool, disc_as_total: bool) -> Option<Decimal> {
        let gross = self.q.checked_mul(self.gmv)?;
        let tax = if tax_as_total {
            self.tax
        } else {
            self.q.checked_mul(self.tax)?
        };
        let disc = if disc_as_total {
            self.disc
        } else {
            self.q.checked_mul(self.disc)?
        };
        gross.checked_sub(tax)?.checked_sub(disc)
    }

    /// Which readings of the taxes and discounts the line's after-total agrees with, within
    /// the line tolerance; `None` without an after-total.
    pub(super) fn after_readings(
        &self,
        line: &LineItem<'_>,
        tol: Decimal,
    ) -> Option<AfterReadings> {
        let after = line.after?;
        let agrees = |tax_total, disc_total| {
            self.after(tax_total, disc_total)
                .is_some_and(|v| Tolerance::within(after, v, tol))
        };
        Some(AfterReadings {
            per_unit: agrees(false, false),
            tax_total: agrees(true, false),
            disc_total: agrees(false, true),
            both_total: agrees(true, true),
        })
    }
}

/// The allowance for a line's per-unit tax: the per-unit allowance, divided by the quantity
/// below one unit so that the line's tax, quantity × `taxAmount`, is held to it (a rounded row
/// tax divided by 0.125 is otherwise off by up to 4 minor units per unit from rounding alone).
pub(super) fn tax_tolerance(q: Decimal, exp: u32, tolerance: &Tolerance) -> Decimal {
    let unit = tolerance.per_unit_abs(exp);
    if q < Decimal::ONE {
        unit.checked_div(q).unwrap_or(unit)
    } else {
        unit
    }
}

/// One discount entry that a line's after-total leaves out (docs/klar-api.md §14.3 item 3, §14.4 item 4):
/// the after-total misses quantity × (`productGmv` − Σ taxes − Σ discounts), and is that plus
/// quantity × this entry's amount, within the line tolerance, for this entry and no other.
pub(super) struct LeftOut<'l, 'a> {
    /// The entry.
    pub(super) discount: &'l Discount<'a>,
    /// Its `discountAmount`, per unit.
    pub(super) amount: Decimal,
    /// The after-total with every discount subtracted.
    pub(super) expected: Decimal,
    /// Which value the numbers say is wrong.
    pub(super) wrong: LeftOutReading,
}

/// What a line's taxes say about a discount entry its after-total leaves out.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum LeftOutReading {
    /// The taxes are the tax contained in the price without the entry, as is the after-total:
    /// `productGmv` is already the reduced price and the entry counts the reduction twice (C2's
    /// "Price Reduction"). The entry is the inconsistency.
    Entry,
    /// The taxes are worked out on the price less the entry: the reduction is real and the
    /// after-total forgot it.
    AfterTotal,
    /// The taxes do not tell (none, no rates, or both readings fit): the entry is reported,
    /// with both fixes.
    Unknown,
}

impl LineMath {
    /// The one discount entry the after-total leaves out, if the numbers show one; `None` when
    /// the after-total adds up (within the tolerance of the exact value or its rounding), when
    /// no entry or more than one explains it, or when an entry is too small to tell apart from
    /// rounding (quantity × amount at most twice the line tolerance).
    pub(super) fn left_out_discount<'l, 'a>(
        &self,
        line: &'l LineItem<'a>,
        exp: u32,
        tolerance: &Tolerance,
    ) -> Option<LeftOut<'l, 'a>> {
        let after = line.after?;
        let expected = self.after(false, false)?;
        let tol = tolerance.line_abs(exp, self.q, line.entries());
        let rounded = round_to_minor(expected, exp);
        if Tolerance::within(after, expected, tol) || Tolerance::within(after, rounded, tol) {
            return None;
        }
        let twice = tol.checked_mul(Decimal::TWO)?;
        let mut found = line.discounts.iter().filter_map(|discount| {
            let amount = discount.amount.filter(|a| *a > Decimal::ZERO)?;
            let missing = self.q.checked_mul(amount)?;
            let without = expected.checked_add(missing)?;
            (missing > twice && Tolerance::within(after, without, tol))
                .then_some((discount, amount))
        });
        let (discount, amount) = found.next()?;
        if found.next().is_some() {
            return None;
        }
        Some(LeftOut {
            discount,
            amount,
            expected,
            wrong: self.tax_reading(line, amount, exp, tolerance),
        })
    }

    /// Whether the line's taxes were worked out on the price less every discount, or on the
    /// price less every discount but the one of `amount`.
    fn tax_reading(
        &self,
        line: &LineItem<'_>,
        amount: Decimal,
        exp: u32,
        tolerance: &Tolerance,
    ) -> LeftOutReading {
        let tol = tax_tolerance(self.q, exp, tolerance);
        let fits = |base: Option<Decimal>| -> bool {
            let Some(rates) = rate_sum(&line.taxes) else {
                return false;
            };
            let tax = base
                .filter(|b| *b >= Decimal::ZERO)
                .and_then(|b| contained_tax(b, rates, rates));
            tax.is_some_and(|t| {
                Tolerance::within(self.tax, t, tol)
                    || Tolerance::within(self.tax, round_to_minor(t, exp), tol)
            })
        };
        if line.taxes.is_empty() || line.taxes.iter().any(|t| t.amount.is_none()) {
            return LeftOutReading::Unknown;
        }
        let all = self.gmv.checked_sub(self.disc);
        let without = all.and_then(|b| b.checked_add(amount));
        match (fits(without), fits(all)) {
            (true, false) => LeftOutReading::Entry,
            (false, true) => LeftOutReading::AfterTotal,
            _ => LeftOutReading::Unknown,
        }
    }
}

/// Which amounts of a line a reading takes as line totals.
#[derive(Clone, Copy)]
pub(super) enum Amounts {
    /// The `taxAmount`s.
    Taxes,
    /// The `discountAmount`s.
    Discounts,
}

/// A line read for taxes or discounts sent as line totals, the shared start of `per-unit-tax`
/// and `per-unit-discount`.
pub(super) struct TotalsReading {
    /// The line's numbers.
    pub(super) math: LineMath,
    /// The line tolerance for the line's quantity and entries.
    pub(super) tol_line: Decimal,
    /// The line holds more than one unit and its after-total adds up only with the amounts
    /// read as line totals.
    pub(super) after_says_total: bool,
}

impl TotalsReading {
    /// `None` when the line has no [`LineMath`].
    pub(super) fn of(
        line: &LineItem<'_>,
        amounts: Amounts,
        exp: u32,
        tolerance: &Tolerance,
    ) -> Option<Self> {
        let math = LineMath::of(line)?;
        let tol_line = tolerance.line_abs(exp, math.q, line.entries());
        let after_says_total = math.q > Decimal::ONE
            && math
                .after_readings(line, tol_line)
                .is_some_and(|r| match amounts {
                    Amounts::Taxes => r.only_if_taxes_are_totals(),
                    Amounts::Discounts => r.only_if_discounts_are_totals(),
                });
        Some(Self {
            math,
            tol_line,
            after_says_total,
        })
    }
}

/// Which readings of a line's taxes and discounts its after-total agrees with.
#[allow(clippy::struct_excessive_bools)] // four independent readings, named
pub(super) struct AfterReadings {
    /// Taxes and discounts per unit, as the API means them.
    pub(super) per_unit: bool,
    /// Taxes as line totals, discounts per unit.
    pub(super) tax_total: bool,
    /// Taxes per unit, discounts as line totals.
    pub(super) disc_total: bool,
    /// Both as line totals.
    pub(super) both_total: bool,
}

impl AfterReadings {
    /// The after-total adds up only if the taxes are line totals.
    pub(super) fn only_if_taxes_are_totals(&self) -> bool {
        (self.tax_total || self.both_total) && !self.per_unit && !self.disc_total
    }

    /// The after-total adds up only if the discounts are line totals.
    pub(super) fn only_if_discounts_are_totals(&self) -> bool {
        (self.disc_total || self.both_total) && !self.per_unit && !self.tax_total
    }
}

/// Σ of the values; `None` when one is missing or on overflow.
pub(super) fn checked_sum<I: IntoIterator<Item = Option<Decimal>>>(values: I) -> Option<Decimal> {
    // A missing entry (absent, `null`, mistyped: the schema reports it) makes the sum unknown.
    values
        .into_iter()
        .try_fold(Decimal::ZERO, |total, v| total.checked_add(v?))
}

/// Whether a tax rate is a fraction in [0, 1) (`tax-rate-range` reports the others).
pub(super) fn rate_in_range(rate: Decimal) -> bool {
    rate >= Decimal::ZERO && rate < Decimal::ONE
}

/// Σ `taxRate` of the taxes, when every rate is present and in range.
pub(super) fn rate_sum(taxes: &[Tax]) -> Option<Decimal> {
    taxes.iter().try_fold(Decimal::ZERO, |acc, tax| {
        let rate = tax.rate.filter(|r| rate_in_range(*r))?;
        acc.checked_add(rate)
    })
}

/// The tax at `rate` contained in the gross `base` when all the line's taxes (rates summing to
/// `rate_sum`) share one net base: `base × rate / (1 + rate_sum)`; `base × r / (1 + r)` for a
/// single tax (docs/klar-api.md §5b: 37.00 at 19 % contains 5.91).
pub(super) fn contained_tax(base: Decimal, rate: Decimal, rate_sum: Decimal) -> Option<Decimal> {
    base.checked_mul(rate)?
        .checked_div(Decimal::ONE.checked_add(rate_sum)?)
}

/// The amounts as a term of a formula: `0` for none, `0.23` for one, `(0.63 + 0.35)` for more.
/// Each amount is quoted as sent.
pub(super) fn sum_expr<I: IntoIterator<Item = Option<Decimal>>>(values: I, exp: u32) -> String {
    let shown: Vec<String> = values
        .into_iter()
        .flatten()
        .map(|v| display_in(v, exp))
        .collect();
    match shown.as_slice() {
        [] => "0".to_owned(),
        [one] => one.clone(),
        many => format!("({})", many.join(" + ")),
    }
}

/// How far `sent` is from `expected`, for a message, rounded to the minor unit (`sent` may
/// carry float noise): `0.48 more`, `1.19 less`.
pub(super) fn difference(sent: Decimal, expected: Decimal, exp: u32) -> String {
    match sent.checked_sub(expected) {
        Some(d) if d >= Decimal::ZERO => format!("{} more", display_computed(d, exp)),
        Some(d) => format!("{} less", display_computed(-d, exp)),
        None => "far off".to_owned(),
    }
}

impl LineMath {
    /// Whether the line looks free yet counts as revenue: a free item (a gift,
    /// docs/klar-api.md §14.4 item 5) whose `totalAmountBeforeTaxesAndDiscounts` is 0 and every
    /// `taxAmount` 0, while `productGmv` is above the discounts and the after-total is
    /// quantity × (`productGmv` − Σ `discountAmount`) within the line tolerance (of the exact
    /// value or its rounding): the before-total and the taxes say the customer paid nothing,
    /// `productGmv` and the after-total count the units as sold. `false` when an amount is
    /// missing or a discount negative.
    pub(super) fn looks_free(&self, line: &LineItem<'_>, exp: u32, tolerance: &Tolerance) -> bool {
        let (Some(before), Some(after)) = (line.before, line.after) else {
            return false;
        };
        let untaxed = line
            .taxes
            .iter()
            .all(|t| t.amount.is_some_and(|a| a.is_zero()));
        let discounts_read = line
            .discounts
            .iter()
            .all(|d| d.amount.is_some_and(|a| a >= Decimal::ZERO));
        if !before.is_zero() || !untaxed || !discounts_read || self.gmv <= self.disc {
            return false;
        }
        let Some(counted) = self.after(false, false) else {
            return false;
        };
        let tol = tolerance.line_abs(exp, self.q, line.entries());
        let rounded = round_to_minor(counted, exp);
        let counts =
            Tolerance::within(after, counted, tol) || Tolerance::within(after, rounded, tol);
        counts && counted > tol
    }
}

// ---- Fixes shared by the line money rules -------------------------------------------------

/// The largest scale among the amounts present (0 for none): a fix writes its numbers with at
/// least the currency's minor-unit digits, and with more only when the amounts it was worked
/// out from used more.
pub(super) fn max_scale<I: IntoIterator<Item = Option<Decimal>>>(values: I) -> u32 {
    values
        .into_iter()
        .flatten()
        .map(|v| v.scale())
        .max()
        .unwrap_or(0)
}

/// The value a fix writes for `value` (see [`fix_amount`]), as a number.
pub(super) fn fix_value(value: Decimal, exp: u32, scale: u32) -> Decimal {
    round_to_minor(value, exp.max(scale))
}

/// The change that writes the amount `value` at `at` (see [`fix_amount`]).
pub(super) fn write_amount(at: Pointer, value: Decimal, exp: u32, scale: u32) -> Change {
    Change::Replace {
        at,
        json: fix_amount(value, exp, scale),
    }
}

/// Attaches `fix` to a finding, when there is one.
pub(super) fn fix_if(reported: Reported<'_>, fix: Option<Fix>) {
    if let Some(fix) = fix {
        reported.fix(fix);
    }
}

/// The text a change writes (for a fix's title).
pub(super) fn fix_amount_of(change: &Change) -> String {
    match change {
        Change::Replace { json, .. } => json.clone(),
        _ => String::new(),
    }
}

/// The bundle parent of `line` in `order`, when `line` is a constituent.
pub(super) fn parent_of<'o, 'a>(
    order: &'o Order<'a>,
    line: &LineItem<'_>,
) -> Option<&'o LineItem<'a>> {
    if !line.is_constituent {
        return None;
    }
    order
        .lines
        .iter()
        .find(|parent| parent.ptr != line.ptr && line.ptr.starts_with(&parent.ptr))
}

/// One of a line's two totals.
#[derive(Clone, Copy)]
pub(super) enum Total {
    /// `totalAmountBeforeTaxesAndDiscounts`.
    Before,
    /// `totalAmountAfterTaxesAndDiscounts`.
    After,
}

impl Total {
    pub(super) fn key(self) -> &'static str {
        match self {
            Total::Before => "totalAmountBeforeTaxesAndDiscounts",
            Total::After => "totalAmountAfterTaxesAndDiscounts",
        }
    }

    pub(super) fn of(self, line: &LineItem<'_>) -> Option<Decimal> {
        match self {
            Total::Before => line.before,
            Total::After => line.after,
        }
    }
}

/// When a fix sets a constituent's total to `new`: the change that keeps its bundle parent's
/// total the sum of the constituents' totals as sent, when the parent's total is that sum now
/// and would not be after (within the constituents' line allowances, as `bundle-parent-mismatch`
/// compares). A parent that disagrees either way is left to that rule.
pub(super) fn parent_total_change(
    parent: Option<&LineItem<'_>>,
    line: &LineItem<'_>,
    total: Total,
    new: Decimal,
    exp: u32,
    tolerance: &Tolerance,
) -> Option<Change> {
    let parent = parent?;
    let sent = total.of(parent)?;
    let old_sum = checked_sum(parent.constituents.iter().map(|c| total.of(c)))?;
    let new_sum = old_sum.checked_sub(total.of(line)?)?.checked_add(new)?;
    let tol = parent
        .constituents
        .iter()
        .try_fold(Decimal::ZERO, |acc, c| {
            let q = c.quantity.filter(|q| *q > Decimal::ZERO)?;
            acc.checked_add(tolerance.line_abs(exp, q, c.entries()))
        })?;
    if !Tolerance::within(sent, old_sum, tol) || Tolerance::within(sent, new_sum, tol) {
        return None;
    }
    let scale = max_scale(
        std::iter::once(Some(sent)).chain(parent.constituents.iter().map(|c| total.of(c))),
    );
    Some(write_amount(parent.at(total.key()), new_sum, exp, scale))
}

impl LineMath {
    /// The changes to the line's after-total (and its bundle parent's, see
    /// [`parent_total_change`]) once its per-unit sums become `tax` and `disc`: none when the
    /// line has no after-total or the one it has adds up with them (within the line tolerance
    /// of the exact value or its rounding), so a fix touches it only when it must.
    pub(super) fn after_change(
        &self,
        line: &LineItem<'_>,
        parent: Option<&LineItem<'_>>,
        (tax, disc): (Decimal, Decimal),
        exp: u32,
        tolerance: &Tolerance,
    ) -> Vec<Change> {
        let Some(after) = line.after else {
            return Vec::new();
        };
        let fixed = Self { tax, disc, ..*self };
        let Some(expected) = fixed.after(false, false) else {
            return Vec::new();
        };
        let tol = tolerance.line_abs(exp, self.q, line.entries());
        let rounded = round_to_minor(expected, exp);
        if Tolerance::within(after, expected, tol) || Tolerance::within(after, rounded, tol) {
            return Vec::new();
        }
        self.total_changes(line, parent, Total::After, expected, exp, tolerance)
    }

    /// The changes that set the line's `total` to `expected`, written with the line's scale
    /// (see [`fix_amount`]), and keep its bundle parent's total in step.
    pub(super) fn total_changes(
        &self,
        line: &LineItem<'_>,
        parent: Option<&LineItem<'_>>,
        total: Total,
        expected: Decimal,
        exp: u32,
        tolerance: &Tolerance,
    ) -> Vec<Change> {
        let scale = match total {
            Total::Before => max_scale([line.before, Some(self.gmv)]),
            Total::After => max_scale(
                [line.after, Some(self.gmv)]
                    .into_iter()
                    .chain(line.taxes.iter().map(|t| t.amount))
                    .chain(line.discounts.iter().map(|d| d.amount)),
            ),
        };
        let new = fix_value(expected, exp, scale);
        let mut changes = vec![write_amount(line.at(total.key()), new, exp, scale)];
        changes.extend(parent_total_change(
            parent, line, total, new, exp, tolerance,
        ));
        changes
    }
}

/// The fix of `per-unit-tax` and `per-unit-discount`: `field` (`taxAmount` or
/// `discountAmount`) at `at`, a line total `amount`, becomes `unit` (the amount of one unit)
/// rounded to the minor unit, and the after-total is recomputed when it no longer adds up.
pub(super) fn divide_fix(
    field: &str,
    (line, parent): (&LineItem<'_>, Option<&LineItem<'_>>),
    math: &LineMath,
    (amount, unit): (Decimal, Decimal),
    at: &Pointer,
    exp: u32,
    tolerance: &Tolerance,
) -> Fix {
    let unit = round_to_minor(unit, exp);
    let mut changes = vec![Change::Replace {
        at: at.clone(),
        json: display_in(unit, exp),
    }];
    let (tax, disc) = if field == "taxAmount" {
        (
            math.tax
                .checked_sub(amount)
                .and_then(|t| t.checked_add(unit)),
            Some(math.disc),
        )
    } else {
        (
            Some(math.tax),
            math.disc
                .checked_sub(amount)
                .and_then(|d| d.checked_add(unit)),
        )
    };
    if let (Some(tax), Some(disc)) = (tax, disc) {
        changes.extend(math.after_change(line, parent, (tax, disc), exp, tolerance));
    }
    Fix::unsafe_(
        format!(
            "write `{field}` for one unit: {} / {} = `{}`",
            display_in(amount, exp),
            math.q.normalize(),
            display_in(unit, exp)
        ),
        changes,
    )
}
