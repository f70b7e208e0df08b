//! What a run remembers across its files (docs/cross-file.md): the orders of the run (their
//! ids, line item ids, SKUs, quantities and units already refunded) and the references to them
//! from COGS, logistics-costs and transaction-costs items and from refunds.
//!
//! Each object's facts are taken from its view while it is checked ([`facts`]), handed to the
//! file's [`FileState`](crate::rule::FileState) in file order, and from there, in batches, to
//! the run's [`Collector`]. The collector keeps them as [`Record`]s in [`PARTS`] partitions by a
//! fixed hash of their key (an order id, or a line item id for what refunds name), so that a
//! partition holds everything one check needs and the checks read one partition at a time
//! (several at once, one per thread). Records are kept encoded in a compact binary form
//! ([`encode`]), made on the linting thread before the collector's lock is taken. Memory stays
//! bounded: past [`SPILL_AT`] records in memory, every partition is written to an anonymous
//! temporary file (`$TMPDIR`, deleted when the run ends) and later records go there too. If no
//! temporary file can be made, the records stay in memory.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::payload::PayloadKind;
use crate::view::{Cost, Order, Refund};

/// Records kept in memory before the partitions are written to temporary files. The unit
/// tests use a tiny value so that they go through the files.
pub const SPILL_AT: usize = if cfg!(test) { 8 } else { 65_536 };

/// Partitions: a check reads one at a time, so a run of `n` records holds about
/// `n / PARTS` of them at once while checking.
pub const PARTS: usize = 128;

/// Facts handed from a file to the collector at a time.
const BATCH: usize = 1024;

/// How many runs are collecting now: objects' facts are taken only while one is (a lone
/// `Linter` pays nothing for them).
static COLLECTING: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The collector and file index of the file being linted on this thread, set by the run
    /// around each file's lint and read when the file's state is made.
    static CURRENT: RefCell<Option<(Arc<Collector>, u32)>> = const { RefCell::new(None) };
}

/// Whether objects' facts are wanted.
pub(crate) fn collecting() -> bool {
    COLLECTING.load(Ordering::Relaxed) > 0
}

/// Marks a run as collecting while it lives.
pub(crate) struct Collecting(());

impl Collecting {
    pub(crate) fn start() -> Self {
        COLLECTING.fetch_add(1, Ordering::Relaxed);
        Self(())
    }
}

impl Drop for Collecting {
    fn drop(&mut self) {
        COLLECTING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs `lint` with its facts going to `collector` as file `file`. A thread that lints a file
/// may, while it waits on the pool, lint another one: the previous collector is put back after.
pub(crate) fn with_collector<R>(
    collector: &Arc<Collector>,
    file: u32,
    lint: impl FnOnce() -> R,
) -> R {
    let previous = CURRENT.with(|c| c.replace(Some((Arc::clone(collector), file))));
    let result = lint();
    CURRENT.with(|c| *c.borrow_mut() = previous);
    result
}

/// Where a fact is: the file (its index in the run), the object's place in file order, its
/// pointer, and its line and columns when known (JSON Lines records, whose text is gone by the
/// time the checks run; a document's lines and columns are found later, from its text).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// The file's index among the run's inputs (reference orders after the inputs).
    pub file: u32,
    /// The object's position in its file.
    pub seq: u64,
    /// The pointer (of an order's `id`, a line's `quantity`, a cost item, a refunded line).
    pub pointer: String,
    /// The 1-based line of the JSON Lines record.
    pub line: Option<usize>,
    /// In a JSON Lines record, the 1-based columns of the values a finding or a label may
    /// point at (0: not known), by [`Slot`]: the value at `pointer` itself, then its members
    /// `orderId`, `lineItemId` or `sku`, and the amount or `refundedQuantity`.
    pub columns: [u32; 4],
}

/// Which of a [`Place`]'s columns a member's value has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The value at the place's pointer.
    Own = 0,
    /// `orderId`.
    Order = 1,
    /// `lineItemId` or `sku`.
    Line = 2,
    /// The cost's amount (`productCogs`, `totalLogisticsCosts`, `transactionCosts`) or
    /// `refundedQuantity`.
    Amount = 3,
}

impl Slot {
    /// The slot of member `key` of a cost item or a refunded line.
    fn of(key: &str) -> Self {
        match key {
            "orderId" => Slot::Order,
            "lineItemId" | "sku" => Slot::Line,
            _ => Slot::Amount,
        }
    }
}

