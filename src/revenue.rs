//! Revenue recomputed the way Klar does (docs/klar-api.md §11): per line gross = quantity × `productGmv`,
//! taxes and discounts = quantity × their per-unit sums, net = gross − taxes − discounts; bundles
//! bottom-up from their constituents; per order plus shipping; per file and run, by currency and
//! by mapped status, with returned units and their value.

use litemap::LiteMap;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::status::StatusMapping;
use crate::view::{Cost, LineItem, Order};

/// One line's money, recomputed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LineMoney {
    /// quantity × `productGmv`.
    pub gross: Decimal,
    /// quantity × Σ per-unit `taxAmount`.
    pub taxes: Decimal,
    /// quantity × Σ per-unit `discountAmount`.
    pub discounts: Decimal,
    /// gross − taxes − discounts.
    pub net: Decimal,
}

impl LineMoney {
    fn add(&mut self, other: LineMoney) {
        self.gross = self.gross.saturating_add(other.gross);
        self.taxes = self.taxes.saturating_add(other.taxes);
        self.discounts = self.discounts.saturating_add(other.discounts);
        self.net = self.net.saturating_add(other.net);
    }
}

/// A line's money as Klar computes it: a bundle parent's own money is ignored and its
/// constituents are summed (their quantities are units in the whole order).
#[must_use]
pub fn line(line: &LineItem<'_>) -> LineMoney {
    if line.is_bundle() {
        let mut total = LineMoney::default();
        for c in &line.constituents {
            total.add(plain_line(c));
        }
        return total;
    }
    plain_line(line)
}

fn plain_line(line: &LineItem<'_>) -> LineMoney {
    // Saturating: absurd literals must not panic; the money rules report them.
    let q = line.quantity.unwrap_or_default();
    let gross = q.saturating_mul(line.gmv.unwrap_or_default());
    // Only objects that passed their schema are counted, so every amount is there.
    let taxes = q.saturating_mul(line.tax_per_unit().unwrap_or_default());
    let discounts = q.saturating_mul(line.discount_per_unit().unwrap_or_default());
    LineMoney {
        gross,
        taxes,
        discounts,
        net: gross.saturating_sub(taxes).saturating_sub(discounts),
    }
}

/// An order's money: its lines, plus shipping before and after taxes and discounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OrderMoney {
    /// The lines.
    pub lines: LineMoney,
    /// `shippingTotalAmountBeforeTaxAndDiscounts`.
    pub shipping_before: Decimal,
    /// Shipping before − shipping taxes − shipping discounts.
    pub shipping_after: Decimal,
}

/// Recomputes an order.
#[must_use]
pub fn order(order: &Order<'_>) -> OrderMoney {
    let mut lines = LineMoney::default();
    for l in &order.lines {
        lines.add(line(l));
    }
    let (shipping_before, shipping_after) =
        order
            .shipping
            .as_ref()
            .map_or((Decimal::ZERO, Decimal::ZERO), |s| {
                let before = s.before.unwrap_or_default();
                (
                    before,
                    before
                        .saturating_sub(s.tax_total().unwrap_or_default())
                        .saturating_sub(s.discount_total().unwrap_or_default()),
                )
            });
    OrderMoney {
        lines,
        shipping_before,
        shipping_after,
    }
}

/// Orders and net revenue in one status bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusTotals {
    /// Orders in the bucket.
    pub orders: u64,
    /// Their net line revenue.
    pub net: Decimal,
}

/// Totals in one currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyTotals {
    /// Orders counted.
    pub orders: u64,
    /// Σ quantity × `productGmv`.
    pub gross: Decimal,
    /// Σ line taxes.
    pub taxes: Decimal,
    /// Σ line discounts.
    pub discounts: Decimal,
    /// Σ line net (gross − taxes − discounts).
    pub net: Decimal,
    /// Σ shipping before taxes and discounts.
    pub shipping_before: Decimal,
    /// Σ shipping after taxes and discounts.
    pub shipping_after: Decimal,
    /// Units refunded (`refundedLineItems[].refundedQuantity`).
    pub returned_units: Decimal,
    /// Their value: refunded units × the line's per-unit price after discounts (Klar's
    /// "return value" is the gross revenue of returned items).
    pub returned_value: Decimal,
    /// By mapped payment status (`unmapped` when neither Klar nor the config maps it), sorted
    /// by name.
    #[serde(serialize_with = "as_map")]
    pub by_status: LiteMap<&'static str, StatusTotals>,
    /// Σ costs sent to the COGS, logistics-costs and transaction-costs endpoints (no currency
    /// on those items: counted under `?`).
    #[serde(skip_serializing_if = "Decimal::is_zero")]
    pub costs: Decimal,
}

