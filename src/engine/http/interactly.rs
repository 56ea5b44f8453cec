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

use super::client::{Call, HttpClient, RetryBudget, Token};
use super::{expect_system, list_ids, parse_run, poll_until_resting, seg, str_at, ListQuery, Page};
use crate::engine::{EngineError, Reply, StartRequest, TurnInput};
use crate::model::{
    EvalLink, Format, Latency, NodeOutput, Origin, RawDoc, Run, Status, System, Turn, Usage,
};

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
    case: Option<&'a str>,
}

/// The execute request shape to send. Both response shapes are always accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Generation {
    /// `{run_input, run_id}` answered by `{run_id, turn_number, events, …}`.
    #[default]
    Current,
    /// A bare `WorkflowRunInput` answered by a bare `WorkflowRun`.
    Legacy,
}

/// The Interactly client.
#[derive(Debug)]
pub struct Interactly {
    http: HttpClient,
    base: String,
    generation: Generation,
    secrets: BTreeMap<String, Token>,
    eval_wait: Duration,
}

impl Interactly {
    /// A client for the API at `base` (no trailing slash).
    pub fn new(
        http: HttpClient,
        base: String,
        generation: Generation,
        secrets: BTreeMap<String, Token>,
        eval_wait: Duration,
    ) -> Interactly {
        Interactly {
            http,
            base,
            generation,
            secrets,
            eval_wait,
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
            case,
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
        let mut call = Call::post(url.clone(), &body);
        if let Some(case) = case {
            // `reprise serve` prefers the case's own recording among equal matches.
            call.headers.push(("x-reprise-case", case.to_owned()));
        }
        self.http
            .send(&call, budget, |answer| {
                let body = answer.ok()?;
                execute_run_id(&body).map_err(|why| EngineError::Malformed(format!("{url}: {why}")))
            })
            .await
    }

    /// Starts a run: the first execute, then the run as the server has it.
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
                    case: request.case_run_id.as_deref(),
                },
                budget,
            )
            .await?;
        self.reply(run_id, budget).await
    }

    /// The next turn of a started run.
    pub async fn send(
        &self,
        workflow_id: &str,
        run_id: &str,
        input: &TurnInput,
        budget: &RetryBudget,
    ) -> Result<Reply, EngineError> {
        let answered = self
            .execute(
                Exec {
                    command: "data",
                    workflow_id,
                    version: None,
                    run_id: Some(run_id),
                    input,
                    case: None,
                },
                budget,
            )
            .await?;
        self.reply(answered, budget).await
    }

    /// Neither execute answer carries the whole run (the current one has no status or usage):
    /// GET it, polling while it still works on the turn.
    async fn reply(&self, run_id: String, budget: &RetryBudget) -> Result<Reply, EngineError> {
        let run = poll_until_resting(self.http.config(), || self.get(&run_id, budget)).await?;
        Ok(Reply {
            run_id: run.run_id.clone(),
            turn: run.turns.len().saturating_sub(1),
            run,
        })
    }

    /// `GET /workflows/v1/workflow-runs/{id}`.
    pub async fn get(&self, run_id: &str, budget: &RetryBudget) -> Result<Arc<Run>, EngineError> {
        let url = self.run_url(run_id);
        let call = Call::get(url.clone());
        self.http
            .send(&call, budget, |answer| {
                let run = parse_run(answer.ok()?, &url, None)?;
                expect_system(run, System::Interactly, &url).map(Arc::new)
            })
            .await
    }

    /// The GET answer exactly as received, checked to be an Interactly run.
    pub async fn get_raw(
        &self,
        run_id: &str,
        budget: &RetryBudget,
    ) -> Result<Arc<[u8]>, EngineError> {
        let url = self.run_url(run_id);
        let call = Call::get(url.clone());
        self.http
            .send(&call, budget, |answer| {
                let body = answer.ok()?;
                let run = parse_run(body.clone(), &url, None)?;
                expect_system(run, System::Interactly, &url)?;
                Ok(body)
            })
            .await
    }

    /// The evaluation Interactly ran for `run_id`. Interactly starts the evaluator itself when
    /// a run with `evaluation_config` completes, so this never starts a second one: it waits
    /// (up to the evaluation wait) for `evaluation_run_info`, then reads
    /// `GET /v1/workflow-runs/{id}/evaluation-result`; `None` when neither exists.
    pub async fn evaluation(
        &self,
        run_id: &str,
        expected: bool,
        budget: &RetryBudget,
    ) -> Result<Option<Arc<Run>>, EngineError> {
        let deadline = tokio::time::Instant::now() + self.eval_wait;
        loop {
            let run = self.get(run_id, budget).await?;
            if let Some(eval_id) = &run.eval.evaluation_run_id {
                let eval =
                    poll_until_resting(self.http.config(), || self.get(eval_id, budget)).await?;
                return Ok(Some(eval));
            }
            let configured = run
                .config
                .as_ref()
                .and_then(|c| c.evaluation.as_ref())
                .is_some_and(|e| e.evaluator_workflow_id.is_some());
            // Evaluation starts once the run has finished; only then is waiting worth it.
            let waiting = (configured || expected) && !run.status.is_waiting();
            if !waiting || tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(self.http.config().poll_interval).await;
        }
        self.evaluation_result(run_id, budget).await
    }

    /// `GET /v1/workflow-runs/{id}/evaluation-result` → {score, passed, details, evaluated_at},
    /// as an evaluation run whose `workflow_run_evaluator` output holds the verdict.
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
        let answer = self.http.send(&call, budget, Ok).await?;
        if answer.status == 404 {
            return Ok(None);
        }
        let body = answer.ok()?;
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| EngineError::Malformed(format!("{url}: {e}")))?;
        let Value::Object(map) = value else {
            return Err(EngineError::Malformed(format!(
                "{url}: the evaluation result is not an object"
            )));
        };
        let verdict: Map<String, Value> = ["score", "passed", "details"]
            .iter()
            .filter_map(|k| map.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        let len = body.len();
        Ok(Some(Arc::new(Run {
            system: System::Interactly,
            format: Format::InteractlyRun,
            run_id: format!("{run_id}/evaluation-result"),
            workflow_id: None,
            version: None,
            version_name: None,
            workflow_hash: None,
            status: Status::parse(System::Interactly, "completed"),
            termination_source: None,
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
            usage: Usage::default(),
            latency: Latency::default(),
            credits: None,
            started_at: None,
            ended_at: map
                .get("evaluated_at")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            comments: Vec::new(),
            error: None,
            config: None,
            eval: EvalLink {
                is_evaluation_run: true,
                source_run_id: Some(run_id.to_owned()),
                evaluation_run_id: None,
            },
            raw: RawDoc::Memory {
                buf: body,
                range: 0..len,
            },
            raw_sha256: None,
            origin: Origin::file(url),
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
        self.execute(
            Exec {
                command: "stop",
                workflow_id,
                version: None,
                run_id: Some(run_id),
                input: &input,
                case: None,
            },
            budget,
        )
        .await
        .map(|_| ())
    }

    /// Adds a comment, cut to [`COMMENT_MAX_CHARS`]. Interactly answers 409 while the run is in
    /// progress: that answer is retried like a 5xx.
    pub async fn comment(
        &self,
        run_id: &str,
        text: &str,
        budget: &RetryBudget,
    ) -> Result<(), EngineError> {
        let content: String = text.chars().take(COMMENT_MAX_CHARS).collect();
        let mut call = Call::post(
            format!("{}/comments", self.run_url(run_id)),
            &json!({"content": content}),
        );
        call.retry_on = &[409];
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
        let call = Call::get(url.clone());
        self.http
            .send(&call, budget, |answer| {
                let body = answer.ok()?;
                let (run_ids, next, has_more) = list_ids(&body, &url, |item| {
                    str_at(item, &["workflow_run", "workflow_run", "workflow_run_id"])
                        .or_else(|| str_at(item, &["workflow_run", "_id"]))
                        .or_else(|| str_at(item, &["workflow_run_id"]))
                        .or_else(|| str_at(item, &["_id"]))
                        .or_else(|| str_at(item, &["run_id"]))
                        .or_else(|| str_at(item, &["id"]))
                        .map(str::to_owned)
                })?;
                let last = has_more == Some(false)
                    || (has_more.is_none() && (run_ids.len() as u32) < query.size);
                Ok(Page {
                    run_ids,
                    next,
                    last,
                })
            })
            .await
    }
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
