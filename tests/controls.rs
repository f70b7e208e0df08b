//! The run controls as a user meets them: exit status (`--fail-on`, `--exit-zero`),
//! `--statistics`, `--output`, `--max-diagnostics`, `--select`/`--ignore`, `[[overrides]]`,
//! baselines in both directions, compressed exports, completions and the man page.

// Test helpers outside `#[test]` functions may panic: a failure here is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BAD: &str = r#"[
  {"id": "2", "createdAt": 1700000000, "currencyCodeIso3Letter": "EUR", "updatedAt": 1700000000, "financialStatus": "paid", "shipmentStatus": "shipped", "orderNumber": "2", "customer": {"id": "c2"}, "shipping": {"shippingTotalAmountBeforeTaxAndDiscounts": 0, "shippingTotalAmountAfterTaxAndDiscounts": 0, "currencyCodeIso3Letter": "EUR"},
   "lineItems": [{"id": "a", "productGmv": "10", "quantity": 1, "productName": "Socks", "productId": "p1", "sku": "s1", "taxes": [{"title": "VAT", "taxRate": 0.19, "taxAmount": 1.60}], "discounts": [], "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 8.40}]}
]"#;

// The COGS name the order in BAD, so that the checks across files have nothing to say.
const WARN: &str =
    r#"{"items": [{"orderId": "2", "lineItemId": "a", "productCogs": 1.5, "prodcutCogs": 2}]}"#;

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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn exit_status_follows_fail_on_and_exit_zero() {
    let warn_only = dir_with(&[("cogs.json", WARN)]);
    let code = |args: &[&str], dir: &Path| klar(args, dir).status.code();
    assert_eq!(code(&["cogs.json"], warn_only.path()), Some(0));
    assert_eq!(
        code(&["--fail-on", "warning", "cogs.json"], warn_only.path()),
        Some(1)
    );
    assert_eq!(
        code(&["--fail-on", "info", "cogs.json"], warn_only.path()),
        Some(1)
    );
    let errors = dir_with(&[("orders.json", BAD)]);
    assert_eq!(code(&["orders.json"], errors.path()), Some(1));
    assert_eq!(
        code(&["--exit-zero", "orders.json"], errors.path()),
        Some(0)
    );
    assert_eq!(
        code(&["--fail-on", "loud", "orders.json"], errors.path()),
        Some(2)
    );
}

#[test]
fn statistics_count_findings_per_rule() {
    let dir = dir_with(&[
        ("orders.json", BAD),
        ("cogs.json", WARN),
        ("x-orders.json", "["),
    ]);
    let out = klar(&["--statistics", "--format", "concise", "."], dir.path());
    let text = stdout(&out);
    let table = text.split("Findings per rule:\n").nth(1).unwrap();
    let rows: Vec<&str> = table.lines().take(3).map(str::trim).collect();
    assert_eq!(
        rows,
        ["1  invalid-json", "1  schema", "1  unknown-field"],
        "{text}"
    );

    let out = klar(&["--statistics", "--format", "json", "."], dir.path());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["summary"]["statistics"],
        serde_json::json!([
            {"rule": "invalid-json", "count": 1},
            {"rule": "schema", "count": 1},
            {"rule": "unknown-field", "count": 1},
        ])
    );
    let out = klar(&["--format", "json", "."], dir.path());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["summary"].get("statistics").is_none());
}

