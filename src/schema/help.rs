//! What a `schema` finding tells the user to do: the did-you-mean of an unknown field, and the
//! help of a value of the wrong type, from a table of what each field holds.
//!
//! Klar validates with class-validator (docs/klar-api.md §3.1, §14.4 item 1): an optional property skips
//! every check when it is `null` or missing, so the schemas let every optional property be
//! `null`. A type error on an optional field is therefore a real value of the wrong type, and
//! leaving the field out is always a way to fix it; on a required field, `null` is the same as
//! leaving it out, which Klar rejects.

use serde_json::Value;

use crate::fix::{Change, Fix};
use crate::json::Pointer;
use crate::money::plain_decimal;

/// String fields whose value another rule reads as a code: a number quoted there is no fix.
const CODED: [&str; 1] = ["financialStatus"];

/// The safe fix of a value of the wrong type at `at`, field `name` (whose schema is
/// `property`), when the value says exactly what was meant:
/// - a number where a string is expected (an id, `orderId`, `sku`, any string field except a
///   code checked by a pattern or a status): the same digits, quoted, as written
///   (`arbitrary_precision` keeps the literal: `100123815` → `"100123815"`);
/// - a string of a plain decimal where a number is expected (`"12.50"`): the number, digits as
///   written. `"12,50"`, `"1e3"`, `"€5"`, `" 5"` get no fix.
pub(super) fn type_fix(
    value: &Value,
    expected: &str,
    name: &str,
    property: &Value,
    at: &Pointer,
) -> Option<Fix> {
    match (expected, value) {
        ("string", Value::Number(n)) => {
            if property.get("pattern").is_some() || CODED.contains(&name) {
                return None;
            }
            let json = serde_json::to_string(n.as_str()).ok()?;
            Some(Fix::safe(
                format!("write `{name}` as a string: `{json}`"),
                vec![Change::Replace {
                    at: at.clone(),
                    json,
                }],
            ))
        }
        ("number", Value::String(s)) => {
            plain_decimal(s)?;
            Some(Fix::safe(
                format!("write `{name}` as a number: `{s}`"),
                vec![Change::Replace {
                    at: at.clone(),
                    json: s.clone(),
                }],
            ))
        }
        _ => None,
    }
}

/// The known name an unknown key most likely stands for: one that differs only in case
/// (`googleAnalyticsTransactionID`, `productGMV`) first, else the closest by edit distance
/// (case ignored) that is close enough.
pub(crate) fn did_you_mean<'k>(
    unknown: &str,
    known: impl IntoIterator<Item = &'k str> + Clone,
) -> Option<&'k str> {
    if let Some(same) = known
        .clone()
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(unknown))
    {
        return Some(same);
    }
    let lower = unknown.to_ascii_lowercase();
    // The score is at most 1 − (length difference / longer length): a key far longer or
    // shorter than every known one cannot reach 0.75, and is not measured (Damerau-Levenshtein
    // takes time and memory in the product of the lengths: a 1 MiB key took seconds and
    // hundreds of MB per field).
    let chars = lower.chars().count();
    known
        .into_iter()
        .filter(|k| {
            let n = k.chars().count();
            chars.abs_diff(n) * 4 <= chars.max(n)
        })
        .map(|k| {
            (
                strsim::normalized_damerau_levenshtein(&lower, &k.to_ascii_lowercase()),
                k,
            )
        })
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// What to say about a field whose value has the wrong type, where there is more to say than
/// "send a number".
struct Action {
    /// The `$defs` objects that have the field.
    defs: &'static [&'static str],
    field: &'static str,
    /// What to send.
    send: &'static str,
    /// For an optional field: until when it is left out.
    until: Option<&'static str>,
}

const LINES: &[&str] = &["LineItem", "BundledProduct"];

