use rust_decimal::Decimal;

use crate::declare_rule;
use crate::diagnostic::quoted;
use crate::fix::Fix;
use crate::money::{display_computed, display_in, round_to_minor, Tolerance};
use crate::rule::{Context, Rule};
use crate::view::{LineItem, Order};

use super::line_money::{
    contained_tax, difference, fix_amount_of, parent_of, rate_sum, sum_expr, LeftOut,
    LeftOutReading, LineMath, Total,
};

declare_rule! {
    /// ## What it does
    /// Flags a line total that does not follow from the line's quantity, price, taxes and
    /// discounts.
    ///
    /// `totalAmountBeforeTaxesAndDiscounts` must be quantity × `productGmv`, and
    /// `totalAmountAfterTaxesAndDiscounts` quantity × (`productGmv` − Σ `taxAmount` −
    /// Σ `discountAmount`), within the rounding tolerance.
    ///
    /// It checks ordinary lines and bundle constituents; a bundle parent's totals are checked by
    /// `bundle-parent-mismatch`. A line with a zero or negative `quantity` is left to
    /// `invalid-quantity`.
    ///
    /// When the numbers show the cause, the finding says it (both within the same tolerance):
    /// * **Taxes added instead of subtracted**: the after-total is quantity × (`productGmv` +
    ///   Σ `taxAmount` − Σ `discountAmount`), as the old ICT connector sent it (docs/klar-api.md §14.2,
    ///   §14.3 item 4). The finding is on the after-total, says so, and gives the value to send.
    /// * **One discount entry not subtracted**: the after-total is the expected value plus
    ///   quantity × one entry's `discountAmount`, and no other entry fits. The current Magento
    ///   connector sends the sale price as `productGmv` and the difference to the catalogue
    ///   price as a "Price Reduction" entry it does not subtract (docs/klar-api.md §14.3 item 3, §14.4
    ///   item 4). Which value is wrong, the entry or the after-total, is read from the price the
    ///   taxes were worked out on:
    ///   - taxes that are the tax contained in `productGmv` less the *other* discounts say that
    ///     `productGmv` is already the reduced price: the after-total is the right net and the
    ///     entry counts the reduction twice. The finding is on the entry, names it, and the help
    ///     says to remove it, or, if the reduction does come off `productGmv`, to subtract it
    ///     from the after-total and work `taxAmount` out on the reduced price. It never tells
    ///     you to change the after-total alone. `tax-amount-mismatch` stays silent on that line;
    ///   - taxes worked out on the price less every discount say that the reduction is real
    ///     and the after-total forgot it: the finding is on the after-total, names the entry,
    ///     and gives the value to send;
    ///   - no taxes, or taxes that fit both readings: the finding is on the entry, and the help
    ///     offers both fixes ("if `productGmv` is already the reduced price, remove this entry;
    ///     otherwise subtract it from `totalAmountAfterTaxesAndDiscounts`") with the value.
    ///
    ///   An entry too small to tell from rounding (quantity × amount at most twice the
    ///   allowance), or two entries that would each explain the gap, get the plain finding.
    /// * **A free item counted as revenue**: `totalAmountBeforeTaxesAndDiscounts` is 0 and every
    ///   `taxAmount` is 0 (or there are no taxes), while `productGmv` is above the line's
    ///   discounts and the after-total is quantity × (`productGmv` − Σ `discountAmount`). The
    ///   current Magento connector sends a gift (custom price 0) like this: `productGmv` falls
    ///   back to the catalogue price, the before-total is the row total the customer paid
    ///   (docs/klar-api.md §14.1, §14.4 item 5). The before-total and the tax say the item was
    ///   free, `productGmv` and the after-total count it as sold, and the numbers cannot tell
    ///   which is right. So there is one finding, on `productGmv`, saying the line looks free
    ///   yet counts as revenue, and the help gives both fixes: for a gift, `productGmv` 0 and
    ///   the after-total 0 (or a discount of the full price per unit, with the before-total
    ///   quantity × `productGmv`); for a sale, the before-total, the tax the rate gives and the
    ///   after-total that follows. The plain before-total and after-total findings are dropped,
    ///   and `tax-amount-mismatch` stays silent on that line. A line whose after-total is 0 too,
    ///   or counts no more than the allowance, is not read this way.
    ///
    /// Amounts the rule works out (the expected total, the difference) are shown rounded to the
    /// currency's minor unit; values from the payload are quoted as sent, float noise such as
    /// `83.99000000000001` included.
    /// ## Why is this bad?
    /// The two totals are the line's checksums: before = quantity × `productGmv`, after =
    /// quantity × `productGmv` − quantity × Σ `taxAmount` − quantity × Σ `discountAmount`, all
    /// per-unit amounts. A total that disagrees means the per-unit amounts or the total are
    /// wrong: a price reduction listed as a discount but not subtracted, taxes added instead of
    /// subtracted, a per-unit value sent as a line total. Klar's live validator only rejects a
    /// negative after-total and accepts the rest, so the revenue shown is silently off; this is
    /// a warning.
    ///
    /// The comparison allows for rounding, because Klar works totals out from unrounded per-unit
    /// values: its own Order Example #1 (quantity 2, `productGmv` 3.50, discounts 0.63 + 0.35,
    /// tax 0.16 at rate 0.07) sends an after-total of 4.71 where the rounded parts give 4.72. A
    /// before-total passes within `max(1, 0.5 × |quantity|)` minor units of the currency (the
    /// only rounded input is `productGmv`), an after-total within `max(1, 0.5 × |quantity| ×
    /// (1 + number of taxes and discounts))` minor units: 0.04 for Example #1, so 4.71 passes.
    /// A total passes when it is that close to the exact value or to the value rounded to the
    /// minor unit (a fractional quantity can give more decimals than the currency has).
    ///
    /// When the line already has a finding from a money rule that explains the totals (a tax
    /// or discount sent as a line total, a negative amount, a percent tax rate), this finding is
    /// dropped: one root cause, one diagnostic.
    /// ## Example
    /// ```json
    /// { "id": "5234123423", "productGmv": 3.50, "quantity": 2,
    ///   "taxes": [{ "title": "VAT 7%", "taxRate": 0.07, "taxAmount": 0.23 }], "discounts": [],
    ///   "totalAmountBeforeTaxesAndDiscounts": 7.00, "totalAmountAfterTaxesAndDiscounts": 7.02 }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "id": "5234123423", "productGmv": 3.50, "quantity": 2,
    ///   "taxes": [{ "title": "VAT 7%", "taxRate": 0.07, "taxAmount": 0.23 }], "discounts": [],
    ///   "totalAmountBeforeTaxesAndDiscounts": 7.00, "totalAmountAfterTaxesAndDiscounts": 6.54 }
    /// ```
    /// ## Fix
    /// Unsafe: the total is recomputed from the line's items, quantity × `productGmv` for the
    /// before-total and quantity × (`productGmv` − Σ `taxAmount` − Σ `discountAmount`) for the
    /// after-total (also when the taxes were added, and when a discount entry was left out of
    /// an after-total whose taxes show the reduction is real). The total is written with the
    /// currency's minor-unit digits, or more where the line's amounts have more. On a bundle
    /// constituent, a parent total that was the sum of its constituents' totals is moved by
    /// the same amount, so it stays that sum. It trusts the per-unit amounts over the total,
    /// which a person should confirm. A discount entry the after-total leaves out while the
    /// taxes say the price is already reduced (or do not tell), and a free line counted as
    /// revenue, get no fix: either value may be the wrong one.
    /// ## Options
    /// The allowances come from `[tolerance]` in `klar-lint.toml` (`per-unit`, `line-factor`).
    /// ## References
    /// docs/klar-api.md §5 (the totals), §11.1 (per unit and per line), §11.2 (checksums, worked examples,
    /// tolerance), §14.1 (the current connector's fields), §14.2 (the old connector's sign),
    /// §14.3 items 2-4, §14.4 items 4, 5 and 10.
    pub LineChecksum {
        name: "line-checksum", category: Money, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders],
        derived: true,
    }
}

