//! The ids already seen in one file, for `duplicate-id`.
//!
//! A JSON Lines export of millions of orders is streamed with bounded memory; the ids are the
//! one thing that must be remembered for every record. They are kept exactly (compared as
//! written: a fingerprint alone could collide and hide a repeat) and memory does not grow with
//! the file:
//!
//! - The newest ids (up to [`SPILL_AT`] of them, or [`SPILL_BYTES`] of text) are in memory: each id and the pointer where it was
//!   first seen are appended to one text arena, and a hash table holds 24 bytes per id pointing
//!   into it (and the line, in JSON Lines).
//! - When that table is full it is written, sorted by hash, to an anonymous temporary file (a
//!   *run*, deleted when the file is done), and the table is emptied. In memory a run keeps
//!   only a Bloom filter (about 2 bytes an id) and the first hash of every block of
//!   [`BLOCK`] entries (half a byte an id). Two runs of about the same size are merged into
//!   one, so a file of `n` ids has about `log2(n / SPILL_AT)` runs.
//! - An id is looked up in the table, then in each run whose Bloom filter may hold it: one
//!   short read of the one block its hash can be in. A new id passes every filter about 99 % of
//!   the time and costs no read.
//!
//! So a file of 400,000 records keeps about 3 MB of ids in memory, the same as one of 200,000,
//! where an in-memory index would keep 20 MB and grow by 50 bytes a record.
//!
//! If no temporary file can be made or written (a read-only or full `$TMPDIR`), the ids stay in
//! memory: slower to grow, never lost. A run that cannot be read back is counted in
//! [`SeenIds::unreadable`] so the linter can say that repeats may have been missed.

use std::fs::File;
use std::hash::BuildHasher;
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::json::Pointer;

/// How many ids are kept in memory before they are written out as a run. Just under 7/8 of a
/// power of two, so the table never grows past 65,536 slots. The library's own unit tests use
/// a tiny value so that every test with a handful of records goes through the runs.
pub const SPILL_AT: usize = if cfg!(test) { 24 } else { 57_344 };

/// How many bytes of ids and pointers are kept in memory before they are written out as a run,
/// whatever their number: a file of 1 MiB ids must not hold 57,344 of them (56 GiB). Ordinary
/// ids (tens of bytes) reach [`SPILL_AT`] first.
pub const SPILL_BYTES: usize = if cfg!(test) {
    4 * 1024
} else {
    16 * 1024 * 1024
};

/// Entries per block of a run: a lookup reads one or two blocks.
const BLOCK: usize = 32;

/// Bloom filter bits per id, rounded up to a power of two per run, and probes per lookup.
const BLOOM_BITS: usize = 10;
const BLOOM_PROBES: u64 = 7;

/// Where one id sits in the arena: the id's text from `start`, then its pointer's; and the
/// line it was first seen on (0: not known).
#[derive(Clone, Copy, Debug)]
struct Entry {
    start: usize,
    id_len: u32,
    pointer_len: u32,
    line: u64,
}

/// Where an id was first seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstSeen {
    /// Its pointer.
    pub pointer: Pointer,
    /// Its line, when it was given (JSON Lines records).
    pub line: Option<usize>,
}

fn line_code(line: Option<usize>) -> u64 {
    line.and_then(|l| u64::try_from(l).ok()).unwrap_or(0)
}

fn line_of(code: u64) -> Option<usize> {
    usize::try_from(code).ok().filter(|&l| l > 0)
}

/// The ids seen so far in one file and where each was first seen.
#[derive(Debug)]
pub struct SeenIds {
    arena: String,
    table: HashTable<Entry>,
    hasher: DefaultHashBuilder,
    /// Ids written out, oldest first; sizes fall from first to last.
    runs: Vec<Run>,
    /// How many ids the table holds before it is written out.
    spill_at: usize,
    /// Set once writing a run failed: from then on the ids stay in memory.
    no_spill: bool,
    /// How many lookups could not read a run.
    unreadable: usize,
}

impl Default for SeenIds {
    fn default() -> Self {
        Self::with_spill_at(SPILL_AT)
    }
}

impl SeenIds {
    /// A set that keeps at most `spill_at` ids in memory before writing them out (at least 1).
    #[must_use]
    pub fn with_spill_at(spill_at: usize) -> Self {
        Self {
            arena: String::new(),
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            runs: Vec::new(),
            spill_at: spill_at.max(1),
            no_spill: false,
            unreadable: 0,
        }
    }

