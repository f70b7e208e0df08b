//! What a run remembers across its files (docs/cross-file.md): the orders of the run (their
//! ids, line item ids, SKUs, quantities and units already refunded) and the references to them
//! from COGS, logistics-costs and transaction-costs items and from refunds.
//!
//! Each object's facts are taken from its view while it is checked ([`facts`]), handed to the
//! file's [`FileState`](crate::rule::FileState) in file order, and from there, in batches, to
//! the run's [`Collector`]. The collector keeps them as [`Record`]s in [`PARTS`] partitions by a
//! fixed hash of their key (an order id, or a line item id for what refunds name), so that a
//! partition holds everything one check needs and the checks read one partition at a time.
//! Memory stays bounded: past [`SPILL_AT`] records in memory, every partition is written to
//! an anonymous temporary file (`$TMPDIR`, deleted when the run ends) and later records go
//! there too. If no temporary file can be made, the records stay in memory.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

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
/// pointer, and its line when known (JSON Lines records; a document's lines are found later).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The file's index among the run's inputs (reference orders after the inputs).
    pub file: u32,
    /// The object's position in its file.
    pub seq: u64,
    /// The pointer (of an order's `id`, a line's `quantity`, a cost item, a refunded line).
    pub pointer: String,
    /// The 1-based line of the JSON Lines record.
    pub line: Option<usize>,
}

/// A line of an order, as COGS items name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineKeys {
    /// `id`.
    pub id: Option<String>,
    /// `sku`.
    pub sku: Option<String>,
}

/// How a cost item names its line (COGS only).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LineKey {
    /// `lineItemId`.
    Id(String),
    /// `sku`.
    Sku(String),
}

/// One fact remembered for the checks across files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
            self.collector
                .add(self.file, std::mem::take(&mut self.batch));
        }
    }
}

impl Drop for FileFacts {
    fn drop(&mut self) {
        self.collector
            .add(self.file, std::mem::take(&mut self.batch));
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
}

#[derive(Debug, Default)]
struct Part {
    memory: Vec<Record>,
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
    pub fn add(&self, file: u32, records: Vec<Record>) {
        if records.is_empty() {
            return;
        }
        if records.iter().any(Record::is_reference) {
            self.referring
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(file);
        }
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        store.add(records);
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

    /// Hands each partition's records to `each`, one partition at a time. Returns how many
    /// partitions could not be read back from their temporary file.
    pub fn for_each_part(&self, mut each: impl FnMut(Vec<Record>)) -> usize {
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        let mut unreadable = 0;
        for part in &mut store.parts {
            let mut records = Vec::new();
            if let Some(file) = part.file.take() {
                if read_back(file, &mut records).is_err() {
                    unreadable += 1;
                }
            }
            records.append(&mut part.memory);
            each(records);
        }
        unreadable
    }
}

impl Store {
    fn add(&mut self, records: Vec<Record>) {
        for record in records {
            let p = part_of(record.key());
            self.records += 1;
            let Some(part) = self.parts.get_mut(p) else {
                continue;
            };
            if self.spilled && !self.no_spill {
                if let Some(file) = part.file.as_mut() {
                    if write_record(file, &record).is_ok() {
                        continue;
                    }
                }
            }
            part.memory.push(record);
            self.in_memory += 1;
        }
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
                for record in &part.memory {
                    write_record(file, record)?;
                }
            }
            part.memory = Vec::new();
        }
        Ok(())
    }
}

fn write_record(file: &mut BufWriter<File>, record: &Record) -> std::io::Result<()> {
    serde_json::to_writer(&mut *file, record)?;
    file.write_all(b"\n")
}

fn read_back(file: BufWriter<File>, out: &mut Vec<Record>) -> std::io::Result<()> {
    let mut file = file
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    file.seek(SeekFrom::Start(0))?;
    for line in BufReader::new(file).lines() {
        out.push(serde_json::from_str(&line?)?);
    }
    Ok(())
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
            },
        }
    }

    #[test]
    fn spilled_records_come_back_whole_and_by_key() {
        let collector = Collector::with_spill_at(3);
        let records: Vec<Record> = (0..50)
            .map(|i| cost(&format!("o{}", i % 7), 1, i))
            .collect();
        collector.add(1, records[..20].to_vec());
        collector.add(1, records[20..].to_vec());
        assert_eq!(collector.stats(), (50, true));
        assert!(collector.refers(1) && !collector.refers(0));
        let mut back = Vec::new();
        let unreadable = collector.for_each_part(|part| {
            // Every record of one key is in one partition.
            let keys: BTreeSet<String> = part.iter().map(|r| r.key().to_owned()).collect();
            for key in &keys {
                assert!(part.iter().filter(|r| r.key() == key).count() >= 7);
            }
            back.extend(part);
        });
        assert_eq!(unreadable, 0);
        back.sort_by_key(|r| r.place().seq);
        assert_eq!(back, records);
    }
}
