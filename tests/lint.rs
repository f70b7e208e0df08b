//! The core pipeline, end to end through the library: per-object validation in big batches,
//! locations in pretty and minified files, syntax and encoding failures, JSON Lines.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use klar_lint::{ApiVersion, Config, FileReport, Linter, PayloadKind, Severity};
use serde_json::Value;

fn template_order() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/payloads/07.2025/orders/orders.json"
    ))
    .unwrap();
    let orders: Value = serde_json::from_str(&text).unwrap();
    orders[0].clone()
}

fn batch(n: usize) -> Vec<Value> {
    let order = template_order();
    (0..n)
        .map(|i| {
            let mut o = order.clone();
            o["id"] = Value::String(format!("9{i:08}"));
            o
        })
        .collect()
}

fn linter() -> Linter {
    Linter::new(
        Config::default()
            .with_kind(PayloadKind::Orders)
            .with_api_version(ApiVersion::V07_2025),
    )
    .unwrap()
}

fn rules(report: &FileReport) -> Vec<(&'static str, String)> {
    report
        .diagnostics
        .iter()
        .map(|d| (d.rule(), d.pointer.to_string()))
        .collect()
}

/// The 1-based line and column (in characters) of the first occurrence of `needle`.
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).expect("needle in text");
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, column)
}

#[test]
fn one_bad_order_in_a_full_batch_is_found_at_its_index_and_the_rest_still_checked() {
    let mut orders = batch(1000);
    orders[500]["lineItems"][0]["taxes"][0]["taxRate"] = Value::String("19%".into());
    orders[901]["cancelledAt"] = Value::from(0);
    let text = serde_json::to_string_pretty(&orders).unwrap();
    let report = linter().lint_str("orders.json", &text);
    assert_eq!(report.objects, 1000);
    assert_eq!(
        rules(&report),
        vec![
            ("schema", "/500/lineItems/0/taxes/0/taxRate".to_owned()),
            ("zero-date", "/901/cancelledAt".to_owned()),
        ]
    );
    let d = &report.diagnostics[0];
    assert_eq!(
        (d.line.unwrap(), d.column.unwrap()),
        position_of(&text, "\"19%\"")
    );
    assert_eq!(d.severity, Severity::Error);
}

#[test]
fn over_a_thousand_objects_is_one_batch_size_finding() {
    let text = serde_json::to_string(&batch(1001)).unwrap();
    let report = linter().lint_str("orders.json", &text);
    assert_eq!(rules(&report), vec![("batch-size", String::new())]);
    let config = Config::from_toml_str("max-batch-size = 2000")
        .unwrap()
        .with_kind(PayloadKind::Orders);
    assert!(Linter::new(config)
        .unwrap()
        .lint_str("orders.json", &text)
        .diagnostics
        .is_empty());
}

#[test]
fn locations_are_right_in_pretty_and_minified_files() {
    let mut orders = batch(3);
    orders[2]["lineItems"][0]["quantity"] = Value::String("two".into());
    for text in [
        serde_json::to_string_pretty(&orders).unwrap(),
        serde_json::to_string(&orders).unwrap(),
    ] {
        let report = linter().lint_str("orders.json", &text);
        assert_eq!(
            rules(&report),
            vec![("schema", "/2/lineItems/0/quantity".to_owned())]
        );
        let d = &report.diagnostics[0];
        assert_eq!(
            (d.line.unwrap(), d.column.unwrap()),
            position_of(&text, "\"two\"")
        );
        let span = d.span.unwrap();
        assert_eq!(&text[span.start..span.end], "\"two\"");
    }
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = "[{\"id\": \"é😀\", \"createdAt\": 1700000000, \"currencyCodeIso3Letter\": 5, \"lineItems\": []}]";
    let report = linter().lint_str("orders.json", text);
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.rule() == "schema")
        .unwrap();
    assert_eq!(
        (d.line, d.column),
        (Some(1), Some(position_of(text, "5,").1))
    );
    // 'é' and '😀' are one column each although they take 2 and 4 bytes.
    assert_eq!(d.column, Some(text.find("5,").unwrap() + 1 - 4));
}

