use rust_decimal::Decimal;

use super::line_money::{
    checked_sum, contained_tax, difference, max_scale, rate_in_range, sum_expr, write_amount,
};
use crate::declare_rule;
use crate::fix::Fix;
use crate::money::{display_computed, display_in, round_to_minor, Tolerance};
use crate::rule::{Context, Rule};
use crate::view::{Order, Shipping};

declare_rule! {
    /// ## What it does
    /// Flags a shipping after-amount that is not the before-amount minus the shipping taxes and
    /// discounts.
    ///
    /// `shippingTotalAmountAfterTaxAndDiscounts` must be `shippingTotalAmountBeforeTaxAndDiscounts`
    /// − Σ shipping `taxAmount` − Σ shipping `discountAmount`, within the rounding tolerance.
    ///
    /// An after-amount *above* the before-amount gets its own wording: taxes and discounts are
    /// deducted, so it can only come from adding them (the sign bug docs/klar-api.md §14.3 item 4 describes
    /// for lines).
    ///
    /// **A missing shipping tax.** When `shipping.taxes` is empty (or absent) and the
    /// after-amount is short of the before-amount less the shipping discounts by exactly the tax
    /// contained in that amount, `amount × r / (1 + r)`, at a rate `r` the order's own lines use,
    /// the after-amount is the right net and the tax row is what is missing. The Magento 1
    /// connector sends shipping this way: `shipping.taxes` is always `[]` while the after-amount
    /// has the VAT taken off (docs/klar-api.md §14.2, §14.3 item 16). The finding is then on
    /// `shipping.taxes` (on the shipping object when the list is absent), names the rate and
    /// the amount, and the help gives the tax entry to send; it never tells you to change the
    /// after-amount. "Exactly" means within the shipping allowance for one entry more than the
    /// shipping has (the tax row it lacks), of the exact tax or of that tax rounded to the minor
    /// unit. A gap that no rate of the order's lines explains, or that two rates explain, gets
    /// the plain finding.
    ///
    /// The expected value and the difference are shown rounded to the currency's minor unit;
    /// amounts from the payload are quoted as sent.
    /// ## Why is this bad?
    /// Shipping amounts are totals for the order, not per unit, and the after-amount is the
    /// shipping revenue left once taxes and discounts are deducted (docs/klar-api.md §8, §11.2; the
    /// formula is the Magento 2 connector's, the doc gives only the wording). An after-amount
    /// that disagrees means a tax or discount is missing from the arrays, was not deducted, or
    /// was added. Klar accepts it, so the rule is a warning.
    ///
    /// Shipping has no quantity, so the allowance is `max(1, 0.5 × (1 + number of shipping
    /// taxes and discounts))` minor units of the currency. When a shipping amount is negative,
    /// `negative-amount` reports that and this rule stays quiet.
    /// ## Example
    /// ```json
    /// { "shippingTotalAmountBeforeTaxAndDiscounts": 4.99, "discounts": [],
    ///   "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 0.80 }],
    ///   "shippingTotalAmountAfterTaxAndDiscounts": 4.99 }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "shippingTotalAmountBeforeTaxAndDiscounts": 4.99, "discounts": [],
    ///   "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 0.80 }],
    ///   "shippingTotalAmountAfterTaxAndDiscounts": 4.19 }
    /// ```
    /// ## Fix
    /// Unsafe: `shippingTotalAmountAfterTaxAndDiscounts` is recomputed from the before-amount,
    /// the shipping taxes and the shipping discounts, written with the currency's minor-unit
    /// digits (or more where those amounts have more). It trusts the parts over the total,
    /// which a person should confirm. A missing shipping tax gets no fix: the entry to add
    /// (its title, its rate) is for the sender to decide.
    /// ## Options
    /// The allowance comes from `[tolerance]` in `klar-lint.toml` (`per-unit`,
    /// `shipping-factor`).
    /// ## References
    /// docs/klar-api.md §8, §11.1 (shipping amounts are totals), §11.2, §14.2 (the Magento 1
    /// connector's shipping), §14.3 items 4 and 16.
    pub ShippingChecksum {
        name: "shipping-checksum", category: Money, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders],
        derived: true,
    }
}

