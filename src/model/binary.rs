//! A compact binary form of a normalized [`Run`]: what the corpus index spills to a file while
//! it loads, so that reading a run back during the replay decodes it instead of parsing and
//! normalizing its JSON a second time (`crate::corpus` spill).
//!
//! The form is private to one process (written and read by the same binary, never kept): no
//! version, no compatibility. It holds every field of the run except those the index entry
//! keeps anyway and restores on read-back: the format (and so the system), the raw document,
//! its hashes, its origin and the counts read as unusable ([`Usage::unusable`]).
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
    Latency, LlmKind, LlmUsageInfo, McpServerSummary, ModelLatency, ModelUsage, NodeOutput,
    NodeSummary, Run, Status, StatusKind, ToolCall, ToolSummary, Turn, Usage, UsageSource,
    Variables,
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
        raw_sha256: _,
        raw_hash: _,
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
        let n = r.len()?;
        let bytes = r.take(n)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| r.fail("invalid UTF-8"))
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
