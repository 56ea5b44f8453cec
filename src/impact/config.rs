//! The hydrated workflow config (`WorkflowConfigFullyHydrated`) as a re-walk reads it: our own
//! serde types for the fields a walk needs, every other field kept as JSON so the diff can name
//! it. Field names follow the vendor's models (`sdk-configs/interactly_configs/workflow.py`,
//! `nodes/node.py`, `nodes/llm/llm.py`, `edge.py`, `condition.py`).
//!
//! Also owns finding a recorded run's config inside its raw document and reading a candidate
//! file, with errors that name the file and the JSON location.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

/// Why a config could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, or a field of the wrong shape; `at` is the JSON location.
    #[error("{path}: at {at}: {message}")]
    Shape {
        path: String,
        at: String,
        message: String,
    },
    /// JSON, but neither a hydrated config nor a run document holding one.
    #[error("{path}: {message}")]
    NotAConfig { path: String, message: String },
}

/// `WorkflowConfigFullyHydrated`: the workflow, its nodes and edges.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Hydrated {
    /// `workflow_config`: workflow-level settings, kept whole for the diff.
    #[serde(default)]
    pub workflow_config: Option<Map<String, Value>>,
    /// `node_configs`.
    #[serde(default)]
    pub node_configs: Vec<NodeConfig>,
    /// `edge_configs`.
    #[serde(default)]
    pub edge_configs: Vec<EdgeConfig>,
    /// `dynamic_variables`: default dynamic variables, substituted into prompts.
    #[serde(default)]
    pub dynamic_variables: Option<Value>,
    /// `runtime_variables`: initial runtime variables.
    #[serde(default)]
    pub runtime_variables: Option<Value>,
}

/// `GlobalNodeConfig` (nodes/node.py).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct GlobalNodeConfig {
    /// `is_global`.
    #[serde(default)]
    pub is_global: Option<bool>,
    /// Everything else (`condition`, evaluation method, reverse edge), compared whole.
    #[serde(flatten)]
    pub rest: BTreeMap<String, Value>,
}

/// One node (`BaseNodeConfig` and its subclasses).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct NodeConfig {
    /// `logical_id`.
    #[serde(default)]
    pub logical_id: Option<String>,
    /// `name`.
    #[serde(default)]
    pub name: Option<String>,
    /// `type`.
    #[serde(default, rename = "type")]
    pub node_type: Option<String>,
    /// `disabled`.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// `is_start`.
    #[serde(default)]
    pub is_start: Option<bool>,
    /// `wait_for_user_message` (LLM nodes; default true).
    #[serde(default)]
    pub wait_for_user_message: Option<bool>,
    /// `global_node_config`.
    #[serde(default)]
    pub global_node_config: Option<GlobalNodeConfig>,
    /// `workflow_id`.
    #[serde(default)]
    pub workflow_id: Option<String>,
    /// Every other field (prompt, LLM config, tools, schema, self-loop settings, …).
    #[serde(flatten)]
    pub rest: BTreeMap<String, Value>,
}

/// `ConditionConfig` (condition.py).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ConditionConfig {
    /// `condition_freeform`: judged by an LLM.
    #[serde(default)]
    pub condition_freeform: Option<String>,
    /// `condition_expression`: evaluated on variables.
    #[serde(default)]
    pub condition_expression: Option<String>,
    /// `args_schema`, `static_messages_config`, `dynamic_messages_config`, compared whole.
    #[serde(flatten)]
    pub rest: BTreeMap<String, Value>,
}

/// One edge (`DirectEdgeConfig`, `ConditionalEdgeConfig`, `CompanionEdgeConfig`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct EdgeConfig {
    /// `logical_id`.
    #[serde(default)]
    pub logical_id: Option<String>,
    /// `name`.
    #[serde(default)]
    pub name: Option<String>,
    /// `type`: direct, conditional or companion.
    #[serde(default, rename = "type")]
    pub edge_type: Option<String>,
    /// `disabled`.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// `source_node_logical_id`.
    #[serde(default)]
    pub source_node_logical_id: Option<String>,
    /// `destination_node_logical_id`.
    #[serde(default)]
    pub destination_node_logical_id: Option<String>,
    /// `condition` (conditional edges).
    #[serde(default)]
    pub condition: Option<ConditionConfig>,
    /// `companion_thread_config` (direct edges).
    #[serde(default)]
    pub companion_thread_config: Option<Value>,
    /// `workflow_id`.
    #[serde(default)]
    pub workflow_id: Option<String>,
    /// Every other field (`evaluate_while_waiting_config`, …).
    #[serde(flatten)]
    pub rest: BTreeMap<String, Value>,
}