impl Rule for ShippingChecksum {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        let exp = order.exponent;
        let Some(shipping) = &order.shipping else {
            return;
        };
        let (Some(before), Some(after)) = (shipping.before, shipping.after) else {
            return;
        };
        let taxes = shipping.taxes.iter().map(|t| t.amount);
        let discounts = shipping.discounts.iter().map(|d| d.amount);
        let (Some(tax), Some(disc)) = (checked_sum(taxes.clone()), checked_sum(discounts.clone()))
        else {
            return;
        };
        // `negative-amount` owns negative shipping amounts: one root cause, one diagnostic.
        let negative = [before, after]
            .into_iter()
            .chain(taxes.clone().flatten())
            .chain(discounts.clone().flatten())
            .any(|v| v < Decimal::ZERO);
        if negative {
            return;
        }
        let Some(expected) = before.checked_sub(tax).and_then(|v| v.checked_sub(disc)) else {
            return;
        };
        let tol = cx
            .tolerance()
            .shipping_abs(exp, shipping.taxes.len() + shipping.discounts.len());
        let shown = round_to_minor(expected, exp);
        if Tolerance::within(after, expected, tol) || Tolerance::within(after, shown, tol) {
            return;
        }
        if shipping.taxes.is_empty() && report_missing_tax(order, shipping, disc, exp, cx) {
            return;
        }
        let help = format!(
            "send shippingTotalAmountBeforeTaxAndDiscounts − taxAmount − discountAmount = {} − {} − {} = {}",
            display_in(before, exp),
            sum_expr(taxes.clone(), exp),
            sum_expr(discounts.clone(), exp),
            display_computed(shown, exp),
        );
        let at = shipping.at("shippingTotalAmountAfterTaxAndDiscounts");
        let reported = if after > before && !Tolerance::within(after, before, tol) {
            cx.report(
                at,
                format!(
                    "`shippingTotalAmountAfterTaxAndDiscounts` {} is more than `shippingTotalAmountBeforeTaxAndDiscounts` {}: taxes or discounts were added instead of deducted",
                    display_in(after, exp),
                    display_in(before, exp),
                ),
            )
        } else {
            cx.report(
                at,
                format!(
                    "`shippingTotalAmountAfterTaxAndDiscounts` is {} but shipping works out to {} ({})",
                    display_in(after, exp),
                    display_computed(shown, exp),
                    difference(after, shown, exp),
                ),
            )
        };
        let scale = max_scale(
            [Some(before), Some(after)]
                .into_iter()
                .chain(taxes.clone())
                .chain(discounts.clone()),
        );
        let fix = Fix::unsafe_(
            format!(
                "recompute `shippingTotalAmountAfterTaxAndDiscounts`: `{}`",
                crate::money::fix_amount(expected, exp, scale)
            ),
            vec![write_amount(
                shipping.at("shippingTotalAmountAfterTaxAndDiscounts"),
                expected,
                exp,
                scale,
            )],
        );
        let mut reported = reported.help(help).fix(fix).label(
            shipping.at("shippingTotalAmountBeforeTaxAndDiscounts"),
            "before",
        );
        for t in &shipping.taxes {
            reported = reported.label(t.ptr.key("taxAmount"), "tax");
        }
        for d in &shipping.discounts {
            reported = reported.label(d.ptr.key("discountAmount"), "discount");
        }
    }
}

