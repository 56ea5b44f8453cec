//! A compact binary form of a normalized [`Run`]: what the corpus index spills to a file while
//! it loads, so that reading a run back during the replay decodes it instead of parsing and
//! normalizing its JSON a second time (`crate::corpus` spill).
//!
//! The form is private to one process (written and read by the same binary, never kept): no
//! version, no compatibility. It holds every field of the run except those the index entry
//! keeps anyway and restores on read-back: the format (and so the system), the raw document,
//! its digest, its origin and the counts read as unusable ([`Usage::unusable`]).
//!
//! Integers are LEB128 varints (signed ones zigzagged), floats their 8 bytes (bit-exact),
//! texts and lists a length then their items, options a 0/1 byte, enums a tag byte. JSON
//! values are written as their tree: numbers as the `u64`, `i64` or `f64` `serde_json` holds
//! (the crate is built without `arbitrary_precision`), object members in the map's iteration
//! order (so a map that keeps insertion order keeps it).
//!
//! Decoding never panics and never allocates more than a small multiple of its input: bad
//! bytes are a [`DecodeError`] (the caller parses the document again).
//!
//! Each struct is written by destructuring it without `..`: a field added to the model and
//! forgotten here does not compile.

use serde_json::{Map, Number, Value};

use super::{
    Comment, ConfigSummary, EdgeKind, EdgeSummary, EvalLink, EvaluationConfig, Event, Format,
    FoundValues, Latency, LlmKind, LlmUsageInfo, McpServerSummary, ModelLatency, ModelUsage,
    NodeOutput, NodeSummary, Run, Status, StatusKind, ToolCall, ToolSummary, Turn, Usage,
    UsageSource, Variables,
};

/// Bytes that are not the binary form of a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad binary run at byte {at}: {what}")]
pub struct DecodeError {
    /// Where in the input.
    pub at: usize,
    /// What was wrong.
    pub what: &'static str,
}

/// How deep JSON values may nest (deeper ones are refused; the run is parsed again).
const MAX_DEPTH: usize = 512;

/// Appends the binary form of `run` to `out` (see the module documentation for what is left
/// out).
pub fn encode(run: &Run, out: &mut Vec<u8>) {
    let Run {
        system: _,
        format: _,
        run_id,
        workflow_id,
        version,
        version_name,
        workflow_hash,
        app_id,
        status,
        termination_source,
        turns,
        usage,
        latency,
        credits,
        started_at,
        ended_at,
        comments,
        error,
        config,
        eval,
        raw: _,
        raw_digest: _,
        found,
        origin: _,
    } = run;
    run_id.put(out);
    workflow_id.put(out);
    version.put(out);
    version_name.put(out);
    workflow_hash.put(out);
    app_id.put(out);
    status.put(out);
    termination_source.put(out);
    turns.put(out);
    usage.put(out);
    latency.put(out);
    credits.put(out);
    started_at.put(out);
    ended_at.put(out);
    comments.put(out);
    error.put(out);
    config.put(out);
    eval.put(out);
    found.put(out);
}

/// The run of `format` whose binary form is `bytes` (all of them). Its raw document, hashes
/// and origin are empty and its unusable counts none: the caller restores them.
pub fn decode(bytes: &[u8], format: Format) -> Result<Run, DecodeError> {
    let r = &mut Reader::new(bytes);
    let mut run = Run::new(format, Bin::get(r)?);
    run.workflow_id = Bin::get(r)?;
    run.version = Bin::get(r)?;
    run.version_name = Bin::get(r)?;
    run.workflow_hash = Bin::get(r)?;
    run.app_id = Bin::get(r)?;
    run.status = Bin::get(r)?;
    run.termination_source = Bin::get(r)?;
    run.turns = Bin::get(r)?;
    run.usage = Bin::get(r)?;
    run.latency = Bin::get(r)?;
    run.credits = Bin::get(r)?;
    run.started_at = Bin::get(r)?;
    run.ended_at = Bin::get(r)?;
    run.comments = Bin::get(r)?;
    run.error = Bin::get(r)?;
    run.config = Bin::get(r)?;
    run.eval = Bin::get(r)?;
    run.found = Bin::get(r)?;
    if r.pos != bytes.len() {
        return Err(r.fail("bytes left over"));
    }
    Ok(run)
}

