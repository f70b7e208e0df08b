use rust_decimal::Decimal;

use super::line_money::{fix_amount_of, fix_if, fix_value, max_scale, write_amount, Total};
use crate::declare_rule;
use crate::fix::Fix;
use crate::money::{display_computed, display_in, round_to_minor, Tolerance};
use crate::rule::{Context, Rule};
use crate::view::{LineItem, Order};

declare_rule! {
    /// ## What it does
    /// Flags a bundle parent whose totals, or quantity × `productGmv`, are not the sum of its
    /// constituents' totals.
    ///
    /// The parent's `totalAmountBeforeTaxesAndDiscounts` is compared with Σ quantity ×
    /// `productGmv` of the constituents, its `totalAmountAfterTaxesAndDiscounts` with Σ
    /// quantity × (`productGmv` − taxes − discounts), and its own quantity × `productGmv` with
    /// the first sum. Constituent quantities are units in the whole order, so nothing is
    /// multiplied by the parent's quantity.
    ///
    /// The sums and the suggested `productGmv` are shown rounded to the currency's minor unit;
    /// the parent's own values are quoted as sent.
    /// ## Why is this bad?
    /// Klar counts a bundle bottom-up from its constituents and ignores the parent's own money
    /// (docs/klar-api.md §12; klar-lint's revenue does the same). A parent that disagrees with its
    /// constituents says the kit cost something other than what Klar will count: a bundle
    /// discount left on the parent, a parent price from the catalogue while the constituents
    /// were re-priced, or totals copied from another line. Whoever reads the payload (the
    /// order debugger, a support case, another tool) sees two different prices.
    ///
    /// The API does not say which invariant holds (docs/klar-api.md §16.10 [?]). The rule takes the
    /// natural one, parent = Σ constituents (docs/klar-api.md §12 [INF]: the 07.2025 connector overwrites
    /// the parent's totals with the constituents' sums), and applies it to quantity ×
    /// `productGmv` too, which that connector does not (docs/klar-api.md §14.3 item 8). Hence a warning.
    /// Readings it accepts:
    /// * a parent total equal to the sum of the constituents' *sent* totals, even where those
    ///   are off (the constituent's own finding from `line-checksum` says so; reporting the
    ///   parent as well would report one mistake twice);
    /// * a parent `productGmv` of 0: the parent carries no price of its own;
    /// * absent parent totals.
    ///
    /// The allowance is the sum of the constituents' line tolerances (`[tolerance]`, see
    /// `money.rs`), plus the parent's own for quantity × `productGmv`. The rule is *derived*:
    /// when `bundle-values` (the constituents carry no money at all) fires on the parent, this
    /// one stays silent.
    /// ## Example
    /// ```json
    /// { "id": "20001237210", "productName": "Shoe Care Kit", "productGmv": 29.90, "quantity": 1, "taxes": [],
    ///   "totalAmountBeforeTaxesAndDiscounts": 34.90, "totalAmountAfterTaxesAndDiscounts": 17.56,
    ///   "bundledProducts": [
    ///     { "id": "20001237211", "productGmv": 12.95, "quantity": 1, "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 2.07 }],
    ///       "totalAmountBeforeTaxesAndDiscounts": 12.95, "totalAmountAfterTaxesAndDiscounts": 10.88 },
    ///     { "id": "20001237212", "productGmv": 7.95, "quantity": 1, "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 1.27 }],
    ///       "totalAmountBeforeTaxesAndDiscounts": 7.95, "totalAmountAfterTaxesAndDiscounts": 6.68 }
    ///   ] }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "id": "20001237210", "productName": "Shoe Care Kit", "productGmv": 20.90, "quantity": 1, "taxes": [],
    ///   "totalAmountBeforeTaxesAndDiscounts": 20.90, "totalAmountAfterTaxesAndDiscounts": 17.56,
    ///   "bundledProducts": [
    ///     { "id": "20001237211", "productGmv": 12.95, "quantity": 1, "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 2.07 }],
    ///       "totalAmountBeforeTaxesAndDiscounts": 12.95, "totalAmountAfterTaxesAndDiscounts": 10.88 },
    ///     { "id": "20001237212", "productGmv": 7.95, "quantity": 1, "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 1.27 }],
    ///       "totalAmountBeforeTaxesAndDiscounts": 7.95, "totalAmountAfterTaxesAndDiscounts": 6.68 }
    ///   ] }
    /// ```
    /// ## Fix
    /// Unsafe: a parent total is recomputed from its constituents' items (Σ quantity ×
    /// `productGmv` for the before-total, Σ quantity × (`productGmv` − taxes − discounts) for
    /// the after-total), written with the currency's minor-unit digits or more where the
    /// constituents' amounts have more. It trusts the constituents over the parent, which a
    /// person should confirm. The before-total gets no fix when the parent's own quantity ×
    /// `productGmv` disagrees with the constituents too (one of the parent's numbers is wrong,
    /// and which is not in the payload), and the parent's `productGmv` gets none: it is a
    /// price, not a total.
    /// ## References
    /// docs/klar-api.md §12 (bundles), §14.3 item 8, §16.10 (open question), §11.2 (tolerances).
    pub BundleParentMismatch {
        name: "bundle-parent-mismatch", category: Money, severity: Warning,
        versions: [V07_2025], kinds: [Orders],
        derived: true,
    }
}

