//! Checks across the files of a run (docs/cross-file.md): each folder of `tests/cross-file/` is
//! one run. Its findings across files are snapshotted, and must be the same whatever the order
//! the files are given in and whatever the number of threads; a run without orders gives none.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use klar_lint::render::{Human, HumanOptions};
use klar_lint::run::Input;
use klar_lint::{Config, FileReport, Linter, Run};

const ACROSS: [&str; 4] = [
    "conflicting-cost",
    "over-refund",
    "unknown-line-item",
    "unknown-order",
];

fn case(name: &str) -> Vec<PathBuf> {
    let dir = Path::new("tests/cross-file").join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "jsonl"))
        .collect();
    files.sort();
    files
}

/// The findings across files of each file, rendered, by path: one string per file.
fn across(reports: &[FileReport]) -> Vec<(String, String)> {
    let human = Human::new(HumanOptions::default());
    let mut out: Vec<(String, String)> = reports
        .iter()
        .map(|r| {
            let mut text = String::new();
            for d in r.diagnostics.iter().filter(|d| ACROSS.contains(&d.rule())) {
                let _ = writeln!(
                    text,
                    "{}:{}:{} {}[{}] at `{}`: {}",
                    r.path,
                    d.line.unwrap_or(0),
                    d.column.unwrap_or(0),
                    d.severity,
                    d.rule(),
                    d.pointer,
                    d.message
                );
                for l in &d.labels {
                    let _ = writeln!(
                        text,
                        "    label {:?} at {}:{}:{} `{}`",
                        l.text,
                        l.path.as_deref().unwrap_or("(same file)"),
                        l.line.unwrap_or(0),
                        l.column.unwrap_or(0),
                        l.pointer
                    );
                }
                let _ = writeln!(text, "    help: {}", d.help.as_deref().unwrap_or(""));
                // Rules' findings within one file have been checked by the rule fixtures; the
                // rendering of a finding across files is shown once per file.
                if d.labels.iter().any(|l| l.path.is_some()) {
                    text.push_str(&human.render(r, d));
                }
            }
            (r.path.clone(), text)
        })
        .collect();
    out.sort();
    out
}

fn lint(paths: &[PathBuf], orders: &[PathBuf]) -> Vec<FileReport> {
    let linter = Linter::new(Config::default()).unwrap();
    let inputs: Vec<Input> = paths.iter().cloned().map(Input::Path).collect();
    let mut run = Run::new(&linter).with_orders(orders.iter().cloned().map(Input::Path).collect());
    let mut reports = Vec::new();
    run.lint(&inputs, |r| reports.push(r.clone()));
    reports
}

#[test]
fn findings_do_not_depend_on_the_order_of_the_files() {
    let files = case("mixed");
    assert_eq!(files.len(), 7);
    let sorted = across(&lint(&files, &[]));
    let mut reversed = files.clone();
    reversed.reverse();
    // Orders last, orders first, and interleaved.
    let mut interleaved = files.clone();
    interleaved.rotate_left(3);
    interleaved.swap(0, 4);
    assert_eq!(across(&lint(&reversed, &[])), sorted);
    assert_eq!(across(&lint(&interleaved, &[])), sorted);
    let text: String = sorted.iter().map(|(_, t)| t.as_str()).collect();
    for rule in ACROSS {
        assert!(
            text.contains(&format!("[{rule}]")),
            "no {rule} finding:\n{text}"
        );
    }
    insta::assert_snapshot!("mixed", text);
}

#[test]
fn reference_orders_count_but_are_not_reported() {
    let files = case("mixed");
    let (orders, others): (Vec<PathBuf>, Vec<PathBuf>) = files
        .iter()
        .cloned()
        .partition(|p| p.to_string_lossy().contains("orders"));
    let with_refs = lint(&others, &orders);
    assert_eq!(with_refs.len(), others.len());
    let all: Vec<_> = across(&lint(&files, &[]))
        .into_iter()
        .filter(|(p, _)| !p.contains("orders"))
        .collect();
    assert_eq!(across(&with_refs), all);
}

