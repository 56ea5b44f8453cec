//! Interactly routes (bearer token): execute in both request/response generations, get run
//! (seed envelope and `/v1`), comments, evaluation result.
//!
//! - `POST /workflows/v1/workflows/{workflow_id}/execute?version=N`: a `WorkflowRunInput` body
//!   (`command` start/data/resume/pause/stop; `workflow_run_id` names the run after the start)
//!   answers a bare `WorkflowRun`; a `{run_input, run_id}` body (no `run_id` on the first turn)
//!   answers `{run_id, turn_number, events, is_waiting_for_input, is_completed, error,
//!   next_input_hint}`. `?version` applies to the start only; without it any recorded version
//!   may answer. Optional header `X-Reprise-Case: RUN_ID` names the case being replayed, which
//!   wins among equal matches (as `StartRequest::case_run_id`).
//! - Partial replays: while a run is in flight on this server (turns remain), its answers and
//!   GETs are the recording cut to the turns answered so far: `input_output_pairs` keeps the
//!   first turns, `status` reads `waiting_for_user_input`, every other byte (ids, usage totals,
//!   config) is the recording's own. Once the last turn is answered (or the run is stopped, or
//!   never started here) the recording is returned exactly as recorded.
//! - `GET /workflows/v1/workflow-runs/{id}` answers the seed envelope: an enveloped recording
//!   as recorded, a bare one inside a minimal envelope `{workflow_run: {_id, workflow_run},
//!   debug_info: null}`. `GET /v1/workflow-runs/{id}` answers the recording in its own shape.
//! - Comments (`POST …/workflow-runs/{id}/comments`, both prefixes): at most 5,000 characters
//!   (else 422), 409 while the run is in flight, answer the envelope. Comments are accepted but
//!   not added to the answer: recordings stay exactly as recorded.
//! - `GET /v1/workflow-runs/{id}/evaluation-result`: `{score, passed, details, evaluated_at}`
//!   from the linked evaluation run's `workflow_run_evaluator` structured output.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::layout::Layout;
use crate::engine::{Engine, LiveHints, Reply, StartRequest, TurnInput};
use crate::model::Run;
use crate::server::{
    bearer, case_header, json_bytes, parse_body, recorded_bytes, ApiError, AppState,
};
use crate::vendors::serve;

/// How many recordings' layouts are kept (each about the size of its events).
const LAYOUT_CACHE_ENTRIES: usize = 4096;

/// The most characters a comment may have.
const COMMENT_MAX_CHARS: usize = 5_000;

/// A recording and its layout (`None`: it holds no bare `WorkflowRun`).
type CachedLayout = (Arc<Run>, Arc<Option<Layout>>);

/// What the Interactly routes share: the server's state and Interactly's own.
pub(super) struct Serve {
    app: Arc<AppState>,
    /// Interactly runs in flight on this server: run id → turns answered so far.
    progress: Mutex<HashMap<String, usize>>,
    /// Byte layouts of recordings ([`Layout`]), found on first need. Keyed by the recording's
    /// address: the engine's runs live as long as the server, and the entry holds its run, so
    /// no other run can take that address.
    layouts: Mutex<HashMap<usize, CachedLayout>>,
}