#[test]
fn duplicate_keys_are_reported_at_the_repeated_key() {
    let text = "[{\"id\": \"1\", \"createdAt\": 1700000000, \"id\": \"2\",\n \"currencyCodeIso3Letter\": \"EUR\", \"lineItems\": []}]";
    let report = linter().lint_str("orders.json", text);
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.rule() == "duplicate-key")
        .unwrap();
    assert_eq!(d.pointer.as_str(), "/0/id");
    assert_eq!(
        (d.line, d.column),
        (Some(1), Some(text.rfind("\"id\"").unwrap() + 1))
    );
    assert_eq!(d.labels[0].column, Some(3));
    assert_eq!(d.severity, Severity::Error);
}

#[test]
fn invalid_utf8_is_invalid_json_at_the_bad_byte() {
    let mut bytes = b"[{\"id\": \"1\",\n  \"productName\": \"M".to_vec();
    bytes.push(0xFC); // Latin-1 ü
    bytes.extend_from_slice(b"sli\"}]");
    let report = linter().lint_bytes("orders.json", &bytes);
    assert_eq!(rules(&report), vec![("invalid-json", String::new())]);
    let d = &report.diagnostics[0];
    assert_eq!((d.line, d.column), (Some(2), Some(20)));
    assert!(d.message.contains("0xFC"), "{}", d.message);
}

#[test]
fn empty_and_blank_files_are_invalid_json() {
    for text in ["", "  \n\t\n"] {
        let report = linter().lint_str("orders.json", text);
        assert_eq!(rules(&report), vec![("invalid-json", String::new())]);
        assert!(report.diagnostics[0].message.contains("empty"));
    }
}

#[test]
fn a_bom_is_accepted() {
    let text = serde_json::to_string(&batch(1)).unwrap();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    let report = linter().lint_bytes("orders.json", &bytes);
    assert!(report.diagnostics.is_empty(), "{:?}", rules(&report));
}

#[test]
fn a_trailing_comma_is_located() {
    let text = "[\n  {\"id\": \"1\"},\n]\n";
    let report = linter().lint_str("orders.json", text);
    let d = &report.diagnostics[0];
    assert_eq!(d.rule(), "invalid-json");
    assert_eq!(d.line, Some(3));
    assert!(d.help.as_deref().unwrap().contains("comma"), "{:?}", d.help);
}

#[test]
fn json_lines_are_linted_record_by_record_with_record_pointers_and_file_lines() {
    let orders = batch(3);
    let mut lines: Vec<String> = orders
        .iter()
        .map(|o| serde_json::to_string(o).unwrap())
        .collect();
    lines.insert(1, "{\"id\": \"broken\", ".to_owned());
    lines.insert(2, String::new());
    let mut bad = orders[2].clone();
    bad["id"] = Value::String("9bad".into());
    bad["lineItems"][0]["quantity"] = Value::String("x".into());
    lines.push(serde_json::to_string(&bad).unwrap());
    let text = lines.join("\n");
    let report = linter().lint_lines("orders.jsonl", std::io::Cursor::new(text.clone()));
    let found = rules(&report);
    assert_eq!(
        found,
        vec![
            ("invalid-json", "/1".to_owned()),
            ("schema", "/4/lineItems/0/quantity".to_owned()),
        ]
    );
    assert_eq!(report.diagnostics[0].line, Some(2));
    let d = &report.diagnostics[1];
    assert_eq!(d.line, Some(6));
    let span = d.span.unwrap();
    assert_eq!(&text[span.start..span.end], "\"x\"");
    assert_eq!(report.objects, 4);
}

