use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::declare_rule;
use crate::fix::{Change, Fix};
use crate::json::Pointer;
use crate::rule::{Context, Rule};
use crate::view::{Order, Refund, RefundedLineItem};

declare_rule! {
    /// ## What it does
    /// Flags a timestamp that is not a Unix time in whole seconds: negative, fractional, or in
    /// milliseconds, microseconds or nanoseconds.
    ///
    /// It checks the order's `createdAt`, `updatedAt`, `processedAt`, `closedAt` and
    /// `cancelledAt`, the `createdAt` and `processedAt` of each refunded line, and a refund's
    /// `createdAt` and `updatedAt`. A value above 10^11 (the year 5138 in seconds) is read as
    /// milliseconds, above 10^14 as microseconds, above 10^17 as nanoseconds; the help gives
    /// the value divided back to seconds, with its date. `0` is left to `zero-date`.
    /// ## Why is this bad?
    /// Every Klar timestamp is a Unix time in seconds (docs/klar-api.md §4, §9). JavaScript's `Date.now()`,
    /// Java's `currentTimeMillis()` and many databases give milliseconds; Klar reads
    /// `1678376546000` as a date in the year 55155, so the order falls out of every date range
    /// of the dashboards. A negative value is before 1970.
    ///
    /// Whether Klar accepts fractional seconds is not documented (docs/klar-api.md §16.13 [?]). The rule
    /// takes the documented reading, *whole* seconds: a fraction such as `1678376546.5` almost
    /// always comes from a float division or a millisecond clock. A whole value written with a
    /// decimal point (`1678376546.0`) is whole and passes.
    /// ## Example
    /// ```json
    /// [{ "id": "100123815", "createdAt": 1678376546000, "currencyCodeIso3Letter": "EUR", "lineItems": [] }]
    /// ```
    /// ## Use instead
    /// ```json
    /// [{ "id": "100123815", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [] }]
    /// ```
    /// ## Fix
    /// Safe: a value in milliseconds, microseconds or nanoseconds that divides to whole seconds
    /// exactly (`1678376546000` → `1678376546`) is replaced by those seconds; it is the same
    /// instant, written in the unit Klar reads. A value with a remainder (`1678376546123`), a
    /// negative, fractional or too large value gets no fix: which second was meant is a guess.
    /// Nor does a value whose seconds would come before the `createdAt` it follows, or after a
    /// timestamp that follows it (the pairs `timestamp-order` compares): then it may not be in
    /// that unit at all.
    /// ## References
    /// docs/klar-api.md §4 (order timestamps, "Unix timestamp, seconds"), §9 (refund timestamps), §16.13.
    pub TimestampUnit {
        name: "timestamp-unit", category: Dates, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders, Refunds],
    }
}

/// What is wrong with a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Problem {
    Negative,
    /// Milliseconds, microseconds or nanoseconds: divide by this many.
    Unit(&'static str, i64),
    TooLarge,
    Fractional,
}

/// The order's timestamps (the view's `ORDER_TIMESTAMPS`, which `view` does not re-export).
pub(super) const ORDER_TIMESTAMPS: [&str; 5] = [
    "createdAt",
    "updatedAt",
    "processedAt",
    "closedAt",
    "cancelledAt",
];

/// The largest value read as seconds: 10^11 s is the year 5138, while a millisecond clock
/// passed it in March 1973.
const MAX_SECONDS: i64 = 100_000_000_000;

/// The finer units, largest first, with the upper bound of the values read as each.
const UNITS: [(&str, i64); 3] = [
    ("nanoseconds", 1_000_000_000),
    ("microseconds", 1_000_000),
    ("milliseconds", 1_000),
];

/// What is wrong with timestamp `t`, if anything. Zero is fine here (`zero-date` owns it).
pub(super) fn problem(t: Decimal) -> Option<Problem> {
    if t.is_sign_negative() && !t.is_zero() {
        return Some(Problem::Negative);
    }
    let max = Decimal::from(MAX_SECONDS);
    if t > max {
        for (name, factor) in UNITS {
            let upper = max.checked_mul(Decimal::from(factor))?;
            let lower = upper.checked_div(Decimal::from(1_000))?;
            if t > lower && t <= upper {
                return Some(Problem::Unit(name, factor));
            }
        }
        return Some(Problem::TooLarge);
    }
    (!t.fract().is_zero()).then_some(Problem::Fractional)
}

/// Whether `t` is a usable Unix time in seconds: present, not zero, and not flagged by this rule.
pub(super) fn is_seconds(t: Option<Decimal>) -> Option<Decimal> {
    t.filter(|t| !t.is_zero() && problem(*t).is_none())
}

/// `2023-03-09 15:42:26 UTC` for a Unix time in whole seconds (`None` beyond what an `i64` of
/// days holds).
pub(super) fn utc(seconds: Decimal) -> Option<String> {
    let seconds = seconds.floor().to_i64()?;
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days)?;
    Some(format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    ))
}

