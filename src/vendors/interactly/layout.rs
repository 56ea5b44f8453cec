//! Answers cut from a recording's exact bytes, never re-serialized from a `Value` tree.
//!
//! The server returns recordings exactly as recorded. Two answers need part of one: the bare
//! `WorkflowRun` inside an Interactly envelope, and a run cut to the turns answered so far
//! during a partial replay. Both are byte splices of the original document: every byte kept is
//! the recording's own.
//!
//! Where the parts are ([`Layout`]: the bare run, its `input_output_pairs` elements, its
//! `status`, each turn's events) is found once per recording and cached by the server
//! (`Serve::layout` in the routes), so an answer during a replay is a copy of byte ranges, not a parse
//! of the whole recording per request.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use axum::body::Bytes;
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

/// `range` (relative to `base`) moved to the document's offsets.
fn shift(base: usize, range: &Range<usize>) -> Range<usize> {
    base + range.start..base + range.end
}

/// The byte range of the bare `WorkflowRun` inside a recording of `format`.
fn bare_run_range(doc: &[u8], format: Format) -> Option<Range<usize>> {
    match format {
        f if f == crate::vendors::interactly::RUN => Some(0..doc.len()),
        f if f == crate::vendors::interactly::ENVELOPE => {
            let outer = members(doc)?;
            let wrapper = outer.get("workflow_run")?.clone();
            let inner = members(&doc[wrapper.clone()])?;
            let run = inner.get("workflow_run")?;
            Some(wrapper.start + run.start..wrapper.start + run.end)
        }
        _ => None,
    }
}

/// How the bare run can be cut to fewer turns.
#[derive(Debug)]
enum Cut {
    /// The run has no `input_output_pairs`: every cut is the whole bare run.
    Whole,
    /// Document ranges of the `input_output_pairs` array, of its elements, and of `status`.
    Pairs {
        array: Range<usize>,
        items: Vec<Range<usize>>,
        status: Option<Range<usize>>,
    },
}

/// Where the parts of one Interactly recording (bare run or envelope) are, as byte ranges of
/// the document it was computed from.
#[derive(Debug)]
pub(crate) struct Layout {
    /// The length of that document (a cached layout is only used on a document this long).
    len: usize,
    /// The bare `WorkflowRun`.
    run: Range<usize>,
    /// `None`: the bare run is not an object, or its pairs are not an array (no cut exists).
    cut: Option<Cut>,
    /// Each pair's events as answered in the execute response (see [`pair_events`]); `None`
    /// where a pair is not an object. Checked JSON once here, not per answer.
    events: Vec<Option<Box<RawValue>>>,
}

impl Layout {
    /// The layout of `doc`, a recording of `format`; `None` when it holds no bare run.
    pub(crate) fn new(doc: &[u8], format: Format) -> Option<Layout> {
        let run = bare_run_range(doc, format)?;
        let bare = &doc[run.clone()];
        let mut layout = Layout {
            len: doc.len(),
            run: run.clone(),
            cut: None,
            events: Vec::new(),
        };
        let Some(top) = members(bare) else {
            return Some(layout);
        };
        let Some(pairs_at) = top.get("input_output_pairs").cloned() else {
            layout.cut = Some(Cut::Whole);
            return Some(layout);
        };
        let Some(items) = elements(bare, pairs_at.clone()) else {
            return Some(layout);
        };
        layout.events = items
            .iter()
            .map(|p| {
                // Slices of a document that parsed (joined with commas): valid JSON text.
                let bytes = pair_events(bare, p.clone())?;
                RawValue::from_string(String::from_utf8(bytes).ok()?).ok()
            })
            .collect();
        layout.cut = Some(Cut::Pairs {
            array: shift(run.start, &pairs_at),
            items: items.iter().map(|r| shift(run.start, r)).collect(),
            status: top.get("status").map(|s| shift(run.start, s)),
        });
        Some(layout)
    }

    /// True when this layout was computed from a document of `doc`'s length.
    pub(crate) fn fits(&self, doc: &[u8]) -> bool {
        self.len == doc.len()
    }