/// The constituents of one bundle, summed.
struct Sums {
    /// Σ quantity × `productGmv`, recomputed.
    gross: Decimal,
    /// Σ quantity × (`productGmv` − Σ taxes − Σ discounts), recomputed.
    net: Decimal,
    /// Σ sent `totalAmountBeforeTaxesAndDiscounts`, when every constituent sends one.
    sent_before: Option<Decimal>,
    /// Σ sent `totalAmountAfterTaxesAndDiscounts`, when every constituent sends one.
    sent_after: Option<Decimal>,
    /// Σ of the constituents' line tolerances.
    tolerance: Decimal,
}

/// A constituent's quantity × `productGmv`, and that less its taxes and discounts; `None` when
/// the quantity or price is missing or the arithmetic overflows.
fn gross_and_net(c: &LineItem<'_>) -> Option<(Decimal, Decimal)> {
    let q = c.quantity?;
    let gross = q.checked_mul(c.gmv?)?;
    let taxes = q.checked_mul(c.tax_per_unit()?)?;
    let discounts = q.checked_mul(c.discount_per_unit()?)?;
    let net = gross.checked_sub(taxes)?.checked_sub(discounts)?;
    Some((gross, net))
}

/// Sums a bundle's constituents; `None` when a quantity or price is missing or the arithmetic
/// overflows (absurd values are other rules' business).
fn sums(parent: &LineItem<'_>, tolerance: &Tolerance, exponent: u32) -> Option<Sums> {
    let mut out = Sums {
        gross: Decimal::ZERO,
        net: Decimal::ZERO,
        sent_before: Some(Decimal::ZERO),
        sent_after: Some(Decimal::ZERO),
        tolerance: Decimal::ZERO,
    };
    for c in &parent.constituents {
        let q = c.quantity?;
        let (gross, net) = gross_and_net(c)?;
        out.gross = out.gross.checked_add(gross)?;
        out.net = out.net.checked_add(net)?;
        out.sent_before = out
            .sent_before
            .zip(c.before)
            .and_then(|(s, b)| s.checked_add(b));
        out.sent_after = out
            .sent_after
            .zip(c.after)
            .and_then(|(s, a)| s.checked_add(a));
        out.tolerance = out
            .tolerance
            .checked_add(tolerance.line_abs(exponent, q, c.entries()))?;
    }
    Some(out)
}

