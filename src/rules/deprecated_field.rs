use serde_json::{Map, Value};

use crate::declare_rule;
use crate::diagnostic::Anchor;
use crate::rule::{Context, Rule};
use crate::view::{Order, Refund, RefundedLineItem};

declare_rule! {
    /// ## What it does
    /// Flags fields the API documents as deprecated: `discounts[].target` and a refunded line's
    /// `refundQuantity` (a string; the number `refundedQuantity` replaced it).
    /// ## Why is this bad?
    /// Deprecated fields may stop being read at any time, and `refundQuantity` is a string where
    /// Klar now counts units with a number. A deprecated field sent as `null` is not reported:
    /// `null` on an optional field reads as absent (docs/klar-api.md §14.4 item 1).
    /// ## Example
    /// ```json
    /// { "lineItemId": "5234123423", "refundedQuantity": 2, "refundQuantity": "2" }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "lineItemId": "5234123423", "refundedQuantity": 2 }
    /// ```
    /// ## References
    /// docs/klar-api.md §5a (`target`), §9.1 (`refundQuantity`).
    pub DeprecatedField {
        name: "deprecated-field", category: Schema, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders, Refunds],
    }
}

/// Whether `raw` sends `key`: `null` reads as absent (class-validator skips a `null` optional
/// field, docs/klar-api.md §14.4 item 1), so it sends nothing deprecated.
fn present(raw: &Map<String, Value>, key: &str) -> bool {
    raw.get(key).is_some_and(|v| !v.is_null())
}

fn refunded_line(line: &RefundedLineItem<'_>, cx: &mut Context<'_>) {
    if present(line.raw, "refundQuantity") {
        cx.report(line.at("refundQuantity"), "`refundQuantity` is deprecated")
            .anchor(Anchor::Key)
            .help("send the number of units as `refundedQuantity` and drop `refundQuantity`");
    }
}

impl Rule for DeprecatedField {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        for line in order.all_lines() {
            for discount in &line.discounts {
                if present(discount.raw, "target") {
                    cx.report(discount.ptr.key("target"), "`target` is deprecated")
                        .anchor(Anchor::Key)
                        .help("remove `target`; Klar no longer reads it");
                }
            }
        }
        if let Some(shipping) = &order.shipping {
            for discount in &shipping.discounts {
                if present(discount.raw, "target") {
                    cx.report(discount.ptr.key("target"), "`target` is deprecated")
                        .anchor(Anchor::Key)
                        .help("remove `target`; Klar no longer reads it");
                }
            }
        }
        for line in &order.refunds {
            refunded_line(line, cx);
        }
    }

    fn check_refund(&self, refund: &Refund<'_>, cx: &mut Context<'_>) {
        for line in &refund.lines {
            refunded_line(line, cx);
        }
    }
}
