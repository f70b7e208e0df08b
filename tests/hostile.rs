//! Hostile input and faults: every file in `tests/hostile/` (and the big, odd or racy ones this
//! file makes in a temporary folder) gets a clear finding with its location, or a clear skip
//! notice; nothing panics, nothing hangs, and a good file linted in the same run is still
//! reported. The binary runs under a deadline, so a hang fails the test instead of blocking.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// `finding` and `whole_file` return `Option` so a case reads `finding(..)` or `no_findings()`.
#![allow(clippy::unnecessary_wraps)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use klar_lint::{Config, FileReport, Linter, PayloadKind, Severity};
use serde_json::Value;

/// Generous: debug builds on a loaded 2-core machine. A hang is minutes, not seconds.
const DEADLINE: Duration = Duration::from_secs(240);

/// A clean order, linted beside every hostile file to show the run goes on.
const GOOD: &str = r#"[{"id": "1", "createdAt": 1700000000, "updatedAt": 1700000000, "currencyCodeIso3Letter": "EUR",
  "financialStatus": "paid", "shipmentStatus": "shipped", "orderNumber": "1",
  "customer": {"id": "c1"},
  "shipping": {"shippingTotalAmountBeforeTaxAndDiscounts": 0, "shippingTotalAmountAfterTaxAndDiscounts": 0, "currencyCodeIso3Letter": "EUR"},
  "lineItems": [{"id": "a", "productName": "Socks", "productId": "p1", "sku": "s1", "productGmv": 10.00, "quantity": 1,
    "taxes": [{"title": "VAT", "taxRate": 0.19, "taxAmount": 1.60}], "discounts": [],
    "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 8.40}]}]"#;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with a deadline; output goes to files so a full pipe cannot block it.
fn klar(args: &[&str], cwd: &Path) -> Run {
    klar_env(args, cwd, &[])
}

/// [`klar`] with extra environment variables.
fn klar_env(args: &[&str], cwd: &Path, env: &[(&str, &Path)]) -> Run {
    let out_dir = tempfile::tempdir().unwrap();
    let out_path = out_dir.path().join("stdout");
    let err_path = out_dir.path().join("stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("RAYON_NUM_THREADS")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("klar-lint {args:?} hung: no exit after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| {
        let mut s = String::new();
        File::open(p).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    Run {
        code: status.code(),
        stdout: read(&out_path),
        stderr: read(&err_path),
    }
}

/// Runs a library call on another thread and fails if it does not return within the deadline.
fn within_deadline<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(DEADLINE)
        .expect("the library call hung or panicked")
}

fn orders_linter() -> Linter {
    Linter::new(Config::default().with_kind(PayloadKind::Orders)).unwrap()
}

/// The JSON report's entry for a file.
fn file_entry<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} missing from the report: {report:#}"))
}

fn assert_good_reported(report: &Value, good: &str) {
    let entry = file_entry(report, good);
    assert_eq!(entry["objects"], 1, "{entry:#}");
    let errors: Vec<_> = entry["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "the good file got errors: {errors:#?}");
}

/// What a hostile file must produce.
#[derive(Clone, Copy)]
struct Expect {
    rule: &'static str,
    /// 1-based line and column; `None` when the finding is about the whole file.
    at: Option<(usize, usize)>,
    pointer: &'static str,
    /// Text the message or help must contain.
    says: &'static str,
}

fn no_findings() -> Option<Expect> {
    None
}

fn finding(
    rule: &'static str,
    line: usize,
    column: usize,
    pointer: &'static str,
    says: &'static str,
) -> Option<Expect> {
    Some(Expect {
        rule,
        at: Some((line, column)),
        pointer,
        says,
    })
}

/// A finding about the whole file: no line or column.
fn whole_file(rule: &'static str, says: &'static str) -> Option<Expect> {
    Some(Expect {
        rule,
        at: None,
        pointer: "",
        says,
    })
}

fn check_library_report(report: &FileReport, expect: Option<Expect>) {
    assert!(
        !report.has_internal_error(),
        "internal error: {:?}",
        report.diagnostics
    );
    let Some(expect) = expect else {
        let errors: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.rule(), d.message.clone()))
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        return;
    };
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.rule() == expect.rule && d.pointer.as_str() == expect.pointer)
        .unwrap_or_else(|| {
            panic!(
                "no {} at `{}` in {:?}",
                expect.rule, expect.pointer, report.diagnostics
            )
        });
    if let Some((line, column)) = expect.at {
        assert_eq!((d.line, d.column), (Some(line), Some(column)), "{d:?}");
    }
    let text = format!("{} {}", d.message, d.help.as_deref().unwrap_or(""));
    assert!(
        text.contains(expect.says),
        "{text:?} lacks {:?}",
        expect.says
    );
    // Messages describe values, they never paste them whole.
    assert!(
        d.message.len() < 400,
        "message too long: {} bytes",
        d.message.len()
    );
}

/// Lints `file` beside a good file, through the binary (JSON report) and the library.
fn check_file(dir: &Path, file: &str, expect: Option<Expect>) {
    std::fs::write(dir.join("good-orders.json"), GOOD).unwrap();
    let run = klar(
        &[
            "--kind",
            "orders",
            "--format",
            "json",
            file,
            "good-orders.json",
        ],
        dir,
    );
    assert!(
        !run.stderr.contains("panicked"),
        "stderr shows a panic: {}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout {:?} stderr {:?}", run.stdout, run.stderr));
    assert_good_reported(&report, "good-orders.json");
    let entry = file_entry(&report, file);
    let diagnostics = entry["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics.iter().all(|d| d["rule"] != "internal-error"),
        "{entry:#}"
    );
    match expect {
        Some(expect) => {
            assert_eq!(run.code, Some(1), "{entry:#}");
            let d = diagnostics
                .iter()
                .find(|d| d["rule"] == expect.rule && d["pointer"] == expect.pointer)
                .unwrap_or_else(|| panic!("no {} in {entry:#}", expect.rule));
            if let Some((line, column)) = expect.at {
                assert_eq!(
                    (d["line"].as_u64(), d["column"].as_u64()),
                    (Some(line as u64), Some(column as u64)),
                    "{d:#}"
                );
            }
        }
        None => assert_eq!(run.code, Some(0), "{entry:#}"),
    }
    let report = orders_linter().lint_path(&dir.join(file));
    check_library_report(&report, expect);
}

/// Lints a committed corpus file (copied, so the run's relative paths are stable).
fn check_corpus(file: &str, expect: Option<Expect>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(corpus().join(file), dir.path().join(file)).unwrap();
    check_file(dir.path(), file, expect);
}

macro_rules! corpus_case {
    ($name:ident, $file:literal, $expect:expr) => {
        #[test]
        fn $name() {
            check_corpus($file, $expect);
        }
    };
}

corpus_case!(
    random_bytes,
    "random-bytes.json",
    finding("invalid-json", 1, 2, "", "not UTF-8")
);
corpus_case!(
    invalid_utf8_inside_a_string,
    "invalid-utf8-in-string.json",
    finding("invalid-json", 2, 46, "", "0xFC")
);
corpus_case!(
    utf16_file,
    "utf16le.json",
    finding("invalid-json", 1, 1, "", "UTF-16")
);
corpus_case!(utf8_bom_is_accepted, "utf8-bom-orders.json", no_findings());
corpus_case!(
    empty_file,
    "empty.json",
    whole_file("invalid-json", "empty")
);
corpus_case!(
    whitespace_only,
    "whitespace-only.json",
    whole_file("invalid-json", "empty")
);
corpus_case!(
    truncated_mid_string,
    "truncated-mid-string.json",
    finding("invalid-json", 2, 31, "", "ends early")
);
corpus_case!(
    truncated_mid_number,
    "truncated-mid-number.json",
    finding("invalid-json", 1, 31, "", "ends early")
);
corpus_case!(
    nan_literal,
    "nan-literal.json",
    finding("invalid-json", 2, 43, "", "no NaN or Infinity")
);
corpus_case!(
    infinity_literal,
    "infinity-literal.json",
    finding("invalid-json", 2, 44, "", "no NaN or Infinity")
);
corpus_case!(
    exponent_beyond_any_decimal,
    "huge-exponent.json",
    finding(
        "number-range",
        4,
        99,
        "/0/lineItems/0/productGmv",
        "exact decimal"
    )
);
corpus_case!(negative_zero_is_zero, "negative-zero.json", no_findings());
corpus_case!(
    forty_digit_decimal,
    "forty-digit-decimal.json",
    finding(
        "number-range",
        4,
        99,
        "/0/lineItems/0/productGmv",
        "28 significant digits"
    )
);
corpus_case!(
    duplicate_keys,
    "duplicate-keys.json",
    finding("duplicate-key", 2, 105, "/0/orderNumber", "appears twice")
);
corpus_case!(
    crlf_line_endings_keep_columns,
    "crlf.json",
    finding("schema", 4, 118, "/0/lineItems/0/quantity", "number")
);

#[test]
fn json_lines_with_a_broken_line_in_the_middle_lint_the_other_lines() {
    let file = "broken-line-middle.jsonl";
    check_corpus(file, finding("invalid-json", 2, 32, "/1", "ends early"));
    let report = orders_linter().lint_path(&corpus().join(file));
    let found: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| (d.rule(), d.pointer.to_string(), d.line))
        .collect();
    // The record after the broken one is still checked: its schema error is found on line 5.
    assert_eq!(
        found,
        vec![
            ("invalid-json", "/1".to_owned(), Some(2)),
            ("schema", "/4/lineItems/0/productGmv".to_owned(), Some(5)),
        ]
    );
    assert_eq!(report.objects, 4);
}

/// Every committed corpus file is named by a test above or is a fuzz regression (`fuzz-*`),
/// which must lint without a panic or an internal error.
#[test]
fn every_corpus_file_is_covered_and_fuzz_regressions_lint_cleanly() {
    let named = [
        "random-bytes.json",
        "invalid-utf8-in-string.json",
        "utf16le.json",
        "utf8-bom-orders.json",
        "empty.json",
        "whitespace-only.json",
        "truncated-mid-string.json",
        "truncated-mid-number.json",
        "nan-literal.json",
        "infinity-literal.json",
        "huge-exponent.json",
        "negative-zero.json",
        "forty-digit-decimal.json",
        "duplicate-keys.json",
        "crlf.json",
        "broken-line-middle.jsonl",
        "README.md",
        ".gitattributes",
    ];
    let linters = [
        Linter::new(Config::default()).unwrap(),
        orders_linter(),
        Linter::new(Config::default().with_kind(PayloadKind::Refunds)).unwrap(),
        Linter::new(Config::default().with_kind(PayloadKind::Cogs)).unwrap(),
    ];
    for entry in std::fs::read_dir(corpus()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("fuzz-") {
            let bytes = std::fs::read(entry.path()).unwrap();
            for linter in &linters {
                let report = linter.lint_bytes(&name, &bytes);
                assert!(!report.has_internal_error(), "{name}: {report:?}");
                let report = linter.lint_lines(&name, bytes.as_slice());
                assert!(!report.has_internal_error(), "{name}: {report:?}");
            }
        } else {
            assert!(named.contains(&name.as_str()), "{name} has no test");
        }
    }
}

