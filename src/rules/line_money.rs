//! Line arithmetic shared by the money rules: the numbers of one line, its after-total under
//! per-unit and line-total readings, tax contained in a gross price, and message helpers.

use rust_decimal::Decimal;

use crate::money::{display_in, Tolerance};
use crate::view::{LineItem, Tax};

/// The numbers of one money line that its arithmetic needs: a positive quantity, the per-unit
/// price, and the per-unit sums of its taxes and discounts. Sums are checked, so absurd values
/// make the line unreadable instead of overflowing.
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

/// Σ of the present values; `None` on overflow.
pub(super) fn checked_sum<I: IntoIterator<Item = Option<Decimal>>>(values: I) -> Option<Decimal> {
    values
        .into_iter()
        .flatten()
        .try_fold(Decimal::ZERO, Decimal::checked_add)
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

/// How far `sent` is from `expected`, for a message: `0.48 more`, `1.19 less`.
pub(super) fn difference(sent: Decimal, expected: Decimal, exp: u32) -> String {
    match sent.checked_sub(expected) {
        Some(d) if d >= Decimal::ZERO => format!("{} more", display_in(d, exp)),
        Some(d) => format!("{} less", display_in(-d, exp)),
        None => "far off".to_owned(),
    }
}
