//! Answers cut from a recording's exact bytes, never re-serialized from a `Value` tree.
//!
//! The server returns recordings exactly as recorded. Two answers need part of one: the bare
//! `WorkflowRun` inside an Interactly envelope, and a run cut to the turns answered so far
//! during a partial replay. Both are byte splices of the original document: every byte kept is
//! the recording's own.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use serde_json::value::RawValue;

use crate::model::Format;

/// The top-level members of a JSON object, as byte ranges of `doc`.
fn members(doc: &[u8]) -> Option<HashMap<Cow<'_, str>, Range<usize>>> {
    let text = std::str::from_utf8(doc).ok()?;
    let map: HashMap<Cow<'_, str>, &RawValue> = serde_json::from_str(text).ok()?;
    let base = text.as_ptr() as usize;
    Some(
        map.into_iter()
            .map(|(k, v)| {
                let start = v.get().as_ptr() as usize - base;
                (k, start..start + v.get().len())
            })
            .collect(),
    )
}

/// The element ranges of the JSON array at `range` of `doc`.
fn elements(doc: &[u8], range: Range<usize>) -> Option<Vec<Range<usize>>> {
    let text = std::str::from_utf8(&doc[range.clone()]).ok()?;
    let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
    let base = text.as_ptr() as usize;
    Some(
        items
            .into_iter()
            .map(|v| {
                let start = range.start + v.get().as_ptr() as usize - base;
                start..start + v.get().len()
            })
            .collect(),
    )
}

/// The byte range of the bare `WorkflowRun` inside a recording of `format`.
pub(crate) fn bare_run_range(doc: &[u8], format: Format) -> Option<Range<usize>> {
    match format {
        Format::InteractlyRun => Some(0..doc.len()),
        Format::InteractlyEnvelope => {
            let outer = members(doc)?;
            let wrapper = outer.get("workflow_run")?.clone();
            let inner = members(&doc[wrapper.clone()])?;
            let run = inner.get("workflow_run")?;
            Some(wrapper.start + run.start..wrapper.start + run.end)
        }
        _ => None,
    }
}

/// The bare `WorkflowRun` cut to its first `turns` input/output pairs, its `status` set to
/// `waiting_for_user_input` when pairs were cut (the run waited for the user after each of
/// them). Everything else (ids, usage totals, config) stays as recorded. `None` when the
/// document is not a run of that shape.
pub(crate) fn bare_run_cut(doc: &[u8], format: Format, turns: usize) -> Option<Vec<u8>> {
    let range = bare_run_range(doc, format)?;
    let run = &doc[range];
    let top = members(run)?;
    let Some(pairs_at) = top.get("input_output_pairs").cloned() else {
        return Some(run.to_vec());
    };
    let pairs = elements(run, pairs_at.clone())?;
    if turns >= pairs.len() {
        return Some(run.to_vec());
    }
    // Splices, applied from the end so earlier offsets stay valid.
    let mut splices: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    let kept = match (
        pairs.first(),
        turns.checked_sub(1).and_then(|t| pairs.get(t)),
    ) {
        (Some(first), Some(last)) => run[first.start..last.end].to_vec(),
        _ => Vec::new(),
    };
    let mut array = Vec::with_capacity(kept.len() + 2);
    array.push(b'[');
    array.extend_from_slice(&kept);
    array.push(b']');
    splices.push((pairs_at, array));
    if let Some(status) = top.get("status") {
        splices.push((status.clone(), b"\"waiting_for_user_input\"".to_vec()));
    }
    splices.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = run.to_vec();
    for (r, bytes) in splices {
        out.splice(r, bytes);
    }
    Some(out)
}