// ---- Big inputs, made here rather than committed ----

#[test]
fn a_ten_megabyte_string_is_linted_and_never_pasted_into_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let big = "x".repeat(10 * 1024 * 1024);
    let clean = GOOD.replacen(
        "\"orderNumber\": \"1\"",
        &format!("\"orderNumber\": \"{big}\""),
        1,
    );
    std::fs::write(dir.path().join("big-string.json"), &clean).unwrap();
    check_file(dir.path(), "big-string.json", no_findings());
    let bad = GOOD.replacen(
        "\"currencyCodeIso3Letter\": \"EUR\"",
        &format!("\"currencyCodeIso3Letter\": 1, \"orderName\": 5, \"tags\": [\"{big}\", 7]"),
        1,
    );
    std::fs::write(dir.path().join("big-bad.json"), &bad).unwrap();
    check_file(
        dir.path(),
        "big-bad.json",
        finding("schema", 1, 90, "/0/currencyCodeIso3Letter", "string"),
    );
}

#[test]
fn a_million_element_array_is_one_batch_size_finding_and_a_bounded_list() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("[{}0]", "0,".repeat(999_999));
    std::fs::write(dir.path().join("million.json"), &text).unwrap();
    check_file(
        dir.path(),
        "million.json",
        finding("batch-size", 1, 1, "", "1000000 objects"),
    );
    let report = orders_linter().lint_str("million.json", &text);
    assert_eq!(report.objects, 1_000_000);
    // The default limit keeps 1,000 findings and counts the rest: the first ones in the file.
    assert_eq!(report.diagnostics.len(), 1000);
    assert_eq!(report.truncated.total(), 1_000_001 - 1000);
    let last = report.diagnostics.last().unwrap();
    assert_eq!(last.pointer.as_str(), "/998");
    assert_eq!(last.column, Some(1 + 998 * 2 + 1));
}

#[test]
fn nesting_a_hundred_thousand_deep_is_invalid_json_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 100_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    std::fs::write(dir.path().join("deep-arrays.json"), &arrays).unwrap();
    std::fs::write(dir.path().join("deep-objects.json"), &objects).unwrap();
    // serde_json's recursion limit (128) stops it at the 128th opening bracket.
    check_file(
        dir.path(),
        "deep-arrays.json",
        finding("invalid-json", 1, 128, "", "deeper than 128"),
    );
    check_file(
        dir.path(),
        "deep-objects.json",
        finding("invalid-json", 1, 5 * 127 + 1, "", "deeper than 128"),
    );
    // As JSON Lines, each record is parsed alone, with the same limit.
    std::fs::write(
        dir.path().join("deep.jsonl"),
        format!("{GOOD_LINE}\n{arrays}\n{GOOD_LINE}\n"),
    )
    .unwrap();
    let report = orders_linter().lint_path(&dir.path().join("deep.jsonl"));
    let found: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.rule(), d.pointer.to_string(), d.line))
        .collect();
    assert_eq!(found, vec![("invalid-json", "/1".to_owned(), Some(2))]);
    assert_eq!(report.objects, 2);
}

const GOOD_LINE: &str = r#"{"id": "1", "createdAt": 1700000000, "updatedAt": 1700000000, "currencyCodeIso3Letter": "EUR", "financialStatus": "paid", "shipmentStatus": "shipped", "orderNumber": "1", "customer": {"id": "c1"}, "shipping": {"shippingTotalAmountBeforeTaxAndDiscounts": 0, "shippingTotalAmountAfterTaxAndDiscounts": 0, "currencyCodeIso3Letter": "EUR"}, "lineItems": [{"id": "a", "productName": "Socks", "productId": "p1", "sku": "s1", "productGmv": 10.00, "quantity": 1, "taxes": [{"title": "VAT", "taxRate": 0.19, "taxAmount": 1.60}], "discounts": [], "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 8.40}]}"#;

#[test]
fn the_span_and_line_scanners_stay_linear_on_deep_input() {
    // They only ever see text serde_json accepted (at most 128 deep), but must not overflow,
    // loop or blow up on anything else either.
    within_deadline(|| {
        let depth = 100_000;
        for (open, close, step) in [("[", "]", "/0"), ("{\"a\":", "}", "/a")] {
            let text = format!(
                "{}{}{}",
                open.repeat(depth),
                "{\"d\":1,\"d\":2}",
                close.repeat(depth)
            );
            let spans = klar_lint::json::SpanIndex::new(&text);
            let root = spans.locate(&klar_lint::Pointer::root()).unwrap();
            assert_eq!(root.value.end, text.len());
            let deep = klar_lint::Pointer::parse(&step.repeat(depth)).unwrap();
            let at = spans.locate(&deep.key("d")).unwrap();
            assert_eq!(&text[at.value.start..at.value.end], "2");
            assert_eq!(spans.duplicate_keys().len(), 1);
            let lines = klar_lint::json::LineIndex::new(&text);
            assert_eq!(lines.line_col(&text, text.len()), (1, text.len() + 1));
            let open_only = open.repeat(depth);
            let spans = klar_lint::json::SpanIndex::new(&open_only);
            assert_eq!(spans.locate(&klar_lint::Pointer::root()), None);
            assert!(spans.duplicate_keys().is_empty());
        }
    });
}

// ---- Odd files: directories, links, FIFOs, permissions, files that vanish ----

#[test]
fn a_directory_named_like_a_payload() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("x.json")).unwrap();
    std::fs::write(dir.path().join("x.json/inner-orders.json"), GOOD).unwrap();
    // The library is asked for a file and says it is a directory.
    let report = orders_linter().lint_path(&dir.path().join("x.json"));
    assert_eq!(report.diagnostics[0].rule(), "io-error");
    assert!(report.diagnostics[0].message.contains("is a directory"));
    // The binary walks it like any folder, and the files in it are linted.
    std::fs::write(dir.path().join("good-orders.json"), GOOD).unwrap();
    let run = klar(&["--format", "json", "."], dir.path());
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_good_reported(&report, "./good-orders.json");
    assert_good_reported(&report, "./x.json/inner-orders.json");
    assert_eq!(run.code, Some(0), "{report:#}");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_an_io_error_when_named_and_a_skip_notice_when_walked() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("b.json", dir.path().join("a.json")).unwrap();
    std::os::unix::fs::symlink("a.json", dir.path().join("b.json")).unwrap();
    check_file(
        dir.path(),
        "a.json",
        whole_file("io-error", "symbolic links"),
    );
    // Walked, a link is left alone and counted in the note (issue 15 item 6): not a finding,
    // so `--fail-on warning` passes on a folder with a `latest.json` link.
    let run = klar(
        &["--format", "json", "--fail-on", "warning", "."],
        dir.path(),
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_good_reported(&report, "./good-orders.json");
    for link in ["./a.json", "./b.json"] {
        assert!(
            !report["files"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["path"] == link),
            "{report:#}"
        );
    }
    assert!(
        run.stderr.contains("2 symbolic links, not followed"),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, Some(0));
}

#[cfg(unix)]
#[test]
fn a_fifo_is_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.json");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED a_fifo_is_never_opened: mkfifo is not available here");
        return;
    }
    // Nothing ever writes to the FIFO: opening it would block forever.
    check_file(
        dir.path(),
        "pipe.json",
        whole_file("io-error", "not a regular file"),
    );
    let run = klar(&["--format", "json", "."], dir.path());
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_good_reported(&report, "./good-orders.json");
    let d = &file_entry(&report, "./pipe.json")["diagnostics"][0];
    assert_eq!(d["severity"], "warning");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{d:#}"
    );
}

#[cfg(unix)]
#[test]
fn a_file_without_read_permission() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked-orders.json");
    std::fs::write(&locked, GOOD).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if File::open(&locked).is_ok() {
        // Root (and CAP_DAC_OVERRIDE) ignores permission bits, so the denial cannot be made
        // here; CI runs as root. The path through the code is the same as for any open error,
        // which `a_file_deleted_between_walk_and_read` covers.
        eprintln!(
            "SKIPPED a_file_without_read_permission: this process can read a mode-000 file \
             (running as root), so a permission error cannot be produced"
        );
        return;
    }
    check_file(
        dir.path(),
        "locked-orders.json",
        whole_file("io-error", "permission denied"),
    );
}

#[test]
fn a_file_deleted_between_walk_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone-orders.json");
    std::fs::write(&gone, GOOD).unwrap();
    let linter = orders_linter();
    // The walk saw it; by the time it is read, it is gone.
    std::fs::remove_file(&gone).unwrap();
    let report = linter.lint_path(&gone);
    assert_eq!(report.diagnostics.len(), 1);
    let d = &report.diagnostics[0];
    assert_eq!(d.rule(), "io-error");
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("no such file"), "{}", d.message);
    assert!(!report.has_internal_error());
}

#[test]
fn a_read_error_half_way_through_json_lines_keeps_what_was_read() {
    /// Yields `data`, then fails.
    struct FailingReader {
        data: std::io::Cursor<Vec<u8>>,
    }
    impl Read for FailingReader {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.data.read(buf)? {
                0 => Err(std::io::Error::other("device went away")),
                n => Ok(n),
            }
        }
    }
    let bad = GOOD_LINE
        .replace("\"quantity\": 1", "\"quantity\": \"1\"")
        .replace("{\"id\": \"1\"", "{\"id\": \"2\"");
    let data = format!("{GOOD_LINE}\n{bad}\n").into_bytes();
    let reader = std::io::BufReader::new(FailingReader {
        data: std::io::Cursor::new(data),
    });
    let report = orders_linter().lint_lines("orders.jsonl", reader);
    let found: Vec<_> = report
        .diagnostics
        .iter()
        .map(klar_lint::Diagnostic::rule)
        .collect();
    assert_eq!(
        found,
        vec!["io-error", "schema"],
        "{:?}",
        report.diagnostics
    );
    assert!(report.diagnostics[0].message.contains("after line 2"));
    assert_eq!(report.objects, 2);
}

