use crate::declare_rule;
use crate::rule::{Context, Rule};
use crate::view::{Order, Refund};

declare_rule! {
    /// ## What it does
    /// Flags a timestamp that is `0`: an optional one (`cancelledAt`, `closedAt`, `processedAt`,
    /// a refunded line's `processedAt`, ...) present with the value `0`, or a `createdAt` of `0`.
    /// ## Why is this bad?
    /// An optional field may be left out, but one that is present must hold a real value. Klar
    /// rejects `cancelledAt: 0`, so the order never reaches the dashboards; `closedAt: 0` and
    /// `processedAt: 0` break the same documented rule (docs/klar-api.md §4) and read as 1 January 1970.
    /// ## Example
    /// ```json
    /// [{ "id": "100123815", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [], "cancelledAt": 0 }]
    /// ```
    /// ## Use instead
    /// Leave the field out until the event happens:
    /// ```json
    /// [{ "id": "100123815", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [] }]
    /// ```
    /// ## References
    /// docs/klar-api.md §4 (general rule for optional fields), §14.3 item 1.
    pub ZeroDate {
        name: "zero-date", category: Dates, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders, Refunds],
    }
}

const OPTIONAL: [&str; 4] = ["updatedAt", "processedAt", "closedAt", "cancelledAt"];

/// `createdAt` cannot be left out: 0 dates the object to 1 January 1970.
fn created_at_zero(at: crate::json::Pointer, what: &str, cx: &mut Context<'_>) {
    cx.report(at, "`createdAt` is 0, which dates it to 1 January 1970")
        .help(format!("send the time {what}, in Unix seconds"));
}

impl Rule for ZeroDate {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        if order.timestamp("createdAt").is_some_and(|t| t.is_zero()) {
            created_at_zero(order.at("createdAt"), "the order was placed", cx);
        }
        for key in OPTIONAL {
            if order.timestamp(key).is_some_and(|t| t.is_zero()) {
                cx.report(order.at(key), format!("`{key}` is 0, which Klar rejects"))
                    .help(format!("leave `{key}` out until it happens"));
            }
        }
        for refund in &order.refunds {
            for (key, value) in [("createdAt", refund.created_at), ("processedAt", refund.processed_at)] {
                if value.is_some_and(|t| t.is_zero()) {
                    cx.report(refund.at(key), format!("`{key}` is 0, which Klar rejects"))
                        .help(format!("leave `{key}` out until it happens"));
                }
            }
        }
    }

    fn check_refund(&self, refund: &Refund<'_>, cx: &mut Context<'_>) {
        if refund.created_at.is_some_and(|t| t.is_zero()) {
            created_at_zero(refund.at("createdAt"), "the refund was created", cx);
        }
        if refund.updated_at.is_some_and(|t| t.is_zero()) {
            cx.report(refund.at("updatedAt"), "`updatedAt` is 0, which Klar rejects")
                .help("leave `updatedAt` out until it happens");
        }
        for line in &refund.lines {
            for (key, value) in [("createdAt", line.created_at), ("processedAt", line.processed_at)] {
                if value.is_some_and(|t| t.is_zero()) {
                    cx.report(line.at(key), format!("`{key}` is 0, which Klar rejects"))
                        .help(format!("leave `{key}` out until it happens"));
                }
            }
        }
    }
}
