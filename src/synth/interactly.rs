//! Synthetic Interactly runs: envelopes, bare runs, their evaluator runs, and version-2
//! recordings of the same inputs.
//!
//! Shapes follow `reference/interactly/*.schema.json` and the recorded event stream: the
//! events of each turn are the bare event objects of `run_output.events`, the run's
//! `llm_token_usage` and `llm_latency_stats` add up exactly what the events' `llm_usage_info`
//! say (one call per `llm_response_id`, streamed chunks share it, only the last carries
//! numbers), and every turn's input is what a caller really sent: turn 0 is `start` with the
//! caller's variables in `runtime_variables.input_dynamic_variables`, later turns are `data`
//! with one user message in `thread_to_node_inputs`.

use serde_json::{json, Map, Value};

use super::rng::Rng;

/// A node of a synthetic workflow.
#[derive(Debug, Clone)]
pub(crate) struct NodeDef {
    pub id: String,
    pub name: &'static str,
    pub kind: &'static str,
    pub model: Option<(&'static str, &'static str)>,
}

/// A synthetic Interactly workflow (the same for every case of a corpus).
#[derive(Debug, Clone)]
pub(crate) struct Workflow {
    pub id: String,
    pub name: &'static str,
    pub nodes: Vec<NodeDef>,
    /// Edge ids, one per consecutive pair of nodes.
    pub edges: Vec<String>,
    /// Evaluator workflow id and turn-by-turn flag.
    pub eval: Option<(String, bool)>,
    /// The hydrated config of versions 1 and 2, serialized once.
    pub config: [String; 2],
    /// `input_dynamic_variables` names beyond the patient name.
    pub kind: WorkflowKind,
}

/// What a workflow is about (chooses its texts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WorkflowKind {
    Intake,
    Lookup,
    Reminder,
    Evaluator,
}

const NANO: (&str, &str) = ("openai", "gpt-4.1-nano-2025-04-14");
const MINI: (&str, &str) = ("openai", "gpt-4.1-mini-2025-04-14");
const HAIKU: (&str, &str) = ("anthropic", "claude-haiku-4-5-20251001");

const FIRST: &[&str] = &[
    "Avery", "Blake", "Casey", "Devon", "Ezra", "Finley", "Harper", "Jordan", "Kai", "Logan",
    "Morgan", "Quinn", "Riley", "Rowan", "Sage", "Taylor",
];
const LAST: &[&str] = &[
    "Quill",
    "Ormsby",
    "Coldwell",
    "Ellery",
    "Marsh",
    "Penrose",
    "Thistle",
    "Varga",
    "Whitlow",
    "Yardley",
    "Ashdown",
    "Brightwater",
];
const CLINICS: &[&str] = &[
    "Maple Street Family Clinic",
    "Riverside Health Centre",
    "Oak Hill Medical Group",
];
const REASONS: &[&str] = &[
    "a sore throat and a mild fever since Monday",
    "recurring headaches for a few weeks",
    "a rash on my arm that will not go away",
    "back pain after lifting boxes last week",
    "a persistent cough at night",
    "trouble sleeping and feeling tired",
];
const FOLLOW_UPS: &[&str] = &[
    "Yes, that works. Thank you.",
    "Could we do a bit later in the day?",
    "Is there anything sooner?",
    "Thursday is fine, morning if possible.",
    "Do I need to bring anything?",
    "Can you repeat the time please?",
    "Sure, go ahead.",
    "No, that is everything for now.",
    "I also wanted to ask about my prescription refill.",
    "Okay, and which doctor will I see?",
];
const REPLIES: &[&str] = &[
    "I'm sorry you're feeling unwell. Let me get that noted for you.",
    "Thanks. I have that down. Does Thursday at 10:00 AM with Dr. Lee Okafor work for you?",
    "Of course. The next opening is Friday at 2:30 PM. Would that suit you?",
    "Please bring your insurance card and a list of your current medications.",
    "Your appointment is at 10:00 AM on Thursday with Dr. Lee Okafor.",
    "I have noted the refill request; the doctor will review it at your visit.",
    "Perfect, you're booked. You will get a confirmation shortly.",
    "Understood. Is there anything else I can help you with today?",
];
const VERDICT_REASONS: &[&str] = &[
    "Reason captured, slot offered on a weekday, polite and concise.",
    "The assistant confirmed the booking and gave no medical advice.",
    "The assistant did not confirm the appointment time with the patient.",
    "The assistant repeated itself and never captured the reason for the visit.",
];

fn node(
    rng: &mut Rng,
    name: &'static str,
    kind: &'static str,
    model: Option<(&'static str, &'static str)>,
) -> NodeDef {
    NodeDef {
        id: format!("node_{}", rng.uuid()),
        name,
        kind,
        model,
    }
}

