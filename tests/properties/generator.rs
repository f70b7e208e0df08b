//! Generated valid orders, built by varying the shape of the clean example order
//! (examples/payloads/07.2025/orders/orders.json) with the arithmetic Klar expects:
//! per-unit tax = round2((GMV − Σ per-unit discounts) × r/(1+r)), before = Q × GMV,
//! after = Q × (GMV − Σ tax − Σ discounts); shipping after = before − tax − discounts.

#![allow(dead_code)]

use klar_lint::Pointer;
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Number, Value};

pub const RATES: [&str; 6] = ["0.00", "0.05", "0.07", "0.10", "0.19", "0.21"];
pub const CURRENCIES: [&str; 3] = ["EUR", "GBP", "USD"];

#[derive(Clone, Debug)]
pub struct LineSpec {
    /// Per-unit GMV in cents.
    pub gmv_cents: i64,
    pub quantity: i64,
    /// Per-unit discounts, each a percentage of the GMV (so they never exceed it together).
    pub discount_percents: Vec<i64>,
    /// Index into RATES; `None` for a line without taxes.
    pub rate: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct OrderSpec {
    pub lines: Vec<LineSpec>,
    pub currency: usize,
    pub created_at: i64,
    pub updated_after: i64,
    pub shipping_cents: i64,
    pub shipping_rate: usize,
}

pub fn line_spec() -> impl Strategy<Value = LineSpec> {
    (
        1i64..50_000,
        1i64..8,
        prop::collection::vec(0i64..30, 0..3),
        prop::option::of(0..RATES.len()),
    )
        .prop_map(|(gmv_cents, quantity, discount_percents, rate)| LineSpec {
            gmv_cents,
            quantity,
            discount_percents,
            rate,
        })
}

pub fn order_spec() -> impl Strategy<Value = OrderSpec> {
    (
        prop::collection::vec(line_spec(), 1..4),
        0..CURRENCIES.len(),
        1_600_000_000i64..1_800_000_000,
        0i64..2_000_000,
        0i64..1_500,
        0..RATES.len(),
    )
        .prop_map(
            |(lines, currency, created_at, updated_after, shipping_cents, shipping_rate)| {
                OrderSpec {
                    lines,
                    currency,
                    created_at,
                    updated_after,
                    shipping_cents,
                    shipping_rate,
                }
            },
        )
}

pub fn batch_spec() -> impl Strategy<Value = Vec<OrderSpec>> {
    prop::collection::vec(order_spec(), 1..4)
}

pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// A JSON number with exactly this decimal text (`10.00` stays `10.00`).
pub fn num(d: Decimal) -> Value {
    Value::Number(serde_json::from_str::<Number>(&d.to_string()).unwrap())
}

pub fn rate(i: usize) -> Decimal {
    RATES[i].parse().unwrap()
}

/// The per-unit tax contained in a gross per-unit amount.
pub fn contained_tax(net: Decimal, r: Decimal) -> Decimal {
    round2(net * r / (Decimal::ONE + r))
}

/// A line item: money worked out from `gmv`, `discounts` and `tax` as given.
pub fn line_value(
    id: &str,
    gmv: Decimal,
    quantity: i64,
    discounts: &[Decimal],
    taxes: &[(Decimal, Decimal)],
) -> Value {
    let q = Decimal::from(quantity);
    let disc: Decimal = discounts.iter().sum();
    let tax: Decimal = taxes.iter().map(|(_, t)| *t).sum();
    json!({
        "id": id,
        "productName": format!("Product {id}"),
        "productId": format!("P-{id}"),
        "sku": format!("SKU-{id}"),
        "productGmv": num(gmv),
        "quantity": quantity,
        "discounts": discounts.iter().enumerate().map(|(i, d)| json!({
            "title": format!("Discount {i}"), "isVoucher": false, "discountAmount": num(*d)
        })).collect::<Vec<_>>(),
        "taxes": taxes.iter().map(|(r, t)| json!({
            "title": format!("VAT {r}"), "taxRate": num(*r), "taxAmount": num(*t)
        })).collect::<Vec<_>>(),
        "totalAmountBeforeTaxesAndDiscounts": num(round2(q * gmv)),
        "totalAmountAfterTaxesAndDiscounts": num(round2(q * (gmv - tax - disc))),
    })
}

pub fn order_value(spec: &OrderSpec, index: usize) -> Value {
    let id = format!("9{index:08}");
    let lines: Vec<Value> = spec
        .lines
        .iter()
        .enumerate()
        .map(|(j, line)| {
            let gmv = Decimal::new(line.gmv_cents, 2);
            let discounts: Vec<Decimal> = line
                .discount_percents
                .iter()
                .map(|p| round2(gmv * Decimal::new(*p, 2)))
                .collect();
            let net = gmv - discounts.iter().sum::<Decimal>();
            let taxes: Vec<(Decimal, Decimal)> = line
                .rate
                .map(|i| (rate(i), contained_tax(net, rate(i))))
                .into_iter()
                .collect();
            line_value(
                &format!("{id}{j:02}"),
                gmv,
                line.quantity,
                &discounts,
                &taxes,
            )
        })
        .collect();
    let currency = CURRENCIES[spec.currency];
    let shipping = Decimal::new(spec.shipping_cents, 2);
    let shipping_rate = rate(spec.shipping_rate);
    let shipping_tax = contained_tax(shipping, shipping_rate);
    json!({
        "id": id,
        "orderNumber": format!("N-{index}"),
        "createdAt": spec.created_at,
        "updatedAt": spec.created_at + spec.updated_after,
        "currencyCodeIso3Letter": currency,
        "financialStatus": "paid",
        "shipmentStatus": "shipped",
        "lineItems": lines,
        "shipping": {
            "countryCodeIso2Letter": "DE",
            "currencyCodeIso3Letter": currency,
            "shippingTotalAmountBeforeTaxAndDiscounts": num(shipping),
            "discounts": [],
            "taxes": [{"title": "VAT", "taxRate": num(shipping_rate), "taxAmount": num(shipping_tax)}],
            "shippingTotalAmountAfterTaxAndDiscounts": num(shipping - shipping_tax),
        },
        "customer": {"id": format!("c-{index}")},
    })
}

pub fn batch_value(specs: &[OrderSpec]) -> Value {
    Value::Array(
        specs
            .iter()
            .enumerate()
            .map(|(i, s)| order_value(s, i))
            .collect(),
    )
}

pub fn print(value: &Value, pretty: bool) -> String {
    if pretty {
        serde_json::to_string_pretty(value).unwrap()
    } else {
        serde_json::to_string(value).unwrap()
    }
}

/// Every JSON Pointer under `value`, the root excluded, depth first (a value before its
/// children).
pub fn pointers(value: &Value) -> Vec<Pointer> {
    fn walk(value: &Value, at: &Pointer, out: &mut Vec<Pointer>) {
        let children: Vec<(Pointer, &Value)> = match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (at.index(i), item))
                .collect(),
            Value::Object(map) => map.iter().map(|(k, item)| (at.key(k), item)).collect(),
            _ => Vec::new(),
        };
        for (p, child) in children {
            out.push(p.clone());
            walk(child, &p, out);
        }
    }
    let mut out = Vec::new();
    walk(value, &Pointer::root(), &mut out);
    out
}
