//! Amounts in messages are money (issue 12, item 3): every rule fixture is linted again with
//! its non-integer money amounts re-written as binary-float noise, the way PHP's `json_encode`
//! and JavaScript print them (`3.5` → `3.5000000000000004`, `0.23` → `0.22999999999999998`),
//! and no number in a message, help or label may have more decimals than the currency of its
//! object allows (ISO 4217 exponent; 2 where none applies).
//!
//! A number quoted exactly as sent is exempt: it is the sender's own literal. So the exempt
//! numbers are exactly the decimal tokens that occur in the payload's text (its number
//! literals and any digits inside its strings); everything else in a message was worked out
//! by klar-lint and must be rounded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use klar_lint::{ApiVersion, Category, Config, Linter, PayloadKind};

/// The fields that hold money. Rates (`taxRate`), quantities and timestamps are left as they
/// are: they are not amounts, and a message quoting them quotes them as sent.
const MONEY_KEYS: &[&str] = &[
    "productGmv",
    "productCogs",
    "taxAmount",
    "discountAmount",
    "totalAmountBeforeTaxesAndDiscounts",
    "totalAmountAfterTaxesAndDiscounts",
    "shippingTotalAmountBeforeTaxAndDiscounts",
    "shippingTotalAmountAfterTaxAndDiscounts",
    "shippingTotalAmountBeforeTaxesAndDiscounts",
    "shippingTotalAmountAfterTaxesAndDiscounts",
    "totalLogisticsCosts",
    "transactionCosts",
];

/// API version strings look like decimals (`12.2022`) but are not amounts.
const VERSIONS: &[&str] = &["12.2022", "07.2025", "04.2024", "06.2024"];

fn fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            fixtures(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// The neighbouring binary float of the literal's value, printed the shortest way that reads
/// back (what `0.1 + 0.2` prints): one step up or down, alternating. `None` for integers and
/// for literals that do not read as a finite float.
fn noisy(literal: &str, up: bool) -> Option<String> {
    let value: f64 = literal.parse().ok()?;
    if !value.is_finite() || value.fract() == 0.0 {
        return None;
    }
    // One ulp away (`f64::next_up` is newer than the MSRV). `value` is not 0, so its bits
    // move away from or towards zero by one.
    let away = up == (value > 0.0);
    let bits = value.to_bits();
    let noisy = f64::from_bits(if away { bits + 1 } else { bits - 1 });
    Some(format!("{noisy}"))
}

/// The length of the JSON number literal at the start of `s` (0 when there is none).
fn number_len(s: &[u8]) -> usize {
    s.iter()
        .take_while(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        .count()
}

/// The payload with every non-integer number of a money field re-written as float noise,
/// and how many literals were re-written. Text rewriting keeps everything else (key order,
/// duplicate keys, spacing) as it was.
fn add_noise(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len() + 256);
    let mut rest = text;
    let mut count = 0;
    'scan: while let Some(quote) = rest.find('"') {
        out.push_str(&rest[..=quote]);
        rest = &rest[quote + 1..];
        for key in MONEY_KEYS {
            let Some(after_key) = rest
                .strip_prefix(key)
                .and_then(|r| r.strip_prefix('"'))
                .map(str::trim_start)
                .and_then(|r| r.strip_prefix(':'))
            else {
                continue;
            };
            let value = after_key.trim_start();
            let len = number_len(value.as_bytes());
            if len == 0 {
                continue;
            }
            let Some(replacement) = noisy(&value[..len], count % 2 == 0) else {
                continue;
            };
            let consumed = rest.len() - value.len();
            out.push_str(&rest[..consumed]);
            out.push_str(&replacement);
            rest = &value[len..];
            count += 1;
            continue 'scan;
        }
        // Not a money key (or not a number): copy the string through, escapes included.
        let mut escaped = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            })
            .map_or(rest.len(), |(i, _)| i + 1);
        out.push_str(&rest[..end]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    (out, count)
}

/// The decimal tokens of `text` (`12.50`, `-0.22999999999999998`), each with its position:
/// digits, a point and digits, not part of a longer word or number.
fn decimals(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            && (i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'.' | b'_')));
        if !starts {
            i += 1;
            continue;
        }
        let start = if i > 0 && bytes[i - 1] == b'-' {
            i - 1
        } else {
            i
        };
        let mut j = i;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        if j + 1 < bytes.len() && bytes[j] == b'.' && bytes[j + 1].is_ascii_digit() {
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            found.push(&text[start..j]);
        }
        i = j.max(i + 1);
    }
    found
}

fn decimal_places(token: &str) -> u32 {
    token
        .split_once('.')
        .map_or(0, |(_, frac)| u32::try_from(frac.len()).unwrap())
}

