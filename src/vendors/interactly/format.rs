//! Interactly: the GET envelope, the bare `WorkflowRun`, and the current execute response.

use crate::formats::doc::{Doc, MessageDoc, PairDoc, StatsDoc, Text};
use crate::formats::lenient::error_text;
use crate::formats::NormalizeError;
use crate::model::{
    exact, usage, Comment, ConfigSummary, EdgeSummary, EvalLink, EvaluationConfig, Event, Format,
    Latency, McpServerSummary, ModelLatency, ModelUsage, NodeOutput, NodeSummary, Run, Status,
    ToolSummary, Turn, Usage, UsageSource,
};

/// The Interactly format of a parsed document, if it is one: the envelope by its wrapper, a
/// run by its fields (a `WorkflowRunInput` also has `workflow_run_id`, with fields no run has),
/// the execute response by `run_id` and its flags.
pub(super) fn detect(doc: &Doc<'_>) -> Option<Format> {
    if let Some(wrapper) = &doc.workflow_run {
        if wrapper.workflow_run.is_some()
            || wrapper._id.is_some()
            || wrapper.team_id.is_some()
            || doc.debug_info.is_some()
        {
            return Some(super::ENVELOPE);
        }
    }
    // A WorkflowRunInput also has `workflow_run_id`, with fields no run has; a run with its id
    // and nothing else (a `WorkflowRun` dumped with `exclude_unset`) is a run.
    let input_only = doc.command.is_some()
        || doc.thread_to_node_inputs.is_some()
        || doc.dynamic_variables.is_some()
        || doc.runtime_variables.is_some();
    if doc.input_output_pairs.is_some()
        || (doc.workflow_run_id.is_some() && !input_only)
        || doc.workflow_config_fully_hydrated.is_some()
        || doc.llm_token_usage.is_some()
        || doc.is_evaluation_run.is_some()
    {
        return Some(super::RUN);
    }
    if doc.run_id.is_some()
        && (doc.turn_number.is_some()
            || doc.events.is_some()
            || doc.is_waiting_for_input.is_some()
            || doc.is_completed.is_some()
            || doc.next_input_hint.is_some())
    {
        return Some(super::EXECUTE);
    }
    None
}

/// The document as a run of `format`.
pub(super) fn normalize(doc: Doc<'_>, format: Format) -> Result<Run, NormalizeError> {
    if format == super::ENVELOPE {
        envelope(doc)
    } else if format == super::EXECUTE {
        execute(doc)
    } else {
        bare(doc)
    }
}

/// Normalizes an envelope: the run is `workflow_run.workflow_run`, the fallback id `workflow_run._id`.
fn envelope(doc: Doc<'_>) -> Result<Run, NormalizeError> {
    let Some(wrapper) = doc.workflow_run else {
        return Err(NormalizeError::new(
            "/workflow_run",
            "missing the envelope's `workflow_run`",
        ));
    };
    let wrapper = *wrapper;
    let fallback_id = wrapper._id.clone();
    let Some(inner) = wrapper.workflow_run else {
        return Err(NormalizeError::new(
            "/workflow_run/workflow_run",
            "missing the run inside the envelope",
        ));
    };
    run(*inner, fallback_id, super::ENVELOPE).map_err(|e| e.under("/workflow_run/workflow_run"))
}

/// Normalizes a bare `WorkflowRun`.
fn bare(doc: Doc<'_>) -> Result<Run, NormalizeError> {
    run(doc, None, super::RUN)
}

