//! What the single-shot vendors' formats (Noxus, Cortex) share: a run document is one `id`, a
//! `workflow_id`, a `status` in the vendor's spellings and one turn of `input` → `output`.

use crate::formats::doc::Doc;
use crate::formats::NormalizeError;
use crate::model::{Format, Run, Status, Turn};

/// The run of `format` from the fields every single-shot run document has, taken from `doc`:
/// its `id` (required, else an error at `/id`), `workflow_id`, `status` (read in the format's
/// system's spellings) and its one turn; the vendor fills in its own fields.
pub(super) fn run(format: Format, doc: &mut Doc<'_>) -> Result<Run, NormalizeError> {
    let run_id = doc
        .id
        .take()
        .ok_or_else(|| NormalizeError::new("/id", "missing `id`"))?;
    Ok(Run {
        workflow_id: doc.workflow_id.take(),
        status: Status::parse(format.system(), doc.status.as_deref().unwrap_or("")),
        turns: vec![Turn {
            input: doc.input.take(),
            output: doc.output.take(),
            ..Turn::default()
        }],
        ..Run::new(format, run_id)
    })
}
