//! Money: exact decimals from JSON number literals, rounding, display, and the tolerance policy.
//!
//! Every amount in klar-lint goes through this module. Amounts are [`Decimal`]s built from the
//! literal text of the JSON number (`serde_json`'s `arbitrary_precision` keeps it, see
//! [`decimal`]), never from `f64`, and never by comparing two `serde_json::Number`s. A literal
//! that a `Decimal` cannot hold exactly (more than 28 fractional digits, or a value beyond
//! ±79 228 162 514 264 337 593 543 950 335) is an error, never silently rounded.
//!
//! # Amounts in messages
//!
//! A value the payload sent is quoted exactly as sent ([`display_in`]): `209.99000000000001`
//! is the sender's own literal (PHP's `json_encode` and JavaScript write such float noise,
//! docs/klar-api.md §14.4 item 10). Every amount klar-lint works out (an expected value, a difference, a
//! sum, a per-unit share, a suggested value) is shown as money ([`display_computed`]): rounded
//! half away from zero to the minor unit of the order's currency (ISO 4217 exponent, see
//! `iso.rs`; 2 where none applies, as on cost items and refunds). So a message reads "is
//! 209.99000000000001 but the line works out to 180.00 (29.99 more)". Comparisons always use
//! the exact values; only the text is rounded. `tests/float_noise.rs` holds every rule to it.
//!
//! # Tolerance policy (docs/klar-api.md §11.2)
//!
//! Klar documents no rounding rule, and its own worked examples do not add up to the cent:
//! Order Example #1 shows `totalAmountAfterTaxesAndDiscounts` 4.71, while the formula with the
//! shown per-unit values gives 2 × (3.50 − 0.16 − 0.98) = 4.72. Klar works the total out from
//! the *unrounded* per-unit tax (2.52 × 0.07 / 1.07 = 0.164860…) and rounds only the result.
//! Each per-unit input that was rounded to the minor unit can be off by half a minor unit, and
//! a line multiplies that by its quantity. So a checksum comparison allows, in minor units of
//! the order's currency (0.01 for EUR, 1 for JPY, 0.001 for KWD):
//!
//! * **per-unit values** (a tax amount against `(GMV − Σ discounts) × r / (1 + r)`, one
//!   discount share, ...): `per-unit` minor units, default 1;
//! * **line totals** (`totalAmountBeforeTaxesAndDiscounts`, `totalAmountAfterTaxesAndDiscounts`):
//!   `max(per-unit, line-factor × |quantity| × (1 + entries))`, where `entries` is the number of
//!   taxes plus discounts on the line and `line-factor` defaults to 0.5 (half a minor unit per
//!   rounded input per unit). Example #1: quantity 2, one tax and two discounts →
//!   0.5 × 2 × 4 = 4 minor units = 0.04, so 4.71 against 4.72 passes. This is the
//!   `max(0.01, Q × 0.005 × (1 + #taxes + #discounts))` of docs/klar-api.md §11.2;
//! * **shipping totals** (no quantity): `max(per-unit, shipping-factor × (1 + entries))`,
//!   `shipping-factor` default 0.5.
//!
//! An order-level voucher spread over units over- or under-allocates by up to half a minor
//! unit per unit (5.00 over 8 units → 0.625 → 0.63 each → 5.04, 0.04 over), which the line
//! allowance covers. The policy is configurable as `[tolerance]` in `klar-lint.toml` (see
//! [`Tolerance`]). Klar's live validator does not enforce these equalities (docs/klar-api.md §11.2), so
//! rules report a failed comparison as a warning.

use std::fmt;

pub use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;
use serde::de::{self, Deserializer, Visitor};

/// Why a number could not become a [`Decimal`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The literal is a number, but not one a `Decimal` holds exactly: more than 28 fractional
    /// digits, or a magnitude beyond `Decimal::MAX`.
    #[error("`{literal}` does not fit an exact decimal (28 significant digits)")]
    OutOfRange {
        /// The literal, shortened to 40 characters and `…` when longer.
        literal: String,
    },
    /// The text is not a JSON number (only [`decimal_from_literal`] and the configuration can
    /// see such text; a parsed `serde_json::Number` is always well-formed).
    #[error("`{literal}` is not a JSON number")]
    NotANumber {
        /// The text, shortened to 40 characters and `…` when longer.
        literal: String,
    },
}

/// The exact decimal of a JSON number, from its literal text.
///
/// Needs `serde_json`'s `arbitrary_precision` feature, so that [`serde_json::Number::as_str`]
/// returns the number exactly as written in the payload. See [`decimal_from_literal`].
///
/// # Errors
///
/// [`MoneyError::OutOfRange`] when the value does not fit a `Decimal` exactly
/// (`1e400`, `1e-400`, a 40-digit integer, 29 or more significant fractional digits).
pub fn decimal(n: &serde_json::Number) -> Result<Decimal, MoneyError> {
    decimal_from_literal(n.as_str())
}

