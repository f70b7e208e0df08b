use rust_decimal::Decimal;

use super::id_map::IdMap;
use crate::declare_rule;
use crate::rule::{Context, Rule};
use crate::view::{LineItem, Order};

declare_rule! {
    /// ## What it does
    /// Flags a line whose refunded units, summed over the order's `refundedLineItems` that name
    /// it, exceed the line's `quantity`.
    /// ## Why is this bad?
    /// Klar values a return by the units refunded, so refunding more units than were sold
    /// makes the return value larger than the line's revenue, and net revenue goes down by
    /// money that was never paid. It usually means a refund was exported twice (two records
    /// for one return), or that `refundedQuantity` holds an amount of money or the order's
    /// total units instead of the units of this line.
    ///
    /// Quantities are compared exactly, so fractional quantities (1.5 kg) work. The refunds
    /// naming one line are added up in the order they are listed, and the finding points at
    /// the `refundedQuantity` that takes the sum past the line's `quantity`. A refunded line
    /// naming a bundle constituent (07.2025) is counted against that constituent's quantity.
    ///
    /// **Across files.** When a run also holds refunds payloads (refunds endpoint) and the
    /// orders they refund (docs/cross-file.md), their refunded units are added to those in the
    /// order's own `refundedLineItems`, and a refunded line that takes the sum past the line's
    /// `quantity` is flagged in the refunds file, with a label at the line's `quantity` in the
    /// orders file. How a refund names its order is not documented (docs/klar-api.md §9.2,
    /// §16 item 8): `Refund.id` is documented as the refund's own id (re-posting it overwrites
    /// the refund), so the rule does not read it as an order id. It takes the careful reading
    /// the API does document: each refunded line's `lineItemId` must be the `id` of a line of
    /// the order (§9.1), so a refunded line belongs to the order whose line has that `id`. A
    /// line id that two orders of the run share is ambiguous and not checked. A refund sent
    /// twice (same `id`) counts once, as its later version (by file name, then place). This
    /// reading is not configurable: matching through `Refund.id` would pair unrelated ids, and
    /// a refund that names no line of the run is `unknown-order`'s finding.
    /// ## Example
    /// ```json
    /// [{ "id": "200012383", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR",
    ///    "lineItems": [{ "id": "20001238301", "productGmv": 19.90, "quantity": 2 }],
    ///    "refundedLineItems": [{ "lineItemId": "20001238301", "refundedQuantity": 3 }] }]
    /// ```
    /// ## Use instead
    /// ```json
    /// [{ "id": "200012383", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR",
    ///    "lineItems": [{ "id": "20001238301", "productGmv": 19.90, "quantity": 2 }],
    ///    "refundedLineItems": [{ "lineItemId": "20001238301", "refundedQuantity": 2 }] }]
    /// ```
    /// ## Fix
    /// None: which refund, or which quantity, is wrong is for a person to decide.
    /// ## References
    /// docs/klar-api.md §9.1 (`refundedQuantity` ≤ line quantity [INF]), §9.2 and §16 item 8 (how
    /// refunds name their order), §11.3 (return value); docs/cross-file.md.
    pub OverRefund {
        name: "over-refund", category: Integrity, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

/// A quantity for a message: as written, without trailing zeros.
fn units(d: Decimal) -> String {
    d.normalize().to_string()
}

impl Rule for OverRefund {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        if order.refunds.is_empty() {
            return;
        }
        // The first line with each id: a repeated id is `duplicate-line-item-id`'s finding.
        let mut lines: IdMap<&LineItem<'_>> = IdMap::new();
        for line in order.all_lines() {
            if let Some(id) = line.id {
                lines.get_or_insert(id, line);
            }
        }
        // Units refunded so far and refunded lines seen, per line id.
        let mut refunded: IdMap<(Decimal, usize)> = IdMap::new();
        for refund in &order.refunds {
            let (Some(id), Some(quantity)) = (refund.line_item_id, refund.quantity) else {
                continue;
            };
            let Some(line) = lines.get(id) else {
                continue;
            };
            let Some(sold) = line.quantity else {
                continue;
            };
            let (sum, count) = refunded.get_or_insert(id, (Decimal::ZERO, 0));
            let before = *sum;
            let Some(after) = before.checked_add(quantity) else {
                return;
            };
            *sum = after;
            *count += 1;
            // Report once, where the running sum crosses the line's quantity.
            if before > sold || after <= sold {
                continue;
            }
            let message = if *count == 1 {
                format!(
                    "`refundedQuantity` {} is more than the line's `quantity` {}",
                    units(quantity),
                    units(sold)
                )
            } else {
                format!(
                    "`refundedQuantity` {} brings the units refunded for line {} to {}, more than its `quantity` {}",
                    units(quantity),
                    serde_json::Value::String(id.to_owned()),
                    units(after),
                    units(sold)
                )
            };
            let left = sold
                .checked_sub(before)
                .unwrap_or_default()
                .max(Decimal::ZERO);
            let help = if *count == 1 {
                format!("refund at most {} units of this line; if the refund is an amount of money, send the units returned instead", units(sold))
            } else if left.is_zero() {
                format!("the earlier refunds already cover all {} units: drop this refund if it repeats one of them", units(sold))
            } else {
                format!(
                    "the earlier refunds cover {} of {} units, so at most {} more can be refunded; drop this refund if it repeats an earlier one",
                    units(before),
                    units(sold),
                    units(left)
                )
            };
            cx.report(refund.at("refundedQuantity"), message)
                .label(line.at("quantity"), "line quantity")
                .help(help);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{ApiVersion, Config, Linter, PayloadKind};

    fn hits(refunds: &str) -> Vec<(String, String)> {
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [
                {{"id": "a", "productGmv": 10, "quantity": 2.5}}, {{"id": "b", "productGmv": 10, "quantity": 1}}],
                "refundedLineItems": [{refunds}]}}]"#
        );
        let linter = Linter::new(
            Config::default()
                .with_kind(PayloadKind::Orders)
                .with_api_version(ApiVersion::V12_2022),
        )
        .unwrap();
        linter
            .lint_str("orders.json", &text)
            .diagnostics
            .into_iter()
            .filter(|d| d.rule() == "over-refund")
            .map(|d| (d.pointer.as_str().to_owned(), d.message))
            .collect()
    }

    fn r(id: &str, q: &str) -> String {
        format!(r#"{{"lineItemId": "{id}", "refundedQuantity": {q}}}"#)
    }

    #[test]
    fn exact_quantity_is_fine_and_the_crossing_refund_is_reported_once() {
        assert!(hits(&[r("a", "1.5"), r("a", "1.0"), r("b", "1")].join(",")).is_empty());
        let got = hits(&[r("a", "1.5"), r("b", "1"), r("a", "1.01"), r("a", "1")].join(","));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "/0/refundedLineItems/2/refundedQuantity");
        assert_eq!(
            got[0].1,
            "`refundedQuantity` 1.01 brings the units refunded for line \"a\" to 2.51, more than its `quantity` 2.5"
        );
        let single = hits(&r("b", "2"));
        assert_eq!(
            single[0].1,
            "`refundedQuantity` 2 is more than the line's `quantity` 1"
        );
    }
}
