//! The fixes rules offer, checked at the level of their changes (`klar_lint::fix::Change`,
//! by pointer): a small applier below edits the parsed payload, the result is serialised and
//! linted again, and the fixed finding must be gone with no new finding in its place. The byte
//! engine that turns changes into edits on the original text is tested on its own.
//!
//! Every fixable rule's invalid fixtures are fixed this way, finding by finding and all at
//! once; hand-written cases pin the fixes' values and the cases that get no fix. Each
//! applicability must be the one the code's page states under `## Fix`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use klar_lint::fix::{Applicability, Change, Fix};
use klar_lint::{ApiVersion, Config, Diagnostic, Linter, PayloadKind, Pointer};
use serde_json::Value;

/// The codes that offer fixes, and whether their fixes are safe.
const FIXABLE: &[(&str, Applicability)] = &[
    ("body-shape", Applicability::Safe),
    ("bundle-parent-mismatch", Applicability::Unsafe),
    ("deprecated-field", Applicability::Safe),
    ("line-checksum", Applicability::Unsafe),
    ("per-unit-discount", Applicability::Unsafe),
    ("per-unit-tax", Applicability::Unsafe),
    ("schema", Applicability::Safe),
    ("shipping-checksum", Applicability::Unsafe),
    ("tax-rate-range", Applicability::Safe),
    ("timestamp-unit", Applicability::Safe),
    ("zero-date", Applicability::Safe),
];

/// A finding a fix may uncover rather than cause: `zero-date` removes a recommended timestamp
/// of 0 (a refund's `updatedAt`), after which `missing-recommended-field` asks for the real
/// time, as its page says.
fn uncovered(rule: &str) -> bool {
    rule == "missing-recommended-field"
}

// ---- a test-only applier of changes on a parsed payload ------------------------------------

/// The value at `at`, mutably.
fn at_mut<'v>(root: &'v mut Value, at: &Pointer) -> &'v mut Value {
    root.pointer_mut(at.as_str())
        .unwrap_or_else(|| panic!("no value at `{at}`"))
}

/// Parses JSON text a fix writes (numbers keep their digits: `arbitrary_precision`).
fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("a fix wrote invalid JSON {json:?}: {e}"))
}

/// Applies one change.
fn apply(root: &mut Value, change: &Change) {
    match change {
        Change::Replace { at, json } => *at_mut(root, at) = parse(json),
        Change::Remove { at } => {
            let parent = at.parent().expect("not the root");
            let last = at.last().expect("a last token").into_owned();
            match at_mut(root, &parent) {
                Value::Object(map) => {
                    map.remove(&last).expect("the member exists");
                }
                Value::Array(items) => {
                    items.remove(last.parse::<usize>().expect("an index"));
                }
                _ => panic!("`{at}` is not in a container"),
            }
        }
        Change::RenameKey { at, key } => {
            let parent = at.parent().expect("not the root");
            let last = at.last().expect("a last token").into_owned();
            let Value::Object(map) = at_mut(root, &parent) else {
                panic!("`{at}` is not a member");
            };
            assert!(
                !map.contains_key(key),
                "renaming `{at}` to an existing key `{key}`"
            );
            let value = map.remove(&last).expect("the member exists");
            map.insert(key.clone(), value);
        }
        Change::Wrap { at, before, after } => {
            let value = at_mut(root, at);
            let text = format!("{before}{}{after}", serde_json::to_string(value).unwrap());
            *value = parse(&text);
        }
        Change::Unwrap { at, within } => {
            assert!(at.starts_with(within), "`{at}` is not inside `{within}`");
            let kept = at_mut(root, at).take();
            *at_mut(root, within) = kept;
        }
    }
}

/// Applies a fix's changes: values first, then renames (which change the pointers of what
/// they rename), as the byte engine applies them all to the original text.
fn apply_fix(root: &mut Value, fix: &Fix) {
    let (renames, others): (Vec<&Change>, Vec<&Change>) = fix
        .changes
        .iter()
        .partition(|c| matches!(c, Change::RenameKey { .. }));
    for change in others.into_iter().chain(renames) {
        apply(root, change);
    }
}

// ---- linting ------------------------------------------------------------------------------

fn linter(version: ApiVersion, kind: PayloadKind) -> Linter {
    Linter::new(Config::default().with_kind(kind).with_api_version(version)).unwrap()
}

fn lint(version: ApiVersion, kind: PayloadKind, text: &str) -> Vec<Diagnostic> {
    linter(version, kind).lint_str("t.json", text).diagnostics
}

/// (code, pointer) of each finding.
fn keys(found: &[Diagnostic]) -> BTreeSet<(String, String)> {
    found
        .iter()
        .map(|d| (d.rule().to_owned(), d.pointer.to_string()))
        .collect()
}

fn show(found: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in found {
        let _ = writeln!(out, "  {} at {}: {}", d.rule(), d.pointer, d.message);
    }
    out
}

/// The applicability a code's page states under `## Fix` (its first word: Safe, Unsafe,
/// None).
fn documented(code: &str) -> Option<Applicability> {
    let meta = klar_lint::rules::find(code).unwrap_or_else(|| panic!("no code `{code}`"));
    let (_, section) = meta
        .docs
        .split_once("## Fix\n")
        .unwrap_or_else(|| panic!("`{code}`'s page has no `## Fix`"));
    let first = section.split_whitespace().next().unwrap_or_default();
    match first.trim_end_matches([':', '.', ',']) {
        "Safe" => Some(Applicability::Safe),
        "Unsafe" => Some(Applicability::Unsafe),
        "None" => None,
        other => panic!("`{code}`'s `## Fix` starts with {other:?}, not Safe, Unsafe or None"),
    }
}

/// The outcome of fixing a payload.
struct Fixed {
    before: Vec<Diagnostic>,
    after: Vec<Diagnostic>,
    text: String,
}

/// Lints `text`, applies the fixes of the findings `pick` selects, lints the result.
fn fix_with(
    version: ApiVersion,
    kind: PayloadKind,
    text: &str,
    pick: impl Fn(&Diagnostic) -> bool,
) -> Fixed {
    let before = lint(version, kind, text);
    let mut value: Value = serde_json::from_str(text).unwrap();
    for d in before.iter().filter(|d| pick(d)) {
        if let Some(fix) = &d.fix {
            apply_fix(&mut value, fix);
        }
    }
    let text = serde_json::to_string_pretty(&value).unwrap();
    let after = lint(version, kind, &text);
    Fixed {
        before,
        after,
        text,
    }
}

