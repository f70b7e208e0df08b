//! The one parse of record: text to `serde_json::Value`, noticing the repeated keys that
//! `serde_json` silently collapses.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A parsed document.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    /// Exactly the value `serde_json::from_str::<Value>` gives (last of repeated keys wins).
    pub value: Value,
    /// Whether any object, at any depth, repeats a key.
    pub has_duplicate_keys: bool,
}

/// Parses one JSON document as `serde_json::from_str::<Value>` does, and also reports whether
/// any object repeats a key.
///
/// `serde_json`'s recursion limit (128) applies, so deep nesting is an error, not a stack
/// overflow. Trailing non-whitespace after the value is an error.
///
/// Under `arbitrary_precision` numbers keep `serde_json`'s text for them: the literal as written,
/// except that an exponent is normalised to a lower-case `e` with an explicit sign (`1E5` becomes
/// `1e+5`), exactly as `serde_json::from_str` does.
///
/// # Errors
/// The `serde_json::Error` `serde_json` itself reports for the text, with its line and column.
pub fn parse_document(text: &str) -> Result<Parsed, serde_json::Error> {
    let duplicates = Cell::new(false);
    let mut de = serde_json::Deserializer::from_str(text);
    let value = ValueSeed {
        duplicates: &duplicates,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(Parsed {
        value,
        has_duplicate_keys: duplicates.get(),
    })
}

/// `serde_json`'s private key for an `arbitrary_precision` number, presented as a one-entry map.
/// Its own `Value` visitor recognises the same string (`serde_json::number::TOKEN`).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Deserializes a `Value` like `serde_json`'s own visitor, flagging repeated keys.
#[derive(Clone, Copy)]
struct ValueSeed<'c> {
    duplicates: &'c Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Value, E> {
        Number::from_i128(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom("JSON number out of range"))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Value, E> {
        Number::from_u128(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom("JSON number out of range"))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut vec = Vec::new();
        while let Some(elem) = seq.next_element_seed(self)? {
            vec.push(elem);
        }
        Ok(Value::Array(vec))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let first_key = match map.next_key_seed(KeyClassifier)? {
            None => return Ok(Value::Object(Map::new())),
            // An arbitrary-precision number arrives as a one-entry map under serde_json's
            // private key, its value the number's text; serde_json's own visitor does the same.
            Some(KeyClass::Number) => return Ok(Value::Number(map.next_value_seed(NumberText)?)),
            Some(KeyClass::Map(key)) => key,
        };
        let mut values = Map::new();
        values.insert(first_key, map.next_value_seed(self)?);
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self)?;
            if values.insert(key, value).is_some() {
                self.duplicates.set(true);
            }
        }
        Ok(Value::Object(values))
    }
}

/// A map's first key: `serde_json`'s private number key, or a real key. Checked on the borrowed
/// text, so a number costs no key allocation (as in `serde_json`'s own `KeyClassifier`).
enum KeyClass {
    Number,
    Map(String),
}

struct KeyClassifier;

impl<'de> DeserializeSeed<'de> for KeyClassifier {
    type Value = KeyClass;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<KeyClass, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyClassifier {
    type Value = KeyClass;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string key")
    }

    fn visit_str<E>(self, s: &str) -> Result<KeyClass, E> {
        Ok(if s == NUMBER_TOKEN {
            KeyClass::Number
        } else {
            KeyClass::Map(s.to_owned())
        })
    }

    fn visit_string<E>(self, s: String) -> Result<KeyClass, E> {
        Ok(if s == NUMBER_TOKEN {
            KeyClass::Number
        } else {
            KeyClass::Map(s)
        })
    }
}

/// The text of an arbitrary-precision number, parsed as `serde_json`'s `NumberFromString` does.
struct NumberText;

