//! Fixes (docs/fixes.md), checked generically over every finding that carries one, so a rule
//! that gains a fix is covered without a line here: over every fixture in tests/fixtures/ and
//! examples/, their minified, pretty, CRLF and BOM variants, JSON Lines, and generated payloads
//! (proptest), each pass of the lint-apply loop is checked against a model:
//!
//! - the text after the pass parses, and means what the accepted changes say (the parsed
//!   value equals the old one with the changes applied to it as values);
//! - every byte outside the accepted edits is unchanged, in order (a minified file stays on
//!   one line, a CRLF file gets no bare LF);
//! - after the loop no fix is left to apply, the fixed findings no longer fire, and fixing
//!   again changes nothing; `Linter::fix` gives the same text.
//!
//! Then the binary: `--diff`, nothing written without `--fix`, permissions kept, a file that
//! does not parse left alone, `.gz` and standard input refused, exit codes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::case_sensitive_file_extension_comparisons,
    clippy::cast_possible_truncation
)]

#[path = "properties/generator.rs"]
mod generator;

#[allow(dead_code)]
#[path = "../examples/generate.rs"]
mod generate;

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use klar_lint::fix::{apply, Applicability, Change, Fix};
use klar_lint::json::Span;
use klar_lint::{Config, Diagnostic, FileReport, Linter, Pointer};
use proptest::prelude::*;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn linter() -> Linter {
    Linter::new(Config::default()).unwrap()
}

fn is_lines(name: &str) -> bool {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    name.ends_with(".jsonl") || name.ends_with(".ndjson")
}

/// The text as one value: the document, or a JSON Lines file's records as an array (record
/// pointers `/{record}/...` then name the same values). `None` when it does not parse.
fn value_of(name: &str, text: &str) -> Option<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if is_lines(name) {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).ok())
            .collect::<Option<Vec<Value>>>()
            .map(Value::Array)
    } else {
        serde_json::from_str(text).ok()
    }
}

fn tokens(p: &Pointer) -> Vec<String> {
    p.tokens().map(std::borrow::Cow::into_owned).collect()
}

fn get_mut<'v>(v: &'v mut Value, tokens: &[String]) -> Option<&'v mut Value> {
    tokens.iter().try_fold(v, |v, t| match v {
        Value::Object(m) => m.get_mut(t),
        Value::Array(a) => a.get_mut(t.parse::<usize>().ok()?),
        _ => None,
    })
}

/// A change applied to the parsed value: what the edits must mean.
fn model(doc: &mut Value, change: &Change) {
    match change {
        Change::Replace { at, json } => {
            *get_mut(doc, &tokens(at)).unwrap() = serde_json::from_str(json).unwrap();
        }
        Change::Remove { at } => {
            let t = tokens(at);
            let (last, parent) = t.split_last().unwrap();
            match get_mut(doc, parent).unwrap() {
                Value::Object(m) => {
                    m.remove(last).unwrap();
                }
                Value::Array(a) => {
                    a.remove(last.parse::<usize>().unwrap());
                }
                _ => panic!("remove in a scalar"),
            }
        }
        Change::RenameKey { at, key } => {
            let t = tokens(at);
            let (last, parent) = t.split_last().unwrap();
            let Value::Object(m) = get_mut(doc, parent).unwrap() else {
                panic!("rename outside an object")
            };
            let v = m.remove(last).unwrap();
            m.insert(key.clone(), v);
        }
        Change::Wrap { at, before, after } => {
            let v = get_mut(doc, &tokens(at)).unwrap();
            *v = serde_json::from_str(&format!("{before}{v}{after}")).unwrap();
        }
        Change::Unwrap { at, within } => {
            let inner = get_mut(doc, &tokens(at)).unwrap().clone();
            *get_mut(doc, &tokens(within)).unwrap() = inner;
        }
    }
}

fn conflict(a: Span, b: Span) -> bool {
    (a.start < b.end && b.start < a.end)
        || (a.start == b.start && (a.start == a.end || b.start == b.end))
}

fn wanted(d: &Diagnostic, unsafe_fixes: bool) -> Option<&Fix> {
    d.fix
        .as_ref()
        .filter(|f| f.is_offered() && (unsafe_fixes || f.applicability == Applicability::Safe))
}

