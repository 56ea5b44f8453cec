//! A cheap check that a document keeps the two limits of a parsed value everywhere: no number an
//! `f64` cannot hold (`1e400`, or an integer of 309 digits), and no nesting deeper than
//! serde_json's 127 levels.
//!
//! serde_json checks both in the values it builds, but skips the parts the loader never reads
//! (`IgnoredAny`) without converting numbers or counting levels, so `{"team_id": 1e400}` or a
//! `miscellaneous` nested 200 deep would load while the same in the variables was an error. The
//! rule is one for the whole document: such a document is an error, wherever the number or the
//! nesting is. The scan looks, outside strings, for an exponent of three or more digits that
//! follows a number in value position, for a run of 64 digits (an integer long enough to
//! overflow has 309), and for nesting that may reach the limit (the depth at a block's start plus
//! its opening brackets); only then (rarely) is the document parsed again as a `Value`, which
//! applies both limits exactly and tells where the bad value is.

use super::Problem;

/// The problem, when `text` holds a number out of the `f64` range or nests deeper than
/// [`MAX_DEPTH`].
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

/// The deepest nesting serde_json builds (its recursion limit is 128 levels counting the one
/// that fails).
pub(crate) const MAX_DEPTH: u32 = 127;

/// True when some `[0-9][eE][+-]?[0-9]{3,}` outside a string stands where a number can (after
/// `:`, `,`, `[` or white space, with an optional sign, and ending before a letter), when a
/// whole block outside strings is digits, or when the nesting may pass [`MAX_DEPTH`]: a
/// possible overflow worth a closer look. `b` must be JSON that has parsed, so its quotes pair
/// up.
fn has_candidate(b: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt")
    {
        // SAFETY: the CPU has AVX2 and POPCNT, as just checked.
        return unsafe { scan_avx2(b) };
    }
    scan(b, Masks::of)
}

/// [`scan`] with the blocks classified 32 bytes at a time, and the bracket counts one
/// instruction each (without POPCNT, `count_ones` is a dozen: a third of the scan's time).
///
/// # Safety
/// The CPU must have AVX2 and POPCNT.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
unsafe fn scan_avx2(b: &[u8]) -> bool {
    // SAFETY: this function runs only on CPUs with AVX2.
    scan(b, |block| unsafe { Masks::of_avx2(block) })
}

/// [`has_candidate`] with `classify` making a block's masks.
#[inline(always)]
fn scan(b: &[u8], classify: impl Fn(&[u8; BLOCK]) -> Masks) -> bool {
    // Each 64-byte block becomes bit masks (digits, `e`/`E`, quotes, backslashes), so the
    // pattern is a few shifts and ands over whole blocks (loosened to `[0-9][eE].?[0-9]{3}`:
    // any byte where the sign may stand, to spare a sign mask), and whatever lies inside a
    // string (hex ids and UUIDs match the pattern often) is masked out as simdjson does it:
    // escaped quotes found from runs of backslashes, then a prefix XOR of the quotes. The exact
    // test runs only at the rare positions left. The masks of the next block give the bits
    // that run over the edge.
    if b.len() < 5 {
        return false;
    }
    let blocks = b.len().div_ceil(BLOCK);
    let mut current = Masks::of_block(b, 0, &classify);
    let mut digit_before = 0u64;
    let mut escape_carry = 0u64;
    let mut inside_carry = 0u64;
    // Open brackets outside strings so far, less the closed ones.
    let mut depth: u32 = 0;
    for k in 0..blocks {
        let next = Masks::of_block(b, k + 1, &classify);
        let escaped = if current.backslash | escape_carry == 0 {
            0
        } else {
            escaped(current.backslash, &mut escape_carry)
        };
        let inside = prefix_xor(current.quote & !escaped) ^ inside_carry;
        inside_carry = 0u64.wrapping_sub(inside >> 63);
        let opens = (current.open & !inside).count_ones();
        if depth + opens >= MAX_DEPTH || current.digit & !inside == u64::MAX {
            return true;
        }
        // Brackets pair up in parsed JSON, so this never goes below zero.
        depth = (depth + opens).saturating_sub((current.close & !inside).count_ones());
        let after = |n: u32| (current.digit >> n) | (next.digit << (64 - n));
        let exponent = after(2) & after(3) & (after(1) | after(4));
        let preceded = (current.digit << 1) | digit_before;
        let mut hit = current.e & !inside & preceded & exponent;
        while hit != 0 {
            let i = k * BLOCK + hit.trailing_zeros() as usize;
            if (2..b.len() - 2).contains(&i) && exponent_at(b, i) {
                return true;
            }
            hit &= hit - 1;
        }
        digit_before = current.digit >> 63;
        current = next;
    }
    false
}

/// The bytes escaped by a backslash, from the block's backslashes and whether the previous block
/// ended in an unpaired one (`carry`, updated): simdjson's `find_escaped_branchless`.
fn escaped(backslash: u64, carry: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let backslash = backslash & !*carry;
    let follows_escape = (backslash << 1) | *carry;
    let odd_starts = backslash & !EVEN & !follows_escape;
    let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
    *carry = u64::from(overflow);
    (EVEN ^ (even_starts << 1)) & follows_escape
}