// ---- Containment: a bug in one file's lint stays in that file ----

#[test]
fn a_panic_in_one_files_lint_is_an_internal_error_for_that_file_only() {
    let linter = orders_linter();
    let marker = klar_lint::linter::FAULT_MARKER;
    let report = linter.lint_bytes(&format!("{marker}.json"), GOOD.as_bytes());
    assert!(report.has_internal_error(), "{:?}", report.diagnostics);
    let d = &report.diagnostics[0];
    assert!(d.message.contains("injected fault"), "{}", d.message);
    assert!(d.help.as_deref().unwrap().contains("bug in klar-lint"));
    // The same linter goes on working.
    let after = linter.lint_bytes("good-orders.json", GOOD.as_bytes());
    assert!(!after.has_internal_error());
    assert_eq!(after.objects, 1);
    for report in [
        linter.lint_path(Path::new(&format!("{marker}.json"))),
        linter.lint_lines(&format!("{marker}.jsonl"), GOOD_LINE.as_bytes()),
    ] {
        assert!(report.has_internal_error(), "{:?}", report.diagnostics);
    }
}

#[test]
fn a_panic_in_one_file_exits_two_and_the_other_files_finish() {
    let dir = tempfile::tempdir().unwrap();
    let marker = klar_lint::linter::FAULT_MARKER;
    let faulty = format!("a-{marker}.json");
    std::fs::write(dir.path().join(&faulty), GOOD).unwrap();
    std::fs::write(dir.path().join("b-orders.json"), GOOD).unwrap();
    std::fs::write(dir.path().join("c-orders.json"), GOOD).unwrap();
    let run = klar(&["--kind", "orders", "--format", "json", "."], dir.path());
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let d = &file_entry(&report, &format!("./{faulty}"))["diagnostics"][0];
    assert_eq!(d["rule"], "internal-error");
    // With the place it happened, for the bug report.
    let message = d["message"].as_str().unwrap();
    assert!(message.contains("(at src/linter.rs:"), "{message}");
    assert_good_reported(&report, "./b-orders.json");
    assert_good_reported(&report, "./c-orders.json");
    // The human format says so too.
    let run = klar(&["--kind", "orders", "."], dir.path());
    assert_eq!(run.code, Some(2));
    assert!(run.stdout.contains("internal-error"), "{}", run.stdout);
    // Once, in the report, with the place it happened; not again as a raw panic message.
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

// ---- Limits: clear findings instead of exhaustion ----

#[test]
fn max_file_size_is_a_clear_finding_and_json_lines_are_streamed_regardless() {
    let dir = tempfile::tempdir().unwrap();
    // Room for one record, not for the document (nor for the JSON Lines file as a whole).
    let limit = GOOD_LINE.len() + 2;
    assert!(GOOD.len() > limit);
    std::fs::write(
        dir.path().join("klar-lint.toml"),
        format!("max-file-size = {limit}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("big-orders.json"), GOOD).unwrap();
    std::fs::write(
        dir.path().join("big-orders.jsonl"),
        format!("{GOOD_LINE}\n{GOOD_LINE}\n"),
    )
    .unwrap();
    let run = klar(&["--format", "json", "."], dir.path());
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let d = &file_entry(&report, "./big-orders.json")["diagnostics"][0];
    assert_eq!(d["rule"], "io-error");
    let message = d["message"].as_str().unwrap();
    assert!(message.contains("max-file-size"), "{message}");
    assert!(message.contains(&GOOD.len().to_string()), "{message}");
    let lines = file_entry(&report, "./big-orders.jsonl");
    assert_eq!(lines["objects"], 2, "{lines:#}");
    // Raised past the file's size, the document is linted.
    let config = Config::from_toml_str(&format!("max-file-size = {}", GOOD.len()))
        .unwrap()
        .with_kind(PayloadKind::Orders);
    let report = Linter::new(config)
        .unwrap()
        .lint_path(&dir.path().join("big-orders.json"));
    assert_eq!(report.objects, 1);
}

#[test]
fn max_diagnostics_per_file_keeps_the_first_findings_of_a_document_and_counts_the_rest() {
    // Complete orders, each with one schema error: one finding per order.
    let orders: Vec<String> = (0..50)
        .map(|i| {
            GOOD_LINE
                .replace("{\"id\": \"1\"", &format!("{{\"id\": \"{i}\""))
                .replace("\"createdAt\": 1700000000", "\"createdAt\": \"x\"")
        })
        .collect();
    let text = format!("[\n{}\n]", orders.join(",\n"));
    let config = Config::from_toml_str("max-diagnostics-per-file = 7")
        .unwrap()
        .with_kind(PayloadKind::Orders);
    let report = Linter::new(config).unwrap().lint_str("orders.json", &text);
    assert_eq!(report.diagnostics.len(), 7);
    assert_eq!(report.truncated.total(), 43);
    let lines: Vec<_> = report.diagnostics.iter().map(|d| d.line).collect();
    assert_eq!(lines, (2..9).map(Some).collect::<Vec<_>>());
    // Unlimited, the same file keeps all fifty, and the first seven are the same.
    let all = orders_linter().lint_str("orders.json", &text);
    assert_eq!(all.diagnostics.len(), 50);
    assert_eq!(all.truncated.total(), 0);
    for (kept, full) in report.diagnostics.iter().zip(&all.diagnostics) {
        assert_eq!(kept.pointer, full.pointer);
        assert_eq!((kept.line, kept.column), (full.line, full.column));
    }
}

/// The per-file limit keeps the most severe findings first: an error after a thousand warnings
/// is listed, fails the run, and nothing past the limit is lost from the counts; a baseline
/// records every finding, so a run against it passes. For JSON Lines, a small document and a
/// big (streamed) array.
#[test]
fn an_error_past_the_per_file_limit_is_kept_over_warnings_and_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("klar-lint.toml"),
        "max-diagnostics-per-file = 5\napi-version = \"07.2025\"\n[kinds]\n\"*\" = \"orders\"\n",
    )
    .unwrap();
    let record = |id: &str, currency: &str| {
        format!("{{\"id\": \"{id}\", \"createdAt\": 1761000000, \"currencyCodeIso3Letter\": \"{currency}\", \"lineItems\": []}}")
    };
    let file = |n: usize| -> Vec<String> {
        // `n` orders sharing one id (a warning each), then one with a bad currency (an error).
        let mut rows: Vec<String> = (0..n).map(|_| record("A", "EUR")).collect();
        rows.push(record("B", "EURO"));
        rows
    };
    std::fs::write(dir.path().join("orders.jsonl"), file(40).join("\n")).unwrap();
    std::fs::write(
        dir.path().join("small.json"),
        format!("[{}]", file(40).join(",")),
    )
    .unwrap();
    // Past 64 KiB: the streamed path.
    let big = format!("[{}]", file(800).join(",\n"));
    assert!(big.len() > 64 * 1024);
    std::fs::write(dir.path().join("big.json"), &big).unwrap();

    let config = Config::from_toml_str("max-diagnostics-per-file = 5")
        .unwrap()
        .with_kind(PayloadKind::Orders)
        .with_api_version(klar_lint::ApiVersion::V07_2025);
    let limited = Linter::new(config.clone()).unwrap();
    let mut unlimited = config;
    unlimited.max_diagnostics_per_file = usize::MAX;
    let unlimited = Linter::new(unlimited).unwrap();
    for name in ["orders.jsonl", "small.json", "big.json"] {
        let path = dir.path().join(name);
        let report = limited.lint_path(&path);
        let all = unlimited.lint_path(&path);
        assert_eq!(report.diagnostics.len(), 5, "{name}");
        assert!(all.diagnostics.len() > 40, "{name}");
        assert_eq!(
            report.diagnostics.len() + report.truncated.total(),
            all.diagnostics.len(),
            "{name}: every finding is listed or counted"
        );
        for severity in [Severity::Error, Severity::Warning, Severity::Info] {
            assert_eq!(
                report.count(severity) + report.truncated.count(severity),
                all.count(severity),
                "{name} {severity:?}"
            );
        }
        // The error is listed, not counted away; listed findings stay in file order.
        assert_eq!(report.truncated.errors, 0, "{name}");
        assert!(report.has_errors(), "{name}");
        let error = report
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error && d.message.contains("EURO"))
            .unwrap_or_else(|| panic!("{name}: {:#?}", report.diagnostics));
        assert!(error.line.is_some(), "{name}");
        let lines: Vec<_> = report
            .diagnostics
            .iter()
            .map(|d| (d.line, d.column))
            .collect();
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(lines, sorted, "{name}");

        let run = klar(&[name], dir.path());
        assert_eq!(run.code, Some(1), "{name}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("EURO"), "{name}: {}", run.stdout);
        assert!(
            run.stdout.contains("counted but not listed"),
            "{name}: {}",
            run.stdout
        );
        // A baseline records every finding, past the limit too: a run against it is clean.
        let written = klar(&["--write-baseline", "base.json", name], dir.path());
        assert_eq!(written.code, Some(0), "{name}: {}", written.stderr);
        let run = klar(&["--baseline", "base.json", name], dir.path());
        assert_eq!(run.code, Some(0), "{name}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("no findings"), "{name}: {}", run.stdout);
    }
}

// ---- Offline: a regex in a schema runs on a linear-time engine ----

#[test]
fn a_catastrophic_backtracking_pattern_in_a_schema_override_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("s/07.2025")).unwrap();
    std::fs::write(
        dir.path().join("s/07.2025/orders.schema.json"),
        r#"{"$defs": {"Order": {"type": "object",
            "properties": {"id": {"type": "string", "pattern": "^(a+)+$"}}}}}"#,
    )
    .unwrap();
    // 2^40 paths for a backtracking engine; one pass for a linear one.
    let evil = format!("[{{\"id\": \"{}!\"}}]", "a".repeat(40));
    std::fs::write(dir.path().join("evil-orders.json"), &evil).unwrap();
    std::fs::write(dir.path().join("good-orders.json"), GOOD).unwrap();
    let run = klar(
        &[
            "--schemas",
            "s",
            "--api-version",
            "07.2025",
            "--format",
            "json",
            "evil-orders.json",
            "good-orders.json",
        ],
        dir.path(),
    );
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    let evil_report = file_entry(&report, "evil-orders.json");
    let d = evil_report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "schema")
        .unwrap_or_else(|| panic!("{evil_report:#}"));
    assert_eq!(d["pointer"], "/0/id");
    assert_eq!(file_entry(&report, "good-orders.json")["objects"], 1);
    let schemas = dir.path().join("s");
    let report = within_deadline(move || {
        Linter::new(
            Config::default()
                .with_kind(PayloadKind::Orders)
                .with_schemas_dir(schemas),
        )
        .unwrap()
        .lint_str("orders.json", &evil)
    });
    assert!(
        report.diagnostics.iter().any(|d| d.rule() == "schema"),
        "{:?}",
        report.diagnostics
    );
}