impl Place {
    /// The place of member `key` of the value here, with its column when known.
    #[must_use]
    pub fn member(&self, key: &str) -> Place {
        let mut columns = [0; 4];
        columns[0] = self.columns[Slot::of(key) as usize];
        Place {
            pointer: format!("{}/{key}", self.pointer),
            columns,
            ..self.clone()
        }
    }

    /// The 1-based column of the value at the pointer, when known.
    #[must_use]
    pub fn column(&self) -> Option<usize> {
        match self.columns[0] {
            0 => None,
            c => Some(c as usize),
        }
    }
}

/// A line of an order, as COGS items name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineKeys {
    /// `id`.
    pub id: Option<String>,
    /// `sku`.
    pub sku: Option<String>,
}

/// How a cost item names its line (COGS only).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineKey {
    /// `lineItemId`.
    Id(String),
    /// `sku`.
    Sku(String),
}

/// One fact remembered for the checks across files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// An order and its lines (bundle constituents included); keyed by the order id.
    Order {
        /// `id`.
        id: String,
        /// Where its `id` is.
        at: Place,
        /// Its lines.
        lines: Vec<LineKeys>,
    },
    /// A line of an order with an `id`; keyed by the line id, for the refunds that name it.
    Line {
        /// The line's `id`.
        id: String,
        /// The order's `id`.
        order: String,
        /// `quantity`, as exact decimal text.
        quantity: Option<String>,
        /// Units refunded in the order's own `refundedLineItems`.
        refunded: String,
        /// The `id`s of those refunded lines: the same record sent to the refunds endpoint
        /// is the same return, counted once.
        refund_lines: Vec<String>,
        /// Where its `quantity` is.
        at: Place,
    },
    /// A COGS, logistics-costs or transaction-costs item; keyed by its `orderId`.
    Cost {
        /// The endpoint (`cogs`, `logistics-costs`, `transaction-costs`).
        kind: String,
        /// `orderId`.
        order: String,
        /// The line it names (COGS).
        line: Option<LineKey>,
        /// The amount, as exact decimal text.
        amount: Option<String>,
        /// Where the item is.
        at: Place,
    },
    /// A line of a refund (refunds endpoint); keyed by its `lineItemId`.
    RefundLine {
        /// `lineItemId`.
        line: String,
        /// The refunded line's own `id`.
        id: Option<String>,
        /// The refund's `id`.
        refund: Option<String>,
        /// `refundedQuantity`, as exact decimal text.
        quantity: Option<String>,
        /// Where the refunded line is.
        at: Place,
    },
}

impl Record {
    /// The key that decides its partition.
    fn key(&self) -> &str {
        match self {
            Record::Order { id, .. } | Record::Line { id, .. } => id,
            Record::Cost { order, .. } => order,
            Record::RefundLine { line, .. } => line,
        }
    }

    /// Where it is.
    #[must_use]
    pub fn place(&self) -> &Place {
        match self {
            Record::Order { at, .. }
            | Record::Line { at, .. }
            | Record::Cost { at, .. }
            | Record::RefundLine { at, .. } => at,
        }
    }

    fn place_mut(&mut self) -> &mut Place {
        match self {
            Record::Order { at, .. }
            | Record::Line { at, .. }
            | Record::Cost { at, .. }
            | Record::RefundLine { at, .. } => at,
        }
    }

    /// Whether it refers to an order rather than being one.
    #[must_use]
    pub fn is_reference(&self) -> bool {
        matches!(self, Record::Cost { .. } | Record::RefundLine { .. })
    }
}

/// The partition of a key: a fixed hash, so that partitions are the same from run to run.
fn part_of(key: &str) -> usize {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    usize::try_from(h.finish() % PARTS as u64).unwrap_or(0)
}

fn place(pointer: String) -> Place {
    Place {
        pointer,
        ..Place::default()
    }
}

fn text(d: Option<Decimal>) -> Option<String> {
    d.map(|d| d.normalize().to_string())
}