fn run(doc: Doc<'_>, fallback_id: Option<String>, format: Format) -> Result<Run, NormalizeError> {
    // DESIGN.md: `workflow_run_id`, else the envelope `_id`; never `logical_id`.
    let run_id = doc.workflow_run_id.clone().or(fallback_id).ok_or_else(|| {
        NormalizeError::new(
            "/workflow_run_id",
            "the run has no `workflow_run_id` (nor envelope `_id`)",
        )
    })?;
    let pairs = doc.input_output_pairs.unwrap_or_default();
    // Collected in the pairs' block when the sizes allow, with the room of its growth.
    let turns: Vec<Turn> = exact(pairs.into_iter().map(turn).collect());
    let error = turns.iter().flat_map(|t| &t.events).find_map(|e| match e {
        Event::WorkflowError { message } => {
            Some(message.as_deref().unwrap_or("workflow_error").to_owned())
        }
        _ => None,
    });
    let (usage, latency) = counts(doc.llm_token_usage, doc.llm_latency_stats, &turns);
    Ok(Run {
        workflow_id: doc.workflow_id,
        version: doc.version_number,
        version_name: doc.version_name,
        status: Status::parse(
            super::SYSTEM,
            doc.status.as_deref().unwrap_or("not_started"),
        ),
        termination_source: doc.termination_source,
        turns,
        usage,
        latency,
        started_at: doc.created_at,
        ended_at: doc.updated_at,
        comments: doc
            .comments
            .unwrap_or_default()
            .into_iter()
            .map(|c| Comment {
                content: c.content,
                created_by: c.created_by,
                created_at: c.created_at,
            })
            .collect(),
        error,
        config: doc.workflow_config_fully_hydrated.map(config),
        eval: EvalLink {
            is_evaluation_run: doc.is_evaluation_run.unwrap_or(false),
            source_run_id: doc.source_workflow_run_id,
            evaluation_run_id: doc
                .evaluation_run_info
                .and_then(|i| i.evaluation_workflow_run_id),
        },
        ..Run::new(format, run_id)
    })
}

/// Normalizes the current execute response `{run_id, turn_number, events, …}`: one turn, the
/// status told by its flags, no usage totals (they come from the events).
fn execute(doc: Doc<'_>) -> Result<Run, NormalizeError> {
    let run_id = doc
        .run_id
        .ok_or_else(|| NormalizeError::new("/run_id", "missing `run_id`"))?;
    let error = error_text(doc.error);
    let status = if error.is_some() {
        "failed"
    } else if doc.is_completed == Some(true) {
        "completed"
    } else if doc.is_waiting_for_input == Some(true) {
        "waiting_for_user_input"
    } else {
        "running"
    };
    let events = doc.events.unwrap_or_default().into_unique();
    let turns = vec![Turn {
        events,
        ..Turn::default()
    }];
    let (usage, latency) = counts(None, None, &turns);
    // The answer names no workflow; the iteration's own copy of its input does.
    let (iteration_workflow, iteration_version) = turns[0]
        .events
        .iter()
        .find_map(|e| match e {
            Event::IterationEnd {
                workflow_id,
                version,
                ..
            } if workflow_id.is_some() => {
                Some((workflow_id.as_deref().map(str::to_owned), *version))
            }
            _ => None,
        })
        .unwrap_or((None, None));
    Ok(Run {
        workflow_id: doc.workflow_id.or(iteration_workflow),
        version: doc.version_number.or(iteration_version),
        status: Status::parse(super::SYSTEM, status),
        turns,
        usage,
        latency,
        error,
        ..Run::new(super::EXECUTE, run_id)
    })
}

fn turn(pair: PairDoc<'_>) -> Turn {
    let mut out = Turn {
        evaluation: pair.evaluation.filter(|v| !v.is_null()),
        ..Turn::default()
    };
    if let Some(input) = pair.run_input {
        out.command = input.command;
        out.dynamic_variables = input.dynamic_variables;
        if let Some(rt) = input.runtime_variables {
            out.input_dynamic_variables = rt.input_dynamic_variables;
            out.runtime_variables = Some(rt.rest.into_iter().collect());
        }
        // Usually the enriched variables less the volatile ones are exactly what the caller
        // sent: keep one copy (a small map costs more than its JSON).
        if out.dynamic_variables.is_some() && out.dynamic_variables == out.input_dynamic_variables {
            out.dynamic_variables = None;
        }
        for thread in input
            .thread_to_node_inputs
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(_, thread)| thread)
        {
            for node_input in thread.node_run_inputs.unwrap_or_default() {
                for message in node_input.messages.unwrap_or_default() {
                    if is_user_message(&message) {
                        out.user_messages
                            .push(message.content.map(Text::owned).unwrap_or_default());
                    }
                }
            }
        }
    }
    if let Some(output) = pair.run_output {
        // Events may sit in `run_output.events` or in the node outputs' `events`: read both,
        // once each (the same event may be in both places).
        let mut list = output.events.unwrap_or_default();
        for (thread, outputs) in output.thread_to_node_outputs.unwrap_or_default() {
            for node_output in outputs.unwrap_or_default() {
                if let Some(more) = node_output.events {
                    list.append(more);
                }
                out.node_outputs.push(NodeOutput {
                    thread: thread.to_string(),
                    node_type: node_output.kind,
                    node: node_output.node_logical_id,
                    structured_output: node_output.structured_output.filter(|v| !v.is_null()),
                    free_form_output: node_output.free_form_output.map(Text::owned),
                });
            }
        }
        out.events = list.into_unique();
        out.node_outputs = exact(std::mem::take(&mut out.node_outputs));
    }
    out.user_messages = exact(std::mem::take(&mut out.user_messages));
    out
}

