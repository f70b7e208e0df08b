use super::quoted;
use crate::declare_rule;
use crate::rule::{Context, Rule};
use crate::status::StatusMapping;
use crate::view::Order;

declare_rule! {
    /// ## What it does
    /// Flags a `financialStatus` that neither Klar's defaults nor `[status-mapping]` map to a
    /// payment status.
    /// ## Why is this bad?
    /// `financialStatus` is free text: Klar files each order under a payment status (paid,
    /// pending, partially refunded, refunded, cancelled) by mapping the string it receives. The
    /// standard values (`paid`, `pending`, `authorized`, `partially_paid`, `partially_refunded`,
    /// `refunded`, `voided`) and the platform defaults (`completed`, `processing`, `on-hold`,
    /// `failed`, ...) are mapped out of the box; anything else, such as a shop's own `bezahlt`,
    /// lands in Klar unmapped until someone maps it in the data source, and the order's
    /// revenue is not counted where it belongs.
    ///
    /// Because the mapping lives in Klar, not in the payload, an unknown status is not
    /// necessarily wrong: the rule is a warning that asks you to make sure it is mapped (docs/klar-api.md
    /// §13 linter note [INF]). Statuses are compared case-insensitively and without surrounding
    /// spaces, as Klar's defaults are listed in lower case.
    /// ## Example
    /// ```json
    /// [{ "id": "200012377", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR",
    ///    "financialStatus": "bezahlt", "lineItems": [] }]
    /// ```
    /// ## Use instead
    /// Send a status Klar knows:
    /// ```json
    /// [{ "id": "200012377", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR",
    ///    "financialStatus": "paid", "lineItems": [] }]
    /// ```
    /// or keep your own value and map it in both places: in Klar, under the data source's
    /// customisations ("financial status to paid": add `bezahlt`), and in klar-lint.toml so the
    /// linter knows about it:
    /// ```toml
    /// [status-mapping]
    /// paid = ["bezahlt"]
    /// ```
    /// ## Fix
    /// None: the mapping lives in Klar (or in `[status-mapping]`), not in the payload.
    /// ## Options
    /// `[status-mapping]` in klar-lint.toml takes the four lists Klar's data-source
    /// customisation offers: `paid`, `partially-refunded`, `refunded` and `cancelled`.
    /// ## References
    /// docs/klar-api.md §4 (`financialStatus`), §13 (standard statuses, default mappings, data-source
    /// customisations).
    pub UnmappedStatus {
        name: "unmapped-status", category: Mapping, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

/// How close (Jaro-Winkler) a default status must be to be suggested: catches `complete`,
/// `partialy_refunded` and `Refund`, not unrelated words that share a prefix.
const NEAR: f64 = 0.85;

/// The default status nearest to `status`, if one is near.
fn closest_default(status: &str) -> Option<&'static str> {
    let status = status.trim().to_lowercase();
    StatusMapping::defaults()
        .map(|known| (strsim::jaro_winkler(&status, known), known))
        .filter(|(score, _)| *score >= NEAR)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, known)| known)
}

/// The `[status-mapping]` line for a help text: JSON string syntax is also TOML's.
fn toml_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

impl Rule for UnmappedStatus {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        let Some(status) = order.financial_status else {
            return;
        };
        if cx.settings().status_mapping.bucket(status).is_some() {
            return;
        }
        let at = order.at("financialStatus");
        if status.trim().is_empty() {
            cx.report(at, "`financialStatus` is empty, so Klar cannot map it to a payment status")
                .help("send the payment status, such as `paid` or `pending`, or leave `financialStatus` out");
            return;
        }
        let mut help = format!(
            "if {} is your own status, map it in Klar's data-source customisations (financial status to paid, partially refunded, refunded or cancelled) and add it under `[status-mapping]` in klar-lint.toml, e.g. `paid = [{}]`",
            quoted(status),
            toml_string(status.trim())
        );
        if let Some(near) = closest_default(status) {
            help = format!("did you mean `{near}`? Otherwise, {help}");
        }
        cx.report(
            at,
            format!("`financialStatus` {} is not a status Klar maps by default, and `[status-mapping]` does not map it", quoted(status)),
        )
        .help(help);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiVersion, Config, Linter, PayloadKind};

    fn order(status: &str) -> String {
        format!(
            r#"[{{"id": "1", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "financialStatus": "{status}", "lineItems": []}}]"#
        )
    }

    fn hits(config: Config, status: &str) -> Vec<crate::Diagnostic> {
        let linter = Linter::new(
            config
                .with_kind(PayloadKind::Orders)
                .with_api_version(ApiVersion::V07_2025),
        )
        .unwrap();
        linter
            .lint_str("orders.json", &order(status))
            .diagnostics
            .into_iter()
            .filter(|d| d.rule() == "unmapped-status")
            .collect()
    }

    #[test]
    fn config_mapping_silences_the_rule() {
        assert_eq!(hits(Config::default(), "bezahlt").len(), 1);
        let config = Config::from_toml_str("[status-mapping]\npaid = [\"bezahlt\"]").unwrap();
        assert!(hits(config.clone(), "bezahlt").is_empty());
        assert!(hits(config.clone(), "Bezahlt").is_empty());
        // The mapping adds to the defaults; it does not replace them.
        assert!(hits(config.clone(), "paid").is_empty());
        assert_eq!(hits(config, "offen").len(), 1);
    }

    #[test]
    fn defaults_are_not_flagged() {
        for status in [
            "paid",
            "PAID",
            " pending ",
            "partially_refunded",
            "voided",
            "completed",
        ] {
            assert!(hits(Config::default(), status).is_empty(), "{status}");
        }
    }

    #[test]
    fn suggests_a_near_default_only() {
        assert_eq!(closest_default("complete"), Some("completed"));
        assert_eq!(
            closest_default("Partialy_Refunded"),
            Some("partially_refunded")
        );
        assert_eq!(closest_default("refund"), Some("refunded"));
        assert_eq!(closest_default("bezahlt"), None);
        assert_eq!(closest_default("shipped"), None);
        let d = hits(Config::default(), "complete");
        let help = d.first().and_then(|d| d.help.clone()).unwrap();
        assert!(help.starts_with("did you mean `completed`?"), "{help}");
        assert!(help.contains("paid = [\"complete\"]"), "{help}");
    }

    #[test]
    fn empty_status_is_reported_as_empty() {
        let d = hits(Config::default(), " ");
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("is empty"), "{}", d[0].message);
    }
}