/// An empty `shipping.taxes` with an after-amount short by exactly the tax contained in the
/// (discounted) before-amount at a rate the order's lines use (C1, docs/klar-api.md §14.2,
/// §14.3 item 16): reported on the empty list, naming the tax to send. `false` when no rate,
/// or more than one, explains the gap; the caller then reports the plain finding.
fn report_missing_tax(
    order: &Order<'_>,
    shipping: &Shipping<'_>,
    disc: Decimal,
    exp: u32,
    cx: &mut Context<'_>,
) -> bool {
    let (Some(before), Some(after)) = (shipping.before, shipping.after) else {
        return false;
    };
    let Some(base) = before.checked_sub(disc).filter(|b| *b > Decimal::ZERO) else {
        return false;
    };
    let Some(gap) = base.checked_sub(after) else {
        return false;
    };
    // The allowance once the missing tax is listed: one entry more.
    let tol = cx
        .tolerance()
        .shipping_abs(exp, shipping.discounts.len() + 1);
    let mut rates: Vec<Decimal> = order
        .money_lines()
        .flat_map(|line| line.taxes.iter().filter_map(|t| t.rate))
        .filter(|r| *r > Decimal::ZERO && rate_in_range(*r))
        .map(|r| r.normalize())
        .collect();
    rates.sort_unstable();
    rates.dedup();
    let mut fitting = rates.into_iter().filter_map(|rate| {
        let tax = contained_tax(base, rate, rate)?;
        let fits = Tolerance::within(gap, tax, tol)
            || Tolerance::within(gap, round_to_minor(tax, exp), tol);
        fits.then_some((rate, tax))
    });
    let (Some((rate, tax)), None) = (fitting.next(), fitting.next()) else {
        return false;
    };
    let percent = rate
        .checked_mul(Decimal::ONE_HUNDRED)
        .unwrap_or_default()
        .normalize();
    let short = if disc.is_zero() {
        format!(
            "`shippingTotalAmountBeforeTaxAndDiscounts` {}",
            display_in(before, exp)
        )
    } else {
        format!(
            "`shippingTotalAmountBeforeTaxAndDiscounts` {} less the discounts",
            display_in(before, exp)
        )
    };
    let at = if shipping.raw.get("taxes").is_some_and(serde_json::Value::is_array) {
        shipping.at("taxes")
    } else {
        shipping.ptr.clone()
    };
    cx.report(
        at,
        format!(
            "`shipping.taxes` is empty, but `shippingTotalAmountAfterTaxAndDiscounts` {} is {} less than {short}: the {percent} % tax contained in {}, at a rate the order's lines use",
            display_in(after, exp),
            display_computed(gap, exp),
            display_computed(base, exp),
        ),
    )
    .help(format!(
        "send the shipping tax: {{\"title\": \"VAT\", \"taxRate\": {rate}, \"taxAmount\": {}}}; `shippingTotalAmountAfterTaxAndDiscounts` {} is then right",
        display_computed(tax, exp),
        display_in(after, exp),
    ))
    .label(shipping.at("shippingTotalAmountBeforeTaxAndDiscounts"), "before")
    .label(shipping.at("shippingTotalAmountAfterTaxAndDiscounts"), "after");
    true
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use crate::{ApiVersion, PayloadKind};

    fn findings(currency: &str, shipping: &str) -> Vec<(String, String, String)> {
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "{currency}", "lineItems": [], "shipping": {shipping}}}]"#
        );
        testing::findings(PayloadKind::Orders, ApiVersion::V12_2022, &text, |d| {
            d.rule() == "shipping-checksum"
        })
        .into_iter()
        .map(|(_, pointer, message, help)| (pointer, message, help))
        .collect()
    }

    fn shipping(before: &str, tax: &str, discount: Option<&str>, after: &str) -> String {
        let discounts = discount.map_or(String::new(), |d| {
            format!(r#"{{"title": "d", "discountAmount": {d}}}"#)
        });
        format!(
            r#"{{"shippingTotalAmountBeforeTaxAndDiscounts": {before}, "taxes": [{{"title": "t", "taxRate": 0.19, "taxAmount": {tax}}}],
                "discounts": [{discounts}], "shippingTotalAmountAfterTaxAndDiscounts": {after}}}"#
        )
    }

    #[test]
    fn consistent_and_boundary() {
        assert!(findings("EUR", &shipping("4.99", "0.80", None, "4.19")).is_empty());
        // One tax: max(1, 0.5 × 2) = 1 minor unit.
        assert!(findings("EUR", &shipping("4.99", "0.80", None, "4.20")).is_empty());
        let got = findings("EUR", &shipping("4.99", "0.80", None, "4.21"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].0,
            "/0/shipping/shippingTotalAmountAfterTaxAndDiscounts"
        );
        assert_eq!(got[0].1, "`shippingTotalAmountAfterTaxAndDiscounts` is 4.21 but shipping works out to 4.19 (0.02 more)");
        assert_eq!(got[0].2, "send shippingTotalAmountBeforeTaxAndDiscounts − taxAmount − discountAmount = 4.99 − 0.80 − 0 = 4.19");
        // Free shipping by discount.
        assert!(findings("EUR", &shipping("4.99", "0", Some("4.99"), "0")).is_empty());
        assert!(findings("JPY", &shipping("660", "60", None, "600")).is_empty());
    }

    #[test]
    fn tax_not_deducted() {
        let got = findings("EUR", &shipping("4.99", "0.80", None, "4.99"));
        assert_eq!(got[0].1, "`shippingTotalAmountAfterTaxAndDiscounts` is 4.99 but shipping works out to 4.19 (0.80 more)");
    }

    #[test]
    fn after_above_before_is_a_sign_bug() {
        let got = findings("EUR", &shipping("4.99", "0.80", None, "5.79"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].1,
            "`shippingTotalAmountAfterTaxAndDiscounts` 5.79 is more than `shippingTotalAmountBeforeTaxAndDiscounts` 4.99: taxes or discounts were added instead of deducted"
        );
    }

    #[test]
    fn negative_amounts_are_left_to_negative_amount() {
        assert!(findings("EUR", &shipping("4.99", "0.80", Some("-1.00"), "4.19")).is_empty());
        assert_eq!(
            findings("EUR", &shipping("4.99", "0.80", Some("1.00"), "4.19")).len(),
            1
        );
    }

    /// The shipping findings on a EUR order with one line taxed at `line_rate` and `shipping`.
    fn with_line_rate(line_rate: &str, shipping: &str) -> Vec<(String, String, String)> {
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [{{"id": "a", "quantity": 1, "productGmv": 49.90, "taxes": [{{"title": "DE", "taxRate": {line_rate}, "taxAmount": 0}}], "discounts": []}}], "shipping": {shipping}}}]"#
        );
        testing::findings(PayloadKind::Orders, ApiVersion::V12_2022, &text, |d| {
            d.rule() == "shipping-checksum"
        })
        .into_iter()
        .map(|(_, pointer, message, help)| (pointer, message, help))
        .collect()
    }

    /// C1's shipping (docs/klar-api.md §14.2): 4.95 with its 0.79 VAT taken off, no tax row.
    const C1: &str = r#"{"shippingTotalAmountBeforeTaxAndDiscounts": 4.95, "discounts": [], "taxes": [], "shippingTotalAmountAfterTaxAndDiscounts": 4.16}"#;

    #[test]
    fn a_missing_shipping_tax_at_the_order_s_rate_is_named() {
        let got = with_line_rate("0.19", C1);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "/0/shipping/taxes");
        assert_eq!(
            got[0].1,
            "`shipping.taxes` is empty, but `shippingTotalAmountAfterTaxAndDiscounts` 4.16 is 0.79 less than `shippingTotalAmountBeforeTaxAndDiscounts` 4.95: the 19 % tax contained in 4.95, at a rate the order's lines use"
        );
        assert_eq!(
            got[0].2,
            r#"send the shipping tax: {"title": "VAT", "taxRate": 0.19, "taxAmount": 0.79}; `shippingTotalAmountAfterTaxAndDiscounts` 4.16 is then right"#
        );
        // After a shipping discount, the tax is the one contained in what is left: 5.95 − 1.00.
        let discounted = r#"{"shippingTotalAmountBeforeTaxAndDiscounts": 5.95, "discounts": [{"title": "d", "discountAmount": 1.00}], "taxes": [], "shippingTotalAmountAfterTaxAndDiscounts": 4.16}"#;
        let got = with_line_rate("0.19", discounted);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0]
                .1
                .ends_with("0.79 less than `shippingTotalAmountBeforeTaxAndDiscounts` 5.95 less the discounts: the 19 % tax contained in 4.95, at a rate the order's lines use"),
            "{}",
            got[0].1
        );
        // No `taxes` at all: on the shipping object.
        let absent = C1.replace(r#""taxes": [], "#, "");
        let got = with_line_rate("0.19", &absent);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "/0/shipping");
    }

    #[test]
    fn a_gap_no_rate_of_the_order_explains_gets_the_plain_finding() {
        let plain = "`shippingTotalAmountAfterTaxAndDiscounts` is 4.16 but shipping works out to 4.95 (0.79 less)";
        // The lines' 7 % gives 0.32, no line rate at all, a rate of 0.
        for rate in ["0.07", "0"] {
            let got = with_line_rate(rate, C1);
            assert_eq!(got.len(), 1, "{got:?}");
            assert_eq!(got[0].1, plain);
        }
        let got = findings("EUR", C1);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, plain);
        // 19 % but a gap of 0.81: beyond the allowance of one tax entry (0.01).
        let got = with_line_rate("0.19", &C1.replace("4.16", "4.14"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "/0/shipping/shippingTotalAmountAfterTaxAndDiscounts");
        // 0.78 is within it.
        let got = with_line_rate("0.19", &C1.replace("4.16", "4.17"));
        assert_eq!(got[0].0, "/0/shipping/taxes");
    }

    #[test]
    fn two_rates_that_both_explain_the_gap_are_not_guessed_between() {
        // 0.50 at 19 % contains 0.0798, at 20 % 0.0833: a gap of 0.08 fits both.
        let text = r#"[{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [
            {"id": "a", "quantity": 1, "productGmv": 10, "taxes": [{"title": "t", "taxRate": 0.19, "taxAmount": 1.60}], "discounts": []},
            {"id": "b", "quantity": 1, "productGmv": 12, "taxes": [{"title": "t", "taxRate": 0.20, "taxAmount": 2.00}], "discounts": []}],
            "shipping": {"shippingTotalAmountBeforeTaxAndDiscounts": 0.50, "discounts": [], "taxes": [], "shippingTotalAmountAfterTaxAndDiscounts": 0.42}}]"#;
        let got = testing::findings(PayloadKind::Orders, ApiVersion::V12_2022, text, |d| {
            d.rule() == "shipping-checksum"
        });
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "/0/shipping/shippingTotalAmountAfterTaxAndDiscounts");
    }
}
