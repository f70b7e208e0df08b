use serde_json::{Map, Value};

use crate::declare_rule;
use crate::diagnostic::Anchor;
use crate::fix::{Change, Fix};
use crate::json::Pointer;
use crate::money::plain_decimal;
use crate::rule::{Context, Rule};
use crate::view::{Discount, Order, Refund, RefundedLineItem};

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
    /// ## Fix
    /// Safe: `refundQuantity: "2"` becomes `refundedQuantity: 2` (the key renamed, the string's
    /// digits written as a number) when the line has no `refundedQuantity` and the string holds
    /// a plain decimal above 0. When both fields are present there is no fix: they may disagree,
    /// and which one is right is for a person to decide (remove `refundQuantity` once
    /// `refundedQuantity` is right). `target` is removed, also safe: Klar no longer reads it.
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

/// The fix for `refundQuantity` at `at`: renamed to `refundedQuantity` and written as a
/// number, when the line has no `refundedQuantity` (not even `null`) and the value is a plain
/// decimal above 0, as a string or a number.
fn rename_refund_quantity(raw: &Map<String, Value>, at: &Pointer) -> Option<Fix> {
    if raw.contains_key("refundedQuantity") {
        return None;
    }
    let digits = match raw.get("refundQuantity")? {
        Value::String(s) => s.as_str(),
        Value::Number(n) => n.as_str(),
        _ => return None,
    };
    let quantity = plain_decimal(digits)?;
    if quantity <= rust_decimal::Decimal::ZERO {
        return None;
    }
    Some(Fix::safe(
        format!("rename `refundQuantity` to `refundedQuantity` and send it as the number `{digits}`"),
        vec![
            Change::Replace {
                at: at.clone(),
                json: digits.to_owned(),
            },
            Change::RenameKey {
                at: at.clone(),
                key: "refundedQuantity".to_owned(),
            },
        ],
    ))
}

fn refunded_line(line: &RefundedLineItem<'_>, cx: &mut Context<'_>) {
    if present(line.raw, "refundQuantity") {
        let at = line.at("refundQuantity");
        let fix = rename_refund_quantity(line.raw, &at);
        let reported = cx
            .report(at, "`refundQuantity` is deprecated")
            .anchor(Anchor::Key)
            .help("send the number of units as `refundedQuantity` and drop `refundQuantity`");
        if let Some(fix) = fix {
            reported.fix(fix);
        }
    }
}

/// `target` of a discount: deprecated, and removed by the fix.
fn target(discount: &Discount<'_>, cx: &mut Context<'_>) {
    if present(discount.raw, "target") {
        let at = discount.ptr.key("target");
        cx.report(at.clone(), "`target` is deprecated")
            .anchor(Anchor::Key)
            .help("remove `target`; Klar no longer reads it")
            .fix(Fix::safe("remove `target`", vec![Change::Remove { at }]));
    }
}

impl Rule for DeprecatedField {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        for line in order.all_lines() {
            for discount in &line.discounts {
                target(discount, cx);
            }
        }
        if let Some(shipping) = &order.shipping {
            for discount in &shipping.discounts {
                target(discount, cx);
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
