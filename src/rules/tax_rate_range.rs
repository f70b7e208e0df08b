use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::line_money::{checked_sum, contained_tax, rate_in_range};
use crate::declare_rule;
use crate::fix::{Change, Fix};
use crate::money::{display_in, Tolerance};
use crate::rule::{Context, Rule};
use crate::view::{Discount, Order, Tax};

declare_rule! {
    /// ## What it does
    /// Flags a `taxRate` outside [0, 1), such as a percent (`19`) sent for a fraction (0.19).
    ///
    /// It checks the taxes of every line (bundle parents and constituents included) and of
    /// the shipping. For a rate from 1 to 100 the help suggests rate / 100 and says whether the
    /// `taxAmount` agrees with that fraction.
    /// ## Why is this bad?
    /// `taxRate` is a fraction: 0.07 is 7 %, 0.19 is 19 % (docs/klar-api.md §5b). A rate of 19 reads as
    /// 1,900 % and anything worked out from it is wrong; Klar's own error example is a rate
    /// sent as `"17%"` (docs/klar-api.md §14.3 item 5). The API documents no range, so [0, 1) is this
    /// rule's reading [INF]: no real tax rate is 100 % or more, and a rate of exactly 1 is far
    /// likelier to mean 1 % than 100 %. A negative rate is no tax at all.
    ///
    /// The `tax-amount-mismatch` and `line-checksum` findings a bad rate would cause on the same
    /// line are dropped in favour of this one; `per-unit-tax` does not use an out-of-range rate
    /// as evidence.
    /// ## Example
    /// ```json
    /// { "title": "VAT 19%", "taxRate": 19, "taxAmount": 20.75 }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 20.75 }
    /// ```
    /// ## Fix
    /// Safe: a percent from 1 to 100 becomes its fraction (`19` → `0.19`, `7.7` → `0.077`) when
    /// the entry is the only tax of its line or shipping and its `taxAmount` is the tax that
    /// fraction gives, within the money tolerance: the amount shows the fraction was meant.
    /// Otherwise there is no fix (a negative rate, a rate of 100 or more, several taxes, or an
    /// amount that does not agree: which number is wrong is for a person to decide).
    /// ## References
    /// docs/klar-api.md §5b, §14.3 item 5.
    pub TaxRateRange {
        name: "tax-rate-range", category: Money, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

impl Rule for TaxRateRange {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        let exp = order.exponent;
        let tol = cx.tolerance().per_unit_abs(exp);
        for line in order.all_lines() {
            check(&line.taxes, line.gmv, &line.discounts, tol, exp, cx);
        }
        if let Some(shipping) = &order.shipping {
            let tol = cx
                .tolerance()
                .shipping_abs(exp, shipping.taxes.len() + shipping.discounts.len());
            check(
                &shipping.taxes,
                shipping.before,
                &shipping.discounts,
                tol,
                exp,
                cx,
            );
        }
    }
}

/// Checks the taxes of one line or of the shipping, whose gross price is `price`.
fn check(
    taxes: &[Tax],
    price: Option<Decimal>,
    discounts: &[Discount<'_>],
    tol: Decimal,
    exp: u32,
    cx: &mut Context<'_>,
) {
    let hundred = Decimal::ONE_HUNDRED;
    for tax in taxes {
        let Some(rate) = tax.rate.filter(|r| !rate_in_range(*r)) else {
            continue;
        };
        let at = tax.ptr.key("taxRate");
        if rate < Decimal::ZERO {
            cx.report(
                at,
                format!("`taxRate` is {rate}; a rate is a fraction from 0 up to 1"),
            )
            .help(if rate > -Decimal::ONE {
                format!(
                    "send {}, the rate without the minus sign, or 0 for no tax",
                    -rate
                )
            } else {
                "send the rate as a fraction of 0 or more: 0.19 for 19 %, 0 for no tax".to_owned()
            });
            continue;
        }
        if rate >= hundred {
            cx.report(at, format!("`taxRate` is {rate}, far outside the fractions from 0 up to 1 that Klar expects"))
                .help("send the rate as a fraction: 0.19 for 19 %");
            continue;
        }
        let Some(fraction) = rate.checked_div(hundred).map(|f| f.normalize()) else {
            continue;
        };
        let mut help = format!("send {rate} / 100 = {fraction}");
        // Whether the amount was worked out with the fraction: then only the rate is off.
        let agrees = taxes.len() == 1
            && tax.amount.is_some_and(|amount| {
                checked_sum(discounts.iter().map(|d| d.amount))
                    .zip(price)
                    .and_then(|(disc, price)| price.checked_sub(disc))
                    .and_then(|base| contained_tax(base, fraction, fraction))
                    .is_some_and(|expected| Tolerance::within(amount, expected, tol))
            });
        let mut fix = None;
        if let (true, Some(amount)) = (agrees, tax.amount) {
            let _ = write!(
                help,
                "; the `taxAmount` {} agrees with that rate",
                display_in(amount, exp)
            );
            fix = Some(Fix::safe(
                format!("write `taxRate` as a fraction: `{fraction}`"),
                vec![Change::Replace {
                    at: at.clone(),
                    json: fraction.to_string(),
                }],
            ));
        }
        let reported = cx
            .report(
                at,
                format!("`taxRate` is {rate}, a percent where Klar expects a fraction"),
            )
            .help(help);
        if let Some(fix) = fix {
            reported.fix(fix);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::money_findings;
    use crate::ApiVersion;

    fn findings(rate: &str, amount: &str) -> Vec<(String, String, String, String)> {
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [
                {{"id": "a", "quantity": 1, "productGmv": 129.95, "discounts": [],
                  "taxes": [{{"title": "t", "taxRate": {rate}, "taxAmount": {amount}}}],
                  "totalAmountBeforeTaxesAndDiscounts": 129.95, "totalAmountAfterTaxesAndDiscounts": 109.20}}]}}]"#
        );
        money_findings(ApiVersion::V12_2022, &text)
    }

    #[test]
    fn percent_rate_is_the_only_money_finding() {
        let got = findings("19", "20.75");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "tax-rate-range");
        assert_eq!(got[0].1, "/0/lineItems/0/taxes/0/taxRate");
        assert_eq!(
            got[0].2,
            "`taxRate` is 19, a percent where Klar expects a fraction"
        );
        assert_eq!(
            got[0].3,
            "send 19 / 100 = 0.19; the `taxAmount` 20.75 agrees with that rate"
        );
    }

    #[test]
    fn bounds() {
        for ok in ["0", "0.0", "0.19", "0.999"] {
            assert!(
                findings(ok, "20.75")
                    .iter()
                    .all(|f| f.0 != "tax-rate-range"),
                "{ok}"
            );
        }
        assert_eq!(
            findings("1", "1.29")[0].3,
            "send 1 / 100 = 0.01; the `taxAmount` 1.29 agrees with that rate"
        );
        assert_eq!(findings("7.7", "20.75")[0].3, "send 7.7 / 100 = 0.077");
        let negative = findings("-0.19", "0");
        assert_eq!(
            negative[0].2,
            "`taxRate` is -0.19; a rate is a fraction from 0 up to 1"
        );
        assert_eq!(
            negative[0].3,
            "send 0.19, the rate without the minus sign, or 0 for no tax"
        );
        assert_eq!(findings("1900", "20.75")[0].0, "tax-rate-range");
    }
}
