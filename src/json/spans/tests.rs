//! Tests of `json::spans`.

use super::*;
use proptest::prelude::*;
use serde_json::Value;
use std::fmt::Write as _;

fn ptr(s: &str) -> Pointer {
    Pointer::parse(s).unwrap()
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.start..span.end]
}

/// The text of the value and key under `pointer`, after checking that the value re-parses
/// to what the pointer names in `serde_json`'s own parse.
fn located(text: &str, pointer: &str) -> (Option<String>, String) {
    let value: Value = serde_json::from_str(text).unwrap();
    let index = SpanIndex::new(text);
    let p = ptr(pointer);
    let loc = index
        .locate(&p)
        .unwrap_or_else(|| panic!("{pointer} not found"));
    let value_text = slice(text, loc.value);
    let reparsed: Value = serde_json::from_str(value_text).unwrap();
    assert_eq!(Some(&reparsed), p.get(&value), "{pointer}");
    let key_text = loc.key.map(|k| {
        let key: String = serde_json::from_str(slice(text, k)).unwrap();
        assert_eq!(Some(key.as_str()), p.last().as_deref());
        slice(text, k).to_owned()
    });
    (key_text, value_text.to_owned())
}

fn missing(text: &str, pointer: &str) {
    let index = SpanIndex::new(text);
    assert_eq!(index.locate(&ptr(pointer)), None, "{pointer}");
    assert_eq!(ptr(pointer).get(&serde_json::from_str(text).unwrap()), None);
}

#[test]
fn root_values() {
    assert_eq!(located("  42 \n", ""), (None, "42".to_owned()));
    assert_eq!(located("\"x\"", ""), (None, "\"x\"".to_owned()));
    assert_eq!(located(" [1, 2] ", ""), (None, "[1, 2]".to_owned()));
    assert_eq!(located("{}", ""), (None, "{}".to_owned()));
    missing("42", "/0");
    missing("[]", "/0");
    missing("{}", "/a");
}

