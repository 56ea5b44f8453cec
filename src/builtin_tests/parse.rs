use crate::formats::parse::*;
use crate::formats::Problem;
use crate::model::{Format, Run};
use crate::vendors::{cortex, interactly, noxus, Registry};

/// [`parse`] with the built-in vendors.
fn read(text: &str, forced: Option<Format>) -> Result<Run, Problem> {
    parse(text, forced, Registry::builtin().adapters())
}

#[test]
fn wrong_type_is_located_by_pointer_and_line() {
    let text = "{\"workflow_run\": {\"_id\": \"a\",\n \"workflow_run\": {\"status\": [\"done\"]}}}";
    let p = read(text, None).unwrap_err();
    assert_eq!(p.pointer, "/workflow_run/workflow_run/status");
    assert_eq!(p.line, Some(2));
    assert!(p.message.contains("invalid type"), "{}", p.message);
}

#[test]
fn keys_read_by_hand_are_in_the_pointer() {
    // Runtime variables, events, messages and node outputs are read by hand-written
    // visitors: their keys must reach the pointer of an error (a number beyond f64) as
    // derived fields' keys do.
    let cases = [
        (
            r#"{"workflow_run_id": "r", "input_output_pairs": [{"run_input":
                {"runtime_variables": {"input_dynamic_variables": {"a": [1e400]}}}}]}"#,
            "/input_output_pairs/0/run_input/runtime_variables/input_dynamic_variables/a/0",
        ),
        (
            r#"{"workflow_run_id": "r", "input_output_pairs": [{"run_output":
                {"events": [{"type": "say_llm"}, {"type": "say_llm", "logical_id": 1e400}]}}]}"#,
            "/input_output_pairs/0/run_output/events/1/logical_id",
        ),
        (
            r#"{"workflow_run_id": "r", "input_output_pairs": [{"run_output": {"events":
                [{"type": "say_llm", "llm_usage_info": {"prompt_tokens": -1e400}}]}}]}"#,
            "/input_output_pairs/0/run_output/events/0/llm_usage_info/prompt_tokens",
        ),
        (
            r#"{"workflow_run_id": "r", "input_output_pairs": [{"run_output": {"events":
                [{"class": "X", "event": {"type": "say_llm", "origin_node_logical_id": [2e400]}}]}}]}"#,
            "/input_output_pairs/0/run_output/events/0/event/origin_node_logical_id/0",
        ),
        (
            r#"{"workflow_run_id": "r", "input_output_pairs": [{"run_output": {"events":
                [{"type": "say_llm", "message": {"tool_calls": [{"name": "t", "args": {"n": 1e400}}]}}]}}]}"#,
            "/input_output_pairs/0/run_output/events/0/message/tool_calls/0/args/n",
        ),
        (
            r#"{"workflow_run_id": "r", "input_output_pairs": [{"run_input":
                {"thread_to_node_inputs": {"t1": {"node_run_inputs":
                [{"messages": [{"type": "human", "content": [{"text": 1e400}]}]}]}}}}]}"#,
            "/input_output_pairs/0/run_input/thread_to_node_inputs/t1/node_run_inputs/0/messages/0/content/0/text",
        ),
        (
            r#"{"workflow_run_id": "r", "input_output_pairs": [{"run_output":
                {"thread_to_node_outputs": {"0": [{"type": "llm", "structured_output": {"s": 1e400}}]}}}]}"#,
            "/input_output_pairs/0/run_output/thread_to_node_outputs/0/0/structured_output/s",
        ),
        (
            r#"{"workflow_run_id": "r", "input_output_pairs": [{"run_input":
                {"dynamic_variables": {"a": {"b": "x"}, "c": true, "now": 1, "d": [1, "x", {"e": 1e400}]}}}]}"#,
            "/input_output_pairs/0/run_input/dynamic_variables/d/2/e",
        ),
    ];
    for (text, pointer) in cases {
        let p = read(text, None).unwrap_err();
        assert_eq!(p.pointer, pointer, "{}", p.message);
        assert!(p.message.contains("out of range"), "{}", p.message);
    }
}

