use serde_json::Value;

use crate::declare_rule;
use crate::iso;
use crate::rule::{Context, Rule};
use crate::view::{Order, Shipping};

declare_rule! {
    /// ## What it does
    /// Flags a shipping country code that is not ISO 3166-1, or an alpha-2 and alpha-3 code
    /// naming different countries.
    ///
    /// `countryCodeIso3Letter` must be an ISO 3166-1 alpha-3 code, `countryCodeIso2Letter` an
    /// alpha-2 code, and when both are sent they must be the same country's pair.
    /// ## Why is this bad?
    /// Klar reports revenue by ship-to country from these codes (docs/klar-api.md §8). Sports and
    /// licence-plate codes (`GER`, `SUI`, `NED`), the EU's `EL` for Greece or `UK` for the
    /// United Kingdom are not ISO codes, so those orders land under an unknown country. When
    /// both codes are sent they must agree (docs/klar-api.md §8 [INF]): `DE` with `FRA` puts the same order
    /// in Germany or France depending on which field a report reads. The rule cannot tell which
    /// one is wrong, so it points at the alpha-3 code and names the pair of each.
    ///
    /// The list holds the 249 officially assigned codes; user-assigned codes such as `XK`
    /// (Kosovo) are flagged.
    /// ## Example
    /// ```json
    /// { "countryCodeIso2Letter": "DE", "countryCodeIso3Letter": "GER" }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "countryCodeIso2Letter": "DE", "countryCodeIso3Letter": "DEU" }
    /// ```
    /// ## Fix
    /// None: which country was meant is a guess.
    /// ## References
    /// docs/klar-api.md §8 (Shipping), §16.14.
    pub CountryCode {
        name: "country-code", category: Mapping, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

/// Alpha-2 codes in common use that ISO does not assign, with the ISO code meant.
const ALPHA2_ALIASES: [(&str, &str); 2] = [("EL", "GR"), ("UK", "GB")];

/// Sports (IOC, FIFA) and other three-letter codes often sent instead of ISO alpha-3.
const ALPHA3_ALIASES: [(&str, &str); 11] = [
    ("CRO", "HRV"),
    ("DEN", "DNK"),
    ("ENG", "GBR"),
    ("GER", "DEU"),
    ("GRE", "GRC"),
    ("NED", "NLD"),
    ("POR", "PRT"),
    ("RSA", "ZAF"),
    ("SLO", "SVN"),
    ("SUI", "CHE"),
    ("UAE", "ARE"),
];

fn alias(table: &[(&str, &'static str)], code: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(a, _)| *a == code)
        .map(|(_, known)| *known)
}

fn check_shipping(shipping: &Shipping<'_>, cx: &mut Context<'_>) {
    let get = |key| shipping.raw.get(key).and_then(Value::as_str);
    let alpha2 = get("countryCodeIso2Letter");
    let alpha3 = get("countryCodeIso3Letter");
    let valid2 = alpha2.filter(|c| iso::is_country_alpha2(c));
    let valid3 = alpha3.filter(|c| iso::is_country_alpha3(c));

    if let Some(code) = alpha2.filter(|c| !iso::is_country_alpha2(c)) {
        let help =
            if let Some((three, two)) = valid3.and_then(|c| Some((c, iso::country_alpha2(c)?))) {
                format!("`countryCodeIso3Letter` {three} pairs with {two}: send {two}")
            } else if let Some(known) = alias(&ALPHA2_ALIASES, code) {
                format!("the ISO 3166-1 code is {known}: send {known}")
            } else {
                "send the ISO 3166-1 alpha-2 code of the ship-to country, such as DE".to_owned()
            };
        cx.report(
            shipping.at("countryCodeIso2Letter"),
            format!("`countryCodeIso2Letter` {code} is not an ISO 3166-1 alpha-2 country code"),
        )
        .help(help);
    }

    if let Some(code) = alpha3.filter(|c| !iso::is_country_alpha3(c)) {
        let help =
            if let Some((two, three)) = valid2.and_then(|c| Some((c, iso::country_alpha3(c)?))) {
                format!("`countryCodeIso2Letter` {two} pairs with {three}: send {three}")
            } else if let Some(known) = alias(&ALPHA3_ALIASES, code) {
                format!("the ISO 3166-1 code is {known}: send {known}")
            } else {
                "send the ISO 3166-1 alpha-3 code of the ship-to country, such as DEU".to_owned()
            };
        cx.report(
            shipping.at("countryCodeIso3Letter"),
            format!("`countryCodeIso3Letter` {code} is not an ISO 3166-1 alpha-3 country code"),
        )
        .help(help);
    }

    let (Some(two), Some(three)) = (valid2, valid3) else {
        return;
    };
    let (Some(pair3), Some(pair2)) = (iso::country_alpha3(two), iso::country_alpha2(three)) else {
        return;
    };
    if pair3 != three {
        cx.report(
            shipping.at("countryCodeIso3Letter"),
            format!("`countryCodeIso3Letter` {three} and `countryCodeIso2Letter` {two} name different countries: {two} pairs with {pair3}, not {three}"),
        )
        .label(shipping.at("countryCodeIso2Letter"), "alpha-2 code")
        .help(format!("send the two codes of the ship-to country: {two} with {pair3}, or {pair2} with {three}"));
    }
}

impl Rule for CountryCode {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        if let Some(shipping) = &order.shipping {
            check_shipping(shipping, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;
    use crate::{ApiVersion, PayloadKind};

    #[test]
    fn aliases_are_not_iso_but_point_to_iso() {
        for (alias, code) in ALPHA2_ALIASES {
            assert!(
                !iso::is_country_alpha2(alias) && iso::is_country_alpha2(code),
                "{alias}"
            );
        }
        for (alias, code) in ALPHA3_ALIASES {
            assert!(
                !iso::is_country_alpha3(alias) && iso::is_country_alpha3(code),
                "{alias}"
            );
        }
    }

    fn findings(shipping: &str) -> Vec<(String, String)> {
        let text = format!(
            r#"[{{"id":"1","createdAt":1678376546,"currencyCodeIso3Letter":"EUR","lineItems":[],"shipping":{shipping}}}]"#
        );
        testing::findings(PayloadKind::Orders, ApiVersion::V07_2025, &text, |d| {
            d.rule() == "country-code"
        })
        .into_iter()
        .map(|(_, pointer, _, help)| (pointer, help))
        .collect()
    }

    #[test]
    fn one_finding_per_wrong_code() {
        assert!(
            findings(r#"{"countryCodeIso2Letter":"CH","countryCodeIso3Letter":"CHE"}"#).is_empty()
        );
        assert!(findings(r#"{"countryCodeIso2Letter":"CH"}"#).is_empty());
        assert_eq!(
            findings(r#"{"countryCodeIso2Letter":"CH","countryCodeIso3Letter":"SUI"}"#),
            [(
                "/0/shipping/countryCodeIso3Letter".to_owned(),
                "`countryCodeIso2Letter` CH pairs with CHE: send CHE".to_owned()
            )]
        );
        assert_eq!(
            findings(r#"{"countryCodeIso3Letter":"SUI"}"#),
            [(
                "/0/shipping/countryCodeIso3Letter".to_owned(),
                "the ISO 3166-1 code is CHE: send CHE".to_owned()
            )]
        );
        assert_eq!(
            findings(r#"{"countryCodeIso2Letter":"UK","countryCodeIso3Letter":"GBR"}"#),
            [(
                "/0/shipping/countryCodeIso2Letter".to_owned(),
                "`countryCodeIso3Letter` GBR pairs with GB: send GB".to_owned()
            )]
        );
        assert_eq!(
            findings(r#"{"countryCodeIso2Letter":"XK","countryCodeIso3Letter":"XKX"}"#).len(),
            2
        );
        assert_eq!(
            findings(r#"{"countryCodeIso2Letter":"AT","countryCodeIso3Letter":"AUS"}"#),
            [(
                "/0/shipping/countryCodeIso3Letter".to_owned(),
                "send the two codes of the ship-to country: AT with AUT, or AU with AUS".to_owned()
            )]
        );
    }
}