// ---- No side effects: inputs are read, never written ----

/// Every file under `dir` with its bytes, length, mtime and permissions.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::fs::Metadata)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path, bytes, meta));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn inputs_are_never_modified() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (from, to) in [("examples", "examples"), ("tests/hostile", "hostile")] {
        let status = Command::new("cp")
            .args(["-R"])
            .arg(root.join(from))
            .arg(dir.path().join(to))
            .status()
            .unwrap();
        assert!(status.success());
    }
    std::fs::write(
        dir.path().join("hostile/orders.jsonl"),
        format!("{GOOD_LINE}\n"),
    )
    .unwrap();
    let before = snapshot(dir.path());
    assert!(before.len() > 40, "{}", before.len());
    // Past any coarse mtime granularity, so a rewrite of the same bytes would still show.
    std::thread::sleep(Duration::from_millis(1100));
    for format in ["human", "concise", "json"] {
        let run = klar(&["--format", format, "--summary", "."], dir.path());
        assert!(matches!(run.code, Some(0..=2)), "{}", run.stderr);
        let run = klar(&["--kind", "orders", "--format", format, "."], dir.path());
        assert!(matches!(run.code, Some(0..=2)), "{}", run.stderr);
    }
    let after = snapshot(dir.path());
    assert_eq!(before.len(), after.len(), "files were added or removed");
    for ((path, bytes, meta), (path_after, bytes_after, meta_after)) in before.iter().zip(&after) {
        assert_eq!(path, path_after);
        assert!(bytes == bytes_after, "{} changed", path.display());
        assert_eq!(meta.len(), meta_after.len(), "{}", path.display());
        assert_eq!(
            meta.modified().unwrap(),
            meta_after.modified().unwrap(),
            "{} was written",
            path.display()
        );
        assert_eq!(
            meta.permissions(),
            meta_after.permissions(),
            "{}",
            path.display()
        );
    }
}

// ---- Nothing lost: an interrupted run leaves the old report whole ----

/// `--output` writes a temporary file beside the target and renames it over the target only
/// once the report is complete, so a run killed at any moment leaves the previous report as
/// it was, or the new one complete: never half a file. Killed (SIGKILL, no clean-up) at
/// several points of a run long enough to be caught writing.
#[test]
fn a_killed_run_leaves_the_previous_output_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("exports");
    std::fs::create_dir(&inputs).unwrap();
    // 300 files of 40 orders each, every order with a finding: a report of 12,000 findings.
    let bad = GOOD_LINE.replace(
        "\"currencyCodeIso3Letter\": \"EUR\", \"financialStatus\"",
        "\"currencyCodeIso3Letter\": \"EURO\", \"financialStatus\"",
    );
    let batch = format!("[{}]", vec![bad.as_str(); 40].join(","));
    for i in 0..300 {
        std::fs::write(inputs.join(format!("orders-{i:03}.json")), &batch).unwrap();
    }
    let target = dir.path().join("report.json");
    let previous = "{\"previous\": \"report\"}";
    let mut outcomes = Vec::new();
    for kill_after in [0u64, 10, 30, 60, 120, 250] {
        std::fs::write(&target, previous).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
            .args(["--format", "json", "--output", "report.json", "exports"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(kill_after));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let text = std::fs::read_to_string(&target).unwrap();
        if text == previous {
            outcomes.push("previous");
        } else {
            // Not the old file: then the whole new report, which parses and lists every file.
            let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
                panic!(
                    "killed after {kill_after} ms ({status}): a torn report ({e}): {} bytes",
                    text.len()
                )
            });
            assert_eq!(
                report["files"].as_array().map(Vec::len),
                Some(300),
                "{kill_after} ms"
            );
            outcomes.push("complete");
        }
    }
    // Early kills must have caught the run before its rename.
    assert_eq!(outcomes.first(), Some(&"previous"), "{outcomes:?}");
}

/// One JSON Lines record longer than `max-file-size` is an `io-error` at its line and is
/// skipped without being held whole; the records around it are checked as usual.
#[test]
fn an_over_long_json_lines_record_is_skipped_at_its_line() {
    let mut config = Config::default().with_kind(PayloadKind::Orders);
    config.max_file_size = 4096;
    let linter = Linter::new(config).unwrap();
    let long = format!("{{\"id\": \"{}\"}}", "x".repeat(100_000));
    // A bad record after the long one proves checking went on.
    let bad = GOOD_LINE.replacen("\"EUR\"", "\"EURO\"", 1);
    let text = format!("{GOOD_LINE}\n{long}\n{bad}\n");
    let report = linter.lint_lines("big.jsonl", text.as_bytes());
    assert_eq!(report.objects, 2, "{:?}", report.diagnostics);
    let skipped: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code.name == "io-error")
        .collect();
    assert_eq!(skipped.len(), 1, "{:?}", report.diagnostics);
    assert_eq!(skipped[0].pointer.as_str(), "/1");
    assert_eq!(skipped[0].line, Some(2));
    assert!(
        skipped[0].message.contains("more than the 4096 bytes"),
        "{}",
        skipped[0].message
    );
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.pointer.as_str().starts_with("/2/") && d.line == Some(3)),
        "{:?}",
        report.diagnostics
    );
    // Nothing of the long record was kept for the report.
    assert!(report.sources.iter().all(|s| s.text.len() < 4096));
}

