//! Byte spans for JSON Pointers and the duplicate keys `serde_json` collapses: our own scanner
//! over text `serde_json` already accepted, used only when a file has findings.

use std::borrow::Cow;
use std::collections::HashMap;

use super::pointer::{parse_index, Pointer};

/// A half-open byte range `start..end` in the document text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset just past the last byte.
    pub end: usize,
}

impl Span {
    fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }
}

/// Where a pointer's value sits in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Located {
    /// The member's key token, quotes included; `None` for array elements and the root.
    pub key: Option<Span>,
    /// The value, from its first byte to its last (no surrounding whitespace).
    pub value: Span,
}

/// An object key written more than once; `serde_json` keeps only the last value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The member's pointer: the object's pointer plus the (decoded) key.
    pub pointer: Pointer,
    /// The decoded key.
    pub key: String,
    /// The key token of this, later, occurrence, quotes included.
    pub key_span: Span,
    /// The key token of the first occurrence, quotes included.
    pub first_key_span: Span,
}

/// Resolves pointers to byte spans in one document's text.
///
/// Built on text `serde_json` accepted (any BOM already stripped); on other text it never panics,
/// loops or recurses, it just finds less. [`SpanIndex::new`] makes one linear pass recording the
/// span of each element or member of the root container, and, when the root is an object, of
/// the containers directly inside it (so `{"items": [...]}` batches are indexed too). After
/// that, [`SpanIndex::locate`] costs the size of the indexed element it descends into, not the
/// size of the file.
#[derive(Debug)]
pub struct SpanIndex<'a> {
    text: &'a str,
    root: Option<Entry<'a>>,
}

/// One indexed value: its key (for members), its span, and its children when indexed.
#[derive(Debug)]
struct Entry<'a> {
    key: Option<Span>,
    value: Span,
    table: Option<Box<Table<'a>>>,
}

/// The indexed children of a container.
#[derive(Debug)]
enum Table<'a> {
    Array(Vec<Entry<'a>>),
    Object {
        entries: Vec<Entry<'a>>,
        /// Decoded key to the index of its LAST member, as `serde_json` keeps the last value.
        by_key: HashMap<Cow<'a, str>, usize>,
    },
}

impl<'a> Table<'a> {
    fn get(&self, token: &str) -> Option<&Entry<'a>> {
        match self {
            Table::Array(entries) => entries.get(parse_index(token)?),
            Table::Object { entries, by_key } => entries.get(*by_key.get(token)?),
        }
    }
}

impl<'a> SpanIndex<'a> {
    /// Indexes the root container of `text` in one linear pass.
    #[must_use]
    pub fn new(text: &'a str) -> Self {
        let scan = Scanner::new(text);
        let start = scan.ws(0);
        let root = match scan.byte(start) {
            Some(b'{') => scan
                .table(start, true)
                .map(|(table, end)| (Some(table), end)),
            Some(b'[') => scan
                .table(start, false)
                .map(|(table, end)| (Some(table), end)),
            _ => scan.value_end(start).map(|end| (None, end)),
        };
        let root = root.map(|(table, end)| Entry {
            key: None,
            value: Span::new(start, end),
            table: table.map(Box::new),
        });
        Self { text, root }
    }

    /// The key and value spans of the value `pointer` names, or `None` when the text has no such
    /// value. Repeated keys resolve to their last occurrence, the value `serde_json` keeps.
    #[must_use]
    pub fn locate(&self, pointer: &Pointer) -> Option<Located> {
        let root = self.root.as_ref()?;
        let mut located = Located {
            key: None,
            value: root.value,
        };
        let mut table = root.table.as_deref();
        let mut tokens = pointer.tokens();
        while let Some(indexed) = table {
            let Some(token) = tokens.next() else {
                return Some(located);
            };
            let entry = indexed.get(&token)?;
            located = Located {
                key: entry.key,
                value: entry.value,
            };
            table = entry.table.as_deref();
        }
        let rest: Vec<Cow<'_, str>> = tokens.collect();
        if rest.is_empty() {
            return Some(located);
        }
        Scanner::new(self.text).descend(located.value.start, &rest)
    }

    /// Every key that repeats within its object, at any depth, in text order. A key written
    /// three times gives two entries, each pointing back to the first.
    #[must_use]
    pub fn duplicate_keys(&self) -> Vec<DuplicateKey> {
        DuplicateScan::new(self.text).run()
    }
}

