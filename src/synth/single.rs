//! Synthetic Noxus and Cortex runs (single-shot: one input, one output).
//!
//! Shapes follow the seeds: a Noxus `GET /v1/workflows/{workflow_id}/runs/{run_id}` with its
//! embedded `workflow` and step-keyed `output`; a Cortex run with `usage` in credits and the
//! `workflow_version` it ran.

use serde_json::{json, Value};

use super::rng::Rng;

const NAMES: &[&str] = &[
    "Sam Ellery-Wood",
    "Blake Ormsby",
    "Jordan Penrose",
    "Rowan Marsh",
    "Quinn Varga",
    "Harper Whitlow",
];
const PROBLEMS: &[(&str, &str)] = &[
    ("community-acquired pneumonia", "a lung infection"),
    ("a urinary tract infection", "a bladder infection"),
    ("dehydration after gastroenteritis", "a stomach bug"),
    ("a sprained ankle", "an ankle injury"),
];

fn iso(unix: i64, millis: bool) -> String {
    let t = chrono::DateTime::from_timestamp(unix, 0).unwrap_or_default();
    if millis {
        t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// The fixed parts of the corpus's Noxus workflow.
pub(crate) struct NoxusWorkflow {
    id: String,
    group: String,
    nodes: Vec<String>,
    hash: String,
}

impl NoxusWorkflow {
    pub(crate) fn new(seed: u64) -> NoxusWorkflow {
        let mut rng = Rng::new(seed, u64::MAX - 1);
        NoxusWorkflow {
            id: rng.uuid(),
            group: rng.uuid(),
            nodes: (0..5).map(|_| rng.uuid()).collect(),
            hash: rng.hex(40),
        }
    }
}

/// One Noxus run.
pub(crate) fn noxus(wf: &NoxusWorkflow, rng: &mut Rng, index: usize) -> (String, String) {
    let id = rng.uuid();
    let name = *rng.pick(NAMES);
    let (problem, plain) = *rng.pick(PROBLEMS);
    let days = rng.range(2, 9);
    let notes = format!(
        "Pt {name} admitted for {problem}; treated and stable. Discharge on day {days}. Follow-up with GP in 7 days. Contact (555) 010-{:04}.",
        rng.range(0, 9999)
    );
    let (status, progress) = match rng.range(0, 19) {
        0..=1 => ("failed", 40),
        2..=3 => ("awaiting_human_feedback", 75),
        4 => ("stopped", 60),
        _ => ("completed", 100),
    };
    let start = 1_772_600_000 + index as i64 * 41;
    let summary = format!(
        "You were treated for {plain}. Rest, drink fluids and see your family doctor in one week."
    );
    let n = &wf.nodes;
    let mut output = serde_json::Map::new();
    output.insert(n[0].clone(), json!({"discharge_notes": notes}));
    if progress >= 40 {
        output.insert(n[1].clone(), json!({"text": format!("Treated for {problem} for {days} days; GP follow-up in one week.")}));
    }
    if progress >= 75 {
        output.insert(n[2].clone(), json!({"text": summary}));
    }
    if status == "completed" {
        output.insert(
            n[3].clone(),
            json!({"approved": true, "reviewer": "clinician@example.com"}),
        );
        output.insert(n[4].clone(), json!({"summary": summary}));
    }
    let names = [
        "Discharge notes",
        "Summarize",
        "Translate to plain language",
        "Clinician review",
        "Summary",
    ];
    let kinds = [
        "InputNode",
        "TextGenerationNode",
        "TextGenerationNode",
        "HumanFeedbackNode",
        "OutputNode",
    ];
    let nodes: Vec<Value> = (0..5)
        .map(|i| json!({"id": n[i], "type": kinds[i], "name": names[i]}))
        .collect();
    let edges: Vec<Value> = (0..4)
        .map(|i| json!({"from_id": n[i], "to_id": n[i + 1]}))
        .collect();
    let doc = json!({
        "id": id,
        "group_id": wf.group,
        "workflow_id": wf.id,
        "input": {"patient_name": name, "discharge_notes": notes},
        "node_ids": n,
        "status": status,
        "progress": progress,
        "definitions": {},
        "created_at": iso(start, false),
        "finished_at": if status == "awaiting_human_feedback" { Value::Null } else { json!(iso(start + 36, false)) },
        "workflow": {"id": wf.id, "group_id": wf.group, "name": "Discharge summary", "type": "flow",
            "definition": {"nodes": nodes, "edges": edges}, "workflow_hash": wf.hash,
            "meta": {"tags": ["discharge", "synthetic"], "icon": "file-text"},
            "created_at": "2026-01-19T09:00:00Z", "deleted_at": null, "author_name": "QA Automation",
            "description": "Summarises synthetic discharge notes into plain-language patient instructions.",
            "saved": true, "error_handler": null},
        "source": "api",
        "output": output,
    });
    (id, doc.to_string())
}

/// The fixed parts of the corpus's Cortex workflow.
pub(crate) struct CortexWorkflow {
    app: String,
    id: String,
    versions: [String; 2],
}

impl CortexWorkflow {
    pub(crate) fn new(seed: u64) -> CortexWorkflow {
        let mut rng = Rng::new(seed, u64::MAX - 2);
        CortexWorkflow {
            app: format!("app_{}", rng.hex(20)),
            id: format!("wf_{}", rng.hex(20)),
            versions: [
                format!("wfv_{}", rng.hex(20)),
                format!("wfv_{}", rng.hex(20)),
            ],
        }
    }
}

/// The inputs of a Cortex case, shared by its recordings of every version.
pub(crate) struct CortexPlan {
    name: &'static str,
    specialty: &'static str,
    summary: String,
    start: i64,
    failed: bool,
}

impl CortexPlan {
    pub(crate) fn new(rng: &mut Rng, index: usize) -> CortexPlan {
        CortexPlan {
            name: rng.pick::<&str>(NAMES),
            specialty: rng.pick::<&str>(&[
                "cardiology",
                "dermatology",
                "neurology",
                "orthopaedics",
            ]),
            summary: format!(
                "Intermittent symptoms for {} months; DOB 0{}/1{}/19{}, phone (555) 010-{:04}.",
                rng.range(1, 9),
                rng.range(1, 9),
                rng.range(0, 9),
                rng.range(40, 99),
                rng.range(0, 9999)
            ),
            start: 1_772_700_000 + index as i64 * 43,
            failed: rng.chance(0.1),
        }
    }
}

/// One Cortex run of `plan` on workflow version `version` (1, or 2 for the alternative recording:
/// the same numbers as Interactly, so one `--version 2` picks both).
pub(crate) fn cortex(
    wf: &CortexWorkflow,
    plan: &CortexPlan,
    rng: &mut Rng,
    version: i64,
) -> (String, Value) {
    let id = format!("run_{}", rng.hex(24));
    let start = plan.start + (version - 1) * 3 * 86_400;
    let letter = if version == 1 {
        format!("Dear colleague,\n\nI am referring {} to {} for assessment.\n\nKind regards,\nDr. Lee Okafor", plan.name, plan.specialty)
    } else {
        format!(
            "Dear {} team,\n\nPlease assess {}. {}\n\nBest wishes,\nDr. Lee Okafor",
            plan.specialty, plan.name, plan.summary
        )
    };
    let steps: Vec<Value> = ["extract", "draft", "review"]
        .iter()
        .enumerate()
        .map(|(i, key)| json!({"type": "prompt", "key": key, "display": "expanded", "conditional": null, "loop": null,
            "throw_on_error": true, "input_connected": true,
            "destinations": if i < 2 { { let next = ["extract", "draft", "review"][i + 1]; json!([next]) } } else { json!([]) },
            "position": [i * 400, 0], "size": [320, 180],
            "auto": {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.2}}))
        .collect();
    let credits = if plan.failed {
        0.25
    } else {
        0.125 * rng.range(8, 20) as f64
    };
    let doc = json!({
        "id": id,
        "result": if plan.failed { Value::Null } else { json!(letter) },
        "input": {"patient_name": plan.name, "specialty": plan.specialty, "clinical_summary": plan.summary},
        "output": if plan.failed { json!({"extract": {"problem": "symptoms"}}) } else {
            json!({"extract": {"problem": "symptoms"}, "draft": {"letter": letter}, "review": {"approved": true, "issues": []}}) },
        "status": if plan.failed { "FAILED" } else { "COMPLETED" },
        "origin": "WORKFLOW",
        "error": if plan.failed { json!("Step 'draft' failed: the model returned no content") } else { Value::Null },
        "started_at": iso(start, true),
        "ended_at": iso(start + rng.range(4, 20) as i64, true),
        "app_id": wf.app,
        "workflow_app_id": wf.app,
        "workflow_id": wf.id,
        "workflow_version_draft": null,
        "workflow_version": {"id": wf.versions[(version - 1) as usize], "app_id": wf.app, "workflow_id": wf.id,
            "description": "Referral letter drafting", "version": version, "rollback_version": null,
            "notes": "Synthetic workflow for load tests.", "created_at": "2026-02-20T08:30:00.000Z",
            "key": "referral-letter",
            "input": {"type": "object", "properties": {"patient_name": {"type": "string"}, "specialty": {"type": "string"}, "clinical_summary": {"type": "string"}}},
            "steps": steps},
        "version": version,
        "usage": {"total": credits, "calls": credits, "steps": credits},
    });
    (id, doc)
}
