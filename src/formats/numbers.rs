//! A cheap check for numbers no `f64` can hold (`1e400`) anywhere in a document.
//!
//! serde_json range-checks the numbers it converts, but skips the parts the loader never reads
//! (`IgnoredAny`) without converting them, so `{"team_id": 1e400}` would load silently and
//! then break every consumer that parses the raw document. Such a document is an error here,
//! wherever the number is. The scan looks for an exponent of three or more digits that follows
//! a number in value position; only then (rarely) is the document parsed again as a `Value`,
//! which range-checks every number and tells where the bad one is.

use super::Problem;

/// The problem, when `text` holds a number out of the `f64` range.
pub(crate) fn out_of_range(text: &str) -> Option<Problem> {
    if !has_candidate(text.as_bytes()) {
        return None;
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let result: Result<serde_json::Value, _> = serde_path_to_error::deserialize(&mut de);
    match result {
        Ok(_) => None,
        Err(err) => {
            let pointer = super::pointer_of(err.path());
            Some(super::located(pointer, err.into_inner()))
        }
    }
}

/// Bytes classified at once: one bit each in a `u64`.
const BLOCK: usize = 64;

/// True when some `[0-9][eE][+-]?[0-9]{3,}` stands where a number can (after `:`, `,`, `[` or
/// white space, with an optional sign, and ending before a letter): a possible overflow worth
/// a closer look.
fn has_candidate(b: &[u8]) -> bool {
    // Each 64-byte block becomes three bit masks (digits, `e`/`E`, signs), so the pattern
    // `[0-9][eE][+-]?[0-9]{3}` is a few shifts and ands over whole blocks; the exact test runs
    // only on the rare blocks where it matches (a hex id needs a digit, an `e` and three more
    // digits in a row). The masks of the next block give the bits that run over the edge.
    if b.len() < 5 {
        return false;
    }
    let blocks = b.len().div_ceil(BLOCK);
    let mut current = Masks::of_block(b, 0);
    let mut digit_before = 0u64;
    for k in 0..blocks {
        let next = Masks::of_block(b, k + 1);
        let digits = u128::from(current.digit) | (u128::from(next.digit) << 64);
        let signs = u128::from(current.sign) | (u128::from(next.sign) << 64);
        let after = |n: u32| (digits >> n) as u64;
        let unsigned = after(1) & after(2) & after(3);
        let signed = ((signs >> 1) as u64) & after(2) & after(3) & after(4);
        let preceded = (current.digit << 1) | digit_before;
        let hit = current.e & preceded & (unsigned | signed);
        if hit != 0 {
            let from = (k * BLOCK).max(2);
            let to = ((k + 1) * BLOCK).min(b.len() - 2);
            if from < to && closer_look(b, from, to) {
                return true;
            }
        }
        digit_before = current.digit >> 63;
        current = next;
    }
    false
}

/// One block's classes, bit `i` for byte `i`.
#[derive(Default, Clone, Copy)]
struct Masks {
    digit: u64,
    e: u64,
    sign: u64,
}

impl Masks {
    /// The masks of block `k` of `b`; a short last block is padded with zeros (no class), a
    /// block past the end is empty.
    fn of_block(b: &[u8], k: usize) -> Masks {
        let start = k * BLOCK;
        match b.get(start..start + BLOCK) {
            Some(block) => {
                let block: &[u8; BLOCK] = block.try_into().unwrap_or(&[0; BLOCK]);
                Masks::of(block)
            }
            None if start < b.len() => {
                let mut padded = [0u8; BLOCK];
                padded[..b.len() - start].copy_from_slice(&b[start..]);
                Masks::of(&padded)
            }
            None => Masks::default(),
        }
    }

    #[cfg(target_arch = "x86_64")]
    fn of(block: &[u8; BLOCK]) -> Masks {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8,
            _mm_or_si128, _mm_set1_epi8, _mm_sub_epi8,
        };
        let mut out = Masks::default();
        // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics exist on every
        // x86_64 CPU; each unaligned load reads 16 bytes inside the 64-byte array.
        unsafe {
            let zero = _mm_set1_epi8(b'0' as i8);
            let nine = _mm_set1_epi8(9);
            let case = _mm_set1_epi8(0x20);
            let e = _mm_set1_epi8(b'e' as i8);
            let plus = _mm_set1_epi8(b'+' as i8);
            let minus = _mm_set1_epi8(b'-' as i8);
            for lane in 0..BLOCK / 16 {
                let v = _mm_loadu_si128(block.as_ptr().add(lane * 16).cast::<__m128i>());
                let x = _mm_sub_epi8(v, zero);
                let digit = _mm_cmpeq_epi8(_mm_min_epu8(x, nine), x);
                let is_e = _mm_cmpeq_epi8(_mm_or_si128(v, case), e);
                let sign = _mm_or_si128(_mm_cmpeq_epi8(v, plus), _mm_cmpeq_epi8(v, minus));
                let shift = lane * 16;
                out.digit |= u64::from(_mm_movemask_epi8(digit) as u16) << shift;
                out.e |= u64::from(_mm_movemask_epi8(is_e) as u16) << shift;
                out.sign |= u64::from(_mm_movemask_epi8(sign) as u16) << shift;
            }
        }
        out
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn of(block: &[u8; BLOCK]) -> Masks {
        let mut out = Masks::default();
        for (i, &c) in block.iter().enumerate() {
            out.digit |= u64::from(c.is_ascii_digit()) << i;
            out.e |= u64::from(c | 0x20 == b'e') << i;
            out.sign |= u64::from(c == b'+' || c == b'-') << i;
        }
        out
    }
}

/// The exact test over `b[from..to]`, for blocks the quick test flagged.
#[cold]
fn closer_look(b: &[u8], from: usize, to: usize) -> bool {
    (from..to).any(|i| b[i] | 0x20 == b'e' && b[i - 1].is_ascii_digit() && exponent_at(b, i))
}

/// `b[i]` is an `e` after a digit: is it a 3+-digit exponent of a number in value position?
#[cold]
fn exponent_at(b: &[u8], i: usize) -> bool {
    let mut j = i + 1;
    if matches!(b.get(j), Some(b'+' | b'-')) {
        j += 1;
    }
    let digits = b[j.min(b.len())..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    // A number ends at a delimiter: `1e400d…` is the middle of a hex id.
    if digits < 3 || b.get(j + digits).is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    // Walk back over the mantissa to what precedes the number.
    let mut k = i;
    while k > 0 && matches!(b[k - 1], b'0'..=b'9' | b'.' | b'-') {
        k -= 1;
    }
    k == 0 || matches!(b[k - 1], b':' | b',' | b'[' | b' ' | b'\t' | b'\n' | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_numbers_anywhere_are_found_with_their_place() {
        let p = out_of_range(r#"{"a": {"skipped": [1, 2e400]}}"#).unwrap();
        assert_eq!(p.pointer, "/a/skipped/1");
        assert!(p.message.contains("out of range"), "{}", p.message);
        assert!(out_of_range(r#"{"a": -1.5E+308}"#).is_none());
        assert!(
            out_of_range(r#"{"a": 1e-400}"#).is_none(),
            "underflow is 0, not an error"
        );
        // Inside strings (ids, prose) it is no number.
        assert!(!has_candidate(br#"{"id": "69a5e5123abc"}"#));
        assert!(out_of_range(r#"{"t": "x 1e400"}"#).is_none());
        assert!(has_candidate(br#"{"t":1e400}"#));
    }

    #[test]
    fn a_number_is_found_wherever_it_falls_across_blocks() {
        for offset in 0..3 * BLOCK {
            for number in ["1e400", "1E+400", "-9.5e-1234"] {
                let text = format!("{}:{number}]", " ".repeat(offset));
                assert!(has_candidate(text.as_bytes()), "{offset}: {text:?}");
                let id = format!("{}\"a{number}b\"", " ".repeat(offset));
                assert!(!has_candidate(id.as_bytes()), "{offset}: {id:?}");
            }
        }
    }

    /// The exact test at every position, without the block filter.
    fn naive(b: &[u8]) -> bool {
        b.len() >= 5 && closer_look(b, 2, b.len() - 2)
    }

    proptest::proptest! {
        #[test]
        fn block_filter_misses_nothing(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "1e400", "-2.5E+308", "3e-999", "0e12", ":", ",", "[", " ", "\n", "\"",
                    "a", "x9e123", "123e4567-e89b", "d", "0", "9e0234f", "7", "e", "E", "+", "-", ".",
                ]),
                0..400,
            )
        ) {
            let text = parts.concat();
            proptest::prop_assert_eq!(has_candidate(text.as_bytes()), naive(text.as_bytes()));
        }
    }
}