/// `29.90 = 12.95 + 7.95 + 9.00`, or just `29.90` for a single or a long list. The terms are
/// each constituent's gross or net, as `pick` takes it from [`gross_and_net`]; they are worked
/// out again here, for a finding only, rather than kept for every bundle.
fn sum_text(
    total: Decimal,
    parent: &LineItem<'_>,
    pick: fn((Decimal, Decimal)) -> Decimal,
    exponent: u32,
) -> String {
    let total = display_computed(total, exponent);
    let n = parent.constituents.len();
    if !(2..=6).contains(&n) {
        return total;
    }
    let terms: Vec<String> = parent
        .constituents
        .iter()
        .filter_map(gross_and_net)
        .map(|t| display_computed(pick(t), exponent))
        .collect();
    format!("{total} = {}", terms.join(" + "))
}

/// Whether a sent parent total agrees with the recomputed or the sent sum.
fn agrees(
    sent: Decimal,
    recomputed: Decimal,
    sent_sum: Option<Decimal>,
    tolerance: Decimal,
) -> bool {
    Tolerance::within(sent, recomputed, tolerance)
        || sent_sum.is_some_and(|s| Tolerance::within(sent, s, tolerance))
}

/// Whether the parent's own quantity × `productGmv` agrees with its constituents' gross (or
/// carries no price): then fixing its before-total leaves it clean.
fn own_price_agrees(parent: &LineItem<'_>, s: &Sums, exponent: u32, tolerance: &Tolerance) -> bool {
    let (Some(q), Some(gmv)) = (parent.quantity, parent.gmv) else {
        return true;
    };
    if gmv.is_zero() || q <= Decimal::ZERO {
        return true;
    }
    let own = q.checked_mul(gmv);
    let tol = s
        .tolerance
        .checked_add(tolerance.line_abs(exponent, q, 0));
    own.zip(tol)
        .is_some_and(|(own, tol)| Tolerance::within(own, s.gross, tol))
}

/// The fix that writes the parent's `total` as recomputed from its constituents.
fn total_fix(parent: &LineItem<'_>, total: Total, value: Decimal, exponent: u32) -> Fix {
    let scale = max_scale(
        std::iter::once(total.of(parent)).chain(parent.constituents.iter().flat_map(|c| {
            [c.gmv]
                .into_iter()
                .chain(c.taxes.iter().map(|t| t.amount))
                .chain(c.discounts.iter().map(|d| d.amount))
        })),
    );
    let value = fix_value(value, exponent, scale);
    let change = write_amount(parent.at(total.key()), value, exponent, scale);
    let written = fix_amount_of(&change);
    Fix::unsafe_(
        format!("recompute `{}` from the constituents: `{written}`", total.key()),
        vec![change],
    )
}