/// The input being decoded.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            pos: 0,
            depth: 0,
        }
    }

    fn fail(&self, what: &'static str) -> DecodeError {
        DecodeError { at: self.pos, what }
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self.bytes.get(self.pos).ok_or(self.fail("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(self.fail("truncated"))?;
        let out = self
            .bytes
            .get(self.pos..end)
            .ok_or(self.fail("truncated"))?;
        self.pos = end;
        Ok(out)
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut out = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            out |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                // The tenth byte may carry one bit only.
                if shift == 63 && b > 1 {
                    return Err(self.fail("varint too long"));
                }
                return Ok(out);
            }
        }
        Err(self.fail("varint too long"))
    }

    /// A length of items that take at least one byte each: never more than the bytes left,
    /// so a bad length cannot ask for a huge allocation.
    fn len(&mut self) -> Result<usize, DecodeError> {
        let n = self.varint()?;
        match usize::try_from(n) {
            Ok(n) if n <= self.bytes.len() - self.pos => Ok(n),
            _ => Err(self.fail("length beyond the input")),
        }
    }

    /// A text: its length, then its UTF-8 bytes.
    fn str(&mut self) -> Result<&'a str, DecodeError> {
        let n = self.len()?;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes).map_err(|_| self.fail("invalid UTF-8"))
    }
}

fn put_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_str(s: &str, out: &mut Vec<u8>) {
    put_varint(s.len() as u64, out);
    out.extend_from_slice(s.as_bytes());
}

fn put_slice<T: Bin>(items: &[T], out: &mut Vec<u8>) {
    put_varint(items.len() as u64, out);
    for item in items {
        item.put(out);
    }
}

/// A type with a binary form.
trait Bin: Sized {
    fn put(&self, out: &mut Vec<u8>);
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

impl Bin for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(r.fail("bad boolean")),
        }
    }
}

impl Bin for u64 {
    fn put(&self, out: &mut Vec<u8>) {
        put_varint(*self, out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.varint()
    }
}

impl Bin for usize {
    fn put(&self, out: &mut Vec<u8>) {
        put_varint(*self as u64, out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        usize::try_from(r.varint()?).map_err(|_| r.fail("count too large"))
    }
}

impl Bin for i64 {
    fn put(&self, out: &mut Vec<u8>) {
        put_varint(((*self << 1) ^ (*self >> 63)) as u64, out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let v = r.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }
}

impl Bin for f64 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bits().to_le_bytes());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let bytes: [u8; 8] = r.take(8)?.try_into().map_err(|_| r.fail("truncated"))?;
        Ok(f64::from_bits(u64::from_le_bytes(bytes)))
    }
}

impl Bin for String {
    fn put(&self, out: &mut Vec<u8>) {
        put_str(self, out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.str().map(str::to_owned)
    }
}

impl Bin for Box<str> {
    fn put(&self, out: &mut Vec<u8>) {
        put_str(self, out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        String::get(r).map(String::into_boxed_str)
    }
}

impl<T: Bin> Bin for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.put(out);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.byte()? {
            0 => Ok(None),
            1 => T::get(r).map(Some),
            _ => Err(r.fail("bad option")),
        }
    }
}

impl<T: Bin> Bin for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        put_slice(self, out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(T::get(r)?);
        }
        Ok(out)
    }
}

impl<T: Bin> Bin for Box<[T]> {
    fn put(&self, out: &mut Vec<u8>) {
        put_slice(self, out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Vec::get(r).map(Vec::into_boxed_slice)
    }
}

impl<T: Bin> Bin for Box<T> {
    fn put(&self, out: &mut Vec<u8>) {
        (**self).put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        T::get(r).map(Box::new)
    }
}

impl<A: Bin, B: Bin> Bin for (A, B) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok((A::get(r)?, B::get(r)?))
    }
}

