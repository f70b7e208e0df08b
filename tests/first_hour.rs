//! What a newcomer meets in the first hour (issue 15): counts in words, how each file was
//! read, what to do next, JSON Lines numbering, `explain` of a category.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn klar(args: &[&str], cwd: &Path) -> Output {
    klar_with_stdin(args, cwd, None)
}

fn klar_with_stdin(args: &[&str], cwd: &Path, input: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = input {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One order with a string `productGmv` (one `schema` error) and nothing else wrong.
const ONE_ERROR: &str = r#"[{"id": "2", "createdAt": 1700000000, "currencyCodeIso3Letter": "EUR", "updatedAt": 1700000000, "financialStatus": "paid", "shipmentStatus": "shipped", "orderNumber": "2", "customer": {"id": "c2"}, "shipping": {"shippingTotalAmountBeforeTaxAndDiscounts": 0, "shippingTotalAmountAfterTaxAndDiscounts": 0, "currencyCodeIso3Letter": "EUR"},
   "lineItems": [{"id": "a", "productGmv": "10", "quantity": 1, "productName": "Socks", "productId": "p1", "sku": "s1", "taxes": [{"title": "VAT", "taxRate": 0.19, "taxAmount": 1.60}], "discounts": [], "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 8.40}]}
]"#;

#[test]
fn counts_of_one_are_singular() {
    let dir = tempfile::tempdir().unwrap();
    let two = ONE_ERROR.replace(r#""orderNumber": "2""#, r#""orderNumber": 2"#);
    std::fs::write(dir.path().join("orders.json"), &two).unwrap();
    let out = klar(&["--max-diagnostics", "2", "orders.json"], dir.path());
    let text = stdout(&out);
    assert!(text.contains("1 more finding not shown"), "{text}");
    assert!(!text.contains("1 more findings"), "{text}");

    std::fs::write(dir.path().join("orders.json"), ONE_ERROR).unwrap();
    let out = klar(&["--write-baseline", "b.json", "orders.json"], dir.path());
    let err = stderr(&out);
    assert!(err.contains("Wrote 1 finding to"), "{err}");

    let good = ONE_ERROR.replace(r#""productGmv": "10""#, r#""productGmv": 10.00"#);
    std::fs::write(dir.path().join("orders.json"), good).unwrap();
    let out = klar(&["--summary", "orders.json"], dir.path());
    let text = stdout(&out);
    assert!(text.contains(" 1 order "), "{text}");
    assert!(!text.contains(" 1 orders"), "{text}");
}

#[test]
fn explain_a_category_lists_its_rules() {
    let out = klar(&["explain", "money"], root());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("# money"), "{text}");
    for rule in ["per-unit-tax", "line-checksum", "tax-rate-range"] {
        assert!(text.contains(rule), "{rule}: {text}");
    }
    assert!(!text.contains("timestamp-unit"), "{text}");
}

#[test]
fn the_rules_table_keeps_its_columns_in_line() {
    let out = klar(&["rules"], root());
    let text = stdout(&out);
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let summary_at = header.find("summary").unwrap();
    for line in lines {
        let (before, after) = line.split_at(summary_at);
        assert!(before.ends_with(' '), "{line}");
        assert!(!after.starts_with(' '), "{line}");
    }
}

#[test]
fn refunds_in_an_orders_folder_say_the_kind_came_from_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("orders")).unwrap();
    let refunds =
        std::fs::read_to_string(root().join("examples/payloads/07.2025/refunds/refunds.json"))
            .unwrap();
    std::fs::write(dir.path().join("orders/day1.json"), refunds).unwrap();
    let expected = "checked as orders 07.2025 (kind from the folder `orders/`, version by default)";
    let human = stdout(&klar(&["orders/day1.json"], dir.path()));
    assert!(
        human.starts_with(&format!("orders/day1.json: {expected}")),
        "{human}"
    );
    let concise = stdout(&klar(
        &["--format", "concise", "orders/day1.json"],
        dir.path(),
    ));
    assert!(concise.contains(expected), "{concise}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&klar(
        &["--format", "json", "orders/day1.json"],
        dir.path(),
    )))
    .unwrap();
    let file = &json["files"][0];
    assert_eq!(file["kindSource"], "folder");
    assert_eq!(file["apiVersionSource"], "default");
    assert_eq!(file["readAs"], expected);
    for format in ["sarif", "junit", "gitlab", "github"] {
        let text = stdout(&klar(&["--format", format, "orders/day1.json"], dir.path()));
        assert!(
            text.contains("kind from the folder `orders/`"),
            "{format}: {text}"
        );
    }
    // Named by the file itself, the version by a folder.
    std::fs::create_dir_all(dir.path().join("12.2022")).unwrap();
    std::fs::write(dir.path().join("12.2022/my-refunds.json"), "[{}]").unwrap();
    let human = stdout(&klar(&["12.2022/my-refunds.json"], dir.path()));
    assert!(
        human.contains(
            "checked as refunds 12.2022 (kind from the file name, version from the folder `12.2022/`)"
        ),
        "{human}"
    );
}

#[test]
fn the_readme_s_first_run_ends_with_what_to_do_next() {
    let out = klar(&["examples/"], root());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("Next: `klar-lint explain "), "{last}");
    let rule = last
        .trim_start_matches("Next: `klar-lint explain ")
        .split('`')
        .next()
        .unwrap();
    let explained = klar(&["explain", rule], root());
    assert_eq!(explained.status.code(), Some(0), "{rule}");

    // The most frequent rule, with its count.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("orders")).unwrap();
    let refunds =
        std::fs::read_to_string(root().join("examples/payloads/07.2025/refunds/refunds.json"))
            .unwrap();
    std::fs::write(dir.path().join("orders/day1.json"), refunds).unwrap();
    let text = stdout(&klar(&["orders"], dir.path()));
    assert!(
        text.contains("Next: `klar-lint explain unknown-field` explains the most frequent rule here (14 findings)"),
        "{text}"
    );
    // Nothing to do after a clean run.
    let clean = stdout(&klar(&["examples/payloads"], root()));
    assert!(!clean.contains("Next:"), "{clean}");
}