impl Rule for LineChecksum {
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
    let Some(math) = LineMath::of(line) else {
        return;
    };
    // A free item that `productGmv` and the after-total count as sold (C2's gifts,
    // docs/klar-api.md §14.4 item 5): one finding on the price, none on the totals.
    if math.looks_free(line, exp, cx.tolerance()) {
        report_free(line, &math, exp, cx);
        return;
    }
    if let Some(before) = line.before {
        check_before((line, parent), &math, before, exp, cx);
    }
    if let Some(after) = line.after {
        check_after((line, parent), &math, after, exp, cx);
    }
}

fn check_before(
    (line, parent): (&LineItem<'_>, Option<&LineItem<'_>>),
    math: &LineMath,
    before: Decimal,
    exp: u32,
    cx: &mut Context<'_>,
) {
    let tolerance = cx.tolerance().clone();
    let Some(expected) = math.q.checked_mul(math.gmv) else {
        return;
    };
    // Only `productGmv` is a rounded input here, so no allowance per tax or discount entry.
    let tol = cx.tolerance().line_abs(exp, math.q, 0);
    let shown = round_to_minor(expected, exp);
    if Tolerance::within(before, expected, tol) || Tolerance::within(before, shown, tol) {
        return;
    }
    cx.report(
        line.at("totalAmountBeforeTaxesAndDiscounts"),
        format!(
            "`totalAmountBeforeTaxesAndDiscounts` is {} but quantity × `productGmv` is {} ({})",
            display_in(before, exp),
            display_computed(shown, exp),
            difference(before, shown, exp),
        ),
    )
    .help(format!(
        "send quantity × productGmv = {} × {} = {}",
        math.q.normalize(),
        display_in(math.gmv, exp),
        display_computed(shown, exp),
    ))
    .label(line.at("quantity"), "quantity")
    .label(line.at("productGmv"), "unit price")
    .fix(total_fix((line, parent), math, Total::Before, expected, exp, &tolerance));
}