/// Written as the list of its `(name, text)` pairs.
impl Bin for FoundValues {
    fn put(&self, out: &mut Vec<u8>) {
        put_varint(self.len() as u64, out);
        for (name, text) in self.iter() {
            put_str(name, out);
            put_str(text, out);
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.len()?;
        let mut found = FoundValues::with_capacity(n);
        for _ in 0..n {
            let name = r.str()?;
            let text = r.str()?;
            found.push(name, text);
        }
        Ok(found)
    }
}

impl Bin for Value {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.push(0),
            Value::Bool(false) => out.push(1),
            Value::Bool(true) => out.push(2),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    out.push(3);
                    u.put(out);
                } else if let Some(i) = n.as_i64() {
                    out.push(4);
                    i.put(out);
                } else {
                    // Neither integer: a finite float (`serde_json` holds no other number).
                    out.push(5);
                    n.as_f64().unwrap_or(f64::NAN).put(out);
                }
            }
            Value::String(s) => {
                out.push(6);
                s.put(out);
            }
            Value::Array(items) => {
                out.push(7);
                items.put(out);
            }
            Value::Object(map) => {
                out.push(8);
                put_varint(map.len() as u64, out);
                for (k, v) in map {
                    put_str(k, out);
                    v.put(out);
                }
            }
        }
    }

    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let tag = r.byte()?;
        Ok(match tag {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Number(u64::get(r)?.into()),
            4 => Value::Number(i64::get(r)?.into()),
            5 => {
                Value::Number(Number::from_f64(f64::get(r)?).ok_or(r.fail("not a finite number"))?)
            }
            6 => Value::String(String::get(r)?),
            7 | 8 => {
                r.depth += 1;
                if r.depth > MAX_DEPTH {
                    return Err(r.fail("nested too deep"));
                }
                let value = if tag == 7 {
                    Value::Array(Vec::get(r)?)
                } else {
                    let n = r.len()?;
                    let mut map = Map::new();
                    for _ in 0..n {
                        let k = String::get(r)?;
                        let v = <Value as Bin>::get(r)?;
                        map.insert(k, v);
                    }
                    Value::Object(map)
                };
                r.depth -= 1;
                value
            }
            _ => return Err(r.fail("bad JSON value tag")),
        })
    }
}

impl Bin for Variables {
    fn put(&self, out: &mut Vec<u8>) {
        put_varint(self.len() as u64, out);
        for (k, v) in self.iter() {
            put_str(k, out);
            v.put(out);
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        // Written sorted, each name once: `from_pairs` keeps them as they are (and keeps its
        // promise on bad bytes too).
        Vec::<(String, Value)>::get(r).map(Variables::from_pairs)
    }
}

impl Bin for Status {
    fn put(&self, out: &mut Vec<u8>) {
        let Status { text, kind } = self;
        text.put(out);
        kind.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Status {
            text: Bin::get(r)?,
            kind: Bin::get(r)?,
        })
    }
}

impl Bin for Usage {
    fn put(&self, out: &mut Vec<u8>) {
        let Usage {
            source,
            calls,
            input_tokens,
            output_tokens,
            total_tokens,
            by_model,
            // Restored from the index entry (their field names are static texts).
            unusable: _,
            unusable_more: _,
        } = self;
        source.put(out);
        calls.put(out);
        input_tokens.put(out);
        output_tokens.put(out);
        total_tokens.put(out);
        by_model.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Usage {
            source: Bin::get(r)?,
            calls: Bin::get(r)?,
            input_tokens: Bin::get(r)?,
            output_tokens: Bin::get(r)?,
            total_tokens: Bin::get(r)?,
            by_model: Bin::get(r)?,
            unusable: Vec::new(),
            unusable_more: 0,
        })
    }
}

/// The binary form of a struct: its fields in order.
macro_rules! record {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {$(
        impl Bin for $ty {
            fn put(&self, out: &mut Vec<u8>) {
                let $ty { $($field),* } = self;
                $($field.put(out);)*
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($ty { $($field: Bin::get(r)?),* })
            }
        }
    )*};
}

record! {
    Comment { content, created_by, created_at }
    EvalLink { is_evaluation_run, source_run_id, evaluation_run_id }
    NodeOutput { thread, node_type, node, structured_output, free_form_output }
    Turn {
        command, dynamic_variables, input_dynamic_variables, runtime_variables, user_messages,
        input, output, events, node_outputs, evaluation,
    }
    LlmUsageInfo {
        model, provider, response_id, prompt_tokens, completion_tokens, total_tokens, latency_ms,
    }
    ToolCall { name, args, id }
    ModelUsage { provider, model, calls, input_tokens, output_tokens, total_tokens }
    ModelLatency { provider, model, calls, total_ms, call_ms }
    Latency { calls, total_ms, by_model }
    EvaluationConfig { evaluator_workflow_id, evaluator_workflow_version, turn_by_turn }
    NodeSummary { id, name, node_type, is_start, disabled }
    EdgeSummary { id, name, edge_type, source, destination }
    ToolSummary { name, tool_type }
    McpServerSummary { name, server_url, header_count }
    ConfigSummary { name, evaluation, nodes, edges, tools, mcp_servers }
}

