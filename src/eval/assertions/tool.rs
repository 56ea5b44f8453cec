//! `kind = "tool_called"`: an LLM called a tool, optionally with at least some arguments.
//! Freeform edge choices (`Destination_Node…`) are not tools.

use serde::Deserialize;

use super::Assertion;
use crate::model::{Event, Run};

/// `tool = "lookup_patient"`, `args = { last_name = "Marsh" }` (a subset of the call's).
#[derive(Debug, Clone, Deserialize)]
pub struct ToolCalled {
    /// The tool's name.
    pub tool: String,
    /// Arguments the call must have (objects compare as subsets, other values exactly).
    #[serde(default)]
    pub args: Option<serde_json::Value>,
}

/// `want` is contained in `have`: objects key by key, recursively; anything else equal.
pub fn is_subset(want: &serde_json::Value, have: &serde_json::Value) -> bool {
    match (want, have) {
        (serde_json::Value::Object(w), serde_json::Value::Object(h)) => w
            .iter()
            .all(|(k, v)| h.get(k).is_some_and(|hv| is_subset(v, hv))),
        (serde_json::Value::Number(a), serde_json::Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => want == have,
    }
}

impl Assertion for ToolCalled {
    fn check(&self, run: &Run) -> Result<(), String> {
        let mut named = false;
        for event in run.events() {
            let Event::Llm { tool_calls, .. } = event else {
                continue;
            };
            for call in tool_calls.iter().filter(|c| !c.is_edge_choice()) {
                if call.name != self.tool {
                    continue;
                }
                named = true;
                if self.args.as_ref().is_none_or(|w| is_subset(w, &call.args)) {
                    return Ok(());
                }
            }
        }
        Err(if named {
            format!(
                "tool `{}` was called, never with the expected arguments",
                self.tool
            )
        } else {
            format!("tool `{}` was never called", self.tool)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subsets() {
        assert!(is_subset(&json!({"a": 1}), &json!({"a": 1.0, "b": 2})));
        assert!(is_subset(
            &json!({"a": {"x": "y"}}),
            &json!({"a": {"x": "y", "z": 1}})
        ));
        assert!(!is_subset(&json!({"a": 2}), &json!({"a": 1})));
        assert!(!is_subset(&json!({"c": 1}), &json!({"a": 1})));
    }
}
