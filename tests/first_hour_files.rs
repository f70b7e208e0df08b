//! The first hour with klar-lint (issue 15): files that are not payloads are left alone,
//! subcommand slips get a suggestion, a symlink does not fail `--fail-on warning`, config
//! mistakes are explained, and the build a newcomer runs first is quick. Also issue 14's trust
//! and bad-config items: a parent's config is used only when trusted, bad configs never panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn klar(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_klar-lint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A new project as issue 15 describes it: `package.json`, `tsconfig.json`,
/// `.vscode/settings.json` (which the README asks for), the `schema --out` folder, and an
/// `exports/` folder with a clean export, a broken one (neither with the kind in its name) and a
/// `latest.json` link.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join(".vscode")).unwrap();
    std::fs::create_dir_all(p.join("exports")).unwrap();
    std::fs::write(
        p.join("package.json"),
        r#"{"name": "shop-export", "version": "1.0.0", "scripts": {"lint": "klar-lint exports"}}"#,
    )
    .unwrap();
    std::fs::write(
        p.join("tsconfig.json"),
        r#"{"compilerOptions": {"strict": true}}"#,
    )
    .unwrap();
    std::fs::write(
        p.join(".vscode/settings.json"),
        r#"{"json.schemas": [{"fileMatch": ["exports/*.json"], "url": "./schemas/07.2025/orders.schema.json"}]}"#,
    )
    .unwrap();
    let out = klar(&["schema", "--out", "schemas"], p);
    assert_eq!(out.status.code(), Some(0));
    std::fs::copy(
        root().join("examples/payloads/07.2025/orders/orders.json"),
        p.join("exports/day1.json"),
    )
    .unwrap();
    std::fs::copy(
        root().join("examples/broken/orders-wrong-type.json"),
        p.join("exports/day2.json"),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("day1.json", p.join("exports/latest.json")).unwrap();
    dir
}