#[test]
fn tilde_and_slash_keys() {
    let text = r#"{"a~b": 1, "c/d": [true, null], "~1": "tilde one"}"#;
    assert_eq!(
        located(text, "/a~0b"),
        (Some(r#""a~b""#.to_owned()), "1".to_owned())
    );
    assert_eq!(located(text, "/c~1d/1"), (None, "null".to_owned()));
    assert_eq!(located(text, "/~01").1, "\"tilde one\"");
    missing(text, "/a~1b");
    missing(text, "/c~1d/2");
}

#[test]
fn escaped_keys_compare_decoded() {
    let text = r#"{"a\u0062": 1, "q\"uote": 2, "back\\slash": 3, "sl\/ash": 4,
        "\ud83d\ude00": 5, "tab\t": 6, "\u00e9t\u00E9": 7, "x": {"\u007e\u002F": 8}}"#;
    assert_eq!(
        located(text, "/ab"),
        (Some(r#""a\u0062""#.to_owned()), "1".to_owned())
    );
    assert_eq!(located(text, "/q\"uote").1, "2");
    assert_eq!(located(text, "/back\\slash").1, "3");
    assert_eq!(located(text, "/sl~1ash").1, "4");
    assert_eq!(located(text, "/😀").1, "5");
    assert_eq!(located(text, "/tab\t").1, "6");
    assert_eq!(located(text, "/été").1, "7");
    assert_eq!(located(text, "/x/~0~1").1, "8");
    missing(text, "/a\\u0062");
}

#[test]
fn duplicate_keys_resolve_to_the_last_and_are_listed() {
    let text = r#"{"a": 1, "b": [{"k": 1, "k": 2}], "a": {"b": 2}, "a\u0062": 0, "a": {"b": 3}}"#;
    assert_eq!(located(text, "/a/b").1, "3");
    assert_eq!(located(text, "/b/0/k").1, "2");
    let dups = SpanIndex::new(text).duplicate_keys();
    let summary: Vec<(&str, &str, &str, &str)> = dups
        .iter()
        .map(|d| {
            (
                d.pointer.as_str(),
                d.key.as_str(),
                slice(text, d.key_span),
                slice(text, d.first_key_span),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("/b/0/k", "k", "\"k\"", "\"k\""),
            ("/a", "a", "\"a\"", "\"a\""),
        ]
    );
    // A key written three times is one entry that counts them, at its second occurrence.
    let counts: Vec<usize> = dups.iter().map(|d| d.count).collect();
    assert_eq!(counts, [2, 3]);
    let first = text.find("\"a\"").unwrap();
    assert_eq!(dups[1].first_key_span.start, first);
    assert_eq!(dups[1].key_span.start, text.find("\"a\": {").unwrap());
    assert!(dups[0].key_span.start > dups[0].first_key_span.start);
}

#[test]
fn a_later_key_replaces_everything_under_the_earlier_one() {
    let text = r#"[{"a": {"b": 1, "c": [0]}, "a": {"c": 2}}, {"x": {"a": {"b": 1}, "a": 5}}]"#;
    missing(text, "/0/a/b");
    missing(text, "/0/a/c/0");
    assert_eq!(located(text, "/0/a/c").1, "2");
    missing(text, "/1/x/a/b");
    assert_eq!(located(text, "/1/x/a").1, "5");
    let batch = r#"{"items": {"a": {"b": 1}, "a": {"c": 2}}, "items": [{"a": [1], "a": [2, 3]}]}"#;
    missing(batch, "/items/a");
    assert_eq!(located(batch, "/items/0/a/1").1, "3");
    assert_eq!(located(batch, "/items/0").1, r#"{"a": [1], "a": [2, 3]}"#);
}

#[test]
fn duplicate_pointers_are_encoded_and_decoded() {
    let text = r#"[0, {"x/y": {"~": 1, "\u007e": 2}}, {"a\u0062": 1, "ab": 2}]"#;
    let dups = SpanIndex::new(text).duplicate_keys();
    let pointers: Vec<_> = dups.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(pointers, ["/1/x~1y/~0", "/2/ab"]);
    assert_eq!(dups[1].key, "ab");
    assert_eq!(slice(text, dups[1].key_span), "\"ab\"");
    assert_eq!(slice(text, dups[1].first_key_span), r#""a\u0062""#);
}

#[test]
fn no_duplicates_across_siblings() {
    let text = r#"[{"id": 1, "sub": {"id": 2}}, {"id": 3}, {"a": {"k": 1}, "b": {"k": 2}}]"#;
    assert!(SpanIndex::new(text).duplicate_keys().is_empty());
}

#[test]
fn many_keys_switch_to_a_map() {
    let mut members: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
    members.push("\"k7\": 700".to_owned());
    members.push("\"k99\": 990".to_owned());
    let text = format!("{{\"o\": {{{}}}, \"k7\": 1}}", members.join(", "));
    let dups = SpanIndex::new(&text).duplicate_keys();
    let pointers: Vec<_> = dups.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(pointers, ["/o/k7", "/o/k99"]);
    assert_eq!(located(&text, "/o/k7").1, "700");
    assert_eq!(located(&text, "/k7").1, "1");
}

#[test]
fn non_ascii_and_exponents() {
    let text = "{\"café\": \"naïve 😀\", \"中文\": [1e400, -0.5E-3, 2E+10, -0, 19.990]}";
    assert_eq!(located(text, "/café").1, "\"naïve 😀\"");
    assert_eq!(located(text, "/中文/0").1, "1e400");
    assert_eq!(located(text, "/中文/1").1, "-0.5E-3");
    assert_eq!(located(text, "/中文/2").1, "2E+10");
    assert_eq!(located(text, "/中文/3").1, "-0");
    assert_eq!(located(text, "/中文/4").1, "19.990");
    missing(text, "/中文/5");
    missing(text, "/中文/01");
}

#[test]
fn whitespace_variants_and_crlf() {
    let text = "\r\n\t{ \"a\"\t:\r\n[ 1 ,\t2\r\n,\n{\"b\" :true} ] ,\"c\":\"d\"\r\n}\r\n";
    assert_eq!(located(text, "").1, text.trim());
    assert_eq!(located(text, "/a/1").1, "2");
    assert_eq!(
        located(text, "/a/2/b"),
        (Some("\"b\"".to_owned()), "true".to_owned())
    );
    assert_eq!(located(text, "/c").1, "\"d\"");
    let compact = r#"{"a":[1,2,{"b":true}],"c":"d"}"#;
    assert_eq!(located(compact, "/a/2").1, r#"{"b":true}"#);
}

#[test]
fn nested_arrays() {
    let text = "[[1,[2,[3, \"]\"]]],[], [[[]]]]";
    assert_eq!(located(text, "/0/1/1/0").1, "3");
    assert_eq!(located(text, "/0/1/1/1").1, "\"]\"");
    assert_eq!(located(text, "/1").1, "[]");
    assert_eq!(located(text, "/2/0/0").1, "[]");
    missing(text, "/1/0");
    missing(text, "/0/a");
}

#[test]
fn items_batches() {
    let text =
        r#"{"items": [{"id": "1", "n": {"x": [5]}}, {"id": "2", "s": "}{"}], "meta": {"v": 1}}"#;
    assert_eq!(located(text, "/items/1/id").1, "\"2\"");
    assert_eq!(located(text, "/items/0/n/x/0").1, "5");
    assert_eq!(located(text, "/items/1/s").1, "\"}{\"");
    assert_eq!(located(text, "/meta/v").1, "1");
    assert_eq!(located(text, "/items/1").1, r#"{"id": "2", "s": "}{"}"#);
    missing(text, "/items/2");
    missing(text, "/items/0/n/y");
}

#[test]
fn deep_nesting_is_fine() {
    let depth = 100_000;
    for (open, close, step) in [("[", "]", "/0"), ("{\"a\":", "}", "/a")] {
        let text = format!(
            "{}{}{}",
            open.repeat(depth),
            "{\"d\":1,\"d\":2}",
            close.repeat(depth)
        );
        let index = SpanIndex::new(&text);
        let deep = ptr(&step.repeat(depth));
        let loc = index.locate(&deep.key("d")).unwrap();
        assert_eq!(slice(&text, loc.value), "2");
        assert_eq!(index.locate(&deep).unwrap().value.end, text.len() - depth);
        let dups = index.duplicate_keys();
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].pointer, deep.key("d"));
        // Unterminated nesting finds nothing and does not overflow either.
        let open_only = open.repeat(depth);
        let index = SpanIndex::new(&open_only);
        assert_eq!(index.locate(&Pointer::root()), None);
        assert!(index.duplicate_keys().is_empty());
    }
}

#[test]
fn garbage_finds_nothing() {
    for text in [
        "",
        " ",
        "]",
        "}",
        "[",
        "{",
        "{\"a\"",
        "{\"a\":",
        "[1,",
        "[1,]",
        "{\"a\" 1}",
        "\"abc",
        "\"\\",
        "[\"\\u12",
        "{\"\\ud800\": 1, \"\\ud800\": 2}",
        "{,}",
        "[}",
        "{]",
        ":",
        ",,,",
        "{\"a\":1,\"a\"",
        "[\"\\uZZZZ\"]",
        "nul l",
    ] {
        let index = SpanIndex::new(text);
        for p in ["", "/0", "/a", "/0/0", "/a/0"] {
            if let Some(loc) = index.locate(&ptr(p)) {
                assert!(loc.value.start <= loc.value.end && loc.value.end <= text.len());
            }
        }
        let _ = index.duplicate_keys();
    }
    assert!(SpanIndex::new("[1,]").locate(&ptr("/1")).is_none());
    assert!(SpanIndex::new("{\"\\ud800\": 1, \"\\ud800\": 2}")
        .duplicate_keys()
        .is_empty());
}

#[test]
fn decode_string_cases() {
    assert_eq!(decode_string("plain").as_deref(), Some("plain"));
    assert_eq!(
        decode_string(r#"a\u0062\n\t\/\\\""#).as_deref(),
        Some("ab\n\t/\\\"")
    );
    assert_eq!(decode_string(r"\uD83D\uDE00").as_deref(), Some("😀"));
    assert_eq!(decode_string(r"\b\f\r").as_deref(), Some("\u{8}\u{c}\r"));
    assert_eq!(decode_string(r"\ud800"), None);
    assert_eq!(decode_string(r"\udc00"), None);
    assert_eq!(decode_string(r"\ud800\u0041"), None);
    assert_eq!(decode_string(r"\u+123"), None);
    assert_eq!(decode_string(r"\x"), None);
    assert_eq!(decode_string("\\"), None);
}

// ---- property tests: random values printed with random whitespace and escapes ----

fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,10})?([eE][+-]?[0-9]{1,3})?",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "", "a", "b", "id", "~", "/", "~1", "a/b~c", "\"", "\\", "é", "😀", "中文", "tab\t",
            "nl\n", "\u{1}", "items",
        ])
        .prop_map(str::to_owned),
        "[a-c~/\"\\\\é😀 ]{0,5}",
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number_text().prop_map(|t| serde_json::from_str::<Value>(&t).unwrap()),
        key().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// A small deterministic generator for the printer's choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap()).unwrap()
    }
}

/// Prints values with random whitespace and escapes, and sometimes writes a member's key
/// twice (a throwaway value first, so `serde_json` still keeps the real one).
struct Printer {
    rng: Rng,
    out: String,
    duplicates: Vec<Pointer>,
}

impl Printer {
    fn new(seed: u64) -> Self {
        Self {
            rng: Rng(seed | 1),
            out: String::new(),
            duplicates: Vec::new(),
        }
    }

    fn ws(&mut self) {
        let choices = ["", "", "", " ", "\n", "\r\n", "\t", "  \n    ", " \r\n\t "];
        let pick = self.rng.below(choices.len());
        self.out.push_str(choices[pick]);
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            let escape_anyway = self.rng.below(5) == 0;
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '/' if escape_anyway => self.out.push_str("\\/"),
                '\n' if escape_anyway => self.out.push_str("\\u000a"),
                '\n' => self.out.push_str("\\n"),
                '\t' => self.out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    write!(self.out, "\\u{:04x}", u32::from(c)).unwrap();
                }
                c if escape_anyway => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        if self.rng.below(2) == 0 {
                            write!(self.out, "\\u{unit:04x}").unwrap();
                        } else {
                            write!(self.out, "\\u{unit:04X}").unwrap();
                        }
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn value(&mut self, v: &Value, at: &Pointer) {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                let text = n.as_str();
                if self.rng.below(2) == 0 {
                    self.out.push_str(&text.replace('e', "E"));
                } else {
                    self.out.push_str(&text.replace("e+", "e"));
                }
            }
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.out.push('[');
                self.ws();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                        self.ws();
                    }
                    self.value(item, &at.index(i));
                    self.ws();
                }
                self.out.push(']');
            }
            Value::Object(map) => {
                self.out.push('{');
                self.ws();
                let mut first = true;
                for (k, item) in map {
                    let repeat = self.rng.below(8) == 0;
                    let members = if repeat { 2 } else { 1 };
                    for m in 0..members {
                        if !first {
                            self.out.push(',');
                            self.ws();
                        }
                        first = false;
                        self.string(k);
                        self.ws();
                        self.out.push(':');
                        self.ws();
                        if m + 1 < members {
                            self.out.push_str("[\"throwaway\", {\"x\": 1}]");
                        } else {
                            if repeat {
                                self.duplicates.push(at.key(k));
                            }
                            self.value(item, &at.key(k));
                        }
                        self.ws();
                    }
                }
                self.out.push('}');
            }
        }
    }
}