/// Checks one pass: which fixes the engine accepts (first edit first, none overlapping one
/// accepted before), that the new text keeps every byte outside their edits, and that it
/// parses to the old value with their changes applied. Returns the new text and the count.
fn check_pass(name: &str, text: &str, report: &FileReport, unsafe_fixes: bool) -> (String, usize) {
    let offset = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = &text[offset..];
    let mut fixes: Vec<&Fix> = report
        .diagnostics
        .iter()
        .filter_map(|d| wanted(d, unsafe_fixes))
        .collect();
    fixes.sort_by_key(|f| f.edits.first().map(|e| (e.span.start, e.span.end)));
    let mut accepted: Vec<&Fix> = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    for fix in &fixes {
        if fix
            .edits
            .iter()
            .any(|e| spans.iter().any(|s| conflict(*s, e.span)))
        {
            continue;
        }
        spans.extend(fix.edits.iter().map(|e| e.span));
        accepted.push(fix);
    }
    let applied = apply(body, fixes.iter().copied());
    assert_eq!(applied.fixed, accepted.len(), "{name}");
    let new = format!("{}{}", &text[..offset], applied.text);
    // Bytes outside the accepted edits, in order.
    spans.sort_by_key(|s| (s.start, s.end));
    let mut rest = applied.text.as_str();
    let mut at = 0;
    for (i, s) in spans
        .iter()
        .chain([&Span {
            start: body.len(),
            end: body.len(),
        }])
        .enumerate()
    {
        let kept = &body[at..s.start];
        let found = if i == 0 {
            rest.starts_with(kept).then_some(0)
        } else if i == spans.len() {
            // The text after the last edit ends the file (it may be empty, after a wrap).
            rest.ends_with(kept).then(|| rest.len() - kept.len())
        } else {
            rest.find(kept)
        };
        let found = found.unwrap_or_else(|| {
            panic!(
                "{name}: bytes {at}..{} changed:\n{kept:?}\nin\n{}",
                s.start, applied.text
            )
        });
        rest = &rest[found + kept.len()..];
        at = s.end;
    }
    assert!(rest.is_empty(), "{name}: text after the last edit changed");
    // Means what the changes say, applied in reverse text order so pointers stay valid.
    let mut expected = value_of(name, text).unwrap();
    let mut changes: Vec<(usize, &Change)> = accepted
        .iter()
        .flat_map(|f| {
            let start = f.edits.first().map_or(0, |e| e.span.start);
            f.changes.iter().map(move |c| (start, c))
        })
        .collect();
    changes.sort_by_key(|(start, _)| std::cmp::Reverse(*start));
    for (_, change) in changes {
        model(&mut expected, change);
    }
    let got = value_of(name, &new)
        .unwrap_or_else(|| panic!("{name}: the fixed text does not parse:\n{new}"));
    assert_eq!(
        got, expected,
        "{name}: the fixed text means something else:\n{new}"
    );
    (new, accepted.len())
}

/// The properties on one file; returns the findings fixed.
fn check(linter: &Linter, name: &str, text: &str, unsafe_fixes: bool) -> usize {
    let lint =
        |t: &str| linter.lint_named(name, t.strip_prefix('\u{feff}').unwrap_or(t).as_bytes());
    let first = lint(text);
    if value_of(name, text).is_none() {
        // Never fixed: `Linter::fix` gives the text back as it was.
        let result = linter.fix(name, text, true);
        assert_eq!((result.text.as_str(), result.fixed), (text, 0), "{name}");
        return 0;
    }
    let fixed_findings: Vec<(&str, String, String)> = first
        .diagnostics
        .iter()
        .filter(|d| wanted(d, unsafe_fixes).is_some())
        .map(|d| (d.rule(), d.pointer.to_string(), d.message.clone()))
        .collect();
    let mut text_now = text.to_owned();
    let mut report = first.clone();
    let mut fixed = 0;
    for _ in 0..klar_lint::fix::MAX_PASSES {
        let (new, n) = check_pass(name, &text_now, &report, unsafe_fixes);
        if n == 0 || new == text_now {
            break;
        }
        fixed += n;
        text_now = new;
        report = lint(&text_now);
    }
    let left: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| wanted(d, unsafe_fixes).is_some())
        .map(|d| format!("{} {} {}", d.rule(), d.pointer, d.message))
        .collect();
    assert!(
        left.is_empty(),
        "{name}: fixes left after the loop: {left:#?}"
    );
    let after: HashSet<(&str, String, String)> = report
        .diagnostics
        .iter()
        .map(|d| (d.rule(), d.pointer.to_string(), d.message.clone()))
        .collect();
    for f in &fixed_findings {
        assert!(
            !after.contains(f),
            "{name}: {f:?} still fires after its fix:\n{text_now}"
        );
    }
    if !text.contains('\n') {
        assert!(
            !text_now.contains('\n'),
            "{name}: a minified file gained a line break"
        );
    }
    if text.contains("\r\n") && !text.replace("\r\n", "").contains('\n') {
        assert!(
            !text_now.replace("\r\n", "").contains('\n'),
            "{name}: a CRLF file gained a bare LF"
        );
    }
    let result = linter.fix(name, text, unsafe_fixes);
    assert_eq!(
        result.text, text_now,
        "{name}: Linter::fix differs from the model loop"
    );
    assert_eq!(result.fixed, fixed, "{name}");
    let again = linter.fix(name, &result.text, unsafe_fixes);
    assert_eq!(
        (again.fixed, again.text.as_str()),
        (0, result.text.as_str()),
        "{name}: fixing again changed it"
    );
    fixed
}

