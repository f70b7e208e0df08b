//! Revenue recomputed the way Klar does, on the API's own worked examples (docs/klar-api.md §11.2).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::str::FromStr;

use klar_lint::{Config, Linter, PayloadKind};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn order(line: &str) -> String {
    format!(
        r#"[{{"id": "100123815", "createdAt": 1678376546, "updatedAt": 1678376546, "currencyCodeIso3Letter": "EUR",
  "financialStatus": "paid", "shipmentStatus": "shipped", "orderNumber": "100123815", "customer": {{"id": "c"}},
  "shipping": {{"shippingTotalAmountBeforeTaxAndDiscounts": 4.99, "currencyCodeIso3Letter": "EUR",
    "taxes": [{{"title": "VAT", "taxRate": 0.19, "taxAmount": 0.80}}], "shippingTotalAmountAfterTaxAndDiscounts": 4.19}},
  "lineItems": [{line}]}}]"#
    )
}

fn lint(text: &str) -> klar_lint::FileReport {
    Linter::new(Config::default().with_kind(PayloadKind::Orders))
        .unwrap()
        .lint_str("orders.json", text)
}

#[test]
fn order_example_1_passes_clean_and_recomputes_7_00_before_and_4_71_after() {
    // 2 × 3.50, discounts 0.63 + 0.35 per unit, tax 0.16 per unit at 7 %: Klar shows 4.71.
    let text = order(
        r#"{"id": "5234123423", "productName": "Cadbury", "productId": "p", "sku": "s", "productGmv": 3.50, "quantity": 2,
        "discounts": [{"title": "5 EUR off", "discountAmount": 0.63}, {"title": "10% off sweets", "discountAmount": 0.35}],
        "taxes": [{"title": "VAT 7%", "taxRate": 0.07, "taxAmount": 0.16}],
        "totalAmountBeforeTaxesAndDiscounts": 7.0, "totalAmountAfterTaxesAndDiscounts": 4.71}"#,
    );
    let report = lint(&text);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let eur = report.revenue.currencies.get("EUR").unwrap();
    assert_eq!(eur.gross, d("7.00"));
    assert_eq!(eur.discounts, d("1.96"));
    assert_eq!(eur.taxes, d("0.32"));
    // From the rounded per-unit tax the line nets 4.72; Klar's 4.71 comes from the unrounded
    // tax (2.52 × 0.07 / 1.07 = 0.16486 per unit), and the two agree within the tolerance.
    assert_eq!(eur.net, d("4.72"));
    assert!((eur.net - d("4.71")).abs() <= d("0.04"));
    assert_eq!(eur.shipping_after, d("4.19"));
}

#[test]
fn order_example_2_recomputes_6_54() {
    let text = order(
        r#"{"id": "5234123423", "productName": "Cadbury", "productId": "p", "sku": "s", "productGmv": 3.50, "quantity": 2,
        "discounts": [], "taxes": [{"title": "VAT 7%", "taxRate": 0.07, "taxAmount": 0.23}],
        "totalAmountBeforeTaxesAndDiscounts": 7.0, "totalAmountAfterTaxesAndDiscounts": 6.54}"#,
    );
    let report = lint(&text);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let eur = report.revenue.currencies.get("EUR").unwrap();
    assert_eq!(
        (eur.gross, eur.taxes, eur.net),
        (d("7.00"), d("0.46"), d("6.54"))
    );
    assert_eq!(eur.by_status.get("paid").unwrap().orders, 1);
}

#[test]
fn a_bundle_counts_once_from_its_constituents() {
    let text = order(
        r#"{"id": "kit", "productName": "Kit", "productId": "k", "sku": "k", "productGmv": 20.00, "quantity": 1,
        "discounts": [], "taxes": [],
        "totalAmountBeforeTaxesAndDiscounts": 20.00, "totalAmountAfterTaxesAndDiscounts": 16.80,
        "bundledProducts": [
          {"id": "a", "productName": "A", "productId": "a", "sku": "a", "productGmv": 5.00, "quantity": 2, "discounts": [],
           "taxes": [{"title": "VAT", "taxRate": 0.19, "taxAmount": 0.80}],
           "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 8.40},
          {"id": "b", "productName": "B", "productId": "b", "sku": "b", "productGmv": 10.00, "quantity": 1, "discounts": [],
           "taxes": [{"title": "VAT", "taxRate": 0.19, "taxAmount": 1.60}],
           "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 8.40}]}"#,
    );
    let report = lint(&text);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let eur = report.revenue.currencies.get("EUR").unwrap();
    // The parent's own 20.00 is not added to the constituents' 20.00.
    assert_eq!(
        (eur.gross, eur.taxes, eur.net),
        (d("20.00"), d("3.20"), d("16.80"))
    );
}

#[test]
fn revenue_serializes_as_json_objects_sorted_by_key_also_when_empty() {
    use klar_lint::revenue::CurrencyTotals;
    let mut revenue = klar_lint::Revenue::default();
    assert_eq!(
        serde_json::to_value(&revenue).unwrap()["currencies"],
        serde_json::json!({})
    );
    revenue
        .currencies
        .insert("USD".to_owned(), CurrencyTotals::default());
    revenue
        .currencies
        .insert("EUR".to_owned(), CurrencyTotals::default());
    let json = serde_json::to_string(&revenue).unwrap();
    assert!(json.starts_with(r#"{"currencies":{"EUR":{"#), "{json}");
    assert!(json.contains(r#""byStatus":{}"#), "{json}");
    assert!(json.find("\"EUR\"") < json.find("\"USD\""), "{json}");
}
