//! `--format klar`: per file, the body Klar's validate endpoint would answer for that request,
//! in its flat `newErrors=true` format (FACTS.md §3.2), one JSON document a line (JSON Lines).
//!
//! - No error finding: `{"path": …, "status": "VALID"}`.
//! - Otherwise `status` is `"INVALID"` when every object failed or the request as a whole is
//!   wrong (a finding outside any object: unparsable JSON, wrong body shape, batch size), and
//!   `"PARTIALLY_VALID"` when some objects failed and others passed (Klar's HTTP 207).
//! - `errors` lists the error findings as `{id, key, message, value}`: `key` is the dotted path
//!   starting with the array index (`0.lineItems.0.totalAmountAfterTaxesAndDiscounts`, the
//!   `items` of a COGS or costs body left out as Klar leaves it out), `id` the object's `id`
//!   (orders, refunds) or `orderId` (items) as a string, `value` the offending value (scalars
//!   only; `null` for an object, an array or a missing value), `message` klar-lint's message
//!   without backticks. klar-lint's `rule`, `severity`, `help`, `pointer`, `line` and `column`
//!   are extra fields.
//! - `failedOrderIds` (whenever not valid) and `successfulOrderIds` (on partial success) hold
//!   the objects' ids as strings, each once, in order. JSON Lines keep no text of records
//!   without findings, so their `successfulOrderIds` are left out.
//! - Extra fields: `path`, and `warnings` (warning and info findings, same shape), which Klar's
//!   validator would not report; `notListed` counts findings past `max-diagnostics-per-file`.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use super::{Reporter, Summary};
use crate::diagnostic::{Diagnostic, Severity};
use crate::linter::FileReport;

/// Klar's answer, one line per file.
#[derive(Debug, Default)]
pub struct Klar;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KlarError<'a> {
    id: Option<String>,
    key: String,
    message: String,
    value: Value,
    rule: &'a str,
    severity: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    pointer: &'a str,
    line: Option<usize>,
    column: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    path: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<KlarError<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed_order_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    successful_order_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<KlarError<'a>>,
    #[serde(skip_serializing_if = "super::is_zero")]
    not_listed: usize,
}

/// A kept piece of the file's text, parsed: the whole document, or one JSON Lines record.
struct Parsed {
    offset: usize,
    end: usize,
    /// A record of a JSON Lines file rather than the whole document.
    record: bool,
    value: Option<Value>,
}

/// Where a finding is: in which top-level object, and its key below the array.
struct Place {
    object: Option<usize>,
    key: Vec<String>,
}

impl Klar {
    /// The body for one file, as one JSON value.
    #[must_use]
    pub fn body(report: &FileReport) -> Value {
        serde_json::to_value(build(report)).unwrap_or(Value::Null)
    }
}

/// The body for one file; its fields serialize in the order Klar's answer has them.
fn build(report: &FileReport) -> Body<'_> {
    {
        let wrapped = report
            .kind
            .is_some_and(crate::payload::PayloadKind::wrapped_in_items);
        let parsed: Vec<Parsed> = report
            .sources
            .iter()
            .map(|c| {
                let value = serde_json::from_str::<Value>(&c.text).ok();
                // A record is one object; a document is the array (or the `items` body).
                let record = c.offset > 0
                    || value.as_ref().is_some_and(|v| match v {
                        Value::Object(map) => !(wrapped && map.contains_key("items")),
                        _ => false,
                    });
                Parsed {
                    offset: c.offset,
                    end: c.offset + c.text.len(),
                    record,
                    value,
                }
            })
            .collect();
        let lines = parsed.iter().any(|p| p.record);
        let id_field = if wrapped { "orderId" } else { "id" };

        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        // Objects with an error finding, with their ids.
        let mut failed: BTreeMap<usize, Option<String>> = BTreeMap::new();
        let mut whole_request = false;
        for d in &report.diagnostics {
            let chunk = d.span.and_then(|s| {
                // Chunks are in file order: the last one starting at or before the span.
                let at = parsed.partition_point(|p| p.offset <= s.start);
                at.checked_sub(1)
                    .and_then(|i| parsed.get(i))
                    .filter(|p| s.start <= p.end)
            });
            let place = place_of(d, wrapped, chunk.is_some_and(|c| c.record) || lines);
            let id = place
                .object
                .and_then(|i| chunk.and_then(|c| object_in(c, i, wrapped)))
                .and_then(|o| o.get(id_field))
                .and_then(id_text);
            if d.severity == Severity::Error {
                match place.object {
                    Some(i) => {
                        let slot = failed.entry(i).or_default();
                        if slot.is_none() {
                            slot.clone_from(&id);
                        }
                    }
                    None => whole_request = true,
                }
            }
            let entry = KlarError {
                id,
                key: place.key.join("."),
                message: d.message.replace('`', ""),
                value: chunk
                    .and_then(|c| value_at(c, d))
                    .filter(|v| !matches!(v, Value::Object(_) | Value::Array(_)))
                    .cloned()
                    .unwrap_or(Value::Null),
                rule: d.rule(),
                severity: d.severity.as_str(),
                help: d.help.as_deref(),
                pointer: d.pointer.as_str(),
                line: d.line,
                column: d.column,
            };
            if d.severity == Severity::Error {
                errors.push(entry);
            } else {
                warnings.push(entry);
            }
        }

        let status = if errors.is_empty() && report.truncated.errors == 0 {
            "VALID"
        } else if whole_request || failed.is_empty() || failed.len() >= report.objects {
            "INVALID"
        } else {
            "PARTIALLY_VALID"
        };
        let (failed_order_ids, successful_order_ids) = if status == "VALID" {
            (None, None)
        } else {
            let failed_ids = unique(failed.values().flatten().cloned());
            // Only a document keeps the text of the objects that passed.
            let document = parsed.iter().find(|p| !p.record).filter(|_| !lines);
            let successful = document.filter(|_| status == "PARTIALLY_VALID").map(|doc| {
                unique(
                    (0..report.objects)
                        .filter(|i| !failed.contains_key(i))
                        .filter_map(|i| object_in(doc, i, wrapped))
                        .filter_map(|o| o.get(id_field))
                        .filter_map(id_text),
                )
            });
            (Some(failed_ids), successful)
        };
        Body {
            path: &report.path,
            status,
            errors,
            failed_order_ids,
            successful_order_ids,
            warnings,
            not_listed: report.truncated.total(),
        }
    }
}

