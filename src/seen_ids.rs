//! The ids already seen in one file, for `duplicate-id`.
//!
//! A JSON Lines export of millions of orders is streamed with bounded memory; the ids are the
//! one thing that must be remembered for every record. They are kept exactly (compared as
//! written, no fingerprint that could collide) but compactly: each id and the pointer where it
//! was first seen are appended to one text arena, and a hash table holds 16 bytes per id
//! pointing into it. A record costs its id's length, its pointer's length (`/123456/id`) and
//! about 18 bytes of table, against well over 100 bytes for a `HashMap<String, Pointer>`.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::json::Pointer;

/// Where one id sits in the arena: the id's text from `start`, then its pointer's.
#[derive(Clone, Copy, Debug)]
struct Entry {
    start: usize,
    id_len: u32,
    pointer_len: u32,
}

/// The ids seen so far in one file and where each was first seen.
#[derive(Debug, Default)]
pub struct SeenIds {
    arena: String,
    table: HashTable<Entry>,
    hasher: DefaultHashBuilder,
}

impl SeenIds {
    /// Remembers `id` as first seen at `at` and returns `None`, or, when `id` was seen
    /// before, returns the pointer of its first appearance and remembers nothing new.
    ///
    /// ```
    /// use klar_lint::json::Pointer;
    /// use klar_lint::rule::SeenIds;
    ///
    /// let mut seen = SeenIds::default();
    /// let first = Pointer::root().index(0).key("id");
    /// assert_eq!(seen.first_or_insert("A-1", &first), None);
    /// assert_eq!(seen.first_or_insert("A-2", &Pointer::root().index(1).key("id")), None);
    /// assert_eq!(seen.first_or_insert("A-1", &Pointer::root().index(2).key("id")), Some(first));
    /// assert_eq!(seen.len(), 2);
    /// ```
    pub fn first_or_insert(&mut self, id: &str, at: &Pointer) -> Option<Pointer> {
        let hash = self.hasher.hash_one(id);
        let arena = &self.arena;
        let id_of = |e: &Entry| {
            arena
                .get(e.start..e.start + e.id_len as usize)
                .unwrap_or_default()
        };
        if let Some(e) = self.table.find(hash, |e| id_of(e) == id) {
            let from = e.start + e.id_len as usize;
            let text = self.arena.get(from..from + e.pointer_len as usize)?;
            return Pointer::parse(text).ok();
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
        };
        self.arena.push_str(id);
        self.arena.push_str(at.as_str());
        let (arena, hasher) = (&self.arena, &self.hasher);
        self.table.insert_unique(hash, entry, |e| {
            hasher.hash_one(
                arena
                    .get(e.start..e.start + e.id_len as usize)
                    .unwrap_or_default(),
            )
        });
        None
    }

    /// How many different ids were seen.
    #[must_use]
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether no id was seen yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(i: usize) -> Pointer {
        Pointer::root().index(i).key("id")
    }

    #[test]
    fn remembers_the_first_place_of_every_id_exactly() {
        let mut seen = SeenIds::default();
        // Ids that differ in one character, in case, or by a prefix are different ids.
        let ids = ["1001", "1002", "10010", "100", "a", "A", "", "ü", "1001 "];
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(seen.first_or_insert(id, &at(i)), None, "{id:?}");
        }
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(
                seen.first_or_insert(id, &at(100 + i)),
                Some(at(i)),
                "{id:?}"
            );
        }
        assert_eq!(seen.len(), ids.len());
    }

    #[test]
    fn agrees_with_a_hash_map_over_many_ids() {
        let mut seen = SeenIds::default();
        let mut model = std::collections::HashMap::new();
        for i in 0..50_000usize {
            // Every third id repeats an earlier one.
            let id = format!("order-{}", if i % 3 == 2 { i / 7 } else { i });
            let ptr = at(i);
            let expected = model.get(&id).cloned();
            if expected.is_none() {
                model.insert(id.clone(), ptr.clone());
            }
            assert_eq!(seen.first_or_insert(&id, &ptr), expected, "{id}");
        }
        assert_eq!(seen.len(), model.len());
    }

    #[test]
    fn pointers_with_escapes_come_back_as_written() {
        let mut seen = SeenIds::default();
        let odd = Pointer::root().key("items/a~b").index(3).key("id");
        assert_eq!(seen.first_or_insert("x", &odd), None);
        assert_eq!(seen.first_or_insert("x", &at(9)), Some(odd));
    }
}
