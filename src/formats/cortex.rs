//! Cortex: a single-shot step workflow; `usage` is in credits, not tokens.

use super::doc::Doc;
use super::{NormalizeError, Normalized};
use crate::model::{EvalLink, Format, Latency, Status, System, Turn, Usage};

/// Normalizes a Cortex run (alone, or one element of a list response).
pub(crate) fn run(doc: Doc<'_>) -> Result<Normalized, NormalizeError> {
    let run_id = doc
        .id
        .ok_or_else(|| NormalizeError::new("/id", "missing `id`"))?;
    let error = match doc.error {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    };
    Ok(Normalized {
        system: System::Cortex,
        format: Format::CortexRun,
        run_id,
        workflow_id: doc.workflow_id,
        version: doc.version.or(doc.workflow_version.and_then(|v| v.version)),
        version_name: None,
        workflow_hash: None,
        app_id: doc.app_id,
        status: Status::parse(System::Cortex, doc.status.as_deref().unwrap_or("")),
        termination_source: None,
        turns: vec![Turn {
            input: doc.input,
            output: doc.output,
            ..Turn::default()
        }],
        usage: Usage::default(),
        latency: Latency::default(),
        // `usage.calls` and `usage.steps` repeat the total: only `total` counts.
        credits: doc.usage.and_then(|u| u.total),
        started_at: doc.started_at.or(doc.created_at),
        ended_at: doc.ended_at,
        comments: Vec::new(),
        error,
        config: None,
        eval: EvalLink::default(),
    })
}