impl Reporter for Klar {
    fn file(&mut self, out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
        serde_json::to_writer(&mut *out, &build(report)).map_err(io::Error::other)?;
        writeln!(out)
    }

    fn finish(&mut self, _out: &mut dyn Write, _summary: &Summary) -> io::Result<()> {
        Ok(())
    }
}

/// The object index and the dotted key of a finding. In a document of a kind sent as
/// `{"items": [...]}` the `items` token is left out, so keys start with the index as Klar's do.
fn place_of(d: &Diagnostic, wrapped: bool, record: bool) -> Place {
    let mut tokens: Vec<String> = d
        .pointer
        .tokens()
        .map(std::borrow::Cow::into_owned)
        .collect();
    if wrapped && !record && tokens.first().is_some_and(|t| t == "items") && tokens.len() > 1 {
        tokens.remove(0);
    }
    let object = tokens.first().and_then(|t| index(t));
    Place {
        object,
        key: tokens,
    }
}

/// An array index token: decimal digits, no sign, no leading zero.
fn index(token: &str) -> Option<usize> {
    if token.is_empty()
        || !token.bytes().all(|b| b.is_ascii_digit())
        || (token.len() > 1 && token.starts_with('0'))
    {
        return None;
    }
    token.parse().ok()
}

/// Top-level object `i` of a parsed chunk (a record is its own object).
fn object_in(chunk: &Parsed, i: usize, wrapped: bool) -> Option<&Value> {
    let value = chunk.value.as_ref()?;
    if chunk.record {
        return Some(value);
    }
    let array = if wrapped { value.get("items")? } else { value };
    array.as_array()?.get(i)
}

/// The value a finding points at.
fn value_at<'v>(chunk: &'v Parsed, d: &Diagnostic) -> Option<&'v Value> {
    let value = chunk.value.as_ref()?;
    if !chunk.record {
        return d.pointer.get(value);
    }
    // A record's pointer starts with its index; the rest points into the record.
    d.pointer
        .tokens()
        .skip(1)
        .try_fold(value, |target, token| match target {
            Value::Object(map) => map.get(token.as_ref()),
            Value::Array(list) => index(&token).and_then(|i| list.get(i)),
            _ => None,
        })
}