/// The year of a Unix time in seconds.
fn year(seconds: Decimal) -> Option<i64> {
    let days = seconds.floor().to_i64()?.div_euclid(86_400);
    civil_from_days(days).map(|(y, _, _)| y)
}

/// Proleptic Gregorian `(year, month, day)` of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), with checked arithmetic for absurd inputs.
fn civil_from_days(days: i64) -> Option<(i64, i64, i64)> {
    let z = days.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = era
        .checked_mul(400)?
        .checked_add(yoe)?
        .checked_add(i64::from(month <= 2))?;
    Some((year, month, day))
}

/// `" (2023-03-09 15:42:26 UTC)"`, or nothing when the date cannot be shown.
fn dated(seconds: Decimal) -> String {
    utc(seconds).map(|d| format!(" ({d})")).unwrap_or_default()
}

/// The seconds a fixed timestamp must lie within: not before the `createdAt` it follows, not
/// after the earliest timestamp that follows it (each a usable Unix time in seconds, as
/// `timestamp-order` compares them).
#[derive(Clone, Copy, Default)]
struct Bounds {
    floor: Option<Decimal>,
    ceiling: Option<Decimal>,
}

impl Bounds {
    fn after(t: Option<Decimal>) -> Self {
        Self {
            floor: is_seconds(t),
            ceiling: None,
        }
    }

    fn before<I: IntoIterator<Item = Option<Decimal>>>(self, followers: I) -> Self {
        Self {
            ceiling: followers.into_iter().filter_map(is_seconds).min(),
            ..self
        }
    }

    fn admit(self, seconds: Decimal) -> bool {
        self.floor.is_none_or(|f| seconds >= f) && self.ceiling.is_none_or(|c| seconds <= c)
    }
}

/// Checks the timestamp `key` of the object at `of`; its pointer is built only for a finding.
/// `bounds` is worked out only for a value that gets a fix (most timestamps are fine, and the
/// bounds read the object's other timestamps).
fn check(
    key: &str,
    value: Option<Decimal>,
    of: &Pointer,
    bounds: impl FnOnce() -> Bounds,
    cx: &mut Context<'_>,
) {
    let Some(t) = value else { return };
    let Some(problem) = problem(t) else { return };
    let at = of.key(key);
    match problem {
        Problem::Negative => {
            cx.report(at, format!("`{key}` {t} is negative, a time before 1970"))
                .help(format!("send `{key}` as a Unix time in whole seconds since 1970-01-01 UTC, such as 1678376546"));
        }
        Problem::Unit(unit, factor) => {
            let Some(seconds) = t.checked_div(Decimal::from(factor)) else {
                return;
            };
            let seconds = seconds.normalize();
            let as_year = year(t)
                .map(|y| format!(" (as seconds it would be the year {y})"))
                .unwrap_or_default();
            let whole = seconds.floor();
            let help = if seconds.fract().is_zero() {
                format!("send seconds: {t} / {factor} = {whole}{}", dated(whole))
            } else {
                format!(
                    "send whole seconds: {t} / {factor} = {seconds}, so {whole}{}",
                    dated(whole)
                )
            };
            let fix = (seconds.fract().is_zero() && bounds().admit(whole)).then(|| {
                Fix::safe(
                    format!("write `{key}` in seconds: `{whole}`"),
                    vec![Change::Replace {
                        at: at.clone(),
                        json: whole.normalize().to_string(),
                    }],
                )
            });
            let reported = cx
                .report(at, format!("`{key}` {t} looks like {unit}{as_year}"))
                .help(help);
            if let Some(fix) = fix {
                reported.fix(fix);
            }
        }
        Problem::TooLarge => {
            cx.report(at, format!("`{key}` {t} is too large for a Unix time, even in nanoseconds"))
                .help(format!("send `{key}` as a Unix time in whole seconds since 1970-01-01 UTC, such as 1678376546"));
        }
        Problem::Fractional => {
            let whole = t.floor();
            cx.report(at, format!("`{key}` {t} is not a whole number of seconds"))
                .help(format!("send whole seconds: {whole}{}", dated(whole)));
        }
    }
}

/// A refunded line's timestamps; `order_created` is its order's `createdAt` (in an order).
fn refunded_line(line: &RefundedLineItem<'_>, order_created: Option<Decimal>, cx: &mut Context<'_>) {
    let created = || Bounds::after(order_created).before([line.processed_at]);
    check("createdAt", line.created_at, &line.ptr, created, cx);
    let processed = || Bounds::after(line.created_at);
    check("processedAt", line.processed_at, &line.ptr, processed, cx);
}

