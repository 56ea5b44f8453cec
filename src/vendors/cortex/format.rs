//! Cortex: a single-shot step workflow; `usage` is in credits, not tokens.

use crate::formats::doc::Doc;
use crate::formats::lenient::error_text;
use crate::formats::NormalizeError;
use crate::model::{Format, Run};
use crate::vendors::single_shot;

/// A Cortex run: an `id` and any field only Cortex runs have (or an upper-case status).
pub(super) fn detect(doc: &Doc<'_>) -> Option<Format> {
    doc.id.as_ref()?;
    let upper_status = doc
        .status
        .as_deref()
        .is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
    if doc.app_id.is_some()
        || doc.usage.is_some()
        || doc.workflow_version.is_some()
        || doc.workflow_version_draft.is_some()
        || doc.workflow_app_id.is_some()
        || doc.result.is_some()
        || doc.origin.is_some()
        || doc.started_at.is_some()
        || upper_status
    {
        return Some(super::RUN);
    }
    None
}

/// Normalizes a Cortex run (alone, or one element of a list response).
pub(super) fn normalize(mut doc: Doc<'_>, _: Format) -> Result<Run, NormalizeError> {
    let run = single_shot::run(super::RUN, &mut doc)?;
    Ok(Run {
        version: doc.version.or(doc.workflow_version.and_then(|v| v.version)),
        app_id: doc.app_id,
        // `usage.calls` and `usage.steps` repeat the total: only `total` counts.
        credits: doc.usage.and_then(|u| u.total),
        started_at: doc.started_at.or(doc.created_at),
        ended_at: doc.ended_at,
        error: error_text(doc.error),
        ..run
    })
}

/// Its formats.
pub(super) fn formats() -> &'static [Format] {
    const FORMATS: [Format; 1] = [super::RUN];
    &FORMATS
}

/// Cortex runs are told by fields no Noxus run has: they win over Noxus's.
pub(super) const SPECIFICITY: u8 = 2;
