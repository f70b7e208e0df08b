use rust_decimal::Decimal;

use super::line_money::{divide_fix, parent_of, Amounts, LineMath, TotalsReading};
use crate::declare_rule;
use crate::money::{display_computed, display_in};
use crate::rule::{Context, Rule};
use crate::view::{Discount, LineItem, Order};

declare_rule! {
    /// ## What it does
    /// Flags a line's `discountAmount` that is the discount of the whole line where Klar
    /// expects the discount of one unit.
    ///
    /// Either of these is evidence:
    /// * the `discountAmount` is more than `productGmv`: a unit cannot be reduced by more than
    ///   its price;
    /// * the quantity is above 1 and the line's `totalAmountAfterTaxesAndDiscounts` adds up only
    ///   with the discounts read as line totals (`quantity × productGmv − quantity × taxAmount −
    ///   discountAmount`), not as sent (`quantity × (productGmv − taxAmount − discountAmount)`).
    ///
    /// The message shows the per-unit value to send: `discountAmount / quantity`, rounded to
    /// the currency's minor unit. The rule checks ordinary lines and bundle constituents, not
    /// bundle parents and not shipping discounts, whose amounts are totals for the order.
    /// ## Why is this bad?
    /// `discountAmount` on a line is the amount for one unit, not multiplied by quantity
    /// (docs/klar-api.md §5a). Klar multiplies it by `quantity`, so a line total sent there is counted
    /// quantity times: a 10.00 voucher on 4 books takes 40.00 off revenue. Connectors get this
    /// wrong in known ways: Magebit's zero-price discount is price × quantity, and the Magento 1
    /// connector's rebuild path sends the total discount as a per-unit amount (docs/klar-api.md §14.3
    /// item 7). The totals then disagree too; that `line-checksum` finding is dropped in favour
    /// of this one.
    /// ## Example
    /// ```json
    /// { "id": "20001236701", "productGmv": 25.00, "quantity": 4,
    ///   "discounts": [{ "title": "BOOKCLUB", "discountAmount": 10.00 }],
    ///   "taxes": [{ "title": "VAT 0%", "taxRate": 0, "taxAmount": 0 }],
    ///   "totalAmountBeforeTaxesAndDiscounts": 100.00, "totalAmountAfterTaxesAndDiscounts": 90.00 }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "id": "20001236701", "productGmv": 25.00, "quantity": 4,
    ///   "discounts": [{ "title": "BOOKCLUB", "discountAmount": 2.50 }],
    ///   "taxes": [{ "title": "VAT 0%", "taxRate": 0, "taxAmount": 0 }],
    ///   "totalAmountBeforeTaxesAndDiscounts": 100.00, "totalAmountAfterTaxesAndDiscounts": 90.00 }
    /// ```
    /// ## Fix
    /// Unsafe: the `discountAmount` is divided by the quantity and rounded to the currency's
    /// minor unit (`10.00` on 4 units → `2.50`), and the line's
    /// `totalAmountAfterTaxesAndDiscounts`, where the payload has one, is recomputed from the
    /// new per-unit amounts when it would not add up with them (on a bundle constituent, a
    /// parent's after-total that was the sum of its constituents' totals stays that sum). It
    /// changes an amount Klar counts, so a person should look at it. A discount more than
    /// `productGmv` on one unit (or too big even shared out) gets no fix: the right amount is
    /// not in the payload.
    /// ## Options
    /// The allowances come from `[tolerance]` in `klar-lint.toml` (`per-unit`, `line-factor`).
    /// ## References
    /// docs/klar-api.md §5a, §11.1, §11.2, §14.2 (Magebit, Magento 1), §14.3 item 7.
    pub PerUnitDiscount {
        name: "per-unit-discount", category: Money, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

impl Rule for PerUnitDiscount {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        for line in order.money_lines() {
            check_line((line, parent_of(order, line)), order.exponent, cx);
        }
    }
}

fn check_line(
    (line, parent): (&LineItem<'_>, Option<&LineItem<'_>>),
    exp: u32,
    cx: &mut Context<'_>,
) {
    let Some(TotalsReading {
        math,
        after_says_total,
        ..
    }) = TotalsReading::of(line, Amounts::Discounts, exp, cx.tolerance())
    else {
        return;
    };
    for discount in &line.discounts {
        let Some(amount) = discount.amount.filter(|a| *a > Decimal::ZERO) else {
            continue;
        };
        if math.gmv >= Decimal::ZERO && amount > math.gmv {
            exceeds_gmv((line, parent), discount, amount, &math, exp, cx);
        } else if after_says_total {
            line_total((line, parent), discount, amount, &math, exp, cx);
        }
    }
}

fn exceeds_gmv(
    (line, parent): (&LineItem<'_>, Option<&LineItem<'_>>),
    discount: &Discount<'_>,
    amount: Decimal,
    math: &LineMath,
    exp: u32,
    cx: &mut Context<'_>,
) {
    let shown = display_in(amount, exp);
    let gmv = display_in(math.gmv, exp);
    let at = discount.ptr.key("discountAmount");
    // A line total when a unit's share fits the price; otherwise simply too big.
    let unit = (math.q > Decimal::ONE)
        .then(|| amount.checked_div(math.q))
        .flatten()
        .filter(|u| *u <= math.gmv);
    let q = math.q.normalize();
    match unit {
        Some(unit) => {
            let fix = divide_fix("discountAmount", (line, parent), math, (amount, unit), &at, exp, cx.tolerance());
            let unit = display_computed(unit, exp);
            cx.report(
                at,
                format!("`discountAmount` {shown} is the discount of all {q} units, not of one (it is more than `productGmv` {gmv}): {unit} per unit"),
            )
            .help(format!(
                "send the discount of one unit, {shown} / {q} = {unit}; Klar multiplies `discountAmount` by `quantity`"
            ))
            .label(line.at("quantity"), "quantity")
            .label(line.at("productGmv"), "unit price")
            .fix(fix);
        }
        None => {
            cx.report(
                at,
                format!("`discountAmount` {shown} is more than `productGmv` {gmv}, so it cannot be the discount of one unit"),
            )
            .help(format!(
                "send the discount of one unit, at most the unit price {gmv}; Klar multiplies `discountAmount` by `quantity`"
            ))
            .label(line.at("productGmv"), "unit price");
        }
    }
}

fn line_total(
    (line, parent): (&LineItem<'_>, Option<&LineItem<'_>>),
    discount: &Discount<'_>,
    amount: Decimal,
    math: &LineMath,
    exp: u32,
    cx: &mut Context<'_>,
) {
    let Some(unit) = amount.checked_div(math.q) else {
        return;
    };
    let Some(after) = line.after else {
        return;
    };
    let at = discount.ptr.key("discountAmount");
    let fix = divide_fix("discountAmount", (line, parent), math, (amount, unit), &at, exp, cx.tolerance());
    let unit = display_computed(unit, exp);
    let (shown, q) = (display_in(amount, exp), math.q.normalize());
    cx.report(
        at,
        format!(
            "`discountAmount` {shown} is the discount of all {q} units, not of one (`totalAmountAfterTaxesAndDiscounts` {} adds up only that way): {unit} per unit",
            display_in(after, exp)
        ),
    )
    .help(format!(
        "send the discount of one unit, {shown} / {q} = {unit}; Klar multiplies `discountAmount` by `quantity`"
    ))
    .label(line.at("quantity"), "quantity")
    .label(line.at("totalAmountAfterTaxesAndDiscounts"), "line total")
    .fix(fix);
}


#[cfg(test)]
mod tests {
    use super::super::testing::money_findings;
    use crate::ApiVersion;

    /// Every money finding on one order with the given line, as (rule, pointer, message).
    fn findings(line: &str) -> Vec<(String, String, String)> {
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "GBP", "lineItems": [{line}]}}]"#
        );
        money_findings(ApiVersion::V12_2022, &text)
            .into_iter()
            .map(|(rule, pointer, message, _)| (rule, pointer, message))
            .collect()
    }

    fn line(q: &str, gmv: &str, disc: &str, tax: &str, before: &str, after: &str) -> String {
        format!(
            r#"{{"id": "a", "quantity": {q}, "productGmv": {gmv}, "taxes": [{{"title": "t", "taxRate": 0.20, "taxAmount": {tax}}}],
              "discounts": [{{"title": "d", "discountAmount": {disc}}}],
              "totalAmountBeforeTaxesAndDiscounts": {before}, "totalAmountAfterTaxesAndDiscounts": {after}}}"#
        )
    }

    #[test]
    fn line_total_discount_is_the_only_money_finding() {
        // 4 × 25.00 with a 10.00 voucher for the line; tax 20 % of (25.00 − 2.50) = 3.75 per unit.
        let got = findings(&line("4", "25.00", "10.00", "3.75", "100.00", "75.00"));
        assert_eq!(
            got,
            vec![(
                "per-unit-discount".to_owned(),
                "/0/lineItems/0/discounts/0/discountAmount".to_owned(),
                "`discountAmount` 10.00 is the discount of all 4 units, not of one (`totalAmountAfterTaxesAndDiscounts` 75.00 adds up only that way): 2.50 per unit".to_owned()
            )]
        );
    }

    #[test]
    fn per_unit_discount_is_clean() {
        // The same line sent right: 4 × (25.00 − 3.75 − 2.50) = 75.00.
        assert!(findings(&line("4", "25.00", "2.50", "3.75", "100.00", "75.00")).is_empty());
    }

    #[test]
    fn more_than_the_price() {
        // Magebit's zero-price items: discount = price × quantity.
        let got = findings(&line("2", "4.99", "9.98", "0", "9.98", "0"));
        assert!(got.iter().any(|(rule, ptr, msg)| rule == "per-unit-discount"
            && ptr == "/0/lineItems/0/discounts/0/discountAmount"
            && msg == "`discountAmount` 9.98 is the discount of all 2 units, not of one (it is more than `productGmv` 4.99): 4.99 per unit"));
    }

    #[test]
    fn more_than_the_price_on_one_unit() {
        let got = findings(&line("1", "4.99", "6.00", "0", "4.99", "0"));
        assert!(got.iter().any(|(rule, _, msg)| rule == "per-unit-discount"
            && msg == "`discountAmount` 6.00 is more than `productGmv` 4.99, so it cannot be the discount of one unit"));
    }
}