/// The fix that writes the line's `total` worked out from its per-unit amounts (and keeps a
/// bundle parent's total in step).
fn total_fix(
    (line, parent): (&LineItem<'_>, Option<&LineItem<'_>>),
    math: &LineMath,
    total: Total,
    expected: Decimal,
    exp: u32,
    tolerance: &Tolerance,
) -> Fix {
    let changes = math.total_changes(line, parent, total, expected, exp, tolerance);
    let written = changes
        .first()
        .map(fix_amount_of)
        .unwrap_or_default();
    Fix::unsafe_(format!("recompute `{}`: `{written}`", total.key()), changes)
}

fn check_after(
    (line, parent): (&LineItem<'_>, Option<&LineItem<'_>>),
    math: &LineMath,
    after: Decimal,
    exp: u32,
    cx: &mut Context<'_>,
) {
    let tolerance = cx.tolerance().clone();
    let Some(expected) = math.after(false, false) else {
        return;
    };
    let tol = cx.tolerance().line_abs(exp, math.q, line.entries());
    // Within the allowance of the exact value or of its rounding, so that the difference in
    // the message is always beyond the allowance.
    let shown = round_to_minor(expected, exp);
    if Tolerance::within(after, expected, tol) || Tolerance::within(after, shown, tol) {
        return;
    }
    let formula = format!(
        "quantity × (productGmv − taxAmount − discountAmount) = {} × ({} − {} − {}) = {}",
        math.q.normalize(),
        display_in(math.gmv, exp),
        sum_expr(line.taxes.iter().map(|t| t.amount), exp),
        sum_expr(line.discounts.iter().map(|d| d.amount), exp),
        display_computed(shown, exp),
    );
    let after_text = display_in(after, exp);
    let works_out = format!(
        "the line works out to {} ({})",
        display_computed(shown, exp),
        difference(after, shown, exp),
    );
    let at = line.at("totalAmountAfterTaxesAndDiscounts");
    // C2old 1.0.17/1.0.18 added the tax instead of subtracting it (docs/klar-api.md §14.2, §14.3 item 4).
    let added = math
        .q
        .checked_mul(math.gmv)
        .and_then(|gross| gross.checked_add(math.q.checked_mul(math.tax)?))
        .and_then(|v| v.checked_sub(math.q.checked_mul(math.disc)?));
    if math.tax > Decimal::ZERO && added.is_some_and(|v| Tolerance::within(after, v, tol)) {
        let mut reported = cx
            .report(
                at,
                format!("`totalAmountAfterTaxesAndDiscounts` is {after_text}, with the taxes added instead of subtracted: {works_out}"),
            )
            .help(format!("subtract the taxes: send {formula}"))
            .label(line.at("quantity"), "quantity")
            .fix(total_fix((line, parent), math, Total::After, expected, exp, &tolerance));
        for tax in &line.taxes {
            reported = reported.label(tax.ptr.key("taxAmount"), "per-unit tax");
        }
        return;
    }
    // One listed discount left out of the after-total (C2's "Price Reduction", docs/klar-api.md §14.3
    // item 3, §14.4 item 4).
    if let Some(left_out) = math.left_out_discount(line, exp, cx.tolerance()) {
        report_left_out((line, parent), math, &left_out, &after_text, &formula, exp, cx);
        return;
    }
    let mut help = format!("send {formula}");
    if line.before.is_some_and(|before| after > before) {
        help.push_str("; an after-total above `totalAmountBeforeTaxesAndDiscounts` has taxes or discounts added, not subtracted");
    }
    let mut reported = cx
        .report(
            at,
            format!("`totalAmountAfterTaxesAndDiscounts` is {after_text} but {works_out}"),
        )
        .help(help)
        .label(line.at("quantity"), "quantity")
        .fix(total_fix((line, parent), math, Total::After, expected, exp, &tolerance));
    for tax in &line.taxes {
        reported = reported.label(tax.ptr.key("taxAmount"), "per-unit tax");
    }
    for discount in &line.discounts {
        reported = reported.label(discount.ptr.key("discountAmount"), "per-unit discount");
    }
}