#[test]
fn body_shape_wraps_and_still_checks_the_objects() {
    let cogs = Linter::new(Config::default().with_kind(PayloadKind::Cogs)).unwrap();
    let report = cogs.lint_str(
        "cogs.json",
        "[{\"orderId\": \"1\", \"sku\": \"A\", \"productCogs\": \"3\"}]",
    );
    assert_eq!(
        rules(&report),
        vec![
            ("body-shape", String::new()),
            ("schema", "/0/productCogs".to_owned())
        ]
    );
    let report = cogs.lint_str(
        "cogs.json",
        "{\"items\": [{\"orderId\": \"1\", \"productCogs\": 3}]}",
    );
    assert_eq!(rules(&report), vec![("schema", "/items/0".to_owned())]);
    assert_eq!(
        report.diagnostics[0].message,
        "missing `lineItemId` or `sku`"
    );
}

#[test]
fn misspelt_required_field_is_one_finding_with_a_suggestion() {
    let cogs = Linter::new(Config::default().with_kind(PayloadKind::Cogs)).unwrap();
    let report = cogs.lint_str(
        "cogs.json",
        "{\"items\": [{\"orderId\": \"1\", \"lineItemid\": \"a\", \"productCogs\": 3}]}",
    );
    assert_eq!(
        rules(&report),
        vec![("schema", "/items/0/lineItemid".to_owned())]
    );
    assert_eq!(
        report.diagnostics[0].help.as_deref(),
        Some("did you mean `lineItemId`?")
    );
}

#[test]
fn kind_and_version_come_from_flags_paths_then_content() {
    let plain = Linter::new(Config::default()).unwrap();
    let text = serde_json::to_string(&batch(1)).unwrap();
    let report = plain.lint_str("exports/12.2022/x.json", &text);
    assert_eq!(report.kind, Some(PayloadKind::Orders));
    assert_eq!(report.api_version, Some(ApiVersion::V12_2022));
    let report = plain.lint_str("x.json", "[{\"foo\": 1}]");
    assert_eq!(rules(&report), vec![("unknown-kind", String::new())]);
    assert!(report.diagnostics[0]
        .help
        .as_deref()
        .unwrap()
        .contains("--kind"));
}

#[test]
fn config_levels_change_and_silence_findings() {
    let text = "[{\"id\": \"1\", \"createdAt\": 1700000000, \"currencyCodeIso3Letter\": \"EUR\", \"lineItems\": [], \"colour\": 1}]";
    let base = linter().lint_str("orders.json", text);
    assert!(base
        .diagnostics
        .iter()
        .any(|d| d.rule() == "unknown-field" && d.severity == Severity::Warning));
    let config = Config::from_toml_str("[rules]\nunknown-field = \"error\"")
        .unwrap()
        .with_kind(PayloadKind::Orders);
    let raised = Linter::new(config).unwrap().lint_str("orders.json", text);
    assert!(raised
        .diagnostics
        .iter()
        .any(|d| d.rule() == "unknown-field" && d.severity == Severity::Error));
    let config = Config::from_toml_str("[rules]\nunknown-field = \"off\"")
        .unwrap()
        .with_kind(PayloadKind::Orders);
    let silenced = Linter::new(config).unwrap().lint_str("orders.json", text);
    assert!(silenced
        .diagnostics
        .iter()
        .all(|d| d.rule() != "unknown-field"));
}

#[test]
fn deep_nesting_is_invalid_json_not_a_crash() {
    let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let report = linter().lint_str("orders.json", &text);
    assert_eq!(rules(&report), vec![("invalid-json", String::new())]);
}

#[test]
fn schema_override_with_remote_ref_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("07.2025");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("orders.schema.json"),
        r#"{"$defs": {"Order": {"$ref": "http://127.0.0.1:9/never.json"}}}"#,
    )
    .unwrap();
    let err = Linter::new(Config::default().with_schemas_dir(dir.path())).unwrap_err();
    assert!(err.to_string().contains("07.2025/orders"), "{err}");
}