/// Byte-level helpers over the text. Every read goes through `get`, so no input can panic.
#[derive(Clone, Copy)]
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
        }
    }

    fn byte(&self, pos: usize) -> Option<u8> {
        self.bytes.get(pos).copied()
    }

    /// The first non-whitespace position at or after `pos`.
    fn ws(&self, mut pos: usize) -> usize {
        while matches!(self.byte(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            pos += 1;
        }
        pos
    }

    /// With a `"` at `pos`, the position just past the closing quote.
    fn string_end(&self, pos: usize) -> Option<usize> {
        if self.byte(pos) != Some(b'"') {
            return None;
        }
        let mut i = pos + 1;
        loop {
            let rest = self.bytes.get(i..)?;
            let found = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
            i += found;
            if self.byte(i)? == b'"' {
                return Some(i + 1);
            }
            // A backslash escapes the next byte; `\uXXXX` digits are plain bytes after it.
            i += 2;
        }
    }

    /// The position just past the value starting at `pos`.
    fn value_end(&self, pos: usize) -> Option<usize> {
        match self.byte(pos)? {
            b'"' => self.string_end(pos),
            b'[' | b'{' => self.container_end(pos),
            _ => {
                let len = self
                    .bytes
                    .get(pos..)?
                    .iter()
                    .position(|&b| is_delimiter(b))
                    .unwrap_or(self.bytes.len() - pos);
                (len > 0).then_some(pos + len)
            }
        }
    }

    /// With `[` or `{` at `pos`, the position just past its matching close, found by counting
    /// depth (no recursion) and skipping strings.
    fn container_end(&self, pos: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = pos;
        loop {
            let rest = self.bytes.get(i..)?;
            i += rest
                .iter()
                .position(|&b| matches!(b, b'"' | b'[' | b']' | b'{' | b'}'))?;
            match self.byte(i)? {
                b'"' => i = self.string_end(i)?,
                b'[' | b'{' => {
                    depth += 1;
                    i += 1;
                }
                _ => {
                    depth = depth.checked_sub(1)?;
                    i += 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
            }
        }
    }

    /// With `"` at `pos`, the key token's span and the position of its value (after `:`).
    fn member_key(&self, pos: usize) -> Option<(Span, usize)> {
        let end = self.string_end(pos)?;
        let colon = self.ws(end);
        if self.byte(colon) != Some(b':') {
            return None;
        }
        Some((Span::new(pos, end), self.ws(colon + 1)))
    }

    /// The decoded text of a string token (quotes included in `span`).
    fn decode(&self, span: Span) -> Option<Cow<'a, str>> {
        let inner = self.text.get(span.start + 1..span.end.checked_sub(1)?)?;
        decode_string(inner)
    }

    /// Whether the string token at `span` decodes to `token`.
    fn key_is(&self, span: Span, token: &str) -> bool {
        self.decode(span).is_some_and(|k| k == token)
    }

    /// Indexes the container at `pos` (`object` says which bracket), one level deep, or two when
    /// `nested` (the root object's own containers). Returns the table and the end of the
    /// container. Recurses at most once, with `nested` false.
    fn table(&self, pos: usize, nested: bool) -> Option<(Table<'a>, usize)> {
        let (object, close) = match self.byte(pos)? {
            b'{' => (true, b'}'),
            b'[' => (false, b']'),
            _ => return None,
        };
        let mut entries = Vec::new();
        let mut at = self.ws(pos + 1);
        let end = if self.byte(at) == Some(close) {
            at + 1
        } else {
            loop {
                let key = if object {
                    let (key, value_at) = self.member_key(at)?;
                    at = value_at;
                    Some(key)
                } else {
                    None
                };
                let (table, end) = if nested && matches!(self.byte(at), Some(b'[' | b'{')) {
                    let (table, end) = self.table(at, false)?;
                    (Some(Box::new(table)), end)
                } else {
                    (None, self.value_end(at)?)
                };
                entries.push(Entry {
                    key,
                    value: Span::new(at, end),
                    table,
                });
                at = self.ws(end);
                match self.byte(at)? {
                    b',' => at = self.ws(at + 1),
                    b if b == close => break at + 1,
                    _ => return None,
                }
            }
        };
        let table = if object {
            let by_key = entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| Some((self.decode(e.key?)?, i)))
                .collect();
            Table::Object { entries, by_key }
        } else {
            Table::Array(entries)
        };
        Some((table, end))
    }

    /// Follows `tokens` down from the container at `pos` in one forward pass over it, entering
    /// only the members on the path and skipping the others whole, so the cost is the size of
    /// that container at any depth. A key written again later replaces the earlier member and
    /// everything found under it, as `serde_json` keeps the last.
    fn descend(&self, pos: usize, tokens: &[Cow<'_, str>]) -> Option<Located> {
        let indices: Vec<Option<usize>> = tokens.iter().map(|t| parse_index(t)).collect();
        let mut path = vec![Cursor::open(*self, pos)?];
        let mut found = None;
        loop {
            // Every open cursor is on the path: the one at depth `d` matched `tokens[..d]`.
            let depth = path.len().checked_sub(1)?;
            let top = path.last_mut()?;
            let Next::Child(key, at) = top.next_child()? else {
                let end = top.pos;
                path.pop();
                let Some(parent) = path.last_mut() else {
                    return found;
                };
                parent.finish_child(end);
                continue;
            };
            let on_path = match key {
                Some(key) => self.key_is(key, tokens.get(depth)?),
                None => *indices.get(depth)? == Some(top.index),
            };
            if on_path && depth + 1 == tokens.len() {
                let end = self.value_end(at)?;
                found = Some(Located {
                    key,
                    value: Span::new(at, end),
                });
                top.finish_child(end);
            } else if on_path {
                found = None;
                match Cursor::open(*self, at) {
                    Some(inner) => path.push(inner),
                    None => top.finish_child(self.value_end(at)?),
                }
            } else {
                top.finish_child(self.value_end(at)?);
            }
        }
    }
}