/// The raw events of turn `turn` of a bare run or envelope: `run_output.events`, else the
/// node outputs' `events` concatenated. `[]` when there are none.
pub(crate) fn turn_events(doc: &[u8], format: Format, turn: usize) -> Option<Vec<u8>> {
    let range = bare_run_range(doc, format)?;
    let run = &doc[range];
    let top = members(run)?;
    let pairs = elements(run, top.get("input_output_pairs")?.clone())?;
    let pair = pairs.get(turn)?.clone();
    let pair_members = members(&run[pair.clone()])?;
    let Some(output) = pair_members.get("run_output") else {
        return Some(b"[]".to_vec());
    };
    let output = pair.start + output.start..pair.start + output.end;
    let out_members = members(&run[output.clone()]).unwrap_or_default();
    if let Some(events) = out_members.get("events") {
        let bytes = &run[output.start + events.start..output.start + events.end];
        if bytes != b"null" {
            return Some(bytes.to_vec());
        }
    }
    // Events only inside node outputs: join their arrays' elements.
    let mut joined: Vec<&[u8]> = Vec::new();
    if let Some(threads) = out_members.get("thread_to_node_outputs") {
        let threads_at = output.start + threads.start..output.start + threads.end;
        let thread_map: HashMap<Cow<'_, str>, &RawValue> =
            serde_json::from_slice(&run[threads_at]).unwrap_or_default();
        let mut names: Vec<_> = thread_map.keys().cloned().collect();
        names.sort();
        for name in names {
            let Ok(nodes) = serde_json::from_str::<Option<Vec<&RawValue>>>(thread_map[&name].get())
            else {
                continue;
            };
            for node in nodes.unwrap_or_default() {
                #[derive(serde::Deserialize)]
                struct NodeEvents<'a> {
                    #[serde(borrow)]
                    events: Option<Vec<&'a RawValue>>,
                }
                if let Ok(n) = serde_json::from_str::<NodeEvents<'_>>(node.get()) {
                    for e in n.events.unwrap_or_default() {
                        joined.push(e.get().as_bytes());
                    }
                }
            }
        }
    }
    let mut out = vec![b'['];
    for (i, e) in joined.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(e);
    }
    out.push(b']');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BARE: &str = r#"{"workflow_run_id": "r1",  "status":"completed", "input_output_pairs": [ {"run_input": {"command":"start"}, "run_output": {"events": [{"type":"a"}]}},
        {"run_input": {"command":"data"}, "run_output": {"thread_to_node_outputs": {"0": [{"events": [{"type":"b"}]}, {"events": [{"type":"c"}]}]}}} ], "tail": 1.50}"#;

    #[test]
    fn cuts_keep_the_recorded_bytes() {
        let doc = BARE.as_bytes();
        let whole = bare_run_cut(doc, Format::InteractlyRun, 2).unwrap();
        assert_eq!(whole, doc);
        let one = String::from_utf8(bare_run_cut(doc, Format::InteractlyRun, 1).unwrap()).unwrap();
        assert_eq!(
            one,
            r#"{"workflow_run_id": "r1",  "status":"waiting_for_user_input", "input_output_pairs": [{"run_input": {"command":"start"}, "run_output": {"events": [{"type":"a"}]}}], "tail": 1.50}"#
        );
    }

    #[test]
    fn finds_the_bare_run_in_an_envelope_and_turn_events() {
        let env = format!(
            r#"{{"workflow_run": {{"_id": "x", "workflow_run": {BARE}}}, "debug_info": null}}"#
        );
        let r = bare_run_range(env.as_bytes(), Format::InteractlyEnvelope).unwrap();
        assert_eq!(&env.as_bytes()[r], BARE.as_bytes());
        let e0 = turn_events(env.as_bytes(), Format::InteractlyEnvelope, 0).unwrap();
        assert_eq!(e0, br#"[{"type":"a"}]"#);
        let e1 = turn_events(env.as_bytes(), Format::InteractlyEnvelope, 1).unwrap();
        assert_eq!(e1, br#"[{"type":"b"},{"type":"c"}]"#);
        assert!(turn_events(env.as_bytes(), Format::InteractlyEnvelope, 2).is_none());
    }
}