#[test]
fn findings_beyond_the_per_file_limit_are_counted_not_kept() {
    let mut lines = Vec::new();
    for i in 0..30 {
        lines.push(format!("{{\"id\": \"{i}\", \"createdAt\": \"x\", \"currencyCodeIso3Letter\": \"EUR\", \"lineItems\": []}}"));
    }
    let config = Config::from_toml_str("max-diagnostics-per-file = 10")
        .unwrap()
        .with_kind(PayloadKind::Orders);
    let report = Linter::new(config)
        .unwrap()
        .lint_lines("orders.jsonl", std::io::Cursor::new(lines.join("\n")));
    assert_eq!(report.diagnostics.len(), 10);
    assert!(report.truncated.total() >= 20, "{:?}", report.truncated);
    assert_eq!(report.sources.len(), 10);
}

#[test]
fn a_config_version_wins_over_content_so_bundles_in_legacy_payloads_are_caught() {
    let order = template_order();
    let text = serde_json::to_string(&vec![order]).unwrap();
    let sniffed = Linter::new(Config::default())
        .unwrap()
        .lint_str("orders.json", &text);
    assert_eq!(sniffed.api_version, Some(ApiVersion::V07_2025));
    let config = Config::from_toml_str("api-version = \"12.2022\"").unwrap();
    let legacy = Linter::new(config)
        .unwrap()
        .lint_str("exports/07.2025/orders.json", &text);
    assert_eq!(legacy.api_version, Some(ApiVersion::V12_2022));
}

#[test]
fn json_lines_labels_in_other_records_get_their_line_and_no_span_from_this_record() {
    let orders = batch(2);
    let mut lines: Vec<String> = orders
        .iter()
        .map(|o| serde_json::to_string(o).unwrap())
        .collect();
    lines.push(serde_json::to_string(&orders[0]).unwrap());
    let report = linter().lint_lines("orders.jsonl", std::io::Cursor::new(lines.join("\n")));
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.rule() == "duplicate-id")
        .unwrap();
    assert_eq!(d.pointer.as_str(), "/2/id");
    assert_eq!(d.line, Some(3));
    let label = &d.labels[0];
    assert_eq!(label.pointer.as_str(), "/0/id");
    // The first record's text is gone: its line, but no span or column.
    assert_eq!(
        (label.span, label.line, label.column),
        (None, Some(1), None)
    );
}

#[test]
fn items_holding_one_object_is_told_to_become_an_array_not_removed() {
    let cogs = Linter::new(Config::default().with_kind(PayloadKind::Cogs)).unwrap();
    let report = cogs.lint_str(
        "cogs.json",
        "{\"items\": {\"orderId\": \"1\", \"sku\": \"A\", \"productCogs\": \"3\"}}",
    );
    assert_eq!(
        rules(&report),
        vec![
            ("body-shape", "/items".to_owned()),
            ("schema", "/items/productCogs".to_owned())
        ]
    );
    let help = report.diagnostics[0].help.as_deref().unwrap();
    assert!(help.contains("turn `items` into an array"), "{help}");
    assert!(report
        .diagnostics
        .iter()
        .all(|d| !d.help.as_deref().unwrap_or("").contains("remove")));
}

#[test]
fn orders_wrapped_in_an_object_are_told_to_unwrap_and_still_checked() {
    let orders = Linter::new(Config::default().with_kind(PayloadKind::Orders)).unwrap();
    let mut bad = template_order();
    bad["id"] = Value::String("other".into());
    bad["lineItems"][0]["quantity"] = Value::String("x".into());
    for key in ["orders", "items", "data"] {
        let text =
            serde_json::to_string(&serde_json::json!({ key: [template_order(), bad] })).unwrap();
        let report = orders.lint_str("orders.json", &text);
        assert_eq!(
            rules(&report),
            vec![
                ("body-shape", String::new()),
                ("schema", format!("/{key}/1/lineItems/0/quantity"))
            ],
            "{key}"
        );
        let help = report.diagnostics[0].help.as_deref().unwrap();
        assert!(help.starts_with("unwrap it"), "{help}");
        assert!(!help.contains("wrap it in"), "{help}");
        assert_eq!(report.objects, 2);
    }
}
