//! Snapshot YAML without libyaml: the bytes `serde_yaml_ng::to_string` writes for a transcript,
//! written directly (libyaml's emitter was the largest cost of rendering a snapshot).
//!
//! Only what transcripts are made of is written here: block mappings and sequences, empty ones
//! as `{}`/`[]`, numbers, booleans, nulls, and one-line strings of the characters libyaml
//! writes as they are, plain or single-quoted by libyaml's rules (`yaml_emitter_analyze_scalar`
//! and `yaml_emitter_select_scalar_style`) and serde_yaml_ng's (a string that would read back as
//! another type is quoted). For anything else (a multi-line or double-quoted string, a long key,
//! a tagged value…) [`to_string`] gives `None` and the caller uses serde_yaml_ng. Tests compare
//! the two on generated documents.

use std::fmt;

use serde::ser::{self, Impossible, Serialize};

/// The YAML serde_yaml_ng would write for `value`, or `None` when `value` holds something this
/// writer leaves to serde_yaml_ng.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let mut events = Events::default();
    value.serialize(&mut events).ok()?;
    let mut w = Writer {
        events: &events.list,
        pos: 0,
        out: String::with_capacity(events.bytes + 8 * events.list.len()),
    };
    match w.events.first()? {
        Event::MapStart | Event::SeqStart => w.item(0, false)?,
        // A bare scalar is not a transcript.
        _ => return None,
    }
    (w.pos == w.events.len()).then_some(w.out)
}

/// What the serializer saw, in order.
enum Event {
    /// A string (written plain or quoted, as libyaml picks).
    Str(String),
    /// A number, boolean or null, written as it is.
    Raw(String),
    MapStart,
    MapEnd,
    SeqStart,
    SeqEnd,
}

/// Why the direct writer gave up; serde_yaml_ng writes the document instead.
#[derive(Debug)]
pub struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to serde_yaml_ng")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

#[derive(Default)]
struct Events {
    list: Vec<Event>,
    /// The bytes of the scalars, to size the output.
    bytes: usize,
}

impl Events {
    fn push_str(&mut self, s: &str) {
        self.bytes += s.len();
        self.list.push(Event::Str(s.to_owned()));
    }

    fn push_raw(&mut self, s: String) {
        self.bytes += s.len();
        self.list.push(Event::Raw(s));
    }
}

type Result<T = ()> = std::result::Result<T, Unsupported>;

