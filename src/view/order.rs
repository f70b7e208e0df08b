//! `Order` and `Shipping` views (docs/klar-api.md §4, §8).

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::line_item::{discounts, taxes};
use super::{fields, str_field, sum, Discount, LineItem, Reader, RefundedLineItem, Tax};
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

    /// Σ `taxAmount`; `None` when an entry's amount is missing or of the wrong type.
    #[must_use]
    pub fn tax_total(&self) -> Option<Decimal> {
        sum(self.taxes.iter().map(|t| t.amount))
    }

    /// Σ `discountAmount`; `None` when an entry's amount is missing or of the wrong type.
    #[must_use]
    pub fn discount_total(&self) -> Option<Decimal> {
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
        const KEYS: [&str; 11] = [
            "id",
            "currencyCodeIso3Letter",
            "financialStatus",
            "lineItems",
            "refundedLineItems",
            "shipping",
            "transactionCosts",
            "createdAt",
            "updatedAt",
            "processedAt",
            "closedAt",
        ];
        let [id, currency, status, lines, refunds, shipping, transaction_costs, created, updated, processed, closed] =
            fields(raw, &KEYS);
        let currency = currency.and_then(Value::as_str);
        let base = ptr.key("lineItems");
        let lines = Reader::objects_of(lines)
            .map(|(i, line)| LineItem::read(reader, line, base.index(i), false))
            .collect();
        let base = ptr.key("refundedLineItems");
        let refunds = Reader::objects_of(refunds)
            .map(|(i, r)| RefundedLineItem::read(reader, r, base.index(i)))
            .collect();
        let shipping = shipping.and_then(Value::as_object).map(|s| {
            const KEYS: [&str; 5] = [
                "shippingTotalAmountBeforeTaxAndDiscounts",
                "shippingTotalAmountAfterTaxAndDiscounts",
                "totalLogisticsCosts",
                "taxes",
                "discounts",
            ];
            let [before, after, logistics, tax_list, discount_list] = fields(s, &KEYS);
            let at = ptr.key("shipping");
            Shipping {
                before: reader.decimal_of(before, KEYS[0], &at),
                after: reader.decimal_of(after, KEYS[1], &at),
                logistics: reader.decimal_of(logistics, KEYS[2], &at),
                taxes: taxes(reader, tax_list, &at),
                discounts: discounts(reader, discount_list, &at),
                raw: s,
                ptr: at,
            }
        });
        // `cancelledAt` is looked up apart: most orders lack it, and every key of the walk
        // above is compared against every name in `KEYS`.
        let found = [created, updated, processed, closed, raw.get("cancelledAt")];
        let mut timestamps = [None; 5];
        for ((slot, key), value) in timestamps.iter_mut().zip(ORDER_TIMESTAMPS).zip(found) {
            *slot = reader.decimal_of(value, key, &ptr);
        }
        Self {
            id: id.and_then(Value::as_str),
            currency,
            exponent: currency
                .and_then(crate::iso::currency_exponent)
                .unwrap_or(2),
            timestamps,
            financial_status: status.and_then(Value::as_str),
            transaction_costs: reader.decimal_of(transaction_costs, KEYS[6], &ptr),
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
