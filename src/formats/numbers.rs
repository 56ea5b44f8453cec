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
    for i in memchr::memchr2_iter(b'e', b'E', b) {
        if i == 0 || !b[i - 1].is_ascii_digit() {
            continue;
        }
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let digits = b[j.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits < 3 {
            continue;
        }
        // Walk back over the mantissa to what precedes the number.
        let mut k = i;
        while k > 0 && matches!(b[k - 1], b'0'..=b'9' | b'.' | b'-') {
            k -= 1;
        }
        if k == 0 || matches!(b[k - 1], b':' | b',' | b'[' | b' ' | b'\t' | b'\n' | b'\r') {
            return true;
        }
    }
    false
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