impl Workflow {
    /// The corpus's workflows: intake, lookup, reminder, and the evaluator.
    pub(crate) fn all(seed: u64) -> Vec<Workflow> {
        let mut rng = Rng::new(seed, u64::MAX);
        let evaluator_id = rng.object_id();
        let mut out = Vec::new();
        for kind in [
            WorkflowKind::Intake,
            WorkflowKind::Lookup,
            WorkflowKind::Reminder,
            WorkflowKind::Evaluator,
        ] {
            let (name, nodes, eval) = match kind {
                WorkflowKind::Intake => (
                    "Patient intake",
                    vec![
                        node(&mut rng, "Greeting", "say_static", None),
                        node(&mut rng, "Collect reason", "say_llm", Some(MINI)),
                        node(&mut rng, "Extract intake", "worker_llm", Some(HAIKU)),
                        node(&mut rng, "Confirm details", "say_llm", Some(MINI)),
                    ],
                    Some((evaluator_id.clone(), false)),
                ),
                WorkflowKind::Lookup => (
                    "Appointment lookup",
                    vec![
                        node(&mut rng, "Greeting", "say_static", None),
                        node(&mut rng, "Find appointment", "say_llm", Some(MINI)),
                        node(&mut rng, "Summarize lookup", "worker_llm", Some(NANO)),
                        node(&mut rng, "Wrap up", "say_llm", Some(HAIKU)),
                    ],
                    Some((evaluator_id.clone(), true)),
                ),
                WorkflowKind::Reminder => (
                    "Appointment reminder",
                    vec![
                        node(&mut rng, "Greeting", "say_static", None),
                        node(&mut rng, "Remind", "say_llm", Some(NANO)),
                    ],
                    None,
                ),
                WorkflowKind::Evaluator => (
                    "Intake quality evaluator",
                    vec![
                        node(&mut rng, "Fetch run", "workflow_run_fetch", None),
                        node(
                            &mut rng,
                            "Judge quality",
                            "workflow_run_evaluator",
                            Some(MINI),
                        ),
                    ],
                    None,
                ),
            };
            let id = if kind == WorkflowKind::Evaluator {
                evaluator_id.clone()
            } else {
                rng.object_id()
            };
            let edges = (1..nodes.len())
                .map(|_| format!("edge_{}", rng.uuid()))
                .collect();
            let mut wf = Workflow {
                id,
                name,
                nodes,
                edges,
                eval,
                config: [String::new(), String::new()],
                kind,
            };
            wf.config = [config(&wf, 1).to_string(), config(&wf, 2).to_string()];
            out.push(wf);
        }
        out
    }
}

/// The type of the edge leaving `source`: a conversational node (`say_llm`, which waits for
/// the user) leaves by an LLM-judged conditional edge, so it may hold the conversation for
/// several turns; every other node moves on at once by a direct edge (EXECUTION.md §2).
fn edge_type(source: &NodeDef) -> &'static str {
    if source.kind == "say_llm" {
        "conditional"
    } else {
        "direct"
    }
}

/// `workflow_config_fully_hydrated` of one version.
fn config(wf: &Workflow, version: i64) -> Value {
    // Version 2 edits one node, the last one (where a conversation rests after the worker):
    // its prompt and temperature. Every other node reads the same in both versions, so a
    // case that never reaches the last node walks the same on either (`reprise impact`).
    let llm = |m: (&str, &str), version: i64| {
        json!({
            "logical_id": format!("llm_{}", &wf.id),
            "provider": m.0,
            "model": m.1.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-'),
            "streaming": true,
            "temperature": if version == 1 { 0.2 } else { 0.4 },
            "max_retries": 3,
            "type": format!("{}_llm", m.0),
        })
    };
    let nodes: Vec<Value> = wf
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let edition = if i + 1 == wf.nodes.len() { version } else { 1 };
            let mut v = json!({
                "logical_id": n.id,
                "name": n.name,
                "workflow_id": wf.id,
                "version_number": version,
                "disabled": false,
                "secondary_category": if n.model.is_some() { "LLM" } else { "Static" },
                "is_start": i == 0,
                "type": n.kind,
            });
            let m = v.as_object_mut().expect("object literal");
            if let Some(model) = n.model {
                m.insert(
                    "main_response_config".into(),
                    json!({"prompt": format!(
                        "You are the {} step of {}. Version {edition}: be brief and kind with {{{{patient_name}}}}. Never give medical advice.",
                        n.name, wf.name
                    )}),
                );
                m.insert("llms_config".into(), llm(model, edition));
                let tools = if wf.kind == WorkflowKind::Lookup && n.kind == "say_llm" && i == 1 {
                    json!([{"name": "find_appointment", "type": "inbuilt_function", "description": "Finds the patient's next appointment."}])
                } else {
                    json!([])
                };
                m.insert("tools_config".into(), json!({ "tools": tools }));
                m.insert("wait_for_user_message".into(), json!(n.kind == "say_llm"));
                m.insert("structured_output_schema".into(), json!({}));
            } else if n.kind == "say_static" {
                m.insert(
                    "static_messages_config".into(),
                    json!({"messages": [format!("Hello {{{{patient_name}}}}, thank you for calling {{{{clinic_name}}}}.")], "selection_mode": "random"}),
                );
            }
            v
        })
        .collect();
    let edges: Vec<Value> = wf
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (s, d) = (&wf.nodes[i], &wf.nodes[i + 1]);
            let mut v = json!({
                "logical_id": e,
                "name": format!("{} -> {}", s.name, d.name),
                "version_number": version,
                "disabled": false,
                "source_node_logical_id": s.id,
                "destination_node_logical_id": d.id,
                "type": edge_type(s),
            });
            if edge_type(s) == "conditional" {
                // An LLM-judged edge: the conversation stays in the node until its LLM
                // decides the condition holds (the recordings choose when, see `case`).
                v["condition"] = json!({"condition_freeform": format!(
                    "The patient has said what they need from {}.", s.name
                )});
            }
            v
        })
        .collect();
    json!({
        "workflow_config": {
            "logical_id": format!("workflow_{}", wf.id),
            "name": wf.name,
            "description": format!("Synthetic {} workflow for load and scale tests.", wf.name),
            "category": "User Created",
            "default_prompt_prefix": "Today is {{date}}.",
            "tools_config": {"tools": []},
            "mcp_servers": null,
            "global_condition_evaluation_method": "tool_call",
            "evaluation_config": wf.eval.as_ref().map(|(id, tbt)| json!({
                "evaluator_workflow_id": id,
                "evaluator_workflow_version_number": 1,
                "enable_turn_by_turn_evaluation": tbt,
            })),
            "miscellaneous": {"consecutive_conditional_edges_max_limit": "3"},
        },
        "node_configs": nodes,
        "edge_configs": edges,
        "dynamic_variables": {},
        "runtime_variables": {},
    })
}

