//! Arbitrary bytes into `Linter::lint_bytes` (one document) and `Linter::lint_lines` (JSON
//! Lines), under every kind: a report, never a panic. Seeded with examples/payloads and
//! examples/broken (see fuzz/README.md).

#![no_main]

use std::sync::OnceLock;

use klar_lint::Linter;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

static LINTERS: OnceLock<Vec<Linter>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let linters = LINTERS.get_or_init(common::linters);
    // The first byte picks the linter, so one input exercises one path deeply.
    let (pick, bytes) = data.split_first().map_or((0, data), |(p, rest)| (*p, rest));
    let linter = &linters[usize::from(pick) % linters.len()];
    let report = linter.lint_bytes("fuzz.json", bytes);
    common::check(&report, bytes.len());
    let report = linter.lint_lines("fuzz.jsonl", bytes);
    // JSON Lines spans are offsets in the whole input.
    common::check(&report, bytes.len());
});
