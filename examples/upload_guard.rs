//! An upload guard, as an export job or upload service would run one before calling Klar: it
//! reads a batch, splits a batch of more than 1,000 objects into requests of at most 1,000 (the
//! limit of every Klar endpoint), lints each request body exactly as it would be sent, and
//! releases the requests only when every one is clean. It sends nothing: it prints what it would
//! send.
//!
//! ```sh
//! cargo run --example upload_guard -- --kind orders examples/payloads/07.2025/orders/orders.json
//! ```
//!
//! Numbers keep their literal text on the way through (serde_json's `arbitrary_precision`,
//! which klar-lint enables), so amounts are sent exactly as exported.

use std::io::{self, Write};
use std::process::ExitCode;

use klar_lint::{Config, Linter, PayloadKind, Report, Severity};
use serde_json::Value;

/// Objects one Klar request may hold.
const MAX_BATCH: usize = 1000;

/// One request ready to send.
#[derive(Debug)]
struct Request {
    /// The JSON body, exactly as it was linted.
    body: String,
    /// Objects in it.
    objects: usize,
}

/// Why a batch is held back.
#[derive(Debug)]
enum Held {
    /// The input is not a batch at all.
    Unreadable(String),
    /// Requests with error findings: their reports.
    Findings(Vec<Report>),
}

/// The top-level objects of a batch: a bare array (orders, refunds) or `{"items": [...]}` (costs).
fn objects(batch: Value) -> Result<Vec<Value>, Held> {
    match batch {
        Value::Array(objects) => Ok(objects),
        Value::Object(mut map) => match map.remove("items") {
            Some(Value::Array(objects)) => Ok(objects),
            _ => Err(Held::Unreadable(
                "an object without an `items` array".to_owned(),
            )),
        },
        _ => Err(Held::Unreadable(
            "neither an array nor `{\"items\": [...]}`".to_owned(),
        )),
    }
}

/// Splits a batch into requests of at most [`MAX_BATCH`] objects and lints each body. Returns
/// the requests when none has an error finding, else the reports of those that do.
fn plan(linter: &Linter, kind: PayloadKind, batch: Value) -> Result<Vec<Request>, Held> {
    let objects = objects(batch)?;
    let mut requests = Vec::new();
    let mut held = Vec::new();
    for (i, chunk) in objects.chunks(MAX_BATCH).enumerate() {
        let body = if kind.wrapped_in_items() {
            serde_json::json!({ "items": chunk })
        } else {
            Value::Array(chunk.to_vec())
        };
        let body = serde_json::to_string(&body).map_err(|e| Held::Unreadable(e.to_string()))?;
        let report = linter.lint_str(&format!("request-{}.json", i + 1), &body);
        if report.has_errors() {
            held.push(report);
        } else {
            requests.push(Request {
                body,
                objects: chunk.len(),
            });
        }
    }
    if held.is_empty() {
        Ok(requests)
    } else {
        Err(Held::Findings(held))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut err = io::stderr().lock();
    let (kind, path) = match args.as_slice() {
        [flag, kind, path] if flag == "--kind" => match kind.parse::<PayloadKind>() {
            Ok(kind) => (kind, path),
            Err(e) => {
                let _ = writeln!(err, "{e}");
                return ExitCode::from(2);
            }
        },
        _ => {
            let _ = writeln!(err, "usage: upload_guard --kind KIND FILE");
            return ExitCode::from(2);
        }
    };
    let batch = match std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()))
    {
        Ok(batch) => batch,
        Err(e) => {
            let _ = writeln!(err, "cannot read `{path}`: {e}");
            return ExitCode::from(2);
        }
    };
    let linter = match Linter::new(Config::default().with_kind(kind)) {
        Ok(linter) => linter,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::from(2);
        }
    };
    let mut out = io::stdout().lock();
    match plan(&linter, kind, batch) {
        Ok(requests) => {
            for (i, r) in requests.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "would POST request {} of {}: {} {kind}, {} bytes",
                    i + 1,
                    requests.len(),
                    r.objects,
                    r.body.len()
                );
            }
            ExitCode::SUCCESS
        }
        Err(Held::Unreadable(why)) => {
            let _ = writeln!(err, "not sent: `{path}` is {why}");
            ExitCode::from(2)
        }
        Err(Held::Findings(reports)) => {
            for report in &reports {
                for d in report
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                {
                    let _ = writeln!(
                        err,
                        "not sent: {} {}: [{}] {}",
                        report.path,
                        d.pointer,
                        d.rule(),
                        d.message
                    );
                }
            }
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` copies of the example order, each with its own id.
    fn orders(n: usize) -> Value {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/payloads/07.2025/orders/orders.json"
        ))
        .unwrap();
        let template: Value = serde_json::from_str::<Vec<Value>>(&text).unwrap()[0].clone();
        Value::Array(
            (0..n)
                .map(|i| {
                    let mut order = template.clone();
                    order["id"] = Value::String(format!("9{i:08}"));
                    order
                })
                .collect(),
        )
    }

    fn linter(kind: PayloadKind) -> Linter {
        Linter::new(Config::default().with_kind(kind)).unwrap()
    }

    #[test]
    fn a_large_batch_is_split_into_clean_requests_of_at_most_1000() {
        let requests = plan(
            &linter(PayloadKind::Orders),
            PayloadKind::Orders,
            orders(2345),
        )
        .map_err(|e| format!("{e:?}"))
        .unwrap();
        let sizes: Vec<usize> = requests.iter().map(|r| r.objects).collect();
        assert_eq!(sizes, [1000, 1000, 345]);
        // Each body is exactly what was linted: re-linting it finds nothing.
        for r in &requests {
            let report = linter(PayloadKind::Orders).lint_str("again.json", &r.body);
            assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
            assert_eq!(report.objects, r.objects);
        }
    }

    #[test]
    fn a_bad_object_holds_back_its_request_with_the_finding() {
        let mut batch = orders(1500);
        batch[1200]["lineItems"][0]["quantity"] = Value::String("two".into());
        let Err(Held::Findings(reports)) =
            plan(&linter(PayloadKind::Orders), PayloadKind::Orders, batch)
        else {
            panic!("a bad order must hold the batch back");
        };
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].path, "request-2.json");
        // Order 1200 is the 200th of the second request.
        assert_eq!(
            reports[0].diagnostics[0].pointer.as_str(),
            "/200/lineItems/0/quantity"
        );
    }

    #[test]
    fn costs_are_sent_wrapped_in_items() {
        // Parsed from text, as the guard reads it: `1.50` keeps its literal.
        let batch: Value = serde_json::from_str(
            r#"{"items": [{"orderId": "1", "lineItemId": "a", "productCogs": 1.50}]}"#,
        )
        .unwrap();
        let requests = plan(&linter(PayloadKind::Cogs), PayloadKind::Cogs, batch)
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        assert_eq!(
            requests[0].body,
            r#"{"items":[{"lineItemId":"a","orderId":"1","productCogs":1.50}]}"#
        );
    }

    #[test]
    fn not_a_batch_is_unreadable() {
        assert!(matches!(
            plan(
                &linter(PayloadKind::Orders),
                PayloadKind::Orders,
                Value::from(3)
            ),
            Err(Held::Unreadable(_))
        ));
    }
}