/// The binary form of an enum: a tag byte, then the variant's fields in order.
macro_rules! variants {
    ($($ty:ident { $($tag:literal => $variant:ident { $($field:ident),* $(,)? }),* $(,)? })*) => {$(
        impl Bin for $ty {
            fn put(&self, out: &mut Vec<u8>) {
                match self {
                    $($ty::$variant { $($field),* } => {
                        out.push($tag);
                        $($field.put(out);)*
                    })*
                }
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                match r.byte()? {
                    $($tag => Ok($ty::$variant { $($field: Bin::get(r)?),* }),)*
                    _ => Err(r.fail(concat!("bad ", stringify!($ty), " tag"))),
                }
            }
        }
    )*};
}

variants! {
    Event {
        0 => AssistantResponse { node, content, message_type, usage },
        1 => UserMessages { node, messages },
        2 => Llm { kind, node, message_type, content, tool_calls, tool_name, usage },
        3 => SayStatic { node, content },
        4 => NodeStart { node, node_name },
        5 => NodeEnd { node, node_type },
        6 => Edge { kind, edge_id, source, source_name, destination, destination_name },
        7 => BusyWait { node },
        8 => ReadyForInput {},
        9 => IterationEnd { iteration, workflow_id, version },
        10 => WorkflowEnd {},
        11 => WorkflowError { message },
        12 => Other { kind },
    }
    LlmKind {
        0 => Llm {},
        1 => SayLlm {},
        2 => WorkerLlm {},
        3 => ConditionEvaluatorLlm {},
        4 => DiscardedMainLlm {},
    }
    EdgeKind {
        0 => Direct {},
        1 => Conditional {},
        2 => ReverseConditional {},
        3 => Companion {},
        4 => SelfLoop {},
        5 => GuardrailEscalation {},
    }
    UsageSource {
        0 => RunTotals {},
        1 => Events {},
        2 => None {},
    }
    StatusKind {
        0 => NotStarted {},
        1 => Queued {},
        2 => Started {},
        3 => Running {},
        4 => Paused {},
        5 => WaitingForInput {},
        6 => AwaitingHumanFeedback {},
        7 => Completed {},
        8 => Failed {},
        9 => Cancelled {},
        10 => AbortedLoopingRisk {},
        11 => Stopped {},
        12 => Skipped {},
        13 => Unknown {},
    }
}

/// `run` as its binary form holds it, printed: the fields the index restores are emptied
/// (tests compare a decoded run with the one encoded through it).
#[cfg(test)]
pub(crate) fn held(run: &Run) -> String {
    let mut run = run.clone();
    run.raw = super::RawDoc::empty();
    run.raw_digest = None;
    run.origin = super::Origin::unknown();
    run.usage.unusable.clear();
    run.usage.unusable_more = 0;
    format!("{run:?}")
}