fn is_user_message(message: &MessageDoc<'_>) -> bool {
    matches!(
        message.kind.as_deref(),
        None | Some("human" | "user" | "HumanMessage")
    )
}

/// Tokens and latency: the run's own stats first, the events for each figure those leave null
/// or missing (DESIGN.md "Counting").
///
/// Each of `llm_token_usage`'s totals (`total_input_tokens`, `total_output_tokens`,
/// `total_tokens`, `call_count`) is used as recorded when present and counted from the events
/// when not; a missing `total_tokens` is input plus output (each as recorded or counted) when
/// either of those is recorded, else the events' total. With none of the four recorded the
/// run's usage is the events' alone.
fn counts(tokens: Option<StatsDoc>, latency: Option<StatsDoc>, turns: &[Turn]) -> (Usage, Latency) {
    let events = || turns.iter().flat_map(|t| t.events.iter());
    let usage = match tokens {
        Some(t)
            if t.total_tokens.is_some()
                || t.total_input_tokens.is_some()
                || t.total_output_tokens.is_some()
                || t.call_count.is_some() =>
        {
            // Counted from the events only for what the totals leave out.
            let complete = t.total_tokens.is_some()
                && t.total_input_tokens.is_some()
                && t.total_output_tokens.is_some()
                && t.call_count.is_some()
                && t.breakdown_by_models.is_some();
            let from_events = if complete {
                Usage::default()
            } else {
                usage::usage_from_events(events())
            };
            let input = t.total_input_tokens.unwrap_or(from_events.input_tokens);
            let output = t.total_output_tokens.unwrap_or(from_events.output_tokens);
            let total = match (t.total_tokens, t.total_input_tokens, t.total_output_tokens) {
                (Some(total), _, _) => total,
                (None, None, None) => from_events.total_tokens,
                // Input or output recorded: the total is theirs, never below either.
                (None, _, _) => input.saturating_add(output),
            };
            let by_model = match t.breakdown_by_models {
                Some(models) => {
                    let mut v: Vec<ModelUsage> = models
                        .into_iter()
                        .map(|m| {
                            let (i, o) = (
                                m.total_input_tokens.unwrap_or(0),
                                m.total_output_tokens.unwrap_or(0),
                            );
                            ModelUsage {
                                provider: m.provider,
                                model: m.response_model,
                                calls: m.call_count.unwrap_or(0),
                                input_tokens: i,
                                output_tokens: o,
                                total_tokens: m.total_tokens.unwrap_or(i.saturating_add(o)),
                            }
                        })
                        .collect();
                    v.sort_by(|a, b| (&a.provider, &a.model).cmp(&(&b.provider, &b.model)));
                    v
                }
                None => from_events.by_model,
            };
            Usage {
                source: UsageSource::RunTotals,
                calls: t.call_count.unwrap_or(from_events.calls),
                input_tokens: input,
                output_tokens: output,
                total_tokens: total,
                by_model,
                unusable: Vec::new(),
                unusable_more: 0,
            }
        }
        _ => usage::usage_from_events(events()),
    };
    let event_latency = usage::latency_from_events(events());
    let latency = match latency {
        Some(l) if l.total_latency_milliseconds.is_some() || l.call_count.is_some() => {
            let by_model = match l.breakdown_by_models {
                Some(models) => models
                    .into_iter()
                    .map(|m| {
                        // Per-call figures exist only in the events: attach those of this model.
                        let call_ms = event_latency
                            .by_model
                            .iter()
                            .find(|e| e.provider == m.provider && e.model == m.response_model)
                            .map(|e| e.call_ms.clone())
                            .unwrap_or_default();
                        ModelLatency {
                            provider: m.provider,
                            model: m.response_model,
                            calls: m.call_count.unwrap_or(call_ms.len() as u64),
                            total_ms: m.total_latency_milliseconds.unwrap_or(0.0),
                            call_ms,
                        }
                    })
                    .collect(),
                None => event_latency.by_model.clone(),
            };
            Latency {
                calls: l.call_count.unwrap_or(event_latency.calls),
                total_ms: l
                    .total_latency_milliseconds
                    .unwrap_or(event_latency.total_ms),
                by_model,
            }
        }
        _ => event_latency,
    };
    (usage, latency)
}

