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

/// Bytes tested at once by [`block_hit`].
const BLOCK: usize = 64;

/// True when some `[0-9][eE][+-]?[0-9]{3,}` stands where a number can (after `:`, `,`, `[` or
/// white space, with an optional sign, and ending before a letter): a possible overflow worth
/// a closer look.
fn has_candidate(b: &[u8]) -> bool {
    // `e` after a digit is common in hex ids and UUIDs: test 64-byte blocks branch-free first
    // for `[^a-z][0-9][eE][+-]?[0-9]{3}[^a-z]` (a hex id needs a letter before the digit, or
    // one within four bytes after the `e`, to pass: most fail), and look closer only into
    // blocks that have one. The window is a fixed-size array so the compiler drops the bounds
    // checks and vectorizes the block.
    if b.len() < 5 {
        return false;
    }
    let last = b.len() - 2;
    let mut start = 2;
    while start + BLOCK + WINDOW_AFTER <= b.len() {
        let window = &b[start - 2..start + BLOCK + WINDOW_AFTER];
        let Ok(window) = <&[u8; BLOCK + 2 + WINDOW_AFTER]>::try_from(window) else {
            break;
        };
        if digit_then_e(window) && block_hit(window) && closer_look(b, start, start + BLOCK) {
            return true;
        }
        start += BLOCK;
    }
    // The tail, shorter than a block and its window.
    start < last && closer_look(b, start, last)
}

/// Bytes a block's window reaches past its last position: the sign, three digits, one more.
const WINDOW_AFTER: usize = 6;

/// The cheap first pass over a block: is any `e` or `E` right after a digit? Prose and most
/// ids have none, so the wider test below runs on few blocks.
#[inline(always)]
fn digit_then_e(w: &[u8; BLOCK + 2 + WINDOW_AFTER]) -> bool {
    let mut acc = 0u8;
    for k in 0..BLOCK {
        let (p1, c) = (w[k + 1], w[k + 2]);
        acc |= (((c | 0x20) == b'e') & (p1.wrapping_sub(b'0') < 10)) as u8;
    }
    acc != 0
}

/// Whether any position of the block (offsets `2..BLOCK + 2` of `w`) may start an exponent.
#[inline(always)]
fn block_hit(w: &[u8; BLOCK + 2 + WINDOW_AFTER]) -> bool {
    let digit = |x: u8| x.wrapping_sub(b'0') < 10;
    let letter = |x: u8| (x | 0x20).wrapping_sub(b'a') < 26;
    let sign = |x: u8| (x == b'+') | (x == b'-');
    let mut acc = 0u8;
    for k in 0..BLOCK {
        let [p2, p1, c, n1, n2, n3, n4, n5] = [
            w[k],
            w[k + 1],
            w[k + 2],
            w[k + 3],
            w[k + 4],
            w[k + 5],
            w[k + 6],
            w[k + 7],
        ];
        let unsigned = digit(n1) & digit(n2) & digit(n3) & !letter(n4);
        let signed = sign(n1) & digit(n2) & digit(n3) & digit(n4) & !letter(n5);
        let hit = ((c | 0x20) == b'e') & digit(p1) & !letter(p2) & (unsigned | signed);
        acc |= hit as u8;
    }
    acc != 0
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
                0..120,
            )
        ) {
            let text = parts.concat();
            proptest::prop_assert_eq!(has_candidate(text.as_bytes()), naive(text.as_bytes()));
        }
    }
}
