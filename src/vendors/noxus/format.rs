//! Noxus: a single-shot DAG run. No version number (only `workflow_hash`), no token usage.

use crate::formats::doc::Doc;
use crate::formats::NormalizeError;
use crate::model::{Format, Run, Status, Turn};

/// A Noxus run: an `id` and any field Noxus runs have (a Cortex run's fields win: see
/// [`super::SPECIFICITY`]).
pub(super) fn detect(doc: &Doc<'_>) -> Option<Format> {
    doc.id.as_ref()?;
    if doc.progress.is_some()
        || doc.group_id.is_some()
        || doc.node_ids.is_some()
        || doc.workflow.is_some()
        || doc.definitions.is_some()
        || doc.finished_at.is_some()
    {
        return Some(super::RUN);
    }
    None
}

/// Normalizes a Noxus run (with or without `output`).
pub(super) fn normalize(doc: Doc<'_>, _: Format) -> Result<Run, NormalizeError> {
    let run_id = doc
        .id
        .ok_or_else(|| NormalizeError::new("/id", "missing `id`"))?;
    Ok(Run {
        workflow_id: doc.workflow_id,
        workflow_hash: doc.workflow.and_then(|w| w.workflow_hash),
        status: Status::parse(super::SYSTEM, doc.status.as_deref().unwrap_or("")),
        turns: vec![Turn {
            input: doc.input,
            output: doc.output,
            ..Turn::default()
        }],
        started_at: doc.created_at,
        ended_at: doc.finished_at,
        ..Run::new(super::RUN, run_id)
    })
}

/// Its formats.
pub(super) fn formats() -> &'static [Format] {
    const FORMATS: [Format; 1] = [super::RUN];
    &FORMATS
}

/// Noxus runs are told by fields a Cortex run may share: Cortex's win.
pub(super) const SPECIFICITY: u8 = 1;
