//! Readers that never reject a value: the fields the vendor types `Any` (message payloads,
//! tool calls, metadata), fields whose meaning depends on an event or node `type` that may be
//! one reprise does not know, and the vendor's integers (any size, any sign).
//!
//! Each reader takes the shape it can use and skips any other shape unbuilt; the value stays in
//! the run's raw document. Numbers the vendor allows but a count cannot be (negative, or above
//! [`MAX_COUNT`]) are treated as unknown and noted here, per thread, while a document is read;
//! [`take_notes`] hands them to the run, whose loader turns them into one warning each.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The largest count (tokens, calls, latency milliseconds, iteration numbers) used as recorded:
/// 2^53, exact in an `f64`. Sums of many such counts still fit a `u64`, so a report's totals
/// never overflow; no real run comes near it.
pub(crate) const MAX_COUNT: u64 = 1 << 53;

pub(crate) use crate::model::UnusableCount;

/// At most this many notes are kept per document (a hostile one could hold millions); the rest
/// are counted.
const MAX_NOTES: usize = 16;

#[derive(Default)]
struct Notes {
    kept: Vec<UnusableCount>,
    more: usize,
}

thread_local! {
    static NOTES: RefCell<Notes> = RefCell::new(Notes::default());
}

/// Forgets the notes of a previous document on this thread.
pub(crate) fn clear_notes() {
    NOTES.with(|n| *n.borrow_mut() = Notes::default());
}

/// The notes made since [`clear_notes`] (at most [`MAX_NOTES`]), and how many more were made.
pub(crate) fn take_notes() -> (Vec<UnusableCount>, usize) {
    NOTES.with(|n| {
        let notes = std::mem::take(&mut *n.borrow_mut());
        (notes.kept, notes.more)
    })
}

#[cold]
fn note(field: &'static str, value: String) {
    NOTES.with(|n| {
        let mut n = n.borrow_mut();
        if n.kept.len() < MAX_NOTES {
            n.kept.push(UnusableCount { field, value });
        } else {
            n.more += 1;
        }
    });
}

/// Skips a whole value unbuilt (for readers that saw a shape they cannot use).
pub(crate) fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

pub(crate) fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the visit methods of the shapes a reader does not use: each gives `$none`
/// (containers are skipped unbuilt).
macro_rules! other_shapes {
    ($value:ty, $none:expr, [$($skip:ident),*]) => {
        $(other_shapes!(@one $skip, $value, $none);)*
    };
    (@one bool, $value:ty, $none:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$value, E> { Ok($none) }
    };
    (@one num, $value:ty, $none:expr) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$value, E> { Ok($none) }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$value, E> { Ok($none) }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$value, E> { Ok($none) }
    };
    (@one str, $value:ty, $none:expr) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<$value, E> { Ok($none) }
    };
    (@one unit, $value:ty, $none:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<$value, E> { Ok($none) }
        fn visit_none<E: de::Error>(self) -> Result<$value, E> { Ok($none) }
    };
    (@one seq, $value:ty, $none:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<$value, A::Error> {
            $crate::formats::lenient::skip_seq(seq).map(|()| $none)
        }
    };
    (@one map, $value:ty, $none:expr) => {
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<$value, A::Error> {
            $crate::formats::lenient::skip_map(map).map(|()| $none)
        }
    };
}
pub(crate) use other_shapes;

/// A string, borrowed from the document when it has no escapes; any other value is `None`.
pub(crate) struct AnyStr;

impl<'de> DeserializeSeed<'de> for AnyStr {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AnyStr {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    other_shapes!(Self::Value, None, [bool, num, unit, seq, map]);
}

/// [`AnyStr`] for derived fields: `#[serde(default, deserialize_with = "any_string")]`.
pub(crate) fn any_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    AnyStr.deserialize(d).map(|s| s.map(Cow::into_owned))
}

/// A boolean; any other value is `None`.
pub(crate) fn any_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any value")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<bool>, E> {
            Ok(Some(v))
        }
        other_shapes!(Option<bool>, None, [num, str, unit, seq, map]);
    }
    d.deserialize_any(V)
}

/// What kind of number a field holds, and so which range it must be in.
#[derive(Clone, Copy)]
enum Range {
    /// `0..=MAX_COUNT`.
    Count,
    /// Any `i64` (version numbers may be negative).
    Signed,
}