/// One row per field, kept on one line each so the table reads as a table.
#[rustfmt::skip]
const ACTIONS: &[Action] = &[
    Action { defs: &["Order"], field: "id", send: "send the order id as a string", until: None },
    Action { defs: &["Order"], field: "createdAt", send: "send the time the order was placed in Unix seconds", until: None },
    Action { defs: &["Order"], field: "updatedAt", send: "send the time the order last changed in Unix seconds", until: None },
    Action { defs: &["Order"], field: "processedAt", send: "send the time the order was fulfilled in Unix seconds", until: Some("until the order is fulfilled") },
    Action { defs: &["Order"], field: "closedAt", send: "send the time the order was closed in Unix seconds", until: Some("until the order is closed") },
    Action { defs: &["Order"], field: "cancelledAt", send: "send the time the order was cancelled in Unix seconds", until: Some("until the order is cancelled") },
    Action { defs: &["Order"], field: "currencyCodeIso3Letter", send: "send the ISO 4217 code of the order currency, such as `EUR`", until: None },
    Action { defs: &["Order"], field: "lineItems", send: "send the order's products as an array of line items", until: None },
    Action { defs: LINES, field: "id", send: "send the line's id as a string, unique within the order", until: None },
    Action { defs: LINES, field: "productGmv", send: "send the price of one unit, tax included, in the order currency", until: None },
    Action { defs: LINES, field: "quantity", send: "send the number of units", until: None },
    Action { defs: &["Discount"], field: "discountAmount", send: "send the discount in the order currency (on a line, for one unit)", until: None },
    Action { defs: &["Tax"], field: "taxRate", send: "send the rate as a fraction: `0.19` for 19 %", until: None },
    Action { defs: &["Tax"], field: "taxAmount", send: "send the tax in the order currency (on a line, for one unit)", until: None },
    Action { defs: &["RefundedLineItem"], field: "lineItemId", send: "send the id of the refunded line as a string", until: None },
    Action { defs: &["RefundedLineItem"], field: "refundedQuantity", send: "send the number of refunded units", until: None },
    Action { defs: &["RefundedLineItem", "Refund"], field: "createdAt", send: "send the time the refund was created in Unix seconds", until: None },
    Action { defs: &["RefundedLineItem"], field: "processedAt", send: "send the time the refund was processed in Unix seconds", until: Some("until the refund is processed") },
    Action { defs: &["Refund"], field: "id", send: "send the refund id as a string", until: None },
    Action { defs: &["Refund"], field: "updatedAt", send: "send the time the refund last changed in Unix seconds", until: None },
    Action { defs: &["Refund"], field: "lineItems", send: "send the refunded lines as an array (`[]` cancels the refund)", until: None },
    Action { defs: &["Cogs", "LogisticsCosts", "TransactionCosts"], field: "orderId", send: "send the id of the order as a string", until: None },
    Action { defs: &["Cogs"], field: "productCogs", send: "send the cost of goods in the order currency, excluding VAT", until: None },
    Action { defs: &["LogisticsCosts"], field: "totalLogisticsCosts", send: "send the shipping cost of the whole order in the order currency, excluding tax (0 is allowed)", until: None },
    Action { defs: &["TransactionCosts"], field: "transactionCosts", send: "send the payment costs of the whole order in the order currency", until: None },
];

/// A property of a `$defs` object, as the schema describes it.
pub(super) struct Property<'a> {
    /// The definition (`Order`, `LineItem`, ...).
    pub(super) def: &'a str,
    pub(super) name: &'a str,
    pub(super) required: bool,
}

fn action(def: &str, field: &str) -> Option<&'static Action> {
    ACTIONS
        .iter()
        .find(|a| a.field == field && a.defs.contains(&def))
}

/// A value that stands for "nothing" in an export: an empty or blank string, `false`, `[]`,
/// `{}`. On an optional field the fix is to leave the field out.
fn blank(value: &Value) -> bool {
    match value {
        Value::String(s) => s.trim().is_empty(),
        Value::Bool(b) => !b,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Null | Value::Number(_) => false,
    }
}

/// A number written with a decimal comma (`0,57`, `-12,5`, `1.234,56` with dots between
/// thousands) as JSON writes it (`0.57`, `-12.5`, `1234.56`); `None` for anything else.
fn decimal_comma(text: &str) -> Option<String> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = digits.split_once(',')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(fraction) {
        return None;
    }
    let mut groups = whole.split('.');
    let first = groups.next()?;
    let rest: Vec<&str> = groups.collect();
    let grouped = first.len() <= 3 && rest.iter().all(|g| g.len() == 3);
    if !all_digits(first) || !rest.iter().all(|g| all_digits(g)) || (!rest.is_empty() && !grouped) {
        return None;
    }
    Some(format!("{sign}{first}{}.{fraction}", rest.concat()))
}

