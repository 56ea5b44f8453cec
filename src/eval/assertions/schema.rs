//! `kind = "json_schema"`: structured outputs match a JSON schema — the `structured_output`
//! of the named node (logical id or node type) in every turn it ran, or, without `node`, the
//! output of a single-shot (Noxus, Cortex) run.

use std::sync::Arc;

use serde::Deserialize;

use super::Assertion;
use crate::model::Run;

/// A JSON schema compiled when the config is read.
#[derive(Clone)]
pub struct Schema(pub Arc<jsonschema::Validator>);

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Schema(..)")
    }
}

impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        jsonschema::validator_for(&value)
            .map(|v| Schema(Arc::new(v)))
            .map_err(|e| serde::de::Error::custom(format!("invalid JSON schema: {e}")))
    }
}

/// `node = "worker_llm"` or a logical id; `schema = { type = "object", … }`.
#[derive(Debug, Clone, Deserialize)]
pub struct JsonSchema {
    /// Which node's structured output (absent: the run's `output`).
    #[serde(default)]
    pub node: Option<String>,
    /// The schema.
    pub schema: Schema,
}

impl Assertion for JsonSchema {
    fn check(&self, run: &Run) -> Result<(), String> {
        let outputs: Vec<&serde_json::Value> = match &self.node {
            Some(node) => run
                .turns
                .iter()
                .flat_map(|t| &t.node_outputs)
                .filter(|o| o.node.as_deref() == Some(node) || o.node_type.as_deref() == Some(node))
                .filter_map(|o| o.structured_output.as_ref())
                .collect(),
            None => run.turns.iter().filter_map(|t| t.output.as_ref()).collect(),
        };
        if outputs.is_empty() {
            return Err(format!(
                "no structured output{} to check",
                self.node
                    .as_deref()
                    .map(|n| format!(" of node `{n}`"))
                    .unwrap_or_default()
            ));
        }
        for (i, out) in outputs.iter().enumerate() {
            if let Some(err) = self.schema.0.iter_errors(out).next() {
                // The instance path and the rule, not the offending value (patient data).
                return Err(format!(
                    "structured output #{} does not match the schema at `{}`",
                    i + 1,
                    err.instance_path
                ));
            }
        }
        Ok(())
    }
}
