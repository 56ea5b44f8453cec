//! Live engines: the vendors' HTTP APIs behind the [`Engine`] trait.
//!
//! One client per system (`interactly`, `noxus`, `cortex`), sharing the retry, back-off and
//! pacing plumbing of `client`. [`HttpEngine`] picks the client by each case's system. Also here:
//! the side-effect guard ([`check_side_effects`]) and the registry of runs in flight
//! ([`InFlight`]) that Ctrl-C stops.

mod client;
mod cortex;
mod inflight;
mod interactly;
mod noxus;
mod safety;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use client::{
    Auth, ClientConfig, HttpClient, Limits, RetryBudget, Token, DEFAULT_MAX_RESPONSE_BYTES,
};
pub use cortex::Cortex;
pub use inflight::InFlight;
pub use interactly::{Generation, Interactly, COMMENT_MAX_CHARS};
pub use noxus::Noxus;
pub use safety::{check_side_effects, SideEffectsRefused};

use super::{BoxFuture, Engine, EngineError, Reply, Settle, StartRequest, TurnInput};
use crate::model::{Format, Run, System};
use client::Call;

/// Everything a live engine needs to reach the three systems.
#[derive(Debug, Clone, Default)]
pub struct HttpConfig {
    /// Timeouts, retries, pacing.
    pub client: ClientConfig,
    /// Base URL per system (only systems with a base URL can be replayed).
    pub base_urls: BTreeMap<System, String>,
    /// Token per system (read from the environment by the CLI).
    pub tokens: BTreeMap<System, Token>,
    /// Interactly `secret_variables` for live runs (never serialised back by the vendor).
    pub secret_variables: BTreeMap<String, Token>,
    /// Which Interactly execute request shape to send.
    pub interactly_generation: Generation,
    /// The Cortex app the workflows belong to (a Cortex workflow id may also be `APP/WORKFLOW`).
    pub cortex_app_id: Option<String>,
    /// How long to wait for Interactly's own evaluation run to appear.
    pub eval_wait: Duration,
}

/// A live run this engine started: what later calls for it need.
#[derive(Debug)]
struct RunInfo {
    system: System,
    workflow_id: String,
    /// The Cortex app the run belongs to, when the case named one.
    app_id: Option<String>,
    /// Where the recording came to rest mid-work (see [`Settle`]).
    settle: Option<Settle>,
    /// Turns the run had answered at its last reply: a turn that may have been lost is looked
    /// for past these.
    answered: AtomicUsize,
    budget: Arc<RetryBudget>,
}

/// The live engine: one client per configured system, chosen by `StartRequest::system`.
#[derive(Debug)]
pub struct HttpEngine {
    interactly: Option<Interactly>,
    noxus: Option<Noxus>,
    cortex: Option<Cortex>,
    config: Arc<ClientConfig>,
    limits: Arc<Limits>,
    runs: Mutex<HashMap<String, Arc<RunInfo>>>,
}

impl HttpEngine {
    /// Builds the clients of every system that has a base URL.
    pub fn new(config: HttpConfig) -> Result<HttpEngine, EngineError> {
        let client_config = Arc::new(config.client.clone());
        let limits = Limits::new(&client_config);
        let client = |system: System, auth: Auth| {
            HttpClient::new(
                client_config.clone(),
                auth,
                config.tokens.get(&system).cloned(),
                limits.clone(),
            )
        };
        let base = |system: System| {
            config
                .base_urls
                .get(&system)
                .map(|u| u.trim_end_matches('/').to_owned())
        };
        let interactly = match base(System::Interactly) {
            Some(url) => Some(Interactly::new(
                client(System::Interactly, Auth::Bearer)?,
                url,
                config.interactly_generation,
                config.secret_variables.clone(),
                config.eval_wait,
            )),
            None => None,
        };
        let noxus = match base(System::Noxus) {
            Some(url) => Some(Noxus::new(client(System::Noxus, Auth::ApiKey)?, url)),
            None => None,
        };
        let cortex = match base(System::Cortex) {
            Some(url) => Some(Cortex::new(
                client(System::Cortex, Auth::Bearer)?,
                url,
                config.cortex_app_id.clone(),
            )),
            None => None,
        };
        Ok(HttpEngine {
            interactly,
            noxus,
            cortex,
            config: client_config,
            limits,
            runs: Mutex::new(HashMap::new()),
        })
    }

