//! A normalized run and its turns.

use serde::Serialize;

use super::{
    ConfigSummary, Event, Format, FoundValues, Latency, Origin, RawDoc, Status, System, Usage,
    Variables,
};

/// A comment on a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Comment {
    /// `content`.
    pub content: Option<String>,
    /// `createdBy`.
    pub created_by: Option<String>,
    /// `createdAt`.
    pub created_at: Option<String>,
}

/// How a run is tied to evaluation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvalLink {
    /// `is_evaluation_run`: the only mark of an evaluation run.
    pub is_evaluation_run: bool,
    /// `source_workflow_run_id`: the run this one evaluated (or re-ran).
    pub source_run_id: Option<String>,
    /// `evaluation_run_info.evaluation_workflow_run_id`: the run that evaluated this one.
    pub evaluation_run_id: Option<String>,
}

/// One node's output in a turn (`thread_to_node_outputs`), reduced to what evaluation reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NodeOutput {
    /// The thread it ran in.
    pub thread: String,
    /// `type`: the node type (`workflow_run_evaluator` holds an evaluator's verdict).
    pub node_type: Option<String>,
    /// `node_logical_id`.
    pub node: Option<String>,
    /// `structured_output`.
    pub structured_output: Option<serde_json::Value>,
    /// `free_form_output`.
    pub free_form_output: Option<String>,
}

/// One turn: an input and what the run did with it.
///
/// Noxus and Cortex runs are single-shot: one turn holding the run's `input` and `output`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Turn {
    /// `run_input.command`: start, data, resume, pause, stop.
    pub command: Option<String>,
    /// `run_input.dynamic_variables` as the server enriched them, less the volatile ones the
    /// server adds on every call (`now`, `rand_*`, …: see [`is_volatile_variable`]); those
    /// stay in the raw document. `None` also when, less those, it equals
    /// `input_dynamic_variables`: read [`Turn::caller_variables`] for what the caller sent.
    pub dynamic_variables: Option<Variables>,
    /// `run_input.runtime_variables.input_dynamic_variables`: what the caller really sent.
    pub input_dynamic_variables: Option<Variables>,
    /// `run_input.runtime_variables` without `input_dynamic_variables`/`all_dynamic_variables`.
    /// A list, not a map: it rarely holds more than `workflow_invoke_count`, and a small map
    /// costs more memory than its JSON.
    #[serde(serialize_with = "pairs_as_map")]
    pub runtime_variables: Option<Vec<(String, serde_json::Value)>>,
    /// The user message texts of `thread_to_node_inputs`.
    pub user_messages: Vec<String>,
    /// Noxus/Cortex `input`.
    pub input: Option<serde_json::Value>,
    /// Noxus/Cortex `output`.
    pub output: Option<serde_json::Value>,
    /// The turn's events, from `run_output.events` and the node outputs' `events`.
    pub events: Vec<Event>,
    /// `run_output.thread_to_node_outputs`, flattened in thread then execution order.
    pub node_outputs: Vec<NodeOutput>,
    /// Per-turn `evaluation` result.
    pub evaluation: Option<serde_json::Value>,
}

impl Turn {
    /// The assistant messages of this turn, in order.
    pub fn assistant_messages(&self) -> impl Iterator<Item = &str> {
        self.events.iter().filter_map(|e| match e {
            Event::AssistantResponse { content, .. } => Some(content.as_str()),
            _ => None,
        })
    }

    /// The caller-supplied dynamic variables: `input_dynamic_variables` when recorded, else the
    /// dynamic variables minus the server's volatile ones.
    pub fn caller_variables(&self) -> serde_json::Map<String, serde_json::Value> {
        if let Some(vars) = &self.input_dynamic_variables {
            return vars.to_map();
        }
        self.dynamic_variables
            .iter()
            .flat_map(Variables::iter)
            .filter(|(k, _)| !is_volatile_variable(k))
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect()
    }
}

/// The dynamic variables the Interactly server adds itself on every call.
pub fn is_volatile_variable(name: &str) -> bool {
    matches!(
        name,
        "now"
            | "date"
            | "time"
            | "year"
            | "month"
            | "day"
            | "hour"
            | "minute"
            | "iso_datetime"
            | "day_of_week"
            | "timestamp"
            | "timestamp_ms"
    ) || name.starts_with("rand_")
}

