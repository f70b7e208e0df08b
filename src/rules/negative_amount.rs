use rust_decimal::Decimal;

use super::line_money::{checked_sum, sum_expr, LineMath};
use crate::declare_rule;
use crate::json::Pointer;
use crate::money::{display_computed, display_in};
use crate::rule::{Context, Rule};
use crate::view::{Cost, Discount, LineItem, Order, Shipping, Tax};

declare_rule! {
    /// ## What it does
    /// Flags a negative price, tax, discount, cost, shipping amount or line total.
    ///
    /// It checks a line's `productGmv`, `productCogs`, `totalLogisticsCosts`, `taxAmount`,
    /// `discountAmount` and both totals; the shipping amounts, taxes, discounts and logistics
    /// costs; an order's `transactionCosts`; the amount of a COGS, logistics-costs or
    /// transaction-costs item.
    ///
    /// Weights (`productShippingWeightInGrams`) are not money and are not checked. Every line
    /// is checked, bundle parents included, since Klar validates each line object alone.
    ///
    /// Values the help suggests (the amount without its minus sign, a recomputed total) are
    /// shown rounded to the currency's minor unit; the negative value is quoted as sent.
    /// ## Why is this bad?
    /// Klar rejects a negative `totalAmountAfterTaxesAndDiscounts` with "(-X.XX) has to be 0 or
    /// bigger!" (docs/klar-api.md §3.2, §14.3 item 2), so the order never reaches the dashboards. The
    /// usual cause is taxes and discounts that add up to more than the price: a price reduction
    /// that is already in `productGmv` listed again as a discount, or a line total sent as a
    /// per-unit amount; the help says which numbers exceed the price.
    ///
    /// Whether Klar rejects other negative amounts is not documented (docs/klar-api.md §16 item 5). The
    /// rule reads them as errors all the same: taxes and discounts are subtracted, so a negative
    /// one adds revenue; a negative price or cost turns revenue or margin upside down. Returns
    /// belong in `refundedLineItems`, not in negative amounts.
    ///
    /// A negative input is the root cause, so a total that is negative because of it is not
    /// reported again, nor is an after-total whose tax or discount exceeds the price
    /// (`per-unit-tax` and `per-unit-discount` report those).
    /// ## Example
    /// ```json
    /// { "id": "20001236401", "productGmv": 49.90, "quantity": 1,
    ///   "discounts": [{ "title": "Autumn Sale", "discountAmount": -5.00 }],
    ///   "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 8.77 }],
    ///   "totalAmountBeforeTaxesAndDiscounts": 49.90, "totalAmountAfterTaxesAndDiscounts": 46.13 }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "id": "20001236401", "productGmv": 49.90, "quantity": 1,
    ///   "discounts": [{ "title": "Autumn Sale", "discountAmount": 5.00 }],
    ///   "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 7.17 }],
    ///   "totalAmountBeforeTaxesAndDiscounts": 49.90, "totalAmountAfterTaxesAndDiscounts": 37.73 }
    /// ```
    /// ## Fix
    /// None: dropping the minus sign is a guess (a refund, a discount sent as a negative amount, a sign bug).
    /// ## References
    /// docs/klar-api.md §3.2 (the server message), §4, §5, §5a, §5b, §8, §10, §14.3 item 2, §16 item 5.
    pub NegativeAmount {
        name: "negative-amount", category: Money, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders, Cogs, LogisticsCosts, TransactionCosts],
    }
}

