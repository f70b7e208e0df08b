//! `Cost` view: one item of the COGS, logistics-costs or transaction-costs endpoints (docs/klar-api.md §10).

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::{str_field, Reader};
use crate::json::Pointer;
use crate::payload::PayloadKind;

/// One cost item.
#[derive(Debug, Clone)]
pub struct Cost<'a> {
    /// Where it is: `/items/3`.
    pub ptr: Pointer,
    /// The raw object.
    pub raw: &'a Map<String, Value>,
    /// Which endpoint.
    pub kind: PayloadKind,
    /// `orderId`.
    pub order_id: Option<&'a str>,
    /// The money field's name: `productCogs`, `totalLogisticsCosts` or `transactionCosts`.
    pub amount_field: &'static str,
    /// The money field's value.
    pub amount: Option<Decimal>,
}

impl<'a> Cost<'a> {
    pub(crate) fn read(
        reader: &mut Reader<'_>,
        kind: PayloadKind,
        raw: &'a Map<String, Value>,
        ptr: Pointer,
    ) -> Self {
        let amount_field = kind.cost_field().unwrap_or("productCogs");
        Self {
            order_id: str_field(raw, "orderId"),
            amount: reader.decimal(raw, amount_field, &ptr),
            amount_field,
            kind,
            raw,
            ptr,
        }
    }

    /// The pointer of one of its fields.
    #[must_use]
    pub fn at(&self, key: &str) -> Pointer {
        self.ptr.key(key)
    }
}