/// Fixes every finding of `code` in `text` that has a fix, and checks the result: each fixed
/// finding is gone, the findings of `code` without a fix remain, nothing new appeared, and
/// each fix has the page's applicability. Returns how many fixes were applied.
fn check_fixes(
    version: ApiVersion,
    kind: PayloadKind,
    text: &str,
    code: &str,
    name: &str,
) -> usize {
    let page = documented(code);
    let fixed = fix_with(version, kind, text, |d| d.rule() == code);
    let mut applied = 0;
    for d in fixed.before.iter().filter(|d| d.rule() == code) {
        if let Some(fix) = &d.fix {
            applied += 1;
            assert_eq!(
                Some(fix.applicability),
                page,
                "{name}: `{code}` at {} offers a {:?} fix; its page says {page:?}",
                d.pointer,
                fix.applicability
            );
            assert!(fix.edits.is_empty() || !fix.changes.is_empty());
            assert!(!fix.title.is_empty() && fix.title.starts_with(char::is_lowercase));
        }
    }
    let before = keys(&fixed.before);
    let after = keys(&fixed.after);
    let unfixed: BTreeSet<(String, String)> = fixed
        .before
        .iter()
        .filter(|d| d.rule() == code && d.fix.is_none())
        .map(|d| (d.rule().to_owned(), d.pointer.to_string()))
        .collect();
    let left: BTreeSet<_> = after.iter().filter(|(c, _)| c == code).cloned().collect();
    assert!(
        left.is_subset(&unfixed),
        "{name}: `{code}` still fires after its fixes:\n{}\nfixed text:\n{}",
        show(&fixed.after),
        fixed.text
    );
    let new: Vec<_> = after
        .difference(&before)
        .filter(|(rule, _)| !(code == "zero-date" && uncovered(rule)))
        .collect();
    assert!(
        new.is_empty(),
        "{name}: fixing `{code}` brought new findings {new:?}:\nbefore:\n{}after:\n{}fixed text:\n{}",
        show(&fixed.before),
        show(&fixed.after),
        fixed.text
    );
    applied
}

/// Fixes each finding of `code` alone and checks it as [`check_fixes`] does for one.
fn check_each_fix(version: ApiVersion, kind: PayloadKind, text: &str, code: &str, name: &str) {
    let before = lint(version, kind, text);
    for d in &before {
        if d.rule() != code || d.fix.is_none() {
            continue;
        }
        // `fix_with` lints again: the same finding is the one with its code, pointer, message.
        let fixed = fix_with(version, kind, text, |other| {
            other.rule() == d.rule() && other.pointer == d.pointer && other.message == d.message
        });
        let target = (d.rule().to_owned(), d.pointer.to_string());
        assert!(
            !keys(&fixed.after).contains(&target),
            "{name}: `{code}` at {} still fires after its own fix:\n{}fixed text:\n{}",
            d.pointer,
            show(&fixed.after),
            fixed.text
        );
        let new: Vec<_> = keys(&fixed.after)
            .difference(&keys(&fixed.before))
            .filter(|(rule, _)| !(code == "zero-date" && uncovered(rule)))
            .cloned()
            .collect();
        assert!(
            new.is_empty(),
            "{name}: the fix of `{code}` at {} brought new findings {new:?}\nfixed text:\n{}",
            d.pointer,
            fixed.text
        );
    }
}

// ---- the fixtures -------------------------------------------------------------------------

fn fixtures(rule: &str) -> Vec<(PathBuf, ApiVersion, PayloadKind)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rule);
    let mut found = Vec::new();
    let Ok(versions) = std::fs::read_dir(&root) else {
        return found;
    };
    for version in versions {
        let version = version.unwrap().path();
        for kind in std::fs::read_dir(&version).unwrap() {
            let kind = kind.unwrap().path();
            for file in std::fs::read_dir(&kind).unwrap() {
                let file = file.unwrap().path();
                let name = file.file_name().unwrap().to_str().unwrap().to_owned();
                if name.starts_with("invalid")
                    && file
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                {
                    found.push((
                        file,
                        version
                            .file_name()
                            .unwrap()
                            .to_str()
                            .unwrap()
                            .parse()
                            .unwrap(),
                        kind.file_name().unwrap().to_str().unwrap().parse().unwrap(),
                    ));
                }
            }
        }
    }
    found.sort();
    found
}

#[test]
fn every_code_says_whether_it_has_a_fix() {
    for meta in klar_lint::rules::all_metas() {
        let page = documented(meta.name);
        let listed = FIXABLE
            .iter()
            .find(|(c, _)| *c == meta.name)
            .map(|(_, a)| *a);
        assert_eq!(page, listed, "`{}`: page and FIXABLE disagree", meta.name);
    }
}

#[test]
fn fixture_findings_are_fixed() {
    for &(code, _) in FIXABLE {
        let mut applied = 0;
        for (path, version, kind) in fixtures(code) {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.display().to_string();
            applied += check_fixes(version, kind, &text, code, &name);
            check_each_fix(version, kind, &text, code, &name);
        }
        if !matches!(code, "schema" | "body-shape") {
            assert!(applied > 0, "no fixture of `{code}` has a fix");
        }
    }
}

// ---- hand-written cases: the values written, and the cases that get no fix ----------------

/// A fix's applicability and its changes as text.
type Offered = (Applicability, Vec<String>);

/// The findings of `code` in `text`, as (pointer, the fix's changes as text, applicability).
fn offered(
    version: ApiVersion,
    kind: PayloadKind,
    text: &str,
    code: &str,
) -> Vec<(String, Option<Offered>)> {
    lint(version, kind, text)
        .into_iter()
        .filter(|d| d.rule() == code)
        .map(|d| {
            let fix = d.fix.map(|f| {
                let changes = f.changes.iter().map(describe).collect();
                (f.applicability, changes)
            });
            (d.pointer.to_string(), fix)
        })
        .collect()
}

