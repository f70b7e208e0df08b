//! The checks across the files of a run (docs/cross-file.md), once every file is linted: each
//! partition of the run's facts (see `references`) is read alone and checked, and the findings
//! go to the files that refer to an order.
//!
//! Nothing here depends on the order in which files were listed or finished: facts are sorted
//! by their file's name and their place in it before they are compared, and where two facts
//! compete (an order sent twice, a cost sent twice) the later in that order wins, as Klar's
//! upsert would keep the one sent last.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::diagnostic::{quoted, RuleMeta};
use crate::references::{Collector, LineKey, LineKeys, Place, Record};
use crate::rules;

/// A finding across files, before it is placed in its file.
#[derive(Debug)]
pub(super) struct Finding {
    pub(super) rule: &'static RuleMeta,
    /// Where, in the referring file.
    pub(super) at: Place,
    pub(super) message: String,
    pub(super) help: String,
    /// The other place: its file, pointer and line, and a short noun.
    pub(super) label: Option<(Place, &'static str)>,
}

/// What the checks found.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    /// Distinct order ids in the run.
    pub(super) orders: usize,
    /// Findings, in no particular order.
    pub(super) findings: Vec<Finding>,
    /// Partitions that could not be read back from their temporary file.
    pub(super) unreadable: usize,
}

/// The rules checked here.
pub(super) const RULES: [&str; 4] = [
    "conflicting-cost",
    "over-refund",
    "unknown-line-item",
    "unknown-order",
];

const ORDERS_PLACEHOLDER: &str = "\u{0}orders\u{0}";

fn decimal(s: Option<&str>) -> Option<Decimal> {
    s.and_then(|s| Decimal::from_str(s).ok())
}

fn sub(place: &Place, key: &str) -> Place {
    place.member(key)
}