    /// The bare `WorkflowRun` cut to its first `turns` input/output pairs, its `status` set to
    /// `waiting_for_user_input` when pairs were cut (the run waited for the user after each of
    /// them). Everything else (ids, usage totals, config) stays as recorded. `None` when the
    /// document is not a run of that shape.
    pub(crate) fn bare_cut(&self, doc: &Bytes, turns: usize) -> Option<Bytes> {
        self.cut_within(doc, turns, self.run.clone())
    }

    /// The whole document with its bare run cut as [`Layout::bare_cut`] does.
    pub(crate) fn own_cut(&self, doc: &Bytes, turns: usize) -> Option<Bytes> {
        self.cut_within(doc, turns, 0..doc.len())
    }

    /// `doc[outer]` with the cut applied (`outer` contains the bare run); a slice of `doc`
    /// (no copy) when nothing is cut.
    fn cut_within(&self, doc: &Bytes, turns: usize, outer: Range<usize>) -> Option<Bytes> {
        let (array, items, status) = match self.cut.as_ref()? {
            Cut::Pairs {
                array,
                items,
                status,
            } if turns < items.len() => (array, items, status),
            _ => return Some(doc.slice(outer)),
        };
        let kept = match (
            items.first(),
            turns.checked_sub(1).and_then(|t| items.get(t)),
        ) {
            (Some(first), Some(last)) => &doc[first.start..last.end],
            _ => &[][..],
        };
        // Splices in document order, copied between the kept stretches.
        let array_parts: [&[u8]; 3] = [b"[", kept, b"]"];
        let status_parts: [&[u8]; 1] = [b"\"waiting_for_user_input\""];
        let mut splices: Vec<(Range<usize>, &[&[u8]])> = vec![(array.clone(), &array_parts)];
        if let Some(status) = status {
            splices.push((status.clone(), &status_parts));
        }
        splices.sort_by_key(|(r, _)| r.start);
        let mut out = Vec::with_capacity(outer.len() + 32);
        let mut at = outer.start;
        for (r, parts) in splices {
            out.extend_from_slice(&doc[at..r.start]);
            for part in parts {
                out.extend_from_slice(part);
            }
            at = r.end;
        }
        out.extend_from_slice(&doc[at..outer.end]);
        Some(out.into())
    }

    /// The raw events of turn `turn`: `run_output.events`, else the node outputs' `events`
    /// concatenated. `[]` when there are none; `None` when there is no such turn.
    pub(crate) fn turn_events(&self, turn: usize) -> Option<&RawValue> {
        self.events.get(turn)?.as_deref()
    }
}

