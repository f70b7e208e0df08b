//! Structure-aware: valid example orders, mutated field by field (delete a field, change a
//! number, swap a type, duplicate a key, add an unknown field, empty an array...), printed
//! pretty or minified, linted as a batch: a report, never a panic, and every finding located.

#![no_main]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use klar_lint::diagnostic::Anchor;
use klar_lint::{Config, Linter, PayloadKind};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value};

#[path = "common.rs"]
mod common;

const EXAMPLES: [&str; 3] = [
    include_str!("../../examples/payloads/07.2025/orders/orders.json"),
    include_str!("../../examples/payloads/12.2022/orders/orders.json"),
    include_str!("../../examples/payloads/12.2022/orders/orders-returns-and-pending.json"),
];

struct Setup {
    orders: Vec<Value>,
    linter: Linter,
}

static SETUP: OnceLock<Setup> = OnceLock::new();

fn setup() -> Setup {
    let orders = EXAMPLES
        .iter()
        .flat_map(|text| match serde_json::from_str::<Value>(text).unwrap() {
            Value::Array(items) => items,
            other => vec![other],
        })
        .collect();
    let linter = Linter::new(Config::default().with_kind(PayloadKind::Orders)).unwrap();
    Setup { orders, linter }
}

#[derive(Arbitrary, Debug)]
enum Mutation {
    Delete,
    Integer(i64),
    /// A decimal: mantissa, scale (digits after the point), and an optional exponent.
    Decimal(i64, u8, Option<i16>),
    Text(String),
    Null,
    Bool(bool),
    EmptyArray,
    EmptyObject,
    /// Wrap the value in an array.
    Wrap,
    /// Add a member with this key (an unknown or misspelt field).
    Insert(String),
    /// Copy an array element or object member next to itself.
    Clone,
    /// Print this object's first member twice (a duplicate key serde_json collapses).
    DuplicateKey,
    Negate,
    Zero,
}

#[derive(Debug)]
struct Step {
    path: Vec<String>,
    mutation: Mutation,
}

/// A path into `value`: at each level, go on into a child or stop here.
fn pick_path(value: &Value, u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<String>> {
    let mut path = Vec::new();
    let mut here = value;
    loop {
        let children: Vec<(String, &Value)> = match here {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            _ => Vec::new(),
        };
        if children.is_empty() || !u.arbitrary::<bool>()? {
            return Ok(path);
        }
        let (token, child) = &children[u.choose_index(children.len())?];
        path.push(token.clone());
        here = child;
    }
}

fn get_mut<'v>(value: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, token| match v {
        Value::Array(items) => items.get_mut(token.parse::<usize>().ok()?),
        Value::Object(map) => map.get_mut(token),
        _ => None,
    })
}

fn decimal(mantissa: i64, scale: u8, exponent: Option<i16>) -> Value {
    let digits = mantissa.unsigned_abs().to_string();
    let scale = usize::from(scale % 40);
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    let sign = if mantissa < 0 { "-" } else { "" };
    let mut text = if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    };
    if let Some(e) = exponent {
        text.push_str(&format!("e{e}"));
    }
    serde_json::from_str::<Number>(&text).map_or(Value::Null, Value::Number)
}