#[test]
fn a_run_without_orders_gives_no_finding_across_files() {
    let files = case("no-orders");
    let found = across(&lint(&files, &[]));
    assert!(found.iter().all(|(_, t)| t.is_empty()), "{found:?}");
    // The same references with the orders do give findings.
    let orders: Vec<PathBuf> = case("mixed")
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("orders"))
        .collect();
    let found = across(&lint(&files, &orders));
    assert!(
        found.iter().any(|(_, t)| t.contains("[unknown-order]")),
        "{found:?}"
    );
}

fn cli(args: &[&str], threads: &str) -> (String, std::process::ExitStatus) {
    let out = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args(args)
        .args(["--format", "json", "--no-config"])
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status)
}

/// The json output's findings, per file, as text (the summary's timing left out).
fn files_of(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut files: Vec<String> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    files.sort();
    files
}

#[test]
fn the_cli_gives_the_same_findings_with_one_thread_and_many() {
    let files = case("mixed");
    let mut args: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let (one, status) = cli(&args.iter().map(String::as_str).collect::<Vec<_>>(), "1");
    assert_eq!(status.code(), Some(1));
    assert!(
        one.contains("\"path\": \"tests/cross-file/mixed/a-orders.json\"")
            || one.contains("a-orders.json")
    );
    args.reverse();
    let (many, _) = cli(&args.iter().map(String::as_str).collect::<Vec<_>>(), "4");
    assert_eq!(files_of(&one), files_of(&many));
    // Labels in another file carry its path.
    assert!(
        one.contains("\"path\":\"tests/cross-file/mixed/a-orders.json\"")
            || one.contains("\"path\": \"tests/cross-file/mixed/a-orders.json\""),
        "{one}"
    );
    // --orders: the reference orders are read, not reported on.
    let (refs, _) = cli(
        &[
            "tests/cross-file/mixed/cogs.json",
            "--orders",
            "tests/cross-file/mixed/a-orders.json",
            "--orders",
            "tests/cross-file/mixed/b-orders.jsonl",
        ],
        "2",
    );
    let v: serde_json::Value = serde_json::from_str(&refs).unwrap();
    assert_eq!(v["files"].as_array().unwrap().len(), 1);
    assert!(refs.contains("unknown-line-item"), "{refs}");
}

/// Runs the binary and returns its output and its peak resident memory in kB, read from
/// `/proc/<pid>/status` (`VmHWM`, the high-water mark) until it exits.
fn run_measured(args: &[&Path]) -> (Vec<u8>, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args(args)
        .args([
            "--format",
            "json",
            "--no-config",
            "--select",
            "unknown-order,unknown-line-item,over-refund,conflicting-cost",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut out).unwrap();
        out
    });
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    (reader.join().unwrap(), peak)
}

fn write_run(dir: &Path, orders: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let mut o = std::io::BufWriter::new(std::fs::File::create(dir.join("orders.jsonl")).unwrap());
    let mut c = std::io::BufWriter::new(std::fs::File::create(dir.join("cogs.jsonl")).unwrap());
    for i in 0..orders {
        writeln!(
            o,
            r#"{{"id": "order-{i:08}", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [{{"id": "line-{i:08}-a", "sku": "SKU-{i}", "productGmv": 10, "quantity": 2}}, {{"id": "line-{i:08}-b", "productGmv": 5, "quantity": 1}}]}}"#
        )
        .unwrap();
        writeln!(
            c,
            r#"{{"orderId": "order-{i:08}", "lineItemId": "line-{i:08}-a", "productCogs": 4.5}}"#
        )
        .unwrap();
    }
}

