//! What changed between a recorded config and the candidate, in the terms a walk cares about:
//! nodes added, removed, disabled and per node the fields that feed its decisions; edges added,
//! removed, disabled, retyped, re-pointed, with changed conditions; workflow-level settings.
//!
//! Fields that never reach a walk (`version_number`, `workflow_id`, timestamps, the workflow's
//! name, description and evaluation config) are left out of the walk's view; every other
//! field, known or not, counts as a change, so an unknown field can only make a case less
//! certain, never wrongly `unaffected`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use super::config::{ConditionConfig, EdgeConfig, NodeConfig};
use super::graph::Graph;

/// Bookkeeping fields of nodes and edges that no walk reads.
const IGNORED: &[&str] = &[
    "version_number",
    "workflow_id",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "team_id",
    "_id",
];

/// Workflow-level fields that do not change a walk (they are listed, not walked).
const WORKFLOW_NOT_WALKED: &[&str] = &[
    "logical_id",
    "name",
    "description",
    "category",
    "nodes",
    "edges",
    "evaluation_config",
    "access_config",
    "version_number",
    "workflow_id",
    "created_at",
    "updated_at",
];

/// A readable name for a config field.
pub fn label(field: &str) -> &str {
    match field {
        "main_response_config" => "prompt",
        "llms_config" | "attachable_llm_config_id" => "LLM config",
        "tools_config" | "use_mcp_tools" | "max_consecutive_tool_calls" => "tools",
        "structured_output_schema" => "structured output schema",
        "static_messages_config" => "static messages",
        "self_loop" | "self_loop_config" => "self-loop settings",
        "global_node_config" => "global settings",
        "default_prompt_prefix" => "prompt prefix",
        "default_prompt_suffix" => "prompt suffix",
        "mcp_servers" => "MCP servers",
        "miscellaneous" => "miscellaneous (loop guards)",
        "condition_freeform" => "condition text",
        "condition_expression" => "condition expression",
        "destination_node_logical_id" => "destination",
        "source_node_logical_id" => "source",
        "type" => "type",
        other => other,
    }
}

/// The fields in which two nodes differ, for a walk.
pub fn node_fields(a: &NodeConfig, b: &NodeConfig) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |f: &str, differ: bool| {
        if differ {
            out.push(f.to_owned());
        }
    };
    push("name", a.name != b.name);
    push("type", a.node_type != b.node_type);
    push(
        "disabled",
        a.disabled.unwrap_or(false) != b.disabled.unwrap_or(false),
    );
    push(
        "is_start",
        a.is_start.unwrap_or(false) != b.is_start.unwrap_or(false),
    );
    push(
        "wait_for_user_message",
        a.wait_for_user_message.unwrap_or(true) != b.wait_for_user_message.unwrap_or(true),
    );
    push(
        "global_node_config",
        a.global_node_config != b.global_node_config,
    );
    out.extend(map_fields(&a.rest, &b.rest));
    out
}

fn map_fields(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>) -> Vec<String> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| !IGNORED.contains(&k.as_str()))
        .filter(|k| {
            let (x, y) = (a.get(*k), b.get(*k));
            // An absent field and an explicit null say the same.
            x.filter(|v| !v.is_null()) != y.filter(|v| !v.is_null())
        })
        .map(|k| k.to_string())
        .collect()
}

fn condition_fields(a: Option<&ConditionConfig>, b: Option<&ConditionConfig>) -> Vec<String> {
    let empty = ConditionConfig::default();
    let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
    let mut out = Vec::new();
    if a.condition_freeform != b.condition_freeform {
        out.push("condition_freeform".to_owned());
    }
    if a.condition_expression != b.condition_expression {
        out.push("condition_expression".to_owned());
    }
    out.extend(map_fields(&a.rest, &b.rest));
    out
}

/// The fields in which two edges differ, for a walk.
pub fn edge_fields(a: &EdgeConfig, b: &EdgeConfig) -> Vec<String> {
    let mut out = Vec::new();
    if a.name != b.name {
        out.push("name".to_owned());
    }
    if a.edge_type != b.edge_type {
        out.push("type".to_owned());
    }
    if a.disabled.unwrap_or(false) != b.disabled.unwrap_or(false) {
        out.push("disabled".to_owned());
    }
    if a.source_node_logical_id != b.source_node_logical_id {
        out.push("source_node_logical_id".to_owned());
    }
    if a.destination_node_logical_id != b.destination_node_logical_id {
        out.push("destination_node_logical_id".to_owned());
    }
    out.extend(condition_fields(a.condition.as_ref(), b.condition.as_ref()));
    if a.is_companion_fork() != b.is_companion_fork()
        || a.companion_thread_config.as_ref().filter(|v| !v.is_null())
            != b.companion_thread_config.as_ref().filter(|v| !v.is_null())
    {
        out.push("companion_thread_config".to_owned());
    }
    out.extend(map_fields(&a.rest, &b.rest));
    out
}

