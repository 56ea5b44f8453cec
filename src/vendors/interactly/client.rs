//! Interactly over HTTP: execute turns (both request/response generations), GET the run after
//! every turn, wait for the evaluation Interactly starts itself, stop, comments, run lists.
//!
//! Routes (base URL configurable): `POST /workflows/v1/workflows/{id}/execute?version=N`,
//! `GET /workflows/v1/workflow-runs/{id}`, `POST /workflows/v1/workflow-runs/{id}/comments`,
//! `GET /v1/workflow-runs/{id}/evaluation-result`, and the list route `reprise fetch` assumes,
//! `GET /workflows/v1/workflow-runs?workflow_id=&page=&size=&created_after=` (not in the seeds).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::{RUN, SYSTEM};
use crate::engine::http::calls::{
    get_page, get_run, get_run_raw, poll_until_resting, seg, start_call, str_at, unsure_start,
};
use crate::engine::http::{
    Call, Generation, HttpClient, HttpConfig, Known, ListQuery, NextTurn, Page, Resend,
    RetryBudget, Token, VendorClient,
};
use crate::engine::{EngineError, EngineFuture, Reply, Settle, StartRequest, TurnInput};
use crate::formats::Adapters;
use crate::model::{EvalLink, NodeOutput, Origin, RawDoc, Run, Status, StatusKind, Turn};

/// The longest pause between two looks for an evaluation.
const EVAL_POLL_MAX: Duration = Duration::from_secs(5);

/// A turn sent to a run that had answered `answered` turns has reached it: the run shows more
/// turns, or is working.
fn turn_arrived(run: &Run, answered: usize) -> bool {
    use StatusKind::*;
    run.turns.len() > answered || matches!(run.status.kind, Queued | Started | Running)
}

/// The run id of either generation's execute answer: `run_id` of `{run_id, turn_number, …}`, or
/// `workflow_run_id` of a bare WorkflowRun. Only the id is read (the run is fetched right after),
/// which keeps a turn to one full parse.
fn execute_run_id(body: &[u8]) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Answer {
        run_id: Option<String>,
        workflow_run_id: Option<String>,
        #[serde(rename = "_id")]
        id: Option<String>,
    }
    let answer: Answer = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    answer
        .run_id
        .or(answer.workflow_run_id)
        .or(answer.id)
        .ok_or_else(|| "the execute answer has no `run_id` (nor `workflow_run_id`)".to_owned())
}

/// Interactly refuses longer comments.
pub const COMMENT_MAX_CHARS: usize = 5_000;

/// One execute call's parts.
struct Exec<'a> {
    command: &'a str,
    workflow_id: &'a str,
    version: Option<i64>,
    run_id: Option<&'a str>,
    input: &'a TurnInput,
    /// The start request, for the first execute (its case header and resend rule).
    start: Option<&'a StartRequest>,
    /// When the call may be sent again (a start's rule comes from its request).
    resend: Resend,
}

/// The Interactly client.
#[derive(Debug)]
pub struct Interactly {
    http: HttpClient,
    base: String,
    generation: Generation,
    secrets: BTreeMap<String, Token>,
    eval_wait: Duration,
    /// The adapters answers are read with (the registry's that built the engine).
    adapters: Adapters,
}

impl Interactly {
    /// A client for the API at `base` (no trailing slash).
    pub fn new(
        http: HttpClient,
        base: String,
        generation: Generation,
        secrets: BTreeMap<String, Token>,
        eval_wait: Duration,
        adapters: Adapters,
    ) -> Interactly {
        Interactly {
            http,
            base,
            generation,
            secrets,
            eval_wait,
            adapters,
        }
    }

    fn run_url(&self, run_id: &str) -> String {
        format!("{}/workflows/v1/workflow-runs/{}", self.base, seg(run_id))
    }

