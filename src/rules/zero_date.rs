use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::fix::{Change, Fix};
use crate::json::Pointer;
use crate::rule::{Context, Rule};
use crate::view::{Order, Refund};

declare_rule! {
    /// ## What it does
    /// Flags a timestamp that is `0`: an optional one (`cancelledAt`, `closedAt`, `processedAt`,
    /// `updatedAt`, a refunded line's `createdAt` or `processedAt`) present with the value `0`,
    /// or a `createdAt` of `0`.
    /// ## Why is this bad?
    /// An optional field may be left out, but one that is present must hold a real value
    /// (Klar's general rule for optional fields, repeated on every endpoint page). What Klar does
    /// with a `0` differs by field, and the severity says what is known:
    ///
    /// | Field | Severity | Why |
    /// |---|---|---|
    /// | order `cancelledAt` | error | Klar rejects `cancelledAt: 0`: its Orders article names it as the example of the rule, and the official connector stopped sending it for that reason (klar-magento-2 commit 7411d93) |
    /// | order or refund `createdAt` | error | required; `0` dates the order to 1 January 1970, so its revenue lands in the wrong period |
    /// | `closedAt`, `processedAt`, `updatedAt`, a refunded line's `createdAt` / `processedAt` | warning | accepted: the official connector sends `closedAt: 0` on every order that is not closed and those orders are processed; Klar reads the value as 1 January 1970 if it uses it |
    ///
    /// Setting the rule's level in `[rules]` (for example `zero-date = "error"`) applies that
    /// level to every finding of the rule.
    /// ## Example
    /// ```json
    /// [{ "id": "100123815", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [], "cancelledAt": 0 }]
    /// ```
    /// ## Use instead
    /// Leave the field out until the event happens:
    /// ```json
    /// [{ "id": "100123815", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [] }]
    /// ```
    /// ## Fix
    /// Safe: an optional timestamp of `0` (`cancelledAt`, `closedAt`, `processedAt`,
    /// `updatedAt`, a refunded line's `createdAt` / `processedAt`) is removed, member and
    /// separating comma, so the object says what it meant: the event has not happened.
    /// `klar-lint --fix` applies it. A `createdAt` of `0` on an order or refund has no fix: it is
    /// required, and only the exporter knows the real time. Removing a recommended timestamp (an
    /// order's or a refund's `updatedAt`) leaves a `missing-recommended-field` info that asks for
    /// the real time.
    /// ## References
    /// docs/klar-api.md §4 (general rule for optional fields, `cancelledAt`), §14.3 item 1, §14.4 item 2
    /// (`closedAt: 0` from the official connector is processed); Klar's Orders article
    /// (help.getklar.com/en/articles/9345573-orders).
    pub ZeroDate {
        name: "zero-date", category: Dates, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders, Refunds],
    }
}

/// `createdAt` cannot be left out: 0 dates the object to 1 January 1970.
fn created_at_zero(at: Pointer, what: &str, cx: &mut Context<'_>) {
    cx.report(at, "`createdAt` is 0, which dates it to 1 January 1970")
        .help(format!("send the time {what}, in Unix seconds"));
}

/// `cancelledAt: 0`, which Klar is documented to reject.
fn cancelled_at_zero(at: Pointer, cx: &mut Context<'_>) {
    let fix = remove(&at, "cancelledAt");
    cx.report(at, "`cancelledAt` is 0, which Klar rejects")
        .help("leave `cancelledAt` out until the order is cancelled")
        .fix(fix);
}

/// The safe fix of an optional timestamp of 0: the member goes, as if never sent.
fn remove(at: &Pointer, key: &str) -> Fix {
    Fix::safe(
        format!("remove `{key}`"),
        vec![Change::Remove { at: at.clone() }],
    )
}

/// An optional timestamp of 0 that Klar accepts (a warning unless the rule's level is set):
/// `what` says when the event happens, for the help.
fn reads_as_1970(at: Pointer, key: &str, what: &str, cx: &mut Context<'_>) {
    let fix = remove(&at, key);
    cx.report_at_most(
        Severity::Warning,
        at,
        format!("`{key}` is 0, which reads as 1 January 1970"),
    )
    .help(format!("leave `{key}` out until {what}"))
    .fix(fix);
}

/// When each optional order timestamp happens, for the help.
const ORDER_EVENTS: [(&str, &str); 3] = [
    ("updatedAt", "the order changes"),
    ("processedAt", "the order is fulfilled"),
    ("closedAt", "the order is closed"),
];

impl Rule for ZeroDate {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        if order.timestamp("createdAt").is_some_and(|t| t.is_zero()) {
            created_at_zero(order.at("createdAt"), "the order was placed", cx);
        }
        for (key, what) in ORDER_EVENTS {
            if order.timestamp(key).is_some_and(|t| t.is_zero()) {
                reads_as_1970(order.at(key), key, what, cx);
            }
        }
        if order.timestamp("cancelledAt").is_some_and(|t| t.is_zero()) {
            cancelled_at_zero(order.at("cancelledAt"), cx);
        }
        for refund in &order.refunds {
            for (key, value) in [("createdAt", refund.created_at), ("processedAt", refund.processed_at)] {
                if value.is_some_and(|t| t.is_zero()) {
                    reads_as_1970(refund.at(key), key, "it happens", cx);
                }
            }
        }
    }

    fn check_refund(&self, refund: &Refund<'_>, cx: &mut Context<'_>) {
        if refund.created_at.is_some_and(|t| t.is_zero()) {
            created_at_zero(refund.at("createdAt"), "the refund was created", cx);
        }
        if refund.updated_at.is_some_and(|t| t.is_zero()) {
            reads_as_1970(refund.at("updatedAt"), "updatedAt", "the refund changes", cx);
        }
        for line in &refund.lines {
            for (key, value) in [("createdAt", line.created_at), ("processedAt", line.processed_at)] {
                if value.is_some_and(|t| t.is_zero()) {
                    reads_as_1970(line.at(key), key, "it happens", cx);
                }
            }
        }
    }
}