#[cfg(test)]
pub(crate) fn round_trip(run: &Run) -> Run {
    let mut bytes = Vec::new();
    encode(run, &mut bytes);
    decode(&bytes, run.format).unwrap_or_else(|e| panic!("{}: {e}", run.run_id))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::model::{Profile, RunTraits, System};

    /// A system of this module's own: the model may not name the vendors, which sit above it.
    struct TestSystem;

    impl Profile for TestSystem {
        fn name(&self) -> &'static str {
            "test"
        }
        fn status(&self, _: &str) -> StatusKind {
            StatusKind::Unknown
        }
        fn runs(&self) -> RunTraits {
            RunTraits::NONE
        }
    }

    const FORMAT: Format = Format::new(System::new(&TestSystem), "test-run", "runs of tests");

    #[test]
    fn bad_bytes_are_an_error() {
        let format = FORMAT;
        let mut run = Run::new(format, "r".into());
        run.turns.push(Turn {
            input: Some(json!({"a": [1, -2, 2.5, "x", null, true]})),
            ..Turn::default()
        });
        let mut bytes = Vec::new();
        encode(&run, &mut bytes);
        // Every truncation, a byte more, a bad tag, a huge length, nesting beyond the limit.
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n], format).is_err(), "{n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer, format).unwrap_err().what, "bytes left over");
        let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(
            decode(&huge, format).unwrap_err().what,
            "length beyond the input"
        );
        let mut deep = vec![1u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1];
        deep.extend(std::iter::repeat_n([7u8, 1], MAX_DEPTH + 1).flatten());
        let err = decode(&deep, format).unwrap_err();
        assert_eq!(err.what, "nested too deep", "{err}");
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => Just(String::new()),
            8 => "\\PC{1,12}",
            2 => any::<String>(),
            1 => "[a-z\u{e9}\u{4e2d}\u{1f600}]{500,3000}",
        ]
    }

    fn boxed() -> impl Strategy<Value = Option<Box<str>>> {
        proptest::option::of(text().prop_map(String::into_boxed_str))
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter_map("JSON numbers are finite", Number::from_f64)
                .prop_map(Value::Number),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::btree_map(text(), inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn usage_info() -> impl Strategy<Value = Option<Box<LlmUsageInfo>>> {
        let n = || proptest::option::of(any::<u64>());
        proptest::option::of(
            (
                proptest::option::of(text()),
                proptest::option::of(text()),
                proptest::option::of(text()),
                n(),
                n(),
                n(),
                proptest::option::of(any::<f64>()),
            )
                .prop_map(|(model, provider, response_id, p, c, t, ms)| {
                    Box::new(LlmUsageInfo {
                        model,
                        provider,
                        response_id,
                        prompt_tokens: p,
                        completion_tokens: c,
                        total_tokens: t,
                        latency_ms: ms,
                    })
                }),
        )
    }

    fn event() -> impl Strategy<Value = Event> {
        let llm_kind = prop_oneof![
            Just(LlmKind::Llm),
            Just(LlmKind::SayLlm),
            Just(LlmKind::WorkerLlm),
            Just(LlmKind::ConditionEvaluatorLlm),
            Just(LlmKind::DiscardedMainLlm),
        ];
        let edge_kind = prop_oneof![
            Just(EdgeKind::Direct),
            Just(EdgeKind::Conditional),
            Just(EdgeKind::ReverseConditional),
            Just(EdgeKind::Companion),
            Just(EdgeKind::SelfLoop),
            Just(EdgeKind::GuardrailEscalation),
        ];
        let tool_call = (text(), value(), proptest::option::of(text()))
            .prop_map(|(name, args, id)| ToolCall { name, args, id });
        prop_oneof![
            (boxed(), text(), boxed(), usage_info()).prop_map(
                |(node, content, message_type, usage)| Event::AssistantResponse {
                    node,
                    content,
                    message_type,
                    usage
                }
            ),
            (boxed(), proptest::collection::vec(text(), 0..4))
                .prop_map(|(node, messages)| Event::UserMessages { node, messages }),
            (
                llm_kind,
                boxed(),
                boxed(),
                boxed(),
                proptest::collection::vec(tool_call, 0..3),
                boxed(),
                usage_info()
            )
                .prop_map(
                    |(kind, node, message_type, content, calls, tool_name, usage)| {
                        Event::Llm {
                            kind,
                            node,
                            message_type,
                            content,
                            tool_calls: calls.into_boxed_slice(),
                            tool_name,
                            usage,
                        }
                    }
                ),
            (boxed(), boxed()).prop_map(|(node, content)| Event::SayStatic { node, content }),
            (boxed(), boxed()).prop_map(|(node, node_name)| Event::NodeStart { node, node_name }),
            (boxed(), boxed()).prop_map(|(node, node_type)| Event::NodeEnd { node, node_type }),
            (edge_kind, boxed(), boxed(), boxed(), boxed(), boxed()).prop_map(
                |(kind, edge_id, source, source_name, destination, destination_name)| {
                    Event::Edge {
                        kind,
                        edge_id,
                        source,
                        source_name,
                        destination,
                        destination_name,
                    }
                }
            ),
            boxed().prop_map(|node| Event::BusyWait { node }),
            Just(Event::ReadyForInput),
            (
                proptest::option::of(any::<u64>()),
                boxed(),
                proptest::option::of(any::<i64>())
            )
                .prop_map(|(iteration, workflow_id, version)| Event::IterationEnd {
                    iteration,
                    workflow_id,
                    version
                }),
            Just(Event::WorkflowEnd),
            boxed().prop_map(|message| Event::WorkflowError { message }),
            text().prop_map(|kind| Event::Other { kind }),
        ]
    }

    fn variables() -> impl Strategy<Value = Option<Variables>> {
        proptest::option::of(
            proptest::collection::vec((text(), value()), 0..6).prop_map(Variables::from_pairs),
        )
    }

    fn turn() -> impl Strategy<Value = Turn> {
        let node_output = (
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(value()),
            proptest::option::of(text()),
        )
            .prop_map(
                |(thread, node_type, node, structured_output, free_form_output)| NodeOutput {
                    thread,
                    node_type,
                    node,
                    structured_output,
                    free_form_output,
                },
            );
        (
            proptest::option::of(text()),
            variables(),
            variables(),
            proptest::option::of(proptest::collection::vec((text(), value()), 0..3)),
            proptest::collection::vec(text(), 0..3),
            proptest::option::of(value()),
            proptest::option::of(value()),
            proptest::collection::vec(event(), 0..12),
            proptest::collection::vec(node_output, 0..3),
            proptest::option::of(value()),
        )
            .prop_map(|t| Turn {
                command: t.0,
                dynamic_variables: t.1,
                input_dynamic_variables: t.2,
                runtime_variables: t.3,
                user_messages: t.4,
                input: t.5,
                output: t.6,
                events: t.7,
                node_outputs: t.8,
                evaluation: t.9,
            })
    }

    /// Every value of a field-less enum: those its tags decode to (each tag gives back
    /// the same tag, so no two tags decode alike).
    fn every<T: Bin + std::fmt::Debug>() -> Vec<T> {
        let mut out = Vec::new();
        for tag in 0..=u8::MAX {
            if let Ok(value) = T::get(&mut Reader::new(&[tag])) {
                let mut again = Vec::new();
                value.put(&mut again);
                assert_eq!(again, [tag], "{value:?}");
                out.push(value);
            }
        }
        out
    }

    #[test]
    fn every_variant_of_the_field_less_enums_has_its_own_tag() {
        assert_eq!(every::<StatusKind>().len(), 14);
        assert_eq!(every::<LlmKind>().len(), 5);
        assert_eq!(every::<EdgeKind>().len(), 6);
        assert_eq!(every::<UsageSource>().len(), 3);
    }

    fn status_kind() -> impl Strategy<Value = StatusKind> {
        proptest::sample::select(every::<StatusKind>())
    }

    fn usage_and_latency() -> impl Strategy<Value = (Usage, Latency)> {
        let o = || proptest::option::of(text());
        let model_usage =
            (o(), o(), any::<[u64; 4]>()).prop_map(|(provider, model, n)| ModelUsage {
                provider,
                model,
                calls: n[0],
                input_tokens: n[1],
                output_tokens: n[2],
                total_tokens: n[3],
            });
        let model_latency = (
            o(),
            o(),
            any::<u64>(),
            any::<f64>(),
            proptest::collection::vec(any::<f64>(), 0..6),
        )
            .prop_map(|(provider, model, calls, total_ms, call_ms)| ModelLatency {
                provider,
                model,
                calls,
                total_ms,
                call_ms,
            });
        let source = prop_oneof![
            Just(UsageSource::RunTotals),
            Just(UsageSource::Events),
            Just(UsageSource::None),
        ];
        (
            source,
            any::<[u64; 4]>(),
            proptest::collection::vec(model_usage, 0..3),
            any::<u64>(),
            any::<f64>(),
            proptest::collection::vec(model_latency, 0..3),
        )
            .prop_map(|(source, n, by_model, calls, total_ms, latency_by)| {
                let usage = Usage {
                    source,
                    calls: n[0],
                    input_tokens: n[1],
                    output_tokens: n[2],
                    total_tokens: n[3],
                    by_model,
                    ..Usage::default()
                };
                let latency = Latency {
                    calls,
                    total_ms,
                    by_model: latency_by,
                };
                (usage, latency)
            })
    }

    fn config() -> impl Strategy<Value = Option<ConfigSummary>> {
        let o = || proptest::option::of(text());
        let node = (o(), o(), o(), any::<bool>(), any::<bool>()).prop_map(|n| NodeSummary {
            id: n.0,
            name: n.1,
            node_type: n.2,
            is_start: n.3,
            disabled: n.4,
        });
        let edge = (o(), o(), o(), o(), o()).prop_map(|e| EdgeSummary {
            id: e.0,
            name: e.1,
            edge_type: e.2,
            source: e.3,
            destination: e.4,
        });
        let tool = (o(), o()).prop_map(|(name, tool_type)| ToolSummary { name, tool_type });
        let mcp = (o(), o(), any::<usize>()).prop_map(|(name, server_url, header_count)| {
            McpServerSummary {
                name,
                server_url,
                header_count,
            }
        });
        let evaluation =
            proptest::option::of((o(), proptest::option::of(any::<i64>()), any::<bool>()))
                .prop_map(|e| {
                    e.map(|e| EvaluationConfig {
                        evaluator_workflow_id: e.0,
                        evaluator_workflow_version: e.1,
                        turn_by_turn: e.2,
                    })
                });
        proptest::option::of(
            (
                o(),
                evaluation,
                proptest::collection::vec(node, 0..3),
                proptest::collection::vec(edge, 0..3),
                proptest::collection::vec(tool, 0..3),
                proptest::collection::vec(mcp, 0..2),
            )
                .prop_map(|c| ConfigSummary {
                    name: c.0,
                    evaluation: c.1,
                    nodes: c.2,
                    edges: c.3,
                    tools: c.4,
                    mcp_servers: c.5,
                }),
        )
    }

    fn run() -> impl Strategy<Value = Run> {
        let o = || proptest::option::of(text());
        let comment = (o(), o(), o()).prop_map(|c| Comment {
            content: c.0,
            created_by: c.1,
            created_at: c.2,
        });
        let eval = (any::<bool>(), o(), o()).prop_map(|e| EvalLink {
            is_evaluation_run: e.0,
            source_run_id: e.1,
            evaluation_run_id: e.2,
        });
        (
            (
                text(),
                o(),
                proptest::option::of(any::<i64>()),
                o(),
                o(),
                o(),
            ),
            (text(), status_kind(), o()),
            proptest::collection::vec(turn(), 0..3),
            usage_and_latency(),
            (proptest::option::of(any::<f64>()), o(), o(), o()),
            proptest::collection::vec(comment, 0..3),
            config(),
            (
                eval,
                proptest::option::of(proptest::collection::vec((text(), text()), 0..6)),
            ),
        )
            .prop_map(
                |(ids, status, turns, (usage, latency), more, comments, config, (eval, found))| {
                    let mut run = Run::new(FORMAT, ids.0);
                    run.workflow_id = ids.1;
                    run.version = ids.2;
                    run.version_name = ids.3;
                    run.workflow_hash = ids.4;
                    run.app_id = ids.5;
                    run.status = Status {
                        text: status.0,
                        kind: status.1,
                    };
                    run.termination_source = status.2;
                    run.turns = turns;
                    run.usage = usage;
                    run.latency = latency;
                    (run.credits, run.started_at, run.ended_at, run.error) = more;
                    run.comments = comments;
                    run.config = config;
                    run.eval = eval;
                    run.found = found.map(FoundValues::from_iter);
                    run
                },
            )
    }

    /// The bits of every float of a run (`Debug` prints every NaN alike).
    fn float_bits(run: &Run) -> Vec<u64> {
        let mut out: Vec<u64> = run.credits.iter().map(|f| f.to_bits()).collect();
        out.push(run.latency.total_ms.to_bits());
        for m in &run.latency.by_model {
            out.push(m.total_ms.to_bits());
            out.extend(m.call_ms.iter().map(|f| f.to_bits()));
        }
        for e in run.events() {
            if let Event::Llm { usage: Some(u), .. }
            | Event::AssistantResponse { usage: Some(u), .. } = e
            {
                out.extend(u.latency_ms.map(f64::to_bits));
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_run_round_trips(run in run()) {
            let again = round_trip(&run);
            prop_assert_eq!(held(&again), held(&run));
            prop_assert_eq!(float_bits(&again), float_bits(&run));
        }

        #[test]
        fn any_json_value_round_trips(v in value()) {
            let mut bytes = Vec::new();
            v.put(&mut bytes);
            let r = &mut Reader::new(&bytes);
            prop_assert_eq!(<Value as Bin>::get(r).unwrap(), v);
            prop_assert_eq!(r.pos, bytes.len());
        }

        #[test]
        fn any_bytes_decode_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode(&bytes, FORMAT);
        }

        #[test]
        fn a_damaged_run_decodes_without_panicking(run in run(), at in any::<usize>(), byte in any::<u8>()) {
            let mut bytes = Vec::new();
            encode(&run, &mut bytes);
            let at = at % bytes.len();
            bytes[at] = byte;
            let _ = decode(&bytes, run.format);
            prop_assert!(decode(&bytes[..at], run.format).is_err());
        }
    }
}