fn check_bundle(parent: &LineItem<'_>, exponent: u32, cx: &mut Context<'_>) {
    let Some(s) = sums(parent, cx.tolerance(), exponent) else {
        return;
    };
    // `show` quotes a sent value; `sum` shows a value worked out here, rounded to the minor unit.
    let show = |d: Decimal| display_in(d, exponent);
    let sum = |d: Decimal| display_computed(d, exponent);
    let why = "Klar counts a bundle from its constituents and ignores the parent's own money";

    let mut before_reported = false;
    if let Some(before) = parent
        .before
        .filter(|b| !agrees(*b, s.gross, s.sent_before, s.tolerance))
    {
        before_reported = true;
        let fix = own_price_agrees(parent, &s, exponent, cx.tolerance())
            .then(|| total_fix(parent, Total::Before, s.gross, exponent));
        let reported = cx.report(
            parent.at("totalAmountBeforeTaxesAndDiscounts"),
            format!(
                "`totalAmountBeforeTaxesAndDiscounts` {} of the bundle is not the sum of its constituents' {}",
                show(before),
                sum(s.gross)
            ),
        )
        .help(format!(
            "send the constituents' quantity × `productGmv` summed: {} ({why})",
            sum_text(s.gross, parent, |(gross, _)| gross, exponent)
        ));
        fix_if(reported, fix);
    }
    if let Some(after) = parent
        .after
        .filter(|a| !agrees(*a, s.net, s.sent_after, s.tolerance))
    {
        cx.report(
            parent.at("totalAmountAfterTaxesAndDiscounts"),
            format!(
                "`totalAmountAfterTaxesAndDiscounts` {} of the bundle is not the sum of its constituents' {}",
                show(after),
                sum(s.net)
            ),
        )
        .help(format!(
            "send the constituents' totals after taxes and discounts summed: {} ({why})",
            sum_text(s.net, parent, |(_, net)| net, exponent)
        ))
        .fix(total_fix(parent, Total::After, s.net, exponent));
    }
    if before_reported {
        // The parent's own price usually explains its total: one finding for one mistake.
        return;
    }
    let (Some(q), Some(gmv)) = (parent.quantity, parent.gmv) else {
        return;
    };
    if gmv.is_zero() || q <= Decimal::ZERO {
        return;
    }
    let Some(own) = q.checked_mul(gmv) else {
        return;
    };
    let Some(tolerance) = s
        .tolerance
        .checked_add(cx.tolerance().line_abs(exponent, q, 0))
    else {
        return;
    };
    if agrees(own, s.gross, s.sent_before, tolerance) {
        return;
    }
    // The division is shown only when it does not come out even in the minor unit.
    let gross = round_to_minor(s.gross, exponent);
    let Some(per_unit) = gross.checked_div(q) else {
        return;
    };
    let rounded = round_to_minor(per_unit, exponent);
    let suggestion = if rounded == per_unit {
        format!("send `productGmv` {}", sum(rounded))
    } else {
        format!(
            "send `productGmv` {} ({} / {})",
            sum(rounded),
            sum(gross),
            q.normalize()
        )
    };
    cx.report(
        parent.at("productGmv"),
        format!(
            "the bundle's quantity × `productGmv` is {} × {} = {}, but its constituents add up to {}",
            q.normalize(),
            show(gmv),
            sum(own),
            sum(s.gross)
        ),
    )
    .label(parent.at("quantity"), "quantity")
    .help(format!(
        "{suggestion}, so that the parent agrees with its constituents' {}, or 0 if the parent carries no price of its own ({why})",
        sum_text(s.gross, parent, |(gross, _)| gross, exponent)
    ));
}