impl std::ops::Deref for Serve {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

/// The Interactly routes behind `Authorization: Bearer`.
pub(super) fn routes(app: &Arc<AppState>) -> Router {
    let serve = Serve {
        app: app.clone(),
        progress: Mutex::new(HashMap::new()),
        layouts: Mutex::new(HashMap::new()),
    };
    let routes = Router::new()
        .route(
            "/workflows/v1/workflows/{workflow_id}/execute",
            post(execute),
        )
        .route("/workflows/v1/workflow-runs/{run_id}", get(get_envelope))
        .route(
            "/workflows/v1/workflow-runs/{run_id}/comments",
            post(comment),
        )
        .route("/v1/workflow-runs/{run_id}", get(get_run))
        .route("/v1/workflow-runs/{run_id}/comments", post(comment))
        .route(
            "/v1/workflow-runs/{run_id}/evaluation-result",
            get(evaluation_result),
        );
    bearer(app, routes).with_state(Arc::new(serve))
}

#[derive(Debug, serde::Deserialize)]
struct ExecuteQuery {
    version: Option<i64>,
}

/// The caller's input in a `WorkflowRunInput`: dynamic variables, user message texts.
pub(crate) fn turn_input(run_input: &Map<String, Value>) -> TurnInput {
    let dynamic_variables = run_input
        .get("dynamic_variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut user_messages = Vec::new();
    if let Some(threads) = run_input
        .get("thread_to_node_inputs")
        .and_then(Value::as_object)
    {
        // Threads in name order, as the recording adapter reads them.
        let mut names: Vec<&String> = threads.keys().collect();
        names.sort();
        for name in names {
            let inputs = threads[name.as_str()]
                .get("node_run_inputs")
                .and_then(Value::as_array);
            for node_input in inputs.into_iter().flatten() {
                let messages = node_input.get("messages").and_then(Value::as_array);
                for m in messages.into_iter().flatten() {
                    let kind = m.get("type").and_then(Value::as_str);
                    if matches!(kind, None | Some("human" | "user" | "HumanMessage")) {
                        user_messages.push(message_text(m.get("content")));
                    }
                }
            }
        }
    }
    TurnInput {
        dynamic_variables,
        user_messages,
        input: None,
    }
}

/// A message `content`: a string, or a list of parts (strings or objects with `text`).
fn message_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| match p {
                Value::String(s) => Some(s.as_str()),
                other => other.get("text").and_then(Value::as_str),
            })
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// The two request/response generations of execute.
enum Generation {
    /// Body `WorkflowRunInput`, answer a bare `WorkflowRun`.
    Bare,
    /// Body `{run_input, run_id}`, answer the execute response.
    Current,
}

async fn execute(
    State(state): State<Arc<Serve>>,
    Path(workflow_id): Path<String>,
    Query(query): Query<ExecuteQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = parse_body(&body)?;
    let Some(obj) = body.as_object() else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the body must be a JSON object",
        ));
    };
    let empty = Map::new();
    let (generation, run_input, run_id) = if obj.contains_key("run_input") {
        let run_input = obj
            .get("run_input")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let run_id = obj.get("run_id").and_then(Value::as_str);
        (Generation::Current, run_input, run_id)
    } else {
        let run_id = obj.get("workflow_run_id").and_then(Value::as_str);
        (Generation::Bare, obj, run_id)
    };
    let default_command = match (&generation, run_id) {
        (Generation::Current, Some(_)) => "data",
        _ => "start",
    };
    let command = run_input
        .get("command")
        .and_then(Value::as_str)
        .unwrap_or(default_command);
    let input = turn_input(run_input);
    let engine = &state.engine;
    let need_id = || {
        run_id.ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("command {command} needs the run id"),
            )
        })
    };
    let (run, turns) = match command {
        "start" => {
            let request = StartRequest {
                system: super::SYSTEM,
                workflow_id,
                version: query.version,
                input,
                case_run_id: case_header(&headers),
                live: LiveHints::default(),
            };
            let reply = engine.start(&request).await?;
            track(&state, None, &reply);
            (reply.run.clone(), reply.turn + 1)
        }
        "data" | "resume" => {
            let id = need_id()?;
            let reply = engine.send(id, &input).await?;
            track(&state, Some(id), &reply);
            (reply.run.clone(), reply.turn + 1)
        }
        "stop" => {
            let id = need_id()?;
            engine.stop(super::SYSTEM, id).await?;
            state.progress_done(id);
            let run = engine.get(super::SYSTEM, id).await?;
            let turns = run.turns.len();
            (run, turns)
        }
        "pause" => {
            let id = need_id()?;
            let run = engine.get(super::SYSTEM, id).await?;
            let turns = state.answered(&run);
            (run, turns)
        }
        other => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("unknown command `{other}` (expected start, data, resume, pause or stop)"),
            ))
        }
    };
    let bytes = recorded_bytes(&state, &run).await?;
    match generation {
        Generation::Bare => Ok(json_bytes(bare_view(&state, &run, &bytes, turns))),
        Generation::Current => execute_response(&state, &run, &bytes, turns).map(json_bytes),
    }
}

