//! `LineItem`, `Tax` and `Discount` views (docs/klar-api.md §5, §5a, §5b), bundle constituents included.

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::{entries_of, fields, sum, Reader};
use crate::json::Pointer;

/// One tax entry: `taxRate` is a fraction, `taxAmount` per unit on lines, a total on shipping.
#[derive(Debug, Clone)]
pub struct Tax {
    /// Where the tax object is.
    pub ptr: Pointer,
    /// `taxRate`.
    pub rate: Option<Decimal>,
    /// `taxAmount`.
    pub amount: Option<Decimal>,
}

/// One discount entry: `discountAmount` per unit on lines, a total on shipping.
#[derive(Debug, Clone)]
pub struct Discount<'a> {
    /// Where the discount object is.
    pub ptr: Pointer,
    /// `discountAmount`.
    pub amount: Option<Decimal>,
    /// The raw object.
    pub raw: &'a Map<String, Value>,
}

pub(crate) fn taxes(reader: &mut Reader<'_>, list: Option<&Value>, at: &Pointer) -> Vec<Tax> {
    let base = at.key("taxes");
    entries_of(list)
        .into_iter()
        .map(|(i, tax)| {
            let ptr = i.map_or_else(|| base.clone(), |i| base.index(i));
            Tax {
                rate: reader.decimal(tax, "taxRate", &ptr),
                amount: reader.decimal(tax, "taxAmount", &ptr),
                ptr,
            }
        })
        .collect()
}

pub(crate) fn discounts<'a>(
    reader: &mut Reader<'_>,
    list: Option<&'a Value>,
    at: &Pointer,
) -> Vec<Discount<'a>> {
    let base = at.key("discounts");
    entries_of(list)
        .into_iter()
        .map(|(i, discount)| {
            let ptr = i.map_or_else(|| base.clone(), |i| base.index(i));
            Discount {
                amount: reader.decimal(discount, "discountAmount", &ptr),
                raw: discount,
                ptr,
            }
        })
        .collect()
}

/// A line of an order, or a constituent of a bundle line (07.2025).
#[derive(Debug, Clone)]
pub struct LineItem<'a> {
    /// Where the line is: `/3/lineItems/0` or `/3/lineItems/0/bundledProducts/1`.
    pub ptr: Pointer,
    /// The raw object.
    pub raw: &'a Map<String, Value>,
    /// `id`.
    pub id: Option<&'a str>,
    /// `quantity`: units of this line in the whole order.
    pub quantity: Option<Decimal>,
    /// `productGmv`: per unit, tax-inclusive.
    pub gmv: Option<Decimal>,
    /// `productCogs`: per unit.
    pub cogs: Option<Decimal>,
    /// `productShippingWeightInGrams`.
    pub weight: Option<Decimal>,
    /// `totalLogisticsCosts`.
    pub logistics: Option<Decimal>,
    /// `totalAmountBeforeTaxesAndDiscounts`: the line's gross total.
    pub before: Option<Decimal>,
    /// `totalAmountAfterTaxesAndDiscounts`: the line's net total.
    pub after: Option<Decimal>,
    /// `taxes[]`, per unit.
    pub taxes: Vec<Tax>,
    /// `discounts[]`, per unit.
    pub discounts: Vec<Discount<'a>>,
    /// `bundledProducts[]`: the constituents when this line is a bundle parent.
    pub constituents: Vec<LineItem<'a>>,
    /// Whether this line is itself a constituent of a bundle.
    pub is_constituent: bool,
}

impl<'a> LineItem<'a> {
    pub(crate) fn read(
        reader: &mut Reader<'_>,
        raw: &'a Map<String, Value>,
        ptr: Pointer,
        is_constituent: bool,
    ) -> Self {
        const KEYS: [&str; 11] = [
            "bundledProducts",
            "id",
            "quantity",
            "productGmv",
            "productCogs",
            "productShippingWeightInGrams",
            "totalLogisticsCosts",
            "totalAmountBeforeTaxesAndDiscounts",
            "totalAmountAfterTaxesAndDiscounts",
            "taxes",
            "discounts",
        ];
        let [bundled, id, quantity, gmv, cogs, weight, logistics, before, after, tax_list, discount_list] =
            fields(raw, &KEYS);
        let constituents = if is_constituent || !reader.bundles {
            Vec::new()
        } else {
            let base = ptr.key("bundledProducts");
            Reader::objects_of(bundled)
                .map(|(i, c)| LineItem::read(reader, c, base.index(i), true))
                .collect()
        };
        Self {
            id: id.and_then(Value::as_str),
            quantity: reader.decimal_of(quantity, KEYS[2], &ptr),
            gmv: reader.decimal_of(gmv, KEYS[3], &ptr),
            cogs: reader.decimal_of(cogs, KEYS[4], &ptr),
            weight: reader.decimal_of(weight, KEYS[5], &ptr),
            logistics: reader.decimal_of(logistics, KEYS[6], &ptr),
            before: reader.decimal_of(before, KEYS[7], &ptr),
            after: reader.decimal_of(after, KEYS[8], &ptr),
            taxes: taxes(reader, tax_list, &ptr),
            discounts: discounts(reader, discount_list, &ptr),
            constituents,
            is_constituent,
            raw,
            ptr,
        }
    }

    /// The pointer of one of this line's fields.
    #[must_use]
    pub fn at(&self, key: &str) -> Pointer {
        self.ptr.key(key)
    }

    /// Whether the line is a bundle parent (has constituents).
    #[must_use]
    pub fn is_bundle(&self) -> bool {
        !self.constituents.is_empty()
    }

    /// Σ per-unit `taxAmount`; `None` when an entry's amount is missing or of the wrong type.
    #[must_use]
    pub fn tax_per_unit(&self) -> Option<Decimal> {
        sum(self.taxes.iter().map(|t| t.amount))
    }

    /// Σ per-unit `discountAmount`; `None` when an entry's amount is missing or of the wrong
    /// type.
    #[must_use]
    pub fn discount_per_unit(&self) -> Option<Decimal> {
        sum(self.discounts.iter().map(|d| d.amount))
    }

    /// Number of tax and discount entries (the tolerance grows with it).
    #[must_use]
    pub fn entries(&self) -> usize {
        self.taxes.len() + self.discounts.len()
    }
}
