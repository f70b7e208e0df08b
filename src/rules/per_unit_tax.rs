use rust_decimal::Decimal;

use super::line_money::{
    contained_tax, divide_fix, parent_of, rate_sum, sum_expr, Amounts, LineMath, TotalsReading,
};
use crate::declare_rule;
use crate::money::{display_computed, display_in, Tolerance};
use crate::rule::{Context, Rule};
use crate::view::{LineItem, Order, Tax};

declare_rule! {
    /// ## What it does
    /// Flags a line's `taxAmount` that is the tax of the whole line where Klar expects the tax
    /// of one unit.
    ///
    /// Any one of these is evidence:
    /// * the `taxAmount` is more than `productGmv`: the tax of one unit is part of its price;
    /// * the quantity is above 1 and the `taxAmount` is quantity × the per-unit tax the rate
    ///   gives, `(productGmv − Σ discountAmount) × taxRate / (1 + taxRate)`, within the line
    ///   tolerance, while it is not the per-unit tax itself;
    /// * the quantity is above 1 and the line's `totalAmountAfterTaxesAndDiscounts` adds up only
    ///   with the taxes read as line totals (`quantity × productGmv − taxAmount − quantity ×
    ///   discountAmount`), not as sent (`quantity × (productGmv − taxAmount − discountAmount)`).
    ///
    /// The message shows the per-unit value to send: `taxAmount / quantity`, rounded to the
    /// currency's minor unit. The rule checks ordinary lines and bundle constituents, not bundle
    /// parents (`bundle-values` and `bundle-parent-mismatch` own those) and not shipping taxes,
    /// whose amounts are totals for the order. The rate is evidence only when it is in range
    /// (`tax-rate-range` reports the others).
    ///
    /// The per-unit value to send and the expected tax are shown rounded to the currency's
    /// minor unit; amounts from the payload are quoted as sent.
    /// ## Why is this bad?
    /// `taxAmount` on a line is per unit (docs/klar-api.md §5b, §11.1: Klar's examples send 0.16 and 0.23
    /// for a 3.50 item bought twice). Klar multiplies it by `quantity`, so a line total sent
    /// there counts the tax quantity times: on a line of 3 the tax is tripled and net revenue
    /// drops by twice the real tax. The totals then disagree too; those `line-checksum` and
    /// `tax-amount-mismatch` findings are dropped in favour of this one.
    /// ## Example
    /// ```json
    /// { "id": "20001236601", "productGmv": 19.99, "quantity": 3,
    ///   "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 9.57 }], "discounts": [],
    ///   "totalAmountBeforeTaxesAndDiscounts": 59.97, "totalAmountAfterTaxesAndDiscounts": 50.40 }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "id": "20001236601", "productGmv": 19.99, "quantity": 3,
    ///   "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 3.19 }], "discounts": [],
    ///   "totalAmountBeforeTaxesAndDiscounts": 59.97, "totalAmountAfterTaxesAndDiscounts": 50.40 }
    /// ```
    /// ## Fix
    /// Unsafe: the `taxAmount` is divided by the quantity and rounded to the currency's minor
    /// unit (`9.57` on 3 units → `3.19`), and the line's `totalAmountAfterTaxesAndDiscounts`,
    /// where the payload has one, is recomputed from the new per-unit amounts when it would not
    /// add up with them (on a bundle constituent, a parent's after-total that was the sum of
    /// its constituents' totals stays that sum). It changes an amount Klar counts, so a person should look at it. A
    /// tax more than `productGmv` on one unit (or too big even shared out) gets no fix: the
    /// right amount is not in the payload.
    /// ## Options
    /// The allowances come from `[tolerance]` in `klar-lint.toml` (`per-unit`, `line-factor`).
    /// ## References
    /// docs/klar-api.md §5b, §11.1, §11.2, §14.3 item 7 (C2 sends bundle parent taxes as Σ child tax ×
    /// child quantity, a line total).
    pub PerUnitTax {
        name: "per-unit-tax", category: Money, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

impl Rule for PerUnitTax {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        for line in order.money_lines() {
            check_line(line, parent_of(order, line), order.exponent, cx);
        }
    }
}

/// Why a tax amount reads as a line total.
enum Evidence {
    /// It is more than the unit price.
    ExceedsGmv(Decimal),
    /// It is quantity × the per-unit tax the rate gives (the expected per-unit tax, the rate).
    MatchesRate(Decimal, Decimal),
    /// The after-total adds up only with it as a line total.
    AfterTotal(Decimal),
}

fn check_line(line: &LineItem<'_>, parent: Option<&LineItem<'_>>, exp: u32, cx: &mut Context<'_>) {
    let Some(TotalsReading {
        math,
        tol_line,
        after_says_total,
    }) = TotalsReading::of(line, Amounts::Taxes, exp, cx.tolerance())
    else {
        return;
    };
    let tol_unit = cx.tolerance().per_unit_abs(exp);
    let rates = rate_sum(&line.taxes);
    let base = math
        .gmv
        .checked_sub(math.disc)
        .filter(|b| *b > Decimal::ZERO);
    for tax in &line.taxes {
        let Some(amount) = tax.amount.filter(|a| *a > Decimal::ZERO) else {
            continue;
        };
        let matches_rate = || -> Option<Evidence> {
            if math.q <= Decimal::ONE {
                return None;
            }
            let rate = tax.rate?;
            let expected = contained_tax(base?, rate, rates?)?;
            let total = math.q.checked_mul(expected)?;
            // Only when the two readings are far enough apart to tell them apart.
            let distinct = total.checked_sub(expected)? > tol_line.checked_add(tol_unit)?;
            let is_total = distinct
                && Tolerance::within(amount, total, tol_line)
                && !Tolerance::within(amount, expected, tol_unit);
            is_total.then_some(Evidence::MatchesRate(expected, rate))
        };
        let evidence = if math.gmv >= Decimal::ZERO && amount > math.gmv {
            Evidence::ExceedsGmv(math.gmv)
        } else if let Some(evidence) = matches_rate() {
            evidence
        } else if after_says_total {
            let Some(after) = line.after else { continue };
            Evidence::AfterTotal(after)
        } else {
            continue;
        };
        report((line, parent), tax, amount, &math, base, rates, &evidence, exp, cx);
    }
}

#[allow(clippy::too_many_arguments)] // the numbers of one finding, kept apart from detection
fn report(
    (line, parent): (&LineItem<'_>, Option<&LineItem<'_>>),
    tax: &Tax,
    amount: Decimal,
    math: &LineMath,
    base: Option<Decimal>,
    rates: Option<Decimal>,
    evidence: &Evidence,
    exp: u32,
    cx: &mut Context<'_>,
) {
    // The per-unit value to send, when the amount reads as the tax of all units: more than one
    // unit, and (for "more than the price") a unit's share that fits the price.
    let unit = (math.q > Decimal::ONE)
        .then(|| amount.checked_div(math.q))
        .flatten()
        .filter(|u| !matches!(evidence, Evidence::ExceedsGmv(gmv) if u > gmv));
    let Some(unit) = unit else {
        too_big(line, tax, amount, math, base, rates, exp, cx);
        return;
    };
    let shown = display_in(amount, exp);
    let q = math.q.normalize();
    let at = tax.ptr.key("taxAmount");
    let fix = divide_fix("taxAmount", (line, parent), math, (amount, unit), &at, exp, cx.tolerance());
    let unit = display_computed(unit, exp);
    let why = match evidence {
        Evidence::ExceedsGmv(gmv) => {
            format!("it is more than `productGmv` {}", display_in(*gmv, exp))
        }
        Evidence::MatchesRate(expected, rate) => format!(
            "{q} × the per-unit tax {} expected from rate {rate}",
            display_computed(*expected, exp)
        ),
        Evidence::AfterTotal(after) => format!(
            "`totalAmountAfterTaxesAndDiscounts` {} adds up only that way",
            display_in(*after, exp)
        ),
    };
    let reported = cx
        .report(
            at,
            format!("`taxAmount` {shown} is the tax of all {q} units, not of one ({why}): {unit} per unit"),
        )
        .help(format!(
            "send the tax of one unit, {shown} / {q} = {unit}; Klar multiplies `taxAmount` by `quantity`"
        ))
        .label(line.at("quantity"), "quantity")
        .fix(fix);
    match evidence {
        Evidence::ExceedsGmv(_) => reported.label(line.at("productGmv"), "unit price"),
        Evidence::MatchesRate(..) => reported.label(tax.ptr.key("taxRate"), "rate"),
        Evidence::AfterTotal(_) => {
            reported.label(line.at("totalAmountAfterTaxesAndDiscounts"), "line total")
        }
    };
}


/// A tax more than the unit price that is not a line total either (one unit or less, or too
/// big even shared out): the fix is the tax the rate gives.
#[allow(clippy::too_many_arguments)]
fn too_big(
    line: &LineItem<'_>,
    tax: &Tax,
    amount: Decimal,
    math: &LineMath,
    base: Option<Decimal>,
    rates: Option<Decimal>,
    exp: u32,
    cx: &mut Context<'_>,
) {
    let expected = tax
        .rate
        .zip(base.zip(rates))
        .and_then(|(rate, (base, rates))| Some((rate, contained_tax(base, rate, rates)?)));
    let help = match expected {
        Some((rate, expected)) if line.taxes.len() == 1 => format!(
            "send the tax contained in one unit's price: (productGmv − discountAmount) × taxRate / (1 + taxRate) = ({} − {}) × {rate} / {} = {}",
            display_in(math.gmv, exp),
            sum_expr(line.discounts.iter().map(|d| d.amount), exp),
            Decimal::ONE + rate,
            display_computed(expected, exp),
        ),
        Some((_, expected)) => format!(
            "send the tax of one unit, which is part of `productGmv`: {} at this rate",
            display_computed(expected, exp)
        ),
        None => "send the tax of one unit, which is part of `productGmv`".to_owned(),
    };
    cx.report(
        tax.ptr.key("taxAmount"),
        format!(
            "`taxAmount` {} is more than `productGmv` {}, so it cannot be the tax of one unit",
            display_in(amount, exp),
            display_in(math.gmv, exp)
        ),
    )
    .help(help)
    .label(line.at("productGmv"), "unit price");
}

#[cfg(test)]
mod tests {
    use super::super::testing::money_findings;
    use crate::ApiVersion;

    /// Every finding on one order with the given line, as (rule, pointer, message).
    fn findings(line: &str) -> Vec<(String, String, String)> {
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [{line}]}}]"#
        );
        money_findings(ApiVersion::V07_2025, &text)
            .into_iter()
            .map(|(rule, pointer, message, _)| (rule, pointer, message))
            .collect()
    }

    fn line(q: &str, gmv: &str, rate: &str, tax: &str, before: &str, after: &str) -> String {
        format!(
            r#"{{"id": "a", "quantity": {q}, "productGmv": {gmv}, "taxes": [{{"title": "t", "taxRate": {rate}, "taxAmount": {tax}}}],
              "discounts": [], "totalAmountBeforeTaxesAndDiscounts": {before}, "totalAmountAfterTaxesAndDiscounts": {after}}}"#
        )
    }

    #[test]
    fn line_total_tax_on_three_units_is_the_only_money_finding() {
        let got = findings(&line("3", "19.99", "0.19", "9.57", "59.97", "50.40"));
        assert_eq!(
            got,
            vec![(
                "per-unit-tax".to_owned(),
                "/0/lineItems/0/taxes/0/taxAmount".to_owned(),
                "`taxAmount` 9.57 is the tax of all 3 units, not of one (3 × the per-unit tax 3.19 expected from rate 0.19): 3.19 per unit".to_owned()
            )]
        );
    }

    #[test]
    fn after_total_alone_is_evidence() {
        // Rate 0 gives no expected tax, but the after-total adds up only with 1.50 as a total.
        let got = findings(&line("3", "10.00", "0", "1.50", "30.00", "28.50"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "per-unit-tax");
        assert!(
            got[0].2.contains("adds up only that way): 0.50 per unit"),
            "{}",
            got[0].2
        );
    }

    #[test]
    fn per_unit_tax_is_clean() {
        // Klar's Order Example #2.
        assert!(findings(&line("2", "3.50", "0.07", "0.23", "7.0", "6.54")).is_empty());
        // A tiny tax where the per-unit and line-total readings cannot be told apart.
        assert!(findings(&line("2", "0.10", "0.07", "0.01", "0.20", "0.18")).is_empty());
    }

    #[test]
    fn readings_too_close_to_tell_apart_are_a_mismatch() {
        // 0.10 at 7 % holds 0.0065 per unit; 0.03 is near 2 × 0.0065 within the line allowance
        // but the two readings are closer than the allowances, so it is no evidence.
        let got = findings(&line("2", "0.10", "0.07", "0.03", "0.20", "0.14"));
        let rules: Vec<&str> = got.iter().map(|(rule, ..)| rule.as_str()).collect();
        assert_eq!(rules, ["tax-amount-mismatch"]);
    }

    #[test]
    fn more_than_the_price_on_one_unit() {
        let got = findings(&line("1", "19.99", "0.19", "25.00", "19.99", "0"));
        assert!(got.iter().any(|(rule, ptr, msg)| rule == "per-unit-tax"
            && ptr == "/0/lineItems/0/taxes/0/taxAmount"
            && msg == "`taxAmount` 25.00 is more than `productGmv` 19.99, so it cannot be the tax of one unit"));
    }

    #[test]
    fn percent_rate_alone_is_left_to_tax_rate_range() {
        let got = findings(&line("3", "19.99", "19", "3.19", "59.97", "50.40"));
        let rules: Vec<&str> = got.iter().map(|(rule, ..)| rule.as_str()).collect();
        assert_eq!(rules, ["tax-rate-range"]);
        // A percent rate on a line-total tax: two mistakes, two findings (the after-total
        // still shows the line total without the rate).
        let got = findings(&line("3", "19.99", "19", "9.57", "59.97", "50.40"));
        let rules: Vec<&str> = got.iter().map(|(rule, ..)| rule.as_str()).collect();
        assert_eq!(rules, ["tax-rate-range", "per-unit-tax"]);
    }
}
