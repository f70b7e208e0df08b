//! The embedded schemas are checked by validators generated at build time; a `--schemas`
//! override is compiled at run time. Both must give the same findings: here every example
//! object of every version and kind is broken in thousands of ways (each value replaced by
//! other types and edge values, each key removed, an unknown key added) and validated both
//! ways, through the same conversion to findings. Compiling `schemas/` at run time also checks
//! every embedded schema against the JSON Schema 2020-12 meta-schema.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "properties/generator.rs"]
mod generator;

use std::path::Path;

use generator::pointers;
use klar_lint::schema::SchemaSet;
use klar_lint::{ApiVersion, Diagnostic, PayloadKind, Pointer};
use serde_json::Value;

/// Values each leaf and container is replaced by in turn.
const REPLACEMENTS: [&str; 12] = [
    "null",
    "true",
    "0",
    "-1",
    "1.5",
    "123456789012345678901234567890",
    "\"\"",
    "\"x\"",
    "\"2025-07-01T00:00:00Z\"",
    "[]",
    "[1]",
    "{}",
];

/// The broken variants of one object.
fn variants(object: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for p in pointers(object) {
        for r in REPLACEMENTS {
            let mut v = object.clone();
            *v.pointer_mut(p.as_str()).unwrap() = serde_json::from_str(r).unwrap();
            out.push(v);
        }
        let (parent, key) = (p.parent().unwrap(), p.last().unwrap());
        let mut v = object.clone();
        if let Some(map) = v
            .pointer_mut(parent.as_str())
            .and_then(Value::as_object_mut)
        {
            map.remove(key.as_ref());
            map.insert("unexpectedField".to_owned(), Value::Null);
            out.push(v);
        }
    }
    out
}

fn findings(
    set: &SchemaSet,
    version: ApiVersion,
    kind: PayloadKind,
    object: &Value,
) -> (bool, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let passed = set
        .validate(version, kind, object, &Pointer::root().index(0), &mut out)
        .unwrap();
    (passed, out)
}

#[test]
fn generated_validators_report_what_the_run_time_compile_reports() {
    let generated = SchemaSet::embedded();
    // `schemas/` has the override layout: every schema is compiled at run time (and checked
    // against the meta-schema) instead of using the generated validator.
    let compiled = SchemaSet::with_overrides(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schemas")
            .as_path(),
    )
    .expect("every embedded schema compiles at run time");
    let mut checked = 0;
    let mut failing = 0;
    // 04.2024 and 06.2024 have examples of their one documented kind, and no schema files:
    // `schemas/12.2022` stands in for them in the override run, the generated 12.2022
    // validators in the embedded one.
    for version in ApiVersion::ALL {
        for &kind in version.documented_kinds() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/payloads")
                .join(version.as_str())
                .join(kind.as_str());
            let mut objects = Vec::new();
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    let body: Value =
                        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                    let items = if kind.wrapped_in_items() {
                        &body["items"]
                    } else {
                        &body
                    };
                    objects.extend(items.as_array().unwrap().iter().take(6).cloned());
                }
            }
            assert!(
                !objects.is_empty(),
                "no example objects in {}",
                dir.display()
            );
            for object in &objects {
                assert_eq!(
                    findings(&generated, version, kind, object),
                    (true, Vec::new())
                );
                for variant in variants(object) {
                    let want = findings(&compiled, version, kind, &variant);
                    let got = findings(&generated, version, kind, &variant);
                    assert_eq!(got, want, "{version}/{kind}: {variant}");
                    checked += 1;
                    failing += usize::from(!want.0);
                }
            }
        }
    }
    // Enough variants, and most of them broken: the comparison is not between two empty lists.
    assert!(checked > 5_000, "{checked} variants");
    assert!(
        failing * 2 > checked,
        "{failing} of {checked} variants fail the schema"
    );
}
