//! Every `--format` on one mixed directory (clean payloads, schema errors, a warning, invalid
//! JSON, JSON Lines, a gzip export, a file name that needs escaping): snapshots of what users
//! see, the SARIF log validated against the official SARIF 2.1.0 schema, and the GitLab report
//! against GitLab's documented Code Quality fields.

// Test helpers outside `#[test]` functions may panic: a failure here is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A complete order that fails its schema: `productGmv` is a string. The rules run on it too,
/// but a price that is not a number reads as absent and every rule that needs it stays silent,
/// so the one finding is the schema's, and this snapshot does not move when rules change.
const BAD: &str = r#"[
  {"id": "2", "createdAt": 1700000000, "currencyCodeIso3Letter": "EUR", "updatedAt": 1700000000, "financialStatus": "paid", "shipmentStatus": "shipped", "orderNumber": "2", "customer": {"id": "c2"}, "shipping": {"shippingTotalAmountBeforeTaxAndDiscounts": 0, "shippingTotalAmountAfterTaxAndDiscounts": 0, "currencyCodeIso3Letter": "EUR"},
   "lineItems": [{"id": "a", "productGmv": "10", "quantity": 1, "productName": "Socks", "productId": "p1", "sku": "s1", "taxes": [{"title": "VAT", "taxRate": 0.19, "taxAmount": 1.60}], "discounts": [], "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 8.40}]}
]"#;

/// A cost item with a misspelt field: an `unknown-field` warning.
const WARN: &str =
    r#"{"items": [{"orderId": "1", "lineItemId": "a", "productCogs": 1.5, "prodcutCogs": 2}]}"#;

/// A trailing comma.
const SYNTAX: &str = "[{\"id\": \"3\", \"createdAt\": 1700000000,}]\n";

/// The mixed directory, built fresh in a temporary directory.
fn mixed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, bytes: &[u8]| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    let example = |rel: &str| std::fs::read(root().join("examples/payloads").join(rel)).unwrap();
    write(
        "exports/07.2025/orders/a-clean.json",
        &example("07.2025/orders/orders.json"),
    );
    write(
        "exports/07.2025/cogs/b-clean.json",
        &example("07.2025/cogs/cogs.json"),
    );
    write("exports/c-orders-schema.json", BAD.as_bytes());
    write("exports/d-cogs-warning.json", WARN.as_bytes());
    write("exports/e-orders-syntax.json", SYNTAX.as_bytes());
    let mut jsonl = String::from_utf8(example("07.2025/orders/orders.jsonl")).unwrap();
    jsonl.push_str("{\"id\": \"9\", \"createdAt\": \"yesterday\"}\n{not json}\n");
    write("exports/f-orders.jsonl", jsonl.as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(BAD.as_bytes()).unwrap();
    write("exports/g-orders.json.gz", &gz.finish().unwrap());
    // A clean order with `closedAt: 0`: one `zero-date` finding that carries a safe fix.
    let fixable = String::from_utf8(example("07.2025/orders/orders.json"))
        .unwrap()
        .replacen("\"updatedAt\"", "\"closedAt\": 0,\n    \"updatedAt\"", 1);
    write("exports/i-orders-fixable.json", fixable.as_bytes());
    // 17% in a message, a comma and a space in the name: escaping in every format.
    write(
        "exports/h odd, name-orders.json",
        &std::fs::read(root().join("examples/broken/orders-wrong-type.json")).unwrap(),
    );
    dir
}

fn klar(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn run_format(format: &str, extra: &[&str]) -> (Output, String) {
    let dir = mixed();
    let mut args = vec!["--no-config", "--format", format];
    args.extend_from_slice(extra);
    args.push("exports");
    let out = klar(&args, dir.path());
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    (out, text)
}

/// The crate version, which snapshots should not pin.
fn unversioned(text: &str) -> String {
    text.replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[VERSION]\"",
    )
}

#[test]
fn human() {
    let (out, text) = run_format("human", &[]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(text);
}

#[test]
fn concise() {
    let (out, text) = run_format("concise", &["--statistics"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(text);
}

#[test]
fn json() {
    let (out, text) = run_format("json", &["--statistics"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["summary"]["files"], 9);
    insta::assert_snapshot!(text);
}

/// One line per file, in path order: Klar's answer for the file as one request.
#[test]
fn klar_format() {
    let (out, text) = run_format("klar", &[]);
    assert_eq!(out.status.code(), Some(1));
    let bodies: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(bodies.len(), 9);
    let status: Vec<&str> = bodies
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        status,
        [
            "VALID",
            "VALID",
            "INVALID",
            "VALID",
            "INVALID",
            "PARTIALLY_VALID",
            "INVALID",
            "INVALID",
            "VALID"
        ]
    );
    insta::assert_snapshot!(text);
}

#[test]
fn github() {
    let (out, text) = run_format("github", &[]);
    assert_eq!(out.status.code(), Some(1));
    for line in text.lines().filter(|l| l.starts_with("::")) {
        let (command, rest) = line.trim_start_matches("::").split_once(' ').unwrap();
        assert!(["error", "warning", "notice"].contains(&command), "{line}");
        // Properties escape `:`, so the first `::` ends them.
        let (properties, message) = rest.split_once("::").unwrap();
        for property in properties.split(',') {
            let (key, _) = property.split_once('=').unwrap();
            assert!(
                ["file", "line", "col", "endLine", "endColumn", "title"].contains(&key),
                "{line}"
            );
        }
        assert!(!message.contains('\n') && !message.contains('\r'));
    }
    assert!(
        text.contains("file=exports/h odd%2C name-orders.json,"),
        "{text}"
    );
    assert!(text.contains("17%25"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn gitlab_matches_the_documented_code_quality_fields() {
    let (out, text) = run_format("gitlab", &[]);
    assert_eq!(out.status.code(), Some(1));
    let issues: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(!issues.is_empty());
    let mut fingerprints = HashSet::new();
    // GitLab's required fields: description, check_name, fingerprint, severity, location.path,
    // location.lines.begin (or location.positions.begin.line).
    for issue in &issues {
        assert!(
            issue["description"].as_str().is_some_and(|s| !s.is_empty()),
            "{issue}"
        );
        assert!(issue["check_name"].as_str().is_some(), "{issue}");
        let fingerprint = issue["fingerprint"].as_str().unwrap();
        assert!(
            fingerprints.insert(fingerprint.to_owned()),
            "duplicate {issue}"
        );
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap()),
            "{issue}"
        );
        let path = issue["location"]["path"].as_str().unwrap();
        assert!(
            path.starts_with("exports/"),
            "relative to the repository: {path}"
        );
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
    // Stable across runs, in another temporary directory.
    let (_, again) = run_format("gitlab", &[]);
    assert_eq!(text, again);
    insta::assert_snapshot!(text);
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    // The OASIS schema declares draft-04.
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn sarif_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let (out, text) = run_format("sarif", &["--max-diagnostics", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_str(&text).unwrap();
    let validator = sarif_validator();
    let errors = sarif_errors(&validator, &log);
    assert!(errors.is_empty(), "{errors:#?}");

    // The validator is not a rubber stamp: a wrong level and a missing version are caught.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!sarif_errors(&validator, &broken).is_empty());
    let mut broken = log.clone();
    broken.as_object_mut().unwrap().remove("version");
    assert!(!sarif_errors(&validator, &broken).is_empty());

    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    // Machine formats are never truncated by --max-diagnostics.
    let (_, concise) = run_format("concise", &[]);
    let findings = concise
        .lines()
        .filter(|l| l.contains(": error[") || l.contains(": warning[") || l.contains(": info["))
        .count();
    assert_eq!(results.len(), findings);
    for result in results {
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert!(!location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with('/'));
    }
    for rule in rules {
        assert!(rule["shortDescription"]["text"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
        assert!(rule["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("## What it does"));
        assert!(rule["defaultConfiguration"]["level"].is_string());
    }
    let schema = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "exports/c-orders-schema.json"
        })
        .unwrap();
    assert_eq!(
        schema["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 3, "startColumn": 44, "endLine": 3, "endColumn": 48})
    );
    assert_eq!(
        schema["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "/0/lineItems/0/productGmv"
    );
    insta::assert_snapshot!(unversioned(&text));
}

#[test]
fn junit_has_one_test_case_per_file() {
    let (out, text) = run_format("junit", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text.matches("<testcase ").count(), 9, "{text}");
    // Errors fail a case; the warning alone does not, unless --fail-on warning.
    assert!(text.contains("tests=\"9\" failures=\"5\""), "{text}");
    let (out, strict) = run_format("junit", &["--fail-on", "warning"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(strict.contains("tests=\"9\" failures=\"7\""), "{strict}");
    assert!(text.contains("name=\"exports/h odd, name-orders.json\""));
    assert!(!text.contains("\"17%\""), "quotes are escaped: {text}");
    insta::assert_snapshot!(text);
}