/// The facts of an order: the order with its lines, and each line with an `id`.
pub(crate) fn order_facts(order: &Order<'_>) -> Vec<Record> {
    let Some(id) = order.id else {
        return Vec::new();
    };
    let mut out = vec![Record::Order {
        id: id.to_owned(),
        at: place(order.at("id").as_str().to_owned()),
        lines: order
            .all_lines()
            .map(|l| LineKeys {
                id: l.id.map(str::to_owned),
                sku: l.raw.get("sku").and_then(|v| v.as_str()).map(str::to_owned),
            })
            .collect(),
    }];
    for line in order.all_lines() {
        let Some(line_id) = line.id else { continue };
        let refunds = || {
            order
                .refunds
                .iter()
                .filter(move |r| r.line_item_id == Some(line_id))
        };
        let refunded = refunds()
            .filter_map(|r| r.quantity)
            .fold(Decimal::ZERO, |a, q| a.checked_add(q).unwrap_or(a));
        let refund_lines = refunds()
            .filter_map(|r| r.raw.get("id").and_then(|v| v.as_str()).map(str::to_owned))
            .collect();
        out.push(Record::Line {
            id: line_id.to_owned(),
            order: id.to_owned(),
            quantity: text(line.quantity),
            refunded: refunded.normalize().to_string(),
            refund_lines,
            at: place(line.at("quantity").as_str().to_owned()),
        });
    }
    out
}

/// The facts of a cost item: what it names.
pub(crate) fn cost_facts(cost: &Cost<'_>) -> Vec<Record> {
    let Some(order) = cost.order_id else {
        return Vec::new();
    };
    let field = |k: &str| cost.raw.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let line = if cost.kind == PayloadKind::Cogs {
        field("lineItemId")
            .map(LineKey::Id)
            .or_else(|| field("sku").map(LineKey::Sku))
    } else {
        None
    };
    vec![Record::Cost {
        kind: cost.kind.as_str().to_owned(),
        order: order.to_owned(),
        line,
        amount: text(cost.amount),
        at: place(cost.ptr.as_str().to_owned()),
    }]
}

/// The facts of a refund: each refunded line that names a line.
pub(crate) fn refund_facts(refund: &Refund<'_>) -> Vec<Record> {
    refund
        .lines
        .iter()
        .filter_map(|l| {
            Some(Record::RefundLine {
                line: l.line_item_id?.to_owned(),
                id: l.raw.get("id").and_then(|v| v.as_str()).map(str::to_owned),
                refund: refund.id.map(str::to_owned),
                quantity: text(l.quantity),
                at: place(l.ptr.as_str().to_owned()),
            })
        })
        .collect()
}

/// Fills in the columns of one JSON Lines record's facts from the record's text (one line;
/// the facts' pointers start with the record's index), while the text is at hand: the checks
/// run when it is long gone. One pass over the record's text finds every value wanted, with
/// no index built and nothing allocated per value; only for records with facts, and only in
/// runs that collect them.
pub(crate) fn place_in_record(facts: &mut [Record], text: &str) {
    if facts.is_empty() {
        return;
    }
    // (fact, slot, path from the record's root) of every value wanted, borrowed from the
    // facts' pointers: nothing is allocated per value.
    let mut wanted: Vec<(usize, Slot, Path<'_>)> = Vec::new();
    for (i, fact) in facts.iter().enumerate() {
        // Without its first token, the record's index.
        let local = fact
            .place()
            .pointer
            .get(1..)
            .and_then(|p| p.find('/').and_then(|k| p.get(k..)))
            .unwrap_or("");
        let path = |member: Option<&'static str>| Path { local, member };
        match fact {
            Record::Order { .. } | Record::Line { .. } => wanted.push((i, Slot::Own, path(None))),
            Record::Cost { kind, line, .. } => {
                wanted.push((i, Slot::Order, path(Some("orderId"))));
                if let Some(line) = line {
                    let key = match line {
                        LineKey::Id(_) => "lineItemId",
                        LineKey::Sku(_) => "sku",
                    };
                    wanted.push((i, Slot::Line, path(Some(key))));
                }
                let field = PayloadKind::ALL
                    .iter()
                    .find(|k| k.as_str() == kind)
                    .and_then(|k| k.cost_field());
                if let Some(field) = field {
                    wanted.push((i, Slot::Amount, path(Some(field))));
                }
            }
            Record::RefundLine { .. } => {
                wanted.push((i, Slot::Line, path(Some("lineItemId"))));
                wanted.push((i, Slot::Amount, path(Some("refundedQuantity"))));
            }
        }
    }
    let paths: Vec<Path<'_>> = wanted.iter().map(|(_, _, p)| *p).collect();
    let starts = value_starts(text, &paths);
    let mut columns = Vec::with_capacity(wanted.len());
    // Most records are ASCII: a char is a byte.
    let ascii = text.is_ascii();
    for ((i, slot, _), start) in wanted.iter().zip(starts) {
        // A record is one line: the column is the chars before the value, plus 1, as
        // `LineIndex` counts them.
        let chars = |s: &str| if ascii { s.len() } else { s.chars().count() };
        let column = start
            .and_then(|start| text.get(..start))
            .map_or(0, |s| u32::try_from(chars(s) + 1).unwrap_or(0));
        columns.push((*i, *slot, column));
    }
    for (i, slot, column) in columns {
        if let Some(fact) = facts.get_mut(i) {
            fact.place_mut().columns[slot as usize] = column;
        }
    }
}

/// A value's path from a record's root: a pointer (`/lineItems/0/quantity`, or empty) and a
/// member of the value there.
#[derive(Clone, Copy)]
struct Path<'a> {
    local: &'a str,
    member: Option<&'a str>,
}

