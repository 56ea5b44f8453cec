//! What the harness needs from a run's fully hydrated workflow config, read once at load time.
//!
//! The whole config stays in the raw document; this summary holds the parts every case needs
//! (the evaluator, the graph's shape, side-effect nodes and tools) without parsing prompts.

use serde::Serialize;

/// Interactly node types that act on the outside world (texts, bookings, documents, HTTP).
pub const SIDE_EFFECT_NODE_TYPES: &[&str] = &[
    "send_sms",
    "athena_patients_create",
    "athena_patients_update",
    "athena_appointments_create",
    "google_docs",
    "http_request",
];

/// `evaluation_config` of a workflow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvaluationConfig {
    /// `evaluator_workflow_id`.
    pub evaluator_workflow_id: Option<String>,
    /// `evaluator_workflow_version_number`.
    pub evaluator_workflow_version: Option<i64>,
    /// `enable_turn_by_turn_evaluation`.
    pub turn_by_turn: bool,
}

/// A node of the graph.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NodeSummary {
    /// `logical_id`.
    pub id: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `type`.
    pub node_type: Option<String>,
    /// `is_start`.
    pub is_start: bool,
    /// `disabled`.
    pub disabled: bool,
}

/// An edge of the graph.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EdgeSummary {
    /// `logical_id`.
    pub id: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `type`: direct, conditional or companion.
    pub edge_type: Option<String>,
    /// `source_node_logical_id`.
    pub source: Option<String>,
    /// `destination_node_logical_id`.
    pub destination: Option<String>,
}

/// A tool, from the workflow's or a node's `tools_config`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ToolSummary {
    /// `name`.
    pub name: Option<String>,
    /// `type`: inline_python, inbuilt_function, external_api, knowledge_base.
    pub tool_type: Option<String>,
}

/// An MCP server. Its `api_headers` are secrets and are never held here, only counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct McpServerSummary {
    /// `name`.
    pub name: Option<String>,
    /// `server_url`.
    pub server_url: Option<String>,
    /// How many `api_headers` the server has.
    pub header_count: usize,
}

/// The parts of `workflow_config_fully_hydrated` the harness uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConfigSummary {
    /// `workflow_config.name`.
    pub name: Option<String>,
    /// `workflow_config.evaluation_config`.
    pub evaluation: Option<EvaluationConfig>,
    /// `node_configs`.
    pub nodes: Vec<NodeSummary>,
    /// `edge_configs`.
    pub edges: Vec<EdgeSummary>,
    /// Workflow-level and node-level tools.
    pub tools: Vec<ToolSummary>,
    /// `workflow_config.mcp_servers`.
    pub mcp_servers: Vec<McpServerSummary>,
}

impl ConfigSummary {
    /// Why a live replay of this workflow could act on the outside world: one line per node,
    /// tool or MCP server that can. Empty when it cannot.
    pub fn side_effects(&self) -> Vec<String> {
        let mut out = Vec::new();
        for node in &self.nodes {
            if let Some(t) = node.node_type.as_deref() {
                if !node.disabled && SIDE_EFFECT_NODE_TYPES.contains(&t) {
                    out.push(format!(
                        "node {} ({t})",
                        node.name.as_deref().or(node.id.as_deref()).unwrap_or("?")
                    ));
                }
            }
        }
        for tool in &self.tools {
            if tool.tool_type.as_deref() == Some("external_api") {
                out.push(format!(
                    "tool {} (external_api)",
                    tool.name.as_deref().unwrap_or("?")
                ));
            }
        }
        for server in &self.mcp_servers {
            out.push(format!(
                "MCP server {}",
                server
                    .name
                    .as_deref()
                    .or(server.server_url.as_deref())
                    .unwrap_or("?")
            ));
        }
        out
    }
}