    /// The extra spacing the engine currently adds after 429s.
    pub fn slowdown(&self) -> Duration {
        self.limits.slowdown()
    }

    /// Drops what the engine remembers of a finished run (its workflow and retry budget), so
    /// a long replay does not keep one entry per run.
    pub fn forget(&self, run_id: &str) {
        if let Ok(mut runs) = self.runs.lock() {
            runs.remove(run_id);
        }
    }

    /// Retries left for a run this engine started.
    pub fn retries_left(&self, run_id: &str) -> Option<u32> {
        self.info(run_id).map(|i| i.budget.remaining())
    }

    fn interactly(&self) -> Result<&Interactly, EngineError> {
        self.interactly
            .as_ref()
            .ok_or_else(|| no_base(System::Interactly))
    }

    fn noxus(&self) -> Result<&Noxus, EngineError> {
        self.noxus.as_ref().ok_or_else(|| no_base(System::Noxus))
    }

    fn cortex(&self) -> Result<&Cortex, EngineError> {
        self.cortex.as_ref().ok_or_else(|| no_base(System::Cortex))
    }

    fn info(&self, run_id: &str) -> Option<Arc<RunInfo>> {
        self.runs.lock().ok()?.get(run_id).cloned()
    }

    fn remember(&self, run_id: &str, info: Arc<RunInfo>) {
        if let Ok(mut runs) = self.runs.lock() {
            runs.insert(run_id.to_owned(), info);
        }
    }

    /// The budget of a known run, or a fresh one for a run this engine did not start.
    fn budget(&self, run_id: &str) -> Arc<RetryBudget> {
        self.info(run_id)
            .map(|i| i.budget.clone())
            .unwrap_or_else(|| Arc::new(RetryBudget::new(self.config.retry_budget)))
    }

    fn workflow_of(&self, run_id: &str) -> Option<String> {
        self.info(run_id).map(|i| i.workflow_id.clone())
    }

    fn app_of(&self, run_id: &str) -> Option<String> {
        self.info(run_id).and_then(|i| i.app_id.clone())
    }

    /// One page of a system's run list (for `reprise fetch`).
    pub async fn list_page(&self, system: System, query: &ListQuery) -> Result<Page, EngineError> {
        let budget = RetryBudget::new(self.config.retry_budget);
        match system {
            System::Interactly => self.interactly()?.list_page(query, &budget).await,
            System::Noxus => self.noxus()?.list_page(query, &budget).await,
            System::Cortex => self.cortex()?.list_page(query, &budget).await,
        }
    }

    /// One run's document exactly as the server sent it, checked to be a run of `system`.
    pub async fn get_raw(
        &self,
        system: System,
        workflow_id: Option<&str>,
        run_id: &str,
    ) -> Result<Arc<[u8]>, EngineError> {
        let budget = RetryBudget::new(self.config.retry_budget);
        match system {
            System::Interactly => self.interactly()?.get_raw(run_id, &budget).await,
            System::Noxus => self.noxus()?.get_raw(workflow_id, run_id, &budget).await,
            System::Cortex => {
                self.cortex()?
                    .get_raw(None, workflow_id, run_id, &budget)
                    .await
            }
        }
    }
}

fn no_base(system: System) -> EngineError {
    EngineError::Unsupported(format!(
        "no base URL for {system} (pass --base-url {system}=URL)"
    ))
}

