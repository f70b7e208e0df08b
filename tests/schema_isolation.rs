//! One type slip never hides, or invents, a finding elsewhere in the object (issue 12): every
//! rule runs on every object, a mistyped value reads as absent, and a rule that lacks an input
//! stays silent. Here a generated batch carrying real mistakes (a zero date, a line total sent
//! as a per-unit tax, a percent tax rate, an after-total off by one) gets one more mistake: one
//! field anywhere in it replaced by a value of the wrong type. Every finding not about that
//! field must stay exactly as it was.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "properties/generator.rs"]
mod generator;

use std::collections::BTreeSet;

use generator::{batch_spec, batch_value, pointers, print, round2};
use klar_lint::{
    ApiVersion, Config, Diagnostic, FileReport, Linter, PayloadKind, Pointer, Severity,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn linter() -> Linter {
    Linter::new(
        Config::default()
            .with_kind(PayloadKind::Orders)
            .with_api_version(ApiVersion::V07_2025),
    )
    .unwrap()
}

/// Mistakes the rules report, so that there is something to keep.
fn add_mistakes(batch: &mut Value) {
    let order = &mut batch[0];
    order["cancelledAt"] = json!(0);
    order["closedAt"] = json!(0);
    let line = &mut order["lineItems"][0];
    if let Some(tax) = line["taxes"].get_mut(0) {
        tax["taxRate"] = json!(19);
    }
    let after: Decimal = line["totalAmountAfterTaxesAndDiscounts"]
        .to_string()
        .parse()
        .unwrap();
    line["totalAmountAfterTaxesAndDiscounts"] = generator::num(round2(after + Decimal::ONE));
    if let Some(last) = batch.as_array_mut().unwrap().last_mut() {
        let line = &mut last["lineItems"][0];
        let q = line["quantity"].as_i64().unwrap();
        if let (Some(tax), true) = (line["taxes"].get_mut(0), q >= 2) {
            let per_unit: Decimal = tax["taxAmount"].to_string().parse().unwrap();
            tax["taxAmount"] = generator::num(round2(per_unit * Decimal::from(q)));
        }
    }
}

/// A value of another type than `value`'s, which the schema rejects.
fn mistyped(value: &Value) -> Value {
    match value {
        Value::Number(_) => json!("12.50"),
        Value::String(_) => json!(7),
        Value::Bool(_) => json!("yes"),
        Value::Array(_) | Value::Object(_) => json!("x"),
        Value::Null => json!(true),
    }
}

/// What a finding is "about": the broken field's line item (or bundle constituent, refunded
/// line, tax or discount entry's line, shipping), or the field itself for an order's own field.
fn scope(broken: &Pointer) -> String {
    let tokens: Vec<&str> = broken.as_str().split('/').skip(1).collect();
    let mut end = tokens.len();
    for (i, t) in tokens.iter().enumerate() {
        if matches!(
            *t,
            "lineItems" | "bundledProducts" | "refundedLineItems" | "shipping"
        ) {
            // The container's element (or shipping itself), the deepest one wins.
            end = if *t == "shipping" { i + 1 } else { i + 2 };
        }
    }
    let end = end.min(tokens.len());
    format!("/{}", tokens[..end].join("/"))
}

fn within(pointer: &str, scope: &str) -> bool {
    pointer == scope || pointer.starts_with(&format!("{scope}/"))
}

/// Whether a finding may change when `broken` is mistyped: it sits in the broken field's
/// scope, points there with a label, or is a finding on an enclosing object that names the
/// field (a list of missing fields, say).
fn related(d: &Diagnostic, broken: &Pointer) -> bool {
    let scope = scope(broken);
    let key = broken.as_str().rsplit('/').next().unwrap_or_default();
    let scope_key = scope.rsplit('/').next().unwrap_or_default();
    within(d.pointer.as_str(), &scope)
        || d.labels.iter().any(|l| within(l.pointer.as_str(), &scope))
        || (within(&scope, d.pointer.as_str())
            && (d.message.contains(&format!("`{key}`"))
                || d.message.contains(&format!("`{scope_key}`"))))
}

fn findings(report: &FileReport, broken: &Pointer) -> BTreeSet<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| !matches!(d.rule(), "schema" | "unknown-field"))
        .filter(|d| !related(d, broken))
        .map(|d| {
            format!(
                "{} {} {:?}: {} / {}",
                d.rule(),
                d.pointer.as_str(),
                d.severity,
                d.message,
                d.help.as_deref().unwrap_or_default()
            )
        })
        .collect()
}