fn config(doc: crate::formats::doc::HydratedDoc<'_>) -> ConfigSummary {
    let mut summary = ConfigSummary::default();
    let mut tools = Vec::new();
    if let Some(wc) = doc.workflow_config {
        summary.name = wc.name;
        summary.evaluation = wc.evaluation_config.map(|e| EvaluationConfig {
            evaluator_workflow_id: e.evaluator_workflow_id,
            evaluator_workflow_version: e.evaluator_workflow_version_number,
            turn_by_turn: e.enable_turn_by_turn_evaluation.unwrap_or(false),
        });
        tools.extend(wc.tools_config.and_then(|t| t.tools).unwrap_or_default());
        summary.mcp_servers = wc
            .mcp_servers
            .unwrap_or_default()
            .into_iter()
            .map(|m| McpServerSummary {
                name: m.name,
                server_url: m.server_url,
                header_count: m.api_headers.map_or(0, |h| h.len()),
            })
            .collect();
    }
    for node in doc.node_configs.unwrap_or_default() {
        tools.extend(node.tools_config.and_then(|t| t.tools).unwrap_or_default());
        summary.nodes.push(NodeSummary {
            id: node.logical_id,
            name: node.name,
            node_type: node.kind,
            is_start: node.is_start.unwrap_or(false),
            disabled: node.disabled.unwrap_or(false),
        });
    }
    summary.edges = doc
        .edge_configs
        .unwrap_or_default()
        .into_iter()
        .map(|e| EdgeSummary {
            id: e.logical_id,
            name: e.name,
            edge_type: e.kind,
            source: e.source_node_logical_id,
            destination: e.destination_node_logical_id,
        })
        .collect();
    summary.tools = tools
        .into_iter()
        .map(|t| ToolSummary {
            name: t.name,
            tool_type: t.kind,
        })
        .collect();
    // Collected in place or pushed: each list may hold the room of its growth.
    summary.nodes = exact(summary.nodes);
    summary.edges = exact(summary.edges);
    summary.tools = exact(summary.tools);
    summary
}

/// Its formats.
pub(super) fn formats() -> &'static [Format] {
    const FORMATS: [Format; 3] = [super::ENVELOPE, super::RUN, super::EXECUTE];
    &FORMATS
}

