//! Revenue recomputed the way Klar does (docs/klar-api.md §11): per line gross = quantity × `productGmv`,
//! taxes and discounts = quantity × their per-unit sums, net = gross − taxes − discounts; bundles
//! bottom-up from their constituents; per order plus shipping; per file and run, by currency and
//! by mapped status, with returned units and their value.

use litemap::LiteMap;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::json::Pointer;
use crate::status::StatusMapping;
use crate::view::{Cost, LineItem, Order};

/// An amount worked out for the totals (a product, a difference or a sum) that is beyond what
/// an exact decimal holds (±79,228,162,514,264,337,593,543,950,335). Never saturated: the object
/// is left out of the totals ([`Revenue::overflowed`]) and the overflow is a `number-range`
/// finding at [`Overflow::at`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overflow {
    /// Where: the line's `quantity`, the shipping total, the object.
    pub at: Pointer,
    /// What overflowed, as a message says it: "quantity × `productGmv` (1e15 × 1e17)".
    pub what: String,
}

impl Overflow {
    fn new(at: Pointer, what: impl Into<String>) -> Self {
        Self {
            at,
            what: what.into(),
        }
    }

    /// The `number-range` finding for it.
    #[must_use]
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::new(
            &codes::NUMBER_RANGE,
            self.at.clone(),
            format!(
                "{} is beyond what an exact decimal holds (79228162514264337593543950335), so the object is left out of the revenue totals",
                self.what
            ),
        )
        .with_help("check the amounts and the quantity: no real order reaches 29 digits")
    }
}

/// `a + b`, or `None` past the range of a `Decimal`.
fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_add(b)
}

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
    /// `self + other`, field by field; `None` when a sum is beyond a `Decimal`.
    fn plus(self, other: LineMoney) -> Option<LineMoney> {
        Some(LineMoney {
            gross: add(self.gross, other.gross)?,
            taxes: add(self.taxes, other.taxes)?,
            discounts: add(self.discounts, other.discounts)?,
            net: add(self.net, other.net)?,
        })
    }
}

/// A line's money as Klar computes it: a bundle parent's own money is ignored and its
/// constituents are summed (their quantities are units in the whole order).
///
/// # Errors
///
/// [`Overflow`] when a product or sum is beyond what a `Decimal` holds: never saturated, since
/// a total near `Decimal::MAX` would be silently wrong.
pub fn line(line: &LineItem<'_>) -> Result<LineMoney, Overflow> {
    if line.is_bundle() {
        let mut total = LineMoney::default();
        for c in &line.constituents {
            total = total.plus(plain_line(c)?).ok_or_else(|| {
                Overflow::new(
                    line.at("bundledProducts"),
                    "the sum of the bundle's constituents",
                )
            })?;
        }
        return Ok(total);
    }
    plain_line(line)
}

/// Σ of per-unit amounts, a missing one counted as zero (only objects that passed their schema
/// are counted, where every amount is there); `None` past the range of a `Decimal`.
fn per_unit(amounts: impl IntoIterator<Item = Option<Decimal>>) -> Option<Decimal> {
    amounts
        .into_iter()
        .try_fold(Decimal::ZERO, |total, v| add(total, v.unwrap_or_default()))
}

