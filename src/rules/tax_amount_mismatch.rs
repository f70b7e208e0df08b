use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::line_money::{
    checked_sum, contained_tax, difference, rate_sum, sum_expr, tax_tolerance, LeftOutReading,
    LineMath,
};
use crate::declare_rule;
use crate::json::Pointer;
use crate::money::{display_computed, display_in, round_to_minor, Tolerance};
use crate::rule::{Context, Rule};
use crate::view::{Discount, Order, Tax};

declare_rule! {
    /// ## What it does
    /// Flags a `taxAmount` that disagrees with its `taxRate` beyond rounding.
    ///
    /// The expected tax is the tax contained in the discounted gross price:
    /// `(productGmv − Σ discountAmount) × taxRate / (1 + taxRate)` per unit on a line, and
    /// `(shippingTotalAmountBeforeTaxAndDiscounts − Σ discountAmount) × taxRate / (1 + taxRate)`
    /// on shipping.
    ///
    /// **Several taxes on one line** (or on shipping) are read as sharing one net base [INF:
    /// the API documents one tax per line in every example], so
    /// their sum is compared with `base × (1 − 1 / (1 + Σ taxRate))`, and the finding points at
    /// the entry furthest from its share `base × taxRate / (1 + Σ taxRate)`. This catches two tax
    /// rows that each carry the full tax (docs/klar-api.md §14.3 item 6). A connector that extracts each
    /// rate from the full gross price separately sends slightly more than this reading and is
    /// flagged once the difference passes the tolerance.
    ///
    /// **Tolerance.** A line's tax passes within the per-unit allowance (1 minor unit: 0.01 EUR,
    /// 1 JPY) of the exact value or of that value rounded to the minor unit, so the difference
    /// a message shows is always beyond the allowance. Connectors do not all compute the tax the
    /// documented way: C2 divides Magento's stored row tax by the quantity (unrounded, within a
    /// fraction of a cent of the formula), the old ICT connector multiplied the net price by
    /// the rate (the same value up to rounding when there is no discount). Both pass. A tax worked
    /// out before discounts, or as `productGmv × taxRate` on a gross price, does not, and the help
    /// says which of the two it looks like. On a line of less than one unit (0.125 kg) the
    /// allowance is divided by the quantity, so that the line's tax, quantity × `taxAmount`, is
    /// held to one minor unit: a rounded row tax divided by 0.125 is otherwise off by up to 4 cents
    /// per unit from rounding alone. Shipping taxes are totals and pass within the shipping
    /// allowance, `max(1, 0.5 × (1 + entries))` minor units. A zero rate with a zero amount is
    /// fine.
    ///
    /// The rule checks ordinary lines and bundle constituents, not bundle parents. It leaves
    /// alone a line or shipping whose rates are out of range (`tax-rate-range`) or whose
    /// discounts exceed the price; and on a line whose `taxAmount` is a line total,
    /// `per-unit-tax` reports it and this finding is dropped. Nor does it report a tax that is
    /// right for the price without one discount entry that the after-total leaves out as well
    /// (C2's "Price Reduction" on a `productGmv` that is already the sale price, docs/klar-api.md §14.4
    /// item 4): the entry is the mistake, and `line-checksum` reports it. Nor does it report the
    /// tax 0 of a line that looks free, with a before-total of 0 and every `taxAmount` 0, while
    /// `productGmv` and the after-total count it as sold (C2's free gifts, docs/klar-api.md §14.4
    /// item 5): the tax is right if the item was free, and `line-checksum` reports the line
    /// once, on `productGmv`, with both fixes.
    ///
    /// Amounts the rule works out (the expected tax, a sum, the difference) are shown rounded
    /// to the currency's minor unit; values from the payload are quoted as sent.
    /// ## Why is this bad?
    /// Klar extracts taxes from the gross price to get net revenue (docs/klar-api.md §5b, §11.3). A tax
    /// amount that does not follow from the rate shifts net revenue by the difference on every
    /// unit, and usually means the connector computed it on the wrong base (before discounts, on
    /// the net price with the wrong rate, one tax row per rate each on the full price). The API
    /// accepts it, and the rule rests on the documented formula, so this is a warning.
    /// ## Example
    /// ```json
    /// { "id": "20001236801", "productGmv": 19.99, "quantity": 1,
    ///   "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 2.00 }], "discounts": [],
    ///   "totalAmountBeforeTaxesAndDiscounts": 19.99, "totalAmountAfterTaxesAndDiscounts": 17.99 }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "id": "20001236801", "productGmv": 19.99, "quantity": 1,
    ///   "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 3.19 }], "discounts": [],
    ///   "totalAmountBeforeTaxesAndDiscounts": 19.99, "totalAmountAfterTaxesAndDiscounts": 16.80 }
    /// ```
    /// ## Fix
    /// None: the rate or the amount may be the wrong one, and the numbers do not say which.
    /// ## Options
    /// The allowances come from `[tolerance]` in `klar-lint.toml` (`per-unit`,
    /// `shipping-factor`).
    /// ## References
    /// docs/klar-api.md §5b (5.91 = 37.00 × 0.19 / 1.19), §11.1 (tax after discounts), §11.2 (Example #1:
    /// 0.16 = (3.50 − 0.98) × 0.07 / 1.07), §14.2, §14.3 items 6 and 16, §14.4 items 4 and 5,
    /// §15 item 11.
    pub TaxAmountMismatch {
        name: "tax-amount-mismatch", category: Money, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders],
        derived: true,
    }
}

