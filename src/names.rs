//! File names from ids: the one mapping every file reprise names after a run or workflow id
//! goes through (snapshots `<system>/<workflow_id>/<run_id>.snap`, `fetch` and `--record`
//! `<system>/<run_id>.json`), so that writing and reading back agree and no two ids share a file.
//!
//! An id that is already a plain name (see [`is_plain`]) is its own file name, so the paths of
//! ordinary ids never change. Any other id gets a readable, sanitised prefix, then `~`, then 16
//! hex digits of the SHA-256 of the exact id. `~` never occurs in a plain name, so a plain id
//! can never take the name of another id's hashed form; two hashed forms differ in their hashes.
//! Plain names hold no capital letters, so two ids that differ only in case (`A`, `a`) also get
//! names that differ on case-insensitive file systems (macOS, Windows).

use sha2::{Digest, Sha256};

/// The longest name [`file_stem`] returns, in bytes. A file system component holds 255 bytes;
/// this leaves room for the longest extension reprise adds (`.snap.new`) and then some.
pub const MAX_STEM: usize = 200;

/// Hex digits of the hash in a hashed name (64 bits: a collision among the ids of one folder
/// is not a practical concern).
const HASH_HEX: usize = 16;

/// Whether `id` is used as its own file name: 1 to [`MAX_STEM`] bytes of `a-z 0-9 . _ -`, not
/// starting or ending with `.` (hidden files, `.`/`..`, names Windows trims), and not a device
/// name Windows reserves (`con`, `nul`, `com1`, …).
pub fn is_plain(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_STEM
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
        && !id.starts_with('.')
        && !id.ends_with('.')
        && !is_reserved_on_windows(id)
}

/// `con`, `prn`, `aux`, `nul`, `com1`–`com9`, `lpt1`–`lpt9`, also with an extension (`nul.txt`).
fn is_reserved_on_windows(id: &str) -> bool {
    let base = id.split('.').next().unwrap_or(id);
    matches!(base, "con" | "prn" | "aux" | "nul")
        || (base.len() == 4
            && (base.starts_with("com") || base.starts_with("lpt"))
            && base.as_bytes()[3].is_ascii_digit()
            && base.as_bytes()[3] != b'0')
}

/// The file name (without extension) for `id`: `id` itself when [`is_plain`], else a readable
/// prefix (characters outside `A-Za-z0-9._-` as `_`, a leading `.` as `_`, cut to fit) then
/// `~` and a hash of the exact id. Always a single, non-empty path component of at most
/// [`MAX_STEM`] bytes; different ids always give different names (up to a 64-bit hash).
pub fn file_stem(id: &str) -> String {
    if is_plain(id) {
        return id.to_owned();
    }
    let digest = Sha256::digest(id.as_bytes());
    let mut hash = String::with_capacity(HASH_HEX);
    for b in &digest[..HASH_HEX / 2] {
        hash.push_str(&format!("{b:02x}"));
    }
    let room = MAX_STEM - 1 - HASH_HEX;
    let mut prefix: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(room)
        .collect();
    if prefix.is_empty() || prefix.starts_with('.') {
        // `~…` alone would be a home folder to a shell; `.…` a hidden file.
        prefix.replace_range(..prefix.len().min(1), "_");
        if prefix.is_empty() {
            prefix.push('_');
        }
    }
    format!("{prefix}~{hash}")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn plain_ids_are_their_own_names() {
        for id in [
            "69a5c80ad89188b55717debc",
            "run_139f3552400e64184d6b57d4",
            "1841cf18-41bc-4c13-b1c8-76789fa60421",
            "a.b",
            "comma",
            "com0",
        ] {
            assert_eq!(file_stem(id), id);
        }
    }

    #[test]
    fn odd_ids_get_a_prefix_and_a_hash() {
        let cases = [
            ("ü-abc", "_-abc~"),
            ("é-abc", "_-abc~"),
            ("a/b", "a_b~"),
            ("A", "A~"),
            (".", "_~"),
            ("..", "_.~"),
            ("", "_~"),
            ("../../etc/passwd", "_._.._etc_passwd~"),
            ("nul", "nul~"),
            ("COM1.txt", "COM1.txt~"),
            ("x.", "x.~"),
        ];
        for (id, prefix) in cases {
            let stem = file_stem(id);
            assert!(stem.starts_with(prefix), "{id:?} -> {stem}");
            assert_eq!(stem.len(), prefix.len() + HASH_HEX, "{id:?} -> {stem}");
        }
        assert_ne!(file_stem("ü-abc"), file_stem("é-abc"));
        assert_ne!(file_stem("a/b"), file_stem("a_b"));
        assert_ne!(file_stem("A").to_lowercase(), file_stem("a").to_lowercase());
        let long = "x".repeat(300);
        let stem = file_stem(&long);
        assert_eq!(stem.len(), MAX_STEM);
        assert_ne!(stem, file_stem(&"x".repeat(301)));
        assert_eq!(file_stem(&"x".repeat(MAX_STEM)), "x".repeat(MAX_STEM));
    }

    /// A valid single path component on Linux, macOS and Windows alike.
    fn is_component(stem: &str) -> bool {
        !stem.is_empty()
            && stem.len() <= MAX_STEM
            && stem != "."
            && stem != ".."
            && !stem.starts_with(['.', '~'])
            && stem
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~'))
    }

    fn ids() -> impl Strategy<Value = String> {
        prop_oneof![
            // Near-collisions: short strings over a small alphabet with case, `/`, dots, accents.
            "[aAbB/._~ üé-]{0,6}",
            any::<String>(),
            "[a-z0-9._-]{190,210}",
            ".{250,320}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_mapping_is_injective_and_yields_one_short_component(
            list in prop::collection::vec(ids(), 1..40)
        ) {
            // Case-folded, as a case-insensitive file system compares names.
            let mut seen: HashMap<String, &str> = HashMap::new();
            for id in &list {
                let stem = file_stem(id);
                prop_assert!(is_component(&stem), "{:?} -> {:?}", id, stem);
                prop_assert!(stem.len() + ".snap.new".len() <= 255);
                // Plain ids are their own names; every other name says it is hashed.
                prop_assert_eq!(is_plain(id), &stem == id);
                prop_assert_eq!(is_plain(id), !stem.contains('~'));
                if let Some(other) = seen.insert(stem.to_lowercase(), id) {
                    prop_assert_eq!(other, id.as_str(), "two ids, one name {}", stem);
                }
            }
        }
    }
}
