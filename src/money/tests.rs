//! Tests of `money`.

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
        "", "-", "+1", ".5", "1.", "01", "-01", "1e", "1e+", "1E-", "0x10", "1_000", " 1", "1 ",
        "NaN", "inf", "-inf", "1.2.3", "1e2.5", "--1", "1,5", "١", "1e2e3", "0.-1",
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
    let t = config("[tolerance]\nper-unit = 2\nline-factor = 0.5\nshipping-factor = \"0.25\"\n")
        .unwrap();
    assert_eq!(t.per_unit, d("2"));
    assert_eq!(t.line_factor, d("0.5"));
    assert_eq!(t.shipping_factor, d("0.25"));
    // Floats by their shortest decimal text: exactly 0.1, not 0.1000000000000000055….
    let t =
        config("[tolerance]\nline-factor = 0.1\nper-unit = 1e-3\nshipping-factor = 0\n").unwrap();
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