impl Rule for TimestampUnit {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        let created = order.timestamp("createdAt");
        for key in ORDER_TIMESTAMPS {
            let bounds = || {
                if key == "createdAt" {
                    let events = ORDER_TIMESTAMPS
                        .iter()
                        .filter(|k| **k != "createdAt")
                        .map(|k| order.timestamp(k));
                    Bounds::default()
                        .before(events.chain(order.refunds.iter().map(|l| l.created_at)))
                } else {
                    Bounds::after(created)
                }
            };
            check(key, order.timestamp(key), &order.ptr, bounds, cx);
        }
        for line in &order.refunds {
            refunded_line(line, created, cx);
        }
    }

    fn check_refund(&self, refund: &Refund<'_>, cx: &mut Context<'_>) {
        let created = || Bounds::default().before([refund.updated_at]);
        check("createdAt", refund.created_at, &refund.ptr, created, cx);
        let updated = || Bounds::after(refund.created_at);
        check("updatedAt", refund.updated_at, &refund.ptr, updated, cx);
        for line in &refund.lines {
            refunded_line(line, None, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiVersion, Config, Linter, PayloadKind};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn classifies_at_the_boundaries() {
        assert_eq!(problem(d("100000000000")), None);
        assert_eq!(
            problem(d("100000000001")),
            Some(Problem::Unit("milliseconds", 1_000))
        );
        assert_eq!(
            problem(d("1678376546000")),
            Some(Problem::Unit("milliseconds", 1_000))
        );
        assert_eq!(
            problem(d("100000000000000")),
            Some(Problem::Unit("milliseconds", 1_000))
        );
        assert_eq!(
            problem(d("100000000000001")),
            Some(Problem::Unit("microseconds", 1_000_000))
        );
        assert_eq!(
            problem(d("1678376546000000")),
            Some(Problem::Unit("microseconds", 1_000_000))
        );
        assert_eq!(
            problem(d("1678376546000000000")),
            Some(Problem::Unit("nanoseconds", 1_000_000_000))
        );
        assert_eq!(problem(d("100000000000000000001")), Some(Problem::TooLarge));
        assert_eq!(problem(Decimal::MAX), Some(Problem::TooLarge));
        assert_eq!(problem(d("-1")), Some(Problem::Negative));
        assert_eq!(problem(d("-0.5")), Some(Problem::Negative));
        assert_eq!(problem(d("1678376546.5")), Some(Problem::Fractional));
        assert_eq!(problem(d("1678376546.0")), None);
        assert_eq!(problem(d("0")), None);
        assert_eq!(problem(d("1")), None);
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(
            utc(d("1678376546")).as_deref(),
            Some("2023-03-09 15:42:26 UTC")
        );
        assert_eq!(utc(d("0")).as_deref(), Some("1970-01-01 00:00:00 UTC"));
        assert_eq!(
            utc(d("951782400")).as_deref(),
            Some("2000-02-29 00:00:00 UTC")
        );
        assert_eq!(utc(d("-1")).as_deref(), Some("1969-12-31 23:59:59 UTC"));
        assert_eq!(
            utc(d("100000000000")).as_deref(),
            Some("5138-11-16 09:46:40 UTC")
        );
        assert_eq!(year(d("1678376546000")), Some(55155));
        assert_eq!(utc(Decimal::MAX), None);
    }

    fn lint(kind: PayloadKind, text: &str) -> Vec<(String, String, String)> {
        let linter = Linter::new(
            Config::default()
                .with_kind(kind)
                .with_api_version(ApiVersion::V07_2025),
        )
        .unwrap();
        linter
            .lint_str("t.json", text)
            .diagnostics
            .iter()
            .filter(|d| d.rule() == "timestamp-unit")
            .map(|d| {
                (
                    d.pointer.to_string(),
                    d.message.clone(),
                    d.help.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn milliseconds_get_the_seconds_value() {
        let found = lint(
            PayloadKind::Orders,
            r#"[{"id":"1","createdAt":1678376546123,"updatedAt":1678376546,"currencyCodeIso3Letter":"EUR","lineItems":[]}]"#,
        );
        assert_eq!(
            found,
            vec![(
                "/0/createdAt".to_owned(),
                "`createdAt` 1678376546123 looks like milliseconds (as seconds it would be the year 55155)".to_owned(),
                "send whole seconds: 1678376546123 / 1000 = 1678376546.123, so 1678376546 (2023-03-09 15:42:26 UTC)"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn zero_is_left_to_zero_date() {
        let found = lint(
            PayloadKind::Refunds,
            r#"[{"id":"R1","createdAt":0,"updatedAt":-5,"lineItems":[{"lineItemId":"1","refundedQuantity":1,"createdAt":0,"processedAt":1678376546.25}]}]"#,
        );
        let pointers: Vec<_> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(pointers, ["/0/updatedAt", "/0/lineItems/0/processedAt"]);
    }
}
