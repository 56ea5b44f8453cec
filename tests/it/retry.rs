//! The live engines' resend rules against wiremock, one test per rule: a request that may have
//! reached the server is never resent blindly (turns are looked for first, starts of workflows
//! with side effects are resent only after failures that prove them unprocessed), 4xx answers
//! are final but for 408/409/425, GETs (evaluation results included) are read again.

use std::time::Duration;

use reprise::engine::{Engine, EngineError, TurnInput};
use reprise::model::System;
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{
    answer, engine, envelope, execute_answer, request_count, requests_to, start_request, stored_run,
};

const EXECUTE: &str = "/workflows/v1/workflows/wf1/execute";

/// A start answered `r1` with one turn; GETs of r1 answer `first_gets` times with one turn,
/// then with two.
async fn started_run(server: &MockServer, first_gets: u64) {
    Mock::given(method("POST"))
        .and(path(EXECUTE))
        .and(body_partial_json(
            json!({"run_input": {"command": "start"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(execute_answer("r1", 1)))
        .mount(server)
        .await;
    // Earlier GETs (higher priority while they last) show one turn, later ones two.
    for (turns, priority, times) in [(1, 1, Some(first_gets)), (2, 2, None)] {
        let mock = Mock::given(method("GET"))
            .and(path("/workflows/v1/workflow-runs/r1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
                "r1",
                "waiting_for_user_input",
                turns,
                json!({}),
            )))
            .with_priority(priority);
        match times {
            Some(n) => mock.up_to_n_times(n).mount(server).await,
            None => mock.mount(server).await,
        }
    }
}

fn next_turn() -> TurnInput {
    TurnInput {
        user_messages: vec!["second".into()],
        ..TurnInput::default()
    }
}

async fn turn_posts(server: &MockServer) -> usize {
    requests_to(server, EXECUTE)
        .await
        .iter()
        .filter(|r| r.body_json::<serde_json::Value>().unwrap()["run_id"] == "r1")
        .count()
}

#[tokio::test]
async fn a_turn_post_that_timed_out_is_looked_for_and_not_resent_when_it_arrived() {
    let server = MockServer::start().await;
    started_run(&server, 1).await;
    // The turn reaches the server, but its answer comes after the client gave up.
    Mock::given(method("POST"))
        .and(path(EXECUTE))
        .and(body_partial_json(json!({"run_id": "r1"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(execute_answer("r1", 2))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let engine = engine(&server, |c| {
        c.client.request_timeout = Duration::from_millis(300);
    });
    let reply = engine
        .start(&start_request(System::Interactly, "wf1", None))
        .await
        .unwrap();
    assert_eq!(reply.run.turns.len(), 1);
    let reply = engine.send("r1", &next_turn()).await.unwrap();
    // The GET after the timeout showed the second turn: it was not sent again.
    assert_eq!(reply.run.turns.len(), 2);
    assert_eq!(turn_posts(&server).await, 1);
}

#[tokio::test]
async fn a_turn_post_that_never_arrived_is_sent_again() {
    let server = MockServer::start().await;
    // GETs: after the start, after the failed turn (still one turn), then two turns.
    started_run(&server, 2).await;
    Mock::given(method("POST"))
        .and(path(EXECUTE))
        .and(body_partial_json(json!({"run_id": "r1"})))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EXECUTE))
        .and(body_partial_json(json!({"run_id": "r1"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(execute_answer("r1", 2)))
        .with_priority(2)
        .mount(&server)
        .await;
    let engine = engine(&server, |_| {});
    engine
        .start(&start_request(System::Interactly, "wf1", None))
        .await
        .unwrap();
    let reply = engine.send("r1", &next_turn()).await.unwrap();
    assert_eq!(reply.run.turns.len(), 2);
    assert_eq!(turn_posts(&server).await, 2);
}

/// Mounts a start route answering `first` once, then a started run.
async fn start_answering(server: &MockServer, first: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(EXECUTE))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    started_run(server, 10).await;
}

#[tokio::test]
async fn a_start_with_side_effects_is_resent_only_after_a_failure_that_proves_it_unprocessed() {
    let cases = [
        // (first answer, resent?)
        (ResponseTemplate::new(500).set_body_string("boom"), false),
        (
            ResponseTemplate::new(200).set_body_string("{\"run_id\": "),
            false,
        ),
        (
            ResponseTemplate::new(200)
                .set_body_json(execute_answer("r1", 1))
                .set_delay(Duration::from_secs(3)),
            false,
        ),
        (
            ResponseTemplate::new(429).insert_header("Retry-After", "0"),
            true,
        ),
        (
            ResponseTemplate::new(503).insert_header("Retry-After", "0"),
            true,
        ),
        (ResponseTemplate::new(409), true),
    ];
    for (i, (first, resent)) in cases.into_iter().enumerate() {
        let server = MockServer::start().await;
        start_answering(&server, first).await;
        let engine = engine(&server, |c| {
            c.client.request_timeout = Duration::from_millis(300);
        });
        let mut request = start_request(System::Interactly, "wf1", None);
        assert!(request.live.side_effects, "unknown counts as side effects");
        request.case_run_id = Some("case-7".into());
        let got = engine.start(&request).await;
        let posts = requests_to(&server, EXECUTE).await;
        assert!(posts
            .iter()
            .all(|r| r.headers.get("x-reprise-case").unwrap() == "case-7"));
        if resent {
            assert_eq!(posts.len(), 2, "case {i}");
            assert_eq!(got.unwrap().run_id, "r1", "case {i}");
        } else {
            assert_eq!(posts.len(), 1, "case {i}");
            let err = got.unwrap_err();
            assert!(
                matches!(&err, EngineError::Unsure(m) if m.contains("not sent again")),
                "case {i}: {err:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_start_without_side_effects_is_resent_after_any_transient_failure() {
    let server = MockServer::start().await;
    start_answering(&server, ResponseTemplate::new(500).set_body_string("boom")).await;
    let engine = engine(&server, |_| {});
    let mut request = start_request(System::Interactly, "wf1", None);
    request.live.side_effects = false;
    assert_eq!(engine.start(&request).await.unwrap().run_id, "r1");
    assert_eq!(request_count(&server, EXECUTE).await, 2);
}

#[tokio::test]
async fn client_errors_are_final_but_408_409_and_425() {
    for (status, final_) in [
        (404, true),
        (422, true),
        (400, true),
        (408, false),
        (425, false),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/workflows/v1/workflow-runs/r2"))
            .respond_with(ResponseTemplate::new(status).set_body_string("no"))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/workflows/v1/workflow-runs/r2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
                "r2",
                "completed",
                1,
                json!({}),
            )))
            .with_priority(2)
            .mount(&server)
            .await;
        let engine = engine(&server, |_| {});
        let got = engine.get(System::Interactly, "r2").await;
        let sent = request_count(&server, "/workflows/v1/workflow-runs/r2").await;
        if final_ {
            assert_eq!(sent, 1, "{status}");
            assert_eq!(
                got.unwrap_err(),
                EngineError::Refused {
                    status,
                    message: "no".into()
                }
            );
        } else {
            assert_eq!(sent, 2, "{status}");
            assert!(got.is_ok(), "{status}: {got:?}");
        }
    }
}

#[tokio::test]
async fn a_malformed_evaluation_result_is_read_again() {
    let server = MockServer::start().await;
    stored_run(&server, envelope("r3", "completed", 1, json!({})), None).await;
    let result = "/v1/workflow-runs/r3/evaluation-result";
    Mock::given(method("GET"))
        .and(path(result))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"passed\": tr"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(result))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"passed": true, "score": 0.9})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let engine = engine(&server, |_| {});
    let eval = engine
        .evaluation(System::Interactly, "r3", Some(("ev1", None)))
        .await
        .unwrap()
        .expect("an evaluation");
    assert_eq!(eval.eval.source_run_id.as_deref(), Some("r3"));
    assert_eq!(request_count(&server, result).await, 2);
}

#[tokio::test]
async fn only_a_completed_run_waits_for_its_evaluation() {
    for (status, waits) in [("completed", true), ("failed", false)] {
        let server = MockServer::start().await;
        stored_run(&server, envelope("r4", status, 1, json!({})), None).await;
        answer(
            &server,
            "GET",
            "/v1/workflow-runs/r4/evaluation-result",
            ResponseTemplate::new(404),
            None,
        )
        .await;
        let engine = engine(&server, |c| c.eval_wait = Duration::from_millis(400));
        let started = std::time::Instant::now();
        let got = engine
            .evaluation(System::Interactly, "r4", Some(("ev1", None)))
            .await
            .unwrap();
        assert!(got.is_none());
        let looks = request_count(&server, "/workflows/v1/workflow-runs/r4").await;
        if waits {
            assert!(started.elapsed() >= Duration::from_millis(400), "{status}");
            // Back-off from 5 ms: a handful of looks, not one per 5 ms.
            assert!((3..40).contains(&looks), "{status}: {looks} looks");
        } else {
            assert_eq!(looks, 1, "{status}");
        }
    }
}

#[tokio::test]
async fn noxus_and_cortex_starts_name_their_case_and_cortex_its_recorded_app() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/apps/app-rec/workflows/cwf/runs"))
        .and(header("x-reprise-case", "case-c"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "c1", "app_id": "app-rec", "workflow_id": "cwf", "status": "RUNNING"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "GET",
        "/apps/app-rec/workflows/cwf/runs/c1",
        ResponseTemplate::new(200).set_body_json(
            json!({"id": "c1", "app_id": "app-rec", "workflow_id": "cwf", "status": "COMPLETED"}),
        ),
        None,
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/v1/workflows/nwf/runs"))
        .and(header("x-reprise-case", "case-n"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "n1", "workflow_id": "nwf", "status": "completed", "progress": 100}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "GET",
        "/v1/workflows/nwf/runs/n1",
        ResponseTemplate::new(200).set_body_json(
            json!({"id": "n1", "workflow_id": "nwf", "status": "completed", "progress": 100}),
        ),
        None,
    )
    .await;
    // The engine's own --app-id is `app1`: the recording's app comes first.
    let engine = engine(&server, |_| {});
    let mut cortex = start_request(System::Cortex, "cwf", None);
    cortex.case_run_id = Some("case-c".into());
    cortex.live.app_id = Some("app-rec".into());
    assert_eq!(engine.start(&cortex).await.unwrap().run_id, "c1");
    assert_eq!(
        engine.get(System::Cortex, "c1").await.unwrap().status.text,
        "COMPLETED"
    );
    let mut noxus = start_request(System::Noxus, "nwf", None);
    noxus.case_run_id = Some("case-n".into());
    assert_eq!(engine.start(&noxus).await.unwrap().run_id, "n1");
}

#[tokio::test]
async fn a_case_given_up_after_its_start_keeps_its_tokens_and_its_run_is_stopped() {
    let server = MockServer::start().await;
    // Started, one turn answered (15 tokens); the second turn is refused for good (404).
    started_run(&server, 100).await;
    Mock::given(method("POST"))
        .and(path(EXECUTE))
        .and(body_partial_json(
            json!({"run_id": "r1", "run_input": {"command": "data"}}),
        ))
        .respond_with(ResponseTemplate::new(404).set_body_string("gone"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EXECUTE))
        .and(body_partial_json(
            json!({"run_id": "r1", "run_input": {"command": "stop"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(execute_answer("r1", 1)))
        .expect(1)
        .mount(&server)
        .await;
    let case = crate::common::load_one(&envelope("c1", "completed", 2, json!({})).to_string());
    let engine: std::sync::Arc<dyn Engine> = std::sync::Arc::new(engine(&server, |_| {}));
    let tmp = tempfile::tempdir().unwrap();
    let options = reprise::replay::Options {
        live: true,
        in_flight: Some(std::sync::Arc::new(reprise::engine::http::InFlight::new())),
        ..reprise::replay::Options::default()
    };
    let (_, stats) = reprise::pipeline::replay_to_folder(
        engine,
        vec![std::sync::Arc::new(case)],
        reprise::eval::Settings::default(),
        std::sync::Arc::new(reprise::replay::NoSnapshots),
        options,
        reprise::pipeline::Folder {
            out: tmp.path(),
            meta: reprise::report::RunMeta::default(),
            progress: false,
            terminal: std::io::sink(),
        },
    )
    .await
    .unwrap();
    assert_eq!(stats.all.errored, 1);
    let (_, rows) = crate::common::table(&tmp.path().join("runs.csv"));
    let row = &rows["c1"];
    assert_eq!(row["verdict"], "error");
    assert!(row["error"].contains("turn 2") && row["error"].contains("404"));
    // What the live run did before the failure is kept.
    assert_eq!(row["status"], "waiting_for_user_input");
    assert_eq!(row["turns"], "1");
    assert_eq!(row["total_tokens"], "15");
    // The refused turn was not sent again (404 is final).
    assert_eq!(turn_posts(&server).await, 2, "one turn POST and one stop");
}
