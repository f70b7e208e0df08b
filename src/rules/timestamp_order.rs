use std::fmt::Display;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::timestamp_unit::is_seconds;
use crate::declare_rule;
use crate::json::Pointer;
use crate::rule::{Context, Rule};
use crate::view::{Order, Refund, RefundedLineItem};

declare_rule! {
    /// ## What it does
    /// Flags a timestamp earlier than the `createdAt` it follows, such as an order updated
    /// before it was placed.
    ///
    /// Compared pairs: the order's `updatedAt`, `processedAt`, `closedAt` and `cancelledAt`
    /// against its `createdAt`; each refunded line's `processedAt` against its own `createdAt`,
    /// and (in an order) its `createdAt` against the order's; a refund's `updatedAt` against its
    /// `createdAt`. Timestamps that `timestamp-unit` flags (negative, fractional, milliseconds)
    /// and zeros (`zero-date`) are skipped: comparing seconds with milliseconds means nothing.
    /// ## Why is this bad?
    /// Events cannot happen before the order or refund exists, so one of the two values is
    /// wrong, and Klar dates revenue and returns by them (returns on the **order** date, docs/klar-api.md
    /// §11.3). The usual cause is a local time converted as if it were UTC (a gap of whole
    /// hours; the Magento connectors convert local database strings, docs/klar-api.md §16.13), or a value
    /// taken from another record.
    ///
    /// Whether Klar enforces the order of timestamps is not documented (docs/klar-api.md §16.13 [?]), so
    /// this is a warning.
    /// ## Example
    /// ```json
    /// [{ "id": "100123815", "createdAt": 1678376546, "updatedAt": 1678369346, "currencyCodeIso3Letter": "EUR", "lineItems": [] }]
    /// ```
    /// ## Use instead
    /// ```json
    /// [{ "id": "100123815", "createdAt": 1678376546, "updatedAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [] }]
    /// ```
    /// ## Fix
    /// None: which of the two timestamps is wrong is not in the payload.
    /// ## References
    /// docs/klar-api.md §4 (order timestamps), §9 (refund timestamps), §16.13 (open question).
    pub TimestampOrder {
        name: "timestamp-order", category: Dates, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders, Refunds],
    }
}

/// The order's timestamps that follow `createdAt`, with what happened at each.
const ORDER_EVENTS: [(&str, &str); 4] = [
    ("updatedAt", "updated"),
    ("processedAt", "fulfilled"),
    ("closedAt", "closed"),
    ("cancelledAt", "cancelled"),
];

/// One side of a comparison: its field, whose it is as the message says, value, and the object
/// holding it (the pointer is built only for a finding).
struct Stamp<'a> {
    /// The field name.
    key: &'a str,
    /// Put before the field name in the message: "" or "the order's ".
    whose: &'a str,
    /// The label text when this is the earlier side.
    label: &'a str,
    value: Option<Decimal>,
    of: &'a Pointer,
}

impl Stamp<'_> {
    fn at(&self) -> Pointer {
        self.of.key(self.key)
    }
}

/// `3 days`, `1 hour 30 minutes`, `45 seconds`: the two largest non-zero units, cut down.
fn duration(seconds: i64) -> String {
    let mut parts = Vec::new();
    let mut rest = seconds;
    for (size, unit) in [
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ] {
        let n = rest / size;
        rest %= size;
        if n > 0 && parts.len() < 2 {
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
        } else if !parts.is_empty() {
            // Only adjacent units: `1 day 5 seconds` reads oddly.
            break;
        }
    }
    parts.join(" ")
}

/// Whether a gap is a UTC offset: whole hours up to 14, or the half- and three-quarter-hour
/// offsets some zones use (UTC−2:30 … UTC+10:30, UTC+5:45, UTC+8:45, UTC+12:45).
fn looks_like_time_zone(gap: i64) -> bool {
    let minutes = gap % 3_600;
    gap > 0
        && gap <= 14 * 3_600
        && (minutes == 0
            || (minutes == 1_800 && gap >= 2 * 3_600)
            || (minutes == 2_700 && gap >= 5 * 3_600))
}

/// Reports `later` when it is before `earlier`; `help` says what should be sent (formatted only
/// for a finding).
fn compare(earlier: &Stamp<'_>, later: &Stamp<'_>, help: impl Display, cx: &mut Context<'_>) {
    let (Some(start), Some(end)) = (is_seconds(earlier.value), is_seconds(later.value)) else {
        return;
    };
    if end >= start {
        return;
    }
    let Some(gap) = start.checked_sub(end).and_then(|g| g.to_i64()) else {
        return;
    };
    let help = if looks_like_time_zone(gap) {
        format!(
            "{help}; a gap of exactly {} usually means a local time was sent as if it were UTC",
            duration(gap)
        )
    } else {
        help.to_string()
    };
    cx.report(
        later.at(),
        format!(
            "{}`{}` {end} is {} before {}`{}` {start}",
            later.whose,
            later.key,
            duration(gap),
            earlier.whose,
            earlier.key
        ),
    )
    .label(earlier.at(), earlier.label)
    .help(help);
}