/// Recomputed revenue of a file or a run, by currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Revenue {
    /// Totals per ISO currency code, sorted by code. A sorted vector: a file has one or two.
    #[serde(serialize_with = "as_map")]
    pub currencies: LiteMap<String, CurrencyTotals>,
    /// Orders and cost items left out of the totals because they failed their schema: their
    /// amounts cannot be trusted, and a total built from some of them would be silently short.
    /// Serialized as `"leftOut": {"objects": N, "reason": "…"}` when there are any.
    #[serde(
        rename = "leftOut",
        skip_serializing_if = "is_zero",
        serialize_with = "left_out"
    )]
    pub left_out: u64,
    /// Orders and cost items left out because their request holds more objects than Klar
    /// takes in one request (`batch-size`): Klar rejects the whole batch, so none of it would
    /// count. Serialized as `"rejected": {"objects": N, "reason": "…"}` when there are any.
    #[serde(skip_serializing_if = "is_zero", serialize_with = "rejected")]
    pub rejected: u64,
}

/// Why objects of a batch too big are left out of the totals, as the reports say it.
pub const REJECTED_REASON: &str =
    "in a request Klar would reject whole: more objects than `max-batch-size` (`batch-size`)";

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's serialize_with passes a reference
fn rejected<S: serde::Serializer>(n: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut s = serializer.serialize_struct("Rejected", 2)?;
    s.serialize_field("objects", n)?;
    s.serialize_field("reason", REJECTED_REASON)?;
    s.end()
}

/// Why objects are left out of the totals, as the reports say it.
pub const LEFT_OUT_REASON: &str = "failed their schema, so their amounts cannot be trusted";

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's serialize_with passes a reference
fn left_out<S: serde::Serializer>(n: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut s = serializer.serialize_struct("LeftOut", 2)?;
    s.serialize_field("objects", n)?;
    s.serialize_field("reason", LEFT_OUT_REASON)?;
    s.end()
}

/// What one order or cost item adds to a [`Revenue`]. Worked out on its own (the linter does
/// that in parallel) and added in file order, so that sums, which saturate, come out exactly
/// as they would adding the objects one after another.
#[derive(Clone, Debug)]
pub(crate) enum Contribution {
    /// An order.
    Order {
        /// Its currency (`?` when it has none), owned so the parsed tree can be freed first.
        currency: Box<str>,
        /// Its money.
        money: OrderMoney,
        /// Per refunded line, in order: units, and their value.
        refunds: Vec<(Decimal, Decimal)>,
        /// Its mapped payment status.
        bucket: &'static str,
    },
    /// A cost item's amount.
    Cost(Decimal),
    /// An order or cost item left out: it failed its schema (see [`Revenue::left_out`]).
    LeftOut,
}

impl Contribution {
    /// An order's contribution.
    pub(crate) fn order(o: &Order<'_>, mapping: &StatusMapping) -> Self {
        let refunds = o
            .refunds
            .iter()
            .map(|refund| {
                let units = refund.quantity.unwrap_or_default();
                let unit_price = o
                    .all_lines()
                    .find(|l| l.id.is_some() && l.id == refund.line_item_id)
                    .map(|l| {
                        let m = line(l);
                        let q = l.quantity.unwrap_or_default();
                        if q.is_zero() {
                            Decimal::ZERO
                        } else {
                            m.gross
                                .saturating_sub(m.discounts)
                                .checked_div(q)
                                .unwrap_or_default()
                        }
                    })
                    .unwrap_or_default();
                (units, units.saturating_mul(unit_price))
            })
            .collect();
        Contribution::Order {
            currency: o.currency.unwrap_or("?").into(),
            money: order(o),
            refunds,
            bucket: o
                .financial_status
                .and_then(|s| mapping.bucket(s))
                .map_or("unmapped", |b| b.as_str()),
        }
    }

    /// A cost item's contribution.
    pub(crate) fn cost(cost: &Cost<'_>) -> Self {
        Contribution::Cost(cost.amount.unwrap_or_default())
    }
}