/// A discount entry the after-total leaves out: on the entry when the taxes say `productGmv`
/// is already the reduced price, or when they do not tell (with both fixes); on the
/// after-total when the taxes were worked out on the reduced price.
fn report_left_out(
    (line, parent): (&LineItem<'_>, Option<&LineItem<'_>>),
    math: &LineMath,
    left_out: &LeftOut<'_, '_>,
    after_text: &str,
    formula: &str,
    exp: u32,
    cx: &mut Context<'_>,
) {
    let tolerance = cx.tolerance().clone();
    let discount = left_out.discount;
    let entry = discount
        .raw
        .get("title")
        .and_then(serde_json::Value::as_str)
        .map_or_else(
            || "an untitled discount".to_owned(),
            |title| format!("the discount {}", quoted(title)),
        );
    let amount = display_in(left_out.amount, exp);
    let at_after = line.at("totalAmountAfterTaxesAndDiscounts");
    if left_out.wrong == LeftOutReading::AfterTotal {
        let shown = round_to_minor(left_out.expected, exp);
        let Some(after) = line.after else { return };
        cx.report(
            at_after,
            format!(
                "`totalAmountAfterTaxesAndDiscounts` is {after_text} but the line works out to {} ({}): {entry} of {amount} per unit is not subtracted",
                display_computed(shown, exp),
                difference(after, shown, exp),
            ),
        )
        .help(format!(
            "subtract every discount: send {formula}; `taxAmount` is already worked out on the reduced price"
        ))
        .label(discount.ptr.key("discountAmount"), "not subtracted")
        .label(line.at("quantity"), "quantity")
        .fix(total_fix((line, parent), math, Total::After, left_out.expected, exp, &tolerance));
        return;
    }
    let gmv = display_in(math.gmv, exp);
    let help = if left_out.wrong == LeftOutReading::Entry {
        format!(
            "if `productGmv` {gmv} is already the reduced price, as `taxAmount` suggests (it is worked out on that price), remove this entry; if the reduction comes off `productGmv`, subtract it from `totalAmountAfterTaxesAndDiscounts` and work `taxAmount` out on the reduced price"
        )
    } else {
        format!(
            "if `productGmv` {gmv} is already the reduced price, remove this entry; otherwise subtract it from `totalAmountAfterTaxesAndDiscounts`: {formula}"
        )
    };
    cx.report(
        discount.ptr.clone(),
        format!(
            "{entry} of {amount} per unit is listed but not subtracted in `totalAmountAfterTaxesAndDiscounts` {after_text}"
        ),
    )
    .help(help)
    .label(at_after, "after-total")
    .label(line.at("productGmv"), "unit price");
}

