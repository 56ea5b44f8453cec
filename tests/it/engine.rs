//! The recorded engine over the demo corpus (`fixtures/`) and `tests/data/recordings-v2/`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use reprise::corpus::{Corpus, LoadOptions};
use reprise::engine::{
    Engine, EngineError, FaultConfig, FaultyEngine, RecordedEngine, StartRequest, TurnInput,
};
use reprise::model::Run;

fn load(path: &str) -> Corpus {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = Corpus::load(
        &[root.join(path)],
        &LoadOptions {
            format: None,
            keep_raw: false,
            digest: false,
            ..LoadOptions::default()
        },
    );
    assert!(corpus.problems.is_empty(), "{:?}", corpus.problems);
    corpus
}

/// Replays every turn of `case`; the run id that answered the last turn, or the error.
async fn replay(
    engine: &dyn Engine,
    case: &Run,
    version: Option<i64>,
) -> Result<String, EngineError> {
    let request = StartRequest {
        system: case.system,
        workflow_id: case.workflow_id.clone().unwrap_or_default(),
        version,
        input: TurnInput::from_turn(&case.turns[0]),
        case_run_id: Some(case.run_id.clone()),
        live: reprise::engine::LiveHints::default(),
    };
    let mut reply = engine.start(&request).await?;
    for turn in &case.turns[1..] {
        reply = engine
            .send(&reply.run_id, &TurnInput::from_turn(turn))
            .await?;
    }
    assert_eq!(reply.turn + 1, case.turns.len());
    Ok(reply.run_id)
}

/// Recording id per v1 case id, from `tests/data/recordings-v2-expected.csv`.
fn v2_expected() -> BTreeMap<&'static str, (&'static str, &'static str)> {
    // case run_id → (v2 recording run_id, its evaluation run_id)
    BTreeMap::from([
        (
            "69a59566eec3645a209c3946",
            ("69a562e3c6e5b5fa8ec15faf", "69a57592a05aadfaf321fc72"),
        ),
        (
            "69a52e229c01261d80cda4e3",
            ("69a57e2b771244f7bbe3498f", "69a54caf6cb23fcb0dce9bbd"),
        ),
        (
            "69a55b0787ad309dd7b05c7e",
            ("69a51662c3fc86687211edb3", "69a536752562da2c170f4daa"),
        ),
    ])
}

#[tokio::test]
async fn every_fixture_case_replays_to_itself() {
    let corpus = load("fixtures");
    let recordings = load("tests/data/recordings-v2");
    let engine = RecordedEngine::from_corpora(&[&corpus, &recordings]);
    let mut replayed = 0;
    for case in corpus.cases() {
        let id = replay(&engine, case, case.version).await;
        assert_eq!(id.as_deref(), Ok(case.run_id.as_str()), "{}", case.run_id);
        let eval = engine
            .evaluation(case.system, &case.run_id, None)
            .await
            .unwrap();
        assert_eq!(
            eval.map(|e| e.run_id.clone()),
            corpus.evaluation_of(&case.run_id).map(|e| e.run_id.clone())
        );
        replayed += 1;
    }
    assert_eq!(replayed, corpus.cases().count());
    assert!(replayed >= 20, "{replayed}");
}

