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

/// The exact decimal of `text` when it is a plain decimal as JSON writes a number: `12.50`,
/// `-3`, `0.5`. `None` for anything else: `12,50`, `1e3`, `€5`, ` 5`, `.5`, `05`, `+5`, or a
/// value a `Decimal` cannot hold. Fixes use it to turn a string into the number it spells,
/// digits as written.
#[must_use]
pub fn plain_decimal(text: &str) -> Option<Decimal> {
    if text.bytes().any(|b| matches!(b, b'e' | b'E')) {
        return None;
    }
    decimal_from_literal(text).ok()
}

/// An amount a fix writes into the payload: rounded half away from zero to the currency's
/// minor unit, or to `scale` decimals when the amounts it was worked out from used more
/// (`scale` is the largest scale among them), and padded to the minor unit.
///
/// EUR (2): `6.545` from amounts of scale 2 → `6.55`; `1.9125` from amounts of scale 4 →
/// `1.9125`; `7` → `7.00`. JPY (0): `1500.5` → `1501`.
#[must_use]
pub fn fix_amount(d: Decimal, currency_exponent: u32, scale: u32) -> String {
    display_in(
        round_to_minor(d, currency_exponent.max(scale)).normalize(),
        currency_exponent,
    )
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
mod tests;