/// What a [`Cursor`] finds next.
enum Next {
    /// A child: its key token (objects only) and where its value starts.
    Child(Option<Span>, usize),
    /// The container's close.
    Closed,
}

/// A position among the children of one container.
struct Cursor<'a> {
    scan: Scanner<'a>,
    object: bool,
    close: u8,
    /// Just past the previous child (or the opening bracket); past the close once closed.
    pos: usize,
    /// Index of the current child.
    index: usize,
    first: bool,
}

impl<'a> Cursor<'a> {
    fn open(scan: Scanner<'a>, pos: usize) -> Option<Self> {
        let (object, close) = match scan.byte(pos)? {
            b'{' => (true, b'}'),
            b'[' => (false, b']'),
            _ => return None,
        };
        Some(Self {
            scan,
            object,
            close,
            pos: pos + 1,
            index: 0,
            first: true,
        })
    }

    /// The next child, or the close (and `pos` moves past it); `None` on anything else.
    fn next_child(&mut self) -> Option<Next> {
        let mut at = self.scan.ws(self.pos);
        let b = self.scan.byte(at)?;
        if b == self.close {
            self.pos = at + 1;
            return Some(Next::Closed);
        }
        if !self.first {
            if b != b',' {
                return None;
            }
            at = self.scan.ws(at + 1);
        }
        self.first = false;
        if self.object {
            let (key, value_at) = self.scan.member_key(at)?;
            Some(Next::Child(Some(key), value_at))
        } else {
            Some(Next::Child(None, at))
        }
    }

    /// Records that the current child ends at `end`.
    fn finish_child(&mut self, end: usize) {
        self.pos = end;
        self.index += 1;
    }
}

/// The bytes that end a number or literal.
fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' | b'[' | b']' | b'{' | b'}' | b'"'
    )
}