fn units(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Runs every check over `collector`'s facts. `rank[f]` orders file `f` among the run's files
/// (by name); files from `references` on are reference orders: only their orders count.
pub(super) fn check(collector: &Collector, rank: &[usize], references: u32) -> Outcome {
    let (Some(unknown_order), Some(unknown_line), Some(over_refund), Some(conflicting)) = (
        rules::find("unknown-order"),
        rules::find("unknown-line-item"),
        rules::find("over-refund"),
        rules::find("conflicting-cost"),
    ) else {
        return Outcome::default();
    };
    let order_key = |p: &Place| {
        (
            rank.get(p.file as usize).copied().unwrap_or(usize::MAX),
            p.seq,
            p.pointer.clone(),
        )
    };
    // Partitions are checked in parallel, each alone; what they find is put in one order below.
    let (parts, unreadable) = collector.map_parts(|mut part| {
        let mut out = Outcome::default();
        part.retain(|r| !r.is_reference() || r.place().file < references);
        part.sort_by_cached_key(|r| order_key(r.place()));
        // The orders of this partition, each as its last version.
        let mut orders: HashMap<&str, (&Place, &[LineKeys])> = HashMap::new();
        // Per line id: the last version of each order owning it.
        let mut owners: HashMap<&str, BTreeMap<&str, &Record>> = HashMap::new();
        for r in &part {
            match r {
                Record::Order { id, at, lines } => {
                    orders.insert(id, (at, lines));
                }
                Record::Line { id, order, .. } => {
                    owners.entry(id).or_default().insert(order, r);
                }
                _ => {}
            }
        }
        out.orders += orders.len();
        // Costs: the order they name, the line (COGS), and the cost they replace.
        let mut last_cost: HashMap<(&str, &str, Option<&LineKey>), (&Place, Decimal)> =
            HashMap::new();
        // Refunds: the last version of each refund, per line id.
        let mut refunds: BTreeMap<&str, BTreeMap<Option<&str>, Vec<&Record>>> = BTreeMap::new();
        for r in &part {
            match r {
                Record::Cost {
                    kind,
                    order,
                    line,
                    amount,
                    at,
                } => {
                    let field = crate::payload::PayloadKind::ALL
                        .iter()
                        .find(|k| k.as_str() == kind)
                        .and_then(|k| k.cost_field())
                        .unwrap_or("productCogs");
                    match orders.get(order.as_str()) {
                        None => out.findings.push(Finding {
                            rule: unknown_order,
                            at: sub(at, "orderId"),
                            message: format!(
                                "`orderId` {} names no order of this run, which held {ORDERS_PLACEHOLDER}",
                                quoted(order)
                            ),
                            help: "send the cost with the `id` of its order, or lint it together \
                                   with the orders it belongs to (or name them with `--orders`)"
                                .to_owned(),
                            label: None,
                        }),
                        Some((order_at, lines)) => {
                            if let Some(finding) =
                                unknown_line_finding(unknown_line, order, line.as_ref(), lines, at, order_at)
                            {
                                out.findings.push(finding);
                            }
                        }
                    }
                    let Some(amount) = decimal(amount.as_deref()) else {
                        continue;
                    };
                    let key = (kind.as_str(), order.as_str(), line.as_ref());
                    if let Some((before, was)) = last_cost.insert(key, (at, amount)) {
                        if was != amount {
                            let what = match line {
                                Some(LineKey::Id(id)) => format!(" line {}", quoted(id)),
                                Some(LineKey::Sku(sku)) => format!(" SKU {}", quoted(sku)),
                                None => String::new(),
                            };
                            out.findings.push(Finding {
                                rule: conflicting,
                                at: sub(at, field),
                                message: format!(
                                    "`{field}` {} for order {}{what} replaces {} sent earlier in this run",
                                    units(amount),
                                    quoted(order),
                                    units(was)
                                ),
                                help: format!(
                                    "Klar keeps only the cost sent last: send one cost per order{}, the right one",
                                    if line.is_some() { " line" } else { "" }
                                ),
                                label: Some((sub(before, field), "replaced cost")),
                            });
                        }
                    }
                }
                Record::RefundLine { line, refund, .. } => {
                    let versions = refunds.entry(line).or_default();
                    let lines = versions.entry(refund.as_deref()).or_default();
                    // A refund sent again replaces its earlier version (docs/klar-api.md §9.2);
                    // refunds without an `id` all count.
                    if refund.is_some() {
                        if let Some(last) = lines.last() {
                            if (last.place().file, last.place().seq) != (r.place().file, r.place().seq) {
                                lines.clear();
                            }
                        }
                    }
                    lines.push(r);
                }
                _ => {}
            }
        }
        for (line_id, versions) in refunds {
            let mut refund_lines: Vec<&Record> = versions.into_values().flatten().collect();
            refund_lines.sort_by_cached_key(|r| order_key(r.place()));
            let owners = owners.get(line_id);
            let Some(owners) = owners.filter(|o| !o.is_empty()) else {
                for r in refund_lines {
                    out.findings.push(Finding {
                        rule: unknown_order,
                        at: sub(r.place(), "lineItemId"),
                        message: format!(
                            "`lineItemId` {} names no line of the orders of this run, which held {ORDERS_PLACEHOLDER}",
                            quoted(line_id)
                        ),
                        help: "a refund names its order through the `id` of the order's line; \
                               lint the refund with its order (or name the orders with `--orders`)"
                            .to_owned(),
                        label: None,
                    });
                }
                continue;
            };
            // A line id of two orders: which one the refund means cannot be told.
            let [owner] = owners.values().collect::<Vec<_>>()[..] else {
                continue;
            };
            let Record::Line {
                quantity,
                refunded,
                refund_lines: counted,
                at: line_at,
                ..
            } = owner
            else {
                continue;
            };
            // A refunded line sent again (the same `id`, in the order or in another refund) is
            // the same return: counted once.
            let mut counted: BTreeSet<&str> = counted.iter().map(String::as_str).collect();
            let (Some(sold), Some(mut sum)) = (decimal(quantity.as_deref()), decimal(Some(refunded)))
            else {
                continue;
            };
            for r in refund_lines {
                let Record::RefundLine {
                    quantity, at, id, ..
                } = r
                else {
                    continue;
                };
                if let Some(id) = id {
                    if !counted.insert(id) {
                        continue;
                    }
                }
                let Some(q) = decimal(quantity.as_deref()) else {
                    continue;
                };
                let before = sum;
                sum = sum.checked_add(q).unwrap_or(sum);
                if before <= sold && sum > sold {
                    out.findings.push(Finding {
                        rule: over_refund,
                        at: sub(at, "refundedQuantity"),
                        message: format!(
                            "`refundedQuantity` {} brings the units refunded for line {} to {}, more than its `quantity` {}",
                            units(q),
                            quoted(line_id),
                            units(sum),
                            units(sold)
                        ),
                        help: format!(
                            "the order's own `refundedLineItems` and the earlier refunds of this run cover {} of {} units; \
                             drop this refund if it repeats one of them",
                            units(before),
                            units(sold)
                        ),
                        label: Some((line_at.clone(), "line quantity")),
                    });
                }
            }
        }
        out
    });
    let mut out = Outcome {
        unreadable,
        ..Outcome::default()
    };
    for part in parts {
        out.orders += part.orders;
        out.findings.extend(part.findings);
    }
    // One order whatever the number of threads: by file, place, rule and message.
    out.findings.sort_by(|a, b| {
        (order_key(&a.at), a.rule.name, &a.message).cmp(&(
            order_key(&b.at),
            b.rule.name,
            &b.message,
        ))
    });
    let orders = match out.orders {
        1 => "1 order".to_owned(),
        n => format!("{n} orders"),
    };
    for f in &mut out.findings {
        f.message = f.message.replace(ORDERS_PLACEHOLDER, &orders);
    }
    if out.orders == 0 {
        // A run without orders says nothing about references to orders.
        out.findings.retain(|f| f.rule == conflicting);
    }
    out
}

/// `unknown-line-item` for a COGS item whose order is in the run.
fn unknown_line_finding(
    rule: &'static RuleMeta,
    order: &str,
    line: Option<&LineKey>,
    lines: &[LineKeys],
    at: &Place,
    order_at: &Place,
) -> Option<Finding> {
    let (field, value, found) = match line? {
        LineKey::Id(id) => (
            "lineItemId",
            id,
            lines.iter().any(|l| l.id.as_deref() == Some(id)),
        ),
        LineKey::Sku(sku) => (
            "sku",
            sku,
            lines.iter().any(|l| l.sku.as_deref() == Some(sku)),
        ),
    };
    if found {
        return None;
    }
    let ids: BTreeSet<&str> = lines.iter().filter_map(|l| l.id.as_deref()).collect();
    let mistaken = lines
        .iter()
        .find(|l| field == "lineItemId" && l.sku.as_deref() == Some(value.as_str()));
    let help = if let Some(id) = mistaken.and_then(|l| l.id.as_deref()) {
        format!(
            "{} is the sku of line {}, not its `id`: send `\"lineItemId\": {}` or `\"sku\": {}`",
            quoted(value),
            quoted(id),
            serde_json::Value::String(id.to_owned()),
            serde_json::Value::String(value.clone())
        )
    } else {
        let listed: Vec<String> = ids.iter().take(5).map(|s| quoted(s)).collect();
        match ids.len() {
            0 => format!("order {} has no line with an `id`", quoted(order)),
            n if n > 5 => format!(
                "the cost never attaches; order {}'s lines are {} and {} more",
                quoted(order),
                listed.join(", "),
                n - 5
            ),
            _ => format!(
                "the cost never attaches; order {}'s lines are {}",
                quoted(order),
                listed.join(", ")
            ),
        }
    };
    Some(Finding {
        rule,
        at: sub(at, field),
        message: format!(
            "`{field}` {} names no line of order {} in this run",
            quoted(value),
            quoted(order)
        ),
        help,
        label: Some((order_at.clone(), "order here")),
    })
}