/// How a case ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    Completed,
    Failed,
    AbortedLooping,
    Waiting,
}

impl Ending {
    fn status(self) -> &'static str {
        match self {
            Ending::Completed => "completed",
            Ending::Failed => "failed",
            Ending::AbortedLooping => "aborted_looping_risk",
            Ending::Waiting => "waiting_for_user_input",
        }
    }
}

/// What a caller sends, the same in every version's recording of a case.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub workflow: usize,
    pub caller: Map<String, Value>,
    /// One user message per turn after the first.
    pub user_messages: Vec<String>,
    pub ending: Ending,
    /// Unix seconds of the first turn (version 1).
    pub start: i64,
    /// Usage totals left null (counted from the events).
    pub null_usage: bool,
}

impl Plan {
    /// Plans case `index` with the inputs generator.
    pub(crate) fn new(rng: &mut Rng, index: usize, workflows: &[Workflow]) -> Plan {
        let workflow = match rng.range(0, 9) {
            0..=5 => 0,
            6..=7 => 1,
            _ => 2,
        };
        let turns = rng.range(2, 12) as usize;
        let patient = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
        let mut caller = Map::new();
        caller.insert("patient_name".into(), Value::String(patient));
        caller.insert(
            "clinic_name".into(),
            Value::String((*rng.pick(CLINICS)).into()),
        );
        if workflows[workflow].kind == WorkflowKind::Reminder {
            caller.insert(
                "appointment_date".into(),
                Value::String(format!(
                    "March {} at {}:30 AM",
                    rng.range(10, 28),
                    rng.range(8, 11)
                )),
            );
        }
        let mut user_messages = Vec::with_capacity(turns - 1);
        for t in 1..turns {
            user_messages.push(if t == 1 {
                format!("Hi, I'd like to see a doctor about {}.", rng.pick(REASONS))
            } else {
                (*rng.pick(FOLLOW_UPS)).to_owned()
            });
        }
        let ending = match rng.range(0, 99) {
            0..=5 => Ending::Failed,
            6..=8 => Ending::AbortedLooping,
            9..=12 => Ending::Waiting,
            _ => Ending::Completed,
        };
        Plan {
            workflow,
            caller,
            user_messages,
            ending,
            start: 1_772_323_200 + index as i64 * 37 + rng.range(0, 30) as i64,
            null_usage: rng.chance(0.05),
        }
    }

    fn turns(&self) -> usize {
        self.user_messages.len() + 1
    }
}

/// Token and latency totals, per provider/model, in first-use order.
#[derive(Debug, Default)]
struct Totals {
    models: Vec<((&'static str, &'static str), [u64; 4])>,
}

impl Totals {
    fn add(&mut self, m: (&'static str, &'static str), input: u64, output: u64, ms: u64) {
        let slot = match self.models.iter().position(|(k, _)| *k == m) {
            Some(i) => i,
            None => {
                self.models.push((m, [0; 4]));
                self.models.len() - 1
            }
        };
        let s = &mut self.models[slot].1;
        s[0] += 1;
        s[1] += input;
        s[2] += output;
        s[3] += ms;
    }

    fn sum(&self, k: usize) -> u64 {
        self.models.iter().map(|(_, s)| s[k]).sum()
    }