    /// A `WorkflowRunInput`: the user messages go to thread "0" as one `llm` node input.
    fn run_input(
        &self,
        command: &str,
        workflow_id: &str,
        version: Option<i64>,
        run_id: Option<&str>,
        input: &TurnInput,
    ) -> Value {
        let messages: Vec<Value> = input
            .user_messages
            .iter()
            .map(|m| json!({"type": "human", "content": m}))
            .collect();
        let node_run_inputs = if messages.is_empty() {
            json!([])
        } else {
            json!([{"type": "llm", "messages": messages}])
        };
        let secrets: Map<String, Value> = self
            .secrets
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.expose().to_owned())))
            .collect();
        let mut body = Map::new();
        body.insert("command".into(), json!(command));
        body.insert("workflow_id".into(), json!(workflow_id));
        if let Some(v) = version {
            body.insert("version_number".into(), json!(v));
        }
        if let Some(id) = run_id {
            body.insert("workflow_run_id".into(), json!(id));
        }
        body.insert(
            "dynamic_variables".into(),
            Value::Object(input.dynamic_variables.clone()),
        );
        if !secrets.is_empty() {
            body.insert("secret_variables".into(), Value::Object(secrets));
        }
        body.insert(
            "thread_to_node_inputs".into(),
            json!({"0": {"node_run_inputs": node_run_inputs}}),
        );
        Value::Object(body)
    }

    /// One execute call; answers the run id. `version` is sent on the first turn only.
    async fn execute(&self, exec: Exec<'_>, budget: &RetryBudget) -> Result<String, EngineError> {
        let Exec {
            command,
            workflow_id,
            version,
            run_id,
            input,
            start,
            resend,
        } = exec;
        let mut url = format!(
            "{}/workflows/v1/workflows/{}/execute",
            self.base,
            seg(workflow_id)
        );
        if let (Some(v), None) = (version, run_id) {
            url.push_str(&format!("?version={v}"));
        }
        let run_input = self.run_input(
            command,
            workflow_id,
            if run_id.is_none() { version } else { None },
            run_id,
            input,
        );
        let body = match self.generation {
            Generation::Legacy => run_input,
            Generation::Current => match run_id {
                Some(id) => json!({"run_input": run_input, "run_id": id}),
                None => json!({"run_input": run_input}),
            },
        };
        let mut call = match start {
            Some(request) => start_call(url.clone(), &body, request),
            None => Call::post(url.clone(), &body),
        };
        if start.is_none() && resend == Resend::Freely {
            call = call.idempotent();
        }
        self.http
            .send(&call, budget, |answer| {
                let body = answer.ok()?;
                execute_run_id(&body).map_err(|why| EngineError::Malformed(format!("{url}: {why}")))
            })
            .await
    }

    /// Starts a run: the first execute, then the run as the server has it. The start is sent
    /// again only as [`StartRequest::live`] allows.
    pub async fn start(
        &self,
        request: &StartRequest,
        budget: &RetryBudget,
    ) -> Result<Reply, EngineError> {
        let run_id = self
            .execute(
                Exec {
                    command: "start",
                    workflow_id: &request.workflow_id,
                    version: request.version,
                    run_id: None,
                    input: &request.input,
                    start: Some(request),
                    resend: Resend::IfUnprocessed,
                },
                budget,
            )
            .await
            .map_err(|e| unsure_start(e, request))?;
        self.reply(run_id, request.live.settle, budget).await
    }

    /// The next turn of a started run, which has answered `answered` turns so far.
    ///
    /// A turn POST that may have reached the server (timeout, dropped connection, 5xx,
    /// malformed answer) is never resent blindly: the run is read first, and the turn is sent
    /// again only when the run shows neither the turn nor work on it.
    pub async fn send(
        &self,
        workflow_id: &str,
        run_id: &str,
        input: &TurnInput,
        answered: usize,
        settle: Option<Settle>,
        budget: &RetryBudget,
    ) -> Result<Reply, EngineError> {
        let mut attempt = 0;
        loop {
            let sent = self
                .execute(
                    Exec {
                        command: "data",
                        workflow_id,
                        version: None,
                        run_id: Some(run_id),
                        input,
                        start: None,
                        resend: Resend::IfUnprocessed,
                    },
                    budget,
                )
                .await;
            let err = match sent {
                Ok(answered_id) => return self.reply(answered_id, settle, budget).await,
                Err(e) if e.may_have_acted() => e,
                Err(e) => return Err(e),
            };
            let run = self.get(run_id, budget).await?;
            if turn_arrived(&run, answered) {
                return self.reply(run_id.to_owned(), settle, budget).await;
            }
            if !budget.take() {
                return Err(err);
            }
            self.http.pause(attempt, None).await;
            attempt += 1;
        }
    }

    /// Neither execute answer carries the whole run (the current one has no status or usage):
    /// GET it, polling while it still works on the turn.
    async fn reply(
        &self,
        run_id: String,
        settle: Option<Settle>,
        budget: &RetryBudget,
    ) -> Result<Reply, EngineError> {
        let run =
            poll_until_resting(self.http.config(), settle, || self.get(&run_id, budget)).await?;
        Ok(Reply {
            run_id: run.run_id.clone(),
            turn: run.turns.len().saturating_sub(1),
            run,
        })
    }

    /// `GET /workflows/v1/workflow-runs/{id}`.
    pub async fn get(&self, run_id: &str, budget: &RetryBudget) -> Result<Arc<Run>, EngineError> {
        get_run(
            &self.http,
            self.run_url(run_id),
            SYSTEM,
            &self.adapters,
            budget,
        )
        .await
    }

    /// The GET answer exactly as received, checked to be an Interactly run.
    pub async fn get_raw(
        &self,
        run_id: &str,
        budget: &RetryBudget,
    ) -> Result<Arc<[u8]>, EngineError> {
        get_run_raw(
            &self.http,
            self.run_url(run_id),
            SYSTEM,
            &self.adapters,
            budget,
        )
        .await
    }

    /// The evaluation Interactly ran for `run_id`. Interactly starts the evaluator itself when
    /// a run with `evaluation_config` completes, so this never starts a second one: it reads
    /// `evaluation_run_info`, then `GET /v1/workflow-runs/{id}/evaluation-result`; `None` when
    /// neither exists.
    ///
    /// Only a completed run whose workflow names an evaluator (or `expected`) waits for one,
    /// up to the evaluation wait, polling with back-off. The wait has a retry budget of its
    /// own, so a slow evaluator never eats the run's.
    pub async fn evaluation(
        &self,
        run_id: &str,
        expected: bool,
    ) -> Result<Option<Arc<Run>>, EngineError> {
        let config = self.http.config();
        let budget = RetryBudget::new(config.retry_budget);
        let deadline = tokio::time::Instant::now() + self.eval_wait;
        let mut pause = config.poll_interval;
        loop {
            let run = self.get(run_id, &budget).await?;
            if let Some(eval_id) = &run.eval.evaluation_run_id {
                let poll = poll_until_resting(config, None, || self.get(eval_id, &budget));
                return match tokio::time::timeout_at(
                    deadline.max(tokio::time::Instant::now() + config.poll_interval),
                    poll,
                )
                .await
                {
                    Ok(eval) => eval.map(Some),
                    // The evaluator is still working at the end of the wait: nothing judged.
                    Err(_) => Ok(None),
                };
            }
            let configured = run
                .config
                .as_ref()
                .and_then(|c| c.evaluation.as_ref())
                .is_some_and(|e| e.evaluator_workflow_id.is_some());
            // Evaluation starts once the run has completed; only then is waiting worth it.
            let waits = (configured || expected) && run.status.kind == StatusKind::Completed;
            let now = tokio::time::Instant::now();
            if !waits || now >= deadline {
                break;
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            pause = (pause * 3 / 2).min(EVAL_POLL_MAX);
        }
        self.evaluation_result(run_id, &budget).await
    }

    /// `GET /v1/workflow-runs/{id}/evaluation-result` → {score, passed, details, evaluated_at},
    /// as an evaluation run whose `workflow_run_evaluator` output holds the verdict. A
    /// malformed answer is read again like any failed GET.
    async fn evaluation_result(
        &self,
        run_id: &str,
        budget: &RetryBudget,
    ) -> Result<Option<Arc<Run>>, EngineError> {
        let url = format!(
            "{}/v1/workflow-runs/{}/evaluation-result",
            self.base,
            seg(run_id)
        );
        let call = Call::get(url.clone());
        let answer = self
            .http
            .send(&call, budget, |answer| {
                if answer.status == 404 {
                    return Ok(None);
                }
                let body = answer.ok()?;
                let value: Value = serde_json::from_slice(&body)
                    .map_err(|e| EngineError::Malformed(format!("{url}: {e}")))?;
                match value {
                    Value::Object(map) => Ok(Some((body, map))),
                    _ => Err(EngineError::Malformed(format!(
                        "{url}: the evaluation result is not an object"
                    ))),
                }
            })
            .await?;
        let Some((body, map)) = answer else {
            return Ok(None);
        };
        let verdict: Map<String, Value> = ["score", "passed", "details"]
            .iter()
            .filter_map(|k| map.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        let len = body.len();
        Ok(Some(Arc::new(Run {
            status: Status::parse(SYSTEM, "completed"),
            turns: vec![Turn {
                node_outputs: vec![NodeOutput {
                    thread: "0".into(),
                    node_type: Some("workflow_run_evaluator".into()),
                    node: None,
                    structured_output: Some(Value::Object(verdict)),
                    free_form_output: None,
                }],
                ..Turn::default()
            }],
            ended_at: map
                .get("evaluated_at")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            eval: EvalLink {
                is_evaluation_run: true,
                source_run_id: Some(run_id.to_owned()),
                evaluation_run_id: None,
            },
            raw: RawDoc::Memory {
                buf: body,
                range: 0..len,
            },
            origin: Origin::file(url),
            ..Run::new(RUN, format!("{run_id}/evaluation-result"))
        })))
    }

    /// Stops a run: an execute with command `stop`.
    pub async fn stop(
        &self,
        workflow_id: &str,
        run_id: &str,
        budget: &RetryBudget,
    ) -> Result<(), EngineError> {
        let input = TurnInput::default();
        // Stopping twice stops once: the stop is repeatable.
        self.execute(
            Exec {
                command: "stop",
                workflow_id,
                version: None,
                run_id: Some(run_id),
                input: &input,
                start: None,
                resend: Resend::Freely,
            },
            budget,
        )
        .await
        .map(|_| ())
    }

    /// Adds a comment, cut to [`COMMENT_MAX_CHARS`]. Interactly answers 409 while the run is in
    /// progress: that answer proves the comment was not taken, so it is sent again; a failure
    /// after the comment may have been taken is not (it would post twice).
    pub async fn comment(
        &self,
        run_id: &str,
        text: &str,
        budget: &RetryBudget,
    ) -> Result<(), EngineError> {
        let content: String = text.chars().take(COMMENT_MAX_CHARS).collect();
        let call = Call::post(
            format!("{}/comments", self.run_url(run_id)),
            &json!({"content": content}),
        );
        self.http
            .send(&call, budget, |answer| answer.ok().map(|_| ()))
            .await
    }

    /// One page of `GET /workflows/v1/workflow-runs` (an assumed route: not in the seeds).
    pub async fn list_page(
        &self,
        query: &ListQuery,
        budget: &RetryBudget,
    ) -> Result<Page, EngineError> {
        let mut url = format!(
            "{}/workflows/v1/workflow-runs?page={}&size={}",
            self.base, query.page, query.size
        );
        if let Some(w) = &query.workflow_id {
            url.push_str(&format!("&workflow_id={}", seg(w)));
        }
        if let Some(t) = &query.since {
            url.push_str(&format!("&created_after={}", seg(t)));
        }
        get_page(&self.http, url, query.size, false, budget, |item| {
            str_at(item, &["workflow_run", "workflow_run", "workflow_run_id"])
                .or_else(|| str_at(item, &["workflow_run", "_id"]))
                .or_else(|| str_at(item, &["workflow_run_id"]))
                .or_else(|| str_at(item, &["_id"]))
                .or_else(|| str_at(item, &["run_id"]))
                .or_else(|| str_at(item, &["id"]))
                .map(str::to_owned)
        })
        .await
    }
}

impl VendorClient for Interactly {
    fn start<'a>(
        &'a self,
        request: &'a StartRequest,
        budget: &'a RetryBudget,
    ) -> EngineFuture<'a, Reply> {
        Box::pin(Interactly::start(self, request, budget))
    }

    fn send<'a>(&'a self, turn: NextTurn<'a>, budget: &'a RetryBudget) -> EngineFuture<'a, Reply> {
        Box::pin(Interactly::send(
            self,
            turn.workflow_id,
            turn.run_id,
            turn.input,
            turn.answered,
            turn.settle,
            budget,
        ))
    }

    fn get<'a>(&'a self, run: Known<'a>, budget: &'a RetryBudget) -> EngineFuture<'a, Arc<Run>> {
        Box::pin(Interactly::get(self, run.run_id, budget))
    }

    fn get_raw<'a>(
        &'a self,
        run: Known<'a>,
        budget: &'a RetryBudget,
    ) -> EngineFuture<'a, Arc<[u8]>> {
        Box::pin(Interactly::get_raw(self, run.run_id, budget))
    }

    fn evaluation<'a>(
        &'a self,
        run_id: &'a str,
        asked: bool,
    ) -> EngineFuture<'a, Option<Arc<Run>>> {
        Box::pin(Interactly::evaluation(self, run_id, asked))
    }

    fn stop<'a>(&'a self, run: Known<'a>, budget: &'a RetryBudget) -> EngineFuture<'a, ()> {
        Box::pin(async move {
            let Some(workflow) = run.workflow_id else {
                return Err(EngineError::Unsupported(format!(
                    "stop run {}, which this engine did not start",
                    run.run_id
                )));
            };
            Interactly::stop(self, workflow, run.run_id, budget).await
        })
    }

    fn comment<'a>(
        &'a self,
        run_id: &'a str,
        text: &'a str,
        budget: &'a RetryBudget,
    ) -> EngineFuture<'a, ()> {
        Box::pin(Interactly::comment(self, run_id, text, budget))
    }

    fn list_page<'a>(
        &'a self,
        query: &'a ListQuery,
        budget: &'a RetryBudget,
    ) -> EngineFuture<'a, Page> {
        Box::pin(Interactly::list_page(self, query, budget))
    }
}

/// The client for the API at `base` (no trailing slash) over `http`.
pub(super) fn connect(
    http: HttpClient,
    base: String,
    config: &HttpConfig,
    adapters: &Adapters,
) -> Box<dyn VendorClient> {
    Box::new(Interactly::new(
        http,
        base,
        config.interactly_generation,
        config.secret_variables.clone(),
        config.eval_wait,
        adapters.clone(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execute_answers_of_both_generations_name_the_run() {
        let current = br#"{"run_id":"r1","turn_number":1,"events":[],"is_waiting_for_input":true}"#;
        assert_eq!(execute_run_id(current).unwrap(), "r1");
        let legacy = br#"{"workflow_run_id":"r2","status":"completed","input_output_pairs":[]}"#;
        assert_eq!(execute_run_id(legacy).unwrap(), "r2");
        assert!(execute_run_id(br#"{"status":"completed"}"#).is_err());
        assert!(execute_run_id(b"{").is_err());
        assert!(execute_run_id(br#"{"run_id": 5}"#).is_err());
    }
}
