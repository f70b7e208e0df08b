//! `Order` and `Shipping` views (FACTS §4, §8).

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::line_item::{discounts, taxes};
use super::{str_field, sum, Discount, LineItem, Reader, RefundedLineItem, Tax};
use crate::json::Pointer;

/// The order's shipping object. Its amounts are totals for the order, not per unit.
#[derive(Debug, Clone)]
pub struct Shipping<'a> {
    /// Where it is: `/3/shipping`.
    pub ptr: Pointer,
    /// The raw object.
    pub raw: &'a Map<String, Value>,
    /// `shippingTotalAmountBeforeTaxAndDiscounts`.
    pub before: Option<Decimal>,
    /// `shippingTotalAmountAfterTaxAndDiscounts`.
    pub after: Option<Decimal>,
    /// `totalLogisticsCosts`.
    pub logistics: Option<Decimal>,
    /// `taxes[]` (totals).
    pub taxes: Vec<Tax>,
    /// `discounts[]` (totals).
    pub discounts: Vec<Discount<'a>>,
}

impl Shipping<'_> {
    /// The pointer of one of its fields.
    #[must_use]
    pub fn at(&self, key: &str) -> Pointer {
        self.ptr.key(key)
    }

    /// Σ `taxAmount`.
    #[must_use]
    pub fn tax_total(&self) -> Decimal {
        sum(self.taxes.iter().map(|t| t.amount))
    }

    /// Σ `discountAmount`.
    #[must_use]
    pub fn discount_total(&self) -> Decimal {
        sum(self.discounts.iter().map(|d| d.amount))
    }
}

/// The timestamp fields of an order, in the order they are checked.
pub const ORDER_TIMESTAMPS: [&str; 5] = [
    "createdAt",
    "updatedAt",
    "processedAt",
    "closedAt",
    "cancelledAt",
];

/// One order, as rules see it.
#[derive(Debug, Clone)]
pub struct Order<'a> {
    /// Where it is: `/3`.
    pub ptr: Pointer,
    /// The raw object.
    pub raw: &'a Map<String, Value>,
    /// `id`.
    pub id: Option<&'a str>,
    /// `currencyCodeIso3Letter`.
    pub currency: Option<&'a str>,
    /// The currency's ISO 4217 minor-unit exponent (2 when unknown).
    pub exponent: u32,
    /// The timestamps in [`ORDER_TIMESTAMPS`] order, each `None` when absent.
    pub timestamps: [Option<Decimal>; 5],
    /// `financialStatus`.
    pub financial_status: Option<&'a str>,
    /// `lineItems[]`.
    pub lines: Vec<LineItem<'a>>,
    /// `refundedLineItems[]`.
    pub refunds: Vec<RefundedLineItem<'a>>,
    /// `shipping`.
    pub shipping: Option<Shipping<'a>>,
    /// `transactionCosts`.
    pub transaction_costs: Option<Decimal>,
}

impl<'a> Order<'a> {
    pub(crate) fn read(reader: &mut Reader<'_>, raw: &'a Map<String, Value>, ptr: Pointer) -> Self {
        let currency = str_field(raw, "currencyCodeIso3Letter");
        let lines = Reader::objects(raw, "lineItems")
            .map(|(i, line)| LineItem::read(reader, line, ptr.key("lineItems").index(i), false))
            .collect();
        let refunds = Reader::objects(raw, "refundedLineItems")
            .map(|(i, r)| RefundedLineItem::read(reader, r, ptr.key("refundedLineItems").index(i)))
            .collect();
        let shipping = raw.get("shipping").and_then(Value::as_object).map(|s| {
            let at = ptr.key("shipping");
            Shipping {
                before: reader.decimal(s, "shippingTotalAmountBeforeTaxAndDiscounts", &at),
                after: reader.decimal(s, "shippingTotalAmountAfterTaxAndDiscounts", &at),
                logistics: reader.decimal(s, "totalLogisticsCosts", &at),
                taxes: taxes(reader, s, &at),
                discounts: discounts(reader, s, &at),
                raw: s,
                ptr: at,
            }
        });
        let timestamps = ORDER_TIMESTAMPS.map(|key| reader.decimal(raw, key, &ptr));
        Self {
            id: str_field(raw, "id"),
            currency,
            exponent: currency
                .and_then(crate::iso::currency_exponent)
                .unwrap_or(2),
            timestamps,
            financial_status: str_field(raw, "financialStatus"),
            transaction_costs: reader.decimal(raw, "transactionCosts", &ptr),
            lines,
            refunds,
            shipping,
            raw,
            ptr,
        }
    }

    /// The pointer of one of its fields.
    #[must_use]
    pub fn at(&self, key: &str) -> Pointer {
        self.ptr.key(key)
    }

    /// A timestamp by field name.
    #[must_use]
    pub fn timestamp(&self, key: &str) -> Option<Decimal> {
        ORDER_TIMESTAMPS
            .iter()
            .position(|k| *k == key)
            .and_then(|i| self.timestamps.get(i).copied().flatten())
    }

    /// The lines that carry money: ordinary lines and bundle constituents, not bundle parents
    /// (Klar computes a bundle bottom-up from its constituents).
    pub fn money_lines(&self) -> impl Iterator<Item = &LineItem<'a>> {
        self.lines.iter().flat_map(|line| {
            let own = (!line.is_bundle()).then_some(line);
            own.into_iter().chain(line.constituents.iter())
        })
    }

    /// Every line, parents and constituents.
    pub fn all_lines(&self) -> impl Iterator<Item = &LineItem<'a>> {
        self.lines
            .iter()
            .flat_map(|line| std::iter::once(line).chain(line.constituents.iter()))
    }

    /// A string field.
    #[must_use]
    pub fn str(&self, key: &str) -> Option<&'a str> {
        str_field(self.raw, key)
    }
}