impl Rule for TaxAmountMismatch {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        let exp = order.exponent;
        for line in order.money_lines() {
            let Some(math) = LineMath::of(line) else {
                continue;
            };
            // A "Price Reduction" already in `productGmv` (C2): the tax is right for the price
            // without it, and `line-checksum` reports the entry. One root cause, one finding.
            if math
                .left_out_discount(line, exp, cx.tolerance())
                .is_some_and(|l| l.wrong == LeftOutReading::Entry)
            {
                continue;
            }
            // A free item counted as sold (C2's gifts): its tax 0 is right if it was free, and
            // `line-checksum` reports the price. One root cause, one finding.
            if math.looks_free(line, exp, cx.tolerance()) {
                continue;
            }
            // Below one unit, a rounded row tax divided by the quantity (C2) is off by up to
            // half a minor unit / quantity per unit: hold the line's tax, quantity ×
            // `taxAmount`, to the per-unit allowance instead.
            let tol = tax_tolerance(math.q, exp, cx.tolerance());
            let place = Place {
                price_field: "productGmv",
                price: math.gmv,
                of: &line.ptr,
                taxes: &line.taxes,
                discounts: &line.discounts,
                unit: " per unit",
            };
            check(&place, tol, exp, cx);
        }
        if let Some(shipping) = &order.shipping {
            let Some(before) = shipping.before else {
                return;
            };
            let tol = cx
                .tolerance()
                .shipping_abs(exp, shipping.taxes.len() + shipping.discounts.len());
            let place = Place {
                price_field: "shippingTotalAmountBeforeTaxAndDiscounts",
                price: before,
                of: &shipping.ptr,
                taxes: &shipping.taxes,
                discounts: &shipping.discounts,
                unit: "",
            };
            check(&place, tol, exp, cx);
        }
    }
}

/// A line or the shipping: a gross price with its taxes and discounts.
struct Place<'p, 'a> {
    price_field: &'static str,
    price: Decimal,
    /// Where the line or the shipping is; pointers are built from it only for a finding.
    of: &'p Pointer,
    taxes: &'p [Tax],
    discounts: &'p [Discount<'a>],
    /// " per unit" on lines, "" on shipping.
    unit: &'static str,
}