/// The exact decimal of a JSON number literal: `3.50`, `-0`, `1e2`, `2.5E-3`, `1.5e+1`.
///
/// Accepts exactly the JSON number grammar (no leading `+`, no `.5`, no `1.`, no blanks).
/// The result keeps the literal's scale: `3.50` has scale 2, `2.5E-3` is `0.0025`, `1e2` is
/// `100`, `1.50e1` is `15.0`. Negative zero becomes zero. Nothing is rounded: where the scale
/// would exceed 28 only trailing zeros are dropped (`1.000…0` with 40 zeros is `1` with scale
/// 28); otherwise the literal is out of range. This is what `Decimal::from_str_exact` does for
/// plain literals, extended to exponents (`Decimal::from_scientific` would round long
/// mantissas and drop the scale).
///
/// # Errors
///
/// [`MoneyError::NotANumber`] for text outside the JSON number grammar,
/// [`MoneyError::OutOfRange`] for a number that does not fit a `Decimal` exactly.
pub fn decimal_from_literal(s: &str) -> Result<Decimal, MoneyError> {
    let number = JsonNumber::parse(s.as_bytes()).ok_or_else(|| MoneyError::NotANumber {
        literal: excerpt(s),
    })?;
    number.to_decimal().ok_or_else(|| MoneyError::OutOfRange {
        literal: excerpt(s),
    })
}

/// An amount for messages: its own scale when that is 2 or more, else padded to 2 decimals.
///
/// `7` → `7.00`, `4.7` → `4.70`, `4.71` → `4.71`, `0.164860` → `0.164860`. Never rounds, never
/// prints `-0`. For currencies whose exponent is not 2, use [`display_in`].
#[must_use]
pub fn display(d: Decimal) -> String {
    display_in(d, 2)
}

/// An amount for messages in a currency with the given minor-unit exponent: its own scale
/// when that is at least `currency_exponent`, else padded with zeros to it.
///
/// JPY (0): `1500` → `1500`, `1500.5` → `1500.5`. KWD (3): `1.2` → `1.200`. Digits are never
/// cut off, so a value with more decimals than the currency has shows them all (that is
/// usually what a message is about). Exponents above 28 count as 28.
#[must_use]
pub fn display_in(d: Decimal, currency_exponent: u32) -> String {
    let d = positive_zero(d);
    let mut text = d.to_string();
    let scale = d.scale();
    let pad = currency_exponent
        .min(Decimal::MAX_SCALE)
        .saturating_sub(scale);
    if pad > 0 {
        if scale == 0 {
            text.push('.');
        }
        text.extend(std::iter::repeat_n(
            '0',
            usize::try_from(pad).unwrap_or_default(),
        ));
    }
    text
}

/// An amount klar-lint worked out (an expected value, a difference, a sum, a per-unit share),
/// for messages and help: rounded half away from zero to the currency's minor unit
/// ([`round_to_minor`]) and padded to it ([`display_in`]).
///
/// EUR (2): `29.99000000000001` → `29.99`, `0.164860` → `0.16`, `7` → `7.00`. JPY (0):
/// `1500.5` → `1501`. KWD (3): `1.2` → `1.200`. Use it for every number a rule computes; quote
/// a value the payload sent with [`display_in`], which shows it exactly as sent (float noise
/// such as `209.99000000000001` included: it is the sender's own literal). Where no currency
/// applies (cost items, refunds), pass 2.
#[must_use]
pub fn display_computed(d: Decimal, currency_exponent: u32) -> String {
    display_in(round_to_minor(d, currency_exponent), currency_exponent)
}

/// Rounds half away from zero to the currency's minor unit: `5.9076` → `5.91`, `0.625` →
/// `0.63`, `-0.625` → `-0.63` (exponent 2), `2.5` → `3` (exponent 0).
///
/// A value with no more decimals than `exponent` is returned unchanged (`7` stays `7`, not
/// `7.00`; [`display_in`] pads). A result of zero is never negative. Exponents above 28 count as
/// 28.
#[must_use]
pub fn round_to_minor(d: Decimal, exponent: u32) -> Decimal {
    positive_zero(d.round_dp_with_strategy(
        exponent.min(Decimal::MAX_SCALE),
        RoundingStrategy::MidpointAwayFromZero,
    ))
}

/// How far a recomputed amount may be from the one in the payload; see the module docs for the
/// policy and its source (docs/klar-api.md §11.2).
///
/// Configured as `[tolerance]` in `klar-lint.toml`, every key optional:
///
/// ```toml
/// [tolerance]
/// per-unit = 1           # minor units
/// line-factor = 0.5      # or "0.5"
/// shipping-factor = 0.5
/// ```
///
/// Each value may be a TOML integer, a float or a string holding a decimal (`"0.5"`). Floats are
/// read by their shortest decimal form, so `0.1` means exactly 0.1. Negative values, NaN and
/// infinities are rejected with an error naming the key, as are unknown keys.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Tolerance {
    /// Minor units a per-unit comparison may be off, and the least any comparison allows.
    /// Default 1.
    #[serde(deserialize_with = "per_unit")]
    pub per_unit: Decimal,
    /// Minor units per unit of quantity and per rounded input that a line total may be off:
    /// a line passes within `max(per_unit, line_factor × |quantity| × (1 + entries))`.
    /// Default 0.5.
    #[serde(deserialize_with = "line_factor")]
    pub line_factor: Decimal,
    /// Minor units per rounded input that a shipping total may be off:
    /// `max(per_unit, shipping_factor × (1 + entries))`. Default 0.5.
    #[serde(deserialize_with = "shipping_factor")]
    pub shipping_factor: Decimal,
}

impl Default for Tolerance {
    fn default() -> Self {
        Self {
            per_unit: Decimal::ONE,
            line_factor: Decimal::new(5, 1),
            shipping_factor: Decimal::new(5, 1),
        }
    }
}