impl<'de> DeserializeSeed<'de> for NumberText {
    type Value = Number;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Number, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for NumberText {
    type Value = Number;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("string containing a number")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Number, E> {
        s.parse().map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Parsed {
        parse_document(text).unwrap()
    }

    fn number_text(text: &str) -> String {
        match parse(text).value {
            Value::Number(n) => n.as_str().to_owned(),
            other => panic!("not a number: {other:?}"),
        }
    }

    #[test]
    fn numbers_keep_their_literal_text() {
        for literal in [
            "19.990",
            "-0",
            "-0.0",
            "12345678901234567890123456789.5",
            "18446744073709551616",
            "-9223372036854775809",
            "0.10",
            "1.5e-7",
            "2e+3",
            "42",
            "-7",
        ] {
            assert_eq!(number_text(literal), literal);
            assert_eq!(number_text(&format!(" {literal} ")), literal);
        }
    }

    #[test]
    fn exponents_are_normalised_like_serde_json() {
        // serde_json's scanner writes the exponent as `e` plus an explicit sign
        // (`Deserializer::scan_exponent`), so `1e400` is kept as the exact value `1e+400`.
        assert_eq!(number_text("1e400"), "1e+400");
        assert_eq!(number_text("1E5"), "1e+5");
        assert_eq!(number_text("2.50E-3"), "2.50e-3");
        for text in ["1e400", "1E5", "2.50E-3"] {
            let ours = parse(text).value;
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn numbers_inside_containers_keep_text() {
        let p = parse(r#"{"price": 19.990, "list": [1e400, -0, 12345678901234567890123456789.5]}"#);
        assert_eq!(p.value["price"].as_number().unwrap().as_str(), "19.990");
        assert_eq!(p.value["list"][1].as_number().unwrap().as_str(), "-0");
        assert_eq!(
            p.value["list"][2].as_number().unwrap().as_str(),
            "12345678901234567890123456789.5"
        );
        assert!(!p.has_duplicate_keys);
    }

    #[test]
    fn magic_number_key_matches_serde_json() {
        let text = r#"{"$serde_json::private::Number": "1.50"}"#;
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(parse(text).value, theirs);
    }

    #[test]
    fn duplicates_are_noticed_and_last_wins() {
        let p = parse(r#"{"a": 1, "b": 2, "a": 3}"#);
        assert!(p.has_duplicate_keys);
        assert_eq!(p.value, serde_json::json!({"a": 3, "b": 2}));

        let nested = parse(r#"[{"x": {"id": 1, "id": 2}}]"#);
        assert!(nested.has_duplicate_keys);
        assert_eq!(nested.value[0]["x"]["id"], 2);

        let escaped = parse(r#"{"ab": 1, "a\u0062": 2}"#);
        assert!(escaped.has_duplicate_keys);
        assert_eq!(escaped.value["ab"], 2);
    }

    #[test]
    fn same_key_in_sibling_objects_is_not_a_duplicate() {
        let p = parse(r#"[{"id": 1, "sub": {"id": 3}}, {"id": 2}]"#);
        assert!(!p.has_duplicate_keys);
        let p = parse(r#"{"a": {"k": 1}, "b": {"k": 1}, "k": {"k": {}}}"#);
        assert!(!p.has_duplicate_keys);
    }

    #[test]
    fn deep_nesting_is_an_error_not_an_overflow() {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let depth = 100_000;
            let text = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            let err = parse_document(&text).unwrap_err();
            assert!(err.to_string().contains("recursion limit"), "{err}");
            let unclosed = open.repeat(depth);
            assert!(parse_document(&unclosed).is_err());
        }
        // Just inside the limit parses, and drops, fine.
        let ok = format!("{}{}", "[".repeat(127), "]".repeat(127));
        let value = parse(&ok).value;
        assert!(value.is_array());
        drop(value);
    }

    #[test]
    fn trailing_characters_are_an_error() {
        assert!(parse_document("[1] x").is_err());
        assert!(parse_document("{} {}").is_err());
        assert!(parse_document("1 2").is_err());
        assert!(parse_document("[1]  \n\t").is_ok());
    }

    #[test]
    fn errors_match_serde_json() {
        for text in [
            "",
            "[1,2,]",
            "{\"a\" 1}",
            "\"abc",
            "[1] x",
            "tru",
            "{\"a\":01}",
        ] {
            let ours = parse_document(text).unwrap_err();
            let theirs = serde_json::from_str::<Value>(text).unwrap_err();
            assert_eq!(ours.to_string(), theirs.to_string(), "{text}");
        }
    }

    /// A random JSON document as text, with varied numbers, escapes and repeated keys.
    fn document() -> impl Strategy<Value = String> {
        let number = prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| format!("{f:?}")),
            "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,12})?([eE][+-]?[0-9]{1,4})?",
        ];
        let string = prop_oneof![
            "[a-zA-Z0-9 ~/é😀]{0,8}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            Just(r#""a\u0062\n\"\\\/\ud83d\ude00""#.to_owned()),
        ];
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("false".to_owned()),
            number,
            string.clone(),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                prop::collection::vec(
                    (
                        prop::sample::select(vec!["a", "b", "ab", "a\\u0062", "~1"]),
                        inner
                    ),
                    0..6
                )
                .prop_map(|members| {
                    let body: Vec<String> = members
                        .iter()
                        .map(|(k, v)| format!("\"{k}\" : {v}"))
                        .collect();
                    format!("{{ {} }}", body.join(" ,\n"))
                }),
            ]
        })
    }

    /// How many object members the generated text writes; more than `serde_json` kept means some
    /// object repeats a decoded key.
    fn written_entries(text: &str) -> usize {
        // Every member in the generated text is written as `"key" :` (space before the colon),
        // and no string value contains that sequence.
        text.matches("\" :").count()
    }

    fn kept_entries(value: &Value) -> usize {
        match value {
            Value::Array(items) => items.iter().map(kept_entries).sum(),
            Value::Object(map) => map.len() + map.values().map(kept_entries).sum::<usize>(),
            _ => 0,
        }
    }

    proptest! {
        #[test]
        fn same_value_as_serde_json(text in document()) {
            let theirs: Value = serde_json::from_str(&text).unwrap();
            let ours = parse_document(&text).unwrap();
            prop_assert_eq!(&ours.value, &theirs);
            let has = written_entries(&text) != kept_entries(&theirs);
            prop_assert_eq!(ours.has_duplicate_keys, has);
        }

        #[test]
        fn never_panics_on_garbage(text in ".{0,40}") {
            let ours = parse_document(&text);
            let theirs = serde_json::from_str::<Value>(&text);
            match (ours, theirs) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a.value, b),
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                (a, b) => prop_assert!(false, "disagree: {:?} vs {:?}", a, b),
            }
        }
    }
}
