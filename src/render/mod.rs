//! Output formats. Each renders the same `FileReport`s and `Summary` to a `&mut dyn Write`;
//! only `human.rs` knows miette. Machine formats (json, sarif, github, gitlab, junit) list every
//! finding the linter kept: `--max-diagnostics` only limits what human output draws.

mod concise;
mod fingerprint;
mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod klar;
mod sarif;

pub use concise::Concise;
pub use fingerprint::{fingerprint, normalized_path, Fnv1a64};
pub use github::Github;
pub use gitlab::Gitlab;
pub use human::{render_error, Human, HumanOptions};
pub use json::Json;
pub use junit::Junit;
pub use klar::Klar;
pub use sarif::Sarif;

/// The totals reporters finish with; they belong to the run (see [`crate::Run`]).
pub use crate::run::{BaselineCounts, FixCounts, Summary};

use std::io::{self, Write};

use crate::linter::FileReport;
use crate::revenue::Revenue;

/// The `--statistics` table: one line per rule, most frequent first.
///
/// # Errors
/// When writing fails.
pub fn statistics_table(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    let counts = summary.statistics();
    if counts.is_empty() {
        return writeln!(out, "Findings per rule: none.");
    }
    writeln!(out, "Findings per rule:")?;
    let width = counts
        .iter()
        .map(|(_, n)| n.to_string().len())
        .max()
        .unwrap_or(1);
    for (rule, n) in counts {
        writeln!(out, "  {n:>width$}  {rule}")?;
    }
    Ok(())
}

