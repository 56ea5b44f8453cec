//! The hash chain of a run's inputs: what of each turn's input the recorded engine matches on
//! (first-turn caller dynamic variables, user message texts, Noxus/Cortex `input`; the
//! server's volatile variables never count), hashed turn after turn. It lives with the model
//! because the corpus index keeps each recording's chain ([`crate::corpus::Entry`]) and the
//! engine hashes a caller's input the same way (`engine::recorded::matcher`).

use std::hash::{Hash, Hasher};

use serde_json::Value;

use super::{is_volatile_variable, Turn, Variables};

/// The seed of a hash chain (before any turn).
pub(crate) const CHAIN_SEED: u64 = 0x7265_7072_6973_6521;

/// A fixed-key hasher: the same input hashes the same in every process.
pub(crate) fn hasher() -> std::collections::hash_map::DefaultHasher {
    std::collections::hash_map::DefaultHasher::new()
}

/// The recorded turn's dynamic variables that matching reads.
pub(crate) fn recorded_variables(turn: &Turn) -> impl Iterator<Item = (&str, &Value)> {
    turn.input_dynamic_variables
        .as_ref()
        .or(turn.dynamic_variables.as_ref())
        .into_iter()
        .flat_map(Variables::iter)
}

/// The variables that count, sorted by name (a `Map` may keep insertion order).
pub(crate) fn counted<'v, K: AsRef<str> + ?Sized + 'v>(
    vars: impl IntoIterator<Item = (&'v K, &'v Value)>,
) -> Vec<(&'v str, &'v Value)> {
    let mut out: Vec<(&str, &Value)> = vars
        .into_iter()
        .map(|(k, v)| (k.as_ref(), v))
        .filter(|(k, _)| !is_volatile_variable(k))
        .collect();
    out.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out
}

/// Hashes a JSON value consistently with `Value`'s equality (object keys in sorted order).
pub(crate) fn hash_value<H: Hasher>(value: &Value, h: &mut H) {
    match value {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => {
            1u8.hash(h);
            b.hash(h);
        }
        Value::Number(n) => {
            2u8.hash(h);
            if let Some(u) = n.as_u64() {
                (0u8, u).hash(h);
            } else if let Some(i) = n.as_i64() {
                (1u8, i).hash(h);
            } else {
                (2u8, n.as_f64().map(f64::to_bits)).hash(h);
            }
        }
        Value::String(s) => {
            3u8.hash(h);
            s.hash(h);
        }
        Value::Array(items) => {
            4u8.hash(h);
            items.len().hash(h);
            for item in items {
                hash_value(item, h);
            }
        }
        Value::Object(map) => {
            5u8.hash(h);
            map.len().hash(h);
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            for k in keys {
                k.hash(h);
                hash_value(&map[k.as_str()], h);
            }
        }
    }
}

/// The chain hash after a turn: the previous hash, the turn's variables (counted on the first
/// turn only), its user messages and its `input` (a null one counts as none).
pub(crate) fn chain<'v, K: AsRef<str> + ?Sized + 'v>(
    prev: u64,
    first: bool,
    vars: impl IntoIterator<Item = (&'v K, &'v Value)>,
    messages: &[String],
    input: Option<&Value>,
) -> u64 {
    let mut h = hasher();
    prev.hash(&mut h);
    if first {
        let vars = counted(vars);
        vars.len().hash(&mut h);
        for (k, v) in vars {
            k.hash(&mut h);
            hash_value(v, &mut h);
        }
    }
    messages.len().hash(&mut h);
    for m in messages {
        m.hash(&mut h);
    }
    match input.filter(|v| !v.is_null()) {
        None => 0u8.hash(&mut h),
        Some(v) => {
            1u8.hash(&mut h);
            hash_value(v, &mut h);
        }
    }
    h.finish()
}

/// The chain hash after a recorded turn (`first`: it is the run's first turn).
pub(crate) fn chain_recorded(prev: u64, turn: &Turn, first: bool) -> u64 {
    let vars = recorded_variables(turn);
    chain(prev, first, vars, &turn.user_messages, turn.input.as_ref())
}

/// The chain after each of `turns`, in order (what the index keeps of a recording's inputs).
pub(crate) fn chains(turns: &[Turn]) -> Box<[u64]> {
    let mut chain = CHAIN_SEED;
    turns
        .iter()
        .enumerate()
        .map(|(t, turn)| {
            chain = chain_recorded(chain, turn, t == 0);
            chain
        })
        .collect()
}