/// The events of the pair at `pair` of the bare run `run` (see [`Layout::turn_events`]).
fn pair_events(run: &[u8], pair: Range<usize>) -> Option<Vec<u8>> {
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
        let doc = &Bytes::from_static(BARE.as_bytes());
        let layout = Layout::new(doc, crate::vendors::interactly::RUN).unwrap();
        assert_eq!(layout.bare_cut(doc, 2).unwrap(), doc);
        assert_eq!(layout.own_cut(doc, 5).unwrap(), doc);
        let one = String::from_utf8(layout.bare_cut(doc, 1).unwrap().to_vec()).unwrap();
        assert_eq!(
            one,
            r#"{"workflow_run_id": "r1",  "status":"waiting_for_user_input", "input_output_pairs": [{"run_input": {"command":"start"}, "run_output": {"events": [{"type":"a"}]}}], "tail": 1.50}"#
        );
        let none = String::from_utf8(layout.bare_cut(doc, 0).unwrap().to_vec()).unwrap();
        assert_eq!(
            none,
            r#"{"workflow_run_id": "r1",  "status":"waiting_for_user_input", "input_output_pairs": [], "tail": 1.50}"#
        );
        // Status after the pairs: splices still land in document order.
        let late = &Bytes::from_static(br#"{"input_output_pairs": [1, 2], "status": "completed"}"#);
        let layout = Layout::new(late, crate::vendors::interactly::RUN).unwrap();
        assert_eq!(
            layout.bare_cut(late, 1).unwrap(),
            &br#"{"input_output_pairs": [1], "status": "waiting_for_user_input"}"#[..]
        );
        // No pairs: the bare run whole; not an object: no cut.
        let flat = &Bytes::from_static(br#"{"status": "completed"}"#);
        let layout = Layout::new(flat, crate::vendors::interactly::RUN).unwrap();
        assert_eq!(layout.bare_cut(flat, 0).unwrap(), flat);
        let list = &Bytes::from_static(b"[1]");
        let layout = Layout::new(list, crate::vendors::interactly::RUN).unwrap();
        assert!(layout.bare_cut(list, 0).is_none());
        assert!(Layout::new(b"{}", crate::vendors::noxus::RUN).is_none());
    }

    #[test]
    fn finds_the_bare_run_in_an_envelope_and_turn_events() {
        let env = format!(
            r#"{{"workflow_run": {{"_id": "x", "workflow_run": {BARE}}}, "debug_info": null}}"#
        );
        let doc = &Bytes::from(env.clone());
        let layout = Layout::new(doc, crate::vendors::interactly::ENVELOPE).unwrap();
        assert!(layout.fits(doc) && !layout.fits(BARE.as_bytes()));
        assert_eq!(&doc[layout.run.clone()], BARE.as_bytes());
        assert_eq!(layout.bare_cut(doc, 9).unwrap(), BARE.as_bytes());
        let cut = layout.bare_cut(doc, 1).unwrap();
        let own = String::from_utf8(layout.own_cut(doc, 1).unwrap().to_vec()).unwrap();
        let want = format!(
            r#"{{"workflow_run": {{"_id": "x", "workflow_run": {}}}, "debug_info": null}}"#,
            String::from_utf8(cut.to_vec()).unwrap()
        );
        assert_eq!(own, want);
        assert_eq!(layout.turn_events(0).unwrap().get(), r#"[{"type":"a"}]"#);
        assert_eq!(
            layout.turn_events(1).unwrap().get(),
            r#"[{"type":"b"},{"type":"c"}]"#
        );
        assert!(layout.turn_events(2).is_none());
    }

    /// The cut as it was computed before layouts were cached (a parse per answer): the
    /// reference the cached layout must match byte for byte.
    mod reference {
        use super::super::*;

        /// The bare `WorkflowRun` cut to its first `turns` input/output pairs, its `status` set to
        /// `waiting_for_user_input` when pairs were cut (the run waited for the user after each of
        /// them). Everything else (ids, usage totals, config) stays as recorded. `None` when the
        /// document is not a run of that shape.
        pub(super) fn bare_run_cut(doc: &[u8], format: Format, turns: usize) -> Option<Vec<u8>> {
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

        /// The raw events of turn `turn` of a bare run or envelope, the pair found by parsing
        /// per answer; the events within it are read by the shared [`super::super::pair_events`].
        pub(super) fn turn_events(doc: &[u8], format: Format, turn: usize) -> Option<Vec<u8>> {
            let range = bare_run_range(doc, format)?;
            let run = &doc[range];
            let top = members(run)?;
            let pairs = elements(run, top.get("input_output_pairs")?.clone())?;
            super::super::pair_events(run, pairs.get(turn)?.clone())
        }
    }

    #[test]
    fn cached_layouts_answer_what_a_parse_per_answer_did_on_every_fixture() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/interactly");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let doc = Bytes::from(std::fs::read(&path).unwrap());
            let format = if doc.starts_with(br#"{"workflow_run""#) {
                crate::vendors::interactly::ENVELOPE
            } else {
                crate::vendors::interactly::RUN
            };
            let Some(layout) = Layout::new(&doc, format) else {
                continue;
            };
            for turns in 0..12 {
                let want = reference::bare_run_cut(&doc, format, turns);
                let got = layout.bare_cut(&doc, turns).map(|b| b.to_vec());
                assert_eq!(got, want, "{} cut to {turns}", path.display());
                let own = layout.own_cut(&doc, turns).unwrap();
                let range = bare_run_range(&doc, format).unwrap();
                let mut want_own = doc[..range.start].to_vec();
                want_own.extend_from_slice(&want.unwrap());
                want_own.extend_from_slice(&doc[range.end..]);
                assert_eq!(own.to_vec(), want_own, "{} own cut", path.display());
                let want_events = reference::turn_events(&doc, format, turns);
                let got_events = layout
                    .turn_events(turns)
                    .map(|e| e.get().as_bytes().to_vec());
                assert_eq!(got_events, want_events, "{} events {turns}", path.display());
                checked += 1;
            }
        }
        assert!(checked >= 100, "only {checked} cuts checked");
    }
}