/// `duplicate-id` keeps 57,344 ids in memory and writes the older ones to the temporary
/// directory. A repeat of an id long written out is still found, with its first place; with a
/// temporary directory that does not exist the ids stay in memory and the result is the same.
#[test]
fn a_repeat_far_down_a_big_json_lines_file_is_found_with_or_without_a_temporary_directory() {
    let dir = tempfile::tempdir().unwrap();
    let records = 70_000;
    let mut text = String::with_capacity(records * 100);
    for i in 0..records {
        // Record 65,000 repeats the id of record 3; record 69,999 that of record 60,000.
        let id = match i {
            65_000 => 3,
            69_999 => 60_000,
            i => i,
        };
        writeln!(
            text,
            "{{\"id\": \"o-{id}\", \"createdAt\": 1761000000, \"currencyCodeIso3Letter\": \"EUR\", \"lineItems\": []}}"
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("orders.jsonl"), text).unwrap();
    let missing = dir.path().join("no-such-dir");
    for env in [vec![], vec![("TMPDIR", missing.as_path())]] {
        let run = klar_env(
            &[
                "--format",
                "json",
                "--api-version",
                "07.2025",
                "--select",
                "duplicate-id",
                "orders.jsonl",
            ],
            dir.path(),
            &env,
        );
        let report: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{e}: {} {}", run.stdout, run.stderr));
        let entry = file_entry(&report, "orders.jsonl");
        assert_eq!(entry["objects"], records, "{env:?}");
        // Each repeat at its line, with the first one's pointer and line.
        let found: Vec<(String, u64, String, u64)> = entry["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["pointer"].as_str().unwrap().to_owned(),
                    d["line"].as_u64().unwrap(),
                    d["labels"][0]["pointer"].as_str().unwrap().to_owned(),
                    d["labels"][0]["line"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("/65000/id".to_owned(), 65_001, "/3/id".to_owned(), 4),
                (
                    "/69999/id".to_owned(),
                    70_000,
                    "/60000/id".to_owned(),
                    60_001
                ),
            ],
            "{env:?}: {}",
            run.stderr
        );
    }
}

/// One order whose `n` line items each break the schema, and whose `n` unknown keys each get
/// an `unknown-field` finding.
fn one_order_with_many_findings(n: usize) -> String {
    let mut s = String::from(
        r#"{"id": "1", "createdAt": 1700000000, "updatedAt": 1700000000, "currencyCodeIso3Letter": "EUR", "orderNumber": "1""#,
    );
    for i in 0..n {
        write!(s, r#", "extra{i}": {i}"#).unwrap();
    }
    s.push_str(r#", "lineItems": ["#);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(r#"{"id": 1, "quantity": "x"}"#);
    }
    s.push_str("]}");
    format!("[{s}]")
}

#[test]
fn findings_inside_one_object_are_counted_past_the_limit_not_collected() {
    let n = 5_000;
    let text = one_order_with_many_findings(n);
    let mut config = Config::default().with_kind(PayloadKind::Orders);
    config.max_diagnostics_per_file = 10;
    let linter = Linter::new(config).unwrap();
    // Collected, each of the 10,000 findings would be held and located in the text (a scan
    // from the object's start each): minutes. Counted, ten are kept and located.
    let start = Instant::now();
    let report = within_deadline(move || linter.lint_str("orders.json", &text));
    let took = start.elapsed();
    assert_eq!(report.diagnostics.len(), 10, "{:?}", report.diagnostics);
    assert!(report.has_errors());
    assert!(
        report.truncated.total() >= 2 * n - 10,
        "every finding is listed or counted: {:?}",
        report.truncated
    );
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

/// Text with line breaks and indents (miette wraps) made single spaces.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs the binary through `sh` with a umask.
fn klar_umask(umask: &str, args: &[&str], cwd: &Path) -> Run {
    let mut all = vec![
        "-c",
        r#"umask "$0"; shift; exec "$@""#,
        umask,
        "x",
        env!("CARGO_BIN_EXE_klar-lint"),
    ];
    all.extend_from_slice(args);
    let out = Command::new("sh")
        .args(&all)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn reports_and_baselines_take_the_umask_or_keep_the_old_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.json"), GOOD).unwrap();
    let mode = |name: &str| {
        std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    for args in [
        &["-o", "report.txt", "orders.json"],
        &["--write-baseline", "b.json", "orders.json"],
    ] {
        let run = klar_umask("022", args, dir.path());
        assert_eq!(run.code, Some(0), "{}", run.stderr);
    }
    assert_eq!(mode("report.txt"), 0o644);
    assert_eq!(mode("b.json"), 0o644);
    std::fs::set_permissions(
        dir.path().join("report.txt"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let run = klar_umask("077", &["-o", "report.txt", "orders.json"], dir.path());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        mode("report.txt"),
        0o640,
        "an existing report keeps its mode"
    );
}

#[test]
fn outputs_never_replace_what_they_did_not_create() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("orders.json"), GOOD).unwrap();
    std::fs::write(d.join("target.txt"), "keep").unwrap();
    std::os::unix::fs::symlink("target.txt", d.join("link.txt")).unwrap();
    std::fs::create_dir(d.join("folder")).unwrap();
    // The report over the payload it lints.
    let run = klar(&["-o", "orders.json", "orders.json"], d);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        flat(&run.stderr).contains("one of the files being linted"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(d.join("orders.json")).unwrap(),
        GOOD
    );
    // A symbolic link is refused, and says so.
    for flag in ["-o", "--write-baseline"] {
        let run = klar(&[flag, "link.txt", "orders.json"], d);
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        assert!(
            flat(&run.stderr).contains("symbolic link"),
            "{}",
            run.stderr
        );
        assert!(std::fs::symlink_metadata(d.join("link.txt"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_to_string(d.join("target.txt")).unwrap(),
            "keep"
        );
    }
    let run = klar(&["-o", "folder", "orders.json"], d);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        flat(&run.stderr).contains("is a directory"),
        "{}",
        run.stderr
    );
    // A FIFO is written through, and is still a FIFO after.
    let fifo = d.join("pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let run = klar(&["--format", "json", "-o", "pipe", "orders.json"], d);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(reader.join().unwrap().contains("\"files\""));
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    // A write error names the real path, not a temporary file, and exits 2.
    if Path::new("/dev/full").exists() {
        let run = klar(&["-o", "/dev/full", "orders.json"], d);
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        assert!(run.stderr.contains("/dev/full"), "{}", run.stderr);
        assert!(
            !run.stderr.contains(".tmp") && !run.stderr.contains(".klar-lint"),
            "{}",
            run.stderr
        );
        assert!(std::fs::symlink_metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device());
    }
    // Nothing left behind.
    let left: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn the_report_goes_to_an_inherited_file_descriptor() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.json"), GOOD).unwrap();
    let out = Command::new("sh")
        .args([
            "-c",
            r#"exec "$0" --format json -o /dev/fd/3 orders.json 3>report.json"#,
        ])
        .arg(env!("CARGO_BIN_EXE_klar-lint"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    assert!(report.contains("\"files\""), "{report}");
}

#[test]
fn no_raw_control_character_from_a_payload_or_file_name_reaches_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let name = "bad\u{1b}[2J\nname-orders.json";
    std::fs::write(
        dir.path().join(name),
        r#"[{"id": "\u001b[2J", "createdAt": 1700000000, "currencyCodeIso3Letter": "E\u0007R",
            "\u001b[31mkey\r\nforged": 1, "financialStatus": "pa\u001bid\nerror: forged"}]"#,
    )
    .unwrap();
    for format in [
        "human", "concise", "github", "gitlab", "json", "sarif", "junit",
    ] {
        let run = klar(&["--format", format, "."], dir.path());
        assert_eq!(run.code, Some(1), "{format}: {}", run.stderr);
        let raw: Vec<char> = run
            .stdout
            .chars()
            .filter(|&c| c.is_control() && c != '\n')
            .collect();
        assert!(raw.is_empty(), "{format}: {raw:?} in {}", run.stdout);
        // (JUnit's failure text is XML content, where a line break is the payload's own.)
        assert!(
            format == "junit"
                || !run
                    .stdout
                    .lines()
                    .any(|l| l.starts_with("forged") || l.starts_with("error: forged")),
            "{format}: a payload forged a line: {}",
            run.stdout
        );
        if format == "junit" {
            assert!(run.stdout.contains("&#10;"), "{}", run.stdout);
        }
    }
}

/// Runs the binary with a file as standard input.
fn klar_stdin(args: &[&str], cwd: &Path, stdin: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(File::open(stdin).unwrap())
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn standard_input_plain_and_gzip_obeys_max_file_size() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("klar-lint.toml"), "max-file-size = 100\n").unwrap();
    let big = format!("[{}]", [GOOD.trim_matches(['[', ']']); 5].join(","));
    std::fs::write(d.join("plain"), &big).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(big.as_bytes()).unwrap();
    std::fs::write(d.join("packed"), gz.finish().unwrap()).unwrap();
    for input in ["plain", "packed"] {
        let run = klar_stdin(
            &["--format", "json", "--kind", "orders", "-"],
            d,
            &d.join(input),
        );
        assert_eq!(run.code, Some(1), "{input}: {}", run.stderr);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        let entry = file_entry(&report, "-");
        let messages = entry["diagnostics"].to_string();
        assert!(
            messages.contains("io-error") && messages.contains("100 bytes `max-file-size`"),
            "{input}: {entry:#}"
        );
    }
}

#[test]
fn config_baseline_and_schema_overrides_must_be_small_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("orders.json"), GOOD).unwrap();
    assert!(Command::new("mkfifo")
        .arg(d.join("fifo"))
        .status()
        .unwrap()
        .success());
    std::fs::create_dir_all(d.join("s/07.2025")).unwrap();
    assert!(Command::new("mkfifo")
        .arg(d.join("s/07.2025/orders.schema.json"))
        .status()
        .unwrap()
        .success());
    let cases: [&[&str]; 5] = [
        &["--config", "fifo", "orders.json"],
        &["--baseline", "fifo", "orders.json"],
        &["--baseline", "/dev/zero", "orders.json"],
        &["--config", "/dev/zero", "orders.json"],
        &["--schemas", "s", "orders.json"],
    ];
    for args in cases {
        let start = Instant::now();
        let run = klar(args, d);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            flat(&run.stderr).contains("not a regular file"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(start.elapsed() < Duration::from_secs(60), "{args:?}");
    }
}

#[test]
fn a_baseline_with_a_byte_order_mark_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("orders.json"), GOOD.replace("\"EUR\"", "\"EURO\"")).unwrap();
    let run = klar(&["--write-baseline", "b.json", "orders.json"], d);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let text = std::fs::read_to_string(d.join("b.json")).unwrap();
    std::fs::write(d.join("b.json"), format!("\u{feff}{text}")).unwrap();
    let run = klar(&["--baseline", "b.json", "orders.json"], d);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

/// The issue's "done when" run: under a 1 GiB address-space limit (`ulimit -v`), a folder with a
/// gzip bomb (600 MiB of blanks inside 600 KB), a 100 MB JSON Lines file of 1 MiB records and
/// a normal broken file: the broken file's finding is reported and the run exits 1, not 134.
#[test]
fn a_gzip_bomb_and_huge_records_under_one_gib_still_report_the_broken_file() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // One gzip member of 1 MiB of blanks, repeated: gzip (and klar-lint) read every member.
    let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    member.write_all(&vec![b' '; 1 << 20]).unwrap();
    let member = member.finish().unwrap();
    let mut bomb = File::create(d.join("bomb-orders.json.gz")).unwrap();
    for _ in 0..600 {
        bomb.write_all(&member).unwrap();
    }
    let mut last = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    last.write_all(b"[1]").unwrap();
    bomb.write_all(&last.finish().unwrap()).unwrap();
    drop(bomb);
    let mut lines = std::io::BufWriter::new(File::create(d.join("big-orders.jsonl")).unwrap());
    let pad = "x".repeat(1 << 20);
    for i in 0..100 {
        writeln!(
            lines,
            r#"{{"id": "{i}", "createdAt": 1700000000, "pad": "{pad}"}}"#
        )
        .unwrap();
    }
    lines.flush().unwrap();
    drop(lines);
    std::fs::write(d.join("broken-orders.json"), r#"[{"id": "1", "#).unwrap();
    let out = Command::new("sh")
        .args([
            "-c",
            r#"ulimit -v 1048576 && exec "$0" --format concise ."#,
            env!("CARGO_BIN_EXE_klar-lint"),
        ])
        .current_dir(d)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("broken-orders.json:1:13: error[invalid-json]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("bomb-orders.json.gz:1:1: error[io-error]"),
        "{stdout}"
    );
    assert!(stdout.contains("big-orders.jsonl:100:"), "{stdout}");
}