#[test]
fn output_is_written_whole_to_the_file_and_nothing_else_is_left() {
    let dir = dir_with(&[("orders.json", BAD)]);
    let piped = klar(&["--format", "sarif", "orders.json"], dir.path());
    let out = klar(
        &[
            "--format",
            "sarif",
            "--output",
            "report.sarif",
            "orders.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read(dir.path().join("report.sarif")).unwrap(),
        piped.stdout
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left behind: {names:?}");

    let out = klar(
        &["--output", "missing/dir/report.txt", "orders.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing/dir/report.txt"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn max_diagnostics_limits_human_output_only() {
    let many = format!(
        "[{}]",
        (0..5)
            .map(|i| format!(r#"{{"id": "{i}", "createdAt": "x{i}"}}"#))
            .collect::<Vec<_>>()
            .join(",")
    );
    let dir = dir_with(&[("orders.json", &many)]);
    let human = stdout(&klar(
        &["--max-diagnostics", "2", "orders.json"],
        dir.path(),
    ));
    let shown = ["error[", "warning[", "info["]
        .iter()
        .map(|s| human.matches(s).count())
        .sum::<usize>();
    assert_eq!(shown, 2, "{human}");
    assert!(human.contains("more findings not shown"), "{human}");
    let json = klar(
        &["--max-diagnostics", "2", "--format", "json", "orders.json"],
        dir.path(),
    );
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let listed = report["files"][0]["diagnostics"].as_array().unwrap().len();
    assert!(listed > 2, "json is never truncated: {listed}");
    let summary = &report["summary"];
    let counted = ["errors", "warnings", "infos"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(counted, u64::try_from(listed).unwrap());
}

#[test]
fn select_and_ignore_pick_rules() {
    let dir = dir_with(&[("orders.json", BAD), ("cogs.json", WARN)]);
    let text = stdout(&klar(
        &["--format", "concise", "--ignore", "unknown-field", "."],
        dir.path(),
    ));
    assert!(
        !text.contains("unknown-field") && text.contains("error[schema]"),
        "{text}"
    );
    let text = stdout(&klar(
        &["--format", "concise", "--select", "unknown-field", "."],
        dir.path(),
    ));
    assert!(
        text.contains("unknown-field") && !text.contains("error[schema]"),
        "{text}"
    );
}

#[test]
fn overrides_change_levels_for_matching_paths_only() {
    let dir = dir_with(&[
        ("legacy/orders.json", BAD),
        ("current/orders.json", BAD),
        (
            "klar-lint.toml",
            "[[overrides]]\npaths = [\"legacy/**\"]\nrules = { schema = \"warning\" }\n",
        ),
    ]);
    let out = klar(&["--format", "concise", "legacy", "current"], dir.path());
    let text = stdout(&out);
    assert!(
        text.contains("legacy/orders.json:3:44: warning[schema]"),
        "{text}"
    );
    assert!(
        text.contains("current/orders.json:3:44: error[schema]"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1));
    let out = klar(&["--format", "concise", "legacy"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // The command line wins over an override.
    let out = klar(
        &["--format", "concise", "--ignore", "schema", "legacy"],
        dir.path(),
    );
    assert!(!stdout(&out).contains("[schema]"), "{}", stdout(&out));
}

#[test]
fn a_baseline_hides_known_findings_shows_new_ones_and_counts_fixed_ones() {
    let dir = dir_with(&[
        ("exports/a-orders.json", BAD),
        ("exports/b-cogs.json", WARN),
    ]);
    let out = klar(
        &["--write-baseline", "baseline.json", "exports"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("Wrote 2 findings"),
        "{}",
        stderr(&out)
    );
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(baseline["version"], 1);
    assert_eq!(
        baseline["findings"][0],
        serde_json::json!({
            "file": "exports/a-orders.json",
            "rule": "schema",
            "pointer": "/0/lineItems/0/productGmv",
            "valueHash": format!("{:016x}", klar_lint::render::Fnv1a64::hash(b"\"10\"")),
        })
    );

    // Same files: nothing new, exit 0.
    let out = klar(
        &[
            "--baseline",
            "baseline.json",
            "--format",
            "concise",
            "exports",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("no findings"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("left out 2 known findings"),
        "{}",
        stderr(&out)
    );

    // A new finding is reported; the old one stays hidden, even moved down two lines.
    std::fs::write(
        dir.path().join("exports/a-orders.json"),
        format!(
            "\n\n{}",
            BAD.replace(r#""quantity": 1"#, r#""quantity": "1""#)
        ),
    )
    .unwrap();
    let out = klar(
        &[
            "--baseline",
            "baseline.json",
            "--format",
            "concise",
            "exports",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("`quantity` must be"), "{text}");
    assert!(!text.contains("productGmv"), "{text}");

    // Fixing the warning leaves one baseline entry that no longer occurs.
    std::fs::write(
        dir.path().join("exports/b-cogs.json"),
        WARN.replace(r#", "prodcutCogs": 2"#, ""),
    )
    .unwrap();
    let out = klar(
        &["--baseline", "baseline.json", "--format", "json", "exports"],
        dir.path(),
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["summary"]["baseline"],
        serde_json::json!({"entries": 2, "suppressed": 1, "stale": 1})
    );
    let out = klar(&["--baseline", "baseline.json", "exports"], dir.path());
    assert!(
        stderr(&out).contains("1 baseline entry no longer occurs"),
        "{}",
        stderr(&out)
    );

    // A changed value is a new finding.
    std::fs::write(
        dir.path().join("exports/a-orders.json"),
        BAD.replace(r#""10""#, r#""12""#),
    )
    .unwrap();
    let out = klar(
        &[
            "--baseline",
            "baseline.json",
            "--format",
            "concise",
            "exports",
        ],
        dir.path(),
    );
    assert!(stdout(&out).contains("productGmv"), "{}", stdout(&out));

    let out = klar(&["--baseline", "nope.json", "exports"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn compressed_exports_are_read_and_broken_ones_reported() {
    let gzip = |text: &str| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        gz.finish().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-orders.json.gz"), gzip(BAD)).unwrap();
    let lines = "{\"id\": \"1\", \"createdAt\": \"x\"}\n";
    std::fs::write(dir.path().join("b-orders.jsonl.gz"), gzip(lines)).unwrap();
    let whole = gzip(BAD);
    std::fs::write(
        dir.path().join("c-orders.json.gz"),
        &whole[..whole.len() / 2],
    )
    .unwrap();
    std::fs::write(dir.path().join("d-orders.json.gz"), BAD).unwrap();
    let out = klar(&["--format", "concise", "."], dir.path());
    let text = stdout(&out);
    assert!(
        text.contains("a-orders.json.gz:3:44: error[schema] `productGmv`"),
        "{text}"
    );
    assert!(
        text.contains("b-orders.jsonl.gz:1:26: error[schema] `createdAt`"),
        "{text}"
    );
    assert!(
        text.contains("c-orders.json.gz:1:1: error[io-error] cannot decompress"),
        "{text}"
    );
    assert!(text.contains("d-orders.json.gz:1:1: error[io-error] `./d-orders.json.gz` is named `.gz` but is not gzip"), "{text}");

    // A decompression bomb stops at max-file-size.
    let bomb = format!("[{}]", " ".repeat(100_000));
    std::fs::write(dir.path().join("e-orders.json.gz"), gzip(&bomb)).unwrap();
    std::fs::write(dir.path().join("klar-lint.toml"), "max-file-size = 50000\n").unwrap();
    let out = klar(&["--format", "concise", "e-orders.json.gz"], dir.path());
    assert!(
        stdout(&out).contains("decompresses to more than the 50000 bytes `max-file-size` allows"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn no_progress_bar_when_piped() {
    let dir = dir_with(&[("orders.json", BAD)]);
    let out = klar(&["orders.json"], dir.path());
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn completions_and_man_page_come_from_the_clap_definition() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = klar(&["completions", shell], dir.path());
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        assert!(script.contains("klar-lint"), "{shell}");
        assert!(
            script.contains("write-baseline"),
            "{shell}: every flag is completed"
        );
    }
    let out = klar(&["manpage"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.contains(".TH klar-lint"),
        "{page}"
    );
    assert!(page.contains("fail\\-on"), "{page}");
}

#[test]
fn schema_out_writes_every_schema_for_editors() {
    let dir = tempfile::tempdir().unwrap();
    let out = klar(&["schema", "--out", ".klar-schemas"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for version in ["12.2022", "07.2025"] {
        for kind in [
            "orders",
            "refunds",
            "cogs",
            "logistics-costs",
            "transaction-costs",
        ] {
            let path = dir
                .path()
                .join(format!(".klar-schemas/{version}/{kind}.schema.json"));
            let schema: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert!(schema["$schema"].is_string(), "{}", path.display());
        }
    }
    // 04.2024 and 06.2024: only the kind each is documented for, named after its version.
    for (version, kind) in [
        ("04.2024", "logistics-costs"),
        ("06.2024", "transaction-costs"),
    ] {
        let folder = dir.path().join(".klar-schemas").join(version);
        let files: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(files, vec![format!("{kind}.schema.json")]);
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(folder.join(&files[0])).unwrap())
                .unwrap();
        assert_eq!(
            schema["$id"],
            format!("https://klar-lint.invalid/schemas/{version}/{kind}.schema.json")
        );
    }
}