impl Serve {
    /// Turns of `run` answered on this server so far (all when it is not in flight).
    fn answered(&self, run: &Run) -> usize {
        self.progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&run.run_id)
            .copied()
            .unwrap_or(run.turns.len())
    }

    fn progress_done(&self, run_id: &str) {
        self.progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(run_id);
    }
}

/// Records how far a run got, so GETs show the turns so far while it is in flight.
fn track(state: &Serve, sent_to: Option<&str>, reply: &Reply) {
    let mut progress = state.progress.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(old) = sent_to.filter(|old| *old != reply.run_id) {
        progress.remove(old);
    }
    if state.engine.in_flight(&reply.run_id) {
        progress.insert(reply.run_id.clone(), reply.turn + 1);
    } else {
        progress.remove(&reply.run_id);
    }
}

impl Serve {
    /// The layout of recording `run` (whose bytes are `bytes`), found once and cached.
    fn layout(&self, run: &Arc<Run>, bytes: &[u8]) -> Arc<Option<Layout>> {
        let key = Arc::as_ptr(run) as usize;
        let lock = || self.layouts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, layout)) = lock().get(&key) {
            // A recording read from disk that changed since is laid out again.
            if layout.as_ref().as_ref().is_none_or(|l| l.fits(bytes)) {
                return layout.clone();
            }
        }
        // Found outside the lock: two requests racing on a new recording both compute it.
        let layout = Arc::new(Layout::new(bytes, run.format));
        let mut layouts = lock();
        // Bounded like the disk cache: an evicted layout is found again when next needed.
        if layouts.len() >= LAYOUT_CACHE_ENTRIES {
            if let Some(&old) = layouts.keys().next() {
                layouts.remove(&old);
            }
        }
        layouts.insert(key, (run.clone(), layout.clone()));
        layout
    }
}

/// The bare `WorkflowRun` with `turns` turns (the recording itself when all are answered).
fn bare_view(state: &Serve, run: &Arc<Run>, bytes: &Bytes, turns: usize) -> Bytes {
    let layout = state.layout(run, bytes);
    layout
        .as_ref()
        .as_ref()
        .and_then(|l| l.bare_cut(bytes, turns))
        .unwrap_or_else(|| bytes.clone())
}

/// The recording in its own shape, cut to `turns` turns when fewer than all.
fn own_view(state: &Serve, run: &Arc<Run>, bytes: &Bytes, turns: usize) -> Bytes {
    if turns >= run.turns.len() {
        return bytes.clone();
    }
    let layout = state.layout(run, bytes);
    layout
        .as_ref()
        .as_ref()
        .and_then(|l| l.own_cut(bytes, turns))
        .unwrap_or_else(|| bytes.clone())
}

