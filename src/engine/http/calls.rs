//! The calls every vendor's client is made of: reading a run from an answer (with the
//! `formats` adapters), GETs checked to be of a system, starting a single-shot run, polling
//! until a run rests, path segments and run lists.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use super::client::{Call, ClientConfig, HttpClient, RetryBudget};
use super::Page;
use crate::engine::{EngineError, Reply, Settle, StartRequest};
use crate::formats::Adapters;
use crate::model::{Format, Run, System};

/// Reads one run from an answer body with the `formats` adapters. The raw document is the body
/// itself, so a recording written from the run is byte-for-byte what the server sent.
pub(crate) fn parse_run(
    body: Arc<[u8]>,
    origin: &str,
    adapters: &Adapters,
    format: Option<Format>,
) -> Result<Run, EngineError> {
    let outcome = crate::formats::read_bytes(Path::new(origin), body, adapters, format, true);
    if let Some(problem) = outcome.problems.first() {
        let at = if problem.pointer.is_empty() {
            String::new()
        } else {
            format!(" at {}", problem.pointer)
        };
        return Err(EngineError::Malformed(format!(
            "{origin}{at}: {}",
            problem.message
        )));
    }
    let mut runs = outcome.runs;
    match runs.len() {
        1 => runs
            .pop()
            .ok_or_else(|| EngineError::Malformed(origin.into())),
        n => Err(EngineError::Malformed(format!(
            "{origin}: expected one run, got {n}"
        ))),
    }
}

/// Requires `run` to be of `system`.
pub(crate) fn expect_system(run: Run, system: System, origin: &str) -> Result<Run, EngineError> {
    if run.system == system {
        Ok(run)
    } else {
        Err(EngineError::Malformed(format!(
            "{origin}: expected a {system} run, got a {} run",
            run.system
        )))
    }
}

/// GETs the run at `url`, which must be a run of `system`.
pub(crate) async fn get_run(
    http: &HttpClient,
    url: String,
    system: System,
    adapters: &Adapters,
    budget: &RetryBudget,
) -> Result<Arc<Run>, EngineError> {
    let call = Call::get(url.clone());
    http.send(&call, budget, |answer| {
        let run = parse_run(answer.ok()?, &url, adapters, None)?;
        expect_system(run, system, &url).map(Arc::new)
    })
    .await
}

/// GETs the run at `url` exactly as received, checked to be a run of `system`.
pub(crate) async fn get_run_raw(
    http: &HttpClient,
    url: String,
    system: System,
    adapters: &Adapters,
    budget: &RetryBudget,
) -> Result<Arc<[u8]>, EngineError> {
    let call = Call::get(url.clone());
    http.send(&call, budget, |answer| {
        let body = answer.ok()?;
        expect_system(parse_run(body.clone(), &url, adapters, None)?, system, &url)?;
        Ok(body)
    })
    .await
}

/// Starts a single-shot run (Noxus and Cortex both take `{input, workflow_version_id}`) by
/// POSTing to `url`, then polls it with `get` until it rests (or settles where the recording
/// did). The reply is turn 0. The start is resent only as [`StartRequest::live`] allows.
pub(crate) async fn start_single_shot<F, Fut>(
    http: &HttpClient,
    url: String,
    request: &StartRequest,
    system: System,
    adapters: &Adapters,
    budget: &RetryBudget,
    mut get: F,
) -> Result<Reply, EngineError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<Arc<Run>, EngineError>>,
{
    let body = serde_json::json!({
        "input": request.input.input.clone().unwrap_or_else(|| serde_json::json!({})),
        // Neither system numbers versions: a version given is passed through as the id.
        "workflow_version_id": request.version.map(|v| serde_json::Value::String(v.to_string())),
    });
    let call = start_call(url.clone(), &body, request);
    let started = http
        .send(&call, budget, |answer| {
            let run = parse_run(answer.ok()?, &url, adapters, None)?;
            expect_system(run, system, &url)
        })
        .await
        .map_err(|e| unsure_start(e, request))?;
    let run_id = started.run_id;
    let run =
        poll_until_resting(http.config(), request.live.settle, || get(run_id.clone())).await?;
    Ok(Reply {
        run_id: run.run_id.clone(),
        turn: 0,
        run,
    })
}

/// The POST that starts a run: it names the case for `reprise serve`, and is repeatable only
/// when the workflow cannot act on the world.
pub(crate) fn start_call(url: String, body: &serde_json::Value, request: &StartRequest) -> Call {
    let call = Call::post(url, body).for_case(request.case_run_id.as_deref());
    if request.live.side_effects {
        call
    } else {
        call.idempotent()
    }
}

