use rust_decimal::Decimal;

use super::line_money::{checked_sum, difference, sum_expr};
use crate::declare_rule;
use crate::money::{display_computed, display_in, round_to_minor, Tolerance};
use crate::rule::{Context, Rule};
use crate::view::Order;

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
    /// ## Options
    /// The allowance comes from `[tolerance]` in `klar-lint.toml` (`per-unit`,
    /// `shipping-factor`).
    /// ## References
    /// docs/klar-api.md §8, §11.1 (shipping amounts are totals), §11.2, §14.3 item 4.
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
        let help = format!(
            "send shippingTotalAmountBeforeTaxAndDiscounts − taxAmount − discountAmount = {} − {} − {} = {}",
            display_in(before, exp),
            sum_expr(taxes, exp),
            sum_expr(discounts, exp),
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
        let mut reported = reported.help(help).label(
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
}