/// Every payload file under `dir`, with its name relative to the crate.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if ["json", "jsonl", "ndjson"]
            .iter()
            .any(|e| path.extension().is_some_and(|x| x == *e))
        {
            out.push(path);
        }
    }
}

/// The layouts a document may come in: as written, minified, pretty, CRLF, with a BOM.
fn variants(name: &str, text: &str) -> Vec<(String, String)> {
    let mut out = vec![("as written".to_owned(), text.to_owned())];
    if is_lines(name) {
        out.push(("CRLF".to_owned(), text.replace('\n', "\r\n")));
        return out;
    }
    if let Some(v) = value_of(name, text) {
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        out.push(("minified".to_owned(), serde_json::to_string(&v).unwrap()));
        out.push(("CRLF".to_owned(), pretty.replace('\n', "\r\n")));
        out.push(("BOM".to_owned(), format!("\u{feff}{pretty}")));
        out.push(("pretty".to_owned(), pretty));
    }
    out
}

#[test]
fn every_fix_of_every_fixture_and_example_holds_in_every_layout() {
    let linter = linter();
    let mut paths = Vec::new();
    for dir in [
        "tests/fixtures",
        "examples/payloads",
        "examples/broken",
        "tests/connectors",
    ] {
        if root().join(dir).is_dir() {
            files(&root().join(dir), &mut paths);
        }
    }
    paths.sort();
    let mut fixed_by_rule: std::collections::BTreeMap<String, usize> =
        std::collections::BTreeMap::new();
    for path in &paths {
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for unsafe_fixes in [false, true] {
            for (layout, variant) in variants(&name, &text) {
                let before = linter.lint_named(
                    &name,
                    variant
                        .strip_prefix('\u{feff}')
                        .unwrap_or(&variant)
                        .as_bytes(),
                );
                let n = check(&linter, &name, &variant, unsafe_fixes);
                if n > 0 && layout == "as written" && !unsafe_fixes {
                    for d in before
                        .diagnostics
                        .iter()
                        .filter(|d| wanted(d, false).is_some())
                    {
                        *fixed_by_rule.entry(d.rule().to_owned()).or_default() += 1;
                    }
                }
            }
        }
    }
    eprintln!(
        "fixed per rule over {} files: {fixed_by_rule:?}",
        paths.len()
    );
    assert!(
        fixed_by_rule.get("zero-date").is_some_and(|&n| n >= 6),
        "{fixed_by_rule:?}"
    );
}

