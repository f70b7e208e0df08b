//! `Refund` and `RefundedLineItem` views (docs/klar-api.md §9).

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::{str_field, Reader};
use crate::json::Pointer;

/// A refunded line: in `order.refundedLineItems[]` and in `Refund.lineItems[]`.
#[derive(Debug, Clone)]
pub struct RefundedLineItem<'a> {
    /// Where it is.
    pub ptr: Pointer,
    /// The raw object.
    pub raw: &'a Map<String, Value>,
    /// `lineItemId`: must name a line of the order.
    pub line_item_id: Option<&'a str>,
    /// `refundedQuantity`.
    pub quantity: Option<Decimal>,
    /// `createdAt`.
    pub created_at: Option<Decimal>,
    /// `processedAt`.
    pub processed_at: Option<Decimal>,
}

impl<'a> RefundedLineItem<'a> {
    pub(crate) fn read(reader: &mut Reader<'_>, raw: &'a Map<String, Value>, ptr: Pointer) -> Self {
        Self {
            line_item_id: str_field(raw, "lineItemId"),
            quantity: reader.decimal(raw, "refundedQuantity", &ptr),
            created_at: reader.decimal(raw, "createdAt", &ptr),
            processed_at: reader.decimal(raw, "processedAt", &ptr),
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

/// One refund object of the refunds endpoint.
#[derive(Debug, Clone)]
pub struct Refund<'a> {
    /// Where it is: `/3`.
    pub ptr: Pointer,
    /// The raw object.
    pub raw: &'a Map<String, Value>,
    /// `id`.
    pub id: Option<&'a str>,
    /// `createdAt`.
    pub created_at: Option<Decimal>,
    /// `updatedAt`.
    pub updated_at: Option<Decimal>,
    /// `lineItems[]`.
    pub lines: Vec<RefundedLineItem<'a>>,
}

impl<'a> Refund<'a> {
    pub(crate) fn read(reader: &mut Reader<'_>, raw: &'a Map<String, Value>, ptr: Pointer) -> Self {
        Self {
            id: str_field(raw, "id"),
            created_at: reader.decimal(raw, "createdAt", &ptr),
            updated_at: reader.decimal(raw, "updatedAt", &ptr),
            lines: Reader::objects(raw, "lineItems")
                .map(|(i, r)| RefundedLineItem::read(reader, r, ptr.key("lineItems").index(i)))
                .collect(),
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
