use rust_decimal::Decimal;

use super::id_map::IdMap;
use super::quoted;
use crate::declare_rule;
use crate::rule::{Context, Rule};
use crate::status::StatusBucket;
use crate::view::{LineItem, Order};

declare_rule! {
    /// ## What it does
    /// Flags an order whose `financialStatus` contradicts its `cancelledAt` or its
    /// `refundedLineItems`.
    /// ## Why is this bad?
    /// Klar files each order by its mapped payment status: paid and pending orders count as
    /// net revenue, refunded and partially refunded ones are where return value comes from,
    /// cancelled ones are set apart. When the status and the rest of the order disagree, one
    /// of them is stale, and the order lands in the wrong bucket. The rule flags four
    /// combinations (docs/klar-api.md §13 linter note [INF]):
    ///
    /// * `cancelledAt` is set (not 0) while the status maps to paid or pending: a cancelled
    ///   order counted as revenue. The connectors never send a cancelled status and rely on
    ///   `cancelledAt` alone (docs/klar-api.md §13), so a shop that sends a cancelled order as `paid`
    ///   relies on Klar reading `cancelledAt`; whether it does is not documented, hence a
    ///   warning.
    /// * The status maps to refunded or partially refunded, but the order has no
    ///   `refundedLineItems` (absent or `[]`): Klar works return value out per returned unit,
    ///   and there is none. If you send returns through the refunds endpoint instead of inside
    ///   the order, this finding does not apply; turn the rule off for those files.
    /// * `refundedLineItems` are listed on an order whose status maps to paid: Klar computes
    ///   return value for items with a refunded payment status (docs/klar-api.md §13), so these returns are
    ///   likely not counted.
    /// * The status maps to partially refunded, but every unit of every line is refunded
    ///   (the `refundedQuantity` naming each line add up to at least its `quantity`; a bundle
    ///   counts as refunded when the bundle line or all its constituents are): the order is
    ///   refunded in full.
    ///
    /// The status is mapped as `unmapped-status` maps it (Klar's defaults plus
    /// `[status-mapping]`); an order with no or an unmapped status is left to that rule.
    /// ## Example
    /// ```json
    /// [{ "id": "200012378", "createdAt": 1761000000, "cancelledAt": 1761172800,
    ///    "currencyCodeIso3Letter": "EUR", "financialStatus": "paid", "lineItems": [] }]
    /// ```
    /// ## Use instead
    /// Send the status the order has now:
    /// ```json
    /// [{ "id": "200012378", "createdAt": 1761000000, "cancelledAt": 1761172800,
    ///    "currencyCodeIso3Letter": "EUR", "financialStatus": "voided", "lineItems": [] }]
    /// ```
    /// ## Fix
    /// None: which of the status and the dates is right is for a person to decide.
    /// ## References
    /// docs/klar-api.md §4 (`cancelledAt`, `financialStatus`, `refundedLineItems`), §9.1, §13 (statuses,
    /// return value, the linter note on combinations).
    pub StatusConflict {
        name: "status-conflict", category: Mapping, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

/// A bucket for a message, in words.
fn reads_as(bucket: StatusBucket) -> &'static str {
    match bucket {
        StatusBucket::Paid => "paid",
        StatusBucket::Pending => "pending",
        StatusBucket::PartiallyRefunded => "partially refunded",
        StatusBucket::Refunded => "refunded",
        StatusBucket::Cancelled => "cancelled",
    }
}

/// Units refunded per `lineItemId`; `None` when a sum overflows.
fn refunded_units<'a>(order: &Order<'a>) -> Option<IdMap<'a, Decimal>> {
    let mut units = IdMap::new();
    for refund in &order.refunds {
        let (Some(id), Some(quantity)) = (refund.line_item_id, refund.quantity) else {
            continue;
        };
        let sum = units.get_or_insert(id, Decimal::ZERO);
        *sum = sum.checked_add(quantity)?;
    }
    Some(units)
}

/// Whether every unit of a line is refunded: the line itself, or, for a bundle, every
/// constituent.
fn fully_refunded(line: &LineItem<'_>, units: &IdMap<'_, Decimal>) -> bool {
    let own = match (line.id, line.quantity) {
        (Some(id), Some(quantity)) => units.get(id).is_some_and(|n| *n >= quantity),
        _ => false,
    };
    own || (line.is_bundle() && line.constituents.iter().all(|c| fully_refunded(c, units)))
}

impl Rule for StatusConflict {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        let Some(status) = order.financial_status else {
            return;
        };
        let Some(bucket) = cx.settings().status_mapping.bucket(status) else {
            return;
        };
        // Pointers are built only for a finding.
        let at = || order.at("financialStatus");
        let refunds = order.refunds.len();
        let refunds_at = || order.at("refundedLineItems");

        let cancelled = order.timestamp("cancelledAt").is_some_and(|t| !t.is_zero());
        if cancelled && matches!(bucket, StatusBucket::Paid | StatusBucket::Pending) {
            cx.report(
                at(),
                format!("`financialStatus` {} reads as {}, but the order has `cancelledAt`", quoted(status), reads_as(bucket)),
            )
            .label(order.at("cancelledAt"), "cancelled here")
            .help("send a status that maps to cancelled, such as `voided`, or leave `cancelledAt` out if the order was not cancelled");
        }