impl Path<'_> {
    /// Its tokens; a pointer token with an escape (`~0`, `~1`) is never matched.
    fn tokens(&self) -> impl Iterator<Item = Option<&str>> {
        self.local
            .split('/')
            .skip(1)
            .map(|t| (!t.contains('~')).then_some(t))
            .chain(self.member.map(Some))
    }
}

/// A path's token as [`value_starts`] matches it: the key, and its value as an array index;
/// `None` for a token that matches nothing.
type Token<'t> = Option<(&'t str, Option<usize>)>;

/// One open container while [`value_starts`] reads: an object and the key of its current
/// member (a byte range of the text, quotes excluded), or an array and its current index.
enum Frame {
    Object(Option<(usize, usize)>),
    Array(usize),
}

/// The byte offset in `text` (JSON that parsed) of the value at each of `paths` (tokens from
/// the root, as in a pointer), in one forward pass. A key written twice gives its last value,
/// the one serde_json keeps. Keys written with escapes are not matched.
fn value_starts(text: &str, paths: &[Path<'_>]) -> Vec<Option<usize>> {
    let b = text.as_bytes();
    let mut found = vec![None; paths.len()];
    let mut stack: Vec<Frame> = Vec::new();
    let mut expect_key = false;
    let mut i = 0;
    // Each path's tokens, with their value as an array index, read once (`None`: a token
    // that matches nothing).
    let tokens: Vec<Vec<Token<'_>>> = paths
        .iter()
        .map(|p| p.tokens().map(|t| t.map(|t| (t, t.parse().ok()))).collect())
        .collect();
    let on_path = |stack: &[Frame], k: usize| {
        tokens.get(k).is_some_and(|path| {
            path.len() == stack.len()
                && stack
                    .iter()
                    .zip(path)
                    .all(|(frame, token)| match (frame, token) {
                        (Frame::Object(Some((s, e))), Some((key, _))) => {
                            text.get(*s..*e) == Some(*key)
                        }
                        (Frame::Array(n), Some((_, index))) => *index == Some(*n),
                        _ => false,
                    })
        })
    };
    let mut value_at = |stack: &[Frame], at: usize| {
        for k in 0..paths.len() {
            if on_path(stack, k) {
                if let Some(slot) = found.get_mut(k) {
                    *slot = Some(at);
                }
            }
        }
    };
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b':' => i += 1,
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Array(n)) => *n += 1,
                    Some(Frame::Object(_)) => expect_key = true,
                    None => {}
                }
                i += 1;
            }
            b'"' => {
                // The end of the string: its closing quote, escapes skipped.
                let mut j = i + 1;
                let end = loop {
                    match b
                        .get(j..)
                        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
                    {
                        None => break b.len(),
                        Some(k) if b.get(j + k) == Some(&b'"') => break j + k,
                        Some(k) => j += k + 2,
                    }
                };
                if expect_key {
                    let raw = text.get(i + 1..end).unwrap_or("\\");
                    if let Some(Frame::Object(key)) = stack.last_mut() {
                        *key = (!raw.contains('\\')).then_some((i + 1, end));
                    }
                    expect_key = false;
                } else {
                    value_at(&stack, i);
                }
                i = end + 1;
            }
            b'{' => {
                value_at(&stack, i);
                stack.push(Frame::Object(None));
                expect_key = true;
                i += 1;
            }
            b'[' => {
                value_at(&stack, i);
                stack.push(Frame::Array(0));
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
                i += 1;
            }
            _ => {
                // A number, `true`, `false` or `null`.
                value_at(&stack, i);
                i += b
                    .get(i..)
                    .and_then(|rest| {
                        rest.iter().position(|&c| {
                            matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')
                        })
                    })
                    .unwrap_or(b.len() - i)
                    .max(1);
            }
        }
    }
    found
}

