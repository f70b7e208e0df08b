use super::quoted;
use crate::declare_rule;
use crate::rule::{Context, Rule};
use crate::view::Order;

declare_rule! {
    /// ## What it does
    /// Flags a refunded line whose `lineItemId` names no line item of its order.
    /// ## Why is this bad?
    /// A refunded line says which units came back by naming the line's `id`, and it must match
    /// a `lineItems[].id` of the same order (docs/klar-api.md §9.1). When it names nothing, Klar cannot
    /// tell which product was returned or what it was worth, so return value and return rates
    /// are wrong. A common cause is sending the `sku` or `productId` where the line's `id`
    /// belongs; the help says so when the value matches one.
    ///
    /// In 07.2025 a bundle constituent (`bundledProducts[]`) is a full line item with its own
    /// `id`, so a refund may name a constituent as well as a top-level line; the rule accepts
    /// both. In 12.2022 `bundledProducts` is not part of the API, so only top-level lines
    /// count. A child item that the connector never sent at all (such as a Magento
    /// configurable's child, docs/klar-api.md §14.3 item 11) is flagged: send the id of the line that
    /// was sent.
    ///
    /// **Across files.** When a run holds COGS items and the orders they name
    /// (docs/cross-file.md), a COGS item whose `orderId` names an order of the run but whose
    /// `lineItemId` (or, without one, `sku`) names none of that order's lines (bundle
    /// constituents included) is flagged in the COGS file, on the `lineItemId` or `sku`, with a
    /// label at the order in the orders file: the cost can never attach (docs/klar-api.md §10).
    /// An order sent twice in the run counts as its later version (by file name, then place),
    /// as Klar keeps the one sent last.
    /// ## Example
    /// ```json
    /// [{ "id": "200012382", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR",
    ///    "lineItems": [{ "id": "20001238202", "sku": "MTS-39-42", "productGmv": 19.90, "quantity": 2 }],
    ///    "refundedLineItems": [{ "lineItemId": "MTS-39-42", "refundedQuantity": 1 }] }]
    /// ```
    /// ## Use instead
    /// ```json
    /// [{ "id": "200012382", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR",
    ///    "lineItems": [{ "id": "20001238202", "sku": "MTS-39-42", "productGmv": 19.90, "quantity": 2 }],
    ///    "refundedLineItems": [{ "lineItemId": "20001238202", "refundedQuantity": 1 }] }]
    /// ```
    /// ## Fix
    /// None: which line was meant is not in the payload.
    /// ## References
    /// docs/klar-api.md §5 (`id`), §9.1 (`lineItemId`), §10 (COGS items), §12 (bundles), §14.3
    /// item 11; docs/cross-file.md.
    pub UnknownLineItem {
        name: "unknown-line-item", category: Integrity, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

/// How many line ids the help lists.
const LISTED: usize = 5;

/// "the lines are \"a\", \"b\" and 3 more", for the help.
fn existing(order: &Order<'_>) -> String {
    let ids: Vec<String> = order
        .all_lines()
        .filter_map(|l| l.id)
        .take(LISTED)
        .map(quoted)
        .collect();
    let total = order.all_lines().filter(|l| l.id.is_some()).count();
    match total {
        0 => "the order has no line item with an `id`".to_owned(),
        1 => format!("the order's only line is {}", ids.join("")),
        n if n > LISTED => format!(
            "the order's lines are {} and {} more",
            ids.join(", "),
            n - LISTED
        ),
        _ => format!("the order's lines are {}", ids.join(", ")),
    }
}

impl Rule for UnknownLineItem {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        for refund in &order.refunds {
            let Some(id) = refund.line_item_id else {
                continue;
            };
            if order.all_lines().any(|l| l.id == Some(id)) {
                continue;
            }
            let mistaken = order.all_lines().find_map(|l| {
                let line_id = l.id?;
                if l.raw.get("sku").and_then(|v| v.as_str()) == Some(id) {
                    Some(("sku", line_id))
                } else if l.raw.get("productId").and_then(|v| v.as_str()) == Some(id) {
                    Some(("product id", line_id))
                } else {
                    None
                }
            });
            let help = match mistaken {
                Some((what, line_id)) => format!(
                    "{} is the {what} of line {}, not its `id`: send `\"lineItemId\": {}`",
                    quoted(id),
                    quoted(line_id),
                    serde_json::Value::String(line_id.to_owned())
                ),
                None => format!(
                    "`lineItemId` must be the `id` of a line of this order; {}",
                    existing(order)
                ),
            };
            cx.report(
                refund.at("lineItemId"),
                format!(
                    "`lineItemId` {} names no line item of this order",
                    quoted(id)
                ),
            )
            .help(help);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{ApiVersion, Config, Linter, PayloadKind};

    fn helps(text: &str, version: ApiVersion) -> Vec<String> {
        let linter = Linter::new(
            Config::default()
                .with_kind(PayloadKind::Orders)
                .with_api_version(version),
        )
        .unwrap();
        linter
            .lint_str("orders.json", text)
            .diagnostics
            .into_iter()
            .filter(|d| d.rule() == "unknown-line-item")
            .map(|d| d.help.unwrap_or_default())
            .collect()
    }

    #[test]
    fn constituent_ids_count_in_07_2025_and_ids_are_listed() {
        let text = r#"[{"id": "1", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [
            {"id": "l1", "productGmv": 1, "quantity": 1}, {"id": "l2", "productGmv": 1, "quantity": 1},
            {"id": "l3", "productGmv": 1, "quantity": 1}, {"id": "l4", "productGmv": 1, "quantity": 1},
            {"id": "p", "sku": "BUNDLE-1", "productGmv": 2, "quantity": 1, "bundledProducts": [
                {"id": "c1", "productId": "P-9", "productGmv": 1, "quantity": 1},
                {"id": "c2", "productGmv": 1, "quantity": 1}]}],
            "refundedLineItems": [{"lineItemId": "c1", "refundedQuantity": 1}, {"lineItemId": "zz", "refundedQuantity": 1},
                {"lineItemId": "P-9", "refundedQuantity": 1}, {"lineItemId": "BUNDLE-1", "refundedQuantity": 1}]}]"#;
        let got = helps(text, ApiVersion::V07_2025);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(
            got[0].ends_with(r#"the order's lines are "l1", "l2", "l3", "l4", "p" and 2 more"#),
            "{}",
            got[0]
        );
        assert_eq!(
            got[1],
            r#""P-9" is the product id of line "c1", not its `id`: send `"lineItemId": "c1"`"#
        );
        assert!(
            got[2].starts_with(r#""BUNDLE-1" is the sku of line "p""#),
            "{}",
            got[2]
        );
    }
}
