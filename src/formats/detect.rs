//! Telling the formats apart by which top-level fields a document has.

use super::doc::Doc;
use crate::model::Format;

/// The format of a parsed document, or `None` when it is no run of any known system.
pub(crate) fn detect(doc: &Doc<'_>) -> Option<Format> {
    if let Some(wrapper) = &doc.workflow_run {
        if wrapper.workflow_run.is_some()
            || wrapper._id.is_some()
            || wrapper.team_id.is_some()
            || doc.debug_info.is_some()
        {
            return Some(Format::InteractlyEnvelope);
        }
    }
    // A WorkflowRunInput also has `workflow_run_id`, with fields no run has; a run with its id
    // and nothing else (a `WorkflowRun` dumped with `exclude_unset`) is a run.
    let input_only = doc.command.is_some()
        || doc.thread_to_node_inputs.is_some()
        || doc.dynamic_variables.is_some()
        || doc.runtime_variables.is_some();
    if doc.input_output_pairs.is_some()
        || (doc.workflow_run_id.is_some() && !input_only)
        || doc.workflow_config_fully_hydrated.is_some()
        || doc.llm_token_usage.is_some()
        || doc.is_evaluation_run.is_some()
    {
        return Some(Format::InteractlyRun);
    }
    if doc.run_id.is_some()
        && (doc.turn_number.is_some()
            || doc.events.is_some()
            || doc.is_waiting_for_input.is_some()
            || doc.is_completed.is_some()
            || doc.next_input_hint.is_some())
    {
        return Some(Format::InteractlyExecute);
    }
    if doc.id.is_some() {
        let upper_status = doc.status.as_deref().is_some_and(|s| {
            !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        });
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
            return Some(Format::CortexRun);
        }
        if doc.progress.is_some()
            || doc.group_id.is_some()
            || doc.node_ids.is_some()
            || doc.workflow.is_some()
            || doc.definitions.is_some()
            || doc.finished_at.is_some()
        {
            return Some(Format::NoxusRun);
        }
    }
    None
}