/// One line of the diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Nodes, Edges or Workflow.
    pub section: &'static str,
    /// The readable change.
    pub text: String,
}

/// The diff between a recorded config and the candidate.
#[derive(Debug, Clone, Default)]
pub struct ConfigDiff {
    /// Every change, readable, in section order.
    pub lines: Vec<Line>,
    /// Walk-relevant workflow-level fields that changed.
    pub workflow_fields: Vec<String>,
    /// Hydrated-level `dynamic_variables`/`runtime_variables` changed.
    pub variables_changed: bool,
    /// Why the set of global nodes differs, when it does.
    pub globals: Option<String>,
}

impl ConfigDiff {
    /// True when nothing a walk reads changed.
    pub fn is_empty_for_walk(&self) -> bool {
        self.lines.iter().all(|l| l.section == "Not walked")
    }
}

fn edge_label(g: &Graph, e: &EdgeConfig) -> String {
    let s = e.source_node_logical_id.as_deref().unwrap_or("?");
    let d = e.destination_node_logical_id.as_deref().unwrap_or("?");
    format!("{} -> {}", g.name(s), g.name(d))
}

/// The key an edge is matched by: its logical id, else (source, destination, type).
fn edge_key(e: &EdgeConfig) -> String {
    match &e.logical_id {
        Some(id) => id.clone(),
        None => format!(
            "{}\u{1f}{}\u{1f}{}",
            e.source_node_logical_id.as_deref().unwrap_or(""),
            e.destination_node_logical_id.as_deref().unwrap_or(""),
            e.edge_type.as_deref().unwrap_or("")
        ),
    }
}