impl Rule for BundleParentMismatch {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        for parent in order.lines.iter().filter(|l| l.is_bundle()) {
            check_bundle(parent, order.exponent, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use crate::{ApiVersion, PayloadKind};

    /// A EUR order with one bundle: the parent's fields, then each constituent's.
    fn findings(parent: &str, constituents: &[&str]) -> Vec<(String, String)> {
        testing::bundle_findings(&format!("{parent},"), constituents)
    }

    fn hit(field: &str) -> (String, String) {
        (
            "bundle-parent-mismatch".to_owned(),
            format!("/0/lineItems/0/{field}"),
        )
    }

    /// Three constituents at quantity 1 with one tax each: 3 × max(0.01, 0.5 × 1 × 2 × 0.01)
    /// = 0.03 allowed.
    const THREE: [&str; 3] = [
        r#""quantity":1,"productGmv":10.00,"taxes":[{"taxRate":0.19,"taxAmount":1.60}]"#,
        r#""quantity":1,"productGmv":10.00,"taxes":[{"taxRate":0.19,"taxAmount":1.60}]"#,
        r#""quantity":1,"productGmv":10.00,"taxes":[{"taxRate":0.19,"taxAmount":1.60}]"#,
    ];

    #[test]
    fn tolerance_is_the_sum_of_the_constituents() {
        let parent = |before: &str| {
            format!(r#""quantity":1,"productGmv":0,"totalAmountBeforeTaxesAndDiscounts":{before}"#)
        };
        assert!(findings(&parent("30.03"), &THREE).is_empty());
        assert!(findings(&parent("29.97"), &THREE).is_empty());
        assert_eq!(
            findings(&parent("30.04"), &THREE),
            [hit("totalAmountBeforeTaxesAndDiscounts")]
        );
        assert_eq!(
            findings(&parent("29.96"), &THREE),
            [hit("totalAmountBeforeTaxesAndDiscounts")]
        );
    }

    #[test]
    fn after_uses_the_recomputed_or_the_sent_sum() {
        let parent = |after: &str| {
            format!(
                r#""quantity":1,"productGmv":30.00,"totalAmountAfterTaxesAndDiscounts":{after}"#
            )
        };
        assert!(findings(&parent("25.20"), &THREE).is_empty());
        assert_eq!(
            findings(&parent("25.30"), &THREE),
            [hit("totalAmountAfterTaxesAndDiscounts")]
        );
        // The constituents send wrong totals (8.50 each) and the parent copies their sum.
        let sent: Vec<String> = THREE
            .iter()
            .map(|c| format!(r#"{c},"totalAmountAfterTaxesAndDiscounts":8.50"#))
            .collect();
        let sent: Vec<&str> = sent.iter().map(String::as_str).collect();
        assert!(findings(&parent("25.50"), &sent).is_empty());
    }

    #[test]
    fn own_price_is_checked_unless_zero() {
        let parent = |q: &str, gmv: &str| format!(r#""quantity":{q},"productGmv":{gmv}"#);
        assert!(findings(&parent("1", "30.00"), &THREE).is_empty());
        assert!(findings(&parent("1", "0"), &THREE).is_empty());
        // Three kits: the constituents' quantities are already units in the whole order.
        assert!(findings(&parent("3", "10.00"), &THREE).is_empty());
        assert_eq!(findings(&parent("1", "34.90"), &THREE), [hit("productGmv")]);
        // 30.00 / 70 = 0.428…: 70 × 0.43 = 30.10 is 0.10 off, beyond the constituents' 0.03
        // but within it plus the parent's own 0.5 × 70 × 0.01 = 0.35.
        assert!(findings(&parent("70", "0.43"), &THREE).is_empty());
        assert_eq!(findings(&parent("70", "0.44"), &THREE), [hit("productGmv")]);
    }

    #[test]
    fn a_wrong_total_is_not_reported_again_on_the_price() {
        let parent =
            r#""quantity":1,"productGmv":34.90,"totalAmountBeforeTaxesAndDiscounts":34.90"#;
        assert_eq!(
            findings(parent, &THREE),
            [hit("totalAmountBeforeTaxesAndDiscounts")]
        );
    }

    #[test]
    fn bundle_values_takes_precedence() {
        let free = r#""quantity":1,"productGmv":0"#;
        let parent = r#""quantity":1,"productGmv":29.90,"totalAmountBeforeTaxesAndDiscounts":29.90,"totalAmountAfterTaxesAndDiscounts":25.13"#;
        assert_eq!(
            findings(parent, &[free, free]),
            [(
                "bundle-values".to_owned(),
                "/0/lineItems/0/productGmv".to_owned()
            )]
        );
    }

    #[test]
    fn jpy_has_whole_yen_tolerances() {
        // Two constituents without taxes: 1 yen each, 2 in all; 5503 is 3 off.
        let text = r#"[{"id":"1","createdAt":1678376546,"currencyCodeIso3Letter":"JPY","lineItems":[{"id":"10","quantity":1,"productGmv":5500,"totalAmountBeforeTaxesAndDiscounts":5503,"bundledProducts":[{"id":"11","quantity":1,"productGmv":3300},{"id":"12","quantity":1,"productGmv":2200}]}]}]"#;
        let messages: Vec<_> =
            testing::findings(PayloadKind::Orders, ApiVersion::V07_2025, text, |d| {
                d.rule() == "bundle-parent-mismatch"
            })
            .into_iter()
            .map(|(_, _, message, _)| message)
            .collect();
        assert_eq!(
            messages,
            ["`totalAmountBeforeTaxesAndDiscounts` 5503 of the bundle is not the sum of its constituents' 5500"]
        );
    }
}