/// A JSON Lines run of many orders and their COGS keeps memory bounded: the facts spill to
/// temporary files, so four times the orders do not take four times the memory. (Measured on
/// 1,000,000 orders in docs/cross-file.md.)
#[cfg(target_os = "linux")]
#[test]
fn memory_stays_bounded_on_a_large_json_lines_run() {
    let root = std::env::temp_dir().join(format!("klar-lint-cross-{}", std::process::id()));
    let (small, large) = (root.join("small"), root.join("large"));
    write_run(&small, 10_000);
    write_run(&large, 60_000);
    let peak = |dir: &Path| {
        let (stdout, kb) = run_measured(&[dir]);
        let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
        let findings: usize = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["diagnostics"].as_array().unwrap().len())
            .sum();
        assert_eq!(findings, 0, "{}", String::from_utf8_lossy(&stdout));
        kb
    };
    let small_kb = peak(&small);
    let large_kb = peak(&large);
    let _ = std::fs::remove_dir_all(&root);
    // 60,000 orders with two lines and their COGS are 240,000 facts: kept in memory they
    // take about 60 MB more than for 10,000 orders.
    assert!(
        large_kb < small_kb + 25_000,
        "peak {large_kb} kB for 60,000 orders against {small_kb} kB for 10,000"
    );
}

#[test]
fn sarif_carries_the_other_file_as_a_related_location() {
    let out = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args([
            "--format",
            "sarif",
            "--no-config",
            "tests/cross-file/mixed/refunds.json",
            "--orders",
            "tests/cross-file/mixed/a-orders.json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let over = results
        .iter()
        .find(|r| r["ruleId"] == "over-refund")
        .expect("an over-refund result");
    let related = &over["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "tests/cross-file/mixed/a-orders.json"
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 7);
    assert_eq!(related["physicalLocation"]["region"]["startColumn"], 70);
    assert_eq!(related["message"]["text"], "line quantity");
}

#[test]
fn the_config_names_reference_orders_relative_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.path().join("conf/ref")).unwrap();
    std::fs::copy(
        root.join("tests/cross-file/mixed/a-orders.json"),
        dir.path().join("conf/ref/orders.json"),
    )
    .unwrap();
    std::fs::copy(
        root.join("tests/cross-file/mixed/cogs.json"),
        dir.path().join("cogs.json"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("conf/klar-lint.toml"),
        "orders = [\"ref/orders.json\"]\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args([
            "--config",
            "conf/klar-lint.toml",
            "--format",
            "concise",
            "cogs.json",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("error[unknown-line-item] `lineItemId` \"TEE-M\""),
        "{text}"
    );
    assert!(!text.contains("orders.json:"), "{text}");
}

/// A reference orders file that contributes nothing is reported under its own path, with a
/// finding that fails the run: missing, of another kind, broken JSON, a folder without orders;
/// through `--orders` and through the config's `orders`. (Before, each was passed over in
/// silence and the run exited 0 with fewer orders than the user meant.)
#[test]
fn a_reference_that_cannot_be_used_is_reported_and_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cross-file/mixed");
    let d = dir.path();
    std::fs::copy(root.join("cogs.json"), d.join("cogs.json")).unwrap();
    std::fs::copy(root.join("refunds.json"), d.join("refunds.json")).unwrap();
    std::fs::write(d.join("broken.json"), "[{\"id\": \"1\",\n").unwrap();
    std::fs::create_dir_all(d.join("empty")).unwrap();
    std::fs::create_dir_all(d.join("costs-only")).unwrap();
    std::fs::copy(root.join("cogs.json"), d.join("costs-only/cogs.json")).unwrap();
    // A folder of a month's exports: its costs are passed over, its orders used.
    std::fs::create_dir_all(d.join("month")).unwrap();
    std::fs::copy(root.join("cogs.json"), d.join("month/cogs.json")).unwrap();
    std::fs::copy(root.join("a-orders.json"), d.join("month/a-orders.json")).unwrap();
    std::fs::copy(root.join("a-orders.json"), d.join("orders.json")).unwrap();
    let run = |extra: &[&str], config: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_klar-lint"));
        cmd.args(["--format", "json", "cogs.json"])
            .args(extra)
            .current_dir(d);
        match config {
            Some(text) => {
                std::fs::write(d.join("klar-lint.toml"), text).unwrap();
                cmd.args(["--config", "klar-lint.toml"]);
            }
            None => {
                cmd.arg("--no-config");
            }
        }
        let out = cmd.output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
        // (path, rule, severity, message) of every file but cogs.json.
        let found: Vec<(String, String, String, String)> = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] != "cogs.json")
            .flat_map(|f| {
                f["diagnostics"].as_array().unwrap().iter().map(|x| {
                    (
                        f["path"].as_str().unwrap().to_owned(),
                        x["rule"].as_str().unwrap().to_owned(),
                        x["severity"].as_str().unwrap().to_owned(),
                        x["message"].as_str().unwrap().to_owned(),
                    )
                })
            })
            .collect();
        (found, out.status.code())
    };
    let cases: [(&str, &str, &str); 5] = [
        ("missing.json", "io-error", "cannot read `missing.json`"),
        (
            "refunds.json",
            "io-error",
            "`refunds.json` holds refunds, not orders",
        ),
        ("broken.json", "invalid-json", "invalid JSON"),
        ("empty", "io-error", "no file in `empty` holds orders"),
        (
            "costs-only",
            "io-error",
            "no file in `costs-only` holds orders",
        ),
    ];
    for (path, rule, message) in cases {
        for config in [false, true] {
            let (found, code) = if config {
                run(&[], Some(&format!("orders = [{path:?}]\n")))
            } else {
                run(&["--orders", path], None)
            };
            assert_eq!(found.len(), 1, "{path} (config: {config}): {found:?}");
            let (p, r, severity, m) = &found[0];
            assert_eq!(
                (p.as_str(), r.as_str(), severity.as_str()),
                (path, rule, "error")
            );
            assert!(m.starts_with(message), "{path}: {m}");
            // cogs.json's own finding against no orders is an info: the reference's error
            // alone fails the run.
            assert_eq!(code, Some(1), "{path} (config: {config}): {found:?}");
        }
    }
    // Usable references are not reported on; the folder's costs are passed over.
    for path in ["month", "orders.json"] {
        let (found, _) = run(&["--orders", path], None);
        assert!(found.is_empty(), "{path}: {found:?}");
    }
}