impl Tolerance {
    /// The per-unit allowance in currency units: `per_unit × 10^-exponent` (0.01 for EUR with
    /// the defaults, 1 for JPY).
    #[must_use]
    pub fn per_unit_abs(&self, exponent: u32) -> Decimal {
        in_currency_units(self.per_unit, exponent)
    }

    /// The allowance for a line total in currency units:
    /// `max(per_unit, line_factor × |quantity| × (1 + entries)) × 10^-exponent`, where
    /// `entries` is the number of taxes plus discounts on the line.
    #[must_use]
    pub fn line_abs(&self, exponent: u32, quantity: Decimal, entries: usize) -> Decimal {
        let grown = self
            .line_factor
            .saturating_mul(quantity.abs())
            .saturating_mul(Decimal::from(entries.saturating_add(1)));
        in_currency_units(self.per_unit.max(grown), exponent)
    }

    /// The allowance for a shipping total in currency units:
    /// `max(per_unit, shipping_factor × (1 + entries)) × 10^-exponent`, where `entries` is the
    /// number of shipping taxes plus shipping discounts.
    #[must_use]
    pub fn shipping_abs(&self, exponent: u32, entries: usize) -> Decimal {
        let grown = self
            .shipping_factor
            .saturating_mul(Decimal::from(entries.saturating_add(1)));
        in_currency_units(self.per_unit.max(grown), exponent)
    }

    /// Whether `|a − b| ≤ tol`. A difference too large for a `Decimal` is never within.
    #[must_use]
    pub fn within(a: Decimal, b: Decimal, tol: Decimal) -> bool {
        a.checked_sub(b).is_some_and(|diff| diff.abs() <= tol)
    }
}

/// `minor_units × 10^-exponent`, without trailing zeros (exponents above 28 count as 28).
fn in_currency_units(minor_units: Decimal, exponent: u32) -> Decimal {
    let unit = Decimal::new(1, exponent.min(Decimal::MAX_SCALE));
    minor_units.saturating_mul(unit).normalize()
}

/// `d`, with the sign of a zero cleared (`Decimal` can hold `-0`).
fn positive_zero(mut d: Decimal) -> Decimal {
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

/// At most 40 characters of `s` for an error message, with `…` when cut.
fn excerpt(s: &str) -> String {
    const MAX_CHARS: usize = 40;
    match s.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}…", s.get(..end).unwrap_or_default()),
        None => s.to_owned(),
    }
}

/// The largest mantissa a `Decimal` holds: 2^96 − 1.
const MAX_MANTISSA: u128 = (1 << 96) - 1;
/// Exponents beyond this are saturated; any non-zero value there is out of range anyway.
const EXPONENT_CAP: i64 = 1 << 40;

/// A JSON number split into its parts: `-? int (. frac)? ([eE] [+-]? exp)?`.
struct JsonNumber<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    exponent: i64,
}

impl<'a> JsonNumber<'a> {
    /// Splits `s` by the JSON number grammar; `None` when it does not match.
    fn parse(s: &'a [u8]) -> Option<Self> {
        let (negative, rest) = match s.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, s),
        };
        let int_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (int, mut rest) = rest.split_at_checked(int_len)?;
        // One or more digits, no leading zero unless the integer part is just `0`.
        if int.is_empty() || (int.len() > 1 && int.first() == Some(&b'0')) {
            return None;
        }
        let mut frac: &[u8] = &[];
        if let Some((b'.', after)) = rest.split_first() {
            let frac_len = after.iter().take_while(|b| b.is_ascii_digit()).count();
            if frac_len == 0 {
                return None;
            }
            (frac, rest) = after.split_at_checked(frac_len)?;
        }
        let mut exponent = 0_i64;
        if let Some((b'e' | b'E', after)) = rest.split_first() {
            let (exp_negative, digits) = match after.split_first() {
                Some((b'-', digits)) => (true, digits),
                Some((b'+', digits)) => (false, digits),
                _ => (false, after),
            };
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            for digit in digits {
                exponent = (exponent * 10 + i64::from(digit - b'0')).min(EXPONENT_CAP);
            }
            if exp_negative {
                exponent = -exponent;
            }
            rest = &[];
        }
        rest.is_empty().then_some(Self {
            negative,
            int,
            frac,
            exponent,
        })
    }

    /// The exact `Decimal`, keeping the literal's scale where it fits; `None` when out of range.
    fn to_decimal(&self) -> Option<Decimal> {
        let max_scale = i64::from(Decimal::MAX_SCALE);
        let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        // The value is `digits × 10^-scale`, digits being int and frac run together.
        let scale = to_i64(self.frac.len()).saturating_sub(self.exponent);
        let digits = || self.int.iter().chain(self.frac);
        let leading_zeros = digits().take_while(|&&b| b == b'0').count();
        let total = self.int.len() + self.frac.len();
        if leading_zeros == total {
            // Zero: keep the written scale where it can be kept ("0.00"), never negative.
            let scale = u32::try_from(scale.clamp(0, max_scale)).ok()?;
            return Some(Decimal::new(0, scale));
        }
        let significant = to_i64(total - leading_zeros);
        let trailing_zeros = to_i64(digits().rev().take_while(|&&b| b == b'0').count());
        // Pick the final scale: as written (not below 0, at most 28), lowered only by dropping
        // trailing zeros, and low enough for the mantissa to have at most 29 digits.
        let lowest = scale.saturating_sub(trailing_zeros).max(0);
        let highest = scale
            .clamp(0, max_scale)
            .min(scale.saturating_add(29).saturating_sub(significant));
        if lowest > highest {
            return None;
        }
        for target in (lowest..=highest).rev() {
            // Mantissa = digits × 10^(target − scale): cut trailing zeros or append zeros.
            let shift = target.saturating_sub(scale);
            let keep = usize::try_from(significant.saturating_add(shift.min(0))).ok()?;
            let append = usize::try_from(shift.max(0)).ok()?;
            let mantissa = digits()
                .skip(leading_zeros)
                .take(keep)
                .map(|&digit| u128::from(digit - b'0'))
                .chain(std::iter::repeat_n(0, append))
                .try_fold(0_u128, |m, digit| {
                    m.checked_mul(10)?
                        .checked_add(digit)
                        .filter(|&m| m <= MAX_MANTISSA)
                });
            if let Some(mantissa) = mantissa {
                let signed = i128::try_from(mantissa).ok()?;
                let signed = if self.negative { -signed } else { signed };
                return Decimal::try_from_i128_with_scale(signed, u32::try_from(target).ok()?).ok();
            }
        }
        None
    }
}

