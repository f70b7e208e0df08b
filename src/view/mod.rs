//! Typed views of the objects rules check: built once per top-level object from the parsed
//! `Value`, with every amount an exact `Decimal` and every part knowing its `Pointer`.

mod cost;
mod line_item;
mod order;
mod refund;

pub use cost::Cost;
pub use line_item::{Discount, LineItem, Tax};
pub use order::{Order, Shipping, ORDER_TIMESTAMPS};
pub use refund::{Refund, RefundedLineItem};

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::codes;
use crate::diagnostic::{Diagnostic, Sink};
use crate::json::Pointer;

/// Reads fields of one object, collecting numbers that do not fit a `Decimal` as
/// `number-range` findings. Values of the wrong type read as absent: the schema reports those.
pub(crate) struct Reader<'d> {
    pub(crate) issues: Sink<'d>,
    /// Whether `bundledProducts` are read as constituents (07.2025); in 12.2022 they are not
    /// part of the API, Klar ignores them, and the parent line carries the money.
    pub(crate) bundles: bool,
    /// Whether a number did not fit a `Decimal` (a `number-range` finding): the object's
    /// amounts are incomplete, so revenue leaves it out.
    pub(crate) out_of_range: bool,
}

impl Reader<'_> {
    pub(crate) fn decimal(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        at: &Pointer,
    ) -> Option<Decimal> {
        self.decimal_of(map.get(key), key, at)
    }

    /// [`Reader::decimal`] for a value already found (see [`fields`]).
    pub(crate) fn decimal_of(
        &mut self,
        value: Option<&Value>,
        key: &str,
        at: &Pointer,
    ) -> Option<Decimal> {
        let Value::Number(n) = value? else {
            return None;
        };
        match crate::money::decimal(n) {
            Ok(d) => Some(d),
            Err(e) => {
                self.out_of_range = true;
                self.issues.push(
                    Diagnostic::new(
                        &codes::NUMBER_RANGE,
                        at.key(key),
                        match e {
                            crate::money::MoneyError::OutOfRange { literal } => format!(
                            "`{key}` {literal} is too large or too precise for an exact decimal (28 significant digits at most)"
                        ),
                            crate::money::MoneyError::NotANumber { literal } => {
                                format!("`{key}` {literal} is not a decimal number")
                            }
                        },
                    )
                    .with_help("send an ordinary decimal number such as `19.99`"),
                );
                None
            }
        }
    }

    pub(crate) fn objects<'a>(
        map: &'a Map<String, Value>,
        key: &str,
    ) -> impl Iterator<Item = (usize, &'a Map<String, Value>)> {
        Self::objects_of(map.get(key))
    }

    /// [`Reader::objects`] for a value already found (see [`fields`]).
    pub(crate) fn objects_of(
        value: Option<&Value>,
    ) -> impl Iterator<Item = (usize, &Map<String, Value>)> {
        value
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, v)| v.as_object().map(|o| (i, o)))
    }
}

/// The values of `keys` in `map`, found in one walk over the map: cheaper than a search per
/// key when most of an object's fields are read, as views do for every object of every file.
pub(crate) fn fields<'a, const N: usize>(
    map: &'a Map<String, Value>,
    keys: &[&str; N],
) -> [Option<&'a Value>; N] {
    let mut out = [None; N];
    for (key, value) in map {
        if let Some(slot) = keys
            .iter()
            .position(|k| *k == key)
            .and_then(|i| out.get_mut(i))
        {
            *slot = Some(value);
        }
    }
    out
}

pub(crate) fn str_field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// Sums the values; `None` when one is missing (absent, `null` or of the wrong type: the schema
/// reports those), so that no total is ever worked out from some of its parts, or when the sum
/// is beyond what a `Decimal` holds (never saturated: a sum near `Decimal::MAX` would be wrong).
pub(crate) fn sum<I: IntoIterator<Item = Option<Decimal>>>(values: I) -> Option<Decimal> {
    values
        .into_iter()
        .try_fold(Decimal::ZERO, |total, v| total.checked_add(v?))
}

/// An empty object: the stand-in for an entry of a list that is not an object.
static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// The entries of a list of objects (`taxes`, `discounts`), with their index. An absent or
/// `null` list has none. An entry that is not an object, or a list that is not an array (the
/// schema reports both), is an empty object in its place, so that sums over the list are
/// unknown rather than short.
pub(crate) fn entries_of(value: Option<&Value>) -> Vec<(Option<usize>, &Map<String, Value>)> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Some(i), v.as_object().unwrap_or(&EMPTY)))
            .collect(),
        Some(_) => vec![(None, &EMPTY)],
    }
}