/// What to list (for `reprise fetch`).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only runs of this workflow (required by Noxus and Cortex, whose lists are per workflow).
    pub workflow_id: Option<String>,
    /// Only runs created at or after this time (Interactly `created_after`).
    pub since: Option<String>,
    /// 1-based page number.
    pub page: u32,
    /// Page size.
    pub size: u32,
    /// A server-given cursor for the next page (Cortex `next`), when the last page had one.
    pub cursor: Option<String>,
}

/// One page of a run list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// Run ids in list order.
    pub run_ids: Vec<String>,
    /// The server's cursor for the next page, when it gives one.
    pub next: Option<String>,
    /// True when the server says (or the page shows) there is nothing after this page.
    pub last: bool,
}

impl Engine for HttpEngine {
    fn name(&self) -> &str {
        "http"
    }

    fn start<'a>(&'a self, request: &'a StartRequest) -> BoxFuture<'a, Result<Reply, EngineError>> {
        Box::pin(async move {
            let budget = Arc::new(RetryBudget::new(self.config.retry_budget));
            let reply = match request.system {
                System::Interactly => self.interactly()?.start(request, &budget).await?,
                System::Noxus => self.noxus()?.start(request, &budget).await?,
                System::Cortex => self.cortex()?.start(request, &budget).await?,
            };
            let info = RunInfo {
                system: request.system,
                workflow_id: request.workflow_id.clone(),
                app_id: request.live.app_id.clone(),
                settle: request.live.settle,
                answered: AtomicUsize::new(reply.run.turns.len()),
                budget,
            };
            self.remember(&reply.run_id, Arc::new(info));
            Ok(reply)
        })
    }

    fn send<'a>(
        &'a self,
        run_id: &'a str,
        input: &'a TurnInput,
    ) -> BoxFuture<'a, Result<Reply, EngineError>> {
        Box::pin(async move {
            let Some(info) = self.info(run_id) else {
                return Err(EngineError::Unsupported(format!(
                    "send to run {run_id}, which this engine did not start"
                )));
            };
            match info.system {
                System::Interactly => {
                    let reply = self
                        .interactly()?
                        .send(
                            &info.workflow_id,
                            run_id,
                            input,
                            info.answered.load(Ordering::Acquire),
                            info.settle,
                            &info.budget,
                        )
                        .await?;
                    info.answered
                        .store(reply.run.turns.len(), Ordering::Release);
                    // A recorded engine may switch recordings mid-run: the next turn names
                    // the new id.
                    if reply.run_id != run_id {
                        self.remember(&reply.run_id, info.clone());
                    }
                    Ok(reply)
                }
                system => Err(EngineError::Unsupported(format!(
                    "{system} runs are single-shot: no further turns"
                ))),
            }
        })
    }

    fn get<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
    ) -> BoxFuture<'a, Result<Arc<Run>, EngineError>> {
        Box::pin(async move {
            let budget = self.budget(run_id);
            let workflow = self.workflow_of(run_id);
            match system {
                System::Interactly => self.interactly()?.get(run_id, &budget).await,
                System::Noxus => {
                    self.noxus()?
                        .get(workflow.as_deref(), run_id, &budget)
                        .await
                }
                System::Cortex => {
                    let app = self.app_of(run_id);
                    self.cortex()?
                        .get(app.as_deref(), workflow.as_deref(), run_id, &budget)
                        .await
                }
            }
        })
    }

    fn evaluation<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        evaluator: Option<(&'a str, Option<i64>)>,
    ) -> BoxFuture<'a, Result<Option<Arc<Run>>, EngineError>> {
        Box::pin(async move {
            match system {
                System::Interactly => {
                    self.interactly()?
                        .evaluation(run_id, evaluator.is_some())
                        .await
                }
                // Noxus and Cortex have no evaluation runs.
                _ => Ok(None),
            }
        })
    }

    fn stop<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
    ) -> BoxFuture<'a, Result<(), EngineError>> {
        Box::pin(async move {
            let budget = self.budget(run_id);
            let workflow = self.workflow_of(run_id);
            match system {
                System::Interactly => {
                    let Some(workflow) = workflow else {
                        return Err(EngineError::Unsupported(format!(
                            "stop run {run_id}, which this engine did not start"
                        )));
                    };
                    self.interactly()?.stop(&workflow, run_id, &budget).await
                }
                System::Noxus => Err(EngineError::Unsupported("stop on noxus".into())),
                System::Cortex => {
                    let app = self.app_of(run_id);
                    self.cortex()?
                        .cancel(app.as_deref(), workflow.as_deref(), run_id, &budget)
                        .await
                }
            }
        })
    }

    fn comment<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), EngineError>> {
        Box::pin(async move {
            match system {
                System::Interactly => {
                    let budget = self.budget(run_id);
                    self.interactly()?.comment(run_id, text, &budget).await
                }
                other => Err(EngineError::Unsupported(format!("comments on {other}"))),
            }
        })
    }
}

