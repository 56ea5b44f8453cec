//! Property test of the re-walk: for random edits of a recorded config, a case classified
//! `unaffected` re-walks to exactly its recorded node path and edge sequence, and (checked
//! apart from the walk) touches no node or edge that the edits changed.

use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{json, Value};

use super::classify::classify;
use super::config::{parse_hydrated, recorded_config_bytes, Hydrated};
use super::diff::{diff, edge_fields, node_fields};
use super::graph::{node_kind, pure_expression, Graph, NodeKind};
use super::walk::{recorded_path, walk, Impact, PathStep, Plan};
use crate::corpus::{Corpus, LoadOptions};
use crate::model::{Event, Run};

const WORKFLOW: &str = "69a5ab8d27542b571e6ab925";

fn data() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/impact")
}

fn cases() -> Vec<Arc<Run>> {
    let corpus = Corpus::load(
        &[data().join("cases")],
        &LoadOptions {
            keep_raw: true,
            ..LoadOptions::default()
        },
    );
    assert!(corpus.problems.is_empty(), "{:?}", corpus.problems);
    corpus.runs
}

fn base() -> Value {
    let text = std::fs::read(data().join("candidates/same.json")).expect("base config");
    serde_json::from_slice(&text).expect("base config is JSON")
}

const EXPRESSIONS: [&str; 6] = [
    "[[urgency]] == 'soon'",
    "[[urgency]] != 'routine'",
    "isPresent([[urgency]])",
    "[[symptom_duration_days]] > 2",
    "[[urgency]] == 'urgent'",
    "NOT isPresent([[reason_for_visit]])",
];

/// Applies one edit, chosen by `op`, to nodes/edges chosen by `a` and `b`.
fn edit(cfg: &mut Value, op: u8, a: usize, b: usize) {
    let nodes = cfg["node_configs"].as_array().map_or(0, Vec::len);
    let edges = cfg["edge_configs"].as_array().map_or(0, Vec::len);
    if nodes == 0 {
        return;
    }
    let node_id = |cfg: &Value, i: usize| cfg["node_configs"][i % nodes]["logical_id"].clone();
    match op {
        0 if edges > 0 => cfg["edge_configs"][a % edges]["disabled"] = json!(true),
        1 if edges > 0 => {
            if let Some(e) = cfg["edge_configs"].as_array_mut() {
                e.remove(a % edges);
            }
        }
        2 => {
            let id = node_id(cfg, a);
            if let Some(n) = cfg["node_configs"].as_array_mut() {
                n.retain(|n| n["logical_id"] != id);
            }
            if let Some(e) = cfg["edge_configs"].as_array_mut() {
                e.retain(|e| {
                    e["source_node_logical_id"] != id && e["destination_node_logical_id"] != id
                });
            }
        }
        3 => {
            let n = &mut cfg["node_configs"][a % nodes];
            if n.get("main_response_config").is_some_and(Value::is_object) {
                n["main_response_config"]["prompt"] = json!(format!("Edited prompt {b}."));
            } else {
                n["static_messages_config"] = json!({"static_messages": [format!("Edited {b}")]});
            }
        }
        4 if edges > 0 => {
            cfg["edge_configs"][a % edges]["condition"] =
                json!({"condition_freeform": format!("Edited condition {b}.")});
            cfg["edge_configs"][a % edges]["type"] = json!("conditional");
        }
        5 if edges > 0 => {
            cfg["edge_configs"][a % edges]["condition"] =
                json!({"condition_expression": EXPRESSIONS[b % EXPRESSIONS.len()]});
            cfg["edge_configs"][a % edges]["type"] = json!("conditional");
        }
        6 if edges > 0 => {
            let d = node_id(cfg, b);
            cfg["edge_configs"][a % edges]["destination_node_logical_id"] = d;
        }
        7 if edges > 0 => {
            cfg["edge_configs"][a % edges]["type"] = json!("direct");
            cfg["edge_configs"][a % edges]["condition"] = Value::Null;
        }
        8 => {
            let n = &mut cfg["node_configs"][a % nodes];
            let w = n["wait_for_user_message"].as_bool().unwrap_or(true);
            n["wait_for_user_message"] = json!(!w);
        }
        9 => cfg["node_configs"][a % nodes]["disabled"] = json!(true),
        10 => {
            if let Some(n) = cfg["node_configs"].as_array_mut() {
                n.push(json!({"logical_id": format!("node_added_{b}"), "name": format!("Added {b}"), "type": "say_static", "workflow_id": WORKFLOW}));
            }
        }
        11 => {
            let (s, d) = (node_id(cfg, a), node_id(cfg, b));
            let e = match b % 3 {
                0 => json!({"type": "direct"}),
                1 => json!({"type": "conditional", "condition": {"condition_freeform": "Added."}}),
                _ => {
                    json!({"type": "conditional", "condition": {"condition_expression": EXPRESSIONS[a % EXPRESSIONS.len()]}})
                }
            };
            let mut e = e;
            e["logical_id"] = json!(format!("edge_added_{a}_{b}"));
            e["source_node_logical_id"] = s;
            e["destination_node_logical_id"] = d;
            if let Some(list) = cfg["edge_configs"].as_array_mut() {
                list.insert(b % (list.len() + 1), e);
            }
        }
        12 => cfg["workflow_config"]["default_prompt_prefix"] = json!(format!("Prefix {b}.")),
        13 => {
            let n = &mut cfg["node_configs"][a % nodes];
            let s = n["is_start"].as_bool().unwrap_or(false);
            n["is_start"] = json!(!s);
        }
        14 => {
            cfg["node_configs"][a % nodes]["global_node_config"] =
                json!({"is_global": true, "condition": {"condition_freeform": "Global."}})
        }
        15 => cfg["node_configs"][a % nodes]["name"] = json!(format!("Renamed {b}")),
        _ => cfg["workflow_config"]["description"] = json!(format!("Described {b}")),
    }
}

