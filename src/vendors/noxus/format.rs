//! Noxus: a single-shot DAG run. No version number (only `workflow_hash`), no token usage.

use crate::formats::doc::Doc;
use crate::formats::NormalizeError;
use crate::model::{Format, Run};
use crate::vendors::single_shot;

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
pub(super) fn normalize(mut doc: Doc<'_>, _: Format) -> Result<Run, NormalizeError> {
    let run = single_shot::run(super::RUN, &mut doc)?;
    Ok(Run {
        workflow_hash: doc.workflow.and_then(|w| w.workflow_hash),
        started_at: doc.created_at,
        ended_at: doc.finished_at,
        ..run
    })
}

/// Its formats.
pub(super) fn formats() -> &'static [Format] {
    const FORMATS: [Format; 1] = [super::RUN];
    &FORMATS
}

/// Noxus runs are told by fields a Cortex run may share: Cortex's win.
pub(super) const SPECIFICITY: u8 = 1;
