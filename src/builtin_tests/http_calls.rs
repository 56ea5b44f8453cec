use std::sync::Arc;

use crate::engine::http::calls::*;
use crate::engine::EngineError;

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
    let adapters = crate::vendors::Registry::builtin().adapters();
    let err = parse_run(
        Arc::from(&b"{not json"[..]),
        "http://x/runs/1",
        adapters,
        None,
    )
    .unwrap_err();
    assert!(matches!(err, EngineError::Malformed(_)), "{err:?}");
    let run = parse_run(
        Arc::from(&br#"{"id":"n1","status":"completed","progress":100}"#[..]),
        "http://x/runs/n1",
        adapters,
        None,
    )
    .unwrap();
    assert_eq!(
        (run.system, run.run_id.as_str()),
        (crate::vendors::noxus::SYSTEM, "n1")
    );
}