/// An id as Klar echoes it: a string, or a number's text.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Each id once, in order.
fn unique(ids: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.filter(|id| seen.insert(id.clone())).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::Klar;
    use crate::{Config, Linter, PayloadKind};

    const ORDERS: &str = include_str!("../../examples/payloads/07.2025/orders/orders.json");
    const ORDERS_LINES: &str = include_str!("../../examples/payloads/07.2025/orders/orders.jsonl");
    const COSTS: &str =
        include_str!("../../examples/payloads/07.2025/transaction-costs/transaction-costs.json");

    fn body(name: &str, text: &str) -> Value {
        let linter = Linter::new(Config::default()).unwrap();
        Klar::body(&linter.lint_str(name, text))
    }

    fn keys(body: &Value) -> Vec<&str> {
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn a_clean_request_is_valid_and_says_nothing_more() {
        let b = body("07.2025/orders.json", ORDERS);
        assert_eq!(b, json!({"path": "07.2025/orders.json", "status": "VALID"}));
    }

    /// FACTS.md §3.2: a numeric `orderId` in transaction costs gives `orderId must be a
    /// string` at key `0.orderId` with the value 1111; the other items pass (HTTP 207).
    #[test]
    fn numeric_order_id_in_transaction_costs_as_klar_answers_it() {
        let text = COSTS.replacen("\"100045211\"", "1111", 1);
        let b = body("07.2025/transaction-costs.json", &text);
        assert_eq!(b["status"], "PARTIALLY_VALID", "{b:#}");
        let e = &b["errors"][0];
        assert_eq!(e["key"], "0.orderId");
        assert_eq!(e["id"], "1111");
        assert_eq!(e["value"], json!(1111));
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .starts_with("orderId must be a string"),
            "{e}"
        );
        assert_eq!(e["rule"], "schema");
        assert_eq!(e["severity"], "error");
        assert!(e["help"].is_string());
        assert_eq!(b["errors"].as_array().unwrap().len(), 1, "{b:#}");
        assert_eq!(b["failedOrderIds"], json!(["1111"]));
        assert_eq!(
            b["successfulOrderIds"],
            json!(["100045212", "100045213", "100045214", "100045215"])
        );
    }

    /// FACTS.md §3.2: `0.lineItems.0.totalAmountAfterTaxesAndDiscounts: (-X.XX) has to be 0
    /// or bigger!`: the key starts with the order's index, the value is the amount sent.
    #[test]
    fn negative_after_amount_has_klar_s_key_and_value() {
        let at = ORDERS
            .find("\"totalAmountAfterTaxesAndDiscounts\"")
            .unwrap();
        let colon = at + ORDERS[at..].find(':').unwrap() + 1;
        let end = colon
            + ORDERS[colon..]
                .find(|c: char| !(c.is_ascii_digit() || " .-".contains(c)))
                .unwrap();
        let text = format!(
            "{}\"totalAmountAfterTaxesAndDiscounts\": -2.50{}",
            &ORDERS[..at],
            &ORDERS[end..]
        );
        let b = body("07.2025/orders.json", &text);
        let key = "0.lineItems.0.totalAmountAfterTaxesAndDiscounts";
        let e = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == key && e["rule"] == "negative-amount")
            .unwrap_or_else(|| panic!("{b:#}"));
        assert_eq!(e["value"].to_string(), "-2.50");
        assert_eq!(e["id"], "100045211");
        assert_eq!(b["status"], "PARTIALLY_VALID");
        assert_eq!(b["failedOrderIds"], json!(["100045211"]));
        assert!(!b["successfulOrderIds"]
            .as_array()
            .unwrap()
            .contains(&json!("100045211")));
    }

    #[test]
    fn every_object_failing_or_a_broken_request_is_invalid() {
        let linter =
            Linter::new(Config::default().with_kind(PayloadKind::TransactionCosts)).unwrap();
        let one = Klar::body(&linter.lint_str(
            "costs.json",
            r#"{"items": [{"orderId": 1, "transactionCosts": 1}]}"#,
        ));
        assert_eq!(one["status"], "INVALID");
        assert_eq!(one["failedOrderIds"], json!(["1"]));
        assert!(one.get("successfulOrderIds").is_none());
        let broken = body("07.2025/orders.json", "[{\"id\": \"1\",}]");
        assert_eq!(broken["status"], "INVALID");
        assert_eq!(keys(&broken), [""]);
        assert_eq!(broken["errors"][0]["rule"], "invalid-json");
        assert_eq!(broken["failedOrderIds"], json!([]));
    }

    #[test]
    fn warnings_are_kept_apart_and_do_not_fail_the_request() {
        let text = COSTS.replacen(
            "\"transactionCosts\": 4.29",
            "\"transactionCosts\": 4.29, \"note\": \"x\"",
            1,
        );
        let b = body("07.2025/transaction-costs.json", &text);
        assert_eq!(b["status"], "VALID", "{b:#}");
        assert!(b.get("errors").is_none());
        assert_eq!(b["warnings"][0]["rule"], "unknown-field");
        assert_eq!(b["warnings"][0]["key"], "0.note");
        assert_eq!(b["warnings"][0]["value"], "x");
    }

    #[test]
    fn json_lines_records_keep_their_index_and_id() {
        let mut lines: Vec<String> = ORDERS_LINES.lines().map(str::to_owned).collect();
        lines[3] = lines[3].replacen("\"quantity\":", "\"quantity\":\"2\",\"q\":", 1);
        let text = lines.join("\n") + "\n";
        let linter = Linter::new(Config::default().with_kind(PayloadKind::Orders)).unwrap();
        let b = Klar::body(&linter.lint_lines("07.2025/orders.jsonl", text.as_bytes()));
        assert_eq!(b["status"], "PARTIALLY_VALID", "{b:#}");
        assert!(
            keys(&b).iter().all(|k| k.starts_with("3.lineItems.0.")),
            "{b:#}"
        );
        let id: Value = serde_json::from_str::<Value>(&lines[3]).unwrap()["id"].clone();
        assert_eq!(b["failedOrderIds"], json!([id]));
        assert!(b.get("successfulOrderIds").is_none());
    }
}
