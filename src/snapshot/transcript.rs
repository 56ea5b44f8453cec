//! The normalized transcript of a replayed run: what a reviewer wants to diff, nothing volatile.
//!
//! Interactly: per turn the caller's variables (when they change), the user messages, what the
//! assistant said, the tool calls with their arguments (edge choices `Destination_Node…` are not
//! tools), tool results, the nodes visited, the edges taken (by source and destination: edge
//! ids may be null) and how the turn ended. Noxus/Cortex: the input, the per-step outputs and
//! the status. Everything is redacted while it is built; keys serialize in a stable order.
//! The version is left out on purpose: replaying another version (`--version`) should show
//! what the agent does differently, not a changed header on every case.

use std::collections::HashMap;

use serde::Serialize;

use crate::model::{EdgeKind, Event, Run, System, Turn};
use crate::redact::{Redactor, Session};

/// The transcript of one replayed case, already redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transcript {
    /// interactly, noxus or cortex.
    pub system: System,
    /// The workflow that ran.
    pub workflow_id: Option<String>,
    /// The replayed run's status, as the system spells it (or how the last replayed turn ended).
    pub status: String,
    /// The run's error message, redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Interactly turns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub turns: Vec<TurnView>,
    /// Noxus/Cortex `input`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<serde_json::Value>,
    /// Noxus/Cortex `output`, keyed by step (node id or step key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outputs: Option<serde_json::Value>,
}

/// One Interactly turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TurnView {
    /// 1-based turn number.
    pub turn: usize,
    /// `run_input.command`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Caller-supplied dynamic variables, on the first turn and whenever they change.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub variables: serde_json::Map<String, serde_json::Value>,
    /// What the user said.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub user: Vec<String>,
    /// What the assistant said, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assistant: Vec<Said>,
    /// Tool calls, in order (edge choices excluded).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCallView>,
    /// Tool results, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_results: Vec<ToolResultView>,
    /// Nodes started, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<String>,
    /// Edges taken, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<EdgeView>,
    /// How the turn ended: `waiting_for_user_input`, or the run's status on its last turn.
    pub status: String,
}

/// One assistant message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Said {
    /// The node that said it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The text (compared by similarity at the `structure` detail level).
    pub text: String,
}

/// One tool call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCallView {
    /// The node whose LLM called it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The tool.
    pub name: String,
    /// Its arguments (redacted).
    pub args: serde_json::Value,
}

/// One tool result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolResultView {
    /// The node that called the tool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The tool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The result: parsed JSON when it is JSON, else text (redacted).
    pub result: serde_json::Value,
}

/// One edge taken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeView {
    /// Source node (name, else id).
    pub from: Option<String>,
    /// Destination node (name, else id).
    pub to: Option<String>,
    /// direct, conditional, …
    pub kind: EdgeKind,
}

/// A transcript could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("cannot render transcript: {0}")]
pub struct RenderError(String);

impl Transcript {
    /// The transcript of all of `run`'s turns.
    pub fn of_run(run: &Run, redactor: &Redactor) -> Transcript {
        Transcript::build(run, run.turns.len(), redactor)
    }

