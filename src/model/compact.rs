//! Keeping what a run holds compact: lists in blocks of their length, and small name → value
//! lists sorted instead of held in maps.

/// `v` in a block of its length. Growth leaves up to twice the room needed and runs are held
/// for long; a shrinking `realloc` may keep the block (mimalloc does, up to half of it
/// wasted), so the items are moved instead.
pub(crate) fn exact<T>(mut v: Vec<T>) -> Vec<T> {
    if v.capacity() == v.len() {
        return v;
    }
    let mut out = Vec::with_capacity(v.len());
    out.append(&mut v);
    out
}

/// `entries` sorted by key, each key once with its last value: what a JSON object read into a
/// map gives, without the map.
pub(crate) fn sorted_last_wins<K: Ord, V>(mut entries: Vec<(K, V)>) -> Vec<(K, V)> {
    // Stable sort of the reversed entries: of equal keys, the last written comes first and is
    // the one `dedup_by` keeps.
    entries.reverse();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.dedup_by(|a, b| a.0 == b.0);
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_moves_into_a_block_of_its_length() {
        let mut v = Vec::with_capacity(16);
        v.extend([1, 2, 3]);
        let v = exact(v);
        assert_eq!((v.as_slice(), v.capacity()), (&[1, 2, 3][..], 3));
    }

    #[test]
    fn sorted_by_key_and_the_last_value_of_a_key_kept() {
        let entries = vec![("b", 1), ("a", 2), ("b", 3), ("c", 4), ("a", 5), ("b", 6)];
        assert_eq!(sorted_last_wins(entries), [("a", 5), ("b", 6), ("c", 4)]);
    }
}
