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

/// True when some `[0-9][eE][+-]?[0-9]{3,}` stands where a number can (after `:`, `,`, `[` or
/// white space, with an optional sign): a possible overflow worth a closer look.
fn has_candidate(b: &[u8]) -> bool {
    // `e` after a digit is common in hex ids: test 64-byte blocks branch-free first (the fold
    // vectorizes) for `[^a-z][0-9][eE][0-9+-][0-9]`, and look closer only into blocks that
    // have one (a hex id needs a letter before the digit, or a digit-free tail, to pass).
    const BLOCK: usize = 64;
    if b.len() < 5 {
        return false;
    }
    let last = b.len() - 2;
    let mut start = 2;
    while start < last {
        let end = (start + BLOCK).min(last);
        let digit = |x: u8| x.wrapping_sub(b'0') < 10;
        let hit = b[start - 2..end - 2]
            .iter()
            .zip(&b[start - 1..end - 1])
            .zip(&b[start..end])
            .zip(&b[start + 1..end + 1])
            .zip(&b[start + 2..end + 2])
            .fold(false, |acc, ((((&p2, &p1), &c), &n1), &n2)| {
                acc | (((c | 0x20) == b'e')
                    & digit(p1)
                    & (digit(n1) | (n1 == b'+') | (n1 == b'-'))
                    & digit(n2)
                    & ((p2 | 0x20).wrapping_sub(b'a') >= 26))
            });
        if hit
            && (start..end)
                .any(|i| b[i] | 0x20 == b'e' && b[i - 1].is_ascii_digit() && exponent_at(b, i))
        {
            return true;
        }
        start = end;
    }
    false
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
    if digits < 3 {
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
}