    /// The transcript of the first `replayed_turns` turns of `run` (a recorded engine answers
    /// with the whole recording; only the turns that were replayed belong in the transcript).
    pub fn build(run: &Run, replayed_turns: usize, redactor: &Redactor) -> Transcript {
        let mut session = redactor.session(run.workflow_id.as_deref());
        let turns = &run.turns[..replayed_turns.min(run.turns.len())];
        let complete = turns.len() == run.turns.len();
        // Learn PII values first (variables anywhere in the recording, tool arguments and
        // results, inputs), so they are hidden even where they appear before what names them.
        // The values the loader found in the document, when it scanned it (the pipeline's
        // corpus index: the document is then not read again), else a scan of the document.
        if let Some(found) = &run.found {
            for (name, text) in found.iter() {
                session.learn_found(name, text);
            }
        } else if redactor.scans_documents() {
            if let Ok(raw) = run.raw.bytes() {
                session.learn_document(&raw);
            }
        }
        // Made once: learned from here, shown in the turn views below.
        let mut callers: Vec<_> = turns.iter().map(Turn::caller_variables).collect();
        for (turn, caller) in turns.iter().zip(&callers) {
            session.learn(caller);
            if let Some(vars) = &turn.dynamic_variables {
                session.learn(vars.iter());
            }
            for v in [&turn.input, &turn.output].into_iter().flatten() {
                session.learn_value(v);
            }
            for event in &turn.events {
                if let Event::Llm {
                    tool_calls,
                    content,
                    message_type,
                    ..
                } = event
                {
                    for call in tool_calls {
                        session.learn_value(&call.args);
                    }
                    if message_type.as_deref() == Some("tool") {
                        if let Some(Ok(v)) = content
                            .as_deref()
                            .map(serde_json::from_str::<serde_json::Value>)
                        {
                            session.learn_value(&v);
                        }
                    }
                }
            }
        }
        let status = if complete {
            run.status.text.clone()
        } else {
            turns
                .last()
                .map(turn_end)
                .unwrap_or("not_started")
                .to_owned()
        };
        let error = if complete {
            run.error.as_deref().map(|e| session.text(e))
        } else {
            None
        };
        let mut out = Transcript {
            system: run.system,
            workflow_id: run.workflow_id.clone(),
            status: status.clone(),
            error,
            turns: Vec::new(),
            input: None,
            outputs: None,
        };
        // A conversation has a view per turn; a single-shot run has its input and outputs.
        if run.system.profile().runs().conversational {
            let names = node_names(run);
            let mut previous_vars = None;
            for (i, (turn, caller)) in turns.iter().zip(callers.drain(..)).enumerate() {
                let last = i + 1 == turns.len();
                let status = if last {
                    status.clone()
                } else {
                    turn_end(turn).to_owned()
                };
                let view = turn_view(
                    &mut session,
                    &names,
                    (i, turn, caller),
                    status,
                    &mut previous_vars,
                );
                out.turns.push(view);
            }
        } else {
            let turn = turns.first();
            out.input = turn
                .and_then(|t| t.input.as_ref())
                .map(|v| session.value(v));
            out.outputs = turn
                .and_then(|t| t.output.as_ref())
                .map(|v| session.value(v));
        }
        out
    }

    /// The YAML body of the snapshot, with the user's pointer rules applied.
    pub fn render(&self, redactor: &Redactor) -> Result<String, RenderError> {
        // Without pointer rules the tree would be rendered unchanged: serialize directly
        // (same bytes, without building and dropping a serde_yaml_ng::Value per case).
        if !redactor.has_pointer_rules_for(self.workflow_id.as_deref()) {
            if let Some(text) = super::yaml::to_string(self) {
                return Ok(text);
            }
            return serde_yaml_ng::to_string(self).map_err(|e| RenderError(e.to_string()));
        }
        let mut doc = serde_yaml_ng::to_value(self).map_err(|e| RenderError(e.to_string()))?;
        redactor
            .session(self.workflow_id.as_deref())
            .apply_pointer_rules_yaml(&mut doc);
        serde_yaml_ng::to_string(&doc).map_err(|e| RenderError(e.to_string()))
    }
}

/// How a turn that is not the run's last ended.
fn turn_end(turn: &Turn) -> &'static str {
    let mut end = "unfinished";
    for event in &turn.events {
        match event {
            Event::ReadyForInput => end = "waiting_for_user_input",
            Event::WorkflowEnd => end = "ended",
            Event::WorkflowError { .. } => end = "error",
            _ => {}
        }
    }
    end
}