fn print(v: &Value, seed: u64) -> (String, Vec<Pointer>) {
    let mut printer = Printer::new(seed);
    printer.ws();
    printer.value(v, &Pointer::root());
    printer.ws();
    (printer.out, printer.duplicates)
}

fn all_pointers(v: &Value, at: &Pointer, out: &mut Vec<Pointer>) {
    out.push(at.clone());
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                all_pointers(item, &at.index(i), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                all_pointers(item, &at.key(k), out);
            }
        }
        _ => {}
    }
}

fn check_every_pointer(v: &Value, text: &str) -> Result<(), TestCaseError> {
    let index = SpanIndex::new(text);
    let mut pointers = Vec::new();
    all_pointers(v, &Pointer::root(), &mut pointers);
    for p in &pointers {
        let loc = index.locate(p);
        prop_assert!(loc.is_some(), "{} not found in {:?}", p, text);
        let loc = loc.unwrap();
        let reparsed: Value = serde_json::from_str(slice(text, loc.value)).unwrap();
        prop_assert_eq!(Some(&reparsed), p.get(v), "{}", p);
        let parent_is_object = p
            .parent()
            .and_then(|q| q.get(v))
            .is_some_and(Value::is_object);
        match loc.key {
            Some(k) => {
                prop_assert!(parent_is_object);
                let key: String = serde_json::from_str(slice(text, k)).unwrap();
                let last = p.last();
                prop_assert_eq!(Some(key.as_str()), last.as_deref());
                prop_assert!(k.end <= loc.value.start);
            }
            None => prop_assert!(!parent_is_object),
        }
        match p.get(v) {
            Some(Value::Array(items)) => {
                prop_assert_eq!(index.locate(&p.index(items.len())), None);
            }
            Some(Value::Object(_)) => {
                prop_assert_eq!(index.locate(&p.key("not a generated key")), None);
                prop_assert_eq!(index.locate(&p.index(0)), None);
            }
            _ => prop_assert_eq!(index.locate(&p.index(0)), None),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512.max(ProptestConfig::default().cases), ..ProptestConfig::default() })]

    #[test]
    fn every_pointer_locates_its_value(v in value(), seed in any::<u64>()) {
        let (text, duplicates) = print(&v, seed);
        let parsed: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&parsed, &v);
        check_every_pointer(&v, &text)?;

        let found = SpanIndex::new(&text).duplicate_keys();
        let pointers: Vec<Pointer> = found.iter().map(|d| d.pointer.clone()).collect();
        prop_assert_eq!(&pointers, &duplicates);
        for d in &found {
            let later: String = serde_json::from_str(slice(&text, d.key_span)).unwrap();
            let first: String = serde_json::from_str(slice(&text, d.first_key_span)).unwrap();
            prop_assert_eq!(&later, &d.key);
            prop_assert_eq!(&first, &d.key);
            prop_assert!(d.first_key_span.end <= d.key_span.start);
            let last = d.pointer.last();
            prop_assert_eq!(last.as_deref(), Some(d.key.as_str()));
        }
        let doc = super::super::parse::parse_document(&text).unwrap();
        prop_assert_eq!(doc.has_duplicate_keys, !duplicates.is_empty());
        prop_assert_eq!(&doc.value, &v);
    }

    #[test]
    fn batches_locate_their_values(items in prop::collection::vec(value(), 0..5), seed in any::<u64>()) {
        let v = serde_json::json!({ "items": items, "other": [1, {"a": 2}] });
        let (text, _) = print(&v, seed);
        check_every_pointer(&v, &text)?;
    }

    #[test]
    fn never_panics_on_mangled_text(v in value(), seed in any::<u64>(), cut in any::<prop::sample::Index>(), byte in prop::sample::select(b"[]{},:\"\\ 0a".to_vec())) {
        let (text, _) = print(&v, seed);
        let mut pointers = Vec::new();
        all_pointers(&v, &Pointer::root(), &mut pointers);
        let mut bytes = text.into_bytes();
        let at = cut.index(bytes.len().max(1));
        if let Some(b) = bytes.get_mut(at) {
            if b.is_ascii() { *b = byte; }
        }
        let mangled = String::from_utf8_lossy(&bytes).into_owned();
        for text in [mangled.as_str(), mangled.get(..at).unwrap_or("")] {
            let index = SpanIndex::new(text);
            for p in &pointers {
                if let Some(loc) = index.locate(p) {
                    prop_assert!(loc.value.start <= loc.value.end && loc.value.end <= text.len());
                }
            }
            for d in index.duplicate_keys() {
                prop_assert!(d.key_span.end <= text.len());
            }
        }
    }

    #[test]
    fn never_panics_on_random_text(text in "[\\[\\]{}\",:\\\\ a0-9.eu]{0,40}") {
        let index = SpanIndex::new(&text);
        for p in ["", "/0", "/a", "/0/0", "/a/a", "/1"] {
            let _ = index.locate(&ptr(p));
        }
        let _ = index.duplicate_keys();
    }
}