/// Applies one step; returns the path of an object whose first key should be printed twice.
fn apply(order: &mut Value, step: Step) -> Option<Vec<String>> {
    let Step { path, mutation } = step;
    if let Mutation::Delete | Mutation::Clone = mutation {
        let (last, parent_path) = path.split_last()?;
        let parent = get_mut(order, parent_path)?;
        match (parent, mutation) {
            (Value::Object(map), Mutation::Delete) => {
                map.remove(last);
            }
            (Value::Array(items), Mutation::Delete) => {
                let i = last.parse::<usize>().ok()?;
                if i < items.len() {
                    items.remove(i);
                }
            }
            (Value::Array(items), _) => {
                let i = last.parse::<usize>().ok()?;
                let copy = items.get(i)?.clone();
                items.insert(i, copy);
            }
            _ => {}
        }
        return None;
    }
    let target = get_mut(order, &path)?;
    match mutation {
        Mutation::Integer(n) => *target = Value::from(n),
        Mutation::Decimal(m, s, e) => *target = decimal(m, s, e),
        Mutation::Text(s) => *target = Value::String(s),
        Mutation::Null => *target = Value::Null,
        Mutation::Bool(b) => *target = Value::Bool(b),
        Mutation::EmptyArray => *target = Value::Array(Vec::new()),
        Mutation::EmptyObject => *target = Value::Object(Map::new()),
        Mutation::Wrap => *target = Value::Array(vec![target.take()]),
        Mutation::Insert(key) => {
            if let Value::Object(map) = target {
                map.insert(key, Value::from(1));
            }
        }
        Mutation::DuplicateKey => return Some(path),
        Mutation::Negate => {
            if let Value::Number(n) = target {
                let text = n.to_string();
                let negated = text
                    .strip_prefix('-')
                    .map_or_else(|| format!("-{text}"), str::to_owned);
                if let Ok(n) = serde_json::from_str::<Number>(&negated) {
                    *target = Value::Number(n);
                }
            }
        }
        Mutation::Zero => *target = Value::from(0),
        Mutation::Delete | Mutation::Clone => {}
    }
    None
}

/// Prints `value`, writing the first member of the objects at `dups` twice.
fn print(
    value: &Value,
    at: &mut Vec<String>,
    dups: &[Vec<String>],
    pretty: bool,
    out: &mut String,
) {
    let nl = if pretty { "\n" } else { "" };
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(nl);
                at.push(i.to_string());
                print(item, at, dups, pretty, out);
                at.pop();
            }
            out.push_str(nl);
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            if dups.iter().any(|d| d == at) {
                if let Some(&first) = members.first() {
                    // serde_json keeps the last; a throwaway first keeps the value intact.
                    members.insert(0, first);
                }
            }
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(nl);
                out.push_str(&serde_json::to_string(key).unwrap());
                out.push(':');
                at.push(key.clone());
                print(item, at, dups, pretty, out);
                at.pop();
            }
            out.push_str(nl);
            out.push('}');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).unwrap()),
    }
}

fuzz_target!(|data: &[u8]| {
    let setup = SETUP.get_or_init(setup);
    let mut u = Unstructured::new(data);
    let Ok(count) = u.int_in_range(1..=3usize) else {
        return;
    };
    let mut batch = Vec::new();
    for _ in 0..count {
        let Ok(i) = u.choose_index(setup.orders.len()) else {
            return;
        };
        batch.push(setup.orders[i].clone());
    }
    let mut batch = Value::Array(batch);
    let mut dups = Vec::new();
    let Ok(steps) = u.int_in_range(1..=4usize) else {
        return;
    };
    for _ in 0..steps {
        let Ok(path) = pick_path(&batch, &mut u) else {
            break;
        };
        let Ok(mutation) = Mutation::arbitrary(&mut u) else {
            break;
        };
        if let Some(dup) = apply(&mut batch, Step { path, mutation }) {
            dups.push(dup);
        }
    }
    let pretty = u.arbitrary::<bool>().unwrap_or(false);
    let mut text = String::new();
    print(&batch, &mut Vec::new(), &dups, pretty, &mut text);
    let report = setup.linter.lint_str("orders.json", &text);
    common::check(&report, text.len());
    // A finding's span covers text that parses back to the value at its pointer.
    let parsed: Value = serde_json::from_str(&text).unwrap();
    for d in &report.diagnostics {
        let (Some(span), Some(expected)) = (d.span, parsed.pointer(d.pointer.as_str())) else {
            continue;
        };
        if d.anchor != Anchor::Value {
            continue;
        }
        let back: Value = serde_json::from_str(&text[span.start..span.end]).unwrap();
        assert_eq!(&back, expected, "{d:?}");
    }
});