        if matches!(
            bucket,
            StatusBucket::Refunded | StatusBucket::PartiallyRefunded
        ) && refunds == 0
        {
            let reported = cx
                .report(
                    at(),
                    format!("`financialStatus` {} reads as {}, but the order has no `refundedLineItems`", quoted(status), reads_as(bucket)),
                )
                .help("list the returned units in `refundedLineItems` (Klar works return value out from them), or send the status the order has now");
            if order
                .raw
                .get("refundedLineItems")
                .is_some_and(serde_json::Value::is_array)
            {
                reported.label(refunds_at(), "empty");
            }
        }

        if bucket == StatusBucket::Paid && refunds > 0 {
            let lines = if refunds == 1 {
                "1 refunded line".to_owned()
            } else {
                format!("{refunds} refunded lines")
            };
            cx.report(
                at(),
                format!("`financialStatus` {} reads as paid, but `refundedLineItems` lists {lines}", quoted(status)),
            )
            .label(refunds_at(), "refunded lines")
            .help("send `partially_refunded` (or `refunded` when every unit came back) so Klar counts the return value, or drop `refundedLineItems` if nothing was returned");
        }

        if bucket == StatusBucket::PartiallyRefunded && refunds > 0 && !order.lines.is_empty() {
            let Some(units) = refunded_units(order) else {
                return;
            };
            if order.lines.iter().all(|line| fully_refunded(line, &units)) {
                cx.report(
                    at(),
                    format!("`financialStatus` {} reads as partially refunded, but every unit of the order is refunded", quoted(status)),
                )
                .label(refunds_at(), "refunded lines")
                .help("send `refunded`, or check the `refundedQuantity` values");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{ApiVersion, Config, Linter, PayloadKind};

    fn hits(order: &str, version: ApiVersion) -> Vec<String> {
        let linter = Linter::new(
            Config::default()
                .with_kind(PayloadKind::Orders)
                .with_api_version(version),
        )
        .unwrap();
        linter
            .lint_str("orders.json", &format!("[{order}]"))
            .diagnostics
            .into_iter()
            .filter(|d| d.rule() == "status-conflict")
            .map(|d| d.message)
            .collect()
    }

    const LINES: &str = r#""lineItems": [
        {"id": "a", "productGmv": 10, "quantity": 2},
        {"id": "b", "productGmv": 10, "quantity": 1.5}
    ]"#;

    fn order(status: &str, refunds: &str) -> String {
        format!(
            r#"{{"id": "1", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "financialStatus": "{status}", {LINES}, "refundedLineItems": [{refunds}]}}"#
        )
    }

    #[test]
    fn partially_refunded_counts_units_across_refunds() {
        let a1 = r#"{"lineItemId": "a", "refundedQuantity": 1}"#;
        let b = r#"{"lineItemId": "b", "refundedQuantity": 1.5}"#;
        // One unit of `a` still kept.
        assert!(hits(
            &order("partially_refunded", &format!("{a1}, {b}")),
            ApiVersion::V12_2022
        )
        .is_empty());
        // Two refunds of one unit each make `a` whole; fractional `b` refunded in full.
        let all = hits(
            &order("partially_refunded", &format!("{a1}, {b}, {a1}")),
            ApiVersion::V12_2022,
        );
        assert_eq!(all.len(), 1, "{all:?}");
        assert!(all[0].contains("every unit"));
        // Refunded is the right status for that.
        assert!(hits(
            &order("refunded", &format!("{a1}, {b}, {a1}")),
            ApiVersion::V12_2022
        )
        .is_empty());
    }

    #[test]
    fn bundle_is_refunded_through_its_constituents() {
        let bundle = r#"{"id": "1", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "financialStatus": "partially_refunded",
            "lineItems": [{"id": "p", "productGmv": 30, "quantity": 1, "bundledProducts": [
                {"id": "c1", "productGmv": 10, "quantity": 1}, {"id": "c2", "productGmv": 20, "quantity": 2}]}],
            "refundedLineItems": [{"lineItemId": "c1", "refundedQuantity": 1}, {"lineItemId": "c2", "refundedQuantity": REST}]}"#;
        assert!(hits(&bundle.replace("REST", "1"), ApiVersion::V07_2025).is_empty());
        assert_eq!(
            hits(&bundle.replace("REST", "2"), ApiVersion::V07_2025).len(),
            1
        );
    }

    #[test]
    fn cancelled_pending_and_paid_with_refunds() {
        let cancelled = r#"{"id": "1", "createdAt": 1761000000, "cancelledAt": 1761100000, "currencyCodeIso3Letter": "EUR", "financialStatus": "STATUS", "lineItems": []}"#;
        assert_eq!(
            hits(
                &cancelled.replace("STATUS", "pending"),
                ApiVersion::V07_2025
            )
            .len(),
            1
        );
        assert_eq!(
            hits(&cancelled.replace("STATUS", "paid"), ApiVersion::V07_2025).len(),
            1
        );
        assert!(hits(&cancelled.replace("STATUS", "voided"), ApiVersion::V07_2025).is_empty());
        // `cancelledAt: 0` is zero-date's finding, not a cancellation.
        assert!(hits(
            &cancelled
                .replace("STATUS", "paid")
                .replace("1761100000", "0"),
            ApiVersion::V07_2025
        )
        .is_empty());
        let paid = hits(
            &order("paid", r#"{"lineItemId": "a", "refundedQuantity": 1}"#),
            ApiVersion::V07_2025,
        );
        assert_eq!(paid.len(), 1, "{paid:?}");
        assert!(paid[0].contains("1 refunded line"), "{paid:?}");
        let empty = hits(&order("refunded", ""), ApiVersion::V07_2025);
        assert_eq!(empty.len(), 1, "{empty:?}");
    }
}
