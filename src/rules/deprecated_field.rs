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
    /// Klar now counts units with a number.
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

fn refunded_line(line: &RefundedLineItem<'_>, cx: &mut Context<'_>) {
    if line.raw.contains_key("refundQuantity") {
        cx.report(line.at("refundQuantity"), "`refundQuantity` is deprecated")
            .anchor(Anchor::Key)
            .help("send the number of units as `refundedQuantity` and drop `refundQuantity`");
    }
}

impl Rule for DeprecatedField {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        for line in order.all_lines() {
            for discount in &line.discounts {
                if discount.raw.contains_key("target") {
                    cx.report(discount.ptr.key("target"), "`target` is deprecated")
                        .anchor(Anchor::Key)
                        .help("remove `target`; Klar no longer reads it");
                }
            }
        }
        if let Some(shipping) = &order.shipping {
            for discount in &shipping.discounts {
                if discount.raw.contains_key("target") {
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