/// One file's facts on their way to the collector: numbered in file order, handed over in
/// batches, the rest when the file is done (dropped).
#[derive(Debug)]
pub struct FileFacts {
    collector: Arc<Collector>,
    file: u32,
    seq: u64,
    batch: Vec<Record>,
}

impl FileFacts {
    /// The facts of the file being linted on this thread, when a run collects them.
    pub(crate) fn current() -> Option<Self> {
        let (collector, file) = CURRENT.with(|c| c.borrow().clone())?;
        Some(Self {
            collector,
            file,
            seq: 0,
            batch: Vec::new(),
        })
    }

    /// Adds one object's facts, in file order; `line` is its JSON Lines record's line.
    pub(crate) fn add(&mut self, facts: Vec<Record>, line: Option<usize>) {
        for mut fact in facts {
            let at = fact.place_mut();
            at.file = self.file;
            at.seq = self.seq;
            at.line = line;
            self.batch.push(fact);
        }
        self.seq += 1;
        if self.batch.len() >= BATCH {
            self.collector.add(self.file, &self.batch);
            self.batch.clear();
        }
    }
}

impl Drop for FileFacts {
    fn drop(&mut self) {
        self.collector.add(self.file, &self.batch);
    }
}

/// The run's facts, partitioned, in memory up to [`SPILL_AT`] records and in temporary files
/// past it.
#[derive(Debug, Default)]
pub struct Collector {
    store: Mutex<Store>,
    /// The files that referred to an order (their reports wait for the checks).
    referring: Mutex<BTreeSet<u32>>,
}

#[derive(Debug, Default)]
struct Store {
    parts: Vec<Part>,
    in_memory: usize,
    spill_at: usize,
    no_spill: bool,
    spilled: bool,
    records: usize,
    /// Partitions whose temporary file failed a write: some of their records are lost.
    broken: usize,
}

/// One partition: its records encoded (see [`encode`]), in memory until the store spills,
/// then in its temporary file.
#[derive(Debug, Default)]
struct Part {
    memory: Vec<u8>,
    file: Option<BufWriter<File>>,
}

impl Collector {
    /// An empty collector that spills past [`SPILL_AT`] records.
    #[must_use]
    pub fn new() -> Self {
        Self::with_spill_at(SPILL_AT)
    }

    /// An empty collector that keeps at most `spill_at` records in memory.
    #[must_use]
    pub fn with_spill_at(spill_at: usize) -> Self {
        Self {
            store: Mutex::new(Store {
                parts: (0..PARTS).map(|_| Part::default()).collect(),
                spill_at: spill_at.max(1),
                ..Store::default()
            }),
            referring: Mutex::default(),
        }
    }

    /// Adds facts of file `file`.
    pub fn add(&self, file: u32, records: &[Record]) {
        if records.is_empty() {
            return;
        }
        if records.iter().any(Record::is_reference) {
            self.referring
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(file);
        }
        // Encoded here, on the linting thread, so that the lock is held only to copy bytes.
        let mut by_part: Vec<(usize, usize)> = records
            .iter()
            .enumerate()
            .map(|(i, r)| (part_of(r.key()), i))
            .collect();
        by_part.sort_unstable();
        let mut bytes = Vec::with_capacity(records.len() * 96);
        let mut spans: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
        for (p, i) in by_part {
            let start = bytes.len();
            if let Some(record) = records.get(i) {
                encode(record, &mut bytes);
            }
            match spans.last_mut() {
                Some((last, range)) if *last == p => range.end = bytes.len(),
                _ => spans.push((p, start..bytes.len())),
            }
        }
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        store.add(records.len(), &bytes, &spans);
    }