/// The view of turn `index` (`caller`: its [`Turn::caller_variables`]).
fn turn_view(
    session: &mut Session<'_>,
    names: &HashMap<&str, &str>,
    (index, turn, caller): (usize, &Turn, serde_json::Map<String, serde_json::Value>),
    status: String,
    previous_vars: &mut Option<serde_json::Map<String, serde_json::Value>>,
) -> TurnView {
    let variables = if previous_vars.as_ref() != Some(&caller) {
        let redacted = session.variables(&caller);
        *previous_vars = Some(caller);
        redacted
    } else {
        serde_json::Map::new()
    };
    let mut view = TurnView {
        turn: index + 1,
        command: turn.command.clone(),
        variables,
        user: turn.user_messages.iter().map(|m| session.text(m)).collect(),
        assistant: Vec::new(),
        tool_calls: Vec::new(),
        tool_results: Vec::new(),
        nodes: Vec::new(),
        edges: Vec::new(),
        status,
    };
    let mut seen_calls: Vec<&str> = Vec::new();
    for event in &turn.events {
        match event {
            Event::AssistantResponse { node, content, .. } => view.assistant.push(Said {
                node: node_name(session, names, node.as_deref()),
                text: session.text(content),
            }),
            Event::Llm {
                node,
                message_type,
                content,
                tool_calls,
                tool_name,
                ..
            } => {
                for call in tool_calls.iter().filter(|c| !c.is_edge_choice()) {
                    // Streamed chunks may repeat a call: one entry per call id.
                    if let Some(id) = call.id.as_deref() {
                        if seen_calls.contains(&id) {
                            continue;
                        }
                        seen_calls.push(id);
                    }
                    view.tool_calls.push(ToolCallView {
                        node: node_name(session, names, node.as_deref()),
                        name: session.text(&call.name),
                        args: session.value(&call.args),
                    });
                }
                if message_type.as_deref() == Some("tool") {
                    let result = match content.as_deref() {
                        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
                            Ok(v) if v.is_object() || v.is_array() => session.value(&v),
                            _ => serde_json::Value::String(session.text(text)),
                        },
                        None => serde_json::Value::Null,
                    };
                    view.tool_results.push(ToolResultView {
                        node: node_name(session, names, node.as_deref()),
                        name: tool_name.as_deref().map(|n| session.text(n)),
                        result,
                    });
                }
            }
            Event::NodeStart {
                node,
                node_name: name,
            } => {
                if let Some(n) = name.as_deref().or(node.as_deref()) {
                    view.nodes.push(session.text(n));
                }
            }
            Event::Edge {
                kind,
                source,
                source_name,
                destination,
                destination_name,
                ..
            } => view.edges.push(EdgeView {
                from: source_name
                    .as_deref()
                    .or(source.as_deref())
                    .map(|s| session.text(s)),
                to: destination_name
                    .as_deref()
                    .or(destination.as_deref())
                    .map(|s| session.text(s)),
                kind: *kind,
            }),
            _ => {}
        }
    }
    view
}

/// Node id → name, from the config and from every `start_node_run` of the run.
fn node_names(run: &Run) -> HashMap<&str, &str> {
    let mut names = HashMap::new();
    if let Some(config) = &run.config {
        for node in &config.nodes {
            if let (Some(id), Some(name)) = (node.id.as_deref(), node.name.as_deref()) {
                names.insert(id, name);
            }
        }
    }
    for event in run.events() {
        if let Event::NodeStart {
            node: Some(id),
            node_name: Some(name),
        } = event
        {
            names.entry(&**id).or_insert(&**name);
        }
    }
    names
}

/// A node's name when known, else its id.
fn node_name(
    session: &mut Session<'_>,
    names: &HashMap<&str, &str>,
    node: Option<&str>,
) -> Option<String> {
    let id = node?;
    Some(session.text(names.get(id).copied().unwrap_or(id)))
}

#[cfg(test)]
mod tests {
    /// The transcripts of the recorded fixtures (data this writer was not written from).
    #[test]
    fn fixture_transcripts_are_written_as_serde_yaml_ng_writes_them() {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let corpus = crate::corpus::Corpus::load(&[root], &crate::corpus::LoadOptions::default());
        let redactor = crate::redact::Redactor::default();
        let (mut direct, mut all) = (0, 0);
        for case in corpus.cases() {
            let t = crate::snapshot::Transcript::of_run(case, &redactor);
            all += 1;
            if let Some(text) = super::super::yaml::to_string(&t) {
                assert_eq!(
                    text,
                    serde_yaml_ng::to_string(&t).unwrap(),
                    "{}",
                    case.run_id
                );
                direct += 1;
            }
        }
        assert!(direct * 2 > all, "{direct} of {all} written directly");
    }
}
