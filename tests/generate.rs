//! The benchmark data generator (`examples/generate.rs`) writes orders that klar-lint finds
//! clean, and whose arithmetic holds by our own reckoning too: the rules are checked here
//! independently of their implementation, straight from docs/klar-api.md §11-§13.

// The checking helpers live outside `#[test]` functions, where clippy's test exemptions do not
// reach; a failed expectation is meant to panic.
#![allow(clippy::unwrap_used, clippy::panic, clippy::many_single_char_names)]

#[allow(dead_code)]
#[path = "../examples/generate.rs"]
mod generate;

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use klar_lint::{Config, FileReport, Linter, Severity};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

const SEED: u64 = 20_250_701;

fn batch_bytes(first: u64, n: u64, ndjson: bool) -> Vec<u8> {
    let mut out = Vec::new();
    generate::write_orders(&mut out, SEED, first, n, ndjson).unwrap();
    out
}

fn above_info(report: &FileReport) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .map(|d| format!("{} {}: {}", d.rule(), d.pointer, d.message))
        .collect()
}

#[test]
fn generated_batches_have_no_finding_above_info() {
    let linter = Linter::new(Config::default()).unwrap();
    for file in 0..4 {
        let bytes = batch_bytes(file * 100, 100, false);
        let report = linter.lint_bytes("data/07.2025/orders/orders.json", &bytes);
        assert_eq!(report.objects, 100);
        assert_eq!(report.kind, Some(klar_lint::PayloadKind::Orders));
        assert_eq!(report.api_version, Some(klar_lint::ApiVersion::V07_2025));
        let found = above_info(&report);
        assert!(found.is_empty(), "file {file}: {found:#?}");
    }
}