    fn token_usage(&self) -> Value {
        let breakdown: Vec<Value> = self
            .models
            .iter()
            .map(|((p, m), s)| {
                json!({"response_model": m, "provider": p, "total_input_tokens": s[1],
                       "total_output_tokens": s[2], "total_tokens": s[1] + s[2],
                       "call_count_with_user_keys": 0, "call_count_with_fallback_keys": s[0],
                       "call_count": s[0]})
            })
            .collect();
        let (i, o) = (self.sum(1), self.sum(2));
        json!({"total_input_tokens": i, "total_output_tokens": o, "total_tokens": i + o,
               "call_count_with_user_keys": 0, "call_count_with_fallback_keys": self.sum(0),
               "call_count": self.sum(0), "breakdown_by_models": breakdown})
    }

    fn latency_stats(&self) -> Value {
        let avg = |ms: u64, n: u64| {
            if n == 0 {
                0.0
            } else {
                ((ms as f64 / n as f64) * 100.0).round() / 100.0
            }
        };
        let breakdown: Vec<Value> = self
            .models
            .iter()
            .map(|((p, m), s)| {
                json!({"response_model": m, "provider": p, "call_count": s[0],
                       "total_latency_milliseconds": s[3], "average_latency_milliseconds": avg(s[3], s[0])})
            })
            .collect();
        json!({"call_count": self.sum(0), "total_latency_milliseconds": self.sum(3),
               "average_latency_milliseconds": avg(self.sum(3), self.sum(0)),
               "breakdown_by_models": breakdown})
    }
}

/// Builds the events of one run.
struct Events<'a> {
    rng: &'a mut Rng,
    time: f64,
    out: Vec<Value>,
    totals: Totals,
    turn_calls: Vec<u64>,
}

