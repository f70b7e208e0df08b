//! In-process benchmarks: klar-lint with every rule against the parse ceiling, on the same
//! buffers.
//!
//! - `one-order`, `batch-1000`, `array-20mb`: `serde_json::from_slice::<Value>` alone (the
//!   ceiling), the linter's own parse (`parse_document`, which also notices repeated keys), and
//!   `Linter::lint_bytes` (parse, schema per order, every rule, revenue).
//! - `jsonl`: records per second, `Linter::lint_lines` against a bare single-threaded
//!   per-line parse.
//! - `across-files`: a `Run` over orders and their COGS and logistics costs in JSON Lines
//!   files, with the checks across files (docs/cross-file.md) and without them
//!   (`Run::without_checks_across_files`): the cost of the run's index of orders.
//!
//! The data comes from `examples/generate.rs` (seed 7), so every run sees the same bytes. Run
//! with `cargo bench`; a run takes about three minutes on two cores. `cargo bench -- batch`
//! runs one group.

#[allow(dead_code)]
#[path = "../examples/generate.rs"]
mod generate;

use std::hint::black_box;
use std::io::Cursor;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use klar_lint::run::Input;
use klar_lint::{Config, Linter, Run};
use serde_json::Value;

const SEED: u64 = 7;
const PATH: &str = "bench/07.2025/orders/orders.json";
const JSONL_PATH: &str = "bench/07.2025/orders/orders.jsonl";

fn array(orders: u64) -> Vec<u8> {
    let mut out = Vec::new();
    generate::write_orders(&mut out, SEED, 0, orders, false).unwrap_or_default();
    out
}

fn lines(orders: u64) -> Vec<u8> {
    let mut out = Vec::new();
    generate::write_orders(&mut out, SEED, 0, orders, true).unwrap_or_default();
    out
}

/// Every rule on, and one array may hold any number of orders (the 20 MB array is one file,
/// not one request).
fn linter() -> Linter {
    let config = Config {
        max_batch_size: usize::MAX,
        ..Config::default()
    };
    match Linter::new(config) {
        Ok(linter) => linter,
        Err(e) => unreachable!("the default configuration is valid: {e}"),
    }
}

fn documents(c: &mut Criterion) {
    let linter = linter();
    // Orders of about 1.8 kB: 11,000 make the 20 MB array.
    for (name, orders, samples, seconds) in [
        ("one-order", 1, 100, 3),
        ("batch-1000", 1_000, 20, 8),
        ("array-20mb", 11_000, 10, 15),
    ] {
        let bytes = array(orders);
        // The linter must find nothing: a clean file takes the fast path that matters.
        let report = linter.lint_bytes(PATH, &bytes);
        assert!(
            report.diagnostics.is_empty(),
            "{name}: {:?}",
            report.diagnostics.first()
        );
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.sample_size(samples);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(seconds));
        group.bench_function("serde_json::from_slice::<Value>", |b| {
            b.iter(|| serde_json::from_slice::<Value>(black_box(&bytes)).map(drop));
        });
        group.bench_function("parse_document", |b| {
            let text = std::str::from_utf8(&bytes).unwrap_or_default();
            b.iter(|| klar_lint::json::parse_document(black_box(text)).map(drop));
        });
        group.bench_function("lint_bytes", |b| {
            b.iter(|| linter.lint_bytes(PATH, black_box(&bytes)));
        });
        group.finish();
    }
}

fn json_lines(c: &mut Criterion) {
    let linter = linter();
    let records = 20_000u64;
    let bytes = lines(records);
    let report = linter.lint_lines(JSONL_PATH, Cursor::new(&bytes));
    assert!(
        report.diagnostics.is_empty(),
        "{:?}",
        report.diagnostics.first()
    );
    assert_eq!(report.objects as u64, records);
    let mut group = c.benchmark_group("jsonl");
    group.throughput(Throughput::Elements(records));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(15));
    group.bench_function(
        BenchmarkId::new("per-line serde_json parse", records),
        |b| {
            b.iter(|| {
                for line in black_box(&bytes).split(|&b| b == b'\n') {
                    if !line.is_empty() {
                        let _ = black_box(serde_json::from_slice::<Value>(line));
                    }
                }
            });
        },
    );
    group.bench_function(BenchmarkId::new("lint_lines", records), |b| {
        b.iter(|| linter.lint_lines(JSONL_PATH, Cursor::new(black_box(&bytes))));
    });
    group.finish();
}

/// Orders in `files` JSON Lines files, and per orders file a COGS file (one item per line
/// with an `id`) and a logistics-costs file (one per order).
fn across_inputs(orders: u64, files: u64) -> Vec<Input> {
    let mut inputs = Vec::new();
    let per_file = orders / files;
    for f in 0..files {
        let first = f * per_file;
        let (mut cogs, mut logistics) = (String::new(), String::new());
        for order in generate::orders(SEED, first, per_file) {
            let id = order["id"].as_str().unwrap_or_default().to_owned();
            for line in order["lineItems"].as_array().into_iter().flatten() {
                if let Some(line_id) = line["id"].as_str() {
                    let item = serde_json::json!({"orderId": id, "lineItemId": line_id, "productCogs": 1.5});
                    cogs.push_str(&item.to_string());
                    cogs.push('\n');
                }
            }
            let item = serde_json::json!({"orderId": id, "totalLogisticsCosts": 4.9});
            logistics.push_str(&item.to_string());
            logistics.push('\n');
        }
        let mut text = Vec::new();
        generate::write_orders(&mut text, SEED, first, per_file, true).unwrap_or_default();
        inputs.push(Input::Bytes {
            name: format!("bench/07.2025/orders/orders-{f}.jsonl"),
            bytes: text,
        });
        inputs.push(Input::Bytes {
            name: format!("bench/07.2025/cogs/cogs-{f}.jsonl"),
            bytes: cogs.into_bytes(),
        });
        inputs.push(Input::Bytes {
            name: format!("bench/07.2025/logistics-costs/logistics-costs-{f}.jsonl"),
            bytes: logistics.into_bytes(),
        });
    }
    inputs
}

fn across_files(c: &mut Criterion) {
    let linter = linter();
    let orders = 20_000u64;
    let inputs = across_inputs(orders, 4);
    let run = |across: bool| {
        let mut run = Run::new(&linter);
        if !across {
            run = run.without_checks_across_files();
        }
        let mut findings = 0;
        run.lint(&inputs, |r| findings += r.diagnostics.len());
        findings
    };
    // Every cost names a line of an order of the run: the checks across files find nothing.
    assert_eq!(run(true), run(false));
    let mut group = c.benchmark_group("across-files");
    group.throughput(Throughput::Elements(orders));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(15));
    group.bench_function(BenchmarkId::new("checks across files", orders), |b| {
        b.iter(|| run(true));
    });
    group.bench_function(
        BenchmarkId::new("without_checks_across_files", orders),
        |b| {
            b.iter(|| run(false));
        },
    );
    group.finish();
}

criterion_group!(benches, documents, json_lines, across_files);
criterion_main!(benches);