/// Deserializes a tolerance value: an integer, a float or a decimal string, never negative.
struct NonNegative(&'static str);

impl NonNegative {
    fn check<E: de::Error>(&self, d: Decimal) -> Result<Decimal, E> {
        if d.is_sign_negative() && !d.is_zero() {
            return Err(E::custom(format_args!(
                "tolerance `{}` must not be negative (got {d})",
                self.0
            )));
        }
        Ok(positive_zero(d))
    }

    fn literal<E: de::Error>(&self, s: &str) -> Result<Decimal, E> {
        decimal_from_literal(s)
            .map_err(|e| E::custom(format_args!("tolerance `{}`: {e}", self.0)))
            .and_then(|d| self.check(d))
    }
}

impl Visitor<'_> for NonNegative {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "a non-negative number for tolerance `{}` \
             (an integer, a float, or a string such as \"0.5\")",
            self.0
        )
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        self.check(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        self.check(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom(format_args!(
                "tolerance `{}` must be a finite number (got {v})",
                self.0
            )));
        }
        // `Display` for f64 is the shortest text that reads back as the same float, and never
        // uses an exponent: 0.1 → "0.1", 1e-7 → "0.0000001".
        self.literal(&v.to_string())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        self.literal(v)
    }
}

fn per_unit<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    deserializer.deserialize_any(NonNegative("per-unit"))
}

fn line_factor<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    deserializer.deserialize_any(NonNegative("line-factor"))
}