/// A JSON Lines record over `max-file-size` is skipped, not buffered: with the limit at 1 MiB,
/// a 100 MB record is read under a 128 MiB address-space limit (reading the whole record, as
/// `read_until` would, needs 128 MiB for the buffer alone), reported as an `io-error` at its
/// line with its size, and the records after it are still checked at their lines.
#[test]
fn a_json_lines_record_over_the_limit_is_skipped_without_buffering_it() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("klar-lint.toml"), "max-file-size = 1048576\n").unwrap();
    let bad_line = GOOD_LINE.replacen(r#""id": "1""#, r#""id": 7"#, 1);
    assert_ne!(bad_line, GOOD_LINE);
    let mut lines = std::io::BufWriter::new(File::create(d.join("orders.jsonl")).unwrap());
    writeln!(lines, "{GOOD_LINE}").unwrap();
    let chunk = "x".repeat(1 << 20);
    write!(lines, r#"{{"id": "2", "pad": ""#).unwrap();
    for _ in 0..100 {
        lines.write_all(chunk.as_bytes()).unwrap();
    }
    writeln!(lines, r#""}}"#).unwrap();
    let third = GOOD_LINE.replacen(r#""id": "1""#, r#""id": "3""#, 1);
    writeln!(lines, "{third}").unwrap();
    writeln!(lines, "{bad_line}").unwrap();
    lines.flush().unwrap();
    drop(lines);
    let out = Command::new("sh")
        .args([
            "-c",
            r#"ulimit -v 131072 && exec "$0" --format concise orders.jsonl"#,
            env!("CARGO_BIN_EXE_klar-lint"),
        ])
        .current_dir(d)
        .env("NO_COLOR", "1")
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    // `{"id": "2", "pad": "`, 100 MiB of `x`, `"}` and the newline.
    let size = 20 + 100 * (1 << 20) + 2 + 1;
    assert!(
        stdout.contains(&format!(
            "orders.jsonl:2:1: error[io-error] record `/1` on line 2 is {size} bytes, more than the 1048576 bytes"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("orders.jsonl:4:8: error[schema] [*] `id` must be a string, found `7`"),
        "{stdout}"
    );
    assert!(!stdout.contains("orders.jsonl:1:"), "{stdout}");
    assert!(!stdout.contains("orders.jsonl:3:"), "{stdout}");
}

#[test]
fn rayon_num_threads_is_capped() {
    let dir = tempfile::tempdir().unwrap();
    // Enough files for the thread pool to start: uncapped, it spawns threads for minutes.
    for i in 0..10 {
        std::fs::write(dir.path().join(format!("{i}-orders.json")), GOOD).unwrap();
    }
    let start = Instant::now();
    let run = klar_env(
        &["."],
        dir.path(),
        &[("RAYON_NUM_THREADS", Path::new("1000000"))],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn the_gitlab_report_says_when_findings_were_left_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("klar-lint.toml"),
        "max-diagnostics-per-file = 2\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("orders.json"),
        r#"[{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}]"#,
    )
    .unwrap();
    let run = klar(&["--format", "gitlab", "orders.json"], dir.path());
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let issues: Value = serde_json::from_str(&run.stdout).unwrap();
    let note = issues
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["check_name"] == "max-diagnostics-per-file")
        .unwrap_or_else(|| panic!("no note of the findings left out: {issues:#}"));
    assert!(
        note["description"]
            .as_str()
            .unwrap()
            .contains("counted but not listed"),
        "{note:#}"
    );
}

#[test]
fn a_broken_pipe_exits_quietly_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let bad = GOOD.replace("\"EUR\"", "\"EURO\"");
    for i in 0..300 {
        std::fs::write(dir.path().join(format!("{i:03}-orders.json")), &bad).unwrap();
    }
    for format in [
        "human", "concise", "json", "sarif", "github", "gitlab", "junit",
    ] {
        let err = tempfile::NamedTempFile::new().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
            .args(["--format", format, "."])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(err.reopen().unwrap())
            .spawn()
            .unwrap();
        // Read a little, then go away, as `| head -c 10` does.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 10];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let status = child.wait().unwrap();
        let stderr = std::fs::read_to_string(err.path()).unwrap();
        assert!(stderr.is_empty(), "{format}: {stderr}");
        assert!(matches!(status.code(), Some(0 | 1)), "{format}: {status:?}");
    }
}

#[test]
fn gzip_bytes_in_a_json_file_are_named_as_gzip() {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(GOOD.as_bytes()).unwrap();
    let report = orders_linter().lint_bytes("orders.json", &gz.finish().unwrap());
    let d = report.diagnostics.first().unwrap();
    assert!(
        d.help.as_deref().unwrap_or("").contains("gzip-compressed"),
        "{d:?}"
    );
}

/// One EUR order with one line; `fields` replaces the line's (and shipping's) literals.
fn order_with(line: &str, shipping_before: &str, refunded: &str) -> String {
    format!(
        r#"{{"id": "1", "createdAt": 1700000000, "updatedAt": 1700000000, "currencyCodeIso3Letter": "EUR",
  "financialStatus": "paid", "shipmentStatus": "shipped", "orderNumber": "1", "customer": {{"id": "c1"}},
  "shipping": {{"shippingTotalAmountBeforeTaxAndDiscounts": {shipping_before}, "shippingTotalAmountAfterTaxAndDiscounts": 0, "currencyCodeIso3Letter": "EUR",
    "taxes": [{{"title": "VAT", "taxRate": 0.19, "taxAmount": {shipping_before}}}]}},
  "refundedLineItems": [{{"lineItemId": "a", "refundedQuantity": {refunded}, "createdAt": 1700000001}}],
  "lineItems": [{{"id": "a", "productName": "Socks", "productId": "p1", "sku": "s1", {line}}}]}}"#
    )
}

fn line_with(q: &str, gmv: &str, tax: &str, discount: &str, total: &str) -> String {
    format!(
        r#""productGmv": {gmv}, "quantity": {q},
    "taxes": [{{"title": "VAT", "taxRate": 0.19, "taxAmount": {tax}}}], "discounts": [{{"discountAmount": {discount}}}],
    "totalAmountBeforeTaxesAndDiscounts": {total}, "totalAmountAfterTaxesAndDiscounts": {total}"#
    )
}

/// Amounts at and past the edge of an exact decimal (±79,228,162,514,264,337,593,543,950,335):
/// wherever one is put, nothing panics (a panic would be an `internal-error`), and a product or
/// sum beyond the range is a `number-range` finding with the object left out of the revenue
/// totals, never a total saturated at `Decimal::MAX`. The oracle for the totals is the test's
/// own exact arithmetic.
#[test]
fn amounts_that_overflow_an_exact_decimal_are_number_range_never_a_saturated_total() {
    use klar_lint::money::{decimal_from_literal, Decimal};
    const EXTREME: &[&str] = &[
        "0",
        "1",
        "-1",
        "0.0000000000000000000000000001",
        "1e-28",
        "1e28",
        "-1e28",
        "7.9e28",
        "79228162514264337593543950335",
        "-79228162514264337593543950335",
        "39614081257132168796771975168",
        "99999999999999999999999999999",
        "1e29",
        "-1e400",
        "1e15",
        "1e17",
        "123456789012345.6789",
    ];
    let linter = orders_linter();
    let mut cases = 0;
    for q in [
        "1",
        "2",
        "1e15",
        "-1e14",
        "79228162514264337593543950335",
        "0.5",
    ] {
        for gmv in EXTREME {
            for other in ["1", "1e28", "-79228162514264337593543950335"] {
                let payload = format!(
                    "[{}]",
                    order_with(&line_with(q, gmv, other, "0", other), other, q)
                );
                let report = linter.lint_str("extreme.json", &payload);
                cases += 1;
                let ctx = || format!("quantity {q}, productGmv {gmv}, other amounts {other}");
                assert!(
                    !report.has_internal_error(),
                    "{}: {:#?}",
                    ctx(),
                    report.diagnostics
                );
                let range: Vec<_> = report
                    .diagnostics
                    .iter()
                    .filter(|d| d.rule() == "number-range")
                    .collect();
                for d in &range {
                    assert!(
                        d.message.len() < 300 && !d.message.contains('\n'),
                        "{}",
                        d.message
                    );
                }
                let (Ok(qd), Ok(gd)) = (decimal_from_literal(q), decimal_from_literal(gmv)) else {
                    // A literal beyond the range is the reader's `number-range`.
                    assert!(!range.is_empty(), "{}: no number-range", ctx());
                    assert_eq!(report.revenue.overflowed, 1, "{}", ctx());
                    continue;
                };
                let counted = report
                    .revenue
                    .currencies
                    .get("EUR")
                    .filter(|t| t.orders == 1);
                match qd.checked_mul(gd) {
                    None => {
                        assert!(
                            range
                                .iter()
                                .any(|d| d.pointer.to_string() == "/0/lineItems/0/quantity"
                                    && d.message.contains("quantity × `productGmv`")),
                            "{}: the overflow of quantity × productGmv is no finding: {:#?}",
                            ctx(),
                            report.diagnostics
                        );
                        assert!(counted.is_none(), "{}: counted anyway", ctx());
                        assert_eq!(report.revenue.overflowed, 1, "{}", ctx());
                    }
                    Some(gross) => {
                        if let Some(t) = counted {
                            assert_eq!(t.gross, gross, "{}: a wrong total", ctx());
                        } else {
                            // Left out: then for a reason the report gives.
                            assert!(
                                report.revenue.left_out + report.revenue.overflowed == 1,
                                "{}: neither counted nor left out: {:#?}",
                                ctx(),
                                report.revenue
                            );
                        }
                    }
                }
                // Whatever is counted is never a saturated total.
                for t in report.revenue.currencies.values() {
                    for v in [t.gross, t.taxes, t.discounts, t.net, t.shipping_after] {
                        if v.abs() == Decimal::MAX {
                            assert!(
                                [q, gmv, other]
                                    .iter()
                                    .any(|l| l.contains("79228162514264337593543950335")),
                                "{}: a total at Decimal::MAX: {:#?}",
                                ctx(),
                                t
                            );
                        }
                    }
                }
            }
        }
    }
    assert!(cases > 250);

    // Each order fits, their sum does not: the second is left out with a finding at it, and
    // the total is the first order's, exactly.
    let half = "50000000000000000000000000000";
    let one = order_with(&line_with("1", half, "0", "0", half), "0", "0");
    let payload = format!("[{one}, {one}]");
    let report = linter.lint_str("two.json", &payload);
    let sum: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule() == "number-range")
        .collect();
    assert_eq!(sum.len(), 1, "{:#?}", report.diagnostics);
    assert_eq!(sum[0].pointer.to_string(), "/1");
    assert!(
        sum[0].message.contains("revenue totals"),
        "{}",
        sum[0].message
    );
    let eur = report.revenue.currencies.get("EUR").unwrap();
    assert_eq!(eur.orders, 1);
    assert_eq!(eur.gross, half.parse::<Decimal>().unwrap());
    assert_eq!(report.revenue.overflowed, 1);

    // Across files (the run's totals): the later file's orders in that currency are left out.
    let mut total = klar_lint::Revenue::default();
    total.merge(&report.revenue);
    total.merge(&report.revenue);
    let eur = total.currencies.get("EUR").unwrap();
    assert_eq!(eur.gross, half.parse::<Decimal>().unwrap());
    assert_eq!(total.overflowed, 3);
}

/// The paths of the files in a JSON report.
fn report_paths(report: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(report).unwrap();
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect()
}

