//! Each turn's node path of a replayed run, the `paths` of its row (written to `paths.jsonl`
//! by [`super::paths`]). Row data, below the writers.
//!
//! A turn's path is the main thread's node runs (`thread_to_node_outputs`, companion threads
//! left out), else its `start_node_run` events; names come from the run's hydrated config,
//! else from the events, else the node id stands. Runs with no node at all (Noxus, Cortex,
//! cases that errored before a reply) get no path.

use crate::model::{ConfigSummary, Event, Turn};

/// The node path per turn of a run's `turns` (empty when no turn ran a node); `config`, the
/// run's hydrated config, names the nodes.
pub fn of(config: Option<&ConfigSummary>, turns: &[Turn]) -> Vec<Vec<String>> {
    // FxHash: a map built per case over short ids (SipHash showed in the profile).
    let mut names: rustc_hash::FxHashMap<&str, &str> = rustc_hash::FxHashMap::default();
    if let Some(c) = config {
        for n in &c.nodes {
            if let (Some(id), Some(name)) = (&n.id, &n.name) {
                names.insert(id, name);
            }
        }
    }
    for e in turns.iter().flat_map(|t| &t.events) {
        match e {
            Event::NodeStart {
                node: Some(id),
                node_name: Some(name),
            } => {
                names.entry(id).or_insert(name);
            }
            Event::Edge {
                destination: Some(id),
                destination_name: Some(name),
                ..
            } => {
                names.entry(id).or_insert(name);
            }
            _ => {}
        }
    }
    let name = |id: &str| names.get(id).copied().unwrap_or(id).to_owned();
    let path: Vec<Vec<String>> = turns
        .iter()
        .map(|t| {
            let outputs: Vec<String> = t
                .node_outputs
                .iter()
                .filter(|o| !o.thread.contains("companion"))
                .filter_map(|o| o.node.as_deref())
                .map(name)
                .collect();
            if !outputs.is_empty() {
                return outputs;
            }
            t.events
                .iter()
                .filter_map(|e| match e {
                    Event::NodeStart { node: Some(id), .. } => Some(name(id)),
                    _ => None,
                })
                .collect()
        })
        .collect();
    if path.iter().all(Vec::is_empty) {
        Vec::new()
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeOutput;

    fn output(thread: &str, node: &str) -> NodeOutput {
        NodeOutput {
            thread: thread.to_owned(),
            node_type: None,
            node: Some(node.to_owned()),
            structured_output: None,
            free_form_output: None,
        }
    }

    #[test]
    fn main_thread_nodes_per_turn_by_name() {
        let start = |id: &str, name: Option<&str>| Event::NodeStart {
            node: Some(id.into()),
            node_name: name.map(Into::into),
        };
        let turns = vec![
            Turn {
                events: vec![start("g", Some("Greeting")), start("c", Some("Collect"))],
                node_outputs: vec![
                    output("0", "g"),
                    output("0_companion_1", "bg"),
                    output("0", "c"),
                ],
                ..Turn::default()
            },
            // No node outputs: the start events say which nodes ran.
            Turn {
                events: vec![start("c", None), start("x", None)],
                ..Turn::default()
            },
            Turn::default(),
        ];
        assert_eq!(
            of(None, &turns),
            vec![
                vec!["Greeting".to_owned(), "Collect".to_owned()],
                vec!["Collect".to_owned(), "x".to_owned()],
                vec![],
            ]
        );
        // A run without nodes has no path.
        assert!(of(None, &[Turn::default()]).is_empty());
    }
}
