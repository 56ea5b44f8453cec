//! The live HTTP engines against wiremock: routes, bodies and auth per system, both Interactly
//! generations, polling, retries (429 + Retry-After, 5xx, budget, timeouts, malformed JSON),
//! evaluation, comments, stop via the in-flight registry, side-effect refusal, record mode.

use std::collections::BTreeMap;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reprise::engine::http::{check_side_effects, Generation, HttpConfig, InFlight};
use reprise::engine::record::RecordingEngine;
use reprise::engine::{Engine, EngineError, EngineFuture, Reply, StartRequest, TurnInput};
use reprise::model::{Run, System};
use serde_json::{json, Value};
use wiremock::matchers::{
    body_partial_json, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::{
    answer, config, engine, envelope, execute_answer, load_one, replay_case, request_count,
    requests_to, serve, start_request, stored_run, FIXTURE_APP,
};

fn body_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

#[tokio::test]
async fn interactly_current_generation_executes_then_gets_the_run() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/workflows/v1/workflows/wf1/execute"))
        .and(query_param("version", "3"))
        .and(header("authorization", "Bearer tok-interactly"))
        .and(header("x-reprise-case", "case-1"))
        .and(body_partial_json(json!({"run_input": {
            "command": "start", "workflow_id": "wf1", "version_number": 3,
            "dynamic_variables": {"patient_name": "Ada"},
            "secret_variables": {"athena_api_key": "sec-athena"},
            "thread_to_node_inputs": {"0": {"node_run_inputs": [
                {"type": "llm", "messages": [{"type": "human", "content": "hi"}]}]}}
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(execute_answer("r1", 1)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/workflows/v1/workflows/wf1/execute"))
        .and(query_param_is_missing("version"))
        .and(body_partial_json(json!({"run_id": "r1", "run_input": {
            "command": "data", "workflow_run_id": "r1"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(execute_answer("r1", 2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/workflows/v1/workflow-runs/r1"))
        .and(header("authorization", "Bearer tok-interactly"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
            "r1",
            "waiting_for_user_input",
            1,
            json!({}),
        )))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    stored_run(&server, envelope("r1", "completed", 2, json!({})), None).await;

    let engine = engine(&server, |_| {});
    let mut request = start_request(System::Interactly, "wf1", Some(3));
    request.case_run_id = Some("case-1".into());
    let first = engine.start(&request).await.unwrap();
    assert_eq!((first.run_id.as_str(), first.turn), ("r1", 0));
    assert_eq!(first.run.status.text, "waiting_for_user_input");
    assert_eq!(first.run.usage.total_tokens, 15);
    let input = TurnInput {
        user_messages: vec!["book me".into()],
        ..TurnInput::default()
    };
    let second = engine.send("r1", &input).await.unwrap();
    assert_eq!(
        (second.turn, second.run.status.text.as_str()),
        (1, "completed")
    );
    assert_eq!(second.run.usage.total_tokens, 30);
    assert_eq!(second.run.turns[1].user_messages, vec!["user 1".to_owned()]);
    // The second turn's body carries the new message.
    let executes = requests_to(&server, "/workflows/v1/workflows/wf1/execute").await;
    assert_eq!(executes.len(), 2);
    let body = body_of(&executes[1]);
    assert_eq!(
        body["run_input"]["thread_to_node_inputs"]["0"]["node_run_inputs"][0]["messages"][0]
            ["content"],
        "book me"
    );
    assert!(body["run_input"].get("version_number").is_none());
    // A forgotten run takes no further turns.
    assert!(engine.retries_left("r1").is_some());
    engine.forget("r1");
    assert!(matches!(
        engine.send("r1", &input).await,
        Err(EngineError::Unsupported(_))
    ));
    // One GET after each turn.
    assert_eq!(
        request_count(&server, "/workflows/v1/workflow-runs/r1").await,
        2
    );
}

#[tokio::test]
async fn interactly_legacy_generation_sends_a_bare_run_input() {
    let server = MockServer::start().await;
    let bare = envelope("r2", "waiting_for_user_input", 1, json!({}))["workflow_run"]
        ["workflow_run"]
        .clone();
    Mock::given(method("POST"))
        .and(path("/workflows/v1/workflows/wf1/execute"))
        .and(body_partial_json(
            json!({"command": "start", "workflow_id": "wf1",
            "dynamic_variables": {"patient_name": "Ada"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(bare))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/workflows/v1/workflow-runs/r2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
            "r2",
            "waiting_for_user_input",
            1,
            json!({}),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let engine = engine(&server, |c| c.interactly_generation = Generation::Legacy);
    let reply = engine
        .start(&start_request(System::Interactly, "wf1", None))
        .await
        .unwrap();
    assert_eq!(reply.run_id, "r2");
    let body = body_of(&requests_to(&server, "/workflows/v1/workflows/wf1/execute").await[0]);
    assert!(body.get("run_input").is_none(), "{body}");
    assert!(body.get("version_number").is_none());
    // No version: no `?version=`.
    let executes = requests_to(&server, "/workflows/v1/workflows/wf1/execute").await;
    assert_eq!(executes[0].url.query(), None);
}

#[tokio::test]
async fn interactly_polls_a_run_still_working() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/workflows/v1/workflows/wf1/execute",
        ResponseTemplate::new(200).set_body_json(execute_answer("r3", 1)),
        None,
    )
    .await;
    stored_run(&server, envelope("r3", "running", 1, json!({})), Some(2)).await;
    stored_run(&server, envelope("r3", "completed", 1, json!({})), None).await;
    let engine = engine(&server, |_| {});
    let reply = engine
        .start(&start_request(System::Interactly, "wf1", None))
        .await
        .unwrap();
    assert_eq!(reply.run.status.text, "completed");
    assert_eq!(
        request_count(&server, "/workflows/v1/workflow-runs/r3").await,
        3
    );
}

#[tokio::test]
async fn noxus_starts_and_polls_the_workflow_scoped_run_with_an_api_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/workflows/nwf/runs"))
        .and(header("x-api-key", "tok-noxus"))
        .and(body_partial_json(
            json!({"input": {"question": "q1"}, "workflow_version_id": null}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"id": "n1", "workflow_id": "nwf", "status": "queued", "progress": 0}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/workflows/nwf/runs/n1"))
        .and(header("x-api-key", "tok-noxus"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "n1", "workflow_id": "nwf", "status": "running", "progress": 50}),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "GET",
        "/v1/workflows/nwf/runs/n1",
        ResponseTemplate::new(200).set_body_json(json!({"id": "n1",
            "workflow_id": "nwf", "status": "completed", "progress": 100,
            "output": {"answer": 42}, "workflow": {"workflow_hash": "h1"}})),
        None,
    )
    .await;
    let engine = engine(&server, |_| {});
    let reply = engine
        .start(&start_request(System::Noxus, "nwf", None))
        .await
        .unwrap();
    assert_eq!((reply.run_id.as_str(), reply.turn), ("n1", 0));
    assert_eq!(reply.run.status.text, "completed");
    assert_eq!(reply.run.turns[0].output, Some(json!({"answer": 42})));
    assert_eq!(reply.run.workflow_hash.as_deref(), Some("h1"));
    // No Authorization header on Noxus; no stop, no comments, no further turns.
    let posts = requests_to(&server, "/v1/workflows/nwf/runs").await;
    assert!(posts[0].headers.get("authorization").is_none());
    assert!(matches!(
        engine.stop(System::Noxus, "n1").await,
        Err(EngineError::Unsupported(_))
    ));
    assert!(matches!(
        engine.comment(System::Noxus, "n1", "x").await,
        Err(EngineError::Unsupported(_))
    ));
    assert!(matches!(
        engine.send("n1", &TurnInput::default()).await,
        Err(EngineError::Unsupported(_))
    ));
    assert!(matches!(
        engine.evaluation(System::Noxus, "n1", None).await,
        Ok(None)
    ));
}

#[tokio::test]
async fn cortex_starts_polls_and_cancels_with_a_bearer_token() {
    let server = MockServer::start().await;
    let runs = "/apps/app1/workflows/cwf/runs";
    Mock::given(method("POST"))
        .and(path(runs))
        .and(header("authorization", "Bearer tok-cortex"))
        .and(body_partial_json(
            json!({"input": {"question": "q1"}, "workflow_version_id": "7"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "c1", "app_id": "app1", "workflow_id": "cwf", "status": "PENDING"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{runs}/c1")))
        .and(header("authorization", "Bearer tok-cortex"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "c1",
            "app_id": "app1", "workflow_id": "cwf", "status": "COMPLETED", "version": 7,
            "output": {"step1": "done"}, "usage": {"total": 12.5, "calls": [], "steps": {}}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{runs}/c1/cancel")))
        .and(header("authorization", "Bearer tok-cortex"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let engine = engine(&server, |_| {});
    let reply = engine
        .start(&start_request(System::Cortex, "cwf", Some(7)))
        .await
        .unwrap();
    assert_eq!(reply.run.status.text, "COMPLETED");
    assert_eq!(reply.run.credits, Some(12.5));
    assert_eq!(reply.run.version, Some(7));
    engine.stop(System::Cortex, "c1").await.unwrap();
}

fn quick(c: &mut HttpConfig) {
    c.client.max_retries = 5;
    c.client.retry_budget = 10;
}

#[tokio::test]
async fn rate_limited_answers_are_retried_after_retry_after_and_slow_the_engine() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/workflows/v1/workflow-runs/r4",
        ResponseTemplate::new(429).insert_header("Retry-After", "1"),
        Some(1),
    )
    .await;
    stored_run(&server, envelope("r4", "completed", 1, json!({})), None).await;
    let engine = engine(&server, quick);
    let started = Instant::now();
    let run = engine.get(System::Interactly, "r4").await.unwrap();
    assert_eq!(run.run_id, "r4");
    // The back-off ceiling is 5 ms: only Retry-After explains a wait of a second.
    assert!(started.elapsed() >= Duration::from_millis(990));
    assert_eq!(
        request_count(&server, "/workflows/v1/workflow-runs/r4").await,
        2
    );
    assert!(engine.slowdown() > Duration::ZERO);
}

#[tokio::test]
async fn server_errors_then_success() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/workflows/v1/workflow-runs/r5",
        ResponseTemplate::new(503).set_body_string("busy"),
        Some(2),
    )
    .await;
    stored_run(&server, envelope("r5", "completed", 1, json!({})), None).await;
    let engine = engine(&server, quick);
    let run = engine.get(System::Interactly, "r5").await.unwrap();
    assert_eq!(run.status.text, "completed");
    assert_eq!(
        request_count(&server, "/workflows/v1/workflow-runs/r5").await,
        3
    );
}

#[tokio::test]
async fn the_retry_budget_of_a_run_runs_out() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/workflows/v1/workflows/wf1/execute",
        ResponseTemplate::new(500).set_body_string("boom"),
        None,
    )
    .await;
    let engine = engine(&server, |c| {
        c.client.max_retries = 10;
        c.client.retry_budget = 2;
    });
    // A workflow without side effects: its start may be sent again after a 5xx.
    let mut request = start_request(System::Interactly, "wf1", None);
    request.live.side_effects = false;
    let err = engine.start(&request).await.unwrap_err();
    assert_eq!(
        err,
        EngineError::Exhausted {
            attempts: 3,
            budget_spent: true,
            last: Box::new(EngineError::Server {
                status: 500,
                message: "boom".into(),
                retry_after_ms: None,
            }),
        }
    );
    assert!(err
        .to_string()
        .ends_with("the run's retry budget is spent)"));
    // The first attempt and the two retries the budget allows.
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn unauthorized_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let engine = engine(&server, quick);
    let err = engine.get(System::Interactly, "r6").await.unwrap_err();
    assert!(matches!(err, EngineError::Unauthorized(_)), "{err:?}");
    assert!(!err.to_string().contains("tok-"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn requests_time_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(envelope("r7", "completed", 1, json!({})))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let engine = engine(&server, |c| {
        c.client.request_timeout = Duration::from_millis(200);
        c.client.max_retries = 1;
    });
    let err = engine.get(System::Interactly, "r7").await.unwrap_err();
    assert_eq!(
        err,
        EngineError::Exhausted {
            attempts: 2,
            budget_spent: false,
            last: Box::new(EngineError::Timeout(200)),
        }
    );
    assert_eq!(
        err.to_string(),
        "timed out after 200 ms (gave up after 2 attempts)"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn malformed_json_is_an_error_never_a_run() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/workflows/v1/workflow-runs/r8",
        ResponseTemplate::new(200).set_body_string("{\"workflow_run\": {"),
        None,
    )
    .await;
    answer(
        &server,
        "GET",
        "/v1/workflows/nwf/runs/n9",
        ResponseTemplate::new(200).set_body_json(json!({"hello": "world"})),
        None,
    )
    .await;
    let engine = engine(&server, |c| c.client.max_retries = 1);
    let err = engine.get(System::Interactly, "r8").await.unwrap_err();
    let malformed = |e: &EngineError| match e {
        EngineError::Exhausted {
            attempts: 2, last, ..
        } => {
            matches!(**last, EngineError::Malformed(_))
        }
        _ => false,
    };
    assert!(malformed(&err), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    // A document of another shape, or another system, is malformed too.
    let err = engine
        .get_raw(System::Noxus, Some("nwf"), "n9")
        .await
        .unwrap_err();
    assert!(malformed(&err), "{err:?}");
}

#[tokio::test]
async fn evaluation_waits_for_interactlys_own_evaluation_run() {
    let server = MockServer::start().await;
    let config = json!({"workflow_config_fully_hydrated": {"workflow_config": {
        "evaluation_config": {"evaluator_workflow_id": "ev", "evaluator_workflow_version_number": 1}}}});
    // Completed, evaluation not there yet; then the evaluated run links its evaluator.
    stored_run(
        &server,
        envelope("r9", "completed", 1, config.clone()),
        Some(2),
    )
    .await;
    let mut linked = config.clone();
    linked["evaluation_run_info"] = json!({"evaluation_workflow_run_id": "e9"});
    stored_run(&server, envelope("r9", "completed", 1, linked), None).await;
    let mut eval = envelope(
        "e9",
        "completed",
        1,
        json!({"is_evaluation_run": true, "source_workflow_run_id": "r9"}),
    );
    eval["workflow_run"]["workflow_run"]["input_output_pairs"][0]["run_output"]
        ["thread_to_node_outputs"] = json!({"0": [{"type": "workflow_run_evaluator",
            "structured_output": {"passed": true, "score": 0.9}}]});
    answer(
        &server,
        "GET",
        "/workflows/v1/workflow-runs/e9",
        ResponseTemplate::new(200).set_body_json(eval),
        None,
    )
    .await;
    let engine = engine(&server, |c| c.eval_wait = Duration::from_secs(5));
    let eval = engine
        .evaluation(System::Interactly, "r9", Some(("ev", Some(1))))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(eval.run_id, "e9");
    assert!(eval.eval.is_evaluation_run);
    assert_eq!(
        eval.evaluator_outputs().next(),
        Some(&json!({"passed": true, "score": 0.9}))
    );
    // Never a second evaluation: no execute was sent.
    let all = server.received_requests().await.unwrap();
    assert!(all.iter().all(|r| r.method.as_str() == "GET"));
}

#[tokio::test]
async fn evaluation_falls_back_to_the_evaluation_result_route() {
    let server = MockServer::start().await;
    stored_run(&server, envelope("r10", "completed", 1, json!({})), None).await;
    answer(&server, "GET", "/v1/workflow-runs/r10/evaluation-result", ResponseTemplate::new(200).set_body_json(json!({"score": 0.4,
            "passed": false, "details": "missed the booking", "evaluated_at": "2026-01-01T00:00:00Z"})), None).await;
    answer(
        &server,
        "GET",
        "/v1/workflow-runs/r11/evaluation-result",
        ResponseTemplate::new(404),
        None,
    )
    .await;
    stored_run(&server, envelope("r11", "completed", 1, json!({})), None).await;
    let engine = engine(&server, |c| c.eval_wait = Duration::from_millis(50));
    let eval = engine
        .evaluation(System::Interactly, "r10", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(eval.eval.source_run_id.as_deref(), Some("r10"));
    let verdict = eval.evaluator_outputs().next().unwrap();
    assert_eq!(verdict["passed"], json!(false));
    assert_eq!(verdict["score"], json!(0.4));
    assert!(matches!(
        engine.evaluation(System::Interactly, "r11", None).await,
        Ok(None)
    ));
}

#[tokio::test]
async fn comments_are_cut_to_5000_characters_and_retried_on_409() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/workflows/v1/workflow-runs/r12/comments",
        ResponseTemplate::new(409).set_body_string("run in progress"),
        Some(1),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/workflows/v1/workflow-runs/r12/comments"))
        .and(header("authorization", "Bearer tok-interactly"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
            "r12",
            "completed",
            1,
            json!({}),
        )))
        .mount(&server)
        .await;
    let engine = engine(&server, quick);
    let long = "é".repeat(6_000);
    engine
        .comment(System::Interactly, "r12", &long)
        .await
        .unwrap();
    let posts = requests_to(&server, "/workflows/v1/workflow-runs/r12/comments").await;
    assert_eq!(posts.len(), 2);
    let content = body_of(&posts[1])["content"].as_str().unwrap().to_owned();
    assert_eq!(content.chars().count(), 5_000);
}

#[tokio::test]
async fn stop_all_stops_every_live_run_in_flight() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/workflows/v1/workflows/wf1/execute"))
        .and(body_partial_json(
            json!({"run_input": {"command": "start"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(execute_answer("r13", 1)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/workflows/v1/workflows/wf1/execute"))
        .and(body_partial_json(
            json!({"run_id": "r13", "run_input": {"command": "stop",
            "workflow_run_id": "r13"}}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"run_id": "r13",
            "turn_number": 2, "events": [], "is_completed": true})),
        )
        .expect(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "GET",
        "/workflows/v1/workflow-runs/r13",
        ResponseTemplate::new(200).set_body_json(envelope(
            "r13",
            "waiting_for_user_input",
            1,
            json!({}),
        )),
        None,
    )
    .await;
    let runs = "/apps/app1/workflows/cwf/runs";
    answer(
        &server,
        "POST",
        runs,
        ResponseTemplate::new(200)
            .set_body_json(json!({"id": "c13", "app_id": "app1", "status": "RUNNING"})),
        None,
    )
    .await;
    answer(
        &server,
        "GET",
        format!("{runs}/c13"),
        ResponseTemplate::new(200)
            .set_body_json(json!({"id": "c13", "app_id": "app1", "status": "COMPLETED"})),
        None,
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!("{runs}/c13/cancel")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let engine: Arc<dyn Engine> = Arc::new(engine(&server, |_| {}));
    let inflight = Arc::new(InFlight::new());
    for request in [
        start_request(System::Interactly, "wf1", None),
        start_request(System::Cortex, "cwf", None),
    ] {
        let reply = engine.start(&request).await.unwrap();
        inflight.register(request.system, &reply.run_id);
    }
    inflight.register(System::Noxus, "n13");
    inflight.register(System::Cortex, "gone");
    inflight.finish("gone");
    assert_eq!(inflight.len(), 3);
    let stopped = inflight.stop_all(engine.as_ref()).await;
    let ids: Vec<&str> = stopped.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, vec!["c13", "n13", "r13"]);
    assert!(stopped[0].1.is_ok() && stopped[2].1.is_ok());
    assert!(matches!(stopped[1].1, Err(EngineError::Unsupported(_))));
    assert!(inflight.is_empty());
    // The Ctrl-C handler can be armed and disarmed.
    let handle = inflight.clone().stop_on_ctrl_c(engine.clone());
    handle.abort();
}

#[test]
fn side_effect_workflows_are_refused_unless_allowed() {
    let risky = envelope(
        "r14",
        "completed",
        1,
        json!({"workflow_config_fully_hydrated": {
        "workflow_config": {"mcp_servers": [{"name": "ehr", "api_headers": {"Authorization": "x"}}]},
        "node_configs": [
            {"logical_id": "n1", "name": "Text the patient", "type": "send_sms"},
            {"logical_id": "n2", "name": "Greet", "type": "say_llm", "is_start": true}
        ]}}),
    );
    let run = load_one(&risky.to_string());
    let err = check_side_effects(&run, false).unwrap_err();
    assert_eq!(err.run_id, "r14");
    assert_eq!(
        err.reasons,
        vec![
            "node Text the patient (send_sms)".to_owned(),
            "MCP server ehr".to_owned()
        ]
    );
    assert!(err.to_string().contains("--allow-side-effects"));
    assert!(check_side_effects(&run, true).is_ok());
    let safe = load_one(&envelope("r15", "completed", 1, json!({})).to_string());
    assert!(check_side_effects(&safe, false).is_ok());
}

/// A recorded engine that knows nothing: every start is a miss.
struct Empty;

impl Engine for Empty {
    fn name(&self) -> &str {
        "empty"
    }
    fn start<'a>(&'a self, _: &'a StartRequest) -> EngineFuture<'a, Reply> {
        Box::pin(async { Err(EngineError::Miss("nothing recorded".into())) })
    }
    fn send<'a>(&'a self, _: &'a str, _: &'a TurnInput) -> EngineFuture<'a, Reply> {
        Box::pin(async { Err(EngineError::Miss("nothing recorded".into())) })
    }
    fn get<'a>(&'a self, _: System, _: &'a str) -> EngineFuture<'a, Arc<Run>> {
        Box::pin(async { Err(EngineError::Miss("nothing recorded".into())) })
    }
    fn evaluation<'a>(
        &'a self,
        _: System,
        _: &'a str,
        _: Option<(&'a str, Option<i64>)>,
    ) -> EngineFuture<'a, Option<Arc<Run>>> {
        Box::pin(async { Ok(None) })
    }
}

#[tokio::test]
async fn record_mode_saves_live_answers_and_never_errors() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/workflows/v1/workflows/wf1/execute",
        ResponseTemplate::new(200).set_body_json(execute_answer("r16", 1)),
        None,
    )
    .await;
    let stored = envelope("r16", "waiting_for_user_input", 1, json!({})).to_string();
    answer(
        &server,
        "GET",
        "/workflows/v1/workflow-runs/r16",
        ResponseTemplate::new(200).set_body_string(stored.clone()),
        None,
    )
    .await;
    answer(
        &server,
        "POST",
        "/workflows/v1/workflows/broken/execute",
        ResponseTemplate::new(500),
        None,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let live = Arc::new(engine(&server, |c| c.client.max_retries = 0));
    let recording = RecordingEngine::new(Arc::new(Empty), live, dir.path());
    let reply = recording
        .start(&start_request(System::Interactly, "wf1", None))
        .await
        .unwrap();
    assert_eq!(reply.run_id, "r16");
    let path = dir.path().join("interactly/r16.json");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), stored);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The saved recording loads as a run of the corpus.
    let corpus = reprise::corpus::Corpus::load(
        &[dir.path().to_path_buf()],
        &reprise::corpus::LoadOptions::default(),
    );
    assert_eq!(corpus.runs.len(), 1);
    // A live failure is returned, never recorded.
    let err = recording
        .start(&start_request(System::Interactly, "broken", None))
        .await
        .unwrap_err();
    // (A start that may have reached the server is not resent: the workflow may act.)
    assert!(
        matches!(&err, EngineError::Unsure(m) if m.contains("server error 500")),
        "{err:?}"
    );
    assert_eq!(recording.saved(), 1);
    assert_eq!(
        std::fs::read_dir(dir.path().join("interactly"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn the_fixture_cases_with_sms_or_mcp_are_refused() {
    let corpus = reprise::corpus::Corpus::load(
        &[std::path::PathBuf::from("fixtures")],
        &reprise::corpus::LoadOptions::default(),
    );
    let mut refused: Vec<String> = corpus
        .runs
        .iter()
        .filter(|r| r.is_case())
        .filter_map(|r| check_side_effects(r, false).err())
        .map(|e| format!("{}: {}", e.run_id, e.reasons.join("; ")))
        .collect();
    refused.sort();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused[0].starts_with("69a5725851cd4ae89dc12eb0: ") && refused[0].contains("MCP server")
    );
    assert!(
        refused[1].starts_with("69a5c80ad89188b55717debc: ") && refused[1].contains("send_sms")
    );
    // The MCP server's bearer token never reaches the refusal.
    assert!(!refused.iter().any(|r| r.contains("sk-synthetic")));
}

/// Replays every turn of `case`: (final status, turns answered, total tokens), or the error.
async fn outcome(engine: &dyn Engine, case: &Run) -> Result<(String, usize, u64), EngineError> {
    let reply = replay_case(engine, case, case.version).await?;
    Ok((
        reply.run.status.text.clone(),
        reply.turn + 1,
        reply.run.usage.total_tokens,
    ))
}

#[tokio::test]
async fn every_fixture_replays_through_reprise_serve_as_in_process() {
    let served = serve(&["fixtures"]);
    let corpus = reprise::corpus::Corpus::load(
        &[std::path::PathBuf::from("fixtures")],
        &reprise::corpus::LoadOptions::default(),
    );
    let recorded = reprise::engine::RecordedEngine::new(&corpus);
    for generation in [Generation::Current, Generation::Legacy] {
        let mut c = config(&served.url);
        c.interactly_generation = generation;
        c.secret_variables.clear();
        c.cortex_app_id = Some(FIXTURE_APP.into());
        let live = reprise::vendors::Registry::builtin()
            .http_engine(c)
            .unwrap();
        let mut by_system = BTreeMap::new();
        for case in corpus.cases() {
            let expected = outcome(&recorded, case).await;
            let got = outcome(&live, case).await;
            assert!(expected.is_ok(), "{}: {expected:?}", case.run_id);
            assert_eq!(got, expected, "{} over {generation:?}", case.run_id);
            *by_system.entry(case.system).or_insert(0) += 1;
        }
        assert_eq!(by_system.len(), 3, "{by_system:?}");
        assert!(by_system.values().sum::<usize>() >= 20);
    }
}

#[tokio::test]
async fn record_mode_grows_a_corpus_from_reprise_serve() {
    let served = serve(&["fixtures"]);
    let corpus = reprise::corpus::Corpus::load(
        &[std::path::PathBuf::from("fixtures")],
        &reprise::corpus::LoadOptions::default(),
    );
    // The cassette lacks one Noxus case; the live engine (serve) has every fixture.
    let missing = corpus
        .cases()
        .find(|r| r.system == System::Noxus && r.status.text == "completed")
        .unwrap()
        .clone();
    let primary = Arc::new(reprise::engine::RecordedEngine::from_runs(
        corpus
            .runs
            .iter()
            .filter(|r| r.run_id != missing.run_id)
            .cloned(),
    ));
    let live = Arc::new(
        reprise::vendors::Registry::builtin()
            .http_engine(config(&served.url))
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let recording = RecordingEngine::new(primary, live, dir.path());
    for case in corpus.cases() {
        let got = outcome(&recording, case).await;
        assert!(got.is_ok(), "{}: {got:?}", case.run_id);
    }
    // Only the miss went live and was recorded, byte for byte as served.
    assert_eq!(recording.saved(), 1);
    let saved = std::fs::read(dir.path().join(format!("noxus/{}.json", missing.run_id))).unwrap();
    assert_eq!(saved, missing.raw.bytes().unwrap().into_owned());
}