impl Events<'_> {
    fn base(&mut self, kind: &str, node: Option<&NodeDef>, id_prefix: &str) -> Map<String, Value> {
        self.time += self.rng.range(1, 900) as f64 / 1000.0;
        let mut m = Map::new();
        m.insert(
            "logical_id".into(),
            Value::String(format!("{id_prefix}_{}", self.rng.uuid())),
        );
        m.insert("timestamp".into(), json!((self.time * 1e6).round() / 1e6));
        m.insert(
            "origin_thread_id".into(),
            if node.is_some() {
                json!("0")
            } else {
                Value::Null
            },
        );
        if let Some(n) = node {
            m.insert("origin_node_logical_id".into(), json!(n.id));
            m.insert("origin_node_name".into(), json!(n.name));
            m.insert("origin_node_run_id".into(), json!("1"));
        }
        m.insert("type".into(), json!(kind));
        m
    }

    fn push(&mut self, m: Map<String, Value>) {
        self.out.push(Value::Object(m));
    }

    /// One LLM call: `chunks` streamed events sharing one id, the last with the numbers.
    fn llm_call(
        &mut self,
        kind: &str,
        node: &NodeDef,
        content: &str,
        chunks: usize,
        tool_calls: Value,
    ) -> Value {
        let model = node.model.unwrap_or(MINI);
        let response_id = format!("chatcmpl-{}", self.rng.hex(24));
        let message_id = format!("assistant_message_{}", self.rng.uuid());
        let input = self.rng.range(300, 900);
        let output = (content.len() as u64 / 4).max(1);
        let ms = self.rng.range(120, 1800);
        self.totals.add(model, input, output, ms);
        self.turn_calls.push(ms);
        let full = json!({"response_model": model.1, "provider": model.0,
            "llm_response_id": response_id, "response_latency_milliseconds": ms,
            "prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output});
        let words: Vec<&str> = content.split_inclusive(' ').collect();
        let per = words.len().div_ceil(chunks.max(1)).max(1);
        let pieces: Vec<String> = words.chunks(per).map(|c| c.concat()).collect();
        let n = pieces.len();
        for (i, piece) in pieces.into_iter().enumerate() {
            let mut m = self.base(kind, Some(node), "event");
            m.insert(
                "message".into(),
                json!({"content": piece, "type": "ai", "id": message_id,
                "tool_calls": if i + 1 == n { tool_calls.clone() } else { json!([]) }}),
            );
            let usage = if i + 1 == n {
                full.clone()
            } else {
                json!({"response_model": model.1, "provider": model.0, "llm_response_id": response_id})
            };
            m.insert("llm_usage_info".into(), usage);
            self.push(m);
        }
        full
    }

    fn node_run(&mut self, node: &NodeDef, structured: Value) -> Value {
        let mut m = self.base("start_node_run", Some(node), "event");
        m.insert("run_input".into(), Value::Null);
        self.push(m);
        let output = json!({"events": [], "type": node.kind, "node_logical_id": node.id,
                            "node_run_id": "1", "structured_output": structured});
        output
    }

    fn end_node(&mut self, node: &NodeDef, output: &Value) {
        let mut m = self.base("end_node_run", Some(node), "event");
        m.insert("run_output".into(), output.clone());
        self.push(m);
    }

    fn say(&mut self, node: &NodeDef, content: &str, chunks: usize, lean: bool) {
        let mut usage = self.llm_call(node.kind, node, content, chunks, json!([]));
        if lean {
            // The copy is never counted; lean recordings leave it out (every field may be null).
            usage = Value::Null;
        }
        let mut m = self.base("assistant_response", Some(node), "assistant_message");
        m.insert("content".into(), json!(content));
        m.insert("response_metadata".into(), json!({"message_type": "llm"}));
        m.insert("llm_usage_info".into(), usage);
        self.push(m);
    }

    fn edge(&mut self, kind: &str, wf: &Workflow, from: usize) {
        let (s, d) = (&wf.nodes[from], &wf.nodes[from + 1]);
        let mut m = self.base(kind, None, "event");
        m.insert("origin_thread_id".into(), json!("0"));
        m.insert(
            "edge_name".into(),
            json!(format!("{} -> {}", s.name, d.name)),
        );
        m.insert("edge_logical_id".into(), json!(wf.edges[from]));
        m.insert("edge_run_id".into(), json!(from.to_string()));
        m.insert("source_node_logical_id".into(), json!(s.id));
        m.insert("source_node_name".into(), json!(s.name));
        m.insert("destination_node_logical_id".into(), json!(d.id));
        m.insert("destination_node_name".into(), json!(d.name));
        self.push(m);
    }

    fn iteration_end(&mut self, iteration: usize, nodes: usize, detailed: bool) {
        let calls = std::mem::take(&mut self.turn_calls);
        let mut m = self.base("end_workflow_iteration", None, "event");
        let stats = if calls.is_empty() || !detailed {
            Value::Null
        } else {
            let mut sorted = calls.clone();
            sorted.sort_unstable();
            let sum: u64 = calls.iter().sum();
            json!({"average_milliseconds": ((sum as f64 / calls.len() as f64) * 100.0).round() / 100.0,
                   "max_milliseconds": sorted[sorted.len() - 1] as f64,
                   "median_milliseconds": sorted[sorted.len() / 2] as f64,
                   "min_milliseconds": sorted[0] as f64})
        };
        m.insert("iteration_number".into(), json!(iteration));
        m.insert("iteration_metrics".into(), json!({"e2e_latency_milliseconds": calls.iter().sum::<u64>() + 40,
            "llm_call_count": calls.len(), "llm_call_latency_stats": stats, "nodes_executed_count": nodes,
            "tool_call_count": 0, "tool_call_latency_stats": null}));
        m.insert("run_input_output_pair".into(), Value::Null);
        self.push(m);
    }
}

/// Dynamic variables as the server enriches them at `unix` seconds.
fn dynamic_variables(rng: &mut Rng, caller: &Map<String, Value>, unix: i64) -> Map<String, Value> {
    let mut m = caller.clone();
    let t = chrono::DateTime::from_timestamp(unix, 0).unwrap_or_default();
    m.insert(
        "now".into(),
        json!(t.format("%B %d, %Y %I:%M %p").to_string()),
    );
    m.insert("date".into(), json!(t.format("%B %d, %Y").to_string()));
    m.insert("time".into(), json!(t.format("%I:%M %p").to_string()));
    m.insert(
        "iso_datetime".into(),
        json!(t.format("%Y-%m-%dT%H:%M:%S.000000").to_string()),
    );
    m.insert("day_of_week".into(), json!(t.format("%A").to_string()));
    m.insert("timestamp".into(), json!(unix));
    m.insert("rand_int".into(), json!(rng.range(0, 999_999)));
    m.insert("rand_str".into(), json!(rng.hex(8)));
    m
}

#[allow(clippy::too_many_arguments)]
fn run_input(
    rng: &mut Rng,
    wf: &Workflow,
    version: i64,
    run_id: &str,
    caller: &Map<String, Value>,
    unix: i64,
    turn: usize,
    user: Option<&str>,
) -> Value {
    let dynamic = dynamic_variables(rng, caller, unix);
    let inputs = match user {
        None => json!({"0": {"node_run_inputs": []}}),
        Some(text) => json!({"0": {"node_run_inputs": [{"type": "llm", "messages": [
            {"type": "human", "content": text}]}]}}),
    };
    json!({
        "dynamic_variables": dynamic,
        "runtime_variables": {"input_dynamic_variables": caller, "workflow_invoke_count": turn},
        "miscellaneous": {},
        "command": if turn == 0 { "start" } else { "data" },
        "workflow_id": wf.id,
        "version_number": version,
        "workflow_run_id": run_id,
        "thread_to_node_inputs": inputs,
    })
}

/// One generated Interactly run: the document and what its evaluator needs.
pub(crate) struct Generated {
    pub doc: String,
    pub evaluation: Option<String>,
}

/// Ids of one recording of a case.
pub(crate) struct Ids {
    pub run_id: String,
    pub eval_run_id: String,
}

/// Generates one recording of a case: `version` 1 is the case, 2 the alternative recording.
pub(crate) fn case(
    plan: &Plan,
    workflows: &[Workflow],
    ids: &Ids,
    rng: &mut Rng,
    version: i64,
    envelope: bool,
) -> Generated {
    let wf = &workflows[plan.workflow];
    let start = plan.start + (version - 1) * 3 * 86_400;
    let patient = plan
        .caller
        .get("patient_name")
        .and_then(Value::as_str)
        .unwrap_or("there")
        .to_owned();
    let first_name = patient.split(' ').next().unwrap_or("there").to_owned();
    let mut ev = Events {
        rng,
        time: start as f64,
        out: Vec::new(),
        totals: Totals::default(),
        turn_calls: Vec::new(),
    };
    let turns = plan.turns();
    let evaluated = wf.eval.is_some() && matches!(plan.ending, Ending::Completed | Ending::Failed);
    let mut pairs = Vec::with_capacity(turns);
    let mut transcript: Vec<(String, String)> = Vec::new();
    // The walk follows the config (see `config`): Greeting's direct edge parks the thread at
    // the first conversational node, which holds the conversation until its conditional edge
    // is taken on turn `leave`; then the worker runs and its direct edge parks the thread at
    // the last node for the rest of the conversation. The same turn in every version, so the
    // version-2 recording of a case walks the same path.
    let worker = wf.nodes.iter().position(|n| n.kind == "worker_llm");
    let leave = 1 + (plan.start.rem_euclid(5)) as usize;
    let mut at = 1;
    for t in 0..turns {
        let unix = ev.time as i64;
        let user = if t == 0 {
            None
        } else {
            Some(plan.user_messages[t - 1].as_str())
        };
        let input = run_input(
            ev.rng,
            wf,
            version,
            &ids.run_id,
            &plan.caller,
            unix,
            t,
            user,
        );
        let first_event = ev.out.len();
        let mut outputs = Vec::new();
        let last = t + 1 == turns;
        let mut nodes_run = 0;
        if t == 0 {
            let greet = &wf.nodes[0];
            let text = format!(
                "Hello {patient}, thank you for calling {}. How can I help you today?",
                plan.caller
                    .get("clinic_name")
                    .and_then(Value::as_str)
                    .unwrap_or("the clinic")
            );
            let out = ev.node_run(greet, json!({}));
            let mut m = ev.base("say_static", Some(greet), "event");
            m.insert("message".into(), json!({"content": text, "type": "ai", "id": format!("static_message_{}", ev.rng.uuid())}));
            ev.push(m);
            let mut m = ev.base("assistant_response", Some(greet), "assistant_message");
            m.insert("content".into(), json!(text));
            m.insert(
                "response_metadata".into(),
                json!({"message_type": "static"}),
            );
            m.insert("llm_usage_info".into(), Value::Null);
            ev.push(m);
            ev.end_node(greet, &out);
            outputs.push(out);
            transcript.push(("assistant".into(), text));
            ev.edge("direct_edge", wf, 0);
            nodes_run += 1;
        } else {
            let node = wf.nodes[at].clone();
            let text = user.unwrap_or_default();
            transcript.push(("user".into(), text.to_owned()));
            let mut m = ev.base("user_messages", Some(&node), "event");
            m.insert(
                "messages".into(),
                json!([{"content": text, "type": "human",
                "id": format!("human_message_{}", ev.rng.uuid())}]),
            );
            ev.push(m);
            // Long conversations are recorded leaner (the size stays within 5–50 KB).
            let lean = turns > 6;
            if !lean && t % 3 == 1 {
                let judge = NodeDef {
                    model: Some(NANO),
                    ..node.clone()
                };
                ev.llm_call(
                    "condition_evaluator_llm",
                    &judge,
                    if t % 2 == 0 { "true" } else { "false" },
                    1,
                    json!([]),
                );
            }
            let out = if lean {
                // Lean recordings keep the node output but not its start/end events.
                json!({"events": [], "type": node.kind, "node_logical_id": node.id, "node_run_id": "1", "structured_output": {}})
            } else {
                ev.node_run(&node, json!({}))
            };
            let mut reply = (*ev.rng.pick(REPLIES)).to_owned();
            if version == 2 {
                reply = format!("{first_name}, {}", reply.to_lowercase());
            }
            let chunks = if lean { 1 } else { ev.rng.range(1, 3) as usize };
            ev.say(&node, &reply, chunks, lean);
            if !lean {
                ev.end_node(&node, &out);
            }
            outputs.push(out);
            transcript.push(("assistant".into(), reply));
            nodes_run += 1;
            if let Some(w) = worker.filter(|&w| t == leave && at + 1 == w) {
                let wnode = wf.nodes[w].clone();
                ev.edge("conditional_edge", wf, w - 1);
                let structured = json!({"reason_for_visit": plan.user_messages[0].trim_start_matches("Hi, I'd like to see a doctor about ").trim_end_matches('.'),
                                        "urgency": if version == 1 { "routine" } else { "soon" }});
                let out = ev.node_run(&wnode, structured.clone());
                ev.llm_call("worker_llm", &wnode, &structured.to_string(), 1, json!([]));
                ev.end_node(&wnode, &out);
                outputs.push(out);
                nodes_run += 1;
                if w + 1 < wf.nodes.len() {
                    ev.edge("direct_edge", wf, w);
                    at = w + 1;
                }
            }
        }
        let mut evaluation = Value::Null;
        if wf.eval.as_ref().is_some_and(|(_, tbt)| *tbt) {
            let passed = ev.rng.chance(0.9);
            evaluation = json!({"passed": passed, "score": if passed { 1.0 } else { 0.0 },
                                "reason": if passed { "The turn followed the workflow." } else { "The turn skipped a required step." }});
        }
        if last {
            match plan.ending {
                Ending::Completed => {
                    let mut m = ev.base("end_thread", None, "event");
                    m.insert("last_node_logical_id".into(), json!(wf.nodes[at].id));
                    ev.push(m);
                }
                Ending::Failed => {
                    let mut m = ev.base("workflow_error", None, "event");
                    m.insert(
                        "error_message".into(),
                        json!("Structured output failed validation after 3 attempts"),
                    );
                    m.insert("stack_trace".into(), json!("Traceback (most recent call last):\n  File \"runtime/nodes/worker_llm.py\", line 212, in run\nValidationError"));
                    ev.push(m);
                }
                Ending::AbortedLooping => {
                    let mut m = ev.base("workflow_error", None, "event");
                    m.insert("error_message".into(), json!("Aborted: the conversation looped between the same nodes too many times"));
                    ev.push(m);
                }
                Ending::Waiting => {
                    let mut m = ev.base("busy_wait_for_user_message", None, "event");
                    m.insert("origin_thread_id".into(), json!("0"));
                    ev.push(m);
                    let mut m = ev.base("workflow_ready_for_input", None, "event");
                    m.insert("active_companion_thread_ids".into(), json!([]));
                    ev.push(m);
                }
            }
        } else {
            let mut m = ev.base("workflow_ready_for_input", None, "event");
            m.insert("active_companion_thread_ids".into(), json!([]));
            ev.push(m);
        }
        ev.iteration_end(t + 1, nodes_run, turns <= 6);
        if last && plan.ending != Ending::Waiting {
            let mut m = ev.base("end_workflow", None, "event");
            m.insert("llm_token_usage".into(), ev.totals.token_usage());
            m.insert("llm_latency_stats".into(), ev.totals.latency_stats());
            ev.push(m);
        }
        let events: Vec<Value> = ev.out.drain(first_event..).collect();
        pairs.push(json!({
            "run_input": input,
            "run_output": {"events": events, "thread_to_node_outputs": {"0": outputs}},
            "evaluation": evaluation,
            "comments": [],
            "ratings": [],
        }));
    }
    let status = plan.ending.status();
    let end = ev.time as i64 + 1;
    let (tokens, latency) = if plan.null_usage {
        (Value::Null, Value::Null)
    } else {
        (ev.totals.token_usage(), ev.totals.latency_stats())
    };
    let rng = ev.rng;
    let run = json!({
        "logical_id": format!("run_{}", rng.uuid()),
        "workflow_id": wf.id,
        "version_number": version,
        "status": status,
        "termination_source": match plan.ending { Ending::Failed | Ending::AbortedLooping => json!("execution_error"), _ => Value::Null },
        "input_output_pairs": pairs,
        "run_by": "qa.automation@example.com",
        "comments": if rng.chance(0.1) { json!([{"content": "Checked by QA.", "createdBy": "qa.automation@example.com", "createdAt": iso(end + 600)}]) } else { json!([]) },
        "llm_token_usage": tokens,
        "llm_latency_stats": latency,
        "version_name": format!("Version {version}"),
        "workflow_config_fully_hydrated": CONFIG_MARK,
        "workflow_run_id": ids.run_id,
        "source_workflow_run_id": null,
        "is_evaluation_run": false,
        "evaluation_run_info": if evaluated { json!({"evaluation_workflow_run_id": ids.eval_run_id}) } else { Value::Null },
        "miscellaneous": {},
        "voice_conversation_id": null,
    });
    let doc = finish(
        run,
        envelope,
        &ids.run_id,
        start,
        end,
        &wf.config[(version - 1) as usize],
    );
    let evaluation = evaluated.then(|| {
        let passed = match plan.ending {
            Ending::Failed => false,
            _ => rng.chance(if version == 1 { 0.8 } else { 0.75 }),
        };
        evaluator(workflows, ids, rng, &transcript, passed, end + 30)
    });
    Generated { doc, evaluation }
}

/// Stands for the hydrated config until the document is serialized (serialized once per
/// workflow version, then pasted in: the configs are the biggest identical part of every run).
const CONFIG_MARK: &str = "\u{1}CONFIG\u{1}";

fn iso(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Serializes a run, as an envelope or bare, with the config pasted in.
fn finish(run: Value, envelope: bool, run_id: &str, start: i64, end: i64, config: &str) -> String {
    let doc = if envelope {
        json!({"workflow_run": {"team_id": "69a56056dfbf870a1cd532be", "created_by": "69a5fa183c6be785a66b7655",
            "updated_by": "69a5fa183c6be785a66b7655", "created_at": iso(start), "updated_at": iso(end),
            "_id": run_id, "workflow_run": run}, "debug_info": {}})
    } else {
        run
    };
    let text = doc.to_string();
    let mark = serde_json::to_string(CONFIG_MARK).unwrap_or_default();
    text.replacen(&mark, config, 1)
}

/// The evaluator run judging a case.
fn evaluator(
    workflows: &[Workflow],
    ids: &Ids,
    rng: &mut Rng,
    transcript: &[(String, String)],
    passed: bool,
    start: i64,
) -> String {
    let wf = &workflows[3];
    let caller: Map<String, Value> = [("workflow_run_id".to_owned(), json!(ids.run_id))]
        .into_iter()
        .collect();
    let mut ev = Events {
        rng,
        time: start as f64,
        out: Vec::new(),
        totals: Totals::default(),
        turn_calls: Vec::new(),
    };
    let input = run_input(ev.rng, wf, 1, &ids.eval_run_id, &caller, start, 0, None);
    let (fetch, judge) = (wf.nodes[0].clone(), wf.nodes[1].clone());
    let lines: Vec<Value> = transcript
        .iter()
        .map(|(r, c)| json!({"role": r, "content": c}))
        .collect();
    let mut fetched = ev.node_run(&fetch, json!({}));
    fetched["fetched_workflow_run"] =
        json!(json!({"workflow_run_id": ids.run_id, "transcript": lines}).to_string());
    ev.end_node(&fetch, &fetched);
    ev.edge("direct_edge", wf, 0);
    let score = if passed {
        0.8 + ev.rng.range(0, 19) as f64 / 100.0
    } else {
        0.1 + ev.rng.range(0, 40) as f64 / 100.0
    };
    let reason = if passed {
        VERDICT_REASONS[ev.rng.range(0, 1) as usize]
    } else {
        VERDICT_REASONS[ev.rng.range(2, 3) as usize]
    };
    let verdict = json!({"passed": passed, "score": score, "reason": reason});
    let mut out = ev.node_run(&judge, verdict.clone());
    out["free_form_output"] = json!(format!(
        "{reason} {}",
        if passed { "PASS." } else { "FAIL." }
    ));
    ev.llm_call(
        "worker_llm",
        &judge,
        &json!({"free_form_output": reason, "structured_output": verdict}).to_string(),
        1,
        json!([]),
    );
    ev.end_node(&judge, &out);
    let mut m = ev.base("end_thread", None, "event");
    m.insert("last_node_logical_id".into(), json!(judge.id));
    ev.push(m);
    ev.iteration_end(1, 2, true);
    let mut m = ev.base("end_workflow", None, "event");
    m.insert("llm_token_usage".into(), ev.totals.token_usage());
    m.insert("llm_latency_stats".into(), ev.totals.latency_stats());
    ev.push(m);
    let end = ev.time as i64 + 1;
    let events = std::mem::take(&mut ev.out);
    let run = json!({
        "logical_id": format!("run_{}", ev.rng.uuid()),
        "workflow_id": wf.id,
        "version_number": 1,
        "status": "completed",
        "termination_source": null,
        "input_output_pairs": [{"run_input": input, "run_output": {"events": events,
            "thread_to_node_outputs": {"0": [fetched, out]}}, "evaluation": null, "comments": [], "ratings": []}],
        "run_by": "qa.automation@example.com",
        "comments": [],
        "llm_token_usage": ev.totals.token_usage(),
        "llm_latency_stats": ev.totals.latency_stats(),
        "version_name": "Version 1",
        "workflow_config_fully_hydrated": CONFIG_MARK,
        "workflow_run_id": ids.eval_run_id,
        "source_workflow_run_id": ids.run_id,
        "is_evaluation_run": true,
        "evaluation_run_info": null,
        "miscellaneous": {},
        "voice_conversation_id": null,
    });
    finish(run, true, &ids.eval_run_id, start, end, &wf.config[0])
}

/// Token totals of a generated document, for tests.
#[cfg(test)]
pub(crate) fn models_of(doc: &str) -> std::collections::BTreeMap<String, u64> {
    let v: Value = serde_json::from_str(doc).unwrap_or(Value::Null);
    let run = v.pointer("/workflow_run/workflow_run").unwrap_or(&v);
    let mut out = std::collections::BTreeMap::new();
    if let Some(models) = run
        .pointer("/llm_token_usage/breakdown_by_models")
        .and_then(Value::as_array)
    {
        for m in models {
            out.insert(
                m["response_model"].as_str().unwrap_or("").to_owned(),
                m["total_tokens"].as_u64().unwrap_or(0),
            );
        }
    }
    out
}
