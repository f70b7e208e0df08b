//! In-process benchmarks: klar-lint with every rule against the parse ceiling, on the same
//! buffers.
//!
//! - `one-order`, `batch-1000`, `array-20mb`: `serde_json::from_slice::<Value>` alone (the
//!   ceiling), the linter's own parse (`parse_document`, which also notices repeated keys), and
//!   `Linter::lint_bytes` (parse, schema per order, every rule, revenue).
//! - `jsonl`: records per second, `Linter::lint_lines` against a bare single-threaded
//!   per-line parse.
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
use klar_lint::{Config, Linter};
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

criterion_group!(benches, documents, json_lines);
criterion_main!(benches);
