//! End to end: the `reprise serve` binary on a free loopback port, every fixture walked
//! through the three systems' routes with a plain HTTP client.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use reprise::engine::{FaultConfig, RecordedEngine, TurnInput};
use reprise::model::{Run, System};
use reprise::server::ServeOptions;
use reprise::vendors::interactly;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::common::{bin, load_corpus, Served};

const TOKEN: &str = "test-token-c0ffee";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `reprise serve`; killed when dropped.
struct Serve {
    served: Served,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

impl Serve {
    fn start(extra: &[&str]) -> Serve {
        let dir = tempfile::tempdir().unwrap();
        let stderr = dir.path().join("stderr.log");
        let served = Served::spawn(
            bin()
                .current_dir(root())
                .args([
                    "serve",
                    "fixtures",
                    "--recordings",
                    "tests/data/recordings-v2",
                ])
                .args(["--addr", "127.0.0.1:0", "--token-env", "REPRISE_TEST_TOKEN"])
                .args(extra)
                .env("REPRISE_TEST_TOKEN", TOKEN)
                .stderr(Stdio::from(std::fs::File::create(&stderr).unwrap())),
        );
        Serve {
            served,
            stderr,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.served.url)
    }

    /// `GET path` with the token.
    async fn get(&self, http: &reqwest::Client, path: &str) -> reqwest::Response {
        http.get(self.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
    }

    /// `POST path` of `body` as JSON with the token.
    async fn post(&self, http: &reqwest::Client, path: &str, body: &Value) -> reqwest::Response {
        let request = http.post(self.url(path)).bearer_auth(TOKEN).json(body);
        request.send().await.unwrap()
    }

    /// SIGTERM, then the exit code and the log.
    fn terminate(mut self) -> (Option<i32>, String) {
        let pid = self.served.child.id().to_string();
        let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(ok.success());
        let mut code = None;
        for _ in 0..100 {
            if let Some(status) = self.served.child.try_wait().unwrap() {
                code = status.code();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut log = String::new();
        std::fs::File::open(&self.stderr)
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        (code, log)
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn raw(run: &Run) -> Vec<u8> {
    run.raw.bytes().unwrap().into_owned()
}

/// The bare `WorkflowRun` of an Interactly recording, as its exact bytes.
fn bare_bytes(run: &Run) -> Vec<u8> {
    let bytes = raw(run);
    match run.format {
        f if f == interactly::ENVELOPE => {
            #[derive(serde::Deserialize)]
            struct Outer<'a> {
                #[serde(borrow)]
                workflow_run: Inner<'a>,
            }
            #[derive(serde::Deserialize)]
            struct Inner<'a> {
                #[serde(borrow)]
                workflow_run: &'a RawValue,
            }
            let outer: Outer<'_> = serde_json::from_slice(&bytes).unwrap();
            outer.workflow_run.workflow_run.get().as_bytes().to_vec()
        }
        _ => bytes,
    }
}

/// A `WorkflowRunInput` carrying what a recorded turn was given.
fn run_input(turn: &reprise::model::Turn, command: &str) -> Value {
    let input = TurnInput::from_turn(turn);
    let messages: Vec<Value> = input
        .user_messages
        .iter()
        .map(|m| json!({"type": "human", "content": m}))
        .collect();
    json!({
        "command": command,
        "dynamic_variables": input.dynamic_variables,
        "thread_to_node_inputs": {"0": {"node_run_inputs": [{"type": "llm", "messages": messages}]}},
    })
}

/// Asserts equal bytes without printing them (recordings are long and hold patient data).
#[track_caller]
fn same(got: &[u8], want: &[u8], what: &str) {
    if got != want {
        let at = got
            .iter()
            .zip(want)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(want.len()));
        panic!(
            "{what}: {} bytes differ from the {} recorded, first at byte {at}",
            got.len(),
            want.len()
        );
    }
}

/// Asserts a 200 whose body is exactly `want`.
#[track_caller]
fn ok_with(answer: (u16, Vec<u8>), want: &[u8], what: &str) {
    assert_eq!(answer.0, 200, "{what}");
    same(&answer.1, want, what);
}

async fn body(res: reqwest::Response) -> (u16, Vec<u8>) {
    let status = res.status().as_u16();
    (status, res.bytes().await.unwrap().to_vec())
}

/// Replays an Interactly case through the first-generation execute (bare WorkflowRun answers).
async fn replay_bare(s: &Serve, http: &reqwest::Client, case: &Run, version: i64) -> Vec<u8> {
    let wf = case.workflow_id.as_deref().unwrap();
    let url = s.url(&format!(
        "/workflows/v1/workflows/{wf}/execute?version={version}"
    ));
    let mut run_id = String::new();
    let mut last = Vec::new();
    for (t, turn) in case.turns.iter().enumerate() {
        let mut input = run_input(turn, if t == 0 { "start" } else { "data" });
        if t > 0 {
            input["workflow_run_id"] = json!(run_id);
        }
        let res = http
            .post(&url)
            .bearer_auth(TOKEN)
            .header("X-Reprise-Case", &case.run_id)
            .json(&input)
            .send()
            .await
            .unwrap();
        let (status, bytes) = body(res).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        run_id = answer["workflow_run_id"].as_str().unwrap().to_owned();
        let pairs = answer["input_output_pairs"].as_array().unwrap().len();
        assert_eq!(pairs, t + 1, "{} turn {t}", case.run_id);
        if t + 1 < case.turns.len() {
            assert_eq!(answer["status"], "waiting_for_user_input");
            // While in flight, GET shows the same turns so far.
            let res = s.get(http, &format!("/v1/workflow-runs/{run_id}")).await;
            let got: Value = res.json().await.unwrap();
            let inner = if got.get("input_output_pairs").is_some() {
                &got
            } else {
                &got["workflow_run"]["workflow_run"]
            };
            assert_eq!(inner["input_output_pairs"].as_array().unwrap().len(), t + 1);
            // Comments wait until the run is no longer in progress.
            let res = s
                .post(
                    http,
                    &format!("/v1/workflow-runs/{run_id}/comments"),
                    &json!({"content": "looks fine"}),
                )
                .await;
            assert_eq!(res.status().as_u16(), 409);
        }
        last = bytes;
    }
    last
}

/// Replays through the current execute (`{run_input, run_id}`); the last answer.
async fn replay_current(s: &Serve, http: &reqwest::Client, case: &Run) -> Value {
    let wf = case.workflow_id.as_deref().unwrap();
    let url = s.url(&format!(
        "/workflows/v1/workflows/{wf}/execute?version={}",
        case.version.unwrap()
    ));
    let mut run_id: Option<String> = None;
    let mut last = Value::Null;
    for (t, turn) in case.turns.iter().enumerate() {
        let mut input = run_input(turn, if t == 0 { "start" } else { "data" });
        input.as_object_mut().unwrap().remove("command");
        let res = http
            .post(&url)
            .bearer_auth(TOKEN)
            .header("X-Reprise-Case", &case.run_id)
            .json(&json!({"run_input": input, "run_id": run_id}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        last = res.json().await.unwrap();
        assert_eq!(last["turn_number"], json!(t + 1));
        assert_eq!(
            last["is_waiting_for_input"],
            json!(t + 1 < case.turns.len() || case.status.is_waiting())
        );
        run_id = Some(last["run_id"].as_str().unwrap().to_owned());
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_through_the_three_systems_routes() {
    let corpus = load_corpus(true, "fixtures");
    let recordings = load_corpus(true, "tests/data/recordings-v2");
    let s = Serve::start(&[]);
    let http = client();
    let mut walked = BTreeSet::new();

    for case in corpus.cases() {
        let id = &case.run_id;
        match case.system.as_str() {
            "interactly" => {
                // The recording in its own shape, exactly.
                let res = s.get(&http, &format!("/v1/workflow-runs/{id}")).await;
                ok_with(body(res).await, &raw(case), id);
                // The seed envelope.
                let res = s
                    .get(&http, &format!("/workflows/v1/workflow-runs/{id}"))
                    .await;
                let (status, bytes) = body(res).await;
                assert_eq!(status, 200);
                match case.format {
                    f if f == interactly::ENVELOPE || f == interactly::EXECUTE => {
                        same(&bytes, &raw(case), id)
                    }
                    _ => {
                        let env: Value = serde_json::from_slice(&bytes).unwrap();
                        let own: Value = serde_json::from_slice(&raw(case)).unwrap();
                        assert_eq!(env["workflow_run"]["workflow_run"], own);
                        assert_eq!(env["workflow_run"]["_id"], json!(id));
                    }
                }
                // No token, wrong token: 401.
                let res = http
                    .get(s.url(&format!("/workflows/v1/workflow-runs/{id}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status().as_u16(), 401);
                let res = http
                    .get(s.url(&format!("/v1/workflow-runs/{id}")))
                    .bearer_auth("wrong")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status().as_u16(), 401);
                // An execute answer holds only its last turn: nothing to replay it from.
                if case.workflow_id.is_some() && case.format != interactly::EXECUTE {
                    // Both execute generations replay to the recording itself.
                    let last = replay_bare(&s, &http, case, case.version.unwrap()).await;
                    same(&last, &bare_bytes(case), id);
                    let answer = replay_current(&s, &http, case).await;
                    assert_eq!(answer["run_id"], json!(id));
                    assert_eq!(answer["is_completed"], json!(case.status.is_terminal()));
                    assert!(answer["events"].as_array().is_some_and(|e| !e.is_empty()));
                }
                // The evaluation result of the linked evaluation run.
                let res = s
                    .get(&http, &format!("/v1/workflow-runs/{id}/evaluation-result"))
                    .await;
                match corpus.evaluation_of(id) {
                    Some(eval) => {
                        assert_eq!(res.status().as_u16(), 200);
                        let got: Value = res.json().await.unwrap();
                        let verdict = eval.evaluator_outputs().next().unwrap();
                        assert_eq!(got["score"], verdict["score"]);
                        assert!(got["passed"].is_boolean());
                    }
                    None => assert_eq!(res.status().as_u16(), 404),
                }
            }
            "noxus" => {
                let wf = case.workflow_id.as_deref().unwrap();
                let res = http
                    .post(s.url(&format!("/v1/workflows/{wf}/runs")))
                    .header("X-API-KEY", TOKEN)
                    .header("X-Reprise-Case", id)
                    .json(&json!({"input": case.turns[0].input, "workflow_version_id": null}))
                    .send()
                    .await
                    .unwrap();
                ok_with(body(res).await, &raw(case), id);
                for path in [
                    format!("/v1/runs/{id}"),
                    format!("/v1/workflows/{wf}/runs/{id}"),
                ] {
                    let res = http
                        .get(s.url(&path))
                        .header("X-API-KEY", TOKEN)
                        .send()
                        .await
                        .unwrap();
                    ok_with(body(res).await, &raw(case), &path);
                    // A bearer token is not Noxus's auth.
                    let res = s.get(&http, &path).await;
                    assert_eq!(res.status().as_u16(), 401);
                }
            }
            "cortex" => {
                let wf = case.workflow_id.as_deref().unwrap();
                let app: Value = serde_json::from_slice(&raw(case)).unwrap();
                let app = app["app_id"].as_str().unwrap().to_owned();
                let base = format!("/apps/{app}/workflows/{wf}/runs");
                let res = http
                    .post(s.url(&base))
                    .bearer_auth(TOKEN)
                    .header("X-Reprise-Case", id)
                    .json(&json!({"input": case.turns[0].input}))
                    .send()
                    .await
                    .unwrap();
                ok_with(body(res).await, &raw(case), id);
                let res = s.get(&http, &format!("{base}/{id}")).await;
                ok_with(body(res).await, &raw(case), id);
                let res = http
                    .get(s.url(&format!("{base}/{id}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status().as_u16(), 401);
                let res = http
                    .post(s.url(&format!("{base}/{id}/cancel")))
                    .bearer_auth(TOKEN)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status().as_u16(), 200);
            }
            other => panic!("a {other} run in the fixtures"),
        }
        walked.insert(case.system);
    }
    assert_eq!(walked.len(), 3);

    // v1 inputs at version 2 find the v2 recording.
    let case = corpus.get("69a59566eec3645a209c3946").unwrap();
    let v2 = recordings.get("69a562e3c6e5b5fa8ec15faf").unwrap();
    same(
        &replay_bare(&s, &http, case, 2).await,
        &bare_bytes(v2),
        "v2 answer",
    );
    // Version 3: a 404 whose detail names the nearest recordings, without patient data.
    let wf = case.workflow_id.as_deref().unwrap();
    let res = s
        .post(
            &http,
            &format!("/workflows/v1/workflows/{wf}/execute?version=3"),
            &run_input(&case.turns[0], "start"),
        )
        .await;
    assert_eq!(res.status().as_u16(), 404);
    let detail: Value = res.json().await.unwrap();
    let detail = detail["detail"].as_str().unwrap();
    assert!(detail.contains("nearest: run"), "{detail}");
    assert!(detail.contains("version differs"), "{detail}");
    assert!(!detail.contains("Morgan"), "{detail}");

    // Comments: at most 5,000 characters; accepted once the run is done.
    let id = &case.run_id;
    let url = s.url(&format!("/workflows/v1/workflow-runs/{id}/comments"));
    let res = http
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"content": "x".repeat(5001)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let res = http
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"content": "reviewed"}))
        .send()
        .await
        .unwrap();
    ok_with(body(res).await, &raw(case), "comment answer");

    // Cortex paging reaches every run exactly once, by page and by token.
    let cortex: Vec<&Arc<Run>> = corpus
        .cases()
        .filter(|r| r.system == System::Cortex)
        .collect();
    let wf = cortex[0].workflow_id.clone().unwrap();
    let app: Value = serde_json::from_slice(&raw(cortex[0])).unwrap();
    let base = s.url(&format!(
        "/apps/{}/workflows/{wf}/runs",
        app["app_id"].as_str().unwrap()
    ));
    let want: Vec<String> = cortex.iter().map(|r| r.run_id.clone()).collect();
    let mut by_page = Vec::new();
    for page in 1.. {
        let res = http
            .get(format!("{base}?take=1&page={page}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let total: usize = res.headers()["x-total-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(total, want.len());
        let bytes = res.bytes().await.unwrap();
        let items: Vec<&RawValue> = serde_json::from_slice(&bytes).unwrap();
        if items.is_empty() {
            break;
        }
        for item in items {
            let v: Value = serde_json::from_str(item.get()).unwrap();
            let id = v["id"].as_str().unwrap().to_owned();
            let run = corpus.get(&id).unwrap();
            same(item.get().as_bytes(), raw(run).trim_ascii(), &id);
            by_page.push(id);
        }
    }
    assert_eq!(by_page, want);
    let mut by_token = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut url = format!("{base}?take=2");
        if let Some(n) = &next {
            url.push_str(&format!("&next={n}"));
        }
        let res = http.get(url).bearer_auth(TOKEN).send().await.unwrap();
        next = res
            .headers()
            .get("x-next-page-token")
            .map(|v| v.to_str().unwrap().to_owned());
        let items: Vec<Value> = res.json().await.unwrap();
        by_token.extend(items.iter().map(|v| v["id"].as_str().unwrap().to_owned()));
        if next.is_none() {
            break;
        }
    }
    assert_eq!(by_token, want);
    let failed: Vec<Value> = http
        .get(format!("{base}?status=FAILED&origin=WORKFLOW"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let want_failed: Vec<&str> = cortex
        .iter()
        .filter(|r| r.status.text == "FAILED")
        .map(|r| r.run_id.as_str())
        .collect();
    assert_eq!(
        failed
            .iter()
            .map(|v| v["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        want_failed
    );
    let none: Vec<Value> = http
        .get(format!("{base}?origin=WEBHOOK"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(none.is_empty());

    // Graceful shutdown on SIGTERM; one log line per request, never the token.
    let (code, log) = s.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(!log.contains(TOKEN), "the token leaked into the log");
    assert!(
        log.contains("GET /v1/workflow-runs/69a59566eec3645a209c3946 200 "),
        "{log}"
    );
    assert!(
        log.contains("POST /workflows/v1/workflows/69a5ab8d27542b571e6ab925/execute 404 "),
        "{log}"
    );
    assert!(log.contains(" 401 "), "{log}");
    assert!(!log.contains("Morgan"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_show_up_at_their_rates() {
    let s = Serve::start(&[
        "--quiet",
        "--fault-seed",
        "11",
        "--error-rate",
        "0.2",
        "--rate-limit-rate",
        "0.1",
        "--retry-after-ms",
        "1500",
        "--malformed-rate",
        "0.05",
        "--drop-rate",
        "0.05",
    ]);
    let http = client();
    let url = s.url("/v1/workflow-runs/69a59566eec3645a209c3946");
    let n = 600;
    let (mut ok, mut server, mut limited, mut malformed, mut dropped) = (0, 0, 0, 0, 0);
    for _ in 0..n {
        let res = match http.get(&url).bearer_auth(TOKEN).send().await {
            Ok(res) => res,
            Err(_) => {
                dropped += 1;
                continue;
            }
        };
        let status = res.status().as_u16();
        let retry_after = res.headers().get("retry-after").cloned();
        let Ok(bytes) = res.bytes().await else {
            dropped += 1;
            continue;
        };
        match status {
            200 if serde_json::from_slice::<Value>(&bytes).is_ok() => ok += 1,
            200 => malformed += 1,
            429 => {
                assert_eq!(retry_after.unwrap(), "2");
                limited += 1
            }
            500..=599 => server += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    let share = |k: i32| k as f64 / n as f64;
    // 600 draws: standard errors ≤ 1.7 %; allow 5 %.
    for (got, want, what) in [
        (share(server), 0.2, "5xx"),
        (share(limited), 0.1, "429"),
        (share(malformed), 0.05, "malformed"),
        (share(dropped), 0.05, "dropped"),
        (share(ok), 0.6, "ok"),
    ] {
        assert!((got - want).abs() < 0.05, "{what}: {got} vs {want}");
    }
}

#[tokio::test]
async fn without_a_required_token_any_token_passes_but_one_is_needed() {
    let corpus = load_corpus(true, "fixtures");
    let engine = Arc::new(RecordedEngine::new(&corpus));
    let server = reprise::vendors::Registry::builtin()
        .server(
            engine,
            ServeOptions {
                token: None,
                faults: FaultConfig::default(),
                log: false,
                ..ServeOptions::default()
            },
        )
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(listener, async {
        let _ = rx.await;
    }));
    let http = client();
    let url = format!("http://{addr}/v1/runs/1841cf18-41bc-4c13-b1c8-76789fa60421");
    let res = http
        .get(&url)
        .header("X-API-KEY", "anything")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let res = http.get(&url).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let res = http
        .get(format!("http://{addr}/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    tx.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[test]
fn bad_flags_are_usage_errors() {
    let run = |args: &[&str]| {
        let out = bin()
            .current_dir(root())
            .arg("serve")
            .args(args)
            .env_remove("REPRISE_UNSET_TOKEN_VAR")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["fixtures", "--token-env", "REPRISE_UNSET_TOKEN_VAR"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("REPRISE_UNSET_TOKEN_VAR"), "{err}");
    let (code, err) = run(&["fixtures", "--error-rate", "0.7", "--drop-rate", "0.6"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("more than 1"), "{err}");
    let (code, err) = run(&["tests/data/no-such-folder", "--addr", "127.0.0.1:0"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("no runs found under tests/data/no-such-folder"),
        "{err}"
    );
}