/// Below the eager levels, big containers are looked up through a table made on first use:
/// it finds what one forward scan finds, repeated keys resolving to the last, at any depth.
#[test]
fn deep_tables_find_what_a_scan_finds() {
    let mut items = Vec::new();
    for i in 0..600 {
        items.push(format!(
            r#"{{"id": "a{i}", "q": {i}, "q": {}, "sub": {{"x": [1, {{"y": "{}"}}]}}, "pad": "{}"}}"#,
            i + 1,
            "z".repeat(i % 7),
            "p".repeat(40)
        ));
    }
    let text = format!(
        r#"[{{"id": "1", "big": {{"lineItems": [{}], "lineItems": [{}], "tail": 1}}}}]"#,
        items.join(", "),
        items.join(",\n ")
    );
    assert!(text.len() > 4 * DEEP_MIN);
    let index = SpanIndex::new(&text);
    let mut pointers = vec![
        "/0/big/tail".to_owned(),
        "/0/big/lineItems".to_owned(),
        "/0/big/nope".to_owned(),
    ];
    for i in [0, 1, 17, 299, 599, 600] {
        for rest in ["", "/id", "/q", "/sub/x/1/y", "/sub/x/2", "/pad"] {
            pointers.push(format!("/0/big/lineItems/{i}{rest}"));
        }
    }
    for p in &pointers {
        let pointer = Pointer::parse(p).unwrap();
        let tokens: Vec<Cow<'_, str>> = pointer.tokens().collect();
        let scanned = Scanner::new(&text).descend(0, &tokens);
        let found = index.locate(&pointer);
        assert_eq!(found.map(|l| l.value), scanned.map(|l| l.value), "{p}");
        assert_eq!(
            found.and_then(|l| l.key),
            scanned.and_then(|l| l.key),
            "{p}"
        );
    }
    // Twice: the second time from the tables.
    let again = index.locate(&Pointer::parse("/0/big/lineItems/599/q").unwrap());
    assert_eq!(
        again,
        index.locate(&Pointer::parse("/0/big/lineItems/599/q").unwrap())
    );
    assert!(again.is_some());
}