/// Compares a recorded config with the candidate.
pub fn diff(rec: &Graph, cand: &Graph) -> ConfigDiff {
    let mut d = ConfigDiff::default();
    let mut line = |section: &'static str, text: String| d.lines.push(Line { section, text });

    // Nodes.
    let rec_nodes = &rec.config.node_configs;
    let cand_nodes = &cand.config.node_configs;
    for n in cand_nodes {
        let Some(id) = n.logical_id.as_deref() else {
            continue;
        };
        let kind = n.node_type.as_deref().unwrap_or("?");
        match rec.node(id) {
            None => line("Nodes", format!("added: `{}` ({kind})", cand.name(id))),
            Some(old) => {
                let fields = node_fields(old, n);
                let disabled_now = n.disabled == Some(true);
                for f in &fields {
                    match f.as_str() {
                        "disabled" if disabled_now => {
                            line("Nodes", format!("disabled: `{}`", cand.name(id)))
                        }
                        "disabled" => line("Nodes", format!("enabled: `{}`", cand.name(id))),
                        _ => {}
                    }
                }
                let rest: Vec<&str> = fields
                    .iter()
                    .filter(|f| *f != "disabled")
                    .map(|f| label(f))
                    .collect();
                if !rest.is_empty() {
                    line(
                        "Nodes",
                        format!("changed: `{}`: {}", rec.name(id), dedup(rest).join(", ")),
                    );
                }
            }
        }
    }
    for n in rec_nodes {
        if let Some(id) = n.logical_id.as_deref() {
            if cand.node(id).is_none() {
                let inside = cand
                    .interior
                    .get(id)
                    .map(|s| format!(" (now inside super node `{}`)", cand.name(s)))
                    .unwrap_or_default();
                line("Nodes", format!("removed: `{}`{inside}", rec.name(id)));
            }
        }
    }

    // Edges.
    let rec_edges: BTreeMap<String, &EdgeConfig> = rec
        .config
        .edge_configs
        .iter()
        .map(|e| (edge_key(e), e))
        .collect();
    let cand_keys: BTreeSet<String> = cand.config.edge_configs.iter().map(edge_key).collect();
    for e in &cand.config.edge_configs {
        let kind = e.edge_type.as_deref().unwrap_or("?");
        match rec_edges.get(&edge_key(e)) {
            None => line(
                "Edges",
                format!("added: `{}` ({kind})", edge_label(cand, e)),
            ),
            Some(old) => {
                for f in edge_fields(old, e) {
                    let text = match f.as_str() {
                        "disabled" if e.disabled == Some(true) => {
                            format!("disabled: `{}`", edge_label(rec, old))
                        }
                        "disabled" => format!("enabled: `{}`", edge_label(cand, e)),
                        "type" => format!(
                            "retyped: `{}`: {} -> {kind}",
                            edge_label(rec, old),
                            old.edge_type.as_deref().unwrap_or("?")
                        ),
                        "source_node_logical_id" | "destination_node_logical_id" => format!(
                            "re-pointed: `{}` now `{}`",
                            edge_label(rec, old),
                            edge_label(cand, e)
                        ),
                        "condition_expression" => format!(
                            "condition changed: `{}`: expression `{}` -> `{}`",
                            edge_label(rec, old),
                            expr_of(old),
                            expr_of(e)
                        ),
                        other => format!("changed: `{}`: {}", edge_label(rec, old), label(other)),
                    };
                    line("Edges", text);
                }
            }
        }
    }
    for (k, e) in &rec_edges {
        if !cand_keys.contains(k) {
            line("Edges", format!("removed: `{}`", edge_label(rec, e)));
        }
    }
    d.lines.dedup();

    // Workflow level.
    let empty = serde_json::Map::new();
    let (rw, cw) = (
        rec.workflow().unwrap_or(&empty),
        cand.workflow().unwrap_or(&empty),
    );
    let keys: BTreeSet<&String> = rw.keys().chain(cw.keys()).collect();
    for k in keys {
        let (a, b) = (
            rw.get(k).filter(|v| !v.is_null()),
            cw.get(k).filter(|v| !v.is_null()),
        );
        if a == b {
            continue;
        }
        if WORKFLOW_NOT_WALKED.contains(&k.as_str()) {
            d.lines.push(Line {
                section: "Not walked",
                text: format!("workflow {} changed", label(k)),
            });
        } else {
            d.workflow_fields.push(k.clone());
            d.lines.push(Line {
                section: "Workflow",
                text: format!("changed: {}", label(k)),
            });
        }
    }
    let nonnull = |v: &Option<Value>| {
        v.as_ref()
            .filter(|v| !v.is_null() && v.as_object().is_none_or(|o| !o.is_empty()))
            .cloned()
    };
    if nonnull(&rec.config.dynamic_variables) != nonnull(&cand.config.dynamic_variables)
        || nonnull(&rec.config.runtime_variables) != nonnull(&cand.config.runtime_variables)
    {
        d.variables_changed = true;
        d.lines.push(Line {
            section: "Workflow",
            text: "changed: default dynamic/runtime variables".to_owned(),
        });
    }

    // Global nodes: a synthesized edge to each from every node.
    let rg = rec.globals();
    let cg = cand.globals();
    if rg != cg {
        let mut why = Vec::new();
        for n in &cg {
            let id = n.logical_id.as_deref().unwrap_or("?");
            match rg.iter().find(|o| o.logical_id == n.logical_id) {
                None => why.push(format!("global node {} added", cand.name(id))),
                Some(o) if o != n => why.push(format!("global node {} changed", cand.name(id))),
                Some(_) => {}
            }
        }
        for n in &rg {
            if !cg.iter().any(|c| c.logical_id == n.logical_id) {
                let id = n.logical_id.as_deref().unwrap_or("?");
                why.push(format!("global node {} removed", rec.name(id)));
            }
        }
        if why.is_empty() {
            why.push("global nodes reordered".to_owned());
        }
        d.globals = Some(why.join(", "));
    }
    d
}

fn expr_of(e: &EdgeConfig) -> &str {
    e.condition
        .as_ref()
        .and_then(|c| c.condition_expression.as_deref())
        .unwrap_or("none")
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    v.retain(|x| seen.insert(*x));
    v
}

/// The diff as Markdown lines under section headings ("no change" when empty).
pub fn render(d: &ConfigDiff, out: &mut String) {
    if d.lines.is_empty() {
        out.push_str("No change.\n");
        return;
    }
    for section in ["Nodes", "Edges", "Workflow", "Not walked"] {
        let lines: Vec<&Line> = d.lines.iter().filter(|l| l.section == section).collect();
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {section}\n");
        for l in lines {
            let _ = writeln!(out, "- {}", l.text);
        }
    }
}