const JSONL_ORDER: &str =
    r#"{"id":"1","createdAt":1700000000,"currencyCodeIso3Letter":"EUR","lineItems":[]}"#;

/// Two orders with one id around a blank line, then a broken record: record `/2` on line 4.
fn jsonl_with_a_blank_line() -> String {
    format!("{JSONL_ORDER}\n\n{JSONL_ORDER}\n{{bad}}\n")
}

#[test]
fn json_lines_name_records_by_pointer_and_line_each_in_its_own_base() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.jsonl"), jsonl_with_a_blank_line()).unwrap();
    let out = klar(&["--format", "json", "orders.jsonl"], dir.path());
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let diagnostics = json["files"][0]["diagnostics"].as_array().unwrap();
    let find = |rule: &str| {
        diagnostics
            .iter()
            .find(|d| d["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule}: {json}"))
    };
    let invalid = find("invalid-json");
    assert_eq!(invalid["line"], 4);
    assert_eq!(invalid["pointer"], "/2");
    assert_eq!(
        invalid["message"],
        "record `/2` on line 4: invalid JSON: key must be a string"
    );
    let duplicate = find("duplicate-id");
    assert_eq!(duplicate["line"], 3);
    let help = duplicate["help"].as_str().unwrap();
    assert!(
        help.ends_with("this order at `/1` (line 3) replaces the one at `/0` (line 1)"),
        "{help}"
    );
}

#[test]
fn json_lines_on_standard_input_are_declared_with_stdin_filename() {
    let text = jsonl_with_a_blank_line();
    // Undeclared: one document with trailing characters, and the help says how to declare it
    // (there is no file to rename).
    let out = klar_with_stdin(&["-"], root(), Some(&text));
    let human = stdout(&out);
    assert!(human.contains("--stdin-filename"), "{human}");
    assert!(!human.contains("name the file"), "{human}");
    // Declared: JSON Lines, named and kind-told by the name.
    let out = klar_with_stdin(
        &["--format", "json", "--stdin-filename", "orders.jsonl", "-"],
        root(),
        Some(&text),
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let file = &json["files"][0];
    assert_eq!(file["path"], "orders.jsonl");
    assert_eq!(file["kind"], "orders");
    assert_eq!(file["kindSource"], "file-name");
    assert_eq!(file["objects"], 2);
    let rules: Vec<&str> = file["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"duplicate-id"), "{rules:?}");
    assert!(rules.contains(&"invalid-json"), "{rules:?}");
}

#[test]
fn the_man_page_names_no_page_that_does_not_exist() {
    let out = klar(&["manpage"], root());
    assert_eq!(out.status.code(), Some(0));
    let roff = stdout(&out);
    assert!(!roff.contains("klar\\-lint\\-"), "{roff}");
    assert!(roff.contains(".SH SUBCOMMANDS"), "{roff}");
    assert!(roff.contains("\\fBklar\\-lint explain\\fR RULE"), "{roff}");
    assert!(!roff.contains("manpage"), "hidden: {roff}");
}

#[test]
fn library_users_compile_no_command_line_dependency_without_default_features() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    let dependencies = manifest["dependencies"].as_table().unwrap();
    let features = manifest["features"].as_table().unwrap();
    let cli: Vec<&str> = features["cli"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        features["default"].as_array().unwrap()[0].as_str(),
        Some("cli")
    );
    for binary_only in [
        "clap",
        "clap_complete",
        "clap_mangen",
        "indicatif",
        "walkdir",
        "mimalloc",
    ] {
        let dependency = &dependencies[binary_only];
        assert_eq!(
            dependency.get("optional").and_then(toml::Value::as_bool),
            Some(true),
            "{binary_only} is compiled by library users"
        );
        assert!(
            cli.contains(&format!("dep:{binary_only}").as_str()) || cli.contains(&binary_only),
            "{binary_only} is not in the `cli` feature"
        );
    }
    let bin = &manifest["bin"].as_array().unwrap()[0];
    assert_eq!(
        bin["required-features"].as_array().unwrap()[0].as_str(),
        Some("cli")
    );
}

#[test]
fn the_revenue_summary_leaves_out_a_rejected_batch_and_marks_an_unknown_currency() {
    let out = klar(
        &["--summary", "examples/broken/orders-batch-size.json"],
        root(),
    );
    let text = stdout(&out);
    assert!(text.contains("Revenue: no orders counted."), "{text}");
    assert!(
        text.contains(
            "Left out of these totals: 1001 objects in a request Klar would reject whole"
        ),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&klar(
        &["--format", "json", "examples/broken/orders-batch-size.json"],
        root(),
    )))
    .unwrap();
    let revenue = &json["summary"]["revenue"];
    assert_eq!(revenue["rejected"]["objects"], 1001, "{revenue}");
    assert_eq!(revenue["currencies"], serde_json::json!({}), "{revenue}");

    let dir = tempfile::tempdir().unwrap();
    let good = ONE_ERROR
        .replace(r#""productGmv": "10""#, r#""productGmv": 10.00"#)
        .replace("EUR", "EUX");
    std::fs::write(dir.path().join("orders.json"), good).unwrap();
    let text = stdout(&klar(&["--summary", "orders.json"], dir.path()));
    assert!(
        text.contains("Not ISO 4217 currencies, counted as sent: EUX"),
        "{text}"
    );
}
