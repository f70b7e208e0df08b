//! `klar-lint split` and `klar_lint::split`: bodies of at most `max-batch-size` objects that lint
//! clean of `batch-size` and `body-shape`, in the kind's envelope, numbered in input order; a
//! manifest that accounts for every object; the quarantine of `--valid-only`, exact per object
//! whatever the per-file cap; every input format; and the command line's refusals and exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use klar_lint::run::Input;
use klar_lint::split::{Options, Split, Summary};
use klar_lint::{Config, Linter};
use serde_json::Value;

/// An order with no error finding (warnings and infos only); `gmv` as written.
fn order(id: &str, gmv: &str) -> String {
    format!(
        r#"{{"id": "{id}", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [{{"id": "a", "productGmv": {gmv}, "quantity": 1}}]}}"#
    )
}

/// An order with one schema error: a quoted price.
fn bad_order(id: &str) -> String {
    order(id, "\"3.50\"")
}

fn cogs(order_id: &str, cost: &str) -> String {
    format!(r#"{{"orderId": "{order_id}", "lineItemId": "a", "productCogs": {cost}}}"#)
}

fn linter(toml: &str) -> Linter {
    Linter::new(Config::from_toml_str(toml).unwrap()).unwrap()
}

fn bytes(name: &str, text: &str) -> Input {
    Input::Bytes {
        name: name.to_owned(),
        bytes: text.as_bytes().to_vec(),
    }
}

/// A file on disk (JSON Lines are streamed only from a path or a named stream).
fn file(dir: &Path, name: &str, text: &str) -> Input {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    Input::Path(path)
}

fn split(linter: &Linter, out: &Path, valid_only: bool, inputs: &[Input]) -> Summary {
    let mut split = Split::new(
        linter,
        Options {
            out: out.to_path_buf(),
            valid_only,
            force: false,
        },
    )
    .unwrap();
    for input in inputs {
        split.add(input).unwrap();
    }
    split.finish().unwrap()
}

fn manifest(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

/// The bodies under `out/<version>/<kind>/`, in number order.
fn bodies(out: &Path, version: &str, kind: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(out.join(version).join(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
}

/// The objects of a body, as parsed.
fn objects_of(body: &Path) -> Vec<Value> {
    let value: Value = serde_json::from_str(&std::fs::read_to_string(body).unwrap()).unwrap();
    match value {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove("items") {
            Some(Value::Array(items)) => items,
            other => panic!("no items array: {other:?}"),
        },
        other => panic!("not a body: {other}"),
    }
}

#[test]
fn bodies_hold_at_most_the_batch_size_lint_clean_of_the_envelope_rules_and_keep_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Money as written: digits no f64 keeps.
    let first: Vec<String> = (0..7)
        .map(|i| order(&format!("A-{i}"), "19.900000000000000000001"))
        .collect();
    let second: Vec<String> = (7..12).map(|i| order(&format!("A-{i}"), "0.10")).collect();
    let l = linter("max-batch-size = 3");
    let summary = split(
        &l,
        &out,
        false,
        &[
            bytes("orders.json", &format!("[{}]", first.join(",\n"))),
            file(dir.path(), "more/orders.jsonl", &second.join("\n")),
        ],
    );
    assert_eq!((summary.bodies, summary.in_bodies), (4, 12));
    assert!(summary.complete());
    let paths = bodies(&out, "07.2025", "orders");
    let names: Vec<_> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["0001.json", "0002.json", "0003.json", "0004.json"]);
    // Each body lints clean of `batch-size` and `body-shape`, its kind and version told by
    // its path, as the default linter tells them.
    let plain = Linter::new(Config::from_toml_str("max-batch-size = 3").unwrap()).unwrap();
    let mut ids = Vec::new();
    for path in &paths {
        let report = plain.lint_path(path);
        assert_eq!(report.kind, Some(klar_lint::PayloadKind::Orders));
        assert!(report.objects <= 3, "{}", report.objects);
        let envelope: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| matches!(d.rule(), "batch-size" | "body-shape" | "invalid-json"))
            .collect();
        assert!(envelope.is_empty(), "{}: {envelope:?}", path.display());
        ids.extend(
            objects_of(path)
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned()),
        );
    }
    // Numbered in input order, across inputs.
    let expected: Vec<String> = (0..12).map(|i| format!("A-{i}")).collect();
    assert_eq!(ids, expected);
    let text = std::fs::read_to_string(&paths[0]).unwrap();
    assert!(
        text.contains("\"productGmv\": 19.900000000000000000001"),
        "{text}"
    );
    // Bodies and manifest have the mode any new file gets, not a temporary file's 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&paths[0]), mode(&plain));
        assert_eq!(mode(&out.join("manifest.json")), mode(&plain));
    }

    // The manifest: every object, in input order, with its body and place in it.
    let m = manifest(&out);
    let objects = m["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 12);
    for (i, o) in objects.iter().enumerate() {
        assert_eq!(o["id"], format!("A-{i}").as_str());
        assert_eq!(
            o["body"],
            format!("07.2025/orders/{:04}.json", i / 3 + 1).as_str()
        );
        assert_eq!(o["index"], i % 3);
    }
    assert_eq!(objects[0]["input"], "orders.json");
    assert_eq!(objects[0]["pointer"], "/0");
    assert!(objects[8]["input"]
        .as_str()
        .unwrap()
        .ends_with("more/orders.jsonl"));
    assert_eq!(
        (&objects[8]["pointer"], &objects[8]["line"]),
        (&"/1".into(), &2.into())
    );
    assert_eq!(m["totals"]["objects"], 12);
    assert_eq!(m["totals"]["inBodies"], 12);
    assert_eq!(m["bodies"].as_array().unwrap().len(), 4);
    assert_eq!(m["inputs"][1]["objects"], 5);
}