/// The minor-unit exponent for a finding at `pointer`: its top-level object's currency, 2
/// where there is none (cost items, refunds) or it is not an ISO 4217 code.
fn exponent(payload: &serde_json::Value, pointer: &str) -> u32 {
    let index = pointer
        .trim_start_matches('/')
        .split('/')
        .next()
        .and_then(|t| t.parse::<usize>().ok());
    index
        .and_then(|i| payload.get(i))
        .and_then(|o| o.get("currencyCodeIso3Letter"))
        .and_then(serde_json::Value::as_str)
        .and_then(klar_lint::iso::currency_exponent)
        .unwrap_or(2)
}

struct Lint {
    rewritten: usize,
    checked: usize,
    quoted_noise: usize,
    failures: Vec<String>,
}

fn lint_noisy(path: &Path, root: &Path, lint: &mut Lint) {
    let rel = path.strip_prefix(root).unwrap();
    let parts: Vec<&str> = rel.iter().map(|p| p.to_str().unwrap()).collect();
    let [_, version, kind, _] = parts.as_slice() else {
        panic!(
            "fixture path must be <rule>/<version>/<kind>/<file>: {}",
            rel.display()
        );
    };
    let version: ApiVersion = version.parse().unwrap();
    let kind: PayloadKind = kind.parse().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let (noisy_text, count) = add_noise(&text);
    lint.rewritten += count;
    let payload: serde_json::Value = serde_json::from_str(&noisy_text)
        .unwrap_or_else(|e| panic!("{}: re-written payload is not JSON: {e}", rel.display()));
    let sent: HashSet<&str> = decimals(&noisy_text).into_iter().collect();
    let linter = Linter::new(Config::default().with_kind(kind).with_api_version(version)).unwrap();
    let report = linter.lint_str(&rel.display().to_string(), &noisy_text);
    for d in &report.diagnostics {
        // Timestamps are not amounts: `timestamp-unit` shows milliseconds as seconds
        // (`1761086400.123`) on purpose, before it says which whole second to send.
        if d.code.category == Category::Dates {
            continue;
        }
        let exp = exponent(&payload, d.pointer.as_str());
        let texts = std::iter::once(("message", d.message.as_str()))
            .chain(d.help.as_deref().map(|h| ("help", h)))
            .chain(d.labels.iter().map(|l| ("label", l.text.as_str())));
        for (part, text) in texts {
            for token in decimals(text) {
                if VERSIONS.contains(&token) {
                    continue;
                }
                if sent.contains(token) {
                    if decimal_places(token) > exp {
                        lint.quoted_noise += 1;
                    }
                    continue;
                }
                lint.checked += 1;
                if decimal_places(token) > exp {
                    lint.failures.push(format!(
                        "{} [{}] {part}: {token} has more than {exp} decimals in {text:?}",
                        rel.display(),
                        d.rule(),
                    ));
                }
            }
        }
    }
}

#[test]
fn computed_amounts_in_messages_have_the_currency_s_decimals() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths = Vec::new();
    fixtures(&root, &mut paths);
    assert!(paths.len() > 100, "only {} fixtures found", paths.len());
    let mut lint = Lint {
        rewritten: 0,
        checked: 0,
        quoted_noise: 0,
        failures: Vec::new(),
    };
    for path in &paths {
        lint_noisy(path, &root, &mut lint);
    }
    // The test must have something to check: many literals re-written, many computed numbers
    // read, and the noise reaching the messages where they quote a value as sent.
    assert!(
        lint.rewritten > 1000,
        "only {} literals re-written",
        lint.rewritten
    );
    assert!(
        lint.checked > 50,
        "only {} computed numbers checked",
        lint.checked
    );
    assert!(
        lint.quoted_noise > 20,
        "only {} noisy literals quoted",
        lint.quoted_noise
    );
    assert!(
        lint.failures.is_empty(),
        "{} computed numbers with float noise:\n{}",
        lint.failures.len(),
        lint.failures.join("\n")
    );
}

#[test]
fn noise_is_what_php_and_javascript_print() {
    assert_eq!(noisy("3.5", true).as_deref(), Some("3.5000000000000004"));
    assert_eq!(noisy("0.23", false).as_deref(), Some("0.22999999999999998"));
    assert_eq!(noisy("7", true), None);
    assert_eq!(noisy("7.00", true), None);
    let (text, count) = add_noise(
        r#"{"productGmv": 3.5, "quantity": 1.5, "title": "productGmv", "taxAmount":0.23, "x": "a\"taxAmount\": 0.5"}"#,
    );
    assert_eq!(count, 2);
    assert_eq!(
        text,
        r#"{"productGmv": 3.5000000000000004, "quantity": 1.5, "title": "productGmv", "taxAmount":0.22999999999999998, "x": "a\"taxAmount\": 0.5"}"#
    );
    assert_eq!(
        decimals("is 209.99000000000001 but 180.00 (29.99 more), 12.2022, x1.5, -0.5, line 3"),
        ["209.99000000000001", "180.00", "29.99", "12.2022", "-0.5"]
    );
}