fn refunded_line(line: &RefundedLineItem<'_>, cx: &mut Context<'_>) {
    compare(
        &Stamp {
            key: "createdAt",
            whose: "",
            label: "refund created",
            value: line.created_at,
            of: &line.ptr,
        },
        &Stamp {
            key: "processedAt",
            whose: "",
            label: "",
            value: line.processed_at,
            of: &line.ptr,
        },
        "send `processedAt` at or after `createdAt`: a refund is processed after it is created",
        cx,
    );
}

impl Rule for TimestampOrder {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        let created = Stamp {
            key: "createdAt",
            whose: "",
            label: "order placed",
            value: order.timestamp("createdAt"),
            of: &order.ptr,
        };
        for (key, event) in ORDER_EVENTS {
            compare(
                &created,
                &Stamp {
                    key,
                    whose: "",
                    label: "",
                    value: order.timestamp(key),
                    of: &order.ptr,
                },
                format_args!(
                    "send `{key}` at or after `createdAt`: an order is {event} after it is placed"
                ),
                cx,
            );
        }
        let order_created = Stamp {
            whose: "the order's ",
            ..created
        };
        for line in &order.refunds {
            refunded_line(line, cx);
            compare(
                &order_created,
                &Stamp {
                    key: "createdAt",
                    whose: "",
                    label: "",
                    value: line.created_at,
                    of: &line.ptr,
                },
                "send the time the refund was created: it cannot be before the order was placed",
                cx,
            );
        }
    }

    fn check_refund(&self, refund: &Refund<'_>, cx: &mut Context<'_>) {
        compare(
            &Stamp {
                key: "createdAt",
                whose: "",
                label: "refund created",
                value: refund.created_at,
                of: &refund.ptr,
            },
            &Stamp {
                key: "updatedAt",
                whose: "",
                label: "",
                value: refund.updated_at,
                of: &refund.ptr,
            },
            "send `updatedAt` at or after `createdAt`: a refund changes after it is created",
            cx,
        );
        for line in &refund.lines {
            refunded_line(line, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiVersion, Config, Linter, PayloadKind};

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(1), "1 second");
        assert_eq!(duration(45), "45 seconds");
        assert_eq!(duration(3_600), "1 hour");
        assert_eq!(duration(5_400), "1 hour 30 minutes");
        assert_eq!(duration(259_200), "3 days");
        assert_eq!(duration(86_405), "1 day");
        assert_eq!(duration(93_784), "1 day 2 hours");
    }

    #[test]
    fn time_zone_offsets() {
        for gap in [3_600, 7_200, 9_000, 19_800, 20_700, 45_900, 50_400] {
            assert!(looks_like_time_zone(gap), "{gap}");
        }
        for gap in [
            0,
            1,
            900,
            1_800,
            2_700,
            5_400,
            10_800 + 2_700,
            50_400 + 3_600,
            259_200,
        ] {
            assert!(!looks_like_time_zone(gap), "{gap}");
        }
    }

    fn lint(text: &str) -> Vec<(String, String)> {
        let config = Config::default()
            .with_kind(PayloadKind::Orders)
            .with_api_version(ApiVersion::V12_2022);
        Linter::new(config)
            .unwrap()
            .lint_str("t.json", text)
            .diagnostics
            .iter()
            .filter(|d| d.rule() == "timestamp-order")
            .map(|d| (d.pointer.to_string(), d.message.clone()))
            .collect()
    }

    #[test]
    fn one_second_early_is_reported_and_equal_is_not() {
        let order = |updated: &str| {
            format!(
                r#"[{{"id":"1","createdAt":1678376546,"updatedAt":{updated},"currencyCodeIso3Letter":"EUR","lineItems":[]}}]"#
            )
        };
        assert_eq!(
            lint(&order("1678376545")),
            [(
                "/0/updatedAt".to_owned(),
                "`updatedAt` 1678376545 is 1 second before `createdAt` 1678376546".to_owned()
            )]
        );
        assert!(lint(&order("1678376546")).is_empty());
    }

    #[test]
    fn units_and_zeros_are_not_compared() {
        for updated in ["1678376546000", "0", "1678376545.5", "-1678376546"] {
            let text = format!(
                r#"[{{"id":"1","createdAt":1678376546,"updatedAt":{updated},"currencyCodeIso3Letter":"EUR","lineItems":[]}}]"#
            );
            assert!(lint(&text).is_empty(), "{updated}");
        }
        let millis_created = r#"[{"id":"1","createdAt":1678376546000,"updatedAt":1678376546,"currencyCodeIso3Letter":"EUR","lineItems":[]}]"#;
        assert!(lint(millis_created).is_empty());
    }
}
