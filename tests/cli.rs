//! The `klar-lint` binary as a user runs it: exit codes, formats, walking, subcommands.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn klar(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const GOOD: &str = r#"[{"id": "1", "createdAt": 1700000000, "updatedAt": 1700000000, "currencyCodeIso3Letter": "EUR",
  "financialStatus": "paid", "shipmentStatus": "shipped", "orderNumber": "1",
  "customer": {"id": "c1"},
  "shipping": {"shippingTotalAmountBeforeTaxAndDiscounts": 0, "shippingTotalAmountAfterTaxAndDiscounts": 0, "currencyCodeIso3Letter": "EUR"},
  "lineItems": [{"id": "a", "productName": "Socks", "productId": "p1", "sku": "s1", "productGmv": 10.00, "quantity": 1,
    "taxes": [{"title": "VAT", "taxRate": 0.19, "taxAmount": 1.60}], "discounts": [],
    "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 8.40}]}]"#;

const BAD: &str = r#"[
  {"id": "2", "createdAt": 1700000000, "currencyCodeIso3Letter": "EUR", "updatedAt": 1700000000, "financialStatus": "paid", "shipmentStatus": "shipped", "orderNumber": "2", "customer": {"id": "c2"}, "shipping": {"shippingTotalAmountBeforeTaxAndDiscounts": 0, "shippingTotalAmountAfterTaxAndDiscounts": 0, "currencyCodeIso3Letter": "EUR"},
   "lineItems": [{"id": "a", "productGmv": "10", "quantity": 1, "productName": "Socks", "productId": "p1", "sku": "s1", "taxes": [{"title": "VAT", "taxRate": 0.19, "taxAmount": 1.60}], "discounts": [], "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 8.40}]}
]"#;

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("exports/sub")).unwrap();
    std::fs::create_dir_all(dir.path().join("exports/node_modules")).unwrap();
    std::fs::write(dir.path().join("exports/a-orders.json"), GOOD).unwrap();
    std::fs::write(dir.path().join("exports/sub/b-orders.json"), BAD).unwrap();
    std::fs::write(dir.path().join("exports/notes.txt"), "not a payload").unwrap();
    std::fs::write(dir.path().join("exports/node_modules/x-orders.json"), BAD).unwrap();
    dir
}

#[test]
fn clean_examples_exit_zero() {
    // The examples are Klar's documentation examples: their costs name orders of no example
    // (an `unknown-order` info, docs/cross-file.md).
    let out = klar(&["examples/payloads", "--ignore", "unknown-order"], root());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("All clear"), "{}", stdout(&out));
}

#[test]
fn mixed_folder_exits_one_and_reports_in_path_order() {
    let dir = workspace();
    let out = klar(&["--format", "concise", "exports"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "exports/sub/b-orders.json:3:44: error[schema] [*] `productGmv` must be a number"
        ),
        "{text}"
    );
    assert!(!text.contains("node_modules"), "{text}");
    assert!(text.contains("in 1 of 2 files"), "{text}");
}

#[test]
fn human_output_shows_the_snippet_and_help() {
    let dir = workspace();
    let out = klar(&["exports/sub/b-orders.json"], dir.path());
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn json_report_has_the_documented_shape() {
    let dir = workspace();
    let out = klar(&["--format", "json", "exports"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[1]["path"], "exports/sub/b-orders.json");
    assert_eq!(files[1]["kind"], "orders");
    assert_eq!(files[1]["apiVersion"], "07.2025");
    let d = &files[1]["diagnostics"][0];
    assert_eq!(d["rule"], "schema");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["pointer"], "/0/lineItems/0/productGmv");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(44))
    );
    assert!(d["help"].is_string());
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(files[0]["revenue"]["currencies"]["EUR"]["net"], "8.40");
}

