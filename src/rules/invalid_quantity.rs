use rust_decimal::Decimal;

use crate::declare_rule;
use crate::rule::{Context, Rule};
use crate::view::{Order, Refund, RefundedLineItem};

declare_rule! {
    /// ## What it does
    /// Flags a `quantity` or `refundedQuantity` that is zero or negative.
    ///
    /// It checks the `quantity` of every line (bundle parents and constituents included) and
    /// the `refundedQuantity` of an order's `refundedLineItems` and of a refund's `lineItems`.
    /// ## Why is this bad?
    /// Klar multiplies every per-unit amount by `quantity` (docs/klar-api.md §11.1), so a line of 0 units
    /// carries no revenue and a negative one subtracts revenue; returns belong in
    /// `refundedLineItems`, not in negative lines. A refunded line of 0 units refunds nothing,
    /// and a negative one would add revenue back. The API types both fields only as numbers;
    /// that they must be greater than 0 is this rule's reading [INF], the one every connector
    /// and example follows. Fractional quantities (0.5 kg) are fine.
    ///
    /// A line with a bad `quantity` gets only this finding: the checksum and tax findings the
    /// quantity would cause on that line are dropped.
    /// ## Example
    /// ```json
    /// { "id": "20001236301", "productGmv": 129.95, "quantity": 0,
    ///   "totalAmountBeforeTaxesAndDiscounts": 0, "totalAmountAfterTaxesAndDiscounts": 0 }
    /// ```
    /// ## Use instead
    /// Send the units ordered, or leave the line out:
    /// ```json
    /// { "id": "20001236301", "productGmv": 129.95, "quantity": 1,
    ///   "totalAmountBeforeTaxesAndDiscounts": 129.95, "totalAmountAfterTaxesAndDiscounts": 129.95 }
    /// ```
    /// ## Fix
    /// None: the real quantity is not in the payload.
    /// ## References
    /// docs/klar-api.md §5 (`quantity` > 0 [INF]), §9.1 (`refundedQuantity`), §11.1.
    pub InvalidQuantity {
        name: "invalid-quantity", category: Money, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders, Refunds],
    }
}

impl Rule for InvalidQuantity {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        for line in order.all_lines() {
            let Some(q) = line.quantity.filter(|q| *q <= Decimal::ZERO) else {
                continue;
            };
            let (message, help) = if q.is_zero() {
                (
                    "`quantity` is 0, so the line carries no units".to_owned(),
                    "send the number of units ordered (more than 0), or leave the line out",
                )
            } else {
                (
                    format!("`quantity` is {q}; a line's quantity must be more than 0"),
                    "send the number of units ordered as a positive number; returns go in `refundedLineItems`",
                )
            };
            cx.report(line.at("quantity"), message).help(help);
        }
        for refunded in &order.refunds {
            refunded_line(refunded, "leave the refunded line out", cx);
        }
    }

    fn check_refund(&self, refund: &Refund<'_>, cx: &mut Context<'_>) {
        for refunded in &refund.lines {
            refunded_line(
                refunded,
                "leave the line out (an empty `lineItems` cancels the whole refund)",
                cx,
            );
        }
    }
}

fn refunded_line(refunded: &RefundedLineItem<'_>, leave_out: &str, cx: &mut Context<'_>) {
    let Some(q) = refunded.quantity.filter(|q| *q <= Decimal::ZERO) else {
        return;
    };
    let message = if q.is_zero() {
        "`refundedQuantity` is 0, so nothing is refunded".to_owned()
    } else {
        format!("`refundedQuantity` is {q}; refunded units must be more than 0")
    };
    cx.report(refunded.at("refundedQuantity"), message)
        .help(format!(
            "send the number of units refunded as a positive number, or {leave_out}"
        ));
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use crate::{ApiVersion, PayloadKind};

    fn findings(kind: PayloadKind, text: &str) -> Vec<(String, String)> {
        testing::findings(kind, ApiVersion::V07_2025, text, |d| {
            d.rule() == "invalid-quantity"
        })
        .into_iter()
        .map(|(_, pointer, message, _)| (pointer, message))
        .collect()
    }

    #[test]
    fn lines_constituents_and_refunded_lines() {
        let text = r#"[{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR",
            "lineItems": [
              {"id": "a", "quantity": 0.5, "productGmv": 3.99},
              {"id": "b", "quantity": 1, "productGmv": 10, "bundledProducts": [
                {"id": "c", "quantity": -1, "productGmv": 10}]}],
            "refundedLineItems": [{"lineItemId": "a", "refundedQuantity": 0}]}]"#;
        assert_eq!(
            findings(PayloadKind::Orders, text),
            vec![
                (
                    "/0/lineItems/1/bundledProducts/0/quantity".to_owned(),
                    "`quantity` is -1; a line's quantity must be more than 0".to_owned()
                ),
                (
                    "/0/refundedLineItems/0/refundedQuantity".to_owned(),
                    "`refundedQuantity` is 0, so nothing is refunded".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn refunds() {
        let text = r#"[{"id": "1", "lineItems": [{"lineItemId": "a", "refundedQuantity": -2}, {"lineItemId": "b", "refundedQuantity": 0.5}]}]"#;
        assert_eq!(
            findings(PayloadKind::Refunds, text),
            vec![(
                "/0/lineItems/0/refundedQuantity".to_owned(),
                "`refundedQuantity` is -2; refunded units must be more than 0".to_owned()
            )]
        );
    }
}