    /// Whether file `file` referred to an order.
    #[must_use]
    pub fn refers(&self, file: u32) -> bool {
        self.referring
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&file)
    }

    /// How many records were collected, and whether they went to temporary files.
    #[cfg(test)]
    #[must_use]
    pub fn stats(&self) -> (usize, bool) {
        let store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        (store.records, store.spilled)
    }

    /// Checks each partition's records with `each`, several partitions at a time on the
    /// thread pool, and returns what `each` returned, in partition order, and how many
    /// partitions could not be read back from their temporary file. A partition is read back
    /// only when a thread takes it, so at most one per thread is in memory at once (besides
    /// the records that never left memory). The records are handed over once: a second call
    /// sees none.
    pub fn map_parts<T: Send>(&self, each: impl Fn(Vec<Record>) -> T + Sync) -> (Vec<T>, usize) {
        let (parts, broken) = {
            let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
            let fresh = (0..PARTS).map(|_| Part::default()).collect();
            (
                std::mem::replace(&mut store.parts, fresh),
                std::mem::take(&mut store.broken),
            )
        };
        let unreadable = AtomicUsize::new(0);
        let out = parts
            .into_par_iter()
            .map(|mut part| {
                let mut records = Vec::new();
                let mut ok = true;
                if let Some(file) = part.file.take() {
                    ok =
                        read_back(file).is_ok_and(|bytes| decode_all(&bytes, &mut records).is_ok());
                }
                ok &= decode_all(&part.memory, &mut records).is_ok();
                if !ok {
                    unreadable.fetch_add(1, Ordering::Relaxed);
                }
                each(records)
            })
            .collect();
        (out, unreadable.into_inner() + broken)
    }
}

impl Store {
    /// Adds `count` records, encoded in `bytes`: `spans` are each partition's range of them.
    fn add(&mut self, count: usize, bytes: &[u8], spans: &[(usize, std::ops::Range<usize>)]) {
        self.records += count;
        for (p, range) in spans {
            let (Some(part), Some(encoded)) = (self.parts.get_mut(*p), bytes.get(range.clone()))
            else {
                continue;
            };
            if self.spilled && !self.no_spill {
                if let Some(file) = part.file.as_mut() {
                    if file.write_all(encoded).is_ok() {
                        continue;
                    }
                    // Part of it may be in the file: those records would be read twice. Keep
                    // what is left in memory from now on, and say the partition is unreadable.
                    part.file = None;
                    self.broken += 1;
                }
            }
            part.memory.extend_from_slice(encoded);
        }
        if self.spilled {
            return;
        }
        self.in_memory += count;
        if self.in_memory >= self.spill_at && !self.no_spill {
            if self.spill().is_ok() {
                self.spilled = true;
                self.in_memory = 0;
            } else {
                self.no_spill = true;
            }
        }
    }

    /// Writes every partition's records in memory to its temporary file.
    fn spill(&mut self) -> std::io::Result<()> {
        for part in &mut self.parts {
            if part.file.is_none() {
                part.file = Some(BufWriter::with_capacity(16 * 1024, tempfile::tempfile()?));
            }
            if let Some(file) = part.file.as_mut() {
                file.write_all(&part.memory)?;
            }
            part.memory = Vec::new();
        }
        Ok(())
    }
}

// Spilled records are written in a compact binary form of their own, not JSON text: each
// field as little-endian integers and length-prefixed UTF-8, with a tag byte per record. It is
// read back only by the same process, from its own anonymous temporary file, so it needs no
// version and no compatibility; JSON text cost a third of a large run's time (docs/cross-file.md).

fn read_back(file: BufWriter<File>) -> std::io::Result<Vec<u8>> {
    let mut file = file
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    file.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn decode_all(bytes: &[u8], out: &mut Vec<Record>) -> std::io::Result<()> {
    let mut reader = Decoder { bytes };
    while !reader.bytes.is_empty() {
        let record = reader.record().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "a spilled record could not be decoded",
            )
        })?;
        out.push(record);
    }
    Ok(())
}

fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_u64(out, n as u64);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

fn put_place(out: &mut Vec<u8>, at: &Place) {
    put_u32(out, at.file);
    put_u64(out, at.seq);
    put_str(out, &at.pointer);
    // Lines count from 1: 0 is "none".
    put_len(out, at.line.unwrap_or(0));
    for c in at.columns {
        put_u32(out, c);
    }
}

