//! Rule fixtures: every `tests/fixtures/<rule>/<version>/<kind>/{valid,invalid}*.json` is
//! linted as that version and kind; `valid*` files must get no finding from their folder's rule,
//! `invalid*` files at least one. The rendered diagnostics are snapshotted in biome's shape.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::Path;

use klar_lint::render::{Human, HumanOptions};
use klar_lint::{ApiVersion, Config, Linter, PayloadKind};

fn lint_fixture(path: &Path) -> (String, String, klar_lint::FileReport) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let rel = path
        .strip_prefix(&root)
        .expect("fixture under tests/fixtures");
    let parts: Vec<&str> = rel
        .iter()
        .map(|p| p.to_str().expect("utf-8 path"))
        .collect();
    let [rule, version, kind, file] = parts.as_slice() else {
        panic!(
            "fixture path must be <rule>/<version>/<kind>/<file>: {}",
            rel.display()
        );
    };
    let version: ApiVersion = version.parse().expect("version folder");
    let kind: PayloadKind = kind.parse().expect("kind folder");
    let linter = Linter::new(Config::default().with_kind(kind).with_api_version(version))
        .expect("default config");
    let text = std::fs::read_to_string(path).expect("readable fixture");
    let name = rel.display().to_string();
    let report = linter.lint_str(&name, &text);
    ((*rule).to_owned(), (*file).to_owned(), report)
}

fn rendered(report: &klar_lint::FileReport) -> String {
    let human = Human::new(HumanOptions::default());
    let mut out = String::new();
    for d in &report.diagnostics {
        let _ = writeln!(
            out,
            "{} {} at `{}` ({}:{})",
            d.rule(),
            d.severity,
            d.pointer,
            d.line.unwrap_or(0),
            d.column.unwrap_or(0)
        );
    }
    for d in &report.diagnostics {
        out.push('\n');
        out.push_str(&human.render(report, d));
    }
    out
}

#[test]
fn rule_fixtures() {
    insta::glob!("fixtures/**/*.json", |path| {
        let (rule, file, report) = lint_fixture(path);
        let text = std::fs::read_to_string(path).expect("readable fixture");
        let hits = report
            .diagnostics
            .iter()
            .filter(|d| d.rule() == rule)
            .count();
        if file.starts_with("valid") {
            assert_eq!(
                hits,
                0,
                "{}: a valid fixture got `{rule}`:\n{}",
                path.display(),
                rendered(&report)
            );
        } else if file.starts_with("invalid") {
            assert!(
                hits > 0,
                "{}: an invalid fixture got no `{rule}`:\n{}",
                path.display(),
                rendered(&report)
            );
        } else {
            panic!(
                "fixture names start with valid or invalid: {}",
                path.display()
            );
        }
        insta::assert_snapshot!(format!(
            "# Input\n```json\n{}\n```\n\n# Diagnostics\n{}",
            text.trim_end(),
            rendered(&report)
        ));
    });
}