/// One output format.
pub trait Reporter {
    /// Called once per file, in path order.
    ///
    /// # Errors
    /// When writing fails.
    fn file(&mut self, out: &mut dyn Write, report: &FileReport) -> io::Result<()>;
    /// Called once at the end.
    ///
    /// # Errors
    /// When writing fails.
    fn finish(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()>;
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
pub(crate) fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The note on a file's findings past `max-diagnostics-per-file`: "orders.jsonl: 1232 more
/// findings (2 errors, 1230 warnings) counted but not listed: raise ...".
#[must_use]
pub fn truncated_note(report: &FileReport) -> Option<String> {
    let t = report.truncated;
    if t.total() == 0 {
        return None;
    }
    let parts: Vec<String> = [
        (t.errors, "error"),
        (t.warnings, "warning"),
        (t.infos, "info"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| plural(*n, word))
    .collect();
    Some(format!(
        "{}: {} ({}) counted but not listed: raise `max-diagnostics-per-file` in klar-lint.toml to list them",
        escape_controls(&report.path),
        plural(t.total(), "more finding"),
        parts.join(", ")
    ))
}

/// A count and its noun, plural unless the count is one: `plural(1, "finding")` is
/// "1 finding", `plural(3, "more finding")` is "3 more findings". Every count in a message
/// goes through it.
#[must_use]
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// "3 errors, 1 warning and 2 infos in 2 of 40 files (1,234 objects)", and the config used.
#[must_use]
pub fn summary_line(summary: &Summary) -> String {
    let line = counts_line(summary);
    match &summary.config {
        Some(config) => format!("{line} Config: `{config}`."),
        None => line,
    }
}

fn counts_line(summary: &Summary) -> String {
    let findings = summary.errors + summary.warnings + summary.infos;
    let objects = plural(summary.objects, "object");
    if findings == 0 {
        return format!(
            "All clear: {} checked ({objects}), no findings.",
            plural(summary.files, "file")
        );
    }
    let mut parts = Vec::new();
    if summary.errors > 0 {
        parts.push(plural(summary.errors, "error"));
    }
    if summary.warnings > 0 {
        parts.push(plural(summary.warnings, "warning"));
    }
    if summary.infos > 0 {
        parts.push(plural(summary.infos, "info"));
    }
    let list = match parts.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    };
    let not_listed = if summary.not_listed > 0 {
        format!(
            "; {} of them not listed, past max-diagnostics-per-file",
            summary.not_listed
        )
    } else {
        String::new()
    };
    format!(
        "Found {list} in {} of {} ({objects}){not_listed}.",
        summary.files_with_findings,
        plural(summary.files, "file")
    )
}

/// What to do after a run with findings, the last line of human output: "Next: `klar-lint
/// explain per-unit-tax` explains the most frequent rule here (5 findings); ...".
#[must_use]
pub fn next_step(summary: &Summary, statistics_shown: bool) -> Option<String> {
    let counts = summary.statistics();
    let (rule, n) = counts.first()?;
    let tied = counts.iter().filter(|(_, m)| m == n).count();
    let mut next = if tied > 1 {
        format!(
            "Next: `klar-lint explain {rule}` explains one of the {tied} most frequent rules here ({} each)",
            plural(*n, "finding")
        )
    } else {
        format!(
            "Next: `klar-lint explain {rule}` explains the most frequent rule here ({})",
            plural(*n, "finding")
        )
    };
    if counts.len() > 1 && !statistics_shown {
        next.push_str("; `--statistics` counts the findings of all ");
        next.push_str(&counts.len().to_string());
        next.push_str(" rules");
    }
    next.push('.');
    Some(next)
}

/// The line about fixes under the summary, as ruff's: "Fixed 2 findings.", "`[*]` 3 findings
/// fixable with `--fix` (1 more with `--unsafe-fixes`)."; `None` when there is nothing to say.
#[must_use]
pub fn fixes_line(f: &FixCounts) -> Option<String> {
    let hidden = if f.unsafe_enabled { 0 } else { f.unsafe_ };
    let fixable = if f.unsafe_enabled {
        f.safe + f.unsafe_
    } else {
        f.safe
    };
    let option = if f.unsafe_enabled {
        "`--fix --unsafe-fixes`"
    } else {
        "`--fix`"
    };
    if f.fixed > 0 {
        let more = if fixable > 0 {
            format!("; {fixable} more fixable with {option}")
        } else {
            String::new()
        };
        let hidden = if hidden > 0 {
            format!("; {hidden} more with `--unsafe-fixes`")
        } else {
            String::new()
        };
        return Some(format!(
            "Fixed {}{more}{hidden}.",
            plural(f.fixed, "finding")
        ));
    }
    match (fixable, hidden) {
        (0, 0) => None,
        (0, hidden) => Some(format!(
            "{} fixable with `--fix --unsafe-fixes`.",
            plural(hidden, "finding")
        )),
        (fixable, 0) => Some(format!(
            "[*] {} fixable with {option}.",
            plural(fixable, "finding")
        )),
        (fixable, hidden) => Some(format!(
            "[*] {} fixable with {option} ({hidden} more with `--unsafe-fixes`).",
            plural(fixable, "finding")
        )),
    }
}

/// The marker of a finding `--fix` fixes in one-line formats (`[*] `, as ruff), or nothing:
/// an unsafe fix is not marked, as the summary counts it apart ("N more with
/// `--unsafe-fixes`").
#[must_use]
pub fn fix_marker(d: &crate::diagnostic::Diagnostic) -> &'static str {
    if d.fix
        .as_ref()
        .is_some_and(|f| f.is_offered() && f.applicability == crate::fix::Applicability::Safe)
    {
        "[*] "
    } else {
        ""
    }
}

/// The revenue table printed by `--summary`.
///
/// # Errors
/// When writing fails.
pub fn revenue_table(out: &mut dyn Write, revenue: &Revenue) -> io::Result<()> {
    use crate::money::display_computed;
    if revenue.currencies.iter().all(|(_, t)| t.orders == 0) {
        writeln!(out, "Revenue: no orders counted.")?;
        return left_out_note(out, revenue);
    }
    writeln!(out, "Revenue, recomputed as Klar does (lines: quantity x per-unit values; bundles from their constituents):")?;
    writeln!(
        out,
        "{:<8} {:>7} {:>14} {:>12} {:>12} {:>14} {:>12} {:>12} {:>9} {:>12}",
        "currency",
        "orders",
        "gross",
        "taxes",
        "discounts",
        "net",
        "ship before",
        "ship after",
        "returned",
        "return value"
    )?;
    for (currency, t) in &revenue.currencies {
        if t.orders == 0 {
            continue;
        }
        // Sums of sent amounts, shown as money: rounded to the currency's minor unit (float
        // noise such as 209.99000000000001 must not add up to a column of noise).
        let exp = crate::iso::currency_exponent(currency).unwrap_or(2);
        let display = |d| display_computed(d, exp);
        writeln!(
            out,
            "{:<8} {:>7} {:>14} {:>12} {:>12} {:>14} {:>12} {:>12} {:>9} {:>12}",
            currency,
            t.orders,
            display(t.gross),
            display(t.taxes),
            display(t.discounts),
            display(t.net),
            display(t.shipping_before),
            display(t.shipping_after),
            t.returned_units.normalize(),
            display(t.returned_value)
        )?;
    }
    writeln!(out, "By payment status (net line revenue):")?;
    for (currency, t) in &revenue.currencies {
        let exp = crate::iso::currency_exponent(currency).unwrap_or(2);
        let display = |d| display_computed(d, exp);
        for (bucket, s) in &t.by_status {
            let orders = if s.orders == 1 { "order " } else { "orders" };
            writeln!(
                out,
                "  {currency:<6} {bucket:<20} {:>6} {orders} {:>14}",
                s.orders,
                display(s.net)
            )?;
        }
    }
    left_out_note(out, revenue)
}

/// Says how many objects the totals leave out, and why, so a total is never silently short;
/// and which currencies are no ISO 4217 code (counted as sent, flagged by `currency-code`).
fn left_out_note(out: &mut dyn Write, revenue: &Revenue) -> io::Result<()> {
    let unknown: Vec<&str> = revenue
        .currencies
        .iter()
        .map(|(c, _)| c.as_str())
        .filter(|c| *c != "?" && !crate::iso::is_currency(c))
        .collect();
    if !unknown.is_empty() {
        writeln!(
            out,
            "Not ISO 4217 currencies, counted as sent: {} (see `currency-code`; Klar may file them under a currency of their own or reject them).",
            unknown.join(", ")
        )?;
    }
    if revenue.rejected > 0 {
        writeln!(
            out,
            "Left out of these totals: {} {}.",
            plural(
                usize::try_from(revenue.rejected).unwrap_or(usize::MAX),
                "object"
            ),
            crate::revenue::REJECTED_REASON
        )?;
    }
    if revenue.overflowed > 0 {
        writeln!(
            out,
            "Left out of these totals: {} with {}.",
            plural(
                usize::try_from(revenue.overflowed).unwrap_or(usize::MAX),
                "object"
            ),
            crate::revenue::OVERFLOW_REASON
        )?;
    }
    match revenue.left_out {
        0 => Ok(()),
        1 => writeln!(
            out,
            "Left out of these totals: 1 object that failed its schema, so its amounts cannot be trusted."
        ),
        n => writeln!(
            out,
            "Left out of these totals: {n} objects that {}.",
            crate::revenue::LEFT_OUT_REASON
        ),
    }
}

/// Text from a payload or a file name made safe for a terminal: each control character
/// (an escape sequence's ESC, a bell, a carriage return or line feed that would forge a line)
/// written as `\u{1b}`, so a payload's `"\u001b[2J"` is shown, never obeyed.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A snippet's text with each control character other than a line break or tab replaced by
/// `?` byte for byte, so spans into it stay where they were.
pub(crate) fn mask_controls(text: String) -> String {
    if !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return text;
    }
    text.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
                "?".repeat(c.len_utf8())
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::revenue_table;
    use crate::money::decimal_from_literal;
    use crate::revenue::{CurrencyTotals, Revenue};

