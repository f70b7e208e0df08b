//! API versions 04.2024 and 06.2024: documented by Klar for logistics costs and transaction
//! costs only, checked as 12.2022 (same objects, no bundles). A payload of a documented kind
//! is checked exactly like 12.2022; another kind is checked the same way and gets one
//! `undocumented-endpoint` warning, on every path a file can take (document, streamed array,
//! JSON Lines).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;

use klar_lint::schema::SchemaSet;
use klar_lint::{ApiVersion, Config, FileReport, Linter, PayloadKind, Pointer, Severity};

/// An order with a `cancelledAt: 0` (an error) and a line total that does not add up (a
/// warning): findings of 12.2022's rules.
const ORDER: &str = r#"{"id": "1", "createdAt": 1700000000, "cancelledAt": 0, "currencyCodeIso3Letter": "EUR",
  "lineItems": [{"id": "a", "productName": "Socks", "productGmv": 10.00, "quantity": 1,
    "taxes": [{"title": "VAT", "taxRate": 0.19, "taxAmount": 1.60}], "discounts": [],
    "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 9.40}]}"#;

fn lint(version: ApiVersion, kind: PayloadKind, text: &str) -> FileReport {
    Linter::new(Config::default().with_kind(kind).with_api_version(version))
        .unwrap()
        .lint_str("x.json", text)
}

fn findings(report: &FileReport) -> Vec<(String, String, String)> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.rule().to_owned(),
                d.pointer.to_string(),
                d.message.clone(),
            )
        })
        .collect()
}

/// The findings, without the `undocumented-endpoint` one.
fn checked(report: &FileReport) -> Vec<(String, String, String)> {
    findings(report)
        .into_iter()
        .filter(|(rule, ..)| rule != "undocumented-endpoint")
        .collect()
}

fn undocumented(report: &FileReport) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule() == "undocumented-endpoint")
        .map(|d| {
            assert_eq!(d.severity, Severity::Warning);
            assert_eq!(d.pointer, Pointer::root());
            d.message.clone()
        })
        .collect()
}

#[test]
fn a_documented_kind_is_checked_exactly_like_12_2022() {
    let cases = [
        (
            ApiVersion::V04_2024,
            PayloadKind::LogisticsCosts,
            r#"{"items": [{"orderId": "1", "totalLogisticsCosts": -6.90}, {"orderId": 2, "totalLogisticsCosts": 1}]}"#,
        ),
        (
            ApiVersion::V06_2024,
            PayloadKind::TransactionCosts,
            r#"{"items": [{"orderId": "1", "transactionCosts": "1.10"}, {"orderId": "2", "transactionCosts": -1, "fee": 0}]}"#,
        ),
    ];
    for (version, kind, text) in cases {
        let report = lint(version, kind, text);
        let legacy = lint(ApiVersion::V12_2022, kind, text);
        assert!(
            !findings(&legacy).is_empty(),
            "{kind}: the case finds nothing"
        );
        assert_eq!(findings(&report), findings(&legacy), "{version}/{kind}");
        assert_eq!(report.api_version, Some(version));
        assert_eq!(report.revenue, legacy.revenue);
    }
}

#[test]
fn another_kind_is_checked_as_12_2022_and_the_report_says_so() {
    let text = format!("[{ORDER}]");
    let legacy = lint(ApiVersion::V12_2022, PayloadKind::Orders, &text);
    let rules: Vec<String> = findings(&legacy).into_iter().map(|f| f.0).collect();
    assert!(rules.contains(&"zero-date".to_owned()), "{rules:?}");
    assert!(undocumented(&legacy).is_empty());
    for (version, documented) in [
        (ApiVersion::V04_2024, "logistics-costs"),
        (ApiVersion::V06_2024, "transaction-costs"),
    ] {
        let report = lint(version, PayloadKind::Orders, &text);
        assert_eq!(checked(&report), findings(&legacy), "{version}");
        assert_eq!(
            undocumented(&report),
            vec![format!(
                "API version {version} is documented only for `{documented}`; these orders are checked as 12.2022"
            )]
        );
        assert_eq!(report.revenue, legacy.revenue);
    }
    let refunds = r#"[{"id": "R1", "createdAt": 1700000000, "lineItems": [{"id": "r", "lineItemId": "a", "refundedQuantity": 1}]}]"#;
    let report = lint(ApiVersion::V04_2024, PayloadKind::Refunds, refunds);
    assert_eq!(
        undocumented(&report),
        vec!["API version 04.2024 is documented only for `logistics-costs`; these refunds are checked as 12.2022"]
    );
    let report = lint(
        ApiVersion::V06_2024,
        PayloadKind::LogisticsCosts,
        r#"{"items": [{"orderId": "1", "totalLogisticsCosts": 1}]}"#,
    );
    assert_eq!(
        undocumented(&report),
        vec!["API version 06.2024 is documented only for `transaction-costs`; these logistics costs are checked as 12.2022"]
    );
    for version in [ApiVersion::V12_2022, ApiVersion::V07_2025] {
        for kind in PayloadKind::ALL {
            assert!(
                undocumented(&lint(version, kind, "[]")).is_empty(),
                "{version}/{kind}"
            );
        }
    }
}

