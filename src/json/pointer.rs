//! RFC 6901 JSON Pointers: building, parsing, decoding and resolving them against a `Value`.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

/// An RFC 6901 JSON Pointer, kept in its encoded form (`~0` for `~`, `~1` for `/`).
///
/// The empty pointer `""` is the whole document. Every other pointer starts with `/`. The
/// encoding is canonical, so two pointers are equal exactly when their reference tokens are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer(String);

/// Why a string is not a valid JSON Pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PointerError {
    /// A non-empty pointer must start with `/`.
    MissingLeadingSlash,
    /// A `~` at this byte offset is not followed by `0` or `1`.
    InvalidEscape {
        /// Byte offset of the `~` in the pointer text.
        offset: usize,
    },
}

impl fmt::Display for PointerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingLeadingSlash => {
                f.write_str("a JSON Pointer must be empty or start with `/`")
            }
            Self::InvalidEscape { offset } => write!(
                f,
                "`~` at byte {offset} of the JSON Pointer is not followed by `0` or `1`"
            ),
        }
    }
}

impl std::error::Error for PointerError {}

impl Pointer {
    /// The empty pointer, which refers to the whole document.
    #[must_use]
    pub fn root() -> Self {
        Self(String::new())
    }

    /// Parses an encoded pointer: `""`, or `/` followed by tokens whose only escapes are `~0`
    /// and `~1`.
    ///
    /// # Errors
    /// [`PointerError`] when the text does not start with `/` or has a bad `~` escape.
    pub fn parse(s: &str) -> Result<Self, PointerError> {
        if s.is_empty() {
            return Ok(Self::root());
        }
        if !s.starts_with('/') {
            return Err(PointerError::MissingLeadingSlash);
        }
        let bytes = s.as_bytes();
        for (offset, &b) in bytes.iter().enumerate() {
            if b == b'~' && !matches!(bytes.get(offset + 1), Some(b'0' | b'1')) {
                return Err(PointerError::InvalidEscape { offset });
            }
        }
        Ok(Self(s.to_owned()))
    }

    /// This pointer extended by an object key (escaped here; pass the key as it is).
    #[must_use]
    pub fn key(&self, key: &str) -> Pointer {
        let mut p = self.clone();
        p.push_key(key);
        p
    }

    /// This pointer extended by an array index.
    #[must_use]
    pub fn index(&self, i: usize) -> Pointer {
        let mut p = self.clone();
        p.push_index(i);
        p
    }

    /// Appends an object key (escaped here; pass the key as it is).
    pub fn push_key(&mut self, key: &str) {
        self.0.reserve(key.len() + 1);
        self.0.push('/');
        for c in key.chars() {
            match c {
                '~' => self.0.push_str("~0"),
                '/' => self.0.push_str("~1"),
                c => self.0.push(c),
            }
        }
    }

    /// Appends an array index.
    pub fn push_index(&mut self, i: usize) {
        use fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = write!(self.0, "/{i}");
    }

    /// The encoded form, `""` for the root.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the empty pointer (the whole document).
    #[must_use]
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The decoded reference tokens, outermost first; none for the root.
    pub fn tokens(&self) -> impl Iterator<Item = Cow<'_, str>> {
        self.0
            .get(1..)
            .map(|rest| rest.split('/').map(decode_token))
            .into_iter()
            .flatten()
    }

    /// The pointer to the containing value; `None` for the root.
    #[must_use]
    pub fn parent(&self) -> Option<Pointer> {
        let cut = self.0.rfind('/')?;
        self.0.get(..cut).map(|s| Self(s.to_owned()))
    }

    /// The last decoded reference token; `None` for the root.
    #[must_use]
    pub fn last(&self) -> Option<Cow<'_, str>> {
        let cut = self.0.rfind('/')?;
        self.0.get(cut + 1..).map(decode_token)
    }

    /// Whether `prefix` is this pointer or one of its ancestors, compared token by token
    /// (`/1` is not a prefix of `/10`).
    #[must_use]
    pub fn starts_with(&self, prefix: &Pointer) -> bool {
        match self.0.strip_prefix(prefix.as_str()) {
            Some(rest) => rest.is_empty() || rest.starts_with('/'),
            None => false,
        }
    }

    /// `/{i}` followed by this pointer: the pointer of a JSON Lines record's value read as if
    /// the records were one array.
    #[must_use]
    pub fn prefixed_with_index(&self, i: usize) -> Pointer {
        let mut p = Self::root();
        p.push_index(i);
        p.0.push_str(&self.0);
        p
    }

    /// The value this pointer refers to in `value`, resolved as `Value::pointer` does (array
    /// indices are decimal without a sign or leading zeros).
    #[must_use]
    pub fn get<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        self.tokens().try_fold(value, |target, token| match target {
            Value::Object(map) => map.get(token.as_ref()),
            Value::Array(list) => parse_index(&token).and_then(|i| list.get(i)),
            _ => None,
        })
    }
}