#[test]
fn a_missing_path_among_good_ones_is_reported_and_the_rest_still_checked() {
    let dir = workspace();
    let out = klar(
        &[
            "--format",
            "concise",
            "exports/a-orders.json",
            "exports/missing.json",
            "exports/sub",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let missing = text
        .find("exports/missing.json:1:1: error[io-error]")
        .expect(&text);
    let bad = text.find("exports/sub/b-orders.json").expect(&text);
    assert!(missing < bad, "{text}");
    assert!(text.contains("in 2 of 3 files"), "{text}");
}

#[test]
fn stdin_is_read_with_dash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args(["--kind", "orders", "--format", "concise", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), BAD.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("-:3:44: error[schema]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn unknown_rule_is_a_usage_error_with_a_suggestion() {
    let out = klar(&["--select", "zero-dat", "."], root());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `zero-date`?"), "{err}");
}

#[test]
fn malformed_config_exits_two() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("klar-lint.toml"),
        "[rules]\nzero-date = \"loud\"\n",
    )
    .unwrap();
    let out = klar(&["exports"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid level `loud`"));
}

#[test]
fn config_file_is_discovered_and_applied() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("klar-lint.toml"),
        "[rules]\nschema = \"warning\"\n",
    )
    .unwrap();
    let out = klar(&["--format", "concise", "exports"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("warning[schema]"));
}

#[test]
fn remote_ref_in_schema_override_exits_two_without_network() {
    let dir = workspace();
    std::fs::create_dir_all(dir.path().join("s/07.2025")).unwrap();
    std::fs::write(
        dir.path().join("s/07.2025/orders.schema.json"),
        r#"{"$defs": {"Order": {"$ref": "https://example.invalid/order.json"}}}"#,
    )
    .unwrap();
    let out = klar(&["--schemas", "s", "exports"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unusable"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rules_explain_and_schema_subcommands() {
    let out = klar(&["rules"], root());
    assert_eq!(out.status.code(), Some(0));
    for rule in klar_lint::rules::all_metas() {
        assert!(
            stdout(&out).contains(rule.name),
            "{} missing from `rules`",
            rule.name
        );
    }
    let out = klar(&["explain", "zero-date"], root());
    assert!(stdout(&out).contains("## Why is this bad?"));
    let out = klar(&["explain", "schema"], root());
    assert!(stdout(&out).contains("## What it does"));
    let out = klar(
        &["schema", "--kind", "cogs", "--api-version", "12.2022"],
        root(),
    );
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema["$defs"]["Cogs"].is_object());
}

#[test]
fn a_folder_named_rules_is_linted_with_dot_slash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("rules/orders.json"), BAD).unwrap();
    let out = klar(&["--format", "concise", "./rules"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

const LOGISTICS: &str = r#"{"items": [{"orderId": "ABCDEF", "totalLogisticsCosts": 6.90}]}"#;

#[test]
fn the_2024_versions_are_told_by_the_path_and_checked_as_12_2022() {
    let dir = tempfile::tempdir().unwrap();
    let logistics = dir.path().join("exports/04.2024/logistics-costs");
    let transaction = dir.path().join("exports/06.2024/transaction-costs");
    let orders = dir.path().join("exports/04.2024/orders");
    for folder in [&logistics, &transaction, &orders] {
        std::fs::create_dir_all(folder).unwrap();
    }
    std::fs::write(logistics.join("x.json"), LOGISTICS).unwrap();
    std::fs::write(
        transaction.join("x.json"),
        r#"{"items": [{"orderId": "23442342342341234", "transactionCosts": 1.10}]}"#,
    )
    .unwrap();
    std::fs::write(orders.join("day1.json"), GOOD).unwrap();
    // The costs name orders of no file here: not what this test is about.
    let out = klar(
        &["--format", "json", "--ignore", "unknown-order", "exports"],
        dir.path(),
    );
    // A warning alone exits 0.
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    let by_path = |path: &str| {
        files
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{path} not in {report:#}"))
    };
    let file = by_path("exports/04.2024/logistics-costs/x.json");
    assert_eq!(file["apiVersion"], "04.2024");
    assert_eq!(file["diagnostics"].as_array().unwrap().len(), 0, "{file:#}");
    let file = by_path("exports/06.2024/transaction-costs/x.json");
    assert_eq!(file["apiVersion"], "06.2024");
    assert_eq!(file["diagnostics"].as_array().unwrap().len(), 0, "{file:#}");
    // Orders under 04.2024: checked (as 12.2022), and the report says so, once.
    let file = by_path("exports/04.2024/orders/day1.json");
    assert_eq!(file["apiVersion"], "04.2024");
    let diagnostics = file["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{file:#}");
    let d = &diagnostics[0];
    assert_eq!(d["rule"], "undocumented-endpoint");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        d["message"],
        "API version 04.2024 is documented only for `logistics-costs`; these orders are checked as 12.2022"
    );
    let help = d["help"].as_str().unwrap();
    assert!(help.contains("`/12.2022/orders/json`"), "{help}");
    assert!(help.contains("in the path is a date"), "{help}");
}

#[test]
fn api_version_flag_and_config_accept_the_2024_versions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.json"), GOOD).unwrap();
    std::fs::write(dir.path().join("costs.json"), LOGISTICS).unwrap();
    let out = klar(
        &[
            "--format",
            "concise",
            "--api-version",
            "04.2024",
            "costs.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("All clear"), "{}", stdout(&out));
    let out = klar(
        &[
            "--format",
            "concise",
            "--api-version",
            "06.2024",
            "orders.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).starts_with("orders.json:1:1: warning[undocumented-endpoint] API version 06.2024 is documented only for `transaction-costs`; these orders are checked as 12.2022"),
        "{}",
        stdout(&out)
    );
    std::fs::write(
        dir.path().join("klar-lint.toml"),
        "api-version = \"04.2024\"\n",
    )
    .unwrap();
    let out = klar(
        &[
            "--format",
            "json",
            "--ignore",
            "unknown-order",
            "orders.json",
            "costs.json",
        ],
        dir.path(),
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files[0]["apiVersion"], "04.2024");
    assert_eq!(files[0]["diagnostics"][0]["rule"], "undocumented-endpoint");
    assert!(
        files[0]["diagnostics"][0]["help"]
            .as_str()
            .unwrap()
            .contains("klar-lint.toml"),
        "{report:#}"
    );
    assert_eq!(files[1]["apiVersion"], "04.2024");
    assert_eq!(files[1]["diagnostics"].as_array().unwrap().len(), 0);
    let out = klar(&["--api-version", "05.2024", "orders.json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("04.2024") && err.contains("06.2024"), "{err}");
}

#[test]
fn rules_and_schema_list_the_2024_versions() {
    let out = klar(&["rules"], root());
    let text = stdout(&out);
    let row = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} not in:\n{text}"))
            .to_owned()
    };
    // A rule declared for 12.2022 runs on the versions checked as 12.2022.
    assert!(
        row("version-mismatch").contains(" 12.2022,04.2024,06.2024 "),
        "{text}"
    );
    assert!(row("bundle-values").contains(" 07.2025 "), "{text}");
    assert!(row("zero-date").contains(" all "), "{text}");
    assert!(
        row("undocumented-endpoint").contains(" 04.2024,06.2024 "),
        "{text}"
    );
    let out = klar(&["explain", "version-mismatch"], root());
    assert!(
        stdout(&out).contains("versions: 12.2022, 04.2024, 06.2024 ·"),
        "{}",
        stdout(&out)
    );

    // The one documented kind is the default kind; its text names the version.
    let out = klar(&["schema", "--api-version", "04.2024"], root());
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        schema["$id"],
        "https://klar-lint.invalid/schemas/04.2024/logistics-costs.schema.json"
    );
    assert!(schema["$defs"]["LogisticsCosts"].is_object());
    let out = klar(
        &[
            "schema",
            "--api-version",
            "06.2024",
            "--kind",
            "transaction-costs",
        ],
        root(),
    );
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        schema["title"],
        "Klar transaction costs payload (API 06.2024)"
    );
    // An undocumented kind: no schema that presents the endpoint as real; the help names the
    // schema klar-lint checks it with.
    let out = klar(
        &["schema", "--api-version", "04.2024", "--kind", "orders"],
        root(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    // miette wraps at the terminal width: compare words.
    let err = String::from_utf8_lossy(&out.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        err.contains("API version 04.2024 is documented only for logistics-costs, not for orders"),
        "{err}"
    );
    assert!(
        err.contains("klar-lint schema --api-version 12.2022 --kind orders"),
        "{err}"
    );
}
