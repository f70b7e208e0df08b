//! The streamed and chunked paths against the whole-document, one-object-at-a-time ones: the
//! same report, byte for byte, on clean and broken input, under several configs.

use serde_json::Value;

use super::{Pipeline, CHUNK_BYTES, CHUNK_OBJECTS};
use crate::config::{Config, RuleLevel};
use crate::diagnostic::Severity;

const ORDERS: &str = "data/07.2025/orders/orders.json";

fn linter(config: Config, parallel: bool) -> Pipeline {
    let mut linter = Pipeline::new(config).unwrap();
    linter.parallel = parallel;
    linter
}

fn configs() -> Vec<(&'static str, Config)> {
    vec![
        ("default", Config::default()),
        (
            "cap 7, batch 100",
            Config {
                max_diagnostics_per_file: 7,
                max_batch_size: 100,
                ..Config::default()
            },
        ),
        (
            "duplicate-id as error, zero-date off",
            Config::default()
                .with_rule("duplicate-id", RuleLevel::On(Severity::Error))
                .unwrap()
                .with_rule("zero-date", RuleLevel::Off)
                .unwrap(),
        ),
    ]
}

/// The example orders (a bundle among them), repeated with ids `200000000`, `200000001`,
/// ...: one order per line, as a JSON array or as JSON Lines.
fn orders(n: usize, lines: bool) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/payloads/07.2025/orders/orders.json"
    ))
    .unwrap();
    let examples: Vec<Value> = serde_json::from_str(&text).unwrap();
    let records: Vec<String> = (0..n)
        .map(|i| {
            let mut order = examples[i % examples.len()].clone();
            order["id"] = Value::String(format!("{}", 200_000_000 + i));
            serde_json::to_string(&order).unwrap()
        })
        .collect();
    if lines {
        records.join("\n") + "\n"
    } else {
        format!("[\n{}\n]\n", records.join(",\n"))
    }
}

fn generated(n: usize) -> String {
    orders(n, false)
}