#[test]
fn cost_kinds_go_in_an_items_envelope_and_orders_in_a_bare_array() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let l = linter("");
    // A bare array of COGS (a `body-shape` error in the lint) is re-enveloped; logistics costs
    // come in their own envelope; refunds and orders are bare arrays.
    let summary = split(
        &l,
        &out,
        false,
        &[
            bytes(
                "cogs.json",
                &format!("[{}, {}]", cogs("1", "1.5"), cogs("2", "2.25")),
            ),
            bytes(
                "logistics-costs.json",
                r#"{"items": [{"orderId": "1", "totalLogisticsCosts": 6.90}]}"#,
            ),
            bytes(
                "refunds.json",
                r#"[{"id": "R-1", "createdAt": 1761000000, "lineItems": []}]"#,
            ),
        ],
    );
    assert_eq!(summary.bodies, 3);
    for (kind, opening) in [
        ("cogs", "{\"items\": ["),
        ("logistics-costs", "{\"items\": ["),
        ("refunds", "[\n"),
    ] {
        let paths = bodies(&out, "07.2025", kind);
        let text = std::fs::read_to_string(&paths[0]).unwrap();
        assert!(text.starts_with(opening), "{kind}: {text}");
        let report = l.lint_path(&paths[0]);
        assert!(
            report
                .diagnostics
                .iter()
                .all(|d| !matches!(d.rule(), "body-shape" | "batch-size" | "invalid-json")),
            "{kind}: {:?}",
            report.diagnostics
        );
    }
    let logistics =
        std::fs::read_to_string(&bodies(&out, "07.2025", "logistics-costs")[0]).unwrap();
    assert!(logistics.contains("6.90"), "{logistics}");
    assert_eq!(manifest(&out)["objects"][2]["pointer"], "/items/0");
}

