//! `IdMap`: values by borrowed id, for the rules that match an order's lines and refunded lines
//! by `id`. An order has few lines, so the first ids are kept inline and searched in order, and
//! only the ids past those go into a hash map: on the usual order nothing is allocated.

use std::collections::HashMap;

/// How many ids are kept inline.
const INLINE: usize = 16;

/// A map from ids borrowed from the payload to small values.
pub(super) struct IdMap<'a, V> {
    /// Filled from the front, never emptied: the first `None` ends the ids.
    inline: [Option<(&'a str, V)>; INLINE],
    /// The ids past the inline ones (an empty `HashMap` does not allocate).
    spilled: HashMap<&'a str, V>,
}

impl<'a, V: Copy> IdMap<'a, V> {
    pub(super) fn new() -> Self {
        Self {
            inline: [None; INLINE],
            spilled: HashMap::new(),
        }
    }

    /// The value of `id`.
    pub(super) fn get(&self, id: &str) -> Option<&V> {
        self.inline
            .iter()
            .map_while(Option::as_ref)
            .find(|(key, _)| *key == id)
            .map(|(_, value)| value)
            .or_else(|| self.spilled.get(id))
    }

    /// The value of `id`, with `value` inserted first when `id` has none.
    pub(super) fn get_or_insert(&mut self, id: &'a str, value: V) -> &mut V {
        // The inline slot holding `id`, or else the first free one: an id is inline exactly
        // when it was inserted while a slot was free.
        let slot = self
            .inline
            .iter_mut()
            .find(|slot| slot.as_ref().is_none_or(|(key, _)| *key == id));
        match slot {
            Some(slot) => &mut slot.get_or_insert((id, value)).1,
            None => self.spilled.entry(id).or_insert(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_value_inline_and_spilled() {
        let ids: Vec<String> = (0..40).map(|i| format!("id-{i}")).collect();
        let mut map = IdMap::new();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(map.get(id), None);
            assert_eq!(*map.get_or_insert(id, i), i);
        }
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(*map.get_or_insert(id, 99), i);
            *map.get_or_insert(id, 99) += 100;
            assert_eq!(map.get(id), Some(&(i + 100)));
        }
        assert_eq!(map.spilled.len(), 40 - INLINE);
        assert_eq!(map.get("id-40"), None);
    }
}