fn set(value: &mut Value, at: &Pointer, new: Value) {
    if let Some(slot) = value.pointer_mut(at.as_str()) {
        *slot = new;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_mistyped_field_changes_no_finding_about_the_other_fields(
        specs in batch_spec(),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut batch = batch_value(&specs);
        add_mistakes(&mut batch);
        let linter = linter();
        let before = linter.lint_str("orders.json", &print(&batch, true));
        let leaves = pointers(&batch);
        let broken = pick.get(&leaves).clone();
        let original = batch.pointer(broken.as_str()).unwrap().clone();
        set(&mut batch, &broken, mistyped(&original));
        let after = linter.lint_str("orders.json", &print(&batch, true));
        prop_assert!(
            after.diagnostics.iter().any(|d| d.rule() == "schema"),
            "no schema finding for {}", broken.as_str()
        );
        let kept = findings(&before, &broken);
        let now = findings(&after, &broken);
        prop_assert_eq!(
            &kept, &now,
            "breaking {} ({} -> {}) changed findings about other fields",
            broken.as_str(), original, mistyped(&original)
        );
    }
}

/// The mistakes this test plants are found on a well-typed batch, so the property above has
/// findings to keep.
#[test]
fn the_planted_mistakes_are_found() {
    let specs = vec![generator::OrderSpec {
        lines: vec![generator::LineSpec {
            gmv_cents: 1999,
            quantity: 3,
            discount_percents: vec![],
            rate: Some(4),
        }],
        currency: 0,
        created_at: 1_700_000_000,
        updated_after: 60,
        shipping_cents: 499,
        shipping_rate: 4,
    }];
    let mut batch = batch_value(&specs);
    add_mistakes(&mut batch);
    let report = linter().lint_str("orders.json", &print(&batch, true));
    let rules: BTreeSet<&str> = report.diagnostics.iter().map(Diagnostic::rule).collect();
    for rule in ["zero-date", "tax-rate-range"] {
        assert!(rules.contains(rule), "{rule} missing: {rules:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// On a clean batch, a type slip is the schema's finding and nobody else's: no rule works
    /// a checksum out from a list of taxes that is a string, or a total from a quoted price.
    #[test]
    fn a_type_slip_in_a_clean_batch_is_the_only_finding(
        specs in batch_spec(),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut batch = batch_value(&specs);
        let linter = linter();
        let clean = linter.lint_str("orders.json", &print(&batch, true));
        prop_assume!(clean.diagnostics.is_empty());
        let leaves = pointers(&batch);
        let broken = pick.get(&leaves).clone();
        let original = batch.pointer(broken.as_str()).unwrap().clone();
        set(&mut batch, &broken, mistyped(&original));
        let after = linter.lint_str("orders.json", &print(&batch, true));
        let others: Vec<String> = after
            .diagnostics
            .iter()
            .filter(|d| !matches!(d.rule(), "schema" | "unknown-field"))
            // A mistyped identifier reads as absent, and an info may say it is missing.
            .filter(|d| d.severity != Severity::Info)
            .map(|d| format!("{} {}: {}", d.rule(), d.pointer.as_str(), d.message))
            .collect();
        prop_assert!(
            others.is_empty(),
            "breaking {} ({} -> {}) made rules guess: {:#?}",
            broken.as_str(), original, mistyped(&original), others
        );
    }
}
