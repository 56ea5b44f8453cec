//! Interactly events, typed for the kinds that replay, evaluation and reports read.
//!
//! Every other event type is kept as [`Event::Other`] with its type name; its bytes stay in the
//! run's raw document, so nothing is lost when the run is written back out.

use serde::Serialize;

/// Token usage and latency of one LLM call, as the event's `llm_usage_info` reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LlmUsageInfo {
    /// `response_model`.
    pub model: Option<String>,
    /// `provider`.
    pub provider: Option<String>,
    /// `llm_response_id`: one call, shared by its streamed chunks.
    pub response_id: Option<String>,
    /// `prompt_tokens`.
    pub prompt_tokens: Option<u64>,
    /// `completion_tokens`.
    pub completion_tokens: Option<u64>,
    /// `total_tokens`.
    pub total_tokens: Option<u64>,
    /// `response_latency_milliseconds`.
    pub latency_ms: Option<f64>,
}

/// A tool call inside an AI message (`tool_calls[]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCall {
    /// The tool's name. `Destination_Node…` names are edge choices, not tools.
    pub name: String,
    /// The arguments, as recorded.
    pub args: serde_json::Value,
    /// The call id.
    pub id: Option<String>,
}

impl ToolCall {
    /// True when the "tool" is the LLM choosing a freeform edge (EXECUTION.md §3).
    pub fn is_edge_choice(&self) -> bool {
        self.name.starts_with("Destination_Node")
    }
}

/// The LLM node event types. Each distinct `llm_response_id` among them is one LLM call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmKind {
    /// `llm`.
    Llm,
    /// `say_llm`.
    SayLlm,
    /// `worker_llm`.
    WorkerLlm,
    /// `condition_evaluator_llm`.
    ConditionEvaluatorLlm,
    /// `discarded_main_llm`.
    DiscardedMainLlm,
}

impl LlmKind {
    /// The event `type` this kind is spelled as.
    pub fn as_str(self) -> &'static str {
        match self {
            LlmKind::Llm => "llm",
            LlmKind::SayLlm => "say_llm",
            LlmKind::WorkerLlm => "worker_llm",
            LlmKind::ConditionEvaluatorLlm => "condition_evaluator_llm",
            LlmKind::DiscardedMainLlm => "discarded_main_llm",
        }
    }

    /// The kind for an event `type`, if it is an LLM node event.
    pub fn from_type(kind: &str) -> Option<LlmKind> {
        Some(match kind {
            "llm" => LlmKind::Llm,
            "say_llm" => LlmKind::SayLlm,
            "worker_llm" => LlmKind::WorkerLlm,
            "condition_evaluator_llm" => LlmKind::ConditionEvaluatorLlm,
            "discarded_main_llm" => LlmKind::DiscardedMainLlm,
            _ => return None,
        })
    }
}

/// The edge event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// `direct_edge`.
    Direct,
    /// `conditional_edge`.
    Conditional,
    /// `reverse_conditional_edge`.
    ReverseConditional,
    /// `companion_edge`.
    Companion,
    /// `self_loop_edge`.
    SelfLoop,
    /// `guardrail_escalation_edge`.
    GuardrailEscalation,
}

impl EdgeKind {
    /// The kind for an event `type`, if it is an edge event.
    pub fn from_type(kind: &str) -> Option<EdgeKind> {
        Some(match kind {
            "direct_edge" => EdgeKind::Direct,
            "conditional_edge" => EdgeKind::Conditional,
            "reverse_conditional_edge" => EdgeKind::ReverseConditional,
            "companion_edge" => EdgeKind::Companion,
            "self_loop_edge" => EdgeKind::SelfLoop,
            "guardrail_escalation_edge" => EdgeKind::GuardrailEscalation,
            _ => return None,
        })
    }
}

/// One Interactly event.
///
/// Events are most of a loaded run, so their texts are `Box<str>` (16 bytes, not a `String`'s
/// 24) and tool calls a boxed slice: an event is 96 bytes, not 136.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// `assistant_response`: what the agent said. Its usage repeats the producing call's.
    AssistantResponse {
        node: Option<Box<str>>,
        content: String,
        message_type: Option<Box<str>>,
        usage: Option<Box<LlmUsageInfo>>,
    },
    /// `user_messages`: user messages added to the thread.
    UserMessages {
        node: Option<Box<str>>,
        messages: Vec<String>,
    },
    /// An LLM node event (`say_llm`, `worker_llm`, …), possibly one streamed chunk of a call.
    Llm {
        kind: LlmKind,
        node: Option<Box<str>>,
        /// `message.type`: `ai`, or `tool` for a tool result.
        message_type: Option<Box<str>>,
        content: Option<Box<str>>,
        tool_calls: Box<[ToolCall]>,
        /// `message.name` of a tool message.
        tool_name: Option<Box<str>>,
        usage: Option<Box<LlmUsageInfo>>,
    },
    /// `say_static`.
    SayStatic {
        node: Option<Box<str>>,
        content: Option<Box<str>>,
    },
    /// `start_node_run`.
    NodeStart {
        node: Option<Box<str>>,
        node_name: Option<Box<str>>,
    },
    /// `end_node_run`, with the node type from its `run_output`.
    NodeEnd {
        node: Option<Box<str>>,
        node_type: Option<Box<str>>,
    },
    /// An edge taken. Edge ids may be null: match transitions by (source, destination).
    Edge {
        kind: EdgeKind,
        edge_id: Option<Box<str>>,
        source: Option<Box<str>>,
        source_name: Option<Box<str>>,
        destination: Option<Box<str>>,
        destination_name: Option<Box<str>>,
    },
    /// `busy_wait_for_user_message`: where the main thread parked.
    BusyWait { node: Option<Box<str>> },
    /// `workflow_ready_for_input`: the turn ended, the run waits for the user.
    ReadyForInput,
    /// `end_workflow_iteration`; the workflow and version are those of the iteration's
    /// `run_input_output_pair.run_input`, when the event carries it (the current execute
    /// response has no other place naming them).
    IterationEnd {
        iteration: Option<u64>,
        workflow_id: Option<Box<str>>,
        version: Option<i64>,
    },
    /// `end_workflow`.
    WorkflowEnd,
    /// `workflow_error`.
    WorkflowError { message: Option<Box<str>> },
    /// Any other type, passed through untouched.
    Other { kind: String },
}

impl Event {
    /// The event `type` as recorded.
    pub fn kind(&self) -> &str {
        match self {
            Event::AssistantResponse { .. } => "assistant_response",
            Event::UserMessages { .. } => "user_messages",
            Event::Llm { kind, .. } => kind.as_str(),
            Event::SayStatic { .. } => "say_static",
            Event::NodeStart { .. } => "start_node_run",
            Event::NodeEnd { .. } => "end_node_run",
            Event::Edge { kind, .. } => match kind {
                EdgeKind::Direct => "direct_edge",
                EdgeKind::Conditional => "conditional_edge",
                EdgeKind::ReverseConditional => "reverse_conditional_edge",
                EdgeKind::Companion => "companion_edge",
                EdgeKind::SelfLoop => "self_loop_edge",
                EdgeKind::GuardrailEscalation => "guardrail_escalation_edge",
            },
            Event::BusyWait { .. } => "busy_wait_for_user_message",
            Event::ReadyForInput => "workflow_ready_for_input",
            Event::IterationEnd { .. } => "end_workflow_iteration",
            Event::WorkflowEnd => "end_workflow",
            Event::WorkflowError { .. } => "workflow_error",
            Event::Other { kind } => kind,
        }
    }
}