#[test]
fn generated_json_lines_have_no_finding_above_info() {
    let linter = Linter::new(Config::default()).unwrap();
    let bytes = batch_bytes(1_000, 300, true);
    let report = linter.lint_lines("data/07.2025/orders/orders.jsonl", Cursor::new(bytes));
    assert_eq!(report.objects, 300);
    let found = above_info(&report);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_any_range_can_be_made_alone() {
    assert_eq!(batch_bytes(0, 50, false), batch_bytes(0, 50, false));
    let mut other = Vec::new();
    generate::write_orders(&mut other, SEED + 1, 0, 50, false).unwrap();
    assert_ne!(batch_bytes(0, 50, false), other);
    let all = generate::orders(SEED, 0, 20);
    assert_eq!(generate::orders(SEED, 12, 8), all[12..].to_vec());
    let text = String::from_utf8(batch_bytes(0, 3, true)).unwrap();
    assert_eq!(text.lines().count(), 3);
}

// ---- Our own arithmetic, from docs/klar-api.md §11 ----

fn d(v: &Value) -> Decimal {
    let n = v.as_number().unwrap_or_else(|| panic!("not a number: {v}"));
    n.as_str().parse().unwrap()
}

fn round(x: Decimal, e: u32) -> Decimal {
    x.round_dp_with_strategy(e, RoundingStrategy::MidpointAwayFromZero)
}

fn sum(items: &Value, key: &str) -> Decimal {
    items.as_array().unwrap().iter().map(|i| d(&i[key])).sum()
}

/// Checks a line that carries money (a plain line or a constituent) and returns
/// (quantity × GMV, before, after).
fn check_money_line(line: &Value, e: u32, at: &str) -> (Decimal, Decimal, Decimal) {
    for key in [
        "productName",
        "productId",
        "sku",
        "taxes",
        "discounts",
        "totalAmountBeforeTaxesAndDiscounts",
        "totalAmountAfterTaxesAndDiscounts",
    ] {
        assert!(line.get(key).is_some(), "{at}: no {key}");
    }
    let q = d(&line["quantity"]);
    let gmv = d(&line["productGmv"]);
    assert!(q > Decimal::ZERO && gmv >= Decimal::ZERO, "{at}");
    let discount = sum(&line["discounts"], "discountAmount");
    assert!(discount <= gmv, "{at}: discounts above the price");
    let taxes = line["taxes"].as_array().unwrap();
    assert_eq!(taxes.len(), 1, "{at}");
    let tax = &taxes[0];
    let r = d(&tax["taxRate"]);
    assert!(r >= Decimal::ZERO && r < Decimal::ONE, "{at}: rate {r}");
    assert!(tax["title"].is_string());
    let per_unit_tax = d(&tax["taxAmount"]);
    assert_eq!(
        per_unit_tax,
        round((gmv - discount) * r / (Decimal::ONE + r), e),
        "{at}: per-unit tax"
    );
    for discount in line["discounts"].as_array().unwrap() {
        assert!(discount["title"].is_string(), "{at}");
        assert!(d(&discount["discountAmount"]) >= Decimal::ZERO, "{at}");
    }
    let before = d(&line["totalAmountBeforeTaxesAndDiscounts"]);
    let after = d(&line["totalAmountAfterTaxesAndDiscounts"]);
    assert_eq!(before, round(q * gmv, e), "{at}: before");
    assert_eq!(
        after,
        round(q * (gmv - per_unit_tax - discount), e),
        "{at}: after"
    );
    assert!(after >= Decimal::ZERO, "{at}");
    assert!(before.scale() <= e && after.scale() <= e && per_unit_tax.scale() <= e);
    (q * gmv, before, after)
}

fn timestamp(v: &Value, at: &str) -> u64 {
    let t = v
        .as_u64()
        .unwrap_or_else(|| panic!("{at}: not integer seconds: {v}"));
    assert!(t > 1_000_000_000 && t < 100_000_000_000, "{at}: {t}");
    t
}

#[derive(Default)]
struct Mix {
    currencies: HashSet<String>,
    rates: HashSet<String>,
    bundles: usize,
    vouchers: usize,
    fractional: usize,
    free: usize,
    statuses: HashMap<String, usize>,
}

fn check_order(o: &Value, mix: &mut Mix) {
    let id = o["id"].as_str().unwrap();
    let at = format!("order {id}");
    for key in [
        "updatedAt",
        "financialStatus",
        "shipmentStatus",
        "shipping",
        "customer",
        "orderNumber",
    ] {
        assert!(o.get(key).is_some(), "{at}: no {key}");
    }
    assert!(o["customer"]["id"].is_string());
    let currency = o["currencyCodeIso3Letter"].as_str().unwrap();
    let e = klar_lint::iso::currency_exponent(currency)
        .unwrap_or_else(|| panic!("{at}: {currency} is not ISO 4217"));
    mix.currencies.insert(currency.to_owned());

    // Lines.
    let mut ids = HashSet::new();
    let mut units: HashMap<String, Decimal> = HashMap::new();
    for (i, line) in o["lineItems"].as_array().unwrap().iter().enumerate() {
        let at = format!("{at} line {i}");
        let line_id = line["id"].as_str().unwrap().to_owned();
        assert!(ids.insert(line_id.clone()), "{at}: line id repeated");
        units.insert(line_id, d(&line["quantity"]));
        if d(&line["productGmv"]).is_zero() {
            mix.free += 1;
        }
        if !d(&line["quantity"]).fract().is_zero() {
            mix.fractional += 1;
        }
        for discount in line["discounts"].as_array().unwrap() {
            mix.vouchers += usize::from(discount["isVoucher"] == true);
        }
        for tax in line["taxes"].as_array().unwrap() {
            mix.rates.insert(tax["taxRate"].to_string());
        }
        match line.get("bundledProducts") {
            None => {
                check_money_line(line, e, &at);
            }
            Some(parts) => {
                mix.bundles += 1;
                assert_eq!(line["taxes"], serde_json::json!([]), "{at}");
                assert_eq!(line["discounts"], serde_json::json!([]), "{at}");
                let (mut gross, mut before, mut after) =
                    (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
                let parts = parts.as_array().unwrap();
                assert!(parts.len() >= 2, "{at}: a bundle of one");
                for (j, part) in parts.iter().enumerate() {
                    let at = format!("{at} constituent {j}");
                    assert!(part.get("bundledProducts").is_none(), "{at}");
                    let part_id = part["id"].as_str().unwrap().to_owned();
                    assert!(ids.insert(part_id), "{at}: line id repeated");
                    let (g, b, a) = check_money_line(part, e, &at);
                    gross += g;
                    before += b;
                    after += a;
                }
                assert_eq!(
                    d(&line["productGmv"]) * d(&line["quantity"]),
                    gross,
                    "{at}: parent Q×GMV"
                );
                assert_eq!(
                    d(&line["totalAmountBeforeTaxesAndDiscounts"]),
                    before,
                    "{at}"
                );
                assert_eq!(d(&line["totalAmountAfterTaxesAndDiscounts"]), after, "{at}");
            }
        }
    }

    // Shipping.
    let s = &o["shipping"];
    assert_eq!(
        s["currencyCodeIso3Letter"], o["currencyCodeIso3Letter"],
        "{at}"
    );
    let alpha2 = s["countryCodeIso2Letter"].as_str().unwrap();
    let alpha3 = s["countryCodeIso3Letter"].as_str().unwrap();
    assert_eq!(klar_lint::iso::country_alpha3(alpha2), Some(alpha3), "{at}");
    let before = d(&s["shippingTotalAmountBeforeTaxAndDiscounts"]);
    let discount = sum(&s["discounts"], "discountAmount");
    let tax = sum(&s["taxes"], "taxAmount");
    if let Some(t) = s["taxes"].as_array().unwrap().first() {
        let r = d(&t["taxRate"]);
        assert_eq!(
            tax,
            round((before - discount) * r / (Decimal::ONE + r), e),
            "{at}: shipping tax"
        );
    }
    assert_eq!(
        d(&s["shippingTotalAmountAfterTaxAndDiscounts"]),
        before - tax - discount,
        "{at}: shipping after"
    );

    // Time.
    let created = timestamp(&o["createdAt"], &at);
    for key in ["updatedAt", "processedAt", "closedAt", "cancelledAt"] {
        if let Some(v) = o.get(key) {
            assert!(timestamp(v, &at) >= created, "{at}: {key} before createdAt");
        }
    }

    // Returns and statuses.
    let status = o["financialStatus"].as_str().unwrap();
    *mix.statuses.entry(status.to_owned()).or_default() += 1;
    let mut refunded: HashMap<String, Decimal> = HashMap::new();
    let mut refund_ids = HashSet::new();
    for r in o
        .get("refundedLineItems")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        assert!(refund_ids.insert(r["id"].as_str().unwrap().to_owned()));
        let line = r["lineItemId"].as_str().unwrap();
        assert!(
            units.contains_key(line),
            "{at}: refund of unknown line {line}"
        );
        *refunded.entry(line.to_owned()).or_default() += d(&r["refundedQuantity"]);
        assert!(timestamp(&r["createdAt"], &at) >= created);
        assert!(timestamp(&r["processedAt"], &at) >= timestamp(&r["createdAt"], &at));
    }
    for (line, q) in &refunded {
        assert!(
            *q > Decimal::ZERO && *q <= units[line],
            "{at}: over-refund of {line}"
        );
    }
    let every_unit = !refunded.is_empty()
        && units
            .iter()
            .all(|(line, q)| refunded.get(line).is_some_and(|r| r == q));
    match status {
        "refunded" => assert!(every_unit, "{at}: refunded without every unit back"),
        "partially_refunded" => assert!(
            !refunded.is_empty() && !every_unit,
            "{at}: partially refunded"
        ),
        _ => assert!(refunded.is_empty(), "{at}: refunds on a {status} order"),
    }
    assert_eq!(
        o.get("cancelledAt").is_some(),
        status == "voided",
        "{at}: cancelledAt and status"
    );
}

#[test]
fn generated_orders_follow_the_arithmetic_rules() {
    let orders = generate::orders(SEED, 0, 3_000);
    let mut ids = HashSet::new();
    let mut mix = Mix::default();
    for o in &orders {
        assert!(
            ids.insert(o["id"].as_str().unwrap().to_owned()),
            "order id repeated"
        );
        check_order(o, &mut mix);
    }
    // Realistic: a spread of markets, rates and cases, bundles in about one order in ten.
    assert!(mix.currencies.len() >= 6, "{:?}", mix.currencies);
    assert!(mix.currencies.contains("JPY"));
    assert!(mix.rates.len() >= 10, "{:?}", mix.rates);
    assert!(
        (200..=400).contains(&mix.bundles),
        "bundles: {}",
        mix.bundles
    );
    assert!(mix.vouchers > 300, "vouchers: {}", mix.vouchers);
    assert!(mix.fractional > 10 && mix.free > 10);
    for status in [
        "paid",
        "partially_refunded",
        "refunded",
        "voided",
        "pending",
    ] {
        assert!(
            mix.statuses.get(status).copied().unwrap_or(0) > 10,
            "{status}: {:?}",
            mix.statuses
        );
    }
}