/// A change as `replace /0/createdAt 1678376546`.
fn describe(change: &Change) -> String {
    match change {
        Change::Replace { at, json } => format!("replace {at} {json}"),
        Change::Remove { at } => format!("remove {at}"),
        Change::RenameKey { at, key } => format!("rename {at} {key}"),
        Change::Wrap { at, before, after } => format!("wrap {at} {before}…{after}"),
        Change::Unwrap { at, within } => format!("unwrap {at} within {within}"),
    }
}

/// The changes of the one finding of `code` in `text`, checked as the fixtures are; `None`
/// when it has no fix.
fn one_fix(version: ApiVersion, kind: PayloadKind, text: &str, code: &str) -> Option<Vec<String>> {
    check_fixes(version, kind, text, code, text);
    let found = offered(version, kind, text, code);
    assert_eq!(found.len(), 1, "one `{code}` finding expected: {found:?}");
    found
        .into_iter()
        .next()
        .and_then(|(_, fix)| fix.map(|(_, c)| c))
}

const V7: ApiVersion = ApiVersion::V07_2025;
const V12: ApiVersion = ApiVersion::V12_2022;
const ORDERS: PayloadKind = PayloadKind::Orders;

fn order_with(fields: &str) -> String {
    format!(
        r#"[{{"id": "1", "orderNumber": "N-1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "financialStatus": "paid", "lineItems": [], {fields}}}]"#
    )
}

