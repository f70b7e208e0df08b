use rust_decimal::Decimal;

use crate::declare_rule;
use crate::money::{display_in, round_to_minor, Tolerance};
use crate::rule::{Context, Rule};
use crate::view::{LineItem, Order};

use super::line_money::{difference, sum_expr, LineMath};

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
    /// ## Options
    /// The allowances come from `[tolerance]` in `klar-lint.toml` (`per-unit`, `line-factor`).
    /// ## References
    /// docs/klar-api.md §5 (the totals), §11.1 (per unit and per line), §11.2 (checksums, worked examples,
    /// tolerance), §14.3 items 2-4.
    pub LineChecksum {
        name: "line-checksum", category: Money, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders],
        derived: true,
    }
}

impl Rule for LineChecksum {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        for line in order.money_lines() {
            check_line(line, order.exponent, cx);
        }
    }
}

fn check_line(line: &LineItem<'_>, exp: u32, cx: &mut Context<'_>) {
    let Some(math) = LineMath::of(line) else {
        return;
    };
    if let Some(before) = line.before {
        check_before(line, &math, before, exp, cx);
    }
    if let Some(after) = line.after {
        check_after(line, &math, after, exp, cx);
    }
}

fn check_before(
    line: &LineItem<'_>,
    math: &LineMath,
    before: Decimal,
    exp: u32,
    cx: &mut Context<'_>,
) {
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
            display_in(shown, exp),
            difference(before, shown, exp),
        ),
    )
    .help(format!(
        "send quantity × productGmv = {} × {} = {}",
        math.q.normalize(),
        display_in(math.gmv, exp),
        display_in(shown, exp),
    ))
    .label(line.at("quantity"), "quantity")
    .label(line.at("productGmv"), "unit price");
}

fn check_after(
    line: &LineItem<'_>,
    math: &LineMath,
    after: Decimal,
    exp: u32,
    cx: &mut Context<'_>,
) {
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
    let mut help = format!(
        "send quantity × (productGmv − taxAmount − discountAmount) = {} × ({} − {} − {}) = {}",
        math.q.normalize(),
        display_in(math.gmv, exp),
        sum_expr(line.taxes.iter().map(|t| t.amount), exp),
        sum_expr(line.discounts.iter().map(|d| d.amount), exp),
        display_in(shown, exp),
    );
    // C2old 1.0.17/1.0.18 added the tax instead of subtracting it (docs/klar-api.md §14.3 item 4).
    let added = math
        .q
        .checked_mul(math.gmv)
        .and_then(|gross| gross.checked_add(math.q.checked_mul(math.tax)?))
        .and_then(|v| v.checked_sub(math.q.checked_mul(math.disc)?));
    if math.tax > Decimal::ZERO && added.is_some_and(|v| Tolerance::within(after, v, tol)) {
        help.push_str("; the total has the taxes added, not subtracted");
    } else if line.before.is_some_and(|before| after > before) {
        help.push_str("; an after-total above `totalAmountBeforeTaxesAndDiscounts` has taxes or discounts added, not subtracted");
    }
    let mut reported = cx
        .report(
            line.at("totalAmountAfterTaxesAndDiscounts"),
            format!(
                "`totalAmountAfterTaxesAndDiscounts` is {} but the line works out to {} ({})",
                display_in(after, exp),
                display_in(shown, exp),
                difference(after, shown, exp),
            ),
        )
        .help(help)
        .label(line.at("quantity"), "quantity");
    for tax in &line.taxes {
        reported = reported.label(tax.ptr.key("taxAmount"), "per-unit tax");
    }
    for discount in &line.discounts {
        reported = reported.label(discount.ptr.key("discountAmount"), "per-unit discount");
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
        // C2old: after = Q × GMV + Q × tax.
        let off = findings(
            &line("2", "3.50", "0.23", "0.07", &[], "7.00", "7.46"),
            ApiVersion::V12_2022,
        );
        assert_eq!(off.len(), 1, "{off:?}");
        assert!(
            off[0]
                .2
                .ends_with("the total has the taxes added, not subtracted"),
            "{}",
            off[0].2
        );
    }
}