impl ser::Serializer for &mut Events {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Self;
    type SerializeTuple = Impossible<(), Unsupported>;
    type SerializeTupleStruct = Impossible<(), Unsupported>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Result {
        self.push_raw(if v { "true" } else { "false" }.to_owned());
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result {
        self.push_raw(v.to_string());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result {
        self.push_raw(v.to_string());
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result {
        Err(Unsupported)
    }
    fn serialize_f64(self, v: f64) -> Result {
        // As serde_yaml_ng writes it.
        let text = if v.is_nan() {
            ".nan".to_owned()
        } else if v.is_infinite() {
            if v > 0.0 { ".inf" } else { "-.inf" }.to_owned()
        } else {
            ryu::Buffer::new().format_finite(v).to_owned()
        };
        self.push_raw(text);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result {
        self.push_str(v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.push_raw("null".to_owned());
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result {
        Err(Unsupported)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self> {
        self.list.push(Event::SeqStart);
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self> {
        self.list.push(Event::MapStart);
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self> {
        self.list.push(Event::MapStart);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(Unsupported)
    }
    // serde_yaml_ng reads a tag out of a displayed key; never needed by a transcript.
    fn collect_str<T: fmt::Display + ?Sized>(self, _: &T) -> Result {
        Err(Unsupported)
    }
}

impl ser::SerializeSeq for &mut Events {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result {
        self.list.push(Event::SeqEnd);
        Ok(())
    }
}

impl ser::SerializeMap for &mut Events {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result {
        self.list.push(Event::MapEnd);
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Events {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.push_str(key);
        value.serialize(&mut **self)
    }
    fn end(self) -> Result {
        self.list.push(Event::MapEnd);
        Ok(())
    }
}

/// Writes the events as libyaml's block style: two spaces per level, a sequence under a key
/// not indented, a mapping or sequence in a sequence starting on the `- ` line.
struct Writer<'e> {
    events: &'e [Event],
    pos: usize,
    out: String,
}

impl<'e> Writer<'e> {
    fn next(&mut self) -> Option<&'e Event> {
        let events = self.events;
        let e = events.get(self.pos)?;
        self.pos += 1;
        Some(e)
    }

    fn indent(&mut self, column: usize) {
        self.out.extend(std::iter::repeat_n(' ', column));
    }

    /// The node at `pos`, as the value of a key or an item of a sequence (after `:` or `-`,
    /// or at the start of the document when `column` is 0 and nothing is written yet).
    /// `column`: where the keys of a mapping value start; `under_key`: a sequence value of a
    /// key is not indented, and a mapping or sequence value of a key starts on the next line.
    fn item(&mut self, column: usize, under_key: bool) -> Option<()> {
        let at_start = self.out.is_empty();
        let empty_next = matches!(
            (self.events.get(self.pos), self.events.get(self.pos + 1)),
            (Some(Event::MapStart), Some(Event::MapEnd))
                | (Some(Event::SeqStart), Some(Event::SeqEnd))
        );
        let sep = if at_start { "" } else { " " };
        match self.next()? {
            Event::Str(s) if s.contains('\n') => {
                self.out.push_str(sep);
                write_literal(&mut self.out, s, column + 2)?;
            }
            Event::Str(s) => {
                self.out.push_str(sep);
                write_str(&mut self.out, s, false)?;
                self.out.push('\n');
            }
            Event::Raw(s) => {
                self.out.push_str(sep);
                self.out.push_str(s);
                self.out.push('\n');
            }
            Event::MapStart if empty_next => {
                self.pos += 1;
                self.out.push_str(sep);
                self.out.push_str("{}\n");
            }
            Event::SeqStart if empty_next => {
                self.pos += 1;
                self.out.push_str(sep);
                self.out.push_str("[]\n");
            }
            Event::MapStart if at_start => self.mapping(column, false)?,
            Event::SeqStart if at_start => self.sequence(column, false)?,
            Event::MapStart if under_key => {
                self.out.push('\n');
                self.mapping(column + 2, false)?;
            }
            Event::SeqStart if under_key => {
                self.out.push('\n');
                self.sequence(column, false)?;
            }
            Event::MapStart => {
                self.out.push(' ');
                self.mapping(column + 2, true)?;
            }
            Event::SeqStart => {
                self.out.push(' ');
                self.sequence(column + 2, true)?;
            }
            Event::MapEnd | Event::SeqEnd => return None,
        }
        Some(())
    }

    /// A non-empty block mapping whose keys start at `column` (the first on the current line
    /// when `inline`), after its `MapStart`.
    fn mapping(&mut self, column: usize, inline: bool) -> Option<()> {
        let mut first = true;
        loop {
            let at_end = matches!(self.events.get(self.pos), Some(Event::MapEnd));
            let on_dash_line = first && inline;
            if !at_end && !on_dash_line {
                self.indent(column);
            }
            first = false;
            match self.next()? {
                Event::MapEnd => return Some(()),
                // libyaml writes a key over 128 bytes as a complex key (`? …`).
                Event::Str(k) if k.len() <= 128 => write_str(&mut self.out, k, true)?,
                Event::Raw(k) => self.out.push_str(k),
                _ => return None,
            }
            self.out.push(':');
            self.item(column, true)?;
        }
    }

    /// A non-empty block sequence whose dashes are at `column` (the first on the current line
    /// when `inline`), after its `SeqStart`.
    fn sequence(&mut self, column: usize, inline: bool) -> Option<()> {
        let mut first = true;
        loop {
            if matches!(self.events.get(self.pos), Some(Event::SeqEnd)) {
                self.pos += 1;
                return Some(());
            }
            if !(first && inline) {
                self.indent(column);
            }
            first = false;
            self.out.push('-');
            self.item(column, false)?;
        }
    }
}

/// Writes a string as libyaml does in block context: plain when it may be, else
/// single-quoted. `None` for what libyaml would write another way (double-quoted, or a block
/// scalar for a multi-line string).
fn write_str(out: &mut String, s: &str, key: bool) -> Option<()> {
    let plain = plain_allowed(s)? && !(key && s.is_empty()) && !reads_as_other_type(s);
    if plain {
        out.push_str(s);
    } else {
        out.push('\'');
        for (i, part) in s.split('\'').enumerate() {
            if i > 0 {
                out.push_str("''");
            }
            out.push_str(part);
        }
        out.push('\'');
    }
    Some(())
}

/// A multi-line string, which serde_yaml_ng asks for in literal style: `|` with libyaml's
/// hints (`2` when it starts with a space or line break, `-` when it does not end with one),
/// then each line at `indent`, empty lines empty. `None` when libyaml would double-quote it
/// (special characters, a space before a line break or at the end), or for line breaks other
/// than `\n`, or a string ending in two (kept with `+`, which ends the document open).
fn write_literal(out: &mut String, s: &str, indent: usize) -> Option<()> {
    if s == "\n"
        || s.ends_with("\n\n")
        || s.ends_with(' ')
        || s.contains(" \n")
        || !s.chars().all(|c| c == '\n' || printable(c))
    {
        return None;
    }
    out.push('|');
    if s.starts_with([' ', '\n']) {
        out.push('2');
    }
    let body = match s.strip_suffix('\n') {
        Some(body) => body,
        None => {
            out.push('-');
            s
        }
    };
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(line);
        }
        out.push('\n');
    }
    Some(())
}

/// libyaml's `block_plain_allowed` for a string without line breaks or special characters;
/// `None` when the string has either (then libyaml would double-quote it, or it is multi-line).
fn plain_allowed(s: &str) -> Option<bool> {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return Some(true);
    };
    let mut indicators = bytes.starts_with(b"---") || bytes.starts_with(b"...");
    let mut preceded_by_space = true;
    let mut chars = s.chars().peekable();
    let mut at_first = true;
    while let Some(c) = chars.next() {
        if !printable(c) {
            return None;
        }
        // At the end, libyaml sees the string's terminating NUL: white space too.
        let followed_by_space = chars.peek().is_none_or(|&n| n == ' ');
        indicators |= if at_first {
            matches!(
                c,
                '#' | ','
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '&'
                    | '*'
                    | '!'
                    | '|'
                    | '>'
                    | '\''
                    | '"'
                    | '%'
                    | '@'
                    | '`'
            ) || (matches!(c, '?' | ':' | '-') && followed_by_space)
        } else {
            (c == ':' && followed_by_space) || (c == '#' && preceded_by_space)
        };
        preceded_by_space = c == ' ';
        at_first = false;
    }
    Some(!(indicators || first == b' ' || last == b' '))
}

/// libyaml's printable characters, less its line breaks (U+2028, U+2029): what this writer
/// can put in a plain or single-quoted scalar. (Tabs, other controls, NEL and `\n` are not.)
fn printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// serde_yaml_ng quotes a string that would read back as null, a boolean or a number
/// (`visit_untagged_scalar`), or as digits with a leading zero.
fn reads_as_other_type(s: &str) -> bool {
    s.is_empty()
        || matches!(
            s,
            "null" | "Null" | "NULL" | "~" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
        )
        || digits_but_not_number(s)
        || unsigned_int(s)
        || negative_int(s)
        || float(s)
}

/// serde_yaml_ng's `digits_but_not_number`.
fn digits_but_not_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    s.len() > 1 && s.starts_with('0') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// serde_yaml_ng's `parse_unsigned_int` (at its widest type, u128).
fn unsigned_int(s: &str) -> bool {
    let unpositive = s.strip_prefix('+').unwrap_or(s);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return false;
            }
            if u128::from_str_radix(rest, radix).is_ok() {
                return true;
            }
        }
    }
    !unpositive.starts_with(['+', '-'])
        && !digits_but_not_number(s)
        && unpositive.parse::<u128>().is_ok()
}

/// serde_yaml_ng's `parse_negative_int` (at its widest type, i128).
fn negative_int(s: &str) -> bool {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = s.strip_prefix(prefix) {
            if i128::from_str_radix(&format!("-{rest}"), radix).is_ok() {
                return true;
            }
        }
    }
    !digits_but_not_number(s) && s.parse::<i128>().is_ok()
}

/// serde_yaml_ng's `parse_f64`.
fn float(s: &str) -> bool {
    let unpositive = match s.strip_prefix('+') {
        Some(u) if u.starts_with(['+', '-']) => return false,
        Some(u) => u,
        None => s,
    };
    matches!(unpositive, ".inf" | ".Inf" | ".INF")
        || matches!(s, "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN")
        || unpositive.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn same(v: &Value) -> std::result::Result<bool, TestCaseError> {
        let want = serde_yaml_ng::to_string(v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match to_string(v) {
            Some(got) => {
                prop_assert_eq!(got, want, "{:?}", v);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    #[test]
    fn writes_what_serde_yaml_ng_writes() {
        let v = json!({
            "system": "interactly",
            "workflow_id": null,
            "turns": [
                {"turn": 1, "user": ["Hi", "- no", "a: b", "a:b", "#x", "a #b", "a#b", "'q'"],
                 "variables": {"patient_name": "[PATIENT_NAME-1]", "": "", "n": "007"},
                 "tool_calls": [{"args": {}, "list": [], "nested": [[1, 2], [], [{"a": 1}]]}],
                 "status": "true"},
            ],
            "outputs": {"x": 1.5, "y": -2, "z": 1e300, "w": "1e3", "v": "0x1F", "u": "~"},
            "keys": {"123": 1, "true": 2, "a b": 3, "é ü": "ça va", "emoji": "😀"},
        });
        assert!(same(&v).unwrap(), "written directly");
        // Left to serde_yaml_ng: multi-line strings, tabs, long keys.
        let lines = json!({"a": "x\ny", "b": ["\n x\n\ny\n", {"c": " x\ny"}], "d": "é\n"});
        assert!(same(&lines).unwrap(), "written directly");
        for v in [
            json!({"a": "x \ny"}),
            json!({"a": "x\n\n"}),
            json!({"a\nb": 1}),
            json!({"a": "x\ty"}),
            json!({"k".repeat(129): 1}),
            json!("scalar"),
        ] {
            assert_eq!(to_string(&v), None, "{v}");
        }
        assert!(same(&json!({"k".repeat(128): 1})).unwrap());
    }

    /// One-line strings made of what decides libyaml's and serde_yaml_ng's quoting; now and
    /// then one with a character this writer leaves to serde_yaml_ng.
    fn tricky() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => "([-a-z0-9 .:#?,\\[\\]{}&*!|>'\"%@`~+_xobeEIiNnf]|é|😀|\u{a0}|\u{fffd}){0,8}",
            1 => "[a-z :'#-]{70,120}",
            1 => "([a-z :]|\u{2028}|\u{85}|\u{feff}|\t|\r|\n|\u{7f}){0,4}",
            2 => "([a-z :#'-]|é|\n){0,12}",
        ]
    }

    fn values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            tricky().prop_map(Value::String),
            prop_oneof![
                Just("null"),
                Just("True"),
                Just("0x1f"),
                Just("-0b101"),
                Just("+1"),
                Just(".5"),
                Just("1e5"),
                Just("-.inf"),
                Just(".NaN"),
                Just("0012"),
                Just("inf"),
                Just("---x"),
                Just("...")
            ]
            .prop_map(|s| Value::String(s.to_owned())),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(tricky(), inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever is written directly is byte for byte what serde_yaml_ng writes.
        #[test]
        fn any_document_written_directly_is_serde_yaml_ngs(
            doc in prop::collection::btree_map(tricky(), values(), 1..6),
        ) {
            same(&Value::Object(doc.into_iter().collect()))?;
        }

        /// Each one-line string alone, as a value and as a key.
        #[test]
        fn any_string_is_quoted_as_serde_yaml_ng_quotes_it(s in tricky()) {
            same(&json!({"k": s.clone(), "l": [s.clone()]}))?;
            same(&json!({s.clone(): 1}))?;
        }
    }
}