    /// Remembers `id` as first seen at `at` (on `line`, when known) and returns `None`, or,
    /// when `id` was seen before, returns where it was first seen and remembers nothing new.
    ///
    /// ```
    /// use klar_lint::json::Pointer;
    /// use klar_lint::rule::{FirstSeen, SeenIds};
    ///
    /// let mut seen = SeenIds::default();
    /// let first = Pointer::root().index(0).key("id");
    /// assert_eq!(seen.first_or_insert("A-1", &first, Some(1)), None);
    /// assert_eq!(seen.first_or_insert("A-2", &Pointer::root().index(1).key("id"), Some(2)), None);
    /// assert_eq!(
    ///     seen.first_or_insert("A-1", &Pointer::root().index(2).key("id"), Some(3)),
    ///     Some(FirstSeen { pointer: first, line: Some(1) })
    /// );
    /// assert_eq!(seen.len(), 2);
    /// ```
    pub fn first_or_insert(
        &mut self,
        id: &str,
        at: &Pointer,
        line: Option<usize>,
    ) -> Option<FirstSeen> {
        let hash = self.hasher.hash_one(id);
        let arena = &self.arena;
        if let Some(e) = self.table.find(hash, |e| entry_id(arena, e) == id) {
            let from = e.start + e.id_len as usize;
            let text = self.arena.get(from..from + e.pointer_len as usize)?;
            return Some(FirstSeen {
                pointer: Pointer::parse(text).ok()?,
                line: line_of(e.line),
            });
        }
        for run in &mut self.runs {
            match run.find(hash, id) {
                Ok(Some((text, line))) => {
                    return Some(FirstSeen {
                        pointer: Pointer::parse(&text).ok()?,
                        line: line_of(line),
                    })
                }
                Ok(None) => {}
                Err(_) => self.unreadable += 1,
            }
        }
        // An id or pointer longer than 4 GiB cannot be remembered; it cannot be in a file
        // klar-lint reads whole either.
        let (Ok(id_len), Ok(pointer_len)) =
            (u32::try_from(id.len()), u32::try_from(at.as_str().len()))
        else {
            return None;
        };
        let entry = Entry {
            start: self.arena.len(),
            id_len,
            pointer_len,
            line: line_code(line),
        };
        self.arena.push_str(id);
        self.arena.push_str(at.as_str());
        let (arena, hasher) = (&self.arena, &self.hasher);
        self.table
            .insert_unique(hash, entry, |e| hasher.hash_one(entry_id(arena, e)));
        if (self.table.len() >= self.spill_at || self.arena.len() >= SPILL_BYTES) && !self.no_spill
        {
            if self.spill().is_ok() {
                self.table.clear();
                self.arena.clear();
            } else {
                self.no_spill = true;
            }
        }
        None
    }

    /// How many different ids were seen.
    #[must_use]
    pub fn len(&self) -> usize {
        self.table.len() + self.runs.iter().map(|r| r.len).sum::<usize>()
    }

    /// Whether no id was seen yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many ids are held in memory rather than in runs on disk.
    #[must_use]
    pub fn in_memory(&self) -> usize {
        self.table.len()
    }

    /// How many runs on disk hold the other ids.
    #[must_use]
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// How many lookups could not read a run back: a repeat of an id in such a run was not
    /// seen. Zero unless the temporary directory failed under the run.
    #[must_use]
    pub fn unreadable(&self) -> usize {
        self.unreadable
    }

    /// Writes the table out as a run, then merges runs of about the same size.
    fn spill(&mut self) -> std::io::Result<()> {
        let mut entries: Vec<(u64, &str, &str, u64)> = self
            .table
            .iter()
            .map(|e| {
                let id = entry_id(&self.arena, e);
                let from = e.start + e.id_len as usize;
                let ptr = self
                    .arena
                    .get(from..from + e.pointer_len as usize)
                    .unwrap_or_default();
                (self.hasher.hash_one(id), id, ptr, e.line)
            })
            .collect();
        entries.sort_unstable_by_key(|e| e.0);
        let mut writer = RunWriter::new(entries.len())?;
        for (hash, id, ptr, line) in entries {
            writer.push(hash, id.as_bytes(), ptr.as_bytes(), line)?;
        }
        self.runs.push(writer.finish()?);
        // Like a binary counter: a run is merged into the one before it while that one is
        // less than twice its size.
        while let [.., older, newer] = self.runs.as_mut_slice() {
            if older.len >= 2 * newer.len {
                break;
            }
            // If the merged run cannot be written, both stay as they are: lookups stay right,
            // only a little slower.
            let Ok(merged) = Run::merge(older, newer) else {
                break;
            };
            self.runs.pop();
            self.runs.pop();
            self.runs.push(merged);
        }
        Ok(())
    }
}