#[test]
fn valid_only_quarantines_every_object_with_an_error_even_past_the_per_file_cap() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Two findings per file: the report keeps the first errors and counts the others, but
    // each bad object is judged on its own findings.
    let toml = "max-diagnostics-per-file = 2\n[rules]\nduplicate-id = \"error\"\n";
    let l = linter(toml);
    let mut orders = Vec::new();
    for i in 0..30 {
        orders.push(if i % 3 == 2 {
            bad_order(&format!("B-{i}"))
        } else {
            order(&format!("B-{i}"), "1.5")
        });
    }
    // The same id again, later: an error with this config, made in file order.
    orders.push(order("B-0", "1.5"));
    let text = format!("[{}]", orders.join(",\n"));
    let report = l.lint_str("orders.json", &text);
    assert!(report.truncated.errors > 0, "the cap must drop errors here");
    let summary = split(&l, &out, true, &[bytes("orders.json", &text)]);
    assert_eq!(summary.quarantined, 11);
    assert_eq!(summary.in_bodies, 20);
    assert!(!summary.complete());
    let sent: Vec<String> = bodies(&out, "07.2025", "orders")
        .iter()
        .flat_map(|p| objects_of(p))
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sent.len(), 20);
    assert!(sent.iter().all(|id| {
        let n: usize = id[2..].parse().unwrap();
        n % 3 != 2
    }));
    let quarantine = std::fs::read_to_string(out.join("quarantine.jsonl")).unwrap();
    let lines: Vec<Value> = quarantine
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 11);
    let last = lines.last().unwrap();
    assert_eq!(last["pointer"], "/30");
    assert_eq!(last["id"], "B-0");
    assert_eq!(last["object"]["id"], "B-0");
    let rules: Vec<&str> = last["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["duplicate-id"]);
    let bad = &lines[9];
    assert_eq!(bad["id"], "B-29");
    let schema = bad["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "schema")
        .unwrap();
    assert_eq!(schema["pointer"], "/29/lineItems/0/productGmv");
    assert_eq!(schema["line"], 30);
    let m = manifest(&out);
    assert_eq!(m["objects"][2]["quarantined"], 1);
    assert!(m["objects"][2].get("body").is_none());
    assert_eq!(m["totals"]["quarantined"], 11);
}

#[test]
fn valid_only_judges_objects_of_streamed_arrays_and_json_lines_alike() {
    let dir = tempfile::tempdir().unwrap();
    let l = linter("max-diagnostics-per-file = 1");
    // A big array takes the streamed path; a repeated key inside one element is an error of
    // that element only.
    let mut orders: Vec<String> = (0..600).map(|i| order(&format!("C-{i}"), "2.5")).collect();
    orders[123] = orders[123].replacen("\"createdAt\"", "\"id\": \"dup\", \"createdAt\"", 1);
    // Past the cap of one finding per file: the report lets most of these go.
    for i in (7..600).step_by(50) {
        orders[i] = bad_order(&format!("C-{i}"));
    }
    let array = format!("[{}]", orders.join(",\n"));
    assert!(array.len() > 64 * 1024);
    let lines = orders.join("\n");
    for (name, text) in [("orders.json", &array), ("orders.jsonl", &lines)] {
        let out = dir.path().join(format!("out-{name}"));
        let summary = split(&l, &out, true, &[file(dir.path(), name, text)]);
        let report = l.lint_path(&dir.path().join(name));
        assert!(
            report.truncated.errors > 5,
            "{name}: {:?}",
            report.truncated
        );
        assert_eq!(summary.quarantined, 13, "{name}");
        assert_eq!(summary.in_bodies, 587, "{name}");
        let q = std::fs::read_to_string(out.join("quarantine.jsonl")).unwrap();
        let pointers: Vec<String> = q
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["pointer"].to_string())
            .collect();
        let mut expected: Vec<usize> = (7..600).step_by(50).collect();
        expected.push(123);
        expected.sort_unstable();
        let expected: Vec<String> = expected.iter().map(|i| format!("\"/{i}\"")).collect();
        assert_eq!(pointers, expected, "{name}");
        assert!(q.contains("\"rule\": \"duplicate-key\""), "{name}: {q}");
    }
}