/// Documents: generated batches with faults put in, odd shapes, and every example file.
fn documents() -> Vec<(String, String)> {
    let clean = generated(600);
    let mut docs = vec![
        (ORDERS.to_owned(), clean.clone()),
        // The same id again, in the first chunk and across chunks.
        (
            ORDERS.to_owned(),
            clean
                .replace(r#""id":"200000010""#, r#""id":"200000003""#)
                .replace(r#""id":"200000450""#, r#""id":"200000003""#),
        ),
        (
            ORDERS.to_owned(),
            clean.replace(r#""createdAt":"#, r#""cancelledAt":0,"createdAt":"#),
        ),
        (
            ORDERS.to_owned(),
            clean
                .replacen(r#""quantity":1,"#, r#""quantity":"1","#, 3)
                .replacen(r#""taxAmount":"#, r#""taxAmount":1e400,"taxAmunt":"#, 2)
                .replacen(
                    r#""currencyCodeIso3Letter":"EUR""#,
                    r#""currencyCodeIso3Letter":"EUR","currencyCodeIso3Letter":"USD""#,
                    1,
                ),
        ),
        // No version in the path: bundles in the content decide it.
        ("exports/orders.json".to_owned(), clean.clone()),
        ("data/12.2022/orders/orders.json".to_owned(), clean.clone()),
        // No kind in the path: the content tells it.
        ("data/07.2025/batch.json".to_owned(), clean.clone()),
        ("-".to_owned(), generated(3)),
        (ORDERS.to_owned(), "[]".to_owned()),
        (ORDERS.to_owned(), " [ \n ] \n".to_owned()),
        (
            ORDERS.to_owned(),
            format!("{},]", clean.trim_end().trim_end_matches(']')),
        ),
        (ORDERS.to_owned(), clean.replacen("},\n{", "}\n{", 1)),
        (ORDERS.to_owned(), format!("{clean} x")),
        (
            ORDERS.to_owned(),
            r#"[1, "a", null, {"id": "1"}, [], true]"#.to_owned(),
        ),
        (
            ORDERS.to_owned(),
            format!("[{}1{}]", "[".repeat(80), "]".repeat(80)),
        ),
        (
            "data/07.2025/refunds/refunds.json".to_owned(),
            r#"[{"id": "R1", "lineItems": []}, {"id": "R1", "lineItems": []}]"#.to_owned(),
        ),
        (
            "data/07.2025/cogs/cogs.json".to_owned(),
            r#"[{"orderId": "1", "sku": "A", "productCogs": 1}]"#.to_owned(),
        ),
    ];
    let pretty: Value = serde_json::from_str(&generated(40)).unwrap();
    docs.push((
        ORDERS.to_owned(),
        serde_json::to_string_pretty(&pretty).unwrap(),
    ));
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut stack = vec![std::path::PathBuf::from(root)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let bytes = std::fs::read(&path).unwrap();
                let name = path.strip_prefix(root).unwrap().display().to_string();
                docs.push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    docs
}

#[test]
fn streamed_arrays_report_exactly_what_the_whole_document_path_reports() {
    let docs = documents();
    let mut streamed = 0;
    for (name, config) in configs() {
        let parallel = linter(config.clone(), true);
        let sequential = linter(config, false);
        for (path, text) in &docs {
            let whole = sequential.lint_document_with(path, text.as_bytes(), false);
            for (how, l) in [("parallel", &parallel), ("sequential", &sequential)] {
                let report = l.lint_document_with(path, text.as_bytes(), true);
                assert_eq!(
                    format!("{report:#?}"),
                    format!("{whole:#?}"),
                    "{path} ({name}, {how})"
                );
            }
            streamed += usize::from(parallel.lint_array_streamed(path, text).is_some());
        }
    }
    // The generated batches with a version in the path take the streamed path.
    assert!(streamed >= 3 * 8, "streamed {streamed}");
}

#[test]
fn the_whole_document_path_is_the_same_in_parallel_and_in_sequence() {
    for (name, config) in configs() {
        let parallel = linter(config.clone(), true);
        let sequential = linter(config, false);
        for (path, text) in documents() {
            let a = parallel.lint_document_with(&path, text.as_bytes(), false);
            let b = sequential.lint_document_with(&path, text.as_bytes(), false);
            assert_eq!(format!("{a:#?}"), format!("{b:#?}"), "{path} ({name})");
        }
    }
}

fn json_lines() -> Vec<(String, Vec<u8>)> {
    let clean = orders(700, true);
    let path = "data/07.2025/orders/orders.jsonl".to_owned();
    let mut broken = clean
        .replace(r#""id":"200000020""#, r#""id":"200000002""#)
        .replace(r#""id":"200000650""#, r#""id":"200000002""#)
        .replacen(r#""createdAt":"#, r#""cancelledAt":0,"createdAt":"#, 40)
        .replacen('\n', "\n\n  \n", 3)
        .replacen('\n', "\n{\"id\": \n", 1)
        .replacen('\n', "\n[1, 2]\n", 1)
        .into_bytes();
    broken.extend_from_slice(b"{\"id\": \"x\xFF\"}\n");
    broken.extend_from_slice(b"{\"a\": 1, \"a\": 2}\r\n");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(clean.as_bytes());
    vec![
        (path.clone(), clean.clone().into_bytes()),
        (path.clone(), broken.clone()),
        (path.clone(), bom),
        // The kind from the content, after records that cannot tell it.
        (
            "data/07.2025/export.jsonl".to_owned(),
            [b"{\"x\": 1}\n[]\n".as_slice(), clean.as_bytes()].concat(),
        ),
        ("data/export.jsonl".to_owned(), broken),
        (path.clone(), Vec::new()),
        (path, b"\n \n".to_vec()),
    ]
}

#[test]
fn json_lines_chunks_do_not_change_the_report() {
    for (name, config) in configs() {
        let parallel = linter(config.clone(), true);
        let sequential = linter(config, false);
        for (path, bytes) in json_lines() {
            // One record at a time, in order: the loop as it was before chunks.
            let one = sequential.lint_jsonl_chunked(&path, std::io::Cursor::new(&bytes), 1, 1);
            if name == "default" && path.ends_with("orders.jsonl") && bytes.len() > 9 {
                // Records far apart, in different chunks, still see each other's ids.
                let repeats = one
                    .diagnostics
                    .iter()
                    .filter(|d| d.rule() == "duplicate-id")
                    .count();
                let broken = bytes.windows(3).any(|w| w == b"[1,");
                assert_eq!(repeats, if broken { 2 } else { 0 }, "{path}");
            }
            for (records, bytes_per_chunk) in
                [(3, usize::MAX), (1000, 1000), (CHUNK_OBJECTS, CHUNK_BYTES)]
            {
                for l in [&parallel, &sequential] {
                    let report = l.lint_jsonl_chunked(
                        &path,
                        std::io::Cursor::new(&bytes),
                        records,
                        bytes_per_chunk,
                    );
                    assert_eq!(
                        format!("{report:#?}"),
                        format!("{one:#?}"),
                        "{path} ({name}, chunks of {records} / {bytes_per_chunk})"
                    );
                }
            }
        }
    }
}
