//! Properties over generated orders (proptest): valid orders are clean, every finding's span
//! holds the value at its pointer, and the output does not depend on the number of threads.
//! The rule-by-rule mutation properties are in tests/rule_properties.rs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "properties/generator.rs"]
mod generator;

use std::path::Path;
use std::process::{Command, Stdio};

use generator::{batch_spec, batch_value, pointers, print};
use klar_lint::diagnostic::Anchor;
use klar_lint::{ApiVersion, Config, Linter, PayloadKind, Severity};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::Value;

fn linter() -> Linter {
    Linter::new(
        Config::default()
            .with_kind(PayloadKind::Orders)
            .with_api_version(ApiVersion::V07_2025),
    )
    .unwrap()
}

/// A value of another JSON type than `v`.
fn other_type(v: &Value, pick: usize) -> Value {
    let choices = [
        Value::String("x".into()),
        Value::from(7),
        serde_json::json!({}),
        serde_json::json!([]),
        Value::Null,
        Value::Bool(true),
    ];
    let same = |c: &Value| std::mem::discriminant(c) == std::mem::discriminant(v);
    let others: Vec<_> = choices.into_iter().filter(|c| !same(c)).collect();
    others[pick % others.len()].clone()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Needs the rules merged to mean much: with the rules as stubs, only the schema and the
    /// built-in checks run.
    #[test]
    fn generated_valid_orders_have_no_finding_above_info(specs in batch_spec(), pretty in any::<bool>()) {
        let text = print(&batch_value(&specs), pretty);
        let report = linter().lint_str("orders.json", &text);
        let above: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity > Severity::Info)
            .map(|d| format!("{} {} {}", d.rule(), d.pointer, d.message))
            .collect();
        prop_assert!(above.is_empty(), "{above:#?}\n{text}");
        prop_assert_eq!(report.objects, specs.len());
    }

    #[test]
    fn every_finding_span_holds_the_value_at_its_pointer(
        specs in batch_spec(),
        target in any::<prop::sample::Index>(),
        pick in any::<usize>(),
        pretty in any::<bool>(),
    ) {
        let mut batch = batch_value(&specs);
        let all = pointers(&batch);
        let ptr = target.get(&all).as_str().to_owned();
        let replaced = other_type(batch.pointer(&ptr).unwrap(), pick);
        *batch.pointer_mut(&ptr).unwrap() = replaced;
        let text = print(&batch, pretty);
        let report = linter().lint_str("orders.json", &text);
        let parsed: Value = serde_json::from_str(&text).unwrap();
        for d in &report.diagnostics {
            let Some(expected) = parsed.pointer(d.pointer.as_str()) else { continue };
            let span = d.span.unwrap_or_else(|| panic!("no span for {d:?}"));
            let under = &text[span.start..span.end];
            match d.anchor {
                Anchor::Value => {
                    let back: Value = serde_json::from_str(under).unwrap();
                    prop_assert_eq!(&back, expected, "{:?}", d);
                }
                Anchor::Key => {
                    let key: String = serde_json::from_str(under).unwrap();
                    let token = key.replace('~', "~0").replace('/', "~1");
                    prop_assert!(d.pointer.as_str().ends_with(&token), "{:?}", d);
                }
                Anchor::Start => {
                    let opens = matches!(under.chars().next(), Some('[' | '{'));
                    prop_assert!(opens, "{:?}", d);
                }
            }
        }
    }
}

fn run(dir: &Path, threads: &str, format: &str) -> (Option<i32>, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args(["--kind", "orders", "--format", format, "--summary", "."])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RAYON_NUM_THREADS", threads)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (out.status.code(), out.stdout)
}

#[test]
fn output_is_identical_with_one_thread_and_with_many() {
    let dir = tempfile::tempdir().unwrap();
    let mut runner = TestRunner::deterministic();
    let strategy = (batch_spec(), any::<prop::sample::Index>(), any::<usize>());
    for i in 0..60 {
        let (specs, target, pick) = strategy.new_tree(&mut runner).unwrap().current();
        let mut batch = batch_value(&specs);
        if i % 2 == 1 {
            let all = pointers(&batch);
            let ptr = target.get(&all).as_str().to_owned();
            let replaced = other_type(batch.pointer(&ptr).unwrap(), pick);
            *batch.pointer_mut(&ptr).unwrap() = replaced;
        }
        let sub = dir.path().join(format!("d{}", i % 7));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            sub.join(format!("orders-{i:03}.json")),
            print(&batch, i % 3 == 0),
        )
        .unwrap();
    }
    for format in [
        "json", "concise", "human", "sarif", "github", "gitlab", "junit", "klar",
    ] {
        let (code, one) = run(dir.path(), "1", format);
        assert_eq!(code, Some(1), "{}", String::from_utf8_lossy(&one));
        for threads in ["2", "4", "8"] {
            let (code_many, many) = run(dir.path(), threads, format);
            assert_eq!(code_many, code);
            assert!(
                one == many,
                "{format} output differs between 1 and {threads} threads"
            );
        }
    }
}