fn schema_files(p: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for version in std::fs::read_dir(p.join("schemas")).unwrap() {
        for file in std::fs::read_dir(version.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            out.push(path.strip_prefix(p).unwrap().display().to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn files_that_are_not_payloads_pass_when_named_as_pre_commit_names_them() {
    let dir = project();
    let p = dir.path();
    let mut files = vec![
        "package.json".to_owned(),
        "tsconfig.json".to_owned(),
        ".vscode/settings.json".to_owned(),
    ];
    files.extend(schema_files(p));
    assert!(files.len() > 10, "{files:?}");
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let out = klar(&args, p);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        !text(&out.stdout).contains("unknown-kind"),
        "{}",
        text(&out.stdout)
    );
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("skipped {} JSON files", files.len())),
        "{err}"
    );
    assert!(err.contains("JSON Schemas"), "{err}");
}

#[test]
fn a_broken_export_still_fails_with_its_findings() {
    let dir = project();
    let out = klar(&["package.json", "exports/day2.json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains("error[schema]"), "{report}");
    assert!(report.contains("taxRate"), "{report}");
}

#[test]
fn a_walked_project_lints_the_exports_and_counts_the_rest_in_one_line() {
    let dir = project();
    let out = klar(
        &["--format", "json", "--fail-on", "warning", "."],
        dir.path(),
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["./exports/day1.json", "./exports/day2.json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    let notes: Vec<&str> = err.lines().filter(|l| l.contains("skipped")).collect();
    assert_eq!(notes.len(), 1, "{err}");
    assert!(notes[0].contains("12 JSON Schemas"), "{err}");
    assert!(notes[0].contains("2 not payloads"), "{err}");
    #[cfg(unix)]
    assert!(notes[0].contains("1 symbolic link"), "{err}");
    assert_eq!(report["summary"]["skipped"], 14 + u64::from(cfg!(unix)));

    // --verbose and --show-files name them.
    let out = klar(&["--verbose", "."], dir.path());
    assert!(text(&out.stderr).contains("skipped `./package.json`: not a payload"));
    let out = klar(&["--show-files", "."], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let listed = text(&out.stdout);
    assert!(
        listed.starts_with("./exports/day1.json\n./exports/day2.json\n"),
        "{listed}"
    );
    assert!(listed.contains("skipped ./schemas/07.2025/orders.schema.json: a JSON Schema"));
}

#[test]
fn exclude_and_extend_exclude_leave_paths_out_named_or_walked() {
    let dir = project();
    let p = dir.path();
    std::fs::write(
        p.join("klar-lint.toml"),
        "extend-exclude = [\"exports/day2.json\"]\n",
    )
    .unwrap();
    for args in [&["."][..], &["exports/day2.json", "exports/day1.json"]] {
        let out = klar(args, p);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stdout)
        );
        assert!(
            text(&out.stderr).contains("excluded by the config"),
            "{}",
            text(&out.stderr)
        );
    }
    // `exclude` replaces the default, which skips hidden folders: then `.hidden` is walked.
    std::fs::create_dir_all(p.join(".hidden")).unwrap();
    std::fs::copy(
        root().join("examples/broken/orders-wrong-type.json"),
        p.join(".hidden/orders.json"),
    )
    .unwrap();
    assert_eq!(klar(&["."], p).status.code(), Some(0));
    std::fs::write(p.join("klar-lint.toml"), "exclude = [\"day2.json\"]\n").unwrap();
    let out = klar(&["--format", "concise", "."], p);
    assert!(
        text(&out.stdout).contains(".hidden/orders.json"),
        "{}",
        text(&out.stdout)
    );
    assert!(!text(&out.stdout).contains("day2"), "{}", text(&out.stdout));
}

#[test]
fn a_file_with_a_kind_in_its_name_or_klar_fields_is_always_linted() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // Content with a Klar field, no kind in the name: linted (and found broken).
    std::fs::write(p.join("day3.json"), r#"{"items": {"orderId": "1"}}"#).unwrap();
    // An array of objects that tells no kind: linted, and `unknown-kind` says so.
    std::fs::write(p.join("export.json"), r#"[{"foo": 1}]"#).unwrap();
    // An object without Klar fields, but `--kind` says what it is.
    std::fs::write(p.join("one.json"), r#"{"foo": 1}"#).unwrap();
    let out = klar(&["--format", "concise", "day3.json", "export.json"], p);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains("day3.json"), "{report}");
    assert!(report.contains("unknown-kind"), "{report}");
    let out = klar(&["--format", "concise", "--kind", "orders", "one.json"], p);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
}

#[test]
fn a_near_miss_of_a_subcommand_is_a_usage_error_with_a_suggestion() {
    let out = klar(&["explian", "per-unit-tax"], root());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("did you mean `explain`?"), "{err}");
    assert!(!text(&out.stdout).contains("io-error"));
}

#[test]
fn options_may_come_before_a_subcommand() {
    let out = klar(&["--format", "json", "rules"], root());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("per-unit-tax"));
    let out = klar(&["--no-progress", "explain", "zero-date"], root());
    assert!(text(&out.stdout).starts_with("# zero-date"));
    let out = klar(&["--format", "jsn", "rules"], root());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn io_error_cannot_be_ignored_on_the_command_line_either() {
    let dir = project();
    let out = klar(&["--ignore", "io-error", "exports"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`io-error` cannot be turned off"));
    std::fs::write(
        dir.path().join("klar-lint.toml"),
        "[rules]\nio-error = \"off\"\n",
    )
    .unwrap();
    assert_eq!(klar(&["exports"], dir.path()).status.code(), Some(2));
    // A category still turns off what it can.
    std::fs::remove_file(dir.path().join("klar-lint.toml")).unwrap();
    assert_ne!(
        klar(&["--ignore", "tool", "exports"], dir.path())
            .status
            .code(),
        Some(2)
    );
}

fn config_error(toml: &[u8]) -> String {
    let dir = project();
    std::fs::write(dir.path().join("klar-lint.toml"), toml).unwrap();
    let out = klar(&["exports"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !err.lines().any(|l| l.trim().starts_with("config::")),
        "an internal code on a line of its own: {err}"
    );
    assert!(err.lines().count() <= 6, "{err}");
    err
}

#[test]
fn config_mistakes_are_explained() {
    let err = config_error(b"[status-maping]\npaid = [\"bezahlt\"]\n");
    assert!(err.contains("unknown table `[status-maping]`"), "{err}");
    assert!(err.contains("line 1, column 2"), "{err}");
    assert!(err.contains("did you mean `[status-mapping]`?"), "{err}");
    let err = config_error(b"[tolerance]\nper-unt = 1\n");
    assert!(err.contains("did you mean `per-unit`?"), "{err}");
    let err = config_error(b"max-batch-size = \"1000\"\n");
    assert!(
        err.contains("`max-batch-size` must be a whole number"),
        "{err}"
    );
    assert!(!err.contains("usize"), "{err}");
    assert!(err.contains("max-batch-size = 1000"), "{err}");
}

#[test]
fn bad_configs_are_errors_with_a_place_never_a_panic() {
    let nested = format!(
        "[kinds]\n\"{}a{}\" = \"orders\"\n",
        "{".repeat(3000),
        "}".repeat(3000)
    );
    let err = config_error(nested.as_bytes());
    assert!(err.contains("invalid [kinds] entry"), "{err}");
    let deep = format!("a = {}\n", "[".repeat(100_000));
    let err = config_error(deep.as_bytes());
    assert!(err.contains("nested too deeply"), "{err}");
    assert!(err.contains("line 1"), "{err}");
    let err = config_error(b"[rules]\n# caf\xe9\nzero-date = \"off\"\n");
    assert!(err.contains("not UTF-8"), "{err}");
    assert!(err.contains("line 2, column 6"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_as_config_is_an_error_not_a_hang() {
    let dir = project();
    let fifo = dir.path().join("fifo.toml");
    if !Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("SKIPPED: mkfifo is not available here");
        return;
    }
    for config in [fifo.to_str().unwrap(), "/dev/zero"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_klar-lint"))
            .args(["--config", config, "exports"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut waited = Duration::ZERO;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if waited > Duration::from_secs(20) {
                child.kill().unwrap();
                panic!("--config {config} hung");
            }
            std::thread::sleep(Duration::from_millis(50));
            waited += Duration::from_millis(50);
        };
        assert_eq!(status.code(), Some(2), "{config}");
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(err.contains("not a regular file"), "{err}");
    }
}

#[test]
fn every_run_says_which_config_it_used() {
    let dir = project();
    let p = dir.path();
    let out = klar(&["exports/day1.json"], p);
    assert!(
        !text(&out.stdout).contains("Config:"),
        "{}",
        text(&out.stdout)
    );
    std::fs::write(p.join("klar-lint.toml"), "[rules]\nschema = \"warning\"\n").unwrap();
    let out = klar(&["exports/day1.json"], p);
    assert!(
        text(&out.stdout).contains("Config: `klar-lint.toml`."),
        "{}",
        text(&out.stdout)
    );
    let out = klar(&["--format", "json", "exports/day1.json"], p);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["config"], "klar-lint.toml");
    let out = klar(&["--format", "sarif", "exports/day1.json"], p);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["properties"]["config"],
        "klar-lint.toml"
    );
    // Found in a parent folder: named by its path from here.
    let out = klar(&["--format", "json", "day1.json"], &p.join("exports"));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["summary"]["config"],
        p.join("klar-lint.toml").display().to_string()
    );
    let out = klar(&["--format", "json", "--no-config", "exports/day1.json"], p);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["summary"].get("config").is_none());
}

#[cfg(unix)]
#[test]
fn a_parent_config_others_can_write_is_ignored_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project();
    let p = dir.path();
    let config = p.join("klar-lint.toml");
    // Every rule off: planted in a shared folder, it would hide every finding.
    std::fs::write(&config, "[rules]\nschema = \"off\"\n").unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = klar(&["day2.json"], &p.join("exports"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("warning: ignoring the config"), "{err}");
    assert!(err.contains(&config.display().to_string()), "{err}");
    assert!(err.contains("any user can write it"), "{err}");
    // Trusted again: used.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = klar(&["day2.json"], &p.join("exports"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // In the current folder the user chose to run in, it is used as it is.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).unwrap();
    assert_eq!(klar(&["exports/day2.json"], p).status.code(), Some(0));
}

#[test]
fn the_first_build_is_quick_and_releases_keep_fat_lto() {
    let manifest: toml::Table = std::fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let profiles = &manifest["profile"];
    let release = profiles["release"].as_table().unwrap();
    // The README's first command builds the dev profile (66 s from a fresh clone on two cores,
    // against 2 min 40 s for `--release`), which `cargo test` then reuses.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let first = readme
        .lines()
        .skip_while(|l| !l.starts_with("```sh"))
        .nth(1)
        .unwrap();
    assert!(first.starts_with("cargo run -- examples/"), "{first}");
    // `cargo install` and the pre-commit hook's first build: no fat LTO, several codegen units
    // (the fat-LTO link alone took 90 s on two cores).
    assert!(!matches!(
        release.get("lto").and_then(toml::Value::as_str),
        Some("fat")
    ));
    assert!(release.get("lto").and_then(toml::Value::as_bool) != Some(true));
    assert!(release
        .get("codegen-units")
        .is_none_or(|c| c.as_integer() > Some(1)));
    let dist = profiles["dist"].as_table().unwrap();
    assert_eq!(dist["inherits"].as_str(), Some("release"));
    assert_eq!(dist["lto"].as_str(), Some("fat"));
    assert_eq!(dist["codegen-units"].as_integer(), Some(1));
    let bench = std::fs::read_to_string(root().join("bench/compare.sh")).unwrap();
    assert!(bench.contains("--profile dist"));
    assert!(!bench.contains("target/release/"));
}