fn check(place: &Place<'_, '_>, tol: Decimal, exp: u32, cx: &mut Context<'_>) {
    let (Some(first), Some(rates)) = (place.taxes.first(), rate_sum(place.taxes)) else {
        return;
    };
    let Some(disc) = checked_sum(place.discounts.iter().map(|d| d.amount)) else {
        return;
    };
    let Some(sent) = checked_sum(place.taxes.iter().map(|t| t.amount)) else {
        return;
    };
    // Negative amounts are `negative-amount`'s; discounts above the price are
    // `per-unit-discount`'s or `negative-amount`'s.
    if place.price < Decimal::ZERO
        || disc < Decimal::ZERO
        || place
            .taxes
            .iter()
            .any(|t| t.amount.is_some_and(|a| a < Decimal::ZERO))
    {
        return;
    }
    let Some(base) = place
        .price
        .checked_sub(disc)
        .filter(|b| *b >= Decimal::ZERO)
    else {
        return;
    };
    let Some(expected) = contained_tax(base, rates, rates) else {
        return;
    };
    // Within the allowance of the exact value or of the rounded one a connector would send, so
    // that the difference in the message is always beyond the allowance.
    let rounded = round_to_minor(expected, exp);
    if Tolerance::within(sent, expected, tol) || Tolerance::within(sent, rounded, tol) {
        return;
    }
    let shown_expected = display_computed(rounded, exp);
    let formula = format!(
        "({} − {}) × {rates} / {}",
        display_in(place.price, exp),
        sum_expr(place.discounts.iter().map(|d| d.amount), exp),
        Decimal::ONE + rates,
    );
    let discount_term = if place.unit.is_empty() {
        "shipping discounts"
    } else {
        "discountAmount"
    };
    let rate_term = if place.taxes.len() == 1 {
        "taxRate"
    } else {
        "Σ taxRate"
    };
    let mut help = format!(
        "send the tax contained in the discounted price: ({} − {discount_term}) × {rate_term} / (1 + {rate_term}) = {formula} = {shown_expected}",
        place.price_field
    );
    if place.taxes.len() > 1 {
        let shares: Vec<String> = place
            .taxes
            .iter()
            .filter_map(|t| {
                let rate = t.rate?;
                let share = contained_tax(base, rate, rates)?;
                Some(format!(
                    "{} at {rate}",
                    display_computed(share, exp)
                ))
            })
            .collect();
        let _ = write!(help, ", split by rate: {}", shares.join(", "));
    }
    help.push_str(&hint(place, sent, rates, tol));
    if place.taxes.len() == 1 {
        let Some(rate) = first.rate else {
            return;
        };
        cx.report(
            first.ptr.key("taxAmount"),
            format!(
                "`taxAmount` {} disagrees with rate {rate}, which gives {shown_expected}{} ({})",
                display_in(sent, exp),
                place.unit,
                difference(sent, rounded, exp),
            ),
        )
        .help(help)
        .label(first.ptr.key("taxRate"), "rate")
        .label(place.of.key(place.price_field), "gross price");
        return;
    }
    // Several taxes: point at the entry furthest from its share.
    let furthest = place
        .taxes
        .iter()
        .filter_map(|t| {
            let share = contained_tax(base, t.rate?, rates)?;
            Some((t, t.amount?.checked_sub(share)?.abs()))
        })
        .max_by_key(|(_, off)| *off)
        .map_or(first, |(t, _)| t);
    let rate_terms: Vec<String> = place
        .taxes
        .iter()
        .filter_map(|t| t.rate.map(|r| r.to_string()))
        .collect();
    let mut reported = cx
        .report(
            furthest.ptr.key("taxAmount"),
            format!(
                "the {} `taxAmount`s add up to {}{} but rates {} give {shown_expected} ({})",
                place.taxes.len(),
                display_computed(sent, exp),
                place.unit,
                rate_terms.join(" + "),
                difference(sent, rounded, exp),
            ),
        )
        .help(help);
    for tax in place.taxes.iter().filter(|t| t.ptr != furthest.ptr) {
        reported = reported.label(tax.ptr.key("taxAmount"), "tax");
    }
    reported.label(place.of.key(place.price_field), "gross price");
}

