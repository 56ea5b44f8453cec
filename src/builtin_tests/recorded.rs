//! Cassette matching over small in-test runs.

use std::sync::Arc;

use serde_json::{json, Value};

use std::time::Duration;

use crate::corpus::Corpus;
use crate::engine::recorded::*;
use crate::engine::{Engine, EngineError, StartRequest, TurnInput};
use crate::model::Run;
use crate::model::Variables;

/// Parses one in-test document into a run.
fn run(doc: Value) -> Run {
    crate::vendors::test_run("mem.json", &doc.to_string())
}

/// A bare Interactly run: a start turn with `vars`, then one data turn per message.
fn interactly(id: &str, version: i64, vars: Value, messages: &[&str]) -> Run {
    let mut pairs = vec![json!({
        "run_input": {"command": "start", "dynamic_variables": vars,
                      "thread_to_node_inputs": {"0": {"node_run_inputs": []}}},
        "run_output": {"events": [{"type": "worker_llm", "logical_id": format!("{id}-e0"),
            "llm_usage_info": {"llm_response_id": "c0", "response_latency_milliseconds": 120.0}}]}
    })];
    for (i, m) in messages.iter().enumerate() {
        pairs.push(json!({
            "run_input": {"command": "data", "thread_to_node_inputs": {"0": {"node_run_inputs": [
                {"type": "llm", "messages": [{"type": "human", "content": m}]}]}}},
            "run_output": {"events": [{"type": "worker_llm", "logical_id": format!("{id}-e{}", i + 1),
                "llm_usage_info": {"llm_response_id": format!("c{}", i + 1),
                                   "response_latency_milliseconds": 80.0}}]}
        }));
    }
    run(json!({
        "workflow_run_id": id, "workflow_id": "wf", "version_number": version,
        "status": "completed", "input_output_pairs": pairs
    }))
}

fn evaluation(id: &str, source: &str) -> Run {
    run(json!({
        "workflow_run_id": id, "workflow_id": "evaluator", "version_number": 1,
        "status": "completed", "is_evaluation_run": true, "source_workflow_run_id": source,
        "input_output_pairs": []
    }))
}

fn patient() -> Value {
    json!({"patient_name": "Morgan Vale", "clinic": "Maple"})
}

/// The case `c1` at version 1, two v2 recordings of the same inputs, one v2 of other inputs.
fn engine() -> RecordedEngine {
    let corpus = Corpus::from_runs(vec![
        interactly("c1", 1, patient(), &["annual physical", "monday at nine"]),
        interactly("a0", 1, patient(), &["annual physical", "monday at nine"]),
        evaluation("e1", "c1"),
    ]);
    let recordings = Corpus::from_runs(vec![
        interactly("v2-b", 2, patient(), &["annual physical", "monday at nine"]),
        interactly("v2-a", 2, patient(), &["annual physical", "monday at nine"]),
        interactly("v2-0", 2, json!({"patient_name": "Other"}), &["x"]),
        evaluation("e2", "v2-a"),
    ]);
    RecordedEngine::from_corpora(&[&corpus, &recordings])
}

fn start(case: &Run, version: Option<i64>) -> StartRequest {
    StartRequest {
        system: case.system,
        workflow_id: case.workflow_id.clone().unwrap(),
        version,
        input: TurnInput::from_turn(&case.turns[0]),
        case_run_id: Some(case.run_id.clone()),
        live: crate::engine::LiveHints::default(),
    }
}

/// Replays every turn of `case`, returning the run id answering each turn.
async fn replay(engine: &RecordedEngine, case: &Run, version: Option<i64>) -> Vec<String> {
    let mut reply = engine.start(&start(case, version)).await.unwrap();
    let mut ids = vec![reply.run_id.clone()];
    for (t, turn) in case.turns.iter().enumerate().skip(1) {
        reply = engine
            .send(&reply.run_id, &TurnInput::from_turn(turn))
            .await
            .unwrap();
        assert_eq!(reply.turn, t);
        ids.push(reply.run_id.clone());
    }
    ids
}

