//! Field names are compared without case, and the `{"items": [...]}` envelope of the cost
//! payloads is checked like any object: a misspelt key gets a did-you-mean, an extra key is an
//! `unknown-field`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use klar_lint::{ApiVersion, Config, Linter, PayloadKind, Severity};

/// (rule, severity, pointer, message, help) of every finding.
fn lint(kind: PayloadKind, text: &str) -> Vec<(String, Severity, String, String, String)> {
    let linter = Linter::new(
        Config::default()
            .with_kind(kind)
            .with_api_version(ApiVersion::V07_2025),
    )
    .unwrap();
    linter
        .lint_str("payload.json", text)
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.rule().to_owned(),
                d.severity,
                d.pointer.to_string(),
                d.message.clone(),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn help_at(findings: &[(String, Severity, String, String, String)], pointer: &str) -> String {
    findings
        .iter()
        .find(|f| f.2 == pointer)
        .unwrap_or_else(|| panic!("no finding at {pointer}: {findings:#?}"))
        .4
        .clone()
}

const ORDER: &str = r#"[{"id": "1", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR",
    "optionalIdentifiers": {"googleAnalyticsTransactionID": "DE-1"},
    "lineItems": [{"id": "a", "productGMV": 10, "productCogs": 4, "quantity": 1}]}]"#;

#[test]
fn a_difference_in_case_only_is_the_suggestion() {
    let found = lint(PayloadKind::Orders, ORDER);
    // The only key of `optionalIdentifiers` is misspelt: the suggestion comes from the
    // definition the schema puts there, not from a guess at which object it is.
    assert_eq!(
        help_at(
            &found,
            "/0/optionalIdentifiers/googleAnalyticsTransactionID"
        ),
        "did you mean `googleAnalyticsTransactionId`?"
    );
    assert_eq!(
        help_at(&found, "/0/lineItems/0/productGMV"),
        "did you mean `productGmv`?"
    );
}

#[test]
fn a_misspelt_items_key_gets_a_suggestion_and_its_objects_are_checked() {
    let found = lint(
        PayloadKind::Cogs,
        r#"{"itmes": [{"orderId": "1", "sku": "a", "productCogs": -1}]}"#,
    );
    assert_eq!(
        found
            .iter()
            .map(|f| (f.0.as_str(), f.1, f.2.as_str()))
            .collect::<Vec<_>>(),
        [
            ("schema", Severity::Error, "/itmes"),
            ("negative-amount", Severity::Error, "/itmes/0/productCogs"),
        ],
        "{found:#?}"
    );
    assert_eq!(help_at(&found, "/itmes"), "did you mean `items`?");
    let found = lint(
        PayloadKind::LogisticsCosts,
        r#"{"Items": [{"orderId": "1", "totalLogisticsCosts": 4.1}]}"#,
    );
    assert_eq!(help_at(&found, "/Items"), "did you mean `items`?");
}

#[test]
fn a_key_beside_items_is_an_unknown_field() {
    let found = lint(
        PayloadKind::TransactionCosts,
        r#"{"items": [{"orderId": "1", "transactionCosts": 0.35}], "page": 2}"#,
    );
    assert_eq!(
        found,
        [(
            "unknown-field".to_owned(),
            Severity::Warning,
            "/page".to_owned(),
            "unknown field `page`".to_owned(),
            "the body holds `items` and nothing else: remove `page`".to_owned()
        )]
    );
    // A clean envelope has nothing to say.
    let clean = lint(
        PayloadKind::TransactionCosts,
        r#"{"items": [{"orderId": "1", "transactionCosts": 0.35}]}"#,
    );
    assert_eq!(clean, []);
}