impl EdgeConfig {
    /// A direct edge that forks a companion thread rather than continuing the main one.
    pub fn is_companion_fork(&self) -> bool {
        self.companion_thread_config
            .as_ref()
            .and_then(|c| c.get("is_companion_thread"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// Parses a hydrated config from bytes; `path` and `base` name the file and where in it the
/// config lies, for errors.
pub fn parse_hydrated(bytes: &[u8], path: &str, base: &str) -> Result<Hydrated, ConfigError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| shape_error(path, base, e))
}

fn shape_error(
    path: &str,
    base: &str,
    e: serde_path_to_error::Error<serde_json::Error>,
) -> ConfigError {
    let inner = e.path().to_string();
    let at = match (base, inner.as_str()) {
        ("", "." | "") => "the top level".to_owned(),
        ("", p) => p.to_owned(),
        (b, "." | "") => b.to_owned(),
        (b, p) => format!("{b}.{p}"),
    };
    ConfigError::Shape {
        path: path.to_owned(),
        at,
        message: e.into_inner().to_string(),
    }
}

/// Where a run document may hold its hydrated config, outermost shape first.
const RUN_CONFIG_PATHS: [&[&str]; 3] = [
    &[
        "workflow_run",
        "workflow_run",
        "workflow_config_fully_hydrated",
    ],
    &["workflow_run", "workflow_config_fully_hydrated"],
    &["workflow_config_fully_hydrated"],
];

/// Reads a candidate file: a `WorkflowConfigFullyHydrated` document, or a run document whose
/// `workflow_config_fully_hydrated` is the candidate.
pub fn read_candidate(path: &Path) -> Result<Hydrated, ConfigError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
        path: name.clone(),
        source,
    })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| ConfigError::Shape {
        path: name.clone(),
        at: format!("line {} column {}", e.line(), e.column()),
        message: e.to_string(),
    })?;
    let Value::Object(top) = &value else {
        return Err(ConfigError::NotAConfig {
            path: name,
            message: "expected a JSON object (a WorkflowConfigFullyHydrated or a run document)"
                .to_owned(),
        });
    };
    if top.contains_key("node_configs") || top.contains_key("workflow_config") {
        return deserialize_value(value, &name, "");
    }
    for keys in RUN_CONFIG_PATHS {
        let mut at = &value;
        let mut found = true;
        for k in keys {
            match at.get(k) {
                Some(v) => at = v,
                None => {
                    found = false;
                    break;
                }
            }
        }
        if found && !at.is_null() {
            return deserialize_value(at.clone(), &name, &keys.join("."));
        }
    }
    Err(ConfigError::NotAConfig {
        path: name,
        message: "neither a WorkflowConfigFullyHydrated (no node_configs or workflow_config) \
                  nor a run document with a workflow_config_fully_hydrated"
            .to_owned(),
    })
}

fn deserialize_value(value: Value, path: &str, base: &str) -> Result<Hydrated, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|e| shape_error(path, base, e))
}

/// The bytes of a run document's `workflow_config_fully_hydrated` value, without parsing the
/// rest of the document: the key is found by a byte search, and only its value is scanned.
/// When the key occurs more than once (a nested run object), the document is parsed whole and
/// the top-level config taken, so a nested one is never mistaken for the run's own.
pub fn recorded_config_bytes(doc: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    const KEY: &[u8] = b"\"workflow_config_fully_hydrated\"";
    let mut keys = memchr::memmem::find_iter(doc, KEY).filter_map(|at| {
        let rest = &doc[at + KEY.len()..];
        let colon = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        (rest[colon] == b':').then_some(&rest[colon + 1..])
    });
    let first = keys.next()?;
    if keys.next().is_none() {
        let de = &mut serde_json::Deserializer::from_slice(first);
        let raw: &serde_json::value::RawValue = Deserialize::deserialize(de).ok()?;
        let text = raw.get();
        return (text != "null").then_some(std::borrow::Cow::Borrowed(text.as_bytes()));
    }
    let value: Value = serde_json::from_slice(doc).ok()?;
    RUN_CONFIG_PATHS.iter().find_map(|keys| {
        let mut at = &value;
        for k in *keys {
            at = at.get(k)?;
        }
        if at.is_null() {
            return None;
        }
        serde_json::to_vec(at).ok().map(std::borrow::Cow::Owned)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_config_of_a_run_document() {
        let doc = br#"{"workflow_run":{"a":1,"workflow_config_fully_hydrated" : {"node_configs":[{"logical_id":"n1","type":"say_static"}]},"z":2}}"#;
        let bytes = recorded_config_bytes(doc).expect("config found");
        let h = parse_hydrated(&bytes, "doc", "").expect("parsed");
        assert_eq!(h.node_configs[0].logical_id.as_deref(), Some("n1"));
    }

    #[test]
    fn a_nested_config_is_not_taken_for_the_runs_own() {
        let doc = br#"{"workflow_run":{"workflow_run":{"events":[{"workflow_run_object":{"workflow_config_fully_hydrated":{"node_configs":[{"logical_id":"inner"}]}}}],"workflow_config_fully_hydrated":{"node_configs":[{"logical_id":"outer"}]}}}}"#;
        let bytes = recorded_config_bytes(doc).expect("config found");
        let h = parse_hydrated(&bytes, "doc", "").expect("parsed");
        assert_eq!(h.node_configs[0].logical_id.as_deref(), Some("outer"));
    }

    #[test]
    fn a_bad_field_names_its_json_location() {
        let err = parse_hydrated(
            br#"{"node_configs":[{"logical_id":"a"},{"disabled":"yes"}]}"#,
            "cand.json",
            "",
        )
        .expect_err("bad disabled");
        let text = err.to_string();
        assert!(
            text.starts_with("cand.json: at node_configs[1].disabled"),
            "{text}"
        );
    }
}