/// Bit `i` is the XOR of bits `0..=i`: with quote bits, the bytes from an opening quote up to
/// its closing one.
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// One block's classes, bit `i` for byte `i`.
#[derive(Default, Clone, Copy)]
struct Masks {
    digit: u64,
    e: u64,
    quote: u64,
    backslash: u64,
    /// `[` or `{`.
    open: u64,
    /// `]` or `}`.
    close: u64,
}

impl Masks {
    /// The masks of block `k` of `b`; a short last block is padded with zeros (no class), a
    /// block past the end is empty.
    #[inline(always)]
    fn of_block(b: &[u8], k: usize, classify: &impl Fn(&[u8; BLOCK]) -> Masks) -> Masks {
        let start = k * BLOCK;
        match b
            .get(start..start + BLOCK)
            .and_then(|s| <&[u8; BLOCK]>::try_from(s).ok())
        {
            Some(block) => classify(block),
            None if start < b.len() => {
                let mut padded = [0u8; BLOCK];
                padded[..b.len() - start].copy_from_slice(&b[start..]);
                classify(&padded)
            }
            None => Masks::default(),
        }
    }

    /// SSE2, part of the x86_64 baseline.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
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
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            // `[` and `{` differ only in the 0x20 bit, as `]` and `}` do.
            let open = _mm_set1_epi8(b'{' as i8);
            let close = _mm_set1_epi8(b'}' as i8);
            for lane in 0..BLOCK / 16 {
                let v = _mm_loadu_si128(block.as_ptr().add(lane * 16).cast::<__m128i>());
                let x = _mm_sub_epi8(v, zero);
                let bits = |m| u64::from(_mm_movemask_epi8(m) as u16) << (lane * 16);
                out.digit |= bits(_mm_cmpeq_epi8(_mm_min_epu8(x, nine), x));
                let folded = _mm_or_si128(v, case);
                out.e |= bits(_mm_cmpeq_epi8(folded, e));
                out.open |= bits(_mm_cmpeq_epi8(folded, open));
                out.close |= bits(_mm_cmpeq_epi8(folded, close));
                out.quote |= bits(_mm_cmpeq_epi8(v, quote));
                out.backslash |= bits(_mm_cmpeq_epi8(v, backslash));
            }
        }
        out
    }

    /// AVX2: half the instructions of [`Masks::of`].
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn of_avx2(block: &[u8; BLOCK]) -> Masks {
        use std::arch::x86_64::{
            __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
            _mm256_or_si256, _mm256_set1_epi8, _mm256_sub_epi8,
        };
        let mut out = Masks::default();
        // SAFETY: the caller guarantees AVX2; each unaligned load reads 32 bytes inside the
        // 64-byte array.
        unsafe {
            let zero = _mm256_set1_epi8(b'0' as i8);
            let nine = _mm256_set1_epi8(9);
            let case = _mm256_set1_epi8(0x20);
            let e = _mm256_set1_epi8(b'e' as i8);
            let quote = _mm256_set1_epi8(b'"' as i8);
            let backslash = _mm256_set1_epi8(b'\\' as i8);
            let open = _mm256_set1_epi8(b'{' as i8);
            let close = _mm256_set1_epi8(b'}' as i8);
            for lane in 0..BLOCK / 32 {
                let v = _mm256_loadu_si256(block.as_ptr().add(lane * 32).cast::<__m256i>());
                let x = _mm256_sub_epi8(v, zero);
                let shift = lane * 32;
                let digit = _mm256_cmpeq_epi8(_mm256_min_epu8(x, nine), x);
                out.digit |= u64::from(_mm256_movemask_epi8(digit) as u32) << shift;
                let folded = _mm256_or_si256(v, case);
                let is_e = _mm256_cmpeq_epi8(folded, e);
                out.e |= u64::from(_mm256_movemask_epi8(is_e) as u32) << shift;
                let is_open = _mm256_cmpeq_epi8(folded, open);
                out.open |= u64::from(_mm256_movemask_epi8(is_open) as u32) << shift;
                let is_close = _mm256_cmpeq_epi8(folded, close);
                out.close |= u64::from(_mm256_movemask_epi8(is_close) as u32) << shift;
                let is_quote = _mm256_cmpeq_epi8(v, quote);
                out.quote |= u64::from(_mm256_movemask_epi8(is_quote) as u32) << shift;
                let is_backslash = _mm256_cmpeq_epi8(v, backslash);
                out.backslash |= u64::from(_mm256_movemask_epi8(is_backslash) as u32) << shift;
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
            out.quote |= u64::from(c == b'"') << i;
            out.backslash |= u64::from(c == b'\\') << i;
            out.open |= u64::from(c | 0x20 == b'{') << i;
            out.close |= u64::from(c | 0x20 == b'}') << i;
        }
        out
    }
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
        // Inside strings (ids, prose, escaped JSON) it is no number.
        assert!(!has_candidate(br#"{"id": "69a5e5123abc"}"#));
        assert!(!has_candidate(br#"{"t": "x 1e400"}"#));
        assert!(!has_candidate(br#"{"t": "{\"n\": 1e400}"}"#));
        assert!(!has_candidate(br#"{"t": "\\\" :1e400"}"#));
        assert!(has_candidate(br#"{"t": "\\", "n": 1e400}"#));
        assert!(out_of_range(r#"{"t": "x 1e400"}"#).is_none());
        assert!(has_candidate(br#"{"t":1e400}"#));
    }

    /// One rule for the whole document: the nesting and the number limits are those of a
    /// parsed value, whether the loader reads the part (variables) or skips it (`miscellaneous`).
    #[test]
    fn depth_and_long_integers_are_errors_wherever_they_are() {
        for key in ["dynamic_variables", "miscellaneous", "team_id"] {
            for (depth, bad) in [
                (120, false),
                (126, false),
                (127, true),
                (200, true),
                (3000, true),
            ] {
                // The object around is one level: `depth` arrays make depth + 1.
                let text = format!(r#"{{"{key}": {}{}}}"#, "[".repeat(depth), "]".repeat(depth));
                let p = out_of_range(&text);
                assert_eq!(p.is_some(), bad, "{key} {depth}");
                if let Some(p) = p {
                    assert!(p.message.contains("recursion limit"), "{}", p.message);
                }
            }
            for (digits, bad) in [(300, false), (308, false), (309, true), (400, true)] {
                let text = format!(r#"{{"{key}": [-1{}]}}"#, "0".repeat(digits));
                let p = out_of_range(&text);
                assert_eq!(p.is_some(), bad, "{key} {digits}");
                if let Some(p) = p {
                    assert_eq!(p.pointer, format!("/{key}/0"));
                }
            }
            // Long digit runs inside strings are text.
            let text = format!(r#"{{"{key}": "{}"}}"#, "9".repeat(500));
            assert!(!has_candidate(text.as_bytes()));
        }
    }

    proptest::proptest! {
        /// No false negative: a nesting that serde_json refuses is always flagged, wherever it
        /// starts, with strings and brackets in strings around it.
        #[test]
        fn nesting_beyond_the_limit_is_always_found(
            depth in 100usize..160,
            pad in 0usize..130,
            noise in "[a-z\\[\\]{} ]{0,40}",
        ) {
            let text = format!(
                r#"{{"s": "{noise}", "x":{}{}{}}}"#,
                " ".repeat(pad),
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let parsed = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            proptest::prop_assert_eq!(out_of_range(&text).is_none(), parsed);
        }
    }

    #[test]
    fn a_number_is_found_wherever_it_falls_across_blocks() {
        for offset in 0..3 * BLOCK {
            for number in ["1e400", "1E+400", "-9.5e-1234"] {
                let text = format!("{}:{number}]", " ".repeat(offset));
                assert!(has_candidate(text.as_bytes()), "{offset}: {text:?}");
                assert!(scan(text.as_bytes(), Masks::of), "{offset}: {text:?}");
                let id = format!("{}\"a{number}b\"", " ".repeat(offset));
                assert!(!has_candidate(id.as_bytes()), "{offset}: {id:?}");
            }
        }
    }

    /// The exact test over `b[from..to]`.
    fn closer_look(b: &[u8], from: usize, to: usize) -> bool {
        (from..to).any(|i| b[i] | 0x20 == b'e' && b[i - 1].is_ascii_digit() && exponent_at(b, i))
    }

    /// The exact test at every position outside a string, without the block filter. Strings are
    /// followed byte by byte; a backslash escapes the next byte wherever it stands, as in the
    /// bit masks (valid JSON has none outside strings).
    fn naive(b: &[u8]) -> bool {
        let (mut inside, mut escape) = (false, false);
        let mut outside = vec![false; b.len()];
        for (i, &c) in b.iter().enumerate() {
            outside[i] = !inside;
            if escape {
                escape = false;
            } else if c == b'\\' {
                escape = true;
            } else if c == b'"' {
                inside = !inside;
            }
        }
        b.len() >= 5 && (2..b.len() - 2).any(|i| outside[i] && closer_look(b, i, i + 1))
    }

    proptest::proptest! {
        #[test]
        fn block_filter_misses_nothing(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "1e400", "-2.5E+308", "3e-999", "0e12", ":", ",", "[", " ", "\n", "\"",
                    "a", "x9e123", "123e4567-e89b", "d", "0", "9e0234f", "7", "e", "E", "+", "-", ".",
                    "\"", "\\", "\\\"", "\\\\",
                ]),
                0..400,
            )
        ) {
            let text = parts.concat();
            let expected = naive(text.as_bytes());
            proptest::prop_assert_eq!(has_candidate(text.as_bytes()), expected);
            proptest::prop_assert_eq!(scan(text.as_bytes(), Masks::of), expected);
        }
    }
}