fn encode(record: &Record, out: &mut Vec<u8>) {
    match record {
        Record::Order { id, at, lines } => {
            out.push(0);
            put_str(out, id);
            put_len(out, lines.len());
            for l in lines {
                put_opt(out, l.id.as_deref());
                put_opt(out, l.sku.as_deref());
            }
            put_place(out, at);
        }
        Record::Line {
            id,
            order,
            quantity,
            refunded,
            refund_lines,
            at,
        } => {
            out.push(1);
            put_str(out, id);
            put_str(out, order);
            put_opt(out, quantity.as_deref());
            put_str(out, refunded);
            put_len(out, refund_lines.len());
            for r in refund_lines {
                put_str(out, r);
            }
            put_place(out, at);
        }
        Record::Cost {
            kind,
            order,
            line,
            amount,
            at,
        } => {
            out.push(2);
            put_str(out, kind);
            put_str(out, order);
            match line {
                None => out.push(0),
                Some(LineKey::Id(id)) => {
                    out.push(1);
                    put_str(out, id);
                }
                Some(LineKey::Sku(sku)) => {
                    out.push(2);
                    put_str(out, sku);
                }
            }
            put_opt(out, amount.as_deref());
            put_place(out, at);
        }
        Record::RefundLine {
            line,
            id,
            refund,
            quantity,
            at,
        } => {
            out.push(3);
            put_str(out, line);
            put_opt(out, id.as_deref());
            put_opt(out, refund.as_deref());
            put_opt(out, quantity.as_deref());
            put_place(out, at);
        }
    }
}

/// Reads back what [`encode`] wrote; `None` on anything malformed.
struct Decoder<'a> {
    bytes: &'a [u8],
}