/// A start that failed after it may have reached the server, for a workflow with side
/// effects: said plainly, since it was deliberately not sent again.
pub(crate) fn unsure_start(err: EngineError, request: &StartRequest) -> EngineError {
    if request.live.side_effects && err.may_have_acted() {
        EngineError::Unsure(format!(
            "the start of workflow {} may have reached the server ({err}); not sent again, \
             since the workflow can act on the outside world: look for a run started now",
            request.workflow_id
        ))
    } else {
        err
    }
}

/// Polls `get` until the run rests: finished, waiting for input, or in a state none of the
/// systems documents; or, with `settle`, until it shows the state the recording ended in.
/// Only queued/started/running runs are polled again.
pub(crate) async fn poll_until_resting<F, Fut>(
    config: &ClientConfig,
    settle: Option<Settle>,
    mut get: F,
) -> Result<Arc<Run>, EngineError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Arc<Run>, EngineError>>,
{
    use crate::model::StatusKind::*;
    let deadline = tokio::time::Instant::now() + config.run_timeout;
    loop {
        let run = get().await?;
        if !matches!(run.status.kind, NotStarted | Queued | Started | Running)
            || settle.is_some_and(|s| s.reached(&run))
        {
            return Ok(run);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(EngineError::Timeout(config.run_timeout.as_millis() as u64));
        }
        tokio::time::sleep(config.poll_interval).await;
    }
}

/// A path segment, percent-encoded (ids come from data and may hold any character).
pub(crate) fn seg(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What a list answer says: run ids, the `next` cursor and `has_more`, when given.
pub(crate) type ListAnswer = (Vec<String>, Option<String>, Option<bool>);

/// Run ids of a list answer: a JSON array, or an object holding one under a usual key.
/// Returns the ids and the server's `next` cursor, if any.
pub(crate) fn list_ids(
    body: &[u8],
    origin: &str,
    id_of: impl Fn(&serde_json::Value) -> Option<String>,
) -> Result<ListAnswer, EngineError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| EngineError::Malformed(format!("{origin}: {e}")))?;
    let (items, next, has_more) = match &value {
        serde_json::Value::Array(items) => (items.as_slice(), None, None),
        serde_json::Value::Object(map) => {
            let items = ["items", "data", "runs", "workflow_runs", "results"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| v.as_array()))
                .ok_or_else(|| {
                    EngineError::Malformed(format!("{origin}: a list answer without items"))
                })?;
            let next = map
                .get("next")
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
            let has_more = map.get("has_more").and_then(|v| v.as_bool());
            (items.as_slice(), next, has_more)
        }
        _ => {
            return Err(EngineError::Malformed(format!(
                "{origin}: a list answer must be an array or an object"
            )))
        }
    };
    let mut ids = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match id_of(item) {
            Some(id) => ids.push(id),
            None => {
                return Err(EngineError::Malformed(format!(
                    "{origin}: list item {i} has no run id"
                )))
            }
        }
    }
    Ok((ids, next, has_more))
}

/// GETs one page of a run list at `url`, reading each item's id with `id_of`. The page is the
/// last when the server says so (`has_more: false`) or, when it does not say, when it holds
/// fewer than `size` runs. With `cursor`, the server's `next` (in the body, else the `Link`
/// header) is followed and a page that has one is never the last.
pub(crate) async fn get_page(
    http: &HttpClient,
    url: String,
    size: u32,
    cursor: bool,
    budget: &RetryBudget,
    id_of: impl Fn(&serde_json::Value) -> Option<String>,
) -> Result<Page, EngineError> {
    let call = Call::get(url.clone());
    http.send(&call, budget, |answer| {
        let header_next = answer.next_page.clone();
        let body = answer.ok()?;
        let (run_ids, next, has_more) = list_ids(&body, &url, &id_of)?;
        let next = if cursor { next.or(header_next) } else { next };
        let last = !(cursor && next.is_some())
            && (has_more == Some(false) || (has_more.is_none() && (run_ids.len() as u32) < size));
        Ok(Page {
            run_ids,
            next,
            last,
        })
    })
    .await
}

/// A string field of a JSON object.
pub(crate) fn str_at<'v>(value: &'v serde_json::Value, path: &[&str]) -> Option<&'v str> {
    let mut v = value;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str()
}