fn shipping_factor<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    deserializer.deserialize_any(NonNegative("shipping-factor"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        decimal_from_literal(s).unwrap()
    }

    fn out_of_range(s: &str) -> bool {
        matches!(decimal_from_literal(s), Err(MoneyError::OutOfRange { .. }))
    }

    // --- decimal ---------------------------------------------------------------------------

    #[test]
    fn plain_literals_keep_their_scale() {
        for (literal, shown) in [
            ("0", "0"),
            ("3.50", "3.50"),
            ("7.0", "7.0"),
            ("4.71", "4.71"),
            ("-12.345", "-12.345"),
            ("0.00", "0.00"),
            ("19.99", "19.99"),
            ("1678376546", "1678376546"),
            (
                "0.0000000000000000000000000001",
                "0.0000000000000000000000000001",
            ),
            (
                "79228162514264337593543950335",
                "79228162514264337593543950335",
            ),
            (
                "-79228162514264337593543950335",
                "-79228162514264337593543950335",
            ),
            (
                "7.9228162514264337593543950335",
                "7.9228162514264337593543950335",
            ),
        ] {
            assert_eq!(d(literal).to_string(), shown, "{literal}");
        }
    }

    #[test]
    fn exponents() {
        for (literal, shown) in [
            ("1e2", "100"),
            ("1E2", "100"),
            ("1e+2", "100"),
            ("2.5E-3", "0.0025"),
            ("2.5e-3", "0.0025"),
            ("1.50e1", "15.0"),
            ("1.5e1", "15"),
            ("-1.5e1", "-15"),
            ("35e-1", "3.5"),
            ("0e400", "0"),
            ("0e-400", "0.0000000000000000000000000000"),
            ("1e28", "10000000000000000000000000000"),
            ("1e-28", "0.0000000000000000000000000001"),
            ("100e-30", "0.0000000000000000000000000001"),
            ("1e00000000000000000000000000002", "100"),
        ] {
            assert_eq!(d(literal).to_string(), shown, "{literal}");
        }
    }

    #[test]
    fn negative_zero_is_zero() {
        for literal in ["-0", "-0.0", "-0e5", "-0.000e-2"] {
            let zero = d(literal);
            assert!(zero.is_zero() && zero.is_sign_positive(), "{literal}");
            assert!(!zero.to_string().starts_with('-'), "{literal}");
        }
        assert_eq!(d("-0").to_string(), "0");
    }

    #[test]
    fn only_trailing_zeros_are_dropped_beyond_28_decimals() {
        // 40 fractional digits, the last 13 zeros: exact at scale 28.
        let long = format!("1.{}{}", "1".repeat(27), "0".repeat(13));
        assert_eq!(d(&long).to_string(), format!("1.{}0", "1".repeat(27)));
        assert_eq!(
            d(&format!("1.{}", "0".repeat(40))).to_string(),
            format!("1.{}", "0".repeat(28))
        );
        // A 29-digit mantissa above 2^96 that ends in a zero: drop it.
        assert_eq!(
            d("79228162514264337593543950335.0").to_string(),
            "79228162514264337593543950335"
        );
        // 29 digits at scale 2 are above 2^96; one trailing zero less fits.
        assert_eq!(
            d("792281625142643375935439503.40").to_string(),
            "792281625142643375935439503.4"
        );
    }

    #[test]
    fn out_of_range_literals_are_errors() {
        for literal in [
            "1234567890123456789012345678901234567890", // 40-digit integer
            "79228162514264337593543950336",            // Decimal::MAX + 1
            "-79228162514264337593543950336",
            "1e400",
            "1e-400",
            "-1e400",
            "1e29",
            "1e-29",
            "0.00000000000000000000000000001", // 29 fractional digits
            "0.12345678901234567890123456789",
            "7922816251426433759354395033.59",
            "1.5e-28",
            "1e99999999999999999999999999999",
        ] {
            assert!(
                out_of_range(literal),
                "{literal}: {:?}",
                decimal_from_literal(literal)
            );
        }
        let error = decimal_from_literal("1e400").unwrap_err();
        assert_eq!(
            error.to_string(),
            "`1e400` does not fit an exact decimal (28 significant digits)"
        );
    }

    #[test]
    fn error_literals_are_shortened() {
        let long = "9".repeat(100);
        let MoneyError::OutOfRange { literal } = decimal_from_literal(&long).unwrap_err() else {
            panic!("expected OutOfRange");
        };
        assert_eq!(literal, format!("{}…", "9".repeat(40)));
    }

    #[test]
    fn non_json_numbers_are_rejected() {
        for text in [
            "", "-", "+1", ".5", "1.", "01", "-01", "1e", "1e+", "1E-", "0x10", "1_000", " 1",
            "1 ", "NaN", "inf", "-inf", "1.2.3", "1e2.5", "--1", "1,5", "١", "1e2e3", "0.-1",
        ] {
            assert!(
                matches!(
                    decimal_from_literal(text),
                    Err(MoneyError::NotANumber { .. })
                ),
                "{text:?}: {:?}",
                decimal_from_literal(text)
            );
        }
        assert_eq!(
            decimal_from_literal("1.").unwrap_err().to_string(),
            "`1.` is not a JSON number"
        );
    }

    #[test]
    fn from_serde_json_numbers() {
        let value: serde_json::Value = serde_json::from_str(
            "[3.50, -0, 1e2, 2.5E-3, 1234567890123456789012345678901234567890, 1e400, 1e-400, 0.1]",
        )
        .unwrap();
        let numbers: Vec<_> = value
            .as_array()
            .unwrap()
            .iter()
            .map(|v| decimal(v.as_number().unwrap()))
            .collect();
        assert_eq!(numbers[0].as_ref().unwrap().to_string(), "3.50");
        assert_eq!(numbers[1].as_ref().unwrap().to_string(), "0");
        assert_eq!(numbers[2].as_ref().unwrap().to_string(), "100");
        assert_eq!(numbers[3].as_ref().unwrap().to_string(), "0.0025");
        assert!(matches!(numbers[4], Err(MoneyError::OutOfRange { .. })));
        assert!(matches!(numbers[5], Err(MoneyError::OutOfRange { .. })));
        assert!(matches!(numbers[6], Err(MoneyError::OutOfRange { .. })));
        // No binary floating point anywhere: 0.1 is exactly one tenth.
        assert_eq!(*numbers[7].as_ref().unwrap() * Decimal::TEN, Decimal::ONE);
    }

    // --- display and rounding -----------------------------------------------------------------

    #[test]
    fn display_pads_to_two_decimals() {
        for (value, shown) in [
            ("7", "7.00"),
            ("7.5", "7.50"),
            ("4.71", "4.71"),
            ("0.164860", "0.164860"),
            ("-3", "-3.00"),
            ("-0", "0.00"),
            ("-0.0", "0.00"),
            ("1e2", "100.00"),
        ] {
            assert_eq!(display(d(value)), shown, "{value}");
        }
    }

    #[test]
    fn display_in_pads_to_the_exponent_and_never_cuts() {
        assert_eq!(display_in(d("1500"), 0), "1500");
        assert_eq!(display_in(d("1500.5"), 0), "1500.5");
        assert_eq!(display_in(d("1500.00"), 0), "1500.00");
        assert_eq!(display_in(d("1.2"), 3), "1.200");
        assert_eq!(display_in(d("7"), 3), "7.000");
        assert_eq!(display_in(d("4.71"), 2), "4.71");
        assert_eq!(display_in(d("0.4715"), 2), "0.4715");
        assert_eq!(display_in(d("2"), 4), "2.0000");
        assert_eq!(display_in(d("2"), 100).len(), "2.".len() + 28);
    }

    #[test]
    fn computed_amounts_are_rounded_to_the_minor_unit() {
        for (value, exponent, shown) in [
            ("29.99000000000001", 2, "29.99"),
            ("209.99000000000001", 2, "209.99"),
            ("0.30000000000000004", 2, "0.30"),
            ("4.78999999999998", 2, "4.79"),
            ("0.164860", 2, "0.16"),
            ("0.625", 2, "0.63"),
            ("-0.625", 2, "-0.63"),
            ("-0.001", 2, "0.00"),
            ("7", 2, "7.00"),
            ("1500.5", 0, "1501"),
            ("1500", 0, "1500"),
            ("1.2", 3, "1.200"),
            ("1.23456", 3, "1.235"),
        ] {
            assert_eq!(
                display_computed(d(value), exponent),
                shown,
                "{value} in exponent {exponent}"
            );
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        for (value, exponent, rounded) in [
            ("5.9076", 2, "5.91"),
            ("0.625", 2, "0.63"),
            ("-0.625", 2, "-0.63"),
            ("0.615", 2, "0.62"),
            ("0.614999", 2, "0.61"),
            ("2.5", 0, "3"),
            ("-2.5", 0, "-3"),
            ("1.0005", 3, "1.001"),
            ("4.71028", 2, "4.71"),
            ("7", 2, "7"),
            ("-0.001", 2, "0.00"),
            ("0.00005", 4, "0.0001"),
        ] {
            assert_eq!(
                round_to_minor(d(value), exponent).to_string(),
                rounded,
                "{value} to {exponent}"
            );
        }
        assert_eq!(round_to_minor(d("1.5"), 99), d("1.5"));
    }

    // --- the worked examples of docs/klar-api.md §11.2 ------------------------------------------------------

    #[test]
    fn order_example_1_line_passes() {
        let tolerance = Tolerance::default();
        let (quantity, gmv, tax) = (d("2"), d("3.50"), d("0.16"));
        let discounts = [d("0.63"), d("0.35")];
        let discount_sum: Decimal = discounts.iter().sum();
        let entries = 1 + discounts.len();

        assert_eq!(quantity * gmv, d("7.0"), "before: 7.0 shown");
        // With the shown (rounded) per-unit values: 4.72 against the shown 4.71.
        let recomputed = quantity * (gmv - tax - discount_sum);
        assert_eq!(recomputed, d("4.72"));
        let allowance = tolerance.line_abs(2, quantity, entries);
        assert_eq!(allowance, d("0.04"), "0.5 × 2 × 4 = 4 minor units");
        assert!(Tolerance::within(d("4.71"), recomputed, allowance));
        assert!(!Tolerance::within(d("4.71"), d("4.76"), allowance));

        // With the exact tax (tax after discounts, contained in the gross price): 4.71 exactly.
        let rate = d("0.07");
        let exact_tax = (gmv - discount_sum) * rate / (Decimal::ONE + rate);
        assert_eq!(round_to_minor(exact_tax, 6).to_string(), "0.164860");
        let exact_after = quantity * (gmv - exact_tax - discount_sum);
        assert_eq!(round_to_minor(exact_after, 2), d("4.71"));
        // The shown per-unit tax is within the per-unit allowance of the exact one.
        assert!(Tolerance::within(tax, exact_tax, tolerance.per_unit_abs(2)));
    }

    #[test]
    fn order_example_2_line_passes() {
        let tolerance = Tolerance::default();
        let (quantity, gmv, tax, rate) = (d("2"), d("3.50"), d("0.23"), d("0.07"));
        let recomputed = quantity * (gmv - tax);
        assert_eq!(recomputed, d("6.54"));
        assert!(Tolerance::within(
            d("6.54"),
            recomputed,
            tolerance.line_abs(2, quantity, 1)
        ));
        let exact_tax = gmv * rate / (Decimal::ONE + rate);
        assert_eq!(round_to_minor(exact_tax, 6).to_string(), "0.228972");
        assert_eq!(round_to_minor(quantity * (gmv - exact_tax), 2), d("6.54"));
        assert!(Tolerance::within(tax, exact_tax, tolerance.per_unit_abs(2)));
    }

    #[test]
    fn tax_doc_example_rounds_to_5_91() {
        let (gross, rate) = (d("37.00"), d("0.19"));
        let tax = gross * rate / (Decimal::ONE + rate);
        assert!(tax > d("5.9075") && tax < d("5.9076"), "{tax}");
        assert_eq!(round_to_minor(tax, 2), d("5.91"));
        assert!(Tolerance::within(
            d("5.91"),
            tax,
            Tolerance::default().per_unit_abs(2)
        ));
    }

    #[test]
    fn voucher_spread_over_eight_units_passes() {
        let tolerance = Tolerance::default();
        let share = round_to_minor(d("5.00") / d("8"), 2);
        assert_eq!(share, d("0.63"));
        let allocated = share * d("8");
        assert_eq!(allocated, d("5.04"));
        // 0.04 over: within the line allowance for 8 units with or without the discount
        // counted as an entry (0.5 × 8 × 1 = 4 minor units; × 2 = 8).
        assert_eq!(tolerance.line_abs(2, d("8"), 0), d("0.04"));
        assert!(Tolerance::within(
            allocated,
            d("5.00"),
            tolerance.line_abs(2, d("8"), 0)
        ));
        assert!(Tolerance::within(
            allocated,
            d("5.00"),
            tolerance.line_abs(2, d("8"), 1)
        ));
        // But not within a single per-unit allowance.
        assert!(!Tolerance::within(
            allocated,
            d("5.00"),
            tolerance.per_unit_abs(2)
        ));
    }

    // --- tolerance arithmetic ---------------------------------------------------------------

    #[test]
    fn allowances_scale_with_the_currency() {
        let tolerance = Tolerance::default();
        assert_eq!(tolerance.per_unit_abs(2), d("0.01"));
        assert_eq!(tolerance.per_unit_abs(0), d("1"));
        assert_eq!(tolerance.per_unit_abs(3), d("0.001"));
        assert_eq!(tolerance.per_unit_abs(4), d("0.0001"));
        assert_eq!(tolerance.per_unit_abs(99), d("1e-28"));
        // The per-unit floor: a quantity-1 line with no entries would get 0.5 minor units.
        assert_eq!(tolerance.line_abs(2, d("1"), 0), d("0.01"));
        assert_eq!(tolerance.line_abs(2, d("-3"), 1), d("0.03"), "|quantity|");
        assert_eq!(tolerance.line_abs(2, d("0"), 5), d("0.01"));
        assert_eq!(tolerance.line_abs(0, d("10"), 2), d("15"));
        assert_eq!(tolerance.shipping_abs(2, 0), d("0.01"));
        assert_eq!(tolerance.shipping_abs(2, 3), d("0.02"));
        assert_eq!(tolerance.shipping_abs(3, 1), d("0.001"));
        assert_eq!(display(tolerance.line_abs(2, d("2"), 3)), "0.04");
    }

    #[test]
    fn allowances_saturate_instead_of_panicking() {
        let tolerance = Tolerance {
            per_unit: Decimal::MAX,
            line_factor: Decimal::MAX,
            shipping_factor: Decimal::MAX,
        };
        assert_eq!(
            tolerance.line_abs(0, Decimal::MAX, usize::MAX),
            Decimal::MAX
        );
        assert_eq!(tolerance.shipping_abs(0, usize::MAX), Decimal::MAX);
        assert!(tolerance.per_unit_abs(2) > Decimal::ZERO);
    }

    #[test]
    fn within_is_inclusive_and_symmetric() {
        let tol = d("0.01");
        assert!(Tolerance::within(d("1.00"), d("1.01"), tol));
        assert!(Tolerance::within(d("1.01"), d("1.00"), tol));
        assert!(!Tolerance::within(d("1.00"), d("1.011"), tol));
        assert!(Tolerance::within(d("1"), d("1.00"), Decimal::ZERO));
        assert!(!Tolerance::within(Decimal::MAX, Decimal::MIN, Decimal::MAX));
        assert!(!Tolerance::within(d("1"), d("1"), d("-1")));
    }

    // --- configuration ---------------------------------------------------------------------------

    #[derive(Debug, serde::Deserialize)]
    struct Config {
        #[serde(default)]
        tolerance: Tolerance,
    }

    fn config(text: &str) -> Result<Tolerance, String> {
        toml::from_str::<Config>(text)
            .map(|c| c.tolerance)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn config_defaults() {
        assert_eq!(config("").unwrap(), Tolerance::default());
        assert_eq!(config("[tolerance]\n").unwrap(), Tolerance::default());
        let partial = config("[tolerance]\nline-factor = 1\n").unwrap();
        assert_eq!(partial.line_factor, d("1"));
        assert_eq!(partial.per_unit, d("1"));
        assert_eq!(partial.shipping_factor, d("0.5"));
    }

    #[test]
    fn config_accepts_integers_floats_and_strings() {
        let t =
            config("[tolerance]\nper-unit = 2\nline-factor = 0.5\nshipping-factor = \"0.25\"\n")
                .unwrap();
        assert_eq!(t.per_unit, d("2"));
        assert_eq!(t.line_factor, d("0.5"));
        assert_eq!(t.shipping_factor, d("0.25"));
        // Floats by their shortest decimal text: exactly 0.1, not 0.1000000000000000055….
        let t = config("[tolerance]\nline-factor = 0.1\nper-unit = 1e-3\nshipping-factor = 0\n")
            .unwrap();
        assert_eq!(t.line_factor.to_string(), "0.1");
        assert_eq!(t.per_unit, d("0.001"));
        assert_eq!(t.shipping_factor, Decimal::ZERO);
        let t = config("[tolerance]\nper-unit = \"1.5e1\"\nline-factor = -0.0\n").unwrap();
        assert_eq!(t.per_unit, d("15"));
        assert!(t.line_factor.is_zero() && t.line_factor.is_sign_positive());
    }

    #[test]
    fn config_rejects_negative_values() {
        for (text, key) in [
            ("per-unit = -1", "per-unit"),
            ("line-factor = -0.5", "line-factor"),
            ("shipping-factor = \"-0.25\"", "shipping-factor"),
        ] {
            let error = config(&format!("[tolerance]\n{text}\n")).unwrap_err();
            assert!(
                error.contains(&format!("tolerance `{key}` must not be negative")),
                "{error}"
            );
        }
    }

    #[test]
    fn config_rejects_junk() {
        for (text, needle) in [
            ("per-unit = nan", "finite"),
            ("per-unit = inf", "finite"),
            ("per-unit = -inf", "finite"),
            ("per-unit = \"half\"", "not a JSON number"),
            ("per-unit = \"\"", "not a JSON number"),
            ("per-unit = 1e300", "does not fit"),
            ("per-unit = true", "non-negative number"),
            ("per-unit = [1]", "non-negative number"),
            ("per-unit = 1\nper-unt = 2", "unknown field"),
        ] {
            let error = config(&format!("[tolerance]\n{text}\n")).unwrap_err();
            assert!(error.contains(needle), "{text}: {error}");
        }
    }

    // --- properties ----------------------------------------------------------------------------

    /// A random JSON number literal: sign, integer digits, fraction digits, optional exponent.
    fn literal() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,32}"],
            proptest::option::of("[0-9]{1,34}"),
            proptest::option::of((
                prop_oneof![Just("e"), Just("E")],
                prop_oneof![Just(""), Just("+"), Just("-")],
                0_u32..45,
            )),
        )
            .prop_map(|(negative, int, frac, exp)| {
                let mut s = String::new();
                if negative {
                    s.push('-');
                }
                s.push_str(&int);
                if let Some(frac) = frac {
                    s.push('.');
                    s.push_str(&frac);
                }
                if let Some((e, sign, digits)) = exp {
                    s.push_str(e);
                    s.push_str(sign);
                    s.push_str(&digits.to_string());
                }
                s
            })
    }

    /// The literal without an exponent, by moving the decimal point in the text.
    fn canonical(literal: &str) -> String {
        let (negative, unsigned) = match literal.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, literal),
        };
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(i) => (&unsigned[..i], unsigned[i + 1..].parse::<i64>().unwrap()),
            None => (unsigned, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = format!("{int}{frac}");
        let point = i64::try_from(int.len()).unwrap() + exponent;
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(usize::try_from(-point).unwrap()))
        } else {
            let point = usize::try_from(point).unwrap();
            if point >= digits.len() {
                format!("{digits}{}", "0".repeat(point - digits.len()))
            } else {
                format!("{}.{}", &digits[..point], &digits[point..])
            }
        };
        format!("{}{body}", if negative { "-" } else { "" })
    }

    /// `(negative, integer digits, fraction digits)` without leading or trailing zeros.
    fn normal(text: &str) -> (bool, String, String) {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let int = int.trim_start_matches('0').to_owned();
        let frac = frac.trim_end_matches('0').to_owned();
        let zero = int.is_empty() && frac.is_empty();
        (negative && !zero, int, frac)
    }

    proptest! {
        #[test]
        fn literals_round_trip_exactly(s in literal()) {
            let canon = canonical(&s);
            let ours = decimal_from_literal(&s);
            // Against rust_decimal's own exact parser wherever it accepts the canonical form.
            if let Ok(mut expected) = Decimal::from_str_exact(&canon) {
                if expected.is_zero() {
                    expected.set_sign_positive(true);
                }
                let ours = ours.clone().unwrap();
                prop_assert_eq!(ours, expected);
                prop_assert_eq!(ours.to_string(), expected.to_string(), "scale of {}", s);
            }
            // Against a digit-string oracle everywhere.
            let (negative, int, frac) = normal(&canon);
            let fits = frac.len() <= 28
                && format!("{int}{frac}")
                    .parse::<u128>()
                    .map_or(int.is_empty() && frac.is_empty(), |m| m <= MAX_MANTISSA);
            match ours {
                Ok(value) => {
                    prop_assert!(fits, "{} parsed as {} but should not fit", s, value);
                    prop_assert_eq!(normal(&value.to_string()), (negative, int, frac));
                    prop_assert!(value.scale() <= 28);
                }
                Err(error) => {
                    prop_assert!(!fits, "{} should fit: {}", s, error);
                    prop_assert!(
                        matches!(error, MoneyError::OutOfRange { .. }),
                        "well-formed literal reported as malformed"
                    );
                }
            }
        }

        #[test]
        fn serde_json_agrees(s in literal()) {
            // serde_json may respell the literal (`1E2` → `1e+2`), never change its value.
            let number: serde_json::Number = serde_json::from_str(&s).unwrap();
            match (decimal(&number), decimal_from_literal(&s)) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                (Err(MoneyError::OutOfRange { .. }), Err(MoneyError::OutOfRange { .. })) => {}
                (a, b) => prop_assert!(false, "{:?} != {:?}", a, b),
            }
        }

        #[test]
        fn no_string_panics(s in "\\PC{0,64}") {
            let _ = decimal_from_literal(&s);
        }

        #[test]
        fn no_numberish_string_panics(s in "[-+0-9.eE]{0,48}") {
            if let Ok(value) = decimal_from_literal(&s) {
                // Anything accepted is valid JSON with the same value.
                let number: serde_json::Number = serde_json::from_str(&s).unwrap();
                prop_assert_eq!(decimal(&number).unwrap(), value);
            }
        }

        #[test]
        fn rounding_stays_within_half_a_minor_unit(s in literal(), exponent in 0_u32..5) {
            if let Ok(value) = decimal_from_literal(&s) {
                let rounded = round_to_minor(value, exponent);
                prop_assert!(rounded.scale() <= value.scale().max(exponent));
                if let Some(diff) = rounded.checked_sub(value) {
                    prop_assert!(diff.abs() <= Decimal::new(5, exponent + 1));
                }
                // Display never loses digits.
                let (negative, int, frac) = normal(&display_in(value, exponent));
                prop_assert_eq!((negative, int, frac), normal(&value.to_string()));
            }
        }
    }
}
