use std::path::Path;

use serde_json::{json, Value};

use crate::corpus::load::*;
use crate::model::Run;

/// One bare Interactly run read from `file`, with these top-level fields added.
fn run(file: &str, id: &str, extra: Value) -> Run {
    let mut doc = json!({"workflow_run_id": id, "status": "completed", "input_output_pairs": []});
    if let (Some(doc), Some(extra)) = (doc.as_object_mut(), extra.as_object()) {
        doc.extend(extra.clone());
    }
    crate::vendors::test_run(file, &doc.to_string())
}

fn evaluation(file: &str, id: &str, source: Option<&str>) -> Run {
    run(
        file,
        id,
        json!({"is_evaluation_run": true, "source_workflow_run_id": source}),
    )
}

fn ids(corpus: &Corpus) -> Vec<&str> {
    corpus.runs.iter().map(|r| r.run_id.as_str()).collect()
}

#[test]
fn the_first_copy_of_an_id_is_kept_and_the_others_are_warned_of_in_file_order() {
    let corpus = Corpus::from_runs(vec![
        run("1.json", "b", json!({"workflow_id": "first b"})),
        run("2.json", "a", json!({"workflow_id": "first a"})),
        run("3.json", "b", json!({"workflow_id": "second b"})),
        run("4.json", "a", json!({"workflow_id": "second a"})),
        run("5.json", "b", json!({"workflow_id": "third b"})),
    ]);
    assert_eq!(ids(&corpus), ["a", "b"]);
    let kept: Vec<_> = corpus
        .runs
        .iter()
        .map(|r| r.workflow_id.as_deref())
        .collect();
    assert_eq!(kept, [Some("first a"), Some("first b")]);
    let warned: Vec<String> = corpus.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warned,
        [
            "3.json: run id b already read from 1.json; this copy is ignored",
            "4.json: run id a already read from 2.json; this copy is ignored",
            "5.json: run id b already read from 1.json; this copy is ignored",
        ]
    );
    assert_eq!(
        corpus.get("a").unwrap().origin.path.as_ref(),
        Path::new("2.json")
    );
    assert!(corpus.get("c").is_none());
}

#[test]
fn evaluations_link_to_their_sources_and_the_named_one_wins() {
    let corpus = Corpus::from_runs(vec![
        // s1 names its evaluator e2; without the name e3 (the highest id) would win.
        run(
            "s1.json",
            "s1",
            json!({"evaluation_run_info": {"evaluation_workflow_run_id": "e2"}}),
        ),
        evaluation("e3.json", "e3", Some("s1")),
        evaluation("e2.json", "e2", Some("s1")),
        evaluation("e1.json", "e1", Some("s1")),
        // s2 names none: the highest id wins.
        run("s2.json", "s2", json!({})),
        evaluation("e5.json", "e5", Some("s2")),
        evaluation("e4.json", "e4", Some("s2")),
        // Dangling: a missing source, no source at all; a case naming a missing evaluator.
        evaluation("e6.json", "e6", Some("gone")),
        evaluation("e7.json", "e7", None),
        run(
            "s3.json",
            "s3",
            json!({"evaluation_run_info": {"evaluation_workflow_run_id": "e9"}}),
        ),
    ]);
    let judged = |id: &str| corpus.evaluation_of(id).map(|r| r.run_id.as_str());
    assert_eq!(judged("s1"), Some("e2"));
    assert_eq!(judged("s2"), Some("e5"));
    assert_eq!(judged("s3"), None);
    assert_eq!(judged("e1"), None);
    assert_eq!(judged("nobody"), None);
    assert_eq!(
        (corpus.linked_evaluations(), corpus.dangling_evaluations()),
        (5, 2)
    );
    let warned: Vec<String> = corpus.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warned,
        [
            "e6.json: evaluation run e6 evaluates gone, which is not in the corpus",
            "e7.json: evaluation run e7 has no source_workflow_run_id",
            "s3.json: run s3 names evaluation run e9, which is not in the corpus",
        ]
    );
}