#[tokio::test]
async fn same_inputs_at_the_case_version_answer_with_the_case_itself() {
    let e = engine();
    let case = e.run("c1").unwrap().clone();
    // `a0` has the same inputs and a lower id, but the case's own recording wins.
    assert_eq!(replay(&e, &case, Some(1)).await, ["c1", "c1", "c1"]);
    assert_eq!(replay(&e, &case, None).await, ["c1", "c1", "c1"]);
    // Without a case, the lowest run id wins.
    let mut req = start(&case, Some(1));
    req.case_run_id = None;
    assert_eq!(e.start(&req).await.unwrap().run_id, "a0");
    // Finished: nothing left in flight.
    assert!(!e.in_flight("c1"));
}

#[tokio::test]
async fn v1_cases_at_version_2_find_the_v2_recordings_of_the_same_inputs() {
    let e = engine();
    let case = e.run("c1").unwrap().clone();
    assert_eq!(replay(&e, &case, Some(2)).await, ["v2-a", "v2-a", "v2-a"]);
    let eval = e
        .evaluation(crate::vendors::interactly::SYSTEM, "v2-a", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(eval.run_id, "e2");
    assert!(e
        .evaluation(crate::vendors::interactly::SYSTEM, "v2-b", None)
        .await
        .unwrap()
        .is_none());
    assert_eq!(e.evaluation_of("c1").unwrap().run_id, "e1");
}

#[tokio::test]
async fn version_3_misses_and_names_the_nearest_recordings() {
    let e = engine();
    let case = e.run("c1").unwrap().clone();
    let err = e.start(&start(&case, Some(3))).await.unwrap_err();
    let EngineError::Miss(text) = err else {
        panic!("{err:?}")
    };
    assert!(
        text.contains("version 3 (recorded versions: 1, 2)"),
        "{text}"
    );
    // Nearest: the same inputs at other versions (each differing only by version), case first
    // among equals by id order: a0, c1, v2-a.
    assert!(
        text.contains("nearest: run a0 (version 1): version differs; run c1 (version 1): version differs; run v2-a (version 2): version differs"),
        "{text}"
    );
    assert!(!text.contains("Morgan"), "{text}");
}

#[tokio::test]
async fn volatile_dynamic_variables_are_ignored() {
    let recorded = interactly(
        "r1",
        1,
        json!({"patient_name": "Ann", "now": "March 02", "rand_int": 5, "timestamp": 1}),
        &["hi"],
    );
    let e = RecordedEngine::from_runs([Arc::new(recorded.clone())]);
    let mut req = start(&recorded, Some(1));
    req.case_run_id = None;
    req.input.dynamic_variables = json!({"patient_name": "Ann", "now": "June 9", "rand_int": 77})
        .as_object()
        .cloned()
        .unwrap();
    assert_eq!(e.start(&req).await.unwrap().run_id, "r1");
    // A caller variable is not volatile.
    req.input
        .dynamic_variables
        .insert("patient_name".into(), json!("Bob"));
    let err = e.start(&req).await.unwrap_err();
    assert_eq!(
        err,
        EngineError::Miss(
            "interactly workflow wf version 1 (recorded versions: 1), turn 1: nearest: run r1 (version 1): dynamic variable patient_name differs".into()
        )
    );
}

#[tokio::test]
async fn input_dynamic_variables_are_what_the_caller_sent() {
    let mut recorded = interactly("r1", 1, json!({"patient_name": "Ann", "added": 1}), &[]);
    recorded.turns[0].input_dynamic_variables = json!({"patient_name": "Ann"})
        .as_object()
        .cloned()
        .map(Variables::from);
    let e = RecordedEngine::from_runs([Arc::new(recorded.clone())]);
    let mut req = start(&recorded, Some(1));
    assert!(!req.input.dynamic_variables.contains_key("added"));
    assert_eq!(e.start(&req).await.unwrap().run_id, "r1");
    req.input.dynamic_variables.insert("added".into(), json!(1));
    assert!(e.start(&req).await.is_err());
}

#[tokio::test]
async fn a_changed_user_message_misses_without_quoting_it() {
    let e = engine();
    let case = e.run("c1").unwrap().clone();
    let reply = e.start(&start(&case, Some(1))).await.unwrap();
    let first = e
        .send(&reply.run_id, &TurnInput::from_turn(&case.turns[1]))
        .await
        .unwrap();
    let mut changed = TurnInput::from_turn(&case.turns[2]);
    changed.user_messages = vec!["tuesday at ten".into()];
    let err = e.send(&first.run_id, &changed).await.unwrap_err();
    let EngineError::Miss(text) = err else {
        panic!("{err:?}")
    };
    assert!(text.contains("turn 3:"), "{text}");
    assert!(
        text.contains("run a0 (version 1): turn 3 user message differs; run c1 (version 1): turn 3 user message differs"),
        "{text}"
    );
    assert!(
        !text.contains("tuesday") && !text.contains("monday"),
        "{text}"
    );
    // The miss ends that replay.
    assert!(!e.in_flight("c1"));
}

#[tokio::test]
async fn recordings_that_part_later_switch_the_answering_run() {
    let e = RecordedEngine::from_runs(
        [
            interactly("a", 1, patient(), &["same", "left"]),
            interactly("b", 1, patient(), &["same", "right"]),
        ]
        .map(Arc::new),
    );
    let b = e.run("b").unwrap().clone();
    let mut req = start(&b, Some(1));
    req.case_run_id = None;
    let r0 = e.start(&req).await.unwrap();
    assert_eq!(r0.run_id, "a");
    let r1 = e
        .send("a", &TurnInput::from_turn(&b.turns[1]))
        .await
        .unwrap();
    assert_eq!(r1.run_id, "a");
    let r2 = e
        .send("a", &TurnInput::from_turn(&b.turns[2]))
        .await
        .unwrap();
    assert_eq!((r2.run_id.as_str(), r2.turn), ("b", 2));
    // Past the end of every recording: a miss naming the run.
    let err = e.send("b", &TurnInput::default()).await.unwrap_err();
    assert!(
        matches!(&err, EngineError::Miss(t) if t.contains("run b has no turn in flight")),
        "{err:?}"
    );
}

#[tokio::test]
async fn concurrent_replays_of_one_recording_keep_their_own_turns() {
    let e = engine();
    let case = e.run("c1").unwrap().clone();
    let a = e.start(&start(&case, Some(1))).await.unwrap();
    let b = e.start(&start(&case, Some(1))).await.unwrap();
    assert_eq!((a.run_id.as_str(), b.run_id.as_str()), ("c1", "c1"));
    let a1 = e
        .send("c1", &TurnInput::from_turn(&case.turns[1]))
        .await
        .unwrap();
    assert_eq!(a1.turn, 1);
    // The second replay is still at turn 0: its turn 1 input is answered, not turn 2's.
    let b1 = e
        .send("c1", &TurnInput::from_turn(&case.turns[1]))
        .await
        .unwrap();
    assert_eq!(b1.turn, 1);
    let a2 = e
        .send("c1", &TurnInput::from_turn(&case.turns[2]))
        .await
        .unwrap();
    let b2 = e
        .send("c1", &TurnInput::from_turn(&case.turns[2]))
        .await
        .unwrap();
    assert_eq!((a2.turn, b2.turn), (2, 2));
    assert!(!e.in_flight("c1"));
}

#[tokio::test]
async fn single_shot_systems_match_their_input() {
    let nox = run(
        json!({"id": "n1", "workflow_id": "dag", "status": "completed",
        "progress": 100, "input": {"note": "text"}, "output": {"summary": "ok"}}),
    );
    let cor = run(
        json!({"id": "c1", "workflow_id": "steps", "status": "COMPLETED",
        "app_id": "app", "version": 4, "input": {"letter": "x"}, "usage": {"total": 1.5}}),
    );
    let e = RecordedEngine::from_runs([Arc::new(nox.clone()), Arc::new(cor.clone())]);
    let req = |r: &Run| StartRequest {
        system: r.system,
        workflow_id: r.workflow_id.clone().unwrap(),
        version: None,
        input: TurnInput::from_turn(&r.turns[0]),
        case_run_id: None,
        live: crate::engine::LiveHints::default(),
    };
    assert_eq!(e.start(&req(&nox)).await.unwrap().run_id, "n1");
    // Noxus has no version numbers: asking for one changes nothing.
    let mut versioned = req(&nox);
    versioned.version = Some(2);
    assert_eq!(e.start(&versioned).await.unwrap().run_id, "n1");
    // Cortex has them.
    let mut versioned = req(&cor);
    versioned.version = Some(2);
    assert!(e.start(&versioned).await.is_err());
    assert_eq!(e.start(&req(&cor)).await.unwrap().run_id, "c1");
    assert!(!e.in_flight("n1") && !e.in_flight("c1"));
    let mut other = req(&nox);
    other.input.input = Some(json!({"note": "changed"}));
    let err = e.start(&other).await.unwrap_err();
    assert!(
        matches!(&err, EngineError::Miss(t) if t.ends_with("run n1: turn 1 input field note differs")),
        "{err:?}"
    );
    // The same workflow id on another system is another workflow.
    let mut wrong = req(&nox);
    wrong.system = crate::vendors::cortex::SYSTEM;
    assert!(e.start(&wrong).await.is_err());
    assert!(matches!(
        e.stop(crate::vendors::noxus::SYSTEM, "n1").await,
        Err(EngineError::Unsupported(_))
    ));
    assert!(matches!(
        e.comment(crate::vendors::cortex::SYSTEM, "c1", "hi").await,
        Err(EngineError::Unsupported(_))
    ));
    assert!(e.stop(crate::vendors::cortex::SYSTEM, "c1").await.is_ok());
    assert_eq!(
        e.get(crate::vendors::noxus::SYSTEM, "n1")
            .await
            .unwrap()
            .run_id,
        "n1"
    );
    assert!(e.get(crate::vendors::cortex::SYSTEM, "n1").await.is_err());
}

#[tokio::test]
async fn stop_drops_a_run_in_flight() {
    let e = engine();
    let case = e.run("c1").unwrap().clone();
    e.start(&start(&case, Some(1))).await.unwrap();
    assert!(e.in_flight("c1"));
    e.stop(crate::vendors::interactly::SYSTEM, "c1")
        .await
        .unwrap();
    assert!(!e.in_flight("c1"));
    assert!(e
        .comment(crate::vendors::interactly::SYSTEM, "c1", "note")
        .await
        .is_ok());
}

#[test]
fn turn_latency_counts_each_call_once() {
    let r = interactly("r", 1, json!({}), &["a"]);
    assert_eq!(turn_latency_ms(&r.turns[0]), 120.0);
    assert_eq!(turn_latency_ms(&r.turns[1]), 80.0);
}

#[tokio::test(start_paused = true)]
async fn latency_replay_sleeps_the_recorded_latency_times_the_factor() {
    // The clock is paused: sleeps advance it exactly, whatever the machine's load.
    let recorded = interactly("r", 1, json!({}), &["a"]);
    let slow = RecordedEngine::from_runs([Arc::new(recorded.clone())]).with_latency_factor(0.5);
    let clock = tokio::time::Instant::now();
    let reply = slow.start(&start(&recorded, Some(1))).await.unwrap();
    assert_eq!(clock.elapsed(), Duration::from_millis(60));
    slow.send(&reply.run_id, &TurnInput::from_turn(&recorded.turns[1]))
        .await
        .unwrap();
    assert_eq!(clock.elapsed(), Duration::from_millis(100));
    // Factor 0 (the default) answers at once.
    let instant = RecordedEngine::from_runs([Arc::new(recorded.clone())]);
    let clock = tokio::time::Instant::now();
    instant.start(&start(&recorded, Some(1))).await.unwrap();
    assert_eq!(clock.elapsed(), Duration::ZERO);
}