/// What the vendor types `Any` (stored events, messages and their content, tool calls,
/// metadata, runtime variables' values) loads whatever it holds; the usable parts are read.
#[test]
fn any_shapes_the_vendor_accepts_load() {
    let text = r#"{"workflow_run_id": "r", "input_output_pairs": [{"run_input":
        {"runtime_variables": {"input_dynamic_variables": "oops"},
         "thread_to_node_inputs": {"t1": {"node_run_inputs": [{"type": "llm", "messages": [
            {"type": "human", "content": 5}, "plain text", 7, null, [1],
            {"type": "human", "content": [{"type": "text", "text": "hi"}, {"text": 3}, 4, " there"]},
            {"type": "human", "content": {"text": "as one part"}}]}]}}},
        "run_output": {"events": [
            {"type": "say_llm", "logical_id": 7, "origin_node_logical_id": [],
             "message": {"content": "ok", "tool_calls": [{"name": 1}, "x", {"name": "book", "args": [1], "id": 2}]},
             "llm_usage_info": {"prompt_tokens": "many", "completion_tokens": -3, "total_tokens": 5}},
            {"type": "worker_llm", "message": "just text", "llm_usage_info": [1, 2]},
            {"type": "assistant_response", "content": {"x": 1}, "response_metadata": {"message_type": 4}},
            {"type": "user_messages", "messages": "not a list"},
            {"type": "future_event", "content": 5, "message": [1], "run_output": "x",
             "llm_usage_info": "n/a", "iteration_number": -1, "event": 5},
            {"type": "end_workflow_iteration", "iteration_number": 18446744073709551616,
             "run_input_output_pair": {"run_input": {"workflow_id": 3, "version_number": -2}}}],
         "thread_to_node_outputs": {"0": [{"type": "future_node", "node_logical_id": 5,
            "free_form_output": {"a": 1}, "events": {"not": "a list"}}]}}}]}"#;
    let n = read(text, None).expect("the vendor's model accepts this");
    let turn = &n.turns[0];
    assert_eq!(turn.input_dynamic_variables, None);
    assert_eq!(
        turn.user_messages,
        ["", "plain text", "hi there", "as one part"]
    );
    match &turn.events[0] {
        crate::model::Event::Llm {
            content,
            tool_calls,
            usage,
            node,
            ..
        } => {
            assert_eq!(content.as_deref(), Some("ok"));
            assert_eq!(node, &None);
            let names: Vec<&str> = tool_calls.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, ["", "book"]);
            let u = usage.as_deref().expect("usage");
            assert_eq!(
                (u.prompt_tokens, u.completion_tokens, u.total_tokens),
                (None, None, Some(5))
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &turn.events[1],
        crate::model::Event::Llm { content: Some(c), usage: None, .. } if &**c == "just text"
    ));
    assert!(matches!(
        &turn.events[2],
        crate::model::Event::AssistantResponse { content, message_type: None, .. } if content.is_empty()
    ));
    assert!(matches!(
        &turn.events[3],
        crate::model::Event::UserMessages { messages, .. } if messages.is_empty()
    ));
    assert_eq!(turn.events[4].kind(), "future_event");
    assert!(matches!(
        &turn.events[5],
        crate::model::Event::IterationEnd {
            iteration: None,
            workflow_id: None,
            version: Some(-2)
        }
    ));
    assert_eq!(turn.node_outputs[0].node, None);
    assert_eq!(turn.node_outputs[0].free_form_output.as_deref(), Some(""));
    // Each count that could not be used is named for the warning.
    let fields: Vec<&str> = n.usage.unusable.iter().map(|u| u.field).collect();
    assert_eq!(
        fields,
        [
            "llm_usage_info.prompt_tokens",
            "llm_usage_info.completion_tokens",
            "iteration_number",
            "iteration_number"
        ]
    );
}

/// Any JSON value (numbers within f64, a few levels deep).
fn any_json() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        (-1e300f64..1e300).prop_map(serde_json::Value::from),
        "\\PC{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("[a-z_]{0,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    /// Whatever the fields the vendor types `Any` (and those of event types reprise does not
    /// know) hold, the run loads.
    #[test]
    fn any_value_in_any_field_loads(
        value in any_json(),
        kind in proptest::sample::select(vec![
            "say_llm", "assistant_response", "user_messages", "end_node_run",
            "end_workflow_iteration", "say_static", "direct_edge", "future_type",
        ]),
        field in proptest::sample::select(vec![
            "message", "messages", "content", "llm_usage_info", "response_metadata",
            "run_output", "run_input_output_pair", "iteration_number", "logical_id",
            "origin_node_logical_id", "event", "error_message",
        ]),
    ) {
        let value = value.to_string();
        let text = format!(
            r#"{{"workflow_run_id": "r", "input_output_pairs": [{{
                "run_input": {{"runtime_variables": {{"input_dynamic_variables": {value}}},
                    "thread_to_node_inputs": {{"0": {{"node_run_inputs": [
                        {{"type": "llm", "messages": [{value}, {{"content": {value}}}]}}]}}}}}},
                "run_output": {{"events": [
                    {{"type": "{kind}", "{field}": {value}}},
                    {{"type": "say_llm", "message": {{"content": {value}, "tool_calls": {value},
                      "type": {value}, "name": {value}}}, "llm_usage_info": {{"prompt_tokens": {value}}}}},
                    {value}],
                  "thread_to_node_outputs": {{"0": [{{"type": "future_node",
                    "node_logical_id": {value}, "free_form_output": {value}, "events": {value}}}]}}}}}}]}}"#
        );
        let parsed = read(&text, None);
        proptest::prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed.err(), text);
    }
}

#[test]
fn minimal_runs_are_detected() {
    // A WorkflowRun dumped with `exclude_unset`: its id and nothing else.
    let n = read(r#"{"workflow_run_id": "bare"}"#, None).unwrap();
    assert_eq!((n.format, n.run_id.as_str()), (interactly::RUN, "bare"));
    assert_eq!(n.status.text, "not_started");
    assert!(n.turns.is_empty());
    // A WorkflowRunInput names a run too, but is none.
    for input in [
        r#"{"workflow_run_id": "x", "command": "start"}"#,
        r#"{"workflow_run_id": "x", "dynamic_variables": {}}"#,
        r#"{"workflow_run_id": "x", "thread_to_node_inputs": {}}"#,
    ] {
        assert!(read(input, None).is_err(), "{input}");
    }
    // Noxus and Cortex runs whose optional fields are all null.
    let n = read(
        r#"{"id": "n", "status": "queued", "group_id": null, "progress": null}"#,
        None,
    )
    .unwrap();
    assert_eq!(n.system, noxus::SYSTEM);
    let n = read(r#"{"id": "c", "status": null, "result": null}"#, None).unwrap();
    assert_eq!(n.system, cortex::SYSTEM);
}

#[test]
fn unknown_object_is_not_a_run() {
    let p = read(r#"{"hello": "world"}"#, None).unwrap_err();
    assert!(p.message.starts_with("not a run"), "{}", p.message);
}

#[test]
fn forced_format_skips_detection() {
    let n = read(r#"{"id": "r1", "status": "completed"}"#, Some(noxus::RUN)).unwrap();
    assert_eq!((n.system, n.run_id.as_str()), (noxus::SYSTEM, "r1"));
    assert!(read(r#"{"id": "r1", "status": "completed"}"#, None).is_err());
}