/// A JSON value's kind, for a note about a value that is no number.
fn kind_note(kind: &str) -> String {
    format!("({kind})")
}

/// A number read leniently: in range it is the value, otherwise `None` and a note naming the
/// field. Null is `None` without a note.
struct Number {
    field: &'static str,
    range: Range,
    /// A value that is no number is a type error (a field the vendor types `int` outside any
    /// `Any`), not a note.
    strict: bool,
}

/// The number's value, as an `f64` or exactly: one type serves counts, latencies and versions.
#[derive(Clone, Copy)]
enum Num {
    U(u64),
    I(i64),
    F(f64),
}

impl<'de> Visitor<'de> for Number {
    type Value = Option<Num>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.check(Num::U(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.check(Num::I(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.check(Num::F(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.not_a_number(de::Unexpected::Bool(v), "a boolean")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.not_a_number(de::Unexpected::Str(v), "a string")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.not_a_number::<Num, A::Error>(de::Unexpected::Seq, "an array")?;
        skip_seq(seq).map(|()| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.not_a_number::<Num, A::Error>(de::Unexpected::Map, "an object")?;
        skip_map(map).map(|()| None)
    }
}

impl Number {
    /// A value that is no number: a type error when strict, else a note.
    fn not_a_number<T, E: de::Error>(
        &self,
        got: de::Unexpected,
        kind: &str,
    ) -> Result<Option<T>, E> {
        if self.strict {
            return Err(E::invalid_type(got, &"an integer"));
        }
        note(self.field, kind_note(kind));
        Ok(None)
    }

    fn check(&self, n: Num) -> Option<Num> {
        let ok = match (self.range, n) {
            (Range::Count, Num::U(v)) => v <= MAX_COUNT,
            (Range::Count, Num::I(v)) => (0..=MAX_COUNT as i64).contains(&v),
            (Range::Count, Num::F(v)) => (0.0..=MAX_COUNT as f64).contains(&v),
            (Range::Signed, Num::U(v)) => v <= i64::MAX as u64,
            (Range::Signed, Num::I(_)) => true,
            (Range::Signed, Num::F(v)) => {
                // Exclusive bounds: an `f64` this far out is rounded, and i64::MIN itself
                // arrives as an `i64`.
                v.fract() == 0.0 && v > i64::MIN as f64 && v < i64::MAX as f64
            }
        };
        if ok {
            Some(n)
        } else {
            let value = match n {
                Num::U(v) => v.to_string(),
                Num::I(v) => v.to_string(),
                Num::F(v) => v.to_string(),
            };
            note(self.field, shorten(value));
            None
        }
    }
}

/// A long number (2^70 prints in full) cut for a one-line warning.
fn shorten(mut value: String) -> String {
    if value.len() > 24 {
        value.truncate(20);
        value.push('…');
    }
    value
}

/// A token or call count: a whole number in `0..=MAX_COUNT`. The flag makes a value that is no
/// number a type error (see [`Number`]).
pub(crate) struct Count(pub &'static str, pub bool);

impl<'de> DeserializeSeed<'de> for Count {
    type Value = Option<u64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let field = self.0;
        let n = d.deserialize_any(Number {
            field,
            range: Range::Count,
            strict: self.1,
        })?;
        Ok(match n {
            Some(Num::U(v)) => Some(v),
            Some(Num::I(v)) => Some(v as u64),
            // Counts are integers; a fraction (which pydantic's `int` never writes) is unknown.
            Some(Num::F(v)) if v.fract() == 0.0 => Some(v as u64),
            Some(Num::F(v)) => {
                note(field, shorten(v.to_string()));
                None
            }
            None => None,
        })
    }
}

/// A latency in milliseconds: a number in `0..=MAX_COUNT`, fractions allowed.
pub(crate) struct Millis(pub &'static str);

impl<'de> DeserializeSeed<'de> for Millis {
    type Value = Option<f64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let n = d.deserialize_any(Number {
            field: self.0,
            range: Range::Count,
            strict: false,
        })?;
        Ok(n.map(|n| match n {
            Num::U(v) => v as f64,
            Num::I(v) => v as f64,
            Num::F(v) => v,
        }))
    }
}

/// A version number: any whole `i64`. The flag makes a value that is no number a type error.
pub(crate) struct Signed(pub &'static str, pub bool);

impl<'de> DeserializeSeed<'de> for Signed {
    type Value = Option<i64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let n = d.deserialize_any(Number {
            field: self.0,
            range: Range::Signed,
            strict: self.1,
        })?;
        Ok(n.map(|n| match n {
            Num::U(v) => v as i64,
            Num::I(v) => v,
            Num::F(v) => v as i64,
        }))
    }
}

/// Derived-field forms of the number readers for fields the vendor types `int` outside any `Any`
/// (a string there is a type error), one per field name (a `deserialize_with` function cannot
/// take the name as an argument).
macro_rules! number_fields {
    ($($name:ident: $seed:ident($field:literal) -> $out:ty;)*) => {
        $(
            pub(crate) fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<$out>, D::Error> {
                $seed($field, true).deserialize(d)
            }
        )*
    };
}

number_fields! {
    version_number: Signed("version_number") -> i64;
    turn_number: Count("turn_number") -> u64;
    evaluator_version: Signed("evaluator_workflow_version_number") -> i64;
    cortex_version: Signed("version") -> i64;
    cortex_workflow_version: Signed("workflow_version.version") -> i64;
}

/// A run's `error` as text: a string as is, any other value (an object, a number) as its JSON;
/// none when missing or null.
pub(crate) fn error_text(value: Option<serde_json::Value>) -> Option<String> {
    match value {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &str) -> (Option<u64>, Vec<UnusableCount>) {
        clear_notes();
        let mut de = serde_json::Deserializer::from_str(text);
        let v = Count("f", false)
            .deserialize(&mut de)
            .expect("never rejects");
        (v, take_notes().0)
    }

    #[test]
    fn counts_in_range_are_kept_and_others_noted_as_unknown() {
        assert_eq!(count("7"), (Some(7), vec![]));
        assert_eq!(count("null"), (None, vec![]));
        assert_eq!(count("9007199254740992"), (Some(MAX_COUNT), vec![]));
        // 2^70 is beyond 64-bit integers: read as an `f64`, and noted as one.
        let big = shorten(
            (1u128 << 70)
                .to_string()
                .parse::<f64>()
                .unwrap()
                .to_string(),
        );
        for (text, value) in [
            ("-1", "-1"),
            ("9007199254740993", "9007199254740993"),
            ("1180591620717411303424", big.as_str()),
            ("2.5", "2.5"),
            ("\"12\"", "(a string)"),
            ("[1]", "(an array)"),
            ("{\"a\": 1}", "(an object)"),
            ("true", "(a boolean)"),
        ] {
            let (v, notes) = count(text);
            assert_eq!(v, None, "{text}");
            assert_eq!(notes.len(), 1, "{text}");
            assert_eq!(notes[0].field, "f");
            assert_eq!(notes[0].value, shorten(value.to_owned()), "{text}");
        }
    }

    #[test]
    fn versions_take_any_i64() {
        let read = |text: &str| {
            clear_notes();
            let mut de = serde_json::Deserializer::from_str(text);
            let v = Signed("v", false)
                .deserialize(&mut de)
                .expect("never rejects");
            (v, take_notes().0.len())
        };
        assert_eq!(read("-3"), (Some(-3), 0));
        assert_eq!(read("9223372036854775807"), (Some(i64::MAX), 0));
        assert_eq!(read("9223372036854775808"), (None, 1));
        assert_eq!(read("-9223372036854775809"), (None, 1));
    }

    #[test]
    fn notes_are_capped_per_document() {
        clear_notes();
        for _ in 0..100 {
            let mut de = serde_json::Deserializer::from_str("-1");
            Count("f", false)
                .deserialize(&mut de)
                .expect("never rejects");
        }
        let (kept, more) = take_notes();
        assert_eq!((kept.len(), more), (MAX_NOTES, 100 - MAX_NOTES));
        assert_eq!(take_notes().0.len(), 0, "taking empties them");
    }

    #[test]
    fn strings_are_read_and_any_other_value_skipped() {
        for (text, want) in [
            ("\"a\"", Some("a")),
            ("5", None),
            ("[1, [2], {\"x\": \"y\"}]", None),
            ("{\"a\": [1]}", None),
            ("null", None),
        ] {
            let mut de = serde_json::Deserializer::from_str(text);
            let v = AnyStr.deserialize(&mut de).expect("never rejects");
            de.end().expect("the whole value was read");
            assert_eq!(v.as_deref(), want, "{text}");
        }
    }
}
