use serde_json::Value;

use crate::declare_rule;
use crate::iso;
use crate::rule::{Context, Rule};
use crate::view::Order;

declare_rule! {
    /// ## What it does
    /// Flags a shipping `currencyCodeIso3Letter` that differs from the order's
    /// `currencyCodeIso3Letter`.
    /// ## Why is this bad?
    /// The API documents the shipping currency as the currency the order was paid in
    /// (docs/klar-api.md §8), and every money field of an order is read in the order's currency (docs/klar-api.md §4
    /// [INF]): there is no field that converts shipping amounts. Shipping in `GBP` on a `EUR`
    /// order is either a wrong code or shipping amounts that Klar adds to euro revenue as if
    /// they were euros.
    ///
    /// The API does not say whether the two must be equal (docs/klar-api.md §16.14 [?], §8 [INF]), so this
    /// is a warning. Codes that are not ISO 4217 codes are left to `currency-code`.
    /// ## Example
    /// ```json
    /// { "currencyCodeIso3Letter": "EUR", "shipping": { "currencyCodeIso3Letter": "GBP", "shippingTotalAmountBeforeTaxAndDiscounts": 4.99 } }
    /// ```
    /// ## Use instead
    /// Send the shipping amounts in the order's currency, and the same code (or leave the
    /// shipping currency out):
    /// ```json
    /// { "currencyCodeIso3Letter": "EUR", "shipping": { "currencyCodeIso3Letter": "EUR", "shippingTotalAmountBeforeTaxAndDiscounts": 4.99 } }
    /// ```
    /// ## Fix
    /// None: which of the two currencies is right is not in the payload.
    /// ## References
    /// docs/klar-api.md §4 (`currencyCodeIso3Letter`), §8 (Shipping), §16.14.
    pub CurrencyMismatch {
        name: "currency-mismatch", category: Mapping, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

impl Rule for CurrencyMismatch {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        let Some(shipping) = &order.shipping else {
            return;
        };
        let Some(ordered) = order.currency.filter(|c| iso::is_currency(c)) else {
            return;
        };
        let Some(shipped) = shipping
            .raw
            .get("currencyCodeIso3Letter")
            .and_then(Value::as_str)
            .filter(|c| iso::is_currency(c))
        else {
            return;
        };
        if shipped != ordered {
            cx.report(
                shipping.at("currencyCodeIso3Letter"),
                format!("shipping `currencyCodeIso3Letter` {shipped} differs from the order's {ordered}"),
            )
            .label(order.at("currencyCodeIso3Letter"), "order currency")
            .help(format!(
                "send the shipping amounts in {ordered} and the shipping `currencyCodeIso3Letter` {ordered}, or leave the shipping currency out"
            ));
        }
    }
}