#[tokio::test]
async fn v1_cases_at_version_2_answer_with_the_v2_recordings() {
    let corpus = load("fixtures");
    let recordings = load("tests/data/recordings-v2");
    let engine = RecordedEngine::from_corpora(&[&corpus, &recordings]);
    let expected = v2_expected();
    for (case_id, (recording, evaluation)) in &expected {
        let case = corpus.get(case_id).unwrap();
        assert_eq!(case.version, Some(1));
        let id = replay(&engine, case, Some(2)).await.unwrap();
        assert_eq!(id, *recording);
        let eval = engine
            .evaluation(case.system, &id, None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(eval.run_id, *evaluation);
    }
    // The other cases of that workflow have no v2 recording of their inputs: a miss naming
    // the nearest recordings, without patient data.
    let other = corpus.get("69a5ba26c2b17a6b95c5b217").unwrap(); // 10-intake-null-usage
    let err = replay(&engine, other, Some(2)).await.unwrap_err();
    let EngineError::Miss(text) = &err else {
        panic!("{err:?}")
    };
    assert!(
        text.contains("version 2 (recorded versions: 1, 2)"),
        "{text}"
    );
    // Nearest: the case itself (same inputs, version 1), then v2 runs of other inputs.
    assert!(
        text.contains("nearest: run 69a5ba26c2b17a6b95c5b217 (version 1): version differs; run "),
        "{text}"
    );
    assert!(
        text.contains("(version 2): dynamic variable patient_name differs"),
        "{text}"
    );
    for (var, value) in other.turns[0].caller_variables() {
        let value = value.as_str().unwrap_or_default();
        assert!(
            value.is_empty() || !text.contains(value),
            "{var} leaked: {text}"
        );
    }
}

#[tokio::test]
async fn version_3_is_a_miss_naming_the_v1_and_v2_recordings_of_the_inputs() {
    let corpus = load("fixtures");
    let recordings = load("tests/data/recordings-v2");
    let engine = RecordedEngine::from_corpora(&[&corpus, &recordings]);
    let case = corpus.get("69a59566eec3645a209c3946").unwrap();
    let err = replay(&engine, case, Some(3)).await.unwrap_err();
    let EngineError::Miss(text) = err else {
        panic!("not a miss")
    };
    let v2 = v2_expected()["69a59566eec3645a209c3946"].0;
    assert!(
        text.contains(&format!("run {} (version 1): version differs", case.run_id)),
        "{text}"
    );
    assert!(
        text.contains(&format!("run {v2} (version 2): version differs")),
        "{text}"
    );
}

#[tokio::test]
async fn a_changed_user_message_in_a_fixture_misses_redacted() {
    let corpus = load("fixtures");
    let engine = RecordedEngine::new(&corpus);
    let case = corpus.get("69a59566eec3645a209c3946").unwrap();
    let mut changed = (**case).clone();
    let original = changed.turns[1].user_messages[0].clone();
    changed.turns[1].user_messages[0] = "Something else entirely".into();
    let err = replay(&engine, &changed, Some(1)).await.unwrap_err();
    let EngineError::Miss(text) = &err else {
        panic!("{err:?}")
    };
    assert!(text.contains("turn 2 user message differs"), "{text}");
    assert!(
        !text.contains(&original) && !text.contains("Something else"),
        "{text}"
    );
}

#[tokio::test]
async fn a_faulty_engine_fails_at_the_configured_rate() {
    let corpus = load("fixtures");
    let engine = FaultyEngine::new(
        RecordedEngine::new(&corpus),
        FaultConfig {
            seed: 7,
            error_rate: 0.2,
            rate_limit_rate: 0.1,
            retry_after_ms: 2000,
            ..FaultConfig::default()
        },
    );
    let case = corpus.cases().next().unwrap().clone();
    let (mut server, mut limited, mut ok) = (0, 0, 0);
    for _ in 0..2000 {
        match engine.get(case.system, &case.run_id).await {
            Ok(run) => {
                assert!(Arc::ptr_eq(&run, &case));
                ok += 1
            }
            Err(EngineError::Server { status, .. }) => {
                assert!((500..600).contains(&status));
                server += 1
            }
            Err(EngineError::RateLimited { retry_after_ms }) => {
                assert_eq!(retry_after_ms, Some(2000));
                limited += 1
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    // 2,000 draws: standard errors ~0.9 % and ~0.7 %; allow 3 %.
    assert!((340..=460).contains(&server), "{server}");
    assert!((140..=260).contains(&limited), "{limited}");
    assert_eq!(server + limited + ok, 2000);
}
