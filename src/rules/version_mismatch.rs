use serde_json::Value;

use crate::declare_rule;
use crate::diagnostic::Anchor;
use crate::rule::{Context, Rule};
use crate::view::Order;

declare_rule! {
    /// ## What it does
    /// Flags `bundledProducts` on a line of a payload checked as API version 12.2022, which has
    /// no bundles.
    /// ## Why is this bad?
    /// `bundledProducts` arrived with version 07.2025 (docs/klar-api.md §1, §12); connector releases
    /// before 1.0.17 must use 12.2022 and cannot send bundles. Sent to `/12.2022/orders/json`,
    /// the constituents are at best ignored, so only the parent line's own price and taxes
    /// count, and the constituents' products, SKUs and costs never reach Klar; whether 12.2022
    /// rejects the field instead is not documented (docs/klar-api.md §16.6 [?]). Either way the payload
    /// does not say what its author meant. One finding per line that carries the field (the
    /// schema check does not also report it as an unknown field).
    /// ## Example
    /// Sent to `/12.2022/orders/json`:
    /// ```json
    /// { "id": "5234123423", "productName": "Shoe Care Kit", "productGmv": 29.90, "quantity": 1, "bundledProducts": [{ "id": "5234123424", "productName": "Shoe Care Spray", "productGmv": 12.95, "quantity": 1 }] }
    /// ```
    /// ## Use instead
    /// Send the same payload to `/07.2025/orders/json`, or, for 12.2022, flatten the bundle:
    /// one line with its own price and taxes and no `bundledProducts`.
    /// ```json
    /// { "id": "5234123423", "productName": "Shoe Care Kit", "productGmv": 29.90, "quantity": 1 }
    /// ```
    /// ## Fix
    /// None: the fix is the API version the file is sent as, not its content.
    /// ## References
    /// docs/klar-api.md §1 (versions), §12 (bundles), §14.3 item 19, §16.6.
    pub VersionMismatch {
        name: "version-mismatch", category: Compat, severity: Error,
        versions: [V12_2022], kinds: [Orders],
    }
}

impl Rule for VersionMismatch {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        for line in &order.lines {
            // `null` reads as absent (docs/klar-api.md §14.4 item 1): no bundles sent.
            let Some(bundled) = line.raw.get("bundledProducts").filter(|v| !v.is_null()) else {
                continue;
            };
            let help = match bundled {
                Value::Array(items) if items.is_empty() => {
                    "drop the empty `bundledProducts`, or send the payload to `/07.2025/orders/json` (`--api-version 07.2025`)".to_owned()
                }
                Value::Array(items) => {
                    let n = items.len();
                    let what = if n == 1 { "1 constituent".to_owned() } else { format!("{n} constituents") };
                    format!(
                        "send bundles to `/07.2025/orders/json` (`--api-version 07.2025`), or flatten the line: drop `bundledProducts` ({what}) and keep the bundle's own price and taxes"
                    )
                }
                _ => "drop `bundledProducts`, or send the payload to `/07.2025/orders/json` (`--api-version 07.2025`)".to_owned(),
            };
            cx.report(
                line.at("bundledProducts"),
                "`bundledProducts` is a 07.2025 field, but this payload is checked as 12.2022",
            )
            .anchor(Anchor::Key)
            .help(help);
        }
    }
}