/// A line whose before-total and taxes say it was free while `productGmv` and the after-total
/// count it as revenue: on `productGmv`, with the fix for a gift and the fix for a sale, so that
/// no correct value is called wrong.
fn report_free(line: &LineItem<'_>, math: &LineMath, exp: u32, cx: &mut Context<'_>) {
    let (Some(before), Some(after)) = (line.before, line.after) else {
        return;
    };
    // What is left of the price after the listed discounts, and the units' gross.
    let (Some(left), Some(gross)) = (math.gmv.checked_sub(math.disc), math.q.checked_mul(math.gmv))
    else {
        return;
    };
    let gmv = display_in(math.gmv, exp);
    let gross = display_computed(gross, exp);
    let taxes = if line.taxes.is_empty() {
        "no tax"
    } else {
        "`taxAmount` 0"
    };
    let (no_discounts, full) = if line.discounts.is_empty() {
        ("", "the full price")
    } else {
        (", no discounts", "what the other discounts leave")
    };
    let mut sold = format!(
        "if it was sold, send `totalAmountBeforeTaxesAndDiscounts` = quantity × productGmv = {} × {gmv} = {gross}",
        math.q.normalize(),
    );
    // Sold, the price contains the tax its rates give, and the after-total loses it too.
    let tax = rate_sum(&line.taxes)
        .filter(|r| *r > Decimal::ZERO)
        .and_then(|rates| contained_tax(left, rates, rates));
    match tax.and_then(|t| Some((t, math.q.checked_mul(left.checked_sub(t)?)?))) {
        Some((tax, net)) => {
            let tax_text = match line.taxes.as_slice() {
                [one] => format!(
                    "`taxAmount` {} (the tax rate {} gives)",
                    display_computed(tax, exp),
                    one.rate.unwrap_or_default().normalize()
                ),
                _ => format!(
                    "the `taxAmount`s the rates give ({} per unit in all)",
                    display_computed(tax, exp)
                ),
            };
            sold = format!(
                "{sold}, {tax_text} and `totalAmountAfterTaxesAndDiscounts` {}",
                display_computed(net, exp)
            );
        }
        None => {
            sold = format!(
                "{sold}; `totalAmountAfterTaxesAndDiscounts` {} is then right",
                display_in(after, exp)
            );
        }
    }
    let mut reported = cx
        .report(
            line.at("productGmv"),
            format!(
                "the line looks free (a gift), with `totalAmountBeforeTaxesAndDiscounts` {} and {taxes}, yet `productGmv` {gmv} and `totalAmountAfterTaxesAndDiscounts` {} count it as revenue",
                display_in(before, exp),
                display_in(after, exp),
            ),
        )
        .help(format!(
            "if it was a gift, send `productGmv` 0{no_discounts} and `totalAmountAfterTaxesAndDiscounts` 0, or keep the price and add a discount of {} per unit ({full}) with `totalAmountBeforeTaxesAndDiscounts` {gross} and the after-total 0; {sold}",
            display_computed(left, exp),
        ))
        .label(line.at("totalAmountBeforeTaxesAndDiscounts"), "before-total")
        .label(line.at("totalAmountAfterTaxesAndDiscounts"), "after-total");
    for tax in &line.taxes {
        reported = reported.label(tax.ptr.key("taxAmount"), "tax");
    }
}

// ---- Line arithmetic shared by the line money rules (per-unit-tax, per-unit-discount,
// ---- tax-amount-mismatch, negative-amount) --------------------------------------------------

#[cfg(test)]
mod tests {
    use super::super::testing;
    use crate::{ApiVersion, PayloadKind};