fn plain_line(line: &LineItem<'_>) -> Result<LineMoney, Overflow> {
    let over = |what: &str| Overflow::new(line.at("quantity"), what);
    let q = line.quantity.unwrap_or_default();
    let gmv = line.gmv.unwrap_or_default();
    let gross = q.checked_mul(gmv).ok_or_else(|| {
        Overflow::new(
            line.at("quantity"),
            format!(
                "quantity × `productGmv` ({} × {})",
                q.normalize(),
                gmv.normalize()
            ),
        )
    })?;
    let taxes = per_unit(line.taxes.iter().map(|t| t.amount))
        .and_then(|t| q.checked_mul(t))
        .ok_or_else(|| over("quantity × Σ `taxAmount`"))?;
    let discounts = per_unit(line.discounts.iter().map(|d| d.amount))
        .and_then(|d| q.checked_mul(d))
        .ok_or_else(|| over("quantity × Σ `discountAmount`"))?;
    let net = gross
        .checked_sub(taxes)
        .and_then(|n| n.checked_sub(discounts))
        .ok_or_else(|| over("the line's net (gross − taxes − discounts)"))?;
    Ok(LineMoney {
        gross,
        taxes,
        discounts,
        net,
    })
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
///
/// # Errors
///
/// [`Overflow`] when a product or sum is beyond what a `Decimal` holds.
pub fn order(order: &Order<'_>) -> Result<OrderMoney, Overflow> {
    let mut lines = LineMoney::default();
    for l in &order.lines {
        lines = lines
            .plus(line(l)?)
            .ok_or_else(|| Overflow::new(order.at("lineItems"), "the sum of the order's lines"))?;
    }
    let (shipping_before, shipping_after) = match order.shipping.as_ref() {
        None => (Decimal::ZERO, Decimal::ZERO),
        Some(s) => {
            let before = s.before.unwrap_or_default();
            let after = per_unit(s.taxes.iter().map(|t| t.amount))
                .zip(per_unit(s.discounts.iter().map(|d| d.amount)))
                .and_then(|(t, d)| before.checked_sub(t)?.checked_sub(d))
                .ok_or_else(|| {
                    Overflow::new(
                        s.at("shippingTotalAmountBeforeTaxAndDiscounts"),
                        "shipping before taxes and discounts, less its taxes and discounts",
                    )
                })?;
            (before, after)
        }
    };
    Ok(OrderMoney {
        lines,
        shipping_before,
        shipping_after,
    })
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
    /// Cost items counted in `costs` (so that a merge that would overflow can say how many
    /// objects it leaves out).
    #[serde(skip)]
    pub cost_items: u64,
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
    /// Orders and cost items left out because an amount, or a product or sum of amounts, is
    /// beyond what an exact decimal holds (each such object also has a `number-range`
    /// finding; a sum over files that would overflow leaves out the later file's objects in
    /// that currency). Serialized as `"overflowed": {"objects": N, "reason": "…"}` when there
    /// are any.
    #[serde(skip_serializing_if = "is_zero", serialize_with = "overflowed")]
    pub overflowed: u64,
}

/// Why objects are left out of the totals on overflow, as the reports say it.
pub const OVERFLOW_REASON: &str =
    "an amount, or a product or sum of amounts, beyond what an exact decimal holds (`number-range`)";

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's serialize_with passes a reference
fn overflowed<S: serde::Serializer>(n: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut s = serializer.serialize_struct("Overflowed", 2)?;
    s.serialize_field("objects", n)?;
    s.serialize_field("reason", OVERFLOW_REASON)?;
    s.end()
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
/// that in parallel) and added in file order, so that a sum that would overflow leaves out
/// the same object as adding them one after another would.
#[derive(Clone, Debug)]
pub(crate) enum Contribution {
    /// An order.
    Order {
        /// The order, for the finding when adding it would overflow the file's totals.
        at: Pointer,
        /// Its currency (`?` when it has none), owned so the parsed tree can be freed first.
        currency: Box<str>,
        /// Its money.
        money: OrderMoney,
        /// Per refunded line, in order: units, and their value.
        refunds: Vec<(Decimal, Decimal)>,
        /// Its mapped payment status.
        bucket: &'static str,
    },
    /// A cost item's amount, and where it is.
    Cost(Decimal, Pointer),
    /// An order or cost item left out: it failed its schema (see [`Revenue::left_out`]).
    LeftOut,
    /// An order or cost item left out: an amount or a product or sum of them overflowed (see
    /// [`Revenue::overflowed`]).
    Overflowed,
}

impl Contribution {
    /// An order's contribution.
    ///
    /// # Errors
    ///
    /// [`Overflow`] when one of its amounts, products or sums is beyond a `Decimal`.
    pub(crate) fn order(o: &Order<'_>, mapping: &StatusMapping) -> Result<Self, Overflow> {
        let money = order(o)?;
        let refunds = o
            .refunds
            .iter()
            .map(|refund| {
                let units = refund.quantity.unwrap_or_default();
                let unit_price = match o
                    .all_lines()
                    .find(|l| l.id.is_some() && l.id == refund.line_item_id)
                {
                    None => Decimal::ZERO,
                    Some(l) => {
                        let m = line(l)?;
                        let q = l.quantity.unwrap_or_default();
                        if q.is_zero() {
                            Decimal::ZERO
                        } else {
                            m.gross
                                .checked_sub(m.discounts)
                                .and_then(|v| v.checked_div(q))
                                .ok_or_else(|| {
                                    Overflow::new(
                                        l.at("quantity"),
                                        "the line's price after discounts",
                                    )
                                })?
                        }
                    }
                };
                let value = units.checked_mul(unit_price).ok_or_else(|| {
                    Overflow::new(
                        refund.ptr.key("refundedQuantity"),
                        "`refundedQuantity` × the line's price after discounts",
                    )
                })?;
                Ok((units, value))
            })
            .collect::<Result<_, Overflow>>()?;
        Ok(Contribution::Order {
            at: o.ptr.clone(),
            currency: o.currency.unwrap_or("?").into(),
            money,
            refunds,
            bucket: o
                .financial_status
                .and_then(|s| mapping.bucket(s))
                .map_or("unmapped", |b| b.as_str()),
        })
    }

    /// A cost item's contribution.
    pub(crate) fn cost(cost: &Cost<'_>) -> Self {
        Contribution::Cost(cost.amount.unwrap_or_default(), cost.at(cost.amount_field))
    }
}

impl Revenue {
    /// Adds an order; an order whose money overflows is left out and counted in
    /// [`Revenue::overflowed`].
    pub fn add_order(&mut self, o: &Order<'_>, mapping: &StatusMapping) {
        match Contribution::order(o, mapping) {
            Ok(c) => {
                self.add(c);
            }
            Err(_) => self.overflowed += 1,
        }
    }

    /// Adds a cost item.
    pub fn add_cost(&mut self, cost: &Cost<'_>) {
        self.add(Contribution::cost(cost));
    }

    /// Adds what one object contributes, whole or not at all: when a sum would go beyond what
    /// a `Decimal` holds, the object is left out ([`Revenue::overflowed`]) and the overflow is
    /// returned for its finding.
    pub(crate) fn add(&mut self, contribution: Contribution) -> Option<Overflow> {
        match contribution {
            Contribution::Order {
                at,
                currency,
                money,
                refunds,
                bucket,
            } => {
                let totals = entry(&mut self.currencies, &*currency, || currency.to_string())?;
                let status_net = totals
                    .by_status
                    .get(bucket)
                    .map_or(Decimal::ZERO, |s| s.net);
                let sums = (|| {
                    let mut returned_units = totals.returned_units;
                    let mut returned_value = totals.returned_value;
                    for (units, value) in &refunds {
                        returned_units = add(returned_units, *units)?;
                        returned_value = add(returned_value, *value)?;
                    }
                    Some([
                        add(totals.gross, money.lines.gross)?,
                        add(totals.taxes, money.lines.taxes)?,
                        add(totals.discounts, money.lines.discounts)?,
                        add(totals.net, money.lines.net)?,
                        add(totals.shipping_before, money.shipping_before)?,
                        add(totals.shipping_after, money.shipping_after)?,
                        returned_units,
                        returned_value,
                        add(status_net, money.lines.net)?,
                    ])
                })();
                let Some(
                    [gross, taxes, discounts, net, shipping_before, shipping_after, returned_units, returned_value, status_net],
                ) = sums
                else {
                    self.overflowed += 1;
                    return Some(Overflow::new(
                        at,
                        "adding this order to the file's revenue totals",
                    ));
                };
                totals.orders += 1;
                totals.gross = gross;
                totals.taxes = taxes;
                totals.discounts = discounts;
                totals.net = net;
                totals.shipping_before = shipping_before;
                totals.shipping_after = shipping_after;
                totals.returned_units = returned_units;
                totals.returned_value = returned_value;
                if let Some(status) = entry(&mut totals.by_status, bucket, || bucket) {
                    status.orders += 1;
                    status.net = status_net;
                }
            }
            Contribution::Cost(amount, at) => {
                let totals = entry(&mut self.currencies, "?", || "?".to_owned())?;
                let Some(costs) = add(totals.costs, amount) else {
                    self.overflowed += 1;
                    return Some(Overflow::new(
                        at,
                        "adding this amount to the file's cost total",
                    ));
                };
                totals.costs = costs;
                totals.cost_items += 1;
            }
            Contribution::LeftOut => self.left_out += 1,
            Contribution::Overflowed => self.overflowed += 1,
        }
        None
    }

    /// Adds another report's totals. A currency whose sums would go beyond what a `Decimal`
    /// holds is left out whole, its objects counted in [`Revenue::overflowed`].
    pub fn merge(&mut self, other: &Revenue) {
        self.left_out += other.left_out;
        self.rejected += other.rejected;
        self.overflowed += other.overflowed;
        for (currency, t) in &other.currencies {
            let Some(mine) = entry(&mut self.currencies, currency.as_str(), || currency.clone())
            else {
                continue;
            };
            let Some(merged) = merged(mine, t) else {
                self.overflowed += t.orders + t.cost_items;
                continue;
            };
            *mine = merged;
        }
    }

    /// Whether nothing was counted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.currencies.is_empty()
            && self.left_out == 0
            && self.rejected == 0
            && self.overflowed == 0
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

/// `mine + theirs`, field by field and status by status; `None` when a sum is beyond a
/// `Decimal`.
fn merged(mine: &CurrencyTotals, theirs: &CurrencyTotals) -> Option<CurrencyTotals> {
    let mut by_status = mine.by_status.clone();
    for (bucket, s) in &theirs.by_status {
        let b = entry(&mut by_status, *bucket, || *bucket)?;
        b.orders += s.orders;
        b.net = add(b.net, s.net)?;
    }
    Some(CurrencyTotals {
        orders: mine.orders + theirs.orders,
        gross: add(mine.gross, theirs.gross)?,
        taxes: add(mine.taxes, theirs.taxes)?,
        discounts: add(mine.discounts, theirs.discounts)?,
        net: add(mine.net, theirs.net)?,
        shipping_before: add(mine.shipping_before, theirs.shipping_before)?,
        shipping_after: add(mine.shipping_after, theirs.shipping_after)?,
        returned_units: add(mine.returned_units, theirs.returned_units)?,
        returned_value: add(mine.returned_value, theirs.returned_value)?,
        by_status,
        costs: add(mine.costs, theirs.costs)?,
        cost_items: mine.cost_items + theirs.cost_items,
    })
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
