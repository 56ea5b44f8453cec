//! `kind = "node_visited"`: a node ran, named by logical id or by name.

use serde::Deserialize;

use super::Assertion;
use crate::model::{Event, Run};

/// `node = "node_…"` or the node's name.
#[derive(Debug, Clone, Deserialize)]
pub struct NodeVisited {
    /// Logical id or name.
    pub node: String,
}

impl Assertion for NodeVisited {
    fn check(&self, run: &Run) -> Result<(), String> {
        let want = Some(self.node.as_str());
        let in_events = run.events().any(|e| match e {
            Event::NodeStart { node, node_name } => {
                node.as_deref() == want || node_name.as_deref() == want
            }
            Event::NodeEnd { node, .. } => node.as_deref() == want,
            _ => false,
        });
        let in_outputs = run
            .turns
            .iter()
            .flat_map(|t| &t.node_outputs)
            .any(|o| o.node.as_deref() == want);
        if in_events || in_outputs {
            Ok(())
        } else {
            Err(format!("node `{}` was never visited", self.node))
        }
    }
}