/// The help of a value of the wrong type: `expected` is the type the schema wants (`null`
/// left out), `property` the field when the value is one (not an array entry).
pub(super) fn wrong_type(
    value: &Value,
    expected: &str,
    article: &str,
    property: Option<&Property<'_>>,
) -> String {
    let send = property.and_then(|p| action(p.def, p.name)).map_or_else(
        || format!("send {article} {expected}"),
        |a| a.send.to_owned(),
    );
    if let (Some(text), "number") = (value.as_str(), expected) {
        let trimmed = text.trim().trim_end_matches('%').trim();
        if text.trim().ends_with('%') {
            return format!(
                "send the rate as a number and a fraction: {text} is `{}`",
                super::percent_as_fraction(trimmed)
            );
        }
        if !trimmed.is_empty() && trimmed.parse::<f64>().is_ok() {
            return format!("send the number without quotes: `{trimmed}`");
        }
        if let Some(number) = decimal_comma(trimmed) {
            return format!("send the number without quotes and with a decimal point: `{number}`");
        }
    }
    if expected == "string" && value.is_number() {
        return "ids and codes are strings: quote the value".to_owned();
    }
    let Some(property) = property else {
        return if expected == "number" && value.is_string() {
            "send a JSON number, without quotes or units".to_owned()
        } else {
            send
        };
    };
    let name = property.name;
    if property.required {
        return if value.is_null() {
            format!("`{name}` is required: {send}")
        } else {
            send
        };
    }
    let until = action(property.def, name).and_then(|a| a.until);
    let leave_out = match until {
        Some(until) => format!("leave `{name}` out {until}"),
        None => format!("leave `{name}` out"),
    };
    if blank(value) {
        leave_out
    } else {
        format!("{send}, or {leave_out}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_case_only_difference_comes_first() {
        let known = ["googleAnalyticsTransactionId", "orderSourceName"];
        assert_eq!(
            did_you_mean("googleAnalyticsTransactionID", known),
            Some("googleAnalyticsTransactionId")
        );
        // `productGmv` differs from `productGMV` in case only; `productCogs` is as close by
        // edit distance once case is ignored, and must not win.
        let known = ["productCogs", "productGmv", "productId"];
        assert_eq!(did_you_mean("productGMV", known), Some("productGmv"));
        assert_eq!(did_you_mean("PRODUCTGMV", known), Some("productGmv"));
        assert_eq!(did_you_mean("itmes", ["items"]), Some("items"));
        assert_eq!(did_you_mean("meta", ["items"]), None);
    }

    fn help(value: &Value, expected: &str, def: &str, name: &str, required: bool) -> String {
        let article = if expected.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        let property = Property {
            def,
            name,
            required,
        };
        wrong_type(value, expected, article, Some(&property))
    }

    #[test]
    fn a_required_field_sent_as_null_is_said_to_be_required() {
        assert_eq!(
            help(&json!(null), "number", "Order", "createdAt", true),
            "`createdAt` is required: send the time the order was placed in Unix seconds"
        );
        assert_eq!(
            help(&json!(null), "string", "Cogs", "orderId", true),
            "`orderId` is required: send the id of the order as a string"
        );
        // A field the table does not know still says it is required.
        assert_eq!(
            help(&json!(null), "string", "Order", "somethingNew", true),
            "`somethingNew` is required: send a string"
        );
    }

    #[test]
    fn an_optional_field_can_always_be_left_out() {
        assert_eq!(
            help(&json!(""), "number", "Order", "cancelledAt", false),
            "leave `cancelledAt` out until the order is cancelled"
        );
        assert_eq!(
            help(&json!("2025-07-01"), "number", "Order", "cancelledAt", false),
            "send the time the order was cancelled in Unix seconds, or leave `cancelledAt` out until the order is cancelled"
        );
        assert_eq!(
            help(
                &json!(false),
                "number",
                "RefundedLineItem",
                "processedAt",
                false
            ),
            "leave `processedAt` out until the refund is processed"
        );
        assert_eq!(
            help(&json!([]), "string", "Discount", "descriptor", false),
            "leave `descriptor` out"
        );
        assert_eq!(
            help(&json!(true), "string", "Discount", "voucherCode", false),
            "send a string, or leave `voucherCode` out"
        );
        // A decimal comma: the number as JSON writes it.
        assert_eq!(
            help(&json!("0,57"), "number", "Tax", "taxAmount", false),
            "send the number without quotes and with a decimal point: `0.57`"
        );
        assert_eq!(super::decimal_comma("1.234,56").as_deref(), Some("1234.56"));
        assert_eq!(super::decimal_comma("-12,5").as_deref(), Some("-12.5"));
        for not_a_number in ["1,2,3", "12.34,5.6", "1.23,4", "a,5", ",5", "5,"] {
            assert_eq!(super::decimal_comma(not_a_number), None, "{not_a_number}");
        }
        // A number in quotes: the quotes are the mistake.
        assert_eq!(
            help(&json!("1761000000"), "number", "Order", "closedAt", false),
            "send the number without quotes: `1761000000`"
        );
    }

    #[test]
    fn the_table_names_real_fields() {
        let mut found = 0;
        for version in crate::ApiVersion::ALL {
            for kind in crate::PayloadKind::ALL {
                let document: Value =
                    serde_json::from_str(super::super::embedded_text(version, kind)).unwrap();
                let defs = document["$defs"].as_object().unwrap();
                for action in ACTIONS {
                    for def in action.defs {
                        let Some(schema) = defs.get(*def) else {
                            continue;
                        };
                        found += 1;
                        assert!(
                            schema["properties"].get(action.field).is_some(),
                            "{def}.{} is not in {version}/{kind}",
                            action.field
                        );
                        let required = schema["required"]
                            .as_array()
                            .is_some_and(|r| r.iter().any(|f| f == action.field));
                        // Only an optional field is left out until something happens.
                        assert!(
                            !(required && action.until.is_some()),
                            "{def}.{}",
                            action.field
                        );
                    }
                }
            }
        }
        assert!(found > 40, "{found}");
    }
}
