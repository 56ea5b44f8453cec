//! Noxus: a single-shot DAG run. No version number (only `workflow_hash`), no token usage.

use super::doc::Doc;
use super::{NormalizeError, Normalized};
use crate::model::{EvalLink, Format, Latency, Status, System, Turn, Usage};

/// Normalizes a Noxus run (with or without `output`).
pub(crate) fn run(doc: Doc<'_>) -> Result<Normalized, NormalizeError> {
    let run_id = doc
        .id
        .ok_or_else(|| NormalizeError::new("/id", "missing `id`"))?;
    let hash = doc.workflow.and_then(|w| w.workflow_hash);
    Ok(Normalized {
        system: System::Noxus,
        format: Format::NoxusRun,
        run_id,
        workflow_id: doc.workflow_id,
        version: None,
        version_name: None,
        workflow_hash: hash,
        app_id: None,
        status: Status::parse(System::Noxus, doc.status.as_deref().unwrap_or("")),
        termination_source: None,
        turns: vec![Turn {
            input: doc.input,
            output: doc.output,
            ..Turn::default()
        }],
        usage: Usage::default(),
        latency: Latency::default(),
        credits: None,
        started_at: doc.created_at,
        ended_at: doc.finished_at,
        comments: Vec::new(),
        error: None,
        config: None,
        eval: EvalLink::default(),
    })
}