#[test]
fn bundles_under_a_2024_version_are_a_version_mismatch_as_in_12_2022() {
    let text = r#"[{"id": "1", "createdAt": 1700000000, "currencyCodeIso3Letter": "EUR", "lineItems": [
        {"id": "a", "productName": "Kit", "productGmv": 10, "quantity": 1,
         "bundledProducts": [{"id": "b", "productName": "Part", "productGmv": 10, "quantity": 1}]}]}]"#;
    let legacy = lint(ApiVersion::V12_2022, PayloadKind::Orders, text);
    let report = lint(ApiVersion::V04_2024, PayloadKind::Orders, text);
    assert_eq!(checked(&report), findings(&legacy));
    let rules: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert!(rules.contains(&"version-mismatch".to_owned()), "{rules:?}");
    assert!(!rules.contains(&"unknown-field".to_owned()), "{rules:?}");
    assert!(!rules.iter().any(|r| r.starts_with("bundle-")), "{rules:?}");
}

#[test]
fn every_path_through_the_linter_reports_it_once() {
    let linter = Linter::new(Config::default()).unwrap();
    // A document, told by the path.
    let one = format!("[{ORDER}]");
    let report = linter.lint_str("exports/04.2024/orders/a.json", &one);
    assert_eq!(report.api_version, Some(ApiVersion::V04_2024));
    assert_eq!(undocumented(&report).len(), 1);
    // A large array takes the streamed path.
    let many = format!("[{}]", vec![ORDER; 900].join(","));
    assert!(many.len() > 256 * 1024);
    let report = linter.lint_str("exports/04.2024/orders/b.json", &many);
    assert_eq!(report.objects, 900);
    assert_eq!(undocumented(&report).len(), 1);
    // JSON Lines.
    let lines = vec![ORDER.replace('\n', " "); 3].join("\n");
    let report = linter.lint_lines("exports/06.2024/orders/c.jsonl", Cursor::new(lines));
    assert_eq!(report.api_version, Some(ApiVersion::V06_2024));
    assert_eq!(report.objects, 3);
    assert_eq!(undocumented(&report).len(), 1);
    // A documented kind, on each path: nothing.
    let costs = r#"{"orderId": "1", "totalLogisticsCosts": 1}"#;
    let report = linter.lint_str(
        "exports/04.2024/logistics-costs/d.json",
        &format!("{{\"items\": [{costs}]}}"),
    );
    assert_eq!(report.api_version, Some(ApiVersion::V04_2024));
    assert_eq!(findings(&report), vec![]);
    let report = linter.lint_lines(
        "exports/04.2024/logistics-costs/e.jsonl",
        Cursor::new(format!("{costs}\n{costs}")),
    );
    assert_eq!(findings(&report), vec![]);
}

#[test]
fn the_warning_follows_the_config_levels() {
    let text = format!("[{ORDER}]");
    for (toml, want) in [
        ("[rules]\nundocumented-endpoint = \"off\"", None),
        (
            "[rules]\nundocumented-endpoint = \"error\"",
            Some(Severity::Error),
        ),
    ] {
        let config = Config::from_toml_str(toml)
            .unwrap()
            .with_kind(PayloadKind::Orders)
            .with_api_version(ApiVersion::V04_2024);
        let linter = Linter::new(config).unwrap();
        for report in [
            linter.lint_str("a.json", &text),
            linter.lint_lines("a.jsonl", Cursor::new(ORDER.replace('\n', " "))),
        ] {
            let got = report
                .diagnostics
                .iter()
                .find(|d| d.rule() == "undocumented-endpoint")
                .map(|d| d.severity);
            assert_eq!(got, want, "{toml}");
        }
    }
}

#[test]
fn a_schema_override_of_the_version_itself_wins_then_the_12_2022_one() {
    let dir = tempfile::tempdir().unwrap();
    let write = |version: &str, property: &str| {
        let folder = dir.path().join(version);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("logistics-costs.schema.json"),
            format!(
                r#"{{"$defs": {{"LogisticsCosts": {{"type": "object", "required": ["{property}"]}}}}}}"#
            ),
        )
        .unwrap();
    };
    let missing = |set: &SchemaSet, version: ApiVersion| {
        let mut out = Vec::new();
        let object = serde_json::json!({"orderId": "1"});
        set.validate(
            version,
            PayloadKind::LogisticsCosts,
            &object,
            &Pointer::root(),
            &mut out,
        )
        .unwrap();
        out.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
    };
    // Without a file of its own, 04.2024 uses the embedded 12.2022 schema.
    let set = SchemaSet::with_overrides(dir.path()).unwrap();
    assert_eq!(
        missing(&set, ApiVersion::V04_2024),
        vec!["missing `totalLogisticsCosts`"]
    );
    // Then the 12.2022 override.
    write("12.2022", "fromLegacy");
    let set = SchemaSet::with_overrides(dir.path()).unwrap();
    assert_eq!(
        missing(&set, ApiVersion::V04_2024),
        vec!["missing `fromLegacy`"]
    );
    assert_eq!(
        missing(&set, ApiVersion::V06_2024),
        vec!["missing `fromLegacy`"]
    );
    assert!(set
        .text(ApiVersion::V04_2024, PayloadKind::LogisticsCosts)
        .unwrap()
        .contains("fromLegacy"));
    // Then its own.
    write("04.2024", "fromOwn");
    let set = SchemaSet::with_overrides(dir.path()).unwrap();
    assert_eq!(
        missing(&set, ApiVersion::V04_2024),
        vec!["missing `fromOwn`"]
    );
    assert_eq!(
        missing(&set, ApiVersion::V06_2024),
        vec!["missing `fromLegacy`"]
    );
    assert_eq!(
        missing(&set, ApiVersion::V12_2022),
        vec!["missing `fromLegacy`"]
    );
}