fn recorded_graph(run: &Run) -> Graph {
    let doc = run.raw.bytes().expect("raw bytes");
    let bytes = recorded_config_bytes(&doc).expect("recorded config");
    Graph::new(parse_hydrated(&bytes, "case", "").expect("recorded config parses"))
}

/// Apart from the walk: the recorded path touches nothing the edits changed.
fn touches_no_change(run: &Run, rec: &Graph, cand: &Graph) -> Result<(), String> {
    let d = diff(rec, cand);
    let mut visited = Vec::new();
    let mut ran = Vec::new();
    let mut taken = Vec::new();
    for e in run.events() {
        match e {
            Event::NodeStart { node: Some(n), .. } => {
                visited.push(n.to_string());
                ran.push(n.to_string());
            }
            Event::BusyWait { node: Some(n) } => visited.push(n.to_string()),
            Event::Edge {
                source: Some(s),
                destination: Some(t),
                ..
            } => {
                visited.push(t.to_string());
                taken.push((s.to_string(), t.to_string()));
            }
            _ => {}
        }
    }
    for id in &visited {
        let (Some(a), Some(b)) = (rec.node(id), cand.node(id)) else {
            return Err(format!("node {id} is missing"));
        };
        if !node_fields(a, b).is_empty() || b.disabled == Some(true) {
            return Err(format!("node {id} changed: {:?}", node_fields(a, b)));
        }
        // Every workflow-level change but the LLM config (each LLM node of these fixtures
        // has its own) reaches every LLM node.
        let read = d
            .workflow_fields
            .iter()
            .any(|f| f != "llms_config" && f != "attachable_llm_config_id");
        if node_kind(b.node_type.as_deref()) == NodeKind::Llm && (read || d.globals.is_some()) {
            return Err(format!("LLM node {id} reads changed workflow settings"));
        }
    }
    for (s, t) in &taken {
        // The recorded config's edge between the two nodes, and the candidate's edge of the
        // same id (an added edge may join the same nodes; events' edge ids are not reliable).
        let find = |g: &Graph, id: Option<&str>| {
            g.enabled_out(s)
                .find(|e| {
                    e.destination_node_logical_id.as_deref() == Some(t.as_str())
                        && id.is_none_or(|id| e.logical_id.as_deref() == Some(id))
                })
                .cloned()
        };
        let a = find(rec, None);
        let b = a
            .as_ref()
            .and_then(|a| find(cand, Some(a.logical_id.as_deref().unwrap_or_default())));
        let (Some(a), Some(b)) = (a, b) else {
            return Err(format!("edge {s} -> {t} is not in both"));
        };
        let f: Vec<String> = edge_fields(&a, &b)
            .into_iter()
            .filter(|f| f != "condition_expression")
            .collect();
        if !f.is_empty() {
            return Err(format!("edge {s} -> {t} changed: {f:?}"));
        }
    }
    for id in &ran {
        // At an LLM node, or one without a direct edge, the edges an LLM judges (offered to
        // its call as tools) are the same.
        let llm = cand
            .node(id)
            .is_some_and(|x| node_kind(x.node_type.as_deref()) == NodeKind::Llm);
        let direct = cand
            .enabled_out(id)
            .any(|e| e.edge_type.as_deref() == Some("direct"));
        if !llm && direct {
            continue;
        }
        let judged = |g: &Graph| -> Vec<super::config::EdgeConfig> {
            g.enabled_out(id)
                .filter(|e| {
                    e.edge_type.as_deref() == Some("conditional") && pure_expression(e).is_none()
                })
                .cloned()
                .collect()
        };
        let (a, b) = (judged(rec), judged(cand));
        if a.len() != b.len() || a.iter().zip(&b).any(|(x, y)| !edge_fields(x, y).is_empty()) {
            return Err(format!("the edges leaving {id} changed"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn unaffected_cases_rewalk_their_recorded_path(
        edits in proptest::collection::vec((0u8..17, 0usize..50, 0usize..50), 1..4)
    ) {
        let runs = cases();
        let mut cfg = base();
        for (op, a, b) in &edits {
            edit(&mut cfg, *op, *a, *b);
        }
        let cand: Hydrated = serde_json::from_value(cfg).expect("edited config parses");
        let cand = Graph::new(cand);
        let classified = classify(&runs, &cand, WORKFLOW);
        prop_assert_eq!(classified.rows.len(), runs.len());
        for row in classified.rows.iter().filter(|r| r.outcome.impact == Impact::Unaffected) {
            let run = runs.iter().find(|r| r.run_id == row.run_id).expect("run of row");
            let rec = recorded_graph(run);
            let plan = Plan { diff: diff(&rec, &cand), rec, cand: &cand };
            let (outcome, path) = walk(run, &plan);
            prop_assert_eq!(outcome.impact, Impact::Unaffected, "{}: {}", row.run_id, outcome.reason);
            let recorded: Vec<PathStep> = recorded_path(run);
            prop_assert_eq!(&path, &recorded, "{}: path differs", row.run_id);
            if let Err(why) = touches_no_change(run, &plan.rec, &cand) {
                prop_assert!(false, "{} unaffected but {}", row.run_id, why);
            }
        }
    }
}
