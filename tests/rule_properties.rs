//! One generated mutation of a valid order gives exactly the rule that names it, at the
//! mutated pointer.
//!
//! NEEDS THE SEMANTIC RULES MERGED: on a branch where the rules are placeholders these fail
//! (the rule finds nothing). Each mutation keeps the rest of the order consistent (totals
//! recomputed where the mutation is not about them), so no other rule should fire.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "properties/generator.rs"]
mod generator;

use std::collections::BTreeSet;

use generator::{batch_value, contained_tax, line_value, num, order_spec, print, round2};
use klar_lint::{ApiVersion, Config, Linter, PayloadKind, Severity};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Mutation {
    /// `closedAt: 0` (zero-date).
    ZeroDate,
    /// A line's per-unit `taxAmount` replaced by the line total, quantity ≥ 2 (per-unit-tax).
    LineTotalTax,
    /// `taxRate` written as a percent: 19 for 0.19 (tax-rate-range).
    PercentRate,
    /// A negative per-unit discount, with the line's totals worked out from it
    /// (negative-amount).
    NegativeDiscount,
    /// The second line repeats the first line's `id` (duplicate-line-item-id).
    DuplicateLineId,
    /// A refunded line naming a line item the order does not have (unknown-line-item).
    UnknownLineItem,
    /// Timestamps in milliseconds (timestamp-unit).
    Milliseconds,
}

const MUTATIONS: [Mutation; 7] = [
    Mutation::ZeroDate,
    Mutation::LineTotalTax,
    Mutation::PercentRate,
    Mutation::NegativeDiscount,
    Mutation::DuplicateLineId,
    Mutation::UnknownLineItem,
    Mutation::Milliseconds,
];

fn linter(version: ApiVersion) -> Linter {
    Linter::new(
        Config::default()
            .with_kind(PayloadKind::Orders)
            .with_api_version(version),
    )
    .unwrap()
}

/// Applies `m` to order `i` of a batch built from `specs`; returns the batch, the rule that must
/// fire and the pointer it must name.
fn mutate(
    mut specs: Vec<generator::OrderSpec>,
    i: usize,
    m: Mutation,
) -> (Value, &'static str, String) {
    let i = i % specs.len();
    // Preconditions: a taxed line of two or more units first, and a second line.
    let spec = &mut specs[i];
    spec.lines[0].quantity = spec.lines[0].quantity.max(2);
    spec.lines[0].rate = Some(4); // 0.19
    spec.lines[0].gmv_cents = spec.lines[0].gmv_cents.max(200);
    if spec.lines.len() < 2 {
        let copy = spec.lines[0].clone();
        spec.lines.push(copy);
    }
    let mut batch = batch_value(&specs);
    let order = &mut batch[i];
    let at = |rest: &str| format!("/{i}{rest}");
    match m {
        Mutation::ZeroDate => {
            order["closedAt"] = json!(0);
            (batch, "zero-date", at("/closedAt"))
        }
        Mutation::LineTotalTax => {
            let line = &mut order["lineItems"][0];
            let tax: Decimal = line["taxes"][0]["taxAmount"].to_string().parse().unwrap();
            let q = Decimal::from(line["quantity"].as_i64().unwrap());
            line["taxes"][0]["taxAmount"] = num(round2(tax * q));
            (batch, "per-unit-tax", at("/lineItems/0/taxes/0/taxAmount"))
        }
        Mutation::PercentRate => {
            order["lineItems"][0]["taxes"][0]["taxRate"] = json!(19);
            (batch, "tax-rate-range", at("/lineItems/0/taxes/0/taxRate"))
        }
        Mutation::NegativeDiscount => {
            let line = &order["lineItems"][0];
            let gmv: Decimal = line["productGmv"].to_string().parse().unwrap();
            let q = line["quantity"].as_i64().unwrap();
            let id = line["id"].as_str().unwrap().to_owned();
            let discount = -Decimal::new(50, 2);
            let r: Decimal = "0.19".parse().unwrap();
            let tax = contained_tax(gmv - discount, r);
            order["lineItems"][0] = line_value(&id, gmv, q, &[discount], &[(r, tax)]);
            (
                batch,
                "negative-amount",
                at("/lineItems/0/discounts/0/discountAmount"),
            )
        }
        Mutation::DuplicateLineId => {
            let first = order["lineItems"][0]["id"].clone();
            order["lineItems"][1]["id"] = first;
            (batch, "duplicate-line-item-id", at("/lineItems/1/id"))
        }
        Mutation::UnknownLineItem => {
            let created = order["createdAt"].as_i64().unwrap();
            order["financialStatus"] = json!("partially_refunded");
            order["refundedLineItems"] = json!([{
                "id": "R-1", "lineItemId": "no-such-line", "refundedQuantity": 1,
                "createdAt": created + 60, "processedAt": created + 60
            }]);
            (
                batch,
                "unknown-line-item",
                at("/refundedLineItems/0/lineItemId"),
            )
        }
        Mutation::Milliseconds => {
            for key in ["createdAt", "updatedAt"] {
                let s = order[key].as_i64().unwrap();
                order[key] = json!(s * 1000);
            }
            (batch, "timestamp-unit", at("/createdAt"))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn one_mutation_gives_exactly_its_rule_at_its_pointer(
        specs in prop::collection::vec(order_spec(), 1..4),
        i in any::<usize>(),
        which in 0..MUTATIONS.len(),
        pretty in any::<bool>(),
        legacy in any::<bool>(),
    ) {
        let (batch, rule, pointer) = mutate(specs, i, MUTATIONS[which]);
        let text = print(&batch, pretty);
        let version = if legacy { ApiVersion::V12_2022 } else { ApiVersion::V07_2025 };
        let report = linter(version).lint_str("orders.json", &text);
        let rules: BTreeSet<&str> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity > Severity::Info)
            .map(klar_lint::Diagnostic::rule)
            .collect();
        prop_assert_eq!(
            rules,
            BTreeSet::from([rule]),
            "{:#?}",
            report.diagnostics.iter().map(|d| (d.rule(), d.pointer.to_string(), &d.message)).collect::<Vec<_>>()
        );
        prop_assert!(
            report.diagnostics.iter().any(|d| d.rule() == rule && d.pointer.as_str() == pointer),
            "no {} at {}: {:?}", rule, pointer,
            report.diagnostics.iter().map(|d| (d.rule(), d.pointer.to_string())).collect::<Vec<_>>()
        );
    }
}

/// The harness itself, on the one rule finished on every branch (zero-date), and what each
/// mutation gives today apart from its own rule: nothing at error or warning severity.
#[test]
fn each_mutation_adds_no_other_finding_and_zero_date_is_found() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = prop::collection::vec(order_spec(), 1..4);
    for round in 0..8 {
        for m in MUTATIONS {
            let specs = proptest::strategy::ValueTree::current(
                &proptest::strategy::Strategy::new_tree(&strategy, &mut runner).unwrap(),
            );
            let (batch, rule, pointer) = mutate(specs, round, m);
            let report =
                linter(ApiVersion::V07_2025).lint_str("orders.json", &print(&batch, false));
            let others: Vec<_> = report
                .diagnostics
                .iter()
                .filter(|d| d.severity > Severity::Info && d.rule() != rule)
                .map(|d| (d.rule(), d.pointer.to_string(), d.message.clone()))
                .collect();
            assert!(others.is_empty(), "{m:?}: {others:#?}");
            if matches!(m, Mutation::ZeroDate) {
                assert!(report
                    .diagnostics
                    .iter()
                    .any(|d| d.rule() == rule && d.pointer.as_str() == pointer));
            }
        }
    }
}