#[test]
fn timestamps_in_finer_units_become_seconds_when_exact() {
    let fix = |t: &str| {
        one_fix(
            V7,
            ORDERS,
            &order_with(&format!(r#""updatedAt": {t}"#)),
            "timestamp-unit",
        )
    };
    assert_eq!(
        fix("1678376546000"),
        Some(vec!["replace /0/updatedAt 1678376546".to_owned()])
    );
    assert_eq!(
        fix("1678376546000000"),
        Some(vec!["replace /0/updatedAt 1678376546".to_owned()])
    );
    assert_eq!(
        fix("1678376546000.0"),
        Some(vec!["replace /0/updatedAt 1678376546".to_owned()])
    );
    // A remainder: which second was meant is a guess.
    assert_eq!(fix("1678376546123"), None);
    assert_eq!(fix("1678376546000001"), None);
    assert_eq!(fix("-5"), None);
    assert_eq!(fix("1678376546.5"), None);
    // Exact, but the seconds would come before the order was placed: maybe not milliseconds.
    assert_eq!(fix("1678376545000"), None);
    // A `createdAt` in milliseconds is fixed only when it stays before what follows it.
    let created = |updated: &str| {
        let text = format!(
            r#"[{{"id": "1", "orderNumber": "N-1", "createdAt": 1678376546000, "updatedAt": {updated}, "currencyCodeIso3Letter": "EUR", "financialStatus": "paid", "lineItems": []}}]"#
        );
        one_fix(V7, ORDERS, &text, "timestamp-unit")
    };
    assert_eq!(
        created("1678376546"),
        Some(vec!["replace /0/createdAt 1678376546".to_owned()])
    );
    assert_eq!(created("1678376545"), None);
    let refund = |created: &str, updated: &str| {
        let text = format!(
            r#"[{{"id": "R1", "createdAt": {created}, "updatedAt": {updated}, "lineItems": [{{"id": "RF1", "lineItemId": "a", "refundedQuantity": 1, "createdAt": 1678376546}}]}}]"#
        );
        one_fix(V7, PayloadKind::Refunds, &text, "timestamp-unit")
    };
    assert_eq!(
        refund("1678376546", "1678376600000"),
        Some(vec!["replace /0/updatedAt 1678376600".to_owned()])
    );
    assert_eq!(refund("1678376546", "1678376500000"), None);
    assert_eq!(refund("1678376600000", "1678376546"), None);
}

fn refund_line(fields: &str) -> String {
    format!(
        r#"[{{"id": "R1", "createdAt": 1678376546, "lineItems": [{{"id": "RF1", "lineItemId": "a", "createdAt": 1678376546, {fields}}}]}}]"#
    )
}

#[test]
fn refund_quantity_is_renamed_when_the_new_field_is_absent() {
    let refunds = PayloadKind::Refunds;
    for version in [V7, V12] {
        let fix =
            |fields: &str| one_fix(version, refunds, &refund_line(fields), "deprecated-field");
        assert_eq!(
            fix(r#""refundQuantity": "2""#),
            Some(vec![
                "replace /0/lineItems/0/refundQuantity 2".to_owned(),
                "rename /0/lineItems/0/refundQuantity refundedQuantity".to_owned()
            ])
        );
        assert_eq!(
            fix(r#""refundQuantity": "1.5""#).map(|c| c[0].clone()),
            Some("replace /0/lineItems/0/refundQuantity 1.5".to_owned())
        );
        // Both present: they may disagree, no fix.
        assert_eq!(fix(r#""refundedQuantity": 2, "refundQuantity": "2""#), None);
        assert_eq!(
            fix(r#""refundedQuantity": null, "refundQuantity": "2""#),
            None
        );
        // Not a plain positive decimal: no fix.
        assert_eq!(fix(r#""refundQuantity": "2 pcs""#), None);
        assert_eq!(fix(r#""refundQuantity": "2,5""#), None);
        assert_eq!(fix(r#""refundQuantity": "0""#), None);
    }
}

#[test]
fn a_deprecated_target_is_removed() {
    let text = r#"[{"id": "1", "orderNumber": "N-1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "financialStatus": "paid", "lineItems": [
        {"id": "a", "quantity": 1, "productGmv": 10.00, "taxes": [], "discounts": [{"title": "d", "discountAmount": 1.00, "target": "line"}],
         "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 9.00}]}]"#;
    assert_eq!(
        one_fix(V12, ORDERS, text, "deprecated-field"),
        Some(vec!["remove /0/lineItems/0/discounts/0/target".to_owned()])
    );
}

fn one_line(currency: &str, line: &str) -> String {
    format!(
        r#"[{{"id": "1", "orderNumber": "N-1", "createdAt": 1678376546, "currencyCodeIso3Letter": "{currency}", "financialStatus": "paid", "lineItems": [{line}]}}]"#
    )
}

fn line(
    q: &str,
    gmv: &str,
    rate: &str,
    tax: &str,
    discount: &str,
    before: &str,
    after: &str,
) -> String {
    let discounts = if discount.is_empty() {
        String::new()
    } else {
        format!(r#"{{"title": "d", "discountAmount": {discount}}}"#)
    };
    format!(
        r#"{{"id": "a", "productName": "p", "quantity": {q}, "productGmv": {gmv}, "taxes": [{{"title": "t", "taxRate": {rate}, "taxAmount": {tax}}}],
          "discounts": [{discounts}], "totalAmountBeforeTaxesAndDiscounts": {before}, "totalAmountAfterTaxesAndDiscounts": {after}}}"#
    )
}

#[test]
fn a_percent_rate_becomes_a_fraction_when_the_amount_agrees() {
    let fix = |rate: &str, tax: &str, after: &str| {
        let text = one_line("EUR", &line("1", "129.95", rate, tax, "", "129.95", after));
        one_fix(V12, ORDERS, &text, "tax-rate-range")
    };
    let at = "/0/lineItems/0/taxes/0/taxRate";
    assert_eq!(
        fix("19", "20.75", "109.20"),
        Some(vec![format!("replace {at} 0.19")])
    );
    assert_eq!(
        fix("7.7", "9.29", "120.66"),
        Some(vec![format!("replace {at} 0.077")])
    );
    // The amount does not agree with 0.19: which number is wrong is not known.
    assert_eq!(fix("19", "12.00", "117.95"), None);
    assert_eq!(fix("1900", "20.75", "109.20"), None);
}

/// The `schema` finding at `pointer` and its changes.
fn schema_fix(
    version: ApiVersion,
    kind: PayloadKind,
    text: &str,
    pointer: &str,
) -> Option<Vec<String>> {
    check_fixes(version, kind, text, "schema", text);
    let found = offered(version, kind, text, "schema");
    let (_, fix) = found
        .into_iter()
        .find(|(p, _)| p == pointer)
        .unwrap_or_else(|| panic!("no `schema` finding at {pointer}"));
    fix.map(|(applicability, changes)| {
        assert_eq!(applicability, Applicability::Safe);
        changes
    })
}

#[test]
fn ids_sent_as_numbers_are_quoted_as_written() {
    let text = r#"[{"id": 100123815, "orderNumber": 4711, "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "financialStatus": "paid", "lineItems": [
        {"id": 20001236601, "productName": "p", "sku": 12345678901234567890123, "quantity": 1, "productGmv": 10.00, "taxes": [], "discounts": [],
         "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 10.00}]}]"#;
    for (pointer, json) in [
        ("/0/id", "\"100123815\""),
        ("/0/orderNumber", "\"4711\""),
        ("/0/lineItems/0/id", "\"20001236601\""),
        // Beyond u64 and f64: the literal's digits, exactly.
        ("/0/lineItems/0/sku", "\"12345678901234567890123\""),
    ] {
        assert_eq!(
            schema_fix(V7, ORDERS, text, pointer),
            Some(vec![format!("replace {pointer} {json}")])
        );
    }
    let costs = r#"{"items": [{"orderId": 100123815, "lineItemId": 7.50, "productCogs": 1.5}]}"#;
    assert_eq!(
        schema_fix(V7, PayloadKind::Cogs, costs, "/items/0/orderId"),
        Some(vec!["replace /items/0/orderId \"100123815\"".to_owned()])
    );
    assert_eq!(
        schema_fix(V7, PayloadKind::Cogs, costs, "/items/0/lineItemId"),
        Some(vec!["replace /items/0/lineItemId \"7.50\"".to_owned()])
    );
}

#[test]
fn codes_and_statuses_sent_as_numbers_get_no_fix() {
    let text = r#"[{"id": "1", "orderNumber": "N-1", "createdAt": 1678376546, "currencyCodeIso3Letter": 978, "financialStatus": 1, "lineItems": []}]"#;
    assert_eq!(
        schema_fix(V7, ORDERS, text, "/0/currencyCodeIso3Letter"),
        None
    );
    assert_eq!(schema_fix(V7, ORDERS, text, "/0/financialStatus"), None);
}

#[test]
fn amounts_sent_as_plain_decimal_strings_become_numbers() {
    let text = |gmv: &str| {
        one_line(
            "EUR",
            &format!(
                r#"{{"id": "a", "productName": "p", "quantity": 1, "productGmv": {gmv}, "taxes": [], "discounts": [],
                  "totalAmountBeforeTaxesAndDiscounts": 12.50, "totalAmountAfterTaxesAndDiscounts": 12.50}}"#
            ),
        )
    };
    let at = "/0/lineItems/0/productGmv";
    assert_eq!(
        schema_fix(V12, ORDERS, &text(r#""12.50""#), at),
        Some(vec![format!("replace {at} 12.50")])
    );
    assert_eq!(
        schema_fix(V12, ORDERS, &text(r#""12.500""#), at),
        Some(vec![format!("replace {at} 12.500")])
    );
    for not_plain in [
        r#""12,50""#,
        r#""1.25e1""#,
        r#""€12.50""#,
        r#"" 12.50""#,
        r#""12.50 EUR""#,
        r#""012.50""#,
        r#"".5""#,
        r#""""#,
    ] {
        assert_eq!(
            schema_fix(V12, ORDERS, &text(not_plain), at),
            None,
            "{not_plain}"
        );
    }
}

#[test]
fn envelopes_are_wrapped_and_unwrapped() {
    let order = r#"{"id": "1", "orderNumber": "N-1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "financialStatus": "paid", "lineItems": []}"#;
    let cogs = r#"{"orderId": "1", "lineItemId": "a", "productCogs": 1.5}"#;
    let refund = r#"{"id": "R1", "createdAt": 1678376546, "lineItems": [{"id": "RF1", "lineItemId": "a", "refundedQuantity": 1, "createdAt": 1678376546}]}"#;
    let cases: Vec<(PayloadKind, String, Option<&str>)> = vec![
        (
            PayloadKind::Cogs,
            format!("[{cogs}]"),
            Some(r#"wrap  {"items": …}"#),
        ),
        (
            PayloadKind::Cogs,
            format!(r#"{{"items": {cogs}}}"#),
            Some("wrap /items […]"),
        ),
        (
            PayloadKind::Cogs,
            cogs.to_owned(),
            Some(r#"wrap  {"items": […]}"#),
        ),
        (
            PayloadKind::LogisticsCosts,
            r#"[{"orderId": "1", "totalLogisticsCosts": 4.5}]"#.to_owned(),
            Some(r#"wrap  {"items": …}"#),
        ),
        (
            ORDERS,
            format!(r#"{{"orders": [{order}]}}"#),
            Some("unwrap /orders within "),
        ),
        (
            ORDERS,
            format!(r#"{{"items": [{order}], "count": 1}}"#),
            Some("unwrap /items within "),
        ),
        (ORDERS, order.to_owned(), Some("wrap  […]")),
        (
            PayloadKind::Refunds,
            format!(r#"{{"refunds": [{refund}]}}"#),
            Some("unwrap /refunds within "),
        ),
        (PayloadKind::Refunds, refund.to_owned(), Some("wrap  […]")),
        (ORDERS, r#""orders""#.to_owned(), None),
    ];
    for (kind, text, expected) in cases {
        let before = lint(V7, kind, &text);
        let found = offered(V7, kind, &text, "body-shape");
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        let fix = found[0].1.clone();
        assert_eq!(
            fix.as_ref().map(|(_, c)| c.join("; ")),
            expected.map(str::to_owned),
            "{text}"
        );
        let Some((applicability, _)) = fix else {
            continue;
        };
        assert_eq!(Some(applicability), documented("body-shape"));
        // The pointers move with the envelope: compare what is found, not where.
        let fixed = fix_with(V7, kind, &text, |d| d.rule() == "body-shape");
        let codes = |found: &[Diagnostic]| -> Vec<String> {
            let mut codes: Vec<String> = found
                .iter()
                .map(|d| d.rule().to_owned())
                .filter(|c| c != "body-shape" && c != "unknown-field")
                .collect();
            codes.sort();
            codes
        };
        assert!(
            !fixed.after.iter().any(|d| d.rule() == "body-shape"),
            "{text}: still `body-shape` after the fix:\n{}{}",
            show(&fixed.after),
            fixed.text
        );
        assert_eq!(
            codes(&fixed.after),
            codes(&before),
            "{text} → {}",
            fixed.text
        );
    }
}

/// The changes of the one finding of `code` on a one-line order, which must be unsafe.
fn money_fix(
    version: ApiVersion,
    currency: &str,
    line_json: &str,
    code: &str,
) -> Option<Vec<String>> {
    let text = one_line(currency, line_json);
    check_fixes(version, ORDERS, &text, code, &text);
    let found = offered(version, ORDERS, &text, code);
    assert_eq!(found.len(), 1, "one `{code}` finding expected: {found:?}");
    found.into_iter().next().and_then(|(_, fix)| {
        fix.map(|(applicability, changes)| {
            assert_eq!(applicability, Applicability::Unsafe);
            changes
        })
    })
}

#[test]
fn a_line_total_tax_is_divided_by_the_quantity() {
    let tax = "/0/lineItems/0/taxes/0/taxAmount";
    let after = "/0/lineItems/0/totalAmountAfterTaxesAndDiscounts";
    // The after-total already adds up with 3.19 per unit: only the tax changes.
    assert_eq!(
        money_fix(
            V7,
            "EUR",
            &line("3", "19.99", "0.19", "9.57", "", "59.97", "50.40"),
            "per-unit-tax"
        ),
        Some(vec![format!("replace {tax} 3.19")])
    );
    // An after-total that adds up with neither reading is recomputed from the new tax.
    assert_eq!(
        money_fix(
            V7,
            "EUR",
            &line("3", "19.99", "0.19", "9.57", "", "59.97", "50.00"),
            "per-unit-tax"
        ),
        Some(vec![
            format!("replace {tax} 3.19"),
            format!("replace {after} 50.40")
        ])
    );
    // 2.98 / 3 = 0.9933…: rounded to the minor unit; 3 × 0.99 is within the allowance of
    // the after-total sent, which stays.
    assert_eq!(
        money_fix(
            V7,
            "EUR",
            &line("3", "10.00", "0.11", "2.98", "", "30.00", "27.02"),
            "per-unit-tax"
        ),
        Some(vec![format!("replace {tax} 0.99")])
    );
    // Yen have no minor unit: 240 / 3 = 80.
    assert_eq!(
        money_fix(
            V12,
            "JPY",
            &line("3", "1080", "0.08", "240", "", "3240", "3000"),
            "per-unit-tax"
        ),
        Some(vec![format!("replace {tax} 80")])
    );
    // More than the price of the one unit there is: the right tax is not in the payload.
    assert_eq!(
        money_fix(
            V7,
            "EUR",
            &line("1", "19.99", "0.19", "25.00", "", "19.99", "0"),
            "per-unit-tax"
        ),
        None
    );
}

#[test]
fn a_line_total_discount_is_divided_by_the_quantity() {
    let disc = "/0/lineItems/0/discounts/0/discountAmount";
    let after = "/0/lineItems/0/totalAmountAfterTaxesAndDiscounts";
    assert_eq!(
        money_fix(
            V12,
            "GBP",
            &line("4", "25.00", "0.20", "3.75", "10.00", "100.00", "75.00"),
            "per-unit-discount"
        ),
        Some(vec![format!("replace {disc} 2.50")])
    );
    // Magebit's zero-price item: the discount is price × quantity.
    assert_eq!(
        money_fix(
            V12,
            "GBP",
            &line("2", "4.99", "0", "0", "9.98", "9.98", "0"),
            "per-unit-discount"
        ),
        Some(vec![format!("replace {disc} 4.99")])
    );
    // 10.00 / 3 = 3.333…: rounded to the minor unit; 3 × 3.33 is within the allowance of
    // the after-total sent, which stays.
    assert_eq!(
        money_fix(
            V12,
            "GBP",
            &line("3", "20.00", "0", "0", "10.00", "60.00", "50.00"),
            "per-unit-discount"
        ),
        Some(vec![format!("replace {disc} 3.33")])
    );
    // An after-total that adds up with neither reading is recomputed from the new discount.
    assert_eq!(
        money_fix(
            V12,
            "GBP",
            &line("2", "4.99", "0", "0", "9.98", "9.98", "5.00"),
            "per-unit-discount"
        ),
        Some(vec![
            format!("replace {disc} 4.99"),
            format!("replace {after} 0.00")
        ])
    );
    assert_eq!(
        money_fix(
            V12,
            "GBP",
            &line("1", "4.99", "0", "0", "6.00", "4.99", "0"),
            "per-unit-discount"
        ),
        None
    );
}

#[test]
fn line_totals_are_recomputed_from_the_items() {
    let before = "/0/lineItems/0/totalAmountBeforeTaxesAndDiscounts";
    let after = "/0/lineItems/0/totalAmountAfterTaxesAndDiscounts";
    assert_eq!(
        money_fix(
            V12,
            "EUR",
            &line("2", "3.50", "0.07", "0.23", "", "7.00", "7.02"),
            "line-checksum"
        ),
        Some(vec![format!("replace {after} 6.54")])
    );
    // Taxes added instead of subtracted, with float noise.
    assert_eq!(
        money_fix(
            V12,
            "EUR",
            &line("2", "3.50", "0.07", "0.23", "", "7.00", "7.460000000000001"),
            "line-checksum"
        ),
        Some(vec![format!("replace {after} 6.54")])
    );
    assert_eq!(
        money_fix(
            V12,
            "EUR",
            &line("4", "2.50", "0.19", "0.40", "", "10.03", "8.40"),
            "line-checksum"
        ),
        Some(vec![format!("replace {before} 10.00")])
    );
    // Amounts with more digits than the currency: the total keeps them.
    assert_eq!(
        money_fix(
            V12,
            "EUR",
            &line("2", "3.125", "0", "0", "", "6.30", "6.25"),
            "line-checksum"
        ),
        Some(vec![format!("replace {before} 6.25")])
    );
    assert_eq!(
        money_fix(
            V12,
            "EUR",
            &line("3", "1.1", "0", "0.0125", "", "3.30", "3.00"),
            "line-checksum"
        ),
        Some(vec![format!("replace {after} 3.2625")])
    );
    // A discount left out while the taxes say the price is already reduced: no fix.
    assert_eq!(
        money_fix(
            V12,
            "EUR",
            &line("1", "59.90", "0", "0", "10.00", "59.90", "59.90"),
            "line-checksum"
        ),
        None
    );
    // A free line counted as revenue: no fix.
    assert_eq!(
        money_fix(
            V7,
            "EUR",
            &line("2.0", "9.95", "0.19", "0.0", "", "0.0", "19.9"),
            "line-checksum"
        ),
        None
    );
}

fn shipping_order(taxes: &str, after: &str) -> String {
    order_with(&format!(
        r#""shipping": {{"city": "Berlin", "countryCodeIso2Letter": "DE", "countryCodeIso3Letter": "DEU", "currencyCodeIso3Letter": "EUR",
            "shippingTotalAmountBeforeTaxAndDiscounts": 4.99, "discounts": [], "taxes": [{taxes}], "shippingTotalAmountAfterTaxAndDiscounts": {after}}}"#
    ))
}

#[test]
fn the_shipping_after_amount_is_recomputed() {
    let text = shipping_order(
        r#"{"title": "VAT 19%", "taxRate": 0.19, "taxAmount": 0.80}"#,
        "4.99",
    );
    assert_eq!(
        one_fix(V7, ORDERS, &text, "shipping-checksum"),
        Some(vec![
            "replace /0/shipping/shippingTotalAmountAfterTaxAndDiscounts 4.19".to_owned()
        ])
    );
    // A missing tax row: the entry to add is for the sender to decide.
    let lines = r#""lineItems": [{"id": "a", "productName": "p", "quantity": 1, "productGmv": 11.90, "discounts": [],
        "taxes": [{"title": "VAT 19%", "taxRate": 0.19, "taxAmount": 1.90}],
        "totalAmountBeforeTaxesAndDiscounts": 11.90, "totalAmountAfterTaxesAndDiscounts": 10.00}]"#;
    let text = shipping_order("", "4.19").replace(r#""lineItems": [], "#, &format!("{lines}, "));
    assert_eq!(one_fix(V7, ORDERS, &text, "shipping-checksum"), None);
}

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

#[test]
fn a_constituent_total_keeps_its_parent_in_step() {
    // The parent's after-total 87.23 is the sum of its constituents' totals as sent; the
    // second constituent's 26.90 should be 2 × (14.95 − 2.15 − 1.50) = 22.60, so the parent's
    // becomes 87.23 − 26.90 + 22.60 = 82.93, and `bundle-parent-mismatch` stays quiet.
    let text = fixture("line-checksum/07.2025/orders/invalid-constituent-after-total.json");
    assert_eq!(
        one_fix(V7, ORDERS, &text, "line-checksum"),
        Some(vec![
            "replace /0/lineItems/1/bundledProducts/1/totalAmountAfterTaxesAndDiscounts 22.60"
                .to_owned(),
            "replace /0/lineItems/1/totalAmountAfterTaxesAndDiscounts 82.93".to_owned(),
        ])
    );
}

#[test]
fn a_bundle_parent_total_is_recomputed_from_its_constituents() {
    let text = fixture("bundle-parent-mismatch/07.2025/orders/invalid-after.json");
    check_fixes(V7, ORDERS, &text, "bundle-parent-mismatch", "invalid-after");
    let found = offered(V7, ORDERS, &text, "bundle-parent-mismatch");
    assert!(
        found.iter().all(|(_, fix)| fix
            .as_ref()
            .is_some_and(|(a, _)| *a == Applicability::Unsafe)),
        "{found:?}"
    );
    // The parent's own price disagrees too: its before-total gets no fix.
    let text = fixture("bundle-parent-mismatch/07.2025/orders/invalid-before.json");
    let before = "/0/lineItems/0/totalAmountBeforeTaxesAndDiscounts";
    assert_eq!(
        offered(V7, ORDERS, &text, "bundle-parent-mismatch"),
        vec![(before.to_owned(), None)]
    );
    // A parent that carries no price of its own: the before-total is the constituents' sum,
    // 12.95 + 7.95 + 2 × 4.50.
    let mut value: Value = serde_json::from_str(&text).unwrap();
    value[0]["lineItems"][0]["productGmv"] = Value::from(0);
    let text = value.to_string();
    assert_eq!(
        one_fix(V7, ORDERS, &text, "bundle-parent-mismatch"),
        Some(vec![format!("replace {before} 29.90")])
    );
}

// ---- generated payloads -------------------------------------------------------------------

mod generated {
    use proptest::prelude::*;
    use rust_decimal::{Decimal, RoundingStrategy};

    use super::{check_fixes, line, offered, one_line, order_with, ORDERS, V12, V7};

    /// An amount in cents as text with two decimals.
    fn cents(c: i64) -> String {
        Decimal::new(c, 2).to_string()
    }

    /// The tax contained in a gross price, rounded to the cent.
    fn contained(gmv: i64, rate: Decimal) -> i64 {
        let tax = Decimal::new(gmv, 2) * rate / (Decimal::ONE + rate);
        let cents = tax.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            * Decimal::ONE_HUNDRED;
        i64::try_from(cents.mantissa() / 10_i128.pow(cents.scale())).unwrap()
    }

    fn rates() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            Just(Decimal::new(7, 2)),
            Just(Decimal::new(19, 2)),
            Just(Decimal::new(2, 1)),
            Just(Decimal::new(25, 2))
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn finer_timestamps(seconds in 1_000_000_000_i64..2_000_000_000, micro in any::<bool>(), exact in any::<bool>(), rest in 1_i64..1000) {
            let factor: i64 = if micro { 1_000_000 } else { 1_000 };
            let value = seconds * factor + if exact { 0 } else { rest };
            let text = order_with(&format!(r#""updatedAt": {value}"#));
            let applied = check_fixes(V7, ORDERS, &text, "timestamp-unit", &text);
            // Seconds before the order's `createdAt` would be a `timestamp-order` finding.
            let fixable = exact && seconds >= 1_678_376_546;
            prop_assert_eq!(applied, usize::from(fixable));
            if fixable {
                let found = offered(V7, ORDERS, &text, "timestamp-unit");
                let expected = vec![format!("replace /0/updatedAt {seconds}")];
                prop_assert_eq!(found[0].1.as_ref().map(|f| &f.1), Some(&expected));
            }
        }

        #[test]
        fn line_total_taxes(q in 2_i64..10, gmv in 500_i64..50_000, rate in rates()) {
            let unit = contained(gmv, rate);
            let total = unit * q;
            let text = one_line("EUR", &line(&q.to_string(), &cents(gmv), &rate.to_string(), &cents(total), "", &cents(gmv * q), &cents((gmv - unit) * q)));
            check_fixes(V7, ORDERS, &text, "per-unit-tax", &text);
            for (_, fix) in offered(V7, ORDERS, &text, "per-unit-tax") {
                prop_assert!(fix.is_some());
            }
        }

        #[test]
        fn line_total_discounts(q in 2_i64..10, gmv in 500_i64..50_000, share in 1_i64..50) {
            let unit = gmv * share / 100;
            let text = one_line("GBP", &line(&q.to_string(), &cents(gmv), "0", "0", &cents(unit * q), &cents(gmv * q), &cents(gmv * q - unit * q)));
            check_fixes(V12, ORDERS, &text, "per-unit-discount", &text);
            let found = offered(V12, ORDERS, &text, "per-unit-discount");
            prop_assert_eq!(found.len(), 1);
            prop_assert!(found[0].1.is_some());
        }

        #[test]
        fn wrong_line_totals(q in 1_i64..10, gmv in 100_i64..50_000, rate in rates(), off in 5_i64..5_000, before in any::<bool>()) {
            let unit = contained(gmv, rate);
            let (b, a) = (gmv * q, (gmv - unit) * q);
            let (b, a) = if before { (b + off, a) } else { (b, a + off) };
            let text = one_line("EUR", &line(&q.to_string(), &cents(gmv), &rate.to_string(), &cents(unit), "", &cents(b), &cents(a)));
            let applied = check_fixes(V12, ORDERS, &text, "line-checksum", &text);
            prop_assert_eq!(applied, 1);
        }

        #[test]
        fn ids_as_numbers(id in 1_u64..u64::MAX, line_id in 0_u64..1_000_000) {
            let text = format!(
                r#"[{{"id": {id}, "orderNumber": "N-1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "financialStatus": "paid", "lineItems": [
                    {{"id": {line_id}, "productName": "p", "quantity": 1, "productGmv": 10.00, "taxes": [], "discounts": [],
                      "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 10.00}}]}}]"#
            );
            prop_assert_eq!(check_fixes(V7, ORDERS, &text, "schema", &text), 2);
        }

        #[test]
        fn amounts_as_strings(gmv in 1_i64..1_000_000, scale in 0_u32..4) {
            let gmv = Decimal::new(gmv, scale).to_string();
            let text = one_line("EUR", &format!(
                r#"{{"id": "a", "productName": "p", "quantity": 1, "productGmv": "{gmv}", "taxes": [], "discounts": [],
                  "totalAmountBeforeTaxesAndDiscounts": {gmv}, "totalAmountAfterTaxesAndDiscounts": {gmv}}}"#
            ));
            prop_assert_eq!(check_fixes(V12, ORDERS, &text, "schema", &text), 1);
        }
    }
}

/// The pointers a change touches.
fn touched(change: &Change) -> Vec<&Pointer> {
    match change {
        Change::Replace { at, .. }
        | Change::Remove { at }
        | Change::RenameKey { at, .. }
        | Change::Wrap { at, .. } => vec![at],
        Change::Unwrap { at, within } => vec![at, within],
    }
}

/// Whether two pointers overlap: one is the other or inside it.
fn overlap(a: &Pointer, b: &Pointer) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

#[test]
fn every_fix_of_a_fixture_together() {
    // As `--fix --unsafe-fixes` does in one pass: every fix whose changes do not overlap one
    // already taken, on every fixture of every rule. The findings fixed are gone and nothing
    // new appears.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut rules: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    rules.sort();
    let mut applied = 0;
    for rule in rules {
        for (path, version, kind) in fixtures(&rule) {
            let text = std::fs::read_to_string(&path).unwrap();
            let before = lint(version, kind, &text);
            let mut value: Value = serde_json::from_str(&text).unwrap();
            let mut taken: Vec<&Pointer> = Vec::new();
            let mut fixed = BTreeSet::new();
            let mut skipped = 0;
            for d in &before {
                let Some(fix) = &d.fix else { continue };
                let touches: Vec<&Pointer> = fix.changes.iter().flat_map(touched).collect();
                if touches.iter().any(|p| taken.iter().any(|t| overlap(p, t))) {
                    skipped += 1;
                    continue;
                }
                taken.extend(touches);
                apply_fix(&mut value, fix);
                fixed.insert((d.rule().to_owned(), d.pointer.to_string()));
                applied += 1;
            }
            if fixed.is_empty() || fixed.iter().any(|(c, _)| c == "body-shape") {
                continue;
            }
            let fixed_text = serde_json::to_string_pretty(&value).unwrap();
            let after = lint(version, kind, &fixed_text);
            // Fixing again changes nothing, unless a fix waited for an overlapping one.
            let again = after.iter().filter(|d| d.fix.is_some()).count();
            assert!(
                again <= skipped,
                "{}: {again} fixes offered after every fix was applied:\n{}",
                path.display(),
                show(&after)
            );
            let (before, after) = (keys(&before), keys(&after));
            let name = path.display();
            let still: Vec<_> = fixed.intersection(&after).collect();
            assert!(
                still.is_empty(),
                "{name}: still found after their fixes: {still:?}\n{fixed_text}"
            );
            let new: Vec<_> = after
                .difference(&before)
                .filter(|(rule, _)| !uncovered(rule))
                .collect();
            assert!(
                new.is_empty(),
                "{name}: new findings after every fix: {new:?}\n{fixed_text}"
            );
        }
    }
    assert!(applied > 20, "only {applied} fixes applied");
}

#[test]
fn a_large_bare_array_streamed_is_wrapped_too() {
    // Above 64 KiB a top-level array takes the streamed path, which reports `body-shape` on
    // its own.
    let items: Vec<String> = (0..1000)
        .map(|i| format!(r#"{{"orderId": "{i}", "lineItemId": "{i:0>40}", "productCogs": 1.5}}"#))
        .collect();
    let text = format!("[{}]", items.join(",\n"));
    assert!(text.len() > 64 * 1024);
    let found = offered(V7, PayloadKind::Cogs, &text, "body-shape");
    assert_eq!(
        found,
        vec![(
            String::new(),
            Some((
                Applicability::Safe,
                vec![r#"wrap  {"items": …}"#.to_owned()]
            ))
        )]
    );
    let fixed = fix_with(V7, PayloadKind::Cogs, &text, |d| d.rule() == "body-shape");
    assert!(fixed.after.is_empty(), "{}", show(&fixed.after));
}

#[test]
fn titles_say_what_is_written() {
    let title = |version: ApiVersion, kind: PayloadKind, text: &str, code: &str| -> String {
        lint(version, kind, text)
            .into_iter()
            .find(|d| d.rule() == code)
            .and_then(|d| d.fix)
            .map(|f| f.title)
            .unwrap_or_default()
    };
    let cases = [
        (
            title(
                V7,
                ORDERS,
                &order_with(r#""updatedAt": 1678376600000"#),
                "timestamp-unit",
            ),
            "write `updatedAt` in seconds: `1678376600`",
        ),
        (
            title(
                V7,
                PayloadKind::Refunds,
                &refund_line(r#""refundQuantity": "2""#),
                "deprecated-field",
            ),
            "rename `refundQuantity` to `refundedQuantity` and send it as the number `2`",
        ),
        (
            title(
                V12,
                ORDERS,
                &one_line(
                    "EUR",
                    &line("1", "129.95", "19", "20.75", "", "129.95", "109.20"),
                ),
                "tax-rate-range",
            ),
            "write `taxRate` as a fraction: `0.19`",
        ),
        (
            title(
                V7,
                ORDERS,
                &one_line(
                    "EUR",
                    &line("3", "19.99", "0.19", "9.57", "", "59.97", "50.40"),
                ),
                "per-unit-tax",
            ),
            "write `taxAmount` for one unit: 9.57 / 3 = `3.19`",
        ),
        (
            title(
                V12,
                ORDERS,
                &one_line(
                    "GBP",
                    &line("4", "25.00", "0.20", "3.75", "10.00", "100.00", "75.00"),
                ),
                "per-unit-discount",
            ),
            "write `discountAmount` for one unit: 10.00 / 4 = `2.50`",
        ),
        (
            title(
                V12,
                ORDERS,
                &one_line(
                    "EUR",
                    &line("2", "3.50", "0.07", "0.23", "", "7.00", "7.02"),
                ),
                "line-checksum",
            ),
            "recompute `totalAmountAfterTaxesAndDiscounts`: `6.54`",
        ),
        (
            title(
                V7,
                ORDERS,
                &shipping_order(
                    r#"{"title": "VAT 19%", "taxRate": 0.19, "taxAmount": 0.80}"#,
                    "4.99",
                ),
                "shipping-checksum",
            ),
            "recompute `shippingTotalAmountAfterTaxAndDiscounts`: `4.19`",
        ),
        (
            title(
                V7,
                ORDERS,
                &order_with("")
                    .replace(r#""id": "1""#, r#""id": 100123815"#)
                    .replace(", }", "}"),
                "schema",
            ),
            r#"write `id` as a string: `"100123815"`"#,
        ),
        (
            title(V7, ORDERS, r#"{"orders": []}"#, "body-shape"),
            "unwrap the array under `orders`",
        ),
        (
            title(
                V7,
                PayloadKind::Cogs,
                r#"[{"orderId": "1", "lineItemId": "a", "productCogs": 1.5}]"#,
                "body-shape",
            ),
            r#"wrap the array: `{"items": [ ... ]}`"#,
        ),
    ];
    for (got, expected) in cases {
        assert_eq!(got, expected);
    }
}
