//! A hydrated config as a graph a walk can query: nodes by logical id, outgoing edges in list
//! order, the start and global nodes, and which nodes hide inside super nodes.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::config::{EdgeConfig, Hydrated, NodeConfig};

/// What the re-walk knows of a node type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// Makes LLM decisions (reply, edge choice, structured output): reusable only while the
    /// node's inputs are unchanged.
    Llm,
    /// Deterministic, or a tool/data node whose result is stubbed from the recording.
    Stubbed,
    /// Expanded at runtime (`super_node`) or unknown: not modeled.
    Unmodeled,
}

/// The kind of a node `type`.
pub fn node_kind(node_type: Option<&str>) -> NodeKind {
    match node_type.unwrap_or("") {
        "say_llm" | "worker_llm" | "end_conversation" | "workflow_run_evaluator" => NodeKind::Llm,
        "say_static" | "tool_node" | "http_request" | "no_op" | "field_extractor"
        | "deduplicate" | "workflow_run_fetch" | "send_sms" | "google_docs"
        | "start_conversation" => NodeKind::Stubbed,
        t if t.starts_with("athena_") => NodeKind::Stubbed,
        _ => NodeKind::Unmodeled,
    }
}

/// A config indexed for walking.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The config as read.
    pub config: Hydrated,
    by_id: HashMap<String, usize>,
    out: HashMap<String, Vec<usize>>,
    /// Interior node id → the super node that encapsulates it.
    pub interior: HashMap<String, String>,
}

impl Graph {
    /// Indexes a config.
    pub fn new(config: Hydrated) -> Graph {
        let mut by_id = HashMap::new();
        let mut interior = HashMap::new();
        for (i, n) in config.node_configs.iter().enumerate() {
            if let Some(id) = &n.logical_id {
                by_id.entry(id.clone()).or_insert(i);
                if n.node_type.as_deref() == Some("super_node") {
                    collect_interior(
                        n.rest.get("encapsulated_workflow_config"),
                        id,
                        &mut interior,
                    );
                }
            }
        }
        let mut out: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in config.edge_configs.iter().enumerate() {
            if let Some(s) = &e.source_node_logical_id {
                out.entry(s.clone()).or_default().push(i);
            }
        }
        Graph {
            config,
            by_id,
            out,
            interior,
        }
    }

    /// The node with this logical id.
    pub fn node(&self, id: &str) -> Option<&NodeConfig> {
        self.by_id.get(id).map(|&i| &self.config.node_configs[i])
    }

    /// The node's name, else its id.
    pub fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.node(id).and_then(|n| n.name.as_deref()).unwrap_or(id)
    }

    /// Every edge leaving `id`, enabled or not, in list order.
    pub fn out_edges<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a EdgeConfig> + 'a {
        self.out
            .get(id)
            .into_iter()
            .flatten()
            .map(|&i| &self.config.edge_configs[i])
    }

    /// The enabled edges leaving `id`, in list order.
    pub fn enabled_out<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a EdgeConfig> + 'a {
        self.out_edges(id).filter(|e| e.disabled != Some(true))
    }

    /// Enabled nodes with `is_start`.
    pub fn starts(&self) -> Vec<&str> {
        self.config
            .node_configs
            .iter()
            .filter(|n| n.is_start == Some(true) && n.disabled != Some(true))
            .filter_map(|n| n.logical_id.as_deref())
            .collect()
    }

    /// True for an enabled global node.
    pub fn is_global(&self, id: &str) -> bool {
        self.node(id).is_some_and(|n| {
            n.disabled != Some(true)
                && n.global_node_config
                    .as_ref()
                    .is_some_and(|g| g.is_global == Some(true))
        })
    }

    /// Enabled global nodes, in list order.
    pub fn globals(&self) -> Vec<&NodeConfig> {
        self.config
            .node_configs
            .iter()
            .filter(|n| n.logical_id.as_deref().is_some_and(|id| self.is_global(id)))
            .collect()
    }

    /// The workflow-level settings.
    pub fn workflow(&self) -> Option<&Map<String, Value>> {
        self.config.workflow_config.as_ref()
    }

    /// The workflow id the node and edge configs name (the most common one), else the
    /// workflow config's own `logical_id` is no help (it is not the workflow's id): `None`.
    pub fn workflow_id(&self) -> Option<String> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        let ids = self.config.node_configs.iter().map(|n| &n.workflow_id);
        let ids = ids.chain(self.config.edge_configs.iter().map(|e| &e.workflow_id));
        for id in ids.flatten() {
            *counts.entry(id.as_str()).or_default() += 1;
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts.first().map(|(id, _)| (*id).to_owned())
    }
}

fn collect_interior(cfg: Option<&Value>, owner: &str, into: &mut HashMap<String, String>) {
    let Some(nodes) = cfg
        .and_then(|c| c.get("node_configs"))
        .and_then(Value::as_array)
    else {
        return;
    };
    for n in nodes {
        if let Some(id) = n.get("logical_id").and_then(Value::as_str) {
            into.insert(id.to_owned(), owner.to_owned());
        }
        collect_interior(n.get("encapsulated_workflow_config"), owner, into);
    }
}

/// The condition text an LLM judges, when the edge has one.
pub fn freeform(e: &EdgeConfig) -> Option<&str> {
    e.condition
        .as_ref()
        .and_then(|c| c.condition_freeform.as_deref())
        .filter(|s| !s.trim().is_empty())
}

/// The expression of an edge decided by its expression alone (no freeform text beside it:
/// with both, the precedence is undocumented and the edge counts as an LLM decision).
pub fn pure_expression(e: &EdgeConfig) -> Option<&str> {
    if freeform(e).is_some() {
        return None;
    }
    e.condition
        .as_ref()
        .and_then(|c| c.condition_expression.as_deref())
        .filter(|s| !s.trim().is_empty())
}