/// Interactly's fields (an envelope's wrapper, `workflow_run_id`, …) are its own: they win over
/// the `id` the other vendors look at.
pub(super) const SPECIFICITY: u8 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    /// One in-test document read with the Interactly adapter alone: the folder names neither
    /// its siblings nor the registry (which names it).
    fn read_alone(text: &str) -> Run {
        let only: &'static dyn crate::formats::Adapter = &super::super::INTERACTLY;
        let mut out = crate::formats::read_bytes(
            std::path::Path::new("t.json"),
            std::sync::Arc::from(text.as_bytes()),
            &crate::formats::Adapters::new(vec![only]),
            None,
            true,
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        out.runs.remove(0)
    }

    fn kinds(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                Event::NodeStart { node, .. } => format!("start {}", node.as_deref().unwrap_or("")),
                other => other.kind().to_owned(),
            })
            .collect()
    }

    #[test]
    fn an_event_in_both_places_is_kept_once_in_first_place() {
        let pair: PairDoc = serde_json::from_str(
            r#"{"run_output": {
                "events": [
                    {"type": "start_node_run", "logical_id": "e1", "origin_node_logical_id": "a"},
                    {"type": "start_node_run", "logical_id": "e2", "origin_node_logical_id": "b"},
                    {"type": "start_node_run", "logical_id": "e1", "origin_node_logical_id": "again"},
                    "<unknown>",
                    {"type": "end_workflow"}
                ],
                "thread_to_node_outputs": {"0": [
                    {"type": "llm", "events": [
                        {"type": "start_node_run", "logical_id": "e2", "origin_node_logical_id": "dup"},
                        {"type": "start_node_run", "logical_id": "e3", "origin_node_logical_id": "c"},
                        "<unknown>",
                        {"type": "end_workflow"}
                    ]},
                    {"type": "llm", "events": [
                        {"type": "start_node_run", "logical_id": "e3", "origin_node_logical_id": "dup"},
                        {"type": "start_node_run", "logical_id": "e1", "origin_node_logical_id": "dup"}
                    ]}
                ]}
            }}"#,
        )
        .expect("pair");
        let turn = turn(pair);
        // Entries without a logical id are never taken for duplicates.
        assert_eq!(
            kinds(&turn.events),
            [
                "start a",
                "start b",
                "",
                "end_workflow",
                "start c",
                "",
                "end_workflow"
            ]
        );
        assert_eq!(turn.node_outputs.len(), 2);
    }

    #[test]
    fn threads_are_read_in_key_order_and_a_repeated_thread_keeps_its_last_value() {
        let pair: PairDoc = serde_json::from_str(
            r#"{"run_output": {"thread_to_node_outputs": {
                "1": [{"type": "llm", "node_logical_id": "b"}],
                "0": [{"type": "llm", "node_logical_id": "overwritten"}],
                "10": null,
                "0": [{"type": "llm", "node_logical_id": "a1"}, {"type": "llm", "node_logical_id": "a2"}]
            }}}"#,
        )
        .expect("pair");
        let outputs: Vec<(String, Option<String>)> = turn(pair)
            .node_outputs
            .into_iter()
            .map(|o| (o.thread, o.node))
            .collect();
        let expected =
            [("0", "a1"), ("0", "a2"), ("1", "b")].map(|(t, n)| (t.to_owned(), Some(n.to_owned())));
        assert_eq!(outputs, expected);
    }

    /// Each figure of `llm_token_usage` and `llm_latency_stats` is used as recorded, and
    /// counted from the events when null, missing or unknown.
    #[test]
    fn partial_run_totals_are_filled_per_figure_from_the_events() {
        let run = |usage: &str, latency: &str| {
            let text = format!(
                r#"{{"workflow_run_id": "r", "llm_token_usage": {usage}, "llm_latency_stats": {latency},
                "input_output_pairs": [{{"run_output": {{"events": [
                    {{"type": "say_llm", "llm_usage_info": {{"llm_response_id": "a", "prompt_tokens": 10,
                      "completion_tokens": 2, "response_latency_milliseconds": 300}}}},
                    {{"type": "worker_llm", "llm_usage_info": {{"prompt_tokens": 5, "completion_tokens": 1,
                      "total_tokens": 9, "response_latency_milliseconds": 100}}}}]}}}}]}}"#
            );
            read_alone(&text)
        };
        let figures = |n: &Run| {
            let u = &n.usage;
            (u.calls, u.input_tokens, u.output_tokens, u.total_tokens)
        };
        // The events: two calls (one without an id), 15 in, 3 out, 12 + 9 = 21 in all.
        let n = run("null", "null");
        assert_eq!(figures(&n), (2, 15, 3, 21));
        assert_eq!(n.usage.source, UsageSource::Events);
        let n = run(
            r#"{"call_count": 7}"#,
            r#"{"call_count": null, "total_latency_milliseconds": 50}"#,
        );
        assert_eq!(figures(&n), (7, 15, 3, 21));
        assert_eq!(n.usage.source, UsageSource::RunTotals);
        assert_eq!((n.latency.calls, n.latency.total_ms), (2, 50.0));
        let n = run(
            r#"{"total_input_tokens": 100, "total_output_tokens": null, "total_tokens": null}"#,
            r#"{"call_count": 4}"#,
        );
        assert_eq!(figures(&n), (2, 100, 3, 103));
        assert_eq!((n.latency.calls, n.latency.total_ms), (4, 400.0));
        // An unknown (negative) figure is as if null, and is noted for the warning.
        let n = run(r#"{"total_tokens": -1, "total_input_tokens": 1}"#, "{}");
        assert_eq!(figures(&n), (2, 1, 3, 4));
        assert_eq!(n.usage.unusable[0].field, "llm_token_usage.total_tokens");
    }

    #[test]
    fn events_without_duplicates_keep_their_order() {
        let pair: PairDoc = serde_json::from_str(
            r#"{"run_output": {"events": [
                {"type": "start_node_run", "logical_id": "z", "origin_node_logical_id": "1"},
                {"type": "start_node_run", "logical_id": "a", "origin_node_logical_id": "2"},
                {"type": "start_node_run", "logical_id": "m", "origin_node_logical_id": "3"}
            ]}}"#,
        )
        .expect("pair");
        assert_eq!(kinds(&turn(pair).events), ["start 1", "start 2", "start 3"]);
    }
}