    fn findings(line: &str, version: ApiVersion) -> Vec<(String, String, String)> {
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [{line}]}}]"#
        );
        testing::findings(PayloadKind::Orders, version, &text, |d| {
            d.rule() == "line-checksum"
        })
        .into_iter()
        .map(|(_, pointer, message, help)| (pointer, message, help))
        .collect()
    }

    fn line(
        q: &str,
        gmv: &str,
        tax: &str,
        rate: &str,
        discounts: &[&str],
        before: &str,
        after: &str,
    ) -> String {
        let discounts: Vec<String> = discounts
            .iter()
            .map(|d| format!(r#"{{"title": "d", "discountAmount": {d}}}"#))
            .collect();
        format!(
            r#"{{"id": "a", "quantity": {q}, "productGmv": {gmv}, "taxes": [{{"title": "t", "taxRate": {rate}, "taxAmount": {tax}}}],
              "discounts": [{}], "totalAmountBeforeTaxesAndDiscounts": {before}, "totalAmountAfterTaxesAndDiscounts": {after}}}"#,
            discounts.join(",")
        )
    }

    #[test]
    fn klar_worked_examples_pass() {
        for version in [ApiVersion::V12_2022, ApiVersion::V07_2025] {
            // Order Example #1: 4.71 where the rounded parts give 4.72.
            assert!(findings(
                &line(
                    "2",
                    "3.50",
                    "0.16",
                    "0.07",
                    &["0.63", "0.35"],
                    "7.0",
                    "4.71"
                ),
                version
            )
            .is_empty());
            // Order Example #2.
            assert!(findings(
                &line("2", "3.50", "0.23", "0.07", &[], "7.0", "6.54"),
                version
            )
            .is_empty());
        }
    }

    #[test]
    fn after_tolerance_boundary() {
        // Quantity 2, one tax, no discount: 0.5 × 2 × 2 = 2 minor units.
        let ok = findings(
            &line("2", "3.50", "0.23", "0.07", &[], "7.00", "6.56"),
            ApiVersion::V12_2022,
        );
        assert!(ok.is_empty(), "{ok:?}");
        let off = findings(
            &line("2", "3.50", "0.23", "0.07", &[], "7.00", "6.57"),
            ApiVersion::V12_2022,
        );
        assert_eq!(off.len(), 1, "{off:?}");
        assert_eq!(off[0].0, "/0/lineItems/0/totalAmountAfterTaxesAndDiscounts");
        assert_eq!(off[0].1, "`totalAmountAfterTaxesAndDiscounts` is 6.57 but the line works out to 6.54 (0.03 more)");
        assert_eq!(off[0].2, "send quantity × (productGmv − taxAmount − discountAmount) = 2 × (3.50 − 0.23 − 0) = 6.54");
    }

    #[test]
    fn before_allows_half_a_minor_unit_per_unit_only() {
        // Quantity 4: max(1, 0.5 × 4) = 2 minor units.
        let ok = findings(
            &line("4", "2.50", "0.40", "0.19", &[], "10.02", "8.40"),
            ApiVersion::V12_2022,
        );
        assert!(ok.is_empty(), "{ok:?}");
        let off = findings(
            &line("4", "2.50", "0.40", "0.19", &[], "10.03", "8.40"),
            ApiVersion::V12_2022,
        );
        assert_eq!(off.len(), 1, "{off:?}");
        assert_eq!(
            off[0].0,
            "/0/lineItems/0/totalAmountBeforeTaxesAndDiscounts"
        );
        assert_eq!(off[0].2, "send quantity × productGmv = 4 × 2.50 = 10.00");
    }

    #[test]
    fn fractional_quantity_and_several_discounts_in_the_help() {
        // 0.5 kg at 3.99 with two discounts: the help shows the sum term.
        let off = findings(
            &line(
                "0.5",
                "3.99",
                "0.25",
                "0.07",
                &["0.10", "0.05"],
                "1.995",
                "1.50",
            ),
            ApiVersion::V12_2022,
        );
        assert_eq!(off.len(), 1, "{off:?}");
        assert_eq!(
            off[0].2,
            "send quantity × (productGmv − taxAmount − discountAmount) = 0.5 × (3.99 − 0.25 − (0.10 + 0.05)) = 1.80"
        );
    }

    #[test]
    fn added_tax_is_named() {
        // C2old: after = Q × GMV + Q × tax, here with PHP's float noise.
        let off = findings(
            &line("2", "3.50", "0.23", "0.07", &[], "7.00", "7.460000000000001"),
            ApiVersion::V12_2022,
        );
        assert_eq!(off.len(), 1, "{off:?}");
        assert_eq!(off[0].0, "/0/lineItems/0/totalAmountAfterTaxesAndDiscounts");
        assert_eq!(
            off[0].1,
            "`totalAmountAfterTaxesAndDiscounts` is 7.460000000000001, with the taxes added instead of subtracted: the line works out to 6.54 (0.92 more)"
        );
        assert_eq!(
            off[0].2,
            "subtract the taxes: send quantity × (productGmv − taxAmount − discountAmount) = 2 × (3.50 − 0.23 − 0) = 6.54"
        );
    }

    /// A line of `productGmv` 99.95 (quantity 2) with a "Price Reduction" of 30 per unit and a
    /// 10 % coupon of 9.995, taxed at 19 % on `tax_base`, with the given after-total.
    fn price_reduction_line(tax: &str, after: &str) -> String {
        format!(
            r#"{{"id": "a", "quantity": 2, "productGmv": 99.95,
              "taxes": [{{"title": "VAT 19%", "taxRate": 0.19, "taxAmount": {tax}}}],
              "discounts": [{{"title": "Summer 10%", "discountAmount": 9.995}},
                            {{"title": "Price Reduction", "discountAmount": 29.999999999999986}}],
              "totalAmountBeforeTaxesAndDiscounts": 199.9, "totalAmountAfterTaxesAndDiscounts": {after}}}"#
        )
    }

    #[test]
    fn a_price_reduction_already_in_the_price_is_the_entry_s_fault() {
        // C2: `productGmv` is the sale price; the tax is the tax of 99.95 − 9.995 = 89.955
        // (14.36), and the after-total 2 × (99.95 − 14.36 − 9.995) = 151.19 leaves the
        // reduction out too. The entry is the inconsistency: the finding is on it, and
        // tax-amount-mismatch stays silent.
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [{}]}}]"#,
            price_reduction_line("14.36", "151.19000000000003")
        );
        let all = testing::findings(
            PayloadKind::Orders,
            ApiVersion::V07_2025,
            &text,
            testing::is_money,
        );
        assert_eq!(all.len(), 1, "{all:?}");
        let (rule, pointer, message, help) = &all[0];
        assert_eq!(rule, "line-checksum");
        assert_eq!(pointer, "/0/lineItems/0/discounts/1");
        assert_eq!(
            message,
            "the discount \"Price Reduction\" of 29.999999999999986 per unit is listed but not subtracted in `totalAmountAfterTaxesAndDiscounts` 151.19000000000003"
        );
        assert_eq!(
            help,
            "if `productGmv` 99.95 is already the reduced price, as `taxAmount` suggests (it is worked out on that price), remove this entry; if the reduction comes off `productGmv`, subtract it from `totalAmountAfterTaxesAndDiscounts` and work `taxAmount` out on the reduced price"
        );
    }

    #[test]
    fn a_reduction_the_tax_is_worked_out_on_is_the_after_total_s_fault() {
        // The tax of 99.95 − 9.995 − 30 = 59.955 is 9.57: the reduction is real, and the
        // after-total forgot it.
        let off = findings(
            &price_reduction_line("9.57", "160.77"),
            ApiVersion::V07_2025,
        );
        assert_eq!(off.len(), 1, "{off:?}");
        assert_eq!(off[0].0, "/0/lineItems/0/totalAmountAfterTaxesAndDiscounts");
        assert_eq!(
            off[0].1,
            "`totalAmountAfterTaxesAndDiscounts` is 160.77 but the line works out to 100.77 (60.00 more): the discount \"Price Reduction\" of 29.999999999999986 per unit is not subtracted"
        );
        assert!(
            off[0].2.starts_with("subtract every discount: send quantity × "),
            "{}",
            off[0].2
        );
    }

    #[test]
    fn without_tax_evidence_the_entry_gets_both_fixes() {
        let off = findings(
            &line("1", "59.90", "0", "0", &["10.00"], "59.90", "59.90"),
            ApiVersion::V12_2022,
        );
        assert_eq!(off.len(), 1, "{off:?}");
        assert_eq!(off[0].0, "/0/lineItems/0/discounts/0");
        assert!(
            off[0].2.starts_with(
                "if `productGmv` 59.90 is already the reduced price, remove this entry; otherwise"
            ),
            "{}",
            off[0].2
        );
    }

    #[test]
    fn no_root_cause_is_guessed_when_two_entries_fit_or_the_gap_is_rounding() {
        // Two entries of 10.00: either could be the one left out.
        let two = findings(
            &line("1", "59.90", "0", "0", &["10.00", "10.00"], "59.90", "49.90"),
            ApiVersion::V12_2022,
        );
        assert_eq!(two.len(), 1, "{two:?}");
        assert_eq!(two[0].0, "/0/lineItems/0/totalAmountAfterTaxesAndDiscounts");
        assert!(two[0].1.ends_with("(10.00 more)"), "{}", two[0].1);
        // An entry of 0.03 on quantity 1 is within twice the line allowance (0.02 × 2): a
        // 0.03 gap is not named as that entry.
        let small = findings(
            &line("1", "5.00", "0", "0", &["0.03"], "5.00", "5.00"),
            ApiVersion::V12_2022,
        );
        assert_eq!(small.len(), 1, "{small:?}");
        assert_eq!(small[0].0, "/0/lineItems/0/totalAmountAfterTaxesAndDiscounts");
    }

    /// Every money finding on a one-line EUR order, as (rule, pointer, message, help).
    fn money_findings(line: &str) -> Vec<(String, String, String, String)> {
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [{line}]}}]"#
        );
        testing::money_findings(ApiVersion::V07_2025, &text)
    }

    #[test]
    fn a_free_gift_counted_as_revenue_is_one_finding_on_the_price() {
        // C2's free gift (docs/klar-api.md §14.4 item 5): custom price 0, so the before-total
        // and the tax are 0, but `productGmv` falls back to the catalogue price 9.95 and the
        // after-total is 2 × 9.95.
        let got = money_findings(&line("2.0", "9.95", "0.0", "0.19", &[], "0.0", "19.9"));
        assert_eq!(got.len(), 1, "{got:?}");
        let (rule, pointer, message, help) = &got[0];
        assert_eq!(rule, "line-checksum");
        assert_eq!(pointer, "/0/lineItems/0/productGmv");
        assert_eq!(
            message,
            "the line looks free (a gift), with `totalAmountBeforeTaxesAndDiscounts` 0.00 and `taxAmount` 0, yet `productGmv` 9.95 and `totalAmountAfterTaxesAndDiscounts` 19.90 count it as revenue"
        );
        // Both fixes, each complete: 9.95 × 0.19 / 1.19 = 1.5887 → 1.59; 2 × (9.95 − 1.5887)
        // = 16.72.
        assert_eq!(
            help,
            "if it was a gift, send `productGmv` 0 and `totalAmountAfterTaxesAndDiscounts` 0, or keep the price and add a discount of 9.95 per unit (the full price) with `totalAmountBeforeTaxesAndDiscounts` 19.90 and the after-total 0; if it was sold, send `totalAmountBeforeTaxesAndDiscounts` = quantity × productGmv = 2 × 9.95 = 19.90, `taxAmount` 1.59 (the tax rate 0.19 gives) and `totalAmountAfterTaxesAndDiscounts` 16.72"
        );
    }

    #[test]
    fn a_free_line_with_a_discount_or_a_zero_rate() {
        // A 2.00 discount leaves 7.95 counted: 7.95 × 0.19 / 1.19 = 1.2693 → 1.27, net 6.68.
        let got = money_findings(&line("1", "9.95", "0", "0.19", &["2.00"], "0", "7.95"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "/0/lineItems/0/productGmv");
        assert!(
            got[0].3.starts_with("if it was a gift, send `productGmv` 0, no discounts and `totalAmountAfterTaxesAndDiscounts` 0, or keep the price and add a discount of 7.95 per unit (what the other discounts leave) with `totalAmountBeforeTaxesAndDiscounts` 9.95"),
            "{}",
            got[0].3
        );
        assert!(
            got[0].3.ends_with(", `taxAmount` 1.27 (the tax rate 0.19 gives) and `totalAmountAfterTaxesAndDiscounts` 6.68"),
            "{}",
            got[0].3
        );
        // A zero rate: sold, the after-total is already right.
        let got = money_findings(&line("2", "9.95", "0", "0", &[], "0", "19.90"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].3.ends_with("= 2 × 9.95 = 19.90; `totalAmountAfterTaxesAndDiscounts` 19.90 is then right"),
            "{}",
            got[0].3
        );
    }

    #[test]
    fn only_the_free_signature_is_read_as_a_gift() {
        // A tax above 0: sold, and the before-total is wrong.
        let got = findings(
            &line("2", "9.95", "1.59", "0.19", &[], "0", "16.72"),
            ApiVersion::V07_2025,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "/0/lineItems/0/totalAmountBeforeTaxesAndDiscounts");
        // An after-total of 0 does not count the units as revenue: the plain findings.
        let got = findings(
            &line("2", "9.95", "0", "0.19", &[], "0", "0"),
            ApiVersion::V07_2025,
        );
        let pointers: Vec<&str> = got.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/0/lineItems/0/totalAmountBeforeTaxesAndDiscounts",
                "/0/lineItems/0/totalAmountAfterTaxesAndDiscounts"
            ]
        );
        // A before-total of 0.01: not free.
        let got = findings(
            &line("2", "9.95", "0", "0.19", &[], "0.01", "19.90"),
            ApiVersion::V07_2025,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "/0/lineItems/0/totalAmountBeforeTaxesAndDiscounts");
        // Free by a full discount, and free at price 0: clean.
        for clean in [
            line("2", "9.95", "0", "0.19", &["9.95"], "19.90", "0"),
            line("2", "0", "0", "0.19", &[], "0", "0"),
            // 0.01 counted is within the allowance of 0: nothing to tell.
            line("1", "0.01", "0", "0.19", &[], "0", "0"),
        ] {
            assert!(money_findings(&clean).is_empty(), "{clean}");
        }
    }
}