/// Reads one run from an answer body with the `formats` adapters. The raw document is the body
/// itself, so a recording written from the run is byte-for-byte what the server sent.
pub(crate) fn parse_run(
    body: Arc<[u8]>,
    origin: &str,
    format: Option<Format>,
) -> Result<Run, EngineError> {
    let outcome = crate::formats::read_bytes(Path::new(origin), body, format, true);
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
    budget: &RetryBudget,
) -> Result<Arc<Run>, EngineError> {
    let call = Call::get(url.clone());
    http.send(&call, budget, |answer| {
        let run = parse_run(answer.ok()?, &url, None)?;
        expect_system(run, system, &url).map(Arc::new)
    })
    .await
}

/// GETs the run at `url` exactly as received, checked to be a run of `system`.
pub(crate) async fn get_run_raw(
    http: &HttpClient,
    url: String,
    system: System,
    budget: &RetryBudget,
) -> Result<Arc<[u8]>, EngineError> {
    let call = Call::get(url.clone());
    http.send(&call, budget, |answer| {
        let body = answer.ok()?;
        expect_system(parse_run(body.clone(), &url, None)?, system, &url)?;
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
            let run = parse_run(answer.ok()?, &url, None)?;
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

/// A string field of a JSON object.
pub(crate) fn str_at<'v>(value: &'v serde_json::Value, path: &[&str]) -> Option<&'v str> {
    let mut v = value;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(seg("abc-1_2.3~"), "abc-1_2.3~");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn list_answers_of_both_shapes() {
        let id = |v: &serde_json::Value| str_at(v, &["id"]).map(str::to_owned);
        let (ids, next, _) = list_ids(br#"[{"id":"a"},{"id":"b"}]"#, "x", id).unwrap();
        assert_eq!((ids, next), (vec!["a".to_owned(), "b".to_owned()], None));
        let (ids, next, more) = list_ids(
            br#"{"data":[{"id":"c"}],"next":"t2","has_more":true}"#,
            "x",
            id,
        )
        .unwrap();
        assert_eq!(ids, vec!["c".to_owned()]);
        assert_eq!(next.as_deref(), Some("t2"));
        assert_eq!(more, Some(true));
        assert!(list_ids(br#"[{"name":"no id"}]"#, "x", id).is_err());
        assert!(list_ids(b"[", "x", id).is_err());
    }

    #[test]
    fn parse_run_reports_malformed_bodies() {
        let err = parse_run(Arc::from(&b"{not json"[..]), "http://x/runs/1", None).unwrap_err();
        assert!(matches!(err, EngineError::Malformed(_)), "{err:?}");
        let run = parse_run(
            Arc::from(&br#"{"id":"n1","status":"completed","progress":100}"#[..]),
            "http://x/runs/n1",
            None,
        )
        .unwrap();
        assert_eq!((run.system, run.run_id.as_str()), (System::Noxus, "n1"));
    }
}