/// A recorded run of any system, normalized.
#[derive(Debug, Clone)]
pub struct Run {
    /// The system it ran on.
    pub system: System,
    /// The shape it was read from.
    pub format: Format,
    /// Interactly `workflow_run_id` (else the envelope `_id`), Noxus `id`, Cortex `id`.
    pub run_id: String,
    /// The workflow it ran.
    pub workflow_id: Option<String>,
    /// Interactly `version_number`, Cortex `version` (Noxus has none).
    pub version: Option<i64>,
    /// Interactly `version_name`.
    pub version_name: Option<String>,
    /// Noxus `workflow.workflow_hash`.
    pub workflow_hash: Option<String>,
    /// Cortex `app_id`: the app a live replay starts the run in.
    pub app_id: Option<String>,
    /// The run's status.
    pub status: Status,
    /// Interactly `termination_source`.
    pub termination_source: Option<String>,
    /// The turns, in order.
    pub turns: Vec<Turn>,
    /// Tokens.
    pub usage: Usage,
    /// LLM call latency.
    pub latency: Latency,
    /// Cortex `usage.total`, in credits.
    pub credits: Option<f64>,
    /// Start time as recorded.
    pub started_at: Option<String>,
    /// End time as recorded.
    pub ended_at: Option<String>,
    /// Comments on the run.
    pub comments: Vec<Comment>,
    /// The error the run reports (`workflow_error`, Cortex/execute `error`).
    pub error: Option<String>,
    /// Summary of the hydrated config, when the run carries one.
    pub config: Option<ConfigSummary>,
    /// Evaluation links.
    pub eval: EvalLink,
    /// The exact document.
    pub raw: RawDoc,
    /// The BLAKE3 digest of the raw document, when the loader was asked for it
    /// ([`crate::corpus::LoadOptions::digest`]): hashed while the bytes were in memory, so a
    /// corpus digest does not read every document back from disk.
    pub raw_digest: Option<[u8; 32]>,
    /// The values redaction learns from the raw document, found by the loader's scan
    /// ([`crate::corpus::LoadOptions::scan`]) while the bytes were in memory; `None` when no
    /// scan was made (the snapshot stage then scans the raw document itself). They are those
    /// of the redactor the loader was given: the pipeline gives the one it renders with.
    pub found: Option<FoundValues>,
    /// Where it was read from.
    pub origin: Origin,
}

impl Run {
    /// A run of `format` named `run_id` and nothing else yet: what an adapter fills in (the
    /// loader then sets its raw document and origin).
    pub fn new(format: Format, run_id: String) -> Run {
        Run {
            system: format.system(),
            format,
            run_id,
            workflow_id: None,
            version: None,
            version_name: None,
            workflow_hash: None,
            app_id: None,
            status: Status::parse(format.system(), ""),
            termination_source: None,
            turns: Vec::new(),
            usage: Usage::default(),
            latency: Latency::default(),
            credits: None,
            started_at: None,
            ended_at: None,
            comments: Vec::new(),
            error: None,
            config: None,
            eval: EvalLink::default(),
            raw: RawDoc::empty(),
            raw_digest: None,
            found: None,
            origin: Origin::unknown(),
        }
    }

    /// True for a case: a run that is not an evaluation run.
    pub fn is_case(&self) -> bool {
        !self.eval.is_evaluation_run
    }

    /// All events of all turns.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.turns.iter().flat_map(|t| t.events.iter())
    }

    /// The evaluator verdict outputs: `structured_output` of `workflow_run_evaluator` nodes,
    /// last turn first.
    pub fn evaluator_outputs(&self) -> impl Iterator<Item = &serde_json::Value> {
        self.turns.iter().rev().flat_map(|t| {
            t.node_outputs
                .iter()
                .rev()
                .filter(|o| o.node_type.as_deref() == Some("workflow_run_evaluator"))
                .filter_map(|o| o.structured_output.as_ref())
        })
    }
}

/// Writes a list of pairs as the JSON object it was read from.
fn pairs_as_map<S: serde::Serializer>(
    pairs: &Option<Vec<(String, serde_json::Value)>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    match pairs {
        None => s.serialize_none(),
        Some(pairs) => {
            let mut map = s.serialize_map(Some(pairs.len()))?;
            for (k, v) in pairs {
                map.serialize_entry(k, v)?;
            }
            map.end()
        }
    }
}