/// What the sent tax looks like when it matches a known wrong computation.
fn hint(place: &Place<'_, '_>, sent: Decimal, rates: Decimal, tol: Decimal) -> String {
    // The rate applied to the gross price as if it were net.
    if place
        .price
        .checked_mul(rates)
        .is_some_and(|v| Tolerance::within(sent, v, tol))
    {
        let rate = if place.taxes.len() == 1 {
            "taxRate"
        } else {
            "the summed rates"
        };
        return format!(
            "; the sent tax is {} × {rate}, the rate applied to a price that already includes the tax",
            place.price_field
        );
    }
    // The tax worked out before the discounts were taken off.
    let has_discount = place
        .discounts
        .iter()
        .any(|d| d.amount.is_some_and(|a| a > Decimal::ZERO));
    if has_discount
        && contained_tax(place.price, rates, rates).is_some_and(|v| Tolerance::within(sent, v, tol))
    {
        return "; the sent tax is worked out before discounts, but Klar takes the discounts off first".to_owned();
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::super::testing::money_findings;
    use crate::ApiVersion;

    /// Every money finding on one order, as (rule, pointer, message, help).
    fn findings(
        currency: &str,
        line: &str,
        shipping: &str,
    ) -> Vec<(String, String, String, String)> {
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "{currency}", "lineItems": [{line}], "shipping": {shipping}}}]"#
        );
        money_findings(ApiVersion::V07_2025, &text)
    }

    fn line(gmv: &str, taxes: &[(&str, &str)], discounts: &[&str]) -> String {
        let taxes: Vec<String> = taxes
            .iter()
            .map(|(r, a)| format!(r#"{{"title": "t", "taxRate": {r}, "taxAmount": {a}}}"#))
            .collect();
        let discounts: Vec<String> = discounts
            .iter()
            .map(|d| format!(r#"{{"title": "d", "discountAmount": {d}}}"#))
            .collect();
        format!(
            r#"{{"id": "a", "quantity": 1, "productGmv": {gmv}, "taxes": [{}], "discounts": [{}]}}"#,
            taxes.join(","),
            discounts.join(",")
        )
    }

    const SHIPPING: &str = r#"{"shippingTotalAmountBeforeTaxAndDiscounts": 4.99, "taxes": [{"title": "t", "taxRate": 0.19, "taxAmount": 0.80}], "shippingTotalAmountAfterTaxAndDiscounts": 4.19}"#;

    #[test]
    fn klar_examples_pass() {
        // Example #1: 0.16 = (3.50 − 0.98) × 0.07 / 1.07; the tax doc: 5.91 = 37.00 × 0.19 / 1.19.
        assert!(findings(
            "EUR",
            &line("3.50", &[("0.07", "0.16")], &["0.63", "0.35"]),
            SHIPPING
        )
        .is_empty());
        assert!(findings("EUR", &line("37.00", &[("0.19", "5.91")], &[]), SHIPPING).is_empty());
        // A zero rate with a zero amount, and a free item.
        assert!(findings("EUR", &line("14.99", &[("0", "0.00")], &[]), SHIPPING).is_empty());
        assert!(findings("EUR", &line("0", &[("0.19", "0")], &[]), SHIPPING).is_empty());
        // C2's unrounded Magento tax / qty: 9.58 / 3.
        assert!(findings(
            "EUR",
            &line("19.99", &[("0.19", "3.1933333333")], &[]),
            SHIPPING
        )
        .is_empty());
    }

    #[test]
    fn per_unit_tolerance_boundary() {
        // 37.00 at 19 % contains 5.9076 → 5.91. 5.90 is within 0.01 of the exact value, 5.92
        // within 0.01 of the rounded one; 5.93 and 5.89 are beyond both.
        for ok in ["5.90", "5.91", "5.92"] {
            assert!(
                findings("EUR", &line("37.00", &[("0.19", ok)], &[]), SHIPPING).is_empty(),
                "{ok}"
            );
        }
        let got = findings("EUR", &line("37.00", &[("0.19", "5.93")], &[]), SHIPPING);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "/0/lineItems/0/taxes/0/taxAmount");
        assert_eq!(
            got[0].2,
            "`taxAmount` 5.93 disagrees with rate 0.19, which gives 5.91 per unit (0.02 more)"
        );
        let got = findings("EUR", &line("37.00", &[("0.19", "5.89")], &[]), SHIPPING);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].2,
            "`taxAmount` 5.89 disagrees with rate 0.19, which gives 5.91 per unit (0.02 less)"
        );
    }

    #[test]
    fn jpy_allows_one_yen() {
        // 3300 − 330 = 2970 at 10 % contains 270.
        assert!(findings("JPY", &line("3300", &[("0.10", "271")], &["330"]), SHIPPING).is_empty());
        let got = findings("JPY", &line("3300", &[("0.10", "300")], &["330"]), SHIPPING);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].2,
            "`taxAmount` 300 disagrees with rate 0.10, which gives 270 per unit (30 more)"
        );
        assert!(
            got[0]
                .3
                .ends_with("worked out before discounts, but Klar takes the discounts off first"),
            "{}",
            got[0].3
        );
    }

    #[test]
    fn fractional_quantity_below_one_unit() {
        // 0.125 kg at 406.65/kg and 2 %: the row tax 0.9968 rounds to 1.00, and C2 sends
        // 1.00 / 0.125 = 8.00 per unit where the rate gives 7.97. The allowance is 0.08.
        let at = |tax: &str| {
            line("406.65", &[("0.02", tax)], &[])
                .replace(r#""quantity": 1"#, r#""quantity": 0.125"#)
        };
        assert!(findings("EUR", &at("8.00"), SHIPPING).is_empty());
        assert_eq!(findings("EUR", &at("8.06"), SHIPPING).len(), 1);
    }

    #[test]
    fn gross_price_times_rate_is_named() {
        let got = findings("EUR", &line("19.99", &[("0.19", "3.80")], &[]), SHIPPING);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].3,
            "send the tax contained in the discounted price: (productGmv − discountAmount) × taxRate / (1 + taxRate) = (19.99 − 0) × 0.19 / 1.19 = 3.19; the sent tax is productGmv × taxRate, the rate applied to a price that already includes the tax"
        );
    }

    #[test]
    fn two_rows_each_with_the_full_tax() {
        // 10.00 gross with 0.05 + 0.02 contains 0.654…; each row carrying 0.65 sums to 1.30.
        let got = findings(
            "EUR",
            &line("10.00", &[("0.05", "0.65"), ("0.02", "0.65")], &[]),
            SHIPPING,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "/0/lineItems/0/taxes/1/taxAmount");
        assert_eq!(got[0].2, "the 2 `taxAmount`s add up to 1.30 per unit but rates 0.05 + 0.02 give 0.65 (0.65 more)");
        // The same rows with their shares pass: 0.467 and 0.187.
        assert!(findings(
            "EUR",
            &line("10.00", &[("0.05", "0.47"), ("0.02", "0.19")], &[]),
            SHIPPING
        )
        .is_empty());
    }

    #[test]
    fn shipping_tax() {
        let shipping = r#"{"shippingTotalAmountBeforeTaxAndDiscounts": 4.99, "taxes": [{"title": "t", "taxRate": 0.19, "taxAmount": 0.95}], "shippingTotalAmountAfterTaxAndDiscounts": 4.04}"#;
        let got = findings("EUR", &line("37.00", &[("0.19", "5.91")], &[]), shipping);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "/0/shipping/taxes/0/taxAmount");
        assert_eq!(
            got[0].2,
            "`taxAmount` 0.95 disagrees with rate 0.19, which gives 0.80 (0.15 more)"
        );
        // A fully discounted shipping with no tax left is fine.
        let free = r#"{"shippingTotalAmountBeforeTaxAndDiscounts": 4.99, "discounts": [{"title": "d", "discountAmount": 4.99}], "taxes": [{"title": "t", "taxRate": 0.19, "taxAmount": 0}], "shippingTotalAmountAfterTaxAndDiscounts": 0}"#;
        assert!(findings("EUR", &line("37.00", &[("0.19", "5.91")], &[]), free).is_empty());
    }

    #[test]
    fn a_gift_s_tax_0_is_left_to_line_checksum_and_only_a_gift_s() {
        // C2's free gift (docs/klar-api.md §14.4 item 5): before-total 0, tax 0, `productGmv`
        // and the after-total counting it as sold. `line-checksum` reports it on the price.
        let gift = |before: &str| {
            line("9.95", &[("0.19", "0.0")], &[]).replace(
                r#""quantity": 1"#,
                &format!(
                    r#""quantity": 2, "totalAmountBeforeTaxesAndDiscounts": {before}, "totalAmountAfterTaxesAndDiscounts": 19.9"#
                ),
            )
        };
        let got = findings("EUR", &gift("0.0"), SHIPPING);
        let rules: Vec<&str> = got.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(rules, ["line-checksum"], "{got:?}");
        // Sold at 19.90 (the before-total says so): the tax 0 is wrong, and said so.
        let got = findings("EUR", &gift("19.9"), SHIPPING);
        assert!(
            got.iter().any(|f| f.0 == "tax-amount-mismatch"
                && f.2 == "`taxAmount` 0.00 disagrees with rate 0.19, which gives 1.59 per unit (1.59 less)"),
            "{got:?}"
        );
    }
}