    #[test]
    fn objects_left_out_of_the_totals_are_counted_with_the_reason() {
        let mut revenue = Revenue::default();
        let mut text = Vec::new();
        revenue_table(&mut text, &revenue).unwrap();
        assert!(!String::from_utf8_lossy(&text).contains("Left out"));
        revenue.left_out = 2;
        let mut text = Vec::new();
        revenue_table(&mut text, &revenue).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("Left out of these totals: 2 objects that failed their schema"),
            "{text}"
        );
    }

    #[test]
    fn revenue_sums_are_shown_in_the_currency_s_minor_unit() {
        let d = |s: &str| decimal_from_literal(s).unwrap();
        let mut revenue = Revenue::default();
        revenue.currencies.insert(
            "EUR".to_owned(),
            CurrencyTotals {
                orders: 1,
                gross: d("209.99000000000001"),
                net: d("176.46000000000001"),
                ..CurrencyTotals::default()
            },
        );
        revenue.currencies.insert(
            "JPY".to_owned(),
            CurrencyTotals {
                orders: 1,
                gross: d("1500.5"),
                ..CurrencyTotals::default()
            },
        );
        let mut out = Vec::new();
        revenue_table(&mut out, &revenue).unwrap();
        let table = String::from_utf8(out).unwrap();
        assert!(table.contains(" 209.99 "), "{table}");
        assert!(table.contains(" 176.46"), "{table}");
        assert!(table.contains(" 1501 "), "{table}");
        assert!(!table.contains("0000000"), "{table}");
    }
}
