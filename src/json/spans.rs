//! Byte spans for JSON Pointers and the duplicate keys `serde_json` collapses: our own scanner
//! over text `serde_json` already accepted, used only when a file has findings.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

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
    /// The key token of the second occurrence, quotes included.
    pub key_span: Span,
    /// The key token of the first occurrence, quotes included.
    pub first_key_span: Span,
    /// How many times the key is written in the object (2 or more): one `DuplicateKey` per
    /// repeated key and object, however often it repeats (a key written 100,000 times is one
    /// finding, not 99,999).
    pub count: usize,
}

/// Resolves pointers to byte spans in one document's text.
///
/// Built on text `serde_json` accepted (any BOM already stripped); on other text it never panics,
/// loops or recurses, it just finds less. [`SpanIndex::new`] makes one linear pass recording the
/// span of each element or member of the root container, and, when the root is an object, of
/// the containers directly inside it (so `{"items": [...]}` batches are indexed too). After
/// that, [`SpanIndex::locate`] costs the size of the indexed element it descends into, not the
/// size of the file. Below those levels, a container of [`DEEP_MIN`] bytes or more gets a
/// table of its own the first time a pointer goes through it: an order with 300,000 line items
/// is scanned once, not once per finding on a line (which made such a file quadratic).
#[derive(Debug)]
pub struct SpanIndex<'a> {
    text: &'a str,
    root: Option<Entry<'a>>,
    /// Tables of big containers below the eager levels, by the container's start, made on
    /// first use (`None`: not a container the scanner could index).
    deep: Mutex<HashMap<usize, Option<Arc<Table<'a>>>>>,
}

/// Containers at least this many bytes long, below the eagerly indexed levels, are indexed on
/// first use; smaller ones are scanned per lookup (that costs their size, at most this).
const DEEP_MIN: usize = 16 * 1024;
/// At most this many levels of a pointer go through deep tables; the rest is one forward scan.
/// Making a table costs the container's size, so text nested 100,000 deep, each level as big
/// as the rest, would cost the square of its size if every level got one.
const DEEP_LEVELS: usize = 4;

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
        Self {
            text,
            root,
            deep: Mutex::new(HashMap::new()),
        }
    }

    /// The table of the big container starting at `start`, made on first use.
    fn deep_table(&self, start: usize) -> Option<Arc<Table<'a>>> {
        let mut deep = self.deep.lock().unwrap_or_else(PoisonError::into_inner);
        deep.entry(start)
            .or_insert_with(|| {
                Scanner::new(self.text)
                    .table(start, false)
                    .map(|(table, _)| Arc::new(table))
            })
            .clone()
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
        let mut done = 0;
        for token in rest.iter().take(DEEP_LEVELS) {
            let value = located.value;
            if value.end.saturating_sub(value.start) < DEEP_MIN {
                break;
            }
            let Some(table) = self.deep_table(value.start) else {
                break;
            };
            let entry = table.get(token)?;
            located = Located {
                key: entry.key,
                value: entry.value,
            };
            done += 1;
        }
        let rest = rest.get(done..).unwrap_or_default();
        if rest.is_empty() {
            return Some(located);
        }
        Scanner::new(self.text).descend(located.value.start, rest)
    }

    /// Every key that repeats within its object, at any depth, in text order. A key written
    /// three times gives one entry, at its second occurrence, pointing back to the first, with
    /// `count` 3.
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
    map: Option<HashMap<Cow<'a, str>, First>>,
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

/// A key's first occurrence in an object, and its entry in `found` once it repeats.
#[derive(Clone, Copy)]
struct First {
    span: Span,
    found: Option<usize>,
}

/// The full-document scan for repeated keys, with an explicit stack.
struct DuplicateScan<'a> {
    scan: Scanner<'a>,
    stack: Vec<Frame<'a>>,
    /// The first occurrence of each key of the open objects, innermost last.
    seen: Vec<(Cow<'a, str>, First)>,
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
            match self.first_occurrence(key.clone(), span) {
                None => {}
                Some(First { found: Some(i), .. }) => {
                    if let Some(dup) = self.found.get_mut(i) {
                        dup.count += 1;
                    }
                }
                Some(First { span: first, .. }) => {
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
                    self.mark_found(key, self.found.len());
                    self.found.push(DuplicateKey {
                        pointer,
                        key: key.clone().into_owned(),
                        key_span: span,
                        first_key_span: first,
                        count: 2,
                    });
                }
            }
        }
        self.stack.last_mut()?.key = key;
        Some(value_at)
    }

    /// The first occurrence of `key` in the innermost object, recording this one if it is new.
    fn first_occurrence(&mut self, key: Cow<'a, str>, span: Span) -> Option<First> {
        let frame = self.stack.last_mut()?;
        let first = First { span, found: None };
        if let Some(map) = &mut frame.map {
            if let Some(first) = map.get(key.as_ref()) {
                return Some(*first);
            }
            map.insert(key, first);
            return None;
        }
        let own = self.seen.get(frame.seen_from..).unwrap_or_default();
        if let Some((_, first)) = own.iter().find(|(k, _)| *k == key) {
            return Some(*first);
        }
        if own.len() >= LINEAR_KEYS {
            let mut map: HashMap<_, _> = self.seen.drain(frame.seen_from..).collect();
            map.insert(key, first);
            frame.map = Some(map);
        } else {
            self.seen.push((key, first));
        }
        None
    }

    /// Notes that `key` of the innermost object repeats, as `found[index]`.
    fn mark_found(&mut self, key: &str, index: usize) {
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        let first = match &mut frame.map {
            Some(map) => map.get_mut(key),
            None => self
                .seen
                .get_mut(frame.seen_from..)
                .and_then(|own| own.iter_mut().find(|(k, _)| k == key))
                .map(|(_, first)| first),
        };
        if let Some(first) = first {
            first.found = Some(index);
        }
    }
}

#[cfg(test)]
mod tests;