/// Generated orders from the benchmark generator, as one big array (over 64 KiB: the
/// streamed path) and as JSON Lines, with zero timestamps put in.
#[test]
fn generated_batches_with_zero_timestamps_are_fixed() {
    let linter = linter();
    for ndjson in [false, true] {
        let mut bytes = Vec::new();
        generate::write_orders(&mut bytes, 7, 0, 200, ndjson).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.len() > 64 * 1024);
        let mut i = 0;
        let zeroed = text
            .split("\"createdAt\":")
            .enumerate()
            .map(|(n, part)| {
                i += 1;
                match n % 3 {
                    1 => format!("\"closedAt\":0,\"cancelledAt\":0,\"createdAt\":{part}"),
                    2 => format!("\"updatedAt\":0,\"createdAt\":{part}"),
                    _ if n == 0 => part.to_owned(),
                    _ => format!("\"createdAt\":{part}"),
                }
            })
            .collect::<String>();
        let name = if ndjson {
            "orders.jsonl"
        } else {
            "orders.json"
        };
        // `updatedAt` may now be written twice; the last one is the one that counts.
        let n = check(&linter, name, &zeroed, false);
        assert!(n >= 100, "{name}: {n}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn generated_orders_with_zero_timestamps_are_fixed(
        specs in generator::batch_spec(),
        zero in prop::collection::vec(prop::sample::subsequence(vec!["cancelledAt", "closedAt", "processedAt", "updatedAt"], 0..4), 1..4),
        layout in 0..4usize,
        unsafe_fixes in any::<bool>(),
    ) {
        let mut value = generator::batch_value(&specs);
        for (order, keys) in value.as_array_mut().unwrap().iter_mut().zip(&zero) {
            for key in keys {
                order[*key] = Value::from(0);
            }
        }
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let text = match layout {
            0 => serde_json::to_string(&value).unwrap(),
            1 => pretty.replace('\n', "\r\n"),
            2 => format!("\u{feff}{pretty}"),
            _ => pretty,
        };
        let zeros: usize = zero.iter().take(specs.len()).map(Vec::len).sum();
        let n = check(&linter(), "orders.json", &text, unsafe_fixes);
        prop_assert_eq!(n, zeros);
    }
}

// The binary.

fn klar(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args(["--no-config", "--no-progress", "--color", "never"])
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A clean order but for `cancelledAt: 0` (an error) and `closedAt: 0` (a warning).
const ORDER: &str = r#"[
  {
    "id": "100123815",
    "orderNumber": "1001",
    "createdAt": 1678376546,
    "updatedAt": 1678376546,
    "currencyCodeIso3Letter": "EUR",
    "financialStatus": "paid",
    "shipmentStatus": "shipped",
    "customer": {"id": "c1"},
    "shipping": {"shippingTotalAmountBeforeTaxAndDiscounts": 0, "shippingTotalAmountAfterTaxAndDiscounts": 0, "currencyCodeIso3Letter": "EUR"},
    "lineItems": [],
    "closedAt": 0,
    "cancelledAt": 0
  }
]
"#;

fn dir_with(name: &str, text: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn nothing_is_written_without_fix() {
    let (dir, path) = dir_with("orders.json", ORDER.as_bytes());
    for args in [
        &[][..],
        &["--unsafe-fixes"],
        &["--diff"],
        &["--diff", "--fix"],
        &["--format", "json"],
    ] {
        let mut all = args.to_vec();
        all.push("orders.json");
        klar(&all, dir.path());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), ORDER, "{args:?}");
    }
    let out = klar(&["orders.json"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("fix: remove `cancelledAt`"), "{stdout}");
    assert!(
        stdout.contains("[*] 2 findings fixable with `--fix`."),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn fix_writes_the_file_keeps_its_mode_and_the_findings_left_decide_the_exit() {
    let (dir, path) = dir_with("orders.json", ORDER.as_bytes());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = klar(&["--fix", "orders.json"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("Fixed 2 findings."), "{stdout}");
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        fixed,
        ORDER.replace(",\n    \"closedAt\": 0,\n    \"cancelledAt\": 0", "")
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777,
        0o640
    );
    // No temporary file left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // Clean now: a second run has nothing to fix.
    let again = klar(&["--fix", "orders.json"], dir.path());
    assert_eq!(again.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&again.stdout).contains("Fixed"));
}

#[test]
fn diff_prints_a_unified_diff_and_exits_1_when_there_is_one() {
    let (dir, _path) = dir_with("orders.json", ORDER.as_bytes());
    let out = klar(&["--diff", "orders.json"], dir.path());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "--- orders.json\n+++ orders.json\n@@ -9,8 +9,6 @@\n     \"shipmentStatus\": \"shipped\",\n     \"customer\": {\"id\": \"c1\"},\n     \"shipping\": {\"shippingTotalAmountBeforeTaxAndDiscounts\": 0, \"shippingTotalAmountAfterTaxAndDiscounts\": 0, \"currencyCodeIso3Letter\": \"EUR\"},\n-    \"lineItems\": [],\n-    \"closedAt\": 0,\n-    \"cancelledAt\": 0\n+    \"lineItems\": []\n   }\n ]\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Would fix 2 findings in 1 file.\n"
    );
    assert_eq!(out.status.code(), Some(1));
    let clean = ORDER.replace(",\n    \"closedAt\": 0,\n    \"cancelledAt\": 0", "");
    let (dir, _path) = dir_with("orders.json", clean.as_bytes());
    let out = klar(&["--diff", "orders.json"], dir.path());
    assert_eq!((out.stdout.len(), out.status.code()), (0, Some(0)));
}