/// Reads an array index the way `serde_json::Value::pointer` does: no `+`, no leading zeros.
pub(crate) fn parse_index(s: &str) -> Option<usize> {
    if s.starts_with('+') || (s.starts_with('0') && s.len() != 1) {
        return None;
    }
    s.parse().ok()
}

fn decode_token(raw: &str) -> Cow<'_, str> {
    if !raw.contains('~') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                // A lone trailing `~` cannot occur in a parsed pointer; keep the text as it is.
                Some('0') | None => out.push('~'),
                Some('1') => out.push('/'),
                Some(other) => {
                    out.push('~');
                    out.push(other);
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Pointer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn root_is_empty() {
        let root = Pointer::root();
        assert!(root.is_root());
        assert_eq!(root.as_str(), "");
        assert_eq!(root.tokens().count(), 0);
        assert_eq!(root.parent(), None);
        assert_eq!(root.last(), None);
        assert_eq!(root, Pointer::default());
        assert_eq!(Pointer::parse("").unwrap(), root);
    }

    #[test]
    fn keys_are_escaped() {
        let p = Pointer::root()
            .key("a/b")
            .key("m~n")
            .key("~1")
            .index(3)
            .key("");
        assert_eq!(p.as_str(), "/a~1b/m~0n/~01/3/");
        let tokens: Vec<_> = p.tokens().collect();
        assert_eq!(tokens, ["a/b", "m~n", "~1", "3", ""]);
        assert_eq!(p.last().as_deref(), Some(""));
        assert_eq!(p.to_string(), p.as_str());
    }

    #[test]
    fn push_matches_builders() {
        let mut p = Pointer::root();
        p.push_key("items");
        p.push_index(12);
        p.push_key("x/y");
        assert_eq!(p, Pointer::root().key("items").index(12).key("x/y"));
        assert_eq!(p.as_str(), "/items/12/x~1y");
    }

    #[test]
    fn parse_round_trips_and_decodes() {
        let p = Pointer::parse("/foo/0/a~1b/c~0d/~01").unwrap();
        assert_eq!(p.as_str(), "/foo/0/a~1b/c~0d/~01");
        let tokens: Vec<_> = p.tokens().collect();
        assert_eq!(tokens, ["foo", "0", "a/b", "c~d", "~1"]);
        assert_eq!(p.last().as_deref(), Some("~1"));
        assert_eq!(p.parent().unwrap().as_str(), "/foo/0/a~1b/c~0d");
        assert_eq!(
            Pointer::parse("/").unwrap().tokens().collect::<Vec<_>>(),
            [""]
        );
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            Pointer::parse("foo"),
            Err(PointerError::MissingLeadingSlash)
        );
        assert_eq!(
            Pointer::parse("/a~2"),
            Err(PointerError::InvalidEscape { offset: 2 })
        );
        assert_eq!(
            Pointer::parse("/ab~"),
            Err(PointerError::InvalidEscape { offset: 3 })
        );
        assert!(Pointer::parse("#/a").is_err());
        let msg = Pointer::parse("/~x").unwrap_err().to_string();
        assert!(msg.contains("byte 1"), "{msg}");
    }

    #[test]
    fn starts_with_is_token_wise() {
        let p10 = Pointer::parse("/10/a").unwrap();
        assert!(p10.starts_with(&Pointer::root()));
        assert!(p10.starts_with(&Pointer::parse("/10").unwrap()));
        assert!(p10.starts_with(&p10));
        assert!(!p10.starts_with(&Pointer::parse("/1").unwrap()));
        assert!(!p10.starts_with(&Pointer::parse("/10/a/b").unwrap()));
        assert!(!Pointer::root().starts_with(&Pointer::parse("/1").unwrap()));
        assert!(!Pointer::parse("/a~1b")
            .unwrap()
            .starts_with(&Pointer::parse("/a").unwrap()));
    }

    #[test]
    fn parent_and_prefix() {
        let p = Pointer::root().key("lineItems").index(0);
        assert_eq!(p.parent(), Some(Pointer::root().key("lineItems")));
        assert_eq!(p.parent().unwrap().parent(), Some(Pointer::root()));
        assert_eq!(p.prefixed_with_index(16).as_str(), "/16/lineItems/0");
        assert_eq!(Pointer::root().prefixed_with_index(2).as_str(), "/2");
    }

    #[test]
    fn get_follows_value_pointer() {
        let v = json!({"a/b": [10, {"m~n": true}], "": 1, "01": 2, "arr": [0, 1]});
        for s in [
            "",
            "/a~1b",
            "/a~1b/0",
            "/a~1b/1/m~0n",
            "/",
            "/01",
            "/arr/01",
            "/arr/+1",
            "/arr/1",
            "/arr/2",
            "/missing",
            "/a~1b/0/x",
            "/arr/-1",
        ] {
            let p = Pointer::parse(s).unwrap();
            assert_eq!(p.get(&v), v.pointer(s), "{s}");
        }
        assert_eq!(
            Pointer::parse("/a~1b/1/m~0n").unwrap().get(&v),
            Some(&json!(true))
        );
        assert_eq!(Pointer::parse("/arr/01").unwrap().get(&v), None);
    }

    #[test]
    fn serializes_as_string() {
        let p = Pointer::root().key("a").index(1);
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"/a/1\"");
    }

    #[derive(Clone, Debug)]
    enum Step {
        Key(String),
        Index(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            "[a-z~/0-9é😀]{0,6}".prop_map(Step::Key),
            (0usize..4).prop_map(Step::Index),
        ]
    }

    proptest! {
        #[test]
        fn get_finds_value_built_along_pointer(steps in prop::collection::vec(step(), 0..8), leaf in any::<i64>()) {
            let mut pointer = Pointer::root();
            for s in &steps {
                match s {
                    Step::Key(k) => pointer.push_key(k),
                    Step::Index(i) => pointer.push_index(*i),
                }
            }
            let mut value = json!(leaf);
            for s in steps.iter().rev() {
                value = match s {
                    Step::Key(k) => json!({ k.clone(): value, "other": null }),
                    Step::Index(i) => {
                        let mut list = vec![Value::Null; *i];
                        list.push(value);
                        Value::Array(list)
                    }
                };
            }
            prop_assert_eq!(pointer.get(&value), Some(&json!(leaf)));
            prop_assert_eq!(pointer.get(&value), value.pointer(pointer.as_str()));
            let reparsed = Pointer::parse(pointer.as_str()).unwrap();
            prop_assert_eq!(&reparsed, &pointer);
            let tokens: Vec<String> = pointer.tokens().map(Cow::into_owned).collect();
            let expected: Vec<String> = steps.iter().map(|s| match s {
                Step::Key(k) => k.clone(),
                Step::Index(i) => i.to_string(),
            }).collect();
            prop_assert_eq!(tokens, expected);
            if let Some(parent) = pointer.parent() {
                prop_assert!(pointer.starts_with(&parent));
                let last = pointer.last().unwrap().into_owned();
                let rebuilt = parent.key(&last);
                prop_assert_eq!(rebuilt, pointer.clone());
            }
        }

        #[test]
        fn parse_never_panics(s in ".{0,20}") {
            if let Ok(p) = Pointer::parse(&s) {
                prop_assert_eq!(p.as_str(), s.as_str());
                let _ = p.tokens().count();
            }
        }
    }
}