/// Decodes the inside of a JSON string (no quotes). `None` for escapes `serde_json` rejects.
fn decode_string(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.contains('\\') {
        return Some(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('\\') {
        out.push_str(rest.get(..at)?);
        let escape = rest.as_bytes().get(at + 1).copied()?;
        rest = rest.get(at + 2..)?;
        let c = match escape {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = hex4(rest)?;
                rest = rest.get(4..)?;
                if (0xD800..0xDC00).contains(&high) {
                    rest = rest.strip_prefix("\\u")?;
                    let low = hex4(rest)?;
                    rest = rest.get(4..)?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return None;
                    }
                    char::from_u32(0x1_0000 + ((high - 0xD800) << 10) + (low - 0xDC00))?
                } else {
                    // `from_u32` refuses a lone trailing surrogate, as serde_json does.
                    char::from_u32(high)?
                }
            }
            _ => return None,
        };
        out.push(c);
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

/// Four hex digits at the start of `s`.
fn hex4(s: &str) -> Option<u32> {
    let digits = s.get(..4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// Objects with more keys than this switch from a linear search to a hash map.
const LINEAR_KEYS: usize = 16;

/// One open container during the duplicate scan.
struct Frame<'a> {
    object: bool,
    /// Array: index of the current element.
    index: usize,
    /// Object: decoded key of the current member (`None` if it would not decode).
    key: Option<Cow<'a, str>>,
    /// Object: where this object's keys start in `DuplicateScan::seen`.
    seen_from: usize,
    /// Object: its keys, once it has more than `LINEAR_KEYS` of them.
    map: Option<HashMap<Cow<'a, str>, Span>>,
}

impl Frame<'_> {
    fn new(object: bool, seen_from: usize) -> Self {
        Self {
            object,
            index: 0,
            key: None,
            seen_from,
            map: None,
        }
    }
}

/// The full-document scan for repeated keys, with an explicit stack.
struct DuplicateScan<'a> {
    scan: Scanner<'a>,
    stack: Vec<Frame<'a>>,
    /// The first occurrence of each key of the open objects, innermost last.
    seen: Vec<(Cow<'a, str>, Span)>,
    found: Vec<DuplicateKey>,
}

impl<'a> DuplicateScan<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            scan: Scanner::new(text),
            stack: Vec::new(),
            seen: Vec::new(),
            found: Vec::new(),
        }
    }

    fn run(mut self) -> Vec<DuplicateKey> {
        let _ = self.walk(self.scan.ws(0));
        self.found
    }

    /// Walks values from `pos`; `None` on the first thing that is not JSON. Every step moves
    /// `pos` forward, so it ends on any input.
    fn walk(&mut self, mut pos: usize) -> Option<()> {
        'value: loop {
            // At the start of a value.
            match self.scan.byte(pos)? {
                open @ (b'[' | b'{') => {
                    let object = open == b'{';
                    self.stack.push(Frame::new(object, self.seen.len()));
                    pos = self.scan.ws(pos + 1);
                    let close = if object { b'}' } else { b']' };
                    if self.scan.byte(pos)? == close {
                        self.close();
                        pos += 1;
                    } else {
                        if object {
                            pos = self.member(pos)?;
                        }
                        continue 'value;
                    }
                }
                _ => pos = self.scan.value_end(pos)?,
            }
            // After a value: close containers until the next value starts.
            loop {
                pos = self.scan.ws(pos);
                let top = self.stack.last_mut()?;
                match (self.scan.byte(pos)?, top.object) {
                    (b',', true) => {
                        pos = self.member(self.scan.ws(pos + 1))?;
                        continue 'value;
                    }
                    (b',', false) => {
                        top.index += 1;
                        pos = self.scan.ws(pos + 1);
                        continue 'value;
                    }
                    (b'}', true) | (b']', false) => {
                        self.close();
                        pos += 1;
                    }
                    _ => return None,
                }
            }
        }
    }

    fn close(&mut self) {
        if let Some(frame) = self.stack.pop() {
            self.seen.truncate(frame.seen_from);
        }
    }

    /// Reads the member key at `pos` in the innermost (object) frame, records it, and returns
    /// where its value starts.
    fn member(&mut self, pos: usize) -> Option<usize> {
        let (span, value_at) = self.scan.member_key(pos)?;
        let key = self.scan.decode(span);
        if let Some(key) = &key {
            if let Some(first) = self.first_occurrence(key.clone(), span) {
                let mut pointer = Pointer::root();
                let parents = self.stack.len().saturating_sub(1);
                for frame in self.stack.iter().take(parents) {
                    if frame.object {
                        pointer.push_key(frame.key.as_deref().unwrap_or_default());
                    } else {
                        pointer.push_index(frame.index);
                    }
                }
                pointer.push_key(key);
                self.found.push(DuplicateKey {
                    pointer,
                    key: key.clone().into_owned(),
                    key_span: span,
                    first_key_span: first,
                });
            }
        }
        self.stack.last_mut()?.key = key;
        Some(value_at)
    }

    /// The span of an earlier `key` in the innermost object, recording this one if it is new.
    fn first_occurrence(&mut self, key: Cow<'a, str>, span: Span) -> Option<Span> {
        let frame = self.stack.last_mut()?;
        if let Some(map) = &mut frame.map {
            if let Some(first) = map.get(key.as_ref()) {
                return Some(*first);
            }
            map.insert(key, span);
            return None;
        }
        let own = self.seen.get(frame.seen_from..).unwrap_or_default();
        if let Some((_, first)) = own.iter().find(|(k, _)| *k == key) {
            return Some(*first);
        }
        if own.len() >= LINEAR_KEYS {
            let mut map: HashMap<_, _> = self.seen.drain(frame.seen_from..).collect();
            map.insert(key, span);
            frame.map = Some(map);
        } else {
            self.seen.push((key, span));
        }
        None
    }
}

#[cfg(test)]
mod tests {
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
        let text =
            r#"{"a": 1, "b": [{"k": 1, "k": 2}], "a": {"b": 2}, "a\u0062": 0, "a": {"b": 3}}"#;
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
                ("/a", "a", "\"a\"", "\"a\""),
            ]
        );
        let first = text.find("\"a\"").unwrap();
        assert!(dups.iter().skip(1).all(|d| d.first_key_span.start == first));
        assert!(dups[1].key_span.start < dups[2].key_span.start);
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
        let batch =
            r#"{"items": {"a": {"b": 1}, "a": {"c": 2}}, "items": [{"a": [1], "a": [2, 3]}]}"#;
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
        let text = r#"{"items": [{"id": "1", "n": {"x": [5]}}, {"id": "2", "s": "}{"}], "meta": {"v": 1}}"#;
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
                "", "a", "b", "id", "~", "/", "~1", "a/b~c", "\"", "\\", "é", "😀", "中文",
                "tab\t", "nl\n", "\u{1}", "items",
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
}