/// The seed envelope view: an enveloped recording as is, a bare one wrapped.
fn envelope_view(
    state: &Serve,
    run: &Arc<Run>,
    bytes: &Bytes,
    turns: usize,
) -> Result<Bytes, ApiError> {
    let own = own_view(state, run, bytes, turns);
    match run.format {
        f if f == super::RUN => {
            let id = serde_json::to_string(&run.run_id).map_err(internal)?;
            let mut out = Vec::with_capacity(own.len() + 64);
            out.extend_from_slice(b"{\"workflow_run\":{\"_id\":");
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(b",\"workflow_run\":");
            out.extend_from_slice(&own);
            out.extend_from_slice(b"},\"debug_info\":null}");
            Ok(out.into())
        }
        _ => Ok(own),
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// `{run_id, turn_number, events, is_waiting_for_input, is_completed, error, next_input_hint}`
/// for turn `turns` (1-based) of the recording. A recording stored in this shape is returned
/// as recorded.
fn execute_response(
    state: &Serve,
    run: &Arc<Run>,
    bytes: &Bytes,
    turns: usize,
) -> Result<Bytes, ApiError> {
    if run.format == super::EXECUTE {
        return Ok(bytes.clone());
    }
    let turn = turns.max(1) - 1;
    let layout = state.layout(run, bytes);
    let no_events: Box<RawValue> = RawValue::from_string("[]".to_owned()).map_err(internal)?;
    let events = layout
        .as_ref()
        .as_ref()
        .and_then(|l| l.turn_events(turn))
        .unwrap_or(&no_events);
    let last = turns >= run.turns.len();
    #[derive(serde::Serialize)]
    struct ExecuteResponse<'a> {
        run_id: &'a str,
        turn_number: usize,
        events: &'a RawValue,
        is_waiting_for_input: bool,
        is_completed: bool,
        error: Option<&'a str>,
        next_input_hint: Option<&'a str>,
    }
    let answer = ExecuteResponse {
        run_id: &run.run_id,
        turn_number: turn + 1,
        events,
        is_waiting_for_input: !last || run.status.is_waiting(),
        is_completed: last && run.status.is_terminal(),
        error: if last { run.error.as_deref() } else { None },
        next_input_hint: None,
    };
    serde_json::to_vec(&answer)
        .map(Bytes::from)
        .map_err(internal)
}

async fn recording(state: &AppState, run_id: &str) -> Result<Arc<Run>, ApiError> {
    serve::recording(state, super::SYSTEM, "workflow run", run_id).await
}

async fn get_envelope(
    State(state): State<Arc<Serve>>,
    Path(run_id): Path<String>,
) -> Result<Response, ApiError> {
    let run = recording(&state, &run_id).await?;
    let bytes = recorded_bytes(&state, &run).await?;
    envelope_view(&state, &run, &bytes, state.answered(&run)).map(json_bytes)
}

async fn get_run(
    State(state): State<Arc<Serve>>,
    Path(run_id): Path<String>,
) -> Result<Response, ApiError> {
    let run = recording(&state, &run_id).await?;
    let bytes = recorded_bytes(&state, &run).await?;
    Ok(json_bytes(own_view(
        &state,
        &run,
        &bytes,
        state.answered(&run),
    )))
}

async fn comment(
    State(state): State<Arc<Serve>>,
    Path(run_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = parse_body(&body)?;
    let content = body.get("content").and_then(Value::as_str).unwrap_or("");
    if content.chars().count() > COMMENT_MAX_CHARS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("a comment has at most {COMMENT_MAX_CHARS} characters"),
        ));
    }
    let run = recording(&state, &run_id).await?;
    if state.engine.in_flight(&run_id) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("workflow run {run_id} is in progress"),
        ));
    }
    state
        .engine
        .comment(super::SYSTEM, &run_id, content)
        .await?;
    let bytes = recorded_bytes(&state, &run).await?;
    envelope_view(&state, &run, &bytes, run.turns.len()).map(json_bytes)
}

async fn evaluation_result(
    State(state): State<Arc<Serve>>,
    Path(run_id): Path<String>,
) -> Result<Response, ApiError> {
    recording(&state, &run_id).await?;
    let eval = state
        .engine
        .evaluation(super::SYSTEM, &run_id, None)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("evaluation result of {run_id}")))?;
    let verdict = eval.evaluator_outputs().next();
    let answer = serde_json::json!({
        "score": verdict.and_then(|v| v.get("score")).cloned().unwrap_or(Value::Null),
        "passed": verdict.and_then(|v| v.get("passed")).cloned().unwrap_or(Value::Null),
        "details": verdict.cloned().unwrap_or(Value::Null),
        "evaluated_at": eval.ended_at,
    });
    Ok(json_bytes(answer.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_caller_input_of_a_workflow_run_input() {
        let body = json!({
            "command": "data",
            "dynamic_variables": {"patient_name": "A"},
            "thread_to_node_inputs": {
                "1": {"node_run_inputs": [{"messages": [{"type": "human", "content": [{"text": "b"}, "c"]}]}]},
                "0": {"node_run_inputs": [{"messages": [
                    {"type": "ai", "content": "ignored"},
                    {"type": "human", "content": "a"}]}]}
            }
        });
        let input = turn_input(body.as_object().unwrap());
        assert_eq!(input.user_messages, vec!["a", "bc"]);
        assert_eq!(input.dynamic_variables["patient_name"], json!("A"));
    }
}