impl Revenue {
    /// Adds an order.
    pub fn add_order(&mut self, o: &Order<'_>, mapping: &StatusMapping) {
        self.add(Contribution::order(o, mapping));
    }

    /// Adds a cost item.
    pub fn add_cost(&mut self, cost: &Cost<'_>) {
        self.add(Contribution::cost(cost));
    }

    /// Adds what one object contributes.
    pub(crate) fn add(&mut self, contribution: Contribution) {
        match contribution {
            Contribution::Order {
                currency,
                money,
                refunds,
                bucket,
            } => {
                let Some(totals) = entry(&mut self.currencies, &*currency, || currency.to_string())
                else {
                    return;
                };
                totals.orders += 1;
                totals.gross = totals.gross.saturating_add(money.lines.gross);
                totals.taxes = totals.taxes.saturating_add(money.lines.taxes);
                totals.discounts = totals.discounts.saturating_add(money.lines.discounts);
                totals.net = totals.net.saturating_add(money.lines.net);
                totals.shipping_before =
                    totals.shipping_before.saturating_add(money.shipping_before);
                totals.shipping_after = totals.shipping_after.saturating_add(money.shipping_after);
                for (units, value) in refunds {
                    totals.returned_units = totals.returned_units.saturating_add(units);
                    totals.returned_value = totals.returned_value.saturating_add(value);
                }
                if let Some(status) = entry(&mut totals.by_status, bucket, || bucket) {
                    status.orders += 1;
                    status.net = status.net.saturating_add(money.lines.net);
                }
            }
            Contribution::Cost(amount) => {
                if let Some(totals) = entry(&mut self.currencies, "?", || "?".to_owned()) {
                    totals.costs = totals.costs.saturating_add(amount);
                }
            }
            Contribution::LeftOut => self.left_out += 1,
        }
    }

    /// Adds another report's totals.
    pub fn merge(&mut self, other: &Revenue) {
        self.left_out += other.left_out;
        self.rejected += other.rejected;
        for (currency, t) in &other.currencies {
            let Some(mine) = entry(&mut self.currencies, currency.as_str(), || currency.clone())
            else {
                continue;
            };
            mine.orders += t.orders;
            mine.gross = mine.gross.saturating_add(t.gross);
            mine.taxes = mine.taxes.saturating_add(t.taxes);
            mine.discounts = mine.discounts.saturating_add(t.discounts);
            mine.net = mine.net.saturating_add(t.net);
            mine.shipping_before = mine.shipping_before.saturating_add(t.shipping_before);
            mine.shipping_after = mine.shipping_after.saturating_add(t.shipping_after);
            mine.returned_units = mine.returned_units.saturating_add(t.returned_units);
            mine.returned_value = mine.returned_value.saturating_add(t.returned_value);
            mine.costs = mine.costs.saturating_add(t.costs);
            for (bucket, s) in &t.by_status {
                if let Some(b) = entry(&mut mine.by_status, *bucket, || *bucket) {
                    b.orders += s.orders;
                    b.net = b.net.saturating_add(s.net);
                }
            }
        }
    }

    /// Whether nothing was counted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.currencies.is_empty() && self.left_out == 0 && self.rejected == 0
    }

    /// Leaves a whole batch out: Klar would reject the request (`batch-size`), so none of
    /// its `objects` count.
    pub fn reject_batch(&mut self, objects: usize) {
        *self = Revenue {
            rejected: objects as u64,
            ..Revenue::default()
        };
    }
}

/// A JSON object, also when empty (litemap's own `Serialize` writes an empty map as `[]`).
fn as_map<K: Serialize + Ord, V: Serialize, S: serde::Serializer>(
    map: &LiteMap<K, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(map.iter())
}

/// `map.entry(key).or_default()`, making the owned key (`make`) only when it is not there:
/// every order adds to an entry that almost always exists already. (Always `Some`.)
fn entry<'m, Q, K, V>(
    map: &'m mut LiteMap<K, V>,
    key: &Q,
    make: impl FnOnce() -> K,
) -> Option<&'m mut V>
where
    Q: Ord + ?Sized,
    K: Ord + std::borrow::Borrow<Q>,
    V: Default,
{
    if !map.contains_key(key) {
        map.insert(make(), V::default());
    }
    map.get_mut(key)
}