#[test]
fn gzip_and_json_lines_inputs_are_read_as_the_lint_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let orders_gz = dir.path().join("orders.jsonl.gz");
    let cogs_gz = dir.path().join("exports/12.2022/cogs.json.gz");
    std::fs::create_dir_all(cogs_gz.parent().unwrap()).unwrap();
    let gzip = |path: &Path, text: &str| {
        let mut e = flate2::write::GzEncoder::new(
            std::fs::File::create(path).unwrap(),
            flate2::Compression::fast(),
        );
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap();
    };
    gzip(
        &orders_gz,
        &format!("{}\n\n{}\n", order("G-1", "1"), order("G-2", "2")),
    );
    gzip(
        &cogs_gz,
        &format!("{{\"items\": [{}]}}", cogs("G-1", "0.5")),
    );
    let out = dir.path().join("out");
    let summary = split(
        &linter(""),
        &out,
        false,
        &[Input::Path(orders_gz), Input::Path(cogs_gz)],
    );
    assert_eq!((summary.bodies, summary.in_bodies), (2, 3));
    assert_eq!(objects_of(&bodies(&out, "07.2025", "orders")[0]).len(), 2);
    // The version from the folder `12.2022/`, as the lint tells it.
    assert_eq!(objects_of(&bodies(&out, "12.2022", "cogs")[0]).len(), 1);
    let m = manifest(&out);
    assert_eq!(m["objects"][1]["line"], 3, "a blank line is no record");
}

#[test]
fn a_broken_file_and_broken_records_are_counted_as_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let summary = split(
        &linter(""),
        &out,
        false,
        &[
            bytes("orders.json", "[{\"id\": \"1\",]"),
            file(
                dir.path(),
                "more-orders.jsonl",
                &format!("{}\nnot json\n[1]\n", order("S-1", "1")),
            ),
            Input::Path(dir.path().join("missing-orders.json")),
        ],
    );
    assert_eq!(summary.in_bodies, 1);
    assert_eq!(summary.skipped, 2);
    assert_eq!(summary.inputs_skipped, 2);
    assert!(!summary.complete());
    let m = manifest(&out);
    assert!(m["inputs"][0]["notRead"]
        .as_str()
        .unwrap()
        .starts_with("invalid JSON"));
    assert!(m["inputs"][2]["notRead"]
        .as_str()
        .unwrap()
        .starts_with("cannot read"));
    let objects = m["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 3);
    assert!(objects[1]["skipped"]
        .as_str()
        .unwrap()
        .contains("invalid JSON"));
    assert!(objects[2]["skipped"]
        .as_str()
        .unwrap()
        .starts_with("not an object"));
    assert_eq!(m["totals"]["objects"], 3);
    assert_eq!(m["totals"]["skipped"], 2);
}

#[test]
fn a_folder_that_is_not_empty_is_refused_unless_forced_and_only_a_split_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let l = linter("max-batch-size = 1");
    let two = bytes(
        "orders.json",
        &format!("[{}, {}]", order("F-1", "1"), order("F-2", "2")),
    );
    split(&l, &out, false, &[two]);
    assert_eq!(bodies(&out, "07.2025", "orders").len(), 2);
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let err = Split::new(&l, Options::new(&out)).unwrap_err();
    assert!(err.to_string().contains("is not empty"), "{err}");
    let mut options = Options::new(&out);
    options.force = true;
    let mut again = Split::new(&l, options).unwrap();
    assert_eq!(again.replaced(), 3, "two bodies and the manifest");
    again
        .add(&bytes("orders.json", &format!("[{}]", order("F-3", "3"))))
        .unwrap();
    again.finish().unwrap();
    // No body of the earlier split is left to be sent again.
    assert_eq!(bodies(&out, "07.2025", "orders").len(), 1);
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}