fn entry_id<'a>(arena: &'a str, e: &Entry) -> &'a str {
    arena
        .get(e.start..e.start + e.id_len as usize)
        .unwrap_or_default()
}

/// Ids written to a temporary file, sorted by hash. Each entry is the hash and the line (8
/// bytes each, little endian), the id's and the pointer's lengths (4 bytes each), then their
/// bytes.
#[derive(Debug)]
struct Run {
    file: File,
    /// How many ids.
    len: usize,
    bloom: Bloom,
    /// The hash and file offset of the first entry of every block, then the file's length.
    blocks: Vec<(u64, u64)>,
}

impl Run {
    /// The pointer and line stored with `id`, if this run holds it.
    fn find(&mut self, hash: u64, id: &str) -> std::io::Result<Option<(String, u64)>> {
        if !self.bloom.may_hold(hash) {
            return Ok(None);
        }
        // The last block starting below `hash`: equal hashes may begin at its end.
        let i = self
            .blocks
            .partition_point(|b| b.0 < hash)
            .saturating_sub(1);
        let Some(&(_, offset)) = self.blocks.get(i) else {
            return Ok(None);
        };
        self.file.seek(SeekFrom::Start(offset))?;
        let mut reader = RunReader::new(BufReader::with_capacity(2048, &mut self.file));
        while let Some(h) = reader.next_entry()? {
            if h > hash {
                break;
            }
            if h == hash && reader.id == id.as_bytes() {
                return Ok(Some((
                    String::from_utf8_lossy(&reader.ptr).into_owned(),
                    reader.line,
                )));
            }
        }
        Ok(None)
    }

    /// One run holding the ids of both.
    fn merge(older: &mut Run, newer: &mut Run) -> std::io::Result<Run> {
        let mut writer = RunWriter::new(older.len + newer.len)?;
        older.file.seek(SeekFrom::Start(0))?;
        newer.file.seek(SeekFrom::Start(0))?;
        let mut a = RunReader::new(BufReader::new(&mut older.file));
        let mut b = RunReader::new(BufReader::new(&mut newer.file));
        let (mut x, mut y) = (a.next_entry()?, b.next_entry()?);
        loop {
            match (x, y) {
                (Some(hx), Some(hy)) if hx <= hy => {
                    writer.push(hx, &a.id, &a.ptr, a.line)?;
                    x = a.next_entry()?;
                }
                (_, Some(hy)) => {
                    writer.push(hy, &b.id, &b.ptr, b.line)?;
                    y = b.next_entry()?;
                }
                (Some(hx), None) => {
                    writer.push(hx, &a.id, &a.ptr, a.line)?;
                    x = a.next_entry()?;
                }
                (None, None) => break,
            }
        }
        writer.finish()
    }
}

/// Writes one run, building its Bloom filter and block index on the way.
struct RunWriter {
    out: BufWriter<File>,
    len: usize,
    offset: u64,
    bloom: Bloom,
    blocks: Vec<(u64, u64)>,
}

impl RunWriter {
    fn new(capacity: usize) -> std::io::Result<Self> {
        Ok(Self {
            out: BufWriter::with_capacity(64 * 1024, tempfile::tempfile()?),
            len: 0,
            offset: 0,
            bloom: Bloom::new(capacity),
            blocks: Vec::with_capacity(capacity / BLOCK + 2),
        })
    }

