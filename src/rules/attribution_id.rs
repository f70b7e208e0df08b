use serde_json::Value;

use crate::declare_rule;
use crate::diagnostic::Anchor;
use crate::rule::{Context, Rule};
use crate::view::Order;

declare_rule! {
    /// ## What it does
    /// Notes an order that tracking data can match on `id` alone: no
    /// `googleAnalyticsTransactionId`, `orderNumber` or `orderName`.
    /// ## Why is this bad?
    /// Klar links orders to marketing data (ad clicks, tracking-pixel and Google Analytics
    /// purchase events) by the transaction id those events carry. That id is usually the
    /// order number the shop shows, not the technical `id` (a database key) sent to the API.
    /// `optionalIdentifiers.googleAnalyticsTransactionId` is the field for it: the connectors
    /// fill it with the shop's order number, which must equal the id sent to the tracking
    /// (docs/klar-api.md §7). Without it, and without an `orderNumber` or `orderName` to fall back on,
    /// an event can only match if the tracking reported the technical `id`, and attribution
    /// silently misses the order otherwise.
    ///
    /// How Klar matches is not documented (docs/klar-api.md §7, §16 item 17 [?]); the rule reads the
    /// field's name and the connectors' use of it, so it is only `info`. An empty string
    /// counts as absent.
    /// ## Example
    /// ```json
    /// [{ "id": "200012385", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [],
    ///    "optionalIdentifiers": { "utmSource": "google", "utmMedium": "cpc" } }]
    /// ```
    /// ## Use instead
    /// ```json
    /// [{ "id": "200012385", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [],
    ///    "orderNumber": "DE-12385",
    ///    "optionalIdentifiers": { "googleAnalyticsTransactionId": "DE-12385", "utmSource": "google", "utmMedium": "cpc" } }]
    /// ```
    /// ## Fix
    /// None: the missing ids (`googleAnalyticsTransactionId`, `orderNumber`, `orderName`) come from the shop, not from the payload.
    /// ## References
    /// docs/klar-api.md §4 (`orderNumber`, `orderName`, `optionalIdentifiers`), §7 (OptionalIdentifiers),
    /// §14.1 (connectors send the increment id), §16 item 17.
    pub AttributionId {
        name: "attribution-id", category: Integrity, severity: Info,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

fn present(value: Option<&str>) -> bool {
    value.is_some_and(|s| !s.trim().is_empty())
}

impl Rule for AttributionId {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        let transaction_id = order
            .raw
            .get("optionalIdentifiers")
            .and_then(|o| o.get("googleAnalyticsTransactionId"))
            .and_then(Value::as_str);
        if present(transaction_id)
            || present(order.str("orderNumber"))
            || present(order.str("orderName"))
        {
            return;
        }
        cx.report(
            order.ptr.clone(),
            "the order has no `optionalIdentifiers.googleAnalyticsTransactionId`, `orderNumber` or `orderName`, so tracking events can match it on `id` only",
        )
        .anchor(Anchor::Start)
        .help("send the transaction id your tracking reports for the purchase (usually the shop's order number) as `optionalIdentifiers.googleAnalyticsTransactionId`, and the order number as `orderNumber`");
    }
}

#[cfg(test)]
mod tests {
    use crate::{ApiVersion, Config, Linter, PayloadKind};

    fn hits(extra: &str) -> usize {
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": []{extra}}}]"#
        );
        let linter = Linter::new(
            Config::default()
                .with_kind(PayloadKind::Orders)
                .with_api_version(ApiVersion::V07_2025),
        )
        .unwrap();
        linter
            .lint_str("orders.json", &text)
            .diagnostics
            .iter()
            .filter(|d| d.rule() == "attribution-id")
            .count()
    }

    #[test]
    fn any_one_identifier_is_enough_and_empty_strings_do_not_count() {
        assert_eq!(hits(""), 1);
        assert_eq!(
            hits(
                r#", "optionalIdentifiers": {"googleAnalyticsTransactionId": " "}, "orderName": """#
            ),
            1
        );
        assert_eq!(
            hits(r#", "optionalIdentifiers": {"googleAnalyticsTransactionId": "DE-1"}"#),
            0
        );
        assert_eq!(hits(r#", "orderNumber": "DE-1""#), 0);
        assert_eq!(hits(r#", "orderName": "Shop - Order #1""#), 0);
    }
}