fn klar_lint(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_command_exits_0_when_all_went_to_bodies_1_when_some_did_not_2_on_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("orders.json"),
        format!("[{}, {}]", order("X-1", "1"), order("X-2", "2")),
    )
    .unwrap();
    std::fs::write(
        d.join("bad-orders.json"),
        format!("[{}, {}]", order("Y-1", "1"), bad_order("Y-2")),
    )
    .unwrap();

    let ok = klar_lint(d, &["--no-config", "split", "orders.json", "--out", "a"]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout).trim(),
        "Wrote 1 body (2 orders) to a; 0 quarantined"
    );

    let some = klar_lint(
        d,
        &[
            "split",
            "--no-config",
            "orders.json",
            "bad-orders.json",
            "--out",
            "b",
            "--valid-only",
        ],
    );
    assert_eq!(some.status.code(), Some(1), "{some:?}");
    assert_eq!(
        String::from_utf8_lossy(&some.stdout).trim(),
        "Wrote 1 body (3 orders) to b; 1 quarantined"
    );

    let refused = klar_lint(d, &["split", "--no-config", "orders.json", "--out", "a"]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is not empty"));

    let forced = klar_lint(
        d,
        &[
            "split",
            "--no-config",
            "orders.json",
            "--out",
            "a",
            "--force",
        ],
    );
    assert_eq!(forced.status.code(), Some(0), "{forced:?}");
    assert!(String::from_utf8_lossy(&forced.stderr).contains("Replacing 2 files"));

    let missing_out = klar_lint(d, &["split", "orders.json"]);
    assert_eq!(missing_out.status.code(), Some(2), "{missing_out:?}");

    let zero = klar_lint(
        d,
        &[
            "split",
            "--no-config",
            "orders.json",
            "--out",
            "c",
            "--max-batch-size",
            "0",
        ],
    );
    assert_eq!(zero.status.code(), Some(2), "{zero:?}");

    std::fs::write(d.join("broken-orders.json"), "[{").unwrap();
    let broken = klar_lint(
        d,
        &["split", "--no-config", "broken-orders.json", "--out", "e"],
    );
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    assert!(String::from_utf8_lossy(&broken.stderr).contains("invalid-json"));

    // Standard input, named.
    let mut child = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .current_dir(d)
        .args([
            "split",
            "--no-config",
            "-",
            "--stdin-filename",
            "cogs.jsonl",
            "--out",
            "f",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", cogs("1", "1.5")).as_bytes())
        .unwrap();
    let piped = child.wait_with_output().unwrap();
    assert_eq!(piped.status.code(), Some(0), "{piped:?}");
    assert!(d.join("f/07.2025/cogs/0001.json").is_file());

    // An input inside the output folder is refused: --force would remove it.
    let inside = klar_lint(d, &["split", "--no-config", "a", "--out", "a", "--force"]);
    assert_eq!(inside.status.code(), Some(2), "{inside:?}");
}

#[test]
fn linting_the_output_folder_lints_the_bodies_and_leaves_manifest_and_quarantine_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("orders.json"),
        format!("[{}, {}]", order("Y-1", "1"), bad_order("Y-2")),
    )
    .unwrap();
    let out = klar_lint(
        d,
        &[
            "--no-config",
            "split",
            "orders.json",
            "--out",
            "out",
            "--valid-only",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(d.join("out/quarantine.jsonl").is_file());
    let lint = klar_lint(d, &["--no-config", "--format", "concise", "out"]);
    let text = String::from_utf8_lossy(&lint.stdout);
    assert!(!text.contains("unknown-kind"), "{text}");
    assert!(!text.contains("quarantine.jsonl:"), "{text}");
    assert_eq!(lint.status.code(), Some(0), "{text}");
    assert!(!text.contains("manifest.json:"), "{text}");
    let note = String::from_utf8_lossy(&lint.stderr);
    assert!(note.contains("2 split manifests and quarantines"), "{note}");
}