#[test]
fn a_file_that_does_not_parse_is_never_fixed() {
    let broken = ORDER.replace("\"lineItems\": [],", "\"lineItems\": [],,");
    let (dir, path) = dir_with("orders.json", broken.as_bytes());
    let out = klar(&["--fix", "orders.json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    // JSON Lines: one record that does not parse keeps the whole file from being fixed, even
    // though the other records' findings offer fixes.
    let lines = "{\"id\":\"1\",\"createdAt\":1678376546,\"currencyCodeIso3Letter\":\"EUR\",\"lineItems\":[],\"closedAt\":0}\n{\"id\":\"2\",\n";
    let (dir, path) = dir_with("orders.jsonl", lines.as_bytes());
    let out = klar(
        &["--fix", "--format", "concise", "orders.jsonl"],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("[*]"),
        "the good record's fix is offered: {stdout}"
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), lines);
}

#[test]
fn json_lines_are_fixed_record_by_record() {
    let line = |id: u32, extra: &str| {
        format!("{{\"id\":\"{id}\",\"orderNumber\":\"{id}\",\"createdAt\":1678376546,\"updatedAt\":1678376546,\"currencyCodeIso3Letter\":\"EUR\",\"financialStatus\":\"paid\",\"shipmentStatus\":\"shipped\",\"lineItems\":[]{extra}}}\n")
    };
    let text = [
        line(1, ""),
        line(2, ",\"closedAt\":0"),
        line(3, ",\"cancelledAt\":0,\"closedAt\":0"),
    ]
    .concat();
    let (dir, path) = dir_with("orders.jsonl", text.as_bytes());
    let out = klar(
        &["--fix", "--format", "concise", "orders.jsonl"],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Fixed 3 findings."), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        [line(1, ""), line(2, ""), line(3, "")].concat()
    );
}

#[test]
fn compressed_files_and_standard_input_are_not_rewritten() {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(ORDER.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let (dir, path) = dir_with("orders.json.gz", &bytes);
    let out = klar(&["--fix", "orders.json.gz"], dir.path());
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert_eq!(out.status.code(), Some(1));
    // Its findings offer no fix: the edits would be on the decompressed text.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("zero-date") && !text.contains("fixable"),
        "{text}"
    );
    assert!(!text.contains("fix:"), "{text}");
    let out = klar(&["--fix", "-"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("standard input cannot be fixed in place")
    );
}

#[test]
fn the_json_report_carries_the_fix_with_its_edits() {
    let (dir, _path) = dir_with("orders.json", ORDER.as_bytes());
    let out = klar(&["--format", "json", "orders.json"], dir.path());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fixes: Vec<&Value> = report["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.get("fix"))
        .collect();
    assert_eq!(fixes.len(), 2);
    let cancelled = fixes
        .iter()
        .find(|f| f["message"] == "remove `cancelledAt`")
        .unwrap();
    assert_eq!(cancelled["applicability"], "safe");
    let edit = &cancelled["edits"][0];
    let (start, end) = (
        edit["start"].as_u64().unwrap() as usize,
        edit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&ORDER[start..end], ",\n    \"cancelledAt\": 0");
    assert_eq!(
        edit["location"],
        serde_json::json!({"line": 13, "column": 18})
    );
    assert_eq!(
        report["summary"]["fixes"],
        serde_json::json!({"fixed": 0, "safe": 2, "unsafe": 0})
    );
}

#[test]
fn one_line_formats_mark_only_what_fix_fixes() {
    // per-unit-tax's fix is unsafe: counted apart, not marked `[*]`.
    let out = klar(
        &[
            "--format",
            "concise",
            "examples/broken/orders-per-unit-tax.json",
        ],
        root(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[per-unit-tax] `taxAmount`"), "{text}");
    assert!(
        text.contains("1 finding fixable with `--fix --unsafe-fixes`"),
        "{text}"
    );
    let out = klar(
        &[
            "--format",
            "concise",
            "examples/broken/orders-zero-date.json",
        ],
        root(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("error[zero-date] [*] `cancelledAt`"),
        "{text}"
    );
}