impl Decoder<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    fn string(&mut self) -> Option<String> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }

    #[allow(clippy::option_option)] // `None`: malformed bytes; `Some(None)`: an absent value
    fn opt(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(self.string()?)),
            _ => None,
        }
    }

    fn place(&mut self) -> Option<Place> {
        let file = self.u32()?;
        let seq = self.u64()?;
        let pointer = self.string()?;
        let line = Some(self.len()?).filter(|&l| l > 0);
        let mut columns = [0; 4];
        for c in &mut columns {
            *c = self.u32()?;
        }
        Some(Place {
            file,
            seq,
            pointer,
            line,
            columns,
        })
    }

    fn record(&mut self) -> Option<Record> {
        Some(match self.byte()? {
            0 => {
                let id = self.string()?;
                let n = self.len()?;
                let mut lines = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    lines.push(LineKeys {
                        id: self.opt()?,
                        sku: self.opt()?,
                    });
                }
                Record::Order {
                    id,
                    lines,
                    at: self.place()?,
                }
            }
            1 => {
                let id = self.string()?;
                let order = self.string()?;
                let quantity = self.opt()?;
                let refunded = self.string()?;
                let n = self.len()?;
                let mut refund_lines = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    refund_lines.push(self.string()?);
                }
                Record::Line {
                    id,
                    order,
                    quantity,
                    refunded,
                    refund_lines,
                    at: self.place()?,
                }
            }
            2 => {
                let kind = self.string()?;
                let order = self.string()?;
                let line = match self.byte()? {
                    0 => None,
                    1 => Some(LineKey::Id(self.string()?)),
                    2 => Some(LineKey::Sku(self.string()?)),
                    _ => return None,
                };
                Record::Cost {
                    kind,
                    order,
                    line,
                    amount: self.opt()?,
                    at: self.place()?,
                }
            }
            3 => Record::RefundLine {
                line: self.string()?,
                id: self.opt()?,
                refund: self.opt()?,
                quantity: self.opt()?,
                at: self.place()?,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(order: &str, file: u32, seq: u64) -> Record {
        Record::Cost {
            kind: "cogs".into(),
            order: order.into(),
            line: Some(LineKey::Id("a".into())),
            amount: Some("1.5".into()),
            at: Place {
                file,
                seq,
                pointer: format!("/items/{seq}"),
                line: None,
                columns: [0; 4],
            },
        }
    }

    #[test]
    fn every_kind_of_record_comes_back_from_its_bytes_as_it_was() {
        let at = |n: u64| Place {
            file: 3,
            seq: n,
            pointer: format!("/{n}/lineItems/0/quantity"),
            line: Some(7),
            columns: [1, 12, 0, 70],
        };
        let records = vec![
            Record::Order {
                id: "Ordré \"1\"".into(),
                at: Place::default(),
                lines: vec![
                    LineKeys {
                        id: Some("a".into()),
                        sku: None,
                    },
                    LineKeys {
                        id: None,
                        sku: Some("TEE-M".into()),
                    },
                ],
            },
            Record::Line {
                id: "a".into(),
                order: "1".into(),
                quantity: Some("2.5".into()),
                refunded: "0".into(),
                refund_lines: vec!["r1".into(), String::new()],
                at: at(1),
            },
            Record::Line {
                id: "b".into(),
                order: "1".into(),
                quantity: None,
                refunded: "1".into(),
                refund_lines: Vec::new(),
                at: at(2),
            },
            cost("o", 1, 3),
            Record::Cost {
                kind: "logistics-costs".into(),
                order: "o".into(),
                line: Some(LineKey::Sku("S".into())),
                amount: None,
                at: at(4),
            },
            Record::Cost {
                kind: "transaction-costs".into(),
                order: "o".into(),
                line: None,
                amount: Some("-0.1".into()),
                at: at(5),
            },
            Record::RefundLine {
                line: "a".into(),
                id: None,
                refund: Some("R".into()),
                quantity: Some("1".into()),
                at: at(6),
            },
        ];
        let mut bytes = Vec::new();
        for r in &records {
            encode(r, &mut bytes);
        }
        let mut decoder = Decoder { bytes: &bytes };
        let mut back = Vec::new();
        while !decoder.bytes.is_empty() {
            back.push(decoder.record().unwrap());
        }
        assert_eq!(back, records);
        // Cut short anywhere, it is an error, not a wrong record.
        for cut in 0..bytes.len() {
            let mut decoder = Decoder {
                bytes: &bytes[..cut],
            };
            let mut n = 0;
            while !decoder.bytes.is_empty() {
                if decoder.record().is_none() {
                    break;
                }
                n += 1;
            }
            assert!(n < records.len());
        }
    }

    #[test]
    fn json_lines_facts_get_the_columns_of_their_values() {
        let text = r#"{"productCogs": 4.5, "orderId": "o", "lineItemId": "a"}"#;
        let mut facts = vec![Record::Cost {
            kind: "cogs".into(),
            order: "o".into(),
            line: Some(LineKey::Id("a".into())),
            amount: Some("4.5".into()),
            at: place("/12".into()),
        }];
        place_in_record(&mut facts, text);
        let at = facts[0].place();
        assert_eq!(at.columns, [0, 33, 52, 17]);
        assert_eq!(at.member("orderId").column(), Some(33));
        assert_eq!(at.member("productCogs").column(), Some(17));
    }

    #[test]
    fn values_are_found_in_one_pass_as_serde_json_reads_them() {
        let text = r#"{"a": "x\"}{[", "id": 1, "lineItems": [{"q": [1, {}], "quantity": 2.5}, {"id": "b", "quantity":-3,"bundledProducts":[{"quantity":true}]}], "id" : "last", "n": null, "e\u0069": 7}"#;
        let path = |local| Path {
            local,
            member: None,
        };
        let paths = [
            path("/id"),
            path("/lineItems/0/quantity"),
            path("/lineItems/1/quantity"),
            path("/lineItems/1/bundledProducts/0/quantity"),
            path("/lineItems/2/quantity"),
            path("/n"),
            path("/ei"),
            path("/lineItems/1"),
        ];
        let at = |needle: &str| text.find(needle);
        assert_eq!(
            value_starts(text, &paths),
            [
                at("\"last\""), // the last of two `id`s
                at("2.5"),
                at("-3"),
                at("true"),
                None,
                at("null"),
                None, // a key written with an escape is not matched
                at("{\"id\": \"b\""),
            ]
        );
    }

    #[test]
    fn spilled_records_come_back_whole_and_by_key() {
        let collector = Collector::with_spill_at(3);
        let records: Vec<Record> = (0..50)
            .map(|i| cost(&format!("o{}", i % 7), 1, i))
            .collect();
        collector.add(1, &records[..20]);
        collector.add(1, &records[20..]);
        assert_eq!(collector.stats(), (50, true));
        assert!(collector.refers(1) && !collector.refers(0));
        let (parts, unreadable) = collector.map_parts(|part| {
            // Every record of one key is in one partition.
            let keys: BTreeSet<String> = part.iter().map(|r| r.key().to_owned()).collect();
            for key in &keys {
                assert!(part.iter().filter(|r| r.key() == key).count() >= 7);
            }
            part
        });
        assert_eq!(unreadable, 0);
        let mut back: Vec<Record> = parts.into_iter().flatten().collect();
        back.sort_by_key(|r| r.place().seq);
        assert_eq!(back, records);
    }
}