/// `klar-lint . -o report.json` run twice, or a baseline written into the folder it lints: the
/// second run must not lint the first run's report or baseline as a payload (a GitLab report is
/// an array, which a walk cannot tell from a payload; with `--kind` every JSON file is one).
#[test]
fn the_runs_own_report_and_baseline_are_not_linted_as_inputs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.json"), GOOD).unwrap();
    let d = dir.path();

    // A GitLab report in the folder: the first run is clean, the second the same.
    for _ in 0..2 {
        let run = klar(&[".", "-o", "gl.json", "--format", "gitlab"], d);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let report = std::fs::read_to_string(d.join("gl.json")).unwrap();
        assert!(!report.contains("\"gl.json\""), "{report}");
    }
    std::fs::remove_file(d.join("gl.json")).unwrap();

    // With `--kind`, and the report named through another path to the same file.
    for out in ["r.json", "./r.json", "../x/r.json"] {
        let out = out.replace('x', d.file_name().unwrap().to_str().unwrap());
        let run = klar(
            &["--kind", "orders", ".", "-o", &out, "--format", "json"],
            d,
        );
        assert_eq!(run.code, Some(0), "-o {out}: {}", run.stderr);
        let report = std::fs::read_to_string(d.join("r.json")).unwrap();
        assert_eq!(report_paths(&report), ["./orders.json"], "-o {out}");
    }
    std::fs::remove_file(d.join("r.json")).unwrap();

    // A baseline written twice holds the same findings; applied, it is not linted either.
    let mut written = Vec::new();
    for _ in 0..2 {
        let run = klar(&["--kind", "orders", ".", "--write-baseline", "b.json"], d);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        written.push(std::fs::read_to_string(d.join("b.json")).unwrap());
    }
    assert_eq!(written[0], written[1]);
    let run = klar(
        &[
            "--kind",
            "orders",
            ".",
            "--baseline",
            "b.json",
            "--format",
            "json",
        ],
        d,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(report_paths(&run.stdout), ["./orders.json"]);
    // The skip is said, as for any JSON file left alone.
    let run = klar(
        &["--kind", "orders", ".", "--baseline", "b.json", "--verbose"],
        d,
    );
    assert!(
        run.stderr.contains("b.json") && run.stderr.contains("own"),
        "{}",
        run.stderr
    );
}

/// The hidden temporary files (`.klar-lint*`) in `dir`.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(".klar-lint"))
        })
        .collect()
}

/// Ctrl-C (SIGINT) or a CI runner's SIGTERM while `--output` is being written: the
/// temporary file beside the target is removed, the previous report stays, and the process
/// still ends by the signal (a shell sees 130 or 143). SIGKILL cannot be caught (see
/// `a_killed_run_leaves_the_previous_output_file_whole`).
#[test]
fn an_interrupted_run_leaves_no_temporary_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("exports");
    std::fs::create_dir(&inputs).unwrap();
    let bad = GOOD_LINE.replace(
        "\"currencyCodeIso3Letter\": \"EUR\", \"financialStatus\"",
        "\"currencyCodeIso3Letter\": \"EURO\", \"financialStatus\"",
    );
    let batch = format!("[{}]", vec![bad.as_str(); 40].join(","));
    for i in 0..300 {
        std::fs::write(inputs.join(format!("orders-{i:03}.json")), &batch).unwrap();
    }
    let target = dir.path().join("report.json");
    let previous = "{\"previous\": \"report\"}";
    // The run must start with the three signals at their default: a test run started as a
    // background job or under `nohup` passes them on ignored, and the run rightly keeps them
    // so. GNU env (coreutils 8.31 and later) resets them before it execs the binary.
    let reset = Command::new("env")
        .args(["--default-signal=INT,TERM,HUP", "true"])
        .status()
        .is_ok_and(|s| s.success());
    let run = || {
        let mut command = if reset {
            let mut c = Command::new("env");
            c.args([
                "--default-signal=INT,TERM,HUP",
                env!("CARGO_BIN_EXE_klar-lint"),
            ]);
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        };
        command.args(["--format", "json", "--output", "report.json", "exports"]);
        command
    };
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        std::fs::write(&target, previous).unwrap();
        let mut child = run()
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the temporary file, then signal the run while it is there.
        let start = Instant::now();
        while temp_files(dir.path()).is_empty() {
            assert!(
                start.elapsed() < DEADLINE,
                "no temporary file appeared: {:?}",
                child.try_wait()
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "the run ended before its temporary file was seen"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(number),
            "SIG{signal}: {status}"
        );
        assert_eq!(
            temp_files(dir.path()),
            Vec::<PathBuf>::new(),
            "SIG{signal} left its temporary file"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), previous);
    }
    // A signal the run inherited as ignored (`nohup` ignores SIGHUP) stays ignored: the run
    // goes on and writes its report.
    let mut child = Command::new("sh")
        .args([
            "-c",
            r#"trap '' HUP; exec "$0" --format json --output report.json exports"#,
            env!("CARGO_BIN_EXE_klar-lint"),
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while temp_files(dir.path()).is_empty() && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{status}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(report["files"].as_array().map(Vec::len), Some(300));
}

/// A gzip export padded with zero bytes to a block size (tape, some disk images and upload
/// tools do it): `gzip -d` reads it ("trailing garbage ignored"), so klar-lint does too, as a
/// file and from standard input, document and JSON Lines. Other bytes after the gzip data
/// are still an `io-error`.
#[test]
fn gzip_with_trailing_zero_padding_is_read() {
    use std::io::Write as _;
    let gzip = |text: &str| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        gz.finish().unwrap()
    };
    let linter = orders_linter();
    let dir = tempfile::tempdir().unwrap();
    for (name, text, objects) in [
        ("orders.json.gz", GOOD.to_owned(), 1),
        ("orders.jsonl.gz", format!("{GOOD_LINE}\n{GOOD_LINE}\n"), 2),
    ] {
        for padding in [1, 511, 512, 10_240, 1 << 20] {
            let mut bytes = gzip(&text);
            bytes.resize(bytes.len() + padding, 0);
            // Two members, then padding: the second member is read too.
            let report = linter.lint_named(name, &bytes[..]);
            let errors: Vec<_> = report
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{name} + {padding} zeros: {errors:#?}");
            assert_eq!(report.objects, objects, "{name} + {padding} zeros");
            // Through a file too.
            std::fs::write(dir.path().join(name), &bytes).unwrap();
            let report = linter.lint_path(&dir.path().join(name));
            assert_eq!(report.objects, objects, "{name} file + {padding} zeros");
            assert!(!report.has_errors(), "{:#?}", report.diagnostics);
        }
        // Two members and padding between and after: both read.
        let mut bytes = gzip(&text);
        bytes.extend(gzip(if objects == 1 { "" } else { &text }));
        bytes.resize(bytes.len() + 512, 0);
        let report = linter.lint_named(name, &bytes[..]);
        assert!(!report.has_errors(), "{name}: {:#?}", report.diagnostics);
        // Other trailing bytes: still an error, as before.
        for garbage in [&b"garbage"[..], b"\0\0\0x", b"\n"] {
            let mut bytes = gzip(&text);
            bytes.extend_from_slice(garbage);
            let report = linter.lint_named(name, &bytes[..]);
            assert!(
                report.diagnostics.iter().any(|d| d.rule() == "io-error"),
                "{name} + {garbage:?}: {:#?}",
                report.diagnostics
            );
        }
    }
}

/// Every finding's text (message, help, labels) is one short line.
fn assert_short(report: &FileReport, what: &str) {
    for d in &report.diagnostics {
        let texts = [d.message.as_str(), d.help.as_deref().unwrap_or("")]
            .into_iter()
            .chain(d.labels.iter().map(|l| l.text.as_str()));
        for text in texts {
            assert!(
                text.len() <= 300 && !text.contains('\n'),
                "{what}: {} bytes from `{}`: {}…",
                text.len(),
                d.rule(),
                text.chars().take(200).collect::<String>()
            );
        }
        assert!(d.line.is_some(), "{what}: `{}` has no location", d.rule());
    }
}

/// A lone surrogate escape, a key repeated 100,000 times and a 1 MiB key each get a short,
/// exact message with its location: the surrogate is named (serde_json calls a lone trailing
/// surrogate "lone leading"), the repeat is one finding that counts them, and a long key is
/// shortened in every message, never echoed whole.
#[test]
fn lone_surrogates_repeated_keys_and_huge_keys_get_short_exact_messages() {
    let linter = orders_linter();
    for (value, escape, says) in [
        (r#""\ud800""#, r"\ud800", "first half"),
        (r#""ab\ud800x""#, r"\ud800", "first half"),
        (r#""\ud800\u0041""#, r"\ud800", "first half"),
        (r#""\udc00""#, r"\udc00", "second half"),
        (r#""x\uDFFF""#, r"\uDFFF", "second half"),
    ] {
        let text = format!(r#"[{{"id": {value}, "createdAt": 1}}]"#);
        let report = linter.lint_str("surrogate.json", &text);
        assert_short(&report, value);
        let d = &report.diagnostics[0];
        assert_eq!(d.rule(), "invalid-json", "{value}");
        assert!(
            d.message.contains(&format!("`{escape}`")) && d.message.contains(says),
            "{value}: {}",
            d.message
        );
        // Pointed at the escape itself.
        let at = text.find(escape).unwrap() + 1;
        assert_eq!((d.line, d.column), (Some(1), Some(at)), "{value}");
    }

    let repeated = format!("[{{{}}}]", vec![r#""id": "1""#; 100_000].join(", "));
    let report = within_deadline(move || orders_linter().lint_str("repeated.json", &repeated));
    assert_short(&report, "100,000 repeated keys");
    let dups: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule() == "duplicate-key")
        .collect();
    assert_eq!(dups.len(), 1, "{dups:#?}");
    assert!(
        dups[0].message.contains("100000 times"),
        "{}",
        dups[0].message
    );
    assert_eq!((dups[0].line, dups[0].column), (Some(1), Some(14)));

    let key = "k".repeat(1 << 20);
    for text in [
        format!(r#"[{{"{key}": 1, "id": "1"}}]"#),
        format!(r#"[{{"{key}": 1, "{key}": 2, "id": "1"}}]"#),
        format!("{{\"{key}\": 1}}\n"),
    ] {
        let report = linter.lint_str("key.json", &text);
        assert_short(&report, "a 1 MiB key");
        assert!(
            report
                .diagnostics
                .iter()
                .any(|d| d.message.contains("1048576 bytes")),
            "{:#?}",
            report
                .diagnostics
                .iter()
                .map(|d| d.message.chars().take(100).collect::<String>())
                .collect::<Vec<_>>()
        );
    }
    // Through the binary: the whole concise report is a few short lines.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orders.json"),
        format!(r#"[{{"{key}": 1, "{key}": 2, "id": "\udc00"}}]"#).replace(r"\udc00", "1"),
    )
    .unwrap();
    let run = klar(&["--format", "concise", "orders.json"], dir.path());
    assert!(run.stdout.len() < 4_000, "{} bytes", run.stdout.len());
}

/// Each file's findings in a JSON report, by the file's object count (the paths of files whose
/// names differ only in bytes that are not UTF-8 print alike).
fn findings_by_objects(report: &str) -> Vec<(u64, usize)> {
    let v: Value = serde_json::from_str(report).unwrap();
    let mut out: Vec<(u64, usize)> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["objects"].as_u64().unwrap(),
                f["diagnostics"].as_array().unwrap().len(),
            )
        })
        .collect();
    out.sort_unstable();
    out
}

/// Two files whose names differ only in bytes that are not UTF-8, or in `\` (a character of a
/// Unix file name) against `/` (a folder), each keep their own baseline entries: a finding of
/// a new file is never hidden by an older file's entry, and an entry of a file the run did not
/// look at is not counted as fixed.
#[test]
#[cfg(unix)]
fn baseline_entries_never_mix_files_whose_names_differ_in_bytes_or_separators() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;
    let bad = GOOD_LINE.replace(
        "\"EUR\", \"financialStatus\"",
        "\"EURO\", \"financialStatus\"",
    );
    let one = format!("[{bad}]");
    let two = format!(
        "[{bad}, {}]",
        GOOD_LINE.replace("\"id\": \"1\"", "\"id\": \"2\"")
    );
    for (old, new) in [
        (&b"a\xff-orders.json"[..], &b"a\xfe-orders.json"[..]),
        (b"x\\y-orders.json", b"x/y-orders.json"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("exports")).unwrap();
        std::fs::create_dir(d.join("exports/x")).unwrap();
        let path = |name: &[u8]| d.join("exports").join(OsStr::from_bytes(name));
        std::fs::write(path(old), &one).unwrap();
        let run = klar(&["exports", "--write-baseline", "b.json"], d);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        // The new file (sorted first) has the same finding and one more object: its finding is
        // new, the old file's is known.
        std::fs::write(path(new), &two).unwrap();
        let run = klar(&["exports", "--baseline", "b.json", "--format", "json"], d);
        let found = findings_by_objects(&run.stdout);
        assert!(
            matches!(found.as_slice(), [(1, 0), (2, n)] if *n > 0),
            "{:?}: {}",
            String::from_utf8_lossy(new),
            run.stdout
        );
        // A run that does not look at the old file does not count its entry as fixed.
        std::fs::write(d.join("other-orders.json"), GOOD).unwrap();
        let run = klar(&["other-orders.json", "--baseline", "b.json"], d);
        assert!(
            !run.stderr.contains("no longer occur"),
            "{:?}: {}",
            String::from_utf8_lossy(old),
            run.stderr
        );
    }
}

/// `duplicate-id` remembers every id of a file exactly, and keeps only a bounded number of
/// *bytes* of them in memory, not only a bounded count: a file of 1 MiB ids spills them to its
/// temporary runs long before 57,344 of them (57 GiB) are held, and a repeat far down is still
/// found.
#[test]
fn duplicate_id_memory_is_bounded_in_bytes_not_only_in_ids() {
    use klar_lint::rule::SeenIds;
    let mut seen = SeenIds::default();
    let id = |i: usize| format!("{i:08}{}", "x".repeat((1 << 20) - 8));
    for i in 0..64 {
        let at = klar_lint::Pointer::root().index(i).key("id");
        assert_eq!(seen.first_or_insert(&id(i), &at, None), None);
        assert!(
            seen.in_memory() <= 16,
            "{} ids of 1 MiB in memory after {} ids",
            seen.in_memory(),
            i + 1
        );
    }
    assert!(seen.runs() > 0);
    let first = seen
        .first_or_insert(
            &id(0),
            &klar_lint::Pointer::root().index(99).key("id"),
            None,
        )
        .expect("the repeat of the first id is found in a run");
    assert_eq!(first.pointer.as_str(), "/0/id");

    // Through the linter: JSON Lines records with 1 MiB ids, the first repeated at the end.
    let record =
        |i: usize| GOOD_LINE.replace("{\"id\": \"1\"", &format!("{{\"id\": \"{}\"", id(i)));
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&record(i));
        text.push('\n');
    }
    text.push_str(&record(0));
    text.push('\n');
    let report = within_deadline(move || {
        orders_linter().lint_lines("orders.jsonl", std::io::Cursor::new(text))
    });
    let dup: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule() == "duplicate-id")
        .collect();
    assert_eq!(
        dup.len(),
        1,
        "{:?}",
        report
            .diagnostics
            .iter()
            .map(klar_lint::Diagnostic::rule)
            .collect::<Vec<_>>()
    );
    assert_eq!(dup[0].pointer.as_str(), "/40/id");
    assert_eq!(dup[0].line, Some(41));
    assert!(dup[0].message.len() < 300);
}

/// The human format's source snippets look for line breaks a few KB around each finding, not
/// along the whole line: on a one-line document of 48 MB with 1,000 findings, the human report
/// takes about as long as the concise one (it took three times as long, and on a 500 MB line
/// minutes, scanning the line once per finding). Measured against the concise format on the
/// same file, so a loaded machine slows both.
#[test]
fn snippets_on_a_giant_one_line_file_cost_a_window_not_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = GOOD_LINE.replace(
        "\"currencyCodeIso3Letter\": \"EUR\", \"financialStatus\"",
        "\"currencyCodeIso3Letter\": \"EURO\", \"financialStatus\"",
    );
    let pad = format!("\"note\": \"{}\", ", "p".repeat(48_000));
    let orders: Vec<String> = (0..1_000)
        .map(|k| bad.replace("{\"id\": \"1\"", &format!("{{{pad}\"id\": \"{k}\"")))
        .collect();
    std::fs::write(
        dir.path().join("orders.json"),
        format!("[{}]", orders.join(",")),
    )
    .unwrap();
    let time = |format: &str| {
        let start = Instant::now();
        let run = klar(&["--format", format, "orders.json"], dir.path());
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        (start.elapsed(), run.stdout)
    };
    let (concise, _) = time("concise");
    let (human, text) = time("human");
    assert!(
        human <= concise * 2 + Duration::from_secs(5),
        "human {human:?}, concise {concise:?}"
    );
    // Each snippet line is clipped around its finding.
    assert!(text.lines().all(|l| l.chars().count() < 400));
    assert!(text.contains("EURO"));
}

/// A baseline matches every finding of a file to the text under it: on JSON Lines, one kept
/// text per record with findings. Finding a finding's text is a search by halves, so baseline
/// runs on big JSON Lines files stay linear (a linear search per finding made them quadratic:
/// 30,000 bad records took twice as long with a baseline as without, and it grew with the
/// square). Also checks that each finding's text is the right record's.
#[test]
fn finding_the_text_under_each_finding_is_not_quadratic_on_json_lines() {
    let bad = GOOD_LINE.replace(
        "\"currencyCodeIso3Letter\": \"EUR\", \"financialStatus\"",
        "\"currencyCodeIso3Letter\": \"EURO\", \"financialStatus\"",
    );
    let mut text = String::new();
    for k in 0..40_000 {
        text.push_str(&bad.replace("{\"id\": \"1\"", &format!("{{\"id\": \"{k}\"")));
        text.push('\n');
        // Blank lines and a good record between: the kept texts have gaps.
        if k % 7 == 0 {
            text.push('\n');
            text.push_str(&GOOD_LINE.replace("{\"id\": \"1\"", &format!("{{\"id\": \"g{k}\"")));
            text.push('\n');
        }
    }
    let report = within_deadline(move || {
        let mut config = Config::default().with_kind(PayloadKind::Orders);
        config.max_diagnostics_per_file = usize::MAX;
        Linter::new(config)
            .unwrap()
            .lint_lines("orders.jsonl", std::io::Cursor::new(text))
    });
    assert!(report.sources.len() >= 40_000, "{}", report.sources.len());
    assert!(report.diagnostics.len() >= 80_000);
    let start = Instant::now();
    for d in &report.diagnostics {
        let span = d.span.unwrap();
        let chunk = report.source_for(span).unwrap();
        let under = chunk
            .text
            .get(span.start - chunk.offset..span.end - chunk.offset)
            .unwrap();
        if d.rule() == "currency-code" {
            assert_eq!(under, "\"EURO\"");
        }
    }
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?} for {} lookups in {} texts",
        start.elapsed(),
        report.diagnostics.len(),
        report.sources.len()
    );
}

