use serde_json::Value;

use crate::declare_rule;
use crate::iso;
use crate::json::Pointer;
use crate::rule::{Context, Rule};
use crate::view::Order;

declare_rule! {
    /// ## What it does
    /// Flags an order or shipping `currencyCodeIso3Letter` that is not a current ISO 4217
    /// currency code.
    /// ## Why is this bad?
    /// Every amount of an order is in its currency (docs/klar-api.md §4), and Klar converts and sums
    /// revenue by it. A code that names no currency (`EUX`, `GER`, `EURO` cut to `EUR`'s
    /// neighbour) cannot be converted, so the order's revenue is lost or counted in the wrong
    /// currency. The schema already requires three upper-case letters; this rule checks the
    /// letters against the ISO 4217 list.
    ///
    /// The list is the current one (list one, 2026-01-01). Retired codes such as `HRK` (Croatia
    /// adopted the euro in 2023) or `BGN` (Bulgaria, 2026) are flagged too, with their
    /// successor in the help: whether Klar still converts them for backfilled orders is not
    /// documented (docs/klar-api.md §16.14 [?]).
    /// ## Example
    /// ```json
    /// [{ "id": "100123815", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUX", "lineItems": [] }]
    /// ```
    /// ## Use instead
    /// ```json
    /// [{ "id": "100123815", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [] }]
    /// ```
    /// ## Fix
    /// None: which currency was meant is a guess.
    /// ## References
    /// docs/klar-api.md §4 (`currencyCodeIso3Letter`), §8 (shipping currency), §16.14.
    pub CurrencyCode {
        name: "currency-code", category: Mapping, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

/// Codes retired from ISO 4217 in recent years, with the code that replaced them and when.
const RETIRED: [(&str, &str, &str); 9] = [
    ("ANG", "XCG", "2025"),
    ("BGN", "EUR", "2026"),
    ("CUC", "CUP", "2021"),
    ("HRK", "EUR", "2023"),
    ("MRO", "MRU", "2018"),
    ("SLL", "SLE", "2022"),
    ("STD", "STN", "2018"),
    ("VEF", "VES", "2018"),
    ("ZWL", "ZWG", "2024"),
];

/// Common abbreviations that are not ISO codes, with the code meant.
const ALIASES: [(&str, &str); 3] = [("NIS", "ILS"), ("RMB", "CNY"), ("UKP", "GBP")];

/// Checks the `currencyCodeIso3Letter` of the object at `of` (named `field` in messages); its
/// pointer is built only for a finding.
fn check(field: &str, code: Option<&str>, of: &Pointer, cx: &mut Context<'_>) {
    let Some(code) = code else { return };
    if iso::is_currency(code) {
        return;
    }
    let at = of.key("currencyCodeIso3Letter");
    if let Some((_, successor, year)) = RETIRED.iter().find(|(old, _, _)| *old == code) {
        cx.report(at, format!("{field} {code} is no longer an ISO 4217 code"))
            .help(format!(
                "{code} was replaced by {successor} in {year}: send {successor}"
            ));
        return;
    }
    let alias = ALIASES
        .iter()
        .find(|(a, _)| *a == code)
        .map(|(_, known)| *known);
    let help = match alias.or_else(|| iso::closest_currency(code)) {
        Some(known) => format!("did you mean {known}?"),
        None => {
            "send the ISO 4217 code of the currency the customer paid in, such as EUR".to_owned()
        }
    };
    cx.report(
        at,
        format!("{field} {code} is not an ISO 4217 currency code"),
    )
    .help(help);
}

impl Rule for CurrencyCode {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        check(
            "`currencyCodeIso3Letter`",
            order.currency,
            &order.ptr,
            cx,
        );
        if let Some(shipping) = &order.shipping {
            let code = shipping
                .raw
                .get("currencyCodeIso3Letter")
                .and_then(Value::as_str);
            check(
                "shipping `currencyCodeIso3Letter`",
                code,
                &shipping.ptr,
                cx,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_codes_are_not_current() {
        for (old, new, _) in RETIRED {
            assert!(!iso::is_currency(old), "{old} is current again");
            assert!(iso::is_currency(new), "{new} is not current");
        }
        for (alias, code) in ALIASES {
            assert!(
                !iso::is_currency(alias) && iso::is_currency(code),
                "{alias}"
            );
        }
    }
}