impl Rule for NegativeAmount {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        let exp = order.exponent;
        for line in order.all_lines() {
            check_line(line, exp, cx);
        }
        if let Some(shipping) = &order.shipping {
            check_shipping(shipping, exp, cx);
        }
        input(
            cx,
            &order.ptr,
            "transactionCosts",
            order.transaction_costs,
            exp,
            |_| "send what the payment providers charged for the order, 0 or more".to_owned(),
        );
    }

    fn check_cost(&self, cost: &Cost<'_>, cx: &mut Context<'_>) {
        // Cost items carry no currency; show the amount as written.
        input(cx, &cost.ptr, cost.amount_field, cost.amount, 2, |_| {
            "send the cost as 0 or more; Klar adds it to the order's costs".to_owned()
        });
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // used as an `Option::filter` predicate
fn is_negative(d: &Decimal) -> bool {
    *d < Decimal::ZERO
}

/// Reports `field` of the object at `base` when its value is negative, and says whether it
/// did. The pointer, message and help (made from the value) are built only then: on clean data
/// nothing is allocated.
fn input(
    cx: &mut Context<'_>,
    base: &Pointer,
    field: &str,
    value: Option<Decimal>,
    exp: u32,
    help: impl FnOnce(Decimal) -> String,
) -> bool {
    let Some(value) = value.filter(is_negative) else {
        return false;
    };
    report_input(cx, base.key(field), field, value, exp, help(value));
    true
}

/// Reports the negative `taxAmount`s and `discountAmount`s of a line or of shipping; the help
/// says Klar `verb`s them itself. Whether there was one.
fn entries(
    cx: &mut Context<'_>,
    taxes: &[Tax],
    discounts: &[Discount<'_>],
    exp: u32,
    verb: &str,
) -> bool {
    let mut any = false;
    for tax in taxes {
        any |= input(cx, &tax.ptr, "taxAmount", tax.amount, exp, |a| {
            format!("send {}; Klar {verb} taxes itself", display_computed(-a, exp))
        });
    }
    for discount in discounts {
        any |= input(cx, &discount.ptr, "discountAmount", discount.amount, exp, |a| {
            format!("send {}; Klar {verb} discounts itself", display_computed(-a, exp))
        });
    }
    any
}

fn report_input(
    cx: &mut Context<'_>,
    at: Pointer,
    field: &str,
    value: Decimal,
    exp: u32,
    help: String,
) {
    cx.report(
        at,
        format!(
            "`{field}` is {}; amounts must be 0 or more",
            display_in(value, exp)
        ),
    )
    .help(help);
}

fn check_line(line: &LineItem<'_>, exp: u32, cx: &mut Context<'_>) {
    let mut negative_input = false;
    negative_input |= input(cx, &line.ptr, "productGmv", line.gmv, exp, |_| {
        "send the price of one unit, 0 or more; returns go in `refundedLineItems`".to_owned()
    });
    negative_input |= input(cx, &line.ptr, "productCogs", line.cogs, exp, |_| {
        "send the cost of one unit, 0 or more".to_owned()
    });
    negative_input |= input(
        cx,
        &line.ptr,
        "totalLogisticsCosts",
        line.logistics,
        exp,
        |_| "send the logistics cost, 0 or more".to_owned(),
    );
    negative_input |= entries(cx, &line.taxes, &line.discounts, exp, "subtracts");
    // The totals: only when no input explains them and the quantity is valid
    // (`invalid-quantity` owns a zero or negative quantity).
    if negative_input {
        return;
    }
    let Some(math) = LineMath::of(line) else {
        return;
    };
    if let Some(before) = line.before.filter(is_negative) {
        let help = math
            .q
            .checked_mul(math.gmv)
            .map_or_else(String::new, |expected| {
                format!(
                    "send quantity × productGmv = {} × {} = {}",
                    math.q.normalize(),
                    display_in(math.gmv, exp),
                    display_computed(expected, exp)
                )
            });
        report_input(
            cx,
            line.at("totalAmountBeforeTaxesAndDiscounts"),
            "totalAmountBeforeTaxesAndDiscounts",
            before,
            exp,
            help,
        );
    }
    let Some(after) = line.after.filter(is_negative) else {
        return;
    };
    // A tax or discount above the price on a money line is `per-unit-tax`'s or
    // `per-unit-discount`'s finding, with the per-unit value to send.
    let above_price = |v: Option<Decimal>| v.is_some_and(|v| v > math.gmv);
    if !line.is_bundle()
        && (line.taxes.iter().any(|t| above_price(t.amount))
            || line.discounts.iter().any(|d| above_price(d.amount)))
    {
        return;
    }
    let taxes = sum_expr(line.taxes.iter().map(|t| t.amount), exp);
    let discounts = sum_expr(line.discounts.iter().map(|d| d.amount), exp);
    let expected = math.after(false, false);
    let help = match expected {
        Some(expected) if expected < Decimal::ZERO => format!(
            "the per-unit taxes {taxes} and discounts {discounts} add up to {}, more than `productGmv` {}: list each discount once and per unit, and leave out reductions already in `productGmv` (a sale price)",
            math.tax.checked_add(math.disc).map_or_else(String::new, |v| display_computed(v, exp)),
            display_in(math.gmv, exp),
        ),
        Some(expected) => format!(
            "send quantity × (productGmv − taxAmount − discountAmount) = {} × ({} − {taxes} − {discounts}) = {}",
            math.q.normalize(),
            display_in(math.gmv, exp),
            display_computed(expected, exp),
        ),
        None => String::new(),
    };
    cx.report(
        line.at("totalAmountAfterTaxesAndDiscounts"),
        format!(
            "`totalAmountAfterTaxesAndDiscounts` is {}, which Klar rejects: it has to be 0 or more",
            display_in(after, exp)
        ),
    )
    .help(help);
}

fn check_shipping(shipping: &Shipping<'_>, exp: u32, cx: &mut Context<'_>) {
    let mut negative_input = false;
    negative_input |= input(
        cx,
        &shipping.ptr,
        "shippingTotalAmountBeforeTaxAndDiscounts",
        shipping.before,
        exp,
        |_| "send what the customer was charged for shipping, 0 or more".to_owned(),
    );
    negative_input |= input(
        cx,
        &shipping.ptr,
        "totalLogisticsCosts",
        shipping.logistics,
        exp,
        |_| "send what the carrier charged, 0 or more".to_owned(),
    );
    negative_input |= entries(cx, &shipping.taxes, &shipping.discounts, exp, "deducts");
    if negative_input {
        return;
    }
    let (Some(before), Some(after)) = (shipping.before, shipping.after.filter(is_negative)) else {
        return;
    };
    let (Some(tax), Some(disc)) = (
        checked_sum(shipping.taxes.iter().map(|t| t.amount)),
        checked_sum(shipping.discounts.iter().map(|d| d.amount)),
    ) else {
        return;
    };
    let taxes = sum_expr(shipping.taxes.iter().map(|t| t.amount), exp);
    let discounts = sum_expr(shipping.discounts.iter().map(|d| d.amount), exp);
    let help = match before.checked_sub(tax).and_then(|v| v.checked_sub(disc)) {
        Some(expected) if expected < Decimal::ZERO => format!(
            "the shipping taxes {taxes} and discounts {discounts} add up to more than `shippingTotalAmountBeforeTaxAndDiscounts` {}: a shipping discount is at most the shipping price",
            display_in(before, exp)
        ),
        Some(expected) => format!(
            "send shippingTotalAmountBeforeTaxAndDiscounts − taxAmount − discountAmount = {} − {taxes} − {discounts} = {}",
            display_in(before, exp),
            display_computed(expected, exp),
        ),
        None => String::new(),
    };
    cx.report(
        shipping.at("shippingTotalAmountAfterTaxAndDiscounts"),
        format!(
            "`shippingTotalAmountAfterTaxAndDiscounts` is {}; amounts must be 0 or more",
            display_in(after, exp)
        ),
    )
    .help(help);
}

#[cfg(test)]
mod tests {
    use super::super::testing::{self, Finding};
    use crate::{ApiVersion, PayloadKind};

    /// The money findings on a payload of `kind`, linted as 12-2022.
    fn findings(kind: PayloadKind, text: &str) -> Vec<Finding> {
        testing::findings(kind, ApiVersion::V12_2022, text, testing::is_money)
    }

    fn order(line: &str, shipping: &str) -> String {
        format!(
            r#"[{{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [{line}], "shipping": {shipping}}}]"#
        )
    }

    const SHIPPING: &str = r#"{"shippingTotalAmountBeforeTaxAndDiscounts": 4.99, "taxes": [{"title": "t", "taxRate": 0.19, "taxAmount": 0.80}], "shippingTotalAmountAfterTaxAndDiscounts": 4.19}"#;

    #[test]
    fn negative_discount_is_the_only_money_finding() {
        let line = r#"{"id": "a", "quantity": 1, "productGmv": 49.90, "discounts": [{"title": "d", "discountAmount": -5.00}],
            "taxes": [{"title": "t", "taxRate": 0.19, "taxAmount": 8.77}],
            "totalAmountBeforeTaxesAndDiscounts": 49.90, "totalAmountAfterTaxesAndDiscounts": 46.13}"#;
        let got = findings(PayloadKind::Orders, &order(line, SHIPPING));
        assert_eq!(
            got,
            vec![(
                "negative-amount".to_owned(),
                "/0/lineItems/0/discounts/0/discountAmount".to_owned(),
                "`discountAmount` is -5.00; amounts must be 0 or more".to_owned(),
                "send 5.00; Klar subtracts discounts itself".to_owned()
            )]
        );
    }

    #[test]
    fn negative_after_from_a_price_reduction_listed_again() {
        // C2 860330d: `productGmv` is already the sale price, yet the 15.00 "Price Reduction"
        // is listed and subtracted again: 2 × (20.00 − 15.00 − 6.00) = −2.00.
        let line = r#"{"id": "a", "quantity": 2, "productGmv": 20.00, "discounts": [{"title": "Price Reduction", "discountAmount": 15.00}, {"title": "Voucher", "discountAmount": 6.00}],
            "taxes": [{"title": "t", "taxRate": 0, "taxAmount": 0}],
            "totalAmountBeforeTaxesAndDiscounts": 40.00, "totalAmountAfterTaxesAndDiscounts": -2.00}"#;
        let got = findings(PayloadKind::Orders, &order(line, SHIPPING));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "/0/lineItems/0/totalAmountAfterTaxesAndDiscounts");
        assert_eq!(got[0].2, "`totalAmountAfterTaxesAndDiscounts` is -2.00, which Klar rejects: it has to be 0 or more");
        assert_eq!(
            got[0].3,
            "the per-unit taxes 0.00 and discounts (15.00 + 6.00) add up to 21.00, more than `productGmv` 20.00: list each discount once and per unit, and leave out reductions already in `productGmv` (a sale price)"
        );
    }

    #[test]
    fn negative_after_with_sound_parts_gets_the_value() {
        let line = r#"{"id": "a", "quantity": 2, "productGmv": 3.50, "discounts": [], "taxes": [{"title": "t", "taxRate": 0.07, "taxAmount": 0.23}],
            "totalAmountBeforeTaxesAndDiscounts": 7.00, "totalAmountAfterTaxesAndDiscounts": -6.54}"#;
        let got = findings(PayloadKind::Orders, &order(line, SHIPPING));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].3, "send quantity × (productGmv − taxAmount − discountAmount) = 2 × (3.50 − 0.23 − 0) = 6.54");
    }

    #[test]
    fn a_negative_price_is_reported_once() {
        let line = r#"{"id": "a", "quantity": 1, "productGmv": -5, "discounts": [], "taxes": [],
            "totalAmountBeforeTaxesAndDiscounts": -5, "totalAmountAfterTaxesAndDiscounts": -5}"#;
        let got = findings(PayloadKind::Orders, &order(line, SHIPPING));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "/0/lineItems/0/productGmv");
    }

    #[test]
    fn shipping_and_transaction_costs() {
        let shipping = r#"{"shippingTotalAmountBeforeTaxAndDiscounts": 4.99, "discounts": [{"title": "d", "discountAmount": 6.00}], "shippingTotalAmountAfterTaxAndDiscounts": -1.01, "totalLogisticsCosts": -3.13}"#;
        let line = r#"{"id": "a", "quantity": 1, "productGmv": 0, "discounts": [], "taxes": []}"#;
        let text = order(line, shipping)
            .replace(r#""shipping""#, r#""transactionCosts": -1.10, "shipping""#);
        let got: Vec<_> = findings(PayloadKind::Orders, &text)
            .into_iter()
            .map(|f| f.1)
            .collect();
        assert_eq!(
            got,
            vec!["/0/transactionCosts", "/0/shipping/totalLogisticsCosts"]
        );
        // Without the negative logistics costs the after-amount is the finding.
        let shipping = shipping.replace("-3.13", "3.13");
        let got = findings(PayloadKind::Orders, &order(line, &shipping));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].1,
            "/0/shipping/shippingTotalAmountAfterTaxAndDiscounts"
        );
        assert!(
            got[0]
                .3
                .starts_with("the shipping taxes 0 and discounts 6.00 add up to more than"),
            "{}",
            got[0].3
        );
    }

    #[test]
    fn cost_items() {
        let got = findings(
            PayloadKind::Cogs,
            r#"{"items": [{"orderId": "1", "sku": "x", "productCogs": -17.33}, {"orderId": "2", "sku": "y", "productCogs": 0}]}"#,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "/items/0/productCogs");
        assert_eq!(
            got[0].2,
            "`productCogs` is -17.33; amounts must be 0 or more"
        );
    }
}
