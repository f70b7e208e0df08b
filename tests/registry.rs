//! The registry keeps its promises: stable kebab-case names, alphabetical order, a documentation
//! page with the four headings whose JSON examples parse, and fixtures for every version a rule
//! declares.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use klar_lint::rules::{all_metas, ALL};

#[test]
fn names_are_unique_kebab_case_and_rules_alphabetical() {
    let mut seen = std::collections::HashSet::new();
    for meta in all_metas() {
        assert!(seen.insert(meta.name), "duplicate name {}", meta.name);
        assert!(
            meta.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-')
                && !meta.name.starts_with("no-")
                && !meta.name.starts_with("check-"),
            "{} is not a kebab-case problem name",
            meta.name
        );
    }
    let names: Vec<_> = ALL.iter().map(|r| r.meta().name).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "rules::ALL must stay alphabetical");
}

#[test]
fn every_page_has_the_four_headings_and_parsable_json() {
    for meta in all_metas() {
        let page = meta.page();
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(page.contains(heading), "{} lacks `{heading}`", meta.name);
        }
        assert!(
            !page.contains("Not implemented yet"),
            "{} is a stub",
            meta.name
        );
        assert!(!meta.summary().is_empty(), "{} has no summary", meta.name);
        let mut in_json = false;
        let mut block = String::new();
        for line in page.lines() {
            if line.trim_start().starts_with("```json") {
                in_json = true;
                block.clear();
            } else if in_json && line.trim_start().starts_with("```") {
                in_json = false;
                serde_json::from_str::<serde_json::Value>(&block).unwrap_or_else(|e| {
                    panic!("{}: a json block does not parse: {e}\n{block}", meta.name)
                });
            } else if in_json {
                block.push_str(line);
                block.push('\n');
            }
        }
        assert!(!in_json, "{}: unclosed code block", meta.name);
    }
}

/// Rules that only check across the files of a run (docs/cross-file.md).
const CROSS_FILE_ONLY: &[&str] = &["conflicting-cost", "unknown-order"];

#[test]
fn every_rule_has_valid_and_invalid_fixtures_for_each_version() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for rule in ALL {
        let meta = rule.meta();
        // Checks across files alone: one file cannot show them; `tests/cross_file.rs` lints
        // the folders of `tests/cross-file/` as runs and must show a finding of each.
        if CROSS_FILE_ONLY.contains(&meta.name) {
            let text = std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/snapshots/cross_file__mixed.snap"),
            )
            .unwrap();
            assert!(
                text.contains(&format!("[{}]", meta.name)),
                "{} has no cross-file case",
                meta.name
            );
            continue;
        }
        for version in meta.versions {
            let dir = root.join(meta.name).join(version.as_str());
            let files: Vec<String> = meta
                .kinds
                .iter()
                .filter_map(|k| std::fs::read_dir(dir.join(k.as_str())).ok())
                .flatten()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect();
            assert!(
                files.iter().any(|f| f.starts_with("valid")),
                "{} has no valid fixture for {version} in {}",
                meta.name,
                dir.display()
            );
            assert!(
                files.iter().any(|f| f.starts_with("invalid")),
                "{} has no invalid fixture for {version} in {}",
                meta.name,
                dir.display()
            );
        }
    }
}

#[test]
fn the_versions_checked_as_12_2022_run_its_rules_and_only_its_rules() {
    use klar_lint::{ApiVersion, PayloadKind};
    for rule in ALL {
        let meta = rule.meta();
        for version in [ApiVersion::V04_2024, ApiVersion::V06_2024] {
            assert_eq!(
                meta.runs_on(version),
                meta.runs_on(ApiVersion::V12_2022),
                "{} on {version}",
                meta.name
            );
            for kind in PayloadKind::ALL {
                assert_eq!(
                    meta.applies_to(version, kind),
                    meta.applies_to(ApiVersion::V12_2022, kind),
                    "{} on {version}/{kind}",
                    meta.name
                );
            }
        }
    }
    let find = |name: &str| klar_lint::rules::find(name).unwrap();
    assert_eq!(
        find("version-mismatch").run_versions(),
        vec![
            ApiVersion::V12_2022,
            ApiVersion::V04_2024,
            ApiVersion::V06_2024
        ]
    );
    assert_eq!(
        find("bundle-values").run_versions(),
        vec![ApiVersion::V07_2025]
    );
    assert_eq!(find("zero-date").run_versions(), ApiVersion::ALL.to_vec());
}