/// A finding across files in a JSON Lines record, and a label at one, carry the column of the
/// value as well as the record's line: found from the record's text while it is read, since
/// the checks run once it is gone. Both ways a JSON Lines file is read: with its version known
/// from its path (records checked as they are parsed) and told by its first record.
#[test]
fn json_lines_findings_across_files_have_a_column() {
    let orders = "\n{\"id\": \"o-1\", \"createdAt\": 1761000000, \"currencyCodeIso3Letter\": \"EUR\", \"lineItems\": [{\"id\": \"a\", \"sku\": \"TEE\", \"productGmv\": 10, \"quantity\": 1}]}\n";
    let cogs = "{\"orderId\": \"o-1\", \"lineItemId\": \"a\", \"productCogs\": 4}\n  {\"productCogs\": 4, \"lineItemId\": \"zz\",  \"orderId\": \"o-1\"}\n{\"orderId\":\"o-9\",\"productCogs\":4}\n";
    for folder in ["", "07.2025/"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        let o = dir.path().join(format!("{folder}orders.jsonl"));
        let c = dir.path().join(format!("{folder}cogs.jsonl"));
        std::fs::write(&o, orders).unwrap();
        std::fs::write(&c, cogs).unwrap();
        let reports = lint(&[c, o], &[]);
        let found: Vec<_> = reports
            .iter()
            .flat_map(|r| &r.diagnostics)
            .filter(|d| ACROSS.contains(&d.rule()))
            .map(|d| {
                (
                    d.rule(),
                    d.line,
                    d.column,
                    d.labels.first().map(|l| (l.line, l.column)),
                )
            })
            .collect();
        // `"zz"` on line 2 at column 36; `"o-9"` on line 3 at column 12; the order's `id` on
        // line 2 of orders.jsonl at column 8.
        assert_eq!(
            found,
            [
                (
                    "unknown-line-item",
                    Some(2),
                    Some(36),
                    Some((Some(2), Some(8)))
                ),
                ("unknown-order", Some(3), Some(12), None),
            ],
            "{folder}"
        );
    }
}
