//! `null` on an optional field reads exactly as if the field were left out: Klar validates with
//! class-validator, where an optional property skips all its checks when it is `null` or
//! missing (docs/klar-api.md §3.1, §14.4 item 1). On every object of every example payload and rule
//! fixture, each field in turn is set to `null` and, separately, removed: the two must get the
//! same findings from the schema and from every rule. A field whose removal is reported as
//! missing is required, and its `null` is a `schema` error whose help says it is required.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "properties/generator.rs"]
mod generator;

use std::path::{Path, PathBuf};

use generator::pointers;
use klar_lint::{ApiVersion, Config, Linter, PayloadKind, Severity};
use serde_json::Value;

/// A finding without its place in the text (which moves when a member is removed).
type Finding = (String, Severity, String, String, Option<String>);

fn findings(linter: &Linter, kind: PayloadKind, object: &Value) -> Vec<Finding> {
    let body = if kind.wrapped_in_items() {
        serde_json::json!({ "items": [object] })
    } else {
        serde_json::json!([object])
    };
    let mut out: Vec<Finding> = linter
        .lint_str("payload.json", &body.to_string())
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.rule().to_owned(),
                d.severity,
                d.pointer.to_string(),
                d.message.clone(),
                d.help.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Payload files with the version and kind they are linted as: the examples and every rule
/// fixture.
fn payloads() -> Vec<(PathBuf, ApiVersion, PayloadKind)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for version in ApiVersion::ALL {
        for kind in PayloadKind::ALL {
            let dir = root
                .join("examples/payloads")
                .join(version.as_str())
                .join(kind.as_str());
            // 04.2024 and 06.2024 have examples of their documented kind only.
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    out.push((path, version, kind));
                }
            }
        }
    }
    for rule in std::fs::read_dir(root.join("tests/fixtures")).unwrap() {
        for version in std::fs::read_dir(rule.unwrap().path()).unwrap() {
            let version = version.unwrap().path();
            let v: ApiVersion = version
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            for kind in std::fs::read_dir(&version).unwrap() {
                let kind = kind.unwrap().path();
                let k: PayloadKind = kind.file_name().unwrap().to_str().unwrap().parse().unwrap();
                for file in std::fs::read_dir(&kind).unwrap() {
                    out.push((file.unwrap().path(), v, k));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn null_on_an_optional_field_reads_as_absent() {
    let mut optional = 0;
    let mut required = 0;
    for (path, version, kind) in payloads() {
        let Ok(body) = serde_json::from_slice::<Value>(&std::fs::read(&path).unwrap()) else {
            continue; // a fixture of broken JSON
        };
        let objects = match (&body, body.get("items")) {
            (_, Some(Value::Array(items))) | (Value::Array(items), _) => items.clone(),
            _ => vec![body.clone()],
        };
        let linter =
            Linter::new(Config::default().with_kind(kind).with_api_version(version)).unwrap();
        for object in objects.iter().take(3).filter(|o| o.is_object()) {
            let prefix = if kind.wrapped_in_items() {
                "/items/0"
            } else {
                "/0"
            };
            // A key the API does not define is no optional field: `unknown-field` reports it
            // whatever its value.
            let unknown: Vec<String> = findings(&linter, kind, object)
                .into_iter()
                .filter(|(rule, _, _, message, _)| {
                    rule == "unknown-field" || message.starts_with("unknown field")
                })
                .map(|(_, _, pointer, ..)| pointer)
                .collect();
            for p in pointers(object) {
                let at = format!("{prefix}{p}");
                if unknown
                    .iter()
                    .any(|u| at == *u || at.starts_with(&format!("{u}/")))
                {
                    continue;
                }
                let (parent, key) = (p.parent().unwrap(), p.last().unwrap());
                let Some(Value::Object(_)) = object.pointer(parent.as_str()) else {
                    continue; // an array entry, not a field
                };
                if object.pointer(p.as_str()).unwrap().is_null() {
                    continue;
                }
                let mut absent = object.clone();
                absent
                    .pointer_mut(parent.as_str())
                    .and_then(Value::as_object_mut)
                    .unwrap()
                    .remove(key.as_ref());
                let mut null = object.clone();
                *null.pointer_mut(p.as_str()).unwrap() = Value::Null;
                let without = findings(&linter, kind, &absent);
                let with_null = findings(&linter, kind, &null);
                let missing = format!("missing `{key}`");
                let is_required = without
                    .iter()
                    .any(|(rule, _, _, message, _)| rule == "schema" && *message == missing);
                if is_required {
                    required += 1;
                    let required_help = format!("`{key}` is required: ");
                    assert!(
                        with_null.iter().any(|(rule, severity, pointer, _, help)| rule == "schema"
                            && *severity == Severity::Error
                            && *pointer == at
                            && help.as_deref().is_some_and(|h| h.starts_with(&required_help))),
                        "{}: `{p}` is required, but its null is not reported as such: {with_null:#?}",
                        path.display()
                    );
                } else {
                    optional += 1;
                    assert_eq!(
                        with_null,
                        without,
                        "{}: `{p}` sent as null is not read as absent",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(
        optional > 2_000 && required > 500,
        "{optional} optional, {required} required"
    );
}

/// The schemas editors get (`klar-lint schema`, the embedded text) say the same: every property
/// that is not required accepts `null`, and no required one does.
#[test]
fn every_optional_property_of_every_schema_accepts_null() {
    let mut optional = 0;
    for version in ApiVersion::ALL {
        for kind in PayloadKind::ALL {
            let text = klar_lint::schema::embedded_text(version, kind);
            let document: Value = serde_json::from_str(text).unwrap();
            assert!(
                document["description"]
                    .as_str()
                    .unwrap()
                    .contains("class-validator"),
                "{version}/{kind}: the top-level description explains the reading of null"
            );
            for (name, def) in document["$defs"].as_object().unwrap() {
                let required: Vec<&str> = def["required"]
                    .as_array()
                    .map(|r| r.iter().map(|f| f.as_str().unwrap()).collect())
                    .unwrap_or_default();
                for (field, schema) in def["properties"].as_object().unwrap() {
                    let nullable = schema["type"]
                        .as_array()
                        .is_some_and(|types| types.iter().any(|t| t == "null"))
                        || schema["anyOf"]
                            .as_array()
                            .is_some_and(|b| b.iter().any(|b| b["type"] == "null"));
                    let is_required = required.contains(&field.as_str());
                    assert_eq!(
                        nullable, !is_required,
                        "{version}/{kind} {name}.{field}: null is accepted exactly when the field is optional"
                    );
                    optional += usize::from(!is_required);
                }
            }
        }
    }
    assert!(optional > 150, "{optional}");
}