/// Findings deep inside one big object are located through a table made once for each big
/// container on the path (an order with 300,000 line items is scanned once), not by scanning
/// the object again for each finding: one order with 10,000 bad line items takes about as long
/// as 10,000 orders with one bad line each (it took minutes, and 300,000 lines did not finish
/// in ten). Measured against the flat file, so a loaded machine slows both.
#[test]
fn findings_deep_in_one_huge_order_are_located_in_linear_time() {
    let line = |k: usize| {
        format!(
            r#"{{"id": "a{k}", "productName": "Socks", "productId": "p1", "sku": "s1", "productGmv": "10.00", "quantity": 1, "prodcutName": "x", "taxes": [{{"title": "VAT", "taxRate": 0.19, "taxAmount": 1.60}}], "discounts": [], "totalAmountBeforeTaxesAndDiscounts": 10.00, "totalAmountAfterTaxesAndDiscounts": 8.40}}"#
        )
    };
    let order = |id: usize, lines: &[String]| {
        GOOD_LINE
            .replace("{\"id\": \"1\"", &format!("{{\"id\": \"{id}\""))
            .replace(
                &GOOD_LINE[GOOD_LINE.find("\"lineItems\": [").unwrap()..GOOD_LINE.len() - 1],
                &format!("\"lineItems\": [\n{}]", lines.join(",\n")),
            )
    };
    let n = 10_000;
    let lines: Vec<String> = (0..n).map(line).collect();
    let one = format!("[{}]", order(0, &lines));
    let flat: Vec<String> = (0..n)
        .map(|k| order(k, std::slice::from_ref(&lines[k])))
        .collect();
    let flat = format!("[{}]", flat.join(",\n"));
    let time = |text: String| {
        within_deadline(move || {
            let start = Instant::now();
            let report = orders_linter().lint_str("orders.json", &text);
            (start.elapsed(), report)
        })
    };
    let (flat_time, flat_report) = time(flat);
    let (one_time, one_report) = time(one);
    assert_eq!(one_report.objects, 1);
    assert_eq!(flat_report.objects, n);
    // The same findings, and each located.
    assert_eq!(
        one_report.truncated.total() + one_report.diagnostics.len(),
        2 * n
    );
    assert!(one_report.diagnostics.iter().all(|d| d.line.is_some()));
    let d = one_report
        .diagnostics
        .iter()
        .find(|d| d.pointer.as_str() == "/0/lineItems/9/productGmv")
        .unwrap();
    assert_eq!(d.line, Some(11));
    assert!(
        one_time <= flat_time * 3 + Duration::from_secs(5),
        "one order {one_time:?}, flat {flat_time:?}"
    );
}