    fn push(&mut self, hash: u64, id: &[u8], ptr: &[u8], line: u64) -> std::io::Result<()> {
        let too_long = || std::io::Error::other("id longer than 4 GiB");
        let id_len = u32::try_from(id.len()).map_err(|_| too_long())?;
        let ptr_len = u32::try_from(ptr.len()).map_err(|_| too_long())?;
        if self.len % BLOCK == 0 {
            self.blocks.push((hash, self.offset));
        }
        self.out.write_all(&hash.to_le_bytes())?;
        self.out.write_all(&line.to_le_bytes())?;
        self.out.write_all(&id_len.to_le_bytes())?;
        self.out.write_all(&ptr_len.to_le_bytes())?;
        self.out.write_all(id)?;
        self.out.write_all(ptr)?;
        self.offset += 24 + u64::from(id_len) + u64::from(ptr_len);
        self.bloom.insert(hash);
        self.len += 1;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<Run> {
        self.blocks.push((u64::MAX, self.offset));
        self.blocks.shrink_to_fit();
        let file = self
            .out
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        Ok(Run {
            file,
            len: self.len,
            bloom: self.bloom,
            blocks: self.blocks,
        })
    }
}

/// Reads the entries of a run in order; the last one's id, pointer and line are kept in `id`,
/// `ptr` and `line`, the first two in buffers reused from entry to entry.
struct RunReader<R> {
    input: R,
    id: Vec<u8>,
    ptr: Vec<u8>,
    line: u64,
}

impl<R: BufRead> RunReader<R> {
    fn new(input: R) -> Self {
        Self {
            input,
            id: Vec::new(),
            ptr: Vec::new(),
            line: 0,
        }
    }

    /// Reads the next entry and returns its hash, or `None` at the end of the run.
    fn next_entry(&mut self) -> std::io::Result<Option<u64>> {
        if self.input.fill_buf()?.is_empty() {
            return Ok(None);
        }
        let mut hash = [0u8; 8];
        let mut line = [0u8; 8];
        let mut id_len = [0u8; 4];
        let mut ptr_len = [0u8; 4];
        self.input.read_exact(&mut hash)?;
        self.input.read_exact(&mut line)?;
        self.line = u64::from_le_bytes(line);
        self.input.read_exact(&mut id_len)?;
        self.input.read_exact(&mut ptr_len)?;
        for (buf, len) in [(&mut self.id, id_len), (&mut self.ptr, ptr_len)] {
            let len = usize::try_from(u32::from_le_bytes(len)).map_err(std::io::Error::other)?;
            buf.resize(len, 0);
            self.input.read_exact(buf)?;
        }
        Ok(Some(u64::from_le_bytes(hash)))
    }
}

/// A Bloom filter over 64-bit hashes: `may_hold` is false only for a hash never inserted.
#[derive(Debug)]
struct Bloom {
    words: Vec<u64>,
    /// The number of bits, less one (a power of two, less one).
    mask: u64,
}

impl Bloom {
    fn new(capacity: usize) -> Self {
        let bits = (capacity.max(1) * BLOOM_BITS).next_power_of_two().max(64);
        Self {
            words: vec![0; bits / 64],
            mask: (bits - 1) as u64,
        }
    }

    /// The bits of `hash` as (word, mask) pairs, by double hashing its two halves.
    fn bits(mask: u64, hash: u64) -> impl Iterator<Item = (usize, u64)> {
        let (h1, h2) = (hash & 0xFFFF_FFFF, (hash >> 32) | 1);
        (0..BLOOM_PROBES).map(move |i| {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) & mask;
            // `bit` is below the number of bits, which is a `usize`.
            (
                usize::try_from(bit / 64).unwrap_or_default(),
                1 << (bit % 64),
            )
        })
    }

    fn insert(&mut self, hash: u64) {
        for (word, bit) in Self::bits(self.mask, hash) {
            if let Some(w) = self.words.get_mut(word) {
                *w |= bit;
            }
        }
    }

    fn may_hold(&self, hash: u64) -> bool {
        Self::bits(self.mask, hash)
            .all(|(word, bit)| self.words.get(word).is_some_and(|w| w & bit != 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(i: usize) -> Pointer {
        Pointer::root().index(i).key("id")
    }

    fn first(i: usize) -> FirstSeen {
        FirstSeen {
            pointer: at(i),
            line: Some(i + 1),
        }
    }

    #[test]
    fn remembers_the_first_place_of_every_id_exactly() {
        for spill_at in [1, 3, 1000] {
            let mut seen = SeenIds::with_spill_at(spill_at);
            // Ids that differ in one character, in case, or by a prefix are different ids.
            let ids = ["1001", "1002", "10010", "100", "a", "A", "", "ü", "1001 "];
            for (i, id) in ids.iter().enumerate() {
                assert_eq!(
                    seen.first_or_insert(id, &at(i), Some(i + 1)),
                    None,
                    "{id:?}"
                );
            }
            for (i, id) in ids.iter().enumerate() {
                assert_eq!(
                    seen.first_or_insert(id, &at(100 + i), Some(101 + i)),
                    Some(first(i)),
                    "{id:?} spill_at {spill_at}"
                );
            }
            assert_eq!(seen.len(), ids.len());
        }
    }

    #[test]
    fn agrees_with_a_hash_map_over_many_ids() {
        // 200 ids in memory at most: 50,000 ids go through runs, merged on the way.
        let mut seen = SeenIds::with_spill_at(200);
        let mut model = std::collections::HashMap::new();
        for i in 0..50_000usize {
            // Every third id repeats an earlier one, some of them long written out.
            let id = format!("order-{}", if i % 3 == 2 { i / 7 } else { i });
            let expected = model.get(&id).map(|&first_i| first(first_i));
            if expected.is_none() {
                model.insert(id.clone(), i);
            }
            // Documents give no line: half the ids go without one.
            let line = (i % 2 == 0).then_some(i + 1);
            let expected = expected.map(|f| FirstSeen {
                line: f.line.filter(|l| (l - 1) % 2 == 0),
                ..f
            });
            assert_eq!(seen.first_or_insert(&id, &at(i), line), expected, "{id}");
        }
        assert_eq!(seen.len(), model.len());
        assert!(seen.in_memory() < 200);
        assert_eq!(seen.unreadable(), 0);
        // Runs are merged like a binary counter: a handful, not one per 200 ids.
        let runs = model.len() / 200;
        assert!(
            seen.runs() <= runs.ilog2() as usize + 1,
            "{} runs",
            seen.runs()
        );
    }

    #[test]
    fn ids_whose_hashes_collide_are_told_apart_in_a_run() {
        // A run holding several entries of one hash: only the same id matches.
        let mut writer = RunWriter::new(4).unwrap();
        for (line, (id, ptr)) in [("a", "/0/id"), ("b", "/1/id"), ("c", "/2/id")]
            .into_iter()
            .enumerate()
        {
            writer
                .push(7, id.as_bytes(), ptr.as_bytes(), line as u64)
                .unwrap();
        }
        writer.push(9, b"d", b"/3/id", 3).unwrap();
        let mut run = writer.finish().unwrap();
        assert_eq!(run.find(7, "b").unwrap(), Some(("/1/id".to_owned(), 1)));
        assert_eq!(run.find(7, "c").unwrap(), Some(("/2/id".to_owned(), 2)));
        assert_eq!(run.find(7, "d").unwrap(), None);
        assert_eq!(run.find(9, "d").unwrap(), Some(("/3/id".to_owned(), 3)));
        assert_eq!(run.find(8, "a").unwrap(), None);
    }

    #[test]
    fn a_bloom_filter_never_forgets_and_rarely_lies() {
        let mut bloom = Bloom::new(10_000);
        let hasher = DefaultHashBuilder::default();
        for i in 0..10_000u32 {
            bloom.insert(hasher.hash_one(i));
        }
        assert!((0..10_000u32).all(|i| bloom.may_hold(hasher.hash_one(i))));
        let false_positives = (10_000..110_000u32)
            .filter(|i| bloom.may_hold(hasher.hash_one(i)))
            .count();
        // About 0.1 % at 16 bits an id; 1 % would still be cheap.
        assert!(false_positives < 1000, "{false_positives} in 100,000");
    }

    #[test]
    fn pointers_with_escapes_come_back_as_written() {
        for spill_at in [1, 100] {
            let mut seen = SeenIds::with_spill_at(spill_at);
            let odd = Pointer::root().key("items/a~b").index(3).key("id");
            assert_eq!(seen.first_or_insert("x", &odd, None), None);
            assert_eq!(
                seen.first_or_insert("x", &at(9), None),
                Some(FirstSeen {
                    pointer: odd,
                    line: None
                })
            );
        }
    }
}
